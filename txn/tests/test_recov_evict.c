/* txn/tests/test_recov_evict.c: recovery with a buffer pool far smaller than the set of pages
 * it touches (txn/recov.c's rebuilt-page shortcut under eviction).
 *
 * The workload runs on a large pool (few evictions, so after a sharp checkpoint every page's
 * first change logs a full page image and its later changes are deltas): scattered inserts
 * that split, updates, deletes, a committed transaction with undo payloads, and three
 * transactions left open; then a power cut. Recovery then runs on a pool of 16 frames with
 * small redo batches, so a page's image lies in one batch and its deltas in later ones: the
 * page is rebuilt without being read (RecovReport.pages_unread), evicted (written back, as it
 * is dirty) while other pages are applied, and read back for its next delta. A lost write-back
 * would apply that delta to the older copy in the file and lose rows. Checked:
 * - the shortcut (pipelined, with the cleaner, serial, one big batch) and the reference that
 *   reads every page (RecovRedoTuning.read_every_page) give the same rows as the committed
 *   work (bt_check on both trees), the losers rolled back, and the same pages;
 * - some pages of the file are garbage (torn) and their first change in the log is an image:
 *   both repair them;
 * - crashes in the middle of that recovery (a failpoint, three times, the second followed by a
 *   power cut: pages rebuilt from an image and written back may be older than the file's copy
 *   was) and then a full recovery, both ways, give the same pages again;
 * - a crash during the undo of the losers on the tiny pool, then a recovery: the same rows;
 * - a torn page whose first change in the redo window is a delta (its image is before the
 *   window: the page's full-page-image flag was cleared by hand, as a page the checkpoint
 *   wrote would have it set) is refused with XX001 naming the page, by both ways, with the
 *   tiny pool and the default one; the same log with the page intact recovers.
 * Scales with BIRCH_TEST_SCALE (about 800 pages at 1, the tiny pool's 50 times; at least ~110);
 * BIRCH_RECOV_EVICT_VERBOSE=1 prints each mode's reads, unread pages, evictions and writes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/error.h"
#include "common/failpoint.h"
#include "storage/btree.h"
#include "storage/bufpool.h"
#include "txn/recov.h"
#include "recov_harness.h"

static const char *const DB = RH_DB;
static const char *const WAL_FILE = RH_WAL_FILE;
enum {
    SLOT_A = RH_ROOT_SLOT,     /* the big tree */
    SLOT_B = 2,                /* a small second tree */
    TINY_FRAMES = BP_FRAME_COUNT_MIN,
    SMALL_BATCH = 64 * 1024,   /* redo bytes per batch: 8 images, or 30-60 pages */
    LOSER_COUNT = 3,
    LOSER_XID = 7001,
    WINNER_XID = 5001,
    KEY_COUNT_FULL = 60000,    /* tree A's keys at scale 1 before the checkpoint (even ids):
                                * about 800 pages, 50 times the tiny pool */
    B_KEY_COUNT = 300,
    B_BASE = 1000000,          /* tree B's key ids */
    LOSER_BASE = 2000000,      /* keys only losers insert */
    MODE_COUNT = 4,
};

/* ---- the model: the committed version of each key (-1: absent) ---- */

typedef struct Model {
    int  key_count;            /* tree A ids [0, 2 * key_count) */
    int *version_a;            /* per id of tree A */
    int  version_b[B_KEY_COUNT];
    int  loser_inserts;        /* ids [LOSER_BASE, + loser_inserts) must be absent */
} Model;

static Model g_model;

static size_t value_of(int key_value, int version, uint8_t *value)
{
    size_t size = 40 + (size_t)((key_value * 13 + version * 7) % 88);
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        value[byte_idx] = (uint8_t)(key_value * 5 + version * 29 + (int)byte_idx);
    }
    return size;
}

/* ---- undo: 'D' root key (delete), 'P' root key version (put that version back) ---- */

enum { UNDO_SIZE = 17 };

static Error *undo_apply(void *ctx, Store *store, const WalRecord *record)
{
    (void)ctx;
    const uint8_t *undo = record->undo;
    if (record->undo_size != UNDO_SIZE || (undo[0] != 'D' && undo[0] != 'P')) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "bad undo payload");
    }
    BTree *tree = NULL;
    TRY(bt_open(store, dec_u32le(undo + 1), &tree));
    Error *err = NULL;
    bool   found = false;
    if (undo[0] == 'D') {
        err = bt_delete(tree, undo + 5, 8, &found);   /* absent: already undone */
    } else {
        uint8_t value[RH_VALUE_MAX];
        int     key_value = (int)dec_u64be(undo + 5);
        size_t  size = value_of(key_value, (int)dec_u32le(undo + 13), value);
        err = bt_update(tree, undo + 5, 8, value, size, &found);
        if (err == NULL && !found) err = bt_insert(tree, undo + 5, 8, value, size);
    }
    bt_close(tree);
    return err;
}

static void undo_payload(uint8_t *payload, char kind, PageId root, int key_value, int version)
{
    payload[0] = (uint8_t)kind;
    enc_u32le(payload + 1, root);
    rh_key_of(key_value, payload + 5);
    enc_u32le(payload + 13, (uint32_t)version);
}

/* ---- options ---- */

