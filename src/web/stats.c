/* stats.c - a paste's (or a short link's) reads by day:
 *   GET /<id>/stats             a page: the total, the last read, a chart of
 *                               the days since it was made (chart.c) and the
 *                               same numbers as a table; no JavaScript
 *   GET /api/pastes/<id>/stats  the same as JSON: {"id", "kind", "views",
 *                               "created", "last_view", "days": [{"day",
 *                               "views"}]}
 * A link's reads are its clicks, and are called so. The application reads
 * the paste, then its days (app/stats.c); the total is the live one, the
 * days are what MongoDB has (views reach it every view_flush_ms).
 *   GET /stats, GET /api/stats  the instance's pastes made and views per day
 *                               (the last 30, from Redis' daily counters) and
 *                               the languages of the recent public pastes;
 *                               kept per loop for a minute, so a busy
 *                               instance pays for them once a minute. */
#include "web.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/stats.h"
#include "chart.h"
#include "core/clock.h"
#include "core/format.h"
#include "html.h"

/* The id before "/stats", into id; 0, or -1. */
static int stats_id(const char *rest, char id[IDS_MAX_LEN + 1])
{
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : 0;
    if (!slash || strcmp(slash, "/stats") != 0 || !ids_is_wellformed(rest, n))
        return -1;
    memcpy(id, rest, n);
    id[n] = '\0';
    return 0;
}

int rule_stats_path(const char *rest)
{
    char id[IDS_MAX_LEN + 1];
    return stats_id(rest, id) == 0;
}

static void put_page(struct evbuffer *b, const paste *p, const paste_stats *st, int64_t views)
{
    const char *what = p->link ? "Clicks" : "Views";
    char title[64], when[32];
    snprintf(title, sizeof title, "%s of %s", what, p->id);
    html_page_start(b, title);
    evbuffer_add_printf(b, "<article class=\"stats\"><h1>%s of %s <a href=\"/%s%s\">%s</a></h1>", what,
                        p->link ? "short link" : "paste", p->id, p->link ? "+" : "", p->id);
    if (!p->link && p->title && p->title[0]) {
        evbuffer_add_printf(b, "<p class=\"stats-title\">");
        html_escape(b, p->title, strlen(p->title));
        evbuffer_add_printf(b, "</p>");
    }
    format_rfc3339(p->created_ms, when);
    evbuffer_add_printf(b, "<dl class=\"stats-numbers\"><dt>%s in all</dt><dd>%lld</dd>"
                           "<dt>Made</dt><dd><time datetime=\"%s\">%.10s</time></dd><dt>Last %s</dt><dd>",
                        what, (long long)views, when, when, p->link ? "click" : "view");
    if (st->last_view_ms) {
        format_rfc3339(st->last_view_ms, when);
        evbuffer_add_printf(b, "<time datetime=\"%s\">%.10s %.5s UTC</time>", when, when, when + 11);
    } else {
        evbuffer_add_printf(b, "none yet");
    }
    evbuffer_add_printf(b, "</dd></dl>");
    int64_t today = now_ms() / 86400000, made = p->created_ms / 86400000;
    chart_days(b, "reads", what, st->days, st->ndays, made, today);
    chart_table(b, what, st->days, st->ndays);
    evbuffer_add_printf(b, "<p class=\"hint\">Days are UTC. The last %s may take a minute to appear "
                           "here; the total above is live. JSON: <a href=\"/api/pastes/%s/stats\">"
                           "/api/pastes/%s/stats</a></p></article>",
                        p->link ? "clicks" : "views", p->id, p->id);
    html_page_end(b);
}

static void on_stats(void *arg, const paste *p, const paste_stats *st, int64_t views, const fault *f)
{
    request *r = arg;
    if (!p) {
        reply_fault(r, f);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b)
        put_page(b, p, st, views);
    set_header(r, "Cache-Control", "no-cache");
    reply_html(r, 200, b);
}

