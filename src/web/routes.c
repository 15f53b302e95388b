/* routes.c - the route table: every path pasted answers, and its handler.
 *
 * This is the one file that names every handler. The HTTP layer's router
 * (http/router.c) matches a request against the rows in order: a path no
 * row takes is a 404 (worded below), a path taken with another method a
 * 405 with an Allow header. Paste ids are checked for shape by the rows'
 * rules (core/ids.c), so a malformed id is a 404 before any handler or
 * store sees it. /<id>.<ext> and /raw/<id>.<ext> are the paste <id> (read
 * only); ext is a language hint; /<id>+ is a short link's preview. */
#include "web.h"

#include <ctype.h>
#include <string.h>

#include "core/ids.h"
#include "http/router.h"
#include "paste_ref.h"

int paste_ref_parse(const char *seg, char id[IDS_MAX_LEN + 1], const char **ext)
{
    const char *dot = strchr(seg, '.');
    size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
    *ext = NULL;
    if (!ids_is_wellformed(seg, n))
        return -1;
    memcpy(id, seg, n);
    id[n] = '\0';
    if (!dot)
        return 0;
    /* EXT: 1-16 of A-Za-z0-9 . _ + -, the first alphanumeric */
    size_t e = strlen(dot + 1);
    if (e == 0 || e > 16 || !isalnum((unsigned char)dot[1]))
        return -1;
    for (const char *c = dot + 1; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._+-", *c))
            return -1;
    *ext = dot + 1;
    return 0;
}

/* Rules: the rest of the path must be... */
static int rule_paste_id(const char *rest)   /* ...a paste id */
{
    return ids_is_wellformed(rest, strlen(rest));
}

static int rule_paste_ref(const char *rest)  /* ...a paste id, maybe with .ext */
{
    char id[IDS_MAX_LEN + 1];
    const char *ext;
    return paste_ref_parse(rest, id, &ext) == 0;
}

static int rule_paste_page(const char *rest) /* ...that, or a short link's preview: <id>+ */
{
    char ref[IDS_MAX_LEN + 24];
    size_t n = strlen(rest);
    if (n > 1 && n < sizeof ref && rest[n - 1] == '+') {
        memcpy(ref, rest, n - 1);
        ref[n - 1] = '\0';
        return rule_paste_ref(ref);
    }
    return rule_paste_ref(rest);
}

#define READ    METHODS_READ
#define POST    METHOD_BIT(M_POST)
#define PUT     METHOD_BIT(M_PUT)
#define DELETE  METHOD_BIT(M_DELETE)

/* Order matters where paths overlap: "/healthz" is also id-shaped, so the
 * exact paths come before the "/" + segment rows. /raw/ goes first: it is
 * the hot path, and no other row takes its paths. */
static const route routes[] = {
    { ROUTE_PATH("/raw/"),             ROUTE_SEGMENT, READ,       rule_paste_ref, handle_raw,        0 },
    { ROUTE_PATH("/raw/diff/"),        ROUTE_PREFIX,  READ,       rule_diff_path, handle_raw_diff,   0 },
    { ROUTE_PATH("/diff/"),            ROUTE_PREFIX,  READ,       rule_diff_path, handle_diff,       0 },
    { ROUTE_PATH("/"),                 ROUTE_EXACT,   READ,       NULL,           handle_root,       0 },
    { ROUTE_PATH("/"),                 ROUTE_EXACT,   POST | PUT, NULL,           handle_create,     0 },
    { ROUTE_PATH("/help"),             ROUTE_EXACT,   READ,       NULL,           handle_help,       0 },
    { ROUTE_PATH("/recent"),           ROUTE_EXACT,   READ,       NULL,           handle_recent,     0 },
    { ROUTE_PATH("/stats"),            ROUTE_EXACT,   READ,       NULL,           handle_instance_stats, 0 },
    { ROUTE_PATH("/api/stats"),        ROUTE_EXACT,   READ,       NULL,           handle_api_instance_stats, 0 },
    { ROUTE_PATH("/events"),           ROUTE_EXACT,   READ,       NULL,           handle_events,     0 },
    { ROUTE_PATH("/ws"),               ROUTE_EXACT,   READ,       NULL,           handle_ws,         0 },
    { ROUTE_PATH("/healthz"),          ROUTE_EXACT,   READ,       NULL,           handle_health,     0 },
    { ROUTE_PATH("/metrics"),          ROUTE_EXACT,   READ,       NULL,           handle_metrics,    0 },
    { ROUTE_PATH("/api/pastes"),       ROUTE_EXACT,   POST,       NULL,           handle_api_create, 0 },
    { ROUTE_PATH("/api/openapi.json"), ROUTE_EXACT,   READ,       NULL,           handle_openapi,    0 },
    { ROUTE_PATH("/api/pastes/"),      ROUTE_SEGMENT, READ,       rule_paste_id,  handle_api_paste,  0 },
    { ROUTE_PATH("/api/pastes/"),      ROUTE_SEGMENT, DELETE,     rule_paste_id,  handle_delete,     0 },
    { ROUTE_PATH("/api/pastes/"),      ROUTE_PREFIX,  READ,       rule_stats_path, handle_api_stats, 0 },
    { ROUTE_PATH("/static/"),          ROUTE_PREFIX,  READ,       NULL,           handle_asset,      0 },
    { ROUTE_PATH("/report/"),          ROUTE_SEGMENT, READ | POST, rule_paste_id, handle_report,     0 },
    { ROUTE_PATH("/admin/reports"),    ROUTE_EXACT,   READ,       NULL,           handle_admin_reports, 0 },
    { ROUTE_PATH("/admin/delete/"),    ROUTE_SEGMENT, POST,       rule_paste_id,  handle_admin_delete, 0 },
    /* other pastebins' ways in, for their clients (README "Clients") */
    { ROUTE_PATH("/documents"),        ROUTE_EXACT,   POST,       NULL,           handle_haste_create, 0 },
    { ROUTE_PATH("/documents/"),       ROUTE_SEGMENT, READ,       rule_paste_id,  handle_haste_read, 0 },
    { ROUTE_PATH("/api/"),             ROUTE_EXACT,   POST,       NULL,           handle_dpaste,     0 },
    { ROUTE_PATH("/pastebinit.conf"),  ROUTE_EXACT,   READ,       NULL,           handle_pastebinit, 0 },
    /* curl -T FILE URL/ appends the file's name: PUT /name.ext creates */
    { ROUTE_PATH("/"),                 ROUTE_SEGMENT, PUT,        NULL,           handle_create,     1 },
    { ROUTE_PATH("/"),                 ROUTE_SEGMENT, READ,       rule_paste_page, handle_page,      0 },
    { ROUTE_PATH("/"),                 ROUTE_SEGMENT, DELETE,     rule_paste_id,  handle_delete,     0 },
    { ROUTE_PATH("/"),                 ROUTE_SEGMENT, POST,       rule_paste_id,  handle_manage,     0 },
    { ROUTE_PATH("/"),                 ROUTE_PREFIX,  READ,       rule_stats_path, handle_stats,     0 },
};

static void not_found(request *r)
{
    const char *p = r->path;
    if (strncmp(p, "/raw/", 5) == 0 || strncmp(p, "/api/pastes/", 12) == 0 || !strchr(p + 1, '/'))
        reply_error(r, 404, "no such paste");
    else
        reply_error(r, 404, strncmp(p, "/api/", 5) == 0 ? "no such endpoint" : "not found");
}

static const router table = { routes, sizeof routes / sizeof routes[0], not_found };

void web_route(request *r)
{
    router_dispatch(&table, r);
}
