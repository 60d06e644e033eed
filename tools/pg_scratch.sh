#!/usr/bin/env bash
# tools/pg_scratch.sh start|stop|status [PORT] [DIR]: a throwaway PostgreSQL 15 cluster in the C
# locale (UTF8, trust authentication, fsync off) with its data in DIR/data and its socket in
# DIR, listening on PORT (defaults: 5496, /tmp/pgslt). Run as root it runs the server as the
# postgres user (the server refuses root). Idempotent: start on a running cluster and stop on a
# stopped one do nothing. start and status print the connection parameters as shell
# assignments (PGHOST=DIR PGPORT=PORT PGUSER=... PGDATABASE=postgres).
# Exit status: 0 done, 1 failed, 77 PostgreSQL 15's binaries are missing.
set -uo pipefail
action=${1:-}
port=${2:-5496}
dir=${3:-/tmp/pgslt}
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
data=$dir/data

if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
    echo "pg_scratch: PostgreSQL 15 binaries not found in $bin (apt-get install postgresql-15)" >&2
    exit 77
fi

if [ "$(id -u)" -eq 0 ]; then
    owner=postgres
    as_owner() { su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; }
else
    owner=$(id -un)
    as_owner() { "$@"; }
fi

print_params() { echo "PGHOST=$dir PGPORT=$port PGUSER=$owner PGDATABASE=postgres"; }
running() { as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

case "$action" in
start)
    mkdir -p "$dir" || exit 1
    [ "$owner" = postgres ] && chown postgres "$dir"
    if [ ! -f "$data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$data" --locale=C -E UTF8 -A trust -U "$owner" >"$dir/initdb.log" 2>&1 \
            || { echo "pg_scratch: initdb failed, see $dir/initdb.log" >&2; exit 1; }
    fi
    if ! running; then
        as_owner "$bin/pg_ctl" -D "$data" -w -t 60 -l "$dir/log" \
            -o "-p $port -k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
            start >/dev/null \
            || { echo "pg_scratch: server did not start, see $dir/log" >&2; exit 1; }
    fi
    print_params
    ;;
stop)
    if [ -f "$data/PG_VERSION" ] && running; then
        as_owner "$bin/pg_ctl" -D "$data" -w -t 60 -m fast stop >/dev/null || exit 1
    fi
    echo "pg_scratch: stopped ($data)"
    ;;
status)
    if [ -f "$data/PG_VERSION" ] && running; then print_params; else echo "pg_scratch: not running" >&2; exit 1; fi
    ;;
*)
    echo "usage: pg_scratch.sh start|stop|status [PORT] [DIR]" >&2
    exit 2
    ;;
esac
