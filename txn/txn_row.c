/* txn/txn_row.c: MVCC row operations over B+ trees (txn.h "rows" and "secondary indexes").
 *
 * Write protocol (every write, for one (tree, key)):
 *   1. take the lock manager's tuple lock (tree root, key) in FOR NO KEY UPDATE: writers and
 *      FOR UPDATE/SHARE lockers of one row queue here, in order;
 *   2. read the newest version; if its writer or deleter is another in-progress transaction,
 *      wait for that xid (still holding the tuple lock, as PostgreSQL does) and re-read;
 *   3. decide by isolation level (txn.h) and write: UPDATE pushes the old version into the
 *      version store BEFORE overwriting, so a reader that finds the new version invisible
 *      always finds the old one in the chain; record the undo entry;
 *   4. release the tuple lock (the row stays "locked" by the xid in its header).
 * A version written by the transaction itself is not pushed: no other snapshot can see it,
 * and its own undo entry keeps it for rollback, and for readers under a command-id barrier
 * (txn_cmd.c): resolve_visible hands a version whose writer or deleter is the reader's own
 * transaction to txn_barrier_resolve when a barrier is installed. Without one a statement
 * sees every own write at once (the executor must then not re-visit rows it updated, e.g. by
 * collecting keys first). */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "storage/key.h"
#include "storage/row.h"
#include "txn/txn_int.h"

enum {
    WRITE_RETRY_MAX = 1 << 20,   /* re-reads after waits, far beyond any real need */
    RECORD_INLINE_SIZE = 512,    /* records up to this size are re-headed on the stack */
};

typedef enum WriteKind { WRITE_UPDATE, WRITE_DELETE, WRITE_LOCK } WriteKind;

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* A copy of record with the header of a fresh version by xid: in inline_buf if it fits
 * (inline_size bytes), else on the heap (the caller frees it unless it is inline_buf). */
static Error *record_for_xid(const uint8_t *record, size_t record_size, uint64_t xid,
                             uint8_t *inline_buf, size_t inline_size, uint8_t **copy_out)
{
    RowHeader header;
    TRY(row_header_read(record, record_size, &header));
    uint8_t *copy = record_size <= inline_size ? inline_buf : malloc(record_size);
    if (copy == NULL) return oom();
    memcpy(copy, record, record_size);
    header.xid = xid;
    header.delete_xid = ROW_XID_NONE;
    row_header_write(copy, record_size, &header);
    *copy_out = copy;
    return NULL;
}

/* The other in-progress transaction a writer must wait for, or 0. */
static uint64_t blocking_xid(Txn *txn, const RowHeader *header)
{
    if (header->xid != txn->xid && txn_xid_is_active(txn->manager, header->xid)) {
        return header->xid;
    }
    if (header->delete_xid != ROW_XID_NONE && header->delete_xid != txn->xid &&
        txn_xid_is_active(txn->manager, header->delete_xid)) {
        return header->delete_xid;
    }
    return 0;
}

/* Resolve the version visible to txn's snapshot, given the newest one (in newest). On found,
 * the visible record is in out (which may be newest itself). */
static Error *resolve_visible(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                              BtBuf *newest, BtBuf *out, bool *found_out)
{
    RowHeader header;
    TRY(row_header_read(newest->data, newest->size, &header));
    if (txn->barrier_on && (header.xid == txn->xid || header.delete_xid == txn->xid)) {
        /* command ids: an own change at or after the barrier is hidden (txn_cmd.c) */
        bool handled = false;
        TRY(txn_barrier_resolve(txn, tree, key, key_size, newest->data, newest->size, out,
                                &handled, found_out));
        if (handled) return NULL;
    }
    const Snapshot *snapshot = &txn->snapshot;
    if (snap_xid_visible(snapshot, header.xid)) {
        *found_out = header.delete_xid == ROW_XID_NONE ||
                     !snap_xid_visible(snapshot, header.delete_xid);
        if (*found_out && out != newest) {
            BtBuf swap = *out;
            *out = *newest;
            *newest = swap;
        }
        return NULL;
    }
    return vstore_find(txn->manager->vstore, bt_root(tree), key, key_size, snapshot, out,
                       found_out);
}

