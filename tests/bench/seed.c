/* seed.c - `make bench-scale`: fills pasted's own store with pastes that pasted could have
 * made, fast (unordered insert_many), and answers the questions tests/bench/scale.sh asks
 * about them.
 *
 * Every paste is a function of its number n and the seed time T alone (SEED_VERSION below
 * names the recipe), so a store seeded to 10,000 and grown to 1,000,000 holds the same first
 * 10,000 documents, and any of them can be written again exactly after a bench deleted it:
 *   _id = pid = ids_encode(id_key, n)   (pasted's own src/core/ids.c, compiled in)
 *   num = n; body = text (UTF-8 lines) of a size drawn from the mix below; size; title; lang
 *   created: in the year before T, rising with n; hash = SHA-256 hex of the body
 *   expires: 60 % null (never), 30 % T + 1 d .. 1 month, 10 % already expired at T
 *   burn 1 %, unlisted 5 %; token_hash = SHA-256 hex of SEED_TOKEN (so deletes can be
 *   tested with it); views 0 - the fields, types and order of src/store/mongo.c
 *   paste_document.
 * Sizes: 95 % 200 B - 4 KiB, 4.99 % 4 - 64 KiB (log-uniform in each), 0.01 % 512 KiB.
 *
 *   seed fill URI DB COLL KEY T FROM TO [THREADS [BATCH]]
 *       inserts pastes FROM..TO (creating pasted's indexes first, as pasted does at start);
 *       a paste already there is left alone (duplicate _id: counted, not an error).
 *       Progress on stderr every 5 s; last line "SEED inserted=I present=P seconds=S".
 *   seed refill URI DB COLL KEY T FROM TO expired|NUMS_FILE
 *       writes again the already-expired pastes among FROM..TO (a full sweep deleted them),
 *       or the numbers listed in NUMS_FILE (one per line; deleted by a bench).
 *   seed pick KEY T FROM TO SALT OUTDIR NAME:KIND:COUNT...
 *       picks COUNT distinct numbers of KIND (live: not expired at T and not burn;
 *       expired: expired at T) for each NAME, no number in two lists, pseudo-randomly
 *       (SALT), and writes OUTDIR/NAME: "num id expires_ms" per line.
 *   seed expiring KEY T FROM TO
 *       Redis protocol on stdout (for redis-cli --pipe): ZADD pasted:expiring of every
 *       paste in FROM..TO that expires after T, as pasted does at each create.
 *   seed floor URI DB N      meta {_id: "counter"}: floor set to N (not $max: a reset)
 *   seed clean URI DB COLL N deletes the documents with num > N (pastes a bench created)
 *   seed num KEY ID          the number of a public id
 *   seed token               prints SEED_TOKEN
 *
 * Build: cc -O2 -Isrc/core seed.c src/core/ids.c src/core/text.c
 *        $(pkg-config --cflags --libs libmongoc-1.0 libcrypto) -lpthread */
#define _GNU_SOURCE
#include <mongoc/mongoc.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ids.h"
#include "text.h"

#define SEED_VERSION 1
#define SEED_TOKEN "ScaleBenchDeleteToken00000000001"   /* 32 characters, like pasted's */
#define POOL_BYTES (1u << 20)
#define BIG_SIZE (512u * 1024u)
#define DAY_MS 86400000LL

static ids_key key;
static int64_t seed_time;
static char *pool_text;                 /* POOL_BYTES of text lines */
static char token_hash[SHA256_HEX + 1];

static uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* uniform in [0, 1) from 53 bits */
static double unit(uint64_t h) { return (double)(h >> 11) / 9007199254740992.0; }

