/* pastes.c - a paste's way through the stores: read, add, delete, remove.
 *
 * Read (store_paste_get), cheapest first (the caller has looked in its
 * loop's hot cache already):
 *   1. Redis GET pasted:p:<id>, on the cache node tier.c places it on (the
 *      primary without cache_nodes). A hit is answered without MongoDB; a
 *      tombstone ("-") is a cached "no such paste"; a node that fails is a
 *      miss.
 *   2. On a miss, an id whose number is above the highest number handed
 *      out is "no such paste", decided by Redis' counter alone.
 *   3. Otherwise MongoDB, on the pool; the answer is cached (a missing
 *      paste as a tombstone) and the live view count seeded from it.
 * Add (store_paste_add): INCR the counter for the number (the id is the
 * keyed permutation of it, core/ids.c); insert into MongoDB together with
 * other creates (inserter.c), and only then answer, so an acknowledged
 * paste is never lost; then cache it and list it (recent list, expiry
 * index) without waiting.
 * Delete, burn and expiry forget the paste everywhere (cache.c) and remove
 * its document. Every MongoDB call runs on the pool (pool.c) and its result
 * comes back to the loop that asked; a full pool is FAULT_UNAVAILABLE. */
#include "state.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/clock.h"
#include "core/log.h"

/* One MongoDB call of a loop, on the pool. */
typedef struct job {
    store_loop *sl;
    char        id[IDS_MAX_LEN + 1];
    uint64_t    num;
    insert_req  ins;        /* a create, queued for the inserter */
    struct job *next_waiter;    /* waiting on another job's read (a flight) */
    char        token_hash[PASTE_HASH_HEX + 1];
    paste      *p;
    int         rc;
    fault       f;
    paste_cb    got;
    done_cb     done;
    int         cache_only;     /* store_paste_get_cached: a miss is an answer */
    void       *arg;
    int         node;           /* the cache node asked (tier.c), -1: the primary */
    /* a create being numbered: asked since, and again by the timer (failover) */
    char        block_key[80];
    int64_t     asked_ms;
    struct event *retry;
    struct job *prev_numbering, *next_numbering;
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

/* A job the pool skipped (it waited past store_timeout_ms): it failed. */
static void job_ran(job *j, int ran)
{
    if (!ran) {
        j->rc = -1;
        fault_set(&j->f, FAULT_UNAVAILABLE, NULL, "the store did not take the job within store_timeout_ms");
    }
}

/* Faults reach users as they are: the store's own words go to the log. */
static const fault busy = { .kind = FAULT_UNAVAILABLE, .message = "storage busy; try again" };
static const fault busy_unsaved = { .kind = FAULT_UNAVAILABLE, .message = "storage busy, paste not saved; try again" };
static const fault unavailable = { .kind = FAULT_UNAVAILABLE, .message = "storage unavailable; try again" };
static const fault unsaved = { .kind = FAULT_UNAVAILABLE, .message = "storage unavailable, paste not saved; try again" };
static const fault no_memory = { .kind = FAULT_NO_MEMORY, .message = "out of memory" };
static const fault not_found = { .kind = FAULT_NOT_FOUND, .message = "no such paste" };
static const fault blocked = { .kind = FAULT_BLOCKED,
                               .message = "this content was removed for abuse and cannot be pasted again" };

/* --- read ------------------------------------------------------------------- */

/* --- one MongoDB read per cold paste ------------------------------------ *
 * Concurrent misses of the same paste, on any loop, wait on the first one's
 * read (a flight, in s->flights). When it ends, a waiter on the reader's
 * loop shares its paste (refcounts belong to one loop); a waiter on another
 * loop gets the record (paste_encode, made once, its count atomic) and
 * decodes its own copy on its own loop. */

typedef struct flight {
    char           id[IDS_MAX_LEN + 1];
    job           *waiters;
    struct flight *next;
} flight;

typedef struct shared_record {
    atomic_int refs;
    size_t     len;
    uint8_t   *data;    /* NULL: the read failed, `f` says why */
    fault      f;
} shared_record;

static void record_release(shared_record *rec)
{
    if (atomic_fetch_sub(&rec->refs, 1) == 1) {
        free(rec->data);
        free(rec);
    }
}

/* A waiter's answer, on its own loop. */
typedef struct delivery {
    job           *j;
    shared_record *rec;
} delivery;

static void deliver_remote(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    delivery *d = arg;
    job *j = d->j;
    paste *p = d->rec->data ? paste_decode(d->rec->data, d->rec->len) : NULL;
    if (p)
        j->got(j->arg, p, 0, NULL);
    else
        j->got(j->arg, NULL, 0, d->rec->data ? &no_memory : &d->rec->f);
    record_release(d->rec);
    free(d);
    free(j);
}

/* Take the flight of id out of the table: its waiters are ours to answer. */
static job *land(store *s, const char *id)
{
    job *waiters = NULL;
    pthread_mutex_lock(&s->flights_lock);
    for (flight **at = &s->flights; *at; at = &(*at)->next) {
        if (strcmp((*at)->id, id) == 0) {
            flight *fl = *at;
            *at = fl->next;
            waiters = fl->waiters;
            free(fl);
            break;
        }
    }
    pthread_mutex_unlock(&s->flights_lock);
    return waiters;
}

/* Answer the waiters of a read: p (may be NULL) and f as the reader got them. */
static void answer_waiters(job *leader, job *waiters, paste *p, const fault *f)
{
    shared_record *rec = NULL;
    for (job *w = waiters, *next; w; w = next) {
        next = w->next_waiter;
        if (w->sl->base == leader->sl->base) {
            w->got(w->arg, p ? paste_ref(p) : NULL, 0, p ? NULL : f);
            free(w);
            continue;
        }
        if (!rec && (rec = calloc(1, sizeof *rec)) != NULL) {
            atomic_init(&rec->refs, 1);
            if (p)
                rec->data = paste_encode(p, &rec->len);
            if (!p || !rec->data)
                rec->f = p ? no_memory : *f;
        }
        delivery *d = rec ? malloc(sizeof *d) : NULL;
        if (d) {
            atomic_fetch_add(&rec->refs, 1);
            d->j = w;
            d->rec = rec;
        }
        static const struct timeval now = { 0, 0 };
        if (!d || event_base_once(w->sl->base, -1, EV_TIMEOUT, deliver_remote, d, &now) != 0) {
            if (d)
                record_release(rec);
            free(d);
            /* cannot reach its loop: it waits on its own read instead */
            log_error("read %s: could not hand the answer to another loop", w->id);
            w->got(w->arg, NULL, 0, &unavailable);
            free(w);
        }
    }
    if (rec)
        record_release(rec);
}

static void find_work(void *arg)
{
    job *j = arg;
    atomic_fetch_add_explicit(&j->sl->s->counts.reads, 1, memory_order_relaxed);
    j->rc = mongo_find(j->sl->s->mongo, j->id, &j->p, &j->f);
}

static void find_done(void *arg, int ran)
{
    job *j = arg;
    job_ran(j, ran);
    job *waiters = land(j->sl->s, j->id);
    const fault *f = NULL;
    if (j->rc == 0) {
        cache_put(j->sl, j->p);
        views_seed(j->sl, j->id, j->p->views);
    } else if (j->f.kind == FAULT_NOT_FOUND) {
        cache_tombstone(j->sl, j->id);    /* repeated misses stay off MongoDB */
        f = &not_found;
    } else {
        log_error("read %s: %s", j->id, j->f.message);
        f = &unavailable;
    }
    answer_waiters(j, waiters, j->p, f);
    j->got(j->arg, j->p, 0, f);
    free(j);
}

static void ask_mongo(job *j)
{
    store *s = j->sl->s;
    pthread_mutex_lock(&s->flights_lock);
    flight *fl = s->flights;
    while (fl && strcmp(fl->id, j->id) != 0)
        fl = fl->next;
    if (fl) {   /* a read of this paste is under way: wait for it */
        j->next_waiter = fl->waiters;
        fl->waiters = j;
        pthread_mutex_unlock(&s->flights_lock);
        return;
    }
    fl = calloc(1, sizeof *fl);
    if (fl) {
        snprintf(fl->id, sizeof fl->id, "%s", j->id);
        fl->next = s->flights;
        s->flights = fl;
    }
    pthread_mutex_unlock(&s->flights_lock);
    if (job_submit(j, find_work, find_done) != 0) {
        answer_waiters(j, fl ? land(s, j->id) : NULL, NULL, &busy);
        j->got(j->arg, NULL, 0, &busy);
        free(j);
    }
}

static void on_counter(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    job *j = priv;
    redisReply *rep = reply_obj;
    uint64_t seen = atomic_load(&j->sl->s->highest_num);
    if (rep && (rep->type == REDIS_REPLY_STRING || rep->type == REDIS_REPLY_NIL)) {
        uint64_t n = rep->type == REDIS_REPLY_STRING ? strtoull(rep->str, NULL, 10) : 0;
        /* a counter behind a number seen before went back with Redis' data:
         * it proves nothing, MongoDB decides */
        if (n >= seen && j->num > n) {
            j->got(j->arg, NULL, 0, &not_found);
            free(j);
            return;
        }
        note_highest(j->sl->s, n);
    }
    ask_mongo(j);
}

static void on_miss(job *j)
{
    if (j->cache_only) {
        j->got(j->arg, NULL, 0, &not_found);
        free(j);
        return;
    }
    if (j->num <= atomic_load(&j->sl->s->highest_num)
        || rconn_command(j->sl->redis, on_counter, j, "GET %s", KEY_COUNTER) != 0)
        ask_mongo(j);
}

static void on_cached(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    job *j = priv;
    redisReply *rep = reply_obj;
    tier_answered(j->sl, j->node);
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        tier_failed(j->sl, j->node);     /* a miss all the same: MongoDB still answers */
    else
        tier_count(j->sl, j->node, rep->type == REDIS_REPLY_STRING);
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

/* GET the record from where tier.c places it; on a miss, on_miss. */
static void ask_cache(job *j)
{
    rconn *c = tier_conn(j->sl, j->id, &j->node);
    if (!c)
        on_miss(j);                     /* no cache node is up */
    else if (rconn_command(c, on_cached, j, "GET %s%s", KEY_PASTE, j->id) != 0) {
        tier_failed(j->sl, j->node);
        on_miss(j);
    } else
        tier_sent(j->sl, j->node);
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
    ask_cache(j);
}

void store_paste_get_cached(store_loop *sl, const char *id, paste_cb cb, void *arg)
{
    job *j = job_new(sl, id, arg);
    if (!j) {
        cb(arg, NULL, 0, &no_memory);
        return;
    }
    j->got = cb;
    j->cache_only = 1;
    ask_cache(j);
}

/* --- add -------------------------------------------------------------------- */

static void insert_done(insert_req *r, int ran)
{
    job *j = (job *)((char *)r - offsetof(job, ins));
    (void)ran;   /* a request that was not sent has rc -1 */
    if (r->rc == 0) {
        cache_put(j->sl, j->p);
        expiry_track(j->sl, j->p->id, j->p->expires_ms);
        recent_add(j->sl, j->p);
        char day[11];
        utc_day(j->p->created_ms, day);
        rconn_command(j->sl->redis, NULL, NULL, "HINCRBY %s %s 1", KEY_DAILY_CREATED, day);
        j->done(j->arg, NULL);
    } else {
        log_error("create %s: %s", j->p->id, r->ran ? r->f.message
                                                    : "waited past store_timeout_ms for the store");
        j->done(j->arg, &unsaved);
    }
    free(j);
}

/* Creates waiting for their retry timer are listed on their loop, so a
 * loop that ends can answer them (pastes_loop_drain). One whose command is
 * under way is not listed: the command's callback answers it, with no
 * reply when the connection closes. */
static void numbering_link(job *j)
{
    store_loop *sl = j->sl;
    j->prev_numbering = NULL;
    j->next_numbering = sl->numbering;
    if (sl->numbering)
        sl->numbering->prev_numbering = j;
    sl->numbering = j;
}

static void numbering_unlink(job *j)
{
    if (j->prev_numbering)
        j->prev_numbering->next_numbering = j->next_numbering;
    else if (j->sl->numbering == j)
        j->sl->numbering = j->next_numbering;
    if (j->next_numbering)
        j->next_numbering->prev_numbering = j->prev_numbering;
    j->prev_numbering = j->next_numbering = NULL;
}

/* Numbered, or given up: its timer goes. */
static void numbering_done(job *j)
{
    if (j->retry) {
        event_free(j->retry);
        j->retry = NULL;
    }
}

static void give_up_numbering(job *j)
{
    numbering_done(j);
    fault_set(&j->f, FAULT_UNAVAILABLE, NULL, "cannot number the paste: redis unavailable; try again");
    j->done(j->arg, &j->f);
    free(j);
}

static void ask_number(job *j);

static void on_number_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    job *j = arg;
    numbering_unlink(j);
    ask_number(j);
}

#define NUMBER_RETRY_MS 200

/* The primary did not number the paste. In a failover there is a primary
 * again, at another address, within seconds (sentinel.c): ask again every
 * NUMBER_RETRY_MS until redis_wait_ms have passed since the first try. */
static void number_failed(job *j, const char *why)
{
    store_loop *sl = j->sl;
    if (now_ms() - j->asked_ms + NUMBER_RETRY_MS <= sl->s->cfg.redis_wait_ms && !sl->draining) {
        struct timeval later = { 0, NUMBER_RETRY_MS * 1000 };
        if (!j->retry)
            j->retry = evtimer_new(sl->base, on_number_retry, j);
        if (j->retry && evtimer_add(j->retry, &later) == 0) {
            numbering_link(j);
            return;
        }
    }
    log_error("create: INCR %s failed: %s", KEY_COUNTER, why);
    give_up_numbering(j);
}

void pastes_loop_drain(store_loop *sl)
{
    while (sl->numbering) {
        job *j = sl->numbering;
        numbering_unlink(j);
        give_up_numbering(j);
    }
}

static void on_number(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    job *j = priv;
    redisReply *rep = reply_obj;
    if (rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == -1) {
        numbering_done(j);
        j->done(j->arg, &blocked);
        free(j);
        return;
    }
    if (!rep || rep->type != REDIS_REPLY_INTEGER || rep->integer < 1) {
        number_failed(j, rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "no reply");
        return;
    }
    numbering_done(j);
    j->p->num = (uint64_t)rep->integer;
    if (!ids_is_secret(j->p->id, strlen(j->p->id)))  /* a secret id is the link: kept */
        ids_encode(&j->sl->s->ids, j->p->num, j->p->id);
    j->p->created_ms = now_ms();
    /* Replies on one connection come in the order Redis ran the commands,
     * so this loop's numbers only grow: one at or below its last (or the
     * counter read at start-up) means Redis went back, it lost its data.
     * (Across loops the order of replies is not Redis' order: the
     * process-wide high-water mark cannot tell.) Lookups above the
     * high-water mark are 404 without a store. */
    j->ins.p = j->p;
    j->ins.done = insert_done;
    if (j->p->num <= j->sl->last_number) {
        j->ins.renumber = 1;
    } else {
        j->sl->last_number = j->p->num;
        note_highest(j->sl->s, j->p->num);
    }
    if (inserter_submit(j->sl->s->inserter, j->sl->base, &j->ins) != 0) {
        j->done(j->arg, &busy_unsaved);
        free(j);
    }
}

/* KEYS: the counter, the blocklist; ARGV: the content's key. -1: blocked. */
static const char number_script[] =
    "if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return -1 end "
    "return redis.call('INCR', KEYS[1])";

void store_paste_add(store_loop *sl, paste *p, const char *block_key, done_cb cb, void *arg)
{
    job *j = job_new(sl, NULL, arg);
    if (!j) {
        cb(arg, &no_memory);
        return;
    }
    j->p = p;
    j->done = cb;
    if (block_key)
        snprintf(j->block_key, sizeof j->block_key, "%s", block_key);
    j->asked_ms = now_ms();
    ask_number(j);
}

static void ask_number(job *j)
{
    store_loop *sl = j->sl;
    int rc = j->block_key[0] ? rconn_command(sl->redis, on_number, j, "EVAL %s 2 %s %s %s", number_script,
                                             KEY_COUNTER, KEY_BLOCKED, j->block_key)
                             : rconn_command(sl->redis, on_number, j, "INCR %s", KEY_COUNTER);
    if (rc != 0)
        number_failed(j, "not connected");
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

static void delete_done(void *arg, int ran)
{
    job *j = arg;
    job_ran(j, ran);
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

static void remove_done(void *arg, int ran)
{
    job *j = arg;
    job_ran(j, ran);
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

/* --- reads of a limited paste (burn after reading, views_left) ----------- */

typedef struct claim {
    claim_cb cb;
    void    *arg;
    int      limit;
} claim;

static void on_claim(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    claim *c = priv;
    redisReply *rep = reply_obj;
    /* the count after ours; no reply: cannot prove we are within the limit */
    int result = -1;
    if (rep && rep->type == REDIS_REPLY_INTEGER)
        result = rep->integer > c->limit ? 0 : rep->integer == c->limit ? 2 : 1;
    c->cb(c->arg, result);
    free(c);
}

/* INCR, and on the first read the count's lifetime: one round trip, atomic */
static const char claim_script[] =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    "return n";

void store_claim_view(store_loop *sl, const char *id, int limit, int64_t ttl, claim_cb cb, void *arg)
{
    claim *c = malloc(sizeof *c);
    if (!c) {
        cb(arg, -1);
        return;
    }
    c->cb = cb;
    c->arg = arg;
    c->limit = limit;
    if (ttl < BURNED_TTL)
        ttl = BURNED_TTL;
    if (rconn_command(sl->redis, on_claim, c, "EVAL %s 1 %s%s %lld", claim_script, KEY_BURNED, id,
                      (long long)ttl) != 0) {
        free(c);
        cb(arg, -1);
    }
}
