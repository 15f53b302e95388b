/* test_redis_target.c - redis_url and cache_nodes addresses (store/redis.c):
 * plain Redis, and Redis Sentinels naming the primary. */
#include <criterion/criterion.h>
#include <string.h>

#include "store/redis.h"

Test(redis_target, a_plain_url)
{
    redis_target t;
    cr_assert_eq(redis_target_parse("redis://:pw@10.0.0.5:6380/3", &t), 0);
    cr_assert_str_eq(t.host, "10.0.0.5");
    cr_assert_eq(t.port, 6380);
    cr_assert_eq(t.db, 3);
    cr_assert_str_eq(t.password, "pw");
    cr_assert_str_eq(t.master, "", "a plain URL names no master");
}

Test(redis_target, sentinels_and_their_master)
{
    redis_target t;
    cr_assert_eq(redis_target_parse("sentinel://h1:26380,h2,10.0.0.3:5000/mymaster", &t), 0);
    cr_assert_str_eq(t.master, "mymaster");
    cr_assert_eq(t.nsentinels, 3);
    cr_assert_str_eq(t.sentinels[0].host, "h1");
    cr_assert_eq(t.sentinels[0].port, 26380);
    cr_assert_str_eq(t.sentinels[1].host, "h2");
    cr_assert_eq(t.sentinels[1].port, 26379, "Sentinel's own port by default");
    cr_assert_eq(t.sentinels[2].port, 5000);
    cr_assert_eq(t.db, 0);
    cr_assert_eq(redis_target_parse("sentinel://:secret@h1:26379/m/2", &t), 0);
    cr_assert_str_eq(t.password, "secret");
    cr_assert_str_eq(t.master, "m");
    cr_assert_eq(t.db, 2);
}

Test(redis_target, refuses_what_is_not_one)
{
    redis_target t;
    const char *bad[] = {
        "sentinel://h1:26379",                  /* no master name */
        "sentinel:///mymaster",                 /* no Sentinel */
        "sentinel://h1:0/m",                    /* no port 0 */
        "sentinel://h1:26379/m/x",              /* a db that is no number */
        "sentinel://a,b,c,d,e,f,g,h,i/m",       /* more than SENTINELS_MAX */
        "memcached://h:11211",
        "redis://h:99999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_neq(redis_target_parse(bad[i], &t), 0, "%s was taken", bad[i]);
}
