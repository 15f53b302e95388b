/* api.c - the JSON API's create endpoint and its OpenAPI document.
 *
 * POST /api/pastes, Content-Type: application/json (else 415), body:
 *   {"content": str (required), "title": str, "lang": str, "expire": str,
 *    "burn": bool, "unlisted": bool, "views_left": int, "encoding": "utf-8" | "base64"}
 * or, for a short link, {"url": str, ...} in place of content (and
 * encoding). Any field but content and url may be null (= absent);
 * unknown fields are refused.
 *
 * Flow: jansson parses the body (duplicate keys refused, "\u0000" allowed in
 * content only) -> every field is type-checked here -> base64 content is
 * decoded (core/text.c) -> create_build() (app/create.c) validates content
 * and options exactly as for curl and the web form, reading the options
 * from the JSON object through json_option() (booleans become "1"/"0") ->
 * web_create() (post.c) numbers, stores, caches and announces the paste,
 * and the answer is 201 with JSON {id, url, raw_url, delete_token, expires,
 * burn, unlisted} (and for a link kind "link" and its normalised target).
 * Every error is JSON {"error", "field"} (render_error under /api/): 400
 * bad JSON, type or value; 413 too large; 415 not JSON.
 *
 * GET /api/openapi.json serves assets/openapi.json from the binary. Reading
 * and deleting pastes through the API are page.c and remove.c. */
#include <ctype.h>
#include <event2/buffer.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/create.h"
#include "assets.h"
#include "core/format.h"
#include "core/text.h"
#include "web.h"

typedef enum field_kind { F_CONTENT, F_TEXT, F_BOOL, F_INT } field_kind;

static const struct {
    const char *name;
    field_kind  kind;
} api_fields[] = {
    { "content", F_CONTENT }, { "url", F_CONTENT }, { "title", F_TEXT }, { "lang", F_TEXT }, { "expire", F_TEXT },
    { "burn", F_BOOL },       { "unlisted", F_BOOL }, { "encoding", F_TEXT }, { "views_left", F_INT },
    { "parent", F_TEXT },
};
#define N_FIELDS (sizeof api_fields / sizeof api_fields[0])

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
    if (json_is_integer(v)) {
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)json_integer_value(v));
        return strdup(n);
    }
    return NULL;
}

/* The field named in a fault must outlive the JSON it came from. */
typedef struct api_fault {
    fault f;
    char  field[72];
} api_fault;

static int fail(api_fault *e, fault_kind kind, const char *field, const char *fmt, const char *arg)
{
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    return fault_set(&e->f, kind, field ? e->field : NULL, fmt, arg);
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
static int check_fields(json_t *o, api_fault *e)
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
            return fail(e, FAULT_INVALID, shown, "%s: use content (or url), title, lang, expire, burn, "
                        "unlisted, views_left, parent, encoding", what);
        }
        switch (api_fields[i].kind) {
        case F_CONTENT:
            if (!json_is_string(v))
                return fail(e, FAULT_INVALID, key, "%s must be a string", key);
            break;
        case F_TEXT:
            if (json_is_null(v))
                break;
            if (!json_is_string(v))
                return fail(e, FAULT_INVALID, key, "%s must be a string or null", key);
            if (strlen(json_string_value(v)) != json_string_length(v))
                return fail(e, FAULT_INVALID, key, "%s must not contain NUL characters", key);
            break;
        case F_BOOL:
            if (!json_is_boolean(v) && !json_is_null(v))
                return fail(e, FAULT_INVALID, key, "%s must be true or false", key);
            break;
        case F_INT:
            if (!json_is_integer(v) && !json_is_null(v))
                return fail(e, FAULT_INVALID, key, "%s must be a whole number", key);
            break;
        }
    }
    int content = json_object_get(o, "content") != NULL, url = json_object_get(o, "url") != NULL;
    if (content == url)
        return fail(e, FAULT_INVALID, "content", "%s", content ? "send content or url, not both"
                                                              : "content (or url, for a short link) is required");
    if (url && json_object_get(o, "encoding"))
        return fail(e, FAULT_INVALID, "encoding", "%s", "a url has no encoding");
    return 0;
}

