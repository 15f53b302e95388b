/* redis.c - Redis connections.
 *
 * Each worker's event loop owns one rconn: a hiredis async context attached
 * to that loop with hiredis' libevent adapter. Handlers queue commands and
 * get their replies as callbacks on the same loop, so a Redis round trip
 * never blocks a worker, and pipelining comes for free: commands queued in
 * one loop iteration go out in one write.
 *
 * When the connection drops, hiredis calls every pending callback with a
 * NULL reply (handlers answer 503 or fall back), and a timer reconnects.
 * Background threads (the view flusher) and start-up use the blocking API
 * through redis_connect_blocking(), or redis_blocking_keep() for a
 * connection kept between runs. */
#include "redis.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

struct rconn {
    struct event_base *base;
    redis_target target;
    redisAsyncContext *ctx;     /* NULL while disconnected */
    int connected;              /* connect callback said yes */
    int failing;                /* said so once: the retries every 250 ms log at debug */
    unsigned generation;        /* of the primary's address it connected to (sentinel.c) */
    char addr[280];             /* where it connects, for the log */
    int moving;                 /* leaving for a new primary (on_move, from the loop) */
    struct event *move;
    struct event *retry;
    /* a subscriber connection re-subscribes after every reconnect */
    char channel[64];
    redisCallbackFn *on_message;
    void *message_priv;
};

static int colon_given(const char *s, size_t len)
{
    return memchr(s, ':', len) != NULL;
}

static int parse_host_port(const char *s, size_t len, redis_target *t)
{
    const char *colon = memchr(s, ':', len);
    size_t host_len = colon ? (size_t)(colon - s) : len;
    if (host_len == 0 || host_len >= sizeof t->host)
        return -1;
    memcpy(t->host, s, host_len);
    t->host[host_len] = '\0';
    t->port = 6379;
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != s + len || port < 1 || port > 65535)
            return -1;
        t->port = (int)port;
    }
    return 0;
}

/* "[:password@]" at the start of *rest: into t, *rest past it. */
static int take_password(const char **rest, redis_target *t)
{
    const char *at = strchr(*rest, '@');
    if (!at)
        return 0;
    const char *pw = memchr(*rest, ':', (size_t)(at - *rest));
    pw = pw ? pw + 1 : *rest;
    if ((size_t)(at - pw) >= sizeof t->password)
        return -1;
    memcpy(t->password, pw, (size_t)(at - pw));
    *rest = at + 1;
    return 0;
}

/* "N" after the URL's last '/' (empty: database 0). */
static int take_db(const char *s, redis_target *t)
{
    if (!*s)
        return 0;
    char *end;
    long db = strtol(s, &end, 10);
    if (*end || db < 0 || db > 1000)
        return -1;
    t->db = (int)db;
    return 0;
}

/* "h1:26379,h2:26379/master[/db]" after sentinel:// (and a password). */
static int parse_sentinels(const char *rest, redis_target *t)
{
    const char *slash = strchr(rest, '/');
    if (!slash || slash == rest)
        return -1;
    for (const char *p = rest; p < slash;) {
        size_t len = strcspn(p, ",/");
        redis_target one;
        if (t->nsentinels == SENTINELS_MAX || parse_host_port(p, len, &one) != 0
            || strlen(one.host) >= sizeof t->sentinels[0].host)
            return -1;
        memcpy(t->sentinels[t->nsentinels].host, one.host, strlen(one.host) + 1);     /* length checked above */
        t->sentinels[t->nsentinels++].port = colon_given(p, len) ? one.port : 26379;
        p += len;
        if (*p == ',')
            p++;
    }
    const char *name = slash + 1;
    size_t name_len = strcspn(name, "/");
    if (name_len == 0 || name_len >= sizeof t->master || strcspn(name, " \t") < name_len)
        return -1;
    memcpy(t->master, name, name_len);
    t->master[name_len] = '\0';
    return name[name_len] == '/' ? take_db(name + name_len + 1, t) : 0;
}

int redis_target_parse(const char *url, redis_target *t)
{
    memset(t, 0, sizeof *t);
    if (strncmp(url, "sentinel://", 11) == 0) {
        const char *rest = url + 11;
        return take_password(&rest, t) == 0 ? parse_sentinels(rest, t) : -1;
    }
    if (url[0] == '/' || strncmp(url, "unix://", 7) == 0) {
        const char *path = url[0] == '/' ? url : url + 7;
        if (!*path || strlen(path) >= sizeof t->socket_path)
            return -1;
        strcpy(t->socket_path, path);
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0)
        return -1;
    const char *rest = url + 8;
    if (take_password(&rest, t) != 0)
        return -1;
    const char *slash = strchr(rest, '/');
    size_t hp_len = slash ? (size_t)(slash - rest) : strlen(rest);
    if (parse_host_port(rest, hp_len, t) != 0)
        return -1;
    return slash ? take_db(slash + 1, t) : 0;
}

