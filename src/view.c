/* view.c - GET /<id>, /raw/<id>, /api/pastes/<id>: read a paste.
 *
 * Read path, cheapest first:
 *   1. The id's shape and its decoding (ids.c) were checked by routes.c and
 *      here; a malformed id never reaches a store.
 *   2. This worker's hot cache (hotcache.c): served from memory, no I/O.
 *   3. Redis GET pasted:p:<id> (async). A hit is served without MongoDB.
 *      A tombstone ("-") is a cached 404.
 *   4. On a miss, an id whose number is above the highest number handed out
 *      is a 404 decided by Redis alone.
 *   5. Otherwise MongoDB on the pool; the result is cached (or tombstoned).
 * Pastes read from Redis or MongoDB enter the hot cache; they are shared
 * (refcounted) and never modified once read.
 * Each GET of the page or the raw bytes counts one view (views.c); HEAD and
 * API metadata reads do not. Raw bytes are answered by raw.c; /<id>.<ext>
 * passes ext as a language hint for a page whose paste has no lang. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "hotcache.h"
#include "html.h"
#include "log.h"
#include "paste.h"
#include "raw.h"
#include "routes.h"
#include "store_mongo.h"
#include "views.h"

typedef struct view_ctx {
    request  *r;
    worker   *w;        /* kept for background work after the reply */
    view_kind kind;
    char      id[16];
    char      lang_hint[PASTE_LANG_MAX + 1]; /* from /<id>.<ext>; "" for none */
    uint64_t  num;
    paste    *p;
    int       rc;
    char      err[256];
} view_ctx;

static void view_ctx_free(view_ctx *v)
{
    paste_free(v->p);
    free(v);
}

static void not_found(view_ctx *v)
{
    reply_error(v->r, 404, "no such paste");
    view_ctx_free(v);
}

/* Headers and body are raw.c's: ETag, 304, Range, gzip, Cache-Control. */
static void serve_raw(view_ctx *v)
{
    raw_serve(v->r, v->p);
    v->p = NULL;
    view_ctx_free(v);
}

/* A hot paste's page is rendered once and kept with the paste (the
 * "expires in" text may lag by PAGE_MAX_AGE_MS); each view adds only its
 * count between the two parts. */
#define PAGE_MAX_AGE_MS 10000

typedef struct page_cache {
    char base[300];
    char hint[PASTE_LANG_MAX + 1];
    int64_t made_ms;
    html_parts parts;
} page_cache;

static void page_cache_free(void *arg)
{
    page_cache *c = arg;
    free(c->parts.data);
    free(c);
}

static page_cache *page_for(paste *p, const paste *shown, const char *base, const char *hint)
{
    page_cache *c = p->derived;
    int64_t now = now_ms();
    if (c && strcmp(c->base, base) == 0 && strcmp(c->hint, hint) == 0 && now - c->made_ms < PAGE_MAX_AGE_MS)
        return c;
    c = calloc(1, sizeof *c);
    if (!c || html_paste_page_parts(shown, base, &c->parts) != 0) {
        free(c);
        return NULL;
    }
    snprintf(c->base, sizeof c->base, "%s", base);
    snprintf(c->hint, sizeof c->hint, "%s", hint);
    c->made_ms = now;
    if (p->derived_free)
        p->derived_free(p->derived);
    p->derived = c;
    p->derived_free = page_cache_free;
    p->derived_bytes = sizeof *c + c->parts.head_len + c->parts.tail_len;
    return c;
}

