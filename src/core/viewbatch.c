/* viewbatch.c - a small fixed table of (paste id, day) -> views.
 *
 * Counting each view in Redis as it happens costs two commands per read,
 * which on a hot paste is most of the work of a request. A worker adds views
 * here instead (no I/O), and views.c drains the table into Redis every
 * view_batch_ms, one HINCRBY pair per distinct paste and day, however many
 * views it had. Open addressing with linear probing; a taken entry keeps
 * its key with a zero count until the next drain, so probing never breaks.
 * One table per worker thread: no locks. */
#include "viewbatch.h"
#include "ids.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char    id[IDS_MAX_LEN + 1];
    char    day[11];
    int64_t n;
    int     used;
} slot;

struct viewbatch {
    slot   slots[VIEWBATCH_SLOTS];
    size_t used;
};

static unsigned hash_key(const char *id, const char *day)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    for (; *day; day++)
        h = (h ^ (unsigned char)*day) * 16777619u;
    return h;
}

viewbatch *viewbatch_new(void) { return calloc(1, sizeof(viewbatch)); }
void viewbatch_free(viewbatch *b) { free(b); }
size_t viewbatch_size(const viewbatch *b) { return b->used; }

/* The slot holding (id, day), or the empty one where it would go; NULL when full. */
static slot *find(viewbatch *b, const char *id, const char *day)
{
    unsigned at = hash_key(id, day) & (VIEWBATCH_SLOTS - 1);
    for (unsigned i = 0; i < VIEWBATCH_SLOTS; i++) {
        slot *s = &b->slots[(at + i) & (VIEWBATCH_SLOTS - 1)];
        if (!s->used || (strcmp(s->id, id) == 0 && strcmp(s->day, day) == 0))
            return s;
    }
    return NULL;
}

int viewbatch_add(viewbatch *b, const char *id, const char *day, int64_t n)
{
    if (strlen(id) >= sizeof b->slots[0].id || strlen(day) >= sizeof b->slots[0].day)
        return -1;
    /* keep a quarter free so probes stay short */
    slot *s = b->used < VIEWBATCH_SLOTS * 3 / 4 ? find(b, id, day) : NULL;
    if (s && !s->used) {
        strcpy(s->id, id);
        strcpy(s->day, day);
        s->used = 1;
        b->used++;
    }
    if (!s || !s->used) {
        s = find(b, id, day); /* table too full for a new key: maybe it is there */
        if (!s || !s->used)
            return -1;
    }
    s->n += n;
    return 0;
}

int64_t viewbatch_take(viewbatch *b, const char *id, const char *day)
{
    slot *s = find(b, id, day);
    if (!s || !s->used)
        return 0;
    int64_t n = s->n;
    s->n = 0;
    return n;
}

void viewbatch_drain(viewbatch *b, viewbatch_fn fn, void *arg)
{
    for (size_t i = 0; i < VIEWBATCH_SLOTS && b->used; i++) {
        slot *s = &b->slots[i];
        if (!s->used)
            continue;
        if (s->n)
            fn(arg, s->id, s->day, s->n);
        s->used = 0;
        s->n = 0;
        b->used--;
    }
}
