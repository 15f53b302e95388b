/* fuzz_chunked.c - the incremental chunked-body decoder, http_chunked_decode().
 *
 * The first input byte seeds how the rest is cut into pieces (1 byte up to a
 * few hundred); each piece is fed from a malloc'd buffer of exactly its size,
 * as conn.c feeds whatever arrived. Checks: no memory error or UB; consumed
 * <= the piece's length, and all of it unless the body ended; an error comes
 * with a reason; and the split does not matter: the outcome (ended, malformed
 * or still open), the bytes consumed in all and the decoded data equal those
 * of one call over the whole input. Decoded data is never longer than the
 * input. */
#include "http/parse.h"

#include <event2/buffer.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_chunked: check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

enum { OPEN, DONE, BAD };

/* Feeds in[0..len) in pieces whose sizes come from seed (0: all at once). */
static int decode(const uint8_t *in, size_t len, unsigned seed, struct evbuffer *out, size_t *consumed)
{
    http_chunked c;
    memset(&c, 0, sizeof c);
    uint32_t rnd = seed * 2654435761u + 1;
    size_t pos = 0;
    *consumed = 0;
    while (pos < len) {
        size_t n = len - pos;
        if (seed) {
            rnd = rnd * 1103515245u + 12345u;
            size_t cap = (seed & 0x80) ? 300 : 1 + (seed & 7);   /* tiny pieces or mixed */
            size_t want = 1 + (rnd >> 16) % cap;
            if (want < n)
                n = want;
        }
        char *piece = malloc(n);
        if (!piece)
            abort();
        memcpy(piece, in + pos, n);
        int done = -1;
        const char *why = NULL;
        ssize_t r = http_chunked_decode(&c, piece, n, out, &done, &why);
        free(piece);
        if (r < 0) {
            CHECK(r == -1);
            CHECK(why != NULL && *why);
            return BAD;
        }
        CHECK((size_t)r <= n);
        CHECK(done == 0 || done == 1);
        *consumed += (size_t)r;
        if (done)
            return DONE;
        CHECK((size_t)r == n);   /* all of it unless the body ended */
        pos += n;
    }
    /* an empty piece changes nothing */
    int done = -1;
    const char *why = NULL;
    CHECK(http_chunked_decode(&c, "", 0, out, &done, &why) == 0 && done == 0);
    return OPEN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned seed = data[0] | 1u;   /* never 0: the split run always splits */
    const uint8_t *in = data + 1;
    size_t len = size - 1;

    struct evbuffer *whole = evbuffer_new(), *split = evbuffer_new();
    if (!whole || !split)
        abort();
    size_t used_whole, used_split;
    int a = decode(in, len, 0, whole, &used_whole);
    int b = decode(in, len, seed, split, &used_split);

    CHECK(a == b);
    size_t nw = evbuffer_get_length(whole), ns = evbuffer_get_length(split);
    CHECK(nw <= len);
    /* the data before the end (or before the bad byte) is the same either way */
    CHECK(nw == ns);
    if (nw)
        CHECK(memcmp(evbuffer_pullup(whole, -1), evbuffer_pullup(split, -1), nw) == 0);
    if (a != BAD) {
        CHECK(used_whole == used_split);
        CHECK(used_whole <= len);
        CHECK(a == DONE || used_whole == len);
    }
    evbuffer_free(whole);
    evbuffer_free(split);
    return 0;
}