Error *txn_row_get(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                   BtBuf *record_out, bool *found_out)
{
    /* The newest version is read straight into record_out (its capacity reused, no buffer of
     * our own): it is the answer in the common case, and the version store overwrites it
     * otherwise (resolve_visible with out == newest). */
    bool found = false;
    Error *err = bt_get(tree, key, key_size, record_out, &found);
    if (err == NULL && found) err = resolve_visible(txn, tree, key, key_size, record_out,
                                                    record_out, &found);
    *found_out = err == NULL && found;
    return err;
}

/* The point read's descent is the cursor's guided search; the visibility rules are
 * resolve_visible's, as for every other read (one definition, inlined here). */
Error *txn_row_get_point(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                         BtBuf *record_out, bool *found_out)
{
    *found_out = false;
    BtCursor *cursor = NULL;
    TRY(bt_cursor_open(tree, &cursor));
    Error *err = bt_cursor_seek(cursor, key, key_size);
    bool found = false;
    if (err == NULL && bt_cursor_valid(cursor)) {
        size_t entry_key_size = 0;
        const uint8_t *entry_key = bt_cursor_key(cursor, &entry_key_size);
        found = entry_key_size == key_size && memcmp(entry_key, key, key_size) == 0;
        if (found) err = bt_cursor_value(cursor, record_out);
    }
    bt_cursor_close(cursor);
    if (err == NULL && found) {
        err = resolve_visible(txn, tree, key, key_size, record_out, record_out, &found);
    }
    *found_out = err == NULL && found;
    return err;
}

void txn_row_result_free(TxnRowResult *result)
{
    bt_buf_free(&result->record);
}

static Error *serialization_failure(WriteKind kind, bool deleted)
{
    (void)kind;
    return err_new(SQLSTATE_SERIALIZATION_FAILURE,
                   deleted ? "could not serialize access due to concurrent delete"
                           : "could not serialize access due to concurrent update");
}

/* Steps 2-3 of the write protocol for update/delete/lock: leave the newest version in cur
 * and *proceed_out true if the caller may write it; otherwise result_out says why. */
static Error *newest_for_write(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                               uint64_t seen_xid, WriteKind kind, LockWaitPolicy policy,
                               bool *acquired_out, BtBuf *cur, RowHeader *header,
                               TxnRowResult *result_out, bool *proceed_out)
{
    *proceed_out = false;
    bool repeatable = txn->isolation == TXN_REPEATABLE_READ;
    for (int retry_idx = 0; retry_idx < WRITE_RETRY_MAX; retry_idx++) {
        bool found = false;
        TRY(bt_get(tree, key, key_size, cur, &found));
        if (!found) {
            result_out->outcome = TXN_ROW_GONE;
            return NULL;
        }
        TRY(row_header_read(cur->data, cur->size, header));
        uint64_t blocker = blocking_xid(txn, header);
        if (blocker != 0) {
            bool acquired = true;
            TRY(txn_wait_for_xid(txn, blocker, policy, &acquired));
            if (!acquired) {
                *acquired_out = false;
                return NULL;
            }
            continue;
        }
        if (header->delete_xid != ROW_XID_NONE) {
            if (repeatable && header->delete_xid != txn->xid &&
                !snap_xid_visible(&txn->snapshot, header->delete_xid)) {
                return serialization_failure(kind, true);
            }
            result_out->outcome = TXN_ROW_GONE;
            return NULL;
        }
        if (txn->barrier_on && kind != WRITE_LOCK && seen_xid != 0 &&
            header->xid == txn->xid) {
            /* command ids: a row this statement (a later command than the barrier's) already
             * changed is not changed again: PostgreSQL's "self-modified" case, ignored */
            bool touched = false;
            TRY(txn_barrier_touched(txn, tree, key, key_size, &touched));
            if (touched) {
                result_out->outcome = TXN_ROW_GONE;
                return NULL;
            }
        }
        bool visible = snap_xid_visible(&txn->snapshot, header->xid);
        if (repeatable && !visible) return serialization_failure(kind, false);
        if (seen_xid != 0 && header->xid != seen_xid) {
            if (repeatable) return serialization_failure(kind, false);
            result_out->outcome = TXN_ROW_CHANGED;
            result_out->xid = header->xid;
            BtBuf swap = result_out->record;
            result_out->record = *cur;
            *cur = swap;
            return NULL;
        }
        *proceed_out = true;
        return NULL;
    }
    return err_new(SQLSTATE_INTERNAL_ERROR, "row kept changing while waiting to write it");
}

