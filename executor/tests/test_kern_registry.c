/* executor/tests/test_kern_registry.c: operator/function resolution with implicit casts, and
 * the cast table, run end to end through the kernels they return. */
#include <stdlib.h>

#include "executor/tests/kern_support.h"

static KernLookup lookup2(const char *name, TypeId a, TypeId b)
{
    Type types[2] = { type_plain(a), type_plain(b) };
    KernLookup lookup;
    Error *err = kern_lookup(name, types, 2, &lookup);
    ck_assert_msg(err == NULL, "%s: %s", name, err != NULL ? err->message : "");
    return lookup;
}

START_TEST(test_kern_lookup_implicit_casts)
{
    KernLookup lookup = lookup2("+", TYPE_INT2, TYPE_INT4);
    ck_assert_uint_eq(lookup.result_type.id, TYPE_INT4);
    ck_assert_uint_eq(lookup.arg_types[0].id, TYPE_INT4);
    ck_assert_uint_eq(lookup.arg_types[1].id, TYPE_INT4);
    ck_assert_ptr_eq(lookup.fn, kern_add_i32);
    lookup = lookup2("+", TYPE_INT2, TYPE_INT2);
    ck_assert_uint_eq(lookup.result_type.id, TYPE_INT2);
    lookup = lookup2("*", TYPE_INT4, TYPE_NUMERIC);
    ck_assert_uint_eq(lookup.result_type.id, TYPE_NUMERIC);
    ck_assert_ptr_eq(lookup.fn, kern_mul_num);
    lookup = lookup2("-", TYPE_INT8, TYPE_FLOAT8);
    ck_assert_uint_eq(lookup.result_type.id, TYPE_FLOAT8);
    lookup = lookup2("+", TYPE_INT4, TYPE_FLOAT4);        /* PostgreSQL: double precision */
    ck_assert_uint_eq(lookup.result_type.id, TYPE_FLOAT8);
    lookup = lookup2("+", TYPE_FLOAT4, TYPE_FLOAT4);
    ck_assert_uint_eq(lookup.result_type.id, TYPE_FLOAT4);
    lookup = lookup2("=", TYPE_INT4, TYPE_INT8);
    ck_assert_ptr_eq(lookup.fn, kern_eq_i64);
    lookup = lookup2("<", TYPE_UNKNOWN, TYPE_INT8);
    ck_assert_uint_eq(lookup.arg_types[0].id, TYPE_INT8);
    ck_assert_ptr_eq(lookup.fn, kern_lt_i64);
    ck_assert_ptr_eq(lookup.filter, kern_filter_lt_i64);
    lookup = lookup2("=", TYPE_VARCHAR, TYPE_UNKNOWN);
    ck_assert_ptr_eq(lookup.fn, kern_eq_str);
    ck_assert_uint_eq(lookup.arg_types[0].id, TYPE_TEXT);
    lookup = lookup2("||", TYPE_UNKNOWN, TYPE_UNKNOWN);
    ck_assert_uint_eq(lookup.result_type.id, TYPE_TEXT);
    lookup = lookup2("<", TYPE_DATE, TYPE_TIMESTAMP);
    ck_assert_uint_eq(lookup.arg_types[0].id, TYPE_TIMESTAMP);
    lookup = lookup2("~~", TYPE_TEXT, TYPE_UNKNOWN);
    ck_assert_ptr_eq(lookup.fn, kern_like);
    lookup = lookup2("lpad", TYPE_UNKNOWN, TYPE_INT4);
    ck_assert_uint_eq(lookup.arg_types[0].id, TYPE_TEXT);
    lookup = lookup2("round", TYPE_INT4, TYPE_INT4);   /* round(numeric, int) */
    ck_assert_ptr_eq(lookup.fn, kern_round2_num);
    Type one[1] = { type_plain(TYPE_INT4) };
    KernLookup single;
    assert_ok(kern_lookup("sqrt", one, 1, &single));   /* preferred type: float8 */
    ck_assert_uint_eq(single.result_type.id, TYPE_FLOAT8);
    assert_ok(kern_lookup("-", one, 1, &single));
    ck_assert_ptr_eq(single.fn, kern_neg_i32);
    Type str[1] = { type_plain(TYPE_VARCHAR) };
    assert_ok(kern_lookup("length", str, 1, &single));
    ck_assert_uint_eq(single.result_type.id, TYPE_INT4);
}
END_TEST

