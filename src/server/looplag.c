/* looplag.c - how late each worker's event loop runs.
 *
 * Every request on a worker waits for whatever that worker's loop is doing,
 * so a loop that is busy (a long callback) or a thread that is not running
 * (descheduled by the kernel) shows up in every client's latency. To tell
 * the two apart from a slow client or a slow network, each worker arms a
 * one-shot timer LAG_TICK_MS ahead; when it fires, how late it fired is one
 * sample of the loop's lag. Any stall longer than a tick is seen, whatever
 * the load.
 *
 * A late tick has two possible causes, and they call for different fixes:
 * the loop was busy in pasted's own code, or the thread was ready to run
 * but waited for a CPU. The kernel counts the second for each thread
 * (/proc/thread-self/schedstat, its second field: ns spent runnable but not
 * running), so each tick also reads that, and a tick more than STALL_US late
 * is counted as a stall, "descheduled" when at least half of its lateness
 * was time on the run queue, else "busy" ("unknown" where the kernel does
 * not say).
 *
 * Samples go into one process-wide histogram of relaxed atomic counters
 * (workers only add, /metrics only reads), printed by /metrics as the
 * Prometheus histogram pasted_loop_lag_seconds, the worst lag seen
 * (pasted_loop_lag_max_seconds), the stalls by cause
 * (pasted_loop_stalls_total) and the workers' total run-queue wait
 * (pasted_worker_runqueue_wait_seconds_total). */
#include "looplag.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>


#define LAG_TICK_MS 20
#define STALL_US    10000

/* upper bounds of the buckets, in microseconds; one more bucket is +Inf */
static const long bucket_us[] = { 1000, 2000, 5000, 10000, 20000, 50000,
                                  100000, 200000, 500000, 1000000 };
#define N_BUCKETS (sizeof bucket_us / sizeof bucket_us[0])

static atomic_ullong bucket_count[N_BUCKETS + 1];
static atomic_ullong samples;
static atomic_ullong lag_sum_us;
static atomic_ullong lag_max_us;
static atomic_ullong stalls_descheduled, stalls_busy, stalls_unknown;
static atomic_ullong runqueue_wait_ns;