/* ------------------------------------------------------------ logged changes ---- */

typedef enum ChangeOp { CHANGE_INSERT, CHANGE_UPDATE, CHANGE_PATCH } ChangeOp;

/* One tree change of txn and its undo entry (kind, old record): the entry is pushed first, the
 * change is logged with it (WAL), and the entry is popped again if the change did not happen
 * (an error, or the key absent for update/patch: *found_out false). */
typedef struct Change {
    ChangeOp       op;
    BTree         *tree;
    const uint8_t *key;
    size_t         key_size;
    const uint8_t *bytes;          /* insert/update: the value; patch: the patch bytes */
    size_t         size;
    size_t         offset;         /* patch only */
} Change;

static Error *change_apply(Txn *txn, const Change *change, UndoKind kind, const uint8_t *old,
                           size_t old_size, bool *found_out)
{
    TRY(txn_undo_push(txn, kind, change->tree, change->key, change->key_size, old, old_size));
    TxnLog log;
    bool found = true;
    Error *err = txn_log_begin(txn, &log, true);
    if (err == NULL) {
        switch (change->op) {
        case CHANGE_INSERT:
            err = bt_insert(change->tree, change->key, change->key_size, change->bytes,
                            change->size);
            break;
        case CHANGE_UPDATE:
            err = bt_update(change->tree, change->key, change->key_size, change->bytes,
                            change->size, &found);
            break;
        case CHANGE_PATCH:
            err = bt_patch(change->tree, change->key, change->key_size, change->offset,
                           change->bytes, change->size, &found);
            break;
        }
    }
    txn_log_end(txn, &log);
    if (err != NULL || !found) txn_undo_pop(txn);
    if (found_out != NULL) *found_out = found;
    return err;
}

/* ------------------------------------------------------------ writes ---- */

/* The tuple lock of step 1: the lock manager's row lock named by the tree's root. */
static Error *tuple_lock(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                         LockRowMode mode, LockWaitPolicy policy, bool *acquired_out)
{
    return lock_row(txn->manager->locks, txn->owner, bt_root(tree), key, key_size, mode,
                    policy, acquired_out);
}

static void tuple_unlock(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size)
{
    lock_row_release(txn->manager->locks, txn->owner, bt_root(tree), key, key_size,
                     LOCK_FOR_NO_KEY_UPDATE);
}

/* Replace the existing (delete-marked, settled) version at key by record. */
static Error *overwrite(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                        const BtBuf *old, const RowHeader *old_header, const uint8_t *record,
                        size_t record_size, bool keep_version)
{
    if (keep_version && old_header->xid != txn->xid) {
        TRY(vstore_push(txn->manager->vstore, bt_root(tree), key, key_size, old->data,
                        old->size, txn->xid));
    }
    Change change = {.op = CHANGE_UPDATE, .tree = tree, .key = key, .key_size = key_size,
                     .bytes = record, .size = record_size};
    bool found = false;
    TRY(change_apply(txn, &change, UNDO_RESTORE, old->data, old->size, &found));
    if (!found) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "row vanished while its tuple lock was held");
    }
    return NULL;
}

static Error *insert_locked(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                            const uint8_t *record, size_t record_size)
{
    BtBuf cur = {0};
    Error *err = NULL;
    for (int retry_idx = 0; retry_idx < WRITE_RETRY_MAX; retry_idx++) {
        Change change = {.op = CHANGE_INSERT, .tree = tree, .key = key, .key_size = key_size,
                         .bytes = record, .size = record_size};
        err = change_apply(txn, &change, UNDO_INSERT, NULL, 0, NULL);
        if (err == NULL) break;
        if (err->state != SQLSTATE_UNIQUE_VIOLATION) break;
        err_free(err);
        err = NULL;
        bool found = false;
        RowHeader header;
        err = bt_get(tree, key, key_size, &cur, &found);
        if (err == NULL && !found) continue;
        if (err == NULL) err = row_header_read(cur.data, cur.size, &header);
        if (err != NULL) break;
        uint64_t blocker = blocking_xid(txn, &header);
        if (blocker != 0) {
            err = txn_wait_for_xid(txn, blocker, LOCK_WAIT_BLOCK, NULL);
            if (err != NULL) break;
            continue;
        }
        if (header.delete_xid == ROW_XID_NONE) {
            err = err_new(SQLSTATE_UNIQUE_VIOLATION,
                          "duplicate key value violates unique constraint");
            break;
        }
        err = overwrite(txn, tree, key, key_size, &cur, &header, record, record_size, true);
        break;
    }
    bt_buf_free(&cur);
    return err;
}

