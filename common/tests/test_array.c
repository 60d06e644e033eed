/* common/tests/test_array.c: the array encoding (common/array.h): builder output byte for
 * byte, decode/iterate round trips, and rejection of malformed bytes with 22P03. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
/* array.h has a comment-in-comment sequence that -Wcomment rejects (a contract bug) */
#pragma GCC diagnostic ignored "-Wcomment"
#include "common/array.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/tests/require.h"

enum { OID_INT2 = 21, OID_INT4 = 23, OID_INT8 = 20, OID_TEXT = 25, OID_OID = 26,
       OID_BOOL = 16, OID_NUMERIC = 1700 };

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

/* expect_invalid: decoding bytes fails with 22P03 (or the given state). */
static void expect_error(const uint8_t *bytes, size_t size, SqlState state)
{
    ArrayView view;
    Error *err = array_decode(bytes, size, &view);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), sqlstate_code(state));
    err_free(err);
}

START_TEST(test_array_int4_encoding_is_pg_binary)
{
    Arena *arena = arena_create(1024);
    ArrayBuilder builder;
    array_builder_init(&builder, arena, OID_INT4, 1);
    array_builder_add_int(&builder, 1);
    array_builder_add(&builder, NULL, -1);
    array_builder_add_int(&builder, -2);
    size_t size = 0;
    const uint8_t *bytes = array_builder_finish(&builder, &size);
    /* what PostgreSQL 15's array_send gives for '{1,NULL,-2}'::int4[] */
    static const uint8_t expected[] = {
        0, 0, 0, 1,  0, 0, 0, 1,  0, 0, 0, 23,  0, 0, 0, 3,  0, 0, 0, 1,
        0, 0, 0, 4,  0, 0, 0, 1,
        0xff, 0xff, 0xff, 0xff,
        0, 0, 0, 4,  0xff, 0xff, 0xff, 0xfe,
    };
    ck_assert_uint_eq(size, sizeof expected);
    ck_assert_mem_eq(bytes, expected, sizeof expected);

    ArrayView view;
    ck_assert_ptr_null(array_decode(bytes, size, &view));
    ck_assert_uint_eq(view.elem_oid, OID_INT4);
    ck_assert_int_eq(view.count, 3);
    ck_assert_int_eq(view.lower, 1);
    ck_assert(view.has_nulls);
    ArrayIter iter = array_iter(&view);
    const uint8_t *data;
    int32_t elem_size;
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq(elem_size, 4);
    ck_assert_int_eq((int32_t)dec_u32be(data), 1);
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq(elem_size, -1);
    ck_assert_ptr_null(data);
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq((int32_t)dec_u32be(data), -2);
    ck_assert(!array_next(&iter, &data, &elem_size));
    arena_destroy(arena);
}
END_TEST

START_TEST(test_array_empty_is_ndim_zero)
{
    Arena *arena = arena_create(1024);
    ArrayBuilder builder;
    array_builder_init(&builder, arena, OID_TEXT, 1);
    size_t size = 0;
    const uint8_t *bytes = array_builder_finish(&builder, &size);
    static const uint8_t expected[] = { 0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 25 };
    ck_assert_uint_eq(size, ARRAY_HEADER_SIZE_EMPTY);
    ck_assert_mem_eq(bytes, expected, sizeof expected);
    ArrayView view;
    ck_assert_ptr_null(array_decode(bytes, size, &view));
    ck_assert_int_eq(view.count, 0);
    ck_assert(!view.has_nulls);
    ArrayIter iter = array_iter(&view);
    const uint8_t *data;
    int32_t elem_size;
    ck_assert(!array_next(&iter, &data, &elem_size));
    arena_destroy(arena);
}
END_TEST

