/* main.c - start-up and shutdown.
 *
 * Order matters: settings (file, then environment) are validated before any
 * connection is made; the store must answer (MongoDB holds the ID key and
 * gets its indexes; Redis tells us the highest paste number and is moved
 * past the store's if it lost its data). Then the application, the web
 * layer and the HTTP settings are set up, the workers (each with its own
 * loop, listener and store connections) and the background thread start.
 * The main thread then only waits for SIGINT/SIGTERM; on one it stops the
 * workers, drains the store's jobs (their results still reach the loops),
 * lets the background thread write pending view counts, and exits. A stop
 * is bounded: a frozen store could hold it for a minute (the background
 * lane's timeout), so after shutdown_grace seconds, or at a second signal,
 * a watchdog ends the process at once. Nothing acknowledged is lost that
 * way: view counts not yet written stay queued in Redis for the next start. */
#include <errno.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "server/background.h"
#include "server/looplag.h"
#include "server/operator.h"
#include "server/server.h"
#include "web/assets.h"


static void usage(void)
{
    fprintf(stderr, "usage: pasted [-c CONFIG] [-t]\n"
                    "  -c FILE  read settings from FILE (default conf/pasted.conf)\n"
                    "  -t       check the settings and exit\n");
}

static int load_settings(int argc, char **argv, int *check_only)
{
    const char *path = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "c:th")) != -1) {
        switch (opt) {
        case 'c': path = optarg; break;
        case 't': *check_only = 1; break;
        default: usage(); return -1;
        }
    }
    fault f;
    config_defaults(&srv.cfg);
    if (!path && access("conf/pasted.conf", R_OK) == 0)
        path = "conf/pasted.conf";
    if ((path && config_load(&srv.cfg, path, &f) != 0) || config_apply_env(&srv.cfg, &f) != 0
        || config_validate(&srv.cfg, &f) != 0) {
        fprintf(stderr, "pasted: %s\n", f.message);
        return -1;
    }
    log_level level = LOG_INFO;
    log_parse_level(srv.cfg.log_level, &level);
    log_set_level(level);
    log_info("settings from %s", path ? path : "built-in defaults");
    return 0;
}

static int worker_count(void)
{
    if (srv.cfg.workers > 0)
        return srv.cfg.workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* A start-up step that reads the stores. A store that is busy for a moment
 * (an instance restarting while the others load it) is waited for, ten
 * tries a second apart; a bad setting is not. */
static int with_retries(int (*step)(store *, fault *), const char *what, fault *f)
{
    for (int attempt = 1;; attempt++) {
        if (step(srv.store, f) == 0)
            return 0;
        if (attempt == 10 || f->kind != FAULT_UNAVAILABLE)
            return -1;
        log_warn("%s: %s; retrying", what, f->message);
        sleep(1);
    }
}

/* The store, the application over it, the web layer over that. */
static int open_layers(int loops, fault *f)
{
    srv.store = store_open(&srv.cfg, f);
    if (!srv.store)
        return -1;
    if (with_retries(store_load_id_key, "the ID key", f) != 0
        || with_retries(store_resync_counter, "the counter", f) != 0
        || with_retries(store_load_blocklist, "the blocklist", f) != 0
        || app_init(&srv.app, &srv.cfg, srv.store, loops, f) != 0)
        return -1;
    if (srv.cfg.admin_token_file[0]) {
        if (operator_token_load(srv.cfg.admin_token_file, srv.app.operator_hash, f) != 0)
            return -1;
        srv.app.has_operator = 1;
        log_info("operator token from %s", srv.cfg.admin_token_file);
    }
    if (assets_init() != 0)
        return fault_no_memory(f);
    srv.web.app = &srv.app;
    srv.web.cfg = &srv.cfg;
    srv.web.more_metrics = looplag_write_metrics;
    web_http_settings(&srv.web, &srv.http);
    return 0;
}

/* Every open connection, live feed and WebSocket is a descriptor: take all
 * the system allows this process (the soft limit is often 1,024, the hard
 * one much more), as nginx's worker_rlimit_nofile does. */
static void raise_open_files(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        log_info("open files: raised from %llu to %llu", (unsigned long long)was, (unsigned long long)rl.rlim_max);
}

static sigset_t stop_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

static const char *signal_name(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

static void wait_for_signal(void)
{
    sigset_t set = stop_signals();
    int sig = 0;
    sigwait(&set, &sig);
    log_info("received %s, shutting down (at most %d s)", signal_name(sig), srv.cfg.shutdown_grace);
}

/* The stop's deadline: a second signal, or shutdown_grace seconds. */
static void *shutdown_watchdog(void *arg)
{
    (void)arg;
    sigset_t set = stop_signals();
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += srv.cfg.shutdown_grace;
    int sig = -1;
    /* EINTR is no deadline: LeakSanitizer stops every thread at exit (a
     * SAN build's clean exit would otherwise end in _exit(1), its report unwritten) */
    do {
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct timespec left = { end.tv_sec - now.tv_sec, end.tv_nsec - now.tv_nsec };
        if (left.tv_nsec < 0) {
            left.tv_sec--;
            left.tv_nsec += 1000000000L;
        }
        if (left.tv_sec < 0)
            break;
        sig = sigtimedwait(&set, NULL, &left);
    } while (sig < 0 && errno == EINTR);
    if (sig > 0)
        log_warn("received %s again: exiting now", signal_name(sig));
    else
        log_warn("not stopped after %d s (is the store answering?): exiting now", srv.cfg.shutdown_grace);
    _exit(1);
}

static void start_shutdown_watchdog(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, shutdown_watchdog, NULL) == 0)
        pthread_detach(t);
}

int main(int argc, char **argv)
{
    int check_only = 0;
    if (load_settings(argc, argv, &check_only) != 0)
        return 2;
    if (check_only) {
        printf("settings ok\n");
        return 0;
    }
    /* Threads inherit this mask: only the main thread takes SIGINT/SIGTERM. */
    sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    raise_open_files();

    fault f;
    int n = worker_count();
    if (open_layers(n, &f) != 0) {
        log_error("%s", f.message);
        store_close(srv.store);
        return 1;
    }
    worker *workers = calloc((size_t)n, sizeof *workers);
    if (!workers || workers_start(workers, n, &f) != 0 || background_start(&f) != 0) {
        log_error("%s", workers ? f.message : "out of memory");
        return 1;
    }
    char nc[32] = "off";
    if (srv.cfg.nc_port)
        snprintf(nc, sizeof nc, "port %d", srv.cfg.nc_port);
    log_info("pasted listening on %s:%d with %d workers, nc %s, redis %s, mongodb %s/%s", srv.cfg.listen,
             srv.cfg.port, n, nc, srv.cfg.redis_url, srv.cfg.mongo_database, srv.cfg.mongo_collection);

    wait_for_signal();
    start_shutdown_watchdog();
    workers_stop_loops(workers, n);
    store_stop_jobs(srv.store);     /* finish the store jobs in flight */
    workers_free(workers, n);       /* deliver their results, then close */
    background_stop();              /* writes every pending view count */
    store_close(srv.store);
    free(workers);
    log_info("stopped");
    return 0;
}
