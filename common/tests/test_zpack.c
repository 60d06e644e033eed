/* common/tests/test_zpack.c: zpack writes zlib streams that zlib's uncompress reads back
 * byte for byte, declines input it cannot shrink, and compresses page-like data. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "common/zpack.h"

static uint64_t rng_next(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return *state >> 33;
}

/* round_trip: zpack(data) and, when it compressed, uncompress gives data back; returns the
 * packed size (0 when zpack declined). */
static size_t round_trip(ZPack *pack, const uint8_t *data, size_t size)
{
    uint8_t *packed = malloc(zpack_bound(size));
    ck_assert_ptr_nonnull(packed);
    size_t packed_size = zpack(pack, data, size, packed);
    if (packed_size != 0) {
        ck_assert_uint_lt(packed_size, size);
        uLongf   unpacked_size = (uLongf)size + 16;
        uint8_t *unpacked = malloc(unpacked_size);
        ck_assert_int_eq(uncompress(unpacked, &unpacked_size, packed, packed_size), Z_OK);
        ck_assert_uint_eq(unpacked_size, size);
        ck_assert(memcmp(unpacked, data, size) == 0);
        free(unpacked);
    }
    free(packed);
    return packed_size;
}

/* fill_page: a B+ tree leaf-like page: header, slot array, a zero hole, cells of
 * (8-byte big-endian key, small ints, 20..100 random lowercase letters). */
static void fill_page(uint8_t *page, size_t page_size, uint64_t *rng, size_t hole)
{
    memset(page, 0, page_size);
    size_t at = page_size;
    size_t slots = 56;
    uint64_t key = rng_next(rng) % 1000000;
    while (at > slots + hole + 140) {
        size_t text = 20 + rng_next(rng) % 81;
        size_t cell = 7 + 8 + 8 + text;
        at -= cell;
        page[slots] = (uint8_t)at;
        page[slots + 1] = (uint8_t)(at >> 8);
        slots += 2;
        uint8_t *cellp = page + at;
        cellp[0] = 8;
        cellp[2] = (uint8_t)(text + 8);
        for (int byte = 0; byte < 8; byte++) cellp[7 + byte] = (uint8_t)(key >> (56 - 8 * byte));
        key++;
        cellp[15] = 1;
        cellp[19] = (uint8_t)rng_next(rng);
        for (size_t idx = 0; idx < text; idx++) cellp[23 + idx] = (uint8_t)('a' + rng_next(rng) % 26);
    }
}

START_TEST(test_zpack_round_trips)
{
    ZPack    pack = {0};
    uint64_t rng = 42;
    enum { SIZE_MAX_TEST = 40000 };
    uint8_t *data = malloc(SIZE_MAX_TEST);

    /* runs of every length around the match limits, at the start and after literals */
    size_t run_lengths[] = {1, 2, 3, 4, 5, 10, 257, 258, 259, 260, 516, 517, 1000, 8192};
    for (size_t run_idx = 0; run_idx < sizeof run_lengths / sizeof run_lengths[0]; run_idx++) {
        for (size_t prefix = 0; prefix < 3; prefix++) {
            size_t size = 0;
            for (size_t idx = 0; idx < prefix; idx++) data[size++] = (uint8_t)('x' + idx);
            memset(data + size, 0, run_lengths[run_idx]);
            size += run_lengths[run_idx];
            for (size_t idx = 0; idx < 200; idx++) data[size++] = (uint8_t)('a' + idx % 7);
            round_trip(&pack, data, size);
        }
    }
    /* all zeros compresses to almost nothing */
    memset(data, 0, 8192);
    size_t zero_size = round_trip(&pack, data, 8192);
    ck_assert_uint_gt(zero_size, 0);
    ck_assert_uint_lt(zero_size, 200);

    /* random sizes of skewed random data, including sizes that do not pay */
    for (int trial = 0; trial < 400; trial++) {
        size_t size = 1 + rng_next(&rng) % SIZE_MAX_TEST;
        if (trial < 40) size = (size_t)trial;
        int    alphabet = 1 + (int)(rng_next(&rng) % 256);
        for (size_t idx = 0; idx < size; idx++) {
            uint64_t pick = rng_next(&rng);
            data[idx] = pick % 4 == 0 && idx > 0 ? data[idx - 1] : (uint8_t)(pick % (uint64_t)alphabet);
        }
        round_trip(&pack, data, size);
    }
    free(data);
    zpack_free(&pack);
}
END_TEST

