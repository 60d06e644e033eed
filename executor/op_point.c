/* executor/op_point.c: the primary-key point lookup, a PLAN_INDEX_SCAN on the table tree itself
 * (a table clustered on its integer key, index NULL) whose bounds are one equality and nothing
 * else: `WHERE id = $1`.
 *
 * A range scan would open a txn cursor over [key, key+) and walk it; a point lookup needs one
 * descent: the bound is evaluated at open (and rescan), encoded as the row key (storage/key.h's
 * int64 encoding, as rowcodec_row_key writes it) and fetched with txn_row_get, which applies
 * the same snapshot visibility as the cursor (absent, deleted and invisible versions are "not
 * found"). The row's projected columns are decoded into one-row vectors and the plan's filter
 * (which repeats the bound predicate, plus any other conjunct) runs over that chunk.
 *
 * The op is reusable (Op.reset): it keeps its vectors, arenas and prepared expressions, so a
 * prepared statement's next execution only evaluates the bound and descends the tree.
 *
 * Per-lookup costs kept off the hot path (point):
 * - The chunk's value slots (one per column) and the record buffer are allocated once, in the
 *   op's cols arena, and reused by every fetch; only out-of-line strings, numeric digits and a
 *   validity word for a NULL go to the batch arena, which each fetch resets. A consumer that
 *   replaced a vector's slots (its data pointer is not the one the op allocated) gets a freshly
 *   initialized vector in the batch arena for that fetch, as before.
 * - A bound that is a bare parameter of its own type is read from the parameter vector
 *   (ExecCtx.params) instead of being evaluated into a copy.
 * - The filter is not run when it is exactly `key = bound` on an integer key column (the
 *   planner repeats the bound predicate as the filter): a row found by an exact key match
 *   already satisfies it, since the key encoding of an integer is equal exactly when the
 *   integers are (NULL bounds never reach the filter: they find no row). Any other filter
 *   (other conjuncts, casts, non-integer keys) runs as before.
 *
 * Invariants:
 * 1. next() returns at most one chunk of at most one row per open/rescan.
 * 2. The chunk's strings and numerics are copies in the op's batch arena (never pointers into
 *    the record buffer), valid until the next next(), rescan(), reset() or close().
 * 3. skip_filter is true only when the filter is `column = value` with column the scan's
 *    output of the table's cluster key, of type int2/int4/int8, and value the bound's own
 *    expression (the same Expr, or the same parameter).
 */
#include <string.h>

#include "common/asserts.h"
#include "executor/op_int.h"

typedef struct PointOp {
    Op          base;
    ExprState  *bound;       /* the equality value */
    ExprState  *filter;
    Arena      *scratch;     /* the bound's value (reset at every open/rescan) */
    Arena      *batch;       /* the output chunk's strings (reset at every fetch) */
    Arena      *cols;        /* the chunk's value slots (allocated once, never reset) */
    void      **col_data;    /* per column: the slot this op allocated (see above) */
    bool        skip_filter; /* invariant 3 */
    DataChunk   chunk;
    BtBuf       record;
    uint8_t     key[KEY_SIZE_MAX];
    size_t      key_size;
    bool        done;
} PointOp;

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

bool op_point_applies(const Plan *plan)
{
    const IndexBounds *bounds = &plan->bounds;
    return plan->kind == PLAN_INDEX_SCAN && plan->index == NULL && plan->table != NULL &&
           plan->table->tree != NULL && plan->table->cluster_attnum > 0 &&
           plan->lock_rows == 0 && !bounds->backward && bounds->eq_count == 1 &&
           bounds->eq_values != NULL && bounds->lo == NULL && bounds->hi == NULL &&
           plan->scan_count == plan->column_count;
}

/* bound_param: the bound's value read straight from the parameter vector (point) when the
 * bound is a bare parameter of the parameter's own type (a constant vector of one value, never
 * changed while the statement runs), else NULL: evaluate it. */
static const Vector *bound_param(const PointOp *point)
{
    const Expr *bound = point->base.plan->bounds.eq_values[0];
    const ExecCtx *ctx = point->base.ctx;
    if (bound->kind != EXPR_PARAM || ctx->params == NULL || bound->param_idx >= ctx->param_count) {
        return NULL;
    }
    const Vector *param = &ctx->params[bound->param_idx];
    return param->type.id == bound->type.id && param->capacity >= 1 ? param : NULL;
}

/* point_key: evaluate the bound into the row key; done when it is NULL (no row matches). */
static Error *point_key(PointOp *point)
{
    point->done = false;
    Vector evaluated;
    const Vector *value = bound_param(point);
    if (value == NULL) {
        arena_reset(point->scratch);
        TRY(expr_eval_const(point->bound, point->scratch, &evaluated));
        value = &evaluated;
    }
    if (vec_is_null(value, 0)) {
        point->done = true;
        return NULL;
    }
    KeyBuf key;
    key_buf_init(&key, point->key, sizeof point->key);
    TRY(rowcodec_key_append(&key, KEY_ASC, value, 0));
    point->key_size = key.size;
    return NULL;
}

static Error *point_open(Op *op) { return point_key((PointOp *)op); }

/* column_vector: the chunk's vector col_idx, empty and with room for one value. */
static Error *column_vector(PointOp *point, uint32_t col_idx, Vector **vec_out)
{
    Vector *vec = &point->chunk.columns[col_idx];
    *vec_out = vec;
    if (point->col_data[col_idx] != NULL && vec->data == point->col_data[col_idx] &&
        vec->capacity == 1) {
        vec_reset(vec);   /* all valid, not constant; the slot stays */
        vec->arena = point->batch;
        return NULL;
    }
    bool first = point->col_data[col_idx] == NULL;
    /* the first fetch allocates the slot in cols; if a consumer replaced it, this fetch's
     * slot is a fresh one in batch (cols never grows past one slot per column) */
    vec_init(vec, point->base.plan->types[col_idx], first ? point->cols : point->batch);
    TRY(vec_reserve(vec, 1));
    if (first) point->col_data[col_idx] = vec->data;
    vec->arena = point->batch;
    return NULL;
}

