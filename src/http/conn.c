/* conn.c - HTTP/1.1 connections: bytes in, requests out, replies back.
 *
 * Each accepted socket becomes a `conn` owned by one event loop's `conns`:
 * a persistent read event, a write event armed only while a reply does not
 * fit the socket buffer, and an output evbuffer. An idle keep-alive
 * connection holds nothing else (~0.5 KiB), so 10,000 of them stay cheap;
 * the moment bytes arrive it borrows an `exchange` from the loop's spares:
 * the input buffer (max_header_size bytes), the parsed head, the request
 * and its body, given back when the connection is idle again.
 *
 * The life of a request:
 *   IDLE -> HEAD      bytes accumulate until parse.c finds the blank line
 *        -> BODY      Content-Length or chunked bytes into the body evbuffer
 *                     (chunked ones are read and decoded in the room behind
 *                     the head, so bytes after the body stay in order)
 *        -> HANDLING  the settings' handle() gets it; it answers now or later
 *        -> WRITING   conn_send_reply(): head + body in one writev when the
 *                     socket takes it, the write event otherwise (a big hot
 *                     body is a sendfile chain: web/raw.c)
 *        -> IDLE      or LINGER: shut down our side, drain, close
 *        or TAKEN     a handler took the connection over (conn_take_over:
 *                     an event stream, later a WebSocket): it writes with
 *                     conn_send() and gets what the client sends
 * A hot cached GET goes through all of this inside one read callback: one
 * recv(), one writev(), no epoll_ctl and no allocation but the request's
 * path. Pipelined requests wait in the input buffer and are taken in order,
 * one at a time. Bytes that arrive while a request is being handled are
 * read ahead into the buffer; when it is full, reading pauses (so a client
 * cannot make the server buffer without bound).
 *
 * Deadlines are coarse: every connection carries one (header_timeout from
 * its first byte, body_timeout while a body arrives or a reply drains,
 * keepalive_timeout when idle) and a sweep every 250 ms closes the late
 * ones, answering 408 to a client that stalled mid-request. A request being
 * handled has no deadline: a client that vanishes meanwhile is noticed when
 * the reply is written, and the connection is freed only then, so a handler
 * never answers into freed memory. */
#include "conn.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "parse.h"
#include "request.h"

#define SWEEP_MS        250
#define LINGER_MS       2000
#define MAX_SPARES      64
#define STREAM_BACKLOG  (256 * 1024)   /* unsent bytes of a taken connection before we drop it */
#define CORK_MIN        (64 * 1024)    /* bodies from this size go out corked */

typedef enum cstate { C_IDLE, C_HEAD, C_BODY, C_HANDLING, C_WRITING, C_TAKEN, C_LINGER } cstate;

typedef struct exchange {
    struct exchange *next_spare;
    request       req;
    http_head     head;
    http_chunked  chunk;
    int64_t       body_left;   /* Content-Length bytes still to read */
    struct evbuffer *body;
    size_t        len;         /* bytes in buf */
    size_t        scanned;     /* http_head_end progress */
    size_t        used;        /* bytes of buf that belong to the current request */
    size_t        cap;
    char          buf[];
} exchange;

struct conn {
    struct conns    *owner;
    evutil_socket_t  fd;
    netaddr          peer;         /* where it came from (accept) */
    struct event    *ev_read, *ev_write;
    struct evbuffer *out;
    exchange        *x;
    cstate           state;
    int64_t          deadline_ms;  /* 0: none */
    unsigned         keep_alive : 1, close_after : 1, peer_eof : 1, gone : 1,
                     read_paused : 1, write_armed : 1, in_process : 1, corked : 1;
    conn_takeover    taken;        /* C_TAKEN: who owns it now */
    struct evbuffer *taken_in;     /* C_TAKEN: client bytes its owner has not used yet */
    struct conn     *prev, *next;
};

typedef struct conns {
    struct event_base *base;
    const http_settings *settings;
    void         *ctx;
    size_t        count;
    struct conn  *head;
    exchange     *spares;
    int           n_spares;
    struct event *sweep;
} conns;

