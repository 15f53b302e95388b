/* page_home.c - GET / (the paste form with the recent box), GET /?from=<id>
 * (the form pre-filled from a paste: view.c reads it), and GET /recent.
 * Both lists come from recent.c (Redis only). */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "ids.h"
#include "recent.h"
#include "routes.h"

static void send_page(request *r, struct evbuffer *page)
{
    set_html_security_headers(r);
    set_header(r, "Cache-Control", "no-cache");
    set_header(r, "Vary", "User-Agent, Accept"); /* curl and wget get /help at / */
    reply(r, 200, "text/html; charset=utf-8", page);
}

static void on_home_recent(void *arg, const paste_summary *items, size_t n)
{
    request *r = arg;
    char base[300];
    base_url(r, base, sizeof base);
    home_options o = { 0 };
    o.default_expire = srv.cfg.default_expire;
    o.expire_choices = srv.cfg.expire_choices;
    o.base = base;
    o.recent = items;
    o.recent_count = n;
    send_page(r, html_home_page(&o));
}

void handle_home(request *r)
{
    char *from = query_param(r, "from");
    if (from) {
        if (ids_is_wellformed(from, strlen(from)))
            handle_view(r, from, VIEW_CLONE);
        else
            reply_error(r, 404, "no such paste");
        free(from);
        return;
    }
    recent_fetch(r->w, (size_t)srv.cfg.recent_count, on_home_recent, r);
}

static void on_recent(void *arg, const paste_summary *items, size_t n)
{
    send_page(arg, html_recent_page(items, n, now_ms()));
}

void handle_recent(request *r)
{
    recent_fetch(r->w, (size_t)srv.cfg.recent_count * 2, on_recent, r);
}
