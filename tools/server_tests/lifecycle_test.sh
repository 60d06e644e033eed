#!/usr/bin/env bash
# tools/server_tests/lifecycle_test.sh BIRCH_BIN: the server's life cycle from the outside
# (issue 5, "Limits"), ctest tools_server_lifecycle.
#
#   1. A second `birch serve` on the same file is refused: it exits non-zero, says the file is
#      locked by another process, and the first server keeps serving.
#   2. SIGTERM is a graceful shutdown: a statement already running (pg_sleep(2)) finishes and
#      returns its row; the server exits 0; what was committed is there after a restart.
#   3. SIGTERM with a statement longer than shutdown_grace_period (1 s here): the statement is
#      interrupted with an error, the server still exits 0, within a few seconds.
#   4. SIGINT is a fast shutdown: a running statement is interrupted at once, exit 0, and the
#      committed rows survive.
# The server runs as the calling user (its bootstrap superuser), on a file in a temp dir.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
bin=${1:-}
[ -n "$bin" ] || { echo "usage: lifecycle_test.sh BIRCH_BIN" >&2; exit 2; }
st_need psql pg_isready "$bin" /usr/bin/python3
if ! "$bin" serve --help 2>&1 | grep -q -- '--port'; then echo "skipped: no serve" >&2; exit 77; fi

dir=$(mktemp -d /tmp/bslc.XXXXXX) || exit 1
trap 'for p in $(cat "$dir"/*.pid 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done; [ "${ST_KEEP:-0}" = 1 ] || rm -rf "$dir"' EXIT
user=$(id -un)
printf 'shutdown_grace_period = 1\n' >"$dir/grace1.conf"

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# serve NAME [ARGS...]: starts birch serve on $dir/db.birch in the background (pid in
# $dir/NAME.pid, output in $dir/NAME.log, port in $dir/NAME.port)
serve() {
    local name=$1; shift
    local port; port=$(free_port)
    mkdir -p "$dir/$name.sock"
    echo "$port" >"$dir/$name.port"
    "$bin" serve "$dir/db.birch" --port "$port" --socket-dir "$dir/$name.sock" --database lc "$@" \
        >"$dir/$name.log" 2>&1 </dev/null &
    echo $! >"$dir/$name.pid"
}

# wait_ready NAME: until the server accepts connections (10 s)
wait_ready() {
    local name=$1 i
    for i in $(seq 100); do
        pg_isready -q -h "$dir/$name.sock" -p "$(cat "$dir/$name.port")" -d lc -U "$user" -t 1 && return 0
        kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || break
        sleep 0.1
    done
    st_fail "$name: server not ready; its log:"; sed 's/^/  | /' "$dir/$name.log"
    return 1
}

q() {   # q NAME SQL: psql -At against server NAME
    psql -X -At -v ON_ERROR_STOP=1 -h "$dir/$1.sock" -p "$(cat "$dir/$1.port")" -U "$user" -d lc -c "$2"
}

# wait_exit NAME SECONDS: the server's exit status (124 if still running after SECONDS)
wait_exit() {
    local pid i; pid=$(cat "$dir/$1.pid")
    for i in $(seq $(($2 * 10))); do
        if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; return $?; fi
        sleep 0.1
    done
    return 124
}

# wait_session NAME APP: until server NAME logged the connection of application_name APP (10 s),
# so a signal sent next meets a session that is past its startup (a loaded machine can take
# longer than any fixed sleep to connect psql)
wait_session() {
    local i
    for i in $(seq 100); do
        grep -q "application_name=$2" "$dir/$1.log" && { sleep 0.3; return 0; }
        sleep 0.1
    done
    st_fail "$1: the session $2 never connected; its log:"; sed 's/^/  | /' "$dir/$1.log"
}

# ---- 1. a second server on the same file ---------------------------------------------------
serve one
wait_ready one || exit 1
q one "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one')" >/dev/null \
    || st_fail "setup failed"
serve two
if wait_exit two 10; then
    st_fail "a second server on the same file started (or exited 0)"
