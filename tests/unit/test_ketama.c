/* test_ketama.c - the cache ring places keys where nutcracker's ketama does.
 *
 * The known answers (hashes, point counts, which node a key goes to) were
 * worked out from twemproxy's algorithm by a separate Python script
 * (hashlib.md5, FNV-1a by hand, single-precision steps through struct 'f'),
 * not by running this code; tests/cluster/ketama_vs_nutcracker.sh checks the
 * same against a running nutcracker. The rest are the ring's properties:
 * spread, what moves when a node comes or goes, what weights do. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/ketama.h"

#define NKEYS 3000

static const ketama_node ABC[] = { { "alpha", 1 }, { "beta", 1 }, { "gamma", 1 }, { "delta", 1 } };

static ketama_ring *build(const ketama_node *nodes, size_t n, const unsigned char *up)
{
    fault f = { 0 };
    ketama_ring *r = ketama_build(nodes, n, up, &f);
    cr_assert_not_null(r, "ketama_build: %s", f.message);
    return r;
}

static size_t pick(const ketama_ring *r, const char *key)
{
    return ketama_pick(r, key, strlen(key));
}

/* NKEYS cache keys shaped like pasted's: "pasted:p:" + 7 base62 characters
 * that look random (ids are a permutation of the counter). */
static char keys[NKEYS][20];

static void make_keys(void)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < NKEYS; i++) {
        char id[8];
        for (int c = 0; c < 7; c++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
            id[c] = b62[x % 62];
        }
        id[7] = '\0';
        snprintf(keys[i], sizeof keys[i], "pasted:p:%s", id);
    }
}

/* How many of the keys each of the n nodes gets. */
static void shares(const ketama_ring *r, size_t n, int *count)
{
    memset(count, 0, n * sizeof *count);
    for (int i = 0; i < NKEYS; i++) {
        size_t at = pick(r, keys[i]);
        cr_assert_lt(at, n);
        count[at]++;
    }
}

Test(ketama, key_hash_is_nutcrackers_32_bit_fnv1a_64)
{
    /* ASCII: the low 32 bits of real FNV-1a 64 (af63dc4c8601ec8c for "a") */
    cr_assert_eq(ketama_key_hash("", 0), 0x84222325u);
    cr_assert_eq(ketama_key_hash("a", 1), 0x8601ec8cu);
    cr_assert_eq(ketama_key_hash("foobar", 6), 0xf73967e8u);
    cr_assert_eq(ketama_key_hash("pasted:p:AAAAAAA", 16), 0x339a5d2du);
    /* bytes >= 0x80 are sign-extended, as through amd64's signed char (real
     * FNV-1a 64 would give b7181e01 and 8602eb6e) */
    cr_assert_eq(ketama_key_hash("\xc3\xa9", 2), 0xb4cc3001u);
    cr_assert_eq(ketama_key_hash("\xff", 1), 0x79fe466eu);
}

Test(ketama, point_counts_round_in_single_precision)
{
    ketama_ring *r = build(ABC, 3, NULL);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(ketama_points(r, i), 160);
    cr_assert_eq(ketama_points(r, 3), 0, "no such node");
    ketama_free(r);

    ketama_node w12[] = { { "a", 1 }, { "b", 2 } };
    r = build(w12, 2, NULL);
    cr_assert_eq(ketama_points(r, 0), 104);
    cr_assert_eq(ketama_points(r, 1), 212);
    ketama_free(r);

    /* 1/25 * 160 / 4 * 5 is 8 exactly, but 7.99999 in floats: 28, not 32 */
    ketama_node w5[] = { { "n0", 1 }, { "n1", 3 }, { "n2", 7 }, { "n3", 7 }, { "n4", 7 } };
    r = build(w5, 5, NULL);
    size_t want5[] = { 28, 92, 224, 224, 224 };
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(ketama_points(r, i), want5[i], "node %zu", i);
    /* known answers for this ring */
    cr_assert_eq(pick(r, "pasted:rm:2618225Q"), 0);
    cr_assert_eq(pick(r, "pasted:rm:523645Q"), 1);
    cr_assert_eq(pick(r, "pasted:rm:209458Q"), 2);
    cr_assert_eq(pick(r, "pasted:rm:0Q"), 3);
    cr_assert_eq(pick(r, "pasted:rm:104729Q"), 4);
    ketama_free(r);

    /* 25 equal nodes: 156 points each */
    ketama_node many[25];
    char names[25][16];
    for (int i = 0; i < 25; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        many[i] = (ketama_node){ names[i], 1 };
    }
    r = build(many, 25, NULL);
    cr_assert_eq(ketama_points(r, 0), 156);
    cr_assert_eq(ketama_points(r, 24), 156);
    ketama_free(r);
}

