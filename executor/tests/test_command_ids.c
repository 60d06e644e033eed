/* executor/tests/test_command_ids.c: command ids through birch.h. A statement with
 * data-modifying CTEs reads every table as of its start (the main query and the other CTEs do
 * not see the CTEs' inserts, updates and deletes), through sequential scans, primary-key point
 * reads and secondary-index scans; a cursor returns rows as of its DECLARE although its
 * transaction changed the table since; statements without either keep seeing their
 * transaction's earlier writes (INSERT ... SELECT and UPDATE ... FROM of the same table). */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/tests/exec_harness.h"

static birch_db *open_filled(const char *name)
{
    birch_db *db = eh_open(eh_path("command_ids", name));
    eh_exec_ok(db, "CREATE TABLE t (a int PRIMARY KEY, b int)");
    eh_exec_ok(db, "CREATE INDEX t_b ON t (b)");
    eh_exec_ok(db, "INSERT INTO t SELECT g, g * 10 FROM generate_series(1, 500) g");
    return db;
}

START_TEST(test_cte_reads_statement_start)
{
    birch_db *db = open_filled("cte");
    /* DELETE: the main query counts the table as it was */
    EH_ROWS_ARE(db, "WITH d AS (DELETE FROM t WHERE a < 100 RETURNING *) "
                    "SELECT count(*), (SELECT count(*) FROM d) FROM t", "500|99");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t"), 401);
    /* a primary-key point read and a secondary-index read of deleted rows */
    EH_ROWS_ARE(db, "WITH d AS (DELETE FROM t WHERE a IN (100, 101) RETURNING a) "
                    "SELECT (SELECT b FROM t WHERE a = 100), "
                    "(SELECT count(*) FROM t WHERE b = 1010)",
                "1000|1");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE a IN (100, 101)"), 0);
    /* INSERT: the new rows are not seen, by a scan nor by key */
    EH_ROWS_ARE(db, "WITH i AS (INSERT INTO t VALUES (1, 7), (2, 7) RETURNING a) "
                    "SELECT count(*), (SELECT count(*) FROM t WHERE a = 1), "
                    "(SELECT count(*) FROM t WHERE b = 7) FROM t", "399|0|0");
    /* UPDATE: old values, by a scan and through the index on the updated column */
    EH_ROWS_ARE(db, "WITH u AS (UPDATE t SET b = b + 100000 WHERE a <= 300 RETURNING b) "
                    "SELECT sum(b), (SELECT count(*) FROM t WHERE b = 2000), "
                    "(SELECT count(*) FROM t WHERE b = 102000) FROM t WHERE a <= 300",
                "400004|1|0");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE b = 102000"), 1);
    /* in a transaction block: earlier statements' writes stay visible */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "INSERT INTO t VALUES (3, 3)");
    eh_exec_ok(db, "DELETE FROM t WHERE a = 400");
    EH_ROWS_ARE(db, "WITH d AS (DELETE FROM t WHERE a IN (3, 401) RETURNING a) "
                    "SELECT count(*) FROM t WHERE a IN (3, 400, 401)", "2");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE a IN (3, 400, 401)"), 0);
    eh_exec_ok(db, "ROLLBACK");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE a IN (3, 400, 401)"), 2);
    /* a prepared statement: each execution takes its own barrier */
    eh_exec_ok(db, "PREPARE p AS WITH d AS (DELETE FROM t WHERE a = $1 RETURNING a) "
                   "SELECT count(*) FROM t");
    EH_ROWS_ARE(db, "EXECUTE p(450)", "401");
    EH_ROWS_ARE(db, "EXECUTE p(451)", "400");
    /* a failing statement, then the next one in the same transaction block sees the rows
     * written before it and nothing of the failed statement */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "SAVEPOINT s");
    eh_exec_fails(db, "WITH i AS (INSERT INTO t VALUES (600, 1) RETURNING a) "
                      "SELECT 1 / (count(*) - count(*)) FROM t", "22012", NULL);
    eh_exec_ok(db, "ROLLBACK TO SAVEPOINT s");
    eh_exec_ok(db, "INSERT INTO t VALUES (601, 1)");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE a IN (600, 601)"), 1);
    eh_exec_ok(db, "COMMIT");
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
}
END_TEST

START_TEST(test_cursor_reads_declare)
{
    birch_db *db = open_filled("cursor");
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "UPDATE t SET b = 1 WHERE a = 1");   /* before the DECLARE: seen */
    eh_exec_ok(db, "DECLARE c CURSOR FOR SELECT a, b FROM t WHERE a <= 4 ORDER BY a");
    eh_exec_ok(db, "DECLARE k CURSOR FOR SELECT b FROM t WHERE a = 2");
    eh_exec_ok(db, "DECLARE s CURSOR FOR SELECT count(*), sum(b) FROM t");
    eh_exec_ok(db, "UPDATE t SET b = -2 WHERE a = 2");
    eh_exec_ok(db, "DELETE FROM t WHERE a = 3");
    eh_exec_ok(db, "INSERT INTO t VALUES (0, 0), (1000, 5)");
    EH_ROWS_ARE(db, "FETCH 2 FROM c", "1|1\n2|20");
    eh_exec_ok(db, "UPDATE t SET b = -4 WHERE a = 4");   /* between two FETCHes */
    EH_ROWS_ARE(db, "FETCH ALL FROM c", "3|30\n4|40");
    EH_ROWS_ARE(db, "FETCH ALL FROM k", "20");
    EH_ROWS_ARE(db, "FETCH ALL FROM s", "500|1252491");
    /* the statements between see every change */
    EH_ROWS_ARE(db, "SELECT a, b FROM t WHERE a <= 4 ORDER BY a", "0|0\n1|1\n2|-2\n4|-4");
    /* a cursor declared now sees them too */
    eh_exec_ok(db, "DECLARE c2 CURSOR FOR SELECT count(*) FROM t");
    eh_exec_ok(db, "DELETE FROM t WHERE a > 100");
    EH_ROWS_ARE(db, "FETCH ALL FROM c2", "501");
    eh_exec_ok(db, "COMMIT");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t"), 100);
    /* an error: FETCH from a cursor closed by the commit */
    eh_exec_fails(db, "FETCH ALL FROM c", "34000", NULL);
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
}
END_TEST

START_TEST(test_same_table_reads_unchanged)
{
    birch_db *db = open_filled("same");
    eh_exec_ok(db, "INSERT INTO t SELECT a + 1000, b FROM t WHERE a > 490");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t"), 510);
    eh_exec_ok(db, "UPDATE t SET b = t.b + s.b FROM t AS s WHERE t.a = s.a + 1000");
    ck_assert_int_eq(eh_scalar(db, "SELECT sum(b) FROM t WHERE a > 1000"), 2 * 49550);
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "INSERT INTO t VALUES (2000, 1)");
    eh_exec_ok(db, "INSERT INTO t SELECT a + 1, b FROM t WHERE a = 2000");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE a >= 2000"), 2);
    eh_exec_ok(db, "COMMIT");
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
}
END_TEST

static Suite *command_ids_suite(void)
{
    Suite *suite = suite_create("command_ids");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_cte_reads_statement_start);
    tcase_add_test(tcase, test_cursor_reads_declare);
    tcase_add_test(tcase, test_same_table_reads_unchanged);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(command_ids_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
