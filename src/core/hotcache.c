/* hotcache.c - the first cache level: hot pastes in the worker's own memory.
 *
 * A hot paste read from Redis still costs a round trip and two copies of
 * its body per request. So each worker keeps the pastes it served recently,
 * decoded, in a small LRU (a hash of ids + a recency list, bounded in bytes).
 * A hit sends the body straight from this memory (evbuffer reference to the
 * refcounted paste): no Redis GET, no copy.
 *
 * Correctness does not depend on it:
 *   - expiry is checked on every read, as for any source;
 *   - burn-after-reading pastes are never kept (their one read must go
 *     through Redis' SET NX);
 *   - a delete, burn or expiry anywhere PUBLISHes the id on pasted:gone and
 *     every worker of every instance drops it (events.c subscribes);
 *   - messages published while the subscriber was reconnecting are lost,
 *     so each (re)subscription to pasted:gone clears the cache
 *     (hotcache_clear, events.c);
 *   - entries also age out, defence in depth: each after its own lifetime,
 *     uniform between hot_ttl_ms / 2 and hot_ttl_ms (300 s). Entries put
 *     together (a burst of creates, a warm-up, a cleared cache refilling)
 *     would otherwise age out together, and a read spread over them would
 *     then go to Redis all at once: 20,000 round trips within a second in
 *     the 10,000-paste benchmark, and a p99 of hundreds of ms.
 * One cache per worker thread, touched only by that thread: no locks. */
#include "hotcache.h"

#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096 /* power of two */

typedef struct entry {
    paste *p;
    size_t charged;             /* what c->bytes counts for this entry */
    size_t later;               /* the made_later(p) part of it */
    int64_t expires_ms;
    struct entry *chain;        /* hash bucket */
    struct entry *newer, *older;/* recency list */
} entry;

struct hotcache {
    entry *bucket[BUCKETS];
    entry *newest, *oldest;
    size_t bytes, max_bytes;
    int ttl_ms;
    uint64_t rng;               /* xorshift state for the lifetimes */
};

/* Memory an entry holds: the paste, and what was made from it since: the
 * page view.c renders (derived_bytes), the memfd raw.c sends big bodies
 * from. Those appear after the entry was put; get() counts them then. A
 * guess for the worst case instead (3x the body) kept a quarter as many
 * raw-only pastes as fit, and a read spread over 10,000 pastes missed. */
static size_t made_later(const paste *p)
{
    return p->derived_bytes + (p->segment ? p->size : 0);
}

static size_t cost(const paste *p)
{
    return p->size + strlen(p->title) + strlen(p->lang) + sizeof(paste) + sizeof(entry) + 64
         + made_later(p);
}

static void evict_over_budget(hotcache *c, const entry *keep);

/* An entry's lifetime: uniform in [ttl_ms - ttl_ms / 2, ttl_ms]. */
static int64_t lifetime(hotcache *c)
{
    int64_t half = c->ttl_ms / 2;
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return c->ttl_ms - half + (int64_t)(c->rng % (uint64_t)(half + 1));
}

static unsigned slot(const char *id)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h & (BUCKETS - 1);
}

hotcache *hotcache_new(size_t max_bytes, int ttl_ms)
{
    hotcache *c = calloc(1, sizeof *c);
    if (c) {
        c->max_bytes = max_bytes;
        c->ttl_ms = ttl_ms;
        c->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)c;   /* any nonzero seed */
    }
    return c;
}

static void unlink_recency(hotcache *c, entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(hotcache *c, entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

static entry **find_link(hotcache *c, const char *id)
{
    entry **link = &c->bucket[slot(id)];
    while (*link && strcmp((*link)->p->id, id) != 0)
        link = &(*link)->chain;
    return link;
}

static void remove_entry(hotcache *c, entry **link)
{
    entry *e = *link;
    *link = e->chain;
    unlink_recency(c, e);
    c->bytes -= e->charged;
    paste_free(e->p); /* requests still sending it keep their own reference */
    free(e);
}

void hotcache_drop(hotcache *c, const char *id)
{
    entry **link = find_link(c, id);
    if (*link)
        remove_entry(c, link);
}

paste *hotcache_get(hotcache *c, const char *id, int64_t now_ms)
{
    entry **link = find_link(c, id);
    entry *e = *link;
    if (!e)
        return NULL;
    if (now_ms >= e->expires_ms) {
        remove_entry(c, link);
        return NULL;
    }
    unlink_recency(c, e);
    push_newest(c, e);
    size_t later = made_later(e->p);
    if (later != e->later) {   /* a page or a memfd was made from it */
        c->bytes = c->bytes - e->charged + (e->charged - e->later + later);
        e->charged = e->charged - e->later + later;
        e->later = later;
        evict_over_budget(c, e);
    }
    return paste_ref(e->p);
}

static void evict_over_budget(hotcache *c, const entry *keep)
{
    while (c->bytes > c->max_bytes && c->oldest && c->oldest != keep)
        hotcache_drop(c, c->oldest->p->id);
}

void hotcache_put(hotcache *c, paste *p, int64_t now_ms)
{
    if (!c || p->burn || cost(p) > c->max_bytes / 8)
        return;
    hotcache_drop(c, p->id);
    entry *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->p = paste_ref(p);
    e->charged = cost(p);
    e->later = made_later(p);
    e->expires_ms = now_ms + lifetime(c);
    entry **head = &c->bucket[slot(p->id)];
    e->chain = *head;
    *head = e;
    push_newest(c, e);
    c->bytes += e->charged;
    evict_over_budget(c, NULL);
}

void hotcache_clear(hotcache *c)
{
    while (c && c->oldest)
        hotcache_drop(c, c->oldest->p->id);
}

size_t hotcache_bytes(const hotcache *c)
{
    return c ? c->bytes : 0;
}

void hotcache_free(hotcache *c)
{
    if (!c)
        return;
    while (c->oldest)
        hotcache_drop(c, c->oldest->p->id);
    free(c);
}
