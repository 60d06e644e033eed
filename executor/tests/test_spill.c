/* executor/tests/test_spill.c: spill files (spill.h) and the operators that spill past
 * work_mem: hash aggregation (op_agg.c), the external sort (op_sort.c) and set operations
 * (op_setop.c).
 *
 * Every query runs twice through birch.h, once with work_mem = 4GB (in memory) and once with
 * work_mem = 64kB (PostgreSQL's minimum), and the answers must be identical. That each query
 * really spilled is shown by arming the failpoint exec.spill.write: the 64kB sh_run must then fail
 * with 53100 and the in-memory sh_run must not. After every statement, failed or not, no spill
 * file is left open (spill_file_live_count). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/datetime.h"
#include "common/failpoint.h"
#include "executor/spill.h"
#include "executor/tests/spill_harness.h"
#include "include/birch.h"

static void check_ok(Error *err)
{
    if (err != NULL) {
        ck_abort_msg("unexpected error %s: %s", sqlstate_code(err->state), err->message);
    }
}

/* ------------------------------------------------------------- spill files ---- */

static const Type T_I16 = { TYPE_INT2, -1 };
static const Type T_I32 = { TYPE_INT4, -1 };
static const Type T_I64 = { TYPE_INT8, -1 };
static const Type T_F64 = { TYPE_FLOAT8, -1 };
static const Type T_BOOL = { TYPE_BOOL, -1 };
static const Type T_TEXT = { TYPE_TEXT, -1 };
static const Type T_NUM = { TYPE_NUMERIC, -1 };
static const Type T_INTERVAL = { TYPE_INTERVAL, -1 };

enum { FILE_COLUMNS = 8 };

/* fill_chunk: rows [base, base + count) of a deterministic table: every 5th row NULL in a
 * column depending on the row, long and short strings, numerics of several sizes. */
static void fill_chunk(DataChunk *chunk, const Type *types, uint32_t base, uint32_t count,
                       Arena *arena)
{
    check_ok(chunk_init(chunk, types, FILE_COLUMNS, arena));
    check_ok(chunk_reserve(chunk, count));
    for (uint32_t row = 0; row < count; row++) {
        uint32_t value = base + row;
        vec_i16(&chunk->columns[0])[row] = (int16_t)(value % 30000);
        vec_i32(&chunk->columns[1])[row] = (int32_t)value * 7;
        vec_i64(&chunk->columns[2])[row] = (int64_t)value * 1000000007LL;
        vec_f64(&chunk->columns[3])[row] = value / 3.0;
        vec_bool(&chunk->columns[4])[row] = value % 2 == 0;
        char text[64];
        int size = snprintf(text, sizeof text, value % 3 == 0 ? "s%u" : "a longer string %u",
                            value);
        check_ok(vec_str_set(&chunk->columns[5], row, text, (uint32_t)size));
        snprintf(text, sizeof text, value % 4 == 0 ? "%u.5" : "-123456789012345678901.%u",
                 value);
        Numeric num;
        check_ok(numeric_from_text(text, arena, &num));
        check_ok(vec_numeric_set(&chunk->columns[6], row, &num));
        DtInterval *interval = &((DtInterval *)chunk->columns[7].data)[row];
        *interval = (DtInterval){ .time = value, .day = (int32_t)value % 31,
                                  .month = 1 };
        check_ok(vec_set_null(&chunk->columns[value % FILE_COLUMNS], row));
    }
    chunk->row_count = count;
}

static void row_text(const DataChunk *chunk, uint32_t row, char *out, size_t size)
{
    size_t used = 0;
    for (uint32_t col_idx = 0; col_idx < FILE_COLUMNS; col_idx++) {
        const Vector *vec = &chunk->columns[col_idx];
        char value[128] = "N";
        if (!vec_is_null(vec, row)) {
            switch ((VecPhys)vec->phys) {
            case VEC_PHYS_I16: snprintf(value, sizeof value, "%d", vec_i16(vec)[row]); break;
            case VEC_PHYS_I32: snprintf(value, sizeof value, "%d", vec_i32(vec)[row]); break;
            case VEC_PHYS_I64:
                snprintf(value, sizeof value, "%lld", (long long)vec_i64(vec)[row]);
                break;
            case VEC_PHYS_F64: snprintf(value, sizeof value, "%.17g", vec_f64(vec)[row]); break;
            case VEC_PHYS_BOOL: snprintf(value, sizeof value, "%d", vec_bool(vec)[row]); break;
            case VEC_PHYS_STR: {
                const StrView *view = &vec_str(vec)[row];
                snprintf(value, sizeof value, "%.*s", (int)view->size, str_view_data(view));
                break;
            }
            case VEC_PHYS_NUMERIC: {
                char digits[128];
                numeric_format(&vec_numeric(vec)[row], digits);
                snprintf(value, sizeof value, "%s", digits);
                break;
            }
            case VEC_PHYS_INTERVAL: {
                const DtInterval *interval = &((const DtInterval *)vec->data)[row];
                snprintf(value, sizeof value, "%lld/%d/%d", (long long)interval->time,
                         interval->day, interval->month);
                break;
            }
            default: ck_abort_msg("unexpected form %d", vec->phys);
            }
        }
        used += (size_t)snprintf(out + used, size - used, "%s|", value);
    }
}

