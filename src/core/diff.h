/* diff.h - two texts' differences, line by line, as a unified diff. See diff.c. */
#ifndef PASTED_CORE_DIFF_H
#define PASTED_CORE_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"

#define DIFF_MAX_INPUT  (512 * 1024)    /* bytes of each text */
#define DIFF_MAX_LINES  20000           /* lines of the diff */

/* One line of the diff. origin: ' ' both, '-' the old text's, '+' the new
 * one's, '@' a hunk's header ("@@ -1,3 +1,4 @@"), '\\' "no newline at end
 * of file" after the line before it. Line numbers are 1-based, 0 where the
 * line is not in that text. The content (without its line end) is
 * text[off .. off + len). */
typedef struct diff_line {
    char     origin;
    uint32_t old_no, new_no;
    size_t   off, len;
} diff_line;

typedef struct diff {
    diff_line *lines;
    size_t     n, cap;
    char      *text;
    size_t     text_len, text_cap;
    size_t     added, removed;
    int        crlf_ignored;    /* one text ended its lines with CRLF, the other not: compared without the CRs */
    int        stop;            /* why the callbacks stopped libgit2 (diff.c), 0: they did not */
} diff;

/* Diff old (on) against new (nn) with 3 lines of context. Both must be
 * valid UTF-8 of at most DIFF_MAX_INPUT bytes. 0 ok (d filled, empty when
 * the texts are equal; diff_free it); -1 with f set: FAULT_TOO_LARGE (a text
 * too long, or a diff over DIFF_MAX_LINES), FAULT_NO_MEMORY. Blocking CPU
 * work: not for an event loop. */
int  diff_texts(const char *old, size_t on, const char *new_, size_t nn, diff *d, fault *f);
void diff_free(diff *d);

#endif
