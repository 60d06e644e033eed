/* executor/op_setop.c: UNION [ALL], INTERSECT [ALL], EXCEPT [ALL].
 *
 * Rows are compared through their normalized keys over every column (op_heavy_int.h), so NULLs
 * are equal to each other as set operations require. UNION ALL streams the left child then the
 * right child. UNION streams too: a row passes when its key is new to the table. INTERSECT and
 * EXCEPT count, per distinct row, its occurrences on the left (keeping the first left row) and
 * on the right, then emit each distinct row PostgreSQL's number of times: INTERSECT 1 if both
 * counts are > 0, INTERSECT ALL min(l, r), EXCEPT 1 if l > 0 and r = 0, EXCEPT ALL max(l - r, 0).
 *
 * Memory and spilling (spill): keys, kept rows and counts count against work_mem. When they
 * pass it the pass turns full (Grace-style, as op_agg.c): rows whose key is in the table are
 * still handled in memory (a UNION drops them as duplicates, INTERSECT/EXCEPT count them), every
 * other row goes to a partition file chosen by its key's hash (spill_parts_write; left and
 * right rows of one key land in partitions of the same index). When the pass's input ends its
 * result is emitted, then each partition (a left file and its right file) is processed as a
 * pass of its own, which may spill again one level deeper. A right partition without a left
 * one contributes nothing to INTERSECT/EXCEPT and is dropped. UNION ALL never buffers. 53200
 * only past SETOP_SPILL_DEPTH_MAX levels. */
#include <stdlib.h>
#include <string.h>

#include "executor/op_heavy_int.h"
#include "executor/spill.h"

enum { SETOP_SPILL_DEPTH_MAX = 8 };

typedef enum SetPhase { SET_LEFT, SET_RIGHT, SET_EMIT, SET_NEXT, SET_DONE } SetPhase;

/* SetSource: where a side's rows come from: the child (pass 0) or a partition file. */
typedef struct SetSource {
    Op        *op;
    SpillFile *file;
} SetSource;

/* SetPart: a partition pair waiting to be processed, and its pass's depth. */
typedef struct SetPart {
    SpillFile *left;
    SpillFile *right;
    uint32_t   level;
} SetPart;

typedef struct SetOp {
    Op        base;
    Arena    *batch;
    KeyTable  table;
    RowStore    rows;         /* INTERSECT/EXCEPT: the first left row of each key id */
    int64_t  *counts;       /* 2 per key id: left, right */
    size_t    count_capacity;
    SetPhase  phase;
    uint32_t  emit_id;
    int64_t   emit_done;    /* copies of emit_id already emitted */
    /* spilling */
    SetSource src_left, src_right;   /* this pass's inputs (files owned until the pass ends) */
    bool      full;                  /* this pass adds no keys */
    uint32_t  level;
    SpillFile *parts_left[SPILL_FANOUT];
    SpillFile *parts_right[SPILL_FANOUT];
    SetPart   *pending;              /* malloc, a stack */
    uint32_t  pending_count;
    uint32_t  pending_capacity;
    Arena    *read_arena;
} SetOp;

static Error *encode_rows(SetOp *setop, DataChunk *chunk, KeyBatch *keys)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    TRY(op_keys_begin(keys, sel, count, setop->batch));
    for (uint32_t col_idx = 0; col_idx < chunk->column_count; col_idx++) {
        TRY(op_keys_add(keys, &chunk->columns[col_idx], sel, count, KEY_ASC));
    }
    op_keys_finish(keys, sel, count);
    return NULL;
}

static size_t setop_size(const SetOp *setop)
{
    return op_rows_size(&setop->rows) + setop->table.size +
           (size_t)setop->table.slot_count * sizeof(uint64_t) +
           setop->count_capacity * 2 * sizeof(int64_t);
}

/* ---------------------------------------------------------------- spilling ---- */

/* check_memory: turn the pass full past work_mem (53200 when it is already too deep). */
static Error *check_memory(SetOp *setop, const char *what)
{
    size_t work_mem = setop->base.ctx->work_mem;
    if (work_mem == 0 || setop->full || setop_size(setop) <= work_mem) return NULL;
    if (setop->level >= SETOP_SPILL_DEPTH_MAX) {
        Error *err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        return err_set_detail(err, "%s partition still exceeds work_mem (%zu kB) after %d "
                                   "levels of spilling", what, work_mem / 1024,
                              SETOP_SPILL_DEPTH_MAX);
    }
    setop->full = true;
    return NULL;
}

static Error *source_next(SetOp *setop, SetSource *src, DataChunk **chunk_out)
{
    *chunk_out = NULL;
    if (src->op != NULL) return exec_next(src->op, chunk_out);
    if (src->file == NULL) return NULL;
    arena_reset(setop->read_arena);
    TRY(exec_check_interrupt(setop->base.ctx));
    return spill_file_read(src->file, setop->base.types, setop->base.column_count,
                           setop->read_arena, chunk_out);
}

