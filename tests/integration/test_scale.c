/* test_scale.c - the store at scale: flat costs, deadlines, one read per cold
 * paste, counter recovery, and what survives a Redis crash (issue "Store at
 * scale").
 *
 * Costs are proved by the shape of what pasted sends, not by timing: every
 * command of the request paths is captured (mongo_watch) against a store of a
 * few thousand documents, and each must find its documents by _id alone,
 * which every MongoDB server (and FerretDB) answers from an index whatever
 * the store holds. Deadlines are tested by freezing FerretDB (SIGSTOP) and
 * asking for answers within a bound; the cold-read and recovery tests count
 * what the server did through /metrics. The stack's pid files are under
 * $PASTED_STACK (tests/run.sh). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/text.h"
#include "pasted_client.h"
#include "store/mongo.h"

#define SCALE_DB "pasted_scaletest"
#define SEEDED   3000

/* --- query shapes -------------------------------------------------------- */

typedef struct seen_commands {
    int  count;
    int  not_by_id;         /* filters that are not {_id: <one value>} */
    char last_bad[512];
} seen_commands;

/* 1 when q is exactly { _id: <a string> } */
static int by_id_alone(const bson_t *q)
{
    bson_iter_t it;
    if (!bson_iter_init(&it, q) || !bson_iter_next(&it))
        return 0;
    if (strcmp(bson_iter_key(&it), "_id") != 0 || !BSON_ITER_HOLDS_UTF8(&it))
        return 0;
    return !bson_iter_next(&it);
}

static void note_bad(seen_commands *s, const char *what, const bson_t *q)
{
    s->not_by_id++;
    char *json = bson_as_relaxed_extended_json(q, NULL);
    snprintf(s->last_bad, sizeof s->last_bad, "%s %s", what, json ? json : "?");
    bson_free(json);
}

/* the filters inside a write command's statements ("deletes": [{q}], "updates": [{q}]) */
static void check_statements(seen_commands *s, const bson_t *body, const char *array)
{
    bson_iter_t it, stmts, stmt, q;
    if (!bson_iter_init_find(&it, body, array) || !bson_iter_recurse(&it, &stmts))
        return;
    while (bson_iter_next(&stmts)) {
        if (!bson_iter_recurse(&stmts, &stmt) || !bson_iter_find(&stmt, "q") || !BSON_ITER_HOLDS_DOCUMENT(&stmt))
            continue;
        uint32_t len;
        const uint8_t *data;
        bson_iter_document(&stmt, &len, &data);
        bson_t doc;
        if (bson_init_static(&doc, data, len) && !by_id_alone(&doc))
            note_bad(s, array, &doc);
        (void)q;
    }
}

static void watch(void *arg, const char *command, const struct _bson_t *body)
{
    seen_commands *s = arg;
    s->count++;
    if (strcmp(command, "find") == 0) {
        bson_iter_t it;
        if (bson_iter_init_find(&it, body, "filter") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
            uint32_t len;
            const uint8_t *data;
            bson_iter_document(&it, &len, &data);
            bson_t doc;
            if (bson_init_static(&doc, data, len) && !by_id_alone(&doc))
                note_bad(s, "find", &doc);
        } else {
            note_bad(s, "find without a filter", body);
        }
    } else if (strcmp(command, "delete") == 0) {
        check_statements(s, body, "deletes");
    } else if (strcmp(command, "update") == 0) {
        check_statements(s, body, "updates");
    }
}

static paste *scale_paste(uint64_t num, const ids_key *k)
{
    paste *p = paste_new();
    p->num = num;
    ids_encode(k, num, p->id);
    p->title = strdup("");
    p->lang = strdup("");
    p->size = 64;
    p->body = malloc(p->size);
    memset(p->body, 'x', p->size);
    p->created_ms = now_ms();
    paste_hash_body(p);
    sha256_hex("right token", 11, p->token_hash);
    return p;
}

static mongo_store *scale_store(seen_commands *seen)
{
    config cfg;
    config_defaults(&cfg);
    snprintf(cfg.mongo_uri, sizeof cfg.mongo_uri, "%s", getenv("MONGO_URI"));
    snprintf(cfg.mongo_database, sizeof cfg.mongo_database, "%s", SCALE_DB);
    fault f = { 0 };
    mongo_store *m = mongo_open(&cfg, 10000, 1, &f);
    cr_assert_not_null(m, "mongo_open: %s", f.message);
    mongo_watch(m, watch, seen);
    return m;
}

