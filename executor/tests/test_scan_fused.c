/* executor/tests/test_scan_fused.c: the scan fast paths of session 6 (scanpath) end to end
 * through birch.h: the filter fused into decoding (op_scan.c: `column OP constant` terms over
 * integer columns, evaluated while the column is read, only the kept rows decoded), the
 * single-load decoding of storage's leaf pass, and the buffer pool's page-table placement.
 * - every comparison operator, both operand orders, ANDed terms, smallint/integer/bigint
 *   columns, parameters and a NULL constant, against the same query through the general filter
 *   (the column wrapped in `+ 0`, which no fused term accepts) and against sums computed here;
 * - NULLs in the filtered and the summed columns (leaves with NULLs take the general path,
 *   leaves without the fused one, in the same scan);
 * - integer overflow of a * b is 22003 for a kept row and no error for a filtered-out row;
 * - writers in another session during scans: at READ COMMITTED every statement, and at
 *   REPEATABLE READ every statement of the transaction, sees exactly one snapshot (the writer's
 *   transactions keep the scanned sum and count unchanged, while splitting leaves, deleting,
 *   updating and leaving a transaction open), and a committed change is seen by the next
 *   statement at READ COMMITTED and not at REPEATABLE READ;
 * - aggregates without GROUP BY (op_agg.c's ungrouped update, session 7) against the same
 *   aggregates in one group.
 * Sizes scale with BIRCH_TEST_SCALE. */
#include <check.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static int64_t scaled(int64_t count, int64_t minimum)
{
    double value = (double)count * test_scale();
    return value < (double)minimum ? minimum : (int64_t)value;
}

static void path_remove(const char *path)
{
    char wal[PATH_MAX + 8];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
}

static const char *fresh_path(const char *name)
{
    static char path[PATH_MAX];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/birch_scan_fused_%d_%s.birch",
             dir != NULL && *dir != '\0' ? dir : "/tmp", (int)getpid(), name);
    path_remove(path);
    return path;
}

static const char *error_text(birch_db *db)
{
    static char text[1024];
    const birch_error *error = birch_last_error(db);
    if (error == NULL) return "(no error)";
    snprintf(text, sizeof text, "%s %s", error->sqlstate, error->message);
    return text;
}

static birch_db *open_db(const char *path)
{
    birch_db *db = NULL;
    int rc = birch_open(path, NULL, &db);
    ck_assert_msg(rc == BIRCH_OK, "birch_open: %s", error_text(db));
    return db;
}

static void exec_ok(birch_db *db, const char *sql)
{
    int rc = birch_exec(db, sql, NULL, NULL);
    ck_assert_msg(rc == BIRCH_OK, "%s: %s", sql, error_text(db));
}

static void exec_fails(birch_db *db, const char *sql, const char *sqlstate)
{
    int rc = birch_exec(db, sql, NULL, NULL);
    ck_assert_msg(rc != BIRCH_OK, "%s: succeeded, want %s", sql, sqlstate);
    ck_assert_msg(strcmp(birch_last_error(db)->sqlstate, sqlstate) == 0, "%s: %s, want %s", sql,
                  error_text(db), sqlstate);
}

/* query_text: the rows of sql as "a|b\n" lines (NULL as N); NULL on an error. */
static char *query_text_or_null(birch_db *db, const char *sql)
{
    birch_stmt *stmt = NULL;
    if (birch_prepare(db, sql, -1, &stmt, NULL) != BIRCH_OK) return NULL;
    size_t capacity = 256, used = 0;
    char *text = malloc(capacity);
    ck_assert_ptr_nonnull(text);
    text[0] = 0;
    int rc;
    while ((rc = birch_step(stmt)) == BIRCH_ROW) {
        for (int col = 0; col < birch_column_count(stmt); col++) {
            const char *value = birch_column_is_null(stmt, col) ? "N"
                                                                : birch_column_text(stmt, col, NULL);
            size_t size = strlen(value) + 2;
            while (used + size + 1 > capacity) {
                capacity *= 2;
                text = realloc(text, capacity);
                ck_assert_ptr_nonnull(text);
            }
            used += (size_t)snprintf(text + used, capacity - used, "%s%s", col > 0 ? "|" : "",
                                     value);
        }
        text[used++] = '\n';
        text[used] = 0;
    }
    birch_finalize(stmt);
    if (rc != BIRCH_DONE) {
        free(text);
        return NULL;
    }
    return text;
}

