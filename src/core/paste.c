/* paste.c - the paste record, its validation, and its cache encoding.
 *
 * A paste flows in from a create request (web adapters -> app/create.c),
 * gets its number from Redis and its id from ids.c, is written to MongoDB
 * (store/mongo.c) and, if small enough, to the Redis cache in the compact
 * binary form made here (store/cache.c). Reads come back through
 * paste_decode() on a cache hit or store/mongo.c on a miss; either way the
 * layers above see the same struct.
 *
 * Cache record layout (little endian):
 *   "PST2" | u64 num | i64 created | i64 expires | i64 views |
 *   u8 flags (1 burn, 2 unlisted, 4 link, 8 encrypted) | u16 views_max |
 *   u8 parent_len | parent |
 *   u8 id_len | id | u16 title_len | title | u8 lang_len | lang |
 *   hash[64] | u32 size | body
 * "PST1" records (written before view limits) have no views_max. */
#include "paste.h"

#include <event2/buffer.h>

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

paste *paste_new(void)
{
    paste *p = calloc(1, sizeof(paste));
    if (p) {
        p->refs = 1;
        p->text = -1;
    }
    return p;
}

paste *paste_ref(paste *p)
{
    p->refs++;
    return p;
}

void paste_free(paste *p)
{
    if (!p || --p->refs > 0)
        return;
    if (p->derived_free)
        p->derived_free(p->derived);
    if (p->segment)   /* buffers still sending it keep their own reference */
        evbuffer_file_segment_free(p->segment);
    free(p->title);
    free(p->lang);
    free(p->body);
    free(p);
}

void paste_hash_body(paste *p)
{
    sha256_hex(p->body, p->size, p->hash);
}

int paste_new_token(char token[33], char hash[PASTE_HASH_HEX + 1])
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint8_t rnd[32];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return -1;
    /* 32 chars of base62, 248 bits less a hair of modulo bias: unguessable */
    for (int i = 0; i < 32; i++)
        token[i] = alphabet[rnd[i] % 62];
    token[32] = '\0';
    sha256_hex(token, 32, hash);
    return 0;
}

int64_t paste_seconds_left(const paste *p, int64_t now)
{
    if (!p->expires_ms)
        return INT64_MAX;
    return (p->expires_ms - now + 999) / 1000; /* round up: alive until the last ms */
}

/* --- encoding ----------------------------------------------------------- */

typedef struct writer { uint8_t *p; } writer;

static void put_u64(writer *w, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *w->p++ = (uint8_t)(v >> (8 * i));
}
static void put_bytes(writer *w, const void *s, size_t n)
{
    if (n)
        memcpy(w->p, s, n);
    w->p += n;
}

uint8_t *paste_encode(const paste *p, size_t *len)
{
    size_t id_len = strlen(p->id), title_len = strlen(p->title ? p->title : "");
    size_t lang_len = strlen(p->lang ? p->lang : "");
    size_t parent_len = strlen(p->parent);
    size_t total = 4 + 8 * 4 + 1 + 2 + 1 + parent_len + 1 + id_len + 2 + title_len + 1 + lang_len
                 + PASTE_HASH_HEX + 4 + p->size;
    uint8_t *buf = malloc(total);
    if (!buf)
        return NULL;
    writer w = { buf };
    put_bytes(&w, "PST2", 4);
    put_u64(&w, p->num);
    put_u64(&w, (uint64_t)p->created_ms);
    put_u64(&w, (uint64_t)p->expires_ms);
    put_u64(&w, (uint64_t)p->views);
    *w.p++ = (uint8_t)((p->burn ? 1 : 0) | (p->unlisted ? 2 : 0) | (p->link ? 4 : 0) | (p->encrypted ? 8 : 0));
    *w.p++ = (uint8_t)(p->views_max & 0xff);
    *w.p++ = (uint8_t)((p->views_max >> 8) & 0xff);
    *w.p++ = (uint8_t)parent_len;
    put_bytes(&w, p->parent, parent_len);
    *w.p++ = (uint8_t)id_len;
    put_bytes(&w, p->id, id_len);
    *w.p++ = (uint8_t)(title_len & 0xff);
    *w.p++ = (uint8_t)(title_len >> 8);
    put_bytes(&w, p->title, title_len);
    *w.p++ = (uint8_t)lang_len;
    put_bytes(&w, p->lang, lang_len);
    put_bytes(&w, p->hash, PASTE_HASH_HEX);
    for (int i = 0; i < 4; i++)
        *w.p++ = (uint8_t)(p->size >> (8 * i));
    put_bytes(&w, p->body, p->size);
    *len = total;
    return buf;
}

