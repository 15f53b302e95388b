/* tier.c - the cache tier: which Redis node holds a paste's record, and
 * whether that node is fit to.
 *
 * With cache_nodes set, paste records (KEY_PASTE + id: the data that grows
 * with traffic) live on those Redis nodes instead of the primary, each key
 * on the node a ketama ring picks (core/ketama.c: the placement twemproxy's
 * `distribution: ketama` gives for the same node names and weights, so an
 * operator may put nutcracker in front instead). Everything else (the
 * counter, pub/sub, lists, burn flags, views) stays on the primary.
 *
 * A node that fails is a miss, never an error: the read goes on to
 * MongoDB. cache_eject_after failures in a row take it out of the ring (a
 * failed tombstone at once: a deleted paste must not stay readable there),
 * and every loop rebuilds its ring without it (a generation number says
 * when). Every cache_retry_ms a loop probes it: PING, then FLUSHDB ASYNC,
 * and only then back in the ring, so what it held while it was out (a paste
 * deleted, burnt or expired meanwhile) is never served. A node that comes
 * back is cold; the keys of the other nodes never moved.
 *
 * A paste deleted or burnt gets its tombstone on every node that is up,
 * not only where the ring puts it now: a node it was cached on under an
 * earlier ring (another node was out then) may be its place again later.
 * And one loop per instance (the keeper) does the same for what any other
 * instance deleted (pasted:gone), so an instance that could not reach a
 * node does not leave the others a stale record there.
 *
 * The nodes' state is the process's (atomics: any loop may fail or probe
 * one); each loop has its own connection to each node and its own copy of
 * the ring. Nodes are pasted's alone: a flush empties the whole database. */
#include "state.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ketama.h"
#include "core/log.h"

#define NODE_NAME_MAX 64
#define NODES_MAX     64

typedef struct tier_node {
    char          name[NODE_NAME_MAX];   /* the ring's name for it */
    redis_target  target;
    uint32_t      weight;
    atomic_int    up;            /* in the ring */
    atomic_int    failures;      /* in a row */
    atomic_int    probing;       /* a loop is probing it */
    atomic_llong  ejected_ms;    /* when it left the ring, or was last probed */
    atomic_ullong hits, misses, errors, ejections;
} tier_node;

struct tier {
    tier_node  *nodes;
    size_t      n;
    int         timeout_ms;      /* no answer for this long: the node hangs */
    atomic_uint generation;      /* moves when a node leaves or joins */
    /* the loop that tombstones, on every node, what any instance deleted
     * (pasted:gone): one per process, whichever started first */
    _Atomic(store_loop *) keeper;
    int         eject_after;
    int         retry_ms;
};

/* One loop's way to one node: what its callbacks are handed, and how its
 * commands are doing (this loop's only). */
typedef struct tier_ref {
    tier_loop *tl;
    size_t     node;
    int        inflight;        /* commands sent, not answered */
    int64_t    progress_ms;     /* the last answer, or the first send since none was out */
} tier_ref;

struct tier_loop {
    store_loop   *sl;
    rconn       **conns;
    tier_ref     *refs;
    ketama_ring  *ring;          /* over the nodes up at `generation` */
    unsigned      generation;
    struct event *probe;
    int           closing;       /* the loop ends: answers without a reply are not failures */
};

/* --- the setting ---------------------------------------------------------- */

