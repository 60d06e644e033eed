/* txn/ckpt.c: fuzzy checkpoints and the checkpointer thread (contract and steps in ckpt.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/failpoint.h"
#include "txn/ckpt.h"

enum {
    CKPT_INTERVAL_MS_DEFAULT = 60000,
    CKPT_POLL_MS = 20,
    CKPT_TXN_SIZE = 32,
    CKPT_PAGE_SIZE = 12,
    CKPT_FIXED_SIZE = 24,
    CKPT_TRAILER_SIZE = 8,   /* u64 dpt_lsn after the tables (absent in older bodies) */
    CKPT_TXN_COUNT_MAX = 1 << 20,
    PACE_SLEEP_US_MAX = 10000,       /* a paced writer re-checks hurry at least this often */
    PACE_WAIT_MAX = 1000000,         /* sleeps between two batches (bound; ~hours) */
    ROLLBACK_SLACK = 512,            /* per active transaction: its newest record, a bound */
};

/* Pace: the budgets of a paced write (budget_seconds <= 0: full speed). */
typedef struct Pace {
    double   budget_seconds;
    uint64_t budget_wal_bytes;       /* 0: no log budget */
} Pace;

struct Checkpointer {
    Store           *store;
    Wal             *wal;
    CkptOptions      options;
    pthread_mutex_t  run_mutex;          /* one checkpoint at a time */
    uint64_t         last_checkpoint_lsn;
    _Atomic uint64_t last_insert_lsn;    /* the log's end when the last checkpoint started */
    _Atomic uint64_t count;
    atomic_int       hurry;              /* > 0: someone waits for run_mutex, or destroy */
    _Atomic uint64_t room_check_lsn;     /* below this insert LSN the rollback room is sure */

    pthread_mutex_t  fn_mutex;
    CkptActiveTxnFn  active_fn;
    void            *active_ctx;
    CkptNextXidFn    next_xid_fn;
    void            *next_xid_ctx;

    pthread_mutex_t  thread_mutex;
    pthread_cond_t   thread_cond;
    pthread_t        thread;
    bool             thread_running;
    bool             thread_stop;
};

/* ---------------------------------------------------------------- body ---- */

static Error *active_txns(Checkpointer *ckpt, CkptTxn **txns_out, size_t *count_out)
{
    *txns_out = NULL;
    *count_out = 0;
    pthread_mutex_lock(&ckpt->fn_mutex);
    CkptActiveTxnFn fn = ckpt->active_fn;
    void           *ctx = ckpt->active_ctx;
    pthread_mutex_unlock(&ckpt->fn_mutex);
    if (fn == NULL) return NULL;
    size_t room = 64;
    for (int attempt_idx = 0; attempt_idx < 8; attempt_idx++) {
        CkptTxn *txns = malloc(room * sizeof *txns);
        if (txns == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        size_t count = fn(ctx, txns, room);
        if (count <= room) {
            *txns_out = txns;
            *count_out = count;
            return NULL;
        }
        free(txns);
        if (count > CKPT_TXN_COUNT_MAX) break;
        room = count * 2;
    }
    return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "too many active transactions for a checkpoint");
}

static uint8_t *body_encode(uint64_t redo_lsn, uint64_t dpt_lsn, uint64_t next_xid,
                            const CkptTxn *txns, size_t txn_count, const BpDirtyPage *pages,
                            size_t page_count, size_t *size_out)
{
    size_t   size = CKPT_FIXED_SIZE + txn_count * CKPT_TXN_SIZE + page_count * CKPT_PAGE_SIZE +
                  CKPT_TRAILER_SIZE;
    uint8_t *body = malloc(size);
    if (body == NULL) return NULL;
    enc_u64le(body, redo_lsn);
    enc_u64le(body + 8, next_xid);
    enc_u32le(body + 16, (uint32_t)txn_count);
    enc_u32le(body + 20, (uint32_t)page_count);
    uint8_t *at = body + CKPT_FIXED_SIZE;
    for (size_t txn_idx = 0; txn_idx < txn_count; txn_idx++, at += CKPT_TXN_SIZE) {
        enc_u64le(at, txns[txn_idx].xid);
        enc_u64le(at + 8, txns[txn_idx].first_lsn);
        enc_u64le(at + 16, txns[txn_idx].last_lsn);
        enc_u64le(at + 24, txns[txn_idx].undo_next_lsn);
    }
    for (size_t page_idx = 0; page_idx < page_count; page_idx++, at += CKPT_PAGE_SIZE) {
        enc_u32le(at, pages[page_idx].page_id);
        enc_u64le(at + 4, pages[page_idx].rec_lsn);
    }
    enc_u64le(at, dpt_lsn);
    *size_out = size;
    return body;
}

