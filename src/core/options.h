/* options.h - paste options given by users: one parser for every way in. See options.c. */
#ifndef PASTED_CORE_OPTIONS_H
#define PASTED_CORE_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"

#define OPTIONS_MAX_EXPIRE 12
/* The expiries offered when the operator names none (config expire_choices). */
#define OPTIONS_DEFAULT_EXPIRE_CHOICES "10m 1h 1d 1w 1mo never"

typedef struct expire_choice {
    char    name[12];
    int64_t seconds;            /* 0 = never */
} expire_choice;

/* The offered expiries, in the operator's order. */
typedef struct expire_choices {
    expire_choice choice[OPTIONS_MAX_EXPIRE];
    size_t        count;
    char          list[OPTIONS_MAX_EXPIRE * 14]; /* for people: "10m, 1h, ..., never" */
} expire_choices;

/* "90s" "10m" "2h" "1d" "1w" "1mo" -> seconds, "never" -> 0; -1 if not a
 * duration. */
int64_t options_duration_seconds(const char *s, size_t len);

/* A duration as rustypaste's clients write one (humantime): numbers with
 * units, one or more, spaces allowed between: "30s" "10min" "1h30m"
 * "2 days" "1week" "3months" "1y". Units: s sec(s) second(s), m min(s)
 * minute(s), h hr(s) hour(s), d day(s), w week(s), M mo month(s) (30 days),
 * y year(s) (365 days). -> seconds > 0, or -1 if not such a duration. */
int64_t options_free_duration_seconds(const char *s, size_t len);

/* Parse "10m 1h 1d 1w 1mo never" (spaces or commas): each a number with a
 * unit (s, m, h, d, w, mo) or "never". 0 ok; -1 with f set. */
int options_parse_expire_choices(const char *text, expire_choices *out, fault *f);

/* One of the offered choices -> seconds (0 = never). 0 ok; -1 not offered,
 * with f set (field "expire", naming the choices). */
int options_parse_expire(const expire_choices *c, const char *s, size_t len, int64_t *secs, fault *f);

/* "1" "true" "yes" "on" -> 1; "0" "false" "no" "off" "" -> 0. 0 ok; -1 with
 * f set (field `name`). */
int options_parse_bool(const char *name, const char *s, size_t len, int *out, fault *f);

#endif
