/* pastebinit.c - GET /pastebinit.conf: this pastebin, described for
 * pastebinit (Debian's paste-from-a-terminal tool).
 *
 * pastebinit knows a pastebin by a file in ~/.pastebin.d/ (or
 * /etc/pastebin.d/): its address (basename, matched against -b), the
 * names of its form fields, and how to find the new paste's URL in the
 * answer. pasted takes pastebinit's urlencoded form at POST / (content,
 * title, lang, unlisted) and answers "URL\n", so the file says
 * paste_regexp = (.*): the whole answer is the link. Its private flag
 * (1 unless -P 0) maps to unlisted. The host named is the one the request
 * came to (or public_url), so
 *   curl -s HOST/pastebinit.conf -o ~/.pastebin.d/pasted.conf
 *   pastebinit -b HOST file.txt
 * is all a user does. */
#include "web.h"

#include <event2/buffer.h>
#include <string.h>

void handle_pastebinit(request *r, const char *rest)
{
    (void)rest;
    char base[300];
    base_url(r, base, sizeof base);
    int https = strncmp(base, "https://", 8) == 0;
    const char *host = strstr(base, "://");
    host = host ? host + 3 : base;
    struct evbuffer *b = evbuffer_new();
    if (b)
        evbuffer_add_printf(b,
            "# pastebinit settings for %s: save as ~/.pastebin.d/pasted.conf, then\n"
            "#   pastebinit -b %s FILE     (or: cmd | pastebinit -b %s)\n"
            "[pastebin]\n"
            "basename = %s\n"
            "%s"
            "paste_regexp = (.*)\n"
            "\n"
            "[format]\n"
            "content = content\n"
            "title = title\n"
            "format = lang\n"
            "private = unlisted\n"
            "\n"
            "[defaults]\n"
            "format = text\n"
            "private = 0\n",
            base, host, host, host, https ? "https = True\n" : "" /* any value, even False, means https */);
    set_header(r, "Cache-Control", "no-cache");
    reply(r, 200, "text/plain; charset=utf-8", b);
}
