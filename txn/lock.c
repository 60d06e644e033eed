/* txn/lock.c: the lock manager (see lock.h and txn/README-lock.md).
 *
 * Every lockable thing is a LockObject in a hash table split into LOCK_PARTITION_COUNT
 * partitions, each with its own mutex, so uncontended requests on different objects never
 * share a mutex. An object lists its holders (one LockHold per owner, PostgreSQL's PROCLOCK)
 * and its FIFO wait queue (the waiting owners themselves). Objects and holds are created on
 * demand and freed when the last holder and waiter leaves.
 *
 * Grants are made by whoever frees a lock (wake_waiters, PostgreSQL's ProcLockWakeup): it
 * grants waiters in queue order on their behalf and signals their condition variable, so the
 * queue order, not a race between woken threads, decides who goes first. A waiter sleeps on its
 * own condition variable with the partition mutex of the object it waits on; no thread spins.
 *
 * Each owner also keeps its holds in a private list and hash (read and written only by the
 * owner's thread), so a re-entrant request of a held mode takes no mutex at all.
 *
 * The deadlock check (PostgreSQL's CheckDeadLock) runs in a waiter once its wait lasted
 * deadlock_timeout. It locks every partition in index order (the only place that holds two
 * partition mutexes; nothing else nests them), searches the wait-for graph from the waiter,
 * and if it finds a cycle back to the waiter, removes the waiter from its queue before
 * unlocking: a second checker of the same cycle then finds it broken, so each cycle yields one
 * victim. */
#include "txn/lock.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/asserts.h"
#include "common/failpoint.h"
#include "common/hash.h"

#define MODE_BIT(mode) ((uint16_t)(1u << (mode)))

enum {
    PARTITION_BUCKET_COUNT_MIN = 64,
    OWNER_BUCKET_COUNT_MIN = 16,
    DETAIL_KEY_BYTES_MAX = 32,  /* key bytes shown in a deadlock DETAIL line */
    DETAIL_OBJECT_SIZE_MAX = 128,
    DEADLOCK_REORDER_COUNT_MAX = 8,   /* queue reorderings tried by one deadlock check */
};

/* PostgreSQL's LockConflicts[] (src/backend/storage/lmgr/lock.c), as bit masks of modes. */
static const uint16_t CONFLICTS[LOCK_MODE_COUNT] = {
    [LOCK_MODE_NONE] = 0,
    [LOCK_ACCESS_SHARE] = MODE_BIT(LOCK_ACCESS_EXCLUSIVE),
    [LOCK_ROW_SHARE] = MODE_BIT(LOCK_EXCLUSIVE) | MODE_BIT(LOCK_ACCESS_EXCLUSIVE),
    [LOCK_ROW_EXCLUSIVE] = MODE_BIT(LOCK_SHARE) | MODE_BIT(LOCK_SHARE_ROW_EXCLUSIVE) |
                           MODE_BIT(LOCK_EXCLUSIVE) | MODE_BIT(LOCK_ACCESS_EXCLUSIVE),
    [LOCK_SHARE_UPDATE_EXCLUSIVE] = MODE_BIT(LOCK_SHARE_UPDATE_EXCLUSIVE) | MODE_BIT(LOCK_SHARE) |
                                    MODE_BIT(LOCK_SHARE_ROW_EXCLUSIVE) |
                                    MODE_BIT(LOCK_EXCLUSIVE) | MODE_BIT(LOCK_ACCESS_EXCLUSIVE),
    [LOCK_SHARE] = MODE_BIT(LOCK_ROW_EXCLUSIVE) | MODE_BIT(LOCK_SHARE_UPDATE_EXCLUSIVE) |
                   MODE_BIT(LOCK_SHARE_ROW_EXCLUSIVE) | MODE_BIT(LOCK_EXCLUSIVE) |
                   MODE_BIT(LOCK_ACCESS_EXCLUSIVE),
    [LOCK_SHARE_ROW_EXCLUSIVE] = MODE_BIT(LOCK_ROW_EXCLUSIVE) |
                                 MODE_BIT(LOCK_SHARE_UPDATE_EXCLUSIVE) | MODE_BIT(LOCK_SHARE) |
                                 MODE_BIT(LOCK_SHARE_ROW_EXCLUSIVE) | MODE_BIT(LOCK_EXCLUSIVE) |
                                 MODE_BIT(LOCK_ACCESS_EXCLUSIVE),
    [LOCK_EXCLUSIVE] = MODE_BIT(LOCK_ROW_SHARE) | MODE_BIT(LOCK_ROW_EXCLUSIVE) |
                       MODE_BIT(LOCK_SHARE_UPDATE_EXCLUSIVE) | MODE_BIT(LOCK_SHARE) |
                       MODE_BIT(LOCK_SHARE_ROW_EXCLUSIVE) | MODE_BIT(LOCK_EXCLUSIVE) |
                       MODE_BIT(LOCK_ACCESS_EXCLUSIVE),
    [LOCK_ACCESS_EXCLUSIVE] = MODE_BIT(LOCK_ACCESS_SHARE) | MODE_BIT(LOCK_ROW_SHARE) |
                              MODE_BIT(LOCK_ROW_EXCLUSIVE) |
                              MODE_BIT(LOCK_SHARE_UPDATE_EXCLUSIVE) | MODE_BIT(LOCK_SHARE) |
                              MODE_BIT(LOCK_SHARE_ROW_EXCLUSIVE) | MODE_BIT(LOCK_EXCLUSIVE) |
                              MODE_BIT(LOCK_ACCESS_EXCLUSIVE),
};

static const char *const MODE_NAMES[LOCK_MODE_COUNT] = {
    "INVALID",          "AccessShareLock",       "RowShareLock",  "RowExclusiveLock",
    "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock",
    "AccessExclusiveLock",
};

/* PostgreSQL's tupleLockExtraInfo[].hwlock. */
static const LockMode ROW_MODES[LOCK_ROW_MODE_COUNT] = {
    [LOCK_FOR_KEY_SHARE] = LOCK_ACCESS_SHARE,
    [LOCK_FOR_SHARE] = LOCK_ROW_SHARE,
    [LOCK_FOR_NO_KEY_UPDATE] = LOCK_EXCLUSIVE,
    [LOCK_FOR_UPDATE] = LOCK_ACCESS_EXCLUSIVE,
};

typedef struct LockTag {
    LockObjectKind kind;
    uint64_t       id;
    const uint8_t *key;
    size_t         key_size;
} LockTag;

typedef struct LockObject LockObject;
typedef struct LockHold LockHold;

