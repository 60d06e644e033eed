/* txn/vstore.h: the version store: older row versions, keyed by (tree root, row key).
 *
 * Each key has a chain of versions, newest first; each version remembers its writer and
 * deleter (from its record header) and its superseder (the transaction whose write replaced
 * it). Versions live in memory up to memory_size bytes; beyond that the oldest are spilled to
 * an unlinked temporary file (never logged: no snapshot survives a restart) and read back on
 * demand. The memory limit bounds record bytes in memory; the per-version bookkeeping (about
 * 100 bytes each, spilled or not) counts in memory_size and against the hard limit. A version is pruned once its superseder is below the horizon (the oldest snapshot
 * xmin): every snapshot then sees the superseding version instead, and so also every older
 * version of the chain is dead. When memory + spilled bytes pass size_max, the oldest versions
 * are dropped regardless and their chain is marked truncated: a reader that reaches the end of
 * a truncated chain without finding a visible version gets SNAPSHOT_TOO_OLD (72000).
 *
 * Thread safety: one mutex guards everything; every call takes it.
 *
 * Invariants:
 * 1. Within a chain, versions are in push order (newest first), and push order equals the
 *    global FIFO order, so the globally oldest version is the oldest of its chain.
 * 2. The spilled versions are a prefix of the FIFO (spilling always takes the oldest in-memory
 *    version).
 * 3. memory_record_size <= the memory limit after every push (unless a spill write failed).
 * 4. memory_size counts exactly the in-memory version bytes and per-version/chain overhead;
 *    with no versions and no truncated chains it is 0. */
#ifndef BIRCH_TXN_VSTORE_H
#define BIRCH_TXN_VSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/btree.h"
#include "txn/txn.h"

typedef struct VStoreStats {
    size_t   memory_size;       /* bytes in memory: records + overhead */
    size_t   memory_record_size;   /* record bytes in memory: kept <= memory_size limit */
    size_t   spilled_size;      /* record bytes in the temporary file */
    size_t   version_count;
    size_t   chain_count;
    uint64_t spill_count;       /* versions ever spilled */
    uint64_t drop_count;        /* versions dropped by the hard limit */
    uint64_t prune_count;       /* versions pruned as invisible to everyone */
} VStoreStats;

/* vstore_create: an empty store. memory_size / size_max of 0 take the defaults of TxnOptions.
 * Errors: OUT_OF_MEMORY. */
Error *vstore_create(size_t memory_size, size_t size_max, VStore **vstore_out);
void   vstore_destroy(VStore *vstore);
/* vstore_set_limits: change the limits (tests); applied at the next push. */
void   vstore_set_limits(VStore *vstore, size_t memory_size, size_t size_max);

/* vstore_push: record (a full row record, header included) was superseded by superseder_xid
 * and is now the newest older version of (root, key). May spill or drop the oldest versions.
 * Errors: OUT_OF_MEMORY; DATA_CORRUPTED for a bad header; IO_ERROR writing the spill file
 * (then nothing was added). */
Error *vstore_push(VStore *vstore, uint32_t root, const uint8_t *key, size_t key_size,
                   const uint8_t *record, size_t record_size, uint64_t superseder_xid);

/* vstore_find: the newest version of (root, key) whose writer snapshot sees, copied into
 * record_out; *found_out false if there is none or if snapshot also sees its delete mark.
 * Errors: SNAPSHOT_TOO_OLD if the chain was truncated by the hard limit and holds no visible
 * version; IO_ERROR reading a spilled version; OUT_OF_MEMORY. */
Error *vstore_find(VStore *vstore, uint32_t root, const uint8_t *key, size_t key_size,
                   const Snapshot *snapshot, BtBuf *record_out, bool *found_out);

/* vstore_prune: drop every version whose superseder is below horizon (and truncated chain
 * marks older than it). walk_all false: stop after a bounded walk from the FIFO head (cheap
 * enough to run at every transaction end). Returns the number of versions pruned. */
size_t vstore_prune(VStore *vstore, uint64_t horizon, bool walk_all);
/* vstore_forget: drop the chain of (root, key) (purge removed the row). Pre: every version of
 * it is prunable. */
void   vstore_forget(VStore *vstore, uint32_t root, const uint8_t *key, size_t key_size);

VStoreStats vstore_stats(VStore *vstore);

#endif
