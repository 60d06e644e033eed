/* executor/op_join.c: hash join and nested loop join (inner, left, right, full, semi, anti,
 * mark).
 *
 * Both joins materialize the right child (the build side) into a RowStore and then stream the
 * left child (the probe side) chunk by chunk. For every probe row a candidate cursor walks the
 * build rows that may match: the hash join's chain of build rows with the same normalized key
 * (op_heavy_int.h: NULL keys are never inserted nor probed), the nested loop's every build row
 * in order. A round takes up to VEC_VALUE_COUNT_MAX (probe row, build row) pairs, gathers them
 * into a left ++ right chunk, narrows it with the extra filter and then, by join type, emits
 * the pairs (inner/left/right/full) or records matches (semi/anti/mark). When a probe chunk's
 * cursors are exhausted, left/full joins emit its unmatched rows padded with NULLs, semi/anti
 * the (un)matched rows and mark every row with its flag; after the last probe chunk right/full
 * joins emit the unmatched build rows padded with NULLs.
 *
 * MARK (NOT IN): true if some pair matched; otherwise NULL when the build side is not empty and
 * the probe key or some build key is NULL; otherwise false.
 *
 * A rescan rebuilds the build side (its child may read changed outer values).
 *
 * One integer key on both sides (I16/I32/I64 vectors: int2/4/8, date, time, timestamp) takes a
 * fast path: the build side keeps each row's int64 key while it materializes; at its end the
 * keys' range decides the map from key to the first build row of its chain:
 * - a dense range (max - min + 1 <= 4 * build rows + 1024 and <= JOIN_DIRECT_RANGE_MAX), as a
 *   primary key or a serial gives: a direct array indexed by key - min (no hashing, no probing;
 *   DuckDB's "perfect hash join");
 * - otherwise an OpIntTab (op_inttab.h) of exactly the needed size whose slots carry the chain
 *   head (one cache line per probe); a probe prefetches the slot of the key 16 positions ahead.
 * Chains are linked walking the build rows backwards, so they stay in build row order as the
 * general path's. When no key repeats (build_unique) a candidate's chain is never walked.
 * Equality is the same (integers of every width compare as int64; NULLs never match).
 * The build keys are kept in 2048-row segments of key_arena (no realloc copies of a large build
 * side's keys); over a dense range the presence bits (one per key - min) tell whether a key
 * repeats, and the direct array is built only when something reads it.
 *
 * Single-match path (single): one integer key, no repeated build key, no extra filter, an
 * inner/left/right/full join. Each probe row has at most one match, so a probe chunk becomes one
 * output chunk: the probe's vectors shared, the matched rows selected (left/full: every live
 * row, with NULL build columns where nothing matched), the build columns gathered row-aligned
 * with the probe chunk; the build key column is the probe key column (shared) when both are
 * plain columns of one type and only matched rows are emitted. Over the dense range each
 * fixed-width build column without NULLs is also laid out by key - min (payload, built after the
 * build side when it fits work_mem), so a probe reads a presence bit and one value per column;
 * when every output build column is served so (payload_only: inner/left) the direct array is
 * never built. Semi/anti/mark joins, repeated keys and filters keep the pair rounds.
 *
 * Past work_mem (over_budget) a hash join becomes a Grace hash join and a nested loop join a
 * block nested loop: op_join_spill.c, whose header tells how. Each partition pair or block runs
 * the in-memory code above. op_join_int.h holds the Join struct and what both files share. */
#include <stdlib.h>
#include <string.h>

#include "executor/op_join_int.h"

/* ------------------------------------------------------------------ build side ---- */

static Error *grow_u32(uint32_t **array, size_t count)
{
    uint32_t *grown = realloc(*array, count * sizeof(uint32_t));
    if (grown == NULL) return op_heavy_oom();
    *array = grown;
    return NULL;
}

/* needs_matched: does the join flag matched build rows (right/full: their unmatched rows)? */
static bool needs_matched(const Join *join)
{
    return join->type == JOIN_RIGHT || join->type == JOIN_FULL;
}

/* reserve_ids: per build row arrays for row_count rows: next (general hash path; the integer
 * path allocates it at the end, only when some key repeats) and matched (right/full). */
static Error *reserve_ids(Join *join, size_t row_count)
{
    if (row_count <= join->id_capacity) return NULL;
    size_t capacity = join->id_capacity == 0 ? 4096 : join->id_capacity;
    while (capacity < row_count) capacity *= 2;
    if (join->is_hash && !join->int_keys) TRY(grow_u32(&join->next, capacity));
    if (needs_matched(join)) {
        uint8_t *matched = realloc(join->matched, capacity);
        if (matched == NULL) return op_heavy_oom();
        join->matched = matched;
    }
    join->id_capacity = capacity;
    return NULL;
}

/* bkey, bkey_null: build row id's integer key and NULL flag (int_keys). */
static inline int64_t bkey(const Join *join, uint32_t id)
{
    return join->build_keys[id >> ROWS_CHUNK_SHIFT][id & ROWS_CHUNK_MASK];
}

static inline bool bkey_null(const Join *join, uint32_t id)
{
    return join->build_key_null[id >> ROWS_CHUNK_SHIFT][id & ROWS_CHUNK_MASK] != 0;
}

/* reserve_key_segs: key segments for build rows [0, row_count). Errors: OUT_OF_MEMORY. */
static Error *reserve_key_segs(Join *join, size_t row_count)
{
    uint32_t needed = (uint32_t)((row_count + VEC_VALUE_COUNT_MAX - 1) >> ROWS_CHUNK_SHIFT);
    if (needed > join->key_seg_capacity) {
        uint32_t capacity = join->key_seg_capacity == 0 ? 64 : join->key_seg_capacity;
        while (capacity < needed) capacity *= 2;
        int64_t **keys = realloc(join->build_keys, capacity * sizeof(int64_t *));
        if (keys == NULL) return op_heavy_oom();
        join->build_keys = keys;
        uint8_t **nulls = realloc(join->build_key_null, capacity * sizeof(uint8_t *));
        if (nulls == NULL) return op_heavy_oom();
        join->build_key_null = nulls;
        join->key_seg_capacity = capacity;
    }
    if (needed > join->key_seg_count) TRY(op_heavy_arena(&join->key_arena, 64 * 1024));
    while (join->key_seg_count < needed) {
        int64_t *keys = arena_alloc(join->key_arena, VEC_VALUE_COUNT_MAX * sizeof(int64_t));
        uint8_t *nulls = arena_alloc(join->key_arena, VEC_VALUE_COUNT_MAX);
        if (keys == NULL || nulls == NULL) return op_heavy_oom();
        join->build_keys[join->key_seg_count] = keys;
        join->build_key_null[join->key_seg_count] = nulls;
        join->key_seg_count++;
    }
    return NULL;
}

static Error *reserve_key_ids(Join *join, size_t key_count)
{
    if (key_count <= join->key_capacity) return NULL;
    size_t capacity = join->key_capacity == 0 ? 4096 : join->key_capacity;
    while (capacity < key_count) capacity *= 2;
    TRY(grow_u32(&join->heads, capacity));
    TRY(grow_u32(&join->tails, capacity));
    join->key_capacity = capacity;
    return NULL;
}

/* op_join_eval_keys: the normalized join keys of chunk's live rows. */
Error *op_join_eval_keys(Join *join, ExprState **states, DataChunk *chunk, Arena *arena,
                         KeyBatch *keys)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    TRY(op_keys_begin(keys, sel, count, arena));
    for (uint32_t key_idx = 0; key_idx < join->base.plan->key_count; key_idx++) {
        Vector value;
        TRY(expr_eval(states[key_idx], chunk, arena, &value));
        TRY(op_keys_add(keys, &value, sel, count, KEY_ASC));
    }
    op_keys_finish(keys, sel, count);
    return NULL;
}

