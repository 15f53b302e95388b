#!/usr/bin/env bash
# tests/cluster/ketama_vs_nutcracker.sh - `make ketama-check`: pasted's cache ring
# (src/core/ketama.c, through build/ketama-place) puts every key on the node where
# nutcracker (twemproxy 0.5.0, Debian) with `distribution: ketama` and `hash: fnv1a_64`
# puts it, for the same servers, names and weights.
#
# Five redis-servers on free loopback ports under a temp dir; for each layout below, a
# nutcracker on a free port over some of them, NKEYS keys SET through it (redis-cli, one
# command a line: nutcracker has no ECHO, which --pipe needs), each node's keys read back
# with redis-cli --scan, and compared key by key with what ketama-place says:
#   three      alpha, beta, gamma, weight 1, named ("- host:port:1 alpha")
#   four       the same and delta: also, against three, how many keys moved (at most 30%)
#              and that all of them moved to delta
#   unnamed    three servers without names: nutcracker hashes "127.0.0.1:PORT"
#   weighted   five servers weighted 1,3,7,7,7 (single-precision rounding gives the first
#              28 points where exact arithmetic gives 32)
#   ejected    three, with auto_eject_hosts; beta's redis is killed, and once nutcracker
#              has ejected it the keys are SET again: they must sit where ketama-place puts
#              them with beta down, and only beta's keys may have moved
# The keys look like pasted's ("pasted:p:" + 7 base62 characters, fixed by a seed); one in
# five ends in "é", whose bytes >= 0x80 nutcracker hashes sign-extended.
# Prints keys per node and the share moved; ends with "N passed, N failed", and exits 1 on
# any failure. Everything it starts is stopped on exit; KEEP=1 keeps the temp dir.
#
# Environment: KETAMA_PLACE (build/ketama-place) KETAMA_KEYS (3000) KEEP (0)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
LOG_PREFIX=ketama-check
# shellcheck source=SCRIPTDIR/../../.tools/lib.sh
. "$ROOT/.tools/lib.sh"     # say, die, free_port, owns_port, stop_pid

PLACE=${KETAMA_PLACE:-$ROOT/build/ketama-place}
NKEYS=${KETAMA_KEYS:-3000}
for t in redis-server redis-cli nutcracker awk; do
    command -v "$t" >/dev/null || die "$t is not installed (.tools/deps.sh test installs it)"
