/* create.c - make a paste: validate it, then number, store and announce it.
 *
 * 1. create_build: content and options (title, lang, expire, burn,
 *    unlisted), from whatever way the paste came in (a form, a query
 *    string, the JSON API: the web layer hands a lookup function), are all
 *    validated before anything is written: empty -> invalid, too big ->
 *    too large, a bad title, lang, expiry or flag -> invalid, naming the
 *    field. Expiries are the operator's choices (core/options.c), or any
 *    length up to max_expire when another client's habit gave one (the
 *    hints: rustypaste's expire header, 0x0's expires). A short link is a
 *    paste whose body is its target URL, normalised (core/link.c): it is
 *    numbered, stored, cached, counted, expired and deleted like any paste,
 *    and like an unlisted one never listed nor announced.
 * 2. app_create: a delete token is drawn (only its hash is kept); the store
 *    numbers the paste with Redis INCR (the public id is the keyed
 *    permutation of the number, except for a paste its link alone
 *    protects, unlisted or burn: that one gets a secret id, 22 random
 *    characters, core/ids.h), inserts it into MongoDB and only then
 *    answers, so an acknowledged paste is never lost; it caches and lists
 *    the paste (store/pastes.c). A public paste is announced on the live
 *    feed of every instance. Before any of that the client pays for it:
 *    one create, its bytes and its bytes of today's quota (budget.c), or a
 *    429; content the operator blocked is refused (451, moderation.c) in
 *    the same Redis round trip that numbers the paste. */
#include "create.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "moderation.h"
#include "core/clock.h"
#include "core/format.h"
#include "core/link.h"
#include "store/store.h"

typedef struct create_job {
    app_loop *l;
    paste    *p;
    char      token[33];  /* the delete token: given once, stored only as a hash */
    char      block_key[SHA256_HEX + 1];  /* the content's name on the blocklist */
    char      base[300];
    create_cb cb;
    void     *arg;
} create_job;

/* lookup() a value, "" when absent; NULL only when out of memory */
static char *get_option(option_lookup lookup, void *ctx, const char *name)
{
    char *v = lookup ? lookup(ctx, name) : NULL;
    return v ? v : strdup("");
}

/* A lifetime given as a length (a hint) rather than a choice: any length
 * up to max_expire. 0 ok, -1 with f set. */
static int expire_within_max(const app *a, int64_t in_ms, paste *p, fault *f)
{
    if (a->lim.max_expire_s && in_ms > a->lim.max_expire_s * 1000)
        return fault_set(f, FAULT_INVALID, "expire", "expire: longer than the longest allowed here (%s)",
                         a->cfg->max_expire);
    p->expires_ms = now_ms() + in_ms;
    return 0;
}

/* views_left=N: readable N times (1 to PASTE_VIEWS_MAX). 0 ok, -1 with f set. */
static int views_limit(option_lookup lookup, void *ctx, paste *p, fault *f)
{
    char *v = get_option(lookup, ctx, "views_left");
    if (!v)
        return fault_no_memory(f);
    int n = 0;
    size_t i = 0;
    for (; v[i] >= '0' && v[i] <= '9' && n <= PASTE_VIEWS_MAX; i++)
        n = n * 10 + (v[i] - '0');
    int bad = v[0] && (v[i] || n < 1 || n > PASTE_VIEWS_MAX);
    free(v);
    if (bad)
        return fault_set(f, FAULT_INVALID, "views_left", "views_left: a number of reads from 1 to %d",
                         PASTE_VIEWS_MAX);
    p->views_max = p->burn ? 0 : n;     /* burn after reading is one read already */
    return 0;
}

/* parent=<id>: made from that paste ("New paste from this"), shown on this
 * one's page with a link to the diff. Only a public paste can be one: a
 * secret id would show on the new paste's page. 0 ok, -1 with f set. */
