/* executor/tests/test_analyze.c: ANALYZE through include/birch.h: the statistics stored for
 * tables with known distributions (exact for a fully read table, within tolerances for a sampled
 * one), pg_stats / pg_statistic / pg_class, the planner's estimates (EXPLAIN rows=, the
 * index-versus-scan choice, join sizes), transactions (a rolled-back ANALYZE leaves nothing),
 * column lists, TRUNCATE and DROP COLUMN, VACUUM ANALYZE, and errors. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static double query_double(birch_db *db, const char *sql)
{
    char *text = eh_query_rows(db, sql);
    ck_assert_msg(strcmp(text, "NULL") != 0 && text[0] != '\0', "%s: no value", sql);
    double value = atof(text);
    free(text);
    return value;
}

/* explain_rows: the rows= estimate of the first (top) line of EXPLAIN sql. */
static double explain_rows(birch_db *db, const char *sql, char **plan_out)
{
    char explain[1024];
    snprintf(explain, sizeof explain, "EXPLAIN %s", sql);
    char *plan = eh_query_rows(db, explain);
    const char *rows = strstr(plan, "rows=");
    ck_assert_msg(rows != NULL, "%s: no rows= in\n%s", sql, plan);
    double value = atof(rows + 5);
    if (plan_out != NULL) *plan_out = plan;
    else free(plan);
    return value;
}

/* a table of 1000 rows: a = g % 10 (10 values, 10% each), b = g (unique), c NULL for a quarter,
 * s skewed: 'hot' for half the rows, else one of 50 values */
static void make_known(birch_db *db)
{
    eh_exec_ok(db, "CREATE TABLE k (a int, b int, c int, s text)");
    eh_exec_ok(db, "INSERT INTO k SELECT g % 10, g, CASE WHEN g % 4 = 0 THEN NULL ELSE g END, "
                   "CASE WHEN g % 2 = 0 THEN 'hot' ELSE 'v' || (g % 50) END "
                   "FROM generate_series(1, 1000) g");
}

