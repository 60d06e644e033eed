/* txn/ckpt.h: fuzzy checkpoints and the checkpointer thread.
 *
 * A checkpoint: (1) start = wal_quiesce_lsn (every mtr before it has marked its pages dirty);
 * (2) optionally write dirty pages (all of them for a forced or sharp checkpoint; those whose
 * recovery LSN is older than the previous checkpoint for a timed one, so the log behind stays
 * bounded); (3) take the dirty page table (bp_dirty_pages) and the active transaction table
 * (the callback the transaction manager registers; empty until then); redo LSN = min(start,
 * every rec LSN); (4) sync the database file, so every page written before is durable (a page
 * write torn by a power cut is then always inside the redo range, which holds its image);
 * (5) append the CHECKPOINT record and flush it; (6) store_write_checkpoint (page 0 slot);
 * (7) the log is reusable behind min(redo LSN, oldest active transaction's first LSN).
 *
 * Triggers: the checkpointer thread runs one every interval_ms, and sooner when the log holds
 * more than wal_fraction of its capacity; wal_check_space forces one (all pages written) when
 * the log passes its soft limit. One checkpoint runs at a time.
 *
 * Paced writes (ckpt_run_paced, and every checkpoint of the thread): step (2) writes the pages
 * in ascending page id, CKPT_WRITE_BATCH at a time, and after each batch sleeps while it is
 * ahead of schedule: progress (pages written / pages to write) may not pass the larger of the
 * time used / the time budget and the log appended since the start / the log budget (what
 * PostgreSQL's checkpoint_completion_target does). The thread's budgets are completion_target
 * times interval_ms and times the log that makes the next checkpoint due. The database file is
 * synced after every CKPT_SYNC_STEP_PAGES pages written and once at the end (step 4), so no
 * single fsync carries the whole checkpoint. A forced checkpoint that arrives meanwhile (the
 * space hook) and ckpt_destroy make the paced one finish at full speed. Page writes go through
 * bp_flush_page: the page is copied under a shared latch, the latch is dropped before the
 * before-write hook (the WAL rule) and the write; no lock of the log is held across I/O.
 *
 * Rollback room (ckpt_check_rollback_room, called by the transaction manager before each
 * logged change, after wal_check_space): a rollback logs compensation records about as large
 * as the records it undoes, and the log cannot recycle anything an active transaction still
 * needs. So a change is refused with 53400 once the log in use plus an upper bound of the log
 * every active transaction wrote (the smaller of the sum of their LSN spans and the span of
 * the oldest) passes the soft limit: every open transaction can then still roll back, and
 * writes resume once they ended and a checkpoint moved the reuse LSN.
 *
 * Invariants:
 * 1. A checkpoint slot is written only after its CHECKPOINT record is durable.
 * 2. redo LSN <= the LSN of every change not yet on disk when the slot is written.
 * 3. The reuse LSN never passes the first LSN of a transaction the callback reports active. */
#ifndef BIRCH_TXN_CKPT_H
#define BIRCH_TXN_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/store.h"
#include "txn/wal.h"

typedef struct Checkpointer Checkpointer;

/* CkptTxn: one active transaction as the checkpoint records it. */
typedef struct CkptTxn {
    uint64_t xid;
    uint64_t first_lsn;       /* its first record (0: none yet) */
    uint64_t last_lsn;        /* its last record */
    uint64_t undo_next_lsn;   /* where its undo continues (last_lsn unless rolling back) */
} CkptTxn;

/* CkptActiveTxnFn: fill up to count_max active transactions (every transaction from before
 * its first record until after its END/COMMIT record is appended) and return how many there
 * are (more than count_max: called again with room). */
typedef size_t (*CkptActiveTxnFn)(void *ctx, CkptTxn *txns_out, size_t count_max);
/* CkptNextXidFn: the next transaction id to record (default: page 0's next xid). */
typedef uint64_t (*CkptNextXidFn)(void *ctx);

