/* events.c - GET /events: new public pastes, live, as Server-Sent Events.
 *
 * Every create PUBLISHes a JSON summary on the Redis channel pasted:new
 * (create.c), from whichever pasted instance made it. Each worker keeps one
 * extra Redis connection SUBSCRIBEd to that channel and a list of its open
 * streams; a message is re-encoded once (unlisted pastes are dropped, the
 * flag itself is not sent) and written to every stream as
 *   event: paste\ndata: {...}\n\n
 * A timer writes a ": keep-alive" comment every sse_keepalive seconds, so
 * proxies keep the stream open. conn.c notices a client that went away
 * (EOF, a failed write, or too much unsent backlog) and calls
 * on_client_gone(), which frees its slot. The number of streams is capped
 * process-wide by sse_max_streams.
 *
 * The same subscriber also listens on pasted:gone, the ids of deleted,
 * burned and expired pastes, and drops them from this worker's hot cache;
 * each (re)subscription clears that cache, since ids published while the
 * connection was down were missed. */
#include "events.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "hotcache.h"
#include "http.h"
#include "log.h"
#include "routes.h"

typedef struct stream {
    struct conn *conn;
    struct events *owner;
    struct stream *prev, *next;
} stream;

typedef struct events {
    worker *w;
    rconn *subscriber;
    struct event *keepalive;
    stream *head;
} events;

static void stream_unlink(stream *s)
{
    events *e = s->owner;
    if (s->prev)
        s->prev->next = s->next;
    else
        e->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    atomic_fetch_sub(&srv.streams, 1);
}

static void send_to_all(events *e, const char *text, size_t len)
{
    stream *next;
    for (stream *s = e->head; s; s = next) {
        next = s->next;   /* a failed send frees s (on_client_gone) */
        conn_stream_send(s->conn, text, len);
    }
}

/* The published summary, minus the unlisted flag; NULL for unlisted pastes. */
static char *public_event(const char *payload, size_t len)
{
    json_t *o = json_loadb(payload, len, 0, NULL);
    if (!o || !json_is_object(o) || json_is_true(json_object_get(o, "unlisted"))) {
        json_decref(o);
        return NULL;
    }
    json_object_del(o, "unlisted");
    char *data = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return data;
}

static void on_message(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    events *e = priv;
    redisReply *rep = reply_obj;
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 3
        || rep->element[0]->type != REDIS_REPLY_STRING || rep->element[1]->type != REDIS_REPLY_STRING)
        return;
    if (strcmp(rep->element[0]->str, "subscribe") == 0
        && strcmp(rep->element[1]->str, CHANNEL_GONE) == 0) {
        /* (re)subscribed: ids published while we were away were missed */
        hotcache_clear(e->w->hot);
        return;
    }
    if (strcmp(rep->element[0]->str, "message") != 0 || rep->element[2]->type != REDIS_REPLY_STRING)
        return;
    if (strcmp(rep->element[1]->str ? rep->element[1]->str : "", CHANNEL_GONE) == 0) {
        hotcache_drop(e->w->hot, rep->element[2]->str);
        return;
    }
    if (!e->head)
        return;
    char *data = public_event(rep->element[2]->str, rep->element[2]->len);
    if (!data)
        return;
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "event: paste\ndata: %s\n\n", data);
    size_t len = evbuffer_get_length(b);
    send_to_all(e, (const char *)evbuffer_pullup(b, -1), len);
    evbuffer_free(b);
    free(data);
}

static void on_keepalive(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    static const char comment[] = ": keep-alive\n\n";
    send_to_all(arg, comment, sizeof comment - 1);
}

static void on_client_gone(void *arg)
{
    stream *s = arg;
    stream_unlink(s);
    free(s);
}

void handle_events(request *r)
{
    events *e = r->w->events;
    if (r->method == M_HEAD) {   /* the head of a stream, and no stream */
        set_header(r, "Cache-Control", "no-store");
        reply(r, 200, "text/event-stream; charset=utf-8", NULL);
        return;
    }
    if (atomic_fetch_add(&srv.streams, 1) >= srv.cfg.sse_max_streams) {
        atomic_fetch_sub(&srv.streams, 1);
        reply_error(r, 503, "too many live feeds open; try again later");
        return;
    }
    stream *s = calloc(1, sizeof *s);
    if (!s) {
        atomic_fetch_sub(&srv.streams, 1);
        reply_error(r, 503, "out of memory");
        return;
    }
    s->owner = e;
    s->next = e->head;
    if (e->head)
        e->head->prev = s;
    e->head = s;
    set_header(r, "Cache-Control", "no-store");
    set_header(r, "X-Accel-Buffering", "no");
    struct conn *c = reply_stream(r, "text/event-stream; charset=utf-8", on_client_gone, s);
    if (!c)   /* the client is gone: on_client_gone has freed s */
        return;
    s->conn = c;
    static const char hello[] = "retry: 3000\n: connected\n\n";
    conn_stream_send(c, hello, sizeof hello - 1);
}

int events_worker_init(worker *w)
{
    events *e = calloc(1, sizeof *e);
    if (!e)
        return -1;
    e->w = w;
    e->subscriber = rconn_new_subscriber(w->base, &srv.redis, CHANNEL_NEW " " CHANNEL_GONE,
                                         on_message, e);
    e->keepalive = event_new(w->base, -1, EV_PERSIST, on_keepalive, e);
    if (!e->subscriber || !e->keepalive) {
        rconn_free(e->subscriber);
        if (e->keepalive)
            event_free(e->keepalive);
        free(e);
        return -1;
    }
    struct timeval every = { srv.cfg.sse_keepalive, 0 };
    event_add(e->keepalive, &every);
    w->events = e;
    return 0;
}

void events_worker_free(worker *w)
{
    events *e = w->events;
    if (!e)
        return;
    /* streams died with their connections (conns_worker_free) */
    event_free(e->keepalive);
    rconn_free(e->subscriber);
    free(e);
    w->events = NULL;
}
