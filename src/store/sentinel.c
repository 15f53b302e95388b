/* sentinel.c - where the primary Redis is, when Redis Sentinels say.
 *
 * redis_url may be sentinel://h1:26379,h2:26379,h3:26379/mymaster: the
 * primary (counter, pub/sub, lists, burn flags, views) is whichever server
 * those Sentinels name for mymaster, and that changes when they fail it
 * over. At start, sentinel_start asks them in turn (SENTINEL
 * get-master-addr-by-name) and fails if none answers. Then a thread of its
 * own follows them: connected to one Sentinel, SUBSCRIBEd to
 * +switch-master, it learns of a failover the moment it is done; every
 * FOLLOW_MS of quiet, and whenever its Sentinel goes away (then the next
 * one in the list), it asks again, so a missed message costs at most that.
 *
 * The address lives here, behind a lock, with a generation that moves when
 * it changes. A connection (redis.c) resolves its target when it connects
 * and remembers the generation; one that sees a newer generation drops and
 * reconnects to the new primary, so a demoted primary that is still up
 * (now a replica, answering READONLY) is left too, not only a dead one. */
#include "redis.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"

#define FOLLOW_MS     3000   /* asked again after this long without news */
#define CONNECT_MS    1000

static struct {
    pthread_mutex_t lock;
    redis_target    target;     /* the Sentinels and the master's name */
    char            host[256];  /* the primary now */
    int             port;
    atomic_uint     generation;
    atomic_int      stopping;
    int             fd;         /* the followed Sentinel's socket (under lock): shut down to stop */
    pthread_t       thread;
    int             started;
} primary = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static void set_primary(const char *host, int port)
{
    pthread_mutex_lock(&primary.lock);
    int moved = strcmp(primary.host, host) != 0 || primary.port != port;
    if (moved) {
        snprintf(primary.host, sizeof primary.host, "%s", host);
        primary.port = port;
        atomic_fetch_add(&primary.generation, 1);
    }
    pthread_mutex_unlock(&primary.lock);
    if (moved)
        log_info("redis: the primary of %s is %s:%d (Sentinel)", primary.target.master, host, port);
}

unsigned redis_primary_generation(void)
{
    return atomic_load(&primary.generation);
}

void redis_target_resolve(const redis_target *t, char *host, size_t hostlen, int *port, unsigned *generation)
{
    if (!t->master[0]) {
        snprintf(host, hostlen, "%s", t->host);
        *port = t->port;
        *generation = 0;
        return;
    }
    pthread_mutex_lock(&primary.lock);
    snprintf(host, hostlen, "%s", primary.host);
    *port = primary.port;
    *generation = atomic_load(&primary.generation);
    pthread_mutex_unlock(&primary.lock);
}

static redisContext *connect_sentinel(int i)
{
    struct timeval tv = { CONNECT_MS / 1000, (CONNECT_MS % 1000) * 1000 };
    redisContext *c = redisConnectWithTimeout(primary.target.sentinels[i].host, primary.target.sentinels[i].port, tv);
    if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK)     /* a frozen Sentinel: the next one */
        return c;
    if (c)
        redisFree(c);
    return NULL;
}

/* Ask Sentinel c where the master is: 0, or -1 when it cannot say. */
static int ask_master(redisContext *c)
{
    redisReply *r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", primary.target.master);
    int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING
             && r->element[1]->type == REDIS_REPLY_STRING;
    if (ok)
        set_primary(r->element[0]->str, atoi(r->element[1]->str));
    if (r)
        freeReplyObject(r);
    return ok ? 0 : -1;
}

/* "+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>" */
static void on_switch(const char *text)
{
    char name[64], old_host[256], new_host[256];
    int old_port, new_port;
    if (sscanf(text, "%63s %255s %d %255s %d", name, old_host, &old_port, new_host, &new_port) == 5
        && strcmp(name, primary.target.master) == 0)
        set_primary(new_host, new_port);
}

/* Follow Sentinel c until it goes quiet for FOLLOW_MS or away. */
static void follow(redisContext *c)
{
    redisReply *r = redisCommand(c, "SUBSCRIBE +switch-master");
    if (!r)
        return;
    freeReplyObject(r);
    struct timeval quiet = { FOLLOW_MS / 1000, (FOLLOW_MS % 1000) * 1000 };
    redisSetTimeout(c, quiet);
    pthread_mutex_lock(&primary.lock);
    primary.fd = c->fd;
    pthread_mutex_unlock(&primary.lock);
    void *reply;
    while (!atomic_load(&primary.stopping) && redisGetReply(c, &reply) == REDIS_OK) {
        redisReply *m = reply;
        if (m->type == REDIS_REPLY_ARRAY && m->elements == 3 && m->element[2]->type == REDIS_REPLY_STRING)
            on_switch(m->element[2]->str);
        freeReplyObject(m);
    }
    pthread_mutex_lock(&primary.lock);    /* before the socket closes: stop never shuts another */
    primary.fd = -1;
    pthread_mutex_unlock(&primary.lock);
}

static void *follower(void *arg)
{
    (void)arg;
    int i = 0, failures = 0;
    while (!atomic_load(&primary.stopping)) {
        redisContext *c = connect_sentinel(i);
        if (c && ask_master(c) == 0) {
            failures = 0;
            follow(c);          /* returns after FOLLOW_MS of quiet, or when it goes */
        } else if (++failures % primary.target.nsentinels == 0) {
            log_warn("redis: no Sentinel of %s answers", primary.target.master);
            usleep(200 * 1000);
        }
        if (c)
            redisFree(c);
        if (failures)
            i = (i + 1) % primary.target.nsentinels;     /* that one is away: the next */
    }
    return NULL;
}

int redis_sentinel_start(const redis_target *t, fault *f)
{
    if (!t->master[0])
        return 0;
    primary.target = *t;
    int found = 0;
    for (int attempt = 0; attempt < 10 && !found; attempt++) {
        for (int i = 0; i < t->nsentinels && !found; i++) {
            redisContext *c = connect_sentinel(i);
            found = c && ask_master(c) == 0;
            if (c)
                redisFree(c);
        }
        if (!found)
            sleep(1);
    }
    if (!found)
        return fault_set(f, FAULT_UNAVAILABLE, "redis_url", "no Sentinel of redis_url names a master %s", t->master);
    if (pthread_create(&primary.thread, NULL, follower, NULL) != 0)
        return fault_set(f, FAULT_UNAVAILABLE, NULL, "cannot start the Sentinel follower");
    primary.started = 1;
    return 0;
}

void redis_sentinel_stop(void)
{
    if (!primary.started)
        return;
    atomic_store(&primary.stopping, 1);
    pthread_mutex_lock(&primary.lock);
    if (primary.fd >= 0)
        shutdown(primary.fd, SHUT_RDWR);    /* ends its wait at once */
    pthread_mutex_unlock(&primary.lock);
    pthread_join(primary.thread, NULL);
    primary.started = 0;
}