START_TEST(test_array_widths_text_and_vectors)
{
    Arena *arena = arena_create(1024);
    ArrayBuilder builder;
    /* int2vector: 0-based, 2-byte elements */
    array_builder_init(&builder, arena, OID_INT2, 0);
    array_builder_add_int(&builder, 1);
    array_builder_add_int(&builder, -3);
    size_t size = 0;
    const uint8_t *bytes = array_builder_finish(&builder, &size);
    ck_assert_uint_eq(size, ARRAY_HEADER_SIZE + 2 * 6);
    ArrayView view;
    ck_assert_ptr_null(array_decode(bytes, size, &view));
    ck_assert_int_eq(view.lower, 0);
    ck_assert(!view.has_nulls);
    ArrayIter iter = array_iter(&view);
    const uint8_t *data;
    int32_t elem_size;
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq(elem_size, 2);
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq((int16_t)dec_u16be(data), -3);

    /* int8 and oid widths */
    array_builder_init(&builder, arena, OID_INT8, 1);
    array_builder_add_int(&builder, INT64_MIN);
    bytes = array_builder_finish(&builder, &size);
    ck_assert_ptr_null(array_decode(bytes, size, &view));
    iter = array_iter(&view);
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq(elem_size, 8);
    ck_assert_uint_eq(dec_u64be(data), (uint64_t)INT64_MIN);
    array_builder_init(&builder, arena, OID_OID, 1);
    array_builder_add_int(&builder, 4294967295LL);
    bytes = array_builder_finish(&builder, &size);
    ck_assert_ptr_null(array_decode(bytes, size, &view));
    iter = array_iter(&view);
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq(elem_size, 4);
    ck_assert_uint_eq(dec_u32be(data), 4294967295u);

    /* text: strlen, explicit size, empty string, NULL */
    array_builder_init(&builder, arena, OID_TEXT, 1);
    array_builder_add_text(&builder, "abc", -1);
    array_builder_add_text(&builder, "xyz", 2);
    array_builder_add_text(&builder, "", 0);
    array_builder_add_text(&builder, NULL, -1);
    bytes = array_builder_finish(&builder, &size);
    ck_assert_ptr_null(array_decode(bytes, size, &view));
    ck_assert_int_eq(view.count, 4);
    ck_assert(view.has_nulls);
    iter = array_iter(&view);
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq(elem_size, 3);
    ck_assert_mem_eq(data, "abc", 3);
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq(elem_size, 2);
    ck_assert_mem_eq(data, "xy", 2);
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq(elem_size, 0);
    ck_assert_ptr_nonnull(data);
    ck_assert(array_next(&iter, &data, &elem_size));
    ck_assert_int_eq(elem_size, -1);
    ck_assert(!array_next(&iter, &data, &elem_size));
    arena_destroy(arena);
}
END_TEST

/* Equal arrays built separately have identical bytes (array.h invariant 3). */
START_TEST(test_array_equal_values_equal_bytes)
{
    Arena *arena = arena_create(1024);
    ArrayBuilder first;
    ArrayBuilder second;
    array_builder_init(&first, arena, OID_TEXT, 1);
    array_builder_init(&second, arena, OID_TEXT, 1);
    const char *words[] = { "x", "yy", NULL, "zzz" };
    for (int word_idx = 0; word_idx < 4; word_idx++) {
        array_builder_add_text(&first, words[word_idx], -1);
        array_builder_add(&second, words[word_idx],
                          words[word_idx] == NULL ? -1 : (int32_t)strlen(words[word_idx]));
    }
    size_t first_size = 0;
    size_t second_size = 0;
    const uint8_t *first_bytes = array_builder_finish(&first, &first_size);
    const uint8_t *second_bytes = array_builder_finish(&second, &second_size);
    ck_assert_uint_eq(first_size, second_size);
    ck_assert_mem_eq(first_bytes, second_bytes, first_size);
    arena_destroy(arena);
}
END_TEST

/* A builder that grows through many reallocations keeps every element. */
START_TEST(test_array_builder_grows)
{
    Arena *arena = arena_create(4096);
    int32_t count = (int32_t)(100000 * test_scale());
    if (count < 1000) count = 1000;
    ArrayBuilder builder;
    array_builder_init(&builder, arena, OID_INT4, 1);
    for (int32_t value = 0; value < count; value++) {
        if (value % 97 == 0) {
            array_builder_add(&builder, NULL, -1);
        } else {
            array_builder_add_int(&builder, value);
        }
    }
    size_t size = 0;
    const uint8_t *bytes = array_builder_finish(&builder, &size);
    ck_assert_ptr_nonnull(bytes);
    ArrayView view;
    ck_assert_ptr_null(array_decode(bytes, size, &view));
    ck_assert_int_eq(view.count, count);
    ArrayIter iter = array_iter(&view);
    const uint8_t *data;
    int32_t elem_size;
    int32_t seen_count = 0;
    while (array_next(&iter, &data, &elem_size)) {
        if (seen_count % 97 == 0) {
            REQUIRE_IEQ(elem_size, -1);
        } else {
            REQUIRE_IEQ(elem_size, 4);
            REQUIRE_IEQ((int32_t)dec_u32be(data), seen_count);
        }
        seen_count++;
    }
    ck_assert_int_eq(seen_count, count);
    arena_destroy(arena);
}
END_TEST

static void put32(uint8_t *dst, int64_t value) { enc_u32be(dst, (uint32_t)value); }

