/* test_core.c - issue 2 end to end: a running pasted with its own Redis and
 * FerretDB, driven by the real curl binary; the stores are read back with
 * hiredis and mongoc to check what the server claims. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paste.h"
#include "pasted_client.h"

static http_resp *get_raw(const char *id)
{
    char path[64];
    snprintf(path, sizeof path, "/raw/%s", id);
    return http_get(path);
}

/* --- creating ------------------------------------------------------------ */

Test(create, raw_body_answers_201_with_the_url_alone)
{
    const char text[] = "echo hello\nprintf 'x'\n";
    http_resp *r = http_post("/", "application/x-www-form-urlencoded", text, sizeof text - 1);
    cr_assert_eq(r->status, 201);
    const char *loc = http_header(r, "Location");
    cr_assert_not_null(loc);
    cr_assert_eq(r->body[r->body_len - 1], '\n', "body must end with a newline");
    cr_assert_eq(strchr(r->body, '\n'), r->body + r->body_len - 1, "one line only");
    cr_assert_eq(strncmp(r->body, loc, strlen(loc)), 0, "body %s is not Location %s", r->body, loc);
    cr_assert(strncmp(loc, "http://", 7) == 0);
    cr_assert_not_null(http_header(r, "X-Delete-Token"));
    char *id = id_from_url(r->body, r->body_len);
    cr_assert_eq(strlen(id), 7);
    assert_raw_is(id, text, sizeof text - 1);
    free(id);
    http_free(r);
}

Test(create, urlencoded_form_with_content_field)
{
    const char *args[] = { "-d", "content=hello%20world%21&title=My+notes&lang=c", NULL, NULL };
    char *url = pasted_url("/");
    args[2] = url;
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 201);
    char *id = id_from_url(r->body, r->body_len);
    assert_raw_is(id, "hello world!", 12);
    char path[64];
    snprintf(path, sizeof path, "/api/pastes/%s", id);
    http_resp *api = http_get(path);
    cr_assert(strstr(api->body, "\"title\":\"My notes\""), "%s", api->body);
    cr_assert(strstr(api->body, "\"lang\":\"c\""), "%s", api->body);
    http_free(api);
    http_free(r);
    free(id);
    free(url);
}

Test(create, urlencoded_label_on_a_raw_body_keeps_it_whole)
{
    /* curl --data-binary labels raw text as a form; not a clean form with
     * "content", so the body is the paste, byte for byte */
    const char *bodies[] = { "a=b&c", "x=1&y=2", "100% sure & done", "content" };
    for (size_t i = 0; i < 4; i++) {
        char *id = create_paste(bodies[i], strlen(bodies[i]), "");
        assert_raw_is(id, bodies[i], strlen(bodies[i]));
        free(id);
    }
}

Test(create, multipart_content_field)
{
    char *url = pasted_url("/?");
    const char *args[] = { "-F", "content=line one\nline two", "-F", "title=from -F", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 201, "%d %s", r->status, r->body);
    char *id = id_from_url(r->body, r->body_len);
    assert_raw_is(id, "line one\nline two", 17);
    free(id);
    free(url);
    http_free(r);
}

Test(create, multipart_file_part_keeps_binary_bytes)
{
    unsigned char data[600];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + 3);
    memcpy(data + 100, "\r\n--", 4); /* looks like a boundary start */
    char *path = temp_file(data, sizeof data, "blob.bin");
    char spec[300];
    snprintf(spec, sizeof spec, "file=@%s", path);
    char *url = pasted_url("/");
    const char *args[] = { "-F", spec, url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 201, "%d %s", r->status, r->body);
    char *id = id_from_url(r->body, r->body_len);
    assert_raw_is(id, data, sizeof data);
    http_resp *raw = get_raw(id);
    cr_assert_str_eq(http_header(raw, "Content-Type"), "application/octet-stream");
    http_free(raw);
    free(id);
    free(url);
    remove_temp(path);
    http_free(r);
}

Test(create, put_with_curl_upload_file)
{
    const char text[] = "uploaded with -T\n";
    char *path = temp_file(text, sizeof text - 1, "notes.txt");
    char *url = pasted_url("/");
    const char *args[] = { "-T", path, url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 201, "%d %s", r->status, r->body);
    char *id = id_from_url(r->body, r->body_len);
    assert_raw_is(id, text, sizeof text - 1);
    char api[64];
    snprintf(api, sizeof api, "/api/pastes/%s", id);
    http_resp *meta = http_get(api);
    cr_assert(strstr(meta->body, "\"title\":\"notes.txt\""), "%s", meta->body);
    http_free(meta);
    free(id);
    free(url);
    remove_temp(path);
    http_free(r);
}

