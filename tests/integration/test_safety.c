/* test_safety.c - pasted on the open internet (issue 12): what a stranger
 * can learn, guess or slip past, tried the way an attacker would. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/text.h"
#include <hiredis/hiredis.h>
#include "pasted_client.h"

static char *url_of(const char *fmt, const char *id)
{
    char path[128];
    snprintf(path, sizeof path, fmt, id);
    return pasted_url(path);
}

static int id_is_secret(const char *id)
{
    if (strlen(id) != 22)
        return 0;
    for (const char *c = id; *c; c++)
        if (!strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", *c))
            return 0;
    return 1;
}

/* --- a burn paste reveals nothing before its one read ------------------------ */

/* A short secret in a burn paste: its SHA-256 is one guess away. */
#define SECRET "1234"

static void assert_reveals_nothing(http_resp *r, const char *what)
{
    char plain[SHA256_HEX + 1];
    sha256_hex(SECRET, strlen(SECRET), plain);
    cr_assert_eq(r->status, 200, "%s: %d", what, r->status);
    cr_assert_null(http_header(r, "ETag"), "%s has an ETag: %s", what, http_header(r, "ETag"));
    cr_assert_null(http_header(r, "Last-Modified"), "%s has Last-Modified", what);
    const char *len = http_header(r, "Content-Length");
    cr_assert(!len || strcmp(len, "0") == 0, "%s tells a length: %s", what, len);
    cr_assert_null(strstr(r->headers, plain), "%s shows the content's hash", what);
    cr_assert_null(strstr(r->headers, SECRET), "%s shows the content", what);
}

Test(burn_leaks, head_of_an_unread_burn_paste_tells_nothing_and_burns_nothing)
{
    char *id = create_paste(SECRET, strlen(SECRET), "?burn=1&title=the%20pin");
    char *raw = url_of("/raw/%s", id), *page = url_of("/%s", id);
    http_resp *h = http_curl("-I", raw, NULL);
    assert_reveals_nothing(h, "HEAD /raw/<id>");
    http_free(h);
    h = http_curl("-I", page, NULL);
    assert_reveals_nothing(h, "HEAD /<id>");
    cr_assert_null(strstr(h->headers, "the pin"), "HEAD /<id> shows the title");
    http_free(h);
    /* still unread: the one read gets it, the next one does not */
    http_resp *r = http_curl(raw, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(r->body, SECRET);
    http_free(r);
    r = http_curl(raw, NULL);
    cr_assert_eq(r->status, 404, "read twice: %d", r->status);
    http_free(r);
    free(raw);
    free(page);
    free(id);
}

Test(burn_leaks, the_api_shows_an_unread_burn_paste_without_its_title_or_size)
{
    char *id = create_paste(SECRET, strlen(SECRET), "?burn=1&title=the%20pin&lang=c");
    char *api = url_of("/api/pastes/%s", id);
    http_resp *r = http_curl(api, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "\"burn\": true") || strstr(r->body, "\"burn\":true"), "%s", r->body);
    cr_assert_null(strstr(r->body, "the pin"), "the API shows the title: %s", r->body);
    cr_assert_null(strstr(r->body, "\"size\""), "the API shows the size: %s", r->body);
    cr_assert_null(strstr(r->body, "\"lang\""), "the API shows the language: %s", r->body);
    http_free(r);
    char *raw = url_of("/raw/%s", id);
    r = http_curl(raw, NULL);
    cr_assert_eq(r->status, 200, "the API read burned it");
    cr_assert_str_eq(r->body, SECRET);
    http_free(r);
    free(raw);
    free(api);
    free(id);
}

Test(burn_leaks, etags_are_keyed_not_the_contents_hash)
{
    char *id = create_paste(SECRET, strlen(SECRET), "");
    char *raw = url_of("/raw/%s", id);
    http_resp *r = http_curl(raw, NULL);
    const char *etag = http_header(r, "ETag");
    cr_assert_not_null(etag);
    char plain[SHA256_HEX + 1];
    sha256_hex(SECRET, strlen(SECRET), plain);
    cr_assert(strncmp(etag + 1, plain, 16) != 0, "the ETag %s is the content's SHA-256 %s", etag, plain);
    /* the same tag on every read (and every instance: the key is shared) */
    char again[64];
    snprintf(again, sizeof again, "%s", etag);
    http_free(r);
    r = http_curl("-H", "Accept-Encoding: identity", raw, NULL);
    cr_assert_str_eq(http_header(r, "ETag"), again);
    http_free(r);
    free(raw);
    free(id);
}

