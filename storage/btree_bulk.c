/* storage/btree_bulk.c: bulk load of an empty tree from strictly increasing keys, bottom-up.
 *
 * Each level keeps two unwritten nodes in memory (prev and cur). When cur is full, prev is
 * written (its right link is cur's page, allocated when cur was started) and its first key is
 * pushed into the level above. At the end the last two nodes of each level are balanced so no
 * page is underfull, and the single node of the top level is written into the root page (the
 * root never moves). Every page is written by its own mtr with REDO_BT_FORMAT + REDO_BT_APPEND.
 * The tree is not visible to others until bt_bulk_finish returns: callers do not use it
 * concurrently. bt_bulk_abort frees every page written so far. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "storage/btree_int.h"

typedef struct BulkNode {
    uint8_t *data;            /* cells, concatenated */
    size_t   data_size;
    size_t  *offsets;
    size_t   count;
    size_t   size;            /* page bytes: cells + slots (inner: without entry 0) */
    PageId   page_id;
    bool     present;
} BulkNode;

typedef struct BulkLevel {
    BulkNode prev;
    BulkNode cur;
    PageId   last_written;    /* leaves: for the left links */
    uint64_t written_count;
} BulkLevel;

struct BtBulk {
    BTree    *tree;
    double    fill_factor;
    BulkLevel levels[BT_HEIGHT_MAX];
    int       level_count;
    uint8_t   last_key[BT_KEY_SIZE_MAX];
    size_t    last_key_size;
    bool      has_last;
    PageId   *pages;          /* every page allocated so far (abort frees them) */
    size_t    page_count;
    size_t    page_capacity;
    PageId   *chains;         /* overflow chains written: (first, size_lo, size_hi) triples */
    size_t    chain_count;
    size_t    chain_capacity;
};

enum { NODE_DATA_CAPACITY = 2 * PAGE_SIZE };

