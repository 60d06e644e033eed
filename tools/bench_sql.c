/* tools/bench_sql.c: issue 4's benchmark: birch embedded (include/birch.h) against SQLite (its C
 * API) and DuckDB (tools/bench_duckdb.mjs through Node.js), one thread, same machine, same run.
 *
 *   bench_sql [--runs N] [--rows N] [--ops N] [--groups N] [--build-rows N] [--pool-mib N]
 *             [--analytics-pool-mib N] [--dir DIR] [--only LIST] [--no-duckdb] [--no-sqlite]
 *             [--keep]
 *
 * Workloads (LIST is a comma list of these names):
 *   insert   INSERT of --ops rows (default 1,000,000) into p(id int primary key, a int, b text)
 *            through a prepared statement in one transaction (a fresh database each run)
 *   point    --ops primary-key point SELECTs of p through a prepared statement inside one read
 *            transaction (keys in a fixed pseudo-random order)
 *   groupby  SELECT k, count(*), sum(v), avg(v) FROM t GROUP BY k over --rows rows (default
 *            10,000,000) and --groups groups (default 1,000)
 *   scan     SELECT sum(a * b) FROM s WHERE c < 500 over --rows rows
 *   join     SELECT count(*), sum(d.w + f.v) FROM f JOIN d ON f.k = d.k: --rows fact rows,
 *            --build-rows (default 1,000,000) dimension rows
 *   spill    birch only: the GROUP BY with --rows / 2 groups under work_mem = 64MB against the
 *            same query with an unbounded work_mem: time ratio and peak RSS growth
 * Each figure is the median of --runs runs (default 5); every run's time is printed too (for
 * birch and SQLite also the thread's CPU time, "(cpu)", steadier on a shared machine), and
 * the ratio is peer time / birch time (above 1: birch is faster). Configurations are printed
 * first. SQLite: WAL, synchronous=FULL, cache_size = birch's pool, INTEGER PRIMARY KEY.
 * DuckDB: a file database, threads=1. Answers are compared across engines (a mismatch is
 * reported and makes the exit status 1). Each ratio is printed with its bar and "met" or
 * "NOT met"; a missed bar makes the exit status 3 (as tools/bench_txn's).
 *
 * The analytics workloads (groupby, scan, join) run with a buffer pool of --analytics-pool-mib
 * (default 2048; SQLite's cache_size is the same): at 10M rows a table takes 400-650 MiB in
 * birch's row format, and the peers run in memory too (DuckDB's memory_limit is 80% of RAM).
 * The pool is allocated, not touched: RSS grows only with the pages read.
 * Each analytics workload has its own birch file holding only the tables it reads
 * (bench_sql_groupby.birch: t, bench_sql_scan.birch: s, bench_sql_join.birch: d and f), so two
 * bench_sql processes with different --only lists can load in parallel. --keep keeps the
 * analytics databases in --dir after the run (those files, bench_sql_a.sqlite,
 * bench_sql.duckdb) and reuses their tables on the next run when they were
 * loaded with the same --rows / --groups / --build-rows (a table bench_meta in each database
 * records what was loaded), so iterating at 10M rows does not reload for minutes each time.
 * --pool-mib must not change between runs that reuse a birch file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "include/birch.h"

enum { RUNS_MAX = 64, LINE_SIZE = 4096 };

typedef struct Options {
    int         runs;
    int64_t     rows;
    int64_t     ops;
    int64_t     groups;
    int64_t     build_rows;
    int         pool_mib;
    int         analytics_pool_mib;
    const char *dir;
    const char *only;
    bool        duckdb;
    bool        sqlite;
    bool        keep;       /* keep and reuse the analytics databases */
} Options;

typedef struct Series {
    int    count;
    double ms[RUNS_MAX];
} Series;

static int mismatch_count;
static int bars_missed;     /* bars checked and not met: the exit status is 3 if any */

/* bar_verdict: "met" if value meets the bar (at least it, or at most it when !at_least);
 * counts a miss. */
static const char *bar_verdict(double value, double bar, bool at_least)
{
    bool met = at_least ? value >= bar : value <= bar;
    if (!met) bars_missed++;
    return met ? "met" : "NOT met";
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* thread_cpu_ms: CPU time of the calling thread (user + system): on a machine shared with other
 * work, wall-clock figures move with the load while this one mostly does not. */
static double thread_cpu_ms(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_THREAD, &usage) != 0) return 0;
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}
static double last_cpu_ms;   /* of the last birch_query_ms / sqlite_query_ms */

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const Series *series)
{
    if (series->count == 0) return 0;
    double sorted[RUNS_MAX];
    memcpy(sorted, series->ms, (size_t)series->count * sizeof(double));
    qsort(sorted, (size_t)series->count, sizeof(double), compare_double);
    return series->count % 2 == 1 ? sorted[series->count / 2]
                                  : (sorted[series->count / 2 - 1] + sorted[series->count / 2]) / 2;
}

static void print_series(const char *engine, const char *workload, const Series *series)
{
    printf("  %-7s %-8s median %10.2f ms   runs:", engine, workload, median(series));
    for (int idx = 0; idx < series->count; idx++) printf(" %.1f", series->ms[idx]);
    printf("\n");
}

