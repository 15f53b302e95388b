/* form.c - request-body form parsers (see form.h for the contract).
 *
 * urlencoded:  body --split on '&'--> segments --split on first '='--> name,
 *              value --percent/plus decode into form.storage--> fields.
 *              One pass; storage is sized to the body because decoding never
 *              grows data. Any malformation makes the whole body "not a
 *              clean form", which the caller turns into a raw paste.
 *
 * multipart:   Content-Type --parameter parser--> boundary
 *              body --find opening "--boundary" (skipping any preamble)-->
 *              for each part: header lines up to the blank line (parsed for
 *              Content-Disposition and Content-Type) --> data up to the next
 *              CRLF "--boundary" --> field pointing into the body (zero copy),
 *              until the closing "--boundary--". The epilogue is ignored.
 *
 * Malformed multipart input (all return -1): Content-Type not
 * multipart/form-data, missing/invalid boundary, no opening or no closing
 * delimiter (truncated body), a header line without CRLF, longer than
 * FORM_MAX_HEADER_LINE, folded, without ':', or containing CR/LF/NUL, a
 * header block not ended by a blank line, a missing or duplicated
 * Content-Disposition or Content-Type, a disposition other than form-data,
 * a duplicated name or filename parameter, a missing/empty/oversized name,
 * more than FORM_MAX_FIELDS parts.
 *
 * A "--boundary" that is followed by anything but "--" or optional spaces
 * and CRLF is data, not a delimiter (RFC 2046 forbids the boundary inside
 * data, so tolerating near-misses costs nothing and keeps binary intact).
 *
 * Every scan is bounded by the explicit length; nothing here relies on the
 * body being NUL-terminated. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "form.h"

#include "core/text.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- helpers */

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* Case-insensitive comparison of (s, len) with the C string lit. */
static int ascii_ieq(const char *s, size_t len, const char *lit) {
    size_t n = strlen(lit);
    if (len != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(s[i]) != ascii_lower(lit[i])) return 0;
    return 1;
}


/* RFC 2046 bchars (space allowed, but not as the last char). */
static int is_bchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
    return c != 0 && strchr("'()+_,-./:=? ", c) != NULL;
}

static void trim_ows(const char **s, size_t *len) {
    while (*len > 0 && is_ows((*s)[0])) { (*s)++; (*len)--; }
    while (*len > 0 && is_ows((*s)[*len - 1])) (*len)--;
}

static void form_reset(form *f) {
    f->fields = NULL;
    f->count = 0;
    f->storage = NULL;
}

void form_free(form *f) {
    if (!f) return;
    free(f->fields);
    free(f->storage);
    form_reset(f);
}

const form_field *form_get(const form *f, const char *name) {
    if (!f || !name || !f->fields) return NULL;
    size_t n = strlen(name);
    for (size_t i = 0; i < f->count; i++) {
        const form_field *fld = &f->fields[i];
        if (fld->name_len == n && memcmp(fld->name, name, n) == 0) return fld;
    }
    return NULL;
}

/* ---------------------------------------------------------- urlencoded */

/* Decodes src into dst ('+' -> space, %XX -> byte) and stores the decoded
 * length in *out_len. dst must hold n bytes. 0 ok, -1 on a bad escape. */