START_TEST(test_spill_file_round_trip_all_forms)
{
    const Type types[FILE_COLUMNS] = { T_I16, T_I32, T_I64, T_F64, T_BOOL, T_TEXT, T_NUM,
                                       T_INTERVAL };
    Arena *arena = arena_create(1 << 16);
    Arena *read_arena = arena_create(1 << 16);
    int64_t live_before = spill_file_live_count();
    SpillFile *file;
    check_ok(spill_file_create(NULL, &file));
    ck_assert_int_eq(spill_file_live_count(), live_before + 1);
    /* blocks of several sizes, some through a selection (odd rows only) */
    const uint32_t sizes[] = { 1, 700, 2048, 3, 1500, 2048, 90 };
    uint32_t base = 0, expected_rows = 0;
    char **expected = calloc(20000, sizeof(char *));
    for (size_t idx = 0; idx < sizeof sizes / sizeof sizes[0]; idx++) {
        DataChunk chunk;
        fill_chunk(&chunk, types, base, sizes[idx], arena);
        uint16_t sel[VEC_VALUE_COUNT_MAX];
        uint32_t sel_count = 0;
        for (uint32_t row = 1; row < sizes[idx]; row += 2) sel[sel_count++] = (uint16_t)row;
        bool use_sel = idx % 2 == 1;
        check_ok(spill_file_write(file, chunk.columns, FILE_COLUMNS, use_sel ? sel : NULL,
                                  use_sel ? sel_count : sizes[idx]));
        for (uint32_t pos = 0; pos < (use_sel ? sel_count : sizes[idx]); pos++) {
            char text[1024];
            row_text(&chunk, use_sel ? sel[pos] : pos, text, sizeof text);
            expected[expected_rows++] = strdup(text);
        }
        base += sizes[idx];
        arena_reset(arena);
    }
    ck_assert_uint_eq(spill_file_rows(file), expected_rows);
    check_ok(spill_file_rewind(file));
    ck_assert_uint_gt(spill_file_bytes(file), 0);
    uint32_t got_rows = 0, chunk_count = 0;
    for (;;) {
        arena_reset(read_arena);
        DataChunk *chunk;
        check_ok(spill_file_read(file, types, FILE_COLUMNS, read_arena, &chunk));
        if (chunk == NULL) break;
        chunk_count++;
        ck_assert_uint_le(chunk->row_count, VEC_VALUE_COUNT_MAX);
        ck_assert_int_eq(chunk->columns[6].phys, VEC_PHYS_NUMERIC);
        for (uint32_t row = 0; row < chunk->row_count; row++) {
            char text[1024];
            row_text(chunk, row, text, sizeof text);
            ck_assert_uint_lt(got_rows, expected_rows);
            ck_assert_str_eq(text, expected[got_rows]);
            got_rows++;
        }
    }
    ck_assert_uint_eq(got_rows, expected_rows);
    ck_assert_uint_lt(chunk_count, 7);   /* small blocks were coalesced */
    spill_file_close(file);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    for (uint32_t idx = 0; idx < expected_rows; idx++) free(expected[idx]);
    free(expected);
    arena_destroy(arena);
    arena_destroy(read_arena);
}
END_TEST