static Error *node_init(BulkNode *node)
{
    node->data = malloc(NODE_DATA_CAPACITY);
    node->offsets = malloc(sizeof(size_t) * (PAGE_SIZE / 2));
    if (node->data == NULL || node->offsets == NULL) {
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    return NULL;
}

static void node_reset(BulkNode *node)
{
    node->data_size = 0;
    node->count = 0;
    node->size = 0;
    node->page_id = PAGE_ID_NONE;
    node->present = false;
}

static void node_free(BulkNode *node)
{
    free(node->data);
    free(node->offsets);
}

static Error *track_page(BtBulk *bulk, PageId page_id)
{
    if (bulk->page_count == bulk->page_capacity) {
        size_t capacity = bulk->page_capacity == 0 ? 64 : 2 * bulk->page_capacity;
        PageId *pages = realloc(bulk->pages, capacity * sizeof *pages);
        if (pages == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        bulk->pages = pages;
        bulk->page_capacity = capacity;
    }
    bulk->pages[bulk->page_count++] = page_id;
    return NULL;
}

static Error *alloc_page(BtBulk *bulk, PageId *page_id_out)
{
    Mtr mtr;
    mtr_begin(&mtr, bulk->tree->store);
    Frame *frame = NULL;
    Error *err = fsm_alloc(&mtr, PAGE_TYPE_BT_LEAF, 0, &frame);
    if (err != NULL) {
        if (mtr_is_modified(&mtr)) {
            Error *commit_err = mtr_commit(&mtr);
            if (commit_err != NULL) err_free(commit_err);
        } else {
            mtr_abort(&mtr);
        }
        return err;
    }
    *page_id_out = bp_page_id(frame);
    TRY(mtr_commit(&mtr));
    return track_page(bulk, *page_id_out);
}

static const uint8_t *node_cell(const BulkNode *node, size_t idx)
{
    return node->data + node->offsets[idx];
}

static size_t node_cell_size(const BulkNode *node, size_t idx)
{
    size_t end = idx + 1 < node->count ? node->offsets[idx + 1] : node->data_size;
    return end - node->offsets[idx];
}

static void node_add(BulkNode *node, const uint8_t *cell, size_t cell_size, bool inner)
{
    VERIFY(node->data_size + cell_size <= NODE_DATA_CAPACITY);
    VERIFY(node->count < PAGE_SIZE / 2);
    node->offsets[node->count] = node->data_size;
    memcpy(node->data + node->data_size, cell, cell_size);
    node->data_size += cell_size;
    if (!inner || node->count > 0) node->size += cell_size + 2;
    node->count++;
}

/* write_node: write node into page_id (root flag if is_root). */
static Error *write_node(BtBulk *bulk, const BulkNode *node, int level, PageId page_id,
                         PageId left, PageId right, bool is_root)
{
    Mtr mtr;
    mtr_begin(&mtr, bulk->tree->store);
    Frame *frame = NULL;
    Error *err = mtr_pin(&mtr, page_id, LATCH_EXCLUSIVE, &frame);
    if (err != NULL) {
        mtr_abort(&mtr);
        return err;
    }
    size_t first = level == 0 ? 0 : 1;
    PageId leftmost = level == 0 ? PAGE_ID_NONE : bt_inner_cell_child(node_cell(node, 0));
    bt_log_format(&mtr, frame, level == 0 ? PAGE_TYPE_BT_LEAF : PAGE_TYPE_BT_INNER,
                  is_root ? BT_PAGE_FLAG_ROOT : 0, level, left, right, leftmost, 0, false);
    size_t count = node->count - first;
    if (count > 0) {
        const uint8_t **cells = malloc(count * sizeof *cells);
        size_t *sizes = malloc(count * sizeof *sizes);
        VERIFY(cells != NULL && sizes != NULL);
        for (size_t idx = first; idx < node->count; idx++) {
            cells[idx - first] = node_cell(node, idx);
            sizes[idx - first] = node_cell_size(node, idx);
        }
        bt_log_append(&mtr, frame, cells, sizes, count);
        free(cells);
        free(sizes);
    }
    return mtr_commit(&mtr);
}

static Error *push(BtBulk *bulk, int level, const uint8_t *key, size_t key_size, PageId child);

/* flush_prev: write the level's prev node and push its first key up. */
static Error *flush_prev(BtBulk *bulk, int level, PageId right)
{
    BulkLevel *lv = &bulk->levels[level];
    BulkNode *node = &lv->prev;
    TRY(write_node(bulk, node, level, node->page_id, level == 0 ? lv->last_written : PAGE_ID_NONE,
                   level == 0 ? right : PAGE_ID_NONE, false));
    lv->last_written = node->page_id;
    lv->written_count++;
    const uint8_t *cell = node_cell(node, 0);
    size_t key_size = bt_cell_key_size(cell);
    const uint8_t *key = level == 0 ? bt_leaf_cell_key(cell) : bt_inner_cell_key(cell);
    node->present = false;
    return push(bulk, level + 1, key, key_size, node->page_id);
}

/* add_cell: append a cell to the level, starting a new node when the current one is full. */
static Error *add_cell(BtBulk *bulk, int level, const uint8_t *cell, size_t cell_size)
{
    VERIFY(level < BT_HEIGHT_MAX - 1);
    if (level >= bulk->level_count) {
        for (int new_level = bulk->level_count; new_level <= level; new_level++) {
            BulkLevel *lv = &bulk->levels[new_level];
            TRY(node_init(&lv->prev));
            TRY(node_init(&lv->cur));
            node_reset(&lv->prev);
            node_reset(&lv->cur);
            lv->last_written = PAGE_ID_NONE;
            lv->written_count = 0;
            bulk->level_count = new_level + 1;
        }
    }
    BulkLevel *lv = &bulk->levels[level];
    bool inner = level > 0;
    size_t target = (size_t)(bulk->fill_factor * BT_USABLE_SIZE);
    if (target > BT_USABLE_SIZE) target = BT_USABLE_SIZE;
    size_t min_count = inner ? 2 : 1;
    if (lv->cur.present &&
        (lv->cur.size + cell_size + 2 > target) && lv->cur.count >= min_count) {
        if (lv->prev.present) TRY(flush_prev(bulk, level, lv->cur.page_id));
        BulkNode tmp = lv->prev;
        lv->prev = lv->cur;
        lv->cur = tmp;
        node_reset(&lv->cur);
    }
    if (!lv->cur.present) {
        TRY(alloc_page(bulk, &lv->cur.page_id));
        lv->cur.present = true;
    }
    node_add(&lv->cur, cell, cell_size, inner);
    return NULL;
}

static Error *push(BtBulk *bulk, int level, const uint8_t *key, size_t key_size, PageId child)
{
    uint8_t cell[BT_INNER_CELL_MAX];
    size_t cell_size = bt_inner_cell_build(cell, key, key_size, child);
    return add_cell(bulk, level, cell, cell_size);
}

Error *bt_bulk_begin(BTree *tree, double fill_factor, BtBulk **bulk_out)
{
    if (!(fill_factor >= 0.5 && fill_factor <= 1.0)) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "fill factor must be in [0.5, 1.0]");
    }
    Frame *frame = NULL;
    TRY(bt_read_pin(tree->pool, tree->root, &frame));
    Error *err = bt_page_validate(bp_data(frame), tree->root, -1);
    bool empty = err == NULL && bt_level(bp_data(frame)) == 0 && bt_count(bp_data(frame)) == 0;
    bt_read_unpin(tree->pool, frame);
    if (err != NULL) return err;
    if (!empty) return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "bulk load needs an empty tree");
    BtBulk *bulk = calloc(1, sizeof *bulk);
    if (bulk == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    bulk->tree = tree;
    bulk->fill_factor = fill_factor;
    *bulk_out = bulk;
    return NULL;
}

