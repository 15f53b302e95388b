/* test_link.c - short links' targets (core/link.c) and the durations other
 * clients write (core/options.c, options_free_duration_seconds). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/link.h"
#include "core/options.h"

static const char *norm(const char *in)
{
    static char out[LINK_MAX + 1];
    fault f;
    cr_assert_eq(link_normalise(in, strlen(in), out, &f), 0, "%s refused: %s", in, f.message);
    return out;
}

static const char *refused(const char *in, size_t len)
{
    static fault f;
    char out[LINK_MAX + 1];
    cr_assert_eq(link_normalise(in, len, out, &f), -1, "%.*s was taken as %s", (int)len, in, out);
    cr_assert_str_eq(f.field, "url");
    cr_assert_null(strchr(f.message, '\n'), "one line: %s", f.message);
    return f.message;
}

Test(link, written_one_way)
{
    cr_assert_str_eq(norm("https://example.org"), "https://example.org/");
    cr_assert_str_eq(norm("  HTTPS://Example.ORG:443/A?b=C#D \n"), "https://example.org/A?b=C#D");
    cr_assert_str_eq(norm("http://example.org:80/x"), "http://example.org/x");
    cr_assert_str_eq(norm("http://example.org:8080/x"), "http://example.org:8080/x");
    cr_assert_str_eq(norm("http://example.org:/x"), "http://example.org/x");
    cr_assert_str_eq(norm("http://example.org?q=1"), "http://example.org/?q=1");
    cr_assert_str_eq(norm("http://[2001:DB8::1]:8443/"), "http://[2001:db8::1]:8443/");
    /* what a URL may not hold is escaped; escapes already there are kept */
    cr_assert_str_eq(norm("https://example.org/a b\"<>"), "https://example.org/a%20b%22%3C%3E");
    cr_assert_str_eq(norm("https://example.org/caf\xc3\xa9"), "https://example.org/caf%C3%A9");
    cr_assert_str_eq(norm("https://example.org/100%25/50%"), "https://example.org/100%25/50%25");
}

Test(link, what_is_refused_and_why)
{
    cr_assert(strstr(refused("javascript:alert(1)", 19), "only http and https"));
    cr_assert(strstr(refused("data:text/html,<b>x</b>", 23), "only http and https"));
    cr_assert(strstr(refused("JavaScript://%0aalert(1)", 24), "only http and https"));
    cr_assert(strstr(refused("example.com", 11), "no scheme"));
    cr_assert(strstr(refused("//example.com/x", 15), "no scheme"));
    cr_assert(strstr(refused("http:example.com", 16), "absolute"));
    cr_assert(strstr(refused("http://", 7), "no host"));
    cr_assert(strstr(refused("http:///path", 12), "no host"));
    cr_assert(strstr(refused("http://bank.example@evil.example/", 33), "user name"));
    cr_assert(strstr(refused("http://a.example/\x01", 18), "control"));
    cr_assert(strstr(refused("http://a.example/x\ny", 20), "control"));
    cr_assert(strstr(refused("http://a.example/\x7f", 18), "control"));
    cr_assert(strstr(refused("http://a.example/\0x", 19), "control"));
    cr_assert(strstr(refused("http://a.example/\xff", 18), "UTF-8"));
    cr_assert(strstr(refused("http://a b.example/", 19), "host"));
    cr_assert(strstr(refused("http://a.example:99999/", 23), "port"));
    cr_assert(strstr(refused("http://a.example:0/", 19), "port"));
    cr_assert(strstr(refused("http://a.example:8x/", 20), "port"));
    cr_assert(strstr(refused("   ", 3), "empty"));
    char big[LINK_MAX + 2];
    memcpy(big, "http://a.example/", 17);
    memset(big + 17, 'a', sizeof big - 17);
    cr_assert(strstr(refused(big, sizeof big), "2048"));
    /* short enough as sent, too long once escaped */
    char wide[LINK_MAX];
    memcpy(wide, "http://a.example/", 17);
    memset(wide + 17, ' ', sizeof wide - 17);
    wide[17 + 699] = 'x';           /* not trailing spaces, which are trimmed */
    cr_assert(strstr(refused(wide, 17 + 700), "2048"));
}

Test(link, a_link_to_pasted_itself_is_seen)
{
    cr_assert(link_is_to("http://127.0.0.1:8080/abc", "http://127.0.0.1:8080"));
    cr_assert(link_is_to("https://paste.example/x", "https://Paste.Example"));
    cr_assert(link_is_to("https://paste.example/x", "https://paste.example:443"));
    cr_assert(!link_is_to("http://127.0.0.1:9000/abc", "http://127.0.0.1:8080"));
    cr_assert(!link_is_to("https://paste.example.org/", "https://paste.example"));
    cr_assert(!link_is_to("https://example.org/", ""));
}

Test(link, durations_as_rustypaste_writes_them)
{
    cr_assert_eq(options_free_duration_seconds("10min", 5), 600);
    cr_assert_eq(options_free_duration_seconds("30s", 3), 30);
    cr_assert_eq(options_free_duration_seconds("1h30m", 5), 5400);
    cr_assert_eq(options_free_duration_seconds("1h 30m", 6), 5400);
    cr_assert_eq(options_free_duration_seconds("2 days", 6), 172800);
    cr_assert_eq(options_free_duration_seconds("1M", 2), 2592000);
    cr_assert_eq(options_free_duration_seconds("1y", 2), 31536000);
    cr_assert_eq(options_free_duration_seconds("", 0), -1);
    cr_assert_eq(options_free_duration_seconds("10", 2), -1);
    cr_assert_eq(options_free_duration_seconds("min", 3), -1);
    cr_assert_eq(options_free_duration_seconds("10 parsecs", 10), -1);
    cr_assert_eq(options_free_duration_seconds("0s", 2), -1);
    cr_assert_eq(options_free_duration_seconds("-5m", 3), -1);
    cr_assert_eq(options_free_duration_seconds("9999999999y", 11), -1);
    cr_assert_eq(options_free_duration_seconds("999y", 4), -1);
}
