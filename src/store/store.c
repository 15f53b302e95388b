/* store.c - the store handle: open, close, the per-loop parts, health.
 *
 * Start-up (main thread, blocking): MongoDB is opened (retried while it
 * starts), its indexes made, the id key loaded; Redis must answer, and its
 * counter is moved past every stored number if Redis lost its data
 * (counter.c). Then each event loop gets a store_loop: an async Redis
 * connection for commands, a subscriber for the live feed and deletes
 * (feed.c), and a batch of raw views (views.c). MongoDB work of the loops
 * goes through one thread pool (pool.c), whose results come back to the
 * loop that asked. */
#include "state.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/log.h"

/* The background lane's calls (a full sweep, a round of view counts) may
 * take long on a big store; no request waits on them. */
#define BACKGROUND_TIMEOUT_MS 60000
/* How long a health check waits for Redis' PONG. */
#define HEALTH_REDIS_MS 800

store *store_open(const config *cfg, fault *f)
{
    store *s = calloc(1, sizeof *s);
    if (!s) {
        fault_no_memory(f);
        return NULL;
    }
    s->cfg = *cfg;
    s->checkpoint_recorded = -1;
    pthread_mutex_init(&s->recovery_lock, NULL);
    pthread_mutex_init(&s->flights_lock, NULL);
    if (redis_target_parse(cfg->redis_url, &s->redis) != 0) {
        fault_set(f, FAULT_INVALID, "redis_url",
                  "redis_url '%s' is not redis://host:port, sentinel://host:port,.../master or a socket path",
                  cfg->redis_url);
        free(s);
        return NULL;
    }
    if (tier_open(s, f) != 0 || redis_sentinel_start(&s->redis, f) != 0) {
        tier_close(s->tier);
        free(s);
        return NULL;
    }
    for (int attempt = 1; !(s->mongo = mongo_open(cfg, cfg->store_timeout_ms, 1, f)); attempt++) {
        if (attempt == 10 || (f && f->kind == FAULT_INVALID)) {     /* a bad setting: no use waiting */
            fault_prefix(f, "mongodb");
            store_close(s);
            return NULL;
        }
        log_warn("mongodb not ready (%s); retrying", f ? f->message : "");
        sleep(1);
    }
    s->mongo_bg = mongo_open(cfg, BACKGROUND_TIMEOUT_MS, 0, f);
    s->jobs = s->mongo_bg ? pool_new(cfg->mongo_threads, 10000, cfg->store_timeout_ms) : NULL;
    s->cpu = s->jobs ? pool_new(1, 64, 10000) : NULL;
    s->monitor = s->cpu ? monitor_start(&s->cfg, f) : NULL;
    s->inserter = s->monitor ? inserter_start(s, f) : NULL;
    if (!s->inserter) {
        if (s->mongo_bg && (!s->jobs || !s->cpu))
            fault_set(f, FAULT_UNAVAILABLE, NULL, "cannot start the store thread pool");
        store_close(s);
        return NULL;
    }
    return s;
}

int store_load_id_key(store *s, fault *f)
{
    if (s->cfg.id_key[0]) {
        if (ids_key_from_hex(&s->ids, s->cfg.id_key) != 0)
            return fault_set(f, FAULT_INVALID, "id_key", "id_key is not 64 hex characters");
        sha256(s->cfg.id_key, strlen(s->cfg.id_key), s->secret);
        return 0;
    }
    if (mongo_id_secret(s->mongo, s->secret, f) != 0) {
        fault_prefix(f, "cannot load the ID key");
        return -1;
    }
    ids_key_init(&s->ids, s->secret);
    return 0;
}

void store_key(const store *s, const char *purpose, uint8_t out[SHA256_BYTES])
{
    hmac_sha256(s->secret, sizeof s->secret, purpose, strlen(purpose), out);
}

const ids_key *store_ids(const store *s)
{
    return &s->ids;
}

void store_stop_jobs(store *s)
{
    inserter_stop(s->inserter);
    s->inserter = NULL;
    pool_free(s->jobs);
    s->jobs = NULL;     /* late submissions now fail cleanly */
    pool_free(s->cpu);
    s->cpu = NULL;
}

int store_offload(store_loop *sl, pool_work_fn work, pool_done_fn done, void *arg)
{
    return sl->s->cpu ? pool_submit(sl->s->cpu, sl->base, work, done, arg) : -1;
}

void store_close(store *s)
{
    if (!s)
        return;
    store_stop_jobs(s);
    monitor_stop(s->monitor);
    mongo_close(s->mongo_bg);
    mongo_close(s->mongo);
    mongo_shutdown();
    pthread_mutex_destroy(&s->recovery_lock);
    pthread_mutex_destroy(&s->flights_lock);
    tier_close(s->tier);
    redis_sentinel_stop();
    free(s);
}

