#!/usr/bin/env bash
# tests/layers.sh - no source file includes a layer above its own.
#
# The layers, lowest first (README, "Architecture"); each may include its own folder and
# the folders listed for it, never one above:
#   core   -                      (no libevent, hiredis or mongoc in its headers either)
#   http   core
#   store  core
#   app    core store
#   web    core http app
#   server core http store app web
#   main.c everything
# The Makefile compiles each folder with include paths for exactly these, so a violation
# usually fails the build first; this check also catches what the compiler cannot see:
# a relative "../x/y.h" include, a header of one layer included by name from another
# folder, a new folder, and libraries in core's headers. It prints each violation, the
# number of files read, and ends with "1 passed, 0 failed" (the check as one test) or
# "0 passed, 1 failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

declare -A SEES=(
    [core]="core"
    [http]="core http"
    [store]="core store"
    [app]="core store app"
    [web]="core http app web"
    [server]="core http store app web server"
)

passed=0 failed=0
violation() { printf 'layers: %s\n' "$*"; bad=1; }

for f in src/*.c src/*/*.c src/*/*.h; do
    [ -e "$f" ] || continue
    bad=0
    dir=$(dirname "$f"); layer=${dir#src}; layer=${layer#/}
    if [ -z "$layer" ]; then
        [ "$f" = src/main.c ] || violation "$f: only main.c lives directly in src/"
        allowed="core http store app web server"
    elif [ -z "${SEES[$layer]+x}" ]; then
        violation "$f: src/$layer is not a layer (add it to tests/layers.sh and the Makefile)"
        allowed=""
    else
        allowed=${SEES[$layer]}
    fi
    while IFS= read -r inc; do
        case $inc in
            */../*|../*) violation "$f: includes \"$inc\": relative paths hide the layer" ; continue ;;
            */*) ;;
            *)  # a bare name: a file of the same folder
                [ -e "$dir/$inc" ] || violation "$f: includes \"$inc\", which is not in $dir/ (write \"layer/$inc\")"
                continue ;;
        esac
        top=${inc%%/*}
        [[ " $allowed " == *" $top "* ]] || violation "$f ($layer) includes \"$inc\": $top is not below $layer"
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
    if [ "$layer" = core ] && [[ $f == *.h ]]; then
        grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(event2|hiredis|mongoc|bson)' "$f" \
            && violation "$f: a core header includes libevent, hiredis or mongoc"
    fi
    if [ "$bad" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
printf 'layers: %d files follow the layers, %d do not\n' "$passed" "$failed"
if [ "$failed" -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; exit 1; fi
