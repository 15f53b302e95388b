/* cache.h - pastes in Redis: put, drop, tombstone. See cache.c. */
#ifndef PASTED_CACHE_H
#define PASTED_CACHE_H

#include "paste.h"
#include "server.h"

/* Cache p (if small enough) for cache_ttl, never past its expiry. */
void paste_cache_put(worker *w, const paste *p);
/* Forget id everywhere in Redis (deleted, burned or expired) and leave a
 * short tombstone so repeated reads stay off MongoDB. */
void paste_cache_forget(worker *w, const char *id);

#endif
