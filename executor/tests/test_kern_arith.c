/* executor/tests/test_kern_arith.c: arithmetic, comparison, filter and boolean kernels, and the
 * micro-benchmark of sum(a * b) WHERE c < 500. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "executor/tests/kern_support.h"

START_TEST(test_kern_add_i32_values_nulls_constants)
{
    Vector *a = vec_of_ints(TYPE_INT4, (int64_t[]){ 1, -5, NUL_ROW, 2147483000 }, 4);
    Vector *b = vec_of_ints(TYPE_INT4, (int64_t[]){ 2, 5, 7, 647 }, 4);
    Vector *out = vec_new(type_plain(TYPE_INT4));
    assert_ok(run2(kern_add_i32, a, b, 4, out));
    ck_assert_str_eq(row_text(out, 0), "3");
    ck_assert_str_eq(row_text(out, 1), "0");
    ck_assert_str_eq(row_text(out, 2), "NULL");
    ck_assert_str_eq(row_text(out, 3), "2147483647");
    assert_ok(run2(kern_mul_i32, a, vec_const_int(TYPE_INT4, 3), 3, out));
    ck_assert_str_eq(row_text(out, 1), "-15");
    ck_assert_str_eq(row_text(out, 2), "NULL");
    assert_ok(run2(kern_sub_i32, vec_const_int(TYPE_INT4, 10), b, 4, out));
    ck_assert_str_eq(row_text(out, 3), "-637");
    assert_ok(run2(kern_sub_i32, b, vec_const_null(type_plain(TYPE_INT4)), 4, out));
    for (uint32_t row_idx = 0; row_idx < 4; row_idx++) ck_assert(vec_is_null(out, row_idx));
}
END_TEST

START_TEST(test_kern_int_overflow_errors)
{
    Vector *out = vec_new(type_plain(TYPE_INT4));
    Vector *max4 = vec_of_ints(TYPE_INT4, (int64_t[]){ 0, INT32_MAX }, 2);
    assert_error(run2(kern_add_i32, max4, vec_const_int(TYPE_INT4, 1), 2, out), "22003",
                 "integer out of range");
    assert_error(run2(kern_mul_i32, max4, vec_const_int(TYPE_INT4, 2), 2, out), "22003",
                 "integer out of range");
    Vector *min4 = vec_const_int(TYPE_INT4, INT32_MIN);
    assert_error(run2(kern_div_i32, min4, vec_const_int(TYPE_INT4, -1), 1, out), "22003",
                 "integer out of range");
    assert_error(run1(kern_neg_i32, min4, 1, out), "22003", "integer out of range");
    assert_error(run1(kern_abs_i32, min4, 1, out), "22003", "integer out of range");
    assert_ok(run2(kern_mod_i32, min4, vec_const_int(TYPE_INT4, -1), 1, out));
    ck_assert_str_eq(row_text(out, 0), "0");
    Vector *out2 = vec_new(type_plain(TYPE_INT2));
    assert_error(run2(kern_add_i16, vec_const_int(TYPE_INT2, 32767), vec_const_int(TYPE_INT2, 1),
                      1, out2), "22003", "smallint out of range");
    Vector *out8 = vec_new(type_plain(TYPE_INT8));
    Vector *min8 = vec_const_int(TYPE_INT8, 0);
    vec_i64(min8)[0] = INT64_MIN;   /* INT64_MIN is the builders' NULL marker */
    assert_error(run2(kern_sub_i64, min8, vec_const_int(TYPE_INT8, 1), 1, out8), "22003",
                 "bigint out of range");
    assert_error(run2(kern_div_i64, min8, vec_const_int(TYPE_INT8, -1), 1, out8), "22003",
                 "bigint out of range");
    assert_error(run1(kern_neg_i64, min8, 1, out8), "22003", "bigint out of range");
    /* a NULL row's garbage does not raise: row 1 is NULL and holds a value that would overflow */
    Vector *a = vec_of_ints(TYPE_INT4, (int64_t[]){ 1, 0 }, 2);
    assert_ok(vec_set_null(a, 1));
    vec_i32(a)[1] = INT32_MAX;
    assert_ok(run2(kern_add_i32, a, vec_const_int(TYPE_INT4, 1), 2, out));
    ck_assert_str_eq(row_text(out, 0), "2");
    ck_assert(vec_is_null(out, 1));
}
END_TEST

