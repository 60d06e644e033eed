/* executor/op_srf.c: ProjectSet: set-returning functions of a select list (unnest,
 * generate_series), PostgreSQL 10's semantics.
 *
 * The plan is a PLAN_PROJECT with srf_count > 0 (planner/plan.h): the output row is the input
 * row followed by one column per set-returning call. Every input row gives max(len_k) output
 * rows, len_k being the number of values call k returns for it (unnest: the array's length, 0
 * for NULL; generate_series: the series' length, 0 when an argument is NULL); calls that run out
 * first are padded with NULLs (lockstep), and a row whose calls all return nothing vanishes.
 *
 * Vectorized: the arguments of every call are evaluated once per input chunk (op_expr_eval_chunk
 * into `input_arena`, which lives as long as that chunk is being expanded); the lengths of all
 * live rows are computed in one pass; an output chunk of up to VEC_VALUE_COUNT_MAX rows is then
 * filled run by run (a run: consecutive output rows of one input row) with type-specialized
 * loops per call, and the input columns are copied with one op_vec_gather per column. One input
 * row may spread over many output chunks (generate_series(1, 1000000)): the position inside it
 * (live_idx, elem_pos, the array iterators) survives between next() calls.
 *
 * Errors: INVALID_PARAMETER_VALUE (22023) `step size cannot equal zero` (PostgreSQL's);
 * the argument expressions' errors; 22P03 for a malformed array value.
 */
#include <string.h>

#include "executor/kern_array.h"
#include "executor/op_int.h"

Error *op_project_set_new(ExecCtx *ctx, const Plan *plan, Op **op_out);

typedef enum SrfKind { SRF_UNNEST, SRF_SERIES } SrfKind;

typedef struct SrfCall {
    SrfKind     kind;
    Type        type;          /* result column type */
    uint32_t    arg_count;
    ExprState **states;        /* arg_count prepared argument expressions */
    DataChunk   args;          /* arguments over the current input chunk (input_arena) */
    ArrayView  *views;         /* SRF_UNNEST: per live row of the current input (valid rows) */
    ArrayIter   iter;          /* SRF_UNNEST: the current row's next element */
} SrfCall;

typedef struct ProjectSetOp {
    Op          base;
    uint32_t    width;         /* input columns passed through */
    uint32_t    srf_count;
    SrfCall    *calls;
    Arena      *batch;         /* output chunk: reset at each next() */
    Arena      *input_arena;   /* per input chunk: argument vectors, lengths, views */
    DataChunk  *input;         /* the chunk being expanded (the child's, valid until its next) */
    uint32_t    live_count;
    uint64_t   *lengths;       /* per live row: output rows it gives */
    uint64_t  **call_lengths;  /* per call, per live row */
    uint32_t    live_idx;      /* the live row being expanded */
    uint64_t    elem_pos;      /* output rows of it already emitted */
    bool        child_done;
    DataChunk   out;
    uint16_t    gather[VEC_VALUE_COUNT_MAX];
} ProjectSetOp;

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static inline uint32_t slot_of(const Vector *vec, uint32_t row_idx)
{
    return vec->is_constant ? 0 : row_idx;
}

static int64_t int_at(const Vector *vec, uint32_t row_idx)
{
    uint32_t slot = slot_of(vec, row_idx);
    return vec->type.id == TYPE_INT4 ? (int64_t)vec_i32(vec)[slot] : vec_i64(vec)[slot];
}

/* series_length: values of generate_series(start, stop, step); 0 when empty. */
static uint64_t series_length(int64_t start, int64_t stop, int64_t step)
{
    if (step > 0) {
        if (start > stop) return 0;
        return ((uint64_t)stop - (uint64_t)start) / (uint64_t)step + 1;
    }
    if (start < stop) return 0;
    return ((uint64_t)start - (uint64_t)stop) / ((uint64_t)0 - (uint64_t)step) + 1;
}

