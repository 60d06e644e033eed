/* common/bytes_load.h: little-endian loads for hot decode loops (added by scan, session 6).
 *
 * The same values as bytes.h's dec_u16le / dec_u32le / dec_u64le, read with one unaligned
 * load each: bytes.h assembles them byte by byte, which compilers do not always merge into one
 * load inside a loop over records (the scan's per-row decoding showed 4-8 loads and shifts per
 * value). On a big-endian host the loaded value is byte-swapped, so the result is the same on
 * every host; the test of __BYTE_ORDER__ is a constant the compiler folds away. */
#ifndef BIRCH_COMMON_BYTES_LOAD_H
#define BIRCH_COMMON_BYTES_LOAD_H

#include <stdint.h>
#include <string.h>

static inline uint16_t load_u16le(const uint8_t *src)
{
    uint16_t value;
    memcpy(&value, src, sizeof value);
    return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? value : __builtin_bswap16(value);
}
static inline uint32_t load_u32le(const uint8_t *src)
{
    uint32_t value;
    memcpy(&value, src, sizeof value);
    return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? value : __builtin_bswap32(value);
}
static inline uint64_t load_u64le(const uint8_t *src)
{
    uint64_t value;
    memcpy(&value, src, sizeof value);
    return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? value : __builtin_bswap64(value);
}

#endif
