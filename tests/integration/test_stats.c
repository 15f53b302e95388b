/* test_stats.c - a paste's reads by day (GET /<id>/stats, GET
 * /api/pastes/<id>/stats; web/stats.c, app/stats.c, store/stats.c): the
 * numbers are MongoDB's own (read back with mongoc and compared), the
 * chart is an accessible inline SVG with a table of the same numbers, a
 * link's reads are called clicks, and a paste with limited reads has none. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pasted_client.h"

typedef struct views_wait {
    const char *id;
    int64_t     want, seen;
} views_wait;

static int views_flushed(void *arg)
{
    views_wait *w = arg;
    bson_t *doc = find_doc(w->id);
    w->seen = doc ? doc_int(doc, "views") : -1;
    if (doc)
        bson_destroy(doc);
    return w->seen == w->want;
}

static json_t *api_stats(const char *id, int *status)
{
    char path[80];
    snprintf(path, sizeof path, "/api/pastes/%s/stats", id);
    http_resp *r = http_get(path);
    *status = r->status;
    json_t *o = json_loadb(r->body, r->body_len, 0, NULL);
    http_free(r);
    return o;
}

static http_resp *page(const char *path)
{
    char *url = pasted_url(path);
    const char *args[] = { "-H", "Accept: text/html", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    free(url);
    return r;
}

Test(stats, the_days_are_what_mongodb_has)
{
    char *id = create_paste("read three times", 16, "");
    for (int i = 0; i < 3; i++)
        assert_raw_is(id, "read three times", 16);
    views_wait w = { id, 3, 0 };
    cr_assert(wait_until(views_flushed, &w, 5000), "MongoDB has %lld views, not 3", (long long)w.seen);
    int status;
    json_t *o = api_stats(id, &status);
    cr_assert_eq(status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(o, "kind")), "paste");
    cr_assert_eq(json_integer_value(json_object_get(o, "views")), 3);
    cr_assert(json_is_string(json_object_get(o, "last_view")), "last_view");
    json_t *days = json_object_get(o, "days");
    cr_assert_eq(json_array_size(days), 1, "one day of views");
    char today[11], field[32];
    today_utc(today);
    snprintf(field, sizeof field, "days.%s", today);
    bson_t *doc = find_doc(id);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(days, 0), "day")), today);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(days, 0), "views")), doc_int(doc, field),
                 "the API's day is not MongoDB's");
    bson_destroy(doc);
    json_decref(o);
    free(id);
}

Test(stats, the_page_draws_an_accessible_chart_and_a_table)
{
    char *id = create_paste("charted", 7, "");
    assert_raw_is(id, "charted", 7);
    views_wait w = { id, 1, 0 };
    cr_assert(wait_until(views_flushed, &w, 5000));
    char path[64];
    snprintf(path, sizeof path, "/%s/stats", id);
    http_resp *r = page(path);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "<svg") && strstr(r->body, "role=\"img\""), "no SVG image");
    cr_assert(strstr(r->body, "<title id=\"reads-title\">Views per day"), "no chart title");
    cr_assert(strstr(r->body, "<desc id=\"reads-desc\">1 in all"), "no description with the total");
    char today[11], row[64];
    today_utc(today);
    snprintf(row, sizeof row, "<tr><td>%s</td><td>1</td></tr>", today);
    cr_assert(strstr(r->body, row), "the table has no row %s", row);
    /* a week at least: seven bars */
    int bars = 0;
    for (const char *p = r->body; (p = strstr(p, "<rect class=\"bar\"")); p++)
        bars++;
    cr_assert_eq(bars, 7, "bars: %d", bars);
    cr_assert_null(strstr(r->body, "<script>"), "an inline script");
    http_free(r);
    free(id);
}

Test(stats, a_links_reads_are_clicks)
{
    char *url = pasted_url("/");
    const char *args[] = { "-F", "url=https://example.org/stats-of-a-link", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    cr_assert_eq(r->status, 201);
    char *id = id_from_url(r->body, r->body_len);
    http_free(r);
    char path[64];
    snprintf(path, sizeof path, "/%s", id);
    r = http_get(path);
    cr_assert_eq(r->status, 302);
    http_free(r);
    views_wait w = { id, 1, 0 };
    cr_assert(wait_until(views_flushed, &w, 5000));
    int status;
    json_t *o = api_stats(id, &status);
    cr_assert_eq(status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(o, "kind")), "link");
    cr_assert_eq(json_integer_value(json_object_get(o, "views")), 1);
    json_decref(o);
    snprintf(path, sizeof path, "/%s/stats", id);
    r = page(path);
    cr_assert(strstr(r->body, "Clicks of short link"), "not called clicks");
    http_free(r);
    free(url);
    free(id);
}

Test(stats, none_for_limited_reads_or_unknown_pastes)
{
    char *id = create_paste("three reads", 11, "?views_left=3");
    int status;
    json_t *o = api_stats(id, &status);
    cr_assert_eq(status, 404, "stats of a paste with limited reads: %d", status);
    json_decref(o);
    assert_raw_is(id, "three reads", 11);   /* and nothing was spent */
    free(id);
    o = api_stats("AAAAAAA", &status);
    cr_assert_eq(status, 404);
    json_decref(o);
    http_resp *r = page("/AAAAAAA/stats");
    cr_assert_eq(r->status, 404);
    http_free(r);
    r = page("/not-an-id!/stats");
    cr_assert_eq(r->status, 404);
    http_free(r);
}

Test(stats, the_instance_counts_pastes_views_and_languages)
{
    char *id = create_paste("fn main() {}\n", 13, "?lang=rust");
    assert_raw_is(id, "fn main() {}\n", 13);
    usleep(300 * 1000);     /* the loop's view batch (view_batch_ms) reaches Redis */
    http_resp *r = http_get("/api/stats");
    cr_assert_eq(r->status, 200);
    json_t *o = json_loadb(r->body, r->body_len, 0, NULL);
    http_free(r);
    char today[11];
    today_utc(today);
    json_t *created = json_object_get(o, "created"), *views = json_object_get(o, "views");
    cr_assert_eq(json_array_size(created), 30);
    json_t *last = json_array_get(created, 29);
    cr_assert_str_eq(json_string_value(json_object_get(last, "day")), today);
    cr_assert_geq(json_integer_value(json_object_get(last, "pastes")), 1, "pastes made today");
    cr_assert_geq(json_integer_value(json_object_get(json_array_get(views, 29), "views")), 1, "views today");
    int rust = 0;
    json_t *langs = json_object_get(o, "languages"), *l;
    size_t i;
    json_array_foreach(langs, i, l)
        rust |= strcmp(json_string_value(json_object_get(l, "lang")), "rust") == 0;
    cr_assert(rust, "rust is not among the recent languages");
    json_decref(o);
    r = page("/stats");
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "aria-labelledby=\"made-title made-desc\"")
              && strstr(r->body, "aria-labelledby=\"viewed-title viewed-desc\""), "two charts");
    http_free(r);
    free(id);
}
