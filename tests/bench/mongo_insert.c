/* mongo_insert.c - the storage limit for `make bench`: how many pastes per second the
 * store itself takes, with nothing of pasted in between.
 *
 *   mongo_insert [--batch N] URI THREADS SECONDS WARMUP_SECONDS BODY_FILE
 *       THREADS threads insert documents of the very shape pasted writes
 *       (src/store/mongo.c, paste_document) into a scratch collection
 *       pasted_bench_scratch.scratch_<pid>, which gets the indexes pasted makes
 *       (none but _id on FerretDB) and is dropped at the end. Like pasted, each command
 *       borrows a client from one mongoc_client_pool_t and gives it back, and waits
 *       for the default acknowledgement (w:1).
 *       Without --batch, one insert command per document (insert_one).
 *       With --batch N, each command is one unordered insert_many of N documents, as
 *       pasted's group commit sends them (src/store/inserter.c, insert_batch): the
 *       store's limit for batched creates at that concurrency. A command's latency
 *       counts once for each of its documents.
 *       The first WARMUP_SECONDS are not counted; then for SECONDS every acknowledged
 *       document is. Prints
 *         BENCH requests=DOCS duration_us=D p50_us=X p99_us=Y errors=E threads=T batch=N commands=C
 *       (requests = documents stored; errors = documents not stored; latencies per
 *       document, in microseconds).
 *   mongo_insert --count URI DB COLLECTION
 *       prints the number of documents in DB.COLLECTION (to check that every create
 *       pasted acknowledged is in the store).
 *   mongo_insert --probe URI DB COLLECTION
 *       counts the documents with _id 1 only: a quick check that the store still answers.
 *
 * No setup command runs against the store's own files (FerretDB's tables are its own).
 *
 * Build: cc -O2 mongo_insert.c $(pkg-config --cflags --libs libmongoc-1.0) -lpthread */
#define _GNU_SOURCE
#include <mongoc/mongoc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SCRATCH_DB "pasted_bench_scratch"
#define MAX_SAMPLES (8u << 20)

static mongoc_client_pool_t *pool;
static char coll_name[64];
static uint8_t *body;
static size_t body_len;

static atomic_int counting, stopping;
static atomic_ullong next_num = 1;
static atomic_ullong counted, errors, commands;
static atomic_uint nsamples;
static int batch;             /* 0: insert_one; N: insert_many of N */
typedef struct sample {
    uint32_t us;              /* the command's latency */
    uint32_t docs;            /* documents it stored: its weight */
} sample;
static sample *samples;       /* one per counted command */

/* mongoc warns at every pool's end that FerretDB has no endSessions: not worth a line */
static void log_handler(mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
    if (level == MONGOC_LOG_LEVEL_WARNING && strstr(message, "endSessions"))
        return;
    mongoc_log_default_handler(level, domain, message, data);
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* a unique 7-char base62 public id, like pasted's */
static void make_pid(uint64_t n, char out[8])
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t x = n * 0x9E3779B97F4A7C15ull; /* spread the ids like a permutation would */
    for (int i = 0; i < 7; i++) {
        out[i] = digits[x % 62];
        x /= 62;
    }
    /* the multiplication is a bijection mod 2^64, but 7 digits keep only 62^7 values:
     * put the counter's low bits in so ids stay unique for any realistic run */
    out[6] = digits[n % 62];
    out[5] = digits[(n / 62) % 62];
    out[4] = digits[(n / 3844) % 62];
    out[3] = digits[(n / 238328) % 62];
    out[7] = '\0';
}

static void hex64(uint64_t seed, char out[65])
{
    for (int i = 0; i < 4; i++)
        snprintf(out + 16 * i, 17, "%016llx", (unsigned long long)(seed * (2 * i + 3) + 0x5bd1e995u * i));
}

/* the document pasted writes (src/store/mongo.c paste_document): same fields, types
 * and order */
static void paste_doc(bson_t *doc, uint64_t num)
{
    char pid[8], hash[65], token_hash[65];
    make_pid(num, pid);
    hex64(num, hash);
    hex64(~num, token_hash);
    BSON_APPEND_UTF8(doc, "_id", pid);
    BSON_APPEND_INT64(doc, "num", (int64_t)num);
    BSON_APPEND_BINARY(doc, "body", BSON_SUBTYPE_BINARY, body, (uint32_t)body_len);
    BSON_APPEND_UTF8(doc, "title", "");
    BSON_APPEND_UTF8(doc, "lang", "");
    BSON_APPEND_INT64(doc, "size", (int64_t)body_len);
    BSON_APPEND_DATE_TIME(doc, "created", wall_ms());
    BSON_APPEND_NULL(doc, "expires");
    BSON_APPEND_BOOL(doc, "burn", false);
    BSON_APPEND_BOOL(doc, "unlisted", false);
    BSON_APPEND_UTF8(doc, "hash", hash);
    BSON_APPEND_UTF8(doc, "token_hash", token_hash);
    BSON_APPEND_INT64(doc, "views", 0);
}

