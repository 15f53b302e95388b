/* app.h - the pastebin's use cases, and the state they share. See app.c.
 *
 * This layer knows pastes, not HTTP, HTML or JSON replies: the web layer
 * turns requests into these calls and their answers into replies. It holds
 * the process-wide application (settings, the store, counters) and, per
 * event loop, an app_loop: that loop's part of the store and its hot cache.
 * The use cases themselves are in read.h, create.h and delete.h. */
#ifndef PASTED_APP_APP_H
#define PASTED_APP_APP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/fault.h"
#include "core/ids.h"
#include "core/limit.h"
#include "core/netaddr.h"
#include "core/options.h"
#include "core/paste.h"

struct event_base;
struct store;
struct store_loop;
struct hotcache;

typedef struct app_stats {
    atomic_ullong requests;     /* counted by the HTTP layer */
    atomic_ullong created;
    atomic_ullong views;
    atomic_ullong cache_hits;
    atomic_ullong cache_misses;
    atomic_ullong hot_hits;     /* the part of cache_hits served from a loop's memory */
    atomic_ullong store_errors;
    atomic_ullong refused[LIMIT_KINDS];   /* 429s, by the budget that was spent */
} app_stats;

/* Who is asking, for the limits (the web layer works it out: web/client.c). */
typedef struct app_client {
    netaddr addr;
    int     unlimited;          /* on the allowlist: nothing is charged */
} app_client;

typedef struct penalty_box penalty_box;

typedef struct app {
    const config   *cfg;
    struct store   *store;
    const ids_key  *ids;
    uint8_t         etag_key[32];   /* paste_set_etag's, the same on every instance */
    uint8_t         block_key[32];  /* names blocked content (moderation.c) */
    uint8_t         operator_hash[32];  /* SHA-256 of the operator's token */
    int             has_operator;   /* admin_token_file was given */
    expire_choices  expiry;     /* the offered expiries, parsed once */
    limits          lim;        /* what one client may do (core/limit.h) */
    int             loops;      /* the hot cache budget is split between them */
    app_stats       stats;
} app;

/* What a loop's owner wants to hear of, from any instance: a public paste
 * made; and of a paste it follows (live.h), its new view total or the
 * number viewing it now. */
typedef enum { APP_LIVE_VIEWS, APP_LIVE_VIEWING } app_live_kind;
typedef struct app_listener {
    void (*on_new)(void *arg, const char *json, size_t len);
    void (*on_live)(void *arg, const char *id, app_live_kind kind, int64_t n);
    void  *arg;
} app_listener;

typedef struct app_loop {
    app               *app;
    struct event_base *base;
    struct store_loop *store;
    struct hotcache   *hot;
    penalty_box       *box;     /* clients out of lookups (budget.c) */
    app_listener       listener;
} app_loop;

/* The application over an open store, with `loops` event loops. */
int  app_init(app *a, const config *cfg, struct store *s, int loops, fault *f);

app_loop *app_loop_new(app *a, struct event_base *base, const app_listener *listener);
void      app_loop_drain(app_loop *l);   /* before the loop ends: pending work out */
void      app_loop_free(app_loop *l);

/* Both stores, within a second: each 1 when it answers; why (may be NULL)
 * says what is wrong with MongoDB. */
typedef void (*app_health_cb)(void *arg, int redis_ok, int mongo_ok, const char *why);
void   app_health(app_loop *l, app_health_cb cb, void *arg);
/* What the store did, for /metrics. */
typedef struct app_store_figures {
    unsigned long long reads, inserts, insert_batches, recoveries;
    unsigned long long index_rebuilds, index_rebuilt;
    int    index_rebuilding;    /* the expiry index is being rebuilt (after a Redis loss) */
    long long free_bytes;       /* on the store's disk; -1 not watched */
    int    disk_low;            /* below min_free_space: creates refused */
    size_t queued;              /* MongoDB calls waiting */
    size_t creates_queued;      /* creates waiting for their insert (group commit) */
    int    inserts_in_flight;   /* inserts at the store now: 0 to insert_in_flight */
    int    id_indexed;          /* lookups by _id use an index: 1, 0, -1 unknown */
} app_store_figures;
void app_store_figures_get(const app *a, app_store_figures *out);
/* The cache nodes (cache_nodes; 0 of them: the primary caches). */
typedef struct app_cache_node {
    char               name[64];
    int                up;          /* in the ring; else ejected until a probe answers */
    unsigned long long hits, misses, failures, ejections;
} app_cache_node;
size_t app_cache_nodes(const app *a);
/* The primary Redis now, and the failovers seen since start (Sentinel). */
void   app_redis_primary(const app *a, char *addr, size_t addrlen, unsigned *failovers);
void   app_cache_node_get(const app *a, size_t i, app_cache_node *out);

/* The recent public pastes (Redis only; n may be 0). items are valid only
 * during the call. */
typedef void (*app_list_cb)(void *arg, const paste_summary *items, size_t n);
void app_recent(app_loop *l, size_t max, app_list_cb cb, void *arg);

#endif
