/* executor/tests/test_spill_join_types.c: every join type of the hash join (op_join.c) spilled
 * to partition files, and of the nested loop join in blocks, against the reference join computed
 * in C; and a window operator with several calls (op_window.c) spilled, against its reference.
 *
 * The planner builds only inner/left/right/full and semi hash joins today, so anti and mark
 * joins (and the others) are checked here at the operator level: test_op_heavy.c's chunk
 * sources, join plans and reference (included below with its main renamed, so both programs
 * share one definition) run with a tiny ExecCtx.work_mem, which makes the build side spill
 * (with NULL keys on both sides, duplicate keys, a residual filter, and a build side big enough
 * that partitions split again one level deeper). No spill file stays open afterwards. */
#define main op_heavy_main
#include "test_op_heavy.c"
#undef main

#include "common/failpoint.h"
#include "executor/spill.h"

/* check_join_spilled: check_join's hash join (or nested loop join if !is_hash) with work_mem
 * bytes of memory. */
static void check_join_spilled_as(bool is_hash, JoinType type, bool with_filter,
                                  uint32_t left_count, uint32_t right_count, uint32_t key_domain,
                                  size_t work_mem)
{
    Factory factory = is_hash ? op_hash_join_new : op_nl_join_new;
    int64_t live_before = spill_file_live_count();
    TestEnv *env = env_new();
    env->ctx.work_mem = work_mem;
    JoinData data = join_data(left_count, right_count, key_domain);
    TestCol left_cols[2] = { { .ints = data.lk, .nulls = data.lk_null }, { .ints = data.lv } };
    TestCol right_cols[2] = { { .ints = data.rk, .nulls = data.rk_null }, { .ints = data.rv } };
    Op *left = src_new(env, JOIN_TYPES, 2, left_cols, left_count, 1500);
    Op *right = src_new(env, JOIN_TYPES, 2, right_cols, right_count, 1000);
    Plan *plan = join_plan(env, is_hash, type, with_filter);
    Op *op = build_with(env, factory, plan, left, right);
    Rows got = run(op);
    Rows want = join_reference(&data, type, with_filter);
    rows_assert_equal(&got, &want, true);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    /* it spilled: with a full disk the same join fails with 53100 and closes its files */
    left = src_new(env, JOIN_TYPES, 2, left_cols, left_count, 1500);
    right = src_new(env, JOIN_TYPES, 2, right_cols, right_count, 1000);
    op = build_with(env, factory, join_plan(env, is_hash, type, with_filter), left, right);
    fp_set("exec.spill.write", FP_ACTION_ERROR, 0, 0);
    Rows partial = { 0 };
    Error *err = exec_open(op);
    if (err == NULL) err = drain(op, &partial);
    exec_close(op);
    fp_clear("exec.spill.write");
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "53100");
    err_free(err);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    rows_free(&partial);
    rows_free(&got);
    rows_free(&want);
    join_data_free(&data);
    env_free(env);
}

static void check_join_spilled(JoinType type, bool with_filter, uint32_t left_count,
                               uint32_t right_count, uint32_t key_domain, size_t work_mem)
{
    check_join_spilled_as(true, type, with_filter, left_count, right_count, key_domain, work_mem);
}

static const JoinType ALL_TYPES[] = { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL,
                                      JOIN_SEMI, JOIN_ANTI, JOIN_MARK };

START_TEST(test_spill_join_types_one_level)
{
    uint32_t left_count = scaled(6000, 3000), right_count = scaled(12000, 5000);
    for (size_t idx = 0; idx < sizeof ALL_TYPES / sizeof ALL_TYPES[0]; idx++) {
        check_join_spilled(ALL_TYPES[idx], false, left_count, right_count, 4001, 16 * 1024);
        check_join_spilled(ALL_TYPES[idx], true, left_count, right_count, 4001, 16 * 1024);
    }
}
END_TEST

START_TEST(test_spill_join_types_deeper)
{
    /* more than 32 x 2048 build rows: level-0 partitions still pass work_mem and split */
    uint32_t right_count = scaled(80000, 70000);
    for (size_t idx = 0; idx < sizeof ALL_TYPES / sizeof ALL_TYPES[0]; idx++) {
        check_join_spilled(ALL_TYPES[idx], idx % 2 == 1, 1500, right_count, 60001, 16 * 1024);
    }
}
END_TEST

START_TEST(test_spill_join_types_few_keys_fit)
{
    /* one partition per key, each small enough (at most one chunk is always admitted) */
    for (size_t idx = 0; idx < sizeof ALL_TYPES / sizeof ALL_TYPES[0]; idx++) {
        check_join_spilled(ALL_TYPES[idx], false, 400, 6000, 7, 4 * 1024);
    }
}
END_TEST

START_TEST(test_spill_join_types_nested_loop_blocks)
{
    /* a block nested loop: the build side of 1000-row chunks in blocks of about 3000 rows (a
     * block holds more than one chunk, then passes 16kB), the probe side read again per block;
     * 12000 build rows make 4 blocks, 3500 make a full block and a short last one, 2100 a last
     * block with no row (the block that passed work_mem held every row). A mark join without
     * keys has no NULL answer (test_op_heavy.c skips it too). */
    static const uint32_t RIGHT_COUNTS[] = { 12000, 3500, 2100 };
    for (size_t count_idx = 0; count_idx < 3; count_idx++) {
        for (size_t idx = 0; idx < sizeof ALL_TYPES / sizeof ALL_TYPES[0]; idx++) {
            if (ALL_TYPES[idx] == JOIN_MARK) continue;
            check_join_spilled_as(false, ALL_TYPES[idx], count_idx == 1, 2500,
                                  RIGHT_COUNTS[count_idx], 31, 16 * 1024);
        }
    }
}
END_TEST

START_TEST(test_spill_window_several_calls)
{
    /* one window operator with 14 calls at 16kB: the rows spill (3 blocks), the first call is
     * prepared while they are written, the other 13 read the file again (the last one with
     * RANGE offsets, whose per-row values the first call did not need) */
    int64_t live_before = spill_file_live_count();
    window_functions_run(16 * 1024, NULL);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    fp_set("exec.spill.write", FP_ACTION_ERROR, 0, 0);
    Error *err = NULL;
    window_functions_run(16 * 1024, &err);
    fp_clear("exec.spill.write");
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "53100");
    err_free(err);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    /* in memory: no file */
    window_functions_run(0, &err);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(spill_file_live_count(), live_before);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("spill_join_types");
    TCase *tcase = tcase_create("types");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_spill_join_types_one_level);
    tcase_add_test(tcase, test_spill_join_types_deeper);
    tcase_add_test(tcase, test_spill_join_types_few_keys_fit);
    tcase_add_test(tcase, test_spill_join_types_nested_loop_blocks);
    tcase_add_test(tcase, test_spill_window_several_calls);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