static void series_args(const SrfCall *call, uint32_t row_idx, int64_t *start, int64_t *stop,
                        int64_t *step)
{
    *start = int_at(&call->args.columns[0], row_idx);
    *stop = int_at(&call->args.columns[1], row_idx);
    *step = call->arg_count > 2 ? int_at(&call->args.columns[2], row_idx) : 1;
}

static bool any_null(const SrfCall *call, uint32_t row_idx)
{
    for (uint32_t arg_idx = 0; arg_idx < call->arg_count; arg_idx++) {
        const Vector *vec = &call->args.columns[arg_idx];
        if (vec_is_null(vec, slot_of(vec, row_idx))) return true;
    }
    return false;
}

/* load_input: evaluate every call's arguments over input and compute each live row's length. */
static Error *load_input(ProjectSetOp *op, DataChunk *input)
{
    arena_reset(op->input_arena);
    op->input = input;
    op->live_count = chunk_live_count(input);
    op->live_idx = 0;
    op->elem_pos = 0;
    op->lengths = arena_calloc(op->input_arena, (op->live_count + 1u) * sizeof *op->lengths);
    if (op->lengths == NULL) return oom();
    for (uint32_t call_idx = 0; call_idx < op->srf_count; call_idx++) {
        SrfCall *call = &op->calls[call_idx];
        uint64_t *lengths = arena_calloc(op->input_arena, (op->live_count + 1u) * sizeof *lengths);
        if (lengths == NULL) return oom();
        op->call_lengths[call_idx] = lengths;
        TRY(op_expr_eval_chunk(call->states, call->arg_count, input, op->input_arena,
                               &call->args));
        if (call->kind == SRF_UNNEST) {
            call->views = arena_calloc(op->input_arena, (op->live_count + 1u) * sizeof(ArrayView));
            if (call->views == NULL) return oom();
        }
        for (uint32_t live = 0; live < op->live_count; live++) {
            uint32_t row_idx = input->sel != NULL ? input->sel[live] : live;
            if (any_null(call, row_idx)) continue;
            if (call->kind == SRF_UNNEST) {
                TRY(kern_array_view(&call->args.columns[0], slot_of(&call->args.columns[0],
                                                                    row_idx),
                                    &call->views[live]));
                lengths[live] = call->views[live].count > 0 ? (uint64_t)call->views[live].count
                                                            : 0;
            } else {
                int64_t start, stop, step;
                series_args(call, row_idx, &start, &stop, &step);
                if (step == 0) {
                    return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                                   "step size cannot equal zero");
                }
                lengths[live] = series_length(start, stop, step);
            }
            if (lengths[live] > op->lengths[live]) op->lengths[live] = lengths[live];
        }
    }
    return NULL;
}

/* fill_run: output rows [out_start, out_start + take) of call for the current live row, whose
 * values [elem_pos, elem_pos + take) they are (NULL past the call's own length). */
static Error *fill_run(ProjectSetOp *op, SrfCall *call, uint32_t call_idx, Vector *dst,
                       uint32_t out_start, uint32_t take)
{
    uint32_t live = op->live_idx;
    uint64_t length = op->call_lengths[call_idx][live];
    uint64_t pos = op->elem_pos;
    uint32_t have = pos >= length ? 0 : (length - pos < take ? (uint32_t)(length - pos) : take);
    if (have > 0 && call->kind == SRF_SERIES) {
        uint32_t row_idx = op->input->sel != NULL ? op->input->sel[live] : live;
        int64_t start, stop, step;
        series_args(call, row_idx, &start, &stop, &step);
        uint64_t first = (uint64_t)start + pos * (uint64_t)step;
        if (call->type.id == TYPE_INT4) {
            int32_t *data = vec_i32(dst) + out_start;
            for (uint32_t idx = 0; idx < have; idx++) {
                data[idx] = (int32_t)(int64_t)(first + (uint64_t)idx * (uint64_t)step);
            }
        } else {
            int64_t *data = vec_i64(dst) + out_start;
            for (uint32_t idx = 0; idx < have; idx++) {
                data[idx] = (int64_t)(first + (uint64_t)idx * (uint64_t)step);
            }
        }
        for (uint32_t idx = 0; idx < have && dst->validity != NULL; idx++) {
            vec_set_valid(dst, out_start + idx);
        }
    } else if (have > 0) {
        if (pos == 0) call->iter = array_iter(&call->views[live]);
        for (uint32_t idx = 0; idx < have; idx++) {
            const uint8_t *data = NULL;
            int32_t size = -1;
            if (!array_next(&call->iter, &data, &size)) {
                return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "invalid array data");
            }
            TRY(kern_array_elem_set(dst, out_start + idx, data, size));
        }
    }
    for (uint32_t idx = have; idx < take; idx++) TRY(vec_set_null(dst, out_start + idx));
    return NULL;
}