static void close_files(SpillFile **files, uint32_t count)
{
    for (uint32_t idx = 0; idx < count; idx++) {
        spill_file_close(files[idx]);
        files[idx] = NULL;
    }
}

/* finish_pass: the pass's inputs are read: close its files, queue its partitions. */
static Error *finish_pass(SetOp *setop)
{
    spill_file_close(setop->src_left.file);
    spill_file_close(setop->src_right.file);
    setop->src_left.file = setop->src_right.file = NULL;
    bool is_union = setop->base.plan->setop == SETOP_UNION;
    for (uint32_t idx = 0; idx < SPILL_FANOUT; idx++) {
        if (setop->parts_left[idx] == NULL || (!is_union && setop->parts_right[idx] == NULL &&
                                               setop->base.plan->setop == SETOP_INTERSECT)) {
            /* nothing on the left: nothing to emit (INTERSECT also needs a right side) */
            spill_file_close(setop->parts_left[idx]);
            spill_file_close(setop->parts_right[idx]);
            setop->parts_left[idx] = setop->parts_right[idx] = NULL;
            continue;
        }
        if (setop->pending_count == setop->pending_capacity) {
            uint32_t capacity = setop->pending_capacity == 0 ? 64 : setop->pending_capacity * 2;
            SetPart *pending = realloc(setop->pending, capacity * sizeof(SetPart));
            if (pending == NULL) return op_heavy_oom();
            setop->pending = pending;
            setop->pending_capacity = capacity;
        }
        TRY(spill_file_rewind(setop->parts_left[idx]));
        if (setop->parts_right[idx] != NULL) TRY(spill_file_rewind(setop->parts_right[idx]));
        setop->pending[setop->pending_count++] =
            (SetPart){ setop->parts_left[idx], setop->parts_right[idx], setop->level + 1 };
        setop->parts_left[idx] = setop->parts_right[idx] = NULL;
    }
    return NULL;
}

static void drop_spill(SetOp *setop)
{
    spill_file_close(setop->src_left.file);
    spill_file_close(setop->src_right.file);
    setop->src_left.file = setop->src_right.file = NULL;
    close_files(setop->parts_left, SPILL_FANOUT);
    close_files(setop->parts_right, SPILL_FANOUT);
    for (uint32_t idx = 0; idx < setop->pending_count; idx++) {
        spill_file_close(setop->pending[idx].left);
        spill_file_close(setop->pending[idx].right);
    }
    setop->pending_count = 0;
    setop->full = false;
    setop->level = 0;
}

/* spill_missing: rows[0..count) of chunk (keys in keys) to this side's partitions. */
static Error *spill_missing(SetOp *setop, const DataChunk *chunk, const KeyBatch *keys,
                            const uint16_t *rows, uint32_t count, bool is_left)
{
    if (count == 0) return NULL;
    uint64_t hashes[VEC_VALUE_COUNT_MAX];
    for (uint32_t pos = 0; pos < count; pos++) hashes[pos] = keys->hash[rows[pos]];
    return spill_parts_write(is_left ? setop->parts_left : setop->parts_right,
                             setop->base.ctx->temp_dir, setop->level, chunk->columns,
                             chunk->column_count, rows, hashes, count);
}

/* union_chunk: the rows of chunk not seen before (a view with a narrowed selection). */
static Error *union_chunk(SetOp *setop, DataChunk *chunk, DataChunk **out_out)
{
    *out_out = NULL;
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    if (count == 0) return NULL;
    KeyBatch keys;
    TRY(encode_rows(setop, chunk, &keys));
    uint16_t *new_rows = arena_alloc(setop->batch, (count + 1) * sizeof(uint16_t));
    DataChunk *out = arena_alloc(setop->batch, sizeof(DataChunk));
    if (new_rows == NULL || out == NULL) return op_heavy_oom();
    uint16_t *missing = arena_alloc(setop->batch, (count + 1) * sizeof(uint16_t));
    if (missing == NULL) return op_heavy_oom();
    uint32_t new_count = 0, missing_count = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        if (setop->full) {
            uint32_t found = op_keytab_find(&setop->table, keys.bytes[row], keys.size[row],
                                            keys.hash[row]);
            if (found == ROW_ID_NONE) missing[missing_count++] = (uint16_t)row;
            continue;
        }
        uint32_t id;
        bool is_new;
        TRY(op_keytab_insert(&setop->table, keys.bytes[row], keys.size[row], keys.hash[row], &id,
                             &is_new));
        if (is_new) new_rows[new_count++] = (uint16_t)row;
    }
    TRY(spill_missing(setop, chunk, &keys, missing, missing_count, true));
    TRY(check_memory(setop, "UNION"));
    if (new_count == 0) return NULL;
    TRY(op_heavy_chunk_view(out, chunk, setop->batch));
    out->sel = new_rows;
    out->sel_count = new_count;
    *out_out = out;
    return NULL;
}

