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
 *           {"type":"subscribe","channel":"paste:<id>"[,"tab":"<token>"]}
 *           that paste's view total and viewers now (with a tab: this tab
 *           is one of them, while the socket is open; at most one paste per
 *           socket is "here", WS_MAX_FOLLOWS followed);
 *           {"type":"unsubscribe","channel":"paste:<id>"}; {"type":"ping"}
 *   server: {"type":"hello","v":1}, {"type":"subscribed","v":1,"channel"}
 *           (for a paste, with "views": its total then),
 *           {"type":"unsubscribed","v":1,"channel"},
 *           {"type":"paste","v":1,"paste":{...}},
 *           {"type":"views","v":1,"id","views":N},
 *           {"type":"viewing","v":1,"id","viewing":N}, {"type":"pong","v":1},
 *           {"type":"error","v":1,"message"[,"channel"]}
 * Events come through Redis pub/sub like /events's (events.c hands each
 * new paste to ws_new_paste; app/live.c a followed paste's news to
 * ws_paste_live), so a client on one instance sees every instance's.
 * The server pings every sse_keepalive seconds, and a socket that is
 * "here" every presence_interval: its presence is renewed while it
 * answers, and a socket silent for three intervals is closed, so a lost
 * tab drops out. Open sockets are capped per process by ws_max_sockets
 * (a paste page holds one; each is a descriptor and a few KiB). */
#include "web.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wslay/wslay.h>

#include "app/live.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/text.h"

#define WS_MAX_MESSAGE 4096
#define WS_MAX_FOLLOWS 8        /* pastes one socket may follow */
#define TAB_MIN 8               /* a tab token: 8 to 64 of [A-Za-z0-9_-] */
#define TAB_MAX 64
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"   /* RFC 6455, 1.3 */

typedef struct ws_session ws_session;

typedef char paste_id[IDS_MAX_LEN + 1];

/* A session following a paste, in its loop's index by paste id: a paste's
 * news reaches its followers without a walk over every socket. */
typedef struct follower {
    paste_id         id;
    ws_session      *s;
    struct follower *next;
} follower;

#define FOLLOW_BUCKETS 1024     /* a power of two */

typedef struct ws_loop {
    web_loop     *wl;
    struct event *ping;
    struct event *presence;     /* every presence_interval: the heartbeats */
    ws_session   *head;
    uint64_t      serials;      /* the last session's serial */
    follower     *followers[FOLLOW_BUCKETS];
} ws_loop;

