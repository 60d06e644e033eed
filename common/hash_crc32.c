/* common/hash_crc32.c: zlib-compatible crc32 with PCLMULQDQ folding (see hash_crc32.h).
 *
 * The CRC is the reflected IEEE 802.3 one (polynomial 0x104C11DB7, bit-reversed 0x1DB710641),
 * with zlib's pre- and post-inversion. The folding state is four 128-bit lanes; each step
 * multiplies a lane's two halves by x^(512+32) and x^(512-32) mod P (K1, K2) and adds the next
 * 64 bytes. The lanes are then folded into one with x^(128+32) and x^(128-32) mod P (K3, K4),
 * reduced from 128 to 64 bits with K4, from 64 to 32 with K5 = x^64 mod P, and from 32 bits
 * to the remainder by Barrett reduction (P' and mu' = x^64 / P). */
#include "common/hash_crc32.h"

#include "common/hash.h"

#include <pthread.h>

/* Short inputs and the tail after folding: slicing-by-8 tables (zlib's crc32 per call costs
 * more than a record header's few bytes: the WAL checks millions of them). */
static uint32_t       crc_tables[8][256];
static pthread_once_t crc_tables_once = PTHREAD_ONCE_INIT;

static void crc_tables_make(void)
{
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t crc = byte;
        for (int bit_idx = 0; bit_idx < 8; bit_idx++) {
            crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        crc_tables[0][byte] = crc;
    }
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t crc = crc_tables[0][byte];
        for (int table_idx = 1; table_idx < 8; table_idx++) {
            crc = crc_tables[0][crc & 0xFF] ^ (crc >> 8);
            crc_tables[table_idx][byte] = crc;
        }
    }
}

static uint32_t load_u32le(const uint8_t *data)
{
    return (uint32_t)data[0] | ((uint32_t)data[1] << 8) | ((uint32_t)data[2] << 16) |
           ((uint32_t)data[3] << 24);
}

