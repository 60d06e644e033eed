/* txn/wal.c: the log file, its header, the append ring, group-commit flushes, file growth,
 * failure handling and readers (format and contract in wal.h).
 *
 * Append: under insert_mutex a record gets insert_lsn as its LSN, its bytes are copied into
 * the ring at lsn % ring_size, then insert_lsn advances (so insert_lsn is always at a record
 * boundary). If the ring lacks room, the appender first writes out the ring (no sync). After
 * appending, an appender that left WAL_WRITE_BEHIND_SIZE or more unwritten writes it out
 * (write_behind: no sync, only if no flush is running), so the bytes are still cache-hot.
 * Flush (group commit): under flush_mutex, a thread that needs more written/durable log
 * becomes the leader unless one is active; otherwise it queues a WalFlushWaiter (FIFO) and
 * sleeps on its own semaphore. The leader takes target = insert_lsn, writes [written_lsn,
 * target) without holding any mutex (appenders never overwrite that range: they need
 * written_lsn to move first), fdatasyncs, publishes written/durable = target, then wakes only
 * the waiters whose LSN that made durable and hands the leadership to the oldest waiter left
 * (it starts the next flush at once, without a yield: what arrived during the previous fsync
 * is already appended). A served waiter returns without touching flush_mutex. A leader that
 * did not wait (no flush was running) yields once first, so the committers the previous
 * flush released append before the target is taken.
 * Failure: the first write/sync error is kept; afterwards everything returns a copy of it. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/failpoint.h"
#include "common/hash_crc32.h"
#include "txn/wal_int.h"

enum {
    SLOT_OFFSET_VERSION = 8,
    SLOT_OFFSET_DATABASE_ID = 16,
    SLOT_OFFSET_CAPACITY = 24,
    SLOT_OFFSET_GENERATION = 32,
    SLOT_OFFSET_CREATED_LSN = 40,
    SLOT_OFFSET_CRC = WAL_HEADER_SLOT_SIZE - 4,
    ZERO_CHUNK_SIZE = 64 * 1024,
    WAL_SPACE_WAIT_SECONDS = 60,   /* wal_check_space's checkpoints while they make progress */
};

STATIC_ASSERT(WAL_HEADER_SLOT_B + WAL_HEADER_SLOT_SIZE <= WAL_HEADER_SIZE, "slots fit");

static const uint8_t ZERO_CHUNK[ZERO_CHUNK_SIZE];


char *wal_path(const char *store_path)
{
    size_t size = strlen(store_path) + sizeof WAL_FILE_SUFFIX;
    char  *path = malloc(size);
    if (path != NULL) snprintf(path, size, "%s%s", store_path, WAL_FILE_SUFFIX);
    return path;
}

uint64_t wal_file_offset(const Wal *wal, uint64_t lsn)
{
    return WAL_HEADER_SIZE + lsn % wal->capacity;
}

const char *wal_file_path(const Wal *wal) { return wal->path; }
uint64_t    wal_capacity(const Wal *wal) { return wal->capacity; }
uint64_t    wal_created_lsn(const Wal *wal) { return wal->created_lsn; }
uint64_t    wal_soft_limit(const Wal *wal) { return wal->soft_limit; }
Store      *wal_store(Wal *wal) { return wal->store; }
uint64_t    wal_insert_lsn(Wal *wal) { return atomic_load(&wal->insert_lsn); }
uint64_t    wal_durable_lsn(Wal *wal) { return atomic_load(&wal->durable_lsn); }

/* ---------------------------------------------------------------- flush waiters ---- */

/* WalFlushWaiter: a thread in write_out waiting for a flush led by another. It lives on the
 * waiter's stack; the leader takes it off the list under flush_mutex, sets its outcome and
 * posts its semaphore after unlocking, and never touches it after the post. */
typedef struct WalFlushWaiter {
    uint64_t               need;
    bool                   sync;
    bool                   lead;       /* set by the leader: the waiter leads the next flush */
    sem_t                  sem;
    struct WalFlushWaiter *next;
} WalFlushWaiter;

static void waiter_enqueue_locked(Wal *wal, WalFlushWaiter *waiter)
{
    waiter->next = NULL;
    if (wal->flush_waiters_tail != NULL) {
        wal->flush_waiters_tail->next = waiter;
    } else {
        wal->flush_waiters = waiter;
    }
    wal->flush_waiters_tail = waiter;
}

/* waiters_release_locked: unlink every waiter; returns them for waiters_post. */
static WalFlushWaiter *waiters_release_locked(Wal *wal)
{
    WalFlushWaiter *all = wal->flush_waiters;
    wal->flush_waiters = NULL;
    wal->flush_waiters_tail = NULL;
    return all;
}

/* waiters_post: wake a released chain (after flush_mutex is unlocked: a woken waiter returns
 * without taking it). */
static void waiters_post(WalFlushWaiter *chain)
{
    while (chain != NULL) {
        WalFlushWaiter *next = chain->next;   /* chain is gone once posted */
        sem_post(&chain->sem);
        chain = next;
    }
}

/* waiters_served_locked: unlink the waiters the log now satisfies (their LSN written, or
 * durable if they sync) and return them; the others stay queued in order. */
static WalFlushWaiter *waiters_served_locked(Wal *wal)
{
    uint64_t written = atomic_load(&wal->written_lsn);
    uint64_t durable = atomic_load(&wal->durable_lsn);
    WalFlushWaiter  *served = NULL;
    WalFlushWaiter **link = &wal->flush_waiters;
    wal->flush_waiters_tail = NULL;
    while (*link != NULL) {
        WalFlushWaiter *waiter = *link;
        if ((waiter->sync ? durable : written) >= waiter->need) {
            *link = waiter->next;
            waiter->next = served;
            served = waiter;
        } else {
            wal->flush_waiters_tail = waiter;
            link = &waiter->next;
        }
    }
    return served;
}

/* ---------------------------------------------------------------- failure ---- */

Error *wal_fail(Wal *wal, Error *err)
{
    pthread_mutex_lock(&wal->flush_mutex);
    if (wal->failure == NULL) {
        wal->failure = err_prefix(err, "write-ahead log \"%s\" failed, the database refuses "
                                  "writes until it is reopened", wal->path);
        atomic_store(&wal->failed, true);
    } else {
        err_free(err);
    }
    Error *copy = err_copy(wal->failure);
    WalFlushWaiter *released = waiters_release_locked(wal);
    pthread_mutex_unlock(&wal->flush_mutex);
    waiters_post(released);
    return copy;
}

