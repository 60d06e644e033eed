// tools/bench_duckdb.mjs: DuckDB's side of issue 4's benchmark (tools/bench_sql.c runs it).
// DuckDB is a benchmark-only dependency: the npm package @duckdb/node-api ships its library
// (tools/install-deps.sh bench installs it into tools/node_modules).
//
//   node tools/bench_duckdb.mjs DBFILE RUNS ROWS GROUPS JOIN_BUILD_ROWS [ONLY [keep|fresh]]
//
// ONLY: a comma list of the workloads to run (default groupby,scan,join); only their tables are
// loaded. keep: keep DBFILE afterwards and reuse the tables it holds that were loaded with the
// same ROWS / GROUPS / JOIN_BUILD_ROWS (recorded in a table bench_meta), as bench_sql --keep.
//
// One file database with threads=1. Prints the configuration, then one line per workload:
//   duckdb WORKLOAD ms1 ms2 ... (every run's wall-clock milliseconds of the query alone)
//   duckdb-cpu WORKLOAD ms1 ms2 ... (the process's CPU time, user + system, of each run: on a
//   shared machine steadier than wall time; with threads=1 DuckDB runs the query on one thread)
// Data is generated inside DuckDB with the same formulas tools/bench_sql.c uses for birch and
// SQLite, so the three engines answer the same queries over the same values; each query's
// result is printed once (`duckdb-result WORKLOAD ...`) so bench_sql can compare answers.
import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync } from 'node:fs';

const [dbFile, runsText, rowsText, groupsText, buildText] = process.argv.slice(2);
const runs = Number(runsText ?? 5);
const rows = Number(rowsText ?? 10000000);
const groups = Number(groupsText ?? 1000);
const buildRows = Number(buildText ?? 1000000);
const only = (process.argv[7] ?? 'groupby,scan,join').split(',');
const keep = process.argv[8] === 'keep';
if (!keep) for (const suffix of ['', '.wal']) rmSync(dbFile + suffix, { force: true });

const instance = await DuckDBInstance.create(dbFile, { threads: '1' });
const con = await instance.connect();
const version = (await con.runAndReadAll('select version()')).getRows()[0][0];
console.log(`duckdb-config version=${version} threads=1 file=${dbFile}`);

// The same generators as bench_sql.c: t(k, v), s(a, b, c), f(k, v), d(k, w).
const tables = [
  ['t', 'groupby', rows, `select (i % ${groups})::integer as k, ((i * 7) % 1000)::integer as v
                          from range(${rows}) r(i)`],
  ['s', 'scan', rows, `select (i % 100)::integer as a, ((i * 3) % 37)::integer as b,
                       ((i * 13) % 1000)::integer as c from range(${rows}) r(i)`],
  ['d', 'join', buildRows, `select i::integer as k, (i % 10)::integer as w
                            from range(${buildRows}) r(i)`],
  ['f', 'join', rows, `select ((i * 7) % ${buildRows})::integer as k, (i % 5)::integer as v
                       from range(${rows}) r(i)`],
];
await con.run('create table if not exists bench_meta(tag varchar)');
for (const [table, workload, count, select] of tables) {
  if (!only.includes(workload)) continue;
  const tag = `${table}:${count}:${groups}:${buildRows}`;
  const kept = (await con.runAndReadAll(`select count(*) from bench_meta where tag = '${tag}'`))
    .getRows()[0][0];
  if (keep && Number(kept) === 1) continue;
  await con.run(`delete from bench_meta where tag like '${table}:%'`);
  await con.run(`drop table if exists ${table}`);
  await con.run(`create table ${table} as ${select}`);
  await con.run(`insert into bench_meta values ('${tag}')`);
}
await con.run('checkpoint');

const workloads = [
  ['groupby', 'select k, count(*), sum(v), avg(v) from t group by k'],
  ['scan', 'select sum(a * b) from s where c < 500'],
  ['join', 'select count(*), sum(d.w + f.v) from f join d on f.k = d.k'],
];
for (const [name, sql] of workloads) {
  if (!only.includes(name)) continue;
  const times = [];
  const cpuTimes = [];
  let answer = null;
  for (let run = 0; run < runs; run++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const reader = await con.runAndReadAll(sql);
    const result = reader.getRows();
    times.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
    if (answer === null) {
      answer = name === 'groupby' ? `rows=${result.length}` : result[0].map(String).join(',');
    }
  }
  console.log(`duckdb-result ${name} ${answer}`);
  console.log(`duckdb ${name} ${times.map((t) => t.toFixed(2)).join(' ')}`);
  console.log(`duckdb-cpu ${name} ${cpuTimes.map((t) => t.toFixed(2)).join(' ')}`);
}
instance.closeSync?.();
if (!keep) for (const suffix of ['', '.wal']) rmSync(dbFile + suffix, { force: true });
