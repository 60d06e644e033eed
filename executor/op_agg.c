/* executor/op_agg.c: hash aggregation (GROUP BY, DISTINCT, plain aggregates).
 *
 * Per input chunk: the group expressions are evaluated and normalized into keys
 * (op_heavy_int.h: NULLs group together, 1.5 with 1.50), a KeyTable maps each key to a dense
 * group index (new groups append their values to a RowStore in index order), and every aggregate
 * folds the chunk with AggKern.update_grouped over that group_idx array: one call per aggregate
 * per chunk. FILTER narrows the selection for its aggregate; DISTINCT keeps a per-aggregate set
 * of (group index, value) keys and passes only first occurrences. Without group expressions
 * there is exactly one group, present before any input, so an empty input still gives one row
 * (count 0, sum NULL). Output: group columns then aggregates, VEC_VALUE_COUNT_MAX groups per
 * chunk.
 *
 * One integer group key (an I16/I32/I64 vector: int2/4/8, date, time, timestamp) takes a fast
 * path (perf): an OpIntTab (op_inttab.h) maps the int64 value straight to the group index, one
 * inlined probe per row, no normalized key bytes; NULL is one more group. It assigns the same
 * dense indexes in the same order as the KeyTable path would.
 *
 * Memory: group values, keys and states count against work_mem; beyond it the operator fails
 * with 53200 (spilling to temporary files is not built yet). */
#include <stdlib.h>
#include <string.h>

#include "executor/op_heavy_int.h"
#include "executor/op_inttab.h"

typedef struct AggSlot {
    const AggKern *kern;
    ExprState     *arg;          /* NULL: count(*) */
    ExprState     *filter;
    bool           distinct;
    KeyTable       seen;         /* distinct: (group, value) keys */
    uint8_t       *states;       /* kern->state_size per group (malloc) */
} AggSlot;

typedef struct HashAgg {
    Op          base;
    uint32_t    key_count;
    ExprState **keys;
    Type       *key_types;
    uint32_t    agg_count;
    AggSlot    *aggs;
    Arena      *batch;
    RowStore      group_rows;
    KeyTable    table;
    bool        int_keys;        /* one integer group key: int_table instead of table */
    OpIntTab    int_table;
    uint32_t    int_null_group;  /* the NULL key's group (ROW_ID_NONE: none yet) */
    uint32_t   *int_group_ids;   /* per int_table id: its group index (malloc) */
    size_t      int_group_capacity;
    uint32_t    group_total;     /* groups so far */
    size_t      group_capacity;  /* states allocated per aggregate */
    bool        consumed;
    uint32_t    out_cursor;
} HashAgg;

static Error *reserve_states(HashAgg *agg, size_t group_count)
{
    if (group_count <= agg->group_capacity) return NULL;
    size_t capacity = agg->group_capacity == 0 ? 64 : agg->group_capacity;
    while (capacity < group_count) capacity *= 2;
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        AggSlot *slot = &agg->aggs[agg_idx];
        uint8_t *states = realloc(slot->states, capacity * slot->kern->state_size + 1);
        if (states == NULL) return op_heavy_oom();
        slot->states = states;
    }
    agg->group_capacity = capacity;
    return NULL;
}

/* init_states: initialize the states of groups [from, to). */
static void init_states(HashAgg *agg, uint32_t from, uint32_t to)
{
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        AggSlot *slot = &agg->aggs[agg_idx];
        for (uint32_t group = from; group < to; group++) {
            slot->kern->init(slot->states + (size_t)group * slot->kern->state_size);
        }
    }
}

static void destroy_states(HashAgg *agg)
{
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        AggSlot *slot = &agg->aggs[agg_idx];
        if (slot->states != NULL && slot->kern->destroy != NULL) {
            for (uint32_t group = 0; group < agg->group_total; group++) {
                slot->kern->destroy(slot->states + (size_t)group * slot->kern->state_size);
            }
        }
        free(slot->states);
        slot->states = NULL;
        op_keytab_free(&slot->seen);
    }
    agg->group_capacity = 0;
    agg->group_total = 0;
}

