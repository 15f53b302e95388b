/* web.h - the web adapters: HTTP requests to the application and back.
 *
 * Every handler is a row of the route table (routes.c), gets the request
 * and the rest of its path, reads what it needs, calls a use case of the
 * application (app/) and turns the answer into a reply: an HTML page
 * (html.c), raw bytes (raw.c), JSON (api.c) or plain text. The per-loop
 * context every request carries (request.ctx) is a web_loop. */
#ifndef PASTED_WEB_WEB_H
#define PASTED_WEB_WEB_H

#include <stdatomic.h>
#include <stddef.h>

#include "app/app.h"
#include "http/request.h"

struct evbuffer;
struct events;

/* Process-wide. */
typedef struct web {
    app        *app;
    const config *cfg;
    atomic_int  streams;      /* open /events streams, every loop */
    atomic_int  websockets;   /* open /ws sockets, every loop */
    /* more of /metrics, from the process (loop lag); may be NULL */
    void      (*more_metrics)(struct evbuffer *b);
} web;

/* Per event loop. */
typedef struct web_loop {
    web           *web;
    app_loop      *app;
    struct events *events;    /* this loop's /events streams (events.c) */
    struct instance_stats *stats;  /* /stats, kept a minute (stats.c); NULL until asked */
    struct ws_loop *ws;            /* this loop's WebSockets (websocket.c); NULL until one opens */
} web_loop;

/* The HTTP layer's settings for this application: handler, errors, limits. */
void web_http_settings(web *w, http_settings *out);
int  web_loop_init(web_loop *wl, web *w, app_loop *al);
void web_loop_free(web_loop *wl);
/* routes.c: every request starts here */
void web_route(request *r);

static inline web_loop *loop_of(request *r) { return r->ctx; }
static inline app *app_of(request *r) { return loop_of(r)->web->app; }
static inline const config *cfg_of(request *r) { return loop_of(r)->web->cfg; }

/* --- replies (reply.c) ---------------------------------------------------- */

/* The public base URL for links ("https://host"), no trailing slash: the
 * configured public_url, else the Host header when it is a plain name. */
void base_url(request *r, char *out, size_t outlen);
/* An HTML page (evbuffer taken over) with the security headers; a NULL
 * page (html.c ran out of memory) is a 503. */
void reply_html(request *r, int status, struct evbuffer *page);
/* Who the request comes from, for the limits (client.c: trusted proxies,
 * the allowlist). */
void client_of(request *r, app_client *out);
/* The request's body as a form: multipart/form-data by its Content-Type,
 * else urlencoded (http/form.h). 0, or -1 when it is not a clean form. */
struct form;
int request_form(request *r, struct form *out);
/* The headers of every create answer: the delete token (X-Delete-Token,
 * and X-Token as 0x0.st names it) and, when the paste expires, X-Expires
 * (Unix ms, as 0x0.st gives it). */
void set_created_headers(request *r, const paste *p, const char *token);
/* The same for a client known only by its address (netcat.c: no headers). */
void client_at(const app *a, const netaddr *peer, app_client *out);
/* A HEAD of a burn-after-reading paste not read yet (reply.c says why). */
void reply_burn_unread(request *r);
/* A JSON object (taken over, may be NULL: out of memory), compact, one line. */
struct json_t;
void reply_json(request *r, int status, struct json_t *o);
/* A fault as its status (one place: 400, 403, 404, 410, 413, 415, 503...). */
void reply_fault(request *r, const fault *f);
int  fault_status(const fault *f);
/* http_settings.render_error: an HTML page for a browser, JSON under /api/,
 * else one line of text. */
void render_error(request *r, int status, const char *message, const char *field);

/* --- handlers (routes.c names them all) -------------------------------- */

