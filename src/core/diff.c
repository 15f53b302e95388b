/* diff.c - two texts' differences, by libgit2's buffer diff (the xdiff
 * Myers diff git uses), gathered into one list of lines.
 *
 * libgit2 calls back once per hunk and once per line; each becomes a
 * diff_line, its text appended to one growing buffer, so the caller can
 * write the diff as plain unified text (`curl .../raw/diff/A/B | patch`)
 * or as a page with both texts' line numbers, without libgit2's types.
 * Bounded: each input at most DIFF_MAX_INPUT bytes (checked first), the
 * output at most DIFF_MAX_LINES lines (the callback stops libgit2 past
 * it). Nothing here touches a repository: git_diff_buffers works on memory. */
#include "diff.h"

#include <git2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int run_diff(const char *old, size_t on, const char *new_, size_t nn, diff *d, fault *f);

/* what a callback returns to stop libgit2: negative (xdiff stops only on
 * those), and kept in the diff so a later line cannot undo it */
#define STOP_TOO_LONG  (-1001)
#define STOP_NO_MEMORY (-1002)

static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static void git_start(void) { git_libgit2_init(); }

static int grow(void **buf, size_t *cap, size_t need, size_t unit)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *p = realloc(*buf, n * unit);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

static int add_line(diff *d, char origin, int old_no, int new_no, const char *s, size_t len)
{
    if (d->stop)
        return d->stop;
    if (d->n >= DIFF_MAX_LINES)
        return d->stop = STOP_TOO_LONG;
    if (grow((void **)&d->lines, &d->cap, d->n + 1, sizeof *d->lines) != 0
        || grow((void **)&d->text, &d->text_cap, d->text_len + len + 1, 1) != 0)
        return d->stop = STOP_NO_MEMORY;
    diff_line *l = &d->lines[d->n++];
    l->origin = origin;
    l->old_no = old_no > 0 ? (uint32_t)old_no : 0;
    l->new_no = new_no > 0 ? (uint32_t)new_no : 0;
    l->off = d->text_len;
    l->len = len;
    memcpy(d->text + d->text_len, s, len);
    d->text_len += len;
    return 0;
}

static int on_hunk(const git_diff_delta *delta, const git_diff_hunk *h, void *payload)
{
    (void)delta;
    size_t n = h->header_len;
    while (n && (h->header[n - 1] == '\n' || h->header[n - 1] == '\r'))
        n--;
    return add_line(payload, '@', 0, 0, h->header, n);
}

static int on_line(const git_diff_delta *delta, const git_diff_hunk *h, const git_diff_line *l, void *payload)
{
    (void)delta;
    (void)h;
    diff *d = payload;
    size_t n = l->content_len;
    switch (l->origin) {
    case GIT_DIFF_LINE_CONTEXT:
    case GIT_DIFF_LINE_ADDITION:
    case GIT_DIFF_LINE_DELETION:
        if (n && l->content[n - 1] == '\n')
            n--;
        if (l->origin == GIT_DIFF_LINE_ADDITION)
            d->added++;
        else if (l->origin == GIT_DIFF_LINE_DELETION)
            d->removed++;
        return add_line(d, l->origin, l->old_lineno, l->new_lineno, l->content, n);
    case GIT_DIFF_LINE_CONTEXT_EOFNL:
    case GIT_DIFF_LINE_ADD_EOFNL:
    case GIT_DIFF_LINE_DEL_EOFNL:
        return add_line(d, '\\', 0, 0, "No newline at end of file", 25);
    default:
        return 0;               /* file headers: the caller writes its own */
    }
}

/* Does every line of s end with CRLF (and is there one at least)? */
static int all_crlf(const char *s, size_t n)
{
    size_t lines = 0;
    for (const char *p = s; (p = memchr(p, '\n', n - (size_t)(p - s))); p++, lines++)
        if (p == s || p[-1] != '\r')
            return 0;
    return lines > 0;
}

/* s without the CR of each CRLF (malloc'd, *n updated), or NULL. */
static char *lf_only(const char *s, size_t *n)
{
    char *out = malloc(*n ? *n : 1);
    size_t k = 0;
    for (size_t i = 0; out && i < *n; i++)
        if (!(s[i] == '\r' && i + 1 < *n && s[i + 1] == '\n'))
            out[k++] = s[i];
    *n = k;
    return out;
}

int diff_texts(const char *old, size_t on, const char *new_, size_t nn, diff *d, fault *f)
{
    memset(d, 0, sizeof *d);
    if (on > DIFF_MAX_INPUT || nn > DIFF_MAX_INPUT)
        return fault_set(f, FAULT_TOO_LARGE, NULL, "a paste larger than 512 KiB is not diffed");
    /* A browser's form sends CRLF, curl what the file had: the same text
     * both ways would differ on every line. When only one side ends its
     * lines with CRLF, it is diffed with LF, and the diff says so. */
    int old_crlf = all_crlf(old, on), new_crlf = all_crlf(new_, nn);
    char *copy = NULL;
    if (old_crlf != new_crlf) {
        size_t *n = old_crlf ? &on : &nn;
        copy = lf_only(old_crlf ? old : new_, n);
        if (!copy)
            return fault_no_memory(f);
        if (old_crlf)
            old = copy;
        else
            new_ = copy;
        d->crlf_ignored = 1;
    }
    int rc = run_diff(old, on, new_, nn, d, f);
    free(copy);
    return rc;
}

static int run_diff(const char *old, size_t on, const char *new_, size_t nn, diff *d, fault *f)
{
    pthread_once(&git_once, git_start);
    git_diff_options opts;
    git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
    opts.context_lines = 3;
    opts.flags |= GIT_DIFF_FORCE_TEXT;
    int rc = git_diff_buffers(old, on, "a", new_, nn, "b", &opts, NULL, NULL, on_hunk, on_line, d);
    if (d->stop)
        rc = d->stop;
    if (rc == 0)
        return 0;
    int crlf = d->crlf_ignored;
    diff_free(d);
    d->crlf_ignored = crlf;
    if (rc == STOP_TOO_LONG)
        return fault_set(f, FAULT_TOO_LARGE, NULL, "the diff has more than %d lines", DIFF_MAX_LINES);
    if (rc == STOP_NO_MEMORY)
        return fault_no_memory(f);
    const git_error *e = git_error_last();
    return fault_set(f, FAULT_UNAVAILABLE, NULL, "diff failed: %s", e && e->message ? e->message : "libgit2");
}

void diff_free(diff *d)
{
    free(d->lines);
    free(d->text);
    memset(d, 0, sizeof *d);
}