static RecovOptions options_for(Vfs *vfs, size_t frames, RecovRedoTuning tuning, bool cleaner)
{
    RecovOptions options = {
        .store = {.vfs = vfs, .create = true, .pool_size = frames * PAGE_SIZE,
                  .start_cleaner = cleaner},
        .wal = {.capacity = 32 << 20},
        .undo_fn = undo_apply,
        .redo = tuning,
    };
    return options;
}

static const RecovRedoTuning PIPELINED = {.batch_bytes = SMALL_BATCH, .parallel_pages_min = 2};
static const RecovRedoTuning SERIAL = {.batch_bytes = SMALL_BATCH, .serial = true};
static const RecovRedoTuning ONE_BATCH = {0};
static const RecovRedoTuning READ_EVERY = {.batch_bytes = SMALL_BATCH, .serial = true,
                                           .read_every_page = true};

/* ---- the workload ---- */

static void delete_key(BTree *tree, int key_value)
{
    uint8_t key[8];
    rh_key_of(key_value, key);
    bool found = false;
    ck_assert_ok(bt_delete(tree, key, 8, &found));
    ck_assert_msg(found, "key %d absent", key_value);
}

/* slot_a: the model's version of key_value of tree A */
static int *slot_a(int key_value)
{
    if (key_value < 0 || key_value >= 2 * g_model.key_count) {
        ck_abort_msg("key %d outside the model", key_value);
    }
    return &g_model.version_a[key_value];
}

/* logged_put / logged_delete: a change of transaction info->xid with its undo payload. */
static void logged_put(WalMtrInfo *info, BTree *tree, PageId root, int key_value, int version,
                       int old_version)
{
    uint8_t payload[UNDO_SIZE];
    undo_payload(payload, old_version < 0 ? 'D' : 'P', root, key_value, old_version);
    info->undo = payload;
    info->undo_size = sizeof payload;
    rh_put(tree, key_value, version, value_of);
    ck_assert_ptr_null(info->undo);
}

static void logged_delete(WalMtrInfo *info, BTree *tree, PageId root, int key_value,
                          int old_version)
{
    uint8_t payload[UNDO_SIZE];
    undo_payload(payload, 'P', root, key_value, old_version);
    info->undo = payload;
    info->undo_size = sizeof payload;
    delete_key(tree, key_value);
    ck_assert_ptr_null(info->undo);
}

/* crash_workload: see the file comment. torn_out (optional) receives up to torn_max page ids
 * changed after the sharp checkpoint (first change: an image); returns how many. */
