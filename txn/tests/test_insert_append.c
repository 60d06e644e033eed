/* txn/tests/test_insert_append.c: ascending inserts through txn_row_insert with the WAL (the
 * insert engineer's session 6 work: split_append and the append cursor in storage/btree.c).
 *
 * - WAL bytes per row of a bulk ascending insert stay close to one record per row (the old
 *   uneven split logged both rewritten pages: about 90 more bytes per row here);
 * - an aborted bulk append (many append splits, rows through the append cursor) is undone
 *   logically and leaves no trace: no row, a valid tree, later appends fine;
 * - a crash after a committed bulk append and during an uncommitted one: recovery redoes the
 *   append splits (PAGE_INIT/FORMAT/INSERT/SET_LINKS records) and undoes the loser, bt_check
 *   passes, exactly the committed rows remain; then appends continue on the recovered tree. */
#include <check.h>

#include "txn/tests/txn_test_util.h"

static const char *const DB_PATH = "append.birch";

static int scaled(int count, int min)
{
    int result = (int)(count * tt_scale());
    return result < min ? min : result;
}

/* open_db: the durable database on vfs (created, or recovered after a crash); the table tree
 * lives in root slot 1. */
static void open_db(TestDb *db, Vfs *vfs, bool fresh, RecovReport *report_out)
{
    Arena *arena = db->arena;
    RowLayout *layout = db->layout;
    memset(db, 0, sizeof *db);
    db->vfs = vfs;
    db->arena = arena;
    db->layout = layout;
    if (db->arena == NULL) {
        db->arena = arena_create(4096);
        RowKind kinds[1] = {ROW_KIND_FIXED8};
        OK(row_layout_new(db->arena, kinds, 1, &db->layout));
    }
    RecovOptions recov_options = {
        .store = {.vfs = vfs, .create = true, .pool_size = 8 << 20},
        .wal = {.capacity = 64 << 20},
        .undo_fn = txn_recov_undo,
    };
    RecovReport report;
    OK(recov_open(DB_PATH, &recov_options, &db->recov, &report));
    if (report_out != NULL) *report_out = report;
    db->store = recov_store(db->recov);
    TxnOptions options = {.wal = recov_wal(db->recov), .ckpt = recov_ckpt(db->recov),
                          .next_xid_min = report.max_xid + 1};
    OK(txn_manager_open(db->store, &options, &db->manager));
    if (fresh) {
        OK(bt_create(db->store, &db->root));
        Mtr mtr;
        mtr_begin(&mtr, db->store);
        store_root_set(&mtr, 1, db->root);
        OK(mtr_commit(&mtr));
    } else {
        db->root = store_root_get(db->store, 1);
    }
    OK(bt_open(db->store, db->root, &db->table));
    OK(txn_manager_register_tree(db->manager, db->table));
}

/* count_rows: the rows visible to a new transaction, checking ids [0, count) are there in
 * order with value id * 7 and nothing else is. */
static void expect_rows(TestDb *db, int64_t count)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    int64_t sum = 0;
    size_t rows = 0;
    OK(tt_sum(db, txn, &sum, &rows));
    ck_assert_msg(rows == (size_t)count, "%zu rows, %lld expected", rows, (long long)count);
    ck_assert_int_eq(sum, 7 * (count * (count - 1) / 2));
    for (int64_t id = 0; id < count; id += 97) MUST(tt_get_value(db, txn, id) == id * 7);
    MUST(!tt_exists(db, txn, count));
    OK(txn_commit(txn));
    BtCheckStats stats;
    OK(bt_check(db->table, &stats));
    OK(bt_check_store(db->store, &db->root, 1));
}

static void insert_range(TestDb *db, Txn *txn, int64_t from, int64_t to)
{
    for (int64_t id = from; id < to; id++) OK(tt_insert(db, txn, id, id * 7));
}

START_TEST(test_append_wal_bytes_per_row)
{
    TestDb db = {0};
    open_db(&db, vfs_fault_create(21), true, NULL);
    int count = scaled(40000, 8000);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    /* the first row alone: the per-row record size without any split */
    uint64_t before = wal_stats(recov_wal(db.recov)).byte_count;
    insert_range(&db, txn, 0, 1);
    uint64_t one = wal_stats(recov_wal(db.recov)).byte_count - before;
    before = wal_stats(recov_wal(db.recov)).byte_count;
    insert_range(&db, txn, 1, count);
    uint64_t bytes = wal_stats(recov_wal(db.recov)).byte_count - before;
    OK(txn_commit(txn));
    double per_row = (double)bytes / (count - 1);
    fprintf(stderr, "test_append_wal_bytes_per_row: %d rows, %.1f WAL bytes per row (a row's "
            "record alone: %llu)\n", count, per_row, (unsigned long long)one);
    ck_assert_msg(per_row <= (double)one + 8, "%.1f WAL bytes per row, one record is %llu",
                  per_row, (unsigned long long)one);
    expect_rows(&db, count);
    tt_close(&db);
}
END_TEST

START_TEST(test_append_abort_leaves_no_trace)
{
    TestDb db = {0};
    open_db(&db, vfs_fault_create(22), true, NULL);
    int committed = scaled(3000, 1000);
    int aborted = scaled(20000, 4000);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    insert_range(&db, txn, 0, committed);
    OK(txn_commit(txn));
    BtCheckStats before;
    OK(bt_check(db.table, &before));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    insert_range(&db, txn, committed, committed + aborted);
    OK(txn_rollback(txn));
    expect_rows(&db, committed);
    BtCheckStats after;
    OK(bt_check(db.table, &after));
    MUST(after.entry_count == (uint64_t)committed);
    /* the undone appends' pages were merged back: no more leaves than two per committed leaf */
    MUST(after.leaf_page_count <= before.leaf_page_count + 2);
    /* appends after the rollback go to the right place again */
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    insert_range(&db, txn, committed, committed + 500);
    OK(txn_commit(txn));
    expect_rows(&db, committed + 500);
    tt_close(&db);
}
END_TEST

START_TEST(test_append_crash_recover)
{
    Vfs *vfs = vfs_fault_create(23);
    TestDb db = {0};
    open_db(&db, vfs, true, NULL);
    int committed = scaled(30000, 6000);
    int loser = scaled(10000, 3000);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    insert_range(&db, txn, 0, committed);
    OK(txn_commit(txn));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    insert_range(&db, txn, committed, committed + loser);
    /* the loser's records reach the log (pages need not): a crash now */
    OK(wal_flush_all(recov_wal(db.recov)));
    txn_manager_unregister_tree(db.manager, db.table);
    bt_close(db.table);
    txn_manager_abandon(db.manager);
    recov_abandon(db.recov);
    vfs_fault_power_cut(vfs);

    RecovReport report;
    open_db(&db, vfs, false, &report);
    MUST(report.recovered);
    expect_rows(&db, committed);
    /* appends continue on the recovered tree (a fresh handle: the cursor starts cold) */
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    insert_range(&db, txn, committed, committed + 2000);
    OK(txn_commit(txn));
    expect_rows(&db, committed + 2000);
    /* and a clean close keeps them */
    txn_manager_unregister_tree(db.manager, db.table);
    bt_close(db.table);
    OK(txn_manager_close(db.manager));
    OK(recov_close(db.recov));
    open_db(&db, vfs, false, NULL);
    expect_rows(&db, committed + 2000);
    tt_close(&db);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("txn_insert_append");
    TCase *tc = tcase_create("append");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_append_wal_bytes_per_row);
    tcase_add_test(tc, test_append_abort_leaves_no_trace);
    tcase_add_test(tc, test_append_crash_recover);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
