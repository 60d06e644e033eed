/* storage/tests/test_mtr.c: mini-transactions: log/apply/commit, LSN stamping, several pages,
 * large logs, abort, malformed redo payloads, sinks, and the shadow replay catching a change
 * made outside an mtr. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/error.h"
#include "storage/mtr.h"
#include "storage/redo.h"
#include "storage/store.h"
#include "storage/tests/shadow.h"

#define ck_assert_ok(expr)                                                           \
    do {                                                                             \
        Error *err_ok_ = (expr);                                                     \
        ck_assert_msg(err_ok_ == NULL, "%s failed: %s", #expr,                       \
                      err_ok_ != NULL ? err_ok_->message : "");                      \
    } while (0)

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double      scale = text == NULL ? 1.0 : atof(text);
    return scale > 0 ? scale : 1.0;
}

typedef struct TestDb {
    Vfs    *vfs;
    Store  *store;
    Shadow *shadow;
} TestDb;

static TestDb db_open(size_t pool_size)
{
    TestDb       db = {.vfs = vfs_fault_create(42)};
    StoreOptions options = {.vfs = db.vfs, .create = true, .pool_size = pool_size};
    ck_assert_ok(store_open("t.birch", &options, &db.store));
    ck_assert_ok(shadow_attach(db.store, &db.shadow));
    return db;
}

static void db_close(TestDb *db)
{
    ck_assert_msg(!shadow_failed(db->shadow), "%s", shadow_error(db->shadow));
    ck_assert_msg(shadow_check_all(db->shadow), "%s", shadow_error(db->shadow));
    shadow_detach(db->shadow);
    ck_assert_ok(store_close(db->store));
    vfs_fault_destroy(db->vfs);
}

/* alloc_pages: count fresh TEMP pages in one committed mtr; their ids go to ids_out. */
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

static uint64_t page_lsn_of(Store *store, PageId page_id)
{
    Mtr    mtr;
    Frame *frame = NULL;
    mtr_begin(&mtr, store);
    ck_assert_ok(mtr_pin(&mtr, page_id, LATCH_SHARED, &frame));
    uint64_t lsn = page_lsn(bp_data(frame));
    mtr_abort(&mtr);
    return lsn;
}

START_TEST(test_mtr_log_apply_commit_stamps_lsn)
{
    TestDb db = db_open(0);
    PageId page_id;
    alloc_pages(db.store, 1, &page_id);
    ck_assert_uint_eq(page_id, 1);
    uint64_t lsn_before = page_lsn_of(db.store, page_id);
    ck_assert_uint_gt(lsn_before, 0);

    Mtr    mtr;
    Frame *frame = NULL;
    mtr_begin(&mtr, db.store);
    ck_assert(!mtr_is_modified(&mtr));
    ck_assert_ok(mtr_pin(&mtr, page_id, LATCH_EXCLUSIVE, &frame));
    mtr_log_bytes(&mtr, frame, 100, "hello", 5);
    ck_assert(mtr_is_modified(&mtr));
    /* applied at once, before the commit */
    ck_assert_mem_eq(bp_data(frame) + 100, "hello", 5);
    ck_assert_uint_eq(mtr.log_size, REDO_RECORD_HEADER_SIZE + 2 + 5);
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert_uint_eq(bp_pinned_count(store_pool(db.store)), 1);   /* page 0: the store's pin */
    uint64_t lsn_after = page_lsn_of(db.store, page_id);
    ck_assert_uint_gt(lsn_after, lsn_before);
    ck_assert_uint_eq(store_info(db.store).next_lsn, lsn_after + 1);

    /* the log holds exactly the record */
    mtr_begin(&mtr, db.store);
    ck_assert_ok(mtr_pin(&mtr, page_id, LATCH_EXCLUSIVE, &frame));
    mtr_log_init(&mtr, frame, PAGE_TYPE_OVERFLOW, 7);
    RedoIter   iter = {.data = mtr.log, .size = mtr.log_size};
    RedoRecord record;
    Error     *err = NULL;
    ck_assert(redo_next(&iter, &record, &err));
    ck_assert_uint_eq(record.page_id, page_id);
    ck_assert_uint_eq(record.type, REDO_PAGE_INIT);
    ck_assert_uint_eq(record.payload_size, 2);
    ck_assert(!redo_next(&iter, &record, &err));
    ck_assert_ptr_null(err);
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert(bp_is_dirty(frame));
    mtr_begin(&mtr, db.store);
    ck_assert_ok(mtr_pin(&mtr, page_id, LATCH_SHARED, &frame));
    ck_assert_uint_eq(page_type(bp_data(frame)), PAGE_TYPE_OVERFLOW);
    ck_assert_uint_eq(page_flags(bp_data(frame)), 7);
    ck_assert_uint_eq(bp_data(frame)[100], 0);   /* init zeroed the body */
    mtr_abort(&mtr);
    db_close(&db);
}
END_TEST

