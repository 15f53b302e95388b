/* test_views_pace.c - how the view flusher spreads a round of counts over view_flush_ms
 * (src/views.c): the share each background tick writes. */
#include <criterion/criterion.h>

#include "store/store.h"

Test(views_pace, a_round_is_spread_over_three_quarters_of_the_interval_in_whole_bulks)
{
    /* 60 s rounds, 1 s ticks: 45 ticks; 10,000 counts -> 223 a tick -> 250 (5 bulks of 50) */
    cr_assert_eq(views_round_quota(10000, 60000, 1000), 250);
    /* a few counts still go a whole bulk at a time */
    cr_assert_eq(views_round_quota(3, 60000, 1000), 50);
    /* 45 ticks * 250 covers the round before the next one may start */
    cr_assert_geq(45 * views_round_quota(10000, 60000, 1000), 10000);
}

Test(views_pace, short_intervals_write_everything_at_once)
{
    cr_assert_eq(views_round_quota(10000, 1000, 1000), 0, "one tick per round: no pacing");
    cr_assert_eq(views_round_quota(10000, 200, 200), 0, "the test config's 200 ms rounds");
    cr_assert_eq(views_round_quota(0, 60000, 1000), 0, "nothing to write");
}
