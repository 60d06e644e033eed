/* executor/op_basic.c: the small operators: result (one row of no columns), values (rows of
 * constant-ish expressions), filter, project, limit/offset.
 *
 * Filter narrows its child's chunk (sets sel) and returns it; project returns a chunk whose
 * columns are the expression results (aliasing the child's vectors where an expression is a
 * plain column) with the child's selection; limit narrows the child's chunk to the rows inside
 * [offset, offset + limit) and stops pulling once the limit is reached.
 */
#include <string.h>

#include "common/asserts.h"
#include "executor/op_int.h"

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static Error *child_open(Op *op) { return op->left != NULL ? exec_open(op->left) : NULL; }
static Error *child_rescan(Op *op) { return op->left != NULL ? exec_rescan(op->left) : NULL; }
/* child_reset: Op.reset of the ops whose own state is rebuilt by open(). */
static void child_reset(Op *op)
{
    if (op->left != NULL) exec_reset(op->left);
}

/* op_alloc: a zeroed op struct of size bytes in ctx->arena with the common fields set. */
static Error *op_alloc(ExecCtx *ctx, const Plan *plan, const OpVtbl *vt, size_t size,
                       Op **op_out)
{
    Op *op = arena_calloc(ctx->arena, size);
    if (op == NULL) return oom();
    op->vt = vt;
    op->plan = plan;
    op->ctx = ctx;
    op->column_count = plan->column_count;
    op->types = plan->types;
    *op_out = op;
    return NULL;
}

/* finish: on error close what the factory built so far (every close is idempotent and
 * tolerates missing parts), else hand the op out. */
static Error *finish(Op *op, Error *err, Op **op_out)
{
    if (err != NULL) {
        op->vt->close(op);
        return err;
    }
    *op_out = op;
    return NULL;
}

static Error *build_child(Op *op, const Plan *plan)
{
    if (plan->left == NULL) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "%s node without input", op->vt->name);
    }
    return exec_build(op->ctx, plan->left, &op->left);
}

/* ------------------------------------------------------------------ result ---- */

typedef struct ResultOp {
    Op        base;
    bool      done;
    DataChunk chunk;
} ResultOp;

static Error *result_open(Op *op)
{
    ((ResultOp *)op)->done = false;
    return NULL;
}

static Error *result_next(Op *op, DataChunk **chunk_out)
{
    ResultOp *result = (ResultOp *)op;
    *chunk_out = NULL;
    if (result->done) return NULL;
    result->done = true;
    result->chunk = (DataChunk){ .column_count = 0, .columns = NULL, .row_count = 1 };
    *chunk_out = &result->chunk;
    return NULL;
}

static void result_close(Op *op) { (void)op; }

static const OpVtbl RESULT_VTBL = {
    .name = "Result", .open = result_open, .next = result_next, .rescan = result_open,
    .close = result_close,
};

Error *op_result_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    TRY(op_alloc(ctx, plan, &RESULT_VTBL, sizeof(ResultOp), op_out));
    (*op_out)->reset = child_reset;
    return NULL;
}

/* ------------------------------------------------------------------ values ---- */

typedef struct ValuesOp {
    Op           base;
    ExprState ***cells;        /* [row][column] */
    uint32_t     row_next;
    OpBatch      batch;
} ValuesOp;

static Error *values_open(Op *op)
{
    ((ValuesOp *)op)->row_next = 0;
    return NULL;
}

