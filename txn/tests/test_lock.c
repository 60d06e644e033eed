/* txn/tests/test_lock.c: the lock manager (lock.c) with real threads: PostgreSQL's conflict
 * tables, waiting and FIFO wake-up, upgrades, savepoint release, xid waits, tuple queues,
 * deadlocks (one victim, PostgreSQL's DETAIL), lock_timeout, NOWAIT, SKIP LOCKED, cancel, OOM,
 * pg_locks snapshots, and a randomized multi-thread stress run (scaled by BIRCH_TEST_SCALE). */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/failpoint.h"
#include "txn/lock.h"

/* ------------------------------------------------------------ helpers ---- */

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static double now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
}

static LockManager *manager_new(int deadlock_timeout_ms)
{
    LockManager *manager = NULL;
    ck_assert_ptr_null(lock_manager_create(&manager));
    lock_manager_set_deadlock_timeout(manager, deadlock_timeout_ms);
    return manager;
}

static LockOwner *owner_new(LockManager *manager, uint64_t xid)
{
    LockOwner *owner = NULL;
    ck_assert_ptr_null(lock_owner_create(manager, xid, &owner));
    return owner;
}

static void expect_error(Error *err, SqlState state, const char *message)
{
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), sqlstate_code(state));
    if (message != NULL) ck_assert_str_eq(err->message, message);
    err_free(err);
}

/* Snapshot counting. */
typedef struct SnapCount {
    uint64_t xid;          /* 0: any */
    bool     granted;
    int      count;
    int      total;
} SnapCount;

static void snap_count_fn(const LockSnapshotEntry *entry, void *arg)
{
    SnapCount *snap = arg;
    snap->total++;
    if ((snap->xid == 0 || entry->xid == snap->xid) && entry->granted == snap->granted) {
        snap->count++;
    }
}

static int snapshot_count(LockManager *manager, uint64_t xid, bool granted)
{
    SnapCount snap = {.xid = xid, .granted = granted};
    lock_snapshot(manager, snap_count_fn, &snap);
    return snap.count;
}

static int snapshot_total(LockManager *manager)
{
    SnapCount snap = {0};
    lock_snapshot(manager, snap_count_fn, &snap);
    return snap.total;
}

/* Block until transaction xid has a waiting request (the order of queued requests is then
 * known), at most 5 s. */
static void wait_until_waiting(LockManager *manager, uint64_t xid)
{
    double deadline = now_seconds() + 5.0;
    while (snapshot_count(manager, xid, false) == 0) {
        ck_assert_msg(now_seconds() < deadline, "xid %llu never started waiting",
                      (unsigned long long)xid);
        sleep_ms(1);
    }
}

/* A lock request run on its own thread. */
typedef enum OpKind { OP_TABLE, OP_XID, OP_ROW } OpKind;

typedef struct Async {
    pthread_t    thread;
    LockManager *manager;
    LockOwner   *owner;
    OpKind       kind;
    uint64_t     id;
    LockMode     mode;
    LockRowMode  row_mode;
    const char  *key;
    bool         release_all_after;   /* release everything when the request returns */
    atomic_bool  done;
    Error       *err;
    double       elapsed_seconds;
} Async;

static void *async_main(void *arg)
{
    Async *async = arg;
    double start = now_seconds();
    switch (async->kind) {
    case OP_TABLE:
        async->err = lock_table(async->manager, async->owner, async->id, async->mode,
                                LOCK_WAIT_BLOCK, NULL);
        break;
    case OP_XID:
        async->err = lock_wait_for_xid(async->manager, async->owner, async->id, LOCK_WAIT_BLOCK,
                                       NULL);
        break;
    case OP_ROW:
        async->err = lock_row(async->manager, async->owner, async->id, async->key,
                              strlen(async->key), async->row_mode, LOCK_WAIT_BLOCK, NULL);
        break;
    }
    async->elapsed_seconds = now_seconds() - start;
    /* an error aborts the transaction, which releases its locks */
    if (async->err != NULL || async->release_all_after) lock_release_all(async->owner);
    atomic_store(&async->done, true);
    return NULL;
}

static void async_start(Async *async, LockManager *manager, LockOwner *owner, OpKind kind,
                        uint64_t id, LockMode mode)
{
    async->manager = manager;
    async->owner = owner;
    async->kind = kind;
    async->id = id;
    async->mode = mode;
    atomic_init(&async->done, false);
    async->err = NULL;
    ck_assert_int_eq(pthread_create(&async->thread, NULL, async_main, async), 0);
}

static Error *async_join(Async *async)
{
    pthread_join(async->thread, NULL);
    return async->err;
}

static bool async_done(Async *async)
{
    return atomic_load(&async->done);
}

/* ------------------------------------------------------------ conflict tables ---- */

/* PostgreSQL's documentation, "Conflicting Lock Modes" (table 13.2), row = requested,
 * column = already held, order ACCESS SHARE .. ACCESS EXCLUSIVE. */
static const char *const PG_CONFLICT_TABLE[8] = {
    ".......X", /* ACCESS SHARE */
    "......XX", /* ROW SHARE */
    "....XXXX", /* ROW EXCLUSIVE */
    "...XXXXX", /* SHARE UPDATE EXCLUSIVE */
    "..XX.XXX", /* SHARE */
    "..XXXXXX", /* SHARE ROW EXCLUSIVE */
    ".XXXXXXX", /* EXCLUSIVE */
    "XXXXXXXX", /* ACCESS EXCLUSIVE */
};

START_TEST(test_lock_conflict_matrix)
{
    LockManager *manager = manager_new(1000);
    LockOwner *holder = owner_new(manager, 10);
    LockOwner *requester = owner_new(manager, 20);
    for (int held = 1; held <= 8; held++) {
        for (int requested = 1; requested <= 8; requested++) {
            bool conflict = PG_CONFLICT_TABLE[requested - 1][held - 1] == 'X';
            ck_assert_int_eq(lock_modes_conflict((LockMode)held, (LockMode)requested), conflict);
            ck_assert_ptr_null(
                lock_table(manager, holder, 7, (LockMode)held, LOCK_WAIT_NOWAIT, NULL));
            bool acquired = false;
            Error *err = lock_table(manager, requester, 7, (LockMode)requested,
                                    LOCK_WAIT_NOWAIT, &acquired);
            if (conflict) {
                ck_assert(!acquired);
                expect_error(err, SQLSTATE_LOCK_NOT_AVAILABLE,
                             "could not obtain lock on relation 7");
                ck_assert_int_eq(lock_owner_held_count(requester), 0);
                /* SKIP LOCKED: no error, not acquired */
                acquired = true;
                ck_assert_ptr_null(lock_table(manager, requester, 7, (LockMode)requested,
                                              LOCK_WAIT_SKIP, &acquired));
                ck_assert(!acquired);
            } else {
                ck_assert_ptr_null(err);
                ck_assert(acquired);
                ck_assert(lock_table_held(requester, 7, (LockMode)requested));
            }
            lock_release_all(requester);
            /* the same transaction never conflicts with itself */
            ck_assert_ptr_null(
                lock_table(manager, holder, 7, (LockMode)requested, LOCK_WAIT_NOWAIT, NULL));
            lock_release_all(holder);
            ck_assert_int_eq(snapshot_total(manager), 0);
        }
    }
    lock_owner_destroy(holder);
    lock_owner_destroy(requester);
    lock_manager_destroy(manager);
}
END_TEST

