#!/usr/bin/env bash
# tests/soak/soak.sh - `make soak` (issue 12): honest clients and abusive ones against ONE pasted,
# loopback only, bounded in time (SOAK_QUIET_SECONDS + SOAK_SECONDS, then the read-back).
#
#   1. a private Redis + FerretDB (.tools/stack.sh, fresh every run, under build/soak/stack);
#      pasted (build/pasted, tests/soak/pasted-soak.conf: pasted's default limits, loopback a
#      trusted proxy and not allowlisted, workers 0, log_level warn, header_timeout 5);
#   2. tests/soak/soak.py: a quiet phase (SOAK_QUIET_SECONDS, 20: the honest clients alone), then
#      the soak phase (SOAK_SECONDS, 600: the same honest clients plus flooders, id guessers,
#      oversize posters, slowloris connections and wrong-token deleters), a line per RSS sample
#      of pasted (SOAK_RSS_EVERY, 10 s), then the read-back of every paste an honest client got a
#      201 for, the table, build/soak/results.csv and build/soak/summary.json (soak.py's header
#      says what each client does);
#   3. pasted stopped with SIGTERM: it must exit 0 within shutdown_grace; the warnings and errors
#      of its log (build/soak/pasted.log) are counted and the most frequent shown;
#   4. everything stopped (trap on EXIT); exit 1 when a goal was missed: honest success < 100 %,
#      honest p99 in the soak > 2x the quiet phase's (SOAK_P99_RATIO), an acknowledged paste
#      missing or different, pasted died (or did not stop cleanly).
#
# Environment: SOAK_SECONDS (600) SOAK_QUIET_SECONDS (20) SOAK_HONEST (20) SOAK_CREATE_EVERY (30)
#   SOAK_READ_EVERY (0.3) SOAK_FLOODERS (3) SOAK_FLOOD_RATE (20) SOAK_GUESSERS (4)
#   SOAK_GUESS_RATE (10) SOAK_OVERSIZE (2) SOAK_OVERSIZE_EVERY (4) SOAK_OVERSIZE_MAX (100)
#   SOAK_SLOWLORIS (200) SOAK_SLOW_DRIP (1 s) SOAK_DELETERS (2) SOAK_DELETE_RATE (5)
#   SOAK_RSS_EVERY (10) SOAK_P99_RATIO (2) SOAK_KEEP_STACK (1: leave Redis + FerretDB running)
#   PASTED_BIN (build/pasted)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
SOAK=$ROOT/tests/soak
OUT=$ROOT/build/soak
STACK=$OUT/stack
CONF=$SOAK/pasted-soak.conf
BIN=${PASTED_BIN:-$ROOT/build/pasted}
SECS=${SOAK_SECONDS:-600}
QUIET=${SOAK_QUIET_SECONDS:-20}
CORES=$(getconf _NPROCESSORS_ONLN)

# shellcheck disable=SC2034  # LOG_PREFIX is read by lib.sh
LOG_PREFIX=soak
# say, die, free_port, owns_port, pid_alive, stop_pid
# shellcheck source=SCRIPTDIR/../../.tools/lib.sh
. "$ROOT/.tools/lib.sh"

[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -ge 10 ] || die "SOAK_SECONDS must be a number of seconds >= 10"
[[ $QUIET =~ ^[0-9]+$ ]] && [ "$QUIET" -ge 5 ] || die "SOAK_QUIET_SECONDS must be a number of seconds >= 5"

PASTED_PID=""
PY_PID=""
cleanup() {
    trap - EXIT INT TERM HUP
    [ -z "$PY_PID" ] || stop_pid "$PY_PID" TERM 5
    [ -z "$PASTED_PID" ] || stop_pid "$PASTED_PID" TERM 15
    [ "${SOAK_KEEP_STACK:-0}" = 1 ] || .tools/stack.sh stop "$STACK" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

# ------------------------------------------------------------------ checks
command -v python3 >/dev/null || die "python3 not found (apt-get install -y python3)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 8))' || die "python3 >= 3.8 needed ($(python3 --version 2>&1))"
command -v curl >/dev/null || die "curl not found"
[ -x "$BIN" ] || die "$BIN not found (make build/pasted)"
[ -x .tools/stack.sh ] || die ".tools/stack.sh not found"

size_bytes() {   # 1M -> 1048576 (pasted's size units: K M G)
    awk -v s="$1" 'BEGIN { n = s + 0; u = toupper(substr(s, length(s)));
        if (u == "K") n *= 1024; else if (u == "M") n *= 1048576; else if (u == "G") n *= 1073741824;
        printf "%d", n }'
}
conf_value() { awk -v k="$1" '$1 == k { print $2 }' "$CONF" | tail -n 1; }
MAX_PASTE=$(size_bytes "${PASTED_MAX_PASTE_SIZE:-$(conf_value max_paste_size)}")
[ "$MAX_PASTE" -gt 0 ] 2>/dev/null || MAX_PASTE=1048576
HEADER_TIMEOUT=${PASTED_HEADER_TIMEOUT:-$(conf_value header_timeout)}
HEADER_TIMEOUT=${HEADER_TIMEOUT:-10}

# the slowloris connections, the clients' and the store's: more than the usual 1024 descriptors
ulimit -n "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)
[ "$NOFILE" = unlimited ] || [ "$NOFILE" -ge $(( ${SOAK_SLOWLORIS:-200} + 512 )) ] \
    || die "open-file limit $NOFILE is too low for ${SOAK_SLOWLORIS:-200} slowloris connections (raise ulimit -Hn)"

