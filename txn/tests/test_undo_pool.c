/* txn/tests/test_undo_pool.c: the pooled undo stack (txn.c "undo", txn_int.h UndoEntry /
 * UndoBlock): entries live in bump blocks, not one malloc each.
 *
 * - push/pop directly: keys and records of every size (empty, inline, larger than the first
 *   block, larger than UNDO_BLOCK_SIZE_MAX) come back byte for byte, newest first, across
 *   block boundaries and the spare block; undo_count tracks every step;
 * - a large INSERT (with updates and deletes of committed rows) rolled back with the WAL:
 *   every row undone, the tree byte-identical to before, bt_check passes;
 * - savepoint rollbacks at many depths inside one large transaction (including push/pop
 *   cycles at a block boundary), then commit: exactly the kept rows survive;
 * - a change that fails (duplicate key) pops its entry: the stack is unchanged. */
#include <check.h>

#include "txn/tests/txn_test_util.h"
#include "txn/txn_int.h"

static int scaled(int count, int min)
{
    int result = (int)(count * tt_scale());
    return result < min ? min : result;
}

/* pattern: the deterministic byte i of entry n's key (salt 0) or record (salt 1). */
static uint8_t pattern(size_t n, size_t i, int salt)
{
    return (uint8_t)(n * 31u + i * 7u + (size_t)salt * 101u + (i >> 8));
}

static size_t key_size_of(size_t n) { return n % 5 == 0 ? 0 : 1 + (n * 13) % 40; }

/* record_size_of: SIZE_MAX for "no record"; a few entries far larger than a block */
static size_t record_size_of(size_t n)
{
    if (n % 3 == 0) return SIZE_MAX;
    if (n == 77) return (size_t)UNDO_BLOCK_SIZE_MAX + 12345;
    if (n % 97 == 5) return (size_t)UNDO_BLOCK_SIZE_MIN * 3 + 1;
    return n % 4 == 0 ? 0 : 1 + (n * 17) % 100;
}

static void push_entry(Txn *txn, BTree *tree, size_t n)
{
    size_t key_size = key_size_of(n);
    size_t record_size = record_size_of(n);
    uint8_t *key = malloc(key_size + 1);
    for (size_t i = 0; i < key_size; i++) key[i] = pattern(n, i, 0);
    uint8_t *record = NULL;
    if (record_size != SIZE_MAX) {
        record = malloc(record_size + 1);
        for (size_t i = 0; i < record_size; i++) record[i] = pattern(n, i, 1);
    }
    OK(txn_undo_push(txn, n % 2 == 0 ? UNDO_INSERT : UNDO_RESTORE, tree, key, key_size, record,
                     record != NULL ? record_size : 0));
    free(key);
    free(record);
}

/* check_top: the newest entry is entry n, byte for byte. */
static void check_top(const Txn *txn, const BTree *tree, size_t n)
{
    const UndoEntry *entry = txn->undo_top;
    MUST(entry != NULL);
    MUST(undo_tree(txn, entry) == tree);
    MUST(undo_kind(entry) == (n % 2 == 0 ? UNDO_INSERT : UNDO_RESTORE));
    MUST(entry->key_size == key_size_of(n));
    const uint8_t *key = undo_key(entry);
    for (size_t i = 0; i < entry->key_size; i++) MUST(key[i] == pattern(n, i, 0));
    size_t record_size = record_size_of(n);
    const uint8_t *record = undo_record(entry);
    if (record_size == SIZE_MAX) {
        MUST(record == NULL);
        MUST(undo_record_size(entry) == 0);
    } else {
        MUST(record != NULL);
        MUST(undo_record_size(entry) == record_size);
        for (size_t i = 0; i < record_size; i++) {
            if (record[i] != pattern(n, i, 1)) ck_abort_msg("entry %zu record byte %zu", n, i);
        }
    }
    MUST((uintptr_t)entry % 4 == 0);
}

