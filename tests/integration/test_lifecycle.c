/* test_lifecycle.c - issue 3, server side: expiry on every read path and by
 * the sweep, burn-after-reading under concurrent readers, unlisted pastes,
 * the recent list, the SSE live feed and its cap, and the security headers
 * and escaping of every page. Runs against tests/pasted-test.conf, which
 * offers a 2 s expiry and sweeps every second. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pasted_client.h"

static int status_of(const char *path, const char *accept)
{
    char *url = pasted_url(path);
    const char *args[] = { "-H", accept ? accept : "Accept: */*", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    int s = r->status;
    http_free(r);
    free(url);
    return s;
}

static int doc_is_gone(void *id)
{
    bson_t *doc = find_doc(id);
    if (doc)
        bson_destroy(doc);
    return doc == NULL;
}

static void drop_cache(const char *id)
{
    redisContext *rc = test_redis();
    freeReplyObject(redisCommand(rc, "DEL pasted:p:%s", id));
    redisFree(rc);
}

/* A page as a browser asks for it (curl's own User-Agent gets /help at /). */
static char *page_of(const char *path)
{
    char *url = pasted_url(path);
    const char *args[] = { "-H", "Accept: text/html", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    free(url);
    cr_assert_eq(r->status, 200, "%s: %d", path, r->status);
    char *body = strndup(r->body, r->body_len);
    http_free(r);
    return body;
}

/* --- expiry ------------------------------------------------------------------ */

Test(expiry, expired_paste_is_gone_on_every_read_path)
{
    char *id = create_paste("short lived", 11, "?expire=2s");
    char raw[32], html[32], api[48];
    snprintf(raw, sizeof raw, "/raw/%s", id);
    snprintf(html, sizeof html, "/%s", id);
    snprintf(api, sizeof api, "/api/pastes/%s", id);
    cr_assert_eq(status_of(raw, NULL), 200);
    redisContext *rc = test_redis();
    redisReply *ttl = redisCommand(rc, "TTL pasted:p:%s", id);
    cr_assert(ttl->integer >= 0 && ttl->integer <= 2, "cache entry outlives the paste: TTL %lld", ttl->integer);
    freeReplyObject(ttl);
    redisFree(rc);
    usleep(2300 * 1000);
    int s = status_of(raw, NULL);
    cr_assert(s == 410 || s == 404, "raw after expiry: %d", s);
    s = status_of(html, "Accept: text/html");
    cr_assert(s == 410 || s == 404, "page after expiry: %d", s);
    s = status_of(api, NULL);
    cr_assert(s == 410 || s == 404, "api after expiry: %d", s);
    cr_assert(wait_until(doc_is_gone, id, 3000), "expired paste still in MongoDB");
    free(id);
}

Test(expiry, expiry_is_checked_on_the_store_path_too)
{
    char *id = create_paste("not cached", 10, "?expire=2s");
    usleep(2300 * 1000);
    drop_cache(id);
    char html[32];
    snprintf(html, sizeof html, "/%s", id);
    int s = status_of(html, NULL);
    cr_assert(s == 410 || s == 404, "page of an expired, uncached paste: %d", s);
    free(id);
}

/* The expiry index (src/expiry.c): the paste's expiry in ms, or -1 when it is not listed. */
static long long listed_expiry(const char *id)
{
    redisContext *rc = test_redis();
    redisReply *rep = redisCommand(rc, "ZSCORE pasted:expiring %s", id);
    long long ms = rep && rep->type == REDIS_REPLY_STRING ? atoll(rep->str) : -1;
    freeReplyObject(rep);
    redisFree(rc);
    return ms;
}

static int unlisted_from_expiry_index(void *id)
{
    return listed_expiry(id) < 0;
}

static int listed_in_expiry_index(void *id)
{
    return listed_expiry(id) >= 0;
}

/* The sweep runs every second (tests/pasted-test.conf), but the full query on "expires" only
 * at start-up: deleting a paste that expired after start-up is the expiry index's work. */
Test(expiry, the_sweep_deletes_unread_expired_pastes)
{
    char *id = create_paste("nobody reads me", 15, "?expire=2s");
    bson_t *doc = find_doc(id);
    cr_assert_not_null(doc);
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, doc, "expires") && BSON_ITER_HOLDS_DATE_TIME(&it));
    long long expires = bson_iter_date_time(&it);
    bson_destroy(doc);
    /* ZADD goes out after the answer, without waiting */
    cr_assert(wait_until(listed_in_expiry_index, id, 2000), "the expiring paste is not in the expiry index");
    cr_assert_eq(listed_expiry(id), expires, "the expiry index lists %s at %lld, the store says %lld", id,
                 listed_expiry(id), expires);
    cr_assert(wait_until(doc_is_gone, id, 6000), "the sweep did not delete the expired paste");
    cr_assert(wait_until(unlisted_from_expiry_index, id, 3000), "the sweep left the deleted paste listed");
    free(id);
}

