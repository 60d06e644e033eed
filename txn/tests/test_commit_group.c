/* txn/tests/test_commit_group.c: group commit (txn/wal.c write_out): many threads committing
 * at once, each commit's record durable when its wal_commit_wait returns (checked by a VFS
 * wrapper that knows which bytes of the log a completed fdatasync covered); the hand-over of
 * the leadership to the oldest waiter left after a flush (one flush per batch, no election);
 * a failed fdatasync reaches every waiter of its batch (58030 for each, none returns success)
 * and the leader that synced before it keeps its success. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/failpoint.h"
#include "common/hash.h"
#include "storage/file.h"
#include "txn/recov.h"
#include "txn/wal.h"
#include "wrap_vfs.h"

#define ck_assert_ok(expr)                                                           \
    do {                                                                             \
        Error *err_ok_ = (expr);                                                     \
        ck_assert_msg(err_ok_ == NULL, "%s failed: %s (%s)", #expr,                  \
                      err_ok_ != NULL ? err_ok_->message : "",                       \
                      err_ok_ != NULL ? sqlstate_code(err_ok_->state) : "");         \
    } while (0)

static const char *const DB = "db.birch";
static const char *const WAL_FILE = "db.birch-wal";
static const char *const FP_BEFORE_SYNC = "wal.flush.before_sync";

enum {
    CAPACITY = 8 << 20,
    PAYLOAD_SIZE_MAX = 200,
    PAYLOAD_BUFFER_SIZE = 4096,
    RANGE_COUNT_MAX = 1 << 16,
};

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double      scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static int scaled(int count)
{
    int result = (int)(count * test_scale());
    return result < 10 ? 10 : result;
}

/* ---- DurVfs: the fault VFS, plus which bytes of the log file a completed sync covered ---- */

typedef struct Range {
    uint64_t offset;
    uint64_t size;
} Range;

typedef struct DurVfs {
    WrapVfs         wrap;           /* first: files' vfs pointers are this */
    pthread_mutex_t mutex;
    uint8_t        *durable;        /* one byte per byte of the log file: 1 = synced */
    uint8_t        *unwritten;      /* 1: allocated by file_allocate, never written */
    atomic_ulong    unwritten_record_writes;   /* non-zero data written into such bytes */
    uint64_t        durable_size;
    Range          *pending;        /* log writes completed, not yet covered by a sync */
    int             pending_count;
    atomic_int      sync_delay_us;  /* widens batches: each log sync sleeps this long */
    atomic_ulong    sync_count;
} DurVfs;


static Error *dur_write(File *file, uint64_t offset, const void *buffer, size_t size)
{
    DurVfs *dur = (DurVfs *)file->vfs;
    Error  *err = file_write(wrap_inner(file), offset, buffer, size);
    if (err != NULL || !wrap_tagged(file)) return err;
    pthread_mutex_lock(&dur->mutex);
    ck_assert_uint_le(offset + size, dur->durable_size);
    bool zeros = true;
    for (size_t at = 0; zeros && at < size; at++) zeros = ((const uint8_t *)buffer)[at] == 0;
    bool into_unwritten = false;
    for (size_t at = 0; !into_unwritten && at < size; at++) {
        into_unwritten = dur->unwritten[offset + at] != 0;
    }
    if (into_unwritten && !zeros) atomic_fetch_add(&dur->unwritten_record_writes, 1);
    memset(dur->unwritten + offset, 0, size);
    memset(dur->durable + offset, 0, size);   /* overwritten: not durable until synced */
    ck_assert_int_lt(dur->pending_count, RANGE_COUNT_MAX);
    dur->pending[dur->pending_count++] = (Range){.offset = offset, .size = size};
    pthread_mutex_unlock(&dur->mutex);
    return NULL;
}

static Error *dur_sync(File *file)
{
    DurVfs *dur = (DurVfs *)file->vfs;
    if (!wrap_tagged(file)) return file_sync(wrap_inner(file));
    pthread_mutex_lock(&dur->mutex);
    int covered = dur->pending_count;   /* writes completed before the sync began */
    pthread_mutex_unlock(&dur->mutex);
    int delay_us = atomic_load(&dur->sync_delay_us);
    if (delay_us > 0) {
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = delay_us * 1000L}, NULL);
    }
    Error *err = file_sync(wrap_inner(file));
    atomic_fetch_add(&dur->sync_count, 1);
    if (err != NULL) return err;
    pthread_mutex_lock(&dur->mutex);
    for (int range_idx = 0; range_idx < covered; range_idx++) {
        memset(dur->durable + dur->pending[range_idx].offset, 1, dur->pending[range_idx].size);
    }
    memmove(dur->pending, dur->pending + covered,
            (size_t)(dur->pending_count - covered) * sizeof *dur->pending);
    dur->pending_count -= covered;
    pthread_mutex_unlock(&dur->mutex);
    return NULL;
}

