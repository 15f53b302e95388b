/* test_limits.c - limits per client (issue 12), against the real limiter in
 * Redis. tests/pasted-test.conf makes loopback a trusted proxy (so a test
 * is any client it names in X-Forwarded-For or Forwarded) and allowlists
 * loopback itself; budgets are 5 creates, lookups and deletes per 5 s, 4 MB
 * per 5 s and 3 MB a day. Each test uses addresses no other test uses
 * (unique per run: the buckets live in Redis for the whole suite). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pasted_client.h"

/* A client address of its own for this test run: 10.<pid>.<n>. */
static void fresh_client(char out[64], int n)
{
    static int serial;
    int pid = (int)getpid();
    snprintf(out, 64, "10.%d.%d.%d", (pid >> 8) & 255, pid & 255, (n * 16 + serial++) & 255);
}

static http_resp *create_as(const char *header, const char *body, size_t len, const char *query)
{
    char *url = pasted_url(query ? query : "/");
    const char *args[] = { "-H", header, "-H", "Content-Type: text/plain", "--data-binary", "@-", url, NULL };
    http_resp *r = http_run(args, body, len);
    free(url);
    return r;
}

static http_resp *create_from(const char *client, const char *body)
{
    char header[128];
    snprintf(header, sizeof header, "X-Forwarded-For: %s", client);
    return create_as(header, body, strlen(body), NULL);
}

static void assert_limited(http_resp *r, const char *reason_word)
{
    cr_assert_eq(r->status, 429, "expected 429, got %d %s", r->status, r->body);
    const char *retry = http_header(r, "Retry-After");
    cr_assert_not_null(retry, "a 429 without Retry-After");
    cr_assert(atoi(retry) >= 1 && atoi(retry) <= 86400, "Retry-After: %s", retry);
    cr_assert(strstr(r->body, reason_word), "the reason does not say '%s': %s", reason_word, r->body);
    const char *nl = memchr(r->body, '\n', r->body_len);
    cr_assert(!nl || nl == r->body + r->body_len - 1, "not one line: %s", r->body);
}

static int create_status(const char *client, const char *body)
{
    http_resp *r = create_from(client, body);
    int s = r->status;
    http_free(r);
    return s;
}

Test(limits, creates_over_the_budget_get_429_with_retry_after_then_it_refills, .timeout = 60)
{
    char client[64];
    fresh_client(client, 1);
    long long refused = metric("pasted_refused_total{reason=\"creates\"}");
    for (int i = 0; i < 5; i++)
        cr_assert_eq(create_status(client, "within the budget"), 201, "create %d of 5", i + 1);
    http_resp *r = create_from(client, "one too many");
    assert_limited(r, "too many pastes");
    http_free(r);
    cr_assert_eq(metric("pasted_refused_total{reason=\"creates\"}"), refused + 1);
    /* another client is not touched by it */
    char other[64];
    fresh_client(other, 2);
    cr_assert_eq(create_status(other, "someone else"), 201);
    /* one comes back a second (5 per 5 s) */
    sleep(2);
    cr_assert_eq(create_status(client, "after a while"), 201, "the bucket did not refill");
}

Test(limits, the_allowlist_is_never_limited)
{
    /* loopback is on limit_allow: no X-Forwarded-For, no limit */
    for (int i = 0; i < 8; i++) {
        http_resp *r = http_post("/", "text/plain", "allowed", 7);
        cr_assert_eq(r->status, 201, "create %d from the allowlist: %d", i + 1, r->status);
        http_free(r);
    }
}

