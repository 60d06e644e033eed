/* executor/tests/test_query_commit.c: a multi-statement string's implicit transaction
 * (birch_query, the server's simple query) commits in birch_query_close, and a failed commit
 * is the string's error: an fsync failure of the log at that commit (failpoint
 * "wal.flush.before_sync") comes back as 58030 instead of being dropped, the database then
 * refuses writes, and after a reopen the two rows are both there or both absent. birch_exec's
 * multi-statement string reports its failed commit the same way. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/failpoint.h"
#include "executor/tests/exec_harness.h"

/* run_all: compile and run every statement of query to completion. */
static void run_all(birch_db *db, birch_query *query)
{
    for (;;) {
        birch_stmt *stmt = NULL;
        ck_assert_msg(birch_query_next(query, &stmt) == BIRCH_OK, "next: %s", eh_error_text(db));
        if (stmt == NULL) return;
        int rc;
        while ((rc = birch_step(stmt)) == BIRCH_ROW) {
        }
        ck_assert_msg(rc == BIRCH_DONE, "step: %s", eh_error_text(db));
        birch_finalize(stmt);
    }
}

START_TEST(test_commit_ok)
{
    const char *path = eh_path("query_commit", "ok");
    birch_db *db = eh_open(path);
    eh_exec_ok(db, "CREATE TABLE q (a int)");
    birch_query *query = NULL;
    int count = 0;
    ck_assert_int_eq(birch_query_open(db, "INSERT INTO q VALUES (1); INSERT INTO q VALUES (2)",
                                      &query, &count), BIRCH_OK);
    ck_assert_int_eq(count, 2);
    run_all(db, query);
    ck_assert_int_eq(birch_query_close(query, false), BIRCH_OK);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM q"), 2);

    /* a failed string rolls back and reports nothing more from the close */
    ck_assert_int_eq(birch_query_open(db, "INSERT INTO q VALUES (3); SELECT 1", &query, &count),
                     BIRCH_OK);
    run_all(db, query);
    ck_assert_int_eq(birch_query_close(query, true), BIRCH_OK);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM q"), 2);
    ck_assert_int_eq(birch_query_close(NULL, false), BIRCH_OK);
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_commit_fsync_failure_reported)
{
    const char *path = eh_path("query_commit", "fsync");
    char saved[512];
    snprintf(saved, sizeof saved, "%s", path);
    birch_db *db = eh_open(saved);
    eh_exec_ok(db, "CREATE TABLE q (a int)");
    birch_query *query = NULL;
    int count = 0;
    ck_assert_int_eq(birch_query_open(db, "INSERT INTO q VALUES (1); INSERT INTO q VALUES (2)",
                                      &query, &count), BIRCH_OK);
    run_all(db, query);
    fp_set("wal.flush.before_sync", FP_ACTION_ERROR, 0, 1);
    eh_expect_error(db, birch_query_close(query, false), "58030");
    fp_clear_all();
    /* the log failed: writes are refused until the database is reopened */
    eh_exec_fails(db, "INSERT INTO q VALUES (3)", "58030", NULL);
    birch_close(db);

    db = eh_open(saved);   /* recovery */
    int64_t rows = eh_scalar(db, "SELECT count(*) FROM q");
    ck_assert_msg(rows == 0 || rows == 2, "the failed commit left %lld of its 2 rows",
                  (long long)rows);
    eh_exec_ok(db, "INSERT INTO q VALUES (4)");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM q WHERE a = 4"), 1);
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(saved);
}
END_TEST

/* birch_exec runs a multi-statement string in one implicit transaction too: its failed
 * commit is the call's error */
START_TEST(test_exec_commit_failure_reported)
{
    const char *path = eh_path("query_commit", "exec");
    char saved[512];
    snprintf(saved, sizeof saved, "%s", path);
    birch_db *db = eh_open(saved);
    eh_exec_ok(db, "CREATE TABLE q (a int)");
    eh_exec_ok(db, "INSERT INTO q VALUES (1); INSERT INTO q VALUES (2)");
    fp_set("wal.flush.before_sync", FP_ACTION_ERROR, 0, 1);
    eh_exec_fails(db, "INSERT INTO q VALUES (3); INSERT INTO q VALUES (4)", "58030", NULL);
    fp_clear_all();
    birch_close(db);
    db = eh_open(saved);
    int64_t rows = eh_scalar(db, "SELECT count(*) FROM q");
    ck_assert_msg(rows == 2 || rows == 4, "the failed commit left %lld rows", (long long)rows);
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(saved);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("query_commit");
    TCase *tc = tcase_create("query_commit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_commit_ok);
    tcase_add_test(tc, test_commit_fsync_failure_reported);
    tcase_add_test(tc, test_exec_commit_failure_reported);
    suite_add_tcase(suite, tc);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
