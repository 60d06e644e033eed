/* txn/tests/test_command_ids.c: command ids (txn_cmd.c): under a read barrier a transaction's
 * own writes made at or after it are hidden from every reader (txn_row_get, txn_row_get_point,
 * txn_cursor, txn_page_scan, index entry visibility), and earlier own writes stay visible:
 * inserts, updates, deletes, several changes of one key after the barrier, a delete and
 * re-insert, savepoint rollbacks before and after the barrier, the index extended by writes
 * made between reads, and the self-modified rule of update/delete. Each check compares every
 * reader with a model of the table as the barrier's command saw it. */
#include <stdint.h>

#include "txn/tests/txn_test_util.h"
#include "txn/txn_int.h"

enum { ID_MAX = 2200, BASE_COUNT = 2000 };

typedef struct Model {
    bool    present[ID_MAX];
    int64_t value[ID_MAX];
} Model;

static void model_set(Model *model, int64_t id, int64_t value)
{
    model->present[id] = true;
    model->value[id] = value;
}

static void model_put(Model *got, TestDb *db, const uint8_t *key, size_t key_size,
                      const uint8_t *record, size_t record_size)
{
    int64_t id = tt_key_id(key, key_size);
    MUST(id >= 0 && id < ID_MAX);
    MUST(!got->present[id]);
    model_set(got, id, tt_value(db, record, record_size));
}

static void expect_model(const Model *expected, const Model *got, const char *reader)
{
    for (int64_t id = 0; id < ID_MAX; id++) {
        if (expected->present[id] != got->present[id] ||
            (expected->present[id] && expected->value[id] != got->value[id])) {
            ck_abort_msg("%s: id %lld: expected %s %lld, got %s %lld", reader, (long long)id,
                         expected->present[id] ? "value" : "absent",
                         (long long)expected->value[id], got->present[id] ? "value" : "absent",
                         (long long)got->value[id]);
        }
    }
}

/* expect_readers: every reader path of txn sees exactly expected. */
static void expect_readers(TestDb *db, Txn *txn, const Model *expected)
{
    static Model got;
    /* point reads, both descents */
    memset(&got, 0, sizeof got);
    BtBuf record = {0};
    for (int64_t id = 0; id < ID_MAX; id++) {
        uint8_t key[TT_KEY_SIZE];
        tt_key(id, key);
        bool found = false;
        OK(txn_row_get(txn, db->table, key, sizeof key, &record, &found));
        if (found) model_put(&got, db, key, sizeof key, record.data, record.size);
    }
    expect_model(expected, &got, "txn_row_get");
    memset(&got, 0, sizeof got);
    for (int64_t id = 0; id < ID_MAX; id++) {
        uint8_t key[TT_KEY_SIZE];
        tt_key(id, key);
        bool found = false;
        OK(txn_row_get_point(txn, db->table, key, sizeof key, &record, &found));
        if (found) model_put(&got, db, key, sizeof key, record.data, record.size);
    }
    bt_buf_free(&record);
    expect_model(expected, &got, "txn_row_get_point");
    /* cursor */
    memset(&got, 0, sizeof got);
    TxnCursor *cursor = NULL;
    OK(txn_cursor_open(txn, db->table, NULL, 0, NULL, 0, &cursor));
    for (;;) {
        bool found = false;
        OK(txn_cursor_next(cursor, &found));
        if (!found) break;
        size_t key_size = 0, record_size = 0;
        const uint8_t *key = txn_cursor_key(cursor, &key_size);
        const uint8_t *bytes = txn_cursor_record(cursor, &record_size);
        model_put(&got, db, key, key_size, bytes, record_size);
    }
    txn_cursor_close(cursor);
    expect_model(expected, &got, "txn_cursor");
    /* page scan */
    memset(&got, 0, sizeof got);
    TxnPageScan *scan = NULL;
    OK(txn_page_scan_open(txn, db->table, NULL, 0, NULL, 0, &scan));
    for (;;) {
        const TxnScanRow *rows = NULL;
        size_t count = 0;
        OK(txn_page_scan_next(scan, &rows, &count));
        if (count == 0) break;
        for (size_t idx = 0; idx < count; idx++) {
            model_put(&got, db, rows[idx].key, rows[idx].key_size, rows[idx].record,
                      rows[idx].record_size);
        }
    }
    txn_page_scan_close(scan);
    expect_model(expected, &got, "txn_page_scan");
}

