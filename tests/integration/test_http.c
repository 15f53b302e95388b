/* test_http.c - issue 4, raw URLs as static files: HEAD, strong ETags and
 * If-None-Match (304), Range (first, middle, suffix, open, clamped, invalid
 * -> 416, ignored, If-Range), gzip with Vary, Cache-Control by paste kind,
 * /raw/<id>.<ext> and /<id>.<ext>, ?download=1, and delete with the right
 * and a wrong token. Every request is the real curl binary. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pasted_client.h"

/* curl ARGS... PASTED_URL/raw/<id> */
static http_resp *raw_with(const char *id, const char *arg, ...)
{
    char path[64];
    snprintf(path, sizeof path, "/raw/%s", id);
    char *url = pasted_url(path);
    const char *args[32];
    size_t n = 0;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 30; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n++] = url;
    args[n] = NULL;
    http_resp *r = http_run(args, NULL, 0);
    free(url);
    return r;
}

/* A text paste of n bytes: numbered lines, so every range is recognisable. */
static char *numbered_text(size_t n)
{
    char *s = malloc(n + 16);
    size_t at = 0;
    for (int line = 1; at < n; line++)
        at += (size_t)snprintf(s + at, n + 16 - at, "line %05d\n", line);
    s[n] = '\0';
    return s;
}

static void assert_header(const http_resp *r, const char *name, const char *want)
{
    const char *v = http_header(r, name);
    cr_assert_not_null(v, "no %s header", name);
    cr_assert_str_eq(v, want, "%s", name);
}

static void assert_206(http_resp *r, const char *body, size_t size, size_t first, size_t last)
{
    cr_assert_eq(r->status, 206, "status %d: %.*s", r->status, (int)r->body_len, r->body);
    char want[96];
    snprintf(want, sizeof want, "bytes %zu-%zu/%zu", first, last, size);
    assert_header(r, "Content-Range", want);
    snprintf(want, sizeof want, "%zu", last - first + 1);
    assert_header(r, "Content-Length", want);
    cr_assert_eq(r->body_len, last - first + 1);
    cr_assert_eq(memcmp(r->body, body + first, r->body_len), 0, "wrong bytes");
    cr_assert_null(http_header(r, "Content-Encoding"), "a range is never compressed");
    assert_header(r, "Vary", "Accept-Encoding");
}

static char *gunzip(const char *in, size_t len, size_t *outlen)
{
    size_t cap = (size_t)4 << 20;
    char *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "not a whole gzip stream");
    *outlen = z.total_out;
    inflateEnd(&z);
    return out;
}

/* --- HEAD and ETags -------------------------------------------------------------- */

Test(http, head_has_the_headers_of_get_and_no_body)
{
    char *text = numbered_text(3000);
    char *id = create_paste(text, 3000, "");
    http_resp *get = raw_with(id, NULL);
    http_resp *head = raw_with(id, "-I", NULL);
    cr_assert_eq(get->status, 200);
    cr_assert_eq(head->status, 200);
    const char *same[] = { "Content-Length", "ETag", "Cache-Control", "Accept-Ranges", "Vary",
                           "Content-Type" };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        cr_assert_not_null(http_header(get, same[i]), "GET lacks %s", same[i]);
        cr_assert_str_eq(http_header(head, same[i]), http_header(get, same[i]), "%s differs", same[i]);
    }
    assert_header(get, "Content-Length", "3000");
    assert_header(get, "Accept-Ranges", "bytes");
    cr_assert_null(memmem(head->body, head->body_len, "line 00001", 10), "HEAD sent the body");
    const char *etag = http_header(get, "ETag");
    cr_assert(etag[0] == '"' && etag[strlen(etag) - 1] == '"', "strong ETag: %s", etag);
    http_free(get);
    http_free(head);
    free(id);
    free(text);
}

