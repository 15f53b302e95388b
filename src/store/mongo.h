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

typedef struct mongo_store mongo_store;

typedef struct view_delta {
    const char *id;     /* public id */
    const char *day;    /* "YYYY-MM-DD" (UTC) */
    int64_t     count;
} view_delta;

/* Connect, ping, and create the indexes. NULL with f. */
mongo_store *mongo_open(const config *cfg, fault *f);
void mongo_close(mongo_store *m);
int  mongo_ping(mongo_store *m, fault *f);

/* The ID permutation's secret: read it, or create it on first start. The first
 * writer wins, so every instance sharing the database shares the key. */
int  mongo_id_secret(mongo_store *m, uint8_t secret[32], fault *f);

/* Store p: 0, or -1 with FAULT_EXISTS when its number or id is taken (a
 * counter behind the store) or FAULT_UNAVAILABLE. */
int  mongo_insert(mongo_store *m, const paste *p, fault *f);
/* The highest paste number ever handed out, as far as MongoDB knows: the
 * highest stored _id, or the recorded floor if higher (deleted pastes'
 * numbers must not come back). */
int  mongo_max_num(mongo_store *m, int64_t *out, fault *f);
/* Record that numbers up to n have been handed out ($max, upsert). */
int  mongo_raise_floor(mongo_store *m, int64_t n, fault *f);
/* 0 with *out (a new paste), or -1 with FAULT_NOT_FOUND or FAULT_UNAVAILABLE. */
int  mongo_find(mongo_store *m, const char *id, paste **out, fault *f);
/* Delete when token_hash matches: 0 deleted, or -1 with FAULT_NOT_FOUND,
 * FAULT_DENIED (wrong token) or FAULT_UNAVAILABLE. */
int  mongo_delete(mongo_store *m, const char *id, const char *token_hash, fault *f);
/* Delete unconditionally (burned or expired). */
int  mongo_remove(mongo_store *m, const char *id, fault *f);
/* Delete these pastes (their expiry passed: expiry.c), one bulk by _id;
 * *deleted says how many existed. */
int  mongo_remove_ids(mongo_store *m, const char *const *ids, size_t n, int64_t *deleted, fault *f);
/* Delete every paste whose expiry has passed, by a query on "expires" (a
 * full scan on FerretDB); how many, or -1 with f. */
long mongo_sweep(mongo_store *m, int64_t now_ms, fault *f);
int  mongo_add_views(mongo_store *m, const view_delta *d, size_t n, int64_t now_ms, fault *f);

#endif
