/* test_ids.c — unit tests for src/ids.c: base62, the tiered keyed
 * permutation, public id encoding/decoding and key handling. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"

#define TIER1 (UINT64_C(1) << 40)

static ids_key test_key(uint8_t salt) {
    uint8_t secret[IDS_KEY_BYTES];
    ids_key k;
    for (int i = 0; i < IDS_KEY_BYTES; i++) secret[i] = (uint8_t)(i + salt);
    ids_key_init(&k, secret);
    return k;
}

/* Deterministic xorshift64* so failures are reproducible. */
static uint64_t rng_next(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* Decodes a NUL-terminated test string through an exact-size heap copy so
 * ASan catches any read past len. */
static int decode_exact(const ids_key *k, const char *s, size_t len, uint64_t *n) {
    char *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    memcpy(copy, s, len);
    int r = ids_decode(k, copy, len, n);
    free(copy);
    return r;
}

/* ------------------------------------------------------------- base62 */

Test(base62, encode_known_values) {
    char out[BASE62_MAX_LEN + 1];
    cr_assert_eq(base62_encode(0, 0, out), 1);
    cr_assert_str_eq(out, "0");
    cr_assert_eq(base62_encode(61, 0, out), 1);
    cr_assert_str_eq(out, "z");
    cr_assert_eq(base62_encode(62, 0, out), 2);
    cr_assert_str_eq(out, "10");
    cr_assert_eq(base62_encode(3843, 0, out), 2);
    cr_assert_str_eq(out, "zz");
    cr_assert_eq(base62_encode(UINT64_MAX, 0, out), 11);
    cr_assert_str_eq(out, "LygHa16AHYF");
    cr_assert_eq(base62_encode(TIER1, 0, out), 7);
    cr_assert_str_eq(out, "JMAIjoW");
}

Test(base62, encode_pads_to_width) {
    char out[BASE62_MAX_LEN + 1];
    cr_assert_eq(base62_encode(1, 7, out), 7);
    cr_assert_str_eq(out, "0000001");
    cr_assert_eq(base62_encode(0, 11, out), 11);
    cr_assert_str_eq(out, "00000000000");
    cr_assert_eq(base62_encode(62, 3, out), 3);
    cr_assert_str_eq(out, "010");
    /* A value wider than width is written in full, never truncated. */
    cr_assert_eq(base62_encode(UINT64_MAX, 7, out), 11);
    cr_assert_str_eq(out, "LygHa16AHYF");
}

Test(base62, encode_refuses_oversized_width) {
    char out[32];
    memset(out, 'x', sizeof out);
    cr_assert_eq(base62_encode(5, BASE62_MAX_LEN + 1, out), 0);
    cr_assert_eq(out[0], '\0');
}

Test(base62, decode_known_values) {
    uint64_t v = 12345;
    cr_assert_eq(base62_decode("0", 1, &v), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(base62_decode("z", 1, &v), 0);
    cr_assert_eq(v, 61);
    cr_assert_eq(base62_decode("10", 2, &v), 0);
    cr_assert_eq(v, 62);
    cr_assert_eq(base62_decode("0000001", 7, &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(base62_decode("LygHa16AHYF", 11, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    /* Leading zeros beyond 11 digits are fine as long as the value fits. */
    cr_assert_eq(base62_decode("000000000000000001", 18, &v), 0);
    cr_assert_eq(v, 1);
    /* Only len bytes are read. */
    cr_assert_eq(base62_decode("10zzz", 2, &v), 0);
    cr_assert_eq(v, 62);
}

Test(base62, round_trip) {
    uint64_t seed = 0x1234567;
    char out[BASE62_MAX_LEN + 1];
    for (int i = 0; i < 100000; i++) {
        uint64_t v = rng_next(&seed) >> (i % 64), back = 0;
        size_t len = base62_encode(v, (size_t)(i % 12), out);
        cr_assert_eq(strlen(out), len);
        cr_assert_eq(base62_decode(out, len, &back), 0);
        cr_assert_eq(back, v, "round trip of %llu", (unsigned long long)v);
    }
}

Test(base62, decode_rejects_bad_chars) {
    uint64_t v = 77;
    cr_assert_eq(base62_decode("abc-", 4, &v), -1);
    cr_assert_eq(base62_decode("ab c", 4, &v), -1);
    cr_assert_eq(base62_decode("ab\0c", 4, &v), -1);
    cr_assert_eq(base62_decode("+1", 2, &v), -1);
    cr_assert_eq(base62_decode("\xc3\xa9", 2, &v), -1);
    cr_assert_eq(base62_decode("_", 1, &v), -1);
    cr_assert_eq(v, 77, "output must be untouched on error");
}

Test(base62, decode_rejects_empty) {
    uint64_t v = 77;
    cr_assert_eq(base62_decode("", 0, &v), -1);
    cr_assert_eq(base62_decode(NULL, 0, &v), -1);
    cr_assert_eq(base62_decode(NULL, 5, &v), -1);
    cr_assert_eq(v, 77);
}

Test(base62, decode_rejects_overflow) {
    uint64_t v = 77;
    cr_assert_eq(base62_decode("zzzzzzzzzzz", 11, &v), -1);      /* 62^11 - 1 > 2^64 */
    cr_assert_eq(base62_decode("LygHa16AHYG", 11, &v), -1);      /* exactly 2^64 */
    cr_assert_eq(base62_decode("100000000000", 12, &v), -1);     /* 62^11 */
    cr_assert_eq(base62_decode("zzzzzzzzzzzz", 12, &v), -1);     /* 12 chars */
    cr_assert_eq(v, 77);
}

/* -------------------------------------------------------- permutation */

Test(ids, permute_round_trip_small) {
    ids_key k = test_key(1);
    for (uint64_t n = 0; n <= 200000; n++) {
        uint64_t x = ids_permute(&k, n);
        cr_assert_lt(x, TIER1);
        cr_assert_eq(ids_unpermute(&k, x), n, "n=%llu", (unsigned long long)n);
    }
}

Test(ids, permute_round_trip_edges) {
    ids_key k = test_key(2);
    for (uint64_t d = 0; d < 5000; d++) {
        uint64_t below = TIER1 - 1 - d, above = TIER1 + d, top = UINT64_MAX - d;
        cr_assert_lt(ids_permute(&k, below), TIER1);
        cr_assert_geq(ids_permute(&k, above), TIER1);
        cr_assert_geq(ids_permute(&k, top), TIER1);
        cr_assert_eq(ids_unpermute(&k, ids_permute(&k, below)), below);
        cr_assert_eq(ids_unpermute(&k, ids_permute(&k, above)), above);
        cr_assert_eq(ids_unpermute(&k, ids_permute(&k, top)), top);
    }
}

Test(ids, permute_round_trip_random) {
    ids_key k = test_key(3);
    uint64_t seed = 0xfeedface;
    for (int i = 0; i < 200000; i++) {
        uint64_t n = rng_next(&seed);
        uint64_t x = ids_permute(&k, n);
        cr_assert_eq(n < TIER1, x < TIER1, "tier must be preserved");
        cr_assert_eq(ids_unpermute(&k, x), n);
        /* unpermute is the inverse in both directions */
        cr_assert_eq(ids_permute(&k, ids_unpermute(&k, n)), n);
    }
}

/* Tier 2 is cycle-walked so it maps [2^40, 2^64) onto itself: the inverse of
 * any value in that range must land in it too. */
Test(ids, unpermute_keeps_tier2_closed) {
    ids_key k = test_key(4);
    uint64_t seed = 99;
    for (int i = 0; i < 200000; i++) {
        uint64_t x = rng_next(&seed) | TIER1; /* any value >= 2^40 */
        cr_assert_geq(ids_unpermute(&k, x), TIER1);
    }
}

static int cmp_ids(const void *a, const void *b) { return memcmp(a, b, IDS_MAX_LEN + 1); }

Test(ids, no_collisions_first_million) {
    enum { N = 1000000 };
    ids_key k = test_key(5);
    char (*all)[IDS_MAX_LEN + 1] = calloc(N, sizeof *all);
    cr_assert_not_null(all);
    for (uint64_t n = 1; n <= N; n++) cr_assert_eq(ids_encode(&k, n, all[n - 1]), 7);
    qsort(all, N, sizeof *all, cmp_ids);
    for (size_t i = 1; i < N; i++)
        cr_assert_neq(memcmp(all[i - 1], all[i], sizeof *all), 0, "duplicate id %s", all[i]);
    free(all);
}

static uint64_t abs_diff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

static void check_not_neighbours(const ids_key *k, uint64_t first, uint64_t count) {
    char a[IDS_MAX_LEN + 1], b[IDS_MAX_LEN + 1];
    uint64_t same_prefix = 0;
    size_t len = ids_encode(k, first, a);
    for (uint64_t n = first; n < first + count; n++) {
        cr_assert_neq(abs_diff(ids_permute(k, n), ids_permute(k, n + 1)), 1,
                      "n=%llu maps next to n+1", (unsigned long long)n);
        cr_assert_eq(ids_encode(k, n + 1, b), len);
        if (memcmp(a, b, len - 1) == 0) same_prefix++;
        memcpy(a, b, sizeof a);
    }
    /* Random ids share all but the last char with chance 62^-(len-1). */
    cr_assert_lt(same_prefix, count / 1000 + 1, "%llu pairs differ only in the last char",
                 (unsigned long long)same_prefix);
}

Test(ids, consecutive_numbers_are_not_neighbours) {
    ids_key k = test_key(6);
    check_not_neighbours(&k, 1, 1000000);
    check_not_neighbours(&k, TIER1, 200000);
    check_not_neighbours(&k, UINT64_MAX - 200001, 200000);
}

Test(ids, different_keys_give_different_ids) {
    ids_key k1 = test_key(7), k2 = test_key(7);
    uint8_t secret[IDS_KEY_BYTES];
    for (int i = 0; i < IDS_KEY_BYTES; i++) secret[i] = (uint8_t)(i + 7);
    secret[31] ^= 1; /* one bit of the last byte */
    ids_key_init(&k2, secret);
    char a[IDS_MAX_LEN + 1], b[IDS_MAX_LEN + 1];
    int same = 0;
    for (uint64_t n = 1; n <= 10000; n++) {
        ids_encode(&k1, n, a);
        ids_encode(&k2, n, b);
        same += strcmp(a, b) == 0;
        ids_encode(&k1, TIER1 + n, a);
        ids_encode(&k2, TIER1 + n, b);
        same += strcmp(a, b) == 0;
    }
    cr_assert_lt(same, 3);
}

/* Public ids appear in URLs: the mapping must never change silently. The
 * expected strings were cross-checked against an independent Python model
 * of the algorithm described in ids.c. */
Test(ids, known_answers_are_stable) {
    uint8_t secret[IDS_KEY_BYTES];
    for (int i = 0; i < IDS_KEY_BYTES; i++) secret[i] = (uint8_t)i;
    ids_key k;
    ids_key_init(&k, secret);
    char out[IDS_MAX_LEN + 1];
    ids_encode(&k, 1, out);
    cr_assert_str_eq(out, "AIpiw4S");
    ids_encode(&k, 2, out);
    cr_assert_str_eq(out, "1OTvD87");
    ids_encode(&k, TIER1, out);
    cr_assert_str_eq(out, "5cEE9GYor2T");
    /* For this n the first 64-bit Feistel pass lands below 2^40 (it would
     * spell "00000x9agP7"); cycle walking must take a second pass. */
    uint64_t n = 0;
    cr_assert_eq(ids_encode(&k, UINT64_C(1099543315156), out), 11);
    cr_assert_str_eq(out, "3qvbrZqJSdP");
    cr_assert_eq(ids_decode(&k, out, 11, &n), 0);
    cr_assert_eq(n, UINT64_C(1099543315156));
    cr_assert_eq(ids_decode(&k, "00000x9agP7", 11, &n), -1);
}

/* --------------------------------------------------------- public ids */

Test(ids, encode_lengths_by_tier) {
    ids_key k = test_key(8);
    char out[IDS_MAX_LEN + 1];
    cr_assert_eq(ids_encode(&k, 1, out), 7);
    cr_assert_eq(strlen(out), 7);
    cr_assert_eq(ids_encode(&k, TIER1 - 1, out), 7);
    cr_assert_eq(ids_encode(&k, TIER1, out), 11);
    cr_assert_eq(strlen(out), 11);
    cr_assert_eq(ids_encode(&k, UINT64_MAX, out), 11);
    cr_assert_eq(ids_encode(&k, 0, out), 0);
    cr_assert_str_eq(out, "");
}

Test(ids, encode_decode_round_trip) {
    ids_key k = test_key(9);
    char out[IDS_MAX_LEN + 1];
    uint64_t n = 0, seed = 4242;
    for (uint64_t i = 1; i <= 200000; i++) {
        size_t len = ids_encode(&k, i, out);
        cr_assert(ids_is_wellformed(out, len));
        cr_assert_eq(decode_exact(&k, out, len, &n), 0);
        cr_assert_eq(n, i);
    }
    for (int i = 0; i < 100000; i++) {
        uint64_t v = rng_next(&seed) >> (i % 40);
        if (v == 0) continue;
        size_t len = ids_encode(&k, v, out);
        cr_assert_eq(len, v < TIER1 ? 7u : 11u);
        cr_assert_eq(decode_exact(&k, out, len, &n), 0);
        cr_assert_eq(n, v);
    }
    for (uint64_t v = UINT64_MAX; v > UINT64_MAX - 1000; v--) {
        size_t len = ids_encode(&k, v, out);
        cr_assert_eq(decode_exact(&k, out, len, &n), 0);
        cr_assert_eq(n, v);
    }
}

Test(ids, decode_rejects_wrong_lengths) {
    ids_key k = test_key(10);
    uint64_t n = 5;
    const char *s = "000000100000000000";
    for (size_t len = 0; len <= 18; len++) {
        if (len == 7 || len == 11) continue;
        cr_assert_eq(decode_exact(&k, s, len, &n), -1, "len %zu", len);
        cr_assert_eq(ids_is_wellformed(s, len), 0);
    }
    cr_assert_eq(ids_decode(&k, NULL, 7, &n), -1);
    cr_assert_eq(n, 5, "output must be untouched on error");
}

Test(ids, decode_rejects_bad_chars) {
    ids_key k = test_key(11);
    uint64_t n = 5;
    cr_assert_eq(decode_exact(&k, "abc-def", 7, &n), -1);
    cr_assert_eq(decode_exact(&k, "abc def", 7, &n), -1);
    cr_assert_eq(decode_exact(&k, "abc\0def", 7, &n), -1);
    cr_assert_eq(decode_exact(&k, "abcdef/", 7, &n), -1);
    cr_assert_eq(decode_exact(&k, "abcdefghij%", 11, &n), -1);
    cr_assert_eq(decode_exact(&k, "..%2F..%2Fx", 11, &n), -1);
    cr_assert_eq(ids_is_wellformed("abc-def", 7), 0);
    cr_assert_eq(n, 5);
}

Test(ids, decode_rejects_non_canonical) {
    ids_key k = test_key(12);
    uint64_t n = 5;
    /* 7 chars but a value >= 2^40: outside tier 1. */
    cr_assert_eq(decode_exact(&k, "JMAIjoW", 7, &n), -1);
    cr_assert_eq(decode_exact(&k, "zzzzzzz", 7, &n), -1);
    cr_assert(ids_is_wellformed("zzzzzzz", 7), "syntax alone cannot tell");
    /* 11 chars but a value < 2^40: tier 2 never produces these. */
    cr_assert_eq(decode_exact(&k, "00000000001", 11, &n), -1);
    cr_assert_eq(decode_exact(&k, "0000JMAIjoV", 11, &n), -1);
    /* 11 chars that overflow 64 bits. */
    cr_assert_eq(decode_exact(&k, "zzzzzzzzzzz", 11, &n), -1);
    cr_assert_eq(decode_exact(&k, "LygHa16AHYG", 11, &n), -1);
    /* A tier-1 id padded to 11 chars is a second spelling: refused. */
    char id[IDS_MAX_LEN + 1], padded[IDS_MAX_LEN + 1];
    cr_assert_eq(ids_encode(&k, 12345, id), 7);
    memcpy(padded, "0000", 4);
    memcpy(padded + 4, id, 8);
    cr_assert_eq(decode_exact(&k, padded, 11, &n), -1);
    cr_assert_eq(n, 5);
}

Test(ids, decode_rejects_zero) {
    ids_key k = test_key(13);
    char out[IDS_MAX_LEN + 1];
    uint64_t n = 5;
    cr_assert_eq(base62_encode(ids_permute(&k, 0), 7, out), 7);
    cr_assert_eq(decode_exact(&k, out, 7, &n), -1);
    cr_assert_eq(n, 5);
}

/* Any string that decodes must be the one canonical spelling of its n. */
Test(ids, decode_random_strings_is_canonical) {
    static const char alphabet[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_./%\0 ";
    ids_key k = test_key(14);
    uint64_t seed = 31337;
    char s[16], again[IDS_MAX_LEN + 1];
    int accepted = 0;
    for (int i = 0; i < 200000; i++) {
        size_t len = (size_t)(rng_next(&seed) % 14);
        if (i % 2) len = (i % 4 == 1) ? 7 : 11;
        for (size_t j = 0; j < len; j++) {
            uint64_t r = rng_next(&seed);
            s[j] = alphabet[r % (i % 3 ? 62 : sizeof alphabet - 1)];
        }
        uint64_t n = 0;
        if (decode_exact(&k, s, len, &n) != 0) continue;
        accepted++;
        cr_assert_neq(n, 0);
        cr_assert_eq(ids_encode(&k, n, again), len);
        cr_assert_eq(memcmp(again, s, len), 0);
    }
    cr_assert_gt(accepted, 1000, "canonical random ids should mostly decode");
}

/* ---------------------------------------------------------------- keys */

Test(ids_key, from_hex_matches_init) {
    const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F";
    uint8_t secret[IDS_KEY_BYTES];
    for (int i = 0; i < IDS_KEY_BYTES; i++) secret[i] = (uint8_t)i;
    ids_key a, b;
    ids_key_init(&a, secret);
    memset(&b, 0, sizeof b);
    cr_assert_eq(ids_key_from_hex(&b, hex), 0);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
}

Test(ids_key, to_hex_round_trip) {
    uint8_t secret[IDS_KEY_BYTES];
    char hex[2 * IDS_KEY_BYTES + 1];
    for (int i = 0; i < IDS_KEY_BYTES; i++) secret[i] = (uint8_t)(0xf0 ^ (i * 37));
    ids_key_to_hex(secret, hex);
    cr_assert_eq(strlen(hex), 64);
    cr_assert_eq(strncmp(hex, "f0d5", 4), 0);
    ids_key a, b;
    ids_key_init(&a, secret);
    cr_assert_eq(ids_key_from_hex(&b, hex), 0);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
}

Test(ids_key, from_hex_rejects_bad_input) {
    ids_key k, before;
    memset(&k, 0xab, sizeof k);
    before = k;
    char hex[70];
    memset(hex, 'a', 64);
    hex[64] = '\0';
    hex[63] = '\0';
    cr_assert_eq(ids_key_from_hex(&k, hex), -1, "63 digits");
    hex[63] = 'a';
    hex[64] = 'a';
    hex[65] = '\0';
    cr_assert_eq(ids_key_from_hex(&k, hex), -1, "65 digits");
    hex[64] = '\0';
    hex[10] = 'g';
    cr_assert_eq(ids_key_from_hex(&k, hex), -1, "non-hex digit");
    hex[10] = ' ';
    cr_assert_eq(ids_key_from_hex(&k, hex), -1, "space");
    cr_assert_eq(ids_key_from_hex(&k, ""), -1);
    cr_assert_eq(ids_key_from_hex(&k, NULL), -1);
    cr_assert_eq(ids_key_from_hex(NULL, "00"), -1);
    cr_assert_eq(memcmp(&k, &before, sizeof k), 0, "key untouched on error");
    hex[10] = 'F';
    cr_assert_eq(ids_key_from_hex(&k, hex), 0);
}

Test(ids_key, short_hex_is_not_overread) {
    /* Exact-size heap copies: ASan reports any read past the NUL. */
    for (size_t len = 0; len < 64; len++) {
        char *h = malloc(len + 1);
        cr_assert_not_null(h);
        memset(h, '7', len);
        h[len] = '\0';
        ids_key k;
        cr_assert_eq(ids_key_from_hex(&k, h), -1);
        free(h);
    }
}

/* --- secret ids --------------------------------------------------------------- */

Test(ids_secret, are_22_base62_chars_and_all_different) {
    char seen[64][IDS_MAX_LEN + 1];
    for (int i = 0; i < 64; i++) {
        cr_assert_eq(ids_secret(seen[i]), 0);
        cr_assert_eq(strlen(seen[i]), IDS_SECRET_LEN);
        cr_assert(ids_is_secret(seen[i], strlen(seen[i])));
        cr_assert(ids_is_wellformed(seen[i], strlen(seen[i])));
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(seen[i], seen[j]);
    }
}

Test(ids_secret, use_every_digit_about_evenly) {
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    int count[62] = { 0 };
    for (int i = 0; i < 2000; i++) {
        char s[IDS_MAX_LEN + 1];
        cr_assert_eq(ids_secret(s), 0);
        for (const char *c = s; *c; c++)
            count[strchr(alphabet, *c) - alphabet]++;
    }
    /* 44,000 digits, ~710 each: a skewed mapping (byte % 62 over all 256) would
     * give the first 8 digits ~25 % more */
    for (int d = 0; d < 62; d++)
        cr_assert(count[d] > 560 && count[d] < 860, "digit %c appeared %d times", alphabet[d], count[d]);
}

Test(ids_secret, never_decode_to_a_number) {
    ids_key k = test_key(3);
    char s[IDS_MAX_LEN + 1];
    uint64_t n = 0;
    cr_assert_eq(ids_secret(s), 0);
    cr_assert_eq(ids_decode(&k, s, strlen(s), &n), -1);
    cr_assert_not(ids_is_secret("abc", 3));
    cr_assert_not(ids_is_secret("AAAAAAAAAAAAAAAAAAAAA-", 22));
}
