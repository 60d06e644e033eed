/* executor/tests/test_api_kept.c: prepared statements that run many times keep their operator
 * tree (session.c, "kept trees"), bind in place (api.c) and use the primary-key point lookup
 * (op_point.c). Each test checks that repeated executions give exactly the answers a fresh
 * statement gives: new parameters, re-planning after DDL, errors in the middle, portals reset
 * early, sequences, LIKE patterns and subqueries over parameters, several portals at once.
 * Everything goes through birch.h. Iteration counts scale with BIRCH_TEST_SCALE. */
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
    db_path = eh_path("kept", name);
    return eh_open(db_path);
}

static void close_db(birch_db *db)
{
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(db_path);
}

/* a prepared INSERT and a prepared point SELECT, many times in one transaction, as the
 * benchmark runs them (reset, bind, step; the SELECT is reset after its row) */
START_TEST(test_kept_insert_and_point_select_repeat)
{
    birch_db *db = open_fresh("repeat");
    eh_exec_ok(db, "CREATE TABLE p(id int PRIMARY KEY, a int, b text)");
    int count = eh_scaled(20000);
    eh_exec_ok(db, "BEGIN");
    birch_stmt *insert = eh_prepare(db, "INSERT INTO p VALUES ($1, $2, $3)");
    char text[64];
    for (int id = 0; id < count; id++) {
        birch_reset(insert);
        ck_assert_int_eq(birch_bind_int64(insert, 1, id), BIRCH_OK);
        ck_assert_int_eq(birch_bind_int64(insert, 2, (int64_t)id * 3), BIRCH_OK);
        snprintf(text, sizeof text, "row text number %d (long enough)", id);
        ck_assert_int_eq(birch_bind_text(insert, 3, text, -1), BIRCH_OK);
        ck_assert_msg(birch_step(insert) == BIRCH_DONE, "insert %d: %s", id, eh_error_text(db));
        ck_assert_str_eq(birch_command_tag(insert), "INSERT 0 1");
        ck_assert_uint_eq(birch_changes(db), 1);
    }
    birch_finalize(insert);
    eh_exec_ok(db, "COMMIT");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM p"), count);
    ck_assert_int_eq(eh_scalar(db, "SELECT sum(a) FROM p"), (int64_t)3 * count * (count - 1) / 2);

    eh_exec_ok(db, "BEGIN");
    birch_stmt *point = eh_prepare(db, "SELECT a, b FROM p WHERE id = $1");
    for (int idx = 0; idx < count; idx++) {
        int id = (int)(((int64_t)idx * 7919) % count);
        birch_reset(point);
        ck_assert_int_eq(birch_bind_int64(point, 1, id), BIRCH_OK);
        ck_assert_msg(birch_step(point) == BIRCH_ROW, "point %d: %s", id, eh_error_text(db));
        ck_assert_int_eq(birch_column_int64(point, 0), (int64_t)id * 3);
        snprintf(text, sizeof text, "row text number %d (long enough)", id);
        ck_assert_str_eq(birch_column_text(point, 1, NULL), text);
    }
    /* absent keys, NULL and a key past int4 (the bind's error) */
    birch_reset(point);
    birch_bind_int64(point, 1, count + 5);
    ck_assert_int_eq(birch_step(point), BIRCH_DONE);
    ck_assert_str_eq(birch_command_tag(point), "SELECT 0");
    birch_reset(point);
    birch_bind_null(point, 1);
    ck_assert_int_eq(birch_step(point), BIRCH_DONE);
    birch_reset(point);
    eh_expect_error(db, birch_bind_int64(point, 1, (int64_t)INT32_MAX + 1), "22003");
    birch_bind_int64(point, 1, 7);
    ck_assert_int_eq(birch_step(point), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(point, 0), 21);
    ck_assert_int_eq(birch_step(point), BIRCH_DONE);
    ck_assert_str_eq(birch_command_tag(point), "SELECT 1");
    birch_finalize(point);
    eh_exec_ok(db, "COMMIT");
    close_db(db);
}
END_TEST

