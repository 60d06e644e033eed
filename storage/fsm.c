/* storage/fsm.c: the free-page list (contract in store.h, FREE page body in store_int.h).
 *
 * A LIFO list linked through the free pages' bodies; its head and length live in page 0. Every
 * change is a redo record of the caller's mtr, so a split that allocates and a merge that frees
 * are atomic with the tree change. A freed page carries the run id of this open and the reader
 * epoch of its free: fsm_alloc reuses the head only if it was freed in another run (after a
 * restart no reader can hold an old page id) or before every reader epoch still active; else
 * it extends the file, even if deeper pages would be reusable (they will be, soon).
 *
 * Latch order: page 0 is X-latched by fsm_alloc and fsm_free and stays latched until the mtr
 * commits, so an mtr latches every tree page it needs before its first fsm_alloc/fsm_free
 * (pages fsm_alloc returns are unreachable by others and safe to latch after). Under page 0,
 * fsm_alloc latches only the free-list head, which no tree operation latches. */
#include <stdarg.h>
#include <stdio.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "storage/store_int.h"

__attribute__((format(printf, 2, 3)))
static Error *list_corrupt(Store *store, const char *fmt, ...)
{
    char    what[160];
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    return err_new(SQLSTATE_DATA_CORRUPTED, "free-page list of file \"%s\" is corrupt: %s",
                   store->path, what);
}

static bool mtr_holds(const Mtr *mtr, PageId page_id)
{
    for (int frame_idx = 0; frame_idx < mtr->frame_count; frame_idx++) {
        if (bp_page_id(mtr->frames[frame_idx].frame) == page_id) return true;
    }
    return false;
}

static Frame *page0_x(Mtr *mtr, Error **err_out)
{
    Frame *frame = NULL;
    *err_out = mtr_pin(mtr, 0, LATCH_EXCLUSIVE, &frame);
    return frame;
}

static void set_list(Mtr *mtr, Frame *page0, PageId head, uint32_t free_count)
{
    uint8_t bytes[8];
    enc_u32le(bytes, head);
    enc_u32le(bytes + 4, free_count);
    STATIC_ASSERT(STORE_OFFSET_FREE_COUNT == STORE_OFFSET_FREE_HEAD + 4, "adjacent fields");
    mtr_log_bytes(mtr, page0, STORE_OFFSET_FREE_HEAD, bytes, sizeof bytes);
}

/* pop_head: if the head is reusable, unlink it and return it X-latched; else *frame_out NULL. */
static Error *pop_head(Mtr *mtr, Frame *page0, Frame **frame_out)
{
    Store         *store = mtr->store;
    const uint8_t *header = bp_data(page0);
    uint32_t       page_count = dec_u32le(header + STORE_OFFSET_PAGE_COUNT);
    PageId         head = dec_u32le(header + STORE_OFFSET_FREE_HEAD);
    uint32_t       free_count = dec_u32le(header + STORE_OFFSET_FREE_COUNT);
    *frame_out = NULL;
    if (head == PAGE_ID_NONE) return NULL;
    if (head >= page_count || free_count == 0) {
        return list_corrupt(store, "head %u with %u pages", head, page_count);
    }
    /* The head may be a page this very mtr freed: then it stays held whatever happens. */
    bool   held_before = mtr_holds(mtr, head);
    Frame *frame = NULL;
    TRY(mtr_pin(mtr, head, LATCH_EXCLUSIVE, &frame));
    const uint8_t *page = bp_data(frame);
    if (page_type(page) != PAGE_TYPE_FREE) {
        if (!held_before) mtr_release(mtr, frame);
        return list_corrupt(store, "page %u on the list has type %u", head, page_type(page));
    }
    bool reusable = dec_u64le(page + FSM_OFFSET_RUN_ID) != store->run_id ||
                    dec_u64le(page + FSM_OFFSET_EPOCH) < store_epoch_safe(store);
    if (!reusable) {
        if (!held_before) mtr_release(mtr, frame);
        return NULL;
    }
    PageId next = dec_u32le(page + FSM_OFFSET_NEXT);
    if (next != PAGE_ID_NONE && (next >= page_count || next == head)) {
        if (!held_before) mtr_release(mtr, frame);
        return list_corrupt(store, "page %u links to page %u", head, next);
    }
    if ((next == PAGE_ID_NONE) != (free_count == 1)) {
        if (!held_before) mtr_release(mtr, frame);
        return list_corrupt(store, "page %u links to %u, but page 0 counts %u free pages",
                            head, next, free_count);
    }
    set_list(mtr, page0, next, free_count - 1);
    *frame_out = frame;
    return NULL;
}

