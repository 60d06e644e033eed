/* executor/tests/test_insert_direct.c: a prepared `INSERT ... VALUES ($i, $j, ...)` reads its
 * bound parameters as its input chunk (op_dml.c, "direct parameters", session 8) instead of
 * running the VALUES child. Each test checks that the rows written, the errors raised and the
 * results returned are exactly those of the VALUES path: parameters in another order or used
 * twice, NULLs, strings short and long, RETURNING, ON CONFLICT, NOT NULL / CHECK / unique
 * violations in the middle of a transaction, a parameter of another type (coerced: the VALUES
 * child runs), numeric columns (the VALUES child runs), rollback. Everything goes through
 * birch.h. Iteration counts scale with BIRCH_TEST_SCALE. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static const char *db_path;

static birch_db *open_fresh(const char *name)
{
    db_path = eh_path("insert_direct", name);
    return eh_open(db_path);
}

static void close_db(birch_db *db)
{
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(db_path);
}

static void expect_rows(birch_db *db, const char *sql, const char *rows)
{
    char *got = eh_query_rows(db, sql);
    ck_assert_msg(strcmp(got != NULL ? got : "", rows) == 0, "%s: got\n%s\nwant\n%s", sql,
                  got != NULL ? got : "(null)", rows);
    free(got);
}

static void step_done(birch_db *db, birch_stmt *stmt)
{
    int rc = birch_step(stmt);
    ck_assert_msg(rc == BIRCH_DONE, "step: %d %s", rc, eh_error_text(db));
}

/* parameters out of order and one used twice; NULLs and long strings; many rows in one
 * transaction, then a check of every row */
START_TEST(test_direct_order_nulls_and_strings)
{
    birch_db *db = open_fresh("order");
    eh_exec_ok(db, "CREATE TABLE t(id int PRIMARY KEY, a bigint, b text, c int)");
    int count = eh_scaled(5000);
    eh_exec_ok(db, "BEGIN");
    birch_stmt *insert = eh_prepare(db, "INSERT INTO t VALUES ($2, $1, $3, $2)");
    char text[400];
    for (int id = 0; id < count; id++) {
        birch_reset(insert);
        if (id % 7 == 3) {
            ck_assert_int_eq(birch_bind_null(insert, 1), BIRCH_OK);
        } else {
            ck_assert_int_eq(birch_bind_int64(insert, 1, (int64_t)id * 1000003), BIRCH_OK);
        }
        ck_assert_int_eq(birch_bind_int64(insert, 2, id), BIRCH_OK);
        int size = id % 5 == 0 ? 0 : (id * 37) % 300;
        for (int idx = 0; idx < size; idx++) text[idx] = (char)('a' + (id + idx) % 26);
        text[size] = '\0';
        if (id % 11 == 4) {
            ck_assert_int_eq(birch_bind_null(insert, 3), BIRCH_OK);
        } else {
            ck_assert_int_eq(birch_bind_text(insert, 3, text, -1), BIRCH_OK);
        }
        step_done(db, insert);
        ck_assert_uint_eq(birch_changes(db), 1);
    }
    birch_finalize(insert);
    eh_exec_ok(db, "COMMIT");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t"), count);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE c <> id"), 0);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE a IS NULL"),
                     eh_scalar(db, "SELECT count(*) FROM t WHERE id % 7 = 3"));
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE a IS NOT NULL AND "
                                   "a <> id::bigint * 1000003"), 0);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE b IS NULL"),
                     eh_scalar(db, "SELECT count(*) FROM t WHERE id % 11 = 4"));
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t WHERE b IS NOT NULL AND "
                                   "length(b) <> CASE WHEN id % 5 = 0 THEN 0 "
                                   "ELSE (id * 37) % 300 END"), 0);
    /* two rows byte for byte */
    char want[1024];
    int at = snprintf(want, sizeof want, "3|NULL|");
    for (int idx = 0; idx < (3 * 37) % 300; idx++) want[at++] = (char)('a' + (3 + idx) % 26);
    at += snprintf(want + at, sizeof want - (size_t)at, "\n6|6000018|");
    for (int idx = 0; idx < (6 * 37) % 300; idx++) want[at++] = (char)('a' + (6 + idx) % 26);
    want[at] = '\0';
    expect_rows(db, "SELECT id, a, b FROM t WHERE id IN (3, 6) ORDER BY id", want);
    close_db(db);
}
END_TEST

