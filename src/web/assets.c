/* assets.c - serve the embedded front-end files from memory.
 *
 * .tools/embed.sh turns every file under assets/ into a byte array at build
 * time (assets_table). At start each gets a content hash; pages link to
 * /static/NAME?v=HASH, so a changed file gets a new URL and every response
 * can be cached for a year (immutable). ETag/If-None-Match cover clients
 * that revalidate anyway. Bodies are sent by reference: no copy, no disk. */
#include "assets.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "http/headers.h"
#include "web.h"

typedef struct asset_meta {
    char etag[24];   /* "\"" + 16 hex + "\"" */
    char url[160];
} asset_meta;

/* one per asset: assets_init() sizes it to the table, whatever its length */
static asset_meta *meta;

int assets_init(void)
{
    meta = calloc(assets_count ? assets_count : 1, sizeof *meta);
    if (!meta)
        return -1;
    for (size_t i = 0; i < assets_count; i++) {
        uint8_t md[SHA256_BYTES];
        sha256(assets_table[i].data, assets_table[i].size, md);
        char hex[17];
        hex_encode(md, 8, hex);
        snprintf(meta[i].etag, sizeof meta[i].etag, "\"%s\"", hex);
        snprintf(meta[i].url, sizeof meta[i].url, "/static/%s?v=%s", assets_table[i].name, hex);
    }
    return 0;
}

static long find_asset(const char *name)
{
    for (size_t i = 0; meta && i < assets_count; i++)
        if (strcmp(assets_table[i].name, name) == 0)
            return (long)i;
    return -1;
}

const asset *asset_find(const char *name, const char **etag)
{
    long i = find_asset(name);
    if (i < 0)
        return NULL;
    if (etag)
        *etag = meta[i].etag;
    return &assets_table[i];
}

const char *asset_url(const char *name)
{
    long i = find_asset(name);
    return i < 0 ? "/static/missing" : meta[i].url;
}

static const char *content_type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot) return "application/octet-stream";
    if (!strcmp(dot, ".css")) return "text/css; charset=utf-8";
    if (!strcmp(dot, ".js")) return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".svg")) return "image/svg+xml";
    if (!strcmp(dot, ".png")) return "image/png";
    if (!strcmp(dot, ".ico")) return "image/x-icon";
    if (!strcmp(dot, ".json")) return "application/json";
    if (!strcmp(dot, ".txt")) return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

void reply_asset(request *r, const asset *a, const char *etag, const char *cache_control,
                 const char *content_type)
{
    set_header(r, "ETag", etag);
    set_header(r, "Cache-Control", cache_control);
    const char *inm = get_header(r, "If-None-Match");
    if (inm && etag_matches(inm, etag)) {
        reply(r, 304, NULL, NULL);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        reply_error(r, 503, "out of memory");
        return;
    }
    evbuffer_add_reference(b, a->data, a->size, NULL, NULL);
    reply(r, 200, content_type, b);
}

void handle_asset(request *r, const char *name)
{
    long i = find_asset(name);
    if (i < 0) {
        reply_error(r, 404, "not found");
        return;
    }
    reply_asset(r, &assets_table[i], meta[i].etag, "public, max-age=31536000, immutable",
                content_type_of(name));
}
