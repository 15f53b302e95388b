/* http.c - workers, the request lifecycle, and replies.
 *
 * pasted runs N worker threads. Each owns an event_base, an evhttp server
 * bound to its own SO_REUSEPORT listener on the shared port (the kernel
 * spreads connections across workers), and an async Redis connection.
 * Nothing is shared between workers except the read-only server struct,
 * atomic counters, and the MongoDB pool.
 *
 * Request flow: evhttp parses the request line and headers (bounded by
 * max_header_size) and the body (bounded by max_paste_size as base64 plus
 * form overhead; larger Content-Lengths are refused with 413 before the body
 * is read; handlers check the paste's own size), then calls on_request(), which wraps it in a `request`, decodes
 * the path, and hands it to routes.c. Handlers answer exactly once through
 * reply*(), which add the common headers, send, write the access log line,
 * and free the request. */
#include "http.h"

#include <ctype.h>
#include <event2/event.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

#include "events.h"
#include "hotcache.h"
#include "html.h"
#include "log.h"
#include "views.h"
#include "routes.h"

/* The process-wide state (server.h): filled by main() before workers start. */
server srv;

static int n_workers_for_cache = 1; /* the hot-cache budget is split between workers */

/* room around a max-size paste: multipart framing, or base64 in the JSON API */
#define FORM_OVERHEAD (64 * 1024)
#define MAX_BODY(paste_max) ((paste_max) / 3 * 4 + 4 + FORM_OVERHEAD)

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static method method_of(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET: return M_GET;
    case EVHTTP_REQ_HEAD: return M_HEAD;
    case EVHTTP_REQ_POST: return M_POST;
    case EVHTTP_REQ_PUT: return M_PUT;
    case EVHTTP_REQ_DELETE: return M_DELETE;
    case EVHTTP_REQ_OPTIONS: return M_OPTIONS;
    default: return M_OTHER;
    }
}

static const char *method_name(method m)
{
    static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "OTHER" };
    return names[m];
}

static void request_free(request *r)
{
    free(r->path);
    free(r->query);
    free(r);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    worker *w = arg;
    request *r = calloc(1, sizeof *r);
    if (!r) {
        evhttp_send_error(req, 503, "Out of memory");
        return;
    }
    r->req = req;
    r->w = w;
    r->start_ns = now_ns();
    r->method = method_of(evhttp_request_get_command(req));
    atomic_fetch_add_explicit(&srv.stats.requests, 1, memory_order_relaxed);

    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    size_t decoded_len = 0;
    /* decode_plus=0: '+' in a path is a plus */
    r->path = evhttp_uridecode(raw_path && *raw_path ? raw_path : "/", 0, &decoded_len);
    r->query = query ? strdup(query) : NULL;
    r->is_api = r->path && strncmp(r->path, "/api/", 5) == 0;
    if (!r->path || strlen(r->path) != decoded_len) {
        /* an encoded NUL in the path: nothing legitimate does that */
        if (!r->path)
            r->path = strdup("?");
        reply_error(r, 400, "bad request path");
        return;
    }
    route_request(r);
}

/* --- headers ------------------------------------------------------------ */

void set_header(request *r, const char *name, const char *value)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    evhttp_remove_header(h, name);
    evhttp_add_header(h, name, value);
}

const char *get_header(request *r, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(r->req), name);
}

void set_html_security_headers(request *r)
{
    set_header(r, "Content-Security-Policy",
               "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    set_header(r, "X-Frame-Options", "DENY");
    set_header(r, "Referrer-Policy", "no-referrer");
}

int wants_html(request *r)
{
    const char *accept = get_header(r, "Accept");
    return accept && strstr(accept, "text/html") != NULL;
}

/* Host header characters we are willing to echo back into links. */
static int host_is_safe(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 255)
        return 0;
    for (const char *p = h; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]_", *p))
            return 0;
    return 1;
}

