#!/usr/bin/env bash
# tools/server_tests/pgbench_test.sh TARGET: issue 5's pgbench test against TARGET, a birch
# binary (`birch serve` on a fresh file) or `pg` (a scratch PostgreSQL 15, for checking the test).
#
#   pgbench -i -s $PGBENCH_SCALE (default 1), then for each of -M simple, extended, prepared:
#   pgbench -M MODE -c $PGBENCH_CLIENTS -j $PGBENCH_JOBS -T $PGBENCH_TIME (defaults 8, 2, 20)
#   at the default READ COMMITTED. The first run does pgbench's own vacuum/truncate of
#   pgbench_history (failures there are tolerated by pgbench); the later ones run with -n so the
#   history keeps every transaction.
#
# Checked after each run: pgbench exited 0, "number of failed transactions: 0", some
# transactions were processed; and the balances add up: sum(abalance) = sum(bbalance) =
# sum(tbalance) = sum(delta) over pgbench_history, and pgbench_history has one row per
# processed transaction (every committed TPC-B transaction inserted exactly one).
# Exit status: 0 passed, 1 failed, 77 skipped (pgbench/psql missing, or the server).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ST_SERVE_ARGS=()
# shellcheck source=lib.sh
. "$here/lib.sh"

target=${1:-}
[ -n "$target" ] || { echo "usage: pgbench_test.sh BIRCH_BIN|pg" >&2; exit 2; }
st_need pgbench psql pg_isready timeout
scale=${PGBENCH_SCALE:-1}
clients=${PGBENCH_CLIENTS:-8}
jobs=${PGBENCH_JOBS:-2}
duration=${PGBENCH_TIME:-20}

st_server_start "$target"

q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }

echo "== pgbench -i -s $scale"
if ! timeout 300 pgbench -i -s "$scale" >"$ST_DIR/init.log" 2>&1; then
    sed 's/^/  | /' "$ST_DIR/init.log" | tail -n 30 >&2
    st_fail "pgbench -i -s $scale failed"
    st_finish
fi
tail -n 3 "$ST_DIR/init.log" | sed 's/^/  | /'

processed_total=0
first=1
for mode in simple extended prepared; do
    echo "== pgbench -M $mode -c $clients -j $jobs -T $duration"
    extra=()
    [ $first = 1 ] || extra=(-n)
    log="$ST_DIR/run_$mode.log"
    timeout $((duration + 120)) pgbench -M "$mode" -c "$clients" -j "$jobs" -T "$duration" \
        "${extra[@]}" >"$log" 2>&1
    status=$?
    if [ $first = 1 ]; then
        # pgbench truncated pgbench_history before this run
        processed_total=0
    fi
    first=0
    grep -E '^(number of (transactions actually processed|failed transactions)|latency average|tps)' "$log" \
        | sed 's/^/  | /'
    if [ $status -ne 0 ]; then
        grep -E 'error|abort|FATAL|ERROR' "$log" | sort | uniq -c | sort -rn | head -n 10 | sed 's/^/  | /' >&2
        st_fail "pgbench -M $mode exited with status $status"
    fi
    failed_tx=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$log")
    processed=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$log")
    if [ -z "$failed_tx" ] || [ "$failed_tx" != 0 ]; then
        st_fail "-M $mode: failed transactions: '${failed_tx:-no such line in pgbench output}'"
    fi
    if [ -z "$processed" ] || [ "$processed" -le 0 ]; then
        st_fail "-M $mode: no transactions processed"
        processed=0
    fi
    processed_total=$((processed_total + processed))

    sums=$(q "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || ' ' ||
                     (SELECT sum(bbalance) FROM pgbench_branches) || ' ' ||
                     (SELECT sum(tbalance) FROM pgbench_tellers) || ' ' ||
                     (SELECT coalesce(sum(delta), 0) FROM pgbench_history) || ' ' ||
                     (SELECT count(*) FROM pgbench_history)" 2>&1)
    echo "  sums: accounts branches tellers history_delta history_rows = $sums (processed $processed_total)"
    read -r a b t d n <<<"$sums"
    if ! [[ "$a" =~ ^-?[0-9]+$ ]]; then
        st_fail "-M $mode: the balance query failed: $sums"
    elif [ "$a" != "$b" ] || [ "$a" != "$t" ] || [ "$a" != "$d" ]; then
        st_fail "-M $mode: balances do not add up: accounts $a, branches $b, tellers $t, history $d"
    elif [ "$n" != "$processed_total" ]; then
        st_fail "-M $mode: pgbench_history has $n rows, pgbench processed $processed_total transactions"
    fi
done

# the tables are intact: one branch per scale unit, 10 tellers and 100,000 accounts each
counts=$(q "SELECT (SELECT count(*) FROM pgbench_branches) || ' ' || (SELECT count(*) FROM pgbench_tellers) || ' ' || (SELECT count(*) FROM pgbench_accounts)" 2>&1)
if [ "$counts" != "$scale $((10 * scale)) $((100000 * scale))" ]; then
    st_fail "row counts (branches tellers accounts) are '$counts'"
fi
st_finish
