#!/usr/bin/env bash
# tools/bench_server.sh BIRCH_BIN: issue 5's server benchmarks, birch against PostgreSQL 15 on
# the same machine in the same run (tools/server_tests/README.md, "bench_server.sh").
#
#   1. pgbench -S (select only) and TPC-B-like, each in -M simple, extended and prepared, each
#      mode against the same mode: -c $BENCH_CLIENTS -j $BENCH_JOBS -T $BENCH_TIME, $BENCH_RUNS
#      runs per server (birch and PostgreSQL alternate run by run); per-run tps, medians, ratio
#      birch/PostgreSQL against the bars (-S >= 1.0x, TPC-B >= 0.8x).
#   2. $BENCH_IDLE idle connections (bench_server_idle.py holds them) while 8 clients run
#      pgbench -S: no errors, the server's RSS before and after opening them (birch: KiB per
#      idle connection, bar 64), and `SELECT 1` p99 latency at 8 clients (pgbench -f, per-
#      transaction log; the median of $BENCH_RUNS runs' p99s) against PostgreSQL's under the
#      same idle connections (bar 1.5x).
#
# Both servers durable: PostgreSQL with fsync, synchronous_commit and full_page_writes on and
# shared_buffers = birch's buffer pool ($BENCH_SHARED_BUFFERS, default 64MB = birch's
# ENGINE_POOL_SIZE_DEFAULT); birch with its defaults (plus --max-connections for part 2).
# Settings (environment):
#   BENCH_SCALE 10, BENCH_CLIENTS 8, BENCH_JOBS 2, BENCH_TIME 60 (seconds per run),
#   BENCH_RUNS 5, BENCH_MODES "simple extended prepared", BENCH_PARTS "select tpcb idle",
#   BENCH_IDLE 1000, BENCH_IDLE_TIME (default BENCH_TIME), BENCH_SHARED_BUFFERS 64MB,
#   BENCH_DIR /tmp (where both data directories go), BENCH_KEEP=1 keeps them.
# Exit status: 0 every bar met, 1 a bar missed or a run failed, 2 usage, 77 a prerequisite is
# missing (pgbench, psql, PostgreSQL 15, python3-psycopg2 for part 2, birch without `serve`).
set -uo pipefail
tools="$(cd "$(dirname "$0")" && pwd)"
birch=${1:-}
[ -n "$birch" ] || { echo "usage: bench_server.sh BIRCH_BIN" >&2; exit 2; }
scale=${BENCH_SCALE:-10}
clients=${BENCH_CLIENTS:-8}
jobs=${BENCH_JOBS:-2}
duration=${BENCH_TIME:-60}
runs=${BENCH_RUNS:-5}
modes=${BENCH_MODES:-simple extended prepared}
parts=${BENCH_PARTS:-select tpcb idle}
idle=${BENCH_IDLE:-1000}
idle_time=${BENCH_IDLE_TIME:-$duration}
shared_buffers=${BENCH_SHARED_BUFFERS:-64MB}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
python=/usr/bin/python3
max_conn=$((idle + clients + 50))

export LC_ALL=C PGTZ=UTC PSQLRC=/dev/null PGAPPNAME=bench_server
unset PGSERVICE PGSSLMODE PGOPTIONS PGPASSWORD

for cmd in pgbench psql pg_isready; do
    command -v "$cmd" >/dev/null || { echo "bench_server: skipped: $cmd not found" >&2; exit 77; }
done
[ -x "$pg_bin/initdb" ] || { echo "bench_server: skipped: PostgreSQL 15 not in $pg_bin" >&2; exit 77; }
if [[ " $parts " == *" idle "* ]] && ! "$python" -c 'import psycopg2' 2>/dev/null; then
    echo "bench_server: skipped: $python has no psycopg2 (the idle-connections holder)" >&2
    exit 77
fi

work=$(mktemp -d "${BENCH_DIR:-/tmp}/bsv.XXXXXX") || exit 1
chmod 755 "$work"
mkdir -p "$work/b" "$work/pg"
pg_data="$work/pg/data"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$work/pg"
    as_pg() { su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; }
else
    as_pg() { "$@"; }