static void drop_scale_db(void)
{
    mongoc_client_t *c = test_mongo();
    mongoc_database_t *db = mongoc_client_get_database(c, SCALE_DB);
    mongoc_database_drop(db, NULL);
    mongoc_database_destroy(db);
    mongoc_client_destroy(c);
}

static void make_index(mongoc_database_t *db, const char *field, const char *name, int unique)
{
    bson_t *cmd = BCON_NEW("createIndexes", BCON_UTF8("pastes"), "indexes", "[", "{", "key", "{", field,
                           BCON_INT32(1), "}", "name", BCON_UTF8(name), "unique", BCON_BOOL(unique), "}", "]");
    bson_error_t e;
    cr_assert(mongoc_database_write_command_with_opts(db, cmd, NULL, NULL, &e), "%s: %s", name, e.message);
    bson_destroy(cmd);
}

/* Every index costs every create: pasted keeps none but _id (and a TTL index
 * where the server has them), and drops the ones older versions made. */
Test(scale, the_store_keeps_no_index_a_query_does_not_use, .timeout = 60)
{
    drop_scale_db();
    mongoc_client_t *c = test_mongo();
    mongoc_database_t *db = mongoc_client_get_database(c, SCALE_DB);
    make_index(db, "pid", "pid_1", 1);
    make_index(db, "expires", "expires_1", 0);
    mongoc_database_destroy(db);
    mongoc_collection_t *coll = mongoc_client_get_collection(c, SCALE_DB, "pastes");
    seen_commands seen = { 0 };
    mongo_store *m = scale_store(&seen);
    mongoc_cursor_t *cur = mongoc_collection_find_indexes_with_opts(coll, NULL);
    const bson_t *doc;
    int n = 0;
    while (mongoc_cursor_next(cur, &doc)) {
        bson_iter_t it;
        cr_assert(bson_iter_init_find(&it, doc, "name"));
        const char *name = bson_iter_utf8(&it, NULL);
        cr_assert(strcmp(name, "_id_") == 0 || strcmp(name, "expires_ttl") == 0, "index %s is still there", name);
        n++;
    }
    cr_assert_geq(n, 1);
    mongoc_cursor_destroy(cur);
    mongo_close(m);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(c);
    drop_scale_db();
}

Test(scale, every_request_path_query_goes_by_id, .timeout = 120)
{
    drop_scale_db();
    seen_commands seen = { 0 };
    mongo_store *m = scale_store(&seen);
    ids_key k;
    uint8_t secret[IDS_KEY_BYTES] = { 7 };
    ids_key_init(&k, secret);
    /* a store of a few thousand pastes, in batches as the inserter sends them */
    paste *ps[100];
    fault_kind result[100];
    fault f = { 0 };
    for (uint64_t base = 1; base <= SEEDED; base += 100) {
        for (int i = 0; i < 100; i++)
            ps[i] = scale_paste(base + (uint64_t)i, &k);
        cr_assert_eq(mongo_insert_many(m, (const paste *const *)ps, 100, result, &f), 0, "%s", f.message);
        for (int i = 0; i < 100; i++) {
            cr_assert_eq(result[i], FAULT_NONE);
            paste_free(ps[i]);
        }
    }
    memset(&seen, 0, sizeof seen);

    /* every operation of a request, and of the background's per-paste work */
    paste *got = NULL;
    char id[IDS_MAX_LEN + 1], missing[IDS_MAX_LEN + 1], token[SHA256_HEX + 1], wrong[SHA256_HEX + 1];
    ids_encode(&k, 1234, id);
    ids_encode(&k, 999999, missing);
    sha256_hex("right token", 11, token);
    sha256_hex("wrong token", 11, wrong);
    cr_assert_eq(mongo_find(m, id, &got, &f), 0, "%s", f.message);
    cr_assert_str_eq(got->id, id);
    paste_free(got);
    got = NULL;
    cr_assert_eq(mongo_find(m, missing, &got, &f), -1);
    cr_assert_eq(f.kind, FAULT_NOT_FOUND);
    cr_assert_eq(mongo_delete(m, id, wrong, &f), -1, "a wrong token deleted");
    cr_assert_eq(f.kind, FAULT_DENIED);
    cr_assert_eq(mongo_delete(m, missing, wrong, &f), -1);
    cr_assert_eq(f.kind, FAULT_NOT_FOUND);
    cr_assert_eq(mongo_delete(m, id, token, &f), 0, "%s", f.message);
    cr_assert_eq(mongo_find(m, id, &got, &f), -1, "deleted, yet found");
    ids_encode(&k, 77, id);
    cr_assert_eq(mongo_remove(m, id, &f), 0, "%s", f.message);
    char a[IDS_MAX_LEN + 1], b[IDS_MAX_LEN + 1];
    ids_encode(&k, 78, a);
    ids_encode(&k, 79, b);
    const char *expired[] = { a, b };
    int64_t n = 0;
    cr_assert_eq(mongo_remove_ids(m, expired, 2, &n, &f), 0, "%s", f.message);
    cr_assert_eq(n, 2);
    ids_encode(&k, 80, id);
    view_delta d = { id, "2026-11-29", 3 };
    cr_assert_eq(mongo_add_views(m, &d, 1, now_ms(), &f), 0, "%s", f.message);
    int64_t floor = 0;
    cr_assert_eq(mongo_raise_floor(m, 4242, &f), 0, "%s", f.message);
    cr_assert_eq(mongo_counter_floor(m, &floor, &f), 0, "%s", f.message);
    cr_assert_eq(floor, 4242);

    cr_assert_geq(seen.count, 12, "the watch saw %d commands", seen.count);
    cr_assert_eq(seen.not_by_id, 0, "%d queries not by _id alone, e.g. %s", seen.not_by_id, seen.last_bad);
    mongo_close(m);
    drop_scale_db();
}