Error *txn_row_insert(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                      const uint8_t *record, size_t record_size)
{
    uint8_t copy_inline[RECORD_INLINE_SIZE];
    uint8_t *copy = NULL;
    TRY(record_for_xid(record, record_size, txn->xid, copy_inline, sizeof copy_inline, &copy));
    /* Fast path (writepath): an absent key needs no tuple lock. bt_insert adds the key only
     * if no version of it exists (live, marked or in progress) and does so atomically under
     * its latch; anyone who later finds the key waits for our xid. A present key sends us to
     * the locked protocol below (invariant 3 and its exception). */
    Change change = {.op = CHANGE_INSERT, .tree = tree, .key = key, .key_size = key_size,
                     .bytes = copy, .size = record_size};
    Error *err = change_apply(txn, &change, UNDO_INSERT, NULL, 0, NULL);
    if (err != NULL && err->state == SQLSTATE_UNIQUE_VIOLATION) {
        err_free(err);
        err = tuple_lock(txn, tree, key, key_size, LOCK_FOR_NO_KEY_UPDATE, LOCK_WAIT_BLOCK,
                         NULL);
        if (err == NULL) {
            err = insert_locked(txn, tree, key, key_size, copy, record_size);
            tuple_unlock(txn, tree, key, key_size);
        }
    }
    if (copy != copy_inline) free(copy);
    return err;
}

static Error *write_locked(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                           uint64_t seen_xid, WriteKind kind, const uint8_t *record,
                           size_t record_size, TxnRowResult *result_out)
{
    BtBuf cur = {0};
    RowHeader header;
    bool proceed = false;
    bool acquired = true;
    Error *err = newest_for_write(txn, tree, key, key_size, seen_xid, kind, LOCK_WAIT_BLOCK,
                                  &acquired, &cur, &header, result_out, &proceed);
    if (err == NULL && proceed && kind == WRITE_UPDATE) {
        err = overwrite(txn, tree, key, key_size, &cur, &header, record, record_size, true);
    } else if (err == NULL && proceed && kind == WRITE_DELETE) {
        uint8_t mark[8];
        enc_u64le(mark, txn->xid);
        Change change = {.op = CHANGE_PATCH, .tree = tree, .key = key, .key_size = key_size,
                         .bytes = mark, .size = sizeof mark,
                         .offset = ROW_HEADER_DELETE_XID_OFFSET};
        bool found = false;
        err = change_apply(txn, &change, UNDO_UNMARK, NULL, 0, &found);
        VERIFY(err != NULL || found);   /* the tuple lock keeps purge away */
        if (err == NULL) purge_note_mark(txn->manager);   /* after the mark is in the tree */
    }
    if (err == NULL && proceed) result_out->outcome = TXN_ROW_DONE;
    bt_buf_free(&cur);
    return err;
}

static Error *write_row(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                        uint64_t seen_xid, WriteKind kind, const uint8_t *record,
                        size_t record_size, TxnRowResult *result_out)
{
    *result_out = (TxnRowResult){.outcome = TXN_ROW_GONE};
    TRY(tuple_lock(txn, tree, key, key_size, LOCK_FOR_NO_KEY_UPDATE, LOCK_WAIT_BLOCK, NULL));
    Error *err = write_locked(txn, tree, key, key_size, seen_xid, kind, record, record_size,
                              result_out);
    tuple_unlock(txn, tree, key, key_size);
    if (err != NULL) txn_row_result_free(result_out);
    return err;
}