Error *ckpt_body_decode(const uint8_t *body, size_t body_size, CkptRecord *record_out)
{
    memset(record_out, 0, sizeof *record_out);
    if (body_size < CKPT_FIXED_SIZE) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "checkpoint record too short");
    }
    size_t txn_count = dec_u32le(body + 16);
    size_t page_count = dec_u32le(body + 20);
    size_t tables_size = CKPT_FIXED_SIZE + txn_count * CKPT_TXN_SIZE + page_count * CKPT_PAGE_SIZE;
    if (txn_count > body_size || page_count > body_size ||
        (body_size != tables_size && body_size != tables_size + CKPT_TRAILER_SIZE)) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "checkpoint record size does not match its counts");
    }
    record_out->dpt_lsn = body_size > tables_size ? dec_u64le(body + tables_size) : 0;
    record_out->redo_lsn = dec_u64le(body);
    record_out->next_xid = dec_u64le(body + 8);
    record_out->txns = malloc((txn_count + 1) * sizeof *record_out->txns);
    record_out->pages = malloc((page_count + 1) * sizeof *record_out->pages);
    if (record_out->txns == NULL || record_out->pages == NULL) {
        ckpt_record_free(record_out);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    const uint8_t *at = body + CKPT_FIXED_SIZE;
    for (size_t txn_idx = 0; txn_idx < txn_count; txn_idx++, at += CKPT_TXN_SIZE) {
        record_out->txns[txn_idx] = (CkptTxn){.xid = dec_u64le(at),
                                              .first_lsn = dec_u64le(at + 8),
                                              .last_lsn = dec_u64le(at + 16),
                                              .undo_next_lsn = dec_u64le(at + 24)};
    }
    for (size_t page_idx = 0; page_idx < page_count; page_idx++, at += CKPT_PAGE_SIZE) {
        record_out->pages[page_idx] = (CkptPage){.page_id = dec_u32le(at),
                                                 .rec_lsn = dec_u64le(at + 4)};
    }
    record_out->txn_count = txn_count;
    record_out->page_count = page_count;
    return NULL;
}

void ckpt_record_free(CkptRecord *record)
{
    free(record->txns);
    free(record->pages);
    record->txns = NULL;
    record->pages = NULL;
}

/* ---------------------------------------------------------------- one checkpoint ---- */

static double now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static int page_id_compare(const void *left, const void *right)
{
    PageId left_id = ((const BpDirtyPage *)left)->page_id;
    PageId right_id = ((const BpDirtyPage *)right)->page_id;
    return left_id < right_id ? -1 : left_id > right_id;
}

/* pace_wait: after a batch, sleep while progress (share of the pages written) is ahead of the
 * schedule: the larger of the time used and the log appended, each against its budget. */
static void pace_wait(Checkpointer *ckpt, const Pace *pace, double progress, double start,
                      uint64_t start_lsn, CkptReport *report)
{
    if (pace->budget_seconds <= 0) return;
    for (int wait_idx = 0; wait_idx < PACE_WAIT_MAX; wait_idx++) {
        if (atomic_load(&ckpt->hurry) > 0) return;
        double schedule = (now_seconds() - start) / pace->budget_seconds;
        if (pace->budget_wal_bytes > 0) {
            uint64_t appended = wal_insert_lsn(ckpt->wal) - start_lsn;
            double   wal_share = (double)appended / (double)pace->budget_wal_bytes;
            if (wal_share > schedule) schedule = wal_share;
        }
        if (progress <= schedule) return;
        double sleep_us = (progress - schedule) * pace->budget_seconds * 1e6;
        if (sleep_us > PACE_SLEEP_US_MAX) sleep_us = PACE_SLEEP_US_MAX;
        if (sleep_us < 100) sleep_us = 100;
        nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = (long)(sleep_us * 1000)}, NULL);
        report->sleep_ms += sleep_us / 1e3;
    }
}

