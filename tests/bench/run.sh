#!/usr/bin/env bash
# tests/bench/run.sh - `make bench`: pasted against nginx (and against the store's own limit)
# on this machine, loopback only, every load bounded in time.
#
#   1. a private Redis + FerretDB (.tools/stack.sh, fresh every run, under build/bench/stack);
#      pasted (build/pasted, tests/bench/pasted-bench.conf: default worker count, log_level
#      warn); nginx (Debian package, tests/bench/nginx.conf.in) with as many worker processes
#      as pasted has worker threads, serving the very same paste bytes as static files from a
#      temp dir under the same paths (/raw/<id>);
#   2. seeds pastes through pasted's API: one hot 1 KiB paste, one 256 KiB paste and
#      BENCH_SPREAD (10,000) 1 KiB pastes, and checks both servers answer the same bytes;
#   3. runs every scenario at every connection count, pasted and its counterpart interleaved
#      (the order alternates), each run a warm-up (BENCH_WARMUP s, not counted) then a
#      measured run (BENCH_SECONDS s), with one progress line per run; before each run it
#      waits (bounded) for other processes to leave the CPU, and it measures how much CPU
#      they took during the run anyway (column "other": numbers with more than 5 % are low);
#   4. prints the table and writes it as CSV to build/bench/results.csv (and a timestamped
#      copy); raw outputs of every run are kept in build/bench/logs/.
#
# Scenarios (issue 5), in the order run:                      counterpart
#   raw-hot      GET /raw/<id> of one hot 1 KiB paste          nginx, same file
#   html-hot     GET /<id>, the HTML page of the hot paste     nginx, the raw static file
#   raw-256k     GET /raw/<id> of a 256 KiB paste              nginx, same file
#   idle-10k     raw-hot while BENCH_IDLE (10,000) idle         nginx with the same idle
#                keep-alive connections are held open           connections
#   create       POST / with a raw 1 KiB body                  mongo-batch: the store's limit for
#                                                              creates: plain mongoc unordered
#                                                              insert_many of pasted's
#                                                              insert_batch (64) documents of
#                                                              the same shape, as many threads
#                                                              as connections, in the same run;
#                                                              for reference mongo-single (one
#                                                              insert per document, the old
#                                                              limit) and mongo-batch with
#                                                              insert_in_flight commands in
#                                                              flight, as pasted's
#                                                              committers send them
#   raw-spread   GET /raw/<random one of 10,000 1 KiB pastes>  nginx, same files
#   mix          90 % raw-spread reads, 10 % creates           -
# The views of thousands of distinct pastes (raw-spread, mix) come last: they make the view
# flusher write many counters at once, which can stall the store; after every pasted run a
# lookup by _id must answer within 10 s, else the row says the store stopped answering, and
# no view-count batch may have waited more than two view_flush_ms rounds + 15 s for the store
# (BENCH_FLUSH_LAG_MAX, 135 s; else "VIEWS LAG").
# After the creates, the store must hold every paste pasted acknowledged (seed included).
#
# Environment: BENCH_SECONDS (10) BENCH_WARMUP (3) BENCH_CONNS ("64 512") BENCH_SPREAD (10000)
#   BENCH_IDLE (10000) BENCH_ONLY (comma-separated scenario names; default all)
#   BENCH_WRK_THREADS (cores) BENCH_QUIET_MAX (10 %) BENCH_QUIET_WAIT (30 s per run)
#   BENCH_QUIET_TOTAL (120 s in all) BENCH_STRICT (1: exit 1 when a target is missed)
#   BENCH_INSERT_BATCH (64: pasted's insert_batch, which pasted-bench.conf keeps)
#   PASTED_BIN (build/pasted)
# Create targets (issue of the group commit): at 64 connections >= 5x the old 766 creates/s,
# >= 0.8x mongo-batch at the same concurrency, p99 <= 50 ms; at every count >= 0.8x mongo-batch.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
BENCH=$ROOT/tests/bench
OUT=$ROOT/build/bench
LOGS=$OUT/logs
BIN=${PASTED_BIN:-$ROOT/build/pasted}
SECS=${BENCH_SECONDS:-10}
WARM=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNS:-64 512}
SPREAD_N=${BENCH_SPREAD:-10000}
IDLE_N=${BENCH_IDLE:-10000}
ONLY=${BENCH_ONLY:-}
STRICT=${BENCH_STRICT:-0}
CORES=$(getconf _NPROCESSORS_ONLN)
WRK_THREADS=${BENCH_WRK_THREADS:-$CORES}
INSERT_BATCH=${BENCH_INSERT_BATCH:-64}   # pasted's insert_batch (its default, kept by pasted-bench.conf)
# inserts pasted has at the store at once: PASTED_INSERT_IN_FLIGHT when set (it overrides the
# file), else pasted-bench.conf's insert_in_flight, else pasted's default 1
IN_FLIGHT=$(awk '$1 == "insert_in_flight" { print $2 }' "$BENCH/pasted-bench.conf")
IN_FLIGHT=${PASTED_INSERT_IN_FLIGHT:-${IN_FLIGHT:-1}}
CREATE_OLD=766        # creates/s at 64 connections before the group commit (README, 2026-11-24)

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }

TMP=""
PASTED_PID=""
NGINX_PID=""
HOLDER_PID=""
STACK=$OUT/stack