static int url_decode(const char *src, size_t n, char *dst, size_t *out_len) {
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '+') {
            dst[out++] = ' ';
        } else if (c == '%') {
            if (n - i < 3) return -1; /* truncated escape */
            int hi = hex_value((unsigned char)src[i + 1]);
            int lo = hex_value((unsigned char)src[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            dst[out++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            dst[out++] = c;
        }
    }
    *out_len = out;
    return 0;
}

/* Decodes one "name=value" segment into storage at *used and appends it. */
static int url_add_segment(form *f, const char *seg, size_t n, size_t *used) {
    const char *eq = memchr(seg, '=', n);
    if (!eq || eq == seg) return -1; /* no '=' or empty name */
    if (f->count == FORM_MAX_FIELDS) return -1;
    size_t raw_name = (size_t)(eq - seg);
    form_field *fld = &f->fields[f->count];

    char *name = f->storage + *used;
    size_t name_len;
    if (url_decode(seg, raw_name, name, &name_len) != 0 || name_len > FORM_MAX_NAME) return -1;
    *used += name_len;

    char *value = f->storage + *used;
    size_t value_len;
    if (url_decode(eq + 1, n - raw_name - 1, value, &value_len) != 0) return -1;
    *used += value_len;

    memset(fld, 0, sizeof *fld);
    fld->name = name;
    fld->name_len = name_len;
    fld->value = value;
    fld->value_len = value_len;
    f->count++;
    return 0;
}

int form_parse_urlencoded(const char *body, size_t len, form *out) {
    size_t used = 0, pos = 0;
    if (!out) return -1;
    form_reset(out);
    if (len == 0) return 0;
    if (!body) return -1;
    /* A raw NUL never comes out of a form encoder: the body is binary. */
    if (memchr(body, '\0', len)) return -1;

    out->fields = calloc(FORM_MAX_FIELDS, sizeof *out->fields);
    out->storage = malloc(len); /* decoded text is never longer than the body */
    if (!out->fields || !out->storage) goto fail;

    while (pos < len) {
        const char *amp = memchr(body + pos, '&', len - pos);
        size_t seg_len = amp ? (size_t)(amp - (body + pos)) : len - pos;
        if (seg_len > 0 && url_add_segment(out, body + pos, seg_len, &used) != 0) goto fail;
        pos += seg_len + 1; /* past the '&' (or past the end) */
    }
    return 0;
fail:
    form_free(out);
    return -1;
}

/* ------------------------------------------------- header parameters */

typedef struct param {
    const char *name; size_t name_len;
    const char *value; size_t value_len;
} param;

/* Reads the next ";name=value" of a header value s[0..len) from *pos.
 * Values are tokens or quoted strings taken literally up to the next '"'.
 * Returns 1 with *p filled, 0 at the end, -1 when malformed. Empty
 * parameters (";;") and a trailing ';' are tolerated. */
static int next_param(const char *s, size_t len, size_t *pos, param *p) {
    size_t i = *pos;
    for (;;) {
        while (i < len && is_ows(s[i])) i++;
        if (i == len) { *pos = i; return 0; }
        if (s[i] != ';') return -1;
        i++;
        while (i < len && is_ows(s[i])) i++;
        if (i == len) { *pos = i; return 0; }
        if (s[i] != ';') break;
    }
    size_t name_start = i;
    while (i < len && is_token_char((unsigned char)s[i])) i++;
    if (i == name_start || i == len || s[i] != '=') return -1;
    p->name = s + name_start;
    p->name_len = i - name_start;
    i++; /* '=' */
    if (i < len && s[i] == '"') {
        const char *close = memchr(s + i + 1, '"', len - i - 1);
        if (!close) return -1;
        p->value = s + i + 1;
        p->value_len = (size_t)(close - p->value);
        i = (size_t)(close - s) + 1;
    } else {
        size_t v = i;
        while (i < len && s[i] != ';' && !is_ows(s[i])) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c == 0x7f || c == '"') return -1;
            i++;
        }
        if (i == v) return -1;
        p->value = s + v;
        p->value_len = i - v;
    }
    *pos = i;
    return 1;
}

/* Length of the leading value (media type, disposition type) before ';'. */
static size_t leading_token_len(const char *s, size_t len) {
    size_t i = 0;
    while (i < len && s[i] != ';' && !is_ows(s[i])) i++;
    return i;
}

static int boundary_valid(const char *b, size_t n) {
    if (n == 0 || n > FORM_MAX_BOUNDARY || b[n - 1] == ' ') return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_bchar((unsigned char)b[i])) return 0;
    return 1;
}

