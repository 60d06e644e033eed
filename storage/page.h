/* storage/page.h: the 8 KiB page and the header every page starts with.
 *
 * Page header (little-endian, PAGE_HEADER_SIZE bytes):
 *   offset size field
 *   0      8    lsn        LSN of the last change (set by mtr_commit)
 *   8      4    checksum   crc32 (zlib) of bytes [0, 8) and [12, PAGE_SIZE)
 *   12     4    page_id    the page's own number: catches misdirected reads and writes
 *   16     1    type       PageType
 *   17     1    flags      type-specific
 *   18     6    reserved   zero
 * The rest of the page belongs to its type (btree_int.h, store.h for page 0, fsm for FREE).
 * A page is sealed (checksum set) by the buffer pool on a stable copy just before it is
 * written, and verified right after it is read. */
#ifndef BIRCH_STORAGE_PAGE_H
#define BIRCH_STORAGE_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/error.h"

enum {
    PAGE_SIZE = 8192,
    PAGE_HEADER_SIZE = 24,
    PAGE_OFFSET_LSN = 0,
    PAGE_OFFSET_CHECKSUM = 8,
    PAGE_OFFSET_ID = 12,
    PAGE_OFFSET_TYPE = 16,
    PAGE_OFFSET_FLAGS = 17,
};

/* Page numbers are 32-bit: 2^32 pages of 8 KiB is 32 TiB per file. Page 0 is the database
 * header and is never a tree page, so PAGE_ID_NONE (0) can mean "no page" in links. */
typedef uint32_t PageId;
#define PAGE_ID_NONE ((PageId)0)

typedef enum PageType {
    PAGE_TYPE_NONE = 0,       /* an all-zero page: never written */
    PAGE_TYPE_HEADER = 1,     /* page 0 */
    PAGE_TYPE_FREE = 2,       /* on the free list */
    PAGE_TYPE_BT_LEAF = 3,
    PAGE_TYPE_BT_INNER = 4,
    PAGE_TYPE_OVERFLOW = 5,   /* part of a large value's chain */
    PAGE_TYPE_TEMP = 6,       /* unlogged scratch pages (version store spill, sort runs) */
    PAGE_TYPE_COUNT
} PageType;

static inline uint64_t page_lsn(const uint8_t *page) { return dec_u64le(page + PAGE_OFFSET_LSN); }
static inline void page_set_lsn(uint8_t *page, uint64_t lsn) { enc_u64le(page + PAGE_OFFSET_LSN, lsn); }
static inline PageId page_id(const uint8_t *page) { return dec_u32le(page + PAGE_OFFSET_ID); }
static inline PageType page_type(const uint8_t *page) { return (PageType)page[PAGE_OFFSET_TYPE]; }
static inline uint8_t page_flags(const uint8_t *page) { return page[PAGE_OFFSET_FLAGS]; }

/* page_checksum: the crc32 of the page without its checksum field. */
uint32_t page_checksum(const uint8_t *page);
/* page_seal: store page_checksum(page) in the header. Pre: the header's page_id is set. */
void     page_seal(uint8_t *page);
/* page_is_zero: true if all PAGE_SIZE bytes are zero (a page allocated but never written). */
bool     page_is_zero(const uint8_t *page);
/* page_verify: check a page just read from file_path at page_id. Errors: DATA_CORRUPTED
 * (XX001) naming the file and page if the checksum does not match, the stored page id differs
 * (a misdirected write), or the type is unknown. An all-zero page is an error too, unless
 * allow_zero. */
Error   *page_verify(const uint8_t *page, PageId page_id_expected, const char *file_path,
                     bool allow_zero);
const char *page_type_name(PageType type);

#endif