START_TEST(test_zpack_declines_incompressible)
{
    ZPack    pack = {0};
    uint64_t rng = 7;
    uint8_t  data[8192];
    for (size_t idx = 0; idx < sizeof data; idx++) data[idx] = (uint8_t)rng_next(&rng);
    ck_assert_uint_eq(round_trip(&pack, data, sizeof data), 0);
    ck_assert_uint_eq(round_trip(&pack, data, 3), 0);
    zpack_free(&pack);
}
END_TEST

/* Fibonacci frequencies make an optimal Huffman code deeper than deflate's 15 bits: the
 * length limit must keep the code complete and the stream valid. */
START_TEST(test_zpack_limits_code_lengths)
{
    ZPack    pack = {0};
    size_t   counts[24];
    size_t   total = 0;
    counts[0] = counts[1] = 1;
    for (int idx = 2; idx < 24; idx++) counts[idx] = counts[idx - 1] + counts[idx - 2];
    for (int idx = 0; idx < 24; idx++) total += counts[idx];
    uint8_t *data = malloc(total);
    uint64_t rng = 3;
    size_t   at = 0;
    for (int idx = 0; idx < 24; idx++) {
        for (size_t copy = 0; copy < counts[idx]; copy++) data[at++] = (uint8_t)(idx * 10 + 1);
    }
    /* shuffle so that runs do not hide the frequencies */
    for (size_t idx = total - 1; idx > 0; idx--) {
        size_t   other = rng_next(&rng) % (idx + 1);
        uint8_t  tmp = data[idx];
        data[idx] = data[other];
        data[other] = tmp;
    }
    ck_assert_uint_gt(round_trip(&pack, data, total), 0);
    free(data);
    zpack_free(&pack);
}
END_TEST

/* Page-like data: compressed to at most 70% (zlib's level 1 reaches ~50%), and much faster
 * than zlib's level 1 (printed, not asserted: timing belongs in benchmarks). */
START_TEST(test_zpack_pages)
{
    ZPack    pack = {0};
    uint64_t rng = 99;
    enum { PAGES = 64, PAGE = 8192 };
    uint8_t *pages = malloc((size_t)PAGES * PAGE);
    for (int idx = 0; idx < PAGES; idx++) fill_page(pages + (size_t)idx * PAGE, PAGE, &rng, (size_t)(idx % 4) * 1500);
    size_t packed_total = 0;
    for (int idx = 0; idx < PAGES; idx++) {
        size_t packed = round_trip(&pack, pages + (size_t)idx * PAGE, PAGE);
        ck_assert_uint_gt(packed, 0);
        packed_total += packed;
    }
    ck_assert_uint_lt(packed_total, (size_t)PAGES * PAGE * 7 / 10);

    uint8_t *out = malloc(zpack_bound(PAGE) + compressBound(PAGE));
    struct timespec start, mid, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int rep = 0; rep < 4; rep++) {
        for (int idx = 0; idx < PAGES; idx++) zpack(&pack, pages + (size_t)idx * PAGE, PAGE, out);
    }
    clock_gettime(CLOCK_MONOTONIC, &mid);
    size_t zlib_total = 0;
    for (int rep = 0; rep < 4; rep++) {
        for (int idx = 0; idx < PAGES; idx++) {
            uLongf size = compressBound(PAGE);
            ck_assert_int_eq(compress2(out, &size, pages + (size_t)idx * PAGE, PAGE, 1), Z_OK);
            if (rep == 0) zlib_total += size;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double zpack_us = ((double)(mid.tv_sec - start.tv_sec) * 1e9 + (double)(mid.tv_nsec - start.tv_nsec)) / 1e3 / (4 * PAGES);
    double zlib_us = ((double)(end.tv_sec - mid.tv_sec) * 1e9 + (double)(end.tv_nsec - mid.tv_nsec)) / 1e3 / (4 * PAGES);
    printf("zpack: %.1f us/page, %.1f%% of the input; zlib level 1: %.1f us/page, %.1f%%\n", zpack_us,
           100.0 * (double)packed_total / (PAGES * PAGE), zlib_us, 100.0 * (double)zlib_total / (PAGES * PAGE));
    free(out);
    free(pages);
    zpack_free(&pack);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("zpack");
    TCase *tcase = tcase_create("zpack");
    tcase_set_timeout(tcase, 60);
    tcase_add_test(tcase, test_zpack_round_trips);
    tcase_add_test(tcase, test_zpack_declines_incompressible);
    tcase_add_test(tcase, test_zpack_limits_code_lengths);
    tcase_add_test(tcase, test_zpack_pages);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