static char *query_text(birch_db *db, const char *sql)
{
    char *text = query_text_or_null(db, sql);
    ck_assert_msg(text != NULL, "%s: %s", sql, error_text(db));
    return text;
}

static void expect_query(birch_db *db, const char *sql, const char *expected)
{
    char *actual = query_text(db, sql);
    ck_assert_msg(strcmp(actual, expected) == 0, "%s:\n got %s\n want %s", sql, actual, expected);
    free(actual);
}

/* ------------------------------------------------------------ the table ---- */

/* Row i of s: a = i % 100, b = (i * 3) % 37, c = (i * 13) % 1000, d = c as smallint, e = c
 * as bigint * 1000003, t = text. Rows with i % nulls_every == 7 have c NULL, == 11 a NULL, ==
 * 13 b NULL (nulls_every 0: no NULLs); NULLs appear only for i in [null_lo, null_hi), so some
 * leaves have them and others do not. */
typedef struct Gen {
    int64_t rows;
    int64_t nulls_every;
    int64_t null_lo;
    int64_t null_hi;
} Gen;

static bool gen_null(const Gen *gen, int64_t row, int64_t residue)
{
    return gen->nulls_every > 0 && row >= gen->null_lo && row < gen->null_hi &&
           row % gen->nulls_every == residue;
}

static void load_s(birch_db *db, const Gen *gen)
{
    char sql[2048];
    exec_ok(db, "CREATE TABLE s(id int PRIMARY KEY, a int, b int, c int, d smallint, e bigint, "
                "t text)");
    int64_t every = gen->nulls_every > 0 ? gen->nulls_every : 1 << 30;
    snprintf(sql, sizeof sql,
             "INSERT INTO s SELECT i, "
             "CASE WHEN i >= %" PRId64 " AND i < %" PRId64 " AND i %% %" PRId64 " = 11 "
             "THEN NULL ELSE (i %% 100)::int END, "
             "CASE WHEN i >= %" PRId64 " AND i < %" PRId64 " AND i %% %" PRId64 " = 13 "
             "THEN NULL ELSE ((i * 3) %% 37)::int END, "
             "CASE WHEN i >= %" PRId64 " AND i < %" PRId64 " AND i %% %" PRId64 " = 7 "
             "THEN NULL ELSE ((i * 13) %% 1000)::int END, "
             "((i * 13) %% 1000)::smallint, ((i * 13) %% 1000)::bigint * 1000003, "
             "'row ' || i FROM generate_series(0, %" PRId64 ") g(i)",
             gen->null_lo, gen->null_hi, every, gen->null_lo, gen->null_hi, every, gen->null_lo,
             gen->null_hi, every, gen->rows - 1);
    exec_ok(db, sql);
}

/* expected: sum(a * b) and count(*) over the rows with lo <= c < hi (c not NULL). */
static void expected_sum(const Gen *gen, int64_t lo, int64_t hi, int64_t *sum_out,
                         int64_t *count_out, bool *sum_null_out)
{
    int64_t sum = 0, count = 0;
    bool any = false;
    for (int64_t row = 0; row < gen->rows; row++) {
        if (gen_null(gen, row, 7)) continue;
        int64_t c = (row * 13) % 1000;
        if (c < lo || c >= hi) continue;
        count++;
        if (gen_null(gen, row, 11) || gen_null(gen, row, 13)) continue;
        sum += (row % 100) * ((row * 3) % 37);
        any = true;
    }
    *sum_out = sum;
    *count_out = count;
    *sum_null_out = !any;
}

