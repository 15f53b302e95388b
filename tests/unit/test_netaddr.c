/* test_netaddr.c - client addresses and the limits' settings (core/netaddr.c, core/limit.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/limit.h"
#include "core/netaddr.h"

static netaddr addr(const char *s)
{
    netaddr a;
    cr_assert_eq(netaddr_parse(s, strlen(s), &a), 0, "%s does not parse", s);
    return a;
}

static const char *key_of(const char *s)
{
    static char key[NETADDR_KEY_MAX];
    netaddr a = addr(s);
    netaddr_key(&a, key);
    return key;
}

Test(netaddr, parses_what_proxies_write)
{
    cr_assert_str_eq(key_of("203.0.113.7"), "203.0.113.7");
    cr_assert_str_eq(key_of("203.0.113.7:8080"), "203.0.113.7");
    cr_assert_str_eq(key_of("[2001:db8::1]:4711"), "2001:db8::/64");
    cr_assert_str_eq(key_of("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    cr_assert_str_eq(key_of("::ffff:198.51.100.9"), "198.51.100.9");   /* mapped: the IPv4 client */
    netaddr a;
    const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "example.com", "[::1", "2001:db8::1::2", "1.2.3.256" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(netaddr_parse(bad[i], strlen(bad[i]), &a), -1, "'%s' parsed", bad[i]);
}

Test(netaddr, one_64_is_one_client)
{
    char a[NETADDR_KEY_MAX];
    strcpy(a, key_of("2001:db8:aa:1::a"));
    cr_assert_str_eq(a, key_of("2001:db8:aa:1:ffff::b"));
    cr_assert_str_neq(a, key_of("2001:db8:aa:2::a"));
}

Test(netset, matches_networks)
{
    netset s;
    cr_assert_eq(netset_parse("10.0.0.0/8, 192.168.1.1 2001:db8::/32 ::1", &s, NULL), 0);
    cr_assert_eq(s.n, 4);
    netaddr in[] = { addr("10.200.3.4"), addr("192.168.1.1"), addr("2001:db8:ffff::1"), addr("::1") };
    netaddr out[] = { addr("11.0.0.1"), addr("192.168.1.2"), addr("2001:db9::1"), addr("::2"), addr("0.0.0.0") };
    for (size_t i = 0; i < 4; i++)
        cr_assert(netset_has(&s, &in[i]));
    for (size_t i = 0; i < 5; i++)
        cr_assert_not(netset_has(&s, &out[i]));
    fault f;
    cr_assert_eq(netset_parse("10.0.0.0/33", &s, &f), -1);
    cr_assert_eq(netset_parse("10.0.0.0/", &s, &f), -1);
    cr_assert_eq(netset_parse("nonsense", &s, &f), -1);
    cr_assert(strstr(f.message, "nonsense"));
    cr_assert_eq(netset_parse("", &s, NULL), 0);
    cr_assert_eq(s.n, 0);
}

static const char *client_in(const char *header, int rfc7239)
{
    static char key[NETADDR_KEY_MAX];
    netset trusted;
    cr_assert_eq(netset_parse("127.0.0.1 10.0.0.0/8", &trusted, NULL), 0);
    netaddr a;
    if (netaddr_forwarded(header, rfc7239, &trusted, &a) != 0)
        return NULL;
    netaddr_key(&a, key);
    return key;
}

Test(forwarded, the_rightmost_untrusted_address_is_the_client)
{
    cr_assert_str_eq(client_in("203.0.113.7", 0), "203.0.113.7");
    cr_assert_str_eq(client_in("203.0.113.7, 10.1.1.1, 127.0.0.1", 0), "203.0.113.7");
    /* what the client wrote itself, left of the first untrusted hop, is ignored */
    cr_assert_str_eq(client_in("1.1.1.1, 203.0.113.7, 10.1.1.1", 0), "203.0.113.7");
    cr_assert_str_eq(client_in("10.9.9.9, 127.0.0.1", 0), "10.9.9.9");     /* all proxies: the leftmost */
    cr_assert_null(client_in("203.0.113.7, not-an-address", 0));
    cr_assert_null(client_in("", 0));
    cr_assert_str_eq(client_in("for=192.0.2.60;proto=http;by=203.0.113.43", 1), "192.0.2.60");
    cr_assert_str_eq(client_in("for=\"[2001:db8:cafe::17]:4711\", for=10.0.0.1", 1), "2001:db8:cafe::/64");
    cr_assert_str_eq(client_in("For=198.51.100.2", 1), "198.51.100.2");
    cr_assert_null(client_in("proto=https", 1));
    cr_assert_null(client_in("for=unknown", 1));
}

Test(limits, rates_parse)
{
    rate r;
    cr_assert_eq(limits_parse_rate("30/10m", &r), 0);
    cr_assert_eq(r.burst, 30);
    cr_assert_eq(r.period_ms, 600000);
    cr_assert_eq(limits_parse_rate("16M/1h", &r), 0);
    cr_assert_eq(r.burst, 16u << 20);
    cr_assert_eq(limits_parse_rate("off", &r), 0);
    cr_assert_eq(r.burst, 0);
    const char *bad[] = { "30", "/1m", "30/", "0/1m", "30/1x", "-1/1m", "30/10m/1", "1Q/1m" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(limits_parse_rate(bad[i], &r), -1, "'%s' parsed", bad[i]);
}

Test(limits, settings_are_checked_together)
{
    config cfg;
    config_defaults(&cfg);
    limits l;
    fault f;
    cr_assert_eq(limits_parse(&cfg, &l, &f), 0, "%s", f.message);
    cr_assert_eq(l.rates[LIMIT_CREATES].burst, 30);
    strcpy(cfg.limit_create_bytes, "512K/1h");   /* less than max_paste_size at once */
    cr_assert_eq(limits_parse(&cfg, &l, &f), -1);
    cr_assert_str_eq(f.field, "limit_create_bytes");
    config_defaults(&cfg);
    strcpy(cfg.trusted_proxies, "10.0.0.0/8 bogus");
    cr_assert_eq(limits_parse(&cfg, &l, &f), -1);
    cr_assert_str_eq(f.field, "trusted_proxies");
    config_defaults(&cfg);
    strcpy(cfg.max_expire, "1w");
    cr_assert_eq(limits_parse(&cfg, &l, &f), 0);
    cr_assert_eq(l.max_expire_s, 604800);
}
