/* help.c - GET /help: a plain-text page like a man page, with copy-paste
 * examples of every way to use pasted from a terminal or a program.
 *
 * Also the answer to GET / when the User-Agent is curl's or wget's (and the
 * client does not ask for HTML): home.c asks help_is_for_terminal().
 * The page is one static template; $URL (the base URL of this request, from
 * base_url(): the configured public_url, else the checked Host header),
 * $MAX (paste size limit), $EXPIRE (offered expiries) and $DEFAULT (the
 * default expiry) are filled in per request. Text only: nothing here is
 * HTML, and the reply is text/plain with nosniff (http/request.c). */
#include "web.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/format.h"

static const char help_text[] =
"PASTED(1)                          pasted                          PASTED(1)\n"
"\n"
"NAME\n"
"    pasted - a pastebin for terminals, browsers and programs\n"
"\n"
"SYNOPSIS\n"
"    command | curl --data-binary @- $URL/\n"
"    curl -T FILE $URL/\n"
"    curl -F 'file=@FILE' $URL/\n"
"\n"
"DESCRIPTION\n"
"    Send text or any bytes (up to $MAX); the answer is the paste's URL,\n"
"    alone on one line. Bytes are kept exactly as sent.\n"
"\n"
"CREATING\n"
"    The body, as is:\n"
"        echo hello | curl --data-binary @- $URL/\n"
"        curl --data-binary @notes.txt $URL/\n"
"        curl -T notes.txt $URL/             (the file name is the title)\n"
"    A form, field 'content' (text) or 'file' (a file):\n"
"        ls -l | curl -F 'content=<-' $URL/\n"
"        curl -F 'file=@photo.png' $URL/\n"
"    A form with a single field of any name (sprunge, ix.io):\n"
"        dmesg | curl -F 'sprunge=<-' $URL/\n"
"        dmesg | curl -F 'f:1=<-' $URL/\n"
"\n"
"OPTIONS\n"
"    In the query string (?lang=c&expire=1h) or as form fields (-F lang=c):\n"
"        title=TEXT     a title, up to 200 characters\n"
"        lang=NAME      the language to highlight: c, python, go, sh, ...\n"
"        expire=WHEN    one of $EXPIRE (default: $DEFAULT)\n"
"        burn=1         burn after reading: the first read deletes it\n"
"        unlisted=1     not in the recent list nor the live feed\n"
"        views_left=N   readable N times (1 to 1000), then deleted\n"
"        verbose=1      (query string) a second line: the delete command\n"
"    An invalid value gets 400 naming the field and what it accepts.\n"
"        curl --data-binary @main.c '$URL/?lang=c&title=main.c&expire=1d'\n"
"        echo secret | curl -F 'content=<-' -F burn=1 $URL/\n"
"\n"
"READING\n"
"    $URL/ID                 the page, highlighted\n"
"    $URL/ID.EXT             the same; EXT is the language if none was given\n"
"    $URL/ID?EXT             the same (sprunge's way): $URL/ID?py\n"
"    $URL/raw/ID             the exact bytes (also $URL/raw/ID.EXT)\n"
"    $URL/raw/ID?download=1  the same, as a file to save\n"
"        curl $URL/raw/ID\n"
"        curl -r 0-99 $URL/raw/ID          (byte ranges)\n"
"        curl --compressed $URL/raw/ID     (gzip for text over 1 KiB)\n"
"\n"
"DELETING\n"
"    Every create answer carries the header X-Delete-Token: TOKEN. Keep it:\n"
"    it is shown once and stored only as a hash.\n"
"        curl -D - --data-binary @notes.txt $URL/   (shows the headers)\n"
"        curl --data-binary @notes.txt '$URL/?verbose=1'\n"
"        curl -X DELETE -H 'X-Delete-Token: TOKEN' $URL/ID\n"
"    204: deleted. 403: wrong or missing token, nothing deleted.\n"
"\n"
"DIFFS\n"
"    $URL/diff/A/B           the changes from paste A to paste B, as a page\n"
"    $URL/raw/diff/A/B       the same as a unified diff:\n"
"        curl $URL/raw/diff/A/B | patch file.txt\n"
"    parent=ID               (option) this paste was made from paste ID\n"
"\n"
"SHORT LINKS\n"
"    A link to shorten instead of a paste (http and https only):\n"
"        curl -F 'url=https://example.org/a/long/address' $URL/\n"
"        curl -F 'shorten=https://example.org/' $URL/      (0x0.st's name)\n"
"        curl --json '{\"url\": \"https://example.org/\"}' $URL/api/pastes\n"
"    $URL/ID answers 302 to it, counted as a click; $URL/ID+ shows where it\n"
"    leads without going there. Expiry, burn=1 (works once) and delete\n"
"    tokens work as for pastes.\n"
"\n"
"OTHER CLIENTS\n"
"    Programs made for other pastebins work here unchanged:\n"
"    nc (termbin)      $NC\n"
"    haste-client      server_url = $URL in ~/.hastec; POST $URL/documents\n"
"    rpaste            address = \"$URL\" in its config.toml; -o burns after\n"
"                      reading, -u shortens a link, -e 10min sets the expiry\n"
"    pbincli           pbincli send -s $URL/ -t TEXT   (PrivateBin's client: the text\n"
"                      is encrypted before it leaves; the key is in the link)\n"
"    pastebinit        curl -s $URL/pastebinit.conf -o ~/.pastebin.d/pasted.conf\n"
"                      then: pastebinit -b $HOST FILE\n"
"    dpaste's API      curl -F 'content=<-' -F lexer=python -F format=url $URL/api/\n"
"    0x0.st's fields   -F expires=HOURS (or Unix time in ms), -F secret= (a\n"
"                      long unguessable id); answers carry X-Token and\n"
"                      X-Expires; delete: curl -F token=TOKEN -F delete= $URL/ID\n"
"\n"
"API\n"
"    POST $URL/api/pastes with Content-Type: application/json:\n"
"        {\"content\": \"...\", \"title\": \"...\", \"lang\": \"...\", \"expire\": \"1d\",\n"
"         \"burn\": false, \"unlisted\": false, \"encoding\": \"utf-8\" or \"base64\"}\n"
"    -> 201 {\"id\", \"url\", \"raw_url\", \"delete_token\", \"expires\", ...}\n"
"        curl --json '{\"content\": \"hello\", \"expire\": \"1d\"}' $URL/api/pastes\n"
"    Binary content goes as base64, with \"encoding\": \"base64\":\n"
"        base64 -w0 photo.png | jq -Rs '{content: ., encoding: \"base64\"}' \\\n"
"            | curl --json @- $URL/api/pastes\n"
"    GET $URL/api/pastes/ID       metadata: size, views, expires, burn, ...\n"
"    DELETE $URL/api/pastes/ID    with the header X-Delete-Token\n"
"    Errors are JSON: {\"error\": \"...\", \"field\": \"...\"}.\n"
"    The OpenAPI document: $URL/api/openapi.json\n"
"\n"
"LIMITS\n"
"    Each address has budgets: pastes, bytes and a daily quota, lookups of\n"
"    pastes that do not exist, deletes. Over one: 429 with Retry-After (in\n"
"    seconds) and a one-line reason. Unlisted and burn-after-reading pastes\n"
"    get 22-character random ids.\n"
"\n"
"REPORTING\n"
"    $URL/report/ID          tell the operator about a paste\n"
"        curl --data 'reason=spam&note=...' $URL/report/ID\n"
"    reason: spam, malware, phishing, illegal, personal or other.\n"
"\n"
"SHELL\n"
"    A function for ~/.bashrc (paste FILE, or: command | paste):\n"
"        paste() { curl --data-binary @\"${1:--}\" $URL/; }\n"
"\n"
"SEE ALSO\n"
"    $URL/ in a browser: the form, and the recent pastes.\n";

