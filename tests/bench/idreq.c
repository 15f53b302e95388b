/* idreq.c - `make bench-scale`: requests that must each go to a different paste, or must
 * stop after a number of them (wrk can bound a run by time only, and repeats its request).
 *
 *   idreq PORT CONNS SECONDS EXPECT METHOD PREFIX LIST|- [HEADER|-] [BODY_FILE COUNT]
 *     CONNS threads, each with one keep-alive HTTP/1.1 connection to 127.0.0.1:PORT, take
 *     the next line of LIST (its second field, or its only one: a paste id; "num id ..."
 *     lines of seed pick work as they are) and send METHOD PREFIX<id>, with HEADER when
 *     given, until the list is used up or SECONDS have passed (requests under way then
 *     finish). Every id is requested once. With LIST "-", COUNT requests go to PREFIX
 *     itself with BODY_FILE's bytes as the body (text/plain), each starting with a different
 *     16-character tag so that every paste is distinct (like post.lua).
 *     A request gets 30 s; an answer whose status is not EXPECT is counted as unexpected
 *     (the first few are printed on stderr). Prints
 *       BENCH requests=N duration_us=D p50_us=.. p90_us=.. p99_us=.. max_us=.. unexpected=U
 *             errors=E timeout=T
 *     latencies from each request's first byte sent to its answer's last byte received.
 *
 * Build: cc -O2 idreq.c -lpthread */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, expect;
