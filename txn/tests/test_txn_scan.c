/* txn/tests/test_txn_scan.c: page-at-a-time visibility scans (txn_page_scan_*, added by perf)
 * return exactly the rows txn_cursor returns: for old REPEATABLE READ snapshots that need the
 * version store, READ COMMITTED snapshots, a writer's own uncommitted inserts, updates and
 * deletes, others' in-progress writes, rolled-back writes, delete marks, [lo, hi) ranges, and
 * values in overflow chains; changes made between two calls of one scan do not change what
 * the snapshot sees. */
#include <stdint.h>

#include "txn/tests/txn_test_util.h"

typedef struct Rows {
    size_t   count;
    int64_t  ids[1 << 15];
    int64_t  values[1 << 15];
    uint64_t xids[1 << 15];
} Rows;

static void rows_add(TestDb *db, Rows *rows, const uint8_t *key, size_t key_size,
                     const uint8_t *record, size_t record_size)
{
    MUST(rows->count < sizeof rows->ids / sizeof rows->ids[0]);
    rows->ids[rows->count] = tt_key_id(key, key_size);
    rows->values[rows->count] = tt_value(db, record, record_size);
    rows->xids[rows->count] = tt_record_xid(record, record_size);
    rows->count++;
}

static void cursor_rows(TestDb *db, Txn *txn, const uint8_t *lo, size_t lo_size,
                        const uint8_t *hi, size_t hi_size, Rows *rows)
{
    rows->count = 0;
    TxnCursor *cursor = NULL;
    OK(txn_cursor_open(txn, db->table, lo, lo_size, hi, hi_size, &cursor));
    for (;;) {
        bool found = false;
        OK(txn_cursor_next(cursor, &found));
        if (!found) break;
        size_t key_size = 0, record_size = 0;
        const uint8_t *key = txn_cursor_key(cursor, &key_size);
        const uint8_t *record = txn_cursor_record(cursor, &record_size);
        rows_add(db, rows, key, key_size, record, record_size);
    }
    txn_cursor_close(cursor);
}

static void page_rows(TestDb *db, Txn *txn, const uint8_t *lo, size_t lo_size,
                      const uint8_t *hi, size_t hi_size, Rows *rows)
{
    rows->count = 0;
    TxnPageScan *scan = NULL;
    OK(txn_page_scan_open(txn, db->table, lo, lo_size, hi, hi_size, &scan));
    for (;;) {
        const TxnScanRow *page = NULL;
        size_t count = 0;
        OK(txn_page_scan_next(scan, &page, &count));
        if (count == 0) break;
        for (size_t idx = 0; idx < count; idx++) {
            rows_add(db, rows, page[idx].key, page[idx].key_size, page[idx].record,
                     page[idx].record_size);
        }
    }
    txn_page_scan_close(scan);
}

static void expect_same(TestDb *db, Txn *txn, const uint8_t *lo, size_t lo_size,
                        const uint8_t *hi, size_t hi_size)
{
    static Rows expected, got;
    cursor_rows(db, txn, lo, lo_size, hi, hi_size, &expected);
    page_rows(db, txn, lo, lo_size, hi, hi_size, &got);
    MUST(got.count == expected.count);
    for (size_t idx = 0; idx < got.count; idx++) {
        MUST(got.ids[idx] == expected.ids[idx]);
        MUST(got.values[idx] == expected.values[idx]);
        MUST(got.xids[idx] == expected.xids[idx]);
    }
}

static void expect_same_ranges(TestDb *db, Txn *txn, int64_t id_max)
{
    expect_same(db, txn, NULL, 0, NULL, 0);
    uint8_t lo[TT_KEY_SIZE], hi[TT_KEY_SIZE];
    tt_key(id_max / 3, lo);
    tt_key(id_max / 3 * 2 + 1, hi);
    expect_same(db, txn, lo, sizeof lo, hi, sizeof hi);
    expect_same(db, txn, lo, sizeof lo, NULL, 0);
    expect_same(db, txn, NULL, 0, hi, sizeof hi);
}

