/* storage/mtr.c: mini-transactions (contract and invariants in mtr.h).
 *
 * The memo is the array of (frame, latch mode, modified) in pin order; commit and abort release
 * it in reverse. A page is held at most once per mtr: pinning a page the mtr already holds
 * returns the held frame (so fsm_alloc, store_root_set and a B+ tree operation can all touch
 * page 0 in one mtr), provided the held latch is at least as strong; S -> X would be an upgrade,
 * which can deadlock, and is refused by VERIFY. A page pinned with LATCH_NONE may be latched
 * later by pinning it again with a latch mode.
 *
 * The log starts in the Mtr's inline buffer and moves to the heap only when it outgrows it, so
 * mtr_begin and mtr_commit of an ordinary operation allocate nothing. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "storage/mtr.h"
#include "storage/store_int.h"

/* Page 0 X latches held by this thread's mtrs, per store (a thread rarely has two stores'
 * page 0 at once; past PAGE0_HOLD_MAX we stop tracking, and readers latch as usual). */
enum { PAGE0_HOLD_MAX = 4 };
typedef struct Page0Hold {
    const Store *store;
    int          count;
} Page0Hold;
static _Thread_local Page0Hold page0_holds[PAGE0_HOLD_MAX];

static void page0_hold_change(const Store *store, int delta)
{
    for (int hold_idx = 0; hold_idx < PAGE0_HOLD_MAX; hold_idx++) {
        if (page0_holds[hold_idx].store == store && page0_holds[hold_idx].count > 0) {
            page0_holds[hold_idx].count += delta;
            return;
        }
    }
    if (delta < 0) return;   /* was not tracked */
    for (int hold_idx = 0; hold_idx < PAGE0_HOLD_MAX; hold_idx++) {
        if (page0_holds[hold_idx].count == 0) {
            page0_holds[hold_idx] = (Page0Hold){.store = store, .count = delta};
            return;
        }
    }
}

bool mtr_page0_held_here(const Store *store)
{
    for (int hold_idx = 0; hold_idx < PAGE0_HOLD_MAX; hold_idx++) {
        if (page0_holds[hold_idx].store == store && page0_holds[hold_idx].count > 0) return true;
    }
    return false;
}

/* latch / unlatch: bp_latch and bp_unlatch, keeping page0_holds current. */
static void latch(Mtr *mtr, Frame *frame, LatchMode mode)
{
    bp_latch(frame, mode);
    if (mode == LATCH_EXCLUSIVE && bp_page_id(frame) == 0) page0_hold_change(mtr->store, 1);
}

static void unlatch(Mtr *mtr, Frame *frame, LatchMode mode)
{
    if (mode == LATCH_EXCLUSIVE && bp_page_id(frame) == 0) page0_hold_change(mtr->store, -1);
    bp_unlatch(frame, mode);
}

void mtr_begin(Mtr *mtr, Store *store)
{
    /* Not a memset: frames[] and log_inline are written before they are read. */
    mtr->store = store;
    mtr->pool = store->pool;
    mtr->frame_count = 0;
    mtr->log = mtr->log_inline;
    mtr->log_size = 0;
    mtr->log_capacity = MTR_LOG_INLINE_SIZE;
    mtr->user = NULL;
    mtr->user_flags = 0;
    mtr->lsn = 0;
}

static MtrFrame *memo_find(Mtr *mtr, const Frame *frame)
{
    for (int frame_idx = mtr->frame_count - 1; frame_idx >= 0; frame_idx--) {
        if (mtr->frames[frame_idx].frame == frame) return &mtr->frames[frame_idx];
    }
    return NULL;
}

static MtrFrame *memo_find_page(Mtr *mtr, PageId page_id)
{
    for (int frame_idx = mtr->frame_count - 1; frame_idx >= 0; frame_idx--) {
        if (bp_page_id(mtr->frames[frame_idx].frame) == page_id) return &mtr->frames[frame_idx];
    }
    return NULL;
}

static Error *read_only_error(const Mtr *mtr)
{
    return err_new(SQLSTATE_READ_ONLY_SQL_TRANSACTION,
                   "cannot change database file \"%s\": it is open read-only", mtr->store->path);
}

Error *mtr_pin_mode(Mtr *mtr, PageId page_id, BpPinMode pin_mode, LatchMode mode,
                    Frame **frame_out)
{
    MtrFrame *held = memo_find_page(mtr, page_id);
    if (held != NULL) {
        if (held->latch_mode == LATCH_NONE && mode != LATCH_NONE) {
            /* pinned without a latch so far: latching now is no upgrade */
            if (mode == LATCH_EXCLUSIVE && mtr->store->read_only) return read_only_error(mtr);
            latch(mtr, held->frame, mode);
            held->latch_mode = mode;
        }
        VERIFY(mode != LATCH_EXCLUSIVE || held->latch_mode == LATCH_EXCLUSIVE);
        *frame_out = held->frame;
        return NULL;
    }
    if (mode == LATCH_EXCLUSIVE && mtr->store->read_only) return read_only_error(mtr);
    VERIFY(mtr->frame_count < MTR_FRAME_MAX);
    Frame *frame = NULL;
    TRY(bp_pin(mtr->pool, page_id, pin_mode, &frame));
    if (mode != LATCH_NONE) latch(mtr, frame, mode);
    mtr->frames[mtr->frame_count++] = (MtrFrame){.frame = frame, .latch_mode = mode};
    *frame_out = frame;
    return NULL;
}

Error *mtr_pin(Mtr *mtr, PageId page_id, LatchMode mode, Frame **frame_out)
{
    return mtr_pin_mode(mtr, page_id, BP_PIN_READ, mode, frame_out);
}

