/* test_api.c - issue 4, the JSON API: POST /api/pastes (options, base64 of
 * every byte value, malformed JSON, wrong types, oversize, wrong media type),
 * GET and DELETE /api/pastes/<id>, and the OpenAPI document. Answers are
 * parsed with jansson, never matched as strings where structure matters. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pasted_client.h"

static http_resp *api_post(const char *json, size_t len)
{
    return http_post("/api/pastes", "application/json", json, len);
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

/* A JSON error answer: status, media type, {"error": "..."}, and the field (NULL: any). */
static void expect_error(http_resp *r, int status, const char *field, const char *what)
{
    cr_assert_eq(r->status, status, "%s: status %d, expected %d: %.*s", what, r->status, status,
                 (int)r->body_len, r->body);
    cr_assert_str_eq(http_header(r, "Content-Type"), "application/json", "%s", what);
    json_t *o = json_of(r);
    cr_assert(json_is_string(json_object_get(o, "error")), "%s: no error message", what);
    cr_assert(strlen(str_of(o, "error")) > 0);
    if (field)
        cr_assert_str_eq(str_of(o, "field"), field, "%s: field", what);
    json_decref(o);
    cr_assert_null(http_header(r, "X-Delete-Token"), "%s: something was created", what);
}

static void post_expect_error(const char *json, int status, const char *field)
{
    http_resp *r = api_post(json, strlen(json));
    expect_error(r, status, field, json);
    http_free(r);
}

/* POST, expect 201; returns the answer's object (json_decref it). */
static json_t *create_json(const char *json, size_t len)
{
    http_resp *r = api_post(json, len);
    cr_assert_eq(r->status, 201, "status %d: %.*s", r->status, (int)r->body_len, r->body);
    cr_assert_str_eq(http_header(r, "Content-Type"), "application/json");
    json_t *o = json_of(r);
    cr_assert_str_eq(http_header(r, "Location"), str_of(o, "url"));
    cr_assert_str_eq(http_header(r, "X-Delete-Token"), str_of(o, "delete_token"));
    http_free(r);
    return o;
}

static http_resp *get_path(const char *prefix, const char *id)
{
    char path[96];
    snprintf(path, sizeof path, "%s%s", prefix, id);
    return http_get(path);
}

static json_t *metadata(const char *id)
{
    http_resp *r = get_path("/api/pastes/", id);
    cr_assert_eq(r->status, 200, "metadata %s: %d", id, r->status);
    json_t *o = json_of(r);
    http_free(r);
    return o;
}

static time_t parse_rfc3339(const char *s)
{
    struct tm tm = { 0 };
    cr_assert_not_null(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm), "not RFC 3339: %s", s);
    return timegm(&tm);
}

/* --- create -------------------------------------------------------------------- */

Test(api, create_answers_201_with_every_field)
{
    const char body[] = "{\"content\": \"hello from the API\\n\"}";
    json_t *o = create_json(body, sizeof body - 1);
    const char *id = str_of(o, "id");
    cr_assert_eq(strlen(id), 7);
    char *base = pasted_url("");
    char want[256];
    snprintf(want, sizeof want, "%s/%s", base, id);
    cr_assert_str_eq(str_of(o, "url"), want);
    snprintf(want, sizeof want, "%s/raw/%s", base, id);
    cr_assert_str_eq(str_of(o, "raw_url"), want);
    cr_assert_eq(strlen(str_of(o, "delete_token")), 32);
    cr_assert(json_is_null(json_object_get(o, "expires")), "never-expiring: expires is null");
    http_resp *raw = get_path("/raw/", id);
    cr_assert_eq(raw->status, 200);
    cr_assert_eq(raw->body_len, 19);
    cr_assert_eq(memcmp(raw->body, "hello from the API\n", 19), 0);
    http_free(raw);
    free(base);
    json_decref(o);
}