# ------------------------------------------------------------------ cleanup
stop_pid() {   # stop_pid PID SIGNAL: signal, wait up to 10 s, then KILL
    local pid=$1 sig=$2 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill "-$sig" "$pid" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
cleanup() {
    trap - EXIT INT TERM HUP
    stop_pid "$HOLDER_PID" TERM
    stop_pid "$PASTED_PID" TERM
    stop_pid "$NGINX_PID" QUIT
    [ "${BENCH_KEEP_STACK:-0}" = 1 ] || .tools/stack.sh stop "$STACK" >/dev/null 2>&1
    [ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

# ------------------------------------------------------------------ checks
need() { command -v "$1" >/dev/null; }
missing=()
need wrk || missing+=(wrk)
need nginx || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
need curl || missing+=(curl)
need ss || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && need apt-get; then
        say "installing ${missing[*]} (Debian packages)"
        apt-get install -y "${missing[@]}" >/dev/null 2>&1 \
            || { apt-get update >/dev/null 2>&1 && apt-get install -y "${missing[@]}" >/dev/null 2>&1; } \
            || die "cannot install ${missing[*]}"
    else
        die "missing: ${missing[*]} (apt-get install -y ${missing[*]})"
    fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$BIN" ] || die "$BIN not found (make build/pasted)"
[ -x .tools/stack.sh ] || die ".tools/stack.sh not found"
pkg-config --exists libmongoc-1.0 || die "libmongoc-1.0 development files missing (.tools/deps.sh)"

mkdir -p "$OUT" "$LOGS"
rm -rf "$LOGS"; mkdir -p "$LOGS"
cc -std=c11 -O2 -Wall -Wextra "$BENCH/mongo_insert.c" $(pkg-config --cflags --libs libmongoc-1.0) \
    -lpthread -o "$OUT/mongo_insert" || die "cannot build mongo_insert"
cc -std=c11 -O2 -Wall -Wextra "$BENCH/idle_conns.c" -o "$OUT/idle_conns" || die "cannot build idle_conns"

want() {   # want SCENARIO: selected by BENCH_ONLY (or everything)
    [ -z "$ONLY" ] && return 0
    [[ ",$ONLY," == *",$1,"* ]]
}

max_conns=0
for c in $CONNS; do [ "$c" -gt "$max_conns" ] && max_conns=$c; done
# file descriptors: pasted holds the idle connections plus wrk's, the holder its own
ulimit -n "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
IDLE_SKIP=""
if want idle-10k && [ "$NOFILE" -lt $((IDLE_N + max_conns + 512)) ]; then
    IDLE_SKIP="open-file limit $NOFILE < $((IDLE_N + max_conns + 512)) (raise ulimit -Hn)"
    say "idle-10k will be skipped: $IDLE_SKIP"
fi

# ------------------------------------------------------------------ ports
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local i p
    for i in $(seq 1 200); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
        port_in_use "$p" && continue
        [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] || continue
        echo "$p"; return 0
    done
    return 1
}
# listeners_ok PORT PID...: every socket listening on PORT belongs to one of the PIDs
# (SO_REUSEPORT would let another process on the same port take a share of our load)
listeners_ok() {
    local port=$1; shift
    local pids p ok
    pids=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
    [ -n "$pids" ] || return 1
    for p in $pids; do
        ok=0
        for q in "$@"; do [ "$p" = "$q" ] && ok=1; done
        [ $ok = 1 ] || return 1
    done
    return 0
}
nginx_pids() { echo "$NGINX_PID"; pgrep -P "$NGINX_PID" 2>/dev/null; }

read -r load1 load5 _ </proc/loadavg
say "machine: $CORES cores, load average $load1 (1 min) $load5 (5 min) before the start"

# ------------------------------------------------------------------ services
TMP=$(mktemp -d /tmp/pasted-bench.XXXXXX) || die "mktemp failed"
chmod 755 "$TMP"
WWW=$TMP/www
mkdir -p "$WWW/raw" "$TMP/seed" "$TMP/nginx"

say "starting Redis + FerretDB (fresh, $STACK)"
.tools/stack.sh stop "$STACK" >/dev/null 2>&1
rm -rf "$STACK"
.tools/stack.sh start "$STACK" >"$OUT/stack.log" 2>&1 || { cat "$OUT/stack.log"; die "stack did not start"; }
# shellcheck disable=SC1091
. "$STACK/env"
export REDIS_URL MONGO_URI
REDIS_PORT=${REDIS_URL##*:}

: >"$OUT/pasted.log"
start_pasted() {
    local attempt i code
    for attempt in 1 2 3; do
        PASTED_PORT=$(free_port) || die "no free port"
        PORT=$PASTED_PORT "$BIN" -c "$BENCH/pasted-bench.conf" >>"$OUT/pasted.log" 2>&1 </dev/null &
        PASTED_PID=$!
        for i in $(seq 1 150); do
            kill -0 "$PASTED_PID" 2>/dev/null || break
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PASTED_PORT/healthz")
            [ "$code" = 200 ] && return 0
            sleep 0.2
        done
        stop_pid "$PASTED_PID" TERM
        PASTED_PID=""
        tail -n 20 "$OUT/pasted.log" | grep -qi 'address already in use' && continue
        tail -n 30 "$OUT/pasted.log" >&2
        die "pasted did not answer GET /healthz (log $OUT/pasted.log)"
    done
    die "pasted: no free port after 3 attempts"
}
start_pasted
listeners_ok "$PASTED_PORT" "$PASTED_PID" || die "another process listens on pasted's port $PASTED_PORT"
WORKERS=$(ss -Hltn "sport = :$PASTED_PORT" | wc -l)
say "pasted pid $PASTED_PID on 127.0.0.1:$PASTED_PORT, $WORKERS worker threads (workers 0 = one per core; $CORES cores), log_level warn"

start_nginx() {
    local attempt i code
    for attempt in 1 2 3; do
        NGINX_PORT=$(free_port) || die "no free port"
        local user="nobody nogroup"
        getent group nogroup >/dev/null || user="nobody"
        sed -e "s|@WORKERS@|$WORKERS|; s|@NOFILE@|$NOFILE|; s|@DIR@|$TMP/nginx|g; s|@PORT@|$NGINX_PORT|; s|@ROOT@|$WWW|" \
            -e "s|@USER@|$user|" "$BENCH/nginx.conf.in" >"$TMP/nginx/nginx.conf"
        [ "$(id -u)" = 0 ] || sed -i '/^user /d' "$TMP/nginx/nginx.conf"
        : >"$TMP/nginx/error.log"
        "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' >>"$OUT/nginx.log" 2>&1 </dev/null &
        NGINX_PID=$!
        for i in $(seq 1 100); do
            kill -0 "$NGINX_PID" 2>/dev/null || break
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$NGINX_PORT/")
            [ "$code" != 000 ] && return 0
            sleep 0.1
        done
        stop_pid "$NGINX_PID" QUIT
        NGINX_PID=""
        grep -qi 'address already in use' "$TMP/nginx/error.log" "$OUT/nginx.log" && continue
        cat "$TMP/nginx/error.log" "$OUT/nginx.log" >&2
        die "nginx did not start"
    done
    die "nginx: no free port after 3 attempts"
}
: >"$OUT/nginx.log"
start_nginx
sleep 0.3
# shellcheck disable=SC2046
listeners_ok "$NGINX_PORT" $(nginx_pids) || die "another process listens on nginx's port $NGINX_PORT"
say "nginx pid $NGINX_PID on 127.0.0.1:$NGINX_PORT, worker_processes $WORKERS, access_log off"

# ------------------------------------------------------------------ seed
# Paste bodies: base64 text, 64-byte lines (63 characters + newline), exact sizes.
text_bytes() { head -c $(( $1 * 3 / 4 + 64 )) /dev/urandom | base64 -w 63 | head -c "$1"; }
text_bytes 1024 >"$TMP/seed/hot"
text_bytes 262144 >"$TMP/seed/big"
export BENCH_BODY=$TMP/seed/hot BENCH_LUA=$BENCH BENCH_IDS=$TMP/ids

create() {   # create FILE -> prints the id
    local url
    url=$(curl -sS --max-time 10 -H 'Content-Type: text/plain' --data-binary "@$1" \
          "http://127.0.0.1:$PASTED_PORT/") || return 1
    [[ $url =~ /([0-9A-Za-z]{7})$ ]] || return 1
    echo "${BASH_REMATCH[1]}"
}
same_bytes() {   # same_bytes PORT PATH FILE: the server answers 200 with FILE's bytes
    local code
    code=$(curl -sS --max-time 10 -o "$TMP/check" -w '%{http_code}' "http://127.0.0.1:$1$2") || return 1
    [ "$code" = 200 ] && cmp -s "$TMP/check" "$3"
}

say "seeding: 1 hot 1 KiB paste, 1 paste of 256 KiB, $SPREAD_N pastes of 1 KiB (through POST /)"
HOT=$(create "$TMP/seed/hot") || die "cannot create the hot paste"
BIG=$(create "$TMP/seed/big") || die "cannot create the 256 KiB paste"
cp "$TMP/seed/hot" "$WWW/raw/$HOT"
cp "$TMP/seed/big" "$WWW/raw/$BIG"

seed_t0=$(date +%s.%N)
mkdir -p "$TMP/seed/spread" "$TMP/seed/answers"
head -c $(( SPREAD_N * 768 + 4096 )) /dev/urandom | base64 -w 63 \
    | split -b 1024 -d -a 6 - "$TMP/seed/spread/b"
cfg=$TMP/seed/curl.cfg
: >"$cfg"
for i in $(seq 0 $((SPREAD_N - 1))); do
    f=$(printf 'b%06d' "$i")
    [ -s "$TMP/seed/spread/$f" ] || die "seed file $f missing"
    [ "$i" -gt 0 ] && echo next >>"$cfg"
    printf 'url = "http://127.0.0.1:%d/"\nheader = "Content-Type: text/plain"\ndata-binary = "@%s"\noutput = "%s"\nmax-time = 30\n' \
        "$PASTED_PORT" "$TMP/seed/spread/$f" "$TMP/seed/answers/$f" >>"$cfg"
done
timeout 600 curl -sS --parallel --parallel-max 8 -K "$cfg" >"$TMP/seed/curl.out" 2>"$TMP/seed/curl.err"
: >"$TMP/ids"
bad=0
for i in $(seq 0 $((SPREAD_N - 1))); do
    f=$(printf 'b%06d' "$i")
    url=""
    [ -f "$TMP/seed/answers/$f" ] && read -r url <"$TMP/seed/answers/$f"
    if [[ $url =~ /([0-9A-Za-z]{7})$ ]]; then
        id=${BASH_REMATCH[1]}
        mv "$TMP/seed/spread/$f" "$WWW/raw/$id"
        echo "$id" >>"$TMP/ids"
    else
        bad=$((bad + 1))
    fi
done
if [ "$bad" != 0 ]; then
    say "seed creates failed: $bad of $SPREAD_N; the first answers:"
    for f in $(ls "$TMP/seed/answers" 2>/dev/null | head -3); do head -c 300 "$TMP/seed/answers/$f" | sed 's/^/    /'; done
    head -5 "$TMP/seed/curl.err" | sed 's/^/    curl: /'
    tail -n 5 "$OUT/pasted.log" | sed 's/^/    pasted.log: /'
    die "$bad of $SPREAD_N seed creates failed"
fi
chmod -R a+rX "$WWW"
seed_rate=$(awk -v n="$SPREAD_N" -v t0="$seed_t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.0f", n / (t1 - t0) }')
ACKED=$((SPREAD_N + 2))   # creates pasted acknowledged so far
ACK_NOTE=""
cached=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'pasted:p:*' 2>/dev/null | wc -l)
say "seeded $((SPREAD_N + 2)) pastes (~$seed_rate creates/s with curl --parallel-max 8); $cached paste records in the Redis cache"

# the same bytes from both servers
for p in "/raw/$HOT:$TMP/seed/hot" "/raw/$BIG:$TMP/seed/big"; do
    same_bytes "$PASTED_PORT" "${p%%:*}" "${p#*:}" || die "pasted: ${p%%:*} is not the seeded bytes"
    same_bytes "$NGINX_PORT" "${p%%:*}" "${p#*:}" || die "nginx: ${p%%:*} is not the seeded bytes"
done
for id in $(shuf -n 20 "$TMP/ids"); do
    same_bytes "$PASTED_PORT" "/raw/$id" "$WWW/raw/$id" || die "pasted: /raw/$id is not the seeded bytes"
    same_bytes "$NGINX_PORT" "/raw/$id" "$WWW/raw/$id" || die "nginx: /raw/$id is not the seeded bytes"
done
html=$(curl -sS --max-time 10 -o "$TMP/check" -w '%{http_code} %{content_type}' "http://127.0.0.1:$PASTED_PORT/$HOT")
[[ $html == "200 text/html"* ]] || die "pasted: GET /$HOT answered '$html', not an HTML page"
say "checked: both servers answer the same bytes (hot, 256 KiB, 20 random spread pastes); html page $(stat -c %s "$TMP/check") bytes"

# ------------------------------------------------------------------ runs
ROWS=()       # scenario|conns|server|requests|seconds|rps|p50|p99|errors|rss|other_cpu|notes
RUN_NO=0
RUNS_TOTAL=0
for s in raw-hot raw-spread html-hot raw-256k create mix idle-10k; do
    want "$s" || continue
    [ "$s" = idle-10k ] && [ -n "$IDLE_SKIP" ] && continue
    for c in $CONNS; do
        case $s in mix) RUNS_TOTAL=$((RUNS_TOTAL + 1)) ;; *) RUNS_TOTAL=$((RUNS_TOTAL + 2)) ;; esac
    done
    # create: pasted, mongo-batch and mongo-single at each count, + mongo-batch at 2 threads
    [ "$s" = create ] && for c in $CONNS; do RUNS_TOTAL=$((RUNS_TOTAL + 1)); done
    [ "$s" = create ] && RUNS_TOTAL=$((RUNS_TOTAL + 1))
