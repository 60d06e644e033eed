/* storage/btree_int.h: B+ tree page format, redo record types and internal helpers (for the
 * btree_*.c files and their tests only).
 *
 * Tree page (PAGE_TYPE_BT_LEAF or PAGE_TYPE_BT_INNER) after the common page header
 * (little-endian):
 *   offset size field
 *   17     1    page flags: BT_PAGE_FLAG_ROOT on the root page of a tree
 *   24     1    level          0 for leaves; a child's level is its parent's minus one
 *   25     1    all_visible    leaves: reserved for txn/ (every row visible to everyone)
 *   26     2    cell_count
 *   28     2    cell_start     lowest byte used by cells (PAGE_SIZE when empty)
 *   30     2    garbage_size   bytes of dead cells inside [cell_start, PAGE_SIZE)
 *   32     4    left           leaves: left sibling (PAGE_ID_NONE at the left end)
 *   36     4    right          leaves: right sibling (PAGE_ID_NONE at the right end)
 *   40     4    leftmost       inner: child holding the keys below the first cell's key
 *   44     4    reserved       zero
 *   48     8    max_xid        leaves: reserved for txn/ (largest xid that changed the page)
 *   56     2*n  slot array     u16 cell offsets, in key order
 *   ...         free space, then cells growing down from PAGE_SIZE
 *
 * Leaf cell:  u16 key_size | u32 value_size | u8 flags | key | value (inline) or
 *             u32 first overflow page (flags & BT_CELL_OVERFLOW)
 * Inner cell: u16 key_size | u32 child | key; the child holds keys in [key, next cell's key).
 * A value goes out of line when its inline cell would exceed BT_CELL_INLINE_MAX.
 *
 * Overflow page (PAGE_TYPE_OVERFLOW): 24 u32 next page (PAGE_ID_NONE at the end), 28 u32
 * data_size (1..BT_OVERFLOW_DATA_MAX), 32 data. A chain holds exactly value_size bytes in
 * ceil(value_size / BT_OVERFLOW_DATA_MAX) pages, every page full but the last.
 *
 * Invariants (bt_check verifies each one):
 * 1. Every page reachable from a root is a tree page with a valid header, cells inside the page,
 *    non-overlapping; levels decrease by one from parent to child; all leaves at level 0.
 * 2. Keys in a page strictly increase; every key of child i lies in [sep_i, sep_{i+1}) of its
 *    parent (the leftmost child below sep_0).
 * 3. Every non-root page uses at least BT_FILL_MIN bytes (cells + slots), except a page on the
 *    right edge of its level (no upper bound: split_append starts a new rightmost leaf with
 *    one cell; only changes that shrink a page fix its underflow); an inner non-root page
 *    has at least one cell; the root has the ROOT flag and no other page has it.
 * 4. Leaves are linked in key order both ways; the ends link to PAGE_ID_NONE.
 * 5. An overflow chain has exactly the pages its value_size needs, each of type OVERFLOW.
 * 6. (bt_check_store) every page is page 0, free, or reachable exactly once from one root.
 */
#ifndef BIRCH_STORAGE_BTREE_INT_H
#define BIRCH_STORAGE_BTREE_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "storage/btree.h"
#include "storage/bufpool.h"
#include "storage/mtr.h"
#include "storage/page.h"
#include "storage/redo.h"
#include "storage/store.h"

enum {
    BT_OFFSET_LEVEL = 24,
    BT_OFFSET_ALL_VISIBLE = 25,
    BT_OFFSET_CELL_COUNT = 26,
    BT_OFFSET_CELL_START = 28,
    BT_OFFSET_GARBAGE = 30,
    BT_OFFSET_LEFT = 32,
    BT_OFFSET_RIGHT = 36,
    BT_OFFSET_LEFTMOST = 40,
    BT_OFFSET_MAX_XID = 48,
    BT_HEADER_SIZE = 56,
    BT_USABLE_SIZE = PAGE_SIZE - BT_HEADER_SIZE,
    BT_FILL_MIN = BT_USABLE_SIZE / 4,          /* a non-root page below this is underfull */
    BT_PAGE_FLAG_ROOT = 1,

