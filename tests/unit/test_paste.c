/* test_paste.c - the cache record encoding and validation (src/core/paste.c). */
#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "core/paste.h"

static paste *sample(size_t size)
{
    paste *p = paste_new();
    p->num = 42;
    strcpy(p->id, "AbC1234");
    p->title = strdup("t\xc3\xa9st");
    p->lang = strdup("c");
    p->body = malloc(size ? size : 1);
    for (size_t i = 0; i < size; i++)
        p->body[i] = (uint8_t)i;
    p->size = size;
    p->created_ms = 1700000000123;
    p->expires_ms = 1700000600000;
    p->views = 7;
    p->burn = 1;
    paste_hash_body(p);
    return p;
}

Test(paste, encode_decode_round_trip)
{
    paste *p = sample(256);
    size_t len;
    uint8_t *rec = paste_encode(p, &len);
    paste *q = paste_decode(rec, len);
    cr_assert_not_null(q);
    cr_assert_eq(q->num, 42);
    cr_assert_str_eq(q->id, "AbC1234");
    cr_assert_str_eq(q->title, p->title);
    cr_assert_str_eq(q->lang, "c");
    cr_assert_eq(q->size, 256);
    cr_assert_eq(memcmp(q->body, p->body, 256), 0);
    cr_assert_eq(q->created_ms, p->created_ms);
    cr_assert_eq(q->expires_ms, p->expires_ms);
    cr_assert_eq(q->views, 7);
    cr_assert_eq(q->burn, 1);
    cr_assert_eq(q->unlisted, 0);
    cr_assert_str_eq(q->hash, p->hash);
    free(rec);
    paste_free(p);
    paste_free(q);
}

Test(paste, decode_rejects_every_truncation_and_garbage)
{
    paste *p = sample(40);
    size_t len;
    uint8_t *rec = paste_encode(p, &len);
    for (size_t cut = 0; cut < len; cut++)
        cr_assert_null(paste_decode(rec, cut), "accepted a record cut at %zu", cut);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, rec, len);
    longer[len] = 0;
    cr_assert_null(paste_decode(longer, len + 1));
    cr_assert_null(paste_decode((const uint8_t *)"-", 1));
    free(longer);
    free(rec);
    paste_free(p);
}

Test(paste, sha256_of_known_value)
{
    paste *p = paste_new();
    p->body = (uint8_t *)strdup("abc");
    p->size = 3;
    paste_hash_body(p);
    cr_assert_str_eq(p->hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    paste_free(p);
}

Test(paste, utf8_validation)
{
    cr_assert(utf8_valid((const uint8_t *)"plain", 5));
    cr_assert(utf8_valid((const uint8_t *)"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    cr_assert_not(utf8_valid((const uint8_t *)"\xc3", 1));          /* truncated */
    cr_assert_not(utf8_valid((const uint8_t *)"\xc0\xaf", 2));      /* overlong */
    cr_assert_not(utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));  /* surrogate */
    cr_assert_not(utf8_valid((const uint8_t *)"\xff", 1));
}

Test(paste, title_and_lang_checks)
{
    fault f;
    cr_assert_eq(paste_check_title("my notes", 8, NULL), 0);
    cr_assert_eq(paste_check_title("a\nb", 3, &f), -1);
    cr_assert_eq(f.kind, FAULT_INVALID);
    cr_assert_eq(paste_check_title("\xff", 1, &f), -1);
    cr_assert_eq(f.kind, FAULT_INVALID);
    char big[300];
    memset(big, 'x', sizeof big);
    cr_assert_eq(paste_check_title(big, sizeof big, &f), -1);
    cr_assert_eq(f.kind, FAULT_INVALID);
    cr_assert_eq(paste_check_lang("c++", 3, NULL), 0);
    cr_assert_eq(paste_check_lang("", 0, NULL), 0);
    cr_assert_eq(paste_check_lang("<script>", 8, &f), -1);
    cr_assert_eq(f.kind, FAULT_INVALID);
    cr_assert_eq(paste_check_lang("a b", 3, &f), -1);
    cr_assert_eq(f.kind, FAULT_INVALID);
}

