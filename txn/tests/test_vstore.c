/* txn/tests/test_vstore.c: the version store: memory returns to its baseline after a long
 * reader ends, spilled versions are read back exactly, the hard limit turns a needed dropped
 * version into 72000 instead of growing, and the store's own chain/prune rules. */
#include "txn/tests/txn_test_util.h"

enum { ROW_COUNT = 100 };

static void load(TestDb *db)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < ROW_COUNT; id++) OK(tt_insert(db, txn, id, id));
    OK(txn_commit(txn));
}

/* round_count rounds: each updates every row to id + 1000 * round in its own transaction. */
static void churn(TestDb *db, int first_round, int round_count)
{
    for (int round_idx = first_round; round_idx < first_round + round_count; round_idx++) {
        Txn *txn = NULL;
        OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
        for (int64_t id = 0; id < ROW_COUNT; id++) {
            OK(tt_update(db, txn, id, id + 1000 * (int64_t)(round_idx + 1)));
        }
        OK(txn_commit(txn));
    }
}

static int round_count_scaled(int base)
{
    int count = (int)(base * tt_scale());
    return count < 5 ? 5 : count;
}

START_TEST(test_vstore_memory_returns_to_baseline)
{
    TestDb db;
    tt_open(&db, NULL);
    load(&db);
    VStore *vstore = txn_manager_vstore(db.manager);
    VStoreStats baseline = vstore_stats(vstore);
    MUST(baseline.version_count == 0);
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));
    int rounds = round_count_scaled(50);
    churn(&db, 0, rounds);
    VStoreStats grown = vstore_stats(vstore);
    MUST(grown.version_count == (size_t)rounds * ROW_COUNT);
    MUST(grown.memory_size > baseline.memory_size);
    for (int64_t id = 0; id < ROW_COUNT; id++) MUST(tt_get_value(&db, reader, id) == id);
    OK(txn_commit(reader));   /* the reader's end prunes everything nobody can see */
    VStoreStats after = vstore_stats(vstore);
    MUST(after.memory_size == baseline.memory_size);
    MUST(after.version_count == 0 && after.chain_count == 0);
    /* Without a long reader, versions are pruned as transactions end. */
    churn(&db, rounds, rounds);
    MUST(vstore_stats(vstore).version_count <= ROW_COUNT);
    TxnPurgeStats stats;
    OK(txn_purge_run(db.manager, &stats));
    MUST(vstore_stats(vstore).memory_size == baseline.memory_size);
    tt_close(&db);
}
END_TEST

START_TEST(test_vstore_spill_and_read_back)
{
    TestDb db;
    TxnOptions options = {.vstore_memory_size = 16 * 1024, .vstore_size_max = 64 << 20};
    tt_open(&db, &options);
    load(&db);
    VStore *vstore = txn_manager_vstore(db.manager);
    /* Readers at several points in history. */
    int rounds = round_count_scaled(40);
    Txn *readers[4];
    for (int reader_idx = 0; reader_idx < 4; reader_idx++) {
        OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &readers[reader_idx]));
        churn(&db, reader_idx * rounds, rounds);
    }
    VStoreStats stats = vstore_stats(vstore);
    MUST(stats.spill_count > 0 && stats.spilled_size > 0);
    MUST(stats.memory_record_size <= 16 * 1024);
    MUST(stats.spilled_size > 16 * 1024);
    MUST(stats.drop_count == 0);
    for (int reader_idx = 0; reader_idx < 4; reader_idx++) {
        int64_t offset = reader_idx == 0 ? 0 : 1000 * (int64_t)(reader_idx * rounds);
        for (int64_t id = 0; id < ROW_COUNT; id++) {
            MUST(tt_get_value(&db, readers[reader_idx], id) == id + offset);
        }
        int64_t sum = 0;
        size_t count = 0;
        OK(tt_sum(&db, readers[reader_idx], &sum, &count));
        MUST(count == ROW_COUNT);
    }
    for (int reader_idx = 0; reader_idx < 4; reader_idx++) OK(txn_commit(readers[reader_idx]));
    stats = vstore_stats(vstore);
    MUST(stats.version_count == 0 && stats.spilled_size == 0 && stats.memory_size == 0);
    tt_close(&db);
}
END_TEST

START_TEST(test_vstore_hard_limit_snapshot_too_old)
{
    TestDb db;
    size_t size_max = 32 * 1024;
    TxnOptions options = {.vstore_memory_size = 8 * 1024, .vstore_size_max = size_max};
    tt_open(&db, &options);
    load(&db);
    VStore *vstore = txn_manager_vstore(db.manager);
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));
    MUST(tt_get_value(&db, reader, 0) == 0);
    int rounds = round_count_scaled(100);
    for (int round_idx = 0; round_idx < rounds; round_idx++) {
        churn(&db, round_idx, 1);
        VStoreStats stats = vstore_stats(vstore);
        MUST(stats.memory_size + stats.spilled_size <= size_max);   /* bounded, not growing */
    }
    VStoreStats stats = vstore_stats(vstore);
    MUST(stats.drop_count > 0);
    uint8_t key[TT_KEY_SIZE];
    tt_key(0, key);
    BtBuf record = {0};
    bool found = false;
    Error *err = txn_row_get(reader, db.table, key, sizeof key, &record, &found);
    MUST(err != NULL && err->state == SQLSTATE_SNAPSHOT_TOO_OLD);
    MUST(strcmp(err->message, "snapshot too old") == 0);
    err_free(err);
    int64_t sum = 0;
    size_t count = 0;
    EXPECT_STATE(tt_sum(&db, reader, &sum, &count), SNAPSHOT_TOO_OLD);
    OK(txn_rollback(reader));
    /* A fresh snapshot reads the newest versions without trouble. */
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));
    MUST(tt_get_value(&db, reader, 0) == 1000 * (int64_t)rounds);
    OK(txn_commit(reader));
    OK(txn_purge_run(db.manager, NULL));
    stats = vstore_stats(vstore);
    MUST(stats.memory_size == 0 && stats.chain_count == 0);
    bt_buf_free(&record);
    tt_close(&db);
}
END_TEST

