/* storage/btree.c: B+ tree point operations and structure changes.
 *
 * Writers first try the optimistic path: S latches down to the leaf's parent, the leaf
 * X-latched in an mtr; if the change fits and does not leave the leaf underfull, it is one
 * redo record. Otherwise the pessimistic path re-descends with X latches from the root,
 * releasing every ancestor as soon as a node below it is "safe" (it cannot split or underflow
 * because of this change), so only the part of the path that may change stays latched. In
 * shrinking operations each unsafe node's sibling (the right one, or the left one for a last
 * child) is latched too, in left-to-right order, for a merge or redistribution. Every page a
 * structure change needs (new pages from fsm_alloc, the leaf neighbour whose link changes) is
 * pinned before the first page is modified, so an error leaves the tree unchanged.
 *
 * A growing operation's pessimistic descent also latches the leaf's sibling (right, or left for
 * a last child). A leaf too full for the change then shares its cells with that sibling when the
 * two (with the change and one largest cell to spare) fit in 31/32 of two pages and the parent
 * cannot be left underfull by a shorter separator. Otherwise the two pages are cut into three
 * (split_three, a new page between them) when the parent has room for both new separators, and
 * only failing that does the leaf split in two. Random inserts thus fill leaves to ~80% instead
 * of ~62-69% (fewer pages to cache, read and scan).
 *
 * Latch order: parent before child; on one level, left before right. A leaf's right neighbour
 * under another parent is latched only while holding its left neighbour (never the reverse).
 * Root: never moves. A root split moves its entries into two new children; when a root inner
 * page is left with one child, the child's content is pulled up into the root and the child is
 * freed. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/failpoint.h"
#include "storage/btree_int.h"

enum { OP_INSERT, OP_UPDATE, OP_DELETE };
enum { CH_INSERT, CH_REPLACE, CH_DELETE };
enum {
    ITEM_COUNT_MAX = 2 * (BT_USABLE_SIZE / 8) + 8,
    NEW_PAGE_MAX = BT_HEIGHT_MAX + 4,
    /* a full leaf redistributes with its sibling (instead of splitting) when the two, with the
     * change, fill at most 31/32 of two pages */
    BT_REDISTRIBUTE_MAX = BT_USABLE_SIZE * 2 * 31 / 32,
};

typedef struct Op {
    int            kind;
    const uint8_t *key;
    size_t         key_size;
    uint8_t        cell[BT_CELL_INLINE_MAX + 8];   /* the new leaf cell (insert, update) */
    size_t         cell_size;
    /* results */
    bool           found;
    bool           old_overflow;                  /* the replaced/deleted value's chain */
    PageId         old_overflow_first;
    size_t         old_value_size;
} Op;

typedef struct Level {
    Frame *frame;
    Frame *sibling;        /* shrinking operations: the node merges/redistributes with it */
    int    child_idx;      /* index of frame in its parent (0 = leftmost) */
    int    sibling_idx;
} Level;

typedef struct Ctx {
    BTree *tree;
    Mtr    mtr;
    Op    *op;
    Level  levels[BT_HEIGHT_MAX];
    int    top;                     /* highest level held */
    bool   top_is_root;
    Frame *neighbor;                /* leaf whose left link changes (split or merge) */
    bool   redistribute;            /* a full leaf shares its cells with its sibling instead
                                     * of splitting (prepare decides, apply_change does it) */
    bool   append_split;            /* an insert past the last key of the rightmost leaf,
                                     * which is full: split_append (prepare decides) */
    PageId append_leaf;             /* the rightmost leaf that took such an insert (the
                                     * append cursor's next hint), else PAGE_ID_NONE */
    Frame *new_pages[NEW_PAGE_MAX];
    int    new_count;
    int    new_used;
} Ctx;

typedef struct Item {
    const uint8_t *cell;
    size_t         size;
} Item;

typedef struct Scratch {
    uint8_t pages[2][PAGE_SIZE];
    uint8_t extra[2][BT_INNER_CELL_MAX + BT_CELL_INLINE_MAX + 16];
    Item    items[ITEM_COUNT_MAX];
    int     item_count;
} Scratch;

static Error *apply_change(Ctx *ctx, int level, int kind, int slot_idx, const uint8_t *cell,
                           size_t cell_size);

/* op_init: every field but cell (written by build_cell before it is read): an Op is on the
 * path of every row written, and zeroing its cell buffer cost more than the append itself. */
static void op_init(Op *op, int kind, const uint8_t *key, size_t key_size)
{
    op->kind = kind;
    op->key = key;
    op->key_size = key_size;
    op->cell_size = 0;
    op->found = false;
    op->old_overflow = false;
    op->old_overflow_first = PAGE_ID_NONE;
    op->old_value_size = 0;
}

/* ---- tree handle ---- */

Error *bt_create(Store *store, PageId *root_out)
{
    Mtr mtr;
    mtr_begin(&mtr, store);
    Frame *frame = NULL;
    Error *err = fsm_alloc(&mtr, PAGE_TYPE_BT_LEAF, BT_PAGE_FLAG_ROOT, &frame);
    if (err != NULL) {
        if (mtr_is_modified(&mtr)) {
            Error *commit_err = mtr_commit(&mtr);
            if (commit_err != NULL) err_free(commit_err);
        } else {
            mtr_abort(&mtr);
        }
        return err;
    }
    bt_log_format(&mtr, frame, PAGE_TYPE_BT_LEAF, BT_PAGE_FLAG_ROOT, 0, PAGE_ID_NONE,
                  PAGE_ID_NONE, PAGE_ID_NONE, 0, false);
    *root_out = bp_page_id(frame);
    return mtr_commit(&mtr);
}

