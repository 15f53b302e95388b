/* paste.h - the paste record, its validation and its cache encoding. See paste.c. */
#ifndef PASTED_CORE_PASTE_H
#define PASTED_CORE_PASTE_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"
#include "ids.h"
#include "text.h"

#define PASTE_TITLE_MAX 200     /* bytes of UTF-8 */
#define PASTE_LANG_MAX  32
#define PASTE_HASH_HEX  SHA256_HEX
#define PASTE_ETAG_HEX  32      /* 128 bits */
#define PASTE_VIEWS_MAX 1000    /* the largest view limit (views_left) */

typedef struct paste {
    uint64_t num;               /* the Redis counter value */
    char     id[IDS_MAX_LEN + 1];  /* public id (base62; core/ids.h) */
    char    *title;             /* NUL-terminated, validated UTF-8, may be "" */
    char    *lang;              /* NUL-terminated, [a-z0-9+#-], may be "" */
    uint8_t *body;              /* exact bytes */
    size_t   size;
    int64_t  created_ms;        /* Unix ms */
    int64_t  expires_ms;        /* Unix ms; 0 = never */
    int      burn;              /* burn after reading */
    int      unlisted;
    int      link;              /* a short link: body is the target URL (core/link.h) */
    int      encrypted;         /* body is a PrivateBin v2 document the server cannot read */
    int      views_max;         /* readable this many times, then gone; 0 = no limit */
    char     parent[IDS_MAX_LEN + 1]; /* made from this public paste ("New paste from this"), or "" */
    int64_t  views;             /* total views known when this record was read */
    char     hash[PASTE_HASH_HEX + 1];  /* SHA-256 of the body: never shown */
    char     etag[PASTE_ETAG_HEX + 1];  /* what is shown of it: keyed (paste_set_etag) */
    char     token_hash[PASTE_HASH_HEX + 1]; /* SHA-256 of the delete token; store only */
    int      refs;              /* holders: requests in flight, a worker's hot cache */
    int      text;              /* body is valid UTF-8: 1, 0, or -1 not yet known */
    void    *derived;           /* something made from the paste (a rendered page), */
    void   (*derived_free)(void *); /* freed with it */
    size_t   derived_bytes;     /* memory `derived` holds (the hot cache counts it) */
    struct evbuffer_file_segment *segment; /* the body in a memfd, sent with sendfile (raw.c) */
} paste;

/* One line of a list of pastes (the home page box, /recent): what the
 * recent list in Redis keeps of a public paste. */
typedef struct paste_summary {
    char        id[IDS_MAX_LEN + 1];
    const char *title;       /* may be "" or NULL */
    const char *lang;        /* may be "" or NULL */
    size_t      size;
    int64_t     created_ms;
    int64_t     expires_ms;  /* 0 = never */
} paste_summary;

/* A paste is reference counted. Counts are plain ints: a paste is only ever
 * shared within one worker's loop (its hot cache and its requests). */
paste *paste_new(void);             /* refs = 1 */
paste *paste_ref(paste *p);         /* one more holder; returns p */
void   paste_free(paste *p);        /* one holder less; freed with the last */

/* Fill p->hash with the SHA-256 of the body. */
void paste_hash_body(paste *p);
/* Fill p->etag: 128 bits of HMAC(key, p->hash). An unkeyed hash of the
 * body would let anyone test guesses of a short secret against the tag of
 * a paste they cannot read (a burn paste's HEAD). */
void paste_set_etag(paste *p, const uint8_t key[SHA256_BYTES]);
/* A new random delete token (base62) and its hash. 0 ok. */
int  paste_new_token(char token[33], char hash[PASTE_HASH_HEX + 1]);
/* Read a limited number of times (burn after reading is once): such a
 * paste's reads are claimed one by one (store_claim_view), its link alone
 * protects it (a secret id), and nothing of it shows before a read. */
static inline int paste_is_limited(const paste *p) { return p->burn || p->views_max > 0; }
/* How many reads it may have in all (0: no limit). */
static inline int paste_read_limit(const paste *p) { return p->burn ? 1 : p->views_max; }
/* Seconds the paste still lives (INT64_MAX when it never expires; <= 0 expired). */
int64_t paste_seconds_left(const paste *p, int64_t now_ms);

/* Cache encoding: a small versioned binary record. decode copies. */
uint8_t *paste_encode(const paste *p, size_t *len);
paste   *paste_decode(const uint8_t *buf, size_t len);

/* Validation of user-supplied metadata: 0 fine, -1 with f (FAULT_INVALID, field) set. */
int paste_check_title(const char *s, size_t len, fault *f);
int paste_check_lang(const char *s, size_t len, fault *f);

/* utf8_valid of the body, worked out once per paste (hot pastes are read often). */
int paste_is_text(paste *p);

#endif