static void on_view_counted(view_ctx *v, int64_t views)
{
    request *r = v->r;
    /* the paste may be shared (hot cache): show a copy of its fields */
    paste_is_text(v->p);
    paste shown = *v->p;
    if (v->lang_hint[0] && !shown.lang[0])
        shown.lang = v->lang_hint; /* /<id>.<ext>: the extension names the language */
    char base[300];
    base_url(r, base, sizeof base);
    set_html_security_headers(r);
    set_header(r, "Cache-Control", shown.burn ? "no-store" : "no-cache");
    page_cache *c = shown.burn ? NULL : page_for(v->p, &shown, base, v->lang_hint);
    if (!c) {
        reply(r, 200, "text/html; charset=utf-8", html_paste_page(&shown, views, base));
        view_ctx_free(v);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, c->parts.data, c->parts.head_len);
    html_views_item(b, views);
    evbuffer_add(b, c->parts.data + c->parts.head_len, c->parts.tail_len);
    reply(r, 200, "text/html; charset=utf-8", b);
    view_ctx_free(v);
}

static void serve_api(view_ctx *v, int64_t views)
{
    request *r = v->r;
    const paste *p = v->p;
    char base[300], url[340], raw[350], created[32];
    base_url(r, base, sizeof base);
    snprintf(url, sizeof url, "%s/%s", base, p->id);
    snprintf(raw, sizeof raw, "%s/raw/%s", base, p->id);
    format_rfc3339(p->created_ms, created);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:b, s:b}", "id", p->id,
                          "url", url, "raw_url", raw, "title", p->title, "lang", p->lang,
                          "size", (json_int_t)p->size, "created", created, "views", (json_int_t)views,
                          "burn", p->burn, "unlisted", p->unlisted);
    if (o) {
        char expires[32];
        if (p->expires_ms)
            format_rfc3339(p->expires_ms, expires);
        json_object_set_new(o, "expires", p->expires_ms ? json_string(expires) : json_null());
    }
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) {
        reply_error(r, 500, "cannot encode the answer");
    } else {
        struct evbuffer *b = evbuffer_new();
        evbuffer_add_printf(b, "%s\n", s);
        free(s);
        set_header(r, "Cache-Control", "no-cache");
        reply(r, 200, "application/json", b);
    }
    view_ctx_free(v);
}

static void serve_creator_landing(view_ctx *v)
{
    request *r = v->r;
    char base[300];
    base_url(r, base, sizeof base);
    set_html_security_headers(r);
    set_header(r, "Cache-Control", "no-store");
    reply(r, 200, "text/html; charset=utf-8", html_created_burn_page(v->p, base));
    view_ctx_free(v);
}

/* GET /?from=<id>: the form, pre-filled. A burn paste is never copied: that
 * would read it without burning it. */
static void serve_clone(view_ctx *v)
{
    if (v->p->burn) {
        not_found(v);
        return;
    }
    char base[300];
    base_url(v->r, base, sizeof base);
    home_options o = { 0 };
    o.default_expire = srv.cfg.default_expire;
    o.expire_choices = srv.cfg.expire_choices;
    o.base = base;
    if (paste_is_text(v->p)) {
        o.prefill = (const char *)v->p->body;
        o.prefill_len = v->p->size;
    }
    o.prefill_title = v->p->title;
    o.prefill_lang = v->p->lang;
    set_html_security_headers(v->r);
    set_header(v->r, "Cache-Control", "no-store");
    reply(v->r, 200, "text/html; charset=utf-8", html_home_page(&o));
    view_ctx_free(v);
}

static void on_views_known(void *arg, int64_t views)
{
    view_ctx *v = arg;
    if (views < v->p->views)
        views = v->p->views; /* Redis lost its counters: MongoDB knows better */
    if (v->kind == VIEW_HTML)
        on_view_counted(v, views);
    else
        serve_api(v, views);
}

/* --- expiry and burn-after-reading ------------------------------------- */

static void remove_work(void *arg)
{
    view_ctx *v = arg;
    v->rc = mongo_store_remove(v->id, v->err, sizeof v->err);
}

static void remove_done(void *arg)
{
    view_ctx *v = arg;
    if (v->rc != 0)
        log_warn("removing %s: %s (the sweep will retry)", v->id, v->err);
    view_ctx_free(v);
}

