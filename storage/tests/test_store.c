/* storage/tests/test_store.c: the database file: create/reopen, refusing files that are not
 * birch databases, page 0 corruption, the needs-recovery flag, checkpoint slots, read-only
 * mode, the free list (reuse, reader epochs, corruption found by fsm_walk) and the file lock. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/error.h"
#include "storage/store.h"
#include "storage/tests/shadow.h"

#define ck_assert_ok(expr)                                                           \
    do {                                                                             \
        Error *err_ok_ = (expr);                                                     \
        ck_assert_msg(err_ok_ == NULL, "%s failed: %s", #expr,                       \
                      err_ok_ != NULL ? err_ok_->message : "");                      \
    } while (0)

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

static const char *const DB = "db.birch";

static Store *open_store(Vfs *vfs, bool create)
{
    StoreOptions options = {.vfs = vfs, .create = create, .pool_size = 1 << 20};
    Store       *store = NULL;
    ck_assert_ok(store_open(DB, &options, &store));
    return store;
}

static Error *try_open(Vfs *vfs, const char *path, Store **store_out)
{
    StoreOptions options = {.vfs = vfs, .pool_size = 1 << 20};
    *store_out = NULL;
    return store_open(path, &options, store_out);
}

/* raw_read / raw_write: bytes of the file behind the store's back (another handle). */
static void raw_read(Vfs *vfs, const char *path, uint64_t offset, void *buffer, size_t size)
{
    File *file = NULL;
    ck_assert_ok(file_open(vfs, path, FILE_OPEN_READONLY, &file));
    ck_assert_ok(file_read(file, offset, buffer, size));
    file_close(file);
}

static void raw_write(Vfs *vfs, const char *path, uint64_t offset, const void *buffer,
                      size_t size)
{
    File *file = NULL;
    ck_assert_ok(file_open(vfs, path, FILE_OPEN_CREATE, &file));
    ck_assert_ok(file_write(file, offset, buffer, size));
    ck_assert_ok(file_sync(file));
    file_close(file);
}

/* alloc_pages / free_pages: in one committed mtr each. */
static void alloc_pages(Store *store, int count, PageId *ids_out)
{
    Mtr mtr;
    mtr_begin(&mtr, store);
    for (int page_idx = 0; page_idx < count; page_idx++) {
        Frame *frame = NULL;
        ck_assert_ok(fsm_alloc(&mtr, PAGE_TYPE_TEMP, 0, &frame));
        ids_out[page_idx] = bp_page_id(frame);
    }
    ck_assert_ok(mtr_commit(&mtr));
}

static void free_pages(Store *store, int count, const PageId *ids)
{
    Mtr mtr;
    mtr_begin(&mtr, store);
    for (int page_idx = 0; page_idx < count; page_idx++) {
        Frame *frame = NULL;
        ck_assert_ok(mtr_pin(&mtr, ids[page_idx], LATCH_EXCLUSIVE, &frame));
        fsm_free(&mtr, frame);
    }
    ck_assert_ok(mtr_commit(&mtr));
}

