/* create.c - POST / and PUT /: make a paste.
 *
 * 1. Take the paste out of the body (the rule, also in the README):
 *    multipart/form-data -> field "content", else a part named "file", else
 *    the one field that is not an option; x-www-form-urlencoded -> a form only
 *    when it parses cleanly and has a "content" field; anything else, and a
 *    urlencoded body that is not such a form, is the raw paste, whole.
 *    Options (title, lang) come from form fields or the query string.
 * 2. Validate everything before anything is written: empty -> 400, too big
 *    -> 413, bad title/lang -> 400.
 * 3. INCR the Redis counter (async) for the paste's number; ids.c makes the
 *    public id from it.
 * 4. Insert into MongoDB on the pool. Only after the store acknowledges is
 *    the user answered, so an acknowledged paste is never lost.
 * 5. Then, without waiting: cache it in Redis, list it in the expiry index
 *    (expiry.c) and PUBLISH it on pasted:new.
 * 6. Answer 303 to a browser form post, else 201 + Location + "URL\n". */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "counter.h"
#include "create.h"
#include "expiry.h"
#include "forms.h"
#include "html.h"
#include "log.h"
#include "options.h"
#include "paste.h"
#include "recent.h"
#include "cache.h"
#include "routes.h"
#include "store_mongo.h"

typedef struct create_ctx {
    request *r;
    paste   *p;
    char     token[33];  /* the delete token: given once, stored only as a hash */
    create_answer how;
    int      rc;
    char     err[256];
} create_ctx;

typedef struct body_parts {
    request *r;
    const char *content; size_t content_len;
    const form *fields;  /* the form the options come from, or NULL */
    int is_form;
} body_parts;

static const char *const option_fields[] = { "title", "lang", "expire", "burn", "unlisted", NULL };

static int is_option_field(const form_field *f)
{
    for (int i = 0; option_fields[i]; i++)
        if (f->name_len == strlen(option_fields[i]) && memcmp(f->name, option_fields[i], f->name_len) == 0)
            return 1;
    return 0;
}

/* The single non-option field of a form (sprunge's "-F 'sprunge=<-'"), or NULL. */
static const form_field *only_content_field(const form *f)
{
    const form_field *found = NULL;
    for (size_t i = 0; i < f->count; i++) {
        if (is_option_field(&f->fields[i]))
            continue;
        if (found)
            return NULL;
        found = &f->fields[i];
    }
    return found;
}


