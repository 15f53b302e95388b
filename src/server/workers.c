/* workers.c - the event-loop threads.
 *
 * pasted runs N worker threads. Each owns an event_base, its own
 * SO_REUSEPORT listener on the shared port (the kernel spreads connections
 * across workers), its connections (http/conn.c), termbin's nc listener
 * (web/netcat.c), its part of the store
 * (an async Redis connection and subscriber: store/store.c) and of the
 * application (a hot cache: app/app.c), and the web layer's live-feed
 * streams. Nothing is shared between workers except the read-only server
 * struct, atomic counters, and the store's MongoDB pool.
 * The thread function is worker_main: `make bench-check` counts the
 * instructions of that thread by its name. */
#include "server.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>

#include "http/listen.h"
#include "looplag.h"

static void *worker_main(void *arg)
{
    worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

static int worker_init(worker *w, fault *f)
{
    w->base = event_base_new();
    w->looplag = w->base ? looplag_new(w->base) : NULL;
    if (!w->looplag)
        return fault_set(f, FAULT_NO_MEMORY, NULL, "cannot create event loop");
    app_listener listener = { events_new_paste, ws_paste_live, &w->web };
    w->app = app_loop_new(&srv.app, w->base, &listener);
    if (!w->app || web_loop_init(&w->web, &srv.web, w->app) != 0)
        return fault_set(f, FAULT_UNAVAILABLE, NULL, "cannot create redis connection");
    w->conns = conns_new(w->base, &srv.http, &w->web);
    if (!w->conns)
        return fault_no_memory(f);
    w->listener = http_listen(w->base, srv.cfg.listen, srv.cfg.port, w->conns, f);
    if (!w->listener)
        return -1;
    if (srv.cfg.nc_port)
        w->netcat = netcat_listen(&w->web, w->base, f);
    return !srv.cfg.nc_port || w->netcat ? 0 : -1;
}

int workers_start(worker *workers, int n, fault *f)
{
    for (int i = 0; i < n; i++) {
        workers[i].index = i;
        if (worker_init(&workers[i], f) != 0)
            return -1;
    }
    for (int i = 0; i < n; i++)
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
            return fault_set(f, FAULT_UNAVAILABLE, NULL, "cannot start worker thread");
    return 0;
}

void workers_stop_loops(worker *workers, int n)
{
    for (int i = 0; i < n; i++)
        event_base_loopexit(workers[i].base, NULL);
    for (int i = 0; i < n; i++)
        pthread_join(workers[i].thread, NULL);
}

void workers_free(worker *workers, int n)
{
    for (int i = 0; i < n; i++)
        if (workers[i].app)
            app_loop_drain(workers[i].app);   /* results and views still due, then Redis closed */
    /* a read finished during a drain may answer waiters on another loop */
    for (int i = 0; i < n; i++)
        if (workers[i].base)
            event_base_loop(workers[i].base, EVLOOP_NONBLOCK);
    for (int i = 0; i < n; i++) {
        worker *w = &workers[i];
        if (w->listener)
            evconnlistener_free(w->listener);
        netcat_free(w->netcat);
        conns_free(w->conns);           /* closes the live-feed streams: before web */
        web_loop_free(&w->web);
        app_loop_free(w->app);
        looplag_free(w->looplag);
        if (w->base)
            event_base_free(w->base);
    }
}
