#!/usr/bin/env bash
# The cluster on one machine (issue 13): pasted deployed the way a busy public pastebin would
# be, on real engines, every process on loopback.
#
#   .tools/cluster.sh run              `make cluster`: start under state/cluster with nginx on
#                                      127.0.0.1:${PORT:-8080}, print the URLs, stay in the
#                                      foreground saying when a process dies; Ctrl-C stops it all
#   .tools/cluster.sh start DIR        start it all under DIR, every port a free one (nginx too,
#                                      unless CLUSTER_PORT is set); writes DIR/env. Whatever an
#                                      earlier start left running in DIR is stopped first
#   .tools/cluster.sh stop DIR         stop all of it (idempotent)
#   .tools/cluster.sh status DIR       one line per service: its pid, address, and whether it
#                                      answers; exit 1 when one does not
#   .tools/cluster.sh kill-cache DIR NAME      kill -9 the cache node NAME (cache-a...)
#   .tools/cluster.sh restart-cache DIR NAME   kill -9 it if it runs, start it again on the same
#                                      port and dir: it loads its dump.rdb (what a SAVE left)
#   .tools/cluster.sh kill-pasted DIR N        kill -9 pasted instance N (1, 2, 3)
#   .tools/cluster.sh restart-pasted DIR N     kill -9 it if it runs, start it on the same port
#   .tools/cluster.sh kill-primary DIR         kill -9 the primary Redis (Sentinel fails over)
#   .tools/cluster.sh restart-primary DIR      start it again, same port and files (.tools/stack.sh
#                                      restart-redis); the Sentinels make it a replica if they
#                                      promoted the other one meanwhile
# Each of the kill/restart commands rewrites DIR/env (the pids).
#
# The topology, every process in its own session (setsid), so a Ctrl-C reaches this script
# only, which then stops them in order:
#   cache-a, cache-b, cache-c  three independent Redis nodes, the cache tier; pasted places
#                              paste records on them by a ketama ring over their names
#                              (PASTED_CACHE_NODES). No persistence of their own: they start
#                              empty, and keep only what a SAVE wrote (dump.rdb) for a restart
#   primary                    Redis, from .tools/stack.sh (AOF, volatile-lru): the counter,
#                              pub/sub, lists, limits, views
#   replica                    Redis, replicaof the primary, configured like it
#   sentinel-1..3              Redis Sentinels: monitor the primary as `mymaster`, quorum 2,
#                              down-after-milliseconds 1000, failover-timeout 5000
#   ferretdb                   from .tools/stack.sh: the store of record (MongoDB's protocol)
#   pasted-1..3                $PASTED_BIN (build/pasted) -c conf/pasted.conf, settings from
#                              the environment (see start_pasted); nc off
#   nginx                      a private, non-daemon instance: the load balancer in front
#                              (passive health checks, keep-alive upstreams, SSE and WebSocket
#                              pass-through; see write_nginx_conf)
#
# Layout of DIR (NAME being one of the names above):
#   env                        sourceable: every URL, port and pid (see write_env)
#   start.settings             what start was given (PASTED_BIN, CLUSTER_REDIS...): the other
#                              commands launch and find the processes the same way
#   NAME.pid NAME.port NAME.log   for each service but the two below
#   NAME/                      its files: cache-*/dump.rdb, replica/ (AOF), sentinel-*/sentinel.conf
#                              (Sentinel rewrites it), nginx/ (nginx.conf, error.log,
#                              access.log, temp dirs)
#   stack/                     .tools/stack.sh's: the primary (redis.pid, redis.port, redis.log,
#                              redis/) and FerretDB (ferretdb.*, ferretdb/: SQLite, kept across
#                              starts)
# Start-up waits for each service to answer (redis: PING; sentinel: SENTINEL
# get-master-addr-by-name mymaster; pasted: GET /healthz 200; nginx: GET /healthz through it),
# CLUSTER_START_TIMEOUT (30) seconds each; a service that does not gets its log's last lines
# shown, and everything started is stopped again.
#
# Environment: PASTED_BIN (build/pasted), CLUSTER_PORT (start: nginx's port; default a free
# one), PORT (run: nginx's port, 8080), CLUSTER_REDIS (direct | sentinel: the instances get
# the primary's address or the Sentinels'; see launch_pasted), CLUSTER_LIMITS (off | conf: the
# per-client limits of conf/pasted.conf), CLUSTER_WORKERS (1: loops per pasted),
# CLUSTER_CACHE_MAXMEMORY (64mb per cache node), CLUSTER_START_TIMEOUT (30); PASTED_HOT_CACHE_SIZE
# (0), PASTED_LOG_LEVEL (warn), PASTED_SHUTDOWN_GRACE (10: the view flush of a stop may take its 5 s and a bulk more) for the instances. start keeps these in
# DIR/start.settings for the other commands. Any other PASTED_<KEY> set by the caller reaches
# the instances (conf/pasted.conf lists them).
set -euo pipefail

