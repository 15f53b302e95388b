/* ketama.h - which cache node holds a key: twemproxy's ketama ring. See ketama.c. */
#ifndef PASTED_CORE_KETAMA_H
#define PASTED_CORE_KETAMA_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"

#define KETAMA_NONE ((size_t)-1) /* ketama_pick: no node is up */
/* The longest "name-N" string nutcracker hashes; a longer one is cut, as it cuts it. */
#define KETAMA_HOST_MAX 272

typedef struct ketama_node {
    /* The string nutcracker hashes for this server: the name after the space in
     * "- host:port:weight name", else what ketama_default_name gives. */
    const char *name;
    /* nutcracker's weight (it refuses 0; here a weight of 0 gets no points). */
    uint32_t    weight;
} ketama_node;

typedef struct ketama_ring ketama_ring;

/* The ring over nodes[0..n), counting only those with up[i] != 0 (up NULL: all
 * of them), as nutcracker rebuilds it when auto_eject_hosts ejects a server or
 * puts it back: build a new ring and swap it in. The ring copies nothing it
 * needs later from nodes. NULL on failure (out of memory, or no MD5 in this
 * OpenSSL), filling f. */
ketama_ring *ketama_build(const ketama_node *nodes, size_t n, const unsigned char *up, fault *f);
void         ketama_free(ketama_ring *r);
/* The index into nodes of the node that holds key, or KETAMA_NONE when no node
 * is up. No allocation, no locks: one ring may be read by many threads. */
size_t       ketama_pick(const ketama_ring *r, const char *key, size_t len);
/* How many points node i has on the ring (0 when down): 160 for equal weights
 * (nearly always: see ketama.c). */
size_t       ketama_points(const ketama_ring *r, size_t i);
/* nutcracker's "fnv1a_64" key hash, which is 32-bit (see ketama.c). */
uint32_t     ketama_key_hash(const char *key, size_t len);
/* The name nutcracker hashes for "host:port:weight" given without a name:
 * "host:port", or "host" alone when port is 11211 (and "path:" for a unix
 * socket "path:weight", port 0). -1 when it does not fit in cap, filling f. */
int          ketama_default_name(char *out, size_t cap, const char *host, unsigned port, fault *f);

#endif