static Error *count_chunk(SetOp *setop, DataChunk *chunk, bool is_left)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    if (count == 0) return NULL;
    KeyBatch keys;
    TRY(encode_rows(setop, chunk, &keys));
    uint16_t *new_rows = arena_alloc(setop->batch, (count + 1) * sizeof(uint16_t));
    uint16_t *missing = arena_alloc(setop->batch, (count + 1) * sizeof(uint16_t));
    if (new_rows == NULL || missing == NULL) return op_heavy_oom();
    uint32_t new_count = 0, missing_count = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        uint32_t id;
        if (setop->full) {
            /* only keys already in the table are counted; the others wait in partitions */
            id = op_keytab_find(&setop->table, keys.bytes[row], keys.size[row], keys.hash[row]);
            if (id == ROW_ID_NONE) missing[missing_count++] = (uint16_t)row;
            else setop->counts[2 * id + (is_left ? 0 : 1)]++;
            continue;
        }
        if (is_left) {
            bool is_new;
            TRY(op_keytab_insert(&setop->table, keys.bytes[row], keys.size[row], keys.hash[row],
                                 &id, &is_new));
            if (is_new) {
                new_rows[new_count++] = (uint16_t)row;
                if (id >= setop->count_capacity) {
                    size_t capacity = setop->count_capacity == 0 ? 1024 : setop->count_capacity * 2;
                    int64_t *counts = realloc(setop->counts, capacity * 2 * sizeof(int64_t));
                    if (counts == NULL) return op_heavy_oom();
                    setop->counts = counts;
                    setop->count_capacity = capacity;
                }
                setop->counts[2 * id] = 0;
                setop->counts[2 * id + 1] = 0;
            }
            setop->counts[2 * id]++;
        } else {
            id = op_keytab_find(&setop->table, keys.bytes[row], keys.size[row], keys.hash[row]);
            if (id != ROW_ID_NONE) setop->counts[2 * id + 1]++;
        }
    }
    if (new_count > 0) TRY(op_rows_append(&setop->rows, chunk->columns, new_rows, new_count));
    TRY(spill_missing(setop, chunk, &keys, missing, missing_count, is_left));
    if (!is_left) return NULL;      /* the right side adds nothing to the table */
    return check_memory(setop,
                        setop->base.plan->setop == SETOP_INTERSECT ? "INTERSECT" : "EXCEPT");
}

static Error *count_side(SetOp *setop, SetSource *src, bool is_left)
{
    for (;;) {
        arena_reset(setop->batch);
        DataChunk *chunk;
        TRY(source_next(setop, src, &chunk));
        if (chunk == NULL) return NULL;
        TRY(count_chunk(setop, chunk, is_left));
    }
}

static int64_t copies_of(const SetOp *setop, uint32_t id)
{
    int64_t left = setop->counts[2 * id], right = setop->counts[2 * id + 1];
    bool all = setop->base.plan->setop_all;
    if (setop->base.plan->setop == SETOP_INTERSECT) {
        if (all) return left < right ? left : right;
        return left > 0 && right > 0 ? 1 : 0;
    }
    if (all) return left > right ? left - right : 0;
    return left > 0 && right == 0 ? 1 : 0;
}

static Error *emit(SetOp *setop, DataChunk **chunk_out)
{
    Arena *arena = setop->batch;
    uint32_t *ids = arena_alloc(arena, VEC_VALUE_COUNT_MAX * sizeof(uint32_t));
    if (ids == NULL) return op_heavy_oom();
    uint32_t count = 0;
    while (count < VEC_VALUE_COUNT_MAX && setop->emit_id < setop->table.count) {
        int64_t copies = copies_of(setop, setop->emit_id);
        if (setop->emit_done >= copies) {
            setop->emit_id++;
            setop->emit_done = 0;
            continue;
        }
        ids[count++] = setop->emit_id;
        setop->emit_done++;
    }
    if (count == 0) {
        setop->phase = SET_NEXT;
        return NULL;
    }
    DataChunk *out = arena_alloc(arena, sizeof(DataChunk));
    if (out == NULL) return op_heavy_oom();
    TRY(chunk_init(out, setop->base.types, setop->base.column_count, arena));
    for (uint32_t col_idx = 0; col_idx < setop->base.column_count; col_idx++) {
        TRY(op_rows_gather(&setop->rows, col_idx, ids, count, &out->columns[col_idx]));
    }
    out->row_count = count;
    *chunk_out = out;
    return NULL;
}

