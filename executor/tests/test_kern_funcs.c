/* executor/tests/test_kern_funcs.c: the kernels of executor/kern_funcs.h (bytea, text, math,
 * date/time, formatting) and sum/avg(interval); expected values from PostgreSQL 15. Also a
 * randomized encode/decode round trip (scaled by BIRCH_TEST_SCALE) and kernels run under a
 * selection vector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/kern_funcs.h"
#include "executor/tests/kern_support.h"

static Vector *const_of(TypeId type, KernFn in, const char *text)
{
    Vector *out = vec_new(type_plain(type));
    assert_ok(run1(in, vec_const_str(text), 1, out));
    out->is_constant = true;
    return out;
}

static const char *as_text(KernFn out_fn, const Vector *value, uint32_t row_idx)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    const Vector *args[1] = { value };
    uint16_t sel[1] = { (uint16_t)row_idx };
    assert_ok(out_fn(&test_ctx, args, sel, 1, out));
    return row_text(out, row_idx);
}

static Vector *bytea_of(const char *hex_text)
{
    return const_of(TYPE_BYTEA, kern_cast_text_bytea, hex_text);
}

/* array_of: a constant array of the given type from its text form */
static Vector *array_of(TypeId array_type, const char *text)
{
    KernFn fn = NULL;
    assert_ok(kern_cast_lookup(type_plain(TYPE_TEXT), type_plain(array_type), &fn));
    ck_assert_ptr_nonnull(fn);
    return const_of(array_type, fn, text);
}

static const char *hex_of(const Vector *bytea, uint32_t row_idx)
{
    return as_text(kern_cast_bytea_text, bytea, row_idx);
}

/* ---- bytea ---------------------------------------------------------------------------------- */

START_TEST(test_bytea_substring_position_set_byte)
{
    const char *rows[] = { "\\x0102030405", "\\x", NULL, "\\xdeadbeef" };
    Vector *b = vec_new(type_plain(TYPE_BYTEA));
    assert_ok(run1(kern_cast_text_bytea, vec_of_strs(TYPE_TEXT, rows, 4), 4, b));
    Vector *out = vec_new(type_plain(TYPE_BYTEA));
    assert_ok(run3(kern_bytea_substr3, b, vec_const_int(TYPE_INT4, 2), vec_const_int(TYPE_INT4, 2), 4, out));
    ck_assert_str_eq(hex_of(out, 0), "\\x0203");
    ck_assert_str_eq(hex_of(out, 1), "\\x");
    ck_assert_str_eq(row_text(out, 2), "NULL");
    ck_assert_str_eq(hex_of(out, 3), "\\xadbe");
    out = vec_new(type_plain(TYPE_BYTEA));
    assert_ok(run2(kern_bytea_substr2, b, vec_const_int(TYPE_INT4, -1), 4, out));
    ck_assert_str_eq(hex_of(out, 0), "\\x0102030405");
    out = vec_new(type_plain(TYPE_BYTEA));
    assert_error(run3(kern_bytea_substr3, b, vec_const_int(TYPE_INT4, 1), vec_const_int(TYPE_INT4, -1), 4, out),
                 "22011", "negative substring length not allowed");
    /* a NULL row never raises (row 2 with a negative length alone) */
    uint16_t sel[1] = { 2 };
    const Vector *args[3] = { b, vec_const_int(TYPE_INT4, 1), vec_const_int(TYPE_INT4, -1) };
    out = vec_new(type_plain(TYPE_BYTEA));
    assert_ok(kern_bytea_substr3(&test_ctx, args, sel, 1, out));
    ck_assert_str_eq(row_text(out, 2), "NULL");

    out = vec_new(type_plain(TYPE_INT4));
    assert_ok(run2(kern_bytea_position, b, bytea_of("\\xbeef"), 4, out));
    ck_assert_str_eq(row_text(out, 0), "0");
    ck_assert_str_eq(row_text(out, 3), "3");
    out = vec_new(type_plain(TYPE_INT4));
    assert_ok(run2(kern_bytea_position, b, bytea_of("\\x"), 4, out));
    ck_assert_str_eq(row_text(out, 1), "1");

    out = vec_new(type_plain(TYPE_BYTEA));
    assert_ok(run3(kern_set_byte, bytea_of("\\x010203"), vec_const_int(TYPE_INT4, 2), vec_const_int(TYPE_INT4, 511), 1, out));
    ck_assert_str_eq(hex_of(out, 0), "\\x0102ff");
    out = vec_new(type_plain(TYPE_BYTEA));
    assert_error(run3(kern_set_byte, bytea_of("\\x010203"), vec_const_int(TYPE_INT4, 3), vec_const_int(TYPE_INT4, 0), 1, out),
                 "2202E", "index 3 out of valid range, 0..2");
}
END_TEST