void base_url(request *r, char *out, size_t outlen)
{
    if (srv.cfg.public_url[0]) {
        snprintf(out, outlen, "%s", srv.cfg.public_url);
        size_t n = strlen(out);
        while (n > 0 && out[n - 1] == '/')
            out[--n] = '\0';
        return;
    }
    const char *host = get_header(r, "Host");
    if (host && host_is_safe(host))
        snprintf(out, outlen, "http://%s", host);
    else
        snprintf(out, outlen, "http://%s:%d", srv.cfg.listen, srv.cfg.port);
}

char *query_param(request *r, const char *name)
{
    if (!r->query)
        return NULL;
    struct evkeyvalq params;
    TAILQ_INIT(&params);
    if (evhttp_parse_query_str(r->query, &params) != 0) {
        evhttp_clear_headers(&params);
        return NULL;
    }
    const char *v = evhttp_find_header(&params, name);
    char *copy = v ? strdup(v) : NULL;
    evhttp_clear_headers(&params);
    return copy;
}

/* --- replies ------------------------------------------------------------ */

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

void reply(request *r, int status, const char *content_type, struct evbuffer *body)
{
    struct evbuffer *b = body ? body : evbuffer_new();
    size_t bytes = evbuffer_get_length(b);
    if (content_type)
        set_header(r, "Content-Type", content_type);
    set_header(r, "X-Content-Type-Options", "nosniff");
    if (r->method == M_HEAD) {
        /* evhttp drops the body of a HEAD reply; say how long it would be */
        char len[32];
        snprintf(len, sizeof len, "%zu", bytes);
        set_header(r, "Content-Length", len);
    }
    evhttp_send_reply(r->req, status, reason_phrase(status), b);
    if (!body)
        evbuffer_free(b);
    else
        evbuffer_free(body);
    log_info("%s %s %d %zu %lluus", method_name(r->method), r->path, status, bytes,
             (unsigned long long)((now_ns() - r->start_ns) / 1000));
    request_free(r);
}

void request_started_stream(request *r)
{
    log_info("%s %s 200 stream %lluus", method_name(r->method), r->path,
             (unsigned long long)((now_ns() - r->start_ns) / 1000));
    request_free(r);
}

void reply_text(request *r, int status, const char *line)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "%s\n", line);
    reply(r, status, "text/plain; charset=utf-8", b);
}

void reply_error_field(request *r, int status, const char *message, const char *field)
{
    if (status >= 500)
        log_warn("%s %s -> %d: %s", method_name(r->method), r->path, status, message);
    if (!r->is_api && wants_html(r) && strncmp(r->path, "/raw/", 5) != 0) {
        /* a person in a browser gets a page; the message is the same line */
        set_html_security_headers(r);
        reply(r, status, "text/html; charset=utf-8", html_error_page(status, message));
        return;
    }
    if (!r->is_api) {
        reply_text(r, status, message);
        return;
    }
    json_t *o = json_pack("{s:s}", "error", message);
    if (field)
        json_object_set_new(o, "field", json_string(field));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    struct evbuffer *b = evbuffer_new();
    if (s)
        evbuffer_add_printf(b, "%s\n", s);
    free(s);
    reply(r, status, "application/json", b);
}

void reply_error(request *r, int status, const char *message)
{
    reply_error_field(r, status, message, NULL);
}

void reply_method_not_allowed(request *r, const char *allow)
{
    set_header(r, "Allow", allow);
    char msg[128];
    snprintf(msg, sizeof msg, "method not allowed; use %s", allow);
    reply_error(r, 405, msg);
}

/* --- workers ------------------------------------------------------------ */

