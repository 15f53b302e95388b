/* views.h - count every view, buffered in Redis, flushed to MongoDB. See views.c. */
#ifndef PASTED_VIEWS_H
#define PASTED_VIEWS_H

#include <stdint.h>

#include "server.h"

/* total: the live view count, or -1 when Redis cannot say. */
typedef void (*views_cb)(void *arg, int64_t total);

/* Per worker: the in-memory batch of raw views and its timer. */
int  views_worker_init(worker *w);
void views_flush_worker(worker *w);  /* send the batch to Redis now */
void views_worker_free(worker *w);

/* Count one view of id; cb (may be NULL) gets the new total. */
void views_count(worker *w, const char *id, views_cb cb, void *arg);
/* Read the live total without counting. */
void views_current(worker *w, const char *id, views_cb cb, void *arg);
/* After a cache fill from MongoDB: make sure Redis' total starts from the stored one. */
void views_seed(worker *w, const char *id, int64_t stored);

/* The flusher: background.c calls these on its thread (blocking is fine). */
void views_flush_start(void);   /* claim batches a crashed instance left */
void views_flush_tick(int tick_ms); /* every background tick: a share of the current round */
/* Counts each tick writes of a round of `counts`: the round spread over
 * three quarters of flush_ms (the rest is slack for a slow store), rounded
 * up to whole bulks; 0 (all at once) when the round is one tick long. */
size_t views_round_quota(long long counts, int flush_ms, int tick_ms);
void views_flush_stop(void);    /* drain everything pending, then close */

#endif