[ -n "${HOME:-}" ] || export HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_SH=$ROOT/.tools/stack.sh
PASTED_BIN=${PASTED_BIN:-$ROOT/build/pasted}
CONF=$ROOT/conf/pasted.conf
START_TIMEOUT=${CLUSTER_START_TIMEOUT:-30}   # seconds, per service
CACHES=(cache-a cache-b cache-c)
SENTINELS=(sentinel-1 sentinel-2 sentinel-3)
PASTEDS=(pasted-1 pasted-2 pasted-3)

LOG_PREFIX=cluster
# say, die, port_in_use, free_port, owns_port, pid_alive, alive, stop_pid, stop_one
# shellcheck source=SCRIPTDIR/lib.sh
. "$ROOT/.tools/lib.sh"

# ---------------------------------------------------------------- helpers
log_tail() {      # log_tail LOGFILE
    printf 'cluster: ---- last lines of %s ----\n' "$1" >&2
    tail -n 25 "$1" >&2 2>/dev/null || true
    printf 'cluster: ---- end of %s ----\n' "$1" >&2
}

redis_ping() {    # redis_ping PORT
    [ "$(timeout 3 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
}

sentinel_ping() { # sentinel_ping PORT: it names a master for mymaster
    [ -n "$(timeout 3 redis-cli -h 127.0.0.1 -p "$1" SENTINEL get-master-addr-by-name mymaster \
            2>/dev/null | sed -n 2p)" ]
}

http_code() {     # http_code URL: the status, 000 when there was no answer
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true
}

pasted_ping() {   # pasted_ping PORT
    [ "$(http_code "http://127.0.0.1:$1/healthz")" = 200 ]
}

nginx_ping() {    # nginx_ping PORT: nginx proxies /healthz to an instance that says 200
    [ "$(http_code "http://127.0.0.1:$1/healthz")" = 200 ]
}

kind_of() {       # kind_of NAME: cache, replica, sentinel, pasted or nginx
    case $1 in
        cache-?) echo cache ;; replica) echo replica ;; sentinel-?) echo sentinel ;;
        pasted-?) echo pasted ;; nginx) echo nginx ;; *) die "unknown service '$1'" ;;
    esac
}

proc_name() {     # proc_name KIND: what its command line holds (lib.sh's alive)
    case $1 in
        cache|replica) echo redis-server ;; sentinel) echo redis-sentinel ;;
        pasted) basename "$PASTED_BIN" ;; nginx) echo nginx ;;
    esac
}

ping_fn() {       # ping_fn KIND
    case $1 in
        cache|replica) echo redis_ping ;; sentinel) echo sentinel_ping ;;
        pasted) echo pasted_ping ;; nginx) echo nginx_ping ;;
    esac
}

# ---------------------------------------------------------------- launching
# launch_KIND DIR NAME PORT: start NAME in the background on PORT, in its own session; sets pid.

# A cache node is a cache: any key may go (allkeys-lru), nothing is written on its own; the
# tests SAVE one by hand before a crash so that it comes back with old data.
launch_cache() {
    nohup setsid redis-server --port "$3" --bind 127.0.0.1 --protected-mode yes \
        --maxmemory "${CLUSTER_CACHE_MAXMEMORY:-64mb}" --maxmemory-policy allkeys-lru \
        --save '' --appendonly no --dir "$1/$2" --dbfilename dump.rdb --daemonize no \
        --logfile '' --loglevel notice \
        >>"$1/$2.log" 2>&1 </dev/null &
    pid=$!
    disown "$pid"    # not this shell's job: no "Killed" notice when a test kills it
}

# The replica is configured like the primary (.tools/stack.sh launch_redis), so that it can
# take over as one.
launch_replica() {
    nohup setsid redis-server --port "$3" --bind 127.0.0.1 --protected-mode yes \
        --replicaof 127.0.0.1 "$(cat "$1/stack/redis.port")" \
        --maxmemory "${REDIS_MAXMEMORY:-256mb}" --maxmemory-policy volatile-lru \
        --save '' --appendonly yes --appendfsync everysec --dir "$1/$2" --daemonize no \
        --logfile '' --loglevel notice --databases 16 \
        >>"$1/$2.log" 2>&1 </dev/null &
    pid=$!
    disown "$pid"    # not this shell's job: no "Killed" notice when a test kills it
}

