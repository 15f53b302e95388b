/* state.h - the store's own state and the helpers its files share.
 * Only the files of src/store include this; the layers above see store.h. */
#ifndef PASTED_STORE_STATE_H
#define PASTED_STORE_STATE_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/ids.h"
#include "keys.h"
#include "mongo.h"
#include "pool.h"
#include "redis.h"
#include "store.h"

struct event;
struct viewbatch;
typedef struct monitor monitor;
typedef struct inserter inserter;
typedef struct live_watch live_watch;
typedef struct tier tier;
typedef struct tier_loop tier_loop;

/* A numbered paste waiting to be inserted with others (inserter.c). */
typedef struct insert_req insert_req;
struct insert_req {
    paste        *p;          /* its num and id change when renumbered */
    int           renumber;   /* the counter went back: recover first */
    int           rc;         /* 0 stored, -1 with f */
    int           ran;        /* 0: it waited past store_timeout_ms, not sent */
    fault         f;
    void        (*done)(insert_req *r, int ran);   /* on the submitting loop */
    struct event *finished;
    uint64_t      queued_ns;
    insert_req   *next;
};

/* The view flusher's place in its current batch (views.c). */
typedef struct flush_state {
    redisContext *redis;
    int redis_failing;  /* ticks Redis has not answered: said once */
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
    tier         *tier;         /* cache_nodes: where paste records live (tier.c); NULL: the primary */
    mongo_store  *mongo;        /* the loops' lane: calls fail after store_timeout_ms */
    mongo_store  *mongo_bg;     /* the background thread's lane: long sweeps and flushes */
    pool         *jobs;         /* MongoDB calls of the loops */
    pool           *cpu;        /* work that is long for a loop but not the store's (diffs) */
    monitor      *monitor;      /* is MongoDB answering? (monitor.c) */
    inserter     *inserter;     /* creates, committed together (inserter.c) */
    ids_key       ids;
    uint8_t       secret[32];       /* the instances' shared secret: ids, store_key */
    atomic_ullong highest_num;  /* highest paste number seen: ids above it do not exist */
    uint64_t      startup_counter;  /* the counter when this process started */
    pthread_mutex_t recovery_lock;  /* one counter recovery at a time (counter.c) */
    pthread_mutex_t flights_lock;   /* reads of cold pastes under way (pastes.c) */
    struct flight *flights;
    store_counts   counts;
    int64_t       recovered_to;     /* where the last recovery moved the counter */
    atomic_int    index_lost;       /* Redis lost its data: the expiry index with it */
    /* the background thread's blocking connections and progress */
    redisContext *checkpoint_redis;
    long long     checkpoint_recorded;
    redisContext *sweeper;
    struct {                        /* the expiry index's rebuild (expiry.c) */
        mongo_walk            *walk;
        mongo_expiring        *batch;
        long long              indexed;
        int64_t                resume_ms;   /* the next batch, not before */
    } rebuild;
    flush_state   flusher;
};

struct store_loop {
    store             *s;
    struct event_base *base;
    rconn             *redis;
    tier_loop         *tier;        /* this loop's connections to the cache nodes */
    uint64_t           last_number; /* the last INCR answer on this connection (pastes.c) */
    rconn             *subscriber;  /* CHANNEL_NEW and CHANNEL_GONE (feed.c) */
    store_watch        watch;
    struct viewbatch  *views;       /* raw views not yet sent (views.c) */
    struct event      *views_timer;
    struct job        *numbering;   /* creates waiting for the primary (pastes.c) */
    int                draining;    /* the loop ends: no more waiting */
    live_watch        *watches;     /* pastes this loop's clients follow (live.c) */
    size_t             nwatches, watches_cap;
};

/* Raise the highest number seen to n (never lowers it). */
void note_highest(store *s, uint64_t n);

/* cache.c: the paste record in Redis */
void cache_put(store_loop *sl, const paste *p);
void cache_tombstone(store_loop *sl, const char *id);
/* On every cache node that is up (a paste deleted or burnt). */
void cache_tombstone_everywhere(store_loop *sl, const char *id);
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

/* monitor.c: MongoDB pinged every MONITOR_EVERY_MS on a connection of its
 * own, so the answer to "is it up?" is always at hand. */
monitor *monitor_start(const config *cfg, fault *f);
void     monitor_stop(monitor *m);
/* 1 when the last ping answered within its deadline; else why in `why`. */
int      monitor_mongo_ok(monitor *m, char *why, size_t whylen);
/* The last answer of mongo_id_lookups_indexed: 1, 0 or -1. */
int      monitor_id_lookups_indexed(monitor *m);
/* 1 when the store's disk is below min_free_space; *free_bytes (may be
 * NULL): the last measure, -1 unknown. */
int      monitor_disk_low(monitor *m, long long *free_bytes);

/* inserter.c */
inserter *inserter_start(store *s, fault *f);
/* Queue r; r->done(r, ran) runs on base's loop once r->rc says how it went.
 * -1 when stopping or out of memory (nothing queued). */
int       inserter_submit(inserter *in, struct event_base *base, insert_req *r);
void      inserter_stop(inserter *in);    /* sends what is queued, then stops */
/* Creates waiting for their turn, and inserts at the store now (0 to insert_in_flight). */
void      inserter_depth(inserter *in, size_t *queued, int *in_flight);

/* tier.c: the cache nodes (cache_nodes), or the primary when there are none */
int    tier_open(store *s, fault *f);
void   tier_close(tier *t);
int    tier_loop_init(store_loop *sl);
void   tier_loop_close(store_loop *sl);     /* its connections, at the loop's drain */
void   tier_loop_free(store_loop *sl);
/* The connection for paste id's record; *node: the node's index, -1 for
 * the primary. NULL: no node is up, so nothing is cached. */
rconn *tier_conn(store_loop *sl, const char *id, int *node);
/* A command to node went out; its answer (or its failure) came. */
void   tier_sent(store_loop *sl, int node);
void   tier_answered(store_loop *sl, int node);
/* How a read of node went (tier_conn's index; -1 is ignored). */
void   tier_count(store_loop *sl, int node, int hit);
void   tier_failed(store_loop *sl, int node);
/* A write of id's record (a tombstone: its failure ejects the node at
 * once). 0 sent (or nothing to write to), -1 not sent. */
int    tier_write(store_loop *sl, const char *id, int tombstone, int argc, const char **argv, const size_t *lens);
/* The same to every node that is up (a tombstone: each failure ejects). */
void   tier_write_all(store_loop *sl, int argc, const char **argv, const size_t *lens);
/* Is sl the loop of its process that tombstones what other instances delete? */
int    tier_is_keeper(store_loop *sl);

/* pastes.c: the creates still waiting for the primary answer 503 */
void pastes_loop_drain(store_loop *sl);

/* feed.c */
int  feed_subscribe(store_loop *sl);
/* the subscriber connection's handler, for every channel it follows */
void feed_on_message(redisAsyncContext *ac, void *reply_obj, void *priv);

/* live.c: what feed.c hears on a paste's channel */
void live_message(store_loop *sl, const char *channel, const char *text);
void live_unsubscribed(store_loop *sl, const char *channel);
void live_resubscribe(store_loop *sl);      /* after a reconnect */
void live_free(store_loop *sl);

/* counter.c: Redis lost the counter (`taken` was handed out again, or is
 * behind): move it past every number handed out, once for all who hit the
 * same loss; next != NULL also takes the next number. Blocking. */
int  counter_recover(store *s, uint64_t taken, uint64_t *next, fault *f);

#endif