/* Direct unit test of chains, visibility through them, truncation marks and pruning. */
static size_t record_of(uint64_t xid, uint64_t delete_xid, uint8_t out[ROW_HEADER_SIZE + 4])
{
    memset(out, 0, ROW_HEADER_SIZE + 4);
    out[ROW_HEADER_FORMAT_OFFSET] = ROW_FORMAT_V1;
    RowHeader header = {.xid = xid, .delete_xid = delete_xid};
    row_header_write(out, ROW_HEADER_SIZE + 4, &header);
    enc_u32le(out + ROW_HEADER_SIZE, (uint32_t)xid);
    return ROW_HEADER_SIZE + 4;
}

START_TEST(test_vstore_chain_rules)
{
    VStore *vstore = NULL;
    OK(vstore_create(1 << 20, 1 << 20, &vstore));
    uint8_t record[ROW_HEADER_SIZE + 4];
    const uint8_t key[] = {1, 2, 3};
    /* History of one row: written by 10, then 20 (deleted by 25 on that version? no: 30
     * superseded 20), newest in the tree by 30. */
    OK(vstore_push(vstore, 7, key, sizeof key, record, record_of(10, 0, record), 20));
    OK(vstore_push(vstore, 7, key, sizeof key, record, record_of(20, 0, record), 30));
    uint64_t active_20[] = {20};
    Snapshot before_20 = {.xmin = 20, .xmax = 40, .active_count = 1, .active = active_20};
    Snapshot after_20 = {.xmin = 30, .xmax = 30};
    Snapshot before_10 = {.xmin = 5, .xmax = 5};
    BtBuf out = {0};
    bool found = false;
    OK(vstore_find(vstore, 7, key, sizeof key, &before_20, &out, &found));
    MUST(found && dec_u32le(out.data + ROW_HEADER_SIZE) == 10);
    OK(vstore_find(vstore, 7, key, sizeof key, &after_20, &out, &found));
    MUST(found && dec_u32le(out.data + ROW_HEADER_SIZE) == 20);
    OK(vstore_find(vstore, 7, key, sizeof key, &before_10, &out, &found));
    MUST(!found);
    OK(vstore_find(vstore, 8, key, sizeof key, &before_10, &out, &found));   /* other tree */
    MUST(!found);
    /* A deleted version: visible delete means no row. */
    OK(vstore_push(vstore, 7, key, 2, record, record_of(10, 15, record), 50));
    OK(vstore_find(vstore, 7, key, 2, &after_20, &out, &found));
    MUST(!found);
    OK(vstore_find(vstore, 7, key, 2, &before_20, &out, &found));
    MUST(!found);
    Snapshot before_15 = {.xmin = 12, .xmax = 12};
    OK(vstore_find(vstore, 7, key, 2, &before_15, &out, &found));
    MUST(found);
    /* Prune below 25: the version superseded by 20 goes, the one superseded by 30 stays. */
    MUST(vstore_prune(vstore, 25, true) == 1);
    OK(vstore_find(vstore, 7, key, sizeof key, &after_20, &out, &found));
    MUST(found);
    OK(vstore_find(vstore, 7, key, sizeof key, &before_20, &out, &found));
    MUST(!found);   /* pruned: only valid because no such snapshot exists any more */
    /* Hard limit: shrink it so pushing drops the oldest; the chain is marked truncated. */
    vstore_set_limits(vstore, 1 << 20, 1);
    OK(vstore_push(vstore, 7, key, sizeof key, record, record_of(30, 0, record), 60));
    VStoreStats stats = vstore_stats(vstore);
    MUST(stats.version_count == 0 && stats.drop_count >= 1);
    Error *err = vstore_find(vstore, 7, key, sizeof key, &after_20, &out, &found);
    MUST(err != NULL && err->state == SQLSTATE_SNAPSHOT_TOO_OLD);
    err_free(err);
    /* The truncation mark lives until the horizon passes the dropped versions' superseders. */
    vstore_prune(vstore, 60, true);
    MUST(vstore_stats(vstore).chain_count == 1);
    vstore_prune(vstore, 61, true);
    MUST(vstore_stats(vstore).chain_count == 0);
    MUST(vstore_stats(vstore).memory_size == 0);
    bt_buf_free(&out);
    vstore_destroy(vstore);
}
END_TEST

static Suite *vstore_suite(void)
{
    Suite *suite = suite_create("vstore");
    TCase *tcase = tcase_create("vstore");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_vstore_memory_returns_to_baseline);
    tcase_add_test(tcase, test_vstore_spill_and_read_back);
    tcase_add_test(tcase, test_vstore_hard_limit_snapshot_too_old);
    tcase_add_test(tcase, test_vstore_chain_rules);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(vstore_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
