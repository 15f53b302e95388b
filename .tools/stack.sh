#!/usr/bin/env bash
# The backing services of pasted: a private redis-server and FerretDB (SQLite backend).
#
#   .tools/stack.sh start STATE_DIR [SERVICE...]
#                                      start the SERVICEs (redis, ferretdb; default both),
#                                      every file under STATE_DIR, on free ports; writes
#                                      STATE_DIR/env with the URL of each one started
#                                      (REDIS_URL, MONGO_URI). Whatever an earlier start left
#                                      running in STATE_DIR is stopped first, all of it.
#   .tools/stack.sh stop STATE_DIR     stop what start started (idempotent)
#   .tools/stack.sh restart-redis STATE_DIR
#                                      kill -9 the Redis started there and start it again on
#                                      the same port and files (tests: what survives a crash)
#   .tools/stack.sh run PASTED_BINARY  `make run`: use $REDIS_URL and/or $MONGO_URI when set,
#                                      and start under state/ whichever of the two is not
#                                      (REDIS_URL alone: FerretDB only; MONGO_URI alone: Redis
#                                      only; neither: both); run pasted in the foreground
#                                      (PORT defaults to 8080); Ctrl-C stops it all
#
# Layout of STATE_DIR: env, redis.pid, redis.log, redis/ (its dir), ferretdb.pid,
# ferretdb.log, ferretdb/ (SQLite files; kept across runs), ferretdb-state/.
# The services run in their own sessions (setsid), so a Ctrl-C in the terminal reaches
# pasted first; `run` then stops the services itself, after pasted has exited.
#
# The FerretDB binary is the one .tools/deps.sh put in the cache (or $FERRETDB_BIN).
# FerretDB's Go collector runs at GOGC 400 (FERRETDB_GOGC), with a soft memory limit of
# 512 MiB (FERRETDB_GOMEMLIMIT): in alternating runs creates were about a tenth faster
# than at Go's default 100, for about 11 MiB more resident memory (README, "Creates and
# the store at scale").
set -euo pipefail

# CI may run without HOME; the cache lives under it
[ -n "${HOME:-}" ] || export HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FERRETDB_VERSION=v1.24.2
# pasted's build of it, with the _id lookup fix (.tools/deps.sh, fix_id_lookups)
FERRETDB=${FERRETDB_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/pasted/ferretdb-$FERRETDB_VERSION-idfix}
START_TIMEOUT=${STACK_START_TIMEOUT:-30}   # seconds, per service

LOG_PREFIX=stack
# say, die, port_in_use, free_port, owns_port, alive, stop_one
# shellcheck source=SCRIPTDIR/lib.sh
. "$ROOT/.tools/lib.sh"

# ---------------------------------------------------------------- helpers
log_tail() {      # log_tail NAME LOGFILE
    printf 'stack: ---- last lines of %s ----\n' "$2" >&2
    tail -n 25 "$2" >&2 2>/dev/null || true
    printf 'stack: ---- end of %s ----\n' "$1" >&2
}