done
est=$(( RUNS_TOTAL * (SECS + WARM + 2) ))
say "$RUNS_TOTAL runs of ${WARM}s warm-up + ${SECS}s measured, wrk -t$WRK_THREADS --timeout 5s; about $((est / 60)) min $((est % 60)) s"

declare -A R
parse_bench() {   # parse_bench FILE: the last BENCH line into R[...]
    R=()
    local line kv
    line=$(grep -a '^BENCH ' "$1" | tail -n 1)
    [ -n "$line" ] || return 1
    for kv in ${line#BENCH }; do R[${kv%%=*}]=${kv#*=}; done
    return 0
}
rss_reset() {     # peak RSS from now on (VmHWM back to the current RSS)
    echo 5 >"/proc/$PASTED_PID/clear_refs" 2>/dev/null || RSS_NOTE="VmHWM not resettable: peak since start"
}
rss_peak() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$PASTED_PID/status" 2>/dev/null; }
pasted_alive() {
    kill -0 "$PASTED_PID" 2>/dev/null && return 0
    tail -n 30 "$OUT/pasted.log" >&2
    die "pasted died (log $OUT/pasted.log)"
}

# Other work on the machine skews every number: measure it. FOREIGN = the share of all CPU
# time (all cores) during the measured window that went to processes other than pasted,
# nginx, Redis, FerretDB and the load generators this script waited for.
CLK_TCK=$(getconf CLK_TCK)
# busy = user + nice + system + steal; irq and softirq time (loopback networking, ours and
# theirs alike) belongs to no process and is left out of both sides
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $9 }' /proc/stat; }
proc_cpu() {   # utime + stime of the PIDs (all their threads), in ticks
    local t=0 p v
    for p in "$@"; do
        v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
children_cpu() {   # this shell's waited-for children, user + sys, in ticks
    local a
    a=$(times | tail -n 1)
    awk -v s="$a" -v hz="$CLK_TCK" 'BEGIN {
        n = split(s, f, " "); t = 0
        for (i = 1; i <= n; i++) { split(f[i], m, "m"); sub("s", "", m[2]); t += m[1] * 60 + m[2] }
        printf "%d", t * hz }'
}
our_pids() {
    echo "$PASTED_PID"
    [ -n "$NGINX_PID" ] && nginx_pids
    store_pids
}
store_pids() { cat "$STACK/redis.pid" "$STACK/ferretdb.pid" 2>/dev/null; }
# Loopback's own trouble, machine-wide (wrk and the servers share it): packets the kernel
# dropped because a CPU's input backlog was full (/proc/net/softnet_stat, second column),
# TCP retransmission timeouts (each stalls its request for 200 ms or more) and all
# retransmitted segments. net_counters prints "drops rtos retrans".
net_counters() {
    local drops rtos retrans
    local _ d
    drops=0
    while read -r _ d _; do drops=$((drops + 16#$d)); done </proc/net/softnet_stat
    rtos=$(awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["TCPTimeouts"] }' \
        /proc/net/netstat 2>/dev/null)
    retrans=$(awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RetransSegs"] }' \
        /proc/net/snmp 2>/dev/null)
    echo "${drops:-0} ${rtos:-0} ${retrans:-0}"
}
measure_start() {
    M_T0=$(date +%s.%N); M_BUSY0=$(cpu_busy); M_OURS0=$(( $(proc_cpu $(our_pids)) + $(children_cpu) ))
    M_STORE0=$(proc_cpu $(store_pids))
    read -r M_DROPS0 M_RTOS0 M_RETRANS0 <<<"$(net_counters)"
}
measure_end() {   # sets FOREIGN (percent of all cores) and STORE_CPU (Redis + FerretDB, % of one core)
    local t1 busy1 ours1 store1
    t1=$(date +%s.%N); busy1=$(cpu_busy); ours1=$(( $(proc_cpu $(our_pids)) + $(children_cpu) ))
    store1=$(proc_cpu $(store_pids))
    local drops1 rtos1 retrans1
    read -r drops1 rtos1 retrans1 <<<"$(net_counters)"
    NET_DROPS=$((drops1 - M_DROPS0)); NET_RTOS=$((rtos1 - M_RTOS0)); NET_RETRANS=$((retrans1 - M_RETRANS0))
    STORE_CPU=$(awk -v s=$((store1 - M_STORE0)) -v t0="$M_T0" -v t1="$t1" -v hz="$CLK_TCK" \
        'BEGIN { printf "%.0f", s / ((t1 - t0) * hz) * 100 }')
    FOREIGN=$(awk -v b=$((busy1 - M_BUSY0)) -v o=$((ours1 - M_OURS0)) -v t0="$M_T0" -v t1="$t1" \
        -v hz="$CLK_TCK" -v n="$CORES" 'BEGIN { f = (b - o) / ((t1 - t0) * hz * n) * 100; if (f < 0) f = 0; printf "%.0f", f }')
}

# Before each run, wait (BENCH_QUIET_WAIT s at most per run, BENCH_QUIET_TOTAL s in all) until
# other processes use at most BENCH_QUIET_MAX % of the CPU; then run anyway, the row shows it.
QUIET_WAIT=${BENCH_QUIET_WAIT:-30}
QUIET_TOTAL=${BENCH_QUIET_TOTAL:-120}
QUIET_MAX=${BENCH_QUIET_MAX:-10}
QUIET_SPENT=0
wait_quiet() {
    local waited=0
    while [ "$QUIET_SPENT" -lt "$QUIET_TOTAL" ]; do
        measure_start; sleep 1; measure_end
        [ "$FOREIGN" -le "$QUIET_MAX" ] && break
        [ "$waited" = 0 ] && say "  waiting for a quiet machine ($FOREIGN% of the CPU used by other processes)"
        waited=$((waited + 1)); QUIET_SPENT=$((QUIET_SPENT + 1))
        if [ "$waited" -ge "$QUIET_WAIT" ]; then
            say "  still $FOREIGN% after ${waited}s; running anyway"
            break
        fi
    done
    [ "$waited" -gt 0 ] && [ "$FOREIGN" -le "$QUIET_MAX" ] && say "  quiet after ${waited}s"
    return 0
}

# one wrk run: wrk_run LOG CONNS SECONDS PORT PATH SCRIPT
wrk_run() {
    local log=$1 c=$2 d=$3 port=$4 path=$5 script=$6 t=$WRK_THREADS
    [ "$c" -lt "$t" ] && t=$c
    timeout -k 5 $((d + 60)) wrk -t"$t" -c"$c" -d"${d}s" --timeout 5s -s "$BENCH/$script" \
        "http://127.0.0.1:$port$path" >"$log" 2>&1
}

# record SCENARIO CONNS SERVER LOG RSS EXTRA_ERRORS NOTES
record() {
    local s=$1 c=$2 srv=$3 log=$4 rss=$5 extra=$6 notes=$7
    if ! parse_bench "$log"; then
        say "  $s c=$c $srv: no result (see $log)"
        ROWS+=("$s|$c|$srv|0|0|0|0|0|-1|$rss|$FOREIGN|no result, see ${log#"$ROOT"/}")
        RUN_NO=$((RUN_NO + 1))
        return
    fi
    local errs=$(( ${R[connect]:-0} + ${R[read]:-0} + ${R[write]:-0} + ${R[timeout]:-0} + extra ))
    if [ "${R[non2xx]:--1}" -ge 0 ]; then errs=$((errs + R[non2xx])); else errs=$((errs + ${R[status]:-0})); fi
    errs=$((errs + ${R[errors]:-0}))
    local rps p50 p99 secs
    secs=$(awk -v d="${R[duration_us]}" 'BEGIN { printf "%.2f", d / 1e6 }')
    rps=$(awk -v n="${R[requests]}" -v d="${R[duration_us]}" 'BEGIN { printf "%.0f", (d > 0 ? n * 1e6 / d : 0) }')
    p50=$(awk -v x="${R[p50_us]}" 'BEGIN { printf "%.2f", x / 1000 }')
    p99=$(awk -v x="${R[p99_us]}" 'BEGIN { printf "%.2f", x / 1000 }')
    ROWS+=("$s|$c|$srv|${R[requests]}|$secs|$rps|$p50|$p99|$errs|$rss|$FOREIGN|$notes")
    RUN_NO=$((RUN_NO + 1))
    printf 'bench: [%2d/%d] %-10s c=%-4s %-12s %8s req/s  p50 %7s ms  p99 %7s ms  errors %s%s  other CPU %s%%%s\n' \
        "$RUN_NO" "$RUNS_TOTAL" "$s" "$c" "$srv" "$rps" "$p50" "$p99" "$errs" \
        "${rss:+  rss ${rss} MiB}" "$FOREIGN" "${notes:+  ($notes)}"
}

# run_http SCENARIO CONNS SERVER PATH SCRIPT: warm-up, measured run, one row
run_http() {
    local s=$1 c=$2 srv=$3 path=$4 script=$5 port rss="" extra=0 notes="" lag
    local log="$LOGS/$(printf '%02d' $((RUN_NO + 1)))-$s-c$c-$srv.txt"
    wait_quiet
    RSS_NOTE=""
    if [ "$srv" = pasted ]; then port=$PASTED_PORT; pasted_alive; rss_reset; else port=$NGINX_PORT; fi
    if [ "$s" = idle-10k ]; then
        idle_open "$port" "$log.idle" || { extra=$IDLE_N; notes="idle connections not opened"; }
    fi
    wrk_run "$log.warmup" "$c" "$WARM" "$port" "$path" "$script"
    [ "$srv" = pasted ] && lag_snapshot LAG0
    measure_start
    wrk_run "$log" "$c" "$SECS" "$port" "$path" "$script"
    measure_end
    if [ "$srv" = pasted ]; then
        lag_snapshot LAG1
        lag=$(lag_note)
        notes="${notes:+$notes; }$lag"
    fi
    if [ "$NET_DROPS" -gt 0 ] || [ "$NET_RTOS" -gt 0 ]; then
        notes="${notes:+$notes; }loopback dropped $NET_DROPS packets, $NET_RTOS TCP timeouts, $NET_RETRANS segments resent"
    fi
    if [ "$STORE_CPU" -ge 10 ]; then
        notes="${notes:+$notes; }store CPU $STORE_CPU%"
    fi
    if [ "$s" = idle-10k ]; then
        idle_close "$log.idle"
        extra=$((IDLE_N - IDLE_HELD))
        notes="idle held $IDLE_HELD/$IDLE_N${notes:+; $notes}"
    fi
    if [ "$srv" = pasted ]; then
        pasted_alive
        rss=$(rss_peak)
        listeners_ok "$PASTED_PORT" "$PASTED_PID" || notes="${notes:+$notes; }ANOTHER PROCESS ON THE PORT"
        store_probe || notes="${notes:+$notes; }$HUNG_NOTE"
        flush_lag || notes="${notes:+$notes; }VIEWS LAG: a batch waits ${FLUSH_LAG} s for the store"
    fi
    [ -n "$RSS_NOTE" ] && notes="${notes:+$notes; }$RSS_NOTE"
    record "$s" "$c" "$srv" "$log" "$rss" "$extra" "$notes"
    sleep 1
}

# pasted's own view of a run: how late its event loops ran (src/looplag.c, a tick every
# 20 ms per worker). lag_snapshot VAR: the cumulative bucket counts of
# pasted_loop_lag_seconds and pasted_loop_stalls_total, "le:count ... cause:count"; lag_note:
# from LAG0 to LAG1, the ticks more than 10 ms late, how many of those the kernel kept the
# worker waiting for a CPU (descheduled) or pasted's own code kept it (busy), and the highest
# bucket reached, e.g. "loop lag >10ms 3/1000 ticks (descheduled 3, busy 0), max <=50ms".
lag_snapshot() {
    local v
    v=$(curl -s --max-time 5 "http://127.0.0.1:$PASTED_PORT/metrics" \
        | sed -n -e 's/^pasted_loop_lag_seconds_bucket{le="\([^"]*\)"} \([0-9]*\)$/\1:\2/p' \
                 -e 's/^pasted_loop_stalls_total{cause="\([a-z]*\)"} \([0-9]*\)$/\1:\2/p' \
                 -e 's/^pasted_\(cache_misses\|hot_hits\|requests\)_total \([0-9]*\)$/\1:\2/p' | tr '\n' ' ')
    printf -v "$1" '%s' "$v"
}
lag_note() {
    awk -v a="$LAG0" -v b="$LAG1" 'BEGIN {
        m = split(a, x, " "); k = split(b, y, " ")
        if (m == 0 || m != k) exit
        n = 0
        for (i = 1; i <= m; i++) {
            split(x[i], p, ":"); split(y[i], q, ":")
            if (p[1] ~ /^[a-z_]+$/) { cause[p[1]] = q[2] - p[2]; continue }
            n++; cum[n] = q[2] - p[2]; le[n] = p[1]
        }
        total = cum[n]
        if (total <= 0) exit
        over = 0
        for (i = 1; i <= n; i++) if (le[i] == "0.01") over = total - cum[i]
        top = le[1]
        for (i = 1; i <= n; i++) if (cum[i] > (i > 1 ? cum[i - 1] : 0)) top = le[i]
        topms = (top == "+Inf") ? ">1000ms" : sprintf("<=%gms", top * 1000)
        unknown = cause["unknown"] > 0 ? sprintf(", unknown %d", cause["unknown"]) : ""
        printf "loop lag >10ms %d/%d ticks (descheduled %d, busy %d%s), max %s", over, total,
            cause["descheduled"], cause["busy"], unknown, topms
        if (cause["requests"] > 0)
            printf "; hot hits %.1f%%, misses %d", 100 * cause["hot_hits"] / cause["requests"], cause["cache_misses"]
    }'
}

idle_open() {   # idle_open PORT OUTFILE: IDLE_N idle keep-alive connections, held by a helper
    rm -f "$TMP/idle.ready"
    "$OUT/idle_conns" "$1" "$IDLE_N" "/raw/$HOT" "$TMP/idle.ready" $((WARM + SECS + 120)) >"$2" 2>&1 &
    HOLDER_PID=$!
    local i
    for i in $(seq 1 600); do
        [ -s "$TMP/idle.ready" ] && break
        kill -0 "$HOLDER_PID" 2>/dev/null || break
        sleep 0.1
    done
    [ -s "$TMP/idle.ready" ] || return 1
    say "  holding $(cut -d' ' -f2 "$TMP/idle.ready") idle keep-alive connections$([ "$1" = "$PASTED_PORT" ] && echo "; pasted RSS now $(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$PASTED_PID/status") MiB")"
}
idle_close() {  # idle_close OUTFILE: IDLE_HELD = how many idle connections were still open
    kill -USR1 "$HOLDER_PID" 2>/dev/null
    wait "$HOLDER_PID" 2>/dev/null
    HOLDER_PID=""
    IDLE_HELD=$(sed -n 's/^IDLE .*held=\([0-9]*\).*/\1/p' "$1")
    IDLE_HELD=${IDLE_HELD:-0}
}

store_probe() {   # the store still answers a lookup by _id within 10 s (else STORE_HUNG=1)
    [ "$STORE_HUNG" = 1 ] && return 1
    local n
    n=$(timeout -k 2 10 "$OUT/mongo_insert" --probe "$MONGO_URI" pasted_bench pastes 2>>"$OUT/mongo_insert.log") \
        && [ -n "$n" ] && return 0
    STORE_HUNG=1
    return 1
}
STORE_HUNG=0
# The view flusher hands a batch over as pasted:flushing:<ms>:<rand> (src/views.c) and deletes
# it once MongoDB has it. flush_lag: FLUSH_LAG = seconds the oldest such batch has waited
# (0: none in flight). pasted writes a round of counts over 3/4 of view_flush_ms (60 s by
# default), so a batch older than two rounds and 15 s (FLUSH_LAG_MAX) means view counts
# reach the store late (or never).
FLUSH_LAG_MAX=${BENCH_FLUSH_LAG_MAX:-135}
flush_lag() {
    local k ms now oldest=0
    now=$(date +%s%3N)
    for k in $(redis-cli -p "$REDIS_PORT" --scan --pattern 'pasted:flushing:*' 2>/dev/null); do
        ms=$(cut -d: -f3 <<<"$k")
        [[ $ms =~ ^[0-9]+$ ]] || continue
        [ $((now - ms)) -gt "$oldest" ] && oldest=$((now - ms))
    done
    FLUSH_LAG=$((oldest / 1000))
    [ "$FLUSH_LAG" -le "$FLUSH_LAG_MAX" ]
}
HUNG_NOTE="THE STORE (FerretDB) STOPPED ANSWERING"

# run_create CONNS SCRIPT SCENARIO: like run_http; for create, ACKED counts the creates
# pasted acknowledged (2xx), all of which must be in the store (checked after the creates)
run_create() {
    local c=$1 script=$2 s=$3
    local log="$LOGS/$(printf '%02d' $((RUN_NO + 1)))-$s-c$c-pasted.txt"
    wait_quiet
    pasted_alive
    RSS_NOTE=""
    rss_reset
    wrk_run "$log.warmup" "$c" "$WARM" "$PASTED_PORT" / "$script"
    measure_start
    wrk_run "$log" "$c" "$SECS" "$PASTED_PORT" / "$script"
    measure_end
    pasted_alive
    local notes="" f
    if [ "$s" = create ]; then
        for f in "$log.warmup" "$log"; do
            parse_bench "$f" && ACKED=$((ACKED + R[requests] - R[non2xx]))
        done
    fi
    store_probe || notes=$HUNG_NOTE
    flush_lag || notes="${notes:+$notes; }VIEWS LAG: a batch waits ${FLUSH_LAG} s for the store"
    [ -n "$RSS_NOTE" ] && notes="${notes:+$notes; }$RSS_NOTE"
    record "$s" "$c" pasted "$log" "$(rss_peak)" 0 "$notes"
    sleep 1
}

# check_acked: every create pasted acknowledged (the seed's and the create runs') is in the
# store; sets ACK_NOTE. Counting reads every document (FerretDB: seconds), so it runs once.
check_acked() {
    local stored
    if [ "$STORE_HUNG" = 1 ]; then
        ACK_NOTE="acked $ACKED, store not countable (stopped answering)"
        return
    fi
    sleep 2   # inserts of the last requests wrk did not wait for
    stored=$(timeout -k 2 120 "$OUT/mongo_insert" --count "$MONGO_URI" pasted_bench pastes 2>>"$OUT/mongo_insert.log")
    if ! [[ $stored =~ ^[0-9]+$ ]]; then
        ACK_NOTE="acked $ACKED, store count failed"
    elif [ "$stored" -ge "$ACKED" ]; then
        ACK_NOTE="acked $ACKED, stored $stored: ok"
    else
        ACK_NOTE="LOST CREATES: acked $ACKED, stored only $stored"
    fi
    say "  every acknowledged create in the store? $ACK_NOTE"
}

# run_store THREADS MODE [NOTE]: the storage limit (mongo_insert) at THREADS concurrent
# commands; MODE batch: unordered insert_many of INSERT_BATCH documents per command (server
# mongo-batch, the counterpart of pasted's creates); single: one insert per document
# (mongo-single, the limit before the group commit, for reference)
run_store() {
    local t=$1 mode=$2 note=${3:-} srv args=()
    case $mode in
        batch) srv=mongo-batch; args=(--batch "$INSERT_BATCH")
               note="insert_many of $INSERT_BATCH, unordered, w:1${note:+; $note}" ;;
        *)     srv=mongo-single ;;
    esac
    local log="$LOGS/$(printf '%02d' $((RUN_NO + 1)))-create-c$t-$srv.txt"
    if [ "$STORE_HUNG" = 1 ]; then
        FOREIGN=0
        : >"$log"
        record create "$t" "$srv" "$log" "" 0 "not run: the store stopped answering"
        return
    fi
    wait_quiet
    measure_start
    timeout -k 5 $((WARM + SECS + 120)) "$OUT/mongo_insert" "${args[@]}" "$MONGO_URI" "$t" "$SECS" "$WARM" \
        "$BENCH_BODY" >"$log" 2>>"$OUT/mongo_insert.log"
    measure_end   # includes the warm-up: mongo_insert does both in one process
    [ "$STORE_CPU" -ge 10 ] && note="${note:+$note; }store CPU $STORE_CPU%"
    record create "$t" "$srv" "$log" "" 0 "$note"
    sleep 1
}