typedef struct reader { const uint8_t *p, *end; int bad; } reader;

static const uint8_t *take(reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    return at;
}
static uint64_t get_uint(reader *r, int bytes)
{
    const uint8_t *b = take(r, (size_t)bytes);
    uint64_t v = 0;
    for (int i = 0; b && i < bytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}
static char *get_string(reader *r, size_t n)
{
    const uint8_t *b = take(r, n);
    char *s = b ? malloc(n + 1) : NULL;
    if (!s) {
        r->bad = 1;
        return NULL;
    }
    memcpy(s, b, n);
    s[n] = '\0';
    return s;
}

paste *paste_decode(const uint8_t *buf, size_t len)
{
    reader r = { buf, buf + len, 0 };
    const uint8_t *magic = take(&r, 4);
    int v1 = magic && memcmp(magic, "PST1", 4) == 0;
    if (!magic || (!v1 && memcmp(magic, "PST2", 4) != 0))
        return NULL;
    paste *p = paste_new();
    if (!p)
        return NULL;
    p->num = get_uint(&r, 8);
    p->created_ms = (int64_t)get_uint(&r, 8);
    p->expires_ms = (int64_t)get_uint(&r, 8);
    p->views = (int64_t)get_uint(&r, 8);
    unsigned flags = (unsigned)get_uint(&r, 1);
    p->burn = flags & 1;
    p->unlisted = (flags >> 1) & 1;
    p->link = (flags >> 2) & 1;
    p->encrypted = (flags >> 3) & 1;
    p->views_max = v1 ? 0 : (int)get_uint(&r, 2);
    size_t parent_len = v1 ? 0 : (size_t)get_uint(&r, 1);
    const uint8_t *parent = parent_len < sizeof p->parent ? take(&r, parent_len) : NULL;
    if (parent)
        memcpy(p->parent, parent, parent_len);
    else
        r.bad = 1;
    size_t id_len = (size_t)get_uint(&r, 1);
    const uint8_t *id = id_len < sizeof p->id ? take(&r, id_len) : NULL;
    if (id)
        memcpy(p->id, id, id_len);
    else
        r.bad = 1;
    p->title = get_string(&r, (size_t)get_uint(&r, 2));
    p->lang = get_string(&r, (size_t)get_uint(&r, 1));
    const uint8_t *hash = take(&r, PASTE_HASH_HEX);
    if (hash)
        memcpy(p->hash, hash, PASTE_HASH_HEX);
    p->size = (size_t)get_uint(&r, 4);
    const uint8_t *body = take(&r, p->size);
    if (body && !r.bad && r.p == r.end) {
        p->body = malloc(p->size ? p->size : 1);
        if (p->body) {
            memcpy(p->body, body, p->size);
            return p;
        }
    }
    paste_free(p);
    return NULL;
}

/* --- validation --------------------------------------------------------- */

int paste_is_text(paste *p)
{
    if (p->text < 0)
        p->text = utf8_valid(p->body, p->size);
    return p->text;
}

int paste_check_title(const char *s, size_t len, fault *f)
{
    if (len > PASTE_TITLE_MAX)
        return fault_set(f, FAULT_INVALID, "title", "title is longer than 200 bytes");
    if (!utf8_valid((const uint8_t *)s, len))
        return fault_set(f, FAULT_INVALID, "title", "title is not valid UTF-8");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return fault_set(f, FAULT_INVALID, "title", "title contains control characters");
    return 0;
}

int paste_check_lang(const char *s, size_t len, fault *f)
{
    if (len > PASTE_LANG_MAX)
        return fault_set(f, FAULT_INVALID, "lang", "lang is longer than 32 characters");
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '#'
              || c == '-' || c == '_' || c == '.'))
            return fault_set(f, FAULT_INVALID, "lang",
                             "lang may use only a-z, 0-9, '+', '#', '-', '_' and '.'");
    }
    return 0;
}


void paste_set_etag(paste *p, const uint8_t key[SHA256_BYTES])
{
    uint8_t mac[SHA256_BYTES];
    hmac_sha256(key, SHA256_BYTES, p->hash, strlen(p->hash), mac);
    hex_encode(mac, PASTE_ETAG_HEX / 2, p->etag);
}
