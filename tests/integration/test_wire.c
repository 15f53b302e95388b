/* test_wire.c - the HTTP/1.1 layer on the wire (conn.c, httpparse.c, http.c),
 * spoken over raw TCP sockets because curl cannot send malformed or
 * pipelined requests: pipelining (also of large replies, after a GET's body
 * and after a chunked body) and keep-alive, HTTP/1.0 and Connection: close,
 * half-closed clients, bare-LF heads, chunked uploads (raw, with an extension
 * and a trailer, and curl -T -), Expect: 100-continue, 413 before the body is
 * read, the parser's refusals (400, 417, 431, 501, 505: each a one-line body,
 * JSON under /api/, and a closed connection), the header, body and keep-alive
 * deadlines, leading empty lines, absolute-form targets, HEAD without a body,
 * clients that vanish mid-request, and Server-Sent Events (headers, HEAD, and
 * slots coming back when their clients close).
 *
 * Every read has a deadline, so a server that hangs fails the test instead of
 * blocking it. Timings assume tests/pasted-test.conf: header_timeout 2,
 * body_timeout 3, keepalive_timeout 5, sse_max_streams 4. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pasted_client.h"

#define IO_TIMEOUT_MS 5000   /* the default deadline of one read */

/* --- the server's address ------------------------------------------------- */

static char g_host[64];
static int g_port;
static char g_hostport[80];   /* "127.0.0.1:41234", for Host headers */

/* host and port from PASTED_URL (via pasted_url("")), e.g. http://127.0.0.1:41234 */
static void server_addr(void)
{
    if (g_port)
        return;
    char *url = pasted_url("");
    const char *p = strstr(url, "://");
    cr_assert_not_null(p, "PASTED_URL has no scheme: %s", url);
    p += 3;
    const char *colon = strchr(p, ':');
    const char *end = p + strcspn(p, "/");
    size_t hlen = (colon && colon < end ? colon : end) - p;
    cr_assert(hlen > 0 && hlen < sizeof g_host, "bad host in %s", url);
    memcpy(g_host, p, hlen);
    g_host[hlen] = '\0';
    g_port = colon && colon < end ? atoi(colon + 1) : 80;
    cr_assert(g_port > 0 && g_port < 65536, "bad port in %s", url);
    snprintf(g_hostport, sizeof g_hostport, "%s:%d", g_host, g_port);
    free(url);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* --- a connection: the socket and what was read but not yet consumed ----- */

typedef struct wconn {
    int fd;
    char *buf;
    size_t len, cap;
    int eof;      /* the server closed (FIN, or a reset: see reset) */
    int reset;
} wconn;

/* Connects to the server with a 3 s timeout. */
static wconn *wconnect(void)
{
    server_addr();
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    cr_assert(fd >= 0, "socket: %s", strerror(errno));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)g_port) };
    cr_assert_eq(inet_pton(AF_INET, g_host, &sa.sin_addr), 1, "not an IPv4 address: %s", g_host);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        cr_assert_eq(errno, EINPROGRESS, "connect %s: %s", g_hostport, strerror(errno));
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        cr_assert_eq(poll(&p, 1, 3000), 1, "connect %s: timed out", g_hostport);
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
        cr_assert_eq(err, 0, "connect %s: %s", g_hostport, strerror(err));
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    wconn *c = calloc(1, sizeof *c);
    c->fd = fd;
    c->cap = 1 << 16;
    c->buf = malloc(c->cap + 1);
    c->buf[0] = '\0';
    return c;
}

static void wclose(wconn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    free(c);
}

/* Closes with a reset instead of a FIN (SO_LINGER 0). */
static void wabort(wconn *c)
{
    struct linger lg = { 1, 0 };
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    wclose(c);
}

/* Sends all of data within 5 s; 0, or -1 when the server closed or reset. */
static int send_all_ok(wconn *c, const void *data, size_t len)
{
    const char *p = data;
    int64_t deadline = mono_ms() + IO_TIMEOUT_MS;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            int left = (int)(deadline - mono_ms());
            cr_assert(left > 0, "send: the server did not take %zu bytes within %d ms", len,
                      IO_TIMEOUT_MS);
            struct pollfd pf = { .fd = c->fd, .events = POLLOUT };
            poll(&pf, 1, left);
            continue;
        }
        return -1;
    }
    return 0;
}

static void send_all(wconn *c, const void *data, size_t len)
{
    cr_assert_eq(send_all_ok(c, data, len), 0, "send: %s", strerror(errno));
}

static void send_str(wconn *c, const char *s)
{
    send_all(c, s, strlen(s));
}

/* Reads what arrives until deadline (mono_ms). 1: bytes were added; 0: EOF
 * (or a reset); -1: the deadline passed. */
static int fill(wconn *c, int64_t deadline)
{
    if (c->eof)
        return 0;
    for (;;) {
        if (c->len == c->cap) {
            c->cap *= 2;
            c->buf = realloc(c->buf, c->cap + 1);
        }
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (n > 0) {
            c->len += (size_t)n;
            c->buf[c->len] = '\0';
            return 1;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            c->eof = 1;
            c->reset = n < 0;
            return 0;
        }
        int left = (int)(deadline - mono_ms());
        if (left <= 0)
            return -1;
        struct pollfd pf = { .fd = c->fd, .events = POLLIN };
        poll(&pf, 1, left);
    }
}

static void consume(wconn *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    c->buf[c->len] = '\0';
}

/* Waits up to timeout_ms for the server to close. 1: closed and nothing was
 * left unread; 0: still open at the deadline. Bytes that arrive meanwhile
 * stay in c->buf (the caller decides whether they are wrong). */
static int wait_eof(wconn *c, int timeout_ms)
{
    int64_t deadline = mono_ms() + timeout_ms;
    int r;
    while ((r = fill(c, deadline)) == 1)
        ;
    return r == 0;
}

/* Asserts the server closes within timeout_ms with no byte after what was read. */
static void assert_closed(wconn *c, int timeout_ms, const char *what)
{
    int closed = wait_eof(c, timeout_ms);
    cr_assert(closed, "%s: the connection is still open %d ms later", what, timeout_ms);
    cr_assert_eq(c->len, 0, "%s: %zu unexpected bytes before the close: %.200s", what, c->len,
                 c->buf);
}

/* Asserts the connection is open and silent right now (a 0 ms look). */
static void assert_open(wconn *c, const char *what)
{
    struct pollfd pf = { .fd = c->fd, .events = POLLIN };
    int n = poll(&pf, 1, 0);
    if (n == 1) {
        char b;
        ssize_t k = recv(c->fd, &b, 1, MSG_PEEK);
        cr_assert(k > 0, "%s: the server closed the connection (%s)", what,
                  k == 0 ? "EOF" : strerror(errno));
        cr_assert_fail("%s: unexpected bytes from the server", what);
    }
    cr_assert(!c->eof, "%s: the server closed the connection", what);
}