static const char *encode_text(const char *hex, const char *codec)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run2(kern_encode, bytea_of(hex), vec_const_str(codec), 1, out));
    return row_text(out, 0);
}

static Error *decode_hex_text(const char *text, const char *codec, const char **hex_out)
{
    Vector *out = vec_new(type_plain(TYPE_BYTEA));
    Error *err = run2(kern_decode, vec_const_str(text), vec_const_str(codec), 1, out);
    if (err == NULL) *hex_out = hex_of(out, 0);
    return err;
}

START_TEST(test_bytea_encode_decode)
{
    ck_assert_str_eq(encode_text("\\x68656c6c6f", "hex"), "68656c6c6f");
    ck_assert_str_eq(encode_text("\\x68656c6c6f", "base64"), "aGVsbG8=");
    ck_assert_str_eq(encode_text("\\x6869", "BASE64"), "aGk=");
    ck_assert_str_eq(encode_text("\\x00ff5c41", "escape"), "\\000\\377\\\\A");
    /* 60 bytes -> 80 base64 characters: a newline after 76 */
    char hex[2 + 120 + 1] = "\\x";
    for (int idx = 0; idx < 60; idx++) memcpy(hex + 2 + idx * 2, "78", 2);
    hex[122] = '\0';
    const char *b64 = encode_text(hex, "base64");
    ck_assert_uint_eq(strlen(b64), 81);
    ck_assert_int_eq(b64[76], '\n');
    const char *decoded = NULL;
    assert_ok(decode_hex_text(b64, "base64", &decoded));
    ck_assert_str_eq(decoded, hex);

    assert_ok(decode_hex_text("68 65 6C", "hex", &decoded));
    ck_assert_str_eq(decoded, "\\x68656c");
    assert_ok(decode_hex_text("YQ==", "base64", &decoded));
    ck_assert_str_eq(decoded, "\\x61");
    assert_ok(decode_hex_text("a\\000b\\\\c", "escape", &decoded));
    ck_assert_str_eq(decoded, "\\x6100625c63");
    assert_error(decode_hex_text("abc", "hex", &decoded), "22023",
                 "invalid hexadecimal data: odd number of digits");
    assert_error(decode_hex_text("zz", "hex", &decoded), "22023", "invalid hexadecimal digit: \"z\"");
    assert_error(decode_hex_text("abc", "base64", &decoded), "22023", "invalid base64 end sequence");
    assert_error(decode_hex_text("a.bc", "base64", &decoded), "22023",
                 "invalid symbol \".\" found while decoding base64 sequence");
    assert_error(decode_hex_text("a=bc", "base64", &decoded), "22023",
                 "unexpected \"=\" while decoding base64 sequence");
    assert_error(decode_hex_text("a\\9", "escape", &decoded), "22P02",
                 "invalid input syntax for type bytea");
    assert_error(decode_hex_text("a", "rot13", &decoded), "22023", "unrecognized encoding: \"rot13\"");
}
END_TEST

/* random bytes through every codec and back */
START_TEST(test_bytea_codec_round_trip)
{
    static const char *const CODECS[] = { "hex", "base64", "escape" };
    uint32_t rounds = (uint32_t)(400 * test_scale()) + 10;
    srand(12345);
    for (uint32_t round = 0; round < rounds; round++) {
        uint32_t size = (uint32_t)rand() % 200;
        char *hex = arena_alloc(test_arena, 2 + size * 2 + 1);
        memcpy(hex, "\\x", 2);
        for (uint32_t idx = 0; idx < size; idx++) {
            snprintf(hex + 2 + idx * 2, 3, "%02x", (unsigned)(rand() & 0xFF));
        }
        const char *codec = CODECS[round % 3];
        const char *text = encode_text(hex, codec);
        const char *back = NULL;
        assert_ok(decode_hex_text(text, codec, &back));
        ck_assert_str_eq(back, hex);
    }
}
END_TEST

