/* views.c - view counting.
 *
 * Counting must not slow the read path, and must not lose a view. A raw
 * read adds one to its loop's in-memory batch (core/viewbatch.c); every
 * view_batch_ms (1 s) the batch goes to Redis as one EVAL per BATCH_MAX
 * pastes on the loop's async connection, doing per paste and day
 * (a page view sends its paste's batch at once, since it shows the total):
 *   HINCRBY pasted:views   <id>       n   -> the live total shown on the page
 *   HINCRBY pasted:pending <id>|<day> n   -> the queue of counts for MongoDB
 *   HINCRBY pasted:daily:views <day>  n   -> the instance's views per day (/stats)
 *   PUBLISH pasted:paste:<id> "views T"   -> pages open on it count up live (live.c)
 * Redis shares the machine's cores with the workers: with reads spread over
 * 10,000 pastes, batches every 100 ms kept it 40 % busy with these scripts
 * alone, and a cache refill's GETs queued behind them. Batches every second
 * send each paste's views once per second however often it was read.
 * A flusher on the background thread (blocking hiredis + mongoc, never on
 * a request path)
 * moves the queue to MongoDB, one round every view_flush_ms (60 s):
 *   RENAME pasted:pending pasted:flushing:<ms>:<rand>   (atomic hand-over:
 *          new views go to a fresh pending hash meanwhile)
 *   HGETALL it -> bulks of $inc {views, days.<day>} + $max {last_view},
 *          HDEL of each bulk once MongoDB acknowledged it
 *   DEL it, once all of it is written.
 * A round is written a share per background tick (1 s), spread over most of
 * view_flush_ms, not as fast as the store goes: the store shares the cores
 * with the workers, and with reads spread over 10,000 pastes, FerretDB
 * writing their counts flat out took a third of a core and pushed the
 * readers' p99 from 5 to 15 ms. A paste read all minute costs one update a
 * minute; counts reach MongoDB within about two view_flush_ms.
 * A crash between RENAME and DEL leaves the batch in Redis; the next start
 * claims batches older than 30 s and applies them (at-least-once: a crash
 * after MongoDB's write but before DEL counts that batch twice, never zero
 * times). On shutdown the loops' batches are sent, then the flusher drains
 * the queue for up to DRAIN_MS (what it leaves stays queued in Redis for the
 * next start); a crash loses at most view_batch_ms of raw views.
 * If Redis is down, views go straight to MongoDB on the pool. */
#include "state.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/viewbatch.h"

#define ORPHAN_AGE_MS 30000
/* how long a clean stop keeps writing views to MongoDB: a store that is
 * behind (FerretDB writes about 550 counts a second) must not hold the
 * stop for minutes; the rest is safe in Redis */
#define DRAIN_MS 5000
/* updates per MongoDB bulk: FerretDB v1.24 never completes an update
 * command with more than about 100 statements (each holds a cursor, and
 * they exhaust its SQLite connections) */
#define VIEWS_PER_WRITE 50

typedef struct views_call {
    views_cb cb;
    void    *arg;
} views_call;

static void on_total(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    views_call *call = priv;
    redisReply *rep = reply_obj;
    int64_t total = -1;
    if (rep && rep->type == REDIS_REPLY_INTEGER)
        total = rep->integer;
    else if (rep && rep->type == REDIS_REPLY_STRING)
        total = strtoll(rep->str, NULL, 10);
    else if (rep && rep->type == REDIS_REPLY_NIL)
        total = 0;
    call->cb(call->arg, total);
    free(call);
}

static int ask_total(store_loop *sl, views_cb cb, void *arg, const char *fmt, const char *id)
{
    views_call *call = malloc(sizeof *call);
    if (!call)
        return -1;
    call->cb = cb;
    call->arg = arg;
    if (rconn_command(sl->redis, on_total, call, fmt, KEY_VIEWS, id) != 0) {
        free(call);
        return -1;
    }
    return 0;
}

/* Redis is away: count straight into MongoDB so the view is not lost. */
typedef struct direct_view {
    store *s;
    char id[IDS_MAX_LEN + 1];
    char day[11];
    int64_t n;
} direct_view;

