/* pool.c - a small thread pool for blocking MongoDB work.
 *
 * An event loop must never wait on a network round trip, and mongo-c-driver
 * only blocks. So a handler packages its MongoDB call as a job: pool_submit()
 * (on the loop thread) creates a one-shot libevent event on that loop and
 * queues the job; a pool thread runs work(arg), then activates the event,
 * which makes the loop call done(arg) on its own thread. The handler's state
 * is therefore only ever touched by one thread at a time, without locks.
 * event_active() from another thread is safe because main() turned on
 * libevent's pthread support before creating any event_base.
 * A job that waited in the queue longer than max_wait_ms is not run: its
 * client has waited long enough (a stuck store), and running it would only
 * make the queue behind it longer. done() hears so and answers 503. */
#include "pool.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/clock.h"

typedef struct job {
    pool_work_fn work;
    pool_done_fn done;
    void *arg;
    uint64_t queued_ns;
    int ran;
    struct event *finished;
    struct job *next;
} job;

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t  wake;
    job *head, *tail;
    int queued, max_queued;
    uint64_t max_wait_ns;
    int stopping;
    int nthreads;
    pthread_t *threads;
};

static void job_finished(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    job *j = arg;
    event_free(j->finished);
    j->done(j->arg, j->ran);
    free(j);
}

static job *next_job(pool *p)
{
    pthread_mutex_lock(&p->lock);
    while (!p->head && !p->stopping)
        pthread_cond_wait(&p->wake, &p->lock);
    job *j = p->head;
    if (j) {
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
    }
    pthread_mutex_unlock(&p->lock);
    return j;
}

static void *pool_thread(void *arg)
{
    pool *p = arg;
    job *j;
    while ((j = next_job(p)) != NULL) {
        j->ran = !p->max_wait_ns || now_ns() - j->queued_ns <= p->max_wait_ns;
        if (j->ran)
            j->work(j->arg);
        event_active(j->finished, EV_READ, 0);
    }
    return NULL;
}

pool *pool_new(int threads, int max_queued, int max_wait_ms)
{
    pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->max_queued = max_queued;
    p->max_wait_ns = (uint64_t)(max_wait_ms > 0 ? max_wait_ms : 0) * 1000000u;
    p->threads = calloc((size_t)threads, sizeof *p->threads);
    if (!p->threads) {
        free(p);
        return NULL;
    }
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, pool_thread, p) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads == 0) {
        free(p->threads);
        free(p);
        return NULL;
    }
    return p;
}

int pool_submit(pool *p, struct event_base *base, pool_work_fn work, pool_done_fn done, void *arg)
{
    if (!p)
        return -1; /* shutting down */
    job *j = calloc(1, sizeof *j);
    if (!j)
        return -1;
    j->work = work;
    j->done = done;
    j->arg = arg;
    j->queued_ns = now_ns();
    j->finished = event_new(base, -1, 0, job_finished, j);
    if (!j->finished) {
        free(j);
        return -1;
    }
    pthread_mutex_lock(&p->lock);
    if (p->queued >= p->max_queued || p->stopping) {
        pthread_mutex_unlock(&p->lock);
        event_free(j->finished);
        free(j);
        return -1;
    }
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->queued++;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

int pool_queued(pool *p)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    int n = p->queued;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void pool_free(pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p->threads);
    free(p);
}
