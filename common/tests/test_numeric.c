/* common/tests/test_numeric.c: NUMERIC against PostgreSQL 15's answers.
 *
 * numeric_cases.txt holds PostgreSQL's answers for about 7,200 expressions (edge cases and a
 * seeded random sample), made by tools/numeric_pg_check/gen_cases.py; the replay needs no
 * server. The other tests cover error messages, the stored and wire forms, the fast paths, the
 * sum/avg accumulator and randomized properties (scaled by BIRCH_TEST_SCALE). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/numeric.h"

enum { CASE_LINE_SIZE_MAX = 1 << 20, FAILURE_PRINT_MAX = 40 };

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static Numeric parse(Arena *arena, const char *text)
{
    Numeric num;
    Error *err = numeric_from_text(text, arena, &num);
    if (err != NULL) ck_abort_msg("parse %s: %s", text, err->message);
    return num;
}

static const char *show(Arena *arena, const Numeric *num)
{
    char *text;
    ck_assert_ptr_null(numeric_to_text(num, arena, &text));
    return text;
}

/* ---- Replay of PostgreSQL's answers --------------------------------------------------------- */

static void unescape(char *text)
{
    char *out = text;
    for (char *in = text; *in != '\0'; in++) {
        if (in[0] == '\\' && (in[1] == 't' || in[1] == 'n')) {
            *out++ = in[1] == 't' ? '\t' : '\n';
            in++;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
}

/* eval_aggregate: sum or avg over a comma-separated list. */
static Error *eval_aggregate(const char *op, const char *list, Arena *arena, char **result_out)
{
    NumericAcc acc;
    numeric_acc_init(&acc);
    char *copy = arena_strdup(arena, list);
    Error *err = NULL;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item != NULL && err == NULL;
         item = strtok_r(NULL, ",", &save)) {
        Numeric num;
        err = numeric_from_text(item, arena, &num);
        if (err == NULL) err = numeric_acc_add(&acc, &num);
    }
    Numeric out;
    bool is_null = false;
    if (err == NULL) {
        err = strcmp(op, "sum") == 0 ? numeric_acc_sum(&acc, arena, &out, &is_null)
                                     : numeric_acc_avg(&acc, arena, &out, &is_null);
    }
    numeric_acc_destroy(&acc);
    if (err == NULL) *result_out = is_null ? "NULL" : (char *)show(arena, &out);
    return err;
}

/* eval_float: the double (float) conversion compared with PostgreSQL's shortest output. */
static Error *eval_float(const char *op, const Numeric *a, const char *expected, Arena *arena,
                         char **result_out)
{
    double value;
    if (strcmp(op, "float8") == 0) {
        TRY(numeric_to_double(a, &value));
    } else {
        float float_value;
        TRY(numeric_to_float(a, &float_value));
        value = float_value;
    }
    double expected_value = strcmp(op, "float8") == 0 ? strtod(expected, NULL) : strtof(expected, NULL);
    bool same = (isnan(value) && isnan(expected_value)) || value == expected_value;
    *result_out = same ? (char *)expected : arena_strdup(arena, "(different double)");
    return NULL;
}

static Error *eval_unary(const char *op, const Numeric *a, Arena *arena, Numeric *out)
{
    if (strcmp(op, "in") == 0) { *out = *a; return NULL; }
    if (strcmp(op, "ceil") == 0) return numeric_ceil(a, arena, out);
    if (strcmp(op, "floor") == 0) return numeric_floor(a, arena, out);
    if (strcmp(op, "abs") == 0) return numeric_abs(a, arena, out);
    if (strcmp(op, "neg") == 0) return numeric_negate(a, arena, out);
    if (strcmp(op, "sign") == 0) return numeric_sign(a, arena, out);
    if (strcmp(op, "sqrt") == 0) return numeric_sqrt(a, arena, out);
    if (strcmp(op, "exp") == 0) return numeric_exp(a, arena, out);
    if (strcmp(op, "ln") == 0) return numeric_ln(a, arena, out);
    if (strcmp(op, "log10") == 0) return numeric_log10(a, arena, out);
    if (strcmp(op, "trimscale") == 0) return numeric_trim_scale(a, arena, out);
    ck_abort_msg("unknown op %s", op);
    return NULL;
}

static Error *eval_binary(const char *op, const Numeric *a, const Numeric *b, Arena *arena,
                          Numeric *out)
{
    if (strcmp(op, "add") == 0) return numeric_add(a, b, arena, out);
    if (strcmp(op, "sub") == 0) return numeric_sub(a, b, arena, out);
    if (strcmp(op, "mul") == 0) return numeric_mul(a, b, arena, out);
    if (strcmp(op, "div") == 0) return numeric_div(a, b, arena, out);
    if (strcmp(op, "mod") == 0) return numeric_mod(a, b, arena, out);
    if (strcmp(op, "divt") == 0) return numeric_div_trunc(a, b, arena, out);
    if (strcmp(op, "pow") == 0) return numeric_power(a, b, arena, out);
    if (strcmp(op, "log") == 0) return numeric_log(a, b, arena, out);
    ck_abort_msg("unknown op %s", op);
    return NULL;
}

static Error *eval_integer(const char *op, const Numeric *a, Arena *arena, char **result_out)
{
    int64_t value;
    int32_t scale;
    if (strcmp(op, "int2") == 0) {
        int16_t value16;
        TRY(numeric_to_int16(a, &value16));
        value = value16;
    } else if (strcmp(op, "int4") == 0) {
        int32_t value32;
        TRY(numeric_to_int32(a, &value32));
        value = value32;
    } else if (strcmp(op, "int8") == 0) {
        TRY(numeric_to_int64(a, &value));
    } else {
        bool has = strcmp(op, "scale") == 0 ? numeric_scale(a, &scale) : numeric_min_scale(a, &scale);
        if (!has) { *result_out = "NULL"; return NULL; }
        value = scale;
    }
    char buffer[32];
    snprintf(buffer, sizeof buffer, "%lld", (long long)value);
    *result_out = arena_strdup(arena, buffer);
    return NULL;
}

/* eval_case: our answer to one line of numeric_cases.txt, or an Error. */
static Error *eval_case(const char *op, const char *arg_a, const char *arg_b, const char *expected,
                        Arena *arena, char **result_out)
{
    if (strcmp(op, "sum") == 0 || strcmp(op, "avg") == 0) {
        return eval_aggregate(op, arg_a, arena, result_out);
    }
    Numeric a, b, out;
    if (strcmp(op, "fromf8") == 0 || strcmp(op, "fromf4") == 0) {
        /* PostgreSQL's float8in/float4in reject values that overflow or underflow to zero */
        errno = 0;
        double value = strtod(arg_a, NULL);
        float float_value = strtof(arg_a, NULL);
        bool is_float8 = strcmp(op, "fromf8") == 0;
        bool range_error = errno == ERANGE && (is_float8 ? value == 0.0 || isinf(value)
                                                        : float_value == 0.0f || isinf(float_value));
        if (range_error) return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "out of range");
        TRY(is_float8 ? numeric_from_double(value, arena, &out)
                      : numeric_from_float(float_value, arena, &out));
        *result_out = (char *)show(arena, &out);
        return NULL;
    }
    TRY(numeric_from_text(arg_a, arena, &a));
    if (strcmp(op, "float8") == 0 || strcmp(op, "float4") == 0) {
        return eval_float(op, &a, expected, arena, result_out);
    }
    if (strncmp(op, "int", 3) == 0 || strcmp(op, "scale") == 0 || strcmp(op, "minscale") == 0) {
        return eval_integer(op, &a, arena, result_out);
    }
    if (strcmp(op, "round") == 0 || strcmp(op, "trunc") == 0) {
        int32_t scale = atoi(arg_b);
        TRY(strcmp(op, "round") == 0 ? numeric_round(&a, scale, arena, &out)
                                     : numeric_trunc(&a, scale, arena, &out));
    } else if (strcmp(op, "typmod") == 0) {
        int32_t typmod;
        TRY(numeric_typmod_make(atoi(arg_b), atoi(strchr(arg_b, ',') + 1), &typmod));
        TRY(numeric_apply_typmod(&a, typmod, arena, &out));
    } else if (strcmp(op, "cmp") == 0) {
        TRY(numeric_from_text(arg_b, arena, &b));
        int cmp = numeric_cmp(&a, &b);
        *result_out = cmp < 0 ? "-1" : cmp > 0 ? "1" : "0";
        return NULL;
    } else if (arg_b[0] != '\0') {
        TRY(numeric_from_text(arg_b, arena, &b));
        TRY(eval_binary(op, &a, &b, arena, &out));
    } else {
        TRY(eval_unary(op, &a, arena, &out));
    }
    *result_out = (char *)show(arena, &out);
    return NULL;
}