/* dur_allocate: the inner file grows (zeros); for the log, the new bytes count as allocated
 * but unwritten, as posix_fallocate leaves them. */
static Error *dur_allocate(File *file, uint64_t offset, uint64_t size)
{
    DurVfs  *dur = (DurVfs *)file->vfs;
    uint64_t old_size = 0;
    TRY(file_size(wrap_inner(file), &old_size));
    TRY(file_allocate(wrap_inner(file), offset, size));
    if (wrap_tagged(file) && offset + size > old_size) {
        uint64_t from = offset > old_size ? offset : old_size;
        pthread_mutex_lock(&dur->mutex);
        ck_assert_uint_le(offset + size, dur->durable_size);
        memset(dur->unwritten + from, 1, offset + size - from);
        pthread_mutex_unlock(&dur->mutex);
    }
    return NULL;
}

static Error *dur_truncate(File *file, uint64_t size)
{
    DurVfs *dur = (DurVfs *)file->vfs;
    if (wrap_tagged(file) && size < dur->durable_size) {
        pthread_mutex_lock(&dur->mutex);
        memset(dur->unwritten + size, 0, dur->durable_size - size);
        memset(dur->durable + size, 0, dur->durable_size - size);
        pthread_mutex_unlock(&dur->mutex);
    }
    return file_truncate(wrap_inner(file), size);
}
static const FileOps DUR_FILE_OPS = {
    .read = wrap_read, .write = dur_write, .sync = dur_sync, .size = wrap_size,
    .truncate = dur_truncate, .allocate = dur_allocate, .lock = wrap_lock, .close = wrap_close,
};

static DurVfs *dur_create(uint64_t seed)
{
    DurVfs *dur = calloc(1, sizeof *dur);
    ck_assert_ptr_nonnull(dur);
    wrap_vfs_init(&dur->wrap, vfs_fault_create(seed), &DUR_FILE_OPS, WAL_FILE);
    pthread_mutex_init(&dur->mutex, NULL);
    dur->durable_size = WAL_HEADER_SIZE + (uint64_t)CAPACITY;
    dur->durable = calloc(1, dur->durable_size);
    dur->unwritten = calloc(1, dur->durable_size);
    ck_assert_ptr_nonnull(dur->unwritten);
    dur->pending = calloc(RANGE_COUNT_MAX, sizeof *dur->pending);
    ck_assert_ptr_nonnull(dur->durable);
    ck_assert_ptr_nonnull(dur->pending);
    return dur;
}

static void dur_destroy(DurVfs *dur)
{
    vfs_fault_destroy(dur->wrap.inner);
    pthread_mutex_destroy(&dur->mutex);
    free(dur->durable);
    free(dur->unwritten);
    free(dur->pending);
    free(dur);
}

/* dur_record_durable: the first bytes of the record at lsn (its prefix and payload_size more,
 * all inside the record) are covered by a completed sync. */
static bool dur_record_durable(DurVfs *dur, Wal *wal, uint64_t lsn, size_t payload_size)
{
    uint64_t size = WAL_RECORD_PREFIX_SIZE + payload_size;
    bool     durable = true;
    pthread_mutex_lock(&dur->mutex);
    for (uint64_t at = 0; durable && at < size; at++) {
        uint64_t offset = wal_file_offset(wal, lsn + at);   /* a record may wrap the area */
        durable = offset < dur->durable_size && dur->durable[offset] != 0;
    }
    pthread_mutex_unlock(&dur->mutex);
    return durable;
}

static RecovDb *open_db(DurVfs *dur)
{
    RecovOptions options = {
        .store = {.vfs = &dur->wrap.base, .create = true, .pool_size = 1 << 20},
        .wal = {.capacity = CAPACITY},
    };
    RecovDb *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    return db;
}

