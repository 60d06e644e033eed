/* executor/tests/test_srf.c: set-returning functions in the select list (op_srf.c's ProjectSet:
 * lockstep, long series across chunks, kept trees and rescans), data-modifying CTEs (op_cte.c:
 * run once per execution, to completion, tags, rollback on error) and ANALYZE's column list,
 * all through birch.h. Iteration counts scale with BIRCH_TEST_SCALE. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"


static const char *db_path;   /* the file of the open test database */

static birch_db *open_fresh(const char *name)
{
    db_path = eh_path("srf", name);
    return eh_open(db_path);
}

static void close_db(birch_db *db)
{
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(db_path);
}

/* ProjectSet: lockstep padding, rows that vanish, long series spread over many chunks and the
 * reference sum computed here, both integer widths */
START_TEST(test_srf_lockstep_and_long_series)
{
    birch_db *db = open_fresh("lockstep");
    eh_exec_ok(db, "CREATE TABLE t(id int PRIMARY KEY, a int[], n int)");
    eh_exec_ok(db, "INSERT INTO t VALUES (1, ARRAY[10, 20, 30], 1), (2, '{}', 0), (3, NULL, 2), "
                   "(4, ARRAY[NULL, 7]::int[], 5)");
    /* per id: max(len(a), n) rows */
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM (SELECT id, unnest(a), generate_series(1, n)"
                                   " FROM t) s"), 3 + 0 + 2 + 5);
    /* padding: id 1 has 3 elements and a 1-long series: 2 NULL series values */
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM (SELECT unnest(a) AS u, generate_series(1, n) AS g"
                                   " FROM t WHERE id = 1) s WHERE g IS NULL"), 2);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM (SELECT unnest(a) AS u, generate_series(1, n) AS g"
                                   " FROM t WHERE id = 4) s WHERE u IS NULL"), 4);
    ck_assert_int_eq(eh_scalar(db, "SELECT sum(u) FROM (SELECT unnest(a) AS u FROM t) s"), 67);
    int count = eh_scaled(200000);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT sum(g) FROM (SELECT generate_series(1, %d) AS g) s", count);
    ck_assert_int_eq(eh_scalar(db, sql), (int64_t)count * (count + 1) / 2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT id, generate_series(%d::bigint, 1, -7) "
                              "FROM t) s", count);
    ck_assert_int_eq(eh_scalar(db, sql), 4 * ((count - 1) / 7 + 1));
    /* the input column repeats with each output row */
    ck_assert_int_eq(eh_scalar(db, "SELECT sum(id) FROM (SELECT id, generate_series(1, 3000) FROM t) s"),
                     3000 * 10);
    birch_stmt *stmt = NULL;
    eh_expect_error(db, birch_prepare(db, "SELECT generate_series(1, 2, 0)", -1, &stmt, NULL) == BIRCH_OK
                            ? birch_step(stmt) : BIRCH_ERROR, "22023");
    birch_finalize(stmt);
    stmt = NULL;
    eh_expect_error(db, birch_prepare(db, "SELECT id FROM t WHERE unnest(a) = 1", -1, &stmt, NULL),
                    "0A000");
    eh_expect_error(db, birch_prepare(db, "SELECT max(unnest(a)) FROM t", -1, &stmt, NULL), "0A000");
    eh_expect_error(db, birch_prepare(db, "SELECT unnest(unnest(a)) FROM t", -1, &stmt, NULL), "0A000");
    eh_expect_error(db, birch_prepare(db, "SELECT unnest(n) FROM t", -1, &stmt, NULL), "42883");
    close_db(db);
}
END_TEST

/* a prepared statement with a set-returning function and a parameter runs many times (kept
 * operator tree: reset), read partly (portal reset early) and rescanned (correlated subquery) */
START_TEST(test_srf_prepared_repeat_and_rescan)
{
    birch_db *db = open_fresh("repeat");
    eh_exec_ok(db, "CREATE TABLE t(id int PRIMARY KEY, a int[])");
    eh_exec_ok(db, "INSERT INTO t VALUES (1, ARRAY[1, 2]), (2, ARRAY[3]), (3, ARRAY[4, 5, 6])");
    birch_stmt *stmt = eh_prepare(db, "SELECT generate_series(1, $1::int) AS g");
    int rounds = eh_scaled(300);
    for (int round = 0; round < rounds; round++) {
        int n = round % 50;
        birch_reset(stmt);
        ck_assert_int_eq(birch_bind_int64(stmt, 1, n), BIRCH_OK);
        int64_t sum = 0;
        int rows = 0;
        int stop_at = round % 3 == 0 ? n / 2 : n;   /* every third: leave the portal early */
        while (rows < stop_at && birch_step(stmt) == BIRCH_ROW) {
            sum += birch_column_int64(stmt, 0);
            rows++;
        }
        ck_assert_int_eq(rows, stop_at);
        ck_assert_int_eq(sum, (int64_t)stop_at * (stop_at + 1) / 2);
    }
    birch_finalize(stmt);
    /* a correlated subquery with unnest is rescanned per outer row */
    ck_assert_int_eq(eh_scalar(db, "SELECT sum((SELECT sum(x) FROM (SELECT unnest(t.a) AS x) s)) FROM t"),
                     21);
    ck_assert_int_eq(eh_scalar(db, "SELECT sum((SELECT count(*) FROM (SELECT unnest(t.a)) s)) FROM t"), 6);
    close_db(db);
}
END_TEST

