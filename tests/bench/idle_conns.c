/* idle_conns.c - hold many idle keep-alive HTTP connections open (for `make bench`).
 *
 *   idle_conns PORT COUNT PATH READY_FILE MAX_SECONDS
 *
 * Opens COUNT connections to 127.0.0.1:PORT one after another; on each it sends one
 * "GET PATH HTTP/1.1" and reads the whole answer, so every connection is a real
 * keep-alive connection that has served a request and now sits idle. Then it writes
 * "opened N\n" to READY_FILE and waits, sending nothing, until SIGTERM/SIGINT/SIGUSR1
 * or MAX_SECONDS, whichever comes first. Last, it checks every connection without
 * blocking (poll, timeout 0): one that the server closed (EOF, reset) or that has
 * unexpected data to read is counted as dropped. It prints one line
 *
 *   IDLE opened=N held=H dropped=D failed=F
 *
 * and exits 0 only when every connection was opened and held. Only 127.0.0.1 is ever
 * contacted. Raises its own RLIMIT_NOFILE soft limit to the hard limit. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_now;
static void on_signal(int sig) { (void)sig; stop_now = 1; }

/* Read one HTTP answer (headers + Content-Length body). 0 ok, -1 error. */
static int read_answer(int fd, int *status)
{
    char buf[65536];
    size_t have = 0;
    long body_len = -1;
    size_t header_end = 0;
    for (;;) {
        if (have == sizeof buf)
            return -1; /* headers larger than the buffer: not what we expect */
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        if (!header_end) {
            char *e = memmem(buf, have, "\r\n\r\n", 4);
            if (!e)
                continue;
            header_end = (size_t)(e - buf) + 4;
            if (sscanf(buf, "HTTP/1.%*d %d", status) != 1)
                return -1;
            for (char *p = buf; p < e; p++) {
                if ((p == buf || p[-1] == '\n') && strncasecmp(p, "Content-Length:", 15) == 0) {
                    body_len = strtol(p + 15, NULL, 10);
                    break;
                }
            }
            if (body_len < 0)
                return -1; /* we only send GETs that have a length */
        }
        /* the rest of the body: count it and discard what the buffer cannot hold */
        size_t got = have - header_end;
        while ((long)got < body_len) {
            ssize_t m = read(fd, buf, sizeof buf);
            if (m <= 0)
                return -1;
            got += (size_t)m;
        }
        return (long)got == body_len ? 0 : -1;
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: idle_conns PORT COUNT PATH READY_FILE MAX_SECONDS\n");
        return 2;
    }
    int port = atoi(argv[1]);
    long count = atol(argv[2]);
    const char *path = argv[3], *ready = argv[4];
    long max_seconds = atol(argv[5]);
    if (port < 1 || port > 65535 || count < 1 || max_seconds < 1) {
        fprintf(stderr, "idle_conns: bad arguments\n");
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < count + 16) {
            fprintf(stderr, "idle_conns: RLIMIT_NOFILE %ld is too low for %ld connections\n",
                    (long)rl.rlim_cur, count);
            return 2;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1 only */

    char req[512];
    int reqlen = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", path, port);
    if (reqlen <= 0 || (size_t)reqlen >= sizeof req) {
        fprintf(stderr, "idle_conns: path too long\n");
        return 2;
    }

    int *fds = calloc((size_t)count, sizeof *fds);
    if (!fds)
        return 2;
    long opened = 0, failed = 0;
    time_t deadline = time(NULL) + max_seconds;
    for (long i = 0; i < count && !stop_now && time(NULL) < deadline; i++) {
        errno = 0;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            failed++;
            continue;
        }
        struct timeval tv = { 10, 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        int one = 1, status = 0;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0
            || write(fd, req, (size_t)reqlen) != reqlen || read_answer(fd, &status) != 0
            || status < 200 || status > 299) {
            if (failed < 5)
                fprintf(stderr, "idle_conns: connection %ld failed (%s, status %d)\n", i,
                        errno ? strerror(errno) : "bad answer", status);
            failed++;
            close(fd);
            continue;
        }
        fds[opened++] = fd;
    }
    FILE *f = fopen(ready, "w");
    if (f) {
        fprintf(f, "opened %ld\n", opened);
        fclose(f);
    }
    while (!stop_now && time(NULL) < deadline)
        usleep(20000);

    long held = 0, dropped = 0;
    for (long i = 0; i < opened; i++) {
        struct pollfd p = { .fd = fds[i], .events = POLLIN | POLLRDHUP };
        int n = poll(&p, 1, 0);
        if (n == 0)
            held++;
        else
            dropped++;
        close(fds[i]);
    }
    free(fds);
    printf("IDLE opened=%ld held=%ld dropped=%ld failed=%ld\n", opened, held, dropped, failed);
    return (opened == count && held == count) ? 0 : 1;
}
