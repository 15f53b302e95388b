/* read.c - read a paste, for a page, the raw bytes, the API or a copy.
 *
 * Where a paste comes from, cheapest first:
 *   1. The id's shape was checked by the route's rule; here it is decoded
 *      (core/ids.c), so an id that was never made is "no such paste"
 *      before any store is asked.
 *   2. This loop's hot cache (core/hotcache.c): memory, no I/O.
 *   3. The store (store/pastes.c): Redis, then the counter, then MongoDB;
 *      a client out of lookups (budget.c) gets what Redis has and a 429
 *      for anything else, and a read of an id that does not exist costs
 *      its client a lookup.
 * Pastes read from the store enter the hot cache; they are shared
 * (refcounted) and never modified once read.
 * Then, in this order: an expired paste is gone (410) and removed in the
 * background; a limited paste (burn after reading: one read; views_left:
 * N) read for its content has that read claimed in Redis (an atomic count:
 * exactly N readers win, everywhere, however many ask at once), is served
 * to the winners and removed after the last; a view is counted (views are batched per loop, and the
 * page asks for the new total); the caller gets the paste. */
#include "read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "budget.h"
#include "core/hotcache.h"
#include "store/store.h"

typedef struct read_job {
    app_loop *l;
    unsigned  how;
    char      id[IDS_MAX_LEN + 1];
    paste    *p;
    read_cb   cb;
    void     *arg;
    app_client who;
    int       has_who;
    int       boxed;        /* who is out of lookups: Redis only, else refused */
} read_job;

static void finish(read_job *j, int64_t views, const fault *f)
{
    j->cb(j->arg, f ? NULL : j->p, views, f);
    if (f)
        paste_free(j->p);
    free(j);
}

static void fail(read_job *j, fault_kind kind, const char *message)
{
    fault f = { .kind = kind };
    snprintf(f.message, sizeof f.message, "%s", message);
    finish(j, -1, &f);
}

static void on_total(void *arg, int64_t views)
{
    read_job *j = arg;
    if (views < j->p->views)
        views = j->p->views; /* Redis lost its counters: MongoDB knows better */
    finish(j, views, NULL);
}

/* Count the view (when asked) and answer. */
static void deliver(read_job *j)
{
    store_loop *sl = j->l->store;
    if (j->how & READ_COUNT)
        atomic_fetch_add_explicit(&j->l->app->stats.views, 1, memory_order_relaxed);
    if (!(j->how & READ_TOTAL)) {
        if (j->how & READ_COUNT)
            store_views_count(sl, j->id, NULL, NULL);   /* batched: no total */
        finish(j, -1, NULL);
    } else if (j->how & READ_COUNT) {
        store_views_count(sl, j->id, on_total, j);
    } else {
        store_views_current(sl, j->id, on_total, j);
    }
}

static void on_view_claim(void *arg, int result)
{
    read_job *j = arg;
    if (result < 0) {
        fail(j, FAULT_UNAVAILABLE, "cannot open a paste with limited reads while redis is down");
        return;
    }
    if (result == 0) {
        fail(j, FAULT_NOT_FOUND, "no such paste");  /* others took its reads first */
        return;
    }
    if (result == 2)
        store_paste_remove(j->l->store, j->id);   /* the last one */
    deliver(j);
}

static void settle(read_job *j)
{
    if (paste_seconds_left(j->p, now_ms()) <= 0) {
        store_paste_remove(j->l->store, j->id);
        fail(j, FAULT_GONE, "paste expired");
        return;
    }
    if (paste_is_limited(j->p)) {
        if (j->how & READ_NO_BURN) {
            fail(j, FAULT_NOT_FOUND, "no such paste");
            return;
        }
        if (j->how & READ_SPARE_BURN) {
            finish(j, -1, NULL);
            return;
        }
        if (j->how & READ_CONSUME) {
            /* the count must outlive every copy of the paste; a paste that never
             * expires has its count kept a year (a key with no end would never
             * leave Redis: README, "What a crash can lose") */
            int64_t left = paste_seconds_left(j->p, now_ms());
            store_claim_view(j->l->store, j->id, paste_read_limit(j->p),
                             left == INT64_MAX ? 365 * 86400 : left + 86400, on_view_claim, j);
            return;
        }
    }
    deliver(j);
}

static void on_stored(void *arg, paste *p, int cached, const fault *f)
{
    read_job *j = arg;
    app_stats *st = &j->l->app->stats;
    if (!cached)
        atomic_fetch_add_explicit(&st->cache_misses, 1, memory_order_relaxed);
    fault refused;
    if (!p && j->boxed && f->kind == FAULT_NOT_FOUND && app_lookups_refused(j->l, &j->who, &refused) != 0) {
        finish(j, -1, &refused);        /* not in the cache: the store is not asked for it */
        return;
    }
    if (!p && f->kind == FAULT_NOT_FOUND && j->has_who && !j->boxed)
        app_charge_lookup(j->l, &j->who);
    if (!p) {
        if (f->kind == FAULT_UNAVAILABLE)
            atomic_fetch_add_explicit(&st->store_errors, 1, memory_order_relaxed);
        finish(j, -1, f);
        return;
    }
    if (cached)
        atomic_fetch_add_explicit(&st->cache_hits, 1, memory_order_relaxed);
    j->p = p;
    paste_set_etag(p, j->l->app->etag_key);    /* once: the hot cache keeps it */
    hotcache_put(j->l->hot, p, now_ms());
    settle(j);
}

void app_read(app_loop *l, const char *id, unsigned how, const app_client *who, read_cb cb, void *arg)
{
    uint64_t num;
    static const fault not_found = { .kind = FAULT_NOT_FOUND, .message = "no such paste" };
    static const fault no_memory = { .kind = FAULT_NO_MEMORY, .message = "out of memory" };
    /* a secret id has no number to check: the store answers (by _id) */
    num = 0;
    if (!ids_is_secret(id, strlen(id)) && ids_decode(l->app->ids, id, strlen(id), &num) != 0) {
        /* never made: a failed lookup like any other (found by make soak:
         * random 7-character ids mostly land here) */
        fault refused;
        if (app_lookups_refused(l, who, &refused) != 0) {
            cb(arg, NULL, -1, &refused);
            return;
        }
        if (who)
            app_charge_lookup(l, who);
        cb(arg, NULL, -1, &not_found);
        return;
    }
    read_job *j = calloc(1, sizeof *j);
    if (!j) {
        cb(arg, NULL, -1, &no_memory);
        return;
    }
    j->l = l;
    j->how = how;
    j->cb = cb;
    j->arg = arg;
    if (who) {
        j->who = *who;
        j->has_who = 1;
    }
    snprintf(j->id, sizeof j->id, "%s", id);
    j->p = hotcache_get(l->hot, id, now_ms());
    if (j->p) {
        app_stats *st = &l->app->stats;
        atomic_fetch_add_explicit(&st->cache_hits, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&st->hot_hits, 1, memory_order_relaxed);
        settle(j);
        return;
    }
    if (app_lookups_boxed(l, who)) {
        j->boxed = 1;
        store_paste_get_cached(l->store, id, on_stored, j);
        return;
    }
    store_paste_get(l->store, id, num, on_stored, j);
}