START_TEST(test_analyze_small_table_exact)
{
    const char *path = eh_path("analyze", "exact");
    birch_db *db = eh_open(path);
    make_known(db);
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "0");
    EH_ROWS_ARE(db, "SELECT reltuples FROM pg_class WHERE relname = 'k'", "-1");
    eh_exec_ok(db, "ANALYZE k");
    EH_ROWS_ARE(db, "SELECT reltuples, relpages > 0 FROM pg_class WHERE relname = 'k'", "1000|t");
    EH_ROWS_ARE(db, "SELECT attname, null_frac, avg_width, n_distinct FROM pg_stats "
                    "WHERE tablename = 'k' ORDER BY attname",
                "a|0|4|10\nb|0|4|-1\nc|0.25|4|-0.75\ns|0|3|26");
    EH_ROWS_ARE(db, "SELECT most_common_vals, most_common_freqs, histogram_bounds FROM pg_stats "
                    "WHERE tablename = 'k' AND attname = 'a'",
                "{0,1,2,3,4,5,6,7,8,9}|{0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1}|NULL");
    /* unique values: no MCVs, 101 equi-depth bounds from the minimum to the maximum */
    EH_ROWS_ARE(db, "SELECT most_common_vals IS NULL, histogram_bounds FROM pg_stats "
                    "WHERE tablename = 'k' AND attname = 'b'",
                "t|{1,10,20,30,40,50,60,70,80,90,100,110,120,130,140,150,160,170,180,190,200,210,"
                "220,230,240,250,260,270,280,290,300,310,320,330,340,350,360,370,380,390,400,410,"
                "420,430,440,450,460,470,480,490,500,510,520,530,540,550,560,570,580,590,600,610,"
                "620,630,640,650,660,670,680,690,700,710,720,730,740,750,760,770,780,790,800,810,"
                "820,830,840,850,860,870,880,890,900,910,920,930,940,950,960,970,980,990,1000}");
    EH_ROWS_ARE(db, "SELECT correlation FROM pg_stats WHERE tablename = 'k' AND attname = 'b'",
                "1");
    /* skewed: 'hot' first (half the rows), then the 25 odd values (20 rows each), by value */
    EH_ROWS_ARE(db, "SELECT most_common_freqs FROM pg_stats "
                    "WHERE tablename = 'k' AND attname = 's'",
                "{0.5,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,"
                "0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.02}");
    EH_ROWS_ARE(db, "SELECT substr(most_common_vals, 1, 20) FROM pg_stats "
                    "WHERE tablename = 'k' AND attname = 's'",
                "{hot,v1,v11,v13,v15,");
    /* pg_statistic: MCV slot, then histogram, then correlation */
    EH_ROWS_ARE(db, "SELECT staattnum, stakind1, stakind2, stakind3, stanullfrac, stadistinct "
                    "FROM pg_statistic WHERE starelid = 'k'::regclass ORDER BY staattnum",
                "1|1|3|0|0|10\n2|2|3|0|0|-1\n3|2|3|0|0.25|-0.75\n4|1|3|0|0|26");
    birch_close(db);
    /* statistics are durable */
    db = eh_open(path);
    EH_ROWS_ARE(db, "SELECT n_distinct FROM pg_stats WHERE tablename = 'k' AND attname = 'a'",
                "10");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_analyze_large_table_sampled)
{
    const char *path = eh_path("analyze", "sampled");
    birch_db *db = eh_open(path);
    int rows = (int)(200000 * eh_test_scale());
    if (rows < 5000) rows = 5000;
    char sql[512];
    eh_exec_ok(db, "CREATE TABLE big (u int, m int, n int, r int)");
    /* u unique; m 40 values; n NULL for 10%; r: rows/4 values, about 4 rows each */
    snprintf(sql, sizeof sql,
             "INSERT INTO big SELECT g, g %% 40, CASE WHEN g %% 10 = 0 THEN NULL ELSE g %% 7 END, "
             "(g * 7919) %% %d FROM generate_series(1, %d) g",
             rows / 4, rows);
    eh_exec_ok(db, sql);
    eh_exec_ok(db, "ANALYZE big");
    snprintf(sql, sizeof sql, "%d", rows);
    EH_ROWS_ARE(db, "SELECT reltuples::int FROM pg_class WHERE relname = 'big'", sql);
    EH_ROWS_ARE(db, "SELECT n_distinct FROM pg_stats WHERE tablename = 'big' AND attname = 'u'",
                "-1");
    EH_ROWS_ARE(db, "SELECT n_distinct, array_length(most_common_freqs, 1) FROM pg_stats "
                    "WHERE tablename = 'big' AND attname = 'm'",
                "40|40");
    double mcv_freq = query_double(db, "SELECT most_common_freqs[1] FROM pg_stats "
                                       "WHERE tablename = 'big' AND attname = 'm'");
    ck_assert_msg(mcv_freq > 0.02 && mcv_freq < 0.035, "m's top frequency %g", mcv_freq);
    double null_frac = query_double(db, "SELECT null_frac FROM pg_stats "
                                        "WHERE tablename = 'big' AND attname = 'n'");
    ck_assert_msg(fabs(null_frac - 0.1) < 0.015, "null_frac %g", null_frac);
    /* Haas-Stokes on about 4 rows per value: within a factor of two of -0.25 */
    double distinct = query_double(db, "SELECT n_distinct FROM pg_stats "
                                       "WHERE tablename = 'big' AND attname = 'r'");
    ck_assert_msg(distinct < -0.12 && distinct > -0.5, "n_distinct of r %g", distinct);
    /* u's histogram: 101 ascending bounds spanning about the whole range */
    EH_ROWS_ARE(db, "SELECT array_length(histogram_bounds::int[], 1) FROM pg_stats "
                    "WHERE tablename = 'big' AND attname = 'u'",
                "101");
    double first = query_double(db, "SELECT (histogram_bounds::int[])[1] FROM pg_stats "
                                    "WHERE tablename = 'big' AND attname = 'u'");
    double last = query_double(db, "SELECT (histogram_bounds::int[])[101] FROM pg_stats "
                                   "WHERE tablename = 'big' AND attname = 'u'");
    double middle = query_double(db, "SELECT (histogram_bounds::int[])[51] FROM pg_stats "
                                     "WHERE tablename = 'big' AND attname = 'u'");
    ck_assert_msg(first < rows * 0.01 && last > rows * 0.99, "bounds %g..%g", first, last);
    ck_assert_msg(fabs(middle - rows / 2.0) < rows * 0.03, "median bound %g", middle);
    /* estimates follow: a range over a fifth of u */
    snprintf(sql, sizeof sql, "SELECT * FROM big WHERE u < %d", rows / 5);
    double estimate = explain_rows(db, sql, NULL);
    ck_assert_msg(fabs(estimate - rows / 5.0) < rows * 0.02, "u < n/5: rows=%g", estimate);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_analyze_explain_estimates)
{
    const char *path = eh_path("analyze", "explain");
    birch_db *db = eh_open(path);
    make_known(db);
    eh_exec_ok(db, "CREATE TABLE d (id int, label text)");
    eh_exec_ok(db, "INSERT INTO d SELECT g, 'x' || g FROM generate_series(0, 9) g");
    eh_exec_ok(db, "CREATE INDEX k_s ON k (s)");
    eh_exec_ok(db, "CREATE INDEX k_b ON k (b)");
    /* without statistics: the fixed selectivities */
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE a = 3", NULL), 5);
    char *plan = NULL;
    explain_rows(db, "SELECT * FROM k WHERE s = 'hot'", &plan);
    ck_assert_msg(strstr(plan, "Index Scan") != NULL, "no stats: index\n%s", plan);
    free(plan);
    eh_exec_ok(db, "ANALYZE");
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE a = 3", NULL), 100);
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE s = 'hot'", NULL), 500);
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE s = 'v1'", NULL), 20);
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE c IS NULL", NULL), 250);
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE c IS NOT NULL", NULL), 750);
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE a <> 3", NULL), 900);
    double range = explain_rows(db, "SELECT * FROM k WHERE b < 250", NULL);
    ck_assert_msg(fabs(range - 250) <= 3, "b < 250: %g", range);
    range = explain_rows(db, "SELECT * FROM k WHERE b >= 100 AND b < 300", NULL);
    ck_assert_msg(fabs(range - 200) <= 4, "100 <= b < 300: %g", range);
    range = explain_rows(db, "SELECT * FROM k WHERE b BETWEEN 400 AND 449", NULL);
    ck_assert_msg(fabs(range - 50) <= 3, "between: %g", range);
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE b > 5000", NULL), 1);
    /* the index-versus-scan choice: 'hot' is half the table, 'v1' 2%, b = 7 one row */
    explain_rows(db, "SELECT * FROM k WHERE s = 'hot'", &plan);
    ck_assert_msg(strstr(plan, "Seq Scan") != NULL, "hot: seq scan\n%s", plan);
    free(plan);
    explain_rows(db, "SELECT * FROM k WHERE s = 'v1'", &plan);
    ck_assert_msg(strstr(plan, "Index Scan") != NULL, "v1: index scan\n%s", plan);
    free(plan);
    explain_rows(db, "SELECT * FROM k WHERE b = 7", &plan);
    ck_assert_msg(strstr(plan, "Index Scan") != NULL, "b = 7: index scan\n%s", plan);
    free(plan);
    /* join: 1000 x 10 rows on a (10 values) = id (10 values): 1000 * 10 / 10 */
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k JOIN d ON k.a = d.id", NULL), 1000);
    ck_assert_double_eq(
        explain_rows(db, "SELECT * FROM k JOIN d ON k.b = d.id", NULL), 10);
    /* the results are unchanged by the plans */
    EH_ROWS_ARE(db, "SELECT count(*) FROM k WHERE s = 'hot'", "500");
    EH_ROWS_ARE(db, "SELECT count(*) FROM k JOIN d ON k.a = d.id WHERE d.label = 'x3'", "100");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_analyze_transactions)
{
    const char *path = eh_path("analyze", "txn");
    birch_db *db = eh_open(path);
    birch_db *other = eh_open(path);
    make_known(db);
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "ANALYZE k");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "4");
    EH_ROWS_ARE(other, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "0");
    eh_exec_ok(db, "ROLLBACK");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "0");
    EH_ROWS_ARE(db, "SELECT reltuples FROM pg_class WHERE relname = 'k'", "-1");
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE a = 3", NULL), 5);
    /* committed: visible to the other session; a second ANALYZE replaces the row */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "ANALYZE k");
    eh_exec_ok(db, "COMMIT");
    EH_ROWS_ARE(other, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "4");
    eh_exec_ok(db, "INSERT INTO k SELECT 99, g, g, 'new' FROM generate_series(1, 1000) g");
    eh_exec_ok(db, "ANALYZE k");
    EH_ROWS_ARE(other, "SELECT reltuples FROM pg_class WHERE relname = 'k'", "2000");
    EH_ROWS_ARE(other, "SELECT most_common_vals FROM pg_stats WHERE tablename = 'k' "
                       "AND attname = 'a'",
                "{99,0,1,2,3,4,5,6,7,8,9}");
    /* a prepared statement is re-planned after ANALYZE */
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "EXPLAIN SELECT * FROM k WHERE a = 99", -1, &stmt, NULL),
                     BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
    ck_assert_ptr_nonnull(strstr(birch_column_text(stmt, 0, NULL), "rows=1000 "));
    birch_reset(stmt);
    eh_exec_ok(other, "DELETE FROM k WHERE a = 99");
    eh_exec_ok(other, "ANALYZE k");
    ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
    ck_assert_msg(strstr(birch_column_text(stmt, 0, NULL), "rows=1000 ") == NULL, "%s",
                  birch_column_text(stmt, 0, NULL));
    birch_finalize(stmt);
    birch_close(other);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_analyze_columns_truncate_drop)
{
    const char *path = eh_path("analyze", "ddl");
    birch_db *db = eh_open(path);
    make_known(db);
    eh_exec_ok(db, "ANALYZE k (a, c)");
    EH_ROWS_ARE(db, "SELECT attname FROM pg_stats WHERE tablename = 'k' ORDER BY attname", "a\nc");
    /* a later list adds to the columns analyzed before */
    eh_exec_ok(db, "ANALYZE k (s)");
    EH_ROWS_ARE(db, "SELECT attname FROM pg_stats WHERE tablename = 'k' ORDER BY attname",
                "a\nc\ns");
    eh_exec_ok(db, "ANALYZE public.k(b), k");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "4");
    /* DROP COLUMN: its statistics disappear; ADD COLUMN: none for the new one */
    eh_exec_ok(db, "ALTER TABLE k DROP COLUMN c");
    eh_exec_ok(db, "ALTER TABLE k ADD COLUMN c int");
    EH_ROWS_ARE(db, "SELECT attname FROM pg_stats WHERE tablename = 'k' ORDER BY attname",
                "a\nb\ns");
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE c IS NULL", NULL), 5);
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE a = 1", NULL), 100);
    /* TRUNCATE: the statistics describe rows that are gone: ignored */
    eh_exec_ok(db, "TRUNCATE k");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "0");
    EH_ROWS_ARE(db, "SELECT reltuples FROM pg_class WHERE relname = 'k'", "-1");
    ck_assert_double_eq(explain_rows(db, "SELECT * FROM k WHERE a = 1", NULL), 5);
    /* an empty table: row count 0, no column statistics */
    eh_exec_ok(db, "VACUUM ANALYZE k");
    EH_ROWS_ARE(db, "SELECT reltuples FROM pg_class WHERE relname = 'k'", "0");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "0");
    /* DROP TABLE takes the statistics along; a new table of that name has none */
    eh_exec_ok(db, "INSERT INTO k VALUES (1, 1, 's', 1)");
    eh_exec_ok(db, "VACUUM (ANALYZE) k");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "4");
    eh_exec_ok(db, "DROP TABLE k");
    eh_exec_ok(db, "CREATE TABLE k (a int)");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "0");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