static bool selected(const Options *options, const char *name)
{
    if (options->only == NULL) return true;
    size_t size = strlen(name);
    for (const char *p = options->only; (p = strstr(p, name)) != NULL; p += size) {
        bool starts = p == options->only || p[-1] == ',';
        bool ends = p[size] == 0 || p[size] == ',';
        if (starts && ends) return true;
    }
    return false;
}

/* ------------------------------------------------------------------ birch ---- */

static void birch_die(birch_db *db, const char *what)
{
    const birch_error *error = db != NULL ? birch_last_error(db) : NULL;
    fprintf(stderr, "bench_sql: birch: %s: %s (%s)\n", what, error ? error->message : "?",
            error ? error->sqlstate : "?");
    exit(1);
}

static void birch_exec_or_die(birch_db *db, const char *sql)
{
    if (birch_exec(db, sql, NULL, NULL) != BIRCH_OK) birch_die(db, sql);
}

static void remove_db(const char *path)
{
    char related[LINE_SIZE + 8];
    unlink(path);
    snprintf(related, sizeof related, "%s-wal", path);
    unlink(related);
    snprintf(related, sizeof related, "%s-shm", path);
    unlink(related);
}

static birch_db *birch_fresh(const Options *options, const char *path)
{
    remove_db(path);
    birch_open_options open_options = {.struct_size = sizeof open_options, .create = true,
                                       .pool_size = (size_t)options->pool_mib << 20};
    birch_db *db = NULL;
    if (birch_open(path, &open_options, &db) != BIRCH_OK) birch_die(db, "open");
    return db;
}

/* birch_open_kept: open path, creating it if missing, keeping what it holds. */
static birch_db *birch_open_kept(const Options *options, const char *path)
{
    birch_open_options open_options = {.struct_size = sizeof open_options, .create = true,
                                       .pool_size = (size_t)options->pool_mib << 20};
    birch_db *db = NULL;
    if (birch_open(path, &open_options, &db) != BIRCH_OK) birch_die(db, "open");
    return db;
}

/* The generators (the same formulas as tools/bench_duckdb.mjs). */
static int64_t gen_k(int64_t idx, const Options *o) { return idx % o->groups; }
static int64_t gen_v(int64_t idx) { return (idx * 7) % 1000; }

typedef struct Loader {
    const char *table;
    int         column_count;
    int64_t     row_count;
    void      (*row)(int64_t idx, const Options *options, int64_t *values);
} Loader;

static void row_t(int64_t idx, const Options *o, int64_t *values)
{
    values[0] = gen_k(idx, o);
    values[1] = gen_v(idx);
}
static void row_s(int64_t idx, const Options *o, int64_t *values)
{
    (void)o;
    values[0] = idx % 100;
    values[1] = (idx * 3) % 37;
    values[2] = (idx * 13) % 1000;
}
static void row_d(int64_t idx, const Options *o, int64_t *values)
{
    (void)o;
    values[0] = idx;
    values[1] = idx % 10;
}
static void row_f(int64_t idx, const Options *o, int64_t *values)
{
    values[0] = (idx * 7) % o->build_rows;
    values[1] = idx % 5;
}

/* birch_load: fill a table with INSERT ... SELECT over generate_series (the same formulas as
 * the row generators), LOAD_BATCH_ROWS rows per statement: one transaction of 10M rows would
 * pass the WAL's per-transaction limit (53400). Loading is not what is measured. */
enum { LOAD_BATCH_ROWS = 1000000 };
static void birch_load(birch_db *db, const Options *options, const Loader *loader)
{
    char select[LINE_SIZE], sql[LINE_SIZE * 2];
    if (strcmp(loader->table, "t") == 0) {
        snprintf(select, sizeof select, "(i %% %" PRId64 ")::int, ((i * 7) %% 1000)::int",
                 options->groups);
    } else if (strcmp(loader->table, "s") == 0) {
        snprintf(select, sizeof select, "(i %% 100)::int, ((i * 3) %% 37)::int, ((i * 13) %% 1000)::int");
    } else if (strcmp(loader->table, "d") == 0) {
        snprintf(select, sizeof select, "i::int, (i %% 10)::int");
    } else {
        snprintf(select, sizeof select, "((i * 7) %% %" PRId64 ")::int, (i %% 5)::int",
                 options->build_rows);
    }
    for (int64_t first = 0; first < loader->row_count; first += LOAD_BATCH_ROWS) {
        int64_t last = first + LOAD_BATCH_ROWS - 1;
        if (last > loader->row_count - 1) last = loader->row_count - 1;
        snprintf(sql, sizeof sql,
                 "INSERT INTO %s SELECT %s FROM generate_series(%" PRId64 ", %" PRId64 ") AS g(i)",
                 loader->table, select, first, last);
        birch_exec_or_die(db, sql);
    }
}

/* birch_query_ms: run sql to the end; *answer_out gets the first row as text (comma list) or
 * rows=N for several rows. */
