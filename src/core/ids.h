/* ids.h — public paste IDs: keyed permutation of a counter, written in base62.
 *
 * A paste is numbered by Redis INCR (n >= 1). The number is never shown: the
 * public ID is ids_permute(n) written in base62 (0-9A-Za-z), in one of two
 * fixed-length tiers so that short IDs stay short and tiers never collide:
 *
 *   tier 1: n <  2^40  -> 40-bit Feistel permutation  -> exactly  7 chars
 *   tier 2: n >= 2^40  -> 64-bit Feistel permutation  -> exactly 11 chars
 *                         (cycle-walked so the image stays >= 2^40)
 *
 * ids_permute is therefore one bijection of the whole uint64 range that maps
 * [0, 2^40) onto itself and [2^40, 2^64) onto itself, and ids_unpermute is its
 * exact inverse. Decoding never needs a database: a string is rejected when
 * its length or alphabet is wrong, when its value is outside its tier's range
 * (non-canonical), or when it maps back to 0. A caller that also wants to
 * reject IDs that were never issued can compare the decoded n with the
 * current counter value.
 *
 * The permutation hides the order of IDs from users; it is keyed, but it is
 * not a vetted cipher and must not be used to protect secrets. Nor is a
 * 7-character id a secret: at a million pastes one guess in a thousand
 * hits one. So a paste protected by its link alone (unlisted, burn after
 * reading) gets a third kind of id instead:
 *
 *   secret: 22 random base62 chars (131 bits, from getrandom), not derived
 *           from its number. It is still numbered by the counter (the
 *           number stays in the store); only the link is random.
 *
 * Ids of the three kinds never collide: their lengths differ. */
#ifndef PASTED_CORE_IDS_H
#define PASTED_CORE_IDS_H

#include <stddef.h>
#include <stdint.h>

#define IDS_KEY_BYTES 32
#define IDS_ROUNDS 8
#define IDS_TIER1_LEN 7             /* base62 chars for n < 2^40 */
#define IDS_TIER2_LEN 11            /* base62 chars for n >= 2^40 */
#define IDS_SECRET_LEN 22           /* a secret id: random, 131 bits */
#define IDS_MAX_LEN 22              /* longest public id, without NUL */
#define IDS_TIER1_LIMIT (UINT64_C(1) << 40)
#define BASE62_MAX_LEN 11           /* digits of UINT64_MAX in base62 */

/* Round keys, derived from the 32-byte secret; one set per tier so the two
 * permutations are unrelated. */
typedef struct ids_key {
    uint64_t round40[IDS_ROUNDS];
    uint64_t round64[IDS_ROUNDS];
} ids_key;

void ids_key_init(ids_key *k, const uint8_t secret[IDS_KEY_BYTES]);
/* Exactly 64 hex digits (either case) then NUL. 0 ok; -1 bad, k untouched. */
int  ids_key_from_hex(ids_key *k, const char *hex);
/* Writes 64 lowercase hex digits and a NUL. */
void ids_key_to_hex(const uint8_t secret[IDS_KEY_BYTES], char out[2 * IDS_KEY_BYTES + 1]);

/* Tiered bijection of uint64 (see above) and its inverse. */
uint64_t ids_permute(const ids_key *k, uint64_t n);
uint64_t ids_unpermute(const ids_key *k, uint64_t x);

/* A new secret id (22 random base62 chars) and NUL: 0, or -1 when the
 * kernel has no randomness to give (out is then ""). */
int  ids_secret(char out[IDS_MAX_LEN + 1]);
/* 1 when s is shaped like a secret id (22 base62 chars). */
int  ids_is_secret(const char *s, size_t len);

/* Public id of n (n >= 1): returns its length (7 or 11) and NUL-terminates.
 * n == 0 is not a paste number: returns 0 and writes "". */
size_t ids_encode(const ids_key *k, uint64_t n, char out[IDS_MAX_LEN + 1]);
/* Inverse of ids_encode. s need not be NUL-terminated. 0 ok, -1 malformed. */
int  ids_decode(const ids_key *k, const char *s, size_t len, uint64_t *n);
/* Cheap syntactic check without the key: length 7, 11 or 22, alphabet only.
 * Returns 1 when well-formed, 0 otherwise. */
int  ids_is_wellformed(const char *s, size_t len);

/* Base62 digits of v, left-padded with '0' to width (0 = minimal; a value
 * needing more digits than width is written in full). out must hold
 * max(width, digits) + 1 bytes. Returns the length; width > BASE62_MAX_LEN
 * is refused (returns 0, writes ""). */
size_t base62_encode(uint64_t v, size_t width, char *out);
/* 0 ok; -1 on empty input, a char outside 0-9A-Za-z, or a value >= 2^64.
 * Leading zeros are accepted. */
int  base62_decode(const char *s, size_t len, uint64_t *v);

#endif
