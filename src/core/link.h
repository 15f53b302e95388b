/* link.h - a short link's target: validated and written one way. See link.c. */
#ifndef PASTED_CORE_LINK_H
#define PASTED_CORE_LINK_H

#include <stddef.h>

#include "fault.h"

#define LINK_MAX 2048          /* bytes of the normalised target */

/* Validate a user's target URL (len bytes, hostile) and write its normal
 * form into out (LINK_MAX + 1 bytes): http or https only, a host, no
 * user:password@, no control characters; scheme and host lowercased, the
 * default port dropped, an empty path made "/", spaces and bytes a URL may
 * not hold percent-encoded. 0 ok; -1 with f set (FAULT_INVALID, field
 * "url", one line saying what is wrong). */
int link_normalise(const char *in, size_t len, char out[LINK_MAX + 1], fault *f);

/* 1 when the normalised target points at base ("http://host[:port]",
 * pasted's own address): such a link would redirect to pasted itself. */
int link_is_to(const char *target, const char *base);

#endif
