/* form.h - request-body form parsers (urlencoded and multipart/form-data).
 *
 * The HTTP layer hands a complete request body to one of the two parsers
 * before any handler runs; the handler then looks fields up by name with
 * form_get(). Both parsers are strict: on any malformation they return -1 and
 * leave the form empty, never a partial result.
 *
 * Product rule (enforced by the caller): curl --data-binary labels raw bodies
 * as urlencoded, so a body counts as a form only when form_parse_urlencoded()
 * succeeds AND the result has a "content" field; otherwise it is a raw paste.
 *
 * Ownership: field bytes point either into the caller's body buffer
 * (multipart, zero copy) or into form.storage (urlencoded, decoded copy).
 * The body must outlive the form. Names and values are NOT guaranteed to be
 * NUL-terminated and values may contain NUL bytes: always use the lengths. */
#ifndef PASTED_HTTP_FORM_H
#define PASTED_HTTP_FORM_H

#include <stddef.h>

#define FORM_MAX_FIELDS 64           /* fields (urlencoded) or parts (multipart) */
#define FORM_MAX_NAME 256            /* bytes of a field name, after decoding */
#define FORM_MAX_BOUNDARY 70         /* RFC 2046 */
#define FORM_MAX_HEADER_LINE 1024    /* bytes of one part header line, without CRLF */

typedef struct form_field {
    const char *name;  size_t name_len;            /* never empty */
    const char *value; size_t value_len;           /* exact bytes, may contain NUL */
    const char *filename; size_t filename_len;     /* multipart only; NULL when absent */
    const char *content_type; size_t content_type_len; /* multipart only; NULL when absent */
} form_field;

typedef struct form {
    form_field *fields;
    size_t count;
    char *storage;                   /* decoded bytes (urlencoded); NULL for multipart */
} form;

/* Parses "a=b&c=d" with '+' -> space and %XX decoding. Empty segments
 * ("a=b&&c=d", trailing '&') are skipped. Returns -1 ("not a clean form")
 * on: a bad or truncated %-escape, a segment without '=', an empty name, a
 * name over FORM_MAX_NAME bytes, more than FORM_MAX_FIELDS fields, a raw NUL
 * byte (form encoders always escape it), or out of memory. An empty body is
 * a clean form with no fields. */
int form_parse_urlencoded(const char *body, size_t len, form *out);

/* content_type is the request's Content-Type header value (NUL-terminated);
 * it must be multipart/form-data with a boundary parameter. Each part needs a
 * "Content-Disposition: form-data; name=..." header; filename and the part's
 * Content-Type are optional. Quoted parameter values are taken literally up
 * to the next '"' (browsers and curl >= 7.81 percent-encode quotes instead of
 * backslash-escaping them), which keeps results pointing into the body.
 * Part headers must end with CRLF; obsolete line folding is rejected.
 * 0 ok, -1 malformed (see form.c for the full list). */
int form_parse_multipart(const char *content_type, const char *body, size_t len, form *out);

/* First field whose name is exactly `name`, or NULL. */
const form_field *form_get(const form *f, const char *name);

/* Frees what a parser allocated and empties the form; safe on an empty or
 * already freed form. */
void form_free(form *f);

/* Copies the boundary parameter of a Content-Type value into out (NUL-
 * terminated, unquoted). 0 ok; -1 if absent, duplicated, empty, longer than
 * 70 chars, containing chars outside RFC 2046 bchars, ending with a space, or
 * if out_size is too small. Does not check the media type. */
int form_boundary(const char *content_type, char *out, size_t out_size);

#endif
