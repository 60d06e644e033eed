/* tools/bench_storage.c: the storage benchmark of issue 2: birch's B+ tree against SQLite's.
 *
 * 1,000,000 random 16-byte keys with 100-byte values: insert, random point lookups, one full
 * ordered scan, delete; once with a pool 1/8 of the data and once with a pool larger than the
 * data. Every (engine, configuration, run) is a child process of its own so peak RSS is that
 * engine's alone (wait4's ru_maxrss). Medians of --runs runs (default 5), ops/s and ratios.
 *
 * Keys are a pure function of their index (a 128-bit mix of it), and the lookup and delete
 * orders are permutations computed from the index, so neither side holds the key set in
 * memory: peak RSS is the engine's.
 *
 * SQLite's side: a WITHOUT ROWID table, prepared statements with bind/step/reset, one
 * transaction per phase, page_size 8192, cache_size equal to birch's pool, journal_mode=OFF and
 * synchronous=OFF (birch has no WAL yet, so neither side logs or syncs). Neither side syncs
 * between phases; closing (not timed) flushes both.
 *
 * Two rates per phase: ops per wall-clock second (the bars) and ops per CPU-second of
 * the whole child process (CLOCK_PROCESS_CPUTIME_ID: every thread, user + system, so birch's
 * background cleaner and both engines' pread/pwrite are charged; the file stays in the page
 * cache, so I/O is CPU time too). On a shared, loaded machine the wall-clock ratio mostly
 * measures which child the scheduler favoured; the CPU-time ratio is the stable one. Both are
 * printed, neither replaces the other. BENCH_STORAGE_STATS=1 prints page counts and birch's
 * pool counters per phase (stderr).
 *
 * Usage: bench_storage [--rows N] [--runs R] [--dir DIR]
 *        bench_storage --child ENGINE POOL_BYTES ROWS PATH   (internal) */
#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/hash.h"
#include "storage/btree.h"
#include "storage/bufpool.h"
#include "storage/store.h"

enum { KEY_SIZE = 16, VALUE_SIZE = 100, PHASE_COUNT = 4, RUN_COUNT_MAX = 31 };

static const char *const PHASE_NAMES[PHASE_COUNT] = {"insert", "lookup", "scan", "delete"};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* cpu_seconds: CPU time of the whole process (every thread, user + system): birch's cleaner
 * thread and both engines' pread/pwrite (the file stays in the page cache) are charged. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_key(uint64_t row_idx, uint8_t *key)
{
    enc_u64be(key, hash_u64(row_idx ^ 0x5851f42d4c957f2dULL));
    enc_u64be(key + 8, hash_u64(row_idx + 0x14057b7ef767814fULL));
}

static void make_value(uint64_t row_idx, uint8_t *value)
{
    uint64_t state = hash_u64(row_idx * 7 + 1);
    for (int byte_idx = 0; byte_idx < VALUE_SIZE; byte_idx++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        value[byte_idx] = (uint8_t)(state >> 56);
    }
}

/* permute: a bijection on [0, row_count) (an affine map modulo row_count with a multiplier
 * coprime to it), so lookups and deletes visit every key once in a scattered order. */
static uint64_t permute(uint64_t idx, uint64_t row_count, uint64_t salt)
{
    uint64_t multiplier = 2654435761ULL % row_count;
    while (multiplier < 2) multiplier += 3;
    for (;;) {
        uint64_t a = multiplier, b = row_count;
        while (b != 0) { uint64_t t = a % b; a = b; b = t; }
        if (a == 1) break;
        multiplier++;
    }
    return (uint64_t)(((unsigned __int128)idx * multiplier + salt) % row_count);
}

static void die_err(Error *err, const char *what)
{
    fprintf(stderr, "bench_storage: %s: %s (%s)\n", what, err->message, sqlstate_code(err->state));
    exit(1);
}

