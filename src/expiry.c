/* expiry.c - which pastes expire when, so the sweep never scans the store.
 *
 * Reads refuse an expired paste themselves (paste.c) and its Redis cache
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
 * or the whole set lost with Redis, only delays reclaiming: background.c
 * still runs the full "expires <= now" sweep at start-up and once a day. */
#include "expiry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "store_mongo.h"
#include "store_redis.h"

/* ids per sweep round: one MongoDB bulk (FerretDB completes bulks of up to
 * about 100 statements) */
#define SWEEP_BATCH 100

static redisContext *sweeper;   /* the background thread's blocking connection */

void expiry_track(worker *w, const char *id, int64_t expires_ms)
{
    if (expires_ms <= 0)
        return;
    rconn_command(w->redis, NULL, NULL, "ZADD %s %lld %s", KEY_EXPIRING, (long long)expires_ms, id);
}

static redisReply *due_ids(int64_t now_ms, char *err, size_t errlen)
{
    redisReply *rep = redisCommand(sweeper, "ZRANGEBYSCORE %s -inf %lld LIMIT 0 %d", KEY_EXPIRING,
                                   (long long)now_ms, SWEEP_BATCH);
    if (rep && rep->type == REDIS_REPLY_ARRAY)
        return rep;
    snprintf(err, errlen, "redis: %s", rep && rep->str ? rep->str : sweeper->errstr);
    if (rep)
        freeReplyObject(rep);
    return NULL;
}

static void forget_ids(redisReply *ids)
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

long expiry_sweep(int64_t now_ms, int *more, char *err, size_t errlen)
{
    *more = 0;
    if (redis_blocking_keep(&sweeper, &srv.redis, 2000, err, errlen) != 0)
        return -1;
    redisReply *ids = due_ids(now_ms, err, errlen);
    if (!ids)
        return -1;
    long deleted = 0;
    if (ids->elements > 0) {
        const char **list = calloc(ids->elements, sizeof *list);
        if (!list) {
            snprintf(err, errlen, "out of memory");
            freeReplyObject(ids);
            return -1;
        }
        for (size_t i = 0; i < ids->elements; i++)
            list[i] = ids->element[i]->str ? ids->element[i]->str : "";
        int64_t n = 0;
        if (mongo_store_remove_ids(list, ids->elements, &n, err, errlen) == 0) {
            forget_ids(ids);
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

void expiry_close(void)
{
    if (sweeper)
        redisFree(sweeper);
    sweeper = NULL;
}
