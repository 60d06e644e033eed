/* executor/op_cte.c: WITH queries: CTE scans, recursive unions and their work-table scans.
 *
 * CTE scan: PlannedStmt.ctes[cte_idx] is run once per execution, at the first next() of any
 * scan of it, into an ExecCte (a RowStore in ctx->arena) stored in ctx->ctes[cte_idx]; every scan
 * of that CTE reads the same buffer, and a rescan reads it again from the start.
 *
 * Recursive union (WITH RECURSIVE): the anchor's (left child's) rows are emitted and collected
 * into the next working table; then, while the last iteration produced rows, that table becomes
 * the working table (ctx->work_table, read by PLAN_WORK_SCAN), the recursive term (right child)
 * is rescanned and its rows are emitted and collected. UNION (not ALL) drops every row equal to
 * one produced before (normalized keys over all columns, NULLs equal). The loop ends when an
 * iteration yields no new row; an endless recursion runs until cancelled (exec_next checks
 * interrupts), as in PostgreSQL. */
#include <stdlib.h>
#include <string.h>

#include "executor/op_heavy_int.h"

struct ExecCte {
    RowStore rows;
    bool   running;      /* being materialized (guards against self reference) */
    bool   done;
};

/* ------------------------------------------------------------------ CTE scan ---- */

typedef struct CteScan {
    Op        base;
    Arena    *batch;
    ExecCte  *cte;
    uint32_t  chunk_cursor;
} CteScan;

static bool cte_is_modifying(const Plan *plan)
{
    return plan->kind == PLAN_INSERT || plan->kind == PLAN_UPDATE || plan->kind == PLAN_DELETE;
}

static Error *cte_materialize(ExecCtx *ctx, uint32_t cte_idx, ExecCte **cte_out)
{
    const PlannedStmt *planned = ctx->planned;
    if (planned == NULL || cte_idx >= planned->cte_count) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "CTE %u does not exist in the plan", cte_idx);
    }
    if (ctx->ctes == NULL) {
        ctx->ctes = arena_calloc(ctx->arena, (planned->cte_count + 1) * sizeof(ExecCte *));
        if (ctx->ctes == NULL) return op_heavy_oom();
    }
    ExecCte *cte = ctx->ctes[cte_idx];
    if (cte != NULL && cte->done) {
        *cte_out = cte;
        return NULL;
    }
    if (cte != NULL && cte->running) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "CTE %u refers to itself", cte_idx);
    }
    const Plan *plan = planned->ctes[cte_idx];
    cte = arena_calloc(ctx->arena, sizeof(ExecCte));
    if (cte == NULL) return op_heavy_oom();
    TRY(op_rows_init(&cte->rows, plan->types, plan->column_count, ctx->arena));
    cte->running = true;
    ctx->ctes[cte_idx] = cte;
    /* a data-modifying CTE's rows do not count as the statement's changes (command tag) */
    uint64_t changes = ctx->changes;
    Op *op;
    TRY(exec_build(ctx, plan, &op));
    Error *err = exec_open(op);
    while (err == NULL) {
        DataChunk *chunk;
        err = exec_next(op, &chunk);
        if (err != NULL || chunk == NULL) break;
        if (plan->column_count > 0) err = op_rows_append_chunk(&cte->rows, chunk);
    }
    exec_close(op);
    if (cte_is_modifying(plan)) ctx->changes = changes;
    cte->running = false;
    if (err != NULL) {
        ctx->ctes[cte_idx] = NULL;
        return err;
    }
    cte->done = true;
    *cte_out = cte;
    return NULL;
}

/* op_cte_run_modifying: run every data-modifying CTE of ctx->planned that has not run in this
 * execution, in WITH order, to completion (PostgreSQL runs them whether the query reads them
 * or not). Called by exec_open on the statement's root (op_build.c). */
Error *op_cte_run_modifying(ExecCtx *ctx)
{
    const PlannedStmt *planned = ctx->planned;
    if (planned == NULL || !planned->cte_modifying) return NULL;
    /* the session refuses DML in a read-only transaction by the statement's kind; a SELECT
     * carrying a data-modifying CTE is refused here, through the session's settings */
    const char *read_only = NULL;
    if (ctx->hooks.special != NULL) {
        const char *args[1] = { "transaction_read_only" };
        Error *err = ctx->hooks.special(ctx->hooks.ctx, "current_setting", args, 1, ctx->arena,
                                        &read_only);
        if (err != NULL) err_free(err);   /* no such setting: nothing to refuse */
    }
    for (uint32_t cte_idx = 0; cte_idx < planned->cte_count; cte_idx++) {
        const Plan *plan = planned->ctes[cte_idx];
        if (plan == NULL || !cte_is_modifying(plan)) continue;
        if (read_only != NULL && strcmp(read_only, "on") == 0) {
            return err_new(SQLSTATE_READ_ONLY_SQL_TRANSACTION,
                           "cannot execute %s in a read-only transaction",
                           plan->kind == PLAN_INSERT   ? "INSERT"
                           : plan->kind == PLAN_UPDATE ? "UPDATE"
                                                       : "DELETE");
        }
        ExecCte *cte = NULL;
        TRY(cte_materialize(ctx, cte_idx, &cte));
    }
    return NULL;
}

