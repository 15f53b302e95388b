/* main.c - start-up and shutdown.
 *
 * Order matters: settings (file, then environment) are validated before any
 * connection is made; MongoDB must answer (it holds the ID key and creates
 * the indexes); Redis is checked and tells us the highest paste number. Then
 * the MongoDB pool, the workers (each with its own loop, listener and Redis
 * connection) and the view flusher start. The main thread then only waits
 * for SIGINT/SIGTERM; on one it stops the workers, lets the flusher write
 * every pending view count, drains the pool, and exits. */
#include <errno.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assets.h"
#include "background.h"
#include "counter.h"
#include "http.h"
#include "log.h"
#include "server.h"
#include "store_mongo.h"



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
    char err[512];
    config_defaults(&srv.cfg);
    if (!path && access("conf/pasted.conf", R_OK) == 0)
        path = "conf/pasted.conf";
    if ((path && config_load(&srv.cfg, path, err, sizeof err) != 0)
        || config_apply_env(&srv.cfg, err, sizeof err) != 0
        || config_validate(&srv.cfg, err, sizeof err) != 0) {
        fprintf(stderr, "pasted: %s\n", err);
        return -1;
    }
    log_level level = LOG_INFO;
    log_parse_level(srv.cfg.log_level, &level);
    log_set_level(level);
    if (redis_target_parse(srv.cfg.redis_url, &srv.redis) != 0) {
        fprintf(stderr, "pasted: redis_url '%s' is not redis://host:port or a socket path\n",
                srv.cfg.redis_url);
        return -1;
    }
    log_info("settings from %s", path ? path : "built-in defaults");
    return 0;
}

static int open_mongo(void)
{
    char err[512];
    for (int attempt = 1;; attempt++) {
        if (mongo_store_open(&srv.cfg, err, sizeof err) == 0)
            return 0;
        mongo_store_close();
        if (attempt == 10) {
            log_error("mongodb at %s: %s", srv.cfg.mongo_uri, err);
            return -1;
        }
        log_warn("mongodb not ready (%s); retrying", err);
        sleep(1);
    }
}

static int load_id_key(void)
{
    uint8_t secret[IDS_KEY_BYTES];
    char err[256];
    if (srv.cfg.id_key[0]) {
        if (ids_key_from_hex(&srv.ids, srv.cfg.id_key) != 0) {
            log_error("id_key is not 64 hex characters");
            return -1;
        }
        return 0;
    }
    if (mongo_store_id_secret(secret, err, sizeof err) != 0) {
        log_error("cannot load the ID key: %s", err);
        return -1;
    }
    ids_key_init(&srv.ids, secret);
    return 0;
}

/* Redis must be reachable at start; afterwards the workers reconnect by themselves. */
static int check_redis(void)
{
    char err[256];
    redisContext *r = redis_connect_blocking(&srv.redis, 3000, err, sizeof err);
    if (!r) {
        log_error("redis at %s: %s", srv.cfg.redis_url, err);
        return -1;
    }
    redisReply *rep = redisCommand(r, "GET %s", KEY_COUNTER);
    if (rep && rep->type == REDIS_REPLY_STRING)
        atomic_store(&srv.highest_num, strtoull(rep->str, NULL, 10));
    int ok = rep && rep->type != REDIS_REPLY_ERROR;
    if (!ok)
        log_error("redis at %s: %s", srv.cfg.redis_url, rep ? rep->str : r->errstr);
    if (rep)
        freeReplyObject(rep);
    redisFree(r);
    /* a Redis that lost its data must not hand out stored numbers again */
    if (ok && counter_resync(NULL, err, sizeof err) != 0) {
        log_error("%s", err);
        return -1;
    }
    return ok ? 0 : -1;
}

static int worker_count(void)
{
    if (srv.cfg.workers > 0)
        return srv.cfg.workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
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
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();

    if (open_mongo() != 0 || load_id_key() != 0 || check_redis() != 0)
        return 1;
    srv.mongo = pool_new(srv.cfg.mongo_threads, 10000);
    if (!srv.mongo) {
        log_error("cannot start the store thread pool");
        return 1;
    }
    assets_init();
    int n = worker_count();
    worker *workers = calloc((size_t)n, sizeof *workers);
    char err[512];
    if (!workers || http_start_workers(workers, n, err, sizeof err) != 0) {
        log_error("%s", workers ? err : "out of memory");
        return 1;
    }
    if (background_start(err, sizeof err) != 0) {
        log_error("%s", err);
        return 1;
    }
    log_info("pasted listening on %s:%d with %d workers, redis %s, mongodb %s/%s", srv.cfg.listen,
             srv.cfg.port, n, srv.cfg.redis_url, srv.cfg.mongo_database, srv.cfg.mongo_collection);

    wait_for_signal();
    http_stop_loops(workers, n);
    pool_free(srv.mongo);           /* finish the store jobs in flight */
    srv.mongo = NULL;               /* late submissions now fail cleanly */
    http_free_workers(workers, n);  /* deliver their results, then close */
    background_stop();              /* writes every pending view count */
    mongo_store_close();
    free(workers);
    log_info("stopped");
    return 0;
}