/* open: BASE_COUNT committed rows id -> id * 10 (ids 1..BASE_COUNT), in model too. */
static void open_base(TestDb *db, Model *model)
{
    tt_open(db, NULL);
    memset(model, 0, sizeof *model);
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 1; id <= BASE_COUNT; id++) {
        OK(tt_insert(db, txn, id, id * 10));
        model_set(model, id, id * 10);
    }
    OK(txn_commit(txn));
}

START_TEST(test_barrier_hides_later_writes)
{
    TestDb db;
    static Model at_barrier, newest;
    open_base(&db, &at_barrier);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    /* before the barrier: visible to it */
    OK(tt_insert(&db, txn, 2001, 7));
    OK(tt_update(&db, txn, 2, 21));
    OK(tt_delete(&db, txn, 3));
    OK(tt_update(&db, txn, 9, 91));
    OK(tt_delete(&db, txn, 9));
    model_set(&at_barrier, 2001, 7);
    model_set(&at_barrier, 2, 21);
    at_barrier.present[3] = false;
    at_barrier.present[9] = false;
    TxnBarrier barrier = txn_barrier_now(txn);
    /* no reader under a barrier yet: writes build nothing */
    MUST(txn->own_index == NULL);
    /* after it: hidden */
    OK(tt_insert(&db, txn, 2002, 8));            /* a fresh key */
    OK(tt_update(&db, txn, 4, 41));              /* two updates of one key */
    OK(tt_update(&db, txn, 4, 42));
    OK(tt_delete(&db, txn, 5));                  /* a delete */
    OK(tt_update(&db, txn, 2, 22));              /* own row of before the barrier */
    OK(tt_delete(&db, txn, 2));
    OK(tt_insert(&db, txn, 3, 33));              /* over its own earlier delete */
    OK(tt_update(&db, txn, 2001, 9));            /* own insert of before the barrier */
    OK(tt_delete(&db, txn, 6));                  /* delete, then insert again */
    OK(tt_insert(&db, txn, 6, 66));
    OK(tt_update(&db, txn, 1500, 1));            /* far away: another leaf */
    OK(tt_insert(&db, txn, 9, 99));              /* deleted before, inserted after */
    MUST(txn->own_index == NULL);
    memcpy(&newest, &at_barrier, sizeof newest);
    model_set(&newest, 2002, 8);
    model_set(&newest, 4, 42);
    newest.present[5] = false;
    newest.present[2] = false;
    model_set(&newest, 3, 33);
    model_set(&newest, 2001, 9);
    model_set(&newest, 6, 66);
    model_set(&newest, 1500, 1);
    model_set(&newest, 9, 99);
    /* without a barrier: every own write */
    expect_readers(&db, txn, &newest);
    MUST(txn->own_index == NULL);
    txn_read_barrier_set(txn, &barrier);
    TxnBarrier installed;
    MUST(txn_read_barrier_get(txn, &installed));
    MUST(installed.undo_pos == barrier.undo_pos);
    expect_readers(&db, txn, &at_barrier);
    /* writes between two reads extend the index */
    OK(tt_update(&db, txn, 7, 71));
    OK(tt_delete(&db, txn, 8));
    OK(tt_insert(&db, txn, 2003, 1));
    OK(tt_update(&db, txn, 4, 43));
    expect_readers(&db, txn, &at_barrier);
    model_set(&newest, 7, 71);
    newest.present[8] = false;
    model_set(&newest, 2003, 1);
    model_set(&newest, 4, 43);
    /* a barrier taken now sees everything so far */
    TxnBarrier later = txn_barrier_now(txn);
    txn_read_barrier_set(txn, &later);
    expect_readers(&db, txn, &newest);
    txn_read_barrier_set(txn, NULL);
    MUST(!txn_read_barrier_get(txn, &installed));
    expect_readers(&db, txn, &newest);
    /* another transaction sees none of it; after the commit, all of it */
    Txn *other = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &other));
    static Model committed;
    memset(&committed, 0, sizeof committed);
    for (int64_t id = 1; id <= BASE_COUNT; id++) model_set(&committed, id, id * 10);
    expect_readers(&db, other, &committed);
    OK(txn_commit(other));
    OK(txn_commit(txn));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &other));
    expect_readers(&db, other, &newest);
    OK(txn_commit(other));
    tt_close(&db);
}
END_TEST