    BT_LEAF_CELL_HEADER_SIZE = 7,
    BT_INNER_CELL_HEADER_SIZE = 6,
    BT_CELL_INLINE_MAX = BT_USABLE_SIZE / 4 - 2, /* largest leaf cell with an inline value */
    BT_CELL_OVERFLOW = 1,                        /* leaf cell flag: value is out of line */
    BT_INNER_CELL_MAX = BT_INNER_CELL_HEADER_SIZE + BT_KEY_SIZE_MAX,
    BT_HEIGHT_MAX = 40,

    BT_OVERFLOW_OFFSET_NEXT = 24,
    BT_OVERFLOW_OFFSET_SIZE = 28,
    BT_OVERFLOW_OFFSET_DATA = 32,
    BT_OVERFLOW_DATA_MAX = PAGE_SIZE - BT_OVERFLOW_OFFSET_DATA,
    BT_OVERFLOW_BATCH_MAX = 32,                  /* overflow pages written per mtr */
};

/* B+ tree redo records (payloads little-endian). */
enum {
    /* zero the body, set type/flags/level/links: {u8 page_type, u8 page_flags, u8 level,
     * u8 all_visible, u32 left, u32 right, u32 leftmost, u64 max_xid} */
    REDO_BT_FORMAT = REDO_BT_FIRST,
    /* insert a cell at slot (compacting first if the free space is fragmented):
     * {u16 slot_idx, cell...} */
    REDO_BT_INSERT,
    /* delete the cell at slot: {u16 slot_idx} */
    REDO_BT_DELETE,
    /* replace the cell at slot: {u16 slot_idx, cell...} */
    REDO_BT_REPLACE,
    /* append cells after the last slot: {u16 count, cells...} (cells self-delimiting) */
    REDO_BT_APPEND,
    /* set the leaf links: {u32 left, u32 right} */
    REDO_BT_SET_LINKS,
    /* write an overflow page: {u32 next, u32 data_size, data...} */
    REDO_BT_OVERFLOW_WRITE,
    /* set the transaction fields of a leaf: {u64 max_xid, u8 all_visible} */
    REDO_BT_SET_XID,
    REDO_BT_TYPE_END,
};

#define BT_FORMAT_PAYLOAD_SIZE 24

/* The append cursor (btree.c, bt_insert): the rightmost leaf an insert last went to the end
 * of, and the LSN that insert's mtr stamped on it. An insert whose key is above that leaf's last
 * key goes straight there (X latch on the leaf only, no descent) if the page still carries that
 * LSN (so it is unchanged since, hence still this tree's rightmost leaf) and the cell fits.
 * Shared by every thread using the handle; a stale or torn pair only costs a descent. */
struct BTree {
    Store   *store;
    BufPool *pool;
    PageId   root;
    _Atomic uint32_t append_leaf;    /* PAGE_ID_NONE: no hint */
    _Atomic uint64_t append_lsn;
};

/* ---- page field accessors ---- */
static inline uint8_t bt_level(const uint8_t *page) { return page[BT_OFFSET_LEVEL]; }
static inline uint16_t bt_count(const uint8_t *page) { return dec_u16le(page + BT_OFFSET_CELL_COUNT); }
static inline uint16_t bt_cell_start(const uint8_t *page) { return dec_u16le(page + BT_OFFSET_CELL_START); }
static inline uint16_t bt_garbage(const uint8_t *page) { return dec_u16le(page + BT_OFFSET_GARBAGE); }
static inline PageId bt_left(const uint8_t *page) { return dec_u32le(page + BT_OFFSET_LEFT); }
static inline PageId bt_right(const uint8_t *page) { return dec_u32le(page + BT_OFFSET_RIGHT); }
static inline PageId bt_leftmost(const uint8_t *page) { return dec_u32le(page + BT_OFFSET_LEFTMOST); }
static inline uint64_t bt_max_xid(const uint8_t *page) { return dec_u64le(page + BT_OFFSET_MAX_XID); }
static inline bool bt_is_root(const uint8_t *page) { return (page_flags(page) & BT_PAGE_FLAG_ROOT) != 0; }
static inline uint16_t bt_slot(const uint8_t *page, int slot_idx)
{
    return dec_u16le(page + BT_HEADER_SIZE + 2 * slot_idx);
}
/* bt_free_size: bytes available for new cells plus their slots (after a compaction). */
static inline size_t bt_free_size(const uint8_t *page)
{
    return (size_t)bt_cell_start(page) - BT_HEADER_SIZE - 2u * bt_count(page) + bt_garbage(page);
}
/* bt_used_size: bytes of live cells plus their slots. */
static inline size_t bt_used_size(const uint8_t *page) { return BT_USABLE_SIZE - bt_free_size(page); }

