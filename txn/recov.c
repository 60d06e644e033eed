/* txn/recov.c: recov_open / recov_close and ARIES recovery (contract in recov.h).
 *
 * Analysis and redo share one sequential pass over the log: each record's header feeds the
 * transaction table at once, and its page changes are gathered into a batch (redo bytes copied
 * into a 16 MiB buffer, one entry per (record, page) chained per page) that is applied page by
 * page when full: each page is pinned and latched once per batch and gets its records in LSN
 * order, the pages in ascending id order, split over two threads for large batches. A full
 * batch is applied by an applier thread while the recovering thread reads the next one into a
 * second buffer (RedoPipe): reading (crc, inflate, analysis) and applying overlap, and batches
 * are still applied one after the other, in LSN order. Records
 * before the newest checkpoint's dirty-page-table snapshot are filtered by that table without
 * pinning: a page not in it, or whose rec LSN is newer than the record, already holds the
 * change on disk. Undo then rolls back the losers one by one (logical undo needs no global LSN
 * order across transactions).
 *
 * The order of recov_open: open the store with defer_needs_recovery; if the flag is clear (a
 * clean close, or a new file), create the fresh log first and only then set the flag, so a
 * crash at any moment leaves either a clear flag (nothing to recover: the next open creates the
 * log again) or a log. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "common/asserts.h"
#include "common/failpoint.h"
#include "common/hash.h"
#include "txn/recov.h"

struct RecovDb {
    Store        *store;
    Wal          *wal;
    Checkpointer *ckpt;
};

Store        *recov_store(RecovDb *db) { return db->store; }
Wal          *recov_wal(RecovDb *db) { return db->wal; }
Checkpointer *recov_ckpt(RecovDb *db) { return db->ckpt; }

/* ---------------------------------------------------------------- transaction table ---- */

typedef struct TxnEntry {
    uint64_t xid;            /* 0: empty slot */
    uint64_t first_lsn;
    uint64_t last_lsn;
    uint64_t undo_next_lsn;
    bool     committed;
    bool     ended;
} TxnEntry;

typedef struct TxnTable {
    TxnEntry *slots;
    size_t    capacity;      /* power of two */
    size_t    count;
} TxnTable;

static Error *table_grow(TxnTable *table)
{
    size_t    capacity = table->capacity == 0 ? 64 : table->capacity * 2;
    TxnEntry *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    for (size_t slot_idx = 0; slot_idx < table->capacity; slot_idx++) {
        TxnEntry *entry = &table->slots[slot_idx];
        if (entry->xid == 0) continue;
        size_t at = hash_u64(entry->xid) & (capacity - 1);
        while (slots[at].xid != 0) at = (at + 1) & (capacity - 1);
        slots[at] = *entry;
    }
    free(table->slots);
    table->slots = slots;
    table->capacity = capacity;
    return NULL;
}

static Error *table_get(TxnTable *table, uint64_t xid, bool add, TxnEntry **entry_out)
{
    *entry_out = NULL;
    if (table->capacity == 0 || (add && 2 * (table->count + 1) > table->capacity)) {
        if (!add) return NULL;
        TRY(table_grow(table));
    }
    size_t at = hash_u64(xid) & (table->capacity - 1);
    while (table->slots[at].xid != 0 && table->slots[at].xid != xid) {
        at = (at + 1) & (table->capacity - 1);
    }
    if (table->slots[at].xid == 0) {
        if (!add) return NULL;
        table->slots[at] = (TxnEntry){.xid = xid};
        table->count++;
    }
    *entry_out = &table->slots[at];
    return NULL;
}

/* table_remove: drop entry (a winner: nothing left to undo), shifting later entries of its
 * probe run back so lookups never stop at the hole (linear probing, no tombstones). */
static void table_remove(TxnTable *table, TxnEntry *entry)
{
    size_t mask = table->capacity - 1;
    size_t hole = (size_t)(entry - table->slots);
    size_t at = (hole + 1) & mask;
    for (size_t step = 0; step < table->capacity && table->slots[at].xid != 0; step++) {
        size_t home = hash_u64(table->slots[at].xid) & mask;
        /* the entry at `at` may move to the hole iff its home is not in (hole, at] */
        bool stays = hole <= at ? (home > hole && home <= at) : (home > hole || home <= at);
        if (!stays) {
            table->slots[hole] = table->slots[at];
            hole = at;
        }
        at = (at + 1) & mask;
    }
    table->slots[hole] = (TxnEntry){0};
    table->count--;
}

/* ---------------------------------------------------------------- redo ---- */

/* TornSet: pages read as zeros (torn, or never written) whose records redo had to skip until
 * a full page image or REDO_PAGE_INIT rebuilds them. Records before that image described an
 * older version of the page, which the torn write destroyed and the image supersedes. */
typedef struct TornSet {
    PageId *pages;
    size_t  count;
    size_t  capacity;
} TornSet;