static size_t agg_size(const HashAgg *agg)
{
    size_t size = op_rows_size(&agg->group_rows) + agg->table.size +
                  (size_t)agg->table.slot_count * sizeof(uint64_t) +
                  op_inttab_size(&agg->int_table);
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        const AggSlot *slot = &agg->aggs[agg_idx];
        size += agg->group_capacity * slot->kern->state_size + slot->seen.size +
                (size_t)slot->seen.slot_count * sizeof(uint64_t);
    }
    return size;
}

/* new_groups: append the key values of rows new_rows (first occurrences, in group index
 * order) to group_rows and set up their states. */
static Error *new_groups(HashAgg *agg, const Vector *values, const uint16_t *new_rows,
                         uint32_t new_count, uint32_t group_total)
{
    if (new_count == 0) return NULL;
    TRY(op_rows_append(&agg->group_rows, values, new_rows, new_count));
    uint32_t first_new = agg->group_total;
    agg->group_total = group_total;
    TRY(reserve_states(agg, agg->group_total));
    init_states(agg, first_new, agg->group_total);
    return NULL;
}

static Error *int_group_map_reserve(HashAgg *agg, size_t count)
{
    if (count <= agg->int_group_capacity) return NULL;
    size_t capacity = agg->int_group_capacity == 0 ? 64 : agg->int_group_capacity;
    while (capacity < count) capacity *= 2;
    uint32_t *ids = realloc(agg->int_group_ids, capacity * sizeof(uint32_t));
    if (ids == NULL) return op_heavy_oom();
    agg->int_group_ids = ids;
    agg->int_group_capacity = capacity;
    return NULL;
}

/* INT_GROUP_LOOP: group_idx of every live row for an integer vector of C type T. */
#define INT_GROUP_LOOP(T)                                                                    \
    do {                                                                                     \
        const T *data = (const T *)value->data;                                              \
        for (uint32_t pos = 0; pos < count; pos++) {                                         \
            uint32_t row = sel != NULL ? sel[pos] : pos;                                     \
            uint32_t slot = value->is_constant ? 0 : row;                                    \
            if (has_nulls && vec_is_null(value, row)) {                                      \
                if (agg->int_null_group == ROW_ID_NONE) {                                    \
                    agg->int_null_group = next_id++;                                         \
                    new_rows[new_count++] = (uint16_t)row;                                   \
                }                                                                            \
                group_idx[row] = agg->int_null_group;                                        \
                continue;                                                                    \
            }                                                                                \
            bool is_new;                                                                     \
            uint32_t id = op_inttab_insert(&agg->int_table, (int64_t)data[slot], &is_new);   \
            if (is_new) {                                                                    \
                group_ids[id] = next_id++;                                                   \
                new_rows[new_count++] = (uint16_t)row;                                       \
            }                                                                                \
            group_idx[row] = group_ids[id];                                                  \
        }                                                                                    \
    } while (0)

/* assign_groups_int: assign_groups for one integer key. The int table's ids count non-NULL
 * keys only; group_ids maps them to group indexes (the NULL group takes an index too). */
static Error *assign_groups_int(HashAgg *agg, DataChunk *chunk, uint32_t *group_idx)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    Arena *arena = agg->batch;
    Vector *value = arena_alloc(arena, sizeof(Vector));
    uint16_t *new_rows = arena_alloc(arena, (count + 1) * sizeof(uint16_t));
    if (value == NULL || new_rows == NULL) return op_heavy_oom();
    TRY(expr_eval(agg->keys[0], chunk, arena, value));
    TRY(op_inttab_reserve(&agg->int_table, (size_t)agg->int_table.count + count));
    /* a non-NULL key's group index: its int id + (1 if the NULL group came before it); kept
     * as an explicit map so both orders stay dense and in first-occurrence order */
    TRY(int_group_map_reserve(agg, (size_t)agg->int_table.count + count));
    uint32_t *group_ids = agg->int_group_ids;
    uint32_t next_id = agg->group_total;
    uint32_t new_count = 0;
    bool has_nulls = value->validity != NULL;
    switch ((VecPhys)value->phys) {
    case VEC_PHYS_I16: INT_GROUP_LOOP(int16_t); break;
    case VEC_PHYS_I32: INT_GROUP_LOOP(int32_t); break;
    case VEC_PHYS_I64: INT_GROUP_LOOP(int64_t); break;
    default:
        return err_new(SQLSTATE_INTERNAL_ERROR, "integer group key of type %s",
                       type_name(value->type.id));
    }
    return new_groups(agg, value, new_rows, new_count, next_id);
}

