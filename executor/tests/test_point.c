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
 * What the op and the cursor reuse between executions (point) is checked too: a kept
 * statement re-executed after committed updates, after DROP/CREATE of its table (also inside a
 * transaction rolled back), after a rollback; one statement stepped across many transactions
 * while range scans and long-key lookups reuse the thread's cached B+ tree cursor in between;
 * NULLs, short and long strings alternating in the reused one-row vectors; the skipped filter
 * (`id = $1` on int2/int4/int8 keys) against filters that must still run (other conjuncts, a
 * cast bound). Everything goes through birch.h. Row counts scale with BIRCH_TEST_SCALE. */
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

/* b_of: the text of column 1 of id through point ("<null>" for NULL, "<none>" for no row);
 * points into buf. */
static const char *b_of(birch_db *db, birch_stmt *point, int64_t id, char *buf, size_t size)
{
    birch_reset(point);
    ck_assert_int_eq(birch_bind_int64(point, 1, id), BIRCH_OK);
    int rc = birch_step(point);
    ck_assert_msg(rc == BIRCH_ROW || rc == BIRCH_DONE, "id %" PRId64 ": %s", id,
                  eh_error_text(db));
    if (rc == BIRCH_DONE) return "<none>";
    if (birch_column_is_null(point, 1)) {
        snprintf(buf, size, "<null>");
    } else {
        snprintf(buf, size, "%s", birch_column_text(point, 1, NULL));
    }
    ck_assert_int_eq(birch_step(point), BIRCH_DONE);
    return buf;
}

/* a kept point statement after committed changes of its table, after DROP/CREATE (a new tree,
 * other columns), after a DROP/CREATE rolled back, after a rolled-back UPDATE */
START_TEST(test_point_reexecuted_after_changes)
{
    birch_db *db = open_fresh("reexec");
    eh_exec_ok(db, "CREATE TABLE p(id int PRIMARY KEY, a int)");
    fill(db, "p", eh_scaled(2000));
    birch_db *other = eh_open(db_path);
    birch_stmt *point = eh_prepare(db, "SELECT a FROM p WHERE id = $1");
    ck_assert_int_eq(a_of(db, point, 9), 90);
    eh_exec_ok(db, "UPDATE p SET a = a + 1 WHERE id < 20");
    ck_assert_int_eq(a_of(db, point, 9), 91);
    eh_exec_ok(other, "UPDATE p SET a = -9 WHERE id = 9");
    ck_assert_int_eq(a_of(db, point, 9), -9);
    eh_exec_ok(other, "DELETE FROM p WHERE id = 10");
    ck_assert_int_eq(has_row(db, point, 10), 0);

    /* a new table of the same name: other rows, another column before a (a new tree) */
    eh_exec_ok(other, "DROP TABLE p");
    eh_exec_ok(other, "CREATE TABLE p(id int PRIMARY KEY, c text, a int)");
    eh_exec_ok(other, "INSERT INTO p VALUES (9, 'nine', 900), (10, NULL, 10)");
    ck_assert_int_eq(a_of(db, point, 9), 900);
    ck_assert_int_eq(a_of(db, point, 10), 10);
    ck_assert_int_eq(has_row(db, point, 11), 0);

    /* DROP/CREATE inside a transaction that rolls back: the old table answers again */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "DROP TABLE p");
    eh_exec_ok(db, "CREATE TABLE p(id int PRIMARY KEY, a int)");
    eh_exec_ok(db, "INSERT INTO p VALUES (9, 1)");
    ck_assert_int_eq(a_of(db, point, 9), 1);
    ck_assert_int_eq(has_row(db, point, 10), 0);
    eh_exec_ok(db, "ROLLBACK");
    ck_assert_int_eq(a_of(db, point, 9), 900);
    ck_assert_int_eq(a_of(db, point, 10), 10);

    /* a rolled-back UPDATE and DELETE of the other connection */
    eh_exec_ok(other, "BEGIN");
    eh_exec_ok(other, "UPDATE p SET a = 0 WHERE id = 9");
    eh_exec_ok(other, "DELETE FROM p WHERE id = 10");
    ck_assert_int_eq(a_of(db, point, 9), 900);
    eh_exec_ok(other, "ROLLBACK");
    ck_assert_int_eq(a_of(db, point, 9), 900);
    ck_assert_int_eq(a_of(db, point, 10), 10);

    /* dropped for good: the statement reports the missing table, and works once it is back */
    eh_exec_ok(other, "DROP TABLE p");
    birch_reset(point);
    ck_assert_int_eq(birch_bind_int64(point, 1, 9), BIRCH_OK);
    eh_expect_error(db, birch_step(point), "42P01");
    eh_exec_ok(other, "CREATE TABLE p(id int PRIMARY KEY, a int)");
    eh_exec_ok(other, "INSERT INTO p VALUES (9, 99)");
    ck_assert_int_eq(a_of(db, point, 9), 99);
    /* a result of another type: PostgreSQL's 0A000, as for any cached plan */
    eh_exec_ok(other, "DROP TABLE p");
    eh_exec_ok(other, "CREATE TABLE p(id int PRIMARY KEY, a bigint)");
    birch_reset(point);
    ck_assert_int_eq(birch_bind_int64(point, 1, 9), BIRCH_OK);
    eh_expect_error(db, birch_step(point), "0A000");
    birch_finalize(point);
    ck_assert_int_eq(birch_close(other), BIRCH_OK);
    close_db(db);
}
END_TEST

