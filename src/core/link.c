/* link.c - a short link's target: validated and written one way.
 *
 * A short link answers 302 to its target, so the target goes into a
 * Location header and onto pages: it must be a plain absolute http(s)
 * URL, nothing a browser would run (javascript:, data:) and nothing that
 * reads as another site than it is (https://bank.example@evil.example/).
 * link_normalise reads the user's text once, left to right:
 *   scheme "://" authority [path] [?query] [#fragment]
 * and writes the normal form as it goes: scheme and host in lowercase, the
 * port only when it is not the scheme's default, "/" for an empty path,
 * and every byte a URL may not hold (space, quotes, <>, non-ASCII UTF-8)
 * percent-encoded. What cannot be mended (a control character, a user
 * name, no host, another scheme) is refused with one line saying why.
 * Two links to the same place are then the same string (the blocklist
 * and a reader comparing links both rely on that). */
#include "link.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

typedef struct writer {
    char  *out;
    size_t len;
    int    full;            /* past LINK_MAX */
} writer;

static void put(writer *w, char c)
{
    if (w->len >= LINK_MAX) {
        w->full = 1;
        return;
    }
    w->out[w->len++] = c;
}

static void put_encoded(writer *w, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    put(w, '%');
    put(w, hex[c >> 4]);
    put(w, hex[c & 15]);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Bytes kept as they are in the path, query and fragment: RFC 3986's
 * unreserved, sub-delims, ':' '@' '/' '?' and '%' (an escape already). */
static int is_url_char(unsigned char c)
{
    return isalnum(c) || (c && strchr("-._~!$&'()*+,;=:@/?%#[]", c));
}

static int refuse(fault *f, const char *why)
{
    return fault_set(f, FAULT_INVALID, "url", "url: %s", why);
}

/* scheme "://": 4 for http, 5 for https (the length of the scheme), else -1 with f set. */
static int read_scheme(const char *s, size_t len, size_t *at, fault *f)
{
    size_t i = 0;
    while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i == 0 || i >= len || s[i] != ':' || !isalpha((unsigned char)s[0]))
        return refuse(f, "no scheme: write it in full, as https://example.org/");
    int http = i == 4 && strncasecmp(s, "http", 4) == 0;
    int https = i == 5 && strncasecmp(s, "https", 5) == 0;
    if (!http && !https)
        return refuse(f, "only http and https links can be shortened");
    if (len - i < 3 || s[i + 1] != '/' || s[i + 2] != '/')
        return refuse(f, "not an absolute link: it needs :// after the scheme");
    *at = i + 3;
    return (int)i;
}

/* The host and port, from at to the first / ? # or the end. 0 ok. */
static int read_authority(const char *s, size_t len, size_t *at, int https, writer *w, fault *f)
{
    size_t start = *at, end = start;
    while (end < len && s[end] != '/' && s[end] != '?' && s[end] != '#')
        end++;
    *at = end;
    if (memchr(s + start, '@', end - start))
        return refuse(f, "a user name or password in a link is refused");
    size_t host_end = end;
    if (start < end && s[start] == '[') {               /* [IPv6] */
        const char *close = memchr(s + start, ']', end - start);
        if (!close)
            return refuse(f, "the host's [ has no ]");
        host_end = (size_t)(close - s) + 1;
        for (size_t i = start + 1; i + 1 < host_end; i++)
            if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
                return refuse(f, "the host has characters a host cannot have");
    } else {
        const char *colon = memchr(s + start, ':', end - start);
        if (colon)
            host_end = (size_t)(colon - s);
        for (size_t i = start; i < host_end; i++)
            if (!isalnum((unsigned char)s[i]) && !strchr("-._~", s[i]))
                return refuse(f, "the host has characters a host cannot have (write an international name in punycode)");
    }
    if (host_end == start || (host_end == start + 2 && s[start] == '['))
        return refuse(f, "no host");
    for (size_t i = start; i < host_end; i++)
        put(w, (char)tolower((unsigned char)s[i]));
    if (host_end == end)
        return 0;
    if (s[host_end] != ':')
        return refuse(f, "the host has characters a host cannot have");
    long port = 0;
    size_t digits = 0;
    for (size_t i = host_end + 1; i < end; i++, digits++) {
        if (!isdigit((unsigned char)s[i]) || digits >= 5)
            return refuse(f, "the port must be a number from 1 to 65535");
        port = port * 10 + (s[i] - '0');
    }
    if (digits == 0)
        return 0;                                       /* "host:" means the default */
    if (port < 1 || port > 65535)
        return refuse(f, "the port must be a number from 1 to 65535");
    if (port != (https ? 443 : 80)) {
        put(w, ':');
        for (size_t i = host_end + 1; i < end; i++)
            put(w, s[i]);
    }
    return 0;
}

int link_normalise(const char *in, size_t len, char out[LINK_MAX + 1], fault *f)
{
    while (len && is_space((unsigned char)in[0])) {
        in++;
        len--;
    }
    while (len && is_space((unsigned char)in[len - 1]))
        len--;
    if (len == 0)
        return refuse(f, "empty: give the address to shorten");
    if (len > LINK_MAX)
        return refuse(f, "longer than 2048 bytes");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x20 || c == 0x7f)
            return refuse(f, "contains a control character");
    }
    if (!utf8_valid((const uint8_t *)in, len))
        return refuse(f, "is not valid UTF-8");
    writer w = { out, 0, 0 };
    size_t at = 0;
    int scheme_len = read_scheme(in, len, &at, f);
    if (scheme_len < 0)
        return -1;
    for (int i = 0; i < scheme_len; i++)
        put(&w, (char)tolower((unsigned char)in[i]));
    put(&w, ':');
    put(&w, '/');
    put(&w, '/');
    if (read_authority(in, len, &at, scheme_len == 5, &w, f) != 0)
        return -1;
    if (at == len || in[at] != '/')
        put(&w, '/');
    for (; at < len; at++) {
        unsigned char c = (unsigned char)in[at];
        if (c == '%' && !(at + 2 < len && hex_value((unsigned char)in[at + 1]) >= 0
                          && hex_value((unsigned char)in[at + 2]) >= 0))
            put_encoded(&w, c);                         /* a lone % */
        else if (is_url_char(c))
            put(&w, (char)c);
        else
            put_encoded(&w, c);                         /* space, quotes, <>, UTF-8 */
    }
    if (w.full)
        return refuse(f, "longer than 2048 bytes once written out");
    out[w.len] = '\0';
    return 0;
}

/* The authority of a normalised URL or of a base: its start and length. */
static const char *authority_of(const char *url, size_t *n)
{
    const char *s = strstr(url, "://");
    if (!s)
        return NULL;
    s += 3;
    *n = strcspn(s, "/?#");
    return s;
}

int link_is_to(const char *target, const char *base)
{
    size_t tn, bn;
    const char *t = authority_of(target, &tn), *b = authority_of(base, &bn);
    if (!t || !b || bn == 0)
        return 0;
    /* the base may name a default port the target's normal form dropped */
    int https = strncmp(base, "https:", 6) == 0;
    const char *dflt = https ? ":443" : ":80";
    if (bn > strlen(dflt) && strncmp(b + bn - strlen(dflt), dflt, strlen(dflt)) == 0)
        bn -= strlen(dflt);
    return tn == bn && strncasecmp(t, b, tn) == 0;
}
