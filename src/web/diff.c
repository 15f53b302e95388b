/* diff.c - the differences between two pastes:
 *   GET /diff/<a>/<b>       a page: the unified diff, lines coloured and
 *                           numbered, each number a link to that line of
 *                           its paste (html.c, html_diff_page)
 *   GET /raw/diff/<a>/<b>   the plain unified diff, text/x-diff, so
 *                           curl HOST/raw/diff/a/b | patch file  works
 * The application reads both pastes and diffs them off the loop
 * (app/diff.c); this file writes the answer. The raw diff names the texts
 * a/<a> and b/<b>; two equal pastes give an empty diff. */
#include "web.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "app/diff.h"
#include "html.h"

/* "<a>/<b>" -> both ids; 0, or -1. */
static int diff_ids(const char *rest, char a[IDS_MAX_LEN + 1], char b[IDS_MAX_LEN + 1])
{
    const char *slash = strchr(rest, '/');
    if (!slash)
        return -1;
    size_t an = (size_t)(slash - rest), bn = strlen(slash + 1);
    if (!ids_is_wellformed(rest, an) || !ids_is_wellformed(slash + 1, bn))
        return -1;
    memcpy(a, rest, an);
    a[an] = '\0';
    memcpy(b, slash + 1, bn + 1);
    return 0;
}

int rule_diff_path(const char *rest)
{
    char a[IDS_MAX_LEN + 1], b[IDS_MAX_LEN + 1];
    return diff_ids(rest, a, b) == 0;
}

static void on_raw_diff(void *arg, const paste *a, const paste *b, const diff *d, const fault *f)
{
    request *r = arg;
    if (!d) {
        reply_fault(r, f);
        return;
    }
    struct evbuffer *out = evbuffer_new();
    if (out && d->n) {
        evbuffer_add_printf(out, "--- a/%s\n+++ b/%s\n", a->id, b->id);
        for (size_t i = 0; i < d->n; i++) {
            const diff_line *l = &d->lines[i];
            if (l->origin == '\\')
                evbuffer_add(out, "\\ ", 2);      /* "\ No newline at end of file" */
            else if (l->origin != '@')
                evbuffer_add(out, &l->origin, 1);
            evbuffer_add(out, d->text + l->off, l->len);
            evbuffer_add(out, "\n", 1);
        }
    }
    set_header(r, "Cache-Control", "no-cache");
    reply(r, 200, "text/x-diff; charset=utf-8", out);
}

static void on_diff_page(void *arg, const paste *a, const paste *b, const diff *d, const fault *f)
{
    request *r = arg;
    if (!d) {
        reply_fault(r, f);
        return;
    }
    set_header(r, "Cache-Control", "no-cache");
    reply_html(r, 200, html_diff_page(a, b, d));
}

static void start(request *r, const char *rest, diff_cb cb)
{
    char a[IDS_MAX_LEN + 1], b[IDS_MAX_LEN + 1];
    if (diff_ids(rest, a, b) != 0) {
        reply_error(r, 404, "no such paste");
        return;
    }
    app_client who;
    client_of(r, &who);
    app_diff(loop_of(r)->app, a, b, &who, cb, r);
}

void handle_diff(request *r, const char *rest)
{
    start(r, rest, on_diff_page);
}

void handle_raw_diff(request *r, const char *rest)
{
    start(r, rest, on_raw_diff);
}
