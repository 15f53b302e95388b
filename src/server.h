/* server.h - process-wide state shared by every worker. See main.c and http.c. */
#ifndef PASTED_SERVER_H
#define PASTED_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "ids.h"
#include "pool.h"
#include "store_redis.h"

struct event_base;
struct conns;
struct evconnlistener;

/* Redis key names, in one place. */
#define KEY_COUNTER   "pasted:counter"        /* INCR: the next paste number */
#define KEY_PASTE     "pasted:p:"             /* + id: cached paste record */
#define KEY_VIEWS     "pasted:views"          /* hash id -> live view total */
#define KEY_PENDING   "pasted:pending"        /* hash "id|day" -> views not yet in MongoDB */
#define KEY_FLUSHING  "pasted:flushing:"      /* + instance:seq: a batch being written */
#define CHANNEL_NEW   "pasted:new"            /* PUBLISH on every create */
#define CHANNEL_GONE  "pasted:gone"           /* PUBLISH id on delete, burn, expiry */
#define TOMBSTONE     "-"                     /* cached "no such paste" */

typedef struct stats {
    atomic_ullong requests;
    atomic_ullong created;
    atomic_ullong views;
    atomic_ullong cache_hits;
    atomic_ullong cache_misses;
    atomic_ullong hot_hits;     /* the part of cache_hits served from worker memory */
    atomic_ullong store_errors;
} stats;

/* Written once at start-up, read-only afterwards (except the atomics). */
typedef struct server {
    config       cfg;
    ids_key      ids;
    redis_target redis;
    pool        *mongo;
    stats        stats;
    atomic_ullong highest_num;  /* highest paste number seen: ids above it do not exist */
    atomic_int    streams;      /* open /events streams, all workers */
} server;

extern server srv;

typedef struct worker {
    int index;
    pthread_t thread;
    struct event_base *base;
    struct conns *conns;        /* this worker's connections (conn.c) */
    struct evconnlistener *listener;
    rconn *redis;
    struct events *events;      /* this worker's SSE streams (events.c) */
    struct hotcache *hot;       /* this worker's hot pastes (hotcache.c) */
    struct viewbatch *views;    /* raw views not yet sent to Redis (views.c) */
    struct event *views_timer;
    struct looplag *looplag;   /* this worker's loop-lag timer (looplag.c) */
} worker;

#endif
