/* looplag.h - how late each worker's event loop runs. See looplag.c. */
#ifndef PASTED_SERVER_LOOPLAG_H
#define PASTED_SERVER_LOOPLAG_H

#include <stdint.h>

struct evbuffer;
struct event_base;
struct looplag;

/* A timer on base that measures how late the loop runs. */
struct looplag *looplag_new(struct event_base *base);
void            looplag_free(struct looplag *l);
/* One sample, in microseconds, and its cause when it is a stall: waited_us
 * of the lag went to waiting for a CPU, -1 when unknown (exposed for the
 * unit tests). */
void looplag_record(int64_t lag_us);
void looplag_record_stall(int64_t lag_us, int64_t waited_us);
/* The histogram and the worst lag, as Prometheus text. */
void looplag_write_metrics(struct evbuffer *b);

#endif
