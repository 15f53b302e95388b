/* limit.h - what one client may do: the operator's limits, parsed. See limit.c. */
#ifndef PASTED_CORE_LIMIT_H
#define PASTED_CORE_LIMIT_H

#include <stdint.h>

#include "config.h"
#include "fault.h"
#include "netaddr.h"

/* A token bucket: `burst` tokens, refilled at burst per period_ms. */
typedef struct rate {
    uint64_t burst;         /* 0: no limit */
    int64_t  period_ms;
} rate;

/* What each budget is spent on; also the reasons /metrics counts refusals by. */
typedef enum limit_kind {
    LIMIT_CREATES,          /* pastes made */
    LIMIT_CREATE_BYTES,     /* bytes of them */
    LIMIT_QUOTA,            /* bytes of them per UTC day */
    LIMIT_LOOKUPS,          /* reads of ids that do not exist (404s) */
    LIMIT_DELETES,          /* delete attempts, right token or wrong */
    LIMIT_REPORTS,          /* reports of pastes to the operator */
    LIMIT_KINDS
} limit_kind;

typedef struct limits {
    rate     rates[LIMIT_KINDS];  /* LIMIT_QUOTA: burst = bytes a day, period one day */
    netset   trusted_proxies;     /* peers whose X-Forwarded-For / Forwarded we believe */
    netset   allow;               /* clients no limit applies to */
    int64_t  max_expire_s;        /* longest expiry an anonymous paste may have; 0: any */
} limits;

/* From the settings limit_*, quota_bytes_day, trusted_proxies, limit_allow
 * and max_expire. 0, or -1 with f naming the setting. */
int limits_parse(const config *cfg, limits *out, fault *f);
/* "N/PERIOD" (N with an optional K/M/G, PERIOD a duration: "30/10m",
 * "16M/1h"), or "off" / "0": no limit. 0, or -1 when it is neither. */
int limits_parse_rate(const char *s, rate *out);
/* The name of a budget: "creates", "create_bytes", "quota", "lookups", "deletes". */
const char *limit_name(limit_kind k);

#endif