static RecovDb *reopen_db(DurVfs *dur)
{
    RecovOptions options = {
        .store = {.vfs = &dur->wrap.base, .pool_size = 1 << 20},
        .wal = {.capacity = CAPACITY},
    };
    RecovDb *db = NULL;
    ck_assert_ok(recov_open(DB, &options, &db, NULL));
    return db;
}

/* ---- committers ---- */

typedef struct Committer {
    DurVfs     *dur;
    Wal        *wal;
    int         commit_count;     /* < 0: commit until the first error */
    size_t      payload_max;      /* payloads of 0..payload_max - 1 bytes; 0: PAYLOAD_SIZE_MAX */
    uint64_t    xid_base;
    int         ok_count;
    int         not_durable_count;
    SqlState    error_state;      /* of the first error; 0 if none */
    bool        appended_then_failed;
} Committer;

static void *committer_main(void *arg)
{
    Committer *committer = arg;
    for (int commit_idx = 0; committer->commit_count < 0 || commit_idx < committer->commit_count;
         commit_idx++) {
        uint64_t xid = committer->xid_base + (uint64_t)commit_idx;
        uint8_t  payload[PAYLOAD_BUFFER_SIZE];
        size_t   payload_max = committer->payload_max != 0 ? committer->payload_max
                                                            : PAYLOAD_SIZE_MAX;
        size_t   payload_size = (size_t)(hash_u64(xid) % payload_max);
        memset(payload, (int)(xid & 0xFF), payload_size);
        uint64_t lsn = 0;
        Error   *err = wal_append_txn(committer->wal, WAL_RECORD_COMMIT, xid, 0, payload,
                                      payload_size, &lsn);
        bool appended = err == NULL;
        if (err == NULL) err = wal_commit_wait(committer->wal, lsn);
        if (err != NULL) {
            committer->error_state = err->state;
            committer->appended_then_failed = appended;
            err_free(err);
            return NULL;
        }
        committer->ok_count++;
        if (!dur_record_durable(committer->dur, committer->wal, lsn, payload_size)) {
            committer->not_durable_count++;
        }
    }
    return NULL;
}

static void committer_start(Committer *committer, pthread_t *thread)
{
    ck_assert_int_eq(pthread_create(thread, NULL, committer_main, committer), 0);
}

/* ---- tests ---- */

START_TEST(test_commit_each_durable_when_returned)
{
    DurVfs  *dur = dur_create(31);
    RecovDb *db = open_db(dur);
    Wal     *wal = recov_wal(db);
    enum { THREADS = 12 };
    Committer committers[THREADS];
    pthread_t threads[THREADS];
    int       per_thread = scaled(300);
    WalStats  before = wal_stats(wal);
    for (int round = 0; round < 2; round++) {
        /* round 0: syncs as fast as the fault VFS; round 1: slow syncs (big batches) */
        atomic_store(&dur->sync_delay_us, round == 0 ? 0 : 300);
        for (int thread_idx = 0; thread_idx < THREADS; thread_idx++) {
            committers[thread_idx] = (Committer){
                .dur = dur, .wal = wal, .commit_count = per_thread,
                .xid_base = (uint64_t)(round * THREADS + thread_idx) * 1000000 + 1};
            committer_start(&committers[thread_idx], &threads[thread_idx]);
        }
        for (int thread_idx = 0; thread_idx < THREADS; thread_idx++) {
            pthread_join(threads[thread_idx], NULL);
            ck_assert_int_eq(committers[thread_idx].error_state, 0);
            ck_assert_int_eq(committers[thread_idx].ok_count, per_thread);
            ck_assert_int_eq(committers[thread_idx].not_durable_count, 0);
        }
    }
    WalStats after = wal_stats(wal);
    uint64_t commits = 2 * (uint64_t)THREADS * (uint64_t)per_thread;
    uint64_t syncs = after.sync_count - before.sync_count;
    fprintf(stderr, "group commit: %llu commits, %llu fsyncs, %llu hand-overs\n",
            (unsigned long long)commits, (unsigned long long)syncs,
            (unsigned long long)(after.handoff_count - before.handoff_count));
    ck_assert_uint_gt(syncs, 0);
    ck_assert_uint_lt(syncs, commits);   /* shared */
    ck_assert_uint_eq(after.durable_lsn, after.insert_lsn);
    ck_assert_ok(recov_close(db));
    dur_destroy(dur);
}
END_TEST