START_TEST(test_push_pop_direct)
{
    TestDb db;
    tt_open(&db, NULL);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    MUST(txn->undo_top == NULL && txn_undo_count(txn) == 0);
    size_t total = (size_t)scaled(20000, 2000);
    for (size_t n = 0; n < total; n++) {
        push_entry(txn, db.table, n);
        MUST(txn_undo_count(txn) == n + 1);
        check_top(txn, db.table, n);
    }
    /* pop half, newest first, then push again over the popped room (and the spare) */
    size_t half = total / 2;
    for (size_t n = total; n-- > half;) {
        check_top(txn, db.table, n);
        txn_undo_pop(txn);
        MUST(txn_undo_count(txn) == n);
    }
    check_top(txn, db.table, half - 1);
    for (size_t n = half; n < total; n++) push_entry(txn, db.table, n);
    /* push/pop cycles: every one may cross a block boundary and back */
    for (int cycle = 0; cycle < 2000; cycle++) {
        push_entry(txn, db.table, total);
        check_top(txn, db.table, total);
        if (cycle % 500 == 0) {
            push_entry(txn, db.table, 77);   /* one entry larger than any block */
            check_top(txn, db.table, 77);
            txn_undo_pop(txn);
        }
        txn_undo_pop(txn);
        check_top(txn, db.table, total - 1);
    }
    for (size_t n = total; n-- > 0;) {
        check_top(txn, db.table, n);
        txn_undo_pop(txn);
    }
    MUST(txn_undo_count(txn) == 0 && txn->undo_top == NULL && txn->undo_block == NULL);
    /* and again from empty (the spare is reused), left for txn_commit to free */
    for (size_t n = 0; n < 300; n++) push_entry(txn, db.table, n);
    check_top(txn, db.table, 299);
    OK(txn_commit(txn));   /* nothing was logged: the entries are dropped, not applied */
    tt_close(&db);
}
END_TEST

/* More distinct trees than Txn.undo_trees holds: the later ones are carried as pointers in
 * their entries (UNDO_FLAG_WIDE_TREE); every entry still names its own tree. The trees are
 * never dereferenced (nothing is logged, commit drops the entries). */
START_TEST(test_many_trees)
{
    TestDb db;
    tt_open(&db, NULL);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    enum { TREE_COUNT = UNDO_TREE_SLOTS + 5 };
    char fake[TREE_COUNT];
    BTree *trees[TREE_COUNT];
    for (int idx = 0; idx < TREE_COUNT; idx++) trees[idx] = (BTree *)(void *)&fake[idx];
    size_t total = (size_t)scaled(3000, 600);
    for (size_t n = 0; n < total; n++) {
        if (n == 77) continue;   /* the entry larger than a block: not needed here */
        BTree *tree = trees[(n * 7) % TREE_COUNT];
        push_entry(txn, tree, n);
        check_top(txn, tree, n);
    }
    MUST(txn->undo_tree_count == UNDO_TREE_SLOTS);
    bool wide_seen = false;
    for (size_t n = total; n-- > 0;) {
        if (n == 77) continue;
        BTree *tree = trees[(n * 7) % TREE_COUNT];
        check_top(txn, tree, n);
        wide_seen |= (txn->undo_top->flags & UNDO_FLAG_WIDE_TREE) != 0;
        txn_undo_pop(txn);
    }
    MUST(wide_seen);
    MUST(txn_undo_count(txn) == 0 && txn->undo_top == NULL);
    /* a key too large for an entry is refused, and the stack is unchanged */
    uint8_t *big_key = calloc(1, (size_t)UINT16_MAX + 1);
    EXPECT_STATE(txn_undo_push(txn, UNDO_INSERT, db.table, big_key, (size_t)UINT16_MAX + 1,
                               NULL, 0),
                 PROGRAM_LIMIT_EXCEEDED);
    free(big_key);
    MUST(txn_undo_count(txn) == 0 && txn->undo_top == NULL);
    OK(txn_commit(txn));
    tt_close(&db);
}
END_TEST

/* rows [0, committed) with value id * 10, committed. */
static void load_committed(TestDb *db, int64_t committed)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < committed; id++) OK(tt_insert(db, txn, id, id * 10));
    OK(txn_commit(txn));
}

START_TEST(test_large_insert_rollback)
{
    TestDb db;
    tt_open_wal(&db, NULL);
    int64_t committed = 500;
    load_committed(&db, committed);
    size_t before_size = 0;
    uint8_t *before = tt_raw_dump(db.table, &before_size);
    int64_t rows = scaled(60000, 6000);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    /* updates (UNDO_RESTORE) and deletes (UNDO_UNMARK) of committed rows among the inserts */
    for (int64_t id = 0; id < committed; id += 3) OK(tt_update(&db, txn, id, -id));
    for (int64_t id = 1; id < committed; id += 7) OK(tt_delete(&db, txn, id));
    for (int64_t id = committed; id < committed + rows; id++) {
        OK(tt_insert(&db, txn, id, id));
        if (id % 1000 == 0) OK(tt_update(&db, txn, id, id + 1));   /* its own row: RESTORE */
    }
    /* and some out of order, below the committed range */
    for (int64_t id = -1; id > -200; id--) OK(tt_insert(&db, txn, id, id));
    MUST(txn_undo_count(txn) > (size_t)rows);
    int64_t sum = 0;
    size_t count = 0;
    OK(tt_sum(&db, txn, &sum, &count));
    MUST(count > (size_t)rows);
    OK(txn_rollback(txn));
    OK(bt_check(db.table, NULL));
    size_t after_size = 0;
    uint8_t *after = tt_raw_dump(db.table, &after_size);
    MUST(after_size == before_size && memcmp(after, before, before_size) == 0);
    free(after);
    free(before);
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    OK(tt_sum(&db, txn, &sum, &count));
    MUST(count == (size_t)committed);
    MUST(sum == 10 * committed * (committed - 1) / 2);
    MUST(!tt_exists(&db, txn, committed) && !tt_exists(&db, txn, -5));
    OK(txn_commit(txn));
    tt_close(&db);
}
END_TEST