static char *case_file_path(void)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    snprintf(slash != NULL ? slash + 1 : path, sizeof path - (size_t)(slash != NULL ? slash + 1 - path : 0),
             "numeric_cases.txt");
    return path;
}

START_TEST(test_numeric_matches_postgres_cases)
{
    FILE *file = fopen(case_file_path(), "r");
    ck_assert_msg(file != NULL, "cannot open %s", case_file_path());
    char *line = malloc(CASE_LINE_SIZE_MAX);
    Arena *arena = arena_create(64 * 1024);
    int case_count = 0, failure_count = 0;
    while (fgets(line, CASE_LINE_SIZE_MAX, file) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *fields[4] = {0};
        char *cursor = line;
        for (int field_idx = 0; field_idx < 4; field_idx++) {
            fields[field_idx] = cursor;
            char *tab = field_idx < 3 ? strchr(cursor, '\t') : NULL;
            if (field_idx < 3) ck_assert_msg(tab != NULL, "bad case line %d", case_count + 1);
            if (tab != NULL) { *tab = '\0'; cursor = tab + 1; }
        }
        unescape(fields[1]);
        case_count++;
        char *result = NULL;
        Error *err = eval_case(fields[0], fields[1], fields[2], fields[3], arena, &result);
        char error_text[32];
        if (err != NULL) {
            snprintf(error_text, sizeof error_text, "ERROR %s", sqlstate_code(err->state));
            result = error_text;
            err_free(err);
        }
        if (strcmp(result, fields[3]) != 0) {
            if (failure_count++ < FAILURE_PRINT_MAX) {
                fprintf(stderr, "case %d: %s(%s, %s)\n  expected %.300s\n  got      %.300s\n",
                        case_count, fields[0], fields[1], fields[2], fields[3], result);
            }
        }
        arena_reset(arena);
    }
    fclose(file);
    free(line);
    arena_destroy(arena);
    ck_assert_int_gt(case_count, 5000);
    ck_assert_msg(failure_count == 0, "%d of %d cases differ from PostgreSQL", failure_count,
                  case_count);
}
END_TEST