static double birch_query_ms(birch_db *db, const char *sql, char *answer, size_t answer_size)
{
    birch_stmt *stmt = NULL;
    double start = now_ms();
    double cpu_start = thread_cpu_ms();
    if (birch_prepare(db, sql, -1, &stmt, NULL) != BIRCH_OK) birch_die(db, sql);
    int rc;
    int64_t row_count = 0;
    answer[0] = 0;
    while ((rc = birch_step(stmt)) == BIRCH_ROW) {
        if (row_count++ == 0) {
            size_t used = 0;
            for (int col = 0; col < birch_column_count(stmt); col++) {
                const char *text = birch_column_is_null(stmt, col) ? "NULL"
                                                                   : birch_column_text(stmt, col, NULL);
                used += (size_t)snprintf(answer + used, answer_size - used, "%s%s", col ? "," : "",
                                         text);
                if (used >= answer_size) break;
            }
        }
    }
    if (rc != BIRCH_DONE) birch_die(db, sql);
    double elapsed = now_ms() - start;
    last_cpu_ms = thread_cpu_ms() - cpu_start;
    birch_finalize(stmt);
    if (row_count > 1) snprintf(answer, answer_size, "rows=%" PRId64, row_count);
    return elapsed;
}

/* table_tag: what a loaded table holds, as recorded in bench_meta (name:rows:groups:build). */
static void table_tag(const Options *options, const char *table, int64_t row_count, char *tag,
                      size_t tag_size)
{
    snprintf(tag, tag_size, "%s:%" PRId64 ":%" PRId64 ":%" PRId64, table, row_count,
             options->groups, options->build_rows);
}

/* birch_table_kept: is table in db loaded with tag (bench_meta says so)? */
static bool birch_table_kept(birch_db *db, const char *table, const char *tag)
{
    char sql[LINE_SIZE], answer[256];
    birch_exec_or_die(db, "CREATE TABLE IF NOT EXISTS bench_meta(tag text)");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM bench_meta WHERE tag = '%s'", tag);
    birch_query_ms(db, sql, answer, sizeof answer);
    if (strcmp(answer, "1") == 0) return true;
    snprintf(sql, sizeof sql, "DELETE FROM bench_meta WHERE tag LIKE '%s:%%'", table);
    birch_exec_or_die(db, sql);
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", table);
    birch_exec_or_die(db, sql);
    return false;
}

static void birch_table_loaded(birch_db *db, const char *tag)
{
    char sql[LINE_SIZE];
    snprintf(sql, sizeof sql, "INSERT INTO bench_meta VALUES ('%s')", tag);
    birch_exec_or_die(db, sql);
}

/* ------------------------------------------------------------------ SQLite ---- */

static void sqlite_die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench_sql: sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static void sqlite_exec_or_die(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        fprintf(stderr, "bench_sql: sqlite: %s: %s\n", sql, message ? message : "?");
        exit(1);
    }
}

static sqlite3 *sqlite_open_db(const Options *options, const char *path, bool fresh)
{
    if (fresh) remove_db(path);
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) sqlite_die(db, "open");
    char sql[256];
    snprintf(sql, sizeof sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                              "PRAGMA cache_size=-%d", options->pool_mib * 1024);
    sqlite_exec_or_die(db, sql);
    return db;
}

static sqlite3 *sqlite_fresh(const Options *options, const char *path)
{
    return sqlite_open_db(options, path, true);
}

static void sqlite_load(sqlite3 *db, const Options *options, const Loader *loader)
{
    char sql[LINE_SIZE];
    int used = snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (", loader->table);
    for (int col = 0; col < loader->column_count; col++) {
        used += snprintf(sql + used, sizeof sql - (size_t)used, "%s?", col ? ", " : "");
    }
    snprintf(sql + used, sizeof sql - (size_t)used, ")");
    sqlite3_stmt *stmt = NULL;
    sqlite_exec_or_die(db, "BEGIN");
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) sqlite_die(db, sql);
    int64_t values[8];
    for (int64_t idx = 0; idx < loader->row_count; idx++) {
        loader->row(idx, options, values);
        sqlite3_reset(stmt);
        for (int col = 0; col < loader->column_count; col++) sqlite3_bind_int64(stmt, col + 1, values[col]);
        if (sqlite3_step(stmt) != SQLITE_DONE) sqlite_die(db, "load insert");
    }
    sqlite3_finalize(stmt);
    sqlite_exec_or_die(db, "COMMIT");
}

static double sqlite_query_ms(sqlite3 *db, const char *sql, char *answer, size_t answer_size);

/* sqlite_table_kept / sqlite_table_loaded: bench_meta as for birch. */
static bool sqlite_table_kept(sqlite3 *db, const char *table, const char *tag)
{
    char sql[LINE_SIZE], answer[256];
    sqlite_exec_or_die(db, "CREATE TABLE IF NOT EXISTS bench_meta(tag TEXT)");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM bench_meta WHERE tag = '%s'", tag);
    sqlite_query_ms(db, sql, answer, sizeof answer);
    if (strcmp(answer, "1") == 0) return true;
    snprintf(sql, sizeof sql, "DELETE FROM bench_meta WHERE tag LIKE '%s:%%'", table);
    sqlite_exec_or_die(db, sql);
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", table);
    sqlite_exec_or_die(db, sql);
    return false;
}

