#!/usr/bin/env bash
# tools/sqltests_pg.sh SLT [DIR]: check sqltests/ against PostgreSQL 15 (ctest: tools_sqltests_pg).
# The expectations in sqltests/*.test are PostgreSQL's, so they must all pass on a real server:
# starts a scratch C-locale PostgreSQL 15 (tools/pg_scratch.sh) in a fresh directory, runs
# `SLT -j2 --engine pg DIR` (DIR defaults to the repository's sqltests/), stops the server and
# removes the directory whatever happens (trap), and exits with slt's status. Exit 77 (ctest:
# skipped) when PostgreSQL 15's binaries are missing; tools/install-deps.sh test installs them.
# The server listens only on a Unix socket inside its own directory, so the port number cannot
# collide with another server; SQLTESTS_PG_PORT overrides the default.
set -uo pipefail
slt=${1:?usage: sqltests_pg.sh PATH_TO_SLT [DIR]}
case "$slt" in /*) ;; *) slt=$(pwd)/$slt ;; esac
here=$(cd "$(dirname "$0")" && pwd)
tests=${2:-$(cd "$here/.." && pwd)/sqltests}
port=${SQLTESTS_PG_PORT:-$((5900 + $$ % 90))}
dir=$(mktemp -d /tmp/sqltests_pg.XXXXXX)
chmod 755 "$dir"

if [ ! -d "$tests" ]; then
    echo "sqltests_pg: no directory $tests"
    rm -rf "$dir"
    exit 2
fi

params=$("$here/pg_scratch.sh" start "$port" "$dir/pg")
status=$?
if [ "$status" -ne 0 ]; then
    rm -rf "$dir"
    if [ "$status" -eq 77 ]; then
        echo "sqltests_pg: SKIPPED: PostgreSQL 15 binaries are missing (apt-get install postgresql-15)"
        exit 77
    fi
    echo "sqltests_pg: could not start the scratch PostgreSQL server"
    exit 1
fi
cleanup() { "$here/pg_scratch.sh" stop "$port" "$dir/pg" >/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
for assignment in $params; do export "${assignment?}"; done

"$slt" -j2 --engine pg --list-failures "$dir/failures.txt" "$tests"
status=$?
if [ "$status" -ne 0 ] && [ -s "$dir/failures.txt" ]; then
    echo "sqltests_pg: failures (each expectation is PostgreSQL 15's own result; a failure means the file or the server changed):"
    head -200 "$dir/failures.txt"
fi
exit "$status"
