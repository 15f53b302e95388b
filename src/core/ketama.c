/* ketama.c - the consistent-hash ring that places keys on cache nodes.
 *
 * The cache tier is a set of independent Redis nodes; this file alone decides
 * which one holds a key. It places every key exactly where twemproxy
 * (nutcracker 0.5.0, Debian) puts it with `distribution: ketama` and its
 * default `hash: fnv1a_64`, for the same servers, names and weights, so an
 * operator may put nutcracker in front of the nodes instead and find the
 * same keys on the same nodes. The rules below are nutcracker's, read in its
 * source (hashkit/nc_ketama.c, nc_fnv.c, nc_server.c, nc_conf.c); where its
 * arithmetic is odd, the oddity is kept on purpose:
 *
 *   - A server's name is the one after the space in "host:port:weight name",
 *     else "host:port" ("host" alone for port 11211): ketama_default_name.
 *   - Only live servers are on the ring. Each gets
 *         floorf(weight / total_live_weight * 160 / 4 * n_live + 1e-10) * 4
 *     points, computed in single precision one operation at a time as
 *     nutcracker's expression is (the 1e-10 is too small to change a float),
 *     so a share that rounds to just under a whole number of groups loses
 *     the same 4 points here as there. Equal weights: 160 points each, but
 *     156 when 25, 47, 50, 55... nodes are live; weights 1,3,7,7,7: 28 (not
 *     32), 92 (not 96), 224, 224, 224.
 *   - Point group j of a server is MD5("name-j") (cut at 272 bytes); its 16
 *     bytes are 4 points, the little-endian 32-bit words of the digest.
 *   - Points are sorted by value; on a tie (two servers on the same 32-bit
 *     value, about once in 50,000 rings of three) the server listed first comes
 *     first, as Debian's qsort (glibc's stable merge sort) leaves them.
 *   - A key's hash is nutcracker's "fnv1a_64", which is FNV-1a in 32 bits
 *     with the low halves of the 64-bit basis and prime: for ASCII keys the
 *     low 32 bits of the real FNV-1a 64. Each byte goes through a plain char,
 *     signed on x86-64, so a byte >= 0x80 is sign-extended and also flips the
 *     upper 24 bits of the hash; we do the same whatever this machine's char
 *     is, to match the amd64 nutcracker. An empty key hashes to 0. The
 *     32-bit prime is 435, so keys that differ only in their last byte or
 *     two land within 2^17 or so of each other, mostly on one node: a weak
 *     hash for "key:1", "key:2"..., fine for pasted's permuted ids.
 *   - A key goes to the first point at or after its hash, wrapping to the
 *     first point; a pool of one server takes every key without hashing.
 *
 * Ejection is the caller's: like nutcracker with auto_eject_hosts, it builds
 * a new ring over the nodes still up (the up mask) and swaps it in. A node's
 * points are the first of the same sequence whatever else is up; only their
 * number depends on the others (its weight over the mean live weight, times
 * 160). With equal weights that number stays 160 (but see 25 nodes above),
 * so an ejected node's keys spread over the others and no other key moves;
 * with unequal weights the survivors' counts are rescaled and a few keys move
 * between them too, as they do in nutcracker.
 *
 * A ring is immutable once built: picking reads it without locks. */
#include "ketama.h"

#include <float.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Single-precision steps must round as floats, as on nutcracker's amd64. */
#if FLT_EVAL_METHOD != 0
#error "ketama.c needs FLT_EVAL_METHOD 0 to round the point counts as nutcracker does"
#endif

#define POINTS_PER_SERVER 160 /* nutcracker's KETAMA_POINTS_PER_SERVER */
#define POINTS_PER_HASH   4   /* one MD5 digest: four 32-bit points */
#define KETAMA_PORT       11211

typedef struct point {
    uint32_t value;
    uint32_t node;
} point;

struct ketama_ring {
    size_t  nnodes;  /* every node, up or not: indexes stay the caller's */
    size_t  npoints;
    size_t *counts;  /* points per node */
    point  *points;  /* sorted by value, then node */
};

/* nutcracker's point count for one live server (see the note above). */
static uint32_t points_for(uint32_t weight, uint32_t total, uint32_t nlive)
{
    if (total == 0)
        return 0;
    float pct = (float)weight / (float)total;
    float share = pct * POINTS_PER_SERVER;
    share = share / 4;
    share = share * (float)nlive;
    float groups = (float)(share + 0.0000000001);
    return (uint32_t)(floorf(groups) * 4);
}

