/* storage/btree_overflow.c: chains of overflow pages for values too large for a leaf cell.
 *
 * A chain is written back to front, so every page is written once with its final next link:
 * BT_OVERFLOW_BATCH_MAX pages per mtr (a 1 GiB value takes ~4,100 mtrs). The chain is linked
 * into a leaf only by the leaf's own mtr afterwards, so a crash in the middle leaks the pages
 * already written (never a corrupt tree); recovery of such leaks is left to txn/ (a full WAL
 * rollback of the statement) and bt_check_store reports them. Chains are freed the same way,
 * after the leaf's mtr that dropped the reference committed. Readers hold the leaf's latch
 * while they walk a chain, and a chain is freed only after its leaf cell is gone, so a reader
 * never walks a freed chain. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "storage/btree_int.h"

Error *bt_overflow_free(Store *store, PageId first, size_t value_size)
{
    size_t page_count = bt_overflow_page_count(value_size);
    PageId page_id = first;
    size_t page_idx = 0;
    while (page_idx < page_count) {
        /* latch the batch first: page 0 (fsm_free) is always latched last */
        Mtr mtr;
        mtr_begin(&mtr, store);
        Frame *frames[BT_OVERFLOW_BATCH_MAX];
        int frame_count = 0;
        Error *err = NULL;
        while (frame_count < BT_OVERFLOW_BATCH_MAX && page_idx < page_count) {
            Frame *frame = NULL;
            if (page_id == PAGE_ID_NONE) {
                err = bt_corrupt(first, "overflow chain too short");
                break;
            }
            err = mtr_pin(&mtr, page_id, LATCH_EXCLUSIVE, &frame);
            if (err != NULL) break;
            if (page_type(bp_data(frame)) != PAGE_TYPE_OVERFLOW) {
                err = bt_corrupt(page_id, "not an overflow page");
                break;
            }
            frames[frame_count++] = frame;
            page_id = dec_u32le(bp_data(frame) + BT_OVERFLOW_OFFSET_NEXT);
            page_idx++;
        }
        for (int frame_idx = 0; frame_idx < frame_count; frame_idx++) {
            fsm_free(&mtr, frames[frame_idx]);
        }
        if (mtr_is_modified(&mtr)) {
            Error *commit_err = mtr_commit(&mtr);
            if (err == NULL) err = commit_err;
            else if (commit_err != NULL) err_free(commit_err);
        } else {
            mtr_abort(&mtr);
        }
        if (err != NULL) return err;
    }
    return NULL;
}

