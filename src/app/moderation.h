/* moderation.h - reports, the operator's delete, the blocklist. See moderation.c. */
#ifndef PASTED_APP_MODERATION_H
#define PASTED_APP_MODERATION_H

#include <stddef.h>

#include "app.h"

/* f NULL: done. */
typedef void (*moderation_cb)(void *arg, const fault *f);
#include "core/report.h"

/* Is token the operator's (admin_token_file)? Constant time; 0 when no
 * operator is configured. */
int  app_is_operator(const app *a, const char *token);
/* The blocklist's name for p's content: a keyed hash, 64 hex. */
void app_block_key(const app *a, const paste *p, char out[SHA256_HEX + 1]);

/* reason: spam, malware, phishing, illegal, personal or other; note: at
 * most REPORT_NOTE_MAX bytes of UTF-8 (may be NULL). 0, or -1 with f. */
int  app_report_check(const char *reason, const char *note, fault *f);
/* Report the paste id to the operator: FAULT_INVALID (reason, note),
 * FAULT_NOT_FOUND / FAULT_GONE (no such paste), FAULT_LIMITED (too many
 * reports from who), FAULT_UNAVAILABLE. */
void app_report(app_loop *l, const char *id, const char *reason, const char *note, const app_client *who,
                moderation_cb cb, void *arg);
/* The newest reports, for the operator's page (items: during the call). */
typedef void (*app_reports_cb)(void *arg, const report *items, size_t n, const fault *f);
void app_reports(app_loop *l, size_t max, app_reports_cb cb, void *arg);
/* Delete any paste (the caller checked the operator's token); with block,
 * its content can never be pasted again (451). FAULT_NOT_FOUND when none. */
void app_operator_delete(app_loop *l, const char *id, int block, moderation_cb cb, void *arg);

#endif