static Error *torn_add(TornSet *torn, PageId page_id)
{
    for (size_t page_idx = 0; page_idx < torn->count; page_idx++) {
        if (torn->pages[page_idx] == page_id) return NULL;
    }
    if (torn->count == torn->capacity) {
        size_t  capacity = torn->capacity == 0 ? 16 : torn->capacity * 2;
        PageId *pages = realloc(torn->pages, capacity * sizeof *pages);
        if (pages == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        torn->pages = pages;
        torn->capacity = capacity;
    }
    torn->pages[torn->count++] = page_id;
    return NULL;
}

static void torn_remove(TornSet *torn, PageId page_id)
{
    for (size_t page_idx = 0; page_idx < torn->count; page_idx++) {
        if (torn->pages[page_idx] == page_id) {
            torn->pages[page_idx] = torn->pages[--torn->count];
            return;
        }
    }
}

/* ---------------------------------------------------------------- redo batches ---- */

/* Redo works in batches: a batch holds the redo bytes of consecutive MTR/CLR records (up to
 * BATCH_BYTES) and one RedoEntry per (record, page); entries of one page are chained in LSN
 * order. At the end of a batch the pages are visited in page-id order and each is pinned once,
 * latched once and gets all of its records of the batch in a row (records of different pages
 * are independent: physiological redo only needs each page's own order). So a page is pinned
 * once per batch instead of once per record, its bytes stay in the cache while its records
 * are applied, and the file is read in ascending page order. */
enum {
    BATCH_BYTES = 16 << 20,           /* two of them: one read while the other is applied */
    BATCH_ENTRIES_MAX = 1 << 20,
    ENTRY_NONE = UINT32_MAX,
    APPLY_PARALLEL_PAGES_MIN = 512,   /* smaller batches are applied by the caller alone */
    PREFETCH_THREAD_COUNT = 8,        /* concurrent page reads ahead of the apply */
    PREFETCH_PAGES_MIN = 64,          /* smaller windows are read by the apply itself */
};

typedef struct RedoEntry {
    uint64_t lsn;
    uint32_t offset;         /* the record's redo bytes in the batch buffer */
    uint32_t size;
    uint32_t next;           /* the page's next entry (ENTRY_NONE: last) */
    uint32_t record_idx;     /* the record's number in the batch (records_redone) */
} RedoEntry;

typedef struct BatchPage {
    PageId   page_id;        /* PAGE_ID_NONE marks an empty slot (page 0 is never in the hash:
                              * it has its own slot, page0_*) */
    uint32_t first;
    uint32_t last;
    bool     rebuilt;        /* the first entry's first change of the page is REDO_PAGE_IMAGE
                              * or REDO_PAGE_INIT: the page's older bytes do not matter, so a
                              * page not in the pool is not read (see apply_page) */
} BatchPage;

/* PageMap: page id -> rec LSN (the checkpoint's dirty page table), open addressing. */
typedef struct PageMap {
    CkptPage *slots;         /* page_id PAGE_ID_NONE: empty; page 0 is kept aside */
    size_t    capacity;
    bool      has_page0;
    uint64_t  page0_rec_lsn;
} PageMap;

/* RedoShared: what the batches of one recovery share. Only one batch is applied at a time
 * (batch k+1 starts after batch k finished), so the torn set carries over in LSN order. */
typedef struct RedoShared {
    TornSet    torn;         /* under torn_mutex while two threads apply */
    pthread_mutex_t torn_mutex;
    PageMap    dpt;          /* filter for records before dpt_lsn */
    uint64_t   dpt_lsn;      /* 0: no filter */
    bool       read_every_page;   /* RecovRedoTuning.read_every_page */
} RedoShared;

typedef struct RedoBatch {
    uint8_t   *bytes;
    size_t     used;
    size_t     capacity;
    size_t     prefaulted;   /* bytes[0, prefaulted) are mapped (prefault) */
    RedoEntry *entries;
    size_t     entry_count;
    BatchPage *pages;        /* hash by page id */
    size_t     page_capacity;
    size_t     page_count;
    BatchPage  page0;        /* page 0's chain (first == ENTRY_NONE: none) */
    atomic_bool *record_applied;
    size_t     record_count;
    size_t     record_capacity;
    size_t     parallel_pages_min;   /* smaller windows are applied by one thread */
    RedoShared *shared;
} RedoBatch;

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* prefault: map the pages of a fresh buffer in one call: on a virtual machine a first-touch
 * fault per 4 KiB costs tens of microseconds, many times the copy it interrupts. Best effort
 * (an older kernel refuses MADV_POPULATE_WRITE: the pages then fault in one by one). */
static void prefault(void *buffer, size_t size)
{
    uintptr_t page_size = 4096;
    uintptr_t start = ((uintptr_t)buffer + page_size - 1) & ~(page_size - 1);
    uintptr_t end = ((uintptr_t)buffer + size) & ~(page_size - 1);
    if (end > start) (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

static Error *batch_init(RedoBatch *batch, RedoShared *shared, size_t capacity,
                         size_t parallel_pages_min)
{
    memset(batch, 0, sizeof *batch);
    batch->shared = shared;
    batch->parallel_pages_min = parallel_pages_min;
    batch->capacity = capacity;
    batch->bytes = malloc(batch->capacity);
    batch->entries = malloc(sizeof *batch->entries * 4096);
    batch->page_capacity = 4096;
    batch->pages = calloc(batch->page_capacity, sizeof *batch->pages);
    batch->record_capacity = 4096;
    batch->record_applied = calloc(batch->record_capacity, sizeof *batch->record_applied);
    batch->page0.first = ENTRY_NONE;
    batch->page0.last = ENTRY_NONE;
    if (batch->bytes == NULL || batch->entries == NULL || batch->pages == NULL ||
        batch->record_applied == NULL) {
        return oom();
    }
    return NULL;
}

static void batch_free(RedoBatch *batch)
{
    free(batch->bytes);
    free(batch->entries);
    free(batch->pages);
    free(batch->record_applied);
}

static size_t entry_room(const RedoBatch *batch)
{
    size_t room = 4096;
    while (room < batch->entry_count) room *= 2;
    return room;
}

/* ---- the dirty page table filter ---- */

static Error *dpt_build(PageMap *map, const CkptRecord *checkpoint)
{
    size_t capacity = 64;
    while (capacity < 2 * checkpoint->page_count + 2) capacity *= 2;
    map->slots = calloc(capacity, sizeof *map->slots);
    if (map->slots == NULL) return oom();
    map->capacity = capacity;
    for (size_t page_idx = 0; page_idx < checkpoint->page_count; page_idx++) {
        const CkptPage *page = &checkpoint->pages[page_idx];
        if (page->page_id == PAGE_ID_NONE) {
            map->has_page0 = true;
            map->page0_rec_lsn = page->rec_lsn;
            continue;
        }
        size_t at = hash_u64(page->page_id) & (capacity - 1);
        while (map->slots[at].page_id != PAGE_ID_NONE && map->slots[at].page_id != page->page_id) {
            at = (at + 1) & (capacity - 1);
        }
        map->slots[at] = *page;
    }
    return NULL;
}

/* dpt_needs: false if the change at lsn to page_id is on disk for sure: lsn is before the
 * checkpoint's dirty page table snapshot and the page was not dirty then, or was dirtied again
 * only after lsn (rec LSN > lsn). */
static bool dpt_needs(const RedoShared *shared, PageId page_id, uint64_t lsn)
{
    if (lsn >= shared->dpt_lsn) return true;
    const PageMap *map = &shared->dpt;
    if (page_id == PAGE_ID_NONE) return map->has_page0 && lsn >= map->page0_rec_lsn;
    size_t at = hash_u64(page_id) & (map->capacity - 1);
    while (map->slots[at].page_id != PAGE_ID_NONE) {
        if (map->slots[at].page_id == page_id) return lsn >= map->slots[at].rec_lsn;
        at = (at + 1) & (map->capacity - 1);
    }
    return false;
}

/* ---- building a batch ---- */

static Error *pages_grow(RedoBatch *batch)
{
    size_t     capacity = batch->page_capacity * 2;
    BatchPage *pages = calloc(capacity, sizeof *pages);
    if (pages == NULL) return oom();
    for (size_t slot_idx = 0; slot_idx < batch->page_capacity; slot_idx++) {
        BatchPage *page = &batch->pages[slot_idx];
        if (page->page_id == PAGE_ID_NONE) continue;
        size_t at = hash_u64(page->page_id) & (capacity - 1);
        while (pages[at].page_id != PAGE_ID_NONE) at = (at + 1) & (capacity - 1);
        pages[at] = *page;
    }
    free(batch->pages);
    batch->pages = pages;
    batch->page_capacity = capacity;
    return NULL;
}

/* batch_add_page: chain a new entry (record record_idx at lsn, redo bytes at offset) to
 * page_id's list. */
static Error *batch_add_page(RedoBatch *batch, PageId page_id, uint64_t lsn, uint32_t offset,
                             uint32_t size, uint8_t first_type)
{
    if (batch->entry_count == entry_room(batch)) {
        RedoEntry *entries = realloc(batch->entries, 2 * entry_room(batch) * sizeof *entries);
        if (entries == NULL) return oom();
        batch->entries = entries;
    }
    BatchPage *page = &batch->page0;
    if (page_id != PAGE_ID_NONE) {
        if (2 * (batch->page_count + 1) > batch->page_capacity) TRY(pages_grow(batch));
        size_t at = hash_u64(page_id) & (batch->page_capacity - 1);
        while (batch->pages[at].page_id != PAGE_ID_NONE && batch->pages[at].page_id != page_id) {
            at = (at + 1) & (batch->page_capacity - 1);
        }
        page = &batch->pages[at];
        if (page->page_id == PAGE_ID_NONE) {
            *page = (BatchPage){.page_id = page_id, .first = ENTRY_NONE, .last = ENTRY_NONE};
            batch->page_count++;
        }
    }
    if (page->first == ENTRY_NONE) {
        /* Rebuilt from nothing by its first entry: every later entry of the page is redone too
         * (the dirty page table filter is monotone in the LSN: once a page's record passes it,
         * its later records pass), so the page ends as the log says whatever the file held. */
        page->rebuilt = first_type == REDO_PAGE_IMAGE || first_type == REDO_PAGE_INIT;
    }
    uint32_t entry_idx = (uint32_t)batch->entry_count++;
    batch->entries[entry_idx] = (RedoEntry){.lsn = lsn, .offset = offset, .size = size,
                                            .next = ENTRY_NONE,
                                            .record_idx = (uint32_t)batch->record_count};
    if (page->first == ENTRY_NONE) page->first = entry_idx;
    else batch->entries[page->last].next = entry_idx;
    page->last = entry_idx;
    return NULL;
}

/* batch_fits: whether a record with redo_size bytes fits the batch now. */
static bool batch_fits(const RedoBatch *batch, size_t redo_size)
{
    return batch->used + redo_size <= batch->capacity && batch->entry_count < BATCH_ENTRIES_MAX;
}

/* batch_add_record: copy an MTR/CLR record's redo bytes and chain one entry per page it
 * changes that the dirty page table does not rule out. Pre: batch_fits, or the batch is
 * empty (then the buffer grows). */
static Error *batch_add_record(RedoBatch *batch, const WalRecord *record, RecovReport *report)
{
    if (batch->used + record->redo_size > batch->capacity) {
        uint8_t *bytes = realloc(batch->bytes, batch->used + record->redo_size);
        if (bytes == NULL) return oom();
        batch->bytes = bytes;
        batch->capacity = batch->used + record->redo_size;
        batch->prefaulted = 0;
    }
    if (batch->used + record->redo_size > batch->prefaulted) {
        /* ahead of the copies, 4 MiB at a time: a small recovery maps only what it uses */
        size_t end = batch->used + record->redo_size + ((size_t)4 << 20);
        if (end > batch->capacity) end = batch->capacity;
        prefault(batch->bytes + batch->prefaulted, end - batch->prefaulted);
        batch->prefaulted = end;
    }
    if (batch->record_count == batch->record_capacity) {
        atomic_bool *applied = realloc(batch->record_applied,
                                       2 * batch->record_capacity * sizeof *applied);
        if (applied == NULL) return oom();
        batch->record_applied = applied;
        batch->record_capacity *= 2;
    }
    uint32_t offset = (uint32_t)batch->used;
    memcpy(batch->bytes + offset, record->redo, record->redo_size);
    PageId     seen[MTR_FRAME_MAX * 2];
    size_t     seen_count = 0;
    RedoIter   iter = {.data = record->redo, .size = record->redo_size};
    RedoRecord redo;
    Error     *err = NULL;
    while (redo_next(&iter, &redo, &err)) {
        bool known = false;
        for (size_t seen_idx = 0; seen_idx < seen_count && !known; seen_idx++) {
            known = seen[seen_idx] == redo.page_id;
        }
        if (known) continue;
        if (seen_count == sizeof seen / sizeof seen[0]) {
            return err_new(SQLSTATE_DATA_CORRUPTED, "log record at LSN %llu touches too many pages",
                           (unsigned long long)record->lsn);
        }
        seen[seen_count++] = redo.page_id;
        if (batch->shared->dpt_lsn != 0 && !dpt_needs(batch->shared, redo.page_id, record->lsn)) {
            report->records_skipped++;
            continue;
        }
        TRY(batch_add_page(batch, redo.page_id, record->lsn, offset,
                           (uint32_t)record->redo_size, redo.type));
    }
    if (err != NULL) {
        return err_prefix(err, "log record at LSN %llu", (unsigned long long)record->lsn);
    }
    batch->used += record->redo_size;
    atomic_init(&batch->record_applied[batch->record_count], false);
    batch->record_count++;
    return NULL;
}

/* ---- applying a batch ---- */

/* first_type: the first redo record type of page_id in an MTR record's redo bytes. */
static uint8_t first_type(const uint8_t *bytes, size_t size, PageId page_id)
{
    RedoIter   iter = {.data = bytes, .size = size};
    RedoRecord redo;
    Error     *err = NULL;
    while (redo_next(&iter, &redo, &err)) {
        if (redo.page_id == page_id) return redo.type;
    }
    if (err != NULL) err_free(err);
    return REDO_NONE;
}

/* apply_entry: redo one record on one page (pinned, X-latched): only if the page is older;
 * a page that reads as zeros waits for its image or init (torn set). */
static Error *apply_entry(RedoBatch *batch, uint8_t *page, PageId page_id,
                          const RedoEntry *entry, bool *applied_out)
{
    *applied_out = false;
    if (page_lsn(page) >= entry->lsn) return NULL;
    const uint8_t *bytes = batch->bytes + entry->offset;
    if (page_lsn(page) == 0 && page_is_zero(page)) {
        uint8_t type = first_type(bytes, entry->size, page_id);
        bool torn = type != REDO_NONE && type != REDO_PAGE_IMAGE && type != REDO_PAGE_INIT;
        RedoShared *shared = batch->shared;
        pthread_mutex_lock(&shared->torn_mutex);
        Error *err = NULL;
        if (torn) {
            err = torn_add(&shared->torn, page_id);   /* torn or missing: wait for its image */
        } else {
            torn_remove(&shared->torn, page_id);      /* rebuilt from nothing by this record */
        }
        pthread_mutex_unlock(&shared->torn_mutex);
        if (err != NULL || torn) return err;
    }
    RedoIter   iter = {.data = bytes, .size = entry->size};
    RedoRecord redo;
    Error     *err = NULL;
    while (err == NULL && redo_next(&iter, &redo, &err)) {
        if (redo.page_id != page_id) continue;
        err = redo_apply(page, page_id, redo.type, redo.payload, redo.payload_size);
    }
    if (err != NULL) {
        return err_prefix(err, "recovery cannot apply the log record at LSN %llu to page %u",
                          (unsigned long long)entry->lsn, (unsigned)page_id);
    }
    page_set_lsn(page, entry->lsn);
    *applied_out = true;
    return NULL;
}

static Error *apply_page(Store *store, RedoBatch *batch, const BatchPage *batch_page,
                         RecovReport *report)
{
    BufPool *pool = store_pool(store);
    Frame   *frame = NULL;
    /* A page its first entry rebuilds (an image or an init) is not read from the file when it
     * is not in the pool: a zeroed frame (BP_PIN_NEW) gets the image and every later change.
     * Skipping the read skips the page LSN check of that image too: redoing it and the page's
     * later records again reproduces the same bytes (physiological redo is deterministic) and
     * takes the page back in time only inside this latch. */
    BpPinMode mode = BP_PIN_REDO;
    if (batch_page->rebuilt && !batch->shared->read_every_page &&
        !bp_is_resident(pool, batch_page->page_id)) {
        mode = BP_PIN_NEW;
        report->pages_unread++;
    }
    TRY(bp_pin(pool, batch_page->page_id, mode, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    uint8_t *page = bp_data(frame);
    Error   *err = NULL;
    bool     dirty = false;
    for (uint32_t entry_idx = batch_page->first; entry_idx != ENTRY_NONE && err == NULL;
         entry_idx = batch->entries[entry_idx].next) {
        const RedoEntry *entry = &batch->entries[entry_idx];
        if (entry->next != ENTRY_NONE) {
            __builtin_prefetch(batch->bytes + batch->entries[entry->next].offset);
        }
        if (FAILPOINT("recov.redo.record")) {
            err = err_new(SQLSTATE_IO_ERROR, "recovery failed: injected failure at LSN %llu",
                          (unsigned long long)entry->lsn);
            break;
        }
        bool applied = false;
        err = apply_entry(batch, page, batch_page->page_id, entry, &applied);
        if (err != NULL || !applied) continue;
        if (!dirty) bp_mark_dirty(pool, frame, entry->lsn);   /* rec LSN: the first change */
        dirty = true;
        report->pages_redone++;
        /* a plain store (no locked exchange): batch_apply counts the marks at the end */
        atomic_store_explicit(&batch->record_applied[entry->record_idx], true,
                              memory_order_relaxed);
    }
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    bp_unpin(pool, frame);
    return err;
}

static int page_compare(const void *left, const void *right)
{
    PageId left_id = ((const BatchPage *)left)->page_id;
    PageId right_id = ((const BatchPage *)right)->page_id;
    return left_id < right_id ? -1 : left_id > right_id;
}

/* ApplyWork: a share of a batch's pages applied by one thread (pages are independent). */
typedef struct ApplyWork {
    Store           *store;
    RedoBatch       *batch;
    const BatchPage *pages;
    size_t           count;
    RecovReport      counts;   /* pages_redone, records_redone */
    Error           *err;
} ApplyWork;

static void *apply_pages(void *arg)
{
    ApplyWork *work = arg;
    for (size_t page_idx = 0; page_idx < work->count && work->err == NULL; page_idx++) {
        if (page_idx + 1 < work->count) {
            uint32_t next = work->pages[page_idx + 1].first;
            __builtin_prefetch(work->batch->bytes + work->batch->entries[next].offset);
        }
        work->err = apply_page(work->store, work->batch, &work->pages[page_idx], &work->counts);
    }
    return NULL;
}

/* Prefetch: before a window of a batch's pages is applied, PREFETCH_THREAD_COUNT threads read
 * the window's pages that are not in the pool (bp_pin + bp_unpin, BP_PIN_REDO), so the disk
 * serves several reads at once instead of one synchronous read per page of the apply. Windows
 * are at most a quarter of the pool, so a window's pages stay cached until they are applied.
 * Best effort: a failed read is left for the apply to meet (and report). */
typedef struct PrefetchWork {
    Store           *store;
    const BatchPage *pages;
    size_t           count;
    size_t           first_idx;    /* this thread reads pages first_idx, + step, ... */
    size_t           step;
    bool             read_every_page;
} PrefetchWork;

static void *prefetch_pages(void *arg)
{
    PrefetchWork *work = arg;
    BufPool      *pool = store_pool(work->store);
    for (size_t page_idx = work->first_idx; page_idx < work->count; page_idx += work->step) {
        PageId page_id = work->pages[page_idx].page_id;
        if (work->pages[page_idx].rebuilt && !work->read_every_page) continue;   /* not read */
        if (bp_is_resident(pool, page_id)) continue;
        Frame *frame = NULL;
        Error *err = bp_pin(pool, page_id, BP_PIN_REDO, &frame);
        if (err != NULL) {
            err_free(err);
            continue;
        }
        bp_unpin(pool, frame);
    }
    return NULL;
}

static void prefetch_window(Store *store, const BatchPage *pages, size_t count,
                            bool read_every_page, bool read_ahead)
{
    /* the fresh frames this window fills are mapped first, by this thread alone (see
     * bp_prefault_free: concurrent first touches of one huge page each zero all of it) */
    BufPool *pool = store_pool(store);
    size_t   missing = 0;
    size_t   to_read = 0;
    for (size_t page_idx = 0; page_idx < count; page_idx++) {
        if (bp_is_resident(pool, pages[page_idx].page_id)) continue;
        missing++;
        to_read += !pages[page_idx].rebuilt || read_every_page;
    }
    bp_prefault_free(pool, missing);
    if (!read_ahead || to_read < PREFETCH_PAGES_MIN) return;
    PrefetchWork works[PREFETCH_THREAD_COUNT];
    pthread_t    threads[PREFETCH_THREAD_COUNT];
    bool         started[PREFETCH_THREAD_COUNT] = {false};
    for (size_t thread_idx = 0; thread_idx < PREFETCH_THREAD_COUNT; thread_idx++) {
        works[thread_idx] = (PrefetchWork){.store = store, .pages = pages, .count = count,
                                           .first_idx = thread_idx,
                                           .step = PREFETCH_THREAD_COUNT,
                                           .read_every_page = read_every_page};
        started[thread_idx] = thread_idx > 0 && pthread_create(&threads[thread_idx], NULL,
                                                               prefetch_pages,
                                                               &works[thread_idx]) == 0;
    }
    /* the caller reads its share, and the share of any thread that did not start */
    for (size_t thread_idx = 0; thread_idx < PREFETCH_THREAD_COUNT; thread_idx++) {
        if (!started[thread_idx]) prefetch_pages(&works[thread_idx]);
    }
    for (size_t thread_idx = 1; thread_idx < PREFETCH_THREAD_COUNT; thread_idx++) {
        if (started[thread_idx]) pthread_join(threads[thread_idx], NULL);
    }
}

/* apply_window: prefetch (if read_ahead), then apply pages[0, count): halves on the caller
 * and a helper thread when the window is large (the pool is concurrent; a page belongs to one
 * thread). */
static Error *apply_window(Store *store, RedoBatch *batch, const BatchPage *pages, size_t count,
                           bool read_ahead, RecovReport *report)
{
    prefetch_window(store, pages, count, batch->shared->read_every_page, read_ahead);
    ApplyWork works[2] = {
        {.store = store, .batch = batch, .pages = pages, .count = count},
        {.store = store, .batch = batch},
    };
    pthread_t helper;
    bool      helper_running = false;
    if (count >= batch->parallel_pages_min) {
        /* halves keep each thread's reads ascending */
        works[0].count = count / 2;
        works[1].pages = pages + count / 2;
        works[1].count = count - count / 2;
        helper_running = pthread_create(&helper, NULL, apply_pages, &works[1]) == 0;
        if (!helper_running) works[0].count = count;
    }
    apply_pages(&works[0]);
    if (helper_running) pthread_join(helper, NULL);
    Error *err = NULL;
    for (int work_idx = 0; work_idx < 2; work_idx++) {
        report->pages_redone += works[work_idx].counts.pages_redone;
        report->records_redone += works[work_idx].counts.records_redone;
        report->pages_unread += works[work_idx].counts.pages_unread;
        if (err == NULL) err = works[work_idx].err;
        else if (works[work_idx].err != NULL) err_free(works[work_idx].err);
    }
    return err;
}

/* batch_apply: apply and empty the batch: page 0 first, then the others in ascending id order,
 * split between the calling thread and a helper when the batch is large (the pool is
 * concurrent; a page belongs to one thread). */
static Error *batch_apply(Store *store, RedoBatch *batch, RecovReport *report)
{
    Error *err = NULL;
    if (batch->page0.first != ENTRY_NONE) err = apply_page(store, batch, &batch->page0, report);
    /* compact the hash into a sorted array in place */
    size_t count = 0;
    for (size_t slot_idx = 0; slot_idx < batch->page_capacity; slot_idx++) {
        if (batch->pages[slot_idx].page_id != PAGE_ID_NONE) {
            batch->pages[count++] = batch->pages[slot_idx];
        }
    }
    qsort(batch->pages, count, sizeof *batch->pages, page_compare);
    /* Read ahead only when a window fits in a quarter of the pool: on a smaller pool (under
     * 4 * PREFETCH_PAGES_MIN frames) the pages read ahead would be evicted (the dirty ones
     * written) before their apply and read again (session 8: a 16-frame pool read 15-30% more
     * pages with the read-ahead than without, a number varying from run to run). */
    size_t window = bp_frame_count(store_pool(store)) / 4;
    bool   read_ahead = window >= PREFETCH_PAGES_MIN;
    if (!read_ahead) window = PREFETCH_PAGES_MIN;
    for (size_t first = 0; first < count && err == NULL; first += window) {
        size_t window_count = count - first < window ? count - first : window;
        err = apply_window(store, batch, batch->pages + first, window_count, read_ahead,
                           report);
    }
    /* records that changed at least one page (every thread of the apply has finished) */
    for (size_t record_idx = 0; record_idx < batch->record_count; record_idx++) {
        if (atomic_load_explicit(&batch->record_applied[record_idx], memory_order_relaxed)) {
            report->records_redone++;
        }
    }
    memset(batch->pages, 0, batch->page_capacity * sizeof *batch->pages);
    batch->page_count = 0;
    batch->page0 = (BatchPage){.first = ENTRY_NONE, .last = ENTRY_NONE};
    batch->entry_count = 0;
    batch->record_count = 0;
    batch->used = 0;
    return err;
}

/* ---------------------------------------------------------------- analysis ---- */

static Error *merge_checkpoint(TxnTable *table, const WalRecord *record)
{
    CkptRecord checkpoint;
    TRY(ckpt_body_decode(record->payload, record->payload_size, &checkpoint));
    Error *err = NULL;
    for (size_t txn_idx = 0; txn_idx < checkpoint.txn_count && err == NULL; txn_idx++) {
        const CkptTxn *txn = &checkpoint.txns[txn_idx];
        if (txn->xid == 0) continue;
        TxnEntry *entry = NULL;
        err = table_get(table, txn->xid, false, &entry);
        if (err != NULL) break;
        if (entry != NULL) {
            /* seen in the scan already: the scan is as new; only the first LSN may be older */
            if (txn->first_lsn != 0 && (entry->first_lsn == 0 || txn->first_lsn < entry->first_lsn)) {
                entry->first_lsn = txn->first_lsn;
            }
            continue;
        }
        err = table_get(table, txn->xid, true, &entry);
        if (err == NULL) {
            entry->first_lsn = txn->first_lsn;
            entry->last_lsn = txn->last_lsn;
            entry->undo_next_lsn = txn->undo_next_lsn;
        }
    }
    ckpt_record_free(&checkpoint);
    return err;
}

static Error *analyze_record(TxnTable *table, const WalRecord *record, uint64_t checkpoint_lsn)
{
    if (record->type == WAL_RECORD_CHECKPOINT) {
        return record->lsn == checkpoint_lsn ? merge_checkpoint(table, record) : NULL;
    }
    if (record->xid == 0) return NULL;
    TxnEntry *entry = NULL;
    TRY(table_get(table, record->xid, true, &entry));
    if (entry->first_lsn == 0) entry->first_lsn = record->lsn;
    entry->last_lsn = record->lsn;
    switch (record->type) {
    case WAL_RECORD_MTR: entry->undo_next_lsn = record->lsn; break;
    case WAL_RECORD_CLR: entry->undo_next_lsn = record->undo_next_lsn; break;
    case WAL_RECORD_COMMIT: entry->committed = true; break;
    case WAL_RECORD_END: entry->ended = true; break;
    default: break;   /* ABORT: the rollback continues from undo_next_lsn */
    }
    /* A finished transaction needs nothing more, so the table stays as small as the set of
     * open ones (a long log of short transactions would grow it to millions). Before the
     * checkpoint record it stays: the checkpoint may still list it as active, and the merge
     * must see that the scan found it finished. */
    if ((entry->committed || entry->ended) &&
        (checkpoint_lsn == 0 || record->lsn > checkpoint_lsn)) {
        table_remove(table, entry);
    }
    return NULL;
}

/* load_dpt: the dirty page table of the checkpoint at checkpoint_lsn (the filter applies to
 * records before its snapshot LSN; a checkpoint written without one gives no filter). */
static Error *load_dpt(Wal *wal, uint64_t checkpoint_lsn, RedoShared *shared)
{
    if (checkpoint_lsn == 0) return NULL;
    WalReader *reader = NULL;
    TRY(wal_reader_open(wal, &reader));
    WalRecord record;
    bool      valid = false;
    Error    *err = wal_read(reader, checkpoint_lsn, false, &record, &valid);
    if (err == NULL && valid && record.type == WAL_RECORD_CHECKPOINT) {
        CkptRecord checkpoint;
        err = ckpt_body_decode(record.payload, record.payload_size, &checkpoint);
        if (err == NULL && checkpoint.dpt_lsn != 0) {
            err = dpt_build(&shared->dpt, &checkpoint);
            if (err == NULL) shared->dpt_lsn = checkpoint.dpt_lsn;
        }
        if (err == NULL) ckpt_record_free(&checkpoint);
    }
    wal_reader_close(reader);
    return err;
}

/* ---- the pipeline: reading batch k+1 while batch k is applied ---- */

/* RedoPipe: two batches; the recovering thread reads the log into `filling` while an applier
 * thread applies the other one (itself with a helper thread for large windows, and the
 * prefetch threads). A full batch is handed over only after the previous one was applied, so
 * batches are applied one at a time in LSN order and each page still gets its records in LSN
 * order. Serial (RecovRedoTuning.serial, or a thread that cannot start): each batch is applied
 * by the recovering thread alone, right after it is read. */
typedef struct RedoPipe {
    Store      *store;
    RedoShared  shared;
    RedoBatch   batches[2];
    RedoBatch  *filling;
    bool        serial;
    pthread_t   applier;
    bool        applying;    /* applier runs (on `applied`) */
    RedoBatch  *applied;
    RecovReport counts;      /* the applier's pages_redone, records_redone */
    Error      *err;         /* the applier's error */
} RedoPipe;

static Error *pipe_init(RedoPipe *pipe, Store *store, const RecovRedoTuning *tuning)
{
    memset(pipe, 0, sizeof *pipe);
    pipe->store = store;
    pipe->serial = tuning->serial;
    pipe->shared.read_every_page = tuning->read_every_page;
    pthread_mutex_init(&pipe->shared.torn_mutex, NULL);
    size_t bytes = tuning->batch_bytes != 0 ? tuning->batch_bytes : BATCH_BYTES;
    size_t pages_min = tuning->parallel_pages_min != 0 ? tuning->parallel_pages_min
                                                       : APPLY_PARALLEL_PAGES_MIN;
    if (tuning->serial) pages_min = SIZE_MAX;
    pipe->filling = &pipe->batches[0];
    /* the second batch is allocated too: batch_free of a zeroed batch is a no-op */
    TRY(batch_init(&pipe->batches[0], &pipe->shared, bytes, pages_min));
    if (!tuning->serial) TRY(batch_init(&pipe->batches[1], &pipe->shared, bytes, pages_min));
    return NULL;
}

static void *pipe_applier(void *arg)
{
    RedoPipe *pipe = arg;
    pipe->err = batch_apply(pipe->store, pipe->applied, &pipe->counts);
    return NULL;
}

/* pipe_wait: wait for the batch being applied (if any); its error. */
static Error *pipe_wait(RedoPipe *pipe, RecovReport *report)
{
    if (!pipe->applying) return NULL;
    pthread_join(pipe->applier, NULL);
    pipe->applying = false;
    report->pages_redone += pipe->counts.pages_redone;
    report->records_redone += pipe->counts.records_redone;
    report->pages_unread += pipe->counts.pages_unread;
    pipe->counts = (RecovReport){0};
    Error *err = pipe->err;
    pipe->err = NULL;
    return err;
}

/* pipe_hand: the filling batch is full (or the log ended): wait for the previous one, then
 * apply this one on the applier thread and fill the other one meanwhile. */
static Error *pipe_hand(RedoPipe *pipe, RecovReport *report)
{
    TRY(pipe_wait(pipe, report));
    RedoBatch *full = pipe->filling;
    if (pipe->serial || full->entry_count == 0) return batch_apply(pipe->store, full, report);
    pipe->applied = full;
    if (pthread_create(&pipe->applier, NULL, pipe_applier, pipe) != 0) {
        return batch_apply(pipe->store, full, report);   /* no thread: apply it here */
    }
    pipe->applying = true;
    pipe->filling = full == &pipe->batches[0] ? &pipe->batches[1] : &pipe->batches[0];
    return NULL;
}

static void pipe_free(RedoPipe *pipe, RecovReport *report)
{
    Error *err = pipe_wait(pipe, report);
    if (err != NULL) err_free(err);
    batch_free(&pipe->batches[0]);
    batch_free(&pipe->batches[1]);
    free(pipe->shared.torn.pages);
    free(pipe->shared.dpt.slots);
    pthread_mutex_destroy(&pipe->shared.torn_mutex);
}

/* scan: analysis + redo from start to the end of the log: one sequential read; the
 * transaction table is built record by record, the page changes are applied batch by batch,
 * each batch while the next one is read (RedoPipe). */
static Error *scan(Wal *wal, Store *store, const RecovRedoTuning *tuning, uint64_t start,
                   uint64_t checkpoint_lsn, TxnTable *table, RecovReport *report,
                   uint64_t *end_out)
{
    RedoPipe  pipe;
    uint64_t  read_count = bp_stats(store_pool(store)).read_count;
    Error    *err = pipe_init(&pipe, store, tuning);
    if (err == NULL) err = load_dpt(wal, checkpoint_lsn, &pipe.shared);
    WalReader *reader = NULL;
    if (err == NULL) err = wal_reader_open(wal, &reader);
    uint64_t lsn = start;
    while (err == NULL) {
        WalRecord record;
        bool      valid = false;
        err = wal_read(reader, lsn, true, &record, &valid);
        if (err != NULL || !valid) break;
        report->records_scanned++;
        err = analyze_record(table, &record, checkpoint_lsn);
        if (err == NULL && (record.type == WAL_RECORD_MTR || record.type == WAL_RECORD_CLR)) {
            if (!batch_fits(pipe.filling, record.redo_size)) err = pipe_hand(&pipe, report);
            if (err == NULL) err = batch_add_record(pipe.filling, &record, report);
        }
        if (err != NULL) break;
        if (record.xid > report->max_xid) report->max_xid = record.xid;
        lsn += record.size;
    }
    wal_reader_close(reader);
    if (err == NULL) err = pipe_hand(&pipe, report);
    if (err == NULL) err = pipe_wait(&pipe, report);
    if (err == NULL && pipe.shared.torn.count > 0) {
        err = err_new(SQLSTATE_DATA_CORRUPTED,
                      "page %u of database \"%s\" is unreadable (torn?) and the log holds no "
                      "full image of it", (unsigned)pipe.shared.torn.pages[0], store_path(store));
    }
    pipe_free(&pipe, report);
    report->pages_read = bp_stats(store_pool(store)).read_count - read_count;
    *end_out = lsn;
    return err;
}

/* ---------------------------------------------------------------- undo ---- */

static Error *chain_broken(uint64_t xid, uint64_t lsn, const char *what)
{
    return err_new(SQLSTATE_DATA_CORRUPTED,
                   "cannot roll back transaction %llu: its log record at LSN %llu %s",
                   (unsigned long long)xid, (unsigned long long)lsn, what);
}

static Error *undo_step(Wal *wal, Store *store, RecovUndoFn fn, void *ctx,
                        const WalRecord *record, uint64_t *last_lsn_io)
{
    if (fn == NULL) return chain_broken(record->xid, record->lsn, "needs an undo callback");
    if (FAILPOINT("recov.undo.step")) {
        return err_new(SQLSTATE_IO_ERROR, "rollback failed: injected failure at LSN %llu",
                       (unsigned long long)record->lsn);
    }
    (void)wal;
    WalMtrInfo  info = {.xid = record->xid, .last_lsn_io = last_lsn_io, .is_clr = true,
                        .undo_next_lsn = record->prev_lsn};
    WalMtrInfo *outer = wal_thread_binding();
    wal_thread_bind(&info);
    Error *err = fn(ctx, store, record);
    wal_thread_bind(outer);
    return err;
}

Error *recov_rollback(Wal *wal, Store *store, RecovUndoFn fn, void *ctx, uint64_t xid,
                      uint64_t *last_lsn_io, uint64_t undo_next_lsn, uint64_t stop_lsn,
                      uint64_t *step_count_out)
{
    WalReader *reader = NULL;
    TRY(wal_reader_open(wal, &reader));
    uint64_t lsn = undo_next_lsn;
    uint64_t step_count = 0;
    Error   *err = NULL;
    while (err == NULL && lsn != 0 && lsn > stop_lsn) {
        WalRecord record;
        bool      valid = false;
        err = wal_read(reader, lsn, false, &record, &valid);
        if (err != NULL) break;
        if (!valid) {
            err = chain_broken(xid, lsn, "is not in the log");
            break;
        }
        if (record.xid != xid) {
            err = chain_broken(xid, lsn, "belongs to another transaction");
            break;
        }
        if (record.prev_lsn >= lsn || (record.type == WAL_RECORD_CLR && record.undo_next_lsn >= lsn)) {
            err = chain_broken(xid, lsn, "does not lead backwards");
            break;
        }
        if (record.type == WAL_RECORD_CLR) {
            lsn = record.undo_next_lsn;   /* already undone: skip what it compensated */
            continue;
        }
        if (record.type == WAL_RECORD_MTR && record.undo_size > 0) {
            err = undo_step(wal, store, fn, ctx, &record, last_lsn_io);
            step_count++;
        }
        lsn = record.prev_lsn;
    }
    wal_reader_close(reader);
    if (step_count_out != NULL) *step_count_out += step_count;
    return err;
}

/* finished_before_scan: whether the record at last_lsn is xid's COMMIT or END. A checkpoint
 * lists a transaction until its COMMIT is durable, so it may list one whose COMMIT was
 * appended before the checkpoint's redo LSN: the scan never sees that COMMIT, but the listed
 * last LSN is the COMMIT itself. Such a transaction is a winner, never undone. */
static Error *finished_before_scan(Wal *wal, uint64_t xid, uint64_t last_lsn, bool *finished_out)
{
    *finished_out = false;
    if (last_lsn == 0) return NULL;
    WalReader *reader = NULL;
    TRY(wal_reader_open(wal, &reader));
    WalRecord record;
    bool      valid = false;
    Error    *err = wal_read(reader, last_lsn, false, &record, &valid);
    if (err == NULL && valid && record.xid == xid &&
        (record.type == WAL_RECORD_COMMIT || record.type == WAL_RECORD_END)) {
        *finished_out = true;
    }
    wal_reader_close(reader);
    return err;
}

static Error *undo_losers(RecovDb *db, const RecovOptions *options, TxnTable *table,
                          RecovReport *report)
{
    for (size_t slot_idx = 0; slot_idx < table->capacity; slot_idx++) {
        TxnEntry *entry = &table->slots[slot_idx];
        if (entry->xid == 0 || entry->committed || entry->ended) continue;
        bool finished = false;
        TRY(finished_before_scan(db->wal, entry->xid, entry->last_lsn, &finished));
        if (finished) {
            entry->committed = true;
            continue;
        }
        uint64_t last_lsn = entry->last_lsn;
        TRY(recov_rollback(db->wal, db->store, options->undo_fn, options->undo_ctx, entry->xid,
                           &last_lsn, entry->undo_next_lsn, 0, &report->clr_count));
        uint64_t end_lsn = 0;
        TRY(wal_append_txn(db->wal, WAL_RECORD_END, entry->xid, last_lsn, NULL, 0, &end_lsn));
        entry->ended = true;
        report->transactions_rolled_back++;
    }
    return wal_flush_all(db->wal);
}

/* ---------------------------------------------------------------- open ---- */

static double elapsed_ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* sync_log_file: make the log file durable as it is. A crashed process (not a power cut)
 * leaves its last log writes in the operating system's cache, unsynced; recovery reads and
 * redoes them, and redo writes pages (a pool smaller than the pages it touches evicts them; the
 * cleaner) before anything syncs the log (wal_start_append, after redo). A power cut then could
 * keep such a page and lose the log tail it came from: a page newer than the log, whose LSN
 * makes the next recovery skip the records later appended at lower LSNs (the WAL rule,
 * invariant 1, broken). Found by txn_test_recov_evict's unsynced-log-tail test (session 8). */
static Error *sync_log_file(Store *store, Wal *wal)
{
    File *file = NULL;
    TRY(file_open(store_vfs(store), wal_file_path(wal), 0, &file));
    Error *err = file_sync(file);
    file_close(file);
    if (err != NULL) return err_prefix(err, "recovery cannot make the log durable");
    return NULL;
}

static Error *recover(RecovDb *db, const RecovOptions *options, RecovReport *report)
{
    StoreCheckpoint checkpoint = {0};
    bool            found = false;
    TRY(sync_log_file(db->store, db->wal));
    TRY(store_read_checkpoint(db->store, &checkpoint, &found));
    uint64_t start = wal_created_lsn(db->wal);
    uint64_t checkpoint_lsn = 0;
    if (found && checkpoint.redo_lsn >= start) {
        start = checkpoint.redo_lsn;
        checkpoint_lsn = checkpoint.checkpoint_lsn;
    }
    report->recovered = true;
    report->start_lsn = start;
    report->checkpoint_lsn = checkpoint_lsn;
    TxnTable table = {0};
    uint64_t end = start;
    struct timespec phase, phase_cpu, phase_cpu_end;
    clock_gettime(CLOCK_MONOTONIC, &phase);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &phase_cpu);
    Error   *err = scan(db->wal, db->store, &options->redo, start, checkpoint_lsn, &table, report,
                        &end);
    report->redo_ms = elapsed_ms_since(&phase);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &phase_cpu_end);
    report->redo_cpu_ms = (double)(phase_cpu_end.tv_sec - phase_cpu.tv_sec) * 1e3 +
                          (double)(phase_cpu_end.tv_nsec - phase_cpu.tv_nsec) / 1e6;
    report->end_lsn = end;
    report->bytes_scanned = end - start;
    uint64_t reuse = start;
    for (size_t slot_idx = 0; slot_idx < table.capacity; slot_idx++) {
        TxnEntry *entry = &table.slots[slot_idx];
        if (entry->xid == 0 || entry->committed || entry->ended) continue;
        if (entry->first_lsn != 0 && entry->first_lsn < reuse) reuse = entry->first_lsn;
    }
    if (err == NULL) {
        wal_set_reuse_lsn(db->wal, reuse);
        err = wal_start_append(db->wal, end);
    }
    if (err == NULL) {
        wal_install(db->wal);
        err = undo_losers(db, options, &table, report);
    }
    free(table.slots);
    return err;
}

static void db_free(RecovDb *db, bool abandon)
{
    if (db == NULL) return;
    ckpt_destroy(db->ckpt);
    if (abandon) {
        wal_abandon(db->wal);
        store_abandon(db->store);
    }
    free(db);
}

static Error *open_steps(RecovDb *db, const char *path, const RecovOptions *options,
                         RecovReport *report)
{
    /* The flag is set only once a log exists that can recover the file: a crash before that
     * (a brand-new database included) leaves a clear flag, and the next open starts afresh. */
    StoreOptions store_options = options->store;
    store_options.defer_needs_recovery = true;
    TRY(store_open(path, &store_options, &db->store));
    if (!store_info(db->store).needs_recovery) {
        TRY(wal_create(db->store, &options->wal, &db->wal));
        TRY(store_set_needs_recovery(db->store));
        wal_install(db->wal);
    } else {
        TRY(wal_open(db->store, &options->wal, &db->wal));
        TRY(recover(db, options, report));
    }
    CkptOptions ckpt_options = options->ckpt;
    bool        start_thread = ckpt_options.start_thread;
    ckpt_options.start_thread = false;
    TRY(ckpt_create(db->store, db->wal, &ckpt_options, &db->ckpt));
    if (options->active_txn_fn != NULL) {
        ckpt_set_active_txn_fn(db->ckpt, options->active_txn_fn, options->active_txn_ctx);
    }
    if (report->recovered) TRY(ckpt_run(db->ckpt, CKPT_FLUSH_ALL, NULL));
    if (start_thread) {
        ckpt_destroy(db->ckpt);
        db->ckpt = NULL;
        ckpt_options.start_thread = true;
        TRY(ckpt_create(db->store, db->wal, &ckpt_options, &db->ckpt));
        if (options->active_txn_fn != NULL) {
            ckpt_set_active_txn_fn(db->ckpt, options->active_txn_fn, options->active_txn_ctx);
        }
    }
    return NULL;
}

Error *recov_open(const char *path, const RecovOptions *options, RecovDb **db_out,
                  RecovReport *report_out)
{
    RecovOptions defaults = {0};
    if (options == NULL) options = &defaults;
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    RecovReport report = {0};
    RecovDb    *db = calloc(1, sizeof *db);
    if (db == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    Error *err = open_steps(db, path, options, &report);
    report.elapsed_ms = elapsed_ms_since(&started);
    if (report_out != NULL) *report_out = report;
    if (err != NULL) {
        db_free(db, true);
        return err;
    }
    *db_out = db;
    return NULL;
}

/* ---------------------------------------------------------------- close ---- */

Error *recov_close(RecovDb *db)
{
    if (db == NULL) return NULL;
    Error *err = wal_failure(db->wal);
    if (err == NULL) err = ckpt_run(db->ckpt, CKPT_FLUSH_ALL, NULL);
    ckpt_destroy(db->ckpt);
    db->ckpt = NULL;
    if (err == NULL) err = wal_flush_all(db->wal);
    if (err != NULL) {
        /* the log failed (or could not be made durable): write nothing, the next open
         * recovers from what is on disk */
        db_free(db, true);
        return err;
    }
    wal_uninstall(db->wal);
    err = store_close(db->store);
    db->store = NULL;
    if (err != NULL) {
        wal_abandon(db->wal);
        db->wal = NULL;
        db_free(db, false);
        return err;
    }
    if (FAILPOINT("recov.close.before_remove")) {
        wal_abandon(db->wal);
        db->wal = NULL;
        db_free(db, false);
        return err_new(SQLSTATE_IO_ERROR, "close failed: injected failure");
    }
    err = wal_close(db->wal, true);
    db->wal = NULL;
    db_free(db, false);
    return err;
}

void recov_abandon(RecovDb *db)
{
    db_free(db, true);
}