/* PostgreSQL's "Conflicting Row-Level Locks" (table 13.3), order KEY SHARE, SHARE,
 * NO KEY UPDATE, UPDATE. */
static const char *const PG_ROW_CONFLICT_TABLE[4] = {
    "...X", /* FOR KEY SHARE */
    "..XX", /* FOR SHARE */
    ".XXX", /* FOR NO KEY UPDATE */
    "XXXX", /* FOR UPDATE */
};

START_TEST(test_lock_row_conflict_matrix)
{
    LockManager *manager = manager_new(1000);
    LockOwner *holder = owner_new(manager, 10);
    LockOwner *requester = owner_new(manager, 20);
    for (int held = 0; held < LOCK_ROW_MODE_COUNT; held++) {
        for (int requested = 0; requested < LOCK_ROW_MODE_COUNT; requested++) {
            bool conflict = PG_ROW_CONFLICT_TABLE[requested][held] == 'X';
            ck_assert_ptr_null(lock_row(manager, holder, 3, "k1", 2, (LockRowMode)held,
                                        LOCK_WAIT_NOWAIT, NULL));
            Error *err = lock_row(manager, requester, 3, "k1", 2, (LockRowMode)requested,
                                  LOCK_WAIT_NOWAIT, NULL);
            if (conflict) {
                expect_error(err, SQLSTATE_LOCK_NOT_AVAILABLE,
                             "could not obtain lock on row in tree 3");
            } else {
                ck_assert_ptr_null(err);
            }
            /* another key, another tree, a longer key with the same prefix: no conflict */
            ck_assert_ptr_null(lock_row(manager, requester, 3, "k2", 2, (LockRowMode)requested,
                                        LOCK_WAIT_NOWAIT, NULL));
            ck_assert_ptr_null(lock_row(manager, requester, 4, "k1", 2, (LockRowMode)requested,
                                        LOCK_WAIT_NOWAIT, NULL));
            ck_assert_ptr_null(lock_row(manager, requester, 3, "k1x", 3, (LockRowMode)requested,
                                        LOCK_WAIT_NOWAIT, NULL));
            lock_release_all(requester);
            lock_release_all(holder);
            ck_assert_int_eq(snapshot_total(manager), 0);
        }
    }
    /* a row lock never conflicts with a table lock of the same id */
    ck_assert_ptr_null(lock_table(manager, holder, 3, LOCK_ACCESS_EXCLUSIVE, LOCK_WAIT_NOWAIT,
                                  NULL));
    ck_assert_ptr_null(lock_row(manager, requester, 3, NULL, 0, LOCK_FOR_UPDATE,
                                LOCK_WAIT_NOWAIT, NULL));
    lock_release_all(requester);
    lock_release_all(holder);
    lock_owner_destroy(holder);
    lock_owner_destroy(requester);
    lock_manager_destroy(manager);
}
END_TEST

/* ------------------------------------------------------------ waiting ---- */

START_TEST(test_lock_wait_and_wakeup)
{
    LockManager *manager = manager_new(10000);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    ck_assert_ptr_null(lock_table(manager, owner1, 5, LOCK_ACCESS_EXCLUSIVE, LOCK_WAIT_BLOCK,
                                  NULL));
    Async async = {0};
    async_start(&async, manager, owner2, OP_TABLE, 5, LOCK_ACCESS_SHARE);
    wait_until_waiting(manager, 2);
    sleep_ms(50);
    ck_assert(!async_done(&async));
    ck_assert_int_eq(snapshot_count(manager, 2, false), 1);
    lock_release_all(owner1);
    ck_assert_ptr_null(async_join(&async));
    ck_assert(lock_table_held(owner2, 5, LOCK_ACCESS_SHARE));
    ck_assert_int_eq(snapshot_count(manager, 2, false), 0);
    lock_release_all(owner2);
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_manager_destroy(manager);
}
END_TEST

START_TEST(test_lock_fifo_behind_waiter)
{
    LockManager *manager = manager_new(10000);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    LockOwner *owner3 = owner_new(manager, 3);
    ck_assert_ptr_null(lock_table(manager, owner1, 5, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL));
    Async async2 = {0};
    Async async3 = {0};
    async_start(&async2, manager, owner2, OP_TABLE, 5, LOCK_ACCESS_EXCLUSIVE);
    wait_until_waiting(manager, 2);
    /* compatible with the holder, but conflicts with the waiter ahead: it queues (and NOWAIT
     * fails) */
    expect_error(lock_table(manager, owner3, 5, LOCK_ACCESS_SHARE, LOCK_WAIT_NOWAIT, NULL),
                 SQLSTATE_LOCK_NOT_AVAILABLE, "could not obtain lock on relation 5");
    async_start(&async3, manager, owner3, OP_TABLE, 5, LOCK_ACCESS_SHARE);
    wait_until_waiting(manager, 3);
    sleep_ms(50);
    ck_assert(!async_done(&async2));
    ck_assert(!async_done(&async3));
    lock_release_all(owner1);
    ck_assert_ptr_null(async_join(&async2));
    sleep_ms(50);
    ck_assert(!async_done(&async3));
    lock_release_all(owner2);
    ck_assert_ptr_null(async_join(&async3));
    lock_release_all(owner3);
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_owner_destroy(owner3);
    lock_manager_destroy(manager);
}
END_TEST

/* A holder's new request goes ahead of a waiter that waits for the holder (PostgreSQL's
 * JoinWaitQueue), and a cross upgrade is a deadlock found at once. */
START_TEST(test_lock_holder_goes_ahead_and_immediate_deadlock)
{
    LockManager *manager = manager_new(60000);   /* the deadlock must not need the timeout */
    LockOwner *owner1 = owner_new(manager, 11);
    LockOwner *owner2 = owner_new(manager, 22);
    ck_assert_ptr_null(lock_table(manager, owner1, 5, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL));
    ck_assert_ptr_null(lock_table(manager, owner2, 5, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL));
    Async async2 = {0};
    async_start(&async2, manager, owner2, OP_TABLE, 5, LOCK_ACCESS_EXCLUSIVE);
    wait_until_waiting(manager, 22);
    /* ROW SHARE conflicts with the queued ACCESS EXCLUSIVE, but owner1 holds a lock the waiter
     * needs: granted at once, even with NOWAIT */
    ck_assert_ptr_null(lock_table(manager, owner1, 5, LOCK_ROW_SHARE, LOCK_WAIT_NOWAIT, NULL));
    /* owner1 upgrading too while owner2 waits for owner1: deadlock, without waiting */
    double start = now_seconds();
    Error *err = lock_table(manager, owner1, 5, LOCK_ACCESS_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL);
    ck_assert(now_seconds() - start < 5.0);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "40P01");
    ck_assert_str_eq(err->message, "deadlock detected");
    ck_assert_str_eq(err->detail,
                     "Process 11 waits for AccessExclusiveLock on relation 5; blocked by "
                     "process 22.\n"
                     "Process 22 waits for AccessExclusiveLock on relation 5; blocked by "
                     "process 11.");
    err_free(err);
    ck_assert(!async_done(&async2));
    lock_release_all(owner1);
    ck_assert_ptr_null(async_join(&async2));
    ck_assert(lock_table_held(owner2, 5, LOCK_ACCESS_EXCLUSIVE));
    lock_release_all(owner2);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_manager_destroy(manager);
}
END_TEST

