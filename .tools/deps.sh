#!/usr/bin/env bash
# Install whatever pasted needs that is missing on this machine, and nothing else.
#
#   .tools/deps.sh [PROFILE]     PROFILE: run, test, bench or all (the default: every profile)
#
#   run    what `make run` needs: the toolchain and libraries to build pasted, redis-server,
#          curl (the README's examples), FerretDB (built with one fix: step 2),
#          and the npm packages of assets/ (embedded into the binary)
#   test   run's + libcriterion-dev, chromium, clang and libclang-rt-14-dev (libFuzzer and the
#          sanitizer runtimes of `clang -fsanitize=fuzzer,address`), the npm packages of
#          tests/browser and tests/openapi, and the pastebin clients of tests/clients/run.sh:
#          pastebinit and netcat-openbsd (Debian), haste-client and pbincli (PyPI) and
#          rustypaste-cli (crates.io)
#   bench  run's + wrk, nginx-light, valgrind (callgrind, callgrind_annotate), iproute2 (ss)
#          and procps (pgrep): what tests/bench/run.sh and tests/bench/check.sh use
#   all    every one of the above
#
# Steps (each prints one line; a machine that has everything prints only "deps: ok ..."):
#   1. Debian packages (apt-get update once, only when something is missing); nodejs and npm
#      too when a folder of the profile has a package.json and there is no npm yet
#   2. FerretDB v1.24.2, built from the Go module proxy with one fix (its SQLite backend's
#      lookups by _id use its own _id index: fix_id_lookups below) into a per-machine cache:
#        ${XDG_CACHE_HOME:-$HOME/.cache}/pasted/ferretdb-v1.24.2-idfix
#      (FERRETDB_BIN=/path/to/ferretdb overrides it, if that binary says v1.24.2; a stock
#      build works, but every lookup by _id then reads the whole collection)
#   3. npm packages of the profile's folders (see above), when they have a package.json
#   4. (test, all) the clients that are not Debian packages, pinned in .tools/clients.sh, into
#      the same cache:
#        haste-client 1.0.3   a venv made by `python3 -m venv`, pip install of pinned versions
#                             (wheel 0.45.1 first, to build the source distributions):
#                             .../pasted/haste-client-1.0.3/bin/haste
#        pbincli 0.3.7        the same way: .../pasted/pbincli-0.3.7/bin/pbincli
#        rustypaste-cli       `cargo install --locked` of a pinned version (needs cargo; about
#                             2 minutes on 2 cores): .../pasted/rustypaste-cli-VERSION/bin/rpaste
#
# The no-op path runs on every `make run` / `make test`: it only asks dpkg-query, stats
# a few files and runs `ferretdb --version`; no apt-get, no go, no pip and no cargo.
set -euo pipefail

# CI may run without HOME; the cache lives under it
[ -n "${HOME:-}" ] || export HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FERRETDB_VERSION=v1.24.2
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/pasted"
# the name says which build: a cache holding the stock one (before the fix) builds again
FERRETDB_CACHED="$CACHE_DIR/ferretdb-$FERRETDB_VERSION-idfix"

LOG_PREFIX=deps
# shellcheck source=SCRIPTDIR/lib.sh
. "$ROOT/.tools/lib.sh"     # say, die