/* INT_KEY_VALUE: the int64 key of row of an integer vector value (flat or constant). */
static inline int64_t int_key_value(const Vector *value, uint32_t row)
{
    uint32_t slot = value->is_constant ? 0 : row;
    switch ((VecPhys)value->phys) {
    case VEC_PHYS_I16: return vec_i16(value)[slot];
    case VEC_PHYS_I32: return vec_i32(value)[slot];
    default: return vec_i64(value)[slot];
    }
}

static Error *int_key_eval(Join *join, ExprState *state, DataChunk *chunk, Arena *arena,
                           Vector *value)
{
    (void)join;
    TRY(expr_eval(state, chunk, arena, value));
    if (value->phys != VEC_PHYS_I16 && value->phys != VEC_PHYS_I32 && value->phys != VEC_PHYS_I64) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "integer join key of type %s",
                       type_name(value->type.id));
    }
    return NULL;
}

/* build_chunk_int: record the integer keys of a build chunk's rows (chains come at the end). */
static Error *build_chunk_int(Join *join, DataChunk *chunk, const uint16_t *sel, uint32_t count,
                              uint32_t first_id)
{
    Vector value;
    TRY(int_key_eval(join, join->right_keys[0], chunk, join->batch, &value));
    TRY(reserve_key_segs(join, (size_t)first_id + count));
    bool has_nulls = value.validity != NULL;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        uint32_t id = first_id + pos;
        bool is_null = has_nulls && vec_is_null(&value, row);
        join->build_key_null[id >> ROWS_CHUNK_SHIFT][id & ROWS_CHUNK_MASK] = is_null;
        join->build_keys[id >> ROWS_CHUNK_SHIFT][id & ROWS_CHUNK_MASK] =
            is_null ? 0 : int_key_value(&value, row);
        if (is_null) join->build_null_key = true;
    }
    return NULL;
}

enum { JOIN_DIRECT_RANGE_MAX = 1 << 26 };   /* entries: 256 MiB of uint32 at most */

/* direct_ensure: the direct array over [direct_min, direct_max] of a build side without a
 * repeated key (each offset: its build row or ROW_ID_NONE); built once, on demand (a probe of
 * the single path with payload_only never reads it). Errors: OUT_OF_MEMORY. */
static Error *direct_ensure(Join *join)
{
    if (join->direct != NULL || join->direct_count == 0) return NULL;
    size_t range = join->direct_count;
    uint32_t *direct = malloc(range * sizeof(uint32_t));
    if (direct == NULL) return op_heavy_oom();
    memset(direct, 0xff, range * sizeof(uint32_t));   /* ROW_ID_NONE */
    join->direct = direct;
    int64_t min = join->direct_min;
    for (uint32_t id = join->build.row_count; id-- > 0;) {
        if (bkey_null(join, id)) continue;
        direct[(size_t)((uint64_t)bkey(join, id) - (uint64_t)min)] = id;
    }
    return NULL;
}

/* build_finish_direct: the presence bits over [min, max] (which also tell whether a key
 * repeats); when one does, the direct array and its chains, else the direct array waits for
 * direct_ensure. */
static Error *build_finish_direct(Join *join, int64_t min, int64_t max)
{
    size_t range = (size_t)((uint64_t)max - (uint64_t)min) + 1;
    uint64_t *bits = calloc((range + 63) / 64, sizeof(uint64_t));
    if (bits == NULL) return op_heavy_oom();
    join->direct_bits = bits;
    join->direct_count = range;
    join->direct_min = min;
    join->direct_max = max;
    uint32_t row_count = join->build.row_count;
    bool unique = true;
    for (uint32_t id = 0; id < row_count; id++) {
        if (bkey_null(join, id)) continue;
        size_t at = (size_t)((uint64_t)bkey(join, id) - (uint64_t)min);
        uint64_t bit = 1ULL << (at & 63);
        unique = unique && (bits[at >> 6] & bit) == 0;
        bits[at >> 6] |= bit;
    }
    join->build_unique = unique;
    if (unique) return NULL;   /* no chains: next is never read */
    /* some key repeats: link the chains (walking backwards: the heads are the first rows) */
    uint32_t *direct = malloc(range * sizeof(uint32_t));
    if (direct == NULL) return op_heavy_oom();
    memset(direct, 0xff, range * sizeof(uint32_t));   /* ROW_ID_NONE */
    join->direct = direct;
    TRY(grow_u32(&join->next, row_count > 0 ? row_count : 1));
    for (uint32_t id = row_count; id-- > 0;) {
        if (bkey_null(join, id)) {
            join->next[id] = ROW_ID_NONE;
            continue;
        }
        size_t at = (size_t)((uint64_t)bkey(join, id) - (uint64_t)min);
        join->next[id] = direct[at];
        direct[at] = id;
    }
    return NULL;
}

/* build_finish_hashed: chains through the int table (slot value = first build row). */
static Error *build_finish_hashed(Join *join, uint32_t key_count_max)
{
    TRY(op_inttab_reserve(&join->int_table, key_count_max));
    uint32_t row_count = join->build.row_count;
    TRY(grow_u32(&join->next, row_count > 0 ? row_count : 1));
    bool unique = true;
    for (uint32_t id = row_count; id-- > 0;) {
        if (bkey_null(join, id)) {
            join->next[id] = ROW_ID_NONE;
            continue;
        }
        bool is_new;
        OpIntSlot *slot = op_inttab_upsert(&join->int_table, bkey(join, id), &is_new);
        unique = unique && is_new;
        join->next[id] = is_new ? ROW_ID_NONE : slot->value;
        slot->value = id;
    }
    join->build_unique = unique;
    return NULL;
}

/* build_finish_int: the map from key to chain head over every build row's key. */
static Error *build_finish_int(Join *join)
{
    uint32_t row_count = join->build.row_count;
    int64_t min = INT64_MAX, max = INT64_MIN;
    uint32_t key_count = 0;
    for (uint32_t id = 0; id < row_count; id++) {
        if (bkey_null(join, id)) continue;
        int64_t key = bkey(join, id);
        min = key < min ? key : min;
        max = key > max ? key : max;
        key_count++;
    }
    join->build_unique = true;
    if (key_count == 0) return NULL;          /* nothing can match */
    uint64_t span = (uint64_t)max - (uint64_t)min;
    if (span < JOIN_DIRECT_RANGE_MAX && span < (uint64_t)key_count * 4 + 1024) {
        TRY(build_finish_direct(join, min, max));
    } else {
        TRY(build_finish_hashed(join, key_count));
    }
    return NULL;
}

static Error *build_chunk(Join *join, DataChunk *chunk)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    if (count == 0) return NULL;
    uint32_t first_id = join->build.row_count;
    TRY(op_rows_append(&join->build, chunk->columns, sel, count));
    TRY(reserve_ids(join, join->build.row_count));
    if (needs_matched(join)) memset(join->matched + first_id, 0, count);
    if (!join->is_hash) return NULL;
    if (join->int_keys) return build_chunk_int(join, chunk, sel, count, first_id);
    KeyBatch keys;
    TRY(op_join_eval_keys(join, join->right_keys, chunk, join->batch, &keys));
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        uint32_t id = first_id + pos;
        join->next[id] = ROW_ID_NONE;
        if (keys.has_null[row]) {
            join->build_null_key = true;
            continue;
        }
        uint32_t key_id;
        bool is_new;
        TRY(op_keytab_insert(&join->keys, keys.bytes[row], keys.size[row], keys.hash[row],
                             &key_id, &is_new));
        TRY(reserve_key_ids(join, join->keys.count));
        if (is_new) {
            join->heads[key_id] = id;
        } else {
            join->next[join->tails[key_id]] = id;
        }
        join->tails[key_id] = id;
    }
    return NULL;
}

