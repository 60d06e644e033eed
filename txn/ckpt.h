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
} CkptOptions;

typedef struct CkptReport {
    uint64_t checkpoint_lsn;
    uint64_t redo_lsn;
    uint64_t reuse_lsn;
    size_t   dirty_page_count;
    size_t   active_txn_count;
    size_t   pages_written;
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
