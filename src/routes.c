/* routes.c - the route table.
 *
 * Paths are matched exactly or by prefix, then the method is checked, so an
 * unknown path is always 404 and a known path with the wrong method is 405
 * with an Allow header. Paste ids are checked for shape here (ids.c), so a
 * malformed id is a 404 before any store is asked. /<id>.<ext> and
 * /raw/<id>.<ext> are the paste <id> (read only); ext is a language hint. */
#include "routes.h"

#include <ctype.h>
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

/* "ID" or "ID.EXT" (EXT: 1-16 of A-Za-z0-9 . _ + -, the first alphanumeric):
 * the id copied out and *ext at the extension, or NULL. 0 when the segment
 * is neither. */
static int split_id_ext(const char *seg, char id[IDS_MAX_LEN + 1], const char **ext)
{
    const char *dot = strchr(seg, '.');
    size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
    *ext = NULL;
    if (!ids_is_wellformed(seg, n))
        return 0;
    memcpy(id, seg, n);
    id[n] = '\0';
    if (!dot)
        return 1;
    size_t e = strlen(dot + 1);
    if (e == 0 || e > 16 || !isalnum((unsigned char)dot[1]))
        return 0;
    for (const char *c = dot + 1; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._+-", *c))
            return 0;
    *ext = dot + 1;
    return 1;
}

/* seg: "ID", or "ID.EXT" where ext_ok (read only; EXT is a language hint). */
static void route_paste(request *r, const char *seg, view_kind kind, int ext_ok)
{
    char id[IDS_MAX_LEN + 1];
    const char *ext;
    if (!split_id_ext(seg, id, &ext) || (ext && !ext_ok)) {
        reply_error(r, 404, "no such paste");
        return;
    }
    allow a = kind == VIEW_RAW || ext ? ALLOW_READ : ALLOW_READ_DELETE;
    if (!method_ok(r, a))
        return;
    if (r->method == M_DELETE)
        handle_delete(r, id);
    else
        handle_view_hint(r, id, kind, ext);
}

void route_request(request *r)
{
    const char *p = r->path;
    if (strcmp(p, "/") == 0) {
        if (!method_ok(r, ALLOW_READ_CREATE))
            return;
        if (r->method == M_POST || r->method == M_PUT)
            handle_create(r);
        else if (help_is_for_terminal(r))
            handle_help(r);
        else
            handle_home(r);
        return;
    }
    if (strcmp(p, "/help") == 0) {
        if (method_ok(r, ALLOW_READ))
            handle_help(r);
        return;
    }
    if (strcmp(p, "/api/pastes") == 0) {
        if (r->method == M_POST)
            handle_api_create(r);
        else
            reply_method_not_allowed(r, "POST");
        return;
    }
    if (strcmp(p, "/api/openapi.json") == 0) {
        if (method_ok(r, ALLOW_READ))
            handle_openapi(r);
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
        route_paste(r, p + 5, VIEW_RAW, 1);
        return;
    }
    if (strncmp(p, "/api/pastes/", 12) == 0) {
        route_paste(r, p + 12, VIEW_API, 0);
        return;
    }
    if (r->method == M_PUT && strchr(p + 1, '/') == NULL) {
        /* curl -T FILE URL/ appends the file's name: PUT /name.ext creates */
        handle_create(r);
        return;
    }
    if (strchr(p + 1, '/') == NULL) {
        route_paste(r, p + 1, VIEW_HTML, 1);
        return;
    }
    reply_error(r, 404, r->is_api ? "no such endpoint" : "not found");
}