/* assign_groups: group_idx[row] for chunk's live rows, adding new groups. */
static Error *assign_groups(HashAgg *agg, DataChunk *chunk, uint32_t *group_idx)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    if (agg->key_count == 0) {
        for (uint32_t pos = 0; pos < count; pos++) group_idx[sel != NULL ? sel[pos] : pos] = 0;
        return NULL;
    }
    if (agg->int_keys) return assign_groups_int(agg, chunk, group_idx);
    Arena *arena = agg->batch;
    Vector *values = arena_alloc(arena, agg->key_count * sizeof(Vector));
    uint16_t *new_rows = arena_alloc(arena, (count + 1) * sizeof(uint16_t));
    if (values == NULL || new_rows == NULL) return op_heavy_oom();
    KeyBatch keys;
    TRY(op_keys_begin(&keys, sel, count, arena));
    for (uint32_t key_idx = 0; key_idx < agg->key_count; key_idx++) {
        TRY(expr_eval(agg->keys[key_idx], chunk, arena, &values[key_idx]));
        TRY(op_keys_add(&keys, &values[key_idx], sel, count, KEY_ASC));
    }
    op_keys_finish(&keys, sel, count);
    uint32_t new_count = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        bool is_new;
        TRY(op_keytab_insert(&agg->table, keys.bytes[row], keys.size[row], keys.hash[row],
                             &group_idx[row], &is_new));
        if (is_new) new_rows[new_count++] = (uint16_t)row;
    }
    return new_groups(agg, values, new_rows, new_count, agg->table.count);
}

/* slot_rows: the rows aggregate slot folds: live rows, minus FILTER-false, minus repeated
 * DISTINCT values. *values_out is the argument (NULL for count(*)). */
static Error *slot_rows(HashAgg *agg, AggSlot *slot, DataChunk *chunk, const uint32_t *group_idx,
                        const uint16_t **sel_out, uint32_t *count_out, Vector **values_out)
{
    Arena *arena = agg->batch;
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    *values_out = NULL;
    if (slot->filter != NULL && count > 0) {
        Vector cond;
        TRY(expr_eval(slot->filter, chunk, arena, &cond));
        uint16_t *narrow = arena_alloc(arena, (count + 1) * sizeof(uint16_t));
        if (narrow == NULL) return op_heavy_oom();
        uint32_t narrow_count = 0;
        for (uint32_t pos = 0; pos < count; pos++) {
            uint32_t row = sel != NULL ? sel[pos] : pos;
            uint32_t slot_row = cond.is_constant ? 0 : row;
            if (!vec_is_null(&cond, row) && vec_bool(&cond)[slot_row]) {
                narrow[narrow_count++] = (uint16_t)row;
            }
        }
        sel = narrow;
        count = narrow_count;
    }
    if (slot->arg != NULL) {
        Vector *values = arena_alloc(arena, sizeof(Vector));
        if (values == NULL) return op_heavy_oom();
        TRY(expr_eval(slot->arg, chunk, arena, values));
        *values_out = values;
        if (slot->distinct && count > 0) {
            KeyBatch keys;
            TRY(op_keys_begin(&keys, sel, count, arena));
            TRY(op_keys_append_u32(&keys, sel, count, group_idx));
            TRY(op_keys_add(&keys, values, sel, count, KEY_ASC));
            op_keys_finish(&keys, sel, count);
            uint16_t *first = arena_alloc(arena, (count + 1) * sizeof(uint16_t));
            if (first == NULL) return op_heavy_oom();
            uint32_t first_count = 0;
            for (uint32_t pos = 0; pos < count; pos++) {
                uint32_t row = sel != NULL ? sel[pos] : pos;
                if (keys.has_null[row]) continue;
                uint32_t id;
                bool is_new;
                TRY(op_keytab_insert(&slot->seen, keys.bytes[row], keys.size[row],
                                     keys.hash[row], &id, &is_new));
                if (is_new) first[first_count++] = (uint16_t)row;
            }
            sel = first;
            count = first_count;
        }
    }
    *sel_out = sel;
    *count_out = count;
    return NULL;
}