Test(http, if_none_match_gives_304)
{
    char *id = create_paste("etag me\n", 8, "");
    http_resp *r = raw_with(id, NULL);
    char etag[96];
    snprintf(etag, sizeof etag, "%s", http_header(r, "ETag"));
    http_free(r);
    char h[160];
    const char *matching[] = { "%s", "W/%s", "\"nope\", %s", "\"a\",W/\"b\" ,  %s", "*" };
    for (size_t i = 0; i < sizeof matching / sizeof matching[0]; i++) {
        char v[128];
        snprintf(v, sizeof v, matching[i], etag);
        snprintf(h, sizeof h, "If-None-Match: %s", v);
        r = raw_with(id, "-H", h, NULL);
        cr_assert_eq(r->status, 304, "If-None-Match: %s -> %d", v, r->status);
        cr_assert_eq(r->body_len, 0);
        assert_header(r, "ETag", etag);
        assert_header(r, "Vary", "Accept-Encoding");
        cr_assert_not_null(http_header(r, "Cache-Control"));
        http_free(r);
    }
    /* HEAD revalidates the same way */
    snprintf(h, sizeof h, "If-None-Match: %s", etag);
    r = raw_with(id, "-I", "-H", h, NULL);
    cr_assert_eq(r->status, 304);
    http_free(r);
    const char *others[] = { "\"0123\"", "W/\"x\"", "", "garbage" };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        snprintf(h, sizeof h, "If-None-Match: %s", others[i]);
        r = raw_with(id, "-H", h, NULL);
        cr_assert_eq(r->status, 200, "If-None-Match: %s -> %d", others[i], r->status);
        cr_assert_eq(r->body_len, 8);
        http_free(r);
    }
    free(id);
}

/* --- Range ------------------------------------------------------------------------ */

Test(http, range_first_bytes_with_curl_r)
{
    char *text = numbered_text(1000);
    char *id = create_paste(text, 1000, "");
    http_resp *r = raw_with(id, "-r", "0-99", NULL); /* curl -r 0-99 URL */
    assert_206(r, text, 1000, 0, 99);
    assert_header(r, "Content-Type", "text/plain; charset=utf-8");
    cr_assert_not_null(http_header(r, "ETag"));
    http_free(r);
    free(id);
    free(text);
}

Test(http, range_middle_open_suffix_and_clamped)
{
    char *text = numbered_text(1000);
    char *id = create_paste(text, 1000, "");
    http_resp *r = raw_with(id, "-r", "100-199", NULL);
    assert_206(r, text, 1000, 100, 199);
    http_free(r);
    r = raw_with(id, "-r", "500-500", NULL); /* one byte */
    assert_206(r, text, 1000, 500, 500);
    http_free(r);
    r = raw_with(id, "-r", "900-", NULL);
    assert_206(r, text, 1000, 900, 999);
    http_free(r);
    r = raw_with(id, "-r", "-50", NULL); /* the last 50 bytes */
    assert_206(r, text, 1000, 950, 999);
    http_free(r);
    r = raw_with(id, "-r", "-5000", NULL); /* a suffix longer than the paste: all of it */
    assert_206(r, text, 1000, 0, 999);
    http_free(r);
    r = raw_with(id, "-r", "990-123456789", NULL); /* the end is clamped */
    assert_206(r, text, 1000, 990, 999);
    http_free(r);
    r = raw_with(id, "-H", "Range: bytes = 10-19 ", NULL); /* spaces are tolerated */
    assert_206(r, text, 1000, 10, 19);
    http_free(r);
    r = raw_with(id, "-I", "-r", "0-99", NULL); /* HEAD: the headers of the range */
    cr_assert_eq(r->status, 206);
    assert_header(r, "Content-Length", "100");
    assert_header(r, "Content-Range", "bytes 0-99/1000");
    http_free(r);
    free(id);
    free(text);
}

Test(http, range_of_binary_bytes)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char *id = create_paste(all, sizeof all, "");
    http_resp *r = raw_with(id, "-r", "250-", NULL);
    assert_206(r, (const char *)all, 256, 250, 255);
    assert_header(r, "Content-Type", "application/octet-stream");
    http_free(r);
    free(id);
}

