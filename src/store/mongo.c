/* mongo.c - the durable store: one MongoDB document per paste.
 *
 * Document shape (collection from the config, "pastes" by default):
 *   { _id: <public id>, num: <counter, int64>, body: BinData(exact bytes),
 *     title, lang, size, created: Date, expires: Date|null, burn, unlisted,
 *     link: true (a short link, its body the target; absent otherwise),
 *     encrypted: true (a PrivateBin v2 document), views_max: N (when limited),
 *     parent: <id> (made from that paste; absent otherwise),
 *     hash: <sha256 hex>, views: int64, last_view: Date, days: { "YYYY-MM-DD": n } }
 * Every lookup is by _id, the public id: FerretDB v1 (SQLite) pushes only
 * _id filters down to SQLite, and in the build .tools/deps.sh makes (its
 * lookups use its _id index) they are ~1 ms at any size; any other filter scans
 * the collection (~30 us per paste). A number handed out twice gives the
 * same id, so _id also catches a counter that went back. No other index
 * on FerretDB (each one slows every create; ensure_indexes says why), a
 * TTL index on expires on MongoDB.
 * A "meta" collection holds the ID permutation's secret and the counter floor.
 *
 * Everything goes through one mongo_store handle (its client pool, database
 * and collection names). mongo-c-driver is blocking, so these functions run
 * on pool.c's threads (jobs.c) or the background thread; each borrows a
 * client from the handle's mongoc_client_pool_t and gives it back. */
#include "mongo.h"

#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/log.h"

struct mongo_store {
    mongoc_client_pool_t *clients;
    mongoc_uri_t *uri;
    char db_name[64], coll_name[64];
    mongo_watch_fn watch;       /* every command sent, for tests and debugging */
    void *watch_arg;
};

static void on_command_started(const mongoc_apm_command_started_t *event)
{
    mongo_store *m = mongoc_apm_command_started_get_context(event);
    if (m && m->watch)
        m->watch(m->watch_arg, mongoc_apm_command_started_get_command_name(event),
                 mongoc_apm_command_started_get_command(event));
}

void mongo_watch(mongo_store *m, mongo_watch_fn fn, void *arg)
{
    m->watch_arg = arg;
    m->watch = fn;
}

/* The pool takes APM callbacks only before its first client is used: set
 * once at open, they cost a test of m->watch per command. */
static void install_watch(mongo_store *m)
{
    mongoc_apm_callbacks_t *cb = mongoc_apm_callbacks_new();
    mongoc_apm_set_command_started_cb(cb, on_command_started);
    mongoc_client_pool_set_apm_callbacks(m->clients, cb, m);
    mongoc_apm_callbacks_destroy(cb);
}

/* A driver error as a fault: the store did not do it (503 to a user). */
static int set_err(fault *f, const char *what, const bson_error_t *e)
{
    return fault_set(f, FAULT_UNAVAILABLE, NULL, "%s: %.200s", what, e ? e->message : "failed");
}

static mongoc_client_t *borrow(mongo_store *m) { return mongoc_client_pool_pop(m->clients); }
static void give_back(mongo_store *m, mongoc_client_t *c) { mongoc_client_pool_push(m->clients, c); }

static int run_command(mongo_store *m, mongoc_client_t *c, const bson_t *cmd, const char *what, fault *f)
{
    bson_error_t e;
    bool ok = mongoc_client_write_command_with_opts(c, m->db_name, cmd, NULL, NULL, &e);
    if (!ok)
        set_err(f, what, &e);
    return ok ? 0 : -1;
}

/* One createIndexes command per index: FerretDB v1.24 panics (and drops the
 * connection) when one command re-creates several existing indexes. */
static int create_index(mongo_store *m, mongoc_client_t *c, const char *field, int order, const char *name,
                        int ttl, fault *f)
{
    bson_t index = BSON_INITIALIZER, key = BSON_INITIALIZER, list = BSON_INITIALIZER;
    BSON_APPEND_INT32(&key, field, order);
    BSON_APPEND_DOCUMENT(&index, "key", &key);
    BSON_APPEND_UTF8(&index, "name", name);
    if (ttl)
        BSON_APPEND_INT32(&index, "expireAfterSeconds", 0);
    BSON_APPEND_DOCUMENT(&list, "0", &index);
    bson_t command = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&command, "createIndexes", m->coll_name);
    BSON_APPEND_ARRAY(&command, "indexes", &list);
    int rc = run_command(m, c, &command, "createIndexes", f);
    bson_destroy(&command);
    bson_destroy(&list);
    bson_destroy(&index);
    bson_destroy(&key);
    return rc;
}

