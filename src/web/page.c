/* page.c - a paste as a page (GET /<id>), as API metadata
 * (GET /api/pastes/<id>), and as a pre-filled form (GET /?from=<id>).
 *
 * The application reads the paste (app/read.c: the caches, the store,
 * expiry, burn-after-reading, the view count); this file turns the answer
 * into a reply. A page GET counts a view and shows the new total; HEAD and
 * the API show the total without counting. A burn-after-reading paste's
 * creator, sent here with ?created=1 after the form, gets the link, not
 * the text (showing it would burn it). /<id>.<ext>, and sprunge's
 * /<id>?<lang> (a query that is one bare word), pass that language to the
 * page when the paste has none.
 * A short link (app/create.c) answers its page GET with 302 to its target,
 * counted as a click (a view); /<id>+ is its preview, where the target is
 * shown and not followed, nothing counted and a one-shot link not used up.
 * A hot paste's page is rendered once and kept with the paste (the
 * "expires in" text may lag by PAGE_MAX_AGE_MS); each view adds only its
 * count between the two parts, also when it is sent gzipped (pagezip.c:
 * the parts are compressed once). It carries a weak ETag, so a revisit is
 * a 304 (page_etag says why weak). */
#include "web.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/read.h"
#include "core/clock.h"
#include "core/format.h"
#include "core/link.h"
#include "html.h"
#include "assets.h"
#include "http/headers.h"
#include "pagezip.h"
#include "paste_ref.h"

#define PAGE_MAX_AGE_MS 10000

typedef struct page_req {
    request *r;
    char     lang_hint[PASTE_LANG_MAX + 1]; /* from /<id>.<ext>; "" for none */
    int      creator;                       /* ?created=1 */
    int      preview;                       /* /<id>+ */
} page_req;

typedef struct page_cache {
    char base[300];
    char hint[PASTE_LANG_MAX + 1];
    int64_t made_ms;
    html_parts parts;
    char etag[64];          /* "<paste's tag>-<page's>": sent weak (W/) */
    pagezip zip;            /* the parts gzipped, made at the first client that asks */
    int zipped;
} page_cache;

static void page_cache_free(void *arg)
{
    page_cache *c = arg;
    free(c->parts.data);
    pagezip_free(&c->zip);
    free(c);
}

/* The page's validator: the paste's tag and what else shapes the page
 * (host, language hint, this build's assets). Weak: pages that differ only
 * in the view count, or an "expires in" that moved on, are the same page,
 * so a revisit gets 304 (the visit is still counted). */
static void page_etag(page_cache *c, const paste *p)
{
    uint64_t h = 1469598103934665603ULL;      /* FNV-1a */
    const char *parts[] = { c->base, "|", c->hint, "|", asset_url("app.js"), "|", asset_url("style.css") };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *s = parts[i]; s && *s; s++)
            h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    snprintf(c->etag, sizeof c->etag, "\"%.32s-%016llx\"", p->etag, (unsigned long long)h);
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
    page_etag(c, p);
    if (p->derived_free)
        p->derived_free(p->derived);
    p->derived = c;
    p->derived_free = page_cache_free;
    p->derived_bytes = sizeof *c + c->parts.head_len + c->parts.tail_len;
    return c;
}

static void serve_page(page_req *q, paste *p, int64_t views)
{
    request *r = q->r;
    /* the paste may be shared (hot cache): show a copy of its fields */
    paste_is_text(p);
    paste shown = *p;
    if (q->lang_hint[0] && !shown.lang[0])
        shown.lang = q->lang_hint; /* /<id>.<ext>: the extension names the language */
    char base[300];
    base_url(r, base, sizeof base);
    int limited = paste_is_limited(&shown);
    set_header(r, "Cache-Control", limited ? "no-store" : "no-cache");
    page_cache *c = limited || shown.encrypted ? NULL : page_for(p, &shown, base, q->lang_hint);
    if (shown.encrypted) {
        reply_html(r, 200, html_encrypted_page(&shown, views, base));
        return;
    }
    if (!c) {
        reply_html(r, 200, html_paste_page(&shown, views, base));
        return;
    }
    char weak[72];
    snprintf(weak, sizeof weak, "W/%s", c->etag);
    set_header(r, "ETag", weak);
    set_header(r, "Vary", "Accept-Encoding");
    const char *inm = get_header(r, "If-None-Match");
    if (inm && etag_matches(inm, c->etag)) {
        reply(r, 304, NULL, NULL);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        reply_error(r, 503, "out of memory");
        return;
    }
    const char *ae = get_header(r, "Accept-Encoding");
    int gzip = ae && accepts_gzip(ae);
    if (gzip && !c->zipped
        && pagezip_make(c->parts.data, c->parts.head_len, c->parts.data + c->parts.head_len,
                        c->parts.tail_len, &c->zip) == 0) {
        c->zipped = 1;
        p->derived_bytes += c->zip.head_len + c->zip.tail_len;    /* the hot cache counts it */
    }
    if (gzip && c->zipped) {
        html_views_item(b, views);
        struct evbuffer *z = pagezip_join(&c->zip, (const char *)evbuffer_pullup(b, -1), evbuffer_get_length(b));
        evbuffer_free(b);
        if (!z) {
            reply_error(r, 503, "out of memory");
            return;
        }
        set_header(r, "Content-Encoding", "gzip");
        reply_html(r, 200, z);
        return;
    }
    evbuffer_add(b, c->parts.data, c->parts.head_len);
    html_views_item(b, views);
    evbuffer_add(b, c->parts.data + c->parts.head_len, c->parts.tail_len);
    reply_html(r, 200, b);
}