static void on_api_stats(void *arg, const paste *p, const paste_stats *st, int64_t views, const fault *f)
{
    request *r = arg;
    if (!p) {
        reply_fault(r, f);
        return;
    }
    char created[32], last[32];
    format_rfc3339(p->created_ms, created);
    if (st->last_view_ms)
        format_rfc3339(st->last_view_ms, last);
    json_t *days = json_array();
    for (size_t i = 0; days && i < st->ndays; i++)
        json_array_append_new(days, json_pack("{s:s, s:I}", "day", st->days[i].day, "views", (json_int_t)st->days[i].n));
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:o, s:o}", "id", p->id, "kind", p->link ? "link" : "paste",
                          "views", (json_int_t)views, "created", created,
                          "last_view", st->last_view_ms ? json_string(last) : json_null(), "days", days);
    set_header(r, "Cache-Control", "no-cache");
    reply_json(r, 200, o);
}

static void start(request *r, const char *rest, paste_stats_cb cb)
{
    char id[IDS_MAX_LEN + 1];
    if (stats_id(rest, id) != 0) {
        reply_error(r, 404, "no such paste");
        return;
    }
    app_client who;
    client_of(r, &who);
    app_paste_stats(loop_of(r)->app, id, &who, cb, r);
}

void handle_stats(request *r, const char *rest)
{
    start(r, rest, on_stats);
}

void handle_api_stats(request *r, const char *rest)
{
    start(r, rest, on_api_stats);
}

/* --- the instance ---------------------------------------------------------- */

#define INSTANCE_DAYS  30
#define INSTANCE_KEEP_MS 60000
#define LANGS_SHOWN    12

typedef struct lang_count {
    char lang[PASTE_LANG_MAX + 1];
    int  n;
} lang_count;

typedef struct instance_stats {
    int64_t    made_ms;
    int        ok;                      /* Redis answered */
    day_count  created[INSTANCE_DAYS], views[INSTANCE_DAYS];
    lang_count langs[LANGS_SHOWN];
    size_t     nlangs, recent;
} instance_stats;

typedef struct instance_req {
    request *r;
    int      json;
} instance_req;

static void put_instance_page(struct evbuffer *b, const instance_stats *st)
{
    int64_t made = 0, seen = 0;
    for (size_t i = 0; i < INSTANCE_DAYS; i++) {
        made += st->created[i].n;
        seen += st->views[i].n;
    }
    html_page_start(b, "Statistics");
    evbuffer_add_printf(b, "<article class=\"stats\"><h1>This pastebin, the last %d days</h1>"
                           "<dl class=\"stats-numbers\"><dt>Pastes made</dt><dd>%lld</dd>"
                           "<dt>Views</dt><dd>%lld</dd></dl>", INSTANCE_DAYS, (long long)made, (long long)seen);
    if (!st->ok)
        evbuffer_add_printf(b, "<p class=\"notice\">Redis did not answer: the counts are missing.</p>");
    int64_t today = now_ms() / 86400000;
    evbuffer_add_printf(b, "<h2>Pastes made</h2>");
    chart_days(b, "made", "Pastes made", st->created, INSTANCE_DAYS, today - INSTANCE_DAYS + 1, today);
    chart_table(b, "Pastes made", st->created, INSTANCE_DAYS);
    evbuffer_add_printf(b, "<h2>Views</h2>");
    chart_days(b, "viewed", "Views", st->views, INSTANCE_DAYS, today - INSTANCE_DAYS + 1, today);
    chart_table(b, "Views", st->views, INSTANCE_DAYS);
    evbuffer_add_printf(b, "<h2>Languages of the last %zu public pastes</h2>", st->recent);
    if (st->nlangs == 0)
        evbuffer_add_printf(b, "<p>None yet.</p>");
    else
        evbuffer_add_printf(b, "<table class=\"stats-langs\"><thead><tr><th scope=\"col\">Language</th>"
                               "<th scope=\"col\">Pastes</th></tr></thead><tbody>");
    for (size_t i = 0; i < st->nlangs; i++) {
        evbuffer_add_printf(b, "<tr><td>");
        html_escape(b, st->langs[i].lang[0] ? st->langs[i].lang : "(detected by the page)",
                    strlen(st->langs[i].lang[0] ? st->langs[i].lang : "(detected by the page)"));
        evbuffer_add_printf(b, "</td><td>%d</td></tr>", st->langs[i].n);
    }
    if (st->nlangs)
        evbuffer_add_printf(b, "</tbody></table>");
    evbuffer_add_printf(b, "<p class=\"hint\">Days are UTC; the numbers are at most a minute old. "
                           "JSON: <a href=\"/api/stats\">/api/stats</a></p></article>");
    html_page_end(b);
}