/* --- responses ------------------------------------------------------------ */

typedef struct wresp {
    int status;
    int minor;             /* HTTP/1.<minor> of the status line */
    char *head;            /* status line and headers, NUL-terminated, CRLFs kept */
    char *body;            /* NUL-terminated; body_len bytes */
    size_t body_len;
    long long content_length;   /* -1 when absent */
} wresp;

enum { BODY_LENGTH, BODY_NONE };   /* how read_response takes the body */

/* Value of header name (first one, trimmed) into out; 0 when absent. */
static int header_value(const wresp *r, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    const char *line = strstr(r->head, "\r\n");
    while (line && line[2] != '\0' && !(line[2] == '\r' && line[3] == '\n')) {
        line += 2;
        const char *eol = strstr(line, "\r\n");
        if (!eol)
            break;
        if ((size_t)(eol - line) > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            const char *e = eol;
            while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            size_t n = (size_t)(e - v) < outlen - 1 ? (size_t)(e - v) : outlen - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
        line = eol;
    }
    return 0;
}

/* How many times header name appears. */
static int header_count(const wresp *r, const char *name)
{
    size_t nlen = strlen(name);
    int count = 0;
    for (const char *line = strstr(r->head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n"))
        if (strncasecmp(line + 2, name, nlen) == 0 && line[2 + nlen] == ':')
            count++;
    return count;
}

/* Reads one response from c within timeout_ms. The bytes must begin with a
 * status line ("HTTP/1.x NNN"): nothing is skipped, so stray body bytes of an
 * earlier response show up as a failure here. body_mode: BODY_LENGTH reads
 * Content-Length bytes (or to EOF without one), BODY_NONE reads no body (HEAD,
 * 1xx, 204, 304, and a stream's head: its bytes stay in c->buf). */
static wresp *read_response(wconn *c, int body_mode, int timeout_ms)
{
    int64_t deadline = mono_ms() + timeout_ms;
    char *end;
    while (!(end = strstr(c->buf, "\r\n\r\n"))) {
        if (c->len >= 7 && memcmp(c->buf, "HTTP/1.", 7) != 0)
            break;
        int r = fill(c, deadline);
        cr_assert(r != -1, "no whole response head within %d ms; got %zu bytes: %.300s", timeout_ms,
                  c->len, c->len ? c->buf : "");
        cr_assert(r != 0, "the server closed (%s) before a whole response head; got %zu bytes: %.300s",
                  c->reset ? "reset" : "EOF", c->len, c->len ? c->buf : "");
    }
    cr_assert(c->len >= 12 && memcmp(c->buf, "HTTP/1.", 7) == 0 && c->buf[8] == ' ',
              "not a status line: %.300s", c->buf);
    wresp *r = calloc(1, sizeof *r);
    r->minor = c->buf[7] - '0';
    r->status = atoi(c->buf + 9);
    size_t head_len = (size_t)(end - c->buf) + 4;
    r->head = strndup(c->buf, head_len);
    consume(c, head_len);

    char cl[32];
    r->content_length = header_value(r, "Content-Length", cl, sizeof cl) ? atoll(cl) : -1;
    size_t want = 0;
    int to_eof = 0;
    if (body_mode == BODY_LENGTH && r->status >= 200 && r->status != 204 && r->status != 304) {
        if (r->content_length >= 0)
            want = (size_t)r->content_length;
        else
            to_eof = 1;
    }
    while (to_eof || c->len < want) {
        int k = fill(c, deadline);
        if (k == 0 && to_eof)
            break;
        cr_assert(k != -1, "status %d: body incomplete after %d ms (%zu of %zu bytes)", r->status,
                  timeout_ms, c->len, want);
        cr_assert(k != 0, "status %d: the server closed after %zu of %zu body bytes", r->status,
                  c->len, want);
    }
    if (to_eof)
        want = c->len;
    r->body = malloc(want + 1);
    memcpy(r->body, c->buf, want);
    r->body[want] = '\0';
    r->body_len = want;
    consume(c, want);
    return r;
}

static void resp_free(wresp *r)
{
    if (!r)
        return;
    free(r->head);
    free(r->body);
    free(r);
}

static void assert_status(const wresp *r, int want, const char *what)
{
    cr_assert_eq(r->status, want, "%s: status %d, want %d\n%s%.300s", what, r->status, want,
                 r->head, r->body);
    cr_assert_eq(r->minor, 1, "%s: the status line must say HTTP/1.1: %.40s", what, r->head);
}

static void assert_header_is(const wresp *r, const char *name, const char *want, const char *what)
{
    char v[512];
    cr_assert(header_value(r, name, v, sizeof v), "%s: no %s header in\n%s", what, name, r->head);
    cr_assert_str_eq(v, want, "%s: %s is \"%s\", want \"%s\"", what, name, v, want);
}

static int says_close(const wresp *r)
{
    char v[128];
    return header_value(r, "Connection", v, sizeof v) && strcasecmp(v, "close") == 0;
}

/* The Date header: IMF-fixdate, within a few seconds of now. */
static void assert_date_now(const wresp *r, const char *what)
{
    char v[64];
    cr_assert(header_value(r, "Date", v, sizeof v), "%s: no Date header", what);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cr_assert(end && *end == '\0' && strlen(v) == 29, "%s: Date is not an IMF-fixdate: %s", what, v);
    long long skew = (long long)(timegm(&tm) - time(NULL));
    cr_assert(skew >= -5 && skew <= 5, "%s: Date %s is %lld s off", what, v, skew);
}

/* A body that is exactly one non-empty line of text ending in "\n". */
static void assert_one_line(const wresp *r, const char *what)
{
    cr_assert(r->body_len >= 2, "%s: body too short: \"%s\"", what, r->body);
    cr_assert_eq(r->body[r->body_len - 1], '\n', "%s: body does not end in a newline: \"%s\"",
                 what, r->body);
    cr_assert_eq(memchr(r->body, '\n', r->body_len), r->body + r->body_len - 1,
                 "%s: body is more than one line: \"%s\"", what, r->body);
    cr_assert_eq(strlen(r->body), r->body_len, "%s: NUL in the body", what);
    cr_assert_eq((long long)r->body_len, r->content_length, "%s: Content-Length %lld, body %zu",
                 what, r->content_length, r->body_len);
}

/* --- requests --------------------------------------------------------------- */

/* "GET path HTTP/1.1\r\nHost: h:p\r\n" + extra + "\r\n" (extra: header lines, each CRLF-ended) */
static char *get_req(const char *method, const char *path, const char *extra)
{
    server_addr();
    char *s;
    cr_assert(asprintf(&s, "%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", method, path, g_hostport,
                       extra ? extra : "") > 0);
    return s;
}

/* One request on a fresh connection, the whole response read. */
static wresp *exchange_once(wconn **out, const char *req)
{
    wconn *c = wconnect();
    send_str(c, req);
    wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    if (out)
        *out = c;
    else
        wclose(c);
    return r;
}

static void assert_healthy(wconn *c, const char *what)
{
    char *req = get_req("GET", "/healthz", NULL);
    send_str(c, req);
    free(req);
    wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r, 200, what);
    cr_assert_str_eq(r->body, "ok\n", "%s: /healthz body", what);
    resp_free(r);
}

static void assert_healthy_fresh(const char *what)
{
    wconn *c = wconnect();
    assert_healthy(c, what);
    wclose(c);
}

/* A recognisable paste of n bytes (binary-safe, not all text). */
static char *pattern(size_t n, unsigned seed)
{
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = (i % 61 == 60) ? '\n' : (char)('!' + (i * 7 + seed) % 90);
    s[n] = '\0';
    return s;
}

/* GET /raw/<id> over a raw socket: 200 and exactly these bytes. */
static void assert_raw_bytes(const char *id, const char *bytes, size_t len, const char *what)
{
    char path[80];
    snprintf(path, sizeof path, "/raw/%s", id);
    char *req = get_req("GET", path, NULL);
    wresp *r = exchange_once(NULL, req);
    free(req);
    assert_status(r, 200, what);
    cr_assert_eq(r->body_len, len, "%s: %zu bytes, want %zu", what, r->body_len, len);
    cr_assert_eq(memcmp(r->body, bytes, len), 0, "%s: the paste's bytes differ", what);
    resp_free(r);
}

/* A 201 answer to a raw create: body "URL\n", Location URL, URL on this server; the id. */
static char *created_id(const wresp *r, const char *what)
{
    assert_status(r, 201, what);
    char loc[512];
    cr_assert(header_value(r, "Location", loc, sizeof loc), "%s: no Location", what);
    char want[520];
    snprintf(want, sizeof want, "%s\n", loc);
    cr_assert_str_eq(r->body, want, "%s: body is not Location + \"\\n\"", what);
    char *base = pasted_url("/");
    cr_assert(strncmp(loc, base, strlen(base)) == 0, "%s: Location %s not under %s", what, loc, base);
    free(base);
    return id_from_url(r->body, r->body_len);
}

/* --- 1, 2: pipelining and keep-alive ------------------------------------------ */

Test(wire, three_pipelined_requests_answer_in_order, .timeout = 30)
{
    char *text = pattern(5000, 1);
    char *id = create_paste(text, 5000, "");
    char path[80];
    snprintf(path, sizeof path, "/raw/%s", id);
    char *a = get_req("GET", path, NULL), *b = get_req("GET", "/healthz", NULL),
         *d = get_req("GET", "/nope-404/x", NULL);
    char *all;
    cr_assert(asprintf(&all, "%s%s%s", a, b, d) > 0);
    wconn *c = wconnect();
    send_str(c, all);   /* one send(): the three arrive together */

    wresp *r1 = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r1, 200, "1st (raw paste)");
    cr_assert_eq(r1->body_len, 5000, "1st: %zu bytes", r1->body_len);
    cr_assert_eq(memcmp(r1->body, text, 5000), 0, "1st: not the paste's bytes");
    cr_assert(!says_close(r1), "1st: Connection: close on a keep-alive connection");
    wresp *r2 = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r2, 200, "2nd (/healthz)");
    cr_assert_str_eq(r2->body, "ok\n", "2nd: body");
    cr_assert(!says_close(r2), "2nd: Connection: close on a keep-alive connection");
    wresp *r3 = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r3, 404, "3rd (unknown path)");
    assert_one_line(r3, "3rd");
    cr_assert(!says_close(r3), "3rd: a 404 does not close the connection");
    cr_assert_eq(c->len, 0, "bytes after the third response: %.200s", c->buf);

    assert_open(c, "after three pipelined requests");
    assert_healthy(c, "4th request on the same connection");

    resp_free(r1);
    resp_free(r2);
    resp_free(r3);
    wclose(c);
    free(all);
    free(a);
    free(b);
    free(d);
    free(id);
    free(text);
}

