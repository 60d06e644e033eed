/* storage/btree_scan.c: page-at-a-time leaf scans (added by perf for the analytic read path).
 *
 * A leaf scan walks the leaves of a tree in key order within [lo, hi) and hands out, per leaf,
 * every entry of a private copy of the page taken under the leaf's S latch: a consumer then
 * works on a whole page's entries without any latch and without a per-entry call into the tree.
 *
 * Protocol (the same as the cursors', btree_cursor.c): the scan is in a reader epoch while open,
 * so a leaf it remembers is never reused for another purpose. Between calls it keeps its leaf
 * pinned (not latched) and remembers the leaf's LSN and the last key of its copy. To move on it
 * S-latches the leaf again: if the LSN is unchanged, the copy was the leaf's current content and
 * its right link is current, so it latches the right sibling (left to right, latch order) and
 * releases the leaf; if the LSN changed (a split, merge or any write), it re-descends from the
 * root to the first key above the last key it handed out. Hence every key present in the tree
 * throughout the scan is handed out exactly once, in order; a key inserted or removed during the
 * scan may or may not be seen (visibility decides about those above this layer).
 *
 * Read path costs (scanpath): the copy takes only the used bytes (header and slot array, then the
 * cells from cell_start), so a leaf filled to 70% moves 70% of a page; a cell below cell_start is
 * corruption. One pass over the copied slots validates each cell, stops at hi and, for
 * bt_leaf_scan_next_plain, tells whether every entry is a plain row record below a caller's xid
 * bound (txn/ then hands the entries out as they are, no second pass). Read-ahead: once a leaf
 * is copied, its right sibling (the copy's right link) is pinned without a latch and its first
 * lines are prefetched, the rest as the caller asks (bt_leaf_scan_prefetch, between its steps on
 * this leaf), so the DRAM misses of the next copy overlap the caller's work on this leaf and
 * the next step needs no pool lookup. The pin is only a hint: the step still latches the current
 * leaf, checks its LSN and then latches the sibling (the same protocol); a pin that fails or
 * names another page than the current right link is dropped. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes_load.h"
#include "storage/btree_int.h"
#include "storage/row.h"

enum {
    PREFETCH_LINE_SIZE = 64,
    PREFETCH_LINE_COUNT = PAGE_SIZE / PREFETCH_LINE_SIZE,
    LEAF_SCAN_HOP_MAX = 1 << 20,
    LEAF_SCAN_ENTRY_MAX = PAGE_SIZE / BT_LEAF_CELL_HEADER_SIZE + 1,
};

struct BtLeafScan {
    BTree      *tree;
    EpochGuard  guard;
    uint8_t     lo[BT_KEY_SIZE_MAX];
    uint8_t     hi[BT_KEY_SIZE_MAX];
    size_t      lo_size;
    size_t      hi_size;
    bool        has_lo;
    bool        has_hi;
    bool        started;
    bool        done;
    Frame      *frame;          /* the leaf the copy came from: pinned, not latched */
    Frame      *ahead;          /* read-ahead: ahead_id pinned, not latched, or NULL */
    PageId      ahead_id;
    uint32_t    ahead_line;     /* lines of ahead's page prefetched so far (read_ahead, prefetch) */
    PageId      leaf;
    uint64_t    lsn;
    bool        has_last;
    uint8_t     last_key[BT_KEY_SIZE_MAX];
    size_t      last_key_size;
    BtRowShape  shape;          /* of the last leaf handed out (bt_leaf_scan_shape) */
    BtLeafEntry entries[LEAF_SCAN_ENTRY_MAX];
    _Alignas(16) uint8_t copy[PAGE_SIZE];
};

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* (scanpath) btree_int.h's slot and leaf cell field readers, as single loads (common/
 * bytes_load.h) for take_copy's per-cell pass: the same fields at the same offsets. */
static inline size_t slot_fast(const uint8_t *page, int slot_idx)
{
    return load_u16le(page + BT_HEADER_SIZE + 2 * slot_idx);
}
static inline size_t cell_key_size_fast(const uint8_t *cell) { return load_u16le(cell); }
static inline uint32_t cell_value_size_fast(const uint8_t *cell) { return load_u32le(cell + 2); }

static void drop_ahead(BtLeafScan *scan)
{
    if (scan->ahead != NULL) bp_unpin(scan->tree->pool, scan->ahead);
    scan->ahead = NULL;
}