/* "redis://host:port[/db][?name=NAME&weight=N]" into n. 0, or -1 with f. */
static int parse_node(const char *entry, size_t len, tier_node *n, fault *f)
{
    char text[512];
    if (len >= sizeof text)
        return fault_set(f, FAULT_INVALID, "cache_nodes", "cache_nodes: an entry is too long");
    memcpy(text, entry, len);
    text[len] = '\0';
    char *query = strchr(text, '?');
    if (query)
        *query++ = '\0';
    if (strncmp(text, "redis://", 8) != 0 || redis_target_parse(text, &n->target) != 0)
        return fault_set(f, FAULT_INVALID, "cache_nodes", "cache_nodes: '%s' is not redis://host:port", text);
    /* the name nutcracker gives "- host:port:weight" without one */
    if (ketama_default_name(n->name, sizeof n->name, n->target.host, (unsigned)n->target.port, f) != 0)
        return -1;
    n->weight = 1;
    for (char *save = NULL, *kv = query ? strtok_r(query, "&", &save) : NULL; kv; kv = strtok_r(NULL, "&", &save)) {
        char *end;
        if (strncmp(kv, "name=", 5) == 0 && kv[5] && strlen(kv + 5) < sizeof n->name
            && strcspn(kv + 5, " \t\"\\") == strlen(kv + 5))
            snprintf(n->name, sizeof n->name, "%s", kv + 5);
        else if (strncmp(kv, "weight=", 7) == 0 && (n->weight = (uint32_t)strtoul(kv + 7, &end, 10)) > 0
                 && n->weight <= 10000 && !*end)
            ;
        else
            return fault_set(f, FAULT_INVALID, "cache_nodes",
                             "cache_nodes: '%s': the options are name=NAME and weight=1..10000", kv);
    }
    return 0;
}

int tier_open(store *s, fault *f)
{
    const char *p = s->cfg.cache_nodes;
    tier *t = calloc(1, sizeof *t);
    if (!t)
        return fault_no_memory(f);
    t->eject_after = s->cfg.cache_eject_after;
    t->retry_ms = s->cfg.cache_retry_ms;
    t->timeout_ms = s->cfg.cache_timeout_ms;
    for (p += strspn(p, " \t"); *p; p += strspn(p, " \t")) {
        size_t len = strcspn(p, " \t");
        if (t->n == NODES_MAX) {
            tier_close(t);
            return fault_set(f, FAULT_INVALID, "cache_nodes", "cache_nodes: at most %d nodes", NODES_MAX);
        }
        tier_node *grown = realloc(t->nodes, (t->n + 1) * sizeof *grown);
        if (!grown) {
            tier_close(t);
            return fault_no_memory(f);
        }
        t->nodes = grown;
        tier_node *n = &t->nodes[t->n];
        memset(n, 0, sizeof *n);
        if (parse_node(p, len, n, f) != 0) {
            tier_close(t);
            return -1;
        }
        for (size_t i = 0; i < t->n; i++)
            if (strcmp(t->nodes[i].name, n->name) == 0) {
                fault_set(f, FAULT_INVALID, "cache_nodes", "cache_nodes: two nodes are named %s", n->name);
                tier_close(t);      /* after: the message reads n */
                return -1;
            }
        atomic_store(&n->up, 1);
        t->n++;
        p += len;
    }
    if (t->n == 0) {
        tier_close(t);      /* none: the primary caches, as without a tier */
        return 0;
    }
    s->tier = t;
    log_info("cache tier: %zu nodes, ejected after %d failures, probed every %d ms", t->n, t->eject_after,
             t->retry_ms);
    return 0;
}

void tier_close(tier *t)
{
    if (!t)
        return;
    free(t->nodes);
    free(t);
}

/* --- health ----------------------------------------------------------------- */

static void eject(tier *t, size_t i, const char *why)
{
    tier_node *n = &t->nodes[i];
    int was_up = 1;
    if (!atomic_compare_exchange_strong(&n->up, &was_up, 0))
        return;
    atomic_store(&n->ejected_ms, now_ms());
    atomic_fetch_add(&n->ejections, 1);
    atomic_fetch_add(&t->generation, 1);
    log_warn("cache node %s ejected: %s; its keys are read from MongoDB until it is back", n->name, why);
}

/* A command to node i failed; hard: a write whose loss could leave a stale
 * record there (a tombstone), so it leaves the ring at once. */
