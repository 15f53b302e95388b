/* config.c - load pasted's settings.
 *
 * Defaults first, then the config file (conf/pasted.conf or -c FILE), then
 * the environment. The file is one "key value" per line; '#' starts a
 * comment. Every key is described once in config_keys[] below: its type,
 * where it lives in struct config, and its allowed range, so parsing the
 * file and the environment share one validator. A bad line stops start-up
 * with its line number and the reason. */
#include "config.h"

#include "limit.h"
#include "log.h"
#include "options.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum key_type { KEY_INT, KEY_SIZE, KEY_STRING } key_type;

typedef struct config_key {
    const char *name;
    key_type    type;
    size_t      offset;
    size_t      size;       /* KEY_STRING: buffer size */
    long long   min, max;   /* KEY_INT / KEY_SIZE range */
} config_key;

#define INT_KEY(n, f, lo, hi)  { n, KEY_INT, offsetof(config, f), 0, lo, hi }
#define SIZE_KEY(n, f, lo, hi) { n, KEY_SIZE, offsetof(config, f), 0, lo, hi }
#define STR_KEY(n, f)          { n, KEY_STRING, offsetof(config, f), sizeof(((config *)0)->f), 0, 0 }

static const config_key config_keys[] = {
    STR_KEY("listen", listen),
    INT_KEY("port", port, 1, 65535),
    INT_KEY("workers", workers, 0, 256),
    STR_KEY("redis_url", redis_url),
    STR_KEY("cache_nodes", cache_nodes),
    INT_KEY("cache_eject_after", cache_eject_after, 1, 1000),
    INT_KEY("cache_retry_ms", cache_retry_ms, 100, 3600000),
    INT_KEY("cache_timeout_ms", cache_timeout_ms, 50, 600000),
    INT_KEY("redis_wait_ms", redis_wait_ms, 0, 600000),
    STR_KEY("mongo_uri", mongo_uri),
    STR_KEY("mongo_write_concern", mongo_write_concern),
    STR_KEY("mongo_database", mongo_database),
    STR_KEY("mongo_collection", mongo_collection),
    INT_KEY("mongo_threads", mongo_threads, 1, 256),
    INT_KEY("store_timeout_ms", store_timeout_ms, 100, 600000),
    INT_KEY("insert_batch", insert_batch, 1, 1000),
    INT_KEY("insert_in_flight", insert_in_flight, 1, INSERT_IN_FLIGHT_MAX),
    INT_KEY("shutdown_grace", shutdown_grace, 1, 3600),
    INT_KEY("insert_window_us", insert_window_us, 0, 1000000),
    SIZE_KEY("max_paste_size", max_paste_size, 1, 64LL << 20),
    INT_KEY("cache_ttl", cache_ttl, 1, 30 * 86400),
    SIZE_KEY("cache_max_entry", cache_max_entry, 0, 64LL << 20),
    SIZE_KEY("hot_cache_size", hot_cache_size, 0, 4LL << 30),
    INT_KEY("hot_ttl_ms", hot_ttl_ms, 0, 3600000),
    INT_KEY("header_timeout", header_timeout, 1, 3600),
    INT_KEY("body_timeout", body_timeout, 1, 3600),
    INT_KEY("keepalive_timeout", keepalive_timeout, 1, 3600),
    INT_KEY("nc_port", nc_port, 0, 65535),
    INT_KEY("nc_idle", nc_idle, 1, 60),
    SIZE_KEY("max_header_size", max_header_size, 1024, 1 << 20),
    INT_KEY("view_flush_ms", view_flush_ms, 50, 3600000),
    INT_KEY("view_batch_ms", view_batch_ms, 0, 10000),
    STR_KEY("id_key", id_key),
    STR_KEY("public_url", public_url),
    STR_KEY("log_level", log_level),
    STR_KEY("expire_choices", expire_choices),
    STR_KEY("default_expire", default_expire),
    INT_KEY("sweep_interval", sweep_interval, 1, 86400),
    INT_KEY("sse_max_streams", sse_max_streams, 0, 100000),
    INT_KEY("sse_keepalive", sse_keepalive, 1, 3600),
    INT_KEY("ws_max_sockets", ws_max_sockets, 0, 1000000),
    INT_KEY("presence_interval", presence_interval, 1, 300),
    INT_KEY("recent_count", recent_count, 1, 200),
    STR_KEY("limit_creates", limit_creates),
    STR_KEY("limit_create_bytes", limit_create_bytes),
    STR_KEY("limit_lookups", limit_lookups),
    STR_KEY("limit_deletes", limit_deletes),
    STR_KEY("limit_reports", limit_reports),
    STR_KEY("admin_token_file", admin_token_file),
    STR_KEY("store_data_dir", store_data_dir),
    SIZE_KEY("min_free_space", min_free_space, 0, 1LL << 50),
    SIZE_KEY("quota_bytes_day", quota_bytes_day, 0, 1LL << 40),
    STR_KEY("trusted_proxies", trusted_proxies),
    STR_KEY("limit_allow", limit_allow),
    STR_KEY("max_expire", max_expire),
};
#define N_KEYS (sizeof config_keys / sizeof config_keys[0])