static Error *values_next(Op *op, DataChunk **chunk_out)
{
    ValuesOp *values = (ValuesOp *)op;
    const Plan *plan = op->plan;
    *chunk_out = NULL;
    if (values->row_next >= plan->value_row_count) return NULL;
    uint32_t rows = plan->value_row_count - values->row_next;
    if (rows > VEC_VALUE_COUNT_MAX) rows = VEC_VALUE_COUNT_MAX;
    TRY(op_batch_begin(&values->batch, 0));
    DataChunk *chunk = &values->batch.chunk;
    for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
        Vector *vec = &chunk->columns[col_idx];
        if (vec->phys == VEC_PHYS_NUM64) {
            vec_init_phys(vec, vec->type, VEC_PHYS_NUMERIC, 0, values->batch.arena);
        }
        TRY(vec_reserve(vec, rows));
    }
    for (uint32_t row_idx = 0; row_idx < rows; row_idx++) {
        ExprState **row = values->cells[values->row_next + row_idx];
        for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
            const Vector *param = op_expr_param_value(row[col_idx]);   /* INSERT ... ($1) */
            if (param != NULL) {
                TRY(op_vec_copy_value(&chunk->columns[col_idx], row_idx, param, 0));
                continue;
            }
            Vector value;
            TRY(expr_eval_const(row[col_idx], values->batch.arena, &value));
            TRY(op_vec_copy_value(&chunk->columns[col_idx], row_idx, &value, 0));
        }
    }
    chunk->row_count = rows;
    values->row_next += rows;
    *chunk_out = chunk;
    return NULL;
}

static void values_reset(Op *op)
{
    ValuesOp *values = (ValuesOp *)op;
    values->row_next = op->plan->value_row_count;
    if (values->batch.arena != NULL) arena_reset(values->batch.arena);
}

static void values_close(Op *op)
{
    ValuesOp *values = (ValuesOp *)op;
    const Plan *plan = op->plan;
    for (uint32_t row_idx = 0; values->cells != NULL && row_idx < plan->value_row_count;
         row_idx++) {
        for (uint32_t col_idx = 0; values->cells[row_idx] != NULL && col_idx < plan->column_count;
             col_idx++) {
            op_expr_close(values->cells[row_idx][col_idx]);
        }
    }
    op_batch_destroy(&values->batch);
}

static const OpVtbl VALUES_VTBL = {
    .name = "Values Scan", .open = values_open, .next = values_next, .rescan = values_open,
    .close = values_close,
};

static Error *values_init(ValuesOp *values)
{
    ExecCtx *ctx = values->base.ctx;
    const Plan *plan = values->base.plan;
    values->cells = arena_calloc(ctx->arena,
                                 (plan->value_row_count > 0 ? plan->value_row_count : 1) *
                                     sizeof *values->cells);
    if (values->cells == NULL) return oom();
    for (uint32_t row_idx = 0; row_idx < plan->value_row_count; row_idx++) {
        TRY(op_expr_prepare_list(ctx, plan->value_rows[row_idx], plan->column_count,
                                 &values->cells[row_idx]));
        for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
            if (values->cells[row_idx][col_idx] == NULL) {
                return err_new(SQLSTATE_INTERNAL_ERROR, "VALUES cell without expression");
            }
        }
    }
    return op_batch_init(&values->batch, plan->types, plan->column_count);
}

Error *op_values_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    Op *op = NULL;
    TRY(op_alloc(ctx, plan, &VALUES_VTBL, sizeof(ValuesOp), &op));
    op->reset = values_reset;
    return finish(op, values_init((ValuesOp *)op), op_out);
}

/* ------------------------------------------------------------------ filter ---- */

typedef struct FilterOp {
    Op         base;
    ExprState *filter;
    Arena     *arena;      /* batch arena: selections */
} FilterOp;

static Error *filter_next(Op *op, DataChunk **chunk_out)
{
    FilterOp *filter = (FilterOp *)op;
    *chunk_out = NULL;
    arena_reset(filter->arena);
    for (;;) {
        DataChunk *chunk;
        TRY(exec_next(op->left, &chunk));
        if (chunk == NULL) return NULL;
        if (filter->filter != NULL) TRY(expr_filter(filter->filter, chunk, filter->arena));
        if (chunk_live_count(chunk) > 0) {
            *chunk_out = chunk;
            return NULL;
        }
    }
}

