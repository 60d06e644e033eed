/* storage/bufpool.c: the buffer pool (contract in bufpool.h, invariants in README.md).
 *
 * Locks, in the only order they are ever nested:
 *   lru_mutex -> one stripe mutex -> (nothing)
 * - a cache hit takes no lock (pin_fast): it walks the bucket's chain with atomic loads, adds a
 *   pin to the frame whose page id matches, then checks that the frame was not being evicted
 *   (PIN_EVICTED), still holds that page and is READING or VALID; else it drops the pin and
 *   takes the locked path. Eviction turns a pin count of 0 into PIN_EVICTED with one
 *   compare-and-swap, so exactly one of the two wins.
 * - stripe mutexes (STRIPE_COUNT of them) guard changes to the page table's buckets (chains
 *   through Frame.hash_next) and the locked lookups.
 * - lru_mutex guards the LRU list, the free list and every insertion into the page table: a
 *   page is loaded only under it, so two threads missing on one page never both read it.
 * - a frame's latch is the caller's read/write latch; the pool takes it (S) only to copy a dirty
 *   page it has pinned for writing. Threads that find a frame READING wait on io_wait_cond
 *   until its reader publishes VALID or FAILED.
 * - a frame's io_mutex serializes writes of that frame, so an older copy can never overwrite a
 *   newer one on disk. Eviction and the cleaner only try it (and try the latch): they must not
 *   wait for a latch holder who may be waiting for them.
 * No pool-wide lock is held during I/O or while calling the before-write hook.
 *
 * Frame states: FREE -> READING [pin_miss] -> VALID [read ok] -> FREE [eviction, discard]
 *               READING -> FAILED [read error] -> FREE [read_failed, once waiters unpinned]
 * A frame outside the page table (FREE, FAILED being reclaimed, a victim being reused) has
 * PIN_EVICTED set; its new owner clears it (taking its own pin) before inserting it.
 *
 * The dirty flag and a generation count share one atomic word (generation << 1 | dirty):
 * bp_mark_dirty (X-latched) bumps the generation; a writer copies the page under S, writes the
 * copy, then clears the dirty bit with a compare-and-swap against the word it saw under S, which
 * fails if the page changed meanwhile (it then stays dirty, with its older rec_lsn).
 *
 * Replacement: midpoint LRU on one list, young (MRU) end at lru_head, old sublist from old_head
 * to lru_tail. The young part holds at most 5/8 of the frames, so the old part is 3/8 of them
 * once the pool is full. Pages enter at old_head. An old page is promoted to the young head when
 * it is pinned again after at least promote_distance other pages were brought in since it
 * entered the old sublist (time measured in misses, which keeps tests deterministic and costs
 * hits nothing when nothing is read); re-pins in quick succession, as a scan cursor does, do
 * not promote. A young page moves to the head only once it has drifted a
 * quarter of the young list away, so pins of hot pages rarely take lru_mutex. */
#include "storage/bufpool.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/asserts.h"
#include "common/hash.h"

enum {
    STRIPE_COUNT = 64,
    FAST_CHAIN_STEP_MAX = 8,        /* lock-free lookups give up (and lock) after this many */
    PIN_ATTEMPT_MAX = 1000,         /* retries of one bp_pin: lost races, dirty victims */
    VICTIM_DIRTY_SCAN_MAX = 32,     /* unpinned dirty frames passed over looking for a clean one */
    CLEANER_INTERVAL_MS_DEFAULT = 50,
    CLEANER_BATCH_MAX = 64,
    CLEANER_FREE_SHARE = 8,     /* the cleaner sleeps while more than 1/8 of frames are free */
    DISCARD_WAIT_MAX = 100000,      /* 100 us sleeps waiting for a transient pin: 10 s */
    FRAME_DATA_ALIGN = 4096,
    FRAME_DATA_HUGE_ALIGN = 2 * 1024 * 1024,   /* page data of pools this large or larger: */
};                                             /* 2 MiB aligned, transparent huge pages asked */

/* pin_count bit set while a frame is out of the page table (free, being evicted or reused,
 * failed): a lock-free pinner that sees it backs off. Set by a compare-and-swap from 0 under the
 * stripe mutex (so a frame with pins is never evicted) and cleared by the frame's new owner
 * with an add, never a store, so transient increments of backing-off pinners are not lost. */
#define PIN_EVICTED 0x80000000u
#define PIN_COUNT_MASK 0x7fffffffu

typedef enum FrameState {
    FRAME_FREE = 0,
    FRAME_READING,
    FRAME_VALID,
    FRAME_FAILED,
} FrameState;

typedef enum WriteWait {
    WRITE_TRY,    /* give up (write nothing, no error) if the frame is latched or being written */
    WRITE_WAIT,
} WriteWait;

struct Frame {
    /* first cache line: everything a cache hit touches */
    _Alignas(64) _Atomic uint32_t page_id;
    atomic_uint          pin_count;      /* pins, | PIN_EVICTED while not in the page table */
    atomic_int           state;          /* FrameState */
    atomic_uint          internal_pin_count; /* of the pins, the pool's own (writes) */
    uint8_t             *data;
    _Atomic(Frame *)     hash_next;      /* written under the bucket's stripe mutex */
    _Atomic uint64_t     hit_count;      /* lock-free hits (racy increments: statistics) */
    _Atomic uint64_t     read_stamp;     /* pool->miss_clock when it entered the old sublist */
    _Atomic uint64_t     young_stamp;    /* pool->young_clock when put at the young head */
    atomic_bool          is_old;         /* written under lru_mutex, read racily by touch() */
    atomic_bool          fpi;
    bool                 in_lru;         /* under lru_mutex, as are the lru and free links */
    int32_t              lru_prev;
    /* second cache line (point): what a reader touches after the pin: the latch (its whole
     * glibc layout, flags included, fits the line) and the change count; pin_fast prefetches
     * it together with the page's first lines, so a hit on a cold frame overlaps the misses */
    _Alignas(64) pthread_rwlock_t latch;
    _Atomic uint64_t     dirty_word;     /* generation << 1 | dirty */
    /* third line: the LRU, free list and writer state */
    int32_t              lru_next;
    int32_t              free_next;
    int32_t              index;
    _Atomic uint64_t     rec_lsn;        /* meaningful while dirty */
    pthread_mutex_t      io_mutex;
};

typedef struct Stripe {
    _Alignas(64) pthread_mutex_t mutex;
    uint64_t hit_count;                  /* under mutex */
} Stripe;

struct BufPool {
    File            *file;
    char            *file_path;
    size_t           frame_count;
    Frame           *frames;
    uint8_t         *data;
    _Atomic(Frame *) *buckets;           /* written under stripe mutexes, read lock-free too */
    size_t           bucket_mask;
    unsigned         bucket_shift;       /* log2(bucket_mask + 1) */
    Stripe           stripes[STRIPE_COUNT];

