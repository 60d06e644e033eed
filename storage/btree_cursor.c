/* storage/btree_cursor.c: cursors over a [lo, hi) key range.
 *
 * A cursor holds no latch between calls. It remembers its leaf, the leaf's LSN and the slot and
 * a copy of the current key; a move first re-pins the leaf and, if its LSN changed, re-seeks
 * from the root by key. Forward moves couple leaf latches left to right. A backward move across
 * a leaf boundary never latches right to left: it releases and re-descends for the last key
 * below the current one ("seek_before"), restarting from a smaller bound when the subtree it
 * lands in has no such key. The cursor stays in a reader epoch while open, so a leaf it
 * remembers is never reused for another purpose (it may be freed: then its LSN changed).
 *
 * Value cache: a forward move that lands on an entry with a small inline value copies the value
 * too (it holds the leaf's S latch anyway) and notes the frame's change count
 * (bp_change_count). bt_cursor_value then returns the copy without latching the leaf again if
 * the count is unchanged: no mtr changing the leaf committed since the move, so the copy is what
 * re-latching would read (a writer still in its mtr has not committed; its change is not there
 * yet either way). Otherwise it takes the latched path below, unchanged: same LSN check, same
 * re-fetch by key, same INVALID_CURSOR_STATE for an entry deleted meanwhile. A scan reading
 * every value thus takes one leaf latch per entry instead of two.
 *
 * Cursor reuse (point): a point lookup opens and closes a cursor per key, so bt_cursor_close
 * keeps the closed cursor's memory in a one-slot per-thread cache and the thread's next
 * bt_cursor_open takes it from there instead of the allocator. A cached cursor holds nothing:
 * no pin, no epoch slot, no tree, no bound or long-key buffer (those are freed at close, as
 * before); open initializes every field of it exactly as of a fresh allocation. A thread's
 * cached cursor is freed when the thread exits (a pthread key destructor). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "storage/btree_int.h"

enum {
    CURSOR_HOP_MAX = 1 << 20,
    CURSOR_VALUE_CACHE_MAX = 256,   /* values up to this size are copied at each forward move */
    CURSOR_KEY_INLINE_MAX = 64,     /* keys up to this size are kept inside the cursor */
};

struct BtCursor {
    BTree     *tree;
    EpochGuard guard;
    uint8_t   *lo;            /* bounds: no_bound until set_range allocates bound_buf */
    uint8_t   *hi;
    uint8_t   *bound_buf;     /* lo then hi, BT_KEY_SIZE_MAX each (NULL: never bounded) */
    size_t     lo_size;
    size_t     hi_size;
    bool       has_lo;
    bool       has_hi;
    bool       valid;
    PageId     leaf;
    uint64_t   lsn;
    int        slot_idx;
    uint8_t   *key;           /* key_inline, or key_heap for a longer key */
    size_t     key_size;
    uint8_t   *key_heap;      /* BT_KEY_SIZE_MAX bytes, allocated by the first long key */
    uint8_t    key_inline[CURSOR_KEY_INLINE_MAX];
    Frame     *frame;         /* the leaf's frame, pinned (never latched) between calls */
    bool       value_cached;  /* value_cache holds the current entry's value (see above) */
    uint64_t   value_change_count;   /* bp_change_count(frame) when it was copied */
    size_t     value_cache_size;
    uint8_t    value_cache[CURSOR_VALUE_CACHE_MAX];
};

/* drop_pin: forget the pinned leaf frame. */
static void drop_pin(BtCursor *cursor)
{
    if (cursor->frame != NULL) bp_unpin(cursor->tree->pool, cursor->frame);
    cursor->frame = NULL;
    cursor->value_cached = false;
}

