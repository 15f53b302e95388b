#!/usr/bin/env bash
# The libFuzzer targets of the parsers (tests/fuzz/fuzz_*.c), built with clang.
#
#   tests/fuzz/run.sh [--merge] [TARGET...]     (from any directory)
#
#   1. builds each target into $B/fuzz/TARGET (B=build) when the binary is older
#      than its sources: the harness plus the few src/core and src/http files it
#      needs, with -fsanitize=fuzzer,address,undefined (UB aborts); the include
#      dir $B/fuzz/inc holds links core -> src/core and http -> src/http only;
#   2. runs each for FUZZ_SECONDS (60) on a temporary copy of
#      tests/fuzz/corpus/TARGET (the repo is left alone), with its dictionary
#      tests/fuzz/TARGET.dict if there is one; libFuzzer's output goes to
#      $B/fuzz/TARGET.log, crashes to $B/fuzz/crashes/;
#   3. prints one line per target, "fuzz: TARGET ok (N runs)" or
#      "fuzz: TARGET FAILED (...)" and the last 30 lines of its log, then
#      "N passed, N failed"; exits 1 if anything failed.
#
#   --merge   after a target passes, merges the inputs that reached new coverage
#             back into tests/fuzz/corpus/TARGET (libFuzzer -merge=1; the corpus is
#             re-minimized, the seed-* inputs always kept). Commit it deliberately.
#
# Env: FUZZ_SECONDS, B, FUZZ_CC (clang), FUZZ_FLAGS (extra libFuzzer flags).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
B=${B:-build}
case $B in /*) BDIR=$B ;; *) BDIR=$ROOT/$B ;; esac
FDIR=$BDIR/fuzz
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
CLANG=${FUZZ_CC:-clang}
HERE=tests/fuzz

# target -> the sources it links (the minimal set: what the parser and text.c need)
declare -A SOURCES=(
    [fuzz_head]="src/http/parse.c src/core/text.c"
    [fuzz_chunked]="src/http/parse.c src/core/text.c"
    [fuzz_urlencoded]="src/http/form.c src/core/text.c"
    [fuzz_multipart]="src/http/form.c src/core/text.c"
    [fuzz_paste_record]="src/core/paste.c src/core/text.c src/core/fault.c"
    [fuzz_range]="src/http/headers.c"
    [fuzz_netaddr]="src/core/netaddr.c src/core/fault.c"
    [fuzz_link]="src/core/link.c src/core/text.c src/core/fault.c"
)
ALL=(fuzz_head fuzz_chunked fuzz_urlencoded fuzz_multipart fuzz_paste_record fuzz_range fuzz_netaddr fuzz_link)

MERGE=0
TARGETS=()
for a in "$@"; do
    case $a in
        --merge) MERGE=1 ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) [ -n "${SOURCES[$a]:-}" ] || { echo "fuzz: no target '$a' (targets: ${ALL[*]})" >&2; exit 2; }
           TARGETS+=("$a") ;;
    esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")

if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "fuzz: $CLANG not found; the fuzz targets need clang with libFuzzer:"
    echo "fuzz:   apt-get install -y clang libclang-rt-14-dev   (Debian 12)"
    echo "0 passed, 1 failed"
    exit 1
fi

mkdir -p "$FDIR/inc" "$FDIR/crashes" || exit 1
ln -sfn "$ROOT/src/core" "$FDIR/inc/core"
ln -sfn "$ROOT/src/http" "$FDIR/inc/http"

CFLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra
        "-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=undefined
        -I"$FDIR/inc")
PKG_OUT=$(pkg-config --cflags --libs libevent libcrypto 2>&1)
PKG_OK=$?

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pasted-fuzz.XXXXXX") || exit 1
CHILD=""
cleanup() { [ -n "$CHILD" ] && kill "$CHILD" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

PASSED=0
FAILED=0

fail() {   # fail TARGET WHY LOG
    echo "fuzz: $1 FAILED ($2)"
    [ -f "$3" ] && tail -n 30 "$3" | sed 's/^/    /'
    FAILED=$((FAILED + 1))
}

# build TARGET: 0 when $FDIR/TARGET is up to date or was rebuilt
build() {
    local t=$1 bin=$FDIR/$1 log=$FDIR/$1.build.log stale=0 f
    # shellcheck disable=SC2206
    local srcs=(${SOURCES[$t]})
    [ -x "$bin" ] || stale=1
    for f in "$HERE/$t.c" "${srcs[@]}" src/core/*.h src/http/*.h "$HERE/run.sh"; do
        [ "$f" -nt "$bin" ] && stale=1
    done
    [ $stale = 1 ] || return 0
    if [ $PKG_OK != 0 ]; then
        printf 'pkg-config --cflags --libs libevent libcrypto failed:\n%s\n' "$PKG_OUT" > "$log"
        return 1
    fi
    # shellcheck disable=SC2086
    "$CLANG" "${CFLAGS[@]}" "$HERE/$t.c" "${srcs[@]}" $PKG_OUT -o "$bin.new" > "$log" 2>&1 \
        && mv -f "$bin.new" "$bin"
}

for t in "${TARGETS[@]}"; do
    bin=$FDIR/$t
    log=$FDIR/$t.log
    if ! build "$t"; then
        fail "$t" "build failed, see ${FDIR#"$ROOT"/}/$t.build.log" "$FDIR/$t.build.log"
        continue
    fi

    work=$TMP/$t
    mkdir -p "$work"
    [ -d "$HERE/corpus/$t" ] && cp -R "$HERE/corpus/$t/." "$work/"
    flags=(-max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
           -artifact_prefix="$FDIR/crashes/$t-")
    [ -f "$HERE/$t.dict" ] && flags+=(-dict="$HERE/$t.dict")
    # shellcheck disable=SC2206
    flags+=(${FUZZ_FLAGS:-})

    "$bin" "${flags[@]}" "$work" > "$log" 2>&1 &
    CHILD=$!
    wait "$CHILD"
    rc=$?
    CHILD=""

    if [ $rc != 0 ]; then
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        if [ -n "$crash" ]; then
            fail "$t" "crash saved in ${crash#"$ROOT"/}" "$log"
        else
            fail "$t" "exit $rc, see ${log#"$ROOT"/}" "$log"
        fi
        continue
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    echo "fuzz: $t ok (${runs:-?} runs)"
    PASSED=$((PASSED + 1))

    if [ $MERGE = 1 ]; then
        # The corpus is re-minimized each time, so it does not only grow: the
        # hand-made seed-* inputs stay, and of the rest (the old corpus and
        # this run's finds) libFuzzer keeps those that reach edges the kept
        # ones do not (-use_counters=0: edges, not hit counts; a few dozen files).
        dest=$HERE/corpus/$t
        min=$TMP/$t.min
        mkdir -p "$dest" "$min"
        find "$dest" -maxdepth 1 -type f -name 'seed-*' -exec cp {} "$min/" \;
        if "$bin" -merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=10 "$min" "$dest" "$work" \
               >> "$log" 2>&1; then
            before=$(find "$dest" -maxdepth 1 -type f | wc -l)
            find "$dest" -maxdepth 1 -type f ! -name 'seed-*' -delete
            find "$min" -maxdepth 1 -type f ! -name 'seed-*' -exec cp {} "$dest/" \;
            after=$(find "$dest" -maxdepth 1 -type f | wc -l)
            bytes=$(find "$dest" -maxdepth 1 -type f -printf '%s\n' | awk '{n += $1} END {print n + 0}')
            echo "fuzz: $t corpus merged: $before -> $after inputs, $bytes bytes (${dest})"
        else
            echo "fuzz: $t merge failed, corpus left as it was; see ${log#"$ROOT"/}"
        fi
    fi
done

echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
