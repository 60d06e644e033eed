/* executor/op_build.c: exec_build (Plan -> Op tree), the exec_open/next/rescan/close wrappers
 * that count rows, loops and time for EXPLAIN ANALYZE, interrupts, exec_stats, and the shared
 * operator helpers of op_int.h (batches, vector copies, RowBuf, plan walkers).
 *
 * exec_stats walks the Op tree in plan_explain's pre-order (node, left subtree, right subtree,
 * then the subplans of the node's expressions). Ops of subplans are owned by their ExprStates,
 * which an Op does not expose, so subplan nodes are reported as never executed (zeros); the
 * count of nodes still matches plan_node_count.
 */
#include <string.h>
#include <time.h>

#include "common/asserts.h"
#include "executor/op_int.h"

typedef Error *(*OpFactory)(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_sysview_new(ExecCtx *ctx, const Plan *plan, Op **op_out);   /* sysviews */
Error *op_cte_run_modifying(ExecCtx *ctx);                  /* sqlfeat: WITH x AS (DELETE ...) */
void   op_cte_release(ExecCtx *ctx);                        /* the CTEs' spill files */
Error *op_project_set_new(ExecCtx *ctx, const Plan *plan, Op **op_out);   /* sqlfeat: SRFs */

static OpFactory factory_of(PlanKind kind)
{
    switch (kind) {
    case PLAN_RESULT: return op_result_new;
    case PLAN_VALUES: return op_values_new;
    case PLAN_SEQ_SCAN: return op_seq_scan_new;
    case PLAN_INDEX_SCAN: return op_index_scan_new;
    case PLAN_FILTER: return op_filter_new;
    case PLAN_PROJECT: return op_project_new;
    case PLAN_HASH_JOIN: return op_hash_join_new;
    case PLAN_NL_JOIN: return op_nl_join_new;
    case PLAN_HASH_AGG: return op_hash_agg_new;
    case PLAN_SORT: return op_sort_new;
    case PLAN_LIMIT: return op_limit_new;
    case PLAN_SETOP: return op_setop_new;
    case PLAN_WINDOW: return op_window_new;
    case PLAN_CTE_SCAN: return op_cte_scan_new;
    case PLAN_RECURSIVE_UNION: return op_recursive_union_new;
    case PLAN_WORK_SCAN: return op_work_scan_new;
    case PLAN_INSERT: return op_insert_new;
    case PLAN_UPDATE: return op_update_new;
    case PLAN_DELETE: return op_delete_new;
    case PLAN_SYSVIEW_SCAN: return op_sysview_new;   /* sysviews: op_sysview.c */
    }
    return NULL;
}

Error *exec_build(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    *op_out = NULL;
    if (plan == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "no plan to execute");
    OpFactory factory = factory_of(plan->kind);
    if (plan->kind == PLAN_INDEX_SCAN && op_point_applies(plan)) factory = op_point_new;
    if (plan->kind == PLAN_PROJECT && plan->srf_count > 0) factory = op_project_set_new;   /* sqlfeat */
    if (factory == NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "plan node kind %d is not supported",
                       (int)plan->kind);
    }
    Op *op = NULL;
    TRY(factory(ctx, plan, &op));
    VERIFY(op != NULL);
    if (op->plan == NULL) op->plan = plan;
    if (op->ctx == NULL) op->ctx = ctx;
    op->column_count = plan->column_count;
    op->types = plan->types;
    *op_out = op;
    return NULL;
}

/* ---------------------------------------------------------------- wrappers ---- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

Error *exec_check_interrupt(ExecCtx *ctx)
{
    if (ctx == NULL || ctx->interrupt == NULL) return NULL;
    int value = atomic_load_explicit(ctx->interrupt, memory_order_relaxed);
    if (value == 0) return NULL;
    if (value == 2) {
        return err_new(SQLSTATE_QUERY_CANCELED, "canceling statement due to statement timeout");
    }
    return err_new(SQLSTATE_QUERY_CANCELED, "canceling statement due to user request");
}

Error *exec_open(Op *op)
{
    if (op->ctx->planned != NULL && op->plan == op->ctx->planned->root) {   /* sqlfeat: WITH */
        TRY(op_cte_run_modifying(op->ctx));
    }
    if (!op->ctx->analyze) return op->vt->open(op);
    double start = now_ms();
    Error *err = op->vt->open(op);
    op->loops++;
    op->total_ms += now_ms() - start;
    return err;
}