Error *txn_row_update(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                      uint64_t seen_xid, const uint8_t *record, size_t record_size,
                      TxnRowResult *result_out)
{
    uint8_t copy_inline[RECORD_INLINE_SIZE];
    uint8_t *copy = NULL;
    TRY(record_for_xid(record, record_size, txn->xid, copy_inline, sizeof copy_inline, &copy));
    Error *err = write_row(txn, tree, key, key_size, seen_xid, WRITE_UPDATE, copy, record_size,
                           result_out);
    if (copy != copy_inline) free(copy);
    return err;
}

Error *txn_row_delete(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                      uint64_t seen_xid, TxnRowResult *result_out)
{
    return write_row(txn, tree, key, key_size, seen_xid, WRITE_DELETE, NULL, 0, result_out);
}

Error *txn_row_lock(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                    uint64_t seen_xid, LockRowMode mode, LockWaitPolicy policy,
                    bool *acquired_out, TxnRowResult *result_out)
{
    *result_out = (TxnRowResult){.outcome = TXN_ROW_GONE};
    bool acquired = true;
    if (mode == LOCK_FOR_NO_KEY_UPDATE) mode = LOCK_FOR_UPDATE;
    LockMark mark = lock_mark(txn->owner);
    TRY(tuple_lock(txn, tree, key, key_size, mode, policy, &acquired));
    if (acquired_out != NULL) *acquired_out = acquired;
    if (!acquired) return NULL;
    BtBuf cur = {0};
    RowHeader header;
    bool proceed = false;
    Error *err = newest_for_write(txn, tree, key, key_size, seen_xid, WRITE_LOCK, policy,
                                  &acquired, &cur, &header, result_out, &proceed);
    bt_buf_free(&cur);
    if (err == NULL && proceed) result_out->outcome = TXN_ROW_DONE;
    if (err != NULL || !acquired || !proceed) {
        /* Hold nothing for a row not locked (acquired in this call only). */
        lock_release_after(txn->owner, mark);
        if (acquired_out != NULL) *acquired_out = err == NULL && acquired;
    }
    if (err != NULL) txn_row_result_free(result_out);
    return err;
}

/* ------------------------------------------------------------ cursors ---- */

struct TxnCursor {
    Txn      *txn;
    BTree    *tree;
    BtCursor *cursor;
    bool      started;
    BtBuf     newest;
    BtBuf     record;
    uint8_t  *key;
    size_t    key_size;
    size_t    key_capacity;
};

Error *txn_cursor_open(Txn *txn, BTree *tree, const uint8_t *lo, size_t lo_size,
                       const uint8_t *hi, size_t hi_size, TxnCursor **cursor_out)
{
    TxnCursor *cursor = calloc(1, sizeof *cursor);
    if (cursor == NULL) return oom();
    cursor->txn = txn;
    cursor->tree = tree;
    Error *err = bt_cursor_open(tree, &cursor->cursor);
    if (err == NULL) err = bt_cursor_set_range(cursor->cursor, lo, lo_size, hi, hi_size);
    if (err != NULL) {
        txn_cursor_close(cursor);
        return err;
    }
    *cursor_out = cursor;
    return NULL;
}

/* The entry under a cursor was removed between its move and the value read: by purge (its
 * delete was visible to every snapshot, and its version chain went with it) or by the undo of
 * an insert (never visible to anyone else). Either way no snapshot can see a version of it:
 * skip it (the error is consumed). */
static bool entry_vanished(Error *err)
{
    if (err->state != SQLSTATE_INVALID_CURSOR_STATE) return false;
    err_free(err);
    return true;
}

static Error *cursor_keep_key(TxnCursor *cursor)
{
    size_t key_size = 0;
    const uint8_t *key = bt_cursor_key(cursor->cursor, &key_size);
    if (key_size > cursor->key_capacity) {
        uint8_t *bytes = realloc(cursor->key, key_size);
        if (bytes == NULL) return oom();
        cursor->key = bytes;
        cursor->key_capacity = key_size;
    }
    memcpy(cursor->key, key, key_size);
    cursor->key_size = key_size;
    return NULL;
}

