/* html.c - pasted's pages: home (the form + recent box), paste, "burn link
 * created", recent, and error pages.
 *
 * Data flow: a handler gathers a paste or a list of summaries from the
 * stores, calls one html_*_page() function and sends the evbuffer it gets.
 * Every page is assembled from fixed markup plus values that go through
 * html_escape() (or escape_code() for paste lines), the only way user data
 * enters a page: content, titles and languages can never open a tag or an
 * attribute. Numbers and ids (checked by ids.c) are printed directly.
 *
 * The pages work without JavaScript. They load same-origin files only, by
 * content-hashed URL (assets.c): style.css, favicon.svg, app.js (deferred),
 * and on paste pages highlight.js plus, for a few languages outside its
 * common bundle, that language's file. No inline script or style anywhere,
 * so the strict CSP (web/reply.c) holds. app.js finds its work by element
 * ids and data-* attributes documented next to the markup below. */
#include "html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "core/clock.h"
#include "core/diff.h"
#include "core/format.h"
#include "core/langhint.h"

#define HLJS_ASSET   "@highlightjs/cdn-assets/highlight.min.js"
#define HLJS_LANGDIR "@highlightjs/cdn-assets/languages/"

/* The language select: highlight.js names. Those marked extra are not in
 * highlight.min.js's common bundle; their file is loaded when a paste uses them. */
typedef struct lang_choice {
    const char *value, *label;
    int extra;
} lang_choice;

static const lang_choice langs[] = {
    { "plaintext", "Plain text", 0 }, { "bash", "Bash / shell", 0 }, { "c", "C", 0 },
    { "cpp", "C++", 0 }, { "csharp", "C#", 0 }, { "css", "CSS", 0 }, { "dart", "Dart", 1 },
    { "diff", "Diff / patch", 0 }, { "dockerfile", "Dockerfile", 1 }, { "elixir", "Elixir", 1 },
    { "go", "Go", 0 }, { "graphql", "GraphQL", 0 }, { "haskell", "Haskell", 1 },
    { "xml", "HTML / XML", 0 }, { "ini", "INI / TOML", 0 }, { "java", "Java", 0 },
    { "javascript", "JavaScript", 0 }, { "json", "JSON", 0 }, { "kotlin", "Kotlin", 0 },
    { "less", "Less", 0 }, { "lua", "Lua", 0 }, { "makefile", "Makefile", 0 },
    { "markdown", "Markdown", 0 }, { "nginx", "Nginx config", 1 },
    { "objectivec", "Objective-C", 0 }, { "perl", "Perl", 0 }, { "php", "PHP", 0 },
    { "powershell", "PowerShell", 1 }, { "python", "Python", 0 }, { "r", "R", 0 },
    { "ruby", "Ruby", 0 }, { "rust", "Rust", 0 }, { "scala", "Scala", 1 }, { "scss", "SCSS", 0 },
    { "sql", "SQL", 0 }, { "swift", "Swift", 0 }, { "typescript", "TypeScript", 0 },
    { "yaml", "YAML", 0 },
};

