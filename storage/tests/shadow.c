/* storage/tests/shadow.c: shadow replay of mini-transactions (contract in shadow.h). */
#include "storage/tests/shadow.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "storage/redo.h"

enum { SHADOW_ERROR_SIZE = 512 };

struct Shadow {
    Store          *store;
    MtrSink         previous;
    pthread_mutex_t mutex;
    uint8_t       **pages;          /* pages[id]: the copy, NULL = all zeros so far */
    size_t          page_capacity;
    uint64_t        mtr_count;
    bool            failed;
    char            error[SHADOW_ERROR_SIZE];
};

/* The byte ranges of a page not compared (see shadow.h). */
typedef struct Range {
    size_t start, end;
} Range;
static const Range SKIP_ALL[] = {{PAGE_OFFSET_CHECKSUM, PAGE_OFFSET_CHECKSUM + 4}};
static const Range SKIP_PAGE0[] = {
    {PAGE_OFFSET_CHECKSUM, PAGE_OFFSET_CHECKSUM + 4},
    {STORE_OFFSET_NEEDS_RECOVERY, STORE_OFFSET_NEEDS_RECOVERY + 1},
    {STORE_OFFSET_NEXT_LSN, STORE_OFFSET_NEXT_LSN + 8},
    {STORE_OFFSET_CHECKPOINT_A, STORE_OFFSET_CHECKPOINT_B + STORE_CHECKPOINT_SLOT_SIZE},
};

