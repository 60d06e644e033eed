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
 * interrupts), as in PostgreSQL.
 *
 * Spilling: a CTE's rows past work_mem move to one spill file (the rows buffered so far, then
 * every later chunk); each scan of it reads the file through a SpillReader of its own (a rescan
 * restarts it); op_cte_release, called when the statement's root op closes, closes the files.
 * A recursive union's table of the running iteration (next_work) moves to a file when it and
 * the working table in memory pass work_mem; the working table the recursive term reads is then
 * that file, read by the work-table scan's own reader. UNION's set of rows seen stays in memory
 * (PostgreSQL's does too), uncounted. */
#include <stdlib.h>
#include <string.h>

#include "executor/op_heavy_int.h"
#include "executor/spill.h"

struct ExecCte {
    RowStore   rows;     /* in ctx->arena; empty once the rows are in file */
    SpillFile *file;     /* past work_mem: every row, in order (rewound when done) */
    bool       running;  /* being materialized (guards against self reference) */
    bool       done;
};

/* WorkTable: a recursive union's working (or next working) table: rows in memory, or, past
 * work_mem, every row in file. */
typedef struct WorkTable {
    RowStore   rows;
    SpillFile *file;
} WorkTable;

/* rows_to_file: move every row of rows to a new spill file *file_out (rows is cleared).
 * Errors: the spill file's. */
static Error *rows_to_file(ExecCtx *ctx, RowStore *rows, SpillFile **file_out)
{
    TRY(spill_file_create(ctx->temp_dir, file_out));
    for (uint32_t chunk_idx = 0; chunk_idx < rows->chunk_count; chunk_idx++) {
        const DataChunk *stored = &rows->chunks[chunk_idx];
        TRY(spill_file_write(*file_out, stored->columns, rows->column_count, NULL,
                             stored->row_count));
    }
    op_rows_clear(rows);
    return NULL;
}

/* file_append: write chunk's live rows to file. Errors: the spill file's. */
static Error *file_append(SpillFile *file, const DataChunk *chunk)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    return spill_file_write(file, chunk->columns, chunk->column_count, sel, count);
}

/* cte_append: add a chunk's live rows to the CTE's rows, or its file past work_mem. */
static Error *cte_append(ExecCtx *ctx, ExecCte *cte, const DataChunk *chunk)
{
    if (cte->file != NULL) return file_append(cte->file, chunk);
    TRY(op_rows_append_chunk(&cte->rows, chunk));
    if (ctx->work_mem == 0 || op_rows_size(&cte->rows) <= ctx->work_mem) return NULL;
    return rows_to_file(ctx, &cte->rows, &cte->file);
}

/* op_cte_release: close the spill files of the statement's CTEs (op_build.c's exec_close, on
 * the statement's root, after every scan closed its reader). */
void op_cte_release(ExecCtx *ctx)
{
    const PlannedStmt *planned = ctx->planned;
    if (planned == NULL || ctx->ctes == NULL) return;
    for (uint32_t cte_idx = 0; cte_idx < planned->cte_count; cte_idx++) {
        ExecCte *cte = ctx->ctes[cte_idx];
        if (cte == NULL) continue;
        spill_file_close(cte->file);
        cte->file = NULL;
        cte->done = false;   /* its rows are gone */
        ctx->ctes[cte_idx] = NULL;
    }
}

/* ------------------------------------------------------------------ CTE scan ---- */

typedef struct CteScan {
    Op           base;
    Arena       *batch;
    ExecCte     *cte;
    uint32_t     chunk_cursor;
    SpillReader *reader;   /* the CTE's file, read by this scan (NULL: not yet / in memory) */
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
        if (plan->column_count > 0) err = cte_append(ctx, cte, chunk);
    }
    if (err == NULL && cte->file != NULL) err = spill_file_rewind(cte->file);
    exec_close(op);
    if (cte_is_modifying(plan)) ctx->changes = changes;
    cte->running = false;
    if (err != NULL) {
        spill_file_close(cte->file);
        cte->file = NULL;
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
    if (scan->cte->file == NULL) {
        return next_view(&scan->cte->rows, &scan->chunk_cursor, scan->batch, chunk_out);
    }
    if (scan->reader == NULL) TRY(spill_reader_open(scan->cte->file, &scan->reader));
    return spill_reader_read(scan->reader, op->types, op->column_count, scan->batch, chunk_out);
}

static Error *cte_scan_rescan(Op *op)
{
    CteScan *scan = (CteScan *)op;
    scan->chunk_cursor = 0;
    if (scan->reader != NULL) spill_reader_restart(scan->reader);
    return NULL;
}