Test(scale, one_failing_document_fails_only_its_create, .timeout = 60)
{
    drop_scale_db();
    seen_commands seen = { 0 };
    mongo_store *m = scale_store(&seen);
    ids_key k;
    uint8_t secret[IDS_KEY_BYTES] = { 9 };
    ids_key_init(&k, secret);
    fault f = { 0 };
    paste *first = scale_paste(5, &k);
    cr_assert_eq(mongo_insert(m, first, &f), 0, "%s", f.message);
    /* a batch whose third document reuses number 5 */
    paste *ps[6];
    fault_kind result[6];
    uint64_t nums[6] = { 1, 2, 5, 3, 4, 6 };
    for (int i = 0; i < 6; i++)
        ps[i] = scale_paste(nums[i], &k);
    cr_assert_eq(mongo_insert_many(m, (const paste *const *)ps, 6, result, &f), 0, "%s", f.message);
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(result[i], i == 2 ? FAULT_EXISTS : FAULT_NONE, "document %d: %d", i, result[i]);
        paste *got = NULL;
        cr_assert_eq(mongo_find(m, ps[i]->id, &got, &f), 0, "document %d is not stored", i);
        paste_free(got);
        paste_free(ps[i]);
    }
    paste_free(first);
    mongo_close(m);
    drop_scale_db();
}

static int lookups_indexed(void *arg)
{
    (void)arg;
    return metric("pasted_store_id_lookups_indexed") == 1;
}

/* The embedded FerretDB (built by .tools/deps.sh with the _id lookup fix) finds a
 * paste by _id from its own _id index, with nothing done to its files: pasted's
 * monitor asks the store's plan for a lookup by _id (explain) and reports it in
 * /metrics. A stock FerretDB 1.24 on SQLite scans, and fails this. */
Test(scale, the_store_finds_a_paste_by_id_from_an_index, .timeout = 30)
{
    cr_assert(wait_until(lookups_indexed, NULL, 20000),
              "pasted_store_id_lookups_indexed is %lld: lookups by _id scan the collection",
              metric("pasted_store_id_lookups_indexed"));
}

/* --- a frozen store ------------------------------------------------------- */

static pid_t stack_pid(const char *name)
{
    const char *dir = getenv("PASTED_STACK");
    cr_assert(dir && *dir, "PASTED_STACK is not set (tests/run.sh sets it)");
    char path[512];
    snprintf(path, sizeof path, "%s/%s.pid", dir, name);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no %s", path);
    long pid = 0;
    cr_assert_eq(fscanf(f, "%ld", &pid), 1);
    fclose(f);
    return (pid_t)pid;
}

static int healthy(void *arg)
{
    (void)arg;
    http_resp *r = http_get("/healthz");
    int ok = r->status == 200;
    http_free(r);
    return ok;
}

