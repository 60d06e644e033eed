/* executor/tests/test_kern_agg.c: aggregate kernels (grouped and ungrouped), hashing and math
 * functions. Expected values from PostgreSQL 15. */
#include <stdlib.h>

#include "executor/tests/kern_support.h"

/* agg_run: init, update over the whole vector, finalize into a new vector; returns row 0 text */
static const char *agg_run(const char *name, uint32_t input_type, const Vector *values, uint32_t count)
{
    const AggKern *agg = kern_agg_find(name, input_type);
    ck_assert_msg(agg != NULL, "no %s(%s)", name, type_name(input_type));
    void *state = arena_alloc(test_arena, agg->state_size);
    agg->init(state);
    assert_ok(agg->update(&test_ctx, values, NULL, count, state));
    Vector *out = vec_new(type_plain(agg->result_type));
    assert_ok(vec_reserve(out, 1));
    assert_ok(agg->finalize(&test_ctx, state, out, 0));
    if (agg->destroy != NULL) agg->destroy(state);
    return row_text(out, 0);
}

START_TEST(test_kern_agg_count_sum_avg_ungrouped)
{
    Vector *ints = vec_of_ints(TYPE_INT4, (int64_t[]){ 1, 2, NUL_ROW, 4 }, 4);
    ck_assert_str_eq(agg_run("count", TYPE_INT4, ints, 4), "3");
    ck_assert_str_eq(agg_run("count", TYPE_INVALID, ints, 4), "4");
    ck_assert_str_eq(agg_run("sum", TYPE_INT4, ints, 4), "7");
    ck_assert_uint_eq(kern_agg_find("sum", TYPE_INT4)->result_type, TYPE_INT8);
    ck_assert_str_eq(agg_run("avg", TYPE_INT4, ints, 4), "2.3333333333333333");
    ck_assert_str_eq(agg_run("min", TYPE_INT4, ints, 4), "1");
    ck_assert_str_eq(agg_run("max", TYPE_INT4, ints, 4), "4");
    Vector *nulls = vec_of_ints(TYPE_INT4, (int64_t[]){ NUL_ROW, NUL_ROW }, 2);
    ck_assert_str_eq(agg_run("sum", TYPE_INT4, nulls, 2), "NULL");
    ck_assert_str_eq(agg_run("avg", TYPE_INT4, nulls, 2), "NULL");
    ck_assert_str_eq(agg_run("max", TYPE_INT4, nulls, 2), "NULL");
    ck_assert_str_eq(agg_run("count", TYPE_INT4, nulls, 2), "0");
    /* int8 sum overflows int64 into numeric */
    Vector *big = vec_of_ints(TYPE_INT8, (int64_t[]){ INT64_MAX, INT64_MAX, 2 }, 3);
    ck_assert_str_eq(agg_run("sum", TYPE_INT8, big, 3), "18446744073709551616");
    ck_assert_str_eq(agg_run("avg", TYPE_INT8, big, 3), "6148914691236517205");
    Vector *small = vec_of_ints(TYPE_INT2, (int64_t[]){ 32767, 32767 }, 2);
    ck_assert_str_eq(agg_run("sum", TYPE_INT2, small, 2), "65534");
    ck_assert_str_eq(agg_run("avg", TYPE_INT2, small, 2), "32767.000000000000");
    /* floats */
    Vector *floats = vec_of_f64((double[]){ 0.1, 0.2, 1.5 }, 3);
    ck_assert_str_eq(agg_run("sum", TYPE_FLOAT8, floats, 3), "1.8");
    ck_assert_str_eq(agg_run("avg", TYPE_FLOAT8, floats, 3), "0.6");
    Vector *huge = vec_of_f64((double[]){ 1e308, 1e308 }, 2);
    const AggKern *sum_f8 = kern_agg_find("sum", TYPE_FLOAT8);
    char state[64];
    sum_f8->init(state);
    assert_error(sum_f8->update(&test_ctx, huge, NULL, 2, state), "22003", "value out of range: overflow");
    Vector *reals = vec_of_f32((float[]){ 1.5f, 2.25f }, 2);
    ck_assert_str_eq(agg_run("sum", TYPE_FLOAT4, reals, 2), "3.75");
    ck_assert_uint_eq(kern_agg_find("avg", TYPE_FLOAT4)->result_type, TYPE_FLOAT8);
    ck_assert_str_eq(agg_run("avg", TYPE_FLOAT4, reals, 2), "1.875");
    ck_assert_str_eq(agg_run("max", TYPE_FLOAT8, vec_of_f64((double[]){ 1, NAN, 2 }, 3), 3), "NaN");
}
END_TEST