/* used_size: the bytes the build side in memory uses for its rows (beyond the empty buffer's
 * first block, rows_base), chains, keys and tables: what a join holds to work_mem (reserved
 * capacities, which start at 4096 entries, are not counted). */
static size_t used_size(const Join *join)
{
    size_t rows = op_rows_size(&join->build);
    size_t row_count = join->build.row_count;
    size_t size = (rows > join->rows_base ? rows - join->rows_base : 0) +
                  row_count * (sizeof(uint32_t) + 1) + join->keys.size +
                  (size_t)join->keys.count * 2 * sizeof(uint32_t) +
                  (size_t)join->keys.slot_count * sizeof(uint64_t) +
                  op_inttab_size(&join->int_table) + join->direct_count * sizeof(uint32_t);
    if (join->int_keys) size += row_count * (sizeof(int64_t) + 1);
    return size;
}

/* over_budget: must the build side in memory spill? A join holds at least one chunk (so every
 * pass or block makes progress and a partition of at most VEC_VALUE_COUNT_MAX rows never
 * splits) and spills past work_mem: a hash join partitions, a nested loop join goes on in
 * blocks. */
static bool over_budget(const Join *join)
{
    size_t work_mem = join->base.ctx->work_mem;
    if (work_mem == 0) return false;
    return join->build.row_count > VEC_VALUE_COUNT_MAX && used_size(join) > work_mem;
}

/* build_load: materialize the build source; *overflow_out when it passed work_mem (the rows
 * read so far stay in memory, the rest of the source is unread). */
static Error *build_load(Join *join, bool *overflow_out)
{
    *overflow_out = false;
    join->rows_base = op_rows_size(&join->build);   /* empty: the arena's first block */
    for (;;) {
        arena_reset(join->batch);
        DataChunk *chunk;
        TRY(op_join_next_build_chunk(join, &chunk));
        if (chunk == NULL) break;
        TRY(build_chunk(join, chunk));
        if (!over_budget(join)) continue;
        *overflow_out = true;
        return NULL;
    }
    arena_reset(join->batch);
    spill_file_close(join->cur_build);
    join->cur_build = NULL;
    if (join->int_keys) {
        TRY(build_finish_int(join));
        *overflow_out = over_budget(join);
    }
    return NULL;
}

static Error *build_payload(Join *join);

/* build: materialize the build side, spilling (and moving on to the first pair, or to blocks
 * for a nested loop join) when it does not fit. */
static Error *build(Join *join)
{
    for (;;) {
        bool overflow;
        TRY(build_load(join, &overflow));
        if (!join->is_hash) {
            if (overflow && !join->nl_blocks) TRY(op_join_nl_spill_rest(join));
            join->nl_last = join->nl_blocks && !overflow;
            break;
        }
        if (!overflow) break;
        TRY(op_join_spill_partition(join));
        bool found;
        TRY(op_join_next_part(join, &found));
        if (!found) {
            join->phase = PHASE_DONE;
            break;
        }
    }
    for (uint32_t col_idx = 0; col_idx < join->right_count; col_idx++) {
        bool nulls = false;
        for (uint32_t chunk_idx = 0; chunk_idx < join->build.chunk_count && !nulls; chunk_idx++) {
            nulls = join->build.chunks[chunk_idx].columns[col_idx].validity != NULL;
        }
        join->right_nulls[col_idx] = nulls;
    }
    JoinType type = join->type;
    join->single = join->is_hash && join->int_keys && join->build_unique &&
                   join->filter == NULL && (type == JOIN_INNER || type == JOIN_LEFT ||
                                            type == JOIN_RIGHT || type == JOIN_FULL);
    if (join->single && join->direct_bits != NULL) TRY(build_payload(join));
    /* the direct array, unless every probe of the single path reads only bits and payloads */
    if (!(join->single && join->payload_only)) TRY(direct_ensure(join));
    join->built = true;
    return NULL;
}

/* right_width: bytes of one value of fixed-width build column col_idx (right_fixed). */
static size_t right_width(const Join *join, uint32_t col_idx)
{
    switch ((VecPhys)(join->right_fixed[col_idx] - 1)) {
    case VEC_PHYS_BOOL: return 1;
    case VEC_PHYS_I16: return 2;
    case VEC_PHYS_I32: case VEC_PHYS_F32: return 4;
    default: return 8;
    }
}

/* payload_wanted: does build column col_idx get a payload array (fixed width, no NULL, not
 * the key column an inner or right join always shares from the probe)? */
static bool payload_wanted(const Join *join, uint32_t col_idx)
{
    if (join->right_fixed[col_idx] == 0 || join->right_nulls[col_idx]) return false;
    return !((int32_t)col_idx == join->share_right &&
             (join->type == JOIN_INNER || join->type == JOIN_RIGHT));
}

/* payload_free: drop the single path's presence bits and payload arrays. */
static void payload_free(Join *join)
{
    free(join->direct_bits);
    join->direct_bits = NULL;
    for (uint32_t col_idx = 0; col_idx < join->right_count && join->payload != NULL; col_idx++) {
        free(join->payload[col_idx]);
        join->payload[col_idx] = NULL;
    }
    join->payload_only = false;
}

/* payload_size: bytes of the presence bits and payload arrays over range keys for the build
 * columns that get one (fixed width, no NULL, not always shared). */
static size_t payload_size(const Join *join, size_t range)
{
    size_t size = (range + 63) / 64 * sizeof(uint64_t);
    for (uint32_t col_idx = 0; col_idx < join->right_count; col_idx++) {
        if (payload_wanted(join, col_idx)) size += range * right_width(join, col_idx);
    }
    return size;
}

/* build_payload: for the single path over the direct array (unique keys), the presence bits
 * and, per fixed-width build column without NULLs, its values laid out by key - min: a probe
 * then reads one bit (the bits of a million keys fit in L2) and one value per column at its
 * key's offset, instead of the direct array's row id and then the row's value in its stored
 * chunk (two streams over memory instead of one per column). Skipped when it would pass
 * work_mem. Errors: OUT_OF_MEMORY. */
static Error *build_payload(Join *join)
{
    size_t range = join->direct_count;
    size_t work_mem = join->base.ctx->work_mem;
    if (work_mem != 0 && used_size(join) + payload_size(join, range) > work_mem) return NULL;
    bool only = join->type == JOIN_INNER || join->type == JOIN_LEFT;
    for (uint32_t col_idx = 0; col_idx < join->right_count; col_idx++) {
        if (!payload_wanted(join, col_idx)) {
            bool shared = (int32_t)col_idx == join->share_right &&
                          (join->type == JOIN_INNER || join->type == JOIN_RIGHT);
            only = only && shared;
            continue;
        }
        size_t width = right_width(join, col_idx);
        uint8_t *values = calloc(range, width);   /* absent keys: zero, never selected */
        if (values == NULL) return op_heavy_oom();
        join->payload[col_idx] = values;
        const RowStore *build = &join->build;
        for (uint32_t id = 0; id < build->row_count; id++) {
            if (bkey_null(join, id)) continue;
            size_t at = (size_t)((uint64_t)bkey(join, id) - (uint64_t)join->direct_min);
            const uint8_t *src = op_rows_vec(build, col_idx, id)->data;
            memcpy(values + at * width, src + (size_t)(id & ROWS_CHUNK_MASK) * width, width);
        }
    }
    join->payload_only = only;
    return NULL;
}

