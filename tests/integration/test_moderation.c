/* test_moderation.c - reports, the operator's token, deletes and the
 * blocklist (issue 12). tests/run.sh writes the operator's token to
 * PASTED_ADMIN_TOKEN_FILE (chmod 600), which the server reads at start. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pasted_client.h"

static char token[128];

static const char *operator_token(void)
{
    if (!token[0]) {
        const char *path = getenv("PASTED_ADMIN_TOKEN_FILE");
        cr_assert(path, "PASTED_ADMIN_TOKEN_FILE is not set (tests/run.sh sets it)");
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        cr_assert(fgets(token, sizeof token, f));
        fclose(f);
        token[strcspn(token, "\n")] = '\0';
    }
    return token;
}

static char *bearer(const char *t)
{
    char *h;
    cr_assert(asprintf(&h, "Authorization: Bearer %s", t) > 0);
    return h;
}

static char *url_of(const char *fmt, const char *id)
{
    char path[128];
    snprintf(path, sizeof path, fmt, id);
    return pasted_url(path);
}

static int status_of(http_resp *r)
{
    int s = r->status;
    http_free(r);
    return s;
}

Test(moderation, a_paste_page_links_to_its_report_form)
{
    char *id = create_paste("report me", 9, "");
    char *page = url_of("/%s", id), *form = url_of("/report/%s", id);
    http_resp *r = http_curl(page, NULL);
    char href[64];
    snprintf(href, sizeof href, "href=\"/report/%s\"", id);
    cr_assert(strstr(r->body, href), "no report link on the page");
    http_free(r);
    r = http_curl(form, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "name=\"reason\"") && strstr(r->body, "name=\"note\""));
    http_free(r);
    free(page);
    free(form);
    free(id);
}

Test(moderation, reports_are_kept_checked_and_limited, .timeout = 30)
{
    char *id = create_paste("spammy", 6, "");
    char *url = url_of("/report/%s", id);
    char xff[64];
    snprintf(xff, sizeof xff, "X-Forwarded-For: 10.77.%d.%d", (getpid() >> 8) & 255, getpid() & 255);
    cr_assert_eq(status_of(http_curl("-H", xff, "--data", "reason=bogus", url, NULL)), 400);
    http_resp *r = http_curl("-H", xff, "--data", "reason=spam&note=buy+now", url, NULL);
    cr_assert_eq(r->status, 201, "%d %s", r->status, r->body);
    http_free(r);
    char *missing = url_of("/report/%s", "AAAAAAAAAAAAAAAAAAAAAC");
    cr_assert_eq(status_of(http_curl("-H", xff, "--data", "reason=spam", missing, NULL)), 404);
    /* limit_reports 3/1m in the test settings; the 404 cost nothing */
    cr_assert_eq(status_of(http_curl("-H", xff, "--data", "reason=other", url, NULL)), 201);
    cr_assert_eq(status_of(http_curl("-H", xff, "--data", "reason=malware", url, NULL)), 201);
    r = http_curl("-H", xff, "--data", "reason=phishing", url, NULL);
    cr_assert_eq(r->status, 429, "the fourth report: %d", r->status);
    cr_assert_not_null(http_header(r, "Retry-After"));
    http_free(r);
    /* the operator sees it */
    char *auth = bearer(operator_token());
    char *list = pasted_url("/admin/reports?format=json");
    r = http_curl("-H", auth, list, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, id), "the report of %s is not listed: %s", id, r->body);
    cr_assert(strstr(r->body, "buy now"));
    http_free(r);
    free(list);
    free(auth);
    free(missing);
    free(url);
    free(id);
}

Test(moderation, the_operator_pages_need_the_token)
{
    char *list = pasted_url("/admin/reports");
    http_resp *r = http_curl(list, NULL);
    cr_assert_eq(r->status, 401);
    cr_assert(http_header(r, "WWW-Authenticate") && strstr(http_header(r, "WWW-Authenticate"), "Basic"));
    http_free(r);
    char *wrong = bearer("not-the-operator-token-at-all");
    cr_assert_eq(status_of(http_curl("-H", wrong, list, NULL)), 403);
    /* a browser's Basic login: any user, the token as password */
    char userpass[200];
    snprintf(userpass, sizeof userpass, "operator:%s", operator_token());
    r = http_curl("-u", userpass, "-H", "Accept: text/html", list, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "<h1>Reports</h1>"));
    http_free(r);
    free(wrong);
    free(list);
    /* never in the log */
    FILE *log = fopen(getenv("PASTED_LOG"), "r");
    cr_assert_not_null(log);
    char line[4096];
    while (fgets(line, sizeof line, log))
        cr_assert_null(strstr(line, operator_token()), "the operator's token is in the log: %s", line);
    fclose(log);
}

