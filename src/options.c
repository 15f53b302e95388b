/* options.c - parse the paste options users send.
 *
 * The web form, curl's -F fields and query strings, and the JSON API all
 * name the same options (expire, burn, unlisted); create.c and api.c call
 * these parsers so every way in accepts exactly the same values, and bad
 * values get the same "400, naming the field and the allowed values". */
#include "options.h"

#include <string.h>
#include <strings.h>

typedef struct expire_choice {
    const char *name;
    int64_t     seconds;
} expire_choice;

static const expire_choice expire_choices[] = {
    { "10m", 10 * 60 },
    { "1h", 3600 },
    { "1d", 86400 },
    { "1w", 7 * 86400 },
    { "1mo", 30 * 86400 },
    { "never", 0 },
};

int options_parse_expire(const char *s, size_t len, int64_t *secs)
{
    for (size_t i = 0; i < sizeof expire_choices / sizeof expire_choices[0]; i++) {
        if (strlen(expire_choices[i].name) == len && strncasecmp(s, expire_choices[i].name, len) == 0) {
            /* "1M" would be ambiguous (minute or month): only the lower case is accepted */
            if (memcmp(s, expire_choices[i].name, len) != 0 && strcmp(expire_choices[i].name, "never") != 0)
                return -1;
            *secs = expire_choices[i].seconds;
            return 0;
        }
    }
    return -1;
}

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