/* write_pages: write the dirty pages whose rec LSN is before lsn_limit in ascending page id,
 * CKPT_WRITE_BATCH at a time, paced by pace, syncing the file every CKPT_SYNC_STEP_PAGES. */
static Error *write_pages(Checkpointer *ckpt, uint64_t lsn_limit, const Pace *pace,
                          CkptReport *report)
{
    BufPool     *pool = store_pool(ckpt->store);
    size_t       room = bp_frame_count(pool);
    BpDirtyPage *pages = malloc(room * sizeof *pages);
    if (pages == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    size_t count = bp_dirty_pages(pool, pages, room);
    if (count > room) count = room;   /* cannot exceed the frame count */
    size_t keep = 0;
    for (size_t page_idx = 0; page_idx < count; page_idx++) {
        if (pages[page_idx].rec_lsn < lsn_limit) pages[keep++] = pages[page_idx];
    }
    qsort(pages, keep, sizeof *pages, page_id_compare);
    double   start = now_seconds();
    uint64_t start_lsn = wal_insert_lsn(ckpt->wal);
    size_t   unsynced = 0;
    Error   *err = NULL;
    size_t   page_idx = 0;
    while (page_idx < keep && err == NULL) {
        size_t batch_end = page_idx + CKPT_WRITE_BATCH < keep ? page_idx + CKPT_WRITE_BATCH : keep;
        for (; page_idx < batch_end && err == NULL; page_idx++) {
            err = bp_flush_page(pool, pages[page_idx].page_id);
            report->pages_written++;
            unsynced++;
        }
        if (err == NULL && unsynced >= CKPT_SYNC_STEP_PAGES && page_idx < keep) {
            /* in steps, so the final sync does not carry the whole checkpoint */
            err = file_sync(store_file(ckpt->store));
            report->sync_count++;
            unsynced = 0;
        }
        if (err == NULL) pace_wait(ckpt, pace, (double)page_idx / (double)keep, start, start_lsn,
                                   report);
    }
    free(pages);
    report->write_ms = (now_seconds() - start) * 1e3;
    return err;
}

static uint64_t next_xid_now(Checkpointer *ckpt)
{
    pthread_mutex_lock(&ckpt->fn_mutex);
    CkptNextXidFn fn = ckpt->next_xid_fn;
    void         *ctx = ckpt->next_xid_ctx;
    pthread_mutex_unlock(&ckpt->fn_mutex);
    return fn != NULL ? fn(ctx) : store_info(ckpt->store).next_xid;
}

static Error *run_locked(Checkpointer *ckpt, CkptFlush flush, const Pace *pace,
                         CkptReport *report)
{
    Wal     *wal = ckpt->wal;
    BufPool *pool = store_pool(ckpt->store);
    TRY(wal_failure(wal));
    uint64_t start = wal_quiesce_lsn(wal);
    if (flush == CKPT_FLUSH_ALL && pace->budget_seconds <= 0) {
        TRY(bp_flush_all(pool));
        report->sync_count++;
    } else if (flush == CKPT_FLUSH_ALL) {
        TRY(write_pages(ckpt, UINT64_MAX, pace, report));
    } else if (flush == CKPT_FLUSH_OLD && ckpt->last_checkpoint_lsn != 0) {
        TRY(write_pages(ckpt, ckpt->last_checkpoint_lsn, pace, report));
    }
    if (FAILPOINT("ckpt.after_flush")) {
        return err_new(SQLSTATE_IO_ERROR, "checkpoint failed: injected failure");
    }
    size_t       room = bp_frame_count(pool);
    BpDirtyPage *pages = malloc(room * sizeof *pages);
    if (pages == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    size_t page_count = bp_dirty_pages(pool, pages, room);
    if (page_count > room) page_count = room;   /* cannot exceed the frame count */
    CkptTxn *txns = NULL;
    size_t   txn_count = 0;
    Error   *err = active_txns(ckpt, &txns, &txn_count);
    uint64_t redo_lsn = start;
    uint64_t reuse_lsn = start;
    for (size_t page_idx = 0; page_idx < page_count; page_idx++) {
        if (pages[page_idx].rec_lsn < redo_lsn) redo_lsn = pages[page_idx].rec_lsn;
    }
    reuse_lsn = redo_lsn;
    for (size_t txn_idx = 0; txn_idx < txn_count; txn_idx++) {
        uint64_t first = txns[txn_idx].first_lsn;
        if (first != 0 && first < reuse_lsn) reuse_lsn = first;
    }
    uint64_t next_xid = next_xid_now(ckpt);
    size_t   body_size = 0;
    /* the table is exact for changes before start: every mtr that got an LSN below it had
     * marked its pages dirty before the table was copied */
    uint8_t *body = err == NULL ? body_encode(redo_lsn, start, next_xid, txns, txn_count, pages,
                                              page_count, &body_size)
                                : NULL;
    if (err == NULL && body == NULL) err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    free(pages);
    free(txns);
    /* every page written so far reaches the disk before the slot can move redo past it */
    if (err == NULL) {
        err = file_sync(store_file(ckpt->store));
        report->sync_count++;
    }
    uint64_t checkpoint_lsn = 0;
    if (err == NULL) err = wal_append_checkpoint(wal, body, body_size, &checkpoint_lsn);
    free(body);
    if (err == NULL) err = wal_flush(wal, checkpoint_lsn);
    if (err == NULL && FAILPOINT("ckpt.before_slot")) {
        err = err_new(SQLSTATE_IO_ERROR, "checkpoint failed: injected failure");
    }
    if (err == NULL) {
        store_next_lsn_raise(ckpt->store, wal_insert_lsn(wal));
        StoreCheckpoint slot = {.checkpoint_lsn = checkpoint_lsn, .redo_lsn = redo_lsn,
                                .next_xid = next_xid, .next_lsn = wal_insert_lsn(wal)};
        err = store_write_checkpoint(ckpt->store, &slot);
    }
    if (err != NULL) return err;
    wal_set_reuse_lsn(wal, reuse_lsn);
    ckpt->last_checkpoint_lsn = checkpoint_lsn;
    atomic_store(&ckpt->last_insert_lsn, start);
    atomic_fetch_add(&ckpt->count, 1);
    report->checkpoint_lsn = checkpoint_lsn;
    report->redo_lsn = redo_lsn;
    report->reuse_lsn = reuse_lsn;
    report->dirty_page_count = page_count;
    report->active_txn_count = txn_count;
    return NULL;
}

Error *ckpt_run(Checkpointer *ckpt, CkptFlush flush, CkptReport *report_out)
{
    CkptReport report = {0};
    Pace       pace = {0};
    /* a paced checkpoint that holds run_mutex finishes at full speed while we wait */
    atomic_fetch_add(&ckpt->hurry, 1);
    pthread_mutex_lock(&ckpt->run_mutex);
    atomic_fetch_sub(&ckpt->hurry, 1);
    Error *err = run_locked(ckpt, flush, &pace, &report);
    pthread_mutex_unlock(&ckpt->run_mutex);
    if (report_out != NULL) *report_out = report;
    return err;
}

Error *ckpt_run_paced(Checkpointer *ckpt, CkptFlush flush, double budget_seconds,
                      uint64_t budget_wal_bytes, CkptReport *report_out)
{
    CkptReport report = {0};
    Pace       pace = {.budget_seconds = budget_seconds, .budget_wal_bytes = budget_wal_bytes};
    pthread_mutex_lock(&ckpt->run_mutex);
    Error *err = run_locked(ckpt, flush, &pace, &report);
    pthread_mutex_unlock(&ckpt->run_mutex);
    if (report_out != NULL) *report_out = report;
    return err;
}

/* ---------------------------------------------------------------- rollback room ---- */

/* rollback_need: an upper bound of the log the active transactions wrote (what their
 * rollbacks may need again): the smaller of the sum of their spans and the oldest's span. */
static Error *rollback_need(Checkpointer *ckpt, uint64_t insert_lsn, uint64_t *need_out,
                            uint64_t *oldest_first_out)
{
    CkptTxn *txns = NULL;
    size_t   txn_count = 0;
    TRY(active_txns(ckpt, &txns, &txn_count));
    uint64_t span_sum = 0;
    uint64_t oldest_first = insert_lsn;
    for (size_t txn_idx = 0; txn_idx < txn_count; txn_idx++) {
        uint64_t first = txns[txn_idx].first_lsn;
        uint64_t last = txns[txn_idx].last_lsn;
        if (first == 0 || first > insert_lsn) continue;
        if (first < oldest_first) oldest_first = first;
        span_sum += (last > first ? last - first : 0) + ROLLBACK_SLACK;
    }
    free(txns);
    uint64_t oldest_span = insert_lsn - oldest_first + (txn_count > 0 ? ROLLBACK_SLACK : 0);
    *need_out = span_sum < oldest_span ? span_sum : oldest_span;
    *oldest_first_out = oldest_first;
    return NULL;
}

Error *ckpt_check_rollback_room(Checkpointer *ckpt, uint64_t xid)
{
    /* the fast path of every logged change: one load (the reuse LSN never moves back, so a
     * threshold computed from an older one is only conservative) */
    if (wal_insert_lsn(ckpt->wal) < atomic_load_explicit(&ckpt->room_check_lsn,
                                                         memory_order_relaxed)) {
        return NULL;
    }
    uint64_t soft = wal_soft_limit(ckpt->wal);
    WalStats stats = wal_stats(ckpt->wal);
    /* the records of every active transaction lie in [reuse, insert): at most half the soft
     * limit in use leaves room for all of their rollbacks */
    if (2 * (stats.insert_lsn - stats.reuse_lsn) <= soft) {
        uint64_t check_lsn = stats.reuse_lsn + soft / 2;
        uint64_t seen = atomic_load(&ckpt->room_check_lsn);
        while (seen < check_lsn &&
               !atomic_compare_exchange_weak(&ckpt->room_check_lsn, &seen, check_lsn)) {
        }
        return NULL;
    }
    uint64_t need = 0;
    uint64_t oldest_first = 0;
    TRY(rollback_need(ckpt, stats.insert_lsn, &need, &oldest_first));
    if (stats.insert_lsn - stats.reuse_lsn + need <= soft) return NULL;
    if (oldest_first > stats.reuse_lsn + soft / 16) {
        /* a checkpoint can recycle the log before the oldest active transaction */
        TRY(ckpt_run(ckpt, CKPT_FLUSH_ALL, NULL));
        stats = wal_stats(ckpt->wal);
        TRY(rollback_need(ckpt, stats.insert_lsn, &need, &oldest_first));
        if (stats.insert_lsn - stats.reuse_lsn + need <= soft) return NULL;
    }
    Error *err = err_new(SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED,
                         "WAL size limit exceeded by transaction %llu", (unsigned long long)xid);
    err = err_set_detail(err, "the log of %llu bytes holds %llu bytes not yet reusable and must "
                         "keep room for up to %llu bytes of rollback of the open transactions",
                         (unsigned long long)stats.capacity,
                         (unsigned long long)(stats.insert_lsn - stats.reuse_lsn),
                         (unsigned long long)need);
    return err_set_hint(err, "commit or roll back long transactions, or open the database with "
                        "a larger log");
}

uint64_t ckpt_count(Checkpointer *ckpt) { return atomic_load(&ckpt->count); }

static Error *space_hook(void *ctx)
{
    return ckpt_run(ctx, CKPT_FLUSH_ALL, NULL);
}

/* ---------------------------------------------------------------- thread ---- */

static bool due(Checkpointer *ckpt, uint64_t elapsed_ms)
{
    if (elapsed_ms >= (uint64_t)ckpt->options.interval_ms) return true;
    WalStats stats = wal_stats(ckpt->wal);
    double   used = (double)(stats.insert_lsn - stats.reuse_lsn);
    double   fresh = (double)(stats.insert_lsn - atomic_load(&ckpt->last_insert_lsn));
    /* past the fraction, and enough new log that another checkpoint can move things */
    return used > ckpt->options.wal_fraction * (double)stats.capacity &&
           fresh > (double)stats.capacity / 16;
}

static uint64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

/* the thread's budgets: completion_target of the interval and of the log that makes the next
 * checkpoint due (the fraction of the capacity) */
static double thread_target(const Checkpointer *ckpt)
{
    double target = ckpt->options.completion_target;
    if (target == 0) return 0.5;
    return target >= 1 ? 0.9 : target;
}

static double thread_budget_seconds(const Checkpointer *ckpt)
{
    double target = thread_target(ckpt);
    return target < 0 ? 0 : target * (double)ckpt->options.interval_ms / 1e3;
}

static uint64_t thread_budget_wal_bytes(Checkpointer *ckpt)
{
    double target = thread_target(ckpt);
    if (target < 0) return 0;
    double bytes = target * ckpt->options.wal_fraction * (double)wal_capacity(ckpt->wal);
    return bytes < 1 ? 1 : (uint64_t)bytes;
}

static void *thread_main(void *arg)
{
    Checkpointer *ckpt = arg;
    uint64_t      last_ms = now_ms();
    pthread_mutex_lock(&ckpt->thread_mutex);
    while (!ckpt->thread_stop) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += CKPT_POLL_MS * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&ckpt->thread_cond, &ckpt->thread_mutex, &deadline);
        if (ckpt->thread_stop) break;
        if (!due(ckpt, now_ms() - last_ms)) continue;
        pthread_mutex_unlock(&ckpt->thread_mutex);
        (void)FAILPOINT("ckpt.thread.begin");
        Error *err = ckpt_run_paced(ckpt, CKPT_FLUSH_OLD, thread_budget_seconds(ckpt),
                                    thread_budget_wal_bytes(ckpt), NULL);
        /* a failed checkpoint leaves the previous one valid; the Wal reports its own failure
         * to writers */
        if (err != NULL) err_free(err);
        last_ms = now_ms();
        pthread_mutex_lock(&ckpt->thread_mutex);
    }
    pthread_mutex_unlock(&ckpt->thread_mutex);
    return NULL;
}