static void filter_close(Op *op)
{
    FilterOp *filter = (FilterOp *)op;
    exec_close(op->left);
    op_expr_close(filter->filter);
    if (filter->arena != NULL) arena_destroy(filter->arena);
    filter->arena = NULL;
}

static const OpVtbl FILTER_VTBL = {
    .name = "Filter", .open = child_open, .next = filter_next, .rescan = child_rescan,
    .close = filter_close,
};

Error *op_filter_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    Op *op = NULL;
    TRY(op_alloc(ctx, plan, &FILTER_VTBL, sizeof(FilterOp), &op));
    op->reset = child_reset;
    FilterOp *filter = (FilterOp *)op;
    Error *err = NULL;
    if (plan->filter != NULL) err = expr_prepare(ctx, plan->filter, &filter->filter);
    if (err == NULL) {
        filter->arena = arena_create(16 * 1024);
        if (filter->arena == NULL) err = oom();
    }
    if (err == NULL) err = build_child(op, plan);
    return finish(op, err, op_out);
}

/* ------------------------------------------------------------------ project ---- */

typedef struct ProjectOp {
    Op          base;
    ExprState **exprs;
    Arena      *arena;
    DataChunk   chunk;
} ProjectOp;

static Error *project_next(Op *op, DataChunk **chunk_out)
{
    ProjectOp *project = (ProjectOp *)op;
    *chunk_out = NULL;
    arena_reset(project->arena);
    DataChunk *input;
    TRY(exec_next(op->left, &input));
    if (input == NULL) return NULL;
    TRY(op_expr_eval_chunk(project->exprs, op->plan->column_count, input, project->arena,
                           &project->chunk));
    *chunk_out = &project->chunk;
    return NULL;
}

static void project_close(Op *op)
{
    ProjectOp *project = (ProjectOp *)op;
    exec_close(op->left);
    for (uint32_t idx = 0; project->exprs != NULL && idx < op->plan->column_count; idx++) {
        op_expr_close(project->exprs[idx]);
    }
    if (project->arena != NULL) arena_destroy(project->arena);
    project->arena = NULL;
}

static const OpVtbl PROJECT_VTBL = {
    .name = "Project", .open = child_open, .next = project_next, .rescan = child_rescan,
    .close = project_close,
};

static Error *project_init(ProjectOp *project)
{
    ExecCtx *ctx = project->base.ctx;
    const Plan *plan = project->base.plan;
    if (plan->column_count > 0 && plan->exprs == NULL) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "projection without expressions");
    }
    TRY(op_expr_prepare_list(ctx, plan->exprs, plan->column_count, &project->exprs));
    for (uint32_t idx = 0; idx < plan->column_count; idx++) {
        if (project->exprs[idx] == NULL) {
            return err_new(SQLSTATE_INTERNAL_ERROR, "projection without expression");
        }
    }
    project->chunk.columns = arena_calloc(ctx->arena, (plan->column_count > 0 ? plan->column_count
                                                                              : 1) *
                                                          sizeof(Vector));
    if (project->chunk.columns == NULL) return oom();
    project->arena = arena_create(64 * 1024);
    if (project->arena == NULL) return oom();
    return build_child(&project->base, plan);
}

Error *op_project_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    Op *op = NULL;
    TRY(op_alloc(ctx, plan, &PROJECT_VTBL, sizeof(ProjectOp), &op));
    op->reset = child_reset;
    return finish(op, project_init((ProjectOp *)op), op_out);
}

/* ------------------------------------------------------------------ limit ---- */

typedef struct LimitOp {
    Op         base;
    ExprState *limit;
    ExprState *offset;
    bool       has_limit;
    uint64_t   limit_count;
    uint64_t   offset_count;
    uint64_t   skipped;
    uint64_t   emitted;
    Arena     *arena;
} LimitOp;

