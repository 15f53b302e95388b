/* remove.c - DELETE /<id> and DELETE /api/pastes/<id>, with the paste's
 * token in X-Delete-Token: 204 deleted, 403 a missing or wrong token
 * (nothing deleted), 404 no such paste. The application checks the token
 * and forgets the paste everywhere (app/delete.c). With an Authorization
 * header instead, it is the operator's delete (moderation.c; ?block=1
 * blocks the content too).
 * POST /<id> with the form fields token and delete is the same delete the
 * way 0x0.st's users write it: curl -F token=TOKEN -F delete= HOST/ID. */
#include "web.h"

#include <stdlib.h>
#include <string.h>

#include "app/delete.h"
#include "http/form.h"

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

static void on_managed(void *arg, const fault *f)
{
    request *r = arg;
    if (f)
        reply_fault(r, f);
    else
        reply_text(r, 200, "deleted");
}

void handle_manage(request *r, const char *rest)
{
    form fm = { 0 };
    int parsed = request_form(r, &fm);
    const form_field *token = parsed == 0 ? form_get(&fm, "token") : NULL;
    char *t = token ? strndup(token->value, token->value_len) : NULL;
    int wants_delete = parsed == 0 && form_get(&fm, "delete") != NULL;
    form_free(&fm);
    if (!token || !wants_delete) {
        free(t);
        reply_error(r, 400, "POST /<id> deletes a paste: send the fields token (its delete token) and delete");
        return;
    }
    if (!t) {
        reply_error(r, 503, "out of memory");
        return;
    }
    app_client who;
    client_of(r, &who);
    app_delete(loop_of(r)->app, rest, t, &who, on_managed, r);
    free(t);
}
