/* executor/tests/test_point.c: the primary-key point lookup's fast path (op_point.c through
 * txn_row_get_point, whose descent is the B+ tree cursor's guided search, and the READ
 * COMMITTED snapshot kept while no transaction began or ended).
 *
 * Each test would fail if a shortcut were wrong: a point read after an UPDATE of the same
 * transaction must see the new version; a row another connection deleted or changed after a
 * REPEATABLE READ snapshot must still read as of that snapshot (from the version store);
 * READ COMMITTED must see a concurrent commit at the next statement even though the snapshot
 * is reused while nothing commits; keys far from where a page's separators predict them
 * (skewed, sparse, negative, at the int8 extremes) and absent keys between them must be found
 * or not found exactly; a NULL parameter gives no row; a bound parameter is coerced to the
 * key's type (int8 against an int4 key, text that parses, text that does not: 22P02).
 * Everything goes through birch.h. Row counts scale with BIRCH_TEST_SCALE. */
#include <check.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static const char *db_path;   /* the file of the open test database */

static birch_db *open_fresh(const char *name)
{
    db_path = eh_path("point", name);
    return eh_open(db_path);
}

static void close_db(birch_db *db)
{
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(db_path);
}

/* point_a: step the point statement for id: 1 and *a_out if a row came, 0 if none. */
static int point_a(birch_db *db, birch_stmt *point, int64_t id, int64_t *a_out)
{
    birch_reset(point);
    ck_assert_int_eq(birch_bind_int64(point, 1, id), BIRCH_OK);
    int rc = birch_step(point);
    ck_assert_msg(rc == BIRCH_ROW || rc == BIRCH_DONE, "id %" PRId64 ": %s", id,
                  eh_error_text(db));
    if (rc == BIRCH_DONE) return 0;
    *a_out = birch_column_int64(point, 0);
    ck_assert_int_eq(birch_step(point), BIRCH_DONE);
    return 1;
}

/* a_of: the a of id through point, which must exist. */
static int64_t a_of(birch_db *db, birch_stmt *point, int64_t id)
{
    int64_t a = 0;
    ck_assert_msg(point_a(db, point, id, &a) == 1, "id %" PRId64 " not found", id);
    return a;
}

static int has_row(birch_db *db, birch_stmt *point, int64_t id)
{
    int64_t a = 0;
    return point_a(db, point, id, &a);
}

static void fill(birch_db *db, const char *table, int count)
{
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s SELECT g, g * 10 FROM generate_series(1, %d) g",
             table, count);
    eh_exec_ok(db, sql);
}

/* the transaction's own UPDATE and DELETE are what its next point read returns; a rollback
 * brings the old version back */