# A Sentinel's file is made anew at each start (it rewrites it with what it learns).
launch_sentinel() {
    local conf="$1/$2/sentinel.conf"
    cat >"$conf" <<EOF
port $3
bind 127.0.0.1
daemonize no
logfile ""
dir $1/$2
sentinel monitor mymaster 127.0.0.1 $(cat "$1/stack/redis.port") 2
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 5000
sentinel parallel-syncs mymaster 1
EOF
    nohup setsid redis-sentinel "$conf" >>"$1/$2.log" 2>&1 </dev/null &
    pid=$!
    disown "$pid"    # not this shell's job: no "Killed" notice when a test kills it
}

# pasted: conf/pasted.conf's defaults, and from the environment what the cluster decides.
launch_pasted() {
    local dir=$1 port=$3 redis_url limits=()
    redis_url=redis://127.0.0.1:$(cat "$dir/stack/redis.port")
    # the instances find the primary through the Sentinels (DIR/env's SENTINEL_URL), so they
    # follow a failover; CLUSTER_REDIS=direct gives them the primary's own address instead
    [ "${CLUSTER_REDIS:-sentinel}" = sentinel ] && redis_url=$(sentinel_url "$dir")
    # the tests make thousands of pastes from one client: no per-client limits
    [ "${CLUSTER_LIMITS:-off}" = conf ] || limits=(PASTED_LIMIT_CREATES=off
        PASTED_LIMIT_CREATE_BYTES=off PASTED_QUOTA_BYTES_DAY=0 PASTED_LIMIT_LOOKUPS=off
        PASTED_LIMIT_DELETES=off)
    # PASTED_HOT_CACHE_SIZE=0: no in-process cache, so every read goes to the cache tier (the
    # caller may set it; a hot cache answers repeat reads without the tier)
    # PASTED_TRUSTED_PROXIES: nginx is in front, its X-Forwarded-For names the real client
    nohup setsid env PORT="$port" REDIS_URL="$redis_url" MONGO_URI="$(mongo_uri "$dir")" \
        PASTED_NC_PORT=0 PASTED_CACHE_NODES="$(cache_nodes "$dir")" \
        PASTED_TRUSTED_PROXIES=127.0.0.1 PASTED_STORE_DATA_DIR="$dir/stack/ferretdb" \
        PASTED_WORKERS="${CLUSTER_WORKERS:-1}" PASTED_VIEW_BATCH_MS=100 \
        PASTED_HOT_CACHE_SIZE="${PASTED_HOT_CACHE_SIZE:-0}" \
        PASTED_LOG_LEVEL="${PASTED_LOG_LEVEL:-warn}" \
        PASTED_SHUTDOWN_GRACE="${PASTED_SHUTDOWN_GRACE:-10}" \
        "${limits[@]}" "$PASTED_BIN" -c "$CONF" >>"$dir/$2.log" 2>&1 </dev/null &
    pid=$!
    disown "$pid"    # not this shell's job: no "Killed" notice when a test kills it
}

launch_nginx() {
    write_nginx_conf "$1" "$3"
    nohup setsid nginx -p "$1/nginx/" -c "$1/nginx/nginx.conf" -e "$1/nginx/error.log" \
        >>"$1/nginx.log" 2>&1 </dev/null &
    pid=$!
    disown "$pid"    # not this shell's job: no "Killed" notice when a test kills it
}

# The balancer. Passive health checks: one failure (a refused connection, a timeout, a 502 or
# 503) takes an instance out for 2 s, and the request goes on to the next one, except a POST
# that already reached the failed instance (no non_idempotent: a create is never sent twice).
# Upstream connections are kept alive, and closed by nginx before pasted would close them
# (keepalive_timeout 10s < pasted's 20). /events is not buffered; /ws is upgraded.
# X-Forwarded-For is the client's address as nginx saw it: nginx is the edge, a client's own
# X-Forwarded-For or Forwarded is not passed on (pasted trusts 127.0.0.1 to say who it is).
write_nginx_conf() {   # write_nginx_conf DIR PORT
    local d=$1/nginx n p
    mkdir -p "$d/tmp"
    {
        cat <<EOF
# made by .tools/cluster.sh; made again at every start
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
    log_format cluster '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                       '\$request_time upstream=\$upstream_addr \$upstream_status \$upstream_response_time';
    access_log $d/access.log cluster;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    # above max_paste_size (1M) and a form's overhead: pasted answers 413 itself
    client_max_body_size 8m;

    upstream pasted {
EOF
        for n in "${PASTEDS[@]}"; do
            p=$(cat "$1/$n.port")
            printf '        server 127.0.0.1:%s max_fails=1 fail_timeout=2s;   # %s\n' "$p" "$n"
        done
        cat <<EOF
        keepalive 32;
        keepalive_timeout 10s;
    }
    map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }

    server {
        listen 127.0.0.1:$2;
        proxy_http_version 1.1;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_connect_timeout 2s;
        proxy_read_timeout 60s;
        # every location: the client's address for pasted's limits, and the WebSocket
        # upgrade (Connection is "" without one, which keeps the upstream connection alive)
        proxy_set_header Host \$http_host;
        proxy_set_header X-Forwarded-For \$remote_addr;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header Forwarded "";
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection \$connection_upgrade;

        location / {
            proxy_pass http://pasted;
        }
        location = /events {
            proxy_pass http://pasted;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }
        location = /ws {
            proxy_pass http://pasted;
            proxy_read_timeout 1h;
        }
    }
}
EOF
    } >"$d/nginx.conf"
}

