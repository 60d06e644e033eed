/* txn/wal.h: the write-ahead log: one circular file beside the database, group commit, the
 * mini-transaction sink (physiological redo, full page images, logical-undo payloads) and the
 * before-write hook (the WAL rule).
 *
 * File NAME.birch-wal (little-endian):
 *   [0, 4096)          header block: two header slots at offsets 0 and 512 (alternating, the
 *                      valid one with the higher generation wins), each
 *                      {magic "BIRCHWAL", u32 version, u32 reserved, u64 database id,
 *                       u64 capacity, u64 generation, u64 created-at LSN, ..., u32 crc32 at 60}
 *   [4096, 4096+cap)   the circular data area; the record with LSN l starts at 4096 + l % cap
 *                      and may wrap to the start of the area.
 * The file grows lazily (zero-filled in chunks ahead of the writes) until it holds the whole
 * data area, so a small database keeps a small log. A new log's bytes before its first record
 * (its first LSN's place in the area) are only allocated (posix_fallocate), not written.
 *
 * LSNs are logical byte positions that never restart: the first record of a new log gets the
 * store's next LSN (page 0). While a Wal appends it owns the LSNs: appends do not touch the
 * store's counter, which the Wal raises (store_next_lsn_raise) when appending starts, at every
 * checkpoint and at wal_uninstall, so store_close writes the log's end to page 0. A record's LSN is the position of its first byte; a page's LSN is
 * the LSN of the last record that changed it. "Durable up to lsn" means every record starting
 * at or before lsn is on disk (wal_flush).
 *
 * Record header (compact, format version 2: WAL_RECORD_HEADER_SIZE_MIN..MAX = 9..33 bytes):
 *   0  u32 crc32        zlib crc32 of the body, then header bytes [4, header size), then the
 *                       record's LSN as a u64 (not stored: stale bytes of an earlier lap, or
 *                       of another position, fail the crc)
 *   4  u24 size         header + body bytes (WAL_RECORD_HEADER_SIZE_MIN..record_size_max)
 *   7  u8  kind         bits 0-3 type (WalRecordType), bit 4 WAL_FLAG_COMPRESSED, bit 5 xid
 *                       present, bit 6 prev_lsn present, bit 7 0
 *   8  varint generation  the log's generation when written: +1 at every open for appending
 *      varint xid         (bit 5; absent: 0, no transaction: system / redo-only work)
 *      varint lsn - prev_lsn  (bit 6; absent: prev_lsn 0, none; present: 1..lsn)
 * (varint: LEB128, 7 bits a byte, low group first; at most 10 bytes, 5 for the generation.)
 * The first WAL_RECORD_PREFIX_SIZE bytes give the size, so a reader reads 8 bytes, then the
 * rest: a record never needs bytes past its end. Zeroed space (preallocated, never written)
 * has size 0: the end of the log.
 * A scan ends at the first record whose size or kind is out of range, whose header does not
 * decode inside its size, whose crc fails (torn, stale, or at another LSN), or whose
 * generation is lower than the previous record's (the tail of a crashed run overwritten by a
 * shorter recovered run must not be replayed).
 *
 * Bodies (before compression; WAL_FLAG_COMPRESSED: body = {u32 raw size, zlib stream}):
 *   MTR, CLR    {u64 undo_next_lsn (CLR only), u32 redo_size, u32 undo_size, redo bytes (the
 *               storage/redo.h records of one mtr), undo bytes (opaque, the transaction layer's)}
 *   COMMIT, ABORT, END   an optional opaque payload of the transaction layer
 *   CHECKPOINT  {u64 redo_lsn, u64 next_xid, u32 att_count, u32 dpt_count,
 *                att_count x {u64 xid, u64 first_lsn, u64 last_lsn, u64 undo_next_lsn},
 *                dpt_count x {u32 page_id, u64 rec_lsn}, u64 dpt_lsn}
 *               dpt_lsn (absent in bodies of the first release: then 0): the dirty page table
 *               is exact for changes logged before it; recovery skips, without reading the
 *               page, a change before dpt_lsn to a page not in the table or older than its
 *               rec_lsn.
 *
 * Nested top actions: one mtr is one WAL record, applied whole or not at all by redo, so a B+
 * tree split, merge or page allocation done inside one mtr is redo-atomic. Undo is logical (the
 * transaction layer's undo payload names tree + key and re-descends), so such structure changes
 * are never undone: they are the nested top actions of DESIGN.md, with no dummy CLR needed.
 *
 * Full page images: the sink logs a REDO_PAGE_IMAGE of a page (as it is after the mtr) instead
 * of that page's records when bp_take_fpi_flag says this is its first change since it was read
 * or written, unless the page's first record in the mtr is REDO_PAGE_INIT (which rebuilds the
 * page from nothing). A torn page on disk is thus always rebuilt by redo.
 *
 * Concurrency: appends serialize on one insert mutex (copy into a ring buffer); flushes use a
 * leader/follower scheme: the first waiter writes everything appended so far and fdatasyncs
 * once for every committer that waits meanwhile (group commit).
 *
 * Failure: a failed write or sync of the log makes the Wal "failed": every later append,
 * flush and page write (through the before-write hook) returns IO_ERROR (58030) until the
 * database is reopened (no retry: the kernel may have dropped the dirty log pages). A full disk
 * while the log file grows is reported by wal_check_space as DISK_FULL (53100) to the operation
 * that asks, while the reserve already allocated keeps COMMIT/ABORT/END records writable.
 *
 * Invariants:
 * 1. LSNs handed out strictly increase; records are contiguous: next LSN = lsn + size.
 * 2. A page is written to the database file only after wal_flush(page LSN) returned NULL.
 * 3. The data area behind wal's reuse LSN (min of the last durable checkpoint's redo LSN and
 *    the oldest active transaction's first LSN) is never overwritten: an append that would
 *    fails instead (wal_check_space makes that a 53400 before the operation starts).
 * 4. durable LSN <= written LSN <= insert LSN, and each is at a record boundary. */
