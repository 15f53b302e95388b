/* config.h - pasted's settings: file, then environment. See config.c. */
#ifndef PASTED_CORE_CONFIG_H
#define PASTED_CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"

#define INSERT_IN_FLIGHT_MAX 8   /* insert_in_flight's bound: the inserter's committers */

typedef struct config {
    char   listen[64];          /* bind address */
    int    port;
    int    workers;             /* event-loop threads; 0 = one per core */
    char   redis_url[256];      /* redis://host:port, sentinel://h1:p1,h2:p2/master, or a socket path */
    char   mongo_write_concern[16];  /* "majority", a number, "": majority for a replica set */
    char   cache_nodes[2048];   /* Redis nodes for paste records (store/tier.c); "": the primary */
    int    cache_eject_after;   /* failures in a row that take a cache node out */
    int    cache_retry_ms;      /* how often an ejected cache node is probed */
    int    cache_timeout_ms;    /* a cache node silent this long with commands out hangs */
    int    redis_wait_ms;       /* a create waits this long for the primary (a failover) */
    char   mongo_uri[512];
    char   mongo_database[64];
    char   mongo_collection[64];
    int    mongo_threads;       /* size of the blocking-work pool */
    int    store_timeout_ms;    /* how long a request waits for MongoDB: queue + call */
    int    insert_batch;        /* creates sent to MongoDB in one insert, at most */
    int    insert_in_flight;    /* inserts at the store at once, 1..INSERT_IN_FLIGHT_MAX */
    int    shutdown_grace;      /* seconds a stop may take before the process just exits */
    int    insert_window_us;    /* how long the first of them waits for others */
    size_t max_paste_size;      /* bytes */
    int    cache_ttl;           /* seconds a cached paste lives in Redis */
    size_t cache_max_entry;     /* pastes larger than this are not cached */
    size_t hot_cache_size;      /* bytes of hot pastes kept in memory, all workers */
    int    hot_ttl_ms;          /* how long a worker keeps a paste without asking Redis */
    int    header_timeout;      /* seconds */
    int    body_timeout;        /* seconds */
    int    keepalive_timeout;   /* seconds */
    int    nc_port;             /* termbin's `cmd | nc host PORT`; 0 = off */
    int    nc_idle;             /* seconds of silence that end an nc paste */
    size_t max_header_size;     /* bytes */
    int    view_flush_ms;       /* how often buffered view counts reach MongoDB */
    int    view_batch_ms;       /* how often a worker sends its raw views to Redis; 0 = at once */
    char   id_key[65];          /* hex; empty = generated once, kept in MongoDB */
    char   public_url[256];     /* base of links; empty = from the Host header */
    char   log_level[16];
    char   expire_choices[128]; /* offered expiries, e.g. "10m 1h 1d 1w 1mo never" */
    char   default_expire[12];  /* one of expire_choices */
    int    sweep_interval;      /* seconds between deletions of expired pastes */
    int    sse_max_streams;     /* open /events streams, per process */
    int    sse_keepalive;       /* seconds between keep-alive comments */
    int    ws_max_sockets;      /* open /ws sockets, per process */
    int    presence_interval;   /* seconds between a paste page's heartbeats (/ws) */
    int    recent_count;        /* pastes in the recent list */
    /* limits per client (core/limit.h): "N/PERIOD" or "off" */
    char   limit_creates[32];
    char   limit_create_bytes[32];
    char   limit_lookups[32];
    char   limit_deletes[32];
    char   limit_reports[32];
    char   admin_token_file[256]; /* the operator's token (moderation); empty = none */
    char   store_data_dir[256]; /* where the store keeps its files: its free space is watched */
    size_t min_free_space;      /* below it, creates get 507 */
    size_t quota_bytes_day;     /* bytes one client may paste a UTC day; 0 = no quota */
    char   trusted_proxies[512];/* networks whose forwarding headers are believed */
    char   limit_allow[512];    /* networks no limit applies to */
    char   max_expire[12];      /* longest expiry a paste may have; "never" = any */
} config;

void config_defaults(config *cfg);

/* Parse "key value" lines (# comments, blank lines) from text. On error,
 * returns -1 with f's message "NAME:LINE: reason". */
int config_parse(config *cfg, const char *text, const char *name, fault *f);

/* Read and parse a file. */
int config_load(config *cfg, const char *path, fault *f);

/* PORT, REDIS_URL, MONGO_URI, and PASTED_<KEY> for every key, override the file. */
int config_apply_env(config *cfg, fault *f);

/* Cross-field checks once everything is loaded. No side effects: what the
 * settings mean (the expiry choices, the log level) is set up by the process. */
int config_validate(const config *cfg, fault *f);

#endif