static void mongoc_quiet(mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
    if (level == MONGOC_LOG_LEVEL_WARNING && strstr(message, "endSessions"))
        return;
    mongoc_log_default_handler(level, domain, message, data);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- the paste of number n ----------------------------------------------- */

enum { KIND_NEVER, KIND_FUTURE, KIND_EXPIRED };

typedef struct spec {
    uint64_t n;
    char id[IDS_MAX_LEN + 1];
    int kind, burn, unlisted;
    size_t size, offset;
    int64_t created, expires;   /* expires 0: never */
    const char *title_fmt, *lang;
} spec;

static void describe(uint64_t n, spec *s)
{
    uint64_t h1 = splitmix(n * 4 + 0 + ((uint64_t)SEED_VERSION << 56));
    uint64_t h2 = splitmix(n * 4 + 1 + ((uint64_t)SEED_VERSION << 56));
    uint64_t h3 = splitmix(n * 4 + 2 + ((uint64_t)SEED_VERSION << 56));
    uint64_t h4 = splitmix(n * 4 + 3 + ((uint64_t)SEED_VERSION << 56));
    memset(s, 0, sizeof *s);
    s->n = n;
    ids_encode(&key, n, s->id);
    unsigned r = (unsigned)(h1 % 1000);
    s->kind = r < 600 ? KIND_NEVER : r < 900 ? KIND_FUTURE : KIND_EXPIRED;
    s->burn = (h1 >> 20) % 100 == 0;
    s->unlisted = (h1 >> 30) % 100 < 5;
    double u = unit(h2);
    if (u < 0.95)
        s->size = (size_t)(200.0 * pow(4096.0 / 200.0, u / 0.95));
    else if (u < 0.9999)
        s->size = (size_t)(4096.0 * pow(16.0, (u - 0.95) / 0.0499));
    else
        s->size = BIG_SIZE;
    if (s->size < 1)
        s->size = 1;
    s->offset = (size_t)(h3 % (POOL_BYTES - s->size));
    /* created: in the year before T, rising with n and never reaching T */
    double age = 365.0 * DAY_MS * (1.0 - (double)n / ((double)n + 1e6));
    s->created = seed_time - (int64_t)age - 1000;
    if (s->kind == KIND_FUTURE)
        s->expires = seed_time + DAY_MS + (int64_t)(unit(h4) * 29.0 * DAY_MS);
    else if (s->kind == KIND_EXPIRED)
        s->expires = s->created + (int64_t)((double)(seed_time - s->created) * (0.05 + 0.9 * unit(h4)));
    static const char *langs[] = { "", "", "", "", "c", "python", "javascript", "go", "bash", "json",
                                   "rust", "yaml", "sql", "markdown", "diff", "" };
    s->lang = langs[(h3 >> 40) % 16];
    static const char *titles[] = { "", "", "", "", "", "", "", "notes %llu", "crash log %llu",
                                    "config-%llu.yaml", "" };
    s->title_fmt = titles[(h4 >> 40) % 11];
}

static void make_pool(void)
{
    static const char *words[] = { "the", "paste", "int", "return", "error", "value", "struct", "if",
                                   "else", "for", "while", "0x7f", "buffer", "size", "count", "->",
                                   "{", "}", "();", "=", "log", "warn", "Ошибка", "données", "数据" };
    pool_text = malloc(POOL_BYTES);
    if (!pool_text) {
        fprintf(stderr, "seed: out of memory\n");
        exit(2);
    }
    uint64_t h = 12345;
    size_t at = 0, line = 0;
    while (at < POOL_BYTES) {
        h = splitmix(h);
        const char *w = words[h % (sizeof words / sizeof words[0])];
        size_t len = strlen(w);
        if (at + len + 1 > POOL_BYTES)
            break;
        memcpy(pool_text + at, w, len);
        at += len;
        line += len + 1;
        pool_text[at++] = (line > 60 || (h >> 32) % 11 == 0) ? '\n' : ' ';
        if (pool_text[at - 1] == '\n')
            line = 0;
    }
    while (at < POOL_BYTES)
        pool_text[at++] = '\n';
}

/* a slice of the pool, cut back to whole UTF-8 characters (the pool's words are) */
static void body_of(const spec *s, const char **body, size_t *len)
{
    const char *b = pool_text + s->offset;
    size_t n = s->size;
    while (n > 0 && ((unsigned char)b[0] & 0xC0) == 0x80) { /* start on a character */
        b++;
        if (b + n > pool_text + POOL_BYTES)
            n--;
    }
    while (n > 0 && ((unsigned char)b[n - 1] & 0x80)) {     /* end after one */
        size_t k = n - 1;
        while (k > 0 && ((unsigned char)b[k] & 0xC0) == 0x80)
            k--;
        size_t need = ((unsigned char)b[k] >= 0xF0) ? 4 : ((unsigned char)b[k] >= 0xE0) ? 3 : 2;
        if (n - k == need)
            break;
        n = k;
    }
    *body = b;
    *len = n;
}

static void paste_doc(const spec *s, bson_t *doc)
{
    const char *body;
    size_t len;
    body_of(s, &body, &len);
    char hash[SHA256_HEX + 1], title[64];
    sha256_hex(body, len, hash);
    snprintf(title, sizeof title, s->title_fmt, (unsigned long long)s->n);
    BSON_APPEND_UTF8(doc, "_id", s->id);
    BSON_APPEND_INT64(doc, "num", (int64_t)s->n);
    BSON_APPEND_BINARY(doc, "body", BSON_SUBTYPE_BINARY, (const uint8_t *)body, (uint32_t)len);
    BSON_APPEND_UTF8(doc, "title", title);
    BSON_APPEND_UTF8(doc, "lang", s->lang);
    BSON_APPEND_INT64(doc, "size", (int64_t)len);
    BSON_APPEND_DATE_TIME(doc, "created", s->created);
    if (s->expires)
        BSON_APPEND_DATE_TIME(doc, "expires", s->expires);
    else
        BSON_APPEND_NULL(doc, "expires");
    BSON_APPEND_BOOL(doc, "burn", s->burn);
    BSON_APPEND_BOOL(doc, "unlisted", s->unlisted);
    BSON_APPEND_UTF8(doc, "hash", hash);
    BSON_APPEND_UTF8(doc, "token_hash", token_hash);
    BSON_APPEND_INT64(doc, "views", 0);
}

/* --- the store ------------------------------------------------------------- */

static mongoc_client_pool_t *pool;
static const char *db_name, *coll_name;

static int open_store(const char *uri_s, uint32_t clients)
{
    bson_error_t e;
    mongoc_init();
    mongoc_log_set_handler(mongoc_quiet, NULL);
    mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_s, &e);
    if (!uri) {
        fprintf(stderr, "seed: bad URI: %s\n", e.message);
        return -1;
    }
    mongoc_uri_set_appname(uri, "pasted-bench-seed");
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 10000);
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, 900000);
    pool = mongoc_client_pool_new(uri);
    mongoc_uri_destroy(uri);
    if (!pool)
        return -1;
    mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_pool_max_size(pool, clients);
    return 0;
}