static double elapsed_s(uint64_t since_ns)
{
    return (double)(now_ns() - since_ns) / 1e9;
}

Test(scale, a_frozen_store_gives_503_within_the_deadline, .timeout = 60)
{
    cr_assert(wait_until(healthy, NULL, 10000), "not healthy before the test");
    pid_t ferretdb = stack_pid("ferretdb");
    cr_assert_eq(kill(ferretdb, SIGSTOP), 0);
    /* store_timeout_ms is 1500 in tests/pasted-test.conf; the monitor pings every 250 ms */
    usleep(1200 * 1000);
    uint64_t t0 = now_ns();
    http_resp *h = http_get("/healthz");
    double health_s = elapsed_s(t0);
    t0 = now_ns();
    http_resp *c = http_post("/", "text/plain", "frozen", 6);
    double create_s = elapsed_s(t0);
    kill(ferretdb, SIGCONT);
    cr_assert_eq(h->status, 503, "healthz with a frozen store: %d %s", h->status, h->body);
    cr_assert(strstr(h->body, "mongodb"), "healthz does not say what is wrong: %s", h->body);
    cr_assert_lt(health_s, 1.0, "healthz took %.2f s", health_s);
    cr_assert_eq(c->status, 503, "create with a frozen store: %d %s", c->status, c->body);
    cr_assert_lt(create_s, 2 * 1.5 + 1.0, "the create took %.2f s to fail", create_s);
    http_free(h);
    http_free(c);
    cr_assert(wait_until(healthy, NULL, 15000), "not healthy again after the store came back");
    char *id = create_paste("back", 4, "");
    assert_raw_is(id, "back", 4);
    free(id);
}

/* --- a stop is bounded ------------------------------------------------------ */

/* A frozen store can hold a clean stop for the background lane's minute:
 * shutdown_grace bounds it, and a second signal ends it at once. */
static void stop_is_bounded(int second_signal)
{
    const char *env[] = { "PASTED_SHUTDOWN_GRACE=2", NULL };
    second_pasted b;
    second_pasted_start(&b, "stop", env);
    pid_t pid = b.pid;
    http_free(http_curl("--data-binary", "moves the counter", b.base, NULL));
    pid_t ferretdb = stack_pid("ferretdb");
    cr_assert_eq(kill(ferretdb, SIGSTOP), 0);
    usleep(1500 * 1000);    /* the background thread's checkpoint is now stuck in the store */
    uint64_t t0 = now_ns();
    kill(pid, SIGTERM);
    if (second_signal) {
        usleep(200 * 1000);
        kill(pid, SIGTERM);
    }
    int status = 0;
    pid_t done = 0;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && elapsed_s(t0) < 20)
        usleep(50 * 1000);
    double took = elapsed_s(t0);
    kill(ferretdb, SIGCONT);
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    cr_assert_neq(done, 0, "pasted did not stop within 20 s of SIGTERM (%s)", b.log_path);
    cr_assert_lt(took, second_signal ? 1.5 : 2 + 1.5, "the stop took %.2f s", took);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "a forced stop exits with 1 (status %d)", status);
    unlink(b.log_path);
    cr_assert(wait_until(healthy, NULL, 15000), "the test server is not healthy after the store came back");
}

Test(scale, a_stop_with_a_frozen_store_ends_after_shutdown_grace, .timeout = 60)
{
    stop_is_bounded(0);
}

Test(scale, a_second_signal_stops_at_once, .timeout = 60)
{
    stop_is_bounded(1);
}

/* --- one read per cold paste -------------------------------------------- */

