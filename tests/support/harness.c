/* Shared helpers for the Criterion integration tests: see harness.h. */
#include "harness.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct http_arena {
    struct http_arena *next;
    char s[];
};

#define HARNESS_FAIL(...) cr_assert_fail("harness: " __VA_ARGS__)

char *pasted_url(const char *path)
{
    const char *base = getenv("PASTED_URL");
    if (!base || !*base)
        base = "http://127.0.0.1:8080";
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    if (!path)
        path = "";
    int slash = path[0] != '/' && path[0] != '\0' && path[0] != '?';
    size_t pl = strlen(path);
    char *u = malloc(bl + (size_t)slash + pl + 1);
    if (!u)
        HARNESS_FAIL("out of memory");
    memcpy(u, base, bl);
    if (slash)
        u[bl] = '/';
    memcpy(u + bl + (size_t)slash, path, pl + 1);
    return u;
}

/* Read a whole file into a malloc'd NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char *e = calloc(1, 1);
        if (!e)
            HARNESS_FAIL("out of memory");
        return e; /* curl writes no file when it gets no response */
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        HARNESS_FAIL("out of memory");
    for (;;) {
        if (cap - n < 4096 + 1) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb)
                HARNESS_FAIL("out of memory");
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            HARNESS_FAIL("read %s: %s", path, strerror(errno));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void write_all(int fd, const void *data, size_t len, const char *what)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            HARNESS_FAIL("write %s: %s", what, strerror(errno));
        }
        p += w;
        len -= (size_t)w;
    }
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    if (!p)
        HARNESS_FAIL("out of memory");
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

http_resp *http_run(const char *const *args, const void *stdin_data, size_t stdin_len)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    char *dir = path_in(tmp, "pasted-http.XXXXXX");
    if (!mkdtemp(dir))
        HARNESS_FAIL("mkdtemp %s: %s", dir, strerror(errno));
    char *body_path = path_in(dir, "body");
    char *hdr_path = path_in(dir, "headers");
    char *out_path = path_in(dir, "stdout");
    char *in_path = path_in(dir, "stdin");

    /* stdin: a file rather than a pipe, so a large body can't deadlock against curl */
    int in_fd;
    if (stdin_data) {
        in_fd = open(in_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (in_fd < 0)
            HARNESS_FAIL("open %s: %s", in_path, strerror(errno));
        write_all(in_fd, stdin_data, stdin_len, in_path);
        if (lseek(in_fd, 0, SEEK_SET) < 0)
            HARNESS_FAIL("lseek: %s", strerror(errno));
    } else {
        in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in_fd < 0)
            HARNESS_FAIL("open /dev/null: %s", strerror(errno));
    }

    size_t nargs = 0;
    while (args && args[nargs])
        nargs++;
    static const char *const fixed[] = {
        "curl", "-sS", "-g", "--path-as-is", "--max-time", "30", "-w", "%{http_code}",
    };
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    const char **argv = calloc(nfixed + 4 + nargs + 1, sizeof *argv);
    if (!argv)
        HARNESS_FAIL("out of memory");
    size_t k = 0;
    for (size_t i = 0; i < nfixed; i++)
        argv[k++] = fixed[i];
    argv[k++] = "-o";
    argv[k++] = body_path;
    argv[k++] = "-D";
    argv[k++] = hdr_path;
    for (size_t i = 0; i < nargs; i++)
        argv[k++] = args[i];
    argv[k] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    /* stderr is inherited: curl's -sS error messages land in the test's output */
    pid_t pid;
    int rc = posix_spawnp(&pid, "curl", &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in_fd);
    if (rc != 0)
        HARNESS_FAIL("cannot run curl: %s", strerror(rc));
    int wst;
    while (waitpid(pid, &wst, 0) < 0) {
        if (errno != EINTR)
            HARNESS_FAIL("waitpid curl: %s", strerror(errno));
    }

    http_resp *r = calloc(1, sizeof *r);
    if (!r)
        HARNESS_FAIL("out of memory");
    r->curl_exit = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + (WIFSIGNALED(wst) ? WTERMSIG(wst) : 0);
    size_t out_len;
    char *out = slurp(out_path, &out_len);
    r->status = atoi(out); /* "000" when there was no response */
    free(out);
    r->body = slurp(body_path, &r->body_len);
    r->headers = slurp(hdr_path, &r->headers_len);

    unlink(body_path);
    unlink(hdr_path);
    unlink(out_path);
    unlink(in_path);
    rmdir(dir);
    free(body_path);
    free(hdr_path);
    free(out_path);
    free(in_path);
    free(dir);
    free(argv);
    return r;
}