Test(ketama, known_answers_for_three_nodes)
{
    ketama_ring *r = build(ABC, 3, NULL);
    cr_assert_eq(pick(r, "pasted:p:Xq70000Z"), 0);
    cr_assert_eq(pick(r, "pasted:p:Xq71676Z"), 0);
    cr_assert_eq(pick(r, "pasted:p:Xq75838Z"), 1);
    cr_assert_eq(pick(r, "pasted:p:Xq73757Z"), 1);
    cr_assert_eq(pick(r, "pasted:p:Xq77919Z"), 2);
    cr_assert_eq(pick(r, "pasted:s:Zz9_xyz"), 0);
    cr_assert_eq(pick(r, "\xc3\xa9t\xc3\xa9"), 1);
    /* unsigned bytes would hash this one onto alpha */
    cr_assert_eq(pick(r, "\xc3\xa9" "10"), 2);
    /* above the last point (fffdc7a0): wraps to the first, alpha's */
    cr_assert_eq(pick(r, "w139030"), 0);
    /* an empty key hashes to 0: the first point */
    cr_assert_eq(ketama_pick(r, "", 0), 0);
    ketama_free(r);

    /* beta ejected: its keys go elsewhere, the rest stay */
    unsigned char up[] = { 1, 0, 1 };
    r = build(ABC, 3, up);
    cr_assert_eq(ketama_points(r, 1), 0);
    cr_assert_eq(pick(r, "pasted:p:Xq70000Z"), 0);
    cr_assert_eq(pick(r, "pasted:p:Xq75838Z"), 0);
    cr_assert_eq(pick(r, "pasted:p:Xq73757Z"), 2);
    cr_assert_eq(pick(r, "pasted:p:Xq77919Z"), 2);
    cr_assert_eq(pick(r, "\xc3\xa9t\xc3\xa9"), 2);
    ketama_free(r);
}

Test(ketama, three_equal_nodes_share_the_keys)
{
    make_keys();
    ketama_ring *r = build(ABC, 3, NULL);
    int count[3];
    shares(r, 3, count);
    for (int i = 0; i < 3; i++) {
        double pct = 100.0 * count[i] / NKEYS;
        cr_log_info("%s: %d keys (%.1f%%)", ABC[i].name, count[i], pct);
        cr_assert(pct >= 33.3 - 8 && pct <= 33.3 + 8, "%s has %.1f%%", ABC[i].name, pct);
    }
    ketama_free(r);
}

Test(ketama, a_fourth_node_takes_keys_only_for_itself)
{
    make_keys();
    ketama_ring *three = build(ABC, 3, NULL), *four = build(ABC, 4, NULL);
    int moved = 0;
    for (int i = 0; i < NKEYS; i++) {
        size_t before = pick(three, keys[i]), after = pick(four, keys[i]);
        if (before != after) {
            moved++;
            cr_assert_eq(after, 3, "%s moved from %zu to %zu", keys[i], before, after);
        }
    }
    cr_log_info("a 4th node moved %.1f%% of the keys", 100.0 * moved / NKEYS);
    cr_assert_gt(moved, 0);
    cr_assert_leq(moved, NKEYS * 30 / 100, "%d keys moved", moved);
    ketama_free(three);
    ketama_free(four);
}

