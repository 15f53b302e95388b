/* counter.c - the paste counter must never hand out a number twice.
 *
 * Numbers come from INCR pasted:counter in Redis (pastes.c), and MongoDB's
 * _id is the public id made from that number. If Redis loses its data (a
 * crash without persistence, a flush, a new Redis against an old store),
 * INCR starts over, and a number whose paste was deleted would give its id
 * to new content. So:
 *   - The background thread records the counter in MongoDB every second
 *     when it moved (meta.counter.floor, $max): the numbers handed out so
 *     far, deleted pastes included.
 *   - Recovery moves the counter past floor + COUNTER_MARGIN: more numbers
 *     than can be handed out between two checkpoints. It reads one
 *     document by key and runs one script in Redis, whatever the store
 *     holds: constant time. It runs at start-up when the counter is
 *     missing or behind the floor, when INCR answers a number at or below
 *     one this process has seen (Redis went back), and when an insert finds
 *     its number taken (the store's unique _id is the backstop).
 *   - One recovery at a time: creates that hit the same loss wait for the
 *     first one (a mutex) and then only take a number above it.
 * The skipped numbers are never used: ids stay unique, a million-number
 * gap costs nothing (the id space is 2^64). */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"

#define COUNTER_MARGIN 1000000

/* KEYS[1] counter; ARGV[1] floor; ARGV[2] "1" to INCR afterwards */
static const char raise_script[] =
    "local cur = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "local floor = tonumber(ARGV[1]) "
    "if cur < floor then redis.call('SET', KEYS[1], ARGV[1]) end "
    "if ARGV[2] == '1' then return redis.call('INCR', KEYS[1]) end "
    "return tonumber(redis.call('GET', KEYS[1]) or '0')";

/* Raise the counter to at least `at_least` (atomically: other instances may
 * be INCRing); with incr, INCR too. *value (may be NULL) gets the counter. */
static int raise_counter(store *s, int64_t at_least, uint64_t *value, int incr, fault *f)
{
    redisContext *r = redis_connect_blocking(&s->redis, 2000, f);
    if (!r)
        return -1;
    redisReply *rep = redisCommand(r, "EVAL %s 1 %s %lld %s", raise_script, KEY_COUNTER,
                                   (long long)at_least, incr ? "1" : "0");
    int rc = -1;
    if (rep && rep->type == REDIS_REPLY_INTEGER) {
        if (value)
            *value = (uint64_t)rep->integer;
        if (incr)
            note_highest(s, (uint64_t)rep->integer);
        rc = 0;
    } else {
        fault_set(f, FAULT_UNAVAILABLE, NULL, "counter recovery: %s", rep && rep->str ? rep->str : r->errstr);
    }
    if (rep)
        freeReplyObject(rep);
    redisFree(r);
    return rc;
}

int counter_recover(store *s, uint64_t taken, uint64_t *next, fault *f)
{
    pthread_mutex_lock(&s->recovery_lock);
    /* A recovery that ran while we waited left the counter at or past where
     * it moved it (unless Redis lost it again since): only take a number. */
    uint64_t now = 0;
    int rc = raise_counter(s, 0, &now, 0, f);
    if (rc == 0 && s->recovered_to > 0 && (int64_t)now >= s->recovered_to) {
        rc = raise_counter(s, 0, next, 1, f);
        pthread_mutex_unlock(&s->recovery_lock);
        return rc;
    }
    /* The first to see this loss: move past everything handed out. */
    int64_t floor = 0;
    if (rc == 0)
        rc = mongo_counter_floor(s->mongo, &floor, f);
    int64_t target = 0;
    if (rc == 0) {
        int64_t seen = (int64_t)atomic_load(&s->highest_num);
        target = floor > seen ? floor : seen;
        target = (target > (int64_t)taken ? target : (int64_t)taken) + COUNTER_MARGIN;
        /* recorded first: another instance recovering from the same loss
         * moves past these numbers too */
        rc = mongo_raise_floor(s->mongo, target, f);
    }
    if (rc == 0) {
        log_warn("counter: Redis lost it (at %llu, number %llu seen again); moving it to %lld",
                 (unsigned long long)now, (unsigned long long)taken, (long long)target);
        s->recovered_to = target;
        atomic_fetch_add_explicit(&s->counts.recoveries, 1, memory_order_relaxed);
        atomic_store(&s->index_lost, 1);   /* the expiry index went with the counter */
        rc = raise_counter(s, target, next, next != NULL, f);
    }
    pthread_mutex_unlock(&s->recovery_lock);
    return rc;
}

int store_resync_counter(store *s, fault *f)
{
    redisContext *r = redis_connect_blocking(&s->redis, 3000, f);
    if (!r)
        return -1;
    redisReply *rep = redisCommand(r, "GET %s", KEY_COUNTER);
    int ok = rep && rep->type != REDIS_REPLY_ERROR;
    int64_t counter = rep && rep->type == REDIS_REPLY_STRING ? strtoll(rep->str, NULL, 10) : 0;
    if (!ok)
        fault_set(f, FAULT_UNAVAILABLE, NULL, "redis: %s", rep ? rep->str : r->errstr);
    if (rep)
        freeReplyObject(rep);
    redisFree(r);
    int64_t floor = 0;
    if (!ok || mongo_counter_floor(s->mongo, &floor, f) != 0)
        return -1;
    note_highest(s, (uint64_t)counter);
    s->startup_counter = (uint64_t)(counter > floor ? counter : floor);
    s->checkpoint_recorded = floor;
    if (counter >= floor)
        return 0;
    /* Redis lost its data (or is another one): never hand out a stored number */
    return counter_recover(s, (uint64_t)counter, NULL, f);
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
    if (mongo_raise_floor(s->mongo_bg, now, &f) == 0)
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