static void node_failed(tier *t, size_t i, int hard)
{
    tier_node *n = &t->nodes[i];
    atomic_fetch_add(&n->errors, 1);
    int failures = atomic_fetch_add(&n->failures, 1) + 1;
    if (hard)
        eject(t, i, "a tombstone was not written");
    else if (failures >= t->eject_after)
        eject(t, i, "it failed repeatedly");
}

static void node_answered(tier *t, size_t i)
{
    if (atomic_load(&t->nodes[i].failures))
        atomic_store(&t->nodes[i].failures, 0);
}

void tier_sent(store_loop *sl, int node)
{
    if (node < 0 || !sl->tier)
        return;
    tier_ref *ref = &sl->tier->refs[node];
    if (ref->inflight++ == 0)
        ref->progress_ms = now_ms();
}

void tier_answered(store_loop *sl, int node)
{
    if (node < 0 || !sl->tier)
        return;
    tier_ref *ref = &sl->tier->refs[node];
    if (ref->inflight > 0)
        ref->inflight--;
    ref->progress_ms = now_ms();
}

void tier_count(store_loop *sl, int node, int hit)
{
    if (node < 0 || !sl->s->tier)
        return;
    tier *t = sl->s->tier;
    node_answered(t, (size_t)node);
    atomic_fetch_add(hit ? &t->nodes[node].hits : &t->nodes[node].misses, 1);
}

void tier_failed(store_loop *sl, int node)
{
    if (node >= 0 && sl->tier && !sl->tier->closing)
        node_failed(sl->s->tier, (size_t)node, 0);
}

/* --- placing a key ---------------------------------------------------------- */

static void rebuild_ring(tier_loop *tl, tier *t)
{
    unsigned generation = atomic_load(&t->generation);
    ketama_node nodes[NODES_MAX];
    unsigned char up[NODES_MAX];
    for (size_t i = 0; i < t->n; i++) {
        nodes[i] = (ketama_node){ t->nodes[i].name, t->nodes[i].weight };
        up[i] = (unsigned char)atomic_load(&t->nodes[i].up);
    }
    fault f;
    ketama_ring *ring = ketama_build(nodes, t->n, up, &f);
    if (!ring) {
        log_error("cache tier: %s; keeping the old ring", f.message);
        return;
    }
    ketama_free(tl->ring);
    tl->ring = ring;
    tl->generation = generation;
}

rconn *tier_conn(store_loop *sl, const char *id, int *node)
{
    *node = -1;
    tier_loop *tl = sl->tier;
    if (!tl)
        return sl->redis;
    tier *t = sl->s->tier;
    if (tl->generation != atomic_load(&t->generation) || !tl->ring)
        rebuild_ring(tl, t);
    char key[64];
    int len = snprintf(key, sizeof key, KEY_PASTE "%s", id);
    size_t i = tl->ring ? ketama_pick(tl->ring, key, (size_t)len) : KETAMA_NONE;
    if (i == KETAMA_NONE || !tl->conns[i])
        return NULL;                    /* every node is out (or the loop ends): nothing is cached */
    *node = (int)i;
    return tl->conns[i];
}

static void on_write(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    tier_ref *ref = priv;
    redisReply *rep = reply_obj;
    tier *t = ref->tl->sl->s->tier;
    tier_answered(ref->tl->sl, (int)ref->node);
    if (ref->tl->closing)
        return;
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        node_failed(t, ref->node, 0);
    else
        node_answered(t, ref->node);
}

static void on_tombstone(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    tier_ref *ref = priv;
    redisReply *rep = reply_obj;
    tier_answered(ref->tl->sl, (int)ref->node);
    if (!ref->tl->closing && (!rep || rep->type == REDIS_REPLY_ERROR))
        node_failed(ref->tl->sl->s->tier, ref->node, 1);
}