Test(wire, keep_alive_serves_sequential_requests, .timeout = 30)
{
    char *text = pattern(300, 2);
    char *id = create_paste(text, 300, "");
    char path[80];
    snprintf(path, sizeof path, "/raw/%s", id);
    char *req = get_req("GET", path, NULL);
    wconn *c = wconnect();
    for (int i = 0; i < 2; i++) {
        send_str(c, req);
        wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
        assert_status(r, 200, i ? "2nd request" : "1st request");
        cr_assert_eq(r->body_len, 300);
        cr_assert_eq(memcmp(r->body, text, 300), 0, "request %d: wrong bytes", i + 1);
        cr_assert(!says_close(r), "request %d: Connection: close", i + 1);
        cr_assert_eq(header_count(r, "Date"), 1, "request %d: one Date header", i + 1);
        assert_date_now(r, "keep-alive response");
        resp_free(r);
        sleep_ms(100);
        assert_open(c, "between keep-alive requests");
    }
    wclose(c);
    free(req);
    free(id);
    free(text);
}

/* Large replies, pipelined, read slowly: each one whole and in order. */
Test(wire, pipelined_large_replies_stay_in_order, .timeout = 60)
{
    size_t n = 600 * 1024;   /* more than the socket buffers: replies wait for the reader */
    char *a = pattern(n, 3), *b = pattern(n, 4);
    char *ida = create_paste(a, n, ""), *idb = create_paste(b, n, "");
    char pa[80], pb[80];
    snprintf(pa, sizeof pa, "/raw/%s", ida);
    snprintf(pb, sizeof pb, "/raw/%s", idb);
    char *ra = get_req("GET", pa, NULL), *rb = get_req("GET", pb, NULL);
    char *all;
    cr_assert(asprintf(&all, "%s%s%s", ra, rb, ra) > 0);
    wconn *c = wconnect();
    send_str(c, all);
    sleep_ms(300);   /* let the server fill the socket and wait */
    const char *want[] = { a, b, a };
    for (int i = 0; i < 3; i++) {
        wresp *r = read_response(c, BODY_LENGTH, 10000);
        assert_status(r, 200, "pipelined large reply");
        cr_assert_eq(r->body_len, n, "reply %d: %zu bytes", i + 1, r->body_len);
        cr_assert_eq(memcmp(r->body, want[i], n), 0, "reply %d: not the right paste", i + 1);
        resp_free(r);
    }
    assert_healthy(c, "after the large pipelined replies");
    wclose(c);
    free(all);
    free(ra);
    free(rb);
    free(ida);
    free(idb);
    free(a);
    free(b);
}

