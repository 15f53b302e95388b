/* html.c - pasted's pages.
 *
 * Every page is assembled into an evbuffer from fixed markup and values that
 * go through html_escape(), the only way user data enters a page: paste
 * content, titles and languages can never open a tag or an attribute. Pages
 * load only same-origin CSS from /static (see assets.c), so the strict CSP
 * set in http.c holds: no inline script or style anywhere. */
#include "html.h"

#include <stdio.h>
#include <string.h>

#include "assets.h"

static void put(struct evbuffer *b, const char *s) { evbuffer_add(b, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
             : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || n > left)
        return 0;
    return utf8_valid(s, n) ? n : 0;
}

void html_escape(struct evbuffer *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* bytes copied verbatim in one go */
    for (size_t i = 0; i < len;) {
        const char *rep = NULL;
        size_t n = 1;
        switch (p[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case '\0': rep = "\xef\xbf\xbd"; break;
        default:
            n = utf8_seq(p + i, len - i);
            if (n == 0) {
                rep = "\xef\xbf\xbd";
                n = 1;
            }
        }
        if (rep) {
            evbuffer_add(b, p + i - run, run);
            run = 0;
            put(b, rep);
        } else {
            run += n;
        }
        i += n;
    }
    evbuffer_add(b, p + len - run, run);
}

void format_size(size_t bytes, char out[32])
{
    if (bytes < 1024)
        snprintf(out, 32, "%zu B", bytes);
    else if (bytes < 1024 * 1024)
        snprintf(out, 32, "%.1f KiB", (double)bytes / 1024);
    else
        snprintf(out, 32, "%.1f MiB", (double)bytes / (1024 * 1024));
}

static void page_start(struct evbuffer *b, const char *title, size_t title_len)
{
    put(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>");
    html_escape(b, title, title_len);
    put(b, " · pasted</title><link rel=\"stylesheet\" href=\"");
    put(b, asset_url("style.css"));
    put(b, "\"></head><body><header class=\"bar\"><a class=\"brand\" href=\"/\">pasted</a>"
           "<nav><a href=\"/\">new paste</a></nav></header><main>");
}

static void page_end(struct evbuffer *b)
{
    put(b, "</main></body></html>\n");
}

struct evbuffer *html_home_page(void)
{
    struct evbuffer *b = evbuffer_new();
    page_start(b, "new paste", 9);
    put(b, "<form class=\"paste-form\" method=\"post\" action=\"/\" enctype=\"multipart/form-data\">"
           "<label for=\"content\">Paste</label>"
           "<textarea id=\"content\" name=\"content\" rows=\"20\" required autofocus "
           "spellcheck=\"false\" placeholder=\"Paste text here\"></textarea>"
           "<div class=\"row\"><label>Title <input name=\"title\" maxlength=\"200\"></label>"
           "<label>Language <input name=\"lang\" maxlength=\"32\" placeholder=\"auto\"></label>"
           "<button type=\"submit\">Create paste</button></div></form>"
           "<p class=\"hint\">From a terminal: <code>cmd | curl --data-binary @- HOST</code></p>");
    page_end(b);
    return b;
}

struct evbuffer *html_paste_page(const paste *p, int64_t views, const char *base)
{
    struct evbuffer *b = evbuffer_new();
    const char *title = p->title[0] ? p->title : p->id;
    char size[32], created[32];
    format_size(p->size, size);
    format_rfc3339(p->created_ms, created);
    page_start(b, title, strlen(title));
    put(b, "<article class=\"paste\"><h1>");
    html_escape(b, title, strlen(title));
    put(b, "</h1><p class=\"meta\">");
    if (p->lang[0]) {
        put(b, "<span class=\"lang\">");
        html_escape(b, p->lang, strlen(p->lang));
        put(b, "</span> · ");
    }
    evbuffer_add_printf(b, "<span class=\"size\">%s</span> · <time datetime=\"%s\">%s</time> · "
                           "<span class=\"views\">%lld view%s</span> · "
                           "<a href=\"/raw/%s\">raw</a></p>",
                        size, created, created, (long long)views, views == 1 ? "" : "s", p->id);
    if (utf8_valid(p->body, p->size)) {
        put(b, "<pre class=\"code\"><code>");
        html_escape(b, (const char *)p->body, p->size);
        put(b, "</code></pre>");
    } else {
        evbuffer_add_printf(b, "<p class=\"binary\">Binary content, %s. "
                               "<a href=\"/raw/%s\">Download the raw bytes</a>.</p>", size, p->id);
    }
    put(b, "<p class=\"link\">Share: <input readonly value=\"");
    html_escape(b, base, strlen(base));
    evbuffer_add_printf(b, "/%s\"></p></article>", p->id);
    page_end(b);
    return b;
}