START_TEST(test_kern_agg_numeric_text_minmax)
{
    Type n102 = type_plain(TYPE_NUMERIC);
    assert_ok(numeric_typmod_make(10, 2, &n102.typmod));
    Vector *fast = vec_of_nums(n102, (const char *const[]){ "1.25", "-0.50", NULL, "10.00" }, 4);
    ck_assert_str_eq(agg_run("sum", TYPE_NUMERIC, fast, 4), "10.75");
    ck_assert_str_eq(agg_run("avg", TYPE_NUMERIC, fast, 4), "3.5833333333333333");
    ck_assert_str_eq(agg_run("min", TYPE_NUMERIC, fast, 4), "-0.50");
    ck_assert_str_eq(agg_run("max", TYPE_NUMERIC, fast, 4), "10.00");
    Vector *general = vec_of_nums(type_plain(TYPE_NUMERIC),
                                  (const char *const[]){ "1e30", "0.000001", "-1e30" }, 3);
    ck_assert_str_eq(agg_run("sum", TYPE_NUMERIC, general, 3), "0.000001");
    ck_assert_str_eq(agg_run("max", TYPE_NUMERIC, general, 3), "1000000000000000000000000000000");
    Vector *text = vec_of_strs(TYPE_TEXT, (const char *const[]){ "pear", NULL, "apple", "a string longer than twelve" }, 4);
    ck_assert_str_eq(agg_run("min", TYPE_TEXT, text, 4), "a string longer than twelve");
    ck_assert_str_eq(agg_run("max", TYPE_TEXT, text, 4), "pear");
    ck_assert_str_eq(agg_run("max", TYPE_VARCHAR, text, 4), "pear");
    ck_assert_ptr_null(kern_agg_find("sum", TYPE_TEXT));
    ck_assert_ptr_null(kern_agg_find("median", TYPE_INT4));
}
END_TEST

