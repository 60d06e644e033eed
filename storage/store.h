/* storage/store.h: one database file: page 0 (the database header), the buffer pool over the
 * file, the free-page list (fsm_, fsm.c) and the reader epochs that delay page reuse (epoch.c).
 *
 * Page 0 layout after the common page header (little-endian):
 *   offset size field
 *   24     8    magic "BIRCHDB\0"
 *   32     4    format version (STORE_FORMAT_VERSION)
 *   36     4    page size (8192)
 *   40     8    database id (random at creation)
 *   48     4    page count: pages [0, page_count) are in use or on the free list
 *   52     4    free-list head (PAGE_ID_NONE if empty); free pages link through their body
 *   56     4    free page count
 *   60     1    needs-recovery flag (set while open for writing, cleared by a clean close)
 *   61     3    reserved
 *   64     8    next LSN (LSNs never restart)
 *   72     8    next transaction id (txn/ keeps it here at checkpoints)
 *   80     64   root slots: STORE_ROOT_SLOT_COUNT page ids (slot 0: the catalog)
 *   144    64   checkpoint slot A } {u64 sequence, u64 checkpoint LSN, u64 redo LSN,
 *   208    64   checkpoint slot B }  u64 next xid, u64 next LSN, 20 bytes reserved, u32 crc32}
 * The two checkpoint slots alternate (the higher valid sequence wins), each with its own
 * crc32, so a torn write of page 0 still leaves one valid slot. Page 0 changes through mtrs
 * like every page (its fields are REDO_BYTES records) except the checkpoint slots, which txn/
 * writes with store_write_checkpoint at checkpoint time.
 *
 * Free list: fsm_free pushes a page on the head (its type becomes PAGE_TYPE_FREE and its body
 * holds the next link at offset PAGE_HEADER_SIZE, then 4 reserved bytes, the u64 run id of the
 * open that freed it and the u64 reader epoch of the free); fsm_alloc pops the head if the page
 * was freed in an earlier run or before every reader epoch still active, else extends the file.
 *
 * Latch order: fsm_alloc, fsm_free, store_root_set, store_set_next_lsn/xid X-latch page 0 in
 * the caller's mtr until it commits, so an mtr must latch every other page it needs BEFORE its
 * first such call (pages fsm_alloc returns are the exception: nobody else can reach them).
 * store_root_get, store_info and store_read_checkpoint S-latch page 0 themselves, except when
 * the calling thread's own mtr holds it X-latched: then they read it as is (seeing that mtr's
 * changes). store_write_checkpoint and fsm_walk must not run inside such an mtr.
 *
 * Open rules: page 0 is validated before use (magic, then checksum, then format version and
 * page size, then every field's range). After a clean close the file must hold page_count
 * pages (it may be longer); while the needs-recovery flag is set it may be shorter (page 0 can
 * reach the disk before the pages it counts; recovery rewrites them). A second store_open of
 * a file this process holds open is OBJECT_IN_USE (one engine instance per file and process is
 * the caller's business). */
#ifndef BIRCH_STORAGE_STORE_H
#define BIRCH_STORAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/bufpool.h"
#include "storage/file.h"
#include "storage/mtr.h"
#include "storage/page.h"

enum {
    STORE_FORMAT_VERSION = 1,
    STORE_ROOT_SLOT_COUNT = 16,
    STORE_EPOCH_SLOT_COUNT = 1024,
    STORE_OFFSET_MAGIC = 24,
    STORE_OFFSET_FORMAT_VERSION = 32,
    STORE_OFFSET_PAGE_SIZE = 36,
    STORE_OFFSET_DATABASE_ID = 40,
    STORE_OFFSET_PAGE_COUNT = 48,
    STORE_OFFSET_FREE_HEAD = 52,
    STORE_OFFSET_FREE_COUNT = 56,
    STORE_OFFSET_NEEDS_RECOVERY = 60,
    STORE_OFFSET_NEXT_LSN = 64,
    STORE_OFFSET_NEXT_XID = 72,
    STORE_OFFSET_ROOTS = 80,
    STORE_OFFSET_CHECKPOINT_A = 144,
    STORE_OFFSET_CHECKPOINT_B = 208,
    STORE_CHECKPOINT_SLOT_SIZE = 64,
};

#define STORE_MAGIC "BIRCHDB"   /* 8 bytes with its NUL */

typedef struct StoreOptions {
    Vfs   *vfs;               /* NULL: vfs_posix() */
    size_t pool_size;         /* bytes of buffer pool; 0: default 64 MiB */
    bool   create;            /* create the file if it does not exist */
    bool   start_cleaner;     /* run the buffer pool's background cleaner */
    bool   read_only;
    /* defer_needs_recovery: do not set the needs-recovery flag at open; the caller sets it with
     * store_set_needs_recovery once it can recover the file (txn/: after the new log exists).
     * Until then nothing may change a page (no mtr): a crash leaves the flag as it was. */
    bool   defer_needs_recovery;
} StoreOptions;

typedef struct StoreCheckpoint {
    uint64_t sequence;
    uint64_t checkpoint_lsn;
    uint64_t redo_lsn;
    uint64_t next_xid;
    uint64_t next_lsn;
} StoreCheckpoint;

typedef struct StoreInfo {
    uint64_t database_id;
    uint32_t page_count;
    uint32_t free_page_count;
    PageId   free_head;
    uint64_t next_lsn;
    uint64_t next_xid;
    bool     needs_recovery;  /* as found at open: the last close was not clean */
} StoreInfo;