static int point_cmp(const void *a, const void *b)
{
    const point *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* Append node's points for group "name-j", j = 0..groups-1. */
static int add_points(point *out, size_t *at, const char *name, uint32_t node, uint32_t groups)
{
    const EVP_MD *md5 = EVP_md5();
    for (uint32_t j = 0; j < groups; j++) {
        char host[KETAMA_HOST_MAX + 1];
        int len = snprintf(host, sizeof host, "%s-%u", name, (unsigned)j);
        if (len < 0)
            return -1;
        size_t hostlen = (size_t)len > KETAMA_HOST_MAX ? KETAMA_HOST_MAX : (size_t)len;
        unsigned char d[16];
        unsigned int dlen = 0;
        if (!md5 || !EVP_Digest(host, hostlen, d, &dlen, md5, NULL) || dlen != sizeof d)
            return -1;
        for (int x = 0; x < POINTS_PER_HASH; x++) {
            const unsigned char *w = d + 4 * x;
            out[*at].value = (uint32_t)w[0] | (uint32_t)w[1] << 8 | (uint32_t)w[2] << 16
                           | (uint32_t)w[3] << 24;
            out[(*at)++].node = node;
        }
    }
    return 0;
}

ketama_ring *ketama_build(const ketama_node *nodes, size_t n, const unsigned char *up, fault *f)
{
    if (n > UINT32_MAX) {
        fault_set(f, FAULT_INVALID, "cache_nodes", "too many cache nodes");
        return NULL;
    }
    /* nutcracker sums live weights in a uint32_t; so do we, wrap and all */
    uint32_t nlive = 0, total = 0;
    for (size_t i = 0; i < n; i++)
        if (!up || up[i]) {
            nlive++;
            total += nodes[i].weight;
        }

    ketama_ring *r = calloc(1, sizeof *r);
    if (!r || !(r->counts = calloc(n ? n : 1, sizeof *r->counts)))
        goto no_memory;
    r->nnodes = n;
    size_t cap = 0;
    for (size_t i = 0; i < n; i++)
        if (!up || up[i]) {
            r->counts[i] = points_for(nodes[i].weight, total, nlive);
            cap += r->counts[i];
        }
    if (!(r->points = malloc((cap ? cap : 1) * sizeof *r->points)))
        goto no_memory;
    for (size_t i = 0; i < n; i++) {
        if (r->counts[i] == 0)
            continue;
        if (add_points(r->points, &r->npoints, nodes[i].name, (uint32_t)i,
                       (uint32_t)(r->counts[i] / POINTS_PER_HASH)) < 0) {
            ketama_free(r);
            fault_set(f, FAULT_UNAVAILABLE, "cache_nodes", "MD5 is not available for the cache ring");
            return NULL;
        }
    }
    qsort(r->points, r->npoints, sizeof *r->points, point_cmp);
    return r;

no_memory:
    ketama_free(r);
    fault_no_memory(f);
    return NULL;
}

void ketama_free(ketama_ring *r)
{
    if (!r)
        return;
    free(r->counts);
    free(r->points);
    free(r);
}

uint32_t ketama_key_hash(const char *key, size_t len)
{
    uint32_t h = (uint32_t)UINT64_C(0xcbf29ce484222325);
    const uint32_t prime = (uint32_t)UINT64_C(0x100000001b3);
    for (size_t i = 0; i < len; i++) {
        /* as a signed char, whatever char is here: nutcracker's amd64 build */
        unsigned char c = (unsigned char)key[i];
        h ^= c < 0x80 ? c : c | 0xffffff00u;
        h *= prime;
    }
    return h;
}

size_t ketama_pick(const ketama_ring *r, const char *key, size_t len)
{
    if (r->npoints == 0)
        return KETAMA_NONE;
    if (r->nnodes == 1)
        return 0;
    uint32_t h = len ? ketama_key_hash(key, len) : 0;
    size_t lo = 0, hi = r->npoints; /* the first point with value >= h */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->points[mid].value < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return r->points[lo == r->npoints ? 0 : lo].node;
}

size_t ketama_points(const ketama_ring *r, size_t i)
{
    return i < r->nnodes ? r->counts[i] : 0;
}

int ketama_default_name(char *out, size_t cap, const char *host, unsigned port, fault *f)
{
    int len;
    if (port == KETAMA_PORT)
        len = snprintf(out, cap, "%s", host);
    else if (port == 0)
        len = snprintf(out, cap, "%s:", host);
    else
        len = snprintf(out, cap, "%s:%u", host, port);
    if (len < 0 || (size_t)len >= cap)
        return fault_set(f, FAULT_INVALID, "cache_nodes", "cache node name too long: %s", host);
    return 0;
}
