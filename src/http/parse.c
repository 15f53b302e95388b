/* parse.c - strict parsing of HTTP/1.1 request heads and chunked bodies.
 *
 * Everything a client sends is hostile until this file has looked at it.
 * conn.c accumulates bytes until http_head_end() finds the blank line, then
 * http_parse_head() checks the request line and every header and decides the
 * body's framing once, here, so no handler ever sees an ambiguous request:
 *   - request line: a token method, an origin-form (or absolute-form) target
 *     of visible ASCII, HTTP/1.0 or HTTP/1.1 (other versions get 505);
 *   - header lines: token names with no blank before the colon, values free
 *     of control characters, no obs-fold, at most HTTP_MAX_HEADERS (431);
 *   - framing: Content-Length digits only and consistent when repeated;
 *     Transfer-Encoding only "chunked" (501 otherwise), never together with
 *     Content-Length (the request-smuggling shape: 400); exactly one Host
 *     on HTTP/1.1; Expect only 100-continue (417).
 * Lines may end in CRLF or a bare LF (RFC 9112 2.2); a bare CR is refused.
 * Strings are NUL-terminated in place, so the head's buffer must outlive
 * the parsed result. The chunked decoder is a byte-driven state machine that
 * never needs more than what has arrived. */
#include "parse.h"

#include "core/text.h"

#include <event2/buffer.h>
#include <string.h>
#include <strings.h>

size_t http_head_end(const char *buf, size_t len, size_t *scanned)
{
    size_t i = *scanned;
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        if (!nl)
            break;
        i = (size_t)(nl - buf);
        if (i + 1 >= len)
            break;
        if (buf[i + 1] == '\n')
            return i + 2;
        if (buf[i + 1] == '\r') {
            if (i + 2 >= len)
                break;
            if (buf[i + 2] == '\n')
                return i + 3;
        }
        i++;
    }
    *scanned = i;
    return 0;
}

/* RFC 9110 5.6.2 token characters */
static int is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* The next line of buf[*pos..end): NUL-terminated in place (the CR too). */
static char *next_line(char *buf, size_t end, size_t *pos)
{
    char *line = buf + *pos;
    char *nl = memchr(line, '\n', end - *pos);
    if (!nl)
        return NULL;
    *nl = '\0';
    *pos = (size_t)(nl - buf) + 1;
    if (nl > line && nl[-1] == '\r')
        nl[-1] = '\0';
    return line;
}

static int refuse(const char **why, const char *reason, int status)
{
    *why = reason;
    return status;
}

/* "http://host/p?q" -> "/p?q"; the Host header names the authority. */
static char *origin_form(char *target)
{
    if (target[0] == '/')
        return target;
    const char *after = NULL;
    if (strncasecmp(target, "http://", 7) == 0)
        after = target + 7;
    else if (strncasecmp(target, "https://", 8) == 0)
        after = target + 8;
    if (!after || !*after || *after == '/' || *after == '?')
        return NULL;
    char *slash = strchr(after, '/');
    if (slash)
        return slash;
    char *q = strchr(after, '?');
    if (q) {   /* "http://host?x": the path is "/" */
        q[-1] = '/';
        return q - 1;
    }
    return (char *)"/";
}