static void expect_sum(birch_db *db, const Gen *gen, const char *where, int64_t lo, int64_t hi)
{
    int64_t sum = 0, count = 0;
    bool sum_null = false;
    expected_sum(gen, lo, hi, &sum, &count, &sum_null);
    char sql[512], want[128];
    snprintf(sql, sizeof sql, "SELECT sum(a * b), count(*) FROM s WHERE %s", where);
    if (sum_null) snprintf(want, sizeof want, "N|%" PRId64 "\n", count);
    else snprintf(want, sizeof want, "%" PRId64 "|%" PRId64 "\n", sum, count);
    expect_query(db, sql, want);
}

/* check_operators: every fused form against the general filter (+ 0) and the computed sums. */
static void check_operators(birch_db *db, const Gen *gen)
{
    static const char *const FORMS[][2] = {
        {"c < 500", "c + 0 < 500"},
        {"c <= 500", "c + 0 <= 500"},
        {"c > 500", "c + 0 > 500"},
        {"c >= 500", "c + 0 >= 500"},
        {"c = 13", "c + 0 = 13"},
        {"c <> 13", "c + 0 <> 13"},
        {"500 > c", "500 > c + 0"},
        {"500 <= c", "500 <= c + 0"},
        {"13 = c", "13 = c + 0"},
        {"c >= 100 AND c < 200", "c + 0 >= 100 AND c + 0 < 200"},
        {"c > 100 AND a < 50 AND b <> 3", "c + 0 > 100 AND a + 0 < 50 AND b + 0 <> 3"},
        {"d < 500::smallint", "d + 0 < 500"},
        {"d >= 990::smallint", "d + 0 >= 990"},
        {"e < 500000000::bigint", "e + 0 < 500000000"},
        {"e > 9223372036854775806", "e + 0 > 9223372036854775806"},
        {"c < -2147483648", "c + 0 < -2147483648"},
        {"c <= 2147483647", "c + 0 <= 2147483647"},
        {"c < NULL::int", "c + 0 < NULL::int"},
        {"c < 500 AND c > NULL::int", "c + 0 < 500 AND c + 0 > NULL::int"},
        {"c < 1000 AND c > 998", "c + 0 < 1000 AND c + 0 > 998"},
    };
    for (size_t idx = 0; idx < sizeof FORMS / sizeof FORMS[0]; idx++) {
        char fast[512], reference[512];
        snprintf(fast, sizeof fast,
                 "SELECT sum(a * b), count(*), min(t), max(id), sum(e) FROM s WHERE %s",
                 FORMS[idx][0]);
        snprintf(reference, sizeof reference,
                 "SELECT sum(a * b), count(*), min(t), max(id), sum(e) FROM s WHERE %s",
                 FORMS[idx][1]);
        eh_expect_same_rows(db, fast, reference);
        /* the rows themselves, not only aggregates (a text column decoded for kept rows) */
        snprintf(fast, sizeof fast,
                 "SELECT id, a, b, c, t FROM s WHERE %s ORDER BY t LIMIT 50", FORMS[idx][0]);
        snprintf(reference, sizeof reference,
                 "SELECT id, a, b, c, t FROM s WHERE %s ORDER BY t LIMIT 50", FORMS[idx][1]);
        eh_expect_same_rows(db, fast, reference);
    }
    expect_sum(db, gen, "c < 500", 0, 500);
    expect_sum(db, gen, "c >= 500", 500, 1000);
    expect_sum(db, gen, "c > 99 AND c < 200", 100, 200);
    expect_sum(db, gen, "c = 13", 13, 14);
    expect_sum(db, gen, "c < 0", 0, 0);
    expect_query(db, "SELECT sum(a * b), count(*) FROM s WHERE c < NULL::int", "N|0\n");
}

