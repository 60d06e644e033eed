/* txn/tests/test_wal_limit.c: a transaction that runs into the WAL size limit (53400) through
 * the transaction manager: it gets 53400 and nothing else fails; its rollback fits the log
 * (the limit leaves room for the compensation records of every open transaction); after the
 * rollback a checkpoint recycles the log and new transactions write and commit again, for
 * several laps of the circular log; a crash then recovers every committed row and none of the
 * rolled-back ones. Also: a second transaction that is merely active while the first fills the
 * log is not broken by it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txn/ckpt.h"
#include "txn_test_util.h"

/* open_small: tt_open_wal's database with a log of capacity bytes. */
static void open_small(TestDb *db, uint64_t capacity)
{
    memset(db, 0, sizeof *db);
    db->vfs = vfs_fault_create(11);
    db->arena = arena_create(4096);
    RowKind kinds[1] = {ROW_KIND_FIXED8};
    OK(row_layout_new(db->arena, kinds, 1, &db->layout));
    RecovOptions recov_options = {
        .store = {.vfs = db->vfs, .create = true, .pool_size = 8 << 20},
        .wal = {.capacity = capacity},
        .undo_fn = txn_recov_undo,
    };
    RecovReport report;
    OK(recov_open("limit.birch", &recov_options, &db->recov, &report));
    db->store = recov_store(db->recov);
    TxnOptions options = {.wal = recov_wal(db->recov), .ckpt = recov_ckpt(db->recov),
                          .next_xid_min = report.max_xid + 1};
    OK(txn_manager_open(db->store, &options, &db->manager));
    OK(bt_create(db->store, &db->root));
    OK(bt_open(db->store, db->root, &db->table));
    OK(txn_manager_register_tree(db->manager, db->table));
}

/* fill_until_limit: insert (and update every other) row from first_id on in txn until an
 * operation fails; returns that error and the number of ids inserted. */
static Error *fill_until_limit(TestDb *db, Txn *txn, int64_t first_id, int64_t *count_out)
{
    Error  *err = NULL;
    int64_t count = 0;
    for (; count < 10 * 1000 * 1000 && err == NULL; count++) {
        err = tt_insert(db, txn, first_id + count, count);
        if (err == NULL && count % 2 == 1) {
            uint8_t key[TT_KEY_SIZE];
            uint8_t record[TT_RECORD_SIZE_MAX];
            tt_key(first_id + count - 1, key);
            size_t         size = tt_record(db, -count, record);
            TxnRowResult   result;
            err = txn_row_update(txn, db->table, key, sizeof key, 0, record, size, &result);
            if (err == NULL) txn_row_result_free(&result);
        }
    }
    *count_out = count - 1;
    return err;
}

static void commit_rows(TestDb *db, int64_t first_id, int64_t count)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    for (int64_t idx = 0; idx < count; idx++) OK(tt_insert(db, txn, first_id + idx, idx));
    OK(txn_commit(txn));
}

static int64_t count_rows(TestDb *db)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    TxnCursor *cursor = NULL;
    OK(txn_cursor_open(txn, db->table, NULL, 0, NULL, 0, &cursor));
    int64_t count = 0;
    for (;;) {
        bool found = false;
        OK(txn_cursor_next(cursor, &found));
        if (!found) break;
        count++;
    }
    txn_cursor_close(cursor);
    OK(txn_commit(txn));
    return count;
}