static void random_changes(TestDb *db, Txn *txn, int64_t id_max, int change_count,
                           unsigned *seed)
{
    for (int change = 0; change < change_count; change++) {
        int64_t id = (int64_t)(rand_r(seed) % (unsigned)id_max);
        if (!tt_exists(db, txn, id)) {
            OK(tt_insert(db, txn, id, 1000 + change));
        } else if (rand_r(seed) % 2 == 0) {
            OK(tt_update(db, txn, id, -change));
        } else {
            OK(tt_delete(db, txn, id));
        }
    }
}

START_TEST(test_page_scan_matches_cursor)
{
    TestDb db;
    tt_open(&db, NULL);
    int64_t id_max = (int64_t)(6000 * tt_scale()) + 200;
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < id_max; id += 2) OK(tt_insert(&db, txn, id, id * 10));
    OK(txn_commit(txn));
    unsigned seed = 17;
    Txn *old_reader = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &old_reader));
    expect_same_ranges(&db, old_reader, id_max);
    /* committed changes after old_reader's snapshot: it needs the version store */
    for (int round = 0; round < 3; round++) {
        OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
        random_changes(&db, txn, id_max, (int)(id_max / 4), &seed);
        OK(txn_commit(txn));
    }
    /* one writer in progress, one rolled back */
    Txn *writer = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &writer));
    random_changes(&db, writer, id_max, (int)(id_max / 4), &seed);
    Txn *loser = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &loser));
    for (int64_t id = id_max; id < id_max + 300; id += 3) OK(tt_insert(&db, loser, id, 7));
    OK(tt_update(&db, loser, id_max, 8));
    OK(tt_delete(&db, loser, id_max + 3));
    OK(txn_rollback(loser));
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &reader));
    expect_same_ranges(&db, old_reader, id_max);     /* versions from the version store */
    expect_same_ranges(&db, reader, id_max);         /* the writer's rows are invisible */
    expect_same_ranges(&db, writer, id_max);         /* its own writes are visible */
    OK(txn_commit(writer));
    expect_same_ranges(&db, reader, id_max);         /* same snapshot: still invisible */
    OK(txn_statement_begin(reader));
    expect_same_ranges(&db, reader, id_max);         /* new snapshot: visible */
    expect_same_ranges(&db, old_reader, id_max);
    OK(txn_commit(reader));
    OK(txn_commit(old_reader));
    tt_close(&db);
}
END_TEST

/* A scan sees its snapshot even when rows change between two of its calls. */
START_TEST(test_page_scan_changes_between_calls)
{
    TestDb db;
    tt_open(&db, NULL);
    int64_t id_max = (int64_t)(4000 * tt_scale()) + 400;
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < id_max; id++) OK(tt_insert(&db, txn, id, id));
    OK(txn_commit(txn));
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));
    static Rows expected, got;
    cursor_rows(&db, reader, NULL, 0, NULL, 0, &expected);
    MUST(expected.count == (size_t)id_max);
    got.count = 0;
    TxnPageScan *scan = NULL;
    OK(txn_page_scan_open(reader, db.table, NULL, 0, NULL, 0, &scan));
    unsigned seed = 3;
    for (;;) {
        const TxnScanRow *page = NULL;
        size_t count = 0;
        OK(txn_page_scan_next(scan, &page, &count));
        if (count == 0) break;
        for (size_t idx = 0; idx < count; idx++) {
            rows_add(&db, &got, page[idx].key, page[idx].key_size, page[idx].record,
                     page[idx].record_size);
        }
        /* committed updates, deletes and inserts (splits) everywhere, one in progress */
        OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
        random_changes(&db, txn, id_max * 2, 40, &seed);
        OK(txn_commit(txn));
    }
    txn_page_scan_close(scan);
    MUST(got.count == expected.count);
    for (size_t idx = 0; idx < got.count; idx++) {
        MUST(got.ids[idx] == expected.ids[idx] && got.values[idx] == expected.values[idx]);
    }
    OK(txn_commit(reader));
    tt_close(&db);
}
END_TEST