struct LockObject {
    LockObject     *hash_next;          /* partition bucket chain */
    uint64_t        hash;
    LockObjectKind  kind;
    uint64_t        id;
    size_t          key_size;
    LockHold       *holders;            /* every hold of this object, granted or not yet */
    LockOwner      *wait_head;          /* FIFO wait queue through LockOwner.wait_next */
    LockOwner      *wait_tail;
    int             granted_count[LOCK_MODE_COUNT]; /* holders holding each mode */
    uint8_t         key[];
};

/* One owner's modes on one object. Fields marked (P) change only under the object's partition
 * mutex; fields marked (O) belong to the owner's thread. */
struct LockHold {
    LockObject *object;
    LockOwner  *owner;
    uint16_t    held_mask;                      /* (P) MODE_BIT of each held mode */
    LockHold   *object_prev, *object_next;      /* (P) object->holders */
    LockHold   *owner_prev, *owner_next;        /* (O) owner->holds */
    LockHold   *owner_hash_next;                /* (O) owner->buckets chain */
    uint64_t    acquired_seq[LOCK_MODE_COUNT];  /* (O) the owner's mark when first acquired */
};

typedef enum WaitStatus { WAIT_NONE = 0, WAIT_WAITING, WAIT_GRANTED, WAIT_DEADLOCK } WaitStatus;

struct LockOwner {
    LockManager   *manager;
    uint64_t       xid;                  /* (O) */
    int            lock_timeout_ms;      /* (O) */
    uint64_t       next_seq;             /* (O) lock_mark value; 0 is the xid lock's */
    size_t         held_count;           /* (O) held (object, mode) pairs */
    LockHold      *holds;                /* (O) */
    LockHold     **buckets;              /* (O) hash of holds by tag */
    size_t         bucket_count;
    size_t         hold_count;
    pthread_cond_t cond;                 /* the owner's thread sleeps on it while waiting */
    /* wait state: under the partition mutex of wait_object while it is non-NULL */
    LockObject    *wait_object;          /* non-NULL exactly while queued */
    LockMode       wait_mode;
    LockHold      *wait_hold;
    WaitStatus     wait_status;
    LockOwner     *wait_prev, *wait_next;
    uint64_t       deadlock_epoch;       /* under every partition mutex */
    atomic_int     wait_partition_idx;   /* -1 unless sleeping; for lock_interrupt */
    atomic_bool    cancel_pending;
};

/* Freed objects (those with keys up to POOL_KEY_SIZE, allocated with that capacity) and
 * holds are kept per partition, under its mutex, up to POOL_COUNT_MAX each: a writer takes and
 * releases a tuple lock per row, and malloc/free pairs were a visible share of that. */
enum { POOL_KEY_SIZE = 48, POOL_COUNT_MAX = 64 };

typedef struct Partition {
    pthread_mutex_t mutex;
    LockObject    **buckets;
    size_t          bucket_count;
    size_t          object_count;
    LockObject     *free_objects;        /* through hash_next */
    LockHold       *free_holds;          /* through object_next */
    size_t          free_object_count;
    size_t          free_hold_count;
    char            pad[64];             /* keep hot mutexes on separate cache lines */
} Partition;

struct LockManager {
    Partition  partitions[LOCK_PARTITION_COUNT];
    atomic_int deadlock_timeout_ms;
    uint64_t   deadlock_epoch;           /* under every partition mutex */
};

/* ------------------------------------------------------------ small helpers ---- */

const char *lock_mode_name(LockMode mode)
{
    VERIFY(mode > LOCK_MODE_NONE && mode < LOCK_MODE_COUNT);
    return MODE_NAMES[mode];
}

bool lock_modes_conflict(LockMode held, LockMode requested)
{
    VERIFY(held > LOCK_MODE_NONE && held < LOCK_MODE_COUNT);
    VERIFY(requested > LOCK_MODE_NONE && requested < LOCK_MODE_COUNT);
    return (CONFLICTS[requested] & MODE_BIT(held)) != 0;
}

LockMode lock_mode_of_row_mode(LockRowMode row_mode)
{
    VERIFY((unsigned)row_mode < LOCK_ROW_MODE_COUNT);
    return ROW_MODES[row_mode];
}

static uint64_t tag_hash(const LockTag *tag)
{
    uint64_t seed = hash_u64(tag->id * 4 + (uint64_t)tag->kind);
    if (tag->key_size == 0) return seed;
    return hash_bytes(tag->key, tag->key_size, seed);
}

static bool object_matches(const LockObject *object, uint64_t hash, const LockTag *tag)
{
    return object->hash == hash && object->kind == tag->kind && object->id == tag->id &&
           object->key_size == tag->key_size &&
           (tag->key_size == 0 || memcmp(object->key, tag->key, tag->key_size) == 0);
}

static Partition *partition_of(LockManager *manager, uint64_t hash)
{
    return &manager->partitions[hash % LOCK_PARTITION_COUNT];
}

static int64_t now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static Error *oom_error(void)
{
    return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
}

/* ------------------------------------------------------------ manager and owners ---- */

Error *lock_manager_create(LockManager **manager_out)
{
    LockManager *manager = calloc(1, sizeof *manager);
    if (manager == NULL) return oom_error();
    for (int part_idx = 0; part_idx < LOCK_PARTITION_COUNT; part_idx++) {
        Partition *part = &manager->partitions[part_idx];
        part->buckets = calloc(PARTITION_BUCKET_COUNT_MIN, sizeof *part->buckets);
        if (part->buckets == NULL) {
            for (int done_idx = 0; done_idx < part_idx; done_idx++) {
                pthread_mutex_destroy(&manager->partitions[done_idx].mutex);
                free(manager->partitions[done_idx].buckets);
            }
            free(manager);
            return oom_error();
        }
        part->bucket_count = PARTITION_BUCKET_COUNT_MIN;
        pthread_mutex_init(&part->mutex, NULL);
    }
    atomic_init(&manager->deadlock_timeout_ms, LOCK_DEADLOCK_TIMEOUT_MS_DEFAULT);
    *manager_out = manager;
    return NULL;
}

void lock_manager_destroy(LockManager *manager)
{
    if (manager == NULL) return;
    for (int part_idx = 0; part_idx < LOCK_PARTITION_COUNT; part_idx++) {
        Partition *part = &manager->partitions[part_idx];
        VERIFY(part->object_count == 0);   /* an owner still holds a lock */
        pthread_mutex_destroy(&part->mutex);
        free(part->buckets);
        while (part->free_objects != NULL) {
            LockObject *next = part->free_objects->hash_next;
            free(part->free_objects);
            part->free_objects = next;
        }
        while (part->free_holds != NULL) {
            LockHold *next = part->free_holds->object_next;
            free(part->free_holds);
            part->free_holds = next;
        }
    }
    free(manager);
}

