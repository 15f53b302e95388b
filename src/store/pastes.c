/* pastes.c - a paste's way through the stores: read, add, delete, remove.
 *
 * Read (store_paste_get), cheapest first (the caller has looked in its
 * loop's hot cache already):
 *   1. Redis GET pasted:p:<id>. A hit is answered without MongoDB; a
 *      tombstone ("-") is a cached "no such paste".
 *   2. On a miss, an id whose number is above the highest number handed
 *      out is "no such paste", decided by Redis' counter alone.
 *   3. Otherwise MongoDB, on the pool; the answer is cached (a missing
 *      paste as a tombstone) and the live view count seeded from it.
 * Add (store_paste_add): INCR the counter for the number (the id is the
 * keyed permutation of it, core/ids.c); insert into MongoDB on the pool,
 * and only then answer, so an acknowledged paste is never lost; then cache
 * it and list it (recent list, expiry index) without waiting.
 * Delete, burn and expiry forget the paste everywhere (cache.c) and remove
 * its document. Every MongoDB call runs on the pool (pool.c) and its result
 * comes back to the loop that asked; a full pool is FAULT_UNAVAILABLE. */
#include "state.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

/* One MongoDB call of a loop, on the pool. */
typedef struct job {
    store_loop *sl;
    char        id[16];
    uint64_t    num;
    char        token_hash[PASTE_HASH_HEX + 1];
    paste      *p;
    int         rc;
    fault       f;
    paste_cb    got;
    done_cb     done;
    void       *arg;
} job;

static job *job_new(store_loop *sl, const char *id, void *arg)
{
    job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->sl = sl;
    j->arg = arg;
    if (id)
        snprintf(j->id, sizeof j->id, "%s", id);
    return j;
}

static int job_submit(job *j, pool_work_fn work, pool_done_fn finished)
{
    return pool_submit(j->sl->s->jobs, j->sl->base, work, finished, j);
}

/* Faults reach users as they are: the store's own words go to the log. */
static const fault busy = { FAULT_UNAVAILABLE, NULL, "storage busy; try again" };
static const fault busy_unsaved = { FAULT_UNAVAILABLE, NULL, "storage busy, paste not saved; try again" };
static const fault unavailable = { FAULT_UNAVAILABLE, NULL, "storage unavailable; try again" };
static const fault unsaved = { FAULT_UNAVAILABLE, NULL, "storage unavailable, paste not saved; try again" };
static const fault no_memory = { FAULT_NO_MEMORY, NULL, "out of memory" };
static const fault not_found = { FAULT_NOT_FOUND, NULL, "no such paste" };

/* --- read ------------------------------------------------------------------- */

static void find_work(void *arg)
{
    job *j = arg;
    j->rc = mongo_find(j->sl->s->mongo, j->id, &j->p, &j->f);
}

static void find_done(void *arg)
{
    job *j = arg;
    if (j->rc == 0) {
        cache_put(j->sl, j->p);
        views_seed(j->sl, j->id, j->p->views);
        j->got(j->arg, j->p, 0, NULL);
    } else {
        if (j->f.kind == FAULT_NOT_FOUND) {
            cache_tombstone(j->sl, j->id);    /* repeated misses stay off MongoDB */
            j->got(j->arg, NULL, 0, &not_found);
        } else {
            log_error("read %s: %s", j->id, j->f.message);
            j->got(j->arg, NULL, 0, &unavailable);
        }
    }
    free(j);
}

static void ask_mongo(job *j)
{
    if (job_submit(j, find_work, find_done) != 0) {
        j->got(j->arg, NULL, 0, &busy);
        free(j);
    }
}

static void on_counter(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    job *j = priv;
    redisReply *rep = reply_obj;
    if (rep && rep->type == REDIS_REPLY_STRING) {
        uint64_t n = strtoull(rep->str, NULL, 10);
        note_highest(j->sl->s, n);
        if (j->num > n) {
            j->got(j->arg, NULL, 0, &not_found);
            free(j);
            return;
        }
    } else if (rep && rep->type == REDIS_REPLY_NIL) {
        j->got(j->arg, NULL, 0, &not_found);    /* no paste was ever made */
        free(j);
        return;
    }
    ask_mongo(j);
}

static void on_miss(job *j)
{
    if (j->num <= atomic_load(&j->sl->s->highest_num)
        || rconn_command(j->sl->redis, on_counter, j, "GET %s", KEY_COUNTER) != 0)
        ask_mongo(j);
}

static void on_cached(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    job *j = priv;
    redisReply *rep = reply_obj;
    if (!rep || rep->type != REDIS_REPLY_STRING) {
        on_miss(j); /* NIL, or Redis went away: MongoDB still answers */
        return;
    }
    if (rep->len == 1 && rep->str[0] == TOMBSTONE[0]) {
        j->got(j->arg, NULL, 1, &not_found);
        free(j);
        return;
    }
    paste *p = paste_decode((const uint8_t *)rep->str, rep->len);
    if (!p || strcmp(p->id, j->id) != 0) {
        paste_free(p);
        log_warn("read %s: undecodable cache entry, reading the store", j->id);
        on_miss(j);
        return;
    }
    j->got(j->arg, p, 1, NULL);
    free(j);
}

void store_paste_get(store_loop *sl, const char *id, uint64_t num, paste_cb cb, void *arg)
{
    job *j = job_new(sl, id, arg);
    if (!j) {
        cb(arg, NULL, 0, &no_memory);
        return;
    }
    j->num = num;
    j->got = cb;
    if (rconn_command(sl->redis, on_cached, j, "GET %s%s", KEY_PASTE, id) != 0)
        on_miss(j);
}

/* --- add -------------------------------------------------------------------- */