static void close_store(void)
{
    mongoc_client_pool_destroy(pool);
    mongoc_cleanup();
}

static int run_command(bson_t *cmd, const char *what, int quiet)
{
    mongoc_client_t *c = mongoc_client_pool_pop(pool);
    bson_error_t e;
    bool ok = mongoc_client_write_command_with_opts(c, db_name, cmd, NULL, NULL, &e);
    if (!ok && !quiet)
        fprintf(stderr, "seed: %s: %s\n", what, e.message);
    mongoc_client_pool_push(pool, c);
    bson_destroy(cmd);
    return ok ? 0 : -1;
}

/* the indexes pasted makes at start (src/store/mongo.c ensure_indexes): none but _id,
 * except a TTL index on expires where the server has TTL indexes (MongoDB) */
static int make_indexes(void)
{
    run_command(BCON_NEW("createIndexes", BCON_UTF8(coll_name), "indexes", "[", "{", "key", "{", "expires",
                         BCON_INT32(1), "}", "name", BCON_UTF8("expires_ttl"), "expireAfterSeconds",
                         BCON_INT32(0), "}", "]"),
                "createIndexes expires_ttl", 1);
    return 0;
}

/* --- fill ------------------------------------------------------------------ */

static uint64_t *todo;          /* numbers to write (refill), or NULL: from..to */
static uint64_t from_n, to_n, todo_len;
static int kind_only = -1;      /* only numbers of this kind (refill expired) */
static int batch_size = 500;
static atomic_ullong next_index, inserted, present, bytes_out, failed;
static atomic_int fatal;