START_TEST(test_lock_upgrade_waits_for_other_holders)
{
    LockManager *manager = manager_new(10000);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    ck_assert_ptr_null(lock_table(manager, owner1, 9, LOCK_ROW_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL));
    ck_assert_ptr_null(lock_table(manager, owner2, 9, LOCK_ROW_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL));
    /* alone, an upgrade is immediate */
    ck_assert_ptr_null(lock_table(manager, owner1, 10, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL));
    ck_assert_ptr_null(lock_table(manager, owner1, 10, LOCK_ACCESS_EXCLUSIVE, LOCK_WAIT_NOWAIT,
                                  NULL));
    Async async1 = {0};
    async_start(&async1, manager, owner1, OP_TABLE, 9, LOCK_SHARE_ROW_EXCLUSIVE);
    wait_until_waiting(manager, 1);
    sleep_ms(30);
    ck_assert(!async_done(&async1));
    lock_release_all(owner2);
    ck_assert_ptr_null(async_join(&async1));
    ck_assert(lock_table_held(owner1, 9, LOCK_ROW_EXCLUSIVE));
    ck_assert(lock_table_held(owner1, 9, LOCK_SHARE_ROW_EXCLUSIVE));
    ck_assert_int_eq(lock_owner_held_count(owner1), 4);
    ck_assert_int_eq(snapshot_count(manager, 1, true), 4);
    lock_release_all(owner1);
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_manager_destroy(manager);
}
END_TEST

START_TEST(test_lock_reentrant_and_release_all)
{
    LockManager *manager = manager_new(1000);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    for (int round_idx = 0; round_idx < 3; round_idx++) {
        ck_assert_ptr_null(lock_table(manager, owner1, 1, LOCK_ROW_EXCLUSIVE, LOCK_WAIT_BLOCK,
                                      NULL));
    }
    ck_assert_int_eq(lock_owner_held_count(owner1), 1);
    /* many objects: the owner's hash grows */
    for (uint64_t oid = 100; oid < 400; oid++) {
        ck_assert_ptr_null(lock_table(manager, owner1, oid, LOCK_SHARE, LOCK_WAIT_BLOCK, NULL));
        ck_assert_ptr_null(lock_table(manager, owner1, oid, LOCK_SHARE, LOCK_WAIT_BLOCK, NULL));
    }
    ck_assert_int_eq(lock_owner_held_count(owner1), 301);
    for (uint64_t oid = 100; oid < 400; oid++) ck_assert(lock_table_held(owner1, oid, LOCK_SHARE));
    ck_assert(!lock_table_held(owner1, 100, LOCK_EXCLUSIVE));
    ck_assert_int_eq(snapshot_total(manager), 301);
    expect_error(lock_table(manager, owner2, 250, LOCK_EXCLUSIVE, LOCK_WAIT_NOWAIT, NULL),
                 SQLSTATE_LOCK_NOT_AVAILABLE, NULL);
    /* an early release of one mode */
    lock_table_release(manager, owner1, 250, LOCK_SHARE);
    ck_assert(!lock_table_held(owner1, 250, LOCK_SHARE));
    ck_assert_ptr_null(lock_table(manager, owner2, 250, LOCK_EXCLUSIVE, LOCK_WAIT_NOWAIT, NULL));
    lock_release_all(owner1);
    ck_assert_int_eq(lock_owner_held_count(owner1), 0);
    ck_assert(!lock_table_held(owner1, 1, LOCK_ROW_EXCLUSIVE));
    ck_assert_int_eq(snapshot_total(manager), 1);
    lock_release_all(owner2);
    ck_assert_int_eq(snapshot_total(manager), 0);
    /* an owner is reused for the next transaction */
    lock_owner_set_xid(owner1, 77);
    ck_assert_uint_eq(lock_owner_xid(owner1), 77);
    ck_assert_ptr_null(lock_table(manager, owner1, 1, LOCK_SHARE, LOCK_WAIT_BLOCK, NULL));
    ck_assert_int_eq(snapshot_count(manager, 77, true), 1);
    lock_release_all(owner1);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_manager_destroy(manager);
}
END_TEST

START_TEST(test_lock_release_after_savepoint_mark)
{
    LockManager *manager = manager_new(10000);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    ck_assert_ptr_null(lock_xid_begin(owner1));
    ck_assert_ptr_null(lock_table(manager, owner1, 1, LOCK_ROW_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL));
    LockMark mark = lock_mark(owner1);                       /* SAVEPOINT a */
    ck_assert_ptr_null(lock_table(manager, owner1, 1, LOCK_ROW_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL));
    ck_assert_ptr_null(lock_table(manager, owner1, 1, LOCK_ACCESS_EXCLUSIVE, LOCK_WAIT_BLOCK,
                                  NULL));
    ck_assert_ptr_null(lock_table(manager, owner1, 2, LOCK_SHARE, LOCK_WAIT_BLOCK, NULL));
    LockMark inner_mark = lock_mark(owner1);                 /* SAVEPOINT b */
    ck_assert_ptr_null(lock_row(manager, owner1, 8, "r", 1, LOCK_FOR_UPDATE, LOCK_WAIT_BLOCK,
                                NULL));
    ck_assert_int_eq(lock_owner_held_count(owner1), 5);
    lock_release_after(owner1, inner_mark);                  /* ROLLBACK TO b */
    ck_assert_int_eq(lock_owner_held_count(owner1), 4);
    ck_assert_ptr_null(lock_row(manager, owner2, 8, "r", 1, LOCK_FOR_UPDATE, LOCK_WAIT_NOWAIT,
                                NULL));
    /* a waiter for a lock taken after the mark is woken by the rollback */
    Async async2 = {0};
    async_start(&async2, manager, owner2, OP_TABLE, 2, LOCK_ROW_EXCLUSIVE);
    wait_until_waiting(manager, 2);
    lock_release_after(owner1, mark);                        /* ROLLBACK TO a */
    ck_assert_ptr_null(async_join(&async2));
    ck_assert(lock_table_held(owner1, 1, LOCK_ROW_EXCLUSIVE));   /* held before the mark */
    ck_assert(!lock_table_held(owner1, 1, LOCK_ACCESS_EXCLUSIVE));
    ck_assert(!lock_table_held(owner1, 2, LOCK_SHARE));
    ck_assert_int_eq(lock_owner_held_count(owner1), 2);      /* RowExclusive + the xid lock */
    /* the xid lock survives even a mark taken before it */
    lock_release_after(owner1, 0);
    ck_assert_int_eq(lock_owner_held_count(owner1), 1);
    expect_error(lock_wait_for_xid(manager, owner2, 1, LOCK_WAIT_NOWAIT, NULL),
                 SQLSTATE_LOCK_NOT_AVAILABLE, "could not obtain lock on transaction 1");
    lock_release_all(owner1);
    lock_release_all(owner2);
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_manager_destroy(manager);
}
END_TEST

/* ------------------------------------------------------------ xid waits, tuple queues ---- */