Test(expiry, never_expiring_pastes_have_no_expiry)
{
    char *id = create_paste("forever", 7, "?expire=never");
    bson_t *doc = find_doc(id);
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, doc, "expires") && BSON_ITER_HOLDS_NULL(&it));
    bson_destroy(doc);
    cr_assert_eq(listed_expiry(id), -1, "a paste that never expires is in the expiry index");
    free(id);
}

/* --- burn after reading --------------------------------------------------- */

/* n concurrent GETs of path with the real curl; returns how many got 200, and
 * the concatenated bodies of those in *bodies. */
static int concurrent_gets(const char *path, int n, char *bodies, size_t cap)
{
    char *url = pasted_url(path);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "for i in $(seq %d); do (curl -s -w ' %%{http_code}\\n' '%s' || echo ' 000') & done; wait",
             n, url);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t len = fread(bodies, 1, cap - 1, p);
    bodies[len] = '\0';
    pclose(p);
    free(url);
    int ok = 0;
    for (const char *at = bodies; (at = strstr(at, " 200\n")) != NULL; at += 5)
        ok++;
    return ok;
}

Test(burn, only_one_of_many_concurrent_readers_sees_it)
{
    char *id = create_paste("SECRET-BURN-1", 13, "?burn=1");
    char path[32], out[8192];
    snprintf(path, sizeof path, "/raw/%s", id);
    int ok = concurrent_gets(path, 12, out, sizeof out);
    cr_assert_eq(ok, 1, "%d readers saw the paste:\n%s", ok, out);
    const char *first = strstr(out, "SECRET-BURN-1");
    cr_assert(first && !strstr(first + 1, "SECRET-BURN-1"), "content served more than once");
    cr_assert_eq(status_of(path, NULL), 404);
    cr_assert(wait_until(doc_is_gone, id, 3000), "burned paste still in MongoDB");
    free(id);
}

Test(burn, the_creators_redirect_does_not_burn_it)
{
    char *url = pasted_url("/");
    const char *args[] = { "-H", "Accept: text/html", "-F", "content=SECRET-BURN-2", "-F", "burn=1", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 303);
    const char *loc = http_header(r, "Location");
    cr_assert(loc && strstr(loc, "?created=1"), "Location %s", loc);
    char landing[64];
    snprintf(landing, sizeof landing, "%s", loc);
    char *id = id_from_url(loc, strlen(loc));
    http_free(r);
    http_resp *page = http_get(landing);
    cr_assert_eq(page->status, 200);
    cr_assert_null(memmem(page->body, page->body_len, "SECRET-BURN-2", 13), "landing page shows the secret");
    cr_assert_str_eq(http_header(page, "Cache-Control"), "no-store");
    http_free(page);
    char api[48];
    snprintf(api, sizeof api, "/api/pastes/%s", id);
    cr_assert_eq(status_of(api, NULL), 200, "metadata must not burn it");
    char html[32];
    snprintf(html, sizeof html, "/%s", id);
    http_resp *first = http_get(html);
    cr_assert_eq(first->status, 200);
    cr_assert_not_null(memmem(first->body, first->body_len, "SECRET-BURN-2", 13));
    cr_assert_str_eq(http_header(first, "Cache-Control"), "no-store");
    http_free(first);
    cr_assert_eq(status_of(html, NULL), 404, "shown twice");
    free(id);
    free(url);
}

Test(burn, raw_burn_reply_is_not_cacheable)
{
    char *id = create_paste("SECRET-BURN-3", 13, "?burn=1");
    char path[32];
    snprintf(path, sizeof path, "/raw/%s", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(http_header(r, "Cache-Control"), "no-store");
    http_free(r);
    free(id);
}

static int raw_status(const char *id)
{
    char path[32];
    snprintf(path, sizeof path, "/raw/%s", id);
    return status_of(path, NULL);
}

Test(delete, a_deleted_paste_leaves_every_workers_memory)
{
    http_resp *r = http_post("/", NULL, "hot then gone", 13);
    cr_assert_eq(r->status, 201);
    char *id = id_from_url(r->body, r->body_len);
    char token[64];
    snprintf(token, sizeof token, "X-Delete-Token: %s", http_header(r, "X-Delete-Token"));
    http_free(r);
    /* each curl is a new connection: the kernel spreads them over the
     * workers, so the paste gets hot in all of them */
    for (int i = 0; i < 12; i++)
        cr_assert_eq(raw_status(id), 200);
    char *url = pasted_url("/");
    char full[128];
    snprintf(full, sizeof full, "%s%s", url, id);
    const char *args[] = { "-X", "DELETE", "-H", token, full, NULL };
    r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 204);
    http_free(r);
    usleep(100 * 1000);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(raw_status(id), 404, "read %d of a deleted paste was served", i);
    free(url);
    free(id);
}

