/* test_http_layer.c — the HTTP layer (src/http/conn.c, request.c, router.c)
 * driven in-process, with no application: an event_base, a socketpair whose
 * server end goes to conn_accept(), raw request bytes written on the client
 * end, and the loop run (EVLOOP_NONBLOCK, bounded by a deadline) until the
 * reply has been read back. handle() is a small route table of test
 * handlers; render_error is a hook that counts its calls.
 *
 * Covers routing (exact, HEAD, 404, 405 + Allow, segment rules, quiet rows,
 * the owning row), refusals (400 through the hook and without it, %00 in a
 * path, 413 before the body, the request counter), replies (pipelined
 * keep-alive, Connection: close, header sanitising and overriding), the
 * takeover hook (echo incl. pipelined bytes, on_close exactly once on client
 * close / conn_close_taken / conns_free, on_data NULL discarding), replies
 * made later (after pipelined bytes, a half-close, a vanished client) and
 * chunked request bodies. The route table uses designated initializers so it
 * builds whether or not `route` has path_len (ROUTE_PATH). */
#include <criterion/criterion.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "http/conn.h"
#include "http/request.h"
#include "http/router.h"

/* ------------------------------------------------------------ fixture */

static struct {
    struct event_base *base;
    struct conns *cs;
    http_settings s;
    atomic_ullong requests;
} F;

/* what the handlers and hooks saw */
static int g_hook_calls, g_hook_status;
static char g_hook_msg[256];
static int g_nf_calls;
static int g_post_calls;
static void *g_last_ctx;
static int g_on_close, g_on_data;
static struct conn *g_taken;      /* the connection taken over, until on_close */
static int g_take_result_null;    /* reply_take_over returned NULL */

#define MAX_CLIENTS 8
struct client;
static struct client *g_clients[MAX_CLIENTS];   /* freed by teardown if a test fails */
static int g_n_clients;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ handlers */

static void reply_str(request *r, int status, const char *s)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, s, strlen(s));
    reply(r, status, "text/plain", b);
}

static void h_health(request *r, const char *rest) { (void)rest; reply_str(r, 200, "ok"); }

static void h_x_get(request *r, const char *rest)
{
    (void)rest;
    g_last_ctx = r->ctx;
    reply_str(r, 200, "x-get");
}

static void h_x_post(request *r, const char *rest)
{
    (void)rest;
    g_post_calls++;
    reply_str(r, 200, "x-post");
}

static void h_prefixed(request *r, const char *tag, const char *rest)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s:%s", tag, rest);
    reply_str(r, 200, buf);
}

static void h_seg(request *r, const char *rest) { h_prefixed(r, "seg", rest); }
static void h_api_del(request *r, const char *rest) { h_prefixed(r, "api-del", rest); }
static void h_api_thing(request *r, const char *rest) { (void)rest; reply_str(r, 200, "thing"); }
static void h_root(request *r, const char *rest) { h_prefixed(r, "root", rest); }

/* refuses a segment with a '!' (and accepts a '/', so only the router's
 * one-segment check keeps "/s/a/b" out) */
static int rule_no_bang(const char *rest) { return strchr(rest, '!') == NULL; }
static int g_root_rule_calls;
static int rule_anything(const char *rest) { (void)rest; g_root_rule_calls++; return 1; }

static void h_hdr(request *r, const char *rest)
{
    (void)rest;
    set_header(r, "X-Test", "a\r\nInjected: yes");
    set_header(r, "X-Lf", "b\nSet-Cookie: evil=1");
    set_header(r, "X-Dup", "first");
    set_header(r, "X-Dup", "second");
    reply_str(r, 200, "hdr");
}

static void h_body(request *r, const char *rest)
{
    (void)rest;
    size_t n = evbuffer_get_length(r->body);
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "len=%zu:", n);
    evbuffer_add(b, evbuffer_pullup(r->body, -1), n);
    reply(r, 200, "application/octet-stream", b);
}

/* takeover: echo, except "bye" which closes the taken connection */
static void echo_data(void *arg, struct evbuffer *in)
{
    (void)arg;
    g_on_data++;
    size_t n = evbuffer_get_length(in);
    char tmp[20000];
    cr_assert_leq(n, sizeof tmp);
    evbuffer_remove(in, tmp, n);
    if (n == 3 && memcmp(tmp, "bye", 3) == 0) {
        conn_close_taken(g_taken);   /* g_taken is gone after this */
        return;
    }
    cr_assert_not_null(g_taken);
    conn_send(g_taken, tmp, n);
}

static void taken_closed(void *arg)
{
    cr_assert_eq(arg, (void *)&g_taken);
    g_on_close++;
    g_taken = NULL;
}

