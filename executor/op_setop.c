/* executor/op_setop.c: UNION [ALL], INTERSECT [ALL], EXCEPT [ALL].
 *
 * Rows are compared through their normalized keys over every column (op_heavy_int.h), so NULLs
 * are equal to each other as set operations require. UNION ALL streams the left child then the
 * right child. UNION streams too: a row passes when its key is new to the table. INTERSECT and
 * EXCEPT count, per distinct row, its occurrences on the left (keeping the first left row) and
 * on the right, then emit each distinct row PostgreSQL's number of times: INTERSECT 1 if both
 * counts are > 0, INTERSECT ALL min(l, r), EXCEPT 1 if l > 0 and r = 0, EXCEPT ALL max(l - r, 0).
 *
 * Memory: keys and kept rows count against work_mem (53200 beyond it; no spilling yet). */
#include <stdlib.h>
#include <string.h>

#include "executor/op_heavy_int.h"

typedef enum SetPhase { SET_LEFT, SET_RIGHT, SET_EMIT, SET_DONE } SetPhase;

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
    uint32_t new_count = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        uint32_t id;
        bool is_new;
        TRY(op_keytab_insert(&setop->table, keys.bytes[row], keys.size[row], keys.hash[row], &id,
                             &is_new));
        if (is_new) new_rows[new_count++] = (uint16_t)row;
    }
    TRY(op_heavy_check_mem(setop->base.ctx, setop_size(setop), "UNION"));
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
    if (new_rows == NULL) return op_heavy_oom();
    uint32_t new_count = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        uint32_t id;
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
    return op_heavy_check_mem(setop->base.ctx, setop_size(setop),
                        setop->base.plan->setop == SETOP_INTERSECT ? "INTERSECT" : "EXCEPT");
}

static Error *count_side(SetOp *setop, Op *child, bool is_left)
{
    for (;;) {
        arena_reset(setop->batch);
        DataChunk *chunk;
        TRY(exec_next(child, &chunk));
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
        setop->phase = SET_DONE;
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
                TRY(count_side(setop, op->left, true));
                TRY(count_side(setop, op->right, false));
                setop->phase = SET_EMIT;
                continue;
            }
            DataChunk *chunk;
            TRY(exec_next(setop->phase == SET_LEFT ? op->left : op->right, &chunk));
            if (chunk == NULL) {
                setop->phase = setop->phase == SET_LEFT ? SET_RIGHT : SET_DONE;
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
            if (*chunk_out == NULL && setop->phase != SET_DONE) continue;
            return NULL;
        case SET_DONE:
            return NULL;
        }
    }
}

static void setop_reset(SetOp *setop)
{
    op_keytab_clear(&setop->table);
    op_rows_clear(&setop->rows);
    setop->phase = SET_LEFT;
    setop->emit_id = 0;
    setop->emit_done = 0;
}

static Error *setop_open(Op *op)
{
    SetOp *setop = (SetOp *)op;
    TRY(op_heavy_arena(&setop->batch, 64 * 1024));
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
    op_keytab_free(&setop->table);
    op_rows_free(&setop->rows);
    free(setop->counts);
    setop->counts = NULL;
    setop->count_capacity = 0;
    arena_destroy(setop->batch);
    setop->batch = NULL;
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
