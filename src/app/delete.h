/* delete.h - deleting a paste with its token. See delete.c. */
#ifndef PASTED_APP_DELETE_H
#define PASTED_APP_DELETE_H

#include <stddef.h>

#include "app.h"

/* f NULL: deleted. Else FAULT_DENIED (a missing or wrong token; field
 * "X-Delete-Token"), FAULT_NOT_FOUND, FAULT_UNAVAILABLE, FAULT_NO_MEMORY. */
typedef void (*delete_cb)(void *arg, const fault *f);
/* who (NULL: no one to charge) spends one delete per attempt: FAULT_LIMITED
 * (429) once its deletes are spent. */
void app_delete(app_loop *l, const char *id, const char *token, const app_client *who, delete_cb cb,
                void *arg);

#endif
