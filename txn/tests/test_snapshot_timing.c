/* txn/tests/test_snapshot_timing.c: when a REPEATABLE READ transaction's snapshot is taken.
 * PostgreSQL takes it at the first statement that needs one, not at BEGIN, SAVEPOINT or LOCK
 * TABLE; the executor begins its Txn earlier for those and then calls txn_snapshot_retake at
 * the first such statement. Checked: a commit between txn_begin and the retake is seen, one
 * after it is not (the retaken snapshot is kept by txn_statement_begin); the retake moves the
 * transaction's xmin (the purge horizon) forward, never back; a transaction that has written
 * cannot retake (25001) and keeps its snapshot; READ COMMITTED may retake too. */
#include <check.h>
#include <stdlib.h>

#include "txn_test_util.h"

static void commit_insert(TestDb *db, int64_t id, int64_t value)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    OK(tt_insert(db, txn, id, value));
    OK(txn_commit(txn));
}

START_TEST(test_snapshot_retake_sees_commits_before_first_statement)
{
    TestDb db;
    tt_open(&db, NULL);
    commit_insert(&db, 1, 10);
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));   /* BEGIN ... (SAVEPOINT, LOCK) */
    commit_insert(&db, 2, 20);                                  /* another session commits */
    OK(txn_snapshot_retake(reader));                            /* the first statement */
    OK(txn_statement_begin(reader));
    MUST(tt_exists(&db, reader, 1));
    MUST(tt_exists(&db, reader, 2));
    commit_insert(&db, 3, 30);                                  /* after the snapshot */
    OK(txn_statement_begin(reader));                            /* RR keeps it */
    MUST(!tt_exists(&db, reader, 3));
    /* a concurrent update after the snapshot: 40001 on write, as before */
    Txn *writer = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &writer));
    OK(tt_update(&db, writer, 2, 21));
    OK(txn_commit(writer));
    MUST(tt_get_value(&db, reader, 2) == 20);
    EXPECT_STATE(tt_update(&db, reader, 2, 22), SERIALIZATION_FAILURE);
    OK(txn_rollback(reader));
    tt_close(&db);
}
END_TEST

START_TEST(test_snapshot_retake_moves_xmin_forward)
{
    TestDb db;
    tt_open(&db, NULL);
    Txn *old = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &old));
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));
    uint64_t xmin_before = txn_snapshot(reader)->xmin;
    MUST(xmin_before == txn_xid(old));
    MUST(txn_manager_horizon(db.manager) <= xmin_before);
    OK(txn_commit(old));
    OK(txn_snapshot_retake(reader));
    /* the old transaction ended: the reader's xmin is now its own xid */
    MUST(txn_snapshot(reader)->xmin == txn_xid(reader));
    MUST(txn_snapshot(reader)->xmin > xmin_before);
    MUST(txn_snapshot(reader)->active_count == 0);
    OK(txn_commit(reader));
    tt_close(&db);
}
END_TEST

START_TEST(test_snapshot_retake_refused_after_a_write)
{
    TestDb db;
    tt_open(&db, NULL);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &txn));
    OK(tt_insert(&db, txn, 1, 1));
    commit_insert(&db, 2, 2);
    EXPECT_STATE(txn_snapshot_retake(txn), ACTIVE_SQL_TRANSACTION);
    MUST(!tt_exists(&db, txn, 2));   /* the old snapshot stays */
    MUST(tt_exists(&db, txn, 1));
    OK(txn_commit(txn));
    /* READ COMMITTED may retake before it writes, like a statement begin */
    Txn *committed = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &committed));
    commit_insert(&db, 3, 3);
    OK(txn_snapshot_retake(committed));
    MUST(tt_exists(&db, committed, 3));
    OK(txn_commit(committed));
    tt_close(&db);
}
END_TEST

static Suite *timing_suite(void)
{
    Suite *suite = suite_create("snapshot_timing");
    TCase *tcase = tcase_create("snapshot_timing");
    tcase_add_test(tcase, test_snapshot_retake_sees_commits_before_first_statement);
    tcase_add_test(tcase, test_snapshot_retake_moves_xmin_forward);
    tcase_add_test(tcase, test_snapshot_retake_refused_after_a_write);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(timing_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
