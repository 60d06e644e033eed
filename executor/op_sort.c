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
 * Memory and spilling (spill): rows, keys and the entry array count against work_mem. When a
 * chunk takes them past it, the entries are sorted and their rows written in order to a run
 * (a spill file, spill.h) whose last column is the row's normalized key (bytea), and memory
 * starts over. At the end of the input the rest becomes the last run, and the runs are merged:
 * while there are more than SORT_MERGE_FANIN, consecutive groups of SORT_MERGE_FANIN are merged
 * into one run each (keeping arrival order), then a final k-way merge (a min-heap of readers
 * ordered by (key, run index), so equal keys keep arrival order: the sort stays stable) feeds
 * next(). A top-N of n + m <= SORT_TOP_N_MEMORY_ROWS rows stays in memory (its heap and the
 * compacted rows are bounded by n + m); a larger one spills like a full sort when its kept rows
 * pass work_mem, and its merge stops after n + m rows. The readers' buffers and current chunks (SORT_MERGE_FANIN x (SPILL_BUFFER_SIZE + one
 * chunk)) are not counted. A sort never fails with 53200 for size: spilling always proceeds. */
#include <stdlib.h>
#include <string.h>

#include "executor/op_heavy_int.h"
#include "executor/spill.h"

enum {
    SORT_COMPACT_ROWS_MIN = 8192,
    SORT_MERGE_FANIN = 32,
    SORT_TOP_N_MEMORY_ROWS = 10000,   /* a top-N of at most this many rows never spills */
};

/* SortReader: one run being merged: its current chunk and row. */
typedef struct SortReader {
    SpillFile *file;
    Arena     *arena;          /* the current chunk */
    DataChunk *chunk;          /* NULL: the run is exhausted */
    uint32_t   row;
} SortReader;

/* SortMerge: a k-way merge of runs; heap holds the indexes of readers with rows, smallest
 * (key, index) first. */
typedef struct SortMerge {
    SortReader *readers;
    uint32_t    reader_count;
    uint32_t   *heap;
    uint32_t    heap_count;
} SortMerge;

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
    /* spilling */
    Type       *run_types;      /* the op's types ++ the key as bytea */
    SpillFile **runs;           /* in arrival order (malloc) */
    uint32_t    run_count;
    uint32_t    run_capacity;
    SortMerge   merge;          /* the final merge (readers NULL: not merging) */
    uint64_t    emitted;        /* rows returned by the final merge */
    uint64_t    spilled_rows;   /* rows written to runs, all passes (tests) */
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

/* ---------------------------------------------------------------- runs ---- */

static void close_runs(SpillFile **runs, uint32_t count)
{
    for (uint32_t idx = 0; idx < count; idx++) spill_file_close(runs[idx]);
}

static Error *push_run(Sort *sort, SpillFile *file)
{
    if (sort->run_count == sort->run_capacity) {
        uint32_t capacity = sort->run_capacity == 0 ? 16 : sort->run_capacity * 2;
        SpillFile **runs = realloc(sort->runs, capacity * sizeof(SpillFile *));
        if (runs == NULL) return op_heavy_oom();
        sort->runs = runs;
        sort->run_capacity = capacity;
    }
    sort->runs[sort->run_count++] = file;
    return NULL;
}

/* write_entries: the entries' rows in entry order, each with its key, into file. */
static Error *write_entries(Sort *sort, SpillFile *file, Arena *scratch)
{
    uint32_t column_count = sort->base.column_count;
    uint32_t ids[VEC_VALUE_COUNT_MAX];
    for (size_t done = 0; done < sort->entry_count;) {
        arena_reset(scratch);
        Vector *columns = arena_alloc(scratch, (column_count + 1) * sizeof(Vector));
        if (columns == NULL) return op_heavy_oom();
        size_t left = sort->entry_count - done;
        uint32_t count = left > VEC_VALUE_COUNT_MAX ? VEC_VALUE_COUNT_MAX : (uint32_t)left;
        Vector *key = &columns[column_count];
        vec_init(key, sort->run_types[column_count], scratch);
        TRY(vec_reserve(key, count));
        for (uint32_t k = 0; k < count; k++) {
            const SortEntry *entry = &sort->entries[done + k];
            ids[k] = entry->row_id;
            vec_str(key)[k] = str_view_make_ref((const char *)entry->key, entry->key_size);
        }
        for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
            vec_init(&columns[col_idx], sort->rows.types[col_idx], scratch);
            TRY(op_rows_gather(&sort->rows, col_idx, ids, count, &columns[col_idx]));
        }
        TRY(spill_file_write(file, columns, column_count + 1, NULL, count));
        done += count;
    }
    return NULL;
}