Error *wal_failure(Wal *wal)
{
    if (!atomic_load(&wal->failed)) return NULL;
    pthread_mutex_lock(&wal->flush_mutex);
    Error *copy = wal->failure != NULL ? err_copy(wal->failure) : NULL;
    pthread_mutex_unlock(&wal->flush_mutex);
    return copy;
}

/* ---------------------------------------------------------------- header ---- */

static void slot_encode(const Wal *wal, uint8_t *slot)
{
    memset(slot, 0, WAL_HEADER_SLOT_SIZE);
    memcpy(slot, WAL_MAGIC, 8);
    enc_u32le(slot + SLOT_OFFSET_VERSION, WAL_FORMAT_VERSION);
    enc_u64le(slot + SLOT_OFFSET_DATABASE_ID, wal->database_id);
    enc_u64le(slot + SLOT_OFFSET_CAPACITY, wal->capacity);
    enc_u64le(slot + SLOT_OFFSET_GENERATION, wal->generation);
    enc_u64le(slot + SLOT_OFFSET_CREATED_LSN, wal->created_lsn);
    enc_u32le(slot + SLOT_OFFSET_CRC, (uint32_t)crc32(0, slot, SLOT_OFFSET_CRC));
}

/* slot_valid: magic and crc match (the fields are then range-checked by the caller). */
static bool slot_valid(const uint8_t *slot)
{
    if (memcmp(slot, WAL_MAGIC, 8) != 0) return false;
    return dec_u32le(slot + SLOT_OFFSET_CRC) == (uint32_t)crc32(0, slot, SLOT_OFFSET_CRC);
}

static Error *header_write(Wal *wal, int slot_idx)
{
    uint8_t slot[WAL_HEADER_SLOT_SIZE];
    slot_encode(wal, slot);
    TRY(file_write(wal->file, slot_idx == 0 ? 0 : WAL_HEADER_SLOT_B, slot, sizeof slot));
    TRY(file_sync(wal->file));
    wal->header_slot_idx = slot_idx;
    return NULL;
}

static Error *corrupt(const Wal *wal, const char *what)
{
    return err_set_hint(err_new(SQLSTATE_DATA_CORRUPTED,
                                "write-ahead log \"%s\" of database \"%s\" is unusable: %s",
                                wal->path, store_path(wal->store), what),
                        "the database was not closed cleanly and its log cannot recover it; "
                        "restore it from a backup");
}

static Error *header_read(Wal *wal)
{
    uint64_t size = 0;
    TRY(file_size(wal->file, &size));
    if (size < WAL_HEADER_SIZE) return corrupt(wal, "the file is shorter than its header");
    uint8_t header[WAL_HEADER_SIZE];
    TRY(file_read(wal->file, 0, header, sizeof header));
    const uint8_t *slots[2] = {header, header + WAL_HEADER_SLOT_B};
    int best_idx = -1;
    for (int slot_idx = 0; slot_idx < 2; slot_idx++) {
        if (!slot_valid(slots[slot_idx])) continue;
        if (best_idx < 0 || dec_u64le(slots[slot_idx] + SLOT_OFFSET_GENERATION) >
                                dec_u64le(slots[best_idx] + SLOT_OFFSET_GENERATION)) {
            best_idx = slot_idx;
        }
    }
    if (best_idx < 0) return corrupt(wal, "it is not a birch write-ahead log");
    const uint8_t *slot = slots[best_idx];
    if (dec_u32le(slot + SLOT_OFFSET_VERSION) != WAL_FORMAT_VERSION) {
        return corrupt(wal, "unsupported log format version");
    }
    if (dec_u64le(slot + SLOT_OFFSET_DATABASE_ID) != wal->database_id) {
        return corrupt(wal, "it belongs to another database (database id differs)");
    }
    uint64_t capacity = dec_u64le(slot + SLOT_OFFSET_CAPACITY);
    if (capacity < WAL_CAPACITY_MIN || capacity > ((uint64_t)1 << 40)) {
        return corrupt(wal, "its capacity is out of range");
    }
    wal->capacity = capacity;
    wal->generation = dec_u64le(slot + SLOT_OFFSET_GENERATION);
    wal->created_lsn = dec_u64le(slot + SLOT_OFFSET_CREATED_LSN);
    wal->header_slot_idx = best_idx;
    wal->file_size = size;
    return NULL;
}

/* ---------------------------------------------------------------- create / open ---- */

static void limits_init(Wal *wal)
{
    uint64_t reserve = wal->capacity / 4;
    if (reserve > ((uint64_t)16 << 20)) reserve = (uint64_t)16 << 20;
    wal->soft_limit = wal->capacity - reserve;
    wal->record_size_max = reserve / 2 < WAL_RECORD_SIZE_MAX ? reserve / 2 : WAL_RECORD_SIZE_MAX;
    uint64_t chunk = wal->capacity / 16;
    if (chunk > ((uint64_t)4 << 20)) chunk = (uint64_t)4 << 20;
    if (chunk < ZERO_CHUNK_SIZE) chunk = ZERO_CHUNK_SIZE;
    wal->extend_chunk = chunk;
}

static void *flusher_main(void *arg);

static void wal_free(Wal *wal)
{
    if (wal == NULL) return;
    file_close(wal->file);
    free(wal->ring);
    free(wal->path);
    if (wal->failure != NULL) err_free(wal->failure);
    pthread_mutex_destroy(&wal->insert_mutex);
    pthread_mutex_destroy(&wal->flush_mutex);
    pthread_mutex_destroy(&wal->extend_mutex);
    pthread_mutex_destroy(&wal->flusher_mutex);
    pthread_cond_destroy(&wal->flusher_cond);
    free(wal);
}

