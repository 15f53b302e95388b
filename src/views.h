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
void views_flush_tick(void);    /* move pending counts to MongoDB */
void views_flush_stop(void);    /* drain everything pending, then close */

#endif