pair() {   # pair SCENARIO CONNS PASTED_PATH NGINX_PATH SCRIPT: both, the order alternating
    local s=$1 c=$2 pp=$3 np=$4 script=$5
    if [ $(( (RUN_NO / 2) % 2 )) = 0 ]; then
        run_http "$s" "$c" pasted "$pp" "$script"
        run_http "$s" "$c" nginx "$np" "$script"
    else
        run_http "$s" "$c" nginx "$np" "$script"
        run_http "$s" "$c" pasted "$pp" "$script"
    fi
}

# The order: first what views one paste (the view flusher then writes one counter per
# flush), then the store's own limit and the creates, then what views thousands of
# distinct pastes (many counters per flush), the mix last. After every pasted run the store
# must still answer a count within 10 s; a store that stops answering is reported.
for c in $CONNS; do
    want raw-hot && pair raw-hot "$c" "/raw/$HOT" "/raw/$HOT" report.lua
done
for c in $CONNS; do
    want html-hot && pair html-hot "$c" "/$HOT" "/raw/$HOT" report.lua
done
for c in $CONNS; do
    want raw-256k && pair raw-256k "$c" "/raw/$BIG" "/raw/$BIG" report.lua
done
if want idle-10k && [ -z "$IDLE_SKIP" ]; then
    for c in $CONNS; do pair idle-10k "$c" "/raw/$HOT" "/raw/$HOT" report.lua; done