START_TEST(test_lock_xid_wait_wakes_every_waiter)
{
    enum { WAITER_COUNT = 4 };
    LockManager *manager = manager_new(10000);
    LockOwner *writer = owner_new(manager, 100);
    ck_assert_ptr_null(lock_xid_begin(writer));
    LockOwner *waiters[WAITER_COUNT];
    Async asyncs[WAITER_COUNT];
    memset(asyncs, 0, sizeof asyncs);
    for (int waiter_idx = 0; waiter_idx < WAITER_COUNT; waiter_idx++) {
        waiters[waiter_idx] = owner_new(manager, 200 + (uint64_t)waiter_idx);
        async_start(&asyncs[waiter_idx], manager, waiters[waiter_idx], OP_XID, 100, LOCK_SHARE);
    }
    for (int waiter_idx = 0; waiter_idx < WAITER_COUNT; waiter_idx++) {
        wait_until_waiting(manager, 200 + (uint64_t)waiter_idx);
    }
    sleep_ms(30);
    for (int waiter_idx = 0; waiter_idx < WAITER_COUNT; waiter_idx++) {
        ck_assert(!async_done(&asyncs[waiter_idx]));
    }
    /* SKIP / NOWAIT / own xid / an xid that never locked (ended long ago) */
    bool acquired = true;
    LockOwner *probe = owner_new(manager, 300);
    ck_assert_ptr_null(lock_wait_for_xid(manager, probe, 100, LOCK_WAIT_SKIP, &acquired));
    ck_assert(!acquired);
    expect_error(lock_wait_for_xid(manager, probe, 100, LOCK_WAIT_NOWAIT, NULL),
                 SQLSTATE_LOCK_NOT_AVAILABLE, "could not obtain lock on transaction 100");
    ck_assert_int_eq(lock_owner_held_count(probe), 0);
    lock_owner_destroy(probe);
    ck_assert_ptr_null(lock_wait_for_xid(manager, writer, 100, LOCK_WAIT_BLOCK, NULL));
    ck_assert_ptr_null(lock_wait_for_xid(manager, writer, 5, LOCK_WAIT_BLOCK, &acquired));
    ck_assert(acquired);
    lock_xid_end(writer);
    for (int waiter_idx = 0; waiter_idx < WAITER_COUNT; waiter_idx++) {
        ck_assert_ptr_null(async_join(&asyncs[waiter_idx]));
        ck_assert_int_eq(lock_owner_held_count(waiters[waiter_idx]), 0);   /* nothing kept */
        lock_owner_destroy(waiters[waiter_idx]);
    }
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_release_all(writer);
    lock_owner_destroy(writer);
    lock_manager_destroy(manager);
}
END_TEST

START_TEST(test_lock_row_queue_serves_in_order)
{
    LockManager *manager = manager_new(10000);
    LockOwner *owners[4];
    for (int owner_idx = 0; owner_idx < 4; owner_idx++) {
        owners[owner_idx] = owner_new(manager, 1 + (uint64_t)owner_idx);
    }
    ck_assert_ptr_null(lock_row(manager, owners[0], 42, "row", 3, LOCK_FOR_UPDATE,
                                LOCK_WAIT_BLOCK, NULL));
    Async asyncs[4];
    memset(asyncs, 0, sizeof asyncs);
    for (int owner_idx = 1; owner_idx < 4; owner_idx++) {
        asyncs[owner_idx].key = "row";
        asyncs[owner_idx].row_mode = owner_idx == 2 ? LOCK_FOR_KEY_SHARE : LOCK_FOR_UPDATE;
        async_start(&asyncs[owner_idx], manager, owners[owner_idx], OP_ROW, 42, LOCK_MODE_NONE);
        wait_until_waiting(manager, 1 + (uint64_t)owner_idx);
    }
    /* the DETAIL-style view: waiting requests show the table mode of the row mode */
    lock_release_all(owners[0]);
    ck_assert_ptr_null(async_join(&asyncs[1]));
    sleep_ms(30);
    /* FOR KEY SHARE conflicts with the FOR UPDATE holder: the queue stays in order */
    ck_assert(!async_done(&asyncs[2]));
    ck_assert(!async_done(&asyncs[3]));
    lock_row_release(manager, owners[1], 42, "row", 3, LOCK_FOR_UPDATE);
    ck_assert_ptr_null(async_join(&asyncs[2]));
    sleep_ms(30);
    ck_assert(!async_done(&asyncs[3]));
    lock_release_all(owners[2]);
    ck_assert_ptr_null(async_join(&asyncs[3]));
    for (int owner_idx = 0; owner_idx < 4; owner_idx++) {
        lock_release_all(owners[owner_idx]);
        lock_owner_destroy(owners[owner_idx]);
    }
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_manager_destroy(manager);
}
END_TEST

/* ------------------------------------------------------------ deadlocks ---- */

/* Runs a cycle of cycle_length transactions (each already holding its own object) that each
 * request the next one's object; checks one victim with DETAIL lines, the rest complete. */
static void check_one_victim(Async *asyncs, int count, int line_count_expected,
                             int *victim_idx_out)
{
    int victim_count = 0;
    for (int async_idx = 0; async_idx < count; async_idx++) {
        Error *err = async_join(&asyncs[async_idx]);
        if (err == NULL) continue;
        victim_count++;
        *victim_idx_out = async_idx;
        ck_assert_str_eq(sqlstate_code(err->state), "40P01");
        ck_assert_str_eq(err->message, "deadlock detected");
        ck_assert_ptr_nonnull(err->detail);
        int line_count = 1;
        for (const char *cursor = err->detail; *cursor != '\0'; cursor++) {
            line_count += *cursor == '\n';
        }
        ck_assert_int_eq(line_count, line_count_expected);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "Process %llu waits for ",
                 (unsigned long long)lock_owner_xid(asyncs[async_idx].owner));
        ck_assert_msg(strncmp(err->detail, prefix, strlen(prefix)) == 0, "detail: %s",
                      err->detail);
        asyncs[async_idx].err = NULL;
        err_free(err);
    }
    ck_assert_int_eq(victim_count, 1);
}

static void run_table_cycle(int cycle_length)
{
    LockManager *manager = manager_new(50);
    LockOwner *owners[8];
    Async asyncs[8];
    memset(asyncs, 0, sizeof asyncs);
    for (int owner_idx = 0; owner_idx < cycle_length; owner_idx++) {
        owners[owner_idx] = owner_new(manager, 10 * (uint64_t)(owner_idx + 1));
        ck_assert_ptr_null(lock_table(manager, owners[owner_idx], 1000 + (uint64_t)owner_idx,
                                      LOCK_ACCESS_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL));
    }
    for (int owner_idx = 0; owner_idx < cycle_length; owner_idx++) {
        asyncs[owner_idx].release_all_after = true;
        async_start(&asyncs[owner_idx], manager, owners[owner_idx], OP_TABLE,
                    1000 + (uint64_t)((owner_idx + 1) % cycle_length), LOCK_ROW_EXCLUSIVE);
    }
    int victim_idx = -1;
    check_one_victim(asyncs, cycle_length, cycle_length, &victim_idx);
    /* the victim's DETAIL names the whole cycle in order */
    ck_assert_int_eq(snapshot_total(manager), 0);
    for (int owner_idx = 0; owner_idx < cycle_length; owner_idx++) {
        lock_owner_destroy(owners[owner_idx]);
    }
    lock_manager_destroy(manager);
}

