/* txn/tests/test_recovery.c: crash recovery through recov_open: redo of B+ tree work after a
 * crash without page writes, a torn page repaired from its full page image, a crash during
 * redo and during undo recovered the same, rollback of an unfinished transaction with a
 * test-only logical undo (CLRs, undo_next_lsn), the clean close (no log left, no recovery),
 * refusing a flagged database whose log is missing or of another database (XX001), a new
 * database crashed before its first checkpoint reopening fine, the dirty page table filter,
 * and a redo throughput measurement (prints MiB/s, asserts no time). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/failpoint.h"
#include "storage/btree.h"
#include "txn/recov.h"
#include "recov_harness.h"

static const char *const DB = RH_DB;
static const char *const WAL_FILE = RH_WAL_FILE;
enum { ROOT_SLOT = RH_ROOT_SLOT };

/* ---- test-only logical undo: 'D' root key (delete) / 'I' root key value (re-insert) ---- */

static uint64_t g_undo_calls;
static bool     g_undo_flush;

static size_t undo_encode(uint8_t *out, char kind, PageId root, const uint8_t *key,
                          size_t key_size, const uint8_t *value, size_t value_size)
{
    out[0] = (uint8_t)kind;
    enc_u32le(out + 1, root);
    enc_u16le(out + 5, (uint16_t)key_size);
    memcpy(out + 7, key, key_size);
    enc_u16le(out + 7 + key_size, (uint16_t)value_size);
    if (value_size > 0) memcpy(out + 9 + key_size, value, value_size);
    return 9 + key_size + value_size;
}

static Error *test_undo(void *ctx, Store *store, const WalRecord *record)
{
    (void)ctx;
    g_undo_calls++;
    const uint8_t *undo = record->undo;
    if (record->undo_size < 9) return err_new(SQLSTATE_DATA_CORRUPTED, "bad undo payload");
    PageId   root = dec_u32le(undo + 1);
    size_t   key_size = dec_u16le(undo + 5);
    size_t   value_size = dec_u16le(undo + 7 + key_size);
    BTree   *tree = NULL;
    TRY(bt_open(store, root, &tree));
    Error *err = NULL;
    if (undo[0] == 'D') {
        bool found = false;
        err = bt_delete(tree, undo + 7, key_size, &found);   /* absent: already undone */
    } else {
        /* re-insert, or put the old value back over a newer one */
        err = bt_insert(tree, undo + 7, key_size, undo + 9 + key_size, value_size);
        if (err != NULL && err->state == SQLSTATE_UNIQUE_VIOLATION) {
            err_free(err);
            bool found = false;
            err = bt_update(tree, undo + 7, key_size, undo + 9 + key_size, value_size, &found);
        }
    }
    bt_close(tree);
    /* tests of a crash inside undo: make each CLR durable (page writes force the log) */
    if (err == NULL && g_undo_flush) err = bp_flush_all(store_pool(store));
    return err;
}

/* ---- helpers ---- */

static double cpu_seconds(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
           (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
}

static double now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static RecovOptions options_for(Vfs *vfs)
{
    RecovOptions options = {
        .store = {.vfs = vfs, .create = true, .pool_size = 64 * PAGE_SIZE},
        .wal = {.capacity = 4 << 20},
        .undo_fn = test_undo,
    };
    return options;
}

static RecovDb *open_db(Vfs *vfs, RecovReport *report_out)
{
    RecovOptions options = options_for(vfs);
    RecovDb     *db = NULL;
    RecovReport  report;
    ck_assert_ok(recov_open(DB, &options, &db, &report));
    if (report_out != NULL) *report_out = report;
    return db;
}

static size_t value_of(int key_value, int version, uint8_t *value)
{
    size_t size = 16 + (size_t)((key_value * 7 + version * 13) % 100);
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        value[byte_idx] = (uint8_t)(key_value + version * 31 + (int)byte_idx);
    }
    return size;
}

/* ---- tests ---- */

