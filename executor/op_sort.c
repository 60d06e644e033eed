/* executor/op_sort.c: ORDER BY (full sort and top-N).
 *
 * The input is materialized into a RowStore; every row's sort keys are encoded once into one
 * normalized key (op_heavy_int.h: storage/key.h's order-preserving encoding with each key's
 * KeyDir, so DESC and NULLS FIRST/LAST, C-collation text and NaN-above-everything floats are
 * all plain memcmp order). Entries (key, row id) are sorted by (key, row id): the row id is the
 * arrival order, so the sort is stable. Output gathers the rows in entry order.
 *
 * Top-N (plan->limit set to a constant n > 0, plus a constant offset m): a max-heap keeps the
 * n + m smallest entries; when the buffer holds many more rows than that it is compacted to the
 * heap's rows. The node emits those n + m rows in order; the PLAN_LIMIT above applies the
 * offset and the limit.
 *
 * Memory: rows and keys count against work_mem; beyond it the sort fails with 53200 (external
 * merge sort is not built yet). */
#include <stdlib.h>
#include <string.h>

#include "executor/op_heavy_int.h"

enum { SORT_COMPACT_ROWS_MIN = 8192 };

typedef struct SortEntry {
    uint64_t       prefix[2];  /* the key's first 16 bytes, big-endian, zero-padded */
    const uint8_t *key;
    uint32_t       key_size;
    uint32_t       row_id;
} SortEntry;

typedef struct Sort {
    Op          base;
    uint32_t    key_count;
    ExprState **keys;
    KeyDir     *dirs;
    Arena      *batch;
    Arena      *key_arena;
    RowStore      rows;
    SortEntry  *entries;
    size_t      entry_count;
    size_t      entry_capacity;
    uint64_t    bound;          /* top-N: entries kept; 0 = all */
    bool        sorted;
    size_t      out_cursor;
} Sort;

static uint64_t key_prefix(const uint8_t *key, uint32_t key_size, uint32_t from)
{
    uint64_t prefix = 0;
    for (uint32_t byte_idx = from; byte_idx < from + 8; byte_idx++) {
        prefix = prefix << 8 | (byte_idx < key_size ? key[byte_idx] : 0);
    }
    return prefix;
}

static int entry_cmp(const SortEntry *a, const SortEntry *b)
{
    if (a->prefix[0] != b->prefix[0]) return a->prefix[0] < b->prefix[0] ? -1 : 1;
    if (a->prefix[1] != b->prefix[1]) return a->prefix[1] < b->prefix[1] ? -1 : 1;
    if (a->key_size <= 16 && b->key_size <= 16) {
        /* equal prefixes: equal bytes up to the shorter key, which sorts first */
        if (a->key_size != b->key_size) return a->key_size < b->key_size ? -1 : 1;
        return (a->row_id > b->row_id) - (a->row_id < b->row_id);
    }
    int order = key_compare(a->key, a->key_size, b->key, b->key_size);
    if (order != 0) return order;
    return (a->row_id > b->row_id) - (a->row_id < b->row_id);
}

static int entry_qsort_cmp(const void *a, const void *b) { return entry_cmp(a, b); }

static int entry_id_cmp(const void *a, const void *b)
{
    uint32_t x = ((const SortEntry *)a)->row_id, y = ((const SortEntry *)b)->row_id;
    return (x > y) - (x < y);
}

/* ---- the top-N heap: entries[0] is the largest ---- */

static void heap_sift_down(SortEntry *heap, size_t count, size_t idx)
{
    for (;;) {
        size_t largest = idx, left = 2 * idx + 1, right = left + 1;
        if (left < count && entry_cmp(&heap[left], &heap[largest]) > 0) largest = left;
        if (right < count && entry_cmp(&heap[right], &heap[largest]) > 0) largest = right;
        if (largest == idx) return;
        SortEntry tmp = heap[idx];
        heap[idx] = heap[largest];
        heap[largest] = tmp;
        idx = largest;
    }
}

static void heap_sift_up(SortEntry *heap, size_t idx)
{
    while (idx > 0) {
        size_t parent = (idx - 1) / 2;
        if (entry_cmp(&heap[idx], &heap[parent]) <= 0) return;
        SortEntry tmp = heap[idx];
        heap[idx] = heap[parent];
        heap[parent] = tmp;
        idx = parent;
    }
}

static Error *reserve_entries(Sort *sort, size_t count)
{
    if (count <= sort->entry_capacity) return NULL;
    size_t capacity = sort->entry_capacity == 0 ? 1024 : sort->entry_capacity;
    while (capacity < count) capacity *= 2;
    SortEntry *entries = realloc(sort->entries, capacity * sizeof(SortEntry));
    if (entries == NULL) return op_heavy_oom();
    sort->entries = entries;
    sort->entry_capacity = capacity;
    return NULL;
}

