/* http.c - workers, the request lifecycle, and replies.
 *
 * pasted runs N worker threads. Each owns an event_base, its own
 * SO_REUSEPORT listener on the shared port (the kernel spreads connections
 * across workers), its connections (conn.c), and an async Redis connection.
 * Nothing is shared between workers except the read-only server struct,
 * atomic counters, and the MongoDB pool.
 *
 * Request flow: conn.c reads and validates the head (httpparse.c) and the
 * body (bounded by max_paste_size as base64 plus form overhead; a larger
 * Content-Length is refused with 413 before the body is read; handlers check
 * the paste's own size), then calls http_handle(), which decodes the path and
 * hands the request to routes.c. Handlers answer exactly once through
 * reply*(): the status line, a Date cached per second, Content-Length and
 * the headers the handler set are formatted into one buffer and given to
 * conn.c together with the body, which goes out in the same writev. Then the
 * access log line is written and the request ends. Requests refused while
 * parsing (400, 408, 413, 431, 501, 505) take the same path through
 * http_refuse(), so they get the same one-line messages (JSON under /api/). */
#include "http.h"

#include <ctype.h>
#include <event2/event.h>
#include <event2/http.h>
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

#include "conn.h"
#include "events.h"
#include "hotcache.h"
#include "html.h"
#include "httpparse.h"
#include "log.h"
#include "looplag.h"
#include "views.h"
#include "routes.h"

/* The process-wide state (server.h): filled by main() before workers start. */
server srv;

static int n_workers_for_cache = 1; /* the hot-cache budget is split between workers */

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

static method method_of(const char *m)
{
    static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS" };
    for (int i = 0; i < M_OTHER; i++)
        if (strcmp(m, names[i]) == 0)   /* methods are case-sensitive */
            return (method)i;
    return M_OTHER;
}

static const char *method_name(method m)
{
    static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "OTHER" };
    return names[m];
}

static void request_end(request *r)
{
    free(r->path);
    free(r->query);
    r->path = r->query = NULL;
}

/* Method, decoded path and query from the head h; 0 when the path is bad. */
static int request_begin(request *r, const struct http_head *h)
{
    atomic_fetch_add_explicit(&srv.stats.requests, 1, memory_order_relaxed);
    if (!h) {
        r->method = M_OTHER;
        r->path = strdup("-");
        return 1;
    }
    r->method = method_of(h->method);
    size_t decoded_len = 0;
    /* decode_plus=0: '+' in a path is a plus */
    r->path = evhttp_uridecode(h->path, 0, &decoded_len);
    r->query = h->query ? strdup(h->query) : NULL;
    r->is_api = r->path && strncmp(r->path, "/api/", 5) == 0;
    if (!r->path || strlen(r->path) != decoded_len) {
        /* an encoded NUL in the path: nothing legitimate does that */
        if (!r->path)
            r->path = strdup("?");
        return 0;
    }
    return 1;
}

void http_handle(request *r)
{
    if (!request_begin(r, r->head)) {
        reply_error(r, 400, "bad request path");
        return;
    }
    route_request(r);
}

void http_refuse(request *r, int status, const char *why, const struct http_head *partial)
{
    request_begin(r, r->head ? r->head : partial);
    reply_error(r, status, why);
}

/* --- headers ------------------------------------------------------------ */

void set_header(request *r, const char *name, const char *value)
{
    size_t n = strlen(value) + 1;
    if (r->n_out == REPLY_MAX_HEADERS || n > sizeof r->arena - r->arena_used) {
        log_error("reply header %s dropped: no room", name);
        return;
    }
    char *copy = r->arena + r->arena_used;
    /* a header value never carries a line break: no header injection */
    for (size_t i = 0; i < n - 1; i++)
        copy[i] = (value[i] == '\r' || value[i] == '\n') ? ' ' : value[i];
    copy[n - 1] = '\0';
    r->arena_used += n;
    r->out[r->n_out].name = name;
    r->out[r->n_out].value = copy;
    r->n_out++;
}

const char *get_header(request *r, const char *name)
{
    return r->head ? http_find_header(r->head, name) : NULL;
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
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

/* "Tue, 24 Nov 2026 00:16:40 GMT", formatted once per second per thread */
static const char *http_date(void)
{
    static _Thread_local time_t last;
    static _Thread_local char text[40];
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        last = now;
    }
    return text;
}

static int header_overridden(const request *r, int i)
{
    for (int j = i + 1; j < r->n_out; j++)
        if (strcasecmp(r->out[j].name, r->out[i].name) == 0)
            return 1;
    return 0;
}