static int starts_with_ci(const char *s, const char *prefix)
{
    return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* 0 ok; -1 with *why set. */
static int split_body(const char *ctype, const char *data, size_t len, form *f, body_parts *b,
                      const char **why)
{
    memset(b, 0, sizeof *b);
    if (starts_with_ci(ctype, "multipart/form-data")) {
        if (form_parse_multipart(ctype, data, len, f) != 0) {
            *why = "malformed multipart/form-data body";
            return -1;
        }
        const form_field *c = form_get(f, "content");
        if (!c)
            c = form_get(f, "file");
        if (!c)
            c = only_content_field(f);
        if (!c) {
            *why = "no paste in the form: send the text in field 'content' or a file in field 'file'";
            return -1;
        }
        b->content = c->value;
        b->content_len = c->value_len;
        b->is_form = 1;
        b->fields = f;
        return 0;
    }
    if (starts_with_ci(ctype, "application/x-www-form-urlencoded")
        && form_parse_urlencoded(data, len, f) == 0) {
        const form_field *c = form_get(f, "content");
        if (c) {
            b->content = c->value;
            b->content_len = c->value_len;
            b->is_form = 1;
            b->fields = f;
            return 0;
        }
    }
    /* Raw paste, whole: curl --data-binary, -T, or any other type. */
    b->content = data;
    b->content_len = len;
    return 0;
}

/* An option from the form, else from the query string, as a C string
 * ("" when absent). Form values may hold NUL bytes: those are cut here and
 * then fail validation only if the rest is invalid. */
static char *form_or_query_option(void *ctx, const char *name)
{
    const body_parts *b = ctx;
    request *r = b->r;
    const form_field *f = b->fields ? form_get(b->fields, name) : NULL;
    if (f) {
        char *s = malloc(f->value_len + 1);
        if (s) {
            memcpy(s, f->value, f->value_len);
            s[f->value_len] = '\0';
        }
        return s;
    }
    return query_param(r, name);
}

/* lookup() a value, "" when absent; NULL only when out of memory */
static char *get_option(option_lookup lookup, void *ctx, const char *name)
{
    char *v = lookup(ctx, name);
    return v ? v : strdup("");
}

/* expire, burn, unlisted; 0 ok, -1 with e set. */
static int apply_flags(option_lookup lookup, void *ctx, paste *p, option_error *e)
{
    char *expire = get_option(lookup, ctx, "expire"), *burn = get_option(lookup, ctx, "burn");
    char *unlisted = get_option(lookup, ctx, "unlisted");
    int rc = -1;
    int64_t secs = 0;
    e->message = "out of memory";
    if (!expire || !burn || !unlisted)
        goto done;
    const char *ex = expire[0] ? expire : srv.cfg.default_expire;
    if (options_parse_expire(ex, strlen(ex), &secs) != 0) {
        static _Thread_local char msg[256];
        snprintf(msg, sizeof msg, "invalid expire: use one of %s", options_expire_list());
        e->message = msg;
        e->field = "expire";
        goto done;
    }
    if (options_parse_bool(burn, strlen(burn), &p->burn) != 0) {
        e->message = "invalid burn: use 1 or 0";
        e->field = "burn";
        goto done;
    }
    if (options_parse_bool(unlisted, strlen(unlisted), &p->unlisted) != 0) {
        e->message = "invalid unlisted: use 1 or 0";
        e->field = "unlisted";
        goto done;
    }
    p->expires_ms = secs ? now_ms() + secs * 1000 : 0;
    rc = 0;
done:
    free(expire);
    free(burn);
    free(unlisted);
    return rc;
}

paste *create_build(request *r, const char *content, size_t content_len, option_lookup lookup,
                    void *ctx, option_error *e, int *status)
{
    *status = 400;
    e->field = NULL;
    if (content_len == 0) {
        e->message = "empty paste";
        e->field = "content";
        return NULL;
    }
    if (content_len > srv.cfg.max_paste_size) {
        static _Thread_local char msg[96];
        char limit[32];
        format_size(srv.cfg.max_paste_size, limit);
        snprintf(msg, sizeof msg, "paste is larger than the %s limit", limit);
        *status = 413;
        e->message = msg;
        e->field = "content";
        return NULL;
    }
    paste *p = paste_new();
    if (!p) {
        *status = 503;
        e->message = "out of memory";
        return NULL;
    }
    p->title = get_option(lookup, ctx, "title");
    p->lang = get_option(lookup, ctx, "lang");
    p->body = malloc(content_len ? content_len : 1);
    if (!p->title || !p->lang || !p->body) {
        paste_free(p);
        *status = 503;
        e->message = "out of memory";
        return NULL;
    }
    if (!p->title[0] && r->method == M_PUT && strcmp(r->path, "/") != 0) {
        /* PUT /name.txt (curl -T): the file's name is the title */
        free(p->title);
        p->title = strdup(r->path + 1);
    }
    for (char *c = p->lang; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (p->title && (e->message = paste_check_title(p->title, strlen(p->title))) != NULL)
        e->field = "title";
    else if ((e->message = paste_check_lang(p->lang, strlen(p->lang))) != NULL)
        e->field = "lang";
    if (!p->title || e->message || apply_flags(lookup, ctx, p, e) != 0) {
        if (!p->title)
            e->message = "out of memory";
        paste_free(p);
        return NULL;
    }
    memcpy(p->body, content, content_len);
    p->size = content_len;
    paste_hash_body(p);
    return p;
}

static void create_ctx_free(create_ctx *c)
{
    paste_free(c->p);
    free(c);
}

static void publish_new(create_ctx *c, const char *url)
{
    const paste *p = c->p;
    char created[32];
    format_rfc3339(p->created_ms, created);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:b}", "id", p->id, "url", url,
                          "title", p->title, "lang", p->lang, "size", (json_int_t)p->size,
                          "created", created, "unlisted", p->unlisted);
    char *msg = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (msg)
        rconn_command(c->r->w->redis, NULL, NULL, "PUBLISH %s %s", CHANNEL_NEW, msg);
    free(msg);
}

static void cache_new(create_ctx *c)
{
    paste_cache_put(c->r->w, c->p);
}

static void answer_json(create_ctx *c, const char *url)
{
    char base[300], raw[350], expires[32] = "";
    base_url(c->r, base, sizeof base);
    snprintf(raw, sizeof raw, "%s/raw/%s", base, c->p->id);
    if (c->p->expires_ms)
        format_rfc3339(c->p->expires_ms, expires);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "id", c->p->id, "url", url,
                          "raw_url", raw, "delete_token", c->token, "burn", c->p->burn,
                          "unlisted", c->p->unlisted);
    json_object_set_new(o, "expires", expires[0] ? json_string(expires) : json_null());
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "%s\n", s ? s : "{}");
    free(s);
    set_header(c->r, "Location", url);
    reply(c->r, 201, "application/json", b);
}