Test(api, options_reach_the_paste_and_its_metadata)
{
    const char body[] = "{\"content\": \"SELECT 1;\", \"title\": \"query.sql\", \"lang\": \"SQL\", "
                        "\"expire\": \"1h\", \"burn\": true, \"unlisted\": true}";
    time_t before = time(NULL);
    json_t *o = create_json(body, sizeof body - 1);
    time_t expires = parse_rfc3339(str_of(o, "expires"));
    cr_assert(expires >= before + 3600 - 2 && expires <= time(NULL) + 3600 + 2, "expires %s",
              str_of(o, "expires"));
    cr_assert(json_is_true(json_object_get(o, "burn")));
    cr_assert(json_is_true(json_object_get(o, "unlisted")));
    /* an unread burn paste's metadata: the flag and the expiry, nothing of its content */
    json_t *m = metadata(str_of(o, "id"));
    cr_assert_str_eq(str_of(m, "expires"), str_of(o, "expires"));
    cr_assert(json_is_true(json_object_get(m, "burn")));
    cr_assert_null(json_object_get(m, "title"));
    json_decref(m);
    json_decref(o);
    const char plain[] = "{\"content\": \"SELECT 1;\", \"title\": \"query.sql\", \"lang\": \"SQL\", "
                         "\"expire\": \"1h\", \"unlisted\": true}";
    o = create_json(plain, sizeof plain - 1);
    m = metadata(str_of(o, "id"));
    cr_assert_str_eq(str_of(m, "title"), "query.sql");
    cr_assert_str_eq(str_of(m, "lang"), "sql");
    cr_assert_str_eq(str_of(m, "expires"), str_of(o, "expires"));
    cr_assert(json_is_false(json_object_get(m, "burn")));
    cr_assert(json_is_true(json_object_get(m, "unlisted")));
    cr_assert_eq(json_integer_value(json_object_get(m, "size")), 9);
    json_decref(m);
    json_decref(o);
}

Test(api, nulls_and_false_are_the_defaults)
{
    const char body[] = "{\"content\": \"d\", \"title\": null, \"lang\": null, \"expire\": null, "
                        "\"burn\": false, \"unlisted\": null, \"encoding\": \"utf-8\"}";
    json_t *o = create_json(body, sizeof body - 1);
    json_t *m = metadata(str_of(o, "id"));
    cr_assert_str_eq(str_of(m, "title"), "");
    cr_assert(json_is_false(json_object_get(m, "burn")));
    cr_assert(json_is_false(json_object_get(m, "unlisted")));
    cr_assert(json_is_null(json_object_get(m, "expires")));
    json_decref(m);
    json_decref(o);
}

Test(api, curl_json_option_works)
{
    /* curl --json '{...}' URL/api/pastes: what the help page shows */
    char *url = pasted_url("/api/pastes");
    http_resp *r = http_curl("--json", "{\"content\": \"via --json\", \"expire\": \"1d\"}", url, NULL);
    cr_assert_eq(r->status, 201, "%d %s", r->status, r->body);
    json_t *o = json_of(r);
    cr_assert(json_is_string(json_object_get(o, "expires")));
    json_decref(o);
    http_free(r);
    free(url);
}