/* Short names people type (curl ?lang=) for the extra languages. */
static const struct { const char *alias, *name; } extra_aliases[] = {
    { "docker", "dockerfile" }, { "ex", "elixir" }, { "exs", "elixir" }, { "hs", "haskell" },
    { "ps", "powershell" }, { "ps1", "powershell" }, { "pwsh", "powershell" },
    { "nginxconf", "nginx" },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void put(struct evbuffer *b, const char *s) { evbuffer_add(b, s, strlen(s)); }
static void put_esc(struct evbuffer *b, const char *s) { if (s) html_escape(b, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
             : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || n > left)
        return 0;
    return utf8_valid(s, n) ? n : 0;
}

/* 1: a byte html_escape must look at (markup, NUL, or the start of a
 * multi-byte sequence); 0: plain ASCII, copied as is. */
static const unsigned char escape_class[256] = {
    [0] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, ['\''] = 1,
    [0x80] = 1, [0x81] = 1, [0x82] = 1, [0x83] = 1, [0x84] = 1, [0x85] = 1, [0x86] = 1, [0x87] = 1,
    [0x88] = 1, [0x89] = 1, [0x8a] = 1, [0x8b] = 1, [0x8c] = 1, [0x8d] = 1, [0x8e] = 1, [0x8f] = 1,
    [0x90] = 1, [0x91] = 1, [0x92] = 1, [0x93] = 1, [0x94] = 1, [0x95] = 1, [0x96] = 1, [0x97] = 1,
    [0x98] = 1, [0x99] = 1, [0x9a] = 1, [0x9b] = 1, [0x9c] = 1, [0x9d] = 1, [0x9e] = 1, [0x9f] = 1,
    [0xa0] = 1, [0xa1] = 1, [0xa2] = 1, [0xa3] = 1, [0xa4] = 1, [0xa5] = 1, [0xa6] = 1, [0xa7] = 1,
    [0xa8] = 1, [0xa9] = 1, [0xaa] = 1, [0xab] = 1, [0xac] = 1, [0xad] = 1, [0xae] = 1, [0xaf] = 1,
    [0xb0] = 1, [0xb1] = 1, [0xb2] = 1, [0xb3] = 1, [0xb4] = 1, [0xb5] = 1, [0xb6] = 1, [0xb7] = 1,
    [0xb8] = 1, [0xb9] = 1, [0xba] = 1, [0xbb] = 1, [0xbc] = 1, [0xbd] = 1, [0xbe] = 1, [0xbf] = 1,
    [0xc0] = 1, [0xc1] = 1, [0xc2] = 1, [0xc3] = 1, [0xc4] = 1, [0xc5] = 1, [0xc6] = 1, [0xc7] = 1,
    [0xc8] = 1, [0xc9] = 1, [0xca] = 1, [0xcb] = 1, [0xcc] = 1, [0xcd] = 1, [0xce] = 1, [0xcf] = 1,
    [0xd0] = 1, [0xd1] = 1, [0xd2] = 1, [0xd3] = 1, [0xd4] = 1, [0xd5] = 1, [0xd6] = 1, [0xd7] = 1,
    [0xd8] = 1, [0xd9] = 1, [0xda] = 1, [0xdb] = 1, [0xdc] = 1, [0xdd] = 1, [0xde] = 1, [0xdf] = 1,
    [0xe0] = 1, [0xe1] = 1, [0xe2] = 1, [0xe3] = 1, [0xe4] = 1, [0xe5] = 1, [0xe6] = 1, [0xe7] = 1,
    [0xe8] = 1, [0xe9] = 1, [0xea] = 1, [0xeb] = 1, [0xec] = 1, [0xed] = 1, [0xee] = 1, [0xef] = 1,
    [0xf0] = 1, [0xf1] = 1, [0xf2] = 1, [0xf3] = 1, [0xf4] = 1, [0xf5] = 1, [0xf6] = 1, [0xf7] = 1,
    [0xf8] = 1, [0xf9] = 1, [0xfa] = 1, [0xfb] = 1, [0xfc] = 1, [0xfd] = 1, [0xfe] = 1, [0xff] = 1,
};

void html_escape(struct evbuffer *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* bytes copied verbatim in one go */
    for (size_t i = 0; i < len;) {
        if (!escape_class[p[i]]) { /* the common case: plain ASCII */
            run++;
            i++;
            continue;
        }
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

/* One line of a paste: like html_escape, but a carriage return becomes a
 * character reference, because the HTML parser would turn a raw one into a
 * line break inside the line. */
static void escape_code(struct evbuffer *b, const char *s, size_t len)
{
    const char *cr;
    while (len && (cr = memchr(s, '\r', len)) != NULL) {
        html_escape(b, s, (size_t)(cr - s));
        put(b, "&#13;");
        len -= (size_t)(cr - s) + 1;
        s = cr + 1;
    }
    html_escape(b, s, len);
}

/* <time> with the machine form in datetime, the absolute time in title, and
 * `text` shown. class="rel" lets app.js keep the text relative ("3 minutes ago"). */
static void put_time(struct evbuffer *b, int64_t ms, const char *text)
{
    char iso[32], human[40];
    format_rfc3339(ms, iso);
    format_human_time(ms, human);
    evbuffer_add_printf(b, "<time class=\"rel\" datetime=\"%s\" title=\"%s\">%s</time>", iso, human,
                        text ? text : human);
}

static void put_age(struct evbuffer *b, int64_t created_ms, int64_t now)
{
    char d[32], text[48];
    format_duration(now - created_ms, d);
    if (strcmp(d, "just now") == 0)
        snprintf(text, sizeof text, "%s", d);
    else
        snprintf(text, sizeof text, "%s ago", d);
    put_time(b, created_ms, text);
}

static int asset_exists(const char *name)
{
    return strcmp(asset_url(name), "/static/missing") != 0;
}

static void put_script(struct evbuffer *b, const char *name)
{
    if (!asset_exists(name))
        return;
    put(b, "<script defer src=\"");
    put(b, asset_url(name));
    put(b, "\"></script>");
}

/* The highlight.js file for a language outside the common bundle, or NULL. */
static const char *extra_lang_file(const char *lang)
{
    if (!lang || !lang[0])
        return NULL;
    const char *name = NULL;
    for (size_t i = 0; i < N_OF(extra_aliases) && !name; i++)
        if (strcmp(lang, extra_aliases[i].alias) == 0)
            name = extra_aliases[i].name;
    for (size_t i = 0; i < N_OF(langs) && !name; i++)
        if (langs[i].extra && strcmp(lang, langs[i].value) == 0)
            name = langs[i].value;
    return name;
}

enum { PAGE_PLAIN = 0, PAGE_HIGHLIGHT = 1 };

static void page_start(struct evbuffer *b, const char *title, size_t title_len, int kind,
                       const char *lang)
{
    put(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<meta name=\"color-scheme\" content=\"light dark\">"
           "<meta name=\"referrer\" content=\"no-referrer\"><title>");
    html_escape(b, title, title_len);
    put(b, " · pasted</title><link rel=\"stylesheet\" href=\"");
    put(b, asset_url("style.css"));
    put(b, "\">");
    if (asset_exists("favicon.svg")) {
        put(b, "<link rel=\"icon\" type=\"image/svg+xml\" href=\"");
        put(b, asset_url("favicon.svg"));
        put(b, "\">");
    }
    if (kind == PAGE_HIGHLIGHT) {
        put_script(b, HLJS_ASSET);
        const char *extra = extra_lang_file(lang);
        if (extra) {
            char name[96];
            snprintf(name, sizeof name, "%s%s.min.js", HLJS_LANGDIR, extra);
            put_script(b, name);
        }
    }
    put_script(b, "app.js");
    put(b, "</head><body><a class=\"skip\" href=\"#main\">Skip to content</a>"
           "<header class=\"bar\"><a class=\"brand\" href=\"/\">pasted</a>"
           "<nav aria-label=\"Site\"><a href=\"/\">New paste</a><a href=\"/recent\">Recent</a>"
           "<a href=\"/stats\">Stats</a></nav>"
           "</header><main id=\"main\">");
}

static void page_end(struct evbuffer *b)
{
    put(b, "</main></body></html>\n");
}

void html_page_start(struct evbuffer *b, const char *title)
{
    page_start(b, title, strlen(title), PAGE_PLAIN, NULL);
}

void html_page_end(struct evbuffer *b)
{
    page_end(b);
}

/* --- lists of pastes ------------------------------------------------------
 * <ol class="paste-list" id="recent-list" data-live="CAP"> of
 *   <li data-id="ID"><a class="title" href="/ID">TITLE</a>
 *     <span class="meta"><span class="lang">LANG</span><span>SIZE</span><time ...></span></li>
 * app.js prepends items of the same shape for every `paste` event of /events,
 * keeping at most CAP, and removes the .empty note. */

static void put_summary(struct evbuffer *b, const paste_summary *s, int64_t now)
{
    char size[32];
    format_size(s->size, size);
    evbuffer_add_printf(b, "<li data-id=\"%s\"><a class=\"title", s->id);
    if (s->title && s->title[0]) {
        evbuffer_add_printf(b, "\" href=\"/%s\">", s->id);
        put_esc(b, s->title);
    } else {
        evbuffer_add_printf(b, " untitled\" href=\"/%s\">Untitled · %s", s->id, s->id);
    }
    put(b, "</a><span class=\"meta\">");
    if (s->lang && s->lang[0]) {
        put(b, "<span class=\"lang\">");
        put_esc(b, s->lang);
        put(b, "</span>");
    }
    evbuffer_add_printf(b, "<span>%s</span>", size);
    put_age(b, s->created_ms, now);
    put(b, "</span></li>");
}

/* empty_note: say so when the list is empty (not when the caller did not look) */
static void put_list(struct evbuffer *b, const paste_summary *items, size_t n, int64_t now,
                     size_t cap, int empty_note)
{
    evbuffer_add_printf(b, "<ol class=\"paste-list\" id=\"recent-list\" data-live=\"%zu\">", cap);
    for (size_t i = 0; i < n; i++)
        put_summary(b, &items[i], now);
    put(b, "</ol>");
    if (n == 0 && empty_note)
        put(b, "<p class=\"empty\">No public pastes yet.</p>");
}

/* --- home ---------------------------------------------------------------- */

static void put_option(struct evbuffer *b, const char *value, const char *label, int selected)
{
    put(b, "<option value=\"");
    put_esc(b, value);
    put(b, selected ? "\" selected>" : "\">");
    put_esc(b, label);
    put(b, "</option>");
}

static void put_lang_select(struct evbuffer *b, const char *current)
{
    int known = !current || !current[0];
    put(b, "<select id=\"lang\" name=\"lang\">");
    put_option(b, "", "Auto-detect", known);
    for (size_t i = 0; i < N_OF(langs); i++) {
        int sel = current && strcmp(current, langs[i].value) == 0;
        known |= sel;
        put_option(b, langs[i].value, langs[i].label, sel);
    }
    if (!known) /* a name given through the API, e.g. "py": keep it */
        put_option(b, current, current, 1);
    put(b, "</select>");
}

/* "10m" -> "10 minutes", "1mo" -> "1 month", "never" -> "Never"; NAME as is otherwise. */
static void expire_label(const char *name, size_t len, char out[48])
{
    static const struct { const char *suffix, *unit; } units[] = {
        { "mo", "month" }, { "s", "second" }, { "m", "minute" }, { "h", "hour" },
        { "d", "day" }, { "w", "week" }, { "y", "year" },
    };
    if (len == 5 && memcmp(name, "never", 5) == 0) {
        snprintf(out, 48, "Never");
        return;
    }
    size_t digits = 0;
    while (digits < len && digits < 9 && name[digits] >= '0' && name[digits] <= '9')
        digits++;
    if (digits > 0) {
        for (size_t i = 0; i < N_OF(units); i++) {
            size_t ul = strlen(units[i].suffix);
            if (digits + ul == len && memcmp(name + digits, units[i].suffix, ul) == 0) {
                int one = digits == 1 && name[0] == '1';
                snprintf(out, 48, "%.*s %s%s", (int)digits, name, units[i].unit, one ? "" : "s");
                return;
            }
        }
    }
    snprintf(out, 48, "%.*s", (int)(len < 47 ? len : 47), name);
}

static void put_expire_option(struct evbuffer *b, const char *name, size_t len, const char *current)
{
    char value[48], label[48];
    snprintf(value, sizeof value, "%.*s", (int)(len < 47 ? len : 47), name);
    expire_label(name, len, label);
    put_option(b, value, label, strcmp(current, value) == 0);
}

static void put_expire_select(struct evbuffer *b, const expire_choices *choices, const char *current)
{
    expire_choices defaults;
    if (!choices && options_parse_expire_choices(OPTIONS_DEFAULT_EXPIRE_CHOICES, &defaults, NULL) == 0)
        choices = &defaults;
    if (!current)
        current = "never";
    put(b, "<select id=\"expire\" name=\"expire\">");
    for (size_t i = 0; choices && i < choices->count; i++)
        put_expire_option(b, choices->choice[i].name, strlen(choices->choice[i].name), current);
    put(b, "</select>");
}

struct evbuffer *html_home_page(const home_options *o)
{
    static const home_options none;
    if (!o)
        o = &none;
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return NULL;
    page_start(b, "New paste", 9, PAGE_PLAIN, NULL);
    /* #paste-form: app.js submits it on Ctrl/Cmd+Enter. */
    put(b, "<div class=\"home\"><form class=\"paste-form\" id=\"paste-form\" method=\"post\" "
           "action=\"/\" enctype=\"multipart/form-data\">"
           "<h1 class=\"visually-hidden\">New paste</h1>"
           "<label class=\"field-label\" for=\"content\">Content</label>"
           /* the parser drops one newline right after <textarea>: this one, so
            * content that starts with a newline keeps it */
           "<textarea id=\"content\" name=\"content\" rows=\"18\" required autofocus "
           "spellcheck=\"false\" autocomplete=\"off\" autocapitalize=\"off\" "
           "aria-describedby=\"submit-hint\" placeholder=\"Paste or type text here\">\n");
    if (o->prefill)
        html_escape(b, o->prefill, o->prefill_len);
    put(b, "</textarea>");
    if (o->parent && o->parent[0]) {
        put(b, "<input type=\"hidden\" name=\"parent\" value=\"");
        put_esc(b, o->parent);
        put(b, "\">");
    }
    put(b, "<div class=\"options\">"
           "<div class=\"field field-title\"><label for=\"title\">Title "
           "<span class=\"optional\">(optional)</span></label>"
           "<input id=\"title\" name=\"title\" maxlength=\"200\" autocomplete=\"off\" value=\"");
    put_esc(b, o->prefill_title);
    put(b, "\"></div><div class=\"field\"><label for=\"lang\">Language</label>");
    put_lang_select(b, o->prefill_lang);
    put(b, "</div><div class=\"field\"><label for=\"expire\">Expires after</label>");
    put_expire_select(b, o->expiry, o->default_expire);
    put(b, "</div><div class=\"checks\">"
           "<div class=\"check\"><input type=\"checkbox\" id=\"burn\" name=\"burn\" value=\"1\" "
           "aria-describedby=\"burn-help\"><label for=\"burn\">Burn after reading</label>"
           "<small id=\"burn-help\">Deleted once it has been viewed</small></div>"
           "<div class=\"check\"><input type=\"checkbox\" id=\"unlisted\" name=\"unlisted\" "
           "value=\"1\" aria-describedby=\"unlisted-help\"><label for=\"unlisted\">Unlisted</label>"
           "<small id=\"unlisted-help\">Not shown in recent pastes</small></div>"
           /* hidden until app.js runs: without it nothing could be encrypted */
           "<div class=\"check encrypt-options\" hidden><input type=\"checkbox\" id=\"encrypt\" "
           "name=\"encrypt\" value=\"1\" aria-describedby=\"encrypt-help\"><label for=\"encrypt\">"
           "Encrypt in the browser (the server cannot read it)</label>"
           "<small id=\"encrypt-help\">The key stays in the link, after #"
           "<input type=\"password\" id=\"encrypt-password\" autocomplete=\"new-password\" "
           "placeholder=\"Password (optional)\" aria-label=\"Password (optional)\"></small></div></div>"
           "<div class=\"field field-views\"><label for=\"views_left\">Readable <span class=\"optional\">"
           "(times)</span></label><input type=\"number\" id=\"views_left\" name=\"views_left\" min=\"1\" "
           "max=\"1000\" inputmode=\"numeric\" placeholder=\"any\"></div>"
           "<div class=\"submit\"><button type=\"submit\">Create paste</button>"
           "<small id=\"submit-hint\" class=\"kbd-hint\"><kbd>Ctrl</kbd>+<kbd>Enter</kbd> "
           "creates the paste</small></div></div></form>"
           "<aside class=\"recent\" aria-labelledby=\"recent-h\">"
           "<h2 id=\"recent-h\">Recent pastes <span class=\"live\" id=\"live\" hidden>live</span></h2>");
    /* the pre-filled form (?from=) may come without the list */
    put_list(b, o->recent, o->recent_count, now_ms(), o->recent_count > 10 ? o->recent_count : 10,
             o->recent || !o->prefill);
    /* .origin: app.js replaces the text with this site's address */
    put(b, "<p class=\"more\"><a href=\"/recent\">All recent pastes</a></p></aside></div>"
           "<p class=\"hint\">From a terminal: <code>cmd | curl --data-binary @- "
           "<span class=\"origin\">");
    if (o->base && o->base[0])
        put_esc(b, o->base);
    else
        put(b, "this-site");
    put(b, "</span></code></p>");
    /* no JavaScript needed: a plain form post, answered with the link's preview */
    put(b, "<form class=\"shorten-form\" id=\"shorten\" method=\"post\" action=\"/\" "
           "enctype=\"multipart/form-data\"><h2>Shorten a link</h2>"
           "<label class=\"field-label\" for=\"shorten-url\">Link to shorten</label>"
           "<div class=\"shorten-row\"><input type=\"url\" id=\"shorten-url\" name=\"url\" required "
           "maxlength=\"2048\" placeholder=\"https://example.org/a/long/address\" autocomplete=\"off\">"
           "<button type=\"submit\">Shorten</button></div></form>");
    page_end(b);
    return b;
}

/* --- the paste page ---------------------------------------------------------
 * <table class="code" id="code" data-lang="LANG" [data-eol="crlf"]>: one row
 * per line, <tr id="LN"><td class="ln"><a href="#LN">N</a></td><td class="lc">
 * TEXT</td></tr>. Without JS, #LN is a plain anchor (CSS :target marks it);
 * app.js highlights the text with highlight.js (data-lang, or auto-detect),
 * marks #LN and #LN-LM ranges, and copies the text (rows joined by "\n", or
 * "\r\n" when data-eol="crlf": every line ended so, and the \r is not shown;
 * one more line end when data-final-eol: the text ended with one). */

static size_t count_lines(const uint8_t *s, size_t n)
{
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n' && i + 1 < n)
            lines++;
    return lines;
}

static int all_crlf(const uint8_t *s, size_t n)
{
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            if (i == 0 || s[i - 1] != '\r')
                return 0;
            seen = 1;
        }
    }
    return seen;
}

static void put_code(struct evbuffer *b, const paste *p)
{
    const char *s = (const char *)p->body;
    size_t n = p->size;
    put(b, "<div class=\"code-wrap\"><table class=\"code\" id=\"code\" data-lang=\"");
    put_esc(b, p->lang);
    put(b, all_crlf(p->body, n) ? "\" data-eol=\"crlf\"" : "\"");
    put(b, n && s[n - 1] == '\n' ? " data-final-eol><tbody>" : "><tbody>");
    size_t line = 1, at = 0;
    do {
        const char *nl = n > at ? memchr(s + at, '\n', n - at) : NULL;
        size_t end = nl ? (size_t)(nl - s) : n;
        size_t len = end - at;
        if (nl && len && s[end - 1] == '\r')
            len--; /* a CRLF line end shows as a line end */
        /* by hand, not printf: this runs once per line of every page view */
        char num[24];
        int nlen = snprintf(num, sizeof num, "%zu", line);
        put(b, "<tr id=\"L");
        evbuffer_add(b, num, (size_t)nlen);
        put(b, "\"><td class=\"ln\"><a href=\"#L");
        evbuffer_add(b, num, (size_t)nlen);
        put(b, "\">");
        evbuffer_add(b, num, (size_t)nlen);
        put(b, "</a></td><td class=\"lc\">");
        escape_code(b, s + at, len);
        put(b, "</td></tr>");
        line++;
        at = end + 1;
    } while (at < n);
    put(b, "</tbody></table></div>");
}

/* "python" -> "Python": the form's name for a language, else the name as given. */
static const char *lang_label(const char *lang)
{
    for (size_t i = 0; i < N_OF(langs); i++)
        if (strcmp(lang, langs[i].value) == 0)
            return langs[i].label;
    return lang;
}

/* The meta items of a paste's life: created, then burn (labelled), its expiry or never. */
static void put_lifetime(struct evbuffer *b, const paste *p, int64_t now, const char *burn_label)
{
    put(b, "<li>Created ");
    put_age(b, p->created_ms, now);
    put(b, "</li>");
    if (p->burn) {
        evbuffer_add_printf(b, "<li class=\"badge burn\">%s</li>", burn_label);
    } else if (p->expires_ms) {
        char d[32], in[48];
        format_duration(p->expires_ms - now, d);
        snprintf(in, sizeof in, strcmp(d, "just now") == 0 ? "in under a minute" : "in %s", d);
        put(b, "<li class=\"expires\">Expires ");
        put_time(b, p->expires_ms, in);
        put(b, "</li>");
    } else {
        put(b, "<li>Never expires</li>");
    }
}

static void put_title(struct evbuffer *b, const paste *p)
{
    if (p->title && p->title[0])
        put_esc(b, p->title);
    else
        evbuffer_add_printf(b, "<span class=\"untitled\">Untitled · %s</span>", p->id);
}

static void put_share(struct evbuffer *b, const char *base, const char *id)
{
    /* [data-copy]: app.js shows the button and copies the named input's value */
    put(b, "<div class=\"share\"><label for=\"share-url\">Link</label>"
           "<input id=\"share-url\" class=\"mono\" readonly value=\"");
    put_esc(b, base);
    evbuffer_add_printf(b, "/%s\"><button type=\"button\" class=\"secondary\" "
                           "data-copy=\"share-url\" hidden>Copy link</button></div>", id);
}

void html_views_item(struct evbuffer *b, int64_t views)
{
    evbuffer_add_printf(b, "<li id=\"views\">%lld view%s</li>", (long long)views, views == 1 ? "" : "s");
}

/* Where app.js shows "N viewing now" and keeps the view count live, over
 * /ws (websocket.c); empty and hidden without JavaScript. A paste with
 * limited reads has none: its count would say how many are left. */
static void put_live_item(struct evbuffer *b, const paste *p)
{
    if (!paste_is_limited(p))
        evbuffer_add_printf(b, "<li id=\"viewing\" data-paste=\"%s\" aria-live=\"polite\" hidden></li>", p->id);
}

/* The page; with views_at != NULL the view count is left out and *views_at
 * is where it belongs (html_paste_page_parts). */
static struct evbuffer *render_paste_page(const paste *p, int64_t views, const char *base,
                                          size_t *views_at)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return NULL;
    int64_t now = now_ms();
    int text = p->text >= 0 ? p->text : utf8_valid(p->body, p->size);
    /* no language given: the hints the paste carries (a modeline, a
     * shebang, a file name as its title: core/langhint.c) name one before
     * the page's script has to guess */
    paste hinted;
    const char *guess = text && !(p->lang && p->lang[0]) ? langhint_guess(p->body, p->size, p->title) : NULL;
    if (guess) {
        hinted = *p;
        hinted.lang = (char *)guess;
        p = &hinted;
    }
    char title[PASTE_TITLE_MAX + 32];
    if (p->title && p->title[0])
        snprintf(title, sizeof title, "%s", p->title);
    else
        snprintf(title, sizeof title, "Paste %s", p->id);
    char size[32];
    format_size(p->size, size);

    page_start(b, title, strlen(title), text ? PAGE_HIGHLIGHT : PAGE_PLAIN, p->lang);
    put(b, "<article class=\"paste\"><header class=\"paste-head\"><h1>");
    put_title(b, p);
    put(b, "</h1><ul class=\"meta\" aria-label=\"About this paste\">");
    /* #lang-name: app.js writes the detected language into an empty one */
    put(b, "<li class=\"lang\" id=\"lang-name\">");
    if (p->lang && p->lang[0])
        put_esc(b, lang_label(p->lang));
    else if (!text)
        put(b, "binary");
    put(b, "</li>");
    evbuffer_add_printf(b, "<li>%s</li>", size);
    if (text) {
        size_t lines = count_lines(p->body, p->size);
        evbuffer_add_printf(b, "<li>%zu line%s</li>", lines, lines == 1 ? "" : "s");
    }
    put_lifetime(b, p, now, "Burned after reading");
    if (views_at)
        *views_at = evbuffer_get_length(b);
    else
        html_views_item(b, views);
    put_live_item(b, p);
    if (p->unlisted)
        put(b, "<li class=\"badge\">Unlisted</li>");
    if (p->parent[0])
        evbuffer_add_printf(b, "<li class=\"parent\">Changed from <a href=\"/%s\">%s</a> "
                               "(<a href=\"/diff/%s/%s\">the changes</a>)</li>", p->parent, p->parent,
                            p->parent, p->id);
    put(b, "</ul>");

    /* actions; #copy and #wrap need JS, so they start hidden */
    put(b, "<div class=\"actions\" role=\"group\" aria-label=\"Paste actions\">");
    if (text)
        put(b, "<button type=\"button\" id=\"copy\" data-copy=\"code\" hidden>Copy</button>");
    if (!paste_is_limited(p)) {
        evbuffer_add_printf(b, "<a class=\"button secondary\" href=\"/raw/%s\">Raw</a>"
                               "<a class=\"button secondary\" href=\"/raw/%s?download=1\">Download</a>",
                            p->id, p->id);
        if (text)
            evbuffer_add_printf(b, "<a class=\"button secondary\" href=\"/?from=%s\">"
                                   "New paste from this</a>", p->id);
        evbuffer_add_printf(b, "<a class=\"button secondary\" href=\"/%s/stats\">Stats</a>"
                               "<a class=\"button secondary\" href=\"/report/%s\" rel=\"nofollow\">Report</a>",
                            p->id, p->id);
    }
    if (text)
        put(b, "<button type=\"button\" class=\"secondary\" id=\"wrap\" aria-pressed=\"false\" "
               "hidden>Wrap lines</button>");
    put(b, "</div></header>");

    if (p->burn)
        put(b, "<p class=\"notice burn\" role=\"status\"><strong>This paste burned after reading.</strong> "
               "It was deleted as this page was made: nobody can open it again, and reloading "
               "this page will not bring it back. Copy what you need now.</p>");
    else if (p->views_max) {
        int64_t left = p->views_max - views;
        if (views_at || left < 0)   /* a page kept for many views never shows a count */
            left = 0;
        evbuffer_add_printf(b, "<p class=\"notice burn\" role=\"status\"><strong>%lld view%s left.</strong> "
                               "This paste can be read %d times in all; after the last it is deleted.</p>",
                            (long long)left, left == 1 ? "" : "s", p->views_max);
    }

    if (text)
        put_code(b, p);
    else
        evbuffer_add_printf(b, "<p class=\"notice binary\">This paste is binary data (%s), "
                               "not text, so it is not shown here.</p>", size);
    if (!text && !paste_is_limited(p))
        evbuffer_add_printf(b, "<p><a class=\"button\" href=\"/raw/%s?download=1\">Download "
                               "it</a></p>", p->id);
    if (!paste_is_limited(p))
        put_share(b, base, p->id);
    put(b, "</article>");
    page_end(b);
    return b;
}