# ---------------------------------------------------------------- addresses
port_of() { cat "$1/$2.port" 2>/dev/null || echo ""; }        # port_of DIR NAME
pid_of()  { cat "$1/$2.pid" 2>/dev/null || echo ""; }         # pid_of DIR NAME

mongo_uri() {     # mongo_uri DIR: FerretDB's, from stack.sh's env
    (. "$1/stack/env" && printf '%s\n' "$MONGO_URI")
}

cache_nodes() {   # cache_nodes DIR: the PASTED_CACHE_NODES value
    local n out=()
    for n in "${CACHES[@]}"; do out+=("redis://127.0.0.1:$(port_of "$1" "$n")?name=$n"); done
    printf '%s\n' "${out[*]}"
}

sentinel_url() {  # sentinel_url DIR: sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/mymaster
    local n out=()
    for n in "${SENTINELS[@]}"; do out+=("127.0.0.1:$(port_of "$1" "$n")"); done
    local IFS=,
    printf 'sentinel://%s/mymaster\n' "${out[*]}"
}

# Everything a test needs, sourceable: one `export NAME="value"` a line. PRIMARY_* is the Redis
# started as the primary (after a failover, ask a Sentinel which one is:
# SENTINEL get-master-addr-by-name mymaster).
write_env() {     # write_env DIR
    local dir=$1 n urls=()
    list() {   # list WHAT NAME...: their ports or pids, space-separated
        local what=$1 out=() x; shift
        for x in "$@"; do out+=("$("${what}_of" "$dir" "$x")"); done
        printf '%s' "${out[*]}"
    }
    kv() {     # kv NAME VALUE: export NAME="VALUE" (quoted by the shell when it must be)
        case $2 in
            *[\"\$\`\\]*) printf 'export %s=%q\n' "$1" "$2" ;;
            *)           printf 'export %s="%s"\n' "$1" "$2" ;;
        esac
    }
    for n in "${PASTEDS[@]}"; do urls+=("http://127.0.0.1:$(port_of "$dir" "$n")"); done
    {
        printf '# made by .tools/cluster.sh (start, and again after each kill-*/restart-*)\n'
        kv CLUSTER_DIR "$dir"
        kv NGINX_URL "http://127.0.0.1:$(port_of "$dir" nginx)"
        kv NGINX_PORT "$(port_of "$dir" nginx)"
        kv NGINX_PID "$(pid_of "$dir" nginx)"
        kv PASTED_URLS "${urls[*]}"
        kv PASTED_PORTS "$(list port "${PASTEDS[@]}")"
        kv PASTED_PIDS "$(list pid "${PASTEDS[@]}")"
        kv CLUSTER_PASTED_BIN "$PASTED_BIN"
        kv CACHE_NAMES "${CACHES[*]}"
        kv CACHE_PORTS "$(list port "${CACHES[@]}")"
        kv CACHE_PIDS "$(list pid "${CACHES[@]}")"
        kv CACHE_NODES "$(cache_nodes "$dir")"
        kv PRIMARY_PORT "$(cat "$dir/stack/redis.port")"
        kv PRIMARY_PID "$(cat "$dir/stack/redis.pid" 2>/dev/null || true)"
        kv REPLICA_PORT "$(port_of "$dir" replica)"
        kv REPLICA_PID "$(pid_of "$dir" replica)"
        kv SENTINEL_PORTS "$(list port "${SENTINELS[@]}")"
        kv SENTINEL_PIDS "$(list pid "${SENTINELS[@]}")"
        kv SENTINEL_URL "$(sentinel_url "$dir")"
        kv REDIS_URL "redis://127.0.0.1:$(cat "$dir/stack/redis.port")"
        kv CLUSTER_REDIS "${CLUSTER_REDIS:-sentinel}"
        kv MONGO_URI "$(mongo_uri "$dir")"
        kv FERRETDB_PID "$(cat "$dir/stack/ferretdb.pid" 2>/dev/null || true)"
    } >"$dir/env.tmp"
    mv -f "$dir/env.tmp" "$dir/env"
}

