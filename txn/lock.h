/* txn/lock.h: the lock manager: table locks in PostgreSQL's eight modes, transaction-id waits,
 * tuple-level wait queues, deadlock detection, lock_timeout, NOWAIT / SKIP LOCKED, cancel.
 *
 * One LockManager per database; one LockOwner per transaction (it carries the transaction's
 * xid, its held locks, its wait state and its lock_timeout). Every lockable thing is a lock
 * object named by a tag (kind, 64-bit id, and for rows the tree's key bytes) and every request
 * names one of the eight modes, checked against PostgreSQL's conflict table:
 * - tables: lock_table(oid, mode), held until lock_release_all (or lock_release_after a
 *   savepoint mark that precedes the acquisition).
 * - transaction ids: lock_xid_begin takes EXCLUSIVE on the owner's own xid; lock_wait_for_xid
 *   takes SHARE on another xid (so it waits until that transaction ends) and drops it at once.
 * - rows: lock_row(tree, key, FOR UPDATE...) is PostgreSQL's tuple lock, the queue that serves
 *   several waiters of one row in order; the row lock proper is the writing xid in the row
 *   header (DESIGN.md), so callers usually release the tuple lock right after they marked the
 *   row (lock_row_release), or keep it to transaction end.
 * Fairness, upgrades and deadlock detection follow PostgreSQL (txn/README-lock.md).
 * Thread safety: a LockManager is shared by all threads; a LockOwner is used by one thread at a
 * time, except lock_interrupt, which any thread may call. */
#ifndef BIRCH_TXN_LOCK_H
#define BIRCH_TXN_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct LockManager LockManager;
typedef struct LockOwner LockOwner;

/* PostgreSQL's table lock modes, weakest first, with PostgreSQL's numbering (1..8). */
typedef enum LockMode {
    LOCK_MODE_NONE = 0,
    LOCK_ACCESS_SHARE = 1,           /* SELECT */
    LOCK_ROW_SHARE = 2,              /* SELECT ... FOR UPDATE / FOR SHARE */
    LOCK_ROW_EXCLUSIVE = 3,          /* INSERT, UPDATE, DELETE */
    LOCK_SHARE_UPDATE_EXCLUSIVE = 4, /* VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY */
    LOCK_SHARE = 5,                  /* CREATE INDEX */
    LOCK_SHARE_ROW_EXCLUSIVE = 6,    /* CREATE TRIGGER */
    LOCK_EXCLUSIVE = 7,              /* REFRESH MATERIALIZED VIEW CONCURRENTLY */
    LOCK_ACCESS_EXCLUSIVE = 8,       /* DROP, TRUNCATE, most ALTER TABLE, LOCK TABLE */
    LOCK_MODE_COUNT = 9              /* array size: modes are 1..8 */
} LockMode;

/* Row lock strengths of SELECT ... FOR ..., weakest first. */
typedef enum LockRowMode {
    LOCK_FOR_KEY_SHARE = 0,
    LOCK_FOR_SHARE,
    LOCK_FOR_NO_KEY_UPDATE,
    LOCK_FOR_UPDATE,
    LOCK_ROW_MODE_COUNT
} LockRowMode;

/* What a request does when it cannot be granted at once. */
typedef enum LockWaitPolicy {
    LOCK_WAIT_BLOCK = 0, /* wait (deadlock check, lock_timeout, cancel apply) */
    LOCK_WAIT_NOWAIT,    /* fail with LOCK_NOT_AVAILABLE (55P03) "could not obtain lock on ..." */
    LOCK_WAIT_SKIP,      /* SKIP LOCKED: return success with *acquired_out = false */
} LockWaitPolicy;

typedef enum LockObjectKind {
    LOCK_OBJECT_TABLE = 0, /* id: table oid */
    LOCK_OBJECT_XID,       /* id: transaction id */
    LOCK_OBJECT_ROW,       /* id: tree id, plus the row's key bytes */
} LockObjectKind;

/* A savepoint mark: lock_release_after(owner, mark) drops what was acquired after it. */
typedef uint64_t LockMark;

enum {
    LOCK_PARTITION_COUNT = 64,            /* lock-object hash partitions, one mutex each */
    LOCK_ROW_KEY_SIZE_MAX = 4096,         /* longest row key lock_row accepts */
    LOCK_DEADLOCK_TIMEOUT_MS_DEFAULT = 1000,
};

/* ------------------------------------------------------------ manager and owners ---- */

/* lock_manager_create: an empty lock manager (one per database).
 * Post:   *manager_out holds no locks; deadlock_timeout is LOCK_DEADLOCK_TIMEOUT_MS_DEFAULT.
 * Errors: OUT_OF_MEMORY (then *manager_out is untouched). */
