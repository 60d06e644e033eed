/* txn/txn.c: the transaction manager: xids, the active-transaction table, snapshots,
 * begin/commit/rollback, savepoints and the logical undo list.
 *
 * The table is an array of active Txn pointers under one short mutex (held for a copy of the
 * xids at snapshot time and for insert/remove at begin/end, never across a statement). Xids
 * are handed out under the same mutex, so a snapshot's xmax and active list are consistent.
 * Ids are reserved on page 0 in batches (TXN_XID_RESERVE_BATCH) through an mtr, so once the
 * WAL logs page 0's redo a crash can never hand out an id that is already on disk. */
#include "txn/txn_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "storage/mtr.h"
#include "storage/row.h"

/* ------------------------------------------------------------ snapshots ---- */

bool snap_xid_visible(const Snapshot *snapshot, uint64_t xid)
{
    if (xid == ROW_XID_NONE) return false;
    if (xid == snapshot->own_xid) return true;
    if (xid >= snapshot->xmax) return false;
    if (xid < snapshot->xmin) return true;
    size_t lo = 0;
    size_t hi = snapshot->active_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (snapshot->active[mid] == xid) return false;
        if (snapshot->active[mid] < xid) lo = mid + 1;
        else hi = mid;
    }
    return true;
}

static int xid_compare(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Take a snapshot for txn and register its xmin. Pre: manager->mutex held. */
static Error *snapshot_take_locked(Txn *txn)
{
    TxnManager *manager = txn->manager;
    if (txn->snapshot_capacity < manager->active_count) {
        size_t capacity = manager->active_count * 2;
        uint64_t *active = realloc(txn->snapshot.active, capacity * sizeof *active);
        if (active == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        txn->snapshot.active = active;
        txn->snapshot_capacity = capacity;
    }
    size_t count = 0;
    for (size_t txn_idx = 0; txn_idx < manager->active_count; txn_idx++) {
        uint64_t xid = manager->active[txn_idx]->xid;
        if (xid != txn->xid) txn->snapshot.active[count++] = xid;
    }
    qsort(txn->snapshot.active, count, sizeof(uint64_t), xid_compare);
    txn->snapshot.active_count = count;
    txn->snapshot.xmax = manager->next_xid;
    txn->snapshot.own_xid = txn->xid;
    uint64_t xmin = count > 0 ? txn->snapshot.active[0] : manager->next_xid;
    if (txn->xid < xmin) xmin = txn->xid;
    txn->snapshot.xmin = xmin;
    txn->snap_xmin = xmin;
    txn->snapshot_gen = atomic_load(&manager->snapshot_gen);
    return NULL;
}

static uint64_t horizon_locked(const TxnManager *manager)
{
    uint64_t horizon = manager->next_xid;
    for (size_t txn_idx = 0; txn_idx < manager->active_count; txn_idx++) {
        if (manager->active[txn_idx]->snap_xmin < horizon) {
            horizon = manager->active[txn_idx]->snap_xmin;
        }
    }
    return horizon;
}

/* ------------------------------------------------------------ manager ---- */

/* Write reserved_xid to page 0 (an mtr: logged by the WAL like any page change) and publish
 * it. Never called with manager->mutex held: the mtr's sink takes the WAL's insert mutex, and
 * a checkpoint calls txn_ckpt_active_txns (our mutex) from inside the WAL's work. */
static Error *reserve_xids(TxnManager *manager, uint64_t reserved_xid)
{
    pthread_mutex_lock(&manager->reserve_mutex);
    pthread_mutex_lock(&manager->mutex);
    bool needed = manager->reserved_xid < reserved_xid;
    pthread_mutex_unlock(&manager->mutex);
    Error *err = NULL;
    if (needed) {
        Mtr mtr;
        mtr_begin(&mtr, manager->store);
        store_set_next_xid(&mtr, reserved_xid);
        err = mtr_commit(&mtr);
    }
    if (needed && err == NULL) {
        pthread_mutex_lock(&manager->mutex);
        manager->reserved_xid = reserved_xid;
        pthread_mutex_unlock(&manager->mutex);
    }
    pthread_mutex_unlock(&manager->reserve_mutex);
    return err;
}

static Error *manager_first_xid(TxnManager *manager, uint64_t next_xid_min)
{
    StoreInfo info = store_info(manager->store);
    uint64_t next_xid = info.next_xid > TXN_XID_FIRST ? info.next_xid : TXN_XID_FIRST;
    StoreCheckpoint checkpoint;
    bool found = false;
    TRY(store_read_checkpoint(manager->store, &checkpoint, &found));
    if (found && checkpoint.next_xid > next_xid) next_xid = checkpoint.next_xid;
    if (next_xid < next_xid_min) next_xid = next_xid_min;
    manager->next_xid = next_xid;
    manager->reserved_xid = next_xid;
    if (manager->read_only) return NULL;
    return reserve_xids(manager, next_xid + TXN_XID_RESERVE_BATCH);
}

static void manager_free(TxnManager *manager)
{
    if (manager->purge_owner != NULL) lock_owner_destroy(manager->purge_owner);
    if (manager->owns_locks) lock_manager_destroy(manager->locks);
    vstore_destroy(manager->vstore);
    pthread_mutex_destroy(&manager->mutex);
    pthread_mutex_destroy(&manager->reserve_mutex);
    pthread_mutex_destroy(&manager->purge_mutex);
    pthread_cond_destroy(&manager->purge_cond);
    free(manager->active);
    free(manager->trees);
    free(manager);
}

Error *txn_manager_open(Store *store, const TxnOptions *options, TxnManager **manager_out)
{
    TxnOptions defaults = {0};
    if (options == NULL) options = &defaults;
    TxnManager *manager = calloc(1, sizeof *manager);
    if (manager == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    atomic_init(&manager->snapshot_gen, 0);
    manager->store = store;
    manager->read_only = store_is_read_only(store);
    pthread_mutex_init(&manager->mutex, NULL);
    pthread_mutex_init(&manager->reserve_mutex, NULL);
    pthread_mutex_init(&manager->purge_mutex, NULL);
    manager->wal = options->wal;
    manager->ckpt = options->wal != NULL ? options->ckpt : NULL;
    pthread_cond_init(&manager->purge_cond, NULL);
    manager->purge_interval_ms = options->purge_interval_ms;
    Error *err = NULL;
    if (options->locks != NULL) {
        manager->locks = options->locks;
    } else {
        err = lock_manager_create(&manager->locks);
        manager->owns_locks = err == NULL;
    }
    if (err == NULL) {
        err = vstore_create(options->vstore_memory_size, options->vstore_size_max,
                            &manager->vstore);
    }
    if (err == NULL) err = lock_owner_create(manager->locks, TXN_PURGE_XID, &manager->purge_owner);
    if (err == NULL) err = manager_first_xid(manager, options->next_xid_min);
    if (err == NULL && options->purge_interval_ms > 0) err = purge_start(manager);
    if (err != NULL) {
        manager_free(manager);
        return err;
    }
    if (manager->ckpt != NULL) {
        ckpt_set_active_txn_fn(manager->ckpt, txn_ckpt_active_txns, manager);
        ckpt_set_next_xid_fn(manager->ckpt, txn_ckpt_next_xid, manager);
    }
    *manager_out = manager;
    return NULL;
}

Error *txn_manager_close(TxnManager *manager)
{
    if (manager == NULL) return NULL;
    purge_stop(manager);
    VERIFY(manager->active_count == 0);
    if (manager->ckpt != NULL) {
        ckpt_set_active_txn_fn(manager->ckpt, NULL, NULL);
        ckpt_set_next_xid_fn(manager->ckpt, NULL, NULL);
    }
    Error *err = NULL;
    if (!manager->read_only) {
        Mtr mtr;
        mtr_begin(&mtr, manager->store);
        store_set_next_xid(&mtr, manager->next_xid);
        err = mtr_commit(&mtr);
    }
    manager_free(manager);
    return err;
}

static void txn_free(Txn *txn);

void txn_manager_abandon(TxnManager *manager)
{
    if (manager == NULL) return;
    purge_stop(manager);
    while (manager->active_count > 0) {
        Txn *txn = manager->active[--manager->active_count];
        lock_release_all(txn->owner);
        txn_free(txn);
    }
    if (manager->ckpt != NULL) {
        ckpt_set_active_txn_fn(manager->ckpt, NULL, NULL);
        ckpt_set_next_xid_fn(manager->ckpt, NULL, NULL);
    }
    manager_free(manager);
}

Store *txn_manager_store(TxnManager *manager) { return manager->store; }
LockManager *txn_manager_locks(TxnManager *manager) { return manager->locks; }
VStore *txn_manager_vstore(TxnManager *manager) { return manager->vstore; }

uint64_t txn_manager_next_xid(TxnManager *manager)
{
    pthread_mutex_lock(&manager->mutex);
    uint64_t next_xid = manager->next_xid;
    pthread_mutex_unlock(&manager->mutex);
    return next_xid;
}

uint64_t txn_manager_horizon(TxnManager *manager)
{
    pthread_mutex_lock(&manager->mutex);
    uint64_t horizon = horizon_locked(manager);
    pthread_mutex_unlock(&manager->mutex);
    return horizon;
}

size_t txn_manager_active_count(TxnManager *manager)
{
    pthread_mutex_lock(&manager->mutex);
    size_t count = manager->active_count;
    pthread_mutex_unlock(&manager->mutex);
    return count;
}

bool txn_xid_is_active(TxnManager *manager, uint64_t xid)
{
    bool active = false;
    pthread_mutex_lock(&manager->mutex);
    for (size_t txn_idx = 0; txn_idx < manager->active_count && !active; txn_idx++) {
        active = manager->active[txn_idx]->xid == xid;
    }
    pthread_mutex_unlock(&manager->mutex);
    return active;
}

/* ------------------------------------------------------------ begin / end ---- */

/* Give txn an xid and a slot in the active table, and its first snapshot. */
static Error *txn_register(TxnManager *manager, Txn *txn)
{
    Error *err = NULL;
    pthread_mutex_lock(&manager->mutex);
    while (!manager->read_only && manager->next_xid >= manager->reserved_xid) {
        uint64_t target = manager->next_xid + TXN_XID_RESERVE_BATCH;
        pthread_mutex_unlock(&manager->mutex);
        TRY(reserve_xids(manager, target));
        pthread_mutex_lock(&manager->mutex);
    }
    if (manager->active_count == TXN_ACTIVE_COUNT_MAX) {
        err = err_new(SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED, "too many active transactions");
    } else if (manager->active_count == manager->active_capacity) {
        size_t capacity = manager->active_capacity == 0 ? 64 : manager->active_capacity * 2;
        Txn **active = realloc(manager->active, capacity * sizeof *active);
        if (active == NULL) err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        else {
            manager->active = active;
            manager->active_capacity = capacity;
        }
    }
    if (err == NULL) {
        txn->xid = manager->next_xid++;
        txn->active_idx = manager->active_count;
        manager->active[manager->active_count++] = txn;
        atomic_fetch_add(&manager->snapshot_gen, 1);
        err = snapshot_take_locked(txn);
        if (err != NULL) manager->active[--manager->active_count] = NULL;
    }
    pthread_mutex_unlock(&manager->mutex);
    return err;
}

/* Remove txn from the active table: from now on its writes count as committed. */
static uint64_t txn_unregister(Txn *txn)
{
    TxnManager *manager = txn->manager;
    pthread_mutex_lock(&manager->mutex);
    size_t idx = txn->active_idx;
    VERIFY(idx < manager->active_count && manager->active[idx] == txn);
    Txn *last = manager->active[--manager->active_count];
    manager->active[idx] = last;
    last->active_idx = idx;
    atomic_fetch_add(&manager->snapshot_gen, 1);
    uint64_t horizon = horizon_locked(manager);
    pthread_mutex_unlock(&manager->mutex);
    return horizon;
}

static void txn_free(Txn *txn)
{
    while (txn->undo_block != NULL) {
        UndoBlock *block = txn->undo_block;
        txn->undo_block = block->prev;
        free(block);
    }
    free(txn->undo_spare);
    txn_barrier_free(txn);
    if (txn->owner != NULL) lock_owner_destroy(txn->owner);
    free(txn->snapshot.active);
    free(txn);
}

Error *txn_begin(TxnManager *manager, TxnIsolation isolation, Txn **txn_out)
{
    if (isolation == TXN_SERIALIZABLE) {
        return err_set_hint(err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                                    "SERIALIZABLE isolation is not supported"),
                            "Use REPEATABLE READ (snapshot isolation).");
    }
    VERIFY(isolation == TXN_READ_COMMITTED || isolation == TXN_REPEATABLE_READ);
    Txn *txn = calloc(1, sizeof *txn);
    if (txn == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    txn->manager = manager;
    txn->isolation = isolation;
    txn->undo_pop_low = SIZE_MAX;
    /* The owner gets its xid below; lock_xid_begin runs before the xid is written anywhere. */
    Error *err = lock_owner_create(manager->locks, 0, &txn->owner);
    if (err != NULL) {
        free(txn);
        return err;
    }
    err = txn_register(manager, txn);
    if (err != NULL) {
        txn_free(txn);
        return err;
    }
    lock_owner_set_xid(txn->owner, txn->xid);
    err = lock_xid_begin(txn->owner);
    if (err != NULL) {
        txn_unregister(txn);
        txn_free(txn);
        return err;
    }
    *txn_out = txn;
    return NULL;
}

Error *txn_statement_begin(Txn *txn)
{
    lock_interrupt_clear(txn->owner);
    if (txn->isolation != TXN_READ_COMMITTED) return NULL;
    /* no transaction began or ended since the snapshot was taken: it is the one that would be
     * taken now (a statement loop inside one transaction skips the manager's mutex) */
    if (atomic_load(&txn->manager->snapshot_gen) == txn->snapshot_gen) return NULL;
    pthread_mutex_lock(&txn->manager->mutex);
    Error *err = snapshot_take_locked(txn);
    pthread_mutex_unlock(&txn->manager->mutex);
    return err;
}

/* snapshot timing (txn): a new snapshot for a transaction that has not used its first one */
Error *txn_snapshot_retake(Txn *txn)
{
    if (txn->undo_count > 0 || atomic_load(&txn->last_lsn) != 0) {
        return err_new(SQLSTATE_ACTIVE_SQL_TRANSACTION,
                       "the snapshot of a transaction that has written cannot be taken again");
    }
    pthread_mutex_lock(&txn->manager->mutex);
    Error *err = snapshot_take_locked(txn);
    pthread_mutex_unlock(&txn->manager->mutex);
    return err;
}

/* End: leave the table (visible/gone for everyone), wake waiters, prune, free. */
static void txn_end(Txn *txn)
{
    TxnManager *manager = txn->manager;
    uint64_t horizon = txn_unregister(txn);
    lock_release_all(txn->owner);
    vstore_prune(manager->vstore, horizon, false);
    txn_free(txn);
}

Error *txn_commit(Txn *txn)
{
    Wal *wal = txn->manager->wal;
    uint64_t last_lsn = atomic_load(&txn->last_lsn);
    if (wal != NULL && last_lsn != 0) {
        /* Visible to others only once durable: COMMIT, flush (group commit), then leave the
         * active table. A read-only transaction logged nothing and needs no record. */
        uint64_t commit_lsn = 0;
        Error *err = wal_append_txn(wal, WAL_RECORD_COMMIT, txn->xid, last_lsn, NULL, 0,
                                    &commit_lsn);
        if (err == NULL) {
            atomic_store(&txn->last_lsn, commit_lsn);
            err = wal_commit_wait(wal, commit_lsn);
            /* A failed flush fails the Wal (58030): the COMMIT may or may not survive a crash,
             * and recovery decides; this process refuses further writes either way. The
             * writes stay (not undone: the COMMIT record may already be on disk). */
        } else {
            Error *undo_err = txn_rollback(txn);
            err_free(undo_err);
            return err;
        }
        txn_end(txn);
        return err;
    }
    txn_end(txn);
    return NULL;
}

/* ------------------------------------------------------------ undo ---- */

static size_t undo_align(size_t size) { return (size + 3u) & ~(size_t)3u; }

/* undo_tree_slot: tree's index in txn->undo_trees (added if absent and there is room), or -1
 * when the table is full of other trees (the entry then carries the pointer). */
static int undo_tree_slot(Txn *txn, BTree *tree)
{
    for (int slot = 0; slot < txn->undo_tree_count; slot++) {
        if (txn->undo_trees[slot] == tree) return slot;
    }
    if (txn->undo_tree_count == UNDO_TREE_SLOTS) return -1;
    txn->undo_trees[txn->undo_tree_count] = tree;
    return txn->undo_tree_count++;
}

/* undo_block_alloc: a block of at least capacity data bytes. From UNDO_BLOCK_HUGE up it is
 * 2 MiB aligned and asks for transparent huge pages: a large transaction's undo then faults
 * once per 2 MiB instead of once per 4 KiB. NULL: out of memory. */
static UndoBlock *undo_block_alloc(size_t capacity)
{
    size_t size = sizeof(UndoBlock) + capacity;
    UndoBlock *block = NULL;
    if (size < UNDO_BLOCK_HUGE) {
        block = malloc(size);
    } else {
        size = (size + UNDO_BLOCK_HUGE - 1) & ~(size_t)(UNDO_BLOCK_HUGE - 1);
        block = aligned_alloc(UNDO_BLOCK_HUGE, size);
#ifdef MADV_HUGEPAGE
        if (block != NULL) (void)madvise(block, size, MADV_HUGEPAGE);   /* a hint: may fail */
#endif
    }
    if (block == NULL) return NULL;
    block->capacity = size - sizeof(UndoBlock);
    return block;
}

/* undo_block_for: the block the next entry of need bytes goes to: the newest if it has room,
 * else the spare or a new block (twice the newest's size, up to UNDO_BLOCK_SIZE_MAX, at least
 * need), made the newest. NULL: out of memory. */
static UndoBlock *undo_block_for(Txn *txn, size_t need)
{
    UndoBlock *block = txn->undo_block;
    if (block != NULL && block->capacity - block->used >= need) return block;
    size_t capacity = UNDO_BLOCK_SIZE_MIN;
    if (block != NULL) {
        capacity = block->capacity < UNDO_BLOCK_SIZE_MAX / 2 ? block->capacity * 2
                                                             : UNDO_BLOCK_SIZE_MAX;
    }
    if (capacity < need) capacity = need;
    UndoBlock *fresh = txn->undo_spare;
    if (fresh != NULL && fresh->capacity >= need) {
        txn->undo_spare = NULL;
    } else {
        fresh = undo_block_alloc(capacity);
        if (fresh == NULL) return NULL;
    }
    fresh->used = 0;
    fresh->last = NULL;
    fresh->prev = block;
    txn->undo_block = fresh;
    return fresh;
}

Error *txn_undo_push(Txn *txn, UndoKind kind, BTree *tree, const uint8_t *key, size_t key_size,
                     const uint8_t *record, size_t record_size)
{
    if (txn->undo_count >= TXN_UNDO_COUNT_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "too many changes in one transaction");
    }
    size_t stored_record_size = record != NULL ? record_size : 0;
    if (key_size > UINT16_MAX || stored_record_size > UINT32_MAX / 4) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "undo entry of %zu bytes is too large",
                       key_size + stored_record_size);
    }
    int slot = undo_tree_slot(txn, tree);
    size_t tail = (slot < 0 ? sizeof tree : 0) + (record != NULL ? sizeof(uint32_t) : 0);
    size_t need = undo_align(sizeof(UndoEntry) + tail + key_size + stored_record_size);
    UndoBlock *block = undo_block_for(txn, need);
    if (block == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    uint8_t *at = block->data + block->used;
    UndoEntry *entry = (UndoEntry *)(void *)at;
    uint64_t lsn_before = atomic_load_explicit(&txn->last_lsn, memory_order_relaxed);
    *entry = (UndoEntry){.lsn_lo = (uint32_t)lsn_before, .lsn_hi = (uint32_t)(lsn_before >> 32),
                         .prev_gap = block->last != NULL
                                         ? (uint32_t)(at - (uint8_t *)block->last) : 0,
                         .key_size = (uint16_t)key_size,
                         .flags = (uint8_t)((unsigned)kind |
                                            (record != NULL ? UNDO_FLAG_RECORD : 0u) |
                                            (slot < 0 ? UNDO_FLAG_WIDE_TREE : 0u)),
                         .tree_idx = (uint8_t)(slot < 0 ? 0 : slot)};
    uint8_t *bytes = at + sizeof(UndoEntry);
    if (slot < 0) {
        memcpy(bytes, &tree, sizeof tree);
        bytes += sizeof tree;
    }
    if (record != NULL) {
        uint32_t size32 = (uint32_t)stored_record_size;
        memcpy(bytes, &size32, sizeof size32);
        bytes += sizeof size32;
    }
    if (key_size > 0) memcpy(bytes, key, key_size);
    if (stored_record_size > 0) memcpy(bytes + key_size, record, stored_record_size);
    block->used += need;
    block->last = entry;
    txn->undo_top = entry;
    txn->undo_count++;
    return NULL;
}

void txn_undo_pop(Txn *txn)
{
    VERIFY(txn->undo_count > 0 && txn->undo_top != NULL);
    UndoEntry *entry = txn->undo_top;
    UndoBlock *block = txn->undo_block;
    VERIFY(entry == block->last);
    block->used = (size_t)((uint8_t *)entry - block->data);
    txn->undo_count--;
    if (txn->undo_count < txn->undo_pop_low) txn->undo_pop_low = txn->undo_count;
    if (entry->prev_gap > 0) {
        block->last = (UndoEntry *)(void *)((uint8_t *)entry - entry->prev_gap);
        txn->undo_top = block->last;
        return;
    }
    VERIFY(block->used == 0);
    /* emptied: keep it as the spare (the larger of two), so a push/pop at a block boundary
     * does not allocate and free every time */
    txn->undo_block = block->prev;
    txn->undo_top = block->prev != NULL ? block->prev->last : NULL;
    if (txn->undo_spare == NULL || txn->undo_spare->capacity < block->capacity) {
        free(txn->undo_spare);
        txn->undo_spare = block;
    } else {
        free(block);
    }
}

/* Apply one undo entry to tree (each bt_ call is its own mtr). Idempotent. */
static Error *undo_apply_tree(BTree *tree, UndoKind kind, const uint8_t *key, size_t key_size,
                              const uint8_t *record, size_t record_size)
{
    bool found = false;
    switch (kind) {
    case UNDO_INSERT:
        return bt_delete(tree, key, key_size, &found);
    case UNDO_RESTORE:
        TRY(bt_update(tree, key, key_size, record, record_size, &found));
        if (found) return NULL;
        return bt_insert(tree, key, key_size, record, record_size);
    case UNDO_UNMARK: {
        uint8_t zero[8] = {0};
        return bt_patch(tree, key, key_size, ROW_HEADER_DELETE_XID_OFFSET, zero, sizeof zero,
                        &found);
    }
    }
    return err_new(SQLSTATE_DATA_CORRUPTED, "unknown undo entry kind %d", (int)kind);
}

/* Undo entries [undo_count_keep, undo_count) newest first; with a WAL each step is a CLR whose
 * undo_next_lsn is the LSN before the change it undoes. */
static Error *undo_back_to(Txn *txn, size_t undo_count_keep)
{
    Wal *wal = txn->manager->wal;
    while (txn->undo_count > undo_count_keep) {
        UndoEntry *entry = txn->undo_top;
        TxnLog log = {0};
        if (wal != NULL) {
            log.last_lsn = atomic_load(&txn->last_lsn);
            log.info = (WalMtrInfo){.xid = txn->xid, .last_lsn_io = &log.last_lsn,
                                    .is_clr = true, .undo_next_lsn = undo_lsn_before(entry)};
            wal_thread_bind(&log.info);
        }
        Error *err = undo_apply_tree(undo_tree(txn, entry), undo_kind(entry), undo_key(entry),
                                     entry->key_size, undo_record(entry),
                                     undo_record_size(entry));
        purge_note_mark(txn->manager);   /* writepath: purge skip (a restore may bring a mark) */
        if (wal != NULL) {
            wal_thread_bind(NULL);
            atomic_store(&txn->last_lsn, log.last_lsn);
        }
        TRY(err);
        txn_undo_pop(txn);
    }
    return NULL;
}

Error *txn_rollback(Txn *txn)
{
    Wal *wal = txn->manager->wal;
    uint64_t last_lsn = atomic_load(&txn->last_lsn);
    Error *err = NULL;
    if (wal != NULL && last_lsn != 0) {
        uint64_t abort_lsn = 0;
        err = wal_append_txn(wal, WAL_RECORD_ABORT, txn->xid, last_lsn, NULL, 0, &abort_lsn);
        if (err == NULL) atomic_store(&txn->last_lsn, abort_lsn);
    }
    if (err == NULL) err = undo_back_to(txn, 0);
    if (err == NULL && wal != NULL && last_lsn != 0) {
        uint64_t end_lsn = 0;
        err = wal_append_txn(wal, WAL_RECORD_END, txn->xid, atomic_load(&txn->last_lsn), NULL,
                             0, &end_lsn);
    }
    /* On error the Wal failed (or a tree did): recovery finishes the undo after a reopen. */
    txn_end(txn);
    return err;
}

void txn_savepoint(Txn *txn, TxnSavepoint *savepoint_out)
{
    *savepoint_out = (TxnSavepoint){.undo_count = txn->undo_count,
                                    .lock_mark = lock_mark(txn->owner), .xid = txn->xid};
}

Error *txn_rollback_to(Txn *txn, const TxnSavepoint *savepoint)
{
    if (savepoint->xid != txn->xid || savepoint->undo_count > txn->undo_count) {
        return err_new(SQLSTATE_INVALID_TRANSACTION_STATE,
                       "savepoint does not belong to this transaction");
    }
    TRY(undo_back_to(txn, savepoint->undo_count));
    lock_release_after(txn->owner, savepoint->lock_mark);
    return txn_barrier_rolled_back(txn, savepoint->undo_count);
}

Error *txn_wait_for_xid(Txn *txn, uint64_t xid, LockWaitPolicy policy, bool *acquired_out)
{
    return lock_wait_for_xid(txn->manager->locks, txn->owner, xid, policy, acquired_out);
}

uint64_t txn_xid(const Txn *txn) { return txn->xid; }
TxnIsolation txn_isolation(const Txn *txn) { return txn->isolation; }
TxnManager *txn_manager(const Txn *txn) { return txn->manager; }
LockOwner *txn_lock_owner(Txn *txn) { return txn->owner; }
const Snapshot *txn_snapshot(const Txn *txn) { return &txn->snapshot; }
size_t txn_undo_count(const Txn *txn) { return txn->undo_count; }

/* ------------------------------------------------------------ purge registry ---- */

Error *txn_manager_register_tree(TxnManager *manager, BTree *tree)
{
    Error *err = NULL;
    pthread_mutex_lock(&manager->mutex);
    if (manager->tree_count == manager->tree_capacity) {
        size_t capacity = manager->tree_capacity == 0 ? 16 : manager->tree_capacity * 2;
        BTree **trees = realloc(manager->trees, capacity * sizeof *trees);
        if (trees == NULL) err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        else {
            manager->trees = trees;
            manager->tree_capacity = capacity;
        }
    }
    if (err == NULL) manager->trees[manager->tree_count++] = tree;
    if (err == NULL) purge_note_mark(manager);   /* writepath: purge skip (may hold marks) */
    pthread_mutex_unlock(&manager->mutex);
    return err;
}

void txn_manager_unregister_tree(TxnManager *manager, BTree *tree)
{
    pthread_mutex_lock(&manager->purge_mutex);   /* not while a purge pass uses it */
    pthread_mutex_lock(&manager->mutex);
    for (size_t tree_idx = 0; tree_idx < manager->tree_count; tree_idx++) {
        if (manager->trees[tree_idx] == tree) {
            manager->trees[tree_idx] = manager->trees[--manager->tree_count];
            break;
        }
    }
    pthread_mutex_unlock(&manager->mutex);
    pthread_mutex_unlock(&manager->purge_mutex);
}

/* ------------------------------------------------------------ WAL binding ---- */

/* Undo payload (little-endian), two forms told apart by bit 7 of the first byte:
 *   full:    u8 kind, u32 tree root, u32 key size, key, u32 record size, record (UNDO_RESTORE
 *            only)
 *   compact: u8 kind | UNDO_PAYLOAD_COMPACT, u32 tree root, u8 key size, key (no record: what
 *            an INSERT or a delete mark logs when its key is under 256 bytes; session 8, 7
 *            bytes less per row) */
enum {
    UNDO_PAYLOAD_FIXED_SIZE = 1 + 4 + 4 + 4,
    UNDO_PAYLOAD_COMPACT = 0x80,
    UNDO_PAYLOAD_COMPACT_FIXED_SIZE = 1 + 4 + 1,
};

/* undo_encode: entry's logical-undo payload, into inline (inline_size bytes) if it fits, else
 * into a heap buffer (the caller frees *payload_out unless it is inline). */
static Error *undo_encode(const Txn *txn, const UndoEntry *entry, uint8_t *inline_buf,
                          size_t inline_size, uint8_t **payload_out, size_t *size_out)
{
    UndoKind kind = undo_kind(entry);
    PageId root = bt_root(undo_tree(txn, entry));
    if (kind != UNDO_RESTORE && entry->key_size <= UINT8_MAX &&
        (size_t)UNDO_PAYLOAD_COMPACT_FIXED_SIZE + entry->key_size <= inline_size) {
        inline_buf[0] = (uint8_t)((unsigned)kind | UNDO_PAYLOAD_COMPACT);
        enc_u32le(inline_buf + 1, root);
        inline_buf[5] = (uint8_t)entry->key_size;
        memcpy(inline_buf + UNDO_PAYLOAD_COMPACT_FIXED_SIZE, undo_key(entry), entry->key_size);
        *payload_out = inline_buf;
        *size_out = UNDO_PAYLOAD_COMPACT_FIXED_SIZE + entry->key_size;
        return NULL;
    }
    size_t record_size = kind == UNDO_RESTORE ? undo_record_size(entry) : 0;
    size_t size = UNDO_PAYLOAD_FIXED_SIZE + entry->key_size + record_size;
    if (size > WAL_UNDO_SIZE_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                       "row version of %zu bytes is too large to log for undo", size);
    }
    uint8_t *payload = size <= inline_size ? inline_buf : malloc(size);
    if (payload == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    payload[0] = (uint8_t)kind;
    enc_u32le(payload + 1, root);
    enc_u32le(payload + 5, (uint32_t)entry->key_size);
    memcpy(payload + 9, undo_key(entry), entry->key_size);
    enc_u32le(payload + 9 + entry->key_size, (uint32_t)record_size);
    if (record_size > 0) memcpy(payload + 13 + entry->key_size, undo_record(entry), record_size);
    *payload_out = payload;
    *size_out = size;
    return NULL;
}

Error *txn_log_begin(Txn *txn, TxnLog *log, bool with_undo)
{
    /* field by field: payload_inline is written before it is read, and zeroing it (with the
     * rest) on every row cost more than the binding itself */
    log->last_lsn = 0;
    log->payload = NULL;
    log->bound = false;
    log->outer = NULL;
    Wal *wal = txn->manager->wal;
    if (wal == NULL) return NULL;
    TRY(wal_check_space(wal, txn->xid));
    /* WAL rollback room (txn): 53400 before the log could not hold every open rollback */
    if (txn->manager->ckpt != NULL) TRY(ckpt_check_rollback_room(txn->manager->ckpt, txn->xid));
    size_t payload_size = 0;
    if (with_undo) {
        VERIFY(txn->undo_count > 0);
        TRY(undo_encode(txn, txn->undo_top, log->payload_inline,
                        sizeof log->payload_inline, &log->payload, &payload_size));
    }
    if (atomic_load(&txn->first_lsn) == 0) {
        /* A lower bound of the first record, published before it exists (checkpoints). */
        atomic_store(&txn->first_lsn, wal_insert_lsn(wal));
    }
    log->last_lsn = atomic_load(&txn->last_lsn);
    log->info = (WalMtrInfo){.xid = txn->xid, .last_lsn_io = &log->last_lsn,
                             .undo = log->payload, .undo_size = payload_size};
    log->bound = true;
    wal_thread_bind(&log->info);
    return NULL;
}

void txn_log_end(Txn *txn, TxnLog *log)
{
    if (!log->bound) return;
    wal_thread_bind(NULL);
    atomic_store(&txn->last_lsn, log->last_lsn);
    if (log->payload != log->payload_inline) free(log->payload);
    log->payload = NULL;
    log->bound = false;
}

Error *txn_recov_undo(void *ctx, Store *store, const WalRecord *record)
{
    (void)ctx;
    const uint8_t *payload = record->undo;
    size_t size = record->undo_size;
    if (size >= UNDO_PAYLOAD_COMPACT_FIXED_SIZE && (payload[0] & UNDO_PAYLOAD_COMPACT)) {
        UndoKind kind = (UndoKind)(payload[0] & ~UNDO_PAYLOAD_COMPACT);
        size_t key_size = payload[5];
        if (key_size != size - UNDO_PAYLOAD_COMPACT_FIXED_SIZE ||
            (kind != UNDO_INSERT && kind != UNDO_UNMARK)) {
            return err_new(SQLSTATE_DATA_CORRUPTED, "undo payload at LSN %llu does not decode",
                           (unsigned long long)record->lsn);
        }
        BTree *tree = NULL;
        TRY(bt_open(store, dec_u32le(payload + 1), &tree));
        Error *err = undo_apply_tree(tree, kind, payload + UNDO_PAYLOAD_COMPACT_FIXED_SIZE,
                                     key_size, NULL, 0);
        bt_close(tree);
        return err;
    }
    if (size < UNDO_PAYLOAD_FIXED_SIZE) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "undo payload at LSN %llu is truncated",
                       (unsigned long long)record->lsn);
    }
    UndoKind kind = (UndoKind)payload[0];
    PageId root = dec_u32le(payload + 1);
    size_t key_size = dec_u32le(payload + 5);
    if (key_size > size - UNDO_PAYLOAD_FIXED_SIZE) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "undo payload at LSN %llu has a bad key size",
                       (unsigned long long)record->lsn);
    }
    size_t record_size = dec_u32le(payload + 9 + key_size);
    if (record_size != size - UNDO_PAYLOAD_FIXED_SIZE - key_size ||
        (kind != UNDO_INSERT && kind != UNDO_RESTORE && kind != UNDO_UNMARK)) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "undo payload at LSN %llu does not decode",
                       (unsigned long long)record->lsn);
    }
    BTree *tree = NULL;
    TRY(bt_open(store, root, &tree));
    Error *err = undo_apply_tree(tree, kind, payload + 9, key_size, payload + 13 + key_size,
                                 record_size);
    bt_close(tree);
    return err;
}

