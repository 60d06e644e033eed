/* storage/btree.h: B+ trees of order-preserving byte keys on buffer-pool pages.
 *
 * Keys are compared with key_compare (memcmp, shorter prefix first) only, so the tree never
 * dispatches on SQL types; keys are unique within a tree (a table is clustered on its row id or
 * integer primary key, a secondary index keys on (columns, row id)). Values up to
 * BT_VALUE_SIZE_MAX bytes: large ones live in a chain of overflow pages. Leaves are linked both
 * ways for range scans. The root page never moves (a root split moves its entries into two new
 * children), so a tree is named by its root page id forever.
 *
 * Concurrency: any number of threads may read and write one tree at once. There is no
 * tree-wide lock: descents use latch coupling (a child is latched before its parent is
 * released); a writer that may split or merge re-descends holding X latches only from the
 * lowest node that may change. Every structure change happens in one mtr that keeps the pages
 * it touched X-latched until commit. Pages freed by merges are reused only after reader epochs
 * moved on (store.h). Cursors hold no latch between calls: they remember (leaf, LSN, key) and
 * re-seek after their leaf changed.
 *
 * Page layouts, cell format and the invariants bt_check verifies are in btree_int.h. */
#ifndef BIRCH_STORAGE_BTREE_H
#define BIRCH_STORAGE_BTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/page.h"
#include "storage/store.h"

typedef struct BTree    BTree;
typedef struct BtCursor BtCursor;
typedef struct BtBulk   BtBulk;

enum {
    BT_KEY_SIZE_MAX = 1024,
};
#define BT_VALUE_SIZE_MAX ((size_t)1 << 30)

/* BtBuf: a growable malloc'd byte buffer for values; start zeroed, free with bt_buf_free. */
typedef struct BtBuf {
    uint8_t *data;
    size_t   size;
    size_t   capacity;
} BtBuf;
void bt_buf_free(BtBuf *buf);

typedef struct BtCheckStats {
    uint64_t entry_count;
    uint32_t height;            /* 1: the root is a leaf */
    uint64_t leaf_page_count;
    uint64_t inner_page_count;
    uint64_t overflow_page_count;
} BtCheckStats;

/* bt_create: a new empty tree (its root is an empty leaf). Errors from fsm_alloc. */
Error *bt_create(Store *store, PageId *root_out);
/* bt_open: a handle on the tree rooted at root. Error DATA_CORRUPTED if root is not a tree
 * root page. The handle is shared by every thread using the tree. */
Error *bt_open(Store *store, PageId root, BTree **tree_out);
void   bt_close(BTree *tree);
PageId bt_root(const BTree *tree);
/* bt_drop: free every page of the tree rooted at root, overflow chains included. Pre: no handle
 * on it is in use. */
Error *bt_drop(Store *store, PageId root);

/* bt_insert: add (key, value). Pre: key_size <= BT_KEY_SIZE_MAX, value_size <=
 * BT_VALUE_SIZE_MAX (else PROGRAM_LIMIT_EXCEEDED). Errors: UNIQUE_VIOLATION (23505) if key is
 * present (tree unchanged); pool and I/O errors. */
Error *bt_insert(BTree *tree, const uint8_t *key, size_t key_size, const uint8_t *value,
                 size_t value_size);
/* bt_update: replace the value of key; *found_out false (tree unchanged) if absent. */
Error *bt_update(BTree *tree, const uint8_t *key, size_t key_size, const uint8_t *value,
                 size_t value_size, bool *found_out);
/* bt_patch: overwrite size bytes at value_offset of key's value in place (e.g. a row header's
 * delete mark). Pre: the range lies inside the value; *found_out false if key is absent. */
Error *bt_patch(BTree *tree, const uint8_t *key, size_t key_size, size_t value_offset,
                const uint8_t *bytes, size_t size, bool *found_out);
/* bt_delete: remove key; *found_out false if absent. May merge or redistribute pages. */
Error *bt_delete(BTree *tree, const uint8_t *key, size_t key_size, bool *found_out);
/* bt_get: copy key's value into value_out; *found_out false if absent. */
Error *bt_get(BTree *tree, const uint8_t *key, size_t key_size, BtBuf *value_out,
              bool *found_out);

