# Shared shell helpers of .tools/deps.sh, .tools/stack.sh and tests/run.sh.
#
#   LOG_PREFIX=stack                  # before or after sourcing; the prefix of every message
#   . "$ROOT/.tools/lib.sh"
#
# Logging
#   say MSG...                        "PREFIX: MSG" on stdout
#   die MSG...                        "PREFIX: ERROR: MSG" on stderr, exit 1
# Ports (127.0.0.1 only)
#   port_in_use PORT                  something accepts connections on 127.0.0.1:PORT
#   free_port                         print a port nobody listens on (20000-59999; never
#                                     6379, 27017 or 8080)
#   owns_port PID PORT                PID itself holds the listening socket on 127.0.0.1:PORT
# Processes
#   pid_alive PID                     PID runs and is not a zombie
#   alive PIDFILE NAME                the pid in PIDFILE is alive and its command line has NAME
#                                     (so a pid reused by something else is not "alive")
#   stop_pid PID [SIGNAL [SECONDS]]   send SIGNAL (TERM), wait up to SECONDS (10) for the
#                                     process to go, then KILL it; reaps it when it is a child
#                                     of this shell. Sets STOP_KILLED (1: it needed the KILL)
#                                     and STOP_RC (its exit status when it was our child, else
#                                     127). Always returns 0.
#   stop_one PIDFILE NAME             stop_pid on the pid of PIDFILE if it is an alive NAME
#                                     (says so, and says when it needed a KILL); removes PIDFILE
#
# Works under `set -euo pipefail` as well as without it; defines functions and LOG_PREFIX only.
# shellcheck shell=bash
# shellcheck disable=SC2034  # STOP_KILLED, STOP_RC are for the callers

: "${LOG_PREFIX:=pasted}"

say() { printf '%s: %s\n' "$LOG_PREFIX" "$*"; }
die() { printf '%s: ERROR: %s\n' "$LOG_PREFIX" "$*" >&2; exit 1; }

# ---------------------------------------------------------------- ports
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local i p
    for i in $(seq 1 200); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        case $p in 6379|27017|8080) continue ;; esac
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    return 1
}

# An answer on the port then comes from our process, not from something that grabbed the
# port first. IPv4 listeners only (/proc/net/tcp), which is all these scripts use.
owns_port() {
    local pid=$1 hexport inode fd
    hexport=$(printf '%04X' "$2")
    inode=$(awk -v p=":$hexport" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10; exit }' \
            /proc/net/tcp 2>/dev/null)
    [ -n "$inode" ] || return 1
    for fd in /proc/"$pid"/fd/*; do
        [ "$(readlink "$fd" 2>/dev/null)" = "socket:[$inode]" ] && return 0
    done
    return 1
}

# ---------------------------------------------------------------- processes
pid_alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    # the state is the first field after "(comm)", which may itself hold spaces
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || true
    [ "$state" != Z ]
}

alive() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    pid_alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

stop_pid() {
    local pid=$1 sig=${2:-TERM} secs=${3:-10} i
    STOP_KILLED=0
    STOP_RC=127
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    if pid_alive "$pid"; then
        kill "-$sig" "$pid" 2>/dev/null || true
        for ((i = 0; i < secs * 10; i++)); do
            pid_alive "$pid" || break
            sleep 0.1
        done
        if pid_alive "$pid"; then
            STOP_KILLED=1
            kill -KILL "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do
                pid_alive "$pid" || break
                sleep 0.1
            done
        fi
    fi
    STOP_RC=0
    wait "$pid" 2>/dev/null || STOP_RC=$?
    return 0
}

stop_one() {
    local pidfile=$1 name=$2 pid
    if alive "$pidfile" "$name"; then
        pid=$(cat "$pidfile")
        stop_pid "$pid" TERM 10
        [ "$STOP_KILLED" = 0 ] || say "$name (pid $pid) ignored SIGTERM for 10 s; killed it"
        say "stopped $name (pid $pid)"
    fi
    rm -f "$pidfile"
}