/* the point lookup sees its own transaction's writes and not deleted rows; it re-checks the
 * rest of the WHERE clause */
START_TEST(test_kept_point_select_visibility_and_filter)
{
    birch_db *db = open_fresh("visibility");
    eh_exec_ok(db, "CREATE TABLE p(id bigint PRIMARY KEY, a int)");
    eh_exec_ok(db, "INSERT INTO p VALUES (1, 10), (2, 20), (3, 30)");
    birch_stmt *point = eh_prepare(db, "SELECT a FROM p WHERE id = $1 AND a > 15");
    int64_t expected[4] = {-1, -1, 20, 30};   /* -1: no row */
    for (int round = 0; round < 3; round++) {
        for (int id = 0; id <= 3; id++) {
            birch_reset(point);
            birch_bind_int64(point, 1, id);
            int rc = birch_step(point);
            if (expected[id] < 0) {
                ck_assert_msg(rc == BIRCH_DONE, "id %d: %s", id, eh_error_text(db));
            } else {
                ck_assert_msg(rc == BIRCH_ROW, "id %d: %s", id, eh_error_text(db));
                ck_assert_int_eq(birch_column_int64(point, 0), expected[id]);
            }
        }
        /* change the rows between rounds: the kept tree reads the new snapshot */
        if (round == 0) eh_exec_ok(db, "DELETE FROM p WHERE id = 2");
        if (round == 0) expected[2] = -1;
        if (round == 1) eh_exec_ok(db, "BEGIN");
        if (round == 1) eh_exec_ok(db, "INSERT INTO p VALUES (0, 99)");
        if (round == 1) expected[0] = 99;
    }
    eh_exec_ok(db, "ROLLBACK");
    birch_reset(point);
    birch_bind_int64(point, 1, 0);
    ck_assert_int_eq(birch_step(point), BIRCH_DONE);
    birch_finalize(point);
    close_db(db);
}
END_TEST

/* DDL between executions: the statement re-plans and never writes through the old tree */
START_TEST(test_kept_tree_replans_after_ddl)
{
    birch_db *db = open_fresh("replan");
    eh_exec_ok(db, "CREATE TABLE t(id int PRIMARY KEY, v int)");
    birch_stmt *insert = eh_prepare(db, "INSERT INTO t VALUES ($1, $2)");
    birch_stmt *point = eh_prepare(db, "SELECT v FROM t WHERE id = $1");
    for (int id = 0; id < 3; id++) {
        birch_reset(insert);
        birch_bind_int64(insert, 1, id);
        birch_bind_int64(insert, 2, id + 100);
        ck_assert_int_eq(birch_step(insert), BIRCH_DONE);
    }
    eh_exec_ok(db, "DROP TABLE t");
    eh_exec_ok(db, "CREATE TABLE t(id int PRIMARY KEY, v int)");
    birch_reset(insert);
    birch_bind_int64(insert, 1, 1);
    birch_bind_int64(insert, 2, 7);
    ck_assert_msg(birch_step(insert) == BIRCH_DONE, "%s", eh_error_text(db));
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t"), 1);
    birch_reset(point);
    birch_bind_int64(point, 1, 1);
    ck_assert_int_eq(birch_step(point), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(point, 0), 7);
    birch_finalize(insert);
    birch_finalize(point);
    close_db(db);
}
END_TEST

