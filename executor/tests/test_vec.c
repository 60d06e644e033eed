/* executor/tests/test_vec.c: vectors, validity, constants, string views, DataChunks. */
#include <stdlib.h>
#include <string.h>

#include "executor/chunk.h"
#include "executor/tests/kern_support.h"

START_TEST(test_vec_init_allocates_nothing_and_reserves_small)
{
    Vector vec;
    vec_init(&vec, type_plain(TYPE_INT4), test_arena);
    ck_assert_uint_eq(vec.capacity, 0);
    ck_assert_ptr_null(vec.data);
    ck_assert_int_eq(vec.phys, VEC_PHYS_I32);
    size_t before = arena_size(test_arena);
    assert_ok(vec_reserve(&vec, 1));              /* a point lookup: one slot */
    ck_assert_uint_eq(vec.capacity, 1);
    ck_assert_uint_le(arena_size(test_arena) - before, 64 * 1024);
    vec_i32(&vec)[0] = 42;
    assert_ok(vec_reserve(&vec, 100));            /* growth keeps values */
    ck_assert_int_eq(vec_i32(&vec)[0], 42);
    ck_assert_uint_eq(vec.capacity, 100);
    assert_ok(vec_reserve(&vec, 50));             /* never shrinks */
    ck_assert_uint_eq(vec.capacity, 100);
}
END_TEST

START_TEST(test_vec_phys_of_every_type)
{
    ck_assert_int_eq(type_phys(type_plain(TYPE_BOOL)), VEC_PHYS_BOOL);
    ck_assert_int_eq(type_phys(type_plain(TYPE_INT2)), VEC_PHYS_I16);
    ck_assert_int_eq(type_phys(type_plain(TYPE_INT8)), VEC_PHYS_I64);
    ck_assert_int_eq(type_phys(type_plain(TYPE_FLOAT4)), VEC_PHYS_F32);
    ck_assert_int_eq(type_phys(type_plain(TYPE_DATE)), VEC_PHYS_I32);
    ck_assert_int_eq(type_phys(type_plain(TYPE_TIMESTAMPTZ)), VEC_PHYS_I64);
    ck_assert_int_eq(type_phys(type_plain(TYPE_INTERVAL)), VEC_PHYS_INTERVAL);
    ck_assert_int_eq(type_phys(type_plain(TYPE_VARCHAR)), VEC_PHYS_STR);
    ck_assert_int_eq(type_phys(type_plain(TYPE_NUMERIC)), VEC_PHYS_NUMERIC);
    int32_t typmod;
    assert_ok(numeric_typmod_make(18, 4, &typmod));
    ck_assert_int_eq(type_phys(type_make(TYPE_NUMERIC, typmod)), VEC_PHYS_NUM64);
    ck_assert_int_eq(type_num64_scale(type_make(TYPE_NUMERIC, typmod)), 4);
    assert_ok(numeric_typmod_make(19, 4, &typmod));
    ck_assert_int_eq(type_phys(type_make(TYPE_NUMERIC, typmod)), VEC_PHYS_NUMERIC);
    ck_assert_str_eq(type_name(TYPE_INT4), "integer");
    ck_assert_str_eq(type_name(TYPE_TIMESTAMPTZ), "timestamp with time zone");
    ck_assert_int_eq(type_typlen(TYPE_INT8), 8);
    ck_assert_int_eq(type_typlen(TYPE_TEXT), -1);
    ck_assert_uint_eq(type_array_elem(TYPE_INT4_ARRAY), TYPE_INT4);
    ck_assert_uint_eq(type_array_elem(TYPE_INT4), TYPE_INVALID);
    ck_assert(!type_is_known(12345));
}
END_TEST