static void drop_pin(BtLeafScan *scan)
{
    if (scan->frame != NULL) bp_unpin(scan->tree->pool, scan->frame);
    scan->frame = NULL;
    drop_ahead(scan);
}

void bt_leaf_scan_prefetch(BtLeafScan *scan, uint32_t line_count)
{
    if (scan->ahead == NULL) return;
    const uint8_t *data = bp_data(scan->ahead);
    uint32_t left = PREFETCH_LINE_COUNT - scan->ahead_line;
    uint32_t end = line_count < left ? scan->ahead_line + line_count : PREFETCH_LINE_COUNT;
    for (uint32_t line = scan->ahead_line; line < end; line++) {
        __builtin_prefetch(data + (size_t)line * PREFETCH_LINE_SIZE);
    }
    scan->ahead_line = end;
}

/* read_ahead: pin the page right of the copy and prefetch its first BT_LEAF_SCAN_READ_AHEAD_LINES
 * lines (a hint: errors dropped); the consumer asks for the rest with bt_leaf_scan_prefetch while
 * it works on this leaf. */
static void read_ahead(BtLeafScan *scan, PageId right)
{
    drop_ahead(scan);
    if (right == PAGE_ID_NONE || scan->done) return;
    Frame *frame = NULL;
    Error *err = bp_pin(scan->tree->pool, right, BP_PIN_READ, &frame);
    if (err != NULL) {
        err_free(err);
        return;
    }
    scan->ahead = frame;
    scan->ahead_id = right;
    scan->ahead_line = 0;
    bt_leaf_scan_prefetch(scan, BT_LEAF_SCAN_READ_AHEAD_LINES);
}

Error *bt_leaf_scan_open(BTree *tree, const uint8_t *lo, size_t lo_size, const uint8_t *hi,
                         size_t hi_size, BtLeafScan **scan_out)
{
    if (lo_size > BT_KEY_SIZE_MAX || hi_size > BT_KEY_SIZE_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "range bound exceeds the key size limit");
    }
    BtLeafScan *scan = malloc(sizeof *scan);
    if (scan == NULL) return oom();
    memset(scan, 0, offsetof(BtLeafScan, entries));
    scan->tree = tree;
    scan->has_lo = lo != NULL && lo_size > 0;
    scan->has_hi = hi != NULL;
    scan->lo_size = scan->has_lo ? lo_size : 0;
    scan->hi_size = scan->has_hi ? hi_size : 0;
    if (scan->has_lo) memcpy(scan->lo, lo, lo_size);
    if (scan->has_hi && hi_size > 0) memcpy(scan->hi, hi, hi_size);
    scan->guard.slot_idx = -1;
    store_epoch_enter(tree->store, &scan->guard);
    *scan_out = scan;
    return NULL;
}

void bt_leaf_scan_close(BtLeafScan *scan)
{
    if (scan == NULL) return;
    drop_pin(scan);
    store_epoch_exit(scan->tree->store, &scan->guard);
    free(scan);
}

/* descend: the leaf holding key (S-latched, validated) and the slot of the first entry >= key
 * (> key if after). */
static Error *descend(BtLeafScan *scan, const uint8_t *key, size_t key_size, bool after,
                      Frame **frame_out, int *slot_out)
{
    BTree *tree = scan->tree;
    Frame *frame = NULL;
    TRY(bt_read_pin(tree->pool, tree->root, &frame));
    PageId page_id = tree->root;
    Error *err = bt_page_validate(bp_data(frame), page_id, -1);
    while (err == NULL && bt_level(bp_data(frame)) > 0) {
        int level = bt_level(bp_data(frame));
        int child_idx = 0;
        PageId child = PAGE_ID_NONE;
        err = bt_inner_child_for(bp_data(frame), page_id, key, key_size, &child_idx, &child);
        if (err != NULL) break;
        Frame *child_frame = NULL;
        err = bt_read_pin(tree->pool, child, &child_frame);
        if (err != NULL) break;
        bt_read_unpin(tree->pool, frame);
        frame = child_frame;
        page_id = child;
        err = bt_page_validate(bp_data(frame), page_id, level - 1);
    }
    int slot_idx = 0;
    bool exact = false;
    if (err == NULL) err = bt_page_search(bp_data(frame), page_id, key, key_size, &slot_idx, &exact);
    if (err != NULL) {
        bt_read_unpin(tree->pool, frame);
        return err;
    }
    if (after && exact) slot_idx++;
    *frame_out = frame;
    *slot_out = slot_idx;
    return NULL;
}

/* step_right: replace the S-latched leaf frame by its right sibling (S-latched, validated), or
 * NULL at the right end (frame released). */