Error *exec_next(Op *op, DataChunk **chunk_out)
{
    *chunk_out = NULL;
    TRY(exec_check_interrupt(op->ctx));
    if (!op->ctx->analyze) return op->vt->next(op, chunk_out);
    double start = now_ms();
    Error *err = op->vt->next(op, chunk_out);
    op->total_ms += now_ms() - start;
    if (err == NULL && *chunk_out != NULL) op->rows_out += chunk_live_count(*chunk_out);
    return err;
}

Error *exec_rescan(Op *op)
{
    if (!op->ctx->analyze) return op->vt->rescan(op);
    double start = now_ms();
    Error *err = op->vt->rescan(op);
    op->loops++;
    op->total_ms += now_ms() - start;
    return err;
}

void exec_close(Op *op)
{
    if (op == NULL) return;
    op->vt->close(op);
    /* the statement's root closed: every CTE scan closed its reader, so the files can go */
    if (op->ctx->planned != NULL && op->plan == op->ctx->planned->root) op_cte_release(op->ctx);
}

enum { REUSE_DEPTH_MAX = 64 };

static bool tree_reusable(const Op *op, int depth)
{
    if (op == NULL) return true;
    if (op->reset == NULL || depth > REUSE_DEPTH_MAX) return false;
    return tree_reusable(op->left, depth + 1) && tree_reusable(op->right, depth + 1);
}

bool exec_reusable(const Op *root)
{
    return root != NULL && !root->ctx->reuse_blocked && !root->ctx->analyze &&
           tree_reusable(root, 0);
}

void exec_reset(Op *op)
{
    if (op == NULL) return;
    VERIFY(op->reset != NULL);
    op->reset(op);
}

/* ---------------------------------------------------------------- exec_stats ---- */

enum { STATS_DEPTH_MAX = 256 };

/* plan_nodes: nodes of plan in plan_explain's pre-order (with the subplans of expressions),
 * counted by the planner itself so both sides always agree. */
static size_t plan_nodes(const Plan *plan)
{
    if (plan == NULL) return 0;
    PlannedStmt planned = { .root = (Plan *)plan };
    return plan_node_count(&planned);
}

typedef struct StatsWalk {
    PlanNodeStats *stats;
    size_t         count;
    size_t         capacity;
} StatsWalk;

static void stats_push(StatsWalk *walk, const Op *op)
{
    if (walk->count >= walk->capacity) return;
    PlanNodeStats *entry = &walk->stats[walk->count++];
    entry->rows = op != NULL ? (double)op->rows_out : 0;
    entry->loops = op != NULL ? (double)op->loops : 0;
    entry->total_ms = op != NULL ? op->total_ms : 0;
}

static void stats_walk(StatsWalk *walk, const Op *op, const Plan *plan, int depth)
{
    if (plan == NULL || depth > STATS_DEPTH_MAX) return;
    stats_push(walk, op);
    const Op *left = op != NULL && op->left != NULL && op->left->plan == plan->left ? op->left
                                                                                  : NULL;
    const Op *right = op != NULL && op->right != NULL && op->right->plan == plan->right
                          ? op->right : NULL;
    stats_walk(walk, left, plan->left, depth + 1);
    stats_walk(walk, right, plan->right, depth + 1);
    /* the subplans of this node's expressions: never reported (see the file comment) */
    size_t sub_count = plan_nodes(plan) - 1 - plan_nodes(plan->left) - plan_nodes(plan->right);
    for (size_t idx = 0; idx < sub_count; idx++) stats_push(walk, NULL);
}

