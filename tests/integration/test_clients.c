/* test_clients.c - issue 14: other pastebins' clients against pasted, each
 * test one exchange as that project's own documentation shows it (haste,
 * 0x0.st, rustypaste's rpaste, dpaste, sprunge, pastebinit), and short
 * links by every route that makes one: the redirect, the preview, the
 * clicks in MongoDB, the targets refused, delete and expiry. Every request
 * is the real curl binary (or the real pastebinit) over a real connection. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pasted_client.h"

#define RPASTE_UA  "rustypaste-cli/0.9.0"
#define BROWSER_UA "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
#define PASTEBINIT_UA "Pastebinit v1.6.2"   /* what pastebinit 1.6.2 sends */

/* curl ARGS... (URL included), in[0..len) on its standard input (NULL: none). */
static http_resp *curl_with(const void *in, size_t len, const char *arg, ...)
{
    const char *args[40];
    size_t n = 0;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 39; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return http_run(args, in, len);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *json_of(const http_resp *r)
{
    json_error_t e;
    json_t *o = json_loadb(r->body, r->body_len, 0, &e);
    cr_assert_not_null(o, "not JSON (%s): %.*s", e.text, (int)r->body_len, r->body);
    return o;
}

static const char *str_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

/* "URL\n" alone, the URL on this server: returns the id (malloc'd). */
static char *one_line_url(const http_resp *r)
{
    cr_assert(r->body_len > 1 && r->body[r->body_len - 1] == '\n', "the answer must end with a newline: %.*s",
              (int)r->body_len, r->body);
    cr_assert_eq(memchr(r->body, '\n', r->body_len), r->body + r->body_len - 1, "one line only: %s", r->body);
    char *base = pasted_url("/");
    cr_assert_eq(strncmp(r->body, base, strlen(base)), 0, "%s is not a URL on %s", r->body, base);
    free(base);
    return id_from_url(r->body, r->body_len);
}

/* A 400 that is one line and created nothing. */
static void expect_refused(http_resp *r, const char *what)
{
    cr_assert_eq(r->status, 400, "%s: status %d: %.*s", what, r->status, (int)r->body_len, r->body);
    cr_assert(r->body_len > 1 && r->body[r->body_len - 1] == '\n', "%s: the message must end with a newline: %s",
              what, r->body);
    cr_assert_eq(memchr(r->body, '\n', r->body_len), r->body + r->body_len - 1, "%s: one line: %s", what, r->body);
    cr_assert_null(http_header(r, "X-Delete-Token"), "%s: something was created", what);
}

static int status_of(const char *path)
{
    http_resp *r = http_get(path);
    int s = r->status;
    http_free(r);
    return s;
}

static int raw_status(const char *id)
{
    char path[64];
    snprintf(path, sizeof path, "/raw/%s", id);
    return status_of(path);
}

/* GET /api/pastes/<id>, parsed. */
static json_t *metadata(const char *id)
{
    char path[64];
    snprintf(path, sizeof path, "/api/pastes/%s", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 200, "metadata %s: %d", id, r->status);
    json_t *o = json_of(r);
    http_free(r);
    return o;
}

static long long parse_rfc3339_ms(const char *s)
{
    struct tm tm = { 0 };
    cr_assert_not_null(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm), "not RFC 3339: %s", s);
    return (long long)timegm(&tm) * 1000;
}

/* The paste's expiry from its metadata, in ms (-1: never). */
static long long expires_of(const char *id)
{
    json_t *m = metadata(id);
    json_t *e = json_object_get(m, "expires");
    long long ms = json_is_null(e) ? -1 : parse_rfc3339_ms(str_of(m, "expires"));
    json_decref(m);
    return ms;
}

/* X-Expires in ms; asserts it is there. */
static long long x_expires(const http_resp *r)
{
    const char *h = http_header(r, "X-Expires");
    cr_assert_not_null(h, "no X-Expires on an expiring create");
    char *end;
    long long v = strtoll(h, &end, 10);
    cr_assert(end != h && *end == '\0', "X-Expires is not epoch milliseconds: %s", h);
    return v;
}

static void assert_near(long long got, long long want, long long slack, const char *what)
{
    cr_assert(got >= want - slack && got <= want + slack, "%s: %lld, expected %lld (+-%lld ms)", what, got, want,
              slack);
}

/* GET /<id> without following: asserts 302 to want. */
static void assert_redirects(const char *id, const char *want)
{
    char path[64];
    snprintf(path, sizeof path, "/%s", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 302, "GET /%s of a link: %d: %.*s", id, r->status, (int)r->body_len, r->body);
    const char *loc = http_header(r, "Location");
    cr_assert_not_null(loc, "302 without Location");
    cr_assert_str_eq(loc, want);
    http_free(r);
}

/* curl -F NAME=@file (a temp file holding data), plus more args; URL last. */
static http_resp *post_file_field(const char *field, const void *data, size_t len, const char *fname,
                                  const char *ua, const char *more1, const char *more2)
{
    char *path = temp_file(data, len, fname);
    char arg[400];
    snprintf(arg, sizeof arg, "%s=@%s", field, path);
    char *url = pasted_url("/");
    const char *args[12];
    size_t n = 0;
    args[n++] = "-F";
    args[n++] = arg;
    if (ua) {
        args[n++] = "-A";
        args[n++] = ua;
    }
    if (more1) {
        args[n++] = more1;
        args[n++] = more2;
    }
    args[n++] = url;
    args[n] = NULL;
    http_resp *r = http_run(args, NULL, 0);
    free(url);
    remove_temp(path);
    return r;
}

/* curl --form-string FIELD=TARGET URL/ (the value taken literally); 201 expected by the caller. */
static http_resp *shorten_with(const char *field, const char *target)
{
    size_t n = strlen(field) + strlen(target) + 2;
    char *arg = malloc(n);
    snprintf(arg, n, "%s=%s", field, target);
    char *url = pasted_url("/");
    http_resp *r = curl_with(NULL, 0, "--form-string", arg, url, NULL);
    free(url);
    free(arg);
    return r;
}

