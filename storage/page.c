/* storage/page.c: page checksums and the checks every page passes right after it is read.
 *
 * The checksum is zlib's crc32 (computed by hash_crc32_fast) over the whole page except its own
 * four bytes, so the lsn, the page id, the type and the body are all covered. page_verify turns
 * every way a page read from disk can be wrong into a DATA_CORRUPTED (XX001) error that names
 * the file and block, in the words PostgreSQL uses ("invalid page in block 17 of file ...");
 * it never asserts on the bytes.
 */
#include "storage/page.h"

#include <stdio.h>
#include <string.h>

#include "common/asserts.h"
#include "common/hash_crc32.h"

STATIC_ASSERT(PAGE_OFFSET_CHECKSUM + 4 == PAGE_OFFSET_ID, "checksum field is bytes [8, 12)");
STATIC_ASSERT(PAGE_OFFSET_TYPE + 1 == PAGE_OFFSET_FLAGS, "type then flags");
STATIC_ASSERT(PAGE_SIZE % 64 == 0, "page_is_zero scans 64-byte blocks");

/* ---- the checksum: zlib's crc32, folded 256 bytes at a time where the CPU allows ----
 *
 * Every page read is verified and every write sealed, so with a pool smaller than the data the
 * checksum is a large share of the CPU time. hash_crc32_fast folds four 128-bit lanes (64 bytes
 * a step); on CPUs with VPCLMULQDQ and AVX-512 this folds sixteen lanes (four 512-bit
 * accumulators, 256 bytes a step), then hands the four lanes left to the same 128-bit
 * reduction. The constants are x^(d+32) and x^(d-32) mod P (bit-reflected, shifted left by
 * one) for fold distances d of 2048 bits (a 256-byte step), 512 bits (64 bytes) and 128 bits,
 * then x^64 mod P and the Barrett pair (P', mu = x^64 / P), as in common/hash_crc32.c. The
 * result is exactly zlib's crc32 (test_page.c compares the two on random pages). */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdatomic.h>

#define CRC_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,vpclmulqdq,pclmul,sse4.1")))

enum { CRC_WIDE_STEP_SIZE = 256, CRC_ZMM_SIZE = 64, CRC_LANE_SIZE = 16 };

static const uint64_t CRC_K2048_HIGH = 0x11542778aULL;   /* x^(2048+32) */
static const uint64_t CRC_K2048_LOW = 0x1322d1430ULL;    /* x^(2048-32) */
static const uint64_t CRC_K512_HIGH = 0x154442bd4ULL;    /* x^(512+32) */
static const uint64_t CRC_K512_LOW = 0x1c6e41596ULL;     /* x^(512-32) */
static const uint64_t CRC_K128_HIGH = 0x1751997d0ULL;    /* x^(128+32) */
static const uint64_t CRC_K128_LOW = 0x0ccaa009eULL;     /* x^(128-32) */
static const uint64_t CRC_K64 = 0x163cd6124ULL;          /* x^64 */
static const uint64_t CRC_POLY = 0x1db710641ULL;
static const uint64_t CRC_MU = 0x1f7011641ULL;

/* fold_zmm: each 128-bit lane of acc moved forward by the keys' distance, plus next. */
CRC_TARGET static inline __m512i fold_zmm(__m512i acc, __m512i keys, __m512i next)
{
    __m512i low = _mm512_clmulepi64_epi128(acc, keys, 0x00);
    __m512i high = _mm512_clmulepi64_epi128(acc, keys, 0x11);
    return _mm512_ternarylogic_epi64(low, high, next, 0x96);   /* low ^ high ^ next */
}

CRC_TARGET static inline __m128i fold_xmm(__m128i acc, __m128i keys, __m128i next)
{
    __m128i low = _mm_clmulepi64_si128(acc, keys, 0x00);
    __m128i high = _mm_clmulepi64_si128(acc, keys, 0x11);
    return _mm_xor_si128(_mm_xor_si128(low, high), next);
}

/* crc_fold_wide: the raw (not inverted) CRC state after size bytes.
 * Pre: size >= CRC_WIDE_STEP_SIZE, size % CRC_LANE_SIZE == 0. */
