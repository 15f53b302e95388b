/* pasted_client.h - test helpers on top of harness.h that speak pasted's API:
 * create a paste, find its MongoDB document, read counters, map ids. */
#ifndef PASTED_TEST_CLIENT_H
#define PASTED_TEST_CLIENT_H

#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#include "harness.h"
#include "core/ids.h"

#define TEST_DB   "pasted_test"     /* tests/pasted-test.conf */
#define TEST_COLL "pastes"

/* POST body raw to "/" + query (query may be ""). Asserts 201; returns the id (malloc). */
char *create_paste(const void *body, size_t len, const char *query);
/* The id at the end of a paste URL or Location ("http://h/AbC1234" -> "AbC1234"), malloc'd. */
char *id_from_url(const char *url, size_t len);
/* The paste's MongoDB document, or NULL (bson_destroy it). */
bson_t *find_doc(const char *id);
int64_t doc_int(const bson_t *doc, const char *dotted);
/* A counter from GET /metrics ("pasted_cache_hits_total"). */
long long metric(const char *name);
/* The same of the server at base ("http://host:port/"), without an assert
 * (a caller may hold the store frozen): 0, or -1 when /metrics does not
 * answer or lacks name. */
int metric_at(const char *base, const char *name, long long *value);
/* The server's ID key (from MongoDB's meta collection). */
void server_ids_key(ids_key *k);
/* Poll until cond() or timeout_ms; returns cond's last value. */
int wait_until(int (*cond)(void *), void *arg, int timeout_ms);
/* A file holding data, named name, in a fresh temp dir; remove_temp() undoes it. */
char *temp_file(const void *data, size_t len, const char *name);
void  remove_temp(char *path);
/* GET /raw/<id> and assert 200 with exactly these bytes. */
void  assert_raw_is(const char *id, const void *bytes, size_t len);
/* Every worker's subscriber is on pasted:gone (after Redis went away): a wait_until cond. */
int gone_subscribers_back(void *arg);
/* A free loopback port (bound, read, closed). */
int   free_port(void);
/* A second pasted (PASTED_BIN, PASTED_CONF) on the test's stack, on port,
 * with env ("NAME=value", NULL-terminated; may be NULL) added, its output in
 * log_path; returns once /healthz answers (fails the test if it does not). */
pid_t start_pasted(int port, const char *const *env, const char *log_path);
void  stop_pasted(pid_t pid);   /* SIGTERM, and wait */
/* The same on a free port with a log of its own: base is its URL with a
 * trailing "/"; second_pasted_stop also removes the log. */
typedef struct {
    pid_t pid;
    char  base[64];
    char  log_path[64];
} second_pasted;
void second_pasted_start(second_pasted *b, const char *name, const char *const *env);
void second_pasted_stop(second_pasted *b);
/* today's UTC date, "YYYY-MM-DD" */
void today_utc(char out[11]);

#endif