/* key_store: the cursor's key becomes (key, key_size) (a long key needs the heap buffer). */
static Error *key_store(BtCursor *cursor, const uint8_t *key, size_t key_size)
{
    VERIFY(key_size <= BT_KEY_SIZE_MAX);
    uint8_t *dst = cursor->key_inline;
    if (key_size > CURSOR_KEY_INLINE_MAX) {
        if (cursor->key_heap == NULL) cursor->key_heap = malloc(BT_KEY_SIZE_MAX);
        if (cursor->key_heap == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        dst = cursor->key_heap;
    }
    if (key_size > 0) memmove(dst, key, key_size);
    cursor->key = dst;
    cursor->key_size = key_size;
    return NULL;
}

/* keep_pinned: the cursor is on the S-latched frame: unlatch it but keep its pin, so the next
 * call finds the leaf without a page-table lookup. */
static void keep_pinned(BtCursor *cursor, Frame *frame)
{
    bp_unlatch(frame, LATCH_SHARED);
    drop_pin(cursor);
    cursor->frame = frame;
}

/* cache_value: copy a small inline value of the entry the cursor just landed on, with the
 * leaf's change count. Pre: frame is S-latched and pinned; cell validated (bt_cell_at). */
static void cache_value(BtCursor *cursor, Frame *frame, const uint8_t *cell)
{
    size_t value_size = bt_leaf_cell_value_size(cell);
    if ((bt_leaf_cell_flags(cell) & BT_CELL_OVERFLOW) != 0 || value_size > CURSOR_VALUE_CACHE_MAX) {
        return;
    }
    if (value_size > 0) memcpy(cursor->value_cache, bt_leaf_cell_value(cell), value_size);
    cursor->value_cache_size = value_size;
    cursor->value_change_count = bp_change_count(frame);
    cursor->value_cached = true;
}

/* The empty bound of a cursor without a range (never written: set_range allocates first). */
static uint8_t no_bound[1];

/* ---- the per-thread cursor cache (see the top) ---- */

static _Thread_local BtCursor *cursor_cache;      /* a closed cursor's memory, or NULL */
static _Thread_local bool cursor_cache_keyed;     /* this thread registered the destructor */
static pthread_once_t cursor_cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t cursor_cache_key;
static bool cursor_cache_key_ok;

/* cursor_cache_free: the key's destructor at thread exit; slot is the thread's cursor_cache. */
static void cursor_cache_free(void *slot)
{
    BtCursor **cache = slot;
    free(*cache);
    *cache = NULL;
}

static void cursor_cache_key_create(void)
{
    cursor_cache_key_ok = pthread_key_create(&cursor_cache_key, cursor_cache_free) == 0;
}

/* cursor_cache_put: keep cursor's memory for the thread's next open; false if it cannot be
 * kept (the slot is taken, or the destructor could not be registered): free it then. */
static bool cursor_cache_put(BtCursor *cursor)
{
    if (cursor_cache != NULL) return false;
    if (!cursor_cache_keyed) {
        pthread_once(&cursor_cache_once, cursor_cache_key_create);
        if (!cursor_cache_key_ok || pthread_setspecific(cursor_cache_key, &cursor_cache) != 0) {
            return false;
        }
        cursor_cache_keyed = true;
    }
    cursor_cache = cursor;
    return true;
}

Error *bt_cursor_open(BTree *tree, BtCursor **cursor_out)
{
    /* the bound buffers are allocated only by a set_range with bounds, so a cursor for a
     * point lookup is small (the allocator's per-thread cache serves it) and only its
     * fields are cleared, not its key and value buffers */
    BtCursor *cursor = cursor_cache;
    cursor_cache = NULL;
    if (cursor == NULL) cursor = malloc(sizeof *cursor);
    if (cursor == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    cursor->tree = tree;
    cursor->lo = cursor->hi = no_bound;
    cursor->bound_buf = NULL;
    cursor->lo_size = cursor->hi_size = 0;
    cursor->has_lo = cursor->has_hi = cursor->valid = false;
    cursor->leaf = PAGE_ID_NONE;
    cursor->lsn = 0;
    cursor->slot_idx = 0;
    cursor->key = cursor->key_inline;
    cursor->key_size = 0;
    cursor->key_heap = NULL;
    cursor->frame = NULL;
    cursor->value_cached = false;
    cursor->value_change_count = 0;
    cursor->value_cache_size = 0;
    cursor->guard.slot_idx = -1;
    store_epoch_enter(tree->store, &cursor->guard);
    *cursor_out = cursor;
    return NULL;
}

void bt_cursor_close(BtCursor *cursor)
{
    if (cursor == NULL) return;
    drop_pin(cursor);
    store_epoch_exit(cursor->tree->store, &cursor->guard);
    free(cursor->bound_buf);
    free(cursor->key_heap);
    cursor->bound_buf = cursor->key_heap = NULL;
    cursor->tree = NULL;
    if (!cursor_cache_put(cursor)) free(cursor);
}

Error *bt_cursor_set_range(BtCursor *cursor, const uint8_t *lo, size_t lo_size,
                           const uint8_t *hi, size_t hi_size)
{
    if (lo_size > BT_KEY_SIZE_MAX || hi_size > BT_KEY_SIZE_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "range bound exceeds the key size limit");
    }
    if (cursor->bound_buf == NULL && (lo != NULL || hi != NULL)) {
        cursor->bound_buf = malloc(2 * BT_KEY_SIZE_MAX);
        if (cursor->bound_buf == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        cursor->lo = cursor->bound_buf;
        cursor->hi = cursor->bound_buf + BT_KEY_SIZE_MAX;
    }
    cursor->has_lo = lo != NULL && lo_size > 0;
    cursor->has_hi = hi != NULL;
    cursor->lo_size = cursor->has_lo ? lo_size : 0;
    cursor->hi_size = cursor->has_hi ? hi_size : 0;
    if (cursor->has_lo) memcpy(cursor->lo, lo, lo_size);
    if (cursor->has_hi && hi_size > 0) memcpy(cursor->hi, hi, hi_size);
    cursor->valid = false;
    drop_pin(cursor);
    return NULL;
}

bool bt_cursor_valid(const BtCursor *cursor) { return cursor->valid; }

const uint8_t *bt_cursor_key(const BtCursor *cursor, size_t *key_size_out)
{
    *key_size_out = cursor->key_size;
    return cursor->key;
}

static bool below_hi(const BtCursor *cursor, const uint8_t *key, size_t key_size)
{
    return !cursor->has_hi || bt_key_compare(key, key_size, cursor->hi, cursor->hi_size) < 0;
}

static bool at_least_lo(const BtCursor *cursor, const uint8_t *key, size_t key_size)
{
    return !cursor->has_lo || bt_key_compare(key, key_size, cursor->lo, cursor->lo_size) >= 0;
}

/* settle: position on slot_idx of the S-latched leaf frame or the first entry after it;
 * consumes the latch. */
static Error *settle_forward(BtCursor *cursor, Frame *frame, int slot_idx)
{
    BufPool *pool = cursor->tree->pool;
    cursor->valid = false;
    for (int hop = 0; hop < CURSOR_HOP_MAX; hop++) {
        const uint8_t *page = bp_data(frame);
        PageId page_id = bp_page_id(frame);
        if (slot_idx < bt_count(page)) {
            size_t cell_size = 0;
            const uint8_t *cell = bt_cell_at(page, slot_idx, &cell_size);
            if (cell == NULL) {
                bt_read_unpin(pool, frame);
                return bt_corrupt(page_id, "bad cell");
            }
            size_t key_size = bt_cell_key_size(cell);
            const uint8_t *key = bt_leaf_cell_key(cell);
            if (below_hi(cursor, key, key_size)) {
                Error *err = key_store(cursor, key, key_size);
                if (err != NULL) {
                    bt_read_unpin(pool, frame);
                    return err;
                }
                cursor->valid = true;
                cursor->leaf = page_id;
                cursor->lsn = page_lsn(page);
                cursor->slot_idx = slot_idx;
                drop_pin(cursor);   /* the previous leaf's pin; clears value_cached */
                cache_value(cursor, frame, cell);
                bp_unlatch(frame, LATCH_SHARED);
                cursor->frame = frame;
                return NULL;
            }
            bt_read_unpin(pool, frame);
            drop_pin(cursor);
            return NULL;
        }
        PageId right = bt_right(page);
        if (right == PAGE_ID_NONE) {
            bt_read_unpin(pool, frame);
            drop_pin(cursor);
            return NULL;
        }
        Frame *next = NULL;
        Error *err = bt_read_pin(pool, right, &next);
        bt_read_unpin(pool, frame);
        if (err != NULL) return err;
        err = bt_page_validate(bp_data(next), right, 0);
        if (err != NULL) {
            bt_read_unpin(pool, next);
            return err;
        }
        frame = next;
        slot_idx = 0;
    }
    bt_read_unpin(pool, frame);
    return bt_corrupt(cursor->tree->root, "leaf chain too long");
}

/* ---- guided search (point: interpolation from the parent's separators) ----
 *
 * A descent knows the key range of the page it enters: the parent's separators around the
 * chosen child bound it ([lower, upper), invariant 2 of btree_int.h). Keys that are dense in
 * that range (integer row keys, inserted in any order) sit near the position the key's
 * fraction of the range predicts, so the search probes that slot first and widens by doubling
 * steps from there before the final bisection: on a leaf of consecutive keys it reads one
 * slot and one cell instead of log2(count) of each, the cache misses a point lookup pays on
 * a table larger than the CPU caches. It answers exactly what bt_page_search answers (the
 * first slot whose key >= key, exact if equal; DATA_CORRUPTED on a slot or cell outside the
 * page): the guess only chooses which slots are read first, and every probe is bounds-checked
 * the same way. Keys whose range says nothing (no bounds, short keys, a degenerate range) get
 * the middle slot as their guess, which makes the search a plain bisection. */

typedef struct KeyRange {
    const uint8_t *lower;   /* NULL: unbounded below */
    size_t         lower_size;
    const uint8_t *upper;   /* NULL: unbounded above */
    size_t         upper_size;
    uint8_t        lower_buf[BT_KEY_SIZE_MAX];
    uint8_t        upper_buf[BT_KEY_SIZE_MAX];
} KeyRange;

/* window_u64: 8 bytes of key from offset as a big-endian number, zero-padded. */
static uint64_t window_u64(const uint8_t *key, size_t key_size, size_t offset)
{
    uint64_t value = 0;
    for (size_t byte_idx = 0; byte_idx < 8; byte_idx++) {
        size_t at = offset + byte_idx;
        value = (value << 8) | (at < key_size ? key[at] : 0);
    }
    return value;
}

/* guess_slot: the slot key's position in range predicts among count slots (count > 0). */
static int guess_slot(const KeyRange *range, const uint8_t *key, size_t key_size, int count)
{
    int middle = count / 2;
    if (range->lower == NULL || range->upper == NULL) return middle;
    size_t common = 0;
    size_t limit = range->lower_size < range->upper_size ? range->lower_size : range->upper_size;
    while (common < limit && range->lower[common] == range->upper[common]) common++;
    /* a key outside the shared prefix is outside the range (a corrupt parent): no guess */
    if (key_size < common || (common > 0 && memcmp(key, range->lower, common) != 0)) return middle;
    uint64_t low = window_u64(range->lower, range->lower_size, common);
    uint64_t high = window_u64(range->upper, range->upper_size, common);
    uint64_t at = window_u64(key, key_size, common);
    if (high <= low || at < low) return middle;
    if (at >= high) return count - 1;
    double fraction = (double)(at - low) / (double)(high - low);
    int slot_idx = (int)(fraction * (double)count);
    return slot_idx < 0 ? 0 : (slot_idx >= count ? count - 1 : slot_idx);
}

/* probe: compare the key of slot_idx with key (*cmp_out < 0: the slot's key is smaller);
 * the slot and key bounds are checked as bt_page_search checks them. */
static Error *probe(const uint8_t *page, PageId page_id, int slot_idx, size_t cell_header,
                    size_t slot_end, const uint8_t *key, size_t key_size, int *cmp_out)
{
    size_t offset = bt_slot(page, slot_idx);
    if (offset < slot_end || offset + cell_header > PAGE_SIZE) return bt_corrupt(page_id, "bad cell");
    const uint8_t *cell = page + offset;
    size_t cell_key_size = bt_cell_key_size(cell);
    if (cell_key_size > BT_KEY_SIZE_MAX || offset + cell_header + cell_key_size > PAGE_SIZE) {
        return bt_corrupt(page_id, "bad cell");
    }
    const uint8_t *cell_key = cell + cell_header;
    if (cell_key_size >= 8 && key_size >= 8) {
        /* the first 8 bytes as one big-endian number: memcmp's order on them */
        uint64_t cell_prefix = dec_u64be(cell_key), key_prefix = dec_u64be(key);
        if (cell_prefix != key_prefix) {
            *cmp_out = cell_prefix < key_prefix ? -1 : 1;
            return NULL;
        }
        *cmp_out = bt_key_compare(cell_key + 8, cell_key_size - 8, key + 8, key_size - 8);
        return NULL;
    }
    *cmp_out = bt_key_compare(cell_key, cell_key_size, key, key_size);
    return NULL;
}

/* guided_search: bt_page_search's answer, probing from guess_slot outward (see above). */
static Error *guided_search(const uint8_t *page, PageId page_id, const KeyRange *range,
                            const uint8_t *key, size_t key_size, int *slot_out, bool *exact_out)
{
    size_t cell_header = bt_level(page) == 0 ? BT_LEAF_CELL_HEADER_SIZE
                                             : BT_INNER_CELL_HEADER_SIZE;
    int count = bt_count(page);
    size_t slot_end = BT_HEADER_SIZE + 2u * (size_t)count;
    *exact_out = false;
    *slot_out = 0;
    if (slot_end > PAGE_SIZE) return bt_corrupt(page_id, "bad cell count");
    if (count == 0) return NULL;
    /* the answer lies in [low, high]: slots below low are < key, slots from high on >= key */
    int low = 0, high = count;
    int guess = guess_slot(range, key, key_size, count);
    int cmp = 0;
    TRY(probe(page, page_id, guess, cell_header, slot_end, key, key_size, &cmp));
    if (cmp == 0) {
        low = high = guess;
        *exact_out = true;
    } else if (cmp < 0) {
        low = guess + 1;
        for (int step = 1; low < high; step *= 2) {   /* doubling steps up from the guess */
            int at = guess + step;
            if (at >= high) break;
            TRY(probe(page, page_id, at, cell_header, slot_end, key, key_size, &cmp));
            if (cmp >= 0) {
                high = at;
                if (cmp == 0) {
                    low = at;
                    *exact_out = true;
                }
                break;
            }
            low = at + 1;
        }
    } else {
        high = guess;
        for (int step = 1; low < high; step *= 2) {   /* doubling steps down from the guess */
            int at = guess - step;
            if (at < low) break;
            TRY(probe(page, page_id, at, cell_header, slot_end, key, key_size, &cmp));
            if (cmp < 0) {
                low = at + 1;
                break;
            }
            high = at;
            if (cmp == 0) {
                low = at;
                *exact_out = true;
                break;
            }
        }
    }
    while (low < high) {   /* bisect what is left; keys are strictly increasing */
        int mid = low + (high - low) / 2;
        TRY(probe(page, page_id, mid, cell_header, slot_end, key, key_size, &cmp));
        if (cmp < 0) {
            low = mid + 1;
        } else {
            high = mid;
            if (cmp == 0) {
                low = mid;
                *exact_out = true;
            }
        }
    }
    if (*exact_out) {
        size_t cell_size = 0;
        if (bt_cell_at(page, low, &cell_size) == NULL) return bt_corrupt(page_id, "bad cell");
    }
    *slot_out = low;
    return NULL;
}

/* separator: the key of inner cell slot_idx if the cell lies inside the page, else NULL. */
static const uint8_t *separator(const uint8_t *page, int slot_idx, size_t *key_size_out)
{
    size_t offset = bt_slot(page, slot_idx);
    size_t slot_end = BT_HEADER_SIZE + 2u * (size_t)bt_count(page);
    if (offset < slot_end || offset + BT_INNER_CELL_HEADER_SIZE > PAGE_SIZE) return NULL;
    size_t key_size = bt_cell_key_size(page + offset);
    if (key_size > BT_KEY_SIZE_MAX || offset + BT_INNER_CELL_HEADER_SIZE + key_size > PAGE_SIZE) {
        return NULL;
    }
    *key_size_out = key_size;
    return bt_inner_cell_key(page + offset);
}

/* narrow: range becomes the key range of child child_idx of the inner page. A separator that
 * does not lie inside the page leaves that side unbounded (only the guess depends on it). */
static void narrow(KeyRange *range, const uint8_t *page, int child_idx)
{
    size_t key_size = 0;
    const uint8_t *sep = NULL;
    if (child_idx > 0) {
        sep = separator(page, child_idx - 1, &key_size);
        range->lower = NULL;
        if (sep != NULL) {
            memcpy(range->lower_buf, sep, key_size);
            range->lower = range->lower_buf;
            range->lower_size = key_size;
        }
    }
    if (child_idx < bt_count(page)) {
        sep = separator(page, child_idx, &key_size);
        range->upper = NULL;
        if (sep != NULL) {
            memcpy(range->upper_buf, sep, key_size);
            range->upper = range->upper_buf;
            range->upper_size = key_size;
        }
    }
}

/* prefetch_slots: start loading the header and the first slot lines of a page together: the
 * search reads its header, then one slot, then one cell, and on a table larger than the CPU
 * caches each of those is a miss; this overlaps the first two (the slot array of a leaf of
 * small rows fits in these lines). A hint only: it reads nothing. */
static void prefetch_slots(const uint8_t *page)
{
    enum { PREFETCH_LINE_SIZE = 64, PREFETCH_LINE_COUNT = 6 };
    for (int line_idx = 0; line_idx < PREFETCH_LINE_COUNT; line_idx++) {
        __builtin_prefetch(page + line_idx * PREFETCH_LINE_SIZE, 0, 3);
    }
}

/* seek_from: position on the first entry >= key (> key if after). */
static Error *seek_from(BtCursor *cursor, const uint8_t *key, size_t key_size, bool after)
{
    BTree *tree = cursor->tree;
    drop_pin(cursor);
    if (!after && cursor->has_lo && bt_key_compare(key, key_size, cursor->lo, cursor->lo_size) < 0) {
        key = cursor->lo;
        key_size = cursor->lo_size;
    }
    Frame *frame = NULL;
    /* read_descend is static in btree.c: descend here with the same S coupling */
    TRY(bt_read_pin(tree->pool, tree->root, &frame));
    Error *err = bt_page_validate(bp_data(frame), tree->root, -1);
    PageId page_id = tree->root;
    KeyRange range;
    range.lower = range.upper = NULL;
    range.lower_size = range.upper_size = 0;
    int slot_idx = 0;
    bool exact = false;
    while (err == NULL) {
        const uint8_t *page = bp_data(frame);
        err = guided_search(page, page_id, &range, key, key_size, &slot_idx, &exact);
        int level = bt_level(page);
        if (err != NULL || level == 0) break;
        /* cells [0, slot_idx) have keys < key; an equal key starts its own child */
        int child_idx = exact ? slot_idx + 1 : slot_idx;
        PageId child = bt_inner_child_at(page, child_idx);
        if (child == PAGE_ID_NONE) {
            err = bt_corrupt(page_id, "null child");
            break;
        }
        narrow(&range, page, child_idx);
        Frame *child_frame = NULL;
        err = bt_read_pin(tree->pool, child, &child_frame);
        if (err != NULL) break;
        bt_read_unpin(tree->pool, frame);
        frame = child_frame;
        page_id = child;
        prefetch_slots(bp_data(frame));
        err = bt_page_validate(bp_data(frame), page_id, level - 1);
    }
    if (err != NULL) {
        bt_read_unpin(tree->pool, frame);
        cursor->valid = false;
        return err;
    }
    if (after && exact) slot_idx++;
    return settle_forward(cursor, frame, slot_idx);
}

/* seek_before: position on the last entry < bound (the last entry if !has_bound), >= lo. */
static Error *seek_before(BtCursor *cursor, const uint8_t *bound_in, size_t bound_size,
                          bool has_bound)
{
    BTree *tree = cursor->tree;
    drop_pin(cursor);
    uint8_t *bound = malloc(2 * BT_KEY_SIZE_MAX);
    if (bound == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    uint8_t *low = bound + BT_KEY_SIZE_MAX;
    if (has_bound) memcpy(bound, bound_in, bound_size);
    cursor->valid = false;
    Error *err = NULL;
    for (int attempt = 0; attempt < CURSOR_HOP_MAX; attempt++) {
        bool has_low = false;
        size_t low_size = 0;
        Frame *frame = NULL;
        err = bt_read_pin(tree->pool, tree->root, &frame);
        if (err != NULL) break;
        PageId page_id = tree->root;
        err = bt_page_validate(bp_data(frame), page_id, -1);
        while (err == NULL && bt_level(bp_data(frame)) > 0) {
            const uint8_t *page = bp_data(frame);
            int level = bt_level(page);
            int slot_idx = bt_count(page);
            bool exact = false;
            if (has_bound) {
                err = bt_page_search(page, page_id, bound, bound_size, &slot_idx, &exact);
                if (err != NULL) break;
            }
            /* child slot_idx: its lower bound (cell slot_idx - 1) is < bound */
            if (slot_idx > 0) {
                size_t cell_size = 0;
                const uint8_t *cell = bt_cell_at(page, slot_idx - 1, &cell_size);
                if (cell == NULL) {
                    err = bt_corrupt(page_id, "bad cell");
                    break;
                }
                low_size = bt_cell_key_size(cell);
                memcpy(low, bt_inner_cell_key(cell), low_size);
                has_low = true;
            }
            PageId child = bt_inner_child_at(page, slot_idx);
            if (child == PAGE_ID_NONE) {
                err = bt_corrupt(page_id, "null child");
                break;
            }
            Frame *child_frame = NULL;
            err = bt_read_pin(tree->pool, child, &child_frame);
            if (err != NULL) break;
            bt_read_unpin(tree->pool, frame);
            frame = child_frame;
            page_id = child;
            err = bt_page_validate(bp_data(frame), page_id, level - 1);
        }
        int slot_idx = bt_count(bp_data(frame));
        bool exact = false;
        if (err == NULL && has_bound) {
            err = bt_page_search(bp_data(frame), page_id, bound, bound_size, &slot_idx, &exact);
        }
        if (err != NULL) {
            bt_read_unpin(tree->pool, frame);
            break;
        }
        if (slot_idx > 0) {
            size_t cell_size = 0;
            const uint8_t *cell = bt_cell_at(bp_data(frame), slot_idx - 1, &cell_size);
            if (cell == NULL) {
                err = bt_corrupt(page_id, "bad cell");
            } else if (at_least_lo(cursor, bt_leaf_cell_key(cell), bt_cell_key_size(cell))) {
                err = key_store(cursor, bt_leaf_cell_key(cell), bt_cell_key_size(cell));
                if (err != NULL) {
                    bt_read_unpin(tree->pool, frame);
                    break;
                }
                cursor->valid = true;
                cursor->leaf = page_id;
                cursor->lsn = page_lsn(bp_data(frame));
                cursor->slot_idx = slot_idx - 1;
                keep_pinned(cursor, frame);
                break;
            }
            bt_read_unpin(tree->pool, frame);
            break;
        }
        bt_read_unpin(tree->pool, frame);
        if (!has_low) break;   /* nothing below bound in the whole tree */
        memcpy(bound, low, low_size);
        bound_size = low_size;
        has_bound = true;
    }
    free(bound);
    return err;
}

Error *bt_cursor_seek(BtCursor *cursor, const uint8_t *key, size_t key_size)
{
    if (key_size > BT_KEY_SIZE_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "seek key exceeds the key size limit");
    }
    return seek_from(cursor, key, key_size, false);
}

Error *bt_cursor_first(BtCursor *cursor)
{
    return seek_from(cursor, cursor->lo, cursor->has_lo ? cursor->lo_size : 0, false);
}

Error *bt_cursor_last(BtCursor *cursor)
{
    return seek_before(cursor, cursor->hi, cursor->hi_size, cursor->has_hi);
}

/* pin_current: the cursor's leaf S-latched if its LSN is unchanged, else NULL. */
static Error *pin_current(BtCursor *cursor, Frame **frame_out)
{
    *frame_out = NULL;
    Frame *frame = cursor->frame;
    cursor->frame = NULL;   /* the caller owns the pin now */
    if (frame != NULL) {
        bp_latch(frame, LATCH_SHARED);
    } else {
        TRY(bt_read_pin(cursor->tree->pool, cursor->leaf, &frame));
    }
    if (page_lsn(bp_data(frame)) != cursor->lsn) {
        bt_read_unpin(cursor->tree->pool, frame);
        return NULL;
    }
    *frame_out = frame;
    return NULL;
}

Error *bt_cursor_next(BtCursor *cursor)
{
    if (!cursor->valid) return NULL;
    Frame *frame = NULL;
    TRY(pin_current(cursor, &frame));
    if (frame != NULL) return settle_forward(cursor, frame, cursor->slot_idx + 1);
    uint8_t key[BT_KEY_SIZE_MAX];
    size_t key_size = cursor->key_size;
    memcpy(key, cursor->key, key_size);
    return seek_from(cursor, key, key_size, true);
}

Error *bt_cursor_prev(BtCursor *cursor)
{
    if (!cursor->valid) return NULL;
    Frame *frame = NULL;
    TRY(pin_current(cursor, &frame));
    if (frame != NULL && cursor->slot_idx > 0) {
        const uint8_t *page = bp_data(frame);
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(page, cursor->slot_idx - 1, &cell_size);
        if (cell == NULL) {
            bt_read_unpin(cursor->tree->pool, frame);
            cursor->valid = false;
            return bt_corrupt(cursor->leaf, "bad cell");
        }
        cursor->valid = at_least_lo(cursor, bt_leaf_cell_key(cell), bt_cell_key_size(cell));
        if (cursor->valid) {
            Error *err = key_store(cursor, bt_leaf_cell_key(cell), bt_cell_key_size(cell));
            if (err != NULL) {
                cursor->valid = false;
                bt_read_unpin(cursor->tree->pool, frame);
                return err;
            }
            cursor->slot_idx--;
            keep_pinned(cursor, frame);
            return NULL;
        }
        bt_read_unpin(cursor->tree->pool, frame);
        return NULL;
    }
    if (frame != NULL) bt_read_unpin(cursor->tree->pool, frame);
    uint8_t key[BT_KEY_SIZE_MAX];
    size_t key_size = cursor->key_size;
    memcpy(key, cursor->key, key_size);
    return seek_before(cursor, key, key_size, true);
}

Error *bt_cursor_value(BtCursor *cursor, BtBuf *value_out)
{
    if (!cursor->valid) {
        return err_new(SQLSTATE_INVALID_CURSOR_STATE, "B+ tree cursor is not on an entry");
    }
    if (cursor->value_cached && cursor->frame != NULL &&
        bp_change_count(cursor->frame) == cursor->value_change_count) {
        /* no mtr changed the leaf since the move: the copy is what the latched path reads */
        TRY(bt_buf_reserve(value_out, cursor->value_cache_size));
        if (cursor->value_cache_size > 0) {
            memcpy(value_out->data, cursor->value_cache, cursor->value_cache_size);
        }
        value_out->size = cursor->value_cache_size;
        return NULL;
    }
    Frame *frame = NULL;
    TRY(pin_current(cursor, &frame));
    if (frame != NULL) {
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(bp_data(frame), cursor->slot_idx, &cell_size);
        Error *err = cell == NULL ? bt_corrupt(cursor->leaf, "bad cell")
                                  : bt_leaf_value_copy(cursor->tree->pool, cell, value_out);
        keep_pinned(cursor, frame);
        return err;
    }
    bool found = false;
    TRY(bt_get(cursor->tree, cursor->key, cursor->key_size, value_out, &found));
    if (!found) {
        return err_new(SQLSTATE_INVALID_CURSOR_STATE,
                       "the B+ tree entry under the cursor was deleted concurrently");
    }
    return NULL;
}