Test(scale, concurrent_cold_reads_make_one_store_read, .timeout = 60)
{
    cr_assert(wait_until(healthy, NULL, 10000), "not healthy before the test");
    /* larger than cache_max_entry (256K): never in Redis; not read yet: in no hot cache */
    size_t size = 300 * 1024;
    char *body = malloc(size);
    for (size_t i = 0; i < size; i++)
        body[i] = (char)('a' + i % 26);
    char *id = create_paste(body, size, "");
    char *url = pasted_url("/raw/");
    long long before = metric("pasted_store_reads_total");
    /* freeze the store so every request arrives while the first read waits */
    pid_t ferretdb = stack_pid("ferretdb");
    char cmd[8192];
    int n = snprintf(cmd, sizeof cmd, "curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 40 -w '%%{http_code} %%{size_download}\\n'");
    for (int i = 0; i < 40; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " -o /dev/null '%s%s?r=%d'", url, id, i);
    cr_assert_eq(kill(ferretdb, SIGSTOP), 0);
    FILE *out = popen(cmd, "r");
    cr_assert_not_null(out);
    usleep(500 * 1000);
    kill(ferretdb, SIGCONT);
    int ok = 0;
    char line[128];
    while (fgets(line, sizeof line, out)) {
        long code = 0, bytes = 0;
        if (sscanf(line, "%ld %ld", &code, &bytes) == 2 && code == 200 && (size_t)bytes == size)
            ok++;
    }
    pclose(out);
    long long reads = metric("pasted_store_reads_total") - before;
    cr_assert_eq(ok, 40, "%d of 40 concurrent cold reads got the paste", ok);
    cr_assert_eq(reads, 1, "40 concurrent cold reads made %lld store reads", reads);
    assert_raw_is(id, body, size);
    free(url);
    free(id);
    free(body);
}

/* Group commit: creates that queue while the inserts allowed at once
 * (insert_in_flight) are at the store go together in the next one. With
 * the store frozen, one create at a time is sent until that many inserts
 * are stuck there (each waits to show in /metrics); then two waves of 20
 * creates arrive and queue behind them (each wave waits to show as
 * queued). They all go in one more insert: insert_in_flight + 1 inserts.
 * A committer sending past the limit would take the first wave alone
 * (one more insert); one insert per create makes one per create. Each
 * case runs on a second pasted with that limit. */
static FILE *post_creates(const char *url, int count)
{
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 20 "
                                      "-w '%%{http_code}\\n' --data-binary 'a create that queues'");
    for (int i = 0; i < count; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " -o /dev/null '%s'", url);
    return popen(cmd, "r");
}

static int created_by(FILE *out)
{
    int created = 0;
    char line[64];
    while (out && fgets(line, sizeof line, out))
        created += atoi(line) == 201;
    if (out)
        pclose(out);
    return created;
}

/* A gauge of the server at base, or -1 when its /metrics does not answer
 * (the gauges read here are never negative). */
static long long gauge_at(const char *base, const char *name)
{
    long long v = -1;
    return metric_at(base, name, &v) == 0 ? v : -1;
}

typedef struct {
    const char *base;
    const char *name;
    long long   at_least;
} gauge_wait;

static int gauge_reaches(void *arg)
{
    const gauge_wait *g = arg;
    return gauge_at(g->base, g->name) >= g->at_least;
}

/* What the group commit did, seen from /metrics and the clients. */
typedef struct {
    int       stuck, queued1, queued2;   /* each step showed in the gauges */
    long long most_in_flight, created, stored, sent, queued_after, in_flight_after;
} group_commit_seen;

static group_commit_seen watch_group_commit(const char *base, int in_flight)
{
    group_commit_seen g = { 0 };
    long long batches = gauge_at(base, "pasted_store_insert_batches_total");
    long long inserts = gauge_at(base, "pasted_store_inserts_total");
    gauge_wait sending = { base, "pasted_store_inserts_in_flight", 0 };
    gauge_wait queued = { base, "pasted_store_creates_queued", 0 };
    FILE *first[INSERT_IN_FLIGHT_MAX] = { 0 };
    pid_t ferretdb = stack_pid("ferretdb");
    cr_assert_eq(kill(ferretdb, SIGSTOP), 0);
    /* from here to SIGCONT no assert: a failure must not leave the store frozen */
    g.stuck = 1;
    for (int i = 0; i < in_flight && g.stuck; i++) {
        first[i] = post_creates(base, 1);
        sending.at_least = i + 1;
        g.stuck = first[i] && wait_until(gauge_reaches, &sending, 3000);
    }
    queued.at_least = 20;
    FILE *wave1 = g.stuck ? post_creates(base, 20) : NULL;
    g.queued1 = wave1 && wait_until(gauge_reaches, &queued, 3000);
    queued.at_least = 40;
    FILE *wave2 = g.queued1 ? post_creates(base, 20) : NULL;
    g.queued2 = wave2 && wait_until(gauge_reaches, &queued, 3000);
    g.most_in_flight = gauge_at(base, "pasted_store_inserts_in_flight");
    kill(ferretdb, SIGCONT);
    g.created = created_by(wave1) + created_by(wave2);
    for (int i = 0; i < in_flight; i++)
        g.created += created_by(first[i]);
    g.stored = gauge_at(base, "pasted_store_inserts_total") - inserts;
    g.sent = gauge_at(base, "pasted_store_insert_batches_total") - batches;
    g.queued_after = gauge_at(base, "pasted_store_creates_queued");
    g.in_flight_after = gauge_at(base, "pasted_store_inserts_in_flight");
    return g;
}