/* A GET may carry a Content-Length body: it is read and skipped, and the next
 * request starts right after it. */
Test(wire, body_of_a_get_is_skipped_before_the_next_request, .timeout = 30)
{
    char *first = get_req("GET", "/healthz", "Content-Length: 5\r\n");
    char *second = get_req("GET", "/nope-404/y", NULL);
    char *all;
    cr_assert(asprintf(&all, "%shello%s", first, second) > 0);
    wconn *c = wconnect();
    send_str(c, all);
    wresp *r1 = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r1, 200, "GET with a body");
    cr_assert_str_eq(r1->body, "ok\n");
    wresp *r2 = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r2, 404, "the request after the body");
    assert_one_line(r2, "the request after the body");
    resp_free(r1);
    resp_free(r2);
    wclose(c);
    free(all);
    free(first);
    free(second);
}

/* The bytes that follow a chunked body in the same read are the next requests,
 * and must be taken in the order they came, also when there are more of them
 * than one read takes (they are then split between what was read with the
 * body's last chunk and what is read while the create is handled). Which of
 * the requests are 200s and which 404s follows an irregular pattern, and
 * their lengths vary, so any reordering shows. */
static int is_404(int i)
{
    return (int)(((unsigned)i * 2654435761u) >> 13) & 1;
}

Test(wire, requests_pipelined_after_a_chunked_body_keep_their_order, .timeout = 30)
{
    server_addr();
    char *head;
    cr_assert(asprintf(&head, "POST / HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\nhello\r\n", g_hostport) > 0);
    enum { N = 240 };   /* ~12 KB of requests: more than max_header_size */
    size_t cap = 64 * 1024, len = 0;
    char *tail = malloc(cap);
    len += (size_t)snprintf(tail, cap, "0\r\n\r\n");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(tail + len, cap - len,
                                is_404(i) ? "GET /nope-%0*d/x HTTP/1.1\r\nHost: %s\r\n\r\n"
                                          : "GET /healthz?n=%0*d HTTP/1.1\r\nHost: %s\r\n\r\n",
                                1 + i % 7, i, g_hostport);
    cr_assert(len > 10000 && len < cap);
    wconn *c = wconnect();
    send_str(c, head);
    sleep_ms(150);   /* the server is reading the body now */
    send_all(c, tail, len);
    wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    char *id = created_id(r, "the chunked POST");
    resp_free(r);
    for (int i = 0; i < N; i++) {
        int want = is_404(i) ? 404 : 200;
        r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
        cr_assert_eq(r->status, want, "request %d of the %d pipelined after a chunked body: "
                     "status %d, want %d (reordered?): %s", i + 1, N, r->status, want, r->body);
        resp_free(r);
    }
    cr_assert_eq(c->len, 0, "bytes after the last response: %.200s", c->buf);
    assert_raw_bytes(id, "hello", 5, "the chunked paste");
    wclose(c);
    free(id);
    free(tail);
    free(head);
}

/* Connection: close ends the connection: a request pipelined behind it is not answered. */
Test(wire, nothing_is_answered_after_connection_close, .timeout = 30)
{
    char *a = get_req("GET", "/healthz", "Connection: close\r\n"), *b = get_req("GET", "/healthz", NULL);
    char *both;
    cr_assert(asprintf(&both, "%s%s", a, b) > 0);
    wconn *c = wconnect();
    send_str(c, both);
    wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r, 200, "the Connection: close request");
    assert_header_is(r, "Connection", "close", "the Connection: close request");
    assert_closed(c, 4000, "a request pipelined after Connection: close");
    resp_free(r);
    wclose(c);
    free(both);
    free(a);
    free(b);
}

/* A client that half-closes after its request still gets the answer, then EOF. */
Test(wire, half_closed_client_gets_its_reply, .timeout = 30)
{
    char *req = get_req("GET", "/healthz", NULL);
    wconn *c = wconnect();
    send_str(c, req);
    shutdown(c->fd, SHUT_WR);
    wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r, 200, "request then half-close");
    cr_assert_str_eq(r->body, "ok\n");
    /* The server says "close" when it saw the FIN before it answered; a
     * reply that leaves first cannot know (finding out would cost every
     * reply a system call). Either way the connection must close now. */
    char conn[128];
    cr_assert(!header_value(r, "Connection", conn, sizeof conn) || strcasecmp(conn, "close") == 0,
              "Connection: %s to a half-closed client", conn);
    assert_closed(c, 4000, "after the reply to a half-closed client");
    resp_free(r);
    wclose(c);
    free(req);
}

/* Bare LF line endings are accepted (RFC 9112 2.2). */
Test(wire, bare_lf_line_endings_are_accepted, .timeout = 30)
{
    server_addr();
    char *req;
    cr_assert(asprintf(&req, "GET /healthz HTTP/1.1\nHost: %s\n\nGET /healthz HTTP/1.1\nHost: %s\n"
                       "Connection: close\n\n", g_hostport, g_hostport) > 0);
    wconn *c = wconnect();
    send_str(c, req);
    for (int i = 0; i < 2; i++) {
        wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
        assert_status(r, 200, "LF-only request");
        cr_assert_str_eq(r->body, "ok\n");
        resp_free(r);
    }
    assert_closed(c, 4000, "after the LF-only Connection: close request");
    wclose(c);
    free(req);
}

/* --- 3, 4: HTTP/1.0 and Connection: close ----------------------------------------- */

Test(wire, http10_without_keep_alive_closes, .timeout = 30)
{
    wconn *c;
    wresp *r = exchange_once(&c, "GET /healthz HTTP/1.0\r\n\r\n");
    assert_status(r, 200, "HTTP/1.0 GET /healthz");
    cr_assert_str_eq(r->body, "ok\n");
    assert_header_is(r, "Connection", "close", "HTTP/1.0 without keep-alive");
    assert_closed(c, 3000, "HTTP/1.0 without keep-alive");
    resp_free(r);
    wclose(c);
}