/* Cursors: a position in the tree, within an optional [lo, hi) key range. */
Error *bt_cursor_open(BTree *tree, BtCursor **cursor_out);
/* bt_cursor_set_range: restrict to lo <= key < hi; NULL (size 0) means unbounded. The bounds
 * are copied. Takes effect at the next seek/first/last. */
Error *bt_cursor_set_range(BtCursor *cursor, const uint8_t *lo, size_t lo_size,
                           const uint8_t *hi, size_t hi_size);
/* bt_cursor_seek: position on the first entry >= key (and >= lo, < hi). */
Error *bt_cursor_seek(BtCursor *cursor, const uint8_t *key, size_t key_size);
Error *bt_cursor_first(BtCursor *cursor);
Error *bt_cursor_last(BtCursor *cursor);
Error *bt_cursor_next(BtCursor *cursor);
Error *bt_cursor_prev(BtCursor *cursor);
/* bt_cursor_valid: positioned on an entry (false past either end of the range). */
bool   bt_cursor_valid(const BtCursor *cursor);
/* bt_cursor_key: the current key; valid until the next call on the cursor. */
const uint8_t *bt_cursor_key(const BtCursor *cursor, size_t *key_size_out);
/* bt_cursor_value: copy the current entry's value (as of the last move). */
Error *bt_cursor_value(BtCursor *cursor, BtBuf *value_out);
void   bt_cursor_close(BtCursor *cursor);

/* Bulk load: fill an empty tree from strictly increasing keys, leaves packed to fill_factor
 * (0.5..1.0), bottom-up. Errors: INVALID_PARAMETER_VALUE if keys are not increasing or the tree
 * is not empty. */
Error *bt_bulk_begin(BTree *tree, double fill_factor, BtBulk **bulk_out);
Error *bt_bulk_add(BtBulk *bulk, const uint8_t *key, size_t key_size, const uint8_t *value,
                   size_t value_size);
Error *bt_bulk_finish(BtBulk *bulk);
void   bt_bulk_abort(BtBulk *bulk);

/* bt_check: verify every structural invariant of the tree (btree_int.h): key order in pages,
 * parent/child key bounds, equal leaf depth, fill (no underfull non-root page), sibling links
 * both ways, overflow chains (length, types, sizes). INDEX_CORRUPTED (XX002) describing the
 * first violation. Pre: no concurrent writers. */
Error *bt_check(BTree *tree, BtCheckStats *stats_out);
/* bt_check_store: every page of the file is page 0, on the free list, or reachable from exactly
 * one of the roots exactly once (no page reachable twice, none leaked); also runs bt_check on
 * each tree. Pre: quiescent. */
Error *bt_check_store(Store *store, const PageId *roots, size_t root_count);

/* ---- added by perf: page-at-a-time leaf scans (btree_scan.c) ---- */
/* A leaf scan hands out, leaf by leaf in key order, the entries in [lo, hi) of a private copy of
 * each leaf taken under its S latch (no latch is held between calls; the leaf stays pinned and
 * the scan is in a reader epoch while open). A move checks the leaf's LSN: unchanged, it follows
 * the right link with left-to-right latch coupling; changed, it re-descends to the first key
 * above the last one it handed out. Every key present throughout the scan is handed out exactly
 * once; keys inserted or removed meanwhile may or may not be. (scanpath:) the copy holds only
 * the used bytes of the leaf (header, slots, cells), and while the caller works on one leaf the
 * scan keeps its right sibling pinned (not latched) with its bytes prefetched. */
typedef struct BtLeafScan BtLeafScan;
/* BtLeafEntry: one leaf entry. value/record and value_size/record_size are the same fields
 * under two names (txn/'s TxnScanRow is this type: a value of a table tree is a row record). */