START_TEST(test_savepoint_rollbacks)
{
    TestDb db;
    tt_open_wal(&db, NULL);
    int64_t committed = 300;
    load_committed(&db, committed);
    int64_t rows = scaled(12000, 1500);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    /* kept: ids [committed, committed + rows) inserted in steps; after each step a savepoint,
     * then doomed work (inserts of negative ids, updates and deletes of committed rows) that
     * is rolled back to it */
    int64_t next = committed;
    int64_t doomed = -1;
    int step = 0;
    while (next < committed + rows) {
        int64_t step_rows = 1 + (step * 977) % 1200;
        for (int64_t done = 0; done < step_rows && next < committed + rows; done++, next++) {
            OK(tt_insert(&db, txn, next, next));
        }
        TxnSavepoint savepoint;
        txn_savepoint(txn, &savepoint);
        size_t undo_count = txn_undo_count(txn);
        int64_t doomed_rows = (step * 131) % 700;
        for (int64_t done = 0; done < doomed_rows; done++) {
            OK(tt_insert(&db, txn, doomed, doomed));
            doomed--;
        }
        OK(tt_update(&db, txn, step % committed, 7));
        OK(tt_update(&db, txn, next - 1, -1));   /* a row of this transaction */
        if (step % 2 == 0) OK(tt_delete(&db, txn, (step * 7 + 1) % committed));
        OK(txn_rollback_to(txn, &savepoint));
        MUST(txn_undo_count(txn) == undo_count);
        /* push/pop right at the boundary the rollback left */
        for (int cycle = 0; cycle < 3; cycle++) {
            TxnSavepoint inner;
            txn_savepoint(txn, &inner);
            OK(tt_insert(&db, txn, doomed, 0));
            OK(txn_rollback_to(txn, &inner));
        }
        step++;
    }
    /* a savepoint that does not belong here fails (error path) */
    TxnSavepoint bad;
    txn_savepoint(txn, &bad);
    bad.undo_count = txn_undo_count(txn) + 1;
    EXPECT_STATE(txn_rollback_to(txn, &bad), INVALID_TRANSACTION_STATE);
    OK(txn_commit(txn));
    OK(bt_check(db.table, NULL));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    int64_t sum = 0;
    size_t count = 0;
    OK(tt_sum(&db, txn, &sum, &count));
    int64_t last = committed + rows - 1;
    MUST(count == (size_t)(committed + rows));
    MUST(sum == 10 * committed * (committed - 1) / 2 + (last * (last + 1) / 2 -
                                                         committed * (committed - 1) / 2));
    MUST(!tt_exists(&db, txn, -1));
    OK(txn_commit(txn));
    tt_close(&db);
}
END_TEST

START_TEST(test_failed_change_pops)
{
    TestDb db;
    tt_open_wal(&db, NULL);
    load_committed(&db, 10);
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 10; id < 5000; id++) OK(tt_insert(&db, txn, id, id));
    size_t undo_count = txn_undo_count(txn);
    const UndoEntry *top = txn->undo_top;
    EXPECT_STATE(tt_insert(&db, txn, 3, 0), UNIQUE_VIOLATION);      /* a committed row */
    EXPECT_STATE(tt_insert(&db, txn, 4000, 0), UNIQUE_VIOLATION);   /* one of its own */
    MUST(txn_undo_count(txn) == undo_count && txn->undo_top == top);
    OK(tt_insert(&db, txn, 5000, 5000));
    MUST(txn_undo_count(txn) == undo_count + 1);
    OK(txn_rollback(txn));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    int64_t sum = 0;
    size_t count = 0;
    OK(tt_sum(&db, txn, &sum, &count));
    MUST(count == 10 && sum == 450);
    OK(txn_commit(txn));
    tt_close(&db);
}
END_TEST

static Suite *undo_pool_suite(void)
{
    Suite *suite = suite_create("undo_pool");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_push_pop_direct);
    tcase_add_test(tcase, test_many_trees);
    tcase_add_test(tcase, test_large_insert_rollback);
    tcase_add_test(tcase, test_savepoint_rollbacks);
    tcase_add_test(tcase, test_failed_change_pops);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(undo_pool_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