usage() { echo "usage: $0 [run|test|bench|all]" >&2; exit 2; }
[ $# -le 1 ] || usage
PROFILE=${1:-all}

APT_RUN=(
    build-essential pkg-config
    libevent-dev libhiredis-dev libmongoc-dev libbson-dev libjansson-dev
    zlib1g-dev libssl-dev libgit2-dev libwslay-dev
    redis-server curl
)
# clang -fsanitize=fuzzer links libclang_rt.fuzzer*.a (and .asan*, .ubsan*), which Debian 12
# ships in libclang-rt-14-dev; clang itself only recommends it.
# tests/clients/run.sh drives pastebinit and nc (netcat-openbsd: -N, and its "wait for the
# server after EOF on stdin" default); python3 for its JSON checks and haste-client's venv.
# tests/cluster/: nutcracker (twemproxy) places keys as pasted's cache ring must; redis-sentinel
# for the primary's failover; nginx in front of the instances.
APT_TEST=(libcriterion-dev curl chromium clang libclang-rt-14-dev pastebinit netcat-openbsd
          nutcracker redis-sentinel nginx-light)
APT_BENCH=(wrk nginx-light valgrind iproute2 procps)
NPM_RUN=(assets)
NPM_TEST=(tests/browser tests/openapi)

CLIENTS=0         # 1: step 4, haste-client, pbincli and rustypaste-cli
case $PROFILE in
    run)   APT_PACKAGES=("${APT_RUN[@]}");                                      NPM_DIRS=("${NPM_RUN[@]}") ;;
    test)  APT_PACKAGES=("${APT_RUN[@]}" "${APT_TEST[@]}");                     NPM_DIRS=("${NPM_TEST[@]}" "${NPM_RUN[@]}"); CLIENTS=1 ;;
    bench) APT_PACKAGES=("${APT_RUN[@]}" "${APT_BENCH[@]}");                    NPM_DIRS=("${NPM_RUN[@]}") ;;
    all)   APT_PACKAGES=("${APT_RUN[@]}" "${APT_TEST[@]}" "${APT_BENCH[@]}");   NPM_DIRS=("${NPM_TEST[@]}" "${NPM_RUN[@]}"); CLIENTS=1 ;;
    *)     usage ;;
esac
# one of each, in order
mapfile -t APT_PACKAGES < <(printf '%s\n' "${APT_PACKAGES[@]}" | awk '!seen[$0]++')

did_something=0

# ---------------------------------------------------------------- apt
apt_updated=0
apt_install() {   # apt_install PKG...
    local -x DEBIAN_FRONTEND=noninteractive
    # another apt-get or dpkg (a concurrent `make`): wait for its lock rather than fail
    local apt_lock=(-o DPkg::Lock::Timeout=600)
    if [ "$apt_updated" = 0 ]; then
        say "apt-get update"
        apt-get update -qq "${apt_lock[@]}" >/dev/null || die "apt-get update failed"
        apt_updated=1
    fi
    say "apt-get install $*"
    apt-get install -y -qq -o Dpkg::Use-Pty=0 "${apt_lock[@]}" "$@" >/dev/null \
        || die "apt-get install $* failed"
    did_something=1
}

# Print the packages among "$@" that are not installed.
apt_missing() {
    local installed
    # dpkg-query exits 1 and complains on stderr for packages it never heard of; that's "missing".
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null \
                | awk '$NF == "installed" && $(NF-1) == "ok" { print $1 }' || true)
    local p
    for p in "$@"; do
        grep -qx -- "$p" <<<"$installed" || printf '%s\n' "$p"
    done
}

missing=()
command -v dpkg-query >/dev/null || die "dpkg-query not found: this script expects Debian"
mapfile -t missing < <(apt_missing "${APT_PACKAGES[@]}")

# node/npm are only needed when a folder of the profile has a package.json.
need_npm=0
for d in "${NPM_DIRS[@]}"; do
    [ -f "$ROOT/$d/package.json" ] && need_npm=1
done
if [ "$need_npm" = 1 ] && ! command -v npm >/dev/null; then
    mapfile -t -O "${#missing[@]}" missing < <(apt_missing nodejs npm)
fi
# haste-client's and pbincli's venvs need a python3 (the machine's own, else Debian's with
# its venv module)
if [ "$CLIENTS" = 1 ] && ! command -v python3 >/dev/null; then
    mapfile -t -O "${#missing[@]}" missing < <(apt_missing python3 python3-venv)
fi

