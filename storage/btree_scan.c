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
 * scan may or may not be seen (visibility decides about those above this layer). */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "storage/btree_int.h"

enum {
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
    PageId      leaf;
    uint64_t    lsn;
    bool        has_last;
    uint8_t     last_key[BT_KEY_SIZE_MAX];
    size_t      last_key_size;
    BtLeafEntry entries[LEAF_SCAN_ENTRY_MAX];
    _Alignas(16) uint8_t copy[PAGE_SIZE];
};

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static void drop_pin(BtLeafScan *scan)
{
    if (scan->frame != NULL) bp_unpin(scan->tree->pool, scan->frame);
    scan->frame = NULL;
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
    Error *err = bt_read_pin(pool, right, &next);
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

/* take_copy: copy the S-latched leaf, then unlatch it and keep it pinned as the scan's leaf;
 * fill the entries from slot_idx on (stopping at hi). */
static Error *take_copy(BtLeafScan *scan, Frame *frame, int slot_idx, size_t *count_out)
{
    memcpy(scan->copy, bp_data(frame), PAGE_SIZE);
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
    size_t cell_min = BT_HEADER_SIZE + 2 * (size_t)cell_count;
    for (int slot = slot_idx; slot < cell_count; slot++) {
        /* bt_cell_at's checks for a leaf cell, inlined: inside the page, sane sizes and flags */
        size_t offset = bt_slot(page, slot);
        if (offset < cell_min || offset + BT_LEAF_CELL_HEADER_SIZE > PAGE_SIZE) {
            return bt_corrupt(page_id, "bad cell");
        }
        const uint8_t *cell = page + offset;
        size_t key_size = bt_cell_key_size(cell);
        uint32_t value_size = bt_leaf_cell_value_size(cell);
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
        BtLeafEntry *entry = &scan->entries[count++];
        entry->key = key;
        entry->key_size = (uint32_t)key_size;
        entry->value_size = value_size;
        entry->value = is_inline ? key + key_size : NULL;
    }
    if (cell_count > 0) {
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(page, cell_count - 1, &cell_size);
        if (cell == NULL) return bt_corrupt(page_id, "bad cell");
        scan->last_key_size = bt_cell_key_size(cell);
        memcpy(scan->last_key, bt_leaf_cell_key(cell), scan->last_key_size);
        scan->has_last = true;
    }
    if (bt_right(page) == PAGE_ID_NONE) scan->done = true;
    *count_out = count;
    return NULL;
}

Error *bt_leaf_scan_next(BtLeafScan *scan, const BtLeafEntry **entries_out, size_t *count_out)
{
    *entries_out = scan->entries;
    *count_out = 0;
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
        TRY(take_copy(scan, frame, slot_idx, &count));
        if (count > 0) {
            *count_out = count;
            return NULL;
        }
    }
    return bt_corrupt(scan->tree->root, "leaf chain too long");
}