static void sqlite_table_loaded(sqlite3 *db, const char *tag)
{
    char sql[LINE_SIZE];
    snprintf(sql, sizeof sql, "INSERT INTO bench_meta VALUES ('%s')", tag);
    sqlite_exec_or_die(db, sql);
}

static double sqlite_query_ms(sqlite3 *db, const char *sql, char *answer, size_t answer_size)
{
    sqlite3_stmt *stmt = NULL;
    double start = now_ms();
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) sqlite_die(db, sql);
    int rc;
    int64_t row_count = 0;
    answer[0] = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (row_count++ == 0) {
            size_t used = 0;
            for (int col = 0; col < sqlite3_column_count(stmt); col++) {
                const unsigned char *text = sqlite3_column_text(stmt, col);
                used += (size_t)snprintf(answer + used, answer_size - used, "%s%s", col ? "," : "",
                                         text ? (const char *)text : "NULL");
                if (used >= answer_size) break;
            }
        }
    }
    if (rc != SQLITE_DONE) sqlite_die(db, sql);
    double elapsed = now_ms() - start;
    sqlite3_finalize(stmt);
    if (row_count > 1) snprintf(answer, answer_size, "rows=%" PRId64, row_count);
    return elapsed;
}

/* ------------------------------------------------------------ OLTP workloads ---- */

static const char P_TEXT[] = "birch-bench-row-text";

/* point_key: the idx-th key of a fixed pseudo-random permutation-ish order over [0, n). */
static int64_t point_key(int64_t idx, int64_t n)
{
    uint64_t x = (uint64_t)idx * 0x9E3779B97F4A7C15ULL;
    x ^= x >> 29;
    return (int64_t)(x % (uint64_t)n);
}

static void bench_insert_point(const Options *options, bool run_insert, bool run_point)
{
    char birch_path[LINE_SIZE], sqlite_path[LINE_SIZE];
    snprintf(birch_path, sizeof birch_path, "%s/bench_sql_p.birch", options->dir);
    snprintf(sqlite_path, sizeof sqlite_path, "%s/bench_sql_p.sqlite", options->dir);
    Series birch_insert = {0}, sqlite_insert = {0}, birch_point = {0}, sqlite_point = {0};
    for (int run = 0; run < options->runs; run++) {
        birch_db *db = birch_fresh(options, birch_path);
        birch_exec_or_die(db, "CREATE TABLE p(id int PRIMARY KEY, a int, b text)");
        birch_stmt *stmt = NULL;
        double start = now_ms();
        birch_exec_or_die(db, "BEGIN");
        if (birch_prepare(db, "INSERT INTO p VALUES ($1, $2, $3)", -1, &stmt, NULL) != BIRCH_OK) {
            birch_die(db, "prepare insert");
        }
        for (int64_t id = 0; id < options->ops; id++) {
            birch_reset(stmt);
            birch_bind_int64(stmt, 1, id);
            birch_bind_int64(stmt, 2, id * 3);
            birch_bind_text(stmt, 3, P_TEXT, -1);
            if (birch_step(stmt) != BIRCH_DONE) birch_die(db, "insert");
        }
        birch_finalize(stmt);
        birch_exec_or_die(db, "COMMIT");
        birch_insert.ms[birch_insert.count++] = now_ms() - start;
        if (run_point) {
            int64_t sum = 0;
            start = now_ms();
            birch_exec_or_die(db, "BEGIN");
            if (birch_prepare(db, "SELECT a, b FROM p WHERE id = $1", -1, &stmt, NULL) != BIRCH_OK) {
                birch_die(db, "prepare point");
            }
            for (int64_t idx = 0; idx < options->ops; idx++) {
                birch_reset(stmt);
                birch_bind_int64(stmt, 1, point_key(idx, options->ops));
                if (birch_step(stmt) != BIRCH_ROW) birch_die(db, "point select");
                sum += birch_column_int64(stmt, 0);
            }
            birch_finalize(stmt);
            birch_exec_or_die(db, "COMMIT");
            birch_point.ms[birch_point.count++] = now_ms() - start;
            if (run == 0) printf("  birch point checksum %" PRId64 "\n", sum);
        }
        if (birch_close(db) != BIRCH_OK) birch_die(NULL, "close");
        remove_db(birch_path);

        if (!options->sqlite) continue;
        sqlite3 *lite = sqlite_fresh(options, sqlite_path);
        sqlite_exec_or_die(lite, "CREATE TABLE p(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)");
        sqlite3_stmt *lstmt = NULL;
        start = now_ms();
        sqlite_exec_or_die(lite, "BEGIN");
        if (sqlite3_prepare_v2(lite, "INSERT INTO p VALUES (?, ?, ?)", -1, &lstmt, NULL) != SQLITE_OK) {
            sqlite_die(lite, "prepare");
        }
        for (int64_t id = 0; id < options->ops; id++) {
            sqlite3_reset(lstmt);
            sqlite3_bind_int64(lstmt, 1, id);
            sqlite3_bind_int64(lstmt, 2, id * 3);
            sqlite3_bind_text(lstmt, 3, P_TEXT, -1, SQLITE_STATIC);
            if (sqlite3_step(lstmt) != SQLITE_DONE) sqlite_die(lite, "insert");
        }
        sqlite3_finalize(lstmt);
        sqlite_exec_or_die(lite, "COMMIT");
        sqlite_insert.ms[sqlite_insert.count++] = now_ms() - start;
        if (run_point) {
            int64_t sum = 0;
            start = now_ms();
            sqlite_exec_or_die(lite, "BEGIN");
            if (sqlite3_prepare_v2(lite, "SELECT a, b FROM p WHERE id = ?", -1, &lstmt, NULL) != SQLITE_OK) {
                sqlite_die(lite, "prepare");
            }
            for (int64_t idx = 0; idx < options->ops; idx++) {
                sqlite3_reset(lstmt);
                sqlite3_bind_int64(lstmt, 1, point_key(idx, options->ops));
                if (sqlite3_step(lstmt) != SQLITE_ROW) sqlite_die(lite, "point");
                sum += sqlite3_column_int64(lstmt, 0);
                (void)sqlite3_column_text(lstmt, 1);
            }
            sqlite3_finalize(lstmt);
            sqlite_exec_or_die(lite, "COMMIT");
            sqlite_point.ms[sqlite_point.count++] = now_ms() - start;
            if (run == 0) printf("  sqlite point checksum %" PRId64 "\n", sum);
        }
        sqlite3_close(lite);
        remove_db(sqlite_path);
    }
    if (run_insert) {
        print_series("birch", "insert", &birch_insert);
        if (options->sqlite) {
            print_series("sqlite", "insert", &sqlite_insert);
            double ratio = median(&sqlite_insert) / median(&birch_insert);
            printf("  => insert: birch %.2fx SQLite (bar >= 1.0x: %s)\n", ratio,
                   bar_verdict(ratio, 1.0, true));
        }
    }
    if (run_point) {
        print_series("birch", "point", &birch_point);
        if (options->sqlite) {
            print_series("sqlite", "point", &sqlite_point);
            double ratio = median(&sqlite_point) / median(&birch_point);
            printf("  => point: birch %.2fx SQLite (bar >= 1.0x: %s)\n", ratio,
                   bar_verdict(ratio, 1.0, true));
        }
    }
}

