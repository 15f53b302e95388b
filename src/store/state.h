/* state.h - the store's own state and the helpers its files share.
 * Only the files of src/store include this; the layers above see store.h. */
#ifndef PASTED_STORE_STATE_H
#define PASTED_STORE_STATE_H

#include <hiredis/hiredis.h>
#include <stdatomic.h>

#include "core/ids.h"
#include "keys.h"
#include "mongo.h"
#include "pool.h"
#include "redis.h"
#include "store.h"

struct event;
struct viewbatch;

/* The view flusher's place in its current batch (views.c). */
typedef struct flush_state {
    redisContext *redis;
    char batch[96];     /* key of the batch being written; "" when none */
    size_t quota;       /* counts to write per tick in this round (0: all) */
    int64_t next_round; /* when the next batch may be taken */
    int64_t next_orphan_scan;
    redisReply *round;  /* the batch as read (HGETALL); NULL: not read yet */
    view_delta *d;      /* its counts, pointing into round */
    char (*days)[11];
    size_t n, at;       /* how many counts, how many written */
} flush_state;

struct store {
    config        cfg;          /* a copy: cache sizes, intervals, view batching */
    redis_target  redis;
    mongo_store  *mongo;
    pool         *jobs;         /* MongoDB calls of the loops */
    ids_key       ids;
    atomic_ullong highest_num;  /* highest paste number seen: ids above it do not exist */
    /* the background thread's blocking connections and progress */
    redisContext *checkpoint_redis;
    long long     checkpoint_recorded;
    redisContext *sweeper;
    flush_state   flusher;
};

struct store_loop {
    store             *s;
    struct event_base *base;
    rconn             *redis;
    rconn             *subscriber;  /* CHANNEL_NEW and CHANNEL_GONE (feed.c) */
    store_watch        watch;
    struct viewbatch  *views;       /* raw views not yet sent (views.c) */
    struct event      *views_timer;
};

/* Raise the highest number seen to n (never lowers it). */
void note_highest(store *s, uint64_t n);

/* cache.c: the paste record in Redis */
void cache_put(store_loop *sl, const paste *p);
void cache_tombstone(store_loop *sl, const char *id);
/* Deleted, burnt or expired: out of every cache, list and counter, on
 * every instance (CHANNEL_GONE). */
void cache_forget(store_loop *sl, const char *id);

/* recent.c */
void recent_add(store_loop *sl, const paste *p);
void recent_remove(store_loop *sl, const char *id);

/* expiry.c: list p in the expiry index */
void expiry_track(store_loop *sl, const char *id, int64_t expires_ms);

/* views.c: per loop */
int  views_loop_init(store_loop *sl);
void views_loop_flush(store_loop *sl);
void views_loop_free(store_loop *sl);
void views_seed(store_loop *sl, const char *id, int64_t stored);
void views_forget(store_loop *sl, const char *id);

/* feed.c */
int  feed_subscribe(store_loop *sl);

/* counter.c: move the counter past the store's numbers; next != NULL also
 * takes the next number. Blocking. */
int  counter_resync(store *s, uint64_t *next, fault *f);

#endif
