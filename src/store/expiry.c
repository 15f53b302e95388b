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
 * runs the full "expires <= now" sweep once (expiry_sweep_all), on its own
 * connection: the one job that reads every document, and only after a loss
 * (with the append-only file, a crash loses about a second of ZADDs, which
 * only delays reclaiming those pastes' documents). */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ids per sweep round: one MongoDB bulk (FerretDB completes bulks of up to
 * about 100 statements) */
#define SWEEP_BATCH 100

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

long expiry_sweep_all(store *s, int64_t now_ms, fault *f)
{
    return mongo_sweep(s->mongo_bg, now_ms, f);
}

int expiry_index_lost(store *s)
{
    return atomic_exchange(&s->index_lost, 0);
}

void expiry_close(store *s)
{
    if (s->sweeper)
        redisFree(s->sweeper);
    s->sweeper = NULL;
}
