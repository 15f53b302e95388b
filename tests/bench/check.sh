#!/usr/bin/env bash
# tests/bench/check.sh - `make bench-check`: instructions per hot raw fetch, counted by
# callgrind (deterministic, unlike timings: other load on the machine does not change it),
# compared with the committed baseline tests/bench/baseline.txt; exit 1 if more than
# BENCH_CHECK_TOLERANCE (10) percent worse.
#
#   1. a private Redis + FerretDB (fresh, build/bench/check/stack); pasted (build/pasted) with
#      tests/bench/pasted-check.conf: one worker thread, log_level warn, a fixed id_key (so
#      the paste's id, and every byte of every request, is the same in every run);
#   2. seeds one 1 KiB paste (fixed bytes) with pasted running natively, then stops it;
#   3. runs pasted under valgrind --tool=callgrind twice, counting only the worker thread
#      (--collect-atstart=no --toggle-collect=worker_main), and sends N and then 2N
#      GET /raw/<id> (curl, one keep-alive connection, one request at a time; every answer
#      must be 200), then SIGTERM;
#   4. instructions per request = (Ir(2N) - Ir(N)) / N: the start-up, the connection and the
#      shutdown cost the same in both runs and cancel out. Prints both counts, the fixed
#      part, the per-request figure, the baseline and the difference, and the functions
#      that cost the most in the 2N run.
#
# Environment: BENCH_CHECK_REQUESTS (N, 2000) BENCH_CHECK_TOLERANCE (10, percent)
#   BENCH_CHECK_UPDATE (1: write the measured figure to tests/bench/baseline.txt)
#   BENCH_CHECK_FN (worker_main: the worker thread's start function) PASTED_BIN (build/pasted)
#   BENCH_CHECK_PATH (/raw/: the path before the id; e.g. / profiles the HTML page instead;
#   any other path than /raw/ only measures and prints, it neither compares nor updates)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
BENCH=$ROOT/tests/bench
OUT=$ROOT/build/bench/check
STACK=$OUT/stack
BIN=${PASTED_BIN:-$ROOT/build/pasted}
N=${BENCH_CHECK_REQUESTS:-2000}
TOL=${BENCH_CHECK_TOLERANCE:-10}
UPDATE=${BENCH_CHECK_UPDATE:-0}
FN=${BENCH_CHECK_FN:-worker_main}
RPATH=${BENCH_CHECK_PATH:-/raw/}
BASELINE=$BENCH/baseline.txt
CONF=$BENCH/pasted-check.conf

say() { printf 'bench-check: %s\n' "$*"; }
die() { printf 'bench-check: ERROR: %s\n' "$*" >&2; exit 1; }