START_TEST(test_bytea_digest_convert)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    const char *texts[] = { "abc", "", NULL };
    assert_ok(run1(kern_md5, vec_of_strs(TYPE_TEXT, texts, 3), 3, out));
    ck_assert_str_eq(row_text(out, 0), "900150983cd24fb0d6963f7d28e17f72");
    ck_assert_str_eq(row_text(out, 1), "d41d8cd98f00b204e9800998ecf8427e");
    ck_assert_str_eq(row_text(out, 2), "NULL");
    out = vec_new(type_plain(TYPE_BYTEA));
    assert_ok(run1(kern_sha256, bytea_of("\\x616263"), 1, out));
    ck_assert_str_eq(hex_of(out, 0),
                     "\\xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    out = vec_new(type_plain(TYPE_BYTEA));
    assert_ok(run2(kern_convert_to, vec_const_str("\xc3\xa9"), vec_const_str("Latin-1"), 1, out));
    ck_assert_str_eq(hex_of(out, 0), "\\xe9");
    out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run2(kern_convert_from, bytea_of("\\xe9"), vec_const_str("latin1"), 1, out));
    ck_assert_str_eq(row_text(out, 0), "\xc3\xa9");
    out = vec_new(type_plain(TYPE_TEXT));
    assert_error(run2(kern_convert_from, bytea_of("\\x61ff"), vec_const_str("UTF8"), 1, out),
                 "22021", "invalid byte sequence for encoding \"UTF8\": 0xff");
    out = vec_new(type_plain(TYPE_BYTEA));
    assert_error(run2(kern_convert_to, vec_const_str("\xe2\x82\xac"), vec_const_str("LATIN1"), 1, out),
                 "22P05", "character with byte sequence 0xe2 0x82 0xac in encoding \"UTF8\" has no "
                          "equivalent in encoding \"LATIN1\"");
    out = vec_new(type_plain(TYPE_BYTEA));
    assert_error(run2(kern_convert_to, vec_const_str("a"), vec_const_str("koi9"), 1, out), "22023",
                 "invalid destination encoding name \"koi9\"");
}
END_TEST

/* ---- text ------------------------------------------------------------------------------------ */

START_TEST(test_text_ascii_chr_to_hex)
{
    /* chr(ascii(x)) round trip over a spread of code points */
    for (int64_t code = 1; code < 0x110000; code += code < 0x800 ? 7 : 4099) {
        if (code >= 0xD800 && code <= 0xDFFF) continue;
        Vector *text = vec_new(type_plain(TYPE_TEXT));
        assert_ok(run1(kern_chr, vec_const_int(TYPE_INT4, code), 1, text));
        Vector *back = vec_new(type_plain(TYPE_INT4));
        assert_ok(run1(kern_ascii, text, 1, back));
        ck_assert_int_eq(vec_i32(back)[0], code);
    }
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_error(run1(kern_chr, vec_const_int(TYPE_INT4, 0), 1, out), "54000", "null character not permitted");
    assert_error(run1(kern_chr, vec_const_int(TYPE_INT4, -1), 1, out), "22023", "character number must be positive");
    assert_error(run1(kern_chr, vec_const_int(TYPE_INT4, 0x110000), 1, out), "54000",
                 "requested character too large for encoding: 1114112");
    assert_error(run1(kern_chr, vec_const_int(TYPE_INT4, 0xD800), 1, out), "54000",
                 "requested character not valid for encoding: 55296");
    out = vec_new(type_plain(TYPE_INT4));
    assert_ok(run1(kern_ascii, vec_const_str(""), 1, out));
    ck_assert_str_eq(row_text(out, 0), "0");
    out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run1(kern_to_hex_i32, vec_const_int(TYPE_INT4, -1), 1, out));
    ck_assert_str_eq(row_text(out, 0), "ffffffff");
    out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run1(kern_to_hex_i64, vec_const_int(TYPE_INT8, INT64_MIN + 1), 1, out));
    ck_assert_str_eq(row_text(out, 0), "8000000000000001");
}
END_TEST

static Error *format_of(const char *fmt, const char *args_text, const char **text_out)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    Error *err = run2(kern_format, vec_const_str(fmt), array_of(TYPE_TEXT_ARRAY, args_text), 1, out);
    if (err == NULL) *text_out = row_text(out, 0);
    return err;
}