/* write_run: sort what is in memory, write it as the next run and start over. */
static Error *write_run(Sort *sort)
{
    if (sort->entry_count == 0) return NULL;
    qsort(sort->entries, sort->entry_count, sizeof(SortEntry), entry_qsort_cmp);
    SpillFile *file;
    TRY(spill_file_create(sort->base.ctx->temp_dir, &file));
    Error *err = push_run(sort, file);
    if (err != NULL) {
        spill_file_close(file);
        return err;
    }
    Arena *scratch = arena_create(64 * 1024);
    if (scratch == NULL) return op_heavy_oom();
    err = write_entries(sort, file, scratch);
    arena_destroy(scratch);
    TRY(err);
    TRY(spill_file_rewind(file));
    sort->spilled_rows += sort->entry_count;
    op_rows_clear(&sort->rows);
    arena_reset(sort->key_arena);
    sort->entry_count = 0;
    free(sort->entries);            /* its capacity counted against work_mem: start small */
    sort->entries = NULL;
    sort->entry_capacity = 0;
    return NULL;
}

/* ---------------------------------------------------------------- merge ---- */

static inline void reader_key(const Sort *sort, const SortReader *reader, const uint8_t **key,
                              uint32_t *size)
{
    const StrView *view = &vec_str(&reader->chunk->columns[sort->base.column_count])[reader->row];
    *key = (const uint8_t *)str_view_data(view);
    *size = view->size;
}

/* reader_less: reader a's row sorts before reader b's (keys, then run order). */
static bool reader_less(const Sort *sort, const SortMerge *merge, uint32_t a, uint32_t b)
{
    const uint8_t *key_a, *key_b;
    uint32_t size_a, size_b;
    reader_key(sort, &merge->readers[a], &key_a, &size_a);
    reader_key(sort, &merge->readers[b], &key_b, &size_b);
    int order = key_compare(key_a, size_a, key_b, size_b);
    return order != 0 ? order < 0 : a < b;
}

static void merge_sift_down(const Sort *sort, SortMerge *merge, uint32_t idx)
{
    for (;;) {
        uint32_t smallest = idx, left = 2 * idx + 1, right = left + 1;
        if (left < merge->heap_count &&
            reader_less(sort, merge, merge->heap[left], merge->heap[smallest])) {
            smallest = left;
        }
        if (right < merge->heap_count &&
            reader_less(sort, merge, merge->heap[right], merge->heap[smallest])) {
            smallest = right;
        }
        if (smallest == idx) return;
        uint32_t tmp = merge->heap[idx];
        merge->heap[idx] = merge->heap[smallest];
        merge->heap[smallest] = tmp;
        idx = smallest;
    }
}

/* reader_load: the reader's next chunk (NULL chunk at the end of its run). */
static Error *reader_load(Sort *sort, SortReader *reader)
{
    arena_reset(reader->arena);
    reader->row = 0;
    return spill_file_read(reader->file, sort->run_types, sort->base.column_count + 1,
                           reader->arena, &reader->chunk);
}

static void merge_free(SortMerge *merge)
{
    for (uint32_t idx = 0; merge->readers != NULL && idx < merge->reader_count; idx++) {
        spill_file_close(merge->readers[idx].file);
        arena_destroy(merge->readers[idx].arena);
    }
    free(merge->readers);
    free(merge->heap);
    *merge = (SortMerge){ 0 };
}

/* merge_begin: take over runs[0..count) (closed by merge_free from now on) and load their
 * first chunks. */