/* ------------------------------------------------------------ analytics workloads ---- */

typedef struct Analytic {
    const char *name;
    const char *sql;
    double      sqlite_bar;     /* 0: none */
    double      duckdb_bar;
} Analytic;

static const Analytic ANALYTICS[] = {
    {"groupby", "SELECT k, count(*), sum(v), avg(v) FROM t GROUP BY k", 10.0, 0.5},
    {"scan", "SELECT sum(a * b) FROM s WHERE c < 500", 0, 0.5},
    {"join", "SELECT count(*), sum(d.w + f.v) FROM f JOIN d ON f.k = d.k", 0, 0.5},
};
enum { ANALYTIC_COUNT = sizeof ANALYTICS / sizeof ANALYTICS[0] };

typedef struct DuckResults {
    Series series[ANALYTIC_COUNT];
    Series cpu[ANALYTIC_COUNT];        /* the node process's CPU time per run */
    char   answers[ANALYTIC_COUNT][256];
    bool   ran;
} DuckResults;

static void run_duckdb(const Options *options, DuckResults *results)
{
    char script[LINE_SIZE], command[LINE_SIZE * 4], db_path[LINE_SIZE];
    const char *source_dir = getenv("BIRCH_TOOLS_DIR");
    snprintf(script, sizeof script, "%s/bench_duckdb.mjs", source_dir ? source_dir : BIRCH_TOOLS_DIR);
    snprintf(db_path, sizeof db_path, "%s/bench_sql.duckdb", options->dir);
    char only[256];
    snprintf(only, sizeof only, "%s", options->only != NULL ? options->only : "groupby,scan,join");
    snprintf(command, sizeof command,
             "node '%s' '%s' %d %" PRId64 " %" PRId64 " %" PRId64 " '%s' %s", script, db_path,
             options->runs, options->rows, options->groups, options->build_rows, only,
             options->keep ? "keep" : "fresh");
    FILE *pipe = popen(command, "r");
    if (pipe == NULL) {
        fprintf(stderr, "bench_sql: cannot run %s: %s\n", command, strerror(errno));
        return;
    }
    char line[LINE_SIZE];
    while (fgets(line, sizeof line, pipe) != NULL) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "duckdb-config ", 14) == 0) {
            printf("  DuckDB: %s\n", line + 14);
            continue;
        }
        for (int idx = 0; idx < ANALYTIC_COUNT; idx++) {
            size_t name_size = strlen(ANALYTICS[idx].name);
            if (strncmp(line, "duckdb-result ", 14) == 0 &&
                strncmp(line + 14, ANALYTICS[idx].name, name_size) == 0 && line[14 + name_size] == ' ') {
                snprintf(results->answers[idx], sizeof results->answers[idx], "%s", line + 15 + name_size);
            } else if ((strncmp(line, "duckdb ", 7) == 0 &&
                        strncmp(line + 7, ANALYTICS[idx].name, name_size) == 0 &&
                        line[7 + name_size] == ' ') ||
                       (strncmp(line, "duckdb-cpu ", 11) == 0 &&
                        strncmp(line + 11, ANALYTICS[idx].name, name_size) == 0 &&
                        line[11 + name_size] == ' ')) {
                bool cpu = line[6] == '-';
                char *cursor = line + (cpu ? 12 : 8) + name_size;
                Series *series = cpu ? &results->cpu[idx] : &results->series[idx];
                while (*cursor != 0 && series->count < RUNS_MAX) {
                    char *end = NULL;
                    double ms = strtod(cursor, &end);
                    if (end == cursor) break;
                    series->ms[series->count++] = ms;
                    cursor = end;
                }
            }
        }
    }
    int status = pclose(pipe);
    results->ran = status == 0;
    if (status != 0) fprintf(stderr, "bench_sql: DuckDB's script failed (status %d)\n", status);
}