static int parent_of(option_lookup lookup, void *ctx, paste *p, fault *f)
{
    char *v = get_option(lookup, ctx, "parent");
    if (!v)
        return fault_no_memory(f);
    size_t n = strlen(v);
    int rc = 0;
    if (n && !ids_is_wellformed(v, n))
        rc = fault_set(f, FAULT_INVALID, "parent", "parent: the id of the paste this one was made from");
    else if (n && ids_is_secret(v, n))
        rc = fault_set(f, FAULT_INVALID, "parent", "parent: only a public paste can be a parent (its link would show here)");
    else
        snprintf(p->parent, sizeof p->parent, "%s", v);
    free(v);
    return rc;
}

/* expire, burn, unlisted, views_left; 0 ok, -1 with f set. */
static int apply_flags(const app *a, option_lookup lookup, void *ctx, const create_hints *h, paste *p,
                       fault *f)
{
    char *expire = get_option(lookup, ctx, "expire"), *burn = get_option(lookup, ctx, "burn");
    char *unlisted = get_option(lookup, ctx, "unlisted");
    int rc = -1;
    int64_t secs = 0;
    if (!expire || !burn || !unlisted) {
        fault_no_memory(f);
        goto done;
    }
    const char *ex = expire[0] ? expire : a->cfg->default_expire;
    if ((expire[0] || h->expire_in_ms <= 0) && options_parse_expire(&a->expiry, ex, strlen(ex), &secs, f) != 0)
        goto done;
    if (options_parse_bool("burn", burn, strlen(burn), &p->burn, f) != 0
        || options_parse_bool("unlisted", unlisted, strlen(unlisted), &p->unlisted, f) != 0)
        goto done;
    p->expires_ms = secs ? now_ms() + secs * 1000 : 0;
    if (!expire[0] && h->expire_in_ms > 0 && expire_within_max(a, h->expire_in_ms, p, f) != 0)
        goto done;
    p->burn |= h->burn;
    p->unlisted |= h->secret;
    rc = views_limit(lookup, ctx, p, f) == 0 && parent_of(lookup, ctx, p, f) == 0 ? 0 : -1;
done:
    free(expire);
    free(burn);
    free(unlisted);
    return rc;
}

/* The body of a link: its target, normalised; 0 ok, -1 with f set. */
static int link_body(const create_hints *h, const char *content, size_t len, paste *p, fault *f)
{
    char target[LINK_MAX + 1];
    if (link_normalise(content, len, target, f) != 0)
        return -1;
    if (h->self_base && link_is_to(target, h->self_base))
        return fault_set(f, FAULT_INVALID, "url", "url: a link to this pastebin itself is refused");
    p->size = strlen(target);
    p->body = (uint8_t *)strdup(target);
    p->link = 1;
    return p->body ? 0 : fault_no_memory(f);
}

/* The content as the paste's body, checked for size; 0 ok, -1 with f set.
 * An encrypted paste's document is base64 and JSON around the ciphertext:
 * it may be a third larger (and a little more) than the paste inside. */
static int paste_body(const app *a, const create_hints *h, const char *content, size_t len, paste *p, fault *f)
{
    size_t max = a->cfg->max_paste_size;
    if (h->encrypted)
        max = max / 3 * 4 + 4096;
    if (len == 0)
        return fault_set(f, FAULT_INVALID, "content", "empty paste");
    if (len > max) {
        char limit[32];
        format_size(a->cfg->max_paste_size, limit);
        return fault_set(f, FAULT_TOO_LARGE, "content", "paste is larger than the %s limit", limit);
    }
    p->body = malloc(len);
    if (!p->body)
        return fault_no_memory(f);
    memcpy(p->body, content, len);
    p->size = len;
    return 0;
}

