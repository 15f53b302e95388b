#!/usr/bin/env bash
# tests/bench/scale.sh - `make bench-scale`: what each operation of pasted costs as its store
# grows, at 10,000, 100,000 and BENCH_SCALE_N (1,000,000) stored pastes. Loopback only; every
# measurement bounded in time and in count.
#
#   1. The store: pasted's own database and collection (pasted/pastes) in a FerretDB kept on
#      disk under build/bench/scale/n<N>/ (ignored by git), filled by tests/bench/seed.c with
#      pastes pasted could have made (ids from pasted's own src/core/ids.c with the id_key of
#      tests/bench/pasted-scale.conf; sizes mostly 200 B - 4 KiB, a tail to 64 KiB, a few of
#      512 KiB; 60 % never expire, 30 % in 1 day - 1 month, 10 % already expired; 1 % burn,
#      5 % unlisted; the delete token of every one is seed.c's SEED_TOKEN). It grows in steps
#      (10,000, then 100,000, then N), measured at each; each size keeps its own copy
#      (n<N>/s<size>/: the size before, copied, then grown), so every later run measures each
#      size on a store of exactly that size. Markers (n<N>/SEEDED: seed version, N, key, seed
#      time; s<size>/SEEDED: pastes in it) say what is there: reused when N, the seed version
#      and the key match, else seeded anew; an interrupted seeding goes on where it stopped.
#   2. At each step: meta {_id: "counter"}.floor and Redis pasted:counter set to the size, the
#      future expiries listed in pasted:expiring (as pasted's creates list them), a fresh Redis
#      (its own stack under build/bench/scale/redis, new every run); pasted (build/pasted,
#      tests/bench/pasted-scale.conf) started as tests/bench/run.sh starts it. Then, each
#      after waiting (bounded) for a quiet machine and for the store to go idle:
#        start-up    restart pasted, time until GET /healthz is 200 (BENCH_SCALE_STARTS times)
#        hot read    GET /raw/<id> of one paste, wrk, BENCH_SCALE_CONNS connections, time-bound
#        cold read   GET /raw/<id>, each of BENCH_SCALE_COLD seeded ids once (not cached, not
#                    hot), BENCH_SCALE_STORE_CONNS connections (idreq.c)
#        delete, wrong token / right token: DELETE /<id>, BENCH_SCALE_DELETES distinct ids each
#        create      POST / of 1 KiB, BENCH_SCALE_CONNS connections, at most BENCH_SCALE_CREATES
#        sweep round 100 already-expired pastes put in pasted:expiring; time until the sweep
#                    took them out again (it does so once MongoDB deleted them), and FerretDB's
#                    CPU (BENCH_SCALE_SWEEPS rounds; sweep_interval is 1 s; at most 3x
#                    BENCH_SCALE_SECONDS each)
#        view flush  BENCH_SCALE_FLUSH counts of distinct pastes queued as pasted queues them
#                    (pasted:pending), pasted restarted with view_flush_ms 4000: time from the
#                    round's start (its batch key) to its end (the key deleted once MongoDB has
#                    every count), and FerretDB's CPU; at most 6x BENCH_SCALE_SECONDS
#        recovery    FLUSHALL on the bench's Redis, then one create: its time, and its number
#                    must be above the store size (BENCH_SCALE_RECOVERIES times); then the
#                    rebuild of pasted's expiry index that the loss started: time to done (or
#                    its rate, when not done within BENCH_SCALE_REBUILD_WAIT), FerretDB's share
#                    of a core meanwhile, and 20 cold reads during it
#   3. After each step what the measurements changed is put back (pastes created deleted,
#      pastes deleted or swept written again), so the next run finds the same store.
#   4. One table: operation x store size (p50, p99, req/s), CSV in build/bench/scale/results.csv,
#      raw outputs in build/bench/scale/logs/. Exit 1 when a request-path operation (create,
#      cold read, hot read, delete right/wrong token, recovery) costs more than 2x at N than at
#      10,000, by its p50 (and more than BENCH_SCALE_FLOOR_MS above it), or fails requests at N
#      that it did not fail at 10,000. p50, not p99: the question is whether an operation's own
#      cost grows with the store; on this shared 2-core machine a p99 moves several-fold from
#      run to run with the scheduler alone (see `make bench`), so a 2x rule on it would flag
#      noise, while a cost that grows with the store moves the p50 as much as the p99.
#
# Environment: BENCH_SCALE_N (1000000) BENCH_SCALE_STEPS ("10000 100000 N") BENCH_SCALE_SECONDS
#   (10: each measurement's time bound) BENCH_SCALE_CONNS (16) BENCH_SCALE_STORE_CONNS (4: pasted's
#   mongo_threads) BENCH_SCALE_COLD (1000) BENCH_SCALE_DELETES (300) BENCH_SCALE_CREATES (3000)
#   BENCH_SCALE_STARTS (3) BENCH_SCALE_SWEEPS (3) BENCH_SCALE_FLUSH (1000) BENCH_SCALE_RECOVERIES (3)
#   BENCH_SCALE_SETTLE (30 s: longest wait for an idle store; then FerretDB is restarted)
#   BENCH_SCALE_FLOOR_MS (1) BENCH_SCALE_SEED_THREADS (2) BENCH_SCALE_SEED_BATCH (500)
#   BENCH_SCALE_REBUILD_WAIT (180 s: how long the expiry index's rebuild is watched)
#   BENCH_QUIET_MAX (10 %) BENCH_QUIET_WAIT (20 s per measurement) BENCH_QUIET_TOTAL (300 s)
#   BENCH_KEEP_STACK (1: leave Redis + FerretDB running) PASTED_BIN (build/pasted)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
BENCH=$ROOT/tests/bench
OUT=$ROOT/build/bench/scale
LOGS=$OUT/logs
BIN=${PASTED_BIN:-$ROOT/build/pasted}
CONF=$BENCH/pasted-scale.conf
N=${BENCH_SCALE_N:-1000000}
SECS=${BENCH_SCALE_SECONDS:-10}
CONNS=${BENCH_SCALE_CONNS:-16}
SCONNS=${BENCH_SCALE_STORE_CONNS:-4}
COLD_N=${BENCH_SCALE_COLD:-1000}
DEL_N=${BENCH_SCALE_DELETES:-300}
CREATE_N=${BENCH_SCALE_CREATES:-3000}
STARTS=${BENCH_SCALE_STARTS:-3}
SWEEPS=${BENCH_SCALE_SWEEPS:-3}
FLUSH_N=${BENCH_SCALE_FLUSH:-1000}
RECOVERIES=${BENCH_SCALE_RECOVERIES:-3}
SETTLE_MAX=${BENCH_SCALE_SETTLE:-30}
FLOOR_MS=${BENCH_SCALE_FLOOR_MS:-1}
SEED_THREADS=${BENCH_SCALE_SEED_THREADS:-2}
REBUILD_WAIT=${BENCH_SCALE_REBUILD_WAIT:-180}
SEED_BATCH=${BENCH_SCALE_SEED_BATCH:-500}
CORES=$(getconf _NPROCESSORS_ONLN)
DB=pasted
COLL=pastes
STORE=$OUT/n$N            # FerretDB's files, one dir per size (kept), and the marker
RSTACK=$OUT/redis         # Redis (fresh every run)
SEED=$OUT/seed
IDREQ=$OUT/idreq