Test(create, every_byte_value_round_trips_exactly)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char *id = create_paste(all, sizeof all, "");
    assert_raw_is(id, all, sizeof all);
    http_resp *r = get_raw(id);
    cr_assert_str_eq(http_header(r, "Content-Type"), "application/octet-stream");
    cr_assert_str_eq(http_header(r, "X-Content-Type-Options"), "nosniff");
    const char *etag = http_header(r, "ETag");
    cr_assert(etag && etag[0] == '"' && etag[strlen(etag) - 1] == '"', "strong ETag: %s", etag);
    http_free(r);
    /* the stored document holds the same bytes, as BSON binary */
    bson_t *doc = find_doc(id);
    cr_assert_not_null(doc);
    bson_iter_t it;
    bson_subtype_t st;
    uint32_t len = 0;
    const uint8_t *data = NULL;
    cr_assert(bson_iter_init_find(&it, doc, "body") && BSON_ITER_HOLDS_BINARY(&it));
    bson_iter_binary(&it, &st, &len, &data);
    cr_assert_eq(len, 256);
    cr_assert_eq(memcmp(data, all, 256), 0);
    cr_assert_eq(doc_int(doc, "size"), 256);
    bson_destroy(doc);
    free(id);
}

Test(create, text_is_served_as_utf8_text)
{
    const char text[] = "caf\xc3\xa9 \xe2\x82\xac\n";
    char *id = create_paste(text, sizeof text - 1, "");
    http_resp *r = get_raw(id);
    cr_assert_str_eq(http_header(r, "Content-Type"), "text/plain; charset=utf-8");
    http_free(r);
    free(id);
}

Test(create, browser_form_post_gets_303)
{
    char *url = pasted_url("/");
    const char *args[] = { "-H", "Accept: text/html,application/xhtml+xml", "-F", "content=from a page",
                           url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 303);
    const char *loc = http_header(r, "Location");
    cr_assert(loc && loc[0] == '/' && strlen(loc) == 8, "Location %s", loc);
    http_free(r);
    free(url);
}

Test(create, consecutive_ids_are_not_neighbours)
{
    char *a = create_paste("one", 3, ""), *b = create_paste("two", 3, "");
    cr_assert_str_neq(a, b);
    ids_key k;
    server_ids_key(&k);
    uint64_t na, nb;
    cr_assert_eq(ids_decode(&k, a, strlen(a), &na), 0);
    cr_assert_eq(ids_decode(&k, b, strlen(b), &nb), 0);
    cr_assert_eq(nb, na + 1, "numbers come from INCR");
    cr_assert_neq(memcmp(a, b, 6), 0, "ids %s and %s share all but the last character", a, b);
    free(a);
    free(b);
}

Test(create, stored_document_has_every_field)
{
    char *id = create_paste("doc fields", 10, "?title=t1&lang=python");
    bson_t *doc = find_doc(id);
    cr_assert_not_null(doc);
    const char *fields[] = { "_id", "body", "title", "lang", "size", "created", "hash", "views",
                             "expires", "token_hash" };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        bson_iter_t it;
        cr_assert(bson_iter_init_find(&it, doc, fields[i]), "document lacks %s", fields[i]);
    }
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, doc, "hash"));
    char expected[PASTE_HASH_HEX + 1];
    sha256_hex("doc fields", 10, expected);
    cr_assert_str_eq(bson_iter_utf8(&it, NULL), expected);
    cr_assert(bson_iter_init_find(&it, doc, "title"));
    cr_assert_str_eq(bson_iter_utf8(&it, NULL), "t1");
    bson_destroy(doc);
    free(id);
}

Test(create, a_redis_that_lost_its_counter_does_not_reuse_numbers)
{
    ids_key k;
    server_ids_key(&k);
    char *before = create_paste("before the loss", 15, "");
    uint64_t n_before;
    cr_assert_eq(ids_decode(&k, before, strlen(before), &n_before), 0);
    redisContext *rc = test_redis();
    freeReplyObject(redisCommand(rc, "DEL pasted:counter")); /* as after a Redis restart */
    redisFree(rc);
    char *after = create_paste("after the loss", 14, "");
    uint64_t n_after;
    cr_assert_eq(ids_decode(&k, after, strlen(after), &n_after), 0);
    cr_assert_gt(n_after, n_before, "number %llu reused or went back", (unsigned long long)n_after);
    assert_raw_is(before, "before the loss", 15);
    assert_raw_is(after, "after the loss", 14);
    free(before);
    free(after);
}