static void creates_queue_behind_the_inserts_in_flight(int in_flight)
{
    cr_assert(in_flight >= 1 && in_flight <= INSERT_IN_FLIGHT_MAX);
    cr_assert(wait_until(healthy, NULL, 10000), "not healthy before the test");
    char setting[40];
    snprintf(setting, sizeof setting, "PASTED_INSERT_IN_FLIGHT=%d", in_flight);
    /* the inserts stuck at the frozen store must outlive the test's steps:
     * the test config's store_timeout_ms (1.5 s) could fail them midway */
    const char *env[] = { setting, "PASTED_STORE_TIMEOUT_MS=10000", NULL };
    second_pasted b;
    second_pasted_start(&b, "commit", env);
    group_commit_seen g = watch_group_commit(b.base, in_flight);
    second_pasted_stop(&b);
    int all = in_flight + 40;
    cr_assert(g.stuck, "the first %d creates' inserts never all showed as in flight at the frozen store",
              in_flight);
    cr_assert(g.queued1, "the first wave of 20 creates never showed as queued behind them");
    cr_assert(g.queued2, "the second wave of 20 creates never showed as queued behind them");
    cr_assert_eq(g.most_in_flight, in_flight, "%lld inserts in flight with insert_in_flight %d",
                 g.most_in_flight, in_flight);
    cr_assert_eq(g.created, all, "%lld of %d creates got 201", g.created, all);
    cr_assert_eq(g.stored, all, "%lld of %d creates stored", g.stored, all);
    cr_assert(g.sent == in_flight + 1, "%d creates stuck at a frozen store, then 2 waves of 20: %lld inserts, not %d",
              in_flight, g.sent, in_flight + 1);
    cr_assert_eq(g.queued_after, 0);
    cr_assert_eq(g.in_flight_after, 0);
}

Test(scale, creates_queued_behind_an_insert_go_in_one_more, .timeout = 60)
{
    creates_queue_behind_the_inserts_in_flight(1);   /* the default */
}

Test(scale, with_two_inserts_in_flight_creates_queue_behind_both, .timeout = 60)
{
    creates_queue_behind_the_inserts_in_flight(2);
}

/* --- counter recovery ------------------------------------------------------- */

static redisReply *redis_do(redisContext *rc, const char *cmd, const char *arg)
{
    redisReply *rep = arg ? redisCommand(rc, cmd, arg) : redisCommand(rc, cmd);
    cr_assert_not_null(rep, "redis %s: %s", cmd, rc->errstr);
    return rep;
}

