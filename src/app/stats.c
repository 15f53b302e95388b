/* stats.c - a paste's reads by day: the paste, then its days.
 *
 * The paste is read as the API reads its metadata (app/read.c: caches,
 * expiry, the lookup budget; nothing counted, nothing burnt), which also
 * gives the live view total; then its document's days come from the store
 * (store/stats.c). A paste with limited reads (burn, views_left) has no
 * stats: they would say how many reads are left to whoever has the link.
 * The instance's totals per day come from Redis (store/stats.c). */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

#include "read.h"
#include "store/store.h"

typedef struct stats_req {
    app_loop      *l;
    paste         *p;
    int64_t        views;
    paste_stats_cb cb;
    void          *arg;
} stats_req;

static void on_days(void *arg, const paste_stats *st, const fault *f)
{
    stats_req *q = arg;
    /* Redis' live total, unless it lost its counters and MongoDB knows more */
    int64_t views = st && st->views > q->views ? st->views : q->views;
    q->cb(q->arg, st ? q->p : NULL, st, views, f);
    paste_free(q->p);
    free(q);
}

static void on_paste(void *arg, paste *p, int64_t views, const fault *f)
{
    stats_req *q = arg;
    static const fault limited = { .kind = FAULT_NOT_FOUND, .message = "no stats for a paste with limited reads" };
    if (p && paste_is_limited(p)) {
        paste_free(p);
        p = NULL;
        f = &limited;
    }
    if (!p) {
        q->cb(q->arg, NULL, NULL, -1, f);
        free(q);
        return;
    }
    q->p = p;
    q->views = views;
    store_paste_stats(q->l->store, p->id, on_days, q);
}

void app_paste_stats(app_loop *l, const char *id, const app_client *who, paste_stats_cb cb, void *arg)
{
    stats_req *q = calloc(1, sizeof *q);
    if (!q) {
        static const fault no_memory = { .kind = FAULT_NO_MEMORY, .message = "out of memory" };
        cb(arg, NULL, NULL, -1, &no_memory);
        return;
    }
    q->l = l;
    q->cb = cb;
    q->arg = arg;
    app_read(l, id, READ_TOTAL, who, on_paste, q);
}

void app_daily_stats(app_loop *l, size_t ndays, daily_stats_cb cb, void *arg)
{
    store_daily(l->store, ndays, cb, arg);
}
