/* diff.h - the differences between two pastes. See diff.c. */
#ifndef PASTED_APP_DIFF_H
#define PASTED_APP_DIFF_H

#include "app.h"
#include "core/diff.h"

/* a, b: the two pastes, d: a's text against b's (all read during the call
 * only). Without them, f says why: FAULT_NOT_FOUND (either is missing),
 * FAULT_UNSUPPORTED (415: binary, encrypted or a link), FAULT_DENIED (a
 * paste with limited reads: reading it for a diff would use it up),
 * FAULT_TOO_LARGE (a text or the diff over core/diff.h's bounds),
 * FAULT_UNAVAILABLE. */
typedef void (*diff_cb)(void *arg, const paste *a, const paste *b, const diff *d, const fault *f);
void app_diff(app_loop *l, const char *a_id, const char *b_id, const app_client *who, diff_cb cb, void *arg);

#endif