/* ---- Errors with their messages ------------------------------------------------------------- */

static void expect_error(Error *err, SqlState state, const char *message, const char *detail)
{
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), sqlstate_code(state));
    ck_assert_str_eq(err->message, message);
    if (detail != NULL) ck_assert_str_eq(err->detail, detail);
    err_free(err);
}

START_TEST(test_numeric_error_messages)
{
    Arena *arena = arena_create(4096);
    Numeric out, zero = parse(arena, "0"), one = parse(arena, "1");
    expect_error(numeric_from_text("abc", arena, &out), SQLSTATE_INVALID_TEXT_REPRESENTATION,
                 "invalid input syntax for type numeric: \"abc\"", NULL);
    expect_error(numeric_from_text("1e131072", arena, &out), SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                 "value overflows numeric format", NULL);
    expect_error(numeric_div(&one, &zero, arena, &out), SQLSTATE_DIVISION_BY_ZERO,
                 "division by zero", NULL);
    expect_error(numeric_mod(&one, &zero, arena, &out), SQLSTATE_DIVISION_BY_ZERO,
                 "division by zero", NULL);
    int32_t typmod;
    ck_assert_ptr_null(numeric_typmod_make(5, 2, &typmod));
    ck_assert_int_eq(numeric_typmod_precision(typmod), 5);
    ck_assert_int_eq(numeric_typmod_scale(typmod), 2);
    Numeric big = parse(arena, "1234.5");
    expect_error(numeric_apply_typmod(&big, typmod, arena, &out), SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                 "numeric field overflow",
                 "A field with precision 5, scale 2 must round to an absolute value less than 10^3.");
    Numeric inf = numeric_make_special(NUMERIC_KIND_PINF);
    expect_error(numeric_apply_typmod(&inf, typmod, arena, &out), SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                 "numeric field overflow",
                 "A field with precision 5, scale 2 cannot hold an infinite value.");
    ck_assert_ptr_null(numeric_typmod_make(3, 3, &typmod));
    expect_error(numeric_apply_typmod(&one, typmod, arena, &out), SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                 "numeric field overflow",
                 "A field with precision 3, scale 3 must round to an absolute value less than 1.");
    ck_assert_ptr_null(numeric_typmod_make(3, -1, &typmod));
    ck_assert_int_eq(numeric_typmod_scale(typmod), -1);
    expect_error(numeric_typmod_make(0, 0, &typmod), SQLSTATE_INVALID_PARAMETER_VALUE,
                 "NUMERIC precision 0 must be between 1 and 1000", NULL);
    expect_error(numeric_typmod_make(5, 1001, &typmod), SQLSTATE_INVALID_PARAMETER_VALUE,
                 "NUMERIC scale 1001 must be between -1000 and 1000", NULL);
    int64_t value64;
    int32_t value32;
    int16_t value16;
    Numeric nan = numeric_make_special(NUMERIC_KIND_NAN);
    expect_error(numeric_to_int64(&nan, &value64), SQLSTATE_FEATURE_NOT_SUPPORTED,
                 "cannot convert NaN to bigint", NULL);
    expect_error(numeric_to_int32(&inf, &value32), SQLSTATE_FEATURE_NOT_SUPPORTED,
                 "cannot convert infinity to integer", NULL);
    Numeric large = parse(arena, "32767.5");
    expect_error(numeric_to_int16(&large, &value16), SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                 "smallint out of range", NULL);
    large = parse(arena, "2147483647.5");
    expect_error(numeric_to_int32(&large, &value32), SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                 "integer out of range", NULL);
    large = parse(arena, "9223372036854775807.5");
    expect_error(numeric_to_int64(&large, &value64), SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                 "bigint out of range", NULL);
    Numeric minimum = parse(arena, "-9223372036854775808.4");
    ck_assert_ptr_null(numeric_to_int64(&minimum, &value64));
    ck_assert(value64 == INT64_MIN);
    double value_double;
    large = parse(arena, "1e400");
    Error *err = numeric_to_double(&large, &value_double);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->state, SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE);
    ck_assert_ptr_nonnull(strstr(err->message, "is out of range for type double precision"));
    err_free(err);
    Numeric negative = parse(arena, "-1");
    expect_error(numeric_ln(&zero, arena, &out), SQLSTATE_INVALID_ARGUMENT_FOR_LOGARITHM,
                 "cannot take logarithm of zero", NULL);
    expect_error(numeric_ln(&negative, arena, &out), SQLSTATE_INVALID_ARGUMENT_FOR_LOGARITHM,
                 "cannot take logarithm of a negative number", NULL);
    expect_error(numeric_sqrt(&negative, arena, &out), SQLSTATE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                 "cannot take square root of a negative number", NULL);
    Numeric half = parse(arena, "0.5");
    expect_error(numeric_power(&zero, &negative, arena, &out),
                 SQLSTATE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                 "zero raised to a negative power is undefined", NULL);
    expect_error(numeric_power(&negative, &half, arena, &out),
                 SQLSTATE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                 "a negative number raised to a non-integer power yields a complex result", NULL);
    Numeric huge = parse(arena, "100000");
    expect_error(numeric_exp(&huge, arena, &out), SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                 "value overflows numeric format", NULL);
    arena_destroy(arena);
}
END_TEST