START_TEST(test_lock_deadlock_two_cycle)
{
    /* check the exact DETAIL of a 2-cycle too */
    LockManager *manager = manager_new(50);
    LockOwner *owner1 = owner_new(manager, 12);
    LockOwner *owner2 = owner_new(manager, 56);
    ck_assert_ptr_null(lock_table(manager, owner1, 1, LOCK_SHARE, LOCK_WAIT_BLOCK, NULL));
    ck_assert_ptr_null(lock_table(manager, owner2, 2, LOCK_ACCESS_EXCLUSIVE, LOCK_WAIT_BLOCK,
                                  NULL));
    Async async1 = {.release_all_after = true};
    Async async2 = {.release_all_after = true};
    async_start(&async1, manager, owner1, OP_TABLE, 2, LOCK_ACCESS_SHARE);
    wait_until_waiting(manager, 12);
    sleep_ms(100);   /* owner1 ran its deadlock check: no cycle yet */
    ck_assert(!async_done(&async1));
    async_start(&async2, manager, owner2, OP_TABLE, 1, LOCK_ROW_EXCLUSIVE);
    Error *err2 = async_join(&async2);
    Error *err1 = async_join(&async1);
    /* owner1 already checked; owner2 closes the cycle and is the victim */
    ck_assert_ptr_null(err1);
    ck_assert_ptr_nonnull(err2);
    ck_assert_str_eq(sqlstate_code(err2->state), "40P01");
    ck_assert_str_eq(err2->message, "deadlock detected");
    ck_assert_str_eq(err2->detail,
                     "Process 56 waits for RowExclusiveLock on relation 1; blocked by process "
                     "12.\n"
                     "Process 12 waits for AccessShareLock on relation 2; blocked by process 56.");
    ck_assert(async2.elapsed_seconds >= 0.045);
    err_free(err2);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_manager_destroy(manager);
    run_table_cycle(2);
}
END_TEST

START_TEST(test_lock_deadlock_three_cycle)
{
    run_table_cycle(3);
    run_table_cycle(5);
}
END_TEST

START_TEST(test_lock_deadlock_mixed_xid_and_table)
{
    LockManager *manager = manager_new(50);
    LockOwner *owner1 = owner_new(manager, 34);
    LockOwner *owner2 = owner_new(manager, 56);
    ck_assert_ptr_null(lock_xid_begin(owner1));
    ck_assert_ptr_null(lock_xid_begin(owner2));
    ck_assert_ptr_null(lock_table(manager, owner1, 7, LOCK_ROW_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL));
    ck_assert_ptr_null(lock_row(manager, owner2, 9, "abc", 3, LOCK_FOR_UPDATE, LOCK_WAIT_BLOCK,
                                NULL));
    /* owner1 waits for owner2's xid; a third transaction queues on owner2's row; owner2 wants
     * owner1's table */
    LockOwner *owner3 = owner_new(manager, 78);
    Async async1 = {.release_all_after = true};
    Async async2 = {.release_all_after = true};
    Async async3 = {.release_all_after = true, .key = "abc", .row_mode = LOCK_FOR_SHARE};
    async_start(&async1, manager, owner1, OP_XID, 56, LOCK_MODE_NONE);
    async_start(&async3, manager, owner3, OP_ROW, 9, LOCK_MODE_NONE);
    wait_until_waiting(manager, 34);
    wait_until_waiting(manager, 78);
    async_start(&async2, manager, owner2, OP_TABLE, 7, LOCK_SHARE);
    Error *err1 = async_join(&async1);
    Error *err2 = async_join(&async2);
    ck_assert_ptr_null(async_join(&async3));   /* not on the cycle: completes */
    ck_assert((err1 == NULL) != (err2 == NULL));
    Error *err = err1 != NULL ? err1 : err2;
    ck_assert_str_eq(sqlstate_code(err->state), "40P01");
    const char *xid_line = "Process 34 waits for ShareLock on transaction 56; blocked by process "
                           "56.";
    const char *table_line = "Process 56 waits for ShareLock on relation 7; blocked by process 34.";
    ck_assert_msg(strstr(err->detail, xid_line) != NULL, "detail: %s", err->detail);
    ck_assert_msg(strstr(err->detail, table_line) != NULL, "detail: %s", err->detail);
    err_free(err);
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_owner_destroy(owner3);
    lock_manager_destroy(manager);
}
END_TEST

/* A cycle through a "waits behind a waiter" edge is broken by letting the compatible waiter go
 * first, as PostgreSQL's deadlock checker does: nobody fails. */
START_TEST(test_lock_soft_cycle_resolved_by_reordering)
{
    LockManager *manager = manager_new(50);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    LockOwner *owner3 = owner_new(manager, 3);
    ck_assert_ptr_null(lock_table(manager, owner1, 100, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL));
    ck_assert_ptr_null(lock_table(manager, owner3, 200, LOCK_ROW_EXCLUSIVE, LOCK_WAIT_BLOCK,
                                  NULL));
    Async async1 = {.release_all_after = true};
    Async async2 = {.release_all_after = true};
    Async async3 = {0};
    /* owner2 waits for owner1 (hard); owner3 queues behind owner2 (soft); owner1 waits for
     * owner3 (hard): a cycle only because of the queue order */
    async_start(&async2, manager, owner2, OP_TABLE, 100, LOCK_ACCESS_EXCLUSIVE);
    wait_until_waiting(manager, 2);
    async_start(&async3, manager, owner3, OP_TABLE, 100, LOCK_ACCESS_SHARE);
    wait_until_waiting(manager, 3);
    async_start(&async1, manager, owner1, OP_TABLE, 200, LOCK_SHARE);
    ck_assert_ptr_null(async_join(&async3));   /* moved ahead of owner2, granted */
    sleep_ms(100);
    ck_assert(!async_done(&async1));
    ck_assert(!async_done(&async2));
    lock_release_all(owner3);
    ck_assert_ptr_null(async_join(&async1));
    ck_assert_ptr_null(async_join(&async2));
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_owner_destroy(owner3);
    lock_manager_destroy(manager);
}
END_TEST

/* A soft edge whose reordering cannot help (both waiters need what the other's queue position
 * guards, and a holder closes the cycle) still ends in exactly one victim. */
START_TEST(test_lock_soft_cycle_unresolvable)
{
    LockManager *manager = manager_new(50);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    LockOwner *owner3 = owner_new(manager, 3);
    ck_assert_ptr_null(lock_table(manager, owner1, 100, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL));
    ck_assert_ptr_null(lock_table(manager, owner3, 200, LOCK_ROW_EXCLUSIVE, LOCK_WAIT_BLOCK,
                                  NULL));
    Async asyncs[3] = {{.release_all_after = true}, {.release_all_after = true},
                       {.release_all_after = true}};
    /* owner2 waits for owner1; owner3 wants ACCESS EXCLUSIVE too (conflicts with owner1 even
     * when moved ahead); owner1 waits for owner3 */
    async_start(&asyncs[1], manager, owner2, OP_TABLE, 100, LOCK_ACCESS_EXCLUSIVE);
    wait_until_waiting(manager, 2);
    async_start(&asyncs[2], manager, owner3, OP_TABLE, 100, LOCK_ACCESS_EXCLUSIVE);
    wait_until_waiting(manager, 3);
    async_start(&asyncs[0], manager, owner1, OP_TABLE, 200, LOCK_SHARE);
    int victim_idx = -1;
    check_one_victim(asyncs, 3, 2, &victim_idx);
    ck_assert_int_ne(victim_idx, 1);   /* owner2 is not on the hard cycle owner1 <-> owner3 */
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_owner_destroy(owner3);
    lock_manager_destroy(manager);
}
END_TEST