int tier_write(store_loop *sl, const char *id, int tombstone, int argc, const char **argv, const size_t *lens)
{
    int node;
    rconn *c = tier_conn(sl, id, &node);
    if (node < 0)
        return c ? rconn_command_argv(c, NULL, NULL, argc, argv, lens) : 0;
    tier_ref *ref = &sl->tier->refs[node];
    if (rconn_command_argv(c, tombstone ? on_tombstone : on_write, ref, argc, argv, lens) != 0) {
        node_failed(sl->s->tier, (size_t)node, tombstone);
        return -1;
    }
    tier_sent(sl, node);
    return 0;
}

void tier_write_all(store_loop *sl, int argc, const char **argv, const size_t *lens)
{
    tier_loop *tl = sl->tier;
    if (!tl) {
        rconn_command_argv(sl->redis, NULL, NULL, argc, argv, lens);
        return;
    }
    tier *t = sl->s->tier;
    for (size_t i = 0; i < t->n; i++) {
        /* an ejected node is emptied before it is back: no need */
        if (!tl->conns[i] || !atomic_load(&t->nodes[i].up))
            continue;
        if (rconn_command_argv(tl->conns[i], on_tombstone, &tl->refs[i], argc, argv, lens) != 0)
            node_failed(t, i, 1);
        else
            tier_sent(sl, (int)i);
    }
}

int tier_is_keeper(store_loop *sl)
{
    return sl->s->tier && atomic_load(&sl->s->tier->keeper) == sl;
}

/* --- probing the nodes that are out ----------------------------------------- */

static void probe_failed(tier_node *n)
{
    atomic_store(&n->ejected_ms, now_ms());
    atomic_store(&n->probing, 0);
}

static void on_flushed(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    tier_ref *ref = priv;
    redisReply *rep = reply_obj;
    tier *t = ref->tl->sl->s->tier;
    tier_node *n = &t->nodes[ref->node];
    tier_answered(ref->tl->sl, (int)ref->node);
    if (!rep || rep->type == REDIS_REPLY_ERROR) {
        probe_failed(n);
        return;
    }
    atomic_store(&n->failures, 0);
    atomic_store(&n->up, 1);
    atomic_fetch_add(&t->generation, 1);
    atomic_store(&n->probing, 0);
    log_info("cache node %s is back, emptied first (what it held may be stale)", n->name);
}

static void on_pong(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    tier_ref *ref = priv;
    redisReply *rep = reply_obj;
    tier_node *n = &ref->tl->sl->s->tier->nodes[ref->node];
    tier_answered(ref->tl->sl, (int)ref->node);
    if (!rep || rep->type == REDIS_REPLY_ERROR
        || rconn_command(ref->tl->conns[ref->node], on_flushed, ref, "FLUSHDB ASYNC") != 0)
        probe_failed(n);
    else
        tier_sent(ref->tl->sl, (int)ref->node);
}

/* A node that stopped answering (SIGSTOP, a host gone without a word)
 * would hold every read placed on it: hiredis 0.14's async API has no
 * command timeout. So a loop that has waited timeout_ms for a node's
 * answer ejects it and drops its connection: the commands waiting on it
 * are answered with no reply (misses), and a new connection is made, for
 * the probes. */
static void drop_hung(tier_loop *tl, tier *t, size_t i, int64_t now)
{
    tier_ref *ref = &tl->refs[i];
    if (ref->inflight == 0 || now - ref->progress_ms < t->timeout_ms || !tl->conns[i])
        return;
    log_warn("cache node %s: no answer for %lld ms; its connection is dropped", t->nodes[i].name,
             (long long)(now - ref->progress_ms));
    eject(t, i, "it stopped answering");
    rconn *hung = tl->conns[i];
    tl->conns[i] = NULL;        /* what runs in the callbacks below places nothing on it */
    rconn_free(hung);
    ref->inflight = 0;
    ref->progress_ms = now;
    tl->conns[i] = rconn_new(tl->sl->base, &t->nodes[i].target);
}

