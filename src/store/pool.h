/* pool.h - run blocking work off the event loops. See pool.c. */
#ifndef PASTED_STORE_POOL_H
#define PASTED_STORE_POOL_H

struct event_base;

typedef struct pool pool;
typedef void (*pool_work_fn)(void *arg); /* runs on a pool thread; may block */
/* Runs afterwards on the submitting loop; ran is 0 when the job waited in
 * the queue past max_wait_ms and work was skipped (the store is stuck: the
 * caller answers 503 rather than keep its client waiting). */
typedef void (*pool_done_fn)(void *arg, int ran);

pool *pool_new(int threads, int max_queued, int max_wait_ms);
/* Queue work; done(arg, ran) later runs on base's loop thread. Returns -1
 * when the queue is full (the store is too slow: the caller answers 503). */
int  pool_submit(pool *p, struct event_base *base, pool_work_fn work, pool_done_fn done, void *arg);
int  pool_queued(pool *p);
void pool_free(pool *p); /* waits for queued work to finish */

#endif
