#!/usr/bin/env bash
# tests/clients/run.sh - real pastebin clients, unmodified, against a running pasted.
#
#   PASTED_URL=http://127.0.0.1:PORT NC_PORT=PORT2 tests/clients/run.sh
#
# tests/run.sh runs it as the check `clients`, with the server it started. Each client is the
# real program, configured the way its README tells a user to point it at another server:
#   haste       haste-client 1.0.3 (PyPI), ~/.hastec: server_url = $PASTED_URL
#   rpaste      rustypaste-cli (crates.io), ~/.config/rustypaste/config.toml: [server] address
#   pastebinit  Debian's, ~/.pastebin.d/pasted.conf as served by GET /pastebinit.conf, -b host:port
#   nc          Debian's netcat-openbsd (nc.openbsd), the termbin way: `nc host $NC_PORT < file`
# haste-client and rustypaste-cli come from .tools/deps.sh test (paths in .tools/clients.sh);
# a client that is not there is one failure ("not installed"), not a skip.
#
# Every client runs with a private HOME (and XDG_CONFIG_HOME under it), so neither the
# caller's configuration nor another client's is read; every network call is bounded by
# `timeout` or curl --max-time. Each paste is read back with GET /raw/<id> and compared byte
# for byte (cmp) with what the client sends: the file itself, or for the clients that
# change it, what they send (haste-client strips both ends, pastebinit the trailing
# whitespace). One line per check, "ok - ..." or "not ok - ...: why"; the last line is
# "N passed, N failed"; exit 1 when anything failed.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

passed=0 failed=0
ok()    { printf 'ok - %s\n' "$1"; passed=$((passed + 1)); }
notok() {   # notok NAME WHY...: WHY squeezed onto the line
    local why
    why=$(printf '%s' "${*:2}" | tr '\n\r\t' '   ' | cut -c 1-300)
    printf 'not ok - %s: %s\n' "$1" "$why"
    failed=$((failed + 1))
}
finish() { printf '%d passed, %d failed\n' "$passed" "$failed"; [ "$failed" -eq 0 ]; exit; }

if [ -z "${PASTED_URL:-}" ]; then
    notok clients "PASTED_URL is not set (tests/run.sh sets it)"
    finish
