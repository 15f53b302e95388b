/* parse.h - strict HTTP/1.1 request-head and chunked-body parsing. See parse.c. */
#ifndef PASTED_HTTP_PARSE_H
#define PASTED_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_MAX_HEADERS 64

typedef struct http_header {
    const char *name;   /* NUL-terminated, in the parsed buffer */
    const char *value;  /* NUL-terminated, surrounding blanks trimmed */
} http_header;

typedef struct http_head {
    const char *method;        /* token, NUL-terminated */
    const char *path;          /* origin-form path, starts with '/', no query */
    const char *query;         /* after '?', or NULL */
    int         minor_version; /* HTTP/1.<minor>: 0 or 1 */
    http_header headers[HTTP_MAX_HEADERS];
    int         n_headers;
    /* body framing, already checked for consistency */
    int64_t     content_length;  /* -1 when there is no Content-Length */
    int         chunked;         /* Transfer-Encoding: chunked */
    int         keep_alive;      /* from the version and Connection */
    int         expect_continue; /* Expect: 100-continue */
} http_head;

/* Where the head in buf[0..len) ends (the offset just past its blank line),
 * or 0 while it is incomplete. *scanned remembers progress between calls
 * (start it at 0), so a head that arrives in pieces is scanned once. */
size_t http_head_end(const char *buf, size_t len, size_t *scanned);

/* Parses the complete head buf[0..len) (len from http_head_end), writing
 * NULs into buf. Returns 0, or the status to refuse the request with (400,
 * 431, 501, 505) and a one-line reason in *why. */
int http_parse_head(char *buf, size_t len, http_head *h, const char **why);

/* A header's value (names compare case-insensitively), or NULL. */
const char *http_find_header(const http_head *h, const char *name);

/* Incremental chunked decoding (RFC 9112 7.1): feed it whatever arrived. */
typedef struct http_chunked {
    int      phase;
    uint64_t remaining;  /* data bytes left in this chunk */
    size_t   line;       /* bytes of the current size/trailer line */
    int      digits;
} http_chunked;

struct evbuffer;
/* Decodes from in[0..len), appending data to out. Returns the bytes
 * consumed (all of them unless the body ended), or -1 on malformed framing
 * with a reason in *why. *done is set once the last chunk and trailers are in. */
ssize_t http_chunked_decode(http_chunked *c, const char *in, size_t len,
                            struct evbuffer *out, int *done, const char **why);

#endif
