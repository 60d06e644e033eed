/* txn/wal_int.h: the Wal's fields, shared by wal.c (file, buffer, flush) and wal_sink.c (the
 * mtr sink) and their tests only. Everyone else goes through wal.h. */
#ifndef BIRCH_TXN_WAL_INT_H
#define BIRCH_TXN_WAL_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "txn/wal.h"

enum {
    /* 4 MiB (8 before session 9): with write-behind the ring holds little unwritten log, and a
     * ring that stays in the caches makes each append's copy cheaper (txn/README.md) */
    WAL_BUFFER_SIZE_DEFAULT = 4 * 1024 * 1024,
    WAL_BUFFER_SIZE_MIN = 4 * 1024 * 1024,
    WAL_WRITE_BEHIND_SIZE = 256 * 1024,   /* an appender writes the ring out from here on */
    WAL_RECORD_SIZE_MAX = 2 * 1024 * 1024,
    WAL_TXN_PAYLOAD_SIZE_MAX = 64 * 1024,
    WAL_HEADER_SLOT_B = 512,
};

/* The record header's kind byte (format in wal.h). */
enum {
    WAL_KIND_TYPE_MASK = 0x0F,
    WAL_KIND_COMPRESSED = 0x10,
    WAL_KIND_XID = 0x20,
    WAL_KIND_PREV = 0x40,
    WAL_KIND_RESERVED = 0x80,
    WAL_RECORD_SIZE_FIELD_MAX = (1 << 24) - 1,
};

/* WalHeader: a decoded record header. */
typedef struct WalHeader {
    uint32_t crc;
    uint32_t size;
    uint8_t  type;
    uint8_t  flags;               /* WAL_FLAG_* */
    uint32_t generation;
    uint64_t xid;
    uint64_t prev_lsn;
    size_t   header_size;
} WalHeader;

/* wal_header_build: the header of a record at lsn with body_size body bytes into out (room
 * for WAL_RECORD_HEADER_SIZE_MAX), crc field 0; returns the header size. Pre: prev_lsn < lsn
 * (0: none), header + body <= WAL_RECORD_SIZE_FIELD_MAX. */
size_t   wal_header_build(uint8_t *out, uint64_t lsn, size_t body_size, uint8_t type,
                          uint8_t flags, uint32_t generation, uint64_t xid, uint64_t prev_lsn);
/* wal_header_crc: the record crc from the crc of its body (crc32 with initial 0), its header
 * bytes (the crc field excluded) and its LSN. */
uint32_t wal_header_crc(uint32_t body_crc, const uint8_t *header, size_t header_size,
                        uint64_t lsn);
/* wal_header_parse: decode the header of the stored record at lsn; stored holds avail bytes
 * (>= WAL_RECORD_PREFIX_SIZE); the header must decode inside min(avail, its size). false if
 * it does not decode or a field is out of range (size < MIN, type, kind bit 7, prev_lsn not
 * before lsn). The crc is not checked (the caller has the body). */
bool     wal_header_parse(const uint8_t *stored, size_t avail, uint64_t lsn, WalHeader *out);

/* WalPiece: one contiguous part of a record body (appends gather up to 4 of them). */
typedef struct WalPiece {
    const void *data;
    size_t      size;
} WalPiece;

struct Wal {
    Store           *store;
    Vfs             *vfs;
    char            *path;
    File            *file;
    uint64_t         database_id;
    uint64_t         capacity;
    uint64_t         generation;
    uint64_t         created_lsn;
    int              header_slot_idx;     /* the slot holding `generation` (0 or 1) */
    bool             appending;
    bool             installed;

    uint64_t         record_size_max;
    uint64_t         soft_limit;          /* capacity - reserve */
    uint64_t         extend_chunk;        /* file growth step and disk reserve */

    /* appends: insert_mutex serializes them; ring holds [written_lsn, insert_lsn) */
    pthread_mutex_t  insert_mutex;
    uint8_t         *ring;
    size_t           ring_size;
    _Atomic uint64_t insert_lsn;
    _Atomic uint64_t written_lsn;
    _Atomic uint64_t durable_lsn;
    _Atomic uint64_t reuse_lsn;
    atomic_int       inflight_count;      /* sink appends whose mtr has not stamped pages yet */

    /* flushes: one leader at a time writes [written_lsn, insert_lsn) (and syncs); the others
     * wait in flush_waiters (FIFO, under flush_mutex), each on its own semaphore (wal.c) */
    pthread_mutex_t  flush_mutex;
    bool             leader_active;
    struct WalFlushWaiter *flush_waiters;       /* oldest first */
    struct WalFlushWaiter *flush_waiters_tail;
    Error           *failure;             /* sticky; under flush_mutex */
    atomic_bool      failed;

    /* file growth: under extend_mutex */
    pthread_mutex_t  extend_mutex;
    uint64_t         file_size;
    /* a new log's bytes before its first record are only allocated (unwritten extents) in
     * [gap_zeroed, gap_end); the first lap into them zero-fills ahead of the writes (wal.c) */
    uint64_t         gap_zeroed;
    uint64_t         gap_end;
    atomic_bool      space_short;

    Error         *(*space_hook)(void *ctx);
    void            *space_hook_ctx;

    /* synchronous_commit = off: a background flusher */
    atomic_bool      synchronous_commit;
    pthread_mutex_t  flusher_mutex;
    pthread_cond_t   flusher_cond;
    pthread_t        flusher;
    bool             flusher_running;
    bool             flusher_stop;

    _Atomic uint64_t stat_record_count;
    _Atomic uint64_t stat_byte_count;
    _Atomic uint64_t stat_fpi_count;
    _Atomic uint64_t stat_compressed_count;
    _Atomic uint64_t stat_flush_request_count;
    _Atomic uint64_t stat_sync_count;
    _Atomic uint64_t stat_write_count;
    _Atomic uint64_t stat_handoff_count;  /* flushes started by a waiter the last leader chose */
};

/* wal_append_record: the one append path. Builds the header, copies header and pieces into
 * the ring under insert_mutex, assigns the LSN. With is_mtr, counts the append in flight until
 * the sink's after_commit (wal_quiesce_lsn). Refuses (and fails the Wal) if the record would
 * overwrite the log before the reuse LSN. Afterwards, with WAL_WRITE_BEHIND_SIZE or more of the
 * ring unwritten and no flush running, writes the ring out (no sync) before returning. */
Error *wal_append_record(Wal *wal, uint8_t type, uint8_t flags, uint64_t xid, uint64_t prev_lsn,
                         const WalPiece *pieces, int piece_count, bool is_mtr,
                         uint64_t *lsn_out);
/* wal_write_all: write everything appended so far to the file, without syncing (readers of
 * recent records). */
Error *wal_write_all(Wal *wal);
/* wal_fail: make the Wal failed with err (kept; the first failure wins) and return a copy. */
Error *wal_fail(Wal *wal, Error *err);

#endif