    pthread_mutex_t  lru_mutex;
    int32_t          lru_head;
    int32_t          lru_tail;
    int32_t          old_head;           /* -1 if the old sublist is empty */
    size_t           lru_len;
    size_t           old_len;
    size_t           young_len_max;      /* 5/8 of the frames */
    int32_t          free_head;
    _Atomic size_t   young_len_hint;     /* lru_len - old_len, for touch() outside the lock */
    atomic_int       internal_pin_count; /* pins the pool holds itself to write a page */
    _Atomic uint64_t young_clock;
    _Atomic uint64_t miss_clock;
    uint64_t         promote_distance;

    pthread_mutex_t  io_wait_mutex;      /* with io_wait_cond: waiting for READING frames */
    pthread_cond_t   io_wait_cond;
    atomic_int       io_waiter_count;

    pthread_mutex_t  hook_mutex;
    BpBeforeWriteFn  hook;
    void            *hook_ctx;

    _Atomic uint64_t miss_count;
    _Atomic uint64_t read_count;
    _Atomic uint64_t write_count;
    _Atomic uint64_t eviction_count;
    _Atomic uint64_t cleaner_write_count;

    pthread_t        cleaner_thread;
    bool             cleaner_running;
    bool             cleaner_stop;       /* under cleaner_mutex */
    int              cleaner_interval_ms;
    pthread_mutex_t  cleaner_mutex;
    pthread_cond_t   cleaner_cond;
};

/* ---------------------------------------------------------------- page table ---- */

/* bucket_of (scanpath): page ids are dense file positions, so a run of consecutive ids (the
 * leaves a sequential scan walks, pages loaded in order) maps to consecutive buckets: one cache
 * line of the bucket array serves 8 of them, where a mixing hash cost a DRAM miss per page.
 * The ids' high bits are folded in, so ids a multiple of the bucket count apart (a file larger
 * than the table) still spread. Buckets are at least twice the frames, so chains stay short. */
static size_t bucket_of(const BufPool *pool, PageId page_id)
{
    uint64_t id = page_id;
    return (size_t)(id ^ (id >> pool->bucket_shift)) & pool->bucket_mask;
}

static Stripe *stripe_of(BufPool *pool, size_t bucket)
{
    return &pool->stripes[bucket & (STRIPE_COUNT - 1)];
}

/* Pre: the bucket's stripe mutex is held. */
static Frame *hash_find(BufPool *pool, size_t bucket, PageId page_id)
{
    for (Frame *frame = atomic_load_explicit(&pool->buckets[bucket], memory_order_relaxed);
         frame != NULL; frame = atomic_load_explicit(&frame->hash_next, memory_order_relaxed)) {
        if (atomic_load_explicit(&frame->page_id, memory_order_relaxed) == page_id) return frame;
    }
    return NULL;
}

/* Pre: the stripe mutex is held; the frame's fields are set (published by the release). */
static void hash_insert(BufPool *pool, size_t bucket, Frame *frame)
{
    atomic_store_explicit(&frame->hash_next,
                          atomic_load_explicit(&pool->buckets[bucket], memory_order_relaxed),
                          memory_order_relaxed);
    atomic_store_explicit(&pool->buckets[bucket], frame, memory_order_release);
}

static void hash_remove(BufPool *pool, size_t bucket, Frame *frame)
{
    _Atomic(Frame *) *link = &pool->buckets[bucket];
    for (;;) {
        Frame *next = atomic_load_explicit(link, memory_order_relaxed);
        VERIFY(next != NULL);
        if (next == frame) break;
        link = &next->hash_next;
    }
    atomic_store_explicit(link, atomic_load_explicit(&frame->hash_next, memory_order_relaxed),
                          memory_order_release);
    /* frame->hash_next is left as it was: a lock-free reader standing on this frame still
     * reaches the rest of some chain (it validates whatever it finds). */
}

/* ---------------------------------------------------------------- LRU (under lru_mutex) ---- */

static void lru_link_before(BufPool *pool, Frame *frame, int32_t next_idx)
{
    int32_t prev_idx = next_idx < 0 ? pool->lru_tail : pool->frames[next_idx].lru_prev;
    frame->lru_prev = prev_idx;
    frame->lru_next = next_idx;
    if (prev_idx < 0) pool->lru_head = frame->index;
    else pool->frames[prev_idx].lru_next = frame->index;
    if (next_idx < 0) pool->lru_tail = frame->index;
    else pool->frames[next_idx].lru_prev = frame->index;
    frame->in_lru = true;
    pool->lru_len++;
}

static void lru_rebalance(BufPool *pool)
{
    size_t target = pool->lru_len > pool->young_len_max ? pool->lru_len - pool->young_len_max : 0;
    size_t tolerance = 1 + pool->lru_len / 64;
    if (pool->old_len > target + tolerance) {
        while (pool->old_len > target) {
            Frame *frame = &pool->frames[pool->old_head];
            atomic_store_explicit(&frame->is_old, false, memory_order_relaxed);
            pool->old_head = frame->lru_next;
            pool->old_len--;
        }
    } else if (pool->old_len + tolerance < target) {
        while (pool->old_len < target) {
            int32_t idx = pool->old_head < 0 ? pool->lru_tail
                                             : pool->frames[pool->old_head].lru_prev;
            VERIFY(idx >= 0);
            atomic_store_explicit(&pool->frames[idx].is_old, true, memory_order_relaxed);
            /* its promotion clock restarts: with no misses nothing is promoted, so uniform hits
             * on a pool that holds everything never churn the list */
            atomic_store_explicit(&pool->frames[idx].read_stamp,
                                  atomic_load_explicit(&pool->miss_clock, memory_order_relaxed),
                                  memory_order_relaxed);
            pool->old_head = idx;
            pool->old_len++;
        }
    }
    atomic_store_explicit(&pool->young_len_hint, pool->lru_len - pool->old_len,
                          memory_order_relaxed);
}

static void lru_unlink(BufPool *pool, Frame *frame)
{
    ASSERT(frame->in_lru);
    if (pool->old_head == frame->index) pool->old_head = frame->lru_next;
    if (atomic_load_explicit(&frame->is_old, memory_order_relaxed)) pool->old_len--;
    if (frame->lru_prev < 0) pool->lru_head = frame->lru_next;
    else pool->frames[frame->lru_prev].lru_next = frame->lru_next;
    if (frame->lru_next < 0) pool->lru_tail = frame->lru_prev;
    else pool->frames[frame->lru_next].lru_prev = frame->lru_prev;
    frame->lru_prev = -1;
    frame->lru_next = -1;
    frame->in_lru = false;
    pool->lru_len--;
}

static void lru_remove(BufPool *pool, Frame *frame)
{
    lru_unlink(pool, frame);
    lru_rebalance(pool);
}

