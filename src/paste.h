/* paste.h - the paste record and its cache encoding. See paste.c. */
#ifndef PASTED_PASTE_H
#define PASTED_PASTE_H

#include <stddef.h>
#include <stdint.h>

#define PASTE_TITLE_MAX 200     /* bytes of UTF-8 */
#define PASTE_LANG_MAX  32
#define PASTE_HASH_HEX  64      /* SHA-256 in hex */

typedef struct paste {
    uint64_t num;               /* the Redis counter value */
    char     id[16];            /* public id (base62) */
    char    *title;             /* NUL-terminated, validated UTF-8, may be "" */
    char    *lang;              /* NUL-terminated, [a-z0-9+#-], may be "" */
    uint8_t *body;              /* exact bytes */
    size_t   size;
    int64_t  created_ms;        /* Unix ms */
    int64_t  expires_ms;        /* Unix ms; 0 = never */
    int      burn;              /* burn after reading */
    int      unlisted;
    int64_t  views;             /* total views known when this record was read */
    char     hash[PASTE_HASH_HEX + 1];
    char     token_hash[PASTE_HASH_HEX + 1]; /* SHA-256 of the delete token; store only */
    int      refs;              /* holders: requests in flight, a worker's hot cache */
    int      text;              /* body is valid UTF-8: 1, 0, or -1 not yet known */
    void    *derived;           /* something made from the paste (a rendered page), */
    void   (*derived_free)(void *); /* freed with it */
    size_t   derived_bytes;     /* memory `derived` holds (the hot cache counts it) */
    struct evbuffer_file_segment *segment; /* the body in a memfd, sent with sendfile (raw.c) */
} paste;

/* A paste is reference counted. Counts are plain ints: a paste is only ever
 * shared within one worker's loop (its hot cache and its requests). */
paste *paste_new(void);             /* refs = 1 */
paste *paste_ref(paste *p);         /* one more holder; returns p */
void   paste_free(paste *p);        /* one holder less; freed with the last */

/* Fill p->hash with the SHA-256 of the body. */
void paste_hash_body(paste *p);
/* SHA-256 of any bytes, as 64 hex chars + NUL. */
void sha256_hex(const void *data, size_t len, char out[PASTE_HASH_HEX + 1]);
/* A new random delete token (base62) and its hash. 0 ok. */
int  paste_new_token(char token[33], char hash[PASTE_HASH_HEX + 1]);
/* Seconds the paste still lives (INT64_MAX when it never expires; <= 0 expired). */
int64_t paste_seconds_left(const paste *p, int64_t now_ms);

/* Cache encoding: a small versioned binary record. decode copies. */
uint8_t *paste_encode(const paste *p, size_t *len);
paste   *paste_decode(const uint8_t *buf, size_t len);

/* Validation of user-supplied metadata (NULL reason = fine). */
const char *paste_check_title(const char *s, size_t len);
const char *paste_check_lang(const char *s, size_t len);

int utf8_valid(const uint8_t *s, size_t len);
/* utf8_valid of the body, worked out once per paste (hot pastes are read often). */
int paste_is_text(paste *p);

/* "2026-11-23T21:56:02Z" */
void format_rfc3339(int64_t ms, char out[32]);

#endif
