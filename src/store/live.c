/* live.c - one paste, live: who is viewing it now, and its view total,
 * on every instance at once.
 *
 * Presence is a sorted set per paste, KEY_HERE + id, of per-tab tokens
 * scored by their last heartbeat (Redis' clock, in ms). A touch trims the
 * members older than the window, adds or refreshes the tab's, and answers
 * the count; a leave removes the tab. Either one that changed the count
 * PUBLISHes "viewing N" on the paste's channel, CHANNEL_PASTE + id; the
 * view batch (views.c) PUBLISHes "views N" there. Nothing of a viewer is
 * kept but the token, and the set expires two windows after its last
 * touch, so a paste nobody looks at costs nothing.
 *
 * A loop follows a paste's channel while one of its clients does:
 * store_live_watch / store_live_unwatch count the followers, and the first
 * and the last SUBSCRIBE and UNSUBSCRIBE on the loop's subscriber
 * connection (feed.c), whose messages come back through
 * live_message() to the loop's watcher (store_watch.on_live).
 * hiredis 0.14 forgets a channel's callback when an UNSUBSCRIBE is
 * answered, even if a SUBSCRIBE of the same channel was sent meanwhile; so
 * a channel being unsubscribed is not subscribed again until that answer
 * has come (live_unsubscribed). After a reconnect, every followed channel
 * is subscribed again (live_resubscribe). */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WATCH_SUBSCRIBED, WATCH_LEAVING };

struct live_watch {
    char id[IDS_MAX_LEN + 1];
    int  followers;
    int  state;
};

/* KEYS[1] the paste's presence; ARGV: tab ("" counts only), window ms, channel */
static const char TOUCH_SCRIPT[] =
    "local t = redis.call('TIME') "
    "local now = t[1] * 1000 + math.floor(t[2] / 1000) "
    "local stale = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2])) "
    "local added = 0 "
    "if ARGV[1] ~= '' then added = redis.call('ZADD', KEYS[1], now, ARGV[1]) end "
    "local n = redis.call('ZCARD', KEYS[1]) "
    "if n > 0 then redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2])) end "
    "if stale + added > 0 then redis.call('PUBLISH', ARGV[3], 'viewing ' .. n) end "
    "return n";

/* KEYS[1] the paste's presence; ARGV: tab, channel */
static const char LEAVE_SCRIPT[] =
    "if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then "
    "redis.call('PUBLISH', ARGV[2], 'viewing ' .. redis.call('ZCARD', KEYS[1])) end "
    "return 0";

/* --- presence ------------------------------------------------------------- */

typedef struct count_call {
    count_cb cb;
    void    *arg;
} count_call;

static void on_count(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    count_call *call = priv;
    redisReply *rep = reply_obj;
    call->cb(call->arg, rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1);
    free(call);
}

void store_presence_touch(store_loop *sl, const char *id, const char *tab, int64_t window_ms,
                          count_cb cb, void *arg)
{
    count_call *call = cb ? malloc(sizeof *call) : NULL;
    if (cb && !call) {
        cb(arg, -1);
        return;
    }
    if (call)
        *call = (count_call){ cb, arg };
    char key[64], channel[64], window[24];
    snprintf(key, sizeof key, KEY_HERE "%s", id);
    snprintf(channel, sizeof channel, CHANNEL_PASTE "%s", id);
    snprintf(window, sizeof window, "%lld", (long long)window_ms);
    const char *argv[] = { "EVAL", TOUCH_SCRIPT, "1", key, tab ? tab : "", window, channel };
    size_t lens[7];
    for (int i = 0; i < 7; i++)
        lens[i] = strlen(argv[i]);
    if (rconn_command_argv(sl->redis, call ? on_count : NULL, call, 7, argv, lens) != 0 && call) {
        free(call);
        cb(arg, -1);
    }
}

