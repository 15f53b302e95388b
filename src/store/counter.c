/* counter.c - the paste counter must never hand out a stored number.
 *
 * Numbers come from INCR pasted:counter in Redis (pastes.c), and MongoDB's
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
#include "state.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"

/* KEYS[1] counter; ARGV[1] floor; ARGV[2] "1" to INCR afterwards */
static const char raise_script[] =
    "local cur = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "local floor = tonumber(ARGV[1]) "
    "if cur < floor then redis.call('SET', KEYS[1], ARGV[1]) end "
    "if ARGV[2] == '1' then return redis.call('INCR', KEYS[1]) end "
    "return tonumber(redis.call('GET', KEYS[1]) or '0')";

int counter_resync(store *s, uint64_t *next, fault *f)
{
    int64_t stored = 0;
    if (mongo_max_num(s->mongo, &stored, f) != 0)
        return -1;
    redisContext *r = redis_connect_blocking(&s->redis, 2000, f);
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
        fault_set(f, FAULT_UNAVAILABLE, NULL, "counter resync: %s", rep && rep->str ? rep->str : r->errstr);
    }
    if (rep)
        freeReplyObject(rep);
    redisFree(r);
    return rc;
}

int store_resync_counter(store *s, fault *f)
{
    redisContext *r = redis_connect_blocking(&s->redis, 3000, f);
    if (!r)
        return -1;
    redisReply *rep = redisCommand(r, "GET %s", KEY_COUNTER);
    if (rep && rep->type == REDIS_REPLY_STRING)
        note_highest(s, strtoull(rep->str, NULL, 10));
    int ok = rep && rep->type != REDIS_REPLY_ERROR;
    if (!ok)
        fault_set(f, FAULT_UNAVAILABLE, NULL, "redis: %s", rep ? rep->str : r->errstr);
    if (rep)
        freeReplyObject(rep);
    redisFree(r);
    /* a Redis that lost its data must not hand out stored numbers again */
    return ok ? counter_resync(s, NULL, f) : -1;
}

void counter_checkpoint(store *s)
{
    fault f;
    if (redis_blocking_keep(&s->checkpoint_redis, &s->redis, 2000, &f) != 0)
        return;
    redisReply *rep = redisCommand(s->checkpoint_redis, "GET %s", KEY_COUNTER);
    long long now = rep && rep->type == REDIS_REPLY_STRING ? strtoll(rep->str, NULL, 10) : -1;
    if (rep)
        freeReplyObject(rep);
    if (now <= s->checkpoint_recorded)
        return;
    if (mongo_raise_floor(s->mongo, now, &f) == 0)
        s->checkpoint_recorded = now;
    else
        log_warn("counter checkpoint: %s", f.message);
}

void counter_checkpoint_close(store *s)
{
    counter_checkpoint(s);
    if (s->checkpoint_redis)
        redisFree(s->checkpoint_redis);
    s->checkpoint_redis = NULL;
}