/* an error in one execution (unique violation, NOT NULL) leaves the next one intact */
START_TEST(test_kept_tree_after_errors)
{
    birch_db *db = open_fresh("errors");
    eh_exec_ok(db, "CREATE TABLE t(id int PRIMARY KEY, v text NOT NULL)");
    birch_stmt *insert = eh_prepare(db, "INSERT INTO t VALUES ($1, $2) RETURNING id * 2, v");
    for (int id = 0; id < 6; id++) {
        birch_reset(insert);
        birch_bind_int64(insert, 1, id % 4);   /* 4 and 5 repeat 0 and 1 */
        if (id == 2) birch_bind_null(insert, 2);
        else birch_bind_text(insert, 2, "value", -1);
        int rc = birch_step(insert);
        if (id == 2) {
            eh_expect_error(db, rc, "23502");
            continue;
        }
        if (id >= 4) {
            eh_expect_error(db, rc, "23505");
            ck_assert_str_eq(birch_last_error(db)->constraint_name, "t_pkey");
            continue;
        }
        ck_assert_msg(rc == BIRCH_ROW, "id %d: %s", id, eh_error_text(db));
        ck_assert_int_eq(birch_column_int64(insert, 0), 2 * id);
        ck_assert_str_eq(birch_column_text(insert, 1, NULL), "value");
        ck_assert_int_eq(birch_step(insert), BIRCH_DONE);
    }
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t"), 3);
    /* inside a block: the failed state, then ROLLBACK, then the statement works again */
    eh_exec_ok(db, "BEGIN");
    birch_reset(insert);
    birch_bind_int64(insert, 1, 0);
    birch_bind_text(insert, 2, "dup", -1);
    eh_expect_error(db, birch_step(insert), "23505");
    birch_reset(insert);
    birch_bind_int64(insert, 1, 10);
    eh_expect_error(db, birch_step(insert), "25P02");
    eh_exec_ok(db, "ROLLBACK");
    birch_reset(insert);
    birch_bind_int64(insert, 1, 10);
    ck_assert_int_eq(birch_step(insert), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(insert, 0), 20);
    birch_finalize(insert);   /* finalized with its row unread: the insert still commits */
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM t"), 4);
    close_db(db);
}
END_TEST

/* volatile and parameter-dependent expressions: sequences advance, LIKE patterns and
 * subqueries follow the new parameters, ON CONFLICT keeps its per-statement checks */
START_TEST(test_kept_tree_expressions_follow_parameters)
{
    birch_db *db = open_fresh("exprs");
    eh_exec_ok(db, "CREATE TABLE s(id serial PRIMARY KEY, name text)");
    birch_stmt *insert = eh_prepare(db, "INSERT INTO s(name) VALUES ($1) RETURNING id");
    const char *names[] = {"apple", "apricot", "banana", "blueberry", "cherry"};
    for (int idx = 0; idx < 5; idx++) {
        birch_reset(insert);
        birch_bind_text(insert, 1, names[idx], -1);
        ck_assert_int_eq(birch_step(insert), BIRCH_ROW);
        ck_assert_int_eq(birch_column_int64(insert, 0), idx + 1);
    }
    birch_finalize(insert);
    birch_stmt *like = eh_prepare(db, "SELECT count(*) FROM s WHERE name LIKE $1");
    const char *patterns[] = {"a%", "b%", "%rr%", "zzz", "%"};
    int64_t counts[] = {2, 2, 2, 0, 5};
    for (int round = 0; round < 2; round++) {
        for (int idx = 0; idx < 5; idx++) {
            birch_reset(like);
            birch_bind_text(like, 1, patterns[idx], -1);
            ck_assert_int_eq(birch_step(like), BIRCH_ROW);
            ck_assert_int_eq(birch_column_int64(like, 0), counts[idx]);
        }
    }
    birch_finalize(like);
    birch_stmt *sub = eh_prepare(db, "SELECT (SELECT max(id) FROM s WHERE id < $1) + $1");
    for (int bound = 2; bound <= 6; bound++) {
        birch_reset(sub);
        birch_bind_int64(sub, 1, bound);
        ck_assert_int_eq(birch_step(sub), BIRCH_ROW);
        ck_assert_int_eq(birch_column_int64(sub, 0), (bound - 1) + bound);
    }
    birch_finalize(sub);
    birch_stmt *upsert = eh_prepare(db, "INSERT INTO s VALUES ($1, $2) ON CONFLICT (id) DO UPDATE "
                                        "SET name = excluded.name || '!'");
    for (int round = 0; round < 3; round++) {
        birch_reset(upsert);
        birch_bind_int64(upsert, 1, 1);
        birch_bind_text(upsert, 2, "again", -1);
        ck_assert_msg(birch_step(upsert) == BIRCH_DONE, "%s", eh_error_text(db));
        ck_assert_uint_eq(birch_changes(db), 1);
    }
    birch_finalize(upsert);
    birch_stmt *name = eh_prepare(db, "SELECT name FROM s WHERE id = 1");
    ck_assert_int_eq(birch_step(name), BIRCH_ROW);
    ck_assert_str_eq(birch_column_text(name, 0, NULL), "again!");
    birch_finalize(name);
    close_db(db);
}
END_TEST

