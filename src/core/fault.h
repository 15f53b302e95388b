/* fault.h - the one error convention of pasted.
 *
 * A function that can fail returns 0 (or a pointer) on success and -1 (or
 * NULL) on failure, and fills the caller's `fault` with what went wrong: a
 * kind, which the web layer turns into an HTTP status in one place
 * (web/reply_fault), a one-line message fit to show a user, and the name
 * of the offending field when there is one. Nothing else signals an error:
 * no thread-local buffers, no negative codes with meanings of their own.
 * A "no such thing" answer that is not a failure (a read of a missing
 * paste) is a result, not a fault: such functions say so in their return
 * value, documented where they are declared.
 *
 * Out of memory is a fault like any other (FAULT_NO_MEMORY -> 503). */
#ifndef PASTED_CORE_FAULT_H
#define PASTED_CORE_FAULT_H

#include <stddef.h>

typedef enum fault_kind {
    FAULT_NONE = 0,
    FAULT_INVALID,      /* the input is wrong: 400 */
    FAULT_TOO_LARGE,    /* the input is too big: 413 */
    FAULT_UNSUPPORTED,  /* a media type we do not take: 415 */
    FAULT_DENIED,       /* a wrong or missing credential: 403 */
    FAULT_NOT_FOUND,    /* no such thing: 404 */
    FAULT_GONE,         /* it was there and is not any more: 410 */
    FAULT_EXISTS,       /* a unique key is taken (store) */
    FAULT_LIMITED,      /* over a limit for now (retry_after says how long): 429 */
    FAULT_BLOCKED,      /* content the operator blocked: 451 */
    FAULT_UNAUTHORIZED, /* a credential is needed and none was given: 401 */
    FAULT_NO_SPACE,     /* the store's disk is nearly full: 507 */
    FAULT_UNAVAILABLE,  /* a store or a peer did not answer: 503 */
    FAULT_NO_MEMORY,    /* 503 */
} fault_kind;

#define FAULT_MESSAGE_MAX 320

typedef struct fault {
    fault_kind  kind;
    const char *field;                  /* a string constant, or NULL */
    char        message[FAULT_MESSAGE_MAX];
    int         retry_after;            /* FAULT_LIMITED: seconds until it would pass */
} fault;

/* Fill f (which may be NULL: the caller does not care why) and return -1,
 * so a failing path reads `return fault_set(f, FAULT_INVALID, "title", ...)`. */
int fault_set(fault *f, fault_kind kind, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same, for the common out-of-memory case. */
int fault_no_memory(fault *f);
/* Put "what: " before f's message (context added on the way up). */
void fault_prefix(fault *f, const char *what);

#endif