void lock_manager_set_deadlock_timeout(LockManager *manager, int timeout_ms)
{
    VERIFY(timeout_ms >= 1);
    atomic_store(&manager->deadlock_timeout_ms, timeout_ms);
}

Error *lock_owner_create(LockManager *manager, uint64_t xid, LockOwner **owner_out)
{
    LockOwner *owner = calloc(1, sizeof *owner);
    if (owner == NULL) return oom_error();
    owner->buckets = calloc(OWNER_BUCKET_COUNT_MIN, sizeof *owner->buckets);
    if (owner->buckets == NULL) {
        free(owner);
        return oom_error();
    }
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&owner->cond, &attr);
    pthread_condattr_destroy(&attr);
    owner->manager = manager;
    owner->xid = xid;
    owner->next_seq = 1;
    owner->bucket_count = OWNER_BUCKET_COUNT_MIN;
    atomic_init(&owner->wait_partition_idx, -1);
    atomic_init(&owner->cancel_pending, false);
    *owner_out = owner;
    return NULL;
}

void lock_owner_destroy(LockOwner *owner)
{
    if (owner == NULL) return;
    VERIFY(owner->holds == NULL);
    VERIFY(owner->wait_object == NULL);
    pthread_cond_destroy(&owner->cond);
    free(owner->buckets);
    free(owner);
}

void lock_owner_set_xid(LockOwner *owner, uint64_t xid)
{
    VERIFY(owner->holds == NULL);
    owner->xid = xid;
    owner->next_seq = 1;
    atomic_store(&owner->cancel_pending, false);
}

uint64_t lock_owner_xid(const LockOwner *owner)
{
    return owner->xid;
}

void lock_owner_set_timeout(LockOwner *owner, int timeout_ms)
{
    VERIFY(timeout_ms >= 0);
    owner->lock_timeout_ms = timeout_ms;
}

size_t lock_owner_held_count(const LockOwner *owner)
{
    return owner->held_count;
}

LockMark lock_mark(const LockOwner *owner)
{
    return owner->next_seq;
}

/* ------------------------------------------------------------ owner-private hash ---- */

static size_t owner_bucket_of(const LockOwner *owner, uint64_t hash)
{
    return (size_t)(hash >> 8) & (owner->bucket_count - 1);
}

static LockHold *owner_find(const LockOwner *owner, const LockTag *tag, uint64_t hash)
{
    for (LockHold *hold = owner->buckets[owner_bucket_of(owner, hash)]; hold != NULL;
         hold = hold->owner_hash_next) {
        if (object_matches(hold->object, hash, tag)) return hold;
    }
    return NULL;
}

static void owner_grow(LockOwner *owner)
{
    size_t bucket_count = owner->bucket_count * 2;
    LockHold **buckets = calloc(bucket_count, sizeof *buckets);
    if (buckets == NULL) return;   /* keep the longer chains */
    for (LockHold *hold = owner->holds; hold != NULL; hold = hold->owner_next) {
        size_t bucket_idx = (size_t)(hold->object->hash >> 8) & (bucket_count - 1);
        hold->owner_hash_next = buckets[bucket_idx];
        buckets[bucket_idx] = hold;
    }
    free(owner->buckets);
    owner->buckets = buckets;
    owner->bucket_count = bucket_count;
}

static void owner_link(LockOwner *owner, LockHold *hold)
{
    hold->owner_prev = NULL;
    hold->owner_next = owner->holds;
    if (owner->holds != NULL) owner->holds->owner_prev = hold;
    owner->holds = hold;
    size_t bucket_idx = owner_bucket_of(owner, hold->object->hash);
    hold->owner_hash_next = owner->buckets[bucket_idx];
    owner->buckets[bucket_idx] = hold;
    owner->hold_count++;
    if (owner->hold_count > owner->bucket_count) owner_grow(owner);
}

static void owner_unlink(LockOwner *owner, LockHold *hold)
{
    if (hold->owner_prev != NULL) hold->owner_prev->owner_next = hold->owner_next;
    else owner->holds = hold->owner_next;
    if (hold->owner_next != NULL) hold->owner_next->owner_prev = hold->owner_prev;
    LockHold **link = &owner->buckets[owner_bucket_of(owner, hold->object->hash)];
    while (*link != hold) link = &(*link)->owner_hash_next;
    *link = hold->owner_hash_next;
    owner->hold_count--;
}

/* ------------------------------------------------------------ partition hash ---- */

static size_t part_bucket_of(const Partition *part, uint64_t hash)
{
    return (size_t)(hash / LOCK_PARTITION_COUNT) & (part->bucket_count - 1);
}

static void partition_grow(Partition *part)
{
    size_t bucket_count = part->bucket_count * 2;
    LockObject **buckets = calloc(bucket_count, sizeof *buckets);
    if (buckets == NULL) return;
    for (size_t old_idx = 0; old_idx < part->bucket_count; old_idx++) {
        LockObject *object = part->buckets[old_idx];
        while (object != NULL) {
            LockObject *next = object->hash_next;
            size_t bucket_idx = (size_t)(object->hash / LOCK_PARTITION_COUNT) & (bucket_count - 1);
            object->hash_next = buckets[bucket_idx];
            buckets[bucket_idx] = object;
            object = next;
        }
    }
    free(part->buckets);
    part->buckets = buckets;
    part->bucket_count = bucket_count;
}

/* Pre: part->mutex held. NULL only on OOM. */
static LockObject *partition_find_or_add(Partition *part, const LockTag *tag, uint64_t hash)
{
    LockObject **bucket = &part->buckets[part_bucket_of(part, hash)];
    for (LockObject *object = *bucket; object != NULL; object = object->hash_next) {
        if (object_matches(object, hash, tag)) return object;
    }
    if (FAILPOINT("lock.alloc")) return NULL;
    LockObject *object = NULL;
    if (tag->key_size <= POOL_KEY_SIZE && part->free_objects != NULL) {
        object = part->free_objects;
        part->free_objects = object->hash_next;
        part->free_object_count--;
        memset(object, 0, sizeof *object);
    } else {
        size_t key_capacity = tag->key_size <= POOL_KEY_SIZE ? POOL_KEY_SIZE : tag->key_size;
        object = calloc(1, sizeof *object + key_capacity);
        if (object == NULL) return NULL;
    }
    object->hash = hash;
    object->kind = tag->kind;
    object->id = tag->id;
    object->key_size = tag->key_size;
    if (tag->key_size > 0) memcpy(object->key, tag->key, tag->key_size);
    object->hash_next = *bucket;
    *bucket = object;
    part->object_count++;
    if (part->object_count > part->bucket_count * 2) partition_grow(part);
    return object;
}