/* RETURNING and ON CONFLICT through the direct input; constraint errors in the middle leave
 * the statement usable and the transaction's earlier rows intact (savepoint-free: each error
 * aborts the transaction, so each case runs in its own) */
START_TEST(test_direct_returning_conflict_and_errors)
{
    birch_db *db = open_fresh("errors");
    eh_exec_ok(db, "CREATE TABLE t(id int PRIMARY KEY, a int NOT NULL CHECK (a >= 0), b text)");
    birch_stmt *ret = eh_prepare(db, "INSERT INTO t VALUES ($1, $2, $3) RETURNING b, a + id");
    for (int id = 1; id <= 3; id++) {
        birch_reset(ret);
        ck_assert_int_eq(birch_bind_int64(ret, 1, id), BIRCH_OK);
        ck_assert_int_eq(birch_bind_int64(ret, 2, id * 10), BIRCH_OK);
        ck_assert_int_eq(birch_bind_text(ret, 3, id == 2 ? "two" : "x", -1), BIRCH_OK);
        ck_assert_int_eq(birch_step(ret), BIRCH_ROW);
        ck_assert_str_eq(birch_column_text(ret, 0, NULL), id == 2 ? "two" : "x");
        ck_assert_int_eq(birch_column_int64(ret, 1), id * 11);
        ck_assert_int_eq(birch_step(ret), BIRCH_DONE);
    }
    /* a duplicate key: 23505, then the same statement works again */
    birch_reset(ret);
    ck_assert_int_eq(birch_bind_int64(ret, 1, 2), BIRCH_OK);
    eh_expect_error(db, birch_step(ret), "23505");
    /* NOT NULL and CHECK */
    birch_reset(ret);
    ck_assert_int_eq(birch_bind_int64(ret, 1, 9), BIRCH_OK);
    ck_assert_int_eq(birch_bind_null(ret, 2), BIRCH_OK);
    eh_expect_error(db, birch_step(ret), "23502");
    birch_reset(ret);
    ck_assert_int_eq(birch_bind_int64(ret, 2, -1), BIRCH_OK);
    eh_expect_error(db, birch_step(ret), "23514");
    birch_reset(ret);
    ck_assert_int_eq(birch_bind_int64(ret, 2, 90), BIRCH_OK);
    ck_assert_int_eq(birch_step(ret), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(ret, 1), 99);
    birch_finalize(ret);

    birch_stmt *upsert = eh_prepare(db, "INSERT INTO t VALUES ($1, $2, $3) ON CONFLICT (id) "
                                        "DO UPDATE SET a = excluded.a + 1, b = excluded.b");
    birch_stmt *nothing = eh_prepare(db, "INSERT INTO t VALUES ($1, $2, $3) ON CONFLICT DO "
                                         "NOTHING");
    eh_exec_ok(db, "BEGIN");
    for (int round = 0; round < 2; round++) {
        for (int id = 1; id <= 12; id++) {
            birch_stmt *stmt = id % 2 == 0 ? upsert : nothing;
            birch_reset(stmt);
            ck_assert_int_eq(birch_bind_int64(stmt, 1, id), BIRCH_OK);
            ck_assert_int_eq(birch_bind_int64(stmt, 2, id + round), BIRCH_OK);
            ck_assert_int_eq(birch_bind_text(stmt, 3, round == 0 ? "r0" : "r1", -1), BIRCH_OK);
            step_done(db, stmt);
        }
    }
    eh_exec_ok(db, "COMMIT");
    birch_finalize(upsert);
    birch_finalize(nothing);
    expect_rows(db, "SELECT id, a, b FROM t ORDER BY id",
                "1|10|x\n2|4|r1\n3|30|x\n4|6|r1\n5|5|r0\n6|8|r1\n7|7|r0\n8|10|r1\n9|90|x\n"
                "10|12|r1\n11|11|r0\n12|14|r1");
    close_db(db);
}
END_TEST

