/* test_looplag.c - the loop-lag histogram and its stall causes (src/looplag.c). Criterion
 * runs each test in its own process, so each starts from empty counters. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "server/looplag.h"

static char *metrics_text(void)
{
    struct evbuffer *b = evbuffer_new();
    looplag_write_metrics(b);
    size_t n = evbuffer_get_length(b);
    char *s = calloc(1, n + 1);
    evbuffer_remove(b, s, n);
    evbuffer_free(b);
    return s;
}

static void assert_line(const char *text, const char *line)
{
    cr_assert_not_null(strstr(text, line), "missing \"%s\" in:\n%s", line, text);
}

Test(looplag, samples_land_in_cumulative_buckets)
{
    looplag_record(500);      /* 0.5 ms */
    looplag_record(1000);     /* exactly 1 ms: the le="0.001" bucket */
    looplag_record(1500);
    looplag_record(30000);
    looplag_record(2000000);  /* 2 s: only +Inf */
    char *t = metrics_text();
    assert_line(t, "pasted_loop_lag_seconds_bucket{le=\"0.001\"} 2\n");
    assert_line(t, "pasted_loop_lag_seconds_bucket{le=\"0.002\"} 3\n");
    assert_line(t, "pasted_loop_lag_seconds_bucket{le=\"0.02\"} 3\n");
    assert_line(t, "pasted_loop_lag_seconds_bucket{le=\"0.05\"} 4\n");
    assert_line(t, "pasted_loop_lag_seconds_bucket{le=\"1\"} 4\n");
    assert_line(t, "pasted_loop_lag_seconds_bucket{le=\"+Inf\"} 5\n");
    assert_line(t, "pasted_loop_lag_seconds_count 5\n");
    assert_line(t, "pasted_loop_lag_seconds_sum 2.033000\n");
    assert_line(t, "pasted_loop_lag_max_seconds 2.000000\n");
    free(t);
}

Test(looplag, negative_lag_counts_as_none)
{
    looplag_record(-300);
    char *t = metrics_text();
    assert_line(t, "pasted_loop_lag_seconds_bucket{le=\"0.001\"} 1\n");
    assert_line(t, "pasted_loop_lag_seconds_sum 0.000000\n");
    free(t);
}

Test(looplag, stalls_are_split_by_time_on_the_run_queue)
{
    looplag_record_stall(9000, 9000);     /* under 10 ms: no stall */
    looplag_record_stall(30000, 20000);   /* most of it waiting for a CPU */
    looplag_record_stall(40000, 20000);   /* half: still descheduled */
    looplag_record_stall(50000, 1000);    /* pasted's own code */
    char *t = metrics_text();
    assert_line(t, "pasted_loop_stalls_total{cause=\"descheduled\"} 2\n");
    assert_line(t, "pasted_loop_stalls_total{cause=\"busy\"} 1\n");
    free(t);
}