/* ---- cells (cell points at the cell's first byte; validated by bt_page_validate first) ---- */
static inline size_t bt_cell_key_size(const uint8_t *cell) { return dec_u16le(cell); }
static inline const uint8_t *bt_leaf_cell_key(const uint8_t *cell) { return cell + BT_LEAF_CELL_HEADER_SIZE; }
static inline const uint8_t *bt_inner_cell_key(const uint8_t *cell) { return cell + BT_INNER_CELL_HEADER_SIZE; }
static inline uint32_t bt_leaf_cell_value_size(const uint8_t *cell) { return dec_u32le(cell + 2); }
static inline uint8_t bt_leaf_cell_flags(const uint8_t *cell) { return cell[6]; }
static inline PageId bt_inner_cell_child(const uint8_t *cell) { return dec_u32le(cell + 2); }
static inline const uint8_t *bt_leaf_cell_value(const uint8_t *cell)
{
    return cell + BT_LEAF_CELL_HEADER_SIZE + bt_cell_key_size(cell);
}
static inline PageId bt_leaf_cell_overflow(const uint8_t *cell)
{
    return dec_u32le(cell + BT_LEAF_CELL_HEADER_SIZE + bt_cell_key_size(cell));
}
/* bt_leaf_value_inline: true if a (key_size, value_size) entry keeps its value in the cell. */
static inline bool bt_leaf_value_inline(size_t key_size, size_t value_size)
{
    return BT_LEAF_CELL_HEADER_SIZE + key_size + value_size <= BT_CELL_INLINE_MAX;
}
static inline size_t bt_leaf_cell_size_for(size_t key_size, size_t value_size)
{
    return BT_LEAF_CELL_HEADER_SIZE + key_size +
           (bt_leaf_value_inline(key_size, value_size) ? value_size : 4);
}

/* bt_cell_size: size of the cell at cell of a page at level; 0 if it does not fit in limit bytes
 * (a corrupt cell). */
size_t bt_cell_size(const uint8_t *cell, int level, size_t limit);
/* bt_cell_at: the cell of slot_idx, validated to lie inside the page; NULL if corrupt. */
const uint8_t *bt_cell_at(const uint8_t *page, int slot_idx, size_t *cell_size_out);
/* bt_cell_key: the key of a validated cell. */
static inline const uint8_t *bt_cell_key(const uint8_t *cell, int level, size_t *key_size_out)
{
    *key_size_out = bt_cell_key_size(cell);
    return level == 0 ? bt_leaf_cell_key(cell) : bt_inner_cell_key(cell);
}

/* bt_page_validate: header sanity of a tree page (type, counts, offsets); DATA_CORRUPTED naming
 * the page. expected_level < 0: any level. */
Error *bt_page_validate(const uint8_t *page, PageId page_id, int expected_level);
/* bt_page_validate_cells: every cell lies inside the cell area and the sizes add up, so
 * compaction and page rewrites cannot fail. DATA_CORRUPTED otherwise. */
Error *bt_page_validate_cells(const uint8_t *page, PageId page_id);
/* bt_page_search: binary search; returns the first slot whose key >= key, *exact_out if equal.
 * Errors: DATA_CORRUPTED on a corrupt cell. */