PID=""
stop_pid() {   # stop_pid PID SECONDS: TERM, wait, then KILL
    local pid=$1 i
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 1 $(($2 * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && { say "pid $pid ignored SIGTERM for $2 s; killing it"; kill -KILL "$pid" 2>/dev/null; }
    fi
    wait "$pid" 2>/dev/null
    return 0
}
cleanup() {
    trap - EXIT INT TERM HUP
    stop_pid "$PID" 60
    .tools/stack.sh stop "$STACK" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

# ------------------------------------------------------------------ checks
if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing valgrind (Debian package)"
        apt-get install -y valgrind >/dev/null 2>&1 \
            || { apt-get update >/dev/null 2>&1 && apt-get install -y valgrind >/dev/null 2>&1; } \
            || die "cannot install valgrind"
    else
        die "valgrind is not installed (apt-get install -y valgrind)"
    fi
fi
for t in curl ss callgrind_annotate; do command -v "$t" >/dev/null || die "$t is not installed"; done
[ -x "$BIN" ] || die "$BIN not found (make build/pasted)"
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 100 ] || die "BENCH_CHECK_REQUESTS must be a number >= 100"
nm "$BIN" 2>/dev/null | grep " $FN\$" >/dev/null || die "$BIN has no function $FN (set BENCH_CHECK_FN)"

rm -rf "$OUT"
mkdir -p "$OUT"

# a port whose number has 5 digits, so the Host header has the same length in every run
free_port() {
    local i p
    for i in $(seq 1 200); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
        [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] || continue
        echo "$p"; return 0
    done
    return 1
}

say "starting Redis + FerretDB (fresh, ${STACK#"$ROOT"/})"
.tools/stack.sh start "$STACK" >"$OUT/stack.log" 2>&1 || { cat "$OUT/stack.log"; die "stack did not start"; }
# shellcheck disable=SC1091
. "$STACK/env"
export REDIS_URL MONGO_URI

# ------------------------------------------------------------------ seed
# 1 KiB of fixed text: 16 lines of 63 characters + newline
BODY=$OUT/body
for i in $(seq -w 1 16); do printf 'pasted bench-check line %s %s\n' "$i" "$(printf '%*s' 36 '' | tr ' ' x)"; done >"$BODY"
[ "$(stat -c %s "$BODY")" = 1024 ] || die "seed body is $(stat -c %s "$BODY") bytes, not 1024"

PORT=$(free_port) || die "no free port"
export PORT
PORT=$PORT "$BIN" -c "$CONF" >"$OUT/seed.log" 2>&1 </dev/null &
PID=$!
for i in $(seq 1 150); do
    kill -0 "$PID" 2>/dev/null || break
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/healthz")" = 200 ] && break
    sleep 0.2
done
url=$(curl -sS --max-time 10 -H 'Content-Type: text/plain' --data-binary "@$BODY" "http://127.0.0.1:$PORT/") \
    || { tail -n 20 "$OUT/seed.log"; die "cannot create the paste"; }
[[ $url =~ /([0-9A-Za-z]{7})$ ]] || die "unexpected answer to POST /: $url"
ID=${BASH_REMATCH[1]}
code=$(curl -sS --max-time 10 -o "$OUT/check" -w '%{http_code}' "http://127.0.0.1:$PORT/raw/$ID")
[ "$code" = 200 ] && cmp -s "$OUT/check" "$BODY" || die "GET /raw/$ID did not answer the paste's bytes"
stop_pid "$PID" 20
PID=""
say "seeded paste $ID (1 KiB)"

# ------------------------------------------------------------------ callgrind runs
# run_one REQUESTS: sets IR (instructions of the worker thread)
run_one() {
    local n=$1 i cfg="$OUT/curl.$1.cfg" out="$OUT/callgrind.$1.out"
    : >"$cfg"
    for i in $(seq 1 "$n"); do
        printf 'url = "http://127.0.0.1:%s%s%s"\noutput = "/dev/null"\n' "$PORT" "$RPATH" "$ID"
    done >"$cfg"
    valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no --toggle-collect="$FN" \
        "$BIN" -c "$CONF" >"$OUT/valgrind.$n.log" 2>&1 </dev/null &
    PID=$!
    # listening = ready; no probe request, so nothing but the measured requests reaches pasted
    for i in $(seq 1 1200); do
        kill -0 "$PID" 2>/dev/null || break
        [ -n "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ] && break
        sleep 0.1
    done
    [ -n "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ] || { tail -n 30 "$OUT/valgrind.$n.log"; die "pasted under callgrind did not start listening"; }
    sleep 1   # the worker connects to Redis right after listening
    local t0 codes ok
    t0=$(date +%s.%N)
    codes=$(timeout 600 curl -sS --max-time 600 -K "$cfg" -w '%{http_code}\n' 2>"$OUT/curl.$n.err")
    ok=$(grep -c '^200$' <<<"$codes")
    local secs
    secs=$(awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", t1 - t0 }')
    stop_pid "$PID" 120
    PID=""
    [ "$ok" = "$n" ] || { head -n 5 "$OUT/curl.$n.err"; die "$ok of $n requests answered 200 (see $OUT/valgrind.$n.log)"; }
    [ -s "$out" ] || die "callgrind wrote no $out"
    IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
    [[ $IR =~ ^[0-9]+$ ]] && [ "$IR" -gt 0 ] || die "no instruction count in $out (did $FN run?)"
    say "  $n requests: $IR instructions in the worker thread ($secs s under callgrind)"
}

say "pasted under callgrind, worker thread only ($FN), GET $RPATH$ID on one keep-alive connection"
run_one "$N"
IR1=$IR
run_one $((2 * N))
IR2=$IR

PER=$(( (IR2 - IR1 + N / 2) / N ))
FIXED=$(( IR1 - PER * N ))
say "instructions per GET $RPATH<id>: $PER   (= (Ir(2N) - Ir(N)) / N, N = $N; fixed part: $FIXED)"

# where they go: self cost per function in the 2N run
callgrind_annotate --inclusive=no --threshold=100 "$OUT/callgrind.$((2 * N)).out" >"$OUT/annotate.txt" 2>/dev/null
say "top functions in the $((2 * N))-request run (self instructions, whole worker thread; full list in ${OUT#"$ROOT"/}/annotate.txt):"
awk '/^-+$/ { sec++; next } sec >= 3 && NF > 1 && $1 ~ /^[0-9,]+$/ { print; if (++n == 15) exit }' "$OUT/annotate.txt" \
    | sed 's/^/    /' | cut -c1-150

# ------------------------------------------------------------------ baseline
if [ "$RPATH" != /raw/ ]; then
    say "BENCH_CHECK_PATH=$RPATH: measured only (the baseline is for /raw/)"
    exit 0
fi
if [ "$UPDATE" = 1 ]; then
    {
        echo "# Instructions per hot raw fetch (GET /raw/<id> of a cached 1 KiB paste, keep-alive, one"
        echo "# worker thread), counted by callgrind: written by \`make bench-check BENCH_CHECK_UPDATE=1\`."
        echo "# \`make bench-check\` fails when a build needs more than ${TOL}% more than this."
        if [ -n "${PASTED_BIN:-}" ]; then
            echo "# measured $(date -u +%Y-%m-%d) with PASTED_BIN=$PASTED_BIN, N = $N"
        else
            echo "# measured $(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' plus uncommitted changes in src/'), N = $N"
        fi
        echo "instructions_per_request $PER"
    } >"$BASELINE"
    say "baseline written: ${BASELINE#"$ROOT"/} = $PER"
    exit 0
fi
[ -f "$BASELINE" ] || die "no baseline ${BASELINE#"$ROOT"/} (make bench-check BENCH_CHECK_UPDATE=1 writes it)"
BASE=$(awk '$1 == "instructions_per_request" { print $2 }' "$BASELINE")
[[ $BASE =~ ^[0-9]+$ ]] && [ "$BASE" -gt 0 ] || die "no instructions_per_request in ${BASELINE#"$ROOT"/}"
LIMIT=$(( BASE * (100 + TOL) / 100 ))
DIFF=$(awk -v a="$PER" -v b="$BASE" 'BEGIN { printf "%+.1f", (a - b) * 100 / b }')
say "baseline $BASE, limit $LIMIT (+${TOL}%): measured $PER ($DIFF%)"
if [ "$PER" -gt "$LIMIT" ]; then
    say "FAIL: a hot raw fetch costs $DIFF% more instructions than the baseline"
    exit 1
fi
if [ "$PER" -lt $(( BASE * (100 - TOL) / 100 )) ]; then
    say "ok, and $DIFF% below the baseline: record it with make bench-check BENCH_CHECK_UPDATE=1"
else
    say "ok"
fi
exit 0
