/* headers.h - the request headers that decide a reply's shape. See headers.c.
 *
 * Every value here comes from the client and is untrusted: the parsers are
 * bounded, saturate instead of overflowing, and answer "no" (the plain,
 * whole reply) when in doubt. */
#ifndef PASTED_HTTP_HEADERS_H
#define PASTED_HTTP_HEADERS_H

#include <stddef.h>

/* If-None-Match: "*" or a list of entity tags naming etag (a quoted tag),
 * compared weakly (W/ ignored). */
int etag_matches(const char *if_none_match, const char *etag);

/* If-Range: honour the Range only when it names this exact (strong) ETag.
 * A date never matches (pasted's replies carry no Last-Modified). */
int if_range_holds(const char *if_range, const char *etag);

/* Does Accept-Encoding allow gzip: named ("gzip", "x-gzip") with q > 0, or
 * not named and "*" allowed? */
int accepts_gzip(const char *accept_encoding);

typedef enum range_result { RANGE_NONE, RANGE_OK, RANGE_BAD } range_result;
/* Range "bytes=first-last" | "bytes=first-" | "bytes=-suffix" against a
 * body of size bytes: RANGE_OK with [*start, *start + *len), RANGE_BAD (416),
 * or RANGE_NONE when the header is to be ignored (another unit, several
 * ranges). */
range_result range_parse(const char *range, size_t size, size_t *start, size_t *len);

#endif