Test(limits, a_trusted_proxy_chain_names_the_client_and_ipv6_counts_by_64, .timeout = 60)
{
    /* the proxy chain: the client, then a trusted proxy (loopback) that appended itself */
    char client[64], header[160];
    fresh_client(client, 3);
    snprintf(header, sizeof header, "X-Forwarded-For: %s, 127.0.0.1", client);
    for (int i = 0; i < 5; i++) {
        http_resp *r = create_as(header, "via two proxies", 15, NULL);
        cr_assert_eq(r->status, 201);
        http_free(r);
    }
    http_resp *r = create_from(client, "the same client, one hop");
    assert_limited(r, "too many pastes");
    http_free(r);
    /* Forwarded (RFC 7239), IPv6: two addresses of one /64 are one client */
    char a[160], b[160];
    int pid = (int)getpid() & 0xffff;
    snprintf(a, sizeof a, "Forwarded: for=\"[2001:db8:%x:1::a]:4711\";proto=https", pid);
    snprintf(b, sizeof b, "Forwarded: for=\"[2001:db8:%x:1::b]\"", pid);
    for (int i = 0; i < 5; i++) {
        r = create_as(i % 2 ? a : b, "v6", 2, NULL);
        cr_assert_eq(r->status, 201, "create %d: %d %s", i + 1, r->status, r->body);
        http_free(r);
    }
    r = create_as(a, "v6, sixth", 9, NULL);
    assert_limited(r, "too many pastes");
    http_free(r);
}

Test(limits, failed_lookups_are_limited_and_hot_reads_are_not, .timeout = 60)
{
    char client[64], header[128];
    fresh_client(client, 4);
    snprintf(header, sizeof header, "X-Forwarded-For: %s", client);
    char *known = create_paste("a paste that exists", 19, "");
    char *missing = pasted_url("/raw/AAAAAAAAAAAAAAAAAAAAAB");
    char *hot = NULL;
    cr_assert(asprintf(&hot, "%s", known) > 0);
    assert_raw_is(known, "a paste that exists", 19);   /* now hot */
    int got429 = 0;
    for (int i = 0; i < 10 && !got429; i++) {
        http_resp *r = http_curl("-H", header, missing, NULL);
        cr_assert(r->status == 404 || r->status == 429, "%d", r->status);
        if (r->status == 429)
            assert_limited(r, "do not exist");
        got429 = r->status == 429;
        http_free(r);
        usleep(50 * 1000);  /* the 404's charge is made after it is answered */
    }
    cr_assert(got429, "ten lookups of a missing paste, never a 429");
    cr_assert_geq(metric("pasted_refused_total{reason=\"lookups\"}"), 1);
    /* the paste that exists, hot, still reads for that client */
    char path[64];
    snprintf(path, sizeof path, "/raw/%s", known);
    char *url = pasted_url(path);
    http_resp *r = http_curl("-H", header, url, NULL);
    cr_assert_eq(r->status, 200, "a hot read by a client out of lookups: %d", r->status);
    http_free(r);
    free(url);
    free(hot);
    free(missing);
    free(known);
}

Test(limits, delete_attempts_are_limited)
{
    char client[64], header[128];
    fresh_client(client, 5);
    snprintf(header, sizeof header, "X-Forwarded-For: %s", client);
    char *id = create_paste("keep me", 7, "");
    char path[64];
    snprintf(path, sizeof path, "/%s", id);
    char *url = pasted_url(path);
    for (int i = 0; i < 5; i++) {
        http_resp *r = http_curl("-X", "DELETE", "-H", header, "-H", "X-Delete-Token: wrong", url, NULL);
        cr_assert_eq(r->status, 403, "delete %d: %d", i + 1, r->status);
        http_free(r);
    }
    http_resp *r = http_curl("-X", "DELETE", "-H", header, "-H", "X-Delete-Token: wrong", url, NULL);
    assert_limited(r, "too many deletes");
    http_free(r);
    assert_raw_is(id, "keep me", 7);
    free(url);
    free(id);
}

Test(limits, the_daily_quota_counts_bytes, .timeout = 60)
{
    char client[64];
    fresh_client(client, 6);
    size_t mb = 1000 * 1000;
    char *big = malloc(mb + 1);
    memset(big, 'q', mb);
    big[mb] = '\0';
    for (int i = 0; i < 3; i++)
        cr_assert_eq(create_status(client, big), 201, "1 MB number %d of the 3 MiB quota", i + 1);
    http_resp *r = create_from(client, big);
    assert_limited(r, "quota");
    http_free(r);
    free(big);
}

