/* executor/tests/test_analytics_paths.c: the analytic fast paths of op_scan.c and op_join.c
 * end to end through birch.h, each against a reference the test computes itself or against the
 * general path forced by a text key:
 * - hash joins on one integer key through the direct array (a dense key range) and through the
 *   integer hash table (a sparse range), with duplicate keys on the build side, NULL keys,
 *   negative and extreme int8 keys, probe keys outside the build range, and every join type the
 *   integer path serves (inner, left, right, full, semi, anti);
 * - sequential scans whose filter reads fewer columns than projected (late materialization),
 *   with NULLs, strings, and a filter that keeps no row of most leaves.
 * Sizes scale with BIRCH_TEST_SCALE. */
#include <check.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static char test_path[PATH_MAX];

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

static const char *error_text(birch_db *db)
{
    static char text[1024];
    const birch_error *error = birch_last_error(db);
    if (error == NULL) return "(no error)";
    snprintf(text, sizeof text, "%s %s", error->sqlstate, error->message);
    return text;
}

static birch_db *open_fresh(const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(test_path, sizeof test_path, "%s/birch_analytics_%d_%s.birch",
             dir != NULL && *dir != '\0' ? dir : "/tmp", (int)getpid(), name);
    eh_path_remove(test_path);
    birch_db *db = NULL;
    int rc = birch_open(test_path, NULL, &db);
    ck_assert_msg(rc == BIRCH_OK, "birch_open: %s", error_text(db));
    return db;
}

static void close_db(birch_db *db)
{
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(test_path);
}

/* query_text: the rows of sql as "a|b\n" lines (NULL as N), in the order returned. */
static char *query_text(birch_db *db, const char *sql)
{
    birch_stmt *stmt = NULL;
    ck_assert_msg(birch_prepare(db, sql, -1, &stmt, NULL) == BIRCH_OK, "%s: %s", sql,
                  error_text(db));
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
    ck_assert_msg(rc == BIRCH_DONE, "%s: %s", sql, error_text(db));
    birch_finalize(stmt);
    return text;
}

static void expect_query(birch_db *db, const char *sql, const char *expected)
{
    char *actual = query_text(db, sql);
    ck_assert_msg(strcmp(actual, expected) == 0, "%s:\n got %s\n want %s", sql, actual, expected);
    free(actual);
}

/* ------------------------------------------------------------------ joins ---- */

/* join_tables: d(k, w) build side with keys from key_expr over i in [0, build), f(k, v) probe. */
static void join_tables(birch_db *db, int64_t build, int64_t probe, const char *build_key,
                        const char *probe_key)
{
    char sql[1024];
    eh_exec_ok(db, "CREATE TABLE d(k int8, w int4)");
    eh_exec_ok(db, "CREATE TABLE f(k int8, v int4)");
    snprintf(sql, sizeof sql,
             "INSERT INTO d SELECT %s, (i %% 10)::int4 FROM generate_series(0, %" PRId64 ") g(i)",
             build_key, build - 1);
    eh_exec_ok(db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO f SELECT %s, (i %% 5)::int4 FROM generate_series(0, %" PRId64 ") g(i)",
             probe_key, probe - 1);
    eh_exec_ok(db, sql);
}

/* every join type the integer path serves, against the same join on text keys (general path) */
static void check_join_types(birch_db *db)
{
    static const char *const QUERIES[][2] = {
        {"SELECT count(*), sum(d.w + f.v), count(d.k), count(f.k) FROM f JOIN d ON f.k = d.k",
         "SELECT count(*), sum(d.w + f.v), count(d.k), count(f.k) FROM f JOIN d "
         "ON f.k::text = d.k::text"},
        {"SELECT count(*), sum(d.w), count(d.k), count(f.k) FROM f LEFT JOIN d ON f.k = d.k",
         "SELECT count(*), sum(d.w), count(d.k), count(f.k) FROM f LEFT JOIN d "
         "ON f.k::text = d.k::text"},
        {"SELECT count(*), sum(f.v), count(d.k), count(f.k) FROM f RIGHT JOIN d ON f.k = d.k",
         "SELECT count(*), sum(f.v), count(d.k), count(f.k) FROM f RIGHT JOIN d "
         "ON f.k::text = d.k::text"},
        {"SELECT count(*), count(d.k), count(f.k) FROM f FULL JOIN d ON f.k = d.k",
         "SELECT count(*), count(d.k), count(f.k) FROM f FULL JOIN d ON f.k::text = d.k::text"},
        {"SELECT count(*), sum(v) FROM f WHERE EXISTS (SELECT 1 FROM d WHERE d.k = f.k)",
         "SELECT count(*), sum(v) FROM f WHERE EXISTS (SELECT 1 FROM d WHERE d.k::text = f.k::text)"},
        {"SELECT count(*), sum(v) FROM f WHERE NOT EXISTS (SELECT 1 FROM d WHERE d.k = f.k)",
         "SELECT count(*), sum(v) FROM f WHERE NOT EXISTS "
         "(SELECT 1 FROM d WHERE d.k::text = f.k::text)"},
        {"SELECT f.k, f.v, d.w FROM f JOIN d ON f.k = d.k ORDER BY 1, 2, 3 LIMIT 50",
         "SELECT f.k, f.v, d.w FROM f JOIN d ON f.k::text = d.k::text ORDER BY 1, 2, 3 LIMIT 50"},
    };
    for (size_t idx = 0; idx < sizeof QUERIES / sizeof QUERIES[0]; idx++) {
        eh_expect_same_rows(db, QUERIES[idx][0], QUERIES[idx][1]);
    }
}