# ---------------------------------------------------------------- start and wait
# launch NAME on PORT and wait until it answers; fails (1) when the process died at start with
# "address already in use" (PORT taken meanwhile), dies on any other failure
launch_and_wait() {   # launch_and_wait DIR NAME PORT
    local dir=$1 name=$2 port=$3 kind pid="" i
    kind=$(kind_of "$name")
    mkdir -p "$dir/$name"
    "launch_$kind" "$dir" "$name" "$port"
    echo "$pid" >"$dir/$name.pid"
    echo "$port" >"$dir/$name.port"
    LAUNCHED_PID=$pid
    wait_up "$dir" "$name" "$pid" "$port"
}

# wait_up DIR NAME PID PORT: until PID itself listens on PORT and answers its ping
wait_up() {
    local dir=$1 name=$2 pid=$3 port=$4 kind ping i
    kind=$(kind_of "$name")
    ping=$(ping_fn "$kind")
    for ((i = 0; i < START_TIMEOUT * 10; i++)); do
        pid_alive "$pid" || break
        if owns_port "$pid" "$port" && "$ping" "$port"; then return 0; fi
        sleep 0.1
    done
    if pid_alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
        log_tail "$dir/$name.log"
        [ "$kind" != nginx ] || log_tail "$dir/nginx/error.log"
        die "$name (pid $pid) did not answer on port $port within ${START_TIMEOUT}s"
    fi
    if tail -n 20 "$dir/$name.log" 2>/dev/null | grep -qi 'address already in use'; then
        return 1
    fi
    log_tail "$dir/$name.log"
    [ "$kind" != nginx ] || log_tail "$dir/nginx/error.log"
    die "$name exited at start (pid $pid, port $port)"
}

# start_one DIR NAME [PORT]: on PORT, else on a free port (another one when it was taken meanwhile)
start_one() {
    local dir=$1 name=$2 fixed=${3:-} port _
    for _ in 1 2 3 4 5; do
        if [ -n "$fixed" ]; then
            port=$fixed
            ! port_in_use "$port" || die "$name: 127.0.0.1:$port is taken (PORT=... picks another)"
        else
            port=$(free_port) || die "no free port for $name"
        fi
        : >"$dir/$name.log"
        if launch_and_wait "$dir" "$name" "$port"; then
            say "$(printf '%-10s' "$name") pid $(printf '%-7s' "$LAUNCHED_PID") 127.0.0.1:$port  (log ${dir#"$ROOT"/}/$name.log)"
            return 0
        fi
        [ -z "$fixed" ] || die "$name: 127.0.0.1:$port was taken"
        say "$name: port $port was taken meanwhile; trying another"
    done
    die "$name: no free port after 5 attempts"
}

# restart_one DIR NAME: kill -9 it if it runs, start it on its port again, wait for it
restart_one() {
    local dir=$1 name=$2 port kind
    kind=$(kind_of "$name")
    port=$(port_of "$dir" "$name")
    [ -n "$port" ] || die "no $name was started under $dir"
    kill_one "$dir" "$name" quiet
    launch_and_wait "$dir" "$name" "$port" \
        || { log_tail "$dir/$name.log"; die "$name: port $port is taken, cannot restart it there"; }
    say "$name restarted: pid $LAUNCHED_PID on port $port"
    write_env "$dir"
}

# kill_one DIR NAME [quiet]: kill -9, wait until it is gone
kill_one() {
    local dir=$1 name=$2 kind pid i
    kind=$(kind_of "$name")
    if alive "$dir/$name.pid" "$(proc_name "$kind")"; then
        pid=$(cat "$dir/$name.pid")
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
        [ "${3:-}" = quiet ] || say "killed $name (pid $pid, kill -9)"
    else
        [ "${3:-}" = quiet ] || say "$name was not running"
    fi
}

# The Sentinels know each other and the replica, and the replica is in sync: what a failover
# needs. Checked last, when it has most likely happened already.
wait_quorum() {   # wait_quorum DIR
    local dir=$1 i n p others replicas link
    for ((i = 0; i < START_TIMEOUT * 10; i++)); do
        link=$(timeout 3 redis-cli -p "$(port_of "$dir" replica)" INFO replication 2>/dev/null \
               | tr -d '\r' | sed -n 's/^master_link_status://p')
        local ok=1
        [ "$link" = up ] || ok=0
        for n in "${SENTINELS[@]}"; do
            p=$(port_of "$dir" "$n")
            read -r others replicas < <(sentinel_counts "$p")
            [ "${others:-0}" -ge 2 ] && [ "${replicas:-0}" -ge 1 ] || ok=0
        done
        [ "$ok" = 0 ] || { say "sentinels: each sees the other two and the replica; replica in sync"; return 0; }
        sleep 0.1
    done
    for n in replica "${SENTINELS[@]}"; do log_tail "$dir/$n.log"; done
    die "the Sentinels did not find each other and the replica within ${START_TIMEOUT}s"
}