Test(http, invalid_ranges_are_416)
{
    char *text = numbered_text(1000);
    char *id = create_paste(text, 1000, "");
    const char *bad[] = {
        "bytes=1000-", "bytes=5000-6000", "bytes=5-2", "bytes=-0", "bytes=abc", "bytes=1-2-3",
        "bytes=-", "bytes=", "bytes=99999999999999999999999999-", "bytes=0x10-20", "bytes=+1-2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char h[128];
        snprintf(h, sizeof h, "Range: %s", bad[i]);
        http_resp *r = raw_with(id, "-H", h, NULL);
        cr_assert_eq(r->status, 416, "%s -> %d", bad[i], r->status);
        assert_header(r, "Content-Range", "bytes */1000");
        assert_header(r, "Vary", "Accept-Encoding");
        cr_assert_null(memmem(r->body, r->body_len, "line 0", 6), "%s sent the paste", bad[i]);
        http_free(r);
    }
    free(id);
    free(text);
}

Test(http, ranges_that_are_ignored_give_the_whole_paste)
{
    char *text = numbered_text(1000);
    char *id = create_paste(text, 1000, "");
    char *other = create_paste("other", 5, "");
    http_resp *o = raw_with(other, NULL);
    char wrong[128];
    snprintf(wrong, sizeof wrong, "If-Range: %s", http_header(o, "ETag"));
    http_free(o);
    const char *ignored[][2] = {
        { "Range: items=0-9", NULL },        /* another unit */
        { "Range: bytes=0-9,20-29", NULL },  /* several ranges */
        { "Range: bytes=0-9", wrong },       /* If-Range names another version */
        { "Range: bytes=0-9", "If-Range: Wed, 21 Oct 2015 07:28:00 GMT" },
    };
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
        http_resp *r = ignored[i][1] ? raw_with(id, "-H", ignored[i][0], "-H", ignored[i][1], NULL)
                                     : raw_with(id, "-H", ignored[i][0], NULL);
        cr_assert_eq(r->status, 200, "%s -> %d", ignored[i][0], r->status);
        cr_assert_eq(r->body_len, 1000);
        cr_assert_null(http_header(r, "Content-Range"));
        http_free(r);
    }
    /* If-Range with this paste's ETag: the range is served */
    http_resp *r = raw_with(id, NULL);
    char right[128];
    snprintf(right, sizeof right, "If-Range: %s", http_header(r, "ETag"));
    http_free(r);
    r = raw_with(id, "-r", "0-9", "-H", right, NULL);
    assert_206(r, text, 1000, 0, 9);
    http_free(r);
    free(other);
    free(id);
    free(text);
}

/* --- compression ------------------------------------------------------------------ */

Test(http, gzip_for_text_over_the_threshold_with_vary)
{
    size_t n = 20000;
    char *text = numbered_text(n);
    char *id = create_paste(text, n, "");
    http_resp *plain = raw_with(id, NULL);
    cr_assert_null(http_header(plain, "Content-Encoding"), "no Accept-Encoding: plain");
    assert_header(plain, "Vary", "Accept-Encoding");
    const char *accepts[] = { "gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "*", "x-gzip",
                              "GZIP", "identity, gzip;q=0.001" };
    for (size_t i = 0; i < sizeof accepts / sizeof accepts[0]; i++) {
        char h[96];
        snprintf(h, sizeof h, "Accept-Encoding: %s", accepts[i]);
        http_resp *r = raw_with(id, "-H", h, NULL);
        cr_assert_eq(r->status, 200);
        cr_assert_str_eq(http_header(r, "Content-Encoding"), "gzip", "%s", accepts[i]);
        assert_header(r, "Vary", "Accept-Encoding");
        cr_assert_lt(r->body_len, n / 2, "not compressed");
        char len[32];
        snprintf(len, sizeof len, "%zu", r->body_len);
        assert_header(r, "Content-Length", len);
        cr_assert_str_neq(http_header(r, "ETag"), http_header(plain, "ETag"),
                          "two representations, one strong ETag");
        size_t got = 0;
        char *out = gunzip(r->body, r->body_len, &got);
        cr_assert_eq(got, n);
        cr_assert_eq(memcmp(out, text, n), 0, "gunzip gives other bytes");
        free(out);
        /* HEAD says the same length; 304 works on the gzip ETag */
        http_resp *head = raw_with(id, "-I", "-H", h, NULL);
        assert_header(head, "Content-Length", len);
        assert_header(head, "Content-Encoding", "gzip");
        http_free(head);
        char inm[128];
        snprintf(inm, sizeof inm, "If-None-Match: %s", http_header(r, "ETag"));
        http_resp *again = raw_with(id, "-H", h, "-H", inm, NULL);
        cr_assert_eq(again->status, 304);
        http_free(again);
        http_free(r);
    }
    /* curl --compressed sees the paste itself */
    http_resp *c = raw_with(id, "--compressed", NULL);
    cr_assert_eq(c->body_len, n);
    cr_assert_eq(memcmp(c->body, text, n), 0);
    http_free(c);
    http_free(plain);
    free(id);
    free(text);
}

