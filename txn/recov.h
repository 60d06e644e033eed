/* txn/recov.h: opening a database durably, ARIES crash recovery, rollback through CLRs, and
 * the clean close (a sharp checkpoint that removes the log).
 *
 * recov_open: store_open; if the file's needs-recovery flag is clear, a fresh log is created
 * (before the flag is set, so a crash right after open still finds a log); else the log must be
 * there and belong to the database (else DATA_CORRUPTED, XX001), it is synced first (a crashed
 * process may have left its tail unsynced, and redo writes pages: invariant 1 of txn/README.md's
 * WAL section), and recovery runs:
 *   analysis  from the last checkpoint's redo LSN (or the log's first LSN) to the end of the
 *             log (the first invalid record): the transaction table (xid -> first/last/undo
 *             next LSN, committed, ended), merged with the CHECKPOINT record's table;
 *   redo      in the same sequential pass, repeating history: the page changes of MTR/CLR
 *             records are gathered in batches and applied page by page (pinned once per
 *             batch with BP_PIN_REDO: a torn or missing page reads as zeros) by an applier
 *             thread while the next batch is read, one batch at a time, each change only
 *             if the page LSN < record LSN, then the page gets the record's LSN; a change
 *             before the checkpoint's dirty-page-table snapshot to a page the table rules out
 *             is skipped without reading the page; a REDO_PAGE_IMAGE rebuilds a torn page;
 *             a page not in the pool whose first change in a batch is a REDO_PAGE_IMAGE or
 *             REDO_PAGE_INIT is not read at all (rebuilt from it and every later change);
 *   undo      every loser (no COMMIT, no END) is rolled back through the registered RecovUndoFn,
 *             each step logged as a CLR whose undo_next_lsn skips what is undone, then END.
 * Then a checkpoint (all pages written), the sink and the before-write hook are installed and
 * the checkpointer starts. A crash at any point of recovery is recovered the same way: redo is
 * idempotent by page LSNs, CLRs are redone and never undone, undo resumes at the last CLR's
 * undo_next_lsn.
 *
 * Undo payloads are the transaction layer's: an MTR record's undo bytes describe a logical
 * inverse ("delete key K from tree R"). Records without undo bytes (structure changes, redo-only
 * work) are skipped by undo: they are nested top actions.
 *
 * Invariants:
 * 1. A database is writable only after recovery completed (losers rolled back, END logged).
 * 2. Records are redone in LSN order; a page never goes back to an older LSN.
 * 3. Undo of one transaction walks strictly decreasing LSNs: prev_lsn of MTR records,
 *    undo_next_lsn of CLRs; a CLR is never undone. */
#ifndef BIRCH_TXN_RECOV_H
#define BIRCH_TXN_RECOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/store.h"
#include "txn/ckpt.h"
#include "txn/wal.h"

typedef struct RecovDb RecovDb;

/* The log of a database as the engine opens it (executor/engine.c; tools/bench_txn measures
 * the same). RECOV_DATABASE_WAL_CAPACITY is the hard size limit: a transaction that would
 * overflow it gets 53400. 4 GiB (PostgreSQL's max_wal_size of 1 GiB is a soft checkpoint
 * trigger, not a limit, and pgbench -i -s 10 loads 1M rows in one transaction, about 1 GiB of
 * birch's log); the file grows lazily, so a small database keeps a small log. A checkpoint is
 * due once RECOV_DATABASE_CKPT_WAL_FRACTION of it is in use (512 MiB). */
#define RECOV_DATABASE_WAL_CAPACITY ((uint64_t)4 << 30)
#define RECOV_DATABASE_CKPT_WAL_FRACTION 0.125

/* RecovUndoFn: perform the logical undo described by record->undo (record->undo_size > 0) of
 * transaction record->xid. The caller has bound clr_info to the thread (wal_thread_bind), so
 * every mtr the callback commits is logged as a CLR of the transaction with the right
 * undo_next_lsn; the callback just changes the trees (e.g. through storage/btree.h). It must
 * tolerate an undo already done (a crash between its mtrs): e.g. "delete K" when K is absent. */
typedef Error *(*RecovUndoFn)(void *ctx, Store *store, const WalRecord *record);

/* RecovRedoTuning: how redo runs (zeros: the defaults). Tests set small batches, so that a
 * small log still makes several batches, the pipeline and the two-thread apply run; and
 * `serial`, the reference the pipelined redo must match page for page. */
