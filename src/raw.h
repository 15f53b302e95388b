/* raw.h - a paste's bytes served like a good static file. See raw.c. */
#ifndef PASTED_RAW_H
#define PASTED_RAW_H

#include "http.h"
#include "paste.h"

/* Bodies at least this long, and valid UTF-8, are gzipped for clients that ask. */
#define RAW_GZIP_MIN 1024
/* Longest Cache-Control max-age of a raw reply, in seconds. */
#define RAW_MAX_AGE 3600

/* Answer GET or HEAD on /raw/<id> with p's bytes (200, 206, 304 or 416),
 * and free p once they are sent. Expiry and burn-after-reading were handled
 * by the caller; the request's headers (If-None-Match, Range, If-Range,
 * Accept-Encoding) and ?download=1 are handled here. */
void raw_serve(request *r, paste *p);

#endif