START_TEST(test_mtr_several_pages_one_lsn)
{
    TestDb db = db_open(0);
    PageId ids[6];
    alloc_pages(db.store, 6, ids);
    uint64_t lsn_first = page_lsn_of(db.store, ids[0]);
    for (int page_idx = 0; page_idx < 6; page_idx++) {
        ck_assert_uint_eq(ids[page_idx], (PageId)(page_idx + 1));
        ck_assert_uint_eq(page_lsn_of(db.store, ids[page_idx]), lsn_first);
    }
    ck_assert_uint_eq(page_lsn_of(db.store, 0), lsn_first);   /* page 0 changed too */
    ck_assert_uint_eq(store_info(db.store).page_count, 7);

    /* one mtr changing pages 2, 4, 6 and a root slot; pinning page 0 twice is fine */
    Mtr mtr;
    mtr_begin(&mtr, db.store);
    for (int page_idx = 1; page_idx < 6; page_idx += 2) {
        Frame *frame = NULL;
        ck_assert_ok(mtr_pin(&mtr, ids[page_idx], LATCH_EXCLUSIVE, &frame));
        uint8_t value = (uint8_t)page_idx;
        mtr_log_bytes(&mtr, frame, 4000, &value, 1);
    }
    store_root_set(&mtr, 3, ids[5]);
    /* readers of page 0 called inside our own mtr see its change and do not self-deadlock */
    ck_assert_uint_eq(store_root_get(db.store, 3), ids[5]);
    ck_assert_uint_eq(store_info(db.store).page_count, 7);
    Frame *page0_again = NULL;
    ck_assert_ok(mtr_pin(&mtr, 0, LATCH_SHARED, &page0_again));   /* already held in X */
    ck_assert_int_eq(mtr.frame_count, 4);
    ck_assert_ok(mtr_commit(&mtr));
    uint64_t lsn_second = page_lsn_of(db.store, ids[1]);
    ck_assert_uint_gt(lsn_second, lsn_first);
    ck_assert_uint_eq(page_lsn_of(db.store, ids[3]), lsn_second);
    ck_assert_uint_eq(page_lsn_of(db.store, ids[5]), lsn_second);
    ck_assert_uint_eq(page_lsn_of(db.store, 0), lsn_second);
    ck_assert_uint_eq(page_lsn_of(db.store, ids[0]), lsn_first);   /* untouched */
    ck_assert_uint_eq(store_root_get(db.store, 3), ids[5]);
    db_close(&db);
}
END_TEST

