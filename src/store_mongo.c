/* store_mongo.c - the durable store: one MongoDB document per paste.
 *
 * Document shape (collection from the config, "pastes" by default):
 *   { _id: <public id>, num: <counter, int64>, pid: <public id>, body: BinData(exact bytes),
 *     title, lang, size, created: Date, expires: Date|null, burn, unlisted,
 *     hash: <sha256 hex>, views: int64, last_view: Date, days: { "YYYY-MM-DD": n } }
 * Every lookup is by _id, the public id: FerretDB v1 (SQLite) pushes only
 * _id filters down to SQLite, and with the expression index that
 * .tools/stack.sh adds they are ~2 ms at any size; any other filter scans
 * the collection (~30 us per paste). A number handed out twice gives the same id, so _id also catches a counter
 * that went back. Indexes, created at start: num, created (recent list),
 * expires; pid (unique) is kept for older tools.
 * A "meta" collection holds the ID permutation's secret.
 *
 * mongo-c-driver is blocking, so these functions run on pool.c's threads;
 * each borrows a client from one mongoc_client_pool_t and gives it back. */
#include "store_mongo.h"

#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"

static mongoc_client_pool_t *client_pool;
static mongoc_uri_t *store_uri;
static char db_name[64], coll_name[64];

static void set_err(char *err, size_t errlen, const char *what, const bson_error_t *e)
{
    snprintf(err, errlen, "%s: %.200s", what, e ? e->message : "failed");
}

static mongoc_client_t *borrow(void) { return mongoc_client_pool_pop(client_pool); }
static void give_back(mongoc_client_t *c) { mongoc_client_pool_push(client_pool, c); }

static int run_command(mongoc_client_t *c, const bson_t *cmd, const char *what, char *err, size_t errlen)
{
    bson_error_t e;
    bool ok = mongoc_client_write_command_with_opts(c, db_name, cmd, NULL, NULL, &e);
    if (!ok)
        set_err(err, errlen, what, &e);
    return ok ? 0 : -1;
}

/* One createIndexes command per index: FerretDB v1.24 panics (and drops the
 * connection) when one command re-creates several existing indexes. */
static int create_index(mongoc_client_t *c, const char *field, int order, const char *name,
                        int unique, int ttl, char *err, size_t errlen)
{
    bson_t index = BSON_INITIALIZER, key = BSON_INITIALIZER, list = BSON_INITIALIZER;
    BSON_APPEND_INT32(&key, field, order);
    BSON_APPEND_DOCUMENT(&index, "key", &key);
    BSON_APPEND_UTF8(&index, "name", name);
    if (unique)
        BSON_APPEND_BOOL(&index, "unique", true);
    if (ttl)
        BSON_APPEND_INT32(&index, "expireAfterSeconds", 0);
    BSON_APPEND_DOCUMENT(&list, "0", &index);
    bson_t command = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&command, "createIndexes", coll_name);
    BSON_APPEND_ARRAY(&command, "indexes", &list);
    int rc = run_command(c, &command, "createIndexes", err, errlen);
    bson_destroy(&command);
    bson_destroy(&list);
    bson_destroy(&index);
    bson_destroy(&key);
    return rc;
}

/* Expired pastes: a TTL index where the server has them (MongoDB), else a
 * plain index for pasted's own sweep. FerretDB v1 answers NotImplemented
 * (238) to expireAfterSeconds. pasted checks expiry on every read anyway, so
 * the TTL monitor's delay (up to a minute) is never visible. */
static int ensure_expiry_index(mongoc_client_t *c, char *err, size_t errlen)
{
    char why[256];
    if (create_index(c, "expires", 1, "expires_ttl", 0, 1, why, sizeof why) == 0)
        return 0;
    log_info("no TTL index (%s); expired pastes are swept by pasted", why);
    return create_index(c, "expires", 1, "expires_1", 0, 0, err, errlen);
}

static int64_t int_field(const bson_t *doc, const char *name);

static int ensure_indexes(mongoc_client_t *c, char *err, size_t errlen)
{
    if (create_index(c, "pid", 1, "pid_1", 1, 0, err, errlen) != 0
        || create_index(c, "num", -1, "num_-1", 0, 0, err, errlen) != 0
        || create_index(c, "created", -1, "created_-1", 0, 0, err, errlen) != 0)
        return -1;
    return ensure_expiry_index(c, err, errlen);
}

/* mongo-c-driver's own messages, as pasted log lines. FerretDB has no
 * endSessions command, so the driver's complaint about it is noise. */