#ifndef BIRCH_TXN_WAL_H
#define BIRCH_TXN_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/mtr.h"
#include "storage/store.h"

typedef struct Wal Wal;

enum {
    WAL_FORMAT_VERSION = 2,           /* 2: the compact record header */
    WAL_HEADER_SIZE = 4096,
    WAL_HEADER_SLOT_SIZE = 64,
    WAL_RECORD_PREFIX_SIZE = 8,       /* crc, size, kind: what a reader reads first */
    WAL_RECORD_HEADER_SIZE_MIN = 9,   /* prefix + a 1-byte generation */
    WAL_RECORD_HEADER_SIZE_MAX = 33,  /* prefix + 5 + 10 + 10 */
    WAL_CAPACITY_MIN = 256 * 1024,
    WAL_UNDO_SIZE_MAX = 256 * 1024,   /* an mtr's logical-undo payload */
    WAL_ASYNC_FLUSH_INTERVAL_MS = 10,
};
#define WAL_CAPACITY_DEFAULT ((uint64_t)256 << 20)
#define WAL_FILE_SUFFIX "-wal"        /* NAME.birch -> NAME.birch-wal */
#define WAL_MAGIC "BIRCHWAL"          /* 8 bytes, no NUL stored */

typedef enum WalRecordType {
    WAL_RECORD_MTR = 1,
    WAL_RECORD_COMMIT = 2,
    WAL_RECORD_ABORT = 3,       /* a rollback started (its CLRs follow, then END) */
    WAL_RECORD_END = 4,         /* the transaction is finished (after COMMIT or full undo) */
    WAL_RECORD_CLR = 5,
    WAL_RECORD_CHECKPOINT = 6,
} WalRecordType;

enum { WAL_FLAG_COMPRESSED = 1 };

typedef struct WalOptions {
    uint64_t capacity;            /* data-area bytes; 0: WAL_CAPACITY_DEFAULT (>= MIN) */
    size_t   buffer_size;         /* in-memory ring; 0: default 4 MiB (>= 4 MiB) */
    bool     synchronous_commit_off;  /* commits do not wait for the flush (bulk loads): a
                                       * crash may lose the last ~10 ms of commits, never
                                       * corrupts */
} WalOptions;

/* WalMtrInfo: what the transaction layer attaches to an mtr (mtr->user, or for mtrs created
 * inside storage, e.g. by bt_insert, the thread's binding: wal_thread_bind). The sink reads
 * it while the mtr's pages are X-latched:
 * - xid, *last_lsn_io: the record gets xid and prev_lsn = *last_lsn_io; then *last_lsn_io is
 *   set to the record's LSN (so the caller tracks its transaction's chain and first LSN).
 * - undo, undo_size: a logical-undo payload logged with the record; consumed by the first mtr
 *   that logs (the sink sets undo to NULL), so an operation made of several mtrs logs it once.
 *   undo_size <= WAL_UNDO_SIZE_MAX (VERIFY).
 * - is_clr, undo_next_lsn: the mtr performs an undo step: logged as a CLR whose undo_next_lsn
 *   is where the rollback continues (CLRs are redone, never undone).
 * - limit_exceeded (out): set when this append pushed the log past its soft size limit; the
 *   transaction layer should fail the operation with 53400 after it (the reserve absorbs it). */