/* one kept statement over many transactions; between its lookups the same thread runs range
 * scans and lookups of keys longer than a cursor keeps inline (the cached cursor is reused by
 * all of them), and commits of another connection show in the next transaction */
START_TEST(test_point_cursor_reused_across_transactions)
{
    birch_db *db = open_fresh("reuse");
    eh_exec_ok(db, "CREATE TABLE p(id int PRIMARY KEY, a int)");
    eh_exec_ok(db, "CREATE TABLE t(k text PRIMARY KEY, v int)");
    int count = eh_scaled(3000);
    fill(db, "p", count);
    eh_exec_ok(db, "INSERT INTO t SELECT repeat('k', 100) || g, g FROM generate_series(1, 50) g");
    birch_db *other = eh_open(db_path);
    birch_stmt *point = eh_prepare(db, "SELECT a FROM p WHERE id = $1");
    birch_stmt *range = eh_prepare(db, "SELECT count(*), sum(a) FROM p WHERE id >= $1 AND id < $2");
    birch_stmt *text_key = eh_prepare(db, "SELECT v FROM t WHERE k = $1");
    char key[160];
    for (int round = 0; round < 30; round++) {
        eh_exec_ok(db, round % 2 == 0 ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ");
        int id = 1 + (round * 97) % count;
        ck_assert_int_eq(a_of(db, point, id), (int64_t)id * 10 + round);
        birch_reset(range);
        birch_bind_int64(range, 1, id);
        birch_bind_int64(range, 2, id + 5);
        ck_assert_int_eq(birch_step(range), BIRCH_ROW);
        ck_assert_int_ge(birch_column_int64(range, 0), 1);
        ck_assert_int_le(birch_column_int64(range, 0), 5);
        ck_assert_int_eq(birch_step(range), BIRCH_DONE);
        snprintf(key, sizeof key, "%.100s%d", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", 1 + round % 50);
        birch_reset(text_key);
        birch_bind_text(text_key, 1, key, -1);
        ck_assert_msg(birch_step(text_key) == BIRCH_ROW, "%s", eh_error_text(db));
        ck_assert_int_eq(birch_column_int64(text_key, 0), 1 + round % 50);
        ck_assert_int_eq(birch_step(text_key), BIRCH_DONE);
        ck_assert_int_eq(a_of(db, point, id), (int64_t)id * 10 + round);
        eh_exec_ok(db, "COMMIT");
        /* every row changes between the transactions */
        eh_exec_ok(other, "UPDATE p SET a = a + 1");
    }
    birch_finalize(text_key);
    birch_finalize(range);
    birch_finalize(point);
    ck_assert_int_eq(birch_close(other), BIRCH_OK);
    close_db(db);
}
END_TEST

/* the one-row vectors are reused by every fetch: NULL after a value and a value after NULL,
 * long (out-of-line) strings after short ones, on int2, int4 and int8 keys (the filter is
 * skipped) and with filters that must still run */
START_TEST(test_point_vectors_and_filters)
{
    birch_db *db = open_fresh("vectors");
    const char *key_types[] = {"smallint", "int", "bigint"};
    char sql[256], buf[512];
    for (int type_idx = 0; type_idx < 3; type_idx++) {
        snprintf(sql, sizeof sql, "CREATE TABLE v%d(id %s PRIMARY KEY, a int, b text)", type_idx,
                 key_types[type_idx]);
        eh_exec_ok(db, sql);
        snprintf(sql, sizeof sql,
                 "INSERT INTO v%d SELECT g, CASE WHEN g %% 3 = 0 THEN NULL ELSE g END, "
                 "CASE WHEN g %% 4 = 0 THEN NULL WHEN g %% 2 = 0 THEN repeat('x', 40 + g) "
                 "ELSE 's' || g END FROM generate_series(1, 300) g", type_idx);
        eh_exec_ok(db, sql);
        snprintf(sql, sizeof sql, "SELECT a, b FROM v%d WHERE id = $1", type_idx);
        birch_stmt *point = eh_prepare(db, sql);
        eh_exec_ok(db, "BEGIN");
        for (int round = 0; round < 2; round++) {
            for (int id = 1; id <= 300; id++) {
                const char *got = b_of(db, point, id, buf, sizeof buf);
                char want[512];
                if (id % 4 == 0) {
                    snprintf(want, sizeof want, "<null>");
                } else if (id % 2 == 0) {
                    memset(want, 'x', (size_t)(40 + id));
                    want[40 + id] = '\0';
                } else {
                    snprintf(want, sizeof want, "s%d", id);
                }
                ck_assert_msg(strcmp(got, want) == 0, "id %d: %s", id, got);
                birch_reset(point);
                birch_bind_int64(point, 1, id);
                ck_assert_int_eq(birch_step(point), BIRCH_ROW);
                ck_assert_int_eq(birch_column_is_null(point, 0), id % 3 == 0);
                if (id % 3 != 0) ck_assert_int_eq(birch_column_int64(point, 0), id);
            }
            ck_assert_str_eq(b_of(db, point, 0, buf, sizeof buf), "<none>");
            ck_assert_str_eq(b_of(db, point, 301, buf, sizeof buf), "<none>");
        }
        eh_exec_ok(db, "COMMIT");
        birch_finalize(point);

        /* another conjunct: the filter runs and drops rows the key finds */
        snprintf(sql, sizeof sql, "SELECT a FROM v%d WHERE id = $1 AND a > 100", type_idx);
        birch_stmt *filtered = eh_prepare(db, sql);
        ck_assert_int_eq(has_row(db, filtered, 50), 0);
        ck_assert_int_eq(has_row(db, filtered, 99), 0);   /* a IS NULL */
        ck_assert_int_eq(a_of(db, filtered, 101), 101);
        ck_assert_int_eq(has_row(db, filtered, 102), 0);   /* a IS NULL */
        birch_finalize(filtered);
        snprintf(sql, sizeof sql, "SELECT a FROM v%d WHERE $1 = id AND b IS NULL", type_idx);
        filtered = eh_prepare(db, sql);
        ck_assert_int_eq(has_row(db, filtered, 2), 0);
        ck_assert_int_eq(a_of(db, filtered, 4), 4);
        birch_finalize(filtered);
    }
    /* a bound of another type than the key: the bound is cast, the filter is not skipped */
    birch_stmt *cast = eh_prepare(db, "SELECT a FROM v0 WHERE id = $1::int");
    ck_assert_int_eq(a_of(db, cast, 7), 7);
    ck_assert_int_eq(has_row(db, cast, 40000), 0);
    ck_assert_int_eq(has_row(db, cast, -1), 0);
    birch_finalize(cast);
    /* a constant bound */
    EH_ROWS_ARE(db, "SELECT a, b FROM v1 WHERE id = 5", "5|s5");
    EH_ROWS_ARE(db, "SELECT a, b FROM v2 WHERE 8 = id", "8|NULL");
    EH_ROWS_ARE(db, "SELECT a, b FROM v2 WHERE id = NULL", "");
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
    tcase_add_test(tcase, test_point_reexecuted_after_changes);
    tcase_add_test(tcase, test_point_cursor_reused_across_transactions);
    tcase_add_test(tcase, test_point_vectors_and_filters);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
