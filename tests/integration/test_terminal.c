/* test_terminal.c - issue 4, from a terminal: one test per curl habit that
 * creates a paste (run with the real curl binary, exactly as a person would
 * type it), options by query string and by form field, the delete token and
 * delete, and the plain-text help at /help and at / for curl and wget. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paste.h"
#include "pasted_client.h"

/* curl ARGS... with in[0..len) on its standard input (NULL: none). */
static http_resp *curl_with(const void *in, size_t len, const char *arg, ...)
{
    const char *args[32];
    size_t n = 0;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return http_run(args, in, len);
}

/* The plain create answer: 201, "URL\n" alone, URL == Location, a delete
 * token header. Returns the id (malloc'd). */
static char *assert_created(http_resp *r)
{
    cr_assert_eq(r->status, 201, "status %d: %.*s", r->status, (int)r->body_len, r->body);
    const char *loc = http_header(r, "Location");
    cr_assert_not_null(loc);
    cr_assert(r->body_len > 1 && r->body[r->body_len - 1] == '\n', "answer must end with a newline");
    cr_assert_eq(memchr(r->body, '\n', r->body_len), r->body + r->body_len - 1,
                 "the URL must be alone on stdout: %s", r->body);
    cr_assert_eq(r->body_len - 1, strlen(loc));
    cr_assert_eq(strncmp(r->body, loc, strlen(loc)), 0, "%s is not %s", r->body, loc);
    const char *token = http_header(r, "X-Delete-Token");
    cr_assert(token && strlen(token) == 32, "X-Delete-Token %s", token);
    return id_from_url(r->body, r->body_len);
}

/* GET /api/pastes/<id> as text (malloc'd). */
static char *metadata(const char *id)
{
    char path[64];
    snprintf(path, sizeof path, "/api/pastes/%s", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 200, "metadata %s: %d", id, r->status);
    char *s = strndup(r->body, r->body_len);
    http_free(r);
    return s;
}

/* --- every way to create --------------------------------------------------- */

Test(terminal, pipe_into_data_binary_stdin)
{
    /* cmd | curl --data-binary @- URL */
    const char out[] = "total 8\n-rw-r--r-- 1 me me 42 notes.txt\n\ttab & ampersand=yes\n";
    char *url = pasted_url("/");
    http_resp *r = curl_with(out, sizeof out - 1, "--data-binary", "@-", url, NULL);
    char *id = assert_created(r);
    assert_raw_is(id, out, sizeof out - 1);
    http_free(r);
    free(id);
    free(url);
}

Test(terminal, data_binary_from_a_file)
{
    /* curl --data-binary @file URL: bytes exact, CR LF and all */
    const char text[] = "line one\r\nline two\r\n\x01\x02 not a form=1&x\n";
    char *path = temp_file(text, sizeof text - 1, "crlf.txt");
    char arg[300];
    snprintf(arg, sizeof arg, "@%s", path);
    char *url = pasted_url("/");
    http_resp *r = curl_with(NULL, 0, "--data-binary", arg, url, NULL);
    char *id = assert_created(r);
    assert_raw_is(id, text, sizeof text - 1);
    http_free(r);
    free(id);
    free(url);
    remove_temp(path);
}

Test(terminal, upload_file_with_T)
{
    /* curl -T file URL/ (a PUT to URL/file): the file name becomes the title */
    const char text[] = "#!/bin/sh\necho uploaded\n";
    char *path = temp_file(text, sizeof text - 1, "deploy.sh");
    char *url = pasted_url("/");
    http_resp *r = curl_with(NULL, 0, "-T", path, url, NULL);
    char *id = assert_created(r);
    assert_raw_is(id, text, sizeof text - 1);
    char *meta = metadata(id);
    cr_assert(strstr(meta, "\"title\":\"deploy.sh\""), "%s", meta);
    free(meta);
    http_free(r);
    free(id);
    free(url);
    remove_temp(path);
}

