/* options.c - parse the paste options users send.
 *
 * The web form, curl's -F fields and query strings, and the JSON API all
 * name the same options (expire, burn, unlisted); create.c and api.c call
 * these parsers so every way in accepts exactly the same values, and bad
 * values get the same "400, naming the field and the allowed values".
 *
 * Expiry choices are the operator's (config expire_choices), parsed once at
 * start into a value the application keeps (no process-wide state here):
 * each is a number with a unit (s, m, h, d, w, mo) or "never". The form's
 * select offers exactly these, and nothing else is accepted. */
#include "options.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int64_t options_duration_seconds(const char *s, size_t len)
{
    if (len == 5 && memcmp(s, "never", 5) == 0)
        return 0;
    size_t digits = 0;
    int64_t n = 0;
    while (digits < len && digits < 6 && isdigit((unsigned char)s[digits]))
        n = n * 10 + (s[digits++] - '0');
    if (digits == 0 || n == 0)
        return -1;
    const char *unit = s + digits;
    size_t ulen = len - digits;
    static const struct { const char *u; int64_t secs; } units[] = {
        { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 }, { "w", 604800 }, { "mo", 2592000 },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].u) == ulen && memcmp(unit, units[i].u, ulen) == 0)
            return n * units[i].secs;
    return -1;
}

int64_t options_free_duration_seconds(const char *s, size_t len)
{
    static const struct { const char *u; int64_t secs; } units[] = {
        { "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 }, { "seconds", 1 },
        { "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 }, { "minutes", 60 },
        { "h", 3600 }, { "hr", 3600 }, { "hrs", 3600 }, { "hour", 3600 }, { "hours", 3600 },
        { "d", 86400 }, { "day", 86400 }, { "days", 86400 },
        { "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
        { "M", 2592000 }, { "mo", 2592000 }, { "month", 2592000 }, { "months", 2592000 },
        { "y", 31536000 }, { "year", 31536000 }, { "years", 31536000 },
    };
    const int64_t cap = INT64_C(100) * 31536000;    /* a century: past any max_expire */
    int64_t total = 0;
    size_t i = 0, parts = 0;
    for (;;) {
        while (i < len && s[i] == ' ')
            i++;
        if (i == len)
            break;
        int64_t n = 0;
        size_t digits = 0;
        while (i < len && isdigit((unsigned char)s[i])) {
            if (++digits > 9)
                return -1;
            n = n * 10 + (s[i++] - '0');
        }
        while (i < len && s[i] == ' ')
            i++;
        size_t u = i;
        while (i < len && isalpha((unsigned char)s[i]))
            i++;
        int64_t unit = 0;
        for (size_t k = 0; k < sizeof units / sizeof units[0] && digits; k++)
            if (strlen(units[k].u) == i - u && memcmp(s + u, units[k].u, i - u) == 0)
                unit = units[k].secs;
        if (!unit)
            return -1;
        total += n * unit;
        if (total > cap)
            return -1;
        parts++;
    }
    return parts && total > 0 ? total : -1;
}

int options_parse_expire_choices(const char *text, expire_choices *out, fault *f)
{
    memset(out, 0, sizeof *out);
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        size_t len = strcspn(p, " ,\t");
        if (len == 0)
            break;
        int64_t secs = options_duration_seconds(p, len);
        if (secs < 0 || len >= sizeof out->choice[0].name || out->count == OPTIONS_MAX_EXPIRE)
            return fault_set(f, FAULT_INVALID, "expire_choices",
                             "expire_choices: '%.*s' is not a duration like 10m, 1h, 1d, 1w, 1mo "
                             "or never (at most %d choices)", (int)(len > 20 ? 20 : len), p,
                             OPTIONS_MAX_EXPIRE);
        expire_choice *c = &out->choice[out->count++];
        memcpy(c->name, p, len);
        c->name[len] = '\0';
        c->seconds = secs;
        p += len;
    }
    if (out->count == 0)
        return fault_set(f, FAULT_INVALID, "expire_choices", "expire_choices is empty");
    for (size_t i = 0; i < out->count; i++) {
        if (i)
            strcat(out->list, ", ");
        strcat(out->list, out->choice[i].name);
    }
    return 0;
}

int options_parse_expire(const expire_choices *c, const char *s, size_t len, int64_t *secs, fault *f)
{
    for (size_t i = 0; i < c->count; i++) {
        if (strlen(c->choice[i].name) == len && memcmp(s, c->choice[i].name, len) == 0) {
            *secs = c->choice[i].seconds;
            return 0;
        }
    }
    return fault_set(f, FAULT_INVALID, "expire", "invalid expire: use one of %s", c->list);
}

static int word_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

int options_parse_bool(const char *name, const char *s, size_t len, int *out, fault *f)
{
    if (len == 0 || word_is(s, len, "0") || word_is(s, len, "false") || word_is(s, len, "no")
        || word_is(s, len, "off")) {
        *out = 0;
        return 0;
    }
    if (word_is(s, len, "1") || word_is(s, len, "true") || word_is(s, len, "yes")
        || word_is(s, len, "on")) {
        *out = 1;
        return 0;
    }
    return fault_set(f, FAULT_INVALID, name, "invalid %s: use 1 or 0", name);
}