static void direct_work(void *arg)
{
    direct_view *d = arg;
    view_delta delta = { d->id, d->day, d->n };
    fault f;
    if (mongo_add_views(d->s->mongo, &delta, 1, now_ms(), &f) != 0)
        log_error("view of %s not counted: redis and mongodb both failed: %s", d->id, f.message);
}

static void direct_done(void *arg, int ran)
{
    direct_view *d = arg;
    if (!ran)
        log_error("view of %s not counted: redis down and mongodb too slow", d->id);
    free(d);
}

static void count_in_store(store_loop *sl, const char *id, const char *day, int64_t n)
{
    direct_view *d = calloc(1, sizeof *d);
    if (!d)
        return;
    d->s = sl->s;
    snprintf(d->id, sizeof d->id, "%s", id);
    memcpy(d->day, day, 11);
    d->n = n;
    if (pool_submit(sl->s->jobs, sl->base, direct_work, direct_done, d) != 0) {
        log_error("view of %s not counted: store queue full", id);
        free(d);
    }
}

/* KEYS: pending, views, daily views; ARGV: id, day, n, id, day, n, ...
 * Each paste's new total is announced on its channel (live.c: pages open
 * on it count up live); the last one is the answer. */
static const char BATCH_SCRIPT[] =
    "local total = 0 "
    "for i = 1, #ARGV, 3 do "
    "redis.call('HINCRBY', KEYS[1], ARGV[i] .. '|' .. ARGV[i + 1], ARGV[i + 2]) "
    "total = redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 2]) "
    "redis.call('HINCRBY', KEYS[3], ARGV[i + 1], ARGV[i + 2]) "
    "redis.call('PUBLISH', '" CHANNEL_PASTE "' .. ARGV[i], 'views ' .. total) "
    "end return total";

/* n views of (id, day) into Redis: the queue for MongoDB, the live total
 * (announced), the day's. cb (may be NULL) gets the new total. */
static void send_views(store_loop *sl, const char *id, const char *day, int64_t n, views_cb cb, void *arg)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)n);
    const char *argv[] = { "EVAL", BATCH_SCRIPT, "3", KEY_PENDING, KEY_VIEWS, KEY_DAILY_VIEWS, id, day, num };
    size_t lens[9];
    for (int i = 0; i < 9; i++)
        lens[i] = strlen(argv[i]);
    views_call *call = cb ? malloc(sizeof *call) : NULL;
    if (call)
        *call = (views_call){ cb, arg };
    if (rconn_command_argv(sl->redis, call ? on_total : NULL, call, 9, argv, lens) != 0) {
        free(call);
        count_in_store(sl, id, day, n);
        if (cb)
            cb(arg, -1);
    } else if (cb && !call)
        cb(arg, -1);            /* counted; only the total is unknown */
}

/* pastes per EVAL: bounds how long Redis runs one script (about 1 ms), so
 * the GETs of reads that miss the hot cache do not wait long behind it */
#define BATCH_MAX 100

typedef struct batch_args {
    store_loop *sl;
    int     n;                           /* pastes in this EVAL */
    const char *argv[6 + 3 * BATCH_MAX];
    size_t  argvlen[6 + 3 * BATCH_MAX];
    char    text[BATCH_MAX][64];         /* id, day, n: NUL-separated */
} batch_args;

static void batch_send(batch_args *a)
{
    if (a->n == 0)
        return;
    int argc = 6 + 3 * a->n;
    char nkeys[] = "3";
    a->argv[0] = "EVAL";
    a->argv[1] = BATCH_SCRIPT;
    a->argv[2] = nkeys;
    a->argv[3] = KEY_PENDING;
    a->argv[4] = KEY_VIEWS;
    a->argv[5] = KEY_DAILY_VIEWS;
    for (int i = 0; i < 6; i++)
        a->argvlen[i] = strlen(a->argv[i]);
    if (rconn_command_argv(a->sl->redis, NULL, NULL, argc, a->argv, a->argvlen) != 0) {
        for (int i = 0; i < a->n; i++)   /* Redis is away: straight to MongoDB */
            count_in_store(a->sl, a->argv[6 + 3 * i], a->argv[7 + 3 * i],
                           strtoll(a->argv[8 + 3 * i], NULL, 10));
    }
    a->n = 0;
}