fi
if want create; then
    # pasted and the batched store limit interleaved (the order alternates), then the
    # single-insert figure for reference
    for c in $CONNS; do
        if [ $(( (RUN_NO / 3) % 2 )) = 0 ]; then
            run_create "$c" post.lua create; run_store "$c" batch
        else
            run_store "$c" batch; run_create "$c" post.lua create
        fi
        run_store "$c" single "reference: one insert per document"
    done
    run_store "$IN_FLIGHT" batch "$IN_FLIGHT in flight, as pasted's committers send them (insert_in_flight)"
    check_acked
fi
for c in $CONNS; do
    want raw-spread && pair raw-spread "$c" / / spread.lua
done
if want mix; then
    for c in $CONNS; do run_create "$c" mix.lua mix; done
fi

# the store at the end: view batches still in flight get 60 s to reach it (a round is paced
# over 45 s)
for i in $(seq 1 60); do
    [ -z "$(redis-cli -p "$REDIS_PORT" --scan --pattern 'pasted:flushing:*' 2>/dev/null)" ] && break
    sleep 1
done
store_probe
flush_lag
END_BAD=0
END_NOTE="the store answers and view counts reach it"
if [ "$STORE_HUNG" = 1 ]; then END_BAD=1; END_NOTE=$HUNG_NOTE; fi
if [ "$FLUSH_LAG" -gt "$FLUSH_LAG_MAX" ]; then
    END_BAD=1
    END_NOTE="VIEW COUNTS ARE NOT REACHING THE STORE: a batch has waited $FLUSH_LAG s (store: $([ "$STORE_HUNG" = 1 ] && echo 'not answering' || echo 'answers lookups'))"