static int parse_request_line(char *line, http_head *h, const char **why)
{
    char *p = line;
    while (is_token_char((unsigned char)*p))
        p++;
    if (p == line || *p != ' ' || p - line > 16)
        return refuse(why, "malformed request line", 400);
    *p++ = '\0';
    h->method = line;

    char *target = p;
    while ((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
        p++;
    if (p == target || *p != ' ')
        return refuse(why, "malformed request target", 400);
    *p++ = '\0';
    if (strchr(target, '#'))
        return refuse(why, "a fragment does not belong in a request", 400);

    if (strncmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' || p[6] != '.'
        || p[7] < '0' || p[7] > '9' || p[8] != '\0')
        return refuse(why, "malformed HTTP version", 400);
    if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
        return refuse(why, "only HTTP/1.0 and HTTP/1.1 are served", 505);
    h->minor_version = p[7] - '0';

    char *path = origin_form(target);
    if (!path)
        return refuse(why, "the request target must be a path", 400);
    char *q = strchr(path, '?');
    if (q) {
        *q = '\0';
        h->query = q + 1;
    }
    h->path = path;
    return 0;
}

/* Splits "Name: value" in place; trims blanks around the value. */
static int parse_header_line(char *line, http_header *out, const char **why)
{
    char *p = line;
    while (is_token_char((unsigned char)*p))
        p++;
    if (p == line || *p != ':')
        return refuse(why, (*line == ' ' || *line == '\t') ? "folded header lines are not accepted"
                                                           : "malformed header line", 400);
    *p++ = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    char *value = p;
    for (; *p; p++)
        if (!is_value_char((unsigned char)*p))
            return refuse(why, "control character in a header value", 400);
    while (p > value && (p[-1] == ' ' || p[-1] == '\t'))
        p--;
    *p = '\0';
    out->name = line;
    out->value = value;
    return 0;
}

static int parse_content_length(const char *v, int64_t *out)
{
    int64_t n = 0;
    if (!*v)
        return -1;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || p - v >= 18)
            return -1;
        n = n * 10 + (*p - '0');
    }
    *out = n;
    return 0;
}

/* Does a comma-separated header value list contain `token`? */
static int has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == n && strncasecmp(start, token, n) == 0)
            return 1;
    }
    return 0;
}

/* One header's effect on framing and connection handling. */
static int note_header(const http_header *hd, http_head *h, int *hosts, int *close,
                       const char **why)
{
    const char *n = hd->name, *v = hd->value;
    if (strcasecmp(n, "Content-Length") == 0) {
        int64_t len;
        if (parse_content_length(v, &len) != 0)
            return refuse(why, "malformed Content-Length", 400);
        if (h->content_length >= 0 && h->content_length != len)
            return refuse(why, "conflicting Content-Length headers", 400);
        h->content_length = len;
    } else if (strcasecmp(n, "Transfer-Encoding") == 0) {
        if (h->chunked || strcasecmp(v, "chunked") != 0)
            return refuse(why, "only Transfer-Encoding: chunked is supported", 501);
        h->chunked = 1;
    } else if (strcasecmp(n, "Connection") == 0) {
        if (has_token(v, "close"))
            *close = 1;   /* wins over any keep-alive */
        else if (has_token(v, "keep-alive"))
            h->keep_alive = 1;
    } else if (strcasecmp(n, "Expect") == 0) {
        if (strcasecmp(v, "100-continue") != 0)
            return refuse(why, "only Expect: 100-continue is supported", 417);
        h->expect_continue = 1;
    } else if (strcasecmp(n, "Host") == 0) {
        (*hosts)++;
    }
    return 0;
}

