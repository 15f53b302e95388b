/* health.c - GET /healthz and GET /metrics.
 *
 * /healthz asks both stores right now: Redis with an async PING on this
 * worker's connection, MongoDB with a ping on the pool. It answers when both
 * have answered: 200 "ok", or 503 naming what failed. ?verbose=1 adds one
 * "name value" line per fact (the same counters as /metrics).
 * /metrics is Prometheus text: request, create, view, cache hit and miss
 * counters, and the store queue depth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looplag.h"
#include "routes.h"
#include "store_mongo.h"

typedef struct health_ctx {
    request *r;
    int redis_ok, mongo_ok;
    int pending;
    int verbose;
    char mongo_err[256];
} health_ctx;

static void add_counters(struct evbuffer *b, const char *prefix)
{
    stats *s = &srv.stats;
    evbuffer_add_printf(b,
        "%srequests_total %llu\n%spastes_created_total %llu\n%sviews_total %llu\n"
        "%scache_hits_total %llu\n%scache_misses_total %llu\n%shot_hits_total %llu\n"
        "%sstore_errors_total %llu\n"
        "%sstore_queue %d\n",
        prefix, (unsigned long long)atomic_load(&s->requests),
        prefix, (unsigned long long)atomic_load(&s->created),
        prefix, (unsigned long long)atomic_load(&s->views),
        prefix, (unsigned long long)atomic_load(&s->cache_hits),
        prefix, (unsigned long long)atomic_load(&s->cache_misses),
        prefix, (unsigned long long)atomic_load(&s->hot_hits),
        prefix, (unsigned long long)atomic_load(&s->store_errors),
        prefix, pool_queued(srv.mongo));
}

static void health_answer(health_ctx *h)
{
    if (--h->pending > 0)
        return;
    request *r = h->r;
    int ok = h->redis_ok && h->mongo_ok;
    set_header(r, "Cache-Control", "no-store");
    struct evbuffer *b = evbuffer_new();
    if (ok)
        evbuffer_add_printf(b, "ok\n");
    else
        evbuffer_add_printf(b, "unavailable:%s%s\n", h->redis_ok ? "" : " redis",
                            h->mongo_ok ? "" : " mongodb");
    if (h->verbose) {
        evbuffer_add_printf(b, "redis %s\nmongodb %s\n", h->redis_ok ? "ok" : "down",
                            h->mongo_ok ? "ok" : "down");
        add_counters(b, "");
    }
    reply(r, ok ? 200 : 503, "text/plain; charset=utf-8", b);
    free(h);
}

static void on_pong(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    health_ctx *h = priv;
    redisReply *rep = reply_obj;
    h->redis_ok = rep && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
    health_answer(h);
}

static void mongo_ping_work(void *arg)
{
    health_ctx *h = arg;
    h->mongo_ok = mongo_store_ping(h->mongo_err, sizeof h->mongo_err) == 0;
}

static void mongo_ping_done(void *arg)
{
    health_answer(arg);
}

void handle_health(request *r)
{
    health_ctx *h = calloc(1, sizeof *h);
    if (!h) {
        reply_error(r, 503, "out of memory");
        return;
    }
    h->r = r;
    h->pending = 2;
    char *verbose = query_param(r, "verbose");
    h->verbose = verbose && strcmp(verbose, "1") == 0;
    free(verbose);
    if (rconn_command(r->w->redis, on_pong, h, "PING") != 0)
        h->pending--;           /* Redis is down: nothing to wait for */
    if (pool_submit(srv.mongo, r->w->base, mongo_ping_work, mongo_ping_done, h) != 0) {
        h->mongo_ok = 0;
        health_answer(h);       /* counts MongoDB as answered: down */
    }
}

void handle_metrics(request *r)
{
    struct evbuffer *b = evbuffer_new();
    add_counters(b, "pasted_");
    looplag_write_metrics(b);
    set_header(r, "Cache-Control", "no-store");
    reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", b);
}