static void die_sqlite(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench_storage: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

/* phase_stats: with BENCH_STORAGE_STATS set, the pool's counters after a phase (stderr). */
static void phase_stats(Store *store, const char *phase)
{
    if (getenv("BENCH_STORAGE_STATS") == NULL) return;
    BpStats stats = bp_stats(store_pool(store));
    StoreInfo info = store_info(store);
    fprintf(stderr, "birch %-6s: pages %u (free %u) hits %llu misses %llu writes %llu (cleaner %llu)\n",
            phase, info.page_count, info.free_page_count, (unsigned long long)stats.hit_count,
            (unsigned long long)stats.miss_count, (unsigned long long)stats.write_count,
            (unsigned long long)stats.cleaner_write_count);
}

static void child_birch(size_t pool_size, uint64_t row_count, const char *path, double *rates,
                        double *cpu_rates)
{
    unlink(path);
    StoreOptions options = {.pool_size = pool_size, .create = true, .start_cleaner = true};
    Store *store;
    Error *err = store_open(path, &options, &store);
    if (err) die_err(err, "store_open");
    PageId root;
    if ((err = bt_create(store, &root))) die_err(err, "bt_create");
    BTree *tree;
    if ((err = bt_open(store, root, &tree))) die_err(err, "bt_open");
    uint8_t key[KEY_SIZE], value[VALUE_SIZE];

    double start = now_seconds(), cpu_start = cpu_seconds();
    for (uint64_t row_idx = 0; row_idx < row_count; row_idx++) {
        make_key(row_idx, key);
        make_value(row_idx, value);
        if ((err = bt_insert(tree, key, KEY_SIZE, value, VALUE_SIZE))) die_err(err, "insert");
    }
    rates[0] = (double)row_count / (now_seconds() - start);
    cpu_rates[0] = (double)row_count / (cpu_seconds() - cpu_start);
    phase_stats(store, "insert");

    BtBuf buf = {0};
    start = now_seconds();
    cpu_start = cpu_seconds();
    for (uint64_t idx = 0; idx < row_count; idx++) {
        uint64_t row_idx = permute(idx, row_count, 12345);
        make_key(row_idx, key);
        bool found;
        if ((err = bt_get(tree, key, KEY_SIZE, &buf, &found))) die_err(err, "get");
        if (!found || buf.size != VALUE_SIZE) {
            fprintf(stderr, "bench_storage: birch lost key %llu\n", (unsigned long long)row_idx);
            exit(1);
        }
    }
    rates[1] = (double)row_count / (now_seconds() - start);
    cpu_rates[1] = (double)row_count / (cpu_seconds() - cpu_start);
    phase_stats(store, "lookup");

    start = now_seconds();
    cpu_start = cpu_seconds();
    BtCursor *cursor;
    if ((err = bt_cursor_open(tree, &cursor))) die_err(err, "cursor");
    uint64_t seen_count = 0;
    for (err = bt_cursor_first(cursor); err == NULL && bt_cursor_valid(cursor);
         err = bt_cursor_next(cursor)) {
        if ((err = bt_cursor_value(cursor, &buf))) break;
        seen_count++;
    }
    if (err) die_err(err, "scan");
    bt_cursor_close(cursor);
    if (seen_count != row_count) {
        fprintf(stderr, "bench_storage: birch scan saw %llu rows\n", (unsigned long long)seen_count);
        exit(1);
    }
    rates[2] = (double)row_count / (now_seconds() - start);
    cpu_rates[2] = (double)row_count / (cpu_seconds() - cpu_start);
    phase_stats(store, "scan");

    start = now_seconds();
    cpu_start = cpu_seconds();
    for (uint64_t idx = 0; idx < row_count; idx++) {
        make_key(permute(idx, row_count, 777), key);
        bool found;
        if ((err = bt_delete(tree, key, KEY_SIZE, &found))) die_err(err, "delete");
        if (!found) {
            fprintf(stderr, "bench_storage: birch delete missed a key\n");
            exit(1);
        }
    }
    rates[3] = (double)row_count / (now_seconds() - start);
    cpu_rates[3] = (double)row_count / (cpu_seconds() - cpu_start);
    phase_stats(store, "delete");
    bt_buf_free(&buf);
    bt_close(tree);
    if ((err = store_close(store))) die_err(err, "store_close");
    unlink(path);
}

static void sqlite_exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die_sqlite(db, sql);
}

