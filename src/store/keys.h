/* keys.h - every Redis key and channel pasted uses, in one place.
 *
 * Only the store layer includes this file: no other layer names a key or
 * builds a Redis command. When keys are spread over several Redis nodes,
 * the choice of node for a key is made where these names are used. */
#ifndef PASTED_STORE_KEYS_H
#define PASTED_STORE_KEYS_H

#define KEY_COUNTER      "pasted:counter"    /* INCR: the next paste number */
#define KEY_PASTE        "pasted:p:"         /* + id: cached paste record (paste_encode) */
#define KEY_BURNED       "pasted:burned:"    /* + id: reads of a limited paste claimed so far */
#define KEY_VIEWS        "pasted:views"      /* hash id -> live view total */
#define KEY_PENDING      "pasted:pending"    /* hash "id|day" -> views not yet in MongoDB */
#define KEY_DAILY_CREATED "pasted:daily:created" /* hash day -> pastes made that day (instance stats) */
#define KEY_DAILY_VIEWS  "pasted:daily:views" /* hash day -> views that day, every paste */
#define KEY_FLUSHING     "pasted:flushing:"  /* + ms:rand: a batch of views being written */
#define KEY_RECENT       "pasted:recent"     /* zset id by creation ms: recent public pastes */
#define KEY_RECENT_META  "pasted:rm:"        /* + id: a recent paste's summary (JSON) */
#define KEY_EXPIRING     "pasted:expiring"   /* zset id by expiry ms: pastes to sweep */
#define KEY_BLOCKED      "pasted:blocked"    /* set of keyed content hashes the operator blocked */
#define KEY_HERE         "pasted:here:"      /* + id: zset tab token by last heartbeat ms (live.c) */
#define KEY_LIMIT        "pasted:l:"         /* + kind:client: a client's budget (limiter.c) */
#define CHANNEL_NEW      "pasted:new"        /* PUBLISH a JSON summary on every public create */
#define CHANNEL_GONE     "pasted:gone"       /* PUBLISH id on delete, burn, expiry */
#define CHANNEL_PASTE    "pasted:paste:"     /* + id: "views N", "viewing N" (live.c, views.c) */

#define TOMBSTONE        "-"                 /* the value of KEY_PASTE for "no such paste" */
#define TOMBSTONE_TTL    60                  /* seconds */
#define BURNED_TTL       604800              /* seconds a read count is remembered, at least */

#endif