Test(terminal, form_content_field_from_stdin)
{
    /* cmd | curl -F 'content=<-' URL */
    const char out[] = "from a pipe\nwith <angle> & \"quotes\"\n";
    char *url = pasted_url("/");
    http_resp *r = curl_with(out, sizeof out - 1, "-F", "content=<-", url, NULL);
    char *id = assert_created(r);
    assert_raw_is(id, out, sizeof out - 1);
    http_free(r);
    free(id);
    free(url);
}

Test(terminal, form_file_field_with_a_binary_file)
{
    /* curl -F 'file=@path' URL */
    unsigned char data[777];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 31 + 7);
    memcpy(data + 200, "\r\n--------------------------", 28); /* looks like a boundary */
    char *path = temp_file(data, sizeof data, "blob.bin");
    char arg[300];
    snprintf(arg, sizeof arg, "file=@%s", path);
    char *url = pasted_url("/");
    http_resp *r = curl_with(NULL, 0, "-F", arg, url, NULL);
    char *id = assert_created(r);
    assert_raw_is(id, data, sizeof data);
    http_free(r);
    free(id);
    free(url);
    remove_temp(path);
}

Test(terminal, sprunge_single_field_of_any_name)
{
    /* cmd | curl -F 'sprunge=<-' URL */
    const char out[] = "sprunge habit\n";
    char *url = pasted_url("/");
    http_resp *r = curl_with(out, sizeof out - 1, "-F", "sprunge=<-", url, NULL);
    char *id = assert_created(r);
    assert_raw_is(id, out, sizeof out - 1);
    http_free(r);
    free(id);
    free(url);
}

Test(terminal, ixio_single_field_with_a_colon_in_its_name)
{
    /* cmd | curl -F 'f:1=<-' URL */
    const char out[] = "ix.io habit\n";
    char *url = pasted_url("/");
    http_resp *r = curl_with(out, sizeof out - 1, "-F", "f:1=<-", url, NULL);
    char *id = assert_created(r);
    assert_raw_is(id, out, sizeof out - 1);
    http_free(r);
    free(id);
    free(url);
}

Test(terminal, single_field_plus_options_is_still_the_content)
{
    /* cmd | curl -F 'sprunge=<-' -F lang=sh URL: options do not count as "another field" */
    const char out[] = "echo $HOME\n";
    char *url = pasted_url("/");
    http_resp *r = curl_with(out, sizeof out - 1, "-F", "sprunge=<-", "-F", "lang=sh", url, NULL);
    char *id = assert_created(r);
    assert_raw_is(id, out, sizeof out - 1);
    char *meta = metadata(id);
    cr_assert(strstr(meta, "\"lang\":\"sh\""), "%s", meta);
    free(meta);
    http_free(r);
    free(id);
    free(url);
}

/* --- options ------------------------------------------------------------------ */