Test(api, base64_round_trip_of_all_256_byte_values)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char b64[400];
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    for (size_t i = 0; i < 256; i += 3) {
        unsigned v = (unsigned)all[i] << 16 | (i + 1 < 256 ? (unsigned)all[i + 1] << 8 : 0)
                   | (i + 2 < 256 ? all[i + 2] : 0);
        b64[n++] = alphabet[v >> 18 & 63];
        b64[n++] = alphabet[v >> 12 & 63];
        b64[n++] = i + 1 < 256 ? alphabet[v >> 6 & 63] : '=';
        b64[n++] = i + 2 < 256 ? alphabet[v & 63] : '=';
    }
    b64[n] = '\0';
    char body[512];
    snprintf(body, sizeof body, "{\"content\": \"%s\", \"encoding\": \"base64\"}", b64);
    json_t *o = create_json(body, strlen(body));
    http_resp *raw = get_path("/raw/", str_of(o, "id"));
    cr_assert_eq(raw->status, 200);
    cr_assert_eq(raw->body_len, 256);
    cr_assert_eq(memcmp(raw->body, all, 256), 0, "bytes differ");
    cr_assert_str_eq(http_header(raw, "Content-Type"), "application/octet-stream");
    http_free(raw);
    json_t *m = metadata(str_of(o, "id"));
    cr_assert_eq(json_integer_value(json_object_get(m, "size")), 256);
    json_decref(m);
    json_decref(o);
    /* wrapped lines (base64(1)'s default) and no padding are fine too */
    const char wrapped[] = "{\"content\": \"aGVsbG8g\\nd29y\\r\\nbGQ\", \"encoding\": \"base64\"}";
    o = create_json(wrapped, sizeof wrapped - 1);
    raw = get_path("/raw/", str_of(o, "id"));
    cr_assert_eq(raw->body_len, 11);
    cr_assert_eq(memcmp(raw->body, "hello world", 11), 0);
    http_free(raw);
    json_decref(o);
}

Test(api, nul_characters_in_utf8_content_are_kept)
{
    const char body[] = "{\"content\": \"a\\u0000b\\u00e9\"}";
    json_t *o = create_json(body, sizeof body - 1);
    http_resp *raw = get_path("/raw/", str_of(o, "id"));
    cr_assert_eq(raw->body_len, 5);
    cr_assert_eq(memcmp(raw->body, "a\0b\xc3\xa9", 5), 0);
    http_free(raw);
    json_decref(o);
}

/* --- errors -------------------------------------------------------------------- */

