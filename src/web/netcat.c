/* netcat.c - termbin's way in: `cmd | nc host 9999` makes a paste.
 *
 * A plain TCP listener on nc_port (one per loop, SO_REUSEPORT, like
 * HTTP's; 0 turns it off). A connection is one paste: its bytes are taken
 * until the client closes its side (nc -N, or a program's shutdown) or is
 * silent for nc_idle seconds (plain nc keeps its side open, so silence is
 * the only end it can show); then the paste is made like any other
 * (app/create.c: the size limit, the client's budgets by its address, the
 * blocklist), and the answer is the URL and a newline, or "error: ..." and
 * a newline, after which the connection closes. A client that keeps
 * trickling bytes is cut off after body_timeout, as a slow HTTP body is;
 * one that sends more than max_paste_size is told so at once. At most
 * NC_MAX_SESSIONS connections per loop; more are told "busy".
 *
 * Nothing here speaks HTTP, so the link's host is public_url when set,
 * else the address the client reached with HTTP's port. */
#include "web.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/create.h"
#include "core/format.h"
#include "core/log.h"
#include "http/listen.h"

#define NC_MAX_SESSIONS 256

typedef struct nc_session nc_session;

typedef struct netcat {
    web_loop              *wl;
    struct evconnlistener *listener;
    nc_session            *sessions;   /* a list, to close them all at the end */
    size_t                 count;
} netcat;

struct nc_session {
    netcat             *owner;      /* NULL once the loop let go while a create was out */
    struct bufferevent *bev;        /* NULL once closed */
    struct event       *deadline;   /* body_timeout from the first byte on */
    netaddr             peer;
    char                base[300];  /* http://host:port of the links */
    int                 creating;   /* a create is out: its answer frees what is left */
    int                 eof;        /* the client closed its side */
    int                 lingering;  /* answered: reading what is left, for nc_idle at most */
    size_t              discarded;  /* bytes read and dropped after the answer */
    nc_session         *prev, *next;
};

static void unlink_session(nc_session *s)
{
    netcat *n = s->owner;
    if (!n)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        n->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    n->count--;
    s->owner = NULL;
}

/* Close the socket now; the session itself waits for a create that is out. */
static void session_close(nc_session *s)
{
    if (s->bev)
        bufferevent_free(s->bev);
    if (s->deadline)
        event_free(s->deadline);
    s->bev = NULL;
    s->deadline = NULL;
    unlink_session(s);
    if (!s->creating)
        free(s);
}

static void on_closing_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what;
    session_close(arg);             /* gone, done, or silent too long */
}

/* After the answer: what the client still sends is read and dropped. */
static void on_linger_read(struct bufferevent *bev, void *arg)
{
    nc_session *s = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    s->discarded += evbuffer_get_length(in);
    evbuffer_drain(in, evbuffer_get_length(in));
    if (s->discarded > s->owner->wl->web->cfg->max_paste_size)
        session_close(s);
}

/* The answer is sent. Closing now, with the client's bytes still unread
 * (an oversize paste), would make the kernel reset the connection, and a
 * reset may discard the answer before the client reads it. So the write
 * side is shut and the rest read and dropped until the client closes, for
 * nc_idle at most. */
static void on_written(struct bufferevent *bev, void *arg)
{
    nc_session *s = arg;
    if (s->eof || !s->owner) {
        session_close(s);
        return;
    }
    shutdown(bufferevent_getfd(bev), SHUT_WR);
    struct timeval idle = { s->owner->wl->web->cfg->nc_idle, 0 };
    bufferevent_setcb(bev, on_linger_read, NULL, on_closing_event, s);
    bufferevent_set_timeouts(bev, &idle, NULL);
    bufferevent_enable(bev, EV_READ);
    s->lingering = 1;               /* and for nc_idle in all: a trickle does not keep it */
    event_add(s->deadline, &idle);
}

/* One line to the client, then close once it is sent. */
static void answer_line(nc_session *s, const char *fmt, const char *text)
{
    if (!s->bev) {
        session_close(s);
        return;
    }
    bufferevent_disable(s->bev, EV_READ);
    if (s->deadline)
        event_del(s->deadline);
    evbuffer_add_printf(bufferevent_get_output(s->bev), fmt, text);
    bufferevent_setcb(s->bev, NULL, on_written, on_closing_event, s);
    bufferevent_set_timeouts(s->bev, NULL, NULL);
}

static void on_created(void *arg, const paste *p, const char *token, const fault *f)
{
    (void)token;
    nc_session *s = arg;
    s->creating = 0;
    char addr[NETADDR_KEY_MAX];
    netaddr_key(&s->peer, addr);
    if (f) {
        log_info("nc %s: refused: %s", addr, f->message);
        answer_line(s, "error: %s\n", f->message);
        return;
    }
    char url[340];
    snprintf(url, sizeof url, "%s/%s", s->base, p->id);
    log_info("nc %s: %zu bytes -> %s", addr, p->size, p->id);
    answer_line(s, "%s\n", url);
}