/* ---- Representation, ordering, hashing ----------------------------------------------------- */

START_TEST(test_numeric_digits_weight_and_limits)
{
    Arena *arena = arena_create(4096);
    Numeric num = parse(arena, "-12345.6789");
    ck_assert_int_eq(num.negative, 1);
    ck_assert_int_eq(num.weight, 1);
    ck_assert_int_eq(num.dscale, 4);
    ck_assert_int_eq(num.digit_count, 3);
    ck_assert_int_eq(num.digits[0], 1);
    ck_assert_int_eq(num.digits[1], 2345);
    ck_assert_int_eq(num.digits[2], 6789);
    num = parse(arena, "0.00");
    ck_assert_int_eq(num.digit_count, 0);
    ck_assert_int_eq(num.weight, 0);
    ck_assert_int_eq(num.dscale, 2);
    ck_assert_str_eq(show(arena, &num), "0.00");
    num = parse(arena, "-0.000");
    ck_assert_int_eq(num.negative, 0);
    num = parse(arena, "9e131071");
    ck_assert_int_eq(num.weight, NUMERIC_WEIGHT_MAX);
    ck_assert_int_eq(num.digits[0], 9000);
    num = parse(arena, "1e-16383");
    ck_assert_int_eq(num.dscale, NUMERIC_DSCALE_MAX);
    ck_assert_int_eq((int)strlen(show(arena, &num)), 16385);
    /* numeric_from_chars reads exactly size bytes */
    ck_assert_ptr_null(numeric_from_chars("12.75xyz", 5, arena, &num));
    ck_assert_str_eq(show(arena, &num), "12.75");
    Error *err = numeric_from_chars("12.75xyz", 6, arena, &num);
    ck_assert_str_eq(err->message, "invalid input syntax for type numeric: \"12.75x\"");
    err_free(err);
    ck_assert_ptr_null(numeric_apply_typmod(&num, NUMERIC_TYPMOD_NONE, arena, &num));
    ck_assert_str_eq(show(arena, &num), "12.75");
    ck_assert_ptr_null(numeric_from_double(0.1, arena, &num));
    ck_assert_str_eq(show(arena, &num), "0.1");
    double value;
    ck_assert_ptr_null(numeric_to_double(&num, &value));
    ck_assert(value == 0.1);
    char buffer[16];
    Numeric special = numeric_make_special(NUMERIC_KIND_NINF);
    ck_assert_uint_le(numeric_format(&special, buffer) + 1, numeric_text_size_max(&special) + 1);
    ck_assert_str_eq(buffer, "-Infinity");
    Numeric a = parse(arena, "1.5"), b = parse(arena, "1.50000");
    ck_assert_int_eq(numeric_cmp(&a, &b), 0);
    ck_assert_uint_eq(numeric_hash(&a, 7), numeric_hash(&b, 7));
    Numeric zero_a = parse(arena, "0"), zero_b = parse(arena, "-0.000");
    ck_assert_uint_eq(numeric_hash(&zero_a, 7), numeric_hash(&zero_b, 7));
    Numeric c = parse(arena, "1.6");
    ck_assert_uint_ne(numeric_hash(&a, 7), numeric_hash(&c, 7));
    Numeric nan = numeric_make_special(NUMERIC_KIND_NAN), pinf = numeric_make_special(NUMERIC_KIND_PINF);
    Numeric ninf = numeric_make_special(NUMERIC_KIND_NINF), tiny = parse(arena, "-1e100");
    ck_assert_int_eq(numeric_cmp(&nan, &nan), 0);
    ck_assert_int_gt(numeric_cmp(&nan, &pinf), 0);
    ck_assert_int_gt(numeric_cmp(&pinf, &a), 0);
    ck_assert_int_lt(numeric_cmp(&ninf, &tiny), 0);
    ck_assert_int_lt(numeric_cmp(&tiny, &zero_a), 0);
    ck_assert(numeric_is_integer(&zero_a));
    ck_assert(!numeric_is_integer(&a));
    ck_assert(numeric_is_integer(&tiny));
    arena_destroy(arena);
}
END_TEST