typedef struct RecovRedoTuning {
    size_t batch_bytes;          /* redo bytes per batch (0: 16 MiB) */
    size_t parallel_pages_min;   /* a prefetch window of at least this many pages is applied by
                                  * two threads (0: 512) */
    bool   serial;               /* every batch applied by the recovering thread alone, right
                                  * after it is read: no pipeline, no helper thread */
    bool   read_every_page;      /* read a page from the file even when its first change in a
                                  * batch is a full image or an init (the reference: by default
                                  * such a page, not in the pool, is not read) */
} RecovRedoTuning;

typedef struct RecovOptions {
    StoreOptions store;          /* vfs, pool size, create, cleaner */
    WalOptions   wal;
    CkptOptions  ckpt;
    RecovUndoFn  undo_fn;        /* NULL: a loser with undo payloads is DATA_CORRUPTED */
    void        *undo_ctx;
    CkptActiveTxnFn active_txn_fn;   /* optional, installed before the first checkpoint */
    void        *active_txn_ctx;
    RecovRedoTuning redo;        /* zeros: the defaults */
} RecovOptions;

typedef struct RecovReport {
    bool     recovered;          /* the flag was set: recovery ran */
    uint64_t checkpoint_lsn;     /* 0: none used */
    uint64_t start_lsn;          /* where the scan began */
    uint64_t end_lsn;            /* the end of the valid log */
    uint64_t records_scanned;
    uint64_t records_redone;     /* records that changed at least one page */
    uint64_t pages_redone;       /* (record, page) applications */
    uint64_t bytes_scanned;
    uint64_t transactions_rolled_back;
    uint64_t clr_count;          /* undo steps performed */
    uint64_t max_xid;            /* the largest xid in the scanned log (next xid must pass it) */
    double   elapsed_ms;
    /* additions (zero when recovery did not run): */
    uint64_t records_skipped;    /* (record, page) pairs skipped by the dirty page table
                                  * without pinning the page */
    uint64_t pages_read;         /* pages recovery had to read from the database file */
    double   analysis_ms;        /* a separate analysis pass: 0 today (analysis runs inside
                                  * the redo pass, record by record) */
    double   redo_ms;            /* the redo pass (wall clock) */
    double   redo_cpu_ms;        /* CPU time of the process during the redo pass (all threads:
                                  * the rate on a loaded machine) */
    double   undo_ms;            /* rolling back the losers */
    uint64_t pages_unread;       /* pages rebuilt by an image or init without reading them */
} RecovReport;

/* recov_open: open (or with options->store.create, create) the database at path durably (file
 * comment). Pre: options->store.read_only is false (a read-only open needs no log). Errors: store_open's; DATA_CORRUPTED (XX001) if recovery is needed and the log is
 * missing, of another database, or a record cannot be applied; I/O errors; any error of the
 * undo callback. On error nothing stays open. */
Error *recov_open(const char *path, const RecovOptions *options, RecovDb **db_out,
                  RecovReport *report_out);
/* (options->store.defer_needs_recovery is ignored: recov_open always defers the flag until
 * the log exists.) */
/* recov_close: the sharp checkpoint: stop the checkpointer, flush the log, write every page,
 * checkpoint, clear the needs-recovery flag (store_close), delete the log and sync the
 * directory. If the log failed, nothing is written (the next open recovers) and the failure
 * is returned. Frees db either way. Pre: no mtr runs. */
Error *recov_close(RecovDb *db);
/* recov_abandon: free everything without writing (a simulated crash in tests). */
void   recov_abandon(RecovDb *db);

Store        *recov_store(RecovDb *db);
Wal          *recov_wal(RecovDb *db);
Checkpointer *recov_ckpt(RecovDb *db);

/* recov_rollback: undo transaction xid from *last_lsn_io back to (not including) stop_lsn (0:
 * the whole transaction; else a savepoint's LSN), each step through fn as a CLR; *last_lsn_io
 * follows the CLRs. Used by recovery for losers and by the transaction manager for ROLLBACK
 * [TO SAVEPOINT]. The caller appends ABORT before and END after a full rollback.
 * *step_count_out (optional) counts undo steps. Errors: fn's, I/O, DATA_CORRUPTED if the chain
 * leads to a record that is not in the log. */
Error *recov_rollback(Wal *wal, Store *store, RecovUndoFn fn, void *ctx, uint64_t xid,
                      uint64_t *last_lsn_io, uint64_t undo_next_lsn, uint64_t stop_lsn,
                      uint64_t *step_count_out);

#endif