START_TEST(test_barrier_savepoints)
{
    TestDb db;
    static Model base, expected;
    open_base(&db, &base);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &txn));
    OK(tt_update(&db, txn, 10, 101));
    TxnBarrier before = txn_barrier_now(txn);   /* before the savepoint */
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    OK(tt_update(&db, txn, 11, 111));
    OK(tt_insert(&db, txn, 2010, 1));
    TxnBarrier inside = txn_barrier_now(txn);   /* after the savepoint, rolled back below */
    OK(tt_update(&db, txn, 12, 121));
    /* read under inside: build the index over the entries to be rolled back */
    txn_read_barrier_set(txn, &inside);
    memcpy(&expected, &base, sizeof expected);
    model_set(&expected, 10, 101);
    model_set(&expected, 11, 111);
    model_set(&expected, 2010, 1);
    expect_readers(&db, txn, &expected);
    txn_read_barrier_set(txn, NULL);
    OK(txn_rollback_to(txn, &savepoint));
    /* the same undo positions are used again by new writes */
    OK(tt_update(&db, txn, 13, 131));
    OK(tt_update(&db, txn, 14, 141));
    OK(tt_insert(&db, txn, 2011, 2));
    OK(tt_update(&db, txn, 15, 151));
    /* inside now reads as the savepoint: every write since is after it */
    memcpy(&expected, &base, sizeof expected);
    model_set(&expected, 10, 101);
    txn_read_barrier_set(txn, &inside);
    expect_readers(&db, txn, &expected);
    txn_read_barrier_set(txn, &before);
    expect_readers(&db, txn, &expected);
    /* a second rollback to the same savepoint, then a barrier taken after it */
    OK(txn_rollback_to(txn, &savepoint));
    OK(tt_update(&db, txn, 16, 161));
    TxnBarrier after = txn_barrier_now(txn);
    OK(tt_update(&db, txn, 17, 171));
    txn_read_barrier_set(txn, &inside);
    expect_readers(&db, txn, &expected);
    txn_read_barrier_set(txn, &after);
    model_set(&expected, 16, 161);
    expect_readers(&db, txn, &expected);
    /* an error: a savepoint of another transaction is refused */
    TxnSavepoint forged = savepoint;
    forged.xid = txn_xid(txn) + 1;
    EXPECT_STATE(txn_rollback_to(txn, &forged), INVALID_TRANSACTION_STATE);
    OK(txn_rollback(txn));
    tt_close(&db);
}
END_TEST

START_TEST(test_barrier_self_modified)
{
    TestDb db;
    static Model base;
    open_base(&db, &base);
    for (int isolation = 0; isolation < 2; isolation++) {
        Txn *txn = NULL;
        OK(txn_begin(db.manager, isolation == 0 ? TXN_READ_COMMITTED : TXN_REPEATABLE_READ,
                     &txn));
        int64_t value = 0;
        bool found = false;
        uint64_t seen = 0;
        OK(tt_get(&db, txn, 20, &value, &found, &seen));
        MUST(found && seen != txn_xid(txn));
        TxnBarrier barrier = txn_barrier_now(txn);
        txn_read_barrier_set(txn, &barrier);
        TxnRowResult result;
        OK(tt_update_seen(&db, txn, 20, 201, seen, &result));
        MUST(result.outcome == TXN_ROW_DONE);
        txn_row_result_free(&result);
        /* the same command changes it again, having seen the version before the barrier:
         * ignored (no 40001 at REPEATABLE READ, no re-check at READ COMMITTED) */
        OK(tt_update_seen(&db, txn, 20, 202, seen, &result));
        MUST(result.outcome == TXN_ROW_GONE);
        txn_row_result_free(&result);
        uint8_t key[TT_KEY_SIZE];
        tt_key(20, key);
        OK(txn_row_delete(txn, db.table, key, sizeof key, seen, &result));
        MUST(result.outcome == TXN_ROW_GONE);
        txn_row_result_free(&result);
        MUST(tt_get_value(&db, txn, 20) == 200);   /* still as of the barrier */
        /* a later command sees it and may change it */
        TxnBarrier next = txn_barrier_now(txn);
        txn_read_barrier_set(txn, &next);
        OK(tt_get(&db, txn, 20, &value, &found, &seen));
        MUST(found && value == 201 && seen == txn_xid(txn));
        OK(tt_update_seen(&db, txn, 20, 203, seen, &result));
        MUST(result.outcome == TXN_ROW_DONE);
        txn_row_result_free(&result);
        txn_read_barrier_set(txn, NULL);
        MUST(tt_get_value(&db, txn, 20) == 203);
        OK(txn_rollback(txn));
    }
    tt_close(&db);
}
END_TEST