typedef struct WalMtrInfo {
    uint64_t    xid;
    uint64_t   *last_lsn_io;
    const void *undo;
    size_t      undo_size;
    bool        is_clr;
    uint64_t    undo_next_lsn;
    bool        limit_exceeded;
} WalMtrInfo;

/* WalRecord: a decoded record (wal_read). Pointers are valid until the next read on the
 * same WalReader. For MTR/CLR, redo/undo point into the body; for other types payload is the
 * whole body. */
typedef struct WalRecord {
    uint64_t       lsn;
    uint32_t       size;          /* bytes in the log (header + stored body) */
    uint64_t       xid;
    uint64_t       prev_lsn;
    uint8_t        type;
    uint8_t        flags;
    uint32_t       generation;
    uint64_t       undo_next_lsn; /* CLR only */
    const uint8_t *redo;
    size_t         redo_size;
    const uint8_t *undo;
    size_t         undo_size;
    const uint8_t *payload;
    size_t         payload_size;
} WalRecord;

typedef struct WalReader WalReader;

typedef struct WalStats {
    uint64_t record_count;        /* appended since open */
    uint64_t byte_count;
    uint64_t fpi_count;           /* full page images logged */
    uint64_t compressed_count;    /* records stored compressed */
    uint64_t flush_request_count; /* wal_flush calls that had to wait for a write */
    uint64_t sync_count;          /* fdatasyncs of the log */
    uint64_t write_count;         /* write batches */
    uint64_t handoff_count;       /* flushes led by a waiter the previous leader handed over to */
    uint64_t insert_lsn;
    uint64_t durable_lsn;
    uint64_t reuse_lsn;
    uint64_t capacity;
} WalStats;

/* wal_path: NAME.birch-wal for the store's file; caller frees. NULL on out of memory. */
char  *wal_path(const char *store_path);

/* wal_create: create (replacing any old file) an empty log for store whose first LSN is the
 * store's next LSN; writes the header, syncs the file and its directory. The Wal is ready to
 * append. Errors: I/O (the file is left behind, harmless: the store's flag decides). */
Error *wal_create(Store *store, const WalOptions *options, Wal **wal_out);
/* wal_open: open the existing log of store for recovery: validates the header (magic,
 * version, crc, database id equal to the store's). Errors: DATA_CORRUPTED (XX001) if the file
 * is missing, not a birch log, or belongs to another database; I/O errors. The Wal only reads
 * until wal_start_append. */
Error *wal_open(Store *store, const WalOptions *options, Wal **wal_out);
/* wal_start_append: after the recovery scan found the end of the log at end_lsn (the first
 * invalid position), bump the generation (header slot write + sync) and append from end_lsn.
 * Pre: wal_open'ed, not started. */
Error *wal_start_append(Wal *wal, uint64_t end_lsn);
/* wal_close: stop the background flusher, flush (unless failed), close the file; if
 * remove_file, delete it and sync the directory. Frees the Wal; returns the first error. */
Error *wal_close(Wal *wal, bool remove_file);
/* wal_abandon: free without flushing anything (a simulated crash in tests). */
void   wal_abandon(Wal *wal);

/* wal_install: make wal the store's mtr sink and the pool's before-write hook. Pre: no mtr
 * runs. wal_uninstall restores the defaults (before the Wal is freed). */
void   wal_install(Wal *wal);
void   wal_uninstall(Wal *wal);
/* wal_sink: the MtrSink (for wrapping, e.g. by tests). */
MtrSink wal_sink(Wal *wal);
/* wal_before_write: the before-write hook (BpBeforeWriteFn): wal_flush(ctx, page_lsn). */
Error *wal_before_write(void *ctx, uint64_t page_lsn);

/* wal_thread_bind: mtrs committed by this thread without mtr->user use info (NULL unbinds).
 * The pointer must stay valid until unbound. */
void   wal_thread_bind(WalMtrInfo *info);
/* wal_thread_binding: the thread's current binding (to restore it after a nested one). */
WalMtrInfo *wal_thread_binding(void);

/* wal_append_txn: append a COMMIT, ABORT or END record (payload optional, <= 64 KiB) for xid
 * with prev_lsn; *lsn_out its LSN. Does not flush: a committer then calls wal_commit_wait.
 * These always fit (the reserve), unless the Wal failed. */
Error *wal_append_txn(Wal *wal, WalRecordType type, uint64_t xid, uint64_t prev_lsn,
                      const void *payload, size_t payload_size, uint64_t *lsn_out);