static size_t crash_workload(Vfs *vfs, PageId *torn_out, size_t torn_max)
{
    int key_count = (int)(KEY_COUNT_FULL * rh_test_scale());
    if (key_count < 8000) key_count = 8000;
    free(g_model.version_a);
    memset(&g_model, 0, sizeof g_model);
    g_model.key_count = key_count;
    g_model.version_a = malloc(2 * (size_t)key_count * sizeof *g_model.version_a);
    ck_assert_ptr_nonnull(g_model.version_a);
    for (int idx = 0; idx < 2 * key_count; idx++) g_model.version_a[idx] = -1;

    RecovOptions options = options_for(vfs, 8192, ONE_BATCH, false);
    RecovDb     *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    Store *store = recov_store(db);
    PageId root_a = rh_make_tree(db);
    PageId root_b = PAGE_ID_NONE;
    ck_assert_ok(bt_create(store, &root_b));
    Mtr mtr;
    mtr_begin(&mtr, store);
    store_root_set(&mtr, SLOT_B, root_b);
    ck_assert_ok(mtr_commit(&mtr));
    BTree *tree_a = NULL, *tree_b = NULL;
    ck_assert_ok(bt_open(store, root_a, &tree_a));
    ck_assert_ok(bt_open(store, root_b, &tree_b));

    /* before the checkpoint: the even ids of A, bulk loaded into nearly full leaves (the
     * inserts of the window split them), B */
    BtBulk *bulk = NULL;
    ck_assert_ok(bt_bulk_begin(tree_a, 0.97, &bulk));
    for (int idx = 0; idx < key_count; idx++) {
        uint8_t key[8], value[RH_VALUE_MAX];
        rh_key_of(2 * idx, key);
        size_t size = value_of(2 * idx, 1, value);
        Error *err = bt_bulk_add(bulk, key, 8, value, size);
        if (err != NULL) ck_abort_msg("bt_bulk_add: %s", err->message);
        *slot_a(2 * idx) = 1;
    }
    ck_assert_ok(bt_bulk_finish(bulk));
    bt_close(tree_a);
    bt_close(tree_b);
    /* a clean close and reopen: the log starts afresh (smaller files to copy around) */
    ck_assert_ok(recov_close(db));
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    store = recov_store(db);
    ck_assert_ok(bt_open(store, root_a, &tree_a));
    ck_assert_ok(bt_open(store, root_b, &tree_b));
    for (int idx = 0; idx < B_KEY_COUNT; idx++) {
        rh_put(tree_b, B_BASE + idx, 1, value_of);
        g_model.version_b[idx] = 1;
    }
    ck_assert_ok(ckpt_run(recov_ckpt(db), CKPT_FLUSH_ALL, NULL));
    uint64_t images = wal_stats(recov_wal(db)).fpi_count;

    /* the redo window: odd ids in a scattered order (splits everywhere; each leaf's first
     * change is its image, the later ones deltas, far apart in the log) */
    for (int idx = 0; idx < key_count; idx += 16) {
        int key_value = 2 * (int)(((int64_t)idx * 104729) % key_count) + 1;
        rh_put(tree_a, key_value, 1, value_of);
        *slot_a(key_value) = 1;
    }
    /* a committed transaction with undo payloads: updates */
    uint64_t   winner_last = 0;
    WalMtrInfo winner = {.xid = WINNER_XID, .last_lsn_io = &winner_last};
    wal_thread_bind(&winner);
    for (int key_value = 0; key_value < 2 * key_count; key_value += 80) {
        logged_put(&winner, tree_a, root_a, key_value, 2, *slot_a(key_value));
        *slot_a(key_value) = 2;
    }
    wal_thread_bind(NULL);
    uint64_t commit_lsn = 0;
    ck_assert_ok(wal_append_txn(recov_wal(db), WAL_RECORD_COMMIT, WINNER_XID, winner_last, NULL,
                                0, &commit_lsn));
    ck_assert_ok(wal_append_txn(recov_wal(db), WAL_RECORD_END, WINNER_XID, commit_lsn, NULL, 0,
                                &commit_lsn));
    /* redo-only updates and deletes (some leaves merge) */
    for (int key_value = 2; key_value < 2 * key_count; key_value += 112) {
        if (*slot_a(key_value) < 0) continue;
        rh_put(tree_a, key_value, 3, value_of);
        *slot_a(key_value) = 3;
    }
    for (int key_value = 4; key_value < 2 * key_count; key_value += 88) {
        if (*slot_a(key_value) < 0) continue;
        delete_key(tree_a, key_value);
        *slot_a(key_value) = -1;
    }
    /* a contiguous range deleted: whole leaves empty out */
    for (int key_value = key_count / 2; key_value < key_count / 2 + key_count / 16; key_value++) {
        if (*slot_a(key_value) < 0) continue;
        delete_key(tree_a, key_value);
        *slot_a(key_value) = -1;
    }
    for (int idx = 0; idx < B_KEY_COUNT; idx += 2) {
        rh_put(tree_b, B_BASE + idx, 2, value_of);
        g_model.version_b[idx] = 2;
    }
    ck_assert_uint_gt(wal_stats(recov_wal(db)).fpi_count, images + 20);

    /* pages changed since the checkpoint (their first change in the window is an image) */
    size_t torn_count = 0;
    if (torn_out != NULL) {
        size_t       dirty_max = 1 << 16;
        BpDirtyPage *dirty = malloc(dirty_max * sizeof *dirty);
        ck_assert_ptr_nonnull(dirty);
        size_t count = bp_dirty_pages(store_pool(store), dirty, dirty_max);
        ck_assert_uint_le(count, dirty_max);
        ck_assert_uint_gt(count, 4 * TINY_FRAMES);   /* many more pages than the tiny pool */
        for (size_t idx = 1; idx < count && torn_count < torn_max; idx += 23) {
            if (dirty[idx].page_id != 0) torn_out[torn_count++] = dirty[idx].page_id;
        }
        free(dirty);
    }

    /* the losers: interleaved, each on its own ids; inserts, updates, deletes, never ended */
    uint64_t   loser_last[LOSER_COUNT] = {0};
    WalMtrInfo losers[LOSER_COUNT];
    for (int loser_idx = 0; loser_idx < LOSER_COUNT; loser_idx++) {
        losers[loser_idx] = (WalMtrInfo){.xid = LOSER_XID + (uint64_t)loser_idx,
                                         .last_lsn_io = &loser_last[loser_idx]};
    }
    int step_count = key_count / 100;
    for (int step = 0; step < step_count; step++) {
        int         loser_idx = step % LOSER_COUNT;
        WalMtrInfo *info = &losers[loser_idx];
        wal_thread_bind(info);
        logged_put(info, tree_a, root_a, LOSER_BASE + g_model.loser_inserts++, 1, -1);
        int key_value = (int)(((int64_t)step * 15485863) % (2 * key_count));
        key_value -= key_value % LOSER_COUNT;
        key_value += loser_idx;   /* ids of this loser only: undo order per key is its own */
        if (key_value < 2 * key_count && *slot_a(key_value) >= 0) {
            if (step % 2 == 0) {
                logged_put(info, tree_a, root_a, key_value, 9, *slot_a(key_value));
            } else {
                logged_delete(info, tree_a, root_a, key_value, *slot_a(key_value));
            }
        }
        if (step % 5 == 0) {
            int b_idx = (step / 5) % B_KEY_COUNT;
            b_idx -= b_idx % LOSER_COUNT;
            b_idx += loser_idx;
            if (b_idx < B_KEY_COUNT) {
                logged_put(info, tree_b, root_b, B_BASE + b_idx, 7, g_model.version_b[b_idx]);
            }
        }
        wal_thread_bind(NULL);
    }
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    bt_close(tree_a);
    bt_close(tree_b);
    recov_abandon(db);
    vfs_fault_power_cut(vfs);
    return torn_count;
}

/* ---- checks ---- */

