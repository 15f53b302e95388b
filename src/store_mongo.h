/* store_mongo.h - paste bodies and view statistics in MongoDB. See store_mongo.c.
 * Every function here blocks: call them from pool threads (or at start-up). */
#ifndef PASTED_STORE_MONGO_H
#define PASTED_STORE_MONGO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "paste.h"

typedef struct view_delta {
    const char *id;     /* public id */
    const char *day;    /* "YYYY-MM-DD" (UTC) */
    int64_t     count;
} view_delta;

int  mongo_store_open(const config *cfg, char *err, size_t errlen);
void mongo_store_close(void);
int  mongo_store_ping(char *err, size_t errlen);

/* The ID permutation's secret: read it, or create it on first start. The first
 * writer wins, so every instance sharing the database shares the key. */
int  mongo_store_id_secret(uint8_t secret[32], char *err, size_t errlen);

/* 0 stored, -2 the number or id exists already (a counter behind the store), -1 error */
int  mongo_store_insert(const paste *p, char *err, size_t errlen);
/* The highest paste number ever handed out, as far as MongoDB knows: the
 * highest stored _id, or the recorded floor if higher (deleted pastes'
 * numbers must not come back). 0 ok, -1 error. */
int  mongo_store_max_num(int64_t *out, char *err, size_t errlen);
/* Record that numbers up to n have been handed out ($max, upsert). */
int  mongo_store_raise_floor(int64_t n, char *err, size_t errlen);
/* 1 found (*out set), 0 no such paste, -1 store error */
int  mongo_store_find(const char *id, paste **out, char *err, size_t errlen);
/* Delete when token_hash matches: 1 deleted, 0 no such paste, -2 wrong token, -1 error. */
int  mongo_store_delete(const char *id, const char *token_hash, char *err, size_t errlen);
/* Delete unconditionally (burned or expired): 0 ok, -1 error. */
int  mongo_store_remove(const char *id, char *err, size_t errlen);
/* Delete these pastes (their expiry passed: expiry.c), one bulk by _id;
 * *deleted says how many existed. 0 ok, -1 error. */
int  mongo_store_remove_ids(const char *const *ids, size_t n, int64_t *deleted, char *err, size_t errlen);
/* Delete every paste whose expiry has passed, by a query on "expires" (a
 * full scan on FerretDB); returns how many, -1 on error. */
long mongo_store_sweep(int64_t now_ms, char *err, size_t errlen);
int  mongo_store_add_views(const view_delta *d, size_t n, int64_t now_ms, char *err, size_t errlen);

#endif
