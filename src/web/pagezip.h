/* pagezip.h - a page gzipped once around a part that changes. See pagezip.c. */
#ifndef PASTED_WEB_PAGEZIP_H
#define PASTED_WEB_PAGEZIP_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

typedef struct pagezip {
    uint8_t      *head, *tail;       /* raw DEFLATE of each part */
    size_t        head_len, tail_len;
    unsigned long head_crc, tail_crc;/* CRC-32 of each part's bytes */
    size_t        head_raw, tail_raw;/* their sizes before compression */
} pagezip;

/* Compress head and tail (the page around its changing part). 0 ok, -1 out
 * of memory (out is then empty). */
int  pagezip_make(const char *head, size_t head_len, const char *tail, size_t tail_len, pagezip *out);
/* head + mid + tail as one gzip stream, mid compressed now: a new buffer,
 * or NULL (out of memory). */
struct evbuffer *pagezip_join(const pagezip *z, const char *mid, size_t mid_len);
void pagezip_free(pagezip *z);

#endif