static void check_tree_rows(BTree *tree, bool is_a)
{
    BtCheckStats stats;
    ck_assert_ok(bt_check(tree, &stats));
    uint64_t present = 0;
    BtBuf    buf = {0};
    int      count = is_a ? 2 * g_model.key_count + g_model.loser_inserts : B_KEY_COUNT;
    for (int idx = 0; idx < count; idx++) {
        int key_value, version;
        if (!is_a) {
            key_value = B_BASE + idx;
            version = g_model.version_b[idx];
        } else if (idx < 2 * g_model.key_count) {
            key_value = idx;
            version = g_model.version_a[idx];
        } else {
            key_value = LOSER_BASE + idx - 2 * g_model.key_count;
            version = -1;
        }
        /* no ck_assert on the way: check logs every passing assertion */
        uint8_t key[8], value[RH_VALUE_MAX];
        rh_key_of(key_value, key);
        bool   found = false;
        Error *err = bt_get(tree, key, 8, &buf, &found);
        if (err != NULL) {
            ck_abort_msg("bt_get of key %d: %s (%s)", key_value, err->message,
                         sqlstate_code(err->state));
        }
        if (found != (version >= 0)) {
            ck_abort_msg("key %d: found %d, expected version %d", key_value, found, version);
        }
        if (found) {
            size_t size = value_of(key_value, version, value);
            if (buf.size != size || memcmp(buf.data, value, size) != 0) {
                ck_abort_msg("key %d does not hold version %d", key_value, version);
            }
            present++;
        }
    }
    bt_buf_free(&buf);
    ck_assert_uint_eq(stats.entry_count, present);
}

/* check_rows: both trees sound, every page reachable once, exactly the committed rows. */
static void check_rows(RecovDb *db)
{
    Store *store = recov_store(db);
    PageId roots[2] = {store_root_get(store, SLOT_A), store_root_get(store, SLOT_B)};
    ck_assert_uint_ne(roots[0], PAGE_ID_NONE);
    ck_assert_uint_ne(roots[1], PAGE_ID_NONE);
    ck_assert_ok(bt_check_store(store, roots, 2));
    for (int tree_idx = 0; tree_idx < 2; tree_idx++) {
        BTree *tree = NULL;
        ck_assert_ok(bt_open(store, roots[tree_idx], &tree));
        check_tree_rows(tree, tree_idx == 0);
        bt_close(tree);
    }
}

/* Recovered: one recovery's outcome. */
typedef struct Recovered {
    RecovReport report;
    BpStats     pool;          /* the pool's counters right after recov_open */
    uint8_t    *bytes;         /* the database file after a clean close */
    size_t      size;
} Recovered;

/* recover_vfs: recover the crash in vfs with frames/tuning, check it, close it cleanly, keep the
 * file's bytes (saved through scratch). */
static void recover_vfs(Vfs *vfs, size_t frames, RecovRedoTuning tuning, bool cleaner,
                        const char *scratch, Recovered *out)
{
    RecovOptions options = options_for(vfs, frames, tuning, cleaner);
    RecovDb     *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, &out->report));
    ck_assert(out->report.recovered);
    ck_assert_uint_eq(out->report.transactions_rolled_back, LOSER_COUNT);
    out->pool = bp_stats(store_pool(recov_store(db)));
    check_rows(db);
    ck_assert_ok(recov_close(db));
    ck_assert_ok(vfs_fault_save(vfs, DB, scratch));
    out->bytes = rh_read_real_file(scratch, &out->size);
    unlink(scratch);
}

static void recover_saved(const char *db_saved, const char *wal_saved, size_t frames,
                          RecovRedoTuning tuning, bool cleaner, const char *scratch,
                          Recovered *out)
{
    Vfs *vfs = vfs_fault_create(77);
    ck_assert_ok(vfs_fault_load(vfs, DB, db_saved));
    ck_assert_ok(vfs_fault_load(vfs, WAL_FILE, wal_saved));
    recover_vfs(vfs, frames, tuning, cleaner, scratch, out);
    vfs_fault_destroy(vfs);
}

/* compare_files: the same file page for page (as txn_test_recov_pipeline's compare_pages: the
 * bodies [PAGE_OFFSET_ID, PAGE_SIZE) equal, a FREE page's up to its header, page 0 not at all;
 * LSNs equal where both are below the crashed log's end: what undo logs after redo may differ
 * in images, so in later LSNs). */
static void compare_files(const Recovered *reference, const Recovered *other, const char *what)
{
    ck_assert_msg(other->size == reference->size, "%s: file of %zu bytes, reference %zu", what,
                  other->size, reference->size);
    uint64_t end_lsn = reference->report.end_lsn;
    for (size_t page_idx = 1; page_idx < reference->size / PAGE_SIZE; page_idx++) {
        const uint8_t *ref = reference->bytes + page_idx * PAGE_SIZE;
        const uint8_t *page = other->bytes + page_idx * PAGE_SIZE;
        size_t compared = page_type(ref) == PAGE_TYPE_FREE ? PAGE_HEADER_SIZE : PAGE_SIZE;
        if (memcmp(ref + PAGE_OFFSET_ID, page + PAGE_OFFSET_ID, compared - PAGE_OFFSET_ID) != 0) {
            ck_abort_msg("%s: page %zu differs from the reference's", what, page_idx);
        }
        if (page_lsn(ref) < end_lsn && page_lsn(page) < end_lsn &&
            page_lsn(ref) != page_lsn(page)) {
            ck_abort_msg("%s: page %zu has LSN %llu, the reference %llu", what, page_idx,
                         (unsigned long long)page_lsn(page), (unsigned long long)page_lsn(ref));
        }
    }
}

