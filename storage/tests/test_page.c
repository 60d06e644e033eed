/* storage/tests/test_page.c: page checksums and verification (page.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/hash.h"
#include "storage/page.h"

static void page_make(uint8_t *page, PageId page_id, PageType type, uint64_t lsn, uint32_t seed)
{
    memset(page, 0, PAGE_SIZE);
    page_set_lsn(page, lsn);
    enc_u32le(page + PAGE_OFFSET_ID, page_id);
    page[PAGE_OFFSET_TYPE] = (uint8_t)type;
    for (size_t offset = PAGE_HEADER_SIZE; offset < PAGE_SIZE; offset++) {
        page[offset] = (uint8_t)((offset * 31u + seed) >> 3);
    }
}

static void assert_corrupt(Error *err, const char *expected_substring)
{
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "XX001");
    ck_assert_msg(strstr(err->message, "of file \"x.birch\"") != NULL, "message: %s", err->message);
    ck_assert_msg(strstr(err->message, expected_substring) != NULL, "message: %s", err->message);
    err_free(err);
}

START_TEST(test_page_seal_verify_round_trip)
{
    uint8_t *page = malloc(PAGE_SIZE);
    page_make(page, 17, PAGE_TYPE_BT_LEAF, 0x0102030405060708ULL, 7);
    page_seal(page);
    ck_assert_uint_eq(dec_u32le(page + PAGE_OFFSET_CHECKSUM), page_checksum(page));
    ck_assert_ptr_null(page_verify(page, 17, "x.birch", false));
    ck_assert_ptr_null(page_verify(page, 17, "x.birch", true));
    ck_assert_uint_eq(page_lsn(page), 0x0102030405060708ULL);
    ck_assert_uint_eq(page_id(page), 17);
    ck_assert_int_eq(page_type(page), PAGE_TYPE_BT_LEAF);
    /* the checksum field itself is not covered: changing it does not change the checksum */
    uint32_t checksum = page_checksum(page);
    page[PAGE_OFFSET_CHECKSUM] ^= 0xff;
    ck_assert_uint_eq(page_checksum(page), checksum);
    free(page);
}
END_TEST

START_TEST(test_page_checksum_is_zlib_crc32)
{
    /* the on-disk format is zlib's crc32 of [0, 8) and [12, PAGE_SIZE), whatever computes it */
    uint8_t *page = malloc(PAGE_SIZE);
    for (uint32_t seed = 0; seed < 50; seed++) {
        page_make(page, seed * 977, (PageType)(seed % PAGE_TYPE_COUNT), seed * 0x9e3779b9ULL, seed);
        uint32_t expected = hash_crc32(hash_crc32(0, page, 8), page + 12, PAGE_SIZE - 12);
        ck_assert_uint_eq(page_checksum(page), expected);
    }
    free(page);
}
END_TEST

/* zlib's crc32 of a page's checksummed bytes, computed with the table code only */
static uint32_t zlib_page_crc(const uint8_t *page)
{
    return hash_crc32(hash_crc32(0, page, 8), page + 12, PAGE_SIZE - 12);
}

START_TEST(test_page_checksum_random_pages_any_alignment)
{
    /* page_checksum folds 256 bytes a step where the CPU allows: random bytes, every start
     * alignment, all-ones and single-bit pages (a bit in each 16-byte lane of the fold) must
     * all give zlib's value */
    uint8_t *buffer = malloc(PAGE_SIZE + 64);
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int round = 0; round < 256; round++) {
        uint8_t *page = buffer + round % 64;
        for (size_t offset = 0; offset < PAGE_SIZE; offset++) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            page[offset] = (uint8_t)state;
        }
        ck_assert_uint_eq(page_checksum(page), zlib_page_crc(page));
    }
    memset(buffer, 0xff, PAGE_SIZE);
    ck_assert_uint_eq(page_checksum(buffer), zlib_page_crc(buffer));
    for (size_t offset = 0; offset < PAGE_SIZE; offset += 13) {
        memset(buffer, 0, PAGE_SIZE);
        buffer[offset] = (uint8_t)(1u << (offset % 8));
        uint32_t checksum = page_checksum(buffer);
        ck_assert_uint_eq(checksum, zlib_page_crc(buffer));
    }
    free(buffer);
}
END_TEST

