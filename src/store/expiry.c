/* expiry.c - which pastes expire when, so the sweep never scans the store.
 *
 * Reads refuse an expired paste themselves (app/read.c) and its Redis cache
 * entry expires with it; only its MongoDB document is left to reclaim. The
 * query "expires <= now" would find them, but FerretDB (the embedded store)
 * uses an index only for a filter on _id alone: that query reads and decodes
 * every document, about 3.6 s of CPU for 14,000 pastes, every sweep, growing
 * with the store and taking a core away from the readers.
 *
 * So the ids of pastes that expire are also kept in a Redis sorted set,
 * scored by their expiry time in ms:
 *   create, on the worker, after MongoDB acknowledged:
 *       ZADD pasted:expiring <expires> <id>
 *   sweep, on the background thread, every sweep_interval:
 *       ZRANGEBYSCORE pasted:expiring -inf <now> LIMIT 0 SWEEP_BATCH
 *       -> delete those documents by _id, one bulk (the _id index answers)
 *       -> ZREM them, only once MongoDB acknowledged.
 * Ids are never reused, so a listed id whose time has come is always a
 * paste to delete. Deleted and burnt pastes stay listed until their time;
 * deleting a missing document does nothing. A ZADD lost to a Redis outage,
 * or the whole set lost with Redis, only delays reclaiming: when Redis lost
 * its data (found by counter.c), the background thread (server/background.c)
 * rebuilds the set from MongoDB (expiry_rebuild_step): one query for the
 * pastes that have an expiry, read REBUILD_BATCH documents at a time on the
 * background handle, each batch ZADDed back; the sweep then deletes what is
 * due as usual. That query is the one job that reads every document, and it
 * runs only after a loss, on its own connection, at a bounded share of the
 * store's time: after a batch that took t, the next waits 3t (FerretDB
 * decodes every document it passes, ~0.3 ms each with pasted's bodies, so
 * unpaced it would take most of a core for minutes at a million pastes;
 * paced, about a quarter of one, and the rebuild takes four times longer).
 * (With the
 * append-only file a crash loses about a second of ZADDs, which only delays
 * reclaiming those pastes' documents). */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

/* ids per sweep round: one MongoDB bulk (FerretDB completes bulks of up to
 * about 100 statements) */
#define SWEEP_BATCH 100
/* documents the rebuild reads per background tick (a second at most): about
 * 1 MB of (id, expiry) pairs a second at most, from a store of any size */
#define REBUILD_BATCH 1000
/* the store's share of its time the rebuild may take: it rests 3x what a batch took */
#define REBUILD_REST_FACTOR 3
/* a line of progress every this many documents */
#define REBUILD_REPORT 100000

void expiry_track(store_loop *sl, const char *id, int64_t expires_ms)
{
    if (expires_ms <= 0)
        return;
    rconn_command(sl->redis, NULL, NULL, "ZADD %s %lld %s", KEY_EXPIRING, (long long)expires_ms, id);
}

static redisReply *due_ids(redisContext *sweeper, int64_t now_ms, fault *f)
{
    redisReply *rep = redisCommand(sweeper, "ZRANGEBYSCORE %s -inf %lld LIMIT 0 %d", KEY_EXPIRING,
                                   (long long)now_ms, SWEEP_BATCH);
    if (rep && rep->type == REDIS_REPLY_ARRAY)
        return rep;
    fault_set(f, FAULT_UNAVAILABLE, NULL, "redis: %s", rep && rep->str ? rep->str : sweeper->errstr);
    if (rep)
        freeReplyObject(rep);
    return NULL;
}

static void forget_ids(redisContext *sweeper, redisReply *ids)
{
    const char **argv = calloc(ids->elements + 2, sizeof *argv);
    size_t *lens = calloc(ids->elements + 2, sizeof *lens);
    if (argv && lens) {
        argv[0] = "ZREM";
        lens[0] = 4;
        argv[1] = KEY_EXPIRING;
        lens[1] = strlen(KEY_EXPIRING);
        for (size_t i = 0; i < ids->elements; i++) {
            argv[i + 2] = ids->element[i]->str;
            lens[i + 2] = ids->element[i]->len;
        }
        redisReply *rep = redisCommandArgv(sweeper, (int)ids->elements + 2, argv, lens);
        if (rep)
            freeReplyObject(rep);
    }
    free(argv);
    free(lens);
}

