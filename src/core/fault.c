/* fault.c - filling a fault (see fault.h for the convention). */
#include "fault.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int fault_set(fault *f, fault_kind kind, const char *field, const char *fmt, ...)
{
    if (!f)
        return -1;
    f->kind = kind;
    f->field = field;
    f->retry_after = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    return -1;
}

int fault_no_memory(fault *f)
{
    return fault_set(f, FAULT_NO_MEMORY, NULL, "out of memory");
}

void fault_prefix(fault *f, const char *what)
{
    if (!f)
        return;
    char old[FAULT_MESSAGE_MAX];
    memcpy(old, f->message, sizeof old);
    size_t n = strlen(what);
    if (n > sizeof f->message - 3)
        n = sizeof f->message - 3;
    memcpy(f->message, what, n);
    memcpy(f->message + n, ": ", 2);
    size_t room = sizeof f->message - n - 3, rest = strnlen(old, room);
    memcpy(f->message + n + 2, old, rest);
    f->message[n + 2 + rest] = '\0';
}