struct evbuffer *html_paste_page(const paste *p, int64_t views, const char *base)
{
    return render_paste_page(p, views, base, NULL);
}

int html_paste_page_parts(const paste *p, const char *base, html_parts *out)
{
    size_t at = 0;
    struct evbuffer *b = render_paste_page(p, 0, base, &at);
    if (!b)
        return -1;
    size_t len = evbuffer_get_length(b);
    out->data = malloc(len ? len : 1);
    if (!out->data) {
        evbuffer_free(b);
        return -1;
    }
    evbuffer_remove(b, out->data, len);
    evbuffer_free(b);
    out->head_len = at;
    out->tail_len = len - at;
    return 0;
}

struct evbuffer *html_created_burn_page(const paste *p, const char *base)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return NULL;
    page_start(b, "Paste created", 13, PAGE_PLAIN, NULL);
    put(b, "<article class=\"created\"><h1>Your paste is ready</h1>");
    if (p->title && p->title[0]) {
        put(b, "<p class=\"created-title\">");
        put_esc(b, p->title);
        put(b, "</p>");
    }
    if (p->burn)
        put(b, "<p class=\"notice burn\"><strong>It burns after reading.</strong> The first visit to "
               "this link shows the paste and deletes it. Opening the link yourself burns it, so "
               "send it on without opening it.</p>");
    else
        evbuffer_add_printf(b, "<p class=\"notice burn\"><strong>It can be read %d times.</strong> "
                               "Each visit to this link (or its raw bytes) is one of them; after the "
                               "last, it is deleted. Opening the link yourself uses one.</p>", p->views_max);
    put_share(b, base, p->id);
    char size[32];
    format_size(p->size, size);
    evbuffer_add_printf(b, "<p class=\"meta\">%s", size);
    if (p->expires_ms) {
        char d[32], in[48];
        format_duration(p->expires_ms - now_ms(), d);
        snprintf(in, sizeof in, "in %s", d);
        put(b, " · if nobody reads it, it expires ");
        put_time(b, p->expires_ms, in);
    }
    put(b, "</p><p><a href=\"/\">Make another paste</a></p></article>");
    page_end(b);
    return b;
}

