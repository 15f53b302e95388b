/* moderation.c - the use cases against abuse: anyone reports a paste; the
 * operator (admin_token_file) lists reports and deletes any paste, and may
 * block its content so that the same bytes cannot be pasted again.
 *
 * The operator's token is compared by its SHA-256, in constant time; it is
 * never logged. A blocked content is known by a keyed hash of its SHA-256
 * (store_key "blocklist"): the list reveals nothing of what it blocks, and
 * a create finds it with one Redis lookup (store/moderation.c). */
#include "moderation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "core/clock.h"
#include "read.h"
#include "store/store.h"

static const char *const reasons[] = { "spam", "malware", "phishing", "illegal", "personal", "other", NULL };

int app_is_operator(const app *a, const char *token)
{
    if (!a->has_operator || !token)
        return 0;
    uint8_t h[SHA256_BYTES];
    sha256(token, strlen(token), h);
    return equal_constant_time(h, a->operator_hash, sizeof h);
}

void app_block_key(const app *a, const paste *p, char out[SHA256_HEX + 1])
{
    uint8_t mac[SHA256_BYTES];
    hmac_sha256(a->block_key, sizeof a->block_key, p->hash, strlen(p->hash), mac);
    hex_encode(mac, sizeof mac, out);
}

/* --- reports ------------------------------------------------------------------- */

typedef struct report_job {
    app_loop    *l;
    report r;
    app_client   who;
    moderation_cb cb;
    void        *arg;
} report_job;

static void report_finish(report_job *j, const fault *f)
{
    j->cb(j->arg, f);
    free(j);
}

static void on_report_stored(void *arg, const fault *f)
{
    report_finish(arg, f);
}

static void on_report_charged(void *arg, int allowed, limit_kind refused, int64_t wait_ms)
{
    report_job *j = arg;
    if (!allowed) {
        fault f;
        app_refusal(j->l->app, refused, wait_ms, &f);
        report_finish(j, &f);
        return;
    }
    store_report_add(j->l->store, &j->r, on_report_stored, j);
}

/* The paste exists (a report of nothing is refused): charge, then keep it. */
static void on_reported_paste(void *arg, paste *p, int64_t views, const fault *f)
{
    report_job *j = arg;
    (void)views;
    if (!p) {
        report_finish(j, f);
        return;
    }
    paste_free(p);
    static const limit_kind kinds[] = { LIMIT_REPORTS };
    static const uint64_t costs[] = { 1 };
    app_charge(j->l, &j->who, kinds, costs, 1, on_report_charged, j);
}

int app_report_check(const char *reason, const char *note, fault *f)
{
    int known = 0;
    for (int i = 0; reasons[i]; i++)
        known = known || (reason && strcmp(reason, reasons[i]) == 0);
    if (!known)
        return fault_set(f, FAULT_INVALID, "reason", "reason: one of spam, malware, phishing, illegal, personal, other");
    size_t len = note ? strlen(note) : 0;
    if (len > REPORT_NOTE_MAX)
        return fault_set(f, FAULT_TOO_LARGE, "note", "note: at most %d bytes", REPORT_NOTE_MAX);
    if (note && !utf8_valid((const uint8_t *)note, len))
        return fault_set(f, FAULT_INVALID, "note", "note: not valid UTF-8");
    return 0;
}

void app_report(app_loop *l, const char *id, const char *reason, const char *note, const app_client *who,
                moderation_cb cb, void *arg)
{
    fault f;
    if (app_report_check(reason, note, &f) != 0) {
        cb(arg, &f);
        return;
    }
    report_job *j = calloc(1, sizeof *j);
    if (!j) {
        fault_no_memory(&f);
        cb(arg, &f);
        return;
    }
    j->l = l;
    j->cb = cb;
    j->arg = arg;
    if (who)
        j->who = *who;
    else
        j->who.unlimited = 1;
    snprintf(j->r.paste, sizeof j->r.paste, "%s", id);
    snprintf(j->r.reason, sizeof j->r.reason, "%s", reason);
    snprintf(j->r.note, sizeof j->r.note, "%s", note ? note : "");
    netaddr_key(&j->who.addr, j->r.client);
    j->r.created_ms = now_ms();
    app_read(l, id, READ_SPARE_BURN, who, on_reported_paste, j);
}

void app_reports(app_loop *l, size_t max, app_reports_cb cb, void *arg)
{
    store_reports(l->store, max, cb, arg);
}

/* --- the operator's delete ----------------------------------------------------- */

typedef struct removal {
    app_loop *l;
    char      id[IDS_MAX_LEN + 1];
    moderation_cb cb;
    void     *arg;
} removal;

static void on_removed(void *arg, const fault *f)
{
    removal *m = arg;
    m->cb(m->arg, f);
    free(m);
}

/* With block: the content's key first (read without burning or counting). */
static void on_paste_to_block(void *arg, paste *p, int64_t views, const fault *f)
{
    removal *m = arg;
    (void)views;
    if (!p) {
        on_removed(m, f);
        return;
    }
    char key[SHA256_HEX + 1];
    app_block_key(m->l->app, p, key);
    paste_free(p);
    store_paste_delete_as_operator(m->l->store, m->id, key, on_removed, m);
}

void app_operator_delete(app_loop *l, const char *id, int block, moderation_cb cb, void *arg)
{
    removal *m = calloc(1, sizeof *m);
    if (!m) {
        fault f;
        fault_no_memory(&f);
        cb(arg, &f);
        return;
    }
    m->l = l;
    m->cb = cb;
    m->arg = arg;
    snprintf(m->id, sizeof m->id, "%s", id);
    if (block)
        app_read(l, id, READ_SPARE_BURN, NULL, on_paste_to_block, m);
    else
        store_paste_delete_as_operator(l->store, id, NULL, on_removed, m);
}