Test(scale, creates_after_redis_lost_the_counter_get_new_unused_numbers, .timeout = 60)
{
    ids_key k;
    server_ids_key(&k);
    /* a paste, deleted: only the recorded floor remembers its number */
    http_resp *r = http_post("/", "text/plain", "to be deleted", 13);
    cr_assert_eq(r->status, 201);
    char *deleted = id_from_url(r->body, r->body_len);
    char token[80];
    snprintf(token, sizeof token, "X-Delete-Token: %s", http_header(r, "X-Delete-Token"));
    http_free(r);
    char *url = pasted_url("/");
    char *target;
    cr_assert(asprintf(&target, "%s%s", url, deleted) > 0);
    r = http_curl("-X", "DELETE", "-H", token, target, NULL);
    cr_assert_eq(r->status, 204);
    http_free(r);
    uint64_t deleted_num = 0;
    cr_assert_eq(ids_decode(&k, deleted, strlen(deleted), &deleted_num), 0);
    usleep(1500 * 1000);    /* the background thread records the counter (every tick) */

    redisContext *rc = test_redis();
    freeReplyObject(redis_do(rc, "DEL pasted:counter", NULL));   /* Redis lost it */
    long long recoveries = metric("pasted_counter_recoveries_total");
    /* several creates at once, all during the same recovery */
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, "curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 8 -w '\\n'");
    for (int i = 0; i < 8; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " --data-binary 'after loss %d' '%s'", i, url);
    FILE *out = popen(cmd, "r");
    cr_assert_not_null(out);
    char line[512], ids[8][16];
    int got = 0;
    while (fgets(line, sizeof line, out) && got < 8) {
        if (strncmp(line, "http", 4) != 0)
            continue;
        char *id = id_from_url(line, strcspn(line, "\n"));
        snprintf(ids[got++], sizeof ids[0], "%s", id);
        free(id);
    }
    pclose(out);
    cr_assert_eq(got, 8, "%d of 8 creates after the loss succeeded", got);
    for (int i = 0; i < got; i++) {
        uint64_t num = 0;
        cr_assert_eq(ids_decode(&k, ids[i], strlen(ids[i]), &num), 0);
        cr_assert_gt(num, deleted_num, "%s (number %llu) is at or below a handed-out number %llu",
                     ids[i], (unsigned long long)num, (unsigned long long)deleted_num);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(ids[i], ids[j], "the id %s was given twice", ids[i]);
    }
    cr_assert_eq(metric("pasted_counter_recoveries_total") - recoveries, 1,
                 "one loss, one recovery: the others waited for it");
    redisFree(rc);
    free(target);
    free(url);
    free(deleted);
}

/* Replies to INCRs on different workers' connections arrive in any order: a
 * number below one another worker already got is not a counter that went back. */
Test(scale, concurrent_creates_never_look_like_a_lost_counter, .timeout = 60)
{
    ids_key k;
    server_ids_key(&k);
    long long recoveries = metric("pasted_counter_recoveries_total");
    char *url = pasted_url("/");
    char cmd[65536];
    int n = snprintf(cmd, sizeof cmd, "curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 32 -w '\\n'");
    for (int i = 0; i < 800; i++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " --data-binary 'c%d' '%s'", i, url);
    FILE *out = popen(cmd, "r");
    cr_assert_not_null(out);
    char line[512];
    int got = 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    while (fgets(line, sizeof line, out)) {
        if (strncmp(line, "http", 4) != 0)
            continue;
        char *id = id_from_url(line, strcspn(line, "\n"));
        uint64_t num = 0;
        cr_assert_eq(ids_decode(&k, id, strlen(id), &num), 0);
        lo = num < lo ? num : lo;
        hi = num > hi ? num : hi;
        got++;
        free(id);
    }
    pclose(out);
    cr_assert_eq(got, 800, "%d of 800 concurrent creates succeeded", got);
    cr_assert_eq(metric("pasted_counter_recoveries_total"), recoveries,
                 "concurrent creates were taken for a counter that went back");
    cr_assert_lt(hi - lo, 4000, "the numbers jumped: %llu..%llu", (unsigned long long)lo,
                 (unsigned long long)hi);
    free(url);
}

/* --- what survives a Redis crash -------------------------------------------- */

static int views_are(const char *id, long long want)
{
    redisContext *rc = test_redis();
    redisReply *rep = redisCommand(rc, "HGET pasted:views %s", id);
    long long v = rep && rep->type == REDIS_REPLY_STRING ? atoll(rep->str) : -1;
    if (rep)
        freeReplyObject(rep);
    redisFree(rc);
    return v == want;
}

static int views_three(void *id) { return views_are(id, 3); }

Test(scale, view_counts_and_the_counter_survive_a_redis_crash, .timeout = 60)
{
    char *id = create_paste("counted", 7, "");
    char *path;
    cr_assert(asprintf(&path, "/%s", id) > 0);
    for (int i = 0; i < 3; i++) {
        http_resp *r = http_get(path);
        cr_assert_eq(r->status, 200);
        http_free(r);
    }
    cr_assert(wait_until(views_three, id, 5000), "the views did not reach Redis");
    redisContext *rc = test_redis();
    redisReply *before = redis_do(rc, "GET pasted:counter", NULL);
    long long counter = before->type == REDIS_REPLY_STRING ? atoll(before->str) : -1;
    freeReplyObject(before);
    redisFree(rc);
    usleep(1500 * 1000);    /* appendfsync everysec: what is older than a second is on disk */
    char *cmd;
    cr_assert(asprintf(&cmd, ".tools/stack.sh restart-redis '%s' >/dev/null", getenv("PASTED_STACK")) > 0);
    cr_assert_eq(system(cmd), 0, "could not restart Redis");
    free(cmd);
    cr_assert(views_are(id, 3), "the live view count did not survive the crash");
    rc = test_redis();
    redisReply *after = redis_do(rc, "GET pasted:counter", NULL);
    cr_assert(after->type == REDIS_REPLY_STRING && atoll(after->str) == counter,
              "the counter did not survive the crash");
    freeReplyObject(after);
    redisFree(rc);
    cr_assert(wait_until(healthy, NULL, 10000), "pasted did not reconnect to Redis");
    /* and its subscribers: their return clears the hot caches, which must not
     * happen in the middle of the next test */
    cr_assert(wait_until(gone_subscribers_back, NULL, 10000), "the subscribers did not come back");
    usleep(300 * 1000);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "4 views"), "the page does not go on counting from 3");
    http_free(r);
    free(path);
    free(id);
}

