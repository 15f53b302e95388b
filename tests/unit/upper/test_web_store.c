/* test_web_store.c - HTML escaping (src/web/html.c) and Redis URLs (src/store/redis.c). */
#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "store/redis.h"
#include "web/html.h"

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