Error *exec_stats(Op *root, Arena *arena, PlanNodeStats **stats_out, size_t *count_out)
{
    *stats_out = NULL;
    *count_out = 0;
    if (root == NULL) return NULL;
    size_t capacity = plan_nodes(root->plan);
    if (capacity == 0) return NULL;
    PlanNodeStats *stats = arena_calloc(arena, capacity * sizeof *stats);
    if (stats == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    StatsWalk walk = { .stats = stats, .count = 0, .capacity = capacity };
    stats_walk(&walk, root, root->plan, 0);
    *stats_out = stats;
    *count_out = walk.count;
    return NULL;
}

/* ---------------------------------------------------------------- plan walkers ---- */

static bool visit(OpExprVisitFn fn, void *ctx, const Expr *expr)
{
    return expr == NULL || fn(ctx, expr);
}

bool op_plan_walk_exprs(const Plan *plan, OpExprVisitFn fn, void *ctx)
{
    if (plan == NULL) return true;
    if (!visit(fn, ctx, plan->filter)) return false;
    if (plan->kind == PLAN_PROJECT && plan->exprs != NULL) {
        for (uint32_t idx = 0; idx < plan->column_count; idx++) {
            if (!visit(fn, ctx, plan->exprs[idx])) return false;
        }
    }
    for (uint32_t row_idx = 0; row_idx < plan->value_row_count; row_idx++) {
        for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
            if (!visit(fn, ctx, plan->value_rows[row_idx][col_idx])) return false;
        }
    }
    if (plan->kind == PLAN_INDEX_SCAN) {
        for (uint32_t idx = 0; idx < plan->bounds.eq_count; idx++) {
            if (!visit(fn, ctx, plan->bounds.eq_values[idx])) return false;
        }
        if (!visit(fn, ctx, plan->bounds.lo) || !visit(fn, ctx, plan->bounds.hi)) return false;
    }
    for (uint32_t idx = 0; idx < plan->key_count; idx++) {
        if (plan->left_keys != NULL && !visit(fn, ctx, plan->left_keys[idx])) return false;
        if (plan->right_keys != NULL && !visit(fn, ctx, plan->right_keys[idx])) return false;
    }
    for (uint32_t idx = 0; idx < plan->group_count; idx++) {
        if (!visit(fn, ctx, plan->group_exprs[idx])) return false;
    }
    for (uint32_t idx = 0; idx < plan->agg_count; idx++) {
        if (!visit(fn, ctx, plan->aggs[idx].arg) || !visit(fn, ctx, plan->aggs[idx].filter)) {
            return false;
        }
    }
    for (uint32_t idx = 0; idx < plan->sort_count; idx++) {
        if (!visit(fn, ctx, plan->sort_keys[idx].expr)) return false;
    }
    if (!visit(fn, ctx, plan->limit) || !visit(fn, ctx, plan->offset)) return false;
    for (uint32_t idx = 0; idx < plan->window_count; idx++) {
        const WindowCall *call = &plan->windows[idx];
        for (uint32_t arg_idx = 0; arg_idx < call->arg_count; arg_idx++) {
            if (!visit(fn, ctx, call->args[arg_idx])) return false;
        }
        if (!visit(fn, ctx, call->filter)) return false;
        for (uint32_t part_idx = 0; part_idx < call->partition_count; part_idx++) {
            if (!visit(fn, ctx, call->partition[part_idx])) return false;
        }
        for (uint32_t ord_idx = 0; ord_idx < call->order_count; ord_idx++) {
            if (!visit(fn, ctx, call->order[ord_idx].expr)) return false;
        }
        if (!visit(fn, ctx, call->start_offset) || !visit(fn, ctx, call->end_offset)) return false;
    }
    const DmlInfo *dml = &plan->dml;
    if (plan->kind == PLAN_INSERT || plan->kind == PLAN_UPDATE || plan->kind == PLAN_DELETE) {
        for (uint32_t idx = 0; idx < dml->set_count && dml->set_exprs != NULL; idx++) {
            if (!visit(fn, ctx, dml->set_exprs[idx])) return false;
        }
        if (!visit(fn, ctx, dml->recheck)) return false;
        uint32_t table_columns = dml->table != NULL ? dml->table->column_count : 0;
        for (uint32_t idx = 0; idx < table_columns && dml->conflict_set != NULL; idx++) {
            if (!visit(fn, ctx, dml->conflict_set[idx])) return false;
        }
        if (!visit(fn, ctx, dml->conflict_where)) return false;
        for (uint32_t idx = 0; idx < dml->returning_count; idx++) {
            if (!visit(fn, ctx, dml->returning[idx])) return false;
        }
    }
    return true;
}

