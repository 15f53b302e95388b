/* cache.c - the Redis side of a paste's life.
 *
 * Written on create and on a read-through miss; the entry's TTL is the
 * configured cache_ttl, cut to the paste's remaining life so the cache can
 * never serve an expired paste for long (reads check expiry anyway).
 * Pastes above cache_max_entry are not cached: they would crowd out the
 * many small hot ones. */
#include "cache.h"

#include <stdlib.h>

#include "hotcache.h"
#include "http.h"
#include "recent.h"

void paste_cache_put(worker *w, const paste *p)
{
    if (p->size > srv.cfg.cache_max_entry)
        return;
    int64_t ttl = paste_seconds_left(p, now_ms());
    if (ttl > srv.cfg.cache_ttl)
        ttl = srv.cfg.cache_ttl;
    if (ttl <= 0)
        return;
    size_t len;
    uint8_t *rec = paste_encode(p, &len);
    if (!rec)
        return;
    rconn_command(w->redis, NULL, NULL, "SET %s%s %b EX %lld", KEY_PASTE, p->id, rec, len,
                  (long long)ttl);
    free(rec);
}

void paste_cache_forget(worker *w, const char *id)
{
    hotcache_drop(w->hot, id);
    /* every worker of every instance drops its in-memory copy (events.c) */
    rconn_command(w->redis, NULL, NULL, "PUBLISH %s %s", CHANNEL_GONE, id);
    rconn_command(w->redis, NULL, NULL, "SET %s%s %s EX 60", KEY_PASTE, id, TOMBSTONE);
    rconn_command(w->redis, NULL, NULL, "HDEL %s %s", KEY_VIEWS, id);
    recent_remove(w, id);
}
