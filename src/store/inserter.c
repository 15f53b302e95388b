/* inserter.c - group commit: concurrent creates go to MongoDB together.
 *
 * One insert command per paste costs the store a round trip, a statement
 * and (on FerretDB) a transaction each; batched, the same documents go in
 * about ten times faster. So a create that has its number does not insert
 * by itself: it queues here (inserter_submit, on its loop), and the
 * committer takes what is queued, waiting at most insert_window_us
 * for more, up to insert_batch, and sends them as one unordered
 * insert_many. At most insert_in_flight inserts are at the store at once
 * (default 1), and one committer more than that waits its turn. FerretDB
 * writes one transaction at a time (SQLite): a second insert overlaps
 * only the first one's decoding and its reply, and many wait in SQLite's
 * busy handler, which sleeps in steps of 1, 2, 5, 10 ms, idling the store
 * (tests/bench/mongo_insert alone: 2 inserts in flight store a tenth to
 * a quarter more than 1, 4 or 64 no more than 1). Where the store shares the
 * machine's cores with pasted, that overlap has no core to run on, so 1
 * is the default; a store with cores of its own (or mongod, which writes
 * documents concurrently) takes 2 or more. A turn passes the moment the
 * store answers: the waiting committer takes everything queued meanwhile
 * and sends it while the first one wakes its creates' loops. So the store
 * is never idle while creates wait, whatever the loops and clients are
 * doing, and under load the clients fall into cohorts that alternate. The
 * window (insert_window_us) only holds a batch while a turn is free: a
 * create arriving alone waits that long for company.
 * Each create is answered on its own loop (an event
 * made when it queued) only after the reply says its own document is
 * stored: a document whose number is taken (Redis lost its counter) is
 * renumbered and inserted alone, and a failure of one fails only that one.
 * A create that waited in the queue past store_timeout_ms is not sent at
 * all (the store is stuck; its client gets a 503 now). The committer is a
 * lane of its own: reads and deletes on the pool never wait behind a
 * batch. */
#include "state.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"

#define BATCH_LIMIT 1000

struct inserter {
    store          *s;
    pthread_mutex_t lock;
    pthread_cond_t  wake;
    insert_req     *head, *tail;
    size_t          queued;
    size_t          batch;
    uint64_t        window_ns, max_wait_ns;
    int             in_flight;      /* inserts at the store now */
    int             max_in_flight;
    int             stopping;
    int             threads;
    pthread_t       thread[INSERT_IN_FLIGHT_MAX + 1];
};

static void request_finished(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    insert_req *r = arg;
    event_free(r->finished);
    r->finished = NULL;
    r->done(r, r->ran);
}

/* The counter went back, or r's number is taken: recover and renumber it. */
static int renumber(store *s, insert_req *r)
{
    if (counter_recover(s, r->p->num, &r->p->num, &r->f) != 0)
        return -1;
    if (!ids_is_secret(r->p->id, strlen(r->p->id)))
        ids_encode(&s->ids, r->p->num, r->p->id);
    r->renumber = 0;
    return 0;
}

/* A paste the batch could not store because its number is taken: alone. */
static void insert_alone(store *s, insert_req *r)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        if (renumber(s, r) != 0)
            break;
        r->rc = mongo_insert(s->mongo, r->p, &r->f);
        if (r->rc == 0 || r->f.kind != FAULT_EXISTS)
            return;
    }
    r->rc = -1;
}

/* The store answered: a waiting committer may send what queued meanwhile. */
static void pass_turn(inserter *in)
{
    pthread_mutex_lock(&in->lock);
    in->in_flight--;
    if (in->head)
        pthread_cond_broadcast(&in->wake);
    pthread_mutex_unlock(&in->lock);
}

static void commit(inserter *in, insert_req **reqs, size_t n)
{
    store *s = in->s;
    const paste *ps[BATCH_LIMIT];
    fault_kind result[BATCH_LIMIT];
    insert_req *sent[BATCH_LIMIT];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        insert_req *r = reqs[i];
        r->rc = -1;
        r->ran = !in->max_wait_ns || now_ns() - r->queued_ns <= in->max_wait_ns;
        if (!r->ran || (r->renumber && renumber(s, r) != 0))
            continue;
        ps[k] = r->p;
        sent[k++] = r;
    }
    fault f = { 0 };
    if (k > 0) {
        mongo_insert_many(s->mongo, ps, k, result, &f);
        atomic_fetch_add_explicit(&s->counts.insert_batches, 1, memory_order_relaxed);
    }
    for (size_t i = 0; i < k; i++) {
        insert_req *r = sent[i];
        if (result[i] == FAULT_NONE)
            r->rc = 0;
        else if (result[i] == FAULT_EXISTS)
            insert_alone(s, r);
        else
            fault_set(&r->f, FAULT_UNAVAILABLE, NULL, "insert: %s", f.kind ? f.message : "refused");
        if (r->rc == 0)
            atomic_fetch_add_explicit(&s->counts.inserts, 1, memory_order_relaxed);
    }
    pass_turn(in);
    for (size_t i = 0; i < n; i++)
        event_active(reqs[i]->finished, EV_READ, 0);
}

