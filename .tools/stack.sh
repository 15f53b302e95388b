#!/usr/bin/env bash
# The backing services of pasted: a private redis-server and FerretDB (SQLite backend).
#
#   .tools/stack.sh start STATE_DIR    start both, every file under STATE_DIR, on free ports;
#                                      writes STATE_DIR/env (REDIS_URL, MONGO_URI)
#   .tools/stack.sh stop STATE_DIR     stop what start started (idempotent)
#   .tools/stack.sh index STATE_DIR    give FerretDB's collections the _id index its queries
#                                      can use (idempotent; run once pasted has created them)
#   .tools/stack.sh run PASTED_BINARY  `make run`: use $REDIS_URL/$MONGO_URI if both are set,
#                                      else start a stack under state/; run pasted in the
#                                      foreground (PORT defaults to 8080); Ctrl-C stops it all
#
# Layout of STATE_DIR: env, redis.pid, redis.log, redis/ (its dir), ferretdb.pid,
# ferretdb.log, ferretdb/ (SQLite files; kept across runs), ferretdb-state/.
# The services run in their own sessions (setsid), so a Ctrl-C in the terminal reaches
# pasted first; `run` then stops the services itself, after pasted has exited.
#
# The FerretDB binary is the one .tools/deps.sh put in the cache (or $FERRETDB_BIN).
set -euo pipefail

# CI may run without HOME; the cache lives under it
[ -n "${HOME:-}" ] || export HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FERRETDB_VERSION=v1.24.2
FERRETDB=${FERRETDB_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/pasted/ferretdb-$FERRETDB_VERSION}
START_TIMEOUT=${STACK_START_TIMEOUT:-30}   # seconds, per service

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers
port_in_use() {   # something accepts connections on 127.0.0.1:$1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {     # print a port nobody listens on (never 6379/27017/8080)
    local i p
    for i in $(seq 1 200); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        case $p in 6379|27017|8080) continue ;; esac
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    return 1
}

