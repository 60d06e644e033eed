/* common/zpack.h: a fast zlib-format compressor for page images.
 *
 * zpack writes a standard zlib stream (RFC 1950 header, deflate data per RFC 1951, adler32
 * trailer) that zlib's inflate (uncompress) reads, like compress2 does, but with a cheaper
 * encoder: one dynamic-Huffman block, runs, and matches found by a single hash probe. On 8 KiB
 * B+ tree pages it is about 3x faster than zlib's level 1 for a few percent more output (the
 * WAL logs a full page image at a page's first change after it was written, on the
 * committing thread: see txn/README.md). */
#ifndef BIRCH_COMMON_ZPACK_H
#define BIRCH_COMMON_ZPACK_H

#include <stddef.h>
#include <stdint.h>

enum { ZPACK_HASH_BITS = 13 };

/* ZPack: a compressor's reusable scratch memory (one per thread; zero-initialize it): the
 * match finder's hash table and the token buffer. */
typedef struct ZPack {
    uint32_t *table;
    uint32_t *tokens;
    size_t    token_capacity;
} ZPack;

/* zpack_bound: the output capacity zpack needs for size input bytes. */
size_t zpack_bound(size_t size);

/* zpack: data[0, size) as one zlib stream into out (capacity at least zpack_bound(size)).
 * Returns the stream's size; 0 when the stream would not be shorter than size (keep the data
 * as it is) or scratch memory could not be allocated. Pre: size <= UINT32_MAX. */
size_t zpack(ZPack *pack, const uint8_t *data, size_t size, uint8_t *out);

/* zpack_free: release the scratch memory; the ZPack can be used again. */
void zpack_free(ZPack *pack);

#endif
