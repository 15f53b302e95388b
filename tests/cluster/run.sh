#!/usr/bin/env bash
# tests/cluster/run.sh - the cluster suite (issue 13): pasted as a busy public pastebin would
# run it, on one machine, and its faults.
#
#   tests/cluster/run.sh              (B=build; TEST_OUT=tests/out; KEEP=1 leaves it running)
#
# Starts its own cluster with .tools/cluster.sh start $TEST_OUT/cluster (three cache Redis
# nodes, a primary with a replica and three Sentinels, FerretDB, three pasted instances of
# $B/pasted, nginx in front; every port a free one; its logs stay there), then:
#   1. basics     a paste created through nginx reads back byte-exact (GET /raw) from every
#                 instance; a create on instance 1 is on instance 2's /events within a second;
#                 a delete on instance 1 is a 404 on all three at once
#   2. spread     3,000 pastes created (spread over the instances) and read once: each cached
#                 on one cache node, each node holding 33% +- 8% of them; nutcracker over three
#                 other, empty Redis nodes named cache-a/b/c (names place keys, addresses do
#                 not) puts every key on the node of the same name; ketama-place ($B/ketama-place,
#                 made when missing) says a fourth node, cache-d, takes at most 30% of the keys,
#                 all of them from the other three
#   3. cache node kill -9 of cache-b (SAVEd first) under ~200 reads/s through nginx: no
#                 non-2xx; every instance ejects it; a paste of cache-b's deleted meanwhile; it
#                 comes back (its dump still has the record), every instance takes it back, the
#                 paste is 404 everywhere, and the node fills again with reads
#   3b. frozen    SIGSTOP of cache-c under reads: every instance drops it after cache_timeout_ms
#                 without an answer; reads go on (no non-2xx, no gap over 2.5 s); SIGCONT: back
#   4. failover   kill -9 of the primary under creates (pasted finds the primary through the
#                 three Sentinels): the replica is promoted, creates succeed again within 10 s,
#                 every acknowledged paste reads back byte-exact, no id was handed out twice
#   5. pasted     kill -9 of pasted-2 under creates and reads through nginx (8 threads): every
#                 acknowledged paste reads back byte-exact; clients saw at most 8 failures (the
#                 requests that could have been in flight); pasted-2 is restarted
# The clients are tests/cluster/load.py (python3 threads, keep-alive). Each test prints its
# figures (requests, errors, longest gap between answers, times); one line per check, "ok: ..."
# or "FAILED: ..."; the last line is "N passed, N failed"; exit 1 when anything failed.
# Everything started is stopped on exit (the trap), also on Ctrl-C.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
LOG_PREFIX=cluster-test
# shellcheck source=SCRIPTDIR/../../.tools/lib.sh
. "$ROOT/.tools/lib.sh"     # say, free_port, owns_port, pid_alive, stop_pid