void store_redis_primary(const store *s, char *addr, size_t addrlen, unsigned *failovers)
{
    char host[256];
    int port;
    unsigned generation;
    redis_target_resolve(&s->redis, host, sizeof host, &port, &generation);
    if (s->redis.socket_path[0])
        snprintf(addr, addrlen, "%s", s->redis.socket_path);
    else
        snprintf(addr, addrlen, "%s:%d", host, port);
    *failovers = generation > 1 ? generation - 1 : 0;   /* the first is the address found at start */
}

int store_disk_low(const store *s, long long *free_bytes)
{
    return monitor_disk_low(s->monitor, free_bytes);
}

int store_id_lookups_indexed(const store *s)
{
    return monitor_id_lookups_indexed(s->monitor);
}

const store_counts *store_counts_of(const store *s)
{
    return &s->counts;
}

size_t store_jobs_queued(store *s)
{
    int n = pool_queued(s->jobs);
    return n > 0 ? (size_t)n : 0;
}

void store_creates_pending(store *s, size_t *queued, int *in_flight)
{
    inserter_depth(s->inserter, queued, in_flight);
}

void note_highest(store *s, uint64_t n)
{
    unsigned long long seen = atomic_load(&s->highest_num);
    while (n > seen && !atomic_compare_exchange_weak(&s->highest_num, &seen, n))
        ;
}

/* --- loops ------------------------------------------------------------------ */

store_loop *store_loop_new(store *s, struct event_base *base, const store_watch *watch)
{
    store_loop *sl = calloc(1, sizeof *sl);
    if (!sl)
        return NULL;
    sl->s = s;
    sl->base = base;
    sl->last_number = s->startup_counter;
    if (watch)
        sl->watch = *watch;
    sl->redis = rconn_new(base, &s->redis);
    if (!sl->redis || feed_subscribe(sl) != 0 || views_loop_init(sl) != 0 || tier_loop_init(sl) != 0) {
        store_loop_free(sl);
        return NULL;
    }
    return sl;
}

void store_loop_drain(store_loop *sl)
{
    /* completions of store jobs that finished after the loop stopped, and
     * the last batch of views, written out */
    sl->draining = 1;
    pastes_loop_drain(sl);
    event_base_loop(sl->base, EVLOOP_NONBLOCK);
    views_loop_flush(sl);
    event_base_loop(sl->base, EVLOOP_NONBLOCK);
    /* pending Redis callbacks run now, with no reply: their requests get
     * answered while the connections still exist */
    rconn_free(sl->redis);
    sl->redis = NULL;
    tier_loop_close(sl);
    event_base_loop(sl->base, EVLOOP_NONBLOCK);
}

void store_loop_free(store_loop *sl)
{
    if (!sl)
        return;
    views_loop_free(sl);
    tier_loop_free(sl);
    rconn_free(sl->subscriber);
    live_free(sl);
    rconn_free(sl->redis);
    free(sl);
}

/* --- health --------------------------------------------------------------- */

/* MongoDB's state is the monitor's (no I/O); Redis is asked now, for at most
 * HEALTH_REDIS_MS. The job lives until both the PING's callback (which
 * hiredis always runs: with NULL when the connection goes) and the timer
 * are done; whichever comes first answers. */
typedef struct health_job {
    store_loop   *sl;
    health_cb     cb;
    void         *arg;
    struct event *timer;
    int           holders;
    int           answered;
} health_job;

static void health_release(health_job *h)
{
    if (--h->holders == 0) {
        event_free(h->timer);
        free(h);
    }
}

static void health_answer(health_job *h, int redis_ok)
{
    if (h->answered)
        return;
    h->answered = 1;
    char why[FAULT_MESSAGE_MAX] = "";
    int mongo_ok = monitor_mongo_ok(h->sl->s->monitor, why, sizeof why);
    h->cb(h->arg, redis_ok, mongo_ok, mongo_ok ? NULL : why);
}

static void on_pong(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    health_job *h = priv;
    redisReply *rep = reply_obj;
    health_answer(h, rep && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0);
    /* answered: the timer's hold goes now, not when it fires (a loop that
     * stops first would never free the job) */
    if (evtimer_pending(h->timer, NULL)) {
        event_del(h->timer);
        h->holders--;           /* the timer's, which will not fire now */
    }
    health_release(h);
}

static void on_health_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    health_job *h = arg;
    health_answer(h, 0);    /* no PONG in time */
    health_release(h);
}

void store_health(store_loop *sl, health_cb cb, void *arg)
{
    health_job *h = calloc(1, sizeof *h);
    if (h)
        h->timer = evtimer_new(sl->base, on_health_timeout, h);
    if (!h || !h->timer) {
        free(h);
        cb(arg, 0, 0, "out of memory");
        return;
    }
    h->sl = sl;
    h->cb = cb;
    h->arg = arg;
    h->holders = 1;
    if (rconn_command(sl->redis, on_pong, h, "PING") != 0) {
        health_answer(h, 0);    /* Redis is down: nothing to wait for */
        health_release(h);
        return;
    }
    h->holders = 2;
    struct timeval deadline = { 0, HEALTH_REDIS_MS * 1000 };
    evtimer_add(h->timer, &deadline);
}
