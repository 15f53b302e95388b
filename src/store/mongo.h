/* mongo.h - paste bodies and view statistics in MongoDB. See mongo.c.
 * Every function here blocks: call them from pool threads (jobs.c), the
 * background thread or start-up. Failures follow core/fault.h; the store
 * not answering is FAULT_UNAVAILABLE. */
#ifndef PASTED_STORE_MONGO_H
#define PASTED_STORE_MONGO_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/fault.h"
#include "core/paste.h"
#include "core/stats.h"
#include "store.h"

typedef struct mongo_store mongo_store;

typedef struct view_delta {
    const char *id;     /* public id */
    const char *day;    /* "YYYY-MM-DD" (UTC) */
    int64_t     count;
} view_delta;

/* Connect and ping (each call fails after timeout_ms unless the URI says
 * otherwise), and create the indexes if asked. NULL with f. Handles are
 * independent: the store keeps one per lane (requests, background work,
 * the health monitor), so a slow lane never takes another's connections. */
mongo_store *mongo_open(const config *cfg, int timeout_ms, int make_indexes, fault *f);
void mongo_close(mongo_store *m);
void mongo_shutdown(void);
/* Does the server answer a lookup by _id from an index (its explain says
 * so)? 1 yes, 0 it scans the collection, -1 cannot tell. Stock FerretDB
 * v1.24 on SQLite scans (its filter and its _id index use different
 * expressions); the build .tools/deps.sh makes uses its _id index. */
int  mongo_id_lookups_indexed(mongo_store *m);   /* after the last mongo_close: the driver's own state */
/* Hear every command this handle sends (its name and body), on the thread
 * that sends it. Set it before the first call, once. Tests use it to prove
 * the shape of each query (by _id); it costs nothing when unset. */
struct _bson_t;
typedef void (*mongo_watch_fn)(void *arg, const char *command, const struct _bson_t *body);
void mongo_watch(mongo_store *m, mongo_watch_fn fn, void *arg);
int  mongo_ping(mongo_store *m, fault *f);

/* The ID permutation's secret: read it, or create it on first start. The first
 * writer wins, so every instance sharing the database shares the key. */
int  mongo_id_secret(mongo_store *m, uint8_t secret[32], fault *f);

/* Store p: 0, or -1 with FAULT_EXISTS when its number or id is taken (a
 * counter behind the store) or FAULT_UNAVAILABLE. */
int  mongo_insert(mongo_store *m, const paste *p, fault *f);
/* Store the n pastes in one unordered insert. result[i] says how paste i
 * fared: FAULT_NONE stored, FAULT_EXISTS its number is taken, else
 * FAULT_UNAVAILABLE. -1 with f when the command itself failed (every
 * result FAULT_UNAVAILABLE); a failure of some documents is 0. */
int  mongo_insert_many(mongo_store *m, const paste *const *ps, size_t n, fault_kind *result, fault *f);
/* The counter floor: numbers up to it have been handed out (recorded every
 * second by counter.c; deleted pastes' numbers must not come back). One
 * document, read by _id. */
int  mongo_counter_floor(mongo_store *m, int64_t *out, fault *f);
/* Record that numbers up to n have been handed out ($max, upsert). */
int  mongo_raise_floor(mongo_store *m, int64_t n, fault *f);
/* 0 with *out (a new paste), or -1 with FAULT_NOT_FOUND or FAULT_UNAVAILABLE. */
/* A paste's reads (views, last_view, days.*), by _id: 0, or -1 with
 * FAULT_NOT_FOUND or what the store said. */
int  mongo_paste_stats(mongo_store *m, const char *id, paste_stats *out, fault *f);
int  mongo_find(mongo_store *m, const char *id, paste **out, fault *f);
/* Delete when token_hash matches (read by _id, compared in constant time,
 * deleted by _id): 0 deleted, or -1 with FAULT_NOT_FOUND, FAULT_DENIED
 * (wrong token) or FAULT_UNAVAILABLE. */
int  mongo_delete(mongo_store *m, const char *id, const char *token_hash, fault *f);
/* Delete unconditionally (burned or expired). */
int  mongo_remove(mongo_store *m, const char *id, fault *f);
/* The same, for the operator: FAULT_NOT_FOUND when there was nothing. */
int  mongo_remove_existing(mongo_store *m, const char *id, fault *f);
/* Moderation (collections "reports" and "blocklist"; see mongo.c). */
int  mongo_report_add(mongo_store *m, const report *r, fault *f);
long mongo_reports(mongo_store *m, report *out, size_t max, fault *f);   /* newest first */
int  mongo_reports_forget(mongo_store *m, const char *paste_id, fault *f);
int  mongo_block(mongo_store *m, const char *key_hex, int64_t now_ms, fault *f);
long mongo_blocklist(mongo_store *m, char (*out)[SHA256_HEX + 1], size_t max, fault *f);
/* Delete these pastes (their expiry passed: expiry.c), one bulk by _id;
 * *deleted says how many existed. */
int  mongo_remove_ids(mongo_store *m, const char *const *ids, size_t n, int64_t *deleted, fault *f);
/* Every paste that expires, as (id, expiry), a batch at a time: how the
 * expiry index is rebuilt after Redis lost it. One query (a scan on
 * FerretDB), read at the caller's pace. mongo_walk_next fills out with up to
 * max entries: 1 while more may follow, 0 at the end, -1 with f. */
typedef struct mongo_walk mongo_walk;
typedef struct {
    char    id[64];
    int64_t expires_ms;
} mongo_expiring;
mongo_walk *mongo_walk_expiring(mongo_store *m, size_t batch, fault *f);
int  mongo_walk_next(mongo_walk *w, mongo_expiring *out, size_t max, size_t *got, fault *f);
void mongo_walk_close(mongo_walk *w);
int  mongo_add_views(mongo_store *m, const view_delta *d, size_t n, int64_t now_ms, fault *f);

#endif
