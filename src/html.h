/* html.h - the HTML pages, built with escaping at every insertion. See html.c. */
#ifndef PASTED_HTML_H
#define PASTED_HTML_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "paste.h"

/* Append s, escaped for HTML text and attribute values. Invalid UTF-8 and
 * NUL bytes become U+FFFD, so the page is always valid UTF-8. */
void html_escape(struct evbuffer *b, const char *s, size_t len);

struct evbuffer *html_paste_page(const paste *p, int64_t views, const char *base);
struct evbuffer *html_home_page(void);

void format_size(size_t bytes, char out[32]);

#endif