/* next_view: stored chunk *cursor of buf as a view in arena (or NULL at the end). */
static Error *next_view(const RowStore *buf, uint32_t *cursor, Arena *arena, DataChunk **chunk_out)
{
    *chunk_out = NULL;
    while (*cursor < buf->chunk_count) {
        const DataChunk *stored = &buf->chunks[(*cursor)++];
        if (stored->row_count == 0) continue;
        DataChunk *view = arena_alloc(arena, sizeof(DataChunk));
        if (view == NULL) return op_heavy_oom();
        TRY(op_heavy_chunk_view(view, stored, arena));
        *chunk_out = view;
        return NULL;
    }
    return NULL;
}

static Error *cte_scan_open(Op *op)
{
    CteScan *scan = (CteScan *)op;
    TRY(op_heavy_arena(&scan->batch, 4096));
    scan->chunk_cursor = 0;
    return NULL;
}

static Error *cte_scan_next(Op *op, DataChunk **chunk_out)
{
    CteScan *scan = (CteScan *)op;
    *chunk_out = NULL;
    if (scan->cte == NULL) TRY(cte_materialize(op->ctx, op->plan->cte_idx, &scan->cte));
    arena_reset(scan->batch);
    return next_view(&scan->cte->rows, &scan->chunk_cursor, scan->batch, chunk_out);
}

static Error *cte_scan_rescan(Op *op)
{
    ((CteScan *)op)->chunk_cursor = 0;
    return NULL;
}

static void cte_scan_close(Op *op)
{
    CteScan *scan = (CteScan *)op;
    arena_destroy(scan->batch);
    scan->batch = NULL;
    scan->cte = NULL;
}

static const OpVtbl CTE_SCAN_VT = { "CTE Scan", cte_scan_open, cte_scan_next, cte_scan_rescan,
                                    cte_scan_close };

Error *op_cte_scan_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ASSERT(plan->kind == PLAN_CTE_SCAN);
    CteScan *scan = arena_calloc(ctx->arena, sizeof(CteScan));
    if (scan == NULL) return op_heavy_oom();
    scan->base = (Op){ .vt = &CTE_SCAN_VT, .plan = plan, .ctx = ctx,
                       .column_count = plan->column_count, .types = plan->types };
    *op_out = &scan->base;
    return NULL;
}

/* ------------------------------------------------------------------ work scan ---- */

typedef struct WorkScan {
    Op            base;
    Arena        *batch;
    const RowStore *table;
    uint32_t      chunk_cursor;
} WorkScan;

static Error *work_scan_open(Op *op)
{
    WorkScan *scan = (WorkScan *)op;
    TRY(op_heavy_arena(&scan->batch, 4096));
    scan->table = op->ctx->work_table;
    scan->chunk_cursor = 0;
    return NULL;
}

static Error *work_scan_next(Op *op, DataChunk **chunk_out)
{
    WorkScan *scan = (WorkScan *)op;
    *chunk_out = NULL;
    if (scan->table == NULL) return NULL;
    arena_reset(scan->batch);
    return next_view(scan->table, &scan->chunk_cursor, scan->batch, chunk_out);
}

static Error *work_scan_rescan(Op *op)
{
    WorkScan *scan = (WorkScan *)op;
    scan->table = op->ctx->work_table;
    scan->chunk_cursor = 0;
    return NULL;
}

static void work_scan_close(Op *op)
{
    WorkScan *scan = (WorkScan *)op;
    arena_destroy(scan->batch);
    scan->batch = NULL;
    scan->table = NULL;
}

static const OpVtbl WORK_SCAN_VT = { "WorkTable Scan", work_scan_open, work_scan_next,
                                     work_scan_rescan, work_scan_close };

Error *op_work_scan_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ASSERT(plan->kind == PLAN_WORK_SCAN);
    WorkScan *scan = arena_calloc(ctx->arena, sizeof(WorkScan));
    if (scan == NULL) return op_heavy_oom();
    scan->base = (Op){ .vt = &WORK_SCAN_VT, .plan = plan, .ctx = ctx,
                       .column_count = plan->column_count, .types = plan->types };
    *op_out = &scan->base;
    return NULL;
}

/* ------------------------------------------------------------- recursive union ---- */

typedef enum RecPhase { REC_ANCHOR, REC_RECURSE, REC_DONE } RecPhase;

typedef struct RecUnion {
    Op        base;
    Arena    *batch;
    KeyTable  seen;       /* UNION: every row produced so far */
    RowStore    work;       /* the working table the recursive term reads */
    RowStore    next_work;  /* rows of the running iteration */
    RecPhase  phase;
} RecUnion;

