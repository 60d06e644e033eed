/* txn/tests/test_txn.c: the transaction manager: begin/commit/rollback restore the exact
 * prior tree bytes, savepoints, visibility of own and others' writes, xids that increase and
 * survive close/reopen, SERIALIZABLE refused, unique keys, purge, secondary-index entries. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "txn/recov.h"
#include "txn/tests/txn_test_util.h"

static void load_rows(TestDb *db, int64_t count)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < count; id++) OK(tt_insert(db, txn, id * 2, id * 10));
    OK(txn_commit(txn));
}

/* Random inserts (new keys and re-inserts of deleted ones), updates, deletes in txn. */
static void random_changes(TestDb *db, Txn *txn, int64_t key_count, int change_count,
                           unsigned *seed)
{
    for (int change_idx = 0; change_idx < change_count; change_idx++) {
        int64_t id = (int64_t)(rand_r(seed) % (unsigned)(key_count * 2));
        bool exists = tt_exists(db, txn, id);
        int choice = rand_r(seed) % 3;
        if (!exists) {
            Error *err = tt_insert(db, txn, id, change_idx);
            OK(err);
        } else if (choice == 0) {
            OK(tt_update(db, txn, id, -change_idx));
        } else if (choice == 1) {
            OK(tt_delete(db, txn, id));
        } else {
            EXPECT_STATE(tt_insert(db, txn, id, 1), UNIQUE_VIOLATION);
        }
    }
}

START_TEST(test_txn_rollback_restores_exact_state)
{
    TestDb db;
    tt_open(&db, NULL);
    load_rows(&db, 300);
    /* A committed delete, so a later insert of that key replaces a delete-marked row. */
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_delete(&db, txn, 4));
    OK(txn_commit(txn));
    size_t before_size = 0;
    uint8_t *before = tt_raw_dump(db.table, &before_size);
    unsigned seed = 11;
    for (int round_idx = 0; round_idx < 5; round_idx++) {
        OK(txn_begin(db.manager, round_idx % 2 ? TXN_REPEATABLE_READ : TXN_READ_COMMITTED,
                     &txn));
        OK(tt_insert(&db, txn, 4, 99));       /* over the delete-marked row */
        random_changes(&db, txn, 300, 400, &seed);
        MUST(txn_undo_count(txn) > 0);
        OK(txn_rollback(txn));
        size_t after_size = 0;
        uint8_t *after = tt_raw_dump(db.table, &after_size);
        MUST(after_size == before_size);
        MUST(memcmp(after, before, before_size) == 0);
        free(after);
    }
    free(before);
    MUST(txn_manager_active_count(db.manager) == 0);
    tt_close(&db);
}
END_TEST

START_TEST(test_txn_commit_makes_changes_visible)
{
    TestDb db;
    tt_open(&db, NULL);
    load_rows(&db, 10);
    Txn *writer = NULL;
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &writer));
    OK(tt_insert(&db, writer, 1, 111));
    OK(tt_update(&db, writer, 2, 222));
    OK(tt_delete(&db, writer, 4));
    /* Own writes are visible; others' uncommitted ones are not (dirty read impossible). */
    MUST(tt_get_value(&db, writer, 1) == 111);
    MUST(tt_get_value(&db, writer, 2) == 222);
    MUST(!tt_exists(&db, writer, 4));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &reader));
    MUST(!tt_exists(&db, reader, 1));
    MUST(tt_get_value(&db, reader, 2) == 10);
    MUST(tt_get_value(&db, reader, 4) == 20);
    OK(txn_commit(writer));
    /* Same statement: still the old snapshot; next statement sees the commit. */
    MUST(tt_get_value(&db, reader, 2) == 10);
    OK(txn_statement_begin(reader));
    MUST(tt_get_value(&db, reader, 1) == 111);
    MUST(tt_get_value(&db, reader, 2) == 222);
    MUST(!tt_exists(&db, reader, 4));
    int64_t sum = 0;
    size_t count = 0;
    OK(tt_sum(&db, reader, &sum, &count));
    MUST(count == 10);   /* 10 rows + 1 insert - 1 delete */
    OK(txn_commit(reader));
    tt_close(&db);
}
END_TEST