START_TEST(test_recov_redo_after_crash)
{
    Vfs     *vfs = vfs_fault_create(1);
    RecovDb *db = open_db(vfs, NULL);
    PageId   root = rh_make_tree(db);
    BTree   *tree = NULL;
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    int count = rh_scaled(3000);
    for (int key_value = 0; key_value < count; key_value++) rh_put(tree, key_value, 1, value_of);
    for (int key_value = 0; key_value < count; key_value += 3) {
        bool found = false;
        uint8_t key[8];
        rh_key_of(key_value, key);
        ck_assert_ok(bt_delete(tree, key, 8, &found));
        ck_assert(found);
    }
    for (int key_value = 1; key_value < count; key_value += 3) rh_put(tree, key_value, 2, value_of);
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    bt_close(tree);
    /* a crash: nothing but the log was forced, and a power cut drops the unsynced rest */
    recov_abandon(db);
    vfs_fault_power_cut(vfs);

    RecovReport report;
    db = open_db(vfs, &report);
    ck_assert(report.recovered);
    ck_assert_uint_gt(report.records_scanned, 0);
    ck_assert_uint_gt(report.records_redone, 0);
    ck_assert_uint_eq(report.bytes_scanned, report.end_lsn - report.start_lsn);
    tree = rh_open_tree(db);
    for (int key_value = 0; key_value < count; key_value++) {
        rh_expect(tree, key_value, key_value % 3 == 0 ? -1 : (key_value % 3 == 1 ? 2 : 1),
                  value_of);
    }
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_recov_torn_page_repaired_from_image)
{
    Vfs     *vfs = vfs_fault_create(2);
    RecovDb *db = open_db(vfs, NULL);
    PageId   root = rh_make_tree(db);
    BTree   *tree = NULL;
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    for (int key_value = 0; key_value < 40; key_value++) rh_put(tree, key_value, 1, value_of);
    /* the root leaf reaches the disk, then changes again: its next change logs an image */
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    ck_assert_ok(bp_flush_all(store_pool(recov_store(db))));
    uint8_t old_page[PAGE_SIZE];
    {
        File *file = NULL;
        ck_assert_ok(file_open(vfs, DB, FILE_OPEN_READONLY, &file));
        ck_assert_ok(file_read(file, (uint64_t)root * PAGE_SIZE, old_page, PAGE_SIZE));
        file_close(file);
    }
    uint64_t fpi_before = wal_stats(recov_wal(db)).fpi_count;
    for (int key_value = 0; key_value < 40; key_value++) rh_put(tree, key_value, 2, value_of);
    ck_assert_uint_eq(wal_stats(recov_wal(db)).fpi_count, fpi_before + 1);
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    ck_assert_ok(bp_flush_page(store_pool(recov_store(db)), root));
    bt_close(tree);
    recov_abandon(db);
    /* tear the page: its second half goes back to the old content, as a power cut could */
    {
        File *file = NULL;
        ck_assert_ok(file_open(vfs, DB, 0, &file));
        ck_assert_ok(file_write(file, (uint64_t)root * PAGE_SIZE + 4096, old_page + 4096, 4096));
        ck_assert_ok(file_sync(file));
        file_close(file);
    }
    RecovReport report;
    db = open_db(vfs, &report);
    ck_assert(report.recovered);
    tree = rh_open_tree(db);
    for (int key_value = 0; key_value < 40; key_value++) rh_expect(tree, key_value, 2, value_of);
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_recov_crash_during_redo)
{
    Vfs     *vfs = vfs_fault_create(3);
    RecovDb *db = open_db(vfs, NULL);
    PageId   root = rh_make_tree(db);
    BTree   *tree = NULL;
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    int count = 1500;   /* more records than the failpoints skip, at any scale */
    for (int key_value = 0; key_value < count; key_value++) rh_put(tree, key_value, 1, value_of);
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    bt_close(tree);
    recov_abandon(db);
    /* recovery dies half way (its page writes may or may not have happened), twice */
    for (int attempt_idx = 0; attempt_idx < 2; attempt_idx++) {
        fp_set("recov.redo.record", FP_ACTION_ERROR, 100 + attempt_idx * 300, 1);
        RecovOptions options = options_for(vfs);
        RecovDb     *failed = NULL;
        rh_assert_error(recov_open(DB, &options, &failed, NULL), SQLSTATE_IO_ERROR, "injected");
        fp_clear_all();
        vfs_fault_power_cut(vfs);
    }
    RecovReport report;
    db = open_db(vfs, &report);
    ck_assert(report.recovered);
    tree = rh_open_tree(db);
    for (int key_value = 0; key_value < count; key_value++) rh_expect(tree, key_value, 1, value_of);
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

/* run_loser: committed keys [0, 100) at version 1; then transaction 77 inserts [100, 150),
 * updates [0, 20) to version 5 and deletes [20, 40), logging undo payloads (90 of them), and
 * never ends. */
static void run_loser(RecovDb *db, PageId root)
{
    BTree *tree = NULL;
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    for (int key_value = 0; key_value < 100; key_value++) rh_put(tree, key_value, 1, value_of);
    uint64_t   last_lsn = 0;
    WalMtrInfo info = {.xid = 77, .last_lsn_io = &last_lsn};
    wal_thread_bind(&info);
    uint8_t payload[512], key[8], value[128];
    for (int key_value = 100; key_value < 150; key_value++) {
        rh_key_of(key_value, key);
        info.undo = payload;
        info.undo_size = undo_encode(payload, 'D', root, key, 8, NULL, 0);
        rh_put(tree, key_value, 1, value_of);
        ck_assert_ptr_null(info.undo);   /* consumed by the insert's mtr */
    }
    for (int key_value = 0; key_value < 40; key_value++) {
        rh_key_of(key_value, key);
        size_t size = value_of(key_value, 1, value);
        info.undo = payload;
        info.undo_size = undo_encode(payload, 'I', root, key, 8, value, size);
        if (key_value < 20) {
            rh_put(tree, key_value, 5, value_of);
        } else {
            bool found = false;
            ck_assert_ok(bt_delete(tree, key, 8, &found));
            ck_assert(found);
        }
        ck_assert_ptr_null(info.undo);
    }
    wal_thread_bind(NULL);
    ck_assert_uint_gt(last_lsn, 0);
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    bt_close(tree);
}

static void check_rolled_back(RecovDb *db)
{
    BTree *tree = rh_open_tree(db);
    for (int key_value = 0; key_value < 100; key_value++) rh_expect(tree, key_value, 1, value_of);
    for (int key_value = 100; key_value < 150; key_value++) {
        rh_expect(tree, key_value, -1, value_of);
    }
    bt_close(tree);
}

START_TEST(test_recov_undo_rolls_back_loser_with_clrs)
{
    Vfs     *vfs = vfs_fault_create(4);
    RecovDb *db = open_db(vfs, NULL);
    PageId   root = rh_make_tree(db);
    run_loser(db, root);
    recov_abandon(db);
    g_undo_calls = 0;
    RecovReport report;
    db = open_db(vfs, &report);
    ck_assert(report.recovered);
    ck_assert_uint_eq(report.transactions_rolled_back, 1);
    /* 50 inserts + 20 updates + 20 deletes */
    ck_assert_uint_eq(report.clr_count, 90);
    ck_assert_uint_eq(g_undo_calls, 90);
    ck_assert_uint_eq(report.max_xid, 77);
    check_rolled_back(db);
    /* a second crash right away: the loser has END, nothing is undone twice */
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    recov_abandon(db);
    db = open_db(vfs, &report);
    ck_assert(report.recovered);
    ck_assert_uint_eq(report.transactions_rolled_back, 0);
    check_rolled_back(db);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_recov_crash_during_undo_resumes_at_undo_next)
{
    Vfs     *vfs = vfs_fault_create(5);
    RecovDb *db = open_db(vfs, NULL);
    PageId   root = rh_make_tree(db);
    run_loser(db, root);
    recov_abandon(db);
    /* the first recovery undoes 30 steps (each CLR made durable), then fails */
    fp_set("recov.undo.step", FP_ACTION_ERROR, 30, 1);
    RecovOptions options = options_for(vfs);
    RecovDb     *failed = NULL;
    g_undo_calls = 0;
    g_undo_flush = true;
    rh_assert_error(recov_open(DB, &options, &failed, NULL), SQLSTATE_IO_ERROR, "injected");
    g_undo_flush = false;
    fp_clear_all();
    ck_assert_uint_eq(g_undo_calls, 30);
    vfs_fault_power_cut(vfs);
    g_undo_calls = 0;
    RecovReport report;
    db = open_db(vfs, &report);
    ck_assert_uint_eq(report.transactions_rolled_back, 1);
    /* the 30 durable CLRs are skipped through undo_next_lsn; the other 60 steps run now */
    ck_assert_uint_eq(report.clr_count, 60);
    ck_assert_uint_eq(g_undo_calls, 60);
    check_rolled_back(db);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_recov_clr_skips_undone_steps)
{
    /* online rollback writes CLRs; a crash after it: recovery undoes nothing again */
    Vfs     *vfs = vfs_fault_create(6);
    RecovDb *db = open_db(vfs, NULL);
    PageId   root = rh_make_tree(db);
    run_loser(db, root);
    /* the transaction layer's rollback of xid 77 up to its first 50 records */
    uint64_t last_lsn = 0;
    {
        /* find the last LSN of the chain: the rollback starts from the log's end for xid 77 */
        WalReader *reader = NULL;
        ck_assert_ok(wal_reader_open(recov_wal(db), &reader));
        uint64_t lsn = wal_created_lsn(recov_wal(db));
        for (;;) {
            WalRecord record;
            bool      valid = false;
            ck_assert_ok(wal_read(reader, lsn, true, &record, &valid));
            if (!valid) break;
            if (record.xid == 77) last_lsn = record.lsn;
            lsn += record.size;
        }
        wal_reader_close(reader);
    }
    ck_assert_uint_gt(last_lsn, 0);
    uint64_t steps = 0;
    g_undo_calls = 0;
    uint64_t chain_lsn = last_lsn;
    ck_assert_ok(recov_rollback(recov_wal(db), recov_store(db), test_undo, NULL, 77, &chain_lsn,
                                last_lsn, 0, &steps));
    ck_assert_uint_eq(steps, 90);
    ck_assert_uint_gt(chain_lsn, last_lsn);   /* CLRs were appended */
    check_rolled_back(db);
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    recov_abandon(db);
    /* no END was written: recovery walks the CLRs' undo_next_lsn and finds nothing to undo */
    g_undo_calls = 0;
    RecovReport report;
    db = open_db(vfs, &report);
    ck_assert_uint_eq(report.transactions_rolled_back, 1);
    ck_assert_uint_eq(report.clr_count, 0);
    ck_assert_uint_eq(g_undo_calls, 0);
    check_rolled_back(db);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_recov_clean_close_removes_wal)
{
    Vfs     *vfs = vfs_fault_create(7);
    RecovDb *db = open_db(vfs, NULL);
    PageId   root = rh_make_tree(db);
    BTree   *tree = NULL;
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    for (int key_value = 0; key_value < 500; key_value++) rh_put(tree, key_value, 3, value_of);
    bt_close(tree);
    bool exists = false;
    ck_assert_ok(file_exists(vfs, WAL_FILE, &exists));
    ck_assert(exists);
    ck_assert_ok(recov_close(db));
    ck_assert_ok(file_exists(vfs, WAL_FILE, &exists));
    ck_assert(!exists);
    /* even a power cut right after the close keeps it one file and clean */
    vfs_fault_power_cut(vfs);
    ck_assert_ok(file_exists(vfs, WAL_FILE, &exists));
    ck_assert(!exists);
    RecovReport report;
    db = open_db(vfs, &report);
    ck_assert(!report.recovered);
    tree = rh_open_tree(db);
    for (int key_value = 0; key_value < 500; key_value++) rh_expect(tree, key_value, 3, value_of);
    bt_close(tree);
    /* a crash right after opening a clean database: the log made before the flag is there */
    recov_abandon(db);
    vfs_fault_power_cut(vfs);
    db = open_db(vfs, &report);
    ck_assert(report.recovered);
    tree = rh_open_tree(db);
    for (int key_value = 0; key_value < 500; key_value++) rh_expect(tree, key_value, 3, value_of);
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_recov_missing_or_foreign_wal_is_refused)
{
    Vfs     *vfs = vfs_fault_create(8);
    RecovDb *db = open_db(vfs, NULL);
    rh_make_tree(db);
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    recov_abandon(db);
    /* keep the log aside, remove it: refused */
    char saved[64];
    snprintf(saved, sizeof saved, "/tmp/birch_wal_test_%d.img", (int)getpid());
    ck_assert_ok(vfs_fault_save(vfs, WAL_FILE, saved));
    ck_assert_ok(file_remove(vfs, WAL_FILE));
    RecovOptions options = options_for(vfs);
    RecovDb     *failed = NULL;
    rh_assert_error(recov_open(DB, &options, &failed, NULL), SQLSTATE_DATA_CORRUPTED, "missing");
    /* another database's log: refused */
    {
        RecovOptions other = options_for(vfs);
        RecovDb     *db2 = NULL;
        ck_assert_ok(recov_open("other.birch", &other, &db2, NULL));
        ck_assert_ok(wal_flush_all(recov_wal(db2)));
        recov_abandon(db2);
        char other_saved[64];
        snprintf(other_saved, sizeof other_saved, "/tmp/birch_wal_test_%d.other", (int)getpid());
        ck_assert_ok(vfs_fault_save(vfs, "other.birch-wal", other_saved));
        ck_assert_ok(vfs_fault_load(vfs, WAL_FILE, other_saved));
        unlink(other_saved);
    }
    rh_assert_error(recov_open(DB, &options, &failed, NULL), SQLSTATE_DATA_CORRUPTED,
                 "another database");
    /* garbage instead of a log: refused */
    {
        File *file = NULL;
        ck_assert_ok(file_open(vfs, WAL_FILE, 0, &file));
        uint8_t junk[WAL_HEADER_SIZE];
        memset(junk, 0x5a, sizeof junk);
        ck_assert_ok(file_write(file, 0, junk, sizeof junk));
        file_close(file);
    }
    rh_assert_error(recov_open(DB, &options, &failed, NULL), SQLSTATE_DATA_CORRUPTED,
                 "not a birch write-ahead log");
    /* the right log back: recovered */
    ck_assert_ok(vfs_fault_load(vfs, WAL_FILE, saved));
    unlink(saved);
    RecovReport report;
    db = open_db(vfs, &report);
    ck_assert(report.recovered);
    BTree *tree = rh_open_tree(db);
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST


/* A brand-new database that crashed before its first checkpoint reopens fine: a crash (with a
 * power cut that drops any unsynced write) right after creation, after the first changes, and
 * a crash between creating the file and creating its log (the store opened with the flag
 * deferred, never set). Also a checkpoint's dirty page table filters redo. */
START_TEST(test_recov_new_database_crash_reopens)
{
    for (uint64_t seed = 20; seed < 40; seed++) {
        Vfs     *vfs = vfs_fault_create(seed);
        RecovDb *db = open_db(vfs, NULL);
        if (seed % 2 == 0) {
            PageId root = rh_make_tree(db);
            BTree *tree = NULL;
            ck_assert_ok(bt_open(recov_store(db), root, &tree));
            for (int key_value = 0; key_value < 50; key_value++) {
                rh_put(tree, key_value, 1, value_of);
            }
            bt_close(tree);
        }
        recov_abandon(db);
        vfs_fault_power_cut(vfs);
        RecovReport report;
        db = open_db(vfs, &report);
        ck_assert_ok(recov_close(db));
        vfs_fault_destroy(vfs);
    }
    /* the file exists (flag clear, deferred), no log: a fresh log is created */
    Vfs         *vfs = vfs_fault_create(41);
    StoreOptions store_options = {.vfs = vfs, .create = true, .defer_needs_recovery = true};
    Store       *store = NULL;
    ck_assert_ok(store_open(DB, &store_options, &store));
    ck_assert(!store_info(store).needs_recovery);
    store_abandon(store);
    vfs_fault_power_cut(vfs);
    RecovReport report;
    RecovDb    *db = open_db(vfs, &report);
    ck_assert(!report.recovered);
    ck_assert_ok(recov_close(db));
    /* store_set_needs_recovery makes a deferred open flagged: the next open recovers */
    ck_assert_ok(store_open(DB, &store_options, &store));
    ck_assert_ok(store_set_needs_recovery(store));
    ck_assert_ok(store_set_needs_recovery(store));   /* idempotent */
    store_abandon(store);
    RecovDb *failed = NULL;
    RecovOptions options = options_for(vfs);
    rh_assert_error(recov_open(DB, &options, &failed, NULL), SQLSTATE_DATA_CORRUPTED, "missing");
    vfs_fault_destroy(vfs);
}
END_TEST

/* Redo after a fuzzy checkpoint: changes before the checkpoint's table snapshot to pages that
 * were written by the checkpoint are skipped without reading the page; the result is the
 * same. */
START_TEST(test_recov_dirty_page_table_filters_redo)
{
    Vfs     *vfs = vfs_fault_create(42);
    RecovDb *db = open_db(vfs, NULL);
    PageId   root = rh_make_tree(db);
    BTree   *tree = NULL;
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    int count = rh_scaled(2000);
    for (int key_value = 0; key_value < count; key_value++) rh_put(tree, key_value, 1, value_of);
    /* pages written, then a second wave dirties some again: a fuzzy checkpoint in between
     * whose redo LSN reaches back (a page stays dirty from before) */
    ck_assert_ok(bp_flush_all(store_pool(recov_store(db))));
    for (int key_value = 0; key_value < count; key_value += 5) rh_put(tree, key_value, 2, value_of);
    /* write every dirty page but the oldest: the checkpoint's redo LSN stays at the oldest,
     * and the records of the written pages after it need no redo */
    BufPool     *pool = store_pool(recov_store(db));
    BpDirtyPage *dirty = malloc(bp_frame_count(pool) * sizeof *dirty);
    size_t       dirty_count = bp_dirty_pages(pool, dirty, bp_frame_count(pool));
    ck_assert_uint_gt(dirty_count, 2);
    size_t oldest_idx = 0;
    for (size_t page_idx = 1; page_idx < dirty_count; page_idx++) {
        if (dirty[page_idx].rec_lsn < dirty[oldest_idx].rec_lsn) oldest_idx = page_idx;
    }
    for (size_t page_idx = 0; page_idx < dirty_count; page_idx++) {
        if (page_idx != oldest_idx) ck_assert_ok(bp_flush_page(pool, dirty[page_idx].page_id));
    }
    free(dirty);
    ck_assert_ok(ckpt_run(recov_ckpt(db), CKPT_FLUSH_NONE, NULL));
    for (int key_value = 1; key_value < count; key_value += 5) rh_put(tree, key_value, 3, value_of);
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    bt_close(tree);
    recov_abandon(db);
    vfs_fault_power_cut(vfs);
    RecovReport report;
    db = open_db(vfs, &report);
    ck_assert(report.recovered);
    ck_assert_uint_gt(report.checkpoint_lsn, 0);
    ck_assert_uint_gt(report.records_skipped, 0);
    tree = rh_open_tree(db);
    for (int key_value = 0; key_value < count; key_value++) {
        rh_expect(tree, key_value, key_value % 5 == 0 ? 2 : (key_value % 5 == 1 ? 3 : 1), value_of);
    }
    ck_assert_ok(bt_check(tree, NULL));
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

/* test_recov_redo_throughput: a measurement, not a timed assertion: 32 MiB of WAL by default
 * (BIRCH_REDO_MIB sets it; times BIRCH_TEST_SCALE) from small B+ tree inserts in random key order on the real file system,
 * a crash (nothing but the log forced), then recovery; prints the redo rate in MiB/s of log.
 * Asserts only that recovery redid the work and the tree holds every key. */
START_TEST(test_recov_redo_throughput)
{
    /* BIRCH_REDO_DIR=dir (profiling): generate the crashed database into dir once and leave
     * it there; with BIRCH_REDO_DIR_KEEP set, a later run only recovers a copy of it */
    char        dir[256] = "/tmp/birch-redo-XXXXXX";
    const char *keep_dir = getenv("BIRCH_REDO_DIR");
    if (keep_dir != NULL) snprintf(dir, sizeof dir, "%s", keep_dir);
    else ck_assert(mkdtemp(dir) != NULL);
    char path[300];
    snprintf(path, sizeof path, "%s/redo.birch", dir);
    bool reuse = keep_dir != NULL && getenv("BIRCH_REDO_DIR_KEEP") != NULL;
    /* CI measures 32 MiB (times BIRCH_TEST_SCALE); BIRCH_REDO_MIB=256 is the figure */
    const char *mib_text = getenv("BIRCH_REDO_MIB");
    double      target_mib = mib_text != NULL && atof(mib_text) > 0 ? atof(mib_text) : 32.0;
    uint64_t target = (uint64_t)(target_mib * 1024 * 1024 * rh_test_scale());
    RecovOptions options = {
        .store = {.create = true, .pool_size = (size_t)384 << 20},
        .wal = {.capacity = target + ((uint64_t)64 << 20)},
    };
    RecovDb *db = NULL;
    RecovReport report;
    uint8_t  value[100];
    memset(value, 'v', sizeof value);
    int      count = 0;
    double   generated = 0;
    char     command[4096];   /* room for every path the format names, unabridged */
    BTree   *tree = NULL;
    if (reuse) {
        snprintf(command, sizeof command, "cp %s/saved.birch %s && cp %s/saved.birch-wal %s-wal",
                 dir, path, dir, path);
        ck_assert_int_eq(system(command), 0);
        FILE *count_file = fopen(strcat(strcpy(command, dir), "/count"), "r");
        ck_assert(count_file != NULL && fscanf(count_file, "%d", &count) == 1);
        fclose(count_file);
    } else {
    ck_assert_ok(recov_open(path, &options, &db, &report));
    PageId root = rh_make_tree(db);
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    Wal     *wal = recov_wal(db);
    uint64_t start = wal_insert_lsn(wal);
    double   begin = now_seconds();
    while (wal_insert_lsn(wal) - start < target) {
        uint8_t key[8];
        /* a bijection of the 32-bit ids: random order, no duplicates */
        enc_u64be(key, (uint64_t)((uint32_t)count * 2654435761u));
        enc_u32le(value, (uint32_t)count);
        ck_assert_ok(bt_insert(tree, key, 8, value, sizeof value));
        count++;
    }
    generated = now_seconds() - begin;
    ck_assert_ok(wal_flush_all(wal));
    bt_close(tree);
    recov_abandon(db);
    if (keep_dir != NULL) {
        snprintf(command, sizeof command, "cp %s %s/saved.birch && cp %s-wal %s/saved.birch-wal "
                 "&& echo %d > %s/count", path, dir, path, dir, count, dir);
        ck_assert_int_eq(system(command), 0);
    }
    }

    db = NULL;
    double begin = now_seconds();
    double cpu_begin = cpu_seconds();
    ck_assert_ok(recov_open(path, &options, &db, &report));
    double total = now_seconds() - begin;
    double cpu = cpu_seconds() - cpu_begin;
    ck_assert(report.recovered);
    ck_assert_uint_ge(report.bytes_scanned, target);
    double mib = (double)report.bytes_scanned / (1024.0 * 1024.0);
    double redo_s = (report.analysis_ms + report.redo_ms) / 1e3;
    printf("redo throughput: %d inserts, %.1f MiB of log generated in %.1f s; analysis %.0f ms, "
           "redo %.0f ms wall = %.0f MiB/s of log, %.0f ms CPU = %.0f MiB per CPU second ( %llu records, %llu redone, %llu page applications, "
           "%llu skipped by the dirty page table); whole open %.1f s wall, %.1f s CPU "
           "(%.0f MiB per CPU second)\n",
           count, mib, generated, report.analysis_ms, report.redo_ms,
           redo_s > 0 ? mib / redo_s : 0.0, report.redo_cpu_ms,
           report.redo_cpu_ms > 0 ? mib / (report.redo_cpu_ms / 1e3) : 0.0, (unsigned long long)report.records_scanned,
           (unsigned long long)report.records_redone, (unsigned long long)report.pages_redone,
           (unsigned long long)report.records_skipped, total, cpu, cpu > 0 ? mib / cpu : 0.0);
    tree = rh_open_tree(db);
    for (int idx = 0; idx < count; idx += 997) {
        uint8_t key[8];
        enc_u64be(key, (uint64_t)((uint32_t)idx * 2654435761u));
        BtBuf got = {0};
        bool  found = false;
        ck_assert_ok(bt_get(tree, key, 8, &got, &found));
        ck_assert(found);
        ck_assert_uint_eq(got.size, sizeof value);
        ck_assert_uint_eq(dec_u32le(got.data), (uint32_t)idx);
        bt_buf_free(&got);
    }
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    if (keep_dir == NULL) {
        unlink(path);
        rmdir(dir);
    }
}
END_TEST

static Suite *recov_suite(void)
{
    Suite *suite = suite_create("recov");
    TCase *tcase = tcase_create("recov");
    tcase_set_timeout(tcase, 300);
    tcase_add_test(tcase, test_recov_redo_after_crash);
    tcase_add_test(tcase, test_recov_torn_page_repaired_from_image);
    tcase_add_test(tcase, test_recov_crash_during_redo);
    tcase_add_test(tcase, test_recov_undo_rolls_back_loser_with_clrs);
    tcase_add_test(tcase, test_recov_crash_during_undo_resumes_at_undo_next);
    tcase_add_test(tcase, test_recov_clr_skips_undone_steps);
    tcase_add_test(tcase, test_recov_clean_close_removes_wal);
    tcase_add_test(tcase, test_recov_missing_or_foreign_wal_is_refused);
    tcase_add_test(tcase, test_recov_new_database_crash_reopens);
    tcase_add_test(tcase, test_recov_dirty_page_table_filters_redo);
    tcase_add_test(tcase, test_recov_redo_throughput);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(recov_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
