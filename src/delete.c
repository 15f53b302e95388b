/* delete.c - DELETE /<id> and DELETE /api/pastes/<id>, with the paste's token.
 *
 * The token was handed out once, at creation (X-Delete-Token); MongoDB keeps
 * only its SHA-256. The delete filter holds both the id and the hash, so a
 * wrong token can never delete anything. After a delete the paste is gone
 * from the cache, the recent list and the view counters too. */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "log.h"
#include "routes.h"
#include "store_mongo.h"

typedef struct delete_ctx {
    request *r;
    char id[16];
    char token_hash[PASTE_HASH_HEX + 1];
    int rc;
    char err[256];
} delete_ctx;

static void delete_work(void *arg)
{
    delete_ctx *d = arg;
    d->rc = mongo_store_delete(d->id, d->token_hash, d->err, sizeof d->err);
}

static void delete_done(void *arg)
{
    delete_ctx *d = arg;
    switch (d->rc) {
    case 1:
        paste_cache_forget(d->r->w, d->id);
        log_info("deleted %s", d->id);
        reply(d->r, 204, NULL, NULL);
        break;
    case 0:
        reply_error(d->r, 404, "no such paste");
        break;
    case -2:
        reply_error_field(d->r, 403, "wrong delete token", "X-Delete-Token");
        break;
    default:
        log_error("delete %s: %s", d->id, d->err);
        reply_error(d->r, 503, "storage unavailable; try again");
    }
    free(d);
}

void handle_delete(request *r, const char *id)
{
    const char *token = get_header(r, "X-Delete-Token");
    if (!token || !*token) {
        reply_error_field(r, 403, "missing X-Delete-Token header", "X-Delete-Token");
        return;
    }
    size_t len = strlen(token);
    if (len > 128) {
        reply_error_field(r, 403, "wrong delete token", "X-Delete-Token");
        return;
    }
    delete_ctx *d = calloc(1, sizeof *d);
    if (!d) {
        reply_error(r, 503, "out of memory");
        return;
    }
    d->r = r;
    snprintf(d->id, sizeof d->id, "%s", id);
    sha256_hex(token, len, d->token_hash);
    if (pool_submit(srv.mongo, r->w->base, delete_work, delete_done, d) != 0) {
        reply_error(r, 503, "storage busy; try again");
        free(d);
    }
}
