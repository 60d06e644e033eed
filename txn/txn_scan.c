/* txn/txn_scan.c: page-at-a-time visibility scans (added by perf for the analytic read path).
 *
 * A TxnPageScan walks a table tree leaf by leaf (storage's bt_leaf_scan: a private copy of each
 * leaf taken under its S latch) and returns, per leaf, the row versions visible to the
 * transaction's snapshot, in key order. It decides exactly what txn_cursor_next decides, only
 * cheaper for the common case:
 * - fast path: the tree version's writer xid is visible (below the snapshot's xmin: committed
 *   before the snapshot, or the snapshot's own, or not active at snapshot time) and the version
 *   carries no delete mark: the record in the page copy is the visible row, returned in place
 *   without a copy or a call per row;
 * - a delete mark on a visible version: the row is visible iff the snapshot does not see the
 *   deleter (as resolve_visible in txn_row.c);
 * - a writer the snapshot does not see: the version store's chain (vstore_find), exactly as
 *   txn_row_get resolves it;
 * - a value in an overflow chain: txn_row_get on the key (reads the chain and resolves).
 * (scanpath:) storage's pass over the leaf copy (bt_leaf_scan_next_plain with the snapshot's xmin)
 * already tells whether every entry is an inline record whose writer is below xmin with no
 * delete mark, the first case for every row: such a leaf (the usual one in an analytic scan of
 * settled data) is returned as storage's entry array, with no second pass; any other leaf takes
 * the per-row pass below.
 * No latch is held while the version store is asked (txn/README invariant 6), since the page
 * copy needs none. A copy that is older than the tree only ever shows versions that were newest
 * at some instant after the snapshot was taken, and every older version a snapshot may need is
 * pushed to the version store before it is overwritten (invariant 2), so the answer is the same
 * as reading the tree now. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "storage/row.h"
#include "txn/txn_int.h"

struct TxnPageScan {
    Txn        *txn;
    BTree      *tree;
    BtLeafScan *leaves;
    TxnScanRow *rows;           /* capacity row_capacity */
    size_t      row_capacity;
    BtBuf      *slow;           /* records resolved off the fast path, per leaf */
    size_t      slow_capacity;
    bool        last_plain;     /* the last leaf returned is storage's entries as they are */
};

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

Error *txn_page_scan_open(Txn *txn, BTree *tree, const uint8_t *lo, size_t lo_size,
                          const uint8_t *hi, size_t hi_size, TxnPageScan **scan_out)
{
    TxnPageScan *scan = calloc(1, sizeof *scan);
    if (scan == NULL) return oom();
    scan->txn = txn;
    scan->tree = tree;
    Error *err = bt_leaf_scan_open(tree, lo, lo_size, hi, hi_size, &scan->leaves);
    if (err != NULL) {
        free(scan);
        return err;
    }
    *scan_out = scan;
    return NULL;
}

void txn_page_scan_close(TxnPageScan *scan)
{
    if (scan == NULL) return;
    bt_leaf_scan_close(scan->leaves);
    for (size_t idx = 0; idx < scan->slow_capacity; idx++) bt_buf_free(&scan->slow[idx]);
    free(scan->slow);
    free(scan->rows);
    free(scan);
}

static Error *reserve(TxnPageScan *scan, size_t count)
{
    if (count > scan->row_capacity) {
        TxnScanRow *rows = realloc(scan->rows, count * sizeof *rows);
        if (rows == NULL) return oom();
        scan->rows = rows;
        scan->row_capacity = count;
    }
    return NULL;
}

/* slow_buf: the next buffer for a record resolved off the fast path. */
static Error *slow_buf(TxnPageScan *scan, size_t used, BtBuf **buf_out)
{
    if (used >= scan->slow_capacity) {
        size_t capacity = scan->slow_capacity == 0 ? 16 : scan->slow_capacity * 2;
        BtBuf *slow = realloc(scan->slow, capacity * sizeof *slow);
        if (slow == NULL) return oom();
        memset(slow + scan->slow_capacity, 0, (capacity - scan->slow_capacity) * sizeof *slow);
        scan->slow = slow;
        scan->slow_capacity = capacity;
    }
    *buf_out = &scan->slow[used];
    return NULL;
}