START_TEST(test_kern_agg_grouped)
{
    enum { GROUPS = 3 };
    Vector *values = vec_of_ints(TYPE_INT4, (int64_t[]){ 10, 20, 30, NUL_ROW, 50, 60 }, 6);
    uint32_t group_idx[6] = { 0, 1, 0, 2, 1, 0 };
    const AggKern *sum = kern_agg_find("sum", TYPE_INT4);
    AggSumI64 states[GROUPS];
    for (int group = 0; group < GROUPS; group++) sum->init(&states[group]);
    assert_ok(kern_sum_i32_grouped(&test_ctx, values, NULL, 6, group_idx, states));
    ck_assert_int_eq(states[0].sum, 100);
    ck_assert_int_eq(states[1].sum, 70);
    ck_assert_int_eq(states[2].count, 0);   /* only a NULL: sum is NULL */
    Vector *out = vec_new(type_plain(TYPE_INT8));
    assert_ok(vec_reserve(out, GROUPS));
    for (uint32_t group = 0; group < GROUPS; group++) assert_ok(sum->finalize(&test_ctx, &states[group], out, group));
    ck_assert_str_eq(row_text(out, 2), "NULL");
    ck_assert_str_eq(row_text(out, 1), "70");
    /* with a selection: rows 1 and 5 only */
    uint16_t sel[2] = { 1, 5 };
    for (int group = 0; group < GROUPS; group++) sum->init(&states[group]);
    assert_ok(sum->update_grouped(&test_ctx, values, sel, 2, group_idx, states));
    ck_assert_int_eq(states[0].sum, 60);
    ck_assert_int_eq(states[1].sum, 20);
    /* grouped int8 sums past int64, avg, count, min/max of text, merge */
    Vector *big = vec_of_ints(TYPE_INT8, (int64_t[]){ INT64_MAX, 1, INT64_MAX, 5 }, 4);
    uint32_t two_groups[4] = { 0, 1, 0, 1 };
    AggSumI128 wide[2];
    const AggKern *sum8 = kern_agg_find("sum", TYPE_INT8);
    sum8->init(&wide[0]);
    sum8->init(&wide[1]);
    assert_ok(kern_sum_i64_grouped(&test_ctx, big, NULL, 4, two_groups, wide));
    Vector *num_out = vec_new(type_plain(TYPE_NUMERIC));
    assert_ok(vec_reserve(num_out, 2));
    assert_ok(sum8->finalize(&test_ctx, &wide[0], num_out, 0));
    assert_ok(sum8->finalize(&test_ctx, &wide[1], num_out, 1));
    ck_assert_str_eq(row_text(num_out, 0), "18446744073709551614");
    ck_assert_str_eq(row_text(num_out, 1), "6");
    assert_ok(sum8->merge(&wide[0], &wide[1]));
    assert_ok(sum8->finalize(&test_ctx, &wide[0], num_out, 0));
    ck_assert_str_eq(row_text(num_out, 0), "18446744073709551620");
    const AggKern *count = kern_agg_find("count", TYPE_INT4);
    int64_t counts[GROUPS] = { 0, 0, 0 };
    assert_ok(count->update_grouped(&test_ctx, values, NULL, 6, group_idx, counts));
    ck_assert_int_eq(counts[0], 3);
    ck_assert_int_eq(counts[2], 0);
    const AggKern *max_text = kern_agg_find("max", TYPE_TEXT);
    char *text_states = arena_alloc(test_arena, 2 * max_text->state_size);   /* stride state_size */
    max_text->init(text_states);
    max_text->init(text_states + max_text->state_size);
    Vector *text = vec_of_strs(TYPE_TEXT, (const char *const[]){ "b", "zebra crossing long", "c", NULL }, 4);
    assert_ok(max_text->update_grouped(&test_ctx, text, NULL, 4, two_groups, text_states));
    Vector *text_out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(vec_reserve(text_out, 2));
    assert_ok(max_text->finalize(&test_ctx, text_states, text_out, 0));
    assert_ok(max_text->finalize(&test_ctx, text_states + max_text->state_size, text_out, 1));
    ck_assert_str_eq(row_text(text_out, 0), "c");
    ck_assert_str_eq(row_text(text_out, 1), "zebra crossing long");
    max_text->destroy(text_states);
    max_text->destroy(text_states + max_text->state_size);
    const AggKern *avg_num = kern_agg_find("avg", TYPE_NUMERIC);
    NumericAcc accs[2];
    avg_num->init(&accs[0]);
    avg_num->init(&accs[1]);
    Vector *nums = vec_of_nums(type_plain(TYPE_NUMERIC), (const char *const[]){ "1", "2", "4", "8" }, 4);
    assert_ok(avg_num->update_grouped(&test_ctx, nums, NULL, 4, two_groups, accs));
    assert_ok(avg_num->finalize(&test_ctx, &accs[0], num_out, 0));
    ck_assert_str_eq(row_text(num_out, 0), "2.5000000000000000");
    avg_num->destroy(&accs[0]);
    avg_num->destroy(&accs[1]);
}
END_TEST

START_TEST(test_kern_agg_sum_i32_overflow_into_error)
{
    const AggKern *sum = kern_agg_find("sum", TYPE_INT4);
    AggSumI64 state = { INT64_MAX - 5, 1 };
    assert_error(sum->update(&test_ctx, vec_const_int(TYPE_INT4, 10), NULL, 1, &state), "22003",
                 "bigint out of range");
}
END_TEST