Error *lock_manager_create(LockManager **manager_out);

/* lock_manager_destroy: free the manager. Pre: every owner was destroyed. NULL is a no-op. */
void lock_manager_destroy(LockManager *manager);

/* lock_manager_set_deadlock_timeout: how long a wait lasts before its deadlock check runs
 * (PostgreSQL's deadlock_timeout). Pre: timeout_ms >= 1. Applies to waits that start later. */
void lock_manager_set_deadlock_timeout(LockManager *manager, int timeout_ms);

/* lock_owner_create: the lock state of one transaction, identified by xid in waits, deadlock
 * reports and lock_snapshot. Owners may be reused for the next transaction (lock_owner_set_xid).
 * Post:   the owner holds nothing, waits for nothing, lock_timeout is 0 (wait forever).
 * Errors: OUT_OF_MEMORY. */
Error *lock_owner_create(LockManager *manager, uint64_t xid, LockOwner **owner_out);

/* lock_owner_destroy: free the owner. Pre: it holds nothing (lock_release_all) and is not
 * waiting; no thread can still call lock_interrupt on it. NULL is a no-op. */
void lock_owner_destroy(LockOwner *owner);

/* lock_owner_set_xid: give a reused owner the next transaction's xid.
 * Pre: the owner holds nothing. Also clears a pending interrupt. */
void lock_owner_set_xid(LockOwner *owner, uint64_t xid);
uint64_t lock_owner_xid(const LockOwner *owner);

/* lock_owner_set_timeout: PostgreSQL's lock_timeout for this owner's later waits, in
 * milliseconds; 0 waits forever. Pre: timeout_ms >= 0. */
void lock_owner_set_timeout(LockOwner *owner, int timeout_ms);

/* ------------------------------------------------------------ table locks ---- */

/* lock_table: acquire mode on table oid for owner, until lock_release_all (or a
 * lock_release_after whose mark precedes this call). Re-entrant: a mode already held is
 * granted at once; a stronger mode is an upgrade that waits for the other holders.
 * Pre:    mode is 1..8; owner belongs to manager; owner is not waiting.
 * Post:   success and (acquired_out NULL or *acquired_out true): the mode is held.
 *         With LOCK_WAIT_SKIP and a conflict: success, *acquired_out false, nothing held.
 * Errors: LOCK_NOT_AVAILABLE "could not obtain lock on relation N" (NOWAIT) or "canceling
 *         statement due to lock timeout"; DEADLOCK_DETECTED "deadlock detected" with a DETAIL of
 *         one "Process X waits for M on O; blocked by process Y." line per edge of the cycle;
 *         QUERY_CANCELED "canceling statement due to user request" (lock_interrupt);
 *         OUT_OF_MEMORY. On any error the owner's locks are as before the call.
 *         acquired_out may be NULL unless policy is LOCK_WAIT_SKIP. */
Error *lock_table(LockManager *manager, LockOwner *owner, uint64_t table_oid, LockMode mode,
                  LockWaitPolicy policy, bool *acquired_out);

/* lock_table_release: release one held mode early (PostgreSQL's UnlockRelation, for catalog
 * lookups that need not hold to transaction end). Pre: owner holds mode on table_oid. */
void lock_table_release(LockManager *manager, LockOwner *owner, uint64_t table_oid,
                        LockMode mode);

/* lock_table_held: true if owner holds mode on table_oid (for assertions). No locking. */
bool lock_table_held(const LockOwner *owner, uint64_t table_oid, LockMode mode);

/* ------------------------------------------------------------ transaction ids ---- */

/* lock_xid_begin: take EXCLUSIVE on the owner's own xid. Call it before the xid is written
 * anywhere another transaction can see it (a row header), so that every waiter finds it.
 * Pre:    the owner does not hold its xid lock yet.
 * Post:   lock_wait_for_xid(owner's xid) blocks until lock_xid_end or lock_release_all.
 *         lock_release_after never releases it.
 * Errors: OUT_OF_MEMORY. */
Error *lock_xid_begin(LockOwner *owner);

/* lock_xid_end: release the owner's xid lock and wake every transaction waiting for it.
 * lock_release_all does the same; calling both is fine. */
void lock_xid_end(LockOwner *owner);