static size_t take(uint64_t *nums, size_t max)
{
    size_t k = 0;
    while (k < max) {
        uint64_t total = todo ? todo_len : to_n - from_n + 1;
        uint64_t i = atomic_fetch_add(&next_index, 1);
        if (i >= total || atomic_load(&fatal))
            break;
        uint64_t n = todo ? todo[i] : from_n + i;
        if (kind_only >= 0) {
            spec s;
            describe(n, &s);
            if (s.kind != kind_only)
                continue;
        }
        nums[k++] = n;
    }
    return k;
}

static void *filler(void *arg)
{
    (void)arg;
    uint64_t *nums = malloc((size_t)batch_size * sizeof *nums);
    if (!nums) {
        atomic_store(&fatal, 1);
        return NULL;
    }
    size_t k;
    while ((k = take(nums, (size_t)batch_size)) > 0) {
        mongoc_client_t *c = mongoc_client_pool_pop(pool);
        mongoc_collection_t *coll = mongoc_client_get_collection(c, db_name, coll_name);
        bson_t *opts = BCON_NEW("ordered", BCON_BOOL(false));
        mongoc_bulk_operation_t *bulk = mongoc_collection_create_bulk_operation_with_opts(coll, opts);
        uint64_t bytes = 0;
        for (size_t i = 0; i < k; i++) {
            spec s;
            describe(nums[i], &s);
            bson_t doc = BSON_INITIALIZER;
            paste_doc(&s, &doc);
            bytes += doc.len;
            mongoc_bulk_operation_insert(bulk, &doc);
            bson_destroy(&doc);
        }
        bson_t reply;
        bson_error_t e;
        bool ok = mongoc_bulk_operation_execute(bulk, &reply, &e) != 0;
        bson_iter_t it;
        int64_t n_in = bson_iter_init_find(&it, &reply, "nInserted") && BSON_ITER_HOLDS_NUMBER(&it)
                     ? bson_iter_as_int64(&it) : (ok ? (int64_t)k : 0);
        int64_t dups = 0, others = 0;
        if (!ok) {
            bson_iter_t errs, one;
            if (bson_iter_init_find(&it, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it)
                && bson_iter_recurse(&it, &errs)) {
                while (bson_iter_next(&errs)) {
                    int64_t code = 0;
                    if (BSON_ITER_HOLDS_DOCUMENT(&errs) && bson_iter_recurse(&errs, &one)
                        && bson_iter_find(&one, "code") && BSON_ITER_HOLDS_NUMBER(&one))
                        code = bson_iter_as_int64(&one);
                    if (code == 11000)
                        dups++;
                    else
                        others++;
                }
            }
            if (n_in + dups != (int64_t)k || others > 0) {
                fprintf(stderr, "seed: insert_many failed (%lld of %zu in): %s\n", (long long)n_in, k, e.message);
                atomic_fetch_add(&failed, k - (uint64_t)(n_in + dups));
                atomic_store(&fatal, 1);
            }
        }
        atomic_fetch_add(&inserted, (uint64_t)n_in);
        atomic_fetch_add(&present, (uint64_t)dups);
        atomic_fetch_add(&bytes_out, bytes);
        bson_destroy(&reply);
        bson_destroy(opts);
        mongoc_bulk_operation_destroy(bulk);
        mongoc_collection_destroy(coll);
        mongoc_client_pool_push(pool, c);
    }
    free(nums);
    return NULL;
}

