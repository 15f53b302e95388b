/* api.c - the JSON API's create endpoint and its OpenAPI document.
 *
 * POST /api/pastes, Content-Type: application/json (else 415), body:
 *   {"content": str (required), "title": str, "lang": str, "expire": str,
 *    "burn": bool, "unlisted": bool, "encoding": "utf-8" | "base64"}
 * Any field but content may be null (= absent); unknown fields are refused.
 *
 * Flow: jansson parses the body (duplicate keys refused, "\u0000" allowed in
 * content only) -> every field is type-checked here -> base64 content is
 * decoded -> create_build() validates content and options exactly as for
 * curl and the web form, reading the options from the JSON object through
 * json_option() (booleans become "1"/"0") -> create_submit() numbers,
 * stores, caches and announces the paste and answers 201 with JSON
 * {id, url, raw_url, delete_token, expires, burn, unlisted} (ANSWER_JSON).
 * Every error is JSON {"error", "field"} (reply_error_field under /api/):
 * 400 bad JSON, type or value; 413 too large; 415 not JSON.
 *
 * GET /api/openapi.json serves assets/openapi.json from the binary. Reading
 * and deleting pastes through the API are view.c and delete.c. */
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets.h"
#include "create.h"
#include "routes.h"

typedef enum field_kind { F_CONTENT, F_TEXT, F_BOOL } field_kind;

static const struct {
    const char *name;
    field_kind  kind;
} api_fields[] = {
    { "content", F_CONTENT }, { "title", F_TEXT }, { "lang", F_TEXT }, { "expire", F_TEXT },
    { "burn", F_BOOL },       { "unlisted", F_BOOL }, { "encoding", F_TEXT },
};
#define N_FIELDS (sizeof api_fields / sizeof api_fields[0])

/* --- base64 ------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict base64 (RFC 4648, standard alphabet): ASCII whitespace anywhere is
 * skipped (base64(1) wraps its lines), '=' padding is optional but only at
 * the end and only as much as fits, and unused trailing bits must be zero.
 * 0 ok with *out malloc'd (free it); -1 not base64; -2 out of memory. */
static int base64_decode(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
    uint8_t *buf = malloc(len / 4 * 3 + 3);
    if (!buf)
        return -2;
    size_t n = 0, chars = 0, pad = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad)
            goto bad;
        acc = acc << 6 | (uint32_t)v;
        if (++chars % 4 == 0) {
            buf[n++] = (uint8_t)(acc >> 16);
            buf[n++] = (uint8_t)(acc >> 8);
            buf[n++] = (uint8_t)acc;
            acc = 0;
        }
    }
    size_t rem = chars % 4;
    if (rem == 1 || (pad && pad != 4 - rem) || (rem == 0 && pad))
        goto bad;
    if (rem == 2) {
        if (acc & 0xf)
            goto bad;
        buf[n++] = (uint8_t)(acc >> 4);
    } else if (rem == 3) {
        if (acc & 0x3)
            goto bad;
        buf[n++] = (uint8_t)(acc >> 10);
        buf[n++] = (uint8_t)(acc >> 2);
    }
    *out = buf;
    *outlen = n;
    return 0;
bad:
    free(buf);
    return -1;
}

/* --- the request body ----------------------------------------------------- */

static int is_json_type(const char *ct)
{
    if (!ct)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

/* An option from the JSON object: strings as they are, booleans as "1"/"0",
 * null or absent as NULL. Types were checked by check_fields(). */
static char *json_option(void *ctx, const char *name)
{
    json_t *v = json_object_get(ctx, name);
    if (json_is_true(v))
        return strdup("1");
    if (json_is_false(v))
        return strdup("0");
    if (json_is_string(v))
        return strdup(json_string_value(v));
    return NULL;
}

typedef struct api_error {
    int  status;
    char message[320];
    char field[72];     /* "" for none */
} api_error;

static int fail(api_error *e, int status, const char *field, const char *fmt, const char *arg)
{
    e->status = status;
    snprintf(e->message, sizeof e->message, fmt, arg);
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    return -1;
}

/* A field name fit to echo back: short printable ASCII, else NULL. */
static const char *echoable(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x20 || name[i] > 0x7e)
            return NULL;
    return name;
}