START_TEST(test_store_create_close_reopen_keeps_state)
{
    Vfs   *vfs = vfs_fault_create(1);
    Store *store = NULL;
    assert_error(try_open(vfs, DB, &store), SQLSTATE_UNDEFINED_FILE, DB);
    store = open_store(vfs, true);
    StoreInfo info = store_info(store);
    ck_assert_uint_eq(info.page_count, 1);
    ck_assert_uint_eq(info.free_page_count, 0);
    ck_assert_uint_eq(info.free_head, PAGE_ID_NONE);
    ck_assert(!info.needs_recovery);
    ck_assert_uint_ne(info.database_id, 0);
    ck_assert(!store_is_read_only(store));
    ck_assert_str_eq(store_path(store), DB);
    ck_assert_ptr_eq(store_vfs(store), vfs);
    uint64_t database_id = info.database_id;
    Shadow *shadow = NULL;
    ck_assert_ok(shadow_attach(store, &shadow));
    PageId ids[5];
    alloc_pages(store, 5, ids);
    Mtr mtr;
    mtr_begin(&mtr, store);
    store_root_set(&mtr, 0, ids[0]);
    store_root_set(&mtr, STORE_ROOT_SLOT_COUNT - 1, ids[4]);
    store_set_next_xid(&mtr, 4242);
    store_set_next_lsn(&mtr, 5000);
    ck_assert_ok(mtr_commit(&mtr));
    free_pages(store, 2, ids + 1);
    ck_assert_uint_ge(store_info(store).next_lsn, 5000);
    ck_assert(shadow_check_all(shadow));
    shadow_detach(shadow);
    uint64_t next_lsn = store_info(store).next_lsn;
    ck_assert_ok(store_close(store));

    store = open_store(vfs, false);
    info = store_info(store);
    ck_assert_uint_eq(info.database_id, database_id);
    ck_assert_uint_eq(info.page_count, 6);
    ck_assert_uint_eq(info.free_page_count, 2);
    ck_assert_uint_eq(info.free_head, ids[2]);
    ck_assert_uint_eq(info.next_xid, 4242);
    ck_assert_uint_eq(info.next_lsn, next_lsn);   /* LSNs never restart */
    ck_assert(!info.needs_recovery);
    ck_assert_uint_eq(store_root_get(store, 0), ids[0]);
    ck_assert_uint_eq(store_root_get(store, STORE_ROOT_SLOT_COUNT - 1), ids[4]);
    ck_assert_uint_eq(store_root_get(store, 1), PAGE_ID_NONE);
    ck_assert_ok(fsm_walk(store, NULL, NULL));
    ck_assert_ok(store_close(store));
    /* a clean close leaves exactly one file that survives a power cut */
    vfs_fault_power_cut(vfs);
    store = open_store(vfs, false);
    ck_assert_uint_eq(store_root_get(store, 0), ids[0]);
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_store_refuses_files_that_are_not_birch)
{
    Vfs   *vfs = vfs_fault_create(2);
    Store *store = NULL;
    uint8_t page[PAGE_SIZE];
    uint64_t rng = 12345;
    for (size_t byte_idx = 0; byte_idx < sizeof page; byte_idx++) {
        rng = rng * 6364136223846793005ull + 1;
        page[byte_idx] = (uint8_t)(rng >> 56);
    }
    raw_write(vfs, "random", 0, page, sizeof page);
    raw_write(vfs, "random", PAGE_SIZE, page, sizeof page);
    assert_error(try_open(vfs, "random", &store), SQLSTATE_DATA_CORRUPTED,
                 "file \"random\" is not a birch database");
    const char *text = "CREATE TABLE t (a int);\n";
    raw_write(vfs, "text", 0, text, strlen(text));
    assert_error(try_open(vfs, "text", &store), SQLSTATE_DATA_CORRUPTED,
                 "file \"text\" is not a birch database");
    File *empty = NULL;
    ck_assert_ok(file_open(vfs, "empty", FILE_OPEN_CREATE, &empty));
    file_close(empty);
    assert_error(try_open(vfs, "empty", &store), SQLSTATE_DATA_CORRUPTED,
                 "file \"empty\" is not a birch database");
    /* an empty file opened with create becomes a database */
    StoreOptions options = {.vfs = vfs, .create = true, .pool_size = 1 << 20};
    ck_assert_ok(store_open("empty", &options, &store));
    ck_assert_ok(store_close(store));
    ck_assert_ok(try_open(vfs, "empty", &store));
    ck_assert_ok(store_close(store));

    /* another format version or page size, with a valid checksum: 0A000 */
    store = open_store(vfs, true);
    ck_assert_ok(store_close(store));
    raw_read(vfs, DB, 0, page, PAGE_SIZE);
    enc_u32le(page + STORE_OFFSET_FORMAT_VERSION, STORE_FORMAT_VERSION + 1);
    page_seal(page);
    raw_write(vfs, "v2.birch", 0, page, PAGE_SIZE);
    assert_error(try_open(vfs, "v2.birch", &store), SQLSTATE_FEATURE_NOT_SUPPORTED,
                 "has format version 2");
    enc_u32le(page + STORE_OFFSET_FORMAT_VERSION, STORE_FORMAT_VERSION);
    enc_u32le(page + STORE_OFFSET_PAGE_SIZE, 4096);
    page_seal(page);
    raw_write(vfs, "4k.birch", 0, page, PAGE_SIZE);
    assert_error(try_open(vfs, "4k.birch", &store), SQLSTATE_FEATURE_NOT_SUPPORTED,
                 "pages of 4096 bytes");
    /* fields out of range, checksum valid: XX001 naming the file */
    raw_read(vfs, DB, 0, page, PAGE_SIZE);
    enc_u32le(page + STORE_OFFSET_FREE_HEAD, 7);
    enc_u32le(page + STORE_OFFSET_FREE_COUNT, 1);
    page_seal(page);
    raw_write(vfs, "head.birch", 0, page, PAGE_SIZE);
    assert_error(try_open(vfs, "head.birch", &store), SQLSTATE_DATA_CORRUPTED,
                 "\"head.birch\" is corrupt: free-list head 7");
    raw_read(vfs, DB, 0, page, PAGE_SIZE);
    enc_u32le(page + STORE_OFFSET_ROOTS + 8, 1);
    page_seal(page);
    raw_write(vfs, "root.birch", 0, page, PAGE_SIZE);
    assert_error(try_open(vfs, "root.birch", &store), SQLSTATE_DATA_CORRUPTED, "root page 1");
    raw_read(vfs, DB, 0, page, PAGE_SIZE);
    enc_u32le(page + STORE_OFFSET_PAGE_COUNT, 3);   /* clean close but only one page on disk */
    page_seal(page);
    raw_write(vfs, "short.birch", 0, page, PAGE_SIZE);
    assert_error(try_open(vfs, "short.birch", &store), SQLSTATE_DATA_CORRUPTED, "truncated");
    page[STORE_OFFSET_NEEDS_RECOVERY] = 1;   /* after a crash it may be short: recovery's job */
    page_seal(page);
    raw_write(vfs, "short.birch", 0, page, PAGE_SIZE);
    ck_assert_ok(try_open(vfs, "short.birch", &store));
    ck_assert(store_info(store).needs_recovery);
    store_abandon(store);
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_store_page0_corruption_is_xx001)
{
    Vfs   *vfs = vfs_fault_create(3);
    Store *store = open_store(vfs, true);
    PageId ids[2];
    alloc_pages(store, 2, ids);
    StoreCheckpoint checkpoint = {.checkpoint_lsn = 10, .redo_lsn = 5};
    ck_assert_ok(store_write_checkpoint(store, &checkpoint));
    ck_assert_ok(store_close(store));
    uint8_t pristine[PAGE_SIZE];
    raw_read(vfs, DB, 0, pristine, PAGE_SIZE);
    int tried_count = 0;
    for (uint64_t offset = 0; offset < PAGE_SIZE; offset += offset < 300 ? 1 : 97) {
        ck_assert_ok(vfs_fault_corrupt(vfs, DB, offset, 0x10));
        Error *err = try_open(vfs, DB, &store);
        if (err == NULL) ck_abort_msg("flipped byte %llu of page 0 was not noticed",
                                      (unsigned long long)offset);
        if (err->state != SQLSTATE_DATA_CORRUPTED || strstr(err->message, DB) == NULL) {
            ck_abort_msg("byte %llu: %s %s", (unsigned long long)offset,
                         sqlstate_code(err->state), err->message);
        }
        err_free(err);
        ck_assert_ok(vfs_fault_corrupt(vfs, DB, offset, 0x10));   /* flip back */
        tried_count++;
    }
    ck_assert_int_gt(tried_count, 300);
    /* a corrupt data page is XX001 too, when it is read */
    ck_assert_ok(vfs_fault_corrupt(vfs, DB, (uint64_t)ids[1] * PAGE_SIZE + 5000, 0x01));
    store = open_store(vfs, false);
    Mtr    mtr;
    Frame *frame = NULL;
    mtr_begin(&mtr, store);
    assert_error(mtr_pin(&mtr, ids[1], LATCH_SHARED, &frame), SQLSTATE_DATA_CORRUPTED, DB);
    mtr_abort(&mtr);
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_store_needs_recovery_flag)
{
    Vfs    *vfs = vfs_fault_create(4);
    Store  *store = open_store(vfs, true);
    uint8_t flag = 0;
    raw_read(vfs, DB, STORE_OFFSET_NEEDS_RECOVERY, &flag, 1);
    ck_assert_uint_eq(flag, 1);   /* on disk, synced, while open */
    vfs_fault_power_cut(vfs);
    raw_read(vfs, DB, STORE_OFFSET_NEEDS_RECOVERY, &flag, 1);
    ck_assert_uint_eq(flag, 1);
    ck_assert_ok(store_close(store));
    raw_read(vfs, DB, STORE_OFFSET_NEEDS_RECOVERY, &flag, 1);
    ck_assert_uint_eq(flag, 0);

    store = open_store(vfs, false);
    ck_assert(!store_info(store).needs_recovery);
    store_abandon(store);   /* a crash */
    raw_read(vfs, DB, STORE_OFFSET_NEEDS_RECOVERY, &flag, 1);
    ck_assert_uint_eq(flag, 1);
    store = open_store(vfs, false);
    ck_assert(store_info(store).needs_recovery);
    ck_assert_ok(store_close(store));
    store = open_store(vfs, false);
    ck_assert(!store_info(store).needs_recovery);

    /* a close that cannot flush keeps the flag */
    PageId ids[1];
    alloc_pages(store, 1, ids);
    vfs_fault_inject(vfs, DB, FAULT_WRITE_EIO, 0, 0);
    assert_error(store_close(store), SQLSTATE_IO_ERROR, DB);
    vfs_fault_clear(vfs);
    raw_read(vfs, DB, STORE_OFFSET_NEEDS_RECOVERY, &flag, 1);
    ck_assert_uint_eq(flag, 1);
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_store_open_io_errors)
{
    Vfs   *vfs = vfs_fault_create(5);
    Store *store = open_store(vfs, true);
    ck_assert_ok(store_close(store));
    vfs_fault_inject(vfs, DB, FAULT_READ_EIO, 0, 1);
    assert_error(try_open(vfs, DB, &store), SQLSTATE_IO_ERROR, DB);
    vfs_fault_inject(vfs, DB, FAULT_SYNC_EIO, 0, 1);
    assert_error(try_open(vfs, DB, &store), SQLSTATE_IO_ERROR, "fsync");
    vfs_fault_clear(vfs);
    vfs_fault_set_capacity(vfs, PAGE_SIZE);   /* creating another database cannot extend */
    StoreOptions options = {.vfs = vfs, .create = true, .pool_size = 1 << 20};
    assert_error(store_open("other.birch", &options, &store), SQLSTATE_DISK_FULL, "other.birch");
    vfs_fault_set_capacity(vfs, 0);
    ck_assert_ok(try_open(vfs, DB, &store));
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_store_checkpoint_slots_alternate)
{
    Vfs            *vfs = vfs_fault_create(6);
    Store          *store = open_store(vfs, true);
    StoreCheckpoint read_back;
    bool            found = true;
    ck_assert_ok(store_read_checkpoint(store, &read_back, &found));
    ck_assert(!found);
    for (uint64_t round = 1; round <= 3; round++) {
        StoreCheckpoint checkpoint = {.sequence = 999, .checkpoint_lsn = round * 100,
                                      .redo_lsn = round * 10, .next_xid = round + 7,
                                      .next_lsn = round * 100 + 1};
        ck_assert_ok(store_write_checkpoint(store, &checkpoint));
        ck_assert_ok(store_read_checkpoint(store, &read_back, &found));
        ck_assert(found);
        ck_assert_uint_eq(read_back.sequence, round);
        ck_assert_uint_eq(read_back.checkpoint_lsn, round * 100);
        ck_assert_uint_eq(read_back.redo_lsn, round * 10);
        ck_assert_uint_eq(read_back.next_xid, round + 7);
        ck_assert_uint_eq(read_back.next_lsn, round * 100 + 1);
    }
    /* durable at once: a power cut right now keeps checkpoint 3 */
    store_abandon(store);
    vfs_fault_power_cut(vfs);
    store = open_store(vfs, false);
    ck_assert_ok(store_read_checkpoint(store, &read_back, &found));
    ck_assert(found);
    ck_assert_uint_eq(read_back.sequence, 3);
    ck_assert_ok(store_close(store));
    /* checkpoint 3 is in slot A (1: A, 2: B, 3: A); garble A's bytes and fix the page
     * checksum, as a torn write inside the slot would look: slot B (checkpoint 2) wins */
    uint8_t page[PAGE_SIZE];
    raw_read(vfs, DB, 0, page, PAGE_SIZE);
    page[STORE_OFFSET_CHECKPOINT_A + 9] ^= 0xff;
    page_seal(page);
    raw_write(vfs, DB, 0, page, PAGE_SIZE);
    store = open_store(vfs, false);
    ck_assert_ok(store_read_checkpoint(store, &read_back, &found));
    ck_assert(found);
    ck_assert_uint_eq(read_back.sequence, 2);
    ck_assert_uint_eq(read_back.checkpoint_lsn, 200);
    /* the next checkpoint overwrites the broken slot, not the good one */
    StoreCheckpoint checkpoint = {.checkpoint_lsn = 400};
    ck_assert_ok(store_write_checkpoint(store, &checkpoint));
    ck_assert_ok(store_read_checkpoint(store, &read_back, &found));
    ck_assert_uint_eq(read_back.sequence, 3);
    ck_assert_uint_eq(read_back.checkpoint_lsn, 400);
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_store_read_only)
{
    Vfs   *vfs = vfs_fault_create(7);
    Store *store = open_store(vfs, true);
    PageId ids[1];
    alloc_pages(store, 1, ids);
    Mtr mtr;
    mtr_begin(&mtr, store);
    store_root_set(&mtr, 2, ids[0]);
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert_ok(store_close(store));
    uint8_t before[PAGE_SIZE];
    raw_read(vfs, DB, 0, before, PAGE_SIZE);

    StoreOptions options = {.vfs = vfs, .read_only = true, .pool_size = 1 << 20};
    ck_assert_ok(store_open(DB, &options, &store));
    ck_assert(store_is_read_only(store));
    ck_assert_uint_eq(store_root_get(store, 2), ids[0]);
    Store *second = NULL;   /* read-only openers share */
    ck_assert_ok(store_open(DB, &options, &second));
    mtr_begin(&mtr, store);
    Frame *frame = NULL;
    ck_assert_ok(mtr_pin(&mtr, ids[0], LATCH_SHARED, &frame));
    mtr_release(&mtr, frame);
    assert_error(mtr_pin(&mtr, ids[0], LATCH_EXCLUSIVE, &frame),
                 SQLSTATE_READ_ONLY_SQL_TRANSACTION, "read-only");
    assert_error(fsm_alloc(&mtr, PAGE_TYPE_TEMP, 0, &frame), SQLSTATE_READ_ONLY_SQL_TRANSACTION,
                 DB);
    mtr_abort(&mtr);
    StoreCheckpoint checkpoint = {0};
    assert_error(store_write_checkpoint(store, &checkpoint), SQLSTATE_READ_ONLY_SQL_TRANSACTION,
                 DB);
    Store *writer = NULL;
    assert_error(try_open(vfs, DB, &writer), SQLSTATE_OBJECT_IN_USE, "locked");
    ck_assert_ok(store_close(second));
    ck_assert_ok(store_close(store));
    uint8_t after[PAGE_SIZE];
    raw_read(vfs, DB, 0, after, PAGE_SIZE);
    ck_assert_mem_eq(before, after, PAGE_SIZE);   /* nothing written, flag untouched */
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_store_free_list_reuses_before_growing)
{
    Vfs    *vfs = vfs_fault_create(8);
    Store  *store = open_store(vfs, true);
    Shadow *shadow = NULL;
    ck_assert_ok(shadow_attach(store, &shadow));
    PageId ids[10];
    alloc_pages(store, 10, ids);
    ck_assert_uint_eq(store_info(store).page_count, 11);
    PageId freed[4] = {ids[2], ids[5], ids[6], ids[9]};
    free_pages(store, 4, freed);
    StoreInfo info = store_info(store);
    ck_assert_uint_eq(info.free_page_count, 4);
    ck_assert_uint_eq(info.free_head, ids[9]);   /* LIFO */
    ck_assert_ok(fsm_walk(store, NULL, NULL));
    PageId again[4];
    alloc_pages(store, 4, again);
    ck_assert_uint_eq(store_info(store).page_count, 11);   /* no growth */
    ck_assert_uint_eq(store_info(store).free_page_count, 0);
    for (int page_idx = 0; page_idx < 4; page_idx++) {
        ck_assert_uint_eq(again[page_idx], freed[3 - page_idx]);
    }
    PageId grown;
    alloc_pages(store, 1, &grown);
    ck_assert_uint_eq(grown, 11);
    ck_assert_uint_eq(store_info(store).page_count, 12);
    /* free and reuse within one mtr */
    Mtr    mtr;
    Frame *frame = NULL;
    mtr_begin(&mtr, store);
    ck_assert_ok(mtr_pin(&mtr, ids[0], LATCH_EXCLUSIVE, &frame));
    fsm_free(&mtr, frame);
    ck_assert_ok(fsm_alloc(&mtr, PAGE_TYPE_OVERFLOW, 3, &frame));
    ck_assert_uint_eq(bp_page_id(frame), ids[0]);
    ck_assert_uint_eq(page_type(bp_data(frame)), PAGE_TYPE_OVERFLOW);
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert(shadow_check_all(shadow));
    shadow_detach(shadow);
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

static bool collect(void *ctx, PageId page_id)
{
    PageId **cursor = ctx;
    *(*cursor)++ = page_id;
    return true;
}

START_TEST(test_store_epochs_delay_reuse)
{
    Vfs   *vfs = vfs_fault_create(9);
    Store *store = open_store(vfs, true);
    PageId ids[3];
    alloc_pages(store, 3, ids);
    EpochGuard early = {.slot_idx = -1};
    store_epoch_enter(store, &early);
    ck_assert_int_ge(early.slot_idx, 0);
    uint64_t epoch_entered = store_epoch_now(store);
    ck_assert_uint_le(store_epoch_safe(store), epoch_entered);
    free_pages(store, 1, &ids[1]);
    ck_assert_uint_gt(store_epoch_now(store), epoch_entered);   /* the free advanced it */
    /* a reader entered after the free does not hold the page back; the early one does */
    EpochGuard late = {.slot_idx = -1};
    store_epoch_enter(store, &late);
    PageId grown;
    alloc_pages(store, 1, &grown);
    ck_assert_uint_eq(grown, 4);   /* the file grew: the freed page is still unsafe */
    ck_assert_uint_eq(store_info(store).free_page_count, 1);
    store_epoch_exit(store, &early);
    ck_assert_int_eq(early.slot_idx, -1);
    PageId reused;
    alloc_pages(store, 1, &reused);
    ck_assert_uint_eq(reused, ids[1]);
    store_epoch_exit(store, &late);
    ck_assert_uint_eq(store_epoch_safe(store), store_epoch_now(store));

    /* after a restart every free page is reusable at once, whatever epochs are active */
    free_pages(store, 1, &ids[2]);
    ck_assert_ok(store_close(store));
    store = open_store(vfs, false);
    EpochGuard reader = {.slot_idx = -1};
    store_epoch_enter(store, &reader);
    alloc_pages(store, 1, &reused);
    ck_assert_uint_eq(reused, ids[2]);
    store_epoch_exit(store, &reader);
    /* many readers at once */
    enum { GUARD_COUNT = 200 };
    EpochGuard guards[GUARD_COUNT];
    for (int guard_idx = 0; guard_idx < GUARD_COUNT; guard_idx++) {
        store_epoch_enter(store, &guards[guard_idx]);
    }
    for (int guard_idx = 0; guard_idx < GUARD_COUNT; guard_idx++) {
        for (int other_idx = 0; other_idx < guard_idx; other_idx++) {
            if (guards[other_idx].slot_idx == guards[guard_idx].slot_idx) ck_abort_msg("shared slot");
        }
    }
    for (int guard_idx = 0; guard_idx < GUARD_COUNT; guard_idx++) {
        store_epoch_exit(store, &guards[guard_idx]);
    }
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

/* rewrite_page: read page_id of the closed database, let edit change it, re-seal, write. */
static void rewrite_page(Vfs *vfs, PageId page_id, void (*edit)(uint8_t *page, PageId arg),
                         PageId arg)
{
    uint8_t page[PAGE_SIZE];
    raw_read(vfs, DB, (uint64_t)page_id * PAGE_SIZE, page, PAGE_SIZE);
    edit(page, arg);
    page_seal(page);
    raw_write(vfs, DB, (uint64_t)page_id * PAGE_SIZE, page, PAGE_SIZE);
}

static void set_link(uint8_t *page, PageId next) { enc_u32le(page + PAGE_HEADER_SIZE, next); }
static void set_type(uint8_t *page, PageId type) { page[PAGE_OFFSET_TYPE] = (uint8_t)type; }

START_TEST(test_store_fsm_walk_detects_corruption)
{
    Vfs   *vfs = vfs_fault_create(10);
    Store *store = open_store(vfs, true);
    PageId ids[6];
    alloc_pages(store, 6, ids);
    PageId freed[3] = {ids[1], ids[3], ids[5]};
    free_pages(store, 3, freed);
    PageId  walked[8];
    PageId *cursor = walked;
    ck_assert_ok(fsm_walk(store, collect, &cursor));
    ck_assert_int_eq(cursor - walked, 3);
    ck_assert_uint_eq(walked[0], ids[5]);
    ck_assert_uint_eq(walked[1], ids[3]);
    ck_assert_uint_eq(walked[2], ids[1]);
    ck_assert_ok(store_close(store));

    /* a cycle: the last page links back to the head */
    rewrite_page(vfs, ids[1], set_link, ids[5]);
    store = open_store(vfs, false);
    assert_error(fsm_walk(store, NULL, NULL), SQLSTATE_DATA_CORRUPTED, "cycle");
    ck_assert_ok(store_close(store));
    /* a link past the end */
    rewrite_page(vfs, ids[1], set_link, 1000);
    store = open_store(vfs, false);
    assert_error(fsm_walk(store, NULL, NULL), SQLSTATE_DATA_CORRUPTED, "past the page count");
    ck_assert_ok(store_close(store));
    /* a page on the list that is not free: the walk and the allocator both refuse it */
    rewrite_page(vfs, ids[1], set_link, PAGE_ID_NONE);
    rewrite_page(vfs, ids[5], set_type, PAGE_TYPE_BT_LEAF);
    store = open_store(vfs, false);
    assert_error(fsm_walk(store, NULL, NULL), SQLSTATE_DATA_CORRUPTED, "has type 3");
    Mtr    mtr;
    Frame *frame = NULL;
    mtr_begin(&mtr, store);
    assert_error(fsm_alloc(&mtr, PAGE_TYPE_TEMP, 0, &frame), SQLSTATE_DATA_CORRUPTED, DB);
    ck_assert(!mtr_is_modified(&mtr));
    mtr_abort(&mtr);
    ck_assert_ok(store_close(store));
    /* the list ends early: page 0 counts more pages than it links */
    rewrite_page(vfs, ids[5], set_type, PAGE_TYPE_FREE);
    rewrite_page(vfs, ids[3], set_link, PAGE_ID_NONE);
    store = open_store(vfs, false);
    assert_error(fsm_walk(store, NULL, NULL), SQLSTATE_DATA_CORRUPTED, "the list has 2 pages");
    ck_assert_ok(store_close(store));
    vfs_fault_destroy(vfs);
}
END_TEST

START_TEST(test_store_lock_same_process)
{
    Vfs   *vfs = vfs_fault_create(11);
    Store *store = open_store(vfs, true);
    Store *second = NULL;
    assert_error(try_open(vfs, DB, &second), SQLSTATE_OBJECT_IN_USE, "is locked by process");
    ck_assert_ok(store_close(store));
    ck_assert_ok(try_open(vfs, DB, &second));
    ck_assert_ok(store_close(second));
    vfs_fault_destroy(vfs);
}
END_TEST

static char temp_dir[128];

static int child_open(const char *path)
{
    Store *store = NULL;
    Error *err = try_open(NULL, path, &store);
    if (err == NULL) return 2;
    char expected[64];
    snprintf(expected, sizeof expected, "is locked by process %d", (int)getppid());
    if (err->state != SQLSTATE_OBJECT_IN_USE) return 3;
    if (strstr(err->message, expected) == NULL) return 4;
    return 0;
}

START_TEST(test_store_lock_other_process_posix)
{
    snprintf(temp_dir, sizeof temp_dir, "/tmp/birch_test_store_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(temp_dir));
    char path[200];
    snprintf(path, sizeof path, "%s/x.birch", temp_dir);
    StoreOptions options = {.create = true, .pool_size = 1 << 20};
    Store       *store = NULL;
    ck_assert_ok(store_open(path, &options, &store));
    Store *second = NULL;
    assert_error(try_open(NULL, path, &second), SQLSTATE_OBJECT_IN_USE,
                 "already open in this process");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) _exit(child_open(path));
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_ok(store_close(store));
    ck_assert_ok(try_open(NULL, path, &store));
    ck_assert_ok(store_close(store));
    char command[200];
    snprintf(command, sizeof command, "rm -rf %s", temp_dir);
    ck_assert_int_eq(system(command), 0);
}
END_TEST

START_TEST(test_store_pages_past_4_gib)
{
    /* Page 600000 lives at 4.6 GiB: a sparse posix file. Page 0 is forged to count the pages
     * (with the flag set, a short file is allowed), so fsm_alloc's next page is past 4 GiB. */
    snprintf(temp_dir, sizeof temp_dir, "/tmp/birch_test_store_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(temp_dir));
    char path[200];
    snprintf(path, sizeof path, "%s/big.birch", temp_dir);
    StoreOptions options = {.create = true, .pool_size = 1 << 20};
    Store       *store = NULL;
    ck_assert_ok(store_open(path, &options, &store));
    ck_assert_ok(store_close(store));
    uint8_t page[PAGE_SIZE];
    raw_read(vfs_posix(), path, 0, page, PAGE_SIZE);
    enc_u32le(page + STORE_OFFSET_PAGE_COUNT, 600000);
    page[STORE_OFFSET_NEEDS_RECOVERY] = 1;
    page_seal(page);
    raw_write(vfs_posix(), path, 0, page, PAGE_SIZE);
    ck_assert_ok(store_open(path, &options, &store));
    PageId big;
    alloc_pages(store, 1, &big);
    ck_assert_uint_eq(big, 600000);
    Mtr    mtr;
    Frame *frame = NULL;
    mtr_begin(&mtr, store);
    ck_assert_ok(mtr_pin(&mtr, big, LATCH_EXCLUSIVE, &frame));
    mtr_log_bytes(&mtr, frame, 4096, "past 4 GiB", 10);
    store_root_set(&mtr, 1, big);
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert_ok(store_close(store));
    uint64_t size = 0;
    File    *file = NULL;
    ck_assert_ok(file_open(vfs_posix(), path, FILE_OPEN_READONLY, &file));
    ck_assert_ok(file_size(file, &size));
    file_close(file);
    ck_assert_uint_eq(size, 600001ull * PAGE_SIZE);
    options.create = false;
    ck_assert_ok(store_open(path, &options, &store));
    ck_assert(!store_info(store).needs_recovery);
    ck_assert_uint_eq(store_root_get(store, 1), big);
    mtr_begin(&mtr, store);
    ck_assert_ok(mtr_pin(&mtr, big, LATCH_SHARED, &frame));
    ck_assert_mem_eq(bp_data(frame) + 4096, "past 4 GiB", 10);
    mtr_abort(&mtr);
    ck_assert_ok(store_close(store));
    char command[200];
    snprintf(command, sizeof command, "rm -rf %s", temp_dir);
    ck_assert_int_eq(system(command), 0);
}
END_TEST

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double      scale = text == NULL ? 1.0 : atof(text);
    return scale > 0 ? scale : 1.0;
}

/* After a power cut at any moment, page 0 is readable (its fields all sit in its first 4 KiB,
 * so a tear at 4 KiB gives the old or the new header whole) and the last synced checkpoint is
 * there. Data pages may be torn: repairing them is the WAL's job. */
START_TEST(test_store_power_cut_keeps_page0_valid)
{
    int seed_count = (int)(60 * test_scale());
    if (seed_count < 10) seed_count = 10;
    for (int seed = 0; seed < seed_count; seed++) {
        Vfs      *vfs = vfs_fault_create((uint64_t)seed);
        Store    *store = open_store(vfs, true);
        uint64_t  rng = (uint64_t)seed * 977 + 3;
        uint64_t  checkpoint_sequence = 0;
        PageId    live[64];
        int       live_count = 0;
        for (int round = 0; round < 40; round++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t choice = (uint32_t)(rng >> 33);
            if (live_count < 60 && (choice % 3 != 0 || live_count == 0)) {
                alloc_pages(store, 1, &live[live_count]);
                Mtr mtr;
                mtr_begin(&mtr, store);
                store_root_set(&mtr, (int)(choice % STORE_ROOT_SLOT_COUNT), live[live_count]);
                ck_assert_ok(mtr_commit(&mtr));
                live_count++;
            } else {
                int victim = (int)(choice % (uint32_t)live_count);
                /* roots read before the mtr (it will hold page 0); the victim latched before
                 * page 0, as the latch order wants */
                bool pointed[STORE_ROOT_SLOT_COUNT];
                for (int slot_idx = 0; slot_idx < STORE_ROOT_SLOT_COUNT; slot_idx++) {
                    pointed[slot_idx] = store_root_get(store, slot_idx) == live[victim];
                }
                Mtr    mtr;
                Frame *frame = NULL;
                mtr_begin(&mtr, store);
                ck_assert_ok(mtr_pin(&mtr, live[victim], LATCH_EXCLUSIVE, &frame));
                for (int slot_idx = 0; slot_idx < STORE_ROOT_SLOT_COUNT; slot_idx++) {
                    if (pointed[slot_idx]) store_root_set(&mtr, slot_idx, PAGE_ID_NONE);
                }
                fsm_free(&mtr, frame);
                ck_assert_ok(mtr_commit(&mtr));
                live[victim] = live[--live_count];
            }
            if (choice % 5 == 0) ck_assert_ok(bp_flush_page(store_pool(store), 0));   /* unsynced */
            if (choice % 11 == 0) ck_assert_ok(bp_flush_all(store_pool(store)));    /* synced */
            if (choice % 13 == 0) {
                StoreCheckpoint checkpoint = {.checkpoint_lsn = (uint64_t)round};
                ck_assert_ok(store_write_checkpoint(store, &checkpoint));
                checkpoint_sequence++;
            }
        }
        store_abandon(store);
        vfs_fault_power_cut(vfs);
        Error *err = try_open(vfs, DB, &store);
        if (err != NULL) ck_abort_msg("seed %d: %s", seed, err->message);
        ck_assert(store_info(store).needs_recovery);
        StoreCheckpoint read_back;
        bool            found = false;
        ck_assert_ok(store_read_checkpoint(store, &read_back, &found));
        ck_assert(found == (checkpoint_sequence > 0));
        if (found) ck_assert_uint_eq(read_back.sequence, checkpoint_sequence);
        store_abandon(store);
        vfs_fault_destroy(vfs);
    }
}
END_TEST

static Suite *store_suite(void)
{
    Suite *suite = suite_create("store");
    TCase *tcase = tcase_create("store");
    tcase_add_test(tcase, test_store_create_close_reopen_keeps_state);
    tcase_add_test(tcase, test_store_refuses_files_that_are_not_birch);
    tcase_add_test(tcase, test_store_page0_corruption_is_xx001);
    tcase_add_test(tcase, test_store_needs_recovery_flag);
    tcase_add_test(tcase, test_store_open_io_errors);
    tcase_add_test(tcase, test_store_checkpoint_slots_alternate);
    tcase_add_test(tcase, test_store_read_only);
    tcase_add_test(tcase, test_store_free_list_reuses_before_growing);
    tcase_add_test(tcase, test_store_epochs_delay_reuse);
    tcase_add_test(tcase, test_store_fsm_walk_detects_corruption);
    tcase_add_test(tcase, test_store_lock_same_process);
    tcase_add_test(tcase, test_store_lock_other_process_posix);
    tcase_add_test(tcase, test_store_pages_past_4_gib);
    tcase_add_test(tcase, test_store_power_cut_keeps_page0_valid);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(store_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed_count = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed_count == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
