/* test_httpparse.c — unit tests for src/httpparse.c: finding the end of a
 * request head (whole and piecewise), strict request-line and header
 * parsing with the exact refusal status, body-framing decisions, a small
 * fuzz of the head parser, and the incremental chunked-body decoder.
 *
 * Heads and bodies are always parsed from exact-size heap copies (see
 * exact_copy below) so that AddressSanitizer flags any read past the
 * declared length; piecewise feeding copies every piece the same way. */
#include <criterion/criterion.h>

#include <event2/buffer.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/parse.h"

/* ----------------------------------------------------------- helpers */

static char *exact_copy(const char *s, size_t len) {
    char *c = malloc(len ? len : 1);
    cr_assert_not_null(c);
    if (len) memcpy(c, s, len);
    return c;
}

/* A parsed head plus the exact-size buffer its strings point into. */
typedef struct parsed {
    http_head h;
    char *buf;
    size_t len;
    int rc;
    const char *why;
} parsed;

static parsed *parse_head(const char *s, size_t len) {
    parsed *p = calloc(1, sizeof *p);
    cr_assert_not_null(p);
    p->buf = exact_copy(s, len);
    p->len = len;
    p->why = NULL;
    p->rc = http_parse_head(p->buf, len, &p->h, &p->why);
    return p;
}

static void done(parsed *p) {
    free(p->buf);
    free(p);
}

#define PARSE(lit) parse_head((lit), sizeof(lit) - 1)

/* Parses `lit` and requires it to be accepted. */
#define ACCEPT(var, lit)                                                     \
    parsed *var = PARSE(lit);                                                \
    cr_assert_eq(var->rc, 0, "refused (%d: %s): %s", var->rc,                \
                 var->why ? var->why : "(null)", (lit))

static void assert_refused_n(const char *s, size_t len, int status) {
    parsed *p = parse_head(s, len);
    cr_assert_eq(p->rc, status, "status %d (%s), want %d for: %.*s", p->rc,
                 p->why ? p->why : "(null)", status, (int)len, s);
    cr_assert_not_null(p->why, "no reason for status %d", status);
    cr_assert_gt(strlen(p->why), 0, "empty reason for status %d", status);
    cr_assert_null(strchr(p->why, '\n'), "reason must be one line");
    done(p);
}

#define REFUSE(lit, status) assert_refused_n((lit), sizeof(lit) - 1, (status))

static void assert_str(const char *got, const char *want) {
    cr_assert_not_null(got, "got NULL, want \"%s\"", want);
    cr_assert_str_eq(got, want);
}

/* http_head_end over the first `len` bytes, through an exact-size copy. */
static size_t head_end_n(const char *s, size_t len, size_t *scanned) {
    char *c = exact_copy(s, len);
    size_t r = http_head_end(c, len, scanned);
    cr_assert_leq(*scanned, len, "scanned cursor past the data");
    free(c);
    return r;
}

/* http_head_end fed one more byte per call, sharing one cursor: it must
 * report nothing until the blank line is complete, then its end. */
static size_t head_end_bytewise(const char *s, size_t len) {
    size_t scanned = 0;
    for (size_t k = 1; k <= len; k++) {
        size_t r = head_end_n(s, k, &scanned);
        if (r) {
            cr_assert_leq(r, k);
            return r;
        }
    }
    return 0;
}

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* Chunked decoding state plus its output. */
typedef struct dechunk {
    http_chunked c;
    struct evbuffer *out;
    int done;
    const char *why;
} dechunk;

static void dechunk_init(dechunk *d) {
    memset(d, 0, sizeof *d);
    d->out = evbuffer_new();
    cr_assert_not_null(d->out);
}

static void dechunk_free(dechunk *d) {
    evbuffer_free(d->out);
}

/* Feeds in[0..len) through an exact-size copy. */
static ssize_t feed(dechunk *d, const char *in, size_t len) {
    char *c = exact_copy(in, len);
    d->why = NULL;
    ssize_t r = http_chunked_decode(&d->c, c, len, d->out, &d->done, &d->why);
    free(c);
    if (r < 0) {
        cr_assert_eq(r, -1);
        cr_assert_not_null(d->why, "no reason for malformed framing");
        cr_assert_gt(strlen(d->why), 0);
    } else {
        cr_assert_leq((size_t)r, len);
    }
    return r;
}

#define FEED(d, lit) feed((d), (lit), sizeof(lit) - 1)

/* Feeds one byte per call; returns the total consumed or -1. */
static ssize_t feed_bytewise(dechunk *d, const char *in, size_t len) {
    size_t total = 0;
    for (size_t i = 0; i < len; i++) {
        ssize_t r = feed(d, in + i, 1);
        if (r < 0) return -1;
        total += (size_t)r;
        if (d->done) {
            /* once done, nothing more is consumed */
            cr_assert(r == 0 || total == i + 1);
            break;
        }
        cr_assert_eq(r, 1, "a byte before the end was not consumed");
    }
    return (ssize_t)total;
}

static void assert_output(const dechunk *d, const char *want, size_t want_len) {
    size_t n = evbuffer_get_length(d->out);
    cr_assert_eq(n, want_len, "decoded %zu bytes, want %zu", n, want_len);
    if (want_len) {
        unsigned char *got = evbuffer_pullup(d->out, -1);
        cr_assert_not_null(got);
        cr_assert_eq(memcmp(got, want, want_len), 0, "decoded bytes differ");
    }
}