static void temp_dir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/birch-recov-evict-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* garble: overwrite page_id in the database file of vfs with junk (a torn write). */
static void garble(Vfs *vfs, PageId page_id)
{
    File *file = NULL;
    ck_assert_ok(file_open(vfs, DB, 0, &file));
    uint8_t junk[PAGE_SIZE];
    for (size_t byte_idx = 0; byte_idx < PAGE_SIZE; byte_idx++) {
        junk[byte_idx] = (uint8_t)(byte_idx * 31 + page_id);
    }
    /* a torn write: the first half new junk, the second half what was there */
    ck_assert_ok(file_write(file, (uint64_t)page_id * PAGE_SIZE, junk, PAGE_SIZE / 2));
    ck_assert_ok(file_sync(file));
    file_close(file);
}

typedef struct Paths {
    char dir[64];
    char db_saved[128];
    char wal_saved[128];
    char scratch[128];
} Paths;

static void paths_init(Paths *paths)
{
    temp_dir(paths->dir, sizeof paths->dir);
    snprintf(paths->db_saved, sizeof paths->db_saved, "%s/crash.birch", paths->dir);
    snprintf(paths->wal_saved, sizeof paths->wal_saved, "%s/crash.birch-wal", paths->dir);
    snprintf(paths->scratch, sizeof paths->scratch, "%s/scratch.birch", paths->dir);
}

static void paths_cleanup(Paths *paths)
{
    unlink(paths->db_saved);
    unlink(paths->wal_saved);
    unlink(paths->scratch);
    rmdir(paths->dir);
}

/* save_crash: the crash workload with some torn pages, saved to real files. */
static void save_crash(Paths *paths, uint64_t seed, size_t *torn_count_out)
{
    Vfs   *vfs = vfs_fault_create(seed);
    PageId torn[8];
    size_t torn_count = crash_workload(vfs, torn, sizeof torn / sizeof torn[0]);
    ck_assert_uint_gt(torn_count, 0);
    for (size_t idx = 0; idx < torn_count; idx++) garble(vfs, torn[idx]);
    ck_assert_ok(vfs_fault_save(vfs, DB, paths->db_saved));
    ck_assert_ok(vfs_fault_save(vfs, WAL_FILE, paths->wal_saved));
    vfs_fault_destroy(vfs);
    if (getenv("BIRCH_RECOV_EVICT_VERBOSE") != NULL) {
        size_t db_size = 0, wal_size = 0;
        free(rh_read_real_file(paths->db_saved, &db_size));
        free(rh_read_real_file(paths->wal_saved, &wal_size));
        fprintf(stderr, "crash: database %zu pages, log file %zu bytes\n", db_size / PAGE_SIZE,
                wal_size);
    }
    if (torn_count_out != NULL) *torn_count_out = torn_count;
}

static void recovered_free(Recovered *recovered)
{
    free(recovered->bytes);
    recovered->bytes = NULL;
}

/* ---- tests ---- */

/* The same crash (torn pages included) recovered on the tiny pool by the shortcut in three
 * shapes and by the reference that reads every page: the same rows and the same pages; the
 * shortcut rebuilt pages unread and the pool evicted (and wrote) during redo. */
START_TEST(test_recov_evict_tiny_pool_matches_reference)
{
    Paths paths;
    paths_init(&paths);
    size_t torn_count = 0;
    save_crash(&paths, 41, &torn_count);

    Recovered reference = {0};
    recover_saved(paths.db_saved, paths.wal_saved, TINY_FRAMES, READ_EVERY, false,
                  paths.scratch, &reference);
    ck_assert_uint_eq(reference.report.pages_unread, 0);
    ck_assert_uint_gt(reference.pool.eviction_count, 0);

    const RecovRedoTuning tunings[MODE_COUNT] = {PIPELINED, PIPELINED, SERIAL, ONE_BATCH};
    const bool            cleaners[MODE_COUNT] = {false, true, false, false};
    const char *const     names[MODE_COUNT] = {"pipelined", "pipelined + cleaner", "serial",
                                               "one batch"};
    for (int mode_idx = 0; mode_idx < MODE_COUNT; mode_idx++) {
        Recovered shortcut = {0};
        recover_saved(paths.db_saved, paths.wal_saved, TINY_FRAMES, tunings[mode_idx],
                      cleaners[mode_idx], paths.scratch, &shortcut);
        if (getenv("BIRCH_RECOV_EVICT_VERBOSE") != NULL) {
            fprintf(stderr, "%s: read %llu unread %llu redone %llu evictions %llu writes %llu "
                    "(reference: read %llu redone %llu evictions %llu) redo %.0f ms, "
                    "%llu log bytes\n",
                    names[mode_idx], (unsigned long long)shortcut.report.pages_read,
                    (unsigned long long)shortcut.report.pages_unread,
                    (unsigned long long)shortcut.report.pages_redone,
                    (unsigned long long)shortcut.pool.eviction_count,
                    (unsigned long long)shortcut.pool.write_count,
                    (unsigned long long)reference.report.pages_read,
                    (unsigned long long)reference.report.pages_redone,
                    (unsigned long long)reference.pool.eviction_count, shortcut.report.redo_ms,
                    (unsigned long long)shortcut.report.bytes_scanned);
        }
        /* pages rebuilt without a read, on a pool that had to evict (and write) during redo */
        ck_assert_msg(shortcut.report.pages_unread > 4 * TINY_FRAMES,
                      "%s: only %llu pages rebuilt unread", names[mode_idx],
                      (unsigned long long)shortcut.report.pages_unread);
        ck_assert_uint_gt(shortcut.pool.eviction_count, shortcut.report.pages_unread / 2);
        ck_assert_uint_gt(shortcut.pool.write_count, 0);
        if (tunings[mode_idx].serial) {
            /* the same pins in the same order as the serial reference, minus the reads */
            ck_assert_uint_lt(shortcut.report.pages_read, reference.report.pages_read);
        }
        ck_assert_uint_eq(shortcut.report.records_scanned, reference.report.records_scanned);
        ck_assert_uint_eq(shortcut.report.bytes_scanned, reference.report.bytes_scanned);
        ck_assert_uint_eq(shortcut.report.clr_count, reference.report.clr_count);
        ck_assert_uint_ge(shortcut.report.pages_redone, reference.report.pages_redone);
        compare_files(&reference, &shortcut, names[mode_idx]);
        recovered_free(&shortcut);
    }
    /* the same crash on a pool that holds everything: the same pages again */
    Recovered roomy = {0};
    recover_saved(paths.db_saved, paths.wal_saved, 8192, PIPELINED, false, paths.scratch,
                  &roomy);
    compare_files(&reference, &roomy, "large pool");
    recovered_free(&roomy);
    recovered_free(&reference);
    paths_cleanup(&paths);
}
END_TEST

