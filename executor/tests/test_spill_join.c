/* executor/tests/test_spill_join.c: hash joins (op_join.c) and windows (op_window.c) past
 * work_mem.
 *
 * Every query runs through birch.h once with work_mem = 4GB (in memory) and once with
 * work_mem = 64kB, and the answers must be identical. Join queries fold their rows into one row
 * of checksums (count, sums of key and payload expressions): a plain aggregate never spills, so
 * when the full-disk failpoint (exec.spill.write) makes the 64kB sh_run fail with 53100 the join is
 * what spilled. Window queries list every row (the sort below them spills too); before windows
 * spilled they failed with 53200 at 64kB. After every statement, failed or not, no spill file is
 * left open (spill_file_live_count). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/failpoint.h"
#include "executor/spill.h"
#include "executor/tests/spill_harness.h"
#include "include/birch.h"

typedef EhAnswer Answer;

/* db_create (once, before the tests fork): t (40,000 rows) and u (30,000 rows): integer keys
 * with duplicates and NULLs on both sides, keys only one side has, text keys, a skewed column. */
static void db_create(void)
{
    sh_db_create("spill-join");
    sh_exec_ok("CREATE TABLE t (k int, g text, n numeric(12,2), v int, f float8)");
    sh_exec_ok("CREATE TABLE u (k int, g text, w int, b bigint)");
    sh_exec_ok("CREATE TABLE s (v int)");
    sh_exec_ok("INSERT INTO s SELECT i FROM generate_series(1, 10) AS x(i)");
    long rows = (long)(40000 * eh_test_scale());
    if (rows < 8000) rows = 8000;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO t SELECT i, CASE WHEN i %% 97 = 0 THEN NULL "
             "ELSE 'key ' || (i * 7 %% 7919) || repeat('x', i %% 23) END, "
             "CASE WHEN i %% 89 = 0 THEN NULL ELSE (i %% 5003) * 1.25 END, "
             "CASE WHEN i %% 83 = 0 THEN NULL ELSE i %% 13 END, i / 7.0 "
             "FROM generate_series(1, %ld) AS s(i)", rows);
    sh_exec_ok(sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO u SELECT CASE WHEN i %% 101 = 0 THEN NULL WHEN i %% 5 = 0 THEN i / 5 "
             "ELSE i * 3 %% 45007 END, "
             "CASE WHEN i %% 61 = 0 THEN NULL ELSE 'key ' || (i * 7 %% 7919) || "
             "repeat('x', i %% 23) END, i %% 1000, i * 1000003::bigint "
             "FROM generate_series(1, %ld) AS s(i)", rows * 3 / 4);
    sh_exec_ok(sql);
    /* na / nb: the nested loop joins' sides (both wider than 64kB), nb.y with NULLs */
    sh_exec_ok("CREATE TABLE na (x int, p text)");
    sh_exec_ok("CREATE TABLE nb (y int, q text)");
    sh_exec_ok("INSERT INTO na SELECT i * 3 % 3500, repeat('a', 30 + i % 17) || i "
               "FROM generate_series(1, 3000) AS s(i)");
    sh_exec_ok("INSERT INTO nb SELECT CASE WHEN i % 53 = 0 THEN NULL ELSE i * 7 % 3001 END, "
               "'b' || repeat('q', i % 61) FROM generate_series(1, 9000) AS s(i)");
    sh_db_loaded();
}

/* ------------------------------------------------------------------ joins ---- */

START_TEST(test_spill_join_inner_int_key)
{
    sh_check_spills("SELECT count(*), sum(t.k), sum(u.w), sum(length(u.g)), sum(t.n), "
                    "sum(u.b % 1000) FROM t JOIN u ON t.k = u.k");
    /* int8 against int4 keys, a build side with payload only */
    sh_check_spills("SELECT count(*), sum(t.k), sum(u.w) FROM t JOIN u ON u.b / 1000003 = t.k");
}
END_TEST

START_TEST(test_spill_join_outer_int_key)
{
    sh_check_spills("SELECT count(*), count(u.k), count(t.k), sum(t.k), sum(u.w), "
                    "sum(coalesce(u.k, -1)), count(*) FILTER (WHERE u.g IS NULL) "
                    "FROM t LEFT JOIN u ON t.k = u.k");
    sh_check_spills("SELECT count(*), count(u.k), count(t.k), sum(t.k), sum(u.w), "
                    "count(*) FILTER (WHERE t.k IS NULL), count(*) FILTER (WHERE u.k IS NULL) "
                    "FROM t RIGHT JOIN u ON t.k = u.k");
    sh_check_spills("SELECT count(*), count(u.k), count(t.k), sum(t.k), sum(u.w), "
                    "count(*) FILTER (WHERE t.k IS NULL AND u.w IS NOT NULL), "
                    "sum(t.v) FILTER (WHERE u.w IS NULL) FROM t FULL JOIN u ON t.k = u.k");
}
END_TEST