START_TEST(test_text_format_concat_ws)
{
    const char *text = NULL;
    assert_ok(format_of("%s|%I|%L|%L|%%|%2$s|%-5s|%5s|", "{a,\"B c\",NULL,it's,x}", &text));
    ck_assert_str_eq(text, "a|\"B c\"|NULL|'it''s'|%|B c|     | it's|");
    assert_ok(format_of("[%*s][%-*s]", "{4,a,-3,b}", &text));
    ck_assert_str_eq(text, "[   a][b  ]");
    assert_ok(format_of("%L", "{a\\\\b}", &text));
    ck_assert_str_eq(text, "E'a\\\\b'");
    assert_ok(format_of("%I", "{select}", &text));
    ck_assert_str_eq(text, "\"select\"");
    assert_error(format_of("%s %s", "{a}", &text), "22023", "too few arguments for format()");
    assert_error(format_of("%z", "{a}", &text), "22023", "unrecognized format() type specifier \"z\"");
    assert_error(format_of("abc %", "{a}", &text), "22023", "unterminated format() type specifier");
    assert_error(format_of("%I", "{NULL}", &text), "22004",
                 "null values cannot be formatted as an SQL identifier");

    Vector *out = vec_new(type_plain(TYPE_TEXT));
    const char *seps[] = { ",", NULL, "" };
    assert_ok(run2(kern_concat_ws, vec_of_strs(TYPE_TEXT, seps, 3),
                   array_of(TYPE_TEXT_ARRAY, "{a,NULL,b}"), 3, out));
    ck_assert_str_eq(row_text(out, 0), "a,b");
    ck_assert_str_eq(row_text(out, 1), "NULL");
    ck_assert_str_eq(row_text(out, 2), "ab");
}
END_TEST

/* ---- math ------------------------------------------------------------------------------------ */

START_TEST(test_math_gcd_trig_width_bucket)
{
    const int64_t xs[] = { 12, -12, 0, NUL_ROW, INT32_MIN }, ys[] = { 18, 18, 0, 1, 6 };
    Vector *out = vec_new(type_plain(TYPE_INT4));
    assert_ok(run2(kern_gcd_i32, vec_of_ints(TYPE_INT4, xs, 5), vec_of_ints(TYPE_INT4, ys, 5), 5, out));
    ck_assert_str_eq(row_text(out, 0), "6");
    ck_assert_str_eq(row_text(out, 1), "6");
    ck_assert_str_eq(row_text(out, 2), "0");
    ck_assert_str_eq(row_text(out, 3), "NULL");
    ck_assert_str_eq(row_text(out, 4), "2");
    out = vec_new(type_plain(TYPE_INT4));
    assert_error(run2(kern_gcd_i32, vec_const_int(TYPE_INT4, INT32_MIN), vec_const_int(TYPE_INT4, 0), 1, out),
                 "22003", "integer out of range");
    out = vec_new(type_plain(TYPE_INT8));
    assert_ok(run2(kern_lcm_i64, vec_const_int(TYPE_INT8, -4), vec_const_int(TYPE_INT8, 6), 1, out));
    ck_assert_str_eq(row_text(out, 0), "12");
    out = vec_new(type_plain(TYPE_INT4));
    assert_error(run2(kern_lcm_i32, vec_const_int(TYPE_INT4, INT32_MAX), vec_const_int(TYPE_INT4, INT32_MAX - 1), 1, out),
                 "22003", "integer out of range");

    const double one[] = { 1.0 }, two[] = { 2.0 };
    out = vec_new(type_plain(TYPE_FLOAT8));
    assert_ok(run1(kern_degrees_f64, vec_of_f64(one, 1), 1, out));
    ck_assert_str_eq(row_text(out, 0), "57.29577951308232");
    out = vec_new(type_plain(TYPE_FLOAT8));
    assert_error(run1(kern_asin_f64, vec_of_f64(two, 1), 1, out), "22003", "input is out of range");
    out = vec_new(type_plain(TYPE_FLOAT8));
    assert_ok(run2(kern_atan2_f64, vec_of_f64(one, 1), vec_of_f64(one, 1), 1, out));
    ck_assert_str_eq(row_text(out, 0), "0.7853981633974483");

    out = vec_new(type_plain(TYPE_FLOAT8));
    assert_ok(run1(kern_random_f64, NULL, 64, out));
    bool differ = false;
    for (uint32_t row = 0; row < 64; row++) {
        ck_assert(vec_f64(out)[row] >= 0 && vec_f64(out)[row] < 1);
        differ = differ || vec_f64(out)[row] != vec_f64(out)[0];
    }
    ck_assert(differ);

    static const struct { const char *args; const char *bucket; } BUCKETS[] = {
        { "{5.35,0.024,10.06,5}", "3" }, { "{-1,0,10,5}", "0" }, { "{10,0,10,5}", "6" },
        { "{5,10,0,5}", "3" }, { "{0,0,10,5}", "1" }, { "{1,0,10,NULL}", "NULL" },
    };
    for (size_t idx = 0; idx < sizeof BUCKETS / sizeof BUCKETS[0]; idx++) {
        out = vec_new(type_plain(TYPE_INT4));
        assert_ok(run1(kern_width_bucket_packed, array_of(TYPE_FLOAT8_ARRAY, BUCKETS[idx].args), 1, out));
        ck_assert_str_eq(row_text(out, 0), BUCKETS[idx].bucket);
    }
    out = vec_new(type_plain(TYPE_INT4));
    assert_error(run1(kern_width_bucket_packed, array_of(TYPE_FLOAT8_ARRAY, "{1,0,10,0}"), 1, out),
                 "2201G", "count must be greater than zero");
    assert_error(run1(kern_width_bucket_packed, array_of(TYPE_FLOAT8_ARRAY, "{1,1,1,5}"), 1, out),
                 "2201G", "lower bound cannot equal upper bound");
}
END_TEST

