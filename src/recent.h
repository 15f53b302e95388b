/* recent.h - the list of recent public pastes, kept in Redis. See recent.c. */
#ifndef PASTED_RECENT_H
#define PASTED_RECENT_H

#include <stddef.h>

#include "html.h" /* paste_summary */
#include "paste.h"
#include "server.h"

/* items is valid only during the call; n may be 0 (also when Redis is down). */
typedef void (*recent_cb)(void *arg, const paste_summary *items, size_t n);

void recent_add(worker *w, const paste *p);
void recent_remove(worker *w, const char *id);
void recent_fetch(worker *w, size_t max, recent_cb cb, void *arg);

#endif