/* The paste's bytes, as sent or decoded from base64. 0 ok (*owned: free it). */
static int content_bytes(json_t *o, const char **data, size_t *len, uint8_t **owned, api_fault *e)
{
    json_t *c = json_object_get(o, "content");
    if (!c)
        c = json_object_get(o, "url");
    json_t *enc = json_object_get(o, "encoding");
    const char *how = json_is_string(enc) ? json_string_value(enc) : "utf-8";
    *owned = NULL;
    if (strcasecmp(how, "utf-8") == 0 || strcasecmp(how, "utf8") == 0) {
        *data = json_string_value(c);
        *len = json_string_length(c);
        return 0;
    }
    if (strcasecmp(how, "base64") != 0)
        return fail(e, FAULT_INVALID, "encoding", "invalid encoding: use %s", "utf-8 or base64");
    size_t n = 0;
    int rc = base64_decode(json_string_value(c), json_string_length(c), owned, &n);
    if (rc == -2)
        return fail(e, FAULT_NO_MEMORY, NULL, "%s", "out of memory");
    if (rc != 0)
        return fail(e, FAULT_INVALID, "content", "%s", "content is not valid base64 (RFC 4648, standard alphabet)");
    *data = (const char *)*owned;
    *len = n;
    return 0;
}

/* jansson's message, reduced to printable ASCII (it may quote the input). */
static void parse_error(api_fault *e, const json_error_t *je, size_t body_len)
{
    char text[96];
    size_t n = 0;
    for (const char *s = je->text; *s && n < sizeof text - 1; s++)
        text[n++] = (*s >= 0x20 && *s <= 0x7e) ? *s : '?';
    text[n] = '\0';
    if (body_len == 0)
        fault_set(&e->f, FAULT_INVALID, NULL, "empty body: send a JSON object with a content field");
    else
        fault_set(&e->f, FAULT_INVALID, NULL, "malformed JSON at line %d, column %d: %s",
                  je->line, je->column, text);
}

/* web_create's answer: the create headers are set, a fault answered. */
static void answer_created(request *r, const paste *p, const char *url, const char *token, void *arg)
{
    (void)arg;
    char base[300], raw[350], expires[32] = "";
    base_url(r, base, sizeof base);
    snprintf(raw, sizeof raw, "%s/raw/%s", base, p->id);
    if (p->expires_ms)
        format_rfc3339(p->expires_ms, expires);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "id", p->id, "url", url,
                          "raw_url", raw, "delete_token", token, "burn", p->burn,
                          "unlisted", p->unlisted);
    if (o)
        json_object_set_new(o, "expires", expires[0] ? json_string(expires) : json_null());
    if (o && p->link) {
        json_object_set_new(o, "kind", json_string("link"));
        json_object_set_new(o, "target", json_stringn((const char *)p->body, p->size));
    }
    set_header(r, "Location", url);
    reply_json(r, 201, o);
}

void handle_api_create(request *r, const char *rest)
{
    (void)rest;
    if (!is_json_type(get_header(r, "Content-Type"))) {
        reply_error_field(r, 415, "send a JSON object with Content-Type: application/json",
                          "Content-Type");
        return;
    }
    struct evbuffer *in = r->body;
    size_t len = evbuffer_get_length(in);
    const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
    api_fault e = { .f = { .kind = FAULT_INVALID } };
    json_error_t je;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    paste *p = NULL;
    uint8_t *decoded = NULL;
    if (!o) {
        parse_error(&e, &je, len);
    } else if (!json_is_object(o)) {
        fail(&e, FAULT_INVALID, NULL, "%s", "the body must be a JSON object");
    } else if (check_fields(o, &e) == 0) {
        const char *data = NULL;
        size_t n = 0;
        if (content_bytes(o, &data, &n, &decoded, &e) == 0) {
            char self[300];
            base_url(r, self, sizeof self);
            create_hints h = { .link = json_object_get(o, "url") != NULL, .self_base = self };
            p = create_build(app_of(r), data, n, json_option, o, &h, &e.f);
            if (!p && e.f.field) {   /* the field name lives in the JSON: keep a copy */
                snprintf(e.field, sizeof e.field, "%s", e.f.field);
                e.f.field = e.field;
            }
        }
    }
    free(decoded);
    json_decref(o);
    if (!p) {
        reply_fault(r, &e.f);
        return;
    }
    web_create(r, p, answer_created, NULL);
}

/* --- GET /api/openapi.json ---------------------------------------------- */

void handle_openapi(request *r, const char *rest)
{
    (void)rest;
    const char *etag = NULL;
    const asset *a = asset_find("openapi.json", &etag);
    if (!a) {
        reply_error(r, 404, "this build has no API document");
        return;
    }
    set_header(r, "Access-Control-Allow-Origin", "*");
    /* unversioned URL: caches revalidate (cheap, by ETag) */
    reply_asset(r, a, etag, "no-cache", "application/json");
}