/* ---- date/time ------------------------------------------------------------------------------- */

START_TEST(test_datetime_make_age)
{
    Vector *out = vec_new(type_plain(TYPE_DATE));
    const int64_t years[] = { 2024, -44, NUL_ROW };
    assert_ok(run3(kern_make_date, vec_of_ints(TYPE_INT4, years, 3), vec_const_int(TYPE_INT4, 2),
                   vec_const_int(TYPE_INT4, 28), 3, out));
    ck_assert_str_eq(as_text(kern_cast_date_text, out, 0), "2024-02-28");
    ck_assert_str_eq(as_text(kern_cast_date_text, out, 1), "0044-02-28 BC");
    ck_assert_str_eq(row_text(out, 2), "NULL");
    out = vec_new(type_plain(TYPE_DATE));
    assert_error(run3(kern_make_date, vec_const_int(TYPE_INT4, 2023), vec_const_int(TYPE_INT4, 2),
                      vec_const_int(TYPE_INT4, 29), 1, out),
                 "22008", "date field value out of range: 2023-02-29");
    const double secs[] = { 60.5 };
    out = vec_new(type_plain(TYPE_TIME));
    assert_error(run3(kern_make_time, vec_const_int(TYPE_INT4, 1), vec_const_int(TYPE_INT4, 2),
                      vec_of_f64(secs, 1), 1, out),
                 "22008", "time field value out of range: 1:02:60.5");

    out = vec_new(type_plain(TYPE_TIMESTAMP));
    assert_ok(run1(kern_make_timestamp_packed, array_of(TYPE_FLOAT8_ARRAY, "{2024,1,2,3,4,5.5}"), 1, out));
    ck_assert_str_eq(as_text(kern_cast_timestamp_text, out, 0), "2024-01-02 03:04:05.5");
    out = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run1(kern_make_interval_packed, array_of(TYPE_FLOAT8_ARRAY, "{1,2,3,4,5,6,7.5}"), 1, out));
    ck_assert_str_eq(row_text(out, 0), "1 year 2 mons 25 days 05:06:07.5");
    out = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run1(kern_make_interval_packed, array_of(TYPE_FLOAT8_ARRAY, "{1,NULL,3,4,5,6,7}"), 1, out));
    ck_assert_str_eq(row_text(out, 0), "NULL");

    Vector *later = const_of(TYPE_TIMESTAMP, kern_cast_text_timestamp, "2024-03-01");
    Vector *earlier = const_of(TYPE_TIMESTAMP, kern_cast_text_timestamp, "2023-01-15");
    out = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run2(kern_age_timestamp, later, earlier, 1, out));
    ck_assert_str_eq(row_text(out, 0), "1 year 1 mon 17 days");
    out = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run2(kern_age_timestamp, earlier, later, 1, out));
    ck_assert_str_eq(row_text(out, 0), "-1 years -1 mons -17 days");
    /* age(x): from today's midnight (test_ctx's now: 2000-01-01 when no settings) */
    out = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run1(kern_age1_timestamp, earlier, 1, out));
    ck_assert_ptr_nonnull(strstr(row_text(out, 0), "years"));

    Vector *date = const_of(TYPE_DATE, kern_cast_text_date, "2024-03-05");
    Vector *time = const_of(TYPE_TIME, kern_cast_text_time, "10:30:00");
    out = vec_new(type_plain(TYPE_TIMESTAMP));
    assert_ok(run2(kern_date_add_time, date, time, 1, out));
    ck_assert_str_eq(as_text(kern_cast_timestamp_text, out, 0), "2024-03-05 10:30:00");

    const double epochs[] = { 0, 1700000000.5, 1e20 };
    out = vec_new(type_plain(TYPE_TIMESTAMPTZ));
    assert_ok(run1(kern_to_timestamp_f64, vec_of_f64(epochs, 2), 2, out));
    ck_assert_str_eq(as_text(kern_cast_timestamptz_text, out, 0), "1970-01-01 00:00:00+00");
    ck_assert_str_eq(as_text(kern_cast_timestamptz_text, out, 1), "2023-11-14 22:13:20.5+00");
    out = vec_new(type_plain(TYPE_TIMESTAMPTZ));
    assert_error(run1(kern_to_timestamp_f64, vec_of_f64(epochs + 2, 1), 1, out), "22008",
                 "timestamp out of range: \"1e+20\"");
}
END_TEST