void store_presence_leave(store_loop *sl, const char *id, const char *tab)
{
    char key[64], channel[64];
    snprintf(key, sizeof key, KEY_HERE "%s", id);
    snprintf(channel, sizeof channel, CHANNEL_PASTE "%s", id);
    const char *argv[] = { "EVAL", LEAVE_SCRIPT, "1", key, tab, channel };
    size_t lens[6];
    for (int i = 0; i < 6; i++)
        lens[i] = strlen(argv[i]);
    rconn_command_argv(sl->redis, NULL, NULL, 6, argv, lens);
}

/* --- following a paste's channel ------------------------------------------ */

static live_watch *find_watch(store_loop *sl, const char *id)
{
    for (size_t i = 0; i < sl->nwatches; i++)
        if (strcmp(sl->watches[i].id, id) == 0)
            return &sl->watches[i];
    return NULL;
}

static void drop_watch(store_loop *sl, live_watch *w)
{
    *w = sl->watches[--sl->nwatches];
}

/* Sent on the subscriber connection, answered through feed.c's handler;
 * when Redis is away, the reconnect sends it (live_resubscribe). */
static void channel_command(store_loop *sl, const char *verb, const char *id)
{
    rconn_command(sl->subscriber, feed_on_message, sl, "%s " CHANNEL_PASTE "%s", verb, id);
}

int store_live_watch(store_loop *sl, const char *id)
{
    live_watch *w = find_watch(sl, id);
    if (w) {
        w->followers++;
        return 0;       /* subscribed, or will be again once it has left */
    }
    if (sl->nwatches == sl->watches_cap) {
        size_t cap = sl->watches_cap ? 2 * sl->watches_cap : 16;
        live_watch *grown = realloc(sl->watches, cap * sizeof *grown);
        if (!grown)
            return -1;
        sl->watches = grown;
        sl->watches_cap = cap;
    }
    w = &sl->watches[sl->nwatches++];
    snprintf(w->id, sizeof w->id, "%s", id);
    w->followers = 1;
    w->state = WATCH_SUBSCRIBED;
    channel_command(sl, "SUBSCRIBE", id);
    return 0;
}

void store_live_unwatch(store_loop *sl, const char *id)
{
    live_watch *w = find_watch(sl, id);
    if (!w || --w->followers > 0 || w->state == WATCH_LEAVING)
        return;
    w->state = WATCH_LEAVING;
    channel_command(sl, "UNSUBSCRIBE", id);
}

void live_unsubscribed(store_loop *sl, const char *channel)
{
    live_watch *w = find_watch(sl, channel + strlen(CHANNEL_PASTE));
    if (!w || w->state != WATCH_LEAVING)
        return;
    if (w->followers > 0) {             /* followed again meanwhile */
        w->state = WATCH_SUBSCRIBED;
        channel_command(sl, "SUBSCRIBE", w->id);
    } else
        drop_watch(sl, w);
}

void live_resubscribe(store_loop *sl)
{
    for (size_t i = 0; i < sl->nwatches;) {
        live_watch *w = &sl->watches[i];
        if (w->followers == 0) {        /* the new connection never had it */
            drop_watch(sl, w);
            continue;
        }
        w->state = WATCH_SUBSCRIBED;
        channel_command(sl, "SUBSCRIBE", w->id);
        i++;
    }
}

void live_message(store_loop *sl, const char *channel, const char *text)
{
    const char *id = channel + strlen(CHANNEL_PASTE);
    live_watch *w = find_watch(sl, id);
    if (!w || w->followers == 0 || !sl->watch.on_live)
        return;
    long long n;
    char kind[16];
    if (sscanf(text, "%15s %lld", kind, &n) != 2 || n < 0)
        return;
    char copy[IDS_MAX_LEN + 1];     /* the watcher may follow more, moving w */
    memcpy(copy, w->id, sizeof copy);
    if (strcmp(kind, "views") == 0)
        sl->watch.on_live(sl->watch.arg, copy, LIVE_VIEWS, n);
    else if (strcmp(kind, "viewing") == 0)
        sl->watch.on_live(sl->watch.arg, copy, LIVE_VIEWING, n);
}

void live_free(store_loop *sl)
{
    free(sl->watches);
    sl->watches = NULL;
    sl->nwatches = sl->watches_cap = 0;
}
