/* test_diff.c - the differences between two pastes (GET /diff/<a>/<b>,
 * GET /raw/diff/<a>/<b>; web/diff.c, app/diff.c, core/diff.c with libgit2)
 * and "New paste from this" recording its parent. The raw diff is checked
 * the way a user would use it: the real patch(1) turns the first paste
 * into the second, byte for byte. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pasted_client.h"

static http_resp *get_as(const char *path, const char *accept)
{
    char *url = pasted_url(path);
    char header[64];
    snprintf(header, sizeof header, "Accept: %s", accept);
    const char *args[] = { "-H", header, url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    free(url);
    return r;
}

static http_resp *raw_diff(const char *a, const char *b)
{
    char path[80];
    snprintf(path, sizeof path, "/raw/diff/%s/%s", a, b);
    return get_as(path, "*/*");
}

Test(diff, the_raw_diff_patches_the_first_into_the_second)
{
    const char old[] = "alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\neta\ntheta\n";
    const char new_[] = "alpha\nBETA\ngamma\ndelta\nepsilon\nzeta\neta\ntheta\niota";   /* no final newline */
    char *a = create_paste(old, sizeof old - 1, ""), *b = create_paste(new_, sizeof new_ - 1, "");
    http_resp *r = raw_diff(a, b);
    cr_assert_eq(r->status, 200, "%d %.*s", r->status, (int)r->body_len, r->body);
    cr_assert(strncmp(http_header(r, "Content-Type"), "text/x-diff", 11) == 0);
    char head[80];
    snprintf(head, sizeof head, "--- a/%s\n+++ b/%s\n@@ ", a, b);
    cr_assert(strncmp(r->body, head, strlen(head)) == 0, "head: %.80s", r->body);
    cr_assert(strstr(r->body, "\n-beta\n+BETA\n"), "the change: %s", r->body);
    cr_assert(strstr(r->body, "\n+iota\n\\ No newline at end of file\n"), "the end: %s", r->body);
    /* patch(1) makes the second out of the first */
    char *file = temp_file(old, sizeof old - 1, "text.txt");
    char *diff = temp_file(r->body, r->body_len, "change.diff");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "patch -s '%s' < '%s'", file, diff);
    cr_assert_eq(system(cmd), 0, "patch refused the diff");
    FILE *f = fopen(file, "rb");
    char back[256];
    size_t n = fread(back, 1, sizeof back, f);
    fclose(f);
    cr_assert_eq(n, sizeof new_ - 1);
    cr_assert_eq(memcmp(back, new_, n), 0, "patched: %.*s", (int)n, back);
    remove_temp(file);
    remove_temp(diff);
    http_free(r);
    /* the same paste twice: an empty diff */
    r = raw_diff(a, a);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(r->body_len, 0, "diff of a paste with itself: %s", r->body);
    http_free(r);
    free(a);
    free(b);
}

Test(diff, the_page_numbers_lines_into_both_pastes)
{
    const char old[] = "keep\n<b>old</b>\nkeep too\n";
    const char new_[] = "keep\n<b>new</b>\nkeep too\n";
    char *a = create_paste(old, sizeof old - 1, ""), *b = create_paste(new_, sizeof new_ - 1, "");
    char path[80], link[64];
    snprintf(path, sizeof path, "/diff/%s/%s", a, b);
    http_resp *r = get_as(path, "text/html");
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "<tr class=\"del\">") && strstr(r->body, "<tr class=\"add\">"));
    snprintf(link, sizeof link, "<a href=\"/%s#L2\">2</a>", a);
    cr_assert(strstr(r->body, link), "no link to line 2 of the old paste");
    snprintf(link, sizeof link, "<a href=\"/%s#L2\">2</a>", b);
    cr_assert(strstr(r->body, link), "no link to line 2 of the new paste");
    cr_assert(strstr(r->body, "&lt;b&gt;new&lt;/b&gt;") && !strstr(r->body, "<b>new</b>"), "not escaped");
    cr_assert(strstr(r->body, "1 line added") && strstr(r->body, "1 line removed"));
    http_free(r);
    free(a);
    free(b);
}