void config_defaults(config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->listen, "127.0.0.1");
    cfg->port = 8080;
    cfg->workers = 0;
    strcpy(cfg->redis_url, "redis://127.0.0.1:6379");
    strcpy(cfg->mongo_uri, "mongodb://127.0.0.1:27017/");
    strcpy(cfg->mongo_database, "pasted");
    strcpy(cfg->mongo_collection, "pastes");
    cfg->mongo_threads = 4;
    cfg->store_timeout_ms = 3000;
    cfg->insert_batch = 64;
    cfg->insert_in_flight = 1;
    cfg->shutdown_grace = 10;
    /* a small public instance: a person pastes far less, a script gets a
     * clear 429 (PrivateBin allows one paste per 10 s) */
    strcpy(cfg->limit_creates, "30/10m");
    strcpy(cfg->limit_create_bytes, "64M/1h");
    strcpy(cfg->limit_lookups, "60/1m");
    strcpy(cfg->limit_deletes, "60/1m");
    strcpy(cfg->limit_reports, "10/1h");
    cfg->min_free_space = 512LL << 20;
    cfg->quota_bytes_day = 256LL << 20;
    strcpy(cfg->max_expire, "never");
    cfg->insert_window_us = 1000;
    cfg->max_paste_size = 1 << 20;
    cfg->cache_ttl = 86400;
    cfg->cache_eject_after = 2;
    cfg->cache_retry_ms = 2000;
    cfg->cache_timeout_ms = 1000;
    cfg->redis_wait_ms = 10000;
    cfg->cache_max_entry = 256 << 10;
    cfg->hot_cache_size = 32 << 20;
    cfg->hot_ttl_ms = 300000;
    /* Kore's defaults: header 10 s, body 60 s, keep-alive idle 20 s. */
    cfg->header_timeout = 10;
    cfg->body_timeout = 60;
    cfg->keepalive_timeout = 20;
    cfg->nc_port = 9999;        /* termbin's */
    cfg->nc_idle = 2;
    cfg->max_header_size = 8 << 10;
    cfg->view_flush_ms = 60000;
    cfg->view_batch_ms = 1000;
    strcpy(cfg->log_level, "info");
    strcpy(cfg->expire_choices, OPTIONS_DEFAULT_EXPIRE_CHOICES);
    strcpy(cfg->default_expire, "never");
    cfg->sweep_interval = 60;
    cfg->sse_max_streams = 1000;
    cfg->sse_keepalive = 15;
    cfg->presence_interval = 5;
    cfg->ws_max_sockets = 10000;
    cfg->recent_count = 20;
}

static const config_key *find_key(const char *name, size_t len)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strlen(config_keys[i].name) == len && memcmp(config_keys[i].name, name, len) == 0)
            return &config_keys[i];
    return NULL;
}

/* "123", "64K", "1M", "1G" (binary multiples). */
static int parse_number(const char *s, int allow_suffix, long long *out)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno)
        return -1;
    if (allow_suffix && *end) {
        int shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20
                  : *end == 'G' || *end == 'g' ? 30 : -1;
        if (shift < 0 || end[1] || v > (1LL << 62) >> shift)
            return -1;
        v <<= shift;
        end++;
    }
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int set_value(config *cfg, const config_key *k, const char *value, fault *f)
{
    char *field = (char *)cfg + k->offset;
    if (k->type == KEY_STRING) {
        size_t len = strlen(value);
        if (len >= k->size)
            return fault_set(f, FAULT_INVALID, k->name, "value for '%s' is too long (max %zu bytes)",
                             k->name, k->size - 1);
        memcpy(field, value, len + 1);
        return 0;
    }
    long long v;
    if (parse_number(value, k->type == KEY_SIZE, &v) != 0 || v < k->min || v > k->max)
        return fault_set(f, FAULT_INVALID, k->name, "'%s' wants %s from %lld to %lld, got '%.64s'",
                         k->name, k->type == KEY_SIZE ? "a size (K/M/G suffix allowed)"
                                                      : "a whole number", k->min, k->max, value);
    if (k->type == KEY_INT)
        *(int *)field = (int)v;
    else
        *(size_t *)field = (size_t)v;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static int parse_line(config *cfg, char *line, fault *f)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *s = trim(line);
    if (!*s)
        return 0;
    size_t name_len = strcspn(s, " \t");
    const config_key *k = find_key(s, name_len);
    if (!k)
        return fault_set(f, FAULT_INVALID, NULL, "unknown key '%.*s'",
                         (int)(name_len > 64 ? 64 : name_len), s);
    char *value = trim(s + name_len);
    if (!*value)
        return fault_set(f, FAULT_INVALID, k->name, "key '%s' has no value", k->name);
    return set_value(cfg, k, value, f);
}

