/* common/bytes.h: fixed-width integer encode/decode helpers for on-disk and on-wire formats.
 *
 * Page fields are little-endian; order-preserving keys and the PostgreSQL protocol are
 * big-endian. Every integer that leaves memory goes through one of these. */
#ifndef BIRCH_COMMON_BYTES_H
#define BIRCH_COMMON_BYTES_H

#include <stdint.h>
#include <string.h>

static inline void enc_u16le(uint8_t *dst, uint16_t value)
{
    dst[0] = (uint8_t)value;
    dst[1] = (uint8_t)(value >> 8);
}
static inline void enc_u32le(uint8_t *dst, uint32_t value)
{
    for (int byte_idx = 0; byte_idx < 4; byte_idx++) dst[byte_idx] = (uint8_t)(value >> (8 * byte_idx));
}
static inline void enc_u64le(uint8_t *dst, uint64_t value)
{
    for (int byte_idx = 0; byte_idx < 8; byte_idx++) dst[byte_idx] = (uint8_t)(value >> (8 * byte_idx));
}
static inline uint16_t dec_u16le(const uint8_t *src)
{
    return (uint16_t)(src[0] | (src[1] << 8));
}
static inline uint32_t dec_u32le(const uint8_t *src)
{
    uint32_t value = 0;
    for (int byte_idx = 3; byte_idx >= 0; byte_idx--) value = (value << 8) | src[byte_idx];
    return value;
}
static inline uint64_t dec_u64le(const uint8_t *src)
{
    uint64_t value = 0;
    for (int byte_idx = 7; byte_idx >= 0; byte_idx--) value = (value << 8) | src[byte_idx];
    return value;
}
static inline void enc_u16be(uint8_t *dst, uint16_t value)
{
    dst[0] = (uint8_t)(value >> 8);
    dst[1] = (uint8_t)value;
}
static inline void enc_u32be(uint8_t *dst, uint32_t value)
{
    for (int byte_idx = 0; byte_idx < 4; byte_idx++) dst[byte_idx] = (uint8_t)(value >> (24 - 8 * byte_idx));
}
static inline void enc_u64be(uint8_t *dst, uint64_t value)
{
    for (int byte_idx = 0; byte_idx < 8; byte_idx++) dst[byte_idx] = (uint8_t)(value >> (56 - 8 * byte_idx));
}
static inline uint16_t dec_u16be(const uint8_t *src)
{
    return (uint16_t)((src[0] << 8) | src[1]);
}
static inline uint32_t dec_u32be(const uint8_t *src)
{
    uint32_t value = 0;
    for (int byte_idx = 0; byte_idx < 4; byte_idx++) value = (value << 8) | src[byte_idx];
    return value;
}
static inline uint64_t dec_u64be(const uint8_t *src)
{
    uint64_t value = 0;
    for (int byte_idx = 0; byte_idx < 8; byte_idx++) value = (value << 8) | src[byte_idx];
    return value;
}

#endif