static void serve_creator_landing(request *r, const paste *p)
{
    char base[300];
    base_url(r, base, sizeof base);
    set_header(r, "Cache-Control", "no-store");
    reply_html(r, 200, html_created_burn_page(p, base));
}

/* A link's target (its body) as a C string. */
static void link_target(const paste *p, char out[LINK_MAX + 1])
{
    size_t n = p->size < LINK_MAX ? p->size : LINK_MAX;
    memcpy(out, p->body, n);
    out[n] = '\0';
}

/* A short link followed: 302 to where it leads. */
static void serve_redirect(request *r, const paste *p)
{
    char target[LINK_MAX + 1];
    link_target(p, target);
    set_header(r, "Location", target);
    set_header(r, "Cache-Control", "no-store");     /* every click reaches us, and is counted */
    set_header(r, "Referrer-Policy", "no-referrer");
    reply_text(r, 302, target);
}

static void serve_link_preview(request *r, const paste *p, int64_t views)
{
    char base[300];
    base_url(r, base, sizeof base);
    set_header(r, "Cache-Control", "no-cache");
    if (!wants_html(r) && paste_is_limited(p)) {
        reply_text(r, 200, "a link with limited uses: only a visit that uses one sees where it leads");
        return;
    }
    if (!wants_html(r)) {
        char line[LINK_MAX + 1];
        link_target(p, line);
        reply_text(r, 200, line);
        return;
    }
    reply_html(r, 200, html_link_page(p, views, base));
}

static void on_page_read(void *arg, paste *p, int64_t views, const fault *f)
{
    page_req *q = arg;
    if (!p)
        reply_fault(q->r, f);
    else if (paste_is_limited(p) && q->r->method == M_HEAD)
        reply_burn_unread(q->r);
    else if (p->link)
        q->preview ? serve_link_preview(q->r, p, views) : serve_redirect(q->r, p);
    else if (paste_is_limited(p) && (q->creator || q->preview))
        serve_creator_landing(q->r, p);
    else
        serve_page(q, p, views);
    paste_free(p);
    free(q);
}

/* A usable language hint: lowercased, and valid as a paste's lang. */
static void set_lang_hint(page_req *q, const char *hint)
{
    size_t n = hint ? strlen(hint) : 0;
    if (n == 0 || n > PASTE_LANG_MAX)
        return;
    for (size_t i = 0; i < n; i++)
        q->lang_hint[i] = (char)tolower((unsigned char)hint[i]);
    q->lang_hint[n] = '\0';
    if (paste_check_lang(q->lang_hint, n, NULL) != 0)
        q->lang_hint[0] = '\0';
}

static int query_flag(request *r, const char *name)
{
    char *v = query_param(r, name);
    int yes = v && strcmp(v, "1") == 0;
    free(v);
    return yes;
}

/* sprunge's /<id>?py: a query of one bare word names the language. */
static const char *sprunge_lang(const request *r)
{
    const char *q = r->query;
    if (!q || !q[0] || strlen(q) > PASTE_LANG_MAX || strpbrk(q, "=&"))
        return NULL;
    return q;
}

/* The page of ref (an id, maybe with .ext), as a preview or not, with a
 * language hint from elsewhere (sprunge's ?py) when ref has no .ext. */