/* Finds the boundary parameter in (s, len); 0 ok, -1 absent/bad/duplicate. */
static int find_boundary(const char *s, size_t len, const char **b, size_t *blen) {
    size_t pos;
    param p;
    int r, found = 0;
    trim_ows(&s, &len);
    pos = leading_token_len(s, len);
    while ((r = next_param(s, len, &pos, &p)) == 1) {
        if (!ascii_ieq(p.name, p.name_len, "boundary")) continue;
        if (found) return -1; /* two boundaries: ambiguous, refuse */
        found = 1;
        *b = p.value;
        *blen = p.value_len;
    }
    if (r < 0 || !found || !boundary_valid(*b, *blen)) return -1;
    return 0;
}

int form_boundary(const char *content_type, char *out, size_t out_size) {
    const char *b;
    size_t blen;
    if (!content_type || !out) return -1;
    if (find_boundary(content_type, strlen(content_type), &b, &blen) != 0) return -1;
    if (blen >= out_size) return -1;
    memcpy(out, b, blen);
    out[blen] = '\0';
    return 0;
}

/* ----------------------------------------------------------- multipart */

typedef struct delim {
    char text[2 + 2 + FORM_MAX_BOUNDARY]; /* "\r\n--" boundary */
    size_t len;
} delim;

/* After "--boundary" at q: "--" closes, else optional padding then CRLF.
 * Anything else means those bytes were data, not a delimiter. */
static int delimiter_tail(const char *body, size_t len, size_t q, size_t *next, int *closing) {
    if (len - q >= 2 && body[q] == '-' && body[q + 1] == '-') {
        *closing = 1;
        *next = q + 2;
        return 1;
    }
    while (q < len && is_ows(body[q])) q++;
    if (len - q >= 2 && body[q] == '\r' && body[q + 1] == '\n') {
        *closing = 0;
        *next = q + 2;
        return 1;
    }
    return 0;
}

/* Finds the first real CRLF "--boundary" at or after from. Sets *at to its
 * first byte and *next past its line. 0 found, -1 not found. */
static int find_delimiter(const char *body, size_t len, size_t from, const delim *d,
                          size_t *at, size_t *next, int *closing) {
    while (from < len) {
        const char *hit = memmem(body + from, len - from, d->text, d->len);
        if (!hit) return -1;
        size_t h = (size_t)(hit - body);
        if (delimiter_tail(body, len, h + d->len, next, closing)) {
            *at = h;
            return 0;
        }
        from = h + 1;
    }
    return -1;
}

/* The opening delimiter may start the body (no CRLF before it) or follow a
 * preamble. On success *pos is past its line. */
static int find_opening(const char *body, size_t len, const delim *d, size_t *pos, int *closing) {
    const size_t dash_len = d->len - 2; /* without the CRLF */
    size_t at;
    if (len >= dash_len && memcmp(body, d->text + 2, dash_len) == 0 &&
        delimiter_tail(body, len, dash_len, pos, closing))
        return 0;
    return find_delimiter(body, len, 0, d, &at, pos, closing);
}

static int parse_disposition(const char *v, size_t n, form_field *fld) {
    size_t pos = leading_token_len(v, n);
    param p;
    int r, have_name = 0, have_file = 0;
    if (!ascii_ieq(v, pos, "form-data")) return -1;
    while ((r = next_param(v, n, &pos, &p)) == 1) {
        if (ascii_ieq(p.name, p.name_len, "name")) {
            if (have_name++) return -1;
            fld->name = p.value;
            fld->name_len = p.value_len;
        } else if (ascii_ieq(p.name, p.name_len, "filename")) {
            if (have_file++) return -1;
            fld->filename = p.value;
            fld->filename_len = p.value_len;
        } /* other parameters (filename* and extensions) are ignored */
    }
    if (r < 0 || !have_name) return -1;
    if (fld->name_len == 0 || fld->name_len > FORM_MAX_NAME) return -1;
    return 0;
}

