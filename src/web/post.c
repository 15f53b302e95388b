/* post.c - POST / and PUT /: make a paste from a form or a raw body.
 *
 * Which part of the body is the paste (the rule, also in the README):
 * multipart/form-data -> field "content", else a part named "file", else
 * rustypaste's "oneshot" (burn after reading), else a link to shorten in
 * "url" or "shorten" (0x0.st, rustypaste) or "oneshot_url" (a link that
 * works once), else the one field that is not an option;
 * x-www-form-urlencoded -> a form only
 * when it parses cleanly and has a "content" field; anything else, and a
 * urlencoded body that is not such a form, is the raw paste, whole. Options
 * (title, lang, expire, burn, unlisted) come from form fields or the query
 * string; PUT /name.ext (curl -T) makes the file's name the title. Other
 * clients' habits become create hints: rustypaste's "expire: 10min" and
 * "filename" headers, 0x0's expires=HOURS (or epoch milliseconds) and
 * secret fields.
 * The application validates and stores it (app/create.c); the answer is
 * 303 to the paste page (a link's preview) for a browser's form, else 201
 * with Location and "URL\n" (and, with ?verbose=1, the delete command),
 * except 200 for rustypaste's client, which takes nothing else as success.
 * Every answer carries the delete token in X-Delete-Token (and 0x0's
 * X-Token) and, for a paste that expires, X-Expires in epoch ms. */
#include "web.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/create.h"
#include "core/clock.h"
#include "http/form.h"

typedef struct body_parts {
    request *r;
    const char *content; size_t content_len;
    const form *fields;  /* the form the options come from, or NULL */
    int is_form;
    int link;            /* content is a URL to shorten */
    int oneshot;         /* rustypaste's oneshot, oneshot_url */
} body_parts;

/* The options a form may carry beside the paste: pasted's own, and 0x0's. */
static const char *const option_fields[] = { "title", "lang", "expire", "burn", "unlisted", "views_left",
                                             "parent", "expires", "secret", "encrypt", NULL };
static const char *const checked_options[] = { "title", "lang", "expire", "burn", "unlisted", "views_left",
                                               "parent", NULL };

/* Where a multipart form keeps the paste, in order of preference. */
static const struct { const char *field; int link, oneshot; } paste_fields[] = {
    { "content", 0, 0 }, { "file", 0, 0 }, { "oneshot", 0, 1 },
    { "url", 1, 0 }, { "shorten", 1, 0 }, { "oneshot_url", 1, 1 },
};

static int is_option_field(const form_field *f)
{
    for (int i = 0; option_fields[i]; i++)
        if (f->name_len == strlen(option_fields[i]) && memcmp(f->name, option_fields[i], f->name_len) == 0)
            return 1;
    return 0;
}

/* The single non-option field of a form (sprunge's "-F 'sprunge=<-'"), or NULL. */
static const form_field *only_content_field(const form *f)
{
    const form_field *found = NULL;
    for (size_t i = 0; i < f->count; i++) {
        if (is_option_field(&f->fields[i]))
            continue;
        if (found)
            return NULL;
        found = &f->fields[i];
    }
    return found;
}