/* --- the expiry index, rebuilt after Redis lost it ------------------------------ */

static void put_expiring_doc(mongoc_collection_t *coll, const char *id, int64_t expires_ms)
{
    bson_t *doc = BCON_NEW("_id", BCON_UTF8(id), "num", BCON_INT64(0),
                           "body", BCON_BIN(BSON_SUBTYPE_BINARY, (const uint8_t *)"x", 1),
                           "size", BCON_INT64(1), "expires", BCON_DATE_TIME(expires_ms));
    bson_error_t e;
    cr_assert(mongoc_collection_insert_one(coll, doc, NULL, NULL, &e), "insert %s: %s", id, e.message);
    bson_destroy(doc);
}

static int has_document(mongoc_collection_t *coll, const char *id)
{
    bson_t *q = BCON_NEW("_id", BCON_UTF8(id));
    int64_t n = mongoc_collection_count_documents(coll, q, NULL, NULL, NULL, NULL);
    bson_destroy(q);
    return n > 0;
}

typedef struct {
    const char *kept, *gone;
    mongoc_collection_t *coll;
} rebuild_probe;

static int rebuilt(void *arg)
{
    rebuild_probe *p = arg;
    redisContext *rc = test_redis();
    redisReply *rep = redisCommand(rc, "ZSCORE pasted:expiring %s", p->kept);
    int indexed = rep && rep->type == REDIS_REPLY_STRING;
    if (rep)
        freeReplyObject(rep);
    redisFree(rc);
    return indexed && !has_document(p->coll, p->gone);
}

/* Documents whose ids never reached the expiry index (Redis lost it): after
 * the loss is found, the background thread puts them back on it from the
 * store, and the sweep reclaims the ones already due. */
Test(scale, the_expiry_index_is_rebuilt_after_redis_lost_it, .timeout = 60)
{
    char kept[32], gone[32];
    snprintf(kept, sizeof kept, "rebuild-kept-%ld", (long)getpid());
    snprintf(gone, sizeof gone, "rebuild-gone-%ld", (long)getpid());
    mongoc_client_t *c = test_mongo();
    mongoc_collection_t *coll = mongoc_client_get_collection(c, TEST_DB, TEST_COLL);
    int64_t t = now_ms();
    put_expiring_doc(coll, kept, t + 3600 * 1000);
    put_expiring_doc(coll, gone, t - 1000);
    usleep(1500 * 1000);    /* two sweeps: the index does not list gone, so it stays */
    cr_assert(has_document(coll, gone), "the sweep deleted a paste its index never listed");

    free(create_paste("numbered", 8, ""));   /* so that number 1 is taken */
    long long rebuilds = metric("pasted_expiry_index_rebuilds_total");
    redisContext *rc = test_redis();
    freeReplyObject(redis_do(rc, "DEL pasted:counter", NULL));   /* Redis lost its data */
    freeReplyObject(redis_do(rc, "DEL pasted:expiring", NULL));
    redisFree(rc);
    char *id = create_paste("finds the loss", 14, "");       /* the create finds it */
    rebuild_probe probe = { kept, gone, coll };
    cr_assert(wait_until(rebuilt, &probe, 15000),
              "the index was not rebuilt, or the due paste not reclaimed");
    cr_assert_eq(metric("pasted_expiry_index_rebuilds_total"), rebuilds + 1, "/metrics does not count the rebuild");
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(c);
    free(id);
}