paste *create_build(const app *a, const char *content, size_t content_len, option_lookup lookup,
                    void *ctx, const create_hints *hints, fault *f)
{
    static const create_hints none;
    const create_hints *h = hints ? hints : &none;
    paste *p = paste_new();
    if (!p) {
        fault_no_memory(f);
        return NULL;
    }
    if ((h->link ? link_body(h, content, content_len, p, f) : paste_body(a, h, content, content_len, p, f)) != 0) {
        paste_free(p);
        return NULL;
    }
    p->encrypted = h->encrypted;
    p->title = get_option(lookup, ctx, "title");
    p->lang = get_option(lookup, ctx, "lang");
    if (p->title && !p->title[0] && h->default_title) {
        free(p->title);
        p->title = strdup(h->default_title);
    }
    if (!p->title || !p->lang) {
        paste_free(p);
        fault_no_memory(f);
        return NULL;
    }
    for (char *c = p->lang; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (paste_check_title(p->title, strlen(p->title), f) != 0
        || paste_check_lang(p->lang, strlen(p->lang), f) != 0
        || apply_flags(a, lookup, ctx, h, p, f) != 0) {
        paste_free(p);
        return NULL;
    }
    paste_hash_body(p);
    return p;
}

/* The live feed's summary of a new public paste, on every instance. */
static void announce(create_job *c)
{
    const paste *p = c->p;
    char url[340];
    snprintf(url, sizeof url, "%s/%s", c->base, p->id);
    char created[32];
    format_rfc3339(p->created_ms, created);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:b}", "id", p->id, "url", url,
                          "title", p->title, "lang", p->lang, "size", (json_int_t)p->size,
                          "created", created, "unlisted", p->unlisted);
    char *msg = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (msg)
        store_announce(c->l->store, msg);
    free(msg);
}

static void on_stored(void *arg, const fault *f)
{
    create_job *c = arg;
    if (!f) {
        if (!c->p->unlisted && !paste_is_limited(c->p) && !c->p->link && !c->p->encrypted)
            announce(c);
        atomic_fetch_add_explicit(&c->l->app->stats.created, 1, memory_order_relaxed);
    } else if (f->kind == FAULT_UNAVAILABLE) {
        atomic_fetch_add_explicit(&c->l->app->stats.store_errors, 1, memory_order_relaxed);
    }
    c->cb(c->arg, f ? NULL : c->p, f ? NULL : c->token, f);
    paste_free(c->p);
    free(c);
}

/* The client's budgets allow it (budget.c): number and store it. */
static void on_charged(void *arg, int allowed, limit_kind refused, int64_t wait_ms)
{
    create_job *c = arg;
    if (allowed) {
        store_paste_add(c->l->store, c->p, c->block_key, on_stored, c);
        return;
    }
    fault f;
    app_refusal(c->l->app, refused, wait_ms, &f);
    c->cb(c->arg, NULL, NULL, &f);
    paste_free(c->p);
    free(c);
}

void app_create(app_loop *l, paste *p, const char *base, const app_client *who, create_cb cb, void *arg)
{
    create_job *c = calloc(1, sizeof *c);
    fault f;
    if (!c) {
        paste_free(p);
        fault_no_memory(&f);
        cb(arg, NULL, NULL, &f);
        return;
    }
    c->l = l;
    c->p = p;
    c->cb = cb;
    c->arg = arg;
    snprintf(c->base, sizeof c->base, "%s", base);
    p->id[0] = '\0';
    if (paste_new_token(c->token, p->token_hash) != 0
        || ((p->unlisted || paste_is_limited(p) || p->encrypted) && ids_secret(p->id) != 0)) {
        fault_set(&f, FAULT_UNAVAILABLE, NULL, "no randomness available");
        cb(arg, NULL, NULL, &f);
        paste_free(p);
        free(c);
        return;
    }
    if (store_disk_low(l->app->store, NULL)) {
        fault_set(&f, FAULT_NO_SPACE, NULL, "the store is nearly full: no new pastes for now (reads still work)");
        cb(arg, NULL, NULL, &f);
        paste_free(p);
        free(c);
        return;
    }
    app_block_key(l->app, p, c->block_key);
    static const limit_kind kinds[] = { LIMIT_CREATES, LIMIT_CREATE_BYTES, LIMIT_QUOTA };
    const uint64_t costs[] = { 1, p->size, p->size };
    app_charge(l, who, kinds, costs, 3, on_charged, c);
}