static Error *project_set_next(Op *base, DataChunk **chunk_out)
{
    ProjectSetOp *op = (ProjectSetOp *)base;
    *chunk_out = NULL;
    arena_reset(op->batch);
    DataChunk *out = &op->out;
    out->row_count = 0;
    out->sel = NULL;
    out->sel_count = 0;
    for (uint32_t call_idx = 0; call_idx < op->srf_count; call_idx++) {
        Vector *dst = &out->columns[op->width + call_idx];
        vec_init(dst, op->calls[call_idx].type, op->batch);
        TRY(vec_reserve(dst, VEC_VALUE_COUNT_MAX));
    }
    uint32_t count = 0;
    while (count < VEC_VALUE_COUNT_MAX) {
        if (op->input == NULL || op->live_idx >= op->live_count) {
            if (count > 0 || op->child_done) break;   /* gather reads the current input */
            DataChunk *input = NULL;
            TRY(exec_next(base->left, &input));
            if (input == NULL) {
                op->child_done = true;
                op->input = NULL;
                break;
            }
            TRY(load_input(op, input));
            continue;
        }
        uint64_t length = op->lengths[op->live_idx];
        if (op->elem_pos >= length) {
            op->live_idx++;
            op->elem_pos = 0;
            continue;
        }
        uint64_t rest = length - op->elem_pos;
        uint32_t room = VEC_VALUE_COUNT_MAX - count;
        uint32_t take = rest < room ? (uint32_t)rest : room;
        uint32_t row_idx = op->input->sel != NULL ? op->input->sel[op->live_idx] : op->live_idx;
        for (uint32_t idx = 0; idx < take; idx++) op->gather[count + idx] = (uint16_t)row_idx;
        for (uint32_t call_idx = 0; call_idx < op->srf_count; call_idx++) {
            TRY(fill_run(op, &op->calls[call_idx], call_idx, &out->columns[op->width + call_idx],
                         count, take));
        }
        count += take;
        op->elem_pos += take;
    }
    if (count == 0) return NULL;
    for (uint32_t col_idx = 0; col_idx < op->width; col_idx++) {
        const Vector *src = &op->input->columns[col_idx];
        op_vec_init_like(&out->columns[col_idx], src, false, op->batch);
        TRY(op_vec_gather(&out->columns[col_idx], 0, src, op->gather, count));
    }
    out->row_count = count;
    *chunk_out = out;
    return NULL;
}

static void state_reset(ProjectSetOp *op)
{
    op->input = NULL;
    op->live_count = 0;
    op->live_idx = 0;
    op->elem_pos = 0;
    op->child_done = false;
}

static Error *project_set_open(Op *base)
{
    state_reset((ProjectSetOp *)base);
    return exec_open(base->left);
}

static Error *project_set_rescan(Op *base)
{
    state_reset((ProjectSetOp *)base);
    return exec_rescan(base->left);
}