Error *txn_cursor_next(TxnCursor *cursor, bool *found_out)
{
    *found_out = false;
    if (!cursor->started) {
        cursor->started = true;
        TRY(bt_cursor_first(cursor->cursor));
    } else {
        TRY(bt_cursor_next(cursor->cursor));
    }
    while (bt_cursor_valid(cursor->cursor)) {
        TRY(cursor_keep_key(cursor));
        Error *err = bt_cursor_value(cursor->cursor, &cursor->newest);
        if (err != NULL && entry_vanished(err)) {
            TRY(bt_cursor_next(cursor->cursor));
            continue;
        }
        TRY(err);
        bool found = false;
        TRY(resolve_visible(cursor->txn, cursor->tree, cursor->key, cursor->key_size,
                            &cursor->newest, &cursor->record, &found));
        if (found) {
            *found_out = true;
            return NULL;
        }
        TRY(bt_cursor_next(cursor->cursor));
    }
    return NULL;
}

const uint8_t *txn_cursor_key(const TxnCursor *cursor, size_t *key_size_out)
{
    *key_size_out = cursor->key_size;
    return cursor->key;
}

const uint8_t *txn_cursor_record(const TxnCursor *cursor, size_t *record_size_out)
{
    *record_size_out = cursor->record.size;
    return cursor->record.data;
}

void txn_cursor_close(TxnCursor *cursor)
{
    if (cursor == NULL) return;
    if (cursor->cursor != NULL) bt_cursor_close(cursor->cursor);
    bt_buf_free(&cursor->newest);
    bt_buf_free(&cursor->record);
    free(cursor->key);
    free(cursor);
}

/* ------------------------------------------------------------ secondary indexes ---- */

static void index_value(uint64_t xid, uint8_t value[ROW_HEADER_SIZE])
{
    memset(value, 0, ROW_HEADER_SIZE);
    value[ROW_HEADER_FORMAT_OFFSET] = ROW_FORMAT_V1;
    RowHeader header = {.xid = xid, .delete_xid = ROW_XID_NONE};
    row_header_write(value, ROW_HEADER_SIZE, &header);
}

/* Is another entry with key's unique prefix live (23505) or in progress (wait, *retry)? */
static Error *unique_check(Txn *txn, BTree *index, const uint8_t *key, size_t key_size,
                          size_t prefix_size, bool *retry_out)
{
    *retry_out = false;
    uint8_t hi_bytes[KEY_SIZE_MAX + 1];
    KeyBuf hi;
    key_buf_init(&hi, hi_bytes, sizeof hi_bytes);
    memcpy(hi_bytes, key, prefix_size);
    hi.size = prefix_size;
    TRY(key_append_prefix_end(&hi));
    BtCursor *cursor = NULL;
    TRY(bt_cursor_open(index, &cursor));
    BtBuf value = {0};
    Error *err = bt_cursor_set_range(cursor, key, prefix_size, hi.bytes, hi.size);
    if (err == NULL) err = bt_cursor_first(cursor);
    while (err == NULL && bt_cursor_valid(cursor)) {
        size_t other_size = 0;
        const uint8_t *other = bt_cursor_key(cursor, &other_size);
        bool same = other_size == key_size && memcmp(other, key, key_size) == 0;
        RowHeader header;
        if (!same) err = bt_cursor_value(cursor, &value);
        if (!same && err != NULL && entry_vanished(err)) {
            err = bt_cursor_next(cursor);
            continue;
        }
        if (!same && err == NULL) err = row_header_read(value.data, value.size, &header);
        if (!same && err == NULL) {
            uint64_t blocker = blocking_xid(txn, &header);
            if (blocker != 0) {
                err = txn_wait_for_xid(txn, blocker, LOCK_WAIT_BLOCK, NULL);
                *retry_out = err == NULL;
                break;
            }
            if (header.delete_xid == ROW_XID_NONE) {
                err = err_new(SQLSTATE_UNIQUE_VIOLATION,
                              "duplicate key value violates unique constraint");
                break;
            }
        }
        if (err == NULL) err = bt_cursor_next(cursor);
    }
    bt_buf_free(&value);
    bt_cursor_close(cursor);
    return err;
}

