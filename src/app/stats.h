/* stats.h - a paste's reads by day, for its stats page and the API. See stats.c. */
#ifndef PASTED_APP_STATS_H
#define PASTED_APP_STATS_H

#include "app.h"
#include "core/stats.h"

/* p: the paste (read during the call only); st: its reads by day; views:
 * the live total (Redis, with the views not yet in MongoDB; MongoDB's, when
 * that is more). Without p, f
 * says why: FAULT_NOT_FOUND also for a paste with limited reads, whose
 * stats would tell how many are left. */
typedef void (*paste_stats_cb)(void *arg, const paste *p, const paste_stats *st, int64_t views, const fault *f);
void app_paste_stats(app_loop *l, const char *id, const app_client *who, paste_stats_cb cb, void *arg);

/* The instance's pastes made and views per day for the last ndays (at most
 * 90), oldest first; ok 0 when Redis did not answer (zeros then). */
typedef void (*daily_stats_cb)(void *arg, const int64_t *created, const int64_t *views, size_t ndays, int ok);
void app_daily_stats(app_loop *l, size_t ndays, daily_stats_cb cb, void *arg);

#endif