/* Free object if nobody holds or waits for it. Pre: its partition mutex held. */
static void object_free_if_unused(Partition *part, LockObject *object)
{
    if (object->holders != NULL || object->wait_head != NULL) return;
    LockObject **link = &part->buckets[part_bucket_of(part, object->hash)];
    while (*link != object) link = &(*link)->hash_next;
    *link = object->hash_next;
    part->object_count--;
    if (object->key_size <= POOL_KEY_SIZE && part->free_object_count < POOL_COUNT_MAX) {
        object->hash_next = part->free_objects;
        part->free_objects = object;
        part->free_object_count++;
        return;
    }
    free(object);
}

/* ------------------------------------------------------------ grant logic ---- */

/* The modes held on object by holders other than hold's owner. Pre: partition mutex held. */
static uint16_t others_mask(const LockObject *object, const LockHold *hold)
{
    uint16_t mask = 0;
    for (int mode = 1; mode < LOCK_MODE_COUNT; mode++) {
        int own = (hold->held_mask & MODE_BIT(mode)) != 0;
        if (object->granted_count[mode] - own > 0) mask |= MODE_BIT(mode);
    }
    return mask;
}

static uint16_t waiters_mask(const LockObject *object)
{
    uint16_t mask = 0;
    for (const LockOwner *waiter = object->wait_head; waiter != NULL; waiter = waiter->wait_next) {
        mask |= MODE_BIT(waiter->wait_mode);
    }
    return mask;
}

static void grant(LockObject *object, LockHold *hold, LockMode mode)
{
    ASSERT((hold->held_mask & MODE_BIT(mode)) == 0);
    hold->held_mask |= MODE_BIT(mode);
    object->granted_count[mode]++;
}

static void queue_remove(LockObject *object, LockOwner *waiter)
{
    ASSERT(waiter != NULL);
    ASSERT(waiter->wait_object == object);
    if (waiter->wait_prev != NULL) waiter->wait_prev->wait_next = waiter->wait_next;
    else object->wait_head = waiter->wait_next;
    if (waiter->wait_next != NULL) waiter->wait_next->wait_prev = waiter->wait_prev;
    else object->wait_tail = waiter->wait_prev;
    waiter->wait_prev = waiter->wait_next = NULL;
    waiter->wait_object = NULL;
}

/* Queue waiter before `before` (NULL: at the tail). */
static void queue_insert(LockObject *object, LockOwner *waiter, LockOwner *before)
{
    waiter->wait_object = object;
    waiter->wait_next = before;
    waiter->wait_prev = before != NULL ? before->wait_prev : object->wait_tail;
    if (waiter->wait_prev != NULL) waiter->wait_prev->wait_next = waiter;
    else object->wait_head = waiter;
    if (before != NULL) before->wait_prev = waiter;
    else object->wait_tail = waiter;
}

/* PostgreSQL's ProcLockWakeup: grant, in queue order, every waiter whose mode conflicts
 * neither with the other holders nor with a waiter still queued ahead of it.
 * Pre: the object's partition mutex held. */
static void wake_waiters(LockObject *object)
{
    uint16_t ahead_mask = 0;
    LockOwner *waiter = object->wait_head;
    while (waiter != NULL) {
        LockOwner *next = waiter->wait_next;
        uint16_t conflicts = CONFLICTS[waiter->wait_mode];
        if ((conflicts & ahead_mask) == 0 &&
            (conflicts & others_mask(object, waiter->wait_hold)) == 0) {
            grant(object, waiter->wait_hold, waiter->wait_mode);
            queue_remove(object, waiter);
            waiter->wait_status = WAIT_GRANTED;
            pthread_cond_signal(&waiter->cond);
        } else {
            ahead_mask |= MODE_BIT(waiter->wait_mode);
        }
        waiter = next;
    }
}

/* ------------------------------------------------------------ errors ---- */

static void describe_object(const LockObject *object, char *text, size_t text_size)
{
    switch (object->kind) {
    case LOCK_OBJECT_TABLE:
        snprintf(text, text_size, "relation %" PRIu64, object->id);
        return;
    case LOCK_OBJECT_XID:
        snprintf(text, text_size, "transaction %" PRIu64, object->id);
        return;
    case LOCK_OBJECT_ROW: {
        char hex[DETAIL_KEY_BYTES_MAX * 2 + 4] = "";
        size_t shown = object->key_size < DETAIL_KEY_BYTES_MAX ? object->key_size
                                                               : DETAIL_KEY_BYTES_MAX;
        for (size_t byte_idx = 0; byte_idx < shown; byte_idx++) {
            snprintf(hex + byte_idx * 2, 3, "%02x", object->key[byte_idx]);
        }
        if (shown < object->key_size) strcat(hex, "...");
        snprintf(text, text_size, "tuple \\x%s of tree %" PRIu64, hex, object->id);
        return;
    }
    }
    UNREACHABLE();
}

static Error *not_available_error(const LockObject *object)
{
    switch (object->kind) {
    case LOCK_OBJECT_TABLE:
        return err_new(SQLSTATE_LOCK_NOT_AVAILABLE, "could not obtain lock on relation %" PRIu64,
                       object->id);
    case LOCK_OBJECT_XID:
        return err_new(SQLSTATE_LOCK_NOT_AVAILABLE,
                       "could not obtain lock on transaction %" PRIu64, object->id);
    case LOCK_OBJECT_ROW:
        return err_new(SQLSTATE_LOCK_NOT_AVAILABLE,
                       "could not obtain lock on row in tree %" PRIu64, object->id);
    }
    UNREACHABLE();
}

/* One edge of a wait-for cycle. */
typedef struct DeadlockEdge {
    const LockOwner  *waiter;
    const LockObject *object;
    LockMode          mode;
    const LockOwner  *blocker;
    bool              soft;      /* blocker is a waiter queued ahead, not a holder */
} DeadlockEdge;

typedef struct DeadlockPath {
    DeadlockEdge *edges;
    size_t        edge_count;
    size_t        edge_count_max;
    bool          oom;
    bool          closing_soft_only;   /* only cycles whose edge into the start is soft count */
} DeadlockPath;

