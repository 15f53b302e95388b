/* chart.h - counts per day drawn as inline SVG, and as a table. See chart.c. */
#ifndef PASTED_WEB_CHART_H
#define PASTED_WEB_CHART_H

#include <event2/buffer.h>
#include <stdint.h>

#include "core/stats.h"

#define CHART_DAYS 90           /* the most days one chart shows: the latest */
#define CHART_MIN_DAYS 7        /* the fewest: a new paste's chart is its first week */

/* "YYYY-MM-DD" -> days since 1970-01-01, or -1. */
int64_t chart_day_number(const char *day);
/* A bar per day from first_day to last_day (day numbers; the last
 * CHART_DAYS of them at most), days (sorted, sparse) giving the counts.
 * id names the chart's title and description elements; what ("Views",
 * "Clicks") its numbers. */
void chart_days(struct evbuffer *b, const char *id, const char *what, const day_count *days, size_t n,
                int64_t first_day, int64_t last_day);
/* The same numbers as a table, newest first, in a <details>. */
void chart_table(struct evbuffer *b, const char *what, const day_count *days, size_t n);

#endif