Error *ckpt_create(Store *store, Wal *wal, const CkptOptions *options, Checkpointer **ckpt_out)
{
    Checkpointer *ckpt = calloc(1, sizeof *ckpt);
    if (ckpt == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    ckpt->store = store;
    ckpt->wal = wal;
    if (options != NULL) ckpt->options = *options;
    if (ckpt->options.interval_ms <= 0) ckpt->options.interval_ms = CKPT_INTERVAL_MS_DEFAULT;
    if (ckpt->options.wal_fraction <= 0) ckpt->options.wal_fraction = 0.5;
    atomic_init(&ckpt->last_insert_lsn, wal_insert_lsn(wal));
    atomic_init(&ckpt->hurry, 0);
    atomic_init(&ckpt->room_check_lsn, 0);
    pthread_mutex_init(&ckpt->run_mutex, NULL);
    pthread_mutex_init(&ckpt->fn_mutex, NULL);
    pthread_mutex_init(&ckpt->thread_mutex, NULL);
    pthread_cond_init(&ckpt->thread_cond, NULL);
    wal_set_space_hook(wal, space_hook, ckpt);
    if (ckpt->options.start_thread) {
        if (pthread_create(&ckpt->thread, NULL, thread_main, ckpt) != 0) {
            ckpt_destroy(ckpt);
            return err_new(SQLSTATE_INSUFFICIENT_RESOURCES,
                           "could not start the checkpointer thread");
        }
        ckpt->thread_running = true;
    }
    *ckpt_out = ckpt;
    return NULL;
}

void ckpt_destroy(Checkpointer *ckpt)
{
    if (ckpt == NULL) return;
    if (ckpt->thread_running) {
        atomic_fetch_add(&ckpt->hurry, 1);   /* a paced checkpoint in progress ends quickly */
        pthread_mutex_lock(&ckpt->thread_mutex);
        ckpt->thread_stop = true;
        pthread_cond_signal(&ckpt->thread_cond);
        pthread_mutex_unlock(&ckpt->thread_mutex);
        pthread_join(ckpt->thread, NULL);
    }
    wal_set_space_hook(ckpt->wal, NULL, NULL);
    pthread_mutex_destroy(&ckpt->run_mutex);
    pthread_mutex_destroy(&ckpt->fn_mutex);
    pthread_mutex_destroy(&ckpt->thread_mutex);
    pthread_cond_destroy(&ckpt->thread_cond);
    free(ckpt);
}

void ckpt_set_active_txn_fn(Checkpointer *ckpt, CkptActiveTxnFn fn, void *ctx)
{
    pthread_mutex_lock(&ckpt->fn_mutex);
    ckpt->active_fn = fn;
    ckpt->active_ctx = ctx;
    pthread_mutex_unlock(&ckpt->fn_mutex);
}

void ckpt_set_next_xid_fn(Checkpointer *ckpt, CkptNextXidFn fn, void *ctx)
{
    pthread_mutex_lock(&ckpt->fn_mutex);
    ckpt->next_xid_fn = fn;
    ckpt->next_xid_ctx = ctx;
    pthread_mutex_unlock(&ckpt->fn_mutex);
}