/* Remove the paste from MongoDB in the background; v is consumed. */
static void remove_from_store(view_ctx *v)
{
    paste_cache_forget(v->w, v->id);
    if (pool_submit(srv.mongo, v->w->base, remove_work, remove_done, v) != 0)
        view_ctx_free(v); /* the sweep or the next read will try again */
}

static view_ctx *detach(view_ctx *v)
{
    view_ctx *copy = calloc(1, sizeof *copy);
    if (!copy)
        return NULL;
    *copy = *v;
    copy->p = NULL;
    copy->r = NULL; /* the request is answered and freed; only w and id are used */
    return copy;
}

static void expire_now(view_ctx *v)
{
    view_ctx *bg = detach(v);
    reply_error(v->r, 410, "paste expired");
    if (bg)
        remove_from_store(bg);
    view_ctx_free(v);
}

static void serve_counted(view_ctx *v);

static void on_burn_claim(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    view_ctx *v = priv;
    redisReply *rep = reply_obj;
    if (!rep || rep->type != REDIS_REPLY_STATUS) {
        /* NIL: someone else read it first. No reply: cannot prove we are first. */
        if (!rep)
            reply_error(v->r, 503, "cannot open a burn-after-reading paste while redis is down");
        else
            reply_error(v->r, 404, "no such paste");
        view_ctx_free(v);
        return;
    }
    view_ctx *bg = detach(v);
    if (bg)
        remove_from_store(bg);
    serve_counted(v);
}

/* Only one reader ever wins SET NX, across every worker and instance. */
static void burn_and_serve(view_ctx *v)
{
    if (rconn_command(v->r->w->redis, on_burn_claim, v, "SET pasted:burned:%s 1 NX EX 604800",
                      v->id) != 0) {
        reply_error(v->r, 503, "cannot open a burn-after-reading paste while redis is down");
        view_ctx_free(v);
    }
}

static int is_creator_landing(request *r)
{
    char *created = query_param(r, "created");
    int yes = created && strcmp(created, "1") == 0;
    free(created);
    return yes;
}

static void serve(view_ctx *v)
{
    if (paste_seconds_left(v->p, now_ms()) <= 0) {
        expire_now(v);
        return;
    }
    if (v->kind == VIEW_CLONE) {
        serve_clone(v);
        return;
    }
    int reads_content = v->r->method == M_GET && v->kind != VIEW_API;
    if (v->p->burn && reads_content) {
        if (v->kind == VIEW_HTML && is_creator_landing(v->r)) {
            serve_creator_landing(v);
            return;
        }
        burn_and_serve(v);
        return;
    }
    serve_counted(v);
}

static void serve_counted(view_ctx *v)
{
    int counts = v->r->method == M_GET && v->kind != VIEW_API;
    if (v->kind == VIEW_RAW) {
        if (counts)
            views_count(v->r->w, v->id, NULL, NULL);
        serve_raw(v);
    } else if (counts) {
        views_count(v->r->w, v->id, on_views_known, v);
    } else {
        views_current(v->r->w, v->id, on_views_known, v);
    }
}

/* --- MongoDB fallback --------------------------------------------------- */

static void find_work(void *arg)
{
    view_ctx *v = arg;
    v->rc = mongo_store_find(v->id, &v->p, v->err, sizeof v->err);
}

static void cache_store(view_ctx *v)
{
    paste_cache_put(v->r->w, v->p);
    views_seed(v->r->w, v->id, v->p->views);
}

static void find_done(void *arg)
{
    view_ctx *v = arg;
    if (v->rc < 0) {
        atomic_fetch_add_explicit(&srv.stats.store_errors, 1, memory_order_relaxed);
        log_error("view %s: %s", v->id, v->err);
        reply_error(v->r, 503, "storage unavailable; try again");
        view_ctx_free(v);
        return;
    }
    if (v->rc == 0) {
        /* a short-lived tombstone keeps repeated misses off MongoDB */
        rconn_command(v->r->w->redis, NULL, NULL, "SET %s%s %s EX 60", KEY_PASTE, v->id, TOMBSTONE);
        not_found(v);
        return;
    }
    cache_store(v);
    hotcache_put(v->w->hot, v->p, now_ms());
    serve(v);
}

