/* storage/btree_check.c: bt_check, bt_check_store and bt_drop.
 *
 * bt_check walks the whole tree depth-first with key bounds, verifying the invariants listed in
 * btree_int.h; it reports the first violation as INDEX_CORRUPTED (XX002) (a page that fails its
 * checksum stays DATA_CORRUPTED, XX001, from the buffer pool). bt_check_store adds a bitmap of
 * page_count bits: page 0, the free list (fsm_walk) and every tree page must cover every page
 * exactly once. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "storage/btree_int.h"

typedef struct Checker {
    BTree        *tree;
    BtCheckStats  stats;
    uint8_t      *bitmap;          /* NULL: no reachability tracking */
    uint32_t      page_count;
    PageId        prev_leaf;       /* leaves in key order, for the sibling links */
    int           leaf_level_seen;
} Checker;

static Error *violation(PageId page_id, const char *what)
{
    return err_new(SQLSTATE_INDEX_CORRUPTED, "B+ tree page %u: %s", (unsigned)page_id, what);
}

static Error *mark(Checker *checker, PageId page_id)
{
    if (checker->bitmap == NULL) return NULL;
    if (page_id == PAGE_ID_NONE || page_id >= checker->page_count) {
        return violation(page_id, "page id outside the file");
    }
    uint8_t bit = (uint8_t)(1u << (page_id % 8));
    if (checker->bitmap[page_id / 8] & bit) return violation(page_id, "page reachable twice");
    checker->bitmap[page_id / 8] |= bit;
    return NULL;
}

static Error *check_overflow(Checker *checker, PageId first, size_t value_size)
{
    size_t page_count = bt_overflow_page_count(value_size);
    PageId page_id = first;
    for (size_t page_idx = 0; page_idx < page_count; page_idx++) {
        if (page_id == PAGE_ID_NONE) return violation(first, "overflow chain too short");
        TRY(mark(checker, page_id));
        Frame *frame = NULL;
        TRY(bt_read_pin(checker->tree->pool, page_id, &frame));
        const uint8_t *page = bp_data(frame);
        size_t expected = value_size - page_idx * BT_OVERFLOW_DATA_MAX;
        if (expected > BT_OVERFLOW_DATA_MAX) expected = BT_OVERFLOW_DATA_MAX;
        bool ok = page_type(page) == PAGE_TYPE_OVERFLOW &&
                  dec_u32le(page + BT_OVERFLOW_OFFSET_SIZE) == expected;
        PageId next = dec_u32le(page + BT_OVERFLOW_OFFSET_NEXT);
        bt_read_unpin(checker->tree->pool, frame);
        if (!ok) return violation(page_id, "bad overflow page");
        checker->stats.overflow_page_count++;
        page_id = next;
    }
    if (page_id != PAGE_ID_NONE) return violation(first, "overflow chain too long");
    return NULL;
}

typedef struct Bound {
    const uint8_t *key;
    size_t         size;
    bool           present;
} Bound;

/* check_cells: cells well-formed, non-overlapping, keys increasing within [low, high). */
static Error *check_cells(const uint8_t *page, PageId page_id, Bound low, Bound high)
{
    int count = bt_count(page);
    int level = bt_level(page);
    uint8_t used[PAGE_SIZE / 8];
    memset(used, 0, sizeof used);
    const uint8_t *prev_key = NULL;
    size_t prev_size = 0;
    size_t live = 0;
    for (int slot_idx = 0; slot_idx < count; slot_idx++) {
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(page, slot_idx, &cell_size);
        if (cell == NULL) return violation(page_id, "bad cell");
        size_t offset = (size_t)(cell - page);
        if (offset < bt_cell_start(page)) return violation(page_id, "cell before cell start");
        for (size_t byte_idx = offset; byte_idx < offset + cell_size; byte_idx++) {
            if (used[byte_idx / 8] & (1u << (byte_idx % 8))) {
                return violation(page_id, "overlapping cells");
            }
            used[byte_idx / 8] |= (uint8_t)(1u << (byte_idx % 8));
        }
        live += cell_size;
        size_t key_size = 0;
        const uint8_t *key = bt_cell_key(cell, level, &key_size);
        if (prev_key != NULL && bt_key_compare(prev_key, prev_size, key, key_size) >= 0) {
            return violation(page_id, "keys out of order");
        }
        if (low.present && bt_key_compare(key, key_size, low.key, low.size) < 0) {
            return violation(page_id, "key below its parent's bound");
        }
        if (high.present && bt_key_compare(key, key_size, high.key, high.size) >= 0) {
            return violation(page_id, "key above its parent's bound");
        }
        prev_key = key;
        prev_size = key_size;
    }
    if (live + bt_garbage(page) != PAGE_SIZE - (size_t)bt_cell_start(page)) {
        return violation(page_id, "garbage size does not match the cells");
    }
    return NULL;
}