/* Outer references: an EXPR_OUTER in an expression of this plan level reads ctx->outer; inside
 * a nested subplan, EXPR_OUTER refers to that subplan's args (evaluated at our level), so only
 * the nested args count. */
typedef struct OuterScan {
    bool found;
    bool volatile_found;
    int  depth;
} OuterScan;

static void scan_plan(OuterScan *scan, const Plan *plan);

static void scan_expr(OuterScan *scan, const Expr *expr)
{
    if (expr == NULL || scan->depth > STATS_DEPTH_MAX) return;
    scan->depth++;
    switch (expr->kind) {
    case EXPR_OUTER: scan->found = true; break;
    case EXPR_SEQ_NEXT:
    case EXPR_SEQ_CURR:
    case EXPR_SEQ_SET:
    case EXPR_FUNC_SPECIAL: scan->volatile_found = true; break;
    case EXPR_SUBPLAN: {
        /* the subplan's own outer references are its args: only volatility carries over */
        OuterScan inner = { .depth = scan->depth };
        scan_plan(&inner, expr->subplan);
        if (inner.volatile_found) scan->volatile_found = true;
        break;
    }
    default: break;
    }
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        scan_expr(scan, expr->args[arg_idx]);
    }
    /* an ANY/ALL test's EXPR_OUTER are the sublink's own args, not ours */
    if (expr->test != NULL) {
        OuterScan inner = { .depth = scan->depth };
        scan_expr(&inner, expr->test);
        if (inner.volatile_found) scan->volatile_found = true;
    }
    scan->depth--;
}

static bool scan_visit(void *ctx, const Expr *expr)
{
    scan_expr(ctx, expr);
    return true;
}

static void scan_plan(OuterScan *scan, const Plan *plan)
{
    if (plan == NULL || scan->depth > STATS_DEPTH_MAX) return;
    scan->depth++;
    op_plan_walk_exprs(plan, scan_visit, scan);
    scan_plan(scan, plan->left);
    scan_plan(scan, plan->right);
    scan->depth--;
}

bool op_plan_has_outer(const Plan *plan)
{
    OuterScan scan = { 0 };
    scan_plan(&scan, plan);
    return scan.found;
}

bool op_plan_is_volatile(const Plan *plan)
{
    OuterScan scan = { 0 };
    scan_plan(&scan, plan);
    return scan.volatile_found;
}

bool op_expr_has_outer(const Expr *expr)
{
    OuterScan scan = { 0 };
    scan_expr(&scan, expr);
    return scan.found;
}

/* ---------------------------------------------------------------- batches ---- */

enum { OP_BATCH_ARENA_BLOCK_SIZE = 64 * 1024 };

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

Error *op_batch_init(OpBatch *batch, const Type *types, uint32_t column_count)
{
    memset(batch, 0, sizeof *batch);
    batch->arena = arena_create(OP_BATCH_ARENA_BLOCK_SIZE);
    if (batch->arena == NULL) return oom();
    batch->types = types;
    batch->column_count = column_count;
    return NULL;
}

Error *op_batch_begin(OpBatch *batch, uint32_t capacity)
{
    VERIFY(batch->arena != NULL);
    arena_reset(batch->arena);
    TRY(chunk_init(&batch->chunk, batch->types, batch->column_count, batch->arena));
    if (capacity > 0) TRY(chunk_reserve(&batch->chunk, capacity));
    return NULL;
}

