/* fuzz_link.c - short links' targets from hostile input: link_normalise().
 *
 * Checks: no memory error or UB; a target that is taken is at most
 * LINK_MAX bytes, starts with http:// or https://, holds no control
 * character, space, quote or angle bracket (it goes into Location headers
 * and attributes), and is a fixed point (normalising it again gives it
 * back); one that is refused says so in one line, naming the url field. */
#include "core/link.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_link: check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[LINK_MAX + 1], again[LINK_MAX + 1];
    fault f;
    if (link_normalise((const char *)data, size, out, &f) != 0) {
        CHECK(f.field && strcmp(f.field, "url") == 0);
        CHECK(!strchr(f.message, '\n'));
        return 0;
    }
    size_t n = strlen(out);
    CHECK(n <= LINK_MAX);
    CHECK(strncmp(out, "http://", 7) == 0 || strncmp(out, "https://", 8) == 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        CHECK(c > 0x20 && c < 0x7f && !strchr("\"<>\\^`{|}", c));
    }
    CHECK(link_normalise(out, n, again, &f) == 0);
    CHECK(strcmp(out, again) == 0);
    CHECK(!link_is_to(out, "") );
    return 0;
}
