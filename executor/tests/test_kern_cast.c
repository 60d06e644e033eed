/* executor/tests/test_kern_cast.c: casts among numeric types and text input/output, with the
 * strings PostgreSQL 15 prints (checked against a PostgreSQL 15 server, C locale). */
#include <stdio.h>
#include <stdlib.h>

#include "executor/tests/kern_support.h"

/* cast_text: run the text->T kernel on one string; returns the error or NULL; *out_vec set */
static Error *from_text(KernFn fn, Type type, const char *text, Vector **out_vec)
{
    Vector *in = vec_of_strs(TYPE_TEXT, &text, 1);
    *out_vec = vec_new(type);
    return run1(fn, in, 1, *out_vec);
}

/* round trip: text -> T -> text gives expected */
static void assert_text_round_trip(KernFn in_fn, KernFn out_fn, Type type, const char *text,
                                   const char *expected)
{
    Vector *value;
    Error *err = from_text(in_fn, type, text, &value);
    ck_assert_msg(err == NULL, "%s: %s", text, err != NULL ? err->message : "");
    Vector *back = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run1(out_fn, value, 1, back));
    ck_assert_msg(strcmp(row_text(back, 0), expected) == 0, "%s -> %s, expected %s", text,
                  row_text(back, 0), expected);
}

static void assert_text_error(KernFn in_fn, Type type, const char *text, const char *code,
                              const char *message)
{
    Vector *value;
    assert_error(from_text(in_fn, type, text, &value), code, message);
}

START_TEST(test_kern_float_output_shortest_exact)
{
    static const struct { double value; const char *text; } CASES[] = {
        { 1e15, "1e+15" }, { 1e14, "100000000000000" }, { 0.1, "0.1" },
        { 1.0 / 3, "0.3333333333333333" }, { 1e-5, "1e-05" }, { 0.0001, "0.0001" },
        { -0.0, "-0" }, { 0.0, "0" }, { 123456789012345678.0, "1.2345678901234568e+17" },
        { 1e-310, "1e-310" }, { 5e-324, "5e-324" }, { 1.7976931348623157e308, "1.7976931348623157e+308" },
        { 2.5, "2.5" }, { -1234.5, "-1234.5" }, { 100, "100" }, { NAN, "NaN" },
        { INFINITY, "Infinity" }, { -INFINITY, "-Infinity" },
    };
    char buffer[64];
    for (size_t case_idx = 0; case_idx < sizeof CASES / sizeof CASES[0]; case_idx++) {
        kern_float8_format(CASES[case_idx].value, buffer);
        ck_assert_str_eq(buffer, CASES[case_idx].text);
    }
    static const struct { float value; const char *text; } CASES4[] = {
        { 1e6f, "1e+06" }, { 100000.0f, "100000" }, { 1.5f, "1.5" }, { 3.4e38f, "3.4e+38" },
        { 1.0f / 3, "0.33333334" }, { 1e-5f, "1e-05" }, { 123456.7f, "123456.7" },
        { 1234567.0f, "1.234567e+06" },
    };
    for (size_t case_idx = 0; case_idx < sizeof CASES4 / sizeof CASES4[0]; case_idx++) {
        kern_float4_format(CASES4[case_idx].value, buffer);
        ck_assert_str_eq(buffer, CASES4[case_idx].text);
    }
    /* random doubles read back exactly */
    srand(7);
    int iterations = (int)(20000 * test_scale());
    for (int iteration = 0; iteration < iterations; iteration++) {
        uint64_t bits = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
        double value;
        memcpy(&value, &bits, sizeof value);
        if (isnan(value)) continue;
        kern_float8_format(value, buffer);
        if (strtod(buffer, NULL) != value) ck_abort_msg("%s does not read back", buffer);
    }
}
END_TEST