static Error *wal_new(Store *store, const WalOptions *options, Wal **wal_out)
{
    WalOptions defaults = {0};
    if (options == NULL) options = &defaults;
    Wal *wal = calloc(1, sizeof *wal);
    if (wal == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    pthread_mutex_init(&wal->insert_mutex, NULL);
    pthread_mutex_init(&wal->flush_mutex, NULL);
    pthread_mutex_init(&wal->extend_mutex, NULL);
    pthread_mutex_init(&wal->flusher_mutex, NULL);
    pthread_cond_init(&wal->flusher_cond, NULL);
    wal->store = store;
    wal->vfs = store_vfs(store);
    wal->database_id = store_info(store).database_id;
    wal->capacity = options->capacity != 0 ? options->capacity : WAL_CAPACITY_DEFAULT;
    if (wal->capacity < WAL_CAPACITY_MIN) wal->capacity = WAL_CAPACITY_MIN;
    wal->ring_size = options->buffer_size != 0 ? options->buffer_size : WAL_BUFFER_SIZE_DEFAULT;
    if (wal->ring_size < WAL_BUFFER_SIZE_MIN) wal->ring_size = WAL_BUFFER_SIZE_MIN;
    atomic_init(&wal->synchronous_commit, !options->synchronous_commit_off);
    wal->path = wal_path(store_path(store));
    wal->ring = malloc(wal->ring_size);
    if (wal->path == NULL || wal->ring == NULL) {
        wal_free(wal);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    *wal_out = wal;
    return NULL;
}

static Error *flusher_start(Wal *wal)
{
    if (wal->flusher_running) return NULL;
    wal->flusher_stop = false;
    if (pthread_create(&wal->flusher, NULL, flusher_main, wal) != 0) {
        return err_new(SQLSTATE_INSUFFICIENT_RESOURCES, "could not start the log flusher thread");
    }
    wal->flusher_running = true;
    return NULL;
}

static Error *append_begin(Wal *wal, uint64_t lsn)
{
    atomic_store(&wal->insert_lsn, lsn);
    atomic_store(&wal->written_lsn, lsn);
    atomic_store(&wal->durable_lsn, lsn);
    if (atomic_load(&wal->reuse_lsn) == 0) atomic_store(&wal->reuse_lsn, lsn);
    /* The WAL owns the LSNs while it appends: the store's counter is raised to the log's end
     * here, at every checkpoint and at wal_uninstall (store_close writes it to page 0). */
    store_next_lsn_raise(wal->store, lsn);
    wal->appending = true;
    if (!atomic_load(&wal->synchronous_commit)) TRY(flusher_start(wal));
    return NULL;
}

Error *wal_create(Store *store, const WalOptions *options, Wal **wal_out)
{
    Wal *wal = NULL;
    TRY(wal_new(store, options, &wal));
    limits_init(wal);
    uint64_t start_lsn = store_info(store).next_lsn;
    wal->generation = 1;
    wal->created_lsn = start_lsn;
    Error *err = file_open(wal->vfs, wal->path, FILE_OPEN_CREATE, &wal->file);
    if (err == NULL) err = file_truncate(wal->file, 0);
    if (err == NULL) err = file_write(wal->file, 0, ZERO_CHUNK, WAL_HEADER_SIZE);
    if (err == NULL) {
        uint8_t slot[WAL_HEADER_SLOT_SIZE];
        slot_encode(wal, slot);
        err = file_write(wal->file, 0, slot, sizeof slot);
    }
    if (err == NULL) err = file_sync(wal->file);
    if (err == NULL) err = file_sync_dir(wal->vfs, wal->path);
    if (err == NULL) {
        wal->file_size = WAL_HEADER_SIZE;
        err = append_begin(wal, start_lsn);
    }
    if (err != NULL) {
        wal_free(wal);
        return err;
    }
    *wal_out = wal;
    return NULL;
}

Error *wal_open(Store *store, const WalOptions *options, Wal **wal_out)
{
    Wal *wal = NULL;
    TRY(wal_new(store, options, &wal));
    bool   exists = false;
    Error *err = file_exists(wal->vfs, wal->path, &exists);
    if (err == NULL && !exists) err = corrupt(wal, "the log file is missing");
    if (err == NULL) err = file_open(wal->vfs, wal->path, 0, &wal->file);
    if (err == NULL) err = header_read(wal);
    if (err != NULL) {
        wal_free(wal);
        return err;
    }
    limits_init(wal);
    *wal_out = wal;
    return NULL;
}

Error *wal_start_append(Wal *wal, uint64_t end_lsn)
{
    VERIFY(!wal->appending);
    wal->generation++;
    TRY(header_write(wal, 1 - wal->header_slot_idx));
    return append_begin(wal, end_lsn);
}

static void flusher_stop(Wal *wal)
{
    if (!wal->flusher_running) return;
    pthread_mutex_lock(&wal->flusher_mutex);
    wal->flusher_stop = true;
    pthread_cond_signal(&wal->flusher_cond);
    pthread_mutex_unlock(&wal->flusher_mutex);
    pthread_join(wal->flusher, NULL);
    wal->flusher_running = false;
}

Error *wal_close(Wal *wal, bool remove_file)
{
    if (wal == NULL) return NULL;
    flusher_stop(wal);
    if (wal->installed) wal_uninstall(wal);
    Error *err = NULL;
    if (wal->appending && !atomic_load(&wal->failed)) err = wal_flush_all(wal);
    file_close(wal->file);
    wal->file = NULL;
    if (err == NULL && remove_file) {
        err = file_remove(wal->vfs, wal->path);
        if (err == NULL) err = file_sync_dir(wal->vfs, wal->path);
    }
    wal_free(wal);
    return err;
}

void wal_abandon(Wal *wal)
{
    if (wal == NULL) return;
    flusher_stop(wal);
    if (wal->installed) wal_uninstall(wal);
    wal_free(wal);
}

/* ---------------------------------------------------------------- file growth ---- */

/* extend_to: grow the file (zero-filled) to at least size. Zeros, not posix_fallocate: a
 * commit's fdatasync then overwrites written blocks (no unwritten-extent conversion to journal),
 * and on ext4 buffered writes into fallocated extents cost several times more CPU than
 * overwriting the zeroed pages. Pre: extend_mutex held. */
static Error *extend_to(Wal *wal, uint64_t size)
{
    while (wal->file_size < size) {
        uint64_t piece = size - wal->file_size;
        if (piece > ZERO_CHUNK_SIZE) piece = ZERO_CHUNK_SIZE;
        TRY(file_write(wal->file, wal->file_size, ZERO_CHUNK, (size_t)piece));
        wal->file_size += piece;
    }
    return NULL;
}

/* ensure_file: make the file hold [start, end), growing it extend_chunk beyond (the reserve,
 * capped at the full data area). A new log's first record lies at its first LSN's place, up to
 * the whole area in: the bytes before start are only allocated (posix_fallocate, nothing
 * written: the first commit of a reopened database used to zero-fill and sync up to 256 MiB);
 * when the log wraps to them they are zero-filled ahead of its writes like a growth (writing
 * records straight into the unwritten extents made each commit's fdatasync also write the
 * extent conversion). A failure of the reserve alone marks
 * space_short; a failure of [start, end) itself is returned. */
static Error *ensure_file(Wal *wal, uint64_t start, uint64_t end)
{
    uint64_t full = WAL_HEADER_SIZE + wal->capacity;
    pthread_mutex_lock(&wal->extend_mutex);
    Error *err = NULL;
    if (wal->file_size < start) {
        err = file_allocate(wal->file, wal->file_size, start - wal->file_size);
        if (err == NULL) {
            if (wal->gap_end <= wal->gap_zeroed) wal->gap_zeroed = wal->file_size;
            wal->gap_end = start;
            wal->file_size = start;
        }
    }
    if (err == NULL && start < wal->gap_end && end > wal->gap_zeroed) {
        /* the log wrapped into the allocated-only gap: zeros ahead of it, as for growth, so
         * the commits' fdatasyncs overwrite written blocks (no extent conversion to sync) */
        uint64_t want = end + 2 * wal->extend_chunk;
        if (want > wal->gap_end) want = wal->gap_end;
        while (err == NULL && wal->gap_zeroed < want) {
            uint64_t piece = want - wal->gap_zeroed;
            if (piece > ZERO_CHUNK_SIZE) piece = ZERO_CHUNK_SIZE;
            err = file_write(wal->file, wal->gap_zeroed, ZERO_CHUNK, (size_t)piece);
            if (err == NULL) wal->gap_zeroed += piece;
        }
    }
    if (err == NULL && wal->file_size < full && (wal->file_size < end + wal->extend_chunk)) {
        uint64_t want = end + 2 * wal->extend_chunk;
        if (want > full) want = full;
        err = extend_to(wal, want);
        if (err != NULL && err->state == SQLSTATE_DISK_FULL) {
            atomic_store(&wal->space_short, true);
            err_free(err);
            err = wal->file_size >= end ? NULL : extend_to(wal, end);
        } else if (err == NULL) {
            atomic_store(&wal->space_short, false);
        }
    }
    pthread_mutex_unlock(&wal->extend_mutex);
    return err;
}

/* write_range: write the ring's bytes [from, to) to the file (splitting at the ring's and
 * the data area's ends). Runs without mutexes: the range is stable (see the file comment).
 * writeback: start the device writing them (a write without a sync: the commit's sync then
 * waits only for the tail, as PostgreSQL's wal_writer_flush_after does). */
static Error *write_range(Wal *wal, uint64_t from, uint64_t to, bool writeback)
{
    uint64_t lsn = from;
    while (lsn < to) {
        uint64_t ring_offset = lsn % wal->ring_size;
        uint64_t area_offset = lsn % wal->capacity;
        uint64_t size = to - lsn;
        if (size > wal->ring_size - ring_offset) size = wal->ring_size - ring_offset;
        if (size > wal->capacity - area_offset) size = wal->capacity - area_offset;
        TRY(ensure_file(wal, WAL_HEADER_SIZE + area_offset, WAL_HEADER_SIZE + area_offset + size));
        TRY(file_write(wal->file, WAL_HEADER_SIZE + area_offset, wal->ring + ring_offset,
                       (size_t)size));
        if (writeback) file_start_writeback(wal->file, WAL_HEADER_SIZE + area_offset, size);
        lsn += size;
    }
    return NULL;
}

/* flush_lead: as the leader (leader_active set by us, flush_mutex not held), write
 * [written_lsn, insert_lsn) and sync it if sync, publish, then settle the waiters: the ones
 * now satisfied are woken, and if some remain the oldest is handed the leadership (it starts
 * the next flush at once, covering everything appended meanwhile; no thundering herd, no
 * election). fresh: the leader did not wait for an earlier flush, so the commits the previous
 * flush released are still being made: one yield lets them append first. */
static void flush_lead(Wal *wal, bool sync, bool fresh)
{
    if (sync && fresh) {
        /* Committers the previous flush just released are about to append their next COMMIT:
         * one yield lets them in before the target is taken, so the fdatasync serves them too
         * (one cheap syscall against a sync). A leader that was handed over skips it: what
         * arrived during the previous flush is already appended. */
        sched_yield();
    }
    uint64_t from = atomic_load(&wal->written_lsn);
    uint64_t target = atomic_load(&wal->insert_lsn);
    Error *err = NULL;
    if (from < target) {
        err = write_range(wal, from, target, !sync);
        atomic_fetch_add_explicit(&wal->stat_write_count, 1, memory_order_relaxed);
    }
    if (err == NULL && FAILPOINT("wal.flush.before_sync")) {
        err = err_new(SQLSTATE_IO_ERROR, "could not fsync file \"%s\": injected failure",
                      wal->path);
    }
    if (err == NULL && sync) {
        err = file_sync(wal->file);
        atomic_fetch_add_explicit(&wal->stat_sync_count, 1, memory_order_relaxed);
    }
    if (err != NULL) {
        /* a write or sync of the log failed: never retried (the kernel may have dropped the
         * pages), the database refuses writes until reopened */
        err = err_prefix(err, "write-ahead log \"%s\" failed, the database refuses writes "
                         "until it is reopened", wal->path);
    }
    pthread_mutex_lock(&wal->flush_mutex);
    WalFlushWaiter *wake = NULL;
    WalFlushWaiter *next_leader = NULL;
    if (err != NULL) {
        if (wal->failure == NULL) {
            wal->failure = err;
            atomic_store(&wal->failed, true);
        } else {
            err_free(err);
        }
    } else {
        atomic_store(&wal->written_lsn, target);
        if (sync) atomic_store(&wal->durable_lsn, target);
    }
    if (atomic_load(&wal->failed)) {
        wake = waiters_release_locked(wal);   /* every waiter returns the failure */
    } else {
        wake = waiters_served_locked(wal);
        next_leader = wal->flush_waiters;
    }
    if (next_leader != NULL) {
        wal->flush_waiters = next_leader->next;
        if (wal->flush_waiters == NULL) wal->flush_waiters_tail = NULL;
        next_leader->lead = true;             /* leader_active stays set: it is theirs */
        atomic_fetch_add_explicit(&wal->stat_handoff_count, 1, memory_order_relaxed);
    } else {
        wal->leader_active = false;
    }
    pthread_mutex_unlock(&wal->flush_mutex);
    if (next_leader != NULL) sem_post(&next_leader->sem);   /* first: its flush starts sooner */
    waiters_post(wake);
}

/* write_out: make written_lsn >= need (and durable_lsn >= need if sync). Returns only once
 * that holds, or with the Wal's failure. */
static Error *write_out(Wal *wal, uint64_t need, bool sync)
{
    bool counted = false;
    bool fresh = true;
    pthread_mutex_lock(&wal->flush_mutex);
    for (;;) {
        if (wal->failure != NULL) {
            Error *copy = err_copy(wal->failure);
            pthread_mutex_unlock(&wal->flush_mutex);
            return copy;
        }
        uint64_t have = sync ? atomic_load(&wal->durable_lsn) : atomic_load(&wal->written_lsn);
        if (have >= need) break;
        if (!counted) {
            counted = true;
            atomic_fetch_add_explicit(&wal->stat_flush_request_count, 1, memory_order_relaxed);
        }
        bool lead = false;
        if (wal->leader_active) {
            WalFlushWaiter waiter = {.need = need, .sync = sync};
            VERIFY(sem_init(&waiter.sem, 0, 0) == 0);
            waiter_enqueue_locked(wal, &waiter);
            pthread_mutex_unlock(&wal->flush_mutex);
            while (sem_wait(&waiter.sem) != 0) {
                VERIFY(errno == EINTR);
            }
            sem_destroy(&waiter.sem);
            lead = waiter.lead;
            fresh = false;
        } else {
            wal->leader_active = true;
            pthread_mutex_unlock(&wal->flush_mutex);
            lead = true;
        }
        if (lead) flush_lead(wal, sync, fresh);
        /* served, led, or the Wal failed: no mutex on the way out */
        have = sync ? atomic_load(&wal->durable_lsn) : atomic_load(&wal->written_lsn);
        if (have >= need) return NULL;
        if (atomic_load(&wal->failed)) return wal_failure(wal);
        pthread_mutex_lock(&wal->flush_mutex);
    }
    pthread_mutex_unlock(&wal->flush_mutex);
    return NULL;
}

/* write_behind: an appender found WAL_WRITE_BEHIND_SIZE or more of the ring unwritten: write
 * it out now (no sync), while its bytes are still in the CPU caches, unless a flush is already
 * running (that one writes them; nobody waits here). Called without insert_mutex. A write error
 * fails the Wal as any flush's does; the caller's record is appended either way. */
static void write_behind(Wal *wal)
{
    pthread_mutex_lock(&wal->flush_mutex);
    if (wal->leader_active || wal->failure != NULL) {
        pthread_mutex_unlock(&wal->flush_mutex);
        return;
    }
    wal->leader_active = true;
    pthread_mutex_unlock(&wal->flush_mutex);
    flush_lead(wal, false, false);
}

Error *wal_flush(Wal *wal, uint64_t lsn)
{
    if (lsn < atomic_load_explicit(&wal->durable_lsn, memory_order_acquire)) return NULL;
    if (!wal->appending) return NULL;   /* recovery: everything read is on disk already */
    uint64_t insert = atomic_load(&wal->insert_lsn);
    /* a record starting at lsn is durable once durable_lsn passed it */
    uint64_t need = lsn < insert ? lsn + 1 : insert;
    return write_out(wal, need, true);
}

Error *wal_write_all(Wal *wal)
{
    if (!wal->appending) return NULL;
    return write_out(wal, atomic_load(&wal->insert_lsn), false);
}

Error *wal_flush_all(Wal *wal)
{
    if (!wal->appending) return NULL;
    return write_out(wal, atomic_load(&wal->insert_lsn), true);
}

Error *wal_before_write(void *ctx, uint64_t page_lsn)
{
    Wal *wal = ctx;
    if (atomic_load_explicit(&wal->failed, memory_order_relaxed)) return wal_failure(wal);
    TRY(wal_flush(wal, page_lsn));
    /* crash tests: the log is durable, the page not yet written */
    if (FAILPOINT("wal.before_page_write")) {
        return err_new(SQLSTATE_IO_ERROR, "page write refused: injected failure");
    }
    return NULL;
}

Error *wal_commit_wait(Wal *wal, uint64_t lsn)
{
    if (!atomic_load_explicit(&wal->synchronous_commit, memory_order_relaxed)) {
        return wal_failure(wal);
    }
    return wal_flush(wal, lsn);
}

void wal_set_synchronous_commit(Wal *wal, bool on)
{
    atomic_store(&wal->synchronous_commit, on);
    if (!on && wal->appending) {
        Error *err = flusher_start(wal);
        if (err != NULL) {
            /* no background flusher: commits stay synchronous */
            atomic_store(&wal->synchronous_commit, true);
            err_free(err);
        }
    }
}

static void *flusher_main(void *arg)
{
    Wal *wal = arg;
    pthread_mutex_lock(&wal->flusher_mutex);
    while (!wal->flusher_stop) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += WAL_ASYNC_FLUSH_INTERVAL_MS * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&wal->flusher_cond, &wal->flusher_mutex, &deadline);
        if (wal->flusher_stop) break;
        pthread_mutex_unlock(&wal->flusher_mutex);
        if (!atomic_load(&wal->failed)) {
            Error *err = wal_flush_all(wal);
            if (err != NULL) err_free(err);   /* the Wal is failed: commits will see it */
        }
        pthread_mutex_lock(&wal->flusher_mutex);
    }
    pthread_mutex_unlock(&wal->flusher_mutex);
    return NULL;
}