fi

# ------------------------------------------------------------------ table
row_field() { local IFS='|'; local a; read -r -a a <<<"$1"; echo "${a[$2]}"; }
counterpart_rps() {   # counterpart_rps SCENARIO CONNS: nginx's (or the store's) req/s
    local r want_srv=nginx
    [ "$1" = create ] && want_srv=mongo-batch
    for r in "${ROWS[@]}"; do
        IFS='|' read -r s c srv _ _ rps _ <<<"$r"
        [ "$s" = "$1" ] && [ "$c" = "$2" ] && [ "$srv" = "$want_srv" ] && { echo "$rps"; return; }
    done
}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
CSV=$OUT/results.csv
MISSES=0
NOISY=0
{
    echo "scenario,conns,server,requests,seconds,req_per_s,p50_ms,p99_ms,errors,pasted_peak_rss_mib,ratio,ratio_vs,other_cpu_pct,target,verdict,notes"
} >"$CSV"
printf '\n'
printf '%-10s %5s  %-12s %9s %8s %8s %7s %8s %6s %6s  %s\n' scenario conns server req/s "p50 ms" "p99 ms" errors "RSS MiB" ratio "other" "targets of issue 5 [notes]"
printf '%s\n' "----------------------------------------------------------------------------------------------------------------"
for r in "${ROWS[@]}"; do
    IFS='|' read -r s c srv n secs rps p50 p99 errs rss foreign notes <<<"$r"
    ratio="" vs="" target="" verdict=""
    if [ "$srv" = pasted ]; then
        base=$(counterpart_rps "$s" "$c")
        if [ -n "$base" ] && [ "$base" != 0 ]; then
            ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
            case $s in create) vs="mongo-batch" ;; html-hot) vs="nginx raw static" ;; *) vs=nginx ;; esac
        fi
        miss=()
        goals=()
        case $s in
            raw-hot|raw-256k|idle-10k) goals+=("ratio>=0.8"); [ -n "$ratio" ] && awk -v r="$ratio" 'BEGIN { exit !(r < 0.8) }' && miss+=("ratio<0.8") ;;
            html-hot) goals+=("ratio>=0.6"); [ -n "$ratio" ] && awk -v r="$ratio" 'BEGIN { exit !(r < 0.6) }' && miss+=("ratio<0.6") ;;
            create) goals+=("ratio>=0.8 vs batched store"); [ -n "$ratio" ] && awk -v r="$ratio" 'BEGIN { exit !(r < 0.8) }' && miss+=("ratio<0.8")
                    [ -z "$ratio" ] && miss+=("no store limit measured")
                    if [ "$c" = 64 ]; then
                        goals+=(">=$((5 * CREATE_OLD))/s" "p99<=50ms")
                        awk -v r="$rps" -v m=$((5 * CREATE_OLD)) 'BEGIN { exit !(r < m) }' && miss+=("<$((5 * CREATE_OLD))/s")
                        awk -v p="$p99" 'BEGIN { exit !(p > 50) }' && miss+=("p99>50ms")
                    fi
                    goals+=("every ack stored")
                    notes="${notes:+$notes; }$ACK_NOTE"
                    [[ $ACK_NOTE == acked*ok ]] || miss+=("acks not verified") ;;
        esac
        case $s in
            raw-hot|raw-spread|html-hot|raw-256k|idle-10k)
                if [ "$c" = 64 ]; then
                    goals+=("p99<=10ms")
                    awk -v p="$p99" 'BEGIN { exit !(p > 10) }' && miss+=("p99>10ms")
                fi ;;
        esac
        if [ "$s" = idle-10k ]; then
            goals+=("RSS<=64MiB")
            [ -n "$rss" ] && awk -v m="$rss" 'BEGIN { exit !(m > 64) }' && miss+=("RSS>64MiB")
        fi
        goals+=("no errors")
        [ "$errs" != 0 ] && miss+=("errors")
        [[ $notes == *STOPPED* ]] && miss+=("store hung")
        [[ $notes == *"VIEWS LAG"* ]] && miss+=("views lag")
        [[ $notes == *ANOTHER* ]] && miss+=("port shared")
        target=$(IFS=' '; echo "${goals[*]}")
        if [ ${#miss[@]} = 0 ]; then verdict=ok; else verdict="MISS: ${miss[*]}"; MISSES=$((MISSES + 1)); fi
    fi
    shown_ratio=${ratio:+${ratio}x}
    [ "${foreign:-0}" -gt 5 ] && NOISY=$((NOISY + 1))
    printf '%-10s %5s  %-12s %9s %8s %8s %7s %8s %6s %5s%%  %s\n' "$s" "$c" "$srv" "$rps" "$p50" "$p99" "$errs" \
        "${rss:--}" "${shown_ratio:--}" "$foreign" "${verdict:+$verdict}${notes:+ [$notes]}"
    printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"%s","%s","%s"\n' "$s" "$c" "$srv" "$n" "$secs" "$rps" \
        "$p50" "$p99" "$errs" "$rss" "$ratio" "$vs" "$foreign" "$target" "$verdict" "$notes" >>"$CSV"
done
cp "$CSV" "$OUT/results-$STAMP.csv"
printf '\n'
say "pasted: $WORKERS workers, log_level warn (no per-request access log); nginx: $WORKERS workers, access_log off, open_file_cache; wrk -t$WRK_THREADS on the same $CORES cores"
say "${BENCH_SECONDS:-10}s measured after ${WARM}s warm-up per run; errors = socket errors + non-2xx answers (static GETs: wrk's count of status >= 400) + idle connections lost"
say "ratio = pasted req/s / nginx req/s (create: / mongo-batch, plain mongoc unordered insert_many of $INSERT_BATCH at the same concurrency, documents/s; html-hot: / nginx serving the raw file)"
say "create targets at 64 connections: >= $((5 * CREATE_OLD)) creates/s (5x the old $CREATE_OLD), >= 0.8x mongo-batch, p99 <= 50 ms; mongo-single = one insert per document (the old limit), for reference"
say "results: $CSV (copy: results-$STAMP.csv), raw outputs: build/bench/logs/"
say "other = CPU time of other processes on the machine during the measured run, % of all $CORES cores"
[ "$NOISY" -gt 0 ] && say "WARNING: $NOISY run(s) had more than 5% of the CPU taken by other processes: their numbers are low; rerun on a quiet machine"
if [ "$END_BAD" = 0 ]; then
    say "at the end: $END_NOTE"
else
    say "WARNING at the end: $END_NOTE"
    MISSES=$((MISSES + 1))
fi
say "$MISSES pasted row(s) miss a target"
[ "$STRICT" = 1 ] && [ "$MISSES" -gt 0 ] && exit 1
exit 0
