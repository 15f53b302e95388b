/* netaddr.h - client addresses: parsed, matched against lists of networks,
 * and named for the limits. See netaddr.c. */
#ifndef PASTED_CORE_NETADDR_H
#define PASTED_CORE_NETADDR_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"

/* An IPv4 or IPv6 address; an IPv4-mapped IPv6 address (::ffff:1.2.3.4) is
 * kept as the IPv4 address it is. */
typedef struct netaddr {
    int     v6;             /* 0: IPv4 in bytes[0..4) */
    uint8_t bytes[16];
} netaddr;

#define NETSET_MAX 32

/* A list of networks ("10.0.0.0/8 ::1 2001:db8::/32"), for trusted proxies
 * and the allowlist. */
typedef struct netset {
    size_t n;
    struct {
        netaddr net;
        int     bits;
    } nets[NETSET_MAX];
} netset;

/* An address as written: "1.2.3.4", "2001:db8::1", "[2001:db8::1]",
 * optionally with a port ("1.2.3.4:80", "[2001:db8::1]:80"): what
 * X-Forwarded-For and Forwarded may hold. 0, or -1 when it is not one. */
int  netaddr_parse(const char *s, size_t len, netaddr *out);
/* From accept()'s address; an unknown family (a unix socket) gives
 * 0.0.0.0. */
struct sockaddr;
void netaddr_from_sockaddr(const struct sockaddr *sa, netaddr *out);
/* Networks separated by spaces or commas, each an address or address/bits.
 * An empty list is fine. 0, or -1 with f naming the bad entry. */
int  netset_parse(const char *list, netset *out, fault *f);
int  netset_has(const netset *s, const netaddr *a);
/* The client named by a forwarding header a trusted proxy passed on:
 * X-Forwarded-For ("client, proxy1, proxy2") or, with rfc7239, Forwarded
 * ("for=client, for=\"[v6]:port\";proto=https"). From the right, addresses
 * in trusted are skipped (proxies that appended themselves); the first one
 * not in it is the client; when all are, the leftmost. 0 with out, or -1
 * when the header is empty or an element does not parse (keep the peer). */
int  netaddr_forwarded(const char *value, int rfc7239, const netset *trusted, netaddr *out);
/* The name an address is limited under: an IPv4 address itself, an IPv6
 * address's /64 (one subscriber gets a whole /64, so a limit per address
 * would be a limit per nothing): "203.0.113.7", "2001:db8:1:2::/64". */
#define NETADDR_KEY_MAX 56
void netaddr_key(const netaddr *a, char out[NETADDR_KEY_MAX]);

#endif