static Error *index_insert_locked(Txn *txn, BTree *index, const uint8_t *key, size_t key_size,
                                  size_t unique_prefix_size)
{
    for (int retry_idx = 0; retry_idx < WRITE_RETRY_MAX && unique_prefix_size > 0;
         retry_idx++) {
        bool retry = false;
        TRY(unique_check(txn, index, key, key_size, unique_prefix_size, &retry));
        if (!retry) break;
    }
    uint8_t value[ROW_HEADER_SIZE];
    index_value(txn->xid, value);
    Change change = {.op = CHANGE_INSERT, .tree = index, .key = key, .key_size = key_size,
                     .bytes = value, .size = sizeof value};
    Error *err = change_apply(txn, &change, UNDO_INSERT, NULL, 0, NULL);
    if (err == NULL) return NULL;
    if (err->state != SQLSTATE_UNIQUE_VIOLATION) return err;
    err_free(err);
    /* The entry exists (this row had the key before): revive it. */
    BtBuf old = {0};
    bool found = false;
    RowHeader header;
    err = bt_get(index, key, key_size, &old, &found);
    if (err == NULL && found) err = row_header_read(old.data, old.size, &header);
    if (err == NULL && found && header.delete_xid != ROW_XID_NONE) {
        err = overwrite(txn, index, key, key_size, &old, &header, value, sizeof value, false);
    }
    bt_buf_free(&old);
    return err;
}

Error *txn_index_insert(Txn *txn, BTree *index, const uint8_t *key, size_t key_size,
                        size_t unique_prefix_size)
{
    VERIFY(unique_prefix_size <= key_size);
    if (unique_prefix_size > 0) {
        TRY(tuple_lock(txn, index, key, unique_prefix_size, LOCK_FOR_NO_KEY_UPDATE,
                       LOCK_WAIT_BLOCK, NULL));
    }
    Error *err = tuple_lock(txn, index, key, key_size, LOCK_FOR_NO_KEY_UPDATE, LOCK_WAIT_BLOCK,
                            NULL);
    if (err == NULL) {
        err = index_insert_locked(txn, index, key, key_size, unique_prefix_size);
        tuple_unlock(txn, index, key, key_size);
    }
    if (unique_prefix_size > 0) tuple_unlock(txn, index, key, unique_prefix_size);
    return err;
}

Error *txn_index_mark(Txn *txn, BTree *index, const uint8_t *key, size_t key_size)
{
    TRY(tuple_lock(txn, index, key, key_size, LOCK_FOR_NO_KEY_UPDATE, LOCK_WAIT_BLOCK, NULL));
    BtBuf old = {0};
    bool found = false;
    Error *err = bt_get(index, key, key_size, &old, &found);
    RowHeader header;
    if (err == NULL && found) err = row_header_read(old.data, old.size, &header);
    if (err == NULL && found) {
        uint8_t mark[8];
        enc_u64le(mark, txn->xid);
        Change change = {.op = CHANGE_PATCH, .tree = index, .key = key, .key_size = key_size,
                         .bytes = mark, .size = sizeof mark,
                         .offset = ROW_HEADER_DELETE_XID_OFFSET};
        err = change_apply(txn, &change, UNDO_RESTORE, old.data, old.size, &found);
        if (err == NULL) purge_note_mark(txn->manager);   /* after the mark is in the tree */
    }
    tuple_unlock(txn, index, key, key_size);
    bt_buf_free(&old);
    return err;
}

Error *txn_index_entry_visible(Txn *txn, const uint8_t *value, size_t value_size,
                               bool *visible_out)
{
    RowHeader header;
    TRY(row_header_read(value, value_size, &header));
    /* Only a mark the snapshot sees rules an entry out: an entry revived by a later writer
     * carries that writer's xid, yet an older row version may still match it (recheck). */
    *visible_out = header.delete_xid == ROW_XID_NONE ||
                   !snap_xid_visible(&txn->snapshot, header.delete_xid);
    /* command ids: an own mark may postdate the barrier; the re-check of the row decides */
    if (txn->barrier_on && header.delete_xid == txn->xid) *visible_out = true;
    return NULL;
}

Error *txn_index_recheck(Txn *txn, BTree *table, const uint8_t *row_key, size_t row_key_size,
                         TxnIndexMatchFn *match, void *ctx, BtBuf *record_out,
                         bool *visible_out)
{
    bool found = false;
    TRY(txn_row_get(txn, table, row_key, row_key_size, record_out, &found));
    *visible_out = found && match(ctx, record_out->data, record_out->size);
    return NULL;
}
