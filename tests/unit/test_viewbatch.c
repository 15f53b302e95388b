/* test_viewbatch.c - the per-worker table of views between flushes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/viewbatch.h"

typedef struct sums { int64_t total; int calls; char last_id[16]; } sums;

static void add_up(void *arg, const char *id, const char *day, int64_t n)
{
    sums *s = arg;
    (void)day;
    s->total += n;
    s->calls++;
    snprintf(s->last_id, sizeof s->last_id, "%s", id);
}

Test(viewbatch, counts_collapse_per_paste_and_day)
{
    viewbatch *b = viewbatch_new();
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(viewbatch_add(b, "AAAAAAA", "2026-11-23", 1), 0);
    cr_assert_eq(viewbatch_add(b, "AAAAAAA", "2026-11-24", 2), 0);
    cr_assert_eq(viewbatch_size(b), 2);
    sums s = { 0 };
    viewbatch_drain(b, add_up, &s);
    cr_assert_eq(s.total, 1002);
    cr_assert_eq(s.calls, 2);
    cr_assert_eq(viewbatch_size(b), 0);
    s = (sums){ 0 };
    viewbatch_drain(b, add_up, &s);
    cr_assert_eq(s.calls, 0, "drained twice");
    viewbatch_free(b);
}

Test(viewbatch, take_removes_only_that_paste)
{
    viewbatch *b = viewbatch_new();
    viewbatch_add(b, "AAAAAAA", "2026-11-23", 3);
    viewbatch_add(b, "BBBBBBB", "2026-11-23", 4);
    cr_assert_eq(viewbatch_take(b, "AAAAAAA", "2026-11-23"), 3);
    cr_assert_eq(viewbatch_take(b, "AAAAAAA", "2026-11-23"), 0);
    cr_assert_eq(viewbatch_take(b, "CCCCCCC", "2026-11-23"), 0);
    sums s = { 0 };
    viewbatch_drain(b, add_up, &s);
    cr_assert_eq(s.total, 4);
    cr_assert_eq(s.calls, 1);
    cr_assert_str_eq(s.last_id, "BBBBBBB");
    viewbatch_free(b);
}

Test(viewbatch, a_full_table_says_so_and_loses_nothing)
{
    viewbatch *b = viewbatch_new();
    char id[16];
    int added = 0;
    for (int i = 0; i < VIEWBATCH_SLOTS; i++) {
        snprintf(id, sizeof id, "I%06d", i);
        if (viewbatch_add(b, id, "2026-11-23", 1) != 0)
            break;
        added++;
    }
    cr_assert_lt(added, VIEWBATCH_SLOTS, "never reported full");
    cr_assert_gt(added, VIEWBATCH_SLOTS / 2);
    /* a key already in the table can still be counted when full */
    cr_assert_eq(viewbatch_add(b, "I000000", "2026-11-23", 1), 0);
    sums s = { 0 };
    viewbatch_drain(b, add_up, &s);
    cr_assert_eq(s.total, added + 1);
    cr_assert_eq(viewbatch_add(b, "NEWNEWN", "2026-11-23", 1), 0, "drained table accepts again");
    viewbatch_free(b);
}

Test(viewbatch, rejects_oversize_keys)
{
    viewbatch *b = viewbatch_new();
    cr_assert_eq(viewbatch_add(b, "0123456789abcdefghijklmnXYZ", "2026-11-23", 1), -1);
    cr_assert_eq(viewbatch_add(b, "AAAAAAA", "2026-11-23-and-more", 1), -1);
    viewbatch_free(b);
}
