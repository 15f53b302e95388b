/* format.h - numbers and times written for people and for machines. See format.c. */
#ifndef PASTED_CORE_FORMAT_H
#define PASTED_CORE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* "512 B", "1.5 KiB", "2.0 MiB" */
void format_size(size_t bytes, char out[32]);
/* A rough length of time for people: "just now" (under a minute),
 * "1 minute", "5 hours", "3 days", "2 months", "1 year". ms >= 0. */
void format_duration(int64_t ms, char out[32]);
/* "2026-11-23T21:56:02Z" */
void format_rfc3339(int64_t ms, char out[32]);
/* "2026-11-23 21:56 UTC" */
void format_human_time(int64_t ms, char out[40]);

#endif
