/* Shared helpers for the Criterion integration tests.
 *
 * The suites run against a live stack started by tests/run.sh, which exports:
 *   PASTED_URL   base URL of the running server, e.g. http://127.0.0.1:41234
 *   REDIS_URL    redis://127.0.0.1:PORT (or a unix socket path)
 *   MONGO_URI    mongodb://127.0.0.1:PORT/
 *   PASTED_LOG, PASTED_BIN, PASTED_CONF
 *
 * HTTP goes through the real curl binary, started with posix_spawn (no shell), so the
 * requests are exactly what a person typing curl would send.
 */
#ifndef PASTED_TEST_HARNESS_H
#define PASTED_TEST_HARNESS_H

#include <stddef.h>

#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>

typedef struct http_resp {
    int status;          /* HTTP status of the last response; 0 if curl got none */
    char *headers;       /* raw header blocks as curl -D wrote them (NUL-terminated) */
    size_t headers_len;
    char *body;          /* body bytes, NUL-terminated for convenience (binary-safe: use body_len) */
    size_t body_len;
    int curl_exit;       /* curl's exit status (0 = ok, 7 = could not connect, 28 = timeout, ...) */
    struct http_arena *arena_;   /* strings handed out by http_header(); freed by http_free() */
} http_resp;

/* malloc'd "$PASTED_URL" + path (PASTED_URL defaults to http://127.0.0.1:8080). */
char *pasted_url(const char *path);

/* Run `curl -sS -g --path-as-is --max-time 30 -o BODY -D HEADERS -w %{http_code} ARGS...`.
 * args: NULL-terminated curl arguments, URL included (build it with pasted_url()).
 * Later options win in curl, so args may override --max-time.
 * stdin_data/stdin_len: bytes on curl's standard input (binary-safe), for
 * `--data-binary @-` or `-T -`; NULL for none (stdin is then /dev/null).
 * Never returns NULL (aborts the test on a harness error); free with http_free(). */
http_resp *http_run(const char *const *args, const void *stdin_data, size_t stdin_len);

/* Same, arguments as a NULL-terminated list: http_curl("-X", "DELETE", url, NULL). */
http_resp *http_curl(const char *arg, ...) __attribute__((sentinel));

/* GET pasted_url(path). */
http_resp *http_get(const char *path);

/* POST body to pasted_url(path) with --data-binary @- and the given Content-Type
 * (NULL: application/octet-stream). */
http_resp *http_post(const char *path, const char *content_type, const void *body, size_t len);

/* Value of header `name` (case-insensitive) in the last response's header block, with
 * surrounding whitespace trimmed; NULL if absent. The string belongs to r: it stays valid
 * until http_free(r). If the header appears several times, the first one is returned. */
const char *http_header(const http_resp *r, const char *name);

void http_free(http_resp *r);

/* Synchronous hiredis connection from REDIS_URL: redis://[:password@]host[:port][/db],
 * unix:///path/to.sock or /path/to.sock. NULL (with a message on stderr) on failure.
 * Free with redisFree(). */
redisContext *test_redis(void);

/* mongoc client from MONGO_URI (calls mongoc_init once; mongoc_cleanup runs at exit).
 * NULL (with a message on stderr) on failure. Free with mongoc_client_destroy(). */
mongoc_client_t *test_mongo(void);

#endif
