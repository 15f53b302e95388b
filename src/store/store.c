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

store *store_open(const config *cfg, fault *f)
{
    store *s = calloc(1, sizeof *s);
    if (!s) {
        fault_no_memory(f);
        return NULL;
    }
    s->cfg = *cfg;
    s->checkpoint_recorded = -1;
    if (redis_target_parse(cfg->redis_url, &s->redis) != 0) {
        fault_set(f, FAULT_INVALID, "redis_url", "redis_url '%s' is not redis://host:port or a socket path",
                  cfg->redis_url);
        free(s);
        return NULL;
    }
    for (int attempt = 1; !(s->mongo = mongo_open(cfg, f)); attempt++) {
        if (attempt == 10) {
            fault_prefix(f, "mongodb");
            free(s);
            return NULL;
        }
        log_warn("mongodb not ready (%s); retrying", f ? f->message : "");
        sleep(1);
    }
    s->jobs = pool_new(cfg->mongo_threads, 10000);
    if (!s->jobs) {
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
        return 0;
    }
    uint8_t secret[IDS_KEY_BYTES];
    if (mongo_id_secret(s->mongo, secret, f) != 0) {
        fault_prefix(f, "cannot load the ID key");
        return -1;
    }
    ids_key_init(&s->ids, secret);
    return 0;
}

const ids_key *store_ids(const store *s)
{
    return &s->ids;
}

void store_stop_jobs(store *s)
{
    pool_free(s->jobs);
    s->jobs = NULL;     /* late submissions now fail cleanly */
}

void store_close(store *s)
{
    if (!s)
        return;
    store_stop_jobs(s);
    mongo_close(s->mongo);
    free(s);
}

size_t store_jobs_queued(store *s)
{
    int n = pool_queued(s->jobs);
    return n > 0 ? (size_t)n : 0;
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
    if (watch)
        sl->watch = *watch;
    sl->redis = rconn_new(base, &s->redis);
    if (!sl->redis || feed_subscribe(sl) != 0 || views_loop_init(sl) != 0) {
        store_loop_free(sl);
        return NULL;
    }
    return sl;
}

void store_loop_drain(store_loop *sl)
{
    /* completions of store jobs that finished after the loop stopped, and
     * the last batch of views, written out */
    event_base_loop(sl->base, EVLOOP_NONBLOCK);
    views_loop_flush(sl);
    event_base_loop(sl->base, EVLOOP_NONBLOCK);
    /* pending Redis callbacks run now, with no reply: their requests get
     * answered while the connections still exist */
    rconn_free(sl->redis);
    sl->redis = NULL;
    event_base_loop(sl->base, EVLOOP_NONBLOCK);
}

void store_loop_free(store_loop *sl)
{
    if (!sl)
        return;
    views_loop_free(sl);
    rconn_free(sl->subscriber);
    rconn_free(sl->redis);
    free(sl);
}

/* --- health --------------------------------------------------------------- */

typedef struct health_job {
    store_loop *sl;
    health_cb   cb;
    void       *arg;
    int         pending, redis_ok, mongo_ok;
} health_job;

static void health_answer(health_job *h)
{
    if (--h->pending > 0)
        return;
    h->cb(h->arg, h->redis_ok, h->mongo_ok);
    free(h);
}

static void on_pong(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    health_job *h = priv;
    redisReply *rep = reply_obj;
    h->redis_ok = rep && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
    health_answer(h);
}

static void mongo_ping_work(void *arg)
{
    health_job *h = arg;
    h->mongo_ok = mongo_ping(h->sl->s->mongo, NULL) == 0;
}

static void mongo_ping_done(void *arg)
{
    health_answer(arg);
}

void store_health(store_loop *sl, health_cb cb, void *arg)
{
    health_job *h = calloc(1, sizeof *h);
    if (!h) {
        cb(arg, 0, 0);
        return;
    }
    h->sl = sl;
    h->cb = cb;
    h->arg = arg;
    h->pending = 2;
    if (rconn_command(sl->redis, on_pong, h, "PING") != 0)
        h->pending--;           /* Redis is down: nothing to wait for */
    if (pool_submit(sl->s->jobs, sl->base, mongo_ping_work, mongo_ping_done, h) != 0)
        health_answer(h);       /* counts MongoDB as answered: down */
}
