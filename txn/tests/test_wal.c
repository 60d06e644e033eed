/* txn/tests/test_wal.c: the write-ahead log: records of many sizes read back across the
 * circular area's wrap-around; a scan ends at a bad crc, a stale LSN or an older generation;
 * full page images once per page between writes; group commit (8 threads share fsyncs) and
 * synchronous_commit = off; the WAL rule (no page reaches the file before its log); an fsync
 * failure (58030, writes refused, the reopen recovers); a full disk (53100 for the operation
 * that asks, COMMIT still fits); the size limit (53400 for a transaction that pins the log,
 * recycling otherwise). */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/hash.h"
#include "storage/btree.h"
#include "txn/recov.h"
#include "txn/wal_int.h"
#include "wrap_vfs.h"

#define ck_assert_ok(expr)                                                           \
    do {                                                                             \
        Error *err_ok_ = (expr);                                                     \
        ck_assert_msg(err_ok_ == NULL, "%s failed: %s (%s)", #expr,                  \
                      err_ok_ != NULL ? err_ok_->message : "",                       \
                      err_ok_ != NULL ? sqlstate_code(err_ok_->state) : "");         \
    } while (0)

static const char *const DB = "db.birch";
static const char *const WAL_FILE = "db.birch-wal";

static void assert_error(Error *err, SqlState state, const char *needle)
{
    ck_assert_msg(err != NULL, "expected an error %s", sqlstate_code(state));
    ck_assert_msg(err->state == state, "expected %s, got %s: %s", sqlstate_code(state),
                  sqlstate_code(err->state), err->message);
    if (needle != NULL) {
        ck_assert_msg(strstr(err->message, needle) != NULL, "\"%s\" not in \"%s\"", needle,
                      err->message);
    }
    err_free(err);
}

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double      scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static int scaled(int count)
{
    int result = (int)(count * test_scale());
    return result < 10 ? 10 : result;
}

static RecovDb *open_db(Vfs *vfs, uint64_t capacity, size_t pool_size)
{
    RecovOptions options = {
        .store = {.vfs = vfs, .create = true, .pool_size = pool_size},
        .wal = {.capacity = capacity},
    };
    RecovDb *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    return db;
}

static BTree *make_tree(RecovDb *db)
{
    PageId root = PAGE_ID_NONE;
    ck_assert_ok(bt_create(recov_store(db), &root));
    Mtr mtr;
    mtr_begin(&mtr, recov_store(db));
    store_root_set(&mtr, 1, root);
    ck_assert_ok(mtr_commit(&mtr));
    BTree *tree = NULL;
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    return tree;
}

static Error *insert_key(BTree *tree, uint64_t key_value, size_t value_size)
{
    uint8_t key[8], value[512];
    enc_u64be(key, key_value);
    for (size_t byte_idx = 0; byte_idx < value_size; byte_idx++) {
        value[byte_idx] = (uint8_t)(key_value * 13 + byte_idx);
    }
    return bt_insert(tree, key, 8, value, value_size);
}

static void payload_fill(uint8_t *payload, size_t size, uint64_t seed)
{
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        payload[byte_idx] = (uint8_t)hash_u64(seed + byte_idx / 8);
    }
}

/* ---- records, wrap-around, scan ends ---- */

typedef struct Appended {
    uint64_t lsn;
    size_t   size;
    uint64_t seed;
} Appended;

/* open_wal: a fresh database file on vfs (1 MiB pool) and a log of capacity bytes on it. */
static void open_wal(Vfs *vfs, uint64_t capacity, Store **store_out, Wal **wal_out)
{
    StoreOptions store_options = {.vfs = vfs, .create = true, .pool_size = 1 << 20};
    *store_out = NULL;
    ck_assert_ok(store_open(DB, &store_options, store_out));
    WalOptions options = {.capacity = capacity};
    *wal_out = NULL;
    ck_assert_ok(wal_create(*store_out, &options, wal_out));
}

