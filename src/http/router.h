/* router.h - requests to handlers by a table of routes. See router.c.
 *
 * The application declares its routes as data (web/routes.c); this file
 * only matches them, so the HTTP layer never names a handler. Each route is
 * a path (exact, a prefix, or a prefix followed by one path segment), the
 * methods it takes, an optional rule that the rest of the path must pass
 * before the handler runs (Kore's validators: a malformed id never reaches
 * a handler), and the handler. Rows are tried in order; the first whose
 * path, rule and method match runs. The first row that takes the path but
 * not the method owns it: only rows with the same path are tried after it,
 * and if none takes the method, the answer is a 405 with an Allow header
 * naming every method they take (/healthz is not also a paste id). A path
 * no row takes is the application's 404. */
#ifndef PASTED_HTTP_ROUTER_H
#define PASTED_HTTP_ROUTER_H

#include "request.h"

#define METHOD_BIT(m) (1u << (m))
/* GET routes take HEAD too: HEAD is GET without the body (request.c). */
#define METHODS_READ  (METHOD_BIT(M_GET) | METHOD_BIT(M_HEAD))
#define ROUTE_PATH(literal) literal, sizeof(literal) - 1

typedef enum route_match {
    ROUTE_EXACT,    /* the path is `path` */
    ROUTE_PREFIX,   /* the path starts with `path`; rest is what follows */
    ROUTE_SEGMENT,  /* the path is `path` then one segment (no '/'); rest is it */
} route_match;

typedef struct route {
    const char  *path;
    size_t       path_len;  /* ROUTE_PATH("/x") fills both */
    route_match  match;
    unsigned     methods;                       /* METHOD_BIT()s */
    int        (*rule)(const char *rest);       /* 1 accepts; NULL: anything */
    void       (*handler)(request *r, const char *rest);
    int          quiet;     /* a wrong method here owns nothing: later rows decide */
} route;

typedef struct router {
    const route *routes;
    size_t       count;
    /* No row took the path: answer 404 (the application words it). */
    void       (*not_found)(request *r);
} router;

/* Run r's handler, or answer 404 or 405. */
void router_dispatch(const router *rt, request *r);
/* "GET, HEAD, DELETE" for a mask of METHOD_BIT()s. */
void methods_allow_header(unsigned methods, char *out, size_t outlen);

#endif