static Error *step_right(BtLeafScan *scan, Frame **frame_io)
{
    BufPool *pool = scan->tree->pool;
    Frame *frame = *frame_io;
    PageId right = bt_right(bp_data(frame));
    if (right == PAGE_ID_NONE) {
        bt_read_unpin(pool, frame);
        *frame_io = NULL;
        return NULL;
    }
    Frame *next = NULL;
    Error *err = NULL;
    if (scan->ahead != NULL && scan->ahead_id == right) {
        next = scan->ahead;                /* pinned by read_ahead: ours now */
        scan->ahead = NULL;
        bp_latch(next, LATCH_SHARED);
    } else {
        drop_ahead(scan);
        err = bt_read_pin(pool, right, &next);
    }
    bt_read_unpin(pool, frame);
    *frame_io = NULL;
    if (err != NULL) return err;
    err = bt_page_validate(bp_data(next), right, 0);
    if (err != NULL) {
        bt_read_unpin(pool, next);
        return err;
    }
    *frame_io = next;
    return NULL;
}

/* uniform_cells (scan7): the usual leaf of an analytic scan of settled data, checked in a pass
 * of its own that is cheaper than take_copy's general one: every cell from slot_idx on carries
 * the same 7 header bytes as the first (same key size, same value size, flags 0: inline) and a
 * plain record with the first one's column count (format ROW_FORMAT_V1, writer xid - 1 below
 * bound_less, no delete mark). The first cell gets the general checks once; each cell then
 * costs a range test of its offset (so every byte read lies inside the copied cells), one
 * compare of its header word and of its record header, and the entry. Fills scan->entries and
 * the leaf's shape facts and returns true; returns false, deciding nothing, at the first cell
 * that differs (the general pass then runs over the whole leaf). Pre: no hi bound. */
static bool uniform_cells(BtLeafScan *scan, const uint8_t *page, size_t cell_start, int slot_idx,
                          int cell_count, uint64_t bound_less, size_t *count_out,
                          uint32_t *columns_out, uint32_t *value_size_out, uint64_t *nulls_out)
{
    enum { HEADER_MASK_BITS = 8 * BT_LEAF_CELL_HEADER_SIZE };
    STATIC_ASSERT(BT_LEAF_CELL_HEADER_SIZE < 8, "a leaf cell header fits in one 8-byte load");
    const uint64_t header_mask = ((uint64_t)1 << HEADER_MASK_BITS) - 1;
    if (slot_idx >= cell_count) return false;
    size_t first = slot_fast(page, slot_idx);
    if (first < cell_start || first + BT_LEAF_CELL_HEADER_SIZE > PAGE_SIZE) return false;
    const uint8_t *cell = page + first;
    size_t key_size = cell_key_size_fast(cell);
    uint32_t value_size = cell_value_size_fast(cell);
    if (bt_leaf_cell_flags(cell) != 0 || key_size > BT_KEY_SIZE_MAX ||
        value_size < ROW_HEADER_SIZE + BT_ROW_SHAPE_NULL_BYTES ||
        !bt_leaf_value_inline(key_size, value_size)) {
        return false;
    }
    size_t cell_size = BT_LEAF_CELL_HEADER_SIZE + key_size + value_size;   /* > 8 bytes */
    if (cell_size > PAGE_SIZE - cell_start) return false;
    size_t span = PAGE_SIZE - cell_start - cell_size;    /* a cell's offset - cell_start: [0, span] */
    uint64_t header = load_u64le(cell) & header_mask;
    const uint8_t *record = cell + BT_LEAF_CELL_HEADER_SIZE + key_size;
    uint32_t columns = load_u16le(record + ROW_HEADER_COLUMN_COUNT_OFFSET);
    /* the record header's bytes 16..19 (flags, format, column count) with flags masked off */
    STATIC_ASSERT(ROW_HEADER_FLAGS_OFFSET == 16 && ROW_HEADER_FORMAT_OFFSET == 17 &&
                      ROW_HEADER_COLUMN_COUNT_OFFSET == 18, "record header word layout");
    uint32_t format_columns = (columns << 16) | ((uint32_t)ROW_FORMAT_V1 << 8);
    uint64_t nulls = 0;
    BtLeafEntry *entry = scan->entries;
    for (int slot = slot_idx; slot < cell_count; slot++) {
        size_t offset = slot_fast(page, slot);
        if (offset - cell_start > span) return false;     /* wraps when offset < cell_start */
        cell = page + offset;
        const uint8_t *key = cell + BT_LEAF_CELL_HEADER_SIZE;
        record = key + key_size;
        bool differs = (load_u64le(cell) & header_mask) != header;
        differs |= (load_u32le(record + ROW_HEADER_FLAGS_OFFSET) & 0xFFFFFF00u) != format_columns;
        differs |= load_u64le(record + ROW_HEADER_XID_OFFSET) - 1 >= bound_less;
        differs |= load_u64le(record + ROW_HEADER_DELETE_XID_OFFSET) != ROW_XID_NONE;
        if (differs) return false;
        nulls |= load_u64le(record + ROW_HEADER_SIZE);
        entry->key = key;
        entry->value = record;
        entry->key_size = (uint32_t)key_size;
        entry->value_size = value_size;
        entry++;
    }
    *count_out = (size_t)(entry - scan->entries);
    *columns_out = columns;
    *value_size_out = value_size;
    *nulls_out = nulls;
    return true;
}