START_TEST(test_wal_append_read_back_across_wraps)
{
    Vfs   *vfs = vfs_fault_create(11);
    Store *store = NULL;
    Wal   *wal = NULL;
    open_wal(vfs, WAL_CAPACITY_MIN, &store, &wal);
    enum { KEPT = 16 };
    Appended kept[KEPT];
    int      kept_count = 0;
    /* 1023..1025: both sides of wal.c's gathered-record limit (GATHER_BODY_SIZE_MAX) */
    static const size_t sizes[] = {0,    1,    7,    39,   40,   41,   100,   1023, 1024,
                                   1025, 4055, 4056, 4057, 8192, 12000, 20000};
    enum { SIZE_COUNT = sizeof sizes / sizeof sizes[0] };
    uint8_t *payload = malloc(32 * 1024);
    uint64_t total = 0;
    int      count = scaled(3000);
    uint64_t prev_lsn = 0;
    for (int record_idx = 0; record_idx < count; record_idx++) {
        size_t size = record_idx < SIZE_COUNT ? sizes[record_idx]
                                              : (size_t)(hash_u64(record_idx) % 9000);
        if (record_idx % 50 == 7) size = 20000;
        uint64_t seed = hash_u64((uint64_t)record_idx * 31);
        payload_fill(payload, size, seed);
        uint64_t lsn = 0;
        ck_assert_ok(wal_append_txn(wal, WAL_RECORD_COMMIT, (uint64_t)record_idx + 1, prev_lsn,
                                    payload, size, &lsn));
        ck_assert_uint_gt(lsn, prev_lsn);
        prev_lsn = lsn;
        total += size + WAL_RECORD_HEADER_SIZE_MIN;
        kept[kept_count % KEPT] = (Appended){.lsn = lsn, .size = size, .seed = seed};
        kept_count++;
        /* the log behind the oldest kept record may be reused */
        if (kept_count >= KEPT) wal_set_reuse_lsn(wal, kept[kept_count % KEPT].lsn);
        if (record_idx % 17 == 0) ck_assert_ok(wal_flush(wal, lsn));
    }
    ck_assert_uint_gt(total, 3 * WAL_CAPACITY_MIN);   /* wrapped several times */
    WalReader *reader = NULL;
    ck_assert_ok(wal_reader_open(wal, &reader));
    uint8_t *expected = malloc(32 * 1024);
    /* random reads of the kept records, then one scan through them to the end */
    for (int kept_idx = 0; kept_idx < KEPT; kept_idx++) {
        const Appended *record = &kept[kept_idx];
        WalRecord       read;
        bool            valid = false;
        ck_assert_ok(wal_read(reader, record->lsn, false, &read, &valid));
        ck_assert(valid);
        ck_assert_uint_eq(read.type, WAL_RECORD_COMMIT);
        ck_assert_uint_eq(read.payload_size, record->size);
        payload_fill(expected, record->size, record->seed);
        ck_assert(memcmp(read.payload, expected, record->size) == 0);
    }
    uint64_t lsn = kept[kept_count % KEPT].lsn;
    int      scanned = 0;
    for (;;) {
        WalRecord read;
        bool      valid = false;
        ck_assert_ok(wal_read(reader, lsn, true, &read, &valid));
        if (!valid) break;
        ck_assert_uint_eq(read.xid, (uint64_t)(count - KEPT + scanned + 1));
        lsn += read.size;
        scanned++;
    }
    ck_assert_int_eq(scanned, KEPT);
    ck_assert_uint_eq(lsn, wal_insert_lsn(wal));
    /* a record overwritten by a later lap is gone: its position holds another LSN */
    WalRecord read;
    bool      valid = true;
    ck_assert_ok(wal_read(reader, kept[kept_count % KEPT].lsn - WAL_CAPACITY_MIN, false, &read,
                          &valid));
    ck_assert(!valid);
    wal_reader_close(reader);
    free(payload);
    free(expected);
    ck_assert_ok(wal_close(wal, true));
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

/* StepHook: a space hook (a checkpoint's stand-in) that recycles `step` bytes per call, as a
 * checkpoint does while other threads refill the log, until call `done_at`, which recycles
 * everything; done_at 0: it never moves the reuse LSN (a log held by an open transaction). */
typedef struct StepHook {
    Wal     *wal;
    int      calls;
    int      done_at;
    uint64_t step;
} StepHook;

static Error *step_hook(void *ctx)
{
    StepHook *hook = ctx;
    hook->calls++;
    WalStats stats = wal_stats(hook->wal);
    if (hook->done_at == 0) return NULL;
    wal_set_reuse_lsn(hook->wal, hook->calls >= hook->done_at ? stats.insert_lsn
                                                                : stats.reuse_lsn + hook->step);
    return NULL;
}

static void fill_past_soft_limit(Wal *wal, uint64_t *prev_lsn)
{
    static uint8_t payload[4000];
    for (uint64_t xid = 1;; xid++) {
        WalStats stats = wal_stats(wal);
        if (stats.insert_lsn - stats.reuse_lsn > wal_soft_limit(wal) + 8192) return;
        ck_assert_ok(wal_append_txn(wal, WAL_RECORD_COMMIT, xid, *prev_lsn, payload,
                                    sizeof payload, prev_lsn));
    }
}

/* wal_check_space over the soft limit runs the space hook (a checkpoint) again while each call
 * still moves the reuse LSN: a log that a busy machine refills while its checkpoints run is not
 * full (a 1,500-iteration crash run got 53400 on a mini-transaction when this stopped after 8
 * calls); a hook that recycles nothing gives 53400 after one call. */
START_TEST(test_wal_space_check_retries_while_checkpoints_progress)
{
    Vfs   *vfs = vfs_fault_create(23);
    Store *store = NULL;
    Wal   *wal = NULL;
    open_wal(vfs, WAL_CAPACITY_MIN, &store, &wal);
    uint64_t prev_lsn = 0;
    fill_past_soft_limit(wal, &prev_lsn);
    StepHook hook = {.wal = wal, .done_at = 20, .step = 16};
    wal_set_space_hook(wal, step_hook, &hook);
    ck_assert_ok(wal_check_space(wal, 42));
    ck_assert_int_eq(hook.calls, 20);
    ck_assert_ok(wal_check_space(wal, 42));   /* under the limit now: no call */
    ck_assert_int_eq(hook.calls, 20);
    fill_past_soft_limit(wal, &prev_lsn);
    hook = (StepHook){.wal = wal, .done_at = 0};
    assert_error(wal_check_space(wal, 43), SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED,
                 "WAL size limit exceeded by transaction 43");
    ck_assert_int_eq(hook.calls, 1);
    ck_assert_ptr_null(wal_failure(wal));   /* refused, not failed */
    wal_set_space_hook(wal, NULL, NULL);
    ck_assert_ok(wal_close(wal, true));
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

/* HintVfs: records the WAL file's writes and writeback hints (file_start_writeback). */
typedef struct HintVfs {
    WrapVfs  wrap;              /* first: files' vfs pointers are this; the WAL is tagged */
    uint64_t written_end;       /* the end of the furthest write of the WAL file */
    uint64_t hinted_size;       /* bytes hinted */
    uint64_t hint_count;
    uint64_t hint_outside_count;   /* hints of bytes not written before */
} HintVfs;

static Error *hint_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    HintVfs *hint = (HintVfs *)file->vfs;
    if (wrap_tagged(file) && offset + size > hint->written_end) hint->written_end = offset + size;
    return file_write(wrap_inner(file), offset, buffer, size);
}
static void hint_start_writeback(File *file, uint64_t offset, uint64_t size)
{
    HintVfs *hint = (HintVfs *)file->vfs;
    if (!wrap_tagged(file)) return;
    hint->hint_count++;
    hint->hinted_size += size;
    if (offset + size > hint->written_end) hint->hint_outside_count++;
}
static const FileOps HINT_FILE_OPS = {
    .read = wrap_read, .write = hint_write, .sync = wrap_sync, .size = wrap_size,
    .truncate = wrap_truncate, .start_writeback = hint_start_writeback, .lock = wrap_lock,
    .close = wrap_close,
};

/* An appender writes the ring out (no sync) once WAL_WRITE_BEHIND_SIZE of it is unwritten,
 * instead of waiting for the ring to fill, and hints the device to start writing those bytes;
 * a synced flush gives no hint (its sync follows at once); the records read back. */
START_TEST(test_wal_appender_writes_behind)
{
    HintVfs hint = {0};
    wrap_vfs_init(&hint.wrap, vfs_fault_create(12), &HINT_FILE_OPS, WAL_FILE);
    Store *store = NULL;
    Wal   *wal = NULL;
    open_wal(&hint.wrap.base, 16 * WAL_WRITE_BEHIND_SIZE, &store, &wal);
    enum { PAYLOAD_SIZE = 1000 };
    uint8_t  payload[PAYLOAD_SIZE];
    WalStats before = wal_stats(wal);
    uint64_t first_lsn = 0;
    uint64_t lsn = 0;
    int      count = (int)(4 * WAL_WRITE_BEHIND_SIZE / PAYLOAD_SIZE);
    for (int record_idx = 0; record_idx < count; record_idx++) {
        payload_fill(payload, PAYLOAD_SIZE, (uint64_t)record_idx);
        ck_assert_ok(wal_append_txn(wal, WAL_RECORD_COMMIT, (uint64_t)record_idx + 1, 0, payload,
                                    PAYLOAD_SIZE, &lsn));
        if (record_idx == 0) first_lsn = lsn;
    }
    WalStats after = wal_stats(wal);
    ck_assert_uint_ge(after.write_count, before.write_count + 3);
    ck_assert_uint_eq(after.sync_count, before.sync_count);     /* written, not synced */
    ck_assert_uint_eq(after.durable_lsn, before.durable_lsn);
    ck_assert_uint_ge(hint.hint_count, 3);
    ck_assert_uint_ge(hint.hinted_size, 3 * WAL_WRITE_BEHIND_SIZE);
    ck_assert_uint_eq(hint.hint_outside_count, 0);
    /* a synced flush: no hint */
    uint64_t hint_count_before = hint.hint_count;
    ck_assert_ok(wal_append_txn(wal, WAL_RECORD_COMMIT, 1, 0, payload, 10, &lsn));
    ck_assert_ok(wal_flush(wal, lsn));
    ck_assert_uint_eq(hint.hint_count, hint_count_before);
    WalReader *reader = NULL;
    ck_assert_ok(wal_reader_open(wal, &reader));
    uint8_t expected[PAYLOAD_SIZE];
    int     read_count = 0;
    for (uint64_t at = first_lsn; read_count < count; read_count++) {
        WalRecord read;
        bool      valid = false;
        ck_assert_ok(wal_read(reader, at, true, &read, &valid));
        ck_assert(valid);
        ck_assert_uint_eq(read.payload_size, PAYLOAD_SIZE);
        payload_fill(expected, PAYLOAD_SIZE, (uint64_t)read_count);
        ck_assert(memcmp(read.payload, expected, PAYLOAD_SIZE) == 0);
        at += read.size;
    }
    wal_reader_close(reader);
    ck_assert_ok(wal_close(wal, true));
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(hint.wrap.inner);
}
END_TEST

START_TEST(test_wal_scan_ends_at_bad_crc_lsn_or_generation)
{
    Vfs   *vfs = vfs_fault_create(12);
    Store *store = NULL;
    Wal   *wal = NULL;
    open_wal(vfs, WAL_CAPACITY_MIN, &store, &wal);
    uint64_t lsns[10];
    uint8_t  payload[300];
    for (int record_idx = 0; record_idx < 10; record_idx++) {
        payload_fill(payload, sizeof payload, (uint64_t)record_idx);
        ck_assert_ok(wal_append_txn(wal, WAL_RECORD_END, 5, 0, payload, sizeof payload,
                                    &lsns[record_idx]));
    }
    ck_assert_ok(wal_flush_all(wal));
    uint64_t end = wal_insert_lsn(wal);
    /* plant a record at the end: well-formed (generation 1) -> the scan takes it */
    uint8_t plant[WAL_RECORD_HEADER_SIZE_MAX + 16] = {0};
    uint8_t plant_body[16] = {1, 2, 3};
    File   *file = NULL;
    ck_assert_ok(file_open(vfs, WAL_FILE, 0, &file));
    size_t plant_size = wal_encode_record(plant, end, 5, lsns[9], WAL_RECORD_END, 0, 1,
                                          plant_body, sizeof plant_body);
    ck_assert_ok(file_write(file, wal_file_offset(wal, end), plant, plant_size));
    WalReader *reader = NULL;
    ck_assert_ok(wal_reader_open(wal, &reader));
    WalRecord read;
    bool      valid = false;
    ck_assert_ok(wal_read(reader, lsns[9], true, &read, &valid));
    ck_assert(valid);
    ck_assert_ok(wal_read(reader, end, true, &read, &valid));
    ck_assert(valid);
    ck_assert_uint_eq(read.xid, 5);
    ck_assert_uint_eq(read.prev_lsn, lsns[9]);
    ck_assert_uint_eq(read.size, plant_size);
    ck_assert_uint_eq(read.payload_size, sizeof plant_body);
    ck_assert_int_eq(memcmp(read.payload, plant_body, sizeof plant_body), 0);
    /* the same with an older generation: a scan stops (a crashed run's tail), a direct read
     * does not care */
    plant_size = wal_encode_record(plant, end, 5, lsns[9], WAL_RECORD_END, 0, 0, plant_body,
                                   sizeof plant_body);
    ck_assert_ok(file_write(file, wal_file_offset(wal, end), plant, plant_size));
    wal_reader_close(reader);
    ck_assert_ok(wal_reader_open(wal, &reader));
    ck_assert_ok(wal_read(reader, lsns[9], true, &read, &valid));
    ck_assert(valid);
    ck_assert_ok(wal_read(reader, end, true, &read, &valid));
    ck_assert(!valid);
    ck_assert_ok(wal_read(reader, end, false, &read, &valid));
    ck_assert(valid);
    /* a stale LSN (a previous lap's record) is not a record here */
    plant_size = wal_encode_record(plant, end - WAL_CAPACITY_MIN, 5, lsns[9] - WAL_CAPACITY_MIN,
                                   WAL_RECORD_END, 0, 1, plant_body, sizeof plant_body);
    ck_assert_ok(file_write(file, wal_file_offset(wal, end), plant, plant_size));
    ck_assert_ok(wal_read(reader, end, false, &read, &valid));
    ck_assert(!valid);
    /* one flipped bit in record 6's body: the scan ends there */
    ck_assert_ok(vfs_fault_corrupt(vfs, WAL_FILE,
                                   wal_file_offset(wal, lsns[6]) + WAL_RECORD_HEADER_SIZE_MAX + 100,
                                   0x10));
    uint64_t lsn = lsns[0];
    int      scanned = 0;
    for (;;) {
        ck_assert_ok(wal_read(reader, lsn, true, &read, &valid));
        if (!valid) break;
        lsn += read.size;
        scanned++;
    }
    ck_assert_int_eq(scanned, 6);
    ck_assert_uint_eq(lsn, lsns[6]);
    /* and a flipped bit in a header field (its xid) too */
    ck_assert_ok(vfs_fault_corrupt(vfs, WAL_FILE, wal_file_offset(wal, lsns[2]) + 9, 0x01));
    ck_assert_ok(wal_read(reader, lsns[2], false, &read, &valid));
    ck_assert(!valid);
    wal_reader_close(reader);
    file_close(file);
    ck_assert_ok(wal_close(wal, false));
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

/* ---- full page images ---- */

START_TEST(test_wal_fpi_once_per_page_between_writes)
{
    Vfs     *vfs = vfs_fault_create(13);
    RecovDb *db = open_db(vfs, 4 << 20, 1 << 20);
    Wal     *wal = recov_wal(db);
    BTree   *tree = make_tree(db);
    PageId   root = bt_root(tree);
    /* the root leaf was made by this run (REDO_PAGE_INIT): no image needed */
    uint64_t fpi = wal_stats(wal).fpi_count;
    ck_assert_ok(insert_key(tree, 1, 100));
    ck_assert_uint_eq(wal_stats(wal).fpi_count, fpi);
    /* written: the next change logs one image, the one after that none */
    ck_assert_ok(bp_flush_page(store_pool(recov_store(db)), root));
    ck_assert_ok(insert_key(tree, 2, 100));
    ck_assert_uint_eq(wal_stats(wal).fpi_count, fpi + 1);
    ck_assert_ok(insert_key(tree, 3, 100));
    ck_assert_ok(insert_key(tree, 4, 100));
    ck_assert_uint_eq(wal_stats(wal).fpi_count, fpi + 1);
    ck_assert_uint_gt(wal_stats(wal).compressed_count, 0);   /* an 8 KiB image compresses */
    ck_assert_ok(bp_flush_page(store_pool(recov_store(db)), root));
    ck_assert_ok(insert_key(tree, 5, 100));
    ck_assert_uint_eq(wal_stats(wal).fpi_count, fpi + 2);
    bt_close(tree);
    /* the images replay: a crash now recovers the same tree */
    ck_assert_ok(wal_flush_all(wal));
    recov_abandon(db);
    RecovOptions options = {.store = {.vfs = vfs, .pool_size = 1 << 20}};
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    ck_assert_ok(bt_check_store(recov_store(db), &root, 1));
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    BtCheckStats stats;
    ck_assert_ok(bt_check(tree, &stats));
    ck_assert_uint_eq(stats.entry_count, 5);
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

/* ---- group commit ---- */

typedef struct Committer {
    Wal     *wal;
    int      commit_count;
    uint64_t xid_base;
} Committer;

static void *committer_main(void *arg)
{
    Committer *committer = arg;
    for (int commit_idx = 0; commit_idx < committer->commit_count; commit_idx++) {
        uint64_t lsn = 0;
        uint8_t  payload[32] = {0};
        Error   *err = wal_append_txn(committer->wal, WAL_RECORD_COMMIT,
                                      committer->xid_base + (uint64_t)commit_idx, 0, payload,
                                      sizeof payload, &lsn);
        if (err == NULL) err = wal_commit_wait(committer->wal, lsn);
        if (err != NULL) {
            fprintf(stderr, "commit failed: %s\n", err->message);
            abort();
        }
        if (wal_durable_lsn(committer->wal) <= lsn) abort();   /* returned before durable */
    }
    return NULL;
}

START_TEST(test_wal_group_commit_shares_fsyncs)
{
    char dir[] = "/tmp/birch_wal_group_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/db.birch", dir);
    RecovOptions options = {.store = {.create = true, .pool_size = 1 << 20}};
    RecovDb     *db = NULL;
    ck_assert_ok(recov_open(path, &options, &db, NULL));
    Wal     *wal = recov_wal(db);
    enum { THREADS = 8 };
    Committer committers[THREADS];
    pthread_t threads[THREADS];
    int       per_thread = scaled(100);
    WalStats  before = wal_stats(wal);
    for (int thread_idx = 0; thread_idx < THREADS; thread_idx++) {
        committers[thread_idx] = (Committer){.wal = wal, .commit_count = per_thread,
                                             .xid_base = (uint64_t)thread_idx * 1000000 + 1};
        pthread_create(&threads[thread_idx], NULL, committer_main, &committers[thread_idx]);
    }
    for (int thread_idx = 0; thread_idx < THREADS; thread_idx++) {
        pthread_join(threads[thread_idx], NULL);
    }
    WalStats after = wal_stats(wal);
    uint64_t commits = (uint64_t)THREADS * (uint64_t)per_thread;
    uint64_t syncs = after.sync_count - before.sync_count;
    fprintf(stderr, "group commit: %llu commits, %llu fsyncs\n", (unsigned long long)commits,
            (unsigned long long)syncs);
    ck_assert_uint_gt(syncs, 0);
    ck_assert_uint_lt(syncs, commits);
    /* synchronous_commit = off: the commit returns at once, the flusher makes it durable */
    wal_set_synchronous_commit(wal, false);
    uint64_t lsn = 0;
    ck_assert_ok(wal_append_txn(wal, WAL_RECORD_COMMIT, 99, 0, NULL, 0, &lsn));
    ck_assert_ok(wal_commit_wait(wal, lsn));
    for (int wait_idx = 0; wait_idx < 500 && wal_durable_lsn(wal) <= lsn; wait_idx++) {
        usleep(2000);
    }
    ck_assert_uint_gt(wal_durable_lsn(wal), lsn);
    ck_assert_ok(recov_close(db));
    unlink(path);
    rmdir(dir);
}
END_TEST

/* ---- the WAL rule, checked by a VFS wrapper around the fault VFS ---- */

typedef struct CheckVfs {
    WrapVfs          wrap;      /* first: files' vfs pointers are this; DB is the tagged path */
    _Atomic(Wal *)   wal;
    atomic_ulong     page_write_count;
    atomic_ulong     violation_count;
} CheckVfs;

static Error *check_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    CheckVfs *check = (CheckVfs *)file->vfs;
    Wal      *wal = atomic_load(&check->wal);
    if (wrap_tagged(file) && wal != NULL && size == PAGE_SIZE && offset > 0) {
        atomic_fetch_add(&check->page_write_count, 1);
        /* the record that set the page's LSN must be durable (durable_lsn is past it) */
        if (page_lsn(buffer) >= wal_durable_lsn(wal)) atomic_fetch_add(&check->violation_count, 1);
    }
    return file_write(wrap_inner(file), offset, buffer, size);
}
static const FileOps CHECK_FILE_OPS = {
    .read = wrap_read, .write = check_write, .sync = wrap_sync, .size = wrap_size,
    .truncate = wrap_truncate, .lock = wrap_lock, .close = wrap_close,
};

START_TEST(test_wal_page_never_written_before_its_log)
{
    CheckVfs check = {0};
    wrap_vfs_init(&check.wrap, vfs_fault_create(14), &CHECK_FILE_OPS, DB);
    RecovOptions options = {
        .store = {.vfs = &check.wrap.base, .create = true, .pool_size = 16 * PAGE_SIZE,
                  .start_cleaner = true},
        .wal = {.capacity = 4 << 20},
    };
    RecovDb *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    atomic_store(&check.wal, recov_wal(db));
    BTree *tree = make_tree(db);
    int count = 2000;   /* enough evictions at any scale */
    for (int key_idx = 0; key_idx < count; key_idx++) {
        /* a scattered order so evictions write pages changed recently */
        ck_assert_ok(insert_key(tree, hash_u64((uint64_t)key_idx), 200));
    }
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    fprintf(stderr, "WAL rule: %lu page writes checked\n",
            (unsigned long)atomic_load(&check.page_write_count));
    ck_assert_uint_gt(atomic_load(&check.page_write_count), 100);
    ck_assert_uint_eq(atomic_load(&check.violation_count), 0);
    vfs_fault_destroy(check.wrap.inner);
}
END_TEST

/* ---- failures ---- */

START_TEST(test_wal_fsync_failure_refuses_writes_until_reopen)
{
    Vfs     *vfs = vfs_fault_create(15);
    RecovDb *db = open_db(vfs, 4 << 20, 1 << 20);
    BTree   *tree = make_tree(db);
    PageId   root = bt_root(tree);
    for (int key_idx = 0; key_idx < 100; key_idx++) ck_assert_ok(insert_key(tree, key_idx, 50));
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    vfs_fault_inject(vfs, WAL_FILE, FAULT_SYNC_EIO, 0, 1);
    ck_assert_ok(insert_key(tree, 1000, 50));   /* in the log buffer only */
    assert_error(wal_flush_all(recov_wal(db)), SQLSTATE_IO_ERROR, "refuses writes");
    vfs_fault_clear(vfs);
    /* everything that would write is refused now, even though the disk works again */
    assert_error(insert_key(tree, 1001, 50), SQLSTATE_IO_ERROR, "refuses writes");
    assert_error(wal_check_space(recov_wal(db), 1), SQLSTATE_IO_ERROR, NULL);
    uint64_t lsn = 0;
    assert_error(wal_append_txn(recov_wal(db), WAL_RECORD_COMMIT, 1, 0, NULL, 0, &lsn),
                 SQLSTATE_IO_ERROR, NULL);
    assert_error(bp_flush_all(store_pool(recov_store(db))), SQLSTATE_IO_ERROR, NULL);
    bt_close(tree);
    assert_error(recov_close(db), SQLSTATE_IO_ERROR, NULL);
    /* the reopen recovers: what was durable is there, the tree is whole */
    RecovOptions options = {.store = {.vfs = vfs, .pool_size = 1 << 20}};
    RecovReport  report;
    ck_assert_ok(recov_open(DB, &options, &db, &report));
    ck_assert(report.recovered);
    ck_assert_ok(bt_check_store(recov_store(db), &root, 1));
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    for (int key_idx = 0; key_idx < 100; key_idx++) {
        uint8_t key[8];
        enc_u64be(key, (uint64_t)key_idx);
        BtBuf value = {0};
        bool  found = false;
        ck_assert_ok(bt_get(tree, key, 8, &value, &found));
        ck_assert(found);
        bt_buf_free(&value);
    }
    ck_assert_ok(insert_key(tree, 2000, 50));   /* writable again */
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_wal_full_disk_fails_only_that_operation)
{
    Vfs     *vfs = vfs_fault_create(16);
    RecovDb *db = open_db(vfs, 8 << 20, 8 << 20);
    BTree   *tree = make_tree(db);
    PageId   root = bt_root(tree);
    Wal     *wal = recov_wal(db);
    ck_assert_ok(wal_flush_all(wal));
    uint64_t db_size = 0, wal_size = 0;
    {
        File *file = NULL;
        ck_assert_ok(file_open(vfs, DB, FILE_OPEN_READONLY, &file));
        ck_assert_ok(file_size(file, &db_size));
        file_close(file);
        ck_assert_ok(file_open(vfs, WAL_FILE, FILE_OPEN_READONLY, &file));
        ck_assert_ok(file_size(file, &wal_size));
        file_close(file);
    }
    vfs_fault_set_capacity(vfs, db_size + wal_size + 200 * 1024);
    int     inserted = 0;
    Error  *err = NULL;
    for (int key_idx = 0; key_idx < 100000; key_idx++) {
        err = wal_check_space(wal, 5);
        if (err != NULL) break;
        ck_assert_ok(insert_key(tree, (uint64_t)key_idx, 300));
        ck_assert_ok(wal_flush_all(wal));
        inserted++;
    }
    assert_error(err, SQLSTATE_DISK_FULL, "could not extend the write-ahead log");
    ck_assert_int_gt(inserted, 10);
    /* the operation that asked failed; the rest goes on: a COMMIT still fits the reserve */
    uint64_t lsn = 0;
    ck_assert_ok(wal_append_txn(wal, WAL_RECORD_COMMIT, 5, 0, NULL, 0, &lsn));
    ck_assert_ok(wal_commit_wait(wal, lsn));
    ck_assert_ptr_null(wal_failure(wal));
    assert_error(wal_check_space(wal, 6), SQLSTATE_DISK_FULL, NULL);
    /* space comes back: writes go on */
    vfs_fault_set_capacity(vfs, 0);
    ck_assert_ok(wal_check_space(wal, 6));
    ck_assert_ok(insert_key(tree, 1000000, 300));
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    RecovOptions options = {.store = {.vfs = vfs, .pool_size = 8 << 20}};
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    BtCheckStats stats;
    ck_assert_ok(bt_check(tree, &stats));
    ck_assert_uint_eq(stats.entry_count, (uint64_t)inserted + 1);
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

/* a long transaction as the checkpoint sees it */
static CkptTxn g_long_txn;
static bool    g_long_txn_active;

static size_t long_txn_fn(void *ctx, CkptTxn *txns_out, size_t count_max)
{
    (void)ctx;
    if (!g_long_txn_active) return 0;
    if (count_max >= 1) txns_out[0] = g_long_txn;
    return 1;
}

START_TEST(test_wal_size_limit_and_recycling)
{
    Vfs     *vfs = vfs_fault_create(17);
    RecovDb *db = open_db(vfs, WAL_CAPACITY_MIN, 2 << 20);
    Wal     *wal = recov_wal(db);
    BTree   *tree = make_tree(db);
    /* transaction 9 writes once, then stays open: it pins the log behind its first LSN */
    uint64_t   last_lsn = 0;
    WalMtrInfo info = {.xid = 9, .last_lsn_io = &last_lsn};
    wal_thread_bind(&info);
    ck_assert_ok(insert_key(tree, 999999, 100));
    wal_thread_bind(NULL);
    g_long_txn = (CkptTxn){.xid = 9, .first_lsn = last_lsn, .last_lsn = last_lsn,
                           .undo_next_lsn = last_lsn};
    g_long_txn_active = true;
    ckpt_set_active_txn_fn(recov_ckpt(db), long_txn_fn, NULL);
    Error *err = NULL;
    int    key_idx = 0;
    for (; key_idx < 100000; key_idx++) {
        err = wal_check_space(wal, 10);
        if (err != NULL) break;
        ck_assert_ok(insert_key(tree, (uint64_t)key_idx, 200));
    }
    assert_error(err, SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED,
                 "WAL size limit exceeded by transaction 10");
    ck_assert_uint_gt(ckpt_count(recov_ckpt(db)), 0);   /* it tried a checkpoint first */
    ck_assert_ptr_null(wal_failure(wal));
    /* the long transaction ends: the next check recycles the log and writes go on for many
     * laps of the circular area */
    g_long_txn_active = false;
    uint64_t start = wal_insert_lsn(wal);
    int      more = 0;
    while (wal_insert_lsn(wal) - start < 4 * (uint64_t)WAL_CAPACITY_MIN) {
        ck_assert_ok(wal_check_space(wal, 11));
        ck_assert_ok(insert_key(tree, 1000000 + (uint64_t)more, 200));
        more++;
    }
    bt_close(tree);
    ck_assert_ok(wal_flush_all(wal));
    PageId root = store_root_get(recov_store(db), 1);
    recov_abandon(db);
    /* a crash after the wrap-arounds recovers from the last checkpoint */
    RecovOptions options = {.store = {.vfs = vfs, .pool_size = 2 << 20}};
    RecovReport  report;
    ck_assert_ok(recov_open(DB, &options, &db, &report));
    ck_assert(report.recovered);
    ck_assert_uint_gt(report.checkpoint_lsn, 0);
    ck_assert_ok(bt_open(recov_store(db), root, &tree));
    BtCheckStats stats;
    ck_assert_ok(bt_check(tree, &stats));
    ck_assert_uint_eq(stats.entry_count, (uint64_t)key_idx + (uint64_t)more + 1);
    bt_close(tree);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

static Suite *wal_suite(void)
{
    Suite *suite = suite_create("wal");
    TCase *tcase = tcase_create("wal");
    tcase_set_timeout(tcase, 300);
    tcase_add_test(tcase, test_wal_append_read_back_across_wraps);
    tcase_add_test(tcase, test_wal_appender_writes_behind);
    tcase_add_test(tcase, test_wal_scan_ends_at_bad_crc_lsn_or_generation);
    tcase_add_test(tcase, test_wal_fpi_once_per_page_between_writes);
    tcase_add_test(tcase, test_wal_group_commit_shares_fsyncs);
    tcase_add_test(tcase, test_wal_page_never_written_before_its_log);
    tcase_add_test(tcase, test_wal_fsync_failure_refuses_writes_until_reopen);
    tcase_add_test(tcase, test_wal_full_disk_fails_only_that_operation);
    tcase_add_test(tcase, test_wal_size_limit_and_recycling);
    tcase_add_test(tcase, test_wal_space_check_retries_while_checkpoints_progress);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(wal_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
