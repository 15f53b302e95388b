/* moderation.c - what the operator needs against abuse: reports of pastes,
 * deletes without a token, and the blocklist of content.
 *
 * Reports and blocks are kept in MongoDB (mongo.c, collections "reports"
 * and "blocklist"): nothing the operator decided is lost with Redis. The
 * blocklist is also a Redis set (KEY_BLOCKED), loaded from MongoDB at
 * start, so a create is checked against it by the script that numbers it
 * (pastes.c, store_paste_add), not by the store. Its members are
 * keyed hashes of content (app/moderation.c makes them): the list says
 * nothing of what was blocked to whoever reads it.
 * MongoDB calls run on the pool, like every request's (pastes.c); their
 * answers come back on the loop that asked. */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

#define BLOCKLIST_MAX 100000

typedef struct mod_job {
    store_loop       *sl;
    report      report;
    report     *list;
    size_t            max;
    long              n;
    char              id[IDS_MAX_LEN + 1];
    char              block_key[SHA256_HEX + 1];
    int               rc;
    fault             f;
    done_cb           done;
    store_reports_cb  listed;
    void             *arg;
} mod_job;

static const fault busy = { .kind = FAULT_UNAVAILABLE, .message = "storage busy; try again" };
static const fault no_memory = { .kind = FAULT_NO_MEMORY, .message = "out of memory" };

static void skipped(mod_job *j, int ran)
{
    if (!ran) {
        j->rc = -1;
        fault_set(&j->f, FAULT_UNAVAILABLE, NULL, "the store did not take the job within store_timeout_ms");
    }
}

static mod_job *mod_job_new(store_loop *sl, void *arg)
{
    mod_job *j = calloc(1, sizeof *j);
    if (j) {
        j->sl = sl;
        j->arg = arg;
    }
    return j;
}

static int start(mod_job *j, pool_work_fn work, pool_done_fn finished)
{
    return pool_submit(j->sl->s->jobs, j->sl->base, work, finished, j);
}

/* --- reports ---------------------------------------------------------------- */

static void report_work(void *arg)
{
    mod_job *j = arg;
    j->rc = mongo_report_add(j->sl->s->mongo, &j->report, &j->f);
}

static void report_done(void *arg, int ran)
{
    mod_job *j = arg;
    skipped(j, ran);
    if (j->rc == 0)
        log_info("report of %s: %s", j->report.paste, j->report.reason);
    j->done(j->arg, j->rc == 0 ? NULL : &j->f);
    free(j);
}

void store_report_add(store_loop *sl, const report *r, done_cb cb, void *arg)
{
    mod_job *j = mod_job_new(sl, arg);
    if (!j) {
        cb(arg, &no_memory);
        return;
    }
    j->report = *r;
    j->done = cb;
    if (start(j, report_work, report_done) != 0) {
        cb(arg, &busy);
        free(j);
    }
}

static void list_work(void *arg)
{
    mod_job *j = arg;
    j->n = mongo_reports(j->sl->s->mongo, j->list, j->max, &j->f);
}

static void list_done(void *arg, int ran)
{
    mod_job *j = arg;
    if (!ran) {
        j->n = -1;
        fault_set(&j->f, FAULT_UNAVAILABLE, NULL, "the store did not take the job within store_timeout_ms");
    }
    j->listed(j->arg, j->list, j->n > 0 ? (size_t)j->n : 0, j->n < 0 ? &j->f : NULL);
    free(j->list);
    free(j);
}

void store_reports(store_loop *sl, size_t max, store_reports_cb cb, void *arg)
{
    mod_job *j = mod_job_new(sl, arg);
    report *list = j ? calloc(max ? max : 1, sizeof *list) : NULL;
    if (!list) {
        free(j);
        cb(arg, NULL, 0, &no_memory);
        return;
    }
    j->list = list;
    j->max = max;
    j->listed = cb;
    if (start(j, list_work, list_done) != 0) {
        cb(arg, NULL, 0, &busy);
        free(list);
        free(j);
    }
}

/* --- the operator's delete, and the blocklist ------------------------------------ */

static void operator_delete_work(void *arg)
{
    mod_job *j = arg;
    mongo_store *m = j->sl->s->mongo;
    j->rc = j->block_key[0] ? mongo_block(m, j->block_key, now_ms(), &j->f) : 0;
    if (j->rc == 0)
        j->rc = mongo_remove_existing(m, j->id, &j->f);
    if (j->rc == 0 || j->f.kind == FAULT_NOT_FOUND) {
        fault ignored;
        mongo_reports_forget(m, j->id, &ignored);
    }
}

static void operator_delete_done(void *arg, int ran)
{
    mod_job *j = arg;
    skipped(j, ran);
    if (j->block_key[0] && (j->rc == 0 || j->f.kind == FAULT_NOT_FOUND))
        rconn_command(j->sl->redis, NULL, NULL, "SADD %s %s", KEY_BLOCKED, j->block_key);
    if (j->rc == 0) {
        cache_forget(j->sl, j->id);
        log_warn("the operator deleted %s%s", j->id, j->block_key[0] ? " and blocked its content" : "");
    }
    j->done(j->arg, j->rc == 0 ? NULL : &j->f);
    free(j);
}

void store_paste_delete_as_operator(store_loop *sl, const char *id, const char *block_key, done_cb cb, void *arg)
{
    mod_job *j = mod_job_new(sl, arg);
    if (!j) {
        cb(arg, &no_memory);
        return;
    }
    snprintf(j->id, sizeof j->id, "%s", id);
    snprintf(j->block_key, sizeof j->block_key, "%s", block_key ? block_key : "");
    j->done = cb;
    if (start(j, operator_delete_work, operator_delete_done) != 0) {
        cb(arg, &busy);
        free(j);
    }
}

int store_load_blocklist(store *s, fault *f)
{
    char (*keys)[SHA256_HEX + 1] = calloc(BLOCKLIST_MAX, sizeof *keys);
    if (!keys)
        return fault_no_memory(f);
    long n = mongo_blocklist(s->mongo, keys, BLOCKLIST_MAX, f);
    int rc = n < 0 ? -1 : 0;
    redisContext *r = n > 0 ? redis_connect_blocking(&s->redis, 3000, f) : NULL;
    if (n > 0 && !r)
        rc = -1;
    for (long i = 0; r && i < n; i++) {
        if (!keys[i][0])
            continue;
        redisReply *rep = redisCommand(r, "SADD %s %s", KEY_BLOCKED, keys[i]);
        if (rep)
            freeReplyObject(rep);
    }
    if (r) {
        redisFree(r);
        log_info("blocklist: %ld blocked contents", n);
    }
    free(keys);
    return rc;
}
