/* txn/txn.h: transactions, snapshots and MVCC row operations over B+ trees.
 *
 * A TxnManager per database hands out 64-bit transaction ids (never reused: it starts above
 * page 0's next xid and reserves ids in batches on page 0), keeps the table of active
 * transactions and builds snapshots from it. A Txn is used by one thread at a time.
 *
 * Visibility (snap_xid_visible): a version written by xid is visible to a snapshot iff xid is
 * the snapshot's own, or xid < xmax and xid was not active when the snapshot was taken. A
 * transaction that rolled back removed its versions before it left the active table, so "not
 * active and older than xmax" means committed. After a restart the table starts empty: every
 * xid on disk is older than the first new one and counts as committed (recovery undid losers
 * before open).
 *
 * Rows: a table is a B+ tree of (row key -> row record, storage/row.h). The newest version is
 * in the tree with its writer's xid in the header; an UPDATE first copies the old version into
 * the version store (vstore.h, keyed by (tree root, row key)), then overwrites; DELETE sets the
 * header's delete_xid in place (bt_patch); purge (txn_purge_run) later removes the row.
 *
 * Write-write conflicts: every writer first takes the lock manager's tuple lock on (tree, key)
 * (the queue), then, if the newest version's writer (or deleter) is another in-progress
 * transaction, waits for that xid (lock_wait_for_xid: 40P01 on deadlock, lock_timeout 55P03).
 * Then at REPEATABLE READ a newest version the snapshot does not see is 40001; at READ
 * COMMITTED a newest version other than the one the caller saw is returned to the caller as
 * TXN_ROW_CHANGED so the executor re-evaluates its WHERE clause and calls again.
 *
 * Rollback is logical: each change appends an undo entry (tree, key, old record) to the
 * transaction's in-memory list; rollback applies them newest first, each re-descending by key.
 * A savepoint is a mark in that list (and in the lock owner).
 *
 * WAL (TxnOptions.wal): each change's first mtr carries the transaction's xid, prev_lsn and
 * the encoded undo entry (txn/README-txn.md); commit appends COMMIT and waits for it to be
 * durable before the writes become visible; rollback appends ABORT, logs every undo step as a
 * CLR and appends END. Without a WAL (tests of this layer alone) commit is visible at once. */
#ifndef BIRCH_TXN_TXN_H
#define BIRCH_TXN_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/btree.h"
#include "storage/store.h"
#include "txn/ckpt.h"
#include "txn/lock.h"
#include "txn/wal.h"

typedef struct TxnManager TxnManager;
typedef struct Txn        Txn;
typedef struct TxnCursor  TxnCursor;
typedef struct VStore     VStore;

typedef enum TxnIsolation {
    TXN_READ_COMMITTED = 0,     /* the default: a fresh snapshot per statement */
    TXN_REPEATABLE_READ,        /* snapshot isolation: one snapshot per transaction */
    TXN_SERIALIZABLE,           /* refused with 0A000 until SSI exists */
} TxnIsolation;

enum {
    TXN_XID_FIRST = 2,              /* 0: none (ROW_XID_NONE / system work), 1: reserved */
    TXN_XID_RESERVE_BATCH = 4096,   /* ids reserved on page 0 ahead of use */
    TXN_ACTIVE_COUNT_MAX = 65536,   /* concurrent transactions per manager */
    TXN_UNDO_COUNT_MAX = 1 << 30,   /* undo entries per transaction */
};

typedef struct TxnOptions {
    size_t       vstore_memory_size;   /* version bytes kept in memory; 0: 64 MiB */
    size_t       vstore_size_max;      /* hard limit (memory + spilled); 0: 1 GiB */
    LockManager *locks;                /* NULL: the manager creates and owns one */
    int          purge_interval_ms;    /* > 0: run a background purge thread this often */
    Wal          *wal;                 /* NULL: no logging (staged commits, see above) */
    Checkpointer *ckpt;                /* with wal: gets the active-transaction and next-xid
                                        * callbacks while the manager is open */
    uint64_t      next_xid_min;        /* recovery's max xid + 1: the first id is >= it */
} TxnOptions;