/* limit_bounds: evaluate LIMIT and OFFSET (at open and rescan: they may read outer values). */
static Error *limit_bounds(LimitOp *limit)
{
    arena_reset(limit->arena);
    limit->has_limit = false;
    limit->limit_count = 0;
    limit->offset_count = 0;
    limit->skipped = 0;
    limit->emitted = 0;
    if (limit->limit != NULL) {
        int64_t value;
        bool is_null;
        TRY(op_expr_eval_int64(limit->limit, limit->arena, &value, &is_null));
        if (!is_null) {
            if (value < 0) {
                return err_new(SQLSTATE_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE,
                               "LIMIT must not be negative");
            }
            limit->has_limit = true;
            limit->limit_count = (uint64_t)value;
        }
    }
    if (limit->offset != NULL) {
        int64_t value;
        bool is_null;
        TRY(op_expr_eval_int64(limit->offset, limit->arena, &value, &is_null));
        if (!is_null) {
            if (value < 0) {
                return err_new(SQLSTATE_INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE,
                               "OFFSET must not be negative");
            }
            limit->offset_count = (uint64_t)value;
        }
    }
    return NULL;
}

static Error *limit_open(Op *op)
{
    TRY(limit_bounds((LimitOp *)op));
    return exec_open(op->left);
}

static Error *limit_rescan(Op *op)
{
    TRY(limit_bounds((LimitOp *)op));
    return exec_rescan(op->left);
}

static Error *limit_next(Op *op, DataChunk **chunk_out)
{
    LimitOp *limit = (LimitOp *)op;
    *chunk_out = NULL;
    for (;;) {
        if (limit->has_limit && limit->emitted >= limit->limit_count) return NULL;
        DataChunk *chunk;
        TRY(exec_next(op->left, &chunk));
        if (chunk == NULL) return NULL;
        uint32_t live = chunk_live_count(chunk);
        uint32_t skip = 0;
        if (limit->skipped < limit->offset_count) {
            uint64_t left = limit->offset_count - limit->skipped;
            skip = left >= live ? live : (uint32_t)left;
            limit->skipped += skip;
        }
        uint32_t take = live - skip;
        if (limit->has_limit && take > limit->limit_count - limit->emitted) {
            take = (uint32_t)(limit->limit_count - limit->emitted);
        }
        if (take == 0) continue;
        if (skip > 0 || take < live) {
            uint16_t *sel = arena_alloc(limit->arena, take * sizeof(uint16_t));
            if (sel == NULL) return oom();
            for (uint32_t idx = 0; idx < take; idx++) {
                sel[idx] = chunk->sel != NULL ? chunk->sel[skip + idx] : (uint16_t)(skip + idx);
            }
            chunk_set_sel(chunk, sel, take);
        }
        limit->emitted += take;
        *chunk_out = chunk;
        return NULL;
    }
}

static void limit_close(Op *op)
{
    LimitOp *limit = (LimitOp *)op;
    exec_close(op->left);
    op_expr_close(limit->limit);
    op_expr_close(limit->offset);
    if (limit->arena != NULL) arena_destroy(limit->arena);
    limit->arena = NULL;
}

static const OpVtbl LIMIT_VTBL = {
    .name = "Limit", .open = limit_open, .next = limit_next, .rescan = limit_rescan,
    .close = limit_close,
};

Error *op_limit_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    Op *op = NULL;
    TRY(op_alloc(ctx, plan, &LIMIT_VTBL, sizeof(LimitOp), &op));
    op->reset = child_reset;
    LimitOp *limit = (LimitOp *)op;
    Error *err = NULL;
    if (plan->limit != NULL) err = expr_prepare(ctx, plan->limit, &limit->limit);
    if (err == NULL && plan->offset != NULL) err = expr_prepare(ctx, plan->offset, &limit->offset);
    if (err == NULL) {
        limit->arena = arena_create(8 * 1024);
        if (limit->arena == NULL) err = oom();
    }
    if (err == NULL) err = build_child(op, plan);
    return finish(op, err, op_out);
}