typedef struct RecheckCtx {
    TestDb *db;
    int64_t value;
} RecheckCtx;

static bool recheck_match(void *ctx_in, const uint8_t *record, size_t record_size)
{
    RecheckCtx *ctx = ctx_in;
    return tt_value(ctx->db, record, record_size) == ctx->value;
}

START_TEST(test_barrier_index_entries)
{
    TestDb db;
    static Model base;
    open_base(&db, &base);
    PageId root;
    BTree *index = NULL;
    OK(bt_create(db.store, &root));
    OK(bt_open(db.store, root, &index));
    uint8_t key_a[TT_KEY_SIZE], key_b[TT_KEY_SIZE];
    tt_key(1, key_a);
    tt_key(2, key_b);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(txn_index_insert(txn, index, key_a, sizeof key_a, 0));
    OK(txn_index_insert(txn, index, key_b, sizeof key_b, 0));
    OK(txn_index_mark(txn, index, key_b, sizeof key_b));   /* marked before the barrier */
    TxnBarrier barrier = txn_barrier_now(txn);
    OK(txn_index_mark(txn, index, key_a, sizeof key_a));   /* marked after it */
    BtBuf value = {0};
    bool found = false, visible = true;
    OK(bt_get(index, key_a, sizeof key_a, &value, &found));
    MUST(found);
    OK(txn_index_entry_visible(txn, value.data, value.size, &visible));
    MUST(!visible);
    txn_read_barrier_set(txn, &barrier);
    OK(txn_index_entry_visible(txn, value.data, value.size, &visible));
    MUST(visible);
    /* an own mark of before the barrier is let through as well (the entry carries no key of
     * its own to look up): the re-check of the row rules it out */
    OK(bt_get(index, key_b, sizeof key_b, &value, &found));
    MUST(found);
    OK(txn_index_entry_visible(txn, value.data, value.size, &visible));
    MUST(visible);
    txn_read_barrier_set(txn, NULL);
    OK(txn_index_entry_visible(txn, value.data, value.size, &visible));
    MUST(!visible);
    txn_read_barrier_set(txn, &barrier);
    /* the re-check goes through the row reader: a row deleted after the barrier matches */
    OK(tt_delete(&db, txn, 30));
    BtBuf record = {0};
    uint8_t row_key[TT_KEY_SIZE];
    tt_key(30, row_key);
    RecheckCtx ctx = {.db = &db, .value = 300};
    OK(txn_index_recheck(txn, db.table, row_key, sizeof row_key, recheck_match, &ctx, &record,
                         &visible));
    MUST(visible);
    txn_read_barrier_set(txn, NULL);
    OK(txn_index_recheck(txn, db.table, row_key, sizeof row_key, recheck_match, &ctx, &record,
                         &visible));
    MUST(!visible);
    bt_buf_free(&record);
    bt_buf_free(&value);
    OK(txn_rollback(txn));
    bt_close(index);
    tt_close(&db);
}
END_TEST

static Suite *command_ids_suite(void)
{
    Suite *suite = suite_create("command_ids");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_barrier_hides_later_writes);
    tcase_add_test(tcase, test_barrier_savepoints);
    tcase_add_test(tcase, test_barrier_self_modified);
    tcase_add_test(tcase, test_barrier_index_entries);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(command_ids_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
