/* executor/spill.h: temporary spill files for the materializing operators (hash aggregation,
 * external sort, hash and nested loop joins, windows). Owned by spill; executor-internal.
 *
 * A SpillFile is an anonymous temporary file (O_TMPFILE in the directory, or mkstemp + unlink
 * where O_TMPFILE is not supported), so it never has a name a crash could leave behind: it goes
 * away when its descriptor is closed (spill_file_close, called from the operator's close(),
 * which also runs after an error). Rows are written as blocks of one chunk's selected rows and
 * read back as chunks of up to VEC_VALUE_COUNT_MAX rows (consecutive blocks are coalesced),
 * through a SPILL_BUFFER_SIZE buffer in each direction: one write(2) per buffer, not per row.
 *
 * Block format (native byte order: a spill file never leaves the process that wrote it):
 *   u32 row_count, u32 column_count, then per column: u8 phys, u8 has_nulls,
 *   [ceil(row_count / 8) bytes of validity, bit 1 = valid, if has_nulls],
 *   the values of the valid rows: fixed-width forms as their C type, NUMERIC (NUM64 or general)
 *   as u32 size + numeric_serialize bytes, STR and ARRAY as u32 size + the bytes.
 * Read back, every NUMERIC column is in the general form (VEC_PHYS_NUMERIC), so the chunks of
 * one file agree on every column's physical form.
 *
 * Errors: a full disk (ENOSPC, EDQUOT, or the failpoint "exec.spill.write") is DISK_FULL
 * (53100) `could not write to temporary file: No space left on device`; other I/O failures are
 * IO_ERROR (58030); a block that does not decode is DATA_CORRUPTED (XX001). They end the
 * statement only: the operator closes its files and the session goes on.
 *
 * Invariants:
 * 1. A file is either being written (rows appended) or, after spill_file_rewind, read from the
 *    start; a rewound file is never appended to.
 * 2. spill_file_live_count() counts files created and not yet closed (process-wide); every
 *    operator that creates files closes them in close(), so it returns to its old value after
 *    every statement, successful or not.
 * 3. A file's memory is its buffer (SPILL_BUFFER_SIZE, none between spill_file_rewind and the
 *    first read) plus the struct; decoded chunks live in the caller's arena. */
#ifndef BIRCH_EXECUTOR_SPILL_H
#define BIRCH_EXECUTOR_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "executor/chunk.h"
#include "executor/vec.h"

enum {
    SPILL_BUFFER_SIZE = 32 * 1024,
    SPILL_FANOUT_BITS = 5,            /* hash partitioning: 32 partitions per level */
    SPILL_FANOUT = 1 << SPILL_FANOUT_BITS,
};

typedef struct SpillFile SpillFile;

/* spill_part_of: the partition (0..SPILL_FANOUT-1) of a row whose key hashes to hash, at depth
 * level: the hash re-mixed with the level, so each level splits a partition by other bits and
 * the partition bits never correlate with a hash table's slot bits. */
static inline uint32_t spill_part_of(uint64_t hash, uint32_t level)
{
    uint64_t mixed = hash ^ (0x9E3779B97F4A7C15ULL * (level + 1));
    mixed ^= mixed >> 30;
    mixed *= 0xbf58476d1ce4e5b9ULL;
    mixed ^= mixed >> 27;
    mixed *= 0x94d049bb133111ebULL;
    mixed ^= mixed >> 31;
    return (uint32_t)(mixed >> (64 - SPILL_FANOUT_BITS));
}

/* spill_file_create: a new empty anonymous file in dir (NULL or "": TMPDIR, else /tmp), open
 * for writing. Errors: DISK_FULL, IO_ERROR (the directory cannot hold a file), OUT_OF_MEMORY. */
Error *spill_file_create(const char *dir, SpillFile **file_out);
/* spill_file_write: append rows sel[0..count) (0..count-1 if sel is NULL) of columns[0..
 * column_count) as one block. Columns are flat or constant vectors. Pre: the file is not
 * rewound; count <= VEC_VALUE_COUNT_MAX. Errors: DISK_FULL, IO_ERROR, OUT_OF_MEMORY. */
Error *spill_file_write(SpillFile *file, const Vector *columns, uint32_t column_count,
                        const uint16_t *sel, uint32_t count);
/* spill_file_rewind: flush what is buffered and position the file at its first block for
 * reading. Errors: DISK_FULL, IO_ERROR. */
Error *spill_file_rewind(SpillFile *file);
/* spill_file_restart: position a rewound file at its first block again, to read it once more
 * (a block nested loop join reads its outer side once per block). Pre: rewound. Errors: none
 * today (the next read reports I/O errors). */
Error *spill_file_restart(SpillFile *file);
/* spill_file_read: the next rows as a chunk of column_count columns of types (NUMERIC columns
 * in the general form) allocated in arena; *chunk_out NULL at the end. The chunk stays valid
 * while arena is not reset. Pre: rewound; types match the written columns.
 * Errors: DATA_CORRUPTED (a block that does not match types), IO_ERROR, OUT_OF_MEMORY. */
Error *spill_file_read(SpillFile *file, const Type *types, uint32_t column_count, Arena *arena,
                       DataChunk **chunk_out);
/* SpillReader: a read position of its own over a rewound file, so that several readers (the
 * scans of one materialized CTE) read it independently; reads are pread(2) at the reader's
 * offset, through a SPILL_BUFFER_SIZE buffer of its own allocated at the first read. A reader
 * must be closed before its file (close touches only the reader).
 * spill_reader_open: a reader at the file's first block. Pre: rewound. Errors: OUT_OF_MEMORY.
 * spill_reader_read: as spill_file_read. spill_reader_restart: back to the first block.
 * spill_reader_close: free it (NULL is a no-op). spill_reader_live_count: readers open in this
 * process (tests). */
typedef struct SpillReader SpillReader;
Error  *spill_reader_open(SpillFile *file, SpillReader **reader_out);
Error  *spill_reader_read(SpillReader *reader, const Type *types, uint32_t column_count,
                          Arena *arena, DataChunk **chunk_out);
void    spill_reader_restart(SpillReader *reader);
void    spill_reader_close(SpillReader *reader);
int64_t spill_reader_live_count(void);
/* spill_parts_write: write rows[0..count) of columns (a chunk's, each row's key hashing to
 * hashes[k]) to parts[spill_part_of(hashes[k], level)], one block per partition, creating the
 * files that are still NULL in dir. Pre: count <= VEC_VALUE_COUNT_MAX; rows ascending.
 * Errors: spill_file_create's and spill_file_write's. */
Error *spill_parts_write(SpillFile **parts, const char *dir, uint32_t level,
                         const Vector *columns, uint32_t column_count, const uint16_t *rows,
                         const uint64_t *hashes, uint32_t count);
/* spill_file_rows: rows written so far. spill_file_bytes: bytes written so far. */
uint64_t spill_file_rows(const SpillFile *file);
uint64_t spill_file_bytes(const SpillFile *file);
/* spill_file_close: close and free the file (its blocks vanish with it); NULL is a no-op. */
void   spill_file_close(SpillFile *file);
/* spill_file_live_count: files created and not closed yet, in this process (for tests). */
int64_t spill_file_live_count(void);

#endif
