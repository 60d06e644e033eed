/* txn/purge.c: purge: remove delete-marked rows and index entries nobody can see any more,
 * and prune the version store; synchronously (txn_purge_run, VACUUM) or on a background
 * thread every purge_interval_ms.
 *
 * Purge is redo-only system work: its bt_delete mtrs carry no transaction (no mtr->user, no
 * thread binding: xid 0 in the WAL) and are never undone. A record is removed when its
 * delete_xid is not active and below the horizon (the oldest snapshot xmin): every snapshot
 * sees the delete. Purge takes the record's tuple lock with SKIP LOCKED (a writer busy with
 * the key wins; the next pass retries), re-reads the record under it, and drops the key's
 * version-store chain under the same lock, so a later insert of the key never inherits stale
 * older versions. Scans the registered trees in key order, collecting candidate keys per
 * batch, then deletes them (no cursor is open while the tree changes).
 *
 * Idle skip: the background pass scans nothing while manager->purge_epoch has not moved since
 * the last pass that left no delete mark behind (purge_epoch_clean). Every place a mark can
 * appear in a registered tree bumps the epoch AFTER the change (txn_row.c: delete and index
 * marks; txn.c: each rollback step, which may restore a marked record; tree registration, for
 * marks already on disk). A pass reads the epoch before it scans, so a mark written after the
 * read moves the epoch past it, and a mark written before is seen by the scan: it is removed,
 * or, if not yet purgeable (deleter active or above the horizon) or busy (SKIP LOCKED), it
 * keeps the pass from declaring the epoch clean. VACUUM (txn_purge_run) always scans. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/asserts.h"
#include "storage/row.h"
#include "txn/txn_int.h"

enum { PURGE_BATCH_COUNT_MAX = 256 };

typedef struct PurgeKey {
    uint8_t *key;
    size_t   key_size;
} PurgeKey;

static bool purgeable(TxnManager *manager, const RowHeader *header, uint64_t horizon)
{
    return header->delete_xid != ROW_XID_NONE && header->delete_xid < horizon &&
           !txn_xid_is_active(manager, header->delete_xid);
}

/* Remove one candidate under its tuple lock if it is still purgeable; *left_out set if a
 * mark stays behind (busy key, or no longer purgeable but still marked). */
static Error *purge_key(TxnManager *manager, BTree *tree, const PurgeKey *candidate,
                        uint64_t horizon, TxnPurgeStats *stats, bool *left_out)
{
    bool acquired = false;
    TRY(lock_row(manager->locks, manager->purge_owner, bt_root(tree), candidate->key,
                 candidate->key_size, LOCK_FOR_UPDATE, LOCK_WAIT_SKIP, &acquired));
    if (!acquired) {
        *left_out = true;
        return NULL;
    }
    BtBuf value = {0};
    bool found = false;
    RowHeader header;
    Error *err = bt_get(tree, candidate->key, candidate->key_size, &value, &found);
    if (err == NULL && found) err = row_header_read(value.data, value.size, &header);
    if (err == NULL && found && purgeable(manager, &header, horizon)) {
        err = bt_delete(tree, candidate->key, candidate->key_size, &found);
        if (err == NULL) {
            vstore_forget(manager->vstore, bt_root(tree), candidate->key, candidate->key_size);
            stats->rows_removed += found ? 1 : 0;
        }
    } else if (err == NULL && found && header.delete_xid != ROW_XID_NONE) {
        *left_out = true;
    }
    bt_buf_free(&value);
    lock_row_release(manager->locks, manager->purge_owner, bt_root(tree), candidate->key,
                     candidate->key_size, LOCK_FOR_UPDATE);
    return err;
}

static void batch_clear(PurgeKey *batch, size_t *count)
{
    for (size_t key_idx = 0; key_idx < *count; key_idx++) free(batch[key_idx].key);
    *count = 0;
}

/* Collect up to PURGE_BATCH_COUNT_MAX candidates at or after resume; *more_out if the scan
 * stopped early (resume then holds the key to continue from, inclusive); *left_out set if a
 * marked record is not purgeable yet. */
static Error *collect(TxnManager *manager, BTree *tree, uint64_t horizon, PurgeKey *resume,
                      PurgeKey *batch, size_t *count, bool *more_out, bool *left_out)
{
    *more_out = false;
    BtCursor *cursor = NULL;
    TRY(bt_cursor_open(tree, &cursor));
    BtBuf value = {0};
    Error *err = resume->key != NULL ? bt_cursor_seek(cursor, resume->key, resume->key_size)
                                     : bt_cursor_first(cursor);
    while (err == NULL && bt_cursor_valid(cursor)) {
        size_t key_size = 0;
        const uint8_t *key = bt_cursor_key(cursor, &key_size);
        if (*count == PURGE_BATCH_COUNT_MAX) {
            uint8_t *copy = malloc(key_size > 0 ? key_size : 1);
            if (copy == NULL) {
                err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
                break;
            }
            memcpy(copy, key, key_size);
            free(resume->key);
            *resume = (PurgeKey){.key = copy, .key_size = key_size};
            *more_out = true;
            break;
        }
        RowHeader header;
        err = bt_cursor_value(cursor, &value);
        if (err != NULL && err->state == SQLSTATE_INVALID_CURSOR_STATE) {
            /* Removed under us (an insert's undo): nothing to purge there. */
            err_free(err);
            err = bt_cursor_next(cursor);
            continue;
        }
        if (err == NULL) err = row_header_read(value.data, value.size, &header);
        if (err == NULL && purgeable(manager, &header, horizon)) {
            uint8_t *copy = malloc(key_size > 0 ? key_size : 1);
            if (copy == NULL) {
                err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
                break;
            }
            memcpy(copy, key, key_size);
            batch[(*count)++] = (PurgeKey){.key = copy, .key_size = key_size};
        } else if (err == NULL && header.delete_xid != ROW_XID_NONE) {
            *left_out = true;
        }
        if (err == NULL) err = bt_cursor_next(cursor);
    }
    bt_buf_free(&value);
    bt_cursor_close(cursor);
    return err;
}

