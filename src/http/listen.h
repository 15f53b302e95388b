/* listen.h - a listening socket per event loop. See listen.c. */
#ifndef PASTED_HTTP_LISTEN_H
#define PASTED_HTTP_LISTEN_H

#include <event2/listener.h>

#include "core/fault.h"

struct conns;
struct event_base;
struct evconnlistener;

/* Listen on host:port (SO_REUSEPORT: every loop has its own socket on the
 * same port, and the kernel spreads connections across them); accepted
 * sockets become connections of cs. NULL with f set on failure. */
struct evconnlistener *http_listen(struct event_base *base, const char *host, int port,
                                   struct conns *cs, fault *f);

/* The same socket for another protocol (web/netcat.c): accepted sockets go
 * to libevent's cb with arg. NULL with f set on failure. */
struct evconnlistener *tcp_listen(struct event_base *base, const char *host, int port,
                                  evconnlistener_cb cb, void *arg, fault *f);

#endif
