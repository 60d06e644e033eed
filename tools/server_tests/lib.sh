# tools/server_tests/lib.sh: sourced by the client-level tests (bash).
#
#   st_need CMD...            exit 77 (skipped) unless every CMD is on PATH or executable
#   st_server_start TARGET    TARGET: a birch binary (`birch serve` on a fresh file) or `pg` (a
#                             scratch PostgreSQL 15 with a fresh database): server.sh start in a
#                             new temp dir ($ST_DIR); exports PGHOST PGPORT PGUSER PGDATABASE;
#                             exits the test with server.sh's status if it fails (77: skipped)
#   st_server_stop            server.sh stop; returns its status (birch: 0 only on a clean
#                             exit after SIGTERM). An EXIT trap stops a server still running
#                             and removes $ST_DIR (kept when ST_KEEP=1).
#   st_fail MSG               count a failure (the test's status becomes 1) and print MSG
#   st_finish                 stop the server and exit 0 if nothing failed, else 1
# Settings that make client output reproducible are exported here: LC_ALL=C, PGTZ=UTC,
# PGCLIENTENCODING=UTF8, PGAPPNAME, no PSQLRC, no PAGER; libpq variables from the caller's
# environment that would change where a client connects are cleared.
ST_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ST_DIR=
ST_FAILED=0
ST_SERVER_UP=0

export LC_ALL=C PGTZ=UTC PGCLIENTENCODING=UTF8 PAGER=cat PSQL_PAGER=cat PSQLRC=/dev/null
unset PGSERVICE PGSSLMODE PGOPTIONS PGPASSWORD PGDATESTYLE PGHOSTADDR PGCONNECT_TIMEOUT

st_need() {
    local cmd
    for cmd in "$@"; do
        if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "$cmd" ]; then
            echo "skipped: $cmd not found" >&2
            exit 77
        fi
    done
}

st_cleanup() {
    if [ "$ST_SERVER_UP" = 1 ]; then
        "$ST_HERE/server.sh" stop "$ST_DIR" >/dev/null 2>&1
        ST_SERVER_UP=0
    fi
    if [ -n "$ST_DIR" ] && [ "${ST_KEEP:-0}" != 1 ]; then rm -rf "$ST_DIR"; fi
}

st_server_start() {
    local target=$1 params status
    if [ -z "$ST_DIR" ]; then
        ST_DIR=$(mktemp -d /tmp/bst.XXXXXX) || exit 1
        trap st_cleanup EXIT
    fi
    if [ "$target" = pg ]; then
        params=$("$ST_HERE/server.sh" start "$ST_DIR" pg)
    else
        params=$("$ST_HERE/server.sh" start "$ST_DIR" birch "$target" "${ST_SERVE_ARGS[@]}")
    fi
    status=$?
    if [ $status -ne 0 ]; then exit $status; fi
    ST_SERVER_UP=1
    eval "export $params"
    export PGAPPNAME=birch_server_tests
}

st_server_stop() {
    [ "$ST_SERVER_UP" = 1 ] || return 0
    ST_SERVER_UP=0
    local status=0
    "$ST_HERE/server.sh" stop "$ST_DIR" || status=$?
    # the next st_server_start begins from nothing
    rm -rf "$ST_DIR/pg" "$ST_DIR"/test.birch*
    return $status
}

st_fail() {
    echo "FAIL: $*" >&2
    ST_FAILED=1
}

st_finish() {
    if ! st_server_stop; then st_fail "the server did not shut down cleanly"; fi
    if [ "$ST_FAILED" = 0 ]; then echo "PASS"; exit 0; fi
    echo "FAILED" >&2
    exit 1
}