/* lock_wait_for_xid: block until transaction xid has ended (returns at once if it already
 * has, never held its xid lock, or is the owner's own xid). Nothing stays held.
 * Pre:    owner belongs to manager and is not waiting.
 * Post:   on success with *acquired_out true (or acquired_out NULL): xid had ended.
 *         With LOCK_WAIT_SKIP and xid in progress: success, *acquired_out false.
 * Errors: as lock_table ("could not obtain lock on transaction N" for NOWAIT); DETAIL lines
 *         say "waits for ShareLock on transaction N". */
Error *lock_wait_for_xid(LockManager *manager, LockOwner *owner, uint64_t xid,
                         LockWaitPolicy policy, bool *acquired_out);

/* ------------------------------------------------------------ tuple locks ---- */

/* lock_mode_of_row_mode: the table-lock mode that implements a row mode, as in PostgreSQL:
 * KEY SHARE -> ACCESS SHARE, SHARE -> ROW SHARE, NO KEY UPDATE -> EXCLUSIVE,
 * UPDATE -> ACCESS EXCLUSIVE; their conflicts are exactly the FOR ... conflict table. */
LockMode lock_mode_of_row_mode(LockRowMode row_mode);

/* lock_row: acquire the tuple lock (tree_id, key) in row_mode: the queue in which writers and
 * lockers of one row wait their turn before they wait for the row's xid. Re-entrant, upgrades
 * and errors as lock_table ("could not obtain lock on row in tree N" for NOWAIT). Held until
 * lock_row_release, lock_release_after or lock_release_all.
 * Pre: key_size <= LOCK_ROW_KEY_SIZE_MAX; key may be NULL only if key_size is 0.
 * The key bytes are copied; the caller keeps its buffer. */
Error *lock_row(LockManager *manager, LockOwner *owner, uint64_t tree_id, const void *key,
                size_t key_size, LockRowMode row_mode, LockWaitPolicy policy,
                bool *acquired_out);

/* lock_row_release: release a tuple lock taken by lock_row. Pre: owner holds it. */
void lock_row_release(LockManager *manager, LockOwner *owner, uint64_t tree_id, const void *key,
                      size_t key_size, LockRowMode row_mode);

/* ------------------------------------------------------------ release ---- */

/* lock_mark: the current savepoint mark of owner (cheap: a counter). */
LockMark lock_mark(const LockOwner *owner);

/* lock_release_after: ROLLBACK TO SAVEPOINT: release every mode the owner first acquired after
 * mark (table, row), waking waiters. Modes held before the mark stay held, even if they were
 * requested again after it; the xid lock is never released here. Pre: the owner is not waiting. */
void lock_release_after(LockOwner *owner, LockMark mark);

/* lock_release_all: transaction end: release every lock of owner, xid lock included, and wake
 * the waiters. Pre: the owner is not waiting. Post: the owner holds nothing. */
void lock_release_all(LockOwner *owner);

/* lock_owner_held_count: how many (object, mode) pairs owner holds. No locking. */
size_t lock_owner_held_count(const LockOwner *owner);

/* ------------------------------------------------------------ cancel ---- */

/* lock_interrupt: statement cancel, from any thread. If owner is waiting, the wait ends with
 * QUERY_CANCELED (57014) "canceling statement due to user request"; otherwise the cancel stays
 * pending and the owner's next wait ends that way at once (uncontended requests are granted
 * regardless). Either way the cancel is then consumed. */
void lock_interrupt(LockOwner *owner);

/* lock_interrupt_clear: drop a pending cancel (the next statement starts clean). */
void lock_interrupt_clear(LockOwner *owner);

/* ------------------------------------------------------------ observability ---- */

typedef struct LockSnapshotEntry {
    LockObjectKind kind;
    uint64_t       object_id;  /* table oid, xid, or tree id */
    const uint8_t *key;        /* LOCK_OBJECT_ROW: the key bytes (valid during the callback) */
    size_t         key_size;
    LockMode       mode;       /* rows: the mode of lock_mode_of_row_mode */
    bool           granted;    /* false: a waiter's request */
    uint64_t       xid;        /* holder or waiter */
} LockSnapshotEntry;

typedef void LockSnapshotFn(const LockSnapshotEntry *entry, void *arg);

/* lock_snapshot: call fn once per held mode and once per waiting request, for pg_locks. The
 * view is consistent (every partition is locked for the duration), so fn must be quick and
 * must not call any lock_ function. */
void lock_snapshot(LockManager *manager, LockSnapshotFn *fn, void *arg);

/* lock_mode_name: PostgreSQL's name, "AccessShareLock" ... "AccessExclusiveLock". */
const char *lock_mode_name(LockMode mode);

/* lock_modes_conflict: PostgreSQL's conflict table. */
bool lock_modes_conflict(LockMode held, LockMode requested);

#endif