static void batch_add(void *arg, const char *id, const char *day, int64_t n)
{
    batch_args *a = arg;
    char *t = a->text[a->n];
    size_t id_len = strnlen(id, 15);     /* ids are at most 11 characters */
    memcpy(t, id, id_len);
    t[id_len] = '\0';
    char *d = t + 16;
    memcpy(d, day, 11);
    char *num = d + 11;
    int num_len = snprintf(num, 64 - 27, "%lld", (long long)n);
    const char **av = &a->argv[6 + 3 * a->n];
    size_t *al = &a->argvlen[6 + 3 * a->n];
    av[0] = t, al[0] = id_len;
    av[1] = d, al[1] = 10;
    av[2] = num, al[2] = (size_t)num_len;
    if (++a->n == BATCH_MAX)
        batch_send(a);
}

void views_loop_flush(store_loop *sl)
{
    if (!sl->views || viewbatch_size(sl->views) == 0)
        return;
    batch_args *a = malloc(sizeof *a);
    if (!a) {
        log_error("views: out of memory; this batch waits for the next flush");
        return;
    }
    a->sl = sl;
    a->n = 0;
    viewbatch_drain(sl->views, batch_add, a);
    batch_send(a);
    free(a);
}

static void on_batch_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    views_loop_flush(arg);
}

int views_loop_init(store_loop *sl)
{
    int every_ms = sl->s->cfg.view_batch_ms;
    if (every_ms == 0)
        return 0; /* every view goes to Redis as it happens */
    sl->views = viewbatch_new();
    sl->views_timer = event_new(sl->base, -1, EV_PERSIST, on_batch_timer, sl);
    if (!sl->views || !sl->views_timer)
        return -1;
    struct timeval every = { every_ms / 1000, (every_ms % 1000) * 1000 };
    return event_add(sl->views_timer, &every);
}

void views_loop_free(store_loop *sl)
{
    if (sl->views_timer)
        event_free(sl->views_timer);
    viewbatch_free(sl->views);
    sl->views = NULL;
    sl->views_timer = NULL;
}

void store_views_count(store_loop *sl, const char *id, views_cb cb, void *arg)
{
    char day[11];
    utc_day(now_ms(), day);
    if (sl->views && !cb) {
        /* a raw read: count in memory; the batch timer sends it on */
        if (viewbatch_add(sl->views, id, day, 1) == 0)
            return;
        views_loop_flush(sl);
        if (viewbatch_add(sl->views, id, day, 1) == 0)
            return;
    }
    /* a page view shows the total: send this loop's pending views of the
     * paste along with it, so the count it shows includes them */
    int64_t n = 1 + (sl->views ? viewbatch_take(sl->views, id, day) : 0);
    send_views(sl, id, day, n, cb, arg);
}

void store_views_current(store_loop *sl, const char *id, views_cb cb, void *arg)
{
    if (ask_total(sl, cb, arg, "HGET %s %s", id) != 0)
        cb(arg, -1);
}

void views_seed(store_loop *sl, const char *id, int64_t stored)
{
    rconn_command(sl->redis, NULL, NULL, "HSETNX %s %s %lld", KEY_VIEWS, id, (long long)stored);
}

void views_forget(store_loop *sl, const char *id)
{
    rconn_command(sl->redis, NULL, NULL, "HDEL %s %s", KEY_VIEWS, id);
}

/* --- the flusher (run by the background thread, never on a loop) ------- */

static int connect_redis(store *st, flush_state *s)
{
    fault f;
    if (redis_blocking_keep(&s->redis, &st->redis, 2000, &f) == 0) {
        if (s->redis_failing)
            log_info("view flusher: redis answers again");
        s->redis_failing = 0;
        return 0;
    }
    /* once when Redis goes away, not once per tick while it is away */
    if (!s->redis_failing++)
        log_warn("view flusher: %s", f.message);
    return -1;
}

static void new_batch_name(flush_state *s)
{
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        rnd = (uint32_t)now_ns();
    snprintf(s->batch, sizeof s->batch, "%s%lld:%08x", KEY_FLUSHING, (long long)now_ms(), rnd);
}