/* WITH x AS (INSERT/UPDATE/DELETE ... RETURNING): runs once per execution, to completion, also
 * when unread or read partly; the statement's command tag counts only the main statement */
START_TEST(test_cte_dml_runs_once_per_execution)
{
    birch_db *db = open_fresh("ctedml");
    eh_exec_ok(db, "CREATE TABLE q(id int PRIMARY KEY, v int)");
    eh_exec_ok(db, "CREATE TABLE log(id int, v int)");
    birch_stmt *stmt = eh_prepare(db, "WITH ins AS (INSERT INTO q VALUES ($1, 1), ($1 + 1, 2) RETURNING id) "
                                      "SELECT id FROM ins");
    for (int round = 0; round < 5; round++) {
        birch_reset(stmt);
        ck_assert_int_eq(birch_bind_int64(stmt, 1, round * 10), BIRCH_OK);
        ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);   /* read one row only */
    }
    birch_finalize(stmt);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM q"), 10);
    /* unread CTE */
    eh_exec_ok(db, "WITH d AS (DELETE FROM q WHERE v = 2) SELECT 1");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM q"), 5);
    /* the main INSERT's tag counts its own rows, not the CTE's deletions */
    stmt = eh_prepare(db, "WITH d AS (DELETE FROM q WHERE id < 25 RETURNING id, v) "
                          "INSERT INTO log SELECT id, v FROM d WHERE id > 0");
    ck_assert_int_eq(birch_step(stmt), BIRCH_DONE);
    ck_assert_str_eq(birch_command_tag(stmt), "INSERT 0 2");
    birch_finalize(stmt);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM q"), 2);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM log"), 2);
    /* an error after the CTE ran rolls it back */
    stmt = NULL;
    int rc = birch_prepare(db, "WITH d AS (DELETE FROM q RETURNING v) SELECT 1 / (v - v) FROM d",
                           -1, &stmt, NULL);
    ck_assert_int_eq(rc, BIRCH_OK);
    int step = birch_step(stmt);
    while (step == BIRCH_ROW) step = birch_step(stmt);
    eh_expect_error(db, step, "22012");
    birch_finalize(stmt);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM q"), 2);
    stmt = NULL;
    eh_expect_error(db, birch_prepare(db, "WITH d AS (DELETE FROM q) SELECT * FROM d", -1, &stmt, NULL),
                    "0A000");
    eh_expect_error(db, birch_prepare(db, "SELECT (WITH d AS (DELETE FROM q RETURNING 1) SELECT 1)",
                                      -1, &stmt, NULL), "0A000");
    close_db(db);
}
END_TEST

/* ANALYZE t (a, b): the column list comes from the AST; only those columns get statistics */
START_TEST(test_analyze_column_list)
{
    birch_db *db = open_fresh("analyze");
    eh_exec_ok(db, "CREATE TABLE t(a int, b text, c int)");
    eh_exec_ok(db, "INSERT INTO t SELECT g, 'x' || g, g % 3 FROM generate_series(1, 100) g");
    eh_exec_ok(db, "ANALYZE t (a, c)");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM pg_stats WHERE tablename = 't'"), 2);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM pg_stats WHERE tablename = 't' AND attname = 'b'"), 0);
    eh_exec_ok(db, "ANALYZE VERBOSE t(b)");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM pg_stats WHERE tablename = 't'"), 3);
    eh_expect_error(db, birch_exec(db, "ANALYZE t (nosuch)", NULL, NULL), "42703");
    eh_expect_error(db, birch_exec(db, "ANALYZE t (a, c, a)", NULL, NULL), "42701");
    /* quoted names keep their case; two tables with their own lists */
    eh_exec_ok(db, "CREATE TABLE u(\"Mixed\" int, low int)");
    eh_exec_ok(db, "INSERT INTO u VALUES (1, 2)");
    eh_exec_ok(db, "ANALYZE u (\"Mixed\"), t");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM pg_stats WHERE tablename = 'u'"), 1);
    eh_expect_error(db, birch_exec(db, "ANALYZE u (mixed)", NULL, NULL), "42703");
    close_db(db);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("srf");
    TCase *tcase = tcase_create("srf");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_srf_lockstep_and_long_series);
    tcase_add_test(tcase, test_srf_prepared_repeat_and_rescan);
    tcase_add_test(tcase, test_cte_dml_runs_once_per_execution);
    tcase_add_test(tcase, test_analyze_column_list);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
