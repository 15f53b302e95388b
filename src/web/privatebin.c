/* privatebin.c - PrivateBin's JSON API, so its clients (pbincli, the
 * PrivateBin page's own script) work against pasted, and pasted's page can
 * encrypt in the browser the same way.
 *
 * PrivateBin speaks on "/" and tells its requests apart by the header
 * X-Requested-With: JSONHttpRequest (privatebin_request), so the form and
 * curl keep "/" as they had it:
 *   GET  /?jsonld=paste         the format version (pbincli asks first): 2
 *   POST / {"v":2,"adata":[...],"ct":"...","meta":{"expire":"1week"}}
 *        -> {"status":0,"id","url":"/?<id>","deletetoken"}
 *   POST / {"pasteid","deletetoken"}           -> {"status":0,"id","url"}
 *   GET  /?<id> or /?pasteid=<id>              -> the document, with meta
 * Errors are {"status":1,"message"} with the fault's own HTTP status.
 *
 * The server cannot read such a paste and does not try: it checks the
 * document's shape (version 2, AES-GCM parameters of sane sizes, base64
 * ciphertext) and keeps it, as compact JSON {"v","adata","ct"}, as the
 * paste's opaque body (paste.encrypted). The text, the key (in the link,
 * after #) and the password never reach it. adata says what the server
 * must know: burn after reading (adata[3]); meta.expire the lifetime, in
 * PrivateBin's names (5min ... 1year, never: any length up to max_expire,
 * as other clients' lengths are) or pasted's choices; and, from pasted's
 * own page, views_left. An
 * encrypted paste always gets a secret id and is never listed, announced,
 * highlighted or compressed; its raw bytes are the document. Discussions
 * (adata[2]) are accepted and not offered: pasted has no comments. */
#include "web.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/create.h"
#include "app/delete.h"
#include "app/read.h"
#include "core/clock.h"
#include "core/text.h"

#define GONE_MESSAGE "Paste does not exist, has expired or has been deleted."

int privatebin_request(request *r)
{
    const char *x = get_header(r, "X-Requested-With");
    return x && strcmp(x, "JSONHttpRequest") == 0;
}

static void reply_status(request *r, int status, const char *message)
{
    reply_json(r, status, json_pack("{s:i, s:s}", "status", 1, "message", message));
}

static void reply_pb_fault(request *r, const fault *f)
{
    reply_status(r, fault_status(f), f->kind == FAULT_NOT_FOUND || f->kind == FAULT_GONE ? GONE_MESSAGE
                                                                                          : f->message);
}

/* --- the document ---------------------------------------------------------- */

static int is_base64_of(json_t *v, size_t min, size_t max)
{
    uint8_t *bytes = NULL;
    size_t n = 0;
    int ok = json_is_string(v) && json_string_length(v) > 0
             && base64_decode(json_string_value(v), json_string_length(v), &bytes, &n) == 0
             && n >= min && n <= max;
    free(bytes);
    return ok;
}

static int is_int_in(json_t *v, json_int_t lo, json_int_t hi)
{
    return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

static int is_one_of(json_t *v, const char *const *names)
{
    for (; json_is_string(v) && *names; names++)
        if (strcmp(json_string_value(v), *names) == 0)
            return 1;
    return 0;
}

/* adata: [[iv, salt, iterations, key bits, tag bits, "aes", "gcm", compression],
 *         formatter, open discussion, burn after reading]. 0 ok, -1 with f set. */
static int check_adata(json_t *adata, fault *f)
{
    static const char *const aes[] = { "aes", NULL }, *const gcm[] = { "gcm", NULL };
    static const char *const compression[] = { "zlib", "none", NULL };
    static const char *const formatters[] = { "plaintext", "syntaxhighlighting", "markdown", NULL };
    json_t *c = json_array_get(adata, 0);
    if (!json_is_array(adata) || json_array_size(adata) != 4 || !json_is_array(c) || json_array_size(c) != 8)
        return fault_set(f, FAULT_INVALID, "adata", "adata: [[cipher parameters], formatter, discussion, burn]");
    if (!is_base64_of(json_array_get(c, 0), 12, 32) || !is_base64_of(json_array_get(c, 1), 8, 64)
        || !is_int_in(json_array_get(c, 2), 1, 10000000) || !is_int_in(json_array_get(c, 3), 128, 256)
        || !is_int_in(json_array_get(c, 4), 32, 128) || !is_one_of(json_array_get(c, 5), aes)
        || !is_one_of(json_array_get(c, 6), gcm) || !is_one_of(json_array_get(c, 7), compression))
        return fault_set(f, FAULT_INVALID, "adata",
                         "adata: cipher parameters: [iv, salt, iterations, key bits, tag bits, \"aes\", \"gcm\", \"zlib\"|\"none\"]");
    if (!is_one_of(json_array_get(adata, 1), formatters) || !is_int_in(json_array_get(adata, 2), 0, 1)
        || !is_int_in(json_array_get(adata, 3), 0, 1))
        return fault_set(f, FAULT_INVALID, "adata", "adata: formatter, discussion (0 or 1), burn (0 or 1)");
    return 0;
}

/* PrivateBin's lifetimes, as lengths (pasted's own choices go as they are) */
static const struct { const char *name; int64_t secs; } lifetimes[] = {
    { "5min", 300 }, { "10min", 600 }, { "1hour", 3600 }, { "1day", 86400 },
    { "1week", 604800 }, { "1month", 2592000 }, { "1year", 31536000 },
};

typedef struct pb_create {
    json_t *doc;        /* the request */
    char    expire[16]; /* a choice of pasted's ("never", "1d"), or "" */
} pb_create;

/* pasted's options: expire (when a choice of pasted's), views_left (an
 * addition of pasted's page: PrivateBin's own clients never send it) */
static char *pb_option(void *ctx, const char *name)
{
    pb_create *c = ctx;
    if (strcmp(name, "expire") == 0)
        return c->expire[0] ? strdup(c->expire) : NULL;
    json_t *v = strcmp(name, "views_left") == 0 ? json_object_get(c->doc, "views_left") : NULL;
    if (json_is_integer(v)) {
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)json_integer_value(v));
        return strdup(n);
    }
    return v && !json_is_null(v) ? strdup("not a number") : NULL;
}