static Error *purge_tree(TxnManager *manager, BTree *tree, uint64_t horizon,
                         TxnPurgeStats *stats, bool *left_out)
{
    atomic_fetch_add_explicit(&manager->purge_tree_scans, 1, memory_order_relaxed);
    PurgeKey *batch = calloc(PURGE_BATCH_COUNT_MAX, sizeof *batch);
    if (batch == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    PurgeKey resume = {0};
    size_t count = 0;
    bool more = true;
    Error *err = NULL;
    while (err == NULL && more) {
        err = collect(manager, tree, horizon, &resume, batch, &count, &more, left_out);
        for (size_t key_idx = 0; err == NULL && key_idx < count; key_idx++) {
            err = purge_key(manager, tree, &batch[key_idx], horizon, stats, left_out);
        }
        batch_clear(batch, &count);
    }
    free(resume.key);
    free(batch);
    return err;
}

/* One pass; with skip_idle (the background thread) the tree scans are skipped while the mark
 * epoch has not moved since the last pass that left no mark behind. */
static Error *purge_pass(TxnManager *manager, bool skip_idle, TxnPurgeStats *stats_out)
{
    TxnPurgeStats stats = {0};
    pthread_mutex_lock(&manager->purge_mutex);
    /* Read before the horizon and the tree list: a mark made after this read moves the epoch
     * past it; one made before is in the tree when the scan gets there (invariant 7). */
    uint64_t epoch = atomic_load_explicit(&manager->purge_epoch, memory_order_acquire);
    if (skip_idle && epoch == manager->purge_epoch_clean) {
        stats.versions_pruned =
            vstore_prune(manager->vstore, txn_manager_horizon(manager), true);
        atomic_fetch_add_explicit(&manager->purge_passes, 1, memory_order_relaxed);
        pthread_mutex_unlock(&manager->purge_mutex);
        if (stats_out != NULL) *stats_out = stats;
        return NULL;
    }
    uint64_t horizon = txn_manager_horizon(manager);
    pthread_mutex_lock(&manager->mutex);
    size_t tree_count = manager->tree_count;
    BTree **trees = malloc((tree_count > 0 ? tree_count : 1) * sizeof *trees);
    if (trees != NULL && tree_count > 0) {
        memcpy(trees, manager->trees, tree_count * sizeof *trees);
    }
    pthread_mutex_unlock(&manager->mutex);
    Error *err = trees == NULL ? err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory") : NULL;
    bool left = false;
    for (size_t tree_idx = 0; err == NULL && tree_idx < tree_count; tree_idx++) {
        err = purge_tree(manager, trees[tree_idx], horizon, &stats, &left);
    }
    free(trees);
    if (err == NULL && !left) manager->purge_epoch_clean = epoch;
    stats.versions_pruned = vstore_prune(manager->vstore, txn_manager_horizon(manager), true);
    atomic_fetch_add_explicit(&manager->purge_passes, 1, memory_order_relaxed);
    pthread_mutex_unlock(&manager->purge_mutex);
    if (stats_out != NULL) *stats_out = stats;
    return err;
}

Error *txn_purge_run(TxnManager *manager, TxnPurgeStats *stats_out)
{
    return purge_pass(manager, false, stats_out);
}

/* ------------------------------------------------------------ background thread ---- */

static void *purge_main(void *arg)
{
    TxnManager *manager = arg;
    pthread_mutex_lock(&manager->mutex);
    while (!manager->purge_stop) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += (long)(manager->purge_interval_ms % 1000) * 1000000L;
        deadline.tv_sec += manager->purge_interval_ms / 1000 + deadline.tv_nsec / 1000000000L;
        deadline.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&manager->purge_cond, &manager->mutex, &deadline);
        if (manager->purge_stop) break;
        pthread_mutex_unlock(&manager->mutex);
        /* A failed pass is retried at the next interval; the error reaches nobody (the
         * writers that hit the same tree error report it themselves). */
        Error *err = purge_pass(manager, true, NULL);
        err_free(err);
        pthread_mutex_lock(&manager->mutex);
    }
    pthread_mutex_unlock(&manager->mutex);
    return NULL;
}

Error *purge_start(TxnManager *manager)
{
    manager->purge_stop = false;
    if (pthread_create(&manager->purge_thread, NULL, purge_main, manager) != 0) {
        return err_new(SQLSTATE_OUT_OF_MEMORY, "could not start the purge thread");
    }
    manager->purge_running = true;
    return NULL;
}

void purge_stop(TxnManager *manager)
{
    if (!manager->purge_running) return;
    pthread_mutex_lock(&manager->mutex);
    manager->purge_stop = true;
    pthread_cond_signal(&manager->purge_cond);
    pthread_mutex_unlock(&manager->mutex);
    pthread_join(manager->purge_thread, NULL);
    manager->purge_running = false;
}