Test(http, no_gzip_when_small_binary_refused_or_ranged)
{
    char *small = numbered_text(500);
    char *sid = create_paste(small, 500, "");
    char *big = numbered_text(5000);
    char *bid = create_paste(big, 5000, "");
    unsigned char bin[4096];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)(i % 7 == 0 ? 0xff : i & 0x0f);
    char *xid = create_paste(bin, sizeof bin, "");
    struct { const char *id; const char *ae; size_t len; } cases[] = {
        { sid, "gzip", 500 },            /* under the threshold */
        { xid, "gzip", sizeof bin },     /* not text */
        { bid, "gzip;q=0", 5000 },       /* refused */
        { bid, "gzip;q=0.000", 5000 },
        { bid, "identity", 5000 },
        { bid, "br, *;q=0", 5000 },
        { bid, "deflate", 5000 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char h[96];
        snprintf(h, sizeof h, "Accept-Encoding: %s", cases[i].ae);
        http_resp *r = raw_with(cases[i].id, "-H", h, NULL);
        cr_assert_eq(r->status, 200);
        cr_assert_null(http_header(r, "Content-Encoding"), "case %zu (%s) was compressed", i, cases[i].ae);
        cr_assert_eq(r->body_len, cases[i].len);
        assert_header(r, "Vary", "Accept-Encoding");
        http_free(r);
    }
    /* a Range is never compressed */
    http_resp *r = raw_with(bid, "-H", "Accept-Encoding: gzip", "-r", "0-2999", NULL);
    assert_206(r, big, 5000, 0, 2999);
    http_free(r);
    free(sid);
    free(bid);
    free(xid);
    free(small);
    free(big);
}

/* --- Cache-Control by paste kind ---------------------------------------------------- */

static long max_age(const char *cc)
{
    const char *m = strstr(cc, "max-age=");
    cr_assert_not_null(m, "no max-age in %s", cc);
    return strtol(m + 8, NULL, 10);
}

Test(http, cache_control_by_paste_kind)
{
    char *forever = create_paste("forever", 7, "?expire=never");
    http_resp *r = raw_with(forever, NULL);
    assert_header(r, "Cache-Control", "public, max-age=3600");
    http_free(r);
    r = raw_with(forever, "-r", "0-1", NULL);
    assert_header(r, "Cache-Control", "public, max-age=3600");
    http_free(r);

    char *soon = create_paste("soon", 4, "?expire=10m");
    r = raw_with(soon, NULL);
    const char *cc = http_header(r, "Cache-Control");
    cr_assert(cc && strncmp(cc, "public, max-age=", 16) == 0, "%s", cc);
    long age = max_age(cc);
    cr_assert(age > 590 && age <= 600, "10m paste: max-age %ld", age);
    http_free(r);

    char *burn = create_paste("burn", 4, "?burn=1");
    r = raw_with(burn, "-I", NULL); /* HEAD does not burn */
    assert_header(r, "Cache-Control", "no-store");
    http_free(r);
    r = raw_with(burn, NULL);
    cr_assert_eq(r->status, 200);
    assert_header(r, "Cache-Control", "no-store");
    http_free(r);
    r = raw_with(burn, NULL);
    cr_assert_eq(r->status, 404, "burnt");
    http_free(r);
    free(forever);
    free(soon);
    free(burn);
}

/* --- URLs with an extension, downloads -------------------------------------------------- */

