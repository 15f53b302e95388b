/* dpaste.c - dpaste's API, POST /api/, for its clients and scripts.
 *
 * A form (urlencoded or multipart, as dpaste's documentation posts it):
 *   content   the paste (required)
 *   lexer     its language: a highlighter name (python, js...), or dpaste's
 *             own _text (plain), _code (detect it), _markdown, _rst
 *   filename  its title
 *   expires   seconds (3600, 604800, 2592000: any length up to max_expire),
 *             "onetime" (burn after reading) or "never"
 *   format    how to answer, with 200 as dpaste does: "default" the URL as
 *             a JSON string ("https://host/id", no newline), "url" the URL
 *             and a newline, "json" {"url", "content", "lexer"}
 * Errors are 400 (or what the fault says) with one line of text. */
#include "web.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "app/create.h"
#include "http/form.h"

typedef enum dpaste_format { FORMAT_DEFAULT, FORMAT_URL, FORMAT_JSON } dpaste_format;

/* dpaste's own lexer names -> pasted's languages; others are taken as they are */
static const struct { const char *lexer, *lang; } own_lexers[] = {
    { "_text", "plaintext" }, { "_code", "" }, { "_markdown", "markdown" }, { "_rst", "plaintext" },
};

static char *field_string(const form *fm, const char *name)
{
    const form_field *f = form_get(fm, name);
    return f ? strndup(f->value, f->value_len) : NULL;
}

/* The create options, in pasted's names, from dpaste's fields. */
static char *dpaste_option(void *ctx, const char *name)
{
    const form *fm = ctx;
    if (strcmp(name, "title") == 0)
        return field_string(fm, "filename");
    if (strcmp(name, "lang") == 0) {
        char *lexer = field_string(fm, "lexer");
        for (size_t i = 0; lexer && i < sizeof own_lexers / sizeof own_lexers[0]; i++)
            if (strcmp(lexer, own_lexers[i].lexer) == 0) {
                free(lexer);
                return strdup(own_lexers[i].lang);
            }
        return lexer;
    }
    if (strcmp(name, "expire") == 0) {
        const form_field *e = form_get(fm, "expires");
        return e && e->value_len == 5 && memcmp(e->value, "never", 5) == 0 ? strdup("never") : NULL;
    }
    return NULL;
}

/* expires: seconds or onetime (never is an option, above). 0 ok, -1 with f set. */
static int dpaste_hints(const form *fm, create_hints *h, fault *f)
{
    memset(h, 0, sizeof *h);
    const form_field *e = form_get(fm, "expires");
    if (!e || e->value_len == 0 || (e->value_len == 5 && memcmp(e->value, "never", 5) == 0))
        return 0;
    if (e->value_len == 7 && memcmp(e->value, "onetime", 7) == 0) {
        h->burn = 1;
        return 0;
    }
    int64_t secs = 0;
    for (size_t i = 0; i < e->value_len; i++) {
        if (e->value[i] < '0' || e->value[i] > '9' || i >= 10)
            return fault_set(f, FAULT_INVALID, "expires", "expires: seconds (3600, 604800...), onetime or never");
        secs = secs * 10 + (e->value[i] - '0');
    }
    if (secs == 0)
        return fault_set(f, FAULT_INVALID, "expires", "expires: seconds (3600, 604800...), onetime or never");
    h->expire_in_ms = secs * 1000;
    return 0;
}

static int dpaste_format_of(const form *fm, dpaste_format *out, fault *f)
{
    const form_field *fmt = form_get(fm, "format");
    static const char *const names[] = { "default", "url", "json" };
    *out = FORMAT_DEFAULT;
    if (!fmt || fmt->value_len == 0)
        return 0;
    for (int i = 0; i < 3; i++)
        if (fmt->value_len == strlen(names[i]) && memcmp(fmt->value, names[i], fmt->value_len) == 0) {
            *out = (dpaste_format)i;
            return 0;
        }
    return fault_set(f, FAULT_INVALID, "format", "format: default, url or json");
}

static void answer_dpaste(request *r, const paste *p, const char *url, const char *token, void *arg)
{
    (void)token;
    dpaste_format how = (dpaste_format)(intptr_t)arg;
    if (how == FORMAT_JSON) {
        json_t *o = json_pack("{s:s, s:s%, s:s}", "url", url, "content", (const char *)p->body, p->size,
                              "lexer", p->lang);
        reply_json(r, 200, o ? o : json_pack("{s:s, s:s}", "url", url, "lexer", p->lang));
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b)
        evbuffer_add_printf(b, how == FORMAT_URL ? "%s\n" : "\"%s\"", url);
    reply(r, 200, "text/plain; charset=utf-8", b);
}

void handle_dpaste(request *r, const char *rest)
{
    (void)rest;
    form fm = { 0 };
    fault f;
    dpaste_format how = FORMAT_DEFAULT;
    create_hints h;
    paste *p = NULL;
    int parsed = request_form(r, &fm);
    const form_field *content = parsed == 0 ? form_get(&fm, "content") : NULL;
    if (parsed != 0)
        fault_set(&f, FAULT_INVALID, NULL, "send a form: content, lexer, expires, format");
    else if (!content || content->value_len == 0)
        fault_set(&f, FAULT_INVALID, "content", "No content given");
    else if (dpaste_format_of(&fm, &how, &f) == 0 && dpaste_hints(&fm, &h, &f) == 0)
        p = create_build(app_of(r), content->value, content->value_len, dpaste_option, &fm, &h, &f);
    form_free(&fm);
    if (!p) {       /* dpaste's errors are a line of text, not pasted's API JSON */
        reply_text(r, fault_status(&f), f.message);
        return;
    }
    web_create(r, p, answer_dpaste, (void *)(intptr_t)how);
}