START_TEST(test_txn_savepoint_partial_rollback)
{
    TestDb db;
    tt_open(&db, NULL);
    load_rows(&db, 50);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_update(&db, txn, 0, 1000));
    OK(tt_insert(&db, txn, 1, 1001));
    TxnSavepoint first;
    txn_savepoint(txn, &first);
    size_t mid_size = 0;
    uint8_t *mid = tt_raw_dump(db.table, &mid_size);
    OK(tt_update(&db, txn, 0, 2000));
    OK(tt_delete(&db, txn, 1));
    OK(tt_insert(&db, txn, 1, 3000));     /* re-insert over its own delete */
    OK(tt_delete(&db, txn, 2));
    TxnSavepoint second;
    txn_savepoint(txn, &second);
    OK(tt_insert(&db, txn, 3, 3003));
    OK(txn_rollback_to(txn, &second));
    MUST(!tt_exists(&db, txn, 3));
    MUST(tt_get_value(&db, txn, 1) == 3000);
    OK(txn_rollback_to(txn, &first));
    size_t back_size = 0;
    uint8_t *back = tt_raw_dump(db.table, &back_size);
    MUST(back_size == mid_size && memcmp(back, mid, mid_size) == 0);
    MUST(tt_get_value(&db, txn, 0) == 1000);
    MUST(tt_get_value(&db, txn, 1) == 1001);
    MUST(tt_get_value(&db, txn, 2) == 10);
    /* Rolling back to the same savepoint again is allowed and changes nothing more. */
    OK(txn_rollback_to(txn, &first));
    OK(txn_commit(txn));
    /* A savepoint of another transaction is refused. */
    Txn *other = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &other));
    EXPECT_STATE(txn_rollback_to(other, &first), INVALID_TRANSACTION_STATE);
    MUST(tt_get_value(&db, other, 0) == 1000);
    MUST(tt_get_value(&db, other, 1) == 1001);
    OK(txn_commit(other));
    free(mid);
    free(back);
    tt_close(&db);
}
END_TEST

START_TEST(test_txn_savepoint_releases_row_locks)
{
    TestDb db;
    tt_open(&db, NULL);
    load_rows(&db, 5);
    Txn *txn = NULL;
    Txn *other = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &other));
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    uint8_t key[TT_KEY_SIZE];
    tt_key(2, key);
    TxnRowResult result;
    bool acquired = false;
    OK(txn_row_lock(txn, db.table, key, sizeof key, 0, LOCK_FOR_UPDATE, LOCK_WAIT_BLOCK,
                    &acquired, &result));
    MUST(acquired && result.outcome == TXN_ROW_DONE);
    /* Held: another FOR SHARE with NOWAIT fails with 55P03. */
    EXPECT_STATE(txn_row_lock(other, db.table, key, sizeof key, 0, LOCK_FOR_SHARE,
                              LOCK_WAIT_NOWAIT, &acquired, &result),
                 LOCK_NOT_AVAILABLE);
    OK(txn_row_lock(other, db.table, key, sizeof key, 0, LOCK_FOR_SHARE, LOCK_WAIT_SKIP,
                    &acquired, &result));
    MUST(!acquired);
    OK(txn_rollback_to(txn, &savepoint));
    OK(txn_row_lock(other, db.table, key, sizeof key, 0, LOCK_FOR_SHARE, LOCK_WAIT_NOWAIT,
                    &acquired, &result));
    MUST(acquired && result.outcome == TXN_ROW_DONE);
    OK(txn_commit(other));
    OK(txn_commit(txn));
    tt_close(&db);
}
END_TEST