/* ---------------------------------------------------------------- append ---- */

/* ---- the record header (format in wal.h) ---- */

static size_t varint_put(uint8_t *out, uint64_t value)
{
    size_t at = 0;
    while (value >= 0x80) {
        out[at++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    out[at++] = (uint8_t)value;
    return at;
}

/* varint_get: a varint of at most max_bytes from [*at, end); false if it does not end there. */
static bool varint_get(const uint8_t *bytes, size_t end, size_t *at, size_t max_bytes,
                       uint64_t *value_out)
{
    uint64_t value = 0;
    for (size_t byte_idx = 0; byte_idx < max_bytes && *at < end; byte_idx++) {
        uint8_t byte = bytes[(*at)++];
        value |= (uint64_t)(byte & 0x7F) << (7 * byte_idx);
        if ((byte & 0x80) == 0) {
            *value_out = value;
            return true;
        }
    }
    return false;
}

size_t wal_header_build(uint8_t *out, uint64_t lsn, size_t body_size, uint8_t type,
                        uint8_t flags, uint32_t generation, uint64_t xid, uint64_t prev_lsn)
{
    VERIFY(prev_lsn < lsn);   /* a delta that decodes; never from disk */
    uint8_t kind = type;
    if (flags & WAL_FLAG_COMPRESSED) kind |= WAL_KIND_COMPRESSED;
    size_t at = WAL_RECORD_PREFIX_SIZE;
    at += varint_put(out + at, generation);
    if (xid != 0) {
        kind |= WAL_KIND_XID;
        at += varint_put(out + at, xid);
    }
    if (prev_lsn != 0) {
        kind |= WAL_KIND_PREV;
        at += varint_put(out + at, lsn - prev_lsn);
    }
    uint64_t size = at + body_size;
    ASSERT(size <= WAL_RECORD_SIZE_FIELD_MAX);
    enc_u32le(out, 0);
    out[4] = (uint8_t)size;
    out[5] = (uint8_t)(size >> 8);
    out[6] = (uint8_t)(size >> 16);
    out[7] = kind;
    return at;
}

uint32_t wal_header_crc(uint32_t body_crc, const uint8_t *header, size_t header_size,
                        uint64_t lsn)
{
    /* header bytes after the crc field, then the LSN, in one pass */
    uint8_t tail[WAL_RECORD_HEADER_SIZE_MAX - 4 + 8];
    memcpy(tail, header + 4, header_size - 4);
    enc_u64le(tail + header_size - 4, lsn);
    return hash_crc32_fast(body_crc, tail, header_size - 4 + 8);
}

bool wal_header_parse(const uint8_t *stored, size_t avail, uint64_t lsn, WalHeader *out)
{
    if (avail < WAL_RECORD_PREFIX_SIZE) return false;
    uint32_t size = stored[4] | ((uint32_t)stored[5] << 8) | ((uint32_t)stored[6] << 16);
    uint8_t  kind = stored[7];
    uint8_t  type = kind & WAL_KIND_TYPE_MASK;
    if (size < WAL_RECORD_HEADER_SIZE_MIN || (kind & WAL_KIND_RESERVED) != 0) return false;
    if (type < WAL_RECORD_MTR || type > WAL_RECORD_CHECKPOINT) return false;
    size_t   end = avail < size ? avail : size;
    size_t   at = WAL_RECORD_PREFIX_SIZE;
    uint64_t generation = 0;
    uint64_t xid = 0;
    uint64_t prev_delta = 0;
    if (!varint_get(stored, end, &at, 5, &generation) || generation > UINT32_MAX) return false;
    if ((kind & WAL_KIND_XID) && (!varint_get(stored, end, &at, 10, &xid) || xid == 0)) {
        return false;
    }
    if (kind & WAL_KIND_PREV) {
        if (!varint_get(stored, end, &at, 10, &prev_delta)) return false;
        if (prev_delta == 0 || prev_delta >= lsn) return false;
    }
    *out = (WalHeader){
        .crc = dec_u32le(stored),
        .size = size,
        .type = type,
        .flags = (kind & WAL_KIND_COMPRESSED) ? WAL_FLAG_COMPRESSED : 0,
        .generation = (uint32_t)generation,
        .xid = xid,
        .prev_lsn = prev_delta != 0 ? lsn - prev_delta : 0,
        .header_size = at,
    };
    return true;
}

size_t wal_encode_record(uint8_t *out, uint64_t lsn, uint64_t xid, uint64_t prev_lsn,
                         uint8_t type, uint8_t flags, uint32_t generation, const uint8_t *body,
                         size_t body_size)
{
    size_t header_size = wal_header_build(out, lsn, body_size, type, flags, generation, xid,
                                          prev_lsn);
    if (body_size > 0) memcpy(out + header_size, body, body_size);
    uint32_t body_crc = hash_crc32_fast(0, body, body_size);
    enc_u32le(out, wal_header_crc(body_crc, out, header_size, lsn));
    return header_size + body_size;
}

size_t wal_record_header_size(const uint8_t *stored, size_t size)
{
    WalHeader header;
    if (size == 0 || size > WAL_RECORD_SIZE_FIELD_MAX) return 0;
    /* the lsn matters only for the prev_lsn range: any large one decodes the layout */
    if (!wal_header_parse(stored, size, UINT64_MAX, &header)) return 0;
    return header.size == size ? header.header_size : 0;
}

void wal_record_seal(uint8_t *stored, size_t size, uint64_t lsn)
{
    size_t header_size = wal_record_header_size(stored, size);
    VERIFY(header_size > 0);
    uint32_t body_crc = hash_crc32_fast(0, stored + header_size, size - header_size);
    enc_u32le(stored, wal_header_crc(body_crc, stored, header_size, lsn));
}

/* ring_copy: copy bytes to the ring at ring offset (wrapping); returns the offset after them.
 * Pre: insert_mutex held, room made. */
static size_t ring_copy(Wal *wal, size_t offset, const void *bytes, size_t size)
{
    const uint8_t *from = bytes;
    if (size == 0) return offset;   /* bytes may be NULL then */
    if (offset + size <= wal->ring_size) {
        memcpy(wal->ring + offset, from, size);
        offset += size;
        return offset == wal->ring_size ? 0 : offset;
    }
    while (size > 0) {
        size_t piece = wal->ring_size - offset < size ? wal->ring_size - offset : size;
        memcpy(wal->ring + offset, from, piece);
        from += piece;
        offset += piece;
        if (offset == wal->ring_size) offset = 0;
        size -= piece;
    }
    return offset;
}

static Error *limit_error(Wal *wal, uint64_t xid, uint64_t size)
{
    uint64_t used = atomic_load(&wal->insert_lsn) - atomic_load(&wal->reuse_lsn);
    Error   *err = err_new(SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED,
                           "WAL size limit exceeded by transaction %llu", (unsigned long long)xid);
    err = err_set_detail(err, "the log of %llu bytes holds %llu bytes not yet reusable (oldest "
                         "needed LSN %llu); %llu more bytes were needed",
                         (unsigned long long)wal->capacity, (unsigned long long)used,
                         (unsigned long long)atomic_load(&wal->reuse_lsn),
                         (unsigned long long)size);
    return err_set_hint(err, "commit or roll back long transactions, or open the database with "
                        "a larger log");
}

/* A record whose body is at most GATHER_BODY_SIZE_MAX bytes (every ordinary row change) is
 * gathered into one stack buffer laid out as [room for the header][body][header tail][LSN]:
 * the crc (body, then the header's bytes after the crc field, then the LSN: wal.h) is then
 * one pass over contiguous bytes, where the pieces and the header each cost a crc call and a
 * table-driven tail, and the header and body reach the ring in one copy. Larger bodies (full
 * page images) keep their pieces: their crc is taken before insert_mutex. */
enum { GATHER_BODY_SIZE_MAX = 1024 };

/* append_reserve_locked: under insert_mutex, the record's LSN, room in the ring (writing it
 * out if full) and the capacity check; *lsn_out and *header_size_out for a body of body_size,
 * header built into header. On an error the mutex is released. */
static Error *append_reserve_locked(Wal *wal, uint8_t type, uint8_t flags, uint64_t xid,
                                    uint64_t prev_lsn, size_t body_size, uint8_t *header,
                                    size_t *header_size_out, uint64_t *lsn_out)
{
    if (atomic_load_explicit(&wal->failed, memory_order_relaxed)) {
        pthread_mutex_unlock(&wal->insert_mutex);
        return wal_failure(wal);
    }
    uint64_t lsn = atomic_load_explicit(&wal->insert_lsn, memory_order_relaxed);
    size_t   header_size = wal_header_build(header, lsn, body_size, type, flags,
                                            (uint32_t)wal->generation, xid, prev_lsn);
    uint64_t size = header_size + body_size;
    if (lsn + size - atomic_load(&wal->reuse_lsn) > wal->capacity) {
        pthread_mutex_unlock(&wal->insert_mutex);
        /* the record cannot be written: an mtr's pages are already changed in memory */
        return wal_fail(wal, limit_error(wal, xid, size));
    }
    if (lsn + size - atomic_load(&wal->written_lsn) > wal->ring_size) {
        Error *err = write_out(wal, lsn + size - wal->ring_size, false);
        if (err != NULL) {
            pthread_mutex_unlock(&wal->insert_mutex);
            return err;
        }
    }
    *header_size_out = header_size;
    *lsn_out = lsn;
    return NULL;
}

/* append_publish_locked: the record of size bytes at lsn is in the ring: advance insert_lsn,
 * count it, release insert_mutex. */
static void append_publish_locked(Wal *wal, uint64_t lsn, uint64_t size, bool is_mtr)
{
    if (is_mtr) atomic_fetch_add_explicit(&wal->inflight_count, 1, memory_order_relaxed);
    atomic_store_explicit(&wal->insert_lsn, lsn + size, memory_order_release);
    /* counted under the mutex: plain loads and stores, no locked read-modify-write */
    atomic_store_explicit(&wal->stat_record_count,
                          atomic_load_explicit(&wal->stat_record_count, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&wal->stat_byte_count,
                          atomic_load_explicit(&wal->stat_byte_count, memory_order_relaxed) + size,
                          memory_order_relaxed);
    pthread_mutex_unlock(&wal->insert_mutex);
}

/* append_gathered: wal_append_record for a body of body_size <= GATHER_BODY_SIZE_MAX. */
static Error *append_gathered(Wal *wal, uint8_t type, uint8_t flags, uint64_t xid,
                              uint64_t prev_lsn, const WalPiece *pieces, int piece_count,
                              size_t body_size, bool is_mtr, uint64_t *lsn_out)
{
    uint8_t  buffer[WAL_RECORD_HEADER_SIZE_MAX + GATHER_BODY_SIZE_MAX + WAL_RECORD_HEADER_SIZE_MAX
                    + 8];
    uint8_t *body = buffer + WAL_RECORD_HEADER_SIZE_MAX;
    size_t   at = 0;
    for (int piece_idx = 0; piece_idx < piece_count; piece_idx++) {
        if (pieces[piece_idx].size == 0) continue;
        memcpy(body + at, pieces[piece_idx].data, pieces[piece_idx].size);
        at += pieces[piece_idx].size;
    }
    ASSERT(at == body_size);
    uint8_t  header[WAL_RECORD_HEADER_SIZE_MAX];
    size_t   header_size = 0;
    uint64_t lsn = 0;
    pthread_mutex_lock(&wal->insert_mutex);
    TRY(append_reserve_locked(wal, type, flags, xid, prev_lsn, body_size, header, &header_size,
                              &lsn));
    /* crc input: body, header after its crc field, LSN */
    uint8_t *tail = body + body_size;
    memcpy(tail, header + 4, header_size - 4);
    enc_u64le(tail + header_size - 4, lsn);
    enc_u32le(header, hash_crc32_fast(0, body, body_size + header_size - 4 + 8));
    uint8_t *record = body - header_size;
    memcpy(record, header, header_size);
    uint64_t size = header_size + body_size;
    (void)ring_copy(wal, (size_t)(lsn % wal->ring_size), record, (size_t)size);
    append_publish_locked(wal, lsn, size, is_mtr);
    *lsn_out = lsn;
    return NULL;
}

/* append_pieces: wal_append_record for a larger body: its crc is taken before the mutex; the
 * crc runs over the body first, then the header and the LSN (wal.h), so only the few header
 * bytes are crc'd under it. */
static Error *append_pieces(Wal *wal, uint8_t type, uint8_t flags, uint64_t xid,
                            uint64_t prev_lsn, const WalPiece *pieces, int piece_count,
                            size_t body_size, bool is_mtr, uint64_t *lsn_out)
{
    uint32_t body_crc = 0;
    for (int piece_idx = 0; piece_idx < piece_count; piece_idx++) {
        if (pieces[piece_idx].size == 0) continue;
        body_crc = hash_crc32_fast(body_crc, pieces[piece_idx].data, pieces[piece_idx].size);
    }
    uint8_t  header[WAL_RECORD_HEADER_SIZE_MAX];
    size_t   header_size = 0;
    uint64_t lsn = 0;
    pthread_mutex_lock(&wal->insert_mutex);
    TRY(append_reserve_locked(wal, type, flags, xid, prev_lsn, body_size, header, &header_size,
                              &lsn));
    enc_u32le(header, wal_header_crc(body_crc, header, header_size, lsn));
    size_t at = ring_copy(wal, (size_t)(lsn % wal->ring_size), header, header_size);
    for (int piece_idx = 0; piece_idx < piece_count; piece_idx++) {
        at = ring_copy(wal, at, pieces[piece_idx].data, pieces[piece_idx].size);
    }
    append_publish_locked(wal, lsn, header_size + body_size, is_mtr);
    *lsn_out = lsn;
    return NULL;
}

Error *wal_append_record(Wal *wal, uint8_t type, uint8_t flags, uint64_t xid, uint64_t prev_lsn,
                         const WalPiece *pieces, int piece_count, bool is_mtr, uint64_t *lsn_out)
{
    VERIFY(wal->appending);
    size_t body_size = 0;
    for (int piece_idx = 0; piece_idx < piece_count; piece_idx++) {
        body_size += pieces[piece_idx].size;
    }
    if (body_size + WAL_RECORD_HEADER_SIZE_MAX > wal->record_size_max) {
        return wal_fail(wal, err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                                     "log record of %llu bytes exceeds the maximum %llu",
                                     (unsigned long long)(body_size + WAL_RECORD_HEADER_SIZE_MAX),
                                     (unsigned long long)wal->record_size_max));
    }
    if (body_size <= GATHER_BODY_SIZE_MAX) {
        TRY(append_gathered(wal, type, flags, xid, prev_lsn, pieces, piece_count, body_size,
                            is_mtr, lsn_out));
    } else {
        TRY(append_pieces(wal, type, flags, xid, prev_lsn, pieces, piece_count, body_size, is_mtr,
                          lsn_out));
    }
    if (atomic_load_explicit(&wal->insert_lsn, memory_order_relaxed) -
            atomic_load_explicit(&wal->written_lsn, memory_order_relaxed) >=
        WAL_WRITE_BEHIND_SIZE) {
        write_behind(wal);
    }
    return NULL;
}

Error *wal_append_txn(Wal *wal, WalRecordType type, uint64_t xid, uint64_t prev_lsn,
                      const void *payload, size_t payload_size, uint64_t *lsn_out)
{
    VERIFY(type == WAL_RECORD_COMMIT || type == WAL_RECORD_ABORT || type == WAL_RECORD_END);
    VERIFY(payload_size <= WAL_TXN_PAYLOAD_SIZE_MAX);
    WalPiece piece = {.data = payload, .size = payload_size};
    return wal_append_record(wal, (uint8_t)type, 0, xid, prev_lsn, &piece, 1, false, lsn_out);
}

Error *wal_append_checkpoint(Wal *wal, const void *body, size_t body_size, uint64_t *lsn_out)
{
    WalPiece piece = {.data = body, .size = body_size};
    return wal_append_record(wal, WAL_RECORD_CHECKPOINT, 0, 0, 0, &piece, 1, false, lsn_out);
}

uint64_t wal_quiesce_lsn(Wal *wal)
{
    pthread_mutex_lock(&wal->insert_mutex);
    uint64_t lsn = atomic_load(&wal->insert_lsn);
    /* mtrs that got an LSN stamp their pages and mark them dirty without taking any lock we
     * hold; new ones wait for insert_mutex. */
    for (int spin_idx = 0; atomic_load(&wal->inflight_count) > 0; spin_idx++) {
        if (spin_idx < 100) {
            sched_yield();
        } else {
            nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 50000}, NULL);
        }
    }
    pthread_mutex_unlock(&wal->insert_mutex);
    return lsn;
}