/* One "Name: value" header line (without its CRLF). */
static int parse_header_line(const char *line, size_t n, form_field *fld, int *seen_cd, int *seen_ct) {
    if (is_ows(line[0])) return -1; /* obsolete line folding */
    if (memchr(line, '\r', n) || memchr(line, '\n', n) || memchr(line, '\0', n)) return -1;
    const char *colon = memchr(line, ':', n);
    if (!colon) return -1;
    size_t name_len = (size_t)(colon - line);
    for (size_t i = 0; i < name_len; i++)
        if (!is_token_char((unsigned char)line[i])) return -1;
    if (name_len == 0) return -1;
    const char *value = colon + 1;
    size_t value_len = n - name_len - 1;
    trim_ows(&value, &value_len);

    if (ascii_ieq(line, name_len, "Content-Disposition")) {
        if ((*seen_cd)++) return -1;
        return parse_disposition(value, value_len, fld);
    }
    if (ascii_ieq(line, name_len, "Content-Type")) {
        if ((*seen_ct)++) return -1;
        if (value_len > 0) {
            fld->content_type = value;
            fld->content_type_len = value_len;
        }
    }
    return 0; /* other headers are ignored */
}

/* Header lines from *pos up to and including the blank line. */
static int parse_part_headers(const char *body, size_t len, size_t *pos, form_field *fld) {
    int seen_cd = 0, seen_ct = 0;
    size_t i = *pos;
    for (;;) {
        size_t window = len - i;
        if (window > FORM_MAX_HEADER_LINE + 2) window = FORM_MAX_HEADER_LINE + 2;
        const char *eol = memmem(body + i, window, "\r\n", 2);
        if (!eol) return -1; /* line too long, or body ends inside the headers */
        size_t n = (size_t)(eol - (body + i));
        if (n == 0) {
            *pos = i + 2;
            break;
        }
        if (parse_header_line(body + i, n, fld, &seen_cd, &seen_ct) != 0) return -1;
        i += n + 2;
    }
    return seen_cd ? 0 : -1;
}

int form_parse_multipart(const char *content_type, const char *body, size_t len, form *out) {
    const char *b, *ct;
    size_t blen, ct_len, pos;
    int closing;
    delim d;

    if (!out) return -1;
    form_reset(out);
    if (!content_type || (!body && len > 0)) return -1;
    ct = content_type;
    ct_len = strlen(ct);
    trim_ows(&ct, &ct_len);
    if (!ascii_ieq(ct, leading_token_len(ct, ct_len), "multipart/form-data")) return -1;
    if (find_boundary(ct, ct_len, &b, &blen) != 0) return -1;
    memcpy(d.text, "\r\n--", 4);
    memcpy(d.text + 4, b, blen);
    d.len = 4 + blen;

    if (find_opening(body, len, &d, &pos, &closing) != 0) return -1;
    out->fields = calloc(FORM_MAX_FIELDS, sizeof *out->fields);
    if (!out->fields) return -1;

    while (!closing) {
        form_field fld;
        size_t data_start, at;
        memset(&fld, 0, sizeof fld);
        if (out->count == FORM_MAX_FIELDS) goto fail;
        if (parse_part_headers(body, len, &pos, &fld) != 0) goto fail;
        data_start = pos;
        /* Search from the blank line's CRLF: with no data section at all the
         * delimiter's CRLF is that blank line (RFC 2046 body-part grammar). */
        if (find_delimiter(body, len, data_start - 2, &d, &at, &pos, &closing) != 0) goto fail;
        fld.value = body + data_start;
        fld.value_len = at > data_start ? at - data_start : 0;
        out->fields[out->count++] = fld;
    }
    return 0;
fail:
    form_free(out);
    return -1;
}
