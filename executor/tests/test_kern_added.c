/* executor/tests/test_kern_added.c: bool_and / bool_or, bitwise operators, div, pi, initcap,
 * translate, date +/- interval, justify_*, extract / date_part / date_trunc, AT TIME ZONE;
 * expected values from PostgreSQL 15. */
#include <stdlib.h>

#include "executor/tests/kern_support.h"

static const char *bool_agg(const char *name, const int *values, uint32_t count)
{
    const AggKern *agg = kern_agg_find(name, TYPE_BOOL);
    ck_assert_msg(agg != NULL, "no %s(boolean)", name);
    ck_assert_uint_eq(agg->result_type, TYPE_BOOL);
    void *state = arena_alloc(test_arena, agg->state_size);
    agg->init(state);
    assert_ok(agg->update(&test_ctx, vec_of_bools(values, count), NULL, count, state));
    Vector *out = vec_new(type_plain(TYPE_BOOL));
    assert_ok(vec_reserve(out, 1));
    assert_ok(agg->finalize(&test_ctx, state, out, 0));
    return row_text(out, 0);
}

START_TEST(test_kern_bool_aggregates)
{
    const int mixed[] = { 1, -1, 0, 1 }, trues[] = { 1, -1, 1 }, nulls[] = { -1, -1 };
    ck_assert_str_eq(bool_agg("bool_and", mixed, 4), "f");
    ck_assert_str_eq(bool_agg("bool_or", mixed, 4), "t");
    ck_assert_str_eq(bool_agg("bool_and", trues, 3), "t");
    ck_assert_str_eq(bool_agg("bool_or", nulls, 2), "NULL");
    ck_assert_str_eq(bool_agg("bool_and", nulls, 2), "NULL");
    ck_assert_ptr_null(kern_agg_find("bool_and", TYPE_INT4));

    /* grouped: rows 0,2 -> group 0 (t, f); rows 1,3 -> group 1 (NULL, t); merge of both */
    const AggKern *agg = kern_agg_find("bool_and", TYPE_BOOL);
    const int values[] = { 1, -1, 0, 1 };
    const uint32_t groups[] = { 0, 1, 0, 1 };
    char *states = arena_alloc(test_arena, agg->state_size * 3);
    for (int group = 0; group < 3; group++) agg->init(states + agg->state_size * (size_t)group);
    assert_ok(agg->update_grouped(&test_ctx, vec_of_bools(values, 4), NULL, 4, groups, states));
    Vector *out = vec_new(type_plain(TYPE_BOOL));
    assert_ok(vec_reserve(out, 3));
    assert_ok(agg->finalize(&test_ctx, states, out, 0));
    assert_ok(agg->finalize(&test_ctx, states + agg->state_size, out, 1));
    assert_ok(agg->finalize(&test_ctx, states + agg->state_size * 2, out, 2));
    ck_assert_str_eq(row_text(out, 0), "f");
    ck_assert_str_eq(row_text(out, 1), "t");
    ck_assert_str_eq(row_text(out, 2), "NULL");
    assert_ok(agg->merge(states + agg->state_size * 2, states + agg->state_size));
    assert_ok(agg->finalize(&test_ctx, states + agg->state_size * 2, out, 2));
    ck_assert_str_eq(row_text(out, 2), "t");
    assert_ok(agg->merge(states + agg->state_size * 2, states));
    assert_ok(agg->finalize(&test_ctx, states + agg->state_size * 2, out, 2));
    ck_assert_str_eq(row_text(out, 2), "f");
}
END_TEST

static const char *int_op(KernFn fn, TypeId type, int64_t a, int64_t b)
{
    Vector *out = vec_new(type_plain(type));
    assert_ok(run2(fn, vec_const_int(type, a), vec_const_int(TYPE_INT4, b), 1, out));
    return row_text(out, 0);
}

