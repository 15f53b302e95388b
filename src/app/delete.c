/* delete.c - delete a paste with the token handed out when it was made.
 *
 * The token was given once, at creation (X-Delete-Token); the store keeps
 * only its SHA-256, and deletes only when id and hash match together, so a
 * wrong token never deletes anything. After a delete the paste is gone from
 * the caches, the recent list and the view counters of every instance
 * (store/pastes.c). */
#include "delete.h"

#include <string.h>

#include "core/text.h"
#include "store/store.h"

#define TOKEN_MAX 128   /* tokens are 32 characters; anything far longer is wrong */

void app_delete(app_loop *l, const char *id, const char *token, delete_cb cb, void *arg)
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
    char hash[SHA256_HEX + 1];
    sha256_hex(token, len, hash);
    store_paste_delete(l->store, id, hash, cb, arg);
}