/* fetch: the visible version of the key decoded into the one-row chunk; *found_out. */
static Error *fetch(PointOp *point, bool *found_out)
{
    const Plan *plan = point->base.plan;
    ExecCtx *ctx = point->base.ctx;
    TRY(txn_row_get_point(ctx->txn, plan->table->tree, point->key, point->key_size,
                          &point->record, found_out));
    if (!*found_out) return NULL;
    arena_reset(point->batch);
    DataChunk *chunk = &point->chunk;
    for (uint32_t col_idx = 0; col_idx < chunk->column_count; col_idx++) {
        Vector *vec = NULL;
        TRY(column_vector(point, col_idx, &vec));
        TRY(rowcodec_decode_column(plan->table, plan->scan_attnums[col_idx], point->record.data,
                                   point->record.size, point->key, point->key_size, vec, 0));
    }
    chunk->row_count = 1;
    chunk->sel = NULL;
    chunk->sel_count = 0;
    chunk->arena = point->batch;
    return NULL;
}

static Error *point_next(Op *op, DataChunk **chunk_out)
{
    PointOp *point = (PointOp *)op;
    *chunk_out = NULL;
    if (point->done) return NULL;
    point->done = true;
    bool found = false;
    TRY(fetch(point, &found));
    if (!found) return NULL;
    if (point->filter != NULL && !point->skip_filter) {
        TRY(expr_filter(point->filter, &point->chunk, point->batch));
        if (chunk_live_count(&point->chunk) == 0) return NULL;
    }
    *chunk_out = &point->chunk;
    return NULL;
}

static Error *point_rescan(Op *op) { return point_key((PointOp *)op); }

static void point_reset(Op *op)
{
    PointOp *point = (PointOp *)op;
    point->done = true;
    point->chunk.row_count = 0;
    point->chunk.sel = NULL;
    if (point->batch != NULL) arena_reset(point->batch);
    if (point->scratch != NULL) arena_reset(point->scratch);
}

static void point_close(Op *op)
{
    PointOp *point = (PointOp *)op;
    op_expr_close(point->bound);
    op_expr_close(point->filter);
    bt_buf_free(&point->record);
    if (point->scratch != NULL) arena_destroy(point->scratch);
    point->scratch = NULL;
    if (point->batch != NULL) arena_destroy(point->batch);
    point->batch = NULL;
    if (point->cols != NULL) arena_destroy(point->cols);
    point->cols = NULL;
    point->done = true;
}

static const OpVtbl POINT_VTBL = {
    .name = "Index Scan", .open = point_open, .next = point_next, .rescan = point_rescan,
    .close = point_close,
};

/* same_value: the filter's operand value is the bound's expression. */
static bool same_value(const Expr *value, const Expr *bound)
{
    if (value == bound) return true;
    return value->kind == EXPR_PARAM && bound->kind == EXPR_PARAM &&
           value->param_idx == bound->param_idx && value->type.id == bound->type.id;
}

/* filter_is_bound: invariant 3 (the filter adds nothing to an exact integer key match). */
static bool filter_is_bound(const Plan *plan)
{
    const Expr *filter = plan->filter;
    if (filter == NULL || filter->kind != EXPR_CALL || filter->arg_count != 2 ||
        filter->name == NULL || strcmp(filter->name, "=") != 0) {
        return false;
    }
    const Expr *bound = plan->bounds.eq_values[0];
    for (int side = 0; side < 2; side++) {
        const Expr *column = filter->args[side];
        const Expr *value = filter->args[1 - side];
        if (column->kind != EXPR_COLUMN || column->column_idx >= plan->scan_count ||
            plan->scan_attnums[column->column_idx] != plan->table->cluster_attnum) {
            continue;
        }
        TypeId type = column->type.id;
        if (type != TYPE_INT2 && type != TYPE_INT4 && type != TYPE_INT8) return false;
        return value->type.id == type && bound->type.id == type && same_value(value, bound);
    }
    return false;
}

/* point_init: expressions, arenas and the chunk's column array (in ctx->arena, kept). */
static Error *point_init(PointOp *point)
{
    ExecCtx *ctx = point->base.ctx;
    const Plan *plan = point->base.plan;
    TRY(expr_prepare(ctx, plan->bounds.eq_values[0], &point->bound));
    if (plan->filter != NULL) TRY(expr_prepare(ctx, plan->filter, &point->filter));
    point->skip_filter = filter_is_bound(plan);
    point->scratch = arena_create(1024);
    point->batch = arena_create(4096);
    point->cols = arena_create(1024);
    if (point->scratch == NULL || point->batch == NULL || point->cols == NULL) return oom();
    point->col_data = arena_calloc(ctx->arena, (plan->column_count + 1u) * sizeof *point->col_data);
    if (point->col_data == NULL) return oom();
    return chunk_init(&point->chunk, plan->types, plan->column_count, ctx->arena);
}

Error *op_point_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    VERIFY(op_point_applies(plan));
    PointOp *point = arena_calloc(ctx->arena, sizeof *point);
    if (point == NULL) return oom();
    point->base = (Op){ .vt = &POINT_VTBL, .plan = plan, .ctx = ctx,
                        .column_count = plan->column_count, .types = plan->types,
                        .reset = point_reset };
    point->done = true;
    Error *err = point_init(point);
    if (err != NULL) {
        point_close(&point->base);
        return err;
    }
    *op_out = &point->base;
    return NULL;
}