CRC_TARGET static uint32_t crc_fold_wide(uint32_t state, const uint8_t *data, size_t size)
{
    const __m512i keys_2048 = _mm512_broadcast_i32x4(
        _mm_set_epi64x((long long)CRC_K2048_LOW, (long long)CRC_K2048_HIGH));
    const __m512i keys_512 = _mm512_broadcast_i32x4(
        _mm_set_epi64x((long long)CRC_K512_LOW, (long long)CRC_K512_HIGH));
    __m512i acc0 = _mm512_loadu_si512((const void *)data);
    __m512i acc1 = _mm512_loadu_si512((const void *)(data + 64));
    __m512i acc2 = _mm512_loadu_si512((const void *)(data + 128));
    __m512i acc3 = _mm512_loadu_si512((const void *)(data + 192));
    acc0 = _mm512_xor_si512(acc0, _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)state)));
    data += CRC_WIDE_STEP_SIZE;
    size -= CRC_WIDE_STEP_SIZE;
    for (; size >= CRC_WIDE_STEP_SIZE; data += CRC_WIDE_STEP_SIZE, size -= CRC_WIDE_STEP_SIZE) {
        acc0 = fold_zmm(acc0, keys_2048, _mm512_loadu_si512((const void *)data));
        acc1 = fold_zmm(acc1, keys_2048, _mm512_loadu_si512((const void *)(data + 64)));
        acc2 = fold_zmm(acc2, keys_2048, _mm512_loadu_si512((const void *)(data + 128)));
        acc3 = fold_zmm(acc3, keys_2048, _mm512_loadu_si512((const void *)(data + 192)));
    }
    /* four accumulators (256 bytes) into one (64 bytes), then the rest 64 bytes at a time */
    __m512i acc = fold_zmm(acc0, keys_512, acc1);
    acc = fold_zmm(acc, keys_512, acc2);
    acc = fold_zmm(acc, keys_512, acc3);
    for (; size >= CRC_ZMM_SIZE; data += CRC_ZMM_SIZE, size -= CRC_ZMM_SIZE) {
        acc = fold_zmm(acc, keys_512, _mm512_loadu_si512((const void *)data));
    }
    /* four 128-bit lanes into one, then the rest 16 bytes at a time */
    const __m128i keys_128 = _mm_set_epi64x((long long)CRC_K128_LOW, (long long)CRC_K128_HIGH);
    __m128i lane = fold_xmm(_mm512_extracti32x4_epi32(acc, 0), keys_128,
                            _mm512_extracti32x4_epi32(acc, 1));
    lane = fold_xmm(lane, keys_128, _mm512_extracti32x4_epi32(acc, 2));
    lane = fold_xmm(lane, keys_128, _mm512_extracti32x4_epi32(acc, 3));
    for (; size >= CRC_LANE_SIZE; data += CRC_LANE_SIZE, size -= CRC_LANE_SIZE) {
        lane = fold_xmm(lane, keys_128, _mm_loadu_si128((const __m128i *)data));
    }
    /* 128 -> 64 bits, 64 -> 32 bits, then Barrett reduction */
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    const __m128i key_64 = _mm_set_epi64x(0, (long long)CRC_K64);
    const __m128i poly_mu = _mm_set_epi64x((long long)CRC_MU, (long long)CRC_POLY);
    lane = _mm_xor_si128(_mm_srli_si128(lane, 8), _mm_clmulepi64_si128(lane, keys_128, 0x10));
    __m128i low = _mm_clmulepi64_si128(_mm_and_si128(lane, mask32), key_64, 0x00);
    lane = _mm_xor_si128(_mm_srli_si128(lane, 4), low);
    __m128i quotient = _mm_clmulepi64_si128(_mm_and_si128(lane, mask32), poly_mu, 0x10);
    __m128i product = _mm_clmulepi64_si128(_mm_and_si128(quotient, mask32), poly_mu, 0x00);
    lane = _mm_xor_si128(lane, product);
    return (uint32_t)_mm_extract_epi32(lane, 1);
}

