/* test_pages.c - paste pages sent gzipped and with a validator (web/page.c,
 * web/pagezip.c): the gzip stream, joined from parts compressed apart,
 * inflates to the very page sent plain (but for its view count); a revisit
 * with the weak ETag is a 304 and still counts; a page that must not be
 * kept (limited reads) has no validator. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pasted_client.h"

static http_resp *page_with(const char *id, const char *h1, const char *h2)
{
    char path[64];
    snprintf(path, sizeof path, "/%s", id);
    char *url = pasted_url(path);
    const char *args[] = { "-H", "Accept: text/html", "-H", h1 ? h1 : "X-None: 1", "-H", h2 ? h2 : "X-None: 2", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    free(url);
    return r;
}

/* The gzip stream inflated (malloc'd, NUL-terminated). */
static char *gunzip(const char *z, size_t n, size_t *out_len)
{
    size_t cap = 4 << 20;
    char *out = malloc(cap + 1);
    z_stream s = { 0 };
    cr_assert_eq(inflateInit2(&s, 16 + 15), Z_OK);
    s.next_in = (Bytef *)z;
    s.avail_in = (uInt)n;
    s.next_out = (Bytef *)out;
    s.avail_out = (uInt)cap;
    cr_assert_eq(inflate(&s, Z_FINISH), Z_STREAM_END, "not one whole gzip stream: %s", s.msg ? s.msg : "");
    cr_assert_eq(s.avail_in, 0, "bytes after the gzip stream");
    *out_len = s.total_out;
    out[*out_len] = '\0';
    inflateEnd(&s);
    return out;
}

/* The page with its view count taken out. */
static void drop_views(char *s)
{
    regex_t re;
    regcomp(&re, "<li id=\"views\">[0-9]+ views?</li>", REG_EXTENDED);
    regmatch_t m;
    if (regexec(&re, s, 1, &m, 0) == 0)
        memmove(s + m.rm_so, s + m.rm_eo, strlen(s + m.rm_eo) + 1);
    regfree(&re);
}

Test(pages, gzipped_in_parts_the_same_page)
{
    char text[6000];
    size_t n = 0;
    for (int i = 0; n < sizeof text - 40; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "line %d of a page worth compressing\n", i);
    char *id = create_paste(text, n, "?lang=text");
    http_resp *plain = page_with(id, NULL, NULL);
    cr_assert_eq(plain->status, 200);
    cr_assert_null(http_header(plain, "Content-Encoding"));
    for (int round = 0; round < 2; round++) {     /* the first makes the parts, the second reuses them */
        http_resp *z = page_with(id, "Accept-Encoding: gzip", NULL);
        cr_assert_eq(z->status, 200);
        cr_assert_str_eq(http_header(z, "Content-Encoding"), "gzip");
        cr_assert_str_eq(http_header(z, "Vary"), "Accept-Encoding");
        cr_assert(z->body_len < plain->body_len / 3, "gzip %zu of %zu", z->body_len, plain->body_len);
        size_t len;
        char *page = gunzip(z->body, z->body_len, &len);
        char *want = strndup(plain->body, plain->body_len);
        drop_views(page);
        drop_views(want);
        cr_assert_str_eq(page, want, "the gzipped page is not the page");
        free(page);
        free(want);
        http_free(z);
    }
    http_free(plain);
    free(id);
}

Test(pages, a_revisit_is_a_304)
{
    char *id = create_paste("revisited\n", 10, "");
    http_resp *r = page_with(id, NULL, NULL);
    const char *tag = http_header(r, "ETag");
    cr_assert(tag && strncmp(tag, "W/\"", 3) == 0, "a weak ETag: %s", tag);
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s", tag);
    http_resp *again = page_with(id, inm, "Accept-Encoding: gzip");
    cr_assert_eq(again->status, 304, "a revisit: %d", again->status);
    cr_assert_eq(again->body_len, 0);
    http_free(again);
    /* another host's page is another page */
    http_resp *other = page_with(id, inm, "Host: paste.example");
    cr_assert_eq(other->status, 200, "a page for another host was taken as the same");
    cr_assert_str_neq(http_header(other, "ETag"), tag);
    http_free(other);
    http_free(r);
    /* both visits were counted */
    char path[64];
    snprintf(path, sizeof path, "/api/pastes/%s", id);
    r = http_get(path);
    cr_assert(strstr(r->body, "\"views\":2") || strstr(r->body, "\"views\":3"), "views: %s", r->body);
    http_free(r);
    free(id);
}

Test(pages, limited_pages_are_never_kept)
{
    char *id = create_paste("two reads\n", 10, "?views_left=2");
    http_resp *r = page_with(id, "Accept-Encoding: gzip", NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_null(http_header(r, "ETag"));
    cr_assert_str_eq(http_header(r, "Cache-Control"), "no-store");
    http_free(r);
    free(id);
}

/* data-lang="..." of a page (malloc'd). */
static char *page_lang(const char *id)
{
    http_resp *r = page_with(id, NULL, NULL);
    const char *at = strstr(r->body, "data-lang=\"");
    cr_assert_not_null(at);
    at += 11;
    char *lang = strndup(at, strcspn(at, "\""));
    http_free(r);
    return lang;
}

Test(pages, the_hints_a_paste_carries_name_its_language)
{
    struct { const char *body, *query, *want; } cases[] = {
        { "#!/usr/bin/env python3\nprint('hi')\n", "", "python" },
        { "echo hi\n# vim: set ft=sh :\n", "", "bash" },
        { "fn main() {}\n", "?title=main.rs", "rust" },                 /* curl -T main.rs */
        { "Dear team,\nthe meeting moved.\n", "", "" },                 /* prose: no hint */
        { "#!/bin/sh\nexit 0\n", "?lang=c", "c" },                      /* a given lang wins */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *id = create_paste(cases[i].body, strlen(cases[i].body), cases[i].query);
        char *lang = page_lang(id);
        cr_assert_str_eq(lang, cases[i].want, "case %zu: data-lang=\"%s\"", i, lang);
        free(lang);
        free(id);
    }
}