size_t txn_ckpt_active_txns(void *ctx, CkptTxn *txns_out, size_t count_max)
{
    TxnManager *manager = ctx;
    pthread_mutex_lock(&manager->mutex);
    size_t count = 0;
    for (size_t txn_idx = 0; txn_idx < manager->active_count; txn_idx++) {
        const Txn *txn = manager->active[txn_idx];
        uint64_t first_lsn = atomic_load(&txn->first_lsn);
        if (first_lsn == 0) continue;   /* nothing logged: recovery has nothing to undo */
        if (count < count_max) {
            uint64_t last_lsn = atomic_load(&txn->last_lsn);
            txns_out[count] = (CkptTxn){.xid = txn->xid, .first_lsn = first_lsn,
                                        .last_lsn = last_lsn, .undo_next_lsn = last_lsn};
        }
        count++;
    }
    pthread_mutex_unlock(&manager->mutex);
    return count;
}

uint64_t txn_ckpt_next_xid(void *ctx)
{
    TxnManager *manager = ctx;
    pthread_mutex_lock(&manager->mutex);
    uint64_t next_xid = manager->reserved_xid > manager->next_xid ? manager->reserved_xid
                                                                  : manager->next_xid;
    pthread_mutex_unlock(&manager->mutex);
    return next_xid;
}
