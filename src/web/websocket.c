/* websocket.c - GET /ws: the live feed over a WebSocket (RFC 6455).
 *
 * The handshake is checked here (GET, Upgrade: websocket, Connection:
 * upgrade, version 13, a key of 16 bytes in base64, and an Origin, when
 * there is one, that is this site's: a page elsewhere must not open a feed
 * in its visitors' names); the answer is 101 with the key's SHA-1 accept,
 * and the connection is taken over from the HTTP layer (conn_take_over).
 * Frames are wslay's (Debian libwslay: a small, well-kept codec, event
 * based like the loop, with no I/O of its own): the bytes the connection
 * reads go to wslay_event_recv, what it queues goes out through
 * conn_send. wslay answers pings and closes; messages are at most
 * WS_MAX_MESSAGE bytes (larger: closed with 1009); binary messages are
 * refused (1003). A connection past its backlog is dropped by the HTTP
 * layer (conn_send), as a slow SSE reader is.
 *
 * The protocol is JSON, every message with a type and a version:
 *   client: {"type":"subscribe","channel":"new"}  new public pastes, as
 *           /events carries them; {"type":"unsubscribe","channel":"new"};
 *           {"type":"ping"}
 *   server: {"type":"hello","v":1}, {"type":"subscribed","v":1,"channel"},
 *           {"type":"paste","v":1,"paste":{...}}, {"type":"pong","v":1},
 *           {"type":"error","v":1,"message"}
 * Events come through Redis pub/sub like /events's (events.c hands each
 * new paste to ws_new_paste), so a client on one instance sees every
 * instance's pastes. The server pings every sse_keepalive seconds; open
 * sockets are capped per process by sse_max_streams, apart from SSE's. */
#include "web.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wslay/wslay.h>

#include "core/text.h"

#define WS_MAX_MESSAGE 4096
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"   /* RFC 6455, 1.3 */

typedef struct ws_session ws_session;

typedef struct ws_loop {
    web_loop     *wl;
    struct event *ping;
    ws_session   *head;
} ws_loop;

struct ws_session {
    ws_loop                *owner;
    struct conn            *conn;
    wslay_event_context_ptr ctx;
    struct evbuffer        *in;     /* read, not yet given to wslay */
    int                     new_pastes;   /* subscribed to "new" */
    int                     closing;
    ws_session             *prev, *next;
};

static atomic_int open_sockets;

/* --- the frames (wslay's callbacks) -------------------------------------- */

static ssize_t ws_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    (void)flags;
    ws_session *s = user;
    int n = evbuffer_remove(s->in, buf, len);
    if (n <= 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    return n;
}

static ssize_t ws_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
    (void)flags;
    ws_session *s = user;
    if (!s->conn || conn_send(s->conn, (const char *)data, len) != 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static void queue_json(ws_session *s, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return;
    struct wslay_event_msg m = { WSLAY_TEXT_FRAME, (const uint8_t *)text, strlen(text) };
    wslay_event_queue_msg(s->ctx, &m);
    free(text);
}

static void reply_error_msg(ws_session *s, const char *message)
{
    queue_json(s, json_pack("{s:s, s:i, s:s}", "type", "error", "v", 1, "message", message));
}

/* One message from the client. */
static void on_message(ws_session *s, const char *text, size_t len)
{
    json_t *o = json_loadb(text, len, 0, NULL);
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *channel = json_string_value(json_object_get(o, "channel"));
    if (!type)
        reply_error_msg(s, "send a JSON object with a type: subscribe, unsubscribe or ping");
    else if (strcmp(type, "ping") == 0)
        queue_json(s, json_pack("{s:s, s:i}", "type", "pong", "v", 1));
    else if ((strcmp(type, "subscribe") == 0 || strcmp(type, "unsubscribe") == 0) && channel
             && strcmp(channel, "new") == 0) {
        s->new_pastes = type[0] == 's';
        queue_json(s, json_pack("{s:s, s:i, s:s}", "type", type[0] == 's' ? "subscribed" : "unsubscribed",
                                "v", 1, "channel", channel));
    } else if (strcmp(type, "subscribe") == 0 || strcmp(type, "unsubscribe") == 0)
        reply_error_msg(s, "no such channel: the channel is \"new\"");
    else
        reply_error_msg(s, "unknown type: subscribe, unsubscribe or ping");
    json_decref(o);
}

static void ws_on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    ws_session *s = user;
    if (wslay_is_ctrl_frame(arg->opcode))
        return;                                     /* pings and closes: wslay's own */
    if (arg->opcode != WSLAY_TEXT_FRAME) {
        wslay_event_queue_close(ctx, WSLAY_CODE_UNSUPPORTED_DATA, (const uint8_t *)"text only", 9);
        return;
    }
    if (!utf8_valid(arg->msg, arg->msg_length)) {
        wslay_event_queue_close(ctx, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA, NULL, 0);
        return;
    }
    on_message(s, (const char *)arg->msg, arg->msg_length);
}

