/* post.c - POST / and PUT /: make a paste from a form or a raw body.
 *
 * Which part of the body is the paste (the rule, also in the README):
 * multipart/form-data -> field "content", else a part named "file", else
 * the one field that is not an option; x-www-form-urlencoded -> a form only
 * when it parses cleanly and has a "content" field; anything else, and a
 * urlencoded body that is not such a form, is the raw paste, whole. Options
 * (title, lang, expire, burn, unlisted) come from form fields or the query
 * string; PUT /name.ext (curl -T) makes the file's name the title.
 * The application validates and stores it (app/create.c); the answer is
 * 303 to the paste page for a browser's form, else 201 with Location and
 * "URL\n" (and, with ?verbose=1, the delete command). Every answer carries
 * the delete token in X-Delete-Token. */
#include "web.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/create.h"
#include "http/form.h"

typedef struct body_parts {
    request *r;
    const char *content; size_t content_len;
    const form *fields;  /* the form the options come from, or NULL */
    int is_form;
} body_parts;

static const char *const option_fields[] = { "title", "lang", "expire", "burn", "unlisted", NULL };

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
        const form_field *c = form_get(fm, "content");
        if (!c)
            c = form_get(fm, "file");
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
    for (int i = 0; option_fields[i]; i++) {
        const char *name = option_fields[i];
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

typedef enum answer_kind {
    ANSWER_TEXT,            /* 201, Location, "URL\n" (curl) */
    ANSWER_REDIRECT,        /* 303 to the paste page (browser form) */
} answer_kind;

typedef struct post_req {
    request    *r;
    answer_kind how;
    char        base[300];
} post_req;

static void on_created(void *arg, const paste *p, const char *token, const fault *f)
{
    post_req *q = arg;
    request *r = q->r;
    if (f) {
        reply_fault(r, f);
        free(q);
        return;
    }
    char url[340];
    snprintf(url, sizeof url, "%s/%s", q->base, p->id);
    set_header(r, "X-Delete-Token", token);
    if (q->how == ANSWER_REDIRECT) {
        /* a burn paste's creator must not burn it by following the redirect */
        char path[48];
        snprintf(path, sizeof path, "/%s%s", p->id, p->burn ? "?created=1" : "");
        set_header(r, "Location", path);
        reply_text(r, 303, url);
        free(q);
        return;
    }
    set_header(r, "Location", url);
    char *verbose = query_param(r, "verbose");
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, "%s\n", url);
        if (verbose && strcmp(verbose, "1") == 0)
            evbuffer_add_printf(b, "delete: curl -X DELETE -H 'X-Delete-Token: %s' %s\n", token, url);
    }
    free(verbose);
    reply(r, 201, "text/plain; charset=utf-8", b);
    free(q);
}

void handle_create(request *r, const char *rest)
{
    struct evbuffer *in = r->body;
    size_t len = evbuffer_get_length(in);
    const char *data = len ? (const char *)evbuffer_pullup(in, -1) : "";
    form fm = { 0 };
    body_parts b;
    fault f;
    paste *p = NULL;
    post_req *q = calloc(1, sizeof *q);
    if (!q)
        fault_no_memory(&f);
    else if (split_body(get_header(r, "Content-Type"), data, len, &fm, &b, &f) == 0) {
        b.r = r;
        /* PUT /name.txt (curl -T): the file's name is the title */
        const char *default_title = r->method == M_PUT && rest[0] ? rest : NULL;
        if (refuse_nul_options(&b, &f) == 0)
            p = create_build(app_of(r), b.content, b.content_len, form_or_query_option, &b,
                             default_title, &f);
    }
    form_free(&fm);
    if (!p) {
        free(q);
        reply_fault(r, &f);
        return;
    }
    q->r = r;
    q->how = b.is_form && wants_html(r) ? ANSWER_REDIRECT : ANSWER_TEXT;
    base_url(r, q->base, sizeof q->base);
    app_client who;
    client_of(r, &who);
    app_create(loop_of(r)->app, p, q->base, &who, on_created, q);
}