long expiry_sweep(store *s, int64_t now_ms, int *more, fault *f)
{
    *more = 0;
    if (redis_blocking_keep(&s->sweeper, &s->redis, 2000, f) != 0)
        return -1;
    redisReply *ids = due_ids(s->sweeper, now_ms, f);
    if (!ids)
        return -1;
    long deleted = 0;
    if (ids->elements > 0) {
        const char **list = calloc(ids->elements, sizeof *list);
        if (!list) {
            fault_no_memory(f);
            freeReplyObject(ids);
            return -1;
        }
        for (size_t i = 0; i < ids->elements; i++)
            list[i] = ids->element[i]->str ? ids->element[i]->str : "";
        int64_t n = 0;
        if (mongo_remove_ids(s->mongo_bg, list, ids->elements, &n, f) == 0) {
            forget_ids(s->sweeper, ids);
            deleted = (long)n;
            *more = ids->elements == SWEEP_BATCH;
        } else {
            deleted = -1;
        }
        free(list);
    }
    freeReplyObject(ids);
    return deleted;
}

static void rebuild_end(store *s)
{
    atomic_store(&s->counts.index_rebuilding, 0);
    mongo_walk_close(s->rebuild.walk);
    s->rebuild.walk = NULL;
    free(s->rebuild.batch);
    s->rebuild.batch = NULL;
}

static int rebuild_begin(store *s, fault *f)
{
    rebuild_end(s);
    s->rebuild.batch = calloc(REBUILD_BATCH, sizeof *s->rebuild.batch);
    s->rebuild.walk = s->rebuild.batch ? mongo_walk_expiring(s->mongo_bg, REBUILD_BATCH, f) : NULL;
    s->rebuild.indexed = 0;
    s->rebuild.resume_ms = 0;
    if (!s->rebuild.walk) {
        if (!s->rebuild.batch)
            fault_no_memory(f);
        rebuild_end(s);
        return -1;
    }
    log_warn("expiry index: rebuilding it from the store (Redis lost it)");
    atomic_store(&s->counts.index_rebuilding, 1);
    atomic_store(&s->counts.index_rebuilt, 0);
    return 0;
}

/* ZADD pasted:expiring <expires> <id> ... for one batch. */
static int index_batch(redisContext *rc, const mongo_expiring *batch, size_t n, fault *f)
{
    size_t argc = 2 + 2 * n;
    const char **argv = calloc(argc, sizeof *argv);
    size_t *lens = calloc(argc, sizeof *lens);
    char (*scores)[24] = calloc(n ? n : 1, sizeof *scores);
    int rc_ok = -1;
    if (argv && lens && scores) {
        argv[0] = "ZADD";
        argv[1] = KEY_EXPIRING;
        for (size_t i = 0; i < n; i++) {
            snprintf(scores[i], sizeof scores[i], "%lld", (long long)batch[i].expires_ms);
            argv[2 + 2 * i] = scores[i];
            argv[3 + 2 * i] = batch[i].id;
        }
        for (size_t i = 0; i < argc; i++)
            lens[i] = strlen(argv[i]);
        redisReply *rep = redisCommandArgv(rc, (int)argc, argv, lens);
        if (rep && rep->type != REDIS_REPLY_ERROR)
            rc_ok = 0;
        else
            fault_set(f, FAULT_UNAVAILABLE, NULL, "redis: %s", rep && rep->str ? rep->str : rc->errstr);
        if (rep)
            freeReplyObject(rep);
    } else {
        fault_no_memory(f);
    }
    free(argv);
    free(lens);
    free(scores);
    return rc_ok;
}

int expiry_rebuild_step(store *s, fault *f)
{
    if (atomic_exchange(&s->index_lost, 0) && rebuild_begin(s, f) != 0)
        goto retry;
    if (!s->rebuild.walk)
        return 0;
    int64_t start = now_ms();
    if (start < s->rebuild.resume_ms)
        return 1;   /* resting */
    size_t got = 0;
    int more = mongo_walk_next(s->rebuild.walk, s->rebuild.batch, REBUILD_BATCH, &got, f);
    s->rebuild.resume_ms = now_ms() + (now_ms() - start) * REBUILD_REST_FACTOR;
    if (more < 0)
        goto retry;
    if (got > 0 && (redis_blocking_keep(&s->sweeper, &s->redis, 2000, f) != 0 ||
                    index_batch(s->sweeper, s->rebuild.batch, got, f) != 0))
        goto retry;
    long long before = s->rebuild.indexed;
    s->rebuild.indexed += (long long)got;
    atomic_store(&s->counts.index_rebuilt, (unsigned long long)s->rebuild.indexed);
    if (more == 0) {
        log_warn("expiry index: rebuilt, %lld pastes that expire", s->rebuild.indexed);
        atomic_fetch_add(&s->counts.index_rebuilds, 1);
        rebuild_end(s);
    } else if (s->rebuild.indexed / REBUILD_REPORT != before / REBUILD_REPORT) {
        log_info("expiry index: %lld pastes indexed so far", s->rebuild.indexed);
    }
    return more;

retry:  /* from the start, on the next tick: what was indexed stays indexed */
    rebuild_end(s);
    atomic_store(&s->index_lost, 1);
    return -1;
}

void expiry_close(store *s)
{
    rebuild_end(s);
    if (s->sweeper)
        redisFree(s->sweeper);
    s->sweeper = NULL;
}
