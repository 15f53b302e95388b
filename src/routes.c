/* routes.c - the route table.
 *
 * Paths are matched exactly or by prefix, then the method is checked, so an
 * unknown path is always 404 and a known path with the wrong method is 405
 * with an Allow header. Paste ids are checked for shape here (ids.c), so a
 * malformed id is a 404 before any store is asked. */
#include "routes.h"

#include <string.h>

#include "ids.h"

typedef enum allow { ALLOW_READ, ALLOW_READ_CREATE, ALLOW_READ_DELETE } allow;

static const char *allow_header(allow a)
{
    return a == ALLOW_READ ? "GET, HEAD" : a == ALLOW_READ_CREATE ? "GET, HEAD, POST, PUT"
                                                                  : "GET, HEAD, DELETE";
}

static int method_ok(request *r, allow a)
{
    if (r->method == M_GET || r->method == M_HEAD)
        return 1;
    if (a == ALLOW_READ_CREATE && (r->method == M_POST || r->method == M_PUT))
        return 1;
    if (a == ALLOW_READ_DELETE && r->method == M_DELETE)
        return 1;
    reply_method_not_allowed(r, allow_header(a));
    return 0;
}

static int id_segment_ok(const char *s)
{
    return ids_is_wellformed(s, strlen(s));
}

static void route_paste(request *r, const char *id, view_kind kind)
{
    if (!id_segment_ok(id)) {
        reply_error(r, 404, "no such paste");
        return;
    }
    allow a = kind == VIEW_RAW ? ALLOW_READ : ALLOW_READ_DELETE;
    if (!method_ok(r, a))
        return;
    if (r->method == M_DELETE)
        handle_delete(r, id);
    else
        handle_view(r, id, kind);
}

void route_request(request *r)
{
    const char *p = r->path;
    if (strcmp(p, "/") == 0) {
        if (!method_ok(r, ALLOW_READ_CREATE))
            return;
        if (r->method == M_POST || r->method == M_PUT)
            handle_create(r);
        else
            handle_home(r);
        return;
    }
    if (strcmp(p, "/recent") == 0) {
        if (method_ok(r, ALLOW_READ))
            handle_recent(r);
        return;
    }
    if (strcmp(p, "/events") == 0) {
        if (method_ok(r, ALLOW_READ))
            handle_events(r);
        return;
    }
    if (strcmp(p, "/healthz") == 0) {
        if (method_ok(r, ALLOW_READ))
            handle_health(r);
        return;
    }
    if (strcmp(p, "/metrics") == 0) {
        if (method_ok(r, ALLOW_READ))
            handle_metrics(r);
        return;
    }
    if (strncmp(p, "/static/", 8) == 0) {
        if (method_ok(r, ALLOW_READ))
            handle_asset(r, p + 8);
        return;
    }
    if (strncmp(p, "/raw/", 5) == 0) {
        route_paste(r, p + 5, VIEW_RAW);
        return;
    }
    if (strncmp(p, "/api/pastes/", 12) == 0) {
        route_paste(r, p + 12, VIEW_API);
        return;
    }
    if (r->method == M_PUT && strchr(p + 1, '/') == NULL) {
        /* curl -T FILE URL/ appends the file's name: PUT /name.ext creates */
        handle_create(r);
        return;
    }
    if (strchr(p + 1, '/') == NULL && id_segment_ok(p + 1)) {
        route_paste(r, p + 1, VIEW_HTML);
        return;
    }
    reply_error(r, 404, r->is_api ? "no such endpoint" : "not found");
}