START_TEST(test_spill_join_text_and_multi_keys)
{
    /* text keys (NULLs on both sides) */
    sh_check_spills("SELECT count(*), sum(t.k), sum(u.w), sum(length(t.g)) "
                    "FROM t JOIN u ON t.g = u.g");
    sh_check_spills("SELECT count(*), count(u.g), sum(t.k), sum(u.w) "
                    "FROM t FULL JOIN u ON t.g = u.g");
    /* two key columns and a filter that is not an equality */
    sh_check_spills("SELECT count(*), count(u.k), sum(t.k), sum(u.w) "
                    "FROM t LEFT JOIN u ON t.k = u.k AND t.v = u.w % 13 AND t.f < u.w");
    sh_check_spills("SELECT count(*), count(t.k), count(u.k), sum(u.w) "
                    "FROM t RIGHT JOIN u ON t.k = u.k AND t.f + 10 > u.w / 10");
}
END_TEST

START_TEST(test_spill_join_semi)
{
    /* IN (SELECT ...) is a semi join (u.k has NULLs and duplicates); EXISTS and NOT IN stay
     * subplans in the planner, so anti and mark joins are checked in test_spill_join_types.c */
    sh_check_spills("SELECT count(*), sum(k), sum(v) FROM t WHERE k IN (SELECT k FROM u)");
    sh_check_spills("SELECT count(*), sum(length(g)) FROM t WHERE g IN (SELECT g FROM u)");
}
END_TEST

START_TEST(test_spill_join_rows_listed)
{
    /* the rows themselves, not just checksums (the sort above spills too) */
    sh_check_same("SELECT t.k, t.g, u.w, u.b FROM t FULL JOIN u ON t.k = u.k "
                  "ORDER BY t.k NULLS FIRST, u.b NULLS FIRST");
}
END_TEST

START_TEST(test_spill_join_deep_partitions)
{
    /* wide build rows: 32 partitions of ~25,000 rows do not fit 64kB, so they split again */
    sh_check_spills("SELECT count(*), sum(t.k), sum(length(x.p)) FROM t JOIN "
                    "(SELECT k, repeat(g, 4) || b AS p FROM u) AS x ON t.k = x.k");
}
END_TEST

START_TEST(test_spill_join_one_big_key_is_53200)
{
    /* every row of u has the one key 0: no split helps */
    int64_t live_before = spill_file_live_count();
    char state[8];
    const char *sql = "SELECT count(*), sum(u.k) FROM s JOIN u ON s.v * 0 = u.w * 0";
    Answer failed = sh_run(sql, "64kB", state);
    ck_assert_str_eq(state, "53200");
    const birch_error *error = birch_last_error(sh_db);
    ck_assert_ptr_nonnull(error);
    ck_assert_ptr_nonnull(error->detail);
    ck_assert_msg(strstr(error->detail, "levels of spilling") != NULL, "detail: %s",
                  error->detail);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    /* a budget that holds one key's rows works */
    Answer fine = sh_run(sql, "2MB", state);
    ck_assert_str_eq(state, "");
    Answer memory = sh_run(sql, "4GB", state);
    ck_assert_str_eq(state, "");
    ck_assert_str_eq(fine.text, memory.text);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    free(failed.text);
    free(fine.text);
    free(memory.text);
}
END_TEST

START_TEST(test_spill_join_nested_loop_blocks)
{
    /* no key to partition by: a block nested loop (build blocks in memory, the probe side
     * read again from its file per block); before, 53200 */
    static const char *const TYPES[] = { "JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN" };
    for (size_t idx = 0; idx < 4; idx++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT count(*), count(na.x), count(nb.y), sum(na.x), sum(nb.y), "
                 "sum(length(nb.q)), sum(length(na.p)), count(*) FILTER (WHERE nb.q IS NULL) "
                 "FROM na %s nb ON na.x < nb.y + 1 AND na.x > nb.y - 2", TYPES[idx]);
        sh_check_spills(sql);
    }
    /* the rows themselves */
    sh_check_same("SELECT na.x, na.p, nb.y, nb.q FROM na FULL JOIN nb ON na.x < nb.y + 1 "
                  "AND na.x > nb.y - 2 ORDER BY 1 NULLS FIRST, 2 NULLS FIRST, 3 NULLS FIRST, "
                  "4 NULLS FIRST");
    /* a block nested loop below a correlated subquery's rescan */
    sh_check_same("SELECT s.v, (SELECT count(*) + sum(length(nb.q)) FROM na LEFT JOIN nb "
                  "ON na.x < nb.y + 1 AND na.x > nb.y - 2 WHERE na.x % 10 = s.v) "
                  "FROM s ORDER BY 1");
}
END_TEST