/* An index pasted no longer wants (made by an older version); gone already is fine. */
static void drop_index(mongo_store *m, mongoc_client_t *c, const char *name)
{
    bson_t *cmd = BCON_NEW("dropIndexes", BCON_UTF8(m->coll_name), "index", BCON_UTF8(name));
    bson_error_t e;
    if (mongoc_client_write_command_with_opts(c, m->db_name, cmd, NULL, NULL, &e))
        log_info("dropped the index %s (pasted no longer uses it)", name);
    bson_destroy(cmd);
}

/* Every index is paid for on every create (FerretDB on SQLite: 2 extra
 * indexes cost about 35 % of its insert rate, measured with
 * tests/bench/mongo_insert), so pasted keeps only what a query uses:
 *   - _id, which every lookup goes by;
 *   - where the server has them (MongoDB), a TTL index on expires: the
 *     server deletes expired documents itself, and the expiry index's rebuild
 *     after a Redis loss (a query on expires) can use it. FerretDB v1
 *     answers NotImplemented (238) to expireAfterSeconds and would use no
 *     index on expires for any query: there, no index on it at all.
 * pasted checks expiry on every read, so the TTL monitor's delay (up to a
 * minute) is never visible. Older versions made pid_1 (unique; documents
 * no longer carry pid) and, on FerretDB, a plain expires_1: both dropped. */
static int ensure_indexes(mongo_store *m, mongoc_client_t *c, fault *f)
{
    /* made now, not by the first create, so that its indexes below are made
     * on a collection that exists, whatever the server does with them */
    bson_t *create = BCON_NEW("create", BCON_UTF8(m->coll_name));
    bson_error_t e;
    bool made = mongoc_client_write_command_with_opts(c, m->db_name, create, NULL, NULL, &e);
    bson_destroy(create);
    if (!made && e.code != 48)      /* 48: it exists already */
        return set_err(f, "create the collection", &e);
    drop_index(m, c, "pid_1");
    fault why;
    if (create_index(m, c, "expires", 1, "expires_ttl", 1, &why) == 0)
        return 0;
    log_info("no TTL index (%s); expired pastes are swept by pasted", why.message);
    drop_index(m, c, "expires_1");
    return 0;
}

static int64_t int_field(const bson_t *doc, const char *name);
static char *dup_utf8_field(const bson_t *doc, const char *name);

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

static void driver_init(void)
{
    mongoc_log_set_handler(driver_log, NULL);
    mongoc_init();
}

/* How many members acknowledge a write before a create is answered:
 * mongo_write_concern ("majority", a number, or "" for: majority when the
 * URI names a replica set, so a failover cannot take back an acknowledged
 * paste; else the server's default). A w= in the URI wins. -1 bad. */
static int set_write_concern(mongoc_uri_t *uri, const char *setting, fault *f)
{
    const mongoc_write_concern_t *given = mongoc_uri_get_write_concern(uri);
    if (given && mongoc_write_concern_get_w(given) != MONGOC_WRITE_CONCERN_W_DEFAULT)
        return 0;
    int majority = strcmp(setting, "majority") == 0 || (!setting[0] && mongoc_uri_get_replica_set(uri));
    char *end = NULL;
    long w = setting[0] && !majority ? strtol(setting, &end, 10) : 0;
    if (setting[0] && !majority && (*end || w < 0 || w > 50))
        return fault_set(f, FAULT_INVALID, "mongo_write_concern",
                         "mongo_write_concern '%s' is not majority or a number of members", setting);
    if (!majority && !setting[0])
        return 0;
    mongoc_write_concern_t *wc = mongoc_write_concern_new();
    if (majority)
        mongoc_write_concern_set_wmajority(wc, 0);
    else
        mongoc_write_concern_set_w(wc, (int32_t)w);
    mongoc_uri_set_write_concern(uri, wc);
    mongoc_write_concern_destroy(wc);
    return 0;
}

