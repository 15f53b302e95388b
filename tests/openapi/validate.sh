#!/usr/bin/env bash
# Validate assets/openapi.json with swagger-parser (npm, pinned in package-lock.json).
#   tests/openapi/validate.sh [FILE]
# Installs its node_modules when missing or older than the lock file, then runs
# validate.mjs; the last line is "N passed, N failed"; exit 1 if anything failed.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE" || exit 1
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "openapi: node and npm are needed"
    echo "0 passed, 1 failed"
    exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    log=$(mktemp)
    if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
        tail -n 20 "$log"
        rm -f "$log"
        echo "openapi: npm ci failed"
        echo "0 passed, 1 failed"
        exit 1
    fi
    rm -f "$log"
    touch node_modules
fi
exec node validate.mjs "$@"