static Error *track_chain(BtBulk *bulk, PageId first, size_t size)
{
    if (bulk->chain_count + 3 > bulk->chain_capacity) {
        size_t capacity = bulk->chain_capacity == 0 ? 48 : 2 * bulk->chain_capacity;
        PageId *chains = realloc(bulk->chains, capacity * sizeof *chains);
        if (chains == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        bulk->chains = chains;
        bulk->chain_capacity = capacity;
    }
    bulk->chains[bulk->chain_count++] = first;
    bulk->chains[bulk->chain_count++] = (PageId)(size & 0xFFFFFFFFu);
    bulk->chains[bulk->chain_count++] = (PageId)((uint64_t)size >> 32);
    return NULL;
}

Error *bt_bulk_add(BtBulk *bulk, const uint8_t *key, size_t key_size, const uint8_t *value,
                   size_t value_size)
{
    if (key_size > BT_KEY_SIZE_MAX || value_size > BT_VALUE_SIZE_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "key or value too large for a B+ tree");
    }
    if (bulk->has_last &&
        bt_key_compare(bulk->last_key, bulk->last_key_size, key, key_size) >= 0) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "bulk load keys are not increasing");
    }
    PageId chain = PAGE_ID_NONE;
    if (!bt_leaf_value_inline(key_size, value_size)) {
        TRY(bt_overflow_write(bulk->tree->store, value, value_size, &chain));
        TRY(track_chain(bulk, chain, value_size));
    }
    uint8_t cell[BT_CELL_INLINE_MAX + 8];
    size_t cell_size = bt_leaf_cell_build(cell, key, key_size, value_size, value, chain);
    TRY(add_cell(bulk, 0, cell, cell_size));
    memcpy(bulk->last_key, key, key_size);
    bulk->last_key_size = key_size;
    bulk->has_last = true;
    return NULL;
}

static size_t range_size(const size_t *sizes, size_t from, size_t to, bool inner)
{
    size_t size = 0;
    for (size_t idx = from; idx < to; idx++) {
        if (!inner || idx > from) size += sizes[idx] + 2;
    }
    return size;
}

static Error *free_one(BtBulk *bulk, PageId page_id)
{
    Mtr mtr;
    mtr_begin(&mtr, bulk->tree->store);
    Frame *frame = NULL;
    Error *err = mtr_pin(&mtr, page_id, LATCH_EXCLUSIVE, &frame);
    if (err != NULL) {
        mtr_abort(&mtr);
        return err;
    }
    fsm_free(&mtr, frame);
    return mtr_commit(&mtr);
}