done
[ -x "$PLACE" ] || die "$PLACE not found (make build/ketama-place)"
[[ $NKEYS =~ ^[0-9]+$ ]] && [ "$NKEYS" -ge 100 ] || die "KETAMA_KEYS must be a number >= 100"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pasted-ketama.XXXXXX") || die "mktemp failed"
NAMES=(alpha beta gamma delta epsilon)
declare -A PORT=() PID=()
NC_PID="" NC_PORT=""
cleanup() {
    trap - EXIT INT TERM HUP
    stop_pid "$NC_PID" TERM 5
    local n
    for n in "${!PID[@]}"; do stop_pid "${PID[$n]}" TERM 5; done
    if [ "${KEEP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

passed=0 failed=0
check() {   # check OK MESSAGE: count one test
    if [ "$1" = 0 ]; then passed=$((passed + 1)); say "ok: $2"
    else failed=$((failed + 1)); say "FAILED: $2"; fi
}

# wait_for PID PORT: up to 5 s for PID itself to listen on 127.0.0.1:PORT
wait_for() {
    local i
    for ((i = 0; i < 50; i++)); do
        owns_port "$1" "$2" && return 0
        pid_alive "$1" || return 1
        sleep 0.1
    done
    return 1
}

start_redis() {   # start_redis NAME
    local n=$1 p _
    for _ in 1 2 3; do
        p=$(free_port) || die "no free port"
        mkdir -p "$TMP/$n"
        redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP/$n" \
            --logfile "$TMP/$n/redis.log" --daemonize no >/dev/null 2>&1 &
        PID[$n]=$!
        if wait_for "${PID[$n]}" "$p"; then PORT[$n]=$p; return 0; fi
        stop_pid "${PID[$n]}" TERM 2
    done
    die "redis-server $n did not start (see $TMP/$n/redis.log)"
}

# ---------------------------------------------------------------- the keys
# Park-Miller (exact in awk's doubles, so every awk draws the same keys); LC_ALL=C: bytes
LC_ALL=C awk -v n="$NKEYS" 'BEGIN {
    b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; x = 20260513
    for (i = 0; i < n; i++) {
        id = ""
        for (c = 0; c < 7; c++) { x = (x * 16807) % 2147483647; id = id substr(b62, x % 62 + 1, 1) }
        print "pasted:p:" id (i % 5 == 4 ? "\303\251" : "")
    }
}' >"$TMP/keys"
LC_ALL=C sort -u "$TMP/keys" >"$TMP/keys.sorted"
[ "$(wc -l <"$TMP/keys.sorted")" -eq "$NKEYS" ] || die "the generated keys are not distinct"
awk '{ print "SET " $0 " 1" }' "$TMP/keys" >"$TMP/set.cmds"

for n in "${NAMES[@]}"; do start_redis "$n"; done
say "redis nodes: $(for n in "${NAMES[@]}"; do printf '%s=%s ' "$n" "${PORT[$n]}"; done)"

# ---------------------------------------------------------------- one layout
# server_line NAME WEIGHT [named|unnamed]
server_line() {
    if [ "${3:-named}" = named ]; then echo "127.0.0.1:${PORT[$1]}:$2 $1"
    else echo "127.0.0.1:${PORT[$1]}:$2"; fi
}

start_nutcracker() {   # start_nutcracker LAYOUT EJECT(true|false): servers in $TMP/LAYOUT.nodes
    local layout=$1 eject=$2 stats _
    for _ in 1 2 3; do
        NC_PORT=$(free_port) && stats=$(free_port) || die "no free port"
        {
            echo "ketama:"
            echo "  listen: 127.0.0.1:$NC_PORT"
            echo "  hash: fnv1a_64"
            echo "  distribution: ketama"
            echo "  redis: true"
            echo "  timeout: 2000"
            echo "  auto_eject_hosts: $eject"
            echo "  server_failure_limit: 1"
            echo "  server_retry_timeout: 600000"
            echo "  servers:"
            sed 's/^/    - /' "$TMP/$layout.nodes"
        } >"$TMP/$layout.yml"
        nutcracker -c "$TMP/$layout.yml" -s "$stats" -a 127.0.0.1 -o "$TMP/$layout.nutcracker.log" \
            -p "$TMP/$layout.nutcracker.pid" >/dev/null 2>&1 &
        NC_PID=$!
        wait_for "$NC_PID" "$NC_PORT" && return 0
        stop_pid "$NC_PID" TERM 2
    done
    die "nutcracker did not start (see $TMP/$layout.nutcracker.log)"
}

# set_keys LAYOUT: SET every key through nutcracker; returns 1 unless all were OK
set_keys() {
    local ok
    ok=$(redis-cli -p "$NC_PORT" <"$TMP/set.cmds" 2>"$TMP/$1.set.err" | grep -c '^OK$')
    [ "$ok" -eq "$NKEYS" ] && return 0
    say "$1: $ok of $NKEYS SETs answered OK through nutcracker"
    return 1
}

# collect LAYOUT NODE...: "key<TAB>name" for every key each node holds, sorted, into
# $TMP/LAYOUT.actual; the name as ketama-place prints it (.names maps node -> name)
collect() {
    local layout=$1 n name; shift
    : >"$TMP/$layout.actual"
    for n in "$@"; do
        name=$(awk -v n="$n" '$1 == n { print $2 }' "$TMP/$layout.names")
        redis-cli -p "${PORT[$n]}" --scan \
            | awk -v name="$name" '{ print $0 "\t" name }' >>"$TMP/$layout.actual"
    done
    LC_ALL=C sort -o "$TMP/$layout.actual" "$TMP/$layout.actual"
}

# compare LAYOUT [DOWN_NAME...]: ketama-place against nutcracker, key by key; prints keys per node
compare() {
    local layout=$1 wrong; shift
    "$PLACE" "$TMP/$layout.nodes" "$@" <"$TMP/keys" | LC_ALL=C sort >"$TMP/$layout.expected"
    wrong=$(LC_ALL=C comm -3 "$TMP/$layout.expected" "$TMP/$layout.actual" | wc -l)
    say "$layout: keys per node: $(cut -f2 "$TMP/$layout.actual" | sort | uniq -c \
        | awk -v t="$NKEYS" '{ printf "%s %d (%.1f%%)  ", $2, $1, 100 * $1 / t }')"
    if [ "$wrong" -ne 0 ]; then
        say "$layout: $wrong lines differ (< ketama-place, > nutcracker), the first ones:"
        LC_ALL=C diff "$TMP/$layout.expected" "$TMP/$layout.actual" | grep '^[<>]' | head -6
    fi
    [ "$(wc -l <"$TMP/$layout.actual")" -eq "$NKEYS" ] && [ "$wrong" -eq 0 ]
}

# layout LAYOUT EJECT SPEC...: SPEC is NAME:WEIGHT[:unnamed]; writes .nodes and .names,
# empties the nodes, starts nutcracker
layout() {
    local name=$1 eject=$2 spec n w how; shift 2
    : >"$TMP/$name.nodes"; : >"$TMP/$name.names"
    LAYOUT_NODES=()
    for spec in "$@"; do
        IFS=: read -r n w how <<<"$spec"
        server_line "$n" "$w" "${how:-named}" >>"$TMP/$name.nodes"
        if [ "${how:-named}" = named ]; then echo "$n $n"; else echo "$n 127.0.0.1:${PORT[$n]}"; fi \
            >>"$TMP/$name.names"
        LAYOUT_NODES+=("$n")
        redis-cli -p "${PORT[$n]}" FLUSHALL >/dev/null
    done
    start_nutcracker "$name" "$eject"
}

# run_layout LAYOUT EJECT SPEC...: layout, SET the keys, collect, compare, stop nutcracker
run_layout() {
    local name=$1 ok=0
    layout "$@"
    set_keys "$name" || ok=1
    collect "$name" "${LAYOUT_NODES[@]}"
    compare "$name" || ok=1
    stop_pid "$NC_PID" TERM 5; NC_PID=""
    check $ok "$name: every key where ketama-place puts it (${LAYOUT_NODES[*]})"
}

# moved A B: keys on another node in layout B than in A, and where they went
moved() {
    LC_ALL=C join -t "$(printf '\t')" "$TMP/$1.actual" "$TMP/$2.actual" | awk -F'\t' '$2 != $3'
}

# ---------------------------------------------------------------- the layouts
run_layout three false alpha:1 beta:1 gamma:1
bad=0
for n in alpha beta gamma; do
    c=$(awk -F'\t' -v n="$n" '$2 == n' "$TMP/three.actual" | wc -l)
    pct=$((c * 1000 / NKEYS))
    [ "$pct" -ge 253 ] && [ "$pct" -le 413 ] || { bad=1; say "three: $n holds $c keys"; }
done
check $bad "three: each node holds 33% +- 8% of $NKEYS keys"

run_layout four false alpha:1 beta:1 gamma:1 delta:1
moved three four >"$TMP/moved"
nmoved=$(wc -l <"$TMP/moved")
elsewhere=$(awk -F'\t' '$3 != "delta"' "$TMP/moved" | wc -l)
say "four: adding delta moved $nmoved of $NKEYS keys ($(awk -v m="$nmoved" -v t="$NKEYS" \
    'BEGIN { printf "%.1f", 100 * m / t }')%), $elsewhere of them elsewhere than to delta"
[ "$nmoved" -gt 0 ] && [ $((nmoved * 100)) -le $((NKEYS * 30)) ] && [ "$elsewhere" -eq 0 ]
check $? "four: a 4th node moves at most 30% of the keys, all to itself"

run_layout unnamed false alpha:1:unnamed beta:1:unnamed gamma:1:unnamed
run_layout weighted false alpha:1 beta:3 gamma:7 delta:7 epsilon:7

# ejected: nutcracker ejects beta after one failure and rebuilds its ring over alpha, gamma
layout ejected true alpha:1 beta:1 gamma:1
stop_pid "${PID[beta]}" TERM 5
unset 'PID[beta]'
# keys of beta's (by the full ring) until one is answered OK: beta was ejected and the
# ring rebuilt (the first fails, failing beta)
ejected=1
while IFS=$'\t' read -r key node; do
    [ "$node" = beta ] || continue
    [ "$(redis-cli -p "$NC_PORT" SET "$key" 1 2>/dev/null)" = OK ] && { ejected=0; break; }
    sleep 0.1
done < <("$PLACE" "$TMP/ejected.nodes" <"$TMP/keys" | head -200)
[ "$ejected" = 0 ] || say "ejected: nutcracker never answered OK for a key of beta's"
for n in alpha gamma; do redis-cli -p "${PORT[$n]}" FLUSHALL >/dev/null; done
ok=$ejected
set_keys ejected || ok=1
collect ejected alpha gamma
compare ejected beta || ok=1
stop_pid "$NC_PID" TERM 5; NC_PID=""
check $ok "ejected: every key where ketama-place puts it with beta down"
moved three ejected >"$TMP/moved"
nmoved=$(wc -l <"$TMP/moved")
wrongly=$(awk -F'\t' '$2 != "beta"' "$TMP/moved" | wc -l)
say "ejected: $nmoved keys moved off beta, $wrongly keys moved between live nodes"
[ "$nmoved" -gt 0 ] && [ "$wrongly" -eq 0 ] \
    && [ "$nmoved" -eq "$(awk -F'\t' '$2 == "beta"' "$TMP/three.actual" | wc -l)" ]
check $? "ejected: only beta's keys moved, all of them"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
