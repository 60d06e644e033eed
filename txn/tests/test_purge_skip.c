/* txn/tests/test_purge_skip.c: the background purge's idle skip (purge.c, README invariant 7):
 * an insert-only workload makes no tree scans, yet every delete mark is still purged: a plain
 * delete, a mark that was not purgeable at one pass (old snapshot) and must be retried, a mark
 * brought back by a rollback after a pass found the key unmarked, and VACUUM always scans. */
#include "txn/tests/txn_test_util.h"
#include "txn/txn_int.h"

enum { PURGE_INTERVAL_MS = 2, WAIT_STEP_MS = 2, WAIT_ROUND_MAX = 2500 };

static void sleep_ms(int ms)
{
    struct timespec pause = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

static uint64_t scans(TestDb *db)
{
    return atomic_load(&db->manager->purge_tree_scans);
}

/* Raw entries in the table (delete-marked ones included); safe beside a running purge. */
static size_t raw_count(TestDb *db, size_t *marked_out)
{
    BtCursor *cursor = NULL;
    OK(bt_cursor_open(db->table, &cursor));
    BtBuf value = {0};
    size_t count = 0;
    size_t marked = 0;
    OK(bt_cursor_first(cursor));
    while (bt_cursor_valid(cursor)) {
        Error *err = bt_cursor_value(cursor, &value);
        if (err != NULL && err->state == SQLSTATE_INVALID_CURSOR_STATE) {
            err_free(err);   /* purged under us */
        } else {
            OK(err);
            RowHeader header;
            OK(row_header_read(value.data, value.size, &header));
            count++;
            marked += header.delete_xid != ROW_XID_NONE ? 1 : 0;
        }
        OK(bt_cursor_next(cursor));
    }
    bt_buf_free(&value);
    bt_cursor_close(cursor);
    if (marked_out != NULL) *marked_out = marked;
    return count;
}

/* Wait until at least one whole purge pass ran after the call (two more finished). */
static void wait_passes(TestDb *db)
{
    uint64_t after = atomic_load(&db->manager->purge_passes);
    for (int round = 0; round < WAIT_ROUND_MAX; round++) {
        if (atomic_load(&db->manager->purge_passes) >= after + 2) return;
        sleep_ms(WAIT_STEP_MS);
    }
    ck_abort_msg("the purge thread made no progress");
}

/* Wait until the table holds no delete-marked entry (the background purge removed them). */
static void wait_no_marks(TestDb *db)
{
    size_t marked = 1;
    for (int round = 0; round < WAIT_ROUND_MAX; round++) {
        raw_count(db, &marked);
        if (marked == 0) return;
        sleep_ms(WAIT_STEP_MS);
    }
    ck_abort_msg("delete marks were never purged (%zu left)", marked);
}

static void insert_range(TestDb *db, int64_t from, int64_t to)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = from; id < to; id++) OK(tt_insert(db, txn, id, id));
    OK(txn_commit(txn));
}

static int64_t scaled(int64_t count)
{
    int64_t scaled_count = (int64_t)((double)count * tt_scale());
    return scaled_count < 10 ? 10 : scaled_count;
}

START_TEST(test_purge_idle_insert_only_does_not_scan)
{
    TestDb db;
    TxnOptions options = {.purge_interval_ms = PURGE_INTERVAL_MS};
    tt_open(&db, &options);
    /* Registering the table counts as "may hold marks": the first pass scans it once. */
    wait_passes(&db);
    MUST(scans(&db) == 1);
    uint64_t before = scans(&db);
    int64_t row_count = scaled(2000);
    for (int round = 0; round < 10; round++) {
        insert_range(&db, round * row_count, (round + 1) * row_count);
        sleep_ms(5 * PURGE_INTERVAL_MS);
    }
    /* Updates leave versions in the version store, not marks in the tree: no scan either. */
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < row_count; id++) OK(tt_update(&db, txn, id, -id));
    OK(txn_commit(txn));
    wait_passes(&db);
    wait_passes(&db);
    MUST(scans(&db) == before);
    MUST(raw_count(&db, NULL) == (size_t)(10 * row_count));
    /* A delete wakes it up, and the mark goes. */
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_delete(&db, txn, 3));
    OK(txn_commit(txn));
    wait_no_marks(&db);
    MUST(scans(&db) > before);
    MUST(raw_count(&db, NULL) == (size_t)(10 * row_count - 1));
    /* ... and once clean it is idle again. */
    wait_passes(&db);
    uint64_t settled = scans(&db);
    wait_passes(&db);
    wait_passes(&db);
    MUST(scans(&db) == settled);
    tt_close(&db);
}
END_TEST