static void h_echo(request *r, const char *rest)
{
    (void)rest;
    static const conn_takeover t = { echo_data, taken_closed, &g_taken };
    g_taken = r->conn;   /* before: on_data may run inside reply_take_over */
    if (!reply_take_over(r, 200, "text/plain", &t))
        g_take_result_null++;
}

static void h_discard(request *r, const char *rest)
{
    (void)rest;
    static const conn_takeover t = { NULL, taken_closed, &g_taken };
    g_taken = r->conn;
    if (!reply_take_over(r, 200, "text/plain", &t))
        g_take_result_null++;
}

/* takeover: echoes whole lines only, leaving a partial line in `in` for
 * the next call ("drain what it uses", conn.h) */
static void line_data(void *arg, struct evbuffer *in)
{
    (void)arg;
    g_on_data++;
    size_t len = 0;
    char *line;
    while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
        char out[512];
        int n = snprintf(out, sizeof out, "<%s>", line);
        free(line);
        conn_send(g_taken, out, (size_t)n);
    }
}

static void h_lines(request *r, const char *rest)
{
    (void)rest;
    static const conn_takeover t = { line_data, taken_closed, &g_taken };
    g_taken = r->conn;
    if (!reply_take_over(r, 200, "text/plain", &t))
        g_take_result_null++;
}

/* answers later: the test replies through g_pending */
static request *g_pending;
static void h_later(request *r, const char *rest)
{
    (void)rest;
    g_pending = r;
}

/* designated: works whether or not `route` carries path_len (ROUTE_PATH) */
#ifdef ROUTE_PATH
#define RT_PATH(lit) .path = (lit), .path_len = sizeof(lit) - 1
#else
#define RT_PATH(lit) .path = (lit)
#endif
#define ROW(lit, how, meth, rul, fn, q) \
    { RT_PATH(lit), .match = (how), .methods = (meth), .rule = (rul), .handler = (fn), .quiet = (q) }

static const route routes[] = {
    ROW("/lines", ROUTE_EXACT, METHODS_READ, NULL, h_lines, 0),
    ROW("/later", ROUTE_EXACT, METHODS_READ, NULL, h_later, 0),
    ROW("/healthz", ROUTE_EXACT, METHODS_READ, NULL, h_health, 0),
    ROW("/x", ROUTE_EXACT, METHODS_READ, NULL, h_x_get, 0),
    ROW("/x", ROUTE_EXACT, METHOD_BIT(M_POST), NULL, h_x_post, 0),
    ROW("/hdr", ROUTE_EXACT, METHODS_READ, NULL, h_hdr, 0),
    ROW("/body", ROUTE_EXACT, METHOD_BIT(M_POST), NULL, h_body, 0),
    ROW("/echo", ROUTE_EXACT, METHODS_READ, NULL, h_echo, 0),
    ROW("/discard", ROUTE_EXACT, METHODS_READ, NULL, h_discard, 0),
    ROW("/s/", ROUTE_SEGMENT, METHODS_READ, rule_no_bang, h_seg, 0),
    ROW("/api/", ROUTE_PREFIX, METHOD_BIT(M_DELETE), NULL, h_api_del, 1),
    ROW("/api/thing", ROUTE_EXACT, METHODS_READ, NULL, h_api_thing, 0),
    ROW("/", ROUTE_SEGMENT, METHOD_BIT(M_PUT) | METHOD_BIT(M_DELETE), rule_anything, h_root, 0),
};

static void not_found(request *r)
{
    g_nf_calls++;
    reply_text(r, 404, "nf");
}

static const router g_router = { routes, sizeof routes / sizeof routes[0], not_found };

static void handle(request *r) { router_dispatch(&g_router, r); }

static void render_hook(request *r, int status, const char *message, const char *field)
{
    (void)field;
    g_hook_calls++;
    g_hook_status = status;
    snprintf(g_hook_msg, sizeof g_hook_msg, "%s", message);
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "hook %d %s", status, message);
    reply(r, status, "text/x-hook", b);
}

static void setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    log_set_level(LOG_ERROR);
    g_hook_calls = g_hook_status = g_nf_calls = g_post_calls = 0;
    g_on_close = g_on_data = g_take_result_null = g_root_rule_calls = 0;
    g_hook_msg[0] = '\0';
    g_last_ctx = NULL;
    g_taken = NULL;
    g_pending = NULL;
    g_n_clients = 0;
    atomic_init(&F.requests, 0);
    F.s = (http_settings){
        .max_header_size = 8192,
        .max_body = 1000,
        .header_timeout = 10,
        .body_timeout = 10,
        .keepalive_timeout = 10,
        .handle = handle,
        .render_error = render_hook,
        .requests = &F.requests,
    };
    F.base = event_base_new();
    cr_assert_not_null(F.base);
    F.cs = conns_new(F.base, &F.s, &F);
    cr_assert_not_null(F.cs);
}

static void client_free(struct client *c);