/* A crash in the middle of the tiny-pool recovery (pages rebuilt from images, evicted and
 * written back: some older than the file's copy was), first without, then with a power cut;
 * then full recoveries of that state, by the shortcut and by the reference: the same pages as
 * a recovery of the untouched crash. */
START_TEST(test_recov_evict_crash_during_recovery)
{
    Paths paths;
    paths_init(&paths);
    save_crash(&paths, 43, NULL);
    Recovered direct = {0};
    recover_saved(paths.db_saved, paths.wal_saved, TINY_FRAMES, SERIAL, false, paths.scratch,
                  &direct);
    uint64_t applications = direct.report.pages_redone;
    ck_assert_uint_gt(applications, 100);

    Vfs *vfs = vfs_fault_create(44);
    ck_assert_ok(vfs_fault_load(vfs, DB, paths.db_saved));
    ck_assert_ok(vfs_fault_load(vfs, WAL_FILE, paths.wal_saved));
    const int  skips[3] = {(int)(applications / 3), (int)(applications * 2 / 3),
                           (int)(applications - applications / 10)};
    const bool power[3] = {false, true, false};
    for (int attempt_idx = 0; attempt_idx < 3; attempt_idx++) {
        fp_set("recov.redo.record", FP_ACTION_ERROR, skips[attempt_idx], 1);
        RecovOptions options = options_for(vfs, TINY_FRAMES,
                                           attempt_idx == 1 ? SERIAL : PIPELINED, false);
        RecovDb     *failed = NULL;
        RecovReport  report;
        rh_assert_error(recov_open(DB, &options, &failed, &report), SQLSTATE_IO_ERROR,
                        "injected");
        fp_clear_all();
        if (power[attempt_idx]) vfs_fault_power_cut(vfs);
    }
    char db_mid[160], wal_mid[160];
    snprintf(db_mid, sizeof db_mid, "%s/mid.birch", paths.dir);
    snprintf(wal_mid, sizeof wal_mid, "%s/mid.birch-wal", paths.dir);
    ck_assert_ok(vfs_fault_save(vfs, DB, db_mid));
    ck_assert_ok(vfs_fault_save(vfs, WAL_FILE, wal_mid));
    vfs_fault_destroy(vfs);

    const RecovRedoTuning tunings[2] = {PIPELINED, READ_EVERY};
    const char *const     names[2] = {"after crashed recoveries, shortcut",
                                      "after crashed recoveries, reference"};
    for (int mode_idx = 0; mode_idx < 2; mode_idx++) {
        Recovered again = {0};
        recover_saved(db_mid, wal_mid, TINY_FRAMES, tunings[mode_idx], false, paths.scratch,
                      &again);
        ck_assert_uint_eq(again.report.records_scanned, direct.report.records_scanned);
        compare_files(&direct, &again, names[mode_idx]);
        recovered_free(&again);
    }
    unlink(db_mid);
    unlink(wal_mid);
    recovered_free(&direct);
    paths_cleanup(&paths);
}
END_TEST

/* A crash during the undo of the losers on the tiny pool (after a redo that evicted), then a
 * recovery that finishes the undo from the CLRs: the same rows. */
START_TEST(test_recov_evict_crash_during_undo)
{
    Vfs *vfs = vfs_fault_create(45);
    crash_workload(vfs, NULL, 0);
    const int skips[2] = {5, 60};
    for (int attempt_idx = 0; attempt_idx < 2; attempt_idx++) {
        fp_set("recov.undo.step", FP_ACTION_ERROR, skips[attempt_idx], 1);
        RecovOptions options = options_for(vfs, TINY_FRAMES, PIPELINED, false);
        RecovDb     *failed = NULL;
        rh_assert_error(recov_open(DB, &options, &failed, NULL), SQLSTATE_IO_ERROR, "injected");
        fp_clear_all();
        if (attempt_idx == 1) vfs_fault_power_cut(vfs);
    }
    RecovOptions options = options_for(vfs, TINY_FRAMES, PIPELINED, false);
    RecovDb     *db = NULL;
    RecovReport  report;
    ck_assert_ok(recov_open(DB, &options, &db, &report));
    ck_assert(report.recovered);
    check_rows(db);
    ck_assert_ok(recov_close(db));
    vfs_fault_destroy(vfs);
}
END_TEST

/* ---- a torn page whose first change in the redo window is not an image ---- */

