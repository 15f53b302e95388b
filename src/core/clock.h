/* clock.h - the two clocks pasted reads. See clock.c. */
#ifndef PASTED_CORE_CLOCK_H
#define PASTED_CORE_CLOCK_H

#include <stdint.h>

uint64_t now_ns(void);   /* monotonic: durations, deadlines */
int64_t  now_ms(void);   /* Unix time in ms: created, expires, days */
/* The UTC day of a Unix time in ms, "YYYY-MM-DD". */
void     utc_day(int64_t ms, char out[11]);

#endif