START_TEST(test_purge_retries_mark_not_yet_purgeable)
{
    TestDb db;
    TxnOptions options = {.purge_interval_ms = PURGE_INTERVAL_MS};
    tt_open(&db, &options);
    insert_range(&db, 0, 100);
    Txn *old = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &old));   /* holds the horizon back */
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < 100; id += 10) OK(tt_delete(&db, txn, id));
    OK(txn_commit(txn));
    /* Several passes run while the marks may not be purged: all stay, and every pass scans
     * again (the marks left behind keep the epoch unclean). */
    uint64_t before = scans(&db);
    wait_passes(&db);
    wait_passes(&db);
    MUST(scans(&db) >= before + 2);
    size_t marked = 0;
    MUST(raw_count(&db, &marked) == 100);
    MUST(marked == 10);
    /* No new mark is made; the old snapshot's end alone must let the next passes purge. */
    OK(txn_commit(old));
    wait_no_marks(&db);
    MUST(raw_count(&db, NULL) == 90);
    tt_close(&db);
}
END_TEST

START_TEST(test_purge_mark_restored_by_rollback)
{
    TestDb db;
    TxnOptions options = {.purge_interval_ms = PURGE_INTERVAL_MS};
    tt_open(&db, &options);
    insert_range(&db, 0, 50);
    Txn *old = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &old));
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_delete(&db, txn, 7));
    OK(txn_commit(txn));
    /* Re-insert over the (committed, not yet purgeable) mark: the tree now holds an unmarked
     * version by an in-progress writer. */
    Txn *writer = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &writer));
    OK(tt_insert(&db, writer, 7, 700));
    OK(txn_commit(old));
    /* Passes now find no mark at all and declare the tree clean. */
    wait_passes(&db);
    uint64_t settled = scans(&db);
    wait_passes(&db);
    MUST(scans(&db) == settled);
    size_t marked = 0;
    MUST(raw_count(&db, &marked) == 50);
    MUST(marked == 0);
    /* The rollback restores the marked record: it must still be purged. */
    OK(txn_rollback(writer));
    wait_no_marks(&db);
    MUST(raw_count(&db, NULL) == 49);
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    MUST(!tt_exists(&db, txn, 7));
    OK(txn_commit(txn));
    tt_close(&db);
}
END_TEST

START_TEST(test_purge_vacuum_always_scans)
{
    TestDb db;
    tt_open(&db, NULL);   /* no background thread */
    insert_range(&db, 0, 40);
    TxnPurgeStats stats;
    uint64_t before = scans(&db);
    OK(txn_purge_run(db.manager, &stats));
    OK(txn_purge_run(db.manager, &stats));   /* nothing changed: VACUUM scans anyway */
    MUST(scans(&db) == before + 2);
    MUST(stats.rows_removed == 0);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < 40; id += 2) OK(tt_delete(&db, txn, id));
    OK(txn_commit(txn));
    OK(txn_purge_run(db.manager, &stats));
    MUST(stats.rows_removed == 20);
    MUST(raw_count(&db, NULL) == 20);
    tt_close(&db);
}
END_TEST

START_TEST(test_purge_index_mark)
{
    TestDb db;
    TxnOptions options = {.purge_interval_ms = PURGE_INTERVAL_MS};
    tt_open(&db, &options);
    PageId index_root = 0;
    BTree *index = NULL;
    OK(bt_create(db.store, &index_root));
    OK(bt_open(db.store, index_root, &index));
    OK(txn_manager_register_tree(db.manager, index));
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    uint8_t key[TT_KEY_SIZE];
    for (int64_t id = 0; id < 20; id++) {
        tt_key(id, key);
        OK(txn_index_insert(txn, index, key, sizeof key, 0));
    }
    OK(txn_commit(txn));
    wait_passes(&db);
    uint64_t settled = scans(&db);
    wait_passes(&db);
    MUST(scans(&db) == settled);
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    tt_key(5, key);
    OK(txn_index_mark(txn, index, key, sizeof key));
    OK(txn_commit(txn));
    bool gone = false;
    for (int round = 0; round < WAIT_ROUND_MAX && !gone; round++) {
        BtBuf value = {0};
        bool found = true;
        OK(bt_get(index, key, sizeof key, &value, &found));
        bt_buf_free(&value);
        gone = !found;
        if (!gone) sleep_ms(WAIT_STEP_MS);
    }
    MUST(gone);
    MUST(scans(&db) > settled);
    txn_manager_unregister_tree(db.manager, index);
    BtCheckStats check;
    OK(bt_check(index, &check));
    MUST(check.entry_count == 19);
    bt_close(index);
    tt_close(&db);
}
END_TEST

static Suite *purge_skip_suite(void)
{
    Suite *suite = suite_create("purge_skip");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 60);
    tcase_add_test(tcase, test_purge_idle_insert_only_does_not_scan);
    tcase_add_test(tcase, test_purge_retries_mark_not_yet_purgeable);
    tcase_add_test(tcase, test_purge_mark_restored_by_rollback);
    tcase_add_test(tcase, test_purge_vacuum_always_scans);
    tcase_add_test(tcase, test_purge_index_mark);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(purge_skip_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
