/* txn/tests/test_scan_xmin.c: the all-plain leaf path of txn_page_scan (scanpath) at the
 * snapshot's xmin boundary. Rows written below xmin are handed out in place (storage's plain
 * leaves); rows of a writer committed before the snapshot but above its xmin, rows of a writer
 * active at snapshot time, delete marks of a deleter the snapshot does not see, and one
 * uncommitted update in a leaf of otherwise plain rows all take the per-row path; the scan
 * returns, row for row, what txn_cursor returns and what the test expects. */
#include <stdint.h>

#include "txn/tests/txn_test_util.h"

enum { ROWS_MAX = 1 << 14 };

typedef struct Seen {
    size_t  count;
    int64_t ids[ROWS_MAX];
    int64_t values[ROWS_MAX];
} Seen;

static void page_seen(TestDb *db, Txn *txn, Seen *seen)
{
    seen->count = 0;
    TxnPageScan *scan = NULL;
    OK(txn_page_scan_open(txn, db->table, NULL, 0, NULL, 0, &scan));
    for (;;) {
        const TxnScanRow *rows = NULL;
        size_t count = 0;
        OK(txn_page_scan_next(scan, &rows, &count));
        if (count == 0) break;
        for (size_t idx = 0; idx < count; idx++) {
            MUST(seen->count < ROWS_MAX);
            seen->ids[seen->count] = tt_key_id(rows[idx].key, rows[idx].key_size);
            seen->values[seen->count] = tt_value(db, rows[idx].record, rows[idx].record_size);
            seen->count++;
        }
    }
    txn_page_scan_close(scan);
}

static void cursor_seen(TestDb *db, Txn *txn, Seen *seen)
{
    seen->count = 0;
    TxnCursor *cursor = NULL;
    OK(txn_cursor_open(txn, db->table, NULL, 0, NULL, 0, &cursor));
    for (;;) {
        bool found = false;
        OK(txn_cursor_next(cursor, &found));
        if (!found) break;
        size_t key_size = 0, record_size = 0;
        const uint8_t *key = txn_cursor_key(cursor, &key_size);
        const uint8_t *record = txn_cursor_record(cursor, &record_size);
        MUST(seen->count < ROWS_MAX);
        seen->ids[seen->count] = tt_key_id(key, key_size);
        seen->values[seen->count] = tt_value(db, record, record_size);
        seen->count++;
    }
    txn_cursor_close(cursor);
}

/* expect: the page scan equals the cursor and the model (value per id, -1 absent). */
static void expect(TestDb *db, Txn *txn, const int64_t *model, int64_t id_max)
{
    static Seen page, cursor;
    page_seen(db, txn, &page);
    cursor_seen(db, txn, &cursor);
    MUST(page.count == cursor.count);
    size_t pos = 0;
    for (int64_t id = 0; id < id_max; id++) {
        if (model[id] < 0) continue;
        MUST(pos < page.count);
        if (page.ids[pos] != id || page.values[pos] != model[id]) {
            ck_abort_msg("row %zu: id %lld value %lld, expected id %lld value %lld", pos,
                         (long long)page.ids[pos], (long long)page.values[pos], (long long)id,
                         (long long)model[id]);
        }
        MUST(cursor.ids[pos] == id && cursor.values[pos] == model[id]);
        pos++;
    }
    MUST(pos == page.count);
}

START_TEST(test_scan_xmin_boundary)
{
    TestDb db;
    tt_open(&db, NULL);
    int64_t id_max = (int64_t)(3000 * tt_scale()) + 600;
    int64_t *model = malloc((size_t)id_max * sizeof *model);
    for (int64_t id = 0; id < id_max; id++) model[id] = -1;
    /* A: ids below id_max / 2, committed first (below every later xmin) */
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < id_max / 2; id++) {
        OK(tt_insert(&db, txn, id, id * 10));
        model[id] = id * 10;
    }
    OK(txn_commit(txn));
    /* holder: active from here on, so every later snapshot's xmin is at most its xid */
    Txn *holder = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &holder));
    OK(tt_insert(&db, holder, id_max - 1, 7));           /* invisible to everyone else */
    /* B: the upper ids, committed above the holder's xid (visible, not below xmin) */
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = id_max / 2; id < id_max - 1; id++) {
        OK(tt_insert(&db, txn, id, id * 10 + 1));
        model[id] = id * 10 + 1;
    }
    OK(txn_commit(txn));
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));
    expect(&db, reader, model, id_max);
    /* after the snapshot: a committed delete and update in A, an uncommitted update in A */
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_delete(&db, txn, 3));
    OK(tt_update(&db, txn, 5, 55555));
    OK(txn_commit(txn));
    Txn *writer = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &writer));
    OK(tt_update(&db, writer, 100, 77777));
    expect(&db, reader, model, id_max);                  /* the reader's snapshot: unchanged */
    /* a fresh snapshot: the delete and the update seen, the uncommitted ones not */
    Txn *fresh = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &fresh));
    model[3] = -1;
    model[5] = 55555;
    expect(&db, fresh, model, id_max);
    /* the writer sees its own update (its xid is above every xmin: the per-row path) */
    int64_t saved = model[100];
    model[100] = 77777;
    expect(&db, writer, model, id_max);
    OK(txn_rollback(writer));
    model[100] = saved;
    expect(&db, fresh, model, id_max);
    OK(txn_commit(fresh));
    OK(txn_commit(reader));
    OK(txn_rollback(holder));
    /* everything settled: a new snapshot's xmin is above every writer, all leaves plain */
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));
    expect(&db, reader, model, id_max);
    OK(txn_commit(reader));
    free(model);
    tt_close(&db);
}
END_TEST

static Suite *xmin_suite(void)
{
    Suite *suite = suite_create("scan_xmin");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_scan_xmin_boundary);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(xmin_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