/* The stored PrivateBin document inside <script type="application/json">:
 * JSON needs no HTML escaping there, only "</script" must not appear, so
 * every '<' is written \u003c (the same string to a JSON parser). */
static void put_json_data(struct evbuffer *b, const uint8_t *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '<') {
            evbuffer_add(b, s + from, i - from);
            put(b, "\\u003c");
            from = i + 1;
        }
    evbuffer_add(b, s + from, n - from);
}

struct evbuffer *html_encrypted_page(const paste *p, int64_t views, const char *base)
{
    (void)base;
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return NULL;
    int64_t now = now_ms();
    char size[32];
    format_size(p->size, size);
    page_start(b, "Encrypted paste", 15, PAGE_HIGHLIGHT, NULL);
    evbuffer_add_printf(b, "<article class=\"paste encrypted\" data-burn=\"%d\"><header class=\"paste-head\">"
                           "<h1>Encrypted paste</h1><ul class=\"meta\" aria-label=\"About this paste\">"
                           "<li class=\"badge\">Encrypted</li><li>%s</li>", p->burn, size);
    put_lifetime(b, p, now, "Burned after reading");
    html_views_item(b, views);
    put_live_item(b, p);
    put(b, "</ul><div class=\"actions\" role=\"group\" aria-label=\"Paste actions\">"
           "<button type=\"button\" id=\"copy\" data-copy=\"code\" hidden>Copy</button>"
           "<button type=\"button\" class=\"secondary\" id=\"download-decrypted\" hidden>Download</button>");
    if (!paste_is_limited(p))
        evbuffer_add_printf(b, "<a class=\"button secondary\" href=\"/report/%s\" rel=\"nofollow\">Report</a>", p->id);
    put(b, "</div></header>"
           "<noscript><p class=\"notice\">This paste is encrypted: the server keeps only ciphertext, and "
           "only a browser holding the key (the part of the link after #) can read it. Decrypting "
           "needs JavaScript, which is off.</p></noscript>"
           "<p id=\"decrypt-status\" class=\"notice\" role=\"status\"></p>"
           "<form id=\"decrypt-password\" class=\"decrypt-password\" hidden>"
           "<label for=\"paste-password\">Password</label>"
           "<input type=\"password\" id=\"paste-password\" autocomplete=\"current-password\" required>"
           "<button type=\"submit\">Decrypt</button></form>");
    if (p->burn)
        put(b, "<p class=\"notice burn\" role=\"status\"><strong>This paste burned after reading.</strong> "
               "It was deleted as this page was made. Copy what you need now.</p>");
    put(b, "<div class=\"code-wrap\"><table class=\"code\" id=\"code\" data-lang=\"\"></table></div>"
           "<script type=\"application/json\" id=\"encrypted-paste\">");
    put_json_data(b, p->body, p->size);
    put(b, "</script></article>");
    page_end(b);
    return b;
}

