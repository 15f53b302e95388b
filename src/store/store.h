/* store.h - pasted's data behind one handle. See store.c.
 *
 * Redis numbers pastes, caches them, keeps the recent list, the expiry
 * index, the view counters and carries events; MongoDB keeps the pastes and
 * their statistics. The layers above see neither: they call these
 * functions, which name every key (keys.h) and run every command.
 *
 *   store       one per process: where Redis is, the MongoDB handle, and
 *               the thread pool that runs MongoDB calls off the loops.
 *   store_loop  one per event loop: its async Redis connection, its
 *               subscriber, and its batch of raw views.
 *
 * Calls that take a store_loop run on that loop and answer by callback on
 * it, never blocking; a callback may run before the call returns (Redis
 * down, the pool full). Calls that take a store alone block: start-up and
 * the background thread only. Failures follow core/fault.h. */
#ifndef PASTED_STORE_STORE_H
#define PASTED_STORE_STORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/fault.h"
#include "core/ids.h"
#include "core/limit.h"
#include "core/paste.h"
#include "core/stats.h"
#include "core/report.h"
#include "pool.h"

struct event_base;
typedef struct store store;
typedef struct store_loop store_loop;

/* --- the process -------------------------------------------------------- */

/* MongoDB (retried for up to 10 s: it may still be starting), its indexes,
 * and the pool of cfg->mongo_threads; Redis must answer too. NULL with f. */
store *store_open(const config *cfg, fault *f);
/* Stop taking MongoDB work and finish what is queued (results are delivered
 * to the loops, which must still run them: store_loop_drain). */
void   store_stop_jobs(store *s);
void   store_close(store *s);
/* The id permutation's key: the configured id_key, else the secret kept in
 * MongoDB, made on the first start (the first writer wins, so instances
 * sharing the store share the key). */
int    store_load_id_key(store *s, fault *f);
const ids_key *store_ids(const store *s);
/* A key for one purpose ("etag", "blocklist"), derived from the same
 * secret: every instance derives the same one. After store_load_id_key. */
void   store_key(const store *s, const char *purpose, uint8_t out[SHA256_BYTES]);
/* Redis lost its data? Move the counter past every stored number. */
int    store_resync_counter(store *s, fault *f);
size_t store_jobs_queued(store *s);
/* The group commit: creates queued for an insert, inserts at the store (0 to insert_in_flight). */
void   store_creates_pending(store *s, size_t *queued, int *in_flight);

/* What the store did, for /metrics. */
typedef struct store_counts {
    atomic_ullong reads;            /* MongoDB reads of a paste */
    atomic_ullong inserts;          /* pastes inserted */
    atomic_ullong insert_batches;   /* insert commands that carried them */
    atomic_ullong recoveries;       /* counter recoveries */
    atomic_ullong index_rebuilds;   /* expiry index rebuilds finished (expiry.c) */
    atomic_ullong index_rebuilt;    /* pastes the rebuild under way has indexed so far */
    atomic_int    index_rebuilding; /* 1 while one is under way */
} store_counts;
const store_counts *store_counts_of(const store *s);
/* The cache nodes (cache_nodes; none: the primary caches), for /metrics. */
typedef struct cache_node_figures {
    char               name[64];
    int                up;          /* in the ring (else ejected) */
    unsigned long long hits, misses, failures, ejections;
} cache_node_figures;
size_t store_cache_nodes(const store *s);
/* Where the primary Redis is now ("host:port"), and how many times its
 * Sentinels moved it since start (0 without Sentinels). */
void   store_redis_primary(const store *s, char *addr, size_t addrlen, unsigned *failovers);
void   store_cache_node(const store *s, size_t i, cache_node_figures *out);
/* Does MongoDB find a paste by _id from an index? 1, 0 (it scans), -1 unknown. */
int store_id_lookups_indexed(const store *s);
/* Is the store's disk below min_free_space (creates refused)? free_bytes:
 * the last measure, -1 when not watched (no store_data_dir). */
int store_disk_low(const store *s, long long *free_bytes);

/* --- a loop ------------------------------------------------------------- */

/* What a paste's channel says (live.c). */
typedef enum { LIVE_VIEWS, LIVE_VIEWING } live_kind;

typedef struct store_watch {
    void (*on_new)(void *arg, const char *json, size_t len); /* a public paste was made */
    void (*on_gone)(void *arg, const char *id);   /* deleted, burnt or expired anywhere */
    void (*on_resubscribed)(void *arg);           /* events may have been missed */
    /* a paste this loop follows (store_live_watch): its view total or the
     * number viewing it now changed, on any instance */
    void (*on_live)(void *arg, const char *id, live_kind kind, int64_t n);
    void  *arg;
} store_watch;