typedef struct CkptOptions {
    bool   start_thread;      /* run the checkpointer thread */
    int    interval_ms;       /* 0: 60000 */
    double wal_fraction;      /* 0: 0.5 */
    double completion_target; /* the thread's paced writes: share of the budgets; 0: 0.5;
                               * >= 1 means 0.9; negative: no pacing (write at full speed) */
} CkptOptions;

enum {
    CKPT_WRITE_BATCH = 32,            /* pages written between two pacing decisions */
    CKPT_SYNC_STEP_PAGES = 4096,      /* 32 MiB: the database file is synced after as many */
};

typedef struct CkptReport {
    uint64_t checkpoint_lsn;
    uint64_t redo_lsn;
    uint64_t reuse_lsn;
    size_t   dirty_page_count;
    size_t   active_txn_count;
    size_t   pages_written;
    size_t   sync_count;        /* syncs of the database file */
    double   write_ms;          /* step (2), pauses included */
    double   sleep_ms;          /* pacing pauses */
} CkptReport;

typedef enum CkptFlush {
    CKPT_FLUSH_NONE,          /* purely fuzzy */
    CKPT_FLUSH_OLD,           /* write pages dirty since before the previous checkpoint */
    CKPT_FLUSH_ALL,           /* write every dirty page (forced and sharp checkpoints) */
} CkptFlush;

/* ckpt_create: a checkpointer for store + wal; installs wal's space hook (a CKPT_FLUSH_ALL
 * checkpoint) and starts the thread if asked. Errors: OUT_OF_MEMORY, thread creation. */
Error *ckpt_create(Store *store, Wal *wal, const CkptOptions *options, Checkpointer **ckpt_out);
/* ckpt_destroy: stop the thread, remove the space hook, free. No checkpoint is taken. */
void   ckpt_destroy(Checkpointer *ckpt);
void   ckpt_set_active_txn_fn(Checkpointer *ckpt, CkptActiveTxnFn fn, void *ctx);
void   ckpt_set_next_xid_fn(Checkpointer *ckpt, CkptNextXidFn fn, void *ctx);
/* ckpt_run: take one checkpoint now (steps in the file comment). Errors: the Wal's failure,
 * I/O errors of page writes or syncs (the previous checkpoint stays valid). */
Error *ckpt_run(Checkpointer *ckpt, CkptFlush flush, CkptReport *report_out);
/* ckpt_run_paced: ckpt_run with step (2) paced (file comment): its page writes spread over
 * about budget_seconds, or less when the log grows by budget_wal_bytes first (0: no log
 * budget). Errors: as ckpt_run. */
Error *ckpt_run_paced(Checkpointer *ckpt, CkptFlush flush, double budget_seconds,
                      uint64_t budget_wal_bytes, CkptReport *report_out);
/* ckpt_check_rollback_room: 53400 (CONFIGURATION_LIMIT_EXCEEDED) "WAL size limit exceeded by
 * transaction xid" if the log could no longer hold the rollback of every active transaction
 * (file comment); runs a checkpoint first when one could recycle log before the oldest active
 * transaction. Pre: no latch held. Errors: 53400; the checkpoint's errors. */
Error *ckpt_check_rollback_room(Checkpointer *ckpt, uint64_t xid);
/* ckpt_count: checkpoints completed (tests). */
uint64_t ckpt_count(Checkpointer *ckpt);

/* ckpt_body_decode: parse a CHECKPOINT record body (recovery). Arrays are malloc'd (free them);
 * DATA_CORRUPTED if malformed. */
typedef struct CkptPage {
    PageId   page_id;
    uint64_t rec_lsn;
} CkptPage;
typedef struct CkptRecord {
    uint64_t  redo_lsn;
    uint64_t  dpt_lsn;        /* the dirty page table is exact for changes before this LSN
                               * (wal_quiesce_lsn when it was taken); 0: unknown (older body) */
    uint64_t  next_xid;
    CkptTxn  *txns;
    size_t    txn_count;
    CkptPage *pages;
    size_t    page_count;
} CkptRecord;
Error *ckpt_body_decode(const uint8_t *body, size_t body_size, CkptRecord *record_out);
void   ckpt_record_free(CkptRecord *record);

#endif