/* --- unguessable links ------------------------------------------------------ */

Test(secret_ids, unlisted_and_burn_pastes_get_long_random_ids)
{
    char *pub = create_paste("public", 6, "");
    char *u1 = create_paste("unlisted one", 12, "?unlisted=1");
    char *u2 = create_paste("unlisted two", 12, "?unlisted=1");
    char *b = create_paste("burn", 4, "?burn=1");
    cr_assert(strlen(pub) == 7 || strlen(pub) == 11, "a public id: %s", pub);
    cr_assert(id_is_secret(u1), "an unlisted id: %s", u1);
    cr_assert(id_is_secret(u2), "an unlisted id: %s", u2);
    cr_assert(id_is_secret(b), "a burn id: %s", b);
    cr_assert_str_neq(u1, u2);
    assert_raw_is(u1, "unlisted one", 12);
    char *page = url_of("/%s", u2);
    http_resp *r = http_curl(page, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "unlisted two"));
    http_free(r);
    /* a well-formed secret id that was never made: 404 */
    char *none = url_of("/raw/%s", "AAAAAAAAAAAAAAAAAAAAAA");
    r = http_curl(none, NULL);
    cr_assert_eq(r->status, 404);
    http_free(r);
    free(none);
    free(page);
    free(pub);
    free(u1);
    free(u2);
    free(b);
}

Test(secret_ids, an_unlisted_paste_is_deleted_with_its_token)
{
    char *url = pasted_url("/?unlisted=1");
    http_resp *r = http_post("/?unlisted=1", "text/plain", "to go", 5);
    cr_assert_eq(r->status, 201);
    char *id = id_from_url(r->body, r->body_len);
    cr_assert(id_is_secret(id), "%s", id);
    char token[80];
    snprintf(token, sizeof token, "X-Delete-Token: %s", http_header(r, "X-Delete-Token"));
    http_free(r);
    char *target = url_of("/%s", id);
    r = http_curl("-X", "DELETE", "-H", token, target, NULL);
    cr_assert_eq(r->status, 204);
    http_free(r);
    char *raw = url_of("/raw/%s", id);
    r = http_curl(raw, NULL);
    cr_assert_eq(r->status, 404);
    http_free(r);
    free(raw);
    free(target);
    free(id);
    free(url);
}

/* --- NUL bytes in options ----------------------------------------------------- */

static void assert_refused_nul(http_resp *r, const char *how)
{
    cr_assert_eq(r->status, 400, "%s: %d %s", how, r->status, r->body);
    cr_assert(strstr(r->body, "title"), "%s: the answer does not name the field: %s", how, r->body);
    cr_assert(strstr(r->body, "NUL"), "%s: the answer does not say why: %s", how, r->body);
}

Test(nul_options, a_nul_in_a_title_is_refused_not_cut)
{
    http_resp *r = http_post("/?title=a%00%3Cscript%3E", "text/plain", "body", 4);
    assert_refused_nul(r, "query");
    http_free(r);
    static const char form[] = "content=hello&title=a%00%3Cscript%3E";
    r = http_post("/", "application/x-www-form-urlencoded", form, sizeof form - 1);
    assert_refused_nul(r, "urlencoded form");
    http_free(r);
    static const char multipart[] = "--XyZ\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nhello\r\n"
                                    "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\na\0b\r\n"
                                    "--XyZ--\r\n";
    r = http_post("/", "multipart/form-data; boundary=XyZ", multipart, sizeof multipart - 1);
    assert_refused_nul(r, "multipart form");
    http_free(r);
}

/* --- Redis memory: only what can be made again is ever evicted ------------------ */

static long long info_field(redisContext *rc, const char *section, const char *name)
{
    redisReply *rep = redisCommand(rc, "INFO %s", section);
    cr_assert(rep && rep->type == REDIS_REPLY_STRING, "INFO %s", section);
    const char *at = strstr(rep->str, name);
    long long v = at ? atoll(at + strlen(name) + 1) : -1;
    freeReplyObject(rep);
    return v;
}

/* The keys that must never go: they have no time to live, so volatile-lru
 * never picks them. Every other key of pasted must have one. */
