/* live.h - following one paste live: its viewers now and its view total. See live.c. */
#ifndef PASTED_APP_LIVE_H
#define PASTED_APP_LIVE_H

#include <stdint.h>

#include "app.h"

/* May this paste be followed? ok 1: followed from now on (app_live_unfollow
 * ends it), with views its total at that moment; ok 0: f says why
 * (FAULT_NOT_FOUND also for a paste with limited reads, whose live count
 * would tell how many are left). Nothing is counted or burnt. */
typedef void (*live_follow_cb)(void *arg, int ok, int64_t views, const fault *f);
void app_live_follow(app_loop *l, const char *id, const app_client *who, live_follow_cb cb, void *arg);
void app_live_unfollow(app_loop *l, const char *id);

/* Presence: tab (a random token the page keeps per tab) is viewing id now.
 * A heartbeat every presence_interval keeps it counted; a tab not heard of
 * for 1.5 intervals drops out. cb (may be NULL) gets how many are viewing,
 * -1 when Redis cannot say. tab NULL: only count. */
typedef void (*presence_cb)(void *arg, int64_t viewing);
void app_presence_beat(app_loop *l, const char *id, const char *tab, presence_cb cb, void *arg);
void app_presence_leave(app_loop *l, const char *id, const char *tab);

#endif