START_TEST(test_spill_join_correlated_rescan)
{
    /* a spilled join below a correlated subquery's rescan: files are closed on rescan */
    sh_check_same("SELECT k, (SELECT count(*) FROM t AS a JOIN u ON a.k = u.k WHERE a.v = s.k) "
                  "FROM (VALUES (0), (1), (2), (3)) AS s(k) ORDER BY k");
}
END_TEST

/* ------------------------------------------------------------------ windows ---- */

START_TEST(test_spill_window_ranking)
{
    sh_check_same("SELECT k, row_number() OVER (ORDER BY k DESC), rank() OVER (ORDER BY v), "
                  "dense_rank() OVER (PARTITION BY v ORDER BY g) FROM t ORDER BY k");
    sh_check_same("SELECT k, percent_rank() OVER (PARTITION BY k % 7 ORDER BY v), "
                  "cume_dist() OVER (ORDER BY n), ntile(5) OVER (ORDER BY k) FROM t ORDER BY k");
}
END_TEST

START_TEST(test_spill_window_lag_lead_values)
{
    sh_check_same("SELECT k, lag(g) OVER (ORDER BY k), lead(n, 3, -1) OVER (PARTITION BY v "
                  "ORDER BY k), first_value(g) OVER (PARTITION BY k % 100 ORDER BY k), "
                  "last_value(k) OVER (ORDER BY v ROWS BETWEEN 2 PRECEDING AND 5 FOLLOWING) "
                  "FROM t ORDER BY k");
}
END_TEST

START_TEST(test_spill_window_frames)
{
    sh_check_same("SELECT k, sum(v) OVER (ORDER BY k), sum(n) OVER (PARTITION BY v ORDER BY k "
                  "ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING), count(*) OVER (PARTITION BY k % 50), "
                  "avg(f) OVER (ORDER BY k RANGE BETWEEN 10 PRECEDING AND 10 FOLLOWING) "
                  "FROM t ORDER BY k");
    sh_check_same("SELECT k, max(g) OVER (ORDER BY v GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW), "
                  "sum(v) FILTER (WHERE k % 2 = 0) OVER (PARTITION BY k % 10) FROM t ORDER BY k");
}
END_TEST

START_TEST(test_spill_window_without_sort_spills)
{
    /* OVER () sorts nothing: only the window spills, so a full disk fails it */
    sh_check_spills("SELECT sum(c), sum(s), min(k), max(k) FROM "
                    "(SELECT k, count(*) OVER () AS c, sum(v) OVER () AS s FROM t) AS x");
    sh_check_same("SELECT k, g, sum(v) OVER (), count(*) OVER () FROM t ORDER BY k");
}
END_TEST

START_TEST(test_spill_window_rescan)
{
    sh_check_same("SELECT s.k, (SELECT max(r) FROM (SELECT row_number() OVER () + s.k AS r "
                  "FROM t) AS x) FROM (VALUES (1), (2), (3)) AS s(k) ORDER BY 1");
}
END_TEST

static Suite *spill_join_suite(void)
{
    Suite *suite = suite_create("spill_join");
    TCase *joins = tcase_create("joins");
    tcase_add_unchecked_fixture(joins, db_create, sh_db_remove);
    tcase_add_checked_fixture(joins, sh_db_setup, sh_db_teardown);
    tcase_set_timeout(joins, 120);
    tcase_add_test(joins, test_spill_join_inner_int_key);
    tcase_add_test(joins, test_spill_join_outer_int_key);
    tcase_add_test(joins, test_spill_join_text_and_multi_keys);
    tcase_add_test(joins, test_spill_join_semi);
    tcase_add_test(joins, test_spill_join_rows_listed);
    tcase_add_test(joins, test_spill_join_deep_partitions);
    tcase_add_test(joins, test_spill_join_one_big_key_is_53200);
    tcase_add_test(joins, test_spill_join_nested_loop_blocks);
    tcase_add_test(joins, test_spill_join_correlated_rescan);
    tcase_add_test(joins, test_spill_window_ranking);
    tcase_add_test(joins, test_spill_window_lag_lead_values);
    tcase_add_test(joins, test_spill_window_frames);
    tcase_add_test(joins, test_spill_window_without_sort_spills);
    tcase_add_test(joins, test_spill_window_rescan);
    suite_add_tcase(suite, joins);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(spill_join_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
