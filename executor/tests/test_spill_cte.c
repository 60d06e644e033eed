/* executor/tests/test_spill_cte.c: CTE materialization and recursive unions (op_cte.c) past
 * work_mem.
 *
 * Every query runs through birch.h with work_mem = 4GB (in memory) and 64kB, and the answers
 * must be identical; a query that must spill also fails with 53100 at 64kB when the temporary
 * file cannot be written or created (spill_harness.h), so the CTE or the recursive union is
 * what spilled: the queries fold their rows with plain aggregates, which never spill, and read
 * tables through scans. Before these spilled, a recursive union failed with 53200 at 64kB and
 * a CTE's rows grew in memory without a bound. After every statement, failed or not, no spill
 * file and no reader is left open. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/failpoint.h"
#include "executor/spill.h"
#include "executor/tests/spill_harness.h"
#include "include/birch.h"

/* db_create (once, before the tests fork): t (20,000 rows: int keys, text with NULLs). */
static void db_create(void)
{
    sh_db_create("spill-cte");
    sh_exec_ok("CREATE TABLE t (k int, g text, v int)");
    sh_exec_ok("CREATE TABLE s (v int)");
    sh_exec_ok("INSERT INTO s SELECT i FROM generate_series(1, 4) AS x(i)");
    sh_exec_ok("INSERT INTO t SELECT i, CASE WHEN i % 97 = 0 THEN NULL "
               "ELSE 'key ' || (i * 7 % 7919) || repeat('x', i % 23) END, i % 13 "
               "FROM generate_series(1, 20000) AS x(i)");
    sh_db_loaded();
}

/* check_spills_no_reader: sh_check_spills, and no SpillReader stays open. */
static void check_spills_no_reader(const char *sql)
{
    int64_t readers_before = spill_reader_live_count();
    sh_check_spills(sql);
    ck_assert_int_eq(spill_reader_live_count(), readers_before);
}

START_TEST(test_spill_cte_two_scans)
{
    /* one materialized CTE, two scans of it (a hash join reads one, then the other) */
    check_spills_no_reader("WITH c AS MATERIALIZED (SELECT k, g, v FROM t WHERE v <> 5) "
                           "SELECT count(*), sum(a.k), sum(length(b.g)), count(b.g) "
                           "FROM c AS a JOIN c AS b ON a.k = b.k + 1");
    /* a CTE of many columns read once, with NULLs */
    check_spills_no_reader("WITH c AS MATERIALIZED (SELECT k, g, v, g || k AS h FROM t) "
                           "SELECT count(*), count(g), sum(length(h)), sum(v) FROM c");
}
END_TEST

START_TEST(test_spill_cte_interleaved_readers_rescan)
{
    /* the outer scan of c is part read while the correlated subquery's scan of c is rescanned
     * and read again for every outer row: two readers of one file, each at its own offset */
    check_spills_no_reader("WITH c AS MATERIALIZED (SELECT k, g FROM t) "
                           "SELECT count(*), sum(x.n) FROM (SELECT a.k, (SELECT count(*) FROM c AS b "
                           "WHERE b.k BETWEEN a.k - 3 AND a.k + 3 AND b.g IS NOT NULL) AS n "
                           "FROM c AS a WHERE a.k % 400 = 0) AS x");
    sh_check_same("WITH c AS MATERIALIZED (SELECT k, g FROM t) SELECT a.k, (SELECT max(b.g) "
                  "FROM c AS b WHERE b.k BETWEEN a.k - 5 AND a.k) FROM c AS a "
                  "WHERE a.k % 1000 = 1 ORDER BY a.k");
}
END_TEST