static void lru_insert_young(BufPool *pool, Frame *frame)
{
    if (frame->in_lru) lru_unlink(pool, frame);
    /* If the old sublist starts at the head, the new head is young and the boundary stays. */
    lru_link_before(pool, frame, pool->lru_head);
    atomic_store_explicit(&frame->is_old, false, memory_order_relaxed);
    uint64_t clock = atomic_fetch_add_explicit(&pool->young_clock, 1, memory_order_relaxed) + 1;
    atomic_store_explicit(&frame->young_stamp, clock, memory_order_relaxed);
    lru_rebalance(pool);
}

static void lru_insert_old(BufPool *pool, Frame *frame)
{
    ASSERT(!frame->in_lru);
    lru_link_before(pool, frame, pool->old_head);
    atomic_store_explicit(&frame->is_old, true, memory_order_relaxed);
    pool->old_head = frame->index;
    pool->old_len++;
    lru_rebalance(pool);
}

static void free_push(BufPool *pool, Frame *frame)
{
    frame->free_next = pool->free_head;
    pool->free_head = frame->index;
}

static Frame *free_pop(BufPool *pool)
{
    if (pool->free_head < 0) return NULL;
    Frame *frame = &pool->frames[pool->free_head];
    pool->free_head = frame->free_next;
    frame->free_next = -1;
    return frame;
}

/* touch: the LRU bookkeeping of a hit on a pinned, valid frame. Cheap unless it moves it. */
static void touch(BufPool *pool, Frame *frame)
{
    bool promote;
    if (atomic_load_explicit(&frame->is_old, memory_order_relaxed)) {
        uint64_t since = atomic_load_explicit(&pool->miss_clock, memory_order_relaxed) -
                         atomic_load_explicit(&frame->read_stamp, memory_order_relaxed);
        promote = since >= pool->promote_distance;
    } else {
        uint64_t drift = atomic_load_explicit(&pool->young_clock, memory_order_relaxed) -
                         atomic_load_explicit(&frame->young_stamp, memory_order_relaxed);
        promote = drift > atomic_load_explicit(&pool->young_len_hint, memory_order_relaxed) / 4;
    }
    if (!promote) return;
    pthread_mutex_lock(&pool->lru_mutex);
    if (frame->in_lru) lru_insert_young(pool, frame);
    pthread_mutex_unlock(&pool->lru_mutex);
}

/* ---------------------------------------------------------------- pins ---- */

static void frame_release(BufPool *pool, Frame *frame)
{
    (void)pool;
    unsigned pin_count_before = atomic_fetch_sub_explicit(&frame->pin_count, 1,
                                                          memory_order_release);
    VERIFY((pin_count_before & PIN_COUNT_MASK) > 0);
}

/* Pins the pool takes itself to write a page (cleaner, flush, dirty victim) are counted, per
 * frame and in total, before the pin is taken and until it is dropped: a miss that finds every
 * frame pinned retries if some pins are the pool's own, and bp_pinned_count ignores them. */
static void internal_count(BufPool *pool, Frame *frame, int delta)
{
    atomic_fetch_add(&frame->internal_pin_count, (unsigned)delta);
    atomic_fetch_add(&pool->internal_pin_count, delta);
}

static void internal_release(BufPool *pool, Frame *frame)
{
    frame_release(pool, frame);
    internal_count(pool, frame, -1);
}

/* prefetch_frame (point): start loading, at once, what a hit on frame reads next: its hit-path
 * line, its latch line and the first lines of its page (header and slot array). Each is a
 * cache miss on a table larger than the CPU caches; issued together they overlap instead of
 * following one another. The page's address is computed from the frame's position (frames_init
 * fixes frame i's data at pool->data + i * PAGE_SIZE), so it does not wait for the frame's own
 * line. A hint only: it reads nothing, and a frame that turns out not to hold page_id costs
 * only the wasted loads. */
static void prefetch_frame(const BufPool *pool, const Frame *frame)
{
    enum { PREFETCH_PAGE_LINES = 4 };
    __builtin_prefetch(frame, 0, 3);
    __builtin_prefetch((const uint8_t *)frame + 64, 1, 3);   /* the latch: written by rdlock */
    const uint8_t *data = pool->data + (size_t)(frame - pool->frames) * PAGE_SIZE;
    for (int line_idx = 0; line_idx < PREFETCH_PAGE_LINES; line_idx++) {
        __builtin_prefetch(data + line_idx * 64, 0, 3);
    }
}

/* pin_fast: the lock-free lookup of a cache hit: walk the bucket's chain, pin a frame that
 * looks right, then check it still is (page id, state, not evicted). NULL: ask pin_cached. */
static Frame *pin_fast(BufPool *pool, PageId page_id)
{
    size_t bucket = bucket_of(pool, page_id);
    Frame *frame = atomic_load_explicit(&pool->buckets[bucket], memory_order_acquire);
    if (frame != NULL) prefetch_frame(pool, frame);
    for (int step = 0; frame != NULL && step < FAST_CHAIN_STEP_MAX; step++) {
        if (atomic_load_explicit(&frame->page_id, memory_order_relaxed) == page_id) {
            unsigned pin_count_before = atomic_fetch_add(&frame->pin_count, 1);
            int state = atomic_load(&frame->state);
            if ((pin_count_before & PIN_EVICTED) == 0 &&
                atomic_load(&frame->page_id) == page_id &&
                (state == FRAME_VALID || state == FRAME_READING)) {
                uint64_t hits = atomic_load_explicit(&frame->hit_count, memory_order_relaxed);
                atomic_store_explicit(&frame->hit_count, hits + 1, memory_order_relaxed);
                return frame;
            }
            atomic_fetch_sub(&frame->pin_count, 1);
            return NULL;
        }
        frame = atomic_load_explicit(&frame->hash_next, memory_order_acquire);
    }
    return NULL;
}

/* pin_cached: pin page_id if it is in the page table (READING or VALID); NULL if not. */
static Frame *pin_cached(BufPool *pool, PageId page_id)
{
    Frame *frame = pin_fast(pool, page_id);
    if (frame != NULL) return frame;
    size_t bucket = bucket_of(pool, page_id);
    Stripe *stripe = stripe_of(pool, bucket);
    pthread_mutex_lock(&stripe->mutex);
    frame = hash_find(pool, bucket, page_id);
    if (frame != NULL) {
        /* in the table, so not PIN_EVICTED */
        atomic_fetch_add(&frame->pin_count, 1);
        stripe->hit_count++;
    }
    pthread_mutex_unlock(&stripe->mutex);
    return frame;
}

/* wait_valid: wait for a pinned frame's read to finish; true if the page is now valid. Waits
 * on the pool's condition variable, not on the frame's latch: once the read is over, another
 * thread may X-latch the page, and a pin must never wait for a latch holder. */
static bool wait_valid(BufPool *pool, Frame *frame)
{
    int state = atomic_load_explicit(&frame->state, memory_order_acquire);
    if (state == FRAME_VALID) return true;
    if (state == FRAME_READING) {
        atomic_fetch_add(&pool->io_waiter_count, 1);
        pthread_mutex_lock(&pool->io_wait_mutex);
        while (atomic_load(&frame->state) == FRAME_READING) {
            pthread_cond_wait(&pool->io_wait_cond, &pool->io_wait_mutex);
        }
        pthread_mutex_unlock(&pool->io_wait_mutex);
        atomic_fetch_sub(&pool->io_waiter_count, 1);
    }
    return atomic_load_explicit(&frame->state, memory_order_acquire) == FRAME_VALID;
}