/* take_copy: copy the used bytes of the S-latched leaf, then unlatch it and keep it pinned as
 * the scan's leaf; fill the entries from slot_idx on (stopping at hi). With xid_bound > 0,
 * *all_plain_out tells whether every entry is a plain row record below it (btree.h). */
static Error *take_copy(BtLeafScan *scan, Frame *frame, int slot_idx, uint64_t xid_bound,
                        size_t *count_out, bool *all_plain_out)
{
    const uint8_t *data = bp_data(frame);
    /* bt_page_validate ran under this latch: slots end at or below cell_start <= PAGE_SIZE */
    size_t cell_start = bt_cell_start(data);
    size_t slots_end = BT_HEADER_SIZE + 2 * (size_t)bt_count(data);
    memcpy(scan->copy, data, slots_end);
    memcpy(scan->copy + cell_start, data + cell_start, PAGE_SIZE - cell_start);
    PageId page_id = bp_page_id(frame);
    bp_unlatch(frame, LATCH_SHARED);
    drop_pin(scan);
    scan->frame = frame;
    scan->leaf = page_id;
    scan->lsn = page_lsn(scan->copy);
    const uint8_t *page = scan->copy;
    int cell_count = bt_count(page);
    if (cell_count >= LEAF_SCAN_ENTRY_MAX) return bt_corrupt(page_id, "too many cells");
    size_t count = 0;
    bool plain = xid_bound > 0;
    uint64_t bound_less = xid_bound - 1;    /* xid in [1, xid_bound) iff xid - 1 < this */
    /* the shape of plain records (bt_leaf_scan_shape), folded without branches: column counts
     * agree iff their AND equals their OR */
    uint32_t columns_and = UINT16_MAX, columns_or = 0, size_min = UINT32_MAX;
    uint64_t nulls = 0;
    bool shape_ok = true;
    uint32_t uniform_columns = 0;
    if (plain && !scan->has_hi &&
        uniform_cells(scan, page, cell_start, slot_idx, cell_count, bound_less, &count,
                      &uniform_columns, &size_min, &nulls)) {
        columns_and = uniform_columns;
        columns_or = uniform_columns;
        slot_idx = cell_count;                  /* every entry is filled: no general pass */
    }
    for (int slot = slot_idx; slot < cell_count; slot++) {
        /* bt_cell_at's checks for a leaf cell, inlined: inside the copied cells, sane sizes and
         * flags */
        size_t offset = slot_fast(page, slot);
        if (offset < cell_start || offset + BT_LEAF_CELL_HEADER_SIZE > PAGE_SIZE) {
            return bt_corrupt(page_id, "bad cell");
        }
        const uint8_t *cell = page + offset;
        size_t key_size = cell_key_size_fast(cell);
        uint32_t value_size = cell_value_size_fast(cell);
        uint8_t flags = bt_leaf_cell_flags(cell);
        bool is_inline = flags == 0;
        if ((flags & ~BT_CELL_OVERFLOW) != 0 || key_size > BT_KEY_SIZE_MAX ||
            value_size > BT_VALUE_SIZE_MAX ||
            is_inline != bt_leaf_value_inline(key_size, value_size) ||
            offset + BT_LEAF_CELL_HEADER_SIZE + key_size + (is_inline ? value_size : 4) > PAGE_SIZE) {
            return bt_corrupt(page_id, "bad cell");
        }
        const uint8_t *key = bt_leaf_cell_key(cell);
        if (scan->has_hi && bt_key_compare(key, key_size, scan->hi, scan->hi_size) >= 0) {
            scan->done = true;
            break;
        }
        const uint8_t *value = is_inline ? key + key_size : NULL;
        if (plain) {
            /* the row header's fields (storage/row.h), inside the validated inline value */
            plain = value != NULL && value_size >= ROW_HEADER_SIZE &&
                    value[ROW_HEADER_FORMAT_OFFSET] == ROW_FORMAT_V1 &&
                    load_u64le(value + ROW_HEADER_XID_OFFSET) - 1 < bound_less &&
                    load_u64le(value + ROW_HEADER_DELETE_XID_OFFSET) == ROW_XID_NONE;
            if (plain) {
                uint32_t columns = load_u16le(value + ROW_HEADER_COLUMN_COUNT_OFFSET);
                columns_and &= columns;
                columns_or |= columns;
                size_min = value_size < size_min ? value_size : size_min;
                if (value_size >= ROW_HEADER_SIZE + BT_ROW_SHAPE_NULL_BYTES) {
                    nulls |= load_u64le(value + ROW_HEADER_SIZE);
                } else {
                    shape_ok = false;
                }
            }
        }
        BtLeafEntry *entry = &scan->entries[count++];
        entry->key = key;
        entry->key_size = (uint32_t)key_size;
        entry->value_size = value_size;
        entry->value = value;
    }
    if (cell_count > 0) {
        size_t cell_size = 0;
        const uint8_t *cell = NULL;
        if (bt_slot(page, cell_count - 1) >= cell_start) {
            cell = bt_cell_at(page, cell_count - 1, &cell_size);
        }
        if (cell == NULL) return bt_corrupt(page_id, "bad cell");
        scan->last_key_size = bt_cell_key_size(cell);
        memcpy(scan->last_key, bt_leaf_cell_key(cell), scan->last_key_size);
        scan->has_last = true;
    }
    if (bt_right(page) == PAGE_ID_NONE) scan->done = true;
    read_ahead(scan, bt_right(page));
    scan->shape.uniform = plain && count > 0 && shape_ok && columns_and == columns_or;
    scan->shape.column_count = (uint16_t)columns_and;
    scan->shape.record_size_min = size_min;
    enc_u64le(scan->shape.nulls, nulls);
    *count_out = count;
    *all_plain_out = plain && count > 0;
    return NULL;
}