START_TEST(test_mtr_large_log_moves_to_heap)
{
    TestDb db = db_open(0);
    PageId ids[3];
    alloc_pages(db.store, 3, ids);
    Mtr mtr;
    mtr_begin(&mtr, db.store);
    Frame *frames[3];
    for (int page_idx = 0; page_idx < 3; page_idx++) {
        ck_assert_ok(mtr_pin(&mtr, ids[page_idx], LATCH_EXCLUSIVE, &frames[page_idx]));
    }
    uint8_t chunk[4000];
    mtr_log_bytes(&mtr, frames[1], 7000, "small", 5);
    ck_assert_ptr_eq(mtr.log, mtr.log_inline);   /* a small log stays inline */
    for (int record_idx = 0; record_idx < 60; record_idx++) {
        memset(chunk, record_idx + 1, sizeof chunk);
        int page_idx = record_idx % 2;
        mtr_log_bytes(&mtr, frames[page_idx], (uint16_t)(100 + (record_idx % 5) * 800), chunk,
                      sizeof chunk);
    }
    ck_assert_ptr_ne(mtr.log, mtr.log_inline);
    ck_assert_uint_ge(mtr.log_capacity, mtr.log_size);
    /* a whole page image of page 3, built from scratch */
    uint8_t image[PAGE_SIZE];
    memset(image, 0x33, sizeof image);
    enc_u32le(image + PAGE_OFFSET_ID, ids[2]);
    image[PAGE_OFFSET_TYPE] = PAGE_TYPE_TEMP;
    mtr_log(&mtr, frames[2], REDO_PAGE_IMAGE, image, sizeof image);
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert_ptr_eq(mtr.log, mtr.log_inline);   /* the heap buffer was released */
    mtr_begin(&mtr, db.store);
    Frame *frame = NULL;
    ck_assert_ok(mtr_pin(&mtr, ids[2], LATCH_SHARED, &frame));
    ck_assert_uint_eq(bp_data(frame)[5000], 0x33);
    ck_assert_uint_eq(page_type(bp_data(frame)), PAGE_TYPE_TEMP);
    mtr_release(&mtr, frame);
    ck_assert_ok(mtr_pin(&mtr, ids[0], LATCH_SHARED, &frame));
    /* record 58 (page 0 of ours, slot 3) was the last write of [2500, 6500) */
    ck_assert_uint_eq(bp_data(frame)[2500], 59);
    mtr_abort(&mtr);
    db_close(&db);
}
END_TEST

START_TEST(test_mtr_abort_and_release_unmodified)
{
    TestDb db = db_open(0);
    PageId ids[4];
    alloc_pages(db.store, 4, ids);
    BufPool *pool = store_pool(db.store);
    Mtr      mtr;
    mtr_begin(&mtr, db.store);
    Frame *frames[4];
    ck_assert_ok(mtr_pin(&mtr, ids[0], LATCH_SHARED, &frames[0]));
    ck_assert_ok(mtr_pin(&mtr, ids[1], LATCH_EXCLUSIVE, &frames[1]));
    ck_assert_ok(mtr_pin(&mtr, ids[2], LATCH_NONE, &frames[2]));
    ck_assert_ok(mtr_pin(&mtr, ids[3], LATCH_SHARED, &frames[3]));
    ck_assert_uint_eq(bp_pinned_count(pool), 5);
    Frame *again = NULL;   /* pinned without a latch, latched later: same frame, one pin */
    ck_assert_ok(mtr_pin(&mtr, ids[2], LATCH_EXCLUSIVE, &again));
    ck_assert_ptr_eq(again, frames[2]);
    ck_assert(!bp_try_latch(frames[2], LATCH_SHARED));
    ck_assert_ok(mtr_pin(&mtr, ids[3], LATCH_SHARED, &again));
    ck_assert_ptr_eq(again, frames[3]);
    ck_assert_int_eq(mtr.frame_count, 4);
    ck_assert_uint_eq(bp_pinned_count(pool), 5);
    mtr_release(&mtr, frames[1]);   /* latch coupling: drop one early */
    ck_assert_int_eq(mtr.frame_count, 3);
    ck_assert(bp_try_latch(frames[1], LATCH_EXCLUSIVE));   /* really unlatched */
    bp_unlatch(frames[1], LATCH_EXCLUSIVE);
    ck_assert(!bp_try_latch(frames[0], LATCH_EXCLUSIVE));   /* still S-latched by the mtr */
    ck_assert_uint_eq(bp_pinned_count(pool), 4);
    mtr_abort(&mtr);
    ck_assert_uint_eq(bp_pinned_count(pool), 1);
    ck_assert(bp_try_latch(frames[0], LATCH_EXCLUSIVE));
    bp_unlatch(frames[0], LATCH_EXCLUSIVE);
    /* committing an mtr that changed nothing calls no sink and stamps nothing */
    uint64_t next_lsn = store_info(db.store).next_lsn;
    uint64_t mtr_count = shadow_mtr_count(db.shadow);
    mtr_begin(&mtr, db.store);
    ck_assert_ok(mtr_pin(&mtr, ids[0], LATCH_EXCLUSIVE, &frames[0]));
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert_uint_eq(store_info(db.store).next_lsn, next_lsn);
    ck_assert_uint_eq(shadow_mtr_count(db.shadow), mtr_count);
    ck_assert_uint_eq(bp_pinned_count(pool), 1);
    db_close(&db);
}
END_TEST