START_TEST(test_page_every_flipped_bit_is_caught)
{
    uint8_t *page = malloc(PAGE_SIZE);
    page_make(page, 17, PAGE_TYPE_BT_INNER, 99, 3);
    page_seal(page);
    /* every byte of the header (lsn, checksum, id, type, flags, reserved) and a sample of the
     * body, each bit */
    for (size_t offset = 0; offset < PAGE_SIZE; offset += offset < 64 ? 1 : 61) {
        for (int bit = 0; bit < 8; bit++) {
            page[offset] ^= (uint8_t)(1u << bit);
            Error *err = page_verify(page, 17, "x.birch", false);
            ck_assert_msg(err != NULL, "flip at byte %zu bit %d not caught", offset, bit);
            ck_assert_str_eq(sqlstate_code(err->state), "XX001");
            ck_assert_msg(strstr(err->message, "invalid page in block 17 of file \"x.birch\"") !=
                              NULL, "message: %s", err->message);
            ck_assert_msg(strstr(err->message, "checksum mismatch (stored 0x") != NULL,
                          "message: %s", err->message);
            err_free(err);
            page[offset] ^= (uint8_t)(1u << bit);
        }
    }
    /* the lsn in particular */
    page_set_lsn(page, 100);
    assert_corrupt(page_verify(page, 17, "x.birch", false), "checksum mismatch");
    page_set_lsn(page, 99);
    ck_assert_ptr_null(page_verify(page, 17, "x.birch", false));
    free(page);
}
END_TEST

START_TEST(test_page_misdirected_and_unknown_type)
{
    uint8_t *page = malloc(PAGE_SIZE);
    page_make(page, 12, PAGE_TYPE_OVERFLOW, 5, 1);
    page_seal(page);
    Error *err = page_verify(page, 17, "x.birch", false);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err->message,
                     "invalid page in block 17 of file \"x.birch\": page id 12 found where 17 was "
                     "expected");
    assert_corrupt(err, "page id 12");
    page_make(page, 17, (PageType)99, 5, 1);
    page_seal(page);
    assert_corrupt(page_verify(page, 17, "x.birch", false), "unknown page type 99");
    page_make(page, 17, PAGE_TYPE_COUNT, 5, 1);
    page_seal(page);
    assert_corrupt(page_verify(page, 17, "x.birch", false), "unknown page type");
    free(page);
}
END_TEST

START_TEST(test_page_zero_page)
{
    uint8_t *page = calloc(1, PAGE_SIZE);
    ck_assert(page_is_zero(page));
    ck_assert_ptr_null(page_verify(page, 3, "x.birch", true));
    assert_corrupt(page_verify(page, 3, "x.birch", false), "all zeros");
    page[PAGE_SIZE - 1] = 1;
    ck_assert(!page_is_zero(page));
    /* a nearly-zero page is not a zero page: its checksum is checked */
    assert_corrupt(page_verify(page, 3, "x.birch", true), "checksum mismatch");
    page[PAGE_SIZE - 1] = 0;
    page[0] = 1;
    ck_assert(!page_is_zero(page));
    free(page);
}
END_TEST

START_TEST(test_page_type_names)
{
    ck_assert_str_eq(page_type_name(PAGE_TYPE_BT_LEAF), "btree leaf");
    ck_assert_str_eq(page_type_name(PAGE_TYPE_HEADER), "header");
    ck_assert_str_eq(page_type_name((PageType)200), "unknown");
    for (int type = 0; type < PAGE_TYPE_COUNT; type++) {
        ck_assert_str_ne(page_type_name((PageType)type), "unknown");
    }
}
END_TEST

static Suite *page_suite(void)
{
    Suite *suite = suite_create("page");
    TCase *tcase = tcase_create("page");
    tcase_add_test(tcase, test_page_seal_verify_round_trip);
    tcase_add_test(tcase, test_page_checksum_is_zlib_crc32);
    tcase_add_test(tcase, test_page_checksum_random_pages_any_alignment);
    tcase_add_test(tcase, test_page_every_flipped_bit_is_caught);
    tcase_add_test(tcase, test_page_misdirected_and_unknown_type);
    tcase_add_test(tcase, test_page_zero_page);
    tcase_add_test(tcase, test_page_type_names);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(page_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
