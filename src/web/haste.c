/* haste.c - hastebin's API, for haste clients and editor plugins.
 *
 *   POST /documents        the raw body is the paste -> 200 {"key": "<id>"}
 *   GET  /documents/<id>   -> 200 {"data": "<text>", "key": "<id>"}, or
 *                             404 {"message": "Document not found."}
 * as haste-server answers them. Clients then print <host>/<key> or
 * <host>/raw/<key>, which are pasted's own routes. The body is the paste
 * whatever its Content-Type (haste clients send none, or a wrong one), with
 * the default options; reading counts a view and burns a burn paste like
 * any read. A paste that is not UTF-8 cannot be a JSON string: 415, pointing
 * to /raw/. */
#include "web.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <string.h>

#include "app/create.h"
#include "app/read.h"

static void answer_key(request *r, const paste *p, const char *url, const char *token, void *arg)
{
    (void)url;
    (void)token;
    (void)arg;
    reply_json(r, 200, json_pack("{s:s}", "key", p->id));
}

void handle_haste_create(request *r, const char *rest)
{
    (void)rest;
    size_t len = evbuffer_get_length(r->body);
    const char *data = len ? (const char *)evbuffer_pullup(r->body, -1) : "";
    fault f;
    paste *p = create_build(app_of(r), data, len, NULL, NULL, NULL, &f);
    if (!p) {
        reply_json(r, fault_status(&f), json_pack("{s:s}", "message", f.message));
        return;
    }
    web_create(r, p, answer_key, NULL);
}

static void on_document(void *arg, paste *p, int64_t views, const fault *f)
{
    (void)views;
    request *r = arg;
    if (!p && f->kind == FAULT_NOT_FOUND) {
        reply_json(r, 404, json_pack("{s:s}", "message", "Document not found."));
        return;
    }
    if (!p) {
        reply_fault(r, f);
        return;
    }
    if (r->method == M_HEAD && paste_is_limited(p))
        reply_burn_unread(r);           /* a HEAD reads nothing up */
    else if (!paste_is_text(p))
        reply_json(r, 415, json_pack("{s:s}", "message", "Not text: read it at /raw/<key>."));
    else
        reply_json(r, 200, json_pack("{s:s%, s:s}", "data", (const char *)p->body, p->size, "key", p->id));
    paste_free(p);
}

void handle_haste_read(request *r, const char *rest)
{
    app_client who;
    client_of(r, &who);
    set_header(r, "Cache-Control", "no-cache");
    app_read(loop_of(r)->app, rest, r->method == M_GET ? READ_COUNT | READ_CONSUME : READ_SPARE_BURN, &who,
             on_document, r);
}