Error *bt_overflow_write(Store *store, const uint8_t *value, size_t value_size,
                         PageId *first_out)
{
    size_t page_count = bt_overflow_page_count(value_size);
    VERIFY(page_count > 0);
    uint8_t *payload = malloc(8 + BT_OVERFLOW_DATA_MAX);
    if (payload == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    PageId next = PAGE_ID_NONE;
    size_t written_count = 0;
    Error *err = NULL;
    while (written_count < page_count && err == NULL) {
        Mtr mtr;
        mtr_begin(&mtr, store);
        for (int batch_idx = 0; batch_idx < BT_OVERFLOW_BATCH_MAX && written_count < page_count;
             batch_idx++) {
            size_t page_idx = page_count - 1 - written_count;
            size_t offset = page_idx * BT_OVERFLOW_DATA_MAX;
            size_t data_size = value_size - offset;
            if (data_size > BT_OVERFLOW_DATA_MAX) data_size = BT_OVERFLOW_DATA_MAX;
            Frame *frame = NULL;
            err = fsm_alloc(&mtr, PAGE_TYPE_OVERFLOW, 0, &frame);
            if (err != NULL) break;
            enc_u32le(payload, next);
            enc_u32le(payload + 4, (uint32_t)data_size);
            memcpy(payload + 8, value + offset, data_size);
            mtr_log(&mtr, frame, (RedoType)REDO_BT_OVERFLOW_WRITE, payload, 8 + data_size);
            next = bp_page_id(frame);
            written_count++;
        }
        if (mtr_is_modified(&mtr)) {
            Error *commit_err = mtr_commit(&mtr);
            if (err == NULL) {
                err = commit_err;
            } else if (commit_err != NULL) {
                err_free(commit_err);
            }
        } else {
            mtr_abort(&mtr);
        }
    }
    free(payload);
    if (err != NULL) {
        if (written_count > 0) {
            /* free the tail already written: it is referenced by nothing */
            size_t tail_size = value_size - (page_count - written_count) * BT_OVERFLOW_DATA_MAX;
            Error *free_err = bt_overflow_free(store, next, tail_size);
            if (free_err != NULL) err_free(free_err);
        }
        return err;
    }
    *first_out = next;
    return NULL;
}

Error *bt_overflow_read(BufPool *pool, PageId first, size_t value_size, BtBuf *out)
{
    TRY(bt_buf_reserve(out, value_size));
    size_t page_count = bt_overflow_page_count(value_size);
    PageId page_id = first;
    size_t offset = 0;
    for (size_t page_idx = 0; page_idx < page_count; page_idx++) {
        if (page_id == PAGE_ID_NONE) return bt_corrupt(first, "overflow chain too short");
        Frame *frame = NULL;
        TRY(bt_read_pin(pool, page_id, &frame));
        const uint8_t *page = bp_data(frame);
        size_t expected = value_size - offset;
        if (expected > BT_OVERFLOW_DATA_MAX) expected = BT_OVERFLOW_DATA_MAX;
        if (page_type(page) != PAGE_TYPE_OVERFLOW ||
            dec_u32le(page + BT_OVERFLOW_OFFSET_SIZE) != expected) {
            bt_read_unpin(pool, frame);
            return bt_corrupt(page_id, "bad overflow page");
        }
        memcpy(out->data + offset, page + BT_OVERFLOW_OFFSET_DATA, expected);
        offset += expected;
        PageId next = dec_u32le(page + BT_OVERFLOW_OFFSET_NEXT);
        bt_read_unpin(pool, frame);
        page_id = next;
    }
    if (page_id != PAGE_ID_NONE) return bt_corrupt(first, "overflow chain too long");
    out->size = value_size;
    return NULL;
}

Error *bt_overflow_patch(Mtr *mtr, PageId first, size_t value_size, size_t offset,
                         const uint8_t *bytes, size_t size)
{
    size_t page_count = bt_overflow_page_count(value_size);
    PageId page_id = first;
    size_t end = offset + size;
    for (size_t page_idx = 0; page_idx < page_count && page_idx * BT_OVERFLOW_DATA_MAX < end;
         page_idx++) {
        if (page_id == PAGE_ID_NONE) return bt_corrupt(first, "overflow chain too short");
        size_t page_start = page_idx * BT_OVERFLOW_DATA_MAX;
        size_t page_end = page_start + BT_OVERFLOW_DATA_MAX;
        Frame *frame = NULL;
        bool in_range = page_end > offset;
        if (in_range) {
            if (mtr->frame_count >= MTR_FRAME_MAX - 1) {
                return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "patch spans too many pages");
            }
            TRY(mtr_pin(mtr, page_id, LATCH_EXCLUSIVE, &frame));
        } else {
            TRY(bt_read_pin(mtr->pool, page_id, &frame));
        }
        const uint8_t *page = bp_data(frame);
        if (page_type(page) != PAGE_TYPE_OVERFLOW) {
            if (!in_range) bt_read_unpin(mtr->pool, frame);
            return bt_corrupt(page_id, "bad overflow page");
        }
        PageId next = dec_u32le(page + BT_OVERFLOW_OFFSET_NEXT);
        if (in_range) {
            size_t from = offset > page_start ? offset : page_start;
            size_t to = end < page_end ? end : page_end;
            mtr_log_bytes(mtr, frame, (uint16_t)(BT_OVERFLOW_OFFSET_DATA + from - page_start),
                          bytes + (from - offset), to - from);
        } else {
            bt_read_unpin(mtr->pool, frame);
        }
        page_id = next;
    }
    return NULL;
}
