/* raw.c - GET and HEAD on /raw/<id>: a paste's exact bytes, served the way a
 * good static file server would.
 *
 * The application reads the paste (app/read.c: caches, store, expiry,
 * burn-after-reading; a GET counts a view, batched) and hands it here, to
 * raw_serve(), which owns it from then on. Here, in this order:
 *   1. Headers every raw reply carries: Cache-Control (by paste kind),
 *      Accept-Ranges: bytes, Vary: Accept-Encoding.
 *   2. Pick the representation: gzip when the client accepts it, the body is
 *      text of at least RAW_GZIP_MIN bytes and no Range was asked; else the
 *      bytes as stored. Each has its own strong ETag (a keyed hash of the
 *      body, core/paste.h; "-gz" appended for gzip; gzip output is
 *      deterministic).
 *   3. If-None-Match naming that ETag -> 304, no body.
 *   4. Range (one byte range: "a-b", "a-", "-n"; honoured unless If-Range
 *      names another ETag) -> 206 with Content-Range; a range that is
 *      malformed or starts past the end -> 416, whose Content-Range names
 *      only the size ("bytes", a star, a slash, the size).
 *      Several ranges, or another unit, are ignored: the whole body (200).
 *   5. Otherwise 200 with the whole body.
 * Bodies go to libevent by reference (no copy); the paste, or the gzip
 * buffer, is freed when libevent has sent it. A large hot paste is sent
 * with sendfile() from a memfd made once (sendfile_segment()). Each worker keeps its last few
 * small gzipped bodies (by SHA-256), so a hot paste is compressed once.
 * Every header value read here is untrusted: parsers are bounded, saturate
 * instead of overflowing, and fall back to the plain whole-body answer when
 * in doubt. */
#include "web.h"

#include <errno.h>
#include <event2/buffer.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "app/read.h"
#include "core/clock.h"
#include "http/headers.h"
#include "paste_ref.h"

/* Bodies at least this long, and valid UTF-8, are gzipped for clients that ask. */
#define RAW_GZIP_MIN 1024
/* Longest Cache-Control max-age of a raw reply, in seconds. */
#define RAW_MAX_AGE 3600

#define ETAG_LEN 48

/* --- Cache-Control ------------------------------------------------------ */

/* Browsers and proxies may keep a paste's bytes: they never change. But not
 * past its expiry, and never a burn-after-reading paste. */
static void set_cache_control(request *r, const paste *p)
{
    if (paste_is_limited(p)) {
        set_header(r, "Cache-Control", "no-store");
        return;
    }
    int64_t left = paste_seconds_left(p, now_ms());
    if (left < 0)
        left = 0;
    char value[64];
    snprintf(value, sizeof value, "public, max-age=%lld",
             (long long)(left < RAW_MAX_AGE ? left : RAW_MAX_AGE));
    set_header(r, "Cache-Control", value);
}

/* --- ETags ------------------------------------------------------------- */

static void make_etag(const paste *p, int gzip, char out[ETAG_LEN])
{
    snprintf(out, ETAG_LEN, "\"%s%s\"", p->etag, gzip ? "-gz" : "");
}

/* --- bodies --------------------------------------------------------------- */

/* A large paste that stays in the worker's hot cache (it holds a reference
 * besides this request's) is copied once into a memfd and sent from there
 * with sendfile(): the kernel takes the pages as they are instead of copying
 * the body out of our heap on every request. Smaller bodies go in the same
 * writev as the headers, which is cheaper than a second system call. */
#define SENDFILE_MIN (64 * 1024)

