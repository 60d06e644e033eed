/* executor/op_int.h: helpers shared by the operator files (op_*.c, expr.c). Internal to
 * executor/: owned by exec-basic; exec-heavy and exec-dml may include it.
 *
 * What is here:
 * - OpBatch: an operator's batch arena plus its output chunk, reset at the top of next().
 * - op_vec_copy_value: copy one value between vectors of the same type but possibly different
 *   physical forms (NUMERIC as NUM64 at another scale or as general Numeric).
 * - op_vec_gather: compact selected rows of one vector into another.
 * - op_chunk_compact: compact a chunk's live rows into a fresh chunk (no selection).
 * - RowBuf: a materialized row buffer (chunks of up to VEC_VALUE_COUNT_MAX rows in its own
 *   arena) for sorts, hash builds, CTEs, subplans and nested-loop inner sides.
 * - op_expr_close: close the subplans an ExprState tree built (call it from close()).
 * - op_plan_has_outer / op_expr_has_outer: does a plan (or expression) read EXPR_OUTER values
 *   at this level (a correlated subplan), or call volatile functions (sequences, specials)?
 *
 * Invariants:
 * 1. Every function here leaves its destination in a consistent state on error (possibly with
 *    fewer rows than asked); it never frees memory: everything lives in arenas.
 * 2. Values copied into a destination are deep copies (strings and numeric digits live in the
 *    destination's arena), so the source batch may be reset afterwards.
 */
#ifndef BIRCH_EXECUTOR_OP_INT_H
#define BIRCH_EXECUTOR_OP_INT_H

#include "executor/exec.h"

/* ------------------------------------------------------------------ batches ---- */

/* OpBatch: per-operator batch memory: `arena` is reset at the top of every next() (batch
 * lifetime) and `chunk` is the output chunk whose vectors live in that arena. */
typedef struct OpBatch {
    Arena     *arena;
    DataChunk  chunk;
    const Type *types;
    uint32_t   column_count;
} OpBatch;

/* op_batch_init: create the batch arena (heap; freed by op_batch_destroy) for chunks of types.
 * Errors: OUT_OF_MEMORY. */
Error *op_batch_init(OpBatch *batch, const Type *types, uint32_t column_count);
/* op_batch_begin: reset the arena and give batch->chunk fresh empty vectors (vec_init, no
 * buffers) with capacity reserved for capacity rows (0: none). Errors: OUT_OF_MEMORY. */
Error *op_batch_begin(OpBatch *batch, uint32_t capacity);
/* op_batch_destroy: free the arena. Idempotent. */
void   op_batch_destroy(OpBatch *batch);

/* ------------------------------------------------------------------ vectors ---- */

/* op_vec_copy_value: dst[dst_idx] = src[src_idx] (src may be constant), NULL included. Same
 * type family required; NUMERIC values are converted between NUM64 scales and the general
 * form as needed (dst keeps its phys; a NUM64 dst that cannot hold the value exactly is an
 * error: callers that cannot know the scales use a VEC_PHYS_NUMERIC dst). Strings and numeric
 * digits are deep-copied into dst's arena. Pre: dst_idx < dst->capacity.
 * Errors: OUT_OF_MEMORY; NUMERIC_VALUE_OUT_OF_RANGE when a NUM64 dst cannot hold the value. */
Error *op_vec_copy_value(Vector *dst, uint32_t dst_idx, const Vector *src, uint32_t src_idx);

/* op_vec_gather: dst rows dst_start .. dst_start + count - 1 get src rows sel[0..count) (or
 * 0..count-1 when sel is NULL). dst must be initialized (vec_init*), it is reserved here to
 * dst_start + count rows. Errors: OUT_OF_MEMORY; those of op_vec_copy_value. */
Error *op_vec_gather(Vector *dst, uint32_t dst_start, const Vector *src, const uint16_t *sel,
                     uint32_t count);

/* op_vec_init_like: an empty vector that can take any value of src's type via
 * op_vec_copy_value: src's phys (NUM64 at src's scale) or, when general is true and the type is
 * NUMERIC, the general form. */
void   op_vec_init_like(Vector *dst, const Vector *src, bool general, Arena *arena);

/* op_chunk_compact: dst = src's live rows, packed (row_count = live count, sel NULL), with
 * vectors in arena (same physical forms as src). Errors: OUT_OF_MEMORY. */
Error *op_chunk_compact(const DataChunk *src, Arena *arena, DataChunk *dst);

/* op_vec_const_copy: a constant vector in arena with the value of src row src_idx (deep). */
Error *op_vec_const_copy(const Vector *src, uint32_t src_idx, Arena *arena, Vector *out);

/* ------------------------------------------------------------------ RowBuf ---- */

/* RowBuf: rows materialized into chunks (each packed, no selection, <= VEC_VALUE_COUNT_MAX
 * rows), in the RowBuf's own heap arena. Numeric columns are stored in the general form so
 * rows of any scale fit. Typical use: rowbuf_init once (ctx->arena for the struct), then
 * rowbuf_append_chunk for every input chunk, then iterate chunk_count / chunks[idx]; reset to
 * reuse (rescan); destroy in close(). bytes() for work_mem accounting. */