/* balance: make the last two nodes of a level both at least BT_FILL_MIN, or merge them. */
static Error *balance(BtBulk *bulk, BulkLevel *lv, bool inner)
{
    if (!lv->prev.present || !lv->cur.present || lv->cur.size >= BT_FILL_MIN) return NULL;
    BulkNode *prev = &lv->prev;
    BulkNode *cur = &lv->cur;
    size_t n = prev->count + cur->count;
    uint8_t *data = malloc(2 * NODE_DATA_CAPACITY);
    size_t *offsets = malloc(n * sizeof *offsets);
    size_t *sizes = malloc(n * sizeof *sizes);
    if (data == NULL || offsets == NULL || sizes == NULL) {
        free(data);
        free(offsets);
        free(sizes);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(data, prev->data, prev->data_size);
    memcpy(data + prev->data_size, cur->data, cur->data_size);
    for (size_t idx = 0; idx < n; idx++) {
        bool in_prev = idx < prev->count;
        const BulkNode *node = in_prev ? prev : cur;
        size_t node_idx = in_prev ? idx : idx - prev->count;
        offsets[idx] = node->offsets[node_idx] + (in_prev ? 0 : prev->data_size);
        sizes[idx] = node_cell_size(node, node_idx);
    }
    size_t min_count = inner ? 2 : 1;
    size_t best_m = 0;
    size_t best_low = 0;
    for (size_t m = min_count; m + min_count <= n; m++) {
        size_t left = range_size(sizes, 0, m, inner);
        size_t right = range_size(sizes, m, n, inner);
        if (left > BT_USABLE_SIZE || right > BT_USABLE_SIZE) continue;
        size_t low = left < right ? left : right;
        if (low > best_low) {
            best_low = low;
            best_m = m;
        }
    }
    bool merge = best_low < BT_FILL_MIN && range_size(sizes, 0, n, inner) <= BT_USABLE_SIZE;
    size_t split = merge ? n : best_m;
    Error *err = NULL;
    VERIFY(split > 0);
    prev->data_size = prev->count = prev->size = 0;
    cur->data_size = cur->count = cur->size = 0;
    for (size_t idx = 0; idx < n; idx++) {
        node_add(idx < split ? prev : cur, data + offsets[idx], sizes[idx], inner);
    }
    if (merge) {
        err = free_one(bulk, cur->page_id);
        node_reset(cur);
    }
    free(data);
    free(offsets);
    free(sizes);
    return err;
}

Error *bt_bulk_finish(BtBulk *bulk)
{
    Error *err = NULL;
    for (int level = 0; level < bulk->level_count && err == NULL; level++) {
        BulkLevel *lv = &bulk->levels[level];
        err = balance(bulk, lv, level > 0);
        if (err != NULL) break;
        int node_count = (lv->prev.present ? 1 : 0) + (lv->cur.present ? 1 : 0);
        if (level == bulk->level_count - 1 && lv->written_count == 0 && node_count == 1) {
            /* the single node of the top level goes into the root page */
            BulkNode *node = lv->prev.present ? &lv->prev : &lv->cur;
            err = write_node(bulk, node, level, bulk->tree->root, PAGE_ID_NONE, PAGE_ID_NONE,
                             true);
            if (err == NULL) err = free_one(bulk, node->page_id);
            break;
        }
        if (lv->prev.present) {
            err = flush_prev(bulk, level, lv->cur.present ? lv->cur.page_id : PAGE_ID_NONE);
        }
        if (err == NULL && lv->cur.present) {
            BulkNode tmp = lv->prev;
            lv->prev = lv->cur;
            lv->cur = tmp;
            node_reset(&lv->cur);
            err = flush_prev(bulk, level, PAGE_ID_NONE);
        }
    }
    if (err != NULL) return err;
    for (int level = 0; level < bulk->level_count; level++) {
        node_free(&bulk->levels[level].prev);
        node_free(&bulk->levels[level].cur);
    }
    free(bulk->pages);
    free(bulk->chains);
    free(bulk);
    return NULL;
}

void bt_bulk_abort(BtBulk *bulk)
{
    if (bulk == NULL) return;
    Store *store = bulk->tree->store;
    for (size_t idx = 0; idx + 3 <= bulk->chain_count; idx += 3) {
        size_t size = (size_t)bulk->chains[idx + 1] | ((size_t)bulk->chains[idx + 2] << 32);
        Error *err = bt_overflow_free(store, bulk->chains[idx], size);
        if (err != NULL) err_free(err);
    }
    for (size_t idx = 0; idx < bulk->page_count; idx++) {
        Mtr mtr;
        mtr_begin(&mtr, store);
        Frame *frame = NULL;
        Error *err = mtr_pin(&mtr, bulk->pages[idx], LATCH_EXCLUSIVE, &frame);
        if (err != NULL) {
            err_free(err);
            mtr_abort(&mtr);
            continue;
        }
        if (page_type(bp_data(frame)) != PAGE_TYPE_FREE) fsm_free(&mtr, frame);
        err = mtr_is_modified(&mtr) ? mtr_commit(&mtr) : (mtr_abort(&mtr), NULL);
        if (err != NULL) err_free(err);
    }
    for (int level = 0; level < bulk->level_count; level++) {
        node_free(&bulk->levels[level].prev);
        node_free(&bulk->levels[level].cur);
    }
    free(bulk->pages);
    free(bulk->chains);
    free(bulk);
}