Test(wire, http10_keep_alive_stays_open, .timeout = 30)
{
    wconn *c;
    wresp *r = exchange_once(&c, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_status(r, 200, "HTTP/1.0 keep-alive, 1st");
    cr_assert_str_eq(r->body, "ok\n");
    assert_header_is(r, "Connection", "keep-alive", "HTTP/1.0 keep-alive, 1st");
    cr_assert_eq(header_count(r, "Connection"), 1, "one Connection header");
    resp_free(r);
    sleep_ms(100);
    assert_open(c, "HTTP/1.0 keep-alive after the 1st response");

    send_str(c, "GET /healthz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r, 200, "HTTP/1.0 keep-alive, 2nd");
    cr_assert_str_eq(r->body, "ok\n");
    assert_header_is(r, "Connection", "keep-alive", "HTTP/1.0 keep-alive, 2nd");
    resp_free(r);

    /* a third one without the header ends it */
    send_str(c, "GET /healthz HTTP/1.0\r\n\r\n");
    r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r, 200, "HTTP/1.0, 3rd");
    assert_header_is(r, "Connection", "close", "HTTP/1.0 3rd, no keep-alive");
    assert_closed(c, 3000, "HTTP/1.0 3rd, no keep-alive");
    resp_free(r);
    wclose(c);
}

Test(wire, http11_connection_close_closes, .timeout = 30)
{
    char *req = get_req("GET", "/healthz", "Connection: close\r\n");
    wconn *c;
    wresp *r = exchange_once(&c, req);
    assert_status(r, 200, "Connection: close");
    cr_assert_str_eq(r->body, "ok\n");
    assert_header_is(r, "Connection", "close", "HTTP/1.1 with Connection: close");
    assert_closed(c, 3000, "HTTP/1.1 with Connection: close");
    resp_free(r);
    wclose(c);
    free(req);
}

/* --- 5, 6: chunked uploads and Expect: 100-continue --------------------------------- */

Test(wire, chunked_upload_in_pieces, .timeout = 30)
{
    const char *pieces[] = {
        "POST / HTTP/1.1\r\nHost: ", NULL /* host */, "\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/octet-stream\r\n\r\n",
        "5;name=value\r\nhello\r\n",
        "7\r\n, chunk\r\n",
        "1a\r\n",
        "abcdefghijklmnopqrstuvwxyz",
        "\r\n",
        "3\r\n\n!\n\r\n",
        "0\r\nX-Trailer: yes\r\n\r\n",
    };
    server_addr();
    pieces[1] = g_hostport;
    const char *want = "hello, chunkabcdefghijklmnopqrstuvwxyz\n!\n";
    wconn *c = wconnect();
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        send_str(c, pieces[i]);
        if (i >= 2)
            sleep_ms(50);
    }
    wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    char *id = created_id(r, "chunked POST /");
    cr_assert(!says_close(r), "a chunked upload keeps the connection");
    assert_healthy(c, "a request after the chunked body");
    assert_raw_bytes(id, want, strlen(want), "the chunked paste");
    resp_free(r);
    wclose(c);
    free(id);
}

Test(wire, curl_upload_from_stdin_is_chunked, .timeout = 60)
{
    size_t n = 70000;
    char *text = pattern(n, 5);
    char *url = pasted_url("/");
    const char *args[] = { "-T", "-", url, NULL };
    http_resp *r = http_run(args, text, n);
    cr_assert_eq(r->status, 201, "curl -T -: status %d, curl exit %d, body %.*s", r->status,
                 r->curl_exit, (int)r->body_len, r->body);
    const char *loc = http_header(r, "Location");
    cr_assert_not_null(loc, "no Location");
    char *id = id_from_url(r->body, r->body_len);
    assert_raw_bytes(id, text, n, "the paste from curl -T -");
    http_free(r);
    free(id);
    free(url);
    free(text);
}

Test(wire, expect_100_continue, .timeout = 30)
{
    const char *body = "sent only after 100 Continue\n";
    char extra[160];
    snprintf(extra, sizeof extra, "Content-Length: %zu\r\nExpect: 100-continue\r\n", strlen(body));
    char *req = get_req("POST", "/", extra);
    wconn *c = wconnect();
    send_str(c, req);
    wresp *cont = read_response(c, BODY_NONE, 3000);
    assert_status(cont, 100, "interim response to Expect: 100-continue");
    cr_assert_str_eq(cont->head, "HTTP/1.1 100 Continue\r\n\r\n", "the 100 response");
    cr_assert_eq(c->len, 0, "bytes after 100 Continue before the body was sent: %.200s", c->buf);
    send_str(c, body);
    wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    char *id = created_id(r, "POST after 100 Continue");
    assert_raw_bytes(id, body, strlen(body), "the paste sent after 100 Continue");
    resp_free(cont);
    resp_free(r);
    wclose(c);
    free(req);
    free(id);
}

/* --- 7: too large ---------------------------------------------------------------------- */

Test(wire, too_large_body_is_refused_before_reading, .timeout = 30)
{
    char *req = get_req("POST", "/", "Content-Length: 50000000\r\nExpect: 100-continue\r\n");
    wconn *c;
    wresp *r = exchange_once(&c, req);
    cr_assert_neq(r->status, 100, "100 Continue for a body that will be refused");
    assert_status(r, 413, "POST / with Content-Length 50000000");
    assert_one_line(r, "413 on POST /");
    cr_assert(strncmp(r->body, "{", 1) != 0, "413 on POST / should be text: %s", r->body);
    assert_header_is(r, "Connection", "close", "413 on POST /");
    assert_closed(c, 4000, "413 on POST /");
    resp_free(r);
    wclose(c);
    free(req);

    req = get_req("POST", "/api/pastes",
                  "Content-Type: application/json\r\nContent-Length: 50000000\r\n");
    r = exchange_once(&c, req);
    assert_status(r, 413, "POST /api/pastes with Content-Length 50000000");
    assert_one_line(r, "413 on /api/pastes");
    cr_assert(r->body[0] == '{' && strstr(r->body, "\"error\""), "413 on /api/pastes is not JSON "
              "with an error: %s", r->body);
    char ct[128];
    cr_assert(header_value(r, "Content-Type", ct, sizeof ct) && strncmp(ct, "application/json", 16) == 0,
              "413 on /api/pastes: Content-Type %s", ct);
    assert_header_is(r, "Connection", "close", "413 on /api/pastes");
    assert_closed(c, 4000, "413 on /api/pastes");
    resp_free(r);
    wclose(c);
    free(req);
}

/* --- 8: refusals ------------------------------------------------------------------------- */

/* Sends raw bytes on a fresh connection: want status, a one-line body, Connection: close, EOF. */
static void assert_refused(const char *req, size_t len, int want, const char *what)
{
    wconn *c = wconnect();
    send_all(c, req, len);
    wresp *r = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(r, want, what);
    assert_one_line(r, what);
    assert_header_is(r, "Connection", "close", what);
    assert_closed(c, 4000, what);
    resp_free(r);
    wclose(c);
}

