/* conn.h - HTTP/1.1 connections: reading, framing, writing, deadlines. See conn.c. */
#ifndef PASTED_HTTP_CONN_H
#define PASTED_HTTP_CONN_H

#include <event2/util.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/netaddr.h"

struct conn;
struct conns;
struct evbuffer;
struct event_base;
struct request;

/* What a server built on this layer gives it (h2o's shape: the protocol code
 * never names a handler). One per process; shared by every loop. */
typedef struct http_settings {
    size_t  max_header_size;    /* bytes of a request head (431 past it) */
    int64_t max_body;           /* bytes of a request body (413 past it) */
    int     header_timeout;     /* seconds, from a request's first byte */
    int     body_timeout;       /* seconds, while a body arrives or a reply drains */
    int     keepalive_timeout;  /* seconds between requests */
    /* Every complete request, with its body. Answer it exactly once, now or
     * later, with reply*() (request.h). */
    void  (*handle)(struct request *r);
    /* Writes an error reply (request.h's reply_error calls it); NULL: one
     * line of text/plain. Lets the application choose a format (HTML for
     * browsers, JSON for an API) without this layer knowing either. */
    void  (*render_error)(struct request *r, int status, const char *message, const char *field);
    atomic_ullong *requests;    /* counted here, every request (may be NULL) */
} http_settings;

/* Per loop: the connection list, spare buffers and the deadline sweep. ctx
 * is handed to every request of this loop (request.ctx). */
struct conns *conns_new(struct event_base *base, const http_settings *s, void *ctx);
void          conns_free(struct conns *cs);   /* closes every connection */
size_t        conns_count(const struct conns *cs);

/* A socket the loop's listener accepted. */
void conn_accept(struct conns *cs, evutil_socket_t fd, const struct sockaddr *peer);
/* The address the connection came from (kept at accept: no system call). */
const netaddr *conn_peer(const struct conn *c);

/* The reply to the connection's current request: `head` (status line and
 * headers, copied) then `body` (drained; may be NULL). Ends the exchange. */
void conn_send_reply(struct conn *c, const char *head, size_t head_len,
                     struct evbuffer *body);
/* May this reply leave the connection open (HTTP version, Connection)? */
int  conn_keep_alive(const struct conn *c);
int  conn_http_minor(const struct conn *c);
/* The connection closes after this reply (a stream has no length). */
void conn_will_close(struct conn *c);

/* Taking over the connection (a stream of events, a protocol switch): the
 * head is sent, the request ends, and from then on the handler owns the
 * connection through conn_send(). on_data (may be NULL: input discarded)
 * gets whatever the client sends, starting with bytes that followed the
 * request; drain what it uses. on_close runs once, when the client goes
 * away, conn_close_taken() is called or the loop shuts down; the connection
 * is gone after it. Returns -1 when that already happened (on_close has
 * run): the caller must not use c again. */
typedef struct conn_takeover {
    void (*on_data)(void *arg, struct evbuffer *in);
    void (*on_close)(void *arg);
    void  *arg;
} conn_takeover;
int  conn_take_over(struct conn *c, const char *head, size_t head_len, const conn_takeover *t);
/* Queues bytes; a client that lets more than 256 KiB pile up is dropped. */
int  conn_send(struct conn *c, const char *data, size_t len);
void conn_close_taken(struct conn *c);

#endif