static Error *consume_chunk(HashAgg *agg, DataChunk *chunk)
{
    uint32_t span = chunk->row_count > 0 ? chunk->row_count : 1;
    uint32_t *group_idx = arena_alloc(agg->batch, span * sizeof(uint32_t));
    if (group_idx == NULL) return op_heavy_oom();
    TRY(assign_groups(agg, chunk, group_idx));
    KernCtx kctx = { .arena = agg->batch, .dt = agg->base.ctx->dt };
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        AggSlot *slot = &agg->aggs[agg_idx];
        const uint16_t *sel = NULL;
        uint32_t count = 0;
        Vector *values = NULL;
        TRY(slot_rows(agg, slot, chunk, group_idx, &sel, &count, &values));
        if (count == 0) continue;
        TRY(slot->kern->update_grouped(&kctx, values, sel, count, group_idx, slot->states));
    }
    return NULL;
}

static Error *consume(HashAgg *agg)
{
    for (;;) {
        arena_reset(agg->batch);
        DataChunk *chunk;
        TRY(exec_next(agg->base.left, &chunk));
        if (chunk == NULL) break;
        if (chunk_live_count(chunk) == 0) continue;
        TRY(consume_chunk(agg, chunk));
        TRY(op_heavy_check_mem(agg->base.ctx, agg_size(agg), "hash aggregate"));
    }
    agg->consumed = true;
    return NULL;
}

static Error *agg_reset(HashAgg *agg)
{
    destroy_states(agg);
    op_rows_clear(&agg->group_rows);
    op_keytab_clear(&agg->table);
    op_inttab_clear(&agg->int_table);
    agg->int_null_group = ROW_ID_NONE;
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        if (agg->aggs[agg_idx].distinct) TRY(op_keytab_init(&agg->aggs[agg_idx].seen));
    }
    agg->consumed = false;
    agg->out_cursor = 0;
    if (agg->key_count == 0) {
        agg->group_total = 1;
        TRY(reserve_states(agg, 1));
        init_states(agg, 0, 1);
    }
    return NULL;
}

static Error *agg_open(Op *op)
{
    HashAgg *agg = (HashAgg *)op;
    TRY(op_heavy_arena(&agg->batch, 64 * 1024));
    if (agg->group_rows.arena == NULL) {
        TRY(op_rows_init(&agg->group_rows, agg->key_types, agg->key_count, NULL));
    }
    if (agg->table.slots == NULL) TRY(op_keytab_init(&agg->table));
    TRY(exec_open(op->left));
    return agg_reset(agg);
}

static Error *agg_next(Op *op, DataChunk **chunk_out)
{
    HashAgg *agg = (HashAgg *)op;
    *chunk_out = NULL;
    if (!agg->consumed) TRY(consume(agg));
    arena_reset(agg->batch);
    if (agg->out_cursor >= agg->group_total) return NULL;
    uint32_t count = agg->group_total - agg->out_cursor;
    if (count > VEC_VALUE_COUNT_MAX) count = VEC_VALUE_COUNT_MAX;
    Arena *arena = agg->batch;
    DataChunk *out = arena_alloc(arena, sizeof(DataChunk));
    uint32_t *ids = arena_alloc(arena, count * sizeof(uint32_t));
    if (out == NULL || ids == NULL) return op_heavy_oom();
    TRY(chunk_init(out, op->types, op->column_count, arena));
    for (uint32_t k = 0; k < count; k++) ids[k] = agg->out_cursor + k;
    for (uint32_t key_idx = 0; key_idx < agg->key_count; key_idx++) {
        TRY(op_rows_gather(&agg->group_rows, key_idx, ids, count, &out->columns[key_idx]));
    }
    KernCtx kctx = { .arena = arena, .dt = op->ctx->dt };
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        AggSlot *slot = &agg->aggs[agg_idx];
        Vector *vec = &out->columns[agg->key_count + agg_idx];
        TRY(vec_reserve(vec, count));
        if (vec->phys == VEC_PHYS_STR || vec->phys == VEC_PHYS_NUMERIC ||
            vec->phys == VEC_PHYS_ARRAY /* array_agg */) {
            memset(vec->data, 0, count * type_phys_size((VecPhys)vec->phys));
        }
        for (uint32_t k = 0; k < count; k++) {
            const uint8_t *state = slot->states + (size_t)ids[k] * slot->kern->state_size;
            TRY(slot->kern->finalize(&kctx, state, vec, k));
        }
    }
    out->row_count = count;
    agg->out_cursor += count;
    *chunk_out = out;
    return NULL;
}