/* The leader parks before its fdatasync; 7 committers queue behind it. Its sync succeeds (it
 * alone is served), the oldest waiter is handed the leadership and flushes the other 7 in one
 * batch, whose fdatasync fails: every one of the 7 gets 58030, none returns success. */
START_TEST(test_commit_handoff_and_failed_sync_reaches_batch)
{
    DurVfs  *dur = dur_create(32);
    RecovDb *db = open_db(dur);
    Wal     *wal = recov_wal(db);
    enum { WAITERS = 7 };
    WalStats  before = wal_stats(wal);
    fp_set(FP_BEFORE_SYNC, FP_ACTION_PARK, 0, 1);
    Committer leader = {.dur = dur, .wal = wal, .commit_count = 1, .xid_base = 1};
    pthread_t leader_thread;
    committer_start(&leader, &leader_thread);
    ck_assert(fp_wait_parked(FP_BEFORE_SYNC, 10000));
    /* the leader's sync (the first from now) works, the next one fails */
    vfs_fault_inject(dur->wrap.inner, WAL_FILE, FAULT_SYNC_EIO, 1, 1);
    Committer waiters[WAITERS];
    pthread_t threads[WAITERS];
    for (int waiter_idx = 0; waiter_idx < WAITERS; waiter_idx++) {
        waiters[waiter_idx] = (Committer){.dur = dur, .wal = wal, .commit_count = 1,
                                          .xid_base = 100 + (uint64_t)waiter_idx};
        committer_start(&waiters[waiter_idx], &threads[waiter_idx]);
    }
    /* every one of them counted a flush request: queued behind the parked leader */
    for (int wait_idx = 0; wait_idx < 10000; wait_idx++) {
        if (wal_stats(wal).flush_request_count >= before.flush_request_count + 1 + WAITERS) break;
        usleep(1000);
    }
    ck_assert_uint_eq(wal_stats(wal).flush_request_count,
                      before.flush_request_count + 1 + WAITERS);
    ck_assert_uint_eq(wal_stats(wal).sync_count, before.sync_count);   /* nobody synced yet */
    fp_release(FP_BEFORE_SYNC);
    pthread_join(leader_thread, NULL);
    ck_assert_int_eq(leader.error_state, 0);
    ck_assert_int_eq(leader.ok_count, 1);
    ck_assert_int_eq(leader.not_durable_count, 0);
    for (int waiter_idx = 0; waiter_idx < WAITERS; waiter_idx++) {
        pthread_join(threads[waiter_idx], NULL);
        ck_assert_int_eq(waiters[waiter_idx].ok_count, 0);
        ck_assert_int_eq(waiters[waiter_idx].error_state, SQLSTATE_IO_ERROR);
        ck_assert(waiters[waiter_idx].appended_then_failed);
    }
    WalStats after = wal_stats(wal);
    ck_assert_uint_eq(after.sync_count - before.sync_count, 2);     /* one per batch */
    ck_assert_uint_eq(after.handoff_count - before.handoff_count, 1);
    ck_assert_uint_lt(after.durable_lsn, after.insert_lsn);
    /* failed: later commits are refused at once */
    Committer late = {.dur = dur, .wal = wal, .commit_count = 1, .xid_base = 900};
    committer_main(&late);
    ck_assert_int_eq(late.error_state, SQLSTATE_IO_ERROR);
    ck_assert(!late.appended_then_failed);
    Error *close_err = recov_close(db);
    ck_assert_ptr_nonnull(close_err);
    ck_assert_int_eq(close_err->state, SQLSTATE_IO_ERROR);
    err_free(close_err);
    fp_clear_all();
    dur_destroy(dur);
}
END_TEST

/* A failure while many threads commit continuously: each thread ends with 58030, and every
 * commit that returned success before it was durable. */