static void process(struct conn *c);
static void read_head_bytes(struct conn *c);

static int64_t clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int would_block(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* --- exchanges: the per-request memory, recycled ------------------------ */

static exchange *exchange_get(conns *cs)
{
    exchange *x = cs->spares;
    if (x) {
        cs->spares = x->next_spare;
        cs->n_spares--;
        return x;
    }
    size_t cap = cs->settings->max_header_size;
    x = calloc(1, sizeof *x + cap);
    if (!x)
        return NULL;
    x->cap = cap;
    x->body = evbuffer_new();
    if (!x->body) {
        free(x);
        return NULL;
    }
    return x;
}

static void exchange_free(exchange *x)
{
    evbuffer_free(x->body);
    free(x);
}

/* Forget the request just answered; bytes after it in buf stay (len). */
static void exchange_next_request(exchange *x)
{
    x->scanned = x->used = 0;
    x->body_left = 0;
    memset(&x->chunk, 0, sizeof x->chunk);
    evbuffer_drain(x->body, evbuffer_get_length(x->body));
}

/* Ready for another connection: empty, as if new. */
static void exchange_reset(exchange *x)
{
    exchange_next_request(x);
    x->len = 0;
}

static void exchange_put(conns *cs, exchange *x)
{
    if (cs->n_spares >= MAX_SPARES) {
        exchange_free(x);
        return;
    }
    exchange_reset(x);
    x->next_spare = cs->spares;
    cs->spares = x;
    cs->n_spares++;
}

/* --- connection life ----------------------------------------------------- */

static void conn_free(struct conn *c)
{
    conns *cs = c->owner;
    if (c->prev)
        c->prev->next = c->next;
    else
        cs->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    cs->count--;
    if (c->x)
        exchange_put(cs, c->x);
    event_free(c->ev_read);
    event_free(c->ev_write);
    evbuffer_free(c->out);
    if (c->taken_in)
        evbuffer_free(c->taken_in);
    free(c);
}

/* Closes the socket now; the struct goes as soon as no handler holds it. */
static void conn_close(struct conn *c)
{
    if (!c->gone) {
        c->gone = 1;
        event_del(c->ev_read);
        event_del(c->ev_write);
        evutil_closesocket(c->fd);
        c->fd = -1;
        if (c->taken.on_close) {
            void (*cb)(void *) = c->taken.on_close;
            c->taken.on_close = NULL;
            cb(c->taken.arg);
        }
    }
    if (!c->in_process && c->state != C_HANDLING)
        conn_free(c);
}

static void pause_reading(struct conn *c)
{
    if (!c->read_paused) {
        event_del(c->ev_read);
        c->read_paused = 1;
    }
}

static void resume_reading(struct conn *c)
{
    if (c->read_paused && !c->gone) {
        event_add(c->ev_read, NULL);
        c->read_paused = 0;
    }
}

/* Our side is done: stop sending, drain what the client still sends (so
 * the kernel does not answer it with a reset that destroys our reply). */
static void start_linger(struct conn *c)
{
    c->state = C_LINGER;
    c->deadline_ms = clock_ms() + LINGER_MS;
    if (c->peer_eof || shutdown(c->fd, SHUT_WR) != 0) {
        conn_close(c);
        return;
    }
    resume_reading(c);
}

/* --- writing ------------------------------------------------------------- */

static void exchange_finished(struct conn *c);

/* Writes what the socket takes. -1 when the connection closed (c may be
 * freed); after a finished exchange, c may be freed too: callers return. */
static int flush(struct conn *c)
{
    while (evbuffer_get_length(c->out) > 0) {
        if (evbuffer_write(c->out, c->fd) < 0) {
            if (!would_block()) {
                conn_close(c);
                return -1;
            }
            if (!c->write_armed) {
                event_add(c->ev_write, NULL);
                c->write_armed = 1;
            }
            c->deadline_ms = clock_ms() + c->owner->settings->body_timeout * 1000;
            return 0;
        }
    }
    if (c->write_armed) {
        event_del(c->ev_write);
        c->write_armed = 0;
    }
    if (c->corked) {   /* all out: let the last partial segment go now */
        int off = 0;
        setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
        c->corked = 0;
    }
    if (c->state == C_WRITING)
        exchange_finished(c);
    else if (c->state == C_TAKEN)
        c->deadline_ms = 0;
    return 0;
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct conn *c = arg;
    if (c->state == C_WRITING)
        c->deadline_ms = clock_ms() + c->owner->settings->body_timeout * 1000;
    flush(c);
}

int conn_keep_alive(const struct conn *c)
{
    return c->keep_alive && !c->close_after && !c->peer_eof;
}

void conn_will_close(struct conn *c)
{
    c->close_after = 1;
}

int conn_http_minor(const struct conn *c)
{
    return c->x ? c->x->head.minor_version : 1;
}

void conn_send_reply(struct conn *c, const char *head, size_t head_len,
                     struct evbuffer *body)
{
    if (c->gone) {
        c->state = C_IDLE;
        if (!c->in_process)
            conn_free(c);
        return;
    }
    if (body && evbuffer_get_length(body) >= CORK_MIN && !c->corked) {
        /* the head (writev) and a big body (often sendfile) are two calls:
         * corked, they leave in full segments instead of a lone small one */
        int on = 1;
        c->corked = setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0;
    }
    evbuffer_add(c->out, head, head_len);
    if (body)
        evbuffer_add_buffer(c->out, body);
    c->state = C_WRITING;
    flush(c);
}

/* The reply is out: keep what followed the request, and go on. */
static void exchange_finished(struct conn *c)
{
    if (!conn_keep_alive(c)) {
        start_linger(c);
        return;
    }
    exchange *x = c->x;
    size_t rest = x->len - x->used;
    memmove(x->buf, x->buf + x->used, rest);
    x->len = rest;
    exchange_next_request(x);
    c->state = C_IDLE;
    c->deadline_ms = clock_ms() + c->owner->settings->keepalive_timeout * 1000;
    if (x->len == 0) {
        exchange_put(c->owner, x);
        c->x = NULL;
    }
    resume_reading(c);
    process(c);
}

/* --- handing requests over --------------------------------------------- */

static request *request_for(struct conn *c, int head_ok)
{
    request *r = &c->x->req;
    memset(r, 0, offsetof(request, arena));
    r->conn = c;
    r->ctx = c->owner->ctx;
    r->settings = c->owner->settings;
    r->start_ns = now_ns();
    r->head = head_ok ? &c->x->head : NULL;
    r->body = c->x->body;
    return r;
}

/* A request refused before any handler sees it; the connection closes. */
static void refuse(struct conn *c, int head_ok, int status, const char *why)
{
    c->state = C_HANDLING;
    c->deadline_ms = 0;
    c->close_after = 1;
    /* a head refused after its request line still names its path (JSON under /api/) */
    const http_head *partial = !head_ok && c->x->head.path ? &c->x->head : NULL;
    request_refuse(request_for(c, head_ok), status, why, partial);
}

static void dispatch(struct conn *c)
{
    c->state = C_HANDLING;
    c->deadline_ms = 0;
    request *r = request_for(c, 1);
    if (request_begin(r, r->head) != 0) {
        reply_error(r, 400, "bad request path");
        return;
    }
    c->owner->settings->handle(r);
}

/* --- reading ------------------------------------------------------------- */

/* Appends what the body bytes data[0..n) contribute; 1 when the body is complete. */
static int take_body(struct conn *c, const char *data, size_t n, size_t *consumed)
{
    exchange *x = c->x;
    if (!x->head.chunked) {
        size_t take = n < (uint64_t)x->body_left ? n : (size_t)x->body_left;
        evbuffer_add(x->body, data, take);
        x->body_left -= (int64_t)take;
        *consumed = take;
        return x->body_left == 0;
    }
    int done = 0;
    const char *why = NULL;
    ssize_t k = http_chunked_decode(&x->chunk, data, n, x->body, &done, &why);
    if (k < 0) {
        refuse(c, 1, 400, why);
        return -1;
    }
    *consumed = (size_t)k;
    if ((int64_t)evbuffer_get_length(x->body) > c->owner->settings->max_body) {
        refuse(c, 1, 413, "request body too large");
        return -1;
    }
    return done;
}

static void send_continue(struct conn *c)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    /* tiny and first on the socket: it fits the empty send buffer */
    if (send(c->fd, cont, sizeof cont - 1, MSG_NOSIGNAL) < 0 && !would_block())
        c->peer_eof = 1;
}