static Error *extend(Mtr *mtr, Frame *page0, Frame **frame_out)
{
    uint32_t page_count = dec_u32le(bp_data(page0) + STORE_OFFSET_PAGE_COUNT);
    if (page_count == UINT32_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                       "database file \"%s\" cannot grow past %u pages", mtr->store->path,
                       (unsigned)UINT32_MAX);
    }
    TRY(mtr_pin_mode(mtr, page_count, BP_PIN_NEW, LATCH_EXCLUSIVE, frame_out));
    uint8_t bytes[4];
    enc_u32le(bytes, page_count + 1);
    mtr_log_bytes(mtr, page0, STORE_OFFSET_PAGE_COUNT, bytes, sizeof bytes);
    return NULL;
}

Error *fsm_alloc(Mtr *mtr, PageType type, uint8_t flags, Frame **frame_out)
{
    VERIFY(type != PAGE_TYPE_NONE && type != PAGE_TYPE_HEADER && type < PAGE_TYPE_COUNT);
    Error *err = NULL;
    Frame *page0 = page0_x(mtr, &err);
    if (err != NULL) return err;
    Frame *frame = NULL;
    TRY(pop_head(mtr, page0, &frame));
    if (frame == NULL) TRY(extend(mtr, page0, &frame));
    mtr_log_init(mtr, frame, type, flags);
    *frame_out = frame;
    return NULL;
}

void fsm_free(Mtr *mtr, Frame *frame)
{
    Store *store = mtr->store;
    PageId page_id = bp_page_id(frame);
    VERIFY(page_id != 0);
    Error *err = NULL;
    Frame *page0 = page0_x(mtr, &err);
    VERIFY(err == NULL);   /* page 0 is pinned by the store: the pin is a hit */
    const uint8_t *header = bp_data(page0);
    PageId         head = dec_u32le(header + STORE_OFFSET_FREE_HEAD);
    uint32_t       free_count = dec_u32le(header + STORE_OFFSET_FREE_COUNT);
    VERIFY(head != page_id);
    /* The page is zeroed, so no stale tree content survives on a free page. */
    mtr_log_init(mtr, frame, PAGE_TYPE_FREE, 0);
    uint8_t body[FSM_BODY_SIZE] = {0};
    enc_u32le(body, head);
    enc_u64le(body + (FSM_OFFSET_RUN_ID - FSM_OFFSET_NEXT), store->run_id);
    enc_u64le(body + (FSM_OFFSET_EPOCH - FSM_OFFSET_NEXT), store_epoch_advance(store));
    mtr_log_bytes(mtr, frame, FSM_OFFSET_NEXT, body, sizeof body);
    set_list(mtr, page0, page_id, free_count + 1);
}

Error *fsm_walk(Store *store, bool (*visit)(void *ctx, PageId page_id), void *ctx)
{
    StoreInfo info = store_info(store);
    PageId    page_id = info.free_head;
    uint32_t  seen_count = 0;
    BufPool  *pool = store_pool(store);
    /* A list longer than free_page_count (or than the file) has a cycle. */
    while (page_id != PAGE_ID_NONE) {
        if (page_id >= info.page_count) {
            return list_corrupt(store, "link to page %u past the page count %u", page_id,
                                info.page_count);
        }
        if (seen_count >= info.free_page_count) {
            return list_corrupt(store, "the list is longer than its %u pages (at page %u): "
                                "a cycle", info.free_page_count, page_id);
        }
        seen_count++;
        Frame *frame = NULL;
        TRY(bp_pin(pool, page_id, BP_PIN_READ, &frame));
        bp_latch(frame, LATCH_SHARED);
        const uint8_t *page = bp_data(frame);
        PageType       type = page_type(page);
        PageId         next = dec_u32le(page + FSM_OFFSET_NEXT);
        bp_unlatch(frame, LATCH_SHARED);
        bp_unpin(pool, frame);
        if (type != PAGE_TYPE_FREE) {
            return list_corrupt(store, "page %u on the list has type %u", page_id, type);
        }
        if (visit != NULL && !visit(ctx, page_id)) return NULL;
        page_id = next;
    }
    if (seen_count != info.free_page_count) {
        return list_corrupt(store, "the list has %u pages, page 0 counts %u", seen_count,
                            info.free_page_count);
    }
    return NULL;
}
