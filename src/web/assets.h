/* assets.h - files under assets/, compiled into the binary. See assets.c. */
#ifndef PASTED_WEB_ASSETS_H
#define PASTED_WEB_ASSETS_H

#include <stddef.h>

struct request;

typedef struct asset {
    const char *name;           /* path below assets/, e.g. "style.css" */
    const unsigned char *data;
    size_t size;
} asset;

/* Generated at build time by .tools/embed.sh. */
extern const asset assets_table[];
extern const size_t assets_count;

int  assets_init(void);                 /* hash every asset once, at start; -1 out of memory */
const char *asset_url(const char *name); /* "/static/NAME?v=HASH" */
/* The embedded file NAME and its quoted ETag (if etag), or NULL. */
const asset *asset_find(const char *name, const char **etag);
/* a's bytes (by reference, no copy) with its ETag; 304 when If-None-Match names it. */
void reply_asset(struct request *r, const asset *a, const char *etag, const char *cache_control,
                 const char *content_type);

#endif