START_TEST(test_kern_int_division_by_zero)
{
    Vector *out = vec_new(type_plain(TYPE_INT4));
    Vector *a = vec_of_ints(TYPE_INT4, (int64_t[]){ 7, -7, 7, 9 }, 4);
    Vector *b = vec_of_ints(TYPE_INT4, (int64_t[]){ 2, 2, -2, NUL_ROW }, 4);
    vec_i32(b)[3] = 0;   /* NULL divisor zero: no error */
    assert_ok(run2(kern_div_i32, a, b, 4, out));
    ck_assert_str_eq(row_text(out, 0), "3");
    ck_assert_str_eq(row_text(out, 1), "-3");
    ck_assert_str_eq(row_text(out, 2), "-3");
    ck_assert_str_eq(row_text(out, 3), "NULL");
    assert_ok(run2(kern_mod_i32, a, b, 4, out));
    ck_assert_str_eq(row_text(out, 0), "1");
    ck_assert_str_eq(row_text(out, 1), "-1");
    ck_assert_str_eq(row_text(out, 2), "1");
    assert_error(run2(kern_div_i32, a, vec_const_int(TYPE_INT4, 0), 4, out), "22012",
                 "division by zero");
    assert_error(run2(kern_mod_i64, vec_const_int(TYPE_INT8, 1), vec_const_int(TYPE_INT8, 0), 1,
                      vec_new(type_plain(TYPE_INT8))), "22012", "division by zero");
    Vector *out2 = vec_new(type_plain(TYPE_INT2));
    assert_error(run2(kern_div_i16, vec_const_int(TYPE_INT2, 1), vec_const_int(TYPE_INT2, 0), 1,
                      out2), "22012", "division by zero");
}
END_TEST

START_TEST(test_kern_float_arith_and_errors)
{
    Vector *out = vec_new(type_plain(TYPE_FLOAT8));
    Vector *a = vec_of_f64((double[]){ 1.5, 1e308, INFINITY, 1e-300 }, 4);
    Vector *b = vec_of_f64((double[]){ 2.25, 1.0, 1.0, 1e300 }, 4);
    assert_ok(run2(kern_add_f64, a, b, 3, out));
    ck_assert_str_eq(row_text(out, 0), "3.75");
    ck_assert_str_eq(row_text(out, 2), "Infinity");
    assert_error(run2(kern_mul_f64, a, vec_of_f64((double[]){ 1, 10, 1, 1 }, 4), 4, out), "22003",
                 "value out of range: overflow");
    assert_error(run2(kern_div_f64, vec_of_f64((double[]){ 1e-300 }, 1),
                      vec_of_f64((double[]){ 1e300 }, 1), 1, out), "22003",
                 "value out of range: underflow");
    assert_error(run2(kern_div_f64, a, vec_of_f64((double[]){ 0.0 }, 1), 1, out), "22012",
                 "division by zero");
    /* An exact zero factor or dividend is not an underflow (PostgreSQL's float8_mul checks
     * val1 == 0 || val2 == 0): -x * 0 is 0 (or -0) for every finite x. */
    assert_ok(run2(kern_mul_f64, a, vec_of_f64((double[]){ 0.0, 0.0, 1.0, 0.0 }, 4), 4, out));
    ck_assert_str_eq(row_text(out, 0), "0");
    assert_ok(run2(kern_mul_f64, vec_of_f64((double[]){ 0.0 }, 1),
                   vec_of_f64((double[]){ 1e-300 }, 1), 1, out));
    assert_ok(run2(kern_div_f64, vec_of_f64((double[]){ 5.0 }, 1),
                   vec_of_f64((double[]){ INFINITY }, 1), 1, out));
    assert_error(run2(kern_mul_f64, vec_of_f64((double[]){ 1e-300 }, 1),
                      vec_of_f64((double[]){ 1e-300 }, 1), 1, out), "22003",
                 "value out of range: underflow");
    Vector *out4 = vec_new(type_plain(TYPE_FLOAT4));
    assert_error(run2(kern_mul_f32, vec_of_f32((float[]){ 3e38f }, 1),
                      vec_of_f32((float[]){ 10.0f }, 1), 1, out4), "22003",
                 "value out of range: overflow");
    assert_ok(run1(kern_neg_f64, a, 1, out));
    ck_assert_str_eq(row_text(out, 0), "-1.5");
    assert_ok(run2(kern_sub_f64, vec_of_f64((double[]){ NAN }, 1), a, 1, out));
    ck_assert_str_eq(row_text(out, 0), "NaN");
}
END_TEST