/* read_done: publish the end of a frame's read (state VALID or FAILED) and wake its waiters. */
static void read_done(BufPool *pool, Frame *frame, FrameState state)
{
    atomic_store(&frame->state, state);   /* seq_cst: ordered before the load of the count */
    /* A waiter counts itself before it checks the state under io_wait_mutex, so either it sees
     * the new state or we see it counted and broadcast after it started waiting. */
    if (atomic_load(&pool->io_waiter_count) > 0) {
        pthread_mutex_lock(&pool->io_wait_mutex);
        pthread_cond_broadcast(&pool->io_wait_cond);
        pthread_mutex_unlock(&pool->io_wait_mutex);
    }
}

/* pin_frame_if_valid: pin a frame found by walking the frame array (flush, dirty table), if it
 * holds a valid page; false if it does not. */
static bool pin_frame_if_valid(BufPool *pool, Frame *frame)
{
    PageId page_id = atomic_load_explicit(&frame->page_id, memory_order_relaxed);
    size_t bucket = bucket_of(pool, page_id);
    Stripe *stripe = stripe_of(pool, bucket);
    bool pinned = false;
    pthread_mutex_lock(&stripe->mutex);
    if (atomic_load(&frame->state) == FRAME_VALID && hash_find(pool, bucket, page_id) == frame) {
        atomic_fetch_add(&frame->pin_count, 1);
        pinned = true;
    }
    pthread_mutex_unlock(&stripe->mutex);
    return pinned;
}

/* ---------------------------------------------------------------- writes ---- */

/* write_frame: write a pinned frame's page if it is dirty: copy under S, seal the copy, call
 * the before-write hook with its LSN, write. *written_out tells whether it was written. */
static Error *write_frame(BufPool *pool, Frame *frame, WriteWait wait, bool *written_out)
{
    *written_out = false;
    if (wait == WRITE_WAIT) pthread_mutex_lock(&frame->io_mutex);
    else if (pthread_mutex_trylock(&frame->io_mutex) != 0) return NULL;
    if (wait == WRITE_WAIT) pthread_rwlock_rdlock(&frame->latch);
    else if (pthread_rwlock_tryrdlock(&frame->latch) != 0) {
        pthread_mutex_unlock(&frame->io_mutex);
        return NULL;
    }
    uint64_t word = atomic_load_explicit(&frame->dirty_word, memory_order_acquire);
    if ((word & 1) == 0 || atomic_load(&frame->state) != FRAME_VALID) {
        pthread_rwlock_unlock(&frame->latch);
        pthread_mutex_unlock(&frame->io_mutex);
        return NULL;
    }
    _Alignas(64) uint8_t copy[PAGE_SIZE];
    memcpy(copy, frame->data, PAGE_SIZE);
    pthread_rwlock_unlock(&frame->latch);

    PageId page_id = atomic_load_explicit(&frame->page_id, memory_order_relaxed);
    /* The pool knows where the page goes: stamping the id makes a misdirected write or read
     * detectable even if the page's owner never set it. */
    enc_u32le(copy + PAGE_OFFSET_ID, page_id);
    page_seal(copy);
    uint64_t lsn = page_lsn(copy);

    pthread_mutex_lock(&pool->hook_mutex);
    BpBeforeWriteFn hook = pool->hook;
    void *hook_ctx = pool->hook_ctx;
    pthread_mutex_unlock(&pool->hook_mutex);
    Error *err = hook != NULL ? hook(hook_ctx, lsn) : NULL;
    if (err == NULL) err = file_write(pool->file, (uint64_t)page_id * PAGE_SIZE, copy, PAGE_SIZE);
    if (err == NULL) {
        /* Clean only if nobody changed the page since the copy; else it stays dirty. */
        atomic_compare_exchange_strong(&frame->dirty_word, &word, word & ~(uint64_t)1);
        atomic_store(&frame->fpi, true);
        atomic_fetch_add_explicit(&pool->write_count, 1, memory_order_relaxed);
        *written_out = true;
    }
    pthread_mutex_unlock(&frame->io_mutex);
    return err;
}

/* ---------------------------------------------------------------- misses ---- */

typedef enum VictimKind {
    VICTIM_NONE,    /* every frame is pinned */
    VICTIM_CLEAN,   /* *frame_out is unhashed, out of the LRU, unpinned: ours to reuse */
    VICTIM_DIRTY,   /* *frame_out is dirty and pinned for us: write it, unpin, retry */
} VictimKind;

/* victim_find: from the cold end of the LRU, the first unpinned clean frame, or if only dirty
 * ones are found within VICTIM_DIRTY_SCAN_MAX, the coldest dirty one. Pre: lru_mutex held. */
static VictimKind victim_find(BufPool *pool, Frame **frame_out)
{
    Frame *dirty = NULL;
    size_t dirty_seen = 0;
    size_t step_count = 0;
    for (int32_t idx = pool->lru_tail; idx >= 0; idx = pool->frames[idx].lru_prev) {
        VERIFY(step_count++ <= pool->frame_count);
        Frame *frame = &pool->frames[idx];
        if (atomic_load_explicit(&frame->pin_count, memory_order_relaxed) > 0) continue;
        if (atomic_load_explicit(&frame->dirty_word, memory_order_relaxed) & 1) {
            if (dirty == NULL) dirty = frame;
            if (++dirty_seen > VICTIM_DIRTY_SCAN_MAX) break;
            continue;
        }
        PageId page_id = atomic_load_explicit(&frame->page_id, memory_order_relaxed);
        size_t bucket = bucket_of(pool, page_id);
        Stripe *stripe = stripe_of(pool, bucket);
        pthread_mutex_lock(&stripe->mutex);
        /* Under the stripe only lock-free pinners can pin it: the CAS from 0 shuts them out.
         * The dirty bit changes only under a pin, so once evicted it is stable. */
        unsigned unpinned = 0;
        if (atomic_compare_exchange_strong(&frame->pin_count, &unpinned, PIN_EVICTED) &&
            (atomic_load(&frame->dirty_word) & 1) != 0) {
            atomic_fetch_sub(&frame->pin_count, PIN_EVICTED);   /* dirtied meanwhile: keep */
            unpinned = 1;
        }
        if (unpinned == 0) {
            hash_remove(pool, bucket, frame);
            atomic_store(&frame->state, FRAME_FREE);
            pthread_mutex_unlock(&stripe->mutex);
            lru_remove(pool, frame);
            atomic_fetch_add_explicit(&pool->eviction_count, 1, memory_order_relaxed);
            *frame_out = frame;
            return VICTIM_CLEAN;
        }
        pthread_mutex_unlock(&stripe->mutex);
    }
    if (dirty == NULL) return VICTIM_NONE;
    PageId page_id = atomic_load_explicit(&dirty->page_id, memory_order_relaxed);
    Stripe *stripe = stripe_of(pool, bucket_of(pool, page_id));
    pthread_mutex_lock(&stripe->mutex);
    internal_count(pool, dirty, 1);
    atomic_fetch_add(&dirty->pin_count, 1);
    pthread_mutex_unlock(&stripe->mutex);
    *frame_out = dirty;
    return VICTIM_DIRTY;
}