/* answers_match: compare two engines' first-row answers numerically field by field. */
static bool answers_match(const char *a, const char *b)
{
    while (*a != 0 && *b != 0) {
        char *end_a = NULL, *end_b = NULL;
        double x = strtod(a, &end_a), y = strtod(b, &end_b);
        if (end_a == a || end_b == b) {
            size_t size_a = strcspn(a, ","), size_b = strcspn(b, ",");
            if (size_a != size_b || strncmp(a, b, size_a) != 0) return false;
            a += size_a;
            b += size_b;
        } else {
            double scale = x < 0 ? -x : x;
            double diff = x - y < 0 ? y - x : x - y;
            if (diff > 1e-9 * (scale > 1 ? scale : 1)) return false;
            a = end_a;
            b = end_b;
        }
        if (*a == ',') a++;
        if (*b == ',') b++;
    }
    return *a == 0 && *b == 0;
}

static void check_answer(const char *workload, const char *engine, const char *expected,
                         const char *actual)
{
    if (expected[0] == 0 || actual[0] == 0) return;
    if (!answers_match(expected, actual)) {
        printf("  !! %s: %s answered %s, birch %s\n", workload, engine, actual, expected);
        mismatch_count++;
    }
}

static void bench_analytics(const Options *insert_options, const bool *run)
{
    Options analytics_options = *insert_options;
    analytics_options.pool_mib = insert_options->analytics_pool_mib;
    const Options *options = &analytics_options;
    char birch_path[LINE_SIZE], sqlite_path[LINE_SIZE];
    snprintf(sqlite_path, sizeof sqlite_path, "%s/bench_sql_a.sqlite", options->dir);
    const Loader loaders[] = {
        {"t", 2, options->rows, row_t}, {"s", 3, options->rows, row_s},
        {"d", 2, options->build_rows, row_d}, {"f", 2, options->rows, row_f},
    };
    const char *birch_ddl[] = {"CREATE TABLE t(k int, v int)", "CREATE TABLE s(a int, b int, c int)",
                               "CREATE TABLE d(k int PRIMARY KEY, w int)", "CREATE TABLE f(k int, v int)"};
    const char *sqlite_ddl[] = {"CREATE TABLE t(k INTEGER, v INTEGER)",
                                "CREATE TABLE s(a INTEGER, b INTEGER, c INTEGER)",
                                "CREATE TABLE d(k INTEGER PRIMARY KEY, w INTEGER)",
                                "CREATE TABLE f(k INTEGER, v INTEGER)"};
    DuckResults duck = {0};
    if (options->duckdb) run_duckdb(options, &duck);

    double start;
    sqlite3 *lite = NULL;
    if (options->sqlite && run[0]) {     /* SQLite's bar is on the GROUP BY only */
        start = now_ms();
        lite = sqlite_open_db(options, sqlite_path, !options->keep);
        char tag[256];
        table_tag(options, loaders[0].table, loaders[0].row_count, tag, sizeof tag);
        if (!options->keep || !sqlite_table_kept(lite, loaders[0].table, tag)) {
            sqlite_exec_or_die(lite, sqlite_ddl[0]);
            sqlite_load(lite, options, &loaders[0]);
            if (options->keep) sqlite_table_loaded(lite, tag);
        }
        printf("  sqlite loaded in %.1f s\n", (now_ms() - start) / 1000);
    }
    for (int idx = 0; idx < ANALYTIC_COUNT; idx++) {
        if (!run[idx]) continue;
        const Analytic *analytic = &ANALYTICS[idx];
        /* one database file per workload (bench_sql_NAME.birch) with the tables it reads:
         * t (groupby), s (scan), d and f (join); so workloads can be loaded in parallel */
        const bool needed[4] = {idx == 0, idx == 1, idx == 2, idx == 2};
        snprintf(birch_path, sizeof birch_path, "%s/bench_sql_%s.birch", options->dir,
                 analytic->name);
        start = now_ms();
        birch_db *db = options->keep ? birch_open_kept(options, birch_path)
                                     : birch_fresh(options, birch_path);
        /* in memory, like the peers (DuckDB's memory_limit is 80% of RAM; SQLite has none) */
        birch_exec_or_die(db, "SET work_mem = '4GB'");
        for (size_t table_idx = 0; table_idx < 4; table_idx++) {
            if (!needed[table_idx]) continue;
            const Loader *loader = &loaders[table_idx];
            char tag[256];
            table_tag(options, loader->table, loader->row_count, tag, sizeof tag);
            if (options->keep && birch_table_kept(db, loader->table, tag)) continue;
            birch_exec_or_die(db, birch_ddl[table_idx]);
            birch_load(db, options, loader);
            if (options->keep) birch_table_loaded(db, tag);
        }
        printf("  birch %s tables loaded in %.1f s%s\n", analytic->name, (now_ms() - start) / 1000,
               options->keep ? " (--keep: kept tables reused)" : "");
        Series birch_series = {0}, sqlite_series = {0}, birch_cpu = {0}, sqlite_cpu = {0};
        char birch_answer[256] = "", sqlite_answer[256] = "";
        for (int r = 0; r < options->runs; r++) {
            birch_series.ms[birch_series.count++] =
                birch_query_ms(db, analytic->sql, birch_answer, sizeof birch_answer);
            birch_cpu.ms[birch_cpu.count++] = last_cpu_ms;
        }
        printf("%s: %s\n", analytic->name, analytic->sql);
        print_series("birch", analytic->name, &birch_series);
        print_series("  (cpu)", analytic->name, &birch_cpu);
        if (lite != NULL && analytic->sqlite_bar > 0) {
            for (int r = 0; r < options->runs; r++) {
                double cpu_start = thread_cpu_ms();
                sqlite_series.ms[sqlite_series.count++] =
                    sqlite_query_ms(lite, analytic->sql, sqlite_answer, sizeof sqlite_answer);
                sqlite_cpu.ms[sqlite_cpu.count++] = thread_cpu_ms() - cpu_start;
            }
            print_series("sqlite", analytic->name, &sqlite_series);
            print_series("  (cpu)", analytic->name, &sqlite_cpu);
            printf("  => %s: birch %.2fx SQLite in CPU time\n", analytic->name,
                   median(&sqlite_cpu) / median(&birch_cpu));
            check_answer(analytic->name, "sqlite", birch_answer, sqlite_answer);
            double ratio = median(&sqlite_series) / median(&birch_series);
            printf("  => %s: birch %.2fx SQLite (bar >= %.1fx: %s)\n", analytic->name, ratio,
                   analytic->sqlite_bar, bar_verdict(ratio, analytic->sqlite_bar, true));
        }
        if (duck.ran && duck.series[idx].count > 0) {
            print_series("duckdb", analytic->name, &duck.series[idx]);
            if (duck.cpu[idx].count > 0) {
                print_series("  (cpu)", analytic->name, &duck.cpu[idx]);
                printf("  => %s: birch %.2fx DuckDB in CPU time\n", analytic->name,
                       median(&duck.cpu[idx]) / median(&birch_cpu));
            }
            check_answer(analytic->name, "duckdb", birch_answer, duck.answers[idx]);
            double ratio = median(&duck.series[idx]) / median(&birch_series);
            printf("  => %s: birch %.2fx DuckDB (bar >= %.1fx: %s)\n", analytic->name, ratio,
                   analytic->duckdb_bar, bar_verdict(ratio, analytic->duckdb_bar, true));
        }
        if (birch_close(db) != BIRCH_OK) birch_die(NULL, "close");
        if (!options->keep) remove_db(birch_path);
    }
    if (lite != NULL) sqlite3_close(lite);
    if (!options->keep) remove_db(sqlite_path);
}