START_TEST(test_txn_xids_increase_and_survive_reopen)
{
    TestDb db;
    tt_open(&db, NULL);
    uint64_t last = 0;
    for (int txn_idx = 0; txn_idx < TXN_XID_RESERVE_BATCH + 10; txn_idx++) {
        Txn *txn = NULL;
        OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
        MUST(txn_xid(txn) > last);
        MUST(txn_xid(txn) >= TXN_XID_FIRST);
        last = txn_xid(txn);
        if (txn_idx == 5) OK(tt_insert(&db, txn, 1, 1));
        OK(txn_idx % 2 ? txn_commit(txn) : txn_rollback(txn));
    }
    PageId root = db.root;
    txn_manager_unregister_tree(db.manager, db.table);
    bt_close(db.table);
    OK(txn_manager_close(db.manager));
    OK(store_close(db.store));
    /* Reopen twice: ids keep increasing, never reused. */
    for (int open_idx = 0; open_idx < 2; open_idx++) {
        tt_open_store(&db, NULL);
        MUST(store_info(db.store).next_xid > last);
        OK(bt_open(db.store, root, &db.table));
        Txn *txn = NULL;
        OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &txn));
        MUST(txn_xid(txn) > last);
        last = txn_xid(txn);
        /* Every xid on disk from the earlier run counts as committed. */
        MUST(tt_get_value(&db, txn, 1) == 1);
        OK(txn_commit(txn));
        bt_close(db.table);
        OK(txn_manager_close(db.manager));
        OK(store_close(db.store));
    }
    vfs_fault_destroy(db.vfs);
    arena_destroy(db.arena);
}
END_TEST

START_TEST(test_txn_xids_never_reused_after_crash)
{
    TestDb db;
    tt_open(&db, NULL);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    uint64_t first = txn_xid(txn);
    OK(txn_commit(txn));
    txn_manager_unregister_tree(db.manager, db.table);
    bt_close(db.table);
    OK(txn_manager_close(db.manager));
    OK(store_close(db.store));
    tt_open_store(&db, NULL);
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    MUST(txn_xid(txn) > first);
    uint64_t second = txn_xid(txn);
    OK(txn_commit(txn));
    /* The reservation reached page 0 at open; flush it and crash without closing. */
    OK(bp_flush_all(store_pool(db.store)));
    OK(txn_manager_close(db.manager));   /* writes the exact next xid in memory only */
    store_abandon(db.store);
    tt_open_store(&db, NULL);
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    MUST(txn_xid(txn) > second);
    OK(txn_commit(txn));
    OK(txn_manager_close(db.manager));
    OK(store_close(db.store));
    vfs_fault_destroy(db.vfs);
    arena_destroy(db.arena);
}
END_TEST

START_TEST(test_txn_serializable_refused)
{
    TestDb db;
    tt_open(&db, NULL);
    Txn *txn = NULL;
    EXPECT_STATE(txn_begin(db.manager, TXN_SERIALIZABLE, &txn), FEATURE_NOT_SUPPORTED);
    MUST(txn_manager_active_count(db.manager) == 0);
    tt_close(&db);
}
END_TEST

START_TEST(test_txn_unique_and_reinsert)
{
    TestDb db;
    tt_open(&db, NULL);
    load_rows(&db, 5);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    EXPECT_STATE(tt_insert(&db, txn, 0, 5), UNIQUE_VIOLATION);
    OK(tt_delete(&db, txn, 0));
    OK(tt_insert(&db, txn, 0, 5));          /* own delete, then insert */
    MUST(tt_get_value(&db, txn, 0) == 5);
    EXPECT_STATE(tt_insert(&db, txn, 0, 6), UNIQUE_VIOLATION);
    OK(txn_commit(txn));
    /* Delete committed, an old snapshot still sees the row after a re-insert. */
    Txn *old = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &old));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_delete(&db, txn, 2));
    OK(txn_commit(txn));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_insert(&db, txn, 2, 77));
    OK(txn_commit(txn));
    MUST(tt_get_value(&db, old, 2) == 10);
    OK(txn_commit(old));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    MUST(tt_get_value(&db, txn, 2) == 77);
    OK(txn_commit(txn));
    tt_close(&db);
}
END_TEST