START_TEST(test_kern_hash_equal_values_hash_equal)
{
    uint64_t h1[4], h2[4];
    /* integers of different widths */
    assert_ok(kern_hash_vec(&test_ctx, vec_of_ints(TYPE_INT2, (int64_t[]){ 7, -1 }, 2), NULL, 2, false, h1));
    assert_ok(kern_hash_vec(&test_ctx, vec_of_ints(TYPE_INT8, (int64_t[]){ 7, -1 }, 2), NULL, 2, false, h2));
    ck_assert_uint_eq(h1[0], h2[0]);
    ck_assert_uint_eq(h1[1], h2[1]);
    ck_assert_uint_ne(h1[0], h1[1]);
    /* numeric 1.5 vs 1.50 and across NUM64/NUMERIC */
    Type n52 = type_plain(TYPE_NUMERIC);
    assert_ok(numeric_typmod_make(5, 2, &n52.typmod));
    assert_ok(kern_hash_vec(&test_ctx, vec_of_nums(type_plain(TYPE_NUMERIC), (const char *const[]){ "1.5", "2" }, 2),
                            NULL, 2, false, h1));
    assert_ok(kern_hash_vec(&test_ctx, vec_of_nums(n52, (const char *const[]){ "1.50", "2.00" }, 2), NULL, 2, false, h2));
    ck_assert_uint_eq(h1[0], h2[0]);
    ck_assert_uint_eq(h1[1], h2[1]);
    /* float -0 vs 0, NaNs */
    assert_ok(kern_hash_vec(&test_ctx, vec_of_f64((double[]){ -0.0, NAN }, 2), NULL, 2, false, h1));
    assert_ok(kern_hash_vec(&test_ctx, vec_of_f64((double[]){ 0.0, -NAN }, 2), NULL, 2, false, h2));
    ck_assert_uint_eq(h1[0], h2[0]);
    ck_assert_uint_eq(h1[1], h2[1]);
    assert_ok(kern_hash_vec(&test_ctx, vec_of_f32((float[]){ -0.0f }, 1), NULL, 1, false, h2));
    ck_assert_uint_eq(h1[0], h2[0]);
    /* strings inline and out of line; NULLs hash alike; combining two columns */
    Vector *s1 = vec_of_strs(TYPE_TEXT, (const char *const[]){ "abc", "a longer string here", NULL }, 3);
    Vector *s2 = vec_of_strs(TYPE_VARCHAR, (const char *const[]){ "abc", "a longer string here", NULL }, 3);
    assert_ok(kern_hash_vec(&test_ctx, s1, NULL, 3, false, h1));
    assert_ok(kern_hash_vec(&test_ctx, s2, NULL, 3, false, h2));
    for (int row_idx = 0; row_idx < 3; row_idx++) ck_assert_uint_eq(h1[row_idx], h2[row_idx]);
    Vector *k = vec_of_ints(TYPE_INT4, (int64_t[]){ 1, 1, 1 }, 3);
    assert_ok(kern_hash_vec(&test_ctx, k, NULL, 3, true, h1));
    assert_ok(kern_hash_vec(&test_ctx, k, NULL, 3, true, h2));
    ck_assert_uint_eq(h1[0], h2[0]);
    ck_assert_uint_ne(h1[0], h1[1]);
    /* order of key columns matters */
    uint64_t ab[1], ba[1];
    Vector *one = vec_const_int(TYPE_INT4, 1), *two = vec_const_int(TYPE_INT4, 2);
    assert_ok(kern_hash_vec(&test_ctx, one, NULL, 1, false, ab));
    assert_ok(kern_hash_vec(&test_ctx, two, NULL, 1, true, ab));
    assert_ok(kern_hash_vec(&test_ctx, two, NULL, 1, false, ba));
    assert_ok(kern_hash_vec(&test_ctx, one, NULL, 1, true, ba));
    ck_assert_uint_ne(ab[0], ba[0]);
    /* intervals equal under 30-day months */
    Vector *iv = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(vec_reserve(iv, 2));
    ((DtInterval *)iv->data)[0] = (DtInterval){ 0, 0, 1 };
    ((DtInterval *)iv->data)[1] = (DtInterval){ 0, 30, 0 };
    assert_ok(kern_hash_vec(&test_ctx, iv, NULL, 2, false, h1));
    ck_assert_uint_eq(h1[0], h1[1]);
}
END_TEST