/* op_join_build_reset: forget the build side in memory (capacities kept). */
void op_join_build_reset(Join *join)
{
    op_rows_clear(&join->build);
    if (join->keys.slots != NULL) op_keytab_clear(&join->keys);
    op_inttab_clear(&join->int_table);
    free(join->direct);
    join->direct = NULL;
    join->direct_count = 0;
    payload_free(join);
    op_join_key_segs_clear(join);
    join->build_unique = false;
    join->build_null_key = false;
    join->built = false;
}

/* ------------------------------------------------------------------ probe side ---- */

static inline uint32_t advance(const Join *join, uint32_t id)
{
    if (join->is_hash) return join->next[id];
    return id + 1 < join->build.row_count ? id + 1 : ROW_ID_NONE;
}

/* probe_keys_load: the int64 keys of rows (sel, count) of value into keys (one typed loop). */
static void probe_keys_load(const Vector *value, const uint16_t *sel, uint32_t count,
                            int64_t *keys)
{
    if (value->is_constant) {
        int64_t key = int_key_value(value, 0);
        for (uint32_t pos = 0; pos < count; pos++) keys[pos] = key;
        return;
    }
#define LOAD_KEYS(T, DATA)                                                                  \
    do {                                                                                   \
        const T *data = DATA;                                                              \
        if (sel == NULL) {                                                                 \
            for (uint32_t pos = 0; pos < count; pos++) keys[pos] = data[pos];              \
        } else {                                                                           \
            for (uint32_t pos = 0; pos < count; pos++) keys[pos] = data[sel[pos]];         \
        }                                                                                  \
    } while (0)
    switch ((VecPhys)value->phys) {
    case VEC_PHYS_I16: LOAD_KEYS(int16_t, vec_i16(value)); break;
    case VEC_PHYS_I32: LOAD_KEYS(int32_t, vec_i32(value)); break;
    default: LOAD_KEYS(int64_t, vec_i64(value)); break;
    }
#undef LOAD_KEYS
}

/* probe_heads_int: cand[pos] = the first build row whose key is keys[pos] (ROW_ID_NONE if none),
 * for the positions that are not NULL. */
static void probe_heads_int(Join *join, const int64_t *keys, const uint8_t *null_key,
                            uint32_t count, uint32_t *cand)
{
    if (join->direct != NULL) {
        const uint32_t *direct = join->direct;
        int64_t min = join->direct_min, max = join->direct_max;
        for (uint32_t pos = 0; pos < count; pos++) {
            int64_t key = keys[pos];
            bool in_range = key >= min && key <= max;
            uint32_t head = direct[in_range ? (size_t)((uint64_t)key - (uint64_t)min) : 0];
            cand[pos] = in_range ? head : ROW_ID_NONE;
        }
    } else if (join->int_table.count > 0) {
        enum { PREFETCH_DISTANCE = 16 };
        const OpIntTab *table = &join->int_table;
        for (uint32_t pos = 0; pos < count && pos < PREFETCH_DISTANCE; pos++) {
            op_inttab_prefetch(table, keys[pos]);
        }
        for (uint32_t pos = 0; pos < count; pos++) {
            if (pos + PREFETCH_DISTANCE < count) {
                op_inttab_prefetch(table, keys[pos + PREFETCH_DISTANCE]);
            }
            cand[pos] = op_inttab_find_value(table, keys[pos], ROW_ID_NONE);
        }
    } else {
        for (uint32_t pos = 0; pos < count; pos++) cand[pos] = ROW_ID_NONE;
    }
    if (null_key == NULL) return;
    for (uint32_t pos = 0; pos < count; pos++) {
        if (null_key[pos]) cand[pos] = ROW_ID_NONE;
    }
}

/* probe_single_direct: the single path's lookup over the presence bits: probe_off[pos] = key -
 * min, cand[pos] = the build row of key (payload_only: 0, a mere "matched" flag) or ROW_ID_NONE
 * for a key out of range, absent or NULL. */
static void probe_single_direct(Join *join, const int64_t *keys, const uint8_t *null_key,
                                uint32_t count)
{
    uint32_t *off = join->probe_off;
    uint32_t *cand = join->cand;
    const uint64_t *bits = join->direct_bits;
    const uint32_t *direct = join->direct;
    int64_t min = join->direct_min, max = join->direct_max;
    bool only = join->payload_only;
    uint32_t hits = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        int64_t key = keys[pos];
        bool in_range = key >= min && key <= max;
        uint32_t at = in_range ? (uint32_t)((uint64_t)key - (uint64_t)min) : 0;
        bool hit = in_range && ((bits[at >> 6] >> (at & 63)) & 1) != 0;
        off[pos] = at;
        cand[pos] = hit ? (only ? 0 : direct[at]) : ROW_ID_NONE;
        hits += hit;
    }
    join->probe_hits = hits;
    if (null_key == NULL) return;
    join->probe_hits = UINT32_MAX;   /* recounted by single_round */
    for (uint32_t pos = 0; pos < count; pos++) {
        if (null_key[pos]) cand[pos] = ROW_ID_NONE;
    }
}

/* start_probe_int: start_probe for one integer key (probe_rows, cand, active, null flags). */
static Error *start_probe_int(Join *join, DataChunk *chunk, const uint16_t *sel, uint32_t count)
{
    Arena *arena = join->probe_arena;
    Vector value;
    TRY(int_key_eval(join, join->left_keys[0], chunk, arena, &value));
    int64_t *keys = arena_alloc(arena, count * sizeof(int64_t));
    if (keys == NULL) return op_heavy_oom();
    probe_keys_load(&value, sel, count, keys);
    const uint8_t *null_key = NULL;
    if (value.validity != NULL) {
        for (uint32_t pos = 0; pos < count; pos++) {
            join->probe_null_key[pos] = vec_is_null(&value, sel != NULL ? sel[pos] : pos);
        }
        null_key = join->probe_null_key;
    }
    if (sel != NULL) {
        for (uint32_t pos = 0; pos < count; pos++) join->probe_rows[pos] = sel[pos];
    } else {
        for (uint32_t pos = 0; pos < count; pos++) join->probe_rows[pos] = (uint16_t)pos;
    }
    if (join->single && join->direct_bits != NULL) {
        probe_single_direct(join, keys, null_key, count);
        join->phase = PHASE_SINGLE;
        return NULL;
    }
    probe_heads_int(join, keys, null_key, count, join->cand);
    join->probe_hits = UINT32_MAX;
    if (join->single) {
        join->phase = PHASE_SINGLE;
        return NULL;
    }
    uint32_t active_count = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        join->active[active_count] = pos;
        active_count += join->cand[pos] != ROW_ID_NONE;
    }
    join->active_count = active_count;
    join->phase = active_count > 0 ? PHASE_ROUNDS : PHASE_PROBE_TAIL;
    return NULL;
}