static bool has_wide_crc(void)
{
    static atomic_int cached = -1;   /* -1 unknown, 0 no, 1 yes */
    int value = atomic_load_explicit(&cached, memory_order_relaxed);
    if (value < 0) {
        __builtin_cpu_init();
        /* avx512f also means the OS saves the zmm state (libgcc checks XCR0) */
        value = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("vpclmulqdq") &&
                __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
        atomic_store_explicit(&cached, value, memory_order_relaxed);
    }
    return value == 1;
}

/* crc32_update: zlib's crc32(crc, data, size). */
static uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t size)
{
    if (size >= CRC_WIDE_STEP_SIZE && has_wide_crc()) {
        size_t fold_size = size & ~(size_t)(CRC_LANE_SIZE - 1);
        crc = ~crc_fold_wide(~crc, data, fold_size);
        data += fold_size;
        size -= fold_size;
    }
    return hash_crc32_fast(crc, data, size);
}
#else
static uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t size)
{
    return hash_crc32_fast(crc, data, size);
}
#endif

uint32_t page_checksum(const uint8_t *page)
{
    uint32_t crc = hash_crc32_fast(0, page, PAGE_OFFSET_CHECKSUM);
    return crc32_update(crc, page + PAGE_OFFSET_CHECKSUM + 4,
                        PAGE_SIZE - (PAGE_OFFSET_CHECKSUM + 4));
}

void page_seal(uint8_t *page)
{
    enc_u32le(page + PAGE_OFFSET_CHECKSUM, page_checksum(page));
}

bool page_is_zero(const uint8_t *page)
{
    /* OR 64 bytes at a time: the compiler vectorizes this, and a non-zero page (the usual
     * case) usually stops in the first block because its header is set. */
    for (size_t block_offset = 0; block_offset < PAGE_SIZE; block_offset += 64) {
        uint64_t acc = 0;
        for (size_t word_idx = 0; word_idx < 8; word_idx++) {
            uint64_t word;
            memcpy(&word, page + block_offset + word_idx * 8, sizeof word);
            acc |= word;
        }
        if (acc != 0) return false;
    }
    return true;
}

static Error *corrupt(PageId page_id_expected, const char *file_path, const char *what)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "invalid page in block %u of file \"%s\": %s",
                   (unsigned)page_id_expected, file_path != NULL ? file_path : "?", what);
}

Error *page_verify(const uint8_t *page, PageId page_id_expected, const char *file_path,
                   bool allow_zero)
{
    if (page_is_zero(page)) {
        if (allow_zero) return NULL;
        return corrupt(page_id_expected, file_path, "page is all zeros");
    }
    uint32_t stored = dec_u32le(page + PAGE_OFFSET_CHECKSUM);
    uint32_t computed = page_checksum(page);
    if (stored != computed) {
        char what[96];
        snprintf(what, sizeof what, "checksum mismatch (stored 0x%08x, computed 0x%08x)",
                 (unsigned)stored, (unsigned)computed);
        return corrupt(page_id_expected, file_path, what);
    }
    /* The checksum covers the id and the type, so past this point a mismatch is a page that
     * was written whole but to the wrong place (or is of a newer format), not bit rot. */
    PageId stored_id = page_id(page);
    if (stored_id != page_id_expected) {
        char what[96];
        snprintf(what, sizeof what, "page id %u found where %u was expected",
                 (unsigned)stored_id, (unsigned)page_id_expected);
        return corrupt(page_id_expected, file_path, what);
    }
    unsigned type = page[PAGE_OFFSET_TYPE];
    if (type >= PAGE_TYPE_COUNT) {
        char what[64];
        snprintf(what, sizeof what, "unknown page type %u", type);
        return corrupt(page_id_expected, file_path, what);
    }
    return NULL;
}

const char *page_type_name(PageType type)
{
    switch (type) {
    case PAGE_TYPE_NONE: return "none";
    case PAGE_TYPE_HEADER: return "header";
    case PAGE_TYPE_FREE: return "free";
    case PAGE_TYPE_BT_LEAF: return "btree leaf";
    case PAGE_TYPE_BT_INNER: return "btree inner";
    case PAGE_TYPE_OVERFLOW: return "overflow";
    case PAGE_TYPE_TEMP: return "temp";
    case PAGE_TYPE_COUNT: break;
    }
    return "unknown";
}