/* "deadlock detected" with PostgreSQL's DETAIL: one line per edge, victim first. */
static Error *deadlock_error(const DeadlockEdge *edges, size_t edge_count)
{
    Error *err = err_new(SQLSTATE_DEADLOCK_DETECTED, "deadlock detected");
    size_t line_size_max = DETAIL_OBJECT_SIZE_MAX + 160;
    char *detail = malloc(edge_count * line_size_max + 1);
    if (detail == NULL) return err;
    size_t used = 0;
    for (size_t edge_idx = 0; edge_idx < edge_count; edge_idx++) {
        const DeadlockEdge *edge = &edges[edge_idx];
        char object_text[DETAIL_OBJECT_SIZE_MAX];
        describe_object(edge->object, object_text, sizeof object_text);
        int written = snprintf(detail + used, line_size_max + 1,
                               "%sProcess %" PRIu64 " waits for %s on %s; blocked by process %"
                               PRIu64 ".",
                               edge_idx == 0 ? "" : "\n", edge->waiter->xid,
                               MODE_NAMES[edge->mode], object_text, edge->blocker->xid);
        if (written > 0) used += (size_t)written < line_size_max ? (size_t)written
                                                                   : line_size_max;
    }
    err_set_detail(err, "%s", detail);
    free(detail);
    return err;
}

/* ------------------------------------------------------------ deadlock check ---- */

static void lock_all_partitions(LockManager *manager)
{
    for (int part_idx = 0; part_idx < LOCK_PARTITION_COUNT; part_idx++) {
        pthread_mutex_lock(&manager->partitions[part_idx].mutex);
    }
}

static void unlock_all_partitions(LockManager *manager)
{
    for (int part_idx = LOCK_PARTITION_COUNT - 1; part_idx >= 0; part_idx--) {
        pthread_mutex_unlock(&manager->partitions[part_idx].mutex);
    }
}

static bool path_push(DeadlockPath *path, const LockOwner *waiter, const LockMode mode,
                      const LockObject *object, const LockOwner *blocker, bool soft)
{
    if (path->edge_count == path->edge_count_max) {
        size_t count_max = path->edge_count_max == 0 ? 16 : path->edge_count_max * 2;
        DeadlockEdge *edges = realloc(path->edges, count_max * sizeof *edges);
        if (edges == NULL) {
            path->oom = true;
            return false;
        }
        path->edges = edges;
        path->edge_count_max = count_max;
    }
    path->edges[path->edge_count++] =
        (DeadlockEdge){
            .waiter = waiter, .object = object, .mode = mode, .blocker = blocker, .soft = soft};
    return true;
}

static bool search_from(LockManager *manager, const LockOwner *waiter, const LockOwner *target,
                        DeadlockPath *path);

/* Follow the edge waiter -> blocker. True if it leads back to target (the path then holds the
 * cycle). Pre: every partition mutex held. */
static bool follow_edge(LockManager *manager, const LockOwner *waiter, LockOwner *blocker,
                        bool soft, const LockOwner *target, DeadlockPath *path)
{
    if (!path_push(path, waiter, waiter->wait_mode, waiter->wait_object, blocker, soft)) {
        return false;
    }
    if (blocker == target && (soft || !path->closing_soft_only)) return true;
    if (blocker != target && blocker->deadlock_epoch != manager->deadlock_epoch) {
        /* a node seen before did not lead to target then and cannot now */
        blocker->deadlock_epoch = manager->deadlock_epoch;
        if (blocker->wait_object != NULL && search_from(manager, blocker, target, path)) {
            return true;
        }
    }
    path->edge_count--;
    return false;
}

/* The edges out of a waiter: holders of conflicting modes (hard edges) and waiters queued ahead
 * whose requests conflict (soft edges, which deadlock_check may resolve by reordering). */
static bool search_from(LockManager *manager, const LockOwner *waiter, const LockOwner *target,
                        DeadlockPath *path)
{
    const LockObject *object = waiter->wait_object;
    uint16_t conflicts = CONFLICTS[waiter->wait_mode];
    for (LockHold *hold = object->holders; hold != NULL && !path->oom; hold = hold->object_next) {
        if (hold->owner == waiter || (hold->held_mask & conflicts) == 0) continue;
        if (follow_edge(manager, waiter, hold->owner, false, target, path)) return true;
    }
    for (LockOwner *ahead = object->wait_head; ahead != waiter && ahead != NULL && !path->oom;
         ahead = ahead->wait_next) {
        if ((MODE_BIT(ahead->wait_mode) & conflicts) == 0) continue;
        if (follow_edge(manager, waiter, ahead, true, target, path)) return true;
    }
    return false;
}

/* True if a path of the wait-for graph leads from waiter back to itself; the path is then in
 * *path (edges from waiter on). Pre: every partition mutex held, waiter queued. */
static bool find_cycle(LockManager *manager, LockOwner *waiter, DeadlockPath *path)
{
    path->edge_count = 0;
    manager->deadlock_epoch++;
    waiter->deadlock_epoch = manager->deadlock_epoch;
    return search_from(manager, waiter, waiter, path);
}

/* Try to break the cycle in *path by its first soft edge "W waits behind A on O": move W just
 * before A (PostgreSQL's deadlock checker reorders wait queues the same way) and grant what can
 * now be granted on O. Every edge the move adds is a soft edge into W, so a cycle it creates
 * passes through W and enters W by a soft edge: if W (still queued) is on such a cycle, the
 * move is undone. (A cycle through W made of old edges is left to its members' own checks.)
 * True if the queue was reordered. */
static bool try_reorder(LockManager *manager, const DeadlockPath *path)
{
    const DeadlockEdge *soft = NULL;
    for (size_t edge_idx = 0; edge_idx < path->edge_count && soft == NULL; edge_idx++) {
        if (path->edges[edge_idx].soft) soft = &path->edges[edge_idx];
    }
    if (soft == NULL) return false;
    LockOwner *mover = (LockOwner *)soft->waiter;
    LockOwner *ahead = (LockOwner *)soft->blocker;
    LockObject *object = mover->wait_object;
    ASSERT(ahead->wait_object == object);
    LockOwner *old_next = mover->wait_next;
    queue_remove(object, mover);
    queue_insert(object, mover, ahead);
    DeadlockPath mover_path = {.closing_soft_only = true};
    bool mover_cycle = find_cycle(manager, mover, &mover_path);
    free(mover_path.edges);
    if (mover_cycle || mover_path.oom) {
        queue_remove(object, mover);
        queue_insert(object, mover, old_next);
        return false;
    }
    wake_waiters(object);
    return true;
}

/* PostgreSQL's CheckDeadLock, run by a waiter after deadlock_timeout. Cycles through soft edges
 * are first broken by reordering queues (at most DEADLOCK_REORDER_COUNT_MAX times); if the
 * waiter is still on a cycle, it leaves its queue (waking who can now go) and gets the error.
 * Pre: no partition mutex held by the caller. */