static Vector *num_vec(const char *type_text, const char *const *values, uint32_t count)
{
    Type type = type_plain(TYPE_NUMERIC);
    int precision, scale;
    if (type_text != NULL && sscanf(type_text, "%d,%d", &precision, &scale) == 2) {
        assert_ok(numeric_typmod_make(precision, scale, &type.typmod));
    }
    return vec_of_nums(type, values, count);
}

START_TEST(test_kern_numeric_fast_and_general)
{
    Vector *a = num_vec("10,2", (const char *const[]){ "1.25", "-3.50", NULL, "99999999.99" }, 4);
    Vector *b = num_vec("10,3", (const char *const[]){ "0.125", "1.000", "2", "0.001" }, 4);
    ck_assert_int_eq(a->phys, VEC_PHYS_NUM64);
    Vector *out = vec_new(type_plain(TYPE_NUMERIC));
    assert_ok(run2(kern_add_num, a, b, 4, out));
    ck_assert_int_eq(out->phys, VEC_PHYS_NUM64);
    ck_assert_str_eq(row_text(out, 0), "1.375");
    ck_assert_str_eq(row_text(out, 1), "-2.500");
    ck_assert_str_eq(row_text(out, 2), "NULL");
    ck_assert_str_eq(row_text(out, 3), "99999999.991");
    assert_ok(run2(kern_mul_num, a, b, 4, out));
    ck_assert_str_eq(row_text(out, 0), "0.15625");
    ck_assert_str_eq(row_text(out, 1), "-3.50000");
    assert_ok(run2(kern_div_num, a, b, 2, out));
    ck_assert_int_eq(out->phys, VEC_PHYS_NUMERIC);
    ck_assert_str_eq(row_text(out, 0), "10.0000000000000000");
    ck_assert_str_eq(row_text(out, 1), "-3.5000000000000000");
    /* int64 overflow in the fast path falls back to the general form */
    Vector *big = num_vec("18,0", (const char *const[]){ "999999999999999999" }, 1);
    assert_ok(run2(kern_mul_num, big, big, 1, out));
    ck_assert_int_eq(out->phys, VEC_PHYS_NUMERIC);
    ck_assert_str_eq(row_text(out, 0), "999999999999999998000000000000000001");
    Vector *general = num_vec(NULL, (const char *const[]){ "1.5", "-0.0001" }, 2);
    assert_ok(run2(kern_sub_num, general, a, 2, out));
    ck_assert_str_eq(row_text(out, 0), "0.25");
    ck_assert_str_eq(row_text(out, 1), "3.4999");
    assert_error(run2(kern_div_num, a, num_vec("5,1", (const char *const[]){ "0" }, 1), 1, out),
                 "22012", "division by zero");
    assert_error(run2(kern_mod_num, a, num_vec("5,1", (const char *const[]){ "0" }, 1), 1, out),
                 "22012", "division by zero");
    assert_ok(run2(kern_mod_num, num_vec("5,1", (const char *const[]){ "7.5" }, 1),
                   num_vec("5,0", (const char *const[]){ "2" }, 1), 1, out));
    ck_assert_str_eq(row_text(out, 0), "1.5");
    assert_ok(run1(kern_neg_num, a, 2, out));
    ck_assert_str_eq(row_text(out, 1), "3.50");
    assert_ok(run1(kern_abs_num, general, 2, out));
    ck_assert_str_eq(row_text(out, 1), "0.0001");
}
END_TEST

