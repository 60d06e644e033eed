/* txn/txn_int.h: internals shared by txn.c, txn_row.c, txn_cmd.c and purge.c (and their tests). */
#ifndef BIRCH_TXN_TXN_INT_H
#define BIRCH_TXN_TXN_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdatomic.h>

#include "txn/lock.h"
#include "txn/txn.h"
#include "txn/wal.h"
#include "txn/vstore.h"

/* A logical undo entry: what rollback does to (tree, key), re-descending by key. */
typedef enum UndoKind {
    UNDO_INSERT = 1,    /* delete key */
    UNDO_RESTORE,       /* put record back (bt_update; bt_insert if the key vanished) */
    UNDO_UNMARK,        /* clear the delete mark */
} UndoKind;

/* Undo entries live on a per-transaction stack of pooled blocks (txn.c "undo"): each entry is
 * this 16-byte header, then (UNDO_FLAG_WIDE_TREE) the tree pointer, (UNDO_FLAG_RECORD) a u32
 * record size, then its key and (UNDO_RESTORE) record bytes, 4-aligned, appended to the newest
 * block; a row costs no malloc, and a small entry keeps the fresh memory a large transaction
 * touches (and faults in) small: an INSERT of an integer key takes 28 bytes (session 8; 48
 * before). The tree is a one-byte index into the transaction's small table of trees
 * (Txn.undo_trees) unless that table is full (then the pointer follows the header).
 * Entries are only pushed and popped at the top (rollback, savepoint rollback, a change that
 * did not happen), so a block is a bump region rewound on pop.
 * Invariants:
 * 1. Every block on the stack holds at least one entry; block->last is its newest entry.
 * 2. undo_top is the newest entry of the newest block (NULL iff undo_count == 0).
 * 3. An entry with prev_gap > 0 has the next older entry prev_gap bytes before it in the same
 *    block; prev_gap == 0 marks the first entry of its block (the next older one is the
 *    previous block's last).
 * 4. An entry without UNDO_FLAG_WIDE_TREE names undo_trees[tree_idx], which never changes
 *    while the transaction lives (the table only grows). */
enum {
    UNDO_FLAG_KIND_MASK = 0x03,    /* UndoKind */
    UNDO_FLAG_RECORD = 0x04,       /* a record (possibly empty) follows the key */
    UNDO_FLAG_WIDE_TREE = 0x08,    /* the BTree pointer follows the header */
    UNDO_TREE_SLOTS = 8,           /* Txn.undo_trees */
};

typedef struct UndoEntry {
    uint32_t lsn_lo;        /* lsn_before: the transaction's last LSN before the change: */
    uint32_t lsn_hi;        /* the undo_next_lsn of the CLR that undoes it */
    uint32_t prev_gap;      /* invariant 3 */
    uint16_t key_size;
    uint8_t  flags;         /* UNDO_FLAG_* */
    uint8_t  tree_idx;      /* invariant 4 */
} UndoEntry;

static inline UndoKind undo_kind(const UndoEntry *entry)
{
    return (UndoKind)(entry->flags & UNDO_FLAG_KIND_MASK);
}

static inline uint64_t undo_lsn_before(const UndoEntry *entry)
{
    return (uint64_t)entry->lsn_hi << 32 | entry->lsn_lo;
}

static inline const uint8_t *undo_tail(const UndoEntry *entry)
{
    size_t tree_size = (entry->flags & UNDO_FLAG_WIDE_TREE) ? sizeof(void *) : 0;
    return (const uint8_t *)(entry + 1) + tree_size;
}

static inline size_t undo_record_size(const UndoEntry *entry)
{
    if (!(entry->flags & UNDO_FLAG_RECORD)) return 0;
    uint32_t size;
    memcpy(&size, undo_tail(entry), sizeof size);
    return size;
}

static inline const uint8_t *undo_key(const UndoEntry *entry)
{
    return undo_tail(entry) + ((entry->flags & UNDO_FLAG_RECORD) ? sizeof(uint32_t) : 0);
}

static inline const uint8_t *undo_record(const UndoEntry *entry)
{
    return (entry->flags & UNDO_FLAG_RECORD) ? undo_key(entry) + entry->key_size : NULL;
}

