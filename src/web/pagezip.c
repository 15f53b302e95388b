/* pagezip.c - a page gzipped once around a part that changes.
 *
 * A hot paste's page is rendered once and kept in two parts around its view
 * count (page.c); compressing the whole page for every view would cost more
 * than rendering did. DEFLATE lets the parts be compressed apart and joined:
 * the head is compressed ending with a full flush (its last block ends on a
 * byte boundary, and nothing after it refers back into it), the count is
 * compressed the same way per request (a few dozen bytes), and the tail
 * ends the stream with its final block. The gzip wrapper around them needs
 * the CRC-32 of the whole, which zlib's crc32_combine makes from the three
 * parts' CRCs without reading them again. So a view costs one tiny deflate,
 * and the answer is one ordinary gzip stream any client inflates. */
#include "pagezip.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Raw DEFLATE of s, ending with flush (Z_FULL_FLUSH: more follows; Z_FINISH:
 * the end). 0 ok with *out malloc'd, -1. */
static int deflate_part(const char *s, size_t n, int flush, uint8_t **out, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)n) + 16;
    uint8_t *buf = malloc(cap);
    int rc = -1;
    if (buf) {
        z.next_in = (Bytef *)s;
        z.avail_in = (uInt)n;
        z.next_out = buf;
        z.avail_out = (uInt)cap;
        int r = deflate(&z, flush);
        if ((flush == Z_FINISH && r == Z_STREAM_END) || (flush != Z_FINISH && r == Z_OK && z.avail_in == 0)) {
            *out = buf;
            *out_len = cap - z.avail_out;
            rc = 0;
        } else {
            free(buf);
        }
    }
    deflateEnd(&z);
    return rc;
}

int pagezip_make(const char *head, size_t head_len, const char *tail, size_t tail_len, pagezip *out)
{
    memset(out, 0, sizeof *out);
    if (deflate_part(head, head_len, Z_FULL_FLUSH, &out->head, &out->head_len) != 0
        || deflate_part(tail, tail_len, Z_FINISH, &out->tail, &out->tail_len) != 0) {
        pagezip_free(out);
        return -1;
    }
    out->head_crc = crc32(0, (const Bytef *)head, (uInt)head_len);
    out->tail_crc = crc32(0, (const Bytef *)tail, (uInt)tail_len);
    out->head_raw = head_len;
    out->tail_raw = tail_len;
    return 0;
}

static void put_le32(struct evbuffer *b, unsigned long v)
{
    uint8_t le[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    evbuffer_add(b, le, 4);
}

struct evbuffer *pagezip_join(const pagezip *z, const char *mid, size_t mid_len)
{
    static const uint8_t gzip_header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };
    uint8_t *m = NULL;
    size_t m_len = 0;
    struct evbuffer *b = evbuffer_new();
    if (!b || deflate_part(mid, mid_len, Z_FULL_FLUSH, &m, &m_len) != 0) {
        if (b)
            evbuffer_free(b);
        return NULL;
    }
    unsigned long crc = crc32_combine(z->head_crc, crc32(0, (const Bytef *)mid, (uInt)mid_len), (z_off_t)mid_len);
    crc = crc32_combine(crc, z->tail_crc, (z_off_t)z->tail_raw);
    evbuffer_add(b, gzip_header, sizeof gzip_header);
    evbuffer_add(b, z->head, z->head_len);
    evbuffer_add(b, m, m_len);
    evbuffer_add(b, z->tail, z->tail_len);
    put_le32(b, crc);
    put_le32(b, (unsigned long)(z->head_raw + mid_len + z->tail_raw));
    free(m);
    return b;
}

void pagezip_free(pagezip *z)
{
    free(z->head);
    free(z->tail);
    memset(z, 0, sizeof *z);
}