START_TEST(test_kern_compare_every_family)
{
    Vector *out = vec_new(type_plain(TYPE_BOOL));
    Vector *a = vec_of_ints(TYPE_INT4, (int64_t[]){ 1, 2, 3, NUL_ROW }, 4);
    assert_ok(run2(kern_lt_i32, a, vec_const_int(TYPE_INT4, 2), 4, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "f");
    ck_assert_str_eq(row_text(out, 3), "NULL");
    assert_ok(run2(kern_ge_i32, a, vec_const_int(TYPE_INT4, 2), 4, out));
    ck_assert_str_eq(row_text(out, 1), "t");
    /* floats: NaN equals NaN and sorts above infinity */
    Vector *f = vec_of_f64((double[]){ NAN, INFINITY, -0.0 }, 3);
    Vector *g = vec_of_f64((double[]){ NAN, NAN, 0.0 }, 3);
    assert_ok(run2(kern_eq_f64, f, g, 3, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "f");
    ck_assert_str_eq(row_text(out, 2), "t");
    assert_ok(run2(kern_lt_f64, f, g, 3, out));
    ck_assert_str_eq(row_text(out, 1), "t");
    /* text in C collation */
    Vector *s = vec_of_strs(TYPE_TEXT, (const char *const[]){ "abc", "abcd", "B", "a long string x" }, 4);
    Vector *t = vec_of_strs(TYPE_TEXT, (const char *const[]){ "abcd", "abc", "a", "a long string y" }, 4);
    assert_ok(run2(kern_lt_str, s, t, 4, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "f");
    ck_assert_str_eq(row_text(out, 2), "t");     /* 'B' < 'a' in C */
    ck_assert_str_eq(row_text(out, 3), "t");
    /* numeric across scales and forms: 1.5 = 1.50 */
    Vector *n1 = num_vec("5,1", (const char *const[]){ "1.5", "2.0" }, 2);
    Vector *n2 = num_vec("6,2", (const char *const[]){ "1.50", "1.99" }, 2);
    Vector *n3 = num_vec(NULL, (const char *const[]){ "1.500", "NaN" }, 2);
    assert_ok(run2(kern_eq_num, n1, n2, 2, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "f");
    assert_ok(run2(kern_eq_num, n1, n3, 2, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    assert_ok(run2(kern_lt_num, n1, n3, 2, out));
    ck_assert_str_eq(row_text(out, 1), "t");       /* NaN above everything */
    /* intervals: 1 mon = 30 days */
    Vector *iv = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(vec_reserve(iv, 2));
    ((DtInterval *)iv->data)[0] = (DtInterval){ 0, 0, 1 };
    ((DtInterval *)iv->data)[1] = (DtInterval){ 0, 30, 0 };
    const Vector *iv0[2] = { iv, iv };
    (void)iv0;
    Vector *iw = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(vec_reserve(iw, 2));
    ((DtInterval *)iw->data)[0] = (DtInterval){ 0, 30, 0 };
    ((DtInterval *)iw->data)[1] = (DtInterval){ 1, 30, 0 };
    assert_ok(run2(kern_eq_interval, iv, iw, 2, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "f");
    Vector *bools = vec_of_bools((int[]){ 0, 1 }, 2);
    assert_ok(run2(kern_lt_bool, bools, vec_of_bools((int[]){ 1, 1 }, 2), 2, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "f");
}
END_TEST

START_TEST(test_kern_distinct_and_null_tests)
{
    Vector *out = vec_new(type_plain(TYPE_BOOL));
    Vector *a = vec_of_ints(TYPE_INT8, (int64_t[]){ 1, NUL_ROW, NUL_ROW, 4 }, 4);
    Vector *b = vec_of_ints(TYPE_INT8, (int64_t[]){ 1, 2, NUL_ROW, 5 }, 4);
    assert_ok(run2(kern_distinct_i64, a, b, 4, out));
    ck_assert_ptr_null(out->validity);
    ck_assert_str_eq(row_text(out, 0), "f");
    ck_assert_str_eq(row_text(out, 1), "t");
    ck_assert_str_eq(row_text(out, 2), "f");
    ck_assert_str_eq(row_text(out, 3), "t");
    assert_ok(run2(kern_not_distinct_i64, a, b, 4, out));
    ck_assert_str_eq(row_text(out, 2), "t");
    Vector *n1 = num_vec(NULL, (const char *const[]){ "1.5", NULL }, 2);
    Vector *n2 = num_vec("4,2", (const char *const[]){ "1.50", NULL }, 2);
    assert_ok(run2(kern_not_distinct_num, n1, n2, 2, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "t");
    assert_ok(run1(kern_is_null, a, 4, out));
    ck_assert_str_eq(row_text(out, 0), "f");
    ck_assert_str_eq(row_text(out, 1), "t");
    assert_ok(run1(kern_is_not_null, a, 4, out));
    ck_assert_str_eq(row_text(out, 1), "f");
    ck_assert_str_eq(row_text(out, 3), "t");
    Vector *bools = vec_of_bools((int[]){ 1, 0, -1 }, 3);
    assert_ok(run1(kern_is_not_true, bools, 3, out));
    ck_assert_str_eq(row_text(out, 0), "f");
    ck_assert_str_eq(row_text(out, 1), "t");
    ck_assert_str_eq(row_text(out, 2), "t");
    assert_ok(run1(kern_is_false, bools, 3, out));
    ck_assert_str_eq(row_text(out, 1), "t");
    ck_assert_str_eq(row_text(out, 2), "f");
}
END_TEST

START_TEST(test_kern_three_valued_logic)
{
    /* every pair of {true, false, NULL} */
    int left[9] = { 1, 1, 1, 0, 0, 0, -1, -1, -1 };
    int right[9] = { 1, 0, -1, 1, 0, -1, 1, 0, -1 };
    const char *and_expected[9] = { "t", "f", "NULL", "f", "f", "f", "NULL", "f", "NULL" };
    const char *or_expected[9] = { "t", "t", "t", "t", "f", "NULL", "t", "NULL", "NULL" };
    Vector *a = vec_of_bools(left, 9), *b = vec_of_bools(right, 9);
    Vector *out = vec_new(type_plain(TYPE_BOOL));
    assert_ok(run2(kern_and, a, b, 9, out));
    for (int row_idx = 0; row_idx < 9; row_idx++) ck_assert_str_eq(row_text(out, row_idx), and_expected[row_idx]);
    assert_ok(run2(kern_or, a, b, 9, out));
    for (int row_idx = 0; row_idx < 9; row_idx++) ck_assert_str_eq(row_text(out, row_idx), or_expected[row_idx]);
    assert_ok(run1(kern_not, a, 9, out));
    ck_assert_str_eq(row_text(out, 0), "f");
    ck_assert_str_eq(row_text(out, 3), "t");
    ck_assert_str_eq(row_text(out, 6), "NULL");
    /* without NULLs the fast path */
    Vector *c = vec_of_bools((int[]){ 1, 0 }, 2), *d = vec_of_bools((int[]){ 1, 1 }, 2);
    assert_ok(run2(kern_and, c, d, 2, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "f");
}
END_TEST

START_TEST(test_kern_filters_compact_selection)
{
    Vector *c = vec_of_ints(TYPE_INT4, (int64_t[]){ 5, 600, NUL_ROW, 499, 500, -1 }, 6);
    uint16_t sel_out[8];
    uint32_t kept = 99;
    const Vector *args[2] = { c, vec_const_int(TYPE_INT4, 500) };
    assert_ok(kern_filter_lt_i32(&test_ctx, args, NULL, 6, sel_out, &kept));
    ck_assert_uint_eq(kept, 3);
    ck_assert_uint_eq(sel_out[0], 0);
    ck_assert_uint_eq(sel_out[1], 3);
    ck_assert_uint_eq(sel_out[2], 5);
    /* narrowing an existing selection in place */
    uint16_t sel[3] = { 1, 3, 5 };
    const Vector *args_ge[2] = { c, vec_const_int(TYPE_INT4, 0) };
    assert_ok(kern_filter_ge_i32(&test_ctx, args_ge, sel, 3, sel, &kept));
    ck_assert_uint_eq(kept, 2);
    ck_assert_uint_eq(sel[0], 1);
    ck_assert_uint_eq(sel[1], 3);
    /* text and numeric filters */
    Vector *s = vec_of_strs(TYPE_TEXT, (const char *const[]){ "pear", NULL, "apple", "apple pie is long" }, 4);
    const Vector *args_s[2] = { s, vec_const_str("apple") };
    assert_ok(kern_filter_eq_str(&test_ctx, args_s, NULL, 4, sel_out, &kept));
    ck_assert_uint_eq(kept, 1);
    ck_assert_uint_eq(sel_out[0], 2);
    assert_ok(kern_filter_gt_str(&test_ctx, args_s, NULL, 4, sel_out, &kept));
    ck_assert_uint_eq(kept, 2);
    Vector *n = num_vec("6,2", (const char *const[]){ "1.00", "2.50", NULL }, 3);
    Vector *limit = num_vec(NULL, (const char *const[]){ "2.5" }, 1);
    assert_ok(vec_set_constant(limit));
    const Vector *args_n[2] = { n, limit };
    assert_ok(kern_filter_le_num(&test_ctx, args_n, NULL, 3, sel_out, &kept));
    ck_assert_uint_eq(kept, 2);
    Vector *bools = vec_of_bools((int[]){ 1, -1, 0, 1 }, 4);
    const Vector *args_b[1] = { bools };
    assert_ok(kern_filter_true(&test_ctx, args_b, NULL, 4, sel_out, &kept));
    ck_assert_uint_eq(kept, 2);
    ck_assert_uint_eq(sel_out[1], 3);
}
END_TEST

START_TEST(test_kern_selection_leaves_other_rows_alone)
{
    Vector *a = vec_of_ints(TYPE_INT4, (int64_t[]){ INT32_MAX, 1, INT32_MAX, 2 }, 4);
    Vector *out = vec_new(type_plain(TYPE_INT4));
    uint16_t sel[2] = { 1, 3 };
    const Vector *args[2] = { a, vec_const_int(TYPE_INT4, 1) };
    assert_ok(kern_add_i32(&test_ctx, args, sel, 2, out));   /* unselected rows would overflow */
    ck_assert_int_eq(vec_i32(out)[1], 2);
    ck_assert_int_eq(vec_i32(out)[3], 3);
}
END_TEST

/* random_i32_vector: values in [-range, range], about 1 in 8 NULL, or a constant */
static Vector *random_i32_vector(uint32_t count, int32_t range, bool constant)
{
    Vector *vec = vec_new(type_plain(TYPE_INT4));
    assert_ok(vec_reserve(vec, count));
    for (uint32_t row_idx = 0; row_idx < count; row_idx++) {
        vec_i32(vec)[row_idx] = (int32_t)((int64_t)rand() % (2 * (int64_t)range + 1) - range);
        if (rand() % 8 == 0) assert_ok(vec_set_null(vec, row_idx));
    }
    if (constant) assert_ok(vec_set_constant(vec));
    return vec;
}

static int32_t value_at(const Vector *vec, uint32_t row_idx)
{
    return vec_i32(vec)[vec->is_constant ? 0 : row_idx];
}

/* every kernel result on every selected row matches a scalar reference, for random mixes of
 * NULLs, constants and selections */
START_TEST(test_kern_randomized_against_scalar_reference)
{
    srand(1234);
    int rounds = (int)(300 * test_scale());
    if (rounds < 20) rounds = 20;
    for (int round_idx = 0; round_idx < rounds; round_idx++) {
        uint32_t count = 1 + (uint32_t)rand() % VEC_VALUE_COUNT_MAX;
        bool a_const = rand() % 5 == 0, b_const = rand() % 5 == 0;
        Vector *a = random_i32_vector(count, 40000, a_const);
        Vector *b = random_i32_vector(count, round_idx % 2 ? 3 : 40000, b_const);
        uint16_t sel_buffer[VEC_VALUE_COUNT_MAX];
        uint32_t sel_count = 0;
        for (uint32_t row_idx = 0; row_idx < count; row_idx++) {
            if (rand() % 3 != 0) sel_buffer[sel_count++] = (uint16_t)row_idx;
        }
        const uint16_t *sel = rand() % 2 ? sel_buffer : NULL;
        uint32_t n = sel != NULL ? sel_count : count;
        const Vector *args[2] = { a, b };
        Vector *sum = vec_new(type_plain(TYPE_INT4)), *product = vec_new(type_plain(TYPE_INT4));
        Vector *less = vec_new(type_plain(TYPE_BOOL)), *quotient = vec_new(type_plain(TYPE_INT4));
        assert_ok(kern_add_i32(&test_ctx, args, sel, n, sum));
        assert_ok(kern_mul_i32(&test_ctx, args, sel, n, product));   /* |a*b| < 2^31 */
        assert_ok(kern_lt_i32(&test_ctx, args, sel, n, less));
        Error *div_err = kern_div_i32(&test_ctx, args, sel, n, quotient);
        uint16_t filtered[VEC_VALUE_COUNT_MAX];
        uint32_t kept;
        assert_ok(kern_filter_lt_i32(&test_ctx, args, sel, n, filtered, &kept));
        bool expect_div_error = false;
        uint32_t expected_kept = 0;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t row_idx = sel != NULL ? sel[k] : k;
            bool is_null = vec_is_null(a, row_idx) || vec_is_null(b, row_idx);
            int32_t x = value_at(a, row_idx), y = value_at(b, row_idx);
            if (vec_is_null(sum, row_idx) != is_null) ck_abort_msg("round %d row %u: NULL", round_idx, row_idx);
            if (is_null) continue;
            if (vec_i32(sum)[row_idx] != x + y) ck_abort_msg("add row %u", row_idx);
            if (vec_i32(product)[row_idx] != x * y) ck_abort_msg("mul row %u", row_idx);
            if (vec_bool(less)[row_idx] != (x < y)) ck_abort_msg("lt row %u", row_idx);
            if (y == 0) expect_div_error = true;
            else if (div_err == NULL && vec_i32(quotient)[row_idx] != x / y) ck_abort_msg("div row %u", row_idx);
            if (x < y) {
                if (expected_kept >= kept || filtered[expected_kept] != row_idx) ck_abort_msg("filter row %u", row_idx);
                expected_kept++;
            }
        }
        if (expected_kept != kept) ck_abort_msg("round %d: filter kept %u, expected %u", round_idx, kept, expected_kept);
        if (expect_div_error) assert_error(div_err, "22012", "division by zero");
        else if (div_err != NULL) ck_abort_msg("unexpected %s", div_err->message);
        arena_reset(test_arena);
    }
}
END_TEST

/* the analytic bar of issue 4: sum(a * b) WHERE c < 500 over int32 vectors of 2048 */
START_TEST(test_kern_benchmark_filtered_sum_of_products)
{
    enum { ROWS = VEC_VALUE_COUNT_MAX };
    Vector *a = vec_new(type_plain(TYPE_INT4)), *b = vec_new(type_plain(TYPE_INT4));
    Vector *c = vec_new(type_plain(TYPE_INT4)), *product = vec_new(type_plain(TYPE_INT4));
    assert_ok(vec_reserve(a, ROWS));
    assert_ok(vec_reserve(b, ROWS));
    assert_ok(vec_reserve(c, ROWS));
    srand(42);
    int64_t expected = 0;
    for (uint32_t row_idx = 0; row_idx < ROWS; row_idx++) {
        vec_i32(a)[row_idx] = rand() % 1000;
        vec_i32(b)[row_idx] = rand() % 1000;
        vec_i32(c)[row_idx] = rand() % 1000;
        if (vec_i32(c)[row_idx] < 500) expected += (int64_t)vec_i32(a)[row_idx] * vec_i32(b)[row_idx];
    }
    const AggKern *sum = kern_agg_find("sum", TYPE_INT4);
    ck_assert_ptr_nonnull(sum);
    Vector *limit = vec_const_int(TYPE_INT4, 500);
    uint16_t sel[ROWS];
    int iterations = (int)(20000 * test_scale());
    if (iterations < 10) iterations = 10;
    AggSumI64 state;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int iteration = 0; iteration < iterations; iteration++) {
        sum->init(&state);
        uint32_t kept;
        const Vector *filter_args[2] = { c, limit };
        /* no ck_assert inside the timed loop: check records every assertion's location */
        Error *err = kern_filter_lt_i32(&test_ctx, filter_args, NULL, ROWS, sel, &kept);
        const Vector *mul_args[2] = { a, b };
        if (err == NULL) err = kern_mul_i32(&test_ctx, mul_args, sel, kept, product);
        if (err == NULL) err = sum->update(&test_ctx, product, sel, kept, &state);
        if (err != NULL) ck_abort_msg("benchmark: %s", err->message);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    ck_assert_int_eq(state.sum, expected);
    double ns = (double)(end.tv_sec - start.tv_sec) * 1e9 + (double)(end.tv_nsec - start.tv_nsec);
    printf("benchmark: sum(a*b) where c < 500: %.2f ns/row (%d x %d rows)\n",
           ns / ((double)iterations * ROWS), iterations, ROWS);
}
END_TEST

static Suite *arith_suite(void)
{
    Suite *suite = suite_create("kern_arith");
    TCase *tcase = tcase_create("kern_arith");
    tcase_add_checked_fixture(tcase, test_arena_setup, test_arena_teardown);
    tcase_add_test(tcase, test_kern_add_i32_values_nulls_constants);
    tcase_add_test(tcase, test_kern_int_overflow_errors);
    tcase_add_test(tcase, test_kern_int_division_by_zero);
    tcase_add_test(tcase, test_kern_float_arith_and_errors);
    tcase_add_test(tcase, test_kern_numeric_fast_and_general);
    tcase_add_test(tcase, test_kern_compare_every_family);
    tcase_add_test(tcase, test_kern_distinct_and_null_tests);
    tcase_add_test(tcase, test_kern_three_valued_logic);
    tcase_add_test(tcase, test_kern_filters_compact_selection);
    tcase_add_test(tcase, test_kern_selection_leaves_other_rows_alone);
    tcase_add_test(tcase, test_kern_randomized_against_scalar_reference);
    tcase_add_test(tcase, test_kern_benchmark_filtered_sum_of_products);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(arith_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