/* ---------------------------------------------------------------- space ---- */

void wal_set_space_hook(Wal *wal, Error *(*hook)(void *ctx), void *ctx)
{
    wal->space_hook = hook;
    wal->space_hook_ctx = ctx;
}

void wal_set_reuse_lsn(Wal *wal, uint64_t lsn)
{
    uint64_t seen = atomic_load(&wal->reuse_lsn);
    while (seen < lsn && !atomic_compare_exchange_weak(&wal->reuse_lsn, &seen, lsn)) {
    }
}

static bool over_soft_limit(Wal *wal)
{
    return atomic_load(&wal->insert_lsn) - atomic_load(&wal->reuse_lsn) > wal->soft_limit;
}

Error *wal_check_space(Wal *wal, uint64_t xid)
{
    if (atomic_load(&wal->failed)) return wal_failure(wal);
    if (atomic_load(&wal->space_short)) {
        pthread_mutex_lock(&wal->extend_mutex);
        uint64_t full = WAL_HEADER_SIZE + wal->capacity;
        uint64_t want = wal->file_size + 2 * wal->extend_chunk;
        if (want > full) want = full;
        Error *err = extend_to(wal, want);
        if (err == NULL) atomic_store(&wal->space_short, false);
        pthread_mutex_unlock(&wal->extend_mutex);
        if (err != NULL) {
            return err_set_hint(err_prefix(err, "could not extend the write-ahead log"),
                                "free disk space; committed data is safe");
        }
    }
    /* The hook (a checkpoint) recycles the log up to where it began; other threads may have
     * filled that room again while it ran (each page's first change after the checkpoint's
     * flush logs a full image). Try again while checkpoints still move the reuse LSN, so only
     * a log held by open transactions gives 53400, not a busy one; a count of tries is not
     * that bound (a loaded machine lost eight rounds in a row), a minute of them is. */
    if (!over_soft_limit(wal)) return NULL;   /* every operation: no clock read */
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    while (over_soft_limit(wal) && wal->space_hook != NULL) {
        uint64_t reuse_before = atomic_load(&wal->reuse_lsn);
        TRY(wal->space_hook(wal->space_hook_ctx));
        if (atomic_load(&wal->reuse_lsn) == reuse_before) break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - started.tv_sec >= WAL_SPACE_WAIT_SECONDS) break;
    }
    if (over_soft_limit(wal)) return limit_error(wal, xid, 0);
    return NULL;
}

WalStats wal_stats(Wal *wal)
{
    return (WalStats){
        .record_count = atomic_load(&wal->stat_record_count),
        .byte_count = atomic_load(&wal->stat_byte_count),
        .fpi_count = atomic_load(&wal->stat_fpi_count),
        .compressed_count = atomic_load(&wal->stat_compressed_count),
        .flush_request_count = atomic_load(&wal->stat_flush_request_count),
        .sync_count = atomic_load(&wal->stat_sync_count),
        .write_count = atomic_load(&wal->stat_write_count),
        .handoff_count = atomic_load(&wal->stat_handoff_count),
        .insert_lsn = atomic_load(&wal->insert_lsn),
        .durable_lsn = atomic_load(&wal->durable_lsn),
        .reuse_lsn = atomic_load(&wal->reuse_lsn),
        .capacity = wal->capacity,
    };
}