mkdir -p "$OUT"
rm -f "$OUT/pasted.log" "$OUT/results.csv" "$OUT/summary.json"
read -r load1 load5 _ </proc/loadavg
say "machine: $CORES cores, load average $load1 (1 min) $load5 (5 min) before the start"
say "run: quiet ${QUIET}s + soak ${SECS}s + read-back; pasted $BIN, config ${CONF#"$ROOT"/}"

# ------------------------------------------------------------------ services
say "starting Redis + FerretDB (fresh, ${STACK#"$ROOT"/})"
.tools/stack.sh stop "$STACK" >/dev/null 2>&1
rm -rf "$STACK"
.tools/stack.sh start "$STACK" >"$OUT/stack.log" 2>&1 || { cat "$OUT/stack.log"; die "stack did not start"; }
# shellcheck disable=SC1091
. "$STACK/env"
export REDIS_URL MONGO_URI

: >"$OUT/pasted.log"
start_pasted() {
    local _ code
    for _ in 1 2 3; do
        PASTED_PORT=$(free_port) || die "no free port"
        PORT=$PASTED_PORT "$BIN" -c "$CONF" >>"$OUT/pasted.log" 2>&1 </dev/null &
        PASTED_PID=$!
        for _ in $(seq 1 150); do
            pid_alive "$PASTED_PID" || break
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PASTED_PORT/healthz")
            if [ "$code" = 200 ] && owns_port "$PASTED_PID" "$PASTED_PORT"; then
                return 0
            fi
            sleep 0.2
        done
        stop_pid "$PASTED_PID" TERM 10
        PASTED_PID=""
        tail -n 20 "$OUT/pasted.log" | grep -qi 'address already in use' && continue
        tail -n 30 "$OUT/pasted.log" >&2
        die "pasted did not answer GET /healthz (log $OUT/pasted.log)"
    done
    die "pasted: no free port after 3 attempts"
}
start_pasted
WORKERS=$(awk -v p="$(printf ':%04X' "$PASTED_PORT")" '$4 == "0A" && substr($2, length($2) - 4) == p' /proc/net/tcp | wc -l)
say "pasted pid $PASTED_PID on 127.0.0.1:$PASTED_PORT, $WORKERS listener(s) (workers 0: one per core), default limits, max_paste_size $MAX_PASTE, header_timeout ${HEADER_TIMEOUT}s"

# ------------------------------------------------------------------ the run
# bounded: both phases, the clients' hand-over, the read-back (at most a request timeout per
# paste, four at a time) and some slack
limit=$(( QUIET + SECS + 600 ))
timeout --signal=TERM --kill-after=10 "$limit" \
    python3 "$SOAK/soak.py" --port "$PASTED_PORT" --pid "$PASTED_PID" --out "$OUT" \
        --max-paste "$MAX_PASTE" --header-timeout "$HEADER_TIMEOUT" \
        --also-pids "$(cat "$STACK/redis.pid" "$STACK/ferretdb.pid" 2>/dev/null | tr '\n' ' ')" &
PY_PID=$!
wait "$PY_PID"
rc=$?
PY_PID=""
[ "$rc" = 124 ] && say "soak.py did not finish within ${limit}s"

# ------------------------------------------------------------------ pasted's end
verdict=$rc
if pid_alive "$PASTED_PID"; then
    t0=$(date +%s%N)
    stop_pid "$PASTED_PID" TERM 15
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ "$STOP_KILLED" = 0 ] && [ "$STOP_RC" = 0 ]; then
        say "pasted stopped cleanly on SIGTERM in ${ms} ms"
        shutdown="ok"
    else
        say "pasted did NOT stop cleanly on SIGTERM (exit status $STOP_RC, killed: $STOP_KILLED, ${ms} ms)"
        shutdown="MISSED"
        verdict=1
    fi
    printf '"pasted","stops cleanly on SIGTERM","","%s","exit 0","%s"\n' \
        "exit $STOP_RC in ${ms} ms$([ "$STOP_KILLED" = 1 ] && echo ', killed')" "$shutdown" >>"$OUT/results.csv"
else
    wait "$PASTED_PID" 2>/dev/null
    say "pasted is not running at the end (exit status $?)"
    verdict=1
fi
PASTED_PID=""

warns=$(grep -c ' WARN ' "$OUT/pasted.log")
errors=$(grep -Ec ' (ERROR|FATAL) ' "$OUT/pasted.log")
say "pasted.log: $warns warning(s), $errors error(s) (${OUT#"$ROOT"/}/pasted.log)"
if [ "$((warns + errors))" -gt 0 ]; then
    # the most frequent messages, with the time stamps and numbers taken out
    sed -E 's/^[0-9T:.Z-]+ +//; s/[0-9]+/N/g' "$OUT/pasted.log" | grep -E '^(WARN|ERROR|FATAL)' \
        | sort | uniq -c | sort -rn | head -n 8 | sed 's/^ */    /'
fi
grep -Eqi 'AddressSanitizer|runtime error|segmentation|abort' "$OUT/pasted.log" \
    && { say "pasted.log reports a crash or sanitizer error"; verdict=1; }

[ -f "$OUT/results.csv" ] && say "results: ${OUT#"$ROOT"/}/results.csv"
if [ "$verdict" = 0 ]; then
    say "soak passed"
else
    say "soak FAILED (exit 1)"
fi
[ "$verdict" = 0 ]
