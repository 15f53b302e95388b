/* home.c - GET / (the paste form with the recent box; the help text for
 * curl and wget), GET /?from=<id> (the form pre-filled from a paste:
 * page.c reads it), and GET /recent. Both lists come from the recent list
 * in Redis (app_recent). */
#include "web.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ids.h"
#include "html.h"

void home_form(request *r, home_options *o, char *base, size_t base_len)
{
    base_url(r, base, base_len);
    memset(o, 0, sizeof *o);
    o->default_expire = cfg_of(r)->default_expire;
    o->expiry = &app_of(r)->expiry;
    o->base = base;
}

static void send_page(request *r, struct evbuffer *page)
{
    set_header(r, "Cache-Control", "no-cache");
    set_header(r, "Vary", "User-Agent, Accept"); /* curl and wget get /help at / */
    reply_html(r, 200, page);
}

static void on_home_recent(void *arg, const paste_summary *items, size_t n)
{
    request *r = arg;
    char base[300];
    home_options o;
    home_form(r, &o, base, sizeof base);
    o.recent = items;
    o.recent_count = n;
    send_page(r, html_home_page(&o));
}

void handle_root(request *r, const char *rest)
{
    if (privatebin_request(r)) {
        privatebin_get(r);
        return;
    }
    /* PrivateBin's link shape, /?<id>#<key>: the paste's page */
    if (r->query && ids_is_wellformed(r->query, strlen(r->query))) {
        serve_page_of(r, r->query);
        return;
    }
    if (help_is_for_terminal(r)) {
        handle_help(r, rest);
        return;
    }
    char *from = query_param(r, "from");
    if (from) {
        if (ids_is_wellformed(from, strlen(from)))
            serve_copy_form(r, from);
        else
            reply_error(r, 404, "no such paste");
        free(from);
        return;
    }
    app_recent(loop_of(r)->app, (size_t)cfg_of(r)->recent_count, on_home_recent, r);
}

static void on_recent(void *arg, const paste_summary *items, size_t n)
{
    send_page(arg, html_recent_page(items, n, now_ms()));
}

void handle_recent(request *r, const char *rest)
{
    (void)rest;
    app_recent(loop_of(r)->app, (size_t)cfg_of(r)->recent_count * 2, on_recent, r);
}