static void driver_log(mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
    (void)data;
    if (strstr(message, "endSessions"))
        return;
    if (level <= MONGOC_LOG_LEVEL_WARNING)
        log_warn("mongoc %s: %s", domain, message);
    else if (level <= MONGOC_LOG_LEVEL_INFO)
        log_debug("mongoc %s: %s", domain, message);
}

int mongo_store_open(const config *cfg, char *err, size_t errlen)
{
    bson_error_t e;
    mongoc_log_set_handler(driver_log, NULL);
    mongoc_init();
    store_uri = mongoc_uri_new_with_error(cfg->mongo_uri, &e);
    if (!store_uri) {
        set_err(err, errlen, "bad mongo_uri", &e);
        return -1;
    }
    mongoc_uri_set_appname(store_uri, "pasted");
    if (mongoc_uri_get_option_as_int32(store_uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 0) == 0)
        mongoc_uri_set_option_as_int32(store_uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
    client_pool = mongoc_client_pool_new(store_uri);
    if (!client_pool) {
        snprintf(err, errlen, "cannot create MongoDB client pool");
        return -1;
    }
    mongoc_client_pool_set_error_api(client_pool, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_pool_max_size(client_pool, (uint32_t)cfg->mongo_threads + 4);
    snprintf(db_name, sizeof db_name, "%s", cfg->mongo_database);
    snprintf(coll_name, sizeof coll_name, "%s", cfg->mongo_collection);
    if (mongo_store_ping(err, errlen) != 0)
        return -1;
    mongoc_client_t *c = borrow();
    int rc = ensure_indexes(c, err, errlen);
    give_back(c);
    return rc;
}

void mongo_store_close(void)
{
    if (client_pool)
        mongoc_client_pool_destroy(client_pool);
    if (store_uri)
        mongoc_uri_destroy(store_uri);
    client_pool = NULL;
    store_uri = NULL;
    mongoc_cleanup();
}

int mongo_store_ping(char *err, size_t errlen)
{
    mongoc_client_t *c = borrow();
    bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
    bson_error_t e;
    bool ok = mongoc_client_command_simple(c, "admin", cmd, NULL, NULL, &e);
    if (!ok)
        set_err(err, errlen, "MongoDB ping", &e);
    bson_destroy(cmd);
    give_back(c);
    return ok ? 0 : -1;
}

static int read_secret(mongoc_collection_t *meta, uint8_t secret[32])
{
    bson_t *q = BCON_NEW("_id", BCON_UTF8("id_key"));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(meta, q, NULL, NULL);
    const bson_t *doc;
    int found = 0;
    if (mongoc_cursor_next(cur, &doc)) {
        bson_iter_t it;
        bson_subtype_t st;
        uint32_t len = 0;
        const uint8_t *data = NULL;
        if (bson_iter_init_find(&it, doc, "key") && BSON_ITER_HOLDS_BINARY(&it)) {
            bson_iter_binary(&it, &st, &len, &data);
            if (len == 32) {
                memcpy(secret, data, 32);
                found = 1;
            }
        }
        if (!found)
            found = -1; /* present but not a 32-byte key: refuse to guess */
    }
    bson_error_t e;
    if (mongoc_cursor_error(cur, &e))
        found = -2;
    mongoc_cursor_destroy(cur);
    bson_destroy(q);
    return found;
}

int mongo_store_id_secret(uint8_t secret[32], char *err, size_t errlen)
{
    mongoc_client_t *c = borrow();
    mongoc_collection_t *meta = mongoc_client_get_collection(c, db_name, "meta");
    int rc = -1;
    for (int attempt = 0; attempt < 2 && rc != 0; attempt++) {
        int found = read_secret(meta, secret);
        if (found == 1) {
            rc = 0;
            break;
        }
        if (found < 0) {
            snprintf(err, errlen, found == -1 ? "meta.id_key is malformed" : "cannot read meta.id_key");
            break;
        }
        uint8_t fresh[32];
        if (getrandom(fresh, sizeof fresh, 0) != (ssize_t)sizeof fresh) {
            snprintf(err, errlen, "getrandom failed");
            break;
        }
        bson_t *doc = BCON_NEW("_id", BCON_UTF8("id_key"), "key", BCON_BIN(BSON_SUBTYPE_BINARY, fresh, 32));
        bson_error_t e;
        bool ok = mongoc_collection_insert_one(meta, doc, NULL, NULL, &e);
        bson_destroy(doc);
        if (ok) {
            memcpy(secret, fresh, 32);
            log_info("generated a new ID key and stored it in %s.meta", db_name);
            rc = 0;
        } else if (e.code != 11000) {
            set_err(err, errlen, "storing the ID key", &e);
            break;
        }
        /* duplicate key: another instance won the race; read theirs */
    }
    mongoc_collection_destroy(meta);
    give_back(c);
    return rc;
}

int mongo_store_insert(const paste *p, char *err, size_t errlen)
{
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&doc, "_id", p->id);
    BSON_APPEND_INT64(&doc, "num", (int64_t)p->num);
    BSON_APPEND_UTF8(&doc, "pid", p->id);
    BSON_APPEND_BINARY(&doc, "body", BSON_SUBTYPE_BINARY, p->body, (uint32_t)p->size);
    BSON_APPEND_UTF8(&doc, "title", p->title ? p->title : "");
    BSON_APPEND_UTF8(&doc, "lang", p->lang ? p->lang : "");
    BSON_APPEND_INT64(&doc, "size", (int64_t)p->size);
    BSON_APPEND_DATE_TIME(&doc, "created", p->created_ms);
    if (p->expires_ms)
        BSON_APPEND_DATE_TIME(&doc, "expires", p->expires_ms);
    else
        BSON_APPEND_NULL(&doc, "expires");
    BSON_APPEND_BOOL(&doc, "burn", p->burn);
    BSON_APPEND_BOOL(&doc, "unlisted", p->unlisted);
    BSON_APPEND_UTF8(&doc, "hash", p->hash);
    BSON_APPEND_UTF8(&doc, "token_hash", p->token_hash);
    BSON_APPEND_INT64(&doc, "views", 0);
    mongoc_client_t *c = borrow();
    mongoc_collection_t *coll = mongoc_client_get_collection(c, db_name, coll_name);
    bson_error_t e;
    /* w:majority-style acknowledgement is the default ("w:1"): the paste is
     * acknowledged to the user only after the store has it. */
    bool ok = mongoc_collection_insert_one(coll, &doc, NULL, NULL, &e);
    if (!ok)
        set_err(err, errlen, "insert", &e);
    mongoc_collection_destroy(coll);
    give_back(c);
    bson_destroy(&doc);
    return ok ? 0 : e.code == 11000 ? -2 : -1;
}

int mongo_store_max_num(int64_t *out, char *err, size_t errlen)
{
    mongoc_client_t *c = borrow();
    mongoc_collection_t *coll = mongoc_client_get_collection(c, db_name, coll_name);
    bson_t *opts = BCON_NEW("sort", "{", "num", BCON_INT32(-1), "}", "limit", BCON_INT64(1),
                            "projection", "{", "num", BCON_INT32(1), "}");
    bson_t q = BSON_INITIALIZER;
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, &q, opts, NULL);
    const bson_t *doc;
    *out = 0;
    if (mongoc_cursor_next(cur, &doc))
        *out = int_field(doc, "num");
    bson_error_t e;
    int rc = 0;
    if (mongoc_cursor_error(cur, &e)) {
        set_err(err, errlen, "find max", &e);
        rc = -1;
    }
    mongoc_cursor_destroy(cur);
    bson_destroy(&q);
    bson_destroy(opts);
    mongoc_collection_destroy(coll);
    /* the floor recorded in meta covers numbers of deleted pastes */
    mongoc_collection_t *meta = mongoc_client_get_collection(c, db_name, "meta");
    bson_t *fq = BCON_NEW("_id", BCON_UTF8("counter"));
    cur = mongoc_collection_find_with_opts(meta, fq, NULL, NULL);
    if (rc == 0 && mongoc_cursor_next(cur, &doc) && int_field(doc, "floor") > *out)
        *out = int_field(doc, "floor");
    if (rc == 0 && mongoc_cursor_error(cur, &e)) {
        set_err(err, errlen, "read counter floor", &e);
        rc = -1;
    }
    mongoc_cursor_destroy(cur);
    bson_destroy(fq);
    mongoc_collection_destroy(meta);
    give_back(c);
    return rc;
}