void handle_root(request *r, const char *rest);         /* home.c: GET / (or /help for curl) */
void handle_recent(request *r, const char *rest);       /* home.c */
void handle_create(request *r, const char *rest);       /* post.c: POST /, PUT /, PUT /name */
void handle_manage(request *r, const char *rest);       /* remove.c: POST /<id> token=&delete= (0x0) */
void handle_haste_create(request *r, const char *rest); /* haste.c: POST /documents */
void handle_haste_read(request *r, const char *rest);   /* haste.c: GET /documents/<id> */
void handle_dpaste(request *r, const char *rest);       /* dpaste.c: POST /api/ */
void handle_pastebinit(request *r, const char *rest);   /* pastebinit.c: GET /pastebinit.conf */
void handle_stats(request *r, const char *rest);        /* stats.c: GET /<id>/stats */
void handle_api_stats(request *r, const char *rest);    /* stats.c: GET /api/pastes/<id>/stats */
int  rule_stats_path(const char *rest);                 /* stats.c: "<id>/stats" */
void handle_instance_stats(request *r, const char *rest);     /* stats.c: GET /stats */
void handle_api_instance_stats(request *r, const char *rest); /* stats.c: GET /api/stats */
void handle_diff(request *r, const char *rest);         /* diff.c: GET /diff/<a>/<b> */
void handle_raw_diff(request *r, const char *rest);     /* diff.c: GET /raw/diff/<a>/<b> */
int  rule_diff_path(const char *rest);                  /* diff.c: "<a>/<b>" */
void handle_api_create(request *r, const char *rest);   /* api.c: POST /api/pastes */
void handle_openapi(request *r, const char *rest);      /* api.c */
void handle_page(request *r, const char *rest);         /* page.c: GET /<id>[.ext] */
void handle_api_paste(request *r, const char *rest);    /* page.c: GET /api/pastes/<id> */
void handle_raw(request *r, const char *rest);          /* raw.c: GET /raw/<id>[.ext] */
void handle_delete(request *r, const char *rest);       /* remove.c: DELETE /<id>, /api/pastes/<id> */
void handle_report(request *r, const char *rest);       /* moderation.c: GET, POST /report/<id> */
void handle_admin_reports(request *r, const char *rest); /* moderation.c: GET /admin/reports */
void handle_admin_delete(request *r, const char *rest); /* moderation.c: POST /admin/delete/<id> */
/* moderation.c: 1 for the operator; else 0, and a 401 or 403 was sent. */
int  operator_only(request *r);
/* moderation.c: the operator's delete of id (DELETE /<id> with the token). */
void operator_delete(request *r, const char *id);
void handle_events(request *r, const char *rest);       /* events.c */
void handle_ws(request *r, const char *rest);           /* websocket.c: GET /ws */
void handle_health(request *r, const char *rest);       /* health.c */
void handle_metrics(request *r, const char *rest);      /* health.c */
void handle_help(request *r, const char *rest);         /* help.c */
void handle_asset(request *r, const char *rest);        /* assets.c */

/* post.c: number, store and announce p (taken over) for request r, then
 * answer(r, p, url, token, arg) with the create headers set; a fault
 * (429, 451, 503...) is answered here. Every way in that posts uses it. */
typedef void (*web_created_fn)(request *r, const paste *p, const char *url, const char *token, void *arg);
void web_create(request *r, paste *p, web_created_fn answer, void *arg);

/* home.c: what every paste form shows (the expiries, links to this host) */
struct home_options;
void home_form(request *r, struct home_options *o, char *base, size_t base_len);
/* page.c: the page of a paste id (GET /?<id>, PrivateBin's link shape) */
void serve_page_of(request *r, const char *id);
/* privatebin.c: PrivateBin's JSON API, which shares "/" with the form and
 * is told apart by its X-Requested-With: JSONHttpRequest header */
int  privatebin_request(request *r);
void privatebin_get(request *r);    /* GET /?<id>, ?pasteid=<id>, ?jsonld=paste */
void privatebin_post(request *r);   /* POST /: a create or a delete */
/* page.c: GET /?from=<id>, the form pre-filled from a paste */
void serve_copy_form(request *r, const char *id);
/* help.c: curl or wget asking for / gets the help text */
int  help_is_for_terminal(request *r);
/* netcat.c: termbin's `cmd | nc host nc_port`, a listener of this loop */
struct netcat;
struct netcat *netcat_listen(web_loop *wl, struct event_base *base, fault *f);
void           netcat_free(struct netcat *n);
/* websocket.c: a new public paste (its JSON summary) to the subscribed sockets */
void ws_new_paste(web_loop *wl, const char *json);
/* a followed paste's view total or viewers changed (app_listener.on_live) */
void ws_paste_live(void *arg, const char *id, app_live_kind kind, int64_t n);
void ws_loop_free(web_loop *wl);
/* events.c */
int  events_loop_init(web_loop *wl);
void events_loop_free(web_loop *wl);
void events_new_paste(void *arg, const char *json, size_t len);   /* app_new_paste_fn */

#endif