Test(api, malformed_json_is_400)
{
    const char *bodies[] = {
        "{", "{\"content\": \"x\",}", "{'content': 'x'}", "content=x", "{\"content\": \"x\"} trailing",
        "{\"content\": \"\\ud800\"}",                      /* lone surrogate */
        "{\"content\": \"x\", \"content\": \"y\"}",         /* duplicate key */
        "\xef\xbb\xbf{\"content\": \"bom\"}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        post_expect_error(bodies[i], 400, NULL);
    /* invalid UTF-8 inside a string: the error message must still be valid JSON */
    const char bad_utf8[] = "{\"content\": \"\xff\xfe\"}";
    http_resp *r = api_post(bad_utf8, sizeof bad_utf8 - 1);
    expect_error(r, 400, NULL, "invalid UTF-8");
    http_free(r);
    r = api_post("", 0);
    expect_error(r, 400, NULL, "empty body");
    http_free(r);
}

Test(api, the_body_must_be_an_object_with_content)
{
    const char *bodies[] = { "[]", "\"text\"", "42", "null", "[{\"content\": \"x\"}]" };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        post_expect_error(bodies[i], 400, NULL);
    post_expect_error("{}", 400, "content");
    post_expect_error("{\"title\": \"no content\"}", 400, "content");
    post_expect_error("{\"content\": \"\"}", 400, "content");
    post_expect_error("{\"content\": \"x\", \"contnet\": \"typo\"}", 400, "contnet");
}

Test(api, wrong_types_are_400_naming_the_field)
{
    static const struct { const char *body; const char *field; } cases[] = {
        { "{\"content\": 42}", "content" },
        { "{\"content\": null}", "content" },
        { "{\"content\": [\"a\"]}", "content" },
        { "{\"content\": {\"a\": 1}}", "content" },
        { "{\"content\": \"x\", \"title\": 3}", "title" },
        { "{\"content\": \"x\", \"lang\": true}", "lang" },
        { "{\"content\": \"x\", \"expire\": 3600}", "expire" },
        { "{\"content\": \"x\", \"burn\": \"yes\"}", "burn" },
        { "{\"content\": \"x\", \"burn\": 1}", "burn" },
        { "{\"content\": \"x\", \"unlisted\": \"true\"}", "unlisted" },
        { "{\"content\": \"x\", \"encoding\": 64}", "encoding" },
        { "{\"content\": \"x\", \"title\": \"a\\u0000b\"}", "title" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        post_expect_error(cases[i].body, 400, cases[i].field);
}

Test(api, invalid_values_are_400_naming_the_field)
{
    post_expect_error("{\"content\": \"x\", \"expire\": \"3y\"}", 400, "expire");
    post_expect_error("{\"content\": \"x\", \"lang\": \"<script>\"}", 400, "lang");
    post_expect_error("{\"content\": \"x\", \"title\": \"two\\nlines\"}", 400, "title");
    post_expect_error("{\"content\": \"x\", \"encoding\": \"rot13\"}", 400, "encoding");
    const char bad[] = "{\"content\": \"x\", \"expire\": \"3y\"}";
    http_resp *r = api_post(bad, sizeof bad - 1);
    cr_assert(strstr(r->body, "never"), "the allowed values are named: %s", r->body);
    http_free(r);
}

Test(api, bad_base64_is_400)
{
    /* ("abc" would be fine: unpadded, its unused bits zero) */
    const char *contents[] = { "abd", "a", "!!!!", "QQ=a", "QR==", "Q===", "QUJD=", "QUI=QUI=", "QUJD\\u00e9" };
    for (size_t i = 0; i < sizeof contents / sizeof contents[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"content\": \"%s\", \"encoding\": \"base64\"}", contents[i]);
        post_expect_error(body, 400, "content");
    }
    /* decodes to nothing: empty */
    post_expect_error("{\"content\": \"\", \"encoding\": \"base64\"}", 400, "content");
}

Test(api, oversize_is_413)
{
    size_t big = (1u << 20) + 1; /* max_paste_size 1M in tests/pasted-test.conf */
    char *body = malloc(big + 64);
    size_t n = (size_t)sprintf(body, "{\"content\": \"");
    memset(body + n, 'a', big);
    n += big;
    n += (size_t)sprintf(body + n, "\"}");
    http_resp *r = api_post(body, n);
    expect_error(r, 413, "content", "1 MiB + 1");
    http_free(r);
    /* base64 of more than 1 MiB: refused (by the body limit, before decoding) */
    size_t chars = ((1u << 20) + 3) / 3 * 4;
    char *b64 = malloc(chars + 64);
    n = (size_t)sprintf(b64, "{\"encoding\": \"base64\", \"content\": \"");
    memset(b64 + n, 'A', chars);
    n += chars;
    n += (size_t)sprintf(b64 + n, "\"}");
    r = api_post(b64, n);
    cr_assert_eq(r->status, 413, "status %d", r->status);
    http_free(r);
    /* far beyond any limit: refused before the body is read */
    size_t huge = 8u << 20;
    char *more = malloc(huge);
    memset(more, ' ', huge);
    r = api_post(more, huge);
    cr_assert_eq(r->status, 413, "status %d", r->status);
    http_free(r);
    free(more);
    free(b64);
    free(body);
}

Test(api, other_media_types_are_415)
{
    const char body[] = "{\"content\": \"x\"}";
    const char *types[] = { "text/plain", "application/x-www-form-urlencoded", "application/jsonp",
                            "multipart/form-data; boundary=x" };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        http_resp *r = http_post("/api/pastes", types[i], body, sizeof body - 1);
        expect_error(r, 415, "Content-Type", types[i]);
        http_free(r);
    }
    /* parameters and case do not matter */
    http_resp *r = http_post("/api/pastes", "Application/JSON; charset=utf-8", body, sizeof body - 1);
    cr_assert_eq(r->status, 201);
    http_free(r);
}

Test(api, other_methods_on_the_collection_are_405)
{
    char *url = pasted_url("/api/pastes");
    http_resp *r = http_curl(url, NULL);
    cr_assert_eq(r->status, 405);
    cr_assert_str_eq(http_header(r, "Allow"), "POST");
    cr_assert_str_eq(http_header(r, "Content-Type"), "application/json");
    http_free(r);
    free(url);
}

/* --- read and delete ---------------------------------------------------------------- */

Test(api, metadata_has_expires_burn_and_unlisted)
{
    const char body[] = "{\"content\": \"meta\", \"expire\": \"10m\"}";
    json_t *o = create_json(body, sizeof body - 1);
    json_t *m = metadata(str_of(o, "id"));
    const char *keys[] = { "id", "url", "raw_url", "title", "lang", "size", "created", "views",
                           "expires", "burn", "unlisted" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert_not_null(json_object_get(m, keys[i]), "metadata lacks %s", keys[i]);
    time_t created = parse_rfc3339(str_of(m, "created"));
    time_t expires = parse_rfc3339(str_of(m, "expires"));
    cr_assert(expires - created >= 599 && expires - created <= 601, "10m: %s .. %s",
              str_of(m, "created"), str_of(m, "expires"));
    cr_assert(json_is_false(json_object_get(m, "burn")));
    cr_assert(json_is_false(json_object_get(m, "unlisted")));
    json_decref(m);
    json_decref(o);
    /* an unknown id: JSON 404 */
    http_resp *r = http_get("/api/pastes/ZZZZZZZ");
    expect_error(r, 404, NULL, "unknown id");
    http_free(r);
}

Test(api, delete_with_the_token)
{
    const char body[] = "{\"content\": \"delete me\"}";
    json_t *o = create_json(body, sizeof body - 1);
    char path[64], header[96];
    snprintf(path, sizeof path, "/api/pastes/%s", str_of(o, "id"));
    char *url = pasted_url(path);
    http_resp *r = http_curl("-X", "DELETE", "-H", "X-Delete-Token: not-the-token", url, NULL);
    expect_error(r, 403, "X-Delete-Token", "wrong token");
    http_free(r);
    r = http_curl("-X", "DELETE", url, NULL);
    expect_error(r, 403, "X-Delete-Token", "no token");
    http_free(r);
    r = http_get(path);
    cr_assert_eq(r->status, 200, "a refused delete deleted");
    http_free(r);
    snprintf(header, sizeof header, "X-Delete-Token: %s", str_of(o, "delete_token"));
    r = http_curl("-X", "DELETE", "-H", header, url, NULL);
    cr_assert_eq(r->status, 204);
    http_free(r);
    r = http_get(path);
    expect_error(r, 404, NULL, "after delete");
    http_free(r);
    http_resp *raw = get_path("/raw/", str_of(o, "id"));
    cr_assert_eq(raw->status, 404);
    http_free(raw);
    free(url);
    json_decref(o);
}

/* --- the OpenAPI document ----------------------------------------------------------- */

Test(api, openapi_document_is_served)
{
    http_resp *r = http_get("/api/openapi.json");
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(http_header(r, "Content-Type"), "application/json");
    json_t *doc = json_of(r);
    cr_assert(strncmp(str_of(doc, "openapi"), "3.", 2) == 0);
    json_t *paths = json_object_get(doc, "paths");
    cr_assert_not_null(json_object_get(json_object_get(paths, "/api/pastes"), "post"));
    json_t *one = json_object_get(paths, "/api/pastes/{id}");
    cr_assert_not_null(json_object_get(one, "get"));
    cr_assert_not_null(json_object_get(one, "delete"));
    json_decref(doc);
    /* revalidation */
    char inm[96];
    snprintf(inm, sizeof inm, "If-None-Match: %s", http_header(r, "ETag"));
    char *url = pasted_url("/api/openapi.json");
    http_resp *again = http_curl("-H", inm, url, NULL);
    cr_assert_eq(again->status, 304);
    http_free(again);
    free(url);
    http_free(r);
}