static void insert_work(void *arg)
{
    job *j = arg;
    store *s = j->sl->s;
    for (int attempt = 0; attempt < 3; attempt++) {
        j->rc = mongo_insert(s->mongo, j->p, &j->f);
        if (j->rc == 0 || j->f.kind != FAULT_EXISTS)
            return;
        /* the number is taken: Redis lost its counter. Move it past the
         * store's highest number and take the next one. */
        log_warn("create: number %llu is taken; resynchronising the counter",
                 (unsigned long long)j->p->num);
        if (counter_resync(s, &j->p->num, &j->f) != 0)
            break;
        ids_encode(&s->ids, j->p->num, j->p->id);
    }
    j->rc = -1;
    if (j->f.kind == FAULT_EXISTS)
        j->f.kind = FAULT_UNAVAILABLE;
}

static void insert_done(void *arg)
{
    job *j = arg;
    if (j->rc == 0) {
        note_highest(j->sl->s, j->p->num);
        cache_put(j->sl, j->p);
        expiry_track(j->sl, j->p->id, j->p->expires_ms);
        recent_add(j->sl, j->p);
        j->done(j->arg, NULL);
    } else {
        log_error("create %s: %s", j->p->id, j->f.message);
        j->done(j->arg, &unsaved);
    }
    free(j);
}

static void on_number(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    job *j = priv;
    redisReply *rep = reply_obj;
    if (!rep || rep->type != REDIS_REPLY_INTEGER || rep->integer < 1) {
        log_error("create: INCR %s failed: %s", KEY_COUNTER,
                  rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "no reply");
        fault_set(&j->f, FAULT_UNAVAILABLE, NULL, "cannot number the paste: redis unavailable; try again");
        j->done(j->arg, &j->f);
        free(j);
        return;
    }
    j->p->num = (uint64_t)rep->integer;
    ids_encode(&j->sl->s->ids, j->p->num, j->p->id);
    j->p->created_ms = now_ms();
    /* remember the high-water mark: lookups above it are 404 without a store */
    note_highest(j->sl->s, j->p->num);
    if (job_submit(j, insert_work, insert_done) != 0) {
        j->done(j->arg, &busy_unsaved);
        free(j);
    }
}

void store_paste_add(store_loop *sl, paste *p, done_cb cb, void *arg)
{
    job *j = job_new(sl, NULL, arg);
    if (!j) {
        cb(arg, &no_memory);
        return;
    }
    j->p = p;
    j->done = cb;
    if (rconn_command(sl->redis, on_number, j, "INCR %s", KEY_COUNTER) != 0) {
        fault_set(&j->f, FAULT_UNAVAILABLE, NULL, "cannot number the paste: redis unavailable; try again");
        cb(arg, &j->f);
        free(j);
    }
}

void store_announce(store_loop *sl, const char *json)
{
    rconn_command(sl->redis, NULL, NULL, "PUBLISH %s %s", CHANNEL_NEW, json);
}

/* --- delete and remove -------------------------------------------------- */

static void delete_work(void *arg)
{
    job *j = arg;
    j->rc = mongo_delete(j->sl->s->mongo, j->id, j->token_hash, &j->f);
}

static void delete_done(void *arg)
{
    job *j = arg;
    if (j->rc == 0) {
        cache_forget(j->sl, j->id);
        log_info("deleted %s", j->id);
        j->done(j->arg, NULL);
    } else {
        if (j->f.kind == FAULT_UNAVAILABLE || j->f.kind == FAULT_NO_MEMORY) {
            log_error("delete %s: %s", j->id, j->f.message);
            j->done(j->arg, &unavailable);
        } else {
            j->done(j->arg, &j->f);   /* no such paste, or a wrong token */
        }
    }
    free(j);
}

void store_paste_delete(store_loop *sl, const char *id, const char *token_hash,
                        done_cb cb, void *arg)
{
    job *j = job_new(sl, id, arg);
    if (!j) {
        cb(arg, &no_memory);
        return;
    }
    snprintf(j->token_hash, sizeof j->token_hash, "%s", token_hash);
    j->done = cb;
    if (job_submit(j, delete_work, delete_done) != 0) {
        cb(arg, &busy);
        free(j);
    }
}

static void remove_work(void *arg)
{
    job *j = arg;
    j->rc = mongo_remove(j->sl->s->mongo, j->id, &j->f);
}

static void remove_done(void *arg)
{
    job *j = arg;
    if (j->rc != 0)
        log_warn("removing %s: %s (the sweep will retry)", j->id, j->f.message);
    free(j);
}

void store_paste_remove(store_loop *sl, const char *id)
{
    cache_forget(sl, id);
    job *j = job_new(sl, id, NULL);
    if (j && job_submit(j, remove_work, remove_done) != 0)
        free(j);    /* the sweep or the next read will try again */
}

/* --- burn after reading ------------------------------------------------- */

typedef struct claim {
    claim_cb cb;
    void    *arg;
} claim;

static void on_claim(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    claim *c = priv;
    redisReply *rep = reply_obj;
    /* OK: ours. NIL: someone else read it first. No reply: cannot prove we are first. */
    c->cb(c->arg, !rep ? -1 : rep->type == REDIS_REPLY_STATUS ? 1 : 0);
    free(c);
}

void store_claim_burn(store_loop *sl, const char *id, claim_cb cb, void *arg)
{
    claim *c = malloc(sizeof *c);
    if (!c) {
        cb(arg, -1);
        return;
    }
    c->cb = cb;
    c->arg = arg;
    /* SET NX: only one reader ever wins, across every loop and instance */
    if (rconn_command(sl->redis, on_claim, c, "SET %s%s 1 NX EX %d", KEY_BURNED, id, BURNED_TTL) != 0) {
        free(c);
        cb(arg, -1);
    }
}