START_TEST(test_lock_no_false_deadlock_on_long_chain)
{
    enum { CHAIN_LENGTH = 6 };
    LockManager *manager = manager_new(20);
    LockOwner *owners[CHAIN_LENGTH];
    Async asyncs[CHAIN_LENGTH];
    memset(asyncs, 0, sizeof asyncs);
    for (int owner_idx = 0; owner_idx < CHAIN_LENGTH; owner_idx++) {
        owners[owner_idx] = owner_new(manager, 1 + (uint64_t)owner_idx);
        ck_assert_ptr_null(lock_table(manager, owners[owner_idx], 500 + (uint64_t)owner_idx,
                                      LOCK_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL));
        ck_assert_ptr_null(lock_xid_begin(owners[owner_idx]));
    }
    /* owner k waits for owner k-1 (tables, then an xid, then a row), never back */
    for (int owner_idx = 1; owner_idx < CHAIN_LENGTH; owner_idx++) {
        asyncs[owner_idx].release_all_after = true;
        OpKind kind = owner_idx == 3 ? OP_XID : OP_TABLE;
        uint64_t id = kind == OP_XID ? (uint64_t)owner_idx : 500 + (uint64_t)owner_idx - 1;
        async_start(&asyncs[owner_idx], manager, owners[owner_idx], kind, id, LOCK_SHARE);
        wait_until_waiting(manager, 1 + (uint64_t)owner_idx);
    }
    sleep_ms(300);   /* every waiter ran its deadlock check */
    for (int owner_idx = 1; owner_idx < CHAIN_LENGTH; owner_idx++) {
        ck_assert(!async_done(&asyncs[owner_idx]));
    }
    lock_release_all(owners[0]);
    for (int owner_idx = 1; owner_idx < CHAIN_LENGTH; owner_idx++) {
        ck_assert_ptr_null(async_join(&asyncs[owner_idx]));
    }
    ck_assert_int_eq(snapshot_total(manager), 0);
    for (int owner_idx = 0; owner_idx < CHAIN_LENGTH; owner_idx++) {
        lock_owner_destroy(owners[owner_idx]);
    }
    lock_manager_destroy(manager);
}
END_TEST

/* ------------------------------------------------------------ timeouts, cancel, OOM ---- */

