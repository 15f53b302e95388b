/* html.h - the HTML pages, built with escaping at every insertion. See html.c.
 *
 * Callers gather the data (from the stores) and hand it over in plain structs;
 * every function here returns a fresh evbuffer holding one whole page, which
 * the caller sends with reply_html(). */
#ifndef PASTED_WEB_HTML_H
#define PASTED_WEB_HTML_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "core/options.h"
#include "core/paste.h"

/* What the home page (the paste form) shows. Zero is a valid default for all. */
typedef struct home_options {
    const char *prefill; size_t prefill_len;              /* NULL: empty form */
    const char *prefill_title; const char *prefill_lang;  /* may be NULL */
    const char *parent;             /* the public paste the form was filled from, or NULL */
    const expire_choices *expiry;   /* offered expiries; NULL: the defaults */
    const char *default_expire;     /* one of those; NULL = "never" */
    const paste_summary *recent; size_t recent_count;
    const char *base;               /* "http://host" for the curl hint; NULL: filled by JS */
} home_options;

/* Append s, escaped for HTML text and attribute values. Invalid UTF-8 and
 * NUL bytes become U+FFFD, so the page is always valid UTF-8. */
void html_escape(struct evbuffer *b, const char *s, size_t len);
/* The frame every page shares (head, site bar, <main>), for pages made
 * elsewhere (moderation.c); the title is escaped. */
void html_page_start(struct evbuffer *b, const char *title);
void html_page_end(struct evbuffer *b);

struct evbuffer *html_home_page(const home_options *o);
/* The paste (p->expires_ms, p->burn, p->unlisted are shown). base: "http://host". */
struct evbuffer *html_paste_page(const paste *p, int64_t views, const char *base);
/* The same page in two parts around the view count, for pages served many
 * times: data holds head (head_len bytes) then tail; free(data). */
typedef struct html_parts {
    char  *data;
    size_t head_len, tail_len;
} html_parts;
int  html_paste_page_parts(const paste *p, const char *base, html_parts *out);
void html_views_item(struct evbuffer *b, int64_t views);
/* An encrypted paste (PrivateBin v2): the stored document for the page's
 * script to decrypt with the key after # in the link; without JavaScript, a
 * message. */
struct evbuffer *html_encrypted_page(const paste *p, int64_t views, const char *base);
/* The differences between pastes a and b (core/diff.h), lines coloured and
 * numbered, each number a link into its paste's line anchors. */
struct diff;
struct evbuffer *html_diff_page(const paste *a, const paste *b, const struct diff *d);
/* A short link's preview (GET /<id>+): where it leads, shown, not followed. */
struct evbuffer *html_link_page(const paste *p, int64_t views, const char *base);
/* After creating a burn-after-reading paste: the link, without showing (burning) it. */
struct evbuffer *html_created_burn_page(const paste *p, const char *base);
struct evbuffer *html_recent_page(const paste_summary *items, size_t n, int64_t now_ms);
/* A page for a 4xx/5xx answer; message is plain text. */
struct evbuffer *html_error_page(int status, const char *message);

#endif
