/* budget.h - what each use case costs a client; 429 when spent. See budget.c. */
#ifndef PASTED_APP_BUDGET_H
#define PASTED_APP_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "store/store.h"

/* Charge who these kinds and costs (at most LIMIT_CHARGES_MAX), all or
 * none; only those that apply (none on the allowlist, none for a limit
 * that is off, none for who NULL: then cb says allowed at once). */
void app_charge(app_loop *l, const app_client *who, const limit_kind *kinds, const uint64_t *costs, size_t n,
                store_limit_cb cb, void *arg);
/* The 429 fault for budget k, empty for wait_ms more (counted in /metrics).
 * Returns -1. */
int app_refusal(app *a, limit_kind k, int64_t wait_ms, fault *f);

/* Is who in its loop's penalty box (out of lookups)? Counts nothing. */
int  app_lookups_boxed(app_loop *l, const app_client *who);
/* A read that missed the hot cache: 0, or -1 with a 429 when who is in the
 * penalty box (out of lookups), counted as a refusal. */
int  app_lookups_refused(app_loop *l, const app_client *who, fault *f);
/* A read of an id that does not exist: one lookup spent (in the
 * background; a client found out of them goes in the box). */
void app_charge_lookup(app_loop *l, const app_client *who);

/* The penalty box itself (one per loop; unit-tested). */
penalty_box *penalty_box_new(void);
void    penalty_box_free(penalty_box *b);
int64_t penalty_box_until(penalty_box *b, const netaddr *a, int64_t now);  /* 0: not in it */
void    penalty_box_put(penalty_box *b, const netaddr *a, int64_t until_ms, int64_t now);

#endif