/* ---------------------------------------------------------------- spill ---- */

static long rss_peak_kib(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, status) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) kib = strtol(line + 6, NULL, 10);
    }
    fclose(status);
    return kib;
}

static void rss_peak_reset(void)
{
    FILE *clear = fopen("/proc/self/clear_refs", "w");
    if (clear != NULL) {
        fputs("5", clear);     /* reset the peak RSS (VmHWM) to the current RSS */
        fclose(clear);
    }
}

static void bench_spill(const Options *options)
{
    char path[LINE_SIZE];
    snprintf(path, sizeof path, "%s/bench_sql_spill.birch", options->dir);
    Options spill_options = *options;
    spill_options.groups = options->rows / 2;
    birch_db *db = birch_fresh(options, path);
    birch_exec_or_die(db, "CREATE TABLE t(k int, v int)");
    Loader loader = {"t", 2, options->rows, row_t};
    birch_load(db, &spill_options, &loader);
    const char *sql = "SELECT k, count(*), sum(v), avg(v) FROM t GROUP BY k";
    Series memory = {0}, spilled = {0};
    char answer_memory[256], answer_spilled[256];
    long growth_kib = 0;
    for (int r = 0; r < options->runs; r++) {
        birch_exec_or_die(db, "SET work_mem = '4GB'");
        memory.ms[memory.count++] = birch_query_ms(db, sql, answer_memory, sizeof answer_memory);
        birch_exec_or_die(db, "SET work_mem = '64MB'");
        rss_peak_reset();
        long before = rss_peak_kib();
        spilled.ms[spilled.count++] = birch_query_ms(db, sql, answer_spilled, sizeof answer_spilled);
        long growth = rss_peak_kib() - before;
        if (growth > growth_kib) growth_kib = growth;
    }
    printf("spill: %s with %" PRId64 " groups\n", sql, spill_options.groups);
    print_series("birch", "in-mem", &memory);
    print_series("birch", "64MB", &spilled);
    check_answer("spill", "birch in memory", answer_spilled, answer_memory);
    double time_ratio = median(&spilled) / median(&memory);
    double growth_mib = (double)growth_kib / 1024;
    double rss_bar = 64.0 + options->pool_mib + 32.0;
    const char *time_verdict = bar_verdict(time_ratio, 3.0, false);
    printf("  => spill: %.2fx the in-memory time (bar <= 3x: %s); peak RSS growth %.1f MiB "
           "(bar <= 64 MiB budget + %d MiB pool + 32 MiB: %s)\n",
           time_ratio, time_verdict, growth_mib, options->pool_mib,
           bar_verdict(growth_mib, rss_bar, false));
    birch_close(db);
    remove_db(path);
}