/* ---- Stored and wire forms ------------------------------------------------------------------ */

START_TEST(test_numeric_serialize_round_trip_and_corruption)
{
    Arena *arena = arena_create(4096);
    const char *texts[] = {"0", "0.000", "-1.5", "12345678901234567890.0001", "1e-20", "NaN",
                           "Infinity", "-Infinity", "9e131071", "-0.00010"};
    for (size_t idx = 0; idx < sizeof texts / sizeof texts[0]; idx++) {
        Numeric num = parse(arena, texts[idx]), back;
        uint8_t buffer[70000];
        size_t size = numeric_serialize(&num, buffer);
        ck_assert_uint_eq(size, numeric_serialized_size(&num));
        ck_assert_ptr_null(numeric_deserialize(buffer, size, arena, &back));
        ck_assert_str_eq(show(arena, &back), show(arena, &num));
        size = numeric_to_pg_binary(&num, buffer);
        ck_assert_uint_eq(size, numeric_pg_binary_size(&num));
        ck_assert_ptr_null(numeric_from_pg_binary(buffer, size, arena, &back));
        ck_assert_str_eq(show(arena, &back), show(arena, &num));
    }
    Numeric num = parse(arena, "12.34");
    uint8_t buffer[32];
    size_t size = numeric_serialize(&num, buffer);
    Numeric out;
    Error *err = numeric_deserialize(buffer, size - 1, arena, &out);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->state, SQLSTATE_DATA_CORRUPTED);
    err_free(err);
    err = numeric_deserialize(buffer, 0, arena, &out);
    ck_assert_int_eq(err->state, SQLSTATE_DATA_CORRUPTED);
    err_free(err);
    uint8_t bad[32];
    memcpy(bad, buffer, size);
    bad[0] = 9; /* flags */
    err = numeric_deserialize(bad, size, arena, &out);
    ck_assert_int_eq(err->state, SQLSTATE_DATA_CORRUPTED);
    err_free(err);
    memcpy(bad, buffer, size);
    bad[5] = 0xff; /* digit 65535 */
    bad[6] = 0xff;
    err = numeric_deserialize(bad, size, arena, &out);
    ck_assert_int_eq(err->state, SQLSTATE_INVALID_BINARY_REPRESENTATION);
    err_free(err);
    memcpy(bad, buffer, size);
    bad[1] = 1; /* dscale 1 while 12.34 has two decimals */
    err = numeric_deserialize(bad, size, arena, &out);
    ck_assert_int_eq(err->state, SQLSTATE_INVALID_BINARY_REPRESENTATION);
    err_free(err);
    memcpy(bad, buffer, size);
    bad[5] = 0; /* leading zero digit: not canonical */
    bad[6] = 0;
    err = numeric_deserialize(bad, size, arena, &out);
    ck_assert_int_eq(err->state, SQLSTATE_INVALID_BINARY_REPRESENTATION);
    err_free(err);
    uint8_t wire[16] = {0, 1, 0, 0, 0x12, 0x34, 0, 0, 0, 7};
    err = numeric_from_pg_binary(wire, 10, arena, &out);
    ck_assert_str_eq(err->message, "invalid sign in external \"numeric\" value");
    err_free(err);
    err = numeric_from_pg_binary(wire, 9, arena, &out);
    ck_assert_int_eq(err->state, SQLSTATE_INVALID_BINARY_REPRESENTATION);
    err_free(err);
    err = numeric_from_pg_binary(wire, 11, arena, &out);
    ck_assert_str_eq(err->message, "incorrect binary data format");
    err_free(err);
    /* 1.2345 sent with dscale 2: truncated to 1.23 as numeric_recv does */
    uint8_t hidden[12] = {0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x09, 0x29};
    ck_assert_ptr_null(numeric_from_pg_binary(hidden, 12, arena, &out));
    ck_assert_str_eq(show(arena, &out), "1.23");
    hidden[8] = 0x27; /* digit 10001 */
    hidden[9] = 0x11;
    err = numeric_from_pg_binary(hidden, 12, arena, &out);
    ck_assert_str_eq(err->message, "invalid digit in external \"numeric\" value");
    err_free(err);
    arena_destroy(arena);
}
END_TEST