static Error *start_probe(Join *join, DataChunk *chunk)
{
    arena_reset(join->probe_arena);
    Arena *arena = join->probe_arena;
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    join->probe = chunk;
    join->probe_count = count;
    join->probe_rows = arena_alloc(arena, (count + 1) * sizeof(uint16_t));
    join->cand = arena_alloc(arena, (count + 1) * sizeof(uint32_t));
    join->probe_matched = arena_calloc(arena, count + 1);
    join->probe_null_key = arena_calloc(arena, count + 1);
    join->active = arena_alloc(arena, (count + 1) * sizeof(uint32_t));
    join->probe_off = arena_alloc(arena, (count + 1) * sizeof(uint32_t));
    if (join->probe_off == NULL || join->probe_rows == NULL || join->cand == NULL || join->probe_matched == NULL ||
        join->probe_null_key == NULL || join->active == NULL) {
        return op_heavy_oom();
    }
    join->active_count = 0;
    if (join->int_keys && count > 0) return start_probe_int(join, chunk, sel, count);
    KeyBatch keys;
    if (join->is_hash && count > 0) {
        TRY(op_join_eval_keys(join, join->left_keys, chunk, arena, &keys));
    }
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        join->probe_rows[pos] = (uint16_t)row;
        uint32_t first = ROW_ID_NONE;
        if (join->build.row_count == 0) {
            first = ROW_ID_NONE;
        } else if (!join->is_hash) {
            first = 0;
        } else if (keys.has_null[row]) {
            join->probe_null_key[pos] = 1;
        } else {
            uint32_t key_id = op_keytab_find(&join->keys, keys.bytes[row], keys.size[row],
                                             keys.hash[row]);
            if (key_id != ROW_ID_NONE) first = join->heads[key_id];
        }
        join->cand[pos] = first;
        if (first != ROW_ID_NONE) join->active[join->active_count++] = pos;
    }
    join->phase = join->active_count > 0 ? PHASE_ROUNDS : PHASE_PROBE_TAIL;
    if (join->nl_blocks) TRY(op_join_nl_probe_seed(join));
    return NULL;
}

/* left_rows_identity: are left_rows exactly the probe chunk's rows 0..row_count-1? Then the
 * pairs can share the probe's vectors (valid until the next probe chunk is fetched, which only
 * happens after the consumer is done with this output). */
static bool left_rows_identity(const Join *join, const uint32_t *left_rows, uint32_t count)
{
    if (left_rows == NULL || count != join->probe->row_count) return false;
    for (uint32_t pos = 0; pos < count; pos++) {
        if (left_rows[pos] != pos) return false;
    }
    return true;
}

/* gather_build_fixed: out row k = build row ids[k] of a fixed-width column (right_fixed):
 * one typed load per row, validity only when the column holds NULLs. op_rows_gather's general
 * version also finds the stored chunks' common form per call and per row (numerics may differ
 * between chunks), which costs more than the copy here. Pre: no id is ROW_ID_NONE. */
static Error *gather_build_fixed(const Join *join, uint32_t col_idx, const uint32_t *ids,
                                 uint32_t count, Vector *out)
{
    const RowStore *build = &join->build;
    vec_init(out, build->types[col_idx], out->arena);
    TRY(vec_reserve(out, count > 0 ? count : 1));
#define GATHER_BUILD(T)                                                                      \
    do {                                                                                     \
        T *values = (T *)out->data;                                                          \
        for (uint32_t k = 0; k < count; k++) {                                               \
            uint32_t id = ids[k];                                                            \
            const T *src = (const T *)build->chunks[id >> ROWS_CHUNK_SHIFT].columns[col_idx].data; \
            values[k] = src[id & ROWS_CHUNK_MASK];                                           \
        }                                                                                    \
    } while (0)
    switch ((VecPhys)(join->right_fixed[col_idx] - 1)) {
    case VEC_PHYS_BOOL: GATHER_BUILD(uint8_t); break;
    case VEC_PHYS_I16: GATHER_BUILD(int16_t); break;
    case VEC_PHYS_I32: case VEC_PHYS_F32: GATHER_BUILD(uint32_t); break;
    default: GATHER_BUILD(uint64_t); break;
    }
#undef GATHER_BUILD
    if (!join->right_nulls[col_idx]) return NULL;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t id = ids[k];
        if (vec_is_null(op_rows_vec(build, col_idx, id), id & ROWS_CHUNK_MASK)) {
            TRY(vec_set_null(out, k));
        }
    }
    return NULL;
}

/* pair_chunk: left ++ right columns of the pairs (probe row, build row) in arena. */
static Error *pair_chunk(Join *join, const uint32_t *left_rows, const uint32_t *right_ids,
                         uint32_t count, Arena *arena, DataChunk *out)
{
    TRY(chunk_init(out, join->pair_types, join->left_count + join->right_count, arena));
    bool share_left = join->left_count > 0 && left_rows_identity(join, left_rows, count);
    for (uint32_t col_idx = 0; col_idx < join->left_count; col_idx++) {
        Vector *vec = &out->columns[col_idx];
        if (left_rows == NULL) {
            TRY(op_rows_null_vec(vec));
        } else if (share_left) {
            *vec = join->probe->columns[col_idx];
        } else {
            TRY(op_rows_gather_vec(&join->probe->columns[col_idx], left_rows, count, vec));
        }
    }
    for (uint32_t col_idx = 0; col_idx < join->right_count; col_idx++) {
        Vector *vec = &out->columns[join->left_count + col_idx];
        if (right_ids == NULL) {
            TRY(op_rows_null_vec(vec));
        } else if (join->right_fixed[col_idx] != 0) {
            TRY(gather_build_fixed(join, col_idx, right_ids, count, vec));
        } else {
            TRY(op_rows_gather(&join->build, col_idx, right_ids, count, vec));
        }
    }
    out->row_count = count;
    return NULL;
}

/* op_join_drop_matched_active: semi, anti and mark joins: a probe row that matched needs no
 * more candidates; none left ends the chunk's probing. */
void op_join_drop_matched_active(Join *join)
{
    uint32_t kept = 0;
    for (uint32_t active_idx = 0; active_idx < join->active_count; active_idx++) {
        uint32_t pos = join->active[active_idx];
        if (join->probe_matched[pos]) continue;
        join->active[kept++] = pos;
    }
    join->active_count = kept;
    if (kept == 0) join->phase = PHASE_PROBE_TAIL;
}

/* round: up to VEC_VALUE_COUNT_MAX pairs; *out_out the emitted chunk (or NULL). */
static Error *pair_round(Join *join, DataChunk **out_out)
{
    Arena *arena = join->batch;
    uint32_t *pair_pos = arena_alloc(arena, VEC_VALUE_COUNT_MAX * sizeof(uint32_t));
    uint32_t *pair_left = arena_alloc(arena, VEC_VALUE_COUNT_MAX * sizeof(uint32_t));
    uint32_t *pair_right = arena_alloc(arena, VEC_VALUE_COUNT_MAX * sizeof(uint32_t));
    if (pair_pos == NULL || pair_left == NULL || pair_right == NULL) return op_heavy_oom();
    bool one_is_enough = join->filter == NULL &&
                         (join->type == JOIN_SEMI || join->type == JOIN_ANTI ||
                          join->type == JOIN_MARK);
    bool single = join->is_hash && join->int_keys && join->build_unique;   /* no chains */
    uint32_t pair_count = 0, kept = 0;
    for (uint32_t active_idx = 0; active_idx < join->active_count; active_idx++) {
        uint32_t pos = join->active[active_idx];
        while (join->cand[pos] != ROW_ID_NONE && pair_count < VEC_VALUE_COUNT_MAX) {
            pair_pos[pair_count] = pos;
            pair_left[pair_count] = join->probe_rows[pos];
            pair_right[pair_count] = join->cand[pos];
            pair_count++;
            join->cand[pos] = one_is_enough || single ? ROW_ID_NONE
                                                      : advance(join, join->cand[pos]);
        }
        if (join->cand[pos] != ROW_ID_NONE) join->active[kept++] = pos;
    }
    join->active_count = kept;
    if (join->active_count == 0) join->phase = PHASE_PROBE_TAIL;

    DataChunk *pairs = arena_alloc(arena, sizeof(DataChunk));
    if (pairs == NULL) return op_heavy_oom();
    TRY(pair_chunk(join, pair_left, pair_right, pair_count, arena, pairs));
    if (join->filter != NULL) TRY(expr_filter(join->filter, pairs, arena));
    uint32_t live_count;
    const uint16_t *live = op_heavy_live_sel(pairs, &live_count);
    /* an inner join never reads the matched flags (no unmatched rows to emit) */
    for (uint32_t live_idx = 0; live_idx < live_count && join->type != JOIN_INNER; live_idx++) {
        uint32_t pair = live != NULL ? live[live_idx] : live_idx;
        join->probe_matched[pair_pos[pair]] = 1;
        if (join->matched != NULL && needs_matched(join)) join->matched[pair_right[pair]] = 1;
    }
    if (join->type == JOIN_SEMI || join->type == JOIN_ANTI || join->type == JOIN_MARK) {
        op_join_drop_matched_active(join);
        *out_out = NULL;
        return NULL;
    }
    *out_out = live_count > 0 ? pairs : NULL;
    return NULL;
}

