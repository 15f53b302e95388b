/* cache.c - the Redis side of a paste's life.
 *
 * A paste's record (paste_encode) is written on create and on a
 * read-through miss; the entry's TTL is the configured cache_ttl, cut to
 * the paste's remaining life so the cache can never serve an expired paste
 * for long (reads check expiry anyway). Pastes above cache_max_entry are
 * not cached: they would crowd out the many small hot ones. A paste known
 * not to exist is cached as a short tombstone, so repeated reads of a
 * missing id stay off MongoDB. Records go where tier.c places them: a
 * cache node, or the primary when there are none. */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

void cache_put(store_loop *sl, const paste *p)
{
    const config *cfg = &sl->s->cfg;
    if (p->size > cfg->cache_max_entry)
        return;
    int64_t ttl = paste_seconds_left(p, now_ms());
    if (ttl > cfg->cache_ttl)
        ttl = cfg->cache_ttl;
    if (ttl <= 0)
        return;
    size_t len;
    uint8_t *rec = paste_encode(p, &len);
    if (!rec)
        return;
    char key[64], ex[24];
    snprintf(key, sizeof key, KEY_PASTE "%s", p->id);
    snprintf(ex, sizeof ex, "%lld", (long long)ttl);
    const char *argv[] = { "SET", key, (const char *)rec, "EX", ex };
    size_t lens[] = { 3, strlen(key), len, 2, strlen(ex) };
    tier_write(sl, p->id, 0, 5, argv, lens);
    free(rec);
}

/* SET pasted:p:<id> "-" EX TOMBSTONE_TTL where tier.c places id, or on
 * every cache node that is up. */
static void write_tombstone(store_loop *sl, const char *id, int everywhere)
{
    char key[64], ex[24];
    snprintf(key, sizeof key, KEY_PASTE "%s", id);
    snprintf(ex, sizeof ex, "%d", TOMBSTONE_TTL);
    const char *argv[] = { "SET", key, TOMBSTONE, "EX", ex };
    size_t lens[] = { 3, strlen(key), strlen(TOMBSTONE), 2, strlen(ex) };
    if (everywhere)
        tier_write_all(sl, 5, argv, lens);
    else
        tier_write(sl, id, 1, 5, argv, lens);
}

void cache_tombstone(store_loop *sl, const char *id)
{
    write_tombstone(sl, id, 0);
}

void cache_tombstone_everywhere(store_loop *sl, const char *id)
{
    write_tombstone(sl, id, 1);
}

void cache_forget(store_loop *sl, const char *id)
{
    /* every loop of every instance drops its in-memory copy, and one loop
     * of each tombstones it on the cache nodes it reaches (feed.c) */
    rconn_command(sl->redis, NULL, NULL, "PUBLISH %s %s", CHANNEL_GONE, id);
    cache_tombstone_everywhere(sl, id);
    views_forget(sl, id);
    recent_remove(sl, id);
}