START_TEST(test_spill_file_mismatched_types_are_corrupt)
{
    Arena *arena = arena_create(1 << 16);
    SpillFile *file;
    check_ok(spill_file_create(NULL, &file));
    Vector vec;
    vec_init(&vec, T_I32, arena);
    check_ok(vec_reserve(&vec, 4));
    for (int row = 0; row < 4; row++) vec_i32(&vec)[row] = row;
    check_ok(spill_file_write(file, &vec, 1, NULL, 4));
    check_ok(spill_file_rewind(file));
    DataChunk *chunk;
    Error *err = spill_file_read(file, &T_TEXT, 1, arena, &chunk);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "XX001");
    err_free(err);
    spill_file_close(file);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_spill_file_full_disk_is_53100)
{
    Arena *arena = arena_create(1 << 16);
    int64_t live_before = spill_file_live_count();
    SpillFile *file;
    check_ok(spill_file_create(NULL, &file));
    Vector vec;
    vec_init(&vec, T_I64, arena);
    check_ok(vec_reserve(&vec, VEC_VALUE_COUNT_MAX));
    memset(vec.data, 7, VEC_VALUE_COUNT_MAX * sizeof(int64_t));
    fp_set("exec.spill.write", FP_ACTION_ERROR, 0, 0);
    Error *err = NULL;
    for (int round = 0; round < 64 && err == NULL; round++) {
        err = spill_file_write(file, &vec, 1, NULL, VEC_VALUE_COUNT_MAX);
    }
    fp_clear("exec.spill.write");
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "53100");
    err_free(err);
    spill_file_close(file);
    /* a directory that cannot hold files */
    err = spill_file_create("/nonexistent/birch-spill-dir", &file);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "58030");
    err_free(err);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    arena_destroy(arena);
}
END_TEST

/* ------------------------------------------------------------------ queries ---- */

typedef EhAnswer Answer;

/* db_create (once, before the tests fork): the table every query reads. */
static void db_create(void)
{
    sh_db_create("spill");
    sh_exec_ok("CREATE TABLE t (k int, g text, n numeric(12,2), v int, f float8)");
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
    sh_db_loaded();
}

START_TEST(test_spill_agg_int_key)
{
    sh_check_spills("SELECT k % 20011 AS g, count(*), sum(v), avg(v), min(v), max(v), sum(f) "
                    "FROM t GROUP BY 1 ORDER BY 1");
}
END_TEST

START_TEST(test_spill_agg_int_key_with_null_group)
{
    sh_check_spills("SELECT CASE WHEN k % 11 = 0 THEN NULL ELSE k % 9001 END AS kk, count(*), "
                    "count(v), sum(n) FROM t GROUP BY 1 ORDER BY 1 NULLS FIRST");
}
END_TEST

START_TEST(test_spill_agg_text_key_null_group)
{
    sh_check_spills("SELECT g, count(*), sum(n), avg(n), min(n), max(n), min(k), max(k) FROM t "
                    "GROUP BY g ORDER BY g NULLS FIRST");
}
END_TEST

START_TEST(test_spill_agg_numeric_key_distinct_filter)
{
    /* few rows per group: the DISTINCT sets of the groups kept in memory stay small (see
     * test_spill_agg_distinct_sets_outgrow for many) */
    sh_check_spills("SELECT n, count(DISTINCT v), sum(DISTINCT v), count(*) FILTER (WHERE v > 5), "
                    "avg(k) FILTER (WHERE g IS NULL), max(g) FROM t WHERE k % 4 = 0 "
                    "GROUP BY n ORDER BY n");
    sh_check_spills("SELECT k % 20011, count(DISTINCT g), count(DISTINCT v) FILTER (WHERE k > 9), "
                    "string_agg(DISTINCT g, ';' ORDER BY g) FROM t GROUP BY 1 ORDER BY 1");
}
END_TEST

START_TEST(test_spill_agg_string_agg_array_agg)
{
    sh_check_spills("SELECT k % 3001 AS m, string_agg(v::text, ',' ORDER BY k), "
                    "array_agg(k ORDER BY k DESC) FROM t GROUP BY 1 ORDER BY 1");
}
END_TEST

START_TEST(test_spill_agg_multi_key_and_distinct_rows)
{
    sh_check_spills("SELECT k % 101 AS a, v, count(*), min(g) FROM t GROUP BY 1, 2 "
                    "HAVING count(*) > 1 ORDER BY 1, 2 NULLS LAST");
    sh_check_spills("SELECT DISTINCT g, v FROM t ORDER BY 1 NULLS FIRST, 2 NULLS FIRST");
}
END_TEST

START_TEST(test_spill_sort_mixed_keys)
{
    sh_check_spills("SELECT k, g, n, v FROM t ORDER BY g DESC NULLS LAST, n, k");
    sh_check_spills("SELECT k, g, n FROM t ORDER BY n DESC NULLS FIRST, k DESC");
}
END_TEST