static const char *f64_1(KernFn fn, double x)
{
    Vector *out = vec_new(type_plain(TYPE_FLOAT8));
    assert_ok(run1(fn, vec_of_f64(&x, 1), 1, out));
    return row_text(out, 0);
}

static const char *num_1(KernFn fn, const char *x)
{
    Vector *out = vec_new(type_plain(TYPE_NUMERIC));
    assert_ok(run1(fn, vec_of_nums(type_plain(TYPE_NUMERIC), &x, 1), 1, out));
    return row_text(out, 0);
}

START_TEST(test_kern_math_functions)
{
    ck_assert_str_eq(f64_1(kern_round_f64, 2.5), "2");
    ck_assert_str_eq(f64_1(kern_round_f64, -2.5), "-2");
    ck_assert_str_eq(f64_1(kern_trunc_f64, -2.7), "-2");
    ck_assert_str_eq(f64_1(kern_ceil_f64, -0.5), "-0");
    ck_assert_str_eq(f64_1(kern_sign_f64, -3.0), "-1");
    ck_assert_str_eq(f64_1(kern_exp_f64, 1), "2.718281828459045");
    ck_assert_str_eq(f64_1(kern_ln_f64, 10), "2.302585092994046");
    ck_assert_str_eq(f64_1(kern_log10_f64, 100), "2");
    ck_assert_str_eq(f64_1(kern_sqrt_f64, 2), "1.4142135623730951");
    Vector *out = vec_new(type_plain(TYPE_FLOAT8));
    assert_error(run1(kern_sqrt_f64, vec_of_f64((double[]){ -1 }, 1), 1, out), "2201F",
                 "cannot take square root of a negative number");
    assert_error(run1(kern_ln_f64, vec_of_f64((double[]){ 0 }, 1), 1, out), "2201E", "cannot take logarithm of zero");
    assert_error(run1(kern_ln_f64, vec_of_f64((double[]){ -1 }, 1), 1, out), "2201E",
                 "cannot take logarithm of a negative number");
    assert_error(run1(kern_exp_f64, vec_of_f64((double[]){ 1000 }, 1), 1, out), "22003", "value out of range: overflow");
    assert_error(run1(kern_exp_f64, vec_of_f64((double[]){ -1000 }, 1), 1, out), "22003", "value out of range: underflow");
    assert_ok(run2(kern_power_f64, vec_of_f64((double[]){ 2 }, 1), vec_of_f64((double[]){ 10 }, 1), 1, out));
    ck_assert_str_eq(row_text(out, 0), "1024");
    assert_error(run2(kern_power_f64, vec_of_f64((double[]){ 0 }, 1), vec_of_f64((double[]){ -1 }, 1), 1, out),
                 "2201F", "zero raised to a negative power is undefined");
    assert_error(run2(kern_power_f64, vec_of_f64((double[]){ -1 }, 1), vec_of_f64((double[]){ 0.5 }, 1), 1, out),
                 "2201F", "a negative number raised to a non-integer power yields a complex result");
    assert_error(run2(kern_power_f64, vec_of_f64((double[]){ 10 }, 1), vec_of_f64((double[]){ 400 }, 1), 1, out),
                 "22003", "value out of range: overflow");
    /* a NULL row with a bad value raises nothing */
    Vector *with_null = vec_of_f64((double[]){ -1, 4 }, 2);
    assert_ok(vec_set_null(with_null, 0));
    assert_ok(run1(kern_sqrt_f64, with_null, 2, out));
    ck_assert_str_eq(row_text(out, 0), "NULL");
    ck_assert_str_eq(row_text(out, 1), "2");
    ck_assert_str_eq(num_1(kern_round_num, "2.5"), "3");
    ck_assert_str_eq(num_1(kern_sign_num, "-2.5"), "-1");
    ck_assert_str_eq(num_1(kern_sqrt_num, "2"), "1.414213562373095");
    ck_assert_str_eq(num_1(kern_ln_num, "10"), "2.3025850929940457");
    ck_assert_str_eq(num_1(kern_ceil_num, "-0.5"), "0");
    ck_assert_str_eq(num_1(kern_floor_num, "-0.5"), "-1");
    Vector *num_out = vec_new(type_plain(TYPE_NUMERIC));
    assert_ok(run2(kern_round2_num, vec_of_nums(type_plain(TYPE_NUMERIC), (const char *const[]){ "2.345" }, 1),
                   vec_const_int(TYPE_INT4, 2), 1, num_out));
    ck_assert_str_eq(row_text(num_out, 0), "2.35");
    assert_ok(run2(kern_trunc2_num, vec_of_nums(type_plain(TYPE_NUMERIC), (const char *const[]){ "2.345" }, 1),
                   vec_const_int(TYPE_INT4, 1), 1, num_out));
    ck_assert_str_eq(row_text(num_out, 0), "2.3");
    assert_error(run1(kern_sqrt_num, vec_of_nums(type_plain(TYPE_NUMERIC), (const char *const[]){ "-1" }, 1), 1, num_out),
                 "2201F", "cannot take square root of a negative number");
    Vector *two = vec_of_nums(type_plain(TYPE_NUMERIC), (const char *const[]){ "2" }, 1);
    Vector *ten = vec_of_nums(type_plain(TYPE_NUMERIC), (const char *const[]){ "10" }, 1);
    assert_ok(run2(kern_power_num, two, ten, 1, num_out));
    ck_assert_str_eq(row_text(num_out, 0), "1024.0000000000000000");
}
END_TEST