/* --- recent, unlisted, delete --------------------------------------------- */

Test(recent, public_pastes_are_listed_unlisted_and_burn_are_not)
{
    char *pub = create_paste("p", 1, "?title=recent-public-7431");
    char *hidden = create_paste("u", 1, "?title=recent-unlisted-7431&unlisted=1");
    char *burn = create_paste("b", 1, "?title=recent-burn-7431&burn=1");
    char *page = page_of("/recent");
    cr_assert(strstr(page, "recent-public-7431"), "public paste missing from /recent");
    cr_assert_null(strstr(page, "recent-unlisted-7431"), "unlisted paste listed");
    cr_assert_null(strstr(page, "recent-burn-7431"), "burn paste listed");
    free(page);
    page = page_of("/");
    cr_assert(strstr(page, "recent-public-7431"), "home page recent box lacks the paste");
    free(page);
    free(pub);
    free(hidden);
    free(burn);
}

Test(recent, expired_and_deleted_pastes_leave_the_list)
{
    /* titles unique per run: the list outlives a failed run of this test */
    char expiring[64], deleted[64], q[128];
    snprintf(expiring, sizeof expiring, "recent-expiring-%d", (int)getpid());
    snprintf(deleted, sizeof deleted, "recent-deleted-%d", (int)getpid());
    snprintf(q, sizeof q, "?title=%s&expire=2s", expiring);
    char *gone = create_paste("e", 1, q);
    snprintf(q, sizeof q, "/?title=%s", deleted);
    http_resp *r = http_post(q, NULL, "d", 1);
    cr_assert_eq(r->status, 201);
    char *del = id_from_url(r->body, r->body_len);
    char token[64];
    snprintf(token, sizeof token, "X-Delete-Token: %s", http_header(r, "X-Delete-Token"));
    http_free(r);
    char *page = page_of("/recent");
    cr_assert(strstr(page, expiring) && strstr(page, deleted), "new pastes not listed");
    free(page);
    char *url = pasted_url("/");
    char full[128];
    snprintf(full, sizeof full, "%s%s", url, del);
    const char *args[] = { "-X", "DELETE", "-H", token, full, NULL };
    r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 204);
    http_free(r);
    page = page_of("/recent");
    cr_assert_null(strstr(page, deleted), "deleted paste still listed");
    free(page);
    usleep(2300 * 1000);
    page = page_of("/recent");
    cr_assert_null(strstr(page, expiring), "expired paste still listed");
    free(page);
    free(url);
    free(gone);
    free(del);
}

/* --- the live feed ---------------------------------------------------------- */

Test(sse, stream_carries_public_pastes_and_keepalives)
{
    char *url = pasted_url("/events");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "curl -sN -D - --max-time 3 '%s'", url);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    usleep(500 * 1000);
    char *pub = create_paste("live!", 5, "?title=sse-public-9911&lang=c");
    char *hidden = create_paste("shh", 3, "?title=sse-unlisted-9911&unlisted=1");
    static char out[65536];
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    pclose(p);
    cr_assert(strstr(out, "text/event-stream"), "content type:\n%s", out);
    cr_assert(strstr(out, "event: paste\ndata: {"), "no paste event:\n%s", out);
    cr_assert(strstr(out, pub) && strstr(out, "sse-public-9911"), "public paste missing:\n%s", out);
    cr_assert_null(strstr(out, "sse-unlisted-9911"), "unlisted paste on the feed");
    cr_assert_null(strstr(out, "\"unlisted\""), "internal flag leaked");
    cr_assert(strstr(out, ": keep-alive"), "no keep-alive comment within 3 s (sse_keepalive 1)");
    free(pub);
    free(hidden);
    free(url);
}

static int stream_opens(void *arg)
{
    (void)arg;
    char *url = pasted_url("/events");
    const char *args[] = { "-N", "--max-time", "1", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    int ok = r->status == 200;
    http_free(r);
    free(url);
    return ok;
}

Test(sse, streams_are_capped_and_slots_come_back)
{
    /* tests/pasted-test.conf: sse_max_streams 4 */
    char *url = pasted_url("/events");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "curl -sN --max-time 2 -o /dev/null '%s'", url);
    FILE *held[4];
    for (int i = 0; i < 4; i++)
        held[i] = popen(cmd, "r");
    usleep(600 * 1000);
    const char *args[] = { "-N", "--max-time", "2", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 503, "fifth stream: %d", r->status);
    http_free(r);
    for (int i = 0; i < 4; i++)
        pclose(held[i]);
    cr_assert(wait_until(stream_opens, NULL, 5000), "slots of closed streams were not freed");
    free(url);
}