static void cte_scan_close(Op *op)
{
    CteScan *scan = (CteScan *)op;
    spill_reader_close(scan->reader);
    scan->reader = NULL;
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
    Op               base;
    Arena           *batch;
    const WorkTable *table;
    uint32_t         chunk_cursor;
    SpillReader     *reader;   /* table->file, read by this scan */
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
    if (scan->table->file == NULL) {
        return next_view(&scan->table->rows, &scan->chunk_cursor, scan->batch, chunk_out);
    }
    if (scan->reader == NULL) TRY(spill_reader_open(scan->table->file, &scan->reader));
    return spill_reader_read(scan->reader, op->types, op->column_count, scan->batch, chunk_out);
}

/* work_scan_rescan: read the (new) working table from its start; the reader of the old one is
 * closed before the recursive union closes its file. */
static Error *work_scan_rescan(Op *op)
{
    WorkScan *scan = (WorkScan *)op;
    scan->table = op->ctx->work_table;
    scan->chunk_cursor = 0;
    spill_reader_close(scan->reader);
    scan->reader = NULL;
    return NULL;
}

static void work_scan_close(Op *op)
{
    WorkScan *scan = (WorkScan *)op;
    spill_reader_close(scan->reader);
    scan->reader = NULL;
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
    WorkTable work;       /* the working table the recursive term reads */
    WorkTable next_work;  /* rows of the running iteration */
    size_t    rows_base;  /* op_rows_size of an empty table (its arena's first block) */
    RecPhase  phase;
} RecUnion;

/* table_used: bytes table's rows in memory hold beyond an empty table's. */
static size_t table_used(const RecUnion *rec, const WorkTable *table)
{
    size_t size = op_rows_size(&table->rows);
    return size > rec->rows_base ? size - rec->rows_base : 0;
}

/* work_append: collect chunk's live rows into next_work, moving it to a file when it and the
 * working table in memory pass work_mem. Errors: OUT_OF_MEMORY, the spill file's. */
static Error *work_append(RecUnion *rec, const DataChunk *chunk)
{
    WorkTable *next = &rec->next_work;
    if (next->file != NULL) return file_append(next->file, chunk);
    TRY(op_rows_append_chunk(&next->rows, chunk));
    size_t work_mem = rec->base.ctx->work_mem;
    if (work_mem == 0 || table_used(rec, &rec->work) + table_used(rec, next) <= work_mem) {
        return NULL;
    }
    return rows_to_file(rec->base.ctx, &next->rows, &next->file);
}

/* table_clear: forget table's rows (its file closed). */
static void table_clear(WorkTable *table)
{
    op_rows_clear(&table->rows);
    spill_file_close(table->file);
    table->file = NULL;
}

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
    TRY(work_append(rec, out));
    *out_out = out;
    return NULL;
}

/* next_iteration: the collected rows become the working table; false when there are none. */
static Error *next_iteration(RecUnion *rec)
{
    WorkTable *next = &rec->next_work;
    if (next->rows.row_count == 0 && (next->file == NULL || spill_file_rows(next->file) == 0)) {
        rec->phase = REC_DONE;
        return NULL;
    }
    if (next->file != NULL) TRY(spill_file_rewind(next->file));
    WorkTable done = rec->work;
    rec->work = rec->next_work;
    rec->next_work = done;
    rec->base.ctx->work_table = &rec->work;
    TRY(exec_rescan(rec->base.right));   /* closes the work-table scan's old reader */
    table_clear(&rec->next_work);
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
    table_clear(&rec->work);
    table_clear(&rec->next_work);
    if (rec->seen.slots != NULL) op_keytab_clear(&rec->seen);
    rec->phase = REC_ANCHOR;
    rec->base.ctx->work_table = &rec->work;
    return NULL;
}

static Error *rec_open(Op *op)
{
    RecUnion *rec = (RecUnion *)op;
    TRY(op_heavy_arena(&rec->batch, 64 * 1024));
    if (rec->work.rows.arena == NULL) {
        TRY(op_rows_init(&rec->work.rows, op->types, op->column_count, NULL));
    }
    if (rec->next_work.rows.arena == NULL) {
        TRY(op_rows_init(&rec->next_work.rows, op->types, op->column_count, NULL));
    }
    rec->rows_base = op_rows_size(&rec->work.rows);
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
    spill_file_close(rec->work.file);
    spill_file_close(rec->next_work.file);
    rec->work.file = rec->next_work.file = NULL;
    op_rows_free(&rec->work.rows);
    op_rows_free(&rec->next_work.rows);
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