START_TEST(test_kern_greatest_least)
{
    Vector *a = vec_of_ints(TYPE_INT4, (int64_t[]){ 1, NUL_ROW, 5, NUL_ROW }, 4);
    Vector *b = vec_of_ints(TYPE_INT4, (int64_t[]){ 3, 2, NUL_ROW, NUL_ROW }, 4);
    Vector *out = vec_new(type_plain(TYPE_INT4));
    assert_ok(run2(kern_greatest_i32, a, b, 4, out));
    ck_assert_str_eq(row_text(out, 0), "3");
    ck_assert_str_eq(row_text(out, 1), "2");
    ck_assert_str_eq(row_text(out, 2), "5");
    ck_assert_str_eq(row_text(out, 3), "NULL");
    assert_ok(run2(kern_least_i32, a, b, 4, out));
    ck_assert_str_eq(row_text(out, 0), "1");
    Vector *s = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run2(kern_greatest_str, vec_const_str("apple"), vec_const_str("banana"), 1, s));
    ck_assert_str_eq(row_text(s, 0), "banana");
    Vector *n = vec_new(type_plain(TYPE_NUMERIC));
    Type n41 = type_plain(TYPE_NUMERIC);
    assert_ok(numeric_typmod_make(4, 1, &n41.typmod));
    assert_ok(run2(kern_least_num, vec_of_nums(n41, (const char *const[]){ "1.5", NULL }, 2),
                   vec_of_nums(type_plain(TYPE_NUMERIC), (const char *const[]){ "1.25", "7" }, 2), 2, n));
    ck_assert_str_eq(row_text(n, 0), "1.25");
    ck_assert_str_eq(row_text(n, 1), "7");
}
END_TEST

static Suite *agg_suite(void)
{
    Suite *suite = suite_create("kern_agg");
    TCase *tcase = tcase_create("kern_agg");
    tcase_add_checked_fixture(tcase, test_arena_setup, test_arena_teardown);
    tcase_add_test(tcase, test_kern_agg_count_sum_avg_ungrouped);
    tcase_add_test(tcase, test_kern_agg_numeric_text_minmax);
    tcase_add_test(tcase, test_kern_agg_grouped);
    tcase_add_test(tcase, test_kern_agg_sum_i32_overflow_into_error);
    tcase_add_test(tcase, test_kern_hash_equal_values_hash_equal);
    tcase_add_test(tcase, test_kern_math_functions);
    tcase_add_test(tcase, test_kern_greatest_least);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(agg_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