/* Snapshot: which transactions' writes a reader sees. active[0, active_count) are sorted. */
typedef struct Snapshot {
    uint64_t  xmin;           /* every xid < xmin had ended when the snapshot was taken */
    uint64_t  xmax;           /* every xid >= xmax had not begun */
    uint64_t  own_xid;        /* the reader's own transaction (its writes are visible) */
    size_t    active_count;
    uint64_t *active;         /* xids active at snapshot time, xmin <= xid < xmax */
} Snapshot;

/* snap_xid_visible: is a version written (or deleted) by xid visible to snapshot? xid 0
 * (ROW_XID_NONE) is never visible (a caller checks delete_xid != 0 first). */
bool snap_xid_visible(const Snapshot *snapshot, uint64_t xid);

/* ------------------------------------------------------------ manager ---- */

/* txn_manager_open: the transaction manager of store. Reads the next xid from page 0 (and the
 * newest checkpoint slot), reserves TXN_XID_RESERVE_BATCH ids on page 0 through an mtr.
 * Errors: OUT_OF_MEMORY; errors of the page-0 mtr (READ_ONLY_SQL_TRANSACTION on a read-only
 * store is not an error: nothing is reserved and no transaction may write). */
Error *txn_manager_open(Store *store, const TxnOptions *options, TxnManager **manager_out);
/* txn_manager_close: stop purge, write the exact next xid to page 0 (an mtr), free the
 * manager. Pre: no active transaction, no open cursor. Returns the page-0 mtr's error. */
Error *txn_manager_close(TxnManager *manager);
/* txn_manager_abandon: free the manager and every transaction still active without undoing
 * or writing anything (a simulated crash: the caller then abandons the store / RecovDb and
 * recovery undoes the losers from the WAL). */
void         txn_manager_abandon(TxnManager *manager);
Store       *txn_manager_store(TxnManager *manager);
LockManager *txn_manager_locks(TxnManager *manager);
VStore      *txn_manager_vstore(TxnManager *manager);
/* txn_manager_next_xid: the xid the next txn_begin will get. */
uint64_t     txn_manager_next_xid(TxnManager *manager);
/* txn_manager_horizon: the oldest xmin of any registered snapshot (next xid if none): a
 * write or delete by a committed xid below it is visible to everyone. */
uint64_t     txn_manager_horizon(TxnManager *manager);
/* txn_manager_active_count: transactions begun and not yet ended. */
size_t       txn_manager_active_count(TxnManager *manager);
/* txn_xid_is_active: is xid a transaction that began and has not ended (committed or fully
 * rolled back)? */
bool         txn_xid_is_active(TxnManager *manager, uint64_t xid);

/* ------------------------------------------------------------ transactions ---- */

/* txn_begin: start a transaction: a fresh xid, its xid lock (lock_xid_begin), and a snapshot
 * (REPEATABLE READ: for the whole transaction; READ COMMITTED: for the first statement).
 * Errors: FEATURE_NOT_SUPPORTED (0A000) for SERIALIZABLE; CONFIGURATION_LIMIT_EXCEEDED when
 * TXN_ACTIVE_COUNT_MAX transactions are active; OUT_OF_MEMORY; page-0 reservation errors. */
Error *txn_begin(TxnManager *manager, TxnIsolation isolation, Txn **txn_out);
/* txn_statement_begin: a statement starts: READ COMMITTED takes a fresh snapshot (and clears
 * a pending lock_interrupt); REPEATABLE READ keeps its own. Errors: OUT_OF_MEMORY. */
Error *txn_statement_begin(Txn *txn);
/* snapshot timing (txn): txn_snapshot_retake: take txn's snapshot again, now. PostgreSQL takes
 * a REPEATABLE READ snapshot at the first statement that needs one (not at BEGIN, SAVEPOINT or
 * LOCK TABLE): the executor calls this there when the Txn began earlier. Pre: txn has read
 * nothing through its snapshot. Errors: ACTIVE_SQL_TRANSACTION (25001) if txn wrote already;
 * OUT_OF_MEMORY (the old snapshot stays). */