/* view_batch_ms > 0: raw views are counted in memory and sent every so often. */
store_loop *store_loop_new(store *s, struct event_base *base, const store_watch *watch);
/* Before the loop ends: send the batch of views, run results still due. */
void        store_loop_drain(store_loop *sl);
void        store_loop_free(store_loop *sl);

/* --- pastes ------------------------------------------------------------- */

/* A read. p: a new reference (paste_free it) or NULL. Without p, f says why:
 * FAULT_NOT_FOUND (no such paste: known from the cache, the counter or the
 * store) or FAULT_UNAVAILABLE. `cached` says p came from Redis. */
typedef void (*paste_cb)(void *arg, paste *p, int cached, const fault *f);
/* Redis first; on a miss, the counter (an id above it was never issued),
 * then MongoDB, whose answer is cached (a miss as a short tombstone). */
void store_paste_get(store_loop *sl, const char *id, uint64_t num, paste_cb cb, void *arg);
/* Redis only (a client out of lookups may still read what is cached): on a
 * miss, FAULT_NOT_FOUND with cached 0 (a tombstone: cached 1). */
void store_paste_get_cached(store_loop *sl, const char *id, paste_cb cb, void *arg);

/* Number p (INCR), store it in MongoDB, then cache it and list it where it
 * belongs (recent, expiry). cb's f is NULL on success; then
 * p->num and p->id are set. A number the store already has (Redis lost its
 * counter) moves the counter past the store's and takes the next one.
 * block_key (64 hex, may be NULL): content on the blocklist is refused
 * (FAULT_BLOCKED), asked in the same round trip as the number. */
typedef void (*done_cb)(void *arg, const fault *f);
void store_paste_add(store_loop *sl, paste *p, const char *block_key, done_cb cb, void *arg);
/* Tell every instance's live feed about a new public paste. */
void store_announce(store_loop *sl, const char *json);

/* Delete id when token_hash is its token's: f NULL deleted; FAULT_NOT_FOUND,
 * FAULT_DENIED (wrong token) or FAULT_UNAVAILABLE. Then forgotten everywhere. */
void store_paste_delete(store_loop *sl, const char *id, const char *token_hash,
                        done_cb cb, void *arg);
/* Expired or burnt: forgotten everywhere now, its document removed in the
 * background (the sweep retries a failure). */
void store_paste_remove(store_loop *sl, const char *id);

/* One read of a paste readable `limit` times (burn after reading: 1),
 * claimed across every loop and instance: result 1 won, more reads left;
 * 2 won, the last one (the caller removes the paste); 0 lost (all were
 * taken); -1 Redis did not answer (nobody can prove it was first). The
 * count lives in Redis for ttl seconds (the paste's life, at least a
 * week): a paste read out stays read out while any copy of it may live. */
typedef void (*claim_cb)(void *arg, int result);
void store_claim_view(store_loop *sl, const char *id, int limit, int64_t ttl, claim_cb cb, void *arg);

/* Work that would hold a loop too long (a diff): work(arg) on a thread of
 * its own small pool, then done(arg, ran) on sl's loop (ran 0: it waited
 * too long and did not run). -1 when the queue is full: answer 503. */
int store_offload(store_loop *sl, pool_work_fn work, pool_done_fn done, void *arg);

/* --- a paste's reads by day (stats.c) ------------------------------------- */

/* st: read during the call only; without it, f says why (FAULT_NOT_FOUND,
 * FAULT_UNAVAILABLE). One MongoDB find by _id, on the pool. */
typedef void (*stats_cb)(void *arg, const paste_stats *st, const fault *f);
void store_paste_stats(store_loop *sl, const char *id, stats_cb cb, void *arg);

/* The instance's pastes made and views per day, for the ndays (at most
 * STATS_INSTANCE_DAYS) up to and including today (UTC), oldest first;
 * ok 0 when Redis did not answer (all zeros then). Redis keeps them, a
 * field per day (KEY_DAILY_*): one round trip. */
#define STATS_INSTANCE_DAYS 90
typedef void (*daily_cb)(void *arg, const int64_t *created, const int64_t *views, size_t ndays, int ok);
void store_daily(store_loop *sl, size_t ndays, daily_cb cb, void *arg);

/* --- views -------------------------------------------------------------- */