# Go: only needed when FerretDB must be built; checked below.
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
    # just installed the fuzzing toolchain: check that it links and runs a libFuzzer target
    if [[ " ${missing[*]} " == *" clang "* || " ${missing[*]} " == *" libclang-rt-14-dev "* ]]; then
        fuzz_check=$(mktemp -d)
        printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
            'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
            >"$fuzz_check/t.c"
        if clang -fsanitize=fuzzer,address "$fuzz_check/t.c" -o "$fuzz_check/t" >"$fuzz_check/log" 2>&1 \
                && "$fuzz_check/t" -runs=10 >>"$fuzz_check/log" 2>&1; then
            say "clang -fsanitize=fuzzer,address: ok"
            rm -rf "$fuzz_check"
        else
            tail -n 20 "$fuzz_check/log" >&2
            rm -rf "$fuzz_check"
            die "clang -fsanitize=fuzzer,address cannot build and run a fuzz target (log above)"
        fi
    fi
fi

# ---------------------------------------------------------------- FerretDB
ferretdb_ok() {   # ferretdb_ok BINARY: is it a runnable FerretDB of the right version?
    [ -x "$1" ] || return 1
    local out
    out=$("$1" --version 2>&1) || return 1
    grep -qx "version: $FERRETDB_VERSION" <<<"$out"
}

