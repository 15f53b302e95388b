/* app.c - the application's state: settings, the store, counters, loops.
 *
 * The process (server/) opens the store and calls app_init once, then
 * app_loop_new on each event loop. A loop's hot cache (core/hotcache.c)
 * gets an equal share of hot_cache_size. The store tells each loop what
 * happened elsewhere (store/feed.c): a paste gone anywhere leaves this
 * loop's hot cache; a resubscription clears it (ids published meanwhile
 * were missed); a new public paste goes to the loop's owner (the live
 * feed). */
#include "app.h"
#include "budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/hotcache.h"
#include "store/store.h"

/* With max_expire set, the choices longer than it (and "never") are not
 * offered: the form, the help and every way in then refuse them alike. */
static int keep_choices_within(expire_choices *c, int64_t max_s, fault *f)
{
    if (max_s <= 0)
        return 0;
    expire_choices kept = { 0 };
    for (size_t i = 0; i < c->count; i++) {
        if (c->choice[i].seconds == 0 || c->choice[i].seconds > max_s)
            continue;
        kept.choice[kept.count++] = c->choice[i];
        size_t used = strlen(kept.list);
        snprintf(kept.list + used, sizeof kept.list - used, "%s%s", used ? ", " : "", c->choice[i].name);
    }
    if (kept.count == 0)
        return fault_set(f, FAULT_INVALID, "max_expire", "max_expire is shorter than every expire choice");
    *c = kept;
    return 0;
}

int app_init(app *a, const config *cfg, store *s, int loops, fault *f)
{
    a->cfg = cfg;
    a->store = s;
    a->ids = store_ids(s);
    store_key(s, "etag", a->etag_key);
    store_key(s, "blocklist", a->block_key);
    a->loops = loops > 0 ? loops : 1;
    if (limits_parse(cfg, &a->lim, f) != 0
        || options_parse_expire_choices(cfg->expire_choices, &a->expiry, f) != 0)
        return -1;
    return keep_choices_within(&a->expiry, a->lim.max_expire_s, f);
}

static void on_gone(void *arg, const char *id)
{
    app_loop *l = arg;
    hotcache_drop(l->hot, id);
}

static void on_resubscribed(void *arg)
{
    app_loop *l = arg;
    hotcache_clear(l->hot);
}

static void on_new(void *arg, const char *json, size_t len)
{
    app_loop *l = arg;
    if (l->listener.on_new)
        l->listener.on_new(l->listener.arg, json, len);
}

static void on_live(void *arg, const char *id, live_kind kind, int64_t n)
{
    app_loop *l = arg;
    if (l->listener.on_live)
        l->listener.on_live(l->listener.arg, id, kind == LIVE_VIEWS ? APP_LIVE_VIEWS : APP_LIVE_VIEWING, n);
}

app_loop *app_loop_new(app *a, struct event_base *base, const app_listener *listener)
{
    app_loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->app = a;
    l->base = base;
    if (listener)
        l->listener = *listener;
    l->hot = hotcache_new(a->cfg->hot_cache_size / (size_t)a->loops, a->cfg->hot_ttl_ms);
    l->box = penalty_box_new();
    store_watch watch = { on_new, on_gone, on_resubscribed, on_live, l };
    l->store = l->hot && l->box ? store_loop_new(a->store, base, &watch) : NULL;
    if (!l->store) {
        app_loop_free(l);
        return NULL;
    }
    return l;
}

void app_loop_drain(app_loop *l)
{
    store_loop_drain(l->store);
}

void app_loop_free(app_loop *l)
{
    if (!l)
        return;
    store_loop_free(l->store);
    penalty_box_free(l->box);
    hotcache_free(l->hot);
    free(l);
}

void app_health(app_loop *l, app_health_cb cb, void *arg)
{
    store_health(l->store, cb, arg);
}

void app_store_figures_get(const app *a, app_store_figures *out)
{
    const store_counts *c = store_counts_of(a->store);
    out->reads = atomic_load(&c->reads);
    out->inserts = atomic_load(&c->inserts);
    out->insert_batches = atomic_load(&c->insert_batches);
    out->recoveries = atomic_load(&c->recoveries);
    out->index_rebuilds = atomic_load(&c->index_rebuilds);
    out->index_rebuilt = atomic_load(&c->index_rebuilt);
    out->index_rebuilding = atomic_load(&c->index_rebuilding);
    out->disk_low = store_disk_low(a->store, &out->free_bytes);
    out->queued = store_jobs_queued(a->store);
    store_creates_pending(a->store, &out->creates_queued, &out->inserts_in_flight);
    out->id_indexed = store_id_lookups_indexed(a->store);
}

void app_redis_primary(const app *a, char *addr, size_t addrlen, unsigned *failovers)
{
    store_redis_primary(a->store, addr, addrlen, failovers);
}

size_t app_cache_nodes(const app *a)
{
    return store_cache_nodes(a->store);
}

void app_cache_node_get(const app *a, size_t i, app_cache_node *out)
{
    cache_node_figures n;
    store_cache_node(a->store, i, &n);
    memcpy(out->name, n.name, sizeof out->name);
    out->up = n.up;
    out->hits = n.hits;
    out->misses = n.misses;
    out->failures = n.failures;
    out->ejections = n.ejections;
}

void app_recent(app_loop *l, size_t max, app_list_cb cb, void *arg)
{
    store_recent(l->store, max, cb, arg);
}