START_TEST(test_vec_validity_lazy_bitmap)
{
    Vector vec;
    vec_init(&vec, type_plain(TYPE_INT8), test_arena);
    assert_ok(vec_reserve(&vec, 130));
    ck_assert_ptr_null(vec.validity);
    ck_assert(!vec_has_nulls(&vec, 130));
    assert_ok(vec_set_null(&vec, 129));
    assert_ok(vec_set_null(&vec, 64));
    ck_assert_ptr_nonnull(vec.validity);
    ck_assert(vec_is_null(&vec, 129));
    ck_assert(vec_is_null(&vec, 64));
    ck_assert(!vec_is_null(&vec, 63));
    ck_assert(!vec_is_null(&vec, 0));
    ck_assert(vec_has_nulls(&vec, 130));
    ck_assert(!vec_has_nulls(&vec, 64));
    vec_set_valid(&vec, 64);
    ck_assert(!vec_is_null(&vec, 64));
    assert_ok(vec_reserve(&vec, 300));           /* growth keeps NULLs, new rows valid */
    ck_assert(vec_is_null(&vec, 129));
    ck_assert(!vec_is_null(&vec, 299));
    vec_reset(&vec);
    ck_assert(!vec_is_null(&vec, 129));
}
END_TEST

START_TEST(test_vec_constant_and_flatten)
{
    Vector *vec = vec_const_int(TYPE_INT4, 7);
    ck_assert(vec->is_constant);
    ck_assert(!vec_is_null(vec, 1000));
    ck_assert_int_eq(vec_i32(vec)[0], 7);
    assert_ok(vec_flatten(vec, 5));
    ck_assert(!vec->is_constant);
    for (uint32_t row_idx = 0; row_idx < 5; row_idx++) ck_assert_int_eq(vec_i32(vec)[row_idx], 7);
    Vector *null_vec = vec_const_null(type_plain(TYPE_TEXT));
    ck_assert(vec_is_null(null_vec, 2047));
    ck_assert(vec_has_nulls(null_vec, 3));
    assert_ok(vec_flatten(null_vec, 3));
    ck_assert(vec_is_null(null_vec, 2));
}
END_TEST

START_TEST(test_vec_string_views_inline_and_out_of_line)
{
    Vector vec;
    vec_init(&vec, type_plain(TYPE_TEXT), test_arena);
    assert_ok(vec_reserve(&vec, 4));
    char source[64];
    strcpy(source, "twelve bytes");                  /* exactly 12: inline */
    assert_ok(vec_str_set(&vec, 0, source, 12));
    strcpy(source, "thirteen byte");                 /* 13: out of line, copied */
    assert_ok(vec_str_set(&vec, 1, source, 13));
    assert_ok(vec_str_set(&vec, 2, "", 0));
    assert_ok(vec_str_set(&vec, 3, "h\xc3\xa9", 3));
    memset(source, 'x', sizeof source);              /* the vector owns copies */
    const StrView *views = vec_str(&vec);
    ck_assert_uint_eq(views[0].size, 12);
    ck_assert(memcmp(str_view_data(&views[0]), "twelve bytes", 12) == 0);
    ck_assert(str_view_data(&views[0]) == (const char *)&views[0] + 4);
    ck_assert_uint_eq(views[1].size, 13);
    ck_assert(memcmp(str_view_data(&views[1]), "thirteen byte", 13) == 0);
    ck_assert(memcmp(views[1].prefix, "thir", 4) == 0);
    ck_assert(str_view_data(&views[1]) != (const char *)&views[1] + 4);
    ck_assert_uint_eq(views[2].size, 0);
    /* C collation: bytes, then length */
    StrView abc = str_view_make_ref("abc", 3), abcd = str_view_make_ref("abcd", 4);
    StrView long1 = str_view_make_ref("abcdefghijklmnop", 16);
    StrView long2 = str_view_make_ref("abcdefghijklmnoq", 16);
    ck_assert_int_lt(str_view_cmp(&abc, &abcd), 0);
    ck_assert_int_gt(str_view_cmp(&abcd, &abc), 0);
    ck_assert_int_lt(str_view_cmp(&long1, &long2), 0);
    ck_assert_int_eq(str_view_cmp(&long1, &long1), 0);
    ck_assert(str_view_equal(&long1, &long1));
    ck_assert(!str_view_equal(&long1, &long2));
    StrView high = str_view_make_ref("\xc3\xa9", 2), low = str_view_make_ref("z", 1);
    ck_assert_int_gt(str_view_cmp(&high, &low), 0);   /* unsigned bytes */
}
END_TEST