START_TEST(test_kern_lookup_errors)
{
    Type types[2] = { type_plain(TYPE_INT4), type_plain(TYPE_TEXT) };
    KernLookup lookup;
    Error *err = kern_lookup("+", types, 2, &lookup);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "42883");
    ck_assert_str_eq(err->message, "operator does not exist: integer + text");
    ck_assert_ptr_nonnull(err->hint);
    err_free(err);
    assert_error(kern_lookup("frobnicate", types, 2, &lookup), "42883",
                 "function frobnicate(integer, text) does not exist");
    assert_error(kern_lookup("-", &types[1], 1, &lookup), "42883", "operator does not exist: - text");
    assert_error(kern_lookup("<", (Type[]){ type_plain(TYPE_DATE), type_plain(TYPE_INT4) }, 2, &lookup),
                 "42883", "operator does not exist: date < integer");
}
END_TEST

START_TEST(test_kern_lookup_runs_end_to_end)
{
    /* '41' + 1 with the casts the lookup asks for */
    Type types[2] = { type_plain(TYPE_UNKNOWN), type_plain(TYPE_INT4) };
    KernLookup lookup;
    assert_ok(kern_lookup("+", types, 2, &lookup));
    KernFn cast;
    assert_ok(kern_cast_lookup(type_plain(TYPE_TEXT), lookup.arg_types[0], &cast));
    ck_assert_ptr_eq(cast, kern_cast_text_i32);
    Vector *left = vec_new(lookup.arg_types[0]);
    assert_ok(run1(cast, vec_const_str("41"), 1, left));
    Vector *out = vec_new(lookup.result_type);
    assert_ok(run2(lookup.fn, left, vec_const_int(TYPE_INT4, 1), 1, out));
    ck_assert_str_eq(row_text(out, 0), "42");
}
END_TEST

START_TEST(test_kern_cast_lookup_table)
{
    KernFn fn;
    assert_ok(kern_cast_lookup(type_plain(TYPE_INT4), type_plain(TYPE_INT8), &fn));
    ck_assert_ptr_eq(fn, kern_cast_i32_i64);
    assert_ok(kern_cast_lookup(type_plain(TYPE_FLOAT8), type_plain(TYPE_NUMERIC), &fn));
    ck_assert_ptr_eq(fn, kern_cast_f64_num);
    assert_ok(kern_cast_lookup(type_plain(TYPE_NUMERIC), type_plain(TYPE_FLOAT4), &fn));
    ck_assert_ptr_eq(fn, kern_cast_num_f32);
    Type n52 = type_plain(TYPE_NUMERIC);
    assert_ok(numeric_typmod_make(5, 2, &n52.typmod));
    assert_ok(kern_cast_lookup(type_plain(TYPE_NUMERIC), n52, &fn));
    ck_assert_ptr_eq(fn, kern_cast_num_num);
    assert_ok(kern_cast_lookup(type_plain(TYPE_INT4), type_plain(TYPE_INT4), &fn));
    ck_assert_ptr_null(fn);
    assert_ok(kern_cast_lookup(type_plain(TYPE_TEXT), type_plain(TYPE_DATE), &fn));
    ck_assert_ptr_eq(fn, kern_cast_text_date);
    assert_ok(kern_cast_lookup(type_plain(TYPE_TIMESTAMPTZ), type_plain(TYPE_TEXT), &fn));
    ck_assert_ptr_eq(fn, kern_cast_timestamptz_text);
    assert_ok(kern_cast_lookup(type_plain(TYPE_TEXT), type_make(TYPE_VARCHAR, 14), &fn));
    ck_assert_ptr_eq(fn, kern_cast_text_varchar);
    assert_ok(kern_cast_lookup(type_plain(TYPE_VARCHAR), type_plain(TYPE_TEXT), &fn));
    ck_assert_ptr_null(fn);
    assert_ok(kern_cast_lookup(type_plain(TYPE_BOOL), type_plain(TYPE_INT4), &fn));
    ck_assert_ptr_eq(fn, kern_cast_bool_i32);
    assert_error(kern_cast_lookup(type_plain(TYPE_INT4), type_plain(TYPE_DATE), &fn), "42846",
                 "cannot cast type integer to date");
}
END_TEST