void bt_leaf_scan_shape(const BtLeafScan *scan, BtRowShape *shape_out)
{
    *shape_out = scan->shape;
}

Error *bt_leaf_scan_next(BtLeafScan *scan, const BtLeafEntry **entries_out, size_t *count_out)
{
    bool all_plain = false;
    return bt_leaf_scan_next_plain(scan, 0, entries_out, count_out, &all_plain);
}

Error *bt_leaf_scan_next_plain(BtLeafScan *scan, uint64_t xid_bound,
                               const BtLeafEntry **entries_out, size_t *count_out,
                               bool *all_plain_out)
{
    *entries_out = scan->entries;
    *count_out = 0;
    *all_plain_out = false;
    scan->shape.uniform = false;
    for (int hop = 0; hop < LEAF_SCAN_HOP_MAX; hop++) {
        if (scan->done) {
            drop_pin(scan);
            return NULL;
        }
        Frame *frame = NULL;
        int slot_idx = 0;
        if (!scan->started) {
            scan->started = true;
            TRY(descend(scan, scan->lo, scan->lo_size, false, &frame, &slot_idx));
        } else {
            frame = scan->frame;
            scan->frame = NULL;        /* ours now: pinned */
            bp_latch(frame, LATCH_SHARED);
            if (page_lsn(bp_data(frame)) == scan->lsn) {
                TRY(step_right(scan, &frame));
                if (frame == NULL) {
                    scan->done = true;
                    return NULL;
                }
            } else {
                bt_read_unpin(scan->tree->pool, frame);
                frame = NULL;
                if (scan->has_last) {
                    TRY(descend(scan, scan->last_key, scan->last_key_size, true, &frame,
                                &slot_idx));
                } else {
                    TRY(descend(scan, scan->lo, scan->lo_size, false, &frame, &slot_idx));
                }
            }
        }
        size_t count = 0;
        bool all_plain = false;
        TRY(take_copy(scan, frame, slot_idx, xid_bound, &count, &all_plain));
        if (count > 0) {
            *count_out = count;
            *all_plain_out = all_plain;
            return NULL;
        }
    }
    return bt_corrupt(scan->tree->root, "leaf chain too long");
}
