/* storage/btree_redo.c: redo records of the B+ tree page format (REDO_BT_FIRST..LAST).
 * Placeholder until btree.c lands: every B+ tree record type is refused. */
#include "storage/redo.h"

Error *bt_redo_apply(uint8_t *page, PageId page_id, uint8_t type, const uint8_t *payload,
                     size_t payload_size)
{
    (void)page;
    (void)payload;
    (void)payload_size;
    return err_new(SQLSTATE_DATA_CORRUPTED, "unknown redo record type %u for page %u",
                   (unsigned)type, (unsigned)page_id);
}