Error *txn_snapshot_retake(Txn *txn);
/* txn_commit: make the transaction's writes visible to later snapshots, release its locks
 * and free it. With a WAL and something logged: append COMMIT, wait until it is durable
 * (wal_commit_wait, group commit), and only then leave the active table. Without a WAL the
 * commit is visible at once (not durable until the pages are).
 * Errors: the WAL's (58030 ...): if COMMIT could not be appended the transaction is rolled
 * back; if its flush failed, recovery decides (the Wal refuses everything until reopened).
 * The transaction is freed in every case. */
Error *txn_commit(Txn *txn);
/* txn_rollback: undo every change newest first, release locks, free the transaction. With a
 * WAL: ABORT, one CLR per undo step, END.
 * Errors: those of an undo step or the WAL (the transaction is still freed; the database must
 * be treated as failed: recovery finishes the undo on the next open). */
Error *txn_rollback(Txn *txn);

uint64_t        txn_xid(const Txn *txn);
TxnIsolation    txn_isolation(const Txn *txn);
TxnManager     *txn_manager(const Txn *txn);
LockOwner      *txn_lock_owner(Txn *txn);
/* txn_snapshot: the snapshot reads use now. Valid until the next txn_statement_begin. */
const Snapshot *txn_snapshot(const Txn *txn);
/* txn_undo_count: undo entries recorded so far (tests, savepoint marks). */
size_t          txn_undo_count(const Txn *txn);

/* Savepoints: a mark in the undo list and in the lock owner. */
typedef struct TxnSavepoint {
    size_t   undo_count;
    LockMark lock_mark;
    uint64_t xid;            /* the transaction that took it (checked on use) */
} TxnSavepoint;
void   txn_savepoint(Txn *txn, TxnSavepoint *savepoint_out);
/* txn_rollback_to: undo, newest first, every change made after savepoint, and release the
 * locks taken after it (not the xid lock). The savepoint stays valid (PostgreSQL's ROLLBACK
 * TO keeps it). Errors: INVALID_TRANSACTION_STATE if savepoint belongs to another transaction
 * or is ahead of the undo list; undo errors. */
Error *txn_rollback_to(Txn *txn, const TxnSavepoint *savepoint);

/* ------------------------------------------------------------ command ids ---- */
/* A command of a transaction is named by the position in its undo list where it began (plus
 * the count of ROLLBACK TOs so far, so a savepoint rollback that truncated the list below the
 * position still hides what was written after it). A reader with a barrier installed
 * (txn_read_barrier_set) sees the transaction's own writes made before the barrier's command
 * and none made at or after it, as PostgreSQL's command ids do: a row the transaction itself
 * inserted after the barrier is absent, one it updated or deleted after it reads as it was
 * (the before-image kept in the undo entry). Without a barrier (the default) every own write
 * is visible at once, with no cost at all. The first read under a barrier that meets an own
 * write builds a per-transaction index of the undo entries at or after the barrier (later
 * reads extend it with newer entries only); see txn/README.md "Command ids". */
typedef struct TxnBarrier {
    size_t   undo_pos;        /* undo entries [0, undo_pos) are visible */
    uint64_t rollback_seq;    /* ROLLBACK TOs done when it was taken */
} TxnBarrier;
/* txn_barrier_now: the barrier of a command starting now. */
TxnBarrier txn_barrier_now(const Txn *txn);
/* txn_read_barrier_set: readers of txn (txn_row_get*, cursors, page scans, index visibility,
 * and the self-modified check of update/delete) use barrier from now on; NULL: none. */
void txn_read_barrier_set(Txn *txn, const TxnBarrier *barrier);
/* txn_read_barrier_get: the barrier installed (true) or none (false). */
bool txn_read_barrier_get(const Txn *txn, TxnBarrier *barrier_out);

/* ------------------------------------------------------------ rows ---- */