Test(limits, limits_are_shared_by_instances_on_one_redis, .timeout = 60)
{
    int port = free_port();
    char log_path[] = "/tmp/pasted-limits-XXXXXX";
    close(mkstemp(log_path));
    pid_t b = start_pasted(port, NULL, log_path);
    char client[64], header[128], url_b[64];
    fresh_client(client, 7);
    snprintf(header, sizeof header, "X-Forwarded-For: %s", client);
    snprintf(url_b, sizeof url_b, "http://127.0.0.1:%d/", port);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(create_status(client, "on the first"), 201);
    for (int i = 0; i < 2; i++) {
        const char *args[] = { "-H", header, "--data-binary", "on the second", url_b, NULL };
        http_resp *r = http_run(args, NULL, 0);
        cr_assert_eq(r->status, 201);
        http_free(r);
    }
    const char *args[] = { "-H", header, "--data-binary", "one too many", url_b, NULL };
    http_resp *r = http_run(args, NULL, 0);
    assert_limited(r, "too many pastes");
    http_free(r);
    stop_pasted(b);
    unlink(log_path);
}

Test(limits, forwarding_headers_from_an_untrusted_peer_are_ignored, .timeout = 60)
{
    /* a second instance that trusts no proxy on loopback and allows no one:
     * the client is the peer, 127.0.0.1, whatever the headers say */
    int port = free_port();
    char log_path[] = "/tmp/pasted-limits-XXXXXX";
    close(mkstemp(log_path));
    const char *env[] = { "PASTED_TRUSTED_PROXIES=192.0.2.1", "PASTED_LIMIT_ALLOW=192.0.2.2",
                          "PASTED_LIMIT_CREATES=3/1h", NULL };
    pid_t b = start_pasted(port, env, log_path);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    int status = 0;
    for (int i = 0; i < 4; i++) {
        char header[64];
        snprintf(header, sizeof header, "X-Forwarded-For: 192.0.2.%d", 10 + i);
        const char *args[] = { "-H", header, "--data-binary", "spoofing", url, NULL };
        http_resp *r = http_run(args, NULL, 0);
        status = r->status;
        http_free(r);
    }
    stop_pasted(b);
    unlink(log_path);
    cr_assert_eq(status, 429, "four creates with four made-up addresses: the fourth got %d", status);
}

Test(limits, max_expire_refuses_longer_expiries, .timeout = 60)
{
    int port = free_port();
    char log_path[] = "/tmp/pasted-limits-XXXXXX";
    close(mkstemp(log_path));
    const char *env[] = { "PASTED_MAX_EXPIRE=1d", "PASTED_DEFAULT_EXPIRE=1h", NULL };
    pid_t b = start_pasted(port, env, log_path);
    char url[96];
    int status[3];
    const char *expiries[] = { "1h", "1w", "never" };
    for (int i = 0; i < 3; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d/?expire=%s", port, expiries[i]);
        const char *args[] = { "--data-binary", "expiring", url, NULL };
        http_resp *r = http_run(args, NULL, 0);
        status[i] = r->status;
        http_free(r);
    }
    stop_pasted(b);
    unlink(log_path);
    cr_assert_eq(status[0], 201, "expire=1h under max_expire 1d: %d", status[0]);
    cr_assert_eq(status[1], 400, "expire=1w over max_expire 1d: %d", status[1]);
    cr_assert_eq(status[2], 400, "expire=never with max_expire 1d: %d", status[2]);
}

/* ids that could never have been made (they do not decode) cost a lookup
 * too, and a client out of lookups gets 429 for them (found by make soak) */
Test(limits, lookups_of_ids_that_never_existed_are_limited_too)
{
    char client[64], header[128];
    fresh_client(client, 8);
    snprintf(header, sizeof header, "X-Forwarded-For: %s", client);
    char *never = pasted_url("/raw/zzzzzzz");   /* above 2^40: no 7-character id has it */
    int got429 = 0;
    for (int i = 0; i < 10 && !got429; i++) {
        http_resp *r = http_curl("-H", header, never, NULL);
        cr_assert(r->status == 404 || r->status == 429, "%d", r->status);
        got429 = r->status == 429;
        http_free(r);
        usleep(50 * 1000);
    }
    cr_assert(got429, "ten lookups of an id that never existed, never a 429");
    free(never);
}