/* fill_frame: read (or zero) the page of a frame in state READING that we alone fill. */
static Error *fill_frame(BufPool *pool, Frame *frame, PageId page_id, BpPinMode mode)
{
    if (mode == BP_PIN_NEW) {
        memset(frame->data, 0, PAGE_SIZE);
        return NULL;
    }
    atomic_fetch_add_explicit(&pool->miss_count, 1, memory_order_relaxed);
    Error *err = file_read(pool->file, (uint64_t)page_id * PAGE_SIZE, frame->data, PAGE_SIZE);
    if (err == NULL) atomic_fetch_add_explicit(&pool->read_count, 1, memory_order_relaxed);
    if (err == NULL) err = page_verify(frame->data, page_id, pool->file_path, false);
    if (err != NULL && mode == BP_PIN_REDO) {
        /* Recovery rewrites the page from a full page image: a zeroed frame, no error. */
        err_free(err);
        memset(frame->data, 0, PAGE_SIZE);
        return NULL;
    }
    return err;
}

static Error *no_buffers_error(void)
{
    return err_new(SQLSTATE_OUT_OF_MEMORY, "no unpinned buffers available");
}

/* read_failed: take a frame whose read failed out of the table and the LRU, wake its waiters,
 * and once they have unpinned (they see FAILED and unpin at once; no new pin can reach it),
 * return it to the free list. Pre: we hold the frame's only pin of our own. */
static void read_failed(BufPool *pool, Frame *frame, size_t bucket)
{
    Stripe *stripe = stripe_of(pool, bucket);
    pthread_mutex_lock(&pool->lru_mutex);
    pthread_mutex_lock(&stripe->mutex);
    hash_remove(pool, bucket, frame);
    pthread_mutex_unlock(&stripe->mutex);
    lru_remove(pool, frame);
    pthread_mutex_unlock(&pool->lru_mutex);
    read_done(pool, frame, FRAME_FAILED);
    for (int wait_count = 0;; wait_count++) {
        unsigned own = 1;
        if (atomic_compare_exchange_weak(&frame->pin_count, &own, PIN_EVICTED)) break;
        VERIFY(wait_count < DISCARD_WAIT_MAX * 10);
        sched_yield();
    }
    pthread_mutex_lock(&pool->lru_mutex);
    atomic_store(&frame->state, FRAME_FREE);
    free_push(pool, frame);
    pthread_mutex_unlock(&pool->lru_mutex);
}

/* pin_miss: bring page_id into a frame. *retry_out is set when the caller must look again (the
 * page appeared meanwhile, or a dirty victim was written). */
static Error *pin_miss(BufPool *pool, PageId page_id, BpPinMode mode, Frame **frame_out,
                       bool *retry_out)
{
    *retry_out = false;
    size_t bucket = bucket_of(pool, page_id);
    Stripe *stripe = stripe_of(pool, bucket);
    pthread_mutex_lock(&pool->lru_mutex);
    /* Pages enter the table only under lru_mutex: check again now that we hold it. */
    pthread_mutex_lock(&stripe->mutex);
    bool appeared = hash_find(pool, bucket, page_id) != NULL;
    pthread_mutex_unlock(&stripe->mutex);
    if (appeared) {
        pthread_mutex_unlock(&pool->lru_mutex);
        *retry_out = true;
        return NULL;
    }
    Frame *frame = free_pop(pool);
    if (frame == NULL) {
        VictimKind kind = victim_find(pool, &frame);
        if (kind == VICTIM_NONE) {
            pthread_mutex_unlock(&pool->lru_mutex);
            /* Every frame is pinned. If some pins are the pool's own (a page being written by
             * the cleaner, a flush or another miss), they end soon: retry, a bounded number of
             * times. Otherwise fail at once. */
            if (atomic_load(&pool->internal_pin_count) == 0) return no_buffers_error();
            nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 100000}, NULL);
            *retry_out = true;
            return NULL;
        }
        if (kind == VICTIM_DIRTY) {
            pthread_mutex_unlock(&pool->lru_mutex);
            bool written;
            Error *err = write_frame(pool, frame, WRITE_TRY, &written);
            internal_release(pool, frame);
            if (err != NULL) return err;
            /* Latched or being written by someone else: give them a moment. */
            if (!written) nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 50000}, NULL);
            *retry_out = true;
            return NULL;
        }
    }
    /* The frame is ours alone: in no table or list, PIN_EVICTED (plus maybe transient pins of
     * lock-free lookups about to back off). Set it up, then clear PIN_EVICTED taking our pin,
     * then publish it in the table. */
    ASSERT((atomic_load(&frame->pin_count) & PIN_EVICTED) != 0);
    atomic_store(&frame->page_id, page_id);
    atomic_store(&frame->state, FRAME_READING);
    atomic_store(&frame->dirty_word, atomic_load(&frame->dirty_word) & ~(uint64_t)1);
    atomic_store(&frame->fpi, true);
    atomic_fetch_add(&frame->pin_count, 1u - PIN_EVICTED);   /* mod 2^32: +1, clears the bit */
    pthread_mutex_lock(&stripe->mutex);
    hash_insert(pool, bucket, frame);
    pthread_mutex_unlock(&stripe->mutex);
    uint64_t stamp = atomic_fetch_add_explicit(&pool->miss_clock, 1, memory_order_relaxed) + 1;
    atomic_store_explicit(&frame->read_stamp, stamp, memory_order_relaxed);
    lru_insert_old(pool, frame);
    pthread_mutex_unlock(&pool->lru_mutex);

    Error *err = fill_frame(pool, frame, page_id, mode);
    if (err != NULL) {
        read_failed(pool, frame, bucket);
        return err;
    }
    read_done(pool, frame, FRAME_VALID);
    *frame_out = frame;
    return NULL;
}

Error *bp_pin(BufPool *pool, PageId page_id, BpPinMode mode, Frame **frame_out)
{
    for (int attempt = 0; attempt < PIN_ATTEMPT_MAX; attempt++) {
        Frame *frame = pin_cached(pool, page_id);
        if (frame != NULL) {
            if (wait_valid(pool, frame)) {
                touch(pool, frame);
                *frame_out = frame;
                return NULL;
            }
            frame_release(pool, frame);   /* another thread's read failed: try it ourselves */
            continue;
        }
        bool retry;
        Error *err = pin_miss(pool, page_id, mode, frame_out, &retry);
        if (!retry) return err;
    }
    return no_buffers_error();
}