void op_batch_destroy(OpBatch *batch)
{
    if (batch->arena != NULL) arena_destroy(batch->arena);
    batch->arena = NULL;
    memset(&batch->chunk, 0, sizeof batch->chunk);
}

/* ---------------------------------------------------------------- vectors ---- */

void op_vec_init_like(Vector *dst, const Vector *src, bool general, Arena *arena)
{
    if (src->phys == VEC_PHYS_NUM64 && general) {
        vec_init_phys(dst, src->type, VEC_PHYS_NUMERIC, 0, arena);
    } else {
        vec_init_phys(dst, src->type, (VecPhys)src->phys, src->numeric_scale, arena);
    }
}

static Error *copy_numeric(Vector *dst, uint32_t dst_idx, const Vector *src, uint32_t slot)
{
    if (dst->phys == VEC_PHYS_NUMERIC) {
        Numeric num;
        TRY(vec_numeric_get(src, slot, dst->arena, &num));
        return vec_numeric_set(dst, dst_idx, &num);
    }
    VERIFY(dst->phys == VEC_PHYS_NUM64);
    int64_t value;
    if (src->phys == VEC_PHYS_NUM64) {
        if (!numeric_i64_rescale(vec_i64(src)[slot], src->numeric_scale, dst->numeric_scale,
                                 &value)) {
            return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
        }
    } else if (!numeric_to_scaled_i64(&vec_numeric(src)[slot], dst->numeric_scale, &value)) {
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
    }
    vec_set_valid(dst, dst_idx);
    vec_i64(dst)[dst_idx] = value;
    return NULL;
}

Error *op_vec_copy_value(Vector *dst, uint32_t dst_idx, const Vector *src, uint32_t src_idx)
{
    VERIFY(dst_idx < dst->capacity);
    if (dst->phys == src->phys &&
        (dst->phys != VEC_PHYS_NUM64 || dst->numeric_scale == src->numeric_scale)) {
        return vec_copy_row(dst, dst_idx, src, src_idx);
    }
    uint32_t slot = src->is_constant ? 0 : src_idx;
    if (vec_is_null(src, slot)) return vec_set_null(dst, dst_idx);
    if ((dst->phys == VEC_PHYS_NUM64 || dst->phys == VEC_PHYS_NUMERIC) &&
        (src->phys == VEC_PHYS_NUM64 || src->phys == VEC_PHYS_NUMERIC)) {
        return copy_numeric(dst, dst_idx, src, slot);
    }
    /* integer widths (a relabel between int types should not happen, but be exact) */
    int64_t value;
    switch (src->phys) {
    case VEC_PHYS_I16: value = vec_i16(src)[slot]; break;
    case VEC_PHYS_I32: value = vec_i32(src)[slot]; break;
    case VEC_PHYS_I64: value = vec_i64(src)[slot]; break;
    default:
        return err_new(SQLSTATE_INTERNAL_ERROR, "cannot copy a value of physical form %d to %d",
                       (int)src->phys, (int)dst->phys);
    }
    vec_set_valid(dst, dst_idx);
    switch (dst->phys) {
    case VEC_PHYS_I16: vec_i16(dst)[dst_idx] = (int16_t)value; return NULL;
    case VEC_PHYS_I32: vec_i32(dst)[dst_idx] = (int32_t)value; return NULL;
    case VEC_PHYS_I64: vec_i64(dst)[dst_idx] = value; return NULL;
    default:
        return err_new(SQLSTATE_INTERNAL_ERROR, "cannot copy a value of physical form %d to %d",
                       (int)src->phys, (int)dst->phys);
    }
}

