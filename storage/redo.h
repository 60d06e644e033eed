/* storage/redo.h: redo records, the description of every page change.
 *
 * Every change to a page is made by applying a redo record to it (mtr_log), so "do" and
 * "redo" are the same code and the WAL (txn/) can replay exactly what happened. Records are
 * physiological: they name one page and an operation on it.
 *
 * Record encoding inside an mtr's log buffer (little-endian):
 *   offset size field
 *   0      4    page_id
 *   4      1    type (RedoType)
 *   5      4    payload_size
 *   9      n    payload
 * Types below REDO_BT_FIRST are generic (redo.c); REDO_BT_FIRST..REDO_BT_LAST belong to the
 * B+ tree page format and are applied by bt_redo_apply (btree_redo.c). */
#ifndef BIRCH_STORAGE_REDO_H
#define BIRCH_STORAGE_REDO_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/page.h"

enum { REDO_RECORD_HEADER_SIZE = 9 };

typedef enum RedoType {
    REDO_NONE = 0,
    /* zero the page (lsn included), then set page_id, type and flags: payload {u8 type,
     * u8 flags}; type must be a known PageType other than NONE */
    REDO_PAGE_INIT = 1,
    /* overwrite bytes: payload {u16 offset, bytes...} with at least one byte, all inside
     * [12, PAGE_SIZE): never touches the lsn/checksum fields */
    REDO_BYTES = 2,
    /* the whole page but the lsn and checksum fields: payload PAGE_SIZE bytes whose page id
     * field equals the record's page_id */
    REDO_PAGE_IMAGE = 3,
    REDO_BT_FIRST = 32,
    REDO_BT_LAST = 63,
    REDO_TYPE_MAX = 127,
} RedoType;

/* redo_apply: apply one record to page (the page's bytes; its id is page_id). The payload is
 * validated first: a malformed record is DATA_CORRUPTED and leaves the page unchanged. */
Error *redo_apply(uint8_t *page, PageId page_id, uint8_t type, const uint8_t *payload,
                  size_t payload_size);
/* bt_redo_apply: the B+ tree's record types (btree_redo.c); same contract as redo_apply. */
Error *bt_redo_apply(uint8_t *page, PageId page_id, uint8_t type, const uint8_t *payload,
                     size_t payload_size);

/* RedoIter: walks the records of a log buffer. redo_next returns false at the end; a truncated
 * or malformed buffer sets *err_out (DATA_CORRUPTED) and returns false. */
typedef struct RedoRecord {
    PageId         page_id;
    uint8_t        type;
    const uint8_t *payload;
    size_t         payload_size;
} RedoRecord;
typedef struct RedoIter {
    const uint8_t *data;
    size_t         size;
    size_t         offset;
} RedoIter;
bool redo_next(RedoIter *iter, RedoRecord *record_out, Error **err_out);

/* bp_prefault_free: recovery's hook in storage/bufpool.c: map the memory of the next
 * frame_count frames the pool's free list hands out (fresh frames are handed out in address
 * order), in one call from one thread. Recovery calls it before many threads read pages into
 * fresh frames at once: their concurrent first touches of one transparent huge page would each
 * zero all of it (the kernel keeps one and frees the others). Best effort, no error; cheap on
 * memory already mapped. */
typedef struct BufPool BufPool;
void bp_prefault_free(BufPool *pool, size_t frame_count);

#endif