/* run_text: cast each text literal to its type, run the resolved operator, print the result */
static const char *run_op_text(const char *name, TypeId a_type, const char *a_text, TypeId b_type,
                               const char *b_text)
{
    Type types[2] = { type_plain(a_type), type_plain(b_type) };
    const char *texts[2] = { a_text, b_text };
    KernLookup lookup;
    assert_ok(kern_lookup(name, types, 2, &lookup));
    Vector *args[2];
    for (int arg_idx = 0; arg_idx < 2; arg_idx++) {
        KernFn cast;
        assert_ok(kern_cast_lookup(type_plain(TYPE_TEXT), lookup.arg_types[arg_idx], &cast));
        args[arg_idx] = vec_new(lookup.arg_types[arg_idx]);
        assert_ok(run1(cast, vec_const_str(texts[arg_idx]), 1, args[arg_idx]));
    }
    Vector *out = vec_new(lookup.result_type);
    Error *err = run2(lookup.fn, args[0], args[1], 1, out);
    if (err != NULL) {
        const char *message = arena_strdup(test_arena, err->message);
        err_free(err);
        return message;
    }
    KernFn to_text;
    assert_ok(kern_cast_lookup(lookup.result_type, type_plain(TYPE_TEXT), &to_text));
    Vector *text = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run1(to_text, out, 1, text));
    return row_text(text, 0);
}

START_TEST(test_kern_datetime_operators)
{
    ck_assert_str_eq(run_op_text("+", TYPE_DATE, "2024-02-28", TYPE_INT4, "2"), "2024-03-01");
    ck_assert_str_eq(run_op_text("-", TYPE_DATE, "2024-03-01", TYPE_DATE, "2024-02-01"), "29");
    ck_assert_str_eq(run_op_text("+", TYPE_TIMESTAMP, "2024-01-31 10:00", TYPE_INTERVAL, "1 month"),
                     "2024-02-29 10:00:00");
    ck_assert_str_eq(run_op_text("-", TYPE_TIMESTAMP, "2024-03-01", TYPE_TIMESTAMP, "2024-02-28 12:00"),
                     "1 day 12:00:00");
    ck_assert_str_eq(run_op_text("*", TYPE_INTERVAL, "1 day", TYPE_FLOAT8, "1.5"), "1 day 12:00:00");
    ck_assert_str_eq(run_op_text("+", TYPE_DATE, "5874897-12-31", TYPE_INT4, "1"), "date out of range");
    ck_assert_str_eq(run_op_text("<", TYPE_DATE, "2024-01-01", TYPE_DATE, "2024-01-02"), "true");
}
END_TEST

static Suite *registry_suite(void)
{
    Suite *suite = suite_create("kern_registry");
    TCase *tcase = tcase_create("kern_registry");
    tcase_add_checked_fixture(tcase, test_arena_setup, test_arena_teardown);
    tcase_add_test(tcase, test_kern_lookup_implicit_casts);
    tcase_add_test(tcase, test_kern_lookup_errors);
    tcase_add_test(tcase, test_kern_lookup_runs_end_to_end);
    tcase_add_test(tcase, test_kern_cast_lookup_table);
    tcase_add_test(tcase, test_kern_datetime_operators);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(registry_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
