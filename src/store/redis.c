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
    struct event *retry;
    /* a subscriber connection re-subscribes after every reconnect */
    char channel[64];
    redisCallbackFn *on_message;
    void *message_priv;
};

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

int redis_target_parse(const char *url, redis_target *t)
{
    memset(t, 0, sizeof *t);
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
    const char *at = strchr(rest, '@');
    if (at) {
        const char *pw = memchr(rest, ':', (size_t)(at - rest));
        pw = pw ? pw + 1 : rest;
        if ((size_t)(at - pw) >= sizeof t->password)
            return -1;
        memcpy(t->password, pw, (size_t)(at - pw));
        rest = at + 1;
    }
    const char *slash = strchr(rest, '/');
    size_t hp_len = slash ? (size_t)(slash - rest) : strlen(rest);
    if (parse_host_port(rest, hp_len, t) != 0)
        return -1;
    if (slash && slash[1]) {
        char *end;
        long db = strtol(slash + 1, &end, 10);
        if (*end || db < 0 || db > 1000)
            return -1;
        t->db = (int)db;
    }
    return 0;
}

static void schedule_reconnect(rconn *c);

static void on_connect(const redisAsyncContext *ctx, int status)
{
    rconn *c = ctx->data;
    if (status != REDIS_OK) {
        log_warn("redis: connect failed: %s", ctx->errstr);
        c->ctx = NULL; /* hiredis frees the context after this callback */
        c->connected = 0;
        schedule_reconnect(c);
        return;
    }
    c->connected = 1;
    log_debug("redis: connected");
}

static void on_disconnect(const redisAsyncContext *ctx, int status)
{
    rconn *c = ctx->data;
    if (!c)
        return;
    c->ctx = NULL;
    c->connected = 0;
    if (status != REDIS_OK) {
        log_warn("redis: connection lost: %s", ctx->errstr);
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
    redisAsyncContext *ctx = t->socket_path[0] ? redisAsyncConnectUnix(t->socket_path)
                                               : redisAsyncConnect(t->host, t->port);
    if (!ctx || ctx->err) {
        log_warn("redis: cannot connect: %s", ctx ? ctx->errstr : "out of memory");
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
    if (!c->retry) {
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
    free(c);
}

int rconn_command(rconn *c, redisCallbackFn *cb, void *priv, const char *fmt, ...)
{
    if (!c || !c->ctx)
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
    if (!c || !c->ctx)
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
    redisContext *r = t->socket_path[0] ? redisConnectUnixWithTimeout(t->socket_path, tv)
                                        : redisConnectWithTimeout(t->host, t->port, tv);
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

int redis_blocking_keep(redisContext **c, const redis_target *t, int timeout_ms, fault *f)
{
    if (*c && !(*c)->err)
        return 0;
    if (*c)
        redisFree(*c);
    *c = redis_connect_blocking(t, timeout_ms, f);
    return *c ? 0 : -1;
}