START_TEST(test_array_decode_rejects_malformed)
{
    uint8_t buf[64];
    memset(buf, 0, sizeof buf);
    expect_error(NULL, 0, SQLSTATE_INVALID_BINARY_REPRESENTATION);
    expect_error(buf, 11, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* short header */
    put32(buf + 8, OID_INT4);
    expect_error(buf, 13, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* ndim 0 + bytes */
    put32(buf + 4, 1);
    expect_error(buf, 12, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* empty with nulls */
    put32(buf + 4, 2);
    expect_error(buf, 12, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* flag not 0/1 */
    put32(buf + 4, 0);
    put32(buf, -1);
    expect_error(buf, 12, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* negative ndim */
    put32(buf, 2);
    expect_error(buf, 40, SQLSTATE_FEATURE_NOT_SUPPORTED);                /* 2-D */
    put32(buf, 1);
    expect_error(buf, 16, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* no count/lower */
    put32(buf + 12, 0);
    put32(buf + 16, 1);
    expect_error(buf, 20, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* count 0 */
    put32(buf + 12, -5);
    expect_error(buf, 20, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* count < 0 */
    put32(buf + 12, 1000000);
    expect_error(buf, 28, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* count too big */
    /* one int4 element */
    put32(buf + 12, 1);
    put32(buf + 20, 4);
    put32(buf + 24, 7);
    ArrayView view;
    ck_assert_ptr_null(array_decode(buf, 28, &view));
    expect_error(buf, 27, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* truncated elem */
    expect_error(buf, 29, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* trailing byte */
    put32(buf + 16, INT32_MAX);
    ck_assert_ptr_null(array_decode(buf, 28, &view));                     /* upper = max */
    put32(buf + 12, 2);
    put32(buf + 28, -1);
    put32(buf + 4, 1);
    expect_error(buf, 32, SQLSTATE_PROGRAM_LIMIT_EXCEEDED);               /* upper overflows */
    put32(buf + 16, 1);
    ck_assert_ptr_null(array_decode(buf, 32, &view));                     /* {7,NULL} */
    put32(buf + 4, 0);
    expect_error(buf, 32, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* flag mismatch */
    put32(buf + 4, 1);
    put32(buf + 28, -2);
    expect_error(buf, 32, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* size -2 */
    put32(buf + 28, 0x7fffffff);
    expect_error(buf, 32, SQLSTATE_INVALID_BINARY_REPRESENTATION);        /* huge size */
    /* an int4 element of 3 bytes */
    put32(buf + 12, 1);
    put32(buf + 4, 0);
    put32(buf + 20, 3);
    expect_error(buf, 27, SQLSTATE_INVALID_BINARY_REPRESENTATION);
    /* a bool element that is not 0/1 */
    put32(buf + 8, OID_BOOL);
    put32(buf + 20, 1);
    buf[24] = 2;
    expect_error(buf, 25, SQLSTATE_INVALID_BINARY_REPRESENTATION);
    buf[24] = 1;
    ck_assert_ptr_null(array_decode(buf, 25, &view));
    /* a numeric element whose digit count disagrees with its size */
    put32(buf + 8, OID_NUMERIC);
    put32(buf + 20, 10);
    memset(buf + 24, 0, 10);
    buf[25] = 2;   /* ndigits 2 needs 12 bytes */
    expect_error(buf, 34, SQLSTATE_INVALID_BINARY_REPRESENTATION);
    buf[25] = 1;
    ck_assert_ptr_null(array_decode(buf, 34, &view));
}
END_TEST

/* Random byte flips never crash decode; whatever it accepts can be iterated. */
START_TEST(test_array_decode_survives_corruption)
{
    Arena *arena = arena_create(4096);
    ArrayBuilder builder;
    array_builder_init(&builder, arena, OID_TEXT, 1);
    array_builder_add_text(&builder, "alpha", -1);
    array_builder_add(&builder, NULL, -1);
    array_builder_add_text(&builder, "beta", -1);
    size_t size = 0;
    const uint8_t *bytes = array_builder_finish(&builder, &size);
    uint8_t *copy = malloc(size);
    unsigned seed = 12345;
    int32_t round_count = (int32_t)(20000 * test_scale());
    for (int32_t round_idx = 0; round_idx < round_count; round_idx++) {
        memcpy(copy, bytes, size);
        seed = seed * 1103515245u + 12345u;
        size_t pos = (seed >> 8) % size;
        seed = seed * 1103515245u + 12345u;
        copy[pos] = (uint8_t)(seed >> 16);
        size_t cut = (round_idx % 3 == 0) ? (seed >> 4) % (size + 1) : size;
        ArrayView view;
        Error *err = array_decode(copy, cut, &view);
        if (err != NULL) {
            err_free(err);
            continue;
        }
        ArrayIter iter = array_iter(&view);
        const uint8_t *data;
        int32_t elem_size;
        int32_t seen_count = 0;
        while (array_next(&iter, &data, &elem_size)) seen_count++;
        REQUIRE_IEQ(seen_count, view.count);
    }
    free(copy);
    arena_destroy(arena);
}
END_TEST

static Suite *array_suite(void)
{
    Suite *suite = suite_create("array");
    TCase *tcase = tcase_create("core");
    tcase_add_test(tcase, test_array_int4_encoding_is_pg_binary);
    tcase_add_test(tcase, test_array_empty_is_ndim_zero);
    tcase_add_test(tcase, test_array_widths_text_and_vectors);
    tcase_add_test(tcase, test_array_equal_values_equal_bytes);
    tcase_add_test(tcase, test_array_builder_grows);
    tcase_add_test(tcase, test_array_decode_rejects_malformed);
    tcase_add_test(tcase, test_array_decode_survives_corruption);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(array_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed_count = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed_count == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
