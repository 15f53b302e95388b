/* routes.h - map a request to its handler. See routes.c. */
#ifndef PASTED_ROUTES_H
#define PASTED_ROUTES_H

#include "http.h"

void route_request(request *r);

/* Handlers (one file each). */
void handle_home(request *r);                       /* page_home.c */
void handle_create(request *r);                     /* create.c */
typedef enum view_kind { VIEW_HTML, VIEW_RAW, VIEW_API, VIEW_CLONE } view_kind;
void handle_view(request *r, const char *id, view_kind kind); /* view.c */
/* The same; lang_hint (from /<id>.<ext>, may be NULL) is the page's language
 * when the paste has none. */
void handle_view_hint(request *r, const char *id, view_kind kind, const char *lang_hint);
void handle_delete(request *r, const char *id);     /* delete.c */
void handle_recent(request *r);                     /* page_home.c */
void handle_events(request *r);                     /* events.c */
void handle_health(request *r);                     /* health.c */
void handle_metrics(request *r);                    /* health.c */
void handle_asset(request *r, const char *name);    /* assets.c */
void handle_api_create(request *r);                 /* api.c: POST /api/pastes */
void handle_openapi(request *r);                    /* api.c: GET /api/openapi.json */
void handle_help(request *r);                       /* help.c: GET /help */
int  help_is_for_terminal(request *r);              /* help.c: curl/wget asking for / */

#endif
