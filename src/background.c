/* background.c - the one thread for periodic housekeeping.
 *
 * Three jobs, none of which may run on a worker's event loop because they
 * block on MongoDB (and on Redis' blocking API):
 *   - every view_flush_ms: move buffered view counts to MongoDB (views.c);
 *   - every sweep_interval: delete expired pastes from MongoDB. Reads check
 *     expiry themselves, and cache and recent-list entries expire in Redis
 *     with the paste, so the sweep only reclaims storage;
 *   - every tick: record the paste counter in MongoDB (counter.c).
 * On shutdown the thread is woken, the flusher drains, and it exits. */
#include "background.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "counter.h"
#include "http.h"
#include "log.h"
#include "store_mongo.h"
#include "views.h"

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int stopping, running;

static void sweep_expired(void)
{
    char err[256];
    long n = mongo_store_sweep(now_ms(), err, sizeof err);
    if (n < 0)
        log_warn("sweep: %s", err);
    else if (n > 0)
        log_info("sweep: deleted %ld expired pastes", n);
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
    views_flush_start();
    int64_t next_sweep = now_ms();
    pthread_mutex_lock(&lock);
    while (!stopping) {
        struct timespec until = after_ms(srv.cfg.view_flush_ms);
        pthread_cond_timedwait(&wake, &lock, &until);
        if (stopping)
            break;
        pthread_mutex_unlock(&lock);
        views_flush_tick();
        counter_checkpoint();
        if (now_ms() >= next_sweep) {
            sweep_expired();
            next_sweep = now_ms() + (int64_t)srv.cfg.sweep_interval * 1000;
        }
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    views_flush_stop();
    counter_checkpoint_close();
    return NULL;
}

int background_start(char *err, size_t errlen)
{
    if (pthread_create(&thread, NULL, background_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the background thread: %s", strerror(errno));
        return -1;
    }
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