enum { DELTA_KEYS = 1500 };

/* delta_first_crash: a tree of many leaves, a sharp checkpoint, then key 0's leaf L changed
 * and written, a second sharp checkpoint (its redo LSN is past L's image), L's
 * full-page-image flag cleared by hand (as if L's image were before the window), then changes
 * of L (deltas only) interleaved with changes of every other leaf (images), a crash. Returns
 * L. */
static PageId delta_first_crash(Vfs *vfs)
{
    free(g_model.version_a);
    memset(&g_model, 0, sizeof g_model);
    RecovOptions options = options_for(vfs, 8192, ONE_BATCH, false);
    RecovDb     *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    Store  *store = recov_store(db);
    BufPool *pool = store_pool(store);
    PageId root = rh_make_tree(db);
    BTree *tree = NULL;
    ck_assert_ok(bt_open(store, root, &tree));
    for (int key_value = 0; key_value < DELTA_KEYS; key_value++) {
        rh_put(tree, key_value, 1, value_of);
    }
    ck_assert_ok(ckpt_run(recov_ckpt(db), CKPT_FLUSH_ALL, NULL));
    rh_put(tree, 0, 2, value_of);
    BpDirtyPage dirty[8];
    ck_assert_uint_eq(bp_dirty_pages(pool, dirty, 8), 1);   /* key 0's leaf alone */
    PageId leaf = dirty[0].page_id;
    ck_assert_uint_ne(leaf, root);
    ck_assert_ok(ckpt_run(recov_ckpt(db), CKPT_FLUSH_ALL, NULL));
    Frame *frame = NULL;
    ck_assert_ok(bp_pin(pool, leaf, BP_PIN_READ, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    ck_assert(bp_take_fpi_flag(frame));   /* set: the checkpoint wrote it */
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    bp_unpin(pool, frame);
    for (int round = 3; round < 8; round++) {
        uint64_t images = wal_stats(recov_wal(db)).fpi_count;
        rh_put(tree, 0, round, value_of);           /* a delta, never an image */
        ck_assert_uint_eq(wal_stats(recov_wal(db)).fpi_count, images);
        /* the other leaves (an image at their first change) */
        for (int key_value = 50; key_value < DELTA_KEYS; key_value += 50) {
            rh_put(tree, key_value, round, value_of);
        }
    }
    ck_assert_ok(wal_flush_all(recov_wal(db)));
    bt_close(tree);
    recov_abandon(db);
    return leaf;
}

START_TEST(test_recov_evict_torn_page_without_image)
{
    for (int torn = 0; torn < 2; torn++) {
        for (int mode_idx = 0; mode_idx < 3; mode_idx++) {
            Vfs   *vfs = vfs_fault_create(51 + (uint64_t)(torn * 3 + mode_idx));
            PageId leaf = delta_first_crash(vfs);
            if (torn) garble(vfs, leaf);
            const RecovRedoTuning tunings[3] = {PIPELINED, READ_EVERY, ONE_BATCH};
            size_t frames = mode_idx == 2 ? 8192 : TINY_FRAMES;
            RecovOptions options = options_for(vfs, frames, tunings[mode_idx], false);
            options.undo_fn = NULL;
            RecovDb    *db = NULL;
            RecovReport report;
            Error      *err = recov_open(DB, &options, &db, &report);
            if (torn) {
                char needle[64];
                snprintf(needle, sizeof needle, "page %u of database", (unsigned)leaf);
                rh_assert_error(err, SQLSTATE_DATA_CORRUPTED, needle);
                /* refused again, not half repaired */
                rh_assert_error(recov_open(DB, &options, &db, &report), SQLSTATE_DATA_CORRUPTED,
                                "no full image");
            } else {
                ck_assert_ok(err);
                ck_assert(report.recovered);
                BTree *tree = rh_open_tree(db);
                BtCheckStats stats;
                ck_assert_ok(bt_check(tree, &stats));
                ck_assert_uint_eq(stats.entry_count, DELTA_KEYS);
                rh_expect(tree, 0, 7, value_of);
                rh_expect(tree, 50, 7, value_of);
                rh_expect(tree, 51, 1, value_of);
                bt_close(tree);
                ck_assert_ok(recov_close(db));
            }
            vfs_fault_destroy(vfs);
        }
    }
}
END_TEST

/* ---- a log tail that was written but never synced (a process crash) ---- */

/* tail_crash: in vfs, a durable sharp checkpoint of a tree of many pages, then updates of
 * every key (version 5) whose log is written to the file but never synced (the flush's sync
 * fails: wal.flush.before_sync), and the process ends: the operating system still holds that
 * tail, so recovery reads and redoes it. Returns the tree's key count. */
static int tail_crash(Vfs *vfs)
{
    int key_count = rh_scaled(12000);
    RecovOptions options = options_for(vfs, 8192, ONE_BATCH, false);
    RecovDb     *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    Store *store = recov_store(db);
    PageId root = rh_make_tree(db);
    BTree *tree = NULL;
    ck_assert_ok(bt_open(store, root, &tree));
    BtBulk *bulk = NULL;
    ck_assert_ok(bt_bulk_begin(tree, 0.97, &bulk));
    for (int key_value = 0; key_value < key_count; key_value++) {
        uint8_t key[8], value[RH_VALUE_MAX];
        rh_key_of(key_value, key);
        size_t size = value_of(key_value, 1, value);
        Error *err = bt_bulk_add(bulk, key, 8, value, size);
        if (err != NULL) ck_abort_msg("bt_bulk_add: %s", err->message);
    }
    ck_assert_ok(bt_bulk_finish(bulk));
    ck_assert_ok(ckpt_run(recov_ckpt(db), CKPT_FLUSH_ALL, NULL));
    for (int key_value = 0; key_value < key_count; key_value += 2) {
        rh_put(tree, key_value, 5, value_of);
    }
    fp_set("wal.flush.before_sync", FP_ACTION_ERROR, 0, 1);
    rh_assert_error(wal_flush_all(recov_wal(db)), SQLSTATE_IO_ERROR, "injected");
    fp_clear_all();
    bt_close(tree);
    recov_abandon(db);
    return key_count;
}

/* max_file_page_lsn: the largest page LSN in the database file of vfs. */
static uint64_t max_file_page_lsn(Vfs *vfs)
{
    File *file = NULL;
    ck_assert_ok(file_open(vfs, DB, FILE_OPEN_READONLY, &file));
    uint64_t size = 0;
    ck_assert_ok(file_size(file, &size));
    uint64_t max_lsn = 0;
    uint8_t  page[PAGE_SIZE];
    for (uint64_t page_idx = 1; page_idx < size / PAGE_SIZE; page_idx++) {
        ck_assert_ok(file_read(file, page_idx * PAGE_SIZE, page, PAGE_SIZE));
        if (page_lsn(page) > max_lsn) max_lsn = page_lsn(page);
    }
    file_close(file);
    return max_lsn;
}

/* The log tail a crashed process wrote but never synced is redone by a recovery that evicts
 * (writes) pages; that recovery crashes and the power fails before it synced anything: no
 * page in the file may then be newer than the log that survived (the WAL rule), or the next
 * recovery would skip the changes logged at those LSNs again. The updates of the tail
 * survive as a prefix, if at all. */
START_TEST(test_recov_evict_unsynced_log_tail)
{
    for (int seed_idx = 0; seed_idx < 4; seed_idx++) {
        Vfs *vfs = vfs_fault_create(61 + (uint64_t)seed_idx);
        int  key_count = tail_crash(vfs);
        /* recovery 1 on the tiny pool: dies late in its redo, after many evictions */
        fp_set("recov.redo.record", FP_ACTION_ERROR, key_count / 2 - key_count / 20, 1);
        RecovOptions options = options_for(vfs, TINY_FRAMES, SERIAL, false);
        options.undo_fn = NULL;
        RecovDb    *db = NULL;
        RecovReport report;
        rh_assert_error(recov_open(DB, &options, &db, &report), SQLSTATE_IO_ERROR, "injected");
        fp_clear_all();
        vfs_fault_power_cut(vfs);
        uint64_t page_lsn_max = max_file_page_lsn(vfs);
        ck_assert_ok(recov_open(DB, &options, &db, &report));
        ck_assert(report.recovered);
        ck_assert_msg(page_lsn_max <= report.end_lsn,
                      "seed %d: a page in the file has LSN %llu, past the end of the log that "
                      "survived (%llu): recovery wrote pages before the log it redid was durable",
                      seed_idx, (unsigned long long)page_lsn_max,
                      (unsigned long long)report.end_lsn);
        /* the rows: version 5 on a prefix of the updated keys, version 1 elsewhere */
        BTree *tree = rh_open_tree(db);
        BtCheckStats stats;
        ck_assert_ok(bt_check(tree, &stats));
        ck_assert_uint_eq(stats.entry_count, (uint64_t)key_count);
        bool in_prefix = true;
        BtBuf buf = {0};
        for (int key_value = 0; key_value < key_count; key_value++) {
            uint8_t key[8], value[RH_VALUE_MAX];
            rh_key_of(key_value, key);
            bool   found = false;
            Error *err = bt_get(tree, key, 8, &buf, &found);
            if (err != NULL || !found) ck_abort_msg("seed %d: key %d lost", seed_idx, key_value);
            size_t size = value_of(key_value, 5, value);
            bool   updated = buf.size == size && memcmp(buf.data, value, size) == 0;
            if (updated && (!in_prefix || key_value % 2 != 0)) {
                ck_abort_msg("seed %d: key %d holds an update that follows a lost one",
                             seed_idx, key_value);
            }
            if (!updated) {
                size = value_of(key_value, 1, value);
                if (buf.size != size || memcmp(buf.data, value, size) != 0) {
                    ck_abort_msg("seed %d: key %d holds neither version", seed_idx, key_value);
                }
                if (key_value % 2 == 0) in_prefix = false;
            }
        }
        bt_buf_free(&buf);
        bt_close(tree);
        ck_assert_ok(recov_close(db));
        vfs_fault_destroy(vfs);
    }
}
END_TEST

static Suite *evict_suite(void)
{
    Suite *suite = suite_create("recov_evict");
    TCase *tcase = tcase_create("recov_evict");
    tcase_set_timeout(tcase, 600);
    tcase_add_test(tcase, test_recov_evict_tiny_pool_matches_reference);
    tcase_add_test(tcase, test_recov_evict_crash_during_recovery);
    tcase_add_test(tcase, test_recov_evict_crash_during_undo);
    tcase_add_test(tcase, test_recov_evict_torn_page_without_image);
    tcase_add_test(tcase, test_recov_evict_unsynced_log_tail);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(evict_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    free(g_model.version_a);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
