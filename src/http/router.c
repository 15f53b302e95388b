/* router.c - match a request against the route table (see router.h). */
#include "router.h"

#include <stdio.h>
#include <string.h>

static const char *method_names[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH" };

/* The rest of r's path after route t's path, or NULL when t does not take it. */
static const char *path_rest(const route *t, const char *path, size_t len)
{
    size_t n = t->path_len;
    if (len < n || memcmp(path, t->path, n) != 0)
        return NULL;
    switch (t->match) {
    case ROUTE_EXACT:
        return len == n ? path + n : NULL;
    case ROUTE_PREFIX:
        return path + n;
    case ROUTE_SEGMENT:
        return len > n && !memchr(path + n, '/', len - n) ? path + n : NULL;
    }
    return NULL;
}

void methods_allow_header(unsigned methods, char *out, size_t outlen)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t m = 0; m < sizeof method_names / sizeof method_names[0]; m++)
        if (methods & METHOD_BIT(m))
            n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0, "%s%s", n ? ", " : "",
                                  method_names[m]);
}

static int same_path(const route *a, const route *b)
{
    return a->match == b->match && a->path_len == b->path_len
        && memcmp(a->path, b->path, a->path_len) == 0;
}

void router_dispatch(const router *rt, request *r)
{
    unsigned allowed = 0;
    size_t len = strlen(r->path);
    const route *owner = NULL;  /* the first row that took the path: its path decides */
    for (size_t i = 0; i < rt->count; i++) {
        const route *t = &rt->routes[i];
        if (owner && !same_path(t, owner))
            continue;
        const char *rest = path_rest(t, r->path, len);
        if (!rest || (t->rule && !t->rule(rest)))
            continue;
        if (t->methods & METHOD_BIT(r->method)) {
            t->handler(r, rest);
            return;
        }
        if (!t->quiet) {
            allowed |= t->methods;
            owner = owner ? owner : t;
        }
    }
    if (!allowed) {
        rt->not_found(r);
        return;
    }
    char allow[80];
    methods_allow_header(allowed, allow, sizeof allow);
    reply_method_not_allowed(r, allow);
}