Test(terminal, options_by_query_string)
{
    char *url = pasted_url("/?title=My%20notes&lang=c&expire=1h&unlisted=1");
    http_resp *r = curl_with("int main;\n", 10, "--data-binary", "@-", url, NULL);
    char *id = assert_created(r);
    char *meta = metadata(id);
    const char *keys[] = { "\"title\":\"My notes\"", "\"lang\":\"c\"", "\"burn\":false",
                           "\"unlisted\":true", "\"expires\":\"" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert(strstr(meta, keys[i]), "no %s in %s", keys[i], meta);
    free(meta);
    http_free(r);
    free(id);
    free(url);
    /* burn: the metadata (which does not burn it) shows only that, and the expiry */
    url = pasted_url("/?title=My%20notes&expire=1h&burn=1");
    r = curl_with("int main;\n", 10, "--data-binary", "@-", url, NULL);
    id = assert_created(r);
    meta = metadata(id);
    cr_assert(strstr(meta, "\"burn\":true") && strstr(meta, "\"expires\":\""), "%s", meta);
    free(meta);
    http_free(r);
    free(id);
    free(url);
}

Test(terminal, options_by_form_fields)
{
    char *url = pasted_url("/");
    http_resp *r = curl_with("print(1)\n", 9, "-F", "content=<-", "-F", "lang=python", "-F",
                             "title=script.py", "-F", "expire=10m", "-F", "unlisted=1", url, NULL);
    char *id = assert_created(r);
    char *meta = metadata(id);
    const char *keys[] = { "\"title\":\"script.py\"", "\"lang\":\"python\"", "\"burn\":false",
                           "\"unlisted\":true", "\"expires\":\"" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert(strstr(meta, keys[i]), "no %s in %s", keys[i], meta);
    free(meta);
    http_free(r);
    free(id);
    free(url);
}

static void expect_400(http_resp *r, const char *field, const char *allowed)
{
    cr_assert_eq(r->status, 400, "%s: status %d", field, r->status);
    cr_assert(strstr(r->body, field), "the answer does not name %s: %s", field, r->body);
    if (allowed)
        cr_assert(strstr(r->body, allowed), "the answer does not list %s: %s", allowed, r->body);
    cr_assert_eq(memchr(r->body, '\n', r->body_len), r->body + r->body_len - 1, "one line: %s", r->body);
    cr_assert_null(http_header(r, "X-Delete-Token"), "nothing was created");
}

Test(terminal, invalid_option_values_are_400_naming_the_field)
{
    static const struct { const char *query; const char *field; const char *allowed; } cases[] = {
        { "/?expire=forever", "expire", "never" },
        { "/?expire=1y", "expire", "10m" },
        { "/?burn=maybe", "burn", "1 or 0" },
        { "/?unlisted=2", "unlisted", "1 or 0" },
        { "/?lang=%3Cb%3E", "lang", "a-z" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *url = pasted_url(cases[i].query);
        http_resp *r = curl_with("x", 1, "--data-binary", "@-", url, NULL);
        expect_400(r, cases[i].field, cases[i].allowed);
        http_free(r);
        free(url);
    }
    /* the same rules for form fields */
    char *url = pasted_url("/");
    http_resp *r = curl_with("x", 1, "-F", "content=<-", "-F", "expire=3days", url, NULL);
    expect_400(r, "expire", "1w");
    http_free(r);
    r = curl_with("x", 1, "-F", "content=<-", "-F", "burn=please", url, NULL);
    expect_400(r, "burn", "1 or 0");
    http_free(r);
    free(url);
}

/* --- the delete token ------------------------------------------------------------ */

Test(terminal, verbose_adds_the_delete_command_on_line_two)
{
    char *url = pasted_url("/?verbose=1");
    http_resp *r = curl_with("verbose\n", 8, "--data-binary", "@-", url, NULL);
    cr_assert_eq(r->status, 201);
    const char *loc = http_header(r, "Location");
    const char *token = http_header(r, "X-Delete-Token");
    cr_assert(loc && token);
    char *nl = memchr(r->body, '\n', r->body_len);
    cr_assert_not_null(nl);
    cr_assert_eq((size_t)(nl - r->body), strlen(loc), "line 1 is the URL alone: %s", r->body);
    cr_assert_eq(strncmp(r->body, loc, strlen(loc)), 0);
    char want[512];
    snprintf(want, sizeof want, "delete: curl -X DELETE -H 'X-Delete-Token: %s' %s\n", token, loc);
    cr_assert_str_eq(nl + 1, want);
    /* and the command works, as printed */
    char header[128];
    snprintf(header, sizeof header, "X-Delete-Token: %s", token);
    char *target = strdup(loc);
    http_resp *d = curl_with(NULL, 0, "-X", "DELETE", "-H", header, target, NULL);
    cr_assert_eq(d->status, 204);
    http_free(d);
    free(target);
    http_free(r);
    free(url);
}

static char *create_with_token(const char *body, const char *query, char token[64])
{
    char path[256];
    snprintf(path, sizeof path, "/%s", query);
    http_resp *r = http_post(path, NULL, body, strlen(body));
    cr_assert_eq(r->status, 201);
    snprintf(token, 64, "%s", http_header(r, "X-Delete-Token"));
    char *id = id_from_url(r->body, r->body_len);
    http_free(r);
    return id;
}

static int status_of(const char *path)
{
    http_resp *r = http_get(path);
    int s = r->status;
    http_free(r);
    return s;
}

Test(terminal, delete_with_the_token_and_it_is_gone_everywhere)
{
    char title[64], q[96], token[64];
    snprintf(title, sizeof title, "term-delete-%d", (int)getpid());
    snprintf(q, sizeof q, "?title=%s", title);
    char *id = create_with_token("to be deleted", q, token);
    char page[32], raw[40], api[48];
    snprintf(page, sizeof page, "/%s", id);
    snprintf(raw, sizeof raw, "/raw/%s", id);
    snprintf(api, sizeof api, "/api/pastes/%s", id);
    cr_assert_eq(status_of(raw), 200); /* cached now */
    char *url = pasted_url(page);
    /* wrong token, then no token: 403, nothing deleted */
    http_resp *r = curl_with(NULL, 0, "-X", "DELETE", "-H", "X-Delete-Token: wrongwrongwrong", url, NULL);
    cr_assert_eq(r->status, 403);
    http_free(r);
    r = curl_with(NULL, 0, "-X", "DELETE", url, NULL);
    cr_assert_eq(r->status, 403);
    http_free(r);
    cr_assert_eq(status_of(raw), 200, "a refused delete deleted");
    /* curl -X DELETE -H 'X-Delete-Token: T' URL/<id> */
    char header[128];
    snprintf(header, sizeof header, "X-Delete-Token: %s", token);
    r = curl_with(NULL, 0, "-X", "DELETE", "-H", header, url, NULL);
    cr_assert_eq(r->status, 204);
    cr_assert_eq(r->body_len, 0);
    http_free(r);
    cr_assert_eq(status_of(raw), 404);
    cr_assert_eq(status_of(page), 404);
    cr_assert_eq(status_of(api), 404);
    bson_t *doc = find_doc(id);
    cr_assert_null(doc, "the store still has it");
    redisContext *rc = test_redis();
    redisReply *rep = redisCommand(rc, "GET pasted:p:%s", id);
    cr_assert(rep->type == REDIS_REPLY_NIL || (rep->type == REDIS_REPLY_STRING && strcmp(rep->str, "-") == 0),
              "the cache still has it");
    freeReplyObject(rep);
    redisFree(rc);
    http_resp *recent = http_get("/recent");
    cr_assert_null(strstr(recent->body, title), "still in the recent list");
    http_free(recent);
    /* a second delete finds nothing */
    r = curl_with(NULL, 0, "-X", "DELETE", "-H", header, url, NULL);
    cr_assert_eq(r->status, 404);
    http_free(r);
    free(url);
    free(id);
}

Test(terminal, the_token_is_stored_only_as_its_hash)
{
    char token[64];
    char *id = create_with_token("hashed token", "", token);
    bson_t *doc = find_doc(id);
    cr_assert_not_null(doc);
    char want[PASTE_HASH_HEX + 1];
    sha256_hex(token, strlen(token), want);
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, doc, "token_hash"));
    cr_assert_str_eq(bson_iter_utf8(&it, NULL), want);
    char *json = bson_as_relaxed_extended_json(doc, NULL);
    cr_assert_null(strstr(json, token), "the plain token is stored: %s", json);
    bson_free(json);
    bson_destroy(doc);
    free(id);
}

/* --- help ---------------------------------------------------------------------- */

static void assert_is_help(http_resp *r, const char *base)
{
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(http_header(r, "Content-Type"), "text/plain; charset=utf-8");
    cr_assert_null(strstr(r->body, "<html"), "help is not a page");
    const char *examples[] = {
        "| curl --data-binary @- ", "curl --data-binary @notes.txt ", "curl -T notes.txt ",
        "curl -F 'content=<-' ", "curl -F 'file=@photo.png' ", "-F 'sprunge=<-' ", "-F 'f:1=<-' ",
        "?verbose=1", "burn=1", "unlisted=1", "expire=", "lang=", "title=",
        "curl -X DELETE -H 'X-Delete-Token: TOKEN' ", "/api/pastes", "/api/openapi.json",
        "curl -r 0-99 ", "--compressed", "\"encoding\": \"base64\"",
    };
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; i++)
        cr_assert(strstr(r->body, examples[i]), "help lacks %s", examples[i]);
    char want[256];
    snprintf(want, sizeof want, "| curl --data-binary @- %s/\n", base);
    cr_assert(strstr(r->body, want), "examples do not use %s", base);
    cr_assert(strstr(r->body, "10m, 1h, 1d, 1w, 1mo, never"), "expiry choices missing");
}