START_TEST(test_txn_purge_removes_dead_rows_only)
{
    TestDb db;
    tt_open(&db, NULL);
    load_rows(&db, 20);
    Txn *old = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &old));
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < 10; id++) OK(tt_delete(&db, txn, id * 2));
    OK(txn_commit(txn));
    TxnPurgeStats stats;
    OK(txn_purge_run(db.manager, &stats));
    MUST(stats.rows_removed == 0);          /* the old snapshot still sees them */
    int64_t sum = 0;
    size_t count = 0;
    OK(tt_sum(&db, old, &sum, &count));
    MUST(count == 20);
    OK(txn_commit(old));
    /* An uncommitted delete is never purged. */
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_delete(&db, txn, 30));
    OK(txn_purge_run(db.manager, &stats));
    MUST(stats.rows_removed == 10);
    OK(txn_rollback(txn));
    OK(txn_purge_run(db.manager, &stats));
    MUST(stats.rows_removed == 0);
    BtCheckStats check;
    OK(bt_check(db.table, &check));
    MUST(check.entry_count == 10);
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_sum(&db, txn, &sum, &count));
    MUST(count == 10);
    OK(tt_insert(&db, txn, 0, 1));          /* a purged key can be inserted again */
    OK(txn_commit(txn));
    tt_close(&db);
}
END_TEST

START_TEST(test_txn_background_purge)
{
    TestDb db;
    TxnOptions options = {.purge_interval_ms = 5};
    tt_open(&db, &options);
    load_rows(&db, 50);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < 50; id++) OK(tt_delete(&db, txn, id * 2));
    OK(txn_commit(txn));
    BtCheckStats check = {0};
    for (int wait_idx = 0; wait_idx < 400; wait_idx++) {
        struct timespec pause = {0, 5000000};
        nanosleep(&pause, NULL);
        txn_manager_unregister_tree(db.manager, db.table);   /* quiesce purge for bt_check */
        OK(bt_check(db.table, &check));
        OK(txn_manager_register_tree(db.manager, db.table));
        if (check.entry_count == 0) break;
    }
    MUST(check.entry_count == 0);
    tt_close(&db);
}
END_TEST

static bool match_value(void *ctx, const uint8_t *record, size_t record_size)
{
    const int64_t *expected = ctx;
    /* The test layout: header (20) + NULL bitmap (1) + the 8-byte value. */
    if (record_size < ROW_HEADER_SIZE + 1 + 8) return false;
    return (int64_t)dec_u64le(record + ROW_HEADER_SIZE + 1) == *expected;
}

START_TEST(test_txn_index_entries)
{
    TestDb db;
    tt_open(&db, NULL);
    PageId index_root = 0;
    BTree *index = NULL;
    OK(bt_create(db.store, &index_root));
    OK(bt_open(db.store, index_root, &index));
    OK(txn_manager_register_tree(db.manager, index));
    /* Index key: value (8 bytes, unique prefix) + row key. */
    uint8_t entry_a[9 + TT_KEY_SIZE];
    uint8_t entry_b[9 + TT_KEY_SIZE];
    KeyBuf buf;
    key_buf_init(&buf, entry_a, sizeof entry_a);
    OK(key_append_int64(&buf, KEY_ASC, 100));
    tt_key(1, entry_a + 9);
    memcpy(entry_b, entry_a, sizeof entry_b);
    tt_key(2, entry_b + 9);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_insert(&db, txn, 1, 100));
    OK(txn_index_insert(txn, index, entry_a, sizeof entry_a, 9));
    /* Another row with the same unique value: 23505 (own live entry). */
    EXPECT_STATE(txn_index_insert(txn, index, entry_b, sizeof entry_b, 9), UNIQUE_VIOLATION);
    OK(txn_commit(txn));
    /* Update row 1 away from 100: mark the entry; an old snapshot still finds the row. */
    Txn *old = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &old));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_update(&db, txn, 1, 200));
    OK(txn_index_mark(txn, index, entry_a, sizeof entry_a));
    OK(txn_commit(txn));
    BtBuf value = {0};
    BtBuf record = {0};
    bool found = false;
    bool visible = false;
    OK(bt_get(index, entry_a, sizeof entry_a, &value, &found));
    MUST(found);
    OK(txn_index_entry_visible(old, value.data, value.size, &visible));
    MUST(visible);
    int64_t expected = 100;
    OK(txn_index_recheck(old, db.table, entry_a + 9, TT_KEY_SIZE, match_value, &expected,
                         &record, &visible));
    MUST(visible);
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(txn_index_entry_visible(txn, value.data, value.size, &visible));
    MUST(!visible);
    OK(txn_index_recheck(txn, db.table, entry_a + 9, TT_KEY_SIZE, match_value, &expected,
                         &record, &visible));
    MUST(!visible);
    /* The value 100 is free now (its only entry is marked by a committed update). */
    OK(tt_insert(&db, txn, 2, 100));
    OK(txn_index_insert(txn, index, entry_b, sizeof entry_b, 9));
    OK(txn_rollback(txn));
    OK(bt_get(index, entry_b, sizeof entry_b, &value, &found));
    MUST(!found);
    OK(txn_commit(old));
    TxnPurgeStats stats;
    OK(txn_purge_run(db.manager, &stats));
    MUST(stats.rows_removed == 1);          /* the marked index entry */
    OK(bt_get(index, entry_a, sizeof entry_a, &value, &found));
    MUST(!found);
    bt_buf_free(&value);
    bt_buf_free(&record);
    txn_manager_unregister_tree(db.manager, index);
    OK(bt_check(index, NULL));
    bt_close(index);
    tt_close(&db);
}
END_TEST