fi
PASTED_URL=${PASTED_URL%/}
HOSTPORT=${PASTED_URL#*://}        # 127.0.0.1:PORT, pastebinit's -b and its conf's basename
NC_HOST=${HOSTPORT%:*}

# the clients' paths, computed with the real HOME before any private one
# shellcheck source=SCRIPTDIR/../../.tools/clients.sh
. "$ROOT/.tools/clients.sh"
PASTEBINIT=$(command -v pastebinit || true)
NC=$(command -v nc.openbsd || true)     # Debian's netcat-openbsd, whatever `nc` points to

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost   # loopback never via a proxy

# ------------------------------------------------------------------ helpers
new_home() { mktemp -d "$WORK/home.XXXXXX"; }

in_home() {   # in_home HOME SECONDS CMD...: CMD with that HOME only, bounded
    local home=$1 secs=$2; shift 2
    env -u RPASTE_CONFIG -u XDG_CONFIG_DIRS -u XDG_DATA_DIRS \
        HOME="$home" XDG_CONFIG_HOME="$home/.config" timeout -k 2 "$secs" "$@"
}

# id_of URL: the paste id, the last path segment of a printed paste URL (base62), else fails
id_of() {
    local u=$1
    [[ $u =~ ^https?://[^/[:space:]]+/(raw/)?([A-Za-z0-9]+)$ ]] || return 1
    printf '%s\n' "${BASH_REMATCH[2]}"
}

# http GET: prints the status ("000 (no answer)" when there was none), the body in OUT
get() {   # get URL OUT
    local code
    code=$(curl -s --max-time 10 -o "$2" -w '%{http_code}' "$1" 2>/dev/null)
    [ -n "$code" ] && [ "$code" != 000 ] || code="000 (no answer)"
    printf '%s\n' "$code"
}

# check_raw NAME ID EXPECTED_FILE: GET /raw/ID is 200 and byte-identical to EXPECTED_FILE
check_raw() {
    local name=$1 id=$2 want=$3 got="$WORK/got.$RANDOM" code
    code=$(get "$PASTED_URL/raw/$id" "$got")
    if [ "$code" != 200 ]; then
        notok "$name" "GET /raw/$id answered $code, not 200"
    elif ! cmp -s "$want" "$got"; then
        notok "$name" "GET /raw/$id differs from what was sent ($(wc -c <"$want") bytes sent, $(wc -c <"$got") read; $(cmp "$want" "$got" 2>&1 | head -n 1))"
    else
        ok "$name"
    fi
}

# json_get FILE KEY: the value of KEY in the JSON object of FILE as JSON ("null" when absent
# or null; nothing when FILE is no JSON object)
json_get() {
    python3 -c 'import json, sys
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception:
    sys.exit(1)
if not isinstance(d, dict):
    sys.exit(1)
print(json.dumps(d.get(sys.argv[2]), ensure_ascii=False))' "$1" "$2" 2>/dev/null
}

# the output of a client, one line: its URL or what it said
said() { tr '\n' ' ' <"$1" | sed 's/ *$//'; }

# ------------------------------------------------------------------ test data
TEXT="$WORK/text.txt"          # text with whitespace at both ends (haste and pastebinit strip it)
printf '\n\n  pasted clients check\n\tindented line\nlast line with trailing blanks  \n\n\n' >"$TEXT"
TEXT_STRIPPED="$WORK/text.stripped"     # Python's str.strip()
printf 'pasted clients check\n\tindented line\nlast line with trailing blanks' >"$TEXT_STRIPPED"
TEXT_RSTRIPPED="$WORK/text.rstripped"   # Python's str.rstrip()
printf '\n\n  pasted clients check\n\tindented line\nlast line with trailing blanks' >"$TEXT_RSTRIPPED"
UTF8="$WORK/utf8.txt"
printf 'Grüße aus Köln — naïve café, 日本語のテキスト, Ελληνικά, emoji 🦀✓\n' >"$UTF8"
UTF8_STRIPPED="$WORK/utf8.stripped"
printf 'Grüße aus Köln — naïve café, 日本語のテキスト, Ελληνικά, emoji 🦀✓' >"$UTF8_STRIPPED"
BIN="$WORK/binary.bin"         # every byte value, NULs and a lone CR included
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 16 + b"\x00\r\x00\xff\xfe end")' >"$BIN"
PY="$WORK/hello.py"
printf 'def hello(name):\n    return f"hello, {name}"\n\n\nprint(hello("pasted"))   \n\n' >"$PY"
PY_RSTRIPPED="$WORK/hello.rstripped"
printf 'def hello(name):\n    return f"hello, {name}"\n\n\nprint(hello("pasted"))' >"$PY_RSTRIPPED"

# ------------------------------------------------------------------ haste-client
# haste FILE / haste (stdin) POST the text to $server_url/documents and print
# $server_url/<key>, with -r $server_url/raw/<key>. It reads text, strips both ends and
# sends UTF-8; it reads ~/.hastec ("key = value" lines).
haste_checks() {
    if [ ! -x "$HASTE_BIN" ]; then
        notok haste "not installed (run .tools/deps.sh test)"
        return
    fi
    local home out err id
    home=$(new_home)
    printf 'server_url = %s\ntimeout = 10\n' "$PASTED_URL" >"$home/.hastec"
    out="$WORK/haste.out" err="$WORK/haste.err"

    # haste_run NAME EXPECTED [-r] [FILE] (stdin: the caller's)
    haste_one() {
        local name=$1 want=$2 prefix=$PASTED_URL/; shift 2
        [ "${1:-}" = -r ] && prefix=$PASTED_URL/raw/
        in_home "$home" 20 env PYTHONUTF8=1 "$HASTE_BIN" "$@" >"$out" 2>"$err"
        local rc=$? url
        url=$(head -n 1 "$out")
        if [ "$rc" -ne 0 ] || ! id=$(id_of "$url") || [ "$url" != "$prefix$id" ]; then
            notok "$name" "haste exited $rc and printed '$(said "$out")' (wanted $prefix<id>); stderr: $(tail -n 3 "$err")"
            return
        fi
        if [ "${1:-}" = -r ]; then      # the printed raw link itself gives the text
            local got="$WORK/haste.raw" code
            code=$(get "$url" "$got")
            if [ "$code" != 200 ] || ! cmp -s "$want" "$got"; then
                notok "$name" "GET $url answered $code$([ "$code" = 200 ] && echo ' with other bytes than were sent')"
                return
            fi
        fi
        check_raw "$name" "$id" "$want"
    }
    haste_one "haste: FILE (text stripped at both ends, read back from /raw)" "$TEXT_STRIPPED" "$TEXT" </dev/null
    printf 'from stdin: echo | haste\n' >"$WORK/stdin.want"
    printf 'from stdin: echo | haste' >"$WORK/stdin.stripped"
    haste_one "haste: stdin (echo ... | haste)" "$WORK/stdin.stripped" <"$WORK/stdin.want"
    haste_one "haste: -r FILE prints the /raw/ link, which gives the text" "$TEXT_STRIPPED" -r "$TEXT" </dev/null
    haste_one "haste: UTF-8 text with non-ASCII characters" "$UTF8_STRIPPED" "$UTF8" </dev/null
}

# ------------------------------------------------------------------ rustypaste-cli
# rpaste sends multipart POST / (field file, oneshot, url) with optional headers expire:
# and filename:, and prints the one-line body; it treats any status but 200 as an error,
# which it prints on stderr while still exiting 0: so its output is what is checked.
rpaste_checks() {
    if [ ! -x "$RPASTE_BIN" ]; then
        notok rpaste "not installed (run .tools/deps.sh test)"
        return
    fi
    local home out err id url code
    home=$(new_home)
    mkdir -p "$home/.config/rustypaste"
    # the README's config.toml: [server] address, [paste] oneshot/expire, [style] prettify
    printf '[server]\naddress = "%s"\n\n[paste]\noneshot = false\n\n[style]\nprettify = false\n' \
        "$PASTED_URL" >"$home/.config/rustypaste/config.toml"
    out="$WORK/rpaste.out" err="$WORK/rpaste.err"

    rpaste_run() {   # rpaste_run NAME ARGS... (stdin: the caller's); sets url and id
        local name=$1; shift
        in_home "$home" 20 "$RPASTE_BIN" "$@" >"$out" 2>"$err"
        local rc=$?
        url=$(head -n 1 "$out")
        if [ "$rc" -ne 0 ] || ! id=$(id_of "$url"); then
            notok "$name" "rpaste $* exited $rc and printed '$(said "$out")'; stderr: $(tail -n 3 "$err")"
            return 1
        fi
    }

    rpaste_run "rpaste: FILE (text) byte-exact" "$TEXT" </dev/null \
        && check_raw "rpaste: FILE (text) byte-exact" "$id" "$TEXT"
    rpaste_run "rpaste: FILE (binary) byte-exact" "$BIN" </dev/null \
        && check_raw "rpaste: FILE (binary) byte-exact" "$id" "$BIN"
    rpaste_run "rpaste: - (stdin) byte-exact" - <"$TEXT" \
        && check_raw "rpaste: - (stdin) byte-exact" "$id" "$TEXT"

    local name="rpaste: -o (oneshot): the first read gets it, the second 404/410"
    if rpaste_run "$name" -o "$UTF8" </dev/null; then
        local got="$WORK/oneshot.1" code2
        code=$(get "$PASTED_URL/raw/$id" "$got")
        code2=$(get "$PASTED_URL/raw/$id" "$WORK/oneshot.2")
        if [ "$code" != 200 ] || ! cmp -s "$UTF8" "$got"; then
            notok "$name" "first GET /raw/$id answered $code$([ "$code" = 200 ] && echo ' with other bytes than were sent')"
        elif [ "$code2" != 404 ] && [ "$code2" != 410 ]; then
            notok "$name" "second GET /raw/$id answered $code2"
        else
            ok "$name"
        fi
    fi

    name="rpaste: -u URL (short link: 302 to the URL)"
    local target="https://example.com/docs/page.html?q=pasted&n=1"
    if rpaste_run "$name" -u "$target" </dev/null; then
        local r
        r=$(curl -s --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' "$url" 2>/dev/null)
        if [ "$r" = "302 $target" ]; then ok "$name"; else notok "$name" "GET $url answered '$r', not '302 $target'"; fi
    fi

    name="rpaste: -e 10min (the paste has an expiry)"
    if rpaste_run "$name" -e 10min "$TEXT" </dev/null; then
        local meta="$WORK/rpaste.meta" expires
        code=$(get "$PASTED_URL/api/pastes/$id" "$meta")
        expires=$(json_get "$meta" expires)
        if [ "$code" != 200 ]; then
            notok "$name" "GET /api/pastes/$id answered $code"
        elif [ -z "$expires" ] || [ "$expires" = null ]; then
            notok "$name" "GET /api/pastes/$id: \"expires\" is ${expires:-missing (no JSON)}: $(head -c 200 "$meta")"
        else
            ok "$name"
        fi
    fi
}

# ------------------------------------------------------------------ pastebinit
# pastebinit -b HOST:PORT finds the pastebin whose conf (in ~/.pastebin.d/*.conf) has that
# basename, POSTs its [format] fields urlencoded to http://HOST:PORT/ and prints the answer
# (paste_regexp (.*): the whole body). It reads the file as text and strips trailing
# whitespace.
pastebinit_checks() {
    if [ -z "$PASTEBINIT" ]; then
        notok pastebinit "not installed (run .tools/deps.sh test)"
        return
    fi
    local home code out err id name1 name2
    name1="pastebinit: -i FILE (trailing whitespace stripped)"
    name2="pastebinit: -t TITLE -f python (title and language in /api/pastes/<id>)"
    home=$(new_home)
    mkdir -p "$home/.pastebin.d"
    code=$(get "$PASTED_URL/pastebinit.conf" "$home/.pastebin.d/pasted.conf")
    if [ "$code" != 200 ]; then
        notok "$name1" "GET /pastebinit.conf answered $code"
        notok "$name2" "GET /pastebinit.conf answered $code"
        return
    fi
    out="$WORK/pastebinit.out" err="$WORK/pastebinit.err"

    pastebinit_run() {   # pastebinit_run NAME ARGS...; sets id
        local name=$1; shift
        in_home "$home" 20 "$PASTEBINIT" -b "$HOSTPORT" "$@" >"$out" 2>"$err" </dev/null
        local rc=$? url
        url=$(head -n 1 "$out")
        if [ "$rc" -ne 0 ] || ! id=$(id_of "$url"); then
            notok "$name" "pastebinit exited $rc and printed '$(said "$out")'; stderr: $(tail -n 3 "$err")"
            return 1
        fi
    }

    pastebinit_run "$name1" -i "$TEXT" && check_raw "$name1" "$id" "$TEXT_RSTRIPPED"

    local title="clients check: pastebinit" meta="$WORK/pastebinit.meta" t l
    if pastebinit_run "$name2" -t "$title" -f python -i "$PY"; then
        code=$(get "$PASTED_URL/api/pastes/$id" "$meta")
        t=$(json_get "$meta" title) l=$(json_get "$meta" lang)
        if [ "$code" != 200 ]; then
            notok "$name2" "GET /api/pastes/$id answered $code"
        elif [ "$t" != "\"$title\"" ] || [ "$l" != '"python"' ]; then
            notok "$name2" "GET /api/pastes/$id: title ${t:-missing}, lang ${l:-missing} (wanted \"$title\", \"python\")"
        else
            check_raw "$name2" "$id" "$PY_RSTRIPPED"
        fi
    fi
}

# ------------------------------------------------------------------ netcat (termbin)
# Debian's netcat-openbsd 1.219:
#   nc -N HOST PORT < FILE   sends FILE, shuts its sending side at EOF of stdin (the
#                            half-close the server answers at once), prints the answer and
#                            exits when the server closes.
#   nc HOST PORT < FILE      without -N or -q nc never half-closes, and after EOF of stdin it
#                            goes on reading the socket until the server closes it (Debian's
#                            default is -q -1: "wait forever"), so the server sees the client
#                            go quiet: its idle timeout (nc_idle) answers. No -q is needed for
#                            the answer to arrive; `-q N` would not help: Debian's -q also
#                            shuts the sending side at EOF (the -N case again) and then keeps
#                            nc waiting N seconds even after the answer came.
nc_checks() {
    if [ -z "$NC" ]; then
        notok nc "not installed (run .tools/deps.sh test)"
        return
    fi
    if [ -z "${NC_PORT:-}" ]; then
        notok nc "NC_PORT is not set (tests/run.sh sets it)"
        return
    fi
    local out="$WORK/nc.out" id

    nc_run() {   # nc_run NAME FILE NC-FLAGS...; sets id
        local name=$1 file=$2; shift 2
        timeout -k 2 10 "$NC" "$@" "$NC_HOST" "$NC_PORT" <"$file" >"$out" 2>&1
        local rc=$? url
        url=$(head -n 1 "$out")
        if ! id=$(id_of "$url") || [ "$(wc -l <"$out")" -ne 1 ]; then
            local why="exited $rc"
            [ "$rc" = 124 ] && why="timed out after 10 s"
            # nc says nothing when it cannot connect
            [ "$rc" = 1 ] && [ ! -s "$out" ] && why="$why (no listener on $NC_HOST:$NC_PORT?)"
            notok "$name" "nc${*:+ $*} $why and printed '$(said "$out" | cut -c 1-200)' (wanted one line: a paste URL)"
            return 1
        fi
    }

    local name="nc -N (half-close) < text file, byte-exact"
    nc_run "$name" "$TEXT" -N && check_raw "$name" "$id" "$TEXT"
    name="nc < text file without -N (answered after the server's idle timeout), byte-exact"
    nc_run "$name" "$TEXT" && check_raw "$name" "$id" "$TEXT"
    name="nc -N < binary file, byte-exact"
    nc_run "$name" "$BIN" -N && check_raw "$name" "$id" "$BIN"

    name="nc -N < more than max_paste_size (1M): one line 'error: ...'"
    local big="$WORK/big.txt"
    python3 -c 'import sys; sys.stdout.write(("x" * 99 + "\n") * 12000)' >"$big"   # 1,200,000 bytes
    timeout -k 2 10 "$NC" -N "$NC_HOST" "$NC_PORT" <"$big" >"$out" 2>"$WORK/nc.err"
    local rc=$?
    if [ "$(wc -l <"$out")" -eq 1 ] && [ "$(head -c 6 "$out")" = "error:" ]; then
        ok "$name"
    else
        notok "$name" "nc exited $rc and printed '$(said "$out" | cut -c 1-200)'; stderr: $(head -n 2 "$WORK/nc.err")"
    fi
}

haste_checks
rpaste_checks
pastebinit_checks
nc_checks
finish