START_TEST(test_kern_bitwise_div_pi)
{
    ck_assert_str_eq(int_op(kern_bitand_i32, TYPE_INT4, 12, 10), "8");
    ck_assert_str_eq(int_op(kern_bitor_i32, TYPE_INT4, 12, 10), "14");
    ck_assert_str_eq(int_op(kern_bitxor_i32, TYPE_INT4, 12, 10), "6");
    ck_assert_str_eq(int_op(kern_shl_i32, TYPE_INT4, 1, 4), "16");
    ck_assert_str_eq(int_op(kern_shr_i32, TYPE_INT4, 256, 2), "64");
    ck_assert_str_eq(int_op(kern_shr_i32, TYPE_INT4, -256, 2), "-64");
    ck_assert_str_eq(int_op(kern_shl_i64, TYPE_INT8, 1, 40), "1099511627776");
    Vector *out = vec_new(type_plain(TYPE_INT4));
    assert_ok(run1(kern_bitnot_i32, vec_const_int(TYPE_INT4, 5), 1, out));
    ck_assert_str_eq(row_text(out, 0), "-6");
    /* NULL in, NULL out */
    out = vec_new(type_plain(TYPE_INT8));
    assert_ok(run2(kern_bitand_i64, vec_const_null(type_plain(TYPE_INT8)), vec_const_int(TYPE_INT8, 3), 1, out));
    ck_assert_str_eq(row_text(out, 0), "NULL");

    const char *lhs[] = { "7.5", "-7.5", "17" }, *rhs[] = { "2", "2", "5" };
    out = vec_new(type_plain(TYPE_NUMERIC));
    assert_ok(run2(kern_div_trunc_num, vec_of_nums(type_plain(TYPE_NUMERIC), lhs, 3),
                   vec_of_nums(type_plain(TYPE_NUMERIC), rhs, 3), 3, out));
    ck_assert_str_eq(row_text(out, 0), "3");
    ck_assert_str_eq(row_text(out, 1), "-3");
    ck_assert_str_eq(row_text(out, 2), "3");
    const char *zero[] = { "0" };
    out = vec_new(type_plain(TYPE_NUMERIC));
    assert_error(run2(kern_div_trunc_num, vec_of_nums(type_plain(TYPE_NUMERIC), lhs, 1),
                      vec_of_nums(type_plain(TYPE_NUMERIC), zero, 1), 1, out),
                 "22012", "division by zero");

    out = vec_new(type_plain(TYPE_FLOAT8));
    assert_ok(kern_pi_f64(&test_ctx, NULL, NULL, 2, out));
    ck_assert_str_eq(row_text(out, 1), "3.141592653589793");
}
END_TEST

static const char *str_fn(KernFn fn, const char *a, const char *b, const char *c)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    if (b == NULL) assert_ok(run1(fn, vec_const_str(a), 1, out));
    else assert_ok(run3(fn, vec_const_str(a), vec_const_str(b), vec_const_str(c), 1, out));
    return row_text(out, 0);
}

START_TEST(test_kern_initcap_translate)
{
    ck_assert_str_eq(str_fn(kern_initcap, "hello wORLD", NULL, NULL), "Hello World");
    ck_assert_str_eq(str_fn(kern_initcap, "a1b c-d", NULL, NULL), "A1b C-D");
    ck_assert_str_eq(str_fn(kern_initcap, "", NULL, NULL), "");
    ck_assert_str_eq(str_fn(kern_translate, "hello", "el", "ip"), "hippo");
    ck_assert_str_eq(str_fn(kern_translate, "12345", "143", "ax"), "a2x5");
    ck_assert_str_eq(str_fn(kern_translate, "h\xc3\xa9llo", "\xc3\xa9l", "e\xc3\x9f"),
                     "he\xc3\x9f\xc3\x9fo");
    Vector *out = vec_new(type_plain(TYPE_INT4));
    assert_ok(run2(kern_get_byte, vec_const_str("\x01\xff"), vec_const_int(TYPE_INT4, 1), 1, out));
    ck_assert_str_eq(row_text(out, 0), "255");
    out = vec_new(type_plain(TYPE_INT4));
    assert_error(run2(kern_get_byte, vec_const_str("\x01"), vec_const_int(TYPE_INT4, 5), 1, out),
                 "2202E", "index 5 out of valid range, 0..0");
    out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run3(kern_translate, vec_const_null(type_plain(TYPE_TEXT)), vec_const_str("a"),
                   vec_const_str("b"), 1, out));
    ck_assert_str_eq(row_text(out, 0), "NULL");
}
END_TEST