/* The head is parsed: decide the body, then hand the request over. */
static void start_request(struct conn *c, size_t head_len)
{
    exchange *x = c->x;
    c->keep_alive = x->head.keep_alive;
    x->used = head_len;
    if (!x->head.chunked && x->head.content_length <= 0) {
        dispatch(c);
        return;
    }
    if (x->head.content_length > c->owner->settings->max_body) {
        refuse(c, 1, 413, "request body too large");
        return;
    }
    x->body_left = x->head.content_length;
    size_t consumed = 0;
    int done = take_body(c, x->buf + head_len, x->len - head_len, &consumed);
    if (done < 0)
        return;
    x->used += consumed;
    if (done) {
        dispatch(c);
        return;
    }
    /* every byte after the head was body and is in x->body now: the room
     * behind the head is free for what follows (a chunked body's next reads,
     * then read-ahead), so the bytes in buf stay in arrival order */
    x->len = x->used = head_len;
    if (x->head.expect_continue && x->head.minor_version == 1)
        send_continue(c);
    c->state = C_BODY;
    c->deadline_ms = clock_ms() + c->owner->settings->body_timeout * 1000;
}

/* Tries to take one request from the buffer; 0 when more bytes are needed. */
static int take_request(struct conn *c)
{
    exchange *x = c->x;
    if (c->state == C_IDLE) {
        /* empty lines before a request line are tolerated (RFC 9112 2.2) */
        size_t skip = 0;
        while (skip < x->len && (x->buf[skip] == '\r' || x->buf[skip] == '\n'))
            skip++;
        if (skip) {
            memmove(x->buf, x->buf + skip, x->len - skip);
            x->len -= skip;
        }
        if (x->len == 0)
            return 0;
        c->state = C_HEAD;
        c->deadline_ms = clock_ms() + c->owner->settings->header_timeout * 1000;
        x->head.path = NULL;   /* not the last request's: refuse() looks at it */
    }
    size_t end = http_head_end(x->buf, x->len, &x->scanned);
    if (!end) {
        if (x->len == x->cap) {
            refuse(c, 0, 431, "request head too large");
            return 1;
        }
        return 0;
    }
    const char *why = NULL;
    int status = http_parse_head(x->buf, end, &x->head, &why);
    if (status) {
        refuse(c, 0, status, why);
        return 1;
    }
    if (x->head.chunked && x->cap - end < 1024) {
        /* a chunked body is read behind the head: it needs some room */
        refuse(c, 1, 431, "request head too large");
        return 1;
    }
    start_request(c, end);
    return 1;
}

