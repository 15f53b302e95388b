/* conn.h - HTTP/1.1 connections: reading, framing, writing, deadlines. See conn.c. */
#ifndef PASTED_CONN_H
#define PASTED_CONN_H

#include <event2/util.h>
#include <stddef.h>

#include "server.h"

struct conn;
struct evbuffer;

/* Per worker: the connection list, spare buffers and the deadline sweep. */
int  conns_worker_init(worker *w);
void conns_worker_free(worker *w);   /* closes every connection */

/* A socket the worker's listener accepted. */
void conn_accept(worker *w, evutil_socket_t fd);

/* The reply to the connection's current request: `head` (status line and
 * headers, copied) then `body` (drained; may be NULL). Ends the exchange. */
void conn_send_reply(struct conn *c, const char *head, size_t head_len,
                     struct evbuffer *body);
/* May this reply leave the connection open (HTTP version, Connection)? */
int  conn_keep_alive(const struct conn *c);
int  conn_http_minor(const struct conn *c);
/* The connection closes after this reply (a stream has no length). */
void conn_will_close(struct conn *c);

/* Streams (SSE): the head, then stream_send() as events happen. on_close
 * runs once when the client goes away or the worker shuts down; the
 * connection is gone after it. Both return -1 when that already happened
 * (on_close has run): the caller must not use c again. */
int conn_start_stream(struct conn *c, const char *head, size_t head_len,
                      void (*on_close)(void *arg), void *arg);
/* Queues bytes; a client that lets too much pile up is disconnected. */
int conn_stream_send(struct conn *c, const char *data, size_t len);

#endif
