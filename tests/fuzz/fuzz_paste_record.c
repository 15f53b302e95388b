/* fuzz_paste_record.c - the cache record decoder, paste_decode(), and its
 * round trip through paste_encode().
 *
 * Input: a record as read back from Redis (malloc'd, exactly its size).
 * Checks: no memory error, leak or UB on any bytes; a decoded paste is sane
 * (refs 1, text unknown, flags 0/1, NUL-terminated id, title and lang, a
 * body buffer of its size); and if it decodes, paste_encode() then
 * paste_decode() gives equal fields (strings compared as the C strings the
 * rest of the server sees), and encoding that again gives the very same
 * bytes (encode is a fixpoint after one trip). */
#include "core/paste.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_paste_record: check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static void check_sane(const paste *p)
{
    CHECK(p->refs == 1);
    CHECK(p->text == -1);
    CHECK(p->burn == 0 || p->burn == 1);
    CHECK(p->unlisted == 0 || p->unlisted == 1);
    CHECK(memchr(p->id, '\0', sizeof p->id) != NULL);
    CHECK(memchr(p->parent, '\0', sizeof p->parent) != NULL);
    CHECK(p->title != NULL && p->lang != NULL && p->body != NULL);
    CHECK(strlen(p->title) <= 0xffff && strlen(p->lang) <= 0xff);
    CHECK(p->size <= 0xffffffffu);
    CHECK(p->derived == NULL && p->derived_free == NULL && p->segment == NULL);
    if (p->size)   /* ASan: the whole body is there */
        CHECK(((volatile uint8_t *)p->body)[p->size - 1] == p->body[p->size - 1]);
}

static void check_equal(const paste *a, const paste *b)
{
    CHECK(a->num == b->num);
    CHECK(a->created_ms == b->created_ms);
    CHECK(a->expires_ms == b->expires_ms);
    CHECK(a->views == b->views);
    CHECK(a->burn == b->burn);
    CHECK(a->unlisted == b->unlisted);
    CHECK(a->link == b->link && a->encrypted == b->encrypted && a->views_max == b->views_max);
    CHECK(strcmp(a->parent, b->parent) == 0);
    CHECK(strcmp(a->id, b->id) == 0);
    CHECK(strcmp(a->title, b->title) == 0);
    CHECK(strcmp(a->lang, b->lang) == 0);
    CHECK(memcmp(a->hash, b->hash, PASTE_HASH_HEX) == 0);
    CHECK(a->size == b->size);
    CHECK(a->size == 0 || memcmp(a->body, b->body, a->size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    if (size)
        memcpy(in, data, size);
    paste *p = paste_decode(in, size);
    free(in);
    if (!p)
        return 0;
    check_sane(p);

    size_t n1 = 0;
    uint8_t *e1 = paste_encode(p, &n1);
    CHECK(e1 != NULL);
    /* nothing grows, but a PST1 record (no views_max, parent) becomes PST2: strings may only get shorter (at a NUL) */
    CHECK(n1 <= size + 3);
    paste *q = paste_decode(e1, n1);
    CHECK(q != NULL);
    check_sane(q);
    check_equal(p, q);

    size_t n2 = 0;
    uint8_t *e2 = paste_encode(q, &n2);
    CHECK(e2 != NULL);
    CHECK(n2 == n1 && memcmp(e1, e2, n1) == 0);

    /* the helpers the readers call on a decoded paste */
    int t = paste_is_text(q);
    CHECK(t == 0 || t == 1);
    CHECK(paste_is_text(q) == t);
    paste_ref(q);
    paste_free(q);
    CHECK(q->refs == 1);

    free(e2);
    paste_free(q);
    free(e1);
    paste_free(p);
    return 0;
}