static void reset_pass(SetOp *setop);

/* next_partition: make the next pending partition pair this pass's input. */
static void next_partition(SetOp *setop)
{
    SetPart part = setop->pending[--setop->pending_count];
    reset_pass(setop);
    setop->level = part.level;
    setop->src_left = (SetSource){ NULL, part.left };
    setop->src_right = (SetSource){ NULL, part.right };
}

static Error *setop_next(Op *op, DataChunk **chunk_out)
{
    SetOp *setop = (SetOp *)op;
    *chunk_out = NULL;
    bool is_union = op->plan->setop == SETOP_UNION;
    for (;;) {
        arena_reset(setop->batch);
        switch (setop->phase) {
        case SET_LEFT:
        case SET_RIGHT: {
            if (!is_union) {
                TRY(count_side(setop, &setop->src_left, true));
                TRY(count_side(setop, &setop->src_right, false));
                TRY(finish_pass(setop));
                setop->phase = SET_EMIT;
                continue;
            }
            DataChunk *chunk;
            TRY(source_next(setop, setop->phase == SET_LEFT ? &setop->src_left
                                                            : &setop->src_right, &chunk));
            if (chunk == NULL) {
                if (setop->phase == SET_LEFT) {
                    setop->phase = SET_RIGHT;
                } else {
                    TRY(finish_pass(setop));
                    setop->phase = SET_NEXT;
                }
                continue;
            }
            if (op->plan->setop_all) {
                if (chunk_live_count(chunk) == 0) continue;
                *chunk_out = chunk;
                return NULL;
            }
            DataChunk *out;
            TRY(union_chunk(setop, chunk, &out));
            if (out == NULL) continue;
            *chunk_out = out;
            return NULL;
        }
        case SET_EMIT:
            TRY(emit(setop, chunk_out));
            if (*chunk_out == NULL) continue;
            return NULL;
        case SET_NEXT:
            if (setop->pending_count == 0) {
                setop->phase = SET_DONE;
                continue;
            }
            next_partition(setop);
            continue;
        case SET_DONE:
            return NULL;
        }
    }
}

/* reset_pass: forget every key (a new pass). */
static void reset_pass(SetOp *setop)
{
    op_keytab_clear(&setop->table);
    op_rows_clear(&setop->rows);
    setop->phase = SET_LEFT;
    setop->emit_id = 0;
    setop->emit_done = 0;
    setop->full = false;
}

static void setop_reset(SetOp *setop)
{
    drop_spill(setop);
    reset_pass(setop);
    setop->src_left = (SetSource){ setop->base.left, NULL };
    setop->src_right = (SetSource){ setop->base.right, NULL };
}

static Error *setop_open(Op *op)
{
    SetOp *setop = (SetOp *)op;
    TRY(op_heavy_arena(&setop->batch, 64 * 1024));
    TRY(op_heavy_arena(&setop->read_arena, 64 * 1024));
    if (setop->table.slots == NULL) TRY(op_keytab_init(&setop->table));
    if (setop->rows.arena == NULL) {
        TRY(op_rows_init(&setop->rows, op->types, op->column_count, NULL));
    }
    TRY(exec_open(op->left));
    TRY(exec_open(op->right));
    setop_reset(setop);
    return NULL;
}

static Error *setop_rescan(Op *op)
{
    SetOp *setop = (SetOp *)op;
    TRY(exec_rescan(op->left));
    TRY(exec_rescan(op->right));
    setop_reset(setop);
    return NULL;
}

static void setop_close(Op *op)
{
    SetOp *setop = (SetOp *)op;
    if (op->left != NULL) exec_close(op->left);
    if (op->right != NULL) exec_close(op->right);
    drop_spill(setop);
    free(setop->pending);
    setop->pending = NULL;
    setop->pending_capacity = 0;
    op_keytab_free(&setop->table);
    op_rows_free(&setop->rows);
    free(setop->counts);
    setop->counts = NULL;
    setop->count_capacity = 0;
    arena_destroy(setop->batch);
    setop->batch = NULL;
    arena_destroy(setop->read_arena);
    setop->read_arena = NULL;
}

static const OpVtbl SETOP_VT = { "SetOp", setop_open, setop_next, setop_rescan, setop_close };

Error *op_setop_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ASSERT(plan->kind == PLAN_SETOP);
    SetOp *setop = arena_calloc(ctx->arena, sizeof(SetOp));
    if (setop == NULL) return op_heavy_oom();
    setop->base = (Op){ .vt = &SETOP_VT, .plan = plan, .ctx = ctx,
                        .column_count = plan->column_count, .types = plan->types };
    TRY(exec_build(ctx, plan->left, &setop->base.left));
    TRY(exec_build(ctx, plan->right, &setop->base.right));
    *op_out = &setop->base;
    return NULL;
}