typedef struct UndoBlock UndoBlock;
struct UndoBlock {
    UndoBlock *prev;         /* the next older block */
    UndoEntry *last;         /* its newest entry */
    size_t     used;         /* bytes of data in use (entries are 4-aligned) */
    size_t     capacity;     /* bytes of data */
    uint8_t    data[];
};

enum {
    UNDO_BLOCK_SIZE_MIN = 4096,              /* the first block of a transaction */
    UNDO_BLOCK_HUGE = 2 * 1024 * 1024,       /* blocks this large are huge-page aligned */
    UNDO_BLOCK_SIZE_MAX = 8 * 1024 * 1024,   /* blocks double up to this (a larger entry gets
                                              * a block of its own size) */
};

/* TxnLog: the WAL binding of one storage call (txn_log_begin .. txn_log_end). */
enum { TXN_LOG_PAYLOAD_INLINE_SIZE = 128 };

typedef struct TxnLog {
    WalMtrInfo info;
    uint64_t   last_lsn;
    uint8_t   *payload;       /* payload_inline or a heap buffer */
    bool       bound;
    WalMtrInfo *outer;
    uint8_t    payload_inline[TXN_LOG_PAYLOAD_INLINE_SIZE];
} TxnLog;

struct Txn {
    TxnManager  *manager;
    uint64_t     xid;
    TxnIsolation isolation;
    Snapshot     snapshot;
    size_t       snapshot_capacity;   /* of snapshot.active */
    uint64_t     snap_xmin;           /* registered: the xmin of the snapshot in use */
    uint64_t     snapshot_gen;        /* manager->snapshot_gen when the snapshot was taken */
    size_t       active_idx;          /* position in manager->active */
    LockOwner   *owner;
    UndoEntry   *undo_top;           /* the newest undo entry, NULL when none */
    UndoBlock   *undo_block;         /* the newest block of the undo stack */
    UndoBlock   *undo_spare;         /* an emptied block kept for the next push, or NULL */
    size_t       undo_count;
    BTree       *undo_trees[UNDO_TREE_SLOTS];   /* UndoEntry.tree_idx names one */
    uint8_t      undo_tree_count;
    /* command ids (txn_cmd.c): the read barrier installed, if any; the lowest undo_count a
     * pop left behind since the own-change index was last brought up to date (SIZE_MAX:
     * none); ROLLBACK TOs so far and a stack of their truncation points (seq, undo count),
     * both increasing bottom to top (suffix minima: see barrier_pos); the lazily built index */
    bool         barrier_on;
    TxnBarrier   barrier;
    size_t       undo_pop_low;
    uint64_t     rollback_seq;
    TxnBarrier  *rollback_floors;     /* {undo count kept, seq of that ROLLBACK TO} */
    size_t       rollback_floor_count;
    size_t       rollback_floor_capacity;
    struct OwnIndex *own_index;
    _Atomic uint64_t first_lsn;       /* WAL: a lower bound of its first record (0: none) */
    _Atomic uint64_t last_lsn;        /* WAL: its newest record (0: none) */
};

/* undo_tree: the tree entry (an entry of txn's undo stack) changes. */
static inline BTree *undo_tree(const Txn *txn, const UndoEntry *entry)
{
    if (!(entry->flags & UNDO_FLAG_WIDE_TREE)) return txn->undo_trees[entry->tree_idx];
    BTree *tree;
    memcpy(&tree, entry + 1, sizeof tree);
    return tree;
}

