#!/usr/bin/env bash
# tools/server_tests/psql_expected.sh [NAME...]: regenerate psql/NAME.out (default: every
# script) by running psql/NAME.sql against PostgreSQL 15: psql_run.sh's `pg` target starts a
# scratch cluster (tools/pg_scratch.sh, C locale, UTF8) on a free port for each script, with the
# role `postgres` and a fresh database `clients_test`, exactly as the birch side connects.
# Commit the .out files: they are the expectations of ctest `tools_server_psql`.
# Check the diff (git diff tools/server_tests/psql) before committing: output that varies
# between runs or machines (OIDs, timings, versions, paths) must not be in a script.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/psql_run.sh" pg --write "$@" || exit $?
# a second run must reproduce the files exactly, else a script prints something unstable
"$here/psql_run.sh" pg "$@"
