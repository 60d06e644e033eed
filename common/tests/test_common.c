/* common/tests/test_common.c: errors, arenas, hashes, byte helpers and failpoints. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/failpoint.h"
#include "common/hash.h"

START_TEST(test_err_fields_and_code)
{
    Error *err = err_at(SQLSTATE_SYNTAX_ERROR, 7, "syntax error at or near \"%s\"", "FORM");
    err_set_detail(err, "detail %d", 1);
    err_set_hint(err, "hint");
    err_set_object(err, "public", "t", "a", NULL);
    ck_assert_str_eq(err->message, "syntax error at or near \"FORM\"");
    ck_assert_str_eq(sqlstate_code(err->state), "42601");
    ck_assert_int_eq(err->position, 7);
    ck_assert_str_eq(err->detail, "detail 1");
    ck_assert_str_eq(err->hint, "hint");
    ck_assert_str_eq(err->table_name, "t");
    ck_assert_ptr_null(err->constraint_name);
    Error *copy = err_copy(err);
    err_free(err);
    err_prefix(copy, "while parsing");
    ck_assert_str_eq(copy->message, "while parsing: syntax error at or near \"FORM\"");
    ck_assert_str_eq(copy->column_name, "a");
    err_free(copy);
    ck_assert_int_eq(sqlstate_from_code("23505"), SQLSTATE_UNIQUE_VIOLATION);
    ck_assert_int_eq(sqlstate_from_code("zzzzz"), SQLSTATE_INTERNAL_ERROR);
    ck_assert_str_eq(sqlstate_code(SQLSTATE_DATA_CORRUPTED), "XX001");
}
END_TEST

START_TEST(test_arena_alignment_reset_and_large)
{
    Arena *arena = arena_create(1024);
    ck_assert_ptr_nonnull(arena);
    for (int alloc_idx = 0; alloc_idx < 1000; alloc_idx++) {
        size_t size = (size_t)(alloc_idx % 37) + 1;
        unsigned char *ptr = arena_alloc(arena, size);
        ck_assert_ptr_nonnull(ptr);
        ck_assert_uint_eq((uintptr_t)ptr % 16, 0);
        memset(ptr, 0xab, size);
    }
    char *big = arena_alloc(arena, 100000);
    ck_assert_ptr_nonnull(big);
    memset(big, 1, 100000);
    ck_assert_uint_gt(arena_size(arena), 100000);
    ck_assert_str_eq(arena_strndup(arena, "hello world", 5), "hello");
    arena_reset(arena);
    ck_assert_uint_lt(arena_size(arena), 4096);
    int *zeros = arena_calloc(arena, 64 * sizeof(int));
    for (int idx = 0; idx < 64; idx++) ck_assert_int_eq(zeros[idx], 0);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_bytes_round_trip_and_order)
{
    uint8_t buffer[8];
    enc_u64be(buffer, 0x0102030405060708ULL);
    ck_assert_uint_eq(buffer[0], 1);
    ck_assert_uint_eq(dec_u64be(buffer), 0x0102030405060708ULL);
    enc_u64le(buffer, 0x0102030405060708ULL);
    ck_assert_uint_eq(buffer[0], 8);
    ck_assert_uint_eq(dec_u64le(buffer), 0x0102030405060708ULL);
    enc_u32le(buffer, 0xdeadbeef);
    ck_assert_uint_eq(dec_u32le(buffer), 0xdeadbeef);
    enc_u16be(buffer, 0xbeef);
    ck_assert_uint_eq(dec_u16be(buffer), 0xbeef);
    uint8_t low[4], high[4];
    enc_u32be(low, 255);
    enc_u32be(high, 256);
    ck_assert_int_lt(memcmp(low, high, 4), 0);
}
END_TEST

START_TEST(test_hash_crc32_known_value)
{
    /* the standard check value of CRC-32 */
    ck_assert_uint_eq(hash_crc32(0, "123456789", 9), 0xCBF43926u);
    ck_assert_uint_ne(hash_bytes("abc", 3, 0), hash_bytes("abd", 3, 0));
    ck_assert_uint_eq(hash_bytes("abc", 3, 1), hash_bytes("abc", 3, 1));
}
END_TEST

static void *park_thread(void *arg)
{
    (void)arg;
    (void)FAILPOINT("test.park");
    return NULL;
}

START_TEST(test_fp_error_skip_and_park)
{
    ck_assert(!FAILPOINT("test.error"));
    fp_set("test.error", FP_ACTION_ERROR, 2, 1);
    ck_assert(!FAILPOINT("test.error"));
    ck_assert(!FAILPOINT("test.error"));
    ck_assert(FAILPOINT("test.error"));
    ck_assert(!FAILPOINT("test.error"));   /* fire_count 1: disarmed after one firing */

    fp_set("test.park", FP_ACTION_PARK, 0, 1);
    pthread_t thread;
    pthread_create(&thread, NULL, park_thread, NULL);
    ck_assert(fp_wait_parked("test.park", 5000));
    fp_release("test.park");
    pthread_join(thread, NULL);
    ck_assert(!fp_wait_parked("test.park", 10));
    fp_clear_all();
    ck_assert_int_eq(atomic_load(&fp_enabled_count), 0);
}
END_TEST

static Suite *common_suite(void)
{
    Suite *suite = suite_create("common");
    TCase *tcase = tcase_create("core");
    tcase_add_test(tcase, test_err_fields_and_code);
    tcase_add_test(tcase, test_arena_alignment_reset_and_large);
    tcase_add_test(tcase, test_bytes_round_trip_and_order);
    tcase_add_test(tcase, test_hash_crc32_known_value);
    tcase_add_test(tcase, test_fp_error_skip_and_park);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(common_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed_count = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed_count == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
