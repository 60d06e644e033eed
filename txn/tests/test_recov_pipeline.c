/* txn/tests/test_recov_pipeline.c: the pipelined redo of txn/recov.c (batch k applied by an
 * applier thread, with a helper thread, while batch k+1 is read) against the serial reference.
 * Small batches (RecovRedoTuning) make a small log split into many batches, so every hand-off
 * runs: the same crash (B+ tree inserts, updates and deletes on a small pool, full page images,
 * a power cut that may tear pages, a loser transaction) recovered serially, pipelined and with
 * the default tuning gives the same pages (compare_pages says what may differ) and the same
 * rows; a crash
 * during a pipelined redo (failpoint in the applier thread) is recovered by the next open; a
 * compressed record whose stream header or raw size is wrong is refused with XX001 (the reader
 * inflates raw, trusting the record crc for the stream's integrity, but checks its framing);
 * a page whose first change in a batch is a full image is rebuilt without reading it (also
 * when the file's copy is newer than the image, or garbage) and ends as the reference that
 * reads every page leaves it, across a crash during that redo too. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/failpoint.h"
#include "common/hash.h"
#include "storage/btree.h"
#include "txn/recov.h"
#include "recov_harness.h"
#include "txn/wal_int.h"   /* the record header's kind bits */

static const char *const DB = RH_DB;
static const char *const WAL_FILE = RH_WAL_FILE;
enum {
    ROOT_SLOT = RH_ROOT_SLOT,
    KEY_COUNT = 2400,          /* committed keys [0, KEY_COUNT) */
    LOSER_FIRST = 100000,      /* the loser inserts [LOSER_FIRST, + LOSER_COUNT) */
    LOSER_COUNT = 60,
    LOSER_XID = 4242,
    SMALL_BATCH = 24 * 1024,   /* redo bytes per batch: a small log makes dozens */
};

/* ---- the loser's logical undo: 'D' root key (delete what it inserted) ---- */

static Error *undo_delete(void *ctx, Store *store, const WalRecord *record)
{
    (void)ctx;
    const uint8_t *undo = record->undo;
    if (record->undo_size != 13 || undo[0] != 'D') {
        return err_new(SQLSTATE_DATA_CORRUPTED, "bad undo payload");
    }
    BTree *tree = NULL;
    TRY(bt_open(store, dec_u32le(undo + 1), &tree));
    bool   found = false;
    Error *err = bt_delete(tree, undo + 5, 8, &found);   /* absent: already undone */
    bt_close(tree);
    return err;
}

/* ---- the workload ---- */

/* version of key_value after the workload (-1: absent) */
static int final_version(int key_value)
{
    if (key_value >= LOSER_FIRST) return -1;
    if (key_value % 7 == 3) return -1;        /* deleted */
    if (key_value % 3 == 0) return 3;         /* updated twice */
    if (key_value % 3 == 1) return 2;         /* updated once */
    return 1;
}

static size_t value_of(int key_value, int version, uint8_t *value)
{
    size_t size = 24 + (size_t)((key_value * 11 + version * 5) % 90);
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        value[byte_idx] = (uint8_t)(key_value * 3 + version * 17 + (int)byte_idx);
    }
    return size;
}

static RecovOptions options_for(Vfs *vfs, RecovRedoTuning tuning)
{
    RecovOptions options = {
        .store = {.vfs = vfs, .create = true, .pool_size = 48 * PAGE_SIZE},
        .wal = {.capacity = 16 << 20},
        .undo_fn = undo_delete,
        .redo = tuning,
    };
    return options;
}

static const RecovRedoTuning SERIAL = {.batch_bytes = SMALL_BATCH, .serial = true};
static const RecovRedoTuning PIPELINED = {.batch_bytes = SMALL_BATCH, .parallel_pages_min = 2};
static const RecovRedoTuning DEFAULTS = {0};
/* the reference for the rebuilt-page shortcut: every page read, every image LSN-checked */
static const RecovRedoTuning READ_EVERY = {.batch_bytes = SMALL_BATCH, .serial = true,
                                           .read_every_page = true};