void bp_unpin(BufPool *pool, Frame *frame)
{
    frame_release(pool, frame);
}

/* ---------------------------------------------------------------- latches and flags ---- */

void bp_latch(Frame *frame, LatchMode mode)
{
    if (mode == LATCH_SHARED) pthread_rwlock_rdlock(&frame->latch);
    else if (mode == LATCH_EXCLUSIVE) pthread_rwlock_wrlock(&frame->latch);
}

bool bp_try_latch(Frame *frame, LatchMode mode)
{
    if (mode == LATCH_SHARED) return pthread_rwlock_tryrdlock(&frame->latch) == 0;
    if (mode == LATCH_EXCLUSIVE) return pthread_rwlock_trywrlock(&frame->latch) == 0;
    return true;
}

void bp_unlatch(Frame *frame, LatchMode mode)
{
    if (mode != LATCH_NONE) pthread_rwlock_unlock(&frame->latch);
}

uint8_t *bp_data(Frame *frame) { return frame->data; }

PageId bp_page_id(const Frame *frame)
{
    return atomic_load_explicit(&frame->page_id, memory_order_relaxed);
}

void bp_mark_dirty(BufPool *pool, Frame *frame, uint64_t lsn)
{
    (void)pool;
    ASSERT(atomic_load(&frame->pin_count) > 0);
    uint64_t word = atomic_load(&frame->dirty_word);
    for (;;) {
        /* rec_lsn is published by the release of the CAS that sets the dirty bit. */
        if ((word & 1) == 0) atomic_store_explicit(&frame->rec_lsn, lsn, memory_order_relaxed);
        uint64_t word_new = (((word >> 1) + 1) << 1) | 1;
        if (atomic_compare_exchange_weak_explicit(&frame->dirty_word, &word, word_new,
                                                  memory_order_acq_rel, memory_order_acquire)) {
            return;
        }
    }
}

uint64_t bp_change_count(const Frame *frame)
{
    /* the generation half of dirty_word: bumped by bp_mark_dirty only, kept when a write
     * clears the dirty bit or the frame is reused */
    return atomic_load_explicit(&((Frame *)frame)->dirty_word, memory_order_acquire) >> 1;
}

bool bp_is_dirty(const Frame *frame)
{
    return (atomic_load(&((Frame *)frame)->dirty_word) & 1) != 0;
}

bool bp_take_fpi_flag(Frame *frame)
{
    return atomic_exchange(&frame->fpi, false);
}

void bp_set_before_write(BufPool *pool, BpBeforeWriteFn hook, void *ctx)
{
    pthread_mutex_lock(&pool->hook_mutex);
    pool->hook = hook;
    pool->hook_ctx = ctx;
    pthread_mutex_unlock(&pool->hook_mutex);
}

/* ---------------------------------------------------------------- flushing ---- */

Error *bp_flush_page(BufPool *pool, PageId page_id)
{
    /* internal counting needs the frame before the pin: look it up under its stripe */
    size_t bucket = bucket_of(pool, page_id);
    Stripe *stripe = stripe_of(pool, bucket);
    pthread_mutex_lock(&stripe->mutex);
    Frame *frame = hash_find(pool, bucket, page_id);
    if (frame != NULL) {
        internal_count(pool, frame, 1);
        atomic_fetch_add(&frame->pin_count, 1);
    }
    pthread_mutex_unlock(&stripe->mutex);
    if (frame == NULL) return NULL;
    Error *err = NULL;
    if (wait_valid(pool, frame)) {
        bool written;
        err = write_frame(pool, frame, WRITE_WAIT, &written);
    }
    internal_release(pool, frame);
    return err;
}

Error *bp_flush_all(BufPool *pool)
{
    for (size_t frame_idx = 0; frame_idx < pool->frame_count; frame_idx++) {
        Frame *frame = &pool->frames[frame_idx];
        if ((atomic_load(&frame->dirty_word) & 1) == 0) continue;
        internal_count(pool, frame, 1);
        if (!pin_frame_if_valid(pool, frame)) {
            internal_count(pool, frame, -1);
            continue;
        }
        bool written;
        Error *err = write_frame(pool, frame, WRITE_WAIT, &written);
        internal_release(pool, frame);
        if (err != NULL) return err;
    }
    return file_sync(pool->file);
}

size_t bp_dirty_pages(BufPool *pool, BpDirtyPage *pages_out, size_t count_max)
{
    /* Fuzzy, as a checkpoint needs: a dirty frame is never evicted, so its id is stable; a
     * page that becomes dirty or clean meanwhile may or may not be listed. */
    size_t count = 0;
    for (size_t frame_idx = 0; frame_idx < pool->frame_count; frame_idx++) {
        Frame *frame = &pool->frames[frame_idx];
        if ((atomic_load(&frame->dirty_word) & 1) == 0) continue;
        if (atomic_load(&frame->state) != FRAME_VALID) continue;
        if (count < count_max) {
            pages_out[count].page_id = atomic_load_explicit(&frame->page_id, memory_order_relaxed);
            pages_out[count].rec_lsn = atomic_load(&frame->rec_lsn);
        }
        count++;
    }
    return count;
}

/* discard_frame: drop frame's page if it is >= page_id; false if it is pinned right now. */
static bool discard_frame(BufPool *pool, Frame *frame, PageId page_id)
{
    bool done = true;
    pthread_mutex_lock(&pool->lru_mutex);
    PageId frame_page_id = atomic_load_explicit(&frame->page_id, memory_order_relaxed);
    if (atomic_load(&frame->state) == FRAME_VALID && frame_page_id >= page_id) {
        size_t bucket = bucket_of(pool, frame_page_id);
        Stripe *stripe = stripe_of(pool, bucket);
        pthread_mutex_lock(&stripe->mutex);
        unsigned unpinned = 0;
        if (atomic_compare_exchange_strong(&frame->pin_count, &unpinned, PIN_EVICTED)) {
            hash_remove(pool, bucket, frame);
            atomic_store(&frame->state, FRAME_FREE);
            atomic_store(&frame->dirty_word, atomic_load(&frame->dirty_word) & ~(uint64_t)1);
            pthread_mutex_unlock(&stripe->mutex);
            lru_remove(pool, frame);
            free_push(pool, frame);
        } else {
            pthread_mutex_unlock(&stripe->mutex);
            done = false;
        }
    }
    pthread_mutex_unlock(&pool->lru_mutex);
    return done;
}

void bp_discard_from(BufPool *pool, PageId page_id)
{
    for (size_t frame_idx = 0; frame_idx < pool->frame_count; frame_idx++) {
        /* A pin here can only be the cleaner's or a flusher's, held for one write: wait. */
        int wait_count = 0;
        while (!discard_frame(pool, &pool->frames[frame_idx], page_id)) {
            VERIFY(++wait_count < DISCARD_WAIT_MAX);
            nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 100000}, NULL);
        }
    }
}