START_TEST(test_commit_failure_under_load_reaches_everyone)
{
    DurVfs  *dur = dur_create(33);
    RecovDb *db = open_db(dur);
    Wal     *wal = recov_wal(db);
    enum { THREADS = 8 };
    atomic_store(&dur->sync_delay_us, 2000);
    vfs_fault_inject(dur->wrap.inner, WAL_FILE, FAULT_SYNC_EIO, (uint64_t)scaled(20), 1);
    Committer committers[THREADS];
    pthread_t threads[THREADS];
    for (int thread_idx = 0; thread_idx < THREADS; thread_idx++) {
        committers[thread_idx] = (Committer){.dur = dur, .wal = wal, .commit_count = -1,
                                             .xid_base = (uint64_t)thread_idx * 1000000 + 1};
        committer_start(&committers[thread_idx], &threads[thread_idx]);
    }
    int appended_then_failed = 0;
    for (int thread_idx = 0; thread_idx < THREADS; thread_idx++) {
        pthread_join(threads[thread_idx], NULL);
        ck_assert_int_eq(committers[thread_idx].error_state, SQLSTATE_IO_ERROR);
        ck_assert_int_eq(committers[thread_idx].not_durable_count, 0);
        appended_then_failed += committers[thread_idx].appended_then_failed;
    }
    /* the failed batch had waiters besides its leader (each sync sleeps 2 ms) */
    ck_assert_int_ge(appended_then_failed, 2);
    Error *close_err = recov_close(db);
    ck_assert_ptr_nonnull(close_err);
    err_free(close_err);
    dur_destroy(dur);
}
END_TEST

/* A clean reopen creates a new log whose first record lies ~5 MiB into the area: the bytes
 * before it are only allocated. Committing through the wrap into them, no record is written
 * into never-written (unwritten-extent) bytes: the log zero-fills ahead of itself there, and
 * every commit is durable when it returns. */
START_TEST(test_commit_wrap_into_allocated_gap_writes_zeros_first)
{
    DurVfs  *dur = dur_create(34);
    RecovDb *db = open_db(dur);
    enum { THREADS = 4 };
    Committer committers[THREADS];
    pthread_t threads[THREADS];
    /* ~5.4 MiB of commits (~2 KiB each on average) before the reopen, ~6.4 MiB after */
    int       per_thread = 680;
    for (int round = 0; round < 2; round++) {
        Wal     *wal = recov_wal(db);
        WalStats before = wal_stats(wal);
        for (int thread_idx = 0; thread_idx < THREADS; thread_idx++) {
            committers[thread_idx] = (Committer){
                .dur = dur, .wal = wal, .commit_count = per_thread + round * 130,
                .payload_max = PAYLOAD_BUFFER_SIZE,
                .xid_base = (uint64_t)(round * THREADS + thread_idx) * 1000000 + 1};
            committer_start(&committers[thread_idx], &threads[thread_idx]);
        }
        for (int thread_idx = 0; thread_idx < THREADS; thread_idx++) {
            pthread_join(threads[thread_idx], NULL);
            ck_assert_int_eq(committers[thread_idx].error_state, 0);
            ck_assert_int_eq(committers[thread_idx].not_durable_count, 0);
        }
        WalStats after = wal_stats(wal);
        if (round == 1) {
            /* it wrapped: more than the area from its first LSN's place to the area's end */
            uint64_t first_place = before.insert_lsn % CAPACITY;
            ck_assert_uint_gt(first_place, 4 << 20);
            ck_assert_uint_gt(after.insert_lsn - before.insert_lsn, CAPACITY - first_place);
        }
        unsigned long unwritten_record_writes = atomic_load(&dur->unwritten_record_writes);
        ck_assert_uint_eq(unwritten_record_writes, 0);
        ck_assert_ok(recov_close(db));
        if (round == 0) {
            db = reopen_db(dur);
            /* the new log's first write allocates its gap: those bytes are unwritten */
            uint64_t lsn = 0;
            ck_assert_ok(wal_append_txn(recov_wal(db), WAL_RECORD_COMMIT, 7, 0, NULL, 0, &lsn));
            ck_assert_ok(wal_commit_wait(recov_wal(db), lsn));
            pthread_mutex_lock(&dur->mutex);
            uint64_t unwritten_count = 0;
            for (uint64_t at = 0; at < dur->durable_size; at++) unwritten_count += dur->unwritten[at];
            pthread_mutex_unlock(&dur->mutex);
            ck_assert_uint_gt(unwritten_count, 4 << 20);
        }
    }
    dur_destroy(dur);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("commit_group");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_commit_each_durable_when_returned);
    tcase_add_test(tcase, test_commit_handoff_and_failed_sync_reaches_batch);
    tcase_add_test(tcase, test_commit_failure_under_load_reaches_everyone);
    tcase_add_test(tcase, test_commit_wrap_into_allocated_gap_writes_zeros_first);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
