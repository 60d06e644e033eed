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
};

struct Checkpointer {
    Store           *store;
    Wal             *wal;
    CkptOptions      options;
    pthread_mutex_t  run_mutex;          /* one checkpoint at a time */
    uint64_t         last_checkpoint_lsn;
    _Atomic uint64_t last_insert_lsn;    /* the log's end when the last checkpoint started */
    _Atomic uint64_t count;

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

/* flush_old: write the dirty pages whose rec LSN is before lsn. */
static Error *flush_old(BufPool *pool, uint64_t lsn, size_t *written_out)
{
    size_t       room = bp_frame_count(pool);
    BpDirtyPage *pages = malloc(room * sizeof *pages);
    if (pages == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    size_t count = bp_dirty_pages(pool, pages, room);
    if (count > room) count = room;
    Error *err = NULL;
    for (size_t page_idx = 0; page_idx < count && err == NULL; page_idx++) {
        if (pages[page_idx].rec_lsn >= lsn) continue;
        err = bp_flush_page(pool, pages[page_idx].page_id);
        (*written_out)++;
    }
    free(pages);
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

static Error *run_locked(Checkpointer *ckpt, CkptFlush flush, CkptReport *report)
{
    Wal     *wal = ckpt->wal;
    BufPool *pool = store_pool(ckpt->store);
    TRY(wal_failure(wal));
    uint64_t start = wal_quiesce_lsn(wal);
    if (flush == CKPT_FLUSH_ALL) {
        TRY(bp_flush_all(pool));
    } else if (flush == CKPT_FLUSH_OLD && ckpt->last_checkpoint_lsn != 0) {
        TRY(flush_old(pool, ckpt->last_checkpoint_lsn, &report->pages_written));
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
    if (err == NULL) err = file_sync(store_file(ckpt->store));
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
    *report = (CkptReport){.checkpoint_lsn = checkpoint_lsn, .redo_lsn = redo_lsn,
                           .reuse_lsn = reuse_lsn, .dirty_page_count = page_count,
                           .active_txn_count = txn_count,
                           .pages_written = report->pages_written};
    return NULL;
}

Error *ckpt_run(Checkpointer *ckpt, CkptFlush flush, CkptReport *report_out)
{
    CkptReport report = {0};
    pthread_mutex_lock(&ckpt->run_mutex);
    Error *err = run_locked(ckpt, flush, &report);
    pthread_mutex_unlock(&ckpt->run_mutex);
    if (report_out != NULL) *report_out = report;
    return err;
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
        Error *err = ckpt_run(ckpt, CKPT_FLUSH_OLD, NULL);
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
