/* executor/op_agg.c: hash aggregation (GROUP BY, DISTINCT, plain aggregates).
 *
 * Per input chunk: the group expressions are evaluated and normalized into keys
 * (op_heavy_int.h: NULLs group together, 1.5 with 1.50), a KeyTable maps each key to a dense
 * group index (new groups append their values to a RowStore in index order), and every aggregate
 * folds the chunk with AggKern.update_grouped over that group_idx array: one call per aggregate
 * per chunk (without group expressions, AggKern.update on the one group: no group index per
 * row). FILTER narrows the selection for its aggregate; DISTINCT keeps a per-aggregate set
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
 * Memory and spilling (spill): group values, key bytes, the hash table and the states count
 * against work_mem (agg_size, plus the growth the next doubling of a table or of the state
 * arrays would add). When they would pass it, the pass turns "full": rows whose group is
 * already in memory are still aggregated there, every other row is written, whole (the child's
 * columns), to one of AGG_SPILL_FANOUT partition files chosen by bits of its group key's hash
 * (re-mixed with the pass's depth). When the pass's input ends its groups are emitted, then
 * each partition is aggregated in turn as a new pass over its rows, which may spill again one
 * level deeper with other hash bits. A group's rows therefore all meet in one pass, so DISTINCT,
 * FILTER, string_agg/array_agg and every other aggregate see exactly the rows they would in
 * memory. Without group keys there is one group and nothing to spill. The states of groups
 * already in memory may still grow while full (DISTINCT sets): that growth is allowed up to
 * AGG_UNSPILLABLE_FACTOR x max(work_mem, the size at which the pass turned full) beyond that
 * size (a pass admits at least one chunk's groups, which may alone pass a tiny work_mem), then
 * 53200, as is a pass deeper than AGG_SPILL_DEPTH_MAX.
 * The partition files' buffers (AGG_SPILL_FANOUT x SPILL_BUFFER_SIZE) are not counted. */
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"   /* hash_u64: the integer path's partition hash */
#include "executor/op_heavy_int.h"
#include "executor/op_inttab.h"
#include "executor/spill.h"

enum {
    AGG_SPILL_FANOUT = SPILL_FANOUT,
    AGG_SPILL_DEPTH_MAX = 8,          /* 32^8 partitions: far beyond any table */
    AGG_UNSPILLABLE_FACTOR = 4,       /* growth of in-memory groups while full */
};

/* AggPart: a partition file waiting to be aggregated, and the depth of its pass. */
typedef struct AggPart {
    SpillFile *file;
    uint32_t   level;
} AggPart;

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
    /* spilling */
    bool        full;            /* this pass adds no groups: new groups' rows go to parts */
    size_t      full_size;       /* agg_size when the pass turned full */
    uint32_t    level;           /* this pass's depth (0: the child's rows) */
    SpillFile  *parts[AGG_SPILL_FANOUT];   /* this pass's partitions (NULL: empty) */
    AggPart    *pending;         /* partitions still to aggregate (malloc, a stack) */
    uint32_t    pending_count;
    uint32_t    pending_capacity;
    Arena      *read_arena;      /* chunks read back from a partition */
    uint64_t    spilled_rows;    /* rows written to partitions, all passes (tests, EXPLAIN) */
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
                  op_inttab_size(&agg->int_table) + agg->int_group_capacity * sizeof(uint32_t);
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        const AggSlot *slot = &agg->aggs[agg_idx];
        size += agg->group_capacity * slot->kern->state_size + slot->seen.size +
                (size_t)slot->seen.slot_count * sizeof(uint64_t);
    }
    return size;
}

/* growth_ahead: bytes the next chunk could add by doubling a table or the state arrays (up to
 * VEC_VALUE_COUNT_MAX new groups), so that a pass turns full before it passes work_mem rather
 * than after. */
static size_t growth_ahead(const HashAgg *agg)
{
    size_t next = (size_t)agg->group_total + VEC_VALUE_COUNT_MAX;
    size_t growth = 0;
    if (next > agg->group_capacity) {
        for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
            growth += agg->group_capacity * agg->aggs[agg_idx].kern->state_size;
        }
    }
    if (agg->int_keys) {
        if (next * 2 > agg->int_table.slot_count) {
            growth += (size_t)agg->int_table.slot_count * sizeof(OpIntSlot) * 2;
        }
        if (next > agg->int_group_capacity) growth += agg->int_group_capacity * sizeof(uint32_t);
    } else {
        if (next * 2 > agg->table.slot_count) {
            growth += (size_t)agg->table.slot_count * sizeof(uint64_t) * 2;
        }
        if (next > agg->table.capacity) {
            growth += (size_t)agg->table.capacity * (2 * sizeof(uint64_t) + sizeof(uint32_t));
        }
    }
    return growth;
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