/* ---- formatting ------------------------------------------------------------------------------ */

static const char *num_char(KernFn fn, const Vector *value, const char *format)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run2(fn, value, vec_const_str(format), 1, out));
    return row_text(out, 0);
}

START_TEST(test_fmt_to_char_numbers)
{
    static const struct { const char *value, *format, *expected; } NUMS[] = {
        { "123.456", "999.99", " 123.46" }, { "-123.456", "999.99", "-123.46" },
        { "0.5", "9.99", "  .50" }, { "0.5", "0.99", " 0.50" }, { "1234567", "9,999,999", " 1,234,567" },
        { "12", "0000", " 0012" }, { "-12", "FM9999", "-12" }, { "12345", "999", " ###" },
        { "1.5", "9", " 2" }, { "1234.5", "FM9,999.00", "1,234.50" }, { "12", "9D99", " #.##" },
        { "-5", "S999", "  -5" }, { "5", "S999", "  +5" }, { "-5", "999MI", "  5-" },
        { "5", "999PL", "   5+" }, { "0", "999", "   0" }, { "0", "9.99", "  .00" },
        { "485", "FM999.", "485" }, { "0.1", "FM9.99", ".1" }, { "-0.1", "9.99", " -.10" },
        { "12.3", "FM999.000", "12.300" }, { "12", "SG99", "+12" }, { "-12", "99SG", "12-" },
        { "123", "\"n=\"999", "n= 123" }, { "1", "FM9.99", "1." },
    };
    for (size_t idx = 0; idx < sizeof NUMS / sizeof NUMS[0]; idx++) {
        const char *values[] = { NUMS[idx].value };
        Vector *num = vec_of_nums(type_plain(TYPE_NUMERIC), values, 1);
        ck_assert_str_eq(num_char(kern_to_char_num, num, NUMS[idx].format), NUMS[idx].expected);
    }
    const double pi_value[] = { 3.14159 }, huge[] = { 1e20 };
    ck_assert_str_eq(num_char(kern_to_char_f64, vec_of_f64(pi_value, 1), "9.999"), " 3.142");
    ck_assert_str_eq(num_char(kern_to_char_f64, vec_of_f64(huge, 1), "999"), " ###");
    ck_assert_str_eq(num_char(kern_to_char_i64, vec_const_int(TYPE_INT4, -1234), "9,999"), "-1,234");
    ck_assert_str_eq(num_char(kern_to_char_i64, vec_const_int(TYPE_INT8, 42), "00000"), " 00042");
}
END_TEST