/* gather_single_fixed: out row rows[pos] = build row cand[pos] of a fixed-width column
 * (right_fixed), for every probe position; a position without a match (ROW_ID_NONE) gets NULL
 * when null_unmatched, else an unspecified value (its row is not selected). out is row-aligned
 * with the probe chunk (row_count slots). Pre: the build side has a row. */
static Error *gather_single_fixed(const Join *join, uint32_t col_idx, const uint16_t *rows,
                                  const uint32_t *cand, uint32_t count, uint32_t row_count,
                                  bool dense, bool null_unmatched, Vector *out)
{
    const RowStore *build = &join->build;
    vec_init(out, build->types[col_idx], out->arena);
    TRY(vec_reserve(out, row_count > 0 ? row_count : 1));
    const DataChunk *chunks = build->chunks;
    /* a missing match reads build row 0 (kept unselected or set NULL below): no branch */
#define GATHER_SINGLE(T)                                                                     \
    do {                                                                                     \
        T *values = (T *)out->data;                                                          \
        for (uint32_t pos = 0; pos < count; pos++) {                                         \
            uint32_t id = cand[pos];                                                         \
            id = id != ROW_ID_NONE ? id : 0;                                                 \
            const T *src = (const T *)chunks[id >> ROWS_CHUNK_SHIFT].columns[col_idx].data;  \
            values[dense ? pos : rows[pos]] = src[id & ROWS_CHUNK_MASK];                     \
        }                                                                                    \
    } while (0)
    switch ((VecPhys)(join->right_fixed[col_idx] - 1)) {
    case VEC_PHYS_BOOL: GATHER_SINGLE(uint8_t); break;
    case VEC_PHYS_I16: GATHER_SINGLE(int16_t); break;
    case VEC_PHYS_I32: case VEC_PHYS_F32: GATHER_SINGLE(uint32_t); break;
    default: GATHER_SINGLE(uint64_t); break;
    }
#undef GATHER_SINGLE
    bool build_nulls = join->right_nulls[col_idx];
    if (!build_nulls && !null_unmatched) return NULL;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t id = cand[pos];
        bool is_null = id == ROW_ID_NONE
                           ? null_unmatched
                           : build_nulls && vec_is_null(op_rows_vec(build, col_idx, id),
                                                        id & ROWS_CHUNK_MASK);
        if (is_null) TRY(vec_set_null(out, rows[pos]));
    }
    return NULL;
}

/* gather_payload: out row rows[pos] = the payload value of probe position pos's key offset
 * (single path over the direct array); a position without a match gets NULL when
 * null_unmatched, else an unspecified value (its row is not selected). */
static Error *gather_payload(const Join *join, uint32_t col_idx, const uint16_t *rows,
                             uint32_t count, uint32_t row_count, bool dense, bool null_unmatched,
                             Vector *out)
{
    vec_init(out, join->build.types[col_idx], out->arena);
    TRY(vec_reserve(out, row_count > 0 ? row_count : 1));
    const uint32_t *off = join->probe_off;
    enum { PAYLOAD_PREFETCH = 32 };   /* positions ahead: probe keys in near key order */
#define GATHER_PAYLOAD(T)                                                                    \
    do {                                                                                     \
        T *values = (T *)out->data;                                                          \
        const T *src = (const T *)join->payload[col_idx];                                    \
        if (dense) {                                                                         \
            uint32_t pos = 0;                                                                \
            for (; pos + PAYLOAD_PREFETCH < count; pos++) {                                  \
                __builtin_prefetch(&src[off[pos + PAYLOAD_PREFETCH]]);                       \
                values[pos] = src[off[pos]];                                                 \
            }                                                                                \
            for (; pos < count; pos++) values[pos] = src[off[pos]];                          \
        } else {                                                                             \
            for (uint32_t pos = 0; pos < count; pos++) values[rows[pos]] = src[off[pos]];    \
        }                                                                                    \
    } while (0)
    switch ((VecPhys)(join->right_fixed[col_idx] - 1)) {
    case VEC_PHYS_BOOL: GATHER_PAYLOAD(uint8_t); break;
    case VEC_PHYS_I16: GATHER_PAYLOAD(int16_t); break;
    case VEC_PHYS_I32: case VEC_PHYS_F32: GATHER_PAYLOAD(uint32_t); break;
    default: GATHER_PAYLOAD(uint64_t); break;
    }
#undef GATHER_PAYLOAD
    if (!null_unmatched) return NULL;
    for (uint32_t pos = 0; pos < count; pos++) {
        if (join->cand[pos] == ROW_ID_NONE) TRY(vec_set_null(out, rows[pos]));
    }
    return NULL;
}

/* single_round: the single-match path (join->single: one integer key, no key repeated on the
 * build side, no extra filter, inner/left/right/full): each probe row has at most one match,
 * so the whole probe chunk becomes one output chunk that shares the probe's vectors, selects
 * the matched rows (inner/right; every live row for left/full) and carries the build columns
 * gathered row-aligned, the build key column shared from the probe key column when they are
 * the same plain column type. No pair arrays, no candidate rounds, no probe tail. */
static Error *single_round(Join *join, DataChunk **out_out)
{
    Arena *arena = join->batch;
    *out_out = NULL;
    join->phase = PHASE_NEXT_PROBE;
    uint32_t count = join->probe_count;
    const uint32_t *cand = join->cand;
    const uint16_t *rows = join->probe_rows;
    DataChunk *probe = join->probe;
    JoinType type = join->type;
    bool emit_all = type == JOIN_LEFT || type == JOIN_FULL;
    uint32_t matched = join->probe_hits;
    if (matched == UINT32_MAX) {
        matched = 0;
        for (uint32_t pos = 0; pos < count; pos++) matched += cand[pos] != ROW_ID_NONE;
    }
    if (matched == 0 && !emit_all) return NULL;   /* nothing to emit, no build row to flag */
    uint16_t *sel = NULL;   /* the matched rows, when they are not every live row */
    if (matched < count && !emit_all) {
        sel = arena_alloc(arena, (count + 1) * sizeof(uint16_t));
        if (sel == NULL) return op_heavy_oom();
        uint32_t kept = 0;
        for (uint32_t pos = 0; pos < count; pos++) {
            sel[kept] = rows[pos];
            kept += cand[pos] != ROW_ID_NONE;
        }
    }
    if (type == JOIN_RIGHT || type == JOIN_FULL) {
        for (uint32_t pos = 0; pos < count; pos++) {
            if (cand[pos] != ROW_ID_NONE) join->matched[cand[pos]] = 1;
        }
    }
    bool all = matched == count;
    DataChunk *out = arena_alloc(arena, sizeof(DataChunk));
    if (out == NULL) return op_heavy_oom();
    TRY(chunk_init(out, join->pair_types, join->left_count + join->right_count, arena));
    if (join->left_count > 0) {
        memcpy(out->columns, probe->columns, join->left_count * sizeof(Vector));
    }
    out->row_count = probe->row_count;
    if (sel == NULL) {
        out->sel = probe->sel;
        out->sel_count = probe->sel_count;
    } else {
        out->sel = sel;
        out->sel_count = matched;
    }
    bool dense = probe->sel == NULL;   /* then rows[pos] == pos */
    uint32_t *ids = NULL;              /* row-aligned build row ids, for the general gather */
    for (uint32_t col_idx = 0; col_idx < join->right_count; col_idx++) {
        Vector *vec = &out->columns[join->left_count + col_idx];
        if (matched == 0) {
            TRY(op_rows_null_vec(vec));
        } else if ((int32_t)col_idx == join->share_right && (all || !emit_all)) {
            *vec = probe->columns[join->share_left];
        } else if (join->payload[col_idx] != NULL) {
            TRY(gather_payload(join, col_idx, rows, count, probe->row_count, dense,
                               emit_all && !all, vec));
        } else if (join->right_fixed[col_idx] != 0) {
            TRY(gather_single_fixed(join, col_idx, rows, cand, count, probe->row_count, dense,
                                    emit_all && !all, vec));
        } else {
            if (ids == NULL) {
                ids = arena_alloc(arena, (probe->row_count + 1) * sizeof(uint32_t));
                if (ids == NULL) return op_heavy_oom();
                memset(ids, 0xff, probe->row_count * sizeof(uint32_t));   /* ROW_ID_NONE */
                for (uint32_t pos = 0; pos < count; pos++) ids[rows[pos]] = cand[pos];
            }
            TRY(op_rows_gather(&join->build, col_idx, ids, probe->row_count, vec));
        }
    }
    *out_out = out;
    return NULL;
}