/* ---------------------------------------------------------------- spilling ---- */

enum { AGG_NULL_KEY_HASH = 0x5bd1e995 };   /* the integer path's NULL key */

/* INT_PROBE_LOOP: probe_int's loop for an integer vector of C type T. */
#define INT_PROBE_LOOP(T)                                                                    \
    do {                                                                                     \
        const T *data = (const T *)value.data;                                               \
        for (uint32_t pos = 0; pos < count; pos++) {                                         \
            uint32_t row = sel != NULL ? sel[pos] : pos;                                     \
            uint32_t group = agg->int_null_group;                                            \
            uint64_t hash = AGG_NULL_KEY_HASH;                                               \
            if (!vec_is_null(&value, row)) {                                                 \
                int64_t key = (int64_t)data[value.is_constant ? 0 : row];                    \
                uint32_t id = op_inttab_find(&agg->int_table, key);                          \
                group = id != UINT32_MAX ? agg->int_group_ids[id] : ROW_ID_NONE;             \
                hash = hash_u64((uint64_t)key);                                              \
            }                                                                                \
            if (group == ROW_ID_NONE) {                                                      \
                missing[missing_count] = (uint16_t)row;                                      \
                hashes[missing_count++] = hash;                                              \
            } else {                                                                         \
                group_idx[row] = group;                                                      \
            }                                                                                \
        }                                                                                    \
    } while (0)

/* probe_int: group_idx of live rows whose (integer) group exists; the others are listed in
 * missing with their hashes. */
static Error *probe_int(HashAgg *agg, DataChunk *chunk, uint32_t *group_idx, uint16_t *missing,
                        uint64_t *hashes, uint32_t *missing_count_out)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    Vector value;
    TRY(expr_eval(agg->keys[0], chunk, agg->batch, &value));
    uint32_t missing_count = 0;
    switch ((VecPhys)value.phys) {
    case VEC_PHYS_I16: INT_PROBE_LOOP(int16_t); break;
    case VEC_PHYS_I32: INT_PROBE_LOOP(int32_t); break;
    case VEC_PHYS_I64: INT_PROBE_LOOP(int64_t); break;
    default:
        return err_new(SQLSTATE_INTERNAL_ERROR, "integer group key of type %s",
                       type_name(value.type.id));
    }
    *missing_count_out = missing_count;
    return NULL;
}

/* probe_keys: probe_int for normalized keys. */
static Error *probe_keys(HashAgg *agg, DataChunk *chunk, uint32_t *group_idx, uint16_t *missing,
                         uint64_t *hashes, uint32_t *missing_count_out)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    Arena *arena = agg->batch;
    KeyBatch keys;
    TRY(op_keys_begin(&keys, sel, count, arena));
    for (uint32_t key_idx = 0; key_idx < agg->key_count; key_idx++) {
        Vector value;
        TRY(expr_eval(agg->keys[key_idx], chunk, arena, &value));
        TRY(op_keys_add(&keys, &value, sel, count, KEY_ASC));
    }
    op_keys_finish(&keys, sel, count);
    uint32_t missing_count = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        uint32_t id = op_keytab_find(&agg->table, keys.bytes[row], keys.size[row], keys.hash[row]);
        if (id == ROW_ID_NONE) {
            missing[missing_count] = (uint16_t)row;
            hashes[missing_count++] = keys.hash[row];
        } else {
            group_idx[row] = id;
        }
    }
    *missing_count_out = missing_count;
    return NULL;
}

/* spill_rows: write rows missing[0..count) of chunk (all its columns) to their partitions. */
static Error *spill_rows(HashAgg *agg, const DataChunk *chunk, const uint16_t *missing,
                         const uint64_t *hashes, uint32_t count)
{
    TRY(spill_parts_write(agg->parts, agg->base.ctx->temp_dir, agg->level, chunk->columns,
                          chunk->column_count, missing, hashes, count));
    agg->spilled_rows += count;
    return NULL;
}