START_TEST(test_point_sees_own_writes)
{
    birch_db *db = open_fresh("own");
    eh_exec_ok(db, "CREATE TABLE p(id int PRIMARY KEY, a int)");
    int count = eh_scaled(3000);
    fill(db, "p", count);
    birch_stmt *point = eh_prepare(db, "SELECT a FROM p WHERE id = $1");
    for (int isolation = 0; isolation < 2; isolation++) {
        eh_exec_ok(db, isolation == 0 ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ");
        ck_assert_int_eq(a_of(db, point, 17), 170);
        eh_exec_ok(db, "UPDATE p SET a = -1 WHERE id = 17");
        ck_assert_int_eq(a_of(db, point, 17), -1);
        eh_exec_ok(db, "UPDATE p SET a = a + 5 WHERE id = 17");
        ck_assert_int_eq(a_of(db, point, 17), 4);
        eh_exec_ok(db, "DELETE FROM p WHERE id = 18");
        ck_assert_int_eq(has_row(db, point, 18), 0);
        eh_exec_ok(db, "INSERT INTO p VALUES (-7, 77)");
        ck_assert_int_eq(a_of(db, point, -7), 77);
        ck_assert_int_eq(a_of(db, point, 19), 190);
        eh_exec_ok(db, "ROLLBACK");
        ck_assert_int_eq(a_of(db, point, 17), 170);
        ck_assert_int_eq(a_of(db, point, 18), 180);
        ck_assert_int_eq(has_row(db, point, -7), 0);
    }
    birch_finalize(point);
    close_db(db);
}
END_TEST

/* REPEATABLE READ: rows another connection deletes, updates or inserts after the snapshot
 * read as of the snapshot, over many executions of one kept statement */
START_TEST(test_point_repeatable_read_keeps_snapshot)
{
    birch_db *db = open_fresh("rr");
    eh_exec_ok(db, "CREATE TABLE p(id int PRIMARY KEY, a int)");
    int count = eh_scaled(3000);
    fill(db, "p", count);
    birch_db *other = eh_open(db_path);
    birch_stmt *point = eh_prepare(db, "SELECT a FROM p WHERE id = $1");
    eh_exec_ok(db, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    ck_assert_int_eq(a_of(db, point, 1), 10);   /* the snapshot is taken here */
    eh_exec_ok(other, "DELETE FROM p WHERE id = 5");
    eh_exec_ok(other, "UPDATE p SET a = 0 WHERE id = 6");
    eh_exec_ok(other, "UPDATE p SET a = 1 WHERE id = 6");
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO p VALUES (%d, 1)", count + 1);
    eh_exec_ok(other, sql);
    for (int round = 0; round < 3; round++) {
        ck_assert_int_eq(a_of(db, point, 5), 50);
        ck_assert_int_eq(a_of(db, point, 6), 60);
        ck_assert_int_eq(has_row(db, point, count + 1), 0);
        ck_assert_int_eq(a_of(db, point, count), (int64_t)count * 10);
    }
    eh_exec_ok(db, "COMMIT");
    ck_assert_int_eq(has_row(db, point, 5), 0);
    ck_assert_int_eq(a_of(db, point, 6), 1);
    ck_assert_int_eq(a_of(db, point, count + 1), 1);
    birch_finalize(point);
    ck_assert_int_eq(birch_close(other), BIRCH_OK);
    close_db(db);
}
END_TEST

/* READ COMMITTED keeps its snapshot from statement to statement only while no transaction
 * begins or ends: each commit of another connection shows at the next point read, and a
 * transaction still open there stays invisible */
START_TEST(test_point_read_committed_sees_each_commit)
{
    birch_db *db = open_fresh("rc");
    eh_exec_ok(db, "CREATE TABLE p(id int PRIMARY KEY, a int)");
    fill(db, "p", eh_scaled(1000));
    birch_db *other = eh_open(db_path);
    birch_stmt *point = eh_prepare(db, "SELECT a FROM p WHERE id = $1");
    eh_exec_ok(db, "BEGIN");
    for (int round = 1; round <= 20; round++) {
        ck_assert_int_eq(a_of(db, point, 3), round == 1 ? 30 : round - 1);
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE p SET a = %d WHERE id = 3", round);
        eh_exec_ok(other, sql);
        ck_assert_int_eq(a_of(db, point, 3), round);
    }
    /* an uncommitted change of the other connection: invisible until it commits */
    eh_exec_ok(other, "BEGIN");
    eh_exec_ok(other, "UPDATE p SET a = 999 WHERE id = 4");
    eh_exec_ok(other, "DELETE FROM p WHERE id = 7");
    ck_assert_int_eq(a_of(db, point, 4), 40);
    ck_assert_int_eq(a_of(db, point, 7), 70);
    eh_exec_ok(other, "COMMIT");
    ck_assert_int_eq(a_of(db, point, 4), 999);
    ck_assert_int_eq(has_row(db, point, 7), 0);
    eh_exec_ok(other, "BEGIN");
    eh_exec_ok(other, "INSERT INTO p VALUES (-100, 5)");
    ck_assert_int_eq(has_row(db, point, -100), 0);
    eh_exec_ok(other, "ROLLBACK");
    ck_assert_int_eq(has_row(db, point, -100), 0);
    eh_exec_ok(db, "COMMIT");
    birch_finalize(point);
    ck_assert_int_eq(birch_close(other), BIRCH_OK);
    close_db(db);
}
END_TEST

/* key_for: a skewed bigint key: cubes, powers of two, negatives and the int8 extremes, so
 * the separators of a page say little about where a key sits in it */
static int64_t key_for(int idx, int count)
{
    switch (idx % 4) {
    case 0: return (int64_t)idx * idx * idx;
    case 1: return -(int64_t)idx * 1000003;
    case 2: return idx < 2 * 62 ? (INT64_C(1) << (idx / 2)) + idx : (int64_t)idx * 7 + count;
    default: return idx < 40 ? INT64_MAX - idx : INT64_MIN + idx;
    }
}

static int key_seen(const int64_t *keys, int count, int64_t key)
{
    for (int idx = 0; idx < count; idx++) {
        if (keys[idx] == key) return 1;
    }
    return 0;
}

/* keys far from where interpolation puts them, and absent keys next to each present one */
START_TEST(test_point_finds_skewed_keys)
{
    birch_db *db = open_fresh("skew");
    eh_exec_ok(db, "CREATE TABLE s(id bigint PRIMARY KEY, a bigint)");
    int count = eh_scaled(4000);
    int64_t *keys = malloc((size_t)count * sizeof *keys);
    int64_t *values = malloc((size_t)count * sizeof *values);
    ck_assert_ptr_nonnull(keys);
    ck_assert_ptr_nonnull(values);
    int stored = 0;
    birch_stmt *insert = eh_prepare(db, "INSERT INTO s VALUES ($1, $2)");
    eh_exec_ok(db, "BEGIN");
    for (int idx = 0; idx < count; idx++) {
        int64_t key = key_for(idx, count);
        if (key_seen(keys, stored, key)) continue;
        keys[stored] = key;
        values[stored++] = idx;
        birch_reset(insert);
        birch_bind_int64(insert, 1, key);
        birch_bind_int64(insert, 2, idx);
        ck_assert_msg(birch_step(insert) == BIRCH_DONE, "%s", eh_error_text(db));
    }
    eh_exec_ok(db, "COMMIT");
    birch_finalize(insert);
    /* holes in the runs too */
    eh_exec_ok(db, "DELETE FROM s WHERE a % 12 = 0");
    birch_stmt *point = eh_prepare(db, "SELECT a FROM s WHERE id = $1");
    eh_exec_ok(db, "BEGIN");
    for (int idx = 0; idx < stored; idx++) {
        int64_t key = keys[idx], a = -1;
        int found = point_a(db, point, key, &a);
        ck_assert_msg(found == (values[idx] % 12 != 0), "key %" PRId64 ": found %d", key, found);
        if (found) ck_assert_int_eq(a, values[idx]);
        for (int delta = -1; delta <= 1; delta += 2) {
            if ((delta < 0 && key == INT64_MIN) || (delta > 0 && key == INT64_MAX)) continue;
            int64_t near = key + delta;
            if (key_seen(keys, stored, near)) continue;
            ck_assert_msg(has_row(db, point, near) == 0, "absent key %" PRId64 " found", near);
        }
    }
    ck_assert_int_eq(has_row(db, point, 0), 0);   /* 0 = 0^3 was deleted (a = 0) */
    eh_exec_ok(db, "COMMIT");
    birch_finalize(point);
    free(keys);
    free(values);
    close_db(db);
}
END_TEST

/* NULL gives no row; an int8 parameter against an int4 key; text parameters that parse and
 * one that does not */
START_TEST(test_point_parameter_coercion)
{
    birch_db *db = open_fresh("coerce");
    eh_exec_ok(db, "CREATE TABLE p(id int PRIMARY KEY, a int)");
    fill(db, "p", 100);
    eh_exec_ok(db, "BEGIN");
    birch_stmt *point = eh_prepare(db, "SELECT a FROM p WHERE id = $1");
    ck_assert_int_eq(a_of(db, point, 42), 420);
    birch_reset(point);
    ck_assert_int_eq(birch_bind_null(point, 1), BIRCH_OK);
    ck_assert_int_eq(birch_step(point), BIRCH_DONE);
    ck_assert_str_eq(birch_command_tag(point), "SELECT 0");
    birch_reset(point);
    ck_assert_int_eq(birch_bind_text(point, 1, "43", -1), BIRCH_OK);
    ck_assert_int_eq(birch_step(point), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(point, 0), 430);
    birch_reset(point);
    eh_expect_error(db, birch_bind_text(point, 1, "forty", -1), "22P02");
    ck_assert_int_eq(a_of(db, point, 44), 440);   /* the statement still works */
    birch_finalize(point);

    /* a bigint parameter against the int4 key: values past int4 find nothing, no error */
    birch_stmt *wide = eh_prepare(db, "SELECT a FROM p WHERE id = $1::bigint");
    ck_assert_int_eq(a_of(db, wide, 7), 70);
    ck_assert_int_eq(has_row(db, wide, (int64_t)INT32_MAX + 1), 0);
    ck_assert_int_eq(has_row(db, wide, INT64_MIN), 0);
    ck_assert_int_eq(has_row(db, wide, -1), 0);
    ck_assert_int_eq(a_of(db, wide, 100), 1000);
    birch_finalize(wide);
    eh_exec_ok(db, "COMMIT");
    close_db(db);
}
END_TEST

/* many point reads on a tree of several levels, keys in a scattered order, with a text column:
 * every answer is the row's (the descent's guess lands on the right slot or near it) */
START_TEST(test_point_many_levels)
{
    birch_db *db = open_fresh("levels");
    eh_exec_ok(db, "CREATE TABLE p(id int PRIMARY KEY, a int, b text)");
    int count = eh_scaled(60000);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO p SELECT g * 2, g, 'text of row ' || g FROM generate_series(1, %d) g",
             count);
    eh_exec_ok(db, sql);
    birch_stmt *point = eh_prepare(db, "SELECT a, b FROM p WHERE id = $1");
    eh_exec_ok(db, "BEGIN");
    char text[64];
    for (int idx = 0; idx < count; idx++) {
        int g = (int)(((int64_t)idx * 7919) % count) + 1;
        birch_reset(point);
        birch_bind_int64(point, 1, (int64_t)g * 2);
        ck_assert_msg(birch_step(point) == BIRCH_ROW, "id %d: %s", g * 2, eh_error_text(db));
        ck_assert_int_eq(birch_column_int64(point, 0), g);
        snprintf(text, sizeof text, "text of row %d", g);
        ck_assert_str_eq(birch_column_text(point, 1, NULL), text);
        if (idx % 16 == 0) ck_assert_int_eq(has_row(db, point, (int64_t)g * 2 + 1), 0);
    }
    ck_assert_int_eq(has_row(db, point, 0), 0);
    ck_assert_int_eq(has_row(db, point, (int64_t)count * 2 + 2), 0);
    eh_exec_ok(db, "COMMIT");
    birch_finalize(point);
    close_db(db);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("point");
    TCase *tcase = tcase_create("point");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_point_sees_own_writes);
    tcase_add_test(tcase, test_point_repeatable_read_keeps_snapshot);
    tcase_add_test(tcase, test_point_read_committed_sees_each_commit);
    tcase_add_test(tcase, test_point_finds_skewed_keys);
    tcase_add_test(tcase, test_point_parameter_coercion);
    tcase_add_test(tcase, test_point_many_levels);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
