/* hotcache.h - each worker's in-memory cache of hot pastes. See hotcache.c. */
#ifndef PASTED_CORE_HOTCACHE_H
#define PASTED_CORE_HOTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "paste.h"

typedef struct hotcache hotcache;

hotcache *hotcache_new(size_t max_bytes, int ttl_ms);
void      hotcache_free(hotcache *c);
/* A new reference to the cached paste (paste_free it), or NULL. */
paste    *hotcache_get(hotcache *c, const char *id, int64_t now_ms);
/* Cache p (takes its own reference); burn pastes and oversize ones are skipped. */
void      hotcache_put(hotcache *c, paste *p, int64_t now_ms);
void      hotcache_drop(hotcache *c, const char *id);
/* Forget everything (the pasted:gone subscription was re-established: ids
 * published meanwhile were missed). */
void      hotcache_clear(hotcache *c);
size_t    hotcache_bytes(const hotcache *c);

#endif
