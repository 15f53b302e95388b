/* html.h - the HTML pages, built with escaping at every insertion. See html.c.
 *
 * Callers gather the data (from the stores) and hand it over in plain structs;
 * every function here returns a fresh evbuffer holding one whole page, which
 * the caller sends with reply() after set_html_security_headers(). */
#ifndef PASTED_HTML_H
#define PASTED_HTML_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "paste.h"

/* One line of a list of pastes (home page box, /recent). */
typedef struct paste_summary {
    char        id[16];
    const char *title;       /* may be "" or NULL */
    const char *lang;        /* may be "" or NULL */
    size_t      size;
    int64_t     created_ms;
    int64_t     expires_ms;  /* 0 = never */
} paste_summary;

/* What the home page (the paste form) shows. Zero is a valid default for all. */
typedef struct home_options {
    const char *prefill; size_t prefill_len;              /* NULL: empty form */
    const char *prefill_title; const char *prefill_lang;  /* may be NULL */
    const char *expire_choices;     /* offered expiries, space-separated ("10m 1h never");
                                     * NULL: html_expire_values */
    const char *default_expire;     /* one of those; NULL = "never" */
    const paste_summary *recent; size_t recent_count;
    const char *base;               /* "http://host" for the curl hint; NULL: filled by JS */
} home_options;

/* The default expiry choices, NULL-terminated: "10m" "1h" "1d" "1w" "1mo" "never". */
extern const char *const html_expire_values[];

/* Append s, escaped for HTML text and attribute values. Invalid UTF-8 and
 * NUL bytes become U+FFFD, so the page is always valid UTF-8. */
void html_escape(struct evbuffer *b, const char *s, size_t len);

/* "512 B", "1.5 KiB", "2.0 MiB" */
void format_size(size_t bytes, char out[32]);

/* A rough length of time for people: "just now" (under a minute),
 * "1 minute", "5 hours", "3 days", "2 months", "1 year". ms >= 0. */
void format_duration(int64_t ms, char out[32]);

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
/* After creating a burn-after-reading paste: the link, without showing (burning) it. */
struct evbuffer *html_created_burn_page(const paste *p, const char *base);
struct evbuffer *html_recent_page(const paste_summary *items, size_t n, int64_t now_ms);
/* A page for a 4xx/5xx answer; message is plain text. */
struct evbuffer *html_error_page(int status, const char *message);

#endif
