#!/usr/bin/env bash
# tools/server_tests/psql_run.sh TARGET [--write] [NAME...]: run the psql scripts
# tools/server_tests/psql/NAME.sql (default: all) against TARGET, a birch binary (`birch serve`
# on a fresh database file per script) or `pg` (one scratch PostgreSQL 15 cluster, a fresh
# database `clients_test` and no roles but postgres for each script), and
# compare psql's output with psql/NAME.out, which PostgreSQL 15 produced (psql_expected.sh).
# --write: write psql/NAME.out instead of comparing (psql_expected.sh does this against pg).
#
# Each script runs as `psql -X -a -q -v ON_ERROR_STOP=0 -P pager=off -f NAME.sql` (stdout and
# stderr together) from a scratch directory holding a copy of the script (so `\copy` files are
# relative and psql's `psql:NAME.sql:LINE:` prefixes are the same everywhere), as the role
# `postgres` on the database `clients_test`, with LC_ALL=C, PGTZ=UTC and no psqlrc (lib.sh).
# A failing script's diff (expected -> actual) goes to stderr, all of it also to
# $PSQL_DIFF_DIR/NAME.diff when that variable is set.
# Against birch, a script listed in known_failures.txt (`psql NAME [MAXLINES]`) that fails, with
# at most MAXLINES differing lines (diff's < and > lines) when given, is reported as a known
# failure and does not fail the run (the pg target ignores the list).
# Output: `NAME: ok|FAIL|known failure` per script, then `N passed, M failed`.
# Exit status: 0 all passed, 1 a script failed, 77 skipped (psql or the server missing).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ST_SERVE_ARGS=()
# shellcheck source=lib.sh
. "$here/lib.sh"

target=${1:-}
[ -n "$target" ] || { echo "usage: psql_run.sh BIRCH_BIN|pg [--write] [NAME...]" >&2; exit 2; }
shift
write=0
if [ "${1:-}" = --write ]; then write=1; shift; fi
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in "$here"/psql/*.sql; do names+=("$(basename "$f" .sql)"); done
fi
st_need psql pg_isready diff timeout
if [ "$target" != pg ] && [ ! -x "$target" ]; then
    echo "skipped: birch binary $target not built" >&2
    exit 77
fi

# known_failures.txt: `psql NAME  # why` lines
known=" $(sed -nE 's/^psql[[:space:]]+([^[:space:]#]+).*/\1/p' "$here/known_failures.txt" 2>/dev/null | tr '\n' ' ')"
[ "$target" = pg ] && known=" "
passed=0
failed=0
known_failed=0
for name in "${names[@]}"; do
    sql="$here/psql/$name.sql"
    expected="$here/psql/$name.out"
    [ -f "$sql" ] || { echo "psql_run: no such script $sql" >&2; exit 2; }
    if [ $write = 0 ] && [ ! -f "$expected" ]; then
        echo "$name: FAIL (no expected file psql/$name.out; run psql_expected.sh)"
        failed=$((failed + 1))
        continue
    fi
    if [ "$target" = pg ]; then
        # one cluster for every script (initdb is slow): a fresh database and no roles but
        # postgres before each
        if [ "$ST_SERVER_UP" = 0 ]; then st_server_start pg; fi
        psql -X -q -At -v ON_ERROR_STOP=1 -d postgres >/dev/null <<'SQL' || { echo "psql_run: could not reset PostgreSQL" >&2; exit 1; }
DROP DATABASE IF EXISTS clients_test WITH (FORCE);
SELECT format('DROP ROLE %I', rolname) FROM pg_roles
 WHERE rolname !~ '^pg_' AND rolname <> 'postgres' AND rolname <> current_user \gexec
CREATE DATABASE clients_test OWNER postgres TEMPLATE template0;
SQL
    else
        st_server_start "$target"
    fi
    work="$ST_DIR/work"
    rm -rf "$work"; mkdir -p "$work"
    cp "$sql" "$work/"
    (cd "$work" && timeout 120 psql -X -a -q -v ON_ERROR_STOP=0 -P pager=off -f "$name.sql" \
        >"$work/$name.actual" 2>&1 </dev/null)
    status=$?
    if [ $status -eq 124 ]; then echo "psql_run: $name timed out after 120 s" >>"$work/$name.actual"; fi
    if [ "$target" != pg ] && ! st_server_stop; then
        echo "psql_run: the server did not shut down cleanly after $name" >>"$work/$name.actual"
    fi
    if [ $write = 1 ]; then
        cp "$work/$name.actual" "$expected"
        echo "$name: written (psql exit $status)"
        passed=$((passed + 1))
    elif diff -q "$expected" "$work/$name.actual" >/dev/null; then
        if [[ "$known" == *" $name "* ]]; then
            echo "$name: ok (now passes: remove it from known_failures.txt)"
        else
            echo "$name: ok"
        fi
        passed=$((passed + 1))
    else
        lines=$(diff "$expected" "$work/$name.actual" | grep -c '^[<>]')
        limit=$(sed -nE "s/^psql[[:space:]]+$name[[:space:]]+([0-9]+).*/\1/p" "$here/known_failures.txt" 2>/dev/null | head -n 1)
        if [[ "$known" == *" $name "* ]] && { [ -z "$limit" ] || [ "$lines" -le "$limit" ]; }; then
            echo "$name: known failure ($lines lines differ, known_failures.txt allows ${limit:-any})"
            known_failed=$((known_failed + 1))
        elif [[ "$known" == *" $name "* ]]; then
            echo "$name: FAIL ($lines lines differ, more than the $limit known_failures.txt allows)"
            failed=$((failed + 1))
        else
            echo "$name: FAIL ($lines lines differ)"
            failed=$((failed + 1))
        fi
        diff -u --label "psql/$name.out" --label "$name (actual)" "$expected" "$work/$name.actual" \
            | head -n "${PSQL_DIFF_LINES:-150}" | sed "s/^/  $name| /" >&2
        if [ -n "${PSQL_DIFF_DIR:-}" ]; then
            mkdir -p "$PSQL_DIFF_DIR"
            diff -u --label "psql/$name.out" --label "$name (actual)" "$expected" \
                "$work/$name.actual" >"$PSQL_DIFF_DIR/$name.diff"
            cp "$work/$name.actual" "$PSQL_DIFF_DIR/$name.actual"
        fi
    fi
done
st_server_stop
if [ $known_failed -gt 0 ]; then echo "($known_failed known failures, listed in known_failures.txt)"; fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