sentinel_counts() {   # sentinel_counts PORT: "num-other-sentinels num-slaves" of mymaster
    timeout 3 redis-cli -p "$1" SENTINEL master mymaster 2>/dev/null | tr -d '\r' \
        | awk 'prev == "num-other-sentinels" { o = $0 } prev == "num-slaves" { s = $0 } { prev = $0 }
               END { print (o == "" ? 0 : o), (s == "" ? 0 : s) }'
}

need_tools() {
    local t
    for t in redis-server redis-cli redis-sentinel nginx curl; do
        command -v "$t" >/dev/null \
            || die "$t is not installed (apt-get install -y redis-server redis-sentinel nginx-light curl)"
    done
    [ -x "$PASTED_BIN" ] || die "$PASTED_BIN not found or not executable (make all, or PASTED_BIN=...)"
    [ -f "$CONF" ] || die "$CONF is missing"
}

cmd_start() {   # cmd_start DIR
    local dir=$1 n
    need_tools
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    PASTED_BIN=$(cd "$(dirname "$PASTED_BIN")" && pwd)/$(basename "$PASTED_BIN")
    cmd_stop "$dir" quiet
    # what the other commands (restart-*, stop, status) must launch and find the same way
    {
        printf 'PASTED_BIN=%q\n' "$PASTED_BIN"
        printf 'CLUSTER_REDIS=%q\n' "${CLUSTER_REDIS:-sentinel}"
        printf 'CLUSTER_LIMITS=%q\n' "${CLUSTER_LIMITS:-off}"
        printf 'CLUSTER_WORKERS=%q\n' "${CLUSTER_WORKERS:-1}"
        printf 'CLUSTER_CACHE_MAXMEMORY=%q\n' "${CLUSTER_CACHE_MAXMEMORY:-64mb}"
        printf 'PASTED_HOT_CACHE_SIZE=%q\n' "${PASTED_HOT_CACHE_SIZE:-0}"
        printf 'PASTED_LOG_LEVEL=%q\n' "${PASTED_LOG_LEVEL:-warn}"
        printf 'PASTED_SHUTDOWN_GRACE=%q\n' "${PASTED_SHUTDOWN_GRACE:-10}"
    } >"$dir/start.settings"
    # whatever goes wrong below (die exits), leave nothing running behind
    trap 'cmd_stop "'"$dir"'" quiet >/dev/null 2>&1' EXIT
    say "starting the cluster under $dir"
    "$STACK_SH" start "$dir/stack" redis ferretdb     # its redis is the primary
    for n in "${CACHES[@]}"; do
        mkdir -p "$dir/$n"
        rm -f "$dir/$n/dump.rdb"     # a cache starts cold
        start_one "$dir" "$n"
    done
    start_one "$dir" replica
    for n in "${SENTINELS[@]}"; do start_one "$dir" "$n"; done
    # the first instance alone (it makes what pasted keeps in MongoDB once, the id key), then
    # the others
    start_one "$dir" pasted-1
    for n in "${PASTEDS[@]:1}"; do start_one "$dir" "$n"; done
    start_one "$dir" nginx "${CLUSTER_PORT:-}"
    wait_quorum "$dir"
    write_env "$dir"
    trap - EXIT
    # shellcheck disable=SC1091
    (
        . "$dir/env"
        say "nginx on $NGINX_URL/ in front of $PASTED_URLS"
        if [ "$CLUSTER_REDIS" = sentinel ]; then say "pasted's Redis: the Sentinels, $SENTINEL_URL"
        else say "pasted's Redis: the primary, $REDIS_URL (CLUSTER_REDIS=sentinel: through the Sentinels)"; fi
    )
}

# ---------------------------------------------------------------- stop
stop_svc() {     # stop_svc DIR NAME: TERM it (KILL after 15 s: past pasted's own grace) if it runs
    local pidf=$1/$2.pid pid
    if alive "$pidf" "$(proc_name "$(kind_of "$2")")"; then
        pid=$(cat "$pidf")
        stop_pid "$pid" TERM 15
        [ "$STOP_KILLED" = 0 ] || say "$2 (pid $pid) ignored SIGTERM for 15 s; killed it"
        say "stopped $2 (pid $pid)"
    fi
    rm -f "$pidf"
}

cmd_stop() {    # cmd_stop DIR [quiet]: nginx, the instances, the Sentinels, then the Redis nodes
    local dir=$1 n
    [ -d "$dir" ] || return 0
    {
        stop_svc "$dir" nginx
        for n in "${PASTEDS[@]}"; do stop_svc "$dir" "$n" & done
        wait
        for n in "${SENTINELS[@]}" replica "${CACHES[@]}"; do stop_svc "$dir" "$n"; done
        [ ! -d "$dir/stack" ] || "$STACK_SH" stop "$dir/stack" | sed 's/ redis-server / primary /'
    } | if [ "${2:-}" = quiet ]; then cat >/dev/null; else cat; fi
    rm -f "$dir/env"
}