Test(http, urls_with_an_extension)
{
    const char code[] = "def f():\n    return 1\n";
    char *id = create_paste(code, sizeof code - 1, "");
    char path[64];
    snprintf(path, sizeof path, "/raw/%s.py", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(r->body_len, sizeof code - 1);
    cr_assert_eq(memcmp(r->body, code, r->body_len), 0);
    assert_header(r, "Content-Type", "text/plain; charset=utf-8"); /* never served as code */
    http_free(r);
    /* the page: the extension is the language hint */
    snprintf(path, sizeof path, "/%s.PY", id);
    r = http_get(path);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "data-lang=\"py\""), "no language hint in the page");
    http_free(r);
    /* ... but not over the paste's own language */
    char *c = create_paste("int x;\n", 7, "?lang=c");
    snprintf(path, sizeof path, "/%s.py", c);
    r = http_get(path);
    cr_assert(strstr(r->body, "data-lang=\"c\""), "the paste's lang must win");
    http_free(r);
    /* read only, and well-formed */
    snprintf(path, sizeof path, "/%s.txt", id);
    char *url = pasted_url(path);
    r = http_curl("-X", "DELETE", "-H", "X-Delete-Token: x", url, NULL);
    cr_assert_eq(r->status, 405);
    http_free(r);
    free(url);
    const char *bad[] = { "/%s.", "/%s.a!b", "/%s..", "/raw/%s.-x", "/%s.abcdefghijklmnopq", "/api/pastes/%s.json",
                          "/raw/%s.", "/%s.py/x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(path, sizeof path, bad[i], id);
        r = http_get(path);
        cr_assert_eq(r->status, 404, "%s -> %d", path, r->status);
        http_free(r);
    }
    free(c);
    free(id);
}

Test(http, download_asks_to_save)
{
    char *id = create_paste("save me\n", 8, "?title=notes.txt");
    char path[64];
    snprintf(path, sizeof path, "/raw/%s?download=1", id);
    http_resp *r = http_get(path);
    assert_header(r, "Content-Disposition", "attachment; filename=\"notes.txt\"");
    http_free(r);
    free(id);
}

/* --- delete ------------------------------------------------------------------------------ */

Test(http, delete_with_right_and_wrong_token)
{
    http_resp *c = http_post("/", NULL, "short-lived", 11);
    cr_assert_eq(c->status, 201);
    char *id = id_from_url(c->body, c->body_len);
    char right[96];
    snprintf(right, sizeof right, "X-Delete-Token: %s", http_header(c, "X-Delete-Token"));
    http_free(c);
    char path[32];
    snprintf(path, sizeof path, "/%s", id);
    char *url = pasted_url(path);
    http_resp *r = http_curl("-X", "DELETE", "-H", "X-Delete-Token: 00000000000000000000000000000000", url, NULL);
    cr_assert_eq(r->status, 403);
    http_free(r);
    r = raw_with(id, NULL);
    cr_assert_eq(r->status, 200);
    http_free(r);
    r = http_curl("-X", "DELETE", "-H", right, url, NULL);
    cr_assert_eq(r->status, 204);
    http_free(r);
    r = raw_with(id, NULL);
    cr_assert_eq(r->status, 404);
    http_free(r);
    free(url);
    free(id);
}

/* A large paste kept in a worker's hot cache is sent with sendfile() from a memfd
 * (raw.c, sendfile_segment); the first fetch is sent from memory. Every fetch, on
 * either worker and by range, must be the same bytes. */
Test(http, large_hot_paste_is_byte_exact_on_every_fetch)
{
    size_t n = 200 * 1024 + 7;
    uint8_t *body = malloc(n);
    for (size_t i = 0; i < n; i++)
        body[i] = (uint8_t)((i * 2654435761u) >> 13);
    char *id = create_paste(body, n, "");
    for (int i = 0; i < 6; i++)
        assert_raw_is(id, body, n);
    http_resp *r = raw_with(id, "-r", "70000-70099", NULL);
    assert_206(r, (const char *)body, n, 70000, 70099);
    http_free(r);
    free(id);
    free(body);
}
