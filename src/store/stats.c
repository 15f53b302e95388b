/* stats.c - a paste's reads by day, from its MongoDB document.
 *
 * The views a reader makes are counted in Redis and reach the paste's
 * document in batches (views.c: views, last_view, days.<date>); this reads
 * them back for the stats page and API: one find by _id with a projection
 * of those fields, on the pool like every MongoDB call, the answer back on
 * the loop that asked. Views of the last view_flush_ms are not in it yet;
 * the caller adds Redis' live total if it wants the latest figure.
 * The instance's totals per day are two Redis hashes, a field per day,
 * counted as pastes are made (pastes.c) and as views are batched (views.c):
 * store_daily reads the days asked for with one script, two HMGETs. */
#include "state.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

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

typedef struct daily_job {
    daily_cb cb;
    void    *arg;
    size_t   ndays;
} daily_job;

static const char DAILY_SCRIPT[] =
    "return {redis.call('HMGET', KEYS[1], unpack(ARGV)), redis.call('HMGET', KEYS[2], unpack(ARGV))}";

static void read_counts(const redisReply *rep, int64_t *out, size_t n)
{
    for (size_t i = 0; rep && rep->type == REDIS_REPLY_ARRAY && i < n && i < rep->elements; i++) {
        const redisReply *e = rep->element[i];
        out[i] = e->type == REDIS_REPLY_STRING ? strtoll(e->str, NULL, 10) : 0;
    }
}

static void on_daily(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    daily_job *j = priv;
    redisReply *rep = reply_obj;
    int64_t created[STATS_INSTANCE_DAYS] = { 0 }, views[STATS_INSTANCE_DAYS] = { 0 };
    int ok = rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2;
    if (ok) {
        read_counts(rep->element[0], created, j->ndays);
        read_counts(rep->element[1], views, j->ndays);
    }
    j->cb(j->arg, created, views, j->ndays, ok);
    free(j);
}

void store_daily(store_loop *sl, size_t ndays, daily_cb cb, void *arg)
{
    static int64_t zeros[STATS_INSTANCE_DAYS];
    if (ndays == 0 || ndays > STATS_INSTANCE_DAYS)
        ndays = STATS_INSTANCE_DAYS;
    daily_job *j = malloc(sizeof *j);
    const char *argv[5 + STATS_INSTANCE_DAYS];
    size_t lens[5 + STATS_INSTANCE_DAYS];
    char days[STATS_INSTANCE_DAYS][11];
    if (!j) {
        cb(arg, zeros, zeros, ndays, 0);
        return;
    }
    j->cb = cb;
    j->arg = arg;
    j->ndays = ndays;
    argv[0] = "EVAL";
    argv[1] = DAILY_SCRIPT;
    argv[2] = "2";
    argv[3] = KEY_DAILY_CREATED;
    argv[4] = KEY_DAILY_VIEWS;
    int64_t today = now_ms();
    for (size_t i = 0; i < ndays; i++) {
        utc_day(today - (int64_t)(ndays - 1 - i) * 86400000, days[i]);
        argv[5 + i] = days[i];
    }
    for (size_t i = 0; i < 5 + ndays; i++)
        lens[i] = strlen(argv[i]);
    if (rconn_command_argv(sl->redis, on_daily, j, (int)(5 + ndays), argv, lens) != 0) {
        free(j);
        cb(arg, zeros, zeros, ndays, 0);
    }
}