/* Move pending counts into a batch of our own. 1 = a batch to write, 0 = none. */
static int take_pending(flush_state *s)
{
    new_batch_name(s);
    redisReply *rep = redisCommand(s->redis, "RENAME %s %s", KEY_PENDING, s->batch);
    int taken = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep)
        freeReplyObject(rep);
    if (!taken)
        s->batch[0] = '\0'; /* "ERR no such key": nothing was viewed */
    return taken;
}

/* Split "id|day" fields into deltas pointing into the reply. */
static size_t parse_batch(redisReply *rep, view_delta *d, char (*days)[11])
{
    size_t n = 0;
    for (size_t i = 0; i + 1 < rep->elements; i += 2) {
        redisReply *field = rep->element[i], *value = rep->element[i + 1];
        char *bar = field->str ? strchr(field->str, '|') : NULL;
        if (!bar || strlen(bar + 1) != 10 || !value->str)
            continue;
        *bar = '\0';
        memcpy(days[n], bar + 1, 11);
        d[n].id = field->str;
        d[n].day = days[n];
        d[n].count = strtoll(value->str, NULL, 10);
        n++;
    }
    return n;
}

/* Written counts leave the batch at once: should a later part fail, the
 * retry must not count them again. */
static void forget_written(flush_state *s, const view_delta *d, size_t k)
{
    const char **argv = calloc(k + 2, sizeof *argv);
    size_t *lens = calloc(k + 2, sizeof *lens);
    char (*fields)[40] = calloc(k, sizeof *fields);
    if (argv && lens && fields) {
        argv[0] = "HDEL";
        lens[0] = 4;
        argv[1] = s->batch;
        lens[1] = strlen(s->batch);
        for (size_t i = 0; i < k; i++) {
            snprintf(fields[i], sizeof fields[i], "%s|%s", d[i].id, d[i].day);
            argv[i + 2] = fields[i];
            lens[i + 2] = strlen(fields[i]);
        }
        redisReply *rep = redisCommandArgv(s->redis, (int)k + 2, argv, lens);
        if (rep)
            freeReplyObject(rep);
    }
    free(argv);
    free(lens);
    free(fields);
}

/* The batch is read from Redis once (HGETALL) and kept here while a round
 * writes it a share per tick; the deltas point into the reply. */
static void forget_round(flush_state *s)
{
    free(s->d);
    free(s->days);
    if (s->round)
        freeReplyObject(s->round);
    s->round = NULL;
    s->d = NULL;
    s->days = NULL;
    s->n = s->at = 0;
}

static int read_round(flush_state *s)
{
    redisReply *rep = redisCommand(s->redis, "HGETALL %s", s->batch);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        if (rep)
            freeReplyObject(rep);
        return -1;
    }
    size_t max = rep->elements / 2;
    s->d = calloc(max ? max : 1, sizeof *s->d);
    s->days = calloc(max ? max : 1, sizeof *s->days);
    s->round = rep;
    if (!s->d || !s->days) {
        forget_round(s);
        return -1;
    }
    s->n = parse_batch(rep, s->d, s->days);
    s->at = 0;
    return 0;
}

/* Write up to quota more counts of our batch (0: all the rest), dropping
 * each bulk from the batch in Redis once MongoDB has it; the batch is
 * DELeted when all of it is written. deadline_ms: stop between bulks once
 * past it (0: never). What is not written stays in Redis for the next tick,
 * or the next start. 0 when the batch is done, 1 when some is left, -1 on
 * error (the batch is read again next time: written counts left it). */
static int write_batch(store *st, flush_state *s, int64_t deadline_ms, size_t quota)
{
    if (!s->round && read_round(s) != 0)
        return -1;
    size_t end = quota && s->at + quota < s->n ? s->at + quota : s->n;
    fault f;
    while (s->at < end) {
        if (deadline_ms && now_ms() >= deadline_ms)
            return 1;           /* out of time: the caller says so */
        size_t k = end - s->at < VIEWS_PER_WRITE ? end - s->at : VIEWS_PER_WRITE;
        if (mongo_add_views(st->mongo_bg, s->d + s->at, k, now_ms(), &f) != 0) {
            log_warn("view flusher: %s (the rest of batch %s kept, retrying)", f.message, s->batch);
            forget_round(s);
            return -1;
        }
        forget_written(s, s->d + s->at, k);
        s->at += k;
    }
    if (s->at < s->n)
        return 1;
    if (s->n)
        log_debug("view flusher: wrote %zu counts", s->n);
    forget_round(s);
    redisReply *del = redisCommand(s->redis, "DEL %s", s->batch);
    if (del)
        freeReplyObject(del);
    s->batch[0] = '\0';
    return 0;
}

