/* limiter.c - clients' budgets, in Redis, so every instance spends from the
 * same ones.
 *
 * A charge names a budget (core/limit.h), a client (its address or /64,
 * core/netaddr.c) and a cost. store_limit_charge sends all the charges of
 * one request as one script, which Redis runs atomically: either every
 * budget has enough and all are spent, or none is and the answer names the
 * one that refused and when it will have enough again. Buckets refill
 * continuously (burst per period); the daily quota counts bytes per UTC
 * day. The clock is Redis' own (TIME), so instances with skewed clocks
 * still agree.
 *
 * Keys: KEY_LIMIT + kind + ":" + client, a hash {t: ms, v: tokens} (a
 * bucket) or a count (the quota, with the day in the key); each expires
 * once it would be full again, so an idle client costs no memory. Redis'
 * eviction (maxmemory-policy volatile-lru, .tools/stack.sh) may drop one
 * early: that client gets a full bucket, never less.
 *
 * If Redis does not answer, the charge is allowed: the limits protect the
 * service, and without Redis there is no service to protect (creates fail
 * on INCR anyway). */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* KEYS: one per charge. ARGV: burst, period_ms, cost per charge (period 0:
 * a daily count). Returns {0, 0} when all were spent, else {i, wait_ms}:
 * charge i (from 1) has not enough, and will in wait_ms. */
static const char charge_script[] =
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
    "local level, worst, wait = {}, 0, 0 "
    "for i = 1, #KEYS do "
    "  local burst, per, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i]) "
    "  if cost > burst then cost = burst end "
    "  local w = 0 "
    "  if per == 0 then "
    "    local used = tonumber(redis.call('GET', KEYS[i]) or '0') "
    "    level[i] = used "
    "    if used + cost > burst then w = 86400000 - now % 86400000 end "
    "  else "
    "    local s = redis.call('HMGET', KEYS[i], 't', 'v') "
    "    local v = burst "
    "    if s[1] then v = math.min(burst, tonumber(s[2]) + (now - tonumber(s[1])) * burst / per) end "
    "    level[i] = v "
    "    if v < cost then w = math.ceil((cost - v) * per / burst) end "
    "  end "
    "  if w > wait then wait, worst = w, i end "
    "end "
    "if worst > 0 then return {worst, wait} end "
    "for i = 1, #KEYS do "
    "  local burst, per, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i]) "
    "  if cost > burst then cost = burst end "
    "  if per == 0 then "
    "    redis.call('INCRBY', KEYS[i], cost) "
    "    redis.call('PEXPIRE', KEYS[i], 86400000 - now % 86400000 + 60000) "
    "  else "
    "    local v = level[i] - cost "
    "    redis.call('HSET', KEYS[i], 't', now, 'v', tostring(v)) "
    "    redis.call('PEXPIRE', KEYS[i], math.ceil((burst - v) * per / burst) + 1000) "
    "  end "
    "end "
    "return {0, 0}";

#define ARG_MAX (3 + 4 * LIMIT_CHARGES_MAX)

typedef struct charge_job {
    store_limit_cb cb;
    void          *arg;
    limit_kind     kinds[LIMIT_CHARGES_MAX];
} charge_job;

static void on_charged(redisAsyncContext *ac, void *reply_obj, void *priv)
{
    (void)ac;
    charge_job *j = priv;
    redisReply *rep = reply_obj;
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2
        && rep->element[0]->type == REDIS_REPLY_INTEGER && rep->element[1]->type == REDIS_REPLY_INTEGER) {
        long long which = rep->element[0]->integer;
        if (which >= 1 && which <= LIMIT_CHARGES_MAX)
            j->cb(j->arg, 0, j->kinds[which - 1], rep->element[1]->integer);
        else
            j->cb(j->arg, 1, LIMIT_KINDS, 0);
    } else {
        if (rep && rep->type == REDIS_REPLY_ERROR)
            log_warn("limits: %s", rep->str);
        j->cb(j->arg, 1, LIMIT_KINDS, 0);    /* no answer: allowed (see above) */
    }
    free(j);
}

/* "pasted:l:creates:203.0.113.7", or with the UTC day for the quota. */
static void key_of(const limit_charge *c, int64_t day, char *out, size_t len)
{
    if (c->kind == LIMIT_QUOTA)
        snprintf(out, len, "%s%s:%lld:%s", KEY_LIMIT, limit_name(c->kind), (long long)day, c->client);
    else
        snprintf(out, len, "%s%s:%s", KEY_LIMIT, limit_name(c->kind), c->client);
}

void store_limit_charge(store_loop *sl, const limit_charge *charges, size_t n, int64_t now_ms,
                        store_limit_cb cb, void *arg)
{
    charge_job *j = calloc(1, sizeof *j);
    if (!j || n == 0 || n > LIMIT_CHARGES_MAX) {
        free(j);
        cb(arg, 1, LIMIT_KINDS, 0);
        return;
    }
    j->cb = cb;
    j->arg = arg;
    const char *argv[ARG_MAX];
    size_t lens[ARG_MAX];
    char keys[LIMIT_CHARGES_MAX][128], nums[LIMIT_CHARGES_MAX][3][24], nkeys[8];
    snprintf(nkeys, sizeof nkeys, "%zu", n);
    argv[0] = "EVAL";
    argv[1] = charge_script;
    argv[2] = nkeys;
    for (size_t i = 0; i < n; i++) {
        const limit_charge *c = &charges[i];
        j->kinds[i] = c->kind;
        key_of(c, now_ms / 86400000, keys[i], sizeof keys[i]);
        argv[3 + i] = keys[i];
        snprintf(nums[i][0], sizeof nums[i][0], "%llu", (unsigned long long)c->rate.burst);
        snprintf(nums[i][1], sizeof nums[i][1], "%lld", c->kind == LIMIT_QUOTA ? 0LL : (long long)c->rate.period_ms);
        snprintf(nums[i][2], sizeof nums[i][2], "%llu", (unsigned long long)c->cost);
        for (int k = 0; k < 3; k++)
            argv[3 + n + 3 * i + (size_t)k] = nums[i][k];
    }
    int argc = (int)(3 + 4 * n);
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    if (rconn_command_argv(sl->redis, on_charged, j, argc, argv, lens) != 0) {
        free(j);
        cb(arg, 1, LIMIT_KINDS, 0);
    }
}