/* crash_workload: in vfs, a database whose crash leaves a log of many batches: committed
 * (redo-only) inserts, updates and deletes on a small pool (evictions, so later first changes
 * log full page images, most of them compressed), a checkpoint half way, then a transaction
 * that never ends; the log is forced, nothing else, and the power is cut. */
static void crash_workload(Vfs *vfs)
{
    RecovOptions options = options_for(vfs, DEFAULTS);
    RecovDb     *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    Store *store = recov_store(db);
    PageId root = rh_make_tree(db);
    BTree *tree = NULL;
    ck_assert_ok(bt_open(store, root, &tree));
    /* inserts in a scattered order: splits all over the tree */
    for (int idx = 0; idx < KEY_COUNT; idx++) rh_put(tree, (idx * 997) % KEY_COUNT, 1, value_of);
    ck_assert_ok(ckpt_run(recov_ckpt(db), CKPT_FLUSH_ALL, NULL));
    for (int key_value = 0; key_value < KEY_COUNT; key_value++) {
        if (key_value % 3 != 2) rh_put(tree, key_value, 2, value_of);
    }
    ck_assert_ok(bp_flush_all(store_pool(store)));   /* the next changes log images again */
    for (int key_value = 0; key_value < KEY_COUNT; key_value += 3) {
        rh_put(tree, key_value, 3, value_of);
    }
    for (int key_value = 3; key_value < KEY_COUNT; key_value += 7) {
        uint8_t key[8];
        rh_key_of(key_value, key);
        bool found = false;
        ck_assert_ok(bt_delete(tree, key, 8, &found));
        ck_assert(found);
    }
    /* the loser: inserts with undo payloads, never committed */
    uint64_t   last_lsn = 0;
    WalMtrInfo info = {.xid = LOSER_XID, .last_lsn_io = &last_lsn};
    wal_thread_bind(&info);
    for (int key_value = LOSER_FIRST; key_value < LOSER_FIRST + LOSER_COUNT; key_value++) {
        uint8_t payload[13];
        payload[0] = 'D';
        enc_u32le(payload + 1, root);
        rh_key_of(key_value, payload + 5);
        info.undo = payload;
        info.undo_size = sizeof payload;
        rh_put(tree, key_value, 1, value_of);
        ck_assert_ptr_null(info.undo);
    }
    wal_thread_bind(NULL);
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    WalStats stats = wal_stats(recov_wal(db));
    ck_assert_uint_gt(stats.fpi_count, 10);
    ck_assert_uint_gt(stats.compressed_count, 0);
    /* several dozen batches of SMALL_BATCH redo bytes */
    ck_assert_uint_gt(stats.insert_lsn - wal_created_lsn(recov_wal(db)), 40 * SMALL_BATCH);
    bt_close(tree);
    recov_abandon(db);
    vfs_fault_power_cut(vfs);
}

/* check_rows: every committed key at its version, the loser's keys absent, every tree page
 * reachable once. */
static void check_rows(RecovDb *db)
{
    Store *store = recov_store(db);
    PageId root = store_root_get(store, ROOT_SLOT);
    ck_assert_uint_ne(root, PAGE_ID_NONE);
    ck_assert_ok(bt_check_store(store, &root, 1));
    BTree *tree = NULL;
    ck_assert_ok(bt_open(store, root, &tree));
    BtCheckStats stats;
    ck_assert_ok(bt_check(tree, &stats));
    int present = 0;
    for (int key_value = 0; key_value < KEY_COUNT + LOSER_COUNT; key_value++) {
        int     probe = key_value < KEY_COUNT ? key_value : LOSER_FIRST + key_value - KEY_COUNT;
        int     version = final_version(probe);
        uint8_t key[8], value[128];
        rh_key_of(probe, key);
        BtBuf buf = {0};
        bool  found = false;
        ck_assert_ok(bt_get(tree, key, 8, &buf, &found));
        ck_assert_msg(found == (version >= 0), "key %d: found %d, version %d", probe, found,
                      version);
        if (found) {
            size_t size = value_of(probe, version, value);
            ck_assert_msg(buf.size == size && memcmp(buf.data, value, size) == 0,
                          "key %d has the wrong value", probe);
            present++;
        }
        bt_buf_free(&buf);
    }
    ck_assert_uint_eq(stats.entry_count, (uint64_t)present);
    bt_close(tree);
}

