/* create.h - making a paste, shared by every way in (form, raw body, JSON API). See create.c. */
#ifndef PASTED_APP_CREATE_H
#define PASTED_APP_CREATE_H

#include <stddef.h>

#include "app.h"

/* Where an option's value comes from: malloc'd value, or NULL when absent. */
typedef char *(*option_lookup)(void *ctx, const char *name);

/* What a way in knows beyond the named options: other clients' habits
 * (rustypaste's expire header, 0x0's expires and secret, a oneshot field),
 * already read by the web layer. Zero (or NULL) is "nothing more". */
typedef struct create_hints {
    const char *default_title;  /* when no title is given: PUT /name, a filename header */
    int64_t     expire_in_ms;   /* > 0: lives this long (any length up to max_expire),
                                   unless the expire option names a choice */
    int         burn;           /* burn after reading, whatever the burn option says */
    int         secret;         /* an unguessable id (as unlisted) */
    int         link;           /* content is a URL to shorten (core/link.h) */
    int         encrypted;      /* content is a PrivateBin v2 document (web/privatebin.c) */
    const char *self_base;      /* "http://host": a link to it is refused (no loops) */
} create_hints;

/* Validate content and the options title, lang, expire, burn, unlisted (all
 * via lookup, which may be NULL: none; then the hints, which may be NULL) into a new paste. A link's
 * content is its target, normalised (core/link.c). NULL with f set on bad
 * input (FAULT_INVALID or FAULT_TOO_LARGE, naming the field) or
 * FAULT_NO_MEMORY. Nothing is written anywhere. */
paste *create_build(const app *a, const char *content, size_t len, option_lookup lookup, void *ctx,
                    const create_hints *hints, fault *f);

/* p: the stored paste (read it during the call only); token: its delete
 * token, given out this once. Without them, f says why (nothing was saved). */
typedef void (*create_cb)(void *arg, const paste *p, const char *token, const fault *f);

/* Number, store, cache and announce p (taking it over), then call cb.
 * base ("https://host") makes the link the live feed shows. */
/* who (NULL: no one to charge) pays one create and the paste's bytes
 * first: FAULT_LIMITED (429) when a budget is spent. */
void app_create(app_loop *l, paste *p, const char *base, const app_client *who, create_cb cb, void *arg);

#endif