/* meta.expire -> the hints or the expire option. 0 ok, -1 with f set. */
static int read_expire(pb_create *c, create_hints *h, fault *f)
{
    json_t *e = json_object_get(json_object_get(c->doc, "meta"), "expire");
    if (!e)
        return 0;
    if (!json_is_string(e) || json_string_length(e) >= sizeof c->expire)
        return fault_set(f, FAULT_INVALID, "expire", "meta.expire: 5min, 10min, 1hour, 1day, 1week, 1month, 1year or never");
    for (size_t i = 0; i < sizeof lifetimes / sizeof lifetimes[0]; i++)
        if (strcmp(json_string_value(e), lifetimes[i].name) == 0) {
            h->expire_in_ms = lifetimes[i].secs * 1000;
            return 0;
        }
    snprintf(c->expire, sizeof c->expire, "%s", json_string_value(e));    /* "never", or pasted's */
    return 0;
}

static void answer_created(request *r, const paste *p, const char *url, const char *token, void *arg)
{
    (void)url;
    (void)arg;
    char link[IDS_MAX_LEN + 4];
    snprintf(link, sizeof link, "/?%s", p->id);
    reply_json(r, 200, json_pack("{s:i, s:s, s:s, s:s}", "status", 0, "id", p->id, "url", link,
                                 "deletetoken", token));
}

static void create(request *r, json_t *doc)
{
    pb_create c = { .doc = doc };
    create_hints h = { .encrypted = 1, .secret = 1 };
    fault f;
    json_t *adata = json_object_get(doc, "adata"), *ct = json_object_get(doc, "ct");
    if (!is_int_in(json_object_get(doc, "v"), 2, 2)) {
        reply_status(r, 400, "v: only version 2 of PrivateBin's format is taken");
        return;
    }
    if (check_adata(adata, &f) != 0 || read_expire(&c, &h, &f) != 0) {
        reply_pb_fault(r, &f);
        return;
    }
    if (!is_base64_of(ct, 1, SIZE_MAX)) {
        reply_status(r, 400, "ct: the ciphertext, in base64");
        return;
    }
    h.burn = json_integer_value(json_array_get(adata, 3)) == 1;
    json_t *kept = json_pack("{s:i, s:O, s:O}", "v", 2, "adata", adata, "ct", ct);
    char *body = kept ? json_dumps(kept, JSON_COMPACT) : NULL;
    json_decref(kept);
    if (!body) {
        reply_status(r, 503, "out of memory");
        return;
    }
    paste *p = create_build(app_of(r), body, strlen(body), pb_option, &c, &h, &f);
    free(body);
    if (!p) {
        reply_pb_fault(r, &f);
        return;
    }
    web_create(r, p, answer_created, NULL);
}

/* --- delete ---------------------------------------------------------------- */

typedef struct pb_delete {
    request *r;
    char     id[IDS_MAX_LEN + 1];
} pb_delete;

static void on_deleted(void *arg, const fault *f)
{
    pb_delete *d = arg;
    char link[IDS_MAX_LEN + 4];
    snprintf(link, sizeof link, "/?%s", d->id);
    if (f)
        reply_pb_fault(d->r, f);
    else
        reply_json(d->r, 200, json_pack("{s:i, s:s, s:s}", "status", 0, "id", d->id, "url", link));
    free(d);
}

