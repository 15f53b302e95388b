/* diff.c - the differences between two pastes: read both, check both,
 * diff them off the loop.
 *
 * Both are read as the API reads metadata (app/read.c: the caches, expiry,
 * the lookup budget; nothing counted, nothing burnt), one after the other.
 * Only two texts the server can read and may read freely are diffed: not a
 * binary paste, an encrypted one or a link (415), not one with limited
 * reads (403: the diff would show it without using a read up). The diff
 * itself (core/diff.c, bounded) is CPU work of up to a few tens of ms, so
 * it runs on the store's small offload pool and the answer comes back to
 * this loop. */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read.h"
#include "store/store.h"

typedef struct diff_job {
    app_loop  *l;
    app_client who;
    int        has_who;
    char       b_id[IDS_MAX_LEN + 1];
    paste     *a, *b;
    diff       d;
    int        rc;
    fault      f;
    diff_cb    cb;
    void      *arg;
} diff_job;

static void finish(diff_job *j, const fault *f)
{
    j->cb(j->arg, f ? NULL : j->a, f ? NULL : j->b, f ? NULL : &j->d, f);
    if (j->a)
        paste_free(j->a);
    if (j->b)
        paste_free(j->b);
    diff_free(&j->d);
    free(j);
}

/* A paste that can be diffed: 0, or -1 with f set. */
static int diffable(paste *p, fault *f)
{
    if (paste_is_limited(p))
        return fault_set(f, FAULT_DENIED, NULL,
                         "%s can be read a set number of times: a diff would show it without using one up", p->id);
    if (p->encrypted || p->link)
        return fault_set(f, FAULT_UNSUPPORTED, NULL, "%s is %s: there is no text to diff", p->id,
                         p->encrypted ? "encrypted" : "a short link");
    if (!paste_is_text(p))
        return fault_set(f, FAULT_UNSUPPORTED, NULL, "%s is binary: only text is diffed", p->id);
    return 0;
}

static void diff_work(void *arg)
{
    diff_job *j = arg;
    j->rc = diff_texts((const char *)j->a->body, j->a->size, (const char *)j->b->body, j->b->size, &j->d, &j->f);
}

static void diff_done(void *arg, int ran)
{
    diff_job *j = arg;
    if (!ran)
        fault_set(&j->f, FAULT_UNAVAILABLE, NULL, "too many diffs at once; try again");
    finish(j, ran && j->rc == 0 ? NULL : &j->f);
}

/* a, then b: each checked as it comes; with both, the diff goes off the loop. */
static void on_paste(void *arg, paste *p, int64_t views, const fault *f)
{
    (void)views;
    diff_job *j = arg;
    int first = j->a == NULL;
    if (first)
        j->a = p;
    else
        j->b = p;
    if (!p) {
        finish(j, f);
        return;
    }
    if (diffable(p, &j->f) != 0) {
        finish(j, &j->f);
        return;
    }
    if (first) {
        app_read(j->l, j->b_id, READ_TOTAL, j->has_who ? &j->who : NULL, on_paste, j);
        return;
    }
    if (store_offload(j->l->store, diff_work, diff_done, j) != 0) {
        fault_set(&j->f, FAULT_UNAVAILABLE, NULL, "too many diffs at once; try again");
        finish(j, &j->f);
    }
}

void app_diff(app_loop *l, const char *a_id, const char *b_id, const app_client *who, diff_cb cb, void *arg)
{
    diff_job *j = calloc(1, sizeof *j);
    if (!j) {
        static const fault no_memory = { .kind = FAULT_NO_MEMORY, .message = "out of memory" };
        cb(arg, NULL, NULL, NULL, &no_memory);
        return;
    }
    j->l = l;
    j->cb = cb;
    j->arg = arg;
    if (who) {
        j->who = *who;
        j->has_who = 1;
    }
    snprintf(j->b_id, sizeof j->b_id, "%s", b_id);
    app_read(l, a_id, READ_TOTAL, who, on_paste, j);
}