typedef struct BtLeafEntry {
    const uint8_t *key;
    union {
        const uint8_t *value;     /* the inline value; NULL when it lives in an overflow chain */
        const uint8_t *record;
    };
    uint32_t       key_size;
    union {
        uint32_t value_size;
        uint32_t record_size;
    };
} BtLeafEntry;
/* bt_leaf_scan_open: a scan of [lo, hi) (NULL/0: unbounded; bounds copied).
 * Errors: PROGRAM_LIMIT_EXCEEDED for a bound over BT_KEY_SIZE_MAX; OUT_OF_MEMORY. */
Error *bt_leaf_scan_open(BTree *tree, const uint8_t *lo, size_t lo_size, const uint8_t *hi,
                         size_t hi_size, BtLeafScan **scan_out);
/* bt_leaf_scan_next: the in-range entries of the next leaf that has some (*count_out > 0), or
 * *count_out 0 at the end. The entries point into the scan's copy: valid until the next call.
 * Errors: DATA_CORRUPTED for a bad page or cell; pool and I/O errors. */
Error *bt_leaf_scan_next(BtLeafScan *scan, const BtLeafEntry **entries_out, size_t *count_out);
/* bt_leaf_scan_next_plain (scanpath): bt_leaf_scan_next that also tells, in the same pass over
 * the leaf, whether every entry it hands out is a plain row record below xid_bound: an inline
 * value of at least ROW_HEADER_SIZE bytes, format ROW_FORMAT_V1, writer xid in [1, xid_bound)
 * and delete_xid ROW_XID_NONE (storage/row.h). *all_plain_out is false when xid_bound is 0 or
 * *count_out is 0. storage/ gives the xids no meaning: txn/ passes its snapshot's xmin.
 * Errors: as bt_leaf_scan_next. */
Error *bt_leaf_scan_next_plain(BtLeafScan *scan, uint64_t xid_bound,
                               const BtLeafEntry **entries_out, size_t *count_out,
                               bool *all_plain_out);
void   bt_leaf_scan_close(BtLeafScan *scan);
/* BtRowShape (scanpath, session 6): what every record of a leaf has in common, found in
 * bt_leaf_scan_next_plain's pass when the leaf is all plain, so a consumer that decodes fixed
 * offsets needs no pass of its own over the records to learn it. */
enum { BT_ROW_SHAPE_NULL_BYTES = 8 };
typedef struct BtRowShape {
    bool     uniform;           /* false: unknown (the fields below mean nothing) */
    uint16_t column_count;      /* every record's column count (storage/row.h header) */
    uint32_t record_size_min;   /* bytes of the shortest record */
    /* OR over the records of their BT_ROW_SHAPE_NULL_BYTES bytes at ROW_HEADER_SIZE: the NULL
     * bitmap's first bytes (bytes past (column_count + 7) / 8 are data: ignore them) */
    uint8_t  nulls[BT_ROW_SHAPE_NULL_BYTES];
} BtRowShape;
/* bt_leaf_scan_shape: the shape of the entries the last bt_leaf_scan_next_plain handed out;
 * uniform only when that leaf was all plain and every record holds at least ROW_HEADER_SIZE +
 * BT_ROW_SHAPE_NULL_BYTES bytes (so any subset of those entries has this shape too). */
void   bt_leaf_scan_shape(const BtLeafScan *scan, BtRowShape *shape_out);
/* bt_leaf_scan_prefetch (session 10): prefetch the next line_count 64-byte lines of the leaf
 * right of the last one handed out (pinned by the read-ahead; nothing when there is none).
 * bt_leaf_scan_next_plain prefetches only the first BT_LEAF_SCAN_READ_AHEAD_LINES of that leaf:
 * a burst of a whole page's 128 prefetches stalls the core once the line fill buffers are full,
 * so a consumer spreads the rest over its work on the current leaf (a hint only: it reads no
 * byte, and lines never asked for are fetched by the next call's copy). */
enum { BT_LEAF_SCAN_READ_AHEAD_LINES = 32 };
void   bt_leaf_scan_prefetch(BtLeafScan *scan, uint32_t line_count);
/* ---- end of perf's block ---- */

#endif
