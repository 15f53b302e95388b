/* counter.c - the paste counter must never hand out a stored number.
 *
 * Numbers come from INCR pasted:counter in Redis (create.c), and MongoDB's
 * _id is that number. If Redis loses its data (no persistence, a flush, a
 * new Redis against an old store), INCR starts over and every create would
 * hit a duplicate key. So at start-up, and whenever an insert reports a
 * duplicate, the counter is raised to the highest stored number, atomically
 * in Redis (a Lua script: other instances may be INCRing meanwhile). This is
 * the rare path, so it uses a short-lived blocking connection.
 *
 * "Highest stored number" must include deleted pastes, or a deleted paste's
 * id could come back with new content. The background thread therefore
 * records the counter in MongoDB (meta.counter.floor, $max) whenever it
 * moved, once per tick; the store's answer is the larger of that floor and
 * the highest _id. */
#include "counter.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "server.h"
#include "store_mongo.h"

/* KEYS[1] counter; ARGV[1] floor; ARGV[2] "1" to INCR afterwards */
static const char raise_script[] =
    "local cur = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "local floor = tonumber(ARGV[1]) "
    "if cur < floor then redis.call('SET', KEYS[1], ARGV[1]) end "
    "if ARGV[2] == '1' then return redis.call('INCR', KEYS[1]) end "
    "return tonumber(redis.call('GET', KEYS[1]) or '0')";

int counter_resync(uint64_t *next, char *err, size_t errlen)
{
    int64_t stored = 0;
    if (mongo_store_max_num(&stored, err, errlen) != 0)
        return -1;
    redisContext *r = redis_connect_blocking(&srv.redis, 2000, err, errlen);
    if (!r)
        return -1;
    redisReply *rep = redisCommand(r, "EVAL %s 1 %s %lld %s", raise_script, KEY_COUNTER,
                                   (long long)stored, next ? "1" : "0");
    int rc = -1;
    if (rep && rep->type == REDIS_REPLY_INTEGER) {
        if (next)
            *next = (uint64_t)rep->integer;
        if (rep->integer < stored + (next ? 1 : 0))
            log_warn("counter: %lld is behind the store", rep->integer);
        rc = 0;
    } else {
        snprintf(err, errlen, "counter resync: %s", rep && rep->str ? rep->str : r->errstr);
    }
    if (rep)
        freeReplyObject(rep);
    redisFree(r);
    return rc;
}

static redisContext *checkpoint_redis;
static long long last_recorded = -1;

void counter_checkpoint(void)
{
    char err[256];
    if (redis_blocking_keep(&checkpoint_redis, &srv.redis, 2000, err, sizeof err) != 0)
        return;
    redisReply *rep = redisCommand(checkpoint_redis, "GET %s", KEY_COUNTER);
    long long now = rep && rep->type == REDIS_REPLY_STRING ? strtoll(rep->str, NULL, 10) : -1;
    if (rep)
        freeReplyObject(rep);
    if (now <= last_recorded)
        return;
    if (mongo_store_raise_floor(now, err, sizeof err) == 0)
        last_recorded = now;
    else
        log_warn("counter checkpoint: %s", err);
}

void counter_checkpoint_close(void)
{
    counter_checkpoint();
    if (checkpoint_redis)
        redisFree(checkpoint_redis);
    checkpoint_redis = NULL;
}