/* wal_append_checkpoint: append a CHECKPOINT record with the given body (ckpt.c). */
Error *wal_append_checkpoint(Wal *wal, const void *body, size_t body_size, uint64_t *lsn_out);
/* wal_flush: make the log durable up to lsn (the record starting at lsn included). Group
 * commit: one write + fdatasync serves every thread waiting meanwhile. lsn 0 or an LSN older
 * than the log returns at once. Errors: the Wal's failure (IO_ERROR 58030). */
Error *wal_flush(Wal *wal, uint64_t lsn);
/* wal_flush_all: wal_flush of everything appended so far. */
Error *wal_flush_all(Wal *wal);
/* wal_commit_wait: a committer's wait: wal_flush(lsn), or nothing when synchronous commit is
 * off (the background flusher writes within WAL_ASYNC_FLUSH_INTERVAL_MS). */
Error *wal_commit_wait(Wal *wal, uint64_t lsn);
/* wal_set_synchronous_commit: the per-database setting (also WalOptions). */
void   wal_set_synchronous_commit(Wal *wal, bool on);

/* wal_check_space: call before an operation that will append for xid (no latches held).
 * Errors: the Wal's failure (58030); DISK_FULL (53100) if the log file cannot grow (its
 * reserve still serves COMMIT/ABORT); CONFIGURATION_LIMIT_EXCEEDED (53400) "WAL size limit
 * exceeded by transaction xid" if the log is past its soft limit even after the space hook
 * (a forced checkpoint) ran. The database stays usable after 53100/53400. */
Error *wal_check_space(Wal *wal, uint64_t xid);
/* wal_set_space_hook: called by wal_check_space when the log is past its soft limit (ckpt
 * installs a forced checkpoint that flushes dirty pages). */
void   wal_set_space_hook(Wal *wal, Error *(*hook)(void *ctx), void *ctx);
/* wal_set_reuse_lsn: the log before lsn may be overwritten (ckpt, after a durable checkpoint).
 * Never moves backwards. */
void   wal_set_reuse_lsn(Wal *wal, uint64_t lsn);

/* wal_failure: a copy of the error that failed the Wal, or NULL. */
Error   *wal_failure(Wal *wal);
uint64_t wal_insert_lsn(Wal *wal);
uint64_t wal_durable_lsn(Wal *wal);
uint64_t wal_capacity(const Wal *wal);
/* wal_created_lsn: the first LSN this log file ever held. */
uint64_t wal_created_lsn(const Wal *wal);
/* wal_soft_limit: bytes of log (insert - reuse) beyond which wal_check_space forces a
 * checkpoint and then refuses with 53400. */
uint64_t wal_soft_limit(const Wal *wal);
WalStats wal_stats(Wal *wal);
Store   *wal_store(Wal *wal);
/* wal_quiesce_lsn: return an LSN such that every mtr whose record starts before it
 * has already stamped and marked its pages dirty (a fuzzy checkpoint's safe redo start). */
uint64_t wal_quiesce_lsn(Wal *wal);

/* Readers: sequential scans (recovery) and random reads by LSN (rollback). */
Error *wal_reader_open(Wal *wal, WalReader **reader_out);
void   wal_reader_close(WalReader *reader);
/* wal_read: decode the record at lsn. *valid_out false (no error) if there is no valid record
 * there (end of log: LSN/crc/size/generation mismatch). With check_generation, the record's
 * generation must be >= the previous one read by this reader (scans). Errors: I/O,
 * OUT_OF_MEMORY, DATA_CORRUPTED for a valid-crc record whose body does not decode. */
Error *wal_read(WalReader *reader, uint64_t lsn, bool check_generation, WalRecord *record_out,
                bool *valid_out);

/* Test support: records as the log stores them, for tests that plant stale, torn or corrupt
 * records.
 * wal_encode_record: header + body of a record at lsn into out (room for
 * WAL_RECORD_HEADER_SIZE_MAX + body_size bytes); returns its size. Pre: prev_lsn < lsn. */
size_t wal_encode_record(uint8_t *out, uint64_t lsn, uint64_t xid, uint64_t prev_lsn,
                         uint8_t type, uint8_t flags, uint32_t generation, const uint8_t *body,
                         size_t body_size);
/* wal_record_header_size: the header size of the stored record (size bytes, its whole stored
 * length), 0 if its header does not decode. */
size_t wal_record_header_size(const uint8_t *stored, size_t size);
/* wal_record_seal: recompute and store the crc of the stored record at lsn (size bytes, its
 * header decodes) after a test edited it. */
void   wal_record_seal(uint8_t *stored, size_t size, uint64_t lsn);
/* wal_file_offset: where lsn lives in the file. */
uint64_t wal_file_offset(const Wal *wal, uint64_t lsn);
const char *wal_file_path(const Wal *wal);

#endif
