/* fuzz_head.c - the HTTP request head: http_head_end() and http_parse_head().
 *
 * Checks: no memory error or UB on any input (the head is copied into a
 * malloc'd buffer of exactly its size, so ASan sees any overread);
 * http_head_end() finds the same end whether the bytes arrive at once or in
 * pieces (with *scanned carried between calls); a refusal has a known status
 * and a reason; an accepted head is consistent: method a token, path starting
 * with '/', version 0 or 1, every string inside the buffer, the framing rules
 * of parse.h (never chunked together with Content-Length, chunked only on
 * HTTP/1.1, exactly one Host on HTTP/1.1), and http_find_header() finds what
 * was parsed. */
#include "http/parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_head: check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static int inside(const char *s, const char *buf, size_t len)
{
    if (s < buf || s >= buf + len)
        return 0;
    return memchr(s, '\0', (size_t)(buf + len - s)) != NULL;   /* NUL-terminated in the buffer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    if (size)
        memcpy(in, data, size);

    /* the whole input at once */
    size_t scanned = 0;
    size_t end = http_head_end(in, size, &scanned);
    CHECK(end <= size);
    CHECK(end == 0 || (end >= 2 && in[end - 1] == '\n'));

    /* the same bytes arriving in pieces: sizes from a cheap hash of the input */
    uint32_t seed = 2166136261u;
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 16777619u;
    size_t have = 0, end2 = 0;
    scanned = 0;
    while (have < size) {
        seed = seed * 1103515245u + 12345u;
        size_t step = 1 + (seed >> 16) % 64;
        have = have + step < size ? have + step : size;
        char *part = malloc(have);
        if (!part)
            break;
        memcpy(part, in, have);
        end2 = http_head_end(part, have, &scanned);
        free(part);
        CHECK(scanned <= have);
        if (end2)
            break;
    }
    if (have == size || end2)
        CHECK(end2 == end);

    if (end) {
        /* the head alone, in a buffer of exactly its size */
        char *head = malloc(end);
        if (!head) {
            free(in);
            return 0;
        }
        memcpy(head, in, end);
        http_head h;
        const char *why = NULL;
        int status = http_parse_head(head, end, &h, &why);
        if (status) {
            CHECK(status == 400 || status == 417 || status == 431 || status == 501 || status == 505);
            CHECK(why != NULL && *why);
        } else {
            CHECK(inside(h.method, head, end) && *h.method);
            CHECK(strlen(h.method) <= 16);
            CHECK(inside(h.path, head, end) || strcmp(h.path, "/") == 0);
            CHECK(h.path[0] == '/');
            CHECK(strchr(h.path, '?') == NULL);
            CHECK(h.query == NULL || inside(h.query, head, end));
            CHECK(h.minor_version == 0 || h.minor_version == 1);
            CHECK(h.n_headers >= 0 && h.n_headers <= HTTP_MAX_HEADERS);
            CHECK(h.content_length >= -1);
            CHECK(!(h.chunked && h.content_length >= 0));
            CHECK(!(h.chunked && h.minor_version == 0));
            CHECK(h.keep_alive == 0 || h.keep_alive == 1);
            int hosts = 0;
            for (int i = 0; i < h.n_headers; i++) {
                const http_header *hd = &h.headers[i];
                CHECK(inside(hd->name, head, end) && *hd->name);
                CHECK(inside(hd->value, head, end));
                size_t vl = strlen(hd->value);
                CHECK(vl == 0 || (hd->value[0] != ' ' && hd->value[0] != '\t'
                                  && hd->value[vl - 1] != ' ' && hd->value[vl - 1] != '\t'));
                for (const char *c = hd->value; *c; c++)
                    CHECK(*c == '\t' || ((unsigned char)*c >= 0x20 && *c != 0x7f));
                if (strcasecmp(hd->name, "Host") == 0)
                    hosts++;
                /* the first header of that name */
                const char *found = http_find_header(&h, hd->name);
                CHECK(found != NULL);
                int first = i;
                for (int j = 0; j < i; j++)
                    if (strcasecmp(h.headers[j].name, hd->name) == 0) {
                        first = j;
                        break;
                    }
                CHECK(found == h.headers[first].value);
            }
            CHECK(h.minor_version == 0 ? hosts <= 1 : hosts == 1);
            CHECK(h.expect_continue == 0 || http_find_header(&h, "Expect") != NULL);
        }
        free(head);
    }
    free(in);
    return 0;
}