static json_t *days_json(const day_count *d, size_t n, const char *what)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:I}", "day", d[i].day, what, (json_int_t)d[i].n));
    return a;
}

static void answer_instance(request *r, const instance_stats *st, int json)
{
    set_header(r, "Cache-Control", "public, max-age=60");
    if (json) {
        json_t *langs = json_array();
        for (size_t i = 0; langs && i < st->nlangs; i++)
            json_array_append_new(langs, json_pack("{s:s, s:i}", "lang", st->langs[i].lang, "pastes", st->langs[i].n));
        reply_json(r, 200, json_pack("{s:o, s:o, s:o, s:I}", "created", days_json(st->created, INSTANCE_DAYS, "pastes"),
                                     "views", days_json(st->views, INSTANCE_DAYS, "views"), "languages", langs,
                                     "recent", (json_int_t)st->recent));
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b)
        put_instance_page(b, st);
    reply_html(r, 200, b);
}

static int by_count(const void *a, const void *b)
{
    const lang_count *x = a, *y = b;
    return y->n != x->n ? y->n - x->n : strcmp(x->lang, y->lang);
}

static void on_recent_langs(void *arg, const paste_summary *items, size_t n)
{
    instance_req *q = arg;
    instance_stats *st = loop_of(q->r)->stats;
    lang_count all[64];
    size_t nall = 0;
    for (size_t i = 0; i < n; i++) {
        const char *lang = items[i].lang ? items[i].lang : "";
        size_t k = 0;
        while (k < nall && strcmp(all[k].lang, lang) != 0)
            k++;
        if (k == nall && nall < sizeof all / sizeof all[0]) {
            snprintf(all[nall].lang, sizeof all[nall].lang, "%s", lang);
            all[nall++].n = 0;
        }
        if (k < nall)
            all[k].n++;
    }
    qsort(all, nall, sizeof all[0], by_count);
    st->nlangs = nall < LANGS_SHOWN ? nall : LANGS_SHOWN;
    memcpy(st->langs, all, st->nlangs * sizeof all[0]);
    st->recent = n;
    st->made_ms = now_ms();
    answer_instance(q->r, st, q->json);
    free(q);
}

static void on_daily(void *arg, const int64_t *created, const int64_t *views, size_t ndays, int ok)
{
    instance_req *q = arg;
    instance_stats *st = loop_of(q->r)->stats;
    int64_t today = now_ms();
    for (size_t i = 0; i < INSTANCE_DAYS; i++) {
        int64_t day_ms = today - (int64_t)(INSTANCE_DAYS - 1 - i) * 86400000;
        utc_day(day_ms, st->created[i].day);
        memcpy(st->views[i].day, st->created[i].day, 11);
        st->created[i].n = i < ndays ? created[i] : 0;
        st->views[i].n = i < ndays ? views[i] : 0;
    }
    st->ok = ok;
    app_recent(loop_of(q->r)->app, 500, on_recent_langs, q);
}

static void instance(request *r, int json)
{
    web_loop *wl = loop_of(r);
    if (wl->stats && now_ms() - wl->stats->made_ms < INSTANCE_KEEP_MS) {
        answer_instance(r, wl->stats, json);
        return;
    }
    instance_req *q = calloc(1, sizeof *q);
    if (!wl->stats)
        wl->stats = calloc(1, sizeof *wl->stats);
    if (!q || !wl->stats) {
        free(q);
        reply_error(r, 503, "out of memory");
        return;
    }
    q->r = r;
    q->json = json;
    app_daily_stats(wl->app, INSTANCE_DAYS, on_daily, q);
}

void handle_instance_stats(request *r, const char *rest)
{
    (void)rest;
    instance(r, 0);
}

void handle_api_instance_stats(request *r, const char *rest)
{
    (void)rest;
    instance(r, 1);
}