struct ws_session {
    ws_loop                *owner;
    uint64_t                serial;   /* finds it again when a store answer comes */
    struct conn            *conn;
    wslay_event_context_ptr ctx;
    struct evbuffer        *in;     /* read, not yet given to wslay */
    int                     new_pastes;   /* subscribed to "new" */
    paste_id                follows[WS_MAX_FOLLOWS];
    int                     nfollows;
    paste_id                asking[WS_MAX_FOLLOWS];   /* follows asked, not answered yet */
    int                     nasking;
    paste_id                here;         /* the paste this tab views ("": none) */
    char                    tab[TAB_MAX + 1];
    int64_t                 heard_ms;     /* the client's last bytes */
    int                     holds;        /* calls under way that use it (hold) */
    int                     broken;       /* a frame wslay could not take: close */
    double                  tokens;       /* subscribe/unsubscribe budget (spend) */
    int64_t                 tokens_ms;
    app_client              who;          /* for the lookup budget */
    ws_session             *prev, *next;
};

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
    if (!s->conn || conn_send(s->conn, (const char *)data, len) != 0) {     /* on_gone may have run */
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

static void pump(ws_session *s);

/* The session of this serial, if it is still open. */
static ws_session *find_session(ws_loop *l, uint64_t serial)
{
    for (ws_session *s = l->head; s; s = s->next)
        if (s->serial == serial)
            return s;
    return NULL;
}

static follower **bucket(ws_loop *l, const char *id)
{
    uint32_t h = 2166136261u;                       /* FNV-1a */
    for (const char *p = id; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return &l->followers[h & (FOLLOW_BUCKETS - 1)];
}

static int index_follower(ws_session *s, const char *id)
{
    follower *f = malloc(sizeof *f);
    if (!f)
        return -1;
    snprintf(f->id, sizeof f->id, "%s", id);
    f->s = s;
    follower **b = bucket(s->owner, id);
    f->next = *b;
    *b = f;
    return 0;
}

static void unindex_follower(ws_session *s, const char *id)
{
    for (follower **p = bucket(s->owner, id); *p; p = &(*p)->next)
        if ((*p)->s == s && strcmp((*p)->id, id) == 0) {
            follower *gone = *p;
            *p = gone->next;
            free(gone);
            return;
        }
}

static int follows(const ws_session *s, const char *id)
{
    for (int i = 0; i < s->nfollows; i++)
        if (strcmp(s->follows[i], id) == 0)
            return 1;
    return 0;
}

static int valid_tab(const char *tab)
{
    size_t n = strlen(tab);
    return n >= TAB_MIN && n <= TAB_MAX && strspn(tab, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* --- following a paste ---------------------------------------------------- */

/* A store answer on its way back to a session that may be gone by then. */
typedef struct ws_pending {
    ws_loop *l;
    uint64_t serial;
    paste_id id;
    char     tab[TAB_MAX + 1];
} ws_pending;

static ws_pending *pending_new(ws_session *s, const char *id, const char *tab)
{
    ws_pending *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->l = s->owner;
    q->serial = s->serial;
    snprintf(q->id, sizeof q->id, "%s", id);
    snprintf(q->tab, sizeof q->tab, "%s", tab ? tab : "");
    return q;
}

static void send_count(ws_session *s, const char *id, const char *what, int64_t n)
{
    queue_json(s, json_pack("{s:s, s:i, s:s, s:I}", "type", what, "v", 1, "id", id, what, (json_int_t)n));
}

static void on_viewing(void *arg, int64_t n)
{
    ws_pending *q = arg;
    ws_session *s = find_session(q->l, q->serial);
    if (s && n >= 0 && follows(s, q->id)) {
        send_count(s, q->id, "viewing", n);
        pump(s);
    }
    free(q);
}

static void leave_here(ws_session *s)
{
    if (!s->here[0])
        return;
    app_presence_leave(s->owner->wl->app, s->here, s->tab);
    s->here[0] = '\0';
}

/* tab ("": none) is viewing id now; answer with how many are. */
static void beat_and_count(ws_session *s, const char *id, const char *tab)
{
    if (tab[0]) {
        if (strcmp(s->here, id) != 0 || strcmp(s->tab, tab) != 0)
            leave_here(s);                  /* one paste per socket is "here" */
        snprintf(s->here, sizeof s->here, "%s", id);
        snprintf(s->tab, sizeof s->tab, "%s", tab);
    }
    ws_pending *q = pending_new(s, id, tab);
    app_presence_beat(s->owner->wl->app, id, tab[0] ? tab : NULL, q ? on_viewing : NULL, q);
}

/* The follow of id asked by s is answered: 1 if it was still wanted. */
static int stop_asking(ws_session *s, const char *id)
{
    for (int i = 0; i < s->nasking; i++)
        if (strcmp(s->asking[i], id) == 0) {
            if (i != --s->nasking)
                memcpy(s->asking[i], s->asking[s->nasking], sizeof(paste_id));
            return 1;
        }
    return 0;
}

/* Subscribing costs the store a read and Redis a script or two (and a
 * tab's change is announced to every follower): a socket may ask
 * WS_BURST times at once, then once a second. */
#define WS_BURST 16

static int spend(ws_session *s)
{
    int64_t now = now_ms();
    if (s->tokens_ms == 0)
        s->tokens = WS_BURST;
    else
        s->tokens += (double)(now - s->tokens_ms) / 1000.0;
    if (s->tokens > WS_BURST)
        s->tokens = WS_BURST;
    s->tokens_ms = now;
    if (s->tokens < 1)
        return -1;
    s->tokens -= 1;
    return 0;
}

static void on_followed(void *arg, int ok, int64_t views, const fault *f)
{
    ws_pending *q = arg;
    ws_session *s = find_session(q->l, q->serial);
    if (!s) {
        if (ok)
            app_live_unfollow(q->l->wl->app, q->id);   /* it closed meanwhile */
        free(q);
        return;
    }
    char channel[IDS_MAX_LEN + 8];
    snprintf(channel, sizeof channel, "paste:%s", q->id);
    if (!stop_asking(s, q->id)) {       /* unsubscribed meanwhile */
        if (ok)
            app_live_unfollow(q->l->wl->app, q->id);
    } else if (!ok) {
        queue_json(s, json_pack("{s:s, s:i, s:s, s:s}", "type", "error", "v", 1, "channel", channel, "message",
                                f && f->message[0] ? f->message : "no such paste"));
    } else {
        if (follows(s, q->id) || index_follower(s, q->id) != 0)
            app_live_unfollow(q->l->wl->app, q->id);  /* asked twice: one follow is enough */
        else
            snprintf(s->follows[s->nfollows++], sizeof(paste_id), "%s", q->id);
        queue_json(s, json_pack("{s:s, s:i, s:s, s:I}", "type", "subscribed", "v", 1, "channel", channel,
                                "views", (json_int_t)views));
        beat_and_count(s, q->id, q->tab);
    }
    pump(s);
    free(q);
}

static void follow(ws_session *s, const char *id, const char *tab)
{
    if (!ids_is_wellformed(id, strlen(id))) {
        reply_error_msg(s, "no such paste");
        return;
    }
    if (tab && !valid_tab(tab)) {
        reply_error_msg(s, "a tab is 8 to 64 letters, digits, '_' or '-'");
        return;
    }
    if ((!follows(s, id) && s->nfollows + s->nasking >= WS_MAX_FOLLOWS) || s->nasking == WS_MAX_FOLLOWS) {
        reply_error_msg(s, "a socket follows at most 8 pastes");
        return;
    }
    ws_pending *q = pending_new(s, id, tab);
    if (!q) {
        reply_error_msg(s, "out of memory");
        return;
    }
    snprintf(s->asking[s->nasking++], sizeof(paste_id), "%s", id);
    app_live_follow(s->owner->wl->app, id, &s->who, on_followed, q);
}

static void unfollow(ws_session *s, const char *id)
{
    for (int i = 0; i < s->nfollows; i++)
        if (strcmp(s->follows[i], id) == 0) {
            if (strcmp(s->here, id) == 0)
                leave_here(s);
            app_live_unfollow(s->owner->wl->app, id);
            unindex_follower(s, id);
            if (i != --s->nfollows)
                memcpy(s->follows[i], s->follows[s->nfollows], sizeof(paste_id));
            break;
        }
    while (stop_asking(s, id))     /* a follow still being asked is dropped when it is answered */
        ;
    char channel[IDS_MAX_LEN + 8];
    snprintf(channel, sizeof channel, "paste:%s", id);
    queue_json(s, json_pack("{s:s, s:i, s:s}", "type", "unsubscribed", "v", 1, "channel", channel));
}

/* One message from the client. */
static void on_message(ws_session *s, const char *text, size_t len)
{
    json_t *o = json_loadb(text, len, 0, NULL);
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *channel = json_string_value(json_object_get(o, "channel"));
    json_t *tab = json_object_get(o, "tab");
    int subscribe = type && strcmp(type, "subscribe") == 0;
    if (!type)
        reply_error_msg(s, "send a JSON object with a type: subscribe, unsubscribe or ping");
    else if (strcmp(type, "ping") == 0)
        queue_json(s, json_pack("{s:s, s:i}", "type", "pong", "v", 1));
    else if (!subscribe && strcmp(type, "unsubscribe") != 0)
        reply_error_msg(s, "unknown type: subscribe, unsubscribe or ping");
    else if (channel && strcmp(channel, "new") == 0) {
        s->new_pastes = subscribe;
        queue_json(s, json_pack("{s:s, s:i, s:s}", "type", subscribe ? "subscribed" : "unsubscribed",
                                "v", 1, "channel", channel));
    } else if (channel && strncmp(channel, "paste:", 6) == 0) {
        if (tab && !json_is_string(tab))
            reply_error_msg(s, "a tab is a string");
        else if (spend(s) != 0)
            reply_error_msg(s, "too many subscriptions at once; slow down");
        else if (subscribe)
            follow(s, channel + 6, json_string_value(tab));
        else
            unfollow(s, channel + 6);
    } else
        reply_error_msg(s, "no such channel: the channels are \"new\" and \"paste:<id>\"");
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

static void session_free(ws_session *s)
{
    wslay_event_context_free(s->ctx);
    evbuffer_free(s->in);
    free(s);
}

/* A failed send closes the connection, and on_gone runs inside wslay's
 * call: the session (and wslay's context) must outlive the call, so it is
 * held around each one and freed by the last release once it is gone. */
static void hold(ws_session *s)
{
    s->holds++;
}

static void release(ws_session *s)
{
    if (--s->holds == 0 && !s->conn)
        session_free(s);
}

/* Send what is queued; close the connection once both sides are done.
 * s may be freed on return. */
static void pump(ws_session *s)
{
    if (!s->conn)
        return;
    hold(s);
    int failed = wslay_event_send(s->ctx) != 0;
    if (s->conn && (failed || (!wslay_event_want_read(s->ctx) && !wslay_event_want_write(s->ctx))))
        conn_close_taken(s->conn);                  /* on_gone runs */
    release(s);
}

/* --- the connection ------------------------------------------------------- */

static void on_data(void *arg, struct evbuffer *in)
{
    ws_session *s = arg;
    s->heard_ms = now_ms();
    evbuffer_add_buffer(s->in, in);
    hold(s);
    if (wslay_event_recv(s->ctx) != 0) {
        s->broken = 1;
        if (s->conn)
            conn_close_taken(s->conn);
    } else
        pump(s);
    release(s);
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
    leave_here(s);
    for (int i = 0; i < s->nfollows; i++) {
        app_live_unfollow(l->wl->app, s->follows[i]);
        unindex_follower(s, s->follows[i]);
    }
    s->nfollows = 0;
    atomic_fetch_sub(&l->wl->web->websockets, 1);
    if (s->holds == 0)      /* else the last release() frees it */
        session_free(s);
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

/* Every presence_interval: each tab that is "here" is pinged, and its
 * presence renewed while it answers; one silent for three intervals is
 * closed, and so leaves. */
static void on_presence_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ws_loop *l = arg;
    int64_t now = now_ms(), silent_ms = 3000LL * l->wl->web->cfg->presence_interval;
    ws_session *next;
    for (ws_session *s = l->head; s; s = next) {
        next = s->next;
        if (!s->here[0] || !s->conn)
            continue;
        if (now - s->heard_ms > silent_ms) {
            conn_close_taken(s->conn);      /* on_gone leaves, and frees s */
            continue;
        }
        app_presence_beat(l->wl->app, s->here, s->tab, NULL, NULL);
        struct wslay_event_msg m = { WSLAY_PING, NULL, 0 };
        wslay_event_queue_msg(s->ctx, &m);
        pump(s);
    }
}

void ws_paste_live(void *arg, const char *id, app_live_kind kind, int64_t n)
{
    web_loop *wl = arg;
    ws_loop *l = wl->ws;
    if (!l)
        return;
    const char *what = kind == APP_LIVE_VIEWS ? "views" : "viewing";
    /* queued to each follower first, sent after: a send that fails closes
     * its session, which leaves the index being walked */
    size_t count = 0;
    for (follower *f = *bucket(l, id); f; f = f->next)
        count += strcmp(f->id, id) == 0;
    ws_session **to = count ? malloc(count * sizeof *to) : NULL;
    if (!to)
        return;
    size_t k = 0;
    for (follower *f = *bucket(l, id); f; f = f->next)
        if (strcmp(f->id, id) == 0) {
            to[k++] = f->s;
            hold(f->s);
            send_count(f->s, id, what, n);
        }
    for (size_t i = 0; i < k; i++) {
        pump(to[i]);
        release(to[i]);
    }
    free(to);
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
    l->presence = event_new(wl->app->base, -1, EV_PERSIST, on_presence_timer, l);
    struct timeval every = { wl->web->cfg->sse_keepalive, 0 };
    struct timeval beat = { wl->web->cfg->presence_interval, 0 };
    if (!l->ping || !l->presence || event_add(l->ping, &every) != 0 || event_add(l->presence, &beat) != 0) {
        if (l->ping)
            event_free(l->ping);
        if (l->presence)
            event_free(l->presence);
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
    if (atomic_fetch_add(&wl->web->websockets, 1) >= wl->web->cfg->ws_max_sockets) {
        atomic_fetch_sub(&wl->web->websockets, 1);
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
        atomic_fetch_sub(&wl->web->websockets, 1);
        reply_error(r, 503, "out of memory");
        return;
    }
    wslay_event_config_set_max_recv_msg_length(s->ctx, WS_MAX_MESSAGE);
    s->owner = l;
    s->serial = ++l->serials;
    s->heard_ms = now_ms();
    client_of(r, &s->who);
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
    queue_json(s, json_pack("{s:s, s:i}", "type", "hello", "v", 1));
    /* bytes the client sent along with its request reach on_data inside
     * the take-over, before s has its connection: s is held through it */
    hold(s);
    struct conn *c = reply_take_over(r, 101, NULL, &t);
    if (c) {            /* else the client is gone: on_gone ran */
        s->conn = c;
        if (s->broken)
            conn_close_taken(c);
        else
            pump(s);
    }
    release(s);
}

void ws_loop_free(web_loop *wl)
{
    ws_loop *l = wl->ws;
    if (!l)
        return;
    /* the sessions died with their connections (conns_free) */
    event_free(l->ping);
    event_free(l->presence);
    free(l);
    wl->ws = NULL;
}