mongo_store *mongo_open(const config *cfg, int timeout_ms, int make_indexes, fault *f)
{
    bson_error_t e;
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, driver_init);
    mongo_store *m = calloc(1, sizeof *m);
    if (!m) {
        fault_no_memory(f);
        return NULL;
    }
    m->uri = mongoc_uri_new_with_error(cfg->mongo_uri, &e);
    if (!m->uri) {
        fault_set(f, FAULT_INVALID, "mongo_uri", "bad mongo_uri: %.200s", e.message);
        mongo_close(m);
        return NULL;
    }
    mongoc_uri_set_appname(m->uri, "pasted");
    if (set_write_concern(m->uri, cfg->mongo_write_concern, f) != 0) {
        mongo_close(m);
        return NULL;
    }
    /* A frozen or dead store must fail a call within timeout_ms, not the
     * driver's 300 s: a request answers 503 and its thread is free again.
     * The URI's own settings win. */
    const char *timeouts[] = { MONGOC_URI_SOCKETTIMEOUTMS, MONGOC_URI_CONNECTTIMEOUTMS,
                               MONGOC_URI_SERVERSELECTIONTIMEOUTMS };
    for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++)
        if (mongoc_uri_get_option_as_int32(m->uri, timeouts[i], 0) == 0)
            mongoc_uri_set_option_as_int32(m->uri, timeouts[i], timeout_ms);
    m->clients = mongoc_client_pool_new(m->uri);
    if (!m->clients) {
        fault_set(f, FAULT_UNAVAILABLE, NULL, "cannot create MongoDB client pool");
        mongo_close(m);
        return NULL;
    }
    mongoc_client_pool_set_error_api(m->clients, MONGOC_ERROR_API_VERSION_2);
    install_watch(m);
    /* one client per request thread, per insert the group commit may have
     * at the store, and a few for the rest: an insert never takes the
     * client a read or a delete waits for */
    mongoc_client_pool_max_size(m->clients, (uint32_t)(cfg->mongo_threads + cfg->insert_in_flight + 3));
    snprintf(m->db_name, sizeof m->db_name, "%s", cfg->mongo_database);
    snprintf(m->coll_name, sizeof m->coll_name, "%s", cfg->mongo_collection);
    if (mongo_ping(m, f) != 0) {
        mongo_close(m);
        return NULL;
    }
    mongoc_client_t *c = make_indexes ? borrow(m) : NULL;
    int rc = c ? ensure_indexes(m, c, f) : 0;
    if (c)
        give_back(m, c);
    if (rc != 0) {
        mongo_close(m);
        return NULL;
    }
    return m;
}

int mongo_id_lookups_indexed(mongo_store *m)
{
    mongoc_client_t *c = borrow(m);
    mongoc_database_t *db = mongoc_client_get_database(c, m->db_name);
    bson_t *explain = BCON_NEW("explain", "{", "find", BCON_UTF8(m->coll_name), "filter", "{",
                               "_id", BCON_UTF8("x"), "}", "}");
    bson_t reply;
    int rc = -1;
    if (mongoc_database_command_simple(db, explain, NULL, &reply, NULL)) {
        char *json = bson_as_relaxed_extended_json(&reply, NULL);
        if (json && strstr(json, "ferretdbVersion"))
            rc = strstr(json, "USING INDEX") != NULL;      /* SQLite's plan: SEARCH ... USING INDEX */
        else if (json)
            rc = strstr(json, "IDHACK") || strstr(json, "IXSCAN") || strstr(json, "EXPRESS");
        bson_free(json);
    }
    bson_destroy(&reply);
    bson_destroy(explain);
    mongoc_database_destroy(db);
    give_back(m, c);
    return rc;
}

void mongo_shutdown(void)
{
    mongoc_cleanup();
}

void mongo_close(mongo_store *m)
{
    if (!m)
        return;
    if (m->clients)
        mongoc_client_pool_destroy(m->clients);
    if (m->uri)
        mongoc_uri_destroy(m->uri);
    free(m);
}