Error *bt_open(Store *store, PageId root, BTree **tree_out)
{
    BufPool *pool = store_pool(store);
    Frame *frame = NULL;
    TRY(bt_read_pin(pool, root, &frame));
    Error *err = bt_page_validate(bp_data(frame), root, -1);
    if (err == NULL && !bt_is_root(bp_data(frame))) err = bt_corrupt(root, "not a tree root");
    bt_read_unpin(pool, frame);
    if (err != NULL) return err;
    BTree *tree = malloc(sizeof *tree);
    if (tree == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    *tree = (BTree){.store = store, .pool = pool, .root = root};
    *tree_out = tree;
    return NULL;
}

void bt_close(BTree *tree) { free(tree); }

/* ---- the append cursor (struct BTree) ---- */

static void append_hint_set(BTree *tree, PageId leaf_id, uint64_t lsn)
{
    atomic_store_explicit(&tree->append_leaf, leaf_id, memory_order_relaxed);
    atomic_store_explicit(&tree->append_lsn, lsn, memory_order_relaxed);
}

/* append_try: an insert whose key is above the last key of the hinted leaf goes there with
 * the leaf alone X-latched, when the leaf still carries the hinted LSN (no mtr changed it
 * since an insert of this tree went to its end, so it is still this tree's rightmost leaf:
 * a split, merge or free would have changed it; an LSN pairs with exactly one mtr, so a hint
 * torn between two stores still names a page that mtr changed in this tree), is a leaf with no
 * right sibling, and has room without a compaction. Its key range is then [fence, +inf) with
 * fence <= its first key < key, so key belongs there and is absent from the tree. *done_out
 * false (nothing changed, no error) sends the caller down the tree. Holding no other latch
 * while waiting for the leaf's, this cannot deadlock with latch-coupling descents. */
static Error *append_try(BTree *tree, Op *op, bool *done_out)
{
    *done_out = false;
    PageId leaf_id = atomic_load_explicit(&tree->append_leaf, memory_order_relaxed);
    uint64_t lsn = atomic_load_explicit(&tree->append_lsn, memory_order_relaxed);
    if (leaf_id == PAGE_ID_NONE || lsn == 0) return NULL;
    Mtr mtr;
    mtr_begin(&mtr, tree->store);
    Frame *leaf = NULL;
    Error *err = mtr_pin(&mtr, leaf_id, LATCH_EXCLUSIVE, &leaf);
    if (err != NULL) {
        /* e.g. the page is gone from the file: the descent decides */
        err_free(err);
        mtr_abort(&mtr);
        return NULL;
    }
    const uint8_t *page = bp_data(leaf);
    bool ok = page_lsn(page) == lsn && page_type(page) == PAGE_TYPE_BT_LEAF &&
              bt_right(page) == PAGE_ID_NONE && bt_level(page) == 0;
    if (ok) {
        err = bt_page_validate(page, leaf_id, 0);
        ok = err == NULL;
        err_free(err);
    }
    int count = ok ? bt_count(page) : 0;
    if (ok && count > 0) {
        size_t last_size = 0;
        const uint8_t *last = bt_cell_at(page, count - 1, &last_size);
        size_t gap = (size_t)bt_cell_start(page) - BT_HEADER_SIZE - 2u * (size_t)count;
        ok = last != NULL && gap >= op->cell_size + 2 &&
             bt_used_size(page) + op->cell_size + 2 <= BT_USABLE_SIZE &&
             bt_key_compare(op->key, op->key_size, bt_leaf_cell_key(last),
                            bt_cell_key_size(last)) > 0;
    } else {
        ok = false;
    }
    if (!ok) {
        mtr_abort(&mtr);
        return NULL;
    }
    op->found = true;
    bt_log_insert(&mtr, leaf, count, op->cell, op->cell_size);
    err = mtr_commit(&mtr);
    if (err == NULL) atomic_store_explicit(&tree->append_lsn, mtr.lsn, memory_order_relaxed);
    *done_out = true;
    return err;
}

PageId bt_root(const BTree *tree) { return tree->root; }

/* ---- descents ---- */

/* read_descend: the leaf that may hold key, S-latched (bt_read_pin). */
static Error *read_descend(BTree *tree, const uint8_t *key, size_t key_size, Frame **leaf_out)
{
    Frame *frame = NULL;
    TRY(bt_read_pin(tree->pool, tree->root, &frame));
    Error *err = bt_page_validate(bp_data(frame), tree->root, -1);
    PageId page_id = tree->root;
    while (err == NULL && bt_level(bp_data(frame)) > 0) {
        const uint8_t *page = bp_data(frame);
        int level = bt_level(page);
        int child_idx = 0;
        PageId child = PAGE_ID_NONE;
        err = bt_inner_child_for(page, page_id, key, key_size, &child_idx, &child);
        if (err != NULL) break;
        Frame *child_frame = NULL;
        err = bt_read_pin(tree->pool, child, &child_frame);
        if (err != NULL) break;
        bt_read_unpin(tree->pool, frame);
        frame = child_frame;
        page_id = child;
        err = bt_page_validate(bp_data(frame), page_id, level - 1);
    }
    if (err != NULL) {
        bt_read_unpin(tree->pool, frame);
        return err;
    }
    *leaf_out = frame;
    return NULL;
}

/* write_descend_optimistic: the leaf for key, X-latched in mtr (S coupling above it). */
static Error *write_descend_optimistic(BTree *tree, Mtr *mtr, const uint8_t *key,
                                       size_t key_size, Frame **leaf_out)
{
    for (int attempt = 0;; attempt++) {
        Frame *frame = NULL;
        TRY(bt_read_pin(tree->pool, tree->root, &frame));
        Error *err = bt_page_validate(bp_data(frame), tree->root, -1);
        if (err != NULL) {
            bt_read_unpin(tree->pool, frame);
            return err;
        }
        if (bt_level(bp_data(frame)) == 0) {
            /* the root is a leaf: latch it X and check it still is one */
            bt_read_unpin(tree->pool, frame);
            Frame *leaf = NULL;
            TRY(mtr_pin(mtr, tree->root, LATCH_EXCLUSIVE, &leaf));
            err = bt_page_validate(bp_data(leaf), tree->root, -1);
            if (err != NULL) {
                mtr_release(mtr, leaf);
                return err;
            }
            if (bt_level(bp_data(leaf)) == 0) {
                *leaf_out = leaf;
                return NULL;
            }
            mtr_release(mtr, leaf);
            continue;   /* the root split meanwhile */
        }
        PageId page_id = tree->root;
        for (;;) {
            const uint8_t *page = bp_data(frame);
            int level = bt_level(page);
            int child_idx = 0;
            PageId child = PAGE_ID_NONE;
            err = bt_inner_child_for(page, page_id, key, key_size, &child_idx, &child);
            if (err != NULL) break;
            if (level == 1) {
                Frame *leaf = NULL;
                err = mtr_pin(mtr, child, LATCH_EXCLUSIVE, &leaf);
                if (err != NULL) break;
                bt_read_unpin(tree->pool, frame);
                err = bt_page_validate(bp_data(leaf), child, 0);
                if (err != NULL) {
                    mtr_release(mtr, leaf);
                    return err;
                }
                *leaf_out = leaf;
                return NULL;
            }
            Frame *child_frame = NULL;
            err = bt_read_pin(tree->pool, child, &child_frame);
            if (err != NULL) break;
            bt_read_unpin(tree->pool, frame);
            frame = child_frame;
            page_id = child;
            err = bt_page_validate(bp_data(frame), page_id, level - 1);
            if (err != NULL) break;
        }
        bt_read_unpin(tree->pool, frame);
        return err;
    }
}

/* ---- leaf decisions ---- */

/* leaf_plan: look key up in a validated leaf and decide whether op fits in place. */
typedef struct LeafPlan {
    int    slot_idx;
    bool   exact;
    bool   fits;           /* no split needed */
    bool   underflow;      /* a non-root leaf would fall below BT_FILL_MIN */
    size_t used_after;
} LeafPlan;

static Error *leaf_plan(const uint8_t *page, PageId page_id, Op *op, LeafPlan *plan)
{
    TRY(bt_page_search(page, page_id, op->key, op->key_size, &plan->slot_idx, &plan->exact));
    size_t used = bt_used_size(page);
    size_t old_size = 0;
    if (plan->exact) {
        const uint8_t *cell = bt_cell_at(page, plan->slot_idx, &old_size);
        if (cell == NULL) return bt_corrupt(page_id, "bad cell");
        op->old_overflow = (bt_leaf_cell_flags(cell) & BT_CELL_OVERFLOW) != 0;
        op->old_value_size = bt_leaf_cell_value_size(cell);
        op->old_overflow_first = op->old_overflow ? bt_leaf_cell_overflow(cell) : PAGE_ID_NONE;
    }
    switch (op->kind) {
    case OP_INSERT:
        plan->used_after = used + op->cell_size + 2;
        break;
    case OP_UPDATE:
        plan->used_after = used - old_size + op->cell_size;
        break;
    default:
        plan->used_after = used - old_size - 2;
        break;
    }
    plan->fits = plan->used_after <= BT_USABLE_SIZE;
    /* only a change that shrinks the leaf can make it underfull: a leaf on the right edge may
     * be below BT_FILL_MIN after an append split (split_append) and grows from there */
    plan->underflow = !bt_is_root(page) && plan->used_after < BT_FILL_MIN && plan->used_after < used;
    return NULL;
}

static void leaf_apply_simple(Mtr *mtr, Frame *leaf, const Op *op, const LeafPlan *plan)
{
    switch (op->kind) {
    case OP_INSERT: bt_log_insert(mtr, leaf, plan->slot_idx, op->cell, op->cell_size); break;
    case OP_UPDATE: bt_log_replace(mtr, leaf, plan->slot_idx, op->cell, op->cell_size); break;
    default: bt_log_delete(mtr, leaf, plan->slot_idx); break;
    }
}

/* ---- scratch item lists ---- */

static Error *gather(Scratch *scratch, int page_idx, const uint8_t *page, PageId page_id)
{
    memcpy(scratch->pages[page_idx], page, PAGE_SIZE);
    const uint8_t *copy = scratch->pages[page_idx];
    int count = bt_count(copy);
    for (int slot_idx = 0; slot_idx < count; slot_idx++) {
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(copy, slot_idx, &cell_size);
        if (cell == NULL) return bt_corrupt(page_id, "bad cell");
        VERIFY(scratch->item_count < ITEM_COUNT_MAX);
        scratch->items[scratch->item_count++] = (Item){cell, cell_size};
    }
    return NULL;
}

static void items_insert(Scratch *scratch, int at, const uint8_t *cell, size_t size)
{
    VERIFY(scratch->item_count < ITEM_COUNT_MAX);
    memmove(&scratch->items[at + 1], &scratch->items[at],
            (size_t)(scratch->item_count - at) * sizeof(Item));
    scratch->items[at] = (Item){cell, size};
    scratch->item_count++;
}

static void items_remove(Scratch *scratch, int at)
{
    memmove(&scratch->items[at], &scratch->items[at + 1],
            (size_t)(scratch->item_count - at - 1) * sizeof(Item));
    scratch->item_count--;
}

static size_t items_size(const Scratch *scratch, int from, int to)
{
    size_t size = 0;
    for (int item_idx = from; item_idx < to; item_idx++) size += scratch->items[item_idx].size + 2;
    return size;
}

/* choose_split: the split index m. Leaves: left [0, m), right [m, n). Inner: left [0, m),
 * separator item m, right [m + 1, n). Both sides fit; as balanced as possible, except for an
 * append (the new item is the last one): then the right side gets just over BT_FILL_MIN, so
 * ascending inserts (row ids) leave pages ~3/4 full instead of half full. */
static int choose_split(const Scratch *scratch, bool leaf, bool append)
{
    int n = scratch->item_count;
    size_t total = items_size(scratch, 0, n);
    int best = -1;
    size_t best_diff = SIZE_MAX;
    size_t left = 0;
    for (int m = 1; m < n; m++) {
        left += scratch->items[m - 1].size + 2;
        size_t right = total - left - (leaf ? 0 : scratch->items[m].size + 2);
        if (!leaf && m == n - 1) break;
        if (left > BT_USABLE_SIZE || right > BT_USABLE_SIZE) continue;
        if (append && right >= BT_FILL_MIN + BT_USABLE_SIZE / 16 && left >= BT_FILL_MIN) {
            best = m;   /* the last such m has the fullest left side */
            best_diff = 0;
            continue;
        }
        size_t diff = left > right ? left - right : right - left;
        if (diff < best_diff) {
            best_diff = diff;
            best = m;
        }
    }
    VERIFY(best > 0);
    return best;
}

/* leaf_separator: the shortest prefix of right_first that is > left_last. */
static size_t leaf_separator(const uint8_t *left_last, size_t left_size,
                             const uint8_t *right_first, size_t right_size)
{
    size_t common = 0;
    while (common < left_size && common < right_size && left_last[common] == right_first[common]) {
        common++;
    }
    if (common >= right_size) return right_size;   /* only on a damaged page: keep going */
    return common + 1;
}

/* make_separator: build the parent cell for the right page starting at item m into out. */
static size_t make_separator(const Scratch *scratch, int m, bool leaf, PageId right_id,
                             uint8_t *out)
{
    const uint8_t *cell = scratch->items[m].cell;
    if (!leaf) {
        return bt_inner_cell_build(out, bt_inner_cell_key(cell), bt_cell_key_size(cell), right_id);
    }
    const uint8_t *prev = scratch->items[m - 1].cell;
    size_t sep_size = leaf_separator(bt_leaf_cell_key(prev), bt_cell_key_size(prev),
                                     bt_leaf_cell_key(cell), bt_cell_key_size(cell));
    return bt_inner_cell_build(out, bt_leaf_cell_key(cell), sep_size, right_id);
}

/* write_page: format frame and append items [from, to). */
static void write_page(Mtr *mtr, Frame *frame, const Scratch *scratch, int from, int to,
                       int level, uint8_t flags, PageId left, PageId right, PageId leftmost,
                       uint64_t max_xid, bool all_visible)
{
    bt_log_format(mtr, frame, level == 0 ? PAGE_TYPE_BT_LEAF : PAGE_TYPE_BT_INNER, flags, level,
                  left, right, leftmost, max_xid, all_visible);
    int count = to - from;
    if (count <= 0) return;
    const uint8_t **cells = malloc((size_t)count * sizeof *cells);
    size_t *sizes = malloc((size_t)count * sizeof *sizes);
    VERIFY(cells != NULL && sizes != NULL);
    for (int item_idx = from; item_idx < to; item_idx++) {
        cells[item_idx - from] = scratch->items[item_idx].cell;
        sizes[item_idx - from] = scratch->items[item_idx].size;
    }
    bt_log_append(mtr, frame, cells, sizes, (size_t)count);
    free(cells);
    free(sizes);
}

static Frame *take_new_page(Ctx *ctx)
{
    VERIFY(ctx->new_used < ctx->new_count);
    return ctx->new_pages[ctx->new_used++];
}

/* ---- split ---- */

static Error *split_node(Ctx *ctx, int level, int kind, int slot_idx, const uint8_t *cell,
                         size_t cell_size)
{
    Frame *frame = ctx->levels[level].frame;
    const uint8_t *page = bp_data(frame);
    PageId page_id = bp_page_id(frame);
    bool is_root = bt_is_root(page);
    bool leaf = level == 0;
    Scratch *scratch = malloc(sizeof *scratch);
    if (scratch == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    scratch->item_count = 0;
    Error *err = gather(scratch, 0, page, page_id);
    VERIFY(err == NULL);   /* the page was validated by the descent and changed by us only */
    memcpy(scratch->extra[0], cell, cell_size);
    if (kind == CH_REPLACE) items_remove(scratch, slot_idx);
    items_insert(scratch, slot_idx, scratch->extra[0], cell_size);
    const uint8_t *old = scratch->pages[0];
    int n = scratch->item_count;
    bool append = kind == CH_INSERT && slot_idx == n - 1;
    int m = choose_split(scratch, leaf, append);
    uint8_t *sep = scratch->extra[1];
    size_t sep_size = 0;
    if (is_root) {
        Frame *left = take_new_page(ctx);
        Frame *right = take_new_page(ctx);
        PageId left_id = bp_page_id(left);
        PageId right_id = bp_page_id(right);
        if (leaf) {
            write_page(&ctx->mtr, left, scratch, 0, m, 0, 0, PAGE_ID_NONE, right_id, PAGE_ID_NONE,
                       bt_max_xid(old), old[BT_OFFSET_ALL_VISIBLE] != 0);
            write_page(&ctx->mtr, right, scratch, m, n, 0, 0, left_id, PAGE_ID_NONE, PAGE_ID_NONE,
                       bt_max_xid(old), old[BT_OFFSET_ALL_VISIBLE] != 0);
        } else {
            write_page(&ctx->mtr, left, scratch, 0, m, level, 0, PAGE_ID_NONE, PAGE_ID_NONE,
                       bt_leftmost(old), 0, false);
            write_page(&ctx->mtr, right, scratch, m + 1, n, level, 0, PAGE_ID_NONE, PAGE_ID_NONE,
                       bt_inner_cell_child(scratch->items[m].cell), 0, false);
        }
        (void)FAILPOINT("bt.split.after_alloc");
        sep_size = make_separator(scratch, m, leaf, right_id, sep);
        bt_log_format(&ctx->mtr, frame, PAGE_TYPE_BT_INNER, BT_PAGE_FLAG_ROOT, level + 1,
                      PAGE_ID_NONE, PAGE_ID_NONE, left_id, 0, false);
        bt_log_insert(&ctx->mtr, frame, 0, sep, sep_size);
        free(scratch);
        return NULL;
    }
    Frame *right = take_new_page(ctx);
    PageId right_id = bp_page_id(right);
    if (leaf) {
        PageId old_right = bt_right(old);
        write_page(&ctx->mtr, frame, scratch, 0, m, 0, 0, bt_left(old), right_id, PAGE_ID_NONE,
                   bt_max_xid(old), old[BT_OFFSET_ALL_VISIBLE] != 0);
        write_page(&ctx->mtr, right, scratch, m, n, 0, 0, page_id, old_right, PAGE_ID_NONE,
                   bt_max_xid(old), old[BT_OFFSET_ALL_VISIBLE] != 0);
        if (old_right != PAGE_ID_NONE) {
            VERIFY(ctx->neighbor != NULL && bp_page_id(ctx->neighbor) == old_right);
            bt_log_set_links(&ctx->mtr, ctx->neighbor, right_id, bt_right(bp_data(ctx->neighbor)));
        }
    } else {
        write_page(&ctx->mtr, frame, scratch, 0, m, level, 0, PAGE_ID_NONE, PAGE_ID_NONE,
                   bt_leftmost(old), 0, false);
        write_page(&ctx->mtr, right, scratch, m + 1, n, level, 0, PAGE_ID_NONE, PAGE_ID_NONE,
                   bt_inner_cell_child(scratch->items[m].cell), 0, false);
    }
    (void)FAILPOINT("bt.split.after_alloc");
    sep_size = make_separator(scratch, m, leaf, right_id, sep);
    VERIFY(level < ctx->top);
    err = apply_change(ctx, level + 1, CH_INSERT, ctx->levels[level].child_idx, sep, sep_size);
    free(scratch);
    return err;
}

/* ---- merge / redistribute ---- */

/* collapse_root: the root inner page has no cell left: pull its only child up into it. */
static void collapse_root(Ctx *ctx, int level)
{
    Frame *root = ctx->levels[level].frame;
    PageId child_id = bt_leftmost(bp_data(root));
    Frame *child = NULL;
    Level *below = &ctx->levels[level - 1];
    if (bp_page_id(below->frame) == child_id) child = below->frame;
    if (below->sibling != NULL && bp_page_id(below->sibling) == child_id) child = below->sibling;
    VERIFY(child != NULL);
    Scratch *scratch = malloc(sizeof *scratch);
    VERIFY(scratch != NULL);
    scratch->item_count = 0;
    Error *err = gather(scratch, 0, bp_data(child), child_id);
    VERIFY(err == NULL);
    const uint8_t *old = scratch->pages[0];
    write_page(&ctx->mtr, root, scratch, 0, scratch->item_count, bt_level(old), BT_PAGE_FLAG_ROOT,
               PAGE_ID_NONE, PAGE_ID_NONE, bt_leftmost(old), bt_max_xid(old),
               old[BT_OFFSET_ALL_VISIBLE] != 0);
    fsm_free(&ctx->mtr, child);
    free(scratch);
}

static Error *fix_underflow(Ctx *ctx, int level)
{
    Level *node = &ctx->levels[level];
    VERIFY(node->sibling != NULL);
    VERIFY(level < ctx->top);
    bool leaf = level == 0;
    bool node_is_left = node->child_idx < node->sibling_idx;
    Frame *left = node_is_left ? node->frame : node->sibling;
    Frame *right = node_is_left ? node->sibling : node->frame;
    int right_child_idx = node_is_left ? node->sibling_idx : node->child_idx;
    int sep_slot = right_child_idx - 1;
    Frame *parent = ctx->levels[level + 1].frame;
    Scratch *scratch = malloc(sizeof *scratch);
    if (scratch == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    scratch->item_count = 0;
    Error *err = gather(scratch, 0, bp_data(left), bp_page_id(left));
    VERIFY(err == NULL);
    const uint8_t *left_old = scratch->pages[0];
    size_t sep_size = 0;
    const uint8_t *sep_cell = bt_cell_at(bp_data(parent), sep_slot, &sep_size);
    VERIFY(sep_cell != NULL);
    const uint8_t *right_page = bp_data(right);
    if (!leaf) {
        size_t size = bt_inner_cell_build(scratch->extra[0], bt_inner_cell_key(sep_cell),
                                          bt_cell_key_size(sep_cell), bt_leftmost(right_page));
        items_insert(scratch, scratch->item_count, scratch->extra[0], size);
    }
    err = gather(scratch, 1, right_page, bp_page_id(right));
    VERIFY(err == NULL);
    const uint8_t *right_old = scratch->pages[1];
    uint64_t max_xid = bt_max_xid(left_old) > bt_max_xid(right_old) ? bt_max_xid(left_old)
                                                                    : bt_max_xid(right_old);
    bool all_visible = left_old[BT_OFFSET_ALL_VISIBLE] != 0 && right_old[BT_OFFSET_ALL_VISIBLE] != 0;
    int n = scratch->item_count;
    size_t total = items_size(scratch, 0, n);
    PageId left_id = bp_page_id(left);
    PageId right_id = bp_page_id(right);
    if (total <= BT_USABLE_SIZE) {
        /* merge right into left */
        if (leaf) {
            PageId right_right = bt_right(right_old);
            write_page(&ctx->mtr, left, scratch, 0, n, 0, 0, bt_left(left_old), right_right,
                       PAGE_ID_NONE, max_xid, all_visible);
            if (right_right != PAGE_ID_NONE) {
                VERIFY(ctx->neighbor != NULL && bp_page_id(ctx->neighbor) == right_right);
                bt_log_set_links(&ctx->mtr, ctx->neighbor, left_id,
                                 bt_right(bp_data(ctx->neighbor)));
            }
        } else {
            write_page(&ctx->mtr, left, scratch, 0, n, level, 0, PAGE_ID_NONE, PAGE_ID_NONE,
                       bt_leftmost(left_old), 0, false);
        }
        fsm_free(&ctx->mtr, right);
        (void)FAILPOINT("bt.merge.mid");
        free(scratch);
        return apply_change(ctx, level + 1, CH_DELETE, sep_slot, NULL, 0);
    }
    int m = choose_split(scratch, leaf, false);
    if (leaf) {
        write_page(&ctx->mtr, left, scratch, 0, m, 0, 0, bt_left(left_old), right_id, PAGE_ID_NONE,
                   max_xid, all_visible);
        write_page(&ctx->mtr, right, scratch, m, n, 0, 0, left_id, bt_right(right_old),
                   PAGE_ID_NONE, max_xid, all_visible);
    } else {
        write_page(&ctx->mtr, left, scratch, 0, m, level, 0, PAGE_ID_NONE, PAGE_ID_NONE,
                   bt_leftmost(left_old), 0, false);
        write_page(&ctx->mtr, right, scratch, m + 1, n, level, 0, PAGE_ID_NONE, PAGE_ID_NONE,
                   bt_inner_cell_child(scratch->items[m].cell), 0, false);
    }
    (void)FAILPOINT("bt.merge.mid");
    size_t new_sep_size = make_separator(scratch, m, leaf, right_id, scratch->extra[1]);
    err = apply_change(ctx, level + 1, CH_REPLACE, sep_slot, scratch->extra[1], new_sep_size);
    free(scratch);
    return err;
}

/* redistribute_grow: a leaf too full for an insert (or a growing update) shares its cells
 * with its sibling under the same parent: the change is applied to the gathered cells of both,
 * they are cut in two balanced halves, both pages are rewritten (their links stay) and the
 * parent's separator is replaced. Keeps random inserts from leaving leaves ~2/3 full. */
static Error *redistribute_grow(Ctx *ctx, int kind, int slot_idx, const uint8_t *cell,
                                size_t cell_size)
{
    Level *node = &ctx->levels[0];
    VERIFY(node->sibling != NULL && ctx->top > 0);
    bool node_is_left = node->child_idx < node->sibling_idx;
    Frame *left = node_is_left ? node->frame : node->sibling;
    Frame *right = node_is_left ? node->sibling : node->frame;
    int sep_slot = (node_is_left ? node->sibling_idx : node->child_idx) - 1;
    Scratch *scratch = malloc(sizeof *scratch);
    if (scratch == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    scratch->item_count = 0;
    Error *err = gather(scratch, 0, bp_data(left), bp_page_id(left));
    VERIFY(err == NULL);
    int left_count = scratch->item_count;
    err = gather(scratch, 1, bp_data(right), bp_page_id(right));
    VERIFY(err == NULL);
    int at = node_is_left ? slot_idx : left_count + slot_idx;
    memcpy(scratch->extra[0], cell, cell_size);
    if (kind == CH_REPLACE) items_remove(scratch, at);
    items_insert(scratch, at, scratch->extra[0], cell_size);
    const uint8_t *left_old = scratch->pages[0];
    const uint8_t *right_old = scratch->pages[1];
    int n = scratch->item_count;
    int m = choose_split(scratch, true, false);
    PageId left_id = bp_page_id(left);
    PageId right_id = bp_page_id(right);
    /* cells move between the pages: both take the larger max_xid, all-visible only if both were */
    uint64_t max_xid = bt_max_xid(left_old) > bt_max_xid(right_old) ? bt_max_xid(left_old)
                                                                    : bt_max_xid(right_old);
    bool all_visible = left_old[BT_OFFSET_ALL_VISIBLE] != 0 && right_old[BT_OFFSET_ALL_VISIBLE] != 0;
    write_page(&ctx->mtr, left, scratch, 0, m, 0, 0, bt_left(left_old), right_id, PAGE_ID_NONE,
               max_xid, all_visible);
    write_page(&ctx->mtr, right, scratch, m, n, 0, 0, left_id, bt_right(right_old), PAGE_ID_NONE,
               max_xid, all_visible);
    size_t sep_size = make_separator(scratch, m, true, right_id, scratch->extra[1]);
    err = apply_change(ctx, 1, CH_REPLACE, sep_slot, scratch->extra[1], sep_size);
    free(scratch);
    return err;
}

/* cut_near: the item index m (lo < m < hi) whose prefix size items_size(0, m) is nearest to
 * target. */
static int cut_near(const Scratch *scratch, int lo, int hi, size_t target)
{
    size_t prefix = items_size(scratch, 0, lo + 1);
    int best = lo + 1;
    size_t best_diff = prefix > target ? prefix - target : target - prefix;
    for (int m = lo + 2; m < hi; m++) {
        prefix += scratch->items[m - 1].size + 2;
        size_t diff = prefix > target ? prefix - target : target - prefix;
        if (diff >= best_diff && prefix > target) break;
        if (diff < best_diff) {
            best_diff = diff;
            best = m;
        }
    }
    return best;
}

/* split_three: a leaf too full for an insert (or a growing update) whose sibling under the
 * same parent is too full to share with: the cells of both pages and the change are cut into
 * three parts of about 2/3 of a page each, on the two pages and the new page between them
 * (so no page outside the three changes its links), and the parent gets one separator
 * replaced and one inserted. A plain split leaves two half-full pages next to a full one; this
 * is what keeps random inserts from leaving leaves ~3/4 full (they end up ~5/6 full).
 * Returns false, having changed nothing, when it does not apply: an append at the end of the
 * leaf (split_node's uneven split suits ascending keys better), a parent without room for
 * both separators (it would have to split between the two changes), or parts that would not
 * fit or would be underfull. Pre: prepare allocated one new page; the sibling is latched. */
static bool split_three(Ctx *ctx, int kind, int slot_idx, const uint8_t *cell, size_t cell_size,
                        Error **err_out)
{
    *err_out = NULL;
    Level *node = &ctx->levels[0];
    if (node->sibling == NULL || ctx->top < 1 || ctx->new_used >= ctx->new_count) return false;
    if (kind == CH_INSERT && slot_idx == bt_count(bp_data(node->frame))) return false;
    Frame *parent = ctx->levels[1].frame;
    if (bt_free_size(bp_data(parent)) < BT_INNER_CELL_MAX + 2) return false;
    bool node_is_left = node->child_idx < node->sibling_idx;
    Frame *left = node_is_left ? node->frame : node->sibling;
    Frame *right = node_is_left ? node->sibling : node->frame;
    int sep_slot = (node_is_left ? node->sibling_idx : node->child_idx) - 1;
    size_t old_sep_size = 0;
    VERIFY(bt_cell_at(bp_data(parent), sep_slot, &old_sep_size) != NULL);
    Scratch *scratch = malloc(sizeof *scratch);
    if (scratch == NULL) {
        *err_out = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        return true;
    }
    scratch->item_count = 0;
    Error *err = gather(scratch, 0, bp_data(left), bp_page_id(left));
    VERIFY(err == NULL);   /* validated by pin_x */
    int left_count = scratch->item_count;
    err = gather(scratch, 1, bp_data(right), bp_page_id(right));
    VERIFY(err == NULL);
    int at = node_is_left ? slot_idx : left_count + slot_idx;
    memcpy(scratch->extra[0], cell, cell_size);
    if (kind == CH_REPLACE) items_remove(scratch, at);
    items_insert(scratch, at, scratch->extra[0], cell_size);
    int n = scratch->item_count;
    size_t total = items_size(scratch, 0, n);
    int m1 = n >= 3 ? cut_near(scratch, 0, n - 1, total / 3) : 0;
    int m2 = m1 > 0 ? cut_near(scratch, m1, n, total - total / 3) : 0;
    size_t size1 = m1 > 0 ? items_size(scratch, 0, m1) : 0;
    size_t size2 = m2 > m1 ? items_size(scratch, m1, m2) : 0;
    size_t size3 = total - size1 - size2;
    bool parts_ok = m1 > 0 && m2 > m1 && m2 < n && size1 >= BT_FILL_MIN && size1 <= BT_USABLE_SIZE &&
                    size2 >= BT_FILL_MIN && size2 <= BT_USABLE_SIZE && size3 >= BT_FILL_MIN &&
                    size3 <= BT_USABLE_SIZE;
    uint8_t sep_middle[BT_INNER_CELL_MAX];
    uint8_t sep_right[BT_INNER_CELL_MAX];
    Frame *middle = ctx->new_pages[ctx->new_used];
    PageId left_id = bp_page_id(left);
    PageId middle_id = bp_page_id(middle);
    PageId right_id = bp_page_id(right);
    size_t sep_middle_size = 0, sep_right_size = 0;
    if (parts_ok) {
        sep_middle_size = make_separator(scratch, m1, true, middle_id, sep_middle);
        sep_right_size = make_separator(scratch, m2, true, right_id, sep_right);
        /* the parent must take both without splitting: replace (net growth) then insert */
        parts_ok = bt_free_size(bp_data(parent)) + old_sep_size >= sep_middle_size + sep_right_size + 2;
    }
    if (!parts_ok) {
        free(scratch);
        return false;
    }
    (void)take_new_page(ctx);
    const uint8_t *left_old = scratch->pages[0];
    const uint8_t *right_old = scratch->pages[1];
    uint64_t max_xid = bt_max_xid(left_old) > bt_max_xid(right_old) ? bt_max_xid(left_old)
                                                                    : bt_max_xid(right_old);
    bool all_visible = left_old[BT_OFFSET_ALL_VISIBLE] != 0 && right_old[BT_OFFSET_ALL_VISIBLE] != 0;
    write_page(&ctx->mtr, left, scratch, 0, m1, 0, 0, bt_left(left_old), middle_id, PAGE_ID_NONE,
               max_xid, all_visible);
    write_page(&ctx->mtr, middle, scratch, m1, m2, 0, 0, left_id, right_id, PAGE_ID_NONE, max_xid,
               all_visible);
    write_page(&ctx->mtr, right, scratch, m2, n, 0, 0, middle_id, bt_right(right_old),
               PAGE_ID_NONE, max_xid, all_visible);
    (void)FAILPOINT("bt.split.after_alloc");
    /* cell sep_slot pointed to right: now it starts middle, and a new cell starts right */
    bt_log_replace(&ctx->mtr, parent, sep_slot, sep_middle, sep_middle_size);
    bt_log_insert(&ctx->mtr, parent, sep_slot + 1, sep_right, sep_right_size);
    free(scratch);
    return true;
}

/* split_append: the insert goes past the last key of the rightmost leaf, which is full. As
 * SQLite and PostgreSQL do for ascending keys, nothing moves: a new rightmost leaf gets just the
 * new cell, the old leaf stays full and only its right link changes, and the parent gets a
 * separator. The log is a few small records (the new page's PAGE_INIT from fsm_alloc, FORMAT,
 * INSERT, SET_LINKS, the parent's INSERT) instead of two rewritten pages, and ascending keys
 * leave full leaves behind. The new leaf is below BT_FILL_MIN until it fills up: pages on the
 * right edge of a level are exempt from the fill minimum (btree_int.h invariant 3). Pre:
 * prepare set append_split (leaf not the root, no right sibling, slot == count) and allocated
 * the new page; the parent is held (ctx->top >= 1). */
static Error *split_append(Ctx *ctx, const uint8_t *cell, size_t cell_size)
{
    Frame *frame = ctx->levels[0].frame;
    const uint8_t *page = bp_data(frame);
    PageId page_id = bp_page_id(frame);
    int count = bt_count(page);
    VERIFY(ctx->top >= 1 && count > 0 && bt_right(page) == PAGE_ID_NONE && !bt_is_root(page));
    size_t last_size = 0;
    const uint8_t *last = bt_cell_at(page, count - 1, &last_size);
    VERIFY(last != NULL);   /* validated by pin_x */
    Frame *right = take_new_page(ctx);
    PageId right_id = bp_page_id(right);
    const uint8_t *key = bt_leaf_cell_key(cell);
    size_t key_size = bt_cell_key_size(cell);
    size_t sep_key_size = leaf_separator(bt_leaf_cell_key(last), bt_cell_key_size(last), key,
                                         key_size);
    uint8_t sep[BT_INNER_CELL_MAX];
    size_t sep_size = bt_inner_cell_build(sep, key, sep_key_size, right_id);
    /* the new row is not visible to everyone yet: the new leaf is not all-visible */
    bt_log_format(&ctx->mtr, right, PAGE_TYPE_BT_LEAF, 0, 0, page_id, PAGE_ID_NONE, PAGE_ID_NONE,
                  bt_max_xid(page), false);
    bt_log_insert(&ctx->mtr, right, 0, cell, cell_size);
    bt_log_set_links(&ctx->mtr, frame, bt_left(page), right_id);
    (void)FAILPOINT("bt.split.after_alloc");
    ctx->append_leaf = right_id;
    return apply_change(ctx, 1, CH_INSERT, ctx->levels[0].child_idx, sep, sep_size);
}

/* apply_change: one change to the node at level; splits, merges or redistributes as needed. */
static Error *apply_change(Ctx *ctx, int level, int kind, int slot_idx, const uint8_t *cell,
                           size_t cell_size)
{
    Frame *frame = ctx->levels[level].frame;
    const uint8_t *page = bp_data(frame);
    size_t old_size = 0;
    if (kind != CH_INSERT) VERIFY(bt_cell_at(page, slot_idx, &old_size) != NULL);
    size_t free_size = bt_free_size(page);
    size_t used_before = bt_used_size(page);
    bool fits = kind == CH_DELETE || (kind == CH_INSERT ? free_size >= cell_size + 2
                                                        : free_size + old_size >= cell_size);
    if (!fits && level == 0 && ctx->append_split && kind == CH_INSERT) {
        return split_append(ctx, cell, cell_size);
    }
    if (!fits && level == 0 && ctx->redistribute) {
        return redistribute_grow(ctx, kind, slot_idx, cell, cell_size);
    }
    if (!fits && level == 0) {
        Error *err = NULL;
        if (split_three(ctx, kind, slot_idx, cell, cell_size, &err)) return err;
    }
    if (!fits) return split_node(ctx, level, kind, slot_idx, cell, cell_size);
    switch (kind) {
    case CH_INSERT: bt_log_insert(&ctx->mtr, frame, slot_idx, cell, cell_size); break;
    case CH_REPLACE: bt_log_replace(&ctx->mtr, frame, slot_idx, cell, cell_size); break;
    default: bt_log_delete(&ctx->mtr, frame, slot_idx); break;
    }
    page = bp_data(frame);
    if (bt_is_root(page)) {
        if (level > 0 && bt_count(page) == 0) collapse_root(ctx, level);
        return NULL;
    }
    /* a page that did not shrink keeps its fill (a right-edge page below BT_FILL_MIN after an
     * append split only grows until a delete shrinks it) */
    size_t used_after = bt_used_size(page);
    if (used_after < used_before && used_after < BT_FILL_MIN) return fix_underflow(ctx, level);
    return NULL;
}

/* ---- pessimistic path ---- */

static bool inner_safe(const uint8_t *page, bool shrinking)
{
    size_t free_size = bt_free_size(page);
    if (free_size < BT_INNER_CELL_MAX + 2) return false;
    if (!shrinking) return true;
    if (bt_is_root(page)) return bt_count(page) >= 2;
    return bt_used_size(page) >= BT_FILL_MIN + BT_INNER_CELL_MAX + 2;
}

static void release_above(Ctx *ctx, int level)
{
    for (int above = ctx->top; above > level; above--) {
        if (ctx->levels[above].sibling != NULL) mtr_release(&ctx->mtr, ctx->levels[above].sibling);
        mtr_release(&ctx->mtr, ctx->levels[above].frame);
        ctx->levels[above] = (Level){0};
    }
    if (ctx->levels[level].sibling != NULL) {
        mtr_release(&ctx->mtr, ctx->levels[level].sibling);
        ctx->levels[level].sibling = NULL;
    }
    ctx->top = level;
    ctx->top_is_root = bt_is_root(bp_data(ctx->levels[level].frame));
}

static Error *pin_x(Ctx *ctx, PageId page_id, int level, Frame **frame_out)
{
    /* keep room for the pages a structure change may allocate below the held levels */
    if (ctx->mtr.frame_count + 1 + (ctx->top - level + 4) > MTR_FRAME_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "B+ tree operation latches too many pages");
    }
    TRY(mtr_pin(&ctx->mtr, page_id, LATCH_EXCLUSIVE, frame_out));
    Error *err = bt_page_validate(bp_data(*frame_out), page_id, level);
    if (err == NULL) err = bt_page_validate_cells(bp_data(*frame_out), page_id);
    if (err != NULL) mtr_release(&ctx->mtr, *frame_out);
    return err;
}

/* descend_pessimistic: X latches from the root to the leaf, keeping the unsafe suffix. */
static Error *descend_pessimistic(Ctx *ctx, bool shrinking, LeafPlan *plan)
{
    BTree *tree = ctx->tree;
    Frame *root = NULL;
    TRY(mtr_pin(&ctx->mtr, tree->root, LATCH_EXCLUSIVE, &root));
    Error *err = bt_page_validate(bp_data(root), tree->root, -1);
    if (err == NULL) err = bt_page_validate_cells(bp_data(root), tree->root);
    if (err != NULL) return err;
    int level = bt_level(bp_data(root));
    if (level >= BT_HEIGHT_MAX) return bt_corrupt(tree->root, "tree too high");
    ctx->top = level;
    ctx->top_is_root = true;
    ctx->levels[level] = (Level){.frame = root};
    while (level > 0) {
        const uint8_t *page = bp_data(ctx->levels[level].frame);
        PageId page_id = bp_page_id(ctx->levels[level].frame);
        int child_idx = 0;
        PageId child_id = PAGE_ID_NONE;
        TRY(bt_inner_child_for(page, page_id, ctx->op->key, ctx->op->key_size, &child_idx,
                               &child_id));
        Level next = {.child_idx = child_idx, .sibling_idx = -1};
        int count = bt_count(page);
        /* growing operations latch the leaf's sibling too, to redistribute instead of split */
        if ((shrinking || level == 1) && count >= 1) {
            int sibling_idx = child_idx < count ? child_idx + 1 : child_idx - 1;
            PageId sibling_id = bt_inner_child_at(page, sibling_idx);
            next.sibling_idx = sibling_idx;
            if (sibling_idx < child_idx) {
                TRY(pin_x(ctx, sibling_id, level - 1, &next.sibling));
                TRY(pin_x(ctx, child_id, level - 1, &next.frame));
            } else {
                TRY(pin_x(ctx, child_id, level - 1, &next.frame));
                TRY(pin_x(ctx, sibling_id, level - 1, &next.sibling));
            }
        } else {
            TRY(pin_x(ctx, child_id, level - 1, &next.frame));
        }
        level--;
        ctx->levels[level] = next;
        const uint8_t *child = bp_data(next.frame);
        bool safe = false;
        if (level == 0) {
            TRY(leaf_plan(child, child_id, ctx->op, plan));
            safe = plan->fits && !plan->underflow;
        } else {
            safe = inner_safe(child, shrinking);
        }
        if (safe) release_above(ctx, level);
    }
    if (ctx->top == 0 && ctx->levels[0].frame == root) {
        TRY(leaf_plan(bp_data(root), tree->root, ctx->op, plan));
    }
    return NULL;
}

static Frame *held_frame(Ctx *ctx, PageId page_id)
{
    for (int level = 0; level <= ctx->top; level++) {
        if (ctx->levels[level].frame != NULL && bp_page_id(ctx->levels[level].frame) == page_id) {
            return ctx->levels[level].frame;
        }
        if (ctx->levels[level].sibling != NULL &&
            bp_page_id(ctx->levels[level].sibling) == page_id) {
            return ctx->levels[level].sibling;
        }
    }
    return NULL;
}

/* redistribute_cell_max: the largest cell of the leaf, its sibling and the new cell. Two pages
 * holding `total` bytes of items split with both halves <= (total + largest item) / 2, so a
 * redistribution is sure to fit when total + largest item <= two pages. */
static size_t redistribute_cell_max(const Ctx *ctx)
{
    size_t largest = ctx->op->cell_size;
    Frame *frames[2] = {ctx->levels[0].frame, ctx->levels[0].sibling};
    for (int frame_idx = 0; frame_idx < 2; frame_idx++) {
        const uint8_t *page = bp_data(frames[frame_idx]);
        int count = bt_count(page);
        for (int slot_idx = 0; slot_idx < count; slot_idx++) {
            size_t cell_size = 0;
            /* cells were validated by pin_x (bt_page_validate_cells) */
            if (bt_cell_at(page, slot_idx, &cell_size) != NULL && cell_size > largest) {
                largest = cell_size;
            }
        }
    }
    return largest;
}

/* prepare: pin the leaf neighbour and allocate the new pages the change may need, before any
 * page is modified. */
static Error *prepare(Ctx *ctx, const LeafPlan *plan)
{
    int need = 0;
    const uint8_t *leaf = bp_data(ctx->levels[0].frame);
    PageId neighbor_id = PAGE_ID_NONE;
    bool count_all = true;
    const uint8_t *parent = ctx->top > 0 ? bp_data(ctx->levels[1].frame) : NULL;
    ctx->append_split = !plan->fits && parent != NULL && ctx->op->kind == OP_INSERT &&
                        !bt_is_root(leaf) && bt_right(leaf) == PAGE_ID_NONE &&
                        bt_count(leaf) > 0 && plan->slot_idx == bt_count(leaf);
    if (!plan->fits && !ctx->append_split && parent != NULL && ctx->levels[0].sibling != NULL &&
        plan->used_after + bt_used_size(bp_data(ctx->levels[0].sibling)) <= BT_REDISTRIBUTE_MAX &&
        (bt_is_root(parent) || bt_used_size(parent) >= BT_FILL_MIN + BT_INNER_CELL_MAX + 2) &&
        plan->used_after + bt_used_size(bp_data(ctx->levels[0].sibling)) +
                redistribute_cell_max(ctx) + 2 <= 2 * BT_USABLE_SIZE) {
        /* (a shorter separator then cannot leave the parent underfull: its sibling is not
         * latched, so it could not be fixed) */
        /* no new leaf: the parent's separator may still grow and split the levels above */
        ctx->redistribute = true;
        count_all = false;
    } else if (!plan->fits) {
        need = ctx->top == 0 ? 2 : 1;
        if (ctx->top > 0) neighbor_id = bt_right(leaf);
        count_all = false;
    } else if (plan->underflow) {
        Level *node = &ctx->levels[0];
        VERIFY(node->sibling != NULL);
        size_t sibling_used = bt_used_size(bp_data(node->sibling));
        if (plan->used_after + sibling_used <= BT_USABLE_SIZE) {
            Frame *right = node->child_idx < node->sibling_idx ? node->sibling : node->frame;
            neighbor_id = bt_right(bp_data(right));
        }
    }
    if (plan->underflow || !plan->fits) {
        for (int level = 1; level <= ctx->top; level++) {
            const uint8_t *page = bp_data(ctx->levels[level].frame);
            if (bt_free_size(page) < BT_INNER_CELL_MAX + 2) {
                need += bt_is_root(page) ? 2 : 1;
            } else if (!count_all) {
                break;
            }
        }
    }
    if (neighbor_id != PAGE_ID_NONE) {
        ctx->neighbor = held_frame(ctx, neighbor_id);
        if (ctx->neighbor == NULL) TRY(pin_x(ctx, neighbor_id, 0, &ctx->neighbor));
    }
    VERIFY(need <= NEW_PAGE_MAX);
    for (int page_idx = 0; page_idx < need; page_idx++) {
        Frame *frame = NULL;
        Error *err = fsm_alloc(&ctx->mtr, PAGE_TYPE_BT_LEAF, 0, &frame);
        if (err != NULL) return err;
        ctx->new_pages[ctx->new_count++] = frame;
    }
    return NULL;
}

/* finish: free unused new pages, commit (or abort if nothing changed). */
static Error *finish(Ctx *ctx, Error *err)
{
    for (int page_idx = ctx->new_used; page_idx < ctx->new_count; page_idx++) {
        fsm_free(&ctx->mtr, ctx->new_pages[page_idx]);
    }
    if (mtr_is_modified(&ctx->mtr)) {
        Error *commit_err = mtr_commit(&ctx->mtr);
        if (err == NULL) return commit_err;
        if (commit_err != NULL) err_free(commit_err);
        return err;
    }
    mtr_abort(&ctx->mtr);
    return err;
}

static Error *run_pessimistic(BTree *tree, Op *op)
{
    /* on the stack (~4 KiB): a heap block per structure change cost a fresh page fault each
     * while the heap grows under a bulk insert's undo entries */
    Ctx ctx_memory;
    Ctx *ctx = &ctx_memory;
    memset(ctx, 0, sizeof *ctx);
    ctx->tree = tree;
    ctx->op = op;
    mtr_begin(&ctx->mtr, tree->store);
    bool shrinking = op->kind != OP_INSERT;
    LeafPlan plan = {0};
    Error *err = descend_pessimistic(ctx, shrinking, &plan);
    if (err == NULL) {
        if (op->kind == OP_INSERT && plan.exact) {
            err = err_new(SQLSTATE_UNIQUE_VIOLATION, "duplicate key in B+ tree");
        } else if (op->kind != OP_INSERT && !plan.exact) {
            op->found = false;
        } else {
            op->found = true;
            err = prepare(ctx, &plan);
            if (err == NULL) {
                int kind = op->kind == OP_INSERT ? CH_INSERT
                                                 : (op->kind == OP_UPDATE ? CH_REPLACE : CH_DELETE);
                err = apply_change(ctx, 0, kind, plan.slot_idx, op->cell, op->cell_size);
            }
        }
    }
    err = finish(ctx, err);
    if (err == NULL && ctx->append_leaf != PAGE_ID_NONE) {
        append_hint_set(tree, ctx->append_leaf, ctx->mtr.lsn);
    }
    return err;
}

/* run_op: the optimistic attempt, then the pessimistic path if the leaf must split or merge. */
static Error *run_op(BTree *tree, Op *op)
{
    Mtr mtr;
    mtr_begin(&mtr, tree->store);
    Frame *leaf = NULL;
    Error *err = write_descend_optimistic(tree, &mtr, op->key, op->key_size, &leaf);
    if (err != NULL) {
        mtr_abort(&mtr);
        return err;
    }
    LeafPlan plan = {0};
    err = leaf_plan(bp_data(leaf), bp_page_id(leaf), op, &plan);
    if (err != NULL) {
        mtr_abort(&mtr);
        return err;
    }
    if (op->kind == OP_INSERT && plan.exact) {
        mtr_abort(&mtr);
        return err_new(SQLSTATE_UNIQUE_VIOLATION, "duplicate key in B+ tree");
    }
    if (op->kind != OP_INSERT && !plan.exact) {
        mtr_abort(&mtr);
        op->found = false;
        return NULL;
    }
    if (plan.fits && !plan.underflow) {
        const uint8_t *page = bp_data(leaf);
        size_t gap = (size_t)bt_cell_start(page) - BT_HEADER_SIZE - 2u * bt_count(page);
        if (op->kind != OP_DELETE && gap < op->cell_size + 2) {
            /* the change compacts the page: every cell must be sound first */
            err = bt_page_validate_cells(page, bp_page_id(leaf));
            if (err != NULL) {
                mtr_abort(&mtr);
                return err;
            }
        }
        op->found = true;
        /* an insert past the last key of the rightmost leaf: the append cursor's next hint */
        bool at_end = op->kind == OP_INSERT && bt_right(page) == PAGE_ID_NONE &&
                      plan.slot_idx == bt_count(page);
        PageId leaf_id = bp_page_id(leaf);
        leaf_apply_simple(&mtr, leaf, op, &plan);
        err = mtr_commit(&mtr);
        if (err == NULL && at_end) append_hint_set(tree, leaf_id, mtr.lsn);
        return err;
    }
    mtr_abort(&mtr);
    return run_pessimistic(tree, op);
}

/* ---- public operations ---- */

static Error *check_sizes(size_t key_size, size_t value_size)
{
    if (key_size > BT_KEY_SIZE_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                       "index key size %zu exceeds the maximum %d", key_size, BT_KEY_SIZE_MAX);
    }
    if (value_size > BT_VALUE_SIZE_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "value size %zu exceeds the maximum %zu",
                       value_size, (size_t)BT_VALUE_SIZE_MAX);
    }
    return NULL;
}

/* build_cell: the leaf cell of (key, value), writing an overflow chain first if needed. */
static Error *build_cell(BTree *tree, Op *op, const uint8_t *value, size_t value_size,
                         PageId *chain_out)
{
    *chain_out = PAGE_ID_NONE;
    if (!bt_leaf_value_inline(op->key_size, value_size)) {
        TRY(bt_overflow_write(tree->store, value, value_size, chain_out));
    }
    op->cell_size = bt_leaf_cell_build(op->cell, op->key, op->key_size, value_size, value,
                                       *chain_out);
    return NULL;
}

static Error *free_chain_after(BTree *tree, Error *err, bool free_it, PageId first, size_t size)
{
    if (!free_it || first == PAGE_ID_NONE) return err;
    Error *free_err = bt_overflow_free(tree->store, first, size);
    if (err == NULL) return free_err;
    if (free_err != NULL) err_free(free_err);
    return err;
}

Error *bt_insert(BTree *tree, const uint8_t *key, size_t key_size, const uint8_t *value,
                 size_t value_size)
{
    TRY(check_sizes(key_size, value_size));
    Op op;
    op_init(&op, OP_INSERT, key, key_size);
    PageId chain = PAGE_ID_NONE;
    TRY(build_cell(tree, &op, value, value_size, &chain));
    bool done = false;
    Error *err = append_try(tree, &op, &done);
    if (!done) err = run_op(tree, &op);
    /* on error (e.g. a duplicate) the new chain is referenced by nothing */
    return free_chain_after(tree, err, err != NULL, chain, value_size);
}

Error *bt_update(BTree *tree, const uint8_t *key, size_t key_size, const uint8_t *value,
                 size_t value_size, bool *found_out)
{
    TRY(check_sizes(key_size, value_size));
    Op op;
    op_init(&op, OP_UPDATE, key, key_size);
    PageId chain = PAGE_ID_NONE;
    TRY(build_cell(tree, &op, value, value_size, &chain));
    Error *err = run_op(tree, &op);
    *found_out = err == NULL && op.found;
    if (err != NULL || !op.found) return free_chain_after(tree, err, true, chain, value_size);
    return free_chain_after(tree, NULL, op.old_overflow, op.old_overflow_first,
                            op.old_value_size);
}

Error *bt_delete(BTree *tree, const uint8_t *key, size_t key_size, bool *found_out)
{
    TRY(check_sizes(key_size, 0));
    Op op;
    op_init(&op, OP_DELETE, key, key_size);
    Error *err = run_op(tree, &op);
    *found_out = err == NULL && op.found;
    if (err != NULL || !op.found) return err;
    return free_chain_after(tree, NULL, op.old_overflow, op.old_overflow_first,
                            op.old_value_size);
}

Error *bt_get(BTree *tree, const uint8_t *key, size_t key_size, BtBuf *value_out,
              bool *found_out)
{
    *found_out = false;
    if (key_size > BT_KEY_SIZE_MAX) return check_sizes(key_size, 0);
    Frame *leaf = NULL;
    TRY(read_descend(tree, key, key_size, &leaf));
    const uint8_t *page = bp_data(leaf);
    int slot_idx = 0;
    bool exact = false;
    Error *err = bt_page_search(page, bp_page_id(leaf), key, key_size, &slot_idx, &exact);
    if (err == NULL && exact) {
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(page, slot_idx, &cell_size);
        err = bt_leaf_value_copy(tree->pool, cell, value_out);
        *found_out = err == NULL;
    }
    bt_read_unpin(tree->pool, leaf);
    return err;
}

Error *bt_patch(BTree *tree, const uint8_t *key, size_t key_size, size_t value_offset,
                const uint8_t *bytes, size_t size, bool *found_out)
{
    *found_out = false;
    TRY(check_sizes(key_size, 0));
    Mtr mtr;
    mtr_begin(&mtr, tree->store);
    Frame *leaf = NULL;
    Error *err = write_descend_optimistic(tree, &mtr, key, key_size, &leaf);
    if (err != NULL) {
        mtr_abort(&mtr);
        return err;
    }
    const uint8_t *page = bp_data(leaf);
    int slot_idx = 0;
    bool exact = false;
    err = bt_page_search(page, bp_page_id(leaf), key, key_size, &slot_idx, &exact);
    if (err == NULL && exact) {
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(page, slot_idx, &cell_size);
        size_t value_size = bt_leaf_cell_value_size(cell);
        *found_out = true;
        if (value_offset > value_size || size > value_size - value_offset) {
            err = err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "patch range outside the value");
        } else if (size > 0 && (bt_leaf_cell_flags(cell) & BT_CELL_OVERFLOW) == 0) {
            size_t offset = (size_t)(bt_leaf_cell_value(cell) - page) + value_offset;
            mtr_log_bytes(&mtr, leaf, (uint16_t)offset, bytes, size);
        } else if (size > 0) {
            err = bt_overflow_patch(&mtr, bt_leaf_cell_overflow(cell), value_size, value_offset,
                                    bytes, size);
        }
    }
    if (mtr_is_modified(&mtr)) {
        Error *commit_err = mtr_commit(&mtr);
        if (err == NULL) return commit_err;
        if (commit_err != NULL) err_free(commit_err);
        return err;
    }
    mtr_abort(&mtr);
    return err;
}