/* ------------------------------------------------------------ concurrent model ---- */

enum { MODEL_THREADS = 4, MODEL_KEYS = 200 };   /* keys per thread, disjoint ranges */

typedef struct ModelThread {
    TestDb   *db;
    int       thread_idx;
    int       txn_count;
    atomic_bool *halt;                 /* optional: stop with the transaction left open */
    int64_t   committed[MODEL_KEYS];   /* -1: absent */
    pthread_t thread;
} ModelThread;

/* Random transactions on the thread's own keys: inserts (also over deleted rows), updates,
 * deletes, savepoint rollbacks; a third roll back. The model follows what committed. */
static void *model_main(void *arg)
{
    ModelThread *self = arg;
    TestDb *db = self->db;
    unsigned seed = (unsigned)self->thread_idx * 104729u + 3;
    int64_t base = (int64_t)self->thread_idx * 100000;
    int64_t working[MODEL_KEYS];
    for (int txn_idx = 0; txn_idx < self->txn_count; txn_idx++) {
        memcpy(working, self->committed, sizeof working);
        int64_t saved[MODEL_KEYS];
        Txn *txn = NULL;
        OK(txn_begin(db->manager, txn_idx % 2 ? TXN_REPEATABLE_READ : TXN_READ_COMMITTED,
                     &txn));
        TxnSavepoint savepoint;
        bool has_savepoint = false;
        int op_count = rand_r(&seed) % 12 + 1;
        for (int op_idx = 0; op_idx < op_count; op_idx++) {
            int key_idx = rand_r(&seed) % MODEL_KEYS;
            int64_t value = rand_r(&seed) % 1000000;
            if (op_idx == op_count / 2 && !has_savepoint) {
                txn_savepoint(txn, &savepoint);
                memcpy(saved, working, sizeof saved);
                has_savepoint = true;
            }
            if (working[key_idx] < 0) {
                OK(tt_insert(db, txn, base + key_idx, value));
                working[key_idx] = value;
            } else if (rand_r(&seed) % 2) {
                OK(tt_update(db, txn, base + key_idx, value));
                working[key_idx] = value;
            } else {
                OK(tt_delete(db, txn, base + key_idx));
                working[key_idx] = -1;
            }
            int64_t seen = 0;
            bool found = false;
            OK(tt_get(db, txn, base + key_idx, &seen, &found, NULL));   /* own writes */
            MUST(found == (working[key_idx] >= 0));
            MUST(!found || seen == working[key_idx]);
        }
        if (has_savepoint && rand_r(&seed) % 3 == 0) {
            OK(txn_rollback_to(txn, &savepoint));
            memcpy(working, saved, sizeof working);
        }
        if (self->halt != NULL && atomic_load(self->halt)) break;   /* a loser at the crash */
        if (rand_r(&seed) % 3 == 0) {
            OK(txn_rollback(txn));
        } else {
            OK(txn_commit(txn));
            memcpy(self->committed, working, sizeof working);
        }
    }
    return NULL;
}

typedef struct ModelReader {
    TestDb     *db;
    atomic_bool stop;
    long        scans;
    pthread_t   thread;
} ModelReader;