typedef struct RowBuf {
    Arena      *arena;
    const Type *types;
    uint32_t    column_count;
    uint32_t    chunk_count;
    uint32_t    chunk_capacity;
    DataChunk  *chunks;        /* in arena */
    uint64_t    row_count;
} RowBuf;

Error *rowbuf_init(RowBuf *buf, const Type *types, uint32_t column_count);
/* rowbuf_append_chunk: copy chunk's live rows. Errors: OUT_OF_MEMORY. */
Error *rowbuf_append_chunk(RowBuf *buf, const DataChunk *chunk);
/* rowbuf_append_row: copy one row (row_idx of chunk, ignoring its selection). */
Error *rowbuf_append_row(RowBuf *buf, const DataChunk *chunk, uint32_t row_idx);
/* rowbuf_row: the chunk and row index of row row_number (0-based) in append order. */
void   rowbuf_row(const RowBuf *buf, uint64_t row_number, const DataChunk **chunk_out,
                  uint32_t *row_idx_out);
size_t rowbuf_bytes(const RowBuf *buf);
void   rowbuf_reset(RowBuf *buf);
void   rowbuf_destroy(RowBuf *buf);

/* ----------------------------------------------------------- expressions ---- */

/* op_expr_close: close every subplan operator built under state (recursively). Call it from an
 * op's close() for each ExprState it prepared; safe on NULL and idempotent. */
void   op_expr_close(ExprState *state);
/* op_expr_type: the result type of a prepared expression. */
Type   op_expr_type(const ExprState *state);
/* op_expr_eval_chunk: evaluate n prepared expressions over input into the columns of out
 * (out->columns[i] set to the results, possibly constant vectors: consumers handle both);
 * out->row_count = input->row_count and out->sel/sel_count = input's. Pre: out->columns has
 * room for count vectors. Errors: the expressions'. */
Error *op_expr_eval_chunk(ExprState *const *states, uint32_t count, const DataChunk *input,
                          Arena *arena, DataChunk *out);
/* op_expr_prepare_list: expr_prepare for count expressions (NULL entries stay NULL) into an
 * array in ctx->arena. */
Error *op_expr_prepare_list(ExecCtx *ctx, Expr *const *exprs, uint32_t count,
                            ExprState ***states_out);
/* op_expr_bool_at: the three-valued value of row row_idx of a BOOLEAN vector (constant or
 * flat): -1 NULL, 0 false, 1 true. */
static inline int op_bool_at(const Vector *vec, uint32_t row_idx)
{
    uint32_t slot = vec->is_constant ? 0 : row_idx;
    if (vec_is_null(vec, slot)) return -1;
    return vec_bool(vec)[slot] != 0;
}
/* op_expr_param_value: when state is a bare parameter ($n) whose bound vector has exactly the
 * expression's type, that vector (constant, read-only; valid for the execution), else NULL.
 * Lets one-row producers copy a parameter once instead of evaluating it. */
const Vector *op_expr_param_value(const ExprState *state);
/* op_expr_eval_int64: evaluate a column-free expression (LIMIT, OFFSET, sequence arguments)
 * to an int64; *is_null_out for NULL. Integer types and NUMERIC (rounded) are accepted.
 * Errors: the expression's; DATATYPE_MISMATCH for other types. */
Error *op_expr_eval_int64(ExprState *state, Arena *arena, int64_t *value_out, bool *is_null_out);

/* op_plan_has_outer: does plan (or an expression in it, subplans included with their own
 * args) read ctx->outer at this level: any EXPR_OUTER outside a nested subplan's own scope,
 * or a nested subplan's args that do. op_plan_is_volatile: does it call nextval/setval/currval
 * or a special function (results must not be memoized). */
bool   op_plan_has_outer(const Plan *plan);
bool   op_plan_is_volatile(const Plan *plan);
bool   op_expr_has_outer(const Expr *expr);

/* Row keys are one key_append_int64 column: ROWCODEC_ROW_KEY_SIZE bytes; an index entry's key
 * ends with the row key bytes (rowcodec.c). rowcodec_index_dir: the KeyDir of an index's key
 * column key_idx (descending / nulls_first, PostgreSQL's defaults when absent). */
enum { ROWCODEC_ROW_KEY_SIZE = 9 };
KeyDir rowcodec_index_dir(const CatIndex *index, uint32_t key_idx);

/* op_err_position: set err->position to position when it has none; returns err. */
static inline Error *op_err_position(Error *err, int position)
{
    if (err != NULL && !err->is_static && err->position == 0 && position > 0) {
        err->position = position;
    }
    return err;
}

/* op_plan_walk_exprs: call fn for every top-level Expr stored in plan (filter, exprs, values,
 * keys, groups, aggregates, sort keys, limit/offset, windows, bounds, DML expressions), not
 * descending into children or subplans. Stops and returns false when fn does. */
typedef bool (*OpExprVisitFn)(void *ctx, const Expr *expr);
bool   op_plan_walk_exprs(const Plan *plan, OpExprVisitFn fn, void *ctx);

#endif
