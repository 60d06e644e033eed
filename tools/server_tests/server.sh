#!/usr/bin/env bash
# tools/server_tests/server.sh: a throwaway server for the client-level tests.
#
#   server.sh start DIR birch BIRCH_BIN [SERVE_ARGS...]
#       `BIRCH_BIN serve DIR/test.birch --port P --socket-dir DIR --database NAME SERVE_ARGS...`
#       on a fresh database file, a free TCP port P, DIR as the Unix-socket directory and NAME
#       $SERVER_DATABASE (default clients_test) as the database name; waits until
#       pg_isready answers (at most $SERVER_START_TIMEOUT s, default 30). The tests connect as
#       `postgres`, the name on the PostgreSQL side (expected files show owners): birch's
#       bootstrap superuser, which owns every object, is named after the server's OS user, so
#       as root the server runs as the OS user postgres (setpriv); otherwise start creates the
#       role `postgres` (SUPERUSER LOGIN), and if that fails the tests connect as `id -un`.
#   server.sh start DIR pg
#       a scratch PostgreSQL 15 cluster (tools/pg_scratch.sh, fsync off) in DIR/pg on a free
#       port, plus a fresh database `clients_test` owned by the role `postgres` (created when
#       the cluster's superuser has another name).
#   server.sh stop DIR
#       birch: SIGTERM, wait up to 30 s (then SIGKILL, exit 1); exit 0 only if the server
#       exited with status 0. pg: pg_scratch.sh stop.
#
# DIR must exist and be empty (mktemp -d); keep it short: Unix socket paths are limited to 107
# bytes. start prints the connection as shell assignments (PGHOST=DIR PGPORT=P PGUSER=postgres
# PGDATABASE=clients_test) and writes them, with the kind and pid, to DIR/server.env; the
# server's output goes to DIR/server.log.
# Exit status: 0 done, 1 failed, 77 a prerequisite is missing (pg_isready, PostgreSQL 15,
# the birch binary, or a birch without `serve`).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tools="$(cd "$here/.." && pwd)"

die() { echo "server.sh: $*" >&2; exit 1; }
skip() { echo "server.sh: skipped: $*" >&2; exit 77; }

free_port() {   # a TCP port nobody listens on now (bind port 0, else a random one)
    if [ -x /usr/bin/python3 ]; then
        /usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        echo $((20000 + RANDOM % 30000))
    fi
}

start_birch() {   # start_birch DIR BIN ARGS...
    local dir=$1 bin=$2; shift 2
    [ -x "$bin" ] || skip "birch binary $bin not built"
    # a birch without the server: `birch serve` is not a known command
    if ! "$bin" serve --help 2>&1 | grep -q -- '--port'; then
        skip "$bin has no 'serve' command yet"
    fi
    local timeout=${SERVER_START_TIMEOUT:-30} attempt port pid deadline
    local database=${SERVER_DATABASE:-clients_test} boot run_as=()
    boot=$(id -un)
    # as root, run the server as the OS user postgres (there with postgresql-15) so that its
    # bootstrap superuser, which owns every object, is `postgres` as on the PostgreSQL side
    if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 && command -v setpriv >/dev/null; then
        run_as=(setpriv --reuid postgres --regid postgres --clear-groups)
        boot=postgres
        chown postgres "$dir"
        # a build tree under a private directory (/root/...): run a copy (birch links only
        # system libraries)
        if ! "${run_as[@]}" test -x "$bin"; then
            cp "$bin" "$dir/birch" && chmod 755 "$dir/birch" || die "cannot copy $bin"
            bin=$dir/birch
        fi
    fi
    for attempt in 1 2 3 4 5; do
        rm -f "$dir/test.birch" "$dir/test.birch-wal"
        port=$(free_port)
        rm -f "$dir/server.pid" "$dir/server.rc"
        # a subshell waits for the server and keeps its exit status in DIR/server.rc, so that
        # `server.sh stop` (another process) can tell a clean shutdown from a crash
        (
            "${run_as[@]}" "$bin" serve "$dir/test.birch" --port "$port" --socket-dir "$dir" \
                --database "$database" "$@" \
                >"$dir/server.log" 2>&1 </dev/null &
            echo $! >"$dir/server.pid"
            wait $!
            echo $? >"$dir/server.rc"
        ) >/dev/null 2>&1 </dev/null &
        while [ ! -s "$dir/server.pid" ]; do sleep 0.01; done
        pid=$(cat "$dir/server.pid")
        deadline=$((SECONDS + timeout))
        while [ $SECONDS -lt $deadline ]; do
            if ! kill -0 "$pid" 2>/dev/null; then break; fi
            if pg_isready -q -h "$dir" -p "$port" -d "$database" -U "$boot" -t 1 >/dev/null 2>&1; then
                # the bootstrap superuser is named after the server's OS user; the tests run
                # as `postgres`, the name on the PostgreSQL side
                local user=postgres
                if [ "$boot" != postgres ] && ! psql -X -q -h "$dir" -p "$port" -U "$boot" -d "$database" \
                        -c "CREATE ROLE postgres SUPERUSER LOGIN" >"$dir/create_role.log" 2>&1; then
                    echo "server.sh: CREATE ROLE postgres failed on birch ($(head -n 1 "$dir/create_role.log")); connecting as $boot" >&2
                    user=$boot
                fi
                {
                    echo "SERVER_KIND=birch"
                    echo "SERVER_PID=$pid"
                    echo "PGHOST=$dir PGPORT=$port PGUSER=$user PGDATABASE=$database"
                } >"$dir/server.env"
                echo "PGHOST=$dir PGPORT=$port PGUSER=$user PGDATABASE=$database"
                return 0
            fi
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            echo "server.sh: birch did not accept connections within ${timeout}s; its log:" >&2
            sed 's/^/  | /' "$dir/server.log" >&2
            return 1
        fi
        # lost a race for the port: try another one
        if grep -qi 'in use' "$dir/server.log"; then continue; fi
        echo "server.sh: birch exited before accepting connections; its log:" >&2
        sed 's/^/  | /' "$dir/server.log" >&2
        return 1
    done
    die "no free port after 5 attempts"
}