static void *model_reader_main(void *arg)
{
    ModelReader *reader = arg;
    while (!atomic_load(&reader->stop)) {
        Txn *txn = NULL;
        OK(txn_begin(reader->db->manager, TXN_REPEATABLE_READ, &txn));
        int64_t sum1 = 0;
        int64_t sum2 = 0;
        size_t count1 = 0;
        size_t count2 = 0;
        OK(tt_sum(reader->db, txn, &sum1, &count1));
        OK(tt_sum(reader->db, txn, &sum2, &count2));
        MUST(sum1 == sum2 && count1 == count2);     /* one snapshot, one answer */
        OK(txn_commit(txn));
        reader->scans++;
    }
    return NULL;
}

START_TEST(test_txn_concurrent_random_model)
{
    TestDb db;
    TxnOptions options = {.purge_interval_ms = 2, .vstore_memory_size = 8192};
    tt_open(&db, &options);
    int txn_count = (int)(3000 * tt_scale());
    if (txn_count < 100) txn_count = 100;
    ModelThread threads[MODEL_THREADS];
    ModelReader reader = {.db = &db};
    atomic_init(&reader.stop, false);
    MUST(pthread_create(&reader.thread, NULL, model_reader_main, &reader) == 0);
    for (int thread_idx = 0; thread_idx < MODEL_THREADS; thread_idx++) {
        threads[thread_idx] = (ModelThread){.db = &db, .thread_idx = thread_idx,
                                            .txn_count = txn_count};
        for (int key_idx = 0; key_idx < MODEL_KEYS; key_idx++) {
            threads[thread_idx].committed[key_idx] = -1;
        }
        MUST(pthread_create(&threads[thread_idx].thread, NULL, model_main,
                            &threads[thread_idx]) == 0);
    }
    for (int thread_idx = 0; thread_idx < MODEL_THREADS; thread_idx++) {
        MUST(pthread_join(threads[thread_idx].thread, NULL) == 0);
    }
    atomic_store(&reader.stop, true);
    MUST(pthread_join(reader.thread, NULL) == 0);
    MUST(reader.scans > 0);
    /* The visible state is exactly the committed model, also after a final purge. */
    for (int pass = 0; pass < 2; pass++) {
        Txn *txn = NULL;
        OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
        for (int thread_idx = 0; thread_idx < MODEL_THREADS; thread_idx++) {
            for (int key_idx = 0; key_idx < MODEL_KEYS; key_idx++) {
                int64_t expected = threads[thread_idx].committed[key_idx];
                int64_t id = (int64_t)thread_idx * 100000 + key_idx;
                int64_t value = 0;
                bool found = false;
                OK(tt_get(&db, txn, id, &value, &found, NULL));
                MUST(found == (expected >= 0));
                if (found) MUST(value == expected);
            }
        }
        OK(txn_commit(txn));
        OK(txn_purge_run(db.manager, NULL));
    }
    VStoreStats stats = vstore_stats(txn_manager_vstore(db.manager));
    MUST(stats.version_count == 0 && stats.memory_size == 0);
    tt_close(&db);
}
END_TEST

/* ------------------------------------------------------------ with the WAL ---- */

static RecovDb *wal_open_db(Vfs *vfs, RecovReport *report)
{
    RecovOptions options = {
        .store = {.vfs = vfs, .create = true, .pool_size = 8 << 20},
        .wal = {.capacity = 16 << 20},
        .undo_fn = txn_recov_undo,
    };
    RecovDb *db = NULL;
    OK(recov_open("txnwal.birch", &options, &db, report));
    return db;
}

static void wal_attach(TestDb *db, RecovDb *recov, const RecovReport *report)
{
    db->store = recov_store(recov);
    TxnOptions options = {.wal = recov_wal(recov), .ckpt = recov_ckpt(recov),
                          .next_xid_min = report->max_xid + 1};
    OK(txn_manager_open(db->store, &options, &db->manager));
}

