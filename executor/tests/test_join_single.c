/* executor/tests/test_join_single.c: op_join.c's single-match path (one integer key, no key
 * repeated on the build side, no extra filter; inner, left, right and full joins) end to end
 * through birch.h, every answer against the same join on text keys (the general path):
 * - a dense build side (the direct array with presence bits and key-ordered payload arrays)
 *   with holes in its key range, build columns of every fixed width (bool, int2, int4, int8,
 *   float8), a column with NULLs (gathered by row id), a text column (the general gather);
 * - probe keys that are NULL, outside the build range, in a hole, or match, over several
 *   probe chunks (a chunk boundary) and a probe side narrowed by a filter (a selection);
 * - the build key column shared from the probe key column (inner/right) and NULL for unmatched
 *   rows of left/full joins;
 * - a sparse unique build side (the integer hash table), a key that is not a plain column, keys
 *   of two widths, a build side with one repeated key (falls back to the pair rounds), empty
 *   and all-NULL build sides;
 * - the same joins spilled (work_mem 64kB) against in memory.
 * Sizes scale with BIRCH_TEST_SCALE. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static char db_path[1024];

/* open_db: a fresh database for test name (its path kept for close_db). */
static birch_db *open_db(const char *name)
{
    snprintf(db_path, sizeof db_path, "%s", eh_path("join_single", name));
    return eh_open(db_path);
}

static void close_db(birch_db *db)
{
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(db_path);
}

static int64_t scaled(int64_t count, int64_t minimum)
{
    double value = (double)count * eh_test_scale();
    return value < (double)minimum ? minimum : (int64_t)value;
}

/* wide_tables: d (unique keys from build_key over i in [0, build)) with columns of every fixed
 * width, one with NULLs and a text one; f (probe_key over i in [0, probe)). */
static void wide_tables(birch_db *db, int64_t build, int64_t probe, const char *key_type,
                        const char *build_key, const char *probe_key)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE TABLE d(k %s, w int4, x int8, b bool, s int2, fl float8, t text)", key_type);
    eh_exec_ok(db, sql);
    snprintf(sql, sizeof sql, "CREATE TABLE f(k %s, v int4)", key_type);
    eh_exec_ok(db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO d SELECT %s, (i %% 10)::int4, CASE WHEN i %% 13 = 0 THEN NULL ELSE "
             "i * 1000 END, i %% 3 = 0, (i %% 300)::int2, i / 4.0, 'row ' || i || "
             "' of the build side' FROM generate_series(0, %" PRId64 ") g(i)",
             build_key, build - 1);
    eh_exec_ok(db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO f SELECT %s, (i %% 5)::int4 FROM generate_series(0, %" PRId64 ") g(i)",
             probe_key, probe - 1);
    eh_exec_ok(db, sql);
}

/* check_against_text: every join type over the listed rows and aggregates, against text keys;
 * the fast join is `f JOIN d ON fast_on`. */
static void check_against_text(birch_db *db, const char *fast_on)
{
    static const char *const TYPES[] = {"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"};
    static const char *const SHAPES[] = {
        /* every column, every row, in a fixed order */
        "SELECT f.k, f.v, d.k, d.w, d.x, d.b, d.s, d.fl, d.t FROM f %s d ON %s "
        "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9",
        /* aggregates, and a probe side narrowed by a filter (a selection on its chunks) */
        "SELECT count(*), sum(d.w + f.v), count(d.k), count(f.k), sum(d.x), count(d.t), "
        "sum(d.s), sum(d.fl) FROM f %s d ON %s",
        "SELECT count(*), sum(d.w), count(d.k), sum(d.k), count(d.x), min(d.t) FROM "
        "(SELECT * FROM f WHERE v <> 2) f %s d ON %s",
    };
    for (size_t type = 0; type < sizeof TYPES / sizeof TYPES[0]; type++) {
        for (size_t shape = 0; shape < sizeof SHAPES / sizeof SHAPES[0]; shape++) {
            char fast[1024], reference[1024];
            snprintf(fast, sizeof fast, SHAPES[shape], TYPES[type], fast_on);
            snprintf(reference, sizeof reference, SHAPES[shape], TYPES[type],
                     "f.k::text = d.k::text");
            eh_expect_same_rows(db, fast, reference);
        }
    }
}