/* ---------------------------------------------------------------- cleaner ---- */

/* clean_batch: write up to CLEANER_BATCH_MAX dirty unpinned pages of the old sublist, pinning
 * one at a time (so the cleaner never holds more than one frame); returns how many it found. */
static size_t clean_batch(BufPool *pool)
{
    Frame *batch[CLEANER_BATCH_MAX];
    size_t batch_count = 0;
    pthread_mutex_lock(&pool->lru_mutex);
    /* Nothing to prepare while free frames remain for a while: writing pages early only
     * rewrites hot pages again and again (and each rewrite makes the WAL log a new full page
     * image at the page's next change). */
    if (pool->frame_count - pool->lru_len > pool->frame_count / CLEANER_FREE_SHARE) {
        pthread_mutex_unlock(&pool->lru_mutex);
        return 0;
    }
    size_t scan_max = pool->old_len > BP_FRAME_COUNT_MIN ? pool->old_len : BP_FRAME_COUNT_MIN;
    size_t step_count = 0;
    for (int32_t idx = pool->lru_tail; idx >= 0 && step_count < scan_max &&
                                       batch_count < CLEANER_BATCH_MAX;
         idx = pool->frames[idx].lru_prev, step_count++) {
        Frame *frame = &pool->frames[idx];
        if (atomic_load_explicit(&frame->pin_count, memory_order_relaxed) > 0) continue;
        if ((atomic_load_explicit(&frame->dirty_word, memory_order_relaxed) & 1) == 0) continue;
        batch[batch_count++] = frame;
    }
    pthread_mutex_unlock(&pool->lru_mutex);
    for (size_t batch_idx = 0; batch_idx < batch_count; batch_idx++) {
        Frame *frame = batch[batch_idx];
        /* It may have been evicted (then it is clean), reused or pinned since: re-check. */
        if (atomic_load(&frame->pin_count) > 0) continue;
        /* counted before pinned, so a miss that finds every frame pinned knows to retry */
        internal_count(pool, frame, 1);
        if (!pin_frame_if_valid(pool, frame)) {
            internal_count(pool, frame, -1);
            continue;
        }
        bool written = false;
        Error *err = write_frame(pool, frame, WRITE_TRY, &written);
        /* A failed write leaves the page dirty; the next eviction of it reports the error. */
        err_free(err);
        if (written) atomic_fetch_add_explicit(&pool->cleaner_write_count, 1, memory_order_relaxed);
        internal_release(pool, frame);
    }
    return batch_count;
}

static bool cleaner_should_stop(BufPool *pool)
{
    pthread_mutex_lock(&pool->cleaner_mutex);
    bool stop = pool->cleaner_stop;
    pthread_mutex_unlock(&pool->cleaner_mutex);
    return stop;
}

static void *cleaner_main(void *arg)
{
    BufPool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->cleaner_mutex);
        if (!pool->cleaner_stop) {
            struct timespec deadline;
            clock_gettime(CLOCK_REALTIME, &deadline);
            long nsec = deadline.tv_nsec + (long)pool->cleaner_interval_ms * 1000000L;
            deadline.tv_sec += nsec / 1000000000L;
            deadline.tv_nsec = nsec % 1000000000L;
            pthread_cond_timedwait(&pool->cleaner_cond, &pool->cleaner_mutex, &deadline);
        }
        bool stop = pool->cleaner_stop;
        pthread_mutex_unlock(&pool->cleaner_mutex);
        if (stop) break;
        size_t batch_max = pool->frame_count / CLEANER_BATCH_MAX + 1;
        for (size_t batch_idx = 0; batch_idx < batch_max; batch_idx++) {
            if (clean_batch(pool) < CLEANER_BATCH_MAX || cleaner_should_stop(pool)) break;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- life cycle ---- */

static void frames_init(BufPool *pool)
{
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* Writer-preferring: a stream of readers must not starve a writer of a hot page. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    for (size_t frame_idx = 0; frame_idx < pool->frame_count; frame_idx++) {
        Frame *frame = &pool->frames[frame_idx];
        pthread_rwlock_init(&frame->latch, &attr);
        pthread_mutex_init(&frame->io_mutex, NULL);
        frame->data = pool->data + frame_idx * PAGE_SIZE;
        frame->index = (int32_t)frame_idx;
        frame->lru_prev = -1;
        frame->lru_next = -1;
        atomic_store(&frame->state, FRAME_FREE);
        atomic_store(&frame->pin_count, PIN_EVICTED);
    }
    pthread_rwlockattr_destroy(&attr);
    /* Push in reverse so frames are handed out in address order. */
    for (size_t frame_idx = pool->frame_count; frame_idx > 0; frame_idx--) {
        free_push(pool, &pool->frames[frame_idx - 1]);
    }
}

static size_t round_up_64(size_t size) { return (size + 63) & ~(size_t)63; }

/* frame_data_alloc: the frames' page memory. A pool of at least 2 MiB is 2 MiB aligned and
 * asks for transparent huge pages: first use of fresh frames (a growing table) then faults once
 * per 2 MiB instead of once per 4 KiB, and point lookups miss the TLB less. Frames are handed
 * out in address order (the free list), so RSS still grows with use, 2 MiB at a time. */
static uint8_t *frame_data_alloc(size_t size)
{
    if (size < FRAME_DATA_HUGE_ALIGN) return aligned_alloc(FRAME_DATA_ALIGN, size);
    size_t rounded = (size + FRAME_DATA_HUGE_ALIGN - 1) & ~(size_t)(FRAME_DATA_HUGE_ALIGN - 1);
    uint8_t *data = aligned_alloc(FRAME_DATA_HUGE_ALIGN, rounded);
#ifdef MADV_HUGEPAGE
    if (data != NULL) (void)madvise(data, rounded, MADV_HUGEPAGE);   /* a hint: may fail */
#endif
    return data;
}

Error *bp_create(File *file, const char *file_path, const BpOptions *options, BufPool **pool_out)
{
    if (options->frame_count < BP_FRAME_COUNT_MIN || options->frame_count > INT32_MAX / 2) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "buffer pool of %zu pages is out of range (minimum %d)",
                       options->frame_count, (int)BP_FRAME_COUNT_MIN);
    }
    /* Frames and stripes are cache-line aligned (no false sharing between neighbours). */
    BufPool *pool = aligned_alloc(64, round_up_64(sizeof *pool));
    if (pool == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    memset(pool, 0, sizeof *pool);
    pool->file = file;
    pool->frame_count = options->frame_count;
    size_t bucket_count = 64;
    pool->bucket_shift = 6;
    while (bucket_count < 2 * pool->frame_count) {
        bucket_count *= 2;
        pool->bucket_shift++;
    }
    pool->bucket_mask = bucket_count - 1;
    pool->file_path = strdup(file_path != NULL ? file_path : "?");
    pool->frames = aligned_alloc(64, round_up_64(pool->frame_count * sizeof *pool->frames));
    if (pool->frames != NULL) memset(pool->frames, 0, pool->frame_count * sizeof *pool->frames);
    pool->buckets = calloc(bucket_count, sizeof *pool->buckets);
    /* Not zeroed: untouched frames cost no RSS until first used. */
    pool->data = frame_data_alloc(pool->frame_count * PAGE_SIZE);
    if (pool->file_path == NULL || pool->frames == NULL || pool->buckets == NULL ||
        pool->data == NULL) {
        free(pool->file_path);
        free(pool->frames);
        free(pool->buckets);
        free(pool->data);
        free(pool);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory for a buffer pool of %zu pages",
                       options->frame_count);
    }
    for (int stripe_idx = 0; stripe_idx < STRIPE_COUNT; stripe_idx++) {
        pthread_mutex_init(&pool->stripes[stripe_idx].mutex, NULL);
    }
    pthread_mutex_init(&pool->lru_mutex, NULL);
    pthread_mutex_init(&pool->hook_mutex, NULL);
    pthread_mutex_init(&pool->io_wait_mutex, NULL);
    pthread_cond_init(&pool->io_wait_cond, NULL);
    pthread_mutex_init(&pool->cleaner_mutex, NULL);
    pthread_cond_init(&pool->cleaner_cond, NULL);
    pool->lru_head = pool->lru_tail = pool->old_head = pool->free_head = -1;
    pool->young_len_max = pool->frame_count - pool->frame_count * 3 / 8;
    pool->promote_distance = pool->frame_count * 3 / 8 / 4;
    if (pool->promote_distance < 1) pool->promote_distance = 1;
    frames_init(pool);
    pool->cleaner_interval_ms = options->cleaner_interval_ms > 0 ? options->cleaner_interval_ms
                                                                 : CLEANER_INTERVAL_MS_DEFAULT;
    if (options->start_cleaner) {
        if (pthread_create(&pool->cleaner_thread, NULL, cleaner_main, pool) != 0) {
            bp_destroy(pool);
            return err_new(SQLSTATE_OUT_OF_MEMORY, "could not start the buffer pool cleaner");
        }
        pool->cleaner_running = true;
    }
    *pool_out = pool;
    return NULL;
}