static sqlite3_stmt *sqlite_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) die_sqlite(db, sql);
    return stmt;
}

static void child_sqlite(size_t pool_size, uint64_t row_count, const char *path, double *rates,
                        double *cpu_rates)
{
    unlink(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die_sqlite(db, "open");
    char sql[256];
    sqlite_exec(db, "PRAGMA page_size=8192");
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%zu", pool_size / 1024);
    sqlite_exec(db, sql);
    sqlite_exec(db, "PRAGMA journal_mode=OFF");
    sqlite_exec(db, "PRAGMA synchronous=OFF");
    sqlite_exec(db, "CREATE TABLE kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID");
    uint8_t key[KEY_SIZE], value[VALUE_SIZE];

    sqlite3_stmt *insert = sqlite_prepare(db, "INSERT INTO kv(k, v) VALUES (?, ?)");
    double start = now_seconds(), cpu_start = cpu_seconds();
    sqlite_exec(db, "BEGIN");
    for (uint64_t row_idx = 0; row_idx < row_count; row_idx++) {
        make_key(row_idx, key);
        make_value(row_idx, value);
        sqlite3_bind_blob(insert, 1, key, KEY_SIZE, SQLITE_STATIC);
        sqlite3_bind_blob(insert, 2, value, VALUE_SIZE, SQLITE_STATIC);
        if (sqlite3_step(insert) != SQLITE_DONE) die_sqlite(db, "insert");
        sqlite3_reset(insert);
    }
    sqlite_exec(db, "COMMIT");
    rates[0] = (double)row_count / (now_seconds() - start);
    cpu_rates[0] = (double)row_count / (cpu_seconds() - cpu_start);
    sqlite3_finalize(insert);
    if (getenv("BENCH_STORAGE_STATS") != NULL) {
        sqlite3_stmt *count = sqlite_prepare(db, "PRAGMA page_count");
        if (sqlite3_step(count) == SQLITE_ROW) {
            fprintf(stderr, "sqlite insert: pages %lld\n", (long long)sqlite3_column_int64(count, 0));
        }
        sqlite3_finalize(count);
    }

    sqlite3_stmt *lookup = sqlite_prepare(db, "SELECT v FROM kv WHERE k = ?");
    start = now_seconds();
    cpu_start = cpu_seconds();
    sqlite_exec(db, "BEGIN");
    for (uint64_t idx = 0; idx < row_count; idx++) {
        make_key(permute(idx, row_count, 12345), key);
        sqlite3_bind_blob(lookup, 1, key, KEY_SIZE, SQLITE_STATIC);
        if (sqlite3_step(lookup) != SQLITE_ROW || sqlite3_column_bytes(lookup, 0) != VALUE_SIZE) {
            die_sqlite(db, "lookup");
        }
        sqlite3_reset(lookup);
    }
    sqlite_exec(db, "COMMIT");
    rates[1] = (double)row_count / (now_seconds() - start);
    cpu_rates[1] = (double)row_count / (cpu_seconds() - cpu_start);
    sqlite3_finalize(lookup);

    sqlite3_stmt *scan = sqlite_prepare(db, "SELECT k, v FROM kv ORDER BY k");
    start = now_seconds();
    cpu_start = cpu_seconds();
    uint64_t seen_count = 0;
    size_t byte_count = 0;
    while (sqlite3_step(scan) == SQLITE_ROW) {
        byte_count += (size_t)sqlite3_column_bytes(scan, 1);
        seen_count++;
    }
    if (seen_count != row_count || byte_count != row_count * VALUE_SIZE) die_sqlite(db, "scan");
    rates[2] = (double)row_count / (now_seconds() - start);
    cpu_rates[2] = (double)row_count / (cpu_seconds() - cpu_start);
    sqlite3_finalize(scan);

    sqlite3_stmt *delete = sqlite_prepare(db, "DELETE FROM kv WHERE k = ?");
    start = now_seconds();
    cpu_start = cpu_seconds();
    sqlite_exec(db, "BEGIN");
    for (uint64_t idx = 0; idx < row_count; idx++) {
        make_key(permute(idx, row_count, 777), key);
        sqlite3_bind_blob(delete, 1, key, KEY_SIZE, SQLITE_STATIC);
        if (sqlite3_step(delete) != SQLITE_DONE || sqlite3_changes(db) != 1) die_sqlite(db, "delete");
        sqlite3_reset(delete);
    }
    sqlite_exec(db, "COMMIT");
    rates[3] = (double)row_count / (now_seconds() - start);
    cpu_rates[3] = (double)row_count / (cpu_seconds() - cpu_start);
    sqlite3_finalize(delete);
    sqlite3_close(db);
    unlink(path);
}

typedef struct RunResult {
    double rates[PHASE_COUNT];
    double cpu_rates[PHASE_COUNT];
    double peak_rss_mib;
} RunResult;

static int run_child(const char *self, const char *engine, size_t pool_size, uint64_t row_count,
                     const char *path, RunResult *result)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipe_fds[1], STDOUT_FILENO);
        close(pipe_fds[0]);
        char pool_text[32], rows_text[32];
        snprintf(pool_text, sizeof pool_text, "%zu", pool_size);
        snprintf(rows_text, sizeof rows_text, "%llu", (unsigned long long)row_count);
        execl(self, self, "--child", engine, pool_text, rows_text, path, (char *)NULL);
        _exit(127);
    }
    close(pipe_fds[1]);
    char output[512] = {0};
    size_t used = 0;
    ssize_t got;
    while (used < sizeof output - 1 && (got = read(pipe_fds[0], output + used, sizeof output - 1 - used)) > 0) {
        used += (size_t)got;
    }
    close(pipe_fds[0]);
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    if (sscanf(output, "%lf %lf %lf %lf %lf %lf %lf %lf", &result->rates[0], &result->rates[1],
               &result->rates[2], &result->rates[3], &result->cpu_rates[0], &result->cpu_rates[1],
               &result->cpu_rates[2], &result->cpu_rates[3]) != 8) {
        return -1;
    }
    result->peak_rss_mib = (double)usage.ru_maxrss / 1024.0;
    return 0;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare_double);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--child") == 0) {
        size_t pool_size = strtoull(argv[3], NULL, 10);
        uint64_t row_count = strtoull(argv[4], NULL, 10);
        double rates[PHASE_COUNT], cpu_rates[PHASE_COUNT];
        if (strcmp(argv[2], "birch") == 0) {
            child_birch(pool_size, row_count, argv[5], rates, cpu_rates);
        } else {
            child_sqlite(pool_size, row_count, argv[5], rates, cpu_rates);
        }
        printf("%.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f\n", rates[0], rates[1], rates[2], rates[3],
               cpu_rates[0], cpu_rates[1], cpu_rates[2], cpu_rates[3]);
        return 0;
    }
    uint64_t row_count = 1000000;
    int run_count = 5;
    const char *dir = "/tmp";
    for (int arg_idx = 1; arg_idx + 1 < argc; arg_idx += 2) {
        if (strcmp(argv[arg_idx], "--rows") == 0) row_count = strtoull(argv[arg_idx + 1], NULL, 10);
        else if (strcmp(argv[arg_idx], "--runs") == 0) run_count = atoi(argv[arg_idx + 1]);
        else if (strcmp(argv[arg_idx], "--dir") == 0) dir = argv[arg_idx + 1];
    }
    if (run_count < 1 || run_count > RUN_COUNT_MAX || row_count < 10) {
        fprintf(stderr, "usage: bench_storage [--rows N>=10] [--runs 1..%d] [--dir DIR]\n", RUN_COUNT_MAX);
        return 2;
    }
    /* the data: about (16 + 100 + per-entry overhead) bytes a row, pages ~70% full */
    size_t data_size = (size_t)row_count * (KEY_SIZE + VALUE_SIZE + 16) * 10 / 7;
    size_t pool_sizes[2] = {data_size / 8, data_size * 2};
    const char *config_names[2] = {"pool = data/8", "pool = 2 x data"};
    char path[512];
    printf("bench_storage: %llu rows, %d-byte keys, %d-byte values, %d runs each, median\n",
           (unsigned long long)row_count, KEY_SIZE, VALUE_SIZE, run_count);
    printf("  birch : B+ tree via storage/btree.h, 8 KiB pages, no WAL (issue 3), background cleaner on\n");
    printf("  sqlite: %s, WITHOUT ROWID, prepared bind/step/reset, one transaction per phase,\n"
           "          page_size 8192, journal_mode=OFF, synchronous=OFF, cache_size = birch's pool\n",
           sqlite3_libversion());
    int failed = 0;
    for (int config_idx = 0; config_idx < 2; config_idx++) {
        size_t pool_size = pool_sizes[config_idx];
        printf("\n%s: pool %.1f MiB (estimated data %.1f MiB)\n", config_names[config_idx],
               (double)pool_size / 1048576.0, (double)data_size / 1048576.0);
        double samples[2][PHASE_COUNT + 1][RUN_COUNT_MAX];
        double cpu_samples[2][PHASE_COUNT][RUN_COUNT_MAX];
        const char *engines[2] = {"birch", "sqlite"};
        for (int run_idx = 0; run_idx < run_count; run_idx++) {
            for (int engine_idx = 0; engine_idx < 2; engine_idx++) {
                snprintf(path, sizeof path, "%s/bench_storage_%d.%s", dir, (int)getpid(),
                         engines[engine_idx]);
                RunResult result;
                if (run_child(argv[0], engines[engine_idx], pool_size, row_count, path, &result) != 0) {
                    fprintf(stderr, "bench_storage: %s run failed\n", engines[engine_idx]);
                    return 1;
                }
                for (int phase_idx = 0; phase_idx < PHASE_COUNT; phase_idx++) {
                    samples[engine_idx][phase_idx][run_idx] = result.rates[phase_idx];
                    cpu_samples[engine_idx][phase_idx][run_idx] = result.cpu_rates[phase_idx];
                }
                samples[engine_idx][PHASE_COUNT][run_idx] = result.peak_rss_mib;
            }
        }
        printf("  %-8s %14s %14s %8s\n", "op", "birch ops/s", "sqlite ops/s", "ratio");
        for (int phase_idx = 0; phase_idx < PHASE_COUNT; phase_idx++) {
            double birch = median(samples[0][phase_idx], run_count);
            double sqlite = median(samples[1][phase_idx], run_count);
            bool met = birch >= sqlite;
            failed |= !met;
            printf("  %-8s %14.0f %14.0f %7.2fx %s\n", PHASE_NAMES[phase_idx], birch, sqlite,
                   birch / sqlite, met ? "(bar 1.0x met)" : "(bar 1.0x NOT met)");
        }
        printf("  per CPU-second (process CPU time, all threads; less sensitive to machine load):\n");
        for (int phase_idx = 0; phase_idx < PHASE_COUNT; phase_idx++) {
            double birch = median(cpu_samples[0][phase_idx], run_count);
            double sqlite = median(cpu_samples[1][phase_idx], run_count);
            printf("  %-8s %14.0f %14.0f %7.2fx\n", PHASE_NAMES[phase_idx], birch, sqlite,
                   birch / sqlite);
        }
        double birch_rss = median(samples[0][PHASE_COUNT], run_count);
        double sqlite_rss = median(samples[1][PHASE_COUNT], run_count);
        double rss_bar = (double)pool_size / 1048576.0 + 32.0;
        bool rss_met = birch_rss <= rss_bar;
        failed |= !rss_met;
        printf("  peak RSS: birch %.1f MiB, sqlite %.1f MiB; bar pool + 32 MiB = %.1f MiB %s\n",
               birch_rss, sqlite_rss, rss_bar, rss_met ? "(met)" : "(NOT met)");
    }
    return failed ? 3 : 0;
}
