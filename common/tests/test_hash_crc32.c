/* common/tests/test_hash_crc32.c: hash_crc32_fast gives exactly zlib's crc32. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/hash_crc32.h"

START_TEST(test_hash_crc32_fast_known_value)
{
    ck_assert_uint_eq(hash_crc32_fast(0, "123456789", 9), 0xCBF43926u);
    ck_assert_uint_eq(hash_crc32_fast(0, "", 0), 0);
    uint8_t zeros[4096] = {0};
    ck_assert_uint_eq(hash_crc32_fast(0, zeros, sizeof zeros), hash_crc32(0, zeros, sizeof zeros));
}
END_TEST

START_TEST(test_hash_crc32_fast_matches_zlib)
{
    enum { BUFFER_SIZE = 20000 + 64 };
    uint8_t *buffer = malloc(BUFFER_SIZE);
    uint64_t rng = 0x243f6a8885a308d3ULL;
    for (size_t idx = 0; idx < BUFFER_SIZE; idx++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        buffer[idx] = (uint8_t)(rng >> 56);
    }
    /* every length up to 300 at every alignment mod 16, then random lengths and seeds */
    for (size_t size = 0; size <= 300; size++) {
        for (size_t offset = 0; offset < 16; offset++) {
            ck_assert_uint_eq(hash_crc32_fast(0x12345678u, buffer + offset, size),
                              hash_crc32(0x12345678u, buffer + offset, size));
        }
    }
    for (int trial = 0; trial < 20000; trial++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t size = (size_t)(rng >> 33) % 20000;
        size_t offset = (size_t)(rng >> 20) % 64;
        uint32_t seed = trial % 4 == 0 ? 0 : (uint32_t)rng;
        ck_assert_msg(hash_crc32_fast(seed, buffer + offset, size) ==
                          hash_crc32(seed, buffer + offset, size),
                      "size %zu offset %zu", size, offset);
    }
    /* chaining: crc of a split buffer equals crc of the whole */
    uint32_t crc = hash_crc32_fast(0, buffer, 8);
    crc = hash_crc32_fast(crc, buffer + 12, 8180);
    uint32_t expected = hash_crc32(hash_crc32(0, buffer, 8), buffer + 12, 8180);
    ck_assert_uint_eq(crc, expected);
    free(buffer);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("hash_crc32");
    TCase *tcase = tcase_create("hash_crc32");
    tcase_add_test(tcase, test_hash_crc32_fast_known_value);
    tcase_add_test(tcase, test_hash_crc32_fast_matches_zlib);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