void bp_destroy(BufPool *pool)
{
    if (pool == NULL) return;
    if (pool->cleaner_running) {
        pthread_mutex_lock(&pool->cleaner_mutex);
        pool->cleaner_stop = true;
        pthread_cond_signal(&pool->cleaner_cond);
        pthread_mutex_unlock(&pool->cleaner_mutex);
        pthread_join(pool->cleaner_thread, NULL);
        pool->cleaner_running = false;
    }
    ASSERT(bp_pinned_count(pool) == 0);
    for (size_t frame_idx = 0; frame_idx < pool->frame_count; frame_idx++) {
        pthread_rwlock_destroy(&pool->frames[frame_idx].latch);
        pthread_mutex_destroy(&pool->frames[frame_idx].io_mutex);
    }
    for (int stripe_idx = 0; stripe_idx < STRIPE_COUNT; stripe_idx++) {
        pthread_mutex_destroy(&pool->stripes[stripe_idx].mutex);
    }
    pthread_mutex_destroy(&pool->lru_mutex);
    pthread_mutex_destroy(&pool->hook_mutex);
    pthread_mutex_destroy(&pool->io_wait_mutex);
    pthread_cond_destroy(&pool->io_wait_cond);
    pthread_mutex_destroy(&pool->cleaner_mutex);
    pthread_cond_destroy(&pool->cleaner_cond);
    free(pool->data);
    free(pool->buckets);
    free(pool->frames);
    free(pool->file_path);
    free(pool);
}

/* ---------------------------------------------------------------- introspection ---- */

BpStats bp_stats(BufPool *pool)
{
    BpStats stats = {0};
    for (int stripe_idx = 0; stripe_idx < STRIPE_COUNT; stripe_idx++) {
        pthread_mutex_lock(&pool->stripes[stripe_idx].mutex);
        stats.hit_count += pool->stripes[stripe_idx].hit_count;
        pthread_mutex_unlock(&pool->stripes[stripe_idx].mutex);
    }
    for (size_t frame_idx = 0; frame_idx < pool->frame_count; frame_idx++) {
        stats.hit_count += atomic_load_explicit(&pool->frames[frame_idx].hit_count,
                                                memory_order_relaxed);
    }
    stats.miss_count = atomic_load(&pool->miss_count);
    stats.read_count = atomic_load(&pool->read_count);
    stats.write_count = atomic_load(&pool->write_count);
    stats.eviction_count = atomic_load(&pool->eviction_count);
    stats.cleaner_write_count = atomic_load(&pool->cleaner_write_count);
    return stats;
}

size_t bp_frame_count(const BufPool *pool) { return pool->frame_count; }

bool bp_is_resident(BufPool *pool, PageId page_id)
{
    size_t bucket = bucket_of(pool, page_id);
    Stripe *stripe = stripe_of(pool, bucket);
    pthread_mutex_lock(&stripe->mutex);
    Frame *frame = hash_find(pool, bucket, page_id);
    bool resident = frame != NULL && atomic_load(&frame->state) == FRAME_VALID;
    pthread_mutex_unlock(&stripe->mutex);
    return resident;
}

size_t bp_pinned_count(BufPool *pool)
{
    size_t count = 0;
    for (size_t frame_idx = 0; frame_idx < pool->frame_count; frame_idx++) {
        Frame *frame = &pool->frames[frame_idx];
        /* a pool's own pin is counted before it is taken and dropped after: read the internal
         * count on both sides of the pin count and retry if it moved */
        for (int attempt = 0; attempt < 1000; attempt++) {
            unsigned internal_before = atomic_load(&frame->internal_pin_count);
            unsigned pin_count = atomic_load(&frame->pin_count);
            unsigned internal_after = atomic_load(&frame->internal_pin_count);
            if (internal_before != internal_after) continue;
            if ((pin_count & PIN_EVICTED) == 0 && pin_count > internal_before) count++;
            break;
        }
    }
    return count;
}

/* --- recovery hook (first-touch zeroing; owner: recovery; see storage/redo.h) --- */
void bp_prefault_free(BufPool *pool, size_t frame_count)
{
#ifdef MADV_POPULATE_WRITE
    pthread_mutex_lock(&pool->lru_mutex);
    int32_t first = pool->free_head;
    pthread_mutex_unlock(&pool->lru_mutex);
    if (first < 0 || frame_count == 0) return;
    size_t end = (size_t)first + frame_count;
    if (end > pool->frame_count) end = pool->frame_count;
    (void)madvise(pool->data + (size_t)first * PAGE_SIZE, (end - (size_t)first) * PAGE_SIZE,
                  MADV_POPULATE_WRITE);   /* best effort: an older kernel refuses it */
#else
    (void)pool;
    (void)frame_count;
#endif
}
/* --- end of the recovery hook --- */