static struct timespec at_ns(uint64_t mono_ns)
{
    /* pthread_cond_timedwait takes CLOCK_REALTIME: convert the deadline */
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    uint64_t now = now_ns();
    uint64_t wait = mono_ns > now ? mono_ns - now : 0;
    uint64_t ns = (uint64_t)t.tv_nsec + wait % 1000000000u;
    t.tv_sec += (time_t)(wait / 1000000000u + ns / 1000000000u);
    t.tv_nsec = (long)(ns % 1000000000u);
    return t;
}

/* Wait for work and the turn, then (the store idle) for the window to
 * fill; the batch taken, with the turn, or 0 to stop. */
static size_t take_batch(inserter *in, insert_req **reqs)
{
    pthread_mutex_lock(&in->lock);
    for (;;) {
        if (!in->head && in->stopping)
            break;
        if (!in->head || in->in_flight >= in->max_in_flight) {
            pthread_cond_wait(&in->wake, &in->lock);
            continue;
        }
        if (in->queued >= in->batch || in->stopping)
            break;
        uint64_t until = in->head->queued_ns + in->window_ns;
        if (now_ns() >= until)
            break;
        struct timespec t = at_ns(until);
        pthread_cond_timedwait(&in->wake, &in->lock, &t);
    }
    size_t n = 0;
    while (in->head && n < in->batch) {
        insert_req *r = in->head;
        in->head = r->next;
        reqs[n++] = r;
    }
    if (!in->head)
        in->tail = NULL;
    in->queued -= n;
    if (n > 0)
        in->in_flight++;
    pthread_mutex_unlock(&in->lock);
    return n;
}

static void *committer_main(void *arg)
{
    inserter *in = arg;
    insert_req *reqs[BATCH_LIMIT];
    size_t n;
    while ((n = take_batch(in, reqs)) > 0)
        commit(in, reqs, n);
    return NULL;
}

inserter *inserter_start(store *s, fault *f)
{
    inserter *in = calloc(1, sizeof *in);
    if (!in) {
        fault_no_memory(f);
        return NULL;
    }
    in->s = s;
    in->batch = (size_t)s->cfg.insert_batch;
    if (in->batch > BATCH_LIMIT)
        in->batch = BATCH_LIMIT;
    in->max_in_flight = s->cfg.insert_in_flight;
    if (in->max_in_flight < 1 || in->max_in_flight > INSERT_IN_FLIGHT_MAX)
        in->max_in_flight = 1;
    in->window_ns = (uint64_t)s->cfg.insert_window_us * 1000u;
    in->max_wait_ns = (uint64_t)s->cfg.store_timeout_ms * 1000000u;
    pthread_mutex_init(&in->lock, NULL);
    pthread_cond_init(&in->wake, NULL);
    int err = 0;   /* pthread_create returns its error; errno is not set */
    for (int i = 0; i < in->max_in_flight + 1; i++) {
        if ((err = pthread_create(&in->thread[i], NULL, committer_main, in)) != 0)
            break;
        in->threads++;
    }
    if (in->threads == 0) {
        fault_set(f, FAULT_UNAVAILABLE, NULL, "cannot start the inserter: %s", strerror(err));
        inserter_stop(in);
        return NULL;
    }
    if (in->threads < in->max_in_flight + 1)
        log_warn("inserter: %d of %d committers started (%s): fewer inserts at the store at once",
                 in->threads, in->max_in_flight + 1, strerror(err));
    return in;
}

int inserter_submit(inserter *in, struct event_base *base, insert_req *r)
{
    if (!in)
        return -1;   /* stopping */
    r->finished = event_new(base, -1, 0, request_finished, r);
    if (!r->finished)
        return -1;
    r->queued_ns = now_ns();
    r->next = NULL;
    pthread_mutex_lock(&in->lock);
    if (in->stopping) {
        pthread_mutex_unlock(&in->lock);
        event_free(r->finished);
        r->finished = NULL;
        return -1;
    }
    if (in->tail)
        in->tail->next = r;
    else
        in->head = r;
    in->tail = r;
    in->queued++;
    /* wake a committer at the first of a batch, and when a batch is full */
    if (in->queued == 1 || in->queued >= in->batch)
        pthread_cond_signal(&in->wake);
    pthread_mutex_unlock(&in->lock);
    return 0;
}

void inserter_depth(inserter *in, size_t *queued, int *in_flight)
{
    *queued = 0;
    *in_flight = 0;
    if (!in)
        return;
    pthread_mutex_lock(&in->lock);
    *queued = in->queued;
    *in_flight = in->in_flight;
    pthread_mutex_unlock(&in->lock);
}

void inserter_stop(inserter *in)
{
    if (!in)
        return;
    pthread_mutex_lock(&in->lock);
    in->stopping = 1;
    pthread_cond_broadcast(&in->wake);
    pthread_mutex_unlock(&in->lock);
    /* committers send what is queued before they go: those creates were
     * numbered, and their clients are still waiting */
    for (int i = 0; i < in->threads; i++)
        pthread_join(in->thread[i], NULL);
    pthread_mutex_destroy(&in->lock);
    pthread_cond_destroy(&in->wake);
    free(in);
}
