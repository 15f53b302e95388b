/* options.c - parse the paste options users send.
 *
 * The web form, curl's -F fields and query strings, and the JSON API all
 * name the same options (expire, burn, unlisted); create.c and api.c call
 * these parsers so every way in accepts exactly the same values, and bad
 * values get the same "400, naming the field and the allowed values".
 *
 * Expiry choices are the operator's (config expire_choices), parsed once at
 * start: each is a number with a unit (s, m, h, d, w, mo) or "never". The
 * form's select offers exactly these, and nothing else is accepted. */
#include "options.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct expire_choice {
    char    name[12];
    int64_t seconds;
} expire_choice;

static expire_choice choices[OPTIONS_MAX_EXPIRE] = {
    { "10m", 600 }, { "1h", 3600 }, { "1d", 86400 }, { "1w", 604800 },
    { "1mo", 2592000 }, { "never", 0 },
};
static size_t n_choices = 6;
static char choice_list[OPTIONS_MAX_EXPIRE * 14] = "10m, 1h, 1d, 1w, 1mo, never";

/* "90s" "10m" "2h" "1d" "1w" "1mo" "never" -> seconds; -1 if not a duration. */
static int64_t duration_seconds(const char *s, size_t len)
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

int options_set_expire_choices(const char *list, char *err, size_t errlen)
{
    expire_choice parsed[OPTIONS_MAX_EXPIRE];
    size_t n = 0;
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        size_t len = strcspn(p, " ,\t");
        if (len == 0)
            break;
        int64_t secs = duration_seconds(p, len);
        if (secs < 0 || len >= sizeof parsed[0].name || n == OPTIONS_MAX_EXPIRE) {
            snprintf(err, errlen, "expire_choices: '%.*s' is not a duration like 10m, 1h, 1d, 1w, 1mo "
                     "or never (at most %d choices)", (int)(len > 20 ? 20 : len), p, OPTIONS_MAX_EXPIRE);
            return -1;
        }
        memcpy(parsed[n].name, p, len);
        parsed[n].name[len] = '\0';
        parsed[n].seconds = secs;
        n++;
        p += len;
    }
    if (n == 0) {
        snprintf(err, errlen, "expire_choices is empty");
        return -1;
    }
    memcpy(choices, parsed, n * sizeof parsed[0]);
    n_choices = n;
    choice_list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(choice_list, ", ");
        strcat(choice_list, choices[i].name);
    }
    return 0;
}

int options_parse_expire(const char *s, size_t len, int64_t *secs)
{
    for (size_t i = 0; i < n_choices; i++) {
        if (strlen(choices[i].name) == len && memcmp(s, choices[i].name, len) == 0) {
            *secs = choices[i].seconds;
            return 0;
        }
    }
    return -1;
}

size_t options_expire_count(void) { return n_choices; }
const char *options_expire_name(size_t i) { return i < n_choices ? choices[i].name : ""; }
const char *options_expire_list(void) { return choice_list; }

static int word_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

int options_parse_bool(const char *s, size_t len, int *out)
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
    return -1;
}
