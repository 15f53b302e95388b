/* test_budget.c - the penalty box of clients out of lookups (app/budget.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "app/budget.h"

static netaddr addr(const char *s)
{
    netaddr a;
    cr_assert_eq(netaddr_parse(s, strlen(s), &a), 0);
    return a;
}

Test(penalty_box, holds_a_client_until_its_term_ends)
{
    penalty_box *b = penalty_box_new();
    netaddr a = addr("203.0.113.7"), other = addr("203.0.113.8");
    cr_assert_eq(penalty_box_until(b, &a, 1000), 0);
    penalty_box_put(b, &a, 5000, 1000);
    cr_assert_eq(penalty_box_until(b, &a, 1000), 5000);
    cr_assert_eq(penalty_box_until(b, &other, 1000), 0);
    cr_assert_eq(penalty_box_until(b, &a, 5000), 0, "still held when the term ended");
    penalty_box_put(b, &a, 9000, 6000);     /* again: one slot, the new term */
    cr_assert_eq(penalty_box_until(b, &a, 6000), 9000);
    penalty_box_free(b);
}

Test(penalty_box, a_full_box_makes_room_from_the_term_that_ends_first)
{
    penalty_box *b = penalty_box_new();
    char s[32];
    for (int i = 0; i < 200; i++) {
        snprintf(s, sizeof s, "198.51.100.%d", i);
        netaddr a = addr(s);
        penalty_box_put(b, &a, 100000 + i, 1000);
    }
    netaddr last = addr("198.51.100.199");
    cr_assert_eq(penalty_box_until(b, &last, 1000), 100199, "the newest client was not kept");
    penalty_box_free(b);
}