http_resp *http_curl(const char *arg, ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, arg);
    for (const char *a = arg; a; a = va_arg(ap, const char *))
        n++;
    va_end(ap);
    const char **args = calloc(n + 1, sizeof *args);
    if (!args)
        HARNESS_FAIL("out of memory");
    size_t i = 0;
    va_start(ap, arg);
    for (const char *a = arg; a; a = va_arg(ap, const char *))
        args[i++] = a;
    va_end(ap);
    http_resp *r = http_run(args, NULL, 0);
    free(args);
    return r;
}

http_resp *http_get(const char *path)
{
    char *url = pasted_url(path);
    http_resp *r = http_curl(url, NULL);
    free(url);
    return r;
}

http_resp *http_post(const char *path, const char *content_type, const void *body, size_t len)
{
    char *url = pasted_url(path);
    const char *ct = content_type ? content_type : "application/octet-stream";
    size_t hl = strlen("Content-Type: ") + strlen(ct) + 1;
    char *hdr = malloc(hl);
    if (!hdr)
        HARNESS_FAIL("out of memory");
    snprintf(hdr, hl, "Content-Type: %s", ct);
    const char *args[] = {"-X", "POST", "-H", hdr, "--data-binary", "@-", url, NULL};
    /* an empty body still goes through stdin, so curl sends Content-Length: 0 */
    http_resp *r = http_run(args, body ? body : "", body ? len : 0);
    free(hdr);
    free(url);
    return r;
}

