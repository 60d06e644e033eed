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

uint32_t page_checksum(const uint8_t *page)
{
    /* hash_crc32_fast is zlib's crc32, computed 3-4x faster: every read and write pays it */
    uint32_t crc = hash_crc32_fast(0, page, PAGE_OFFSET_CHECKSUM);
    return hash_crc32_fast(crc, page + PAGE_OFFSET_CHECKSUM + 4,
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