# ---------------------------------------------------------------- status
cmd_status() {   # cmd_status DIR
    local dir=$1 n p pid what bad=0 line
    [ -d "$dir" ] || die "$dir does not exist"
    dir=$(cd "$dir" && pwd)
    [ -f "$dir/env" ] || say "no cluster was started under $dir (no env file); what its files name:"
    row() {   # row NAME PID ADDRESS STATE...
        local name=$1 pid=$2 addr=$3; shift 3
        say "$(printf '%-10s pid %-7s %-28s %s' "$name" "${pid:--}" "$addr" "$*")"
    }
    check_redis() {   # check_redis NAME PIDFILE PORT
        local name=$1 pidf=$2 port=$3 pid keys role
        pid=$(cat "$pidf" 2>/dev/null || true)
        if ! alive "$pidf" redis-server; then row "$name" "$pid" "redis://127.0.0.1:$port" "DOWN (no process)"; bad=1; return; fi
        if ! redis_ping "$port"; then row "$name" "$pid" "redis://127.0.0.1:$port" "NOT ANSWERING (PING)"; bad=1; return; fi
        keys=$(timeout 3 redis-cli -p "$port" DBSIZE 2>/dev/null || echo '?')
        role=$(timeout 3 redis-cli -p "$port" INFO replication 2>/dev/null | tr -d '\r' \
               | awk -F: '$1 == "role" { r = $2 } $1 == "master_link_status" { l = ", link " $2 }
                          $1 == "connected_slaves" { l = ", " $2 " replica(s)" } END { print r l }')
        row "$name" "$pid" "redis://127.0.0.1:$port" "answers (PING); $keys keys; $role"
    }
    for n in "${CACHES[@]}"; do check_redis "$n" "$dir/$n.pid" "$(port_of "$dir" "$n")"; done
    check_redis primary "$dir/stack/redis.pid" "$(cat "$dir/stack/redis.port" 2>/dev/null)"
    check_redis replica "$dir/replica.pid" "$(port_of "$dir" replica)"
    for n in "${SENTINELS[@]}"; do
        p=$(port_of "$dir" "$n"); pid=$(pid_of "$dir" "$n")
        if ! alive "$dir/$n.pid" redis-sentinel; then row "$n" "$pid" "127.0.0.1:$p" "DOWN (no process)"; bad=1; continue; fi
        what=$(timeout 3 redis-cli -p "$p" SENTINEL get-master-addr-by-name mymaster 2>/dev/null | paste -sd: -)
        if [ -z "$what" ]; then row "$n" "$pid" "127.0.0.1:$p" "NOT ANSWERING (get-master-addr-by-name)"; bad=1; continue; fi
        read -r others replicas < <(sentinel_counts "$p")
        row "$n" "$pid" "127.0.0.1:$p" "answers; master $what, $others other sentinels, $replicas replica(s)"
    done
    pid=$(cat "$dir/stack/ferretdb.pid" 2>/dev/null || true)
    p=$(mongo_uri "$dir" 2>/dev/null | sed -n 's|^mongodb://[^:]*:\([0-9]*\).*|\1|p' || true)
    if alive "$dir/stack/ferretdb.pid" ferretdb && [ -n "$p" ] && owns_port "$pid" "$p"; then
        row ferretdb "$pid" "mongodb://127.0.0.1:$p" "listens (pasted's /healthz says whether it answers)"
    else
        row ferretdb "$pid" "mongodb://127.0.0.1:${p:-?}" "DOWN"; bad=1
    fi
    for n in "${PASTEDS[@]}" nginx; do
        p=$(port_of "$dir" "$n"); pid=$(pid_of "$dir" "$n")
        if ! alive "$dir/$n.pid" "$(proc_name "$(kind_of "$n")")"; then
            row "$n" "$pid" "http://127.0.0.1:$p" "DOWN (no process)"; bad=1; continue
        fi
        line=$(http_code "http://127.0.0.1:$p/healthz")
        if [ "$line" = 200 ]; then
            what="answers (GET /healthz 200)"
            [ "$n" != nginx ] || what="answers (GET /healthz through it: 200)"
            if [ "$n" != nginx ]; then
                local caches
                caches=$(curl -s --max-time 2 "http://127.0.0.1:$p/healthz?verbose=1" \
                         | awk '$1 == "cache" { printf "%s%s %s", sep, $2, $3; sep = ", " }')
                [ -z "$caches" ] || what="$what; $caches"
            fi
            row "$n" "$pid" "http://127.0.0.1:$p" "$what"
        else
            row "$n" "$pid" "http://127.0.0.1:$p" "NOT ANSWERING (GET /healthz: $line)"; bad=1
        fi
    done
    return "$bad"
}

# ---------------------------------------------------------------- faults
cmd_kill_primary() {
    local dir=$1 pid
    alive "$dir/stack/redis.pid" redis-server || { say "primary was not running"; return 0; }
    pid=$(cat "$dir/stack/redis.pid")
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    say "killed primary (pid $pid, kill -9, port $(cat "$dir/stack/redis.port"))"
}

cmd_restart_primary() {
    local dir=$1
    "$STACK_SH" restart-redis "$dir/stack"
    write_env "$dir"
}

pasted_name() {   # pasted_name N: pasted-N
    case $1 in 1|2|3) echo "pasted-$1" ;; pasted-[123]) echo "$1" ;; *) die "no pasted instance '$1' (1, 2, 3)" ;; esac
}
cache_name() {
    case " ${CACHES[*]} " in *" $1 "*) echo "$1" ;; *) die "no cache node '$1' (${CACHES[*]})" ;; esac
}
need_dir() { [ -f "$1/env" ] || die "no cluster was started under $1"; }

