/* looplag.h - how late each worker's event loop runs. See looplag.c. */
#ifndef PASTED_LOOPLAG_H
#define PASTED_LOOPLAG_H

#include <stdint.h>

#include "server.h"

struct evbuffer;

int  looplag_worker_init(worker *w);
void looplag_worker_free(worker *w);
/* One sample, in microseconds, and its cause when it is a stall: waited_us
 * of the lag went to waiting for a CPU, -1 when unknown (exposed for the
 * unit tests). */
void looplag_record(int64_t lag_us);
void looplag_record_stall(int64_t lag_us, int64_t waited_us);
/* The histogram and the worst lag, as Prometheus text. */
void looplag_write_metrics(struct evbuffer *b);

#endif