/* one insert_one; the documents stored (0 or 1) */
static int insert_one(void)
{
    uint64_t num = atomic_fetch_add(&next_num, 1);
    bson_t doc = BSON_INITIALIZER;
    paste_doc(&doc, num);
    mongoc_client_t *c = mongoc_client_pool_pop(pool);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, SCRATCH_DB, coll_name);
    bson_error_t e;
    bool ok = mongoc_collection_insert_one(coll, &doc, NULL, NULL, &e);
    if (!ok && atomic_load(&errors) < 3)
        fprintf(stderr, "mongo_insert: insert failed: %s\n", e.message);
    mongoc_collection_destroy(coll);
    mongoc_client_pool_push(pool, c);
    bson_destroy(&doc);
    return ok ? 1 : 0;
}

/* one unordered insert_many of `batch` documents, as pasted's inserter sends them
 * (src/store/mongo.c mongo_insert_many); the documents stored */
static int insert_many(void)
{
    uint64_t first = atomic_fetch_add(&next_num, (unsigned long long)batch);
    mongoc_client_t *c = mongoc_client_pool_pop(pool);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, SCRATCH_DB, coll_name);
    bson_t *opts = BCON_NEW("ordered", BCON_BOOL(false));
    mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(coll, opts);
    for (int i = 0; i < batch; i++) {
        bson_t doc = BSON_INITIALIZER;
        paste_doc(&doc, first + (uint64_t)i);
        mongoc_bulk_operation_insert(bulk, &doc);
        bson_destroy(&doc);
    }
    bson_t reply;
    bson_error_t e;
    bool ok = mongoc_bulk_operation_execute(bulk, &reply, &e) != 0;
    int stored = batch;
    if (!ok) {
        bson_iter_t it;
        stored = bson_iter_init_find(&it, &reply, "nInserted") && BSON_ITER_HOLDS_NUMBER(&it)
               ? (int)bson_iter_as_int64(&it) : 0;
        if (atomic_load(&errors) < 3)
            fprintf(stderr, "mongo_insert: insert_many failed (%d of %d stored): %s\n", stored, batch, e.message);
    }
    bson_destroy(&reply);
    bson_destroy(opts);
    mongoc_bulk_operation_destroy(bulk);
    mongoc_collection_destroy(coll);
    mongoc_client_pool_push(pool, c);
    return stored;
}

static void *worker(void *arg)
{
    (void)arg;
    int per = batch > 0 ? batch : 1;
    while (!atomic_load(&stopping)) {
        int was_counting = atomic_load(&counting);
        uint64_t t0 = mono_us();
        int stored = batch > 0 ? insert_many() : insert_one();
        uint64_t dt = mono_us() - t0;
        if (!was_counting || atomic_load(&stopping))
            continue; /* started in the warm-up, or finished after the end */
        atomic_fetch_add(&commands, 1);
        if (stored < per)
            atomic_fetch_add(&errors, (unsigned long long)(per - stored));
        if (stored <= 0)
            continue;
        atomic_fetch_add(&counted, (unsigned long long)stored);
        unsigned i = atomic_fetch_add(&nsamples, 1);
        if (i < MAX_SAMPLES) {
            samples[i].us = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
            samples[i].docs = (uint32_t)stored;
        }
    }
    return NULL;
}

static int cmp_sample(const void *a, const void *b)
{
    uint32_t x = ((const sample *)a)->us, y = ((const sample *)b)->us;
    return x < y ? -1 : x > y;
}

/* the latency below which pct % of the documents were acknowledged (each command's
 * latency weighs as many documents as it stored); samples sorted */
static uint32_t percentile(const sample *v, unsigned n, double pct)
{
    unsigned long long total = 0, seen = 0;
    for (unsigned i = 0; i < n; i++)
        total += v[i].docs;
    if (total == 0)
        return 0;
    unsigned long long rank = (unsigned long long)((double)(total - 1) * pct / 100.0);
    for (unsigned i = 0; i < n; i++) {
        seen += v[i].docs;
        if (seen > rank)
            return v[i].us;
    }
    return v[n - 1].us;
}

static int command(const char *db, bson_t *cmd, const char *what)
{
    mongoc_client_t *c = mongoc_client_pool_pop(pool);
    bson_error_t e;
    bool ok = mongoc_client_write_command_with_opts(c, db, cmd, NULL, NULL, &e);
    if (!ok && what)
        fprintf(stderr, "mongo_insert: %s: %s\n", what, e.message);
    mongoc_client_pool_push(pool, c);
    bson_destroy(cmd);
    return ok ? 0 : -1;
}

static int open_pool(const char *uri_s, uint32_t max_size)
{
    bson_error_t e;
    mongoc_init();
    mongoc_log_set_handler(log_handler, NULL);
    mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_s, &e);
    if (!uri) {
        fprintf(stderr, "mongo_insert: bad URI: %s\n", e.message);
        return -1;
    }
    mongoc_uri_set_appname(uri, "pasted-bench");
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
    pool = mongoc_client_pool_new(uri);
    mongoc_uri_destroy(uri);
    if (!pool)
        return -1;
    mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_pool_max_size(pool, max_size);
    return 0;
}