Test(moderation, the_operator_deletes_any_paste_and_a_wrong_token_deletes_nothing)
{
    char *id = create_paste("offending", 9, "");
    char *target = url_of("/%s", id);
    char *wrong = bearer("not-the-operator-token-at-all");
    cr_assert_eq(status_of(http_curl("-X", "DELETE", "-H", wrong, target, NULL)), 403);
    assert_raw_is(id, "offending", 9);
    char *auth = bearer(operator_token());
    cr_assert_eq(status_of(http_curl("-X", "DELETE", "-H", auth, target, NULL)), 204);
    char *raw = url_of("/raw/%s", id);
    cr_assert_eq(status_of(http_curl(raw, NULL)), 404);
    cr_assert_eq(status_of(http_curl("-X", "DELETE", "-H", auth, target, NULL)), 404);
    free(raw);
    free(auth);
    free(wrong);
    free(target);
    free(id);
}

Test(moderation, deleting_with_block_keeps_the_same_bytes_out)
{
    char body[64];
    snprintf(body, sizeof body, "abusive content %d", (int)getpid());
    char *id = create_paste(body, strlen(body), "");
    char *del = url_of("/admin/delete/%s", id);
    char *auth = bearer(operator_token());
    http_resp *r = http_curl("-H", auth, "--data", "block=1", del, NULL);
    cr_assert(r->status == 204 || r->status == 303, "%d %s", r->status, r->body);
    http_free(r);
    r = http_post("/", "text/plain", body, strlen(body));
    cr_assert_eq(r->status, 451, "the same bytes again: %d %s", r->status, r->body);
    cr_assert(strstr(r->body, "removed"));
    http_free(r);
    r = http_post("/", "text/plain", "something else entirely", 23);
    cr_assert_eq(r->status, 201);
    http_free(r);
    /* kept in MongoDB too (Redis is not where decisions live) */
    mongoc_client_t *c = test_mongo();
    mongoc_collection_t *coll = mongoc_client_get_collection(c, "pasted_test", "blocklist");
    bson_t *all = bson_new();
    cr_assert_geq(mongoc_collection_count_documents(coll, all, NULL, NULL, NULL, NULL), 1);
    bson_destroy(all);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(c);
    free(auth);
    free(del);
    free(id);
}

Test(moderation, a_page_elsewhere_cannot_make_the_operator_delete)
{
    char *id = create_paste("keep", 4, "");
    char *del = url_of("/admin/delete/%s", id);
    char *auth = bearer(operator_token());
    http_resp *r = http_curl("-H", auth, "-H", "Origin: https://evil.example", "--data", "block=1", del, NULL);
    cr_assert_eq(r->status, 403, "a cross-site delete: %d", r->status);
    http_free(r);
    assert_raw_is(id, "keep", 4);
    free(auth);
    free(del);
    free(id);
}

/* The blocklist lives in MongoDB: Redis' copy, lost, comes back at the next start. */
Test(moderation, the_blocklist_comes_back_after_redis_lost_it, .timeout = 60)
{
    char body[64];
    snprintf(body, sizeof body, "blocked then forgotten %d", (int)getpid());
    char *id = create_paste(body, strlen(body), "");
    char *auth = bearer(operator_token());
    char *target = url_of("/%s?block=1", id);
    cr_assert_eq(status_of(http_curl("-X", "DELETE", "-H", auth, target, NULL)), 204);
    redisContext *rc = test_redis();
    redisReply *rep = redisCommand(rc, "DEL pasted:blocked");
    freeReplyObject(rep);
    redisFree(rc);
    cr_assert_eq(status_of(http_post("/", "text/plain", body, strlen(body))), 201,
                 "with Redis' copy gone the content is taken (this test would prove nothing otherwise)");
    /* an instance starting loads the blocklist from MongoDB into Redis */
    int port = free_port();
    char log_path[] = "/tmp/pasted-block-XXXXXX";
    close(mkstemp(log_path));
    pid_t b = start_pasted(port, NULL, log_path);
    stop_pasted(b);
    unlink(log_path);
    http_resp *r = http_post("/", "text/plain", body, strlen(body));
    cr_assert_eq(r->status, 451, "after a start the blocked content is refused again: %d", r->status);
    http_free(r);
    free(target);
    free(auth);
    free(id);
}