int mongo_ping(mongo_store *m, fault *f)
{
    mongoc_client_t *c = borrow(m);
    bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
    bson_error_t e;
    bool ok = mongoc_client_command_simple(c, "admin", cmd, NULL, NULL, &e);
    if (!ok)
        set_err(f, "MongoDB ping", &e);
    bson_destroy(cmd);
    give_back(m, c);
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

int mongo_id_secret(mongo_store *m, uint8_t secret[32], fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *meta = mongoc_client_get_collection(c, m->db_name, "meta");
    int rc = -1;
    for (int attempt = 0; attempt < 2 && rc != 0; attempt++) {
        int found = read_secret(meta, secret);
        if (found == 1) {
            rc = 0;
            break;
        }
        if (found < 0) {
            fault_set(f, FAULT_UNAVAILABLE, NULL, found == -1 ? "meta.id_key is malformed" : "cannot read meta.id_key");
            break;
        }
        uint8_t fresh[32];
        if (getrandom(fresh, sizeof fresh, 0) != (ssize_t)sizeof fresh) {
            fault_set(f, FAULT_UNAVAILABLE, NULL, "getrandom failed");
            break;
        }
        bson_t *doc = BCON_NEW("_id", BCON_UTF8("id_key"), "key", BCON_BIN(BSON_SUBTYPE_BINARY, fresh, 32));
        bson_error_t e;
        bool ok = mongoc_collection_insert_one(meta, doc, NULL, NULL, &e);
        bson_destroy(doc);
        if (ok) {
            memcpy(secret, fresh, 32);
            log_info("generated a new ID key and stored it in %s.meta", m->db_name);
            rc = 0;
        } else if (e.code != 11000) {
            set_err(f, "storing the ID key", &e);
            break;
        }
        /* duplicate key: another instance won the race; read theirs */
    }
    mongoc_collection_destroy(meta);
    give_back(m, c);
    return rc;
}

static void paste_document(const paste *p, bson_t *doc)
{
    BSON_APPEND_UTF8(doc, "_id", p->id);
    BSON_APPEND_INT64(doc, "num", (int64_t)p->num);
    BSON_APPEND_BINARY(doc, "body", BSON_SUBTYPE_BINARY, p->body, (uint32_t)p->size);
    BSON_APPEND_UTF8(doc, "title", p->title ? p->title : "");
    BSON_APPEND_UTF8(doc, "lang", p->lang ? p->lang : "");
    BSON_APPEND_INT64(doc, "size", (int64_t)p->size);
    BSON_APPEND_DATE_TIME(doc, "created", p->created_ms);
    if (p->expires_ms)
        BSON_APPEND_DATE_TIME(doc, "expires", p->expires_ms);
    else
        BSON_APPEND_NULL(doc, "expires");
    BSON_APPEND_BOOL(doc, "burn", p->burn);
    BSON_APPEND_BOOL(doc, "unlisted", p->unlisted);
    if (p->link)
        BSON_APPEND_BOOL(doc, "link", 1);
    if (p->encrypted)
        BSON_APPEND_BOOL(doc, "encrypted", 1);
    if (p->views_max)
        BSON_APPEND_INT32(doc, "views_max", p->views_max);
    if (p->parent[0])
        BSON_APPEND_UTF8(doc, "parent", p->parent);
    BSON_APPEND_UTF8(doc, "hash", p->hash);
    BSON_APPEND_UTF8(doc, "token_hash", p->token_hash);
    BSON_APPEND_INT64(doc, "views", 0);
}

int mongo_insert(mongo_store *m, const paste *p, fault *f)
{
    bson_t doc = BSON_INITIALIZER;
    paste_document(p, &doc);
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, m->db_name, m->coll_name);
    bson_error_t e;
    /* acknowledged writes (the default, w:1): the paste is acknowledged to
     * the user only after the store has it */
    bool ok = mongoc_collection_insert_one(coll, &doc, NULL, NULL, &e);
    if (!ok && e.code == 11000)
        fault_set(f, FAULT_EXISTS, NULL, "paste number %llu is taken", (unsigned long long)p->num);
    else if (!ok)
        set_err(f, "insert", &e);
    mongoc_collection_destroy(coll);
    give_back(m, c);
    bson_destroy(&doc);
    return ok ? 0 : -1;
}

static size_t count_array(const bson_t *reply, const char *name)
{
    bson_iter_t it, items;
    size_t n = 0;
    if (bson_iter_init_find(&it, reply, name) && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &items))
        while (bson_iter_next(&items))
            n++;
    return n;
}

static int64_t inserted_count(const bson_t *reply)
{
    bson_iter_t it;
    return bson_iter_init_find(&it, reply, "nInserted") && BSON_ITER_HOLDS_NUMBER(&it)
         ? bson_iter_as_int64(&it) : -1;
}

/* The reply's writeErrors: each one's index gets its kind. */
static void mark_write_errors(const bson_t *reply, fault_kind *result, size_t n)
{
    bson_iter_t it, errors;
    if (!bson_iter_init_find(&it, reply, "writeErrors") || !BSON_ITER_HOLDS_ARRAY(&it)
        || !bson_iter_recurse(&it, &errors))
        return;
    while (bson_iter_next(&errors)) {
        bson_iter_t e, field;
        if (!BSON_ITER_HOLDS_DOCUMENT(&errors) || !bson_iter_recurse(&errors, &e))
            continue;
        int64_t index = -1, code = 0;
        if (bson_iter_find(&e, "index") && BSON_ITER_HOLDS_NUMBER(&e))
            index = bson_iter_as_int64(&e);
        if (bson_iter_recurse(&errors, &field) && bson_iter_find(&field, "code")
            && BSON_ITER_HOLDS_NUMBER(&field))
            code = bson_iter_as_int64(&field);
        if (index >= 0 && (size_t)index < n)
            result[index] = code == 11000 ? FAULT_EXISTS : FAULT_UNAVAILABLE;
    }
}