static const char *method, *prefix, *header;
static char **ids;
static size_t nids, count;
static char *body;
static size_t body_len;
static uint64_t deadline_us;
static atomic_size_t next_req, unexpected, errors, timeouts, done;
static uint32_t *lat;   /* per request, microseconds; 0: no answer */

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int connect_to(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = { 30, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* one answer: its status, or -1 (connection lost), -2 (timed out); *close_after set when
 * the server closes the connection after it */
static int read_answer(int fd, char *buf, size_t cap, int *close_after, int head_only)
{
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have + 1 >= cap)
            return -1;
        ssize_t k = recv(fd, buf + have, cap - 1 - have, 0);
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -2;
        if (k <= 0)
            return -1;
        have += (size_t)k;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    size_t head = (size_t)(end + 4 - buf), length = 0;
    *close_after = 0;
    for (char *line = strstr(buf, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
        char *l = line + 2;
        if (strncasecmp(l, "Content-Length:", 15) == 0)
            length = strtoull(l + 15, NULL, 10);
        else if (strncasecmp(l, "Connection:", 11) == 0 && strcasestr(l, "close") && strcasestr(l, "close") < strstr(l, "\r\n"))
            *close_after = 1;
    }
    if (head_only || status == 204 || status == 304)
        length = 0;
    size_t body_have = have - head;
    while (body_have < length) {
        ssize_t k = recv(fd, buf, cap - 1, 0);
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -2;
        if (k <= 0)
            return -1;
        body_have += (size_t)k;
    }
    return status;
}

static void *client(void *arg)
{
    (void)arg;
    size_t cap = 1 << 20;
    char *buf = malloc(cap), *req = malloc(8192 + body_len);
    int fd = -1;
    size_t total = ids ? nids : count;
    while (buf && req) {
        if (now_us() >= deadline_us)
            break;
        size_t i = atomic_fetch_add(&next_req, 1);
        if (i >= total)
            break;
        int n;
        if (ids) {
            n = snprintf(req, 8192, "%s %s%s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s\r\n", method, prefix, ids[i],
                         header ? header : "", header ? "\r\n" : "", strcmp(method, "GET") ? "Content-Length: 0\r\n" : "");
        } else {
            n = snprintf(req, 8192, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n%s%s"
                         "Content-Length: %zu\r\n\r\n", method, prefix, header ? header : "", header ? "\r\n" : "",
                         body_len);
            memcpy(req + n, body, body_len);
            char tag[24];
            snprintf(tag, sizeof tag, "%016zu", i % 10000000000000000u);
            memcpy(req + n, tag, body_len < 16 ? body_len : 16);
            n += (int)body_len;
        }
        int status = -1;
        uint64_t t0 = now_us();
        for (int attempt = 0; attempt < 2 && status == -1; attempt++) {
            if (fd < 0 && (fd = connect_to()) < 0)
                break;
            int close_after = 0;
            if (send_all(fd, req, (size_t)n) == 0)
                status = read_answer(fd, buf, cap, &close_after, strcmp(method, "HEAD") == 0);
            if (status < 0 || close_after) {
                close(fd);
                fd = -1;
            }
            if (status == -2)
                break;       /* timed out: not sent again */
        }
        uint64_t dt = now_us() - t0;
        if (status == -2) {
            atomic_fetch_add(&timeouts, 1);
        } else if (status < 0) {
            atomic_fetch_add(&errors, 1);
        } else {
            lat[i] = dt == 0 ? 1 : dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
            atomic_fetch_add(&done, 1);
            if (status != expect && atomic_fetch_add(&unexpected, 1) < 3)
                fprintf(stderr, "idreq: %s %s%s: status %d, not %d\n", method, prefix, ids ? ids[i] : "", status,
                        expect);
        }
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    free(req);
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int read_list(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 1024;
    ids = malloc(cap * sizeof *ids);
    char line[512];
    while (ids && fgets(line, sizeof line, f)) {
        char a[128], b[128];
        int k = sscanf(line, "%127s %127s", a, b);
        if (k < 1)
            continue;
        if (nids == cap)
            ids = realloc(ids, (cap *= 2) * sizeof *ids);
        if (ids)
            ids[nids++] = strdup(k >= 2 ? b : a);
    }
    fclose(f);
    return ids ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 8 && argc != 9 && argc != 11) {
        fprintf(stderr, "usage: idreq PORT CONNS SECONDS EXPECT METHOD PREFIX LIST|- [HEADER|-] [BODY_FILE COUNT]\n");
        return 2;
    }
    port = atoi(argv[1]);
    int conns = atoi(argv[2]);
    double secs = atof(argv[3]);
    expect = atoi(argv[4]);
    method = argv[5];
    prefix = argv[6];
    header = argc >= 9 && strcmp(argv[8], "-") != 0 ? argv[8] : NULL;
    if (strcmp(argv[7], "-") != 0) {
        if (read_list(argv[7]) != 0)
            return 2;
    } else {
        if (argc != 11) {
            fprintf(stderr, "idreq: LIST - needs BODY_FILE COUNT\n");
            return 2;
        }
        FILE *f = fopen(argv[9], "rb");
        body = malloc(16u << 20);
        body_len = f && body ? fread(body, 1, 16u << 20, f) : 0;
        if (f)
            fclose(f);
        count = strtoull(argv[10], NULL, 10);
        if (body_len < 16) {
            fprintf(stderr, "idreq: body file missing or shorter than 16 bytes\n");
            return 2;
        }
    }
    size_t total = ids ? nids : count;
    if (port <= 0 || conns < 1 || conns > 1024 || secs <= 0 || total == 0) {
        fprintf(stderr, "idreq: bad arguments (or an empty list)\n");
        return 2;
    }
    lat = calloc(total, sizeof *lat);
    pthread_t *t = calloc((size_t)conns, sizeof *t);
    if (!lat || !t)
        return 2;
    uint64_t t0 = now_us();
    deadline_us = t0 + (uint64_t)(secs * 1e6);
    int started = 0;
    for (int i = 0; i < conns; i++)
        if (pthread_create(&t[started], NULL, client, NULL) == 0)
            started++;
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    uint64_t dur = now_us() - t0;
    size_t n = 0;
    for (size_t i = 0; i < total; i++)
        if (lat[i])
            lat[n++] = lat[i];
    qsort(lat, n, sizeof *lat, cmp_u32);
#define PCT(p) (n ? lat[(size_t)((double)(n - 1) * (p) / 100.0)] : 0)
    printf("BENCH requests=%zu duration_us=%llu p50_us=%u p90_us=%u p99_us=%u max_us=%u unexpected=%zu errors=%zu "
           "timeout=%zu\n",
           n, (unsigned long long)dur, PCT(50), PCT(90), PCT(99), n ? lat[n - 1] : 0, atomic_load(&unexpected),
           atomic_load(&errors), atomic_load(&timeouts));
    return 0;
}