/* Records in overflow chains go through txn_row_get: the full record comes back. */
START_TEST(test_page_scan_overflow_records)
{
    TestDb db;
    tt_open(&db, NULL);
    RowKind kinds[2] = {ROW_KIND_FIXED8, ROW_KIND_VAR};
    RowLayout *layout = NULL;
    OK(row_layout_new(db.arena, kinds, 2, &layout));
    size_t big_size = 6000;
    uint8_t *text = malloc(big_size);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < 40; id++) {
        uint8_t number[8];
        enc_u64le(number, (uint64_t)id);
        size_t text_size = id % 3 == 0 ? big_size : 10;
        memset(text, 'a' + (int)(id % 26), text_size);
        RowValue values[2] = {{.bytes = number, .size = 8}, {.bytes = text, .size = text_size}};
        size_t size = 0;
        OK(row_size(layout, values, &size));
        uint8_t *record = malloc(size);
        RowHeader header = {0};
        row_encode(layout, &header, values, record, size);
        uint8_t key[TT_KEY_SIZE];
        tt_key(id, key);
        OK(txn_row_insert(txn, db.table, key, sizeof key, record, size));
        free(record);
    }
    OK(txn_commit(txn));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    TxnPageScan *scan = NULL;
    OK(txn_page_scan_open(txn, db.table, NULL, 0, NULL, 0, &scan));
    int64_t next_id = 0;
    for (;;) {
        const TxnScanRow *page = NULL;
        size_t count = 0;
        OK(txn_page_scan_next(scan, &page, &count));
        if (count == 0) break;
        for (size_t idx = 0; idx < count; idx++) {
            MUST(tt_key_id(page[idx].key, page[idx].key_size) == next_id);
            OK(row_validate(layout, page[idx].record, page[idx].record_size));
            RowValue value;
            OK(row_column(layout, page[idx].record, page[idx].record_size, 1, &value));
            MUST(value.size == (next_id % 3 == 0 ? big_size : 10));
            MUST(value.bytes[value.size - 1] == 'a' + (int)(next_id % 26));
            next_id++;
        }
    }
    MUST(next_id == 40);
    txn_page_scan_close(scan);
    OK(txn_commit(txn));
    free(text);
    tt_close(&db);
}
END_TEST

/* A corrupt record header is DATA_CORRUPTED, not a crash. */
START_TEST(test_page_scan_corrupt_header)
{
    TestDb db;
    tt_open(&db, NULL);
    uint8_t key[TT_KEY_SIZE];
    tt_key(1, key);
    uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};   /* shorter than a row header */
    OK(bt_insert(db.table, key, sizeof key, junk, sizeof junk));
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    TxnPageScan *scan = NULL;
    OK(txn_page_scan_open(txn, db.table, NULL, 0, NULL, 0, &scan));
    const TxnScanRow *page = NULL;
    size_t count = 0;
    EXPECT_STATE(txn_page_scan_next(scan, &page, &count), DATA_CORRUPTED);
    txn_page_scan_close(scan);
    OK(txn_commit(txn));
    bool found = false;
    OK(bt_delete(db.table, key, sizeof key, &found));
    MUST(found);
    tt_close(&db);
}
END_TEST

static Suite *scan_suite(void)
{
    Suite *suite = suite_create("txn_scan");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_page_scan_matches_cursor);
    tcase_add_test(tcase, test_page_scan_changes_between_calls);
    tcase_add_test(tcase, test_page_scan_overflow_records);
    tcase_add_test(tcase, test_page_scan_corrupt_header);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(scan_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
