/* options.h - paste options given by users: one parser for every way in. See options.c. */
#ifndef PASTED_OPTIONS_H
#define PASTED_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#define OPTIONS_MAX_EXPIRE 12

/* Set the offered expiry choices from the config's expire_choices, e.g.
 * "10m 1h 1d 1w 1mo never". 0 ok; -1 with err set. */
int options_set_expire_choices(const char *list, char *err, size_t errlen);

/* One of the offered choices -> seconds (0 = never). 0 ok, -1 not offered. */
int options_parse_expire(const char *s, size_t len, int64_t *secs);
/* The offered choices, in order, and as one human list "10m, 1h, ..., never". */
size_t      options_expire_count(void);
const char *options_expire_name(size_t i);
const char *options_expire_list(void);

/* "1" "true" "yes" "on" -> 1; "0" "false" "no" "off" "" -> 0. 0 ok, -1 bad. */
int options_parse_bool(const char *s, size_t len, int *out);

#endif
