/* remove.c - DELETE /<id> and DELETE /api/pastes/<id>, with the paste's
 * token in X-Delete-Token: 204 deleted, 403 a missing or wrong token
 * (nothing deleted), 404 no such paste. The application checks the token
 * and forgets the paste everywhere (app/delete.c). */
#include "web.h"

#include "app/delete.h"

static void on_deleted(void *arg, const fault *f)
{
    request *r = arg;
    if (f)
        reply_fault(r, f);
    else
        reply(r, 204, NULL, NULL);
}

void handle_delete(request *r, const char *rest)
{
    app_client who;
    client_of(r, &who);
    app_delete(loop_of(r)->app, rest, get_header(r, "X-Delete-Token"), &who, on_deleted, r);
}
