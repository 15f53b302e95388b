/* live.c - following one paste live, for the pages open on it.
 *
 * A client asks to follow a paste (the WebSocket's subscribe, web/
 * websocket.c): the paste is read as the API reads its metadata (app/
 * read.c: caches, expiry, the lookup budget; nothing counted, nothing
 * burnt), so only pastes that exist can be followed, and never one with
 * limited reads. Then the loop follows the paste's channel in Redis (store/
 * live.c), where every instance announces its new view totals and viewer
 * counts; they come back through the app_listener's on_live.
 * Presence is the store's sorted set of tab tokens per paste; its window is
 * one and a half heartbeats, so a tab or an instance that goes silent
 * drops out after at most two and a half (the next heartbeat of anyone
 * still there trims it and announces the new count). */
#include "live.h"

#include <stdlib.h>

#include "read.h"
#include "store/store.h"

typedef struct follow_req {
    app_loop      *l;
    live_follow_cb cb;
    void          *arg;
} follow_req;

static void on_paste(void *arg, paste *p, int64_t views, const fault *f)
{
    follow_req *q = arg;
    static const fault limited = { .kind = FAULT_NOT_FOUND, .message = "no live count for a paste with limited reads" };
    static const fault no_memory = { .kind = FAULT_NO_MEMORY, .message = "out of memory" };
    if (p && paste_is_limited(p))
        f = &limited;
    else if (p && store_live_watch(q->l->store, p->id) != 0)
        f = &no_memory;
    else if (p)
        f = NULL;
    q->cb(q->arg, f == NULL, views < 0 ? 0 : views, f);
    paste_free(p);
    free(q);
}

void app_live_follow(app_loop *l, const char *id, const app_client *who, live_follow_cb cb, void *arg)
{
    follow_req *q = malloc(sizeof *q);
    if (!q) {
        static const fault no_memory = { .kind = FAULT_NO_MEMORY, .message = "out of memory" };
        cb(arg, 0, 0, &no_memory);
        return;
    }
    *q = (follow_req){ l, cb, arg };
    app_read(l, id, READ_TOTAL, who, on_paste, q);
}

void app_live_unfollow(app_loop *l, const char *id)
{
    store_live_unwatch(l->store, id);
}

static int64_t window_ms(const app_loop *l)
{
    return (int64_t)l->app->cfg->presence_interval * 1500;
}

void app_presence_beat(app_loop *l, const char *id, const char *tab, presence_cb cb, void *arg)
{
    store_presence_touch(l->store, id, tab, window_ms(l), cb, arg);
}

void app_presence_leave(app_loop *l, const char *id, const char *tab)
{
    store_presence_leave(l->store, id, tab);
}