START_TEST(test_join_single_dense_every_type)
{
    birch_db *db = open_db("dense");
    int64_t build = scaled(6000, 2200), probe = scaled(16000, 4500);
    char probe_key[256];
    /* keys in [-60, build + 140): NULL every 17th, holes every 7th build key, out of range */
    snprintf(probe_key, sizeof probe_key,
             "CASE WHEN i %% 17 = 0 THEN NULL ELSE ((i * 7) %% %" PRId64 ") - 60 END",
             build + 200);
    wide_tables(db, build, probe, "int4", "CASE WHEN i % 7 = 3 THEN NULL ELSE i END",
                probe_key);
    check_against_text(db, "f.k = d.k");
    /* the build key column shared from the probe: equal on every inner row */
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM f JOIN d ON f.k = d.k "
                                   "WHERE d.k IS DISTINCT FROM f.k"), 0);
    /* left join: the build key is NULL exactly where nothing matched */
    int64_t matched = eh_scalar(db, "SELECT count(*) FROM f JOIN d ON f.k = d.k");
    ck_assert_int_eq(eh_scalar(db, "SELECT count(d.k) FROM f LEFT JOIN d ON f.k = d.k"), matched);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM f LEFT JOIN d ON f.k = d.k"), probe);
    /* the exact inner count from the generator */
    int64_t expected = 0;
    for (int64_t idx = 0; idx < probe; idx++) {
        if (idx % 17 == 0) continue;
        int64_t key = (idx * 7) % (build + 200) - 60;
        expected += key >= 0 && key < build && key % 7 != 3;
    }
    ck_assert_int_eq(matched, expected);
    close_db(db);
}
END_TEST

START_TEST(test_join_single_sparse_and_expression_keys)
{
    /* unique sparse keys: the integer hash table; then a key that is not a plain column */
    birch_db *db = open_db("sparse");
    int64_t build = scaled(3000, 2200), probe = scaled(9000, 4500);
    wide_tables(db, build, probe, "int8", "i::int8 * 1000003 - 5",
                "((i * 3) % 5000)::int8 * 1000003 - 5");
    check_against_text(db, "f.k = d.k");
    check_against_text(db, "f.k + 0 = d.k");
    close_db(db);
}
END_TEST

START_TEST(test_join_single_mixed_widths)
{
    /* int2 probe keys against int4 build keys: never shared, still one match per row */
    birch_db *db = open_db("widths");
    eh_exec_ok(db, "CREATE TABLE d(k int4, w int4)");
    eh_exec_ok(db, "CREATE TABLE f(k int2, v int4)");
    eh_exec_ok(db, "INSERT INTO d SELECT i, i * 3 FROM generate_series(-100, 2999) g(i)");
    eh_exec_ok(db, "INSERT INTO f SELECT CASE WHEN i % 11 = 0 THEN NULL ELSE (i % 5000 - 1000)::int2 "
                   "END, i FROM generate_series(0, 6999) g(i)");
    static const char *const TYPES[] = {"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"};
    for (size_t type = 0; type < 4; type++) {
        char fast[512], reference[512];
        snprintf(fast, sizeof fast, "SELECT f.k, d.k, d.w, f.v FROM f %s d ON f.k = d.k "
                 "ORDER BY 4, 2", TYPES[type]);
        snprintf(reference, sizeof reference, "SELECT f.k, d.k, d.w, f.v FROM f %s d ON "
                 "f.k::text = d.k::text ORDER BY 4, 2", TYPES[type]);
        eh_expect_same_rows(db, fast, reference);
    }
    close_db(db);
}
END_TEST

START_TEST(test_join_single_duplicate_falls_back)
{
    /* one repeated key among thousands: the pair rounds must emit both matches */
    birch_db *db = open_db("dup");
    int64_t build = scaled(4000, 2200), probe = scaled(10000, 4500);
    wide_tables(db, build, probe, "int4", "CASE WHEN i = 1234 THEN 75 ELSE i END",
                "(i * 5) % 6000");
    check_against_text(db, "f.k = d.k");
    /* probe key 75 meets two build rows */
    int64_t hits = eh_scalar(db, "SELECT count(*) FROM f WHERE k = 75");
    ck_assert_int_gt(hits, 0);
    ck_assert_int_eq(eh_scalar(db, "SELECT count(*) FROM f JOIN d ON f.k = d.k WHERE f.k = 75"),
                     2 * hits);
    close_db(db);
}
END_TEST