/* ---- Fast paths ------------------------------------------------------------------------------ */

START_TEST(test_numeric_scaled_integer_fast_path)
{
    Arena *arena = arena_create(4096);
    int64_t value;
    Numeric num = parse(arena, "-123.45");
    ck_assert(numeric_to_scaled_i64(&num, 2, &value));
    ck_assert_int_eq(value, -12345);
    ck_assert(numeric_to_scaled_i64(&num, 5, &value));
    ck_assert_int_eq(value, -12345000);
    ck_assert(!numeric_to_scaled_i64(&num, 1, &value)); /* a digit beyond scale 1 */
    num = parse(arena, "92233720368547758.07");
    ck_assert(numeric_to_scaled_i64(&num, 2, &value));
    ck_assert(value == INT64_MAX);
    num = parse(arena, "92233720368547758.08");
    ck_assert(!numeric_to_scaled_i64(&num, 2, &value));
    num = parse(arena, "-92233720368547758.08");
    ck_assert(numeric_to_scaled_i64(&num, 2, &value));
    ck_assert(value == INT64_MIN);
    Numeric nan = numeric_make_special(NUMERIC_KIND_NAN);
    ck_assert(!numeric_to_scaled_i64(&nan, 0, &value));
    Numeric back;
    ck_assert_ptr_null(numeric_from_scaled_i64(INT64_MIN, 3, arena, &back));
    ck_assert_str_eq(show(arena, &back), "-9223372036854775.808");
    ck_assert_ptr_null(numeric_from_scaled_i64(5, 18, arena, &back));
    ck_assert_str_eq(show(arena, &back), "0.000000000000000005");
    char buffer[48];
    numeric_i64_format(-5, 3, buffer);
    ck_assert_str_eq(buffer, "-0.005");
    numeric_i64_format(0, 0, buffer);
    ck_assert_str_eq(buffer, "0");
    numeric_i64_format(INT64_MIN, 0, buffer);
    ck_assert_str_eq(buffer, "-9223372036854775808");
    numeric_i64_format(1234500, 2, buffer);
    ck_assert_str_eq(buffer, "12345.00");
    int64_t out;
    ck_assert(!numeric_i64_add(INT64_MAX, 1, &out));
    ck_assert(numeric_i64_sub(5, 7, &out) && out == -2);
    ck_assert(!numeric_i64_mul(INT64_MAX / 2, 3, &out));
    ck_assert(numeric_i64_rescale(12345, 2, 0, &out) && out == 123);
    ck_assert(numeric_i64_rescale(-12350, 2, 0, &out) && out == -124);
    ck_assert(numeric_i64_rescale(15, 1, 4, &out) && out == 15000);
    ck_assert(!numeric_i64_rescale(INT64_MAX / 10, 0, 2, &out));
    NumericI128 wide;
    num = parse(arena, "-1234567890123456789012345.6789");
    ck_assert(numeric_to_scaled_i128(&num, 4, &wide));
    ck_assert_ptr_null(numeric_from_scaled_i128(wide, 4, arena, &back));
    ck_assert_str_eq(show(arena, &back), "-1234567890123456789012345.6789");
    arena_destroy(arena);
}
END_TEST