static void answer_created(create_ctx *c)
{
    request *r = c->r;
    char base[300], url[340];
    base_url(r, base, sizeof base);
    snprintf(url, sizeof url, "%s/%s", base, c->p->id);
    cache_new(c);
    expiry_track(r->w, c->p->id, c->p->expires_ms);
    recent_add(r->w, c->p);
    if (!c->p->unlisted && !c->p->burn)
        publish_new(c, url);
    atomic_fetch_add_explicit(&srv.stats.created, 1, memory_order_relaxed);
    set_header(r, "X-Delete-Token", c->token);
    if (c->how == ANSWER_JSON) {
        answer_json(c, url);
        return;
    }
    if (c->how == ANSWER_REDIRECT) {
        /* a burn paste's creator must not burn it by following the redirect */
        char path[48];
        snprintf(path, sizeof path, "/%s%s", c->p->id, c->p->burn ? "?created=1" : "");
        set_header(r, "Location", path);
        reply_text(r, 303, url);
        return;
    }
    set_header(r, "Location", url);
    char *verbose = query_param(r, "verbose");
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "%s\n", url);
    if (verbose && strcmp(verbose, "1") == 0)
        evbuffer_add_printf(b, "delete: curl -X DELETE -H 'X-Delete-Token: %s' %s\n", c->token, url);
    free(verbose);
    reply(r, 201, "text/plain; charset=utf-8", b);
}

static void insert_work(void *arg)
{
    create_ctx *c = arg;
    for (int attempt = 0; attempt < 3; attempt++) {
        c->rc = mongo_store_insert(c->p, c->err, sizeof c->err);
        if (c->rc != -2)
            return;
        /* the number is taken: Redis lost its counter. Move it past the
         * store's highest number and take the next one. */
        log_warn("create: number %llu is taken; resynchronising the counter",
                 (unsigned long long)c->p->num);
        if (counter_resync(&c->p->num, c->err, sizeof c->err) != 0)
            break;
        ids_encode(&srv.ids, c->p->num, c->p->id);
    }
    c->rc = -1;
}

static void insert_done(void *arg)
{
    create_ctx *c = arg;
    if (c->rc != 0) {
        atomic_fetch_add_explicit(&srv.stats.store_errors, 1, memory_order_relaxed);
        log_error("create %s: %s", c->p->id, c->err);
        reply_error(c->r, 503, "storage unavailable, paste not saved; try again");
    } else {
        answer_created(c);
    }
    create_ctx_free(c);
}

static void on_number(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    create_ctx *c = priv;
    redisReply *rep = reply_obj;
    if (!rep || rep->type != REDIS_REPLY_INTEGER || rep->integer < 1) {
        log_error("create: INCR %s failed: %s", KEY_COUNTER,
                  rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "no reply");
        reply_error(c->r, 503, "cannot number the paste: redis unavailable; try again");
        create_ctx_free(c);
        return;
    }
    c->p->num = (uint64_t)rep->integer;
    ids_encode(&srv.ids, c->p->num, c->p->id);
    c->p->created_ms = now_ms();
    /* remember the high-water mark: lookups above it are 404 without a store */
    unsigned long long seen = atomic_load(&srv.highest_num);
    while (c->p->num > seen && !atomic_compare_exchange_weak(&srv.highest_num, &seen, c->p->num))
        ;
    if (pool_submit(srv.mongo, c->r->w->base, insert_work, insert_done, c) != 0) {
        reply_error(c->r, 503, "storage busy, paste not saved; try again");
        create_ctx_free(c);
    }
}

void create_submit(request *r, paste *p, create_answer how)
{
    create_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        paste_free(p);
        reply_error(r, 503, "out of memory");
        return;
    }
    c->r = r;
    c->p = p;
    c->how = how;
    if (paste_new_token(c->token, p->token_hash) != 0) {
        reply_error(r, 503, "no randomness available");
        create_ctx_free(c);
        return;
    }
    if (rconn_command(r->w->redis, on_number, c, "INCR %s", KEY_COUNTER) != 0) {
        reply_error(r, 503, "cannot number the paste: redis unavailable; try again");
        create_ctx_free(c);
    }
}

void handle_create(request *r)
{
    struct evbuffer *in = r->body;
    size_t len = evbuffer_get_length(in);
    const char *data = len ? (const char *)evbuffer_pullup(in, -1) : "";
    const char *ctype = get_header(r, "Content-Type");
    form f = { 0 };
    body_parts b;
    option_error e = { NULL, NULL };
    int status = 400;
    paste *p = NULL;
    if (split_body(ctype, data, len, &f, &b, &e.message) == 0) {
        b.r = r;
        p = create_build(r, b.content, b.content_len, form_or_query_option, &b, &e, &status);
    }
    form_free(&f);
    if (!p) {
        reply_error_field(r, status, e.message, e.field);
        return;
    }
    create_submit(r, p, b.is_form && wants_html(r) ? ANSWER_REDIRECT : ANSWER_TEXT);
}