START_TEST(test_kern_int_text_io)
{
    assert_text_round_trip(kern_cast_text_i32, kern_cast_i32_text, type_plain(TYPE_INT4), "  12  ", "12");
    assert_text_round_trip(kern_cast_text_i32, kern_cast_i32_text, type_plain(TYPE_INT4), "-2147483648", "-2147483648");
    assert_text_round_trip(kern_cast_text_i32, kern_cast_i32_text, type_plain(TYPE_INT4), "+7", "7");
    assert_text_round_trip(kern_cast_text_i64, kern_cast_i64_text, type_plain(TYPE_INT8),
                           "-9223372036854775808", "-9223372036854775808");
    assert_text_round_trip(kern_cast_text_i16, kern_cast_i16_text, type_plain(TYPE_INT2), "-32768", "-32768");
    assert_text_error(kern_cast_text_i32, type_plain(TYPE_INT4), "x", "22P02",
                      "invalid input syntax for type integer: \"x\"");
    assert_text_error(kern_cast_text_i32, type_plain(TYPE_INT4), "", "22P02",
                      "invalid input syntax for type integer: \"\"");
    assert_text_error(kern_cast_text_i32, type_plain(TYPE_INT4), "99999999999", "22003",
                      "value \"99999999999\" is out of range for type integer");
    assert_text_error(kern_cast_text_i16, type_plain(TYPE_INT2), " 1 2", "22P02",
                      "invalid input syntax for type smallint: \" 1 2\"");
    assert_text_error(kern_cast_text_i16, type_plain(TYPE_INT2), "-32769", "22003",
                      "value \"-32769\" is out of range for type smallint");
    assert_text_error(kern_cast_text_i64, type_plain(TYPE_INT8), "9223372036854775808", "22003",
                      "value \"9223372036854775808\" is out of range for type bigint");
    assert_text_error(kern_cast_text_i64, type_plain(TYPE_INT8), "1.5", "22P02",
                      "invalid input syntax for type bigint: \"1.5\"");
    assert_text_round_trip(kern_cast_text_oid, kern_cast_oid_text, type_plain(TYPE_OID), "4294967295", "4294967295");
    assert_text_round_trip(kern_cast_text_oid, kern_cast_oid_text, type_plain(TYPE_OID), "-1", "4294967295");
}
END_TEST

START_TEST(test_kern_float_text_input)
{
    Type f8 = type_plain(TYPE_FLOAT8), f4 = type_plain(TYPE_FLOAT4);
    assert_text_round_trip(kern_cast_text_f64, kern_cast_f64_text, f8, " 0.1 ", "0.1");
    assert_text_round_trip(kern_cast_text_f64, kern_cast_f64_text, f8, "-Infinity", "-Infinity");
    assert_text_round_trip(kern_cast_text_f64, kern_cast_f64_text, f8, "inf", "Infinity");
    assert_text_round_trip(kern_cast_text_f64, kern_cast_f64_text, f8, "nan", "NaN");
    assert_text_round_trip(kern_cast_text_f64, kern_cast_f64_text, f8, "1e-310", "1e-310");
    assert_text_round_trip(kern_cast_text_f32, kern_cast_f32_text, f4, "123456.7", "123456.7");
    assert_text_error(kern_cast_text_f64, f8, "1e400", "22003",
                      "\"1e400\" is out of range for type double precision");
    assert_text_error(kern_cast_text_f64, f8, "abc", "22P02",
                      "invalid input syntax for type double precision: \"abc\"");
    assert_text_error(kern_cast_text_f64, f8, "1.5x", "22P02",
                      "invalid input syntax for type double precision: \"1.5x\"");
    assert_text_error(kern_cast_text_f32, f4, "1e40", "22003", "\"1e40\" is out of range for type real");
    assert_text_error(kern_cast_text_f32, f4, "", "22P02", "invalid input syntax for type real: \"\"");
}
END_TEST