static void *worker_main(void *arg)
{
    worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

static int bind_listener(worker *w, char *err, size_t errlen)
{
    char addr[128];
    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    if (strchr(srv.cfg.listen, ':'))
        snprintf(addr, sizeof addr, "[%s]:%d", srv.cfg.listen, srv.cfg.port);
    else
        snprintf(addr, sizeof addr, "%s:%d", srv.cfg.listen, srv.cfg.port);
    if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) != 0) {
        snprintf(err, errlen, "cannot parse listen address %s", addr);
        return -1;
    }
    w->listener = evconnlistener_new_bind(w->base, NULL, NULL,
        LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
        4096, (struct sockaddr *)&ss, sslen);
    if (!w->listener) {
        snprintf(err, errlen, "cannot listen on %s: %s", addr,
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return -1;
    }
    /* Accepted sockets inherit TCP_NODELAY from the listener (Linux). Without
     * it, the last partial segment of a large reply waits for the client's
     * delayed ACK: 40 ms per 256 KiB paste. */
    int one = 1;
    setsockopt(evconnlistener_get_fd(w->listener), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!evhttp_bind_listener(w->http, w->listener)) {
        snprintf(err, errlen, "cannot attach http to listener on %s", addr);
        return -1;
    }
    return 0;
}

static int worker_init(worker *w, char *err, size_t errlen)
{
    w->base = event_base_new();
    w->http = w->base ? evhttp_new(w->base) : NULL;
    if (!w->http) {
        snprintf(err, errlen, "cannot create event loop");
        return -1;
    }
    const config *c = &srv.cfg;
    evhttp_set_max_headers_size(w->http, (ev_ssize_t)c->max_header_size);
    evhttp_set_max_body_size(w->http, (ev_ssize_t)MAX_BODY(c->max_paste_size));
    /* libevent 2.1 has one inactivity timeout per connection: it bounds an
     * idle keep-alive connection and any stall while reading headers or body. */
    evhttp_set_timeout(w->http, c->keepalive_timeout);
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST
        | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_default_content_type(w->http, "text/plain; charset=utf-8");
    /* drain an oversized body before answering 413, so the client sees the answer */
    evhttp_set_flags(w->http, EVHTTP_SERVER_LINGERING_CLOSE);
    evhttp_set_gencb(w->http, on_request, w);
    w->hot = hotcache_new(srv.cfg.hot_cache_size / (size_t)n_workers_for_cache, srv.cfg.hot_ttl_ms);
    w->redis = rconn_new(w->base, &srv.redis);
    if (!w->redis || events_worker_init(w) != 0 || views_worker_init(w) != 0) {
        snprintf(err, errlen, "cannot create redis connection");
        return -1;
    }
    return bind_listener(w, err, errlen);
}

int http_start_workers(worker *workers, int n, char *err, size_t errlen)
{
    n_workers_for_cache = n;
    for (int i = 0; i < n; i++) {
        workers[i].index = i;
        if (worker_init(&workers[i], err, errlen) != 0)
            return -1;
    }
    for (int i = 0; i < n; i++)
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
            snprintf(err, errlen, "cannot start worker thread");
            return -1;
        }
    return 0;
}

void http_stop_loops(worker *workers, int n)
{
    for (int i = 0; i < n; i++)
        event_base_loopexit(workers[i].base, NULL);
    for (int i = 0; i < n; i++)
        pthread_join(workers[i].thread, NULL);
}

void http_free_workers(worker *workers, int n)
{
    for (int i = 0; i < n; i++) {
        worker *w = &workers[i];
        /* completions of store jobs that finished after the loop stopped,
         * and the last batch of views, written out */
        event_base_loop(w->base, EVLOOP_NONBLOCK);
        views_flush_worker(w);
        event_base_loop(w->base, EVLOOP_NONBLOCK);
        /* pending Redis callbacks run now, with no reply: their requests get
         * answered while the connections still exist */
        rconn_free(w->redis);
        w->redis = NULL;
        event_base_loop(w->base, EVLOOP_NONBLOCK);
        evhttp_free(w->http);           /* closes SSE streams: before events */
        events_worker_free(w);
        views_worker_free(w);
        hotcache_free(w->hot);
        event_base_free(w->base);
    }
}