static void delete(request *r, json_t *doc)
{
    json_t *id = json_object_get(doc, "pasteid"), *token = json_object_get(doc, "deletetoken");
    if (!json_is_string(id) || !ids_is_wellformed(json_string_value(id), json_string_length(id))) {
        reply_status(r, 404, GONE_MESSAGE);
        return;
    }
    if (!json_is_string(token)) {
        reply_status(r, 403, "deletetoken: the token given when the paste was made");
        return;
    }
    pb_delete *d = calloc(1, sizeof *d);
    if (!d) {
        reply_status(r, 503, "out of memory");
        return;
    }
    d->r = r;
    snprintf(d->id, sizeof d->id, "%s", json_string_value(id));
    app_client who;
    client_of(r, &who);
    app_delete(loop_of(r)->app, d->id, json_string_value(token), &who, on_deleted, d);
}

void privatebin_post(request *r)
{
    size_t len = evbuffer_get_length(r->body);
    const char *data = len ? (const char *)evbuffer_pullup(r->body, -1) : "";
    json_error_t je;
    json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(doc))
        reply_status(r, 400, "send a JSON object: a paste ({\"v\":2,\"adata\",\"ct\",\"meta\"}) or {\"pasteid\",\"deletetoken\"}");
    else if (json_object_get(doc, "pasteid"))
        delete(r, doc);
    else
        create(r, doc);
    json_decref(doc);
}

/* --- read ------------------------------------------------------------------ */

static void on_read(void *arg, paste *p, int64_t views, const fault *f)
{
    (void)views;
    request *r = arg;
    if (!p) {
        reply_pb_fault(r, f);
        return;
    }
    json_t *doc = p->encrypted ? json_loadb((const char *)p->body, p->size, 0, NULL) : NULL;
    if (!json_is_object(doc)) {
        json_decref(doc);
        char message[96];
        snprintf(message, sizeof message, "not an encrypted paste: read it at /raw/%s", p->id);
        paste_free(p);
        reply_status(r, 404, message);
        return;
    }
    char link[IDS_MAX_LEN + 4];
    snprintf(link, sizeof link, "/?%s", p->id);
    json_t *meta = json_pack("{s:I}", "created", (json_int_t)(p->created_ms / 1000));
    int64_t left = paste_seconds_left(p, now_ms());
    if (meta && left != INT64_MAX)
        json_object_set_new(meta, "time_to_live", json_integer(left > 0 ? left : 0));
    json_t *o = json_pack("{s:i, s:s, s:s, s:O, s:O, s:O, s:o, s:[], s:i, s:i, s:s}", "status", 0,
                          "id", p->id, "url", link, "v", json_object_get(doc, "v"),
                          "adata", json_object_get(doc, "adata"), "ct", json_object_get(doc, "ct"),
                          "meta", meta, "comments", "comment_count", 0, "comment_offset", 0,
                          "@context", "?jsonld=paste");
    json_decref(doc);
    paste_free(p);
    set_header(r, "Cache-Control", "no-store");
    reply_json(r, 200, o);
}

/* The id of GET /?<id> or /?pasteid=<id>, copied into id; 0, or -1. */
static int query_id(request *r, char id[IDS_MAX_LEN + 1])
{
    char *v = query_param(r, "pasteid");
    const char *s = v ? v : r->query;
    int ok = s && ids_is_wellformed(s, strlen(s));
    if (ok)
        snprintf(id, IDS_MAX_LEN + 1, "%s", s);
    free(v);
    return ok ? 0 : -1;
}

/* First a look that uses nothing up: only an encrypted paste is read for
 * real (counted, and a limited one's read claimed); a HEAD never is. */
static void on_probe(void *arg, paste *p, int64_t views, const fault *f)
{
    request *r = arg;
    if (!p || !p->encrypted || r->method == M_HEAD) {
        if (p && p->encrypted && paste_is_limited(p)) {
            paste_free(p);
            reply_burn_unread(r);
            return;
        }
        on_read(arg, p, views, f);
        return;
    }
    char id[IDS_MAX_LEN + 1];
    snprintf(id, sizeof id, "%s", p->id);
    paste_free(p);
    app_client who;
    client_of(r, &who);
    app_read(loop_of(r)->app, id, READ_COUNT | READ_CONSUME, &who, on_read, r);
}

void privatebin_get(request *r)
{
    char *jsonld = query_param(r, "jsonld");
    if (jsonld) {
        free(jsonld);
        reply_json(r, 200, json_pack("{s:{s:s, s:{s:s, s:s, s:i}}}", "@context", "so", "https://schema.org/",
                                     "v", "@id", "so:version", "@type", "so:Integer", "@value", 2));
        return;
    }
    char id[IDS_MAX_LEN + 1];
    if (query_id(r, id) != 0) {
        reply_status(r, 404, GONE_MESSAGE);
        return;
    }
    app_client who;
    client_of(r, &who);
    app_read(loop_of(r)->app, id, READ_SPARE_BURN, &who, on_probe, r);
}
