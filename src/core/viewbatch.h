/* viewbatch.h - views counted in a worker's memory between flushes. See viewbatch.c. */
#ifndef PASTED_CORE_VIEWBATCH_H
#define PASTED_CORE_VIEWBATCH_H

#include <stddef.h>
#include <stdint.h>

#define VIEWBATCH_SLOTS 16384 /* distinct (id, day) pairs between two flushes (640 KiB) */

typedef struct viewbatch viewbatch;
typedef void (*viewbatch_fn)(void *arg, const char *id, const char *day, int64_t n);

viewbatch *viewbatch_new(void);
void       viewbatch_free(viewbatch *b);
/* Add n views; -1 when the table is full (flush, then add again). */
int        viewbatch_add(viewbatch *b, const char *id, const char *day, int64_t n);
/* Remove and return the views held for (id, day). */
int64_t    viewbatch_take(viewbatch *b, const char *id, const char *day);
/* Hand every non-zero count to fn, and empty the table. */
void       viewbatch_drain(viewbatch *b, viewbatch_fn fn, void *arg);
size_t     viewbatch_size(const viewbatch *b);

#endif