static void flush_once(store *st, flush_state *s, int64_t deadline_ms)
{
    if (connect_redis(st, s) != 0)
        return;
    if (!s->batch[0] && !take_pending(s))
        return;
    write_batch(st, s, deadline_ms, 0);
}

size_t views_round_quota(long long counts, int flush_ms, int tick_ms)
{
    long long ticks = (long long)flush_ms * 3 / 4 / (tick_ms > 0 ? tick_ms : 1);
    if (ticks <= 1 || counts <= 0)
        return 0;
    long long per_tick = (counts + ticks - 1) / ticks;
    per_tick = (per_tick + VIEWS_PER_WRITE - 1) / VIEWS_PER_WRITE * VIEWS_PER_WRITE;
    return (size_t)per_tick;
}

/* Batches left by a crashed instance: claim each (RENAME is atomic, so only
 * one claimant wins) and write it. */
static void recover_orphans(store *st, flush_state *s)
{
    if (connect_redis(st, s) != 0)
        return;
    char cursor[32] = "0";
    do {
        redisReply *rep = redisCommand(s->redis, "SCAN %s MATCH %s* COUNT 1000", cursor, KEY_FLUSHING);
        if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
            if (rep)
                freeReplyObject(rep);
            return;
        }
        snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
        redisReply *keys = rep->element[1];
        for (size_t i = 0; i < keys->elements; i++) {
            const char *key = keys->element[i]->str;
            long long born = strtoll(key + strlen(KEY_FLUSHING), NULL, 10);
            if (now_ms() - born < ORPHAN_AGE_MS)
                continue; /* maybe another live instance's batch in flight */
            new_batch_name(s);
            redisReply *mv = redisCommand(s->redis, "RENAME %s %s", key, s->batch);
            int claimed = mv && mv->type == REDIS_REPLY_STATUS;
            if (mv)
                freeReplyObject(mv);
            if (claimed) {
                log_info("view flusher: recovering counts from %s", key);
                write_batch(st, s, 0, 0);
            } else {
                s->batch[0] = '\0';
            }
        }
        freeReplyObject(rep);
    } while (strcmp(cursor, "0") != 0 && !s->batch[0]);
}

void views_flush_start(store *st)
{
    recover_orphans(st, &st->flusher);
}

void views_flush_tick(store *st, int tick_ms)
{
    /* batches left by a stop that ran out of time, or by a crash, are
     * orphans once ORPHAN_AGE_MS old: look for them now and then, not only
     * at start (a quick restart finds them too young) */
    flush_state *s = &st->flusher;
    int flush_ms = st->cfg.view_flush_ms;
    if (now_ms() >= s->next_orphan_scan) {
        if (s->next_orphan_scan && !s->batch[0])
            recover_orphans(st, s);
        s->next_orphan_scan = now_ms() + 2 * ORPHAN_AGE_MS;
    }
    if (connect_redis(st, s) != 0)
        return;
    if (!s->batch[0]) {
        if (now_ms() < s->next_round)
            return;
        s->next_round = now_ms() + flush_ms;
        if (!take_pending(s) || read_round(s) != 0)
            return;
        s->quota = views_round_quota((long long)s->n, flush_ms, tick_ms);
    }
    write_batch(st, s, 0, s->quota);
}

void views_flush_stop(store *st)
{
    /* the batch in hand, then whatever arrived since, for DRAIN_MS at most */
    flush_state *s = &st->flusher;
    int64_t deadline = now_ms() + DRAIN_MS;
    for (int i = 0; i < 3 && now_ms() < deadline; i++)
        flush_once(st, s, deadline);
    if (s->batch[0])
        log_warn("view flusher: stopping with counts still queued in Redis (%s); the next start writes them",
                 s->batch);
    forget_round(s);
    if (s->redis)
        redisFree(s->redis);
    s->redis = NULL;
}
