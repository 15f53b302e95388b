/* server.h - the process: its one global, and its worker threads. See main.c, workers.c.
 *
 * Everything the process holds is in `srv`, written by main() before the
 * workers start and read-only afterwards (but for the atomics inside the
 * application's counters). The layers below get what they need passed in:
 * the HTTP settings, the store handle, the application, the web context. */
#ifndef PASTED_SERVER_SERVER_H
#define PASTED_SERVER_SERVER_H

#include <pthread.h>

#include "app/app.h"
#include "core/config.h"
#include "http/conn.h"
#include "store/store.h"
#include "web/web.h"

struct event_base;
struct evconnlistener;
struct looplag;

/* One event loop on its own thread: its listener and connections, its part
 * of the store and of the application, its loop-lag timer. */
typedef struct worker {
    int index;
    pthread_t thread;
    struct event_base *base;
    struct conns *conns;
    struct evconnlistener *listener;
    struct netcat         *netcat;   /* nc_port's listener and sessions, or NULL */
    app_loop *app;
    web_loop web;
    struct looplag *looplag;
} worker;

typedef struct server {
    config         cfg;
    store         *store;
    app            app;
    web            web;
    http_settings  http;
} server;

extern server srv;

/* workers.c: make each worker (loop, listener, parts), then start the threads. */
int  workers_start(worker *workers, int n, fault *f);
void workers_stop_loops(worker *workers, int n);   /* stop serving; loops exit */
void workers_free(worker *workers, int n);         /* after the store's jobs drained */

#endif