# FerretDB is ready when a wire-protocol `ping` gets an answer with ok: 1.0.
# The request is a hand-made OP_MSG: header, flagBits, section 0, BSON {ping: 1, $db: "admin"}.
mongo_ping() {    # mongo_ping PORT
    local port=$1 hex
    hex=$(
        exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
        # length 51, requestID 1, responseTo 0, opCode 2013 (OP_MSG)
        printf '\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00' >&3
        printf '\x00\x00\x00\x00\x00' >&3                                 # flagBits, kind 0
        printf '\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00' >&3         # doc len 30, ping: int32 1
        printf '\x02$db\x00\x06\x00\x00\x00admin\x00\x00' >&3             # $db: "admin", end
        len_hex=$(timeout 3 dd bs=1 count=4 <&3 2>/dev/null | od -An -tx1 | tr -d ' \n')
        [ ${#len_hex} = 8 ] || exit 1
        len=$(( 16#${len_hex:6:2}${len_hex:4:2}${len_hex:2:2}${len_hex:0:2} ))
        [ "$len" -gt 4 ] && [ "$len" -lt 65536 ] || exit 1
        timeout 3 dd bs=1 count=$((len - 4)) <&3 2>/dev/null | od -An -tx1 | tr -d ' \n'
    ) 2>/dev/null || return 1
    # "ok" as a double (0x01 'o' 'k' 0x00) equal to 1.0 (00 00 00 00 00 00 f0 3f)
    [[ $hex == *016f6b00000000000000f03f* ]]
}

redis_ping() {    # redis_ping PORT
    [ "$(timeout 3 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
}

# ---------------------------------------------------------------- start
# launch_NAME DIR PORT: start the service in the background on PORT; sets pid
# Redis keeps an append-only file under DIR/redis, fsynced every second: a
# crash loses at most the last second of writes (view counts queued for
# MongoDB, the counter, the expiry index); a restart reloads the rest.
# Its memory is bounded (REDIS_MAXMEMORY, 256mb) with volatile-lru: only keys
# with a time to live are ever evicted, and in pasted only what can be made
# again has one (cached pastes, summaries, limits' buckets); the counter,
# the view queues and the indexes never expire, so they are never evicted
# (when only they are left, Redis refuses writes: creates get a 503).
launch_redis() {
    nohup setsid redis-server --port "$2" --bind 127.0.0.1 --protected-mode yes \
        --maxmemory "${REDIS_MAXMEMORY:-256mb}" --maxmemory-policy volatile-lru \
        --save '' --appendonly yes --appendfsync everysec --dir "$1/redis" --daemonize no \
        --logfile '' --loglevel notice --databases 16 \
        >>"$1/redis.log" 2>&1 </dev/null &
    pid=$!
    echo "$2" >"$1/redis.port"
}

# restart-redis DIR: kill -9 the Redis that start started (a crash), then start it
# again on the same port with the same files, and wait until it answers.
cmd_restart_redis() {
    local dir=$1 port pid i
    port=$(cat "$dir/redis.port" 2>/dev/null) || die "no Redis was started under $dir"
    if alive "$dir/redis.pid" redis-server; then
        pid=$(cat "$dir/redis.pid")
        kill -KILL "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do alive "$dir/redis.pid" redis-server || break; sleep 0.1; done
    fi
    launch_redis "$dir" "$port"
    echo "$pid" >"$dir/redis.pid"
    for i in $(seq 1 $((START_TIMEOUT * 10))); do
        if redis_ping "$port"; then
            say "redis    pid $pid  restarted on port $port"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    log_tail redis "$dir/redis.log"
    die "redis did not come back on port $port"
}

launch_ferretdb() {
    GOGC=${FERRETDB_GOGC:-400} GOMEMLIMIT=${FERRETDB_GOMEMLIMIT:-512MiB} \
        nohup setsid "$FERRETDB" --handler=sqlite --sqlite-url="file:$1/ferretdb/" \
        --listen-addr="127.0.0.1:$2" --telemetry=disable --debug-addr=- \
        --state-dir="$1/ferretdb-state" --log-level=warn \
        >>"$1/ferretdb.log" 2>&1 </dev/null &
    pid=$!
}

# start_service NAME DIR PING URL_PREFIX -> sets SERVICE_PORT
# Launches NAME on a free port and waits until the process holds the port
# and PING answers; a port taken in the meantime means another try.
start_service() {
    local name=$1 dir=$2 ping=$3 url=$4 attempt port pid i
    for attempt in 1 2 3 4 5; do
        port=$(free_port) || die "no free port found for $name"
        : >"$dir/$name.log"
        "launch_$name" "$dir" "$port"
        echo "$pid" >"$dir/$name.pid"
        for i in $(seq 1 $((START_TIMEOUT * 10))); do
            if ! kill -0 "$pid" 2>/dev/null; then break; fi
            if owns_port "$pid" "$port" && "$ping" "$port"; then
                SERVICE_PORT=$port
                say "$(printf '%-8s' "$name") pid $pid  $url$port  (log $dir/$name.log)"
                return 0
            fi
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            log_tail "$name" "$dir/$name.log"
            die "$name did not answer its ping within ${START_TIMEOUT}s"
        fi
        wait "$pid" 2>/dev/null || true
        rm -f "$dir/$name.pid"
        if grep -qi 'address already in use' "$dir/$name.log"; then
            say "$name: port $port was taken meanwhile; trying another"
            continue
        fi
        log_tail "$name" "$dir/$name.log"
        die "$name exited at start"
    done
    die "$name: no free port after 5 attempts"
}

start_redis() {   # start_redis DIR -> sets REDIS_PORT
    mkdir -p "$1/redis"
    start_service redis "$1" redis_ping redis://127.0.0.1:
    REDIS_PORT=$SERVICE_PORT
}

start_ferretdb() {   # start_ferretdb DIR -> sets MONGO_PORT
    [ -x "$FERRETDB" ] || die "FerretDB binary not found at $FERRETDB (run .tools/deps.sh run)"
    mkdir -p "$1/ferretdb" "$1/ferretdb-state"
    start_service ferretdb "$1" mongo_ping mongodb://127.0.0.1:
    MONGO_PORT=$SERVICE_PORT
}

cmd_stop() {
    local dir=$1
    [ -d "$dir" ] || return 0
    stop_one "$dir/ferretdb.pid" ferretdb
    stop_one "$dir/redis.pid" redis-server
    rm -f "$dir/env"
}

cmd_start() {   # cmd_start DIR [SERVICE...]
    local dir=$1 svc want_redis=0 want_ferretdb=0
    shift
    [ $# -gt 0 ] || set -- redis ferretdb
    for svc in "$@"; do
        case $svc in
            redis)    want_redis=1 ;;
            ferretdb) want_ferretdb=1 ;;
            *)        die "unknown service '$svc' (redis, ferretdb)" ;;
        esac
    done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$want_redis" = 1 ]; then
        command -v redis-server >/dev/null || die "redis-server not installed (run .tools/deps.sh run)"
        command -v redis-cli >/dev/null || die "redis-cli not installed (run .tools/deps.sh run)"
    fi
    # Leftovers of an earlier start in this dir (a run that was killed): stop them; a pid
    # file of a dead process, or of a pid now used by something else, is just removed.
    local f
    for f in ferretdb:ferretdb redis:redis-server; do
        if alive "$dir/${f%%:*}.pid" "${f#*:}"; then
            say "stopping leftover ${f#*:} (pid $(cat "$dir/${f%%:*}.pid")) from an earlier start"
        fi
    done
    cmd_stop "$dir" >/dev/null
    # Whatever goes wrong below (die exits), leave nothing running behind.
    trap 'cmd_stop "'"$dir"'" >/dev/null 2>&1' EXIT
    [ "$want_redis" = 0 ] || start_redis "$dir"
    [ "$want_ferretdb" = 0 ] || start_ferretdb "$dir"
    trap - EXIT
    {
        [ "$want_redis" = 0 ] || printf 'export REDIS_URL=redis://127.0.0.1:%s\n' "$REDIS_PORT"
        [ "$want_ferretdb" = 0 ] || printf 'export MONGO_URI=mongodb://127.0.0.1:%s/\n' "$MONGO_PORT"
    } >"$dir/env.tmp"
    mv -f "$dir/env.tmp" "$dir/env"
}

# ---------------------------------------------------------------- run
cmd_run() {
    local bin=$1 conf="$ROOT/conf/pasted.conf" state="" pid="" rc=0 services=()
    [ -x "$bin" ] || die "$bin not found or not executable (make all)"
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    cd "$ROOT"
    if [ -n "${REDIS_URL:-}" ]; then
        say "redis: using REDIS_URL=$REDIS_URL from the environment"
    else
        services+=(redis)
        say "redis: REDIS_URL is not set; starting a private Redis under state/"
    fi
    if [ -n "${MONGO_URI:-}" ]; then
        say "mongodb: using MONGO_URI=$MONGO_URI from the environment"
    else
        services+=(ferretdb)
        say "mongodb: MONGO_URI is not set; starting a private FerretDB under state/"
    fi
    if [ "${#services[@]}" -gt 0 ]; then
        state="$ROOT/state"
        cmd_start "$state" "${services[@]}"
        # shellcheck disable=SC1091
        . "$state/env"
    fi
    export REDIS_URL MONGO_URI
    export PORT=${PORT:-8080}
    # the embedded store's disk is watched: creates get 507 before it fills
    if [[ " ${services[*]} " == *" ferretdb "* ]]; then
        export PASTED_STORE_DATA_DIR=${PASTED_STORE_DATA_DIR:-$state/ferretdb}
    fi

    cleanup() {
        trap - INT TERM HUP EXIT
        if [ -n "$pid" ]; then
            stop_pid "$pid" TERM 10
            [ "$STOP_KILLED" = 0 ] || say "pasted ignored SIGTERM for 10 s; killed it"
        fi
        [ -z "$state" ] || cmd_stop "$state"
    }
    trap 'cleanup; exit 130' INT
    trap 'cleanup; exit 143' TERM HUP
    trap 'cleanup' EXIT

    local args=()
    if [ -f "$conf" ]; then args=(-c "$conf"); else say "warning: $conf missing; starting pasted without -c"; fi
    say "pasted on http://127.0.0.1:$PORT/  (Ctrl-C stops pasted and the services)"
    # In the background so that the traps run as soon as a signal arrives; `wait` returns then.
    "$bin" "${args[@]}" <&0 &
    pid=$!
    wait "$pid" || rc=$?
    pid=""
    say "pasted exited with status $rc"
    cleanup
    exit "$rc"
}

# ---------------------------------------------------------------- main
usage() {
    echo "usage: $0 start STATE_DIR [redis|ferretdb]... | stop STATE_DIR | restart-redis STATE_DIR | run PASTED_BINARY" >&2
    exit 2
}
[ $# -ge 2 ] || usage
case $1 in
    start) shift; cmd_start "$@" ;;
    stop)  [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
    restart-redis) [ $# -eq 2 ] || usage; cmd_restart_redis "$2" ;;
    run)   [ $# -eq 2 ] || usage; cmd_run "$2" ;;
    *)     usage ;;
esac