static void project_set_reset(Op *base)
{
    state_reset((ProjectSetOp *)base);
    if (base->left != NULL) exec_reset(base->left);
}

static void project_set_close(Op *base)
{
    ProjectSetOp *op = (ProjectSetOp *)base;
    if (base->left != NULL) exec_close(base->left);
    for (uint32_t call_idx = 0; op->calls != NULL && call_idx < op->srf_count; call_idx++) {
        SrfCall *call = &op->calls[call_idx];
        for (uint32_t arg_idx = 0; call->states != NULL && arg_idx < call->arg_count; arg_idx++) {
            op_expr_close(call->states[arg_idx]);
        }
    }
    if (op->batch != NULL) arena_destroy(op->batch);
    if (op->input_arena != NULL) arena_destroy(op->input_arena);
    op->batch = NULL;
    op->input_arena = NULL;
    op->input = NULL;
}

static const OpVtbl PROJECT_SET_VTBL = {
    .name = "ProjectSet", .open = project_set_open, .next = project_set_next,
    .rescan = project_set_rescan, .close = project_set_close,
};

static Error *project_set_init(ProjectSetOp *op, ExecCtx *ctx, const Plan *plan)
{
    op->srf_count = plan->srf_count;
    op->width = plan->column_count - plan->srf_count;
    op->calls = arena_calloc(ctx->arena, op->srf_count * sizeof *op->calls);
    op->call_lengths = arena_calloc(ctx->arena, op->srf_count * sizeof *op->call_lengths);
    op->out.columns = arena_calloc(ctx->arena, plan->column_count * sizeof(Vector));
    if (op->calls == NULL || op->call_lengths == NULL || op->out.columns == NULL) return oom();
    op->out.column_count = plan->column_count;
    for (uint32_t call_idx = 0; call_idx < op->srf_count; call_idx++) {
        const Expr *expr = plan->exprs[op->width + call_idx];
        SrfCall *call = &op->calls[call_idx];
        if (expr == NULL || expr->kind != EXPR_CALL || expr->name == NULL) {
            return err_new(SQLSTATE_INTERNAL_ERROR, "ProjectSet without a set-returning call");
        }
        bool unnest = strcmp(expr->name, "unnest") == 0;
        if ((unnest && expr->arg_count != 1) ||
            (!unnest && (strcmp(expr->name, "generate_series") != 0 || expr->arg_count < 2 ||
                         expr->arg_count > 3 ||
                         (expr->type.id != TYPE_INT4 && expr->type.id != TYPE_INT8)))) {
            return err_new(SQLSTATE_INTERNAL_ERROR, "unknown set-returning call %s", expr->name);
        }
        call->kind = unnest ? SRF_UNNEST : SRF_SERIES;
        call->type = expr->type;
        call->arg_count = expr->arg_count;
        TRY(op_expr_prepare_list(ctx, expr->args, expr->arg_count, &call->states));
        call->args.columns = arena_calloc(ctx->arena, 3 * sizeof(Vector));
        if (call->args.columns == NULL) return oom();
        call->args.column_count = expr->arg_count;
    }
    op->batch = arena_create(64 * 1024);
    op->input_arena = arena_create(64 * 1024);
    if (op->batch == NULL || op->input_arena == NULL) return oom();
    if (plan->left == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "ProjectSet without input");
    return exec_build(ctx, plan->left, &op->base.left);
}

Error *op_project_set_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ProjectSetOp *op = arena_calloc(ctx->arena, sizeof *op);
    if (op == NULL) return oom();
    op->base.vt = &PROJECT_SET_VTBL;
    op->base.plan = plan;
    op->base.ctx = ctx;
    op->base.column_count = plan->column_count;
    op->base.types = plan->types;
    op->base.reset = project_set_reset;
    Error *err = project_set_init(op, ctx, plan);
    if (err != NULL) {
        project_set_close(&op->base);
        return err;
    }
    *op_out = &op->base;
    return NULL;
}