static Error *deadlock_check(LockManager *manager, LockOwner *owner)
{
    Error *err = NULL;
    lock_all_partitions(manager);
    DeadlockPath path = {0};
    for (int reorder_idx = 0; reorder_idx <= DEADLOCK_REORDER_COUNT_MAX; reorder_idx++) {
        if (owner->wait_status != WAIT_WAITING) break;    /* granted meanwhile */
        if (!find_cycle(manager, owner, &path)) break;
        if (reorder_idx < DEADLOCK_REORDER_COUNT_MAX && try_reorder(manager, &path)) continue;
        err = deadlock_error(path.edges, path.edge_count);
        LockObject *object = owner->wait_object;
        queue_remove(object, owner);
        owner->wait_status = WAIT_DEADLOCK;
        wake_waiters(object);
        break;
    }
    free(path.edges);
    unlock_all_partitions(manager);
    return err;
}

/* ------------------------------------------------------------ waiting ---- */

/* Leave the queue after a timeout or cancel. Pre: partition mutex held, owner queued. */
static void abandon_wait(LockOwner *owner)
{
    LockObject *object = owner->wait_object;
    queue_remove(object, owner);
    owner->wait_status = WAIT_NONE;
    wake_waiters(object);
}

static void cond_wait_until(LockOwner *owner, pthread_mutex_t *mutex, int64_t deadline_ns)
{
    if (deadline_ns == INT64_MAX) {
        pthread_cond_wait(&owner->cond, mutex);
        return;
    }
    struct timespec until = {.tv_sec = deadline_ns / 1000000000,
                             .tv_nsec = deadline_ns % 1000000000};
    int rc = pthread_cond_timedwait(&owner->cond, mutex, &until);
    VERIFY(rc == 0 || rc == ETIMEDOUT);
}

/* Sleep until granted, deadlock victim, lock_timeout or cancel.
 * Pre: part->mutex held, owner queued. Post: part->mutex held, owner no longer queued. */
static Error *wait_for_grant(LockManager *manager, int part_idx, LockOwner *owner)
{
    Partition *part = &manager->partitions[part_idx];
    int64_t start_ns = now_ns();
    int64_t deadlock_at_ns = start_ns + (int64_t)atomic_load(&manager->deadlock_timeout_ms) *
                                            1000000;
    int64_t timeout_at_ns = owner->lock_timeout_ms > 0
                                ? start_ns + (int64_t)owner->lock_timeout_ms * 1000000
                                : INT64_MAX;
    bool deadlock_checked = false;
    Error *err = NULL;
    atomic_store(&owner->wait_partition_idx, part_idx);
    for (;;) {
        if (owner->wait_status == WAIT_GRANTED) break;
        if (atomic_exchange(&owner->cancel_pending, false)) {
            abandon_wait(owner);
            err = err_new(SQLSTATE_QUERY_CANCELED, "canceling statement due to user request");
            break;
        }
        int64_t now = now_ns();
        if (now >= timeout_at_ns) {
            abandon_wait(owner);
            err = err_new(SQLSTATE_LOCK_NOT_AVAILABLE, "canceling statement due to lock timeout");
            break;
        }
        if (!deadlock_checked && now >= deadlock_at_ns) {
            deadlock_checked = true;
            pthread_mutex_unlock(&part->mutex);
            err = deadlock_check(manager, owner);
            pthread_mutex_lock(&part->mutex);
            if (err != NULL) break;
            continue;
        }
        int64_t deadline_ns = deadlock_checked || deadlock_at_ns > timeout_at_ns ? timeout_at_ns
                                                                                 : deadlock_at_ns;
        cond_wait_until(owner, &part->mutex, deadline_ns);
    }
    atomic_store(&owner->wait_partition_idx, -1);
    ASSERT(owner->wait_object == NULL);
    return err;
}

/* ------------------------------------------------------------ acquire ---- */

/* A hold of owner on object, new and empty. Pre: partition mutex held. NULL on OOM. */
static LockHold *hold_add(Partition *part, LockObject *object, LockOwner *owner)
{
    if (FAILPOINT("lock.alloc")) return NULL;
    LockHold *hold = part->free_holds;
    if (hold != NULL) {
        part->free_holds = hold->object_next;
        part->free_hold_count--;
        memset(hold, 0, sizeof *hold);
    } else {
        hold = calloc(1, sizeof *hold);
        if (hold == NULL) return NULL;
    }
    hold->object = object;
    hold->owner = owner;
    hold->object_next = object->holders;
    if (object->holders != NULL) object->holders->object_prev = hold;
    object->holders = hold;
    owner_link(owner, hold);
    return hold;
}

/* Drop hold if it holds nothing, and its object if unused. Pre: partition mutex held. */
static void hold_drop_if_empty(Partition *part, LockHold *hold)
{
    if (hold->held_mask != 0) return;
    LockObject *object = hold->object;
    if (hold->object_prev != NULL) hold->object_prev->object_next = hold->object_next;
    else object->holders = hold->object_next;
    if (hold->object_next != NULL) hold->object_next->object_prev = hold->object_prev;
    owner_unlink(hold->owner, hold);
    if (part->free_hold_count < POOL_COUNT_MAX) {
        hold->object_next = part->free_holds;
        part->free_holds = hold;
        part->free_hold_count++;
    } else {
        free(hold);
    }
    object_free_if_unused(part, object);
}

typedef enum JoinResult { JOIN_GRANTED, JOIN_WAIT, JOIN_DEADLOCK } JoinResult;

/* PostgreSQL's JoinWaitQueue placement: a requester that already holds modes on the object goes
 * ahead of the first waiter that waits for one of them (and is granted at once if nothing ahead
 * of that point and no other holder conflicts); if that waiter also holds a mode we need, it is
 * a deadlock at once. Everyone else queues at the tail. */
static JoinResult place_in_queue(LockObject *object, LockHold *hold, LockMode mode,
                                 LockOwner **before_out, LockOwner **blocker_out)
{
    *before_out = NULL;
    if (hold->held_mask == 0) return JOIN_WAIT;
    uint16_t ahead_mask = 0;
    for (LockOwner *waiter = object->wait_head; waiter != NULL; waiter = waiter->wait_next) {
        if ((CONFLICTS[waiter->wait_mode] & hold->held_mask) != 0) {
            if ((CONFLICTS[mode] & waiter->wait_hold->held_mask) != 0) {
                *blocker_out = waiter;
                return JOIN_DEADLOCK;
            }
            if ((CONFLICTS[mode] & ahead_mask) == 0 &&
                (CONFLICTS[mode] & others_mask(object, hold)) == 0) {
                return JOIN_GRANTED;
            }
            *before_out = waiter;
            return JOIN_WAIT;
        }
        ahead_mask |= MODE_BIT(waiter->wait_mode);
    }
    return JOIN_WAIT;
}

