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
void handle_delete(request *r, const char *id);     /* delete.c */
void handle_recent(request *r);                     /* page_home.c */
void handle_events(request *r);                     /* events.c */
void handle_health(request *r);                     /* health.c */
void handle_metrics(request *r);                    /* health.c */
void handle_asset(request *r, const char *name);    /* assets.c */

#endif