/* Runs requests while whole ones are buffered. Re-entered from a reply
 * sent inside a handler, it returns at once and the outer loop goes on. */
static void process(struct conn *c)
{
    if (c->in_process)
        return;
    c->in_process = 1;
    while (!c->gone && (c->state == C_IDLE || c->state == C_HEAD) && c->x && c->x->len > 0)
        if (!take_request(c))
            break;
    c->in_process = 0;
    if (c->gone && c->state != C_HANDLING)
        conn_free(c);
    else if (c->peer_eof && (c->state == C_IDLE || c->state == C_HEAD))
        conn_close(c);
}

static void read_head_bytes(struct conn *c)
{
    if (!c->x && !(c->x = exchange_get(c->owner))) {
        conn_close(c);
        return;
    }
    exchange *x = c->x;
    ssize_t n = recv(c->fd, x->buf + x->len, x->cap - x->len, 0);
    if (n <= 0) {
        if (n < 0 && would_block())
            return;
        conn_close(c);   /* EOF or reset between requests: nothing owed */
        return;
    }
    x->len += (size_t)n;
    process(c);
}

static void read_body_bytes(struct conn *c)
{
    exchange *x = c->x;
    ssize_t n;
    if (!x->head.chunked) {
        size_t want = x->body_left < 65536 ? (size_t)x->body_left : 65536;
        n = evbuffer_read(x->body, c->fd, (int)want);
        if (n > 0) {
            x->body_left -= n;
            if (x->body_left == 0)
                dispatch(c);
            return;
        }
    } else {
        /* into the room behind the head (x->len == x->used here): what is
         * decoded is dropped; what follows the last chunk stays, in order */
        n = recv(c->fd, x->buf + x->len, x->cap - x->len, 0);
        if (n > 0) {
            size_t consumed = 0;
            int done = take_body(c, x->buf + x->len, (size_t)n, &consumed);
            if (done > 0) {
                x->used = x->len + consumed;
                x->len += (size_t)n;
                dispatch(c);
            }
            return;
        }
    }
    if (n < 0 && would_block())
        return;
    conn_close(c);   /* the client went away mid-body: no request */
}

