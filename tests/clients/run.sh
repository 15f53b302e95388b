#!/usr/bin/env bash
# tests/clients/run.sh - real pastebin clients, unmodified, against a running pasted.
#
#   PASTED_URL=http://127.0.0.1:PORT NC_PORT=PORT2 tests/clients/run.sh
#
# tests/run.sh runs it as the check `clients`, with the server it started. Each client is the
# real program, configured the way its README tells a user to point it at another server:
#   haste       haste-client 1.0.3 (PyPI), ~/.hastec: server_url = $PASTED_URL
#   rpaste      rustypaste-cli (crates.io), ~/.config/rustypaste/config.toml: [server] address
#   pbincli     PrivateBin's client 0.3.7 (PyPI), ~/.config/pbincli/pbincli.conf: server=URL,
#               or -s URL; encrypted pastes (PrivateBin's JSON API on /): send, get, delete
#   pastebinit  Debian's, ~/.pastebin.d/pasted.conf as served by GET /pastebinit.conf, -b host:port
#   nc          Debian's netcat-openbsd (nc.openbsd), the termbin way: `nc host $NC_PORT < file`
# haste-client, pbincli and rustypaste-cli come from .tools/deps.sh test (paths in
# .tools/clients.sh); a client that is not there is one failure ("not installed"), not a skip.
#
# Every client runs with a private HOME (and XDG_CONFIG_HOME under it), so neither the
# caller's configuration nor another client's is read; every network call is bounded by
# `timeout` or curl --max-time. Each paste is read back with GET /raw/<id> and compared byte
# for byte (cmp) with what the client sends: the file itself, or for the clients that
# change it, what they send (haste-client strips both ends, pastebinit the trailing
# whitespace). pbincli's pastes are encrypted: `pbincli get` reads them back, and GET /raw/<id>
# must give the document it sent, without the text. One line per check, "ok - ..." or
# "not ok - ...: why"; the last line is "N passed, N failed"; exit 1 when anything failed.
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

