/* reply.c - what every web reply shares: links, security headers, errors.
 *
 * Errors take one path whatever their origin (a refused request head in
 * the HTTP layer, a 404 from the router, a fault from the application):
 * reply_error() in the HTTP layer calls render_error() here, which picks
 * the format by who asks: JSON {"error", "field"} under /api/, an HTML page
 * for a browser (never for /raw/, whose answers are the bytes or a line),
 * else the message as one line of text. A fault's kind becomes its status
 * in fault_status(), the one table of them. */
#include "web.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"
#include "http/form.h"

/* room around a max-size paste: multipart framing, or base64 in the JSON API */
#define FORM_OVERHEAD (64 * 1024)

void web_http_settings(web *w, http_settings *out)
{
    const config *cfg = w->cfg;
    memset(out, 0, sizeof *out);
    out->max_header_size = cfg->max_header_size;
    out->max_body = (int64_t)cfg->max_paste_size / 3 * 4 + 4 + FORM_OVERHEAD;
    out->header_timeout = cfg->header_timeout;
    out->body_timeout = cfg->body_timeout;
    out->keepalive_timeout = cfg->keepalive_timeout;
    out->handle = web_route;
    out->render_error = render_error;
    out->requests = &w->app->stats.requests;
}

int web_loop_init(web_loop *wl, web *w, app_loop *al)
{
    wl->web = w;
    wl->app = al;
    return events_loop_init(wl);
}

void web_loop_free(web_loop *wl)
{
    events_loop_free(wl);
    ws_loop_free(wl);
    free(wl->stats);
    wl->stats = NULL;
}

void set_created_headers(request *r, const paste *p, const char *token)
{
    set_header(r, "X-Delete-Token", token);
    set_header(r, "X-Token", token);
    if (p->expires_ms) {
        char ms[24];
        snprintf(ms, sizeof ms, "%lld", (long long)p->expires_ms);
        set_header(r, "X-Expires", ms);
    }
}

int request_form(request *r, form *out)
{
    size_t len = evbuffer_get_length(r->body);
    const char *data = len ? (const char *)evbuffer_pullup(r->body, -1) : "";
    const char *ctype = get_header(r, "Content-Type");
    if (ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0)
        return form_parse_multipart(ctype, data, len, out);
    return form_parse_urlencoded(data, len, out);
}

/* Host header characters we are willing to echo back into links. */
static int host_is_safe(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 255)
        return 0;
    for (const char *p = h; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]_", *p))
            return 0;
    return 1;
}

void base_url(request *r, char *out, size_t outlen)
{
    const config *cfg = cfg_of(r);
    if (cfg->public_url[0]) {
        snprintf(out, outlen, "%s", cfg->public_url);
        size_t n = strlen(out);
        while (n > 0 && out[n - 1] == '/')
            out[--n] = '\0';
        return;
    }
    const char *host = get_header(r, "Host");
    if (host && host_is_safe(host))
        snprintf(out, outlen, "http://%s", host);
    else
        snprintf(out, outlen, "http://%s:%d", cfg->listen, cfg->port);
}

/* What a burn-after-reading paste shows before its one read: that it
 * exists, nothing of its content. Its one read (GET /<id> or GET /raw/<id>)
 * shows it and burns it; a HEAD of either gets only this: no length, no
 * tag, no title (a tag or a length would let anyone test guesses of a
 * short secret without burning it). The API's metadata shows only the id,
 * the links, burn and the expiry (page.c). */
void reply_burn_unread(request *r)
{
    set_header(r, "Cache-Control", "no-store");
    set_header(r, "X-Burn-After-Reading", "unread");
    reply(r, 200, NULL, NULL);
}

void reply_html(request *r, int status, struct evbuffer *page)
{
    if (!page) {   /* the page could not be built: out of memory */
        reply(r, 503, NULL, NULL);
        return;
    }
    set_header(r, "Content-Security-Policy",
               "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    set_header(r, "X-Frame-Options", "DENY");
    set_header(r, "Referrer-Policy", "no-referrer");
    reply(r, status, "text/html; charset=utf-8", page);
}

int fault_status(const fault *f)
{
    switch (f->kind) {
    case FAULT_INVALID:     return 400;
    case FAULT_DENIED:      return 403;
    case FAULT_NOT_FOUND:   return 404;
    case FAULT_GONE:        return 410;
    case FAULT_TOO_LARGE:   return 413;
    case FAULT_UNSUPPORTED: return 415;
    case FAULT_LIMITED:     return 429;
    case FAULT_BLOCKED:     return 451;
    case FAULT_UNAUTHORIZED: return 401;
    case FAULT_NO_SPACE:    return 507;
    case FAULT_EXISTS:
    case FAULT_UNAVAILABLE:
    case FAULT_NO_MEMORY:
    case FAULT_NONE:
    default:                return 503;
    }
}

void reply_fault(request *r, const fault *f)
{
    if (f->kind == FAULT_LIMITED && f->retry_after > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", f->retry_after);
        set_header(r, "Retry-After", secs);
    }
    reply_error_field(r, fault_status(f), f->message, f->field);
}

void reply_json(request *r, int status, struct json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    struct evbuffer *b = s ? evbuffer_new() : NULL;
    if (!b) {
        free(s);
        reply(r, 503, NULL, NULL);  /* out of memory: no error body that could need more */
        return;
    }
    evbuffer_add_printf(b, "%s\n", s);
    free(s);
    reply(r, status, "application/json", b);
}

static int is_api(const request *r)
{
    return r->path && strncmp(r->path, "/api/", 5) == 0;
}

void render_error(request *r, int status, const char *message, const char *field)
{
    if (!is_api(r) && wants_html(r) && !(r->path && strncmp(r->path, "/raw/", 5) == 0)) {
        /* a person in a browser gets a page; the message is the same line */
        reply_html(r, status, html_error_page(status, message));
        return;
    }
    if (!is_api(r)) {
        reply_text(r, status, message);
        return;
    }
    json_t *o = json_pack("{s:s}", "error", message);
    if (o && field)
        json_object_set_new(o, "field", json_string(field));
    reply_json(r, status, o);
}