/* --- a diff -----------------------------------------------------------------
 * <table class="diff">: a row per line, <tr class="add|del|ctx|hunk|eof">,
 * the old and new line numbers as links to /<a>#L<n> and /<b>#L<n>, then
 * the sign and the text (escaped). */

static void put_diff_title(struct evbuffer *b, const paste *p)
{
    evbuffer_add_printf(b, "<a href=\"/%s\">", p->id);
    if (p->title && p->title[0])
        put_esc(b, p->title);
    else
        put(b, p->id);
    put(b, "</a>");
}

struct evbuffer *html_diff_page(const paste *a, const paste *d_b, const struct diff *d)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return NULL;
    char title[64];
    snprintf(title, sizeof title, "Changes from %s to %s", a->id, d_b->id);
    page_start(b, title, strlen(title), PAGE_PLAIN, NULL);
    put(b, "<article class=\"diff-page\"><h1>Changes from ");
    put_diff_title(b, a);
    put(b, " to ");
    put_diff_title(b, d_b);
    evbuffer_add_printf(b, "</h1><ul class=\"meta\"><li class=\"added\">%zu line%s added</li>"
                           "<li class=\"removed\">%zu line%s removed</li></ul>"
                           "<div class=\"actions\"><a class=\"button secondary\" href=\"/raw/diff/%s/%s\">"
                           "Raw diff</a></div>", d->added, d->added == 1 ? "" : "s", d->removed,
                        d->removed == 1 ? "" : "s", a->id, d_b->id);
    if (d->crlf_ignored)
        put(b, "<p class=\"hint\">One paste ends its lines with CR LF (as a browser's form sends "
               "them), the other with LF: they are compared without the CRs.</p>");
    if (d->n == 0) {
        put(b, "<p class=\"notice\">The two pastes are the same.</p></article>");
        page_end(b);
        return b;
    }
    put(b, "<div class=\"code-wrap\"><table class=\"diff\"><thead class=\"visually-hidden\"><tr>"
           "<th scope=\"col\">Line before</th><th scope=\"col\">Line after</th><th scope=\"col\">Change</th>"
           "<th scope=\"col\">Text</th></tr></thead><tbody>");
    for (size_t i = 0; i < d->n; i++) {
        const diff_line *l = &d->lines[i];
        const char *cls = l->origin == '+' ? "add" : l->origin == '-' ? "del" : l->origin == '@' ? "hunk"
                        : l->origin == '\\' ? "eof" : "ctx";
        evbuffer_add_printf(b, "<tr class=\"%s\"><td class=\"ln\">", cls);
        if (l->old_no)
            evbuffer_add_printf(b, "<a href=\"/%s#L%u\">%u</a>", a->id, l->old_no, l->old_no);
        put(b, "</td><td class=\"ln\">");
        if (l->new_no)
            evbuffer_add_printf(b, "<a href=\"/%s#L%u\">%u</a>", d_b->id, l->new_no, l->new_no);
        evbuffer_add_printf(b, "</td><td class=\"sign\" aria-label=\"%s\">%s</td><td class=\"lc\">",
                            l->origin == '+' ? "added" : l->origin == '-' ? "removed" : "",
                            l->origin == '+' ? "+" : l->origin == '-' ? "&minus;" : "");
        escape_code(b, d->text + l->off, l->len);
        put(b, "</td></tr>");
    }
    put(b, "</tbody></table></div></article>");
    page_end(b);
    return b;
}