static void teardown(void)
{
    for (int i = 0; i < g_n_clients; i++)
        if (g_clients[i])
            client_free(g_clients[i]);
    if (F.cs)
        conns_free(F.cs);
    F.cs = NULL;
    if (F.base)
        event_base_free(F.base);
    F.base = NULL;
}

TestSuite(http_layer, .init = setup, .fini = teardown, .timeout = 10);

/* ------------------------------------------------------------ client side */

typedef struct client {
    int fd;           /* our end */
    int sfd;          /* the server's end (owned by conn.c once accepted) */
    int slot;
    int eof;
    size_t len, off;  /* bytes read; bytes already parsed as replies */
    char buf[1 << 17];
} client;

static client *client_new(void)
{
    cr_assert_lt(g_n_clients, MAX_CLIENTS);
    client *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    c->fd = sv[0];
    c->sfd = sv[1];
    c->slot = g_n_clients++;
    g_clients[c->slot] = c;
    conn_accept(F.cs, c->sfd, NULL);
    return c;
}

/* close our end (the server sees EOF) */
static void client_close(client *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

static void client_free(client *c)
{
    client_close(c);
    g_clients[c->slot] = NULL;
    free(c);
}

static void client_read(client *c)
{
    while (c->fd >= 0 && !c->eof && c->len < sizeof c->buf) {
        ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
        if (n > 0) {
            c->len += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        c->eof = 1;   /* 0, or a reset */
    }
}

/* Runs the loop and reads c until done(c, arg) or ms pass. 1 when done. */
static int pump(client *c, int (*done)(client *, void *), void *arg, int ms)
{
    int64_t deadline = now_ms() + ms;
    for (;;) {
        event_base_loop(F.base, EVLOOP_NONBLOCK);
        if (c)
            client_read(c);
        if (done && done(c, arg))
            return 1;
        if (now_ms() >= deadline)
            return 0;
        if (c && c->fd >= 0) {
            struct pollfd p = { .fd = c->fd, .events = POLLIN };
            poll(&p, 1, 1);
        } else {
            usleep(1000);
        }
    }
}

static void settle(client *c, int ms) { pump(c, NULL, NULL, ms); }

static void client_send(client *c, const char *data, size_t len)
{
    int64_t deadline = now_ms() + 2000;
    while (len > 0) {
        ssize_t n = write(c->fd, data, len);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        cr_assert(n < 0 && errno == EAGAIN, "write: %s", strerror(errno));
        cr_assert_lt(now_ms(), deadline, "client write stalled");
        settle(c, 2);
    }
}

#define SEND(c, lit) client_send((c), (lit), sizeof(lit) - 1)

static int is_eof(client *c, void *arg) { (void)arg; return c->eof; }

static void wait_eof(client *c)
{
    cr_assert(pump(c, is_eof, NULL, 2000), "the server did not close the connection");
}

/* ------------------------------------------------------------ replies */

typedef struct resp {
    int  status;
    char head[4096];          /* status line and headers, NUL-terminated */
    long content_length;      /* -1: none */
    char body[16384];
    size_t body_len;
} resp;

/* The value of header `name` (the last one) into out; the number of times it occurs. */
static int resp_header(const resp *r, const char *name, char *out, size_t outlen)
{
    int count = 0;
    size_t nlen = strlen(name);
    const char *p = strstr(r->head, "\r\n");
    while (p && p[2] != '\r') {
        const char *line = p + 2;
        const char *eol = strstr(line, "\r\n");
        if (!eol)
            break;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            count++;
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            if (out) {
                size_t vl = (size_t)(eol - v);
                cr_assert_lt(vl, outlen);
                memcpy(out, v, vl);
                out[vl] = '\0';
            }
        }
        p = eol;
    }
    return count;
}

/* A complete reply at buf[0..len): its size, or 0 while incomplete.
 * head_only: the reply to HEAD, or a taken connection's head. */
static size_t parse_resp(const char *buf, size_t len, int head_only, resp *out)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t hl = (size_t)(end - buf) + 4;
    cr_assert_lt(hl, sizeof out->head);
    memcpy(out->head, buf, hl);
    out->head[hl] = '\0';
    cr_assert_eq(sscanf(out->head, "HTTP/1.1 %d ", &out->status), 1, "bad status line: %s", out->head);
    char v[64];
    out->content_length = resp_header(out, "Content-Length", v, sizeof v) ? strtol(v, NULL, 10) : -1;
    size_t bl = (!head_only && out->content_length > 0) ? (size_t)out->content_length : 0;
    cr_assert_lt(bl, sizeof out->body);
    if (len - hl < bl)
        return 0;
    memcpy(out->body, buf + hl, bl);
    out->body[bl] = '\0';
    out->body_len = bl;
    return hl + bl;
}

typedef struct want_resp { int head_only; resp *r; size_t got; } want_resp;