/* parameters whose type is not the column's (coerced by the VALUES child), numerics (the
 * VALUES child too), a statement switching between both per execution, and rollback */
START_TEST(test_direct_falls_back_and_rolls_back)
{
    birch_db *db = open_fresh("fallback");
    eh_exec_ok(db, "CREATE TABLE t(id int PRIMARY KEY, n numeric(10,2), s smallint)");
    eh_exec_ok(db, "BEGIN");
    birch_stmt *insert = eh_prepare(db, "INSERT INTO t VALUES ($1, $2, $3)");
    for (int id = 0; id < 40; id++) {
        birch_reset(insert);
        if (id % 3 == 0) {
            char text[16];
            snprintf(text, sizeof text, "%d", id);
            ck_assert_int_eq(birch_bind_text(insert, 1, text, -1), BIRCH_OK);
        } else {
            ck_assert_int_eq(birch_bind_int64(insert, 1, id), BIRCH_OK);
        }
        ck_assert_int_eq(birch_bind_double(insert, 2, id + 0.25), BIRCH_OK);
        ck_assert_int_eq(birch_bind_int64(insert, 3, id - 20), BIRCH_OK);
        step_done(db, insert);
    }
    /* out of range for smallint: refused at bind (22003); then a duplicate key fails the
     * transaction */
    birch_reset(insert);
    eh_expect_error(db, birch_bind_int64(insert, 3, 70000), "22003");
    ck_assert_int_eq(birch_bind_int64(insert, 1, 1), BIRCH_OK);
    ck_assert_int_eq(birch_bind_int64(insert, 3, 7), BIRCH_OK);
    eh_expect_error(db, birch_step(insert), "23505");
    eh_exec_ok(db, "ROLLBACK");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t"), 0);

    eh_exec_ok(db, "BEGIN");
    for (int id = 0; id < 40; id++) {
        birch_reset(insert);
        ck_assert_int_eq(birch_bind_int64(insert, 1, id), BIRCH_OK);
        ck_assert_int_eq(birch_bind_double(insert, 2, id + 0.25), BIRCH_OK);
        ck_assert_int_eq(birch_bind_int64(insert, 3, id - 20), BIRCH_OK);
        step_done(db, insert);
    }
    eh_exec_ok(db, "COMMIT");
    birch_finalize(insert);
    expect_rows(db, "SELECT count(*), sum(n), sum(s) FROM t", "40|790.00|-20");
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "DELETE FROM t WHERE id >= 10");
    insert = eh_prepare(db, "INSERT INTO t VALUES ($1, $2, $3)");
    for (int id = 100; id < 100 + eh_scaled(3000); id++) {
        birch_reset(insert);
        ck_assert_int_eq(birch_bind_int64(insert, 1, id), BIRCH_OK);
        ck_assert_int_eq(birch_bind_null(insert, 2), BIRCH_OK);
        ck_assert_int_eq(birch_bind_int64(insert, 3, id % 1000), BIRCH_OK);
        step_done(db, insert);
    }
    birch_finalize(insert);
    eh_exec_ok(db, "ROLLBACK");
    expect_rows(db, "SELECT count(*), sum(n), sum(s) FROM t", "40|790.00|-20");
    close_db(db);
}
END_TEST

static Suite *insert_direct_suite(void)
{
    Suite *suite = suite_create("insert_direct");
    TCase *tcase = tcase_create("direct");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_direct_order_nulls_and_strings);
    tcase_add_test(tcase, test_direct_returning_conflict_and_errors);
    tcase_add_test(tcase, test_direct_falls_back_and_rolls_back);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(insert_direct_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
