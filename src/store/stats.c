/* stats.c - a paste's reads by day, from its MongoDB document.
 *
 * The views a reader makes are counted in Redis and reach the paste's
 * document in batches (views.c: views, last_view, days.<date>); this reads
 * them back for the stats page and API: one find by _id with a projection
 * of those fields, on the pool like every MongoDB call, the answer back on
 * the loop that asked. Views of the last view_flush_ms are not in it yet;
 * the caller adds Redis' live total if it wants the latest figure. */
#include "state.h"

#include <stdlib.h>
#include <string.h>

typedef struct stats_job {
    store_loop *sl;
    char        id[IDS_MAX_LEN + 1];
    paste_stats st;
    int         rc;
    fault       f;
    stats_cb    cb;
    void       *arg;
} stats_job;

static void stats_work(void *arg)
{
    stats_job *j = arg;
    j->rc = mongo_paste_stats(j->sl->s->mongo, j->id, &j->st, &j->f);
}

static void stats_done(void *arg, int ran)
{
    stats_job *j = arg;
    if (!ran) {
        j->rc = -1;
        fault_set(&j->f, FAULT_UNAVAILABLE, NULL, "the store did not take the job within store_timeout_ms");
    }
    j->cb(j->arg, j->rc == 0 ? &j->st : NULL, j->rc == 0 ? NULL : &j->f);
    free(j);
}

void store_paste_stats(store_loop *sl, const char *id, stats_cb cb, void *arg)
{
    static const fault no_memory = { .kind = FAULT_NO_MEMORY, .message = "out of memory" };
    static const fault busy = { .kind = FAULT_UNAVAILABLE, .message = "storage busy; try again" };
    stats_job *j = calloc(1, sizeof *j);
    if (!j) {
        cb(arg, NULL, &no_memory);
        return;
    }
    j->sl = sl;
    j->cb = cb;
    j->arg = arg;
    snprintf(j->id, sizeof j->id, "%s", id);
    if (pool_submit(sl->s->jobs, sl->base, stats_work, stats_done, j) != 0) {
        cb(arg, NULL, &busy);
        free(j);
    }
}