START_TEST(test_numeric_acc_fast_general_and_merge)
{
    Arena *arena = arena_create(4096);
    NumericAcc acc, other;
    numeric_acc_init(&acc);
    numeric_acc_init(&other);
    Numeric out;
    bool is_null;
    ck_assert_ptr_null(numeric_acc_sum(&acc, arena, &out, &is_null));
    ck_assert(is_null);
    /* fast path, then a value that forces the general path, then fast again */
    for (int idx = 0; idx < 1000; idx++) ck_assert_ptr_null(numeric_acc_add_scaled_i64(&acc, INT64_MAX, 0));
    Numeric huge = parse(arena, "1e60"), fraction = parse(arena, "0.125");
    ck_assert_ptr_null(numeric_acc_add(&acc, &huge));
    ck_assert_ptr_null(numeric_acc_add(&acc, &fraction));
    ck_assert_ptr_null(numeric_acc_sum(&acc, arena, &out, &is_null));
    ck_assert(!is_null);
    ck_assert_str_eq(show(arena, &out),
                     "1000000000000000000000000000000000000009223372036854775807000.125");
    ck_assert_ptr_null(numeric_acc_add_scaled_i64(&other, 3, 1));
    ck_assert_ptr_null(numeric_acc_merge(&acc, &other));
    ck_assert_int_eq(acc.count, 1003);
    ck_assert_ptr_null(numeric_acc_avg(&acc, arena, &out, &is_null));
    Numeric expected_sum, count, expected;
    ck_assert_ptr_null(numeric_acc_sum(&acc, arena, &expected_sum, &is_null));
    ck_assert_ptr_null(numeric_from_int64(1003, arena, &count));
    ck_assert_ptr_null(numeric_div(&expected_sum, &count, arena, &expected));
    ck_assert_str_eq(show(arena, &out), show(arena, &expected));
    Numeric pinf = numeric_make_special(NUMERIC_KIND_PINF), ninf = numeric_make_special(NUMERIC_KIND_NINF);
    ck_assert_ptr_null(numeric_acc_add(&other, &pinf));
    ck_assert_ptr_null(numeric_acc_sum(&other, arena, &out, &is_null));
    ck_assert_str_eq(show(arena, &out), "Infinity");
    ck_assert_ptr_null(numeric_acc_add(&other, &ninf));
    ck_assert_ptr_null(numeric_acc_avg(&other, arena, &out, &is_null));
    ck_assert_str_eq(show(arena, &out), "NaN");
    numeric_acc_destroy(&acc);
    numeric_acc_destroy(&other);
    arena_destroy(arena);
}
END_TEST