/* probe_and_spill: for a full pass: group_idx of the rows whose group is in memory, the other
 * rows spilled; *view_out is chunk narrowed to the former (NULL if none). */
static Error *probe_and_spill(HashAgg *agg, DataChunk *chunk, uint32_t *group_idx,
                              DataChunk **view_out)
{
    *view_out = NULL;
    uint32_t count = chunk_live_count(chunk);
    uint16_t *missing = arena_alloc(agg->batch, (count + 1) * sizeof(uint16_t));
    uint64_t *hashes = arena_alloc(agg->batch, (count + 1) * sizeof(uint64_t));
    if (missing == NULL || hashes == NULL) return op_heavy_oom();
    uint32_t missing_count = 0;
    if (agg->int_keys) TRY(probe_int(agg, chunk, group_idx, missing, hashes, &missing_count));
    else TRY(probe_keys(agg, chunk, group_idx, missing, hashes, &missing_count));
    if (missing_count == 0) {
        *view_out = chunk;
        return NULL;
    }
    TRY(spill_rows(agg, chunk, missing, hashes, missing_count));
    if (missing_count == count) return NULL;
    /* the found rows: live rows minus missing (both ascending) */
    const uint16_t *sel = chunk->sel;
    uint16_t *found = arena_alloc(agg->batch, (count + 1) * sizeof(uint16_t));
    DataChunk *view = arena_alloc(agg->batch, sizeof(DataChunk));
    if (found == NULL || view == NULL) return op_heavy_oom();
    uint32_t found_count = 0, missing_pos = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        if (missing_pos < missing_count && missing[missing_pos] == row) {
            missing_pos++;
            continue;
        }
        found[found_count++] = (uint16_t)row;
    }
    TRY(op_heavy_chunk_view(view, chunk, agg->batch));
    chunk_set_sel(view, found, found_count);
    *view_out = view;
    return NULL;
}

/* check_memory: after a chunk: turn the pass full when the next chunk could pass work_mem;
 * 53200 when memory that cannot be spilled (one group without keys, the states of groups
 * already in memory, a pass too deep to spill) passes AGG_UNSPILLABLE_FACTOR x work_mem. */
static Error *check_memory(HashAgg *agg)
{
    size_t work_mem = agg->base.ctx->work_mem;
    if (work_mem == 0) return NULL;
    size_t size = agg_size(agg);
    if (!agg->full && size + growth_ahead(agg) > work_mem && agg->key_count > 0) {
        if (agg->level >= AGG_SPILL_DEPTH_MAX) {
            Error *err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
            return err_set_detail(err, "hash aggregate partition still exceeds work_mem "
                                       "(%zu kB) after %d levels of spilling",
                                  work_mem / 1024, AGG_SPILL_DEPTH_MAX);
        }
        agg->full = true;
        agg->full_size = size;
        return NULL;
    }
    size_t base = agg->full_size > work_mem ? agg->full_size : work_mem;
    if (size <= agg->full_size + AGG_UNSPILLABLE_FACTOR * base) return NULL;
    Error *err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    return err_set_detail(err, "hash aggregate states that cannot be spilled (%s) grew by more "
                               "than %d x work_mem (%zu kB)",
                          agg->key_count == 0 ? "no GROUP BY" : "groups already in memory",
                          AGG_UNSPILLABLE_FACTOR, work_mem / 1024);
}

/* finish_pass: the pass's input ended: its partitions wait to be aggregated, one level deeper. */
static Error *finish_pass(HashAgg *agg)
{
    for (uint32_t idx = 0; idx < AGG_SPILL_FANOUT; idx++) {
        if (agg->parts[idx] == NULL) continue;
        if (agg->pending_count == agg->pending_capacity) {
            uint32_t capacity = agg->pending_capacity == 0 ? 64 : agg->pending_capacity * 2;
            AggPart *pending = realloc(agg->pending, capacity * sizeof(AggPart));
            if (pending == NULL) return op_heavy_oom();
            agg->pending = pending;
            agg->pending_capacity = capacity;
        }
        TRY(spill_file_rewind(agg->parts[idx]));
        agg->pending[agg->pending_count++] = (AggPart){ agg->parts[idx], agg->level + 1 };
        agg->parts[idx] = NULL;
    }
    return NULL;
}