/* store_open: open (or with options->create, create) the database file at path and take its
 * exclusive lock. Errors: UNDEFINED_FILE if missing and not create; DATA_CORRUPTED (XX001)
 * naming the file if it is not a birch database or page 0 is corrupt; FEATURE_NOT_SUPPORTED
 * (0A000) for another format version or page size; OBJECT_IN_USE (55006) if another process
 * holds the file; I/O errors. On success the needs-recovery flag is set and synced (unless
 * read-only). An existing empty file is initialized when options->create is set, refused
 * otherwise. Any later write to a read-only store fails with READ_ONLY_SQL_TRANSACTION
 * (25006); several read-only opens may share a file, a writer excludes everyone. */
Error *store_open(const char *path, const StoreOptions *options, Store **store_out);
/* store_set_needs_recovery: set the needs-recovery flag and sync it, if it is not set yet
 * (for a store opened with defer_needs_recovery; a no-op otherwise). Errors: I/O;
 * READ_ONLY_SQL_TRANSACTION for a read-only store. */
Error *store_set_needs_recovery(Store *store);
/* store_close: clean close: flush every dirty page, sync, clear the needs-recovery flag, sync,
 * release the lock and free everything. On error the store is still freed and the file keeps
 * its needs-recovery flag. Also writes the next LSN into page 0. A read-only store writes
 * nothing. Pre: no pinned frames, no open mtr, no shadow attached (tests detach first). */
Error *store_close(Store *store);
/* store_abandon: free everything without writing anything (a simulated crash in tests). */
void   store_abandon(Store *store);

BufPool    *store_pool(Store *store);
File       *store_file(Store *store);
Vfs        *store_vfs(Store *store);
const char *store_path(const Store *store);
StoreInfo   store_info(Store *store);

/* Root slots: named entry points (slot 0 is the catalog root). store_root_set logs a
 * REDO_BYTES record on page 0 in mtr. */
PageId store_root_get(Store *store, int slot_idx);
void   store_root_set(Mtr *mtr, int slot_idx, PageId root);

/* store_set_mtr_sink: install the sink for committed mtrs (NULL restores the default). Call it
 * while no mtr runs (at startup, or in a quiescent test); the sink is copied. */
void   store_set_mtr_sink(Store *store, const MtrSink *sink);
/* store_mtr_sink: the sink installed now (the default one if none was set), so a wrapper (the
 * shadow replay of tests) can chain to it. */
MtrSink store_mtr_sink(Store *store);
bool   store_is_read_only(const Store *store);
/* store_next_lsn_advance: reserve an LSN range of size (>= 1) and return its first LSN. The
 * default sink uses it; the WAL may keep its own counter and report it via store_set_next_lsn
 * or store_next_lsn_raise. */
uint64_t store_next_lsn_advance(Store *store, uint64_t size);
/* store_next_lsn_raise: the LSN counter becomes at least next_lsn (never moves back): how a
 * WAL that owns the LSNs hands its next LSN to the store, which writes it to page 0 at a clean
 * close. No mtr needed; page 0 is not changed until then. */
void     store_next_lsn_raise(Store *store, uint64_t next_lsn);
void     store_set_next_lsn(Mtr *mtr, uint64_t next_lsn);
void     store_set_next_xid(Mtr *mtr, uint64_t next_xid);
/* store_write_checkpoint: write the next checkpoint slot (alternating: the one not holding the
 * newest valid checkpoint) and sync the file. checkpoint->sequence is ignored: the store
 * assigns the newest sequence + 1. Pre: the calling thread holds no mtr on page 0. */
Error   *store_write_checkpoint(Store *store, const StoreCheckpoint *checkpoint);
/* store_read_checkpoint: the valid slot with the highest sequence; found false if none. */
Error   *store_read_checkpoint(Store *store, StoreCheckpoint *checkpoint_out, bool *found_out);

/* ---- free-page list (fsm.c) ---- */
/* fsm_alloc: a page for a new purpose: popped from the free list if reusable, else appended
 * to the file. Returned pinned, X-latched in mtr, initialized with (type, flags) by a logged
 * REDO_PAGE_INIT. Errors: I/O, OUT_OF_MEMORY from the pool, PROGRAM_LIMIT_EXCEEDED when the
 * file would pass 2^32 pages, DATA_CORRUPTED if the free list is, READ_ONLY_SQL_TRANSACTION.
 * On error the free list is unchanged (page 0 may stay latched in mtr, unmodified). */
Error *fsm_alloc(Mtr *mtr, PageType type, uint8_t flags, Frame **frame_out);
/* fsm_free: put the page of frame (X-latched in mtr, no longer referenced by anything) on the
 * free list. It is handed out again only after every reader epoch active now has ended. */
void   fsm_free(Mtr *mtr, Frame *frame);
/* fsm_walk: call visit for each page on the free list, validating the chain (a cycle, a link
 * past page_count or a page not of type FREE is DATA_CORRUPTED). visit returns false to stop. */
Error *fsm_walk(Store *store, bool (*visit)(void *ctx, PageId page_id), void *ctx);

/* ---- reader epochs (epoch.c): freed pages are reused only after readers moved on ---- */
typedef struct EpochGuard {
    int      slot_idx;       /* -1 when not entered */
} EpochGuard;
/* store_epoch_enter: announce a reader that may hold page ids without latches (a cursor
 * between calls, an optimistic descent). Cheap: one atomic store in a free slot. */
void     store_epoch_enter(Store *store, EpochGuard *guard);
void     store_epoch_exit(Store *store, EpochGuard *guard);
/* store_epoch_now / store_epoch_safe: the current epoch, and the oldest epoch any entered
 * reader may still be in (pages freed before it are reusable). */
uint64_t store_epoch_now(Store *store);
uint64_t store_epoch_safe(Store *store);

#endif