START_TEST(test_txn_wal_commit_durable_losers_undone)
{
    TestDb db;
    memset(&db, 0, sizeof db);
    db.vfs = vfs_fault_create(9);
    db.arena = arena_create(4096);
    RowKind kinds[1] = {ROW_KIND_FIXED8};
    OK(row_layout_new(db.arena, kinds, 1, &db.layout));
    RecovReport report;
    RecovDb *recov = wal_open_db(db.vfs, &report);
    wal_attach(&db, recov, &report);
    OK(bt_create(db.store, &db.root));
    Mtr mtr;
    mtr_begin(&mtr, db.store);
    store_root_set(&mtr, 1, db.root);
    OK(mtr_commit(&mtr));
    OK(bt_open(db.store, db.root, &db.table));
    int64_t row_count = 200;
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < row_count; id++) OK(tt_insert(&db, txn, id, id));
    uint64_t sync_count = wal_stats(recov_wal(recov)).sync_count;
    OK(txn_commit(txn));
    /* The commit returned only after the log was synced past its COMMIT record. */
    MUST(wal_stats(recov_wal(recov)).sync_count > sync_count);
    MUST(wal_durable_lsn(recov_wal(recov)) == wal_insert_lsn(recov_wal(recov)));
    /* A read-only transaction logs nothing and waits for nothing. */
    sync_count = wal_stats(recov_wal(recov)).sync_count;
    uint64_t insert_lsn = wal_insert_lsn(recov_wal(recov));
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &txn));
    MUST(tt_get_value(&db, txn, 3) == 3);
    OK(txn_commit(txn));
    MUST(wal_stats(recov_wal(recov)).sync_count == sync_count);
    MUST(wal_insert_lsn(recov_wal(recov)) == insert_lsn);
    /* A rolled-back transaction (logged with CLRs) and a committed one. */
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < 50; id++) OK(tt_update(&db, txn, id, -id));
    for (int64_t id = 50; id < 60; id++) OK(tt_delete(&db, txn, id));
    OK(tt_insert(&db, txn, 5000, 1));
    OK(txn_rollback(txn));
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &txn));
    for (int64_t id = 100; id < 120; id++) OK(tt_update(&db, txn, id, id * 100));
    OK(tt_delete(&db, txn, 199));
    OK(txn_commit(txn));
    size_t before_size = 0;
    uint8_t *before = tt_raw_dump(db.table, &before_size);
    /* A loser: in progress at the crash, with a partial rollback to a savepoint inside. */
    Txn *loser = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &loser));
    uint64_t loser_xid = txn_xid(loser);
    for (int64_t id = 0; id < 30; id++) OK(tt_update(&db, loser, id, 7));
    TxnSavepoint savepoint;
    txn_savepoint(loser, &savepoint);
    for (int64_t id = 30; id < 40; id++) OK(tt_delete(&db, loser, id));
    OK(txn_rollback_to(loser, &savepoint));
    for (int64_t id = 1000; id < 1300; id++) OK(tt_insert(&db, loser, id, id));
    OK(tt_delete(&db, loser, 199 - 1));
    OK(tt_insert(&db, loser, 199, 1));      /* over a committed delete */
    OK(wal_flush_all(recov_wal(recov)));
    bt_close(db.table);
    txn_manager_abandon(db.manager);
    recov_abandon(recov);
    vfs_fault_power_cut(db.vfs);
    /* Recovery undoes the loser through txn_recov_undo; the commits all survive. */
    recov = wal_open_db(db.vfs, &report);
    MUST(report.recovered);
    MUST(report.transactions_rolled_back >= 1);
    MUST(report.max_xid >= loser_xid);
    wal_attach(&db, recov, &report);
    OK(bt_open(db.store, store_root_get(db.store, 1), &db.table));
    size_t after_size = 0;
    uint8_t *after = tt_raw_dump(db.table, &after_size);
    MUST(after_size == before_size && memcmp(after, before, before_size) == 0);
    OK(bt_check(db.table, NULL));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    MUST(txn_xid(txn) > loser_xid);          /* never reused */
    MUST(tt_get_value(&db, txn, 0) == 0);
    MUST(tt_get_value(&db, txn, 100) == 10000);
    MUST(!tt_exists(&db, txn, 199));
    MUST(!tt_exists(&db, txn, 1000));
    OK(txn_commit(txn));
    free(before);
    free(after);
    bt_close(db.table);
    OK(txn_manager_close(db.manager));
    OK(recov_close(recov));
    vfs_fault_destroy(db.vfs);
    arena_destroy(db.arena);
}
END_TEST