static void assert_corrupt(Error *err)
{
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "XX001");
    err_free(err);
}

START_TEST(test_mtr_malformed_redo_refused_page_untouched)
{
    uint8_t page[PAGE_SIZE], before[PAGE_SIZE], payload[PAGE_SIZE + 10];
    for (size_t byte_idx = 0; byte_idx < PAGE_SIZE; byte_idx++) page[byte_idx] = (uint8_t)(byte_idx * 13);
    enc_u32le(page + PAGE_OFFSET_ID, 9);
    memcpy(before, page, sizeof page);
    memset(payload, 0xee, sizeof payload);
    /* PAGE_INIT: bad sizes and types */
    assert_corrupt(redo_apply(page, 9, REDO_PAGE_INIT, payload, 1));
    assert_corrupt(redo_apply(page, 9, REDO_PAGE_INIT, payload, 3));
    payload[0] = PAGE_TYPE_COUNT;
    assert_corrupt(redo_apply(page, 9, REDO_PAGE_INIT, payload, 2));
    payload[0] = PAGE_TYPE_NONE;
    assert_corrupt(redo_apply(page, 9, REDO_PAGE_INIT, payload, 2));
    /* BYTES: too short, inside the lsn/checksum, past the end */
    assert_corrupt(redo_apply(page, 9, REDO_BYTES, payload, 2));
    enc_u16le(payload, 11);
    assert_corrupt(redo_apply(page, 9, REDO_BYTES, payload, 3));
    enc_u16le(payload, 0);
    assert_corrupt(redo_apply(page, 9, REDO_BYTES, payload, 10));
    enc_u16le(payload, PAGE_SIZE - 4);
    assert_corrupt(redo_apply(page, 9, REDO_BYTES, payload, 2 + 5));
    enc_u16le(payload, 0xffff);
    assert_corrupt(redo_apply(page, 9, REDO_BYTES, payload, 3));
    /* PAGE_IMAGE: wrong size, image of another page */
    assert_corrupt(redo_apply(page, 9, REDO_PAGE_IMAGE, payload, PAGE_SIZE - 1));
    assert_corrupt(redo_apply(page, 9, REDO_PAGE_IMAGE, payload, PAGE_SIZE + 1));
    enc_u32le(payload + PAGE_OFFSET_ID, 10);
    assert_corrupt(redo_apply(page, 9, REDO_PAGE_IMAGE, payload, PAGE_SIZE));
    /* unknown types; a missing payload */
    assert_corrupt(redo_apply(page, 9, 7, payload, 4));
    assert_corrupt(redo_apply(page, 9, REDO_NONE, payload, 0));
    assert_corrupt(redo_apply(page, 9, 100, payload, 0));
    assert_corrupt(redo_apply(page, 9, REDO_BYTES, NULL, 5));
    ck_assert_mem_eq(page, before, sizeof page);
    /* the last valid byte range works, and the lsn/checksum stay */
    enc_u16le(payload, PAGE_SIZE - 1);
    payload[2] = 0x77;
    ck_assert_ok(redo_apply(page, 9, REDO_BYTES, payload, 3));
    ck_assert_uint_eq(page[PAGE_SIZE - 1], 0x77);
    enc_u32le(payload + PAGE_OFFSET_ID, 9);
    ck_assert_ok(redo_apply(page, 9, REDO_PAGE_IMAGE, payload, PAGE_SIZE));
    ck_assert_mem_eq(page, before, PAGE_OFFSET_ID);   /* lsn and checksum kept */
    ck_assert_mem_eq(page + 20, payload + 20, PAGE_SIZE - 20);
}
END_TEST

