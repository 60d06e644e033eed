/* storage/store.c: one database file: page 0, the pool over the file, the default mtr sink,
 * root slots and checkpoint slots (contract and page 0 layout in store.h).
 *
 * Page 0 is read and validated by hand at open (before the pool exists) so that a file that is
 * not a birch database gets that message rather than a checksum error, and every field is
 * range-checked before use. The store then keeps page 0 pinned until close: it is always
 * resident, so root and free-list changes can pin it inside an mtr without failing.
 *
 * Page 0 fields written outside mtrs, directly on the frame under its X latch and flushed at
 * once: the needs-recovery flag (set at open, cleared at clean close), the next LSN (at clean
 * close) and the checkpoint slots (store_write_checkpoint). Everything else changes through
 * REDO_BYTES records. Nothing writes page 0 outside an mtr while a caller's mtr holds it.
 *
 * File size rule at open: after a clean close (flag clear) the file must hold every page of
 * page_count (it may be longer: pre-extended or a torn extension); while the flag is set (a
 * crash) it may be shorter, because page 0 can reach the disk before the pages it counts, and
 * recovery rewrites those pages from the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "storage/store_int.h"

enum {
    STORE_POOL_SIZE_DEFAULT = 64 * 1024 * 1024,
    CHECKPOINT_CRC_OFFSET = STORE_CHECKPOINT_SLOT_SIZE - 4,
};

STATIC_ASSERT(STORE_OFFSET_ROOTS + 4 * STORE_ROOT_SLOT_COUNT == STORE_OFFSET_CHECKPOINT_A,
              "root slots end where checkpoint slot A starts");
STATIC_ASSERT(STORE_OFFSET_CHECKPOINT_B + STORE_CHECKPOINT_SLOT_SIZE <= 4096,
              "page 0 fields fit its first 4 KiB: a write torn at 4 KiB keeps them whole");

static uint64_t random_u64(void)
{
    uint64_t value = 0;
    ssize_t  got = getrandom(&value, sizeof value, 0);
    if (got != (ssize_t)sizeof value) {
        /* No entropy source: still unique enough per process and moment. */
        value = hash_u64((uint64_t)(uintptr_t)&value ^ (uint64_t)getpid() << 32);
    }
    return value == 0 ? 1 : value;
}

/* ---------------------------------------------------------------- page 0 at open ---- */

static void header_init(uint8_t *page)
{
    memset(page, 0, PAGE_SIZE);
    enc_u32le(page + PAGE_OFFSET_ID, 0);
    page[PAGE_OFFSET_TYPE] = PAGE_TYPE_HEADER;
    memcpy(page + STORE_OFFSET_MAGIC, STORE_MAGIC, sizeof STORE_MAGIC);
    enc_u32le(page + STORE_OFFSET_FORMAT_VERSION, STORE_FORMAT_VERSION);
    enc_u32le(page + STORE_OFFSET_PAGE_SIZE, PAGE_SIZE);
    enc_u64le(page + STORE_OFFSET_DATABASE_ID, random_u64());
    enc_u32le(page + STORE_OFFSET_PAGE_COUNT, 1);
    enc_u32le(page + STORE_OFFSET_FREE_HEAD, PAGE_ID_NONE);
    enc_u64le(page + STORE_OFFSET_NEXT_LSN, 1);
    enc_u64le(page + STORE_OFFSET_NEXT_XID, 1);
    page_seal(page);
}

static Error *header_corrupt(const char *path, const char *fmt, unsigned long long value)
{
    char what[160];
    snprintf(what, sizeof what, fmt, value);
    return err_new(SQLSTATE_DATA_CORRUPTED, "database header of file \"%s\" is corrupt: %s",
                   path, what);
}

