/* executor/tests/test_spill_join_types.c: every join type of the hash join (op_join.c) spilled
 * to partition files, against the reference join computed in C.
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

/* check_join_spilled: check_join's hash join with work_mem bytes of memory. */
static void check_join_spilled(JoinType type, bool with_filter, uint32_t left_count,
                               uint32_t right_count, uint32_t key_domain, size_t work_mem)
{
    int64_t live_before = spill_file_live_count();
    TestEnv *env = env_new();
    env->ctx.work_mem = work_mem;
    JoinData data = join_data(left_count, right_count, key_domain);
    TestCol left_cols[2] = { { .ints = data.lk, .nulls = data.lk_null }, { .ints = data.lv } };
    TestCol right_cols[2] = { { .ints = data.rk, .nulls = data.rk_null }, { .ints = data.rv } };
    Op *left = src_new(env, JOIN_TYPES, 2, left_cols, left_count, 1500);
    Op *right = src_new(env, JOIN_TYPES, 2, right_cols, right_count, 1000);
    Plan *plan = join_plan(env, true, type, with_filter);
    Op *op = build_with(env, op_hash_join_new, plan, left, right);
    Rows got = run(op);
    Rows want = join_reference(&data, type, with_filter);
    rows_assert_equal(&got, &want, true);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    /* it spilled: with a full disk the same join fails with 53100 and closes its files */
    left = src_new(env, JOIN_TYPES, 2, left_cols, left_count, 1500);
    right = src_new(env, JOIN_TYPES, 2, right_cols, right_count, 1000);
    op = build_with(env, op_hash_join_new, join_plan(env, true, type, with_filter), left, right);
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

int main(void)
{
    Suite *suite = suite_create("spill_join_types");
    TCase *tcase = tcase_create("types");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_spill_join_types_one_level);
    tcase_add_test(tcase, test_spill_join_types_deeper);
    tcase_add_test(tcase, test_spill_join_types_few_keys_fit);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
