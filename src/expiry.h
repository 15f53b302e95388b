/* expiry.h - the index of which pastes expire when. See expiry.c. */
#ifndef PASTED_EXPIRY_H
#define PASTED_EXPIRY_H

#include <stdint.h>

#include "server.h"

#define KEY_EXPIRING "pasted:expiring"   /* zset: id scored by its expiry (ms) */

/* On a worker, once MongoDB acknowledged the paste: remember when it expires
 * (nothing for pastes that never do). */
void expiry_track(worker *w, const char *id, int64_t expires_ms);
/* On the background thread, every sweep_interval: delete the documents of
 * pastes expired by now_ms. Returns how many, -1 on error (err says why).
 * *more is set when expired ids were left for the next call. */
long expiry_sweep(int64_t now_ms, int *more, char *err, size_t errlen);
void expiry_close(void);

#endif