/* A short link to target by multipart shorten=: its id; the delete token in token (may be NULL). */
static char *make_link(const char *target, char token[64])
{
    http_resp *r = shorten_with("shorten", target);
    cr_assert_eq(r->status, 201, "shorten=%s: %d: %.*s", target, r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    if (token) {
        const char *t = http_header(r, "X-Delete-Token");
        cr_assert_not_null(t);
        snprintf(token, 64, "%s", t);
    }
    http_free(r);
    return id;
}

/* ============================================================ haste */

Test(clients, haste_post_documents_answers_the_key)
{
    /* hastebin's documentation: curl -X POST -s -d "$(cat file)" https://host/documents
     * (-d: a form content type, yet the body is the document, = and & included) */
    const char doc[] = "a=1&b=2 haste document\nsecond line";
    http_resp *r = http_post("/documents", "application/x-www-form-urlencoded", doc, sizeof doc - 1);
    cr_assert_eq(r->status, 200, "POST /documents: %d: %.*s", r->status, (int)r->body_len, r->body);
    const char *ct = http_header(r, "Content-Type");
    cr_assert(ct && strncmp(ct, "application/json", 16) == 0, "Content-Type %s", ct);
    json_t *o = json_of(r);
    cr_assert_eq(json_object_size(o), 1, "{\"key\": id} alone: %s", r->body);
    char *id = strdup(str_of(o, "key"));
    json_decref(o);
    http_free(r);
    assert_raw_is(id, doc, sizeof doc - 1);
    /* GET /documents/<key> */
    char path[64];
    snprintf(path, sizeof path, "/documents/%s", id);
    r = http_get(path);
    cr_assert_eq(r->status, 200, "GET %s: %d", path, r->status);
    o = json_of(r);
    cr_assert_eq(json_object_size(o), 2, "data and key: %s", r->body);
    cr_assert_str_eq(str_of(o, "data"), doc);
    cr_assert_str_eq(str_of(o, "key"), id);
    json_decref(o);
    http_free(r);
    /* the paste is a paste like any other */
    snprintf(path, sizeof path, "/%s", id);
    cr_assert_eq(status_of(path), 200);
    free(id);
}

Test(clients, haste_unknown_document_is_404_with_a_message)
{
    /* a well-formed secret id (22 random chars) that was never issued */
    http_resp *r = http_get("/documents/AAAAAAAAAAAAAAAAAAAAAA");
    cr_assert_eq(r->status, 404, "%d: %.*s", r->status, (int)r->body_len, r->body);
    const char *ct = http_header(r, "Content-Type");
    cr_assert(ct && strncmp(ct, "application/json", 16) == 0, "Content-Type %s", ct);
    json_t *o = json_of(r);
    cr_assert_str_eq(str_of(o, "message"), "Document not found.");
    json_decref(o);
    http_free(r);
}

Test(clients, haste_binary_body_is_stored_byte_exact)
{
    const char bin[] = "bin\0ary\xff\xfe\r\n\x01 end";
    http_resp *r = http_post("/documents", NULL, bin, sizeof bin - 1);
    cr_assert_eq(r->status, 200, "%d: %.*s", r->status, (int)r->body_len, r->body);
    json_t *o = json_of(r);
    char *id = strdup(str_of(o, "key"));
    json_decref(o);
    http_free(r);
    assert_raw_is(id, bin, sizeof bin - 1);
    free(id);
}

/* ============================================================ 0x0.st */

Test(clients, x0_file_upload_is_201_with_x_token)
{
    /* curl -F'file=@yourfile.png' https://0x0.st */
    const char data[] = "0x0 upload\x00\x01\x02 bytes\n";
    http_resp *r = post_file_field("file", data, sizeof data - 1, "yourfile.bin", NULL, NULL, NULL);
    cr_assert_eq(r->status, 201, "%d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    const char *token = http_header(r, "X-Delete-Token");
    const char *xtoken = http_header(r, "X-Token");
    cr_assert(token && strlen(token) == 32, "X-Delete-Token %s", token);
    cr_assert_not_null(xtoken, "no X-Token header");
    cr_assert_str_eq(xtoken, token);
    cr_assert_null(http_header(r, "X-Expires"), "a paste that never expires has no X-Expires");
    assert_raw_is(id, data, sizeof data - 1);
    http_free(r);
    free(id);
}

Test(clients, x0_shorten_and_url_fields_make_links)
{
    /* curl -F'shorten=http://example.com/some/long/url' https://0x0.st */
    http_resp *r = shorten_with("shorten", "HTTP://Example.COM:80/some/Long/url?Q=1");
    cr_assert_eq(r->status, 201, "shorten: %d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    cr_assert_str_eq(http_header(r, "X-Token"), http_header(r, "X-Delete-Token"));
    http_free(r);
    assert_redirects(id, "http://example.com/some/Long/url?Q=1");
    free(id);
    /* curl -F'url=...' : here a short link too; an empty path becomes "/" */
    r = shorten_with("url", "HTTPS://WWW.Example.org:443");
    cr_assert_eq(r->status, 201, "url: %d: %.*s", r->status, (int)r->body_len, r->body);
    id = one_line_url(r);
    http_free(r);
    assert_redirects(id, "https://www.example.org/");
    free(id);
    /* a port that is not the default stays */
    r = shorten_with("url", "https://example.net:8443/x");
    cr_assert_eq(r->status, 201);
    id = one_line_url(r);
    http_free(r);
    assert_redirects(id, "https://example.net:8443/x");
    free(id);
}

Test(clients, x0_expires_in_hours)
{
    /* curl -F'file=@x' -Fexpires=2 https://0x0.st : two hours */
    long long before = now_ms();
    http_resp *r = post_file_field("file", "two hours\n", 10, "x.txt", NULL, "-F", "expires=2");
    cr_assert_eq(r->status, 201, "%d: %.*s", r->status, (int)r->body_len, r->body);
    long long want = before + 2LL * 3600 * 1000;
    assert_near(x_expires(r), want, 5000, "X-Expires of expires=2");
    char *id = one_line_url(r);
    assert_near(expires_of(id), want, 5000, "metadata expires of expires=2");
    http_free(r);
    free(id);
}

Test(clients, x0_expires_as_epoch_milliseconds)
{
    /* -Fexpires=<epoch ms>: an hour from now */
    long long at = now_ms() + 3600LL * 1000;
    char field[64];
    snprintf(field, sizeof field, "expires=%lld", at);
    http_resp *r = post_file_field("file", "an hour\n", 8, "x.txt", NULL, "-F", field);
    cr_assert_eq(r->status, 201, "%d: %.*s", r->status, (int)r->body_len, r->body);
    assert_near(x_expires(r), at, 2000, "X-Expires of expires=<epoch ms>");
    char *id = one_line_url(r);
    assert_near(expires_of(id), at, 2000, "metadata expires of expires=<epoch ms>");
    http_free(r);
    free(id);
}

Test(clients, x0_expires_in_the_past_or_beyond_the_max_is_400)
{
    char field[64];
    snprintf(field, sizeof field, "expires=%lld", now_ms() - 3600LL * 1000);
    http_resp *r = post_file_field("file", "past\n", 5, "x.txt", NULL, "-F", field);
    expect_refused(r, "expires an hour ago");
    http_free(r);
    /* year 5138: past any maximum (max_expire never still has one: a century) */
    r = post_file_field("file", "far\n", 4, "x.txt", NULL, "-F", "expires=99999999999999");
    expect_refused(r, "expires in the year 5138");
    http_free(r);
    r = post_file_field("file", "junk\n", 5, "x.txt", NULL, "-F", "expires=soon");
    expect_refused(r, "expires=soon");
    http_free(r);
}

Test(clients, x0_secret_gives_a_long_id)
{
    /* curl -F'file=@x' -Fsecret= https://0x0.st */
    http_resp *r = post_file_field("file", "secret one\n", 11, "x.txt", NULL, "-F", "secret=");
    cr_assert_eq(r->status, 201, "%d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    cr_assert_eq(strlen(id), IDS_SECRET_LEN, "secret id %s", id);
    assert_raw_is(id, "secret one\n", 11);
    http_free(r);
    free(id);
}

Test(clients, x0_management_delete_with_the_token)
{
    http_resp *r = post_file_field("file", "manage me\n", 10, "x.txt", NULL, NULL, NULL);
    cr_assert_eq(r->status, 201);
    char *id = one_line_url(r);
    char token[80], bad[80];
    snprintf(token, sizeof token, "token=%s", http_header(r, "X-Token") ? http_header(r, "X-Token")
                                                                        : http_header(r, "X-Delete-Token"));
    http_free(r);
    snprintf(bad, sizeof bad, "token=%s", "0123456789abcdef0123456789abcdef");
    char path[64];
    snprintf(path, sizeof path, "/%s", id);
    char *url = pasted_url(path);
    /* a wrong token: 403, nothing deleted */
    r = curl_with(NULL, 0, "-F", bad, "-F", "delete=", url, NULL);
    cr_assert_eq(r->status, 403, "wrong token: %d: %.*s", r->status, (int)r->body_len, r->body);
    http_free(r);
    cr_assert_eq(raw_status(id), 200, "a refused delete deleted");
    /* curl -Ftoken=TOKEN -Fdelete= https://0x0.st/ID */
    r = curl_with(NULL, 0, "-F", token, "-F", "delete=", url, NULL);
    cr_assert_eq(r->status, 200, "delete: %d: %.*s", r->status, (int)r->body_len, r->body);
    http_free(r);
    cr_assert_eq(raw_status(id), 404);
    free(url);
    /* an unknown id: 404 */
    url = pasted_url("/AAAAAAAAAAAAAAAAAAAAAA");
    r = curl_with(NULL, 0, "-F", token, "-F", "delete=", url, NULL);
    cr_assert_eq(r->status, 404, "unknown id: %d", r->status);
    http_free(r);
    free(url);
    free(id);
}

/* ============================================================ rustypaste (rpaste) */

Test(clients, rpaste_file_is_200_and_one_line)
{
    const char data[] = "from rpaste\n";
    http_resp *r = post_file_field("file", data, sizeof data - 1, "notes.txt", RPASTE_UA, "-H",
                                   "filename: notes.txt");
    cr_assert_eq(r->status, 200, "rustypaste-cli needs 200: %d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    assert_raw_is(id, data, sizeof data - 1);
    json_t *m = metadata(id);
    cr_assert_str_eq(str_of(m, "title"), "notes.txt", "the filename header is the title");
    json_decref(m);
    http_free(r);
    free(id);
    /* the same upload from curl is still 201 */
    r = post_file_field("file", data, sizeof data - 1, "notes.txt", NULL, NULL, NULL);
    cr_assert_eq(r->status, 201, "curl: %d", r->status);
    http_free(r);
}

Test(clients, rpaste_oneshot_burns_after_one_read)
{
    const char data[] = "read me once\n";
    http_resp *r = post_file_field("oneshot", data, sizeof data - 1, "once.txt", RPASTE_UA, NULL, NULL);
    cr_assert_eq(r->status, 200, "%d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    http_free(r);
    assert_raw_is(id, data, sizeof data - 1);
    int s = raw_status(id);
    cr_assert(s == 404 || s == 410, "a oneshot paste read twice: %d", s);
    free(id);
}

Test(clients, rpaste_oneshot_url_redirects_once)
{
    char *url = pasted_url("/");
    http_resp *r = curl_with(NULL, 0, "-A", RPASTE_UA, "--form-string", "oneshot_url=https://example.com/once",
                             url, NULL);
    free(url);
    cr_assert_eq(r->status, 200, "%d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    http_free(r);
    assert_redirects(id, "https://example.com/once");
    char path[64];
    snprintf(path, sizeof path, "/%s", id);
    int s = status_of(path);
    cr_assert(s == 404 || s == 410, "a oneshot link followed twice: %d", s);
    free(id);
}

Test(clients, rpaste_url_field_makes_a_link)
{
    char *url = pasted_url("/");
    http_resp *r = curl_with(NULL, 0, "-A", RPASTE_UA, "--form-string", "url=https://example.com/rpaste?a=b",
                             url, NULL);
    free(url);
    cr_assert_eq(r->status, 200, "%d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    http_free(r);
    assert_redirects(id, "https://example.com/rpaste?a=b");
    free(id);
}

Test(clients, rpaste_expire_header)
{
    /* rpaste -e 10min file: the header "expire: 10min" */
    long long before = now_ms();
    http_resp *r = post_file_field("file", "ten minutes\n", 12, "x.txt", RPASTE_UA, "-H", "expire: 10min");
    cr_assert_eq(r->status, 200, "%d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    assert_near(x_expires(r), before + 600 * 1000, 3000, "X-Expires of expire: 10min");
    assert_near(expires_of(id), before + 600 * 1000, 3000, "metadata expires of expire: 10min");
    http_free(r);
    free(id);
    /* humantime compounds: 1h30m */
    before = now_ms();
    r = post_file_field("file", "ninety\n", 7, "x.txt", RPASTE_UA, "-H", "expire: 1h30m");
    cr_assert_eq(r->status, 200, "1h30m: %d: %.*s", r->status, (int)r->body_len, r->body);
    assert_near(x_expires(r), before + 5400 * 1000, 3000, "X-Expires of expire: 1h30m");
    http_free(r);
}

Test(clients, rpaste_bad_expire_header_is_400)
{
    http_resp *r = post_file_field("file", "nope\n", 5, "x.txt", RPASTE_UA, "-H", "expire: soonish");
    expect_refused(r, "expire: soonish");
    http_free(r);
    r = post_file_field("file", "nope\n", 5, "x.txt", RPASTE_UA, "-H", "expire: 10lightyears");
    expect_refused(r, "expire: 10lightyears");
    http_free(r);
    r = post_file_field("file", "nope\n", 5, "x.txt", RPASTE_UA, "-H", "expire: 200y");
    expect_refused(r, "expire: 200y (past any maximum)");
    http_free(r);
}

/* ============================================================ dpaste */

/* POST /api/ with curl ARGS (fields), expects 200. */
static http_resp *dpaste(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5,
                         const char *a6, const char *a7, const char *a8)
{
    char *url = pasted_url("/api/");
    const char *all[] = { a1, a2, a3, a4, a5, a6, a7, a8 };
    const char *args[10];
    size_t n = 0;
    for (size_t i = 0; i < 8 && all[i]; i++)
        args[n++] = all[i];
    args[n++] = url;
    args[n] = NULL;
    http_resp *r = http_run(args, NULL, 0);
    free(url);
    return r;
}

Test(clients, dpaste_default_format_is_a_json_string)
{
    /* curl --data-urlencode content@file --data lexer=python https://dpaste.com/api/ */
    http_resp *r = dpaste("--data-urlencode", "content=print('dpaste') & more", "--data", "lexer=python", NULL,
                          NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "%d: %.*s", r->status, (int)r->body_len, r->body);
    cr_assert(r->body_len > 2 && r->body[0] == '"' && r->body[r->body_len - 1] == '"',
              "default: \"URL\" with no newline: [%.*s]", (int)r->body_len, r->body);
    json_t *o = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
    cr_assert(json_is_string(o), "not a JSON string: %s", r->body);
    const char *u = json_string_value(o);
    char *base = pasted_url("/");
    cr_assert_eq(strncmp(u, base, strlen(base)), 0, "%s is not on %s", u, base);
    free(base);
    char *id = id_from_url(u, strlen(u));
    json_decref(o);
    http_free(r);
    const char want[] = "print('dpaste') & more";
    assert_raw_is(id, want, sizeof want - 1);
    json_t *m = metadata(id);
    cr_assert_str_eq(str_of(m, "lang"), "python", "lexer is the language");
    json_decref(m);
    free(id);
}

Test(clients, dpaste_url_format_is_one_line)
{
    /* curl -F "format=url" -F "content=<-" https://dpaste.org/api/ */
    char *url = pasted_url("/api/");
    const char in[] = "from stdin\nline 2";
    http_resp *r = curl_with(in, sizeof in - 1, "-F", "format=url", "-F", "content=<-", "-F",
                             "filename=notes.md", url, NULL);
    free(url);
    cr_assert_eq(r->status, 200, "%d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    assert_raw_is(id, in, sizeof in - 1);
    json_t *m = metadata(id);
    cr_assert_str_eq(str_of(m, "title"), "notes.md", "filename is the title");
    json_decref(m);
    http_free(r);
    free(id);
}

Test(clients, dpaste_json_format_has_url_content_lexer)
{
    http_resp *r = dpaste("--data-urlencode", "content=int main(void) { return 0; }", "--data", "lexer=c",
                          "--data", "format=json", NULL, NULL);
    cr_assert_eq(r->status, 200, "%d: %.*s", r->status, (int)r->body_len, r->body);
    json_t *o = json_of(r);
    cr_assert_str_eq(str_of(o, "content"), "int main(void) { return 0; }");
    cr_assert_str_eq(str_of(o, "lexer"), "c");
    const char *u = str_of(o, "url");
    char *id = id_from_url(u, strlen(u));
    assert_raw_is(id, "int main(void) { return 0; }", 28);
    json_decref(o);
    http_free(r);
    free(id);
}

Test(clients, dpaste_expires_seconds_onetime_never)
{
    long long before = now_ms();
    http_resp *r = dpaste("--data", "content=an hour", "--data", "expires=3600", "--data", "format=url", NULL,
                          NULL);
    cr_assert_eq(r->status, 200, "3600: %d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    http_free(r);
    assert_near(expires_of(id), before + 3600 * 1000, 3000, "expires=3600");
    free(id);
    /* 604800: a week */
    before = now_ms();
    r = dpaste("--data", "content=a week", "--data", "expires=604800", "--data", "format=url", NULL, NULL);
    cr_assert_eq(r->status, 200, "604800: %d", r->status);
    id = one_line_url(r);
    http_free(r);
    assert_near(expires_of(id), before + 604800LL * 1000, 3000, "expires=604800");
    free(id);
    /* never */
    r = dpaste("--data", "content=forever", "--data", "expires=never", "--data", "format=url", NULL, NULL);
    cr_assert_eq(r->status, 200, "never: %d", r->status);
    id = one_line_url(r);
    http_free(r);
    cr_assert_eq(expires_of(id), -1, "expires=never: expires is not null");
    free(id);
    /* onetime: burn after reading */
    r = dpaste("--data", "content=just once", "--data", "expires=onetime", "--data", "format=url", NULL, NULL);
    cr_assert_eq(r->status, 200, "onetime: %d", r->status);
    id = one_line_url(r);
    http_free(r);
    json_t *m = metadata(id);
    cr_assert(json_is_true(json_object_get(m, "burn")), "onetime is burn");
    json_decref(m);
    assert_raw_is(id, "just once", 9);
    int s = raw_status(id);
    cr_assert(s == 404 || s == 410, "onetime read twice: %d", s);
    free(id);
}

Test(clients, dpaste_empty_content_is_400)
{
    http_resp *r = dpaste("--data", "content=", "--data", "lexer=text", NULL, NULL, NULL, NULL);
    cr_assert_eq(r->status, 400, "empty content: %d: %.*s", r->status, (int)r->body_len, r->body);
    cr_assert_null(http_header(r, "X-Delete-Token"), "something was created");
    http_free(r);
    r = dpaste("--data", "lexer=text", NULL, NULL, NULL, NULL, NULL, NULL);
    cr_assert_eq(r->status, 400, "no content: %d: %.*s", r->status, (int)r->body_len, r->body);
    http_free(r);
}

/* ============================================================ sprunge */

/* The page (as a browser asks) of path; its data-lang="..." (malloc'd, "" when empty). */
static char *page_lang(const char *path, char **page)
{
    char *url = pasted_url(path);
    http_resp *r = curl_with(NULL, 0, "-H", "Accept: text/html", url, NULL);
    free(url);
    cr_assert_eq(r->status, 200, "%s: %d", path, r->status);
    const char *ct = http_header(r, "Content-Type");
    cr_assert(ct && strstr(ct, "text/html"), "%s: Content-Type %s", path, ct);
    const char *at = strstr(r->body, "data-lang=\"");
    cr_assert_not_null(at, "%s: no data-lang on the code", path);
    at += strlen("data-lang=\"");
    const char *end = strchr(at, '"');
    cr_assert_not_null(end);
    char *lang = strndup(at, (size_t)(end - at));
    *page = strndup(r->body, r->body_len);
    http_free(r);
    return lang;
}

Test(clients, sprunge_query_word_is_the_language)
{
    const char code[] = "def f(x):\n    return x * 2\nprint(f(21))\n";
    char *id = create_paste(code, sizeof code - 1, "");
    char path[64];
    char *page_ext, *page_q, *page_plain;
    snprintf(path, sizeof path, "/%s.py", id);
    char *lang_ext = page_lang(path, &page_ext);
    snprintf(path, sizeof path, "/%s?py", id);
    char *lang_q = page_lang(path, &page_q);
    snprintf(path, sizeof path, "/%s", id);
    char *lang_plain = page_lang(path, &page_plain);
    cr_assert(lang_ext[0], "/<id>.py has no language");
    cr_assert_str_eq(lang_q, lang_ext, "/<id>?py is highlighted as %s, /<id>.py as %s", lang_q, lang_ext);
    cr_assert_str_neq(lang_plain, lang_ext, "the query must be what sets it");
    /* line anchors, as on /<id> */
    const char *anchors[] = { "id=\"L1\"", "href=\"#L1\"", "id=\"L3\"", "href=\"#L3\"" };
    for (size_t i = 0; i < sizeof anchors / sizeof anchors[0]; i++)
        cr_assert(strstr(page_q, anchors[i]), "/<id>?py lacks %s", anchors[i]);
    cr_assert(strstr(page_q, "return x * 2"), "the text is on the page");
    free(lang_ext);
    free(lang_q);
    free(lang_plain);
    free(page_ext);
    free(page_q);
    free(page_plain);
    free(id);
}

/* ============================================================ pastebinit */

static char *fetch_pastebinit_conf(void)
{
    http_resp *r = http_get("/pastebinit.conf");
    cr_assert_eq(r->status, 200, "GET /pastebinit.conf: %d", r->status);
    const char *ct = http_header(r, "Content-Type");
    cr_assert(ct && strncmp(ct, "text/plain", 10) == 0, "Content-Type %s", ct);
    char *conf = strndup(r->body, r->body_len);
    http_free(r);
    return conf;
}

/* "host:port" of PASTED_URL */
static char *host_port(void)
{
    char *base = pasted_url("");
    char *hp = strdup(strstr(base, "://") + 3);
    free(base);
    size_t n = strlen(hp);
    while (n && hp[n - 1] == '/')
        hp[--n] = '\0';
    return hp;
}

/* the value of `key = value` in section sect of an INI text (malloc'd), or NULL */
static char *ini_get(const char *ini, const char *sect, const char *key)
{
    char head[64];
    snprintf(head, sizeof head, "[%s]", sect);
    const char *s = strstr(ini, head);
    if (!s)
        return NULL;
    s += strlen(head);
    const char *end = strstr(s, "\n[");
    size_t klen = strlen(key);
    for (const char *line = s; line && (!end || line < end); line = strchr(line, '\n')) {
        while (*line == '\n')
            line++;
        if (strncmp(line, key, klen) == 0) {
            const char *v = line + klen;
            while (*v == ' ' || *v == '\t')
                v++;
            if (*v != '=')
                continue;
            v++;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = strcspn(v, "\r\n");
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
            return strndup(v, n);
        }
    }
    return NULL;
}

static void expect_ini(const char *ini, const char *sect, const char *key, const char *want)
{
    char *v = ini_get(ini, sect, key);
    cr_assert_not_null(v, "no [%s] %s in:\n%s", sect, key, ini);
    cr_assert_str_eq(v, want, "[%s] %s", sect, key);
    free(v);
}

Test(clients, pastebinit_conf_names_this_host)
{
    char *conf = fetch_pastebinit_conf();
    char *hp = host_port();
    expect_ini(conf, "pastebin", "basename", hp);
    expect_ini(conf, "pastebin", "paste_regexp", "(.*)");
    expect_ini(conf, "format", "content", "content");
    expect_ini(conf, "format", "title", "title");
    expect_ini(conf, "format", "format", "lang");
    expect_ini(conf, "format", "private", "unlisted");
    expect_ini(conf, "defaults", "format", "text");
    expect_ini(conf, "defaults", "private", "0");
    free(hp);
    free(conf);
    /* the Host the request came to */
    char *url = pasted_url("/pastebinit.conf");
    http_resp *r = curl_with(NULL, 0, "-H", "Host: paste.example.org:8443", url, NULL);
    cr_assert_eq(r->status, 200);
    conf = strndup(r->body, r->body_len);
    expect_ini(conf, "pastebin", "basename", "paste.example.org:8443");
    free(conf);
    http_free(r);
    free(url);
}

/* Python's urllib.parse.quote_plus, as pastebinit's urlencode() writes a value. */
static void quote_plus(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("_.-~", c))
            out[n++] = (char)c;
        else if (c == ' ')
            out[n++] = '+';
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
    }
    out[n] = '\0';
}

Test(clients, pastebinit_post_as_it_sends_it)
{
    /* pastebinit 1.6 POSTs urlencode() of its [format] fields, in the conf's order, each
     * named as the served conf says, with its own User-Agent */
    char *conf = fetch_pastebinit_conf();
    char *fc = ini_get(conf, "format", "content"), *ft = ini_get(conf, "format", "title"),
         *ff = ini_get(conf, "format", "format"), *fp = ini_get(conf, "format", "private");
    cr_assert(fc && ft && ff && fp, "[format] incomplete:\n%s", conf);
    const char content[] = "import os\nprint(os.getcwd()) # & = + %";
    char qc[256], qt[64], body[512];
    quote_plus(qc, sizeof qc, content);
    quote_plus(qt, sizeof qt, "cwd script");
    int len = snprintf(body, sizeof body, "%s=%s&%s=%s&%s=python&%s=1", fc, qc, ft, qt, ff, fp);
    char *url = pasted_url("/");
    http_resp *r = curl_with(body, (size_t)len, "-A", PASTEBINIT_UA, "-H",
                             "Content-Type: application/x-www-form-urlencoded", "--data-binary", "@-", url, NULL);
    free(url);
    cr_assert(r->status == 201 || r->status == 200, "%d: %.*s", r->status, (int)r->body_len, r->body);
    char *id = one_line_url(r);
    http_free(r);
    assert_raw_is(id, content, sizeof content - 1);
    json_t *m = metadata(id);
    cr_assert_str_eq(str_of(m, "title"), "cwd script");
    cr_assert_str_eq(str_of(m, "lang"), "python");
    cr_assert(json_is_true(json_object_get(m, "unlisted")), "private=1 is unlisted");
    json_decref(m);
    free(id);
    free(fc);
    free(ft);
    free(ff);
    free(fp);
    free(conf);
}

Test(clients, the_real_pastebinit_with_the_served_conf)
{
    if (access("/usr/bin/pastebinit", X_OK) != 0)
        cr_skip_test("pastebinit is not installed");
    char *conf = fetch_pastebinit_conf();
    char home[] = "/tmp/pasted-pbhome-XXXXXX";
    cr_assert_not_null(mkdtemp(home));
    char dir[128], cpath[160], fpath[160], cmd[1024];
    snprintf(dir, sizeof dir, "%s/.pastebin.d", home);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(cpath, sizeof cpath, "%s/pasted.conf", dir);
    FILE *f = fopen(cpath, "w");
    fputs(conf, f);
    fclose(f);
    snprintf(fpath, sizeof fpath, "%s/notes.txt", home);
    f = fopen(fpath, "w");
    fputs("pastebinit here\nsecond line   \n\n", f);
    fclose(f);
    char *hp = host_port();
    snprintf(cmd, sizeof cmd, "cd %s && HOME=%s timeout 20 pastebinit -b %s -i %s -t 'by pastebinit' 2>&1", home,
             home, hp, fpath);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out[1024];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    cr_assert_eq(rc, 0, "pastebinit failed (%d): %s", rc, out);
    char *base = pasted_url("/");
    cr_assert_eq(strncmp(out, base, strlen(base)), 0, "pastebinit printed %s", out);
    free(base);
    http_resp fake = { .body = out, .body_len = n };
    char *id = one_line_url(&fake);
    /* pastebinit strips trailing whitespace itself */
    assert_raw_is(id, "pastebinit here\nsecond line", 27);
    json_t *m = metadata(id);
    cr_assert_str_eq(str_of(m, "title"), "by pastebinit");
    cr_assert(json_is_false(json_object_get(m, "unlisted")), "[defaults] private = 0");
    json_decref(m);
    unlink(cpath);
    unlink(fpath);
    rmdir(dir);
    rmdir(home);
    free(id);
    free(hp);
    free(conf);
}

/* ============================================================ short links */

Test(clients, link_by_json_api)
{
    const char body[] = "{\"url\": \"https://example.com/from/the/api?x=1\"}";
    http_resp *r = http_post("/api/pastes", "application/json", body, sizeof body - 1);
    cr_assert_eq(r->status, 201, "%d: %.*s", r->status, (int)r->body_len, r->body);
    json_t *o = json_of(r);
    char *id = strdup(str_of(o, "id"));
    cr_assert_str_eq(http_header(r, "X-Delete-Token"), str_of(o, "delete_token"));
    json_decref(o);
    http_free(r);
    assert_redirects(id, "https://example.com/from/the/api?x=1");
    json_t *m = metadata(id);
    cr_assert_str_eq(str_of(m, "kind"), "link");
    cr_assert_str_eq(str_of(m, "target"), "https://example.com/from/the/api?x=1");
    json_decref(m);
    /* /raw/<id>: the target as text */
    char path[64];
    snprintf(path, sizeof path, "/raw/%s", id);
    r = http_get(path);
    cr_assert_eq(r->status, 200, "raw of a link: %d", r->status);
    const char *ct = http_header(r, "Content-Type");
    cr_assert(ct && strncmp(ct, "text/plain", 10) == 0, "Content-Type %s", ct);
    cr_assert(r->body_len >= 36 && memcmp(r->body, "https://example.com/from/the/api?x=1", 36) == 0,
              "raw of a link: %.*s", (int)r->body_len, r->body);
    http_free(r);
    free(id);
}

/* <tag ... NAME="value" ...>: the value (malloc'd) or NULL; tag ends at '>' */
static char *attr_of(const char *tag, const char *name)
{
    const char *end = strchr(tag, '>');
    char pat[64];
    snprintf(pat, sizeof pat, " %s=\"", name);
    const char *at = strstr(tag, pat);
    if (!at || (end && at > end))
        return NULL;
    at += strlen(pat);
    const char *q = strchr(at, '"');
    return q ? strndup(at, (size_t)(q - at)) : NULL;
}

static int has_attr(const char *tag, const char *name)
{
    const char *end = strchr(tag, '>');
    char pat[64];
    snprintf(pat, sizeof pat, " %s", name);
    for (const char *at = strstr(tag, pat); at && (!end || at < end); at = strstr(at + 1, pat)) {
        char c = at[strlen(pat)];
        if (c == '>' || c == ' ' || c == '=' || c == '/')
            return 1;
    }
    return 0;
}

/* Submits the home page's form that has a field named "url", as a browser
 * would: its hidden fields, each select's chosen option, the url field =
 * target; multipart or urlencoded as its enctype says. */
static http_resp *submit_link_form(const char *target)
{
    char *home = pasted_url("/");
    http_resp *h = curl_with(NULL, 0, "-A", BROWSER_UA, "-H", "Accept: text/html", home, NULL);
    cr_assert_eq(h->status, 200);
    const char *field = strstr(h->body, " name=\"url\"");
    cr_assert_not_null(field, "the home page has no field named url (the \"Shorten a link\" form)");
    const char *form = NULL;
    for (const char *f = h->body; (f = strstr(f, "<form")) && f < field; f++)
        form = f;
    cr_assert_not_null(form, "the url field is in no form");
    const char *form_end = strstr(form, "</form>");
    cr_assert(form_end && form_end > field, "the url field is outside its form");
    char *method = attr_of(form, "method");
    cr_assert(method && strcasecmp(method, "post") == 0, "the link form's method: %s", method);
    free(method);
    char *action = attr_of(form, "action");
    char *enctype = attr_of(form, "enctype");
    int multipart = enctype && strcmp(enctype, "multipart/form-data") == 0;
    free(enctype);

    const char *args[64];
    char *owned[64];
    size_t n = 0, no = 0;
    args[n++] = "-A";
    args[n++] = BROWSER_UA;
    args[n++] = "-H";
    args[n++] = "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    const char *opt = multipart ? "--form-string" : "--data-urlencode";
    for (const char *t = form; t < form_end && n < 56; t++) {
        if (*t != '<')
            continue;
        int is_input = strncmp(t, "<input", 6) == 0, is_select = strncmp(t, "<select", 7) == 0,
            is_button = strncmp(t, "<button", 7) == 0;
        if (!is_input && !is_select && !is_button)
            continue;
        char *name = attr_of(t, "name");
        if (!name)
            continue;
        char *value = NULL;
        if (strcmp(name, "url") == 0) {
            value = strdup(target);
        } else if (is_input) {
            char *type = attr_of(t, "type");
            int check = type && (strcmp(type, "checkbox") == 0 || strcmp(type, "radio") == 0);
            int submit = type && strcmp(type, "submit") == 0;
            if (!(check && !has_attr(t, "checked")) && !submit) {
                value = attr_of(t, "value");
                if (!value)
                    value = strdup(check ? "on" : "");
            }
            free(type);
        } else if (is_select) {
            const char *send = strstr(t, "</select>");
            const char *chosen = NULL; /* the selected option, else the first */
            for (const char *o = strstr(t, "<option"); o && o < send; o = strstr(o + 1, "<option")) {
                if (!chosen)
                    chosen = o;
                if (has_attr(o, "selected")) {
                    chosen = o;
                    break;
                }
            }
            if (chosen)
                value = attr_of(chosen, "value");
        } else if (is_button) {
            value = attr_of(t, "value"); /* the button pressed */
        }
        if (value) {
            size_t len = strlen(name) + strlen(value) + 2;
            char *arg = malloc(len);
            snprintf(arg, len, "%s=%s", name, value);
            owned[no++] = arg;
            args[n++] = opt;
            args[n++] = arg;
            free(value);
        }
        free(name);
    }
    char *url = pasted_url(action && action[0] == '/' ? action : "/");
    args[n++] = url;
    args[n] = NULL;
    http_resp *r = http_run(args, NULL, 0);
    for (size_t i = 0; i < no; i++)
        free(owned[i]);
    free(url);
    free(action);
    free(home);
    http_free(h);
    return r;
}

Test(clients, link_by_the_home_page_form)
{
    http_resp *r = submit_link_form("https://example.com/from-the-form");
    cr_assert_eq(r->status, 303, "a browser's form: %d: %.*s", r->status, (int)r->body_len, r->body);
    const char *loc = http_header(r, "Location");
    cr_assert_not_null(loc);
    size_t ln = strlen(loc);
    cr_assert(ln > 1 && loc[ln - 1] == '+', "303 to the preview /<id>+: %s", loc);
    char *id = id_from_url(loc, ln - 1);
    char preview[64];
    snprintf(preview, sizeof preview, "%s", loc);
    http_free(r);
    /* the preview the browser lands on */
    char *url = strncmp(preview, "http", 4) == 0 ? strdup(preview) : pasted_url(preview);
    r = curl_with(NULL, 0, "-A", BROWSER_UA, "-H", "Accept: text/html", url, NULL);
    free(url);
    cr_assert_eq(r->status, 200, "preview: %d", r->status);
    cr_assert(strstr(r->body, "https://example.com/from-the-form"), "the preview shows the target");
    http_free(r);
    assert_redirects(id, "https://example.com/from-the-form");
    free(id);
}

/* HTML escape of s (malloc'd): & < > " ' */
static char *html_esc(const char *s)
{
    char *out = malloc(strlen(s) * 6 + 1), *o = out;
    for (; *s; s++) {
        const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                        : *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;
        if (rep)
            o = stpcpy(o, rep);
        else
            *o++ = *s;
    }
    *o = '\0';
    return out;
}

Test(clients, link_preview_escapes_the_target_and_counts_nothing)
{
    /* & and both quotes: whatever the normal form keeps must be escaped on the page */
    const char target[] = "https://example.com/p?a=1&b='q'&c=\"d\"";
    char *id = make_link(target, NULL);
    json_t *m = metadata(id);
    char *normal = strdup(str_of(m, "target"));
    json_decref(m);
    cr_assert_eq(strncmp(normal, "https://example.com/p?a=1&b=", 28), 0, "target %s", normal);
    char *esc = html_esc(normal);
    char path[64];
    snprintf(path, sizeof path, "/%s+", id);
    char *url = pasted_url(path);
    for (int i = 0; i < 2; i++) {
        http_resp *r = curl_with(NULL, 0, "-A", BROWSER_UA, "-H", "Accept: text/html", url, NULL);
        cr_assert_eq(r->status, 200, "preview: %d: %.*s", r->status, (int)r->body_len, r->body);
        const char *ct = http_header(r, "Content-Type");
        cr_assert(ct && strstr(ct, "text/html"), "Content-Type %s", ct);
        cr_assert_null(http_header(r, "Location"), "the preview does not follow the link");
        cr_assert(strstr(r->body, esc), "the target %s, escaped (%s), is not on the preview:\n%s", normal, esc,
                  r->body);
        cr_assert_null(strstr(r->body, "a=1&b"), "a raw & of the target is on the page");
        cr_assert_null(strstr(r->body, "b='q'"), "a raw ' of the target is on the page");
        cr_assert_null(strstr(r->body, "c=\"d\""), "a raw \" of the target is on the page");
        http_free(r);
    }
    free(url);
    free(esc);
    free(normal);
    /* then one click: MongoDB ends with exactly that one */
    char page[64];
    snprintf(page, sizeof page, "/%s", id);
    http_resp *r = http_get(page);
    cr_assert_eq(r->status, 302);
    http_free(r);
    bson_t *doc = NULL;
    int64_t views = -1;
    for (int waited = 0; waited < 5000 && views < 1; waited += 100) {
        usleep(100 * 1000);
        doc = find_doc(id);
        views = doc ? doc_int(doc, "views") : -1;
        if (doc)
            bson_destroy(doc);
    }
    cr_assert_eq(views, 1, "MongoDB has %lld views after 2 previews and 1 click", (long long)views);
    usleep(500 * 1000); /* a few more flushes */
    doc = find_doc(id);
    cr_assert_not_null(doc);
    cr_assert_eq(doc_int(doc, "views"), 1, "the previews were counted");
    bson_destroy(doc);
    free(id);
}

typedef struct clicks_wait { const char *id; int64_t want; int64_t seen; } clicks_wait;

static int clicks_reached(void *arg)
{
    clicks_wait *w = arg;
    bson_t *doc = find_doc(w->id);
    w->seen = doc ? doc_int(doc, "views") : -1;
    if (doc)
        bson_destroy(doc);
    return w->seen >= w->want;
}

Test(clients, link_clicks_reach_mongodb_per_day)
{
    char *id = make_link("https://example.com/clicked", NULL);
    for (int i = 0; i < 4; i++)
        assert_redirects(id, "https://example.com/clicked");
    clicks_wait w = { id, 4, 0 };
    cr_assert(wait_until(clicks_reached, &w, 5000), "MongoDB has %lld clicks, expected 4", (long long)w.seen);
    usleep(500 * 1000); /* nothing counted twice */
    cr_assert(clicks_reached(&w) && w.seen == 4, "MongoDB has %lld clicks, expected 4", (long long)w.seen);
    bson_t *doc = find_doc(id);
    char day[11], field[32];
    today_utc(day);
    snprintf(field, sizeof field, "days.%s", day);
    cr_assert_eq(doc_int(doc, field), 4, "clicks of today");
    bson_destroy(doc);
    free(id);
}

Test(clients, link_bad_targets_are_refused)
{
    char *self = pasted_url("/AbCdEf1");
    char *long_url = malloc(2100);
    strcpy(long_url, "https://example.com/");
    memset(long_url + 20, 'a', 2049 - 20);
    long_url[2049] = '\0'; /* 2049 bytes */
    const char *bad[] = {
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://example.com/file",
        "example.com",
        "https://example.com/a\x01" "b",
        "https://example.com/a\x7f" "b",
        "https://",
        long_url,
        "http://user:pw@example.com/",
        self,
    };
    /* every case is tried; the failures are listed together */
    char failed[2048] = "";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http_resp *r = shorten_with("shorten", bad[i]);
        int one_line = r->body_len > 1 && r->body[r->body_len - 1] == '\n'
                       && memchr(r->body, '\n', r->body_len) == r->body + r->body_len - 1;
        if (r->status != 400 || !one_line || http_header(r, "X-Delete-Token")) {
            size_t at = strlen(failed);
            snprintf(failed + at, sizeof failed - at, "\n  shorten=%.60s -> %d %.*s", bad[i], r->status,
                     (int)(r->body_len > 100 ? 100 : r->body_len), r->body);
        }
        http_free(r);
    }
    cr_assert_str_empty(failed, "not refused with a one-line 400:%s", failed);
    /* a space is no danger once escaped: taken, written %20 */
    char *spaced = make_link("https://example.com/a b", NULL);
    assert_redirects(spaced, "https://example.com/a%20b");
    free(spaced);
    /* exactly 2048 bytes is still a link */
    long_url[2048] = '\0';
    http_resp *r = shorten_with("shorten", long_url);
    cr_assert_eq(r->status, 201, "a 2048-byte target: %d: %.*s", r->status, (int)r->body_len, r->body);
    http_free(r);
    /* and the JSON API refuses the same */
    const char js[] = "{\"url\": \"javascript:alert(1)\"}";
    r = http_post("/api/pastes", "application/json", js, sizeof js - 1);
    cr_assert_eq(r->status, 400, "API javascript: %d", r->status);
    cr_assert_null(http_header(r, "X-Delete-Token"));
    http_free(r);
    free(long_url);
    free(self);
}

Test(clients, link_deletes_with_its_token)
{
    char token[64];
    char *id = make_link("https://example.com/delete-me", token);
    assert_redirects(id, "https://example.com/delete-me");
    char path[64], header[128];
    snprintf(path, sizeof path, "/%s", id);
    char *url = pasted_url(path);
    http_resp *r = curl_with(NULL, 0, "-X", "DELETE", "-H", "X-Delete-Token: 0123456789abcdef0123456789abcdef",
                             url, NULL);
    cr_assert_eq(r->status, 403, "wrong token: %d", r->status);
    http_free(r);
    assert_redirects(id, "https://example.com/delete-me");
    snprintf(header, sizeof header, "X-Delete-Token: %s", token);
    r = curl_with(NULL, 0, "-X", "DELETE", "-H", header, url, NULL);
    cr_assert_eq(r->status, 204, "delete: %d: %.*s", r->status, (int)r->body_len, r->body);
    http_free(r);
    cr_assert_eq(status_of(path), 404, "a deleted link still answers");
    free(url);
    free(id);
}

Test(clients, link_expires)
{
    char *url = pasted_url("/");
    long long before = now_ms();
    http_resp *r = curl_with(NULL, 0, "--form-string", "url=https://example.com/short-lived", "-F", "expire=2s",
                             url, NULL);
    free(url);
    cr_assert_eq(r->status, 201, "%d: %.*s", r->status, (int)r->body_len, r->body);
    assert_near(x_expires(r), before + 2000, 1500, "X-Expires of a 2s link");
    char *id = one_line_url(r);
    http_free(r);
    assert_redirects(id, "https://example.com/short-lived");
    usleep(2300 * 1000);
    char path[64];
    snprintf(path, sizeof path, "/%s", id);
    int s = status_of(path);
    cr_assert(s == 404 || s == 410, "an expired link: %d", s);
    s = status_of(path);
    cr_assert(s == 404 || s == 410, "an expired link, asked again: %d", s);
    free(id);
}
