/* common/hash.h: checksums and hash functions.
 *
 * hash_crc32 is zlib's crc32 (page and WAL checksums: a stable, documented polynomial).
 * hash_bytes is a fast 64-bit non-cryptographic hash for in-memory hash tables. */
#ifndef BIRCH_COMMON_HASH_H
#define BIRCH_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

uint32_t hash_crc32(uint32_t crc, const void *data, size_t size);
uint64_t hash_bytes(const void *data, size_t size, uint64_t seed);

static inline uint64_t hash_u64(uint64_t value)
{
    /* splitmix64 finalizer: every input bit affects every output bit */
    value ^= value >> 30;
    value *= 0xbf58476d1ce4e5b9ULL;
    value ^= value >> 27;
    value *= 0x94d049bb133111ebULL;
    value ^= value >> 31;
    return value;
}

#endif
