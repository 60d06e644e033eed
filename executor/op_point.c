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
 * Invariants:
 * 1. next() returns at most one chunk of at most one row per open/rescan.
 * 2. The chunk's strings and numerics are copies in the op's batch arena (never pointers into
 *    the record buffer), valid until the next next(), rescan(), reset() or close().
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

/* point_key: evaluate the bound into the row key; done when it is NULL (no row matches). */
static Error *point_key(PointOp *point)
{
    arena_reset(point->scratch);
    point->done = false;
    Vector value;
    TRY(expr_eval_const(point->bound, point->scratch, &value));
    if (vec_is_null(&value, 0)) {
        point->done = true;
        return NULL;
    }
    KeyBuf key;
    key_buf_init(&key, point->key, sizeof point->key);
    TRY(rowcodec_key_append(&key, KEY_ASC, &value, 0));
    point->key_size = key.size;
    return NULL;
}

static Error *point_open(Op *op) { return point_key((PointOp *)op); }

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
        Vector *vec = &chunk->columns[col_idx];
        vec_init(vec, plan->types[col_idx], point->batch);
        TRY(vec_reserve(vec, 1));
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
    if (point->filter != NULL) {
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
    point->done = true;
}

static const OpVtbl POINT_VTBL = {
    .name = "Index Scan", .open = point_open, .next = point_next, .rescan = point_rescan,
    .close = point_close,
};

/* point_init: expressions, arenas and the chunk's column array (in ctx->arena, kept). */
static Error *point_init(PointOp *point)
{
    ExecCtx *ctx = point->base.ctx;
    const Plan *plan = point->base.plan;
    TRY(expr_prepare(ctx, plan->bounds.eq_values[0], &point->bound));
    if (plan->filter != NULL) TRY(expr_prepare(ctx, plan->filter, &point->filter));
    point->scratch = arena_create(1024);
    point->batch = arena_create(4096);
    if (point->scratch == NULL || point->batch == NULL) return oom();
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