START_TEST(test_join_int_direct_unique_keys)
{
    /* a primary-key-like dense build side: the direct array, no chains */
    birch_db *db = open_fresh("direct");
    int64_t build = scaled(5000, 1000), probe = scaled(15000, 3000);
    char key[128];
    snprintf(key, sizeof key, "((i * 7) %% %" PRId64 ") - 100", build + 200);
    join_tables(db, build, probe, "i - 50", key);
    check_join_types(db);
    /* the exact answer of the inner join: every probe key in [-50, build - 50) matches once */
    char *answer = query_text(db, "SELECT count(*) FROM f JOIN d ON f.k = d.k");
    int64_t expected = 0;
    for (int64_t idx = 0; idx < probe; idx++) {
        int64_t k = (idx * 7) % (build + 200) - 100;
        expected += k >= -50 && k < build - 50;
    }
    char want[64];
    snprintf(want, sizeof want, "%" PRId64 "\n", expected);
    ck_assert_str_eq(answer, want);
    free(answer);
    close_db(db);
}
END_TEST

START_TEST(test_join_int_direct_duplicates_and_nulls)
{
    /* dense keys, each three times, some NULL on both sides: chains in the direct array */
    birch_db *db = open_fresh("direct_dup");
    int64_t build = scaled(4000, 1000), probe = scaled(12000, 3000);
    join_tables(db, build, probe, "CASE WHEN i % 97 = 0 THEN NULL ELSE i / 3 END",
                "CASE WHEN i % 89 = 0 THEN NULL ELSE (i * 11) % 4000 END");
    check_join_types(db);
    close_db(db);
}
END_TEST

START_TEST(test_join_int_hashed_sparse_keys)
{
    /* sparse and extreme keys: the integer hash table, with duplicates */
    birch_db *db = open_fresh("hashed");
    int64_t build = scaled(4000, 1000), probe = scaled(12000, 3000);
    join_tables(db, build, probe,
                "CASE WHEN i = 0 THEN -9223372036854775808 WHEN i = 1 THEN 9223372036854775807 "
                "WHEN i % 50 = 7 THEN NULL ELSE (i::int8 % 5000) * 1000003 END",
                "CASE WHEN i % 1000 = 0 THEN -9223372036854775808 WHEN i % 1000 = 1 "
                "THEN 9223372036854775807 ELSE ((i * 13) % 6000)::int8 * 1000003 END");
    check_join_types(db);
    close_db(db);
}
END_TEST

START_TEST(test_join_int_extreme_dense_range)
{
    /* a dense range at the top of int8: key - min must not overflow; probes far below */
    birch_db *db = open_fresh("extreme");
    join_tables(db, 500, 3000, "9223372036854775807 - i",
                "CASE WHEN i % 3 = 0 THEN -9223372036854775808 + i ELSE 9223372036854775807 - "
                "(i % 700) END");
    check_join_types(db);
    expect_query(db, "SELECT count(*) FROM f JOIN d ON f.k = d.k", "1467\n");
    close_db(db);
}
END_TEST

START_TEST(test_join_int_mixed_widths_and_empty)
{
    /* int2 probe keys against an int4 build side; an empty build side; a build side of NULLs */
    birch_db *db = open_fresh("widths");
    eh_exec_ok(db, "CREATE TABLE b(k int4, w int4)");
    eh_exec_ok(db, "CREATE TABLE p(k int2, v int4)");
    eh_exec_ok(db, "INSERT INTO p SELECT (i % 300 - 100)::int2, i FROM generate_series(0, 2999) g(i)");
    expect_query(db, "SELECT count(*) FROM p JOIN b ON p.k = b.k", "0\n");
    expect_query(db, "SELECT count(*), count(b.k) FROM p LEFT JOIN b ON p.k = b.k", "3000|0\n");
    eh_exec_ok(db, "INSERT INTO b VALUES (NULL, 1), (NULL, 2)");
    expect_query(db, "SELECT count(*) FROM p JOIN b ON p.k = b.k", "0\n");
    expect_query(db, "SELECT count(*) FROM p WHERE k NOT IN (SELECT k FROM b)", "0\n");
    eh_exec_ok(db, "INSERT INTO b SELECT i, i * 2 FROM generate_series(-50, 49) g(i)");
    eh_expect_same_rows(db, "SELECT count(*), sum(b.w + p.v) FROM p JOIN b ON p.k = b.k",
                "SELECT count(*), sum(b.w + p.v) FROM p JOIN b ON p.k::text = b.k::text");
    expect_query(db, "SELECT count(*) FROM p JOIN b ON p.k = b.k", "1000\n");
    close_db(db);
}
END_TEST

