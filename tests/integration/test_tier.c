/* test_tier.c - the cache tier (store/tier.c): paste records on the cache
 * nodes the ketama ring picks, and a node that fails is a miss, then out of
 * the ring. The nodes here are two databases (1 and 2) of the suite's own
 * Redis, so a flush of one spares the rest; the whole topology, with real
 * nodes killed and brought back, is tests/cluster/run.sh's. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ketama.h"
#include "pasted_client.h"

static int redis_port(void)
{
    const char *url = getenv("REDIS_URL");
    const char *colon = url ? strrchr(url, ':') : NULL;
    cr_assert(colon, "REDIS_URL %s", url ? url : "(unset)");
    return atoi(colon + 1);
}

static int exists_in_db(int db, const char *key)
{
    redisContext *r = test_redis();
    redisReply *sel = redisCommand(r, "SELECT %d", db);
    freeReplyObject(sel);
    redisReply *rep = redisCommand(r, "EXISTS %s", key);
    int yes = rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
    freeReplyObject(rep);
    freeReplyObject(redisCommand(r, "SELECT 0"));
    redisFree(r);
    return yes;
}

typedef struct placed {
    int         db;
    const char *key;
} placed;

static int is_placed(void *arg)
{
    const placed *p = arg;
    return exists_in_db(p->db, p->key);
}

static http_resp *post_to(int port, const char *body)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    return http_curl("-H", "Content-Type: text/plain", "--data-binary", body, url, NULL);
}

static http_resp *get_from(int port, const char *path)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    return http_curl(url, NULL);
}

/* Paste records go to the node ketama places them on, and nowhere else. */
Test(tier, records_are_placed_by_the_ring, .timeout = 60)
{
    int rp = redis_port(), port = free_port();
    char nodes[256], log_path[] = "/tmp/pasted-tier-XXXXXX";
    snprintf(nodes, sizeof nodes, "PASTED_CACHE_NODES=redis://127.0.0.1:%d/1?name=tier-a redis://127.0.0.1:%d/2?name=tier-b",
             rp, rp);
    close(mkstemp(log_path));
    const char *env[] = { nodes, NULL };
    pid_t pid = start_pasted(port, env, log_path);
    ketama_node ring_nodes[] = { { "tier-a", 1 }, { "tier-b", 1 } };
    fault f;
    ketama_ring *ring = ketama_build(ring_nodes, 2, NULL, &f);
    cr_assert_not_null(ring);
    int on[2] = { 0, 0 };
    for (int i = 0; i < 40; i++) {
        char body[64];
        snprintf(body, sizeof body, "placed %d %d", i, (int)getpid());
        http_resp *r = post_to(port, body);
        cr_assert_eq(r->status, 201, "create: %d %s", r->status, r->body);
        char *id = id_from_url(r->body, r->body_len);
        char key[64];
        int len = snprintf(key, sizeof key, "pasted:p:%s", id);
        size_t node = ketama_pick(ring, key, (size_t)len);
        on[node]++;
        placed where = { 1 + (int)node, key };     /* cached just after the answer */
        cr_assert(wait_until(is_placed, &where, 3000), "%s is not on %s", key, ring_nodes[node].name);
        cr_assert(!exists_in_db(2 - (int)node, key), "%s is on %s too", key, ring_nodes[1 - node].name);
        cr_assert(!exists_in_db(0, key), "%s is on the primary", key);
        free(id);
        http_free(r);
    }
    cr_assert(on[0] > 5 && on[1] > 5, "40 keys split %d / %d", on[0], on[1]);
    ketama_free(ring);
    stop_pasted(pid);
    unlink(log_path);
}

static int ejected(void *port)
{
    http_resp *r = get_from(*(int *)port, "/metrics");
    int yes = strstr(r->body, "pasted_cache_node_up{node=\"gone\"} 0") != NULL;
    http_free(r);
    return yes;
}

/* A node nobody answers on: its reads are misses served from MongoDB, never
 * an error, and it leaves the ring, so creates and reads go on. */
Test(tier, a_dead_node_is_a_miss_then_ejected, .timeout = 60)
{
    int rp = redis_port(), port = free_port(), dead = free_port();
    char nodes[256], log_path[] = "/tmp/pasted-tier-XXXXXX";
    snprintf(nodes, sizeof nodes, "PASTED_CACHE_NODES=redis://127.0.0.1:%d/1?name=alive redis://127.0.0.1:%d?name=gone",
             rp, dead);
    close(mkstemp(log_path));
    const char *env[] = { nodes, NULL };
    pid_t pid = start_pasted(port, env, log_path);
    for (int i = 0; i < 30; i++) {
        char body[64], path[64];
        snprintf(body, sizeof body, "still served %d %d", i, (int)getpid());
        http_resp *r = post_to(port, body);
        cr_assert_eq(r->status, 201, "create %d with a node down: %d %s", i, r->status, r->body);
        char *id = id_from_url(r->body, r->body_len);
        snprintf(path, sizeof path, "/raw/%s", id);
        http_resp *g = get_from(port, path);
        cr_assert_eq(g->status, 200, "read %d with a node down: %d", i, g->status);
        cr_assert_eq(g->body_len, strlen(body));
        cr_assert_eq(memcmp(g->body, body, g->body_len), 0);
        free(id);
        http_free(g);
        http_free(r);
    }
    cr_assert(wait_until(ejected, &port, 5000), "the dead node is still in the ring");
    http_resp *h = get_from(port, "/healthz?verbose=1");
    cr_assert_eq(h->status, 200, "a dead cache node is not the instance's failure: %d", h->status);
    cr_assert(strstr(h->body, "cache gone ejected") && strstr(h->body, "cache alive up"), "%s", h->body);
    http_free(h);
    stop_pasted(pid);
    unlink(log_path);
}

/* pasted with setting=value set exits at start, saying why (naming the
 * setting and the value). */
static void start_fails(const char *setting, const char *env_name, const char *value)
{
    char log_path[] = "/tmp/pasted-tier-XXXXXX";
    close(mkstemp(log_path));
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        setenv(env_name, value, 1);
        setenv("PORT", "1", 1);
        unsetenv("PASTED_NC_PORT");
        FILE *out = freopen(log_path, "w", stderr);
        (void)out;
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execl(getenv("PASTED_BIN"), "pasted", "-c", getenv("PASTED_CONF"), (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0, "pasted started with %s %s", setting, value);
    FILE *f = fopen(log_path, "r");
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    cr_assert(strstr(text, setting), "the reason does not name %s: %s", setting, text);
    unlink(log_path);
}

/* Settings of the tier and the store that are wrong stop the start at once. */
Test(tier, bad_settings_stop_the_start, .timeout = 30)
{
    start_fails("cache_nodes", "PASTED_CACHE_NODES", "redis://127.0.0.1:6379?name=a memcached://127.0.0.1:11211");
    start_fails("cache_nodes", "PASTED_CACHE_NODES", "redis://127.0.0.1:7001?name=x redis://127.0.0.1:7002?name=x");
    start_fails("cache_nodes", "PASTED_CACHE_NODES", "redis://127.0.0.1:7001?weight=0");
    start_fails("mongo_write_concern", "PASTED_MONGO_WRITE_CONCERN", "most");
    start_fails("redis_url", "REDIS_URL", "sentinel://127.0.0.1:26379");
}