static Error *merge_begin(Sort *sort, SortMerge *merge, SpillFile **runs, uint32_t count)
{
    *merge = (SortMerge){ 0 };
    merge->readers = calloc(count, sizeof(SortReader));
    merge->heap = calloc(count, sizeof(uint32_t));
    if (merge->readers == NULL || merge->heap == NULL) {
        free(merge->readers);
        free(merge->heap);
        *merge = (SortMerge){ 0 };
        close_runs(runs, count);
        return op_heavy_oom();
    }
    merge->reader_count = count;
    for (uint32_t idx = 0; idx < count; idx++) merge->readers[idx].file = runs[idx];
    for (uint32_t idx = 0; idx < count; idx++) {
        SortReader *reader = &merge->readers[idx];
        reader->arena = arena_create(64 * 1024);
        if (reader->arena == NULL) return op_heavy_oom();
        TRY(reader_load(sort, reader));
        if (reader->chunk != NULL) merge->heap[merge->heap_count++] = idx;
    }
    for (uint32_t idx = merge->heap_count / 2; idx-- > 0;) merge_sift_down(sort, merge, idx);
    return NULL;
}

/* init_out: an empty chunk of the run's columns (NUMERIC general, as read back). */
static Error *init_out(const Sort *sort, uint32_t column_count, Arena *arena, DataChunk **out)
{
    DataChunk *chunk = arena_alloc(arena, sizeof(DataChunk));
    if (chunk == NULL) return op_heavy_oom();
    TRY(chunk_init(chunk, sort->run_types, column_count, arena));
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        Vector *vec = &chunk->columns[col_idx];
        if (vec->phys == VEC_PHYS_NUM64) {
            vec_init_phys(vec, sort->run_types[col_idx], VEC_PHYS_NUMERIC, 0, arena);
        }
        TRY(vec_reserve(vec, VEC_VALUE_COUNT_MAX));
    }
    *out = chunk;
    return NULL;
}

/* merge_fill: up to row_max of the merge's smallest rows, copied into out's first
 * out->column_count columns. */
static Error *merge_fill(Sort *sort, SortMerge *merge, DataChunk *out, uint32_t row_max)
{
    uint32_t count = 0;
    while (count < row_max && merge->heap_count > 0) {
        SortReader *reader = &merge->readers[merge->heap[0]];
        for (uint32_t col_idx = 0; col_idx < out->column_count; col_idx++) {
            TRY(vec_copy_row(&out->columns[col_idx], count, &reader->chunk->columns[col_idx],
                             reader->row));
        }
        count++;
        if (++reader->row >= reader->chunk->row_count) {
            TRY(reader_load(sort, reader));
            if (reader->chunk == NULL) merge->heap[0] = merge->heap[--merge->heap_count];
        }
        if (merge->heap_count > 0) merge_sift_down(sort, merge, 0);
    }
    out->row_count = count;
    return NULL;
}

/* merge_runs_into: merge runs[0..count) into one new run *file_out. */
static Error *merge_runs_into(Sort *sort, SpillFile **runs, uint32_t count, SpillFile **file_out)
{
    *file_out = NULL;
    SortMerge merge;
    Error *err = merge_begin(sort, &merge, runs, count);
    SpillFile *file = NULL;
    Arena *scratch = err == NULL ? arena_create(64 * 1024) : NULL;
    if (err == NULL && scratch == NULL) err = op_heavy_oom();
    if (err == NULL) err = spill_file_create(sort->base.ctx->temp_dir, &file);
    while (err == NULL && merge.heap_count > 0) {
        arena_reset(scratch);
        DataChunk *out;
        err = exec_check_interrupt(sort->base.ctx);
        if (err == NULL) err = init_out(sort, sort->base.column_count + 1, scratch, &out);
        if (err == NULL) err = merge_fill(sort, &merge, out, VEC_VALUE_COUNT_MAX);
        if (err == NULL) err = spill_file_write(file, out->columns, out->column_count, NULL,
                                                out->row_count);
    }
    if (err == NULL) err = spill_file_rewind(file);
    merge_free(&merge);
    arena_destroy(scratch);
    if (err != NULL) {
        spill_file_close(file);
        return err;
    }
    *file_out = file;
    return NULL;
}

