/* txn/tests/test_recov_listed_winner.c: a checkpoint lists a transaction as active until its
 * COMMIT is durable, so it can list one whose COMMIT record lies before the checkpoint's redo
 * LSN (the committer was still waiting for the log flush when the table was copied). Recovery
 * never scans that COMMIT; it must still treat the transaction as a winner (its listed last
 * LSN is the COMMIT) and not undo it. Simulated by reporting the committed transaction from the
 * checkpoint's active-transaction callback. Also: a listed transaction whose last record is an
 * ordinary change is still rolled back (the rule is not "skip every listed one"). */
#include <check.h>
#include <stdlib.h>

#include "txn/ckpt.h"
#include "txn_test_util.h"

typedef struct Listed {
    CkptTxn txns[2];
    size_t  count;
} Listed;

static size_t listed_fn(void *ctx, CkptTxn *txns_out, size_t count_max)
{
    Listed *listed = ctx;
    for (size_t txn_idx = 0; txn_idx < listed->count && txn_idx < count_max; txn_idx++) {
        txns_out[txn_idx] = listed->txns[txn_idx];
    }
    return listed->count;
}

static void reopen(TestDb *db)
{
    RecovOptions options = {.store = {.vfs = db->vfs, .pool_size = 8 << 20},
                            .wal = {.capacity = 16 << 20},
                            .undo_fn = txn_recov_undo};
    RecovReport report;
    OK(recov_open("txnwal.birch", &options, &db->recov, &report));
    MUST(report.recovered);
    db->store = recov_store(db->recov);
    TxnOptions txn_options = {.wal = recov_wal(db->recov), .ckpt = recov_ckpt(db->recov),
                              .next_xid_min = report.max_xid + 1};
    OK(txn_manager_open(db->store, &txn_options, &db->manager));
    OK(bt_open(db->store, db->root, &db->table));
    OK(txn_manager_register_tree(db->manager, db->table));
}

static void crash(TestDb *db)
{
    OK(wal_flush_all(recov_wal(db->recov)));
    txn_manager_unregister_tree(db->manager, db->table);
    bt_close(db->table);
    txn_manager_abandon(db->manager);
    recov_abandon(db->recov);
}

START_TEST(test_recov_listed_committed_transaction_is_a_winner)
{
    TestDb db;
    tt_open_wal(&db, NULL);
    Wal *wal = recov_wal(db.recov);
    Txn *winner = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &winner));
    uint64_t first_lsn = wal_insert_lsn(wal);
    OK(tt_insert(&db, winner, 1, 100));
    OK(tt_insert(&db, winner, 2, 200));
    uint64_t xid = txn_xid(winner);
    uint64_t commit_lsn = wal_insert_lsn(wal);   /* nothing else appends meanwhile */
    OK(txn_commit(winner));
    /* a loser listed by the same checkpoint, whose last record is a change */
    Txn *loser = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &loser));
    uint64_t loser_first = wal_insert_lsn(wal);
    OK(tt_insert(&db, loser, 3, 300));
    uint64_t loser_xid = txn_xid(loser);
    uint64_t loser_last = wal_insert_lsn(wal);
    OK(tt_insert(&db, loser, 4, 400));
    /* every page written: the redo LSN passes the winner's COMMIT, which the table still
     * lists (as if its committer had not returned from the flush yet) */
    Listed listed = {.count = 2};
    listed.txns[0] = (CkptTxn){.xid = xid, .first_lsn = first_lsn, .last_lsn = commit_lsn,
                               .undo_next_lsn = commit_lsn};
    listed.txns[1] = (CkptTxn){.xid = loser_xid, .first_lsn = loser_first,
                               .last_lsn = loser_last, .undo_next_lsn = loser_last};
    ckpt_set_active_txn_fn(recov_ckpt(db.recov), listed_fn, &listed);
    CkptReport report;
    OK(ckpt_run(recov_ckpt(db.recov), CKPT_FLUSH_ALL, &report));
    MUST(report.redo_lsn > commit_lsn);
    MUST(report.active_txn_count == 2);
    crash(&db);   /* the loser never ended */
    reopen(&db);
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &reader));
    MUST(tt_get_value(&db, reader, 1) == 100);
    MUST(tt_get_value(&db, reader, 2) == 200);
    MUST(!tt_exists(&db, reader, 3));
    MUST(!tt_exists(&db, reader, 4));
    OK(txn_commit(reader));
    tt_close(&db);
}
END_TEST

static Suite *winner_suite(void)
{
    Suite *suite = suite_create("recov_listed_winner");
    TCase *tcase = tcase_create("recov_listed_winner");
    tcase_add_test(tcase, test_recov_listed_committed_transaction_is_a_winner);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(winner_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