/* Every field known and of the right type; 0 ok, -1 with e filled. */
static int check_fields(json_t *o, api_error *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        size_t i = 0;
        while (i < N_FIELDS && strcmp(api_fields[i].name, key) != 0)
            i++;
        if (i == N_FIELDS) {
            const char *shown = echoable(key);
            char what[80] = "unknown field";
            if (shown)
                snprintf(what, sizeof what, "unknown field %s", shown);
            return fail(e, 400, shown, "%s: use content, title, lang, expire, burn, unlisted, "
                        "encoding", what);
        }
        switch (api_fields[i].kind) {
        case F_CONTENT:
            if (!json_is_string(v))
                return fail(e, 400, key, "%s must be a string", key);
            break;
        case F_TEXT:
            if (json_is_null(v))
                break;
            if (!json_is_string(v))
                return fail(e, 400, key, "%s must be a string or null", key);
            if (strlen(json_string_value(v)) != json_string_length(v))
                return fail(e, 400, key, "%s must not contain NUL characters", key);
            break;
        case F_BOOL:
            if (!json_is_boolean(v) && !json_is_null(v))
                return fail(e, 400, key, "%s must be true or false", key);
            break;
        }
    }
    if (!json_object_get(o, "content"))
        return fail(e, 400, "content", "%s is required", "content");
    return 0;
}

/* The paste's bytes, as sent or decoded from base64. 0 ok (*owned: free it). */
static int content_bytes(json_t *o, const char **data, size_t *len, uint8_t **owned, api_error *e)
{
    json_t *c = json_object_get(o, "content");
    json_t *enc = json_object_get(o, "encoding");
    const char *how = json_is_string(enc) ? json_string_value(enc) : "utf-8";
    *owned = NULL;
    if (strcasecmp(how, "utf-8") == 0 || strcasecmp(how, "utf8") == 0) {
        *data = json_string_value(c);
        *len = json_string_length(c);
        return 0;
    }
    if (strcasecmp(how, "base64") != 0)
        return fail(e, 400, "encoding", "invalid encoding: use %s", "utf-8 or base64");
    size_t n = 0;
    int rc = base64_decode(json_string_value(c), json_string_length(c), owned, &n);
    if (rc == -2)
        return fail(e, 503, NULL, "%s", "out of memory");
    if (rc != 0)
        return fail(e, 400, "content", "%s", "content is not valid base64 (RFC 4648, standard alphabet)");
    *data = (const char *)*owned;
    *len = n;
    return 0;
}

/* jansson's message, reduced to printable ASCII (it may quote the input). */
static void parse_error(api_error *e, const json_error_t *je, size_t body_len)
{
    char text[96];
    size_t n = 0;
    for (const char *s = je->text; *s && n < sizeof text - 1; s++)
        text[n++] = (*s >= 0x20 && *s <= 0x7e) ? *s : '?';
    text[n] = '\0';
    e->status = 400;
    e->field[0] = '\0';
    if (body_len == 0)
        snprintf(e->message, sizeof e->message, "empty body: send a JSON object with a content field");
    else
        snprintf(e->message, sizeof e->message, "malformed JSON at line %d, column %d: %s",
                 je->line, je->column, text);
}

void handle_api_create(request *r)
{
    if (!is_json_type(get_header(r, "Content-Type"))) {
        reply_error_field(r, 415, "send a JSON object with Content-Type: application/json",
                          "Content-Type");
        return;
    }
    struct evbuffer *in = r->body;
    size_t len = evbuffer_get_length(in);
    const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
    api_error e = { 400, "", "" };
    json_error_t je;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    paste *p = NULL;
    uint8_t *decoded = NULL;
    if (!o) {
        parse_error(&e, &je, len);
    } else if (!json_is_object(o)) {
        fail(&e, 400, NULL, "%s", "the body must be a JSON object");
    } else if (check_fields(o, &e) == 0) {
        const char *data;
        size_t n;
        if (content_bytes(o, &data, &n, &decoded, &e) == 0) {
            option_error oe = { NULL, NULL };
            p = create_build(r, data, n, json_option, o, &oe, &e.status);
            if (!p)
                fail(&e, e.status, oe.field, "%s", oe.message ? oe.message : "invalid paste");
        }
    }
    free(decoded);
    json_decref(o);
    if (!p) {
        reply_error_field(r, e.status, e.message, e.field[0] ? e.field : NULL);
        return;
    }
    create_submit(r, p, ANSWER_JSON);
}

/* --- GET /api/openapi.json ---------------------------------------------- */

void handle_openapi(request *r)
{
    const char *etag = NULL;
    const asset *a = asset_find("openapi.json", &etag);
    if (!a) {
        reply_error(r, 404, "this build has no API document");
        return;
    }
    set_header(r, "ETag", etag);
    /* unversioned URL: caches revalidate (cheap, by ETag) */
    set_header(r, "Cache-Control", "no-cache");
    set_header(r, "Access-Control-Allow-Origin", "*");
    const char *inm = get_header(r, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        reply(r, 304, NULL, NULL);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_reference(b, a->data, a->size, NULL, NULL);
    reply(r, 200, "application/json", b);
}