START_TEST(test_spill_sort_top_n_and_stability)
{
    /* top-N with a big bound spills; equal keys keep arrival order either way */
    sh_check_spills("SELECT k, v FROM t ORDER BY v LIMIT 15000 OFFSET 3");
    sh_check_spills("SELECT k, v, f FROM (SELECT * FROM t ORDER BY k) AS s ORDER BY v NULLS FIRST");
}
END_TEST

START_TEST(test_spill_small_top_n_stays_in_memory)
{
    /* LIMIT 10 keeps 10 rows: no spill even at 64kB, so a full disk does not matter */
    char state[8];
    Answer memory = sh_run("SELECT k, g FROM t ORDER BY n DESC, k LIMIT 10", "4GB", state);
    ck_assert_str_eq(state, "");
    fp_set("exec.spill.write", FP_ACTION_ERROR, 0, 0);
    Answer small = sh_run("SELECT k, g FROM t ORDER BY n DESC, k LIMIT 10", "64kB", state);
    fp_clear("exec.spill.write");
    ck_assert_str_eq(state, "");
    ck_assert_str_eq(small.text, memory.text);
    ck_assert_int_eq(small.rows, 10);
    free(memory.text);
    free(small.text);
}
END_TEST

START_TEST(test_spill_agg_without_keys_unspillable)
{
    /* count(DISTINCT) without GROUP BY: one group, nothing to spill; it still works while its
     * set stays within AGG_UNSPILLABLE_FACTOR x work_mem, then 53200 */
    char state[8];
    Answer small = sh_run("SELECT count(DISTINCT v), count(*) FROM t", "64kB", state);
    ck_assert_str_eq(state, "");
    ck_assert_int_eq(small.rows, 1);
    Answer big = sh_run("SELECT count(DISTINCT k) FROM t", "64kB", state);
    ck_assert_str_eq(state, "53200");
    Answer fine = sh_run("SELECT count(DISTINCT k) FROM t", "4GB", state);
    ck_assert_str_eq(state, "");
    free(small.text);
    free(big.text);
    free(fine.text);
}
END_TEST

START_TEST(test_spill_setops)
{
    sh_check_spills("SELECT k % 7001 AS a, v FROM t UNION SELECT k % 5003, v FROM t "
                    "ORDER BY 1, 2 NULLS FIRST");
    sh_check_spills("SELECT k % 7001, g FROM t INTERSECT SELECT k % 5003, g FROM t "
                    "ORDER BY 1, 2 NULLS FIRST");
    sh_check_spills("SELECT k % 7001, v FROM t INTERSECT ALL SELECT k % 5003, v FROM t "
                    "ORDER BY 1, 2 NULLS FIRST");
    sh_check_spills("SELECT k % 9001, n FROM t EXCEPT SELECT k % 5003, n FROM t "
                    "ORDER BY 1, 2 NULLS FIRST");
    sh_check_spills("SELECT k % 9001, v FROM t EXCEPT ALL SELECT k % 5003, v FROM t WHERE k > 100 "
                    "ORDER BY 1, 2 NULLS FIRST");
}
END_TEST

static Suite *spill_suite(void)
{
    Suite *suite = suite_create("spill");
    TCase *files = tcase_create("files");
    tcase_add_test(files, test_spill_file_round_trip_all_forms);
    tcase_add_test(files, test_spill_file_mismatched_types_are_corrupt);
    tcase_add_test(files, test_spill_file_full_disk_is_53100);
    suite_add_tcase(suite, files);
    TCase *queries = tcase_create("queries");
    tcase_add_unchecked_fixture(queries, db_create, sh_db_remove);
    tcase_add_checked_fixture(queries, sh_db_setup, sh_db_teardown);
    tcase_set_timeout(queries, 120);
    tcase_add_test(queries, test_spill_agg_int_key);
    tcase_add_test(queries, test_spill_agg_int_key_with_null_group);
    tcase_add_test(queries, test_spill_agg_text_key_null_group);
    tcase_add_test(queries, test_spill_agg_numeric_key_distinct_filter);
    tcase_add_test(queries, test_spill_agg_string_agg_array_agg);
    tcase_add_test(queries, test_spill_agg_multi_key_and_distinct_rows);
    tcase_add_test(queries, test_spill_sort_mixed_keys);
    tcase_add_test(queries, test_spill_sort_top_n_and_stability);
    tcase_add_test(queries, test_spill_small_top_n_stays_in_memory);
    tcase_add_test(queries, test_spill_agg_without_keys_unspillable);
    tcase_add_test(queries, test_spill_setops);
    suite_add_tcase(suite, queries);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(spill_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