int mongo_store_raise_floor(int64_t n, char *err, size_t errlen)
{
    mongoc_client_t *c = borrow();
    mongoc_collection_t *meta = mongoc_client_get_collection(c, db_name, "meta");
    bson_t *sel = BCON_NEW("_id", BCON_UTF8("counter"));
    bson_t *upd = BCON_NEW("$max", "{", "floor", BCON_INT64(n), "}");
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
    bson_error_t e;
    bool ok = mongoc_collection_update_one(meta, sel, upd, opts, NULL, &e);
    if (!ok)
        set_err(err, errlen, "raise counter floor", &e);
    bson_destroy(sel);
    bson_destroy(upd);
    bson_destroy(opts);
    mongoc_collection_destroy(meta);
    give_back(c);
    return ok ? 0 : -1;
}

static char *dup_utf8_field(const bson_t *doc, const char *name)
{
    bson_iter_t it;
    const char *s = "";
    uint32_t len = 0;
    if (bson_iter_init_find(&it, doc, name) && BSON_ITER_HOLDS_UTF8(&it))
        s = bson_iter_utf8(&it, &len);
    char *copy = malloc((size_t)len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

static int64_t int_field(const bson_t *doc, const char *name)
{
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, name) && BSON_ITER_HOLDS_NUMBER(&it))
        return bson_iter_as_int64(&it);
    return 0;
}

