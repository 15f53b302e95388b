/* stats.c - a paste's (or a short link's) reads by day:
 *   GET /<id>/stats             a page: the total, the last read, a chart of
 *                               the days since it was made (chart.c) and the
 *                               same numbers as a table; no JavaScript
 *   GET /api/pastes/<id>/stats  the same as JSON: {"id", "kind", "views",
 *                               "created", "last_view", "days": [{"day",
 *                               "views"}]}
 * A link's reads are its clicks, and are called so. The application reads
 * the paste, then its days (app/stats.c); the total is the live one, the
 * days are what MongoDB has (views reach it every view_flush_ms). */
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
    if (views < st->views)
        views = st->views;
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
    if (views < st->views)
        views = st->views;
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