/* Send what is queued; close the connection once both sides are done. */
static void pump(ws_session *s)
{
    if (!s->conn)
        return;
    if (wslay_event_send(s->ctx) != 0 || (!wslay_event_want_read(s->ctx) && !wslay_event_want_write(s->ctx)))
        conn_close_taken(s->conn);                  /* on_gone runs, and frees s */
}

/* --- the connection ------------------------------------------------------- */

static void on_data(void *arg, struct evbuffer *in)
{
    ws_session *s = arg;
    evbuffer_add_buffer(s->in, in);
    if (wslay_event_recv(s->ctx) != 0) {
        conn_close_taken(s->conn);
        return;
    }
    pump(s);
}

static void on_gone(void *arg)
{
    ws_session *s = arg;
    ws_loop *l = s->owner;
    if (s->prev)
        s->prev->next = s->next;
    else
        l->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->conn = NULL;
    wslay_event_context_free(s->ctx);
    evbuffer_free(s->in);
    free(s);
    atomic_fetch_sub(&open_sockets, 1);
}

static void on_ping_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ws_loop *l = arg;
    ws_session *next;
    for (ws_session *s = l->head; s; s = next) {
        next = s->next;
        struct wslay_event_msg m = { WSLAY_PING, NULL, 0 };
        wslay_event_queue_msg(s->ctx, &m);
        pump(s);
    }
}

void ws_new_paste(web_loop *wl, const char *json)
{
    ws_loop *l = wl->ws;
    if (!l || !l->head)
        return;
    /* json is events.c's public summary, already JSON: wrapped, not parsed again */
    struct evbuffer *b = evbuffer_new();
    if (!b)
        return;
    evbuffer_add_printf(b, "{\"type\":\"paste\",\"v\":1,\"paste\":%s}", json);
    size_t len = evbuffer_get_length(b);
    const uint8_t *text = evbuffer_pullup(b, -1);
    ws_session *next;
    for (ws_session *s = l->head; s; s = next) {
        next = s->next;
        if (!s->new_pastes)
            continue;
        struct wslay_event_msg m = { WSLAY_TEXT_FRAME, text, len };
        wslay_event_queue_msg(s->ctx, &m);
        pump(s);
    }
    evbuffer_free(b);
}

/* --- the handshake -------------------------------------------------------- */