Error *op_vec_gather(Vector *dst, uint32_t dst_start, const Vector *src, const uint16_t *sel,
                     uint32_t count)
{
    TRY(vec_reserve(dst, dst_start + count > 0 ? dst_start + count : 1));
    bool same = dst->phys == src->phys &&
                (dst->phys != VEC_PHYS_NUM64 || dst->numeric_scale == src->numeric_scale);
    size_t value_size = type_phys_size((VecPhys)dst->phys);
    bool plain = same && dst->phys != VEC_PHYS_STR && dst->phys != VEC_PHYS_NUMERIC &&
                 dst->phys != VEC_PHYS_ARRAY /* arrays */ &&
                 !src->is_constant && src->validity == NULL;
    if (plain) {
        /* fixed-width values, no NULLs: straight copies */
        char *out = (char *)dst->data + (size_t)dst_start * value_size;
        const char *in = src->data;
        if (sel == NULL) {
            memcpy(out, in, (size_t)count * value_size);
        } else {
            for (uint32_t idx = 0; idx < count; idx++) {
                memcpy(out + (size_t)idx * value_size, in + (size_t)sel[idx] * value_size,
                       value_size);
            }
        }
        for (uint32_t idx = 0; idx < count && dst->validity != NULL; idx++) {
            vec_set_valid(dst, dst_start + idx);
        }
        return NULL;
    }
    for (uint32_t idx = 0; idx < count; idx++) {
        uint32_t src_idx = sel != NULL ? sel[idx] : idx;
        TRY(op_vec_copy_value(dst, dst_start + idx, src, src_idx));
    }
    return NULL;
}

Error *op_vec_const_copy(const Vector *src, uint32_t src_idx, Arena *arena, Vector *out)
{
    op_vec_init_like(out, src, false, arena);
    TRY(vec_reserve(out, 1));
    TRY(op_vec_copy_value(out, 0, src, src_idx));
    bool is_null = vec_is_null(out, 0);
    TRY(vec_set_constant(out));
    if (is_null) TRY(vec_set_null(out, 0));
    return NULL;
}

Error *op_chunk_compact(const DataChunk *src, Arena *arena, DataChunk *dst)
{
    uint32_t live = chunk_live_count(src);
    memset(dst, 0, sizeof *dst);
    dst->arena = arena;
    dst->column_count = src->column_count;
    if (src->column_count > 0) {
        dst->columns = arena_calloc(arena, src->column_count * sizeof(Vector));
        if (dst->columns == NULL) return oom();
    }
    for (uint32_t col_idx = 0; col_idx < src->column_count; col_idx++) {
        op_vec_init_like(&dst->columns[col_idx], &src->columns[col_idx], false, arena);
        TRY(op_vec_gather(&dst->columns[col_idx], 0, &src->columns[col_idx], src->sel, live));
    }
    dst->row_count = live;
    return NULL;
}

/* ---------------------------------------------------------------- RowBuf ---- */

enum { ROWBUF_ARENA_BLOCK_SIZE = 256 * 1024 };

Error *rowbuf_init(RowBuf *buf, const Type *types, uint32_t column_count)
{
    memset(buf, 0, sizeof *buf);
    buf->arena = arena_create(ROWBUF_ARENA_BLOCK_SIZE);
    if (buf->arena == NULL) return oom();
    buf->types = types;
    buf->column_count = column_count;
    return NULL;
}

/* rowbuf_tail: the chunk to append into with room for one more row. */
static Error *rowbuf_tail(RowBuf *buf, DataChunk **chunk_out)
{
    if (buf->chunk_count > 0) {
        DataChunk *tail = &buf->chunks[buf->chunk_count - 1];
        if (tail->row_count < VEC_VALUE_COUNT_MAX) {
            *chunk_out = tail;
            return NULL;
        }
    }
    if (buf->chunk_count == buf->chunk_capacity) {
        uint32_t capacity = buf->chunk_capacity == 0 ? 8 : buf->chunk_capacity * 2;
        DataChunk *chunks = arena_alloc(buf->arena, capacity * sizeof *chunks);
        if (chunks == NULL) return oom();
        if (buf->chunk_count > 0) memcpy(chunks, buf->chunks, buf->chunk_count * sizeof *chunks);
        buf->chunks = chunks;
        buf->chunk_capacity = capacity;
    }
    DataChunk *chunk = &buf->chunks[buf->chunk_count];
    TRY(chunk_init(chunk, buf->types, buf->column_count, buf->arena));
    for (uint32_t col_idx = 0; col_idx < buf->column_count; col_idx++) {
        Vector *vec = &chunk->columns[col_idx];
        if (vec->phys == VEC_PHYS_NUM64) {
            vec_init_phys(vec, vec->type, VEC_PHYS_NUMERIC, 0, buf->arena);
        }
    }
    buf->chunk_count++;
    *chunk_out = chunk;
    return NULL;
}