START_TEST(test_scan_fused_operators_without_nulls)
{
    const char *path = fresh_path("plain");
    birch_db *db = open_db(path);
    Gen gen = {.rows = scaled(20000, 3000)};
    load_s(db, &gen);
    check_operators(db, &gen);
    birch_close(db);
    path_remove(path);
}
END_TEST

START_TEST(test_scan_fused_operators_with_nulls)
{
    const char *path = fresh_path("nulls");
    birch_db *db = open_db(path);
    Gen gen = {.rows = scaled(20000, 3000), .nulls_every = 17};
    gen.null_lo = gen.rows / 4;
    gen.null_hi = gen.rows / 2;
    load_s(db, &gen);
    check_operators(db, &gen);
    /* every row NULL in c: nothing passes, on any leaf */
    exec_ok(db, "UPDATE s SET c = NULL");
    expect_query(db, "SELECT sum(a * b), count(*) FROM s WHERE c < 500", "N|0\n");
    expect_query(db, "SELECT count(*) FROM s WHERE c <> 5", "0\n");
    birch_close(db);
    path_remove(path);
}
END_TEST

/* a parameter as the constant: a new value at each execution of one prepared statement */
START_TEST(test_scan_fused_parameter)
{
    const char *path = fresh_path("param");
    birch_db *db = open_db(path);
    Gen gen = {.rows = scaled(10000, 2000)};
    load_s(db, &gen);
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT sum(a * b), count(*) FROM s WHERE c < $1", -1,
                                   &stmt, NULL),
                     BIRCH_OK);
    static const int64_t BOUNDS[] = {500, 0, 1000, 13, 500, -5};
    for (size_t idx = 0; idx < sizeof BOUNDS / sizeof BOUNDS[0]; idx++) {
        int64_t sum = 0, count = 0;
        bool sum_null = false;
        expected_sum(&gen, 0, BOUNDS[idx], &sum, &count, &sum_null);
        ck_assert_int_eq(birch_bind_int64(stmt, 1, BOUNDS[idx]), BIRCH_OK);
        ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
        ck_assert_int_eq(birch_column_is_null(stmt, 0), sum_null);
        if (!sum_null) ck_assert_int_eq(birch_column_int64(stmt, 0), sum);
        ck_assert_int_eq(birch_column_int64(stmt, 1), count);
        ck_assert_int_eq(birch_step(stmt), BIRCH_DONE);
        ck_assert_int_eq(birch_reset(stmt), BIRCH_OK);
    }
    ck_assert_int_eq(birch_bind_null(stmt, 1), BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
    ck_assert(birch_column_is_null(stmt, 0));
    ck_assert_int_eq(birch_column_int64(stmt, 1), 0);
    birch_finalize(stmt);
    birch_close(db);
    path_remove(path);
}
END_TEST

/* a * b overflows integer: 22003 when the row is kept, nothing when the filter drops it; the
 * sum of int4 products is int8 (PostgreSQL's sum(int4)), so large sums do not overflow */
START_TEST(test_scan_fused_overflow)
{
    const char *path = fresh_path("overflow");
    birch_db *db = open_db(path);
    Gen gen = {.rows = scaled(10000, 2000)};
    load_s(db, &gen);
    exec_ok(db, "INSERT INTO s VALUES (-1, 100000, 100000, 900, 900, 900, 'big')");
    expect_sum(db, &gen, "c < 500", 0, 500);    /* the big row is filtered out */
    exec_fails(db, "SELECT sum(a * b) FROM s WHERE c < 901", "22003");
    exec_fails(db, "SELECT sum(a * b) FROM s WHERE c = 900", "22003");
    exec_fails(db, "SELECT sum(a * b) FROM s WHERE c + 0 = 900", "22003");
    expect_query(db, "SELECT sum(a::int8 * b) FROM s WHERE c = 900 AND id < 0", "10000000000\n");
    /* int8 sum of many int4 products beyond the int4 range */
    exec_ok(db, "UPDATE s SET a = 46340, b = 46340 WHERE id >= 0");
    char want[64];
    int64_t kept = 0;
    for (int64_t row = 0; row < gen.rows; row++) kept += (row * 13) % 1000 < 500;
    snprintf(want, sizeof want, "%" PRId64 "\n", kept * (int64_t)46340 * 46340);
    expect_query(db, "SELECT sum(a * b) FROM s WHERE c < 500", want);
    birch_close(db);
    path_remove(path);
}
END_TEST