START_TEST(test_kern_bool_text_io)
{
    static const struct { const char *text; const char *value; } CASES[] = {
        { "t", "true" }, { "TRUE", "true" }, { " yes ", "true" }, { "on", "true" }, { "1", "true" },
        { "f", "false" }, { "fal", "false" }, { "no", "false" }, { " of ", "false" }, { "0", "false" },
        { "y", "true" }, { "n", "false" },
    };
    for (size_t case_idx = 0; case_idx < sizeof CASES / sizeof CASES[0]; case_idx++) {
        assert_text_round_trip(kern_cast_text_bool, kern_cast_bool_text, type_plain(TYPE_BOOL),
                               CASES[case_idx].text, CASES[case_idx].value);
    }
    assert_text_round_trip(kern_cast_text_bool, kern_out_bool, type_plain(TYPE_BOOL), "true", "t");
    assert_text_error(kern_cast_text_bool, type_plain(TYPE_BOOL), "maybe", "22P02",
                      "invalid input syntax for type boolean: \"maybe\"");
    assert_text_error(kern_cast_text_bool, type_plain(TYPE_BOOL), "o", "22P02",
                      "invalid input syntax for type boolean: \"o\"");
    assert_text_error(kern_cast_text_bool, type_plain(TYPE_BOOL), "truee", "22P02",
                      "invalid input syntax for type boolean: \"truee\"");
}
END_TEST

static Type numeric_type(int precision, int scale)
{
    Type type = type_plain(TYPE_NUMERIC);
    if (precision > 0) assert_ok(numeric_typmod_make(precision, scale, &type.typmod));
    return type;
}

START_TEST(test_kern_numeric_text_io_and_typmod)
{
    assert_text_round_trip(kern_cast_text_num, kern_cast_num_text, numeric_type(0, 0), " 1.50 ", "1.50");
    assert_text_round_trip(kern_cast_text_num, kern_cast_num_text, numeric_type(4, 2), "12.345", "12.35");
    assert_text_round_trip(kern_cast_text_num, kern_cast_num_text, numeric_type(30, 5), "-1e20", "-100000000000000000000.00000");
    assert_text_round_trip(kern_cast_text_num, kern_cast_num_text, numeric_type(0, 0), "NaN", "NaN");
    Vector *value;
    Error *err = from_text(kern_cast_text_num, numeric_type(4, 2), "123.4", &value);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err->message, "numeric field overflow");
    ck_assert_str_eq(err->detail, "A field with precision 4, scale 2 must round to an absolute value less than 10^2.");
    err_free(err);
    assert_text_error(kern_cast_text_num, numeric_type(0, 0), "1.2.3", "22P02",
                      "invalid input syntax for type numeric: \"1.2.3\"");
}
END_TEST

