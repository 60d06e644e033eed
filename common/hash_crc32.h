/* common/hash_crc32.h: zlib's crc32, faster.
 *
 * hash_crc32_fast returns exactly what hash_crc32 (zlib's crc32) returns for the same arguments,
 * so it can replace it anywhere, on disk formats included. On x86-64 CPUs with PCLMULQDQ it
 * folds 64 bytes at a time with carry-less multiplication (the method of Intel's "Fast CRC
 * Computation for Generic Polynomials Using PCLMULQDQ"), about 3-4x faster than zlib 1.2's
 * table code on 8 KiB pages; from 32 to 63 bytes it folds one 128-bit lane (a WAL record of a
 * row change: ~1.7x the tables there). Inputs below 32 bytes and the tail after folding go
 * through slicing-by-8 tables, the last 0-7 bytes in at most three steps (4, 2, 1 bytes: a
 * byte-at-a-time loop is a chain of dependent loads); elsewhere it calls zlib. */
#ifndef BIRCH_COMMON_HASH_CRC32_H
#define BIRCH_COMMON_HASH_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t hash_crc32_fast(uint32_t crc, const void *data, size_t size);

#endif