/* xid_visible: snap_xid_visible with its first tests inlined (the common case: an old xid). */
static inline bool xid_visible(const Snapshot *snapshot, uint64_t xid)
{
    if (xid < snapshot->xmin && xid != ROW_XID_NONE) return true;
    return snap_xid_visible(snapshot, xid);
}

Error *txn_page_scan_next(TxnPageScan *scan, const TxnScanRow **rows_out, size_t *count_out)
{
    *rows_out = scan->rows;
    *count_out = 0;
    scan->last_plain = false;
    Txn *txn = scan->txn;
    VStore *vstore = txn->manager->vstore;
    uint32_t root = bt_root(scan->tree);
    for (;;) {
        const BtLeafEntry *entries = NULL;
        size_t entry_count = 0;
        const Snapshot *snapshot = &txn->snapshot;
        bool all_plain = false;
        TRY(bt_leaf_scan_next_plain(scan->leaves, snapshot->xmin, &entries, &entry_count,
                                    &all_plain));
        if (entry_count == 0) return NULL;    /* the end */
        if (all_plain) {
            /* every writer below xmin (visible), no delete mark: the rows as they are */
            *rows_out = entries;
            *count_out = entry_count;
            scan->last_plain = true;
            return NULL;
        }
        TRY(reserve(scan, entry_count));
        size_t count = 0, slow_used = 0;
        for (size_t idx = 0; idx < entry_count; idx++) {
            const BtLeafEntry *entry = &entries[idx];
            const uint8_t *record = entry->value;
            if (record != NULL) {
                /* row_header_read's checks, inlined */
                if (entry->value_size < ROW_HEADER_SIZE ||
                    record[ROW_HEADER_FORMAT_OFFSET] != ROW_FORMAT_V1) {
                    RowHeader header;
                    TRY(row_header_read(record, entry->value_size, &header));
                    return err_new(SQLSTATE_DATA_CORRUPTED, "invalid row record header");
                }
                uint64_t xid = dec_u64le(record + ROW_HEADER_XID_OFFSET);
                uint64_t delete_xid = dec_u64le(record + ROW_HEADER_DELETE_XID_OFFSET);
                bool own_after_barrier = txn->barrier_on &&
                                         (xid == txn->xid || delete_xid == txn->xid);
                if (own_after_barrier) {
                    record = NULL;      /* command ids: txn_row_get resolves it (below) */
                } else if (xid_visible(snapshot, xid)) {
                    if (delete_xid != ROW_XID_NONE && xid_visible(snapshot, delete_xid)) {
                        continue;                              /* deleted for us */
                    }
                    scan->rows[count++] = (TxnScanRow){ .key = entry->key,
                                                        .key_size = entry->key_size,
                                                        .record = record,
                                                        .record_size = entry->value_size };
                    continue;
                }
            }
            BtBuf *buf = NULL;
            TRY(slow_buf(scan, slow_used, &buf));
            bool found = false;
            if (record != NULL) {
                TRY(vstore_find(vstore, root, entry->key, entry->key_size, snapshot, buf, &found));
            } else {
                TRY(txn_row_get(txn, scan->tree, entry->key, entry->key_size, buf, &found));
            }
            if (!found) continue;
            slow_used++;
            if (buf->size > UINT32_MAX) {
                return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "row of %zu bytes", buf->size);
            }
            scan->rows[count++] = (TxnScanRow){ .key = entry->key, .key_size = entry->key_size,
                                                .record = buf->data,
                                                .record_size = (uint32_t)buf->size };
        }
        if (count > 0) {
            *rows_out = scan->rows;
            *count_out = count;
            return NULL;
        }
    }
}

void txn_page_scan_prefetch(TxnPageScan *scan, uint32_t line_count)
{
    bt_leaf_scan_prefetch(scan->leaves, line_count);
}

void txn_page_scan_shape(const TxnPageScan *scan, BtRowShape *shape_out)
{
    if (scan->last_plain) {
        bt_leaf_scan_shape(scan->leaves, shape_out);
    } else {
        memset(shape_out, 0, sizeof *shape_out);    /* uniform false: unknown */
    }
}