START_TEST(test_lock_timeout)
{
    LockManager *manager = manager_new(10000);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    LockOwner *owner3 = owner_new(manager, 3);
    ck_assert_ptr_null(lock_table(manager, owner1, 4, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL));
    lock_owner_set_timeout(owner2, 150);
    Async async2 = {0};
    Async async3 = {0};
    async_start(&async2, manager, owner2, OP_TABLE, 4, LOCK_ACCESS_EXCLUSIVE);
    wait_until_waiting(manager, 2);
    async_start(&async3, manager, owner3, OP_TABLE, 4, LOCK_ROW_SHARE);   /* behind owner2 */
    wait_until_waiting(manager, 3);
    ck_assert(!async_done(&async3));
    Error *err = async_join(&async2);
    ck_assert(async2.elapsed_seconds >= 0.14);
    expect_error(err, SQLSTATE_LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
    /* the timed-out request left the queue: owner3 is granted */
    ck_assert_ptr_null(async_join(&async3));
    ck_assert_int_eq(lock_owner_held_count(owner2), 0);
    ck_assert_int_eq(snapshot_count(manager, 0, false), 0);
    /* a timed-out upgrade keeps the mode held before */
    ck_assert_ptr_null(lock_table(manager, owner2, 4, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL));
    lock_owner_set_timeout(owner2, 30);
    expect_error(lock_table(manager, owner2, 4, LOCK_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL),
                 SQLSTATE_LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
    ck_assert(lock_table_held(owner2, 4, LOCK_ACCESS_SHARE));
    ck_assert_int_eq(lock_owner_held_count(owner2), 1);
    lock_release_all(owner1);
    lock_release_all(owner2);
    lock_release_all(owner3);
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_owner_destroy(owner3);
    lock_manager_destroy(manager);
}
END_TEST

START_TEST(test_lock_interrupt_cancels_wait)
{
    LockManager *manager = manager_new(10000);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    ck_assert_ptr_null(lock_xid_begin(owner1));
    ck_assert_ptr_null(lock_table(manager, owner1, 4, LOCK_ACCESS_EXCLUSIVE, LOCK_WAIT_BLOCK,
                                  NULL));
    Async async2 = {0};
    async_start(&async2, manager, owner2, OP_XID, 1, LOCK_MODE_NONE);
    wait_until_waiting(manager, 2);
    sleep_ms(20);
    lock_interrupt(owner2);
    expect_error(async_join(&async2), SQLSTATE_QUERY_CANCELED,
                 "canceling statement due to user request");
    ck_assert_int_eq(snapshot_count(manager, 2, false), 0);
    /* a cancel that arrives between waits: uncontended requests still succeed, the next wait
     * ends at once, and the cancel is then consumed */
    lock_interrupt(owner2);
    ck_assert_ptr_null(lock_table(manager, owner2, 5, LOCK_ACCESS_EXCLUSIVE, LOCK_WAIT_BLOCK,
                                  NULL));
    expect_error(lock_table(manager, owner2, 4, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL),
                 SQLSTATE_QUERY_CANCELED, "canceling statement due to user request");
    lock_owner_set_timeout(owner2, 20);
    expect_error(lock_table(manager, owner2, 4, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL),
                 SQLSTATE_LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
    lock_interrupt(owner2);
    lock_interrupt_clear(owner2);
    expect_error(lock_table(manager, owner2, 4, LOCK_ACCESS_SHARE, LOCK_WAIT_BLOCK, NULL),
                 SQLSTATE_LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
    lock_release_all(owner1);
    lock_release_all(owner2);
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_manager_destroy(manager);
}
END_TEST

START_TEST(test_lock_out_of_memory)
{
    LockManager *manager = manager_new(1000);
    LockOwner *owner1 = owner_new(manager, 1);
    ck_assert_ptr_null(lock_table(manager, owner1, 1, LOCK_SHARE, LOCK_WAIT_BLOCK, NULL));
    for (int skip_count = 0; skip_count < 2; skip_count++) {
        /* skip 0 fails the object allocation, skip 1 the hold allocation */
        fp_set("lock.alloc", FP_ACTION_ERROR, skip_count, 1);
        expect_error(lock_row(manager, owner1, 3, "k", 1, LOCK_FOR_SHARE, LOCK_WAIT_BLOCK, NULL),
                     SQLSTATE_OUT_OF_MEMORY, NULL);
        fp_clear_all();
        ck_assert_int_eq(lock_owner_held_count(owner1), 1);
        ck_assert_int_eq(snapshot_total(manager), 1);
    }
    ck_assert_ptr_null(lock_row(manager, owner1, 3, "k", 1, LOCK_FOR_SHARE, LOCK_WAIT_BLOCK,
                                NULL));
    lock_release_all(owner1);
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_manager_destroy(manager);
}
END_TEST

/* ------------------------------------------------------------ snapshot ---- */

typedef struct SnapList {
    LockSnapshotEntry entries[16];
    char              keys[16][8];
    int               count;
} SnapList;

static void snap_list_fn(const LockSnapshotEntry *entry, void *arg)
{
    SnapList *list = arg;
    ck_assert_int_lt(list->count, 16);
    list->entries[list->count] = *entry;
    if (entry->key != NULL) {
        memcpy(list->keys[list->count], entry->key, entry->key_size);
        list->entries[list->count].key = (const uint8_t *)list->keys[list->count];
    }
    list->count++;
}

static bool snap_has(const SnapList *list, LockObjectKind kind, uint64_t id, LockMode mode,
                     bool granted, uint64_t xid)
{
    for (int entry_idx = 0; entry_idx < list->count; entry_idx++) {
        const LockSnapshotEntry *entry = &list->entries[entry_idx];
        if (entry->kind == kind && entry->object_id == id && entry->mode == mode &&
            entry->granted == granted && entry->xid == xid) {
            return true;
        }
    }
    return false;
}

START_TEST(test_lock_snapshot_lists_holders_and_waiters)
{
    LockManager *manager = manager_new(10000);
    LockOwner *owner1 = owner_new(manager, 1);
    LockOwner *owner2 = owner_new(manager, 2);
    ck_assert_ptr_null(lock_xid_begin(owner1));
    ck_assert_ptr_null(lock_table(manager, owner1, 16384, LOCK_ROW_EXCLUSIVE, LOCK_WAIT_BLOCK,
                                  NULL));
    ck_assert_ptr_null(lock_row(manager, owner1, 3, "kk", 2, LOCK_FOR_NO_KEY_UPDATE,
                                LOCK_WAIT_BLOCK, NULL));
    Async async2 = {0};
    async_start(&async2, manager, owner2, OP_TABLE, 16384, LOCK_ACCESS_EXCLUSIVE);
    wait_until_waiting(manager, 2);
    SnapList list = {0};
    lock_snapshot(manager, snap_list_fn, &list);
    ck_assert_int_eq(list.count, 4);
    ck_assert(snap_has(&list, LOCK_OBJECT_XID, 1, LOCK_EXCLUSIVE, true, 1));
    ck_assert(snap_has(&list, LOCK_OBJECT_TABLE, 16384, LOCK_ROW_EXCLUSIVE, true, 1));
    ck_assert(snap_has(&list, LOCK_OBJECT_ROW, 3, LOCK_EXCLUSIVE, true, 1));
    ck_assert(snap_has(&list, LOCK_OBJECT_TABLE, 16384, LOCK_ACCESS_EXCLUSIVE, false, 2));
    for (int entry_idx = 0; entry_idx < list.count; entry_idx++) {
        if (list.entries[entry_idx].kind != LOCK_OBJECT_ROW) continue;
        ck_assert_int_eq(list.entries[entry_idx].key_size, 2);
        ck_assert(memcmp(list.entries[entry_idx].key, "kk", 2) == 0);
    }
    ck_assert_str_eq(lock_mode_name(LOCK_ACCESS_SHARE), "AccessShareLock");
    ck_assert_str_eq(lock_mode_name(LOCK_SHARE_UPDATE_EXCLUSIVE), "ShareUpdateExclusiveLock");
    ck_assert_str_eq(lock_mode_name(LOCK_ACCESS_EXCLUSIVE), "AccessExclusiveLock");
    lock_release_all(owner1);
    ck_assert_ptr_null(async_join(&async2));
    lock_release_all(owner2);
    ck_assert_int_eq(snapshot_total(manager), 0);
    lock_owner_destroy(owner1);
    lock_owner_destroy(owner2);
    lock_manager_destroy(manager);
}
END_TEST

/* ------------------------------------------------------------ stress ---- */

enum {
    STRESS_THREAD_COUNT = 8,
    STRESS_TABLE_COUNT = 4,
    STRESS_ROW_COUNT = 3,
};

typedef struct Stress {
    LockManager       *manager;
    LockOwner         *owners[STRESS_THREAD_COUNT];
    atomic_uint_least64_t current_xid[STRESS_THREAD_COUNT];
    atomic_uint_least64_t next_xid;
    /* holders of each table mode, counted by the test itself: a held mode conflicting with a
     * mode another thread holds is a mutual-exclusion failure */
    atomic_int        mode_holders[STRESS_TABLE_COUNT][LOCK_MODE_COUNT];
    atomic_int        violation_count;
    atomic_int        deadlock_count;
    atomic_int        timeout_count;
    atomic_int        cancel_count;
    atomic_int        unexpected_count;
    int               iteration_count;
    pthread_barrier_t start_barrier;    /* all threads start together */
} Stress;

typedef struct StressThread {
    Stress  *stress;
    int      thread_idx;
    uint64_t seed;
    bool     held[STRESS_TABLE_COUNT][LOCK_MODE_COUNT];
    bool     after_mark[STRESS_TABLE_COUNT][LOCK_MODE_COUNT];
} StressThread;

static uint64_t next_random(uint64_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    return *seed;
}

static void stress_forget(StressThread *thread, bool only_after_mark)
{
    for (int table_idx = 0; table_idx < STRESS_TABLE_COUNT; table_idx++) {
        for (int mode = 1; mode < LOCK_MODE_COUNT; mode++) {
            if (!thread->held[table_idx][mode]) continue;
            if (only_after_mark && !thread->after_mark[table_idx][mode]) continue;
            thread->held[table_idx][mode] = false;
            atomic_fetch_sub(&thread->stress->mode_holders[table_idx][mode], 1);
        }
    }
    memset(thread->after_mark, 0, sizeof thread->after_mark);
}

static void stress_note_table(StressThread *thread, int table_idx, LockMode mode, bool marked)
{
    Stress *stress = thread->stress;
    if (thread->held[table_idx][mode]) return;
    thread->held[table_idx][mode] = true;
    thread->after_mark[table_idx][mode] = marked;
    atomic_fetch_add(&stress->mode_holders[table_idx][mode], 1);
    for (int other = 1; other < LOCK_MODE_COUNT; other++) {
        if (!lock_modes_conflict((LockMode)other, mode)) continue;
        int others = atomic_load(&stress->mode_holders[table_idx][other]) -
                     (thread->held[table_idx][other] ? 1 : 0);
        if (others > 0) atomic_fetch_add(&stress->violation_count, 1);
    }
}

static Error *stress_step(StressThread *thread, LockOwner *owner, bool marked)
{
    Stress *stress = thread->stress;
    uint64_t roll = next_random(&thread->seed);
    LockWaitPolicy policy = roll % 10 == 0 ? LOCK_WAIT_NOWAIT
                            : roll % 10 == 1 ? LOCK_WAIT_SKIP : LOCK_WAIT_BLOCK;
    bool acquired = false;
    switch ((roll >> 8) % 6) {
    case 0:
    case 1:
    case 2: {
        int table_idx = (int)((roll >> 16) % STRESS_TABLE_COUNT);
        LockMode mode = (LockMode)(1 + (roll >> 24) % 8);
        TRY(lock_table(stress->manager, owner, 1 + (uint64_t)table_idx, mode, policy,
                       &acquired));
        if (acquired) stress_note_table(thread, table_idx, mode, marked);
        return NULL;
    }
    case 3:
    case 4: {
        char key[2] = {(char)('a' + (roll >> 16) % STRESS_ROW_COUNT), 0};
        LockRowMode row_mode = (LockRowMode)((roll >> 24) % LOCK_ROW_MODE_COUNT);
        TRY(lock_row(stress->manager, owner, 9, key, 1, row_mode, policy, &acquired));
        if (acquired && (roll >> 32) % 2 == 0) {
            lock_row_release(stress->manager, owner, 9, key, 1, row_mode);
        }
        return NULL;
    }
    default: {
        int other_idx = (int)((roll >> 16) % STRESS_THREAD_COUNT);
        uint64_t xid = atomic_load(&stress->current_xid[other_idx]);
        return lock_wait_for_xid(stress->manager, owner, xid, policy, &acquired);
    }
    }
}

/* A deadlock DETAIL must describe a cycle that starts and ends at the victim. */
static bool detail_is_cycle(const char *detail, uint64_t victim_xid)
{
    uint64_t expected = victim_xid;
    const char *line = detail;
    for (int line_idx = 0; line_idx < 64 && line != NULL; line_idx++) {
        unsigned long long waiter = 0;
        unsigned long long blocker = 0;
        const char *blocked = strstr(line, "; blocked by process ");
        if (sscanf(line, "Process %llu waits for ", &waiter) != 1 || blocked == NULL ||
            sscanf(blocked, "; blocked by process %llu.", &blocker) != 1 || waiter != expected) {
            return false;
        }
        expected = blocker;
        line = strchr(line, '\n');
        if (line != NULL) line++;
    }
    return expected == victim_xid;
}

static void *stress_main(void *arg)
{
    StressThread *thread = arg;
    Stress *stress = thread->stress;
    LockOwner *owner = stress->owners[thread->thread_idx];
    pthread_barrier_wait(&stress->start_barrier);
    for (int iteration_idx = 0; iteration_idx < stress->iteration_count; iteration_idx++) {
        uint64_t xid = atomic_fetch_add(&stress->next_xid, 1);
        lock_owner_set_xid(owner, xid);
        lock_owner_set_timeout(owner, next_random(&thread->seed) % 3 == 0
                                          ? 1 + (int)(next_random(&thread->seed) % 20) : 0);
        if (lock_xid_begin(owner) != NULL) atomic_fetch_add(&stress->unexpected_count, 1);
        atomic_store(&stress->current_xid[thread->thread_idx], xid);
        int step_count = 1 + (int)(next_random(&thread->seed) % 5);
        LockMark mark = 0;
        bool marked = false;
        Error *err = NULL;
        for (int step_idx = 0; step_idx < step_count && err == NULL; step_idx++) {
            if (!marked && next_random(&thread->seed) % 4 == 0) {
                mark = lock_mark(owner);
                marked = true;
            }
            err = stress_step(thread, owner, marked);
            uint64_t pause_roll = next_random(&thread->seed);
            if (pause_roll % 8 == 0) usleep((useconds_t)(pause_roll >> 8) % 200);   /* work */
            if (err == NULL && marked && next_random(&thread->seed) % 3 == 0) {
                stress_forget(thread, true);            /* ROLLBACK TO SAVEPOINT */
                lock_release_after(owner, mark);
                marked = false;
            }
        }
        if (next_random(&thread->seed) % 50 == 0) {
            lock_interrupt(stress->owners[next_random(&thread->seed) % STRESS_THREAD_COUNT]);
        }
        if (err != NULL) {
            switch (err->state) {
            case SQLSTATE_DEADLOCK_DETECTED:
                atomic_fetch_add(&stress->deadlock_count, 1);
                if (err->detail == NULL || !detail_is_cycle(err->detail, xid)) {
                    atomic_fetch_add(&stress->unexpected_count, 1);
                }
                break;
            case SQLSTATE_LOCK_NOT_AVAILABLE: atomic_fetch_add(&stress->timeout_count, 1); break;
            case SQLSTATE_QUERY_CANCELED: atomic_fetch_add(&stress->cancel_count, 1); break;
            default: atomic_fetch_add(&stress->unexpected_count, 1); break;
            }
            err_free(err);
        }
        stress_forget(thread, false);                   /* COMMIT or ROLLBACK */
        lock_release_all(owner);
        if (lock_owner_held_count(owner) != 0) atomic_fetch_add(&stress->unexpected_count, 1);
    }
    return NULL;
}

START_TEST(test_lock_stress_random_threads)
{
    static Stress stress;
    memset(&stress, 0, sizeof stress);
    stress.manager = manager_new(5);
    stress.iteration_count = (int)(3000 * test_scale());
    if (stress.iteration_count < 100) stress.iteration_count = 100;
    atomic_init(&stress.next_xid, 1000);
    pthread_barrier_init(&stress.start_barrier, NULL, STRESS_THREAD_COUNT);
    StressThread threads[STRESS_THREAD_COUNT];
    pthread_t thread_ids[STRESS_THREAD_COUNT];
    memset(threads, 0, sizeof threads);
    for (int thread_idx = 0; thread_idx < STRESS_THREAD_COUNT; thread_idx++) {
        stress.owners[thread_idx] = owner_new(stress.manager, 0);
        threads[thread_idx] = (StressThread){.stress = &stress,
                                             .thread_idx = thread_idx,
                                             .seed = 0x9e3779b97f4a7c15ULL * (thread_idx + 1)};
    }
    double start = now_seconds();
    for (int thread_idx = 0; thread_idx < STRESS_THREAD_COUNT; thread_idx++) {
        pthread_create(&thread_ids[thread_idx], NULL, stress_main, &threads[thread_idx]);
    }
    for (int thread_idx = 0; thread_idx < STRESS_THREAD_COUNT; thread_idx++) {
        pthread_join(thread_ids[thread_idx], NULL);
    }
    double elapsed = now_seconds() - start;
    pthread_barrier_destroy(&stress.start_barrier);
    fprintf(stderr,
            "lock stress: %d x %d transactions in %.2f s: %d deadlocks, %d not available, "
            "%d canceled\n",
            STRESS_THREAD_COUNT, stress.iteration_count, elapsed,
            atomic_load(&stress.deadlock_count), atomic_load(&stress.timeout_count),
            atomic_load(&stress.cancel_count));
    ck_assert(elapsed < 100.0);
    ck_assert_int_eq(atomic_load(&stress.violation_count), 0);
    ck_assert_int_eq(atomic_load(&stress.unexpected_count), 0);
    ck_assert_int_gt(atomic_load(&stress.timeout_count), 0);
    ck_assert_int_eq(snapshot_total(stress.manager), 0);
    for (int thread_idx = 0; thread_idx < STRESS_THREAD_COUNT; thread_idx++) {
        lock_owner_destroy(stress.owners[thread_idx]);
    }
    lock_manager_destroy(stress.manager);   /* VERIFYs no lock object is left */
}
END_TEST

/* ------------------------------------------------------------ suite ---- */

static Suite *lock_suite(void)
{
    Suite *suite = suite_create("lock");
    TCase *tcase = tcase_create("lock");
    tcase_set_timeout(tcase, 300);
    tcase_add_test(tcase, test_lock_conflict_matrix);
    tcase_add_test(tcase, test_lock_row_conflict_matrix);
    tcase_add_test(tcase, test_lock_wait_and_wakeup);
    tcase_add_test(tcase, test_lock_fifo_behind_waiter);
    tcase_add_test(tcase, test_lock_holder_goes_ahead_and_immediate_deadlock);
    tcase_add_test(tcase, test_lock_upgrade_waits_for_other_holders);
    tcase_add_test(tcase, test_lock_reentrant_and_release_all);
    tcase_add_test(tcase, test_lock_release_after_savepoint_mark);
    tcase_add_test(tcase, test_lock_xid_wait_wakes_every_waiter);
    tcase_add_test(tcase, test_lock_row_queue_serves_in_order);
    tcase_add_test(tcase, test_lock_deadlock_two_cycle);
    tcase_add_test(tcase, test_lock_deadlock_three_cycle);
    tcase_add_test(tcase, test_lock_deadlock_mixed_xid_and_table);
    tcase_add_test(tcase, test_lock_soft_cycle_resolved_by_reordering);
    tcase_add_test(tcase, test_lock_soft_cycle_unresolvable);
    tcase_add_test(tcase, test_lock_no_false_deadlock_on_long_chain);
    tcase_add_test(tcase, test_lock_timeout);
    tcase_add_test(tcase, test_lock_interrupt_cancels_wait);
    tcase_add_test(tcase, test_lock_out_of_memory);
    tcase_add_test(tcase, test_lock_snapshot_lists_holders_and_waiters);
    tcase_add_test(tcase, test_lock_stress_random_threads);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(lock_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