START_TEST(test_join_single_empty_and_null_build)
{
    birch_db *db = open_db("empty");
    eh_exec_ok(db, "CREATE TABLE d(k int4, w int4)");
    eh_exec_ok(db, "CREATE TABLE f(k int4, v int4)");
    eh_exec_ok(db, "INSERT INTO f SELECT i % 100, i FROM generate_series(0, 4999) g(i)");
    EH_ROWS_ARE(db, "SELECT count(*), count(d.w) FROM f LEFT JOIN d ON f.k = d.k", "5000|0");
    EH_ROWS_ARE(db, "SELECT count(*), count(d.w) FROM f FULL JOIN d ON f.k = d.k", "5000|0");
    eh_exec_ok(db, "INSERT INTO d VALUES (NULL, 1), (NULL, 2)");
    EH_ROWS_ARE(db, "SELECT count(*) FROM f JOIN d ON f.k = d.k", "0");
    EH_ROWS_ARE(db, "SELECT count(*), count(d.w), sum(f.v) FROM f LEFT JOIN d ON f.k = d.k",
                "5000|0|12497500");
    EH_ROWS_ARE(db, "SELECT count(*), count(d.w), count(f.k) FROM f FULL JOIN d ON f.k = d.k",
                "5002|2|5000");
    EH_ROWS_ARE(db, "SELECT count(*), count(f.k) FROM f RIGHT JOIN d ON f.k = d.k", "2|0");
    /* one real key: 50 probe rows match it */
    eh_exec_ok(db, "INSERT INTO d VALUES (42, 7)");
    EH_ROWS_ARE(db, "SELECT count(*), sum(d.w), min(d.k), max(f.k) FROM f JOIN d ON f.k = d.k",
                "50|350|42|42");
    EH_ROWS_ARE(db, "SELECT count(*), sum(d.w), count(d.k) FROM f LEFT JOIN d ON f.k = d.k",
                "5000|350|50");
    close_db(db);
}
END_TEST

START_TEST(test_join_single_spilled_matches_memory)
{
    /* the same joins at work_mem 64kB (Grace partitions, each built and probed by the single
     * path) and in memory */
    birch_db *db = open_db("spill");
    int64_t build = scaled(24000, 5000), probe = scaled(32000, 6000);
    char probe_key[256];
    snprintf(probe_key, sizeof probe_key,
             "CASE WHEN i %% 23 = 0 THEN NULL ELSE (i * 7) %% %" PRId64 " END", build + 500);
    wide_tables(db, build, probe, "int4", "i", probe_key);
    static const char *const QUERIES[] = {
        "SELECT count(*), sum(d.w + f.v), count(d.k), sum(d.x), count(d.t) FROM f JOIN d "
        "ON f.k = d.k",
        "SELECT count(*), sum(d.w), count(d.k), count(f.k), sum(d.s) FROM f LEFT JOIN d "
        "ON f.k = d.k",
        "SELECT count(*), sum(f.v), count(d.k), count(f.k) FROM f RIGHT JOIN d ON f.k = d.k",
        "SELECT count(*), count(d.k), count(f.k), sum(d.fl) FROM f FULL JOIN d ON f.k = d.k",
    };
    for (size_t idx = 0; idx < sizeof QUERIES / sizeof QUERIES[0]; idx++) {
        char state_big[6], state_small[6];
        EhAnswer big = eh_run(db, QUERIES[idx], "4GB", state_big);
        EhAnswer small = eh_run(db, QUERIES[idx], "64kB", state_small);
        ck_assert_msg(state_big[0] == 0 && state_small[0] == 0, "%s: %s / %s", QUERIES[idx],
                      state_big, state_small);
        ck_assert_ptr_nonnull(big.text);
        ck_assert_ptr_nonnull(small.text);
        ck_assert_msg(strcmp(big.text, small.text) == 0, "%s: %s vs %s", QUERIES[idx], big.text,
                      small.text);
        free(big.text);
        free(small.text);
    }
    close_db(db);
}
END_TEST

static Suite *join_single_suite(void)
{
    Suite *suite = suite_create("join_single");
    TCase *tc = tcase_create("single");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_join_single_dense_every_type);
    tcase_add_test(tc, test_join_single_sparse_and_expression_keys);
    tcase_add_test(tc, test_join_single_mixed_widths);
    tcase_add_test(tc, test_join_single_duplicate_falls_back);
    tcase_add_test(tc, test_join_single_empty_and_null_build);
    tcase_add_test(tc, test_join_single_spilled_matches_memory);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(join_single_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