/* While a request is handled or its reply drains: read ahead, so pipelined
 * requests wait in the buffer and a vanished client is noticed. */
static void read_ahead(struct conn *c)
{
    exchange *x = c->x;
    if (x->len == x->cap) {
        pause_reading(c);
        return;
    }
    ssize_t n = recv(c->fd, x->buf + x->len, x->cap - x->len, 0);
    if (n > 0) {
        x->len += (size_t)n;
        return;
    }
    if (n < 0 && would_block())
        return;
    /* EOF (perhaps only a half-close) or an error: answer, then close */
    c->peer_eof = 1;
    pause_reading(c);
}

static void discard_input(struct conn *c)
{
    char scratch[4096];
    for (int i = 0; i < 16; i++) {
        ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);
        if (n > 0)
            continue;
        if (n < 0 && would_block())
            return;
        conn_close(c);
        return;
    }
}

/* A taken connection: what the client sends goes to its new owner. */
static void read_taken(struct conn *c)
{
    if (!c->taken.on_data) {
        discard_input(c);
        return;
    }
    if (evbuffer_get_length(c->taken_in) > STREAM_BACKLOG) {
        conn_close(c);   /* its owner does not keep up: drop it, as on output */
        return;
    }
    int n = evbuffer_read(c->taken_in, c->fd, 16384);
    if (n > 0)
        c->taken.on_data(c->taken.arg, c->taken_in);
    else if (n == 0 || !would_block())
        conn_close(c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct conn *c = arg;
    switch (c->state) {
    case C_IDLE:
    case C_HEAD: read_head_bytes(c); break;
    case C_BODY: read_body_bytes(c); break;
    case C_HANDLING:
    case C_WRITING: read_ahead(c); break;
    case C_TAKEN: read_taken(c); break;
    case C_LINGER: discard_input(c); break;
    }
}

const netaddr *conn_peer(const struct conn *c)
{
    return &c->peer;
}

void conn_accept(conns *cs, evutil_socket_t fd, const struct sockaddr *peer)
{
    struct conn *c = calloc(1, sizeof *c);
    if (c) {
        c->owner = cs;
        c->fd = fd;
        netaddr_from_sockaddr(peer, &c->peer);
        c->out = evbuffer_new();
        if (c->out)   /* it only ever drains to the socket: sendfile chains may stay */
            evbuffer_set_flags(c->out, EVBUFFER_FLAG_DRAINS_TO_FD);
        c->ev_read = event_new(cs->base, fd, EV_READ | EV_PERSIST, on_readable, c);
        c->ev_write = event_new(cs->base, fd, EV_WRITE | EV_PERSIST, on_writable, c);
    }
    if (!c || !c->out || !c->ev_read || !c->ev_write || event_add(c->ev_read, NULL) != 0) {
        log_warn("cannot take a connection: out of memory");
        evutil_closesocket(fd);
        if (c) {
            if (c->out)
                evbuffer_free(c->out);
            if (c->ev_read)
                event_free(c->ev_read);
            if (c->ev_write)
                event_free(c->ev_write);
            free(c);
        }
        return;
    }
    c->state = C_IDLE;
    c->keep_alive = 1;
    c->deadline_ms = clock_ms() + cs->settings->header_timeout * 1000;
    c->next = cs->head;
    if (cs->head)
        cs->head->prev = c;
    cs->head = c;
    cs->count++;
}

/* --- taking over ---------------------------------------------------------- */

/* Bytes the client sent after the request (pipelined, or a protocol's
 * first frames) belong to the new owner. */
static void hand_over_buffered(struct conn *c)
{
    exchange *x = c->x;
    if (!x)
        return;
    c->x = NULL;
    size_t rest = x->len - x->used;
    if (rest && c->taken.on_data) {
        evbuffer_add(c->taken_in, x->buf + x->used, rest);
        c->taken.on_data(c->taken.arg, c->taken_in);
    }
    exchange_put(c->owner, x);
}

int conn_take_over(struct conn *c, const char *head, size_t head_len, const conn_takeover *t)
{
    /* still C_HANDLING here, so a close does not free c yet */
    if (!c->gone && t->on_data && !(c->taken_in = evbuffer_new()))
        conn_close(c);   /* out of memory: as if the client had gone */
    c->state = C_TAKEN;
    c->deadline_ms = 0;
    c->keep_alive = 0;
    c->taken = *t;
    if (c->gone) {
        c->taken.on_close = NULL;
        t->on_close(t->arg);
        if (!c->in_process)
            conn_free(c);
        return -1;
    }
    resume_reading(c);
    /* held while the head goes out and buffered bytes are handed over: a
     * close in either must not free c under us */
    unsigned outer = c->in_process;
    c->in_process = 1;
    if (conn_send(c, head, head_len) == 0)
        hand_over_buffered(c);
    int gone = c->gone;
    c->in_process = outer;
    if (gone && !outer)
        conn_free(c);
    return gone ? -1 : 0;
}

int conn_send(struct conn *c, const char *data, size_t len)
{
    if (c->gone)
        return -1;
    if (evbuffer_get_length(c->out) > STREAM_BACKLOG) {
        conn_close(c);
        return -1;
    }
    evbuffer_add(c->out, data, len);
    return flush(c);
}

void conn_close_taken(struct conn *c)
{
    conn_close(c);
}

/* --- deadlines ------------------------------------------------------------ */

static void expire(struct conn *c)
{
    switch (c->state) {
    case C_HEAD:
        refuse(c, 0, 408, "the request head did not arrive in time");
        break;
    case C_BODY:
        refuse(c, 1, 408, "the request body did not arrive in time");
        break;
    default: /* idle, a reply the client does not read, a linger */
        conn_close(c);
    }
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conns *cs = arg;
    int64_t now = clock_ms();
    struct conn *next;
    for (struct conn *c = cs->head; c; c = next) {
        next = c->next;
        if (c->deadline_ms && now >= c->deadline_ms && !c->gone) {
            c->deadline_ms = 0;
            expire(c);
        }
    }
}

conns *conns_new(struct event_base *base, const http_settings *s, void *ctx)
{
    conns *cs = calloc(1, sizeof *cs);
    if (!cs)
        return NULL;
    cs->base = base;
    cs->settings = s;
    cs->ctx = ctx;
    cs->sweep = event_new(base, -1, EV_PERSIST, on_sweep, cs);
    struct timeval every = { 0, SWEEP_MS * 1000 };
    if (!cs->sweep || event_add(cs->sweep, &every) != 0) {
        if (cs->sweep)
            event_free(cs->sweep);
        free(cs);
        return NULL;
    }
    return cs;
}

size_t conns_count(const conns *cs)
{
    return cs->count;
}

void conns_free(conns *cs)
{
    if (!cs)
        return;
    while (cs->head) {
        struct conn *c = cs->head;
        c->state = C_IDLE;   /* nothing is handled any more */
        conn_close(c);
    }
    while (cs->spares) {
        exchange *x = cs->spares;
        cs->spares = x->next_spare;
        exchange_free(x);
    }
    event_free(cs->sweep);
    free(cs);
}
