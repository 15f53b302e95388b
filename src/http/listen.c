/* listen.c - bind a loop's listener and hand accepted sockets to conn.c
 * (or, through tcp_listen, to another protocol's code: web/netcat.c). */
#include "listen.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "core/log.h"

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    (void)l;
    (void)salen;
    conn_accept(arg, fd, sa);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
    (void)l;
    (void)arg;
    /* EMFILE and friends: the pending connection waits in the backlog */
    log_warn("accept: %s", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

struct evconnlistener *http_listen(struct event_base *base, const char *host, int port,
                                   struct conns *cs, fault *f)
{
    return tcp_listen(base, host, port, on_accept, cs, f);
}

struct evconnlistener *tcp_listen(struct event_base *base, const char *host, int port,
                                  evconnlistener_cb cb, void *arg, fault *f)
{
    char addr[128];
    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    if (strchr(host, ':'))
        snprintf(addr, sizeof addr, "[%s]:%d", host, port);
    else
        snprintf(addr, sizeof addr, "%s:%d", host, port);
    if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) != 0) {
        fault_set(f, FAULT_INVALID, "listen", "cannot parse listen address %s", addr);
        return NULL;
    }
    struct evconnlistener *l = evconnlistener_new_bind(base, cb, arg,
        LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
        4096, (struct sockaddr *)&ss, sslen);
    if (!l) {
        fault_set(f, FAULT_UNAVAILABLE, "listen", "cannot listen on %s: %s", addr,
                  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return NULL;
    }
    evconnlistener_set_error_cb(l, on_accept_error);
    /* Accepted sockets inherit TCP_NODELAY from the listener (Linux). Without
     * it, the last partial segment of a large reply waits for the client's
     * delayed ACK: 40 ms per 256 KiB paste. */
    int one = 1;
    setsockopt(evconnlistener_get_fd(l), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return l;
}