Test(help, help_is_plain_text_with_the_real_host)
{
    char *url = pasted_url("/help");
    http_resp *r = curl_with(NULL, 0, "-H", "Host: paste.example.org:8443", url, NULL);
    assert_is_help(r, "http://paste.example.org:8443");
    http_free(r);
    /* without a Host override, the address curl used */
    r = http_get("/help");
    const char *base = getenv("PASTED_URL");
    char b[256];
    snprintf(b, sizeof b, "%s", base ? base : "http://127.0.0.1:8080");
    size_t n = strlen(b);
    while (n && b[n - 1] == '/')
        b[--n] = '\0';
    assert_is_help(r, b);
    http_free(r);
    free(url);
}

Test(help, a_hostile_host_header_is_not_echoed)
{
    char *url = pasted_url("/help");
    http_resp *r = curl_with(NULL, 0, "-H", "Host: evil.example/<script>x", url, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_null(strstr(r->body, "<script>"));
    cr_assert_null(strstr(r->body, "evil.example"));
    http_free(r);
    free(url);
}

Test(help, root_is_help_for_curl_and_wget_and_the_form_for_browsers)
{
    char *url = pasted_url("/");
    http_resp *r = http_get("/"); /* curl's own User-Agent */
    cr_assert_eq(r->status, 200);
    cr_assert(strncmp(r->body, "PASTED(1)", 9) == 0, "curl got: %.80s", r->body);
    cr_assert_str_eq(http_header(r, "Content-Type"), "text/plain; charset=utf-8");
    cr_assert(strstr(http_header(r, "Vary"), "User-Agent"));
    http_free(r);
    r = curl_with(NULL, 0, "-A", "Wget/1.21.3", url, NULL);
    cr_assert(strncmp(r->body, "PASTED(1)", 9) == 0, "wget got: %.80s", r->body);
    http_free(r);
    r = curl_with(NULL, 0, "-A", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", url, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(http_header(r, "Content-Type"), "text/html"), "a browser gets the form");
    http_free(r);
    /* curl asking for HTML gets HTML */
    r = curl_with(NULL, 0, "-H", "Accept: text/html", url, NULL);
    cr_assert(strstr(http_header(r, "Content-Type"), "text/html"));
    http_free(r);
    /* HEAD: the same headers, no body */
    r = curl_with(NULL, 0, "-I", url, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(http_header(r, "Content-Type"), "text/plain; charset=utf-8");
    cr_assert(atoi(http_header(r, "Content-Length")) > 1000);
    http_free(r);
    free(url);
}

Test(help, help_refuses_other_methods)
{
    char *url = pasted_url("/help");
    http_resp *r = curl_with(NULL, 0, "-X", "POST", url, NULL);
    cr_assert_eq(r->status, 405);
    cr_assert_str_eq(http_header(r, "Allow"), "GET, HEAD");
    http_free(r);
    free(url);
}
