/* options.h - paste options given by users: one parser for every way in. See options.c. */
#ifndef PASTED_OPTIONS_H
#define PASTED_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#define OPTIONS_EXPIRE_VALUES "10m, 1h, 1d, 1w, 1mo, never"

/* "10m" "1h" "1d" "1w" "1mo" "never" -> seconds (0 = never). 0 ok, -1 bad. */
int options_parse_expire(const char *s, size_t len, int64_t *secs);
/* "1" "true" "yes" "on" -> 1; "0" "false" "no" "off" "" -> 0. 0 ok, -1 bad. */
int options_parse_bool(const char *s, size_t len, int *out);

#endif