START_TEST(test_kern_numeric_casts)
{
    Vector *out;
    /* float -> int: half to even; numeric -> int: half away from zero */
    Vector *floats = vec_of_f64((double[]){ 2.5, -3.5, 0.5, 1.5 }, 4);
    out = vec_new(type_plain(TYPE_INT4));
    assert_ok(run1(kern_cast_f64_i32, floats, 4, out));
    ck_assert_str_eq(row_text(out, 0), "2");
    ck_assert_str_eq(row_text(out, 1), "-4");
    ck_assert_str_eq(row_text(out, 2), "0");
    ck_assert_str_eq(row_text(out, 3), "2");
    Vector *nums = vec_of_nums(numeric_type(5, 1), (const char *const[]){ "2.5", "-2.5", "1.4", NULL }, 4);
    assert_ok(run1(kern_cast_num_i32, nums, 4, out));
    ck_assert_str_eq(row_text(out, 0), "3");
    ck_assert_str_eq(row_text(out, 1), "-3");
    ck_assert_str_eq(row_text(out, 2), "1");
    ck_assert_str_eq(row_text(out, 3), "NULL");
    Vector *general = vec_of_nums(numeric_type(0, 0), (const char *const[]){ "2.5", "NaN" }, 2);
    assert_ok(run1(kern_cast_num_i32, general, 1, out));
    ck_assert_str_eq(row_text(out, 0), "3");
    assert_error(run1(kern_cast_num_i32, general, 2, out), "0A000", "cannot convert NaN to integer");
    assert_error(run1(kern_cast_f64_i32, vec_of_f64((double[]){ INFINITY }, 1), 1, out), "22003",
                 "integer out of range");
    assert_error(run1(kern_cast_f64_i32, vec_of_f64((double[]){ 2147483647.5 }, 1), 1, out), "22003",
                 "integer out of range");
    Vector *out2 = vec_new(type_plain(TYPE_INT2));
    assert_error(run1(kern_cast_i32_i16, vec_const_int(TYPE_INT4, 32768), 1, out2), "22003",
                 "smallint out of range");
    assert_error(run1(kern_cast_num_i16, vec_of_nums(numeric_type(10, 0), (const char *const[]){ "40000" }, 1), 1, out2),
                 "22003", "smallint out of range");
    Vector *f4 = vec_new(type_plain(TYPE_FLOAT4));
    assert_error(run1(kern_cast_f64_f32, vec_of_f64((double[]){ 1e39 }, 1), 1, f4), "22003",
                 "value out of range: overflow");
    assert_error(run1(kern_cast_f64_f32, vec_of_f64((double[]){ 1e-50 }, 1), 1, f4), "22003",
                 "value out of range: underflow");
    /* int -> numeric(p,s) fast and with PostgreSQL's overflow error */
    Vector *n52 = vec_new(numeric_type(5, 2));
    assert_ok(run1(kern_cast_i32_num, vec_of_ints(TYPE_INT4, (int64_t[]){ 999, -5 }, 2), 2, n52));
    ck_assert_int_eq(n52->phys, VEC_PHYS_NUM64);
    ck_assert_str_eq(row_text(n52, 0), "999.00");
    ck_assert_str_eq(row_text(n52, 1), "-5.00");
    Error *err = run1(kern_cast_i32_num, vec_const_int(TYPE_INT4, 1000), 1, n52);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err->message, "numeric field overflow");
    err_free(err);
    Vector *plain = vec_new(numeric_type(0, 0));
    assert_ok(run1(kern_cast_f64_num, vec_of_f64((double[]){ 0.1, 1e20 }, 2), 2, plain));
    ck_assert_str_eq(row_text(plain, 0), "0.1");
    ck_assert_str_eq(row_text(plain, 1), "100000000000000000000");
    Vector *f8 = vec_new(type_plain(TYPE_FLOAT8));
    assert_ok(run1(kern_cast_num_f64, nums, 3, f8));
    ck_assert_str_eq(row_text(f8, 0), "2.5");
    ck_assert_str_eq(row_text(f8, 2), "1.4");
    assert_ok(run1(kern_cast_num_num, nums, 3, vec_new(numeric_type(3, 0))));
    Vector *rounded = vec_new(numeric_type(3, 0));
    assert_ok(run1(kern_cast_num_num, general, 1, rounded));
    ck_assert_str_eq(row_text(rounded, 0), "3");
    Vector *i8 = vec_new(type_plain(TYPE_INT8));
    assert_ok(run1(kern_cast_i32_i64, vec_const_int(TYPE_INT4, -7), 1, i8));
    ck_assert_str_eq(row_text(i8, 0), "-7");
    Vector *b = vec_new(type_plain(TYPE_BOOL));
    assert_ok(run1(kern_cast_i32_bool, vec_of_ints(TYPE_INT4, (int64_t[]){ 0, 5 }, 2), 2, b));
    ck_assert_str_eq(row_text(b, 0), "f");
    ck_assert_str_eq(row_text(b, 1), "t");
}
END_TEST

START_TEST(test_kern_datetime_text_io)
{
    assert_text_round_trip(kern_cast_text_date, kern_cast_date_text, type_plain(TYPE_DATE), "2024-02-29", "2024-02-29");
    assert_text_round_trip(kern_cast_text_timestamp, kern_cast_timestamp_text, type_plain(TYPE_TIMESTAMP),
                           "2024-02-29 13:45:00.5", "2024-02-29 13:45:00.5");
    assert_text_round_trip(kern_cast_text_timestamptz, kern_cast_timestamptz_text, type_plain(TYPE_TIMESTAMPTZ),
                           "2024-02-29 13:45:00+02", "2024-02-29 11:45:00+00");
    assert_text_round_trip(kern_cast_text_time, kern_cast_time_text, type_make(TYPE_TIME, 0), "13:45:00.6", "13:45:01");
    assert_text_round_trip(kern_cast_text_interval, kern_cast_interval_text, type_plain(TYPE_INTERVAL),
                           "1 year 2 months 3 days 04:05:06", "1 year 2 mons 3 days 04:05:06");
    assert_text_error(kern_cast_text_date, type_plain(TYPE_DATE), "2023-02-29", "22008",
                      "date/time field value out of range: \"2023-02-29\"");
    assert_text_error(kern_cast_text_date, type_plain(TYPE_DATE), "garbage", "22007",
                      "invalid input syntax for type date: \"garbage\"");
}
END_TEST