# ---------------------------------------------------------------- run
cmd_run() {
    local dir=$ROOT/state/cluster n pid
    declare -A gone=()
    export CLUSTER_PORT=${PORT:-8080}
    cleanup() {
        trap - INT TERM HUP EXIT
        say "stopping the cluster"
        cmd_stop "$dir"
    }
    trap 'cleanup; exit 130' INT
    trap 'cleanup; exit 143' TERM HUP
    trap 'cleanup' EXIT
    cmd_start "$dir"
    # cmd_start dropped its own EXIT trap; ours again
    trap 'cleanup' EXIT
    say "pasted on http://127.0.0.1:$CLUSTER_PORT/ (nginx over 3 instances; Ctrl-C stops everything)"
    say "state and logs under ${dir#"$ROOT"/}/; .tools/cluster.sh status ${dir#"$ROOT"/} shows what answers"
    # stay in front; say once when a process dies (kill-* from another terminal, a crash)
    while :; do
        for n in "${PASTEDS[@]}" "${CACHES[@]}" replica "${SENTINELS[@]}" nginx; do
            pid=$(pid_of "$dir" "$n")
            if [ -n "$pid" ] && ! pid_alive "$pid"; then
                [ -n "${gone[$n]:-}" ] && [ "${gone[$n]}" = "$pid" ] && continue
                gone[$n]=$pid
                say "$n (pid $pid) is gone; see ${dir#"$ROOT"/}/$n.log"
            fi
        done
        sleep 1 &
        wait $! || true
    done
}

# ---------------------------------------------------------------- main
usage() {
    cat >&2 <<EOF
usage: $0 run | start DIR | stop DIR | status DIR
       $0 kill-cache DIR NAME | restart-cache DIR NAME      (NAME: ${CACHES[*]})
       $0 kill-pasted DIR N | restart-pasted DIR N          (N: 1 2 3)
       $0 kill-primary DIR | restart-primary DIR
EOF
    exit 2
}
[ $# -ge 1 ] || usage
cmd=$1; shift
if [ $# -ge 1 ] && [ "$cmd" != start ]; then   # DIR, absolute (start makes it first)
    [ -d "$1" ] || die "$1 does not exist"
    set -- "$(cd "$1" && pwd)" "${@:2}"
    # shellcheck disable=SC1091
    [ ! -s "$1/start.settings" ] || . "$1/start.settings"
fi
case $cmd in
    run)    [ $# -eq 0 ] || usage; cmd_run ;;
    start)  [ $# -eq 1 ] || usage; cmd_start "$1" ;;
    stop)   [ $# -eq 1 ] || usage; cmd_stop "$1" ;;
    status) [ $# -eq 1 ] || usage; cmd_status "$1" ;;
    kill-cache)      [ $# -eq 2 ] || usage; need_dir "$1"; kill_one "$1" "$(cache_name "$2")"; write_env "$1" ;;
    restart-cache)   [ $# -eq 2 ] || usage; need_dir "$1"; restart_one "$1" "$(cache_name "$2")" ;;
    kill-pasted)     [ $# -eq 2 ] || usage; need_dir "$1"; kill_one "$1" "$(pasted_name "$2")"; write_env "$1" ;;
    restart-pasted)  [ $# -eq 2 ] || usage; need_dir "$1"; restart_one "$1" "$(pasted_name "$2")" ;;
    kill-primary)    [ $# -eq 1 ] || usage; need_dir "$1"; cmd_kill_primary "$1"; write_env "$1" ;;
    restart-primary) [ $# -eq 1 ] || usage; need_dir "$1"; cmd_restart_primary "$1" ;;
    *) usage ;;
esac