/* --count: all documents (FerretDB reads every one: seconds for tens of thousands);
 * --probe: the documents with _id 1 (one indexed lookup: fast unless the store is stuck) */
static int count_docs(const char *uri, const char *db, const char *coll_s, int probe)
{
    if (open_pool(uri, 2) != 0)
        return 2;
    mongoc_client_t *c = mongoc_client_pool_pop(pool);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, db, coll_s);
    bson_t filter = BSON_INITIALIZER;
    if (probe)
        BSON_APPEND_UTF8(&filter, "_id", "0000001"); /* a lookup by _id, as pasted does */
    bson_error_t e;
    int64_t n = mongoc_collection_count_documents(coll, &filter, NULL, NULL, NULL, &e);
    if (n < 0)
        fprintf(stderr, "mongo_insert: count: %s\n", e.message);
    else
        printf("%lld\n", (long long)n);
    bson_destroy(&filter);
    mongoc_collection_destroy(coll);
    mongoc_client_pool_push(pool, c);
    mongoc_client_pool_destroy(pool);
    mongoc_cleanup();
    return n < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && (strcmp(argv[1], "--count") == 0 || strcmp(argv[1], "--probe") == 0))
        return count_docs(argv[2], argv[3], argv[4], strcmp(argv[1], "--probe") == 0);
    if (argc >= 3 && strcmp(argv[1], "--batch") == 0) {
        batch = atoi(argv[2]);
        if (batch < 1 || batch > 100000) {
            fprintf(stderr, "mongo_insert: --batch wants 1..100000\n");
            return 2;
        }
        argc -= 2;
        argv += 2;
    }
    if (argc != 6) {
        fprintf(stderr, "usage: mongo_insert [--batch N] URI THREADS SECONDS WARMUP_SECONDS BODY_FILE\n"
                        "       mongo_insert --count|--probe URI DB COLLECTION\n");
        return 2;
    }
    int threads = atoi(argv[2]);
    double seconds = atof(argv[3]), warmup = atof(argv[4]);
    if (threads < 1 || threads > 4096 || seconds <= 0 || warmup < 0) {
        fprintf(stderr, "mongo_insert: bad arguments\n");
        return 2;
    }
    FILE *bf = fopen(argv[5], "rb");
    if (!bf) {
        perror(argv[5]);
        return 2;
    }
    body = malloc(64u << 20);
    body_len = body ? fread(body, 1, 64u << 20, bf) : 0;
    fclose(bf);
    samples = malloc(MAX_SAMPLES * sizeof *samples);
    if (!body || !samples || body_len == 0) {
        fprintf(stderr, "mongo_insert: cannot read the body file\n");
        return 2;
    }
    if (open_pool(argv[1], (uint32_t)threads) != 0)
        return 2;
    snprintf(coll_name, sizeof coll_name, "scratch_%ld", (long)getpid());

    /* the indexes pasted makes at start (src/store/mongo.c ensure_indexes): none but _id,
     * except a TTL index on expires where the server has them (FerretDB refuses it) */
    command(SCRATCH_DB, BCON_NEW("drop", BCON_UTF8(coll_name)), NULL);
    command(SCRATCH_DB,
            BCON_NEW("createIndexes", BCON_UTF8(coll_name), "indexes", "[", "{", "key", "{", "expires",
                     BCON_INT32(1), "}", "name", BCON_UTF8("expires_ttl"), "expireAfterSeconds",
                     BCON_INT32(0), "}", "]"),
            NULL);

    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    int started = 0;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&tids[i], NULL, worker, NULL) != 0) {
            fprintf(stderr, "mongo_insert: cannot start thread %d\n", i);
            break;
        }
        started++;
    }
    if (warmup > 0)
        usleep((useconds_t)(warmup * 1e6));
    uint64_t t0 = mono_us();
    atomic_store(&counting, 1);
    usleep((useconds_t)(seconds * 1e6));
    atomic_store(&stopping, 1);
    uint64_t t1 = mono_us();
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);

    unsigned n = atomic_load(&nsamples);
    if (n > MAX_SAMPLES)
        n = MAX_SAMPLES;
    qsort(samples, n, sizeof *samples, cmp_sample);
    uint32_t p50 = n ? percentile(samples, n, 50) : 0;
    uint32_t p99 = n ? percentile(samples, n, 99) : 0;
    command(SCRATCH_DB, BCON_NEW("drop", BCON_UTF8(coll_name)), "drop");
    printf("BENCH requests=%llu duration_us=%llu p50_us=%u p99_us=%u errors=%llu threads=%d batch=%d commands=%llu\n",
           (unsigned long long)atomic_load(&counted), (unsigned long long)(t1 - t0), p50, p99,
           (unsigned long long)atomic_load(&errors), started, batch > 0 ? batch : 1,
           (unsigned long long)atomic_load(&commands));
    free(tids);
    free(samples);
    free(body);
    mongoc_client_pool_destroy(pool);
    mongoc_cleanup();
    return started == threads ? 0 : 1;
}
