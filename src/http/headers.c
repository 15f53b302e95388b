/* headers.c - conditional requests, ranges and content coding (see headers.h).
 * Used by every reply that has a validator (raw pastes, static files, the
 * API document): one If-None-Match, one Range parser, one Accept-Encoding. */
#include "headers.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_ows(const char *p)
{
    while (is_ows(*p))
        p++;
    return p;
}

/* --- validators --------------------------------------------------------- */

int etag_matches(const char *h, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = h;
    for (;;) {
        while (is_ows(*p) || *p == ',')
            p++;
        if (!*p)
            return 0;
        if (*p == '*')
            return 1;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p == '"') {
            const char *close = strchr(p + 1, '"');
            if (!close)
                return 0;
            if ((size_t)(close - p + 1) == elen && memcmp(p, etag, elen) == 0)
                return 1;
            p = close + 1;
        }
        while (*p && *p != ',')
            p++;
    }
}

int if_range_holds(const char *h, const char *etag)
{
    h = skip_ows(h);
    size_t n = strlen(h);
    while (n > 0 && is_ows(h[n - 1]))
        n--;
    return n == strlen(etag) && memcmp(h, etag, n) == 0;
}

/* --- Accept-Encoding --------------------------------------------------- */

/* Is the qvalue in [v, end) above zero? A malformed one counts as zero. */
static int qvalue_positive(const char *v, const char *end)
{
    if (v == end || (*v != '0' && *v != '1'))
        return 0;
    int positive = *v == '1';
    const char *d = v + 1;
    if (d == end)
        return positive;
    if (*d != '.' || end - d > 4)
        return 0;
    for (d++; d < end; d++) {
        if (*d < '0' || *d > '9' || (positive && *d != '0'))
            return 0;
        if (*d != '0')
            positive = 1;
    }
    return positive;
}

/* The parameters of one Accept-Encoding element, [p, end): is its q above zero? */
static int element_acceptable(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (is_ows(*p) || *p == ';'))
            p++;
        const char *name = p;
        while (p < end && *p != '=' && *p != ';' && !is_ows(*p))
            p++;
        if (p < end && *p == '=' && p - name == 1 && (*name == 'q' || *name == 'Q')) {
            const char *v = ++p;
            while (p < end && *p != ';' && !is_ows(*p))
                p++;
            return qvalue_positive(v, p);
        }
        while (p < end && *p != ';')
            p++;
    }
    return 1; /* no q: q=1 */
}

int accepts_gzip(const char *h)
{
    int gzip = -1, star = -1;
    const char *p = h;
    while (*p) {
        while (is_ows(*p) || *p == ',')
            p++;
        const char *coding = p;
        while (*p && *p != ',' && *p != ';' && !is_ows(*p))
            p++;
        size_t clen = (size_t)(p - coding);
        const char *params = p;
        while (*p && *p != ',')
            p++;
        if (clen == 0)
            continue;
        int ok = element_acceptable(params, p);
        if ((clen == 4 && strncasecmp(coding, "gzip", 4) == 0)
            || (clen == 6 && strncasecmp(coding, "x-gzip", 6) == 0))
            gzip = gzip == 1 ? 1 : ok;
        else if (clen == 1 && *coding == '*')
            star = ok;
    }
    return gzip >= 0 ? gzip : star == 1;
}

/* --- Range -------------------------------------------------------------- */

/* Decimal digits at *pp, saturating at UINT64_MAX. 0 when there is none. */
static int parse_count(const char **pp, uint64_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    if (*p < '0' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    *pp = p;
    *out = v;
    return 1;
}

range_result range_parse(const char *h, size_t size, size_t *start, size_t *len)
{
    const char *p = skip_ows(h);
    if (strncasecmp(p, "bytes", 5) != 0)
        return RANGE_NONE;
    p = skip_ows(p + 5);
    if (*p != '=')
        return RANGE_NONE;
    p = skip_ows(p + 1);
    if (strchr(p, ','))
        return RANGE_NONE;
    uint64_t first = 0, last = UINT64_MAX, suffix = 0;
    int has_first = parse_count(&p, &first);
    if (*p != '-')
        return RANGE_BAD;
    p++;
    int has_last = parse_count(&p, has_first ? &last : &suffix);
    if (*skip_ows(p) != '\0')
        return RANGE_BAD;
    if (!has_first) {
        if (!has_last || suffix == 0 || size == 0)
            return RANGE_BAD;
        uint64_t n = suffix < size ? suffix : size;
        *start = size - (size_t)n;
        *len = (size_t)n;
        return RANGE_OK;
    }
    if (has_last && last < first)
        return RANGE_BAD;
    if (first >= size)
        return RANGE_BAD;
    if (last >= size)
        last = size - 1;
    *start = (size_t)first;
    *len = (size_t)(last - first + 1);
    return RANGE_OK;
}
