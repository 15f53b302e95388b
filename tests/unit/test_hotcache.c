/* test_hotcache.c - the per-worker hot cache: hits, ageing, LRU bound, burn. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hotcache.h"

static paste *make(const char *id, size_t size, int burn)
{
    paste *p = paste_new();
    snprintf(p->id, sizeof p->id, "%s", id);
    p->title = strdup("");
    p->lang = strdup("");
    p->body = calloc(1, size ? size : 1);
    p->size = size;
    p->burn = burn;
    return p;
}

Test(hotcache, hit_returns_a_new_reference)
{
    hotcache *c = hotcache_new(1 << 20, 1000);
    paste *p = make("AAAAAAA", 100, 0);
    hotcache_put(c, p, 0);
    cr_assert_eq(p->refs, 2);
    paste *got = hotcache_get(c, "AAAAAAA", 10);
    cr_assert_eq(got, p);
    cr_assert_eq(p->refs, 3);
    paste_free(got);
    paste_free(p);
    cr_assert_null(hotcache_get(c, "BBBBBBB", 10));
    hotcache_free(c); /* drops the cache's reference: p is freed (ASan checks) */
}

Test(hotcache, entries_age_out)
{
    hotcache *c = hotcache_new(1 << 20, 1000);
    paste *p = make("AAAAAAA", 10, 0);
    hotcache_put(c, p, 5000);
    paste_free(p);
    paste *got = hotcache_get(c, "AAAAAAA", 5499);   /* every lifetime is at least ttl / 2 */
    cr_assert_not_null(got);
    paste_free(got);
    cr_assert_null(hotcache_get(c, "AAAAAAA", 6000)); /* and at most ttl */
    cr_assert_eq(hotcache_bytes(c), 0);
    hotcache_free(c);
}

/* Entries put in the same millisecond must not all age out in the same millisecond:
 * a read spread over them would send them all to Redis at once. */
Test(hotcache, entries_put_together_age_out_spread_over_half_the_ttl)
{
    enum { N = 1000 };
    hotcache *c = hotcache_new(64 << 20, 1000);
    char id[16];   /* "%07d" of an int, as far as the compiler knows */
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "%07d", i);
        paste *p = make(id, 10, 0);
        hotcache_put(c, p, 0);
        paste_free(p);
    }
    int alive_at[4] = { 0 };
    const int64_t at[4] = { 499, 650, 850, 1000 };
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < N; i++) {
            snprintf(id, sizeof id, "%07d", i);
            paste *got = hotcache_get(c, id, at[k]);
            alive_at[k] += got != NULL;
            paste_free(got);
        }
    cr_assert_eq(alive_at[0], N, "%d of %d entries gone before ttl / 2", N - alive_at[0], N);
    /* uniform over [500, 1000]: 70 % left at 650, 30 % at 850 (wide margins) */
    cr_assert(alive_at[1] > 600 && alive_at[1] < 800, "%d left at 650 ms", alive_at[1]);
    cr_assert(alive_at[2] > 200 && alive_at[2] < 400, "%d left at 850 ms", alive_at[2]);
    cr_assert_eq(alive_at[3], 0, "%d entries outlived the ttl", alive_at[3]);
    hotcache_free(c);
}

Test(hotcache, burn_pastes_are_never_kept)
{
    hotcache *c = hotcache_new(1 << 20, 1000);
    paste *p = make("AAAAAAA", 10, 1);
    hotcache_put(c, p, 0);
    cr_assert_eq(p->refs, 1);
    cr_assert_null(hotcache_get(c, "AAAAAAA", 1));
    paste_free(p);
    hotcache_free(c);
}

Test(hotcache, least_recently_used_goes_first_and_bytes_stay_bounded)
{
    hotcache *c = hotcache_new(256 * 1024, 100000);
    char id[16];
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "ID%05d", i);
        paste *p = make(id, 4000, 0);
        hotcache_put(c, p, 0);
        paste_free(p);
        /* keep ID00000 hot */
        paste *hot = hotcache_get(c, "ID00000", 0);
        cr_assert_not_null(hot, "the hot entry was evicted at %d", i);
        paste_free(hot);
    }
    cr_assert_leq(hotcache_bytes(c), 256 * 1024);
    cr_assert_null(hotcache_get(c, "ID00001", 0), "an old cold entry survived");
    paste *last = hotcache_get(c, "ID00099", 0);
    cr_assert_not_null(last);
    paste_free(last);
    hotcache_free(c);
}

/* A page rendered from a hot paste after it was put counts on its next get:
 * the budget holds, and older entries make room. */
Test(hotcache, memory_made_from_an_entry_later_is_counted)
{
    hotcache *c = hotcache_new(64 * 1024, 100000);
    paste *old = make("OLD0000", 1000, 0), *hot = make("HOT0000", 1000, 0);
    hotcache_put(c, old, 0);
    hotcache_put(c, hot, 0);
    size_t before = hotcache_bytes(c);
    cr_assert_lt(before, 8 * 1024, "two 1 KB pastes cost %zu bytes", before);
    hot->derived_bytes = 62 * 1024;   /* as view.c does when it renders the page */
    paste *got = hotcache_get(c, "HOT0000", 0);
    cr_assert_eq(got, hot);
    paste_free(got);
    cr_assert_leq(hotcache_bytes(c), 64 * 1024);
    cr_assert_gt(hotcache_bytes(c), 62 * 1024, "the page was not counted");
    cr_assert_null(hotcache_get(c, "OLD0000", 0), "the older entry should have made room");
    paste_free(old);
    paste_free(hot);
    hotcache_free(c);
}

Test(hotcache, drop_and_replace)
{
    hotcache *c = hotcache_new(1 << 20, 100000);
    paste *a = make("AAAAAAA", 10, 0), *b = make("AAAAAAA", 20, 0);
    hotcache_put(c, a, 0);
    hotcache_put(c, b, 0);
    cr_assert_eq(a->refs, 1, "the replaced entry kept its reference");
    paste *got = hotcache_get(c, "AAAAAAA", 0);
    cr_assert_eq(got, b);
    paste_free(got);
    hotcache_drop(c, "AAAAAAA");
    cr_assert_null(hotcache_get(c, "AAAAAAA", 0));
    cr_assert_eq(hotcache_bytes(c), 0);
    paste_free(a);
    paste_free(b);
    hotcache_free(c);
}
