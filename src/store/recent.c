/* recent.c - recent public pastes.
 *
 * Redis holds the list: a sorted set pasted:recent (member = id, score =
 * creation ms), trimmed to the newest RECENT_KEEP, and one small JSON
 * summary per paste in pasted:rm:<id>, whose Redis TTL is the paste's own
 * expiry (capped at 30 days). So an expired or deleted paste drops out by
 * itself: a listed id without a summary is skipped. Reading is two pipelined
 * round trips (ZREVRANGE, then MGET of the summaries), no MongoDB. Unlisted
 * and burn-after-reading pastes are never added. */
#include "state.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

#define RECENT_KEEP     500
#define META_MAX_TTL    (30 * 86400)

void recent_add(store_loop *sl, const paste *p)
{
    if (p->unlisted || paste_is_limited(p) || p->link || p->encrypted)
        return;
    int64_t ttl = paste_seconds_left(p, now_ms());
    if (ttl > META_MAX_TTL)
        ttl = META_MAX_TTL;
    if (ttl <= 0)
        return;
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "id", p->id, "title", p->title,
                          "lang", p->lang, "size", (json_int_t)p->size,
                          "created", (json_int_t)p->created_ms, "expires", (json_int_t)p->expires_ms);
    char *meta = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!meta)
        return;
    rconn_command(sl->redis, NULL, NULL, "SET %s%s %s EX %lld", KEY_RECENT_META, p->id, meta,
                  (long long)ttl);
    rconn_command(sl->redis, NULL, NULL, "ZADD %s %lld %s", KEY_RECENT, (long long)p->created_ms, p->id);
    rconn_command(sl->redis, NULL, NULL, "ZREMRANGEBYRANK %s 0 %d", KEY_RECENT, -RECENT_KEEP - 1);
    free(meta);
}

void recent_remove(store_loop *sl, const char *id)
{
    rconn_command(sl->redis, NULL, NULL, "ZREM %s %s", KEY_RECENT, id);
    rconn_command(sl->redis, NULL, NULL, "DEL %s%s", KEY_RECENT_META, id);
}

typedef struct fetch_ctx {
    store_loop *sl;
    size_t    max;
    recent_cb cb;
    void     *arg;
} fetch_ctx;

static int summary_from_json(const char *s, size_t len, paste_summary *out, json_t **keep)
{
    json_t *o = json_loadb(s, len, 0, NULL);
    const char *id = NULL, *title = NULL, *lang = NULL;
    json_int_t size = 0, created = 0, expires = 0;
    if (!o || json_unpack(o, "{s:s, s:s, s:s, s:I, s:I, s:I}", "id", &id, "title", &title,
                          "lang", &lang, "size", &size, "created", &created, "expires", &expires) != 0
        || strlen(id) >= sizeof out->id) {
        json_decref(o);
        return -1;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", id);
    out->title = title;
    out->lang = lang;
    out->size = (size_t)size;
    out->created_ms = created;
    out->expires_ms = expires;
    *keep = o; /* the strings live as long as the JSON object */
    return 0;
}

static void on_summaries(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    fetch_ctx *f = priv;
    redisReply *rep = reply_obj;
    size_t n = 0, cap = rep && rep->type == REDIS_REPLY_ARRAY ? rep->elements : 0;
    paste_summary *items = calloc(cap ? cap : 1, sizeof *items);
    json_t **objs = calloc(cap ? cap : 1, sizeof *objs);
    int64_t now = now_ms();
    for (size_t i = 0; items && objs && i < cap && n < f->max; i++) {
        redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_STRING)
            continue; /* deleted, or its expiry passed */
        if (summary_from_json(e->str, e->len, &items[n], &objs[n]) != 0)
            continue;
        if (items[n].expires_ms && items[n].expires_ms <= now) {
            json_decref(objs[n]);
            continue;
        }
        n++;
    }
    f->cb(f->arg, items, n);
    for (size_t i = 0; i < n; i++)
        json_decref(objs[i]);
    free(items);
    free(objs);
    free(f);
}

static void on_ids(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    fetch_ctx *f = priv;
    redisReply *rep = reply_obj;
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements == 0) {
        f->cb(f->arg, NULL, 0);
        free(f);
        return;
    }
    size_t n = rep->elements;
    const char **argv = calloc(n + 1, sizeof *argv);
    size_t *lens = calloc(n + 1, sizeof *lens);
    char (*keys)[48] = calloc(n, sizeof *keys);
    if (!argv || !lens || !keys) {
        free(argv);
        free(lens);
        free(keys);
        f->cb(f->arg, NULL, 0);
        free(f);
        return;
    }
    argv[0] = "MGET";
    lens[0] = 4;
    for (size_t i = 0; i < n; i++) {
        snprintf(keys[i], sizeof keys[i], "%s%.16s", KEY_RECENT_META,
                 rep->element[i]->str ? rep->element[i]->str : "");
        argv[i + 1] = keys[i];
        lens[i + 1] = strlen(keys[i]);
    }
    if (rconn_command_argv(f->sl->redis, on_summaries, f, (int)n + 1, argv, lens) != 0) {
        f->cb(f->arg, NULL, 0);
        free(f);
    }
    free(argv);
    free(lens);
    free(keys);
}

void store_recent(store_loop *sl, size_t max, recent_cb cb, void *arg)
{
    fetch_ctx *f = malloc(sizeof *f);
    if (!f) {
        cb(arg, NULL, 0);
        return;
    }
    f->sl = sl;
    f->max = max;
    f->cb = cb;
    f->arg = arg;
    /* read a few more than asked: some may have expired since */
    if (rconn_command(sl->redis, on_ids, f, "ZREVRANGE %s 0 %d", KEY_RECENT, (int)(max * 2)) != 0) {
        free(f);
        cb(arg, NULL, 0);
    }
}