static int fill(int threads)
{
    if (make_indexes() != 0)
        return 1;
    pthread_t tid[64];
    int started = 0;
    if (threads > 64)
        threads = 64;
    int64_t t0 = mono_ms(), last = t0;
    for (int i = 0; i < threads; i++)
        if (pthread_create(&tid[started], NULL, filler, NULL) == 0)
            started++;
    uint64_t total = todo ? todo_len : to_n - from_n + 1;
    uint64_t last_done = 0;
    for (;;) {
        usleep(200000);
        uint64_t done = atomic_load(&inserted) + atomic_load(&present);
        uint64_t idx = atomic_load(&next_index);
        int finished = idx >= total || atomic_load(&fatal);
        int64_t now = mono_ms();
        if (now - last >= 5000) {
            double secs = (double)(now - t0) / 1000.0;
            fprintf(stderr, "seed:   %llu/%llu considered, %llu written (%.0f docs/s now, %.0f overall, %.1f MB of BSON)\n",
                    (unsigned long long)(idx < total ? idx : total), (unsigned long long)total,
                    (unsigned long long)done, (double)(done - last_done) * 1000.0 / (double)(now - last),
                    (double)done / secs, (double)atomic_load(&bytes_out) / 1e6);
            last = now;
            last_done = done;
        }
        if (finished)
            break;
    }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    double secs = (double)(mono_ms() - t0) / 1000.0;
    printf("SEED inserted=%llu present=%llu failed=%llu seconds=%.1f bson_mb=%.1f\n",
           (unsigned long long)atomic_load(&inserted), (unsigned long long)atomic_load(&present),
           (unsigned long long)atomic_load(&failed), secs, (double)atomic_load(&bytes_out) / 1e6);
    return atomic_load(&fatal) || started == 0 ? 1 : 0;
}

/* --- pick, expiring, floor, clean ----------------------------------------- */