static int warning_count;
static void count_warning(void *ctx, const birch_error *notice)
{
    (void)ctx;
    if (strstr(notice->message, "skipping") != NULL) warning_count++;
}

START_TEST(test_analyze_errors)
{
    const char *path = eh_path("analyze", "errors");
    birch_db *db = eh_open(path);
    make_known(db);
    eh_exec_fails(db, "ANALYZE nosuch", "42P01", NULL);
    eh_exec_fails(db, "ANALYZE k, nosuch", "42P01", NULL);
    eh_exec_fails(db, "ANALYZE nosuch_schema.k", "3F000", NULL);
    eh_exec_fails(db, "ANALYZE k (a, nosuch)", "42703", NULL);
    eh_exec_fails(db, "VACUUM ANALYZE nosuch", "42P01", NULL);
    /* nothing was written by the failed statements */
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "0");
    /* a failed transaction refuses ANALYZE until ROLLBACK */
    eh_exec_ok(db, "BEGIN");
    eh_exec_fails(db, "SELECT 1 / 0", "22012", NULL);
    eh_exec_fails(db, "ANALYZE k", "25P02", NULL);
    eh_exec_ok(db, "ROLLBACK");
    eh_exec_fails(db, "BEGIN; VACUUM ANALYZE k", "25001", NULL);
    eh_exec_ok(db, "ROLLBACK");
    /* views and sequences are skipped with a warning */
    eh_exec_ok(db, "CREATE VIEW kv AS SELECT a FROM k");
    eh_exec_ok(db, "CREATE SEQUENCE ks");
    birch_set_notice_hook(db, count_warning, NULL);
    eh_exec_ok(db, "ANALYZE kv, ks, k");
    ck_assert_int_eq(warning_count, 2);
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'k'", "4");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

static Suite *analyze_suite(void)
{
    Suite *suite = suite_create("analyze");
    TCase *tcase = tcase_create("analyze");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_analyze_small_table_exact);
    tcase_add_test(tcase, test_analyze_large_table_sampled);
    tcase_add_test(tcase, test_analyze_explain_estimates);
    tcase_add_test(tcase, test_analyze_transactions);
    tcase_add_test(tcase, test_analyze_columns_truncate_drop);
    tcase_add_test(tcase, test_analyze_errors);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(analyze_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