/* keep_new: narrow chunk (a view) to rows not produced before; collect them. */
static Error *keep_new(RecUnion *rec, DataChunk *chunk, DataChunk **out_out)
{
    *out_out = NULL;
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    if (count == 0) return NULL;
    DataChunk *out = arena_alloc(rec->batch, sizeof(DataChunk));
    if (out == NULL) return op_heavy_oom();
    TRY(op_heavy_chunk_view(out, chunk, rec->batch));
    if (!rec->base.plan->setop_all) {
        KeyBatch keys;
        TRY(op_keys_begin(&keys, sel, count, rec->batch));
        for (uint32_t col_idx = 0; col_idx < chunk->column_count; col_idx++) {
            TRY(op_keys_add(&keys, &chunk->columns[col_idx], sel, count, KEY_ASC));
        }
        op_keys_finish(&keys, sel, count);
        uint16_t *new_rows = arena_alloc(rec->batch, (count + 1) * sizeof(uint16_t));
        if (new_rows == NULL) return op_heavy_oom();
        uint32_t new_count = 0;
        for (uint32_t pos = 0; pos < count; pos++) {
            uint32_t row = sel != NULL ? sel[pos] : pos;
            uint32_t id;
            bool is_new;
            TRY(op_keytab_insert(&rec->seen, keys.bytes[row], keys.size[row], keys.hash[row],
                                 &id, &is_new));
            if (is_new) new_rows[new_count++] = (uint16_t)row;
        }
        if (new_count == 0) return NULL;
        out->sel = new_rows;
        out->sel_count = new_count;
    }
    TRY(op_rows_append_chunk(&rec->next_work, out));
    TRY(op_heavy_check_mem(rec->base.ctx,
                     op_rows_size(&rec->work) + op_rows_size(&rec->next_work) + rec->seen.size,
                     "recursive union"));
    *out_out = out;
    return NULL;
}

/* next_iteration: the collected rows become the working table; false when there are none. */
static Error *next_iteration(RecUnion *rec)
{
    if (rec->next_work.row_count == 0) {
        rec->phase = REC_DONE;
        return NULL;
    }
    RowStore done = rec->work;
    rec->work = rec->next_work;
    rec->next_work = done;
    op_rows_clear(&rec->next_work);
    rec->base.ctx->work_table = &rec->work;
    TRY(exec_rescan(rec->base.right));
    rec->phase = REC_RECURSE;
    return NULL;
}

static Error *rec_next(Op *op, DataChunk **chunk_out)
{
    RecUnion *rec = (RecUnion *)op;
    *chunk_out = NULL;
    for (;;) {
        arena_reset(rec->batch);
        if (rec->phase == REC_DONE) return NULL;
        DataChunk *chunk;
        TRY(exec_next(rec->phase == REC_ANCHOR ? op->left : op->right, &chunk));
        if (chunk == NULL) {
            TRY(next_iteration(rec));
            continue;
        }
        DataChunk *out;
        TRY(keep_new(rec, chunk, &out));
        if (out != NULL) {
            *chunk_out = out;
            return NULL;
        }
    }
}

static Error *rec_reset(RecUnion *rec)
{
    op_rows_clear(&rec->work);
    op_rows_clear(&rec->next_work);
    if (rec->seen.slots != NULL) op_keytab_clear(&rec->seen);
    rec->phase = REC_ANCHOR;
    rec->base.ctx->work_table = &rec->work;
    return NULL;
}

static Error *rec_open(Op *op)
{
    RecUnion *rec = (RecUnion *)op;
    TRY(op_heavy_arena(&rec->batch, 64 * 1024));
    if (rec->work.arena == NULL) TRY(op_rows_init(&rec->work, op->types, op->column_count, NULL));
    if (rec->next_work.arena == NULL) {
        TRY(op_rows_init(&rec->next_work, op->types, op->column_count, NULL));
    }
    if (rec->seen.slots == NULL) TRY(op_keytab_init(&rec->seen));
    TRY(rec_reset(rec));
    TRY(exec_open(op->left));
    return exec_open(op->right);
}

static Error *rec_rescan(Op *op)
{
    RecUnion *rec = (RecUnion *)op;
    TRY(rec_reset(rec));
    TRY(exec_rescan(op->left));
    return exec_rescan(op->right);
}

static void rec_close(Op *op)
{
    RecUnion *rec = (RecUnion *)op;
    if (op->left != NULL) exec_close(op->left);
    if (op->right != NULL) exec_close(op->right);
    if (op->ctx->work_table == &rec->work) op->ctx->work_table = NULL;
    op_rows_free(&rec->work);
    op_rows_free(&rec->next_work);
    op_keytab_free(&rec->seen);
    arena_destroy(rec->batch);
    rec->batch = NULL;
}

static const OpVtbl REC_UNION_VT = { "Recursive Union", rec_open, rec_next, rec_rescan,
                                     rec_close };

Error *op_recursive_union_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ASSERT(plan->kind == PLAN_RECURSIVE_UNION);
    RecUnion *rec = arena_calloc(ctx->arena, sizeof(RecUnion));
    if (rec == NULL) return op_heavy_oom();
    rec->base = (Op){ .vt = &REC_UNION_VT, .plan = plan, .ctx = ctx,
                      .column_count = plan->column_count, .types = plan->types };
    TRY(exec_build(ctx, plan->left, &rec->base.left));
    TRY(exec_build(ctx, plan->right, &rec->base.right));
    *op_out = &rec->base;
    return NULL;
}