/* probe_tail: what the finished probe chunk still emits. */
static Error *probe_tail(Join *join, DataChunk **out_out)
{
    Arena *arena = join->batch;
    *out_out = NULL;
    join->phase = PHASE_NEXT_PROBE;
    uint32_t count = join->probe_count;
    if (join->nl_blocks && op_join_nl_probe_done(join)) return NULL;   /* the last block will */
    if (join->type == JOIN_INNER || join->type == JOIN_RIGHT || count == 0) return NULL;
    if (join->type == JOIN_LEFT || join->type == JOIN_FULL) {
        uint32_t *left_rows = arena_alloc(arena, (count + 1) * sizeof(uint32_t));
        if (left_rows == NULL) return op_heavy_oom();
        uint32_t unmatched = 0;
        for (uint32_t pos = 0; pos < count; pos++) {
            if (!join->probe_matched[pos]) left_rows[unmatched++] = join->probe_rows[pos];
        }
        if (unmatched == 0) return NULL;
        DataChunk *out = arena_alloc(arena, sizeof(DataChunk));
        if (out == NULL) return op_heavy_oom();
        TRY(pair_chunk(join, left_rows, NULL, unmatched, arena, out));
        *out_out = out;
        return NULL;
    }
    if (join->type == JOIN_SEMI || join->type == JOIN_ANTI) {
        uint16_t *sel = arena_alloc(arena, (count + 1) * sizeof(uint16_t));
        if (sel == NULL) return op_heavy_oom();
        uint8_t want = join->type == JOIN_SEMI ? 1 : 0;
        uint32_t sel_count = 0;
        for (uint32_t pos = 0; pos < count; pos++) {
            if (join->probe_matched[pos] == want) sel[sel_count++] = join->probe_rows[pos];
        }
        if (sel_count == 0) return NULL;
        DataChunk *out = arena_alloc(arena, sizeof(DataChunk));
        if (out == NULL) return op_heavy_oom();
        TRY(op_heavy_chunk_view(out, join->probe, arena));
        out->sel = sel;
        out->sel_count = sel_count;
        *out_out = out;
        return NULL;
    }
    /* mark: every probe row ++ its flag */
    DataChunk *out = arena_alloc(arena, sizeof(DataChunk));
    if (out == NULL) return op_heavy_oom();
    TRY(chunk_init(out, join->base.types, join->base.column_count, arena));
    if (join->left_count > 0) {
        memcpy(out->columns, join->probe->columns, join->left_count * sizeof(Vector));
    }
    out->row_count = join->probe->row_count;
    out->sel = join->probe->sel;
    out->sel_count = join->probe->sel_count;
    Vector *mark = &out->columns[join->left_count];
    TRY(vec_reserve(mark, out->row_count > 0 ? out->row_count : 1));
    /* spilled: the whole build side has rows; a NULL build key may sit in another pair */
    bool build_empty = !join->spilled && !join->nl_blocks && join->build.row_count == 0;
    bool build_null_key = join->build_null_key || join->any_build_null;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = join->probe_rows[pos];
        vec_bool(mark)[row] = join->probe_matched[pos];
        if (!join->probe_matched[pos] && !build_empty &&
            (join->probe_null_key[pos] || build_null_key)) {
            TRY(vec_set_null(mark, row));
        }
    }
    *out_out = out;
    return NULL;
}

static Error *build_unmatched(Join *join, DataChunk **out_out)
{
    Arena *arena = join->batch;
    *out_out = NULL;
    uint32_t *ids = arena_alloc(arena, VEC_VALUE_COUNT_MAX * sizeof(uint32_t));
    if (ids == NULL) return op_heavy_oom();
    uint32_t count = 0;
    while (join->unmatched_cursor < join->build.row_count && count < VEC_VALUE_COUNT_MAX) {
        uint32_t id = join->unmatched_cursor++;
        if (!join->matched[id]) ids[count++] = id;
    }
    if (join->unmatched_cursor >= join->build.row_count) join->phase = PHASE_DONE;
    if (count == 0) return NULL;
    DataChunk *out = arena_alloc(arena, sizeof(DataChunk));
    if (out == NULL) return op_heavy_oom();
    TRY(pair_chunk(join, NULL, ids, count, arena, out));
    *out_out = out;
    return NULL;
}

/* ------------------------------------------------------------------ the vtable ---- */

static Error *join_open(Op *op)
{
    Join *join = (Join *)op;
    TRY(op_heavy_arena(&join->batch, 64 * 1024));
    TRY(op_heavy_arena(&join->probe_arena, 16 * 1024));
    if (join->build.arena == NULL) {
        TRY(op_rows_init(&join->build, op->right->types, join->right_count, NULL));
    }
    if (join->is_hash && join->keys.slots == NULL) TRY(op_keytab_init(&join->keys));
    TRY(exec_open(op->left));
    TRY(exec_open(op->right));
    op_join_spill_reset(join);
    join->spilled_rows = 0;
    op_join_build_reset(join);
    join->phase = PHASE_NEXT_PROBE;
    join->unmatched_cursor = 0;
    return NULL;
}

static Error *join_next(Op *op, DataChunk **chunk_out)
{
    Join *join = (Join *)op;
    *chunk_out = NULL;
    if (!join->built) TRY(build(join));
    for (;;) {
        arena_reset(join->batch);
        DataChunk *out = NULL;
        switch (join->phase) {
        case PHASE_NEXT_PROBE: {
            bool probe_needed = join->build.row_count > 0 || join->type == JOIN_LEFT ||
                                join->type == JOIN_FULL || join->type == JOIN_ANTI ||
                                join->type == JOIN_MARK || join->nl_blocks;
            DataChunk *chunk = NULL;
            if (probe_needed) TRY(op_join_next_probe_chunk(join, &chunk));
            if (chunk == NULL) {
                join->phase = join->type == JOIN_RIGHT || join->type == JOIN_FULL
                                  ? PHASE_BUILD_UNMATCHED : PHASE_DONE;
                continue;
            }
            TRY(start_probe(join, chunk));
            continue;
        }
        case PHASE_ROUNDS: TRY(pair_round(join, &out)); break;
        case PHASE_SINGLE: TRY(single_round(join, &out)); break;
        case PHASE_PROBE_TAIL: TRY(probe_tail(join, &out)); break;
        case PHASE_BUILD_UNMATCHED: TRY(build_unmatched(join, &out)); break;
        case PHASE_DONE: {
            if (join->nl_blocks && !join->nl_last) {
                TRY(op_join_nl_next_block(join));   /* block nested loop: the next block */
                TRY(build(join));
                continue;
            }
            if (join->pending_count == 0) return NULL;
            bool found;
            TRY(op_join_next_part(join, &found));   /* spilled: the next partition pair */
            TRY(build(join));
            continue;
        }
        }
        if (out != NULL && chunk_live_count(out) > 0) {
            *chunk_out = out;
            return NULL;
        }
    }
}