find_go() {   # a go binary: $GO, else PATH, else the usual install places
    if [ -n "${GO:-}" ]; then echo "$GO"; return; fi
    if command -v go >/dev/null; then command -v go; return; fi
    if [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; return; fi
    if [ -x /usr/lib/go/bin/go ]; then echo /usr/lib/go/bin/go; return; fi
    return 1
}

# FerretDB v1.24.2 needs Go >= 1.24. Go >= 1.21 fetches a newer toolchain by itself
# (GOTOOLCHAIN=auto); an older one (Debian 12's golang-go is 1.19) cannot, so fetch that
# toolchain the way Go does it, as the module golang.org/toolchain from the module proxy,
# into the cache. Prints the go binary to use.
GO_TOOLCHAIN_VERSION=1.24.3
modern_go() {   # modern_go GO
    local go=$1 minor
    minor=$("$go" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
    if [ -n "$minor" ] && [ "$minor" -ge 21 ]; then echo "$go"; return 0; fi
    local dest="$CACHE_DIR/go$GO_TOOLCHAIN_VERSION"
    if [ -x "$dest/bin/go" ] && "$dest/bin/go" version >/dev/null 2>&1; then echo "$dest/bin/go"; return 0; fi
    local mod="golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN_VERSION.$("$go" env GOHOSTOS)-$("$go" env GOHOSTARCH)"
    say "$("$go" env GOVERSION) is too old for FerretDB: fetching $mod" >&2
    local tmp dir
    tmp=$(mktemp -d "$CACHE_DIR/toolchain.XXXXXX")
    dir=$(cd "$tmp" && GOFLAGS= GO111MODULE=on "$go" mod download -json "$mod" \
          | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
    [ -n "$dir" ] && [ -f "$dir/bin/go" ] || { rm -rf "$tmp"; die "could not fetch $mod"; }
    cp -a "$dir" "$tmp/go"
    chmod -R u+w "$tmp/go"
    chmod +x "$tmp/go/bin/"* "$tmp/go/pkg/tool/"*/*   # module zips keep no file modes
    rm -rf "$dest"
    mv "$tmp/go" "$dest"
    rm -rf "$tmp"
    echo "$dest/bin/go"
}

# FerretDB v1.24.2's SQLite backend creates every collection's unique _id index on the
# expression  _ferretdb_sjson->"_id"  but filters, updates and deletes by _id on
#   _ferretdb_sjson->'$._id'
# The two give the same value, but SQLite uses an index only for the very expression it was
# built on, so every find, update and delete by _id read the whole collection (51 ms at
# 10,000 pastes, 608 ms at 100,000; README, FerretDB notes). The fix makes the lookups name
# the index's expression:  _ferretdb_sjson->'_id'  (a label, which SQLite reads as the path
# $._id). Nothing on disk changes, so stores made by a stock build keep working. Upstream
# has no release with a fix (the 1.x line ended with 1.24).
fix_id_lookups() {   # fix_id_lookups VENDOR_DIR
    local f=$1/github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata/metadata.go
    local old="IDColumn = DefaultColumn + \"->'\$._id'\"" new="IDColumn = DefaultColumn + \"->'_id'\""
    local text
    text=$(<"$f")
    [[ $text == *"$old"* ]] || { echo "fix_id_lookups: '$old' is not in $f" >&2; return 1; }
    printf '%s\n' "${text/"$old"/"$new"}" >"$f"
}

build_ferretdb() {
    local go
    if ! go=$(find_go); then
        apt_install golang-go
        go=$(find_go) || die "no go toolchain after installing golang-go"
    fi
    mkdir -p "$CACHE_DIR"
    go=$(modern_go "$go") || exit 1
    local work
    work=$(mktemp -d "$CACHE_DIR/build.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" EXIT
    say "building FerretDB $FERRETDB_VERSION (with the _id lookup fix) with $("$go" version | awk '{print $3}') (takes 2-3 minutes; log: $work/build.log)"
    local log="$work/build.log"
    if ! (
        set -e
        cd "$work"
        export GOFLAGS=-buildvcs=false GOTOOLCHAIN=auto CGO_ENABLED="${CGO_ENABLED:-0}"
        mkdir src && cd src
        "$go" mod init fdbbuild
        printf '//go:build tools\npackage tools\n\nimport _ "github.com/FerretDB/FerretDB/cmd/ferretdb"\n' > tools.go
        # `go install ...@version` asks the proxy for the module's version list, which this
        # network answers with 403; `go get` of an exact version does not need it.
        "$go" get "github.com/FerretDB/FerretDB@$FERRETDB_VERSION"
        "$go" mod tidy
        "$go" mod vendor
        # Normally generated by FerretDB's release tooling; without it the binary panics at start.
        echo "$FERRETDB_VERSION" > vendor/github.com/FerretDB/FerretDB/build/version/version.txt
        # `set -e` does not apply in a subshell tested by `if !`: each step that must stop
        # the build says so itself (go build fails by itself when an earlier step did)
        fix_id_lookups vendor || exit 1
        "$go" build -mod=vendor -trimpath -o "$work/ferretdb" github.com/FerretDB/FerretDB/cmd/ferretdb
    ) >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "FerretDB build failed (log above)"
    fi
    ferretdb_ok "$work/ferretdb" || { "$work/ferretdb" --version >&2 || true; die "built FerretDB does not report $FERRETDB_VERSION"; }
    mv -f "$work/ferretdb" "$FERRETDB_CACHED"     # same filesystem: atomic
    rm -rf "$work"
    trap - EXIT
    did_something=1
}

if [ -n "${FERRETDB_BIN:-}" ]; then
    ferretdb_ok "$FERRETDB_BIN" || die "FERRETDB_BIN=$FERRETDB_BIN is not a runnable FerretDB $FERRETDB_VERSION"
    ferretdb_from="FERRETDB_BIN=$FERRETDB_BIN"
elif ferretdb_ok "$FERRETDB_CACHED"; then
    ferretdb_from="cache $FERRETDB_CACHED"
else
    mkdir -p "$CACHE_DIR"
    # Two builds at once (two make invocations) would waste minutes: serialise, then re-check.
    exec 9>"$CACHE_DIR/.ferretdb.lock"
    if ! flock -n 9; then
        say "waiting for another FerretDB build to finish"
        flock 9
    fi
    if ferretdb_ok "$FERRETDB_CACHED"; then
        ferretdb_from="cache $FERRETDB_CACHED (built by a concurrent run)"
    else
        build_ferretdb
        ferretdb_from="built from the Go module proxy into $FERRETDB_CACHED"
    fi
    exec 9>&-
fi

# ---------------------------------------------------------------- npm
npm_install() {   # npm_install DIR [npm ci args...]
    local dir=$1; shift
    [ -f "$dir/package.json" ] || return 0
    local lock="$dir/package-lock.json" mods="$dir/node_modules"
    if [ -d "$mods" ] && { [ ! -f "$lock" ] || [ ! "$lock" -nt "$mods" ]; }; then
        return 0
    fi
    local rel=${dir#"$ROOT"/}
    # Browsers come from Debian (chromium); packages must not try to download their own.
    local -x PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
             PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_config_fund=false npm_config_audit=false \
             npm_config_update_notifier=false
    local log
    log=$(mktemp)
    if [ -f "$lock" ]; then
        say "npm ci${*:+ $*} in $rel"
        (cd "$dir" && npm ci --no-audit --no-fund "$@") >"$log" 2>&1 || { tail -n 30 "$log" >&2; rm -f "$log"; die "npm ci in $rel failed"; }
    else
        say "npm install${*:+ $*} in $rel (no package-lock.json)"
        (cd "$dir" && npm install --no-audit --no-fund "$@") >"$log" 2>&1 || { tail -n 30 "$log" >&2; rm -f "$log"; die "npm install in $rel failed"; }
    fi
    rm -f "$log"
    touch "$mods"     # newer than the lock now, so the next run is a no-op
    did_something=1
}

for d in "${NPM_DIRS[@]}"; do
    case $d in
        assets) npm_install "$ROOT/$d" --omit=dev ;;   # only what is embedded
        *)      npm_install "$ROOT/$d" ;;
    esac
done

# ---------------------------------------------------------------- clients
# shellcheck source=SCRIPTDIR/clients.sh
. "$ROOT/.tools/clients.sh"   # HASTE_*, PBINCLI_* and RPASTE_*: versions and cache paths

# haste-client and pbincli: each a venv in its final place (the scripts' #! lines name its
# python, so it cannot be made elsewhere and moved); .pasted-installed, written last, marks it
# complete, so an interrupted install is redone. The python3 symlink dangles when that python
# went away.
venv_ok() {   # venv_ok DIR BIN
    [ -f "$1/.pasted-installed" ] && [ -x "$2" ] && [ -x "$1/bin/python3" ]
}
haste_ok()   { venv_ok "$HASTE_DIR" "$HASTE_BIN"; }
pbincli_ok() { venv_ok "$PBINCLI_DIR" "$PBINCLI_BIN"; }
install_venv() {   # install_venv NAME VERSION DIR BIN BUILD_PIP_ARRAY PIP_ARRAY
    local name=$1 version=$2 dir=$3 bin=$4
    local -n pre_pkgs=$5 pkgs=$6
    local python log
    python=$(command -v python3) || die "no python3 for $name's venv"
    log=$(mktemp)
    say "$name $version: python3 -m venv + pip install into $dir"
    rm -rf "$dir"
    if ! "$python" -m venv "$dir" >"$log" 2>&1; then
        # Debian's python3 has no venv module without python3-venv
        rm -rf "$dir"
        [ "$python" = /usr/bin/python3 ] || { tail -n 20 "$log" >&2; rm -f "$log"; die "$python -m venv failed (log above)"; }
        apt_install python3-venv
        "$python" -m venv "$dir" >"$log" 2>&1 || { tail -n 20 "$log" >&2; rm -f "$log"; die "$python -m venv failed (log above)"; }
    fi
    # source distributions (haste-client, docopt, sjcl) are built by the venv's own setuptools
    # (Python 3.11's venv has one) with the pinned wheel that BUILD_PIP installs first, not by
    # whatever setuptools is newest on PyPI today.
    local -x PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
    if ! "$dir/bin/python3" -m pip install "${pre_pkgs[@]}" >>"$log" 2>&1; then
        tail -n 30 "$log" >&2; rm -f "$log"
        die "pip install ${pre_pkgs[*]} failed (log above)"
    fi
    if ! "$dir/bin/python3" -m pip install --no-build-isolation "${pkgs[@]}" >>"$log" 2>&1 \
            || [ ! -x "$bin" ]; then
        tail -n 30 "$log" >&2; rm -f "$log"
        die "pip install ${pkgs[*]} failed (log above)"
    fi
    printf '%s\n' "${pre_pkgs[@]}" "${pkgs[@]}" >"$dir/.pasted-installed"
    rm -f "$log"
    did_something=1
}
install_haste()   { install_venv haste-client "$HASTE_VERSION" "$HASTE_DIR" "$HASTE_BIN" HASTE_BUILD_PIP HASTE_PIP; }
install_pbincli() { install_venv pbincli "$PBINCLI_VERSION" "$PBINCLI_DIR" "$PBINCLI_BIN" PBINCLI_BUILD_PIP PBINCLI_PIP; }

rpaste_ok() { [ -x "$RPASTE_BIN" ]; }
find_cargo() {   # a cargo binary: $CARGO, else PATH, else rustup's place
    if [ -n "${CARGO:-}" ]; then echo "$CARGO"; return; fi
    if command -v cargo >/dev/null; then command -v cargo; return; fi
    if [ -x "$HOME/.cargo/bin/cargo" ]; then echo "$HOME/.cargo/bin/cargo"; return; fi
    return 1
}
install_rpaste() {
    local cargo work
    cargo=$(find_cargo) || die "rustypaste-cli $RPASTE_VERSION (rpaste, for tests/clients/run.sh) is built with cargo, and there is none (not on PATH, not in ~/.cargo/bin): install Rust (rustup) or set CARGO=/path/to/cargo"
    work=$(mktemp -d "$CACHE_DIR/rpaste.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" EXIT
    say "building rustypaste-cli $RPASTE_VERSION with $("$cargo" --version | awk '{print $1, $2}') (takes about 2 minutes; log: $work/build.log)"
    # run in $work: no rust-toolchain.toml of a surrounding folder picks the toolchain
    if ! (cd "$work" && "$cargo" install --locked --root "$work/root" rustypaste-cli --version "$RPASTE_VERSION") \
            >"$work/build.log" 2>&1 || [ ! -x "$work/root/bin/rpaste" ]; then
        tail -n 30 "$work/build.log" >&2
        die "cargo install rustypaste-cli $RPASTE_VERSION failed (log above)"
    fi
    rm -rf "$RPASTE_DIR"
    mv "$work/root" "$RPASTE_DIR"     # same filesystem: the finished install appears at once
    rm -rf "$work"
    trap - EXIT
    did_something=1
}

clients_from=""
if [ "$CLIENTS" = 1 ]; then
    if ! haste_ok || ! pbincli_ok || ! rpaste_ok; then
        mkdir -p "$CACHE_DIR"
        # two runs at once would build twice: serialise, then re-check
        exec 9>"$CACHE_DIR/.clients.lock"
        if ! flock -n 9; then
            say "waiting for another install of the clients to finish"
            flock 9
        fi
        haste_ok || install_haste
        pbincli_ok || install_pbincli
        rpaste_ok || install_rpaste
        exec 9>&-
    fi
    clients_from="haste-client $HASTE_VERSION, pbincli $PBINCLI_VERSION, rustypaste-cli $RPASTE_VERSION in $CACHE_DIR"
fi

# ---------------------------------------------------------------- done
if [ "$did_something" = 0 ]; then
    say "ok ($PROFILE; FerretDB: $ferretdb_from${clients_from:+; clients: $clients_from})"
else
    say "FerretDB: $ferretdb_from"
    [ -z "$clients_from" ] || say "clients: $clients_from"
    say "done ($PROFILE)"
fi