/* How a write ended; TXN_ROW_DONE is the only one that changed anything. */
typedef enum TxnRowOutcome {
    TXN_ROW_DONE = 0,
    TXN_ROW_CHANGED,    /* READ COMMITTED: a concurrent committed write replaced the version the
                         * caller saw: result->record holds the newest version, result->xid its
                         * writer; re-check the WHERE clause on it and call again with it */
    TXN_ROW_GONE,       /* the row was deleted (or never existed): nothing to do */
} TxnRowOutcome;

typedef struct TxnRowResult {
    TxnRowOutcome outcome;
    BtBuf         record;    /* CHANGED: the newest version; caller frees (bt_buf_free) */
    uint64_t      xid;       /* CHANGED: its writer */
} TxnRowResult;

/* txn_row_get: the version of key visible to txn's snapshot, copied into record_out (a full
 * row record; its header holds the writer xid to pass as seen_xid to a later write).
 * *found_out false if no version is visible (absent, deleted, or inserted after the snapshot).
 * record_out's capacity is reused (no allocation once it is large enough), so keep one BtBuf
 * across calls; when *found_out is false or on error its content is unspecified.
 * Errors: SNAPSHOT_TOO_OLD (72000) "snapshot too old" if the version needed was dropped by the
 * version store's hard limit; DATA_CORRUPTED for a bad record header; tree errors. */
Error *txn_row_get(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                   BtBuf *record_out, bool *found_out);

/* txn_row_get_point: txn_row_get's contract (same answer, same errors), for a point lookup on
 * a hot path: the descent is the cursor's (storage/btree_cursor.c), which starts each page's
 * search at the slot the parent's separators predict for key. The version store is consulted
 * exactly as txn_row_get does (only when the newest version's writer is invisible). */
Error *txn_row_get_point(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                         BtBuf *record_out, bool *found_out);

/* txn_row_insert: insert (key, record) written by txn (the header's xid and delete_xid are
 * set here; the caller's bytes are not changed). If key holds a version of an in-progress
 * transaction, waits for it. A delete-marked row whose deleter committed (or is txn) is
 * replaced (its version kept in the version store for older snapshots).
 * Pre:    record_size >= ROW_HEADER_SIZE (a row_encode'd record).
 * Errors: UNIQUE_VIOLATION (23505) if a live row has key; lock errors (40P01, 55P03, 57014);
 *         tree errors. On error nothing changed. */
Error *txn_row_insert(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                      const uint8_t *record, size_t record_size);

/* txn_row_update: replace the row's newest version by record (header set here).
 * seen_xid: the writer xid of the version the caller evaluated (row header of what
 * txn_row_get / the cursor returned); 0 means "whatever is newest" (no re-check).
 * Post:   DONE: the tree holds record; result->record is empty.
 *         CHANGED (READ COMMITTED only): nothing written; see TxnRowOutcome.
 *         GONE: nothing written; the row was deleted by a committed (or this) transaction,
 *         or (command ids) a read barrier is installed and txn already changed the row at or
 *         after it (PostgreSQL ignores such a "self-modified" row).
 * Errors: SERIALIZATION_FAILURE (40001) "could not serialize access due to concurrent update"
 *         at REPEATABLE READ when the newest version (or delete) was committed after the
 *         snapshot; lock errors; tree errors. result->record is empty on error. */
Error *txn_row_update(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                      uint64_t seen_xid, const uint8_t *record, size_t record_size,
                      TxnRowResult *result_out);
/* txn_row_delete: set the row's delete mark to txn's xid. Outcomes and errors as
 * txn_row_update ("could not serialize access due to concurrent delete" for a delete). */
Error *txn_row_delete(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                      uint64_t seen_xid, TxnRowResult *result_out);
/* txn_row_lock: SELECT ... FOR UPDATE / FOR SHARE: take the lock manager's tuple lock on
 * (tree, key) in mode, held to transaction end (or ROLLBACK TO an earlier savepoint), then wait
 * for an in-progress writer of the row. Outcomes and errors as txn_row_update; with
 * LOCK_WAIT_NOWAIT 55P03 if the tuple lock or the writer is busy; with LOCK_WAIT_SKIP
 * *acquired_out false (nothing held) when it would wait. FOR NO KEY UPDATE is taken as FOR
 * UPDATE (writers take NO KEY UPDATE for the duration of one write and release it). */