START_TEST(test_vec_copy_row_deep_copies)
{
    Vector *src = vec_of_strs(TYPE_TEXT, (const char *const[]){ "a fairly long string", NULL }, 2);
    Vector *dst = vec_new(type_plain(TYPE_TEXT));
    assert_ok(vec_reserve(dst, 2));
    assert_ok(vec_copy_row(dst, 1, src, 0));
    assert_ok(vec_copy_row(dst, 0, src, 1));
    ck_assert_str_eq(row_text(dst, 1), "a fairly long string");
    ck_assert(vec_is_null(dst, 0));
    ck_assert(str_view_data(&vec_str(dst)[1]) != str_view_data(&vec_str(src)[0]));
    Vector *nums = vec_of_nums(type_plain(TYPE_NUMERIC), (const char *const[]){ "12.50" }, 1);
    Vector *nums_dst = vec_new(type_plain(TYPE_NUMERIC));
    assert_ok(vec_reserve(nums_dst, 1));
    assert_ok(vec_copy_row(nums_dst, 0, nums, 0));
    ck_assert_str_eq(row_text(nums_dst, 0), "12.50");
}
END_TEST

START_TEST(test_chunk_init_selection_and_reset)
{
    Type types[3] = { type_plain(TYPE_INT4), type_plain(TYPE_TEXT), type_plain(TYPE_FLOAT8) };
    DataChunk chunk;
    assert_ok(chunk_init(&chunk, types, 3, test_arena));
    ck_assert_uint_eq(chunk.column_count, 3);
    ck_assert_uint_eq(chunk.columns[1].capacity, 0);
    assert_ok(chunk_reserve(&chunk, 10));
    chunk.row_count = 10;
    ck_assert_uint_eq(chunk_live_count(&chunk), 10);
    uint16_t *sel = chunk_sel_alloc(&chunk);
    ck_assert_ptr_nonnull(sel);
    sel[0] = 1; sel[1] = 4; sel[2] = 9;
    chunk_set_sel(&chunk, sel, 3);
    ck_assert_uint_eq(chunk_live_count(&chunk), 3);
    assert_ok(vec_set_null(&chunk.columns[0], 4));
    chunk_reset(&chunk);
    ck_assert_uint_eq(chunk_live_count(&chunk), 0);
    ck_assert_ptr_null(chunk.sel);
    ck_assert(!vec_is_null(&chunk.columns[0], 4));
    ck_assert_uint_eq(chunk.columns[0].capacity, 10);  /* buffers kept */
    DataChunk too_wide;
    Type *many = calloc(CHUNK_COLUMN_COUNT_MAX + 1, sizeof(Type));
    assert_error(chunk_init(&too_wide, many, CHUNK_COLUMN_COUNT_MAX + 1, test_arena), "54000",
                 "target lists can have at most 1664 entries");
    free(many);
}
END_TEST

static Suite *vec_suite(void)
{
    Suite *suite = suite_create("vec");
    TCase *tcase = tcase_create("vec");
    tcase_add_checked_fixture(tcase, test_arena_setup, test_arena_teardown);
    tcase_add_test(tcase, test_vec_init_allocates_nothing_and_reserves_small);
    tcase_add_test(tcase, test_vec_phys_of_every_type);
    tcase_add_test(tcase, test_vec_validity_lazy_bitmap);
    tcase_add_test(tcase, test_vec_constant_and_flatten);
    tcase_add_test(tcase, test_vec_string_views_inline_and_out_of_line);
    tcase_add_test(tcase, test_vec_copy_row_deep_copies);
    tcase_add_test(tcase, test_chunk_init_selection_and_reset);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(vec_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