/* --- errors --------------------------------------------------------------- */

static void expect_status(const char *method, const char *path, int status, const char *allow)
{
    char *url = pasted_url(path);
    const char *args[] = { "-X", method, url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, status, "%s %s: %d, expected %d", method, path, r->status, status);
    cr_assert(r->body_len > 0 && memchr(r->body, '\n', r->body_len) == r->body + r->body_len - 1,
              "%s %s: error body must be one line: %.*s", method, path, (int)r->body_len, r->body);
    if (allow)
        cr_assert_str_eq(http_header(r, "Allow"), allow);
    http_free(r);
    free(url);
}

Test(errors, not_found_and_method_not_allowed)
{
    expect_status("GET", "/nope/deeper", 404, NULL);
    expect_status("GET", "/abc", 404, NULL);               /* not an id shape */
    expect_status("GET", "/raw/!!!!!!!", 404, NULL);
    expect_status("GET", "/raw/zzzzzzzzzzzz", 404, NULL);
    expect_status("DELETE", "/", 405, "GET, HEAD, POST, PUT");
    expect_status("POST", "/healthz", 405, "GET, HEAD");
    expect_status("PATCH", "/raw/AAAAAAA", 405, "GET, HEAD");
}

Test(errors, unknown_but_wellformed_id_is_404)
{
    ids_key k;
    server_ids_key(&k);
    redisContext *rc = test_redis();
    redisReply *rep = redisCommand(rc, "GET pasted:counter");
    long long counter = rep && rep->str ? atoll(rep->str) : 0;
    freeReplyObject(rep);
    redisFree(rc);
    char id[IDS_MAX_LEN + 1];
    ids_encode(&k, (uint64_t)counter + 1000, id);
    char path[64];
    snprintf(path, sizeof path, "/raw/%s", id);
    long long misses = metric("pasted_cache_misses_total");
    expect_status("GET", path, 404, NULL);
    snprintf(path, sizeof path, "/%s", id);
    expect_status("GET", path, 404, NULL);
    snprintf(path, sizeof path, "/api/pastes/%s", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 404);
    cr_assert(strstr(r->body, "\"error\""), "API errors are JSON: %s", r->body);
    http_free(r);
    cr_assert_geq(metric("pasted_cache_misses_total"), misses + 3);
}

Test(errors, empty_paste_is_400)
{
    http_resp *r = http_post("/", NULL, "", 0);
    cr_assert_eq(r->status, 400);
    cr_assert(strstr(r->body, "empty"), "%s", r->body);
    http_free(r);
    char *url = pasted_url("/");
    const char *args[] = { "-F", "content=", url, NULL };
    r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 400);
    http_free(r);
    free(url);
}

Test(errors, oversize_paste_is_413_and_nothing_is_stored)
{
    size_t big = (1u << 20) + 1;
    char *body = malloc(big);
    memset(body, 'a', big);
    long long created = metric("pasted_pastes_created_total");
    http_resp *r = http_post("/", NULL, body, big);
    cr_assert_eq(r->status, 413, "status %d", r->status);
    http_free(r);
    /* far beyond the limit: refused from Content-Length, before the body is read */
    size_t huge = 8u << 20;
    char *more = malloc(huge);
    memset(more, 'b', huge);
    r = http_post("/", NULL, more, huge);
    cr_assert_eq(r->status, 413, "status %d", r->status);
    http_free(r);
    cr_assert_eq(metric("pasted_pastes_created_total"), created);
    /* exactly at the limit is fine */
    r = http_post("/", NULL, body, big - 1);
    cr_assert_eq(r->status, 201);
    http_free(r);
    free(body);
    free(more);
}

Test(errors, bad_metadata_is_400_naming_the_field)
{
    http_resp *r = http_post("/?lang=%3Cscript%3E", NULL, "x", 1);
    cr_assert_eq(r->status, 400);
    cr_assert(strstr(r->body, "lang"), "%s", r->body);
    http_free(r);
    r = http_post("/?title=a%0Ab", NULL, "x", 1);
    cr_assert_eq(r->status, 400);
    cr_assert(strstr(r->body, "title"), "%s", r->body);
    http_free(r);
    r = http_post("/?expire=3years", NULL, "x", 1);
    cr_assert_eq(r->status, 400);
    cr_assert(strstr(r->body, "expire") && strstr(r->body, "never"), "%s", r->body);
    http_free(r);
}