static Vector *const_interval(const char *text)
{
    Vector *out = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run1(kern_cast_text_interval, vec_const_str(text), 1, out));
    return out;
}

static Vector *const_of(TypeId type, KernFn in, const char *text)
{
    Vector *out = vec_new(type_plain(type));
    assert_ok(run1(in, vec_const_str(text), 1, out));
    return out;
}

static const char *as_text(KernFn out_fn, const Vector *value)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run1(out_fn, value, 1, out));
    return row_text(out, 0);
}

START_TEST(test_kern_datetime_added)
{
    Vector *date = const_of(TYPE_DATE, kern_cast_text_date, "2023-01-31");
    Vector *out = vec_new(type_plain(TYPE_TIMESTAMP));
    assert_ok(run2(kern_date_add_interval, date, const_interval("1 month"), 1, out));
    ck_assert_str_eq(as_text(kern_cast_timestamp_text, out), "2023-02-28 00:00:00");
    out = vec_new(type_plain(TYPE_TIMESTAMP));
    assert_ok(run2(kern_date_sub_interval, date, const_interval("1 hour"), 1, out));
    ck_assert_str_eq(as_text(kern_cast_timestamp_text, out), "2023-01-30 23:00:00");

    out = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run1(kern_justify_hours, const_interval("36 hours"), 1, out));
    ck_assert_str_eq(as_text(kern_cast_interval_text, out), "1 day 12:00:00");
    out = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run1(kern_justify_days, const_interval("35 days"), 1, out));
    ck_assert_str_eq(as_text(kern_cast_interval_text, out), "1 mon 5 days");

    Vector *ts = const_of(TYPE_TIMESTAMP, kern_cast_text_timestamp, "2024-02-28 23:45:10");
    out = vec_new(type_plain(TYPE_NUMERIC));
    assert_ok(run2(kern_extract_timestamp, vec_const_str("hour"), ts, 1, out));
    ck_assert_str_eq(row_text(out, 0), "23");
    out = vec_new(type_plain(TYPE_NUMERIC));
    assert_ok(run2(kern_extract_date, vec_const_str("doy"), date, 1, out));
    ck_assert_str_eq(row_text(out, 0), "31");
    out = vec_new(type_plain(TYPE_FLOAT8));
    assert_ok(run2(kern_date_part_timestamp, vec_const_str("minute"), ts, 1, out));
    ck_assert_str_eq(row_text(out, 0), "45");
    out = vec_new(type_plain(TYPE_NUMERIC));
    assert_error(run2(kern_extract_timestamp, vec_const_str("bogus"), ts, 1, out), "22023",
                 "unit \"bogus\" not recognized for type timestamp without time zone");
    out = vec_new(type_plain(TYPE_TIMESTAMP));
    assert_ok(run2(kern_date_trunc_timestamp, vec_const_str("month"), ts, 1, out));
    ck_assert_str_eq(as_text(kern_cast_timestamp_text, out), "2024-02-01 00:00:00");

    Vector *tz = const_of(TYPE_TIMESTAMPTZ, kern_cast_text_timestamptz, "2024-01-15 08:00:00+00");
    out = vec_new(type_plain(TYPE_TIMESTAMP));
    assert_ok(run2(kern_timezone_timestamptz, vec_const_str("Asia/Tokyo"), tz, 1, out));
    ck_assert_str_eq(as_text(kern_cast_timestamp_text, out), "2024-01-15 17:00:00");
    out = vec_new(type_plain(TYPE_TIMESTAMP));
    assert_error(run2(kern_timezone_timestamptz, vec_const_str("Nowhere/Zone"), tz, 1, out),
                 "22023", "time zone \"Nowhere/Zone\" not recognized");
}
END_TEST

static Suite *added_suite(void)
{
    Suite *suite = suite_create("kern_added");
    TCase *tcase = tcase_create("kern_added");
    tcase_add_checked_fixture(tcase, test_arena_setup, test_arena_teardown);
    tcase_add_test(tcase, test_kern_bool_aggregates);
    tcase_add_test(tcase, test_kern_bitwise_div_pi);
    tcase_add_test(tcase, test_kern_initcap_translate);
    tcase_add_test(tcase, test_kern_datetime_added);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(added_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
