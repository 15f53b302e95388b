/* netaddr.c - client addresses for the limits (web/client.c decides which
 * address a request comes from; app/ charges it).
 *
 * Addresses come from a socket or from headers a proxy wrote, so every
 * string here is untrusted: parsing is bounded (an address is at most 64
 * bytes as written) and goes through inet_pton, never sscanf. */
#include "netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WRITTEN_MAX 64      /* longest address as written, with brackets and a port */

/* The address part of "host", "host:port", "[v6]" or "[v6]:port". */
static int strip_port(const char *s, size_t len, char out[WRITTEN_MAX])
{
    if (len == 0 || len >= WRITTEN_MAX)
        return -1;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return -1;
        size_t n = (size_t)(close - s - 1);
        memcpy(out, s + 1, n);
        out[n] = '\0';
        return 0;
    }
    const char *colon = memchr(s, ':', len);
    /* one colon: IPv4 with a port; more: a bare IPv6 address */
    if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1))
        len = (size_t)(colon - s);
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* out->bytes hold an IPv6 address: an IPv4-mapped one (::ffff:a.b.c.d) is
 * the IPv4 client it maps. */
static void from_ipv6(netaddr *out)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    out->v6 = memcmp(out->bytes, mapped, sizeof mapped) != 0;
    if (!out->v6) {
        memmove(out->bytes, out->bytes + 12, 4);
        memset(out->bytes + 4, 0, 12);
    }
}

int netaddr_parse(const char *s, size_t len, netaddr *out)
{
    char text[WRITTEN_MAX];
    memset(out, 0, sizeof *out);
    if (strip_port(s, len, text) != 0)
        return -1;
    if (inet_pton(AF_INET, text, out->bytes) == 1)
        return 0;
    if (inet_pton(AF_INET6, text, out->bytes) != 1)
        return -1;
    from_ipv6(out);
    return 0;
}

void netaddr_from_sockaddr(const struct sockaddr *sa, netaddr *out)
{
    memset(out, 0, sizeof *out);
    if (sa && sa->sa_family == AF_INET) {
        memcpy(out->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
        memcpy(out->bytes, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        from_ipv6(out);
    }
}

static int prefix_matches(const uint8_t *a, const uint8_t *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

static int parse_one(const char *s, size_t len, netaddr *net, int *bits)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    if (netaddr_parse(s, alen, net) != 0)
        return -1;
    int max = net->v6 ? 128 : 32;
    *bits = max;
    if (!slash)
        return 0;
    size_t blen = len - alen - 1;
    if (blen == 0 || blen > 3)
        return -1;
    int b = 0;
    for (size_t i = 0; i < blen; i++) {
        char c = slash[1 + i];
        if (c < '0' || c > '9')
            return -1;
        b = b * 10 + (c - '0');
    }
    if (b > max)
        return -1;
    *bits = b;
    return 0;
}

int netset_parse(const char *list, netset *out, fault *f)
{
    memset(out, 0, sizeof *out);
    const char *p = list ? list : "";
    while (*p) {
        p += strspn(p, " ,\t");
        size_t len = strcspn(p, " ,\t");
        if (len == 0)
            break;
        if (out->n == NETSET_MAX)
            return fault_set(f, FAULT_INVALID, NULL, "more than %d networks", NETSET_MAX);
        if (parse_one(p, len, &out->nets[out->n].net, &out->nets[out->n].bits) != 0)
            return fault_set(f, FAULT_INVALID, NULL, "'%.*s' is not an address or network (a.b.c.d/n, x::y/n)",
                             (int)(len > 64 ? 64 : len), p);
        out->n++;
        p += len;
    }
    return 0;
}

int netset_has(const netset *s, const netaddr *a)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->nets[i].net.v6 == a->v6 && prefix_matches(s->nets[i].net.bytes, a->bytes, s->nets[i].bits))
            return 1;
    return 0;
}

/* The last element of a comma-separated list before end, trimmed: [*s, *e). */
static int previous_item(const char *list, const char **s, const char **e)
{
    const char *end = *s;
    while (end > list && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == ','))
        end--;
    if (end == list)
        return 0;
    const char *start = end;
    while (start > list && start[-1] != ',')
        start--;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    *s = start;
    *e = end;
    return 1;
}

/* "for=203.0.113.7", "for=\"[2001:db8::1]:4711\"; proto=https" -> the address. */
static int forwarded_for(const char *s, const char *e, netaddr *out)
{
    for (const char *p = s; p < e; p++) {
        if ((size_t)(e - p) > 4 && strncasecmp(p, "for=", 4) == 0 && (p == s || p[-1] == ';' || p[-1] == ' ')) {
            const char *v = p + 4, *ve = v;
            while (ve < e && *ve != ';')
                ve++;
            if (ve > v && *v == '"') {
                v++;
                if (ve[-1] == '"')
                    ve--;
            }
            return ve > v ? netaddr_parse(v, (size_t)(ve - v), out) : -1;
        }
    }
    return -1;
}

int netaddr_forwarded(const char *value, int rfc7239, const netset *trusted, netaddr *out)
{
    const char *s = value + strlen(value), *e;
    netaddr a;
    int found = 0;
    while (previous_item(value, &s, &e)) {
        int bad = rfc7239 ? forwarded_for(s, e, &a) : netaddr_parse(s, (size_t)(e - s), &a);
        if (bad)
            return -1;
        *out = a;
        found = 1;
        if (!netset_has(trusted, &a))
            return 0;
    }
    return found ? 0 : -1;   /* every one a proxy: the leftmost */
}

void netaddr_key(const netaddr *a, char out[NETADDR_KEY_MAX])
{
    if (!a->v6) {
        inet_ntop(AF_INET, a->bytes, out, NETADDR_KEY_MAX);
        return;
    }
    uint8_t net[16] = { 0 };
    memcpy(net, a->bytes, 8);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, net, text, sizeof text);
    snprintf(out, NETADDR_KEY_MAX, "%s/64", text);
}