static int write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static struct evbuffer_file_segment *sendfile_segment(paste *p)
{
    if (p->segment || p->size < SENDFILE_MIN || p->refs < 2)
        return p->segment;
    int fd = memfd_create("pasted-body", MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (write_all(fd, p->body, p->size) != 0) {
        close(fd);
        return NULL;
    }
    /* one worker's loop uses it: no lock; never mmap it, it is in memory already */
    p->segment = evbuffer_file_segment_new(fd, 0, (ev_off_t)p->size,
        EVBUF_FS_CLOSE_ON_FREE | EVBUF_FS_DISABLE_MMAP | EVBUF_FS_DISABLE_LOCKING);
    if (!p->segment)
        close(fd);
    return p->segment;
}

static void free_paste_cb(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    paste_free(arg);
}

/* --- gzip, with a small cache per worker ---------------------------------- */

/* One paste body, gzipped. Shared by this worker's cache and the replies
 * still sending it; freed with the last reference. Only the worker thread
 * that made it touches it (libevent runs the send callbacks in its loop),
 * so the count needs no atomics. */
typedef struct gz_blob {
    int     refs;
    size_t  len;
    char    hash[PASTE_HASH_HEX + 1];
    uint8_t data[];
} gz_blob;

/* Per worker thread: the last few gzipped bodies, kept only if small. */
#define GZ_SLOTS 4
#define GZ_KEEP_MAX (256 * 1024)
typedef struct gz_cache {
    gz_blob *slot[GZ_SLOTS];
    unsigned next;
} gz_cache;

static pthread_key_t gz_key;
static pthread_once_t gz_once = PTHREAD_ONCE_INIT;
static int gz_key_ok;

static void gz_unref(gz_blob *b)
{
    if (b && --b->refs == 0)
        free(b);
}

static void gz_cache_free(void *arg)
{
    gz_cache *c = arg;
    for (int i = 0; i < GZ_SLOTS; i++)
        gz_unref(c->slot[i]);
    free(c);
}

static void gz_key_init(void)
{
    gz_key_ok = pthread_key_create(&gz_key, gz_cache_free) == 0;
}

/* This thread's cache, or NULL (then nothing is kept). */
static gz_cache *gz_local(void)
{
    pthread_once(&gz_once, gz_key_init);
    if (!gz_key_ok)
        return NULL;
    gz_cache *c = pthread_getspecific(gz_key);
    if (!c && (c = calloc(1, sizeof *c)) != NULL && pthread_setspecific(gz_key, c) != 0) {
        free(c);
        c = NULL;
    }
    return c;
}

static void gz_sent_cb(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    gz_unref(arg);
}

/* gzip of p's body (level 6; same input, same output): a new reference,
 * from this worker's cache or made now. NULL when out of memory. */
static gz_blob *gz_get(const paste *p)
{
    /* the body's hash is the key: only a whole one will do */
    gz_cache *c = strlen(p->hash) == PASTE_HASH_HEX ? gz_local() : NULL;
    for (int i = 0; c && i < GZ_SLOTS; i++)
        if (c->slot[i] && strcmp(c->slot[i]->hash, p->hash) == 0) {
            c->slot[i]->refs++;
            return c->slot[i];
        }
    if (p->size > UINT_MAX / 2)
        return NULL;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong bound = deflateBound(&z, (uLong)p->size);
    gz_blob *b = malloc(sizeof *b + bound);
    if (!b) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = p->body;
    z.avail_in = (uInt)p->size;
    z.next_out = b->data;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    b->len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(b);
        return NULL;
    }
    b->refs = 1;
    memcpy(b->hash, p->hash, sizeof b->hash);
    if (c && b->len <= GZ_KEEP_MAX) {
        gz_unref(c->slot[c->next]);
        c->slot[c->next] = b;
        b->refs++;
        c->next = (c->next + 1) % GZ_SLOTS;
    }
    return b;
}

/* A title that is already a plain file name is kept; anything else becomes id.txt. */
static void set_download_name(request *r, const paste *p, int text)
{
    char name[160];
    size_t n = strlen(p->title);
    int plain = n > 0 && n < 100 && p->title[0] != '.';
    for (size_t i = 0; plain && i < n; i++) {
        char c = p->title[i];
        plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
             || c == '.' || c == '-' || c == '_';
    }
    if (plain)
        snprintf(name, sizeof name, "attachment; filename=\"%s\"", p->title);
    else
        snprintf(name, sizeof name, "attachment; filename=\"%s.%s\"", p->id, text ? "txt" : "bin");
    set_header(r, "Content-Disposition", name);
}

/* --- the reply ------------------------------------------------------------ */

