/* stats.h - a paste's (or a short link's) reads by day: what the store
 * keeps of them (MongoDB's views and days.<YYYY-MM-DD>, store/mongo.c),
 * handed to the pages and the API that draw and list them. Plain data. */
#ifndef PASTED_CORE_STATS_H
#define PASTED_CORE_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_MAX_DAYS 400      /* days of a paste's history shown, the latest */

typedef struct day_count {
    char    day[11];            /* "YYYY-MM-DD" (UTC) */
    int64_t n;
} day_count;

typedef struct paste_stats {
    int64_t   views;            /* in all, as MongoDB has them (flushed every view_flush_ms) */
    int64_t   last_view_ms;     /* 0: never */
    size_t    ndays;
    day_count days[STATS_MAX_DAYS];  /* oldest first; days without reads are absent */
} paste_stats;

#endif
