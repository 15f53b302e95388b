/* limit.c - the operator's limits on what one client may do, parsed once.
 *
 * Each budget is a token bucket kept in Redis (store/limiter.c) under the
 * client's name (core/netaddr.c: an IPv4 address, an IPv6 /64), so every
 * instance on that Redis spends from the same one; app/ decides what each
 * use case costs. The settings are "N/PERIOD": a client may spend N at once,
 * and gets N back over PERIOD. The daily byte quota is a plain count per
 * UTC day. Defaults a small public instance can live with are in
 * config.c; "off" turns a limit off. */
#include "limit.h"

#include <ctype.h>
#include <string.h>

#include "options.h"

static const char *const names[LIMIT_KINDS] = {
    "creates", "create_bytes", "quota", "lookups", "deletes", "reports",
};

const char *limit_name(limit_kind k)
{
    return k < LIMIT_KINDS ? names[k] : "?";
}

static int parse_amount(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && isdigit((unsigned char)s[i]); i++) {
        if (v > UINT64_MAX / 10 - 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (i == 0)
        return -1;
    if (i + 1 == len) {
        int shift = strchr("Kk", s[i]) ? 10 : strchr("Mm", s[i]) ? 20 : strchr("Gg", s[i]) ? 30 : -1;
        if (shift < 0 || v > (UINT64_C(1) << 40))
            return -1;
        v <<= shift;
    } else if (i != len) {
        return -1;
    }
    *out = v;
    return 0;
}

int limits_parse_rate(const char *s, rate *out)
{
    out->burst = 0;
    out->period_ms = 0;
    if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0)
        return 0;
    const char *slash = strchr(s, '/');
    if (!slash)
        return -1;
    uint64_t n = 0;
    int64_t secs = options_duration_seconds(slash + 1, strlen(slash + 1));
    if (parse_amount(s, (size_t)(slash - s), &n) != 0 || n == 0 || secs <= 0)
        return -1;
    out->burst = n;
    out->period_ms = secs * 1000;
    return 0;
}

int limits_parse(const config *cfg, limits *out, fault *f)
{
    memset(out, 0, sizeof *out);
    static const struct { limit_kind kind; const char *name; size_t offset; } specs[] = {
        { LIMIT_CREATES, "limit_creates", offsetof(config, limit_creates) },
        { LIMIT_CREATE_BYTES, "limit_create_bytes", offsetof(config, limit_create_bytes) },
        { LIMIT_LOOKUPS, "limit_lookups", offsetof(config, limit_lookups) },
        { LIMIT_DELETES, "limit_deletes", offsetof(config, limit_deletes) },
        { LIMIT_REPORTS, "limit_reports", offsetof(config, limit_reports) },
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        const char *v = (const char *)cfg + specs[i].offset;
        if (limits_parse_rate(v, &out->rates[specs[i].kind]) != 0)
            return fault_set(f, FAULT_INVALID, specs[i].name,
                             "%s must be N/PERIOD (\"30/10m\", \"16M/1h\") or off, not '%s'", specs[i].name, v);
    }
    /* a paste bigger than the byte burst could never be made: the burst
     * must hold the biggest one */
    const rate *bytes = &out->rates[LIMIT_CREATE_BYTES];
    if (bytes->burst && bytes->burst < cfg->max_paste_size)
        return fault_set(f, FAULT_INVALID, "limit_create_bytes",
                         "limit_create_bytes allows less at once than max_paste_size (%zu bytes)",
                         cfg->max_paste_size);
    if (cfg->quota_bytes_day) {
        if (cfg->quota_bytes_day < cfg->max_paste_size)
            return fault_set(f, FAULT_INVALID, "quota_bytes_day", "quota_bytes_day is less than max_paste_size");
        out->rates[LIMIT_QUOTA].burst = cfg->quota_bytes_day;
        out->rates[LIMIT_QUOTA].period_ms = 86400000;
    }
    fault why;
    if (netset_parse(cfg->trusted_proxies, &out->trusted_proxies, &why) != 0)
        return fault_set(f, FAULT_INVALID, "trusted_proxies", "trusted_proxies: %s", why.message);
    if (netset_parse(cfg->limit_allow, &out->allow, &why) != 0)
        return fault_set(f, FAULT_INVALID, "limit_allow", "limit_allow: %s", why.message);
    if (cfg->max_expire[0] && strcmp(cfg->max_expire, "never") != 0) {
        out->max_expire_s = options_duration_seconds(cfg->max_expire, strlen(cfg->max_expire));
        if (out->max_expire_s <= 0)
            return fault_set(f, FAULT_INVALID, "max_expire",
                             "max_expire must be a duration (\"1w\", \"1mo\") or never, not '%s'", cfg->max_expire);
    }
    return 0;
}