/* --- reading ------------------------------------------------------------- */

Test(view, html_page_escapes_markup)
{
    const char payload[] = "<script>alert(1)</script>\n<img src=x onerror=alert(2)>";
    char *id = create_paste(payload, sizeof payload - 1, "?title=%3Cb%3Ebold%3C%2Fb%3E");
    char path[64];
    snprintf(path, sizeof path, "/%s", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(http_header(r, "Content-Type"), "text/html; charset=utf-8");
    cr_assert_null(strstr(r->body, "<script>alert"), "raw script tag in page");
    cr_assert_null(strstr(r->body, "<img src=x"), "raw img tag in page");
    cr_assert_null(strstr(r->body, "<b>bold"), "title not escaped");
    cr_assert_not_null(strstr(r->body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    cr_assert_not_null(strstr(r->body, "&lt;b&gt;bold&lt;/b&gt;"));
    char raw_link[64];
    snprintf(raw_link, sizeof raw_link, "/raw/%s", id);
    cr_assert_not_null(strstr(r->body, raw_link), "no raw link");
    http_free(r);
    free(id);
}

Test(view, api_metadata)
{
    char *id = create_paste("meta", 4, "?title=T&lang=go");
    char path[64];
    snprintf(path, sizeof path, "/api/pastes/%s", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(http_header(r, "Content-Type"), "application/json");
    const char *keys[] = { "\"id\":", "\"url\":", "\"raw_url\":", "\"title\":\"T\"", "\"lang\":\"go\"",
                           "\"size\":4", "\"created\":\"", "\"views\":" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert(strstr(r->body, keys[i]), "no %s in %s", keys[i], r->body);
    http_free(r);
    free(id);
}

Test(view, head_on_raw_has_length_and_no_body)
{
    char *id = create_paste("twelve bytes", 12, "");
    char *url = pasted_url("/raw/");
    char full[128];
    snprintf(full, sizeof full, "%s%s", url, id);
    const char *args[] = { "-I", full, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(http_header(r, "Content-Length"), "12");
    /* curl -I writes the headers where the body would go: the paste must not be there */
    cr_assert_null(memmem(r->body, r->body_len, "twelve bytes", 12), "HEAD sent the body");
    http_free(r);
    free(url);
    free(id);
}

Test(health, healthz_and_metrics)
{
    http_resp *r = http_get("/healthz");
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(r->body, "ok\n");
    http_free(r);
    r = http_get("/healthz?verbose=1");
    cr_assert(strstr(r->body, "redis ok") && strstr(r->body, "mongodb ok"), "%s", r->body);
    cr_assert(strstr(r->body, "cache_hits_total"), "%s", r->body);
    http_free(r);
}

/* Every worker's loop-lag timer ticks every 20 ms (src/looplag.c): a running server has
 * samples, all in the +Inf bucket's count, and says how its stalls split. */
Test(health, metrics_show_the_event_loops_lag)
{
    http_resp *r = http_get("/metrics");
    cr_assert_eq(r->status, 200);
    const char *count = strstr(r->body, "\npasted_loop_lag_seconds_count ");
    const char *inf = strstr(r->body, "pasted_loop_lag_seconds_bucket{le=\"+Inf\"} ");
    cr_assert(count && inf, "no loop-lag histogram in:\n%s", r->body);
    long long n = atoll(count + strlen("\npasted_loop_lag_seconds_count "));
    long long all = atoll(inf + strlen("pasted_loop_lag_seconds_bucket{le=\"+Inf\"} "));
    cr_assert(n > 0, "no loop-lag samples yet");
    cr_assert_eq(n, all, "the +Inf bucket (%lld) is not the sample count (%lld)", all, n);
    cr_assert(strstr(r->body, "pasted_loop_stalls_total{cause=\"descheduled\"} "), "%s", r->body);
    cr_assert(strstr(r->body, "pasted_worker_runqueue_wait_seconds_total "), "%s", r->body);
    http_free(r);
}

/* --- cache ----------------------------------------------------------------- */

/* Removes the paste's document without telling pasted. */
static void delete_doc_behind_pasteds_back(const char *id)
{
    mongoc_client_t *c = test_mongo();
    mongoc_collection_t *coll = mongoc_client_get_collection(c, TEST_DB, TEST_COLL);
    bson_t *sel = BCON_NEW("_id", BCON_UTF8(id));
    cr_assert(mongoc_collection_delete_one(coll, sel, NULL, NULL, NULL));
    bson_destroy(sel);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(c);
}

Test(cache, second_read_is_a_hit_and_never_touches_mongodb)
{
    char *id = create_paste("hot paste", 9, "");
    assert_raw_is(id, "hot paste", 9);
    long long hits = metric("pasted_cache_hits_total"), misses = metric("pasted_cache_misses_total");
    assert_raw_is(id, "hot paste", 9);
    cr_assert_eq(metric("pasted_cache_hits_total"), hits + 1);
    cr_assert_eq(metric("pasted_cache_misses_total"), misses);
    /* proof that a hit does not read MongoDB: remove the document behind
     * pasted's back, and the cached paste is still served */
    delete_doc_behind_pasteds_back(id);
    assert_raw_is(id, "hot paste", 9);
    /* and with the cache entries gone too (Redis, and every worker's memory
     * through pasted:gone, as a delete does), it is gone */
    redisContext *rc = test_redis();
    freeReplyObject(redisCommand(rc, "DEL pasted:p:%s", id));
    freeReplyObject(redisCommand(rc, "PUBLISH pasted:gone %s", id));
    usleep(100 * 1000);
    http_resp *r = get_raw(id);
    cr_assert_eq(r->status, 404);
    http_free(r);
    redisFree(rc);
    free(id);
}

/* A delete published while a worker's subscriber was reconnecting is missed;
 * the worker forgets its hot pastes when it subscribes again. */
Test(cache, a_resubscribe_clears_what_a_missed_gone_message_would_have)
{
    char *id = create_paste("hot, then gone", 14, "");
    for (int i = 0; i < 8; i++)   /* new connections: both workers get it hot */
        assert_raw_is(id, "hot, then gone", 14);
    delete_doc_behind_pasteds_back(id);
    redisContext *rc = test_redis();
    freeReplyObject(redisCommand(rc, "DEL pasted:p:%s", id));
    assert_raw_is(id, "hot, then gone", 14);   /* still hot: no message said otherwise */
    freeReplyObject(redisCommand(rc, "CLIENT KILL TYPE pubsub"));
    usleep(300 * 1000);
    cr_assert(wait_until(gone_subscribers_back, NULL, 10000), "the subscribers did not come back");
    usleep(200 * 1000);
    for (int i = 0; i < 6; i++) {
        http_resp *r = get_raw(id);
        cr_assert_eq(r->status, 404, "fetch %d: %d, the hot copy survived the resubscribe", i, r->status);
        http_free(r);
    }
    redisFree(rc);
    free(id);
}

Test(cache, miss_reads_through_mongodb_and_refills)
{
    char *id = create_paste("cold paste", 10, "");
    redisContext *rc = test_redis();
    freeReplyObject(redisCommand(rc, "DEL pasted:p:%s", id));
    long long misses = metric("pasted_cache_misses_total");
    assert_raw_is(id, "cold paste", 10);
    cr_assert_eq(metric("pasted_cache_misses_total"), misses + 1);
    redisReply *rep = redisCommand(rc, "EXISTS pasted:p:%s", id);
    cr_assert_eq(rep->integer, 1, "the miss did not refill the cache");
    freeReplyObject(rep);
    rep = redisCommand(rc, "TTL pasted:p:%s", id);
    cr_assert(rep->integer > 0 && rep->integer <= 600, "cache TTL %lld", rep->integer);
    freeReplyObject(rep);
    redisFree(rc);
    free(id);
}

/* --- views and events ------------------------------------------------------ */

typedef struct views_wait { const char *id; int64_t want; int64_t seen; } views_wait;

static int views_reached(void *arg)
{
    views_wait *w = arg;
    bson_t *doc = find_doc(w->id);
    w->seen = doc ? doc_int(doc, "views") : -1;
    if (doc)
        bson_destroy(doc);
    return w->seen >= w->want;
}

typedef struct api_wait { const char *id; const char *want; } api_wait;

static int api_shows(void *arg)
{
    api_wait *w = arg;
    char path[64];
    snprintf(path, sizeof path, "/api/pastes/%s", w->id);
    http_resp *r = http_get(path);
    int ok = strstr(r->body, w->want) != NULL;
    http_free(r);
    return ok;
}

Test(views, every_view_reaches_mongodb)
{
    char *id = create_paste("count me", 8, "");
    char page[32];
    snprintf(page, sizeof page, "/%s", id);
    for (int i = 0; i < 3; i++)
        http_free(get_raw(id));
    http_free(http_get(page));
    /* raw views wait in a worker's batch for up to view_batch_ms */
    api_wait aw = { id, "\"views\":4" };
    cr_assert(wait_until(api_shows, &aw, 3000), "the live total never reached 4");
    http_resp *r = http_get(page);
    cr_assert(strstr(r->body, "5 views"), "the page shows the live count, itself included");
    http_free(r);
    views_wait w = { id, 5, 0 };
    cr_assert(wait_until(views_reached, &w, 5000), "MongoDB has %lld views, expected 5", (long long)w.seen);
    usleep(500 * 1000); /* a few more flushes: nothing is counted twice */
    cr_assert(views_reached(&w) && w.seen == 5, "MongoDB has %lld views, expected 5", (long long)w.seen);
    bson_t *doc = find_doc(id);
    char day[11], field[32];
    today_utc(day);
    snprintf(field, sizeof field, "days.%s", day);
    cr_assert_eq(doc_int(doc, field), 5, "views per day");
    bson_iter_t it;
    cr_assert(bson_iter_init_find(&it, doc, "last_view") && BSON_ITER_HOLDS_DATE_TIME(&it));
    bson_destroy(doc);
    free(id);
}

typedef struct many_wait { char **ids; int n; int done; } many_wait;

static int all_counted(void *arg)
{
    many_wait *w = arg;
    while (w->done < w->n) {
        bson_t *doc = find_doc(w->ids[w->done]);
        int64_t views = doc ? doc_int(doc, "views") : -1;
        if (doc)
            bson_destroy(doc);
        if (views != 1)
            return 0;
        w->done++;
    }
    return 1;
}

Test(views, a_flush_of_many_pastes_reaches_mongodb, .timeout = 120)
{
    /* more distinct pastes in one flush than FerretDB takes in one update
     * command (about 100): the flusher must split them */
    enum { N = 130 };
    char *ids[N];
    for (int i = 0; i < N; i++) {
        char body[32];
        int len = snprintf(body, sizeof body, "many views %d", i);
        ids[i] = create_paste(body, (size_t)len, "");
    }
    for (int i = 0; i < N; i++)
        http_free(get_raw(ids[i]));
    many_wait w = { ids, N, 0 };
    cr_assert(wait_until(all_counted, &w, 30000), "only %d of %d pastes have their view in MongoDB",
              w.done, N);
    for (int i = 0; i < N; i++)
        free(ids[i]);
}

Test(views, head_and_metadata_do_not_count)
{
    char *id = create_paste("quiet", 5, "");
    char api[64];
    snprintf(api, sizeof api, "/api/pastes/%s", id);
    http_free(http_get(api));
    http_resp *r = http_get(api);
    cr_assert(strstr(r->body, "\"views\":0"), "%s", r->body);
    http_free(r);
    free(id);
}

Test(events, create_is_published_on_pasted_new)
{
    redisContext *sub = test_redis();
    redisReply *rep = redisCommand(sub, "SUBSCRIBE pasted:new");
    freeReplyObject(rep);
    char *id = create_paste("published", 9, "?title=news&lang=text");
    struct timeval tv = { 3, 0 };
    redisSetTimeout(sub, tv);
    int found = 0;
    for (int i = 0; i < 20 && !found; i++) {
        void *msg = NULL;
        if (redisGetReply(sub, &msg) != REDIS_OK)
            break;
        redisReply *m = msg;
        if (m->type == REDIS_REPLY_ARRAY && m->elements == 3 && strstr(m->element[2]->str, id)) {
            const char *json = m->element[2]->str;
            const char *keys[] = { "\"id\":", "\"url\":", "\"title\":\"news\"", "\"lang\":\"text\"",
                                   "\"size\":9", "\"created\":" };
            for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
                cr_assert(strstr(json, keys[k]), "event lacks %s: %s", keys[k], json);
            found = 1;
        }
        freeReplyObject(m);
    }
    cr_assert(found, "no pasted:new event for %s", id);
    redisFree(sub);
    free(id);
}
