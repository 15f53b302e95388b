/* create.h - making a paste, shared by every way in (form, raw body, JSON API). See create.c. */
#ifndef PASTED_CREATE_H
#define PASTED_CREATE_H

#include <stddef.h>

#include "http.h"
#include "paste.h"

/* Where an option's value comes from: malloc'd value, or NULL when absent. */
typedef char *(*option_lookup)(void *ctx, const char *name);

typedef struct option_error {
    const char *message;
    const char *field;      /* the offending field, or NULL */
} option_error;

typedef enum create_answer {
    ANSWER_TEXT,            /* 201, Location, "URL\n" (curl) */
    ANSWER_REDIRECT,        /* 303 to the paste page (browser form) */
    ANSWER_JSON,            /* 201, JSON {id, url, raw_url, delete_token, expires, ...} */
} create_answer;

/* Validate content and the options title, lang, expire, burn, unlisted (all
 * via lookup) into a new paste. NULL on bad input, with e and *status
 * (400/413/503) set. Nothing is written anywhere. */
paste *create_build(request *r, const char *content, size_t len, option_lookup lookup, void *ctx,
                    option_error *e, int *status);

/* Number, store, cache and announce p (taking ownership), then answer r. */
void create_submit(request *r, paste *p, create_answer how);

#endif
