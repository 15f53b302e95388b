/* monitor.c - is MongoDB answering? Asked on a lane of its own.
 *
 * /healthz must answer within a second, saying what is wrong, even when
 * the store is frozen and every pool thread waits on it. So a thread of its
 * own pings MongoDB every MONITOR_EVERY_MS on its own connection (a handle
 * with a PING_TIMEOUT_MS deadline), and keeps the last answer: health
 * checks read it without any I/O. A frozen store shows as down within
 * about PING_TIMEOUT_MS + MONITOR_EVERY_MS.
 * Once a minute it also asks how the store would find a paste by _id
 * (explain): a store that scans (stock FerretDB on SQLite) makes every read
 * cost the whole collection, which an operator must hear about.
 * Every DISK_CHECK_MS it also looks at the free space where the store keeps
 * its files (store_data_dir, statvfs): below min_free_space, creates are
 * refused with a 507 (app/create.c) before the disk fills and the store
 * fails in worse ways; reads and deletes go on. */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

#define MONITOR_EVERY_MS 250
#define PING_TIMEOUT_MS  700
#define INDEX_CHECK_MS   60000   /* how often the plan of a lookup by _id is asked */
#define DISK_CHECK_MS    5000

struct monitor {
    const config   *cfg;
    mongo_store    *mongo;      /* NULL until a connection was made */
    pthread_t       thread;
    pthread_mutex_t lock;
    pthread_cond_t  wake;
    int             stopping;
    int             ok;
    int64_t         since_ms;   /* when ok last changed */
    atomic_int      indexed;    /* lookups by _id use an index: 1, 0, -1 unknown */
    int64_t         next_index_check;
    int64_t         next_disk_check;
    atomic_llong    free_bytes;     /* where the store keeps its files; -1 unknown */
    atomic_int      disk_low;       /* below min_free_space */
    char            why[FAULT_MESSAGE_MAX];
};

static void record(monitor *m, int ok, const char *why)
{
    pthread_mutex_lock(&m->lock);
    if (ok != m->ok)
        m->since_ms = now_ms();
    m->ok = ok;
    snprintf(m->why, sizeof m->why, "%s", why);
    pthread_mutex_unlock(&m->lock);
}

static void ping_once(monitor *m)
{
    fault f = { 0 };
    if (!m->mongo)
        m->mongo = mongo_open(m->cfg, PING_TIMEOUT_MS, 0, &f);
    int ok = m->mongo && mongo_ping(m->mongo, &f) == 0;
    record(m, ok, ok ? "" : f.message);
    if (ok && now_ms() >= m->next_index_check) {
        /* a store that scans for _id makes every read cost the whole collection */
        int indexed = mongo_id_lookups_indexed(m->mongo);
        if (indexed == 0 && atomic_load(&m->indexed) != 0)
            log_warn("store: lookups by _id scan the whole collection (a stock FerretDB 1.x on "
                     "SQLite misses its own _id index; .tools/deps.sh builds it with the fix; see README)");
        atomic_store(&m->indexed, indexed);
        /* a scanning store is asked again sooner: an operator may be swapping it */
        m->next_index_check = now_ms() + (indexed == 1 ? INDEX_CHECK_MS : INDEX_CHECK_MS / 12);
    }
}

static void check_disk(monitor *m)
{
    if (!m->cfg->store_data_dir[0] || now_ms() < m->next_disk_check)
        return;
    m->next_disk_check = now_ms() + DISK_CHECK_MS;
    struct statvfs v;
    if (statvfs(m->cfg->store_data_dir, &v) != 0)
        return;
    long long free_bytes = (long long)v.f_bavail * (long long)v.f_frsize;
    int low = free_bytes < (long long)m->cfg->min_free_space;
    if (low != atomic_load(&m->disk_low)) {
        if (low)
            log_error("store: %lld MB free under %s, below min_free_space: creates are refused (507)",
                      free_bytes >> 20, m->cfg->store_data_dir);
        else
            log_warn("store: %lld MB free again: creates are taken", free_bytes >> 20);
    }
    atomic_store(&m->free_bytes, free_bytes);
    atomic_store(&m->disk_low, low);
}

static void *monitor_main(void *arg)
{
    monitor *m = arg;
    pthread_mutex_lock(&m->lock);
    while (!m->stopping) {
        pthread_mutex_unlock(&m->lock);
        ping_once(m);
        check_disk(m);
        pthread_mutex_lock(&m->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += MONITOR_EVERY_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (!m->stopping)
            pthread_cond_timedwait(&m->wake, &m->lock, &until);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

monitor *monitor_start(const config *cfg, fault *f)
{
    monitor *m = calloc(1, sizeof *m);
    if (!m) {
        fault_no_memory(f);
        return NULL;
    }
    m->cfg = cfg;
    m->ok = 1;              /* the store answered at start-up */
    atomic_init(&m->indexed, -1);
    atomic_init(&m->free_bytes, -1);
    check_disk(m);          /* known before the first create */
    m->since_ms = now_ms();
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->wake, NULL);
    if (pthread_create(&m->thread, NULL, monitor_main, m) != 0) {
        fault_set(f, FAULT_UNAVAILABLE, NULL, "cannot start the store monitor: %s", strerror(errno));
        free(m);
        return NULL;
    }
    return m;
}

void monitor_stop(monitor *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->stopping = 1;
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    mongo_close(m->mongo);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->wake);
    free(m);
}

int monitor_disk_low(monitor *m, long long *free_bytes)
{
    if (free_bytes)
        *free_bytes = atomic_load(&m->free_bytes);
    return atomic_load(&m->disk_low);
}

int monitor_id_lookups_indexed(monitor *m)
{
    return atomic_load(&m->indexed);
}

int monitor_mongo_ok(monitor *m, char *why, size_t whylen)
{
    pthread_mutex_lock(&m->lock);
    int ok = m->ok;
    if (!ok)
        snprintf(why, whylen, "no answer for %.1f s (%s)", (double)(now_ms() - m->since_ms) / 1000,
                 m->why);
    pthread_mutex_unlock(&m->lock);
    return ok;
}