/* Status line and headers into buf; the length, or 0 if they do not fit. */
static size_t format_head(request *r, int status, int has_length, size_t length,
                          char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status,
                                reason_phrase(status), http_date());
    if (n < cap && has_length)
        n += (size_t)snprintf(buf + n, cap - n, "Content-Length: %zu\r\n", length);
    if (n < cap && !conn_keep_alive(r->conn))
        n += (size_t)snprintf(buf + n, cap - n, "Connection: close\r\n");
    else if (n < cap && conn_http_minor(r->conn) == 0)
        n += (size_t)snprintf(buf + n, cap - n, "Connection: keep-alive\r\n");
    for (int i = 0; i < r->n_out && n < cap; i++) {
        if (header_overridden(r, i))
            continue;
        size_t name_len = strlen(r->out[i].name), value_len = strlen(r->out[i].value);
        if (n + name_len + value_len + 4 >= cap)
            return 0;
        memcpy(buf + n, r->out[i].name, name_len);
        n += name_len;
        buf[n++] = ':';
        buf[n++] = ' ';
        memcpy(buf + n, r->out[i].value, value_len);
        n += value_len;
        buf[n++] = '\r';
        buf[n++] = '\n';
    }
    if (n + 2 >= cap)
        return 0;
    buf[n++] = '\r';
    buf[n++] = '\n';
    return n;
}

/* bytes < 0: a stream */
static void log_request(request *r, int status, long long bytes)
{
    if (bytes < 0)
        log_info("%s %s %d stream %lluus", method_name(r->method), r->path, status,
                 (unsigned long long)((now_ns() - r->start_ns) / 1000));
    else
        log_info("%s %s %d %lld %lluus", method_name(r->method), r->path, status, bytes,
                 (unsigned long long)((now_ns() - r->start_ns) / 1000));
}

void reply(request *r, int status, const char *content_type, struct evbuffer *body)
{
    size_t bytes = body ? evbuffer_get_length(body) : 0;
    if (content_type)
        set_header(r, "Content-Type", content_type);
    set_header(r, "X-Content-Type-Options", "nosniff");
    /* 204 and 304 carry no body and no length; HEAD says how long it would be */
    int bodiless = status == 204 || status == 304;
    char head[4096];
    size_t head_len = format_head(r, status, !bodiless, bytes, head, sizeof head);
    if (head_len == 0) {
        log_error("reply head for %s too large", r->path);
        r->n_out = 0;
        head_len = format_head(r, 500, 1, 0, head, sizeof head);
        bodiless = 1;
        status = 500;
    }
    int send_body = body && !bodiless && r->method != M_HEAD;
    log_request(r, status, (long long)bytes);
    request_end(r);
    conn_send_reply(r->conn, head, head_len, send_body ? body : NULL);
    if (body)
        evbuffer_free(body);
}

struct conn *reply_stream(request *r, const char *content_type,
                          void (*on_close)(void *arg), void *arg)
{
    set_header(r, "Content-Type", content_type);
    set_header(r, "X-Content-Type-Options", "nosniff");
    /* no length: the stream ends when the connection does */
    struct conn *c = r->conn;
    conn_will_close(c);
    char head[4096];
    size_t head_len = format_head(r, 200, 0, 0, head, sizeof head);
    log_request(r, 200, -1);
    request_end(r);
    return conn_start_stream(c, head, head_len, on_close, arg) == 0 ? c : NULL;
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

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    (void)l;
    (void)sa;
    (void)salen;
    conn_accept(arg, fd);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
    (void)l;
    (void)arg;
    /* EMFILE and friends: the pending connection waits in the backlog */
    log_warn("accept: %s", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
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
    w->listener = evconnlistener_new_bind(w->base, on_accept, w,
        LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
        4096, (struct sockaddr *)&ss, sslen);
    if (!w->listener) {
        snprintf(err, errlen, "cannot listen on %s: %s", addr,
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return -1;
    }
    evconnlistener_set_error_cb(w->listener, on_accept_error);
    /* Accepted sockets inherit TCP_NODELAY from the listener (Linux). Without
     * it, the last partial segment of a large reply waits for the client's
     * delayed ACK: 40 ms per 256 KiB paste. */
    int one = 1;
    setsockopt(evconnlistener_get_fd(w->listener), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}

static int worker_init(worker *w, char *err, size_t errlen)
{
    w->base = event_base_new();
    if (!w->base || conns_worker_init(w) != 0 || looplag_worker_init(w) != 0) {
        snprintf(err, errlen, "cannot create event loop");
        return -1;
    }
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
        evconnlistener_free(w->listener);
        conns_worker_free(w);           /* closes SSE streams: before events */
        events_worker_free(w);
        views_worker_free(w);
        looplag_worker_free(w);
        hotcache_free(w->hot);
        event_base_free(w->base);
    }
}