static int live(const spec *s) { return !s->burn && s->kind != KIND_EXPIRED; }

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int pick(uint64_t salt, const char *outdir, int nlists, char **lists)
{
    uint64_t range = to_n - from_n + 1, total = 0;
    for (int i = 0; i < nlists; i++) {
        char *c = strrchr(lists[i], ':');
        total += c ? strtoull(c + 1, NULL, 10) : 0;
    }
    if (total > range / 3) {
        fprintf(stderr, "seed: %llu numbers wanted out of %llu: too many\n", (unsigned long long)total,
                (unsigned long long)range);
        return 2;
    }
    uint64_t *used = calloc(total + 1, sizeof *used);
    size_t nused = 0;
    if (!used)
        return 2;
    uint64_t h = splitmix(salt ^ 0xABCDEF);
    for (int i = 0; i < nlists; i++) {
        char name[128], kind[32];
        unsigned long long count = 0;
        if (sscanf(lists[i], "%127[^:]:%31[^:]:%llu", name, kind, &count) != 3) {
            fprintf(stderr, "seed: bad list '%s' (NAME:KIND:COUNT)\n", lists[i]);
            return 2;
        }
        int want_expired = strcmp(kind, "expired") == 0;
        if (!want_expired && strcmp(kind, "live") != 0) {
            fprintf(stderr, "seed: kind '%s': live or expired\n", kind);
            return 2;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", outdir, name);
        FILE *f = fopen(path, "w");
        if (!f) {
            perror(path);
            return 2;
        }
        unsigned long long got = 0, tries = 0;
        while (got < count && tries < count * 1000 + 100000) {
            tries++;
            h = splitmix(h);
            uint64_t n = from_n + h % range;
            spec s;
            describe(n, &s);
            if (want_expired ? s.kind != KIND_EXPIRED : !live(&s))
                continue;
            int dup = 0;
            for (size_t j = 0; j < nused && !dup; j++)   /* lists are small (thousands) */
                dup = used[j] == n;
            if (dup)
                continue;
            used[nused++] = n;
            fprintf(f, "%llu %s %lld\n", (unsigned long long)n, s.id, (long long)s.expires);
            got++;
        }
        fclose(f);
        if (got < count) {
            fprintf(stderr, "seed: only %llu of %llu numbers of kind %s found\n", got, count, kind);
            return 1;
        }
    }
    qsort(used, nused, sizeof *used, cmp_u64);
    free(used);
    return 0;
}

static void resp_arg(const char *s, size_t len)
{
    printf("$%zu\r\n", len);
    fwrite(s, 1, len, stdout);
    fputs("\r\n", stdout);
}

static int expiring(void)
{
    enum { PER = 500 };
    char scores[PER][24], ids[PER][IDS_MAX_LEN + 1];
    int k = 0;
    for (uint64_t n = from_n;; n++) {
        if (n <= to_n) {
            spec s;
            describe(n, &s);
            if (s.kind == KIND_FUTURE) {
                snprintf(scores[k], sizeof scores[k], "%lld", (long long)s.expires);
                memcpy(ids[k], s.id, sizeof ids[k]);
                k++;
            }
        }
        if (k == PER || (n >= to_n && k > 0)) {
            printf("*%d\r\n", 2 + 2 * k);
            resp_arg("ZADD", 4);
            resp_arg("pasted:expiring", 15);
            for (int i = 0; i < k; i++) {
                resp_arg(scores[i], strlen(scores[i]));
                resp_arg(ids[i], strlen(ids[i]));
            }
            k = 0;
        }
        if (n >= to_n)
            break;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

static int set_floor(int64_t n)
{
    mongoc_client_t *c = mongoc_client_pool_pop(pool);
    mongoc_collection_t *meta = mongoc_client_get_collection(c, db_name, "meta");
    bson_t *sel = BCON_NEW("_id", BCON_UTF8("counter"));
    bson_t *upd = BCON_NEW("$set", "{", "floor", BCON_INT64(n), "}");
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
    bson_error_t e;
    bool ok = mongoc_collection_update_one(meta, sel, upd, opts, NULL, &e);
    if (!ok)
        fprintf(stderr, "seed: set floor: %s\n", e.message);
    bson_destroy(sel);
    bson_destroy(upd);
    bson_destroy(opts);
    mongoc_collection_destroy(meta);
    mongoc_client_pool_push(pool, c);
    return ok ? 0 : 1;
}

static int clean(int64_t n)
{
    mongoc_client_t *c = mongoc_client_pool_pop(pool);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, db_name, coll_name);
    bson_t *sel = BCON_NEW("num", "{", "$gt", BCON_INT64(n), "}");
    bson_t reply;
    bson_error_t e;
    bool ok = mongoc_collection_delete_many(coll, sel, NULL, &reply, &e);
    bson_iter_t it;
    if (ok)
        printf("CLEAN deleted=%lld\n", bson_iter_init_find(&it, &reply, "deletedCount")
                                           ? (long long)bson_iter_as_int64(&it) : -1LL);
    else
        fprintf(stderr, "seed: clean: %s\n", e.message);
    bson_destroy(&reply);
    bson_destroy(sel);
    mongoc_collection_destroy(coll);
    mongoc_client_pool_push(pool, c);
    return ok ? 0 : 1;
}

/* --- main ------------------------------------------------------------------ */

static int set_key(const char *hex)
{
    if (ids_key_from_hex(&key, hex) != 0) {
        fprintf(stderr, "seed: the id key must be 64 hex characters\n");
        return -1;
    }
    return 0;
}

static int range_args(const char *t, const char *a, const char *b)
{
    seed_time = strtoll(t, NULL, 10);
    from_n = strtoull(a, NULL, 10);
    to_n = strtoull(b, NULL, 10);
    if (seed_time <= 0 || from_n < 1 || to_n < from_n) {
        fprintf(stderr, "seed: bad T FROM TO\n");
        return -1;
    }
    return 0;
}

static int read_nums(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 1024;
    todo = malloc(cap * sizeof *todo);
    unsigned long long n;
    while (todo && fscanf(f, "%llu%*[^\n]", &n) == 1) {
        if (todo_len == cap)
            todo = realloc(todo, (cap *= 2) * sizeof *todo);
        if (todo && n >= from_n && n <= to_n)
            todo[todo_len++] = n;
    }
    fclose(f);
    return todo ? 0 : -1;
}

static int usage(void)
{
    fprintf(stderr, "usage: seed fill URI DB COLL KEY T FROM TO [THREADS [BATCH]]\n"
                    "       seed refill URI DB COLL KEY T FROM TO expired|NUMS_FILE\n"
                    "       seed pick KEY T FROM TO SALT OUTDIR NAME:KIND:COUNT...\n"
                    "       seed expiring KEY T FROM TO\n"
                    "       seed floor URI DB N | clean URI DB COLL N | num KEY ID | token\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    sha256_hex(SEED_TOKEN, strlen(SEED_TOKEN), token_hash);
    if (strcmp(cmd, "token") == 0) {
        printf("%s\n", SEED_TOKEN);
        return 0;
    }
    if (strcmp(cmd, "num") == 0 && argc == 4) {
        uint64_t n;
        if (set_key(argv[2]) != 0 || ids_decode(&key, argv[3], strlen(argv[3]), &n) != 0)
            return 1;
        printf("%llu\n", (unsigned long long)n);
        return 0;
    }
    if ((strcmp(cmd, "fill") == 0 && argc >= 9 && argc <= 11) || (strcmp(cmd, "refill") == 0 && argc == 10)) {
        db_name = argv[3];
        coll_name = argv[4];
        if (set_key(argv[5]) != 0 || range_args(argv[6], argv[7], argv[8]) != 0)
            return 2;
        int threads = 2;
        if (cmd[0] == 'f') {
            if (argc >= 10)
                threads = atoi(argv[9]);
            if (argc >= 11)
                batch_size = atoi(argv[10]);
        } else if (strcmp(argv[9], "expired") == 0) {
            kind_only = KIND_EXPIRED;
        } else if (read_nums(argv[9]) != 0) {
            return 2;
        }
        if (threads < 1 || batch_size < 1 || batch_size > 100000)
            return usage();
        make_pool();
        if (open_store(argv[2], (uint32_t)threads + 1) != 0)
            return 2;
        int rc = fill(threads);
        close_store();
        return rc;
    }
    if (strcmp(cmd, "pick") == 0 && argc >= 9) {
        if (set_key(argv[2]) != 0 || range_args(argv[3], argv[4], argv[5]) != 0)
            return 2;
        return pick(strtoull(argv[6], NULL, 10), argv[7], argc - 8, argv + 8);
    }
    if (strcmp(cmd, "expiring") == 0 && argc == 6) {
        if (set_key(argv[2]) != 0 || range_args(argv[3], argv[4], argv[5]) != 0)
            return 2;
        return expiring();
    }
    if (strcmp(cmd, "floor") == 0 && argc == 5) {
        db_name = argv[3];
        if (open_store(argv[2], 2) != 0)
            return 2;
        int rc = set_floor(strtoll(argv[4], NULL, 10));
        close_store();
        return rc;
    }
    if (strcmp(cmd, "clean") == 0 && argc == 6) {
        db_name = argv[3];
        coll_name = argv[4];
        if (open_store(argv[2], 2) != 0)
            return 2;
        int rc = clean(strtoll(argv[5], NULL, 10));
        close_store();
        return rc;
    }
    return usage();
}
