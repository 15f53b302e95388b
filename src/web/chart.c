/* chart.c - counts per day as a bar chart, drawn on the server as inline
 * SVG: no JavaScript, no image requests, nothing a strict CSP refuses
 * (geometry in attributes, colours from style.css by class).
 *
 * The store keeps only the days that had reads (core/stats.h); the chart
 * shows every day of a span (the last CHART_DAYS at most) with zeros
 * filled in, so a gap looks like a gap. It is an image to a screen reader
 * (role="img", a title and a description with the total and the busiest
 * day); every bar carries its own <title> (a tooltip), and the same
 * numbers follow as a table (chart_table) for whoever cannot see it. */
#include "chart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

#define CHART_W 720
#define CHART_H 220
#define PAD_L   48
#define PAD_R   10
#define PAD_T   14
#define PAD_B   40

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, char out[11])
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    unsigned yy = (unsigned)(y % 10000 + 10000) % 10000;
    snprintf(out, 11, "%04u-%02u-%02u", yy, (unsigned)m % 100, (unsigned)d % 100);
}

int64_t chart_day_number(const char *day)
{
    int y, m, d;
    if (!day || sscanf(day, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    return days_from_civil(y, m, d);
}

/* The smallest of 2, 4, 6, 8, 10 x 10^k at least v: even, so the middle
 * grid line has a whole number too. */
static int64_t nice_ceiling(int64_t v)
{
    for (int64_t step = 1;; step *= 10)
        for (int64_t m = 2; m <= 10; m += 2)
            if (v <= m * step)
                return m * step;
}

void chart_days(struct evbuffer *b, const char *id, const char *what, const day_count *days, size_t n,
                int64_t first_day, int64_t last_day)
{
    if (last_day - first_day < CHART_MIN_DAYS - 1)      /* a new paste: a week, not one wide bar */
        first_day = last_day - CHART_MIN_DAYS + 1;
    if (last_day - first_day + 1 > CHART_DAYS)
        first_day = last_day - CHART_DAYS + 1;
    size_t span = (size_t)(last_day - first_day + 1);
    int64_t values[CHART_DAYS] = { 0 }, total = 0, max = 0;
    size_t busiest = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t d = chart_day_number(days[i].day) - first_day;
        if (d < 0 || d >= (int64_t)span)
            continue;
        values[d] += days[i].n;
    }
    for (size_t i = 0; i < span; i++) {
        total += values[i];
        if (values[i] > max) {
            max = values[i];
            busiest = i;
        }
    }
    int64_t top = nice_ceiling(max > 0 ? max : 1);
    char from[11], to[11], peak[11];
    civil_from_days(first_day, from);
    civil_from_days(last_day, to);
    civil_from_days(first_day + (int64_t)busiest, peak);

    evbuffer_add_printf(b, "<figure class=\"chart\"><svg viewBox=\"0 0 %d %d\" role=\"img\" "
                           "aria-labelledby=\"%s-title %s-desc\" preserveAspectRatio=\"xMidYMid meet\">"
                           "<title id=\"%s-title\">", CHART_W, CHART_H, id, id, id);
    html_escape(b, what, strlen(what));
    evbuffer_add_printf(b, " per day, %s to %s</title><desc id=\"%s-desc\">%lld in all", from, to, id,
                        (long long)total);
    if (max > 0)
        evbuffer_add_printf(b, "; the most, %lld, on %s", (long long)max, peak);
    evbuffer_add_printf(b, ".</desc>");
    int plot_w = CHART_W - PAD_L - PAD_R, plot_h = CHART_H - PAD_T - PAD_B;
    /* grid and y labels: 0, half, top */
    for (int k = 0; k <= 2; k++) {
        int y = PAD_T + plot_h - plot_h * k / 2;
        evbuffer_add_printf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                               "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>",
                            PAD_L, y, CHART_W - PAD_R, y, PAD_L - 6, y + 4, (long long)(top * k / 2));
    }
    double bw = (double)plot_w / (double)span;
    double gap = bw >= 4 ? 1.0 : 0.0;
    for (size_t i = 0; i < span; i++) {
        double h = (double)plot_h * (double)values[i] / (double)top;
        char day[11];
        civil_from_days(first_day + (int64_t)i, day);
        evbuffer_add_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                               "<title>%s: %lld</title></rect>",
                            PAD_L + bw * (double)i + gap / 2, PAD_T + plot_h - h, bw - gap > 0.5 ? bw - gap : 0.5,
                            h, day, (long long)values[i]);
    }
    /* x labels: the first and last day, and the middle one when there is room */
    int base_y = PAD_T + plot_h + 18;
    evbuffer_add_printf(b, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"start\">%s</text>", PAD_L, base_y, from);
    if (span >= 5) {
        char mid[11];
        civil_from_days(first_day + (int64_t)span / 2, mid);
        evbuffer_add_printf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                            PAD_L + bw * (double)(span / 2) + bw / 2, base_y, mid);
    }
    if (span >= 2)
        evbuffer_add_printf(b, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                            CHART_W - PAD_R, base_y, to);
    evbuffer_add_printf(b, "<text class=\"axis label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">day (UTC)</text>",
                        PAD_L + plot_w / 2, CHART_H - 4);
    evbuffer_add_printf(b, "</svg><figcaption>");
    html_escape(b, what, strlen(what));
    evbuffer_add_printf(b, " per day, the last %zu day%s</figcaption></figure>", span, span == 1 ? "" : "s");
}

void chart_table(struct evbuffer *b, const char *what, const day_count *days, size_t n)
{
    evbuffer_add_printf(b, "<details class=\"chart-table\"><summary>The numbers, as a table</summary>"
                           "<table><caption>");
    html_escape(b, what, strlen(what));
    evbuffer_add_printf(b, " per day (days without any are left out)</caption>"
                           "<thead><tr><th scope=\"col\">Day (UTC)</th><th scope=\"col\">");
    html_escape(b, what, strlen(what));
    evbuffer_add_printf(b, "</th></tr></thead><tbody>");
    for (size_t i = n; i-- > 0;)
        evbuffer_add_printf(b, "<tr><td>%s</td><td>%lld</td></tr>", days[i].day, (long long)days[i].n);
    if (n == 0)
        evbuffer_add_printf(b, "<tr><td colspan=\"2\">none yet</td></tr>");
    evbuffer_add_printf(b, "</tbody></table></details>");
}