static void on_probe_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    tier_loop *tl = arg;
    tier *t = tl->sl->s->tier;
    int64_t now = now_ms();
    for (size_t i = 0; i < t->n; i++) {
        drop_hung(tl, t, i, now);
        tier_node *n = &t->nodes[i];
        int idle = 0;
        if (!tl->conns[i] || atomic_load(&n->up) || now - atomic_load(&n->ejected_ms) < t->retry_ms
            || !atomic_compare_exchange_strong(&n->probing, &idle, 1))
            continue;
        if (rconn_command(tl->conns[i], on_pong, &tl->refs[i], "PING") != 0)
            probe_failed(n);    /* not connected yet: the connection retries by itself */
        else
            tier_sent(tl->sl, (int)i);
    }
}

/* --- a loop's part ------------------------------------------------------- */

int tier_loop_init(store_loop *sl)
{
    tier *t = sl->s->tier;
    if (!t)
        return 0;
    tier_loop *tl = calloc(1, sizeof *tl);
    if (!tl)
        return -1;
    sl->tier = tl;
    tl->sl = sl;
    store_loop *none = NULL;
    atomic_compare_exchange_strong(&t->keeper, &none, sl);
    tl->conns = calloc(t->n, sizeof *tl->conns);
    tl->refs = calloc(t->n, sizeof *tl->refs);
    if (!tl->conns || !tl->refs)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        tl->refs[i] = (tier_ref){ .tl = tl, .node = i };
        if (!(tl->conns[i] = rconn_new(sl->base, &t->nodes[i].target)))
            return -1;
    }
    rebuild_ring(tl, t);
    tl->probe = event_new(sl->base, -1, EV_PERSIST, on_probe_timer, tl);
    /* looked at four times a retry (a node is probed within 1.25
     * cache_retry_ms) and twice a timeout (a hung one is dropped within 1.5
     * cache_timeout_ms) */
    int every_ms = t->retry_ms / 4 < t->timeout_ms / 2 ? t->retry_ms / 4 : t->timeout_ms / 2;
    if (every_ms < 50)
        every_ms = 50;
    struct timeval every = { every_ms / 1000, (every_ms % 1000) * 1000 };
    return tl->probe && event_add(tl->probe, &every) == 0 && tl->ring ? 0 : -1;
}

/* The connections close first (their callbacks run, with no reply: they
 * must find the loop's part still there), then the rest. */
void tier_loop_close(store_loop *sl)
{
    tier_loop *tl = sl->tier;
    if (!tl || !tl->conns)
        return;
    tl->closing = 1;
    tier *t = sl->s->tier;
    for (size_t i = 0; i < t->n; i++) {
        rconn_free(tl->conns[i]);
        tl->conns[i] = NULL;
    }
}

void tier_loop_free(store_loop *sl)
{
    tier_loop *tl = sl->tier;
    if (!tl)
        return;
    tier_loop_close(sl);
    store_loop *self = sl;
    atomic_compare_exchange_strong(&sl->s->tier->keeper, &self, NULL);
    if (tl->probe)
        event_free(tl->probe);
    ketama_free(tl->ring);
    free(tl->conns);
    free(tl->refs);
    free(tl);
    sl->tier = NULL;
}

/* --- what it did, for /metrics and /healthz -------------------------------- */

size_t store_cache_nodes(const store *s)
{
    return s->tier ? s->tier->n : 0;
}

void store_cache_node(const store *s, size_t i, cache_node_figures *out)
{
    const tier_node *n = &s->tier->nodes[i];
    snprintf(out->name, sizeof out->name, "%s", n->name);
    out->up = atomic_load(&n->up);
    out->hits = atomic_load(&n->hits);
    out->misses = atomic_load(&n->misses);
    out->failures = atomic_load(&n->errors);
    out->ejections = atomic_load(&n->ejections);
}
