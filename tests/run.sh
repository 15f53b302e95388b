#!/usr/bin/env bash
# The test driver behind `make test` (env B=build, or B=build-san for SAN=1).
#
#   1. a private Redis + FerretDB under tests/out/stack (wiped first, so every run starts empty)
#   2. $B/pasted -c tests/pasted-test.conf on a free port, log in $OUT_REL/pasted.log,
#      waited for until GET /healthz answers 200
#   3. the suites, each one's output shown and kept in tests/out/<suite>.log:
#        unit         $B/test-unit                  (Criterion)
#        unit-upper   $B/test-unit-upper            (Criterion; the unit tests of the higher
#                                                    layers: run when it exists, a failure when
#                                                    it does not but tests/unit/upper/ does)
#        integration  $B/test-integration --jobs 1  (Criterion; needs the server)
#        browser      node tests/browser/run.mjs    (if present; last line "N passed, N failed")
#      and the check scripts, each run when it exists and is executable, each ending with
#      the line "N passed, N failed" (without it: one failure):
#        openapi      tests/openapi/validate.sh     (assets/openapi.json)
#        layers       tests/layers.sh               (which source layer may include which)
#        fuzz         tests/fuzz/run.sh             (short libFuzzer runs; gets B and
#                                                    FUZZ_SECONDS, default 3)
#        clients      tests/clients/run.sh          (real pastebin clients: haste, rpaste,
#                                                    pastebinit, nc; needs the server)
#        cluster      tests/cluster/run.sh          (its own cluster: cache nodes, a primary
#                                                    with Sentinels, three pasted behind nginx;
#                                                    gets B)
#   4. one closing line over everything: "N passed, N failed"; exit 1 if anything failed,
#      crashed, was missing, or left a sanitizer report (suites' or the server's)
#
# The suites get: PASTED_URL REDIS_URL MONGO_URI PASTED_LOG PASTED_BIN PASTED_CONF, and
# NC_PORT: the port of the server's netcat listener (given to pasted as PASTED_NC_PORT too),
# and PBINCLI: the path of pbincli, PrivateBin's command-line client (.tools/clients.sh).
# TEST_FILTER (while working on one test): only the integration tests matching this Criterion
# pattern run, e.g. TEST_FILTER='scale/*' tests/run.sh; the other suites are skipped.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
B=${B:-build}
case $B in /*) BDIR=$B ;; *) BDIR=$ROOT/$B ;; esac
OUT=${TEST_OUT:-$ROOT/tests/out}    # TEST_OUT: elsewhere, e.g. for two runs at once
STACK=$OUT/stack
OUT_REL=${OUT#"$ROOT"/}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-20}     # seconds for the server to answer /healthz
SUITE_TIMEOUT=${SUITE_TIMEOUT:-900}      # seconds per suite

PASSED=0
FAILED=0
NOTES=()           # one line per problem that is not a test's own failure
SERVER_PID=""
SERVER_UP=0

LOG_PREFIX="test"
# say, port_in_use, free_port, stop_pid (shared with .tools/stack.sh)
# shellcheck source=SCRIPTDIR/../.tools/lib.sh
. "$ROOT/.tools/lib.sh"
note() { NOTES+=("$*"); say "FAIL: $*"; }

# Sanitizer settings for SAN=1 builds (harmless otherwise); the caller's settings win.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
SAN_PATTERN='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer'

strip_ansi() { sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$@"; }

stop_server() {   # stop_server QUIET: TERM, wait up to 10 s, KILL; sets SERVER_RC
    SERVER_RC=""
    [ -n "$SERVER_PID" ] || return 0
    stop_pid "$SERVER_PID" TERM 10
    if [ "$STOP_KILLED" = 1 ] && [ "${1:-}" != quiet ]; then
        note "server: pasted ignored SIGTERM for 10 s; killed"
    fi
    SERVER_RC=$STOP_RC
    SERVER_PID=""
}

cleanup() {       # on any exit: nothing may keep running
    trap - EXIT INT TERM HUP
    stop_server quiet
    .tools/stack.sh stop "$STACK" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

# ------------------------------------------------------------------ stack
mkdir -p "$OUT"
.tools/stack.sh stop "$STACK" >/dev/null 2>&1   # leftovers of a killed run
rm -rf "$STACK"
# the checks below: NAME:SCRIPT (relative to the root)
CHECKS=(openapi:tests/openapi/validate.sh layers:tests/layers.sh fuzz:tests/fuzz/run.sh
        clients:tests/clients/run.sh cluster:tests/cluster/run.sh)
for n in pasted unit unit-upper integration browser "${CHECKS[@]%%:*}"; do rm -f "$OUT/$n.log"; done
if ! .tools/stack.sh start "$STACK"; then
    say "could not start Redis + FerretDB"
    printf '0 passed, 1 failed\n'
    exit 1
fi
# shellcheck disable=SC1091
. "$STACK/env"
export REDIS_URL MONGO_URI
export PASTED_STACK="$STACK"     # tests that crash or freeze a service find its pid file here

# ------------------------------------------------------------------ server
export PASTED_BIN="$BDIR/pasted"
export PASTED_LOG="$OUT/pasted.log"
export PASTED_CONF=""
# the operator's token (moderation tests read it too): made fresh, readable by us only
export PASTED_ADMIN_TOKEN_FILE="$OUT/admin.token"
export PASTED_STORE_DATA_DIR="$STACK/ferretdb"   # its free space is watched (test_safety.c)
mkdir -p "$OUT" && (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PASTED_ADMIN_TOKEN_FILE")
[ -f "$ROOT/tests/pasted-test.conf" ] && PASTED_CONF="$ROOT/tests/pasted-test.conf"
: >"$PASTED_LOG"

start_server() {
    local attempt port code
    local args=()
    [ -n "$PASTED_CONF" ] && args=(-c "$PASTED_CONF")
    for attempt in 1 2 3; do
        port=$(free_port) || { note "server: no free port"; return 1; }
        export PORT=$port
        export PASTED_URL="http://127.0.0.1:$port"
        # the netcat listener's port, another free one: NC_PORT for the suites, and
        # PASTED_NC_PORT, the server's nc_port setting from the environment
        NC_PORT=$(free_port) || { note "server: no free port"; return 1; }
        while [ "$NC_PORT" = "$port" ]; do NC_PORT=$(free_port) || { note "server: no free port"; return 1; }; done
        export NC_PORT PASTED_NC_PORT=$NC_PORT
        printf -- '--- test: starting %s %s with PORT=%s NC_PORT=%s\n' "$PASTED_BIN" "${args[*]}" "$port" "$NC_PORT" >>"$PASTED_LOG"
        "$PASTED_BIN" "${args[@]}" >>"$PASTED_LOG" 2>&1 </dev/null &
        SERVER_PID=$!
        local deadline=$((SECONDS + HEALTH_TIMEOUT))
        code=""
        while [ "$SECONDS" -lt "$deadline" ]; do
            if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$PASTED_URL/healthz" 2>/dev/null)
            if [ "$code" = 200 ]; then
                say "server: pasted pid $SERVER_PID on $PASTED_URL (log $OUT_REL/pasted.log)"
                return 0
            fi
            sleep 0.2
        done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            stop_server quiet
            say "---- last lines of $OUT_REL/pasted.log ----"; tail -n 30 "$PASTED_LOG"; say "----"
            note "server: GET /healthz did not answer 200 within ${HEALTH_TIMEOUT}s (last status: ${code:-none})"
            return 1
        fi
        wait "$SERVER_PID" 2>/dev/null; local rc=$?
        SERVER_PID=""
        if [ "$attempt" -lt 3 ] && tail -n 20 "$PASTED_LOG" | grep -qi 'address already in use'; then
            say "server: port $port was taken meanwhile; trying another"
            continue
        fi
        say "---- last lines of $OUT_REL/pasted.log ----"; tail -n 30 "$PASTED_LOG"; say "----"
        note "server: pasted exited at start with status $rc"
        return 1
    done
    return 1
}

if [ ! -x "$PASTED_BIN" ]; then
    export PASTED_URL="http://127.0.0.1:1"      # nothing there: the HTTP tests fail fast
    export NC_PORT=1
    note "server: $B/pasted does not exist"
elif start_server; then
    SERVER_UP=1
fi
# PBINCLI: PrivateBin's command-line client (pbincli, from .tools/deps.sh test), for the suites
# that drive it (clients, browser); the path is given even when nothing is installed there
# shellcheck source=SCRIPTDIR/../.tools/clients.sh
. "$ROOT/.tools/clients.sh"
export PBINCLI=$PBINCLI_BIN

# ------------------------------------------------------------------ suites
# count_sanitizer NAME LOG FAILURES: a sanitizer report counts as a failure even where the
# runner did not notice (LeakSanitizer runs after Criterion has recorded the test as passed).
# When tests of the suite failed already, the reports are most likely the cleanup that a failed
# assertion skipped: then they are pointed out, not counted again.
count_sanitizer() {
    local n
    n=$(strip_ansi "$2" | grep -cE "$SAN_PATTERN")
    [ "$n" -gt 0 ] || return 0
    if [ "${3:-0}" -eq 0 ]; then
        FAILED=$((FAILED + 1))
        note "$1: $n sanitizer report(s) in $OUT_REL/$1.log although no test failed"
    else
        say "$1: $n sanitizer report(s) in $OUT_REL/$1.log (failed tests skip their cleanup; fix those first)"
    fi
}

run_criterion() {   # run_criterion NAME BINARY [ARGS...]
    local name=$1 bin=$2; shift 2
    local log="$OUT/$name.log"
    if [ ! -x "$bin" ]; then
        FAILED=$((FAILED + 1))
        note "$name: $bin does not exist"
        return
    fi
    say "$name: running $bin $*"
    timeout -k 10 "$SUITE_TIMEOUT" "$bin" "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local line
    line=$(strip_ansi "$log" | grep -a '^\[====\] Synthesis:' | tail -n 1)
    if [ -z "$line" ]; then
        FAILED=$((FAILED + 1))
        local why="exit status $rc"
        [ "$rc" = 124 ] && why="timed out after ${SUITE_TIMEOUT}s"
        note "$name: no Criterion synthesis line ($why)"
        count_sanitizer "$name" "$log" 1
        return
    fi
    local tested passing failing crashing
    tested=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$line")
    passing=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
    failing=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
    crashing=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
    PASSED=$((PASSED + ${passing:-0}))
    FAILED=$((FAILED + ${failing:-0} + ${crashing:-0}))
    say "$name: ${tested:-?} tests: ${passing:-0} passing, ${failing:-0} failing, ${crashing:-0} crashing (exit status $rc)"
    if [ "$rc" -ne 0 ] && [ $(( ${failing:-0} + ${crashing:-0} )) -eq 0 ]; then
        FAILED=$((FAILED + 1))
        note "$name: exit status $rc although no test failed"
        return
    fi
    count_sanitizer "$name" "$log" $(( ${failing:-0} + ${crashing:-0} ))
}

if [ -n "${TEST_FILTER:-}" ]; then
    run_criterion integration "$BDIR/test-integration" --jobs 1 --filter "$TEST_FILTER"
    CHECKS=()
else
    run_criterion unit "$BDIR/test-unit"
    if [ -e "$BDIR/test-unit-upper" ]; then
        run_criterion unit-upper "$BDIR/test-unit-upper"
    elif [ -d "$ROOT/tests/unit/upper" ]; then
        FAILED=$((FAILED + 1))
        note "unit-upper: $B/test-unit-upper does not exist, although tests/unit/upper/ does"
    fi
    run_criterion integration "$BDIR/test-integration" --jobs 1
fi
if [ "$SERVER_UP" != 1 ]; then
    FAILED=$((FAILED + 1))      # the integration suite cannot have passed without a server
fi

if [ -z "${TEST_FILTER:-}" ] && [ -f "$ROOT/tests/browser/run.mjs" ]; then
    log="$OUT/browser.log"
    if [ "$SERVER_UP" != 1 ]; then
        FAILED=$((FAILED + 1))
        note "browser: not run, the server is not up"
    elif ! command -v node >/dev/null; then
        FAILED=$((FAILED + 1))
        note "browser: node is not installed"
    else
        say "browser: running node tests/browser/run.mjs"
        timeout -k 10 "$SUITE_TIMEOUT" node "$ROOT/tests/browser/run.mjs" 2>&1 | tee "$log"
        rc=${PIPESTATUS[0]}
        line=$(strip_ansi "$log" | grep -aE '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' | tail -n 1)
        if [ -z "$line" ]; then
            FAILED=$((FAILED + 1))
            note "browser: no 'N passed, N failed' line (exit status $rc)"
        else
            p=$(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
            f=$(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/' <<<"$line")
            PASSED=$((PASSED + p))
            FAILED=$((FAILED + f))
            say "browser: $p passing, $f failing (exit status $rc)"
            if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
                FAILED=$((FAILED + 1))
                note "browser: exit status $rc although no test failed"
            fi
        fi
    fi
fi

# ------------------------------------------------------------------ check scripts
# run_check NAME SCRIPT [VAR=VALUE...]: runs SCRIPT (with the VARs in its environment) when it
# exists and is executable; its last line must be "N passed, N failed", else one failure.
run_check() {
    local name=$1 script=$2; shift 2
    local log="$OUT/$name.log" rc line
    [ -f "$ROOT/$script" ] && [ -x "$ROOT/$script" ] || return 0
    say "$name: running $script${*:+ with $*}"
    timeout -k 10 "$SUITE_TIMEOUT" env "$@" "$ROOT/$script" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(strip_ansi "$log" | tail -n 1)
    if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        PASSED=$((PASSED + BASH_REMATCH[1]))
        FAILED=$((FAILED + BASH_REMATCH[2]))
        if [ "$rc" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
            FAILED=$((FAILED + 1))
            note "$name: exit status $rc although no check failed"
            return
        fi
        count_sanitizer "$name" "$log" "${BASH_REMATCH[2]}"
    else
        FAILED=$((FAILED + 1))
        local why="exit status $rc"
        [ "$rc" = 124 ] && why="timed out after ${SUITE_TIMEOUT}s"
        note "$name: no 'N passed, N failed' line in $OUT_REL/$name.log ($why)"
        count_sanitizer "$name" "$log" 1
    fi
}

for c in "${CHECKS[@]}"; do
    case ${c%%:*} in
        fuzz) run_check fuzz "${c#*:}" "FUZZ_SECONDS=${FUZZ_SECONDS:-3}" "B=$B" ;;
        cluster) run_check cluster "${c#*:}" "B=$B" ;;
        *)    run_check "${c%%:*}" "${c#*:}" ;;
    esac
done

# ------------------------------------------------------------------ server's own health
if [ "$SERVER_UP" = 1 ]; then
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        wait "$SERVER_PID" 2>/dev/null; rc=$?
        SERVER_PID=""
        FAILED=$((FAILED + 1))
        note "server: pasted died during the suites (exit status $rc); see $OUT_REL/pasted.log"
        say "---- last lines of $OUT_REL/pasted.log ----"; tail -n 30 "$PASTED_LOG"; say "----"
    else
        stop_server
        say "server: stopped (exit status $SERVER_RC)"
    fi
fi
if [ -s "$PASTED_LOG" ] && n=$(strip_ansi "$PASTED_LOG" | grep -cE "$SAN_PATTERN") && [ "$n" -gt 0 ]; then
    FAILED=$((FAILED + 1))
    note "server: $n sanitizer report(s) in $OUT_REL/pasted.log"
    strip_ansi "$PASTED_LOG" | grep -E -A 15 "$SAN_PATTERN" | head -n 60
fi

cleanup
say "stack stopped"
for n in "${NOTES[@]}"; do say "  problem: $n"; done
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