static void schedule_reconnect(rconn *c);
static void on_move(evutil_socket_t fd, short what, void *arg);

/* One line when a connection starts failing, not one per retry. */
static void note_failure(rconn *c, const char *what, const char *why)
{
    if (c->failing)
        log_debug("redis %s: %s: %s", c->addr, what, why);
    else
        log_warn("redis %s: %s: %s", c->addr, what, why);
    c->failing = 1;
}

static void on_connect(const redisAsyncContext *ctx, int status)
{
    rconn *c = ctx->data;
    if (status != REDIS_OK) {
        note_failure(c, "connect failed", ctx->errstr);
        c->ctx = NULL; /* hiredis frees the context after this callback */
        c->connected = 0;
        schedule_reconnect(c);
        return;
    }
    c->connected = 1;
    if (c->failing)
        log_info("redis %s: connected again", c->addr);
    c->failing = 0;
}

static void on_disconnect(const redisAsyncContext *ctx, int status)
{
    rconn *c = ctx->data;
    if (!c)
        return;
    c->ctx = NULL;
    c->connected = 0;
    if (status != REDIS_OK) {
        note_failure(c, "connection lost", ctx->errstr);
        schedule_reconnect(c);
    }
}

/* SUBSCRIBE to every channel of the space-separated list */
static void subscribe(rconn *c, redisAsyncContext *ctx)
{
    const char *argv[9] = { "SUBSCRIBE" };
    size_t lens[9] = { 9 };
    int argc = 1;
    for (const char *p = c->channel; *p && argc < 9;) {
        size_t len = strcspn(p, " ");
        if (len) {
            argv[argc] = p;
            lens[argc++] = len;
        }
        p += len;
        p += strspn(p, " ");
    }
    redisAsyncCommandArgv(ctx, c->on_message, c->message_priv, argc, argv, lens);
}

static void connect_now(rconn *c)
{
    const redis_target *t = &c->target;
    char host[256];
    int port;
    redis_target_resolve(t, host, sizeof host, &port, &c->generation);
    c->moving = 0;
    if (t->socket_path[0])
        snprintf(c->addr, sizeof c->addr, "%s", t->socket_path);
    else
        snprintf(c->addr, sizeof c->addr, "%s:%d", host, port);
    redisAsyncContext *ctx = t->socket_path[0] ? redisAsyncConnectUnix(t->socket_path)
                                               : redisAsyncConnect(host, port);
    if (!ctx || ctx->err) {
        note_failure(c, "cannot connect", ctx ? ctx->errstr : "out of memory");
        if (ctx)
            redisAsyncFree(ctx);
        schedule_reconnect(c);
        return;
    }
    ctx->data = c;
    c->ctx = ctx;
    redisLibeventAttach(ctx, c->base);
    redisAsyncSetConnectCallback(ctx, on_connect);
    redisAsyncSetDisconnectCallback(ctx, on_disconnect);
    /* Queued now, sent first once the socket connects. */
    if (t->password[0])
        redisAsyncCommand(ctx, NULL, NULL, "AUTH %s", t->password);
    if (t->db)
        redisAsyncCommand(ctx, NULL, NULL, "SELECT %d", t->db);
    if (c->channel[0])
        subscribe(c, ctx);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    connect_now(arg);
}

static void schedule_reconnect(rconn *c)
{
    struct timeval delay = { 0, 250 * 1000 };
    evtimer_add(c->retry, &delay);
}

static rconn *rconn_create(struct event_base *base, const redis_target *t, const char *channel,
                           redisCallbackFn *on_message, void *priv)
{
    rconn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->base = base;
    c->target = *t;
    if (channel)
        snprintf(c->channel, sizeof c->channel, "%s", channel);
    c->on_message = on_message;
    c->message_priv = priv;
    c->retry = evtimer_new(base, on_retry, c);
    c->move = evtimer_new(base, on_move, c);
    if (!c->retry || !c->move) {
        if (c->retry)
            event_free(c->retry);
        free(c);
        return NULL;
    }
    connect_now(c);
    return c;
}

rconn *rconn_new(struct event_base *base, const redis_target *t)
{
    return rconn_create(base, t, NULL, NULL, NULL);
}

rconn *rconn_new_subscriber(struct event_base *base, const redis_target *t, const char *channel,
                            redisCallbackFn *on_message, void *priv)
{
    return rconn_create(base, t, channel, on_message, priv);
}