static int64_t date_field(const bson_t *doc, const char *name)
{
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, name) && BSON_ITER_HOLDS_DATE_TIME(&it))
        return bson_iter_date_time(&it);
    return 0;
}

static paste *paste_from_doc(const bson_t *doc)
{
    paste *p = paste_new();
    bson_iter_t it;
    bson_subtype_t st;
    uint32_t len = 0;
    const uint8_t *data = NULL;
    if (!p)
        return NULL;
    if (bson_iter_init_find(&it, doc, "body") && BSON_ITER_HOLDS_BINARY(&it))
        bson_iter_binary(&it, &st, &len, &data);
    p->num = (uint64_t)int_field(doc, "num");
    char *pid = dup_utf8_field(doc, "pid");
    snprintf(p->id, sizeof p->id, "%s", pid ? pid : "");
    free(pid);
    p->title = dup_utf8_field(doc, "title");
    p->lang = dup_utf8_field(doc, "lang");
    p->size = len;
    p->body = malloc(len ? len : 1);
    if (p->body && len)
        memcpy(p->body, data, len);
    p->created_ms = date_field(doc, "created");
    p->expires_ms = date_field(doc, "expires");
    p->views = int_field(doc, "views");
    if (bson_iter_init_find(&it, doc, "burn") && BSON_ITER_HOLDS_BOOL(&it))
        p->burn = bson_iter_bool(&it);
    if (bson_iter_init_find(&it, doc, "unlisted") && BSON_ITER_HOLDS_BOOL(&it))
        p->unlisted = bson_iter_bool(&it);
    char *hash = dup_utf8_field(doc, "hash");
    snprintf(p->hash, sizeof p->hash, "%s", hash ? hash : "");
    free(hash);
    if (!p->body || !p->title || !p->lang) {
        paste_free(p);
        return NULL;
    }
    return p;
}

int mongo_store_find(const char *id, paste **out, char *err, size_t errlen)
{
    mongoc_client_t *c = borrow();
    mongoc_collection_t *coll = mongoc_client_get_collection(c, db_name, coll_name);
    bson_t *q = BCON_NEW("_id", BCON_UTF8(id));
    bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, q, opts, NULL);
    const bson_t *doc;
    int rc = 0;
    if (mongoc_cursor_next(cur, &doc)) {
        *out = paste_from_doc(doc);
        rc = *out ? 1 : -1;
        if (!*out)
            snprintf(err, errlen, "paste %s: cannot decode document", id);
    }
    bson_error_t e;
    if (rc == 0 && mongoc_cursor_error(cur, &e)) {
        set_err(err, errlen, "find", &e);
        rc = -1;
    }
    mongoc_cursor_destroy(cur);
    bson_destroy(q);
    bson_destroy(opts);
    mongoc_collection_destroy(coll);
    give_back(c);
    return rc;
}

/* Build a bulk with fill(), run it on the pastes collection; *count (when
 * not NULL) gets the reply's count_field. 0 ok, -1 error (err says what). */
typedef void (*bulk_fill)(mongoc_bulk_operation_t *bulk, const void *arg, size_t n);

static int run_bulk(bulk_fill fill, const void *arg, size_t n, const char *what,
                    const char *count_field, int64_t *count, char *err, size_t errlen)
{
    mongoc_client_t *c = borrow();
    mongoc_collection_t *coll = mongoc_client_get_collection(c, db_name, coll_name);
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(coll, NULL);
    fill(bulk, arg, n);
    bson_t reply;
    bson_error_t e;
    bool ok = mongoc_bulk_operation_execute(bulk, &reply, &e) != 0;
    if (ok && count) {
        bson_iter_t it;
        *count = bson_iter_init_find(&it, &reply, count_field) ? bson_iter_as_int64(&it) : 0;
    } else if (!ok) {
        set_err(err, errlen, what, &e);
    }
    bson_destroy(&reply);
    mongoc_bulk_operation_destroy(bulk);
    mongoc_collection_destroy(coll);
    give_back(c);
    return ok ? 0 : -1;
}