/* --- security headers and escaping ---------------------------------------- */

static void assert_page_headers(const char *path, int status)
{
    char *url = pasted_url(path);
    const char *args[] = { "-H", "Accept: text/html", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, status, "%s: %d", path, r->status);
    const char *csp = http_header(r, "Content-Security-Policy");
    cr_assert(csp, "%s: no CSP", path);
    cr_assert(strstr(csp, "default-src 'none'") && strstr(csp, "frame-ancestors 'none'")
              && strstr(csp, "script-src 'self'") && !strstr(csp, "unsafe-inline"), "%s: weak CSP %s", path, csp);
    cr_assert_str_eq(http_header(r, "X-Content-Type-Options"), "nosniff");
    cr_assert_not_null(http_header(r, "Referrer-Policy"), "%s: no Referrer-Policy", path);
    cr_assert(strstr(http_header(r, "Content-Type"), "text/html"), "%s", path);
    http_free(r);
    free(url);
}

Test(security, every_page_has_strict_headers)
{
    char *id = create_paste("headers", 7, "");
    char page[32], clone[48];
    snprintf(page, sizeof page, "/%s", id);
    snprintf(clone, sizeof clone, "/?from=%s", id);
    assert_page_headers("/", 200);
    assert_page_headers(page, 200);
    assert_page_headers(clone, 200);
    assert_page_headers("/recent", 200);
    assert_page_headers("/no/such/page", 404);
    assert_page_headers("/ZZZZZZZ", 404);
    free(id);
}

static const char *const xss[] = {
    "<script>window.__xss=1</script>",
    "\"><script>window.__xss=1</script>",
    "'><img src=x onerror=window.__xss=1>",
    "</textarea><script>window.__xss=1</script>",
    "</title><svg onload=window.__xss=1>",
    "<iframe srcdoc=\"<script>parent.__xss=1</script>\">",
    "javascript:window.__xss=1",
    "<a href=\"javascript:window.__xss=1\">x</a>",
    "<!--<script>window.__xss=1</script>-->",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
};

static void assert_no_markup_from(const char *page, const char *payload)
{
    /* any payload containing '<' must never appear verbatim */
    if (strchr(payload, '<'))
        cr_assert_null(strstr(page, payload), "payload appears unescaped: %s", payload);
    /* (escaped text may still read "onerror=..." as text: look for live tags) */
    const char *tags[] = { "<script>window.__xss", "<img src=x", "<svg onload", "<iframe srcdoc",
                           "<a href=\"javascript:" };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        cr_assert_null(strstr(page, tags[i]), "markup injected: %s", tags[i]);
}

static char *create_form_paste(const char *content, const char *title)
{
    char *url = pasted_url("/");
    char c[512], t[512];
    snprintf(c, sizeof c, "content=%s", content);
    snprintf(t, sizeof t, "title=%s", title);
    /* --form-string: curl would read "<file" or "@file" from a plain -F value */
    const char *args[] = { "--form-string", c, "--form-string", t, url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 201, "create %s: %d %s", title, r->status, r->body);
    char *id = id_from_url(r->body, r->body_len);
    http_free(r);
    free(url);
    return id;
}

Test(security, xss_corpus_in_content_and_title_is_escaped_everywhere)
{
    for (size_t i = 0; i < sizeof xss / sizeof xss[0]; i++) {
        char *id = create_form_paste(xss[i], xss[i]);
        char path[48];
        snprintf(path, sizeof path, "/%s", id);
        char *page = page_of(path);
        assert_no_markup_from(page, xss[i]);
        free(page);
        snprintf(path, sizeof path, "/?from=%s", id);
        page = page_of(path);
        assert_no_markup_from(page, xss[i]);
        free(page);
        free(id);
    }
    char *page = page_of("/recent");
    for (size_t i = 0; i < sizeof xss / sizeof xss[0]; i++)
        assert_no_markup_from(page, xss[i]);
    free(page);
    page = page_of("/");
    for (size_t i = 0; i < sizeof xss / sizeof xss[0]; i++)
        assert_no_markup_from(page, xss[i]);
    free(page);
}

Test(security, markup_in_lang_is_refused)
{
    char *url = pasted_url("/");
    for (size_t i = 0; i < sizeof xss / sizeof xss[0]; i++) {
        char l[512];
        snprintf(l, sizeof l, "lang=%s", xss[i]);
        const char *args[] = { "--form-string", "content=x", "--form-string", l, url, NULL };
        http_resp *r = http_run(args, NULL, 0);
        cr_assert_eq(r->status, 400, "lang %s accepted: %d", xss[i], r->status);
        http_free(r);
    }
    free(url);
}
