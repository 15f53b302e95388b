/* format.c - sizes, durations and dates as text (see format.h). */
#include "format.h"

#include <stdio.h>
#include <time.h>

void format_size(size_t bytes, char out[32])
{
    if (bytes < 1024)
        snprintf(out, 32, "%zu B", bytes);
    else if (bytes < 1024 * 1024)
        snprintf(out, 32, "%.1f KiB", (double)bytes / 1024);
    else
        snprintf(out, 32, "%.1f MiB", (double)bytes / (1024 * 1024));
}

void format_duration(int64_t ms, char out[32])
{
    static const struct { int64_t secs; const char *unit; } units[] = {
        { 365LL * 86400, "year" }, { 30LL * 86400, "month" }, { 7LL * 86400, "week" },
        { 86400, "day" }, { 3600, "hour" }, { 60, "minute" },
    };
    int64_t s = ms < 0 ? 0 : ms / 1000;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (s >= units[i].secs) {
            long long n = (long long)(s / units[i].secs);
            snprintf(out, 32, "%lld %s%s", n, units[i].unit, n == 1 ? "" : "s");
            return;
        }
    }
    snprintf(out, 32, "just now");
}

static void format_utc(int64_t ms, const char *pattern, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, pattern, &tm);
}

void format_rfc3339(int64_t ms, char out[32])
{
    format_utc(ms, "%Y-%m-%dT%H:%M:%SZ", out, 32);
}

void format_human_time(int64_t ms, char out[40])
{
    format_utc(ms, "%Y-%m-%d %H:%M UTC", out, 40);
}