#define ASSERT_OUTPUT(d, lit) assert_output((d), (lit), sizeof(lit) - 1)

/* --------------------------------------------------------- head end */

Test(httpparse, head_end_crlf) {
    static const char h[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    size_t scanned = 0;
    cr_assert_eq(head_end_n(h, sizeof h - 1, &scanned), sizeof h - 1);
    scanned = 0;
    cr_assert_eq(head_end_n("GET / HTTP/1.0\r\n\r\n", 18, &scanned), 18);
}

Test(httpparse, head_end_bare_lf) {
    static const char h[] = "GET / HTTP/1.1\nHost: a\n\n";
    size_t scanned = 0;
    cr_assert_eq(head_end_n(h, sizeof h - 1, &scanned), sizeof h - 1);
    /* mixed: LF line ending, then CRLF blank line, and the reverse */
    scanned = 0;
    cr_assert_eq(head_end_n("GET / HTTP/1.1\nHost: a\n\r\n", 25, &scanned), 25);
    scanned = 0;
    cr_assert_eq(head_end_n("GET / HTTP/1.1\r\nHost: a\r\n\n", 26, &scanned), 26);
}

Test(httpparse, head_end_incomplete) {
    static const char *partial[] = {
        "", "G", "GET / HTTP/1.1", "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r",
        "GET / HTTP/1.1\nHost: a\n", "GET / HTTP/1.1\r\nHost: a\n\r",
        "GET / HTTP/1.1\r\n\r\r\n",  /* "\r\r\n" is not a blank line */
    };
    for (size_t i = 0; i < sizeof partial / sizeof *partial; i++) {
        size_t scanned = 0;
        cr_assert_eq(head_end_n(partial[i], strlen(partial[i]), &scanned), 0,
                     "complete too early: %s", partial[i]);
    }
}

Test(httpparse, head_end_body_not_counted) {
    static const char h[] = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n";
    static const char hb[] = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nBODY\r\n\r\n";
    size_t scanned = 0;
    cr_assert_eq(head_end_n(hb, sizeof hb - 1, &scanned), sizeof h - 1);
    scanned = 0;
    cr_assert_eq(head_end_n("GET / HTTP/1.0\n\n\n\n", 18, &scanned), 16);
}

Test(httpparse, head_end_one_byte_at_a_time) {
    static const char *heads[] = {
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\nHost: a\n\n",
        "GET / HTTP/1.1\nHost: a\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\n",
        "POST /p HTTP/1.1\r\nHost: a\r\nX: \r\r\nContent-Length: 3\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        size_t n = strlen(heads[i]);
        cr_assert_eq(head_end_bytewise(heads[i], n), n, "head %zu", i);
    }
    /* with a body behind it, the end is still the head's end */
    static const char hb[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\nxyz\n\n";
    cr_assert_eq(head_end_bytewise(hb, sizeof hb - 1), sizeof hb - 1 - 5);
}

Test(httpparse, head_end_in_pieces_matches_whole) {
    static const char h[] = "PUT /a?b HTTP/1.1\r\nHost: example\r\nContent-Length: 0\r\n\r\ntrailing";
    size_t want = sizeof h - 1 - 8;
    for (size_t cut = 0; cut <= sizeof h - 1; cut++) {
        size_t scanned = 0;
        size_t r = head_end_n(h, cut, &scanned);
        if (cut < want) {
            cr_assert_eq(r, 0, "cut %zu", cut);
            r = head_end_n(h, sizeof h - 1, &scanned);
        }
        cr_assert_eq(r, want, "cut %zu", cut);
    }
}

/* ------------------------------------------------------- accepting */

Test(httpparse, simple_get) {
    ACCEPT(p, "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert_str(p->h.method, "GET");
    assert_str(p->h.path, "/index.html");
    cr_assert_null(p->h.query);
    cr_assert_eq(p->h.minor_version, 1);
    cr_assert_eq(p->h.n_headers, 1);
    assert_str(p->h.headers[0].name, "Host");
    assert_str(p->h.headers[0].value, "example.com");
    cr_assert_eq(p->h.content_length, -1);
    cr_assert_eq(p->h.chunked, 0);
    cr_assert_eq(p->h.keep_alive, 1);
    cr_assert_eq(p->h.expect_continue, 0);
    done(p);
}

Test(httpparse, bare_lf_lines) {
    ACCEPT(p, "POST /p HTTP/1.1\nHost: h\nContent-Length: 3\n\n");
    assert_str(p->h.method, "POST");
    assert_str(p->h.path, "/p");
    cr_assert_eq(p->h.content_length, 3);
    assert_str(http_find_header(&p->h, "host"), "h");
    done(p);
}

Test(httpparse, query_split) {
    ACCEPT(p, "GET /raw/abc?lang=c&x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_str(p->h.path, "/raw/abc");
    assert_str(p->h.query, "lang=c&x=1");
    done(p);

    ACCEPT(q, "GET /?a?b HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_str(q->h.path, "/");
    assert_str(q->h.query, "a?b");
    done(q);

    ACCEPT(e, "GET /x? HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_str(e->h.path, "/x");
    assert_str(e->h.query, "");
    done(e);
}

Test(httpparse, absolute_form_target) {
    ACCEPT(p, "GET http://h/p?q HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_str(p->h.path, "/p");
    assert_str(p->h.query, "q");
    done(p);

    ACCEPT(r, "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_str(r->h.path, "/");
    cr_assert_null(r->h.query);
    done(r);

    ACCEPT(s, "GET HTTPS://example.com:8443/a/b HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert_str(s->h.path, "/a/b");
    cr_assert_null(s->h.query);
    done(s);

    ACCEPT(t, "GET http://h?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_str(t->h.path, "/");
    assert_str(t->h.query, "x=1");
    done(t);
}

Test(httpparse, http10_without_host) {
    ACCEPT(p, "GET / HTTP/1.0\r\n\r\n");
    cr_assert_eq(p->h.minor_version, 0);
    cr_assert_eq(p->h.keep_alive, 0);
    cr_assert_eq(p->h.n_headers, 0);
    done(p);

    ACCEPT(k, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    cr_assert_eq(k->h.keep_alive, 1);
    done(k);

    ACCEPT(c, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    cr_assert_eq(c->h.keep_alive, 1);
    done(c);
}

Test(httpparse, http11_keep_alive) {
    ACCEPT(p, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    cr_assert_eq(p->h.keep_alive, 1);
    done(p);

    ACCEPT(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    cr_assert_eq(c->h.keep_alive, 0);
    done(c);

    ACCEPT(l, "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n");
    cr_assert_eq(l->h.keep_alive, 0);
    done(l);

    ACCEPT(o, "GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n");
    cr_assert_eq(o->h.keep_alive, 1, "\"closed\" is not the close token");
    done(o);
}

Test(httpparse, connection_close_wins_over_keep_alive) {
    /* separate Connection headers: close wins whichever comes first */
    ACCEPT(a, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n");
    cr_assert_eq(a->h.keep_alive, 0, "a later keep-alive must not undo close");
    done(a);

    ACCEPT(b, "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n");
    cr_assert_eq(b->h.keep_alive, 0);
    done(b);

    ACCEPT(c, "GET / HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n");
    cr_assert_eq(c->h.keep_alive, 0, "HTTP/1.0 too");
    done(c);

    ACCEPT(d, "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n");
    cr_assert_eq(d->h.keep_alive, 0, "and within one header");
    done(d);
}

Test(httpparse, value_trimming) {
    ACCEPT(p, "GET / HTTP/1.1\r\nHost: \t  h  \t\r\nX-A:v\r\nX-B:   \r\nX-C: a b\t c \r\n\r\n");
    assert_str(http_find_header(&p->h, "Host"), "h");
    assert_str(http_find_header(&p->h, "X-A"), "v");
    assert_str(http_find_header(&p->h, "X-B"), "");
    assert_str(http_find_header(&p->h, "X-C"), "a b\t c");
    cr_assert_eq(p->h.n_headers, 4);
    done(p);
}

Test(httpparse, obs_text_in_values) {
    ACCEPT(p, "GET / HTTP/1.1\r\nHost: h\r\nX-U: caf\xc3\xa9 \x80\xff\r\n\r\n");
    assert_str(http_find_header(&p->h, "x-u"), "caf\xc3\xa9 \x80\xff");
    done(p);
}

Test(httpparse, content_length) {
    ACCEPT(p, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 1234\r\n\r\n");
    cr_assert_eq(p->h.content_length, 1234);
    cr_assert_eq(p->h.chunked, 0);
    done(p);

    ACCEPT(z, "POST /p HTTP/1.1\r\nHost: h\r\ncontent-length: 0\r\n\r\n");
    cr_assert_eq(z->h.content_length, 0);
    done(z);

    ACCEPT(big, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999999999999\r\n\r\n");
    cr_assert_eq(big->h.content_length, INT64_C(999999999999999999));
    done(big);

    ACCEPT(lz, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\n");
    cr_assert_eq(lz->h.content_length, 7);
    done(lz);
}

Test(httpparse, repeated_identical_content_length) {
    ACCEPT(p, "POST /p HTTP/1.1\r\nContent-Length: 5\r\nHost: h\r\nCONTENT-LENGTH:5 \r\n\r\n");
    cr_assert_eq(p->h.content_length, 5);
    done(p);
}

Test(httpparse, transfer_encoding_chunked) {
    ACCEPT(p, "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    cr_assert_eq(p->h.chunked, 1);
    cr_assert_eq(p->h.content_length, -1);
    done(p);

    ACCEPT(c, "POST /p HTTP/1.1\r\nHost: h\r\ntransfer-encoding:  ChUnKeD \r\n\r\n");
    cr_assert_eq(c->h.chunked, 1);
    done(c);
}

Test(httpparse, expect_continue) {
    ACCEPT(p, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    cr_assert_eq(p->h.expect_continue, 1);
    cr_assert_eq(p->h.content_length, 10);
    done(p);

    ACCEPT(c, "POST /p HTTP/1.1\r\nHost: h\r\nexpect: 100-Continue\r\n\r\n");
    cr_assert_eq(c->h.expect_continue, 1);
    done(c);
}

Test(httpparse, find_header_case_insensitive) {
    ACCEPT(p, "GET / HTTP/1.1\r\nHost: h\r\nX-Custom-Thing: one\r\nx-other: two\r\n\r\n");
    assert_str(http_find_header(&p->h, "x-custom-thing"), "one");
    assert_str(http_find_header(&p->h, "X-CUSTOM-THING"), "one");
    assert_str(http_find_header(&p->h, "X-Other"), "two");
    assert_str(http_find_header(&p->h, "HOST"), "h");
    cr_assert_null(http_find_header(&p->h, "X-Custom"), "prefix must not match");
    cr_assert_null(http_find_header(&p->h, "X-Custom-Thing2"));
    cr_assert_null(http_find_header(&p->h, "Content-Length"));
    done(p);

    ACCEPT(d, "GET / HTTP/1.1\r\nHost: h\r\nX-D: first\r\nx-d: second\r\n\r\n");
    assert_str(http_find_header(&d->h, "X-D"), "first");
    done(d);
}

Test(httpparse, methods_are_tokens) {
    ACCEPT(p, "M-SEARCH / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_str(p->h.method, "M-SEARCH");
    done(p);
    ACCEPT(s, "ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: h\r\n\r\n"); /* 16 characters */
    assert_str(s->h.method, "ABCDEFGHIJKLMNOP");
    done(s);
}

/* A head with `n` header lines (Host first, then X-N: v). */
static char *many_headers(int n, size_t *len) {
    size_t cap = 64 + (size_t)n * 32;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    size_t o = (size_t)snprintf(s, cap, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 1; i < n; i++) o += (size_t)snprintf(s + o, cap - o, "X-%d: v%d\r\n", i, i);
    o += (size_t)snprintf(s + o, cap - o, "\r\n");
    *len = o;
    return s;
}

Test(httpparse, header_limit) {
    size_t len;
    char *ok = many_headers(HTTP_MAX_HEADERS, &len);
    parsed *p = parse_head(ok, len);
    cr_assert_eq(p->rc, 0, "%s", p->why ? p->why : "");
    cr_assert_eq(p->h.n_headers, HTTP_MAX_HEADERS);
    assert_str(http_find_header(&p->h, "X-63"), "v63");
    done(p);
    free(ok);

    char *bad = many_headers(HTTP_MAX_HEADERS + 1, &len);
    assert_refused_n(bad, len, 431);
    free(bad);

    char *worse = many_headers(500, &len);
    assert_refused_n(worse, len, 431);
    free(worse);
}

Test(httpparse, strings_point_into_buffer) {
    parsed *p = PARSE("POST /a/b?c=d HTTP/1.1\r\nHost: h\r\nX-Y: z\r\n\r\n");
    cr_assert_eq(p->rc, 0);
    const char *lo = p->buf, *hi = p->buf + p->len;
    cr_assert(p->h.method >= lo && p->h.method < hi);
    cr_assert(p->h.path >= lo && p->h.path < hi);
    cr_assert(p->h.query >= lo && p->h.query < hi);
    for (int i = 0; i < p->h.n_headers; i++) {
        cr_assert(p->h.headers[i].name >= lo && p->h.headers[i].name < hi);
        cr_assert(p->h.headers[i].value >= lo && p->h.headers[i].value < hi);
    }
    done(p);
}

/* -------------------------------------------------------- refusing */

Test(httpparse, malformed_request_line) {
    REFUSE("\r\n\r\n", 400);
    REFUSE("GET\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / \r\nHost: h\r\n\r\n", 400);
    REFUSE(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /  HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400);
    REFUSE("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /\tHTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\rX\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\r\nHost: h\r\n\r\n", 400);
    REFUSE("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: h\r\n\r\n", 400); /* 17 */
    REFUSE("", 400);
    REFUSE("GET / HTTP/1.1", 400); /* no line end at all */
}

Test(httpparse, malformed_versions) {
    REFUSE("GET / http/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / Http/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/11\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/x.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1,1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTPS/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / garbage\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /\r\n\r\n", 400); /* HTTP/0.9 */
}

Test(httpparse, unsupported_versions) {
    REFUSE("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505);
    REFUSE("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505);
    REFUSE("GET / HTTP/1.9\r\nHost: h\r\n\r\n", 505);
    REFUSE("GET / HTTP/0.9\r\n\r\n", 505);
    REFUSE("GET / HTTP/3.0\r\nHost: h\r\n\r\n", 505);
}

Test(httpparse, host_rules) {
    REFUSE("GET / HTTP/1.1\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nX-Host: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.0\r\nHost: a\r\nHOST: b\r\n\r\n", 400);
}

Test(httpparse, malformed_header_lines) {
    REFUSE("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400);   /* space before colon */
    REFUSE("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\n: empty-name\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nBad(Name): v\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX Y: v\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHo\xc3\xa9st: h\r\n\r\n", 400);
}

Test(httpparse, obs_fold_refused) {
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\nHost: h\n  continued\n\n", 400);
}

Test(httpparse, control_chars_in_values) {
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", 400);   /* bare CR */
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\r\n\r\n", 400);    /* CR CR LF */
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX-A: \r\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01z\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x1b[0m\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\x0b\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n\r\n", 400);          /* "\r" alone */
}

/* A NUL is a control character wherever it appears: C-string handling must
 * not let it cut a line short and hide what follows. */
Test(httpparse, nul_in_request_line) {
    REFUSE("G\0ET / HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET \0/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /\0x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\0\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\0junk\r\nHost: h\r\n\r\n", 400);
}

Test(httpparse, nul_in_header_value) {
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n", 400);
    REFUSE("GET / HTTP/1.1\r\nHost: h\0evil\r\n\r\n", 400);
}

Test(httpparse, nul_line_does_not_end_the_head) {
    /* a line holding only a NUL is not the blank line: the headers behind it
     * (here, a Content-Length a front end would honour) must not vanish */
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\n\0\r\nContent-Length: 5\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\n\0\nTransfer-Encoding: gzip\r\n\r\n", 400);
}

Test(httpparse, nul_in_header_name) {
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nX\0-A: v\r\n\r\n", 400);
}

Test(httpparse, bad_content_length) {
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 00\r\nContent-Length: 1\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12a\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1.0\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775808\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551621\r\n\r\n", 400);
}

Test(httpparse, content_length_with_transfer_encoding) {
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", 400);
}

Test(httpparse, unsupported_transfer_encoding) {
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 501);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", 501);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunkedx\r\n\r\n", 501);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n", 501);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
}

Test(httpparse, chunked_needs_http11) {
    REFUSE("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
    REFUSE("POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
}

Test(httpparse, unsupported_expect) {
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n", 417);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, foo\r\n\r\n", 417);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nExpect:\r\n\r\n", 417);
    REFUSE("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continuex\r\n\r\n", 417);
}

Test(httpparse, bad_targets) {
    REFUSE("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET /a?b#c HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET http://h/p#f HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET index.html HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET ftp://h/p HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET http:// HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET ?q HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

Test(httpparse, absolute_form_empty_host) {
    /* "http://?q" names no host: it must not become the path "/" */
    REFUSE("GET http://?q HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET https://?q HTTP/1.1\r\nHost: h\r\n\r\n", 400);
    REFUSE("GET http://? HTTP/1.1\r\nHost: h\r\n\r\n", 400);
}

Test(httpparse, first_error_wins_over_header_count) {
    /* a bad line among the first 64 is reported as itself */
    REFUSE("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n"
           "A: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\n\r\n", 400);
}

/* ------------------------------------------------------------- fuzz */

static const char valid_head[] =
    "POST /paste?x=1 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Content-Length: 12\r\n"
    "Connection: keep-alive\r\n"
    "Expect: 100-continue\r\n"
    "Transfer-Encoding: chunked\r\n"
    "X-Thing: a, b\r\n"
    "\r\n";

static int status_ok(int rc) {
    return rc == 0 || rc == 400 || rc == 417 || rc == 431 || rc == 501 || rc == 505;
}

static void check_parsed(const parsed *p) {
    cr_assert(status_ok(p->rc), "unexpected status %d", p->rc);
    if (p->rc != 0) {
        cr_assert_not_null(p->why);
        cr_assert_gt(strlen(p->why), 0);
        return;
    }
    const char *lo = p->buf, *hi = p->buf + p->len;
    cr_assert(p->h.method >= lo && p->h.method < hi);
    cr_assert_not_null(p->h.path);
    cr_assert_eq(p->h.path[0], '/');
    cr_assert(p->h.minor_version == 0 || p->h.minor_version == 1);
    cr_assert(p->h.n_headers >= 0 && p->h.n_headers <= HTTP_MAX_HEADERS);
    cr_assert(!(p->h.chunked && p->h.content_length >= 0));
    cr_assert(p->h.content_length >= -1);
    for (int i = 0; i < p->h.n_headers; i++) {
        cr_assert(p->h.headers[i].name >= lo && p->h.headers[i].name < hi);
        cr_assert(p->h.headers[i].value >= lo && p->h.headers[i].value < hi);
    }
}

Test(httpparse, fuzz_random_and_mutated_heads) {
    static const char alphabet[] = "\r\n\r\n: /?#.HTTP/1.01GETPOSThostHost\t\0\x7f\xff"
                                   "Content-LengthTransfer-Encodingchunked0123456789,";
    uint64_t seed = 0x5eed1234;
    char buf[400];
    int accepted = 0, refused = 0;
    for (int iter = 0; iter < 6000; iter++) {
        size_t len;
        if (iter % 2 == 0) {
            len = (size_t)(rng_next(&seed) % sizeof buf);
            for (size_t i = 0; i < len; i++) {
                uint64_t r = rng_next(&seed);
                buf[i] = (r & 7) == 0 ? (char)(r >> 8) : alphabet[(r >> 8) % (sizeof alphabet - 1)];
            }
            if (len > 16 && iter % 4 == 0) memcpy(buf, "GET / HTTP/1.1\r\n", 16);
        } else {
            len = sizeof valid_head - 1;
            memcpy(buf, valid_head, len);
            int edits = 1 + (int)(rng_next(&seed) % 3);
            for (int e = 0; e < edits && len > 0; e++) {
                size_t at = (size_t)(rng_next(&seed) % len);
                switch (rng_next(&seed) % 4) {
                case 0: buf[at] = (char)rng_next(&seed); break;
                case 1: len = at; break;                                  /* truncate */
                case 2:                                                   /* delete */
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                    break;
                default: buf[at] = alphabet[rng_next(&seed) % (sizeof alphabet - 1)];
                }
            }
        }

        /* the head end, whole and split at a random point, must agree */
        size_t s0 = 0, s1 = 0;
        size_t end = head_end_n(buf, len, &s0);
        cr_assert_leq(end, len);
        size_t cut = len ? (size_t)(rng_next(&seed) % (len + 1)) : 0;
        size_t part = head_end_n(buf, cut, &s1);
        if (part)
            cr_assert_eq(part, end, "split head end %zu vs %zu", part, end);
        else
            cr_assert_eq(head_end_n(buf, len, &s1), end, "resumed head end differs");

        /* parse the head as conn.c would, and also the raw bytes */
        if (end) {
            parsed *p = parse_head(buf, end);
            check_parsed(p);
            if (p->rc == 0) accepted++; else refused++;
            done(p);
        }
        parsed *q = parse_head(buf, len);
        check_parsed(q);
        if (q->rc == 0) accepted++; else refused++;
        done(q);
    }
    cr_assert_gt(accepted, 0, "mutations that keep the head valid should parse");
    cr_assert_gt(refused, 0);
}

/* ---------------------------------------------------------- chunked */

Test(httpparse, chunked_normal_body) {
    dechunk d;
    dechunk_init(&d);
    static const char b[] = "5\r\nhello\r\n0\r\n\r\n";
    cr_assert_eq(FEED(&d, b), (ssize_t)(sizeof b - 1));
    cr_assert_eq(d.done, 1);
    ASSERT_OUTPUT(&d, "hello");
    dechunk_free(&d);
}

Test(httpparse, chunked_several_chunks_hex_sizes) {
    dechunk d;
    dechunk_init(&d);
    static const char b[] = "3\r\nabc\r\nA\r\n0123456789\r\n1a\r\nABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n"
                            "00001\r\n\0\r\n0\r\n\r\n";
    cr_assert_eq(FEED(&d, b), (ssize_t)(sizeof b - 1));
    cr_assert_eq(d.done, 1);
    assert_output(&d, "abc0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\0", 40);
    dechunk_free(&d);
}

Test(httpparse, chunked_data_may_hold_framing_bytes) {
    dechunk d;
    dechunk_init(&d);
    static const char b[] = "6\r\n0\r\n\r\n\r\n0\r\n\r\n";
    cr_assert_eq(FEED(&d, b), (ssize_t)(sizeof b - 1));
    cr_assert_eq(d.done, 1);
    ASSERT_OUTPUT(&d, "0\r\n\r\n\r");
    dechunk_free(&d);
}

Test(httpparse, chunked_bare_lf) {
    dechunk d;
    dechunk_init(&d);
    static const char b[] = "5\nhello\n6\n world\n0\n\n";
    cr_assert_eq(FEED(&d, b), (ssize_t)(sizeof b - 1));
    cr_assert_eq(d.done, 1);
    ASSERT_OUTPUT(&d, "hello world");
    dechunk_free(&d);
}

Test(httpparse, chunked_extensions) {
    dechunk d;
    dechunk_init(&d);
    static const char b[] = "5;name=value\r\nhello\r\n"
                            "1 ; a=\"q;x\" ; b\r\n!\r\n"
                            "0;last\r\n\r\n";
    cr_assert_eq(FEED(&d, b), (ssize_t)(sizeof b - 1));
    cr_assert_eq(d.done, 1);
    ASSERT_OUTPUT(&d, "hello!");
    dechunk_free(&d);
}

Test(httpparse, chunked_trailers) {
    dechunk d;
    dechunk_init(&d);
    static const char b[] = "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: d e\r\n\r\n";
    cr_assert_eq(FEED(&d, b), (ssize_t)(sizeof b - 1));
    cr_assert_eq(d.done, 1);
    ASSERT_OUTPUT(&d, "hello");
    dechunk_free(&d);

    dechunk l;
    dechunk_init(&l);
    static const char bl[] = "2\nhi\n0\nX-T: 1\n\n";
    cr_assert_eq(FEED(&l, bl), (ssize_t)(sizeof bl - 1));
    cr_assert_eq(l.done, 1);
    ASSERT_OUTPUT(&l, "hi");
    dechunk_free(&l);
}

Test(httpparse, chunked_zero_length_body) {
    dechunk d;
    dechunk_init(&d);
    cr_assert_eq(FEED(&d, "0\r\n\r\n"), 5);
    cr_assert_eq(d.done, 1);
    cr_assert_eq(evbuffer_get_length(d.out), 0);
    dechunk_free(&d);

    dechunk l;
    dechunk_init(&l);
    cr_assert_eq(FEED(&l, "0\n\n"), 3);
    cr_assert_eq(l.done, 1);
    dechunk_free(&l);
}

Test(httpparse, chunked_incomplete_is_not_done) {
    static const char *partial[] = {
        "", "5", "5\r", "5\r\n", "5\r\nhel", "5\r\nhello", "5\r\nhello\r",
        "5\r\nhello\r\n", "5\r\nhello\r\n0", "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\n\r",
        "0\r\nX: y\r\n", "5;ext", "0\r\nX: y",
    };
    for (size_t i = 0; i < sizeof partial / sizeof *partial; i++) {
        dechunk d;
        dechunk_init(&d);
        size_t n = strlen(partial[i]);
        cr_assert_eq(feed(&d, partial[i], n), (ssize_t)n, "partial %zu", i);
        cr_assert_eq(d.done, 0, "done too early: partial %zu", i);
        dechunk_free(&d);
    }
}

Test(httpparse, chunked_one_byte_at_a_time) {
    static const char *bodies[] = {
        "5\r\nhello\r\n0\r\n\r\n",
        "5\nhello\n6\n world\n0\n\n",
        "5;name=value\r\nhello\r\n1 ; a=b\r\n!\r\n0;last\r\n\r\n",
        "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: d e\r\n\r\n",
        "0\r\n\r\n",
        "10\r\n0123456789abcdef\r\n3\r\n\r\n\r\r\n0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        size_t n = strlen(bodies[i]);
        dechunk whole, bytes;
        dechunk_init(&whole);
        dechunk_init(&bytes);
        cr_assert_eq(feed(&whole, bodies[i], n), (ssize_t)n, "body %zu", i);
        cr_assert_eq(whole.done, 1);
        cr_assert_eq(feed_bytewise(&bytes, bodies[i], n), (ssize_t)n, "body %zu", i);
        cr_assert_eq(bytes.done, 1, "body %zu", i);
        size_t wn = evbuffer_get_length(whole.out);
        assert_output(&bytes, (const char *)evbuffer_pullup(whole.out, -1), wn);
        dechunk_free(&whole);
        dechunk_free(&bytes);
    }
}

Test(httpparse, chunked_in_random_pieces) {
    static const char b[] = "7;x=y\r\nabcdefg\r\n2\nhi\r\n1\r\n\n\r\n0\r\nT: v\r\n\r\nNEXT";
    uint64_t seed = 42;
    for (int iter = 0; iter < 200; iter++) {
        dechunk d;
        dechunk_init(&d);
        size_t off = 0, total = sizeof b - 1;
        while (off < total && !d.done) {
            size_t n = 1 + (size_t)(rng_next(&seed) % 7);
            if (n > total - off) n = total - off;
            ssize_t r = feed(&d, b + off, n);
            cr_assert_geq(r, 0);
            if (!d.done) cr_assert_eq((size_t)r, n);
            off += (size_t)r;
        }
        cr_assert_eq(d.done, 1);
        cr_assert_eq(off, total - 4, "stops before the next request");
        ASSERT_OUTPUT(&d, "abcdefghi\n");
        dechunk_free(&d);
    }
}

Test(httpparse, chunked_stops_at_end) {
    dechunk d;
    dechunk_init(&d);
    static const char b[] = "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
    cr_assert_eq(FEED(&d, b), 15);
    cr_assert_eq(d.done, 1);
    ASSERT_OUTPUT(&d, "hello");
    /* a finished decoder consumes nothing more */
    cr_assert_eq(FEED(&d, "5\r\nworld\r\n"), 0);
    cr_assert_eq(d.done, 1);
    ASSERT_OUTPUT(&d, "hello");
    dechunk_free(&d);

    dechunk t;
    dechunk_init(&t);
    static const char bt[] = "0\r\nA: b\r\n\r\nxyz";
    cr_assert_eq(FEED(&t, bt), (ssize_t)(sizeof bt - 1 - 3));
    cr_assert_eq(t.done, 1);
    dechunk_free(&t);
}

static void assert_chunked_bad(const char *in, size_t len) {
    dechunk d;
    dechunk_init(&d);
    cr_assert_eq(feed(&d, in, len), -1, "accepted: %.*s", (int)len, in);
    cr_assert_eq(d.done, 0);
    dechunk_free(&d);
    /* and the same byte by byte */
    dechunk_init(&d);
    cr_assert_eq(feed_bytewise(&d, in, len), -1, "accepted bytewise: %.*s", (int)len, in);
    dechunk_free(&d);
}

#define CHUNKED_BAD(lit) assert_chunked_bad((lit), sizeof(lit) - 1)

Test(httpparse, chunked_malformed_size) {
    CHUNKED_BAD("\r\n");
    CHUNKED_BAD("x\r\n");
    CHUNKED_BAD("g\r\nhello\r\n");
    CHUNKED_BAD(";ext\r\n");
    CHUNKED_BAD(" 5\r\nhello\r\n");
    CHUNKED_BAD("-5\r\n");
    CHUNKED_BAD("+5\r\n");
    CHUNKED_BAD("0x5\r\nhello\r\n");
    CHUNKED_BAD("5x\r\nhello\r\n");
    CHUNKED_BAD("5\rhello\r\n");          /* CR not followed by LF */
    CHUNKED_BAD("5;a\x01\r\nhello\r\n");   /* control char in an extension */
    CHUNKED_BAD("5;a\rb\r\nhello\r\n");
    CHUNKED_BAD("5\r\nhello\r\nz\r\n");
    CHUNKED_BAD("5\0\r\nhello\r\n");
}

Test(httpparse, chunked_blanks_after_size) {
    /* blanks after the size may only lead to ';' or the line end */
    CHUNKED_BAD("5 6\r\nhello\r\n0\r\n\r\n");
    CHUNKED_BAD("5 6\r\n");
    CHUNKED_BAD("5\t6\r\n");
    CHUNKED_BAD("5 x\r\nhello\r\n");

    static const char *ok[] = {
        "5 ;ext\r\nhello\r\n0\r\n\r\n",
        "5  \r\nhello\r\n0\r\n\r\n",
        "5\t;ext\r\nhello\r\n0\r\n\r\n",
        "5 \nhello\n0\n\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        size_t n = strlen(ok[i]);
        dechunk whole, bytes;
        dechunk_init(&whole);
        dechunk_init(&bytes);
        cr_assert_eq(feed(&whole, ok[i], n), (ssize_t)n, "body %zu: %s", i,
                     whole.why ? whole.why : "");
        cr_assert_eq(whole.done, 1, "body %zu", i);
        ASSERT_OUTPUT(&whole, "hello");
        cr_assert_eq(feed_bytewise(&bytes, ok[i], n), (ssize_t)n, "body %zu bytewise", i);
        cr_assert_eq(bytes.done, 1, "body %zu bytewise", i);
        ASSERT_OUTPUT(&bytes, "hello");
        dechunk_free(&whole);
        dechunk_free(&bytes);
    }
}

Test(httpparse, chunked_too_many_digits) {
    CHUNKED_BAD("1000000000000000\r\n");   /* 16 hex digits */
    CHUNKED_BAD("ffffffffffffffffff\r\n");
    CHUNKED_BAD("0000000000000000000001\r\nx\r\n0\r\n\r\n");
    /* 15 digits is the most allowed: it parses and waits for data */
    dechunk d;
    dechunk_init(&d);
    cr_assert_eq(FEED(&d, "fffffffffffffff\r\nab"), 19);
    cr_assert_eq(d.done, 0);
    ASSERT_OUTPUT(&d, "ab");
    dechunk_free(&d);
}

Test(httpparse, chunked_data_longer_than_size) {
    CHUNKED_BAD("5\r\nhello!\r\n0\r\n\r\n");
    CHUNKED_BAD("1\r\nab\r\n");
    CHUNKED_BAD("3\r\nabc\r\r\n");
    CHUNKED_BAD("3\r\nabc\rx");
    /* the data itself is delivered before the framing error */
    dechunk d;
    dechunk_init(&d);
    cr_assert_eq(FEED(&d, "5\r\nhello!"), -1);
    ASSERT_OUTPUT(&d, "hello");
    dechunk_free(&d);
}

Test(httpparse, chunked_extension_and_trailer_limits) {
    size_t n = 5000;
    char *ext = malloc(n + 8);
    cr_assert_not_null(ext);
    ext[0] = '1';
    ext[1] = ';';
    memset(ext + 2, 'a', n);
    memcpy(ext + 2 + n, "\r\n", 2);
    assert_chunked_bad(ext, n + 4);
    free(ext);

    char *tr = malloc(n + 8);
    cr_assert_not_null(tr);
    memcpy(tr, "0\r\n", 3);
    memset(tr + 3, 'a', n);
    memcpy(tr + 3 + n, "\r\n\r\n", 4);
    assert_chunked_bad(tr, n + 7);
    free(tr);
}

Test(httpparse, chunked_bad_trailer) {
    CHUNKED_BAD("0\r\nX: a\x01\r\n\r\n");
    CHUNKED_BAD("0\r\nX: \x7f\r\n\r\n");
}

Test(httpparse, chunked_bare_cr_in_trailer) {
    CHUNKED_BAD("0\r\nX: a\rb\r\n\r\n");   /* bare CR inside a trailer line */
    CHUNKED_BAD("0\r\n\r\r\n");            /* "\r\r\n" is not the blank line */
    CHUNKED_BAD("5\r\nhello\r\n0\r\nX: a\rb\r\n\r\n");
    CHUNKED_BAD("0\r\nX: a\r\r\n\r\n");
}

Test(httpparse, fuzz_chunked) {
    static const char alphabet[] = "0123456789abcdefABCDEFgx\r\n\r\n;= \t\0";
    uint64_t seed = 0xc0ffee;
    char buf[200];
    int finished = 0;
    for (int iter = 0; iter < 4000; iter++) {
        size_t len = (size_t)(rng_next(&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++) {
            uint64_t r = rng_next(&seed);
            buf[i] = (r & 15) == 0 ? (char)(r >> 8) : alphabet[(r >> 8) % (sizeof alphabet - 1)];
        }
        dechunk whole, bytes;
        dechunk_init(&whole);
        dechunk_init(&bytes);
        ssize_t a = feed(&whole, buf, len);
        ssize_t b = feed_bytewise(&bytes, buf, len);
        cr_assert_eq(a, b, "whole %zd vs bytewise %zd", a, b);
        if (a >= 0) {
            cr_assert_eq(whole.done, bytes.done);
            cr_assert_eq(evbuffer_get_length(whole.out), evbuffer_get_length(bytes.out));
            if (whole.done) finished++;
        }
        dechunk_free(&whole);
        dechunk_free(&bytes);
    }
    (void)finished;
}
