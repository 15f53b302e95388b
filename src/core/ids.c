/* ids.c — public paste IDs (see ids.h for the contract).
 *
 * Data flow, encoding:   n --tier?--> feistel40(n)            --> base62, width 7
 *                                 \-> feistel64(n), cycle-walked --> base62, width 11
 * Data flow, decoding:   string --length picks the tier--> base62 value
 *                        --range check (canonical form)--> inverse permutation
 *                        --reject 0--> n
 *
 * Design notes
 *
 * - A balanced Feistel network is a permutation whatever its round function
 *   is, so IDs are unique by construction: no collision check, no lookup.
 *   Eight rounds of a strong 64-bit mixer make neighbouring counters land
 *   far apart, so IDs cannot be enumerated by counting.
 *
 * - Tier 2 permutes all 64 bits, so for a few n its raw image would fall
 *   below 2^40, i.e. inside tier 1's range. We "cycle-walk": apply the
 *   permutation again until the value is >= 2^40. Cycle walking restricted to
 *   a subset is still a bijection of that subset, so tier 2 maps [2^40, 2^64)
 *   onto itself and ids_permute is a bijection of all of uint64 that has a
 *   single, exact inverse. The loop always ends (the start value itself is in
 *   range) and almost always runs once: the chance of an extra step is 2^-24.
 *
 * - Decoding is pure computation on a bounded string; the 7-char tier accepts
 *   only values < 2^40 and the 11-char tier only values >= 2^40, so every
 *   number has exactly one accepted spelling. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero */
#endif
#include "ids.h"
#include "text.h"

#include <string.h>
#include <sys/random.h>

#define HALF40_BITS 20
#define HALF64_BITS 32

static const char base62_alphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* ---------------------------------------------------------------- mixing */

/* 64-bit finalizer: xor-shift / multiply rounds (constants from the
 * MurmurHash3 finalizer, chosen for full avalanche). A bijection on uint64. */
static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

#define GOLDEN64 UINT64_C(0x9e3779b97f4a7c15)
#define LANE_SALT UINT64_C(0xd1b54a32d192ed03)

static uint64_t load_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Round key number j (0 .. 2*IDS_ROUNDS-1): depends on the whole secret
 * (through acc) and directly on one 64-bit lane of it, so the schedule keeps
 * more than 64 bits of the secret and no two secrets share it in practice. */
static uint64_t round_key(uint64_t acc, const uint64_t lane[4], uint64_t j) {
    return mix64(acc + (j + 1) * GOLDEN64) ^ mix64(lane[j % 4] + (j + 1) * LANE_SALT);
}

void ids_key_init(ids_key *k, const uint8_t secret[IDS_KEY_BYTES]) {
    uint64_t lane[4];
    uint64_t acc = UINT64_C(0x7061737465642d31); /* "pasted-1" */
    for (int i = 0; i < 4; i++) {
        lane[i] = load_le64(secret + 8 * i);
        acc = mix64(acc ^ lane[i]) + GOLDEN64;
    }
    for (unsigned j = 0; j < IDS_ROUNDS; j++) {
        k->round40[j] = round_key(acc, lane, j);
        k->round64[j] = round_key(acc, lane, IDS_ROUNDS + j);
    }
    explicit_bzero(lane, sizeof lane);
}

/* ------------------------------------------------------------------ hex */

int ids_key_from_hex(ids_key *k, const char *hex) {
    uint8_t secret[IDS_KEY_BYTES];
    if (!k || !hex) return -1;
    /* Reading stops at the first non-hex char, so a short string (its NUL
     * is not hex) is never read past its end. */
    for (size_t i = 0; i < IDS_KEY_BYTES; i++) {
        int hi = hex_value((unsigned char)hex[2 * i]);
        if (hi < 0) return -1;
        int lo = hex_value((unsigned char)hex[2 * i + 1]);
        if (lo < 0) return -1;
        secret[i] = (uint8_t)(hi << 4 | lo);
    }
    if (hex[2 * IDS_KEY_BYTES] != '\0') return -1;
    ids_key_init(k, secret);
    explicit_bzero(secret, sizeof secret);
    return 0;
}

void ids_key_to_hex(const uint8_t secret[IDS_KEY_BYTES], char out[2 * IDS_KEY_BYTES + 1]) {
    hex_encode(secret, IDS_KEY_BYTES, out);
}

/* -------------------------------------------------------------- feistel */

static uint64_t round_fn(uint64_t half, uint64_t round_key, unsigned round) {
    return mix64((half ^ round_key) + round);
}

/* Balanced Feistel over 2*half_bits bits (half_bits <= 32). */
static uint64_t feistel_forward(const uint64_t *keys, unsigned half_bits, uint64_t x) {
    const uint64_t mask = (UINT64_C(1) << half_bits) - 1;
    uint64_t left = (x >> half_bits) & mask, right = x & mask;
    for (unsigned i = 0; i < IDS_ROUNDS; i++) {
        uint64_t next = left ^ (round_fn(right, keys[i], i) & mask);
        left = right;
        right = next;
    }
    return (left << half_bits) | right;
}