# ------------------------------------------------------------------ pbincli
# pbincli 0.3.7 (PrivateBin's command-line client) speaks PrivateBin's JSON API, every request
# with the header X-Requested-With: JSONHttpRequest:
#   send     GET SERVER?jsonld=paste (the format version: @context.v.@value, 2), then
#            POST SERVER {"v":2,"adata":[...],"ct":"...","meta":{"expire":"1day"}} (a JSON body
#            without a Content-Type); it encrypts locally (AES-256-GCM, PBKDF2 with 100,000
#            rounds) and prints "Link:\t\tSERVER?ID#KEY" and "Delete Link:\t
#            SERVER?pasteid=ID&deletetoken=TOKEN" (with --json one JSON object instead)
#   get      GET SERVER?ID (SERVER: the link up to "?"); it decrypts with the key after "#" and
#            writes the text to ./paste-ID.txt; an answer {"status":1,"message":M} is printed
#            as "PBinCLI Error: ... M" (exit 1), one that is no JSON ends in a traceback
#   delete   POST SERVER {"pasteid":ID,"deletetoken":TOKEN}; "Paste successfully deleted!" on
#            {"status":0}, and also (after a NOTICE) on an answer that is no JSON
# It reads ./pbincli.conf, else ~/.config/pbincli/pbincli.conf ("key=value" lines, e.g.
# server=URL), and PRIVATEBIN_* variables over that; so it runs in a folder of its private
# HOME, with no PRIVATEBIN_* variable. Each send or get derives the key in Python: about 4 s.
pbincli_checks() {
    if [ ! -x "$PBINCLI_BIN" ]; then
        notok pbincli "not installed (run .tools/deps.sh test)"
        return
    fi
    local home home_s pb_out="$WORK/pbincli.out" pb_err="$WORK/pbincli.err" pb_unset=() v
    home=$(new_home)      # the README's way: the server in the config file
    mkdir -p "$home/.config/pbincli"
    printf 'server=%s/\n' "$PASTED_URL" >"$home/.config/pbincli/pbincli.conf"
    home_s=$(new_home)    # no config file: the server as -s
    for v in $(compgen -e); do [[ $v == PRIVATEBIN_* ]] && pb_unset+=(-u "$v"); done

    pb_run() {   # pb_run HOME ARGS... (stdin: the caller's): pbincli in a new folder of HOME
        local h=$1 dir; shift
        dir=$(mktemp -d "$h/run.XXXXXX")
        pb_dir=$dir
        (cd "$dir" && in_home "$h" 60 env "${pb_unset[@]}" PYTHONUTF8=1 "$PBINCLI_BIN" "$@") \
            >"$pb_out" 2>"$pb_err"
    }
    pb_said() { printf "stdout '%s'; stderr: %s" "$(said "$pb_out" | cut -c 1-150)" "$(tail -n 2 "$pb_err")"; }

    # pb_send NAME HOME ARGS...: pbincli send; sets pb_id, pb_link, pb_dlink (from --json's
    # object or the printed Link: and Delete Link: lines) and checks their shape: the paste
    # link SERVER?ID#KEY with a 22-character id and a base58 key, the delete link
    # SERVER?pasteid=ID&deletetoken=TOKEN
    pb_send() {
        local name=$1 h=$2 rc; shift 2
        pb_run "$h" send "$@"
        rc=$?
        pb_id="" pb_link="" pb_dlink=""
        if [ "$rc" -ne 0 ]; then
            notok "$name" "pbincli send exited $rc; $(pb_said)"
            return 1
        fi
        if [[ " $* " == *" --json "* ]]; then
            local fields
            fields=$(python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
r = d["result"]
print(r["link"]); print(r["deletelink"])' <"$pb_out" 2>/dev/null)
            pb_link=$(sed -n 1p <<<"$fields") pb_dlink=$(sed -n 2p <<<"$fields")
        else
            pb_link=$(sed -n 's/^Link:\t\t//p' "$pb_out" | head -n 1)
            pb_dlink=$(sed -n 's/^Delete Link:\t//p' "$pb_out" | head -n 1)
        fi
        if [[ ! $pb_link =~ ^"$PASTED_URL"/\?([A-Za-z0-9]+)#([1-9A-HJ-NP-Za-km-z]+)$ ]]; then
            notok "$name" "no paste link $PASTED_URL/?<id>#<key> in pbincli's output; $(pb_said)"
            return 1
        fi
        pb_id=${BASH_REMATCH[1]}
        if [ "${#pb_id}" -ne 22 ]; then
            notok "$name" "the paste id $pb_id has ${#pb_id} characters, not 22"
            return 1
        fi
        if [[ ! $pb_dlink =~ ^"$PASTED_URL"/\?pasteid=$pb_id\&deletetoken=[^[:space:]\&]+$ ]]; then
            notok "$name" "delete link '$pb_dlink' is not $PASTED_URL/?pasteid=$pb_id&deletetoken=<token>"
            return 1
        fi
    }

    # pb_get NAME HOME LINK WANT [ARGS...]: pbincli get LINK writes paste-<id>.txt, the bytes
    # of WANT; ok when so
    pb_get() {
        local name=$1 h=$2 link=$3 want=$4 rc file; shift 4
        pb_run "$h" get "$link" "$@" </dev/null
        rc=$?
        file="$pb_dir/paste-${link#*\?}" file="${file%%#*}.txt"
        if [ "$rc" -ne 0 ]; then
            notok "$name" "pbincli get exited $rc; $(pb_said)"
        elif [ ! -f "$file" ]; then
            notok "$name" "pbincli get wrote no ${file##*/}; $(pb_said)"
        elif ! cmp -s "$want" "$file"; then
            notok "$name" "${file##*/} differs from what was sent ($(wc -c <"$want") bytes sent, $(wc -c <"$file") got; $(cmp "$want" "$file" 2>&1 | head -n 1))"
        else
            ok "$name"
        fi
    }

    # pb_gone NAME HOME LINK ID: pbincli get LINK fails with the server's PrivateBin error
    # ({"status":1,...}: "PBinCLI Error"), writes nothing, and GET /raw/ID is 404; ok when so
    pb_gone() {
        local name=$1 h=$2 link=$3 id=$4 rc code
        pb_run "$h" get "$link" </dev/null
        rc=$?
        code=$(get "$PASTED_URL/raw/$id" "$WORK/pbincli.raw")
        if [ "$rc" -eq 0 ] || compgen -G "$pb_dir/paste-*" >/dev/null; then
            notok "$name" "pbincli get still worked (exit $rc); $(pb_said)"
        elif ! grep -q '^PBinCLI Error' "$pb_err"; then
            notok "$name" "pbincli get failed (exit $rc) but not with the server's {\"status\":1,\"message\":...}; $(pb_said)"
        elif [ "$code" != 404 ]; then
            notok "$name" "pbincli get failed as it should, but GET /raw/$id answered $code, not 404"
        else
            ok "$name"
        fi
    }

    local name want="$WORK/pb.want" link id dlink

    # send -t TEXT with -s, printed links; get
    name="pbincli: send -s URL -t TEXT, get LINK: paste-<id>.txt is the text (22-character id)"
    local text="pbincli -t: Grüße from PrivateBin's client, 日本語"
    printf '%s' "$text" >"$want"
    pb_send "$name" "$home_s" -s "$PASTED_URL/" -t "$text" </dev/null \
        && pb_get "$name" "$home_s" "$pb_link" "$want"

    # multi-line UTF-8 from stdin, server from the config file, with -d: the request it sent
    local multi="$WORK/pb.multi" sent="$WORK/pb.sent"
    cat "$TEXT" "$UTF8" "$PY" >"$multi"
    name="pbincli: send < multi-line UTF-8 text (stdin, ~/.config/pbincli/pbincli.conf), get: byte-exact"
    if pb_send "$name" "$home" -d <"$multi"; then
        sed -n 's/^Request:\t//p' "$pb_out" | head -n 1 >"$sent"
        id=$pb_id
        pb_get "$name" "$home" "$pb_link" "$multi"

        # what the server keeps and gives out: the document pbincli sent, without its meta
        name="pbincli: GET /raw/<id> is the sent {v,adata,ct} as JSON, X-Encrypted: privatebin-v2, no plain text"
        local hdr="$WORK/pb.hdr" body="$WORK/pb.body" code why
        code=$(curl -s --max-time 10 -D "$hdr" -o "$body" -w '%{http_code}' "$PASTED_URL/raw/$id" 2>/dev/null)
        if [ "$code" != 200 ]; then
            notok "$name" "GET /raw/$id answered ${code:-nothing}, not 200"
        elif ! grep -qi '^X-Encrypted: *privatebin-v2[[:space:]]*$' "$hdr"; then
            notok "$name" "no header 'X-Encrypted: privatebin-v2'; headers: $(grep -i '^\(content-type\|x-encrypted\)' "$hdr")"
        elif ! grep -qi '^Content-Type: *application/json' "$hdr"; then
            notok "$name" "Content-Type is not application/json: $(grep -i '^content-type' "$hdr")"
        elif ! why=$(python3 - "$body" "$sent" "$multi" <<'EOF'
import json, sys
raw = open(sys.argv[1], "rb").read()
try:
    doc = json.loads(raw)
except Exception as e:
    sys.exit("the body is no JSON (%s): %r" % (e, raw[:120]))
try:
    sent = json.loads(open(sys.argv[2], encoding="utf-8").read())
except Exception:
    sys.exit("pbincli -d printed no Request: line to compare with")
if not isinstance(doc, dict) or "adata" not in doc or "ct" not in doc:
    sys.exit("no \"adata\" and \"ct\" in %r" % raw[:160])
for k in ("v", "adata", "ct"):
    if doc.get(k) != sent[k]:
        sys.exit("%r differs from what pbincli sent: %r, sent %r" % (k, doc.get(k), sent[k]))
plain = open(sys.argv[3], encoding="utf-8").read()
for line in plain.splitlines():
    line = line.strip()
    if len(line) >= 8 and line.encode() in raw:
        sys.exit("the plain text is in it: %r" % line)
EOF
        ); then
            notok "$name" "$why"
        else
            ok "$name"
        fi

        name="pbincli: GET /api/pastes/<id> says \"encrypted\": true"
        code=$(get "$PASTED_URL/api/pastes/$id" "$WORK/pb.meta")
        v=$(json_get "$WORK/pb.meta" encrypted)
        if [ "$code" != 200 ]; then
            notok "$name" "GET /api/pastes/$id answered $code"
        elif [ "$v" != true ]; then
            notok "$name" "\"encrypted\" is ${v:-missing (no JSON)}: $(head -c 200 "$WORK/pb.meta")"
        else
            ok "$name"
        fi
    fi

    # --password: the key alone does not decrypt
    name="pbincli: send -p PASSWORD: get without it fails to decrypt, get -p PASSWORD works"
    local pw='correct horse — Pferd 🐴'
    printf 'secret text, with a password\nline two\n' >"$WORK/pb.pw"
    if pb_send "$name" "$home" --json -p "$pw" <"$WORK/pb.pw"; then
        link=$pb_link
        pb_run "$home" get "$link" </dev/null
        local rc=$?
        if [ "$rc" -eq 0 ] || compgen -G "$pb_dir/paste-*" >/dev/null; then
            notok "$name" "get without the password worked (exit $rc); $(pb_said)"
        elif ! grep -q 'MAC check failed' "$pb_err"; then
            notok "$name" "get without the password failed (exit $rc), but not at decrypting (MAC check failed); $(pb_said)"
        else
            pb_get "$name" "$home" "$link" "$WORK/pb.pw" -p "$pw"
        fi
    fi

    # -B: burn after reading
    name="pbincli: send -B (burn): the first get works"
    printf 'burn after reading, pbincli\n' >"$WORK/pb.burn"
    if pb_send "$name" "$home" --json -B <"$WORK/pb.burn"; then
        link=$pb_link id=$pb_id
        pb_get "$name" "$home" "$link" "$WORK/pb.burn"
        pb_gone "pbincli: send -B (burn): the second get fails, GET /raw/<id> is 404" "$home" "$link" "$id"
    fi

    # delete with the printed Delete Link
    name="pbincli: delete with a wrong token fails, the paste stays"
    printf 'to be deleted by pbincli\n' >"$WORK/pb.del"
    if pb_send "$name" "$home" <"$WORK/pb.del"; then
        link=$pb_link id=$pb_id dlink=$pb_dlink
        pb_run "$home" delete "$PASTED_URL/?pasteid=$id&deletetoken=not-the-token" </dev/null
        local rc=$? code
        code=$(get "$PASTED_URL/raw/$id" "$WORK/pb.raw")
        if [ "$rc" -eq 0 ]; then
            notok "$name" "pbincli delete exited 0; $(pb_said)"
        elif ! grep -q '^PBinCLI Error' "$pb_err"; then
            notok "$name" "pbincli delete failed (exit $rc) but not with the server's {\"status\":1,\"message\":...}; $(pb_said)"
        elif [ "$code" != 200 ]; then
            notok "$name" "GET /raw/$id answered $code after the refused delete, not 200"
        else
            ok "$name"
        fi

        name="pbincli: delete DELETE-LINK: deleted, then get fails and GET /raw/<id> is 404"
        pb_run "$home" delete "$dlink" </dev/null
        rc=$?
        if [ "$rc" -ne 0 ] || ! grep -qx 'Paste successfully deleted!' "$pb_out" || grep -q NOTICE "$pb_out"; then
            notok "$name" "pbincli delete exited $rc (wanted 0 and 'Paste successfully deleted!' after a JSON {\"status\":0}); $(pb_said)"
        else
            pb_gone "$name" "$home" "$link" "$id"
        fi
    fi

    # -E 10min
    name="pbincli: send -E 10min: GET /api/pastes/<id> has \"expires\" in about 10 minutes"
    if pb_send "$name" "$home" --json -E 10min <"$WORK/pb.del"; then
        local meta="$WORK/pb.meta" code expires left
        code=$(get "$PASTED_URL/api/pastes/$pb_id" "$meta")
        expires=$(json_get "$meta" expires)
        left=$(python3 -c 'import datetime, json, sys
e = datetime.datetime.fromisoformat(json.loads(sys.argv[1]).replace("Z", "+00:00"))
print(int((e - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))' "$expires" 2>/dev/null)
        if [ "$code" != 200 ]; then
            notok "$name" "GET /api/pastes/$pb_id answered $code"
        elif [ -z "$expires" ] || [ "$expires" = null ]; then
            notok "$name" "\"expires\" is ${expires:-missing (no JSON)}: $(head -c 200 "$meta")"
        elif [ -z "$left" ] || [ "$left" -lt 540 ] || [ "$left" -gt 610 ]; then
            notok "$name" "\"expires\" is $expires: ${left:-?} s from now, not about 600"
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
pbincli_checks
pastebinit_checks
nc_checks
finish