static Error *immediate_deadlock_error(LockOwner *owner, LockObject *object, LockMode mode,
                                       LockOwner *blocker)
{
    DeadlockEdge edges[2] = {
        {.waiter = owner, .object = object, .mode = mode, .blocker = blocker},
        {.waiter = blocker, .object = object, .mode = blocker->wait_mode, .blocker = owner},
    };
    return deadlock_error(edges, 2);
}

/* Record a grant in the owner's private bookkeeping (its savepoint counter). */
static void note_granted(LockOwner *owner, LockHold *hold, LockMode mode, bool *acquired_out)
{
    hold->acquired_seq[mode] = owner->next_seq++;
    owner->held_count++;
    if (acquired_out != NULL) *acquired_out = true;
}

/* Queue owner for mode on object (before `before`, NULL: at the tail) and sleep until granted
 * (NULL) or failed. Pre: partition part_idx locked; hold is owner's hold on object.
 * Post: still locked; owner no longer queued. */
static Error *enqueue_and_wait(LockManager *manager, int part_idx, LockOwner *owner,
                               LockObject *object, LockHold *hold, LockMode mode,
                               LockOwner *before)
{
    owner->wait_mode = mode;
    owner->wait_hold = hold;
    owner->wait_status = WAIT_WAITING;
    queue_insert(object, owner, before);
    Error *err = wait_for_grant(manager, part_idx, owner);
    ASSERT(err != NULL || owner->wait_status == WAIT_GRANTED);
    ASSERT(err != NULL || (hold->held_mask & MODE_BIT(mode)) != 0);
    owner->wait_status = WAIT_NONE;
    owner->wait_hold = NULL;
    return err;
}

/* The one acquire path for every kind of lock. Pre: owner is not waiting. */
static Error *acquire(LockManager *manager, LockOwner *owner, const LockTag *tag, LockMode mode,
                      LockWaitPolicy policy, bool *acquired_out)
{
    VERIFY(owner->manager == manager);
    VERIFY(mode > LOCK_MODE_NONE && mode < LOCK_MODE_COUNT);
    VERIFY(acquired_out != NULL || policy != LOCK_WAIT_SKIP);
    ASSERT(owner->wait_object == NULL);
    if (acquired_out != NULL) *acquired_out = false;
    uint64_t hash = tag_hash(tag);
    LockHold *hold = owner_find(owner, tag, hash);
    if (hold != NULL && (hold->held_mask & MODE_BIT(mode)) != 0) {
        if (acquired_out != NULL) *acquired_out = true;   /* re-entrant: no mutex */
        return NULL;
    }
    int part_idx = (int)(hash % LOCK_PARTITION_COUNT);
    Partition *part = &manager->partitions[part_idx];
    pthread_mutex_lock(&part->mutex);
    LockObject *object = hold != NULL ? hold->object : partition_find_or_add(part, tag, hash);
    if (object != NULL && hold == NULL) {
        hold = hold_add(part, object, owner);
        if (hold == NULL) object_free_if_unused(part, object);
    }
    if (hold == NULL) {
        pthread_mutex_unlock(&part->mutex);
        return oom_error();
    }
    uint16_t conflicts = CONFLICTS[mode];
    Error *err = NULL;
    JoinResult join = JOIN_GRANTED;
    LockOwner *before = NULL;
    if ((conflicts & waiters_mask(object)) != 0 || (conflicts & others_mask(object, hold)) != 0) {
        LockOwner *blocker = NULL;
        join = place_in_queue(object, hold, mode, &before, &blocker);
        if (join != JOIN_GRANTED && policy == LOCK_WAIT_NOWAIT) {
            err = not_available_error(object);
        } else if (join == JOIN_DEADLOCK && policy == LOCK_WAIT_BLOCK) {
            err = immediate_deadlock_error(owner, object, mode, blocker);
        }
    }
    if (join == JOIN_GRANTED) {
        grant(object, hold, mode);
        note_granted(owner, hold, mode, acquired_out);
    } else if (join == JOIN_WAIT && policy == LOCK_WAIT_BLOCK) {
        err = enqueue_and_wait(manager, part_idx, owner, object, hold, mode, before);
        if (err == NULL) note_granted(owner, hold, mode, acquired_out);   /* granted for us */
    }
    hold_drop_if_empty(part, hold);   /* a refused first request leaves no trace */
    pthread_mutex_unlock(&part->mutex);
    return err;
}

/* ------------------------------------------------------------ release ---- */

/* Release the modes of release_mask that hold holds; free the hold if it becomes empty. */
static void release_modes(LockOwner *owner, LockHold *hold, uint16_t release_mask)
{
    release_mask &= hold->held_mask;
    if (release_mask == 0) return;
    LockObject *object = hold->object;
    Partition *part = partition_of(owner->manager, object->hash);
    pthread_mutex_lock(&part->mutex);
    for (int mode = 1; mode < LOCK_MODE_COUNT; mode++) {
        if ((release_mask & MODE_BIT(mode)) == 0) continue;
        hold->held_mask &= (uint16_t)~MODE_BIT(mode);
        object->granted_count[mode]--;
        ASSERT(object->granted_count[mode] >= 0);
        owner->held_count--;
    }
    if (object->wait_head != NULL) wake_waiters(object);
    hold_drop_if_empty(part, hold);   /* may free hold and object */
    pthread_mutex_unlock(&part->mutex);
}

static void release_one(LockManager *manager, LockOwner *owner, const LockTag *tag,
                        LockMode mode)
{
    VERIFY(owner->manager == manager);
    VERIFY(mode > LOCK_MODE_NONE && mode < LOCK_MODE_COUNT);
    LockHold *hold = owner_find(owner, tag, tag_hash(tag));
    ASSERT(hold != NULL && (hold->held_mask & MODE_BIT(mode)) != 0);
    if (hold != NULL) release_modes(owner, hold, MODE_BIT(mode));
}

void lock_release_after(LockOwner *owner, LockMark mark)
{
    ASSERT(owner->wait_object == NULL);
    LockHold *hold = owner->holds;
    while (hold != NULL) {
        LockHold *next = hold->owner_next;
        uint16_t release_mask = 0;
        for (int mode = 1; mode < LOCK_MODE_COUNT; mode++) {
            if ((hold->held_mask & MODE_BIT(mode)) != 0 && hold->acquired_seq[mode] >= mark &&
                hold->acquired_seq[mode] != 0) {
                release_mask |= MODE_BIT(mode);
            }
        }
        release_modes(owner, hold, release_mask);
        hold = next;
    }
}

