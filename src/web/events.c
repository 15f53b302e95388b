/* events.c - GET /events: new public pastes, live, as Server-Sent Events.
 *
 * Every public create is announced, from whichever pasted instance made
 * it, as a JSON summary through Redis (app/create.c, store/feed.c); each
 * loop's store subscriber hands it to events_new_paste() here. A loop keeps
 * a list of its open streams; a message is re-encoded once (unlisted
 * pastes are dropped, the flag itself is not sent) and written to every
 * stream as
 *   event: paste\ndata: {...}\n\n
 * A stream is a connection taken over from the HTTP layer
 * (reply_take_over). A timer writes a ": keep-alive" comment every
 * sse_keepalive seconds, so proxies keep the stream open. The HTTP layer
 * notices a client that went away (EOF, a failed write, or too much unsent
 * backlog) and calls on_client_gone(), which frees its slot. The number of
 * streams is capped process-wide by sse_max_streams. The WebSockets of
 * GET /ws get the same events from here (websocket.c). */
#include "web.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct stream {
    struct conn *conn;
    struct events *owner;
    struct stream *prev, *next;
} stream;

typedef struct events {
    web_loop *wl;
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
    atomic_fetch_sub(&e->wl->web->streams, 1);
}

static void send_to_all(events *e, const char *text, size_t len)
{
    stream *next;
    for (stream *s = e->head; s; s = next) {
        next = s->next;   /* a failed send frees s (on_client_gone) */
        conn_send(s->conn, text, len);
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

void events_new_paste(void *arg, const char *json, size_t len)
{
    web_loop *wl = arg;
    events *e = wl->events;
    if ((!e || !e->head) && !wl->ws)
        return;
    char *data = public_event(json, len);
    if (!data)
        return;
    ws_new_paste(wl, data);     /* the same event, to the WebSockets (websocket.c) */
    if (!e || !e->head) {
        free(data);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, "event: paste\ndata: %s\n\n", data);
        size_t n = evbuffer_get_length(b);
        send_to_all(e, (const char *)evbuffer_pullup(b, -1), n);
        evbuffer_free(b);
    }
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

void handle_events(request *r, const char *rest)
{
    (void)rest;
    web_loop *wl = loop_of(r);
    events *e = wl->events;
    if (r->method == M_HEAD) {   /* the head of a stream, and no stream */
        set_header(r, "Cache-Control", "no-store");
        reply(r, 200, "text/event-stream; charset=utf-8", NULL);
        return;
    }
    if (atomic_fetch_add(&wl->web->streams, 1) >= wl->web->cfg->sse_max_streams) {
        atomic_fetch_sub(&wl->web->streams, 1);
        reply_error(r, 503, "too many live feeds open; try again later");
        return;
    }
    stream *s = calloc(1, sizeof *s);
    if (!s) {
        atomic_fetch_sub(&wl->web->streams, 1);
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
    conn_takeover t = { NULL, on_client_gone, s };
    struct conn *c = reply_take_over(r, 200, "text/event-stream; charset=utf-8", &t);
    if (!c)   /* the client is gone: on_client_gone has freed s */
        return;
    s->conn = c;
    static const char hello[] = "retry: 3000\n: connected\n\n";
    conn_send(c, hello, sizeof hello - 1);
}

int events_loop_init(web_loop *wl)
{
    events *e = calloc(1, sizeof *e);
    if (!e)
        return -1;
    e->wl = wl;
    e->keepalive = event_new(wl->app->base, -1, EV_PERSIST, on_keepalive, e);
    struct timeval every = { wl->web->cfg->sse_keepalive, 0 };
    if (!e->keepalive || event_add(e->keepalive, &every) != 0) {
        if (e->keepalive)
            event_free(e->keepalive);
        free(e);
        return -1;
    }
    wl->events = e;
    return 0;
}

void events_loop_free(web_loop *wl)
{
    events *e = wl->events;
    if (!e)
        return;
    /* streams died with their connections (conns_free) */
    event_free(e->keepalive);
    free(e);
    wl->events = NULL;
}
