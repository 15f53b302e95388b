/* test_paste.c - the cache record encoding, validation, and HTML escaping. */
#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "paste.h"
#include "store_redis.h"

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
    cr_assert_null(paste_check_title("my notes", 8));
    cr_assert_not_null(paste_check_title("a\nb", 3));
    cr_assert_not_null(paste_check_title("\xff", 1));
    char big[300];
    memset(big, 'x', sizeof big);
    cr_assert_not_null(paste_check_title(big, sizeof big));
    cr_assert_null(paste_check_lang("c++", 3));
    cr_assert_null(paste_check_lang("", 0));
    cr_assert_not_null(paste_check_lang("<script>", 8));
    cr_assert_not_null(paste_check_lang("a b", 3));
}

static char *escaped(const char *s, size_t len)
{
    struct evbuffer *b = evbuffer_new();
    html_escape(b, s, len);
    size_t n = evbuffer_get_length(b);
    char *out = malloc(n + 1);
    evbuffer_remove(b, out, n);
    out[n] = '\0';
    evbuffer_free(b);
    return out;
}

Test(html, escape_markup_and_bad_bytes)
{
    char *e = escaped("<a href='x'>\"&\"</a>", 19);
    cr_assert_str_eq(e, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
    free(e);
    e = escaped("a\0b\xff", 4);
    cr_assert_str_eq(e, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
    free(e);
    e = escaped("caf\xc3\xa9", 5);
    cr_assert_str_eq(e, "caf\xc3\xa9");
    free(e);
}

Test(redis_url, forms)
{
    redis_target t;
    cr_assert_eq(redis_target_parse("redis://127.0.0.1:7000", &t), 0);
    cr_assert_str_eq(t.host, "127.0.0.1");
    cr_assert_eq(t.port, 7000);
    cr_assert_eq(redis_target_parse("redis://:secret@h/3", &t), 0);
    cr_assert_str_eq(t.password, "secret");
    cr_assert_eq(t.port, 6379);
    cr_assert_eq(t.db, 3);
    cr_assert_eq(redis_target_parse("/run/redis.sock", &t), 0);
    cr_assert_str_eq(t.socket_path, "/run/redis.sock");
    cr_assert_eq(redis_target_parse("unix:///run/r.sock", &t), 0);
    cr_assert_str_eq(t.socket_path, "/run/r.sock");
    cr_assert_eq(redis_target_parse("http://x", &t), -1);
    cr_assert_eq(redis_target_parse("redis://h:99999", &t), -1);
    cr_assert_eq(redis_target_parse("redis://", &t), -1);
}