START_TEST(test_wal_limit_rollback_then_writes_resume)
{
    TestDb db;
    open_small(&db, (uint64_t)4 << 20);
    Wal *wal = recov_wal(db.recov);
    commit_rows(&db, 1, 100);
    /* a bystander that logged one change and stays open across the whole story */
    Txn *bystander = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &bystander));
    OK(tt_insert(&db, bystander, 5000000, 1));
    OK(txn_commit(bystander));

    Txn    *big = NULL;
    int64_t big_count = 0;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &big));
    EXPECT_STATE(fill_until_limit(&db, big, 1000000, &big_count), CONFIGURATION_LIMIT_EXCEEDED);
    MUST(big_count > 1000);
    MUST(wal_failure(wal) == NULL);
    /* the transaction still sees its own rows; the limit is sticky while it is open */
    MUST(tt_get_value(&db, big, 1000001) == 1);
    EXPECT_STATE(tt_insert(&db, big, 999999, 1), CONFIGURATION_LIMIT_EXCEEDED);
    OK(txn_rollback(big));
    MUST(wal_failure(wal) == NULL);

    /* a checkpoint recycles the log: writes work again, for several laps of the log */
    OK(ckpt_run(recov_ckpt(db.recov), CKPT_FLUSH_OLD, NULL));
    uint64_t start = wal_insert_lsn(wal);
    int64_t  next_id = 2000000;
    while (wal_insert_lsn(wal) - start < 3 * wal_capacity(wal)) {
        commit_rows(&db, next_id, 500);
        next_id += 500;
    }
    MUST(wal_failure(wal) == NULL);
    MUST(count_rows(&db) == 101 + (next_id - 2000000));

    /* a crash keeps every committed row and none of the rolled-back transaction's */
    OK(wal_flush_all(wal));
    txn_manager_unregister_tree(db.manager, db.table);
    bt_close(db.table);
    txn_manager_abandon(db.manager);
    recov_abandon(db.recov);
    RecovOptions options = {.store = {.vfs = db.vfs, .pool_size = 8 << 20},
                            .wal = {.capacity = (uint64_t)4 << 20},
                            .undo_fn = txn_recov_undo};
    RecovReport report;
    OK(recov_open("limit.birch", &options, &db.recov, &report));
    MUST(report.recovered);
    db.store = recov_store(db.recov);
    TxnOptions txn_options = {.wal = recov_wal(db.recov), .ckpt = recov_ckpt(db.recov),
                              .next_xid_min = report.max_xid + 1};
    OK(txn_manager_open(db.store, &txn_options, &db.manager));
    OK(bt_open(db.store, db.root, &db.table));
    OK(txn_manager_register_tree(db.manager, db.table));
    MUST(count_rows(&db) == 101 + (next_id - 2000000));
    tt_close(&db);
}
END_TEST

/* A transaction that hits the limit and rolls back while another, long transaction that logged
 * early is still open: the other one commits afterwards, and writes resume once it ended. */
START_TEST(test_wal_limit_with_an_old_open_transaction)
{
    TestDb db;
    open_small(&db, (uint64_t)4 << 20);
    Wal *wal = recov_wal(db.recov);
    Txn *old = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &old));
    OK(tt_insert(&db, old, 1, 1));
    Txn    *big = NULL;
    int64_t big_count = 0;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &big));
    EXPECT_STATE(fill_until_limit(&db, big, 1000000, &big_count), CONFIGURATION_LIMIT_EXCEEDED);
    OK(txn_rollback(big));
    MUST(wal_failure(wal) == NULL);
    /* the old transaction still pins the log: a small change fits the reserve or gets 53400,
     * never a failed log; its commit always fits */
    Error *err = tt_insert(&db, old, 2, 2);
    if (err != NULL) {
        MUST(err->state == SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED);
        err_free(err);
    }
    OK(txn_commit(old));
    MUST(wal_failure(wal) == NULL);
    OK(ckpt_run(recov_ckpt(db.recov), CKPT_FLUSH_OLD, NULL));
    commit_rows(&db, 3000000, 2000);
    MUST(count_rows(&db) >= 2001);
    tt_close(&db);
}
END_TEST

static Suite *limit_suite(void)
{
    Suite *suite = suite_create("wal_limit");
    TCase *tcase = tcase_create("wal_limit");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_wal_limit_rollback_then_writes_resume);
    tcase_add_test(tcase, test_wal_limit_with_an_old_open_transaction);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(limit_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
