/* moderation.c - reports and the operator's pages.
 *
 *   GET  /report/<id>         a small form: reason and an optional note
 *   POST /report/<id>         keeps the report (app/moderation.c; rate
 *                             limited); a browser gets a thank-you page
 *   GET  /admin/reports       the operator's list, newest first, each with
 *                             a one-click delete (and delete-and-block);
 *                             ?format=json for scripts
 *   POST /admin/delete/<id>   the operator's delete; field block=1 also
 *                             blocks the content
 *   DELETE /<id> with the operator's token (remove.c) does the same.
 *
 * The operator is whoever presents the token of admin_token_file, as
 * "Authorization: Bearer TOKEN" or HTTP Basic (any user name, the token as
 * password: a browser asks for it once). No token: 401 with a Basic
 * challenge; a wrong one: 403. A POST from a browser must come from a page
 * of this site (its Origin names this host): a page elsewhere cannot make
 * an operator's browser delete pastes. */
#include "web.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/moderation.h"
#include "core/format.h"
#include "html.h"
#include "http/form.h"

#define REPORTS_SHOWN 200

/* --- who is the operator --------------------------------------------------------- */

/* The token in Authorization, malloc'd, or NULL. */
static char *presented_token(request *r)
{
    const char *h = get_header(r, "Authorization");
    if (!h)
        return NULL;
    if (strncasecmp(h, "Bearer ", 7) == 0)
        return strdup(h + 7);
    if (strncasecmp(h, "Basic ", 6) != 0)
        return NULL;
    uint8_t *raw = NULL;
    size_t len = 0;
    if (base64_decode(h + 6, strlen(h + 6), &raw, &len) != 0)
        return NULL;
    char *colon = memchr(raw, ':', len);
    char *token = NULL;
    if (colon && !memchr(raw, '\0', len))
        token = strndup(colon + 1, len - (size_t)(colon - (char *)raw) - 1);
    free(raw);
    return token;
}

/* A POST from a page of another site? (Origin names another host.) */
static int cross_site(request *r)
{
    const char *origin = get_header(r, "Origin");
    const char *host = get_header(r, "Host");
    if (!origin)
        return 0;
    const char *at = strstr(origin, "://");
    return !host || !at || strcmp(at + 3, host) != 0;
}

/* 1: the operator. 0: a reply (401 or 403) has been sent. */
int operator_only(request *r)
{
    char *token = presented_token(r);
    int ok = token && app_is_operator(app_of(r), token);
    if (token)
        memset(token, 0, strlen(token));
    free(token);
    if (ok && !(r->method == M_POST && cross_site(r)))
        return 1;
    if (ok || get_header(r, "Authorization")) {
        reply_error(r, 403, ok ? "a cross-site request" : "wrong operator token");
        return 0;
    }
    set_header(r, "WWW-Authenticate", "Basic realm=\"pasted operator\", charset=\"UTF-8\"");
    reply_error(r, 401, app_of(r)->has_operator ? "the operator's token is needed" : "no operator is configured");
    return 0;
}

/* --- reports ------------------------------------------------------------------------ */

static const char *const reason_labels[][2] = {
    { "spam", "Spam or advertising" }, { "malware", "Malware" }, { "phishing", "Phishing or fraud" },
    { "illegal", "Illegal content" }, { "personal", "Someone's personal data" }, { "other", "Something else" },
};

static void report_form(request *r, const char *id)
{
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        reply_error(r, 503, "out of memory");
        return;
    }
    html_page_start(b, "Report a paste");
    evbuffer_add_printf(b, "<article class=\"report\"><h1>Report paste <a href=\"/%s\">%s</a></h1>"
                           "<form method=\"post\" action=\"/report/%s\"><fieldset><legend>What is wrong with it?</legend>",
                        id, id, id);
    for (size_t i = 0; i < sizeof reason_labels / sizeof reason_labels[0]; i++)
        evbuffer_add_printf(b, "<label><input type=\"radio\" name=\"reason\" value=\"%s\"%s> %s</label>",
                            reason_labels[i][0], i == 0 ? " required" : "", reason_labels[i][1]);
    evbuffer_add_printf(b, "</fieldset><label for=\"note\">Anything the operator should know (optional)</label>"
                           "<textarea id=\"note\" name=\"note\" maxlength=\"%d\" rows=\"4\"></textarea>"
                           "<p><button type=\"submit\">Send the report</button></p></form></article>",
                        REPORT_NOTE_MAX);
    html_page_end(b);
    set_header(r, "Cache-Control", "no-store");
    reply_html(r, 200, b);
}

static void on_reported(void *arg, const fault *f)
{
    request *r = arg;
    if (f) {
        reply_fault(r, f);
        return;
    }
    if (!wants_html(r)) {
        reply_text(r, 201, "reported; thank you");
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b) {
        html_page_start(b, "Thank you");
        evbuffer_add_printf(b, "<article><h1>Thank you</h1><p>The operator will look at it.</p>"
                               "<p><a href=\"/\">Back to pasted</a></p></article>");
        html_page_end(b);
    }
    reply_html(r, 200, b);
}

