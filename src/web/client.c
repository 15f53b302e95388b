/* client.c - who a request comes from, for the limits.
 *
 * The socket's peer, unless the peer is one of the operator's
 * trusted_proxies: then the client is in the Forwarded header (RFC 7239,
 * for=) or else X-Forwarded-For, which each proxy appends to. Walking the
 * list from the right, every address a trusted proxy added is skipped; the
 * first one that is not a trusted proxy is the client (what is left of it
 * anyone could have written; core/netaddr.c parses it). A header that does
 * not parse leaves the client at the peer: a broken proxy must not make
 * everyone one client, or let anyone pick their address. From anything but
 * a trusted proxy these headers are ignored. A client on limit_allow is
 * charged nothing. This runs for every request, hot reads included: a copy
 * of the peer and two list lengths, unless proxies or an allowlist are set. */
#include "web.h"

void client_of(request *r, app_client *out)
{
    const limits *lim = &app_of(r)->lim;
    out->addr = *request_peer(r);
    out->unlimited = 0;
    if (lim->trusted_proxies.n && netset_has(&lim->trusted_proxies, &out->addr)) {
        const char *fwd = get_header(r, "Forwarded");
        const char *xff = fwd ? NULL : get_header(r, "X-Forwarded-For");
        netaddr a;
        if ((fwd && netaddr_forwarded(fwd, 1, &lim->trusted_proxies, &a) == 0)
            || (xff && netaddr_forwarded(xff, 0, &lim->trusted_proxies, &a) == 0))
            out->addr = a;
    }
    out->unlimited = lim->allow.n && netset_has(&lim->allow, &out->addr);
}

void client_at(const app *a, const netaddr *peer, app_client *out)
{
    out->addr = *peer;
    out->unlimited = a->lim.allow.n && netset_has(&a->lim.allow, peer);
}