/* header_validate: everything a page 0 read from disk must satisfy before any field is used. */
static Error *header_validate(const uint8_t *page, const char *path, uint64_t file_size)
{
    if (memcmp(page + STORE_OFFSET_MAGIC, STORE_MAGIC, sizeof STORE_MAGIC) != 0) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "file \"%s\" is not a birch database", path);
    }
    TRY(page_verify(page, 0, path, false));
    uint32_t version = dec_u32le(page + STORE_OFFSET_FORMAT_VERSION);
    if (version != STORE_FORMAT_VERSION) {
        return err_set_hint(err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                                    "database file \"%s\" has format version %u, this build "
                                    "reads only version %u", path, (unsigned)version,
                                    (unsigned)STORE_FORMAT_VERSION),
                            "open it with the birch release that wrote it");
    }
    uint32_t page_size = dec_u32le(page + STORE_OFFSET_PAGE_SIZE);
    if (page_size != PAGE_SIZE) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "database file \"%s\" has pages of %u bytes, this build reads only %u",
                       path, (unsigned)page_size, (unsigned)PAGE_SIZE);
    }
    if (page_type(page) != PAGE_TYPE_HEADER) {
        return header_corrupt(path, "page 0 has type %llu", page_type(page));
    }
    uint32_t page_count = dec_u32le(page + STORE_OFFSET_PAGE_COUNT);
    PageId   free_head = dec_u32le(page + STORE_OFFSET_FREE_HEAD);
    uint32_t free_count = dec_u32le(page + STORE_OFFSET_FREE_COUNT);
    uint8_t  needs_recovery = page[STORE_OFFSET_NEEDS_RECOVERY];
    if (page_count == 0) return header_corrupt(path, "page count %llu", 0);
    if (free_head != PAGE_ID_NONE && free_head >= page_count) {
        return header_corrupt(path, "free-list head %llu is past the page count", free_head);
    }
    if (free_count > page_count - 1 || (free_count == 0) != (free_head == PAGE_ID_NONE)) {
        return header_corrupt(path, "free page count %llu does not match the free list",
                              free_count);
    }
    if (needs_recovery > 1) {
        return header_corrupt(path, "needs-recovery flag is %llu", needs_recovery);
    }
    for (int slot_idx = 0; slot_idx < STORE_ROOT_SLOT_COUNT; slot_idx++) {
        PageId root = dec_u32le(page + STORE_OFFSET_ROOTS + 4 * slot_idx);
        if (root >= page_count) return header_corrupt(path, "root page %llu is past the end", root);
    }
    if (dec_u64le(page + STORE_OFFSET_NEXT_LSN) == 0) return header_corrupt(path, "next LSN %llu", 0);
    if (!needs_recovery && file_size < (uint64_t)page_count * PAGE_SIZE) {
        return err_set_detail(
            header_corrupt(path, "the file is truncated: it should hold %llu pages", page_count),
            "the file has %llu bytes", (unsigned long long)file_size);
    }
    return NULL;
}

/* header_read: read page 0 of a file that exists, creating it first if it is empty and we may. */
static Error *header_read(Store *store, bool create, uint8_t *page)
{
    uint64_t size_on_disk = 0;
    TRY(file_size(store->file, &size_on_disk));
    if (size_on_disk == 0 && create && !store->read_only) {
        header_init(page);
        TRY(file_write(store->file, 0, page, PAGE_SIZE));
        TRY(file_sync(store->file));
        TRY(file_sync_dir(store->vfs, store->path));
        size_on_disk = PAGE_SIZE;
    }
    if (size_on_disk < PAGE_SIZE) {
        return err_set_detail(err_new(SQLSTATE_DATA_CORRUPTED,
                                      "file \"%s\" is not a birch database", store->path),
                              "the file has %llu bytes, less than one page",
                              (unsigned long long)size_on_disk);
    }
    TRY(file_read(store->file, 0, page, PAGE_SIZE));
    return header_validate(page, store->path, size_on_disk);
}

static void store_free(Store *store)
{
    if (store->page0 != NULL) bp_unpin(store->pool, store->page0);
    if (store->pool != NULL) bp_destroy(store->pool);
    file_close(store->file);
    pthread_mutex_destroy(&store->checkpoint_mutex);
    free(store->path);
    free(store);
}