/* compact: keep only the heap's rows (in arrival order, so ids stay ordered). */
static Error *compact(Sort *sort)
{
    qsort(sort->entries, sort->entry_count, sizeof(SortEntry), entry_id_cmp);
    RowStore rows;
    TRY(op_rows_init(&rows, sort->rows.types, sort->rows.column_count, NULL));
    Arena *key_arena = arena_create(64 * 1024);
    Arena *scratch = arena_create(64 * 1024);
    Error *err = key_arena == NULL || scratch == NULL ? op_heavy_oom() : NULL;
    uint32_t column_count = sort->rows.column_count;
    Vector *columns = NULL;
    uint32_t ids[VEC_VALUE_COUNT_MAX];
    for (size_t done = 0; err == NULL && done < sort->entry_count;) {
        arena_reset(scratch);
        columns = arena_alloc(scratch, (column_count + 1) * sizeof(Vector));
        if (columns == NULL) { err = op_heavy_oom(); break; }
        uint32_t count = 0;
        while (done + count < sort->entry_count && count < VEC_VALUE_COUNT_MAX) {
            SortEntry *entry = &sort->entries[done + count];
            ids[count] = entry->row_id;
            uint8_t *key = arena_alloc(key_arena, entry->key_size + 1);
            if (key == NULL) { err = op_heavy_oom(); break; }
            memcpy(key, entry->key, entry->key_size);
            entry->key = key;
            entry->row_id = (uint32_t)(done + count);
            count++;
        }
        for (uint32_t col_idx = 0; err == NULL && col_idx < column_count; col_idx++) {
            vec_init(&columns[col_idx], sort->rows.types[col_idx], scratch);
            err = op_rows_gather(&sort->rows, col_idx, ids, count, &columns[col_idx]);
        }
        if (err == NULL) err = op_rows_append(&rows, columns, NULL, count);
        done += count;
    }
    arena_destroy(scratch);
    if (err != NULL) {
        arena_destroy(key_arena);
        op_rows_free(&rows);
        return err;
    }
    op_rows_free(&sort->rows);
    sort->rows = rows;
    arena_destroy(sort->key_arena);
    sort->key_arena = key_arena;
    /* back to a heap */
    for (size_t idx = sort->entry_count / 2; idx-- > 0;) {
        heap_sift_down(sort->entries, sort->entry_count, idx);
    }
    return NULL;
}

static Error *add_entry(Sort *sort, const uint8_t *key, uint32_t key_size, uint32_t row_id)
{
    SortEntry entry = { { key_prefix(key, key_size, 0), key_prefix(key, key_size, 8) }, key,
                        key_size, row_id };
    if (sort->bound > 0 && sort->entry_count == sort->bound) {
        if (entry_cmp(&entry, &sort->entries[0]) >= 0) return NULL;   /* not among the first n */
    }
    uint8_t *copy = arena_alloc(sort->key_arena, key_size + 1);
    if (copy == NULL) return op_heavy_oom();
    memcpy(copy, key, key_size);
    entry.key = copy;
    if (sort->bound > 0 && sort->entry_count == sort->bound) {
        sort->entries[0] = entry;
        heap_sift_down(sort->entries, sort->entry_count, 0);
        return NULL;
    }
    TRY(reserve_entries(sort, sort->entry_count + 1));
    sort->entries[sort->entry_count++] = entry;
    if (sort->bound > 0) heap_sift_up(sort->entries, sort->entry_count - 1);
    return NULL;
}

static Error *consume_chunk(Sort *sort, DataChunk *chunk)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    KeyBatch keys;
    TRY(op_keys_begin(&keys, sel, count, sort->batch));
    for (uint32_t key_idx = 0; key_idx < sort->key_count; key_idx++) {
        Vector value;
        TRY(expr_eval(sort->keys[key_idx], chunk, sort->batch, &value));
        TRY(op_keys_add(&keys, &value, sel, count, sort->dirs[key_idx]));
    }
    uint32_t first_id = sort->rows.row_count;
    TRY(op_rows_append(&sort->rows, chunk->columns, sel, count));
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        TRY(add_entry(sort, keys.bytes[row], keys.size[row], first_id + pos));
    }
    if (sort->bound > 0 && sort->rows.row_count > SORT_COMPACT_ROWS_MIN &&
        sort->rows.row_count > 4 * sort->entry_count) {
        TRY(compact(sort));
    }
    return NULL;
}

static size_t sort_size(const Sort *sort)
{
    return op_rows_size(&sort->rows) + arena_size(sort->key_arena) +
           sort->entry_capacity * sizeof(SortEntry);
}

static Error *consume(Sort *sort)
{
    for (;;) {
        arena_reset(sort->batch);
        DataChunk *chunk;
        TRY(exec_next(sort->base.left, &chunk));
        if (chunk == NULL) break;
        if (chunk_live_count(chunk) == 0) continue;
        TRY(consume_chunk(sort, chunk));
        TRY(op_heavy_check_mem(sort->base.ctx, sort_size(sort), "sort"));
    }
    if (sort->entry_count > 1) {
        qsort(sort->entries, sort->entry_count, sizeof(SortEntry), entry_qsort_cmp);
    }
    sort->sorted = true;
    return NULL;
}