static int durable(const char *key)
{
    static const char *const exact[] = { "pasted:counter", "pasted:views", "pasted:pending", "pasted:recent",
                                         "pasted:expiring", "pasted:blocked",
                                         /* a field a day: a year is a few KiB */
                                         "pasted:daily:created", "pasted:daily:views" };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(key, exact[i]) == 0)
            return 1;
    return strncmp(key, "pasted:flushing:", 16) == 0;
}

Test(redis_memory, only_keys_that_can_be_made_again_can_be_evicted, .timeout = 60)
{
    char *id = create_paste("cached and counted", 18, "");
    assert_raw_is(id, "cached and counted", 18);
    redisContext *rc = test_redis();
    redisReply *rep = redisCommand(rc, "CONFIG GET maxmemory-policy");
    cr_assert(rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2);
    cr_assert_str_eq(rep->element[1]->str, "volatile-lru");
    freeReplyObject(rep);
    /* every key pasted has made so far: durable, or with a time to live */
    char cursor[32] = "0";
    int seen = 0;
    do {
        rep = redisCommand(rc, "SCAN %s MATCH pasted:* COUNT 500", cursor);
        cr_assert(rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2);
        snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
        for (size_t i = 0; i < rep->element[1]->elements; i++) {
            const char *key = rep->element[1]->element[i]->str;
            redisReply *ttl = redisCommand(rc, "PTTL %s", key);
            cr_assert(ttl && ttl->type == REDIS_REPLY_INTEGER);
            if (ttl->integer == -1)
                cr_assert(durable(key), "%s never expires, so it would fill Redis for good", key);
            else if (ttl->integer > 0)
                cr_assert_not(durable(key), "%s expires: Redis could evict it", key);
            freeReplyObject(ttl);
            seen++;
        }
        freeReplyObject(rep);
    } while (strcmp(cursor, "0") != 0);
    cr_assert_gt(seen, 3);

    /* squeezed: cache entries go, the counter and the queues stay, creates work */
    long long used = info_field(rc, "memory", "used_memory");
    long long evicted = info_field(rc, "stats", "evicted_keys");
    rep = redisCommand(rc, "CONFIG SET maxmemory %lld", used + (4 << 20));
    freeReplyObject(rep);
    char value[4096];
    memset(value, 'c', sizeof value);
    for (int i = 0; i < 3000; i++) {
        rep = redisCommand(rc, "SET pasted:p:squeeze%d %b EX 600", i, value, sizeof value);
        freeReplyObject(rep);
    }
    long long evicted_now = info_field(rc, "stats", "evicted_keys");
    rep = redisCommand(rc, "EXISTS pasted:counter");
    long long counter = rep->integer;
    freeReplyObject(rep);
    http_resp *r = http_post("/", "text/plain", "made while squeezed", 19);
    int status = r->status;
    http_free(r);
    rep = redisCommand(rc, "CONFIG SET maxmemory 256mb");
    freeReplyObject(rep);
    redisFree(rc);
    cr_assert_gt(evicted_now, evicted, "nothing was evicted: the squeeze did not squeeze");
    cr_assert_eq(counter, 1, "the counter was evicted");
    cr_assert_eq(status, 201, "a create while Redis is full of cache: %d", status);
    free(id);
}

/* --- the store's disk ------------------------------------------------------------- */

Test(disk_space, creates_get_507_before_the_disk_fills_and_reads_go_on, .timeout = 60)
{
    char *id = create_paste("readable on a full disk", 23, "");
    cr_assert_geq(metric("pasted_store_free_bytes"), 1, "the store's disk is not watched");
    /* a second instance for which no disk has enough room */
    const char *env[] = { "PASTED_MIN_FREE_SPACE=1000000G", NULL };
    second_pasted b;
    second_pasted_start(&b, "disk", env);
    char url[96];
    const char *create[] = { "--data-binary", "no room", b.base, NULL };
    http_resp *r = http_run(create, NULL, 0);
    int created = r->status;
    char body[256];
    snprintf(body, sizeof body, "%s", r->body);
    http_free(r);
    snprintf(url, sizeof url, "%sraw/%s", b.base, id);
    const char *read[] = { url, NULL };
    r = http_run(read, NULL, 0);
    int read_status = r->status;
    http_free(r);
    second_pasted_stop(&b);
    cr_assert_eq(created, 507, "a create on a full disk: %d %s", created, body);
    cr_assert(strstr(body, "full"), "the reason: %s", body);
    cr_assert_eq(read_status, 200, "a read on a full disk: %d", read_status);
    free(id);
}
