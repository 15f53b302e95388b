/* pasted_client.c - see pasted_client.h. */
#include "pasted_client.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *id_from_url(const char *url, size_t len)
{
    while (len && (url[len - 1] == '\n' || url[len - 1] == '\r'))
        len--;
    size_t start = len;
    while (start && url[start - 1] != '/')
        start--;
    char *id = strndup(url + start, len - start);
    char *q = strchr(id, '?');
    if (q)
        *q = '\0';
    return id;
}

char *create_paste(const void *body, size_t len, const char *query)
{
    char path[512];
    snprintf(path, sizeof path, "/%s", query ? query : "");
    http_resp *r = http_post(path, NULL, body, len);
    cr_assert_eq(r->status, 201, "create: status %d, body %.*s", r->status, (int)r->body_len, r->body);
    char *id = id_from_url(r->body, r->body_len);
    http_free(r);
    return id;
}

bson_t *find_doc(const char *id)
{
    mongoc_client_t *c = test_mongo();
    mongoc_collection_t *coll = mongoc_client_get_collection(c, TEST_DB, TEST_COLL);
    bson_t *q = BCON_NEW("_id", BCON_UTF8(id));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, q, NULL, NULL);
    const bson_t *doc;
    bson_t *copy = NULL;
    if (mongoc_cursor_next(cur, &doc))
        copy = bson_copy(doc);
    mongoc_cursor_destroy(cur);
    bson_destroy(q);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(c);
    return copy;
}

int64_t doc_int(const bson_t *doc, const char *dotted)
{
    bson_iter_t it, found;
    if (bson_iter_init(&it, doc) && bson_iter_find_descendant(&it, dotted, &found)
        && BSON_ITER_HOLDS_NUMBER(&found))
        return bson_iter_as_int64(&found);
    return -1;
}

int metric_at(const char *base, const char *name, long long *value)
{
    char url[160];
    snprintf(url, sizeof url, "%smetrics", base);
    http_resp *r = http_curl(url, NULL);
    const char *at = r->status == 200 && r->body ? strstr(r->body, name) : NULL;
    if (at)
        *value = strtoll(at + strlen(name), NULL, 10);
    http_free(r);
    return at ? 0 : -1;
}

long long metric(const char *name)
{
    char *base = pasted_url("/");
    long long v = 0;
    int rc = metric_at(base, name, &v);
    free(base);
    cr_assert_eq(rc, 0, "metric %s missing, or /metrics did not answer", name);
    return v;
}

void server_ids_key(ids_key *k)
{
    mongoc_client_t *c = test_mongo();
    mongoc_collection_t *meta = mongoc_client_get_collection(c, TEST_DB, "meta");
    bson_t *q = BCON_NEW("_id", BCON_UTF8("id_key"));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(meta, q, NULL, NULL);
    const bson_t *doc;
    cr_assert(mongoc_cursor_next(cur, &doc), "no id_key in %s.meta", TEST_DB);
    bson_iter_t it;
    bson_subtype_t st;
    uint32_t len = 0;
    const uint8_t *data = NULL;
    cr_assert(bson_iter_init_find(&it, doc, "key"));
    bson_iter_binary(&it, &st, &len, &data);
    cr_assert_eq(len, 32);
    ids_key_init(k, data);
    mongoc_cursor_destroy(cur);
    bson_destroy(q);
    mongoc_collection_destroy(meta);
    mongoc_client_destroy(c);
}

int wait_until(int (*cond)(void *), void *arg, int timeout_ms)
{
    for (int waited = 0;; waited += 50) {
        int ok = cond(arg);
        if (ok || waited >= timeout_ms)
            return ok;
        usleep(50 * 1000);
    }
}

void today_utc(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

char *temp_file(const void *data, size_t len, const char *name)
{
    char dir[] = "/tmp/pasted-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

void remove_temp(char *path)
{
    unlink(path);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    rmdir(path);
    free(path);
}

void assert_raw_is(const char *id, const void *bytes, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/raw/%s", id);
    http_resp *r = http_get(path);
    cr_assert_eq(r->status, 200, "raw %s: %d", id, r->status);
    cr_assert_eq(r->body_len, len, "raw %s: %zu bytes, expected %zu", id, r->body_len, len);
    cr_assert_eq(memcmp(r->body, bytes, len), 0, "raw %s: bytes differ", id);
    http_free(r);
}

int gone_subscribers_back(void *arg)
{
    (void)arg;
    redisContext *rc = test_redis();
    redisReply *rep = redisCommand(rc, "PUBSUB NUMSUB pasted:gone");
    int back = rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2
               && rep->element[1]->integer >= 2;   /* workers 2 (tests/pasted-test.conf) */
    freeReplyObject(rep);
    redisFree(rc);
    return back;
}

int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    cr_assert(bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int answers_on(void *port)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", *(int *)port);
    const char *args[] = { "--retry", "0", url, NULL };
    http_resp *r = http_run(args, NULL, 0);
    int ok = r->status == 200;
    http_free(r);
    return ok;
}

pid_t start_pasted(int port, const char *const *env, const char *log_path)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);   /* a test that fails midway leaves no server behind */
        char p[16];
        snprintf(p, sizeof p, "%d", port);
        setenv("PORT", p, 1);
        unsetenv("PASTED_NC_PORT");         /* the test server's nc port is its own */
        for (int i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, STDERR_FILENO);
        dup2(fd, STDOUT_FILENO);
        execl(getenv("PASTED_BIN"), "pasted", "-c", getenv("PASTED_CONF"), (char *)NULL);
        _exit(127);
    }
    int arg = port;
    if (!wait_until(answers_on, &arg, 15000)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        cr_assert_fail("the second pasted did not start (log %s)", log_path);
    }
    return pid;
}

void stop_pasted(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

void second_pasted_start(second_pasted *b, const char *name, const char *const *env)
{
    int port = free_port();
    snprintf(b->log_path, sizeof b->log_path, "/tmp/pasted-%s-XXXXXX", name);
    int fd = mkstemp(b->log_path);
    cr_assert_geq(fd, 0, "mkstemp %s", b->log_path);
    close(fd);
    snprintf(b->base, sizeof b->base, "http://127.0.0.1:%d/", port);
    b->pid = start_pasted(port, env, b->log_path);
}

void second_pasted_stop(second_pasted *b)
{
    stop_pasted(b->pid);
    unlink(b->log_path);
}