fi
pg_up=0
birch_up=0
cleanup() {
    [ -n "${holder_pid:-}" ] && kill "$holder_pid" 2>/dev/null
    [ $birch_up = 1 ] && "$tools/server_tests/server.sh" stop "$work/b" >/dev/null 2>&1
    [ $pg_up = 1 ] && as_pg "$pg_bin/pg_ctl" -D "$pg_data" -w -t 120 -m fast stop >/dev/null 2>&1
    if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# ---- servers ---------------------------------------------------------------------------------
start_birch() {   # a birch server on a fresh file in $work/b
    local params status
    params=$(SERVER_DATABASE=bench "$tools/server_tests/server.sh" start "$work/b" birch "$birch" \
        --max-connections "$max_conn")
    status=$?
    [ $status -eq 0 ] || exit $status
    birch_up=1
    eval "$params"
    B_HOST=$PGHOST B_PORT=$PGPORT
    birch_pid=$(cat "$work/b/server.pid")
}
start_birch

pg_port=$("$python" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg "$pg_bin/initdb" -D "$pg_data" --locale=C -E UTF8 -A trust -U postgres >"$work/pg/initdb.log" 2>&1 \
    || { cat "$work/pg/initdb.log"; echo "bench_server: initdb failed" >&2; exit 1; }
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -w -t 120 -l "$work/pg/log" -o "-p $pg_port -k $work/pg \
    -c listen_addresses='' -c fsync=on -c synchronous_commit=on -c full_page_writes=on \
    -c shared_buffers=$shared_buffers -c max_connections=$max_conn" start >/dev/null \
    || { cat "$work/pg/log"; echo "bench_server: PostgreSQL did not start" >&2; exit 1; }
pg_up=1
P_HOST=$work/pg P_PORT=$pg_port
psql -X -q -h "$P_HOST" -p "$P_PORT" -U postgres -d postgres -c "CREATE DATABASE bench" || exit 1

on() {   # on birch|pg CMD...: CMD with libpq's variables pointing at that server
    local server=$1; shift
    if [ "$server" = birch ]; then
        PGHOST=$B_HOST PGPORT=$B_PORT PGUSER=postgres PGDATABASE=bench "$@"
    else
        PGHOST=$P_HOST PGPORT=$P_PORT PGUSER=postgres PGDATABASE=bench "$@"
    fi
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "== settings: scale $scale, -c $clients -j $jobs -T $duration, $runs runs, modes: $modes, parts: $parts"
echo "== birch: $birch serve (defaults, --max-connections $max_conn), pid $birch_pid; its startup lines:"
sed -n '1,2p' "$work/b/server.log" | sed 's/^/   | /'
echo "   birch's buffer pool: 64 MiB (ENGINE_POOL_SIZE_DEFAULT, no setting in birch serve); its settings:"
on birch psql -X -At -F ' = ' -c "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections', 'wal_level') ORDER BY 1" 2>&1 | sed 's/^/   | /'
echo "== PostgreSQL:"
on pg psql -X -At -c "SELECT version()" | sed 's/^/   | /'
on pg psql -X -At -F ' = ' -c "SELECT name, setting || coalesce(' ' || unit, '') FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections', 'wal_level', 'checkpoint_timeout', 'max_wal_size', 'wal_sync_method') ORDER BY 1" | sed 's/^/   | /'

chunked_load() {   # chunked_load SERVER: pgbench's rows for $scale, 100,000 accounts per transaction
    local server=$1 lo
    on "$server" psql -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, $scale) AS bid" \
        -c "INSERT INTO pgbench_tellers (tid, bid, tbalance) SELECT tid, (tid - 1) / 10 + 1, 0 FROM generate_series(1, $((10 * scale))) AS tid" || return 1
    for ((lo = 1; lo <= 100000 * scale; lo += 100000)); do
        on "$server" psql -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO pgbench_accounts (aid, bid, abalance, filler) SELECT aid, (aid - 1) / 100000 + 1, 0, '' FROM generate_series($lo, $((lo + 99999))) AS aid" || return 1
    done
}

# ---- pgbench -i -------------------------------------------------------------------------------
if [[ " $parts " == *" select "* ]] || [[ " $parts " == *" tpcb "* ]] || [[ " $parts " == *" idle "* ]]; then
    for server in birch pg; do
        start=$(date +%s.%N)
        if ! on "$server" pgbench -i -q -s "$scale" >"$work/init_$server.log" 2>&1; then
            tail -n 5 "$work/init_$server.log" | sed 's/^/   | /'
            fail "$server: pgbench -i -s $scale failed"
            # the same tables and rows, loaded 100,000 accounts per transaction (pgbench loads
            # them all in one); then pgbench's own vacuum and primary keys
            echo "   loading $server in transactions of 100,000 rows instead (pgbench -i -I dt, INSERT ... generate_series, pgbench -i -I vp)"
            if [ "$server" = birch ]; then
                # a failed load may leave the database refusing writes: start over on a new file
                "$tools/server_tests/server.sh" stop "$work/b" || echo "   (birch did not stop cleanly)"
                birch_up=0
                start_birch
            fi
            start=$(date +%s.%N)
            if ! { on "$server" pgbench -i -I dt -s "$scale" >"$work/init_$server.log" 2>&1 &&
                   chunked_load "$server" >>"$work/init_$server.log" 2>&1 &&
                   on "$server" pgbench -i -I vp -s "$scale" >>"$work/init_$server.log" 2>&1; }; then
                tail -n 5 "$work/init_$server.log" | sed 's/^/   | /'
                fail "$server: the chunked load failed too"
                exit 1
            fi
        fi
        printf '== pgbench -i -s %s on %s: %s s\n' "$scale" "$server" \
            "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')"
    done
fi

# ---- part 1: tps -----------------------------------------------------------------------------
declare -A tps_runs
run_pgbench() {   # run_pgbench SERVER LABEL ARGS...: prints tps or FAILED
    local server=$1 label=$2; shift 2
    local log="$work/run_${server}_${label}.log"
    if ! on "$server" timeout $((duration * 3 + 120)) pgbench "$@" >"$log" 2>&1; then
        grep -E 'error|abort' "$log" | sort | uniq -c | sort -rn | head -n 3 | sed 's/^/     | /' >&2
        echo FAILED
        return 1
    fi
    local failed_tx
    failed_tx=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$log")
    if [ "${failed_tx:-0}" != 0 ]; then echo FAILED; return 1; fi
    sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$log" | head -n 1
}
median() { tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "n/a"; else if (NR % 2) printf "%.1f\n", v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

summary=()
for workload in select tpcb; do
    [[ " $parts " == *" $workload "* ]] || continue
    if [ "$workload" = select ]; then wargs=(-S); bar=1.0; wname="-S (select only)"
    else wargs=(); bar=0.8; wname="TPC-B-like"; fi
    for mode in $modes; do
        echo "== $wname, -M $mode"
        for ((r = 1; r <= runs; r++)); do
            for server in birch pg; do
                t=$(run_pgbench "$server" "${workload}_${mode}_$r" -M "$mode" "${wargs[@]}" \
                    -c "$clients" -j "$jobs" -T "$duration")
                [ "$t" = FAILED ] && fail "$server $wname -M $mode run $r failed"
                tps_runs[$server,$workload,$mode]+="$t "
                printf '   run %d %-5s tps %s\n' "$r" "$server" "$t"
            done
        done
        bm=$(median <<<"${tps_runs[birch,$workload,$mode]}")
        pm=$(median <<<"${tps_runs[pg,$workload,$mode]}")
        ratio=n/a verdict=FAIL
        if [ "$bm" != n/a ] && [ "$pm" != n/a ]; then
            ratio=$(awk -v b="$bm" -v p="$pm" 'BEGIN {printf "%.2f", b / p}')
            awk -v r="$ratio" -v bar="$bar" 'BEGIN {exit !(r >= bar)}' && verdict=ok
        fi
        [ $verdict = ok ] || failures=$((failures + 1))
        summary+=("$(printf '%-18s %-9s %12s %12s %7sx %6sx  %s' "$wname" "$mode" "$bm" "$pm" "$ratio" "$bar" "$verdict")")
    done
done

# ---- part 2: idle connections ------------------------------------------------------------------
rss_kib() {   # rss_kib SERVER: birch: VmRSS of the server; pg: Pss summed over the cluster's processes
    if [ "$1" = birch ]; then
        awk '/^VmRSS:/ {print $2}' "/proc/$birch_pid/status"
    else
        local pm pids
        pm=$(head -n 1 "$pg_data/postmaster.pid")
        pids="$pm $(pgrep -P "$pm" | tr '\n' ' ')"
        for p in $pids; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done | awk '/^Pss:/ {s += $2} END {print s}'
    fi
}
declare -A p99 rss_per
if [[ " $parts " == *" idle "* ]]; then
    printf 'SELECT 1;\n' >"$work/select1.sql"
    for server in birch pg; do
        echo "== $idle idle connections on $server"
        before=$(rss_kib "$server")
        coproc HOLDER { ulimit -n $((idle + 200)) 2>/dev/null || ulimit -n 65536;
                        on "$server" "$python" "$tools/bench_server_idle.py" "$idle" 2>&1; }
        holder_pid=$HOLDER_PID
        line=
        while IFS= read -r -t 900 line <&"${HOLDER[0]}"; do
            case "$line" in ready*) break ;; *) echo "   | $line" ;; esac
        done
        echo "   holder: $line"
        [ "$line" = "ready $idle" ] || fail "$server: only '${line:-nothing}' of $idle idle connections opened"
        sleep 2
        after=$(rss_kib "$server")
        per=$(awk -v a="$after" -v b="$before" -v n="$idle" 'BEGIN {printf "%.1f", (a - b) / n}')
        rss_per[$server]=$per
        echo "   server memory before ${before} KiB, after ${after} KiB: ${per} KiB per idle connection ($([ "$server" = birch ] && echo RSS || echo "Pss of all processes"))"
        t=$(run_pgbench "$server" "idle_select" -n -S -c "$clients" -j "$jobs" -T "$idle_time")
        echo "   pgbench -S -c $clients with $idle idle: tps $t"
        [ "$t" = FAILED ] && fail "$server: pgbench -S failed under $idle idle connections"
        # SELECT 1 p99: $runs runs under the same idle connections, the median of the runs' p99s
        p99s=()
        for ((r = 1; r <= runs; r++)); do
            rm -f "$work"/lat_"$server"*
            t=$(run_pgbench "$server" "idle_select1" -n -f "$work/select1.sql" -c "$clients" -j "$jobs" \
                -T "$idle_time" -l --log-prefix="$work/lat_$server")
            [ "$t" = FAILED ] && fail "$server: SELECT 1 run failed under $idle idle connections"
            one=$(cat "$work"/lat_"$server"* 2>/dev/null | awk '{print $3}' | sort -n \
                | awk '{v[NR] = $1} END {if (NR == 0) print "n/a"; else {i = int(NR * 0.99); if (i < NR * 0.99) i++; printf "%.3f\n", v[i] / 1000}}')
            echo "   run $r SELECT 1 at $clients clients: tps $t, p99 $one ms"
            [ "$one" != n/a ] && p99s+=("$one")
        done
        p99[$server]=n/a
        [ ${#p99s[@]} -gt 0 ] && p99[$server]=$(printf '%s\n' "${p99s[@]}" | sort -g \
            | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}')
        echo "   SELECT 1 p99, median of ${#p99s[@]} runs: ${p99[$server]} ms"
        # let the holder check every connection once more and close them
        echo >&"${HOLDER[1]}"
        while IFS= read -r -t 300 line <&"${HOLDER[0]}"; do echo "   holder: $line"; done
        wait "$holder_pid" || fail "$server: an idle connection was lost or errored"
        holder_pid=
    done
    verdict=FAIL
    awk -v k="${rss_per[birch]}" 'BEGIN {exit !(k <= 64)}' && verdict=ok
    [ $verdict = ok ] || failures=$((failures + 1))
    summary+=("$(printf '%-18s %-9s %12s %12s %8s %7s  %s' "idle memory" "KiB/conn" "${rss_per[birch]}" "${rss_per[pg]}" "" "<=64" "$verdict")")
    ratio=n/a verdict=FAIL
    if [ "${p99[birch]}" != n/a ] && [ "${p99[pg]}" != n/a ]; then
        ratio=$(awk -v b="${p99[birch]}" -v p="${p99[pg]}" 'BEGIN {printf "%.2f", b / p}')
        awk -v r="$ratio" 'BEGIN {exit !(r <= 1.5)}' && verdict=ok
    fi
    [ $verdict = ok ] || failures=$((failures + 1))
    summary+=("$(printf '%-18s %-9s %12s %12s %7sx %7s  %s' "SELECT 1 p99 (ms)" "simple" "${p99[birch]}" "${p99[pg]}" "$ratio" "<=1.5x" "$verdict")")
fi

echo
echo "== summary (scale $scale, -c $clients -j $jobs -T $duration, median of $runs)"
printf '%-18s %-9s %12s %12s %8s %7s  %s\n' "test" "mode" "birch" "PostgreSQL" "ratio" "bar" "verdict"
printf '%s\n' "${summary[@]}"
if [ "$failures" -eq 0 ]; then echo "every bar met"; exit 0; fi
echo "$failures bars missed or runs failed"
exit 1