/* A form field (urlencoded or multipart) as a C string, NULL when absent;
 * *nul set when it holds a NUL byte. */
static char *field_of(const form *fm, const char *name, int *nul)
{
    const form_field *f = form_get(fm, name);
    if (!f)
        return NULL;
    *nul = *nul || memchr(f->value, '\0', f->value_len) != NULL;
    return strndup(f->value, f->value_len);
}

void handle_report(request *r, const char *rest)
{
    if (r->method != M_POST) {
        report_form(r, rest);
        return;
    }
    form fm = { 0 };
    if (request_form(r, &fm) != 0) {
        reply_error(r, 400, "send the report as a form: reason=...&note=...");
        return;
    }
    int nul = 0;
    char *reason = field_of(&fm, "reason", &nul), *note = field_of(&fm, "note", &nul);
    form_free(&fm);
    if (nul) {
        reply_error_field(r, 400, "a field contains a NUL byte", "note");
    } else {
        app_client who;
        client_of(r, &who);
        app_report(loop_of(r)->app, rest, reason, note, &who, on_reported, r);
    }
    free(reason);
    free(note);
}

/* --- the operator's list ------------------------------------------------------------- */

static void put_reports_json(request *r, const report *items, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n && list; i++) {
        char created[32];
        format_rfc3339(items[i].created_ms, created);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s}", "paste", items[i].paste, "reason",
                                              items[i].reason, "note", items[i].note, "client", items[i].client,
                                              "created", created));
    }
    set_header(r, "Cache-Control", "no-store");
    reply_json(r, 200, json_pack("{s:o}", "reports", list ? list : json_null()));
}

static void put_reports_html(request *r, const report *items, size_t n)
{
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        reply_error(r, 503, "out of memory");
        return;
    }
    html_page_start(b, "Reports");
    evbuffer_add_printf(b, "<section class=\"reports\"><h1>Reports</h1>");
    if (n == 0)
        evbuffer_add_printf(b, "<p class=\"empty\">No reports.</p>");
    else
        evbuffer_add_printf(b, "<table><thead><tr><th>Paste</th><th>Reason</th><th>Note</th><th>From</th>"
                               "<th>When</th><th></th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const report *x = &items[i];
        char created[32];
        format_rfc3339(x->created_ms, created);
        evbuffer_add_printf(b, "<tr><td><a href=\"/raw/%s\" rel=\"nofollow\">%s</a></td><td>", x->paste, x->paste);
        html_escape(b, x->reason, strlen(x->reason));
        evbuffer_add_printf(b, "</td><td>");
        html_escape(b, x->note, strlen(x->note));
        evbuffer_add_printf(b, "</td><td>");
        html_escape(b, x->client, strlen(x->client));
        evbuffer_add_printf(b, "</td><td><time datetime=\"%s\">%s</time></td><td>"
                               "<form method=\"post\" action=\"/admin/delete/%s\">"
                               "<button type=\"submit\" class=\"secondary\">Delete</button>"
                               "<button type=\"submit\" name=\"block\" value=\"1\">Delete and block</button>"
                               "</form></td></tr>",
                            created, created, x->paste);
    }
    if (n > 0)
        evbuffer_add_printf(b, "</tbody></table>");
    evbuffer_add_printf(b, "</section>");
    html_page_end(b);
    set_header(r, "Cache-Control", "no-store");
    reply_html(r, 200, b);
}

static void on_reports(void *arg, const report *items, size_t n, const fault *f)
{
    request *r = arg;
    if (f) {
        reply_fault(r, f);
        return;
    }
    char *format = query_param(r, "format");
    int json = format && strcmp(format, "json") == 0;
    free(format);
    if (json)
        put_reports_json(r, items, n);
    else
        put_reports_html(r, items, n);
}

void handle_admin_reports(request *r, const char *rest)
{
    (void)rest;
    if (operator_only(r))
        app_reports(loop_of(r)->app, REPORTS_SHOWN, on_reports, r);
}

static void on_operator_deleted(void *arg, const fault *f)
{
    request *r = arg;
    if (f) {
        reply_fault(r, f);
    } else if (wants_html(r)) {
        set_header(r, "Location", "/admin/reports");
        reply_text(r, 303, "deleted");
    } else {
        reply(r, 204, NULL, NULL);
    }
}

void handle_admin_delete(request *r, const char *rest)
{
    if (!operator_only(r))
        return;
    form fm = { 0 };
    int block = 0;
    if (request_form(r, &fm) == 0) {
        const form_field *f = form_get(&fm, "block");
        block = f && f->value_len == 1 && f->value[0] == '1';
    }
    form_free(&fm);
    if (block)
        app_operator_delete(loop_of(r)->app, rest, 1, on_operator_deleted, r);
    else
        operator_delete(r, rest);   /* ?block=1 works here too */
}

void operator_delete(request *r, const char *id)
{
    char *q = query_param(r, "block");
    int block = q && strcmp(q, "1") == 0;
    free(q);
    app_operator_delete(loop_of(r)->app, id, block, on_operator_deleted, r);
}