static Error *rowbuf_reserve(DataChunk *chunk, uint32_t rows)
{
    for (uint32_t col_idx = 0; col_idx < chunk->column_count; col_idx++) {
        Vector *vec = &chunk->columns[col_idx];
        if (vec->capacity < rows) {
            uint32_t capacity = vec->capacity < 64 ? 64 : vec->capacity * 2;
            if (capacity < rows) capacity = rows;
            if (capacity > VEC_VALUE_COUNT_MAX) capacity = VEC_VALUE_COUNT_MAX;
            TRY(vec_reserve(vec, capacity));
        }
    }
    return NULL;
}

Error *rowbuf_append_row(RowBuf *buf, const DataChunk *chunk, uint32_t row_idx)
{
    DataChunk *tail;
    TRY(rowbuf_tail(buf, &tail));
    TRY(rowbuf_reserve(tail, tail->row_count + 1));
    for (uint32_t col_idx = 0; col_idx < buf->column_count; col_idx++) {
        TRY(op_vec_copy_value(&tail->columns[col_idx], tail->row_count, &chunk->columns[col_idx],
                              row_idx));
    }
    tail->row_count++;
    buf->row_count++;
    return NULL;
}

Error *rowbuf_append_chunk(RowBuf *buf, const DataChunk *chunk)
{
    uint32_t live = chunk_live_count(chunk);
    uint32_t done = 0;
    while (done < live) {
        DataChunk *tail;
        TRY(rowbuf_tail(buf, &tail));
        uint32_t room = VEC_VALUE_COUNT_MAX - tail->row_count;
        uint32_t take = live - done < room ? live - done : room;
        TRY(rowbuf_reserve(tail, tail->row_count + take));
        for (uint32_t col_idx = 0; col_idx < buf->column_count; col_idx++) {
            const uint16_t *sel = chunk->sel != NULL ? chunk->sel + done : NULL;
            if (sel == NULL && done > 0) {
                /* rows done .. done + take - 1 without a selection */
                for (uint32_t idx = 0; idx < take; idx++) {
                    TRY(op_vec_copy_value(&tail->columns[col_idx], tail->row_count + idx,
                                          &chunk->columns[col_idx], done + idx));
                }
            } else {
                TRY(op_vec_gather(&tail->columns[col_idx], tail->row_count,
                                  &chunk->columns[col_idx], sel, take));
            }
        }
        tail->row_count += take;
        buf->row_count += take;
        done += take;
    }
    return NULL;
}

void rowbuf_row(const RowBuf *buf, uint64_t row_number, const DataChunk **chunk_out,
                uint32_t *row_idx_out)
{
    /* every chunk but the last is full */
    uint64_t chunk_idx = row_number / VEC_VALUE_COUNT_MAX;
    VERIFY(chunk_idx < buf->chunk_count);
    *chunk_out = &buf->chunks[chunk_idx];
    *row_idx_out = (uint32_t)(row_number % VEC_VALUE_COUNT_MAX);
}

size_t rowbuf_bytes(const RowBuf *buf) { return buf->arena != NULL ? arena_size(buf->arena) : 0; }

void rowbuf_reset(RowBuf *buf)
{
    if (buf->arena != NULL) arena_reset(buf->arena);
    buf->chunks = NULL;
    buf->chunk_count = 0;
    buf->chunk_capacity = 0;
    buf->row_count = 0;
}

void rowbuf_destroy(RowBuf *buf)
{
    if (buf->arena != NULL) arena_destroy(buf->arena);
    buf->arena = NULL;
    buf->chunks = NULL;
    buf->chunk_count = 0;
    buf->chunk_capacity = 0;
    buf->row_count = 0;
}