/* Append help_text with its $NAMEs filled in. */
static void expand(request *r, struct evbuffer *b, const char *base)
{
    char max[32], nc[340];
    format_size(cfg_of(r)->max_paste_size, max);
    const char *host = strstr(base, "://") ? strstr(base, "://") + 3 : base;
    char host_only[300];
    snprintf(host_only, sizeof host_only, "%.*s", (int)(host[0] == '[' ? strcspn(host, "]") + 1
                                                                          : strcspn(host, ":")), host);
    if (cfg_of(r)->nc_port)
        snprintf(nc, sizeof nc, "cmd | nc %s %d", host_only, cfg_of(r)->nc_port);
    else
        snprintf(nc, sizeof nc, "(turned off on this server)");
    const struct { const char *name; const char *value; } vars[] = {
        { "$URL", base }, { "$MAX", max }, { "$EXPIRE", app_of(r)->expiry.list },
        { "$DEFAULT", cfg_of(r)->default_expire }, { "$NC", nc }, { "$HOST", host },
    };
    const char *s = help_text;
    for (;;) {
        const char *d = strchr(s, '$');
        if (!d) {
            evbuffer_add(b, s, strlen(s));
            return;
        }
        evbuffer_add(b, s, (size_t)(d - s));
        size_t i = 0, n = sizeof vars / sizeof vars[0];
        while (i < n && strncmp(d, vars[i].name, strlen(vars[i].name)) != 0)
            i++;
        if (i < n) {
            evbuffer_add(b, vars[i].value, strlen(vars[i].value));
            s = d + strlen(vars[i].name);
        } else {
            evbuffer_add(b, "$", 1); /* a shell's $ (as in ${1:--}) */
            s = d + 1;
        }
    }
}

int help_is_for_terminal(request *r)
{
    const char *ua = get_header(r, "User-Agent");
    if (!ua || wants_html(r))
        return 0;
    if (strncasecmp(ua, "curl/", 5) != 0 && strncasecmp(ua, "wget/", 5) != 0
        && strncasecmp(ua, "wget2/", 6) != 0)
        return 0;
    char *from = query_param(r, "from"); /* /?from=ID is the web form's */
    int form = from != NULL;
    free(from);
    return !form;
}

void handle_help(request *r, const char *rest)
{
    (void)rest;
    char base[300];
    base_url(r, base, sizeof base);
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        reply_error(r, 503, "out of memory");
        return;
    }
    expand(r, b, base);
    set_header(r, "Cache-Control", "no-cache");
    if (strcmp(r->path, "/") == 0)
        set_header(r, "Vary", "User-Agent, Accept");
    reply(r, 200, "text/plain; charset=utf-8", b);
}
