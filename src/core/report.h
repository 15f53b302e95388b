/* report.h - a report of a paste to the operator (app/moderation.c makes
 * them, store/moderation.c keeps them). */
#ifndef PASTED_CORE_REPORT_H
#define PASTED_CORE_REPORT_H

#include <stdint.h>

#include "ids.h"
#include "netaddr.h"

#define REPORT_REASON_MAX 24
#define REPORT_NOTE_MAX   1000

typedef struct report {
    char    paste[IDS_MAX_LEN + 1];
    char    reason[REPORT_REASON_MAX];  /* one of app/moderation.c's reasons */
    char    note[REPORT_NOTE_MAX + 1];  /* UTF-8, may be "" */
    char    client[NETADDR_KEY_MAX];    /* who sent it (netaddr_key) */
    int64_t created_ms;
} report;

#endif