/* ---- Randomized properties ------------------------------------------------------------------- */

static const char *random_text(unsigned *seed, char *buffer)
{
    int int_len = rand_r(seed) % 25, frac_len = rand_r(seed) % 15;
    char *cursor = buffer;
    if (rand_r(seed) % 3 == 0) *cursor++ = '-';
    *cursor++ = (char)('0' + rand_r(seed) % 10);
    for (int idx = 0; idx < int_len; idx++) *cursor++ = (char)('0' + rand_r(seed) % 10);
    if (frac_len > 0) *cursor++ = '.';
    for (int idx = 0; idx < frac_len; idx++) *cursor++ = (char)('0' + rand_r(seed) % 10);
    *cursor = '\0';
    return buffer;
}

START_TEST(test_numeric_random_properties)
{
    Arena *arena = arena_create(64 * 1024);
    unsigned seed = 12345;
    int iteration_count = (int)(20000 * test_scale());
    for (int iteration = 0; iteration < iteration_count; iteration++) {
        char text_a[64], text_b[64];
        Numeric a = parse(arena, random_text(&seed, text_a)), b = parse(arena, random_text(&seed, text_b));
        Numeric sum, back, product, quotient, remainder, check;
        /* text round trip */
        Numeric reparsed = parse(arena, show(arena, &a));
        ck_assert_int_eq(numeric_cmp(&reparsed, &a), 0);
        ck_assert_int_eq(reparsed.dscale, a.dscale);
        /* (a + b) - b == a, with dscale max */
        ck_assert_ptr_null(numeric_add(&a, &b, arena, &sum));
        ck_assert_ptr_null(numeric_sub(&sum, &b, arena, &back));
        ck_assert_int_eq(numeric_cmp(&back, &a), 0);
        /* a == trunc(a / b) * b + a % b */
        if (!numeric_is_zero(&b)) {
            ck_assert_ptr_null(numeric_div_trunc(&a, &b, arena, &quotient));
            ck_assert_ptr_null(numeric_mod(&a, &b, arena, &remainder));
            ck_assert_ptr_null(numeric_mul(&quotient, &b, arena, &product));
            ck_assert_ptr_null(numeric_add(&product, &remainder, arena, &check));
            ck_assert_int_eq(numeric_cmp(&check, &a), 0);
        }
        /* hash ignores dscale */
        Numeric wider = a;
        wider.dscale += 3;
        ck_assert_uint_eq(numeric_hash(&a, 1), numeric_hash(&wider, 1));
        /* stored form round trip */
        uint8_t buffer[128];
        size_t size = numeric_serialize(&a, buffer);
        ck_assert_ptr_null(numeric_deserialize(buffer, size, arena, &back));
        ck_assert_int_eq(numeric_cmp(&back, &a), 0);
        /* the int64 fast path agrees with the general path */
        int64_t scaled_a, scaled_b, scaled_sum;
        int32_t scale = a.dscale > b.dscale ? a.dscale : b.dscale;
        if (scale <= 18 && numeric_to_scaled_i64(&a, scale, &scaled_a) &&
            numeric_to_scaled_i64(&b, scale, &scaled_b) &&
            numeric_i64_add(scaled_a, scaled_b, &scaled_sum)) {
            char fast_text[48];
            numeric_i64_format(scaled_sum, scale, fast_text);
            ck_assert_str_eq(fast_text, show(arena, &sum));
        }
        arena_reset(arena);
    }
    arena_destroy(arena);
}
END_TEST

static Suite *numeric_suite(void)
{
    Suite *suite = suite_create("numeric");
    TCase *tcase = tcase_create("numeric");
    tcase_set_timeout(tcase, 600);
    tcase_add_test(tcase, test_numeric_matches_postgres_cases);
    tcase_add_test(tcase, test_numeric_error_messages);
    tcase_add_test(tcase, test_numeric_digits_weight_and_limits);
    tcase_add_test(tcase, test_numeric_serialize_round_trip_and_corruption);
    tcase_add_test(tcase, test_numeric_scaled_integer_fast_path);
    tcase_add_test(tcase, test_numeric_acc_fast_general_and_merge);
    tcase_add_test(tcase, test_numeric_random_properties);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(numeric_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