static void assert_refused_str(const char *req, int want, const char *what)
{
    assert_refused(req, strlen(req), want, what);
}

Test(wire, garbage_request_line_is_400, .timeout = 30)
{
    assert_refused_str("HELLO\r\n\r\n", 400, "HELLO");
}

Test(wire, content_length_with_chunked_is_400, .timeout = 30)
{
    char *req = get_req("POST", "/", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n");
    char *full;
    cr_assert(asprintf(&full, "%s5\r\nhello\r\n0\r\n\r\n", req) > 0);
    assert_refused_str(full, 400, "Content-Length and Transfer-Encoding: chunked");
    free(full);
    free(req);
}

Test(wire, transfer_encoding_gzip_is_501, .timeout = 30)
{
    char *req = get_req("POST", "/", "Transfer-Encoding: gzip\r\n");
    assert_refused_str(req, 501, "Transfer-Encoding: gzip");
    free(req);
}

Test(wire, http2_version_is_505, .timeout = 30)
{
    char *req;
    server_addr();
    cr_assert(asprintf(&req, "GET / HTTP/2.0\r\nHost: %s\r\n\r\n", g_hostport) > 0);
    assert_refused_str(req, 505, "GET / HTTP/2.0");
    free(req);
}

Test(wire, http11_without_host_is_400, .timeout = 30)
{
    assert_refused_str("GET /healthz HTTP/1.1\r\n\r\n", 400, "HTTP/1.1 without Host");
}

Test(wire, header_line_over_8k_is_431, .timeout = 30)
{
    size_t n = 9000;
    char *val = malloc(n + 1);
    memset(val, 'a', n);
    val[n] = '\0';
    char *extra;
    cr_assert(asprintf(&extra, "X-Long: %s\r\n", val) > 0);
    char *req = get_req("GET", "/healthz", extra);
    assert_refused_str(req, 431, "a 9000-byte header line");
    free(req);
    free(extra);
    free(val);
}

Test(wire, obs_fold_is_400, .timeout = 30)
{
    char *req = get_req("GET", "/healthz", "X-Folded: first\r\n  continued\r\n");
    assert_refused_str(req, 400, "obs-fold");
    free(req);
}

Test(wire, nul_in_header_is_400, .timeout = 30)
{
    char *req = get_req("GET", "/healthz", "X-Nul: a@b\r\n");
    size_t len = strlen(req);
    char *at = strchr(req, '@');
    *at = '\0';
    assert_refused(req, len, 400, "NUL byte in a header value");
    free(req);
}

Test(wire, unknown_expectation_is_417, .timeout = 30)
{
    char *req = get_req("POST", "/", "Expect: something-else\r\nContent-Length: 3\r\n");
    char *full;
    cr_assert(asprintf(&full, "%sabc", req) > 0);
    assert_refused_str(full, 417, "Expect: something-else");
    free(full);
    free(req);
}

Test(wire, two_host_headers_are_400, .timeout = 30)
{
    char *req = get_req("GET", "/healthz", "Host: other.example\r\n");
    assert_refused_str(req, 400, "two Host headers");
    free(req);
}

Test(wire, conflicting_content_lengths_are_400, .timeout = 30)
{
    char *req = get_req("POST", "/", "Content-Length: 3\r\nContent-Length: 4\r\n");
    char *full;
    cr_assert(asprintf(&full, "%sabcd", req) > 0);
    assert_refused_str(full, 400, "Content-Length 3 and 4");
    free(full);
    free(req);
}

Test(wire, malformed_chunk_size_is_400, .timeout = 30)
{
    char *req = get_req("POST", "/", "Transfer-Encoding: chunked\r\n");
    char *full;
    cr_assert(asprintf(&full, "%szz\r\nhello\r\n0\r\n\r\n", req) > 0);
    assert_refused_str(full, 400, "chunk size zz");
    free(full);
    free(req);
}

Test(wire, too_many_or_too_large_header_lines_are_431, .timeout = 30)
{
    char extra[8192];
    size_t n = 0;
    for (int i = 0; i < 70; i++)   /* HTTP_MAX_HEADERS is 64; ~1 KB in all */
        n += (size_t)snprintf(extra + n, sizeof extra - n, "X-H%02d: v\r\n", i);
    char *req = get_req("GET", "/healthz", extra);
    assert_refused_str(req, 431, "70 header lines");
    free(req);

    /* many short lines, 10 KB in all */
    char *big = malloc(16384);
    n = 0;
    for (int i = 0; i < 50; i++) {
        n += (size_t)snprintf(big + n, 16384 - n, "X-H%02d: ", i);
        memset(big + n, 'v', 200);
        n += 200;
        n += (size_t)snprintf(big + n, 16384 - n, "\r\n");
    }
    req = get_req("GET", "/healthz", big);
    assert_refused_str(req, 431, "a 10 KB head of short lines");
    free(req);
    free(big);
}

/* The spec (http.c): refusals get "the same one-line messages (JSON under /api/)". */
Test(wire, refusals_under_api_are_json, .timeout = 30)
{
    struct { const char *extra; int status; } cases[] = {
        { "Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n", 501 },
        { "Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400 },
        { "Content-Type: application/json\r\nExpect: something-else\r\nContent-Length: 2\r\n", 417 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *req = get_req("POST", "/api/pastes", cases[i].extra);
        wconn *c;
        wresp *r = exchange_once(&c, req);
        char what[64];
        snprintf(what, sizeof what, "%d on POST /api/pastes", cases[i].status);
        assert_status(r, cases[i].status, what);
        assert_one_line(r, what);
        char ct[128] = "";
        header_value(r, "Content-Type", ct, sizeof ct);
        cr_assert(strncmp(ct, "application/json", 16) == 0 && r->body[0] == '{'
                  && strstr(r->body, "\"error\""),
                  "%s: not a JSON error (Content-Type %s): %s", what, ct, r->body);
        resp_free(r);
        wclose(c);
        free(req);
    }
}

/* --- 9: deadlines ------------------------------------------------------------------------- */

Test(wire, incomplete_head_gets_408, .timeout = 30)
{
    server_addr();
    char *part;
    cr_assert(asprintf(&part, "GET / HTTP/1.1\r\nHost: %s\r\n", g_hostport) > 0);
    wconn *c = wconnect();
    int64_t t0 = mono_ms();
    send_str(c, part);
    wresp *r = read_response(c, BODY_LENGTH, 6000);
    int64_t took = mono_ms() - t0;
    assert_status(r, 408, "a head that never ends");
    assert_one_line(r, "408 for the head");
    cr_assert(took >= 1500 && took <= 4000, "408 after %lld ms; header_timeout is 2 s",
              (long long)took);
    assert_header_is(r, "Connection", "close", "408 for the head");
    assert_closed(c, 3000, "408 for the head");
    resp_free(r);
    wclose(c);
    free(part);
}

Test(wire, incomplete_body_gets_408, .timeout = 30)
{
    char *req = get_req("POST", "/", "Content-Length: 100\r\n");
    wconn *c = wconnect();
    send_str(c, req);
    int64_t t0 = mono_ms();
    send_str(c, "0123456789");
    wresp *r = read_response(c, BODY_LENGTH, 8000);
    int64_t took = mono_ms() - t0;
    assert_status(r, 408, "a body that stops after 10 of 100 bytes");
    assert_one_line(r, "408 for the body");
    cr_assert(took >= 2500 && took <= 5000, "408 after %lld ms; body_timeout is 3 s",
              (long long)took);
    assert_header_is(r, "Connection", "close", "408 for the body");
    assert_closed(c, 3000, "408 for the body");
    resp_free(r);
    wclose(c);
    free(req);
}

/* header_timeout counts from the head's first byte: trickling bytes does not extend it. */
Test(wire, trickled_head_gets_408_from_its_first_byte, .timeout = 30)
{
    char *req = get_req("GET", "/healthz", NULL);
    wconn *c = wconnect();
    int64_t t0 = mono_ms();
    size_t i = 0, len = strlen(req) - 2;   /* never the final blank line */
    while (i < len && mono_ms() - t0 < 6000) {
        if (send_all_ok(c, req + i, 1) != 0)
            break;
        i++;
        if (wait_eof(c, 200) || c->len > 0)
            break;
    }
    wresp *r = read_response(c, BODY_LENGTH, 3000);
    int64_t took = mono_ms() - t0;
    assert_status(r, 408, "a head trickled one byte every 200 ms");
    cr_assert(took >= 1500 && took <= 3500, "408 after %lld ms; header_timeout is 2 s from the "
              "first byte", (long long)took);
    assert_closed(c, 3000, "408 for a trickled head");
    resp_free(r);
    wclose(c);
    free(req);
}

Test(wire, silent_connection_is_closed, .timeout = 30)
{
    wconn *c = wconnect();
    int64_t t0 = mono_ms();
    int closed = wait_eof(c, 6000);
    int64_t took = mono_ms() - t0;
    cr_assert(closed, "a connection that sends nothing is still open after 6 s");
    cr_assert(took >= 1000 && took <= 4000, "closed after %lld ms; header_timeout (2 s) counts "
              "from accept", (long long)took);
    /* nothing was asked: a silent close, or at most a 408 */
    cr_assert(c->len == 0 || strncmp(c->buf, "HTTP/1.1 408 ", 13) == 0,
              "unexpected bytes to a silent client: %.200s", c->buf);
    wclose(c);
}

Test(wire, idle_keep_alive_is_closed_after_keepalive_timeout, .timeout = 30)
{
    wconn *c = wconnect();
    assert_healthy(c, "the request before idling");
    int64_t t0 = mono_ms();
    sleep_ms(3000);
    assert_open(c, "idle keep-alive connection at 3 s (keepalive_timeout is 5 s)");
    int closed = wait_eof(c, 5000);
    int64_t took = mono_ms() - t0;
    cr_assert(closed, "an idle keep-alive connection is still open after %lld ms", (long long)took);
    cr_assert(took >= 4000 && took <= 8000, "idle connection closed after %lld ms; "
              "keepalive_timeout is 5 s", (long long)took);
    cr_assert_eq(c->len, 0, "bytes sent to an idle connection: %.200s", c->buf);
    wclose(c);
}

/* --- 10, 11, 12: request shapes ----------------------------------------------------------- */

Test(wire, leading_empty_lines_are_skipped, .timeout = 30)
{
    char *req = get_req("GET", "/healthz", NULL);
    char *full;
    cr_assert(asprintf(&full, "\r\n\r\n%s", req) > 0);
    wconn *c;
    wresp *r = exchange_once(&c, full);
    assert_status(r, 200, "leading CRLFs");
    cr_assert_str_eq(r->body, "ok\n");
    cr_assert(!says_close(r), "leading empty lines keep the connection");
    /* and between pipelined requests too */
    char *two;
    cr_assert(asprintf(&two, "\r\n%s\n%s", req, req) > 0);
    send_str(c, two);
    for (int i = 0; i < 2; i++) {
        wresp *k = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
        assert_status(k, 200, "empty lines between pipelined requests");
        cr_assert_str_eq(k->body, "ok\n");
        resp_free(k);
    }
    resp_free(r);
    wclose(c);
    free(two);
    free(full);
    free(req);
}

Test(wire, absolute_form_target, .timeout = 30)
{
    char *text = pattern(777, 11);
    char *id = create_paste(text, 777, "");
    server_addr();
    char *req;
    cr_assert(asprintf(&req, "GET http://%s/raw/%s HTTP/1.1\r\nHost: %s\r\n\r\n", g_hostport, id,
                       g_hostport) > 0);
    wresp *r = exchange_once(NULL, req);
    assert_status(r, 200, "absolute-form target");
    cr_assert_eq(r->body_len, 777, "absolute-form: %zu bytes", r->body_len);
    cr_assert_eq(memcmp(r->body, text, 777), 0, "absolute-form: wrong bytes");
    resp_free(r);
    free(req);
    free(id);
    free(text);
}

Test(wire, head_in_a_pipeline_sends_no_body, .timeout = 30)
{
    size_t n = 3333;
    char *text = pattern(n, 12);
    char *id = create_paste(text, n, "");
    char path[80];
    snprintf(path, sizeof path, "/raw/%s", id);
    char *h = get_req("HEAD", path, NULL), *g = get_req("GET", "/healthz", NULL);
    char *both;
    cr_assert(asprintf(&both, "%s%s", h, g) > 0);
    wconn *c = wconnect();
    send_str(c, both);
    wresp *head = read_response(c, BODY_NONE, IO_TIMEOUT_MS);
    assert_status(head, 200, "HEAD /raw/<id>");
    cr_assert_eq(head->content_length, (long long)n, "HEAD: Content-Length %lld, paste is %zu",
                 head->content_length, n);
    /* the very next bytes must be the GET's status line, not the paste */
    wresp *next = read_response(c, BODY_LENGTH, IO_TIMEOUT_MS);
    assert_status(next, 200, "GET /healthz after HEAD");
    cr_assert_str_eq(next->body, "ok\n", "GET /healthz after HEAD");
    resp_free(head);
    resp_free(next);
    wclose(c);
    free(both);
    free(h);
    free(g);
    free(id);
    free(text);
}

/* --- 13: clients that vanish ---------------------------------------------------------------- */

Test(wire, vanishing_clients_do_not_hurt_the_server, .timeout = 60)
{
    size_t n = 600 * 1024;   /* larger than a socket buffer: the reply cannot all go at once */
    char *text = pattern(n, 13);
    char *id = create_paste(text, n, "");
    char path[80];
    snprintf(path, sizeof path, "/raw/%s", id);
    char *get = get_req("GET", path, NULL);
    char *health = get_req("GET", "/healthz", NULL);   /* answered later: asks both stores */
    char *post = get_req("POST", "/", "Content-Length: 1000\r\n");
    for (int i = 0; i < 20; i++) {
        /* gone while a large reply is being written */
        wconn *c = wconnect();
        send_str(c, get);
        if (i % 4 == 3) {
            send_str(c, get);   /* a pipelined one behind it */
            wabort(c);          /* and a reset instead of a FIN */
        } else {
            wclose(c);
        }
        /* gone while the request is being handled */
        c = wconnect();
        send_str(c, health);
        if (i % 2)
            wabort(c);
        else
            wclose(c);
        /* gone while a create is being handled */
        c = wconnect();
        send_str(c, post);
        send_all(c, text, 1000);
        if (i % 2)
            wclose(c);
        else
            wabort(c);
        /* gone halfway through a body */
        c = wconnect();
        send_str(c, post);
        send_all(c, text, 500);
        if (i % 2)
            wabort(c);
        else
            wclose(c);
    }
    for (int i = 0; i < 3; i++)
        assert_healthy_fresh("GET /healthz after clients vanished");
    assert_raw_bytes(id, text, n, "the paste after clients vanished");
    free(get);
    free(health);
    free(post);
    free(id);
    free(text);
}

/* --- 14: Server-Sent Events ------------------------------------------------------------------ */

/* GET /events on a fresh connection; 200 and the stream's start, or the status when refused. */
static int open_events(wconn **out)
{
    char *req = get_req("GET", "/events", "Accept: text/event-stream\r\n");
    wconn *c = wconnect();
    send_str(c, req);
    free(req);
    wresp *r = read_response(c, BODY_NONE, IO_TIMEOUT_MS);   /* the stream stays in c->buf */
    int status = r->status;
    if (status == 200) {
        char ct[128];
        cr_assert(header_value(r, "Content-Type", ct, sizeof ct), "/events: no Content-Type");
        cr_assert(strncmp(ct, "text/event-stream", 17) == 0, "/events: Content-Type %s", ct);
        cr_assert_eq(r->content_length, -1, "/events: a stream has no Content-Length");
        cr_assert_eq(header_count(r, "Transfer-Encoding"), 0, "/events: not chunked");
        int64_t deadline = mono_ms() + IO_TIMEOUT_MS;
        while (c->len < 11)
            cr_assert_eq(fill(c, deadline), 1, "/events: the stream's first bytes did not come: %s",
                         c->buf);
        cr_assert(strncmp(c->buf, "retry: 3000", 11) == 0, "/events starts with: %.60s", c->buf);
        *out = c;
    } else {
        wclose(c);
        *out = NULL;
    }
    resp_free(r);
    return status;
}

Test(wire, events_slots_come_back, .timeout = 60)
{
    for (int i = 0; i < 6; i++) {
        wconn *c = NULL;
        int status = 0;
        int64_t deadline = mono_ms() + 2000;
        /* a closed stream's slot is freed when its worker notices the EOF: allow a moment */
        while ((status = open_events(&c)) == 503 && mono_ms() < deadline)
            sleep_ms(100);
        cr_assert_eq(status, 200, "/events #%d: status %d after the earlier ones were closed", i + 1,
                     status);
        wclose(c);
    }
}

/* A stream ends when its connection does, so it says Connection: close, and
 * never keep-alive (not even to an HTTP/1.0 client that asked for it). */
Test(wire, events_say_connection_close, .timeout = 30)
{
    const char *reqs[] = {
        "GET /events HTTP/1.1\r\nHost: %s\r\n\r\n",
        "GET /events HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    };
    server_addr();
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        char *req;
        cr_assert(asprintf(&req, reqs[i], g_hostport) > 0);
        int64_t deadline = mono_ms() + 2000;
        wconn *c;
        wresp *r;
        for (;;) {   /* a slot freed by an earlier test may take a moment */
            c = wconnect();
            send_str(c, req);
            r = read_response(c, BODY_NONE, IO_TIMEOUT_MS);
            if (r->status != 503 || mono_ms() > deadline)
                break;
            resp_free(r);
            wclose(c);
            sleep_ms(100);
        }
        assert_status(r, 200, reqs[i]);
        char v[128] = "";
        cr_assert(header_value(r, "Connection", v, sizeof v), "/events: no Connection header");
        for (const char *line = strstr(r->head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n"))
            if (strncasecmp(line + 2, "Connection:", 11) == 0)
                cr_assert(strcasestr(line + 2, "keep-alive") == NULL,
                          "a stream's response says keep-alive although it ends with the "
                          "connection (request: %s):\n%s", reqs[i], r->head);
        cr_assert_str_eq(v, "close", "/events: Connection");
        resp_free(r);
        wclose(c);
        free(req);
    }
}

/* HEAD /events: the headers of the stream, no body, and the connection does
 * not become a stream (the next pipelined request is answered, or it closes). */
Test(wire, head_events_has_no_body, .timeout = 30)
{
    char *h = get_req("HEAD", "/events", NULL), *g = get_req("GET", "/healthz", NULL);
    char *both;
    cr_assert(asprintf(&both, "%s%s", h, g) > 0);
    wconn *c = wconnect();
    send_str(c, both);
    wresp *r = read_response(c, BODY_NONE, IO_TIMEOUT_MS);
    cr_assert(r->status == 200 || r->status == 405, "HEAD /events: status %d", r->status);
    int64_t deadline = mono_ms() + 2000;
    int k = 1;
    while (c->len < 9 && (k = fill(c, deadline)) == 1)
        ;
    cr_assert(c->len == 0 || strncmp(c->buf, "HTTP/1.1 ", 9) == 0,
              "HEAD /events sent a body: %.80s", c->buf);
    cr_assert(c->len > 0 || k == 0, "after HEAD /events the connection neither answered the "
              "pipelined GET nor closed within 2 s");
    resp_free(r);
    wclose(c);
    free(both);
    free(h);
    free(g);
}