struct looplag {
    struct event *timer;
    int64_t       due_us;      /* when the armed tick should fire */
    int           schedstat;   /* this thread's /proc schedstat, -1 none, -2 not opened yet */
    int64_t       wait_ns;     /* its run-queue wait at the previous tick, -1 unknown */
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void looplag_record(int64_t lag_us)
{
    if (lag_us < 0)
        lag_us = 0;
    size_t i = 0;
    while (i < N_BUCKETS && lag_us > bucket_us[i])
        i++;
    atomic_fetch_add_explicit(&bucket_count[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&samples, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&lag_sum_us, (unsigned long long)lag_us, memory_order_relaxed);
    unsigned long long seen = atomic_load_explicit(&lag_max_us, memory_order_relaxed);
    while ((unsigned long long)lag_us > seen
           && !atomic_compare_exchange_weak_explicit(&lag_max_us, &seen, (unsigned long long)lag_us,
                                                     memory_order_relaxed, memory_order_relaxed))
        ;
}

/* Nanoseconds this thread has spent runnable but not running, or -1 when
 * the kernel does not say (no CONFIG_SCHED_INFO, no /proc). */
static int64_t runqueue_wait(int fd)
{
    char buf[96];
    if (fd < 0)
        return -1;
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    uint64_t run_ns, wait_ns;
    if (sscanf(buf, "%" SCNu64 " %" SCNu64, &run_ns, &wait_ns) != 2)
        return -1;
    return (int64_t)wait_ns;
}

void looplag_record_stall(int64_t lag_us, int64_t waited_us)
{
    if (lag_us <= STALL_US)
        return;
    atomic_ullong *cause = waited_us < 0            ? &stalls_unknown
                         : waited_us * 2 >= lag_us ? &stalls_descheduled
                                                   : &stalls_busy;
    atomic_fetch_add_explicit(cause, 1, memory_order_relaxed);
}

static void arm(struct looplag *l)
{
    struct timeval tick = { 0, LAG_TICK_MS * 1000 };
    l->due_us = now_us() + LAG_TICK_MS * 1000;
    evtimer_add(l->timer, &tick);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct looplag *l = arg;
    int64_t lag_us = now_us() - l->due_us;
    if (l->schedstat == -2) {
        /* opened here, on the worker's own thread: init ran on the main one */
        l->schedstat = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
        l->wait_ns = runqueue_wait(l->schedstat);
    }
    int64_t wait_ns = runqueue_wait(l->schedstat);
    int64_t waited_ns = wait_ns < 0 || l->wait_ns < 0 ? -1
                      : wait_ns >= l->wait_ns         ? wait_ns - l->wait_ns
                                                      : 0;
    l->wait_ns = wait_ns;
    if (waited_ns > 0)
        atomic_fetch_add_explicit(&runqueue_wait_ns, (unsigned long long)waited_ns,
                                  memory_order_relaxed);
    looplag_record(lag_us);
    looplag_record_stall(lag_us, waited_ns < 0 ? -1 : waited_ns / 1000);
    arm(l);
}

struct looplag *looplag_new(struct event_base *base)
{
    struct looplag *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->timer = evtimer_new(base, on_tick, l);
    if (!l->timer) {
        free(l);
        return NULL;
    }
    l->schedstat = -2;
    arm(l);
    return l;
}

void looplag_free(struct looplag *l)
{
    if (!l)
        return;
    event_free(l->timer);
    if (l->schedstat >= 0)
        close(l->schedstat);
    free(l);
}

void looplag_write_metrics(struct evbuffer *b)
{
    unsigned long long cumulative = 0;
    evbuffer_add_printf(b, "# TYPE pasted_loop_lag_seconds histogram\n");
    for (size_t i = 0; i <= N_BUCKETS; i++) {
        cumulative += atomic_load_explicit(&bucket_count[i], memory_order_relaxed);
        if (i < N_BUCKETS)
            evbuffer_add_printf(b, "pasted_loop_lag_seconds_bucket{le=\"%g\"} %llu\n",
                                bucket_us[i] / 1e6, cumulative);
        else
            evbuffer_add_printf(b, "pasted_loop_lag_seconds_bucket{le=\"+Inf\"} %llu\n",
                                cumulative);
    }
    evbuffer_add_printf(b, "pasted_loop_lag_seconds_sum %.6f\npasted_loop_lag_seconds_count %llu\n",
                        atomic_load_explicit(&lag_sum_us, memory_order_relaxed) / 1e6,
                        atomic_load_explicit(&samples, memory_order_relaxed));
    evbuffer_add_printf(b, "# TYPE pasted_loop_lag_max_seconds gauge\n"
                           "pasted_loop_lag_max_seconds %.6f\n",
                        atomic_load_explicit(&lag_max_us, memory_order_relaxed) / 1e6);
    evbuffer_add_printf(b, "# TYPE pasted_loop_stalls_total counter\n"
                           "pasted_loop_stalls_total{cause=\"descheduled\"} %llu\n"
                           "pasted_loop_stalls_total{cause=\"busy\"} %llu\n"
                           "pasted_loop_stalls_total{cause=\"unknown\"} %llu\n",
                        atomic_load_explicit(&stalls_descheduled, memory_order_relaxed),
                        atomic_load_explicit(&stalls_busy, memory_order_relaxed),
                        atomic_load_explicit(&stalls_unknown, memory_order_relaxed));
    evbuffer_add_printf(b, "# TYPE pasted_worker_runqueue_wait_seconds_total counter\n"
                           "pasted_worker_runqueue_wait_seconds_total %.6f\n",
                        atomic_load_explicit(&runqueue_wait_ns, memory_order_relaxed) / 1e9);
}