/* crc_small: zlib's crc32(crc, data, size) by the tables. */
static uint32_t crc_small(uint32_t crc, const uint8_t *data, size_t size)
{
    pthread_once(&crc_tables_once, crc_tables_make);
    crc = ~crc;
    for (; size >= 8; data += 8, size -= 8) {
        uint32_t low = crc ^ load_u32le(data);
        uint32_t high = load_u32le(data + 4);
        crc = crc_tables[7][low & 0xFF] ^ crc_tables[6][(low >> 8) & 0xFF] ^
              crc_tables[5][(low >> 16) & 0xFF] ^ crc_tables[4][low >> 24] ^
              crc_tables[3][high & 0xFF] ^ crc_tables[2][(high >> 8) & 0xFF] ^
              crc_tables[1][(high >> 16) & 0xFF] ^ crc_tables[0][high >> 24];
    }
    if (size >= 4) {   /* one 4-byte step: the byte loop below is a chain of dependent loads */
        uint32_t word = crc ^ load_u32le(data);
        crc = crc_tables[3][word & 0xFF] ^ crc_tables[2][(word >> 8) & 0xFF] ^
              crc_tables[1][(word >> 16) & 0xFF] ^ crc_tables[0][word >> 24];
        data += 4;
        size -= 4;
    }
    if (size >= 2) {
        uint32_t word = crc ^ ((uint32_t)data[0] | ((uint32_t)data[1] << 8));
        crc = crc_tables[1][word & 0xFF] ^ crc_tables[0][(word >> 8) & 0xFF] ^ (crc >> 16);
        data += 2;
        size -= 2;
    }
    if (size == 1) crc = crc_tables[0][(crc ^ *data) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

enum { SMALL_SIZE_MAX = 256 };   /* up to here the tables beat zlib's call */

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdatomic.h>
#include <stdbool.h>

/* FOLD_SIZE_MIN: from here folding (one lane below 64 bytes) beats the tables, whose cost
 * grows with every 8 bytes while the fold's final reduction is a fixed few multiplications */
enum { FOLD_BLOCK_SIZE = 64, FOLD_LANE_SIZE = 16, FOLD_SIZE_MIN = 32 };

static const uint64_t CRC_K1 = 0x154442bd4ULL;
static const uint64_t CRC_K2 = 0x1c6e41596ULL;
static const uint64_t CRC_K3 = 0x1751997d0ULL;
static const uint64_t CRC_K4 = 0x0ccaa009eULL;
static const uint64_t CRC_K5 = 0x163cd6124ULL;
static const uint64_t CRC_POLY = 0x1db710641ULL;
static const uint64_t CRC_MU = 0x1f7011641ULL;

/* fold_lane: lane * x^(k) folded over 128 bits, plus next. */
__attribute__((target("pclmul,sse4.1"))) static inline __m128i fold_lane(__m128i lane, __m128i keys,
                                                                           __m128i next)
{
    __m128i low = _mm_clmulepi64_si128(lane, keys, 0x00);
    __m128i high = _mm_clmulepi64_si128(lane, keys, 0x11);
    return _mm_xor_si128(_mm_xor_si128(low, high), next);
}

/* crc_fold: the raw (not inverted) CRC state after size bytes. Pre: size >= 16, size % 16 == 0.
 * From 64 bytes on, four lanes fold 64 bytes a step (independent multiplications overlap);
 * shorter inputs start from one lane. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t crc_fold(uint32_t state,
                                                                  const uint8_t *data, size_t size)
{
    const __m128i keys_12 = _mm_set_epi64x((long long)CRC_K2, (long long)CRC_K1);
    const __m128i keys_34 = _mm_set_epi64x((long long)CRC_K4, (long long)CRC_K3);
    const __m128i key_5 = _mm_set_epi64x(0, (long long)CRC_K5);
    const __m128i poly_mu = _mm_set_epi64x((long long)CRC_MU, (long long)CRC_POLY);
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);

    __m128i acc;
    if (size >= FOLD_BLOCK_SIZE) {
        __m128i lane0 = _mm_loadu_si128((const __m128i *)data);
        __m128i lane1 = _mm_loadu_si128((const __m128i *)(data + 16));
        __m128i lane2 = _mm_loadu_si128((const __m128i *)(data + 32));
        __m128i lane3 = _mm_loadu_si128((const __m128i *)(data + 48));
        lane0 = _mm_xor_si128(lane0, _mm_cvtsi32_si128((int)state));
        data += FOLD_BLOCK_SIZE;
        size -= FOLD_BLOCK_SIZE;
        for (; size >= FOLD_BLOCK_SIZE; data += FOLD_BLOCK_SIZE, size -= FOLD_BLOCK_SIZE) {
            lane0 = fold_lane(lane0, keys_12, _mm_loadu_si128((const __m128i *)data));
            lane1 = fold_lane(lane1, keys_12, _mm_loadu_si128((const __m128i *)(data + 16)));
            lane2 = fold_lane(lane2, keys_12, _mm_loadu_si128((const __m128i *)(data + 32)));
            lane3 = fold_lane(lane3, keys_12, _mm_loadu_si128((const __m128i *)(data + 48)));
        }
        acc = fold_lane(lane0, keys_34, lane1);
        acc = fold_lane(acc, keys_34, lane2);
        acc = fold_lane(acc, keys_34, lane3);
    } else {
        acc = _mm_xor_si128(_mm_loadu_si128((const __m128i *)data),
                            _mm_cvtsi32_si128((int)state));
        data += FOLD_LANE_SIZE;
        size -= FOLD_LANE_SIZE;
    }
    for (; size >= FOLD_LANE_SIZE; data += FOLD_LANE_SIZE, size -= FOLD_LANE_SIZE) {
        acc = fold_lane(acc, keys_34, _mm_loadu_si128((const __m128i *)data));
    }
    /* 128 -> 64 bits */
    acc = _mm_xor_si128(_mm_srli_si128(acc, 8), _mm_clmulepi64_si128(acc, keys_34, 0x10));
    /* 64 -> 32 bits */
    __m128i low = _mm_clmulepi64_si128(_mm_and_si128(acc, mask32), key_5, 0x00);
    acc = _mm_xor_si128(_mm_srli_si128(acc, 4), low);
    /* Barrett reduction */
    __m128i quotient = _mm_clmulepi64_si128(_mm_and_si128(acc, mask32), poly_mu, 0x10);
    __m128i product = _mm_clmulepi64_si128(_mm_and_si128(quotient, mask32), poly_mu, 0x00);
    acc = _mm_xor_si128(acc, product);
    return (uint32_t)_mm_extract_epi32(acc, 1);
}

static bool has_pclmul(void)
{
    static atomic_int cached = -1;   /* -1 unknown, 0 no, 1 yes */
    int value = atomic_load_explicit(&cached, memory_order_relaxed);
    if (value < 0) {
        __builtin_cpu_init();
        value = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
        atomic_store_explicit(&cached, value, memory_order_relaxed);
    }
    return value == 1;
}

uint32_t hash_crc32_fast(uint32_t crc, const void *data, size_t size)
{
    const uint8_t *bytes = data;
    if (size >= FOLD_SIZE_MIN && has_pclmul()) {
        size_t fold_size = size & ~(size_t)(FOLD_LANE_SIZE - 1);
        crc = ~crc_fold(~crc, bytes, fold_size);
        bytes += fold_size;
        size -= fold_size;
    }
    return size <= SMALL_SIZE_MAX ? crc_small(crc, bytes, size) : hash_crc32(crc, bytes, size);
}

#else

uint32_t hash_crc32_fast(uint32_t crc, const void *data, size_t size)
{
    return size <= SMALL_SIZE_MAX ? crc_small(crc, data, size) : hash_crc32(crc, data, size);
}

#endif