int mongo_insert_many(mongo_store *m, const paste *const *ps, size_t n, fault_kind *result, fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, m->db_name, m->coll_name);
    bson_t *opts = BCON_NEW("ordered", BCON_BOOL(false));
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(coll, opts);
    for (size_t i = 0; i < n; i++) {
        bson_t doc = BSON_INITIALIZER;
        paste_document(ps[i], &doc);
        mongoc_bulk_operation_insert(bulk, &doc);
        bson_destroy(&doc);
        result[i] = FAULT_NONE;
    }
    bson_t reply;
    bson_error_t e;
    bool ok = mongoc_bulk_operation_execute(bulk, &reply, &e) != 0;
    int rc = 0;
    if (!ok) {
        /* A refused document is listed in writeErrors and the others are in;
         * anything else (no answer, a write concern not met) may have stored
         * none of them, or not durably: every one of them failed. */
        size_t refused = count_array(&reply, "writeErrors");
        if (refused > 0 && count_array(&reply, "writeConcernErrors") == 0
            && inserted_count(&reply) + (int64_t)refused == (int64_t)n) {
            mark_write_errors(&reply, result, n);
        } else {
            for (size_t i = 0; i < n; i++)
                result[i] = FAULT_UNAVAILABLE;
            rc = set_err(f, "insert", &e);
        }
    }
    bson_destroy(&reply);
    bson_destroy(opts);
    mongoc_bulk_operation_destroy(bulk);
    mongoc_collection_destroy(coll);
    give_back(m, c);
    return rc;
}

int mongo_counter_floor(mongo_store *m, int64_t *out, fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *meta = mongoc_client_get_collection(c, m->db_name, "meta");
    bson_t *q = BCON_NEW("_id", BCON_UTF8("counter"));
    bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(meta, q, opts, NULL);
    const bson_t *doc;
    *out = 0;
    if (mongoc_cursor_next(cur, &doc))
        *out = int_field(doc, "floor");
    bson_error_t e;
    int rc = 0;
    if (mongoc_cursor_error(cur, &e))
        rc = set_err(f, "read counter floor", &e);
    mongoc_cursor_destroy(cur);
    bson_destroy(q);
    bson_destroy(opts);
    mongoc_collection_destroy(meta);
    give_back(m, c);
    return rc;
}

int mongo_raise_floor(mongo_store *m, int64_t n, fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *meta = mongoc_client_get_collection(c, m->db_name, "meta");
    bson_t *sel = BCON_NEW("_id", BCON_UTF8("counter"));
    bson_t *upd = BCON_NEW("$max", "{", "floor", BCON_INT64(n), "}");
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
    bson_error_t e;
    bool ok = mongoc_collection_update_one(meta, sel, upd, opts, NULL, &e);
    if (!ok)
        set_err(f, "raise counter floor", &e);
    bson_destroy(sel);
    bson_destroy(upd);
    bson_destroy(opts);
    mongoc_collection_destroy(meta);
    give_back(m, c);
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
    char *pid = dup_utf8_field(doc, "_id");
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
    if (bson_iter_init_find(&it, doc, "link") && BSON_ITER_HOLDS_BOOL(&it))
        p->link = bson_iter_bool(&it);
    if (bson_iter_init_find(&it, doc, "encrypted") && BSON_ITER_HOLDS_BOOL(&it))
        p->encrypted = bson_iter_bool(&it);
    int64_t views_max = int_field(doc, "views_max");
    p->views_max = views_max > 0 && views_max <= PASTE_VIEWS_MAX ? (int)views_max : 0;
    char *parent = dup_utf8_field(doc, "parent");
    if (parent && ids_is_wellformed(parent, strlen(parent)))
        snprintf(p->parent, sizeof p->parent, "%s", parent);
    free(parent);
    char *hash = dup_utf8_field(doc, "hash");
    snprintf(p->hash, sizeof p->hash, "%s", hash ? hash : "");
    free(hash);
    if (!p->body || !p->title || !p->lang) {
        paste_free(p);
        return NULL;
    }
    return p;
}

/* The one document whose _id is id (with only projection's fields, when
 * given) to take(doc, out): 0, or -1 with FAULT_NOT_FOUND, or what take or
 * the store said. */
static int find_by_id(mongo_store *m, const char *id, const bson_t *projection,
                      int (*take)(const bson_t *doc, void *out, fault *f), void *out, fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, m->db_name, m->coll_name);
    bson_t *q = BCON_NEW("_id", BCON_UTF8(id));
    bson_t *opts = BCON_NEW("limit", BCON_INT64(1));
    if (projection)
        BSON_APPEND_DOCUMENT(opts, "projection", projection);
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, q, opts, NULL);
    const bson_t *doc;
    bson_error_t e;
    int rc = -1;
    if (mongoc_cursor_next(cur, &doc))
        rc = take(doc, out, f);
    else if (mongoc_cursor_error(cur, &e))
        set_err(f, "find", &e);
    else
        fault_set(f, FAULT_NOT_FOUND, NULL, "no such paste");
    mongoc_cursor_destroy(cur);
    bson_destroy(q);
    bson_destroy(opts);
    mongoc_collection_destroy(coll);
    give_back(m, c);
    return rc;
}

