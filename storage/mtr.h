/* storage/mtr.h: mini-transactions, the only way a page changes.
 *
 * mtr_begin; pin and latch pages through the mtr (mtr_pin, fsm_alloc); change them only with
 * mtr_log, which applies a redo record to the page and appends it to the mtr's log; mtr_commit
 * hands the records to the store's sink (the WAL, once txn/ installs it), which assigns the
 * LSN; every changed page gets that LSN and is marked dirty; then latches are released in
 * reverse order and the pages unpinned. A structure change (split, merge) keeps every page it
 * touched X-latched until its mtr commits.
 *
 * Invariants:
 * 1. Pages change only through mtr_log on a frame X-latched by the same mtr.
 * 2. A page modified in an mtr stays latched and pinned until mtr_commit.
 * 3. After mtr_commit, every page the mtr modified has page_lsn == the LSN the sink returned,
 *    and the LSNs the sink returns strictly increase.
 * 4. An mtr holds at most MTR_FRAME_MAX frames; one operation never needs more. */
#ifndef BIRCH_STORAGE_MTR_H
#define BIRCH_STORAGE_MTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/bufpool.h"
#include "storage/page.h"
#include "storage/redo.h"

typedef struct Store Store;
typedef struct Mtr   Mtr;

enum { MTR_FRAME_MAX = 64, MTR_LOG_INLINE_SIZE = 1024 };

/* MtrSink: where committed mtrs' records go. append is called once per mtr that logged
 * anything, while its pages are still X-latched, and returns the LSN to stamp on them. The
 * default sink (store.c) assigns the next LSN and drops the records; txn/ installs the WAL;
 * tests install a shadow-replay sink. after_commit, if set, runs just after the pages got their
 * LSN, still latched (tests compare frames with their shadow there). */
typedef struct MtrSink {
    Error *(*append)(void *ctx, Mtr *mtr, const uint8_t *records, size_t size, uint64_t *lsn_out);
    void   (*after_commit)(void *ctx, Mtr *mtr, uint64_t lsn);
    void   *ctx;
} MtrSink;

typedef struct MtrFrame {
    Frame    *frame;
    LatchMode latch_mode;
    bool      modified;
} MtrFrame;

struct Mtr {
    Store    *store;
    BufPool  *pool;
    MtrFrame  frames[MTR_FRAME_MAX];
    int       frame_count;
    uint8_t  *log;                    /* log_inline or a heap buffer */
    size_t    log_size;
    size_t    log_capacity;
    uint8_t   log_inline[MTR_LOG_INLINE_SIZE];
    void     *user;                   /* for the sink: e.g. the transaction this mtr is part of */
    uint32_t  user_flags;             /* for the sink: e.g. "part of a nested top action" */
    uint64_t  lsn;                    /* after mtr_commit: the LSN stamped on the changed pages
                                       * (0 if nothing was logged or the sink failed) */
};

/* mtr_begin: start an mtr on store. The Mtr usually lives on the caller's stack. */
void   mtr_begin(Mtr *mtr, Store *store);
/* mtr_pin: pin page_id and latch it in mode; the frame is released by mtr_commit (or
 * mtr_release). A page is held at most once per mtr: pinning a page the mtr already holds
 * returns the held frame (no second pin), latching it now if it was pinned with LATCH_NONE;
 * asking X of a page held in S is an upgrade and a VERIFY failure. Errors from bp_pin;
 * READ_ONLY_SQL_TRANSACTION (25006) for LATCH_EXCLUSIVE on a read-only store. */
Error *mtr_pin(Mtr *mtr, PageId page_id, LatchMode mode, Frame **frame_out);
/* mtr_pin_mode: as mtr_pin with an explicit BpPinMode (BP_PIN_NEW for fresh pages). */
Error *mtr_pin_mode(Mtr *mtr, PageId page_id, BpPinMode pin_mode, LatchMode mode,
                    Frame **frame_out);
/* mtr_release: unlatch and unpin a frame early (latch coupling). Pre: not modified. */
void   mtr_release(Mtr *mtr, Frame *frame);
/* mtr_upgrade_latch is deliberately absent: upgrading S to X can deadlock; re-descend. */

/* mtr_log: apply a redo record to frame's page and append it to the log. Pre: frame is
 * X-latched in this mtr and the payload is well-formed (our own bytes: VERIFY'd). The log
 * lives in log_inline until it outgrows it, then on the heap (out of memory there is a VERIFY
 * failure: the page is already changed and must not stay unlogged). */
void   mtr_log(Mtr *mtr, Frame *frame, RedoType type, const void *payload, size_t payload_size);
/* mtr_log_bytes: REDO_BYTES shorthand: overwrite size bytes at offset of frame's page (size 0
 * logs nothing). */
void   mtr_log_bytes(Mtr *mtr, Frame *frame, uint16_t offset, const void *bytes, size_t size);
/* mtr_log_init: REDO_PAGE_INIT shorthand: zero the page and give it a type and flags. */
void   mtr_log_init(Mtr *mtr, Frame *frame, PageType type, uint8_t flags);
bool   mtr_is_modified(const Mtr *mtr);

/* mtr_commit: hand the records to the sink, stamp the LSN, mark dirty, release everything.
 * On a sink error (e.g. the WAL could not be written) the pages stay changed in memory but
 * the error is returned; the caller must treat the database as failed (txn/ refuses writes). */
Error *mtr_commit(Mtr *mtr);
/* mtr_abort: release everything. Pre: nothing was modified (VERIFY). */
void   mtr_abort(Mtr *mtr);

#endif
