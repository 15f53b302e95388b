/* request.h - one HTTP request and its reply. See request.c.
 *
 * Nothing here knows what the server serves: the application's handler
 * gets a request (conn.h's http_settings.handle), reads its method, path,
 * query, headers and body, and answers exactly once with reply*(). */
#ifndef PASTED_HTTP_REQUEST_H
#define PASTED_HTTP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"

typedef enum method {
    M_GET, M_HEAD, M_POST, M_PUT, M_DELETE, M_OPTIONS, M_PATCH, M_OTHER
} method;

struct http_head;
struct evbuffer;

#define REPLY_MAX_HEADERS 24

/* One in-flight request. It lives in its connection's exchange (conn.c) and
 * is answered exactly once by reply*(), which ends it. */
typedef struct request {
    struct conn *conn;
    const http_settings *settings;
    void     *ctx;          /* the loop's application context (conns_new) */
    method    method;
    const char *method_name; /* as sent ("PATCH", "BREW"): for the log */
    uint64_t  start_ns;
    char     *path;         /* decoded path, NUL-terminated */
    char     *query;        /* raw query string or NULL */
    const struct http_head *head;  /* NULL for a request refused while parsing */
    struct evbuffer *body;  /* the complete request body (maybe empty) */
    int       n_out;        /* reply headers set so far; a later one wins */
    struct { const char *name; const char *value; } out[REPLY_MAX_HEADERS];
    size_t    arena_used;
    char      arena[2048];  /* reply header values; must stay the last member */
} request;

/* From conn.c: method, decoded path and query from the head (0 ok, -1 when
 * the path is bad); a request refused before it is handled. */
int  request_begin(request *r, const struct http_head *h);
void request_refuse(request *r, int status, const char *why, const struct http_head *partial);

/* Replies. Each sends once, logs one line and ends r. body (may be NULL)
 * is taken over. */
void reply(request *r, int status, const char *content_type, struct evbuffer *body);
void reply_text(request *r, int status, const char *line);  /* "line\n", text/plain */
/* An error, through the settings' render_error (text when it has none). */
void reply_error(request *r, int status, const char *message);
void reply_error_field(request *r, int status, const char *message, const char *field);
void reply_method_not_allowed(request *r, const char *allow);
/* Take the connection over (conn.h: a stream of events, a protocol
 * switch): sends the head with `status`, logs, and ends r; the connection
 * stays with t's owner. NULL when the client is already gone (t->on_close
 * has run). */
struct conn *reply_take_over(request *r, int status, const char *content_type,
                             const conn_takeover *t);

/* Headers. `name` must be a string constant; the value is copied. */
void        set_header(request *r, const char *name, const char *value);
const char *get_header(request *r, const char *name);

/* A query parameter (decoded, malloc'd) or NULL. */
char *query_param(request *r, const char *name);
/* The address of the connection's peer (a proxy, maybe: web/client.c). */
const netaddr *request_peer(const request *r);
/* The same with its decoded length, which tells a NUL byte (%00) in it from
 * the end: a caller that must refuse one compares it with strlen. */
char *query_param_n(request *r, const char *name, size_t *len);
/* Does the client ask for HTML (Accept names text/html)? */
int   wants_html(request *r);

#endif