int main(int argc, char **argv)
{
    Options options = {.runs = 5, .rows = 10000000, .ops = 1000000, .groups = 1000,
                       .build_rows = 1000000, .pool_mib = 256, .analytics_pool_mib = 2048,
                       .dir = "/tmp",
                       .duckdb = true, .sqlite = true};
    static const struct option long_options[] = {
        {"runs", required_argument, NULL, 'r'}, {"rows", required_argument, NULL, 'n'},
        {"ops", required_argument, NULL, 'o'}, {"groups", required_argument, NULL, 'g'},
        {"build-rows", required_argument, NULL, 'b'}, {"pool-mib", required_argument, NULL, 'p'},
        {"dir", required_argument, NULL, 'd'}, {"only", required_argument, NULL, 'O'},
        {"no-duckdb", no_argument, NULL, 'D'}, {"no-sqlite", no_argument, NULL, 'S'},
        {"keep", no_argument, NULL, 'K'},
        {"analytics-pool-mib", required_argument, NULL, 'A'},
        {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (opt) {
        case 'r': options.runs = atoi(optarg); break;
        case 'n': options.rows = strtoll(optarg, NULL, 10); break;
        case 'o': options.ops = strtoll(optarg, NULL, 10); break;
        case 'g': options.groups = strtoll(optarg, NULL, 10); break;
        case 'b': options.build_rows = strtoll(optarg, NULL, 10); break;
        case 'p': options.pool_mib = atoi(optarg); break;
        case 'd': options.dir = optarg; break;
        case 'O': options.only = optarg; break;
        case 'D': options.duckdb = false; break;
        case 'S': options.sqlite = false; break;
        case 'K': options.keep = true; break;
        case 'A': options.analytics_pool_mib = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: see the comment at the top of tools/bench_sql.c\n");
            return 2;
        }
    }
    if (options.runs < 1 || options.runs > RUNS_MAX || options.rows < 1 || options.ops < 1 ||
        options.pool_mib < 1 || options.analytics_pool_mib < 1 ||
        options.groups < 1 || options.build_rows < 1) {
        fprintf(stderr, "bench_sql: bad option value\n");
        return 2;
    }
    printf("bench_sql: %d runs, median; one thread\n", options.runs);
    printf("  birch %s: pool %d MiB (analytics: %d MiB), default durability (WAL, synchronous "
           "commit), analytics with work_mem = 4GB (in memory)\n",
           birch_version(), options.pool_mib, options.analytics_pool_mib);
    printf("  SQLite %s: WAL, synchronous=FULL, cache_size=%d MiB (analytics: %d MiB), "
           "prepare/bind/step/reset\n",
           sqlite3_libversion(), options.pool_mib, options.analytics_pool_mib);
    bool run_insert = selected(&options, "insert"), run_point = selected(&options, "point");
    if (run_insert || run_point) {
        printf("insert/point: %" PRId64 " rows into p(id int primary key, a int, b text)\n", options.ops);
        bench_insert_point(&options, run_insert, run_point);
    }
    bool run[ANALYTIC_COUNT];
    bool any = false;
    for (int idx = 0; idx < ANALYTIC_COUNT; idx++) {
        run[idx] = selected(&options, ANALYTICS[idx].name);
        any = any || run[idx];
    }
    if (any) bench_analytics(&options, run);
    if (selected(&options, "spill")) bench_spill(&options);
    if (mismatch_count > 0) printf("bench_sql: %d answer mismatches\n", mismatch_count);
    printf(bars_missed > 0 ? "some bars NOT met\n" : "every bar checked was met\n");
    return mismatch_count > 0 ? 1 : bars_missed > 0 ? 3 : 0;
}