START_TEST(test_fmt_to_char_datetime_and_parse)
{
    Vector *ts = const_of(TYPE_TIMESTAMP, kern_cast_text_timestamp, "2024-03-05 14:07:09.123456");
    ck_assert_str_eq(num_char(kern_to_char_timestamp, ts, "YYYY-MM-DD HH24:MI:SS"), "2024-03-05 14:07:09");
    ck_assert_str_eq(num_char(kern_to_char_timestamp, ts, "HH12:MI AM MS US Dy"), "02:07 PM 123 123456 Tue");
    Vector *inf = const_of(TYPE_TIMESTAMP, kern_cast_text_timestamp, "infinity");
    ck_assert_str_eq(num_char(kern_to_char_timestamp, inf, "YYYY"), "NULL");
    Vector *span = const_of(TYPE_INTERVAL, kern_cast_text_interval, "1 day 02:03:04");
    ck_assert_str_eq(num_char(kern_to_char_interval, span, "DD HH24:MI:SS"), "01 02:03:04");

    static const struct { const char *text, *format, *expected; } DATES[] = {
        { "2024-03-05", "YYYY-MM-DD", "2024-03-05" }, { "05 Mar 2024", "DD Mon YYYY", "2024-03-05" },
        { "March 5, 2024", "Month DD, YYYY", "2024-03-05" }, { "20240305", "YYYYMMDD", "2024-03-05" },
        { "2024-3-5", "YYYY-MM-DD", "2024-03-05" }, { "2024 060", "YYYY DDD", "2024-02-29" },
        { "05/03/24", "DD/MM/YY", "2024-03-05" },
    };
    for (size_t idx = 0; idx < sizeof DATES / sizeof DATES[0]; idx++) {
        Vector *out = vec_new(type_plain(TYPE_DATE));
        assert_ok(run2(kern_to_date, vec_const_str(DATES[idx].text), vec_const_str(DATES[idx].format), 1, out));
        ck_assert_str_eq(as_text(kern_cast_date_text, out, 0), DATES[idx].expected);
    }
    Vector *out = vec_new(type_plain(TYPE_DATE));
    assert_error(run2(kern_to_date, vec_const_str("2024-13-05"), vec_const_str("YYYY-MM-DD"), 1, out),
                 "22008", "date/time field value out of range: \"2024-13-05\"");
    assert_error(run2(kern_to_date, vec_const_str("abcd-02-03"), vec_const_str("YYYY-MM-DD"), 1, out),
                 "22007", "invalid value \"abcd\" for \"YYYY\"");
    assert_error(run2(kern_to_date, vec_const_str("05 Foo 2024"), vec_const_str("DD Mon YYYY"), 1, out),
                 "22007", "invalid value \"Foo\" for \"Mon\"");
    out = vec_new(type_plain(TYPE_TIMESTAMPTZ));
    assert_ok(run2(kern_to_timestamp_text, vec_const_str("2024-03-05 02:07:09.25 PM"),
                   vec_const_str("YYYY-MM-DD HH:MI:SS.MS AM"), 1, out));
    ck_assert_str_eq(as_text(kern_cast_timestamptz_text, out, 0), "2024-03-05 14:07:09.25+00");
    assert_error(run2(kern_to_timestamp_text, vec_const_str("2024-03-05 25:00"),
                      vec_const_str("YYYY-MM-DD HH24:MI"), 1, out),
                 "22008", "date/time field value out of range: \"2024-03-05 25:00\"");
}
END_TEST

/* ---- sum / avg (interval) -------------------------------------------------------------------- */