/* merge_passes: merge consecutive groups of SORT_MERGE_FANIN runs until at most that many
 * remain (the merged run takes its group's place, so arrival order is kept). */
static Error *merge_passes(Sort *sort)
{
    while (sort->run_count > SORT_MERGE_FANIN) {
        uint32_t kept = 0;
        for (uint32_t from = 0; from < sort->run_count; from += SORT_MERGE_FANIN) {
            uint32_t count = sort->run_count - from;
            if (count > SORT_MERGE_FANIN) count = SORT_MERGE_FANIN;
            SpillFile *merged = sort->runs[from];
            if (count > 1) {
                Error *err = merge_runs_into(sort, sort->runs + from, count, &merged);
                if (err != NULL) {
                    /* runs[from..from+count) are closed; close the others */
                    close_runs(sort->runs, kept);
                    close_runs(sort->runs + from + count, sort->run_count - from - count);
                    sort->run_count = 0;
                    return err;
                }
            }
            sort->runs[kept++] = merged;
        }
        sort->run_count = kept;
    }
    return NULL;
}

static Error *merge_start(Sort *sort)
{
    TRY(write_run(sort));
    TRY(merge_passes(sort));
    uint32_t count = sort->run_count;
    sort->run_count = 0;                /* the merge owns the files now */
    return merge_begin(sort, &sort->merge, sort->runs, count);
}

static Error *merge_next(Sort *sort, DataChunk **chunk_out)
{
    uint32_t row_max = VEC_VALUE_COUNT_MAX;
    if (sort->bound > 0) {
        if (sort->emitted >= sort->bound) return NULL;
        if (sort->bound - sort->emitted < row_max) row_max = (uint32_t)(sort->bound - sort->emitted);
    }
    if (sort->merge.heap_count == 0) return NULL;
    DataChunk *out;
    TRY(init_out(sort, sort->base.column_count, sort->batch, &out));
    TRY(merge_fill(sort, &sort->merge, out, row_max));
    sort->emitted += out->row_count;
    *chunk_out = out;
    return NULL;
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
        size_t work_mem = sort->base.ctx->work_mem;
        if (work_mem == 0 || sort_size(sort) <= work_mem) continue;
        if (sort->bound > 0 && sort->bound <= SORT_TOP_N_MEMORY_ROWS) continue;
        if (sort->bound > 0 && sort->rows.row_count > sort->entry_count) {
            TRY(compact(sort));         /* top-N: drop the rows out of the heap first */
            if (sort_size(sort) <= work_mem) continue;
        }
        TRY(write_run(sort));
    }
    if (sort->run_count > 0) {
        TRY(merge_start(sort));
        sort->sorted = true;
        return NULL;
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

static void drop_runs(Sort *sort)
{
    close_runs(sort->runs, sort->run_count);
    sort->run_count = 0;
    merge_free(&sort->merge);
}

static Error *sort_reset(Sort *sort)
{
    drop_runs(sort);
    sort->emitted = 0;
    sort->spilled_rows = 0;
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
    if (sort->merge.readers != NULL) return merge_next(sort, chunk_out);
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
    drop_runs(sort);
    free(sort->runs);
    sort->runs = NULL;
    sort->run_capacity = 0;
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
    sort->run_types = arena_alloc(ctx->arena, (plan->column_count + 1) * sizeof(Type));
    if (sort->keys == NULL || sort->dirs == NULL || sort->run_types == NULL) {
        return op_heavy_oom();
    }
    memcpy(sort->run_types, plan->types, plan->column_count * sizeof(Type));
    sort->run_types[plan->column_count] = (Type){ TYPE_BYTEA, -1 };
    for (uint32_t key_idx = 0; key_idx < plan->sort_count; key_idx++) {
        const SortKey *key = &plan->sort_keys[key_idx];
        TRY(expr_prepare(ctx, key->expr, &sort->keys[key_idx]));
        sort->dirs[key_idx] = key_dir_make(key->descending, key->nulls_first);
    }
    *op_out = &sort->base;
    return NULL;
}