Error *txn_row_lock(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                    uint64_t seen_xid, LockRowMode mode, LockWaitPolicy policy,
                    bool *acquired_out, TxnRowResult *result_out);
void   txn_row_result_free(TxnRowResult *result);

/* Visibility-filtering scan of [lo, hi) (NULL/0: unbounded) in key order. */
Error *txn_cursor_open(Txn *txn, BTree *tree, const uint8_t *lo, size_t lo_size,
                       const uint8_t *hi, size_t hi_size, TxnCursor **cursor_out);
/* txn_cursor_next: move to the next row visible to txn's snapshot (the first one on the first
 * call); *found_out false at the end. Errors as txn_row_get. */
Error *txn_cursor_next(TxnCursor *cursor, bool *found_out);
/* txn_cursor_key / txn_cursor_record: the current row; valid until the next call. */
const uint8_t *txn_cursor_key(const TxnCursor *cursor, size_t *key_size_out);
const uint8_t *txn_cursor_record(const TxnCursor *cursor, size_t *record_size_out);
void   txn_cursor_close(TxnCursor *cursor);

/* ------------------------------------------------------------ secondary indexes ---- */
/* An index entry is (key = index columns + row key, value = a 20-byte row header with no
 * columns: xid of the inserter, delete_xid of the marker). */

/* txn_index_insert: add entry key written by txn. unique_prefix_size > 0 makes the first
 * unique_prefix_size bytes of key (the index columns, encoded) unique: another entry with the
 * same prefix that is live or whose writer/deleter is in progress (waited for, then
 * re-checked) is UNIQUE_VIOLATION (23505). Re-inserting an entry this key already has
 * (an UPDATE back to an old value) clears its delete mark.
 * Errors: UNIQUE_VIOLATION; lock errors; tree errors. */
Error *txn_index_insert(Txn *txn, BTree *index, const uint8_t *key, size_t key_size,
                        size_t unique_prefix_size);
/* txn_index_mark: delete-mark entry key (an UPDATE of indexed columns or a DELETE). Absent:
 * no-op. Errors: tree errors. */
Error *txn_index_mark(Txn *txn, BTree *index, const uint8_t *key, size_t key_size);
/* txn_index_entry_visible: could the entry be visible to txn's snapshot? (its inserter visible
 * and its mark not). The executor then fetches the row with txn_row_get and re-checks that
 * the row's indexed columns still equal the entry's key (txn_index_recheck). */
Error *txn_index_entry_visible(Txn *txn, const uint8_t *value, size_t value_size,
                               bool *visible_out);
/* txn_index_recheck: fetch the row version visible to txn for table key row_key into
 * record_out and let match (the executor's comparison of indexed columns with the entry's
 * key) decide; *visible_out true iff a version is visible and match returned true. */
typedef bool TxnIndexMatchFn(void *ctx, const uint8_t *record, size_t record_size);
Error *txn_index_recheck(Txn *txn, BTree *table, const uint8_t *row_key, size_t row_key_size,
                         TxnIndexMatchFn *match, void *ctx, BtBuf *record_out,
                         bool *visible_out);

/* ------------------------------------------------------------ WAL hooks ---- */

/* txn_recov_undo: the RecovUndoFn (recov.h) that recovery and recov_rollback call: apply the
 * logical undo payload of record (one encoded undo entry) to the tree it names, opening it by
 * root in store. Idempotent: an insert already undone, a restore already applied, a mark
 * already cleared are no-ops. ctx is unused (pass NULL).
 * Errors: DATA_CORRUPTED for a payload that does not decode; tree errors. */