static void start_page(request *r, const char *ref, int preview, const char *hint)
{
    char id[IDS_MAX_LEN + 1];
    const char *ext;
    page_req *q = calloc(1, sizeof *q);
    if (!q || paste_ref_parse(ref, id, &ext) != 0) {
        free(q);
        reply_error(r, q ? 404 : 503, q ? "no such paste" : "out of memory");
        return;
    }
    q->r = r;
    q->preview = preview;
    set_lang_hint(q, ext ? ext : hint);
    unsigned how = READ_TOTAL;
    if (r->method == M_GET) {
        q->creator = query_flag(r, "created");
        how |= q->creator || q->preview ? READ_SPARE_BURN : READ_COUNT | READ_CONSUME;
    }
    app_client who;
    client_of(r, &who);
    app_read(loop_of(r)->app, id, how, &who, on_page_read, q);
}

void handle_page(request *r, const char *rest)
{
    char ref[IDS_MAX_LEN + 24];
    size_t n = strlen(rest);
    int preview = n > 1 && n < sizeof ref && rest[n - 1] == '+';
    snprintf(ref, sizeof ref, "%.*s", (int)(preview ? n - 1 : n), rest);
    start_page(r, ref, preview, sprunge_lang(r));
}

void serve_page_of(request *r, const char *id)
{
    start_page(r, id, 0, NULL);
}

/* --- GET /api/pastes/<id> ------------------------------------------------ */

static void on_api_read(void *arg, paste *p, int64_t views, const fault *f)
{
    request *r = arg;
    if (!p) {
        reply_fault(r, f);
        return;
    }
    char base[300], url[340], raw[350], created[32];
    base_url(r, base, sizeof base);
    snprintf(url, sizeof url, "%s/%s", base, p->id);
    snprintf(raw, sizeof raw, "%s/raw/%s", base, p->id);
    format_rfc3339(p->created_ms, created);
    json_t *o = paste_is_limited(p) /* unread: nothing of its content (reply.c, reply_burn_unread) */
        ? json_pack("{s:s, s:s, s:s, s:b}", "id", p->id, "url", url, "raw_url", raw, "burn", p->burn)
        : json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:b, s:b}", "id", p->id,
                    "url", url, "raw_url", raw, "title", p->title, "lang", p->lang,
                    "size", (json_int_t)p->size, "created", created, "views", (json_int_t)views,
                    "burn", p->burn, "unlisted", p->unlisted);
    if (o) {
        char expires[32];
        if (p->expires_ms)
            format_rfc3339(p->expires_ms, expires);
        json_object_set_new(o, "expires", p->expires_ms ? json_string(expires) : json_null());
        json_object_set_new(o, "kind", json_string(p->link ? "link" : "paste"));
        if (p->encrypted)
            json_object_set_new(o, "encrypted", json_true());
        if (p->views_max)
            json_object_set_new(o, "views_max", json_integer(p->views_max));
        if (p->link && !paste_is_limited(p))
            json_object_set_new(o, "target", json_stringn((const char *)p->body, p->size));
    }
    paste_free(p);
    set_header(r, "Cache-Control", "no-cache");
    reply_json(r, 200, o);
}

void handle_api_paste(request *r, const char *rest)
{
    app_client who;
    client_of(r, &who);
    app_read(loop_of(r)->app, rest, READ_TOTAL, &who, on_api_read, r);
}

/* --- GET /?from=<id> --------------------------------------------------- */

/* The form, pre-filled. A burn paste is never copied: that would read it
 * without burning it. */
static void on_copy_read(void *arg, paste *p, int64_t views, const fault *f)
{
    (void)views;
    request *r = arg;
    if (!p) {
        reply_fault(r, f);
        return;
    }
    char base[300];
    home_options o;
    home_form(r, &o, base, sizeof base);
    if (paste_is_text(p)) {
        o.prefill = (const char *)p->body;
        o.prefill_len = p->size;
    }
    o.prefill_title = p->title;
    o.prefill_lang = p->lang;
    /* a public paste becomes the new one's parent (its page links the diff);
     * an unlisted one's secret link must not show on a copy's page */
    if (!ids_is_secret(p->id, strlen(p->id)) && !p->link && !p->encrypted)
        o.parent = p->id;
    set_header(r, "Cache-Control", "no-store");
    reply_html(r, 200, html_home_page(&o));
    paste_free(p);
}

void serve_copy_form(request *r, const char *id)
{
    app_client who;
    client_of(r, &who);
    app_read(loop_of(r)->app, id, READ_NO_BURN, &who, on_copy_read, r);
}