void rconn_free(rconn *c)
{
    if (!c)
        return;
    if (c->ctx) {
        /* callbacks run inside redisAsyncFree may queue more: make them fail */
        redisAsyncContext *ctx = c->ctx;
        c->ctx = NULL;
        ctx->data = NULL;
        redisAsyncFree(ctx);
    }
    event_free(c->retry);
    event_free(c->move);
    free(c);
}

/* Leave the old primary now, from the loop (not inside a caller's
 * command: the pending callbacks run, with no reply), whatever state the
 * connection is in (connecting, or waiting on a primary that hangs), and
 * connect to the new one. */
static void on_move(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    rconn *c = arg;
    redisAsyncContext *ctx = c->ctx;
    if (!ctx || !c->moving)
        return;
    c->ctx = NULL;
    c->connected = 0;
    ctx->data = NULL;           /* its disconnect callback must not touch c */
    redisAsyncFree(ctx);
    connect_now(c);
}

/* The Sentinels named another primary since c connected: no more
 * commands to this one. */
static int moved_away(rconn *c)
{
    if (!c->target.master[0] || c->generation == redis_primary_generation())
        return 0;
    if (!c->moving) {
        c->moving = 1;
        struct timeval now = { 0, 0 };
        evtimer_add(c->move, &now);
    }
    return 1;
}

int rconn_command(rconn *c, redisCallbackFn *cb, void *priv, const char *fmt, ...)
{
    if (!c || !c->ctx || moved_away(c))
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int rc = redisvAsyncCommand(c->ctx, cb, priv, fmt, ap);
    va_end(ap);
    return rc == REDIS_OK ? 0 : -1;
}

int rconn_command_argv(rconn *c, redisCallbackFn *cb, void *priv, int argc,
                       const char **argv, const size_t *argvlen)
{
    if (!c || !c->ctx || moved_away(c))
        return -1;
    return redisAsyncCommandArgv(c->ctx, cb, priv, argc, argv, argvlen) == REDIS_OK ? 0 : -1;
}

static int blocking_ok(redisContext *r, const char *cmd, fault *f)
{
    redisReply *reply = redisCommand(r, cmd);
    int ok = reply && reply->type != REDIS_REPLY_ERROR;
    if (!ok)
        fault_set(f, FAULT_UNAVAILABLE, NULL, "redis %s: %s", cmd,
                  reply && reply->type == REDIS_REPLY_ERROR ? reply->str : r->errstr);
    if (reply)
        freeReplyObject(reply);
    return ok ? 0 : -1;
}

redisContext *redis_connect_blocking(const redis_target *t, int timeout_ms, fault *f)
{
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    char host[256];
    int port;
    unsigned generation;
    redis_target_resolve(t, host, sizeof host, &port, &generation);
    redisContext *r = t->socket_path[0] ? redisConnectUnixWithTimeout(t->socket_path, tv)
                                        : redisConnectWithTimeout(host, port, tv);
    if (!r || r->err) {
        fault_set(f, FAULT_UNAVAILABLE, NULL, "redis connect: %s", r ? r->errstr : "out of memory");
        if (r)
            redisFree(r);
        return NULL;
    }
    redisSetTimeout(r, tv);
    char cmd[160];
    if (t->password[0]) {
        redisReply *reply = redisCommand(r, "AUTH %s", t->password);
        int ok = reply && reply->type != REDIS_REPLY_ERROR;
        if (reply)
            freeReplyObject(reply);
        if (!ok) {
            fault_set(f, FAULT_UNAVAILABLE, NULL, "redis AUTH failed");
            redisFree(r);
            return NULL;
        }
    }
    snprintf(cmd, sizeof cmd, "SELECT %d", t->db);
    if (t->db && blocking_ok(r, cmd, f) != 0) {
        redisFree(r);
        return NULL;
    }
    return r;
}

/* Is c still connected where t is (after a failover, maybe not)? */
static int still_there(const redisContext *c, const redis_target *t)
{
    if (!t->master[0])
        return 1;
    char host[256];
    int port;
    unsigned generation;
    redis_target_resolve(t, host, sizeof host, &port, &generation);
    return c->connection_type == REDIS_CONN_TCP && c->tcp.host && strcmp(c->tcp.host, host) == 0 && c->tcp.port == port;
}

int redis_blocking_keep(redisContext **c, const redis_target *t, int timeout_ms, fault *f)
{
    if (*c && !(*c)->err && still_there(*c, t))
        return 0;
    if (*c)
        redisFree(*c);
    *c = redis_connect_blocking(t, timeout_ms, f);
    return *c ? 0 : -1;
}