static void ask_store(view_ctx *v)
{
    if (pool_submit(srv.mongo, v->r->w->base, find_work, find_done, v) != 0) {
        reply_error(v->r, 503, "storage busy; try again");
        view_ctx_free(v);
    }
}

static void on_counter(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    view_ctx *v = priv;
    redisReply *rep = reply_obj;
    if (rep && rep->type == REDIS_REPLY_STRING) {
        unsigned long long n = strtoull(rep->str, NULL, 10);
        unsigned long long seen = atomic_load(&srv.highest_num);
        while (n > seen && !atomic_compare_exchange_weak(&srv.highest_num, &seen, n))
            ;
        if (v->num > n) {
            not_found(v);
            return;
        }
    } else if (rep && rep->type == REDIS_REPLY_NIL) {
        not_found(v); /* no paste was ever made */
        return;
    }
    ask_store(v);
}

static void on_miss(view_ctx *v)
{
    atomic_fetch_add_explicit(&srv.stats.cache_misses, 1, memory_order_relaxed);
    if (v->num <= atomic_load(&srv.highest_num)
        || rconn_command(v->r->w->redis, on_counter, v, "GET %s", KEY_COUNTER) != 0)
        ask_store(v);
}

static void on_cached(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    view_ctx *v = priv;
    redisReply *rep = reply_obj;
    if (!rep || rep->type != REDIS_REPLY_STRING) {
        on_miss(v); /* NIL, or Redis went away: MongoDB still answers */
        return;
    }
    if (rep->len == 1 && rep->str[0] == TOMBSTONE[0]) {
        not_found(v);
        return;
    }
    v->p = paste_decode((const uint8_t *)rep->str, rep->len);
    if (!v->p || strcmp(v->p->id, v->id) != 0) {
        paste_free(v->p);
        v->p = NULL;
        log_warn("view %s: undecodable cache entry, reading the store", v->id);
        on_miss(v);
        return;
    }
    atomic_fetch_add_explicit(&srv.stats.cache_hits, 1, memory_order_relaxed);
    hotcache_put(v->w->hot, v->p, now_ms());
    serve(v);
}

void handle_view(request *r, const char *id, view_kind kind)
{
    handle_view_hint(r, id, kind, NULL);
}

/* A usable language hint: lowercased, and valid as a paste's lang. */
static void set_lang_hint(view_ctx *v, const char *hint)
{
    size_t n = hint ? strlen(hint) : 0;
    if (n == 0 || n > PASTE_LANG_MAX)
        return;
    for (size_t i = 0; i < n; i++)
        v->lang_hint[i] = (char)tolower((unsigned char)hint[i]);
    v->lang_hint[n] = '\0';
    if (paste_check_lang(v->lang_hint, n) != NULL)
        v->lang_hint[0] = '\0';
}

void handle_view_hint(request *r, const char *id, view_kind kind, const char *lang_hint)
{
    uint64_t num;
    if (ids_decode(&srv.ids, id, strlen(id), &num) != 0) {
        reply_error(r, 404, "no such paste");
        return;
    }
    view_ctx *v = calloc(1, sizeof *v);
    if (!v) {
        reply_error(r, 503, "out of memory");
        return;
    }
    v->r = r;
    v->w = r->w;
    v->kind = kind;
    v->num = num;
    snprintf(v->id, sizeof v->id, "%s", id);
    set_lang_hint(v, lang_hint);
    v->p = hotcache_get(r->w->hot, id, now_ms());
    if (v->p) {
        atomic_fetch_add_explicit(&srv.stats.cache_hits, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&srv.stats.hot_hits, 1, memory_order_relaxed);
        serve(v);
        return;
    }
    if (rconn_command(r->w->redis, on_cached, v, "GET %s%s", KEY_PASTE, id) != 0)
        on_miss(v);
}