# owns_port PID PORT: PID itself holds the listening socket on 127.0.0.1:PORT (so an answer on
# that port comes from our process, not from something that grabbed the port first)
owns_port() {
    local pid=$1 hexport inode fd
    hexport=$(printf '%04X' "$2")
    inode=$(awk -v p=":$hexport" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10; exit }' \
            /proc/net/tcp 2>/dev/null)
    [ -n "$inode" ] || return 1
    for fd in /proc/"$pid"/fd/*; do
        [ "$(readlink "$fd" 2>/dev/null)" = "socket:[$inode]" ] && return 0
    done
    return 1
}

# alive PIDFILE NAME: the pid in PIDFILE is running and is a NAME process (not a reused pid)
alive() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # a zombie child is not alive
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

# stop_one PIDFILE NAME: TERM, wait up to 10 s, then KILL; remove the pid file
stop_one() {
    local pidfile=$1 name=$2 pid i
    if alive "$pidfile" "$name"; then
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 100); do
            alive "$pidfile" "$name" || break
            sleep 0.1
        done
        if alive "$pidfile" "$name"; then
            say "$name (pid $pid) ignored SIGTERM for 10 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            for i in $(seq 1 50); do alive "$pidfile" "$name" || break; sleep 0.1; done
        fi
        say "stopped $name (pid $pid)"
    fi
    rm -f "$pidfile"
}

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
launch_redis() {
    nohup setsid redis-server --port "$2" --bind 127.0.0.1 --protected-mode yes \
        --save '' --appendonly no --dir "$1/redis" --daemonize no \
        --logfile '' --loglevel notice --databases 16 \
        >>"$1/redis.log" 2>&1 </dev/null &
    pid=$!
}

launch_ferretdb() {
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
    [ -x "$FERRETDB" ] || die "FerretDB binary not found at $FERRETDB (run .tools/deps.sh)"
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

cmd_start() {
    local dir=$1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    command -v redis-server >/dev/null || die "redis-server not installed (run .tools/deps.sh)"
    command -v redis-cli >/dev/null || die "redis-cli not installed (run .tools/deps.sh)"
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
    start_redis "$dir"
    start_ferretdb "$dir"
    trap - EXIT
    {
        printf 'export REDIS_URL=redis://127.0.0.1:%s\n' "$REDIS_PORT"
        printf 'export MONGO_URI=mongodb://127.0.0.1:%s/\n' "$MONGO_PORT"
    } >"$dir/env.tmp"
    mv -f "$dir/env.tmp" "$dir/env"
}

# ---------------------------------------------------------------- index
# FerretDB v1.24.2 (SQLite) indexes _id as  _ferretdb_sjson->"_id"  but filters on it as
#   WHERE _ferretdb_sjson->'$._id' = ?
# SQLite only uses an index whose expression matches, so every lookup, update and delete
# by _id scanned the whole collection, parsing each row's JSON: about 30 us per stored
# paste (900 ms per view update at 30,000 pastes). An index on the expression the queries
# use makes them ~2 ms whatever the size. FerretDB does not list it and does not mind it;
# it lives and dies with the table. A real MongoDB needs none of this.
cmd_index() {
    local dir=$1 db table made=0
    command -v sqlite3 >/dev/null || die "sqlite3 not installed (run .tools/deps.sh)"
    for db in "$dir"/ferretdb/*.sqlite; do
        [ -f "$db" ] || continue
        for table in $(sqlite3 -cmd '.timeout 10000' "$db" \
                "SELECT table_name FROM _ferretdb_collections" 2>/dev/null); do
            case $table in *[!A-Za-z0-9_]*) continue ;; esac
            sqlite3 -cmd '.timeout 10000' "$db" \
                "CREATE INDEX IF NOT EXISTS \"${table}_id_expr\" ON \"$table\" (_ferretdb_sjson->'\$._id')" \
                || die "cannot index $table in $db"
            made=$((made + 1))
        done
    done
    say "index: _id expression index on $made FerretDB collection(s) under $dir/ferretdb"
}

# Waits (bounded) for pasted to answer, so its collections exist, then indexes them.
index_when_up() {   # index_when_up STATE_DIR PORT
    local i
    for i in $(seq 1 300); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$2/healthz" && { cmd_index "$1"; return; }
        sleep 0.1
    done
}

# ---------------------------------------------------------------- run
cmd_run() {
    local bin=$1 conf="$ROOT/conf/pasted.conf" state="" pid="" rc=0
    [ -x "$bin" ] || die "$bin not found or not executable (make all)"
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    cd "$ROOT"
    if [ -n "${REDIS_URL:-}" ] && [ -n "${MONGO_URI:-}" ]; then
        say "using REDIS_URL=$REDIS_URL MONGO_URI=$MONGO_URI from the environment"
    else
        state="$ROOT/state"
        cmd_start "$state"
        # shellcheck disable=SC1091
        . "$state/env"
    fi
    export REDIS_URL MONGO_URI
    export PORT=${PORT:-8080}

    cleanup() {
        trap - INT TERM HUP EXIT
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            local i
            for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && { say "pasted ignored SIGTERM for 10 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
            wait "$pid" 2>/dev/null || true
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
    [ -z "$state" ] || index_when_up "$state" "$PORT" &
    wait "$pid" || rc=$?
    pid=""
    say "pasted exited with status $rc"
    cleanup
    exit "$rc"
}

# ---------------------------------------------------------------- main
usage() { echo "usage: $0 start STATE_DIR | stop STATE_DIR | index STATE_DIR | run PASTED_BINARY" >&2; exit 2; }
[ $# -eq 2 ] || usage
case $1 in
    start) cmd_start "$2" ;;
    stop)  cmd_stop "$2" ;;
    index) cmd_index "$2" ;;
    run)   cmd_run "$2" ;;
    *)     usage ;;
esac