Error   *txn_recov_undo(void *ctx, Store *store, const WalRecord *record);
/* txn_ckpt_active_txns / txn_ckpt_next_xid: the checkpoint callbacks (ckpt.h), ctx = the
 * TxnManager; installed by txn_manager_open when TxnOptions.ckpt is set. The next xid reported
 * is the reserved one (every id below it may be in use). */
size_t   txn_ckpt_active_txns(void *ctx, CkptTxn *txns_out, size_t count_max);
uint64_t txn_ckpt_next_xid(void *ctx);

/* ------------------------------------------------------------ purge ---- */

/* txn_manager_register_tree: let purge visit tree (a table or an index; both hold records
 * whose first bytes are a row header). The handle must stay open until unregistered or the
 * manager closes. Errors: OUT_OF_MEMORY. */
Error *txn_manager_register_tree(TxnManager *manager, BTree *tree);
void   txn_manager_unregister_tree(TxnManager *manager, BTree *tree);

typedef struct TxnPurgeStats {
    uint64_t rows_removed;        /* delete-marked rows / index entries removed */
    uint64_t versions_pruned;     /* version-store entries dropped */
} TxnPurgeStats;
/* txn_purge_run: one synchronous purge pass (VACUUM): remove from every registered tree the
 * delete-marked records whose deleter committed before every snapshot's xmin, and prune the
 * version store. Redo-only system work: its mtrs carry no transaction (xid 0). A row whose
 * tuple lock is busy is skipped (the next pass gets it). Errors: tree errors. */
Error *txn_purge_run(TxnManager *manager, TxnPurgeStats *stats_out);

/* ---- added by perf: page-at-a-time visibility scans (txn_scan.c) ---- */
/* A TxnPageScan returns, leaf page by leaf page in key order, the row versions of [lo, hi)
 * visible to txn's snapshot: the same rows txn_cursor_next would, decided with a fast path for
 * versions whose writer the snapshot sees and that carry no delete mark (returned in place from
 * the page copy), and the exact path (delete marks, the version store, overflow values through
 * txn_row_get) for the rest. (scanpath:) a leaf whose every entry storage found plain below the
 * snapshot's xmin (bt_leaf_scan_next_plain) is returned with no per-row work here. */
typedef struct TxnPageScan TxnPageScan;
/* TxnScanRow (scanpath): storage's BtLeafEntry, read through its record names: key, key_size,
 * record (a full row record, storage/row.h) and record_size; so a leaf whose entries are all
 * visible is handed out as storage returned it. */
typedef BtLeafEntry TxnScanRow;
/* txn_page_scan_open: a scan of tree's [lo, hi) (NULL/0: unbounded) for txn. It reads the
 * snapshot txn uses at each page (so it must not outlive the statement). Errors: as
 * bt_leaf_scan_open. */
Error *txn_page_scan_open(Txn *txn, BTree *tree, const uint8_t *lo, size_t lo_size,
                          const uint8_t *hi, size_t hi_size, TxnPageScan **scan_out);
/* txn_page_scan_next: the visible rows of the next leaf that has some (*count_out > 0), or
 * *count_out 0 at the end; rows and the bytes they point to stay valid until the next call.
 * Errors: as txn_row_get (72000 snapshot too old, DATA_CORRUPTED for a bad header) and
 * bt_leaf_scan_next. */
Error *txn_page_scan_next(TxnPageScan *scan, const TxnScanRow **rows_out, size_t *count_out);
/* txn_page_scan_shape (scanpath, session 6): the record shape (storage's BtRowShape) of the rows
 * the last txn_page_scan_next returned, when they are a leaf's entries handed out as they are;
 * else shape_out->uniform is false. Any subset of those rows has the shape too. */
void   txn_page_scan_shape(const TxnPageScan *scan, BtRowShape *shape_out);
/* txn_page_scan_prefetch (session 10): bt_leaf_scan_prefetch on the scan's leaves: call it
 * between steps of the work on the rows of the last txn_page_scan_next (a hint only). */
void   txn_page_scan_prefetch(TxnPageScan *scan, uint32_t line_count);
void   txn_page_scan_close(TxnPageScan *scan);
/* ---- end of perf's block ---- */

#endif