typedef struct views_at {
    const view_delta *d;
    int64_t now_ms;
} views_at;

static void fill_views(mongoc_bulk_operation_t *bulk, const void *arg, size_t n)
{
    const views_at *v = arg;
    for (size_t i = 0; i < n; i++) {
        char day_field[32];
        snprintf(day_field, sizeof day_field, "days.%s", v->d[i].day);
        bson_t *sel = BCON_NEW("_id", BCON_UTF8(v->d[i].id));
        bson_t *upd = BCON_NEW("$inc", "{", "views", BCON_INT64(v->d[i].count),
                               day_field, BCON_INT64(v->d[i].count), "}",
                               "$max", "{", "last_view", BCON_DATE_TIME(v->now_ms), "}");
        mongoc_bulk_operation_update_one(bulk, sel, upd, false);
        bson_destroy(sel);
        bson_destroy(upd);
    }
}

int mongo_store_add_views(const view_delta *d, size_t n, int64_t now_ms, char *err, size_t errlen)
{
    if (n == 0)
        return 0;
    views_at v = { d, now_ms };
    return run_bulk(fill_views, &v, n, "view update", NULL, NULL, err, errlen);
}

static int delete_matching(const bson_t *selector, int64_t *deleted, char *err, size_t errlen)
{
    mongoc_client_t *c = borrow();
    mongoc_collection_t *coll = mongoc_client_get_collection(c, db_name, coll_name);
    bson_t reply;
    bson_error_t e;
    bool ok = mongoc_collection_delete_many(coll, selector, NULL, &reply, &e);
    if (ok) {
        bson_iter_t it;
        *deleted = bson_iter_init_find(&it, &reply, "deletedCount") ? bson_iter_as_int64(&it) : 0;
    } else {
        set_err(err, errlen, "delete", &e);
    }
    bson_destroy(&reply);
    mongoc_collection_destroy(coll);
    give_back(c);
    return ok ? 0 : -1;
}

int mongo_store_delete(const char *id, const char *token_hash, char *err, size_t errlen)
{
    /* Delete only with the right token: the filter carries both, so a wrong
     * token can never delete, even racing another request. */
    bson_t *sel = BCON_NEW("_id", BCON_UTF8(id), "token_hash", BCON_UTF8(token_hash));
    int64_t n = 0;
    int rc = delete_matching(sel, &n, err, errlen);
    bson_destroy(sel);
    if (rc != 0)
        return -1;
    if (n > 0)
        return 1;
    paste *p = NULL;
    rc = mongo_store_find(id, &p, err, errlen);
    paste_free(p);
    return rc == 1 ? -2 : rc;
}

int mongo_store_remove(const char *id, char *err, size_t errlen)
{
    bson_t *sel = BCON_NEW("_id", BCON_UTF8(id));
    int64_t n = 0;
    int rc = delete_matching(sel, &n, err, errlen);
    bson_destroy(sel);
    return rc;
}

static void fill_removals(mongoc_bulk_operation_t *bulk, const void *arg, size_t n)
{
    const char *const *ids = arg;
    for (size_t i = 0; i < n; i++) {
        /* _id alone: the only filter FerretDB answers from an index */
        bson_t *sel = BCON_NEW("_id", BCON_UTF8(ids[i]));
        mongoc_bulk_operation_remove_one(bulk, sel);
        bson_destroy(sel);
    }
}

int mongo_store_remove_ids(const char *const *ids, size_t n, int64_t *deleted, char *err, size_t errlen)
{
    *deleted = 0;
    if (n == 0)
        return 0;
    return run_bulk(fill_removals, ids, n, "delete expired", "nRemoved", deleted, err, errlen);
}

long mongo_store_sweep(int64_t now_ms, char *err, size_t errlen)
{
    bson_t *sel = BCON_NEW("expires", "{", "$lte", BCON_DATE_TIME(now_ms), "}");
    int64_t n = 0;
    int rc = delete_matching(sel, &n, err, errlen);
    bson_destroy(sel);
    return rc == 0 ? (long)n : -1;
}