int http_parse_head(char *buf, size_t len, http_head *h, const char **why)
{
    memset(h, 0, sizeof *h);
    h->content_length = -1;
    /* a NUL would cut a line short here and hide what follows it */
    if (memchr(buf, '\0', len))
        return refuse(why, "NUL byte in the request head", 400);
    size_t pos = 0;
    char *line = next_line(buf, len, &pos);
    if (!line)
        return refuse(why, "malformed request line", 400);
    for (char *c = line; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return refuse(why, "malformed request line", 400);
    int status = parse_request_line(line, h, why);
    if (status)
        return status;
    h->keep_alive = h->minor_version == 1;

    int hosts = 0, close = 0;
    while ((line = next_line(buf, len, &pos)) != NULL && *line) {
        if (h->n_headers == HTTP_MAX_HEADERS)
            return refuse(why, "too many header lines", 431);
        http_header *hd = &h->headers[h->n_headers];
        if ((status = parse_header_line(line, hd, why)) != 0
            || (status = note_header(hd, h, &hosts, &close, why)) != 0)
            return status;
        h->n_headers++;
    }
    if (close)
        h->keep_alive = 0;
    if (h->chunked && h->content_length >= 0)
        return refuse(why, "Content-Length and Transfer-Encoding together", 400);
    if (h->chunked && h->minor_version == 0)
        return refuse(why, "chunked bodies need HTTP/1.1", 400);
    if (hosts > 1 || (hosts == 0 && h->minor_version == 1))
        return refuse(why, "HTTP/1.1 requests need exactly one Host header", 400);
    return 0;
}

const char *http_find_header(const http_head *h, const char *name)
{
    for (int i = 0; i < h->n_headers; i++)
        if (strcasecmp(h->headers[i].name, name) == 0)
            return h->headers[i].value;
    return NULL;
}

/* --- chunked bodies ------------------------------------------------------ */

enum { CH_SIZE, CH_BWS, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER,
       CH_TRAILER_LF, CH_DONE };

#define CH_MAX_LINE 4096 /* a size line with extensions, or one trailer line */

/* One framing byte (not chunk data). 0 to go on, -1 when malformed. */
static int chunked_step(http_chunked *c, unsigned char b, const char **why)
{
    switch (c->phase) {
    case CH_SIZE:
        if (hex_value(b) >= 0) {
            if (++c->digits > 15)
                return refuse(why, "chunk size too large", -1);
            c->remaining = c->remaining * 16 + (uint64_t)hex_value(b);
            return 0;
        }
        if (c->digits == 0)
            return refuse(why, "malformed chunk size", -1);
        if (b == ';') {
            c->phase = CH_EXT;
            return 0;
        }
        if (b == ' ' || b == '\t') {
            c->phase = CH_BWS;
            return 0;
        }
        /* the size line ends here or is malformed */
        /* fall through */
    case CH_BWS:
        if (c->phase == CH_BWS) {   /* blanks may only lead to ';' or the line end */
            if (b == ' ' || b == '\t')
                return 0;
            if (b == ';') {
                c->phase = CH_EXT;
                return 0;
            }
            if (b != '\r' && b != '\n')
                return refuse(why, "malformed chunk size line", -1);
        }
        /* fall through */
    case CH_EXT:
        if (b == '\r') {
            c->phase = CH_SIZE_LF;
            return 0;
        }
        if (b == '\n')
            break;
        if (c->phase != CH_EXT || !is_value_char(b))
            return refuse(why, "malformed chunk size line", -1);
        if (++c->line > CH_MAX_LINE)
            return refuse(why, "chunk extension too long", -1);
        return 0;
    case CH_SIZE_LF:
        if (b != '\n')
            return refuse(why, "malformed chunk size line", -1);
        break;
    case CH_DATA_CR:
        if (b == '\r') {
            c->phase = CH_DATA_LF;
            return 0;
        }
        /* a bare LF ends the data too */
        /* fall through */
    case CH_DATA_LF:
        if (b != '\n')
            return refuse(why, "chunk data longer than its size", -1);
        c->phase = CH_SIZE;
        c->digits = 0;
        c->line = 0;
        c->remaining = 0;
        return 0;
    case CH_TRAILER:
        if (b == '\r') {
            c->phase = CH_TRAILER_LF;
            return 0;
        }
        if (b != '\n') {
            if (!is_value_char(b) || ++c->line > CH_MAX_LINE)
                return refuse(why, "malformed trailer", -1);
            return 0;
        }
        /* fall through */
    case CH_TRAILER_LF:
        if (b != '\n')
            return refuse(why, "malformed trailer", -1);
        c->phase = c->line == 0 ? CH_DONE : CH_TRAILER;
        c->line = 0;
        return 0;
    }
    /* the end of a size line */
    c->line = 0;
    c->phase = c->remaining ? CH_DATA : CH_TRAILER;
    return 0;
}

ssize_t http_chunked_decode(http_chunked *c, const char *in, size_t len,
                            struct evbuffer *out, int *done, const char **why)
{
    size_t i = 0;
    *done = 0;
    while (i < len && c->phase != CH_DONE) {
        if (c->phase == CH_DATA) {
            size_t n = len - i;
            if (n > c->remaining)
                n = (size_t)c->remaining;
            if (evbuffer_add(out, in + i, n) != 0)
                return refuse(why, "out of memory", -1);
            i += n;
            c->remaining -= n;
            if (c->remaining == 0)
                c->phase = CH_DATA_CR;
            continue;
        }
        if (chunked_step(c, (unsigned char)in[i], why) != 0)
            return -1;
        i++;
    }
    *done = c->phase == CH_DONE;
    return (ssize_t)i;
}
