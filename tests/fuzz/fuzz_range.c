/* fuzz_range.c - the reply-shaping request headers of headers.h: range_parse(),
 * accepts_gzip(), etag_matches() and if_range_holds().
 *
 * Input: the body size in the first 4 bytes (little endian; inputs shorter
 * than 4 bytes use what there is), then the header value, NUL-terminated in
 * a malloc'd buffer of exactly its length + 1. Checks: no memory error or UB;
 * RANGE_OK means 1 <= len, start < size and start + len <= size; the other
 * results leave start and len alone; a "bytes=" value with a comma is never
 * honoured; the boolean parsers answer 0 or 1; "*" always matches
 * If-None-Match; a tag matches itself (and the weak form of itself) and
 * If-Range holds for exactly the tag, blanks around it allowed. */
#include "http/headers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_range: check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static const char ETAG[] = "\"9f86d081884c7d65\"";

static void check_range(const char *h, size_t size)
{
    size_t start = (size_t)-7, len = (size_t)-9;
    range_result r = range_parse(h, size, &start, &len);
    CHECK(r == RANGE_NONE || r == RANGE_OK || r == RANGE_BAD);
    if (r == RANGE_OK) {
        CHECK(size > 0);
        CHECK(len >= 1);
        CHECK(start < size);
        CHECK(len <= size - start);
    } else {
        CHECK(start == (size_t)-7 && len == (size_t)-9);
    }
    if (strchr(h, ','))
        CHECK(r != RANGE_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    size_t size = 0;
    size_t skip = n < 4 ? n : 4;
    for (size_t i = 0; i < skip; i++)
        size |= (size_t)data[i] << (8 * i);
    size_t hl = n - skip;
    char *h = malloc(hl + 1);
    if (!h)
        return 0;
    memcpy(h, data + skip, hl);
    h[hl] = '\0';

    check_range(h, size);
    check_range(h, 0);
    check_range(h, SIZE_MAX);   /* the saturating arithmetic at the top */
    check_range(h, (size_t)1 << 32);

    int g = accepts_gzip(h);
    CHECK(g == 0 || g == 1);

    int m = etag_matches(h, ETAG);
    CHECK(m == 0 || m == 1);
    size_t hlen = strlen(h);
    m = etag_matches(h, h);   /* the input as the tag too */
    CHECK(m == 0 || m == 1);
    if (hlen >= 2 && h[0] == '"' && h[hlen - 1] == '"' && !memchr(h + 1, '"', hlen - 2)) {
        CHECK(etag_matches(h, h) == 1);   /* a tag matches itself ... */
        char *weak = malloc(hlen + 7);
        if (!weak)
            abort();
        snprintf(weak, hlen + 7, " W/%s,", h);
        CHECK(etag_matches(weak, h) == 1);   /* ... and its weak form, in a list */
        free(weak);
    }
    CHECK(etag_matches("*", h) == 1);

    int ir = if_range_holds(h, ETAG);
    CHECK(ir == 0 || ir == 1);
    if (ir) {   /* exactly the tag, blanks around it allowed */
        const char *p = h;
        while (*p == ' ' || *p == '\t')
            p++;
        CHECK(strncmp(p, ETAG, sizeof ETAG - 1) == 0);
        for (p += sizeof ETAG - 1; *p; p++)
            CHECK(*p == ' ' || *p == '\t');
    }
    ir = if_range_holds(h, h);
    CHECK(ir == 0 || ir == 1);
    if (hlen && h[0] != ' ' && h[0] != '\t' && h[hlen - 1] != ' ' && h[hlen - 1] != '\t')
        CHECK(ir == 1);

    free(h);
    return 0;
}