/* Does the header's comma-separated list hold token (any case)? */
static int has_token(const char *h, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = h; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t t = len;
        while (t && (p[t - 1] == ' ' || p[t - 1] == '\t'))
            t--;
        if (t == n && strncasecmp(p, token, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}

/* base64(SHA-1(key GUID)) into out. */
static void accept_key(const char *key, char out[32])
{
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    char buf[128];
    snprintf(buf, sizeof buf, "%s%s", key, WS_GUID);
    EVP_Digest(buf, strlen(buf), digest, &dlen, EVP_sha1(), NULL);
    EVP_EncodeBlock((unsigned char *)out, digest, (int)dlen);
}

/* The handshake's faults: 0 fine, else the status, with why set. */
static int check_handshake(request *r, const char **why)
{
    const char *upgrade = get_header(r, "Upgrade"), *connection = get_header(r, "Connection");
    const char *version = get_header(r, "Sec-WebSocket-Version"), *key = get_header(r, "Sec-WebSocket-Key");
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    int rc = 0;
    if (r->method != M_GET || !upgrade || !has_token(upgrade, "websocket") || !connection
        || !has_token(connection, "upgrade")) {
        *why = "this is a WebSocket: GET it with Upgrade: websocket";
        rc = 426;
    } else if (!version || strcmp(version, "13") != 0) {
        set_header(r, "Sec-WebSocket-Version", "13");
        *why = "WebSocket version 13 only";
        rc = 426;
    } else if (!key || strlen(key) > 64 || base64_decode(key, strlen(key), &raw, &raw_len) != 0 || raw_len != 16) {
        *why = "Sec-WebSocket-Key: 16 bytes in base64";
        rc = 400;
    }
    free(raw);
    if (rc)
        return rc;
    const char *origin = get_header(r, "Origin");
    char base[300];
    base_url(r, base, sizeof base);
    if (origin && strcasecmp(origin, base) != 0) {
        *why = "a page of another site may not open this feed";
        return 403;
    }
    return 0;
}

static ws_loop *loop_part(web_loop *wl)
{
    if (wl->ws)
        return wl->ws;
    ws_loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->wl = wl;
    l->ping = event_new(wl->app->base, -1, EV_PERSIST, on_ping_timer, l);
    struct timeval every = { wl->web->cfg->sse_keepalive, 0 };
    if (!l->ping || event_add(l->ping, &every) != 0) {
        if (l->ping)
            event_free(l->ping);
        free(l);
        return NULL;
    }
    wl->ws = l;
    return l;
}

void handle_ws(request *r, const char *rest)
{
    (void)rest;
    const char *why = NULL;
    int status = check_handshake(r, &why);
    if (status) {
        reply_error(r, status, why);
        return;
    }
    web_loop *wl = loop_of(r);
    if (atomic_fetch_add(&open_sockets, 1) >= wl->web->cfg->sse_max_streams) {
        atomic_fetch_sub(&open_sockets, 1);
        reply_error(r, 503, "too many live feeds open; try again later");
        return;
    }
    ws_loop *l = loop_part(wl);
    ws_session *s = l ? calloc(1, sizeof *s) : NULL;
    static const struct wslay_event_callbacks callbacks = { ws_recv, ws_send, NULL, NULL, NULL, NULL, ws_on_msg };
    if (s)
        s->in = evbuffer_new();
    if (!s || !s->in || wslay_event_context_server_init(&s->ctx, &callbacks, s) != 0) {
        if (s && s->in)
            evbuffer_free(s->in);
        free(s);
        atomic_fetch_sub(&open_sockets, 1);
        reply_error(r, 503, "out of memory");
        return;
    }
    wslay_event_config_set_max_recv_msg_length(s->ctx, WS_MAX_MESSAGE);
    s->owner = l;
    s->next = l->head;
    if (l->head)
        l->head->prev = s;
    l->head = s;
    char accept[32];
    accept_key(get_header(r, "Sec-WebSocket-Key"), accept);
    set_header(r, "Upgrade", "websocket");
    set_header(r, "Connection", "Upgrade");
    set_header(r, "Sec-WebSocket-Accept", accept);
    conn_takeover t = { on_data, on_gone, s };
    struct conn *c = reply_take_over(r, 101, NULL, &t);
    if (!c)             /* the client is gone: on_gone has freed s */
        return;
    s->conn = c;
    queue_json(s, json_pack("{s:s, s:i}", "type", "hello", "v", 1));
    pump(s);
}

void ws_loop_free(web_loop *wl)
{
    ws_loop *l = wl->ws;
    if (!l)
        return;
    /* the sessions died with their connections (conns_free) */
    event_free(l->ping);
    free(l);
    wl->ws = NULL;
}