static Error *join_rescan(Op *op)
{
    Join *join = (Join *)op;
    TRY(exec_rescan(op->left));
    TRY(exec_rescan(op->right));
    op_join_spill_reset(join);
    op_join_build_reset(join);
    join->phase = PHASE_NEXT_PROBE;
    join->unmatched_cursor = 0;
    return NULL;
}

static void join_close(Op *op)
{
    Join *join = (Join *)op;
    if (op->left != NULL) exec_close(op->left);
    if (op->right != NULL) exec_close(op->right);
    op_heavy_close_states(join->left_keys, op->plan->key_count);
    op_heavy_close_states(join->right_keys, op->plan->key_count);
    op_expr_close(join->filter);
    op_join_spill_reset(join);
    free(join->pending);
    join->pending = NULL;
    join->pending_capacity = 0;
    arena_destroy(join->spill_arena);
    join->spill_arena = NULL;
    op_rows_free(&join->build);
    op_keytab_free(&join->keys);
    op_inttab_free(&join->int_table);
    free(join->direct);
    join->direct = NULL;
    join->direct_count = 0;
    payload_free(join);
    free(join->build_keys);
    free(join->build_key_null);
    join->build_keys = NULL;
    join->build_key_null = NULL;
    join->key_seg_capacity = join->key_seg_count = 0;
    arena_destroy(join->key_arena);
    join->key_arena = NULL;
    free(join->heads);
    free(join->tails);
    free(join->next);
    free(join->matched);
    join->heads = join->tails = join->next = NULL;
    join->matched = NULL;
    join->id_capacity = join->key_capacity = 0;
    arena_destroy(join->batch);
    arena_destroy(join->probe_arena);
    join->batch = join->probe_arena = NULL;
    join->built = false;
}

/* reset stays NULL: a join is rebuilt per execution (its build side depends on the snapshot) */
static const OpVtbl HASH_JOIN_VT = { .name = "Hash Join", .open = join_open, .next = join_next,
                                     .rescan = join_rescan, .close = join_close };
static const OpVtbl NL_JOIN_VT = { .name = "Nested Loop", .open = join_open, .next = join_next,
                                   .rescan = join_rescan, .close = join_close };

static Error *prepare_list(ExecCtx *ctx, Expr **exprs, uint32_t count, ExprState ***states_out)
{
    *states_out = NULL;
    if (count == 0) return NULL;
    ExprState **states = arena_alloc(ctx->arena, count * sizeof(ExprState *));
    if (states == NULL) return op_heavy_oom();
    for (uint32_t idx = 0; idx < count; idx++) TRY(expr_prepare(ctx, exprs[idx], &states[idx]));
    *states_out = states;
    return NULL;
}

static Error *join_new(ExecCtx *ctx, const Plan *plan, bool is_hash, Op **op_out)
{
    Join *join = arena_calloc(ctx->arena, sizeof(Join));
    if (join == NULL) return op_heavy_oom();
    join->base = (Op){ .vt = is_hash ? &HASH_JOIN_VT : &NL_JOIN_VT, .plan = plan, .ctx = ctx,
                       .column_count = plan->column_count, .types = plan->types };
    join->is_hash = is_hash;
    join->type = plan->join_type;
    TRY(exec_build(ctx, plan->left, &join->base.left));
    TRY(exec_build(ctx, plan->right, &join->base.right));
    join->left_count = plan->left->column_count;
    join->right_count = plan->right->column_count;
    join->right_fixed = arena_calloc(ctx->arena, join->right_count + 1);
    join->right_nulls = arena_calloc(ctx->arena, (join->right_count + 1) * sizeof(bool));
    join->payload = arena_calloc(ctx->arena, (join->right_count + 1) * sizeof(void *));
    if (join->right_fixed == NULL || join->right_nulls == NULL || join->payload == NULL) {
        return op_heavy_oom();
    }
    for (uint32_t col_idx = 0; col_idx < join->right_count; col_idx++) {
        VecPhys phys = type_phys(plan->right->types[col_idx]);
        bool fixed = phys == VEC_PHYS_BOOL || phys == VEC_PHYS_I16 || phys == VEC_PHYS_I32 ||
                     phys == VEC_PHYS_I64 || phys == VEC_PHYS_F32 || phys == VEC_PHYS_F64;
        join->right_fixed[col_idx] = fixed ? (uint8_t)(phys + 1) : 0;
    }
    uint32_t pair_count = join->left_count + join->right_count;
    join->pair_types = arena_alloc(ctx->arena, (pair_count + 1) * sizeof(Type));
    if (join->pair_types == NULL) return op_heavy_oom();
    if (join->left_count > 0) {
        memcpy(join->pair_types, plan->left->types, join->left_count * sizeof(Type));
    }
    if (join->right_count > 0) {
        memcpy(join->pair_types + join->left_count, plan->right->types,
               join->right_count * sizeof(Type));
    }
    if (is_hash && plan->key_count == 1) {
        VecPhys left_phys = type_phys(plan->left_keys[0]->type);
        VecPhys right_phys = type_phys(plan->right_keys[0]->type);
        join->int_keys = (left_phys == VEC_PHYS_I16 || left_phys == VEC_PHYS_I32 ||
                          left_phys == VEC_PHYS_I64) &&
                         (right_phys == VEC_PHYS_I16 || right_phys == VEC_PHYS_I32 ||
                          right_phys == VEC_PHYS_I64);
    }
    join->share_right = -1;
    if (join->int_keys) {
        /* single-match path: the build key column equals the probe key column on every
         * emitted matched row when both are plain columns of one type */
        const Expr *left_key = plan->left_keys[0];
        const Expr *right_key = plan->right_keys[0];
        if (left_key->kind == EXPR_COLUMN && right_key->kind == EXPR_COLUMN &&
            left_key->column_idx < join->left_count &&
            right_key->column_idx < join->right_count &&
            left_key->type.id == right_key->type.id &&
            left_key->type.typmod == right_key->type.typmod &&
            plan->left->types[left_key->column_idx].id == left_key->type.id &&
            plan->right->types[right_key->column_idx].id == right_key->type.id) {
            join->share_right = (int32_t)right_key->column_idx;
            join->share_left = left_key->column_idx;
        }
    }
    if (is_hash) {
        TRY(prepare_list(ctx, plan->left_keys, plan->key_count, &join->left_keys));
        TRY(prepare_list(ctx, plan->right_keys, plan->key_count, &join->right_keys));
    }
    if (plan->filter != NULL) TRY(expr_prepare(ctx, plan->filter, &join->filter));
    *op_out = &join->base;
    return NULL;
}

Error *op_hash_join_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ASSERT(plan->kind == PLAN_HASH_JOIN);
    return join_new(ctx, plan, true, op_out);
}

Error *op_nl_join_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ASSERT(plan->kind == PLAN_NL_JOIN);
    return join_new(ctx, plan, false, op_out);
}