/* eval_bound: n + m of a constant LIMIT n OFFSET m on the node (0: none). */
static Error *eval_bound(Sort *sort)
{
    const Plan *plan = sort->base.plan;
    sort->bound = 0;
    if (plan->limit == NULL) return NULL;
    int64_t limit, offset = 0;
    bool is_null, offset_null = true;
    TRY(op_heavy_eval_int(sort->base.ctx, plan->limit, sort->batch, &limit, &is_null));
    if (is_null || limit <= 0) return NULL;
    if (plan->offset != NULL) {
        TRY(op_heavy_eval_int(sort->base.ctx, plan->offset, sort->batch, &offset, &offset_null));
        if (offset_null || offset < 0) offset = 0;
    }
    if (limit > INT64_MAX / 2 || offset > INT64_MAX / 2) return NULL;
    uint64_t bound = (uint64_t)limit + (uint64_t)offset;
    if (bound < UINT32_MAX / 2) sort->bound = bound;
    return NULL;
}

static Error *sort_reset(Sort *sort)
{
    op_rows_clear(&sort->rows);
    arena_reset(sort->key_arena);
    sort->entry_count = 0;
    sort->sorted = false;
    sort->out_cursor = 0;
    return eval_bound(sort);
}

static Error *sort_open(Op *op)
{
    Sort *sort = (Sort *)op;
    TRY(op_heavy_arena(&sort->batch, 64 * 1024));
    TRY(op_heavy_arena(&sort->key_arena, 64 * 1024));
    if (sort->rows.arena == NULL) TRY(op_rows_init(&sort->rows, op->types, op->column_count, NULL));
    TRY(exec_open(op->left));
    return sort_reset(sort);
}

static Error *sort_next(Op *op, DataChunk **chunk_out)
{
    Sort *sort = (Sort *)op;
    *chunk_out = NULL;
    if (!sort->sorted) TRY(consume(sort));
    arena_reset(sort->batch);
    if (sort->out_cursor >= sort->entry_count) return NULL;
    size_t left = sort->entry_count - sort->out_cursor;
    uint32_t count = left > VEC_VALUE_COUNT_MAX ? VEC_VALUE_COUNT_MAX : (uint32_t)left;
    DataChunk *out = arena_alloc(sort->batch, sizeof(DataChunk));
    uint32_t *ids = arena_alloc(sort->batch, count * sizeof(uint32_t));
    if (out == NULL || ids == NULL) return op_heavy_oom();
    for (uint32_t k = 0; k < count; k++) ids[k] = sort->entries[sort->out_cursor + k].row_id;
    TRY(chunk_init(out, op->types, op->column_count, sort->batch));
    for (uint32_t col_idx = 0; col_idx < op->column_count; col_idx++) {
        TRY(op_rows_gather(&sort->rows, col_idx, ids, count, &out->columns[col_idx]));
    }
    out->row_count = count;
    sort->out_cursor += count;
    *chunk_out = out;
    return NULL;
}

static Error *sort_rescan(Op *op)
{
    Sort *sort = (Sort *)op;
    TRY(exec_rescan(op->left));
    return sort_reset(sort);
}

static void sort_close(Op *op)
{
    Sort *sort = (Sort *)op;
    if (op->left != NULL) exec_close(op->left);
    op_heavy_close_states(sort->keys, sort->key_count);
    op_rows_free(&sort->rows);
    free(sort->entries);
    sort->entries = NULL;
    sort->entry_count = sort->entry_capacity = 0;
    arena_destroy(sort->key_arena);
    arena_destroy(sort->batch);
    sort->key_arena = sort->batch = NULL;
    sort->sorted = false;
}

static const OpVtbl SORT_VT = { "Sort", sort_open, sort_next, sort_rescan, sort_close };

Error *op_sort_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ASSERT(plan->kind == PLAN_SORT);
    Sort *sort = arena_calloc(ctx->arena, sizeof(Sort));
    if (sort == NULL) return op_heavy_oom();
    sort->base = (Op){ .vt = &SORT_VT, .plan = plan, .ctx = ctx,
                       .column_count = plan->column_count, .types = plan->types };
    TRY(exec_build(ctx, plan->left, &sort->base.left));
    sort->key_count = plan->sort_count;
    sort->keys = arena_calloc(ctx->arena, (plan->sort_count + 1) * sizeof(ExprState *));
    sort->dirs = arena_calloc(ctx->arena, (plan->sort_count + 1) * sizeof(KeyDir));
    if (sort->keys == NULL || sort->dirs == NULL) return op_heavy_oom();
    for (uint32_t key_idx = 0; key_idx < plan->sort_count; key_idx++) {
        const SortKey *key = &plan->sort_keys[key_idx];
        TRY(expr_prepare(ctx, key->expr, &sort->keys[key_idx]));
        sort->dirs[key_idx] = key_dir_make(key->descending, key->nulls_first);
    }
    *op_out = &sort->base;
    return NULL;
}
