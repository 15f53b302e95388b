/* remove.c - DELETE /<id> and DELETE /api/pastes/<id>, with the paste's
 * token in X-Delete-Token: 204 deleted, 403 a missing or wrong token
 * (nothing deleted), 404 no such paste. The application checks the token
 * and forgets the paste everywhere (app/delete.c). With an Authorization
 * header instead, it is the operator's delete (moderation.c; ?block=1
 * blocks the content too). */
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
    if (get_header(r, "Authorization")) {
        if (operator_only(r))
            operator_delete(r, rest);
        return;
    }
    app_client who;
    client_of(r, &who);
    app_delete(loop_of(r)->app, rest, get_header(r, "X-Delete-Token"), &who, on_deleted, r);
}