/* Aggregates without GROUP BY (scan7: op_agg.c folds each chunk with AggKern.update into the
 * one group) against the same aggregates grouped by an always-true key (one group through
 * update_grouped): every kind, with NULL inputs, DISTINCT and FILTER, over many chunks; and an
 * empty input still gives one row. */
START_TEST(test_scan_plain_aggregates)
{
    const char *path = fresh_path("plainagg");
    birch_db *db = open_db(path);
    Gen gen = {.rows = scaled(12000, 5000), .nulls_every = 17, .null_lo = 1000, .null_hi = 4000};
    load_s(db, &gen);
    static const char *const LISTS[] = {
        "count(*), count(a), count(c), sum(a), sum(d), sum(e), avg(b), avg(e)",
        "min(a), max(c), min(t), max(t), min(e), max(d)",
        "count(DISTINCT b), sum(DISTINCT a), avg(DISTINCT c)",
        "sum(a) FILTER (WHERE c < 500), count(*) FILTER (WHERE b IS NULL), "
        "max(t) FILTER (WHERE a > 90)",
        "sum(a * b), count(*)",
    };
    static const char *const WHERES[] = {"", "WHERE c < 500", "WHERE c + 0 >= 250",
                                         "WHERE id % 3 = 1"};
    for (size_t list = 0; list < sizeof LISTS / sizeof LISTS[0]; list++) {
        for (size_t where = 0; where < sizeof WHERES / sizeof WHERES[0]; where++) {
            char fast[1024], reference[1024];
            snprintf(fast, sizeof fast, "SELECT %s FROM s %s", LISTS[list], WHERES[where]);
            snprintf(reference, sizeof reference, "SELECT %s FROM s %s GROUP BY d >= 0",
                     LISTS[list], WHERES[where]);
            eh_expect_same_rows(db, fast, reference);
        }
    }
    expect_sum(db, &gen, "c < 500", 0, 500);
    /* no input row: one output row (count 0, the others NULL); grouped: no row at all */
    expect_query(db, "SELECT count(*), count(a), sum(a), avg(b), min(t) FROM s WHERE c < 0",
                 "0|0|N|N|N\n");
    expect_query(db, "SELECT count(*) FROM s WHERE c < 0 GROUP BY d >= 0", "");
    /* an error inside an aggregate's argument still surfaces (22012) */
    exec_fails(db, "SELECT sum(a / (c - c)) FROM s WHERE c < 500", "22012");
    birch_close(db);
    path_remove(path);
}
END_TEST

/* ------------------------------------------------------------ concurrency ---- */

/* The writer keeps sum(a * b) and count(*) over c < 500 unchanged at every commit: rows with
 * c < 500 have a = 1, and each transaction moves one unit of b between two of them, or inserts
 * a row (odd id: into the middle of a leaf, splitting leaves) and deletes another one with the
 * same b. Rows with c >= 500 are updated freely. One transaction stays open (uncommitted
 * changes that no reader may see) until the end. */
typedef struct Writer {
    const char   *path;
    int64_t       rows;           /* even ids 0, 2, ..., 2 * (rows - 1) */
    int64_t       rounds;
    atomic_bool   done;
    atomic_int    commits;
    int           failures;
    char          failure[512];
} Writer;

static bool writer_exec(Writer *writer, birch_db *db, const char *sql)
{
    if (birch_exec(db, sql, NULL, NULL) == BIRCH_OK) return true;
    if (writer->failures++ == 0) {
        const birch_error *error = birch_last_error(db);   /* not error_text: one thread each */
        snprintf(writer->failure, sizeof writer->failure, "%.200s: %s %.200s", sql,
                 error != NULL ? error->sqlstate : "?", error != NULL ? error->message : "?");
    }
    return false;
}