void lock_release_all(LockOwner *owner)
{
    ASSERT(owner->wait_object == NULL);
    while (owner->holds != NULL) release_modes(owner, owner->holds, 0xffff);
    ASSERT(owner->held_count == 0);
    ASSERT(owner->hold_count == 0);
}

/* ------------------------------------------------------------ public lock kinds ---- */

Error *lock_table(LockManager *manager, LockOwner *owner, uint64_t table_oid, LockMode mode,
                  LockWaitPolicy policy, bool *acquired_out)
{
    LockTag tag = {.kind = LOCK_OBJECT_TABLE, .id = table_oid};
    return acquire(manager, owner, &tag, mode, policy, acquired_out);
}

void lock_table_release(LockManager *manager, LockOwner *owner, uint64_t table_oid,
                        LockMode mode)
{
    LockTag tag = {.kind = LOCK_OBJECT_TABLE, .id = table_oid};
    release_one(manager, owner, &tag, mode);
}

bool lock_table_held(const LockOwner *owner, uint64_t table_oid, LockMode mode)
{
    LockTag tag = {.kind = LOCK_OBJECT_TABLE, .id = table_oid};
    const LockHold *hold = owner_find(owner, &tag, tag_hash(&tag));
    return hold != NULL && (hold->held_mask & MODE_BIT(mode)) != 0;
}

Error *lock_xid_begin(LockOwner *owner)
{
    LockTag tag = {.kind = LOCK_OBJECT_XID, .id = owner->xid};
    ASSERT(owner_find(owner, &tag, tag_hash(&tag)) == NULL);
    /* Nobody can hold this xid lock; a lock_wait_for_xid that raced ahead of us may hold SHARE
     * for an instant, so this may wait briefly, but never for long. */
    TRY(acquire(owner->manager, owner, &tag, LOCK_EXCLUSIVE, LOCK_WAIT_BLOCK, NULL));
    LockHold *hold = owner_find(owner, &tag, tag_hash(&tag));
    hold->acquired_seq[LOCK_EXCLUSIVE] = 0;   /* lock_release_after never releases it */
    return NULL;
}

void lock_xid_end(LockOwner *owner)
{
    LockTag tag = {.kind = LOCK_OBJECT_XID, .id = owner->xid};
    LockHold *hold = owner_find(owner, &tag, tag_hash(&tag));
    if (hold != NULL) release_modes(owner, hold, MODE_BIT(LOCK_EXCLUSIVE));
}

Error *lock_wait_for_xid(LockManager *manager, LockOwner *owner, uint64_t xid,
                         LockWaitPolicy policy, bool *acquired_out)
{
    if (xid == owner->xid) {
        if (acquired_out != NULL) *acquired_out = true;
        return NULL;
    }
    LockTag tag = {.kind = LOCK_OBJECT_XID, .id = xid};
    bool acquired = false;
    TRY(acquire(manager, owner, &tag, LOCK_SHARE, policy, &acquired));
    if (acquired_out != NULL) *acquired_out = acquired;
    if (acquired) release_one(manager, owner, &tag, LOCK_SHARE);
    return NULL;
}

Error *lock_row(LockManager *manager, LockOwner *owner, uint64_t tree_id, const void *key,
                size_t key_size, LockRowMode row_mode, LockWaitPolicy policy,
                bool *acquired_out)
{
    VERIFY(key_size <= LOCK_ROW_KEY_SIZE_MAX);
    VERIFY(key != NULL || key_size == 0);
    LockTag tag = {.kind = LOCK_OBJECT_ROW, .id = tree_id, .key = key, .key_size = key_size};
    return acquire(manager, owner, &tag, lock_mode_of_row_mode(row_mode), policy, acquired_out);
}

void lock_row_release(LockManager *manager, LockOwner *owner, uint64_t tree_id, const void *key,
                      size_t key_size, LockRowMode row_mode)
{
    VERIFY(key_size <= LOCK_ROW_KEY_SIZE_MAX);
    LockTag tag = {.kind = LOCK_OBJECT_ROW, .id = tree_id, .key = key, .key_size = key_size};
    release_one(manager, owner, &tag, lock_mode_of_row_mode(row_mode));
}

/* ------------------------------------------------------------ cancel ---- */

void lock_interrupt(LockOwner *owner)
{
    atomic_store(&owner->cancel_pending, true);
    /* The waiter publishes wait_partition_idx under the partition mutex before it tests
     * cancel_pending, and we store cancel_pending before reading the index: either it sees
     * the flag, or we see its partition and signal it under that mutex. */
    int part_idx = atomic_load(&owner->wait_partition_idx);
    if (part_idx < 0) return;
    Partition *part = &owner->manager->partitions[part_idx];
    pthread_mutex_lock(&part->mutex);
    pthread_cond_signal(&owner->cond);
    pthread_mutex_unlock(&part->mutex);
}

void lock_interrupt_clear(LockOwner *owner)
{
    atomic_store(&owner->cancel_pending, false);
}

/* ------------------------------------------------------------ observability ---- */

static void snapshot_object(const LockObject *object, LockSnapshotFn *fn, void *arg)
{
    LockSnapshotEntry entry = {.kind = object->kind,
                               .object_id = object->id,
                               .key = object->key_size > 0 ? object->key : NULL,
                               .key_size = object->key_size};
    for (const LockHold *hold = object->holders; hold != NULL; hold = hold->object_next) {
        for (int mode = 1; mode < LOCK_MODE_COUNT; mode++) {
            if ((hold->held_mask & MODE_BIT(mode)) == 0) continue;
            entry.mode = (LockMode)mode;
            entry.granted = true;
            entry.xid = hold->owner->xid;
            fn(&entry, arg);
        }
    }
    for (const LockOwner *waiter = object->wait_head; waiter != NULL;
         waiter = waiter->wait_next) {
        entry.mode = waiter->wait_mode;
        entry.granted = false;
        entry.xid = waiter->xid;
        fn(&entry, arg);
    }
}

void lock_snapshot(LockManager *manager, LockSnapshotFn *fn, void *arg)
{
    lock_all_partitions(manager);
    for (int part_idx = 0; part_idx < LOCK_PARTITION_COUNT; part_idx++) {
        const Partition *part = &manager->partitions[part_idx];
        for (size_t bucket_idx = 0; bucket_idx < part->bucket_count; bucket_idx++) {
            for (const LockObject *object = part->buckets[bucket_idx]; object != NULL;
                 object = object->hash_next) {
                snapshot_object(object, fn, arg);
            }
        }
    }
    unlock_all_partitions(manager);
}
