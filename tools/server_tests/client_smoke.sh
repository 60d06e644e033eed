#!/usr/bin/env bash
# tools/server_tests/client_smoke.sh TARGET psycopg2|node: a driver smoke test against TARGET, a
# birch binary (`birch serve` on a fresh file) or `pg` (a scratch PostgreSQL 15).
#   psycopg2: psycopg2_smoke.py under Debian's /usr/bin/python3 (python3-psycopg2; a python3
#             earlier on PATH may lack it)
#   node:     node_pg_smoke.js under node, with `pg` from tools/node_modules (tools/package.json;
#             install-deps.sh test)
# The program prints one line per check and `N passed, M failed`.
# Exit status: 0 passed, 1 failed, 77 skipped (interpreter, driver or server missing).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ST_SERVE_ARGS=()
# shellcheck source=lib.sh
. "$here/lib.sh"

target=${1:-}
driver=${2:-}
case "$driver" in
psycopg2)
    python=${BIRCH_TEST_PYTHON:-/usr/bin/python3}
    st_need "$python" pg_isready
    if ! "$python" -c 'import psycopg2' >/dev/null 2>&1; then
        echo "skipped: $python has no psycopg2 (apt-get install python3-psycopg2)" >&2
        exit 77
    fi
    program=("$python" "$here/psycopg2_smoke.py")
    ;;
node)
    st_need node pg_isready
    if [ ! -f "$here/../node_modules/pg/package.json" ]; then
        echo "skipped: tools/node_modules/pg is not installed (tools/install-deps.sh test)" >&2
        exit 77
    fi
    program=(node "$here/node_pg_smoke.js")
    ;;
*)
    echo "usage: client_smoke.sh BIRCH_BIN|pg psycopg2|node" >&2
    exit 2
    ;;
esac
[ -n "$target" ] || { echo "usage: client_smoke.sh BIRCH_BIN|pg psycopg2|node" >&2; exit 2; }

st_server_start "$target"
# against birch, the checks listed in known_failures.txt report but do not fail
if [ "$target" != pg ]; then export SERVER_TESTS_KNOWN_FAILURES="$here/known_failures.txt"; fi
timeout 120 "${program[@]}"
status=$?
if [ $status -eq 124 ]; then st_fail "$driver smoke test timed out after 120 s"
elif [ $status -ne 0 ]; then st_fail "$driver smoke test exited with status $status"; fi
st_finish