static int take_paste(const bson_t *doc, void *out, fault *f)
{
    paste **p = out;
    *p = paste_from_doc(doc);
    return *p ? 0 : fault_set(f, FAULT_UNAVAILABLE, NULL, "a paste document that cannot be decoded");
}

/* days: { "YYYY-MM-DD": n, ... } -> the latest STATS_MAX_DAYS, oldest first */
static int take_stats(const bson_t *doc, void *out, fault *f)
{
    (void)f;
    paste_stats *st = out;
    st->views = int_field(doc, "views");
    st->last_view_ms = date_field(doc, "last_view");
    bson_iter_t it, day;
    if (!bson_iter_init_find(&it, doc, "days") || !BSON_ITER_HOLDS_DOCUMENT(&it) || !bson_iter_recurse(&it, &day))
        return 0;
    while (bson_iter_next(&day)) {
        const char *key = bson_iter_key(&day);
        if (strlen(key) != 10 || !BSON_ITER_HOLDS_NUMBER(&day))
            continue;
        size_t at = st->ndays;
        if (at == STATS_MAX_DAYS && strcmp(key, st->days[0].day) < 0)
            continue;                   /* full, and older than every day kept */
        if (at == STATS_MAX_DAYS) {     /* full: drop the oldest */
            memmove(st->days, st->days + 1, (STATS_MAX_DAYS - 1) * sizeof st->days[0]);
            at--;
        } else {
            st->ndays++;
        }
        /* insertion in order: the days arrive almost sorted ($inc appends new ones) */
        while (at > 0 && strcmp(st->days[at - 1].day, key) > 0) {
            st->days[at] = st->days[at - 1];
            at--;
        }
        memcpy(st->days[at].day, key, 11);
        st->days[at].n = bson_iter_as_int64(&day);
    }
    return 0;
}

int mongo_paste_stats(mongo_store *m, const char *id, paste_stats *out, fault *f)
{
    memset(out, 0, sizeof *out);
    bson_t *projection = BCON_NEW("views", BCON_INT32(1), "last_view", BCON_INT32(1), "days", BCON_INT32(1));
    int rc = find_by_id(m, id, projection, take_stats, out, f);
    bson_destroy(projection);
    return rc;
}

int mongo_find(mongo_store *m, const char *id, paste **out, fault *f)
{
    *out = NULL;
    return find_by_id(m, id, NULL, take_paste, out, f);
}

/* Build a bulk with fill(), run it on the pastes collection; *count (when
 * not NULL) gets the reply's count_field. 0 ok, -1 with f. */
typedef void (*bulk_fill)(mongoc_bulk_operation_t *bulk, const void *arg, size_t n);

static int run_bulk(mongo_store *m, bulk_fill fill, const void *arg, size_t n, const char *what,
                    const char *count_field, int64_t *count, fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, m->db_name, m->coll_name);
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(coll, NULL);
    fill(bulk, arg, n);
    bson_t reply;
    bson_error_t e;
    bool ok = mongoc_bulk_operation_execute(bulk, &reply, &e) != 0;
    if (ok && count) {
        bson_iter_t it;
        *count = bson_iter_init_find(&it, &reply, count_field) ? bson_iter_as_int64(&it) : 0;
    } else if (!ok) {
        set_err(f, what, &e);
    }
    bson_destroy(&reply);
    mongoc_bulk_operation_destroy(bulk);
    mongoc_collection_destroy(coll);
    give_back(m, c);
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

int mongo_add_views(mongo_store *m, const view_delta *d, size_t n, int64_t now_ms, fault *f)
{
    if (n == 0)
        return 0;
    views_at v = { d, now_ms };
    return run_bulk(m, fill_views, &v, n, "view update", NULL, NULL, f);
}

static int delete_matching(mongo_store *m, const bson_t *selector, int64_t *deleted, fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, m->db_name, m->coll_name);
    bson_t reply;
    bson_error_t e;
    bool ok = mongoc_collection_delete_many(coll, selector, NULL, &reply, &e);
    if (ok) {
        bson_iter_t it;
        *deleted = bson_iter_init_find(&it, &reply, "deletedCount") ? bson_iter_as_int64(&it) : 0;
    } else {
        set_err(f, "delete", &e);
    }
    bson_destroy(&reply);
    mongoc_collection_destroy(coll);
    give_back(m, c);
    return ok ? 0 : -1;
}

static int take_token_hash(const bson_t *doc, void *out, fault *f)
{
    (void)f;
    char *hash = dup_utf8_field(doc, "token_hash");
    snprintf(out, PASTE_HASH_HEX + 1, "%s", hash ? hash : "");
    free(hash);
    return 0;
}