int config_parse(config *cfg, const char *text, const char *name, fault *f)
{
    char *copy = strdup(text);
    if (!copy)
        return fault_no_memory(f);
    int lineno = 0, rc = 0;
    char *save = NULL;
    /* strtok_r would skip empty lines and so miscount; walk by hand. */
    for (char *line = copy; line && rc == 0; line = save) {
        lineno++;
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        if (parse_line(cfg, line, f) != 0) {
            char where[300];
            snprintf(where, sizeof where, "%s:%d", name, lineno);
            fault_prefix(f, where);
            rc = -1;
        }
    }
    free(copy);
    return rc;
}

int config_load(config *cfg, const char *path, fault *why)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        fault_set(why, FAULT_INVALID, NULL, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (1 << 20)) {
                fault_set(why, FAULT_INVALID, NULL, "%s: file is larger than 1 MiB", path);
                free(text);
                fclose(file);
                return -1;
            }
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(file);
                fault_set(why, FAULT_NO_MEMORY, NULL, "%s: out of memory", path);
                return -1;
            }
            text = grown;
        }
        size_t n = fread(text + len, 1, 4096, file);
        len += n;
        if (n < 4096)
            break;
    }
    fclose(file);
    text[len] = '\0';
    if (memchr(text, '\0', len)) {
        fault_set(why, FAULT_INVALID, NULL, "%s: file contains a NUL byte", path);
        free(text);
        return -1;
    }
    int rc = config_parse(cfg, text, path, why);
    free(text);
    return rc;
}

static int apply_env_var(config *cfg, const char *env, const char *key, fault *f)
{
    const char *v = getenv(env);
    if (!v || !*v)
        return 0;
    const config_key *k = find_key(key, strlen(key));
    if (set_value(cfg, k, v, f) != 0) {
        char where[100];
        snprintf(where, sizeof where, "environment %s", env);
        fault_prefix(f, where);
        return -1;
    }
    return 0;
}

int config_apply_env(config *cfg, fault *f)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        char env[80] = "PASTED_";
        size_t j = 7;
        for (const char *p = config_keys[i].name; *p && j < sizeof env - 1; p++)
            env[j++] = (char)toupper((unsigned char)*p);
        env[j] = '\0';
        if (apply_env_var(cfg, env, config_keys[i].name, f) != 0)
            return -1;
    }
    /* The conventional names win: they are what platforms set. */
    if (apply_env_var(cfg, "PORT", "port", f) != 0
        || apply_env_var(cfg, "REDIS_URL", "redis_url", f) != 0
        || apply_env_var(cfg, "MONGO_URI", "mongo_uri", f) != 0)
        return -1;
    return 0;
}

static int is_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

int config_validate(const config *cfg, fault *f)
{
    if (cfg->nc_port && cfg->nc_port == cfg->port)
        return fault_set(f, FAULT_INVALID, "nc_port", "nc_port and port are the same (%d): set nc_port 0 to turn nc off",
                         cfg->port);
    if (!is_name(cfg->mongo_database) || !is_name(cfg->mongo_collection))
        return fault_set(f, FAULT_INVALID, "mongo_database",
                         "mongo_database and mongo_collection must be letters, digits, '_' or '-'");
    int key_ok = !cfg->id_key[0] || strlen(cfg->id_key) == 64;
    for (const char *p = cfg->id_key; *p; p++)
        key_ok = key_ok && hex_value((unsigned char)*p) >= 0;
    if (!key_ok)
        return fault_set(f, FAULT_INVALID, "id_key", "id_key must be 64 hex characters (32 bytes)");
    if (cfg->public_url[0] && strncmp(cfg->public_url, "http://", 7) != 0
        && strncmp(cfg->public_url, "https://", 8) != 0)
        return fault_set(f, FAULT_INVALID, "public_url", "public_url must start with http:// or https://");
    expire_choices choices;
    int64_t secs;
    if (options_parse_expire_choices(cfg->expire_choices, &choices, f) != 0)
        return -1;
    if (options_parse_expire(&choices, cfg->default_expire, strlen(cfg->default_expire), &secs, NULL) != 0)
        return fault_set(f, FAULT_INVALID, "default_expire",
                         "default_expire must be one of expire_choices (%s)", choices.list);
    limits lim;
    if (limits_parse(cfg, &lim, f) != 0)
        return -1;
    if (lim.max_expire_s && (secs == 0 || secs > lim.max_expire_s))
        return fault_set(f, FAULT_INVALID, "default_expire", "default_expire (%s) is longer than max_expire (%s)",
                         cfg->default_expire, cfg->max_expire);
    log_level level;
    if (log_parse_level(cfg->log_level, &level) != 0)
        return fault_set(f, FAULT_INVALID, "log_level", "log_level must be debug, info, warn or error");
    return 0;
}
