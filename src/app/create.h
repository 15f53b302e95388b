/* create.h - making a paste, shared by every way in (form, raw body, JSON API). See create.c. */
#ifndef PASTED_APP_CREATE_H
#define PASTED_APP_CREATE_H

#include <stddef.h>

#include "app.h"

/* Where an option's value comes from: malloc'd value, or NULL when absent. */
typedef char *(*option_lookup)(void *ctx, const char *name);

/* Validate content and the options title, lang, expire, burn, unlisted (all
 * via lookup; default_title, which may be NULL, when no title is given) into
 * a new paste. NULL with f set on bad input (FAULT_INVALID or
 * FAULT_TOO_LARGE, naming the field) or FAULT_NO_MEMORY. Nothing is written
 * anywhere. */
paste *create_build(const app *a, const char *content, size_t len, option_lookup lookup, void *ctx,
                    const char *default_title, fault *f);

/* p: the stored paste (read it during the call only); token: its delete
 * token, given out this once. Without them, f says why (nothing was saved). */
typedef void (*create_cb)(void *arg, const paste *p, const char *token, const fault *f);

/* Number, store, cache and announce p (taking it over), then call cb.
 * base ("https://host") makes the link the live feed shows. */
/* who (NULL: no one to charge) pays one create and the paste's bytes
 * first: FAULT_LIMITED (429) when a budget is spent. */
void app_create(app_loop *l, paste *p, const char *base, const app_client *who, create_cb cb, void *arg);

#endif