/* total: the live count, or -1 when Redis cannot say. */
typedef void (*views_cb)(void *arg, int64_t total);
/* Count one view; cb (may be NULL: a raw read, counted in the batch) gets the total. */
void store_views_count(store_loop *sl, const char *id, views_cb cb, void *arg);
void store_views_current(store_loop *sl, const char *id, views_cb cb, void *arg);

/* --- live: one paste's viewers and views (live.c) ------------------------- */

/* Follow a paste's channel on this loop (counted: the first follower
 * subscribes, the last one's unwatch unsubscribes); what it says goes to
 * store_watch.on_live. -1: out of memory. */
int  store_live_watch(store_loop *sl, const char *id);
void store_live_unwatch(store_loop *sl, const char *id);
/* n: how many viewing now, or -1 when Redis cannot say. */
typedef void (*count_cb)(void *arg, int64_t n);
/* A heartbeat of tab (NULL: only count) on paste id: viewers not heard of
 * for window_ms are dropped; a change is announced on the paste's channel.
 * cb may be NULL. */
void store_presence_touch(store_loop *sl, const char *id, const char *tab, int64_t window_ms,
                          count_cb cb, void *arg);
/* tab closed: out at once, and announced. */
void store_presence_leave(store_loop *sl, const char *id, const char *tab);

/* --- lists -------------------------------------------------------------- */

/* items valid only during the call; n may be 0 (also when Redis is down). */
typedef void (*recent_cb)(void *arg, const paste_summary *items, size_t n);
void store_recent(store_loop *sl, size_t max, recent_cb cb, void *arg);

/* --- health ------------------------------------------------------------- */

/* Answers within a second whatever the stores do; why (may be NULL) says
 * what is wrong with MongoDB. */
typedef void (*health_cb)(void *arg, int redis_ok, int mongo_ok, const char *why);
void store_health(store_loop *sl, health_cb cb, void *arg);

/* --- limits per client (limiter.c) ------------------------------------- */

#define LIMIT_CHARGES_MAX 4
typedef struct limit_charge {
    limit_kind  kind;
    rate        rate;       /* the budget: burst per period (quota: per day) */
    uint64_t    cost;
    const char *client;     /* netaddr_key */
} limit_charge;
/* allowed 1; or 0, with the budget that refused and the ms until it would
 * have enough. Redis not answering allows (limiter.c says why). */
typedef void (*store_limit_cb)(void *arg, int allowed, limit_kind refused, int64_t wait_ms);
/* Spend every charge, or none (one atomic script in Redis). */
void store_limit_charge(store_loop *sl, const limit_charge *charges, size_t n, int64_t now_ms,
                        store_limit_cb cb, void *arg);

/* --- moderation (moderation.c) -------------------------------------------- */

/* Keep a report (MongoDB, "reports"). */
void store_report_add(store_loop *sl, const report *r, done_cb cb, void *arg);
/* The newest reports, at most max; items valid during the call only. */
typedef void (*store_reports_cb)(void *arg, const report *items, size_t n, const fault *f);
void store_reports(store_loop *sl, size_t max, store_reports_cb cb, void *arg);
/* The operator's delete: no token; FAULT_NOT_FOUND when there was none.
 * The paste's reports go with it; with block_key (64 hex, may be NULL),
 * its content is blocked first (MongoDB "blocklist", and Redis). */
void store_paste_delete_as_operator(store_loop *sl, const char *id, const char *block_key, done_cb cb, void *arg);
/* At start: the blocklist from MongoDB into Redis (it is small). */
int  store_load_blocklist(store *s, fault *f);

/* --- the background thread (blocking) ----------------------------------- */

void views_flush_start(store *s);             /* claim batches a crashed instance left */
void views_flush_tick(store *s, int tick_ms);  /* a share of the current round */
void views_flush_stop(store *s);               /* drain for a few seconds, then close */
/* Counts each tick writes of a round of `counts` (views.c). */
size_t views_round_quota(long long counts, int flush_ms, int tick_ms);
/* Delete the documents of pastes expired by now_ms that the index lists;
 * how many, or -1 with f. *more: more were due than one round takes. */
long expiry_sweep(store *s, int64_t now_ms, int *more, fault *f);
/* After Redis lost its data (and so the index): put the pastes that expire
 * back on it from MongoDB, a bounded batch per call; the background thread
 * calls it every tick. 1 while more follow, 0 when there is nothing (more) to
 * do, -1 with f (it starts over on a later call). */
int  expiry_rebuild_step(store *s, fault *f);
void expiry_close(store *s);
/* Record the counter in MongoDB when it moved (deleted pastes' numbers
 * must never come back). */
void counter_checkpoint(store *s);
void counter_checkpoint_close(store *s);

#endif