static void *writer_main(void *arg)
{
    Writer *writer = arg;
    birch_db *db = NULL;
    if (birch_open(writer->path, NULL, &db) != BIRCH_OK) {
        writer->failures++;
        atomic_store(&writer->done, true);
        return NULL;
    }
    birch_db *open_txn = NULL;
    if (birch_open(writer->path, NULL, &open_txn) == BIRCH_OK) {
        /* uncommitted for the whole test: would change both sum and count if seen */
        writer_exec(writer, open_txn, "BEGIN");
        writer_exec(writer, open_txn, "UPDATE s SET b = b + 1000 WHERE id = 4");
        writer_exec(writer, open_txn, "INSERT INTO s VALUES (-7, 1, 5, 1, 0)");
    } else {
        writer->failures++;
    }
    char sql[512];
    bool *moved = calloc((size_t)writer->rows, sizeof *moved);
    if (moved == NULL) writer->failures++;
    uint64_t state = 88172645463325252ull;
    for (int64_t round = 0; round < writer->rounds && writer->failures == 0; round++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        int64_t first = (int64_t)(state % (uint64_t)writer->rows) * 2;
        int64_t second = (int64_t)((state >> 20) % (uint64_t)writer->rows) * 2;
        if (first == 4 || second == 4 || first == second) continue;   /* the open txn's row */
        /* the rows' c (load_invariant's formula): a unit moves only within one class, and a
         * moved-away row is never picked again (its update would change nothing) */
        bool first_low = (first / 2 * 13) % 1000 < 500, second_low = (second / 2 * 13) % 1000 < 500;
        if (moved[first / 2] || moved[second / 2]) continue;
        if (round % 3 == 0 && first_low != second_low) continue;
        if (round % 3 == 1) moved[first / 2] = true;
        switch (round % 3) {
        case 0:   /* move one unit of b between two rows of the same class (c < 500 or not) */
            snprintf(sql, sizeof sql,
                     "BEGIN; UPDATE s SET b = b + 1 WHERE id = %" PRId64 "; "
                     "UPDATE s SET b = b - 1 WHERE id = %" PRId64 "; COMMIT",
                     first, second);
            break;
        case 1:   /* first's values under the odd id first + 1 (inside first's leaf), delete first */
            snprintf(sql, sizeof sql,
                     "BEGIN; INSERT INTO s SELECT id + 1, a, b, c, w "
                     "FROM s WHERE id = %" PRId64 "; DELETE FROM s WHERE id = %" PRId64 "; "
                     "COMMIT",
                     first, first);
            break;
        default:  /* rows with c >= 500 change freely */
            snprintf(sql, sizeof sql, "UPDATE s SET b = b + 7 WHERE c >= 500 AND id = %" PRId64,
                     first);
            break;
        }
        if (!writer_exec(writer, db, sql)) break;
        atomic_fetch_add(&writer->commits, 1);
    }
    free(moved);
    if (open_txn != NULL) {
        writer_exec(writer, open_txn, "ROLLBACK");
        birch_close(open_txn);
    }
    birch_close(db);
    atomic_store(&writer->done, true);
    return NULL;
}

/* load_invariant: s(id, a, b, c, w) with even ids; rows with c < 500 have a = 1. */
static void load_invariant(birch_db *db, int64_t rows)
{
    char sql[512];
    exec_ok(db, "CREATE TABLE s(id int8 PRIMARY KEY, a int, b int, c int, w int)");
    snprintf(sql, sizeof sql,
             "INSERT INTO s SELECT i * 2, CASE WHEN (i * 13) %% 1000 < 500 THEN 1 "
             "ELSE (i %% 100)::int END, ((i * 3) %% 37)::int, ((i * 13) %% 1000)::int, "
             "(i %% 7)::int FROM generate_series(0, %" PRId64 ") g(i)",
             rows - 1);
    exec_ok(db, sql);
}