/* The client is done (closed its side, or fell silent): make the paste. */
static void submit(nc_session *s)
{
    struct evbuffer *in = bufferevent_get_input(s->bev);
    size_t len = evbuffer_get_length(in);
    bufferevent_disable(s->bev, EV_READ);
    bufferevent_set_timeouts(s->bev, NULL, NULL);
    event_del(s->deadline);
    if (len == 0) {
        answer_line(s, "error: %s\n", "nothing was sent: pipe something in, as cmd | nc host port");
        return;
    }
    app *a = s->owner->wl->web->app;
    fault f;
    paste *p = create_build(a, (const char *)evbuffer_pullup(in, -1), len, NULL, NULL, NULL, &f);
    evbuffer_drain(in, len);
    if (!p) {
        answer_line(s, "error: %s\n", f.message);
        return;
    }
    app_client who;
    client_at(a, &s->peer, &who);
    s->creating = 1;
    app_create(s->owner->wl->app, p, s->base, &who, on_created, s);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    nc_session *s = arg;
    const config *cfg = s->owner->wl->web->cfg;
    if (evbuffer_get_length(bufferevent_get_input(bev)) > cfg->max_paste_size) {
        char limit[32];
        format_size(cfg->max_paste_size, limit);
        bufferevent_disable(bev, EV_READ);
        evbuffer_drain(bufferevent_get_input(bev), (size_t)-1);
        answer_line(s, "error: paste is larger than the %s limit\n", limit);
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    nc_session *s = arg;
    s->eof = (what & BEV_EVENT_EOF) != 0;
    if (s->eof || ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)))
        submit(s);
    else
        session_close(s);           /* an error, or a client that stopped reading our answer */
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    nc_session *s = arg;
    if (s->lingering)
        session_close(s);
    else
        answer_line(s, "error: %s\n", "too slow: send the whole paste within the time limit");
}

/* http://<the address the client reached>:<HTTP's port>, or public_url. */
static void link_base(const config *cfg, int fd, char *out, size_t len)
{
    if (cfg->public_url[0]) {
        snprintf(out, len, "%s", cfg->public_url);
        size_t n = strlen(out);
        if (n && out[n - 1] == '/')
            out[n - 1] = '\0';
        return;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "127.0.0.1";
    int v6 = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            const struct in6_addr *a6 = &((struct sockaddr_in6 *)&ss)->sin6_addr;
            if (IN6_IS_ADDR_V4MAPPED(a6))
                inet_ntop(AF_INET, &a6->s6_addr[12], host, sizeof host);
            else
                v6 = inet_ntop(AF_INET6, a6, host, sizeof host) != NULL;
        } else {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
        }
    }
    char port[8] = "";
    if (cfg->port != 80)
        snprintf(port, sizeof port, ":%d", cfg->port);
    snprintf(out, len, v6 ? "http://[%s]%s" : "http://%s%s", host, port);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    (void)l;
    (void)salen;
    netcat *n = arg;
    const config *cfg = n->wl->web->cfg;
    nc_session *s = n->count < NC_MAX_SESSIONS ? calloc(1, sizeof *s) : NULL;
    if (!s) {
        static const char busy[] = "error: busy, try again in a moment\n";
        ssize_t ignored = send(fd, busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)ignored;
        close(fd);
        return;
    }
    struct event_base *base = evconnlistener_get_base(l);
    s->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    s->deadline = evtimer_new(base, on_deadline, s);
    if (!s->bev || !s->deadline) {
        if (s->bev)
            bufferevent_free(s->bev);
        else
            close(fd);
        if (s->deadline)
            event_free(s->deadline);
        free(s);
        return;
    }
    netaddr_from_sockaddr(sa, &s->peer);
    link_base(cfg, fd, s->base, sizeof s->base);
    s->owner = n;
    s->next = n->sessions;
    if (n->sessions)
        n->sessions->prev = s;
    n->sessions = s;
    n->count++;
    struct timeval idle = { cfg->nc_idle, 0 }, whole = { cfg->body_timeout, 0 };
    bufferevent_setcb(s->bev, on_read, NULL, on_event, s);
    bufferevent_set_timeouts(s->bev, &idle, &idle);
    bufferevent_enable(s->bev, EV_READ);
    event_add(s->deadline, &whole);
}

netcat *netcat_listen(web_loop *wl, struct event_base *base, fault *f)
{
    const config *cfg = wl->web->cfg;
    netcat *n = calloc(1, sizeof *n);
    if (!n) {
        fault_no_memory(f);
        return NULL;
    }
    n->wl = wl;
    n->listener = tcp_listen(base, cfg->listen, cfg->nc_port, on_accept, n, f);
    if (!n->listener) {
        fault_prefix(f, "nc_port");
        free(n);
        return NULL;
    }
    return n;
}

void netcat_free(netcat *n)
{
    if (!n)
        return;
    evconnlistener_free(n->listener);
    while (n->sessions)
        session_close(n->sessions);
    free(n);
}
