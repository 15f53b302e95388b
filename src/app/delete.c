/* delete.c - delete a paste with the token handed out when it was made.
 *
 * The token was given once, at creation (X-Delete-Token); the store keeps
 * only its SHA-256, and deletes only when id and hash match together, so a
 * wrong token never deletes anything. After a delete the paste is gone from
 * the caches, the recent list and the view counters of every instance
 * (store/pastes.c). Every attempt, right token or wrong, costs its client
 * one of its deletes (budget.c) before the store is asked: guessing tokens
 * is slow, and so is making the store work. */
#include "delete.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "core/text.h"
#include "store/store.h"

typedef struct delete_job {
    app_loop *l;
    char      id[IDS_MAX_LEN + 1];
    char      hash[SHA256_HEX + 1];
    delete_cb cb;
    void     *arg;
} delete_job;

static void on_charged(void *arg, int allowed, limit_kind refused, int64_t wait_ms)
{
    delete_job *j = arg;
    if (allowed) {
        store_paste_delete(j->l->store, j->id, j->hash, j->cb, j->arg);
    } else {
        fault f;
        app_refusal(j->l->app, refused, wait_ms, &f);
        j->cb(j->arg, &f);
    }
    free(j);
}

#define TOKEN_MAX 128   /* tokens are 32 characters; anything far longer is wrong */

void app_delete(app_loop *l, const char *id, const char *token, const app_client *who, delete_cb cb,
                void *arg)
{
    fault f;
    if (!token || !*token) {
        fault_set(&f, FAULT_DENIED, "X-Delete-Token", "missing X-Delete-Token header");
        cb(arg, &f);
        return;
    }
    size_t len = strlen(token);
    if (len > TOKEN_MAX) {
        fault_set(&f, FAULT_DENIED, "X-Delete-Token", "wrong delete token");
        cb(arg, &f);
        return;
    }
    delete_job *j = calloc(1, sizeof *j);
    if (!j) {
        fault_no_memory(&f);
        cb(arg, &f);
        return;
    }
    j->l = l;
    snprintf(j->id, sizeof j->id, "%s", id);
    sha256_hex(token, len, j->hash);
    j->cb = cb;
    j->arg = arg;
    static const limit_kind kinds[] = { LIMIT_DELETES };
    static const uint64_t costs[] = { 1 };
    app_charge(l, who, kinds, costs, 1, on_charged, j);
}