static void run_concurrent(const char *isolation)
{
    const char *path = fresh_path(isolation[0] == 'R' && isolation[5] == 'C' ? "rc" : "rr");
    birch_db *db = open_db(path);
    int64_t rows = scaled(20000, 2000);
    load_invariant(db, rows);
    const char *fast = "SELECT sum(a * b), count(*) FROM s WHERE c < 500";
    const char *general = "SELECT sum(a * b), count(*) FROM s WHERE c + 0 < 500";
    char *want = query_text(db, fast);
    expect_query(db, general, want);
    Writer writer = {.path = path, .rows = rows, .rounds = scaled(3000, 300)};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, writer_main, &writer), 0);
    bool repeatable = strcmp(isolation, "REPEATABLE READ") == 0;
    int scans = 0, transactions = 0;
    int64_t scans_min = scaled(60, 10);
    while (!atomic_load(&writer.done) || scans < scans_min) {
        char begin[128];
        snprintf(begin, sizeof begin, "BEGIN ISOLATION LEVEL %s", isolation);
        exec_ok(db, begin);
        transactions++;
        /* at REPEATABLE READ, later statements must not see what was committed meanwhile */
        char *first = repeatable ? query_text(db, "SELECT sum(b), count(*) FROM s") : NULL;
        for (int statement = 0; statement < 4; statement++) {
            char *got = query_text(db, statement % 2 == 0 ? fast : general);
            ck_assert_msg(strcmp(got, want) == 0, "%s, scan %d: got %s want %s", isolation,
                          scans, got, want);
            free(got);
            scans++;
        }
        if (first != NULL) {
            expect_query(db, "SELECT sum(b), count(*) FROM s", first);
            free(first);
        }
        exec_ok(db, "COMMIT");
        if (atomic_load(&writer.done) && scans >= scans_min) break;
    }
    pthread_join(thread, NULL);
    ck_assert_msg(writer.failures == 0, "writer: %s", writer.failure);
    ck_assert_int_gt(atomic_load(&writer.commits), 0);
    ck_assert_int_gt(transactions, 0);
    /* after the writer: still the invariant, through both paths */
    expect_query(db, fast, want);
    expect_query(db, general, want);
    free(want);
    /* a committed change: seen by the next statement at READ COMMITTED only */
    birch_db *other = open_db(path);
    char begin[128];
    snprintf(begin, sizeof begin, "BEGIN ISOLATION LEVEL %s", isolation);
    exec_ok(db, begin);
    char *before = query_text(db, fast);
    exec_ok(other, "UPDATE s SET b = b + 1 WHERE c < 500");
    char *after = query_text(db, fast);
    if (repeatable) {
        ck_assert_str_eq(after, before);
    } else {
        ck_assert_str_ne(after, before);
        eh_expect_same_rows(db, fast, general);
    }
    exec_ok(db, "COMMIT");
    free(before);
    free(after);
    birch_close(other);
    birch_close(db);
    path_remove(path);
}

START_TEST(test_scan_fused_concurrent_read_committed)
{
    run_concurrent("READ COMMITTED");
}
END_TEST

START_TEST(test_scan_fused_concurrent_repeatable_read)
{
    run_concurrent("REPEATABLE READ");
}
END_TEST

static Suite *scan_fused_suite(void)
{
    Suite *suite = suite_create("scan_fused");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_scan_fused_operators_without_nulls);
    tcase_add_test(tc, test_scan_fused_operators_with_nulls);
    tcase_add_test(tc, test_scan_fused_parameter);
    tcase_add_test(tc, test_scan_fused_overflow);
    tcase_add_test(tc, test_scan_plain_aggregates);
    tcase_add_test(tc, test_scan_fused_concurrent_read_committed);
    tcase_add_test(tc, test_scan_fused_concurrent_repeatable_read);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(scan_fused_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