int mongo_delete(mongo_store *m, const char *id, const char *token_hash, fault *f)
{
    /* By _id alone, the one filter every MongoDB server (and FerretDB)
     * answers from an index; the token is compared here, in constant time,
     * so a wrong token costs one lookup and never a scan. */
    char stored[PASTE_HASH_HEX + 1];
    bson_t *only_hash = BCON_NEW("token_hash", BCON_INT32(1));
    int found = find_by_id(m, id, only_hash, take_token_hash, stored, f);
    bson_destroy(only_hash);
    if (found != 0)
        return -1;
    if (strlen(stored) != PASTE_HASH_HEX || strlen(token_hash) != PASTE_HASH_HEX
        || !equal_constant_time(stored, token_hash, PASTE_HASH_HEX))
        return fault_set(f, FAULT_DENIED, "X-Delete-Token", "wrong delete token");
    bson_t *sel = BCON_NEW("_id", BCON_UTF8(id));
    int64_t n = 0;
    int rc = delete_matching(m, sel, &n, f);
    bson_destroy(sel);
    if (rc == 0 && n == 0)   /* deleted meanwhile by someone who had the token too */
        return fault_set(f, FAULT_NOT_FOUND, NULL, "no such paste");
    return rc;
}

static int remove_by_id(mongo_store *m, const char *id, int64_t *removed, fault *f)
{
    bson_t *sel = BCON_NEW("_id", BCON_UTF8(id));
    int rc = delete_matching(m, sel, removed, f);
    bson_destroy(sel);
    return rc;
}

int mongo_remove(mongo_store *m, const char *id, fault *f)
{
    int64_t n = 0;
    return remove_by_id(m, id, &n, f);
}

int mongo_remove_existing(mongo_store *m, const char *id, fault *f)
{
    int64_t n = 0;
    if (remove_by_id(m, id, &n, f) != 0)
        return -1;
    return n == 0 ? fault_set(f, FAULT_NOT_FOUND, NULL, "no such paste") : 0;
}

/* --- moderation: reports and the blocklist ----------------------------------- *
 * Collections "reports" ({_id: random hex, paste, reason, note, client,
 * created: Date}) and "blocklist" ({_id: keyed content hash, created}). Both
 * stay small (reports are rate limited; blocks are the operator's), and are
 * only read by the operator's pages and at start-up. */

static int insert_into(mongo_store *m, const char *collection, bson_t *doc, fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, m->db_name, collection);
    bson_error_t e;
    bool ok = mongoc_collection_insert_one(coll, doc, NULL, NULL, &e);
    if (!ok && e.code != 11000)     /* a block made twice is one block */
        set_err(f, "insert", &e);
    mongoc_collection_destroy(coll);
    give_back(m, c);
    bson_destroy(doc);
    return ok || e.code == 11000 ? 0 : -1;
}

int mongo_report_add(mongo_store *m, const report *r, fault *f)
{
    uint8_t raw[12];
    char id[25];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return fault_set(f, FAULT_UNAVAILABLE, NULL, "no randomness available");
    hex_encode(raw, sizeof raw, id);
    return insert_into(m, "reports",
                       BCON_NEW("_id", BCON_UTF8(id), "paste", BCON_UTF8(r->paste), "reason", BCON_UTF8(r->reason),
                                "note", BCON_UTF8(r->note), "client", BCON_UTF8(r->client), "created",
                                BCON_DATE_TIME(r->created_ms)),
                       f);
}

static void report_from_doc(const bson_t *doc, report *r)
{
    memset(r, 0, sizeof *r);
    const struct { const char *name; char *out; size_t size; } fields[] = {
        { "paste", r->paste, sizeof r->paste }, { "reason", r->reason, sizeof r->reason },
        { "note", r->note, sizeof r->note }, { "client", r->client, sizeof r->client },
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *v = dup_utf8_field(doc, fields[i].name);
        snprintf(fields[i].out, fields[i].size, "%s", v ? v : "");
        free(v);
    }
    r->created_ms = date_field(doc, "created");
}

/* Every document of a small collection (in opts' order, at most max),
 * each handed to take with its index. How many, or -1 with f. */
typedef void (*take_doc_fn)(const bson_t *doc, void *out, size_t i);

static long read_all(mongo_store *m, const char *collection, const bson_t *opts, take_doc_fn take, void *out,
                     size_t max, const char *what, fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, m->db_name, collection);
    bson_t *q = bson_new();
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, q, opts, NULL);
    const bson_t *doc;
    size_t n = 0;
    while (n < max && mongoc_cursor_next(cur, &doc))
        take(doc, out, n++);
    bson_error_t e;
    long rc = (long)n;
    if (mongoc_cursor_error(cur, &e))
        rc = set_err(f, what, &e);
    mongoc_cursor_destroy(cur);
    bson_destroy(q);
    mongoc_collection_destroy(coll);
    give_back(m, c);
    return rc;
}

