/* background.c - the one thread for periodic housekeeping.
 *
 * Four jobs, none of which may run on a worker's event loop because they
 * block on MongoDB (and on Redis' blocking API). The thread ticks every
 * second (every view_flush_ms if that is shorter):
 *   - each tick: a share of the current round of view counts goes to
 *     MongoDB, a round every view_flush_ms (store/views.c);
 *   - every sweep_interval: delete expired pastes from MongoDB. Reads check
 *     expiry themselves, and cache and recent-list entries expire in Redis
 *     with the paste, so the sweep only reclaims storage. It deletes the ids
 *     the expiry index lists as due (store/expiry.c: no scan of the store),
 *     and comes back at once while more are due;
 *   - each tick, only after Redis was found to have lost its data (and the
 *     expiry index with it): a bounded batch of the index's rebuild from
 *     MongoDB, the one job that reads every document;
 *   - every tick: record the paste counter in MongoDB (store/counter.c).
 * On shutdown the thread is woken, the flusher drains, and it exits. */
#include "background.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "server.h"

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int stopping, running;

#define TICK_MS 1000

/* One step of the expiry index's rebuild, if Redis lost it. */
static void rebuild_index(void)
{
    fault f;
    if (expiry_rebuild_step(srv.store, &f) < 0)
        log_warn("expiry index rebuild: %s (starting over)", f.message);
}

/* One round over the expiry index; 1 when more ids were due than it took. */
static int sweep_indexed(void)
{
    fault f;
    int more = 0;
    long n = expiry_sweep(srv.store, now_ms(), &more, &f);
    if (n < 0)
        log_warn("sweep: %s", f.message);
    else if (n > 0)
        log_info("sweep: deleted %ld expired pastes", n);
    return n >= 0 && more;
}

static struct timespec after_ms(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    long ns = t.tv_nsec + (ms % 1000) * 1000000L;
    t.tv_sec += ms / 1000 + ns / 1000000000L;
    t.tv_nsec = ns % 1000000000L;
    return t;
}

static void *background_main(void *arg)
{
    (void)arg;
    views_flush_start(srv.store);
    int64_t next_sweep = now_ms();
    pthread_mutex_lock(&lock);
    int tick_ms = srv.cfg.view_flush_ms < TICK_MS ? srv.cfg.view_flush_ms : TICK_MS;
    while (!stopping) {
        struct timespec until = after_ms(tick_ms);
        pthread_cond_timedwait(&wake, &lock, &until);
        if (stopping)
            break;
        pthread_mutex_unlock(&lock);
        views_flush_tick(srv.store, tick_ms);
        counter_checkpoint(srv.store);
        rebuild_index();
        if (now_ms() >= next_sweep) {
            int more = sweep_indexed();
            /* a backlog (many pastes expiring at once) goes at the pace of
             * the view flusher's ticks, not one round per sweep_interval */
            next_sweep = more ? now_ms() : now_ms() + (int64_t)srv.cfg.sweep_interval * 1000;
        }
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    views_flush_stop(srv.store);
    counter_checkpoint_close(srv.store);
    expiry_close(srv.store);
    return NULL;
}

int background_start(fault *f)
{
    if (pthread_create(&thread, NULL, background_main, NULL) != 0)
        return fault_set(f, FAULT_UNAVAILABLE, NULL, "cannot start the background thread: %s",
                         strerror(errno));
    running = 1;
    return 0;
}

void background_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    running = 0;
}