static Error *agg_rescan(Op *op)
{
    HashAgg *agg = (HashAgg *)op;
    TRY(exec_rescan(op->left));
    return agg_reset(agg);
}

static void agg_close(Op *op)
{
    HashAgg *agg = (HashAgg *)op;
    if (op->left != NULL) exec_close(op->left);
    op_heavy_close_states(agg->keys, agg->key_count);
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        op_expr_close(agg->aggs[agg_idx].arg);
        op_expr_close(agg->aggs[agg_idx].filter);
    }
    destroy_states(agg);
    op_rows_free(&agg->group_rows);
    op_keytab_free(&agg->table);
    op_inttab_free(&agg->int_table);
    free(agg->int_group_ids);
    agg->int_group_ids = NULL;
    agg->int_group_capacity = 0;
    arena_destroy(agg->batch);
    agg->batch = NULL;
    agg->consumed = false;
}

static const OpVtbl HASH_AGG_VT = { "HashAggregate", agg_open, agg_next, agg_rescan, agg_close };

Error *op_hash_agg_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ASSERT(plan->kind == PLAN_HASH_AGG);
    ASSERT(plan->column_count == plan->group_count + plan->agg_count);
    HashAgg *agg = arena_calloc(ctx->arena, sizeof(HashAgg));
    if (agg == NULL) return op_heavy_oom();
    agg->base = (Op){ .vt = &HASH_AGG_VT, .plan = plan, .ctx = ctx,
                      .column_count = plan->column_count, .types = plan->types };
    TRY(exec_build(ctx, plan->left, &agg->base.left));
    agg->key_count = plan->group_count;
    agg->key_types = plan->types;        /* the group columns come first */
    agg->int_null_group = ROW_ID_NONE;
    if (plan->group_count == 1) {
        VecPhys phys = type_phys(plan->types[0]);
        agg->int_keys = phys == VEC_PHYS_I16 || phys == VEC_PHYS_I32 || phys == VEC_PHYS_I64;
    }
    agg->keys = arena_calloc(ctx->arena, (plan->group_count + 1) * sizeof(ExprState *));
    agg->aggs = arena_calloc(ctx->arena, (plan->agg_count + 1) * sizeof(AggSlot));
    if (agg->keys == NULL || agg->aggs == NULL) return op_heavy_oom();
    for (uint32_t key_idx = 0; key_idx < plan->group_count; key_idx++) {
        TRY(expr_prepare(ctx, plan->group_exprs[key_idx], &agg->keys[key_idx]));
    }
    agg->agg_count = plan->agg_count;
    for (uint32_t agg_idx = 0; agg_idx < plan->agg_count; agg_idx++) {
        const AggCall *call = &plan->aggs[agg_idx];
        AggSlot *slot = &agg->aggs[agg_idx];
        slot->kern = call->agg;
        if (slot->kern == NULL && call->arg == NULL) {
            slot->kern = kern_agg_find("count", TYPE_INVALID);
        }
        if (slot->kern == NULL) {
            return err_new(SQLSTATE_UNDEFINED_FUNCTION, "aggregate %s has no implementation",
                           call->name != NULL ? call->name : "?");
        }
        slot->distinct = call->distinct && call->arg != NULL;
        if (call->arg != NULL) TRY(expr_prepare(ctx, call->arg, &slot->arg));
        if (call->filter != NULL) TRY(expr_prepare(ctx, call->filter, &slot->filter));
    }
    *op_out = &agg->base;
    return NULL;
}