/* Model threads on a durable database, halted with transactions in flight, then a crash with
 * a power cut: recovery must produce exactly the committed model (losers undone through
 * txn_recov_undo, every returned commit present). */
START_TEST(test_txn_wal_crash_matches_committed_model)
{
    TestDb db;
    TxnOptions options = {.purge_interval_ms = 3};
    tt_open_wal(&db, &options);
    Mtr mtr;
    mtr_begin(&mtr, db.store);
    store_root_set(&mtr, 1, db.root);
    OK(mtr_commit(&mtr));
    atomic_bool halt;
    atomic_init(&halt, false);
    ModelThread threads[MODEL_THREADS];
    for (int thread_idx = 0; thread_idx < MODEL_THREADS; thread_idx++) {
        threads[thread_idx] = (ModelThread){.db = &db, .thread_idx = thread_idx,
                                            .txn_count = 1 << 30, .halt = &halt};
        for (int key_idx = 0; key_idx < MODEL_KEYS; key_idx++) {
            threads[thread_idx].committed[key_idx] = -1;
        }
        MUST(pthread_create(&threads[thread_idx].thread, NULL, model_main,
                            &threads[thread_idx]) == 0);
    }
    struct timespec pause = {0, (long)(300e6 * (tt_scale() < 1 ? 1 : tt_scale()))};
    nanosleep(&pause, NULL);
    atomic_store(&halt, true);
    for (int thread_idx = 0; thread_idx < MODEL_THREADS; thread_idx++) {
        MUST(pthread_join(threads[thread_idx].thread, NULL) == 0);
    }
    MUST(txn_manager_active_count(db.manager) == MODEL_THREADS);   /* the losers */
    OK(wal_flush_all(recov_wal(db.recov)));   /* their records reach the disk: undo them */
    txn_manager_unregister_tree(db.manager, db.table);
    bt_close(db.table);
    txn_manager_abandon(db.manager);
    recov_abandon(db.recov);
    vfs_fault_power_cut(db.vfs);
    RecovReport report;
    db.recov = wal_open_db(db.vfs, &report);
    MUST(report.recovered);
    MUST(report.transactions_rolled_back >= 1);
    wal_attach(&db, db.recov, &report);
    OK(bt_open(db.store, store_root_get(db.store, 1), &db.table));
    OK(bt_check(db.table, NULL));
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    MUST(txn_xid(txn) > report.max_xid);
    for (int thread_idx = 0; thread_idx < MODEL_THREADS; thread_idx++) {
        for (int key_idx = 0; key_idx < MODEL_KEYS; key_idx++) {
            int64_t expected = threads[thread_idx].committed[key_idx];
            int64_t value = 0;
            bool found = false;
            OK(tt_get(&db, txn, (int64_t)thread_idx * 100000 + key_idx, &value, &found, NULL));
            MUST(found == (expected >= 0));
            if (found) MUST(value == expected);
        }
    }
    OK(txn_commit(txn));
    OK(txn_manager_register_tree(db.manager, db.table));
    tt_close(&db);
}
END_TEST

static Suite *txn_suite(void)
{
    Suite *suite = suite_create("txn");
    TCase *tcase = tcase_create("txn");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_txn_rollback_restores_exact_state);
    tcase_add_test(tcase, test_txn_commit_makes_changes_visible);
    tcase_add_test(tcase, test_txn_savepoint_partial_rollback);
    tcase_add_test(tcase, test_txn_savepoint_releases_row_locks);
    tcase_add_test(tcase, test_txn_xids_increase_and_survive_reopen);
    tcase_add_test(tcase, test_txn_xids_never_reused_after_crash);
    tcase_add_test(tcase, test_txn_serializable_refused);
    tcase_add_test(tcase, test_txn_unique_and_reinsert);
    tcase_add_test(tcase, test_txn_purge_removes_dead_rows_only);
    tcase_add_test(tcase, test_txn_background_purge);
    tcase_add_test(tcase, test_txn_index_entries);
    tcase_add_test(tcase, test_txn_wal_commit_durable_losers_undone);
    tcase_add_test(tcase, test_txn_concurrent_random_model);
    tcase_add_test(tcase, test_txn_wal_crash_matches_committed_model);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(txn_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