static void fail(Shadow *shadow, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(Shadow *shadow, const char *fmt, ...)
{
    if (shadow->failed) return;   /* keep the first */
    va_list args;
    va_start(args, fmt);
    vsnprintf(shadow->error, sizeof shadow->error, fmt, args);
    va_end(args);
    shadow->failed = true;
}

/* page_copy: the shadow page of page_id, allocated (zeroed) if needed; NULL on OOM. */
static uint8_t *page_copy(Shadow *shadow, PageId page_id)
{
    if (page_id >= shadow->page_capacity) {
        size_t capacity = shadow->page_capacity == 0 ? 64 : shadow->page_capacity;
        while (capacity <= page_id) capacity *= 2;
        uint8_t **pages = realloc(shadow->pages, capacity * sizeof *pages);
        if (pages == NULL) return NULL;
        memset(pages + shadow->page_capacity, 0,
               (capacity - shadow->page_capacity) * sizeof *pages);
        shadow->pages = pages;
        shadow->page_capacity = capacity;
    }
    if (shadow->pages[page_id] == NULL) shadow->pages[page_id] = calloc(1, PAGE_SIZE);
    return shadow->pages[page_id];
}

/* compare: record the first differing byte of live vs the copy, outside the skipped ranges. */
static bool compare(Shadow *shadow, PageId page_id, const uint8_t *live, const char *when)
{
    static const uint8_t zeros[PAGE_SIZE];
    const uint8_t *copy = page_id < shadow->page_capacity && shadow->pages[page_id] != NULL
                              ? shadow->pages[page_id]
                              : zeros;
    const Range   *skip = page_id == 0 ? SKIP_PAGE0 : SKIP_ALL;
    size_t         skip_count = page_id == 0 ? sizeof SKIP_PAGE0 / sizeof SKIP_PAGE0[0] : 1;
    size_t         start = 0;
    for (size_t range_idx = 0; range_idx <= skip_count; range_idx++) {
        size_t end = range_idx < skip_count ? skip[range_idx].start : PAGE_SIZE;
        if (memcmp(live + start, copy + start, end - start) != 0) {
            size_t byte_idx = start;
            while (live[byte_idx] == copy[byte_idx]) byte_idx++;
            fail(shadow, "page %u differs from its redo replay at byte %zu %s: live 0x%02x, "
                 "replay 0x%02x", (unsigned)page_id, byte_idx, when, live[byte_idx],
                 copy[byte_idx]);
            return false;
        }
        if (range_idx < skip_count) start = skip[range_idx].end;
    }
    return true;
}

static Error *shadow_append(void *ctx, Mtr *mtr, const uint8_t *records, size_t size,
                            uint64_t *lsn_out)
{
    Shadow *shadow = ctx;
    TRY(shadow->previous.append(shadow->previous.ctx, mtr, records, size, lsn_out));
    pthread_mutex_lock(&shadow->mutex);
    RedoIter   iter = {.data = records, .size = size};
    RedoRecord record;
    Error     *err = NULL;
    while (redo_next(&iter, &record, &err)) {
        uint8_t *copy = page_copy(shadow, record.page_id);
        if (copy == NULL) {
            fail(shadow, "out of memory for the shadow of page %u", (unsigned)record.page_id);
            continue;
        }
        Error *apply_err = redo_apply(copy, record.page_id, record.type, record.payload,
                                      record.payload_size);
        if (apply_err != NULL) {
            fail(shadow, "replay of a committed record failed: %s", apply_err->message);
            err_free(apply_err);
        }
        page_set_lsn(copy, *lsn_out);
    }
    if (err != NULL) {
        fail(shadow, "committed log buffer is malformed: %s", err->message);
        err_free(err);
    }
    shadow->mtr_count++;
    pthread_mutex_unlock(&shadow->mutex);
    return NULL;
}

static void shadow_after_commit(void *ctx, Mtr *mtr, uint64_t lsn)
{
    Shadow *shadow = ctx;
    char    when[64];
    snprintf(when, sizeof when, "after the mtr of LSN %llu", (unsigned long long)lsn);
    pthread_mutex_lock(&shadow->mutex);
    for (int frame_idx = 0; frame_idx < mtr->frame_count; frame_idx++) {
        const MtrFrame *held = &mtr->frames[frame_idx];
        if (!held->modified) continue;
        compare(shadow, bp_page_id(held->frame), bp_data(held->frame), when);
    }
    pthread_mutex_unlock(&shadow->mutex);
    if (shadow->previous.after_commit != NULL) {
        shadow->previous.after_commit(shadow->previous.ctx, mtr, lsn);
    }
}

/* live_page: the current bytes of page_id: the cached frame, else the file. */
static Error *live_page(Store *store, PageId page_id, uint8_t *page_out)
{
    BufPool *pool = store_pool(store);
    if (bp_is_resident(pool, page_id)) {
        Frame *frame = NULL;
        TRY(bp_pin(pool, page_id, BP_PIN_READ, &frame));
        bp_latch(frame, LATCH_SHARED);
        memcpy(page_out, bp_data(frame), PAGE_SIZE);
        bp_unlatch(frame, LATCH_SHARED);
        bp_unpin(pool, frame);
        return NULL;
    }
    uint64_t size_on_disk = 0;
    TRY(file_size(store_file(store), &size_on_disk));
    if ((uint64_t)(page_id + 1) * PAGE_SIZE > size_on_disk) {
        memset(page_out, 0, PAGE_SIZE);   /* counted but never written: zeros */
        return NULL;
    }
    return file_read(store_file(store), (uint64_t)page_id * PAGE_SIZE, page_out, PAGE_SIZE);
}

Error *shadow_attach(Store *store, Shadow **shadow_out)
{
    Shadow *shadow = calloc(1, sizeof *shadow);
    if (shadow == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    shadow->store = store;
    pthread_mutex_init(&shadow->mutex, NULL);
    uint32_t page_count = store_info(store).page_count;
    for (PageId page_id = 0; page_id < page_count; page_id++) {
        uint8_t *copy = page_copy(shadow, page_id);
        Error   *err = copy == NULL ? err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory")
                                    : live_page(store, page_id, copy);
        if (err != NULL) {
            shadow->previous = store_mtr_sink(store);   /* nothing installed yet */
            shadow_detach(shadow);
            return err;
        }
    }
    shadow->previous = store_mtr_sink(store);
    MtrSink sink = {.append = shadow_append, .after_commit = shadow_after_commit, .ctx = shadow};
    store_set_mtr_sink(store, &sink);
    *shadow_out = shadow;
    return NULL;
}

void shadow_detach(Shadow *shadow)
{
    if (shadow == NULL) return;
    MtrSink current = store_mtr_sink(shadow->store);
    if (current.ctx == shadow) store_set_mtr_sink(shadow->store, &shadow->previous);
    for (size_t page_idx = 0; page_idx < shadow->page_capacity; page_idx++) {
        free(shadow->pages[page_idx]);
    }
    free(shadow->pages);
    pthread_mutex_destroy(&shadow->mutex);
    free(shadow);
}

bool shadow_failed(const Shadow *shadow) { return shadow->failed; }

const char *shadow_error(const Shadow *shadow) { return shadow->error; }

uint64_t shadow_mtr_count(const Shadow *shadow) { return shadow->mtr_count; }

bool shadow_check_all(Shadow *shadow)
{
    uint32_t page_count = store_info(shadow->store).page_count;
    uint8_t *live = malloc(PAGE_SIZE);
    VERIFY(live != NULL);
    bool equal = true;
    /* Latches are taken before the shadow mutex, as in a commit, never while holding it. */
    for (PageId page_id = 0; page_id < page_count && equal; page_id++) {
        Error *err = live_page(shadow->store, page_id, live);
        pthread_mutex_lock(&shadow->mutex);
        if (err != NULL) {
            fail(shadow, "could not read page %u to compare: %s", (unsigned)page_id,
                 err->message);
            err_free(err);
            equal = false;
        } else {
            equal = compare(shadow, page_id, live, "in the final check");
        }
        pthread_mutex_unlock(&shadow->mutex);
    }
    free(live);
    return equal && !shadow->failed;
}