static void raw_serve(request *r, paste *p)
{
    set_cache_control(r, p);
    set_header(r, "Accept-Ranges", "bytes");
    set_header(r, "Vary", "Accept-Encoding");

    int text = paste_is_text(p);
    const char *range = get_header(r, "Range");
    const char *ae = get_header(r, "Accept-Encoding");
    /* ciphertext does not compress, and its size is all a length could leak */
    int gzip = !range && text && !p->encrypted && p->size >= RAW_GZIP_MIN && ae && accepts_gzip(ae);

    char etag[ETAG_LEN];
    make_etag(p, gzip, etag);
    set_header(r, "ETag", etag);
    const char *inm = get_header(r, "If-None-Match");
    if (inm && etag_matches(inm, etag)) {
        paste_free(p);
        reply(r, 304, NULL, NULL);
        return;
    }

    size_t start = 0, len = p->size;
    range_result rr = RANGE_NONE;
    if (range) {
        const char *if_range = get_header(r, "If-Range");
        if (!if_range || if_range_holds(if_range, etag))
            rr = range_parse(range, p->size, &start, &len);
    }
    char value[96];
    if (rr == RANGE_BAD) {
        snprintf(value, sizeof value, "bytes */%zu", p->size);
        set_header(r, "Content-Range", value);
        paste_free(p);
        reply_error(r, 416, "range not satisfiable");
        return;
    }

    const char *type = text ? "text/plain; charset=utf-8" : "application/octet-stream";
    if (p->encrypted) {         /* the PrivateBin document, clearly marked (web/privatebin.c) */
        type = "application/json";
        set_header(r, "X-Encrypted", "privatebin-v2");
    }
    char *download = query_param(r, "download");
    if (download && strcmp(download, "1") == 0)
        set_download_name(r, p, text);
    free(download);

    struct evbuffer *b = evbuffer_new();
    if (!b) {
        paste_free(p);
        reply_error(r, 503, "out of memory");
        return;
    }
    if (rr == RANGE_OK) {
        snprintf(value, sizeof value, "bytes %zu-%zu/%zu", start, start + len - 1, p->size);
        set_header(r, "Content-Range", value);
        evbuffer_add_reference(b, p->body + start, len, free_paste_cb, p);
        reply(r, 206, type, b);
        return;
    }
    gz_blob *z = gzip ? gz_get(p) : NULL;
    if (z) {
        set_header(r, "Content-Encoding", "gzip");
        evbuffer_add_reference(b, z->data, z->len, gz_sent_cb, z);
        paste_free(p);
        reply(r, 200, type, b);
        return;
    }
    if (gzip) {
        /* could not compress (out of memory): the plain bytes, under their own tag */
        make_etag(p, 0, etag);
        set_header(r, "ETag", etag);
    }
    struct evbuffer_file_segment *seg = sendfile_segment(p);
    /* the flag lets the buffer keep the segment as a sendfile chain */
    if (seg && evbuffer_set_flags(b, EVBUFFER_FLAG_DRAINS_TO_FD) == 0
        && evbuffer_add_file_segment(b, seg, 0, (ev_off_t)p->size) == 0) {
        paste_free(p);
        reply(r, 200, type, b);
        return;
    }
    evbuffer_add_reference(b, p->body, p->size, free_paste_cb, p);
    reply(r, 200, type, b);
}

static void on_read(void *arg, paste *p, int64_t views, const fault *f)
{
    (void)views;
    request *r = arg;
    if (p && paste_is_limited(p) && r->method == M_HEAD) {
        paste_free(p);
        reply_burn_unread(r);
    } else if (p)
        raw_serve(arg, p);
    else
        reply_fault(arg, f);
}

void handle_raw(request *r, const char *rest)
{
    char id[IDS_MAX_LEN + 1];
    const char *ext;
    if (paste_ref_parse(rest, id, &ext) != 0) {
        reply_error(r, 404, "no such paste");
        return;
    }
    app_client who;
    client_of(r, &who);
    app_read(loop_of(r)->app, id, r->method == M_GET ? READ_COUNT | READ_CONSUME : 0, &who, on_read, r);
}