/* ------------------------------------------------------------------ scans ---- */

START_TEST(test_scan_late_filter_matches_reference)
{
    birch_db *db = open_fresh("late");
    int64_t rows = scaled(30000, 5000);
    char sql[512];
    eh_exec_ok(db, "CREATE TABLE s(a int4, b int8, c int4, t text)");
    snprintf(sql, sizeof sql,
             "INSERT INTO s SELECT i %% 100, (i * 3) %% 37, CASE WHEN i %% 11 = 0 THEN NULL ELSE "
             "(i * 13) %% 1000 END, CASE WHEN i %% 7 = 0 THEN NULL ELSE 'row-' || i || "
             "'-with-a-longer-text' END FROM generate_series(0, %" PRId64 ") g(i)",
             rows - 1);
    eh_exec_ok(db, sql);
    /* reference sums computed from the generator */
    int64_t count = 0, sum = 0, text_count = 0;
    for (int64_t idx = 0; idx < rows; idx++) {
        if (idx % 11 == 0) continue;          /* c NULL: filtered out */
        if ((idx * 13) % 1000 >= 500) continue;
        count++;
        sum += (idx % 100) * ((idx * 3) % 37);
        text_count += idx % 7 != 0;
    }
    char want[128];
    snprintf(want, sizeof want, "%" PRId64 "|%" PRId64 "|%" PRId64 "\n", count, sum, text_count);
    expect_query(db, "SELECT count(*), sum(a * b), count(t) FROM s WHERE c < 500", want);
    /* the same rows whatever the filter reads (all columns: no late materialization) */
    eh_expect_same_rows(db, "SELECT a, b, c, t FROM s WHERE c < 500 ORDER BY a, b, c, t LIMIT 200",
                "SELECT a, b, c, t FROM s WHERE c < 500 AND (t IS NULL OR t IS NOT NULL) AND "
                "a = a AND b = b ORDER BY a, b, c, t LIMIT 200");
    /* a filter on the text column, returning the others */
    eh_expect_same_rows(db, "SELECT count(*), sum(a), sum(b) FROM s WHERE t LIKE 'row-1%'",
                "SELECT count(*), sum(a), sum(b) FROM s WHERE t LIKE 'row-1%' AND a = a AND "
                "b = b");
    /* a filter that keeps almost nothing: chunks span many leaves */
    eh_expect_same_rows(db, "SELECT a, b, t FROM s WHERE c = 13 AND a = 1 ORDER BY t, b",
                "SELECT a, b, t FROM s WHERE c = 13 AND a = 1 AND b = b AND "
                "(t IS NULL OR t IS NOT NULL) ORDER BY t, b");
    /* a filter that keeps nothing, and one with IS NULL */
    expect_query(db, "SELECT count(a) FROM s WHERE c > 5000", "0\n");
    snprintf(want, sizeof want, "%" PRId64 "\n", (rows + 10) / 11);
    expect_query(db, "SELECT count(a) FROM s WHERE c IS NULL", want);
    close_db(db);
}
END_TEST

START_TEST(test_scan_late_filter_errors_and_params)
{
    birch_db *db = open_fresh("late_err");
    eh_exec_ok(db, "CREATE TABLE s(a int4, b int4, c int4)");
    eh_exec_ok(db, "INSERT INTO s SELECT i, i * 2, i % 10 FROM generate_series(0, 9999) g(i)");
    /* a filter error surfaces as before (division by zero on c = 0) */
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT sum(a) FROM s WHERE 10 / c > 1", -1, &stmt, NULL),
                     BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22012");
    birch_finalize(stmt);
    /* a parameter in the filter, executed twice */
    ck_assert_int_eq(birch_prepare(db, "SELECT count(*), sum(b) FROM s WHERE c = $1", -1, &stmt,
                                   NULL), BIRCH_OK);
    ck_assert_int_eq(birch_bind_int64(stmt, 1, 3), BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(stmt, 0), 1000);
    ck_assert_int_eq(birch_column_int64(stmt, 1), 2 * (3 + 9993) * 1000 / 2);
    birch_reset(stmt);
    ck_assert_int_eq(birch_bind_int64(stmt, 1, 11), BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(stmt, 0), 0);
    birch_finalize(stmt);
    close_db(db);
}
END_TEST

static Suite *analytics_suite(void)
{
    Suite *suite = suite_create("analytics_paths");
    TCase *joins = tcase_create("joins");
    tcase_set_timeout(joins, 120);
    tcase_add_test(joins, test_join_int_direct_unique_keys);
    tcase_add_test(joins, test_join_int_direct_duplicates_and_nulls);
    tcase_add_test(joins, test_join_int_hashed_sparse_keys);
    tcase_add_test(joins, test_join_int_extreme_dense_range);
    tcase_add_test(joins, test_join_int_mixed_widths_and_empty);
    suite_add_tcase(suite, joins);
    TCase *scans = tcase_create("scans");
    tcase_set_timeout(scans, 120);
    tcase_add_test(scans, test_scan_late_filter_matches_reference);
    tcase_add_test(scans, test_scan_late_filter_errors_and_params);
    suite_add_tcase(suite, scans);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(analytics_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