static Error *open_steps(Store *store, const StoreOptions *options)
{
    int flags = (options->read_only ? FILE_OPEN_READONLY : 0) |
                (options->create && !options->read_only ? FILE_OPEN_CREATE : 0);
    TRY(file_open(store->vfs, store->path, flags, &store->file));
    TRY(file_lock(store->file));
    _Alignas(64) uint8_t page[PAGE_SIZE];
    TRY(header_read(store, options->create, page));
    store->database_id = dec_u64le(page + STORE_OFFSET_DATABASE_ID);
    store->needs_recovery_at_open = page[STORE_OFFSET_NEEDS_RECOVERY] != 0;
    uint64_t next_lsn = dec_u64le(page + STORE_OFFSET_NEXT_LSN);
    if (page_lsn(page) >= next_lsn) next_lsn = page_lsn(page) + 1;   /* after a crash */
    atomic_init(&store->next_lsn, next_lsn);
    store->needs_recovery_set = store->needs_recovery_at_open;
    if (!store->read_only && !store->needs_recovery_at_open && !options->defer_needs_recovery) {
        page[STORE_OFFSET_NEEDS_RECOVERY] = 1;
        page_seal(page);
        TRY(file_write(store->file, 0, page, PAGE_SIZE));
        TRY(file_sync(store->file));
        store->needs_recovery_set = true;
    }
    size_t pool_size = options->pool_size != 0 ? options->pool_size : STORE_POOL_SIZE_DEFAULT;
    BpOptions pool_options = {.frame_count = pool_size / PAGE_SIZE,
                              .start_cleaner = options->start_cleaner && !options->read_only};
    if (pool_options.frame_count < BP_FRAME_COUNT_MIN) pool_options.frame_count = BP_FRAME_COUNT_MIN;
    TRY(bp_create(store->file, store->path, &pool_options, &store->pool));
    return bp_pin(store->pool, 0, BP_PIN_READ, &store->page0);
}