say() { printf 'scale: %s\n' "$*"; }
die() { printf 'scale: ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 10000 ] || die "BENCH_SCALE_N must be a number >= 10000"
STEPS=${BENCH_SCALE_STEPS:-10000 100000 $N}
steps=()
for s in $STEPS; do
    [[ $s =~ ^[0-9]+$ ]] || die "bad step '$s'"
    [ "$s" -le "$N" ] || continue
    [ ${#steps[@]} -gt 0 ] && [ "$s" -le "${steps[-1]}" ] && continue
    steps+=("$s")
done
[ "${steps[-1]}" = "$N" ] || steps+=("$N")
BASE=${steps[0]}

PASTED_PID=""
cleanup() {
    trap - EXIT INT TERM HUP
    stop_pasted
    if [ "${BENCH_KEEP_STACK:-0}" != 1 ]; then
        stop_store
        .tools/stack.sh stop "$RSTACK" >/dev/null 2>&1
    fi
}
trap cleanup EXIT
trap 'say "interrupted (the next run puts the store back first)"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

# ------------------------------------------------------------------ tools
need() { command -v "$1" >/dev/null; }
missing=()
need wrk || missing+=(wrk)
need curl || missing+=(curl)
need redis-cli || missing+=(redis-tools)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && need apt-get; then
        say "installing ${missing[*]} (Debian packages)"
        apt-get install -y "${missing[@]}" >/dev/null 2>&1 \
            || { apt-get update >/dev/null 2>&1 && apt-get install -y "${missing[@]}" >/dev/null 2>&1; } \
            || die "cannot install ${missing[*]}"
    else
        die "missing: ${missing[*]}"
    fi
fi
[ -x "$BIN" ] || die "$BIN not found (make build/pasted)"
pkg-config --exists libmongoc-1.0 libcrypto || die "libmongoc-1.0 / libcrypto development files missing (.tools/deps.sh)"
mkdir -p "$OUT" "$LOGS"
rm -f "$LOGS"/*
cc -std=c11 -O2 -Wall -Wextra -Isrc/core "$BENCH/seed.c" src/core/ids.c src/core/text.c \
    $(pkg-config --cflags --libs libmongoc-1.0 libcrypto) -lpthread -lm -o "$SEED" || die "cannot build seed"
cc -std=c11 -O2 -Wall -Wextra "$BENCH/idreq.c" -lpthread -o "$IDREQ" || die "cannot build idreq"
KEY=$(awk '$1 == "id_key" { print $2 }' "$CONF")
[[ $KEY =~ ^[0-9a-fA-F]{64}$ ]] || die "no id_key in $CONF"
SEED_VERSION=$(sed -n 's/^#define SEED_VERSION \([0-9]*\).*/\1/p' "$BENCH/seed.c")
TOKEN=$("$SEED" token)

read -r load1 load5 _ </proc/loadavg
say "machine: $CORES cores, load average $load1 (1 min) $load5 (5 min) before the start"
say "store sizes: ${steps[*]}; each measurement at most ${SECS}s (cold read and deletes $((2 * SECS))s)"

# ------------------------------------------------------------------ CPU accounting (as run.sh)
CLK_TCK=$(getconf CLK_TCK)
cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $9 }' /proc/stat; }
proc_cpu() {
    local t=0 p v
    for p in "$@"; do
        v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
children_cpu() {
    local a
    a=$(times | tail -n 1)
    awk -v s="$a" -v hz="$CLK_TCK" 'BEGIN {
        n = split(s, f, " "); t = 0
        for (i = 1; i <= n; i++) { split(f[i], m, "m"); sub("s", "", m[2]); t += m[1] * 60 + m[2] }
        printf "%d", t * hz }'
}
ferret_pid() { cat "$CUR/ferretdb.pid" 2>/dev/null; }
redis_pid() { cat "$RSTACK/redis.pid" 2>/dev/null; }
our_pids() { echo "$PASTED_PID"; ferret_pid; redis_pid; }
measure_start() {
    M_T0=$(date +%s.%N); M_BUSY0=$(cpu_busy); M_OURS0=$(( $(proc_cpu $(our_pids)) + $(children_cpu) ))
    M_FERRET0=$(proc_cpu "$(ferret_pid)")
}
measure_end() {   # FOREIGN: % of all cores used by other processes; FERRET_S: FerretDB CPU seconds
    local t1 busy1 ours1 f1
    t1=$(date +%s.%N); busy1=$(cpu_busy); ours1=$(( $(proc_cpu $(our_pids)) + $(children_cpu) ))
    f1=$(proc_cpu "$(ferret_pid)")
    FERRET_S=$(awk -v d=$((f1 - M_FERRET0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", d / hz }')
    FOREIGN=$(awk -v b=$((busy1 - M_BUSY0)) -v o=$((ours1 - M_OURS0)) -v t0="$M_T0" -v t1="$t1" \
        -v hz="$CLK_TCK" -v n="$CORES" 'BEGIN { f = (b - o) / ((t1 - t0) * hz * n) * 100; if (f < 0) f = 0; printf "%.0f", f }')
}
QUIET_WAIT=${BENCH_QUIET_WAIT:-20}
QUIET_TOTAL=${BENCH_QUIET_TOTAL:-300}
QUIET_MAX=${BENCH_QUIET_MAX:-10}
QUIET_SPENT=0
wait_quiet() {
    local waited=0
    while [ "$QUIET_SPENT" -lt "$QUIET_TOTAL" ]; do
        measure_start; sleep 1; measure_end
        [ "$FOREIGN" -le "$QUIET_MAX" ] && break
        [ "$waited" = 0 ] && say "    waiting for a quiet machine ($FOREIGN% of the CPU used by other processes)"
        waited=$((waited + 1)); QUIET_SPENT=$((QUIET_SPENT + 1))
        if [ "$waited" -ge "$QUIET_WAIT" ]; then say "    still $FOREIGN% after ${waited}s; measuring anyway"; break; fi
    done
    return 0
}

# ------------------------------------------------------------------ services
rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

start_redis() {
    .tools/stack.sh stop "$RSTACK" >/dev/null 2>&1
    rm -rf "$RSTACK"
    .tools/stack.sh start "$RSTACK" redis >>"$OUT/stack.log" 2>&1 || { cat "$OUT/stack.log"; die "Redis did not start"; }
    REDIS_URL=$(. "$RSTACK/env"; echo "$REDIS_URL")
    export REDIS_URL
    REDIS_PORT=${REDIS_URL##*:}
}

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
stop_pasted() {
    local pid=$PASTED_PID i
    [ -n "$pid" ] || return 0
    PASTED_PID=""
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { say "    pasted ignored SIGTERM for 15 s; killed"; kill -KILL "$pid" 2>/dev/null; }
    wait "$pid" 2>/dev/null
    return 0
}
# start_pasted [ENV=VALUE...]: START_MS = ms from exec to the first 200 of /healthz
start_pasted() {
    local attempt i code t0
    for attempt in 1 2 3; do
        PASTED_PORT=$(free_port) || die "no free port"
        t0=$(now_ms)
        env "$@" PORT="$PASTED_PORT" "$BIN" -c "$CONF" >>"$OUT/pasted.log" 2>&1 </dev/null &
        PASTED_PID=$!
        for i in $(seq 1 3000); do
            kill -0 "$PASTED_PID" 2>/dev/null || break
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PASTED_PORT/healthz")
            if [ "$code" = 200 ]; then START_MS=$(( $(now_ms) - t0 )); return 0; fi
            sleep 0.02
        done
        stop_pasted
        tail -n 20 "$OUT/pasted.log" | grep -qi 'address already in use' && continue
        tail -n 30 "$OUT/pasted.log" >&2
        die "pasted did not answer GET /healthz within 60 s (log $OUT/pasted.log)"
    done
    die "pasted: no free port after 3 attempts"
}
# pasted_metric NAME: the value of pasted_NAME in GET /metrics (0 when absent)
pasted_metric() {
    curl -s --max-time 5 "http://127.0.0.1:$PASTED_PORT/metrics" | awk -v n="pasted_$1" '$1 == n { v = $2 } END { print v + 0 }'
}
pasted_alive() {
    kill -0 "$PASTED_PID" 2>/dev/null && return 0
    tail -n 30 "$OUT/pasted.log" >&2
    die "pasted died (log $OUT/pasted.log)"
}

# settle: wait (at most SETTLE_MAX s) until FerretDB uses less than 10 % of a core over a
# second; SETTLED_S = seconds waited, SETTLE_CPU = FerretDB CPU seconds meanwhile. A store
# still busy then is restarted (and pasted with it): the next measurement must not pay for
# the last one's leftovers. Returns 1 then.
settle() {
    local t0 f0 a b pid was=$PASTED_PID
    t0=$(now_ms); pid=$(ferret_pid); f0=$(proc_cpu "$pid")
    while :; do
        a=$(proc_cpu "$pid"); sleep 1; b=$(proc_cpu "$pid")
        [ $(( (b - a) * 100 )) -lt $((CLK_TCK * 10)) ] && break
        if [ $(( $(now_ms) - t0 )) -ge $((SETTLE_MAX * 1000)) ]; then
            SETTLED_S=$(secs_since "$t0")
            SETTLE_CPU=$(awk -v d=$(( $(proc_cpu "$pid") - f0 )) -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", d / hz }')
            say "    the store is still busy after ${SETTLED_S}s (FerretDB ${SETTLE_CPU}s of CPU): restarting FerretDB and pasted"
            restart_store
            [ -n "$was" ] && start_pasted
            return 1
        fi
    done
    SETTLED_S=$(secs_since "$t0")
    SETTLE_CPU=$(awk -v d=$(( $(proc_cpu "$pid") - f0 )) -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", d / hz }')
    return 0
}

# ------------------------------------------------------------------ the store
# One FerretDB state dir per size, $STORE/s<size> (a copy of the size before it, grown): every
# size is measured on a store of exactly that many pastes, in this run and in the next ones.
# $STORE/SEEDED: the recipe (seed version, N, key, seed time); s<size>/SEEDED: pastes in it.
MARK=$STORE/SEEDED
SEED_T=0
CUR=""                    # the size dir FerretDB runs on
if [ -f "$MARK" ] && grep -q "^version=$SEED_VERSION n=$N key=$KEY " "$MARK"; then
    SEED_T=$(sed -n 's/.* time=\([0-9]*\).*/\1/p' "$MARK")
    say "reusing the seeded stores under $STORE (seed version $SEED_VERSION, seeded $(date -u -d "@$((SEED_T / 1000))" '+%F %H:%M UTC'), $(du -sh "$STORE" | cut -f1) on disk):$(for d in "$STORE"/s*/SEEDED; do [ -f "$d" ] && printf ' %s' "$(cat "$d")"; done)"
    age_days=$(( ($(now_ms) - SEED_T) / 86400000 ))
    [ "$age_days" -ge 1 ] && say "note: seeded $age_days day(s) ago: some of the 1 d - 1 month expiries have passed since"
else
    [ -f "$MARK" ] && say "the store under $STORE was seeded otherwise ($(cat "$MARK")): seeding anew"
    for d in "$STORE"/s*; do [ -d "$d" ] && .tools/stack.sh stop "$d" >/dev/null 2>&1; done
    rm -rf "$STORE"
    mkdir -p "$STORE"
    SEED_T=$(now_ms)
    echo "version=$SEED_VERSION n=$N key=$KEY time=$SEED_T" >"$MARK"
fi
seeded_in() { local v; v=$(sed -n 's/^seeded=\([0-9]*\)$/\1/p' "$STORE/s$1/SEEDED" 2>/dev/null); echo "${v:-0}"; }

start_store() {   # FerretDB on $CUR's kept files
    .tools/stack.sh start "$CUR" ferretdb >"$OUT/stack.log" 2>&1 || { cat "$OUT/stack.log"; die "FerretDB did not start"; }
    # shellcheck disable=SC1091
    MONGO_URI=$(. "$CUR/env"; echo "$MONGO_URI")
    export MONGO_URI
}
stop_store() { [ -n "$CUR" ] && .tools/stack.sh stop "$CUR" >/dev/null 2>&1; return 0; }
restart_store() { stop_pasted; stop_store; start_store; }

say "Redis: $RSTACK (fresh); FerretDB: one kept state dir per size under $STORE"
start_redis
: >"$OUT/pasted.log"

# What a step changed in the store, put back (also after an interrupted run: DIRTY says so):
# pastes the bench created (num above the seeded count) deleted; seeded pastes the bench
# deleted (listed in DELETED), and the already-expired ones the sweep deleted, written again.
restore() {
    local upto=$1 t0 out DIRTY=$CUR/DIRTY DELETED=$CUR/DELETED
    t0=$(now_ms)
    out=$(timeout -k 5 1800 "$SEED" clean "$MONGO_URI" "$DB" "$COLL" "$upto" 2>>"$LOGS/seed.log") \
        || die "cannot delete the pastes the bench created (log $LOGS/seed.log)"
    local cleaned=${out#CLEAN deleted=}
    out=$(timeout -k 5 3600 "$SEED" refill "$MONGO_URI" "$DB" "$COLL" "$KEY" "$SEED_T" 1 "$upto" expired 2>>"$LOGS/seed.log") \
        || die "cannot write the expired pastes again (log $LOGS/seed.log)"
    local back=$(sed -n 's/.*inserted=\([0-9]*\).*/\1/p' <<<"$out")
    if [ -s "$DELETED" ]; then
        out=$(timeout -k 5 600 "$SEED" refill "$MONGO_URI" "$DB" "$COLL" "$KEY" "$SEED_T" 1 "$upto" "$DELETED" 2>>"$LOGS/seed.log") \
            || die "cannot write the deleted pastes again (log $LOGS/seed.log)"
        back=$((back + $(sed -n 's/.*inserted=\([0-9]*\).*/\1/p' <<<"$out")))
    fi
    rm -f "$DELETED" "$DIRTY"
    say "  store put back in $(secs_since "$t0")s: $cleaned created pastes deleted, $back seeded pastes written again"
}

# open_size SIZE: FerretDB on the store of SIZE pastes, made (copied from the size before,
# then grown) or put back first when needed. PREV: the size before (0: none).
PREV=0
open_size() {
    local size=$1 have
    stop_pasted
    stop_store
    CUR=$STORE/s$size
    have=$(seeded_in "$size")
    if [ ! -d "$CUR/ferretdb" ] && [ "$PREV" -gt 0 ] && [ "$(seeded_in "$PREV")" = "$PREV" ]; then
        say "copying the store of $PREV pastes to grow it to $size"
        mkdir -p "$CUR"
        cp -a "$STORE/s$PREV/ferretdb" "$CUR/ferretdb" || die "cannot copy $STORE/s$PREV/ferretdb"
        have=$PREV
        echo "seeded=$have" >"$CUR/SEEDED"
    fi
    mkdir -p "$CUR"
    start_store
    if [ -f "$CUR/DIRTY" ]; then
        say "the last run stopped in the middle of measuring $size: putting that store back first"
        restore "$have"
    fi
    grow "$size" "$have"
    PREV=$size
}

grow() {   # grow SIZE HAVE: seed HAVE+1..SIZE into $CUR
    local size=$1 have=$2 t0 out ins secs before after
    [ "$have" -ge "$size" ] && return 0
    before=$(du -sk "$CUR/ferretdb" | cut -f1)
    say "seeding pastes $((have + 1))..$size (insert_many of $SEED_BATCH, $SEED_THREADS threads; progress every 5 s)"
    t0=$(now_ms)
    "$SEED" fill "$MONGO_URI" "$DB" "$COLL" "$KEY" "$SEED_T" $((have + 1)) "$size" "$SEED_THREADS" "$SEED_BATCH" \
        >"$LOGS/seed-$size.txt" 2> >(tee -a "$LOGS/seed.log" | sed 's/^seed: /scale: /' >&2) \
        || die "seeding failed (log $LOGS/seed.log)"
    out=$(grep '^SEED ' "$LOGS/seed-$size.txt")
    ins=$(sed -n 's/.*inserted=\([0-9]*\).*/\1/p' <<<"$out")
    secs=$(secs_since "$t0")
    echo "seeded=$size" >"$CUR/SEEDED"
    after=$(du -sk "$CUR/ferretdb" | cut -f1)
    local line="$ins pastes in ${secs}s ($(awk -v n="$ins" -v s="$secs" 'BEGIN { printf "%.0f", n / s }') pastes/s, $(awk -v n="$ins" -v s="$secs" 'BEGIN { printf "%.0f", s / n * 100000 }') s per 100k); store of $size now $(du -sh "$CUR/ferretdb" | cut -f1) on disk ($(awk -v a="$before" -v b="$after" -v n="$ins" 'BEGIN { printf "%.0f", (b - a) / 1024 / n * 100000 }') MiB per 100k pastes added)"
    say "seeded $line"
    SEED_LINES+=("$size: $line")
}

# ------------------------------------------------------------------ results
# RES[op|size] = "p50_ms|p99_ms|rate|errors|other_pct|note" (an empty value is "-")
declare -A RES
OPS=(create cold-read hot-read delete-right delete-wrong recovery start-up sweep-round view-flush index-rebuild)
declare -A OPNAME=([create]="create 1 KiB" [cold-read]="cold raw read" [hot-read]="hot raw read"
    [delete-right]="delete, right token" [delete-wrong]="delete, wrong token" [recovery]="recovery: 1st create"
    [start-up]="start-up to healthy" [sweep-round]="sweep round (100)" [view-flush]="view flush round"
    [index-rebuild]="expiry index rebuild")
REQUEST_PATH="create cold-read hot-read delete-right delete-wrong recovery"
SEED_LINES=()

put() {   # put OP SIZE P50_MS P99_MS RATE ERRORS NOTE
    RES["$1|$2"]="${3:--}|${4:--}|${5:--}|${6:--}|${FOREIGN:-0}|$7"
    printf 'scale:   %-24s %9s  p50 %9s ms  p99 %9s ms  %9s/s  errors %s  other CPU %s%%%s\n' "${OPNAME[$1]}" "$2" "$3" "$4" \
        "$5" "$6" "${FOREIGN:-0}" "${7:+  ($7)}"
    printf '%s,%s,%s,%s,%s,%s,%s,"%s"\n' "$1" "$2" "$3" "$4" "$5" "$6" "${FOREIGN:-0}" "$7" >>"$CSV"
}
# stats of a list of millisecond samples: "p50 max"
sample_stats() { tr ' ' '\n' <<<"$*" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "- -"; exit }
    printf "%s %s\n", v[int((NR - 1) * 0.5) + 1], v[NR] }'; }
ms() { awk -v x="$1" 'BEGIN { printf "%.2f", x / 1000 }'; }
# from a BENCH line (idreq or wrk/report.lua): put OP SIZE
put_bench() {
    local op=$1 size=$2 log=$3 note=${4:-} line kv
    declare -A B=()
    line=$(grep -a '^BENCH ' "$log" | tail -n 1)
    if [ -z "$line" ]; then put "$op" "$size" - - - - "no result, see ${log#"$ROOT"/}"; return; fi
    for kv in ${line#BENCH }; do B[${kv%%=*}]=${kv#*=}; done
    local errs=$(( ${B[unexpected]:-0} + ${B[errors]:-0} + ${B[timeout]:-0} + ${B[connect]:-0} + ${B[read]:-0} + ${B[write]:-0} + ${B[status]:-0} ))
    [ "${B[non2xx]:--1}" -gt 0 ] && errs=$((errs + B[non2xx]))
    local rate=$(awk -v n="${B[requests]}" -v d="${B[duration_us]}" 'BEGIN { printf "%.0f", (d > 0 ? n * 1e6 / d : 0) }')
    if [ "${B[requests]}" = 0 ]; then
        put "$op" "$size" - - 0 "$errs" "no answer within the bound${note:+; $note}"
    else
        put "$op" "$size" "$(ms "${B[p50_us]}")" "$(ms "${B[p99_us]}")" "$rate" "$errs" "${B[requests]} requests${note:+; $note}"
    fi
}

# ------------------------------------------------------------------ one step
step() {
    local size=$1 W=$OUT/lists/$size i t0 out id num samples note log
    rm -rf "$W"; mkdir -p "$W"
    say "== $size stored pastes =="
    local DIRTY=$CUR/DIRTY DELETED=$CUR/DELETED
    touch "$DIRTY"
    "$SEED" floor "$MONGO_URI" "$DB" "$size" 2>>"$LOGS/seed.log" || die "cannot set the counter floor"
    rcli FLUSHALL >/dev/null
    rcli SET pasted:counter "$size" >/dev/null
    "$SEED" expiring "$KEY" "$SEED_T" 1 "$size" | rcli --pipe >"$LOGS/expiring-$size.txt" 2>&1 \
        || die "cannot list the expiries in Redis"
    say "  Redis: pasted:counter $size, $(rcli ZCARD pasted:expiring) future expiries in pasted:expiring"
    local sweep_n=$((SWEEPS * 100))
    "$SEED" pick "$KEY" "$SEED_T" 1 "$size" "$size" "$W" hot:live:1 cold:live:"$COLD_N" wrong:live:"$DEL_N" \
        del:live:"$DEL_N" flush:live:"$FLUSH_N" sweep:expired:"$sweep_n" || die "cannot pick the pastes to use"
    local HOT
    HOT=$(cut -d' ' -f2 "$W/hot")

    # start-up: STARTS starts, the last one stays up
    samples=""
    for i in $(seq 1 "$STARTS"); do
        stop_pasted
        wait_quiet; settle
        measure_start; start_pasted; measure_end
        samples+=" $START_MS"
    done
    read -r p50 pmax <<<"$(sample_stats $samples)"
    put start-up "$size" "$p50" "$pmax" - 0 "max of $STARTS starts in the p99 column:$samples ms"
    pasted_alive

    # the seeded documents are what pasted serves: the hot paste answers with a body and a
    # (keyed: not checkable here) ETag, and the seed's own record of its size
    local etag size_served
    etag=$(curl -s -D - -o "$W/hot.body" --max-time 30 "http://127.0.0.1:$PASTED_PORT/raw/$HOT" | tr -d '\r' \
           | sed -n 's/^[Ee][Tt][Aa][Gg]: *"\{0,1\}\([0-9a-f]*\)"\{0,1\}.*/\1/p')
    size_served=$(stat -c %s "$W/hot.body")
    [ -n "$etag" ] && [ "$size_served" -gt 0 ] \
        || die "GET /raw/$HOT: no body or no ETag (size $size_served, ETag '$etag')"

    # hot read (wrk), after a 1 s warm-up that also makes it hot
    wait_quiet; settle
    log=$LOGS/$size-hot-read.txt
    timeout -k 5 $((SECS + 30)) wrk -t2 -c"$CONNS" -d1s --timeout 5s -s "$BENCH/report.lua" \
        "http://127.0.0.1:$PASTED_PORT/raw/$HOT" >"$log.warmup" 2>&1
    measure_start
    timeout -k 5 $((SECS + 30)) wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 5s -s "$BENCH/report.lua" \
        "http://127.0.0.1:$PASTED_PORT/raw/$HOT" >"$log" 2>&1
    measure_end
    put_bench hot-read "$size" "$log" "$CONNS conns"
    sleep 1.2; rcli DEL pasted:pending >/dev/null   # its view counts: not written (see view flush)

    # cold read: every id once
    wait_quiet; settle
    log=$LOGS/$size-cold-read.txt
    measure_start
    "$IDREQ" "$PASTED_PORT" "$SCONNS" $((2 * SECS)) 200 GET /raw/ "$W/cold" >"$log" 2>&1
    measure_end
    put_bench cold-read "$size" "$log" "$SCONNS conns, FerretDB ${FERRET_S}s CPU"
    sleep 1.2; rcli DEL pasted:pending >/dev/null
    pasted_alive

    # delete with a wrong token (nothing deleted), then with the right one
    wait_quiet; settle
    log=$LOGS/$size-delete-wrong.txt
    measure_start
    "$IDREQ" "$PASTED_PORT" "$SCONNS" $((2 * SECS)) 403 DELETE / "$W/wrong" "X-Delete-Token: WrongToken0000000000000000000000" >"$log" 2>&1
    measure_end
    put_bench delete-wrong "$size" "$log" "$SCONNS conns, 403 expected"
    wait_quiet; settle
    cut -d' ' -f1 "$W/del" >>"$DELETED"
    log=$LOGS/$size-delete-right.txt
    measure_start
    "$IDREQ" "$PASTED_PORT" "$SCONNS" $((2 * SECS)) 204 DELETE / "$W/del" "X-Delete-Token: $TOKEN" >"$log" 2>&1
    measure_end
    put_bench delete-right "$size" "$log" "$SCONNS conns, 204 expected"
    pasted_alive

    # create
    wait_quiet; settle
    head -c 1200 /dev/urandom | base64 -w 63 | head -c 1024 >"$W/body"
    log=$LOGS/$size-create.txt
    local c0 c1
    c0=$(rcli GET pasted:counter)
    measure_start
    "$IDREQ" "$PASTED_PORT" "$CONNS" "$SECS" 201 POST / - - "$W/body" "$CREATE_N" >"$log" 2>&1
    measure_end
    c1=$(rcli GET pasted:counter)
    put_bench create "$size" "$log" "$CONNS conns, at most $CREATE_N; numbers $((c0 + 1))..$c1"
    pasted_alive

    # sweep rounds: 100 already-expired pastes listed as due, each round
    local r
    samples=""; local cpus="" undone=0
    for r in $(seq 1 "$SWEEPS"); do
        wait_quiet; settle
        sed -n "$(( (r - 1) * 100 + 1 )),$(( r * 100 ))p" "$W/sweep" >"$W/sweep.$r"
        cut -d' ' -f1 "$W/sweep.$r" >>"$DELETED"
        # what an unfinished round left due is not this round's work
        rcli ZREMRANGEBYSCORE pasted:expiring -inf "$(now_ms)" >/dev/null
        measure_start
        t0=$(now_ms)
        awk '{ printf "%s %s ", $3, $2 }' "$W/sweep.$r" | xargs redis-cli -p "$REDIS_PORT" ZADD pasted:expiring >/dev/null
        while [ "$(rcli ZCOUNT pasted:expiring -inf "$(now_ms)")" != 0 ]; do
            [ $(( $(now_ms) - t0 )) -ge $((SECS * 3000)) ] && break
            sleep 0.05
        done
        local left
        left=$(rcli ZCOUNT pasted:expiring -inf "$(now_ms)")
        measure_end
        [ "$left" != 0 ] && undone=$((undone + left))
        samples+=" $(( $(now_ms) - t0 ))"; cpus+=" $FERRET_S"
    done
    read -r p50 pmax <<<"$(sample_stats $samples)"
    note="max of $SWEEPS rounds in the p99 column; from ZADD to ZREM, sweep_interval 1 s; FerretDB CPU per round:$cpus s"
    [ "$undone" -gt 0 ] && note="$undone ids still due after $((SECS * 3))s; $note"
    put sweep-round "$size" "$p50" "$pmax" "$(awk -v m="$p50" 'BEGIN { printf "%.0f", (m > 0 ? 100000 / m : 0) }')" "$undone" "$note"

    # view flush: FLUSH_N counts of distinct pastes queued, a round with view_flush_ms 4000
    wait_quiet; settle
    stop_pasted
    rcli DEL pasted:pending >/dev/null
    for k in $(rcli --scan --pattern 'pasted:flushing:*'); do rcli DEL "$k" >/dev/null; done
    local day
    day=$(date -u +%F)
    awk -v d="$day" '{ printf "HINCRBY pasted:pending %s|%s 1\n", $2, d }' "$W/flush" | rcli >/dev/null
    measure_start
    start_pasted PASTED_VIEW_FLUSH_MS=4000
    t0=$(now_ms)
    local batch="" born=0 done_ms=0
    while [ $(( $(now_ms) - t0 )) -lt 15000 ]; do
        batch=$(rcli --scan --pattern 'pasted:flushing:*' | head -n 1)
        [ -n "$batch" ] && break
        sleep 0.05
    done
    if [ -n "$batch" ]; then
        born=$(cut -d: -f3 <<<"$batch")
        while [ $(( $(now_ms) - t0 )) -lt $((SECS * 6000)) ]; do
            [ "$(rcli EXISTS "$batch")" = 0 ] && { done_ms=$(now_ms); break; }
            sleep 0.05
        done
    fi
    measure_end
    if [ "$done_ms" -gt 0 ]; then
        local took=$((done_ms - born))
        put view-flush "$size" "$took" "$took" "$(awk -v n="$FLUSH_N" -v m="$took" 'BEGIN { printf "%.0f", n * 1000 / m }')" 0 \
            "$FLUSH_N counts, round start to end (paced over 3 s by view_flush_ms 4000); FerretDB ${FERRET_S}s CPU"
    else
        local leftc=0
        [ -n "$batch" ] && leftc=$(rcli HLEN "$batch")
        put view-flush "$size" - - "$(awk -v n=$((FLUSH_N - leftc)) -v s=$((SECS * 6)) 'BEGIN { printf "%.0f", n / s }')" "$leftc" \
            "NOT DONE in $((SECS * 6))s: $leftc of $FLUSH_N counts not in MongoDB; FerretDB ${FERRET_S}s CPU"
    fi
    stop_pasted
    for k in $(rcli --scan --pattern 'pasted:flushing:*'); do rcli DEL "$k" >/dev/null; done
    rcli DEL pasted:pending >/dev/null
    settle
    start_pasted

    # recovery: Redis loses everything; the next create must get a number above the store's
    samples=""; note=""; local errs=0 busy="" busycpu=""
    for r in $(seq 1 "$RECOVERIES"); do
        wait_quiet; settle
        measure_start
        rcli FLUSHALL >/dev/null
        out=$(curl -s -o "$W/recovery.out" -w '%{http_code} %{time_total}' --max-time 60 -H 'Content-Type: text/plain' \
              --data-binary "@$W/body" "http://127.0.0.1:$PASTED_PORT/")
        measure_end
        read -r code secs_taken <<<"$out"
        id=$(sed -n 's|.*/\([0-9A-Za-z]\{7,11\}\)$|\1|p' "$W/recovery.out" | head -n 1)
        num=$([ -n "$id" ] && "$SEED" num "$KEY" "$id")
        if [ "$code" != 201 ] || [ -z "$num" ] || [ "$num" -le "$size" ]; then
            errs=$((errs + 1))
            note="${note:+$note; }round $r: status $code, number ${num:-?} (must be > $size)"
        fi
        samples+=" $(awk -v s="$secs_taken" 'BEGIN { printf "%.1f", s * 1000 }')"
    done
    read -r p50 pmax <<<"$(sample_stats $samples)"
    put recovery "$size" "$p50" "$pmax" - "$errs" "max of $RECOVERIES in the p99 column; numbers above $size: $([ "$errs" = 0 ] && echo yes || echo NO)${note:+; $note}"
    # after the last loss, pasted rebuilds its expiry index from the store at a bounded share of
    # the store's time (src/store/expiry.c); each loss started it over. Until /metrics counts it
    # done, or REBUILD_WAIT s: how many it indexed, at what rate, FerretDB's share of a core
    # meanwhile, and cold reads (20 pastes nobody read yet) while it runs
    local rebuilds0 t0 f0 waited cpu indexed cold_ms=""
    rebuilds0=$(pasted_metric expiry_index_rebuilds_total)
    t0=$(now_ms); f0=$(proc_cpu "$(ferret_pid)")
    sleep 2
    while read -r _ id _; do
        cold_ms+=" $(curl -s -o /dev/null -w '%{time_total}' --max-time 10 "http://127.0.0.1:$PASTED_PORT/raw/$id" | awk '{ printf "%.1f", $1 * 1000 }')"
    done < <(head -n 20 "$W/wrong")
    while [ "$(pasted_metric expiry_index_rebuilds_total)" -le "$rebuilds0" ] \
          && [ $(( $(now_ms) - t0 )) -lt $(( REBUILD_WAIT * 1000 )) ]; do
        sleep 1
    done
    waited=$(( $(now_ms) - t0 ))
    cpu=$(awk -v d=$(( $(proc_cpu "$(ferret_pid)") - f0 )) -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", d / hz }')
    indexed=$(pasted_metric expiry_index_rebuilt_pastes)
    read -r p50 pmax <<<"$(sample_stats $cold_ms)"
    local share rate
    share=$(awk -v c="$cpu" -v w="$waited" 'BEGIN { printf "%.0f", c * 100000 / w }')
    rate=$(awk -v n="$indexed" -v w="$waited" 'BEGIN { printf "%.0f", n * 1000 / w }')
    if [ "$(pasted_metric expiry_index_rebuilds_total)" -gt "$rebuilds0" ]; then
        put index-rebuild "$size" "$waited" "$waited" - 0 \
            "done: $indexed pastes that expire indexed; FerretDB at $share% of a core; cold reads during it p50 $p50 ms, max $pmax ms"
    else
        put index-rebuild "$size" - - "$rate" 0 \
            "under way after ${REBUILD_WAIT}s: $indexed indexed ($rate/s); FerretDB at $share% of a core; cold reads during it p50 $p50 ms, max $pmax ms"
    fi

    stop_pasted
    restore "$size"
}

# ------------------------------------------------------------------ run
CSV=$OUT/results.csv
echo "operation,size,p50_ms,p99_ms,per_s,errors,other_cpu_pct,notes" >"$CSV"
RUN_T0=$(now_ms)
for size in "${steps[@]}"; do
    open_size "$size"
    step "$size"
done

# ------------------------------------------------------------------ table
fmt_size() { local s=$1 r=""; while [ ${#s} -gt 3 ]; do r=",${s: -3}$r"; s=${s:0:${#s}-3}; done; echo "$s$r"; }
printf '\n'
hdr=$(printf '%-26s' "operation")
for size in "${steps[@]}"; do hdr+=$(printf ' | %-30s' "$(fmt_size "$size"): p50 / p99 ms, /s"); done
hdr+=" | N vs $(fmt_size "$BASE") (p50)"
echo "$hdr"
printf '%s\n' "$(printf '%*s' ${#hdr} '' | tr ' ' -)"
FAILS=0
VERDICTS=()
for op in "${OPS[@]}"; do
    line=$(printf '%-26s' "${OPNAME[$op]}")
    for size in "${steps[@]}"; do
        IFS='|' read -r a b c _ <<<"${RES[$op|$size]:--|-|-|-}"
        line+=$(printf ' | %-30s' "$a / $b, $c")
    done
    IFS='|' read -r a0 _ _ e0 _ <<<"${RES[$op|$BASE]:--|-|-|-}"
    IFS='|' read -r aN _ _ eN _ <<<"${RES[$op|$N]:--|-|-|-}"
    verdict=""
    if [[ " $REQUEST_PATH " == *" $op "* ]]; then
        if [ "$aN" = - ] || [ "$a0" = - ]; then
            verdict="FAIL: no p50 at $([ "$aN" = - ] && echo N || echo "$BASE")"
        else
            ratio=$(awk -v a="$aN" -v b="$a0" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
            verdict="${ratio}x"
            if awk -v a="$aN" -v b="$a0" -v f="$FLOOR_MS" 'BEGIN { exit !(a > 2 * b && a - b > f) }'; then
                verdict="FAIL: ${ratio}x"
            fi
        fi
        if [ "${eN:-0}" != - ] && [ "${eN:-0}" -gt 0 ] && [ "${e0:-0}" = 0 ]; then
            verdict="${verdict:+$verdict; }FAIL: $eN failed at N"
        fi
        [[ $verdict == *FAIL* ]] && FAILS=$((FAILS + 1))
    else
        verdict="(not gated)"
        [ "$aN" != - ] && [ "$a0" != - ] && verdict="$(awk -v a="$aN" -v b="$a0" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')x (not gated)"
    fi
    echo "$line | $verdict"
done
printf '\n'
say "notes per row (errors, other CPU %, details) in $CSV; raw outputs in ${LOGS#"$ROOT"/}/"
for op in "${OPS[@]}"; do
    for size in "${steps[@]}"; do
        IFS='|' read -r _ _ _ e f note <<<"${RES[$op|$size]:--|-|-|-|-|}"
        [ "${e:-0}" != 0 ] && [ "${e:-0}" != - ] && say "  $op at $size: $e failed/unexpected; $note"
        [ "${f:-0}" != - ] && [ "${f:-0}" -gt 5 ] && NOISY=1
    done
done
say "p99 column of start-up, sweep, recovery and store-busy rows: the largest sample (a few samples each); /s of a sweep round: pastes deleted per second; of the view flush: counts per second"
say "gate: a request-path operation fails when its p50 at N is more than 2x its p50 at $(fmt_size "$BASE") and more than ${FLOOR_MS} ms above it, or when it fails requests at N and did not at $(fmt_size "$BASE")"
read -r load1 load5 _ </proc/loadavg
say "load average at the end $load1 (1 min) $load5 (5 min); ${NOISY:+some measurements had more than 5 % of the CPU taken by other processes (column other in the CSV): their numbers are high; }whole run $(secs_since "$RUN_T0")s"
for l in "${SEED_LINES[@]}"; do say "seeded $l"; done
say "stores on disk: $(for sz in "${steps[@]}"; do printf '%s pastes %s; ' "$(fmt_size "$sz")" "$(du -sh "$STORE/s$sz/ferretdb" 2>/dev/null | cut -f1)"; done)all under $STORE ($(du -sh "$STORE" | cut -f1))"
if [ "$FAILS" -gt 0 ]; then
    say "$FAILS request-path operation(s) cost more than 2x at $(fmt_size "$N") than at $(fmt_size "$BASE")"
    exit 1
fi
say "every request-path operation costs at most 2x at $(fmt_size "$N") what it costs at $(fmt_size "$BASE")"
exit 0