struct TxnManager {
    Store          *store;
    LockManager    *locks;
    bool            owns_locks;
    VStore         *vstore;
    Wal            *wal;              /* NULL: staged, no logging */
    Checkpointer   *ckpt;
    bool            read_only;
    pthread_mutex_t mutex;            /* guards next_xid, reserved_xid, active, trees */
    pthread_mutex_t reserve_mutex;    /* one page-0 xid reservation at a time */
    uint64_t        next_xid;
    /* bumped (under mutex) whenever next_xid or the active table changes: a snapshot taken
     * at the same value is the snapshot that would be taken now (txn_statement_begin) */
    _Atomic uint64_t snapshot_gen;
    uint64_t        reserved_xid;     /* page 0 holds this: ids below it may be in use */
    Txn           **active;
    size_t          active_count;
    size_t          active_capacity;
    BTree         **trees;            /* registered for purge */
    size_t          tree_count;
    size_t          tree_capacity;
    pthread_mutex_t purge_mutex;      /* one purge pass at a time; guards tree removal */
    LockOwner      *purge_owner;
    pthread_t       purge_thread;
    bool            purge_running;
    bool            purge_stop;
    int             purge_interval_ms;
    pthread_cond_t  purge_cond;
    /* writepath (purge skip, purge.c): bumped after a delete mark may have appeared in a
     * registered tree (txn_row.c marks, rollback restores, tree registration); the background
     * pass skips the scan while it equals purge_epoch_clean (under purge_mutex: the epoch
     * read before the last pass that left no mark behind). purge_tree_scans counts tree scans
     * and purge_passes finished passes, skipped or not (tests). */
    _Atomic uint64_t purge_epoch;
    uint64_t         purge_epoch_clean;
    _Atomic uint64_t purge_tree_scans;
    _Atomic uint64_t purge_passes;
};

/* txn_undo_push: append an undo entry (key and record copied into the undo stack). Errors:
 * OUT_OF_MEMORY, PROGRAM_LIMIT_EXCEEDED (TXN_UNDO_COUNT_MAX entries, a key over UINT16_MAX
 * bytes, a record over 1 GiB). */
Error *txn_undo_push(Txn *txn, UndoKind kind, BTree *tree, const uint8_t *key, size_t key_size,
                     const uint8_t *record, size_t record_size);
/* txn_undo_pop: drop the newest undo entry (its change was undone or never happened). Pre:
 * undo_count > 0. */
void   txn_undo_pop(Txn *txn);
/* txn_log_begin: before a bt_ call that changes a tree for txn: check WAL space (53400,
 * 53100, 58030) and bind the thread's WalMtrInfo (xid, the prev_lsn chain, and, if with_undo,
 * the encoded newest undo entry as the logical-undo payload). txn_log_end unbinds and
 * publishes the new last LSN. Without a WAL both do nothing. */
Error *txn_log_begin(Txn *txn, TxnLog *log, bool with_undo);
void   txn_log_end(Txn *txn, TxnLog *log);
/* txn_wait_for_xid: wait until xid ends (lock manager). *acquired_out false only for SKIP. */
Error *txn_wait_for_xid(Txn *txn, uint64_t xid, LockWaitPolicy policy, bool *acquired_out);
/* purge_start / purge_stop: the background purge thread (purge.c). */
Error *purge_start(TxnManager *manager);
void   purge_stop(TxnManager *manager);
/* purge_note_mark: a delete mark may now be in a registered tree (call AFTER the tree change):
 * the next background pass scans again. */
static inline void purge_note_mark(TxnManager *manager)
{
    atomic_fetch_add_explicit(&manager->purge_epoch, 1, memory_order_release);
}

/* command ids (txn_cmd.c). txn_barrier_resolve: under txn's barrier, the version of (tree,
 * key) visible to txn when the newest version (newest, newest_size) was written or
 * delete-marked by txn itself: *handled_out false if txn changed the key only before the
 * barrier (the ordinary rules apply); else *found_out and out (which may share memory with
 * newest) hold the answer, taken from the before-image of txn's earliest change at or after
 * the barrier. txn_barrier_touched: did txn change (tree, key) at or after the barrier?
 * txn_barrier_rolled_back: record a ROLLBACK TO that kept undo_count entries.
 * txn_barrier_free: release the index (transaction end). Errors: OUT_OF_MEMORY, vstore_find's. */
Error *txn_barrier_resolve(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                           const uint8_t *newest, size_t newest_size, BtBuf *out,
                           bool *handled_out, bool *found_out);
Error *txn_barrier_touched(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                           bool *touched_out);
Error *txn_barrier_rolled_back(Txn *txn, size_t undo_count);
void   txn_barrier_free(Txn *txn);

enum { TXN_PURGE_XID = 1 };   /* the lock-owner id of purge (never a transaction's) */

#endif