static void take_report(const bson_t *doc, void *out, size_t i)
{
    report_from_doc(doc, &((report *)out)[i]);
}

long mongo_reports(mongo_store *m, report *out, size_t max, fault *f)
{
    bson_t *opts = BCON_NEW("sort", "{", "created", BCON_INT32(-1), "}", "limit", BCON_INT64((int64_t)max));
    long n = read_all(m, "reports", opts, take_report, out, max, "list reports", f);
    bson_destroy(opts);
    return n;
}

int mongo_reports_forget(mongo_store *m, const char *paste_id, fault *f)
{
    mongoc_client_t *c = borrow(m);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, m->db_name, "reports");
    bson_t *sel = BCON_NEW("paste", BCON_UTF8(paste_id));
    bson_error_t e;
    bool ok = mongoc_collection_delete_many(coll, sel, NULL, NULL, &e);
    if (!ok)
        set_err(f, "forget reports", &e);
    bson_destroy(sel);
    mongoc_collection_destroy(coll);
    give_back(m, c);
    return ok ? 0 : -1;
}

int mongo_block(mongo_store *m, const char *key_hex, int64_t now_ms, fault *f)
{
    return insert_into(m, "blocklist", BCON_NEW("_id", BCON_UTF8(key_hex), "created", BCON_DATE_TIME(now_ms)), f);
}

/* a malformed key is kept as "" (a SADD of it matches nothing) */
static void take_block_key(const bson_t *doc, void *out, size_t i)
{
    char (*keys)[SHA256_HEX + 1] = out;
    char *k = dup_utf8_field(doc, "_id");
    snprintf(keys[i], SHA256_HEX + 1, "%s", k && strlen(k) == SHA256_HEX ? k : "");
    free(k);
}

long mongo_blocklist(mongo_store *m, char (*out)[SHA256_HEX + 1], size_t max, fault *f)
{
    return read_all(m, "blocklist", NULL, take_block_key, out, max, "read the blocklist", f);
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

int mongo_remove_ids(mongo_store *m, const char *const *ids, size_t n, int64_t *deleted, fault *f)
{
    *deleted = 0;
    if (n == 0)
        return 0;
    return run_bulk(m, fill_removals, ids, n, "delete expired", "nRemoved", deleted, f);
}

/* One cursor over the pastes that expire, read at the caller's pace: the
 * client stays borrowed from the background handle until the walk closes. */
struct mongo_walk {
    mongo_store         *m;
    mongoc_client_t     *client;
    mongoc_collection_t *coll;
    mongoc_cursor_t     *cursor;
};

mongo_walk *mongo_walk_expiring(mongo_store *m, size_t batch, fault *f)
{
    mongo_walk *w = calloc(1, sizeof *w);
    if (!w) {
        fault_no_memory(f);
        return NULL;
    }
    w->m = m;
    w->client = borrow(m);
    w->coll = mongoc_client_get_collection(w->client, m->db_name, m->coll_name);
    bson_t *q = BCON_NEW("expires", "{", "$type", BCON_UTF8("date"), "}");
    bson_t *opts = BCON_NEW("projection", "{", "_id", BCON_INT32(1), "expires", BCON_INT32(1), "}",
                            "batchSize", BCON_INT32((int32_t)batch));
    w->cursor = mongoc_collection_find_with_opts(w->coll, q, opts, NULL);
    bson_destroy(q);
    bson_destroy(opts);
    return w;
}

int mongo_walk_next(mongo_walk *w, mongo_expiring *out, size_t max, size_t *got, fault *f)
{
    *got = 0;
    const bson_t *doc;
    while (*got < max && mongoc_cursor_next(w->cursor, &doc)) {
        bson_iter_t it;
        if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_UTF8(&it))
            continue;
        uint32_t len = 0;
        const char *id = bson_iter_utf8(&it, &len);
        int64_t expires = date_field(doc, "expires");
        if (len == 0 || len >= sizeof out->id || expires <= 0)
            continue;   /* not a paste pasted made: nothing to index */
        memcpy(out[*got].id, id, len + 1);
        out[*got].expires_ms = expires;
        (*got)++;
    }
    bson_error_t e;
    if (mongoc_cursor_error(w->cursor, &e))
        return set_err(f, "walk expiring pastes", &e);
    return *got == max ? 1 : 0;
}

void mongo_walk_close(mongo_walk *w)
{
    if (!w)
        return;
    mongoc_cursor_destroy(w->cursor);
    mongoc_collection_destroy(w->coll);
    give_back(w->m, w->client);
    free(w);
}