start_pg() {   # start_pg DIR
    local dir=$1 attempt port params super
    [ -x /usr/lib/postgresql/15/bin/initdb ] || [ -n "${PG_BIN:-}" ] || skip "PostgreSQL 15 is not installed"
    chmod 755 "$dir"   # the server may run as the postgres user
    for attempt in 1 2 3; do
        port=$(free_port)
        params=$("$tools/pg_scratch.sh" start "$port" "$dir/pg" 2>"$dir/server.log")
        case $? in
            0) break ;;
            77) skip "PostgreSQL 15 is not installed" ;;
            *) params= ;;
        esac
        "$tools/pg_scratch.sh" stop "$port" "$dir/pg" >/dev/null 2>&1
        rm -rf "$dir/pg"
    done
    [ -n "$params" ] || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
    super=$(sed -nE 's/.*PGUSER=([^ ]+).*/\1/p' <<<"$params")
    local q=(psql -X -q -v ON_ERROR_STOP=1 -h "$dir/pg" -p "$port" -U "$super" -d postgres)
    if [ "$super" != postgres ]; then
        "${q[@]}" -c "CREATE ROLE postgres SUPERUSER LOGIN" >/dev/null || die "CREATE ROLE failed"
    fi
    "${q[@]}" -c "CREATE DATABASE clients_test OWNER postgres TEMPLATE template0" >/dev/null \
        || die "CREATE DATABASE failed"
    {
        echo "SERVER_KIND=pg"
        echo "SERVER_PORT=$port"
        echo "PGHOST=$dir/pg PGPORT=$port PGUSER=postgres PGDATABASE=clients_test"
    } >"$dir/server.env"
    echo "PGHOST=$dir/pg PGPORT=$port PGUSER=postgres PGDATABASE=clients_test"
}

stop_server() {   # stop_server DIR
    local dir=$1 SERVER_KIND= SERVER_PID= SERVER_PORT=
    [ -f "$dir/server.env" ] || return 0
    # shellcheck disable=SC1091
    . "$dir/server.env"
    rm -f "$dir/server.env"
    case "$SERVER_KIND" in
    pg)
        "$tools/pg_scratch.sh" stop "$SERVER_PORT" "$dir/pg" >/dev/null
        ;;
    birch)
        kill -TERM "$SERVER_PID" 2>/dev/null || return 1
        local i status
        for ((i = 0; i < 300; i++)); do
            [ -s "$dir/server.rc" ] && break
            sleep 0.1
        done
        if [ ! -s "$dir/server.rc" ]; then
            echo "server.sh: birch did not stop within 30 s of SIGTERM; killed" >&2
            kill -KILL "$SERVER_PID" 2>/dev/null
            return 1
        fi
        status=$(cat "$dir/server.rc")
        if [ "$status" -ne 0 ]; then
            echo "server.sh: birch exited with status $status after SIGTERM; its log's tail:" >&2
            tail -n 20 "$dir/server.log" | sed 's/^/  | /' >&2
            return 1
        fi
        ;;
    esac
    return 0
}

command -v pg_isready >/dev/null 2>&1 || skip "pg_isready not found (postgresql-client-15)"
action=${1:-}
dir=${2:-}
[ -n "$dir" ] && [ -d "$dir" ] || { echo "usage: server.sh start|stop DIR ..." >&2; exit 2; }
case "$action" in
start)
    kind=${3:-}
    case "$kind" in
        birch) [ $# -ge 4 ] || die "usage: server.sh start DIR birch BIRCH_BIN [ARGS...]"
               start_birch "$dir" "$4" "${@:5}" ;;
        pg) start_pg "$dir" ;;
        *) die "usage: server.sh start DIR birch|pg ..." ;;
    esac
    ;;
stop) stop_server "$dir" ;;
*) echo "usage: server.sh start|stop DIR ..." >&2; exit 2 ;;
esac
