/* read.h - reading a paste: the hot cache, Redis, MongoDB; expiry and burn. See read.c. */
#ifndef PASTED_APP_READ_H
#define PASTED_APP_READ_H

#include <stdint.h>

#include "app.h"

/* What the reader does with the paste (bits). */
enum {
    READ_COUNT      = 1,  /* count one view */
    READ_TOTAL      = 2,  /* answer with the view total (else views is -1) */
    READ_CONSUME    = 4,  /* the content is read: a burn paste is burnt */
    READ_NO_BURN    = 8,  /* a burn paste is "no such paste" (copying it would read it) */
    READ_SPARE_BURN = 16, /* a burn paste is answered untouched, nothing counted
                           * (its creator's landing page shows the link, not the text) */
};

/* p: a reference (paste_free it), never modified; views: the live total
 * (READ_TOTAL) or -1. Without p, f says why: FAULT_NOT_FOUND, FAULT_GONE
 * (expired just now), FAULT_LIMITED, FAULT_UNAVAILABLE, FAULT_NO_MEMORY. */
typedef void (*read_cb)(void *arg, paste *p, int64_t views, const fault *f);

/* id must be well-formed (the web layer's route rule checked its shape);
 * one that does not decode is "no such paste". who (NULL: no one to charge)
 * is charged a lookup when the paste does not exist, and a client out of
 * them gets FAULT_LIMITED (429) for reads the hot cache cannot answer. */
void app_read(app_loop *l, const char *id, unsigned how, const app_client *who, read_cb cb, void *arg);

#endif