static int have_resp(client *c, void *arg)
{
    want_resp *w = arg;
    w->got = parse_resp(c->buf + c->off, c->len - c->off, w->head_only, w->r);
    return w->got > 0;
}

/* The next reply on c (waits for it, bounded). */
static void next_resp_mode(client *c, resp *r, int head_only)
{
    want_resp w = { head_only, r, 0 };
    cr_assert(pump(c, have_resp, &w, 2000), "no complete reply; got %zu bytes: %.*s",
              c->len - c->off, (int)(c->len - c->off), c->buf + c->off);
    c->off += w.got;
}

static void next_resp(client *c, resp *r) { next_resp_mode(c, r, 0); }

/* The bytes after the last parsed reply: waits for n of them. */
typedef struct want_bytes { size_t n; } want_bytes;
static int have_bytes(client *c, void *arg) { return c->len - c->off >= ((want_bytes *)arg)->n; }

static void expect_raw(client *c, const char *lit)
{
    size_t n = strlen(lit);
    want_bytes w = { n };
    cr_assert(pump(c, have_bytes, &w, 2000), "waited for \"%s\"; got %zu bytes", lit, c->len - c->off);
    cr_assert_eq(memcmp(c->buf + c->off, lit, n), 0, "got \"%.*s\", want \"%s\"", (int)n,
                 c->buf + c->off, lit);
    c->off += n;
}

/* Nothing more arrives for a while. */
static void expect_silence(client *c, int ms)
{
    settle(c, ms);
    cr_assert_eq(c->len, c->off, "unexpected bytes: %.*s", (int)(c->len - c->off), c->buf + c->off);
}

/* One request on a fresh connection, one reply. */
static void roundtrip(const char *req, resp *r)
{
    client *c = client_new();
    client_send(c, req, strlen(req));
    next_resp(c, r);
    client_free(c);
}