START_TEST(test_mtr_redo_iter_validates)
{
    uint8_t    buffer[64] = {0};
    RedoRecord record;
    Error     *err = NULL;
    /* one good record: page 5, BYTES, payload 3 */
    enc_u32le(buffer, 5);
    buffer[4] = REDO_BYTES;
    enc_u32le(buffer + 5, 3);
    RedoIter iter = {.data = buffer, .size = REDO_RECORD_HEADER_SIZE + 3};
    ck_assert(redo_next(&iter, &record, &err));
    ck_assert_uint_eq(record.page_id, 5);
    ck_assert_ptr_eq(record.payload, buffer + REDO_RECORD_HEADER_SIZE);
    ck_assert(!redo_next(&iter, &record, &err));
    ck_assert_ptr_null(err);
    /* payload longer than the buffer */
    iter = (RedoIter){.data = buffer, .size = REDO_RECORD_HEADER_SIZE + 2};
    ck_assert(!redo_next(&iter, &record, &err));
    assert_corrupt(err);
    /* truncated header */
    iter = (RedoIter){.data = buffer, .size = 4};
    ck_assert(!redo_next(&iter, &record, &err));
    assert_corrupt(err);
    /* bad types */
    buffer[4] = 0;
    iter = (RedoIter){.data = buffer, .size = 20};
    ck_assert(!redo_next(&iter, &record, &err));
    assert_corrupt(err);
    buffer[4] = 200;
    iter = (RedoIter){.data = buffer, .size = 20};
    ck_assert(!redo_next(&iter, &record, &err));
    assert_corrupt(err);
    /* a huge payload size does not overflow the bounds check */
    buffer[4] = REDO_BYTES;
    enc_u32le(buffer + 5, 0xffffffffu);
    iter = (RedoIter){.data = buffer, .size = 64};
    ck_assert(!redo_next(&iter, &record, &err));
    assert_corrupt(err);
}
END_TEST

