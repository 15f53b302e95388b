/* counter.h - keep Redis' paste counter ahead of MongoDB. See counter.c. */
#ifndef PASTED_COUNTER_H
#define PASTED_COUNTER_H

#include <stddef.h>
#include <stdint.h>

/* Raise pasted:counter to the highest stored number if it is behind
 * (Redis lost its data). With next != NULL, also INCR and return the new
 * number. Blocking: start-up and pool threads only. 0 ok, -1 with err. */
int counter_resync(uint64_t *next, char *err, size_t errlen);

/* Background thread: record the counter in MongoDB when it moved, so the
 * numbers of pastes deleted since are never handed out again. */
void counter_checkpoint(void);
void counter_checkpoint_close(void);

#endif