/* drop_spill: close every partition file (this pass's and the pending ones). */
static void drop_spill(HashAgg *agg)
{
    for (uint32_t idx = 0; idx < AGG_SPILL_FANOUT; idx++) {
        spill_file_close(agg->parts[idx]);
        agg->parts[idx] = NULL;
    }
    for (uint32_t idx = 0; idx < agg->pending_count; idx++) spill_file_close(agg->pending[idx].file);
    agg->pending_count = 0;
    agg->full = false;
    agg->level = 0;
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
    if (agg->full) {
        DataChunk *view;
        TRY(probe_and_spill(agg, chunk, group_idx, &view));
        if (view == NULL) return NULL;   /* every row went to a partition */
        chunk = view;
    } else {
        TRY(assign_groups(agg, chunk, group_idx));
    }
    KernCtx kctx = { .arena = agg->batch, .dt = agg->base.ctx->dt };
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        AggSlot *slot = &agg->aggs[agg_idx];
        const uint16_t *sel = NULL;
        uint32_t count = 0;
        Vector *values = NULL;
        TRY(slot_rows(agg, slot, chunk, group_idx, &sel, &count, &values));
        if (count == 0) continue;
        if (agg->key_count == 0 && slot->kern->update != NULL) {
            /* (scan7) one group: the ungrouped update folds the chunk into it without a
             * per-row group index */
            TRY(slot->kern->update(&kctx, values, sel, count, slot->states));
            continue;
        }
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
        TRY(check_memory(agg));
    }
    agg->consumed = true;
    return finish_pass(agg);
}

/* reset_groups: forget every group (a new pass or a rescan). */
static Error *reset_groups(HashAgg *agg)
{
    destroy_states(agg);
    op_rows_clear(&agg->group_rows);
    op_keytab_clear(&agg->table);
    op_inttab_clear(&agg->int_table);
    agg->int_null_group = ROW_ID_NONE;
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        if (agg->aggs[agg_idx].distinct) TRY(op_keytab_init(&agg->aggs[agg_idx].seen));
    }
    agg->out_cursor = 0;
    agg->full = false;
    agg->full_size = 0;
    if (agg->key_count == 0) {
        agg->group_total = 1;
        TRY(reserve_states(agg, 1));
        init_states(agg, 0, 1);
    }
    return NULL;
}

/* run_partition: the next pending partition as a pass of its own (its groups replace the
 * emitted ones); it may spill one level deeper. The file is closed whatever happens. */
static Error *run_partition(HashAgg *agg)
{
    ASSERT(agg->pending_count > 0);
    AggPart part = agg->pending[--agg->pending_count];
    Error *err = reset_groups(agg);
    agg->level = part.level;
    const Op *child = agg->base.left;
    while (err == NULL) {
        arena_reset(agg->batch);
        arena_reset(agg->read_arena);
        DataChunk *chunk;
        err = exec_check_interrupt(agg->base.ctx);
        if (err == NULL) {
            err = spill_file_read(part.file, child->types, child->column_count, agg->read_arena,
                                  &chunk);
        }
        if (err != NULL || chunk == NULL) break;
        err = consume_chunk(agg, chunk);
        if (err == NULL) err = check_memory(agg);
    }
    spill_file_close(part.file);
    TRY(err);
    return finish_pass(agg);
}

static Error *agg_reset(HashAgg *agg)
{
    drop_spill(agg);
    agg->consumed = false;
    agg->spilled_rows = 0;
    return reset_groups(agg);
}

static Error *agg_open(Op *op)
{
    HashAgg *agg = (HashAgg *)op;
    TRY(op_heavy_arena(&agg->batch, 64 * 1024));
    TRY(op_heavy_arena(&agg->read_arena, 64 * 1024));
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
    for (;;) {
        arena_reset(agg->batch);
        if (agg->out_cursor < agg->group_total) break;
        if (agg->pending_count == 0) return NULL;
        TRY(run_partition(agg));
    }
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
    drop_spill(agg);
    free(agg->pending);
    agg->pending = NULL;
    agg->pending_capacity = 0;
    destroy_states(agg);
    op_rows_free(&agg->group_rows);
    op_keytab_free(&agg->table);
    op_inttab_free(&agg->int_table);
    free(agg->int_group_ids);
    agg->int_group_ids = NULL;
    agg->int_group_capacity = 0;
    arena_destroy(agg->batch);
    agg->batch = NULL;
    arena_destroy(agg->read_arena);
    agg->read_arena = NULL;
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