struct evbuffer *html_link_page(const paste *p, int64_t views, const char *base)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return NULL;
    int64_t now = now_ms();
    page_start(b, "Short link", 10, PAGE_PLAIN, NULL);
    put(b, "<article class=\"paste link\"><header class=\"paste-head\"><h1>Short link ");
    put_esc(b, p->id);
    put(b, "</h1><ul class=\"meta\" aria-label=\"About this link\">");
    put_lifetime(b, p, now, "Works once");
    evbuffer_add_printf(b, "<li>%lld click%s</li></ul></header>", (long long)views, views == 1 ? "" : "s");
    /* the target is shown, never followed: it is whatever a stranger typed.
     * A one-shot link's is not shown: only the visit that uses it sees it. */
    if (paste_is_limited(p)) {
        put(b, "<p class=\"notice burn\"><strong>It works a set number of times.</strong> Each visit to the "
               "short link goes on to where it leads and uses one; after the last the link is "
               "deleted, and nobody is shown where it leads without using one. Send it on "
               "without opening it.</p>");
    } else {
        put(b, "<p>This link leads to:</p><p class=\"link-target mono\"><a rel=\"nofollow noopener noreferrer\" href=\"");
        html_escape(b, (const char *)p->body, p->size);
        put(b, "\">");
        html_escape(b, (const char *)p->body, p->size);
        put(b, "</a></p>");
    }
    put_share(b, base, p->id);
    if (!paste_is_limited(p))
        evbuffer_add_printf(b, "<p><a href=\"/%s/stats\">Clicks by day</a></p>", p->id);
    evbuffer_add_printf(b, "<p><a href=\"/report/%s\" rel=\"nofollow\">Report this link</a> · "
                           "<a href=\"/#shorten\">Shorten another link</a></p></article>", p->id);
    page_end(b);
    return b;
}

