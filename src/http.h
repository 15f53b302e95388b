/* http.h - the request lifecycle and reply helpers. See http.c. */
#ifndef PASTED_HTTP_H
#define PASTED_HTTP_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

typedef enum method { M_GET, M_HEAD, M_POST, M_PUT, M_DELETE, M_OPTIONS, M_OTHER } method;

struct conn;
struct http_head;

#define REPLY_MAX_HEADERS 24

/* One in-flight request. It lives in its connection's exchange (conn.c) and
 * is answered exactly once by reply*(), which ends it. */
typedef struct request {
    struct conn *conn;
    worker   *w;
    method    method;
    uint64_t  start_ns;
    char     *path;         /* decoded path, NUL-terminated */
    char     *query;        /* raw query string or NULL */
    int       is_api;       /* errors as JSON */
    const struct http_head *head;  /* NULL for a request refused while parsing */
    struct evbuffer *body;  /* the complete request body (maybe empty) */
    int       n_out;        /* reply headers set so far; a later one wins */
    struct { const char *name; const char *value; } out[REPLY_MAX_HEADERS];
    size_t    arena_used;
    char      arena[2048];  /* reply header values; must stay the last member */
} request;

/* From conn.c: a request with a complete body, or one refused before routing. */
void http_handle(request *r);
void http_refuse(request *r, int status, const char *why, const struct http_head *partial);

/* Workers: bind every worker's listener (SO_REUSEPORT) and run the loops. */
int  http_start_workers(worker *workers, int n, char *err, size_t errlen);
void http_stop_loops(worker *workers, int n);   /* stop serving; loops exit */
void http_free_workers(worker *workers, int n); /* after the pool drained: finish and free */

/* Replies. Each sends once, logs one line and frees r. */
void reply(request *r, int status, const char *content_type, struct evbuffer *body);
void reply_text(request *r, int status, const char *line);  /* "line\n", text/plain */
void reply_error(request *r, int status, const char *message); /* text, or JSON under /api/ */
void reply_error_field(request *r, int status, const char *message, const char *field);
void reply_method_not_allowed(request *r, const char *allow);
/* A streaming reply (SSE): sends the head, logs, and ends r; the connection
 * stays for conn_stream_send() until on_close runs. NULL when the client is
 * already gone (on_close has run). */
struct conn *reply_stream(request *r, const char *content_type,
                          void (*on_close)(void *arg), void *arg);

/* Headers. `name` must be a string constant; the value is copied. */
void        set_header(request *r, const char *name, const char *value);
const char *get_header(request *r, const char *name);
void        set_html_security_headers(request *r);

/* The public base URL for links ("https://host"), no trailing slash. */
void base_url(request *r, char *out, size_t outlen);
/* A query parameter (decoded, malloc'd) or NULL. */
char *query_param(request *r, const char *name);
int   wants_html(request *r);

uint64_t now_ns(void);
int64_t  now_ms(void);

#endif
