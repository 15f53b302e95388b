/* feed.c - what happens on other loops and instances, through Redis pub/sub.
 *
 * Every public create PUBLISHes a JSON summary on pasted:new
 * (store_announce); every delete, burn and expiry PUBLISHes the id on
 * pasted:gone (cache.c). Each loop keeps one extra Redis connection
 * SUBSCRIBEd to both, and hands what arrives to the watcher its owner
 * registered (store_watch): the live feed's streams, the hot cache. Each
 * (re)subscription is reported too: messages published while the
 * connection was down were missed. The same connection follows the
 * channels of single pastes that clients of the loop watch (live.c). */
#include "state.h"

#include <string.h>

void feed_on_message(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    store_loop *sl = priv;
    const store_watch *w = &sl->watch;
    redisReply *rep = reply_obj;
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 3
        || rep->element[0]->type != REDIS_REPLY_STRING || rep->element[1]->type != REDIS_REPLY_STRING)
        return;
    const char *kind = rep->element[0]->str, *channel = rep->element[1]->str;
    int paste_channel = strncmp(channel, CHANNEL_PASTE, strlen(CHANNEL_PASTE)) == 0;
    if (strcmp(kind, "subscribe") == 0) {
        if (strcmp(channel, CHANNEL_GONE) == 0) {   /* a new connection: follow again */
            live_resubscribe(sl);
            if (w->on_resubscribed)
                w->on_resubscribed(w->arg);
        }
        return;
    }
    if (strcmp(kind, "unsubscribe") == 0) {
        if (paste_channel)
            live_unsubscribed(sl, channel);
        return;
    }
    if (strcmp(kind, "message") != 0 || rep->element[2]->type != REDIS_REPLY_STRING)
        return;
    if (paste_channel)
        live_message(sl, channel, rep->element[2]->str);
    else if (strcmp(channel, CHANNEL_GONE) == 0) {
        if (tier_is_keeper(sl))
            cache_tombstone_everywhere(sl, rep->element[2]->str);
        if (w->on_gone)
            w->on_gone(w->arg, rep->element[2]->str);
    } else if (strcmp(channel, CHANNEL_NEW) == 0) {
        if (w->on_new)
            w->on_new(w->arg, rep->element[2]->str, rep->element[2]->len);
    }
}

int feed_subscribe(store_loop *sl)
{
    sl->subscriber = rconn_new_subscriber(sl->base, &sl->s->redis, CHANNEL_NEW " " CHANNEL_GONE,
                                          feed_on_message, sl);
    return sl->subscriber ? 0 : -1;
}