const char *http_header(const http_resp *r, const char *name)
{
    if (!r || !r->headers || !name)
        return NULL;
    /* curl -D writes every response it saw (100 Continue, redirects with -L): use the last */
    const char *block = r->headers;
    for (const char *p = r->headers; p && *p;) {
        if (strncmp(p, "HTTP/", 5) == 0)
            block = p;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    size_t nl = strlen(name);
    int first = 1;
    for (const char *line = block; line && *line;) {
        const char *eol = strchr(line, '\n');
        const char *end = eol ? eol : line + strlen(line);
        const char *ce = (end > line && end[-1] == '\r') ? end - 1 : end;
        if (!first && ce == line)
            break; /* blank line: end of this header block */
        if (!first && (size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            const char *ve = end;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t vl = (size_t)(ve - v);
            struct http_arena *a = malloc(sizeof *a + vl + 1);
            if (!a)
                HARNESS_FAIL("out of memory");
            memcpy(a->s, v, vl);
            a->s[vl] = '\0';
            /* r is const for the caller's convenience; the arena is bookkeeping only */
            struct http_resp *mr = (struct http_resp *)r;
            a->next = mr->arena_;
            mr->arena_ = a;
            return a->s;
        }
        first = 0;
        line = eol ? eol + 1 : NULL;
    }
    return NULL;
}

void http_free(http_resp *r)
{
    if (!r)
        return;
    while (r->arena_) {
        struct http_arena *n = r->arena_->next;
        free(r->arena_);
        r->arena_ = n;
    }
    free(r->headers);
    free(r->body);
    free(r);
}

/* ------------------------------------------------------------------ redis */

redisContext *test_redis(void)
{
    const char *url = getenv("REDIS_URL");
    if (!url || !*url) {
        fprintf(stderr, "harness: REDIS_URL is not set\n");
        return NULL;
    }
    struct timeval tv = {5, 0};
    redisContext *c = NULL;
    char host[256] = "127.0.0.1", pass[256] = "";
    int port = 6379, db = 0;

    if (url[0] == '/' || strncmp(url, "unix://", 7) == 0) {
        const char *path = url[0] == '/' ? url : url + 7;
        c = redisConnectUnixWithTimeout(path, tv);
    } else if (strncmp(url, "redis://", 8) == 0) {
        const char *p = url + 8;
        const char *at = strchr(p, '@');
        if (at) { /* [user]:password@ — only the password is used */
            const char *colon = memchr(p, ':', (size_t)(at - p));
            const char *pw = colon ? colon + 1 : p;
            size_t pl = (size_t)(at - pw);
            if (pl >= sizeof pass)
                pl = sizeof pass - 1;
            memcpy(pass, pw, pl);
            pass[pl] = '\0';
            p = at + 1;
        }
        size_t hl = strcspn(p, ":/");
        if (hl > 0) {
            if (hl >= sizeof host)
                hl = sizeof host - 1;
            memcpy(host, p, hl);
            host[hl] = '\0';
        }
        p += strcspn(p, ":/");
        if (*p == ':') {
            port = atoi(p + 1);
            p += 1 + strspn(p + 1, "0123456789");
        }
        if (*p == '/' && p[1])
            db = atoi(p + 1);
        c = redisConnectWithTimeout(host, port, tv);
    } else {
        fprintf(stderr, "harness: REDIS_URL %s: expected redis://host:port or a socket path\n", url);
        return NULL;
    }
    if (!c || c->err) {
        fprintf(stderr, "harness: cannot connect to redis at %s: %s\n", url, c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    if (pass[0]) {
        redisReply *rep = redisCommand(c, "AUTH %s", pass);
        int ok = rep && rep->type != REDIS_REPLY_ERROR;
        if (rep)
            freeReplyObject(rep);
        if (!ok) {
            fprintf(stderr, "harness: redis AUTH failed\n");
            redisFree(c);
            return NULL;
        }
    }
    if (db) {
        redisReply *rep = redisCommand(c, "SELECT %d", db);
        int ok = rep && rep->type != REDIS_REPLY_ERROR;
        if (rep)
            freeReplyObject(rep);
        if (!ok) {
            fprintf(stderr, "harness: redis SELECT %d failed\n", db);
            redisFree(c);
            return NULL;
        }
    }
    return c;
}

/* ------------------------------------------------------------------ mongo */

static pthread_once_t mongo_once = PTHREAD_ONCE_INIT;

/* FerretDB has no endSessions command, so every client teardown would print
 * "Couldn't send "endSessions": no such command" — drop that one message, keep the rest. */
static void mongo_log(mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
    if (level == MONGOC_LOG_LEVEL_WARNING && strstr(message, "endSessions"))
        return;
    mongoc_log_default_handler(level, domain, message, data);
}

static void mongo_init_once(void)
{
    mongoc_log_set_handler(mongo_log, NULL);
    mongoc_init();
    atexit(mongoc_cleanup);
}

mongoc_client_t *test_mongo(void)
{
    const char *uri_s = getenv("MONGO_URI");
    if (!uri_s || !*uri_s) {
        fprintf(stderr, "harness: MONGO_URI is not set\n");
        return NULL;
    }
    pthread_once(&mongo_once, mongo_init_once);
    bson_error_t err;
    mongoc_uri_t *uri = mongoc_uri_new_with_error(uri_s, &err);
    if (!uri) {
        fprintf(stderr, "harness: MONGO_URI %s: %s\n", uri_s, err.message);
        return NULL;
    }
    /* fail fast instead of mongoc's 30 s default when the store is down */
    if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
        mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
    if (!mongoc_uri_has_option(uri, MONGOC_URI_APPNAME))
        mongoc_uri_set_appname(uri, "pasted-tests");
    mongoc_client_t *c = mongoc_client_new_from_uri_with_error(uri, &err);
    mongoc_uri_destroy(uri);
    if (!c) {
        fprintf(stderr, "harness: mongoc client for %s: %s\n", uri_s, err.message);
        return NULL;
    }
    mongoc_client_set_error_api(c, MONGOC_ERROR_API_VERSION_2);
    return c;
}