static void memo_release(Mtr *mtr, MtrFrame *held)
{
    if (held->latch_mode != LATCH_NONE) unlatch(mtr, held->frame, held->latch_mode);
    bp_unpin(mtr->pool, held->frame);
}

void mtr_release(Mtr *mtr, Frame *frame)
{
    MtrFrame *held = memo_find(mtr, frame);
    VERIFY(held != NULL);
    VERIFY(!held->modified);
    memo_release(mtr, held);
    int held_idx = (int)(held - mtr->frames);
    memmove(&mtr->frames[held_idx], &mtr->frames[held_idx + 1],
            (size_t)(mtr->frame_count - held_idx - 1) * sizeof mtr->frames[0]);
    mtr->frame_count--;
}

static void log_reserve(Mtr *mtr, size_t size_more)
{
    size_t size_needed = mtr->log_size + size_more;
    if (size_needed <= mtr->log_capacity) return;
    size_t capacity = mtr->log_capacity * 2;
    while (capacity < size_needed) capacity *= 2;
    uint8_t *log;
    if (mtr->log == mtr->log_inline) {
        log = malloc(capacity);
        VERIFY(log != NULL);   /* out of memory mid-change: the page is already changed */
        memcpy(log, mtr->log_inline, mtr->log_size);
    } else {
        log = realloc(mtr->log, capacity);
        VERIFY(log != NULL);
    }
    mtr->log = log;
    mtr->log_capacity = capacity;
}

/* record_begin: reserve a record of payload_size in the log; returns where its payload goes.
 * Nothing is committed until record_end. */
static uint8_t *record_begin(Mtr *mtr, size_t payload_size)
{
    VERIFY(payload_size <= UINT32_MAX);
    log_reserve(mtr, REDO_RECORD_HEADER_SIZE + payload_size);
    return mtr->log + mtr->log_size + REDO_RECORD_HEADER_SIZE;
}

/* record_end: apply the record whose payload record_begin placed in the log, then keep it. */
static void record_end(Mtr *mtr, Frame *frame, RedoType type, size_t payload_size)
{
    MtrFrame *held = memo_find(mtr, frame);
    VERIFY(held != NULL);
    VERIFY(held->latch_mode == LATCH_EXCLUSIVE);
    PageId   page_id = bp_page_id(frame);
    uint8_t *record = mtr->log + mtr->log_size;
    Error   *err = redo_apply(bp_data(frame), page_id, (uint8_t)type,
                              record + REDO_RECORD_HEADER_SIZE, payload_size);
    VERIFY(err == NULL);   /* our own record: malformed means a bug in the caller */
    enc_u32le(record, page_id);
    record[4] = (uint8_t)type;
    enc_u32le(record + 5, (uint32_t)payload_size);
    mtr->log_size += REDO_RECORD_HEADER_SIZE + payload_size;
    held->modified = true;
}

void mtr_log(Mtr *mtr, Frame *frame, RedoType type, const void *payload, size_t payload_size)
{
    /* The payload is copied into the log first and applied from there: one copy, no malloc. */
    uint8_t *payload_in_log = record_begin(mtr, payload_size);
    if (payload_size > 0) memcpy(payload_in_log, payload, payload_size);
    record_end(mtr, frame, type, payload_size);
}

void mtr_log_bytes(Mtr *mtr, Frame *frame, uint16_t offset, const void *bytes, size_t size)
{
    if (size == 0) return;
    VERIFY(size <= PAGE_SIZE);
    uint8_t *payload_in_log = record_begin(mtr, size + 2);
    enc_u16le(payload_in_log, offset);
    memcpy(payload_in_log + 2, bytes, size);
    record_end(mtr, frame, REDO_BYTES, size + 2);
}

void mtr_log_init(Mtr *mtr, Frame *frame, PageType type, uint8_t flags)
{
    uint8_t payload[2] = {(uint8_t)type, flags};
    mtr_log(mtr, frame, REDO_PAGE_INIT, payload, sizeof payload);
}

bool mtr_is_modified(const Mtr *mtr) { return mtr->log_size > 0; }

static void release_all(Mtr *mtr)
{
    for (int frame_idx = mtr->frame_count - 1; frame_idx >= 0; frame_idx--) {
        memo_release(mtr, &mtr->frames[frame_idx]);
    }
    mtr->frame_count = 0;
    if (mtr->log != mtr->log_inline) free(mtr->log);
    mtr->log = mtr->log_inline;
    mtr->log_size = 0;
    mtr->log_capacity = MTR_LOG_INLINE_SIZE;
}

Error *mtr_commit(Mtr *mtr)
{
    Error *err = NULL;
    if (mtr->log_size > 0) {
        const MtrSink *sink = &mtr->store->sink;
        uint64_t       lsn = 0;
        err = sink->append(sink->ctx, mtr, mtr->log, mtr->log_size, &lsn);
        if (err == NULL) {
            mtr->lsn = lsn;
            for (int frame_idx = 0; frame_idx < mtr->frame_count; frame_idx++) {
                MtrFrame *held = &mtr->frames[frame_idx];
                if (!held->modified) continue;
                page_set_lsn(bp_data(held->frame), lsn);
                bp_mark_dirty(mtr->pool, held->frame, lsn);
            }
            if (sink->after_commit != NULL) sink->after_commit(sink->ctx, mtr, lsn);
        }
        /* On a sink error the changed frames are not marked dirty: without their log record
         * they must not reach the disk through this mtr. The database is failed anyway. */
    }
    release_all(mtr);
    return err;
}

void mtr_abort(Mtr *mtr)
{
    VERIFY(mtr->log_size == 0);
    release_all(mtr);
}
