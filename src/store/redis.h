/* redis.h - Redis, spoken asynchronously on an event loop. See redis.c. */
#ifndef PASTED_STORE_REDIS_H
#define PASTED_STORE_REDIS_H

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stddef.h>

#include "core/fault.h"

struct event_base;

#define SENTINELS_MAX 8

typedef struct redis_target {
    char host[256];
    int  port;
    char socket_path[256];  /* non-empty: connect to this unix socket */
    char password[128];
    int  db;
    /* non-empty: host and port are whatever these Sentinels name (sentinel.c) */
    char master[64];
    int  nsentinels;
    struct { char host[64]; int port; } sentinels[SENTINELS_MAX];
} redis_target;

/* "redis://[:password@]host[:port][/db]", "unix:///path", "/path", or
 * "sentinel://[:password@]h1:26379,h2:26379/master[/db]". 0 ok, -1 bad. */
int redis_target_parse(const char *url, redis_target *t);

/* sentinel.c: for a sentinel:// target, find its primary now (failing when
 * no Sentinel answers within seconds) and follow failovers from then on. */
int      redis_sentinel_start(const redis_target *t, fault *f);
void     redis_sentinel_stop(void);
/* Where t is now (its own host and port, or the primary its Sentinels
 * name); generation moves when that changes (0 for a plain target). */
void     redis_target_resolve(const redis_target *t, char *host, size_t hostlen, int *port, unsigned *generation);
unsigned redis_primary_generation(void);

typedef struct rconn rconn;

/* One per event loop. Connects now and reconnects by itself after a loss. */
rconn *rconn_new(struct event_base *base, const redis_target *t);
/* A connection that stays SUBSCRIBEd to the channels (space-separated; again
 * after each reconnect); on_message gets every pub/sub reply array. */
rconn *rconn_new_subscriber(struct event_base *base, const redis_target *t, const char *channel,
                            redisCallbackFn *on_message, void *priv);
void   rconn_free(rconn *c);

/* Queue a command; cb(ctx, reply, priv) runs on the loop when the reply
 * arrives (reply NULL if the connection dropped). cb may be NULL for fire and
 * forget. Returns -1, without calling cb, when Redis is not connected. */
int rconn_command(rconn *c, redisCallbackFn *cb, void *priv, const char *fmt, ...);
int rconn_command_argv(rconn *c, redisCallbackFn *cb, void *priv, int argc,
                       const char **argv, const size_t *argvlen);

/* A blocking connection for background threads and start-up. NULL with f. */
redisContext *redis_connect_blocking(const redis_target *t, int timeout_ms, fault *f);
/* A blocking connection a background job keeps between runs: *c is
 * (re)connected when missing or broken. 0 when usable, -1 with f. */
int redis_blocking_keep(redisContext **c, const redis_target *t, int timeout_ms, fault *f);

#endif