START_TEST(test_mtr_shadow_catches_change_outside_mtr)
{
    TestDb db = db_open(0);
    PageId ids[2];
    alloc_pages(db.store, 2, ids);
    ck_assert(!shadow_failed(db.shadow));
    ck_assert_uint_gt(shadow_mtr_count(db.shadow), 0);
    Mtr    mtr;
    Frame *frame = NULL;
    mtr_begin(&mtr, db.store);
    ck_assert_ok(mtr_pin(&mtr, ids[0], LATCH_EXCLUSIVE, &frame));
    mtr_log_bytes(&mtr, frame, 200, "abc", 3);
    bp_data(frame)[3000] ^= 0x40;   /* the bug: a change with no redo record */
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert(shadow_failed(db.shadow));
    ck_assert_msg(strstr(shadow_error(db.shadow), "page 1 differs") != NULL, "%s",
                  shadow_error(db.shadow));
    ck_assert_msg(strstr(shadow_error(db.shadow), "byte 3000") != NULL, "%s",
                  shadow_error(db.shadow));
    shadow_detach(db.shadow);

    /* a change to a page no mtr touches afterwards is found by the final check */
    ck_assert_ok(shadow_attach(db.store, &db.shadow));
    ck_assert(shadow_check_all(db.shadow));
    BufPool *pool = store_pool(db.store);
    ck_assert_ok(bp_pin(pool, ids[1], BP_PIN_READ, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    bp_data(frame)[PAGE_SIZE - 1] = 1;
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    bp_unpin(pool, frame);
    ck_assert(!shadow_failed(db.shadow));
    ck_assert(!shadow_check_all(db.shadow));
    ck_assert_msg(strstr(shadow_error(db.shadow), "page 2 differs") != NULL, "%s",
                  shadow_error(db.shadow));
    /* ...and an unlogged change to page 0's body as well (not to the fields store.c owns) */
    shadow_detach(db.shadow);
    ck_assert_ok(shadow_attach(db.store, &db.shadow));
    mtr_begin(&mtr, db.store);
    store_root_set(&mtr, 0, ids[0]);
    bp_data(mtr.frames[0].frame)[STORE_OFFSET_ROOTS + 4 * 15] = 1;
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert(shadow_failed(db.shadow));
    ck_assert_msg(strstr(shadow_error(db.shadow), "page 0 differs") != NULL, "%s",
                  shadow_error(db.shadow));
    shadow_detach(db.shadow);
    /* undo the damage so the store closes cleanly */
    mtr_begin(&mtr, db.store);
    store_root_set(&mtr, 15, PAGE_ID_NONE);
    ck_assert_ok(mtr_commit(&mtr));
    ck_assert_ok(store_close(db.store));
    vfs_fault_destroy(db.vfs);
}
END_TEST

/* A sink that records what it was handed and hands out LSNs 1000, 2000, ... */
typedef struct RecordingSink {
    uint64_t lsn_next;
    int      append_count;
    int      after_count;
    size_t   size_total;
    bool     fail;
    uint64_t after_lsn;
} RecordingSink;

static Error *recording_append(void *ctx, Mtr *mtr, const uint8_t *records, size_t size,
                               uint64_t *lsn_out)
{
    RecordingSink *sink = ctx;
    (void)mtr;
    (void)records;
    if (sink->fail) return err_new(SQLSTATE_IO_ERROR, "could not write to log: test");
    sink->append_count++;
    sink->size_total += size;
    sink->lsn_next += 1000;
    *lsn_out = sink->lsn_next;
    return NULL;
}

static void recording_after(void *ctx, Mtr *mtr, uint64_t lsn)
{
    RecordingSink *sink = ctx;
    sink->after_count++;
    sink->after_lsn = lsn;
    /* still latched here: the modified frames already carry the LSN */
    for (int frame_idx = 0; frame_idx < mtr->frame_count; frame_idx++) {
        if (mtr->frames[frame_idx].modified) {
            ck_assert_uint_eq(page_lsn(bp_data(mtr->frames[frame_idx].frame)), lsn);
        }
    }
}

START_TEST(test_mtr_custom_sink_lsns_and_errors)
{
    TestDb db = db_open(0);
    shadow_detach(db.shadow);
    RecordingSink recording = {.lsn_next = 0};
    MtrSink       sink = {.append = recording_append, .after_commit = recording_after,
                          .ctx = &recording};
    store_set_mtr_sink(db.store, &sink);
    ck_assert_ok(shadow_attach(db.store, &db.shadow));   /* on top of the custom sink */
    PageId ids[2];
    alloc_pages(db.store, 2, ids);
    ck_assert_int_eq(recording.append_count, 1);
    ck_assert_int_eq(recording.after_count, 1);
    ck_assert_uint_eq(page_lsn_of(db.store, ids[1]), 1000);
    alloc_pages(db.store, 1, ids);
    ck_assert_uint_eq(page_lsn_of(db.store, ids[0]), 2000);
    ck_assert_uint_eq(recording.after_lsn, 2000);

    recording.fail = true;
    Mtr    mtr;
    Frame *frame = NULL;
    mtr_begin(&mtr, db.store);
    ck_assert_ok(mtr_pin(&mtr, ids[0], LATCH_EXCLUSIVE, &frame));
    mtr_log_bytes(&mtr, frame, 64, "x", 1);
    Error *err = mtr_commit(&mtr);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->state, SQLSTATE_IO_ERROR);
    err_free(err);
    ck_assert_uint_eq(bp_pinned_count(store_pool(db.store)), 1);   /* released anyway */
    ck_assert_uint_eq(page_lsn_of(db.store, ids[0]), 2000);          /* not stamped */
    recording.fail = false;
    shadow_detach(db.shadow);   /* the failed mtr's change is in memory only, by contract */
    store_set_mtr_sink(db.store, NULL);
    ck_assert_ptr_eq(store_mtr_sink(db.store).ctx, db.store);
    store_abandon(db.store);
    vfs_fault_destroy(db.vfs);
}
END_TEST

typedef struct Worker {
    Store  *store;
    PageId  page_id;
    int     round_count;
    bool    ok;
} Worker;

static void *worker_main(void *arg)
{
    Worker  *worker = arg;
    uint64_t lsn_last = 0;
    worker->ok = true;
    for (int round = 0; round < worker->round_count; round++) {
        Mtr    mtr;
        Frame *frame = NULL;
        mtr_begin(&mtr, worker->store);
        if (mtr_pin(&mtr, worker->page_id, LATCH_EXCLUSIVE, &frame) != NULL) {
            worker->ok = false;
            return NULL;
        }
        uint8_t value[8];
        enc_u64le(value, (uint64_t)round);
        mtr_log_bytes(&mtr, frame, (uint16_t)(64 + (round % 100) * 8), value, sizeof value);
        if (mtr_commit(&mtr) != NULL) worker->ok = false;
        mtr_begin(&mtr, worker->store);
        if (mtr_pin(&mtr, worker->page_id, LATCH_SHARED, &frame) != NULL) {
            worker->ok = false;
            return NULL;
        }
        uint64_t lsn = page_lsn(bp_data(frame));
        mtr_abort(&mtr);
        if (lsn <= lsn_last) worker->ok = false;
        lsn_last = lsn;
    }
    return NULL;
}

START_TEST(test_mtr_concurrent_commits_increase_lsns)
{
    TestDb db = db_open(0);
    enum { WORKER_COUNT = 4 };
    PageId ids[WORKER_COUNT];
    alloc_pages(db.store, WORKER_COUNT, ids);
    Worker    workers[WORKER_COUNT];
    pthread_t threads[WORKER_COUNT];
    int       round_count = (int)(5000 * test_scale());
    for (int worker_idx = 0; worker_idx < WORKER_COUNT; worker_idx++) {
        workers[worker_idx] = (Worker){.store = db.store, .page_id = ids[worker_idx],
                                       .round_count = round_count};
        ck_assert_int_eq(pthread_create(&threads[worker_idx], NULL, worker_main,
                                        &workers[worker_idx]), 0);
    }
    for (int worker_idx = 0; worker_idx < WORKER_COUNT; worker_idx++) {
        pthread_join(threads[worker_idx], NULL);
        ck_assert(workers[worker_idx].ok);
    }
    ck_assert_uint_ge(shadow_mtr_count(db.shadow), (uint64_t)WORKER_COUNT * round_count);
    db_close(&db);
}
END_TEST

static Suite *mtr_suite(void)
{
    Suite *suite = suite_create("mtr");
    TCase *tcase = tcase_create("mtr");
    tcase_add_test(tcase, test_mtr_log_apply_commit_stamps_lsn);
    tcase_add_test(tcase, test_mtr_several_pages_one_lsn);
    tcase_add_test(tcase, test_mtr_large_log_moves_to_heap);
    tcase_add_test(tcase, test_mtr_abort_and_release_unmodified);
    tcase_add_test(tcase, test_mtr_malformed_redo_refused_page_untouched);
    tcase_add_test(tcase, test_mtr_redo_iter_validates);
    tcase_add_test(tcase, test_mtr_shadow_catches_change_outside_mtr);
    tcase_add_test(tcase, test_mtr_custom_sink_lsns_and_errors);
    tcase_add_test(tcase, test_mtr_concurrent_commits_increase_lsns);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(mtr_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed_count = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed_count == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
