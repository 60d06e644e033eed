/* common/hash.c: crc32 through zlib and a 64-bit byte hash for hash tables. */
#include "common/hash.h"

#include <string.h>
#include <zlib.h>

uint32_t hash_crc32(uint32_t crc, const void *data, size_t size)
{
    const unsigned char *bytes = data;
    while (size > 0) {
        uInt chunk = size > (1u << 30) ? (1u << 30) : (uInt)size;
        crc = (uint32_t)crc32(crc, bytes, chunk);
        bytes += chunk;
        size -= chunk;
    }
    return crc;
}

uint64_t hash_bytes(const void *data, size_t size, uint64_t seed)
{
    const unsigned char *bytes = data;
    uint64_t hash = seed ^ (size * 0x9e3779b97f4a7c15ULL);
    while (size >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        hash = hash_u64(hash ^ word) * 0x9e3779b97f4a7c15ULL;
        bytes += 8;
        size -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, bytes, size);
    return hash_u64(hash ^ tail ^ ((uint64_t)size << 56));
}