START_TEST(test_kern_varchar_and_bpchar_casts)
{
    Vector *in = vec_of_strs(TYPE_TEXT, (const char *const[]){ "abcdef", "abc  ", "h\xc3\xa9llo", "ab" }, 4);
    Vector *out = vec_new(type_make(TYPE_VARCHAR, 3 + 4));
    assert_ok(run1(kern_cast_text_varchar, in, 4, out));
    ck_assert_str_eq(row_text(out, 0), "abc");
    ck_assert_str_eq(row_text(out, 1), "abc");
    ck_assert_str_eq(row_text(out, 2), "h\xc3\xa9l");   /* characters, not bytes */
    ck_assert_str_eq(row_text(out, 3), "ab");
    assert_error(run1(kern_assign_text_varchar, in, 1, out), "22001",
                 "value too long for type character varying(3)");
    uint16_t sel[1] = { 1 };
    const Vector *args[1] = { in };
    assert_ok(kern_assign_text_varchar(&test_ctx, args, sel, 1, out));   /* only spaces cut */
    ck_assert_str_eq(row_text(out, 1), "abc");
    Vector *chars = vec_new(type_make(TYPE_BPCHAR, 6 + 4));
    assert_ok(run1(kern_cast_text_bpchar, in, 4, chars));
    ck_assert_str_eq(row_text(chars, 3), "ab    ");
    ck_assert_str_eq(row_text(chars, 2), "h\xc3\xa9llo ");
    assert_error(run1(kern_assign_text_bpchar, vec_const_str("abcdefg"), 1, chars), "22001",
                 "value too long for type character(6)");
}
END_TEST

START_TEST(test_kern_bytea_text_io)
{
    Type bytea = type_plain(TYPE_BYTEA);
    assert_text_round_trip(kern_cast_text_bytea, kern_cast_bytea_text, bytea, "\\x0aFF", "\\x0aff");
    assert_text_round_trip(kern_cast_text_bytea, kern_cast_bytea_text, bytea, "\\x0a ff", "\\x0aff");
    assert_text_round_trip(kern_cast_text_bytea, kern_cast_bytea_text, bytea, "ab\\\\c\\001", "\\x61625c6301");
    assert_text_round_trip(kern_cast_text_bytea, kern_cast_bytea_text, bytea, "\xc3\xa9", "\\xc3a9");
    assert_text_error(kern_cast_text_bytea, bytea, "\\x0", "22023", "invalid hexadecimal data: odd number of digits");
    assert_text_error(kern_cast_text_bytea, bytea, "\\xzz", "22023", "invalid hexadecimal digit: \"z\"");
    assert_text_error(kern_cast_text_bytea, bytea, "a\\9", "22P02", "invalid input syntax for type bytea");
}
END_TEST

static Suite *cast_suite(void)
{
    Suite *suite = suite_create("kern_cast");
    TCase *tcase = tcase_create("kern_cast");
    tcase_add_checked_fixture(tcase, test_arena_setup, test_arena_teardown);
    tcase_add_test(tcase, test_kern_float_output_shortest_exact);
    tcase_add_test(tcase, test_kern_int_text_io);
    tcase_add_test(tcase, test_kern_float_text_input);
    tcase_add_test(tcase, test_kern_bool_text_io);
    tcase_add_test(tcase, test_kern_numeric_text_io_and_typmod);
    tcase_add_test(tcase, test_kern_numeric_casts);
    tcase_add_test(tcase, test_kern_datetime_text_io);
    tcase_add_test(tcase, test_kern_varchar_and_bpchar_casts);
    tcase_add_test(tcase, test_kern_bytea_text_io);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(cast_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