static Error *check_leaf_cells(Checker *checker, const uint8_t *page)
{
    int count = bt_count(page);
    for (int slot_idx = 0; slot_idx < count; slot_idx++) {
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(page, slot_idx, &cell_size);
        if ((bt_leaf_cell_flags(cell) & BT_CELL_OVERFLOW) != 0) {
            TRY(check_overflow(checker, bt_leaf_cell_overflow(cell), bt_leaf_cell_value_size(cell)));
        }
    }
    checker->stats.entry_count += (uint64_t)count;
    return NULL;
}

/* check_page: page_id at level within [low, high); copies what it needs so the latch is held
 * only while the page itself is inspected. */
static Error *check_page(Checker *checker, PageId page_id, int level, Bound low, Bound high,
                         bool is_root)
{
    TRY(mark(checker, page_id));
    Frame *frame = NULL;
    TRY(bt_read_pin(checker->tree->pool, page_id, &frame));
    uint8_t *page = malloc(PAGE_SIZE);
    if (page == NULL) {
        bt_read_unpin(checker->tree->pool, frame);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(page, bp_data(frame), PAGE_SIZE);
    bt_read_unpin(checker->tree->pool, frame);
    Error *err = bt_page_validate(page, page_id, level);
    if (err != NULL) {
        err_free(err);
        err = violation(page_id, "bad page header or level");
    }
    if (err == NULL && bt_is_root(page) != is_root) err = violation(page_id, "bad root flag");
    /* append split (insert engineer, session 6): a page on the right edge of its level (no
     * upper bound) may be below the fill minimum: split_append starts it with one cell */
    if (err == NULL && !is_root && high.present && bt_used_size(page) < BT_FILL_MIN) {
        err = violation(page_id, "underfull page");
    }
    if (err == NULL) err = check_cells(page, page_id, low, high);
    if (err == NULL && bt_level(page) == 0) {
        checker->stats.leaf_page_count++;
        if (bt_left(page) != checker->prev_leaf) err = violation(page_id, "bad left link");
        if (err == NULL && checker->prev_leaf != PAGE_ID_NONE) {
            Frame *prev = NULL;
            err = bt_read_pin(checker->tree->pool, checker->prev_leaf, &prev);
            if (err == NULL) {
                if (bt_right(bp_data(prev)) != page_id) err = violation(page_id, "bad right link");
                bt_read_unpin(checker->tree->pool, prev);
            }
        }
        checker->prev_leaf = page_id;
        if (err == NULL) err = check_leaf_cells(checker, page);
    } else if (err == NULL) {
        checker->stats.inner_page_count++;
        int count = bt_count(page);
        for (int child_idx = 0; child_idx <= count && err == NULL; child_idx++) {
            Bound child_low = low;
            Bound child_high = high;
            if (child_idx > 0) {
                size_t cell_size = 0;
                const uint8_t *cell = bt_cell_at(page, child_idx - 1, &cell_size);
                child_low = (Bound){bt_inner_cell_key(cell), bt_cell_key_size(cell), true};
            }
            if (child_idx < count) {
                size_t cell_size = 0;
                const uint8_t *cell = bt_cell_at(page, child_idx, &cell_size);
                child_high = (Bound){bt_inner_cell_key(cell), bt_cell_key_size(cell), true};
            }
            err = check_page(checker, bt_inner_child_at(page, child_idx), level - 1, child_low,
                             child_high, false);
        }
    }
    free(page);
    return err;
}

static Error *check_tree(Checker *checker)
{
    Frame *frame = NULL;
    TRY(bt_read_pin(checker->tree->pool, checker->tree->root, &frame));
    Error *err = bt_page_validate(bp_data(frame), checker->tree->root, -1);
    int level = bt_level(bp_data(frame));
    bt_read_unpin(checker->tree->pool, frame);
    if (err != NULL) {
        err_free(err);
        return violation(checker->tree->root, "bad root page");
    }
    if (level >= BT_HEIGHT_MAX) return violation(checker->tree->root, "tree too high");
    checker->prev_leaf = PAGE_ID_NONE;
    checker->stats.height = (uint32_t)level + 1;
    Bound none = {NULL, 0, false};
    TRY(check_page(checker, checker->tree->root, level, none, none, true));
    if (checker->prev_leaf != PAGE_ID_NONE) {
        Frame *last = NULL;
        TRY(bt_read_pin(checker->tree->pool, checker->prev_leaf, &last));
        bool ok = bt_right(bp_data(last)) == PAGE_ID_NONE;
        bt_read_unpin(checker->tree->pool, last);
        if (!ok) return violation(checker->prev_leaf, "last leaf has a right link");
    }
    return NULL;
}

Error *bt_check(BTree *tree, BtCheckStats *stats_out)
{
    Checker checker = {.tree = tree};
    TRY(check_tree(&checker));
    if (stats_out != NULL) *stats_out = checker.stats;
    return NULL;
}

typedef struct FreeVisit {
    Checker *checker;
    Error   *err;
} FreeVisit;

static bool visit_free(void *ctx, PageId page_id)
{
    FreeVisit *visit = ctx;
    visit->err = mark(visit->checker, page_id);
    return visit->err == NULL;
}

Error *bt_check_store(Store *store, const PageId *roots, size_t root_count)
{
    StoreInfo info = store_info(store);
    Checker checker = {.page_count = info.page_count};
    checker.bitmap = calloc((info.page_count + 7) / 8 + 1, 1);
    if (checker.bitmap == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    checker.bitmap[0] |= 1;   /* page 0 */
    FreeVisit visit = {.checker = &checker};
    Error *err = fsm_walk(store, visit_free, &visit);
    if (err == NULL) err = visit.err;
    for (size_t root_idx = 0; root_idx < root_count && err == NULL; root_idx++) {
        BTree *tree = NULL;
        err = bt_open(store, roots[root_idx], &tree);
        if (err != NULL) break;
        checker.tree = tree;
        checker.stats = (BtCheckStats){0};
        err = check_tree(&checker);
        bt_close(tree);
    }
    for (uint32_t page_id = 0; page_id < info.page_count && err == NULL; page_id++) {
        if ((checker.bitmap[page_id / 8] & (1u << (page_id % 8))) == 0) {
            err = err_new(SQLSTATE_INDEX_CORRUPTED, "page %u is leaked: neither free nor in a tree",
                          (unsigned)page_id);
        }
    }
    free(checker.bitmap);
    return err;
}

/* ---- bt_drop ---- */

static Error *free_page(Store *store, PageId page_id)
{
    Mtr mtr;
    mtr_begin(&mtr, store);
    Frame *frame = NULL;
    Error *err = mtr_pin(&mtr, page_id, LATCH_EXCLUSIVE, &frame);
    if (err != NULL) {
        mtr_abort(&mtr);
        return err;
    }
    fsm_free(&mtr, frame);
    return mtr_commit(&mtr);
}

static Error *drop_page(Store *store, PageId page_id, int level, int depth)
{
    if (depth > BT_HEIGHT_MAX) return bt_corrupt(page_id, "tree too high");
    BufPool *pool = store_pool(store);
    Frame *frame = NULL;
    TRY(bt_read_pin(pool, page_id, &frame));
    uint8_t *page = malloc(PAGE_SIZE);
    if (page == NULL) {
        bt_read_unpin(pool, frame);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(page, bp_data(frame), PAGE_SIZE);
    bt_read_unpin(pool, frame);
    Error *err = bt_page_validate(page, page_id, level);
    int count = err == NULL ? bt_count(page) : 0;
    for (int slot_idx = 0; slot_idx < count && err == NULL; slot_idx++) {
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(page, slot_idx, &cell_size);
        if (cell == NULL) {
            err = bt_corrupt(page_id, "bad cell");
        } else if (bt_level(page) > 0) {
            err = drop_page(store, bt_inner_cell_child(cell), bt_level(page) - 1, depth + 1);
        } else if ((bt_leaf_cell_flags(cell) & BT_CELL_OVERFLOW) != 0) {
            err = bt_overflow_free(store, bt_leaf_cell_overflow(cell),
                                   bt_leaf_cell_value_size(cell));
        }
    }
    if (err == NULL && bt_level(page) > 0) {
        err = drop_page(store, bt_leftmost(page), bt_level(page) - 1, depth + 1);
    }
    free(page);
    if (err == NULL) err = free_page(store, page_id);
    return err;
}

Error *bt_drop(Store *store, PageId root)
{
    BTree *tree = NULL;
    TRY(bt_open(store, root, &tree));
    bt_close(tree);
    return drop_page(store, root, -1, 0);
}