B=${B:-build}
case $B in /*) BDIR=$B ;; *) BDIR=$ROOT/$B ;; esac
OUT=${TEST_OUT:-$ROOT/tests/out}
DIR=$OUT/cluster                       # the cluster's state and logs
W=$DIR/test                            # this suite's files
CLUSTER=$ROOT/.tools/cluster.sh
LOAD=$ROOT/tests/cluster/load.py
PLACE=${KETAMA_PLACE:-$BDIR/ketama-place}
export PASTED_BIN=${PASTED_BIN:-$BDIR/pasted}
NICE=(nice -n 10)                      # 2 cores shared with whoever else works here
NPASTES=${CLUSTER_PASTES:-3000}
# the tests, in order. CLUSTER_TESTS="basics failover" runs those only (cache_node needs
# spread's pastes).
TESTS=(basics spread cache_node frozen_node failover pasted)
[ -z "${CLUSTER_TESTS:-}" ] || read -r -a TESTS <<<"$CLUSTER_TESTS"

passed=0 failed=0
check() {   # check OK MESSAGE: count one test
    if [ "$1" = 0 ]; then passed=$((passed + 1)); say "ok: $2"
    else failed=$((failed + 1)); say "FAILED: $2"; fi
}
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

BG=()              # pids of loaders, nutcracker and the shadow nodes: stopped on exit
cleanup() {
    trap - EXIT INT TERM HUP
    local p
    for p in "${BG[@]}"; do stop_pid "$p" TERM 3; done
    if [ "${KEEP:-0}" = 1 ]; then say "KEEP=1: the cluster keeps running (.tools/cluster.sh stop ${DIR#"$ROOT"/})"
    else "$CLUSTER" stop "$DIR" >/dev/null 2>&1; fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

# ---------------------------------------------------------------- helpers
now_ms() { date +%s%3N; }
# field KEY FILE: KEY's value on the RESULT line load.py printed last in FILE (empty if none)
field() { sed -n 's/^RESULT //p' "$2" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"; }
num() { [[ ${1:-} =~ ^-?[0-9]+$ ]] && echo "$1" || echo "${2:--1}"; }   # num VALUE [DEFAULT]
code() { code_to /dev/null "$@"; }                                    # code CURL_ARGS...: the status
code_to() { curl -s -o "$1" -w '%{http_code}' --max-time 5 "${@:2}" 2>/dev/null || true; }   # code_to FILE ...
# relay WHAT: cluster.sh's lines ("cluster: ...", "stack: ...") as this suite's: "cluster-test: WHAT: ..."
relay() { local l; while IFS= read -r l; do l=${l#cluster: }; say "$1: ${l#stack: }"; done; }

# node_up URL NAME: what URL/metrics says of cache node NAME (1, 0, or empty)
node_up() {
    curl -s --max-time 2 "$1/metrics" 2>/dev/null \
        | sed -n "s/^pasted_cache_node_up{node=\"$2\"} \([0-9]*\)$/\1/p"
}

# wait_nodes STATE NAME SECONDS: until every instance's /metrics says NAME is STATE (1 or 0);
# sets WAITED_MS (from the call; -1: not within SECONDS) and FIRST_MS (the first instance)
wait_nodes() {
    local want=$1 name=$2 secs=$3 t0 u done_=() i all
    t0=$(now_ms); FIRST_MS=-1; WAITED_MS=-1
    local -a urls; read -r -a urls <<<"$PASTED_URLS"
    for i in "${!urls[@]}"; do done_[i]=0; done
    while [ $(( $(now_ms) - t0 )) -lt $((secs * 1000)) ]; do
        all=1
        for i in "${!urls[@]}"; do
            [ "${done_[i]}" = 1 ] && continue
            if [ "$(node_up "${urls[i]}" "$name")" = "$want" ]; then
                done_[i]=1
                [ "$FIRST_MS" -ge 0 ] || FIRST_MS=$(( $(now_ms) - t0 ))
            else
                all=0
            fi
        done
        [ "$all" = 1 ] && { WAITED_MS=$(( $(now_ms) - t0 )); return 0; }
        sleep 0.05
    done
    return 1
}

wait_file() {   # wait_file FILE SECONDS
    local i
    for ((i = 0; i < $2 * 20; i++)); do [ -e "$1" ] && return 0; sleep 0.05; done
    return 1
}

# ---------------------------------------------------------------- 1. basics
test_basics() {
    local body="$W/t1.body" got="$W/t1.got" id token u n=0 missed=() codes=() lat
    local -a urls; read -r -a urls <<<"$PASTED_URLS"
    say "--- 1. basics: through nginx, across the instances"
    python3 -c 'import sys; sys.stdout.buffer.write("cluster basics: Grüße, 日本語\r\n\tend\n".encode() + bytes(range(256)) + b"\x00\r\n")' >"$body"
    curl -s --max-time 10 -D "$W/t1.headers" -o "$W/t1.created" -H 'Content-Type: application/octet-stream' \
        --data-binary @"$body" "$NGINX_URL/" >/dev/null
    id=$(tr -d '\r\n' <"$W/t1.created" | sed 's|.*/||')
    token=$(tr -d '\r' <"$W/t1.headers" | sed -n 's/^[Xx]-[Dd]elete-[Tt]oken: //p')
    if [[ ! $id =~ ^[A-Za-z0-9]+$ ]] || [ -z "$token" ]; then
        check 1 "basics: a create through nginx answered $(head -n 1 "$W/t1.headers" | tr -d '\r'): $(head -c 200 "$W/t1.created")"
        return
    fi
    for u in "${urls[@]}"; do
        if [ "$(code_to "$got" "$u/raw/$id")" = 200 ] && cmp -s "$body" "$got"; then n=$((n + 1)); else missed+=("$u"); fi
    done
    say "basics: paste $id ($(wc -c <"$body") bytes) created through nginx; byte-exact from $n of ${#urls[@]} instances${missed[*]:+; not from ${missed[*]}}"
    check $(( n != ${#urls[@]} )) "basics: a paste created through nginx reads back byte-exact from every instance"

    "${NICE[@]}" python3 "$LOAD" sse "${urls[1]}" "${urls[0]}" >"$W/t1.sse" 2>&1
    sed -n 's/^load: /basics: /p' "$W/t1.sse" | while read -r l; do say "$l"; done
    lat=$(num "$(field latency_ms "$W/t1.sse")")
    check $(( lat < 0 || lat > 1000 )) "basics: a create on instance 1 is on instance 2's /events within a second (${lat} ms)"

    codes+=("DELETE $(code -X DELETE -H "X-Delete-Token: $token" "${urls[0]}/$id")")
    for u in "${urls[@]}"; do codes+=("$(code "$u/raw/$id")"); done
    for u in "${urls[@]}"; do codes+=("$(code "$u/$id")"); done
    say "basics: DELETE on instance 1, then /raw/$id and /$id on each: ${codes[*]}"
    [ "${codes[*]}" = "DELETE 204 404 404 404 404 404 404" ]
    check $? "basics: a delete on instance 1 is a 404 on all three at once (raw and page)"
}

# ---------------------------------------------------------------- 2. spread
SHADOW_PORT=()
start_shadow() {   # three empty redis-servers and a nutcracker over them; sets NC_PORT
    local i p pid stats _
    for i in 0 1 2; do
        for _ in 1 2 3; do
            p=$(free_port) || return 1
            mkdir -p "$W/shadow-$i"
            redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$W/shadow-$i" \
                --logfile "$W/shadow-$i/redis.log" --daemonize no >/dev/null 2>&1 &
            pid=$!; BG+=("$pid")
            for ((k = 0; k < 50; k++)); do owns_port "$pid" "$p" && break; pid_alive "$pid" || break; sleep 0.1; done
            owns_port "$pid" "$p" && { SHADOW_PORT[i]=$p; break; }
        done
        [ -n "${SHADOW_PORT[i]:-}" ] || return 1
    done
    for _ in 1 2 3; do
        NC_PORT=$(free_port) && stats=$(free_port) || return 1
        {
            echo "shadow:"
            echo "  listen: 127.0.0.1:$NC_PORT"
            echo "  hash: fnv1a_64"
            echo "  distribution: ketama"
            echo "  redis: true"
            echo "  timeout: 2000"
            echo "  auto_eject_hosts: false"
            echo "  servers:"
            for i in 0 1 2; do echo "    - 127.0.0.1:${SHADOW_PORT[i]}:1 ${CACHE_NAME_OF[i]}"; done
        } >"$W/shadow.yml"
        nutcracker -c "$W/shadow.yml" -s "$stats" -a 127.0.0.1 -o "$W/shadow.nutcracker.log" \
            -p "$W/shadow.nutcracker.pid" >/dev/null 2>&1 &
        pid=$!; BG+=("$pid")
        for ((k = 0; k < 50; k++)); do owns_port "$pid" "$NC_PORT" && return 0; pid_alive "$pid" || break; sleep 0.1; done
    done
    return 1
}

test_spread() {
    local i name port c total=0 bad=0 held line
    say "--- 2. spread: $NPASTES cached pastes over the cache nodes, placed as nutcracker places them"
    "${NICE[@]}" python3 "$LOAD" create "$PASTED_URLS" "$NPASTES" 8 "$W/ids.tsv" >"$W/t2.create" 2>&1
    sed -n 's/^load: /spread: /p' "$W/t2.create" | while read -r l; do say "$l"; done
    c=$(num "$(field created "$W/t2.create")")
    [ "$c" -eq "$NPASTES" ] && [ "$(num "$(field mismatched "$W/t2.create")")" -eq 0 ] \
        && [ "$(num "$(field errors "$W/t2.create")")" -eq 0 ]
    check $? "spread: $NPASTES pastes created and read back once, byte-exact ($c created)"

    # where each key is: "key<TAB>node" over every key of every node, sorted
    : >"$W/real.placed"
    for i in 0 1 2; do
        name=${CACHE_NAME_OF[i]}; port=${CACHE_PORT_OF[i]}
        redis-cli -p "$port" --scan --pattern 'pasted:p:*' >"$W/real.$name"
        awk -v n="$name" '{ print $0 "\t" n }' "$W/real.$name" >>"$W/real.placed"
    done
    LC_ALL=C sort -o "$W/real.placed" "$W/real.placed"
    cut -f1 "$W/ids.tsv" | sed 's/^/pasted:p:/' | LC_ALL=C sort >"$W/created.keys"
    # each created paste's key on exactly one node
    LC_ALL=C join -t "$(printf '\t')" "$W/created.keys" "$W/real.placed" >"$W/created.placed"
    held=$(cut -f1 "$W/created.placed" | LC_ALL=C sort -u | wc -l)
    local twice=$(( $(wc -l <"$W/created.placed") - held ))
    local on_primary
    on_primary=$(redis-cli -p "$PRIMARY_PORT" --scan --pattern 'pasted:p:*' | wc -l)
    say "spread: $held of $NPASTES created pastes cached on a cache node ($twice on two), $on_primary paste records on the primary"
    [ "$held" -eq "$NPASTES" ] && [ "$twice" -eq 0 ]
    check $? "spread: every created paste is cached on exactly one cache node"

    line=""
    for i in 0 1 2; do
        name=${CACHE_NAME_OF[i]}
        c=$(awk -F'\t' -v n="$name" '$2 == n' "$W/created.placed" | wc -l)
        total=$((total + c))
        line+="$name $c ($(awk -v c="$c" -v t="$NPASTES" 'BEGIN { printf "%.1f", 100 * c / t }')%)  "
        [ $((c * 1000)) -ge $((NPASTES * 253)) ] && [ $((c * 1000)) -le $((NPASTES * 413)) ] || bad=1
    done
    say "spread: keys per node: $line"
    check "$bad" "spread: each cache node holds 33% +- 8% of the $NPASTES pastes"

    # nutcracker, over three other nodes with the same names, for the created pastes' keys (a
    # deleted paste's tombstone is on every node: pasted writes it everywhere on purpose)
    local nkeys ok wrong
    nkeys=$(wc -l <"$W/created.placed")
    if [ "$nkeys" -eq 0 ]; then
        check 1 "spread: nutcracker places every key where pasted did (no keys on the cache nodes)"
    elif ! start_shadow; then
        check 1 "spread: nutcracker places every key where pasted did (nutcracker or its nodes did not start; $W/shadow.nutcracker.log)"
    else
        cut -f1 "$W/created.placed" | awk '{ print "SET " $0 " 1" }' >"$W/shadow.cmds"
        # one command a line: nutcracker has no ECHO, which redis-cli --pipe needs
        ok=$(timeout 60 redis-cli -p "$NC_PORT" <"$W/shadow.cmds" 2>"$W/shadow.err" | grep -c '^OK$')
        : >"$W/shadow.placed"
        for i in 0 1 2; do
            redis-cli -p "${SHADOW_PORT[i]}" --scan | awk -v n="${CACHE_NAME_OF[i]}" '{ print $0 "\t" n }' >>"$W/shadow.placed"
        done
        LC_ALL=C sort -o "$W/shadow.placed" "$W/shadow.placed"
        wrong=$(LC_ALL=C comm -3 "$W/created.placed" "$W/shadow.placed" | wc -l)
        say "spread: $ok of $nkeys keys SET through nutcracker; $wrong lines differ between pasted's nodes and nutcracker's"
        [ "$wrong" -eq 0 ] || LC_ALL=C diff "$W/created.placed" "$W/shadow.placed" | grep '^[<>]' | head -n 6 \
            | while read -r l; do say "spread:   $l (< pasted, > nutcracker)"; done
        [ "$ok" -eq "$nkeys" ] && [ "$wrong" -eq 0 ]
        check $? "spread: nutcracker (ketama, fnv1a_64, the same node names) places every key where pasted did"
    fi

    # a fourth node, by pasted's own ring
    if [ ! -x "$PLACE" ]; then
        make --no-print-directory "${PLACE#"$ROOT"/}" >"$W/ketama-place.make" 2>&1 \
            || say "spread: make ${PLACE#"$ROOT"/} failed (see ${W#"$ROOT"/}/ketama-place.make)"
    fi
    if [ ! -x "$PLACE" ] || [ "$nkeys" -eq 0 ]; then
        check 1 "spread: a 4th node moves at most 30% of the keys, all to itself ($PLACE missing or no keys)"
        return
    fi
    printf '127.0.0.1:1:1 %s\n' "${CACHE_NAME_OF[@]}" >"$W/ring3.nodes"
    { cat "$W/ring3.nodes"; echo "127.0.0.1:1:1 cache-d"; } >"$W/ring4.nodes"
    cut -f1 "$W/created.placed" >"$W/keys"
    "$PLACE" "$W/ring3.nodes" <"$W/keys" | LC_ALL=C sort >"$W/ring3.placed"
    "$PLACE" "$W/ring4.nodes" <"$W/keys" | LC_ALL=C sort >"$W/ring4.placed"
    local same moved elsewhere
    same=$(LC_ALL=C comm -12 "$W/ring3.placed" "$W/created.placed" | wc -l)
    LC_ALL=C join -t "$(printf '\t')" "$W/ring3.placed" "$W/ring4.placed" | awk -F'\t' '$2 != $3' >"$W/moved"
    moved=$(wc -l <"$W/moved")
    elsewhere=$(awk -F'\t' '$3 != "cache-d"' "$W/moved" | wc -l)
    say "spread: ketama-place agrees with pasted on $same of $nkeys keys; adding cache-d moves $moved ($(awk -v m="$moved" -v t="$nkeys" \
        'BEGIN { printf "%.1f", 100 * m / t }')%), $elsewhere of them elsewhere than to cache-d"
    [ "$same" -eq "$nkeys" ] && [ "$moved" -gt 0 ] && [ $((moved * 100)) -le $((nkeys * 30)) ] && [ "$elsewhere" -eq 0 ]
    check $? "spread: a 4th node (cache-d) moves at most 30% of the keys, all to itself"
}

# ---------------------------------------------------------------- 3. cache node
test_cache_node() {
    local node=cache-b port victim token rpid eject first del c0 c1 c2 indump loaded codes=() u
    local -a urls; read -r -a urls <<<"$PASTED_URLS"
    say "--- 3. cache node: kill -9 of $node under reads"
    port=${CACHE_PORT_OF[1]}
    if [ ! -s "$W/ids.tsv" ]; then check 1 "cache node: no pastes to read (test 2 made none)"; return; fi
    # a paste whose record is on the node, with its token
    victim=$(sed 's/^pasted:p://' "$W/real.$node" 2>/dev/null | LC_ALL=C sort \
             | LC_ALL=C join -t "$(printf '\t')" - <(LC_ALL=C sort "$W/ids.tsv") | head -n 1)
    token=${victim#*$'\t'}; victim=${victim%%$'\t'*}
    if [ -z "$victim" ] || [ -z "$token" ]; then
        check 1 "cache node: no paste of test 2 is cached on $node"; return
    fi
    grep -v "^$victim"$'\t' "$W/ids.tsv" >"$W/t3.ids"
    c0=$(redis-cli -p "$port" DBSIZE)
    say "cache node: $node holds $c0 keys; SAVE: $(redis-cli -p "$port" SAVE); paste $victim's record is on it"

    rm -f "$W/t3.ready"
    LOAD_READY="$W/t3.ready" "${NICE[@]}" python3 "$LOAD" read "$NGINX_URL" "$W/t3.ids" 200 8 4 >"$W/t3.read" 2>&1 &
    rpid=$!; BG+=("$rpid")
    wait_file "$W/t3.ready" 10 || say "cache node: the reader did not get a first answer within 10 s"
    sleep 1.5
    "$CLUSTER" kill-cache "$DIR" "$node" | relay "cache node"
    wait_nodes 0 "$node" 6
    eject=$WAITED_MS first=$FIRST_MS
    say "cache node: ejected by every instance $eject ms after the kill (the first: $first ms)"
    del=$(code -X DELETE -H "X-Delete-Token: $token" "$NGINX_URL/$victim")
    echo "$victim" >>"$W/deleted"
    say "cache node: DELETE /$victim through nginx while $node is down: $del"
    wait "$rpid"
    sed -n 's/^load: /cache node: reader: /p' "$W/t3.read" | while read -r l; do say "$l"; done
    local req ok non2xx err gap
    req=$(num "$(field requests "$W/t3.read")" 0); ok=$(num "$(field ok "$W/t3.read")" 0)
    non2xx=$(num "$(field non2xx "$W/t3.read")"); err=$(num "$(field errors "$W/t3.read")")
    gap=$(num "$(field gap_ms "$W/t3.read")")
    say "cache node: $req reads through nginx, $non2xx non-2xx, $err without an answer, longest gap between answers $gap ms"
    [ "$req" -ge 400 ] && [ "$ok" -eq "$req" ] && [ "$non2xx" -eq 0 ] && [ "$err" -eq 0 ]
    check $? "cache node: reads through nginx while $node is killed: every one 2xx"
    [ "$eject" -ge 0 ]
    check $? "cache node: every instance ejects $node (/metrics pasted_cache_node_up 0)"
    [ "$del" = 204 ]
    check $? "cache node: a paste of $node's deleted while it is down (DELETE: $del)"

    # the dump SAVE wrote holds the record (keys this short are stored as they are)
    indump=$(grep -c -a "pasted:p:$victim" "$DIR/$node/dump.rdb" 2>/dev/null)
    "$CLUSTER" restart-cache "$DIR" "$node" 2>&1 | relay "cache node"
    loaded=$(grep -a 'keys loaded' "$DIR/$node.log" | tail -n 1 | sed -n 's/.*keys loaded: \([0-9]*\).*/\1/p')
    say "cache node: $node loaded ${loaded:-?} keys from its dump.rdb, the deleted paste's record among them: $([ "${indump:-0}" -gt 0 ] && echo yes || echo no)"
    wait_nodes 1 "$node" 15
    say "cache node: every instance has $node up again $WAITED_MS ms after the restart (the first: $FIRST_MS ms)"
    [ "$WAITED_MS" -ge 0 ]
    check $? "cache node: every instance takes $node back (/metrics pasted_cache_node_up 1)"

    for u in "${urls[@]}"; do codes+=("$(code "$u/raw/$victim")" "$(code "$u/$victim")"); done
    codes+=("$(code "$NGINX_URL/raw/$victim")")
    say "cache node: the deleted paste, /raw and page on each instance, then through nginx: ${codes[*]}"
    [ "${codes[*]}" = "404 404 404 404 404 404 404" ] && [ "${indump:-0}" -gt 0 ]
    check $? "cache node: the paste deleted while $node was down is 404 everywhere once it is back with its dump"

    # more reads: the pastes whose records the node held, read again
    sed 's/^pasted:p://' "$W/real.$node" | grep -v "^$victim\$" >"$W/t3.node.ids"
    c1=$(redis-cli -p "$port" --scan --pattern 'pasted:p:*' | wc -l)
    "${NICE[@]}" python3 "$LOAD" read "$NGINX_URL" "$W/t3.node.ids" 400 2 4 >"$W/t3.reread" 2>&1
    c2=$(redis-cli -p "$port" --scan --pattern 'pasted:p:*' | wc -l)
    say "cache node: $(num "$(field requests "$W/t3.reread")" 0) reads of its pastes through nginx ($(num "$(field ok "$W/t3.reread")" 0) 2xx): $node's paste records $c1 -> $c2"
    [ "$c2" -gt "$c1" ]
    check $? "cache node: $node receives keys again"

    # A paste of the node's, read while the node is out (so cached on another node under that
    # ring), deleted once the node is back: when the node goes out again, the other node must
    # not serve what it cached then (the tombstone goes to every node that is up).
    local second stoken
    second=$(sed 's/^pasted:p://' "$W/real.$node" | grep -v "^$victim\$" | LC_ALL=C sort \
             | LC_ALL=C join -t "$(printf '\t')" - <(LC_ALL=C sort "$W/ids.tsv") | head -n 1)
    stoken=${second#*$'\t'}; second=${second%%$'\t'*}
    # (the first read after a kill finds the node gone, and ejects it; the second is placed
    # on the ring without it)
    "$CLUSTER" kill-cache "$DIR" "$node" | relay "cache node"
    codes=()
    for u in "${urls[@]}"; do code "$u/raw/$second" >/dev/null; codes+=("$(code "$u/raw/$second")"); done
    wait_nodes 0 "$node" 6
    local elsewhere=0 p2
    sleep 0.5                       # the record is cached just after the answer
    for p2 in "${CACHE_PORT_OF[@]}"; do
        [ "$p2" = "$port" ] && continue
        [ "$(redis-cli -p "$p2" EXISTS "pasted:p:$second")" = 1 ] && elsewhere=1
    done
    "$CLUSTER" restart-cache "$DIR" "$node" 2>&1 | relay "cache node"
    wait_nodes 1 "$node" 15
    del=$(code -X DELETE -H "X-Delete-Token: $stoken" "$NGINX_URL/$second")
    echo "$second" >>"$W/deleted"
    "$CLUSTER" kill-cache "$DIR" "$node" | relay "cache node"
    local again=()
    for u in "${urls[@]}"; do code "$u/raw/$second" >/dev/null; again+=("$(code "$u/raw/$second")"); done
    say "cache node: paste $second read while $node was out (${codes[*]}; cached on another node: $elsewhere), deleted once it was back ($del), then read with $node out again: ${again[*]}"
    [ "${codes[*]}" = "200 200 200" ] && [ "$elsewhere" = 1 ] && [ "$del" = 204 ] && [ "${again[*]}" = "404 404 404" ]
    check $? "cache node: a paste cached on another node while $node was out, deleted after, stays 404 when $node is out again"
    "$CLUSTER" restart-cache "$DIR" "$node" 2>&1 | relay "cache node"
    wait_nodes 1 "$node" 15
}

# ---------------------------------------------------------------- 3b. a frozen cache node
# A node that hangs rather than fails (SIGSTOP) would hold every read placed on it: each instance
# drops it after cache_timeout_ms (1 s) without an answer, and reads go on from MongoDB.
test_frozen_node() {
    local node=cache-c pid rpid req ok non2xx err gap
    say "--- 3b. frozen cache node: SIGSTOP of $node under reads"
    if [ ! -s "$W/ids.tsv" ]; then check 1 "frozen node: no pastes to read (test 2 made none)"; return; fi
    pid=$(cat "$DIR/$node.pid")
    touch "$W/deleted"      # the pastes test 3 deleted are 404, rightly
    cut -f1 "$W/ids.tsv" | grep -vxF -f "$W/deleted" >"$W/t3b.ids"
    rm -f "$W/t3b.ready"
    LOAD_READY="$W/t3b.ready" "${NICE[@]}" python3 "$LOAD" read "$NGINX_URL" "$W/t3b.ids" 200 6 4 >"$W/t3b.read" 2>&1 &
    rpid=$!; BG+=("$rpid")
    wait_file "$W/t3b.ready" 10 || say "frozen node: the reader did not get a first answer within 10 s"
    sleep 1
    kill -STOP "$pid"
    say "frozen node: SIGSTOP $node (pid $pid)"
    wait_nodes 0 "$node" 6
    say "frozen node: ejected by every instance $WAITED_MS ms after the stop (the first: $FIRST_MS ms)"
    local ejected=$WAITED_MS
    wait "$rpid"
    kill -CONT "$pid"
    req=$(num "$(field requests "$W/t3b.read")" 0); ok=$(num "$(field ok "$W/t3b.read")" 0)
    non2xx=$(num "$(field non2xx "$W/t3b.read")"); err=$(num "$(field errors "$W/t3b.read")")
    gap=$(num "$(field gap_ms "$W/t3b.read")")
    say "frozen node: $req reads through nginx, $non2xx non-2xx, $err without an answer, longest gap between answers $gap ms"
    [ "$ejected" -ge 0 ] && [ "$req" -ge 300 ] && [ "$ok" -eq "$req" ] && [ "$non2xx" -eq 0 ] && [ "$err" -eq 0 ] \
        && [ "$gap" -ge 0 ] && [ "$gap" -le 2500 ]
    check $? "frozen node: reads go on (every one 2xx, no gap over 2.5 s) and every instance ejects the frozen $node"
    wait_nodes 1 "$node" 15
    say "frozen node: $node up again on every instance $WAITED_MS ms after SIGCONT"
    [ "$WAITED_MS" -ge 0 ]
    check $? "frozen node: every instance takes $node back once it answers"
}

# ---------------------------------------------------------------- 4. failover
# The cluster starts with CLUSTER_REDIS=sentinel (the default): pasted finds the master through
# the Sentinels and follows their +switch-master.
test_failover() {
    local lpid master t0 promoted=-1 p
    say "--- 4. failover: kill -9 of the primary under creates"
    if [ "${CLUSTER_REDIS:-sentinel}" != sentinel ]; then
        check 1 "failover: the cluster's pasted instances do not use the Sentinels (CLUSTER_REDIS=sentinel)"
        return
    fi
    rm -f "$W/t4.ready" "$W/t4.mark"
    LOAD_READY="$W/t4.ready" LOAD_MARK="$W/t4.mark" "${NICE[@]}" python3 "$LOAD" mixed "$NGINX_URL" 8 16 \
        "$W/t4.acked" creates-only >"$W/t4.out" 2>&1 &
    lpid=$!; BG+=("$lpid")
    wait_file "$W/t4.ready" 10 || say "failover: the load did not get a first answer within 10 s"
    sleep 2
    python3 -c 'import time; print(time.time())' >"$W/t4.mark"
    "$CLUSTER" kill-primary "$DIR" | relay failover
    t0=$(now_ms)
    p=${SENTINEL_PORTS%% *}
    while [ $(( $(now_ms) - t0 )) -lt 15000 ]; do
        master=$(redis-cli -p "$p" SENTINEL get-master-addr-by-name mymaster 2>/dev/null | sed -n 2p)
        if [ -n "$master" ] && [ "$master" != "$PRIMARY_PORT" ]; then promoted=$(( $(now_ms) - t0 )); break; fi
        sleep 0.1
    done
    say "failover: the Sentinels promoted 127.0.0.1:${master:-?} $promoted ms after the kill"
    wait "$lpid"
    sed -n 's/^load: /failover: /p' "$W/t4.out" | while read -r l; do say "$l"; done
    local rec req errs gap
    rec=$(num "$(field recovered_ms "$W/t4.out")"); req=$(num "$(field requests "$W/t4.out")" 0)
    errs=$(( $(num "$(field non2xx "$W/t4.out")" 0) + $(num "$(field errors "$W/t4.out")" 0) ))
    gap=$(num "$(field gap_ms "$W/t4.out")")
    say "failover: $req creates, $errs failed, longest gap $gap ms, creates succeed again $rec ms after the kill"
    [ "$promoted" -ge 0 ] && [ "$rec" -ge 0 ] && [ "$rec" -le 10000 ]
    check $? "failover: Sentinel promotes the replica and creates succeed again within 10 s"
    [ "$(num "$(field missing "$W/t4.out")")" -eq 0 ] && [ "$(num "$(field mismatched "$W/t4.out")")" -eq 0 ] \
        && [ "$(num "$(field acked "$W/t4.out")" 0)" -gt 0 ]
    check $? "failover: every acknowledged paste reads back byte-exact"
    # the ids are a keyed permutation of the numbers: no id twice is no number twice
    [ "$(num "$(field duplicates "$W/t4.out")")" -eq 0 ]
    check $? "failover: no id (so no number) was handed out twice"
    # each instance names the new master and counts the failover (/metrics)
    local u seen=0 total=0
    for u in $PASTED_URLS; do
        total=$((total + 1))
        curl -s --max-time 2 "$u/metrics" | grep -q "^pasted_redis_primary{addr=\"127.0.0.1:$master\"} 1\$" \
            && curl -s --max-time 2 "$u/metrics" | grep -qE '^pasted_redis_failovers_total [1-9]' && seen=$((seen + 1))
    done
    say "failover: $seen of $total instances name 127.0.0.1:$master as the primary in /metrics, with the failover counted"
    [ "$seen" -eq "$total" ]
    check $? "failover: every instance's /metrics names the new primary and counts the failover"
    "$CLUSTER" restart-primary "$DIR" 2>&1 | relay failover
    say "failover: the old primary is back (the Sentinels make it a replica of 127.0.0.1:$(redis-cli -p "$p" \
        SENTINEL get-master-addr-by-name mymaster 2>/dev/null | sed -n 2p))"
}

# ---------------------------------------------------------------- 5. pasted
test_pasted() {
    local lpid threads=8 req errs gap acked
    say "--- 5. pasted: kill -9 of pasted-2 under creates and reads through nginx"
    rm -f "$W/t5.ready"
    LOAD_READY="$W/t5.ready" "${NICE[@]}" python3 "$LOAD" mixed "$NGINX_URL" "$threads" 6 "$W/t5.acked" \
        >"$W/t5.out" 2>&1 &
    lpid=$!; BG+=("$lpid")
    wait_file "$W/t5.ready" 10 || say "pasted: the load did not get a first answer within 10 s"
    sleep 2
    "$CLUSTER" kill-pasted "$DIR" 2 | relay pasted
    wait "$lpid"
    sed -n 's/^load: /pasted: /p' "$W/t5.out" | while read -r l; do say "$l"; done
    req=$(num "$(field requests "$W/t5.out")" 0); acked=$(num "$(field acked "$W/t5.out")" 0)
    errs=$(( $(num "$(field non2xx "$W/t5.out")" 0) + $(num "$(field errors "$W/t5.out")" 0) ))
    gap=$(num "$(field gap_ms "$W/t5.out")")
    say "pasted: $req requests, $acked creates acknowledged, $errs failed (at most $threads may), longest gap between answers $gap ms"
    [ "$req" -gt 0 ] && [ "$errs" -le "$threads" ]
    check $? "pasted: clients saw at most the $threads requests that could have been in flight fail ($errs)"
    [ "$acked" -gt 0 ] && [ "$(num "$(field missing "$W/t5.out")")" -eq 0 ] \
        && [ "$(num "$(field mismatched "$W/t5.out")")" -eq 0 ] \
        && [ "$(num "$(field live_mismatched "$W/t5.out")")" -eq 0 ] \
        && [ "$(num "$(field duplicates "$W/t5.out")")" -eq 0 ]
    check $? "pasted: every acknowledged paste reads back byte-exact through nginx ($acked)"
    "$CLUSTER" restart-pasted "$DIR" 2 2>&1 | relay pasted
    check "${PIPESTATUS[0]}" "pasted: pasted-2 restarted and answers /healthz"
}

# ---------------------------------------------------------------- main
for t in python3 redis-cli redis-server nutcracker curl nginx redis-sentinel; do
    command -v "$t" >/dev/null || { check 1 "$t is not installed (apt-get install -y nutcracker redis-sentinel nginx-light)"; finish; }
done
[ -x "$PASTED_BIN" ] || { check 1 "$PASTED_BIN does not exist (make)"; finish; }
mkdir -p "$OUT"
"$CLUSTER" stop "$DIR" >/dev/null 2>&1       # leftovers of a killed run
rm -rf "$DIR"
T0=$SECONDS
if ! "${NICE[@]}" "$CLUSTER" start "$DIR"; then
    check 1 "the cluster did not start (logs under ${DIR#"$ROOT"/})"
    finish
fi
mkdir -p "$W"
# shellcheck disable=SC1091
. "$DIR/env"
read -r -a CACHE_NAME_OF <<<"$CACHE_NAMES"
read -r -a CACHE_PORT_OF <<<"$CACHE_PORTS"
say "cluster up in $((SECONDS - T0)) s: nginx $NGINX_URL, pasted $PASTED_URLS, cache ports $CACHE_PORTS"

for t in "${TESTS[@]}"; do
    T1=$SECONDS
    "test_$t"
    say "($t: $((SECONDS - T1)) s)"
done
"$CLUSTER" status "$DIR" >"$W/status.end" 2>&1 || { say "not everything answers at the end:"; cat "$W/status.end"; }
say "logs under ${DIR#"$ROOT"/}; $((SECONDS - T0)) s in all"
cleanup
# the instances' logs hold no sanitizer report (SAN=1 builds; the killed one never wrote its own)
reports=$(cat "$DIR"/pasted-*.log 2>/dev/null | grep -cE 'ERROR: (Address|Leak)Sanitizer|runtime error:')
[ "$reports" -eq 0 ]
check $? "the pasted instances' logs hold no sanitizer report ($reports)"
finish