Test(ketama, an_ejected_node_loses_only_its_own_keys)
{
    make_keys();
    ketama_ring *all = build(ABC, 3, NULL);
    unsigned char up[] = { 1, 0, 1 };
    ketama_ring *some = build(ABC, 3, up);
    int moved = 0;
    for (int i = 0; i < NKEYS; i++) {
        size_t before = pick(all, keys[i]), after = pick(some, keys[i]);
        cr_assert_neq(after, 1, "%s still on the ejected node", keys[i]);
        if (before != 1)
            cr_assert_eq(after, before, "%s moved from a live node", keys[i]);
        else
            moved++;
    }
    cr_assert_gt(moved, 0);
    /* back up: the same ring as before */
    unsigned char again[] = { 1, 1, 1 };
    ketama_ring *back = build(ABC, 3, again);
    for (int i = 0; i < NKEYS; i++)
        cr_assert_eq(pick(back, keys[i]), pick(all, keys[i]));
    ketama_free(all);
    ketama_free(some);
    ketama_free(back);
}

Test(ketama, weights_shift_shares)
{
    make_keys();
    ketama_node heavy[] = { { "alpha", 2 }, { "beta", 1 }, { "gamma", 1 } };
    ketama_ring *r = build(heavy, 3, NULL);
    cr_assert_eq(ketama_points(r, 0), 240);
    cr_assert_eq(ketama_points(r, 1), 120);
    int count[3];
    shares(r, 3, count);
    double pct = 100.0 * count[0] / NKEYS;
    cr_log_info("alpha at weight 2 of 4: %.1f%%", pct);
    cr_assert(pct >= 50 - 10 && pct <= 50 + 10, "alpha has %.1f%%", pct);
    cr_assert_gt(count[0], count[1]);
    cr_assert_gt(count[0], count[2]);
    ketama_free(r);
}

Test(ketama, degenerate_rings)
{
    ketama_ring *r = build(ABC, 0, NULL);
    cr_assert_eq(pick(r, "x"), KETAMA_NONE);
    ketama_free(r);

    /* one server takes everything, without hashing */
    r = build(ABC, 1, NULL);
    cr_assert_eq(pick(r, "x"), 0);
    cr_assert_eq(ketama_pick(r, "", 0), 0);
    ketama_free(r);

    unsigned char none[] = { 0, 0, 0 };
    r = build(ABC, 3, none);
    cr_assert_eq(pick(r, "x"), KETAMA_NONE);
    ketama_free(r);

    /* nutcracker hashes at most 272 bytes of "name-N": names alike that far
     * give both nodes the same 4 points, and a tie goes to the first listed */
    char one[300], two[300];
    memset(one, 'x', 272);
    memcpy(two, one, 272);
    strcpy(one + 272, "one");
    strcpy(two + 272, "two");
    ketama_node alike[] = { { one, 1 }, { two, 1 } };
    r = build(alike, 2, NULL);
    make_keys();
    for (int i = 0; i < 100; i++)
        cr_assert_eq(pick(r, keys[i]), 0);
    ketama_free(r);
}

Test(ketama, default_names_are_nutcrackers)
{
    char name[64];
    fault f = { 0 };
    cr_assert_eq(ketama_default_name(name, sizeof name, "127.0.0.1", 6379, &f), 0);
    cr_assert_str_eq(name, "127.0.0.1:6379");
    cr_assert_eq(ketama_default_name(name, sizeof name, "cache1", 11211, &f), 0);
    cr_assert_str_eq(name, "cache1", "libmemcached's compatibility: no port for 11211");
    cr_assert_eq(ketama_default_name(name, sizeof name, "/run/redis.sock", 0, &f), 0);
    cr_assert_str_eq(name, "/run/redis.sock:");
    cr_assert_eq(ketama_default_name(name, 8, "127.0.0.1", 6379, &f), -1);
    cr_assert_eq(f.kind, FAULT_INVALID);
}