struct evbuffer *html_recent_page(const paste_summary *items, size_t n, int64_t now_ms)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return NULL;
    page_start(b, "Recent pastes", 13, PAGE_PLAIN, NULL);
    put(b, "<section class=\"recent recent-page\" aria-labelledby=\"recent-h\">"
           "<h1 id=\"recent-h\">Recent pastes <span class=\"live\" id=\"live\" hidden>live</span></h1>"
           "<p class=\"hint\">The latest public pastes. Unlisted and burn-after-reading pastes "
           "are never shown here.</p>");
    put_list(b, items, n, now_ms, n > 50 ? n : 50, 1);
    put(b, "</section>");
    page_end(b);
    return b;
}

static const char *status_title(int status)
{
    switch (status) {
    case 400: return "Bad request";
    case 403: return "Forbidden";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 410: return "Gone";
    case 413: return "Too large";
    case 429: return "Too many requests";
    case 500: return "Server error";
    case 503: return "Unavailable";
    default: return status >= 500 ? "Server error" : "Error";
    }
}

struct evbuffer *html_error_page(int status, const char *message)
{
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return NULL;
    const char *what = status_title(status);
    char title[64];
    snprintf(title, sizeof title, "%d %s", status, what);
    page_start(b, title, strlen(title), PAGE_PLAIN, NULL);
    evbuffer_add_printf(b, "<section class=\"error-page\"><p class=\"status\">%d</p><h1>%s</h1>",
                        status, what);
    if (message && message[0]) {
        put(b, "<p class=\"message\">");
        put_esc(b, message);
        put(b, "</p>");
    }
    if (status == 404 || status == 410)
        put(b, "<p>Pastes that expire or burn after reading are deleted for good.</p>");
    put(b, "<p><a class=\"button\" href=\"/\">Make a new paste</a></p></section>");
    page_end(b);
    return b;
}
