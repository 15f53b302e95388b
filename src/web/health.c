/* health.c - GET /healthz and GET /metrics.
 *
 * /healthz answers within a second whatever the stores do: Redis is asked
 * with an async PING on this loop's connection (800 ms at most), MongoDB's
 * state is the store monitor's last ping (store/monitor.c, no I/O here):
 * 200 "ok", or 503 naming what failed, a line each saying why. ?verbose=1
 * adds one "name value" line per fact (the same counters as /metrics).
 * /metrics is Prometheus text: request, create, view, cache hit and miss
 * counters, the store's queue, reads, inserts and counter recoveries, and
 * what the process adds (loop lag). */
#include "web.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_counters(request *r, struct evbuffer *b, const char *prefix)
{
    app_stats *s = &app_of(r)->stats;
    app_store_figures st;
    app_store_figures_get(app_of(r), &st);
    evbuffer_add_printf(b,
        "%srequests_total %llu\n%spastes_created_total %llu\n%sviews_total %llu\n"
        "%scache_hits_total %llu\n%scache_misses_total %llu\n%shot_hits_total %llu\n"
        "%sstore_errors_total %llu\n"
        "%sstore_queue %zu\n%sstore_reads_total %llu\n%sstore_inserts_total %llu\n"
        "%sstore_insert_batches_total %llu\n%sstore_creates_queued %zu\n%sstore_inserts_in_flight %d\n"
        "%scounter_recoveries_total %llu\n"
        "%sstore_id_lookups_indexed %d\n"
        "%sexpiry_index_rebuilds_total %llu\n%sexpiry_index_rebuilding %d\n"
        "%sexpiry_index_rebuilt_pastes %llu\n",
        prefix, (unsigned long long)atomic_load(&s->requests),
        prefix, (unsigned long long)atomic_load(&s->created),
        prefix, (unsigned long long)atomic_load(&s->views),
        prefix, (unsigned long long)atomic_load(&s->cache_hits),
        prefix, (unsigned long long)atomic_load(&s->cache_misses),
        prefix, (unsigned long long)atomic_load(&s->hot_hits),
        prefix, (unsigned long long)atomic_load(&s->store_errors),
        prefix, st.queued, prefix, st.reads, prefix, st.inserts, prefix, st.insert_batches,
        prefix, st.creates_queued, prefix, st.inserts_in_flight, prefix, st.recoveries,
        prefix, st.id_indexed, prefix, st.index_rebuilds, prefix, st.index_rebuilding,
        prefix, st.index_rebuilt);
    evbuffer_add_printf(b, "%sstore_free_bytes %lld\n%sstore_disk_low %d\n", prefix, st.free_bytes, prefix,
                        st.disk_low);
    const web *w = loop_of(r)->web;
    evbuffer_add_printf(b, "%sevent_streams %d\n%swebsockets %d\n", prefix, atomic_load(&w->streams), prefix,
                        atomic_load(&w->websockets));
    for (int k = 0; k < LIMIT_KINDS; k++)
        evbuffer_add_printf(b, "%srefused_total{reason=\"%s\"} %llu\n", prefix, limit_name((limit_kind)k),
                            (unsigned long long)atomic_load(&s->refused[k]));
    char primary[300];
    unsigned failovers;
    app_redis_primary(app_of(r), primary, sizeof primary, &failovers);
    evbuffer_add_printf(b, "%sredis_primary{addr=\"%s\"} 1\n%sredis_failovers_total %u\n", prefix, primary, prefix,
                        failovers);
    for (size_t i = 0, n = app_cache_nodes(app_of(r)); i < n; i++) {
        app_cache_node c;
        app_cache_node_get(app_of(r), i, &c);
        evbuffer_add_printf(b,
            "%scache_node_up{node=\"%s\"} %d\n%scache_node_hits_total{node=\"%s\"} %llu\n"
            "%scache_node_misses_total{node=\"%s\"} %llu\n%scache_node_failures_total{node=\"%s\"} %llu\n"
            "%scache_node_ejections_total{node=\"%s\"} %llu\n",
            prefix, c.name, c.up, prefix, c.name, c.hits, prefix, c.name, c.misses, prefix, c.name, c.failures,
            prefix, c.name, c.ejections);
    }
}

static void on_health(void *arg, int redis_ok, int mongo_ok, const char *why)
{
    request *r = arg;
    int ok = redis_ok && mongo_ok;
    char *verbose = query_param(r, "verbose");
    int detail = verbose && strcmp(verbose, "1") == 0;
    free(verbose);
    set_header(r, "Cache-Control", "no-store");
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        reply_error(r, 503, "out of memory");
        return;
    }
    if (ok)
        evbuffer_add_printf(b, "ok\n");
    else
        evbuffer_add_printf(b, "unavailable:%s%s\n", redis_ok ? "" : " redis", mongo_ok ? "" : " mongodb");
    if (!redis_ok)
        evbuffer_add_printf(b, "redis: no answer to PING\n");
    if (!mongo_ok)
        evbuffer_add_printf(b, "mongodb: %s\n", why ? why : "no answer");
    if (detail) {
        evbuffer_add_printf(b, "redis %s\nmongodb %s\n", redis_ok ? "ok" : "down", mongo_ok ? "ok" : "down");
        for (size_t i = 0, n = app_cache_nodes(app_of(r)); i < n; i++) {
            app_cache_node c;
            app_cache_node_get(app_of(r), i, &c);
            evbuffer_add_printf(b, "cache %s %s\n", c.name, c.up ? "up" : "ejected");
        }
        add_counters(r, b, "");
    }
    reply(r, ok ? 200 : 503, "text/plain; charset=utf-8", b);
}

void handle_health(request *r, const char *rest)
{
    (void)rest;
    app_health(loop_of(r)->app, on_health, r);
}

void handle_metrics(request *r, const char *rest)
{
    (void)rest;
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        reply_error(r, 503, "out of memory");
        return;
    }
    add_counters(r, b, "pasted_");
    if (loop_of(r)->web->more_metrics)
        loop_of(r)->web->more_metrics(b);
    set_header(r, "Cache-Control", "no-store");
    reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", b);
}
