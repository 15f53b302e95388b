/* budget.c - what each use case costs a client, and the 429 when it has
 * spent its budget (the operator's limits: core/limit.c; the budgets, in
 * Redis, shared by every instance: store/limiter.c).
 *
 *   create   1 of "creates", its bytes of "create_bytes" and of the daily
 *            "quota", all or nothing, before it is numbered;
 *   delete   1 of "deletes" per attempt, right token or wrong, before the
 *            store is asked;
 *   lookup   a read of an id that does not exist costs 1 of "lookups",
 *            after its 404. A client whose budget is spent is put in its
 *            loop's penalty box until it would have one again: its next
 *            reads that miss the hot cache are answered from Redis' cache
 *            or get a 429, never asking the counter or MongoDB (so a paste
 *            someone shared still opens). Reads of pastes that exist never
 *            cost anything, and a
 *            hot read never even looks at the box (app/read.c), so the
 *            limits cost the fast path nothing.
 * A client on the allowlist (limit_allow) spends nothing. */
#include "budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/store.h"

static const char *const why[LIMIT_KINDS] = {
    [LIMIT_CREATES] = "too many pastes from your address",
    [LIMIT_CREATE_BYTES] = "too many bytes pasted from your address",
    [LIMIT_QUOTA] = "your address has used its paste quota for today",
    [LIMIT_LOOKUPS] = "too many lookups of pastes that do not exist from your address",
    [LIMIT_DELETES] = "too many deletes from your address",
    [LIMIT_REPORTS] = "too many reports from your address",
};

int app_refusal(app *a, limit_kind k, int64_t wait_ms, fault *f)
{
    if (k < LIMIT_KINDS)
        atomic_fetch_add_explicit(&a->stats.refused[k], 1, memory_order_relaxed);
    int secs = (int)((wait_ms + 999) / 1000);
    if (secs < 1)
        secs = 1;
    fault_set(f, FAULT_LIMITED, NULL, "%s; try again in %d s", k < LIMIT_KINDS ? why[k] : "over a limit", secs);
    f->retry_after = secs;
    return -1;
}

static int limited(const app *a, const app_client *who, limit_kind k)
{
    return who && !who->unlimited && a->lim.rates[k].burst > 0;
}

static size_t charges_of(const app *a, const app_client *who, const limit_kind *kinds, const uint64_t *costs,
                         size_t n, char key[NETADDR_KEY_MAX], limit_charge *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!limited(a, who, kinds[i]))
            continue;
        if (k == 0)
            netaddr_key(&who->addr, key);
        out[k].kind = kinds[i];
        out[k].rate = a->lim.rates[kinds[i]];
        out[k].cost = costs[i];
        out[k].client = key;
        k++;
    }
    return k;
}

void app_charge(app_loop *l, const app_client *who, const limit_kind *kinds, const uint64_t *costs, size_t n,
                store_limit_cb cb, void *arg)
{
    char key[NETADDR_KEY_MAX];
    limit_charge charges[LIMIT_CHARGES_MAX];
    size_t k = charges_of(l->app, who, kinds, costs, n < LIMIT_CHARGES_MAX ? n : LIMIT_CHARGES_MAX, key, charges);
    if (k > 0)
        store_limit_charge(l->store, charges, k, now_ms(), cb, arg);
    else
        cb(arg, 1, LIMIT_KINDS, 0);
}

/* --- the penalty box: clients out of lookups, per loop ---------------------- */

#define BOX_SLOTS 64

struct penalty_box {
    size_t used;
    struct {
        netaddr addr;
        int64_t until_ms;
    } slot[BOX_SLOTS];
};

penalty_box *penalty_box_new(void)
{
    return calloc(1, sizeof(penalty_box));
}

void penalty_box_free(penalty_box *b)
{
    free(b);
}

int64_t penalty_box_until(penalty_box *b, const netaddr *a, int64_t now)
{
    for (size_t i = 0; i < b->used; i++)
        if (b->slot[i].until_ms > now && memcmp(&b->slot[i].addr, a, sizeof *a) == 0)
            return b->slot[i].until_ms;
    return 0;
}

void penalty_box_put(penalty_box *b, const netaddr *a, int64_t until_ms, int64_t now)
{
    size_t pick = b->used < BOX_SLOTS ? b->used : 0;
    for (size_t i = 0; i < b->used; i++) {
        if (memcmp(&b->slot[i].addr, a, sizeof *a) == 0) {
            pick = i;   /* the same client: its new term */
            break;
        }
        if (b->slot[i].until_ms < b->slot[pick].until_ms || b->slot[i].until_ms <= now)
            pick = i;   /* else the term that ends first makes room */
    }
    if (pick == b->used)
        b->used++;
    b->slot[pick].addr = *a;
    b->slot[pick].until_ms = until_ms;
}

/* --- lookups ------------------------------------------------------------------ */

/* The end of who's term in the box, or 0 (an empty box costs one compare). */
static int64_t boxed_until(app_loop *l, const app_client *who, int64_t now)
{
    if (!limited(l->app, who, LIMIT_LOOKUPS) || l->box->used == 0)
        return 0;
    return penalty_box_until(l->box, &who->addr, now);
}

int app_lookups_boxed(app_loop *l, const app_client *who)
{
    return boxed_until(l, who, now_ms()) != 0;
}

int app_lookups_refused(app_loop *l, const app_client *who, fault *f)
{
    int64_t now = now_ms();
    int64_t until = boxed_until(l, who, now);
    return until ? app_refusal(l->app, LIMIT_LOOKUPS, until - now, f) : 0;
}

typedef struct lookup_charge {
    app_loop *l;
    netaddr   addr;
} lookup_charge;

static void on_lookup_charged(void *arg, int allowed, limit_kind refused, int64_t wait_ms)
{
    lookup_charge *c = arg;
    (void)refused;
    if (!allowed) {
        int64_t now = now_ms();
        penalty_box_put(c->l->box, &c->addr, now + (wait_ms > 0 ? wait_ms : 1000), now);
    }
    free(c);
}

void app_charge_lookup(app_loop *l, const app_client *who)
{
    static const limit_kind kinds[] = { LIMIT_LOOKUPS };
    static const uint64_t costs[] = { 1 };
    lookup_charge *c = limited(l->app, who, LIMIT_LOOKUPS) ? malloc(sizeof *c) : NULL;
    if (!c)
        return;
    c->l = l;
    c->addr = who->addr;
    app_charge(l, who, kinds, costs, 1, on_lookup_charged, c);
}