Error *store_open(const char *path, const StoreOptions *options, Store **store_out)
{
    StoreOptions defaults = {0};
    if (options == NULL) options = &defaults;
    /* The epoch slots are cache-line aligned, so the Store must be too. */
    size_t store_size = (sizeof(Store) + 63) / 64 * 64;
    Store *store = aligned_alloc(64, store_size);
    if (store == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    memset(store, 0, store_size);
    pthread_mutex_init(&store->checkpoint_mutex, NULL);
    store->path = strdup(path);
    if (store->path == NULL) {
        store_free(store);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    store->vfs = options->vfs != NULL ? options->vfs : vfs_posix();
    store->read_only = options->read_only;
    store->run_id = random_u64();
    store->sink = store_default_sink(store);
    store_epoch_init(store);
    Error *err = open_steps(store, options);
    if (err != NULL) {
        store_free(store);
        return err;
    }
    *store_out = store;
    return NULL;
}

/* ---------------------------------------------------------------- close ---- */

/* page0_write_direct: change page 0 outside an mtr (fields no redo record describes), then
 * write it and sync. */
static Error *page0_write_direct(Store *store, size_t offset, const void *bytes, size_t size)
{
    bp_latch(store->page0, LATCH_EXCLUSIVE);
    uint8_t *page = bp_data(store->page0);
    memcpy(page + offset, bytes, size);
    bp_mark_dirty(store->pool, store->page0, page_lsn(page));
    bp_unlatch(store->page0, LATCH_EXCLUSIVE);
    TRY(bp_flush_page(store->pool, 0));
    return file_sync(store->file);
}

Error *store_set_needs_recovery(Store *store)
{
    if (store->read_only) {
        return err_new(SQLSTATE_READ_ONLY_SQL_TRANSACTION,
                       "cannot write to database file \"%s\": it is open read-only", store->path);
    }
    if (store->needs_recovery_set) return NULL;
    uint8_t set = 1;
    TRY(page0_write_direct(store, STORE_OFFSET_NEEDS_RECOVERY, &set, 1));
    store->needs_recovery_set = true;
    return NULL;
}

static Error *close_clean(Store *store)
{
    TRY(bp_flush_all(store->pool));
    uint8_t next_lsn[8];
    enc_u64le(next_lsn, atomic_load(&store->next_lsn));
    bp_latch(store->page0, LATCH_EXCLUSIVE);
    memcpy(bp_data(store->page0) + STORE_OFFSET_NEXT_LSN, next_lsn, sizeof next_lsn);
    bp_unlatch(store->page0, LATCH_EXCLUSIVE);
    uint8_t clear = 0;
    return page0_write_direct(store, STORE_OFFSET_NEEDS_RECOVERY, &clear, 1);
}

Error *store_close(Store *store)
{
    if (store == NULL) return NULL;
    Error *err = store->read_only ? NULL : close_clean(store);
    store_free(store);
    return err;
}

void store_abandon(Store *store)
{
    if (store == NULL) return;
    store_free(store);
}

/* ---------------------------------------------------------------- accessors ---- */

BufPool    *store_pool(Store *store) { return store->pool; }
File       *store_file(Store *store) { return store->file; }
Vfs        *store_vfs(Store *store) { return store->vfs; }
const char *store_path(const Store *store) { return store->path; }
bool        store_is_read_only(const Store *store) { return store->read_only; }

/* page0_read_begin / page0_read_end: S-latch page 0 to read it, unless this thread's mtr
 * already holds it X-latched. */
static bool page0_read_begin(Store *store)
{
    if (mtr_page0_held_here(store)) return false;
    bp_latch(store->page0, LATCH_SHARED);
    return true;
}

static void page0_read_end(Store *store, bool latched)
{
    if (latched) bp_unlatch(store->page0, LATCH_SHARED);
}

StoreInfo store_info(Store *store)
{
    bool latched = page0_read_begin(store);
    const uint8_t *page = bp_data(store->page0);
    StoreInfo info = {
        .database_id = store->database_id,
        .page_count = dec_u32le(page + STORE_OFFSET_PAGE_COUNT),
        .free_page_count = dec_u32le(page + STORE_OFFSET_FREE_COUNT),
        .free_head = dec_u32le(page + STORE_OFFSET_FREE_HEAD),
        .next_lsn = atomic_load(&store->next_lsn),
        .next_xid = dec_u64le(page + STORE_OFFSET_NEXT_XID),
        .needs_recovery = store->needs_recovery_at_open,
    };
    page0_read_end(store, latched);
    return info;
}

PageId store_root_get(Store *store, int slot_idx)
{
    VERIFY(slot_idx >= 0 && slot_idx < STORE_ROOT_SLOT_COUNT);
    bool   latched = page0_read_begin(store);
    PageId root = dec_u32le(bp_data(store->page0) + STORE_OFFSET_ROOTS + 4 * slot_idx);
    page0_read_end(store, latched);
    return root;
}

/* page0_in_mtr: page 0 X-latched in mtr. It is pinned by the store, so the pin is a cache hit
 * that cannot fail; read-only stores never get here (their writers fail earlier). */
static Frame *page0_in_mtr(Mtr *mtr)
{
    Frame *frame = NULL;
    Error *err = mtr_pin(mtr, 0, LATCH_EXCLUSIVE, &frame);
    VERIFY(err == NULL);
    return frame;
}

void store_root_set(Mtr *mtr, int slot_idx, PageId root)
{
    VERIFY(slot_idx >= 0 && slot_idx < STORE_ROOT_SLOT_COUNT);
    uint8_t bytes[4];
    enc_u32le(bytes, root);
    mtr_log_bytes(mtr, page0_in_mtr(mtr), (uint16_t)(STORE_OFFSET_ROOTS + 4 * slot_idx), bytes,
                  sizeof bytes);
}

/* ---------------------------------------------------------------- LSNs and the sink ---- */

static Error *default_append(void *ctx, Mtr *mtr, const uint8_t *records, size_t size,
                             uint64_t *lsn_out)
{
    (void)mtr;
    (void)records;
    (void)size;
    *lsn_out = store_next_lsn_advance(ctx, 1);
    return NULL;
}

MtrSink store_default_sink(Store *store)
{
    return (MtrSink){.append = default_append, .after_commit = NULL, .ctx = store};
}

void store_set_mtr_sink(Store *store, const MtrSink *sink)
{
    store->sink = sink != NULL ? *sink : store_default_sink(store);
}

MtrSink store_mtr_sink(Store *store) { return store->sink; }

uint64_t store_next_lsn_advance(Store *store, uint64_t size)
{
    VERIFY(size >= 1);
    return atomic_fetch_add(&store->next_lsn, size);
}

void store_next_lsn_raise(Store *store, uint64_t next_lsn)
{
    uint64_t seen = atomic_load(&store->next_lsn);
    while (seen < next_lsn && !atomic_compare_exchange_weak(&store->next_lsn, &seen, next_lsn)) {
    }
}

void store_set_next_lsn(Mtr *mtr, uint64_t next_lsn)
{
    uint64_t seen = atomic_load(&mtr->store->next_lsn);
    while (seen < next_lsn && !atomic_compare_exchange_weak(&mtr->store->next_lsn, &seen, next_lsn)) {
    }
    uint8_t bytes[8];
    enc_u64le(bytes, next_lsn);
    mtr_log_bytes(mtr, page0_in_mtr(mtr), STORE_OFFSET_NEXT_LSN, bytes, sizeof bytes);
}

void store_set_next_xid(Mtr *mtr, uint64_t next_xid)
{
    uint8_t bytes[8];
    enc_u64le(bytes, next_xid);
    mtr_log_bytes(mtr, page0_in_mtr(mtr), STORE_OFFSET_NEXT_XID, bytes, sizeof bytes);
}

/* ---------------------------------------------------------------- checkpoint slots ---- */

static bool slot_decode(const uint8_t *slot, StoreCheckpoint *checkpoint_out)
{
    uint32_t crc = hash_crc32(0, slot, CHECKPOINT_CRC_OFFSET);
    if (crc != dec_u32le(slot + CHECKPOINT_CRC_OFFSET)) return false;
    *checkpoint_out = (StoreCheckpoint){
        .sequence = dec_u64le(slot),
        .checkpoint_lsn = dec_u64le(slot + 8),
        .redo_lsn = dec_u64le(slot + 16),
        .next_xid = dec_u64le(slot + 24),
        .next_lsn = dec_u64le(slot + 32),
    };
    return checkpoint_out->sequence != 0;
}

/* slots_newest: index (0 = A, 1 = B) of the valid slot with the highest sequence, -1 if none. */
static int slots_newest(const uint8_t *page, StoreCheckpoint *checkpoint_out)
{
    StoreCheckpoint slot_a, slot_b;
    bool valid_a = slot_decode(page + STORE_OFFSET_CHECKPOINT_A, &slot_a);
    bool valid_b = slot_decode(page + STORE_OFFSET_CHECKPOINT_B, &slot_b);
    if (valid_a && (!valid_b || slot_a.sequence > slot_b.sequence)) {
        *checkpoint_out = slot_a;
        return 0;
    }
    if (valid_b) {
        *checkpoint_out = slot_b;
        return 1;
    }
    return -1;
}

Error *store_write_checkpoint(Store *store, const StoreCheckpoint *checkpoint)
{
    if (store->read_only) {
        return err_new(SQLSTATE_READ_ONLY_SQL_TRANSACTION,
                       "cannot write a checkpoint to database file \"%s\": it is open read-only",
                       store->path);
    }
    pthread_mutex_lock(&store->checkpoint_mutex);
    bp_latch(store->page0, LATCH_SHARED);
    StoreCheckpoint newest = {0};
    int             newest_idx = slots_newest(bp_data(store->page0), &newest);
    bp_unlatch(store->page0, LATCH_SHARED);
    uint8_t slot[STORE_CHECKPOINT_SLOT_SIZE] = {0};
    enc_u64le(slot, newest_idx < 0 ? 1 : newest.sequence + 1);
    enc_u64le(slot + 8, checkpoint->checkpoint_lsn);
    enc_u64le(slot + 16, checkpoint->redo_lsn);
    enc_u64le(slot + 24, checkpoint->next_xid);
    enc_u64le(slot + 32, checkpoint->next_lsn);
    enc_u32le(slot + CHECKPOINT_CRC_OFFSET, hash_crc32(0, slot, CHECKPOINT_CRC_OFFSET));
    /* Overwrite the older slot, so the newest stays valid if this write is torn. */
    size_t offset = newest_idx == 0 ? STORE_OFFSET_CHECKPOINT_B : STORE_OFFSET_CHECKPOINT_A;
    Error *err = page0_write_direct(store, offset, slot, sizeof slot);
    pthread_mutex_unlock(&store->checkpoint_mutex);
    return err;
}

Error *store_read_checkpoint(Store *store, StoreCheckpoint *checkpoint_out, bool *found_out)
{
    bool latched = page0_read_begin(store);
    *found_out = slots_newest(bp_data(store->page0), checkpoint_out) >= 0;
    page0_read_end(store, latched);
    return NULL;
}