/* two portals of one statement text interleave; a text parameter rebound many times keeps
 * the bind arena bounded and the last value */
START_TEST(test_kept_tree_portals_and_rebinding)
{
    birch_db *db = open_fresh("portals");
    eh_exec_ok(db, "CREATE TABLE t(id int PRIMARY KEY, v text)");
    eh_exec_ok(db, "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g");
    birch_stmt *first = eh_prepare(db, "SELECT v FROM t WHERE id = $1");
    birch_stmt *second = NULL;
    ck_assert_int_eq(birch_stmt_clone(first, &second), BIRCH_OK);
    for (int id = 1; id <= 50; id++) {
        birch_reset(first);
        birch_reset(second);
        birch_bind_int64(first, 1, id);
        birch_bind_int64(second, 1, 101 - id);
        ck_assert_int_eq(birch_step(first), BIRCH_ROW);
        ck_assert_int_eq(birch_step(second), BIRCH_ROW);
        char expect[16];
        snprintf(expect, sizeof expect, "v%d", id);
        ck_assert_str_eq(birch_column_text(first, 0, NULL), expect);
        snprintf(expect, sizeof expect, "v%d", 101 - id);
        ck_assert_str_eq(birch_column_text(second, 0, NULL), expect);
    }
    birch_finalize(second);
    /* binding while running is refused; after reset it is accepted */
    birch_reset(first);
    birch_bind_int64(first, 1, 3);
    ck_assert_int_eq(birch_step(first), BIRCH_ROW);
    eh_expect_error(db, birch_bind_int64(first, 1, 4), "55000");
    birch_finalize(first);
    birch_stmt *echo = eh_prepare(db, "SELECT length($1::text), $1::text");
    char big[300];
    int rounds = eh_scaled(20000);
    for (int round = 0; round < rounds; round++) {
        int size = 20 + round % 250;
        memset(big, 'a' + round % 26, (size_t)size);
        big[size] = '\0';
        birch_reset(echo);
        ck_assert_int_eq(birch_bind_text(echo, 1, big, -1), BIRCH_OK);
        if (round % 997 != 0 && round != rounds - 1) continue;
        ck_assert_int_eq(birch_step(echo), BIRCH_ROW);
        ck_assert_int_eq(birch_column_int64(echo, 0), size);
        ck_assert_str_eq(birch_column_text(echo, 1, NULL), big);
    }
    birch_finalize(echo);
    close_db(db);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("api_kept");
    TCase *tcase = tcase_create("kept");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_kept_insert_and_point_select_repeat);
    tcase_add_test(tcase, test_kept_point_select_visibility_and_filter);
    tcase_add_test(tcase, test_kept_tree_replans_after_ddl);
    tcase_add_test(tcase, test_kept_tree_after_errors);
    tcase_add_test(tcase, test_kept_tree_expressions_follow_parameters);
    tcase_add_test(tcase, test_kept_tree_portals_and_rebinding);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
