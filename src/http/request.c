/* request.c - the request lifecycle and replies.
 *
 * conn.c reads and validates a request's head (parse.c) and its body
 * (bounded by the settings' max_body; a larger Content-Length is refused
 * with 413 before the body is read), then request_begin() decodes the path
 * and the settings' handle() gets the request. Handlers answer exactly once
 * through reply*(): the status line, a Date cached per second,
 * Content-Length and the headers the handler set are formatted into one
 * buffer and given to conn.c together with the body, which goes out in the
 * same writev. Then the access log line is written and the request ends.
 * Requests refused while parsing (400, 408, 413, 431, 501, 505) take the
 * same path through request_refuse(), so they get the same one-line
 * messages, in whatever format the application's render_error picks. */
#include "request.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>

#include "conn.h"
#include "core/clock.h"
#include "core/log.h"
#include "form.h"
#include "parse.h"

static method method_of(const char *m)
{
    static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH" };
    for (int i = 0; i < M_OTHER; i++)
        if (strcmp(m, names[i]) == 0)   /* methods are case-sensitive */
            return (method)i;
    return M_OTHER;
}

static void request_end(request *r)
{
    free(r->path);
    free(r->query);
    r->path = r->query = NULL;
}

int request_begin(request *r, const struct http_head *h)
{
    if (r->settings->requests)
        atomic_fetch_add_explicit(r->settings->requests, 1, memory_order_relaxed);
    if (!h) {
        r->method = M_OTHER;
        r->method_name = "-";
        r->path = strdup("-");
        return r->path ? 0 : -1;
    }
    r->method = method_of(h->method);
    r->method_name = h->method;
    size_t decoded_len = 0;
    /* decode_plus=0: '+' in a path is a plus */
    r->path = evhttp_uridecode(h->path, 0, &decoded_len);
    r->query = h->query ? strdup(h->query) : NULL;
    if (!r->path || strlen(r->path) != decoded_len || (h->query && !r->query)) {
        /* an encoded NUL in the path: nothing legitimate does that */
        if (!r->path)
            r->path = strdup("?");
        return -1;
    }
    return 0;
}

void request_refuse(request *r, int status, const char *why, const struct http_head *partial)
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

int wants_html(request *r)
{
    const char *accept = get_header(r, "Accept");
    return accept && strstr(accept, "text/html") != NULL;
}

char *query_param_n(request *r, const char *name, size_t *len)
{
    *len = 0;
    form f;
    if (!r->query || form_parse_urlencoded(r->query, strlen(r->query), &f) != 0) {
        char *v = query_param(r, name);   /* not a clean form: as lenient as ever */
        *len = v ? strlen(v) : 0;
        return v;
    }
    const form_field *field = form_get(&f, name);
    char *copy = field ? malloc(field->value_len + 1) : NULL;
    if (copy) {
        memcpy(copy, field->value, field->value_len);
        copy[field->value_len] = '\0';
        *len = field->value_len;
    }
    form_free(&f);
    return copy;
}

const netaddr *request_peer(const request *r)
{
    return conn_peer(r->conn);
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
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 302: return "Found";
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
    case 401: return "Unauthorized";
    case 451: return "Unavailable For Legal Reasons";
    case 507: return "Insufficient Storage";
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
    if (n < cap && !conn_keep_alive(r->conn) && status != 101)  /* 101: the handler names the protocol */
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
    const char *method = r->method_name ? r->method_name : "-";
    const char *path = r->path ? r->path : "-";
    if (bytes < 0)
        log_info("%s %s %d taken %lluus", method, path, status,
                 (unsigned long long)((now_ns() - r->start_ns) / 1000));
    else
        log_info("%s %s %d %lld %lluus", method, path, status, bytes,
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

struct conn *reply_take_over(request *r, int status, const char *content_type,
                             const conn_takeover *t)
{
    if (content_type)
        set_header(r, "Content-Type", content_type);
    set_header(r, "X-Content-Type-Options", "nosniff");
    /* no length: the stream ends when the connection does */
    struct conn *c = r->conn;
    conn_will_close(c);
    char head[4096];
    size_t head_len = format_head(r, status, 0, 0, head, sizeof head);
    log_request(r, status, -1);
    request_end(r);
    return conn_take_over(c, head, head_len, t) == 0 ? c : NULL;
}

void reply_text(request *r, int status, const char *line)
{
    struct evbuffer *b = evbuffer_new();
    if (b)
        evbuffer_add_printf(b, "%s\n", line);
    reply(r, status, "text/plain; charset=utf-8", b);
}

void reply_error_field(request *r, int status, const char *message, const char *field)
{
    if (status >= 500)
        log_warn("%s %s -> %d: %s", r->method_name ? r->method_name : "-", r->path ? r->path : "-",
                 status, message);
    if (r->settings->render_error)
        r->settings->render_error(r, status, message, field);
    else
        reply_text(r, status, message);
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
