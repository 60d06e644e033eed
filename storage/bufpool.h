/* storage/bufpool.h: the buffer pool: a fixed set of 8 KiB frames caching the pages of one file.
 *
 * Page table: page id -> frame. Replacement: a midpoint (two-list) LRU: a page read for the
 * first time enters the "old" sublist (3/8 of the frames) and moves to the "young" head only
 * when it is touched again after a delay, so one large scan cycles through the old sublist
 * and never flushes the hot set. Frames carry a pin count (a pinned frame is never evicted or
 * reused), a read/write latch, the dirty flag with the recovery LSN (the LSN of the first change
 * since the page was last clean: checkpoints need it) and a "needs full page image" flag.
 * A background cleaner writes cold dirty pages ahead of eviction.
 *
 * The WAL rule: before a dirty page is written, the before-write hook (installed by txn/) is
 * called with the page's LSN and must return only when the log is durable up to it.
 *
 * Invariants:
 * 1. A frame's bytes are read or written only while it is pinned (pin count > 0) and latched.
 * 2. A dirty page is written only after the before-write hook accepted its page LSN.
 * 3. A page is sealed (checksummed) on a private copy at write time and verified at read time.
 * 4. When every frame is pinned, bp_pin fails with OUT_OF_MEMORY (53200); it never waits. */
#ifndef BIRCH_STORAGE_BUFPOOL_H
#define BIRCH_STORAGE_BUFPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/file.h"
#include "storage/page.h"

typedef struct BufPool BufPool;
typedef struct Frame   Frame;

typedef enum LatchMode {
    LATCH_NONE = 0,
    LATCH_SHARED,
    LATCH_EXCLUSIVE,
} LatchMode;

typedef enum BpPinMode {
    BP_PIN_READ,     /* the page must exist on disk or in the pool; verified when read */
    BP_PIN_NEW,      /* a fresh page (e.g. beyond the end of the file): zeroed, not read;
                      * if the page is cached already, the cached frame is returned as is */
    BP_PIN_REDO,     /* recovery: read if possible; an unreadable, zero or corrupt page gives
                      * a zeroed frame instead of an error (redo rewrites it from an image) */
} BpPinMode;

typedef struct BpOptions {
    size_t frame_count;          /* at least BP_FRAME_COUNT_MIN */
    bool   start_cleaner;        /* run the background cleaner thread */
    int    cleaner_interval_ms;  /* 0 = default (50 ms) */
} BpOptions;

enum { BP_FRAME_COUNT_MIN = 16 };

typedef struct BpStats {
    uint64_t hit_count;
    uint64_t miss_count;         /* pins that had to read the page */
    uint64_t read_count;
    uint64_t write_count;
    uint64_t eviction_count;
    uint64_t cleaner_write_count;
} BpStats;

typedef struct BpDirtyPage {
    PageId   page_id;
    uint64_t rec_lsn;
} BpDirtyPage;

/* bp_before_write_fn: called before a page with LSN page_lsn is written; returns NULL once the
 * log is durable up to page_lsn, or an error (then the page stays dirty and is not written). */
typedef Error *(*BpBeforeWriteFn)(void *ctx, uint64_t page_lsn);

/* bp_create: a pool over file (not owned). file_path is used in error messages. */
Error *bp_create(File *file, const char *file_path, const BpOptions *options, BufPool **pool_out);
/* bp_destroy: stops the cleaner and frees the pool. Dirty pages are NOT written: call
 * bp_flush_all first for a clean shutdown. Pre: no frame pinned. */
void   bp_destroy(BufPool *pool);

/* bp_pin: pin page_id, reading it if needed. Not latched: call bp_latch. Errors: OUT_OF_MEMORY
 * (53200) if every frame is pinned; DATA_CORRUPTED (XX001) if the page read fails
 * verification; IO_ERROR from the read; also IO_ERROR/DISK_FULL if a dirty victim could not be
 * written (the victim stays dirty and cached). */
Error *bp_pin(BufPool *pool, PageId page_id, BpPinMode mode, Frame **frame_out);
void   bp_unpin(BufPool *pool, Frame *frame);

void   bp_latch(Frame *frame, LatchMode mode);
bool   bp_try_latch(Frame *frame, LatchMode mode);
void   bp_unlatch(Frame *frame, LatchMode mode);

uint8_t *bp_data(Frame *frame);            /* the page bytes; valid while pinned */
PageId   bp_page_id(const Frame *frame);

/* bp_mark_dirty: the page changed at lsn. Pre: pinned and X-latched. Sets rec_lsn if the page
 * was clean. Does not touch the page's lsn field (mtr_commit sets it). */
void   bp_mark_dirty(BufPool *pool, Frame *frame, uint64_t lsn);
bool   bp_is_dirty(const Frame *frame);
/* bp_change_count: how many times bp_mark_dirty was called on the frame (every committed mtr
 * that changed its page calls it once, while holding the page X-latched). A reader that saw
 * count c while holding a latch and sees c again later (pin held throughout, so the frame still
 * holds that page) knows that no mtr changing the page committed in between. Lock-free. */
uint64_t bp_change_count(const Frame *frame);
/* bp_take_fpi_flag: true if this is the page's first change since it was read or last written
 * (so the WAL must log a full page image), and clears the flag. Pre: X-latched. */
bool   bp_take_fpi_flag(Frame *frame);

void   bp_set_before_write(BufPool *pool, BpBeforeWriteFn hook, void *ctx);

/* bp_flush_page: write page_id if it is cached and dirty. */
Error *bp_flush_page(BufPool *pool, PageId page_id);
/* bp_flush_all: write every dirty page (not pinned-and-X-latched ones: callers quiesce first),
 * then sync the file. */
Error *bp_flush_all(BufPool *pool);
/* bp_dirty_pages: copy up to count_max dirty (page_id, rec_lsn) pairs for a checkpoint; returns
 * how many dirty pages there are (may exceed count_max). */
size_t bp_dirty_pages(BufPool *pool, BpDirtyPage *pages_out, size_t count_max);
/* bp_discard_from: drop cached pages >= page_id without writing them (file truncation). */
void   bp_discard_from(BufPool *pool, PageId page_id);

BpStats bp_stats(BufPool *pool);
size_t  bp_frame_count(const BufPool *pool);
bool    bp_is_resident(BufPool *pool, PageId page_id);
/* bp_pinned_count: frames pinned by callers (the pool's own short pins, taken to write a page
 * by the cleaner, a flush or an eviction, are not counted). */
size_t  bp_pinned_count(BufPool *pool);

#endif