Error *bt_page_search(const uint8_t *page, PageId page_id, const uint8_t *key, size_t key_size,
                      int *slot_out, bool *exact_out);
/* bt_inner_child_for: the child index (0 = leftmost, i + 1 = cell i) whose range holds key,
 * and its page id. */
Error *bt_inner_child_for(const uint8_t *page, PageId page_id, const uint8_t *key,
                          size_t key_size, int *child_idx_out, PageId *child_out);
/* bt_inner_child_at: the page id of child index child_idx (0 = leftmost). */
PageId bt_inner_child_at(const uint8_t *page, int child_idx);

/* bt_key_compare: key_compare's order (memcmp, then the shorter first), inlined for the hot path. */
static inline int bt_key_compare(const uint8_t *a, size_t a_size, const uint8_t *b, size_t b_size)
{
    size_t common = a_size < b_size ? a_size : b_size;
    int cmp = common == 0 ? 0 : memcmp(a, b, common);
    if (cmp != 0) return cmp;
    return a_size < b_size ? -1 : (a_size > b_size ? 1 : 0);
}

/* building cells */
size_t bt_leaf_cell_build(uint8_t *out, const uint8_t *key, size_t key_size, size_t value_size,
                          const uint8_t *inline_value, PageId overflow_first);
size_t bt_inner_cell_build(uint8_t *out, const uint8_t *key, size_t key_size, PageId child);

/* logging helpers: each builds a payload and calls mtr_log */
void bt_log_format(Mtr *mtr, Frame *frame, PageType type, uint8_t flags, int level,
                   PageId left, PageId right, PageId leftmost, uint64_t max_xid,
                   bool all_visible);
void bt_log_insert(Mtr *mtr, Frame *frame, int slot_idx, const uint8_t *cell, size_t cell_size);
void bt_log_replace(Mtr *mtr, Frame *frame, int slot_idx, const uint8_t *cell, size_t cell_size);
void bt_log_delete(Mtr *mtr, Frame *frame, int slot_idx);
void bt_log_set_links(Mtr *mtr, Frame *frame, PageId left, PageId right);
/* bt_log_append: append count cells (each described by ptr/size) to the page, in as few
 * records as fit the mtr's log comfortably. */
void bt_log_append(Mtr *mtr, Frame *frame, const uint8_t *const *cells, const size_t *sizes,
                   size_t count);

/* ---- overflow chains (btree_overflow.c) ---- */
/* bt_overflow_write: write value into a new chain (several mtrs); *first_out its first page. */
Error *bt_overflow_write(Store *store, const uint8_t *value, size_t value_size,
                         PageId *first_out);
/* bt_overflow_read: append value_size bytes of the chain at first to out. */
Error *bt_overflow_read(BufPool *pool, PageId first, size_t value_size, BtBuf *out);
/* bt_overflow_free: free the chain (several mtrs). */
Error *bt_overflow_free(Store *store, PageId first, size_t value_size);
/* bt_overflow_patch: overwrite bytes [offset, offset + size) of the chain inside mtr. */
Error *bt_overflow_patch(Mtr *mtr, PageId first, size_t value_size, size_t offset,
                         const uint8_t *bytes, size_t size);
/* bt_overflow_page_count: pages a chain of value_size bytes has. */
static inline size_t bt_overflow_page_count(size_t value_size)
{
    return (value_size + BT_OVERFLOW_DATA_MAX - 1) / BT_OVERFLOW_DATA_MAX;
}

/* ---- small helpers shared by the files ---- */
Error *bt_buf_reserve(BtBuf *buf, size_t size);
Error *bt_corrupt(PageId page_id, const char *what);
/* bt_read_pin: pin page_id and latch it shared. */
Error *bt_read_pin(BufPool *pool, PageId page_id, Frame **frame_out);
void   bt_read_unpin(BufPool *pool, Frame *frame);
/* bt_leaf_value_copy: copy the value of a validated leaf cell into out (reading overflow). */
Error *bt_leaf_value_copy(BufPool *pool, const uint8_t *cell, BtBuf *out);

#endif