/* recover_copy: load the saved crash (db_saved, wal_saved) into a fresh in-memory file system,
 * recover it with tuning, check it, close it cleanly and return the database file's bytes. */
static uint8_t *recover_copy(const char *db_saved, const char *wal_saved,
                             RecovRedoTuning tuning, const char *db_out, size_t *size_out,
                             RecovReport *report_out)
{
    Vfs *vfs = vfs_fault_create(7);
    ck_assert_ok(vfs_fault_load(vfs, DB, db_saved));
    ck_assert_ok(vfs_fault_load(vfs, WAL_FILE, wal_saved));
    RecovOptions options = options_for(vfs, tuning);
    RecovDb     *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, report_out));
    ck_assert(report_out->recovered);
    ck_assert_uint_eq(report_out->transactions_rolled_back, 1);
    check_rows(db);
    ck_assert_ok(recov_close(db));
    ck_assert_ok(vfs_fault_save(vfs, DB, db_out));
    vfs_fault_destroy(vfs);
    return rh_read_real_file(db_out, size_out);
}

static void temp_dir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/birch-recov-pipe-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* compare_pages: a page of the serial recovery's file (serial) against the same page of
 * another mode's (other). What recovery writes after redo is not the same from run to run:
 * the undo's own log (a CLR carries a page image or not depending on which pages the pool had
 * written, so later LSNs shift), a page freed by undo (stamped with the open's random run id)
 * and page 0 (log positions); redo's result is. So: the page bodies [12, PAGE_SIZE) must be
 * equal, a FREE page's only up to its type; the LSNs must be equal where both are older than
 * the end of the crashed log (changes redo made, not undo). */
static void compare_pages(const uint8_t *serial, const uint8_t *other, uint64_t redo_end_lsn,
                          int mode_idx, size_t page_idx)
{
    size_t compared = page_type(serial) == PAGE_TYPE_FREE ? PAGE_HEADER_SIZE : PAGE_SIZE;
    ck_assert_msg(memcmp(serial + PAGE_OFFSET_ID, other + PAGE_OFFSET_ID,
                         compared - PAGE_OFFSET_ID) == 0,
                  "mode %d: page %zu differs from the serial redo's", mode_idx, page_idx);
    if (page_lsn(serial) < redo_end_lsn && page_lsn(other) < redo_end_lsn) {
        ck_assert_msg(page_lsn(serial) == page_lsn(other),
                      "mode %d: page %zu has LSN %llu, the serial redo's %llu", mode_idx,
                      page_idx, (unsigned long long)page_lsn(other),
                      (unsigned long long)page_lsn(serial));
    }
}

/* ---- tests ---- */

START_TEST(test_recov_pipeline_matches_serial)
{
    char dir[64];
    temp_dir(dir, sizeof dir);
    char db_saved[128], wal_saved[128], out[3][128];
    snprintf(db_saved, sizeof db_saved, "%s/crash.birch", dir);
    snprintf(wal_saved, sizeof wal_saved, "%s/crash.birch-wal", dir);
    for (int mode_idx = 0; mode_idx < 3; mode_idx++) {
        snprintf(out[mode_idx], sizeof out[mode_idx], "%s/out%d.birch", dir, mode_idx);
    }
    Vfs *vfs = vfs_fault_create(11);
    crash_workload(vfs);
    ck_assert_ok(vfs_fault_save(vfs, DB, db_saved));
    ck_assert_ok(vfs_fault_save(vfs, WAL_FILE, wal_saved));
    vfs_fault_destroy(vfs);

    const RecovRedoTuning tunings[3] = {SERIAL, PIPELINED, DEFAULTS};
    uint8_t    *bytes[3];
    size_t      sizes[3];
    RecovReport reports[3];
    for (int mode_idx = 0; mode_idx < 3; mode_idx++) {
        bytes[mode_idx] = recover_copy(db_saved, wal_saved, tunings[mode_idx], out[mode_idx],
                                       &sizes[mode_idx], &reports[mode_idx]);
    }
    for (int mode_idx = 1; mode_idx < 3; mode_idx++) {
        /* the same work, counted the same */
        ck_assert_uint_eq(reports[mode_idx].records_scanned, reports[0].records_scanned);
        ck_assert_uint_eq(reports[mode_idx].records_redone, reports[0].records_redone);
        ck_assert_uint_eq(reports[mode_idx].pages_redone, reports[0].pages_redone);
        ck_assert_uint_eq(reports[mode_idx].records_skipped, reports[0].records_skipped);
        ck_assert_uint_eq(reports[mode_idx].bytes_scanned, reports[0].bytes_scanned);
        ck_assert_uint_eq(reports[mode_idx].clr_count, reports[0].clr_count);
        /* and the same file, page for page */
        ck_assert_uint_eq(sizes[mode_idx], sizes[0]);
        for (size_t page_idx = 1; page_idx < sizes[0] / PAGE_SIZE; page_idx++) {
            compare_pages(bytes[0] + page_idx * PAGE_SIZE, bytes[mode_idx] + page_idx * PAGE_SIZE,
                          reports[0].end_lsn, mode_idx, page_idx);
        }
    }
    ck_assert_uint_gt(reports[0].records_redone, 0);
    ck_assert_uint_eq(reports[0].clr_count, LOSER_COUNT);
    /* pages whose first change in a batch is an image were rebuilt without a read */
    ck_assert_uint_gt(reports[0].pages_unread, 0);
    /* the reference reads every page and checks every image's LSN: the same rows (checked by
     * recover_copy) and the same pages; it reads more pages and may redo fewer records (an
     * image older than the page on disk is skipped there, redone with its successors here) */
    char reference_out[128];
    snprintf(reference_out, sizeof reference_out, "%s/reference.birch", dir);
    size_t      reference_size = 0;
    RecovReport reference;
    uint8_t    *reference_bytes = recover_copy(db_saved, wal_saved, READ_EVERY, reference_out,
                                               &reference_size, &reference);
    ck_assert_uint_eq(reference.pages_unread, 0);
    ck_assert_uint_gt(reference.pages_read, reports[0].pages_read);
    ck_assert_uint_le(reference.pages_redone, reports[0].pages_redone);
    ck_assert_uint_eq(reference.records_scanned, reports[0].records_scanned);
    ck_assert_uint_eq(reference_size, sizes[0]);
    for (size_t page_idx = 1; page_idx < sizes[0] / PAGE_SIZE; page_idx++) {
        compare_pages(reference_bytes + page_idx * PAGE_SIZE, bytes[0] + page_idx * PAGE_SIZE,
                      reports[0].end_lsn, 3, page_idx);
    }
    free(reference_bytes);
    unlink(reference_out);
    for (int mode_idx = 0; mode_idx < 3; mode_idx++) {
        free(bytes[mode_idx]);
        unlink(out[mode_idx]);
    }
    unlink(db_saved);
    unlink(wal_saved);
    rmdir(dir);
}
END_TEST

/* A failure in the applier thread (a crash of recovery half way: its page writes may or may
 * not have happened) fails recov_open; the next open recovers the same rows. */
START_TEST(test_recov_pipeline_crash_during_redo)
{
    Vfs *vfs = vfs_fault_create(12);
    crash_workload(vfs);
    const int skips[3] = {30, 700, 2500};
    for (int attempt_idx = 0; attempt_idx < 3; attempt_idx++) {
        fp_set("recov.redo.record", FP_ACTION_ERROR, skips[attempt_idx], 1);
        RecovOptions options = options_for(vfs, PIPELINED);
        RecovDb     *failed = NULL;
        RecovReport  report;
        rh_assert_error(recov_open(DB, &options, &failed, &report), SQLSTATE_IO_ERROR, "injected");
        fp_clear_all();
        vfs_fault_power_cut(vfs);
    }
    RecovOptions options = options_for(vfs, PIPELINED);
    RecovDb     *db = NULL;
    RecovReport  report;
    ck_assert_ok(recov_open(DB, &options, &db, &report));
    ck_assert(report.recovered);
    check_rows(db);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

/* The log's record header (txn/wal.h: crc, u24 size, kind, varints; the crc also covers the
 * record's LSN, which is not stored). */

/* record_valid: whether stored (avail bytes) holds a whole record at lsn with a matching crc;
 * its size and header size. */
static bool record_valid(const uint8_t *stored, size_t avail, uint64_t lsn, uint32_t *size_out,
                         size_t *header_size_out)
{
    if (avail < WAL_RECORD_PREFIX_SIZE) return false;
    uint32_t size = stored[4] | ((uint32_t)stored[5] << 8) | ((uint32_t)stored[6] << 16);
    if (size < WAL_RECORD_HEADER_SIZE_MIN || size > avail) return false;
    size_t header_size = wal_record_header_size(stored, size);
    if (header_size == 0) return false;
    uint8_t lsn_bytes[8];
    enc_u64le(lsn_bytes, lsn);
    uint32_t crc = hash_crc32(0, stored + header_size, size - header_size);
    crc = hash_crc32(crc, stored + 4, header_size - 4);
    crc = hash_crc32(crc, lsn_bytes, sizeof lsn_bytes);
    if (crc != dec_u32le(stored)) return false;
    *size_out = size;
    *header_size_out = header_size;
    return true;
}

typedef struct FoundRecord {
    uint64_t offset;         /* in the log file */
    uint64_t lsn;
    uint32_t size;
    size_t   header_size;
} FoundRecord;

/* find_compressed: the log's last compressed MTR record (a full page image logged after the
 * workload's checkpoint, so recovery reads it). The log of the workload does not wrap: a
 * record at file offset o has LSN o - WAL_HEADER_SIZE + k * capacity for a small k. */
static FoundRecord find_compressed(Vfs *vfs)
{
    File *file = NULL;
    ck_assert_ok(file_open(vfs, WAL_FILE, FILE_OPEN_READONLY, &file));
    uint64_t file_size_now = 0;
    ck_assert_ok(file_size(file, &file_size_now));
    uint8_t *log = malloc(file_size_now);
    ck_assert_ptr_nonnull(log);
    ck_assert_ok(file_read(file, 0, log, file_size_now));
    file_close(file);
    uint64_t capacity = dec_u64le(log + 24);   /* header slot 0: magic, version, id, capacity */
    ck_assert_uint_gt(capacity, 0);
    FoundRecord found = {0};
    for (uint64_t at = WAL_HEADER_SIZE; at + WAL_RECORD_PREFIX_SIZE <= file_size_now; at++) {
        uint32_t size = 0;
        size_t   header_size = 0;
        uint64_t lsn = 0;
        bool     valid = false;
        for (uint64_t lap = 0; lap < 4 && !valid; lap++) {
            lsn = at - WAL_HEADER_SIZE + lap * capacity;
            valid = lsn > 0 && record_valid(log + at, file_size_now - at, lsn, &size,
                                            &header_size);
        }
        if (!valid) continue;
        /* a record: hop along the log from here */
        while (record_valid(log + at, file_size_now - at, lsn, &size, &header_size)) {
            uint8_t kind = log[at + 7];
            if ((kind & WAL_KIND_COMPRESSED) && (kind & WAL_KIND_TYPE_MASK) == WAL_RECORD_MTR) {
                /* the last one: after the checkpoint's redo LSN */
                found = (FoundRecord){.offset = at, .lsn = lsn, .size = size,
                                      .header_size = header_size};
            }
            at += size;
            lsn += size;
        }
        break;
    }
    free(log);
    ck_assert_msg(found.size > 0, "no compressed record in the log");
    return found;
}

/* rewrite: xor the byte at edit_at of the record with edit_xor and give it a matching crc. */
static void rewrite(Vfs *vfs, const FoundRecord *found, size_t edit_at, uint8_t edit_xor)
{
    File *file = NULL;
    ck_assert_ok(file_open(vfs, WAL_FILE, 0, &file));
    uint8_t *record = malloc(found->size);
    ck_assert_ptr_nonnull(record);
    ck_assert_ok(file_read(file, found->offset, record, found->size));
    record[edit_at] ^= edit_xor;
    wal_record_seal(record, found->size, found->lsn);
    ck_assert_ok(file_write(file, found->offset, record, found->size));
    ck_assert_ok(file_sync(file));
    file_close(file);
    free(record);
}

/* A compressed body whose stream header is not zlib's, or whose raw size does not match what
 * it inflates to, is DATA_CORRUPTED even with a matching crc. */
START_TEST(test_recov_compressed_record_framing_checked)
{
    /* body = {u32 raw size, zlib stream}: the raw size's low byte, then the stream's CMF */
    const size_t edits[2] = {0, 4};
    const uint8_t xors[2] = {0x01, 0x01};
    for (int case_idx = 0; case_idx < 2; case_idx++) {
        Vfs *vfs = vfs_fault_create(13 + (uint64_t)case_idx);
        crash_workload(vfs);
        FoundRecord found = find_compressed(vfs);
        rewrite(vfs, &found, found.header_size + edits[case_idx], xors[case_idx]);
        RecovOptions options = options_for(vfs, PIPELINED);
        RecovDb     *db = NULL;
        rh_assert_error(recov_open(DB, &options, &db, NULL), SQLSTATE_DATA_CORRUPTED,
                     "does not inflate");
        /* undone, the log recovers again */
        rewrite(vfs, &found, found.header_size + edits[case_idx], xors[case_idx]);
        RecovReport report;
        ck_assert_ok(recov_open(DB, &options, &db, &report));
        check_rows(db);
        ck_assert_ok(recov_close(db));
        vfs_fault_destroy(vfs);
    }
}
END_TEST

/* ---- the rebuilt-page shortcut: a page whose first change in a batch is a full image ---- */

enum { LEAF_KEYS = 20 };   /* one leaf: the tree's root */

/* leaf_crash: in vfs, a one-leaf tree whose log, after a sharp checkpoint, holds an image of
 * the leaf (its first change since written), changes, then (the leaf written: the file's copy
 * is newer than that image) a second image and more changes; then a crash without a power cut
 * (the leaf's write stays). Returns the leaf's page id. */
static PageId leaf_crash(Vfs *vfs)
{
    RecovOptions options = options_for(vfs, DEFAULTS);
    RecovDb     *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    Store *store = recov_store(db);
    PageId root = rh_make_tree(db);
    BTree *tree = NULL;
    ck_assert_ok(bt_open(store, root, &tree));
    for (int key_value = 0; key_value < LEAF_KEYS; key_value++) {
        rh_put(tree, key_value, 1, value_of);
    }
    ck_assert_ok(ckpt_run(recov_ckpt(db), CKPT_FLUSH_ALL, NULL));
    uint64_t images = wal_stats(recov_wal(db)).fpi_count;
    for (int key_value = 0; key_value < LEAF_KEYS; key_value++) {
        rh_put(tree, key_value, 2, value_of);
    }
    ck_assert_uint_gt(wal_stats(recov_wal(db)).fpi_count, images);
    ck_assert_ok(bp_flush_all(store_pool(store)));
    images = wal_stats(recov_wal(db)).fpi_count;
    for (int key_value = 0; key_value < LEAF_KEYS; key_value++) {
        rh_put(tree, key_value, 3, value_of);
    }
    ck_assert_uint_gt(wal_stats(recov_wal(db)).fpi_count, images);
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    bt_close(tree);
    recov_abandon(db);
    return root;
}

static uint64_t file_page_lsn(Vfs *vfs, PageId page_id)
{
    uint8_t page[PAGE_SIZE];
    rh_file_page(vfs, page_id, page);
    return page_lsn(page);
}

/* check_leaf: every key at version 3, the tree sound. */
static void check_leaf(RecovDb *db)
{
    Store *store = recov_store(db);
    PageId root = store_root_get(store, ROOT_SLOT);
    BTree *tree = NULL;
    ck_assert_ok(bt_open(store, root, &tree));
    BtCheckStats stats;
    ck_assert_ok(bt_check(tree, &stats));
    ck_assert_uint_eq(stats.entry_count, LEAF_KEYS);
    for (int key_value = 0; key_value < LEAF_KEYS; key_value++) {
        uint8_t key[8], value[128];
        rh_key_of(key_value, key);
        size_t size = value_of(key_value, 3, value);
        BtBuf  buf = {0};
        bool   found = false;
        ck_assert_ok(bt_get(tree, key, 8, &buf, &found));
        ck_assert_msg(found && buf.size == size && memcmp(buf.data, value, size) == 0,
                      "key %d lost its last version", key_value);
        bt_buf_free(&buf);
    }
    bt_close(tree);
}

/* The leaf's first change in the log is an image older than the leaf in the file: by default
 * the leaf is not read (rebuilt from the image and every later change), the reference reads
 * it and skips what the file holds already; both end with the last version. Then the leaf in
 * the file is garbage (a torn write): the default never reads it, the reference reads zeros
 * for it; both rebuild it from the image. */
START_TEST(test_recov_rebuilt_page_not_read)
{
    for (int garbage = 0; garbage < 2; garbage++) {
        for (int mode_idx = 0; mode_idx < 2; mode_idx++) {
            Vfs   *vfs = vfs_fault_create(21 + (uint64_t)(garbage * 2 + mode_idx));
            PageId leaf = leaf_crash(vfs);
            uint64_t leaf_lsn = file_page_lsn(vfs, leaf);
            if (garbage) {
                File *file = NULL;
                ck_assert_ok(file_open(vfs, DB, 0, &file));
                uint8_t junk[PAGE_SIZE];
                for (size_t byte_idx = 0; byte_idx < PAGE_SIZE; byte_idx++) {
                    junk[byte_idx] = (uint8_t)(byte_idx * 37 + 5);
                }
                ck_assert_ok(file_write(file, (uint64_t)leaf * PAGE_SIZE, junk, PAGE_SIZE));
                ck_assert_ok(file_sync(file));
                file_close(file);
            }
            RecovOptions options = options_for(vfs, mode_idx == 0 ? DEFAULTS : READ_EVERY);
            RecovDb     *db = NULL;
            RecovReport  report;
            ck_assert_ok(recov_open(DB, &options, &db, &report));
            ck_assert(report.recovered);
            /* the file's leaf was newer than the redo start (so than its first image) */
            ck_assert_uint_gt(leaf_lsn, report.start_lsn);
            if (mode_idx == 0) {
                ck_assert_uint_ge(report.pages_unread, 1);
            } else {
                ck_assert_uint_eq(report.pages_unread, 0);
                ck_assert_uint_ge(report.pages_read, 1);
            }
            check_leaf(db);
            ck_assert_ok(recov_close(db));
            /* and again after a clean close */
            ck_assert_ok(recov_open(DB, &options, &db, &report));
            ck_assert(!report.recovered);
            check_leaf(db);
            ck_assert_ok(recov_close(db));
            vfs_fault_destroy(vfs);
        }
    }
}
END_TEST

/* A crash inside a redo that rebuilds pages without reading them (failpoint after some
 * records, then a power cut), repeated: the next open still ends with the last version. */
START_TEST(test_recov_rebuilt_page_crash_during_redo)
{
    Vfs *vfs = vfs_fault_create(31);
    (void)leaf_crash(vfs);
    const int skips[3] = {3, 17, 33};   /* of about 40 (record, page) applications */
    for (int attempt_idx = 0; attempt_idx < 3; attempt_idx++) {
        fp_set("recov.redo.record", FP_ACTION_ERROR, skips[attempt_idx], 1);
        RecovOptions options = options_for(vfs, DEFAULTS);
        RecovDb     *failed = NULL;
        RecovReport  report;
        rh_assert_error(recov_open(DB, &options, &failed, &report), SQLSTATE_IO_ERROR, "injected");
        fp_clear_all();
        vfs_fault_power_cut(vfs);
    }
    RecovOptions options = options_for(vfs, DEFAULTS);
    RecovDb     *db = NULL;
    RecovReport  report;
    ck_assert_ok(recov_open(DB, &options, &db, &report));
    ck_assert(report.recovered);
    ck_assert_uint_ge(report.pages_unread, 1);
    check_leaf(db);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

static Suite *pipeline_suite(void)
{
    Suite *suite = suite_create("recov_pipeline");
    TCase *tcase = tcase_create("recov_pipeline");
    tcase_set_timeout(tcase, 300);
    tcase_add_test(tcase, test_recov_pipeline_matches_serial);
    tcase_add_test(tcase, test_recov_pipeline_crash_during_redo);
    tcase_add_test(tcase, test_recov_compressed_record_framing_checked);
    tcase_add_test(tcase, test_recov_rebuilt_page_not_read);
    tcase_add_test(tcase, test_recov_rebuilt_page_crash_during_redo);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(pipeline_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