START_TEST(test_spill_recursive_union_all)
{
    /* the anchor's 20,000 rows are the first working table: it goes to a file, and every
     * iteration's table after it */
    check_spills_no_reader("WITH RECURSIVE r(k, g, d) AS (SELECT k, g, 0 FROM t UNION ALL "
                           "SELECT k, g, d + 1 FROM r WHERE d < 3 AND k % (d + 2) = 0) "
                           "SELECT count(*), sum(k), sum(d), count(g), sum(length(g)) FROM r");
    /* many small iterations (one row each, never spilled) stay right too */
    sh_check_same("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
                  "WHERE n < 3000) SELECT count(*), sum(n) FROM r");
    /* generate_series is a recursive union: 6,000 rows at 64kB were 53200 */
    sh_check_same("SELECT count(*), sum(i), max(i) FROM generate_series(1, 6000) AS x(i)");
}
END_TEST

START_TEST(test_spill_recursive_union_distinct)
{
    /* UNION drops rows seen before (the seen set in memory), the working tables spill */
    check_spills_no_reader("WITH RECURSIVE r(k, g) AS (SELECT k % 9000, g FROM t UNION "
                           "SELECT (k * 7 + 1) % 9000, g FROM r WHERE k % 3 = 0) "
                           "SELECT count(*), sum(k), count(g), sum(length(g)) FROM r");
}
END_TEST

START_TEST(test_spill_recursive_union_rescan)
{
    /* a spilling recursive CTE inside a correlated subquery: rescanned per outer row */
    sh_check_same("WITH RECURSIVE r(k, d) AS (SELECT k, 0 FROM t UNION ALL SELECT k, d + 1 "
                  "FROM r WHERE d < 2) SELECT s.v, (SELECT count(*) + sum(k) + sum(d) FROM r "
                  "WHERE r.k % 4 = s.v % 4) FROM s ORDER BY 1");
}
END_TEST

START_TEST(test_spill_cte_create_table_as)
{
    /* CREATE TABLE AS puts an insert above the statement's root: the CTE's file is still closed
     * when that root closes, and the table gets every row */
    int64_t files_before = spill_file_live_count();
    int64_t readers_before = spill_reader_live_count();
    const char *create = "CREATE TABLE x AS WITH c AS MATERIALIZED (SELECT k, g FROM t) "
                         "SELECT a.k, b.g FROM c AS a JOIN c AS b ON a.k = b.k";
    sh_exec_ok("SET work_mem = '64kB'");
    /* it spills: without a temporary file it fails (and leaves nothing open) */
    fp_set("exec.spill.create", FP_ACTION_ERROR, 0, 0);
    eh_exec_fails(sh_db, create, "53100", NULL);
    fp_clear("exec.spill.create");
    ck_assert_int_eq(spill_file_live_count(), files_before);
    ck_assert_int_eq(spill_reader_live_count(), readers_before);
    sh_exec_ok(create);
    ck_assert_int_eq(spill_file_live_count(), files_before);
    ck_assert_int_eq(spill_reader_live_count(), readers_before);
    char state[8];
    EhAnswer copied = sh_run("SELECT count(*), count(g), sum(k), sum(length(g)) FROM x", "4GB",
                             state);
    ck_assert_str_eq(state, "");
    EhAnswer source = sh_run("SELECT count(*), count(g), sum(k), sum(length(g)) FROM t", "4GB",
                             state);
    ck_assert_str_eq(state, "");
    ck_assert_str_eq(copied.text, source.text);
    free(copied.text);
    free(source.text);
    sh_exec_ok("DROP TABLE x");
}
END_TEST

static Suite *spill_cte_suite(void)
{
    Suite *suite = suite_create("spill_cte");
    TCase *ctes = tcase_create("ctes");
    tcase_add_unchecked_fixture(ctes, db_create, sh_db_remove);
    tcase_add_checked_fixture(ctes, sh_db_setup, sh_db_teardown);
    tcase_set_timeout(ctes, 120);
    tcase_add_test(ctes, test_spill_cte_two_scans);
    tcase_add_test(ctes, test_spill_cte_interleaved_readers_rescan);
    tcase_add_test(ctes, test_spill_recursive_union_all);
    tcase_add_test(ctes, test_spill_recursive_union_distinct);
    tcase_add_test(ctes, test_spill_recursive_union_rescan);
    tcase_add_test(ctes, test_spill_cte_create_table_as);
    suite_add_tcase(suite, ctes);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(spill_cte_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