Test(diff, what_is_not_diffed_and_why)
{
    char *text = create_paste("text\n", 5, "");
    char *bin = create_paste("\xff\xfe\x00\x01", 4, "");
    char *limited = create_paste("two reads\n", 10, "?views_left=2");
    static char big[512 * 1024 + 100];   /* over core/diff.h's 512 KiB, under the test's 1M max_paste_size */
    memset(big, 'x', sizeof big);
    for (size_t i = 80; i < sizeof big; i += 81)
        big[i] = '\n';
    char *large = create_paste(big, sizeof big, "");
    struct { const char *a, *b; int status; const char *says; } cases[] = {
        { text, bin, 415, "binary" },
        { limited, text, 403, "set number of times" },
        { text, large, 413, "512 KiB" },
        { text, "AAAAAAA", 404, "no such paste" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_resp *r = raw_diff(cases[i].a, cases[i].b);
        cr_assert_eq(r->status, cases[i].status, "case %zu: %d %.*s", i, r->status, (int)r->body_len, r->body);
        cr_assert(strstr(r->body, cases[i].says), "case %zu says: %s", i, r->body);
        http_free(r);
    }
    assert_raw_is(limited, "two reads\n", 10);      /* no read was used by the refusal */
    assert_raw_is(limited, "two reads\n", 10);
    free(text);
    free(bin);
    free(limited);
    free(large);
}

Test(diff, a_paste_made_from_another_links_its_diff)
{
    char *a = create_paste("first version\n", 14, "");
    /* the pre-filled form carries the parent, as a hidden field */
    char path[80], hidden[96];
    snprintf(path, sizeof path, "/?from=%s", a);
    http_resp *r = get_as(path, "text/html");
    snprintf(hidden, sizeof hidden, "<input type=\"hidden\" name=\"parent\" value=\"%s\">", a);
    cr_assert(strstr(r->body, hidden), "no hidden parent field in the copy form");
    http_free(r);
    char field[48];
    snprintf(field, sizeof field, "parent=%s", a);
    char *url = pasted_url("/");
    const char *args[] = { "-F", "content=second version", "-F", field, url, NULL };
    r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 201);
    char *b = id_from_url(r->body, r->body_len);
    http_free(r);
    bson_t *doc = find_doc(b);
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, doc, "parent") && strcmp(bson_iter_utf8(&it, NULL), a) == 0,
              "MongoDB has no parent");
    bson_destroy(doc);
    snprintf(path, sizeof path, "/%s", b);
    r = get_as(path, "text/html");
    char diff_link[96];
    snprintf(diff_link, sizeof diff_link, "href=\"/diff/%s/%s\"", a, b);
    cr_assert(strstr(r->body, "Changed from") && strstr(r->body, diff_link), "no link to the diff");
    http_free(r);
    /* an unlisted paste's secret id is never a parent: its copy form has none,
     * and the API refuses one */
    char *secret = create_paste("unlisted words\n", 15, "?unlisted=1");
    snprintf(path, sizeof path, "/?from=%s", secret);
    r = get_as(path, "text/html");
    cr_assert_null(strstr(r->body, "name=\"parent\""), "an unlisted paste offered as a parent");
    http_free(r);
    char body[128];
    snprintf(body, sizeof body, "{\"content\": \"x\", \"parent\": \"%s\"}", secret);
    r = http_post("/api/pastes", "application/json", body, strlen(body));
    cr_assert_eq(r->status, 400, "a secret parent through the API: %d", r->status);
    http_free(r);
    free(url);
    free(a);
    free(b);
    free(secret);
}

Test(diff, crlf_against_lf_shows_only_the_real_change)
{
    /* curl sent LF; a browser's form sends the same text with CRLF */
    const char lf[] = "one\ntwo\nthree\n", crlf[] = "one\r\nTWO\r\nthree\r\n";
    char *a = create_paste(lf, sizeof lf - 1, ""), *b = create_paste(crlf, sizeof crlf - 1, "");
    http_resp *r = raw_diff(a, b);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "\n-two\n+TWO\n"), "the change: %s", r->body);
    cr_assert_null(strstr(r->body, "-one"), "a line whose only change is its CR: %s", r->body);
    http_free(r);
    char path[80];
    snprintf(path, sizeof path, "/diff/%s/%s", a, b);
    r = get_as(path, "text/html");
    cr_assert(strstr(r->body, "compared without the CRs"), "the page does not say so");
    http_free(r);
    free(a);
    free(b);
}

Test(diff, a_diff_over_the_line_limit_is_refused)
{
    /* 25,000 lines that all differ: a diff of 50,000 lines */
    size_t n = 25000 * 3;
    char *a = malloc(n), *b = malloc(n);
    for (size_t i = 0; i < 25000; i++) {
        a[3 * i] = 'x', a[3 * i + 1] = 'a', a[3 * i + 2] = '\n';
        b[3 * i] = 'y', b[3 * i + 1] = 'b', b[3 * i + 2] = '\n';
    }
    char *ia = create_paste(a, n, ""), *ib = create_paste(b, n, "");
    http_resp *r = raw_diff(ia, ib);
    cr_assert_eq(r->status, 413, "%d %.100s", r->status, r->body);
    cr_assert(strstr(r->body, "more than 20000 lines"), "%s", r->body);
    http_free(r);
    free(a);
    free(b);
    free(ia);
    free(ib);
}