START_TEST(test_agg_interval)
{
    const char *texts[] = { "1 day", "2 hours", NULL, "1 mon", "-10 days 00:30:00" };
    Vector *values = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run1(kern_cast_text_interval, vec_of_strs(TYPE_TEXT, texts, 5), 5, values));
    const AggKern *sum = kern_agg_find("sum", TYPE_INTERVAL), *avg = kern_agg_find("avg", TYPE_INTERVAL);
    ck_assert_ptr_nonnull(sum);
    ck_assert_ptr_nonnull(avg);
    ck_assert_uint_eq(avg->result_type, TYPE_INTERVAL);
    /* grouped: rows 0-2 -> group 0, 3-4 -> group 1; group 2 empty */
    const uint32_t groups[] = { 0, 0, 0, 1, 1 };
    char *states = arena_alloc(test_arena, sum->state_size * 3);
    for (int group = 0; group < 3; group++) sum->init(states + sum->state_size * (size_t)group);
    assert_ok(sum->update_grouped(&test_ctx, values, NULL, 5, groups, states));
    Vector *out = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(vec_reserve(out, 3));
    for (uint32_t group = 0; group < 3; group++) {
        assert_ok(sum->finalize(&test_ctx, states + sum->state_size * group, out, group));
    }
    ck_assert_str_eq(row_text(out, 0), "1 day 02:00:00");
    ck_assert_str_eq(row_text(out, 1), "1 mon -10 days +00:30:00");
    ck_assert_str_eq(row_text(out, 2), "NULL");
    assert_ok(avg->merge(states, states + sum->state_size));
    assert_ok(avg->finalize(&test_ctx, states, out, 0));
    ck_assert_str_eq(row_text(out, 0), "5 days 06:37:30");   /* (1 mon -9 days 02:30) / 4 */
    void *state = arena_alloc(test_arena, avg->state_size);
    avg->init(state);
    assert_ok(avg->update(&test_ctx, values, NULL, 5, state));
    assert_ok(avg->finalize(&test_ctx, state, out, 1));
    ck_assert_str_eq(row_text(out, 1), "5 days 06:37:30");
    /* overflow: interval out of range */
    const char *big[] = { "178000000 years", "178000000 years" };
    Vector *bigs = vec_new(type_plain(TYPE_INTERVAL));
    assert_ok(run1(kern_cast_text_interval, vec_of_strs(TYPE_TEXT, big, 2), 2, bigs));
    sum->init(state);
    assert_error(sum->update(&test_ctx, bigs, NULL, 2, state), "22008", "interval out of range");
}
END_TEST

/* ---- registry ------------------------------------------------------------------------------- */

START_TEST(test_registry_resolves)
{
    KernLookup lookup;
    Type args[2] = { type_plain(TYPE_INT4), type_plain(TYPE_UNKNOWN) };
    assert_ok(kern_lookup("to_char", args, 2, &lookup));
    ck_assert(lookup.fn == kern_to_char_i64);
    args[0] = type_plain(TYPE_DATE);
    assert_ok(kern_lookup("to_char", args, 2, &lookup));
    ck_assert(lookup.fn == kern_to_char_timestamptz);
    ck_assert_uint_eq(lookup.arg_types[0].id, TYPE_TIMESTAMPTZ);
    args[0] = type_plain(TYPE_BYTEA);
    assert_ok(kern_lookup("md5", args, 1, &lookup));
    ck_assert(lookup.fn == kern_md5);
    args[1] = type_plain(TYPE_INT4);
    assert_ok(kern_lookup("substring", args, 2, &lookup));
    ck_assert(lookup.fn == kern_bytea_substr2);
    ck_assert_uint_eq(lookup.result_type.id, TYPE_BYTEA);
    args[0] = type_plain(TYPE_INT2);
    args[1] = type_plain(TYPE_INT2);
    assert_ok(kern_lookup("gcd", args, 2, &lookup));
    ck_assert(lookup.fn == kern_gcd_i32);
    args[0] = type_plain(TYPE_TEXT);
    assert_error(kern_lookup("gcd", args, 2, &lookup), "42883",
                 "function gcd(text, smallint) does not exist");
}
END_TEST

static Suite *funcs_suite(void)
{
    Suite *suite = suite_create("kern_funcs");
    TCase *tcase = tcase_create("kern_funcs");
    tcase_add_checked_fixture(tcase, test_arena_setup, test_arena_teardown);
    tcase_add_test(tcase, test_bytea_substring_position_set_byte);
    tcase_add_test(tcase, test_bytea_encode_decode);
    tcase_add_test(tcase, test_bytea_codec_round_trip);
    tcase_add_test(tcase, test_bytea_digest_convert);
    tcase_add_test(tcase, test_text_ascii_chr_to_hex);
    tcase_add_test(tcase, test_text_format_concat_ws);
    tcase_add_test(tcase, test_math_gcd_trig_width_bucket);
    tcase_add_test(tcase, test_datetime_make_age);
    tcase_add_test(tcase, test_fmt_to_char_numbers);
    tcase_add_test(tcase, test_fmt_to_char_datetime_and_parse);
    tcase_add_test(tcase, test_agg_interval);
    tcase_add_test(tcase, test_registry_resolves);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(funcs_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