static void expect_header(const resp *r, const char *name, const char *want)
{
    char v[512];
    int n = resp_header(r, name, v, sizeof v);
    cr_assert_eq(n, 1, "header %s occurs %d times in:\n%s", name, n, r->head);
    cr_assert_str_eq(v, want, "header %s", name);
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: t\r\n\r\n"

static int conns_zero(client *c, void *arg) { (void)c; (void)arg; return conns_count(F.cs) == 0; }

static void wait_no_conns(client *c)
{
    cr_assert(pump(c, conns_zero, NULL, 2000), "%zu connections left", conns_count(F.cs));
}

/* ============================================================ 1. router */

Test(http_layer, exact_route_answers_200_with_body)
{
    resp r;
    roundtrip(GET("/x"), &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "x-get");
    expect_header(&r, "Content-Length", "5");
    expect_header(&r, "Content-Type", "text/plain");
    cr_assert_eq(g_last_ctx, (void *)&F, "request.ctx is the conns_new ctx");
    cr_assert_eq(g_nf_calls, 0);
    cr_assert_eq(g_hook_calls, 0);
}

Test(http_layer, head_of_get_route_has_length_but_no_body)
{
    client *c = client_new();
    SEND(c, "HEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    resp r;
    next_resp_mode(c, &r, 1);
    cr_assert_eq(r.status, 200);
    expect_header(&r, "Content-Length", "5");
    expect_header(&r, "Connection", "close");
    wait_eof(c);
    cr_assert_eq(c->len, c->off, "HEAD got %zu body bytes: %.*s", c->len - c->off,
                 (int)(c->len - c->off), c->buf + c->off);
    client_free(c);
}

Test(http_layer, unknown_path_is_router_not_found)
{
    resp r;
    roundtrip(GET("/no/such/path"), &r);
    cr_assert_eq(r.status, 404);
    cr_assert_str_eq(r.body, "nf\n");
    cr_assert_eq(g_nf_calls, 1);
    cr_assert_eq(g_hook_calls, 0, "a 404 from not_found is the application's, not render_error");
}

Test(http_layer, wrong_method_is_405_with_allow_of_all_rows_of_path)
{
    resp r;
    roundtrip("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &r);
    cr_assert_eq(r.status, 405);
    expect_header(&r, "Allow", "GET, HEAD, POST");
    cr_assert_eq(g_hook_calls, 1);
    cr_assert_eq(g_hook_status, 405);
    cr_assert_str_eq(g_hook_msg, "method not allowed; use GET, HEAD, POST");
    cr_assert_eq(g_nf_calls, 0);

    /* and the second row of the path does take its method */
    roundtrip("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "x-post");
    cr_assert_eq(g_post_calls, 1);
}

Test(http_layer, segment_rule_decides)
{
    resp r;
    roundtrip(GET("/s/abc123"), &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "seg:abc123");

    roundtrip(GET("/s/bad!"), &r);   /* the rule refuses it */
    cr_assert_eq(r.status, 404);
    cr_assert_eq(g_nf_calls, 1);

    roundtrip(GET("/s/ab/cd"), &r);  /* two segments: the row does not take it */
    cr_assert_eq(r.status, 404);
    cr_assert_eq(g_nf_calls, 2);

    roundtrip(GET("/s/"), &r);       /* no segment at all */
    cr_assert_eq(r.status, 404);
    cr_assert_eq(g_nf_calls, 3);
}

Test(http_layer, quiet_row_does_not_own_its_path)
{
    resp r;
    /* the quiet DELETE /api/ prefix row is there and works */
    roundtrip("DELETE /api/zzz HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "api-del:zzz");

    /* a GET it does not take: later rows decide */
    roundtrip(GET("/api/thing"), &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "thing");

    roundtrip(GET("/api/other"), &r);
    cr_assert_eq(r.status, 404, "a quiet row gave a %d", r.status);
    cr_assert_eq(g_nf_calls, 1);

    /* the 405 of /api/thing names its own row only */
    roundtrip("PUT /api/thing HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &r);
    cr_assert_eq(r.status, 405);
    expect_header(&r, "Allow", "GET, HEAD");
}

Test(http_layer, first_row_owning_path_decides_allow)
{
    resp r;
    /* the "/" SEGMENT row (PUT, DELETE) would take "healthz": it adds nothing */
    roundtrip("POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &r);
    cr_assert_eq(r.status, 405);
    expect_header(&r, "Allow", "GET, HEAD");

    roundtrip("DELETE /healthz HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    cr_assert_eq(r.status, 405, "a later row took /healthz: %s", r.body);
    expect_header(&r, "Allow", "GET, HEAD");
    cr_assert_eq(g_root_rule_calls, 0, "rows after the owner are not even tried");

    /* while that row does answer paths nobody owns */
    roundtrip("DELETE /abc HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "root:abc");
    roundtrip(GET("/abc"), &r);
    cr_assert_eq(r.status, 405);
    expect_header(&r, "Allow", "PUT, DELETE");
}

/* ============================================================ 2. errors */

Test(http_layer, malformed_request_line_goes_through_render_error)
{
    client *c = client_new();
    SEND(c, "GARBAGE\r\n\r\n");
    resp r;
    next_resp(c, &r);
    cr_assert_eq(r.status, 400);
    cr_assert_eq(g_hook_calls, 1);
    cr_assert_eq(g_hook_status, 400);
    cr_assert_str_eq(g_hook_msg, "malformed request line");
    cr_assert_str_eq(r.body, "hook 400 malformed request line");
    expect_header(&r, "Content-Type", "text/x-hook");
    expect_header(&r, "Connection", "close");
    wait_eof(c);   /* a refused request closes the connection */
    cr_assert_eq(c->len, c->off);
    client_free(c);
}

Test(http_layer, malformed_request_line_without_hook_is_one_text_line)
{
    F.s.render_error = NULL;
    client *c = client_new();
    SEND(c, "GARBAGE\r\n\r\n");
    resp r;
    next_resp(c, &r);
    cr_assert_eq(r.status, 400);
    cr_assert_eq(strncmp(r.head, "HTTP/1.1 400 Bad Request\r\n", 26), 0, "%s", r.head);
    expect_header(&r, "Content-Type", "text/plain; charset=utf-8");
    cr_assert_str_eq(r.body, "malformed request line\n");
    cr_assert_eq(g_hook_calls, 0);
    wait_eof(c);
    client_free(c);
}

Test(http_layer, encoded_nul_in_path_is_400)
{
    resp r;
    roundtrip(GET("/x%00y"), &r);
    cr_assert_eq(r.status, 400);
    cr_assert_eq(g_hook_calls, 1);
    cr_assert_str_eq(g_hook_msg, "bad request path");
    cr_assert_eq(g_nf_calls, 0, "the router must not see it");

    F.s.render_error = NULL;
    roundtrip(GET("/x%00"), &r);
    cr_assert_eq(r.status, 400);
    cr_assert_str_eq(r.body, "bad request path\n");
}

Test(http_layer, body_over_max_body_is_413_before_the_body)
{
    client *c = client_new();
    /* only the head: the reply must not wait for the 1 MB */
    SEND(c, "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n");
    resp r;
    next_resp(c, &r);
    cr_assert_eq(r.status, 413);
    cr_assert_eq(g_hook_calls, 1);
    cr_assert_eq(g_hook_status, 413);
    cr_assert_str_eq(g_hook_msg, "request body too large");
    cr_assert_eq(g_post_calls, 0);
    wait_eof(c);
    client_free(c);

    /* exactly max_body is fine */
    char req[2048];
    int n = snprintf(req, sizeof req, "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n");
    memset(req + n, 'b', 1000);
    req[n + 1000] = '\0';
    roundtrip(req, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(strncmp(r.body, "len=1000:bbb", 12), 0);
}

Test(http_layer, request_counter_counts_every_request)
{
    resp r;
    client *c = client_new();
    SEND(c, GET("/x") GET("/no/such") "HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n");
    next_resp(c, &r);
    cr_assert_eq(r.status, 200);
    next_resp(c, &r);
    cr_assert_eq(r.status, 404);
    next_resp_mode(c, &r, 1);
    cr_assert_eq(r.status, 200);
    client_free(c);
    cr_assert_eq(atomic_load(&F.requests), 3);

    roundtrip("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 99999\r\n\r\n", &r);
    cr_assert_eq(r.status, 413);
    roundtrip("GARBAGE\r\n\r\n", &r);
    cr_assert_eq(r.status, 400);
    roundtrip("GET /x HTTP/2.0\r\nHost: t\r\n\r\n", &r);
    cr_assert_eq(r.status, 505);
    roundtrip(GET("/a%00"), &r);
    cr_assert_eq(r.status, 400);
    roundtrip("PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &r);
    cr_assert_eq(r.status, 405);
    cr_assert_eq(atomic_load(&F.requests), 8);

    c = client_new();   /* a taken connection's request counts too */
    SEND(c, GET("/discard"));
    next_resp_mode(c, &r, 1);
    client_free(c);
    cr_assert_eq(atomic_load(&F.requests), 9);
}

/* ============================================================ 3. replies */

Test(http_layer, keep_alive_pipelined_requests_answer_in_order)
{
    client *c = client_new();
    SEND(c, GET("/x") GET("/healthz"));
    resp r;
    next_resp(c, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "x-get");
    cr_assert_eq(resp_header(&r, "Connection", NULL, 0), 0, "HTTP/1.1 keep-alive needs no header");
    next_resp(c, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "ok");
    expect_silence(c, 20);
    cr_assert(!c->eof, "the connection must stay open");
    cr_assert_eq(conns_count(F.cs), 1);

    /* and it takes another request later */
    SEND(c, GET("/s/later"));
    next_resp(c, &r);
    cr_assert_str_eq(r.body, "seg:later");
    cr_assert(!c->eof);
    client_close(c);
    wait_no_conns(c);
    client_free(c);
}

Test(http_layer, connection_close_closes_after_reply)
{
    client *c = client_new();
    SEND(c, "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" GET("/healthz"));
    resp r;
    next_resp(c, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "x-get");
    expect_header(&r, "Connection", "close");
    wait_eof(c);
    cr_assert_eq(c->len, c->off, "nothing after the reply, not even the pipelined request's");
    client_close(c);
    wait_no_conns(c);
    client_free(c);
}

Test(http_layer, http10_keep_alive_says_so)
{
    client *c = client_new();
    SEND(c, "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    resp r;
    next_resp(c, &r);
    expect_header(&r, "Connection", "keep-alive");
    SEND(c, "GET /x HTTP/1.0\r\n\r\n");
    next_resp(c, &r);
    expect_header(&r, "Connection", "close");
    wait_eof(c);
    client_free(c);
}

Test(http_layer, set_header_sanitises_and_last_wins)
{
    resp r;
    roundtrip(GET("/hdr"), &r);
    cr_assert_eq(r.status, 200);
    expect_header(&r, "X-Test", "a  Injected: yes");
    expect_header(&r, "X-Lf", "b Set-Cookie: evil=1");
    cr_assert_eq(resp_header(&r, "Injected", NULL, 0), 0, "header injection:\n%s", r.head);
    cr_assert_eq(resp_header(&r, "Set-Cookie", NULL, 0), 0, "header injection:\n%s", r.head);
    expect_header(&r, "X-Dup", "second");
    cr_assert_null(strstr(r.head, "first"), "%s", r.head);
    cr_assert_str_eq(r.body, "hdr");
    /* every header line ends in CRLF: no bare LF anywhere in the head */
    for (const char *p = r.head; (p = strchr(p, '\n')) != NULL; p++)
        cr_assert_eq(p[-1], '\r', "bare LF in head:\n%s", r.head);
}

/* ============================================================ 4. takeover */

Test(http_layer, takeover_echoes_pipelined_and_later_bytes)
{
    client *c = client_new();
    SEND(c, GET("/echo") "hello");
    resp r;
    next_resp_mode(c, &r, 1);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.content_length, -1, "a stream has no length");
    expect_header(&r, "Connection", "close");
    expect_header(&r, "Content-Type", "text/plain");
    expect_raw(c, "hello");
    cr_assert_eq(g_take_result_null, 0);

    SEND(c, "world");
    expect_raw(c, "world");
    SEND(c, "again");
    expect_raw(c, "again");
    cr_assert_eq(g_on_close, 0);
    cr_assert_eq(conns_count(F.cs), 1);

    client_close(c);
    wait_no_conns(c);
    cr_assert_eq(g_on_close, 1);
    settle(c, 20);
    cr_assert_eq(g_on_close, 1, "on_close ran again");
    conns_free(F.cs);
    F.cs = NULL;
    cr_assert_eq(g_on_close, 1, "on_close ran again in conns_free");
    client_free(c);
}

Test(http_layer, takeover_close_taken_runs_on_close_once)
{
    client *c = client_new();
    SEND(c, GET("/echo"));
    resp r;
    next_resp_mode(c, &r, 1);
    cr_assert_eq(r.status, 200);
    SEND(c, "ping");
    expect_raw(c, "ping");
    cr_assert_not_null(g_taken);

    conn_close_taken(g_taken);   /* from outside any callback, like a timer */
    cr_assert_eq(g_on_close, 1);
    cr_assert_null(g_taken);
    wait_eof(c);
    cr_assert_eq(c->len, c->off);
    cr_assert_eq(conns_count(F.cs), 0);
    settle(c, 20);
    conns_free(F.cs);
    F.cs = NULL;
    cr_assert_eq(g_on_close, 1);
    client_free(c);
}

Test(http_layer, takeover_close_taken_inside_on_data)
{
    client *c = client_new();
    SEND(c, GET("/echo"));
    resp r;
    next_resp_mode(c, &r, 1);
    SEND(c, "bye");
    wait_eof(c);
    cr_assert_eq(c->len, c->off);
    cr_assert_eq(g_on_close, 1);
    wait_no_conns(c);
    client_free(c);
}

Test(http_layer, takeover_close_taken_on_pipelined_bytes)
{
    /* the bytes after the head make on_data close the connection while
     * reply_take_over is still running: it says so, on_close runs once */
    client *c = client_new();
    SEND(c, GET("/echo") "bye");
    resp r;
    next_resp_mode(c, &r, 1);
    cr_assert_eq(r.status, 200);
    wait_eof(c);
    cr_assert_eq(c->len, c->off);
    cr_assert_eq(g_on_close, 1);
    cr_assert_eq(g_take_result_null, 1, "reply_take_over must return NULL when on_close ran");
    wait_no_conns(c);
    client_free(c);
}

Test(http_layer, takeover_without_on_data_discards_input)
{
    client *c = client_new();
    SEND(c, GET("/discard") "pipelined junk");
    resp r;
    next_resp_mode(c, &r, 1);
    cr_assert_eq(r.status, 200);

    static char junk[32768];
    memset(junk, 'j', sizeof junk);
    client_send(c, junk, sizeof junk);
    /* the server reads and drops it: nothing waits in its socket */
    int64_t deadline = now_ms() + 2000;
    int pending = -1;
    while (now_ms() < deadline) {
        settle(c, 5);
        cr_assert_eq(ioctl(c->sfd, FIONREAD, &pending), 0);
        if (pending == 0)
            break;
    }
    cr_assert_eq(pending, 0, "%d bytes never read", pending);
    expect_silence(c, 20);
    cr_assert_eq(g_on_close, 0);
    cr_assert(!c->eof);

    client_close(c);
    wait_no_conns(c);
    cr_assert_eq(g_on_close, 1);
    client_free(c);
}

Test(http_layer, conns_free_closes_taken_connection)
{
    client *c = client_new();
    SEND(c, GET("/echo"));
    resp r;
    next_resp_mode(c, &r, 1);
    SEND(c, "x");
    expect_raw(c, "x");
    cr_assert_eq(g_on_close, 0);

    conns_free(F.cs);
    F.cs = NULL;
    cr_assert_eq(g_on_close, 1);
    cr_assert_null(g_taken);
    wait_eof(c);
    client_free(c);
}

/* more pipelined requests than the input buffer holds arrive while one is
 * being handled: reading pauses, then every one is answered, in order */
Test(http_layer, pipelined_burst_past_buffer_while_handling)
{
    enum { N = 400 };
    client *c = client_new();
    SEND(c, GET("/later"));
    static char burst[N * 64];
    size_t len = 0;
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(burst + len, sizeof burst - len, GET("/s/n%d"), i);
    cr_assert_gt(len, F.s.max_header_size);
    client_send(c, burst, len);
    settle(c, 20);
    cr_assert_not_null(g_pending);
    cr_assert_eq(c->len, 0);
    reply_str(g_pending, 200, "first");
    g_pending = NULL;
    resp r;
    next_resp(c, &r);
    cr_assert_str_eq(r.body, "first");
    for (int i = 0; i < N; i++) {
        char want[32];
        snprintf(want, sizeof want, "seg:n%d", i);
        next_resp(c, &r);
        cr_assert_str_eq(r.body, want);
    }
    expect_silence(c, 10);
    cr_assert_eq(atomic_load(&F.requests), N + 1);
    client_free(c);
}

/* the client sends its request and shuts down its side: it still gets the reply */
Test(http_layer, half_closed_client_gets_reply)
{
    client *c = client_new();
    SEND(c, GET("/x"));
    shutdown(c->fd, SHUT_WR);
    resp r;
    next_resp(c, &r);
    cr_assert_str_eq(r.body, "x-get");
    wait_eof(c);
    wait_no_conns(c);
    client_free(c);
}

Test(http_layer, half_closed_client_gets_deferred_reply)
{
    client *c = client_new();
    SEND(c, GET("/later"));
    shutdown(c->fd, SHUT_WR);
    settle(c, 20);
    cr_assert_not_null(g_pending);
    reply_str(g_pending, 200, "late");
    g_pending = NULL;
    resp r;
    next_resp(c, &r);
    cr_assert_str_eq(r.body, "late");
    expect_header(&r, "Connection", "close");
    wait_eof(c);
    wait_no_conns(c);
    client_free(c);
}

/* conn.h: on_data should "drain what it uses"; bytes it leaves belong to
 * the next call (a protocol frame split across reads).
 * BUG (src/http/conn.c, read_taken and hand_over_buffered): each call gets a
 * fresh evbuffer that is freed right after it, so whatever on_data leaves is
 * lost: this gets "<o><ee>" instead of "<one><two><three>". Disabled until
 * conn.c keeps the undrained input; enable it then. */
Test(http_layer, takeover_keeps_undrained_input)
{
    client *c = client_new();
    SEND(c, GET("/lines") "one\ntw");
    resp r;
    next_resp_mode(c, &r, 1);
    expect_raw(c, "<one>");
    SEND(c, "o\nthr");
    settle(c, 10);
    SEND(c, "ee\n");
    expect_raw(c, "<two><three>");
    client_free(c);
}

Test(http_layer, deferred_reply_then_pipelined_request)
{
    client *c = client_new();
    SEND(c, GET("/later") GET("/x"));
    settle(c, 20);
    cr_assert_not_null(g_pending);
    cr_assert_eq(c->len, 0, "nothing before the first reply");
    reply_str(g_pending, 200, "late");
    g_pending = NULL;
    resp r;
    next_resp(c, &r);
    cr_assert_str_eq(r.body, "late");
    next_resp(c, &r);
    cr_assert_str_eq(r.body, "x-get");
    cr_assert(!c->eof);
    client_free(c);
}

Test(http_layer, deferred_reply_after_client_left)
{
    client *c = client_new();
    SEND(c, GET("/later"));
    settle(c, 20);
    cr_assert_not_null(g_pending);
    client_close(c);
    settle(c, 20);
    cr_assert_eq(conns_count(F.cs), 1, "a request being handled keeps its connection");
    reply_str(g_pending, 200, "late");   /* must not touch freed memory */
    g_pending = NULL;
    wait_no_conns(c);
    client_free(c);
}

Test(http_layer, deferred_takeover_after_client_left)
{
    client *c = client_new();
    SEND(c, GET("/later"));
    settle(c, 20);
    cr_assert_not_null(g_pending);
    client_close(c);
    settle(c, 20);
    static const conn_takeover t = { echo_data, taken_closed, &g_taken };
    g_taken = g_pending->conn;
    struct conn *got = reply_take_over(g_pending, 200, "text/plain", &t);
    g_pending = NULL;
    cr_assert_null(got, "the client is gone");
    cr_assert_eq(g_on_close, 1);
    wait_no_conns(c);
    cr_assert_eq(g_on_close, 1);
    client_free(c);
}

/* ============================================================ 5. bodies */

Test(http_layer, chunked_body_reaches_handler_whole)
{
    client *c = client_new();
    SEND(c, "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    resp r;
    next_resp(c, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body_len, 18);
    cr_assert_str_eq(r.body, "len=11:hello world");
    client_free(c);
}

Test(http_layer, chunked_body_in_pieces_then_pipelined_request)
{
    client *c = client_new();
    SEND(c, "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    expect_silence(c, 10);
    SEND(c, "lo\r\n0");   /* "0a": the size line split too */
    expect_silence(c, 10);
    SEND(c, "a;ext=1\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n" GET("/x"));
    resp r;
    next_resp(c, &r);
    cr_assert_eq(r.status, 200, "%s%s", r.head, r.body);
    cr_assert_str_eq(r.body, "len=15:hello0123456789");
    next_resp(c, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "x-get");
    cr_assert_eq(atomic_load(&F.requests), 2);
    client_free(c);
}

Test(http_layer, chunked_body_over_max_body_is_413)
{
    client *c = client_new();
    SEND(c, "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n");
    static char data[0x800];
    memset(data, 'd', sizeof data);
    client_send(c, data, sizeof data);
    resp r;
    next_resp(c, &r);
    cr_assert_eq(r.status, 413);
    cr_assert_str_eq(g_hook_msg, "request body too large");
    wait_eof(c);
    client_free(c);
}