else
    rc=$?
    [ $rc = 124 ] && st_fail "a second server on the same file is still running"
    grep -qi "locked by another process\|in use by process" "$dir/two.log" \
        || { st_fail "the second server's message does not say the file is locked:"; sed 's/^/  | /' "$dir/two.log"; }
fi
[ "$(q one "SELECT v FROM t WHERE id = 1")" = one ] || st_fail "the first server stopped serving"

# ---- 2. SIGTERM lets a running statement finish -------------------------------------------
PGAPPNAME=sleeper2 q one "SELECT pg_sleep(2), 'slept'" >"$dir/sleep.out" 2>&1 &
sleeper=$!
wait_session one sleeper2
kill -TERM "$(cat "$dir/one.pid")"
wait "$sleeper" || st_fail "the statement running at SIGTERM failed: $(cat "$dir/sleep.out")"
[ "$(cat "$dir/sleep.out")" = '|slept' ] || st_fail "the statement running at SIGTERM returned '$(cat "$dir/sleep.out")'"
wait_exit one 20; rc=$?
[ $rc = 0 ] || { st_fail "SIGTERM: exit status $rc (want 0); log:"; sed 's/^/  | /' "$dir/one.log"; }

# ---- 3. SIGTERM interrupts a statement past the grace period -------------------------------
serve three --config "$dir/grace1.conf"
wait_ready three || exit 1
[ "$(q three "SELECT v FROM t WHERE id = 1")" = one ] || st_fail "the committed row is gone after a SIGTERM shutdown"
q three "INSERT INTO t VALUES (2, 'two')" >/dev/null || st_fail "insert after restart failed"
PGAPPNAME=sleeper3 q three "SELECT pg_sleep(30), 'slept'" >"$dir/long.out" 2>&1 &
sleeper=$!
wait_session three sleeper3
start=$SECONDS
kill -TERM "$(cat "$dir/three.pid")"
wait_exit three 15; rc=$?
[ $rc = 0 ] || { st_fail "SIGTERM past the grace period: exit status $rc (want 0); log:"; sed 's/^/  | /' "$dir/three.log"; }
[ $((SECONDS - start)) -le 10 ] || st_fail "SIGTERM past the grace period took $((SECONDS - start)) s"
if wait "$sleeper"; then st_fail "a statement past the grace period was not interrupted"; fi
grep -q "ERROR\|FATAL\|terminat\|closed" "$dir/long.out" \
    || st_fail "the interrupted statement's client got no error: $(cat "$dir/long.out")"

# ---- 4. SIGINT: fast shutdown -------------------------------------------------------------
serve four
wait_ready four || exit 1
[ "$(q four "SELECT string_agg(v, ',' ORDER BY id) FROM t")" = "one,two" ] \
    || st_fail "rows after the grace-period shutdown: $(q four "SELECT string_agg(v, ',' ORDER BY id) FROM t" 2>&1)"
PGAPPNAME=sleeper4 q four "SELECT pg_sleep(30), 'slept'" >"$dir/fast.out" 2>&1 &
sleeper=$!
wait_session four sleeper4
start=$SECONDS
kill -INT "$(cat "$dir/four.pid")"
wait_exit four 15; rc=$?
[ $rc = 0 ] || { st_fail "SIGINT: exit status $rc (want 0); log:"; sed 's/^/  | /' "$dir/four.log"; }
[ $((SECONDS - start)) -le 5 ] || st_fail "SIGINT took $((SECONDS - start)) s"
if wait "$sleeper"; then st_fail "SIGINT did not interrupt the running statement"; fi

serve five
wait_ready five || exit 1
[ "$(q five "SELECT count(*) FROM t")" = 2 ] || st_fail "rows lost after SIGINT"
kill -TERM "$(cat "$dir/five.pid")"
wait_exit five 20 || st_fail "the last server did not exit 0"

if [ "$ST_FAILED" = 0 ]; then echo "lifecycle: all checks passed"; exit 0; fi
exit 1