static uint64_t feistel_backward(const uint64_t *keys, unsigned half_bits, uint64_t x) {
    const uint64_t mask = (UINT64_C(1) << half_bits) - 1;
    uint64_t left = (x >> half_bits) & mask, right = x & mask;
    for (unsigned i = IDS_ROUNDS; i-- > 0;) {
        uint64_t prev = right ^ (round_fn(left, keys[i], i) & mask);
        right = left;
        left = prev;
    }
    return (left << half_bits) | right;
}

uint64_t ids_permute(const ids_key *k, uint64_t n) {
    if (n < IDS_TIER1_LIMIT) return feistel_forward(k->round40, HALF40_BITS, n);
    uint64_t x = n;
    do x = feistel_forward(k->round64, HALF64_BITS, x); /* cycle walk */
    while (x < IDS_TIER1_LIMIT);
    return x;
}

uint64_t ids_unpermute(const ids_key *k, uint64_t x) {
    if (x < IDS_TIER1_LIMIT) return feistel_backward(k->round40, HALF40_BITS, x);
    uint64_t n = x;
    do n = feistel_backward(k->round64, HALF64_BITS, n);
    while (n < IDS_TIER1_LIMIT);
    return n;
}

/* --------------------------------------------------------------- base62 */

static int base62_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    if (c >= 'a' && c <= 'z') return c - 'a' + 36;
    return -1;
}

size_t base62_encode(uint64_t v, size_t width, char *out) {
    char rev[BASE62_MAX_LEN];
    size_t digits = 0, len;
    if (width > BASE62_MAX_LEN) {
        out[0] = '\0';
        return 0;
    }
    do {
        rev[digits++] = base62_alphabet[v % 62];
        v /= 62;
    } while (v != 0);
    len = digits > width ? digits : width;
    for (size_t i = 0; i < len; i++)
        out[i] = (i < len - digits) ? '0' : rev[len - 1 - i];
    out[len] = '\0';
    return len;
}

int base62_decode(const char *s, size_t len, uint64_t *v) {
    uint64_t acc = 0;
    if (!s || len == 0) return -1;
    for (size_t i = 0; i < len; i++) {
        int d = base62_value((unsigned char)s[i]);
        if (d < 0) return -1;
        if (acc > (UINT64_MAX - (uint64_t)d) / 62) return -1; /* overflow */
        acc = acc * 62 + (uint64_t)d;
    }
    *v = acc;
    return 0;
}

/* ------------------------------------------------------------ public ids */

size_t ids_encode(const ids_key *k, uint64_t n, char out[IDS_MAX_LEN + 1]) {
    if (n == 0) {
        out[0] = '\0';
        return 0;
    }
    size_t width = n < IDS_TIER1_LIMIT ? IDS_TIER1_LEN : IDS_TIER2_LEN;
    return base62_encode(ids_permute(k, n), width, out);
}

static int all_base62(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (base62_value((unsigned char)s[i]) < 0) return 0;
    return 1;
}

int ids_is_secret(const char *s, size_t len) {
    return s && len == IDS_SECRET_LEN && all_base62(s, len);
}

int ids_secret(char out[IDS_MAX_LEN + 1]) {
    size_t n = 0;
    out[0] = '\0';
    while (n < IDS_SECRET_LEN) {
        uint8_t buf[32];
        if (getrandom(buf, sizeof buf, 0) != (ssize_t)sizeof buf) return -1;
        /* a byte below 248 (4 x 62) is one uniform base62 digit; others are dropped */
        for (size_t i = 0; i < sizeof buf && n < IDS_SECRET_LEN; i++)
            if (buf[i] < 248) out[n++] = base62_alphabet[buf[i] % 62];
    }
    out[n] = '\0';
    return 0;
}

int ids_is_wellformed(const char *s, size_t len) {
    if (!s || (len != IDS_TIER1_LEN && len != IDS_TIER2_LEN && len != IDS_SECRET_LEN)) return 0;
    return all_base62(s, len);
}

int ids_decode(const ids_key *k, const char *s, size_t len, uint64_t *n) {
    uint64_t x, value;
    if (!ids_is_wellformed(s, len) || len == IDS_SECRET_LEN) return -1;
    if (base62_decode(s, len, &x) != 0) return -1;
    /* Each tier owns one value range; anything else is a second spelling. */
    if (len == IDS_TIER1_LEN && x >= IDS_TIER1_LIMIT) return -1;
    if (len == IDS_TIER2_LEN && x < IDS_TIER1_LIMIT) return -1;
    value = ids_unpermute(k, x);
    if (value == 0) return -1;
    if ((len == IDS_TIER2_LEN) != (value >= IDS_TIER1_LIMIT)) return -1;
    *n = value;
    return 0;
}