static int starts_with_ci(const char *s, const char *prefix)
{
    return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* 0 ok; -1 with f set. */
static int split_body(const char *ctype, const char *data, size_t len, form *fm, body_parts *b,
                      fault *f)
{
    memset(b, 0, sizeof *b);
    if (starts_with_ci(ctype, "multipart/form-data")) {
        if (form_parse_multipart(ctype, data, len, fm) != 0)
            return fault_set(f, FAULT_INVALID, NULL, "malformed multipart/form-data body");
        const form_field *c = NULL;
        for (size_t i = 0; !c && i < sizeof paste_fields / sizeof paste_fields[0]; i++) {
            c = form_get(fm, paste_fields[i].field);
            b->link = c ? paste_fields[i].link : 0;
            b->oneshot = c ? paste_fields[i].oneshot : 0;
        }
        if (!c)
            c = only_content_field(fm);
        if (!c)
            return fault_set(f, FAULT_INVALID, NULL,
                             "no paste in the form: send the text in field 'content' or a file in field 'file'");
        b->content = c->value;
        b->content_len = c->value_len;
        b->is_form = 1;
        b->fields = fm;
        return 0;
    }
    if (starts_with_ci(ctype, "application/x-www-form-urlencoded")
        && form_parse_urlencoded(data, len, fm) == 0) {
        const form_field *c = form_get(fm, "content");
        if (c) {
            b->content = c->value;
            b->content_len = c->value_len;
            b->is_form = 1;
            b->fields = fm;
            return 0;
        }
    }
    /* Raw paste, whole: curl --data-binary, -T, or any other type. */
    b->content = data;
    b->content_len = len;
    return 0;
}

/* An option holding a NUL byte (title=a%00<script>) is refused, naming it:
 * as a C string it would be cut there, silently. 0 none, -1 with f set. */
static int refuse_nul_options(const body_parts *b, fault *f)
{
    for (int i = 0; checked_options[i]; i++) {
        const char *name = checked_options[i];
        const form_field *field = b->fields ? form_get(b->fields, name) : NULL;
        size_t len = 0;
        char *q = field ? NULL : query_param_n(b->r, name, &len);
        int nul = field ? memchr(field->value, '\0', field->value_len) != NULL : q && strlen(q) != len;
        free(q);
        if (nul)
            return fault_set(f, FAULT_INVALID, name, "%s: contains a NUL byte", name);
    }
    return 0;
}

/* An option from the form, else from the query string, as a C string (NULL
 * when absent; refuse_nul_options ran first). */
static char *form_or_query_option(void *ctx, const char *name)
{
    const body_parts *b = ctx;
    const form_field *f = b->fields ? form_get(b->fields, name) : NULL;
    if (f) {
        char *s = malloc(f->value_len + 1);
        if (s) {
            memcpy(s, f->value, f->value_len);
            s[f->value_len] = '\0';
        }
        return s;
    }
    return query_param(b->r, name);
}

/* 0x0's expires: HOURS from now, or (a larger number) the Unix time in
 * milliseconds. 0 ok, -1 with f set. */
static int read_0x0_expires(const form_field *e, int64_t *in_ms, fault *f)
{
    int64_t n = 0;
    for (size_t i = 0; i < e->value_len; i++) {
        if (e->value[i] < '0' || e->value[i] > '9' || i >= 15)
            return fault_set(f, FAULT_INVALID, "expires", "expires: a number of hours, or a Unix time in milliseconds");
        n = n * 10 + (e->value[i] - '0');
    }
    if (e->value_len == 0 || n == 0)
        return fault_set(f, FAULT_INVALID, "expires", "expires: a number of hours, or a Unix time in milliseconds");
    *in_ms = n <= 100000 ? n * 3600000 : n - now_ms();
    if (*in_ms <= 0)
        return fault_set(f, FAULT_INVALID, "expires", "expires: that time has passed");
    if (*in_ms > INT64_C(100) * 365 * 86400000)
        return fault_set(f, FAULT_INVALID, "expires", "expires: more than a century away");
    return 0;
}

/* What the request says beyond pasted's own options: 0 ok, -1 with f set. */
static int read_hints(request *r, const body_parts *b, const char *rest, create_hints *h, char *self,
                      size_t self_len, fault *f)
{
    memset(h, 0, sizeof *h);
    /* PUT /name.txt (curl -T): the file's name is the title; so is rustypaste's filename header */
    h->default_title = r->method == M_PUT && rest[0] ? rest : get_header(r, "filename");
    h->burn = b->oneshot;
    h->link = b->link;
    base_url(r, self, self_len);
    h->self_base = self;
    const char *expire = get_header(r, "expire");       /* rustypaste: "expire: 10min" */
    if (expire) {
        int64_t secs = options_free_duration_seconds(expire, strlen(expire));
        if (secs <= 0)
            return fault_set(f, FAULT_INVALID, "expire", "expire header: a duration like 30s, 10min, 2h, 1d");
        h->expire_in_ms = secs * 1000;
    }
    const form_field *e = b->fields ? form_get(b->fields, "expires") : NULL;
    if (e && read_0x0_expires(e, &h->expire_in_ms, f) != 0)
        return -1;
    h->secret = b->fields && form_get(b->fields, "secret");
    /* the form's "encrypt" box is done by the page's script, which sends the
     * ciphertext to the PrivateBin API instead: arriving here, it did not run */
    const form_field *enc = b->fields ? form_get(b->fields, "encrypt") : NULL;
    if (enc && enc->value_len == 1 && enc->value[0] == '1')
        return fault_set(f, FAULT_INVALID, "encrypt",
                         "encrypt: encrypting in the browser needs JavaScript; nothing was saved");
    return 0;
}

/* rustypaste's client takes only 200 as success: it gets 200, everyone else 201 Created. */
static int created_status(request *r)
{
    const char *ua = get_header(r, "User-Agent");
    return ua && strncmp(ua, "rustypaste-cli/", 15) == 0 ? 200 : 201;
}

/* --- making it: shared by every way in that posts a paste ---------------- */

typedef struct create_req {
    request       *r;
    char           base[300];
    web_created_fn answer;
    void          *arg;
} create_req;

static void on_created(void *arg, const paste *p, const char *token, const fault *f)
{
    create_req *c = arg;
    if (f) {
        reply_fault(c->r, f);
    } else {
        char url[340];
        snprintf(url, sizeof url, "%s/%s", c->base, p->id);
        set_created_headers(c->r, p, token);
        c->answer(c->r, p, url, token, c->arg);
    }
    free(c);
}

void web_create(request *r, paste *p, web_created_fn answer, void *arg)
{
    create_req *c = calloc(1, sizeof *c);
    if (!c) {
        paste_free(p);
        reply_error(r, 503, "out of memory");
        return;
    }
    c->r = r;
    c->answer = answer;
    c->arg = arg;
    base_url(r, c->base, sizeof c->base);
    app_client who;
    client_of(r, &who);
    app_create(loop_of(r)->app, p, c->base, &who, on_created, c);
}

/* A browser's form: 303 to the paste page. A burn paste's creator must not
 * burn it by following the redirect; a link's creator sees where it leads,
 * without following it. */
static void answer_browser(request *r, const paste *p, const char *url, const char *token, void *arg)
{
    (void)token;
    (void)arg;
    char path[48];
    snprintf(path, sizeof path, "/%s%s", p->id, p->link ? "+" : paste_is_limited(p) ? "?created=1" : "");
    set_header(r, "Location", path);
    reply_text(r, 303, url);
}

/* Anyone else: the URL alone on a line (and, with ?verbose=1, how to delete it). */
static void answer_text(request *r, const paste *p, const char *url, const char *token, void *arg)
{
    (void)p;
    (void)arg;
    set_header(r, "Location", url);
    char *verbose = query_param(r, "verbose");
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, "%s\n", url);
        if (verbose && strcmp(verbose, "1") == 0)
            evbuffer_add_printf(b, "delete: curl -X DELETE -H 'X-Delete-Token: %s' %s\n", token, url);
    }
    free(verbose);
    reply(r, created_status(r), "text/plain; charset=utf-8", b);
}

void handle_create(request *r, const char *rest)
{
    if (r->method == M_POST && !rest[0] && privatebin_request(r)) {
        privatebin_post(r);
        return;
    }
    struct evbuffer *in = r->body;
    size_t len = evbuffer_get_length(in);
    const char *data = len ? (const char *)evbuffer_pullup(in, -1) : "";
    form fm = { 0 };
    body_parts b;
    fault f;
    paste *p = NULL;
    if (split_body(get_header(r, "Content-Type"), data, len, &fm, &b, &f) == 0) {
        b.r = r;
        create_hints h;
        char self[300];
        if (refuse_nul_options(&b, &f) == 0 && read_hints(r, &b, rest, &h, self, sizeof self, &f) == 0)
            p = create_build(app_of(r), b.content, b.content_len, form_or_query_option, &b, &h, &f);
    }
    form_free(&fm);
    if (!p) {
        reply_fault(r, &f);
        return;
    }
    web_create(r, p, b.is_form && wants_html(r) ? answer_browser : answer_text, NULL);
}
