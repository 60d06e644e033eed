/* executor/op_window.c: window functions (PLAN_WINDOW): the child's rows ++ one column per
 * window call.
 *
 * The whole input is materialized into a RowStore (row id g = arrival order). Per call, every
 * row gets a normalized key partition ++ order (op_heavy_int.h; the call's ORDER BY directions)
 * and the call's arguments are evaluated into a RowStore with the same row ids. Rows are ordered
 * by (key, row id) (already true when the planner's sort below matches: then no sort is done),
 * cut into partitions (equal partition bytes) and peer groups (equal key). Then per partition:
 * - row_number, rank, dense_rank, percent_rank, cume_dist, ntile: from positions and peers;
 * - lag/lead (value, offset = 1, default = NULL): the source row id (or the default) per row;
 * - first_value, last_value, nth_value: the frame's first / last / n-th row;
 * - aggregates (AggKern): the frame's rows (FILTER applied) folded with update; the state is
 *   kept while the frame start stays put (running sums are linear) and rebuilt when it moves.
 * Frames: ROWS with UNBOUNDED / n PRECEDING / CURRENT ROW / n FOLLOWING; RANGE with UNBOUNDED
 * and CURRENT ROW (peers), and with offsets over one numeric ORDER BY column (compared as
 * doubles, binary search; NULL rows are only each other's peers); GROUPS with offsets (peer
 * groups). The default frame is RANGE UNBOUNDED PRECEDING .. CURRENT ROW, which without ORDER
 * BY is the whole partition (every row is a peer).
 * Value results are kept as source row ids and gathered at output time; the others are written
 * into per-chunk result vectors.
 *
 * Memory and spilling: the buffered input rows count against work_mem. Past it the operator
 * spills: its input rows go to a temporary file in blocks of exactly VEC_VALUE_COUNT_MAX rows
 * (so read-back chunk k holds row ids k * 2048.., the ids results are indexed by), through a
 * staging buffer of less than one chunk, and each chunk's keys, arguments and FILTER flags for
 * the first call are computed as it is written. Every further call (the planner builds one per
 * operator; an operator may hold several) reads the file once more from its start to compute
 * its own keys, arguments and flags, after the call before it ran (they share the entry
 * arrays). What a call needs per row (normalized key, argument values, result, ~40 bytes + key
 * + arguments) stays in memory, is not limited by work_mem, and is computed exactly as without
 * spilling; at output the rows are streamed back from the file in arrival order and zipped with
 * the results. Without spilling, only the rows count against work_mem. */
#include <stdlib.h>
#include <string.h>

#include "executor/op_heavy_int.h"
#include "executor/spill.h"

typedef enum WinKind {
    WIN_ROW_NUMBER,
    WIN_RANK,
    WIN_DENSE_RANK,
    WIN_PERCENT_RANK,
    WIN_CUME_DIST,
    WIN_NTILE,
    WIN_LAG,
    WIN_LEAD,
    WIN_FIRST_VALUE,
    WIN_LAST_VALUE,
    WIN_NTH_VALUE,
    WIN_AGG,
} WinKind;

enum { SRC_VALUE = 0, SRC_DEFAULT = 2, SRC_NULL = 0xFF };

typedef struct WinEntry {
    const uint8_t *key;
    uint32_t       key_size;
    uint32_t       part_size;
    uint32_t       id;
} WinEntry;

typedef struct WinCall {
    const WindowCall *call;
    WinKind           kind;
    const AggKern    *agg;
    ExprState       **partition;
    ExprState       **order;
    KeyDir           *dirs;
    ExprState       **args;
    Type             *arg_types;
    ExprState        *filter;
    RowStore            arg_rows;
    Vector           *results;     /* per stored chunk (not value kinds) */
    uint32_t         *src_id;      /* value kinds: per row */
    uint8_t          *src_col;
    bool              range_offsets; /* RANGE with n PRECEDING / FOLLOWING */
    double           *range_values;  /* per row id: the ORDER BY value */
    uint8_t          *range_null;
} WinCall;

typedef struct Window {
    Op        base;
    Arena    *batch;
    Arena    *work;            /* keys, results, per execution */
    RowStore    rows;
    uint32_t  call_count;
    WinCall  *calls;
    bool      computed;
    uint32_t  out_cursor;      /* next stored chunk */
    /* per call scratch */
    WinEntry *entries;
    uint8_t  *include;
    /* spilling (see the header) */
    bool       spilled;
    SpillFile *file;           /* the input rows, 2048-row blocks in arrival order */
    RowStore   stage;          /* rows not written yet (fewer than VEC_VALUE_COUNT_MAX) */
    uint32_t   total;          /* rows written to file */
    size_t     capacity;       /* rows of the malloc'd arrays below */
    WinEntry  *own_entries;    /* spilled: entries, include and the range arrays, malloc'd */
    uint8_t   *own_include;
    double    *own_range_values;
    uint8_t   *own_range_null;
    uint32_t   out_chunk;      /* spilled: next chunk to read back */
} Window;

/* Partition: positions [0, count) of one partition; rows are entries[first + pos].id. */
typedef struct Partition {
    const WinEntry *entries;
    uint32_t        count;
    uint32_t       *peer_start;   /* per position */
    uint32_t       *peer_end;
    uint32_t       *group;        /* peer group index per position */
    uint32_t       *group_start;  /* per group */
    uint32_t       *group_end;
    uint32_t        group_count;
    /* RANGE with offsets: the single ORDER BY value per row id (NULL: range_null) */
    const double   *range_values;
    const uint8_t  *range_null;
    bool            range_desc;
    double          start_range;
    double          end_range;
} Partition;

static int entry_cmp(const void *a, const void *b)
{
    const WinEntry *x = a, *y = b;
    int order = key_compare(x->key, x->key_size, y->key, y->key_size);
    if (order != 0) return order;
    return (x->id > y->id) - (x->id < y->id);
}

static bool same_partition(const WinEntry *a, const WinEntry *b)
{
    return a->part_size == b->part_size && memcmp(a->key, b->key, a->part_size) == 0;
}

static bool same_peer(const WinEntry *a, const WinEntry *b)
{
    return a->key_size == b->key_size && memcmp(a->key, b->key, a->key_size) == 0;
}

static Vector *result_at(WinCall *wc, uint32_t id, uint32_t *row_out)
{
    *row_out = id & ROWS_CHUNK_MASK;
    return &wc->results[id >> ROWS_CHUNK_SHIFT];
}

static Error *set_int(WinCall *wc, uint32_t id, int64_t value)
{
    uint32_t row;
    Vector *vec = result_at(wc, id, &row);
    vec_set_valid(vec, row);
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_I16: vec_i16(vec)[row] = (int16_t)value; return NULL;
    case VEC_PHYS_I32: vec_i32(vec)[row] = (int32_t)value; return NULL;
    case VEC_PHYS_I64: vec_i64(vec)[row] = value; return NULL;
    case VEC_PHYS_F64: vec_f64(vec)[row] = (double)value; return NULL;
    default:
        return err_new(SQLSTATE_DATATYPE_MISMATCH, "window function %s cannot return type %s",
                       wc->call->name, type_name(vec->type.id));
    }
}

static Error *set_double(WinCall *wc, uint32_t id, double value)
{
    uint32_t row;
    Vector *vec = result_at(wc, id, &row);
    vec_set_valid(vec, row);
    if (vec->phys == VEC_PHYS_F64) {
        vec_f64(vec)[row] = value;
        return NULL;
    }
    if (vec->phys == VEC_PHYS_F32) {
        vec_f32(vec)[row] = (float)value;
        return NULL;
    }
    return err_new(SQLSTATE_DATATYPE_MISMATCH, "window function %s cannot return type %s",
                   wc->call->name, type_name(vec->type.id));
}

static Error *set_null(WinCall *wc, uint32_t id)
{
    uint32_t row;
    Vector *vec = result_at(wc, id, &row);
    return vec_set_null(vec, row);
}

/* read_int: an integer argument of row id (NULL: *is_null_out). */
static Error *read_int(const RowStore *buf, uint32_t col_idx, uint32_t id, Arena *arena,
                       int64_t *value_out, bool *is_null_out)
{
    const Vector *vec = op_rows_vec(buf, col_idx, id);
    uint32_t row = id & ROWS_CHUNK_MASK;
    *value_out = 0;
    *is_null_out = vec_is_null(vec, row);
    if (*is_null_out) return NULL;
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_I16: *value_out = vec_i16(vec)[row]; return NULL;
    case VEC_PHYS_I32: *value_out = vec_i32(vec)[row]; return NULL;
    case VEC_PHYS_I64: *value_out = vec_i64(vec)[row]; return NULL;
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: {
        Numeric num;
        TRY(vec_numeric_get(vec, row, arena, &num));
        return numeric_to_int64(&num, value_out);
    }
    default:
        return err_new(SQLSTATE_DATATYPE_MISMATCH, "window function argument must be an integer");
    }
}

/* ------------------------------------------------------------------ frames ---- */

/* range_first: the first position in [lo, hi) whose value is not before target in the
 * partition's order (ASC: value >= target; DESC: value <= target); hi if none. */
static int64_t range_first(const Partition *part, int64_t lo, int64_t hi, double target)
{
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        double value = part->range_values[part->entries[mid].id];
        bool before = part->range_desc ? value > target : value < target;
        if (before) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* range_after: the first position in [lo, hi) whose value is after target; hi if none. */
static int64_t range_after(const Partition *part, int64_t lo, int64_t hi, double target)
{
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        double value = part->range_values[part->entries[mid].id];
        bool after = part->range_desc ? value < target : value > target;
        if (after) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* range_frame: RANGE frames with offsets over the single numeric ORDER BY value. The NULL rows
 * (at one end of the partition) are peers of each other and outside every non-NULL row's
 * offset range. */
static void range_frame(const Partition *part, uint32_t pos, WindowBoundKind start_kind,
                        WindowBoundKind end_kind, int64_t *start_out, int64_t *end_out)
{
    int64_t count = part->count, lo = 0, hi = count;   /* the non-NULL positions [lo, hi) */
    while (lo < hi && part->range_null[part->entries[lo].id]) lo++;
    while (hi > lo && part->range_null[part->entries[hi - 1].id]) hi--;
    bool is_null = part->range_null[part->entries[pos].id];
    double value = part->range_values[part->entries[pos].id];
    double sign = part->range_desc ? -1.0 : 1.0;
    int64_t start = 0, end = count - 1;
    switch (start_kind) {
    case BOUND_UNBOUNDED_PRECEDING: start = 0; break;
    case BOUND_UNBOUNDED_FOLLOWING: start = count; break;
    case BOUND_CURRENT_ROW: start = part->peer_start[pos]; break;
    case BOUND_PRECEDING:
    case BOUND_FOLLOWING: {
        double delta = start_kind == BOUND_PRECEDING ? -part->start_range : part->start_range;
        start = is_null ? part->peer_start[pos]
                        : range_first(part, lo, hi, value + sign * delta);
        break;
    }
    }
    switch (end_kind) {
    case BOUND_UNBOUNDED_PRECEDING: end = -1; break;
    case BOUND_UNBOUNDED_FOLLOWING: end = count - 1; break;
    case BOUND_CURRENT_ROW: end = part->peer_end[pos]; break;
    case BOUND_PRECEDING:
    case BOUND_FOLLOWING: {
        double delta = end_kind == BOUND_PRECEDING ? -part->end_range : part->end_range;
        end = is_null ? part->peer_end[pos]
                      : range_after(part, lo, hi, value + sign * delta) - 1;
        break;
    }
    }
    *start_out = start;
    *end_out = end;
}

/* frame_of: the frame [*start_out, *end_out] (positions; empty when start > end) of pos. */
static Error *frame_of(const WindowCall *call, int64_t start_offset, int64_t end_offset,
                       const Partition *part, uint32_t pos, int64_t *start_out, int64_t *end_out)
{
    int64_t count = part->count, p = pos;
    WindowFrameMode mode = call->has_frame ? call->frame_mode : FRAME_RANGE;
    WindowBoundKind start_kind = call->has_frame ? call->start_kind : BOUND_UNBOUNDED_PRECEDING;
    WindowBoundKind end_kind = call->has_frame ? call->end_kind : BOUND_CURRENT_ROW;
    int64_t start = 0, end = count - 1;
    uint32_t group = part->group[pos];
    if (mode == FRAME_RANGE && part->range_values != NULL) {
        range_frame(part, pos, start_kind, end_kind, start_out, end_out);
        return NULL;
    }
    switch (start_kind) {
    case BOUND_UNBOUNDED_PRECEDING: start = 0; break;
    case BOUND_UNBOUNDED_FOLLOWING: start = count; break;
    case BOUND_CURRENT_ROW: start = mode == FRAME_ROWS ? p : part->peer_start[pos]; break;
    case BOUND_PRECEDING:
    case BOUND_FOLLOWING: {
        int64_t delta = start_kind == BOUND_PRECEDING ? -start_offset : start_offset;
        if (mode == FRAME_ROWS) {
            start = p + delta;
        } else {
            int64_t target = (int64_t)group + delta;
            start = target < 0 ? 0
                  : target >= part->group_count ? count : part->group_start[target];
        }
        break;
    }
    }
    switch (end_kind) {
    case BOUND_UNBOUNDED_PRECEDING: end = -1; break;
    case BOUND_UNBOUNDED_FOLLOWING: end = count - 1; break;
    case BOUND_CURRENT_ROW: end = mode == FRAME_ROWS ? p : part->peer_end[pos]; break;
    case BOUND_PRECEDING:
    case BOUND_FOLLOWING: {
        int64_t delta = end_kind == BOUND_PRECEDING ? -end_offset : end_offset;
        if (mode == FRAME_ROWS) {
            end = p + delta;
        } else {
            int64_t target = (int64_t)group + delta;
            end = target < 0 ? -1
                : target >= part->group_count ? count - 1 : part->group_end[target];
        }
        break;
    }
    }
    if (start < 0) start = 0;
    if (end > count - 1) end = count - 1;
    *start_out = start;
    *end_out = end;
    return NULL;
}

/* ------------------------------------------------------------- per partition ---- */

static Error *rank_like(WinCall *wc, const Partition *part)
{
    int64_t count = part->count;
    for (uint32_t pos = 0; pos < part->count; pos++) {
        uint32_t id = part->entries[pos].id;
        switch (wc->kind) {
        case WIN_ROW_NUMBER: TRY(set_int(wc, id, pos + 1)); break;
        case WIN_RANK: TRY(set_int(wc, id, part->peer_start[pos] + 1)); break;
        case WIN_DENSE_RANK: TRY(set_int(wc, id, part->group[pos] + 1)); break;
        case WIN_PERCENT_RANK:
            TRY(set_double(wc, id, count > 1 ? (double)part->peer_start[pos] / (double)(count - 1)
                                             : 0.0));
            break;
        case WIN_CUME_DIST:
            TRY(set_double(wc, id, (double)(part->peer_end[pos] + 1) / (double)count));
            break;
        default: UNREACHABLE();
        }
    }
    return NULL;
}

static Error *ntile(Window *win, WinCall *wc, const Partition *part)
{
    int64_t buckets;
    bool is_null;
    TRY(read_int(&wc->arg_rows, 0, part->entries[0].id, win->batch, &buckets, &is_null));
    if (!is_null && buckets <= 0) {
        return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_NTILE_FUNCTION,
                       "argument of ntile must be greater than zero");
    }
    int64_t count = part->count;
    int64_t per_bucket = is_null ? 0 : count / buckets;
    int64_t remainder = is_null ? 0 : count % buckets;
    int64_t big_rows = remainder * (per_bucket + 1);
    for (uint32_t pos = 0; pos < part->count; pos++) {
        uint32_t id = part->entries[pos].id;
        if (is_null) {
            TRY(set_null(wc, id));
            continue;
        }
        int64_t bucket = pos < big_rows ? pos / (per_bucket + 1) + 1
                                        : remainder + (pos - big_rows) / per_bucket + 1;
        TRY(set_int(wc, id, bucket));
    }
    return NULL;
}

static Error *lag_lead(Window *win, WinCall *wc, const Partition *part)
{
    uint32_t arg_count = wc->call->arg_count;
    for (uint32_t pos = 0; pos < part->count; pos++) {
        uint32_t id = part->entries[pos].id;
        int64_t offset = 1;
        bool is_null = false;
        if (arg_count >= 2) TRY(read_int(&wc->arg_rows, 1, id, win->batch, &offset, &is_null));
        wc->src_col[id] = SRC_NULL;
        wc->src_id[id] = ROW_ID_NONE;
        if (is_null) continue;
        int64_t target = wc->kind == WIN_LAG ? (int64_t)pos - offset : (int64_t)pos + offset;
        if (target >= 0 && target < part->count) {
            wc->src_col[id] = SRC_VALUE;
            wc->src_id[id] = part->entries[target].id;
        } else if (arg_count >= 3) {
            wc->src_col[id] = SRC_DEFAULT;
            wc->src_id[id] = id;
        }
    }
    return NULL;
}

static Error *frame_value(Window *win, WinCall *wc, const Partition *part, int64_t start_offset,
                          int64_t end_offset)
{
    for (uint32_t pos = 0; pos < part->count; pos++) {
        uint32_t id = part->entries[pos].id;
        int64_t start, end;
        TRY(frame_of(wc->call, start_offset, end_offset, part, pos, &start, &end));
        int64_t target = -1;
        if (wc->kind == WIN_FIRST_VALUE) {
            target = start;
        } else if (wc->kind == WIN_LAST_VALUE) {
            target = end;
        } else {
            int64_t nth;
            bool is_null;
            TRY(read_int(&wc->arg_rows, 1, id, win->batch, &nth, &is_null));
            if (!is_null && nth <= 0) {
                return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_NTH_VALUE_FUNCTION,
                               "argument of nth_value must be greater than zero");
            }
            target = is_null ? -1 : start + nth - 1;
        }
        bool inside = start <= end && target >= start && target <= end;
        wc->src_col[id] = inside ? SRC_VALUE : SRC_NULL;
        wc->src_id[id] = inside ? part->entries[target].id : ROW_ID_NONE;
    }
    return NULL;
}

/* agg_add: fold frame positions [from, to] (included rows only) into state. */
static Error *agg_add(Window *win, WinCall *wc, const Partition *part, int64_t from, int64_t to,
                      void *state)
{
    KernCtx kctx = { .arena = win->batch, .dt = win->base.ctx->dt };
    uint32_t ids[VEC_VALUE_COUNT_MAX];
    int64_t pos = from;
    while (pos <= to) {
        uint32_t count = 0;
        for (; pos <= to && count < VEC_VALUE_COUNT_MAX; pos++) {
            uint32_t id = part->entries[pos].id;
            if (win->include[id]) ids[count++] = id;
        }
        if (count == 0) continue;
        if (wc->call->arg_count == 0) {
            TRY(wc->agg->update(&kctx, NULL, NULL, count, state));
            continue;
        }
        Vector values;
        vec_init(&values, wc->arg_types[0], win->batch);
        TRY(op_rows_gather(&wc->arg_rows, 0, ids, count, &values));
        TRY(wc->agg->update(&kctx, &values, NULL, count, state));
    }
    return NULL;
}

static Error *frame_agg(Window *win, WinCall *wc, const Partition *part, int64_t start_offset,
                        int64_t end_offset, void *state)
{
    KernCtx kctx = { .arena = win->batch, .dt = win->base.ctx->dt };
    int64_t cur_start = 0, cur_end = -1;
    wc->agg->init(state);
    bool fresh = true;
    for (uint32_t pos = 0; pos < part->count; pos++) {
        uint32_t id = part->entries[pos].id;
        int64_t start, end;
        TRY(frame_of(wc->call, start_offset, end_offset, part, pos, &start, &end));
        if (fresh || start != cur_start || end < cur_end) {
            if (wc->agg->destroy != NULL) wc->agg->destroy(state);
            wc->agg->init(state);
            cur_start = start;
            cur_end = start - 1;
            fresh = false;
        }
        if (end > cur_end) {
            TRY(agg_add(win, wc, part, cur_end + 1, end, state));
            cur_end = end;
        }
        uint32_t row;
        Vector *out = result_at(wc, id, &row);
        TRY(wc->agg->finalize(&kctx, state, out, row));
        arena_reset(win->batch);
    }
    return NULL;
}

static Error *compute_partition(Window *win, WinCall *wc, Partition *part, int64_t start_offset,
                                int64_t end_offset, void *state)
{
    switch (wc->kind) {
    case WIN_ROW_NUMBER:
    case WIN_RANK:
    case WIN_DENSE_RANK:
    case WIN_PERCENT_RANK:
    case WIN_CUME_DIST: return rank_like(wc, part);
    case WIN_NTILE: return ntile(win, wc, part);
    case WIN_LAG:
    case WIN_LEAD: return lag_lead(win, wc, part);
    case WIN_FIRST_VALUE:
    case WIN_LAST_VALUE:
    case WIN_NTH_VALUE: return frame_value(win, wc, part, start_offset, end_offset);
    case WIN_AGG: return frame_agg(win, wc, part, start_offset, end_offset, state);
    }
    return NULL;
}

/* peers: fill part's peer and group arrays (scratch in arena). */
static Error *peers(Partition *part, Arena *arena)
{
    uint32_t count = part->count;
    part->peer_start = arena_alloc(arena, count * sizeof(uint32_t));
    part->peer_end = arena_alloc(arena, count * sizeof(uint32_t));
    part->group = arena_alloc(arena, count * sizeof(uint32_t));
    part->group_start = arena_alloc(arena, count * sizeof(uint32_t));
    part->group_end = arena_alloc(arena, count * sizeof(uint32_t));
    if (part->peer_start == NULL || part->peer_end == NULL || part->group == NULL ||
        part->group_start == NULL || part->group_end == NULL) {
        return op_heavy_oom();
    }
    uint32_t group = 0, start = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        if (pos > 0 && !same_peer(&part->entries[pos - 1], &part->entries[pos])) {
            part->group_end[group] = pos - 1;
            group++;
            start = pos;
        }
        part->group_start[group] = start;
        part->group[pos] = group;
        part->peer_start[pos] = start;
    }
    part->group_end[group] = count - 1;
    part->group_count = group + 1;
    for (uint32_t pos = 0; pos < count; pos++) {
        part->peer_end[pos] = part->group_end[part->group[pos]];
    }
    return NULL;
}

/* --------------------------------------------------------------- per call ---- */

static Error *eval_offset(Window *win, const Expr *expr, bool is_start, int64_t *value_out)
{
    *value_out = 0;
    if (expr == NULL) return NULL;
    bool is_null;
    TRY(op_heavy_eval_int(win->base.ctx, expr, win->batch, value_out, &is_null));
    if (is_null) {
        return err_new(SQLSTATE_NULL_VALUE_NOT_ALLOWED, "frame %s offset must not be null",
                       is_start ? "starting" : "ending");
    }
    if (*value_out < 0) {
        return err_new(SQLSTATE_INVALID_PRECEDING_OR_FOLLOWING_SIZE,
                       "frame %s offset must not be negative", is_start ? "starting" : "ending");
    }
    return NULL;
}

/* value_double: row row of a numeric-family vector as a double (*is_null_out for NULL). */
static Error *value_double(Window *win, const Vector *vec, uint32_t row, double *out,
                           uint8_t *is_null_out)
{
    uint32_t slot = vec->is_constant ? 0 : row;
    *out = 0;
    *is_null_out = vec_is_null(vec, row);
    if (*is_null_out) return NULL;
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_I16: *out = vec_i16(vec)[slot]; return NULL;
    case VEC_PHYS_I32: *out = vec_i32(vec)[slot]; return NULL;
    case VEC_PHYS_I64: *out = (double)vec_i64(vec)[slot]; return NULL;
    case VEC_PHYS_F32: *out = vec_f32(vec)[slot]; return NULL;
    case VEC_PHYS_F64: *out = vec_f64(vec)[slot]; return NULL;
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: {
        Numeric num;
        TRY(vec_numeric_get(vec, slot, win->batch, &num));
        return numeric_to_double(&num, out);
    }
    default:
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "RANGE with offset PRECEDING/FOLLOWING is not supported for type %s",
                       type_name(vec->type.id));
    }
}

/* range_values: the ORDER BY value of rows first_id.. as doubles (RANGE offsets). */
static Error *range_values(Window *win, WinCall *wc, const Vector *vec, uint32_t first_id,
                           uint32_t count)
{
    for (uint32_t row = 0; row < count; row++) {
        TRY(value_double(win, vec, row, &wc->range_values[first_id + row],
                         &wc->range_null[first_id + row]));
    }
    return NULL;
}

/* eval_range_offset: a RANGE offset (any numeric type) as a double; NULL and negative are
 * errors as for ROWS. */
static Error *eval_range_offset(Window *win, const Expr *expr, bool is_start, double *value_out)
{
    *value_out = 0;
    if (expr == NULL) return NULL;
    ExprState *state;
    TRY(expr_prepare(win->base.ctx, expr, &state));
    Vector value;
    TRY(expr_eval_const(state, win->batch, &value));
    uint8_t is_null = 0;
    TRY(value_double(win, &value, 0, value_out, &is_null));
    if (is_null) {
        return err_new(SQLSTATE_NULL_VALUE_NOT_ALLOWED, "frame %s offset must not be null",
                       is_start ? "starting" : "ending");
    }
    if (*value_out < 0) {
        return err_new(SQLSTATE_INVALID_PRECEDING_OR_FOLLOWING_SIZE,
                       "invalid preceding or following size in window function");
    }
    return NULL;
}

/* prepare_chunk: keys, arguments and FILTER flags of view's rows (row_count rows, no selection),
 * row ids first_id.., for wc. Uses win->batch (the caller resets it). */
static Error *prepare_chunk(Window *win, WinCall *wc, DataChunk *view, uint32_t first_id)
{
    const WindowCall *call = wc->call;
    uint32_t count = view->row_count;
    KeyBatch keys;
    TRY(op_keys_begin(&keys, NULL, count, win->batch));
    for (uint32_t idx = 0; idx < call->partition_count; idx++) {
        Vector value;
        TRY(expr_eval(wc->partition[idx], view, win->batch, &value));
        TRY(op_keys_add(&keys, &value, NULL, count, KEY_ASC));
    }
    for (uint32_t row = 0; row < count; row++) {
        win->entries[first_id + row].part_size = keys.size[row];
    }
    for (uint32_t idx = 0; idx < call->order_count; idx++) {
        Vector value;
        TRY(expr_eval(wc->order[idx], view, win->batch, &value));
        TRY(op_keys_add(&keys, &value, NULL, count, wc->dirs[idx]));
        if (idx == 0 && wc->range_offsets) TRY(range_values(win, wc, &value, first_id, count));
    }
    for (uint32_t row = 0; row < count; row++) {
        WinEntry *entry = &win->entries[first_id + row];
        uint8_t *key = arena_alloc(win->work, keys.size[row] + 1);
        if (key == NULL) return op_heavy_oom();
        if (keys.size[row] > 0) memcpy(key, keys.bytes[row], keys.size[row]);
        entry->key = key;
        entry->key_size = keys.size[row];
        entry->id = first_id + row;
        win->include[first_id + row] = 1;
    }
    if (call->arg_count > 0) {
        Vector *values = arena_alloc(win->batch, call->arg_count * sizeof(Vector));
        if (values == NULL) return op_heavy_oom();
        for (uint32_t idx = 0; idx < call->arg_count; idx++) {
            TRY(expr_eval(wc->args[idx], view, win->batch, &values[idx]));
        }
        TRY(op_rows_append(&wc->arg_rows, values, NULL, count));
    }
    if (wc->filter != NULL) {
        Vector cond;
        TRY(expr_eval(wc->filter, view, win->batch, &cond));
        for (uint32_t row = 0; row < count; row++) {
            win->include[first_id + row] =
                !vec_is_null(&cond, row) && vec_bool(&cond)[cond.is_constant ? 0 : row];
        }
    }
    return NULL;
}

/* prepare_rows: keys, arguments and FILTER flags of every buffered row for wc. */
static Error *prepare_rows(Window *win, WinCall *wc)
{
    for (uint32_t chunk_idx = 0; chunk_idx < win->rows.chunk_count; chunk_idx++) {
        arena_reset(win->batch);
        DataChunk view;
        TRY(op_heavy_chunk_view(&view, &win->rows.chunks[chunk_idx], win->batch));
        TRY(prepare_chunk(win, wc, &view, chunk_idx << ROWS_CHUNK_SHIFT));
    }
    arena_reset(win->batch);
    return NULL;
}

/* alloc_results: result storage for row_count rows (stored chunks are full but the last). */
static Error *alloc_results(Window *win, WinCall *wc, uint32_t row_count)
{
    if (wc->kind == WIN_LAG || wc->kind == WIN_LEAD || wc->kind == WIN_FIRST_VALUE ||
        wc->kind == WIN_LAST_VALUE || wc->kind == WIN_NTH_VALUE) {
        wc->src_id = arena_alloc(win->work, (row_count + 1) * sizeof(uint32_t));
        wc->src_col = arena_alloc(win->work, row_count + 1);
        return wc->src_id == NULL || wc->src_col == NULL ? op_heavy_oom() : NULL;
    }
    uint32_t chunk_count = (row_count + VEC_VALUE_COUNT_MAX - 1) >> ROWS_CHUNK_SHIFT;
    wc->results = arena_alloc(win->work, (chunk_count + 1) * sizeof(Vector));
    if (wc->results == NULL) return op_heavy_oom();
    for (uint32_t chunk_idx = 0; chunk_idx < chunk_count; chunk_idx++) {
        Vector *vec = &wc->results[chunk_idx];
        vec_init(vec, wc->call->result_type, win->work);
        uint32_t rest = row_count - (chunk_idx << ROWS_CHUNK_SHIFT);
        uint32_t count = rest < VEC_VALUE_COUNT_MAX ? rest : VEC_VALUE_COUNT_MAX;
        TRY(vec_reserve(vec, count > 0 ? count : 1));
        memset(vec->data, 0, (count > 0 ? count : 1) * type_phys_size((VecPhys)vec->phys));
    }
    return NULL;
}

/* call_setup: the call's frame checks; with allocate, its RANGE arrays for row_count rows (a
 * spilled window grows them itself). Errors: 42P20 (RANGE offsets need one ORDER BY). */
static Error *call_setup(Window *win, WinCall *wc, uint32_t row_count, bool allocate)
{
    const WindowCall *spec = wc->call;
    bool start_offset_kind = spec->start_kind == BOUND_PRECEDING ||
                             spec->start_kind == BOUND_FOLLOWING;
    bool end_offset_kind = spec->end_kind == BOUND_PRECEDING || spec->end_kind == BOUND_FOLLOWING;
    wc->range_offsets = spec->has_frame && spec->frame_mode == FRAME_RANGE &&
                        (start_offset_kind || end_offset_kind);
    if (wc->range_offsets) {
        if (spec->order_count != 1) {
            return err_new(SQLSTATE_WINDOWING_ERROR, "RANGE with offset PRECEDING/FOLLOWING "
                           "requires exactly one ORDER BY column");
        }
        if (!allocate) return NULL;
        wc->range_values = arena_alloc(win->work, (row_count + 1) * sizeof(double));
        wc->range_null = arena_alloc(win->work, row_count + 1);
        if (wc->range_values == NULL || wc->range_null == NULL) return op_heavy_oom();
    }
    return NULL;
}

/* call_run: order the prepared entries and compute every partition's results. */
static Error *call_run(Window *win, WinCall *wc, uint32_t row_count)
{
    bool sorted = true;
    for (uint32_t id = 1; id < row_count && sorted; id++) {
        sorted = entry_cmp(&win->entries[id - 1], &win->entries[id]) <= 0;
    }
    if (!sorted) qsort(win->entries, row_count, sizeof(WinEntry), entry_cmp);
    int64_t start_offset = 0, end_offset = 0;
    const WindowCall *call = wc->call;
    if (call->has_frame) {
        if (!wc->range_offsets) {
            TRY(eval_offset(win, call->start_offset, true, &start_offset));
            TRY(eval_offset(win, call->end_offset, false, &end_offset));
        }
    }
    double start_range = 0, end_range = 0;
    if (wc->range_offsets) {
        TRY(eval_range_offset(win, call->start_offset, true, &start_range));
        TRY(eval_range_offset(win, call->end_offset, false, &end_range));
    }
    void *state = NULL;
    if (wc->kind == WIN_AGG) {
        state = calloc(1, wc->agg->state_size + 16);
        if (state == NULL) return op_heavy_oom();
    }
    Error *err = NULL;
    Arena *part_arena = arena_create(16 * 1024);
    if (part_arena == NULL) err = op_heavy_oom();
    for (uint32_t first = 0; err == NULL && first < row_count;) {
        uint32_t end = first + 1;
        while (end < row_count && same_partition(&win->entries[first], &win->entries[end])) end++;
        arena_reset(part_arena);
        Partition part = { .entries = &win->entries[first], .count = end - first,
                           .range_values = wc->range_offsets ? wc->range_values : NULL,
                           .range_null = wc->range_null,
                           .range_desc = call->order_count > 0 && call->order[0].descending,
                           .start_range = start_range, .end_range = end_range };
        err = peers(&part, part_arena);
        if (err == NULL) err = compute_partition(win, wc, &part, start_offset, end_offset, state);
        if (err == NULL) err = exec_check_interrupt(win->base.ctx);
        first = end;
    }
    arena_destroy(part_arena);
    if (state != NULL) {
        if (wc->agg->destroy != NULL) wc->agg->destroy(state);
        free(state);
    }
    return err;
}

static Error *compute_call(Window *win, WinCall *wc)
{
    uint32_t row_count = win->rows.row_count;
    TRY(alloc_results(win, wc, row_count));
    if (row_count == 0) return NULL;
    TRY(call_setup(win, wc, row_count, true));
    TRY(prepare_rows(win, wc));
    return call_run(win, wc, row_count);
}

/* ------------------------------------------------------------------ spilling ---- */

/* spill_grow: room for rows in the spilled window's per-row arrays. Errors: OUT_OF_MEMORY. */
static Error *spill_grow(Window *win, WinCall *wc, size_t rows)
{
    bool range_missing = wc->range_offsets && win->own_range_values == NULL;
    if (rows <= win->capacity && !range_missing) {
        wc->range_values = win->own_range_values;   /* a later call of a spilled window */
        wc->range_null = win->own_range_null;
        return NULL;
    }
    size_t capacity = win->capacity == 0 ? 16384 : win->capacity;
    while (capacity < rows) capacity *= 2;
    WinEntry *entries = realloc(win->own_entries, capacity * sizeof(WinEntry));
    if (entries == NULL) return op_heavy_oom();
    win->own_entries = entries;
    uint8_t *include = realloc(win->own_include, capacity);
    if (include == NULL) return op_heavy_oom();
    win->own_include = include;
    if (wc->range_offsets || win->own_range_values != NULL) {
        double *values = realloc(win->own_range_values, capacity * sizeof(double));
        if (values == NULL) return op_heavy_oom();
        win->own_range_values = values;
        uint8_t *nulls = realloc(win->own_range_null, capacity);
        if (nulls == NULL) return op_heavy_oom();
        win->own_range_null = nulls;
    }
    win->capacity = capacity;
    win->entries = win->own_entries;
    win->include = win->own_include;
    wc->range_values = win->own_range_values;
    wc->range_null = win->own_range_null;
    return NULL;
}

/* spill_full_chunk: prepare a full chunk of input rows (row ids total..) and write it. */
static Error *spill_full_chunk(Window *win, const DataChunk *stored)
{
    WinCall *wc = &win->calls[0];
    ASSERT(stored->row_count == VEC_VALUE_COUNT_MAX);
    TRY(spill_grow(win, wc, (size_t)win->total + VEC_VALUE_COUNT_MAX + 1));
    arena_reset(win->batch);
    DataChunk view;
    TRY(op_heavy_chunk_view(&view, stored, win->batch));
    TRY(prepare_chunk(win, wc, &view, win->total));
    TRY(spill_file_write(win->file, stored->columns, win->base.left->column_count, NULL,
                         stored->row_count));
    arena_reset(win->batch);
    win->total += VEC_VALUE_COUNT_MAX;
    return NULL;
}

/* spill_stage_flush: prepare and write the staged rows (any count), then empty the stage. */
static Error *spill_stage_flush(Window *win)
{
    if (win->stage.row_count == 0) return NULL;
    ASSERT(win->stage.chunk_count == 1);
    const DataChunk *stored = &win->stage.chunks[0];
    WinCall *wc = &win->calls[0];
    TRY(spill_grow(win, wc, (size_t)win->total + stored->row_count + 1));
    arena_reset(win->batch);
    DataChunk view;
    TRY(op_heavy_chunk_view(&view, stored, win->batch));
    TRY(prepare_chunk(win, wc, &view, win->total));
    TRY(spill_file_write(win->file, stored->columns, win->base.left->column_count, NULL,
                         stored->row_count));
    arena_reset(win->batch);
    win->total += stored->row_count;
    op_rows_clear(&win->stage);
    return NULL;
}

/* spill_rows: stage rows (sel, count) of columns, writing every full chunk. */
static Error *spill_rows(Window *win, const Vector *columns, const uint16_t *sel, uint32_t count)
{
    uint16_t all[VEC_VALUE_COUNT_MAX];
    if (sel == NULL) {
        for (uint32_t row = 0; row < count; row++) all[row] = (uint16_t)row;
        sel = all;
    }
    while (count > 0) {
        uint32_t room = VEC_VALUE_COUNT_MAX - win->stage.row_count;
        uint32_t take = count < room ? count : room;
        TRY(op_rows_append(&win->stage, columns, sel, take));
        sel += take;
        count -= take;
        if (win->stage.row_count == VEC_VALUE_COUNT_MAX) {
            TRY(spill_full_chunk(win, &win->stage.chunks[0]));
            op_rows_clear(&win->stage);
        }
    }
    return NULL;
}

/* spill_start: the buffered rows passed work_mem: move them to the file (full chunks written,
 * the last one staged) and free them. */
static Error *spill_start(Window *win)
{
    WinCall *wc = &win->calls[0];
    TRY(call_setup(win, wc, 0, false));
    TRY(spill_file_create(win->base.ctx->temp_dir, &win->file));
    if (win->stage.arena == NULL) {
        TRY(op_rows_init(&win->stage, win->base.left->types, win->base.left->column_count, NULL));
    }
    op_rows_clear(&win->stage);
    win->spilled = true;
    win->total = 0;
    for (uint32_t chunk_idx = 0; chunk_idx < win->rows.chunk_count; chunk_idx++) {
        const DataChunk *stored = &win->rows.chunks[chunk_idx];
        if (stored->row_count == VEC_VALUE_COUNT_MAX) {
            TRY(spill_full_chunk(win, stored));
        } else {
            TRY(spill_rows(win, stored->columns, NULL, stored->row_count));
        }
    }
    op_rows_clear(&win->rows);
    return NULL;
}

/* spill_prepare_again: keys, arguments and FILTER flags of every spilled row for a call after
 * the first, read back from the file (chunk k holds row ids k * VEC_VALUE_COUNT_MAX..). */
static Error *spill_prepare_again(Window *win, WinCall *wc)
{
    TRY(call_setup(win, wc, 0, false));
    TRY(spill_grow(win, wc, (size_t)win->total + 1));
    TRY(spill_file_restart(win->file));
    uint32_t first_id = 0;
    for (;;) {
        arena_reset(win->batch);
        DataChunk *rows;
        TRY(spill_file_read(win->file, win->base.left->types, win->base.left->column_count,
                            win->batch, &rows));
        if (rows == NULL) break;
        TRY(prepare_chunk(win, wc, rows, first_id));
        first_id += rows->row_count;
        TRY(exec_check_interrupt(win->base.ctx));
    }
    arena_reset(win->batch);
    if (first_id != win->total) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "window spill file holds %u rows, not %u",
                       first_id, win->total);
    }
    return NULL;
}

/* spill_finish: the input ended: write the staged rows, compute every call (the first from the
 * entries made while writing, the others after reading the file again), rewind the file for
 * the output. */
static Error *spill_finish(Window *win)
{
    TRY(spill_stage_flush(win));
    TRY(spill_file_rewind(win->file));
    for (uint32_t call_idx = 0; call_idx < win->call_count; call_idx++) {
        WinCall *wc = &win->calls[call_idx];
        if (call_idx > 0) TRY(spill_prepare_again(win, wc));
        TRY(alloc_results(win, wc, win->total));
        TRY(call_run(win, wc, win->total));
    }
    if (win->call_count > 1) TRY(spill_file_restart(win->file));
    win->out_chunk = 0;
    win->computed = true;
    return NULL;
}

static Error *compute(Window *win)
{
    size_t work_mem = win->base.ctx->work_mem;
    for (;;) {
        arena_reset(win->batch);
        DataChunk *chunk;
        TRY(exec_next(win->base.left, &chunk));
        if (chunk == NULL) break;
        if (win->spilled) {
            uint32_t count;
            const uint16_t *sel = op_heavy_live_sel(chunk, &count);
            TRY(spill_rows(win, chunk->columns, sel, count));
            continue;
        }
        TRY(op_rows_append_chunk(&win->rows, chunk));
        if (work_mem == 0 || op_rows_size(&win->rows) <= work_mem || win->call_count == 0) {
            continue;
        }
        TRY(spill_start(win));
    }
    if (win->spilled) return spill_finish(win);
    uint32_t row_count = win->rows.row_count;
    win->entries = arena_alloc(win->work, (row_count + 1) * sizeof(WinEntry));
    win->include = arena_alloc(win->work, row_count + 1);
    if (win->entries == NULL || win->include == NULL) return op_heavy_oom();
    for (uint32_t call_idx = 0; call_idx < win->call_count; call_idx++) {
        TRY(compute_call(win, &win->calls[call_idx]));
    }
    win->computed = true;
    return NULL;
}

/* ------------------------------------------------------------------ output ---- */

/* to_general: a general NUMERIC copy of the first count rows of a numeric vector. */
static Error *to_general(Vector *vec, uint32_t count, Arena *arena)
{
    if (vec->phys == VEC_PHYS_NUMERIC) return NULL;
    Vector general;
    vec_init_phys(&general, vec->type, VEC_PHYS_NUMERIC, 0, arena);
    TRY(vec_reserve(&general, count > 0 ? count : 1));
    memset(general.data, 0, (count > 0 ? count : 1) * sizeof(Numeric));
    for (uint32_t row = 0; row < count; row++) {
        if (vec_is_null(vec, row)) {
            TRY(vec_set_null(&general, row));
            continue;
        }
        TRY(vec_numeric_get(vec, row, arena, &vec_numeric(&general)[row]));
    }
    *vec = general;
    return NULL;
}

static Error *value_column(Window *win, WinCall *wc, uint32_t chunk_idx, uint32_t count,
                           Vector *out)
{
    Arena *arena = win->batch;
    uint32_t *ids = arena_alloc(arena, (count + 1) * sizeof(uint32_t));
    uint32_t *default_ids = arena_alloc(arena, (count + 1) * sizeof(uint32_t));
    if (ids == NULL || default_ids == NULL) return op_heavy_oom();
    uint32_t first_id = chunk_idx << ROWS_CHUNK_SHIFT;
    bool any_default = false;
    for (uint32_t row = 0; row < count; row++) {
        uint8_t col = wc->src_col[first_id + row];
        ids[row] = col == SRC_VALUE ? wc->src_id[first_id + row] : ROW_ID_NONE;
        default_ids[row] = col == SRC_DEFAULT ? wc->src_id[first_id + row] : ROW_ID_NONE;
        any_default |= col == SRC_DEFAULT;
    }
    vec_init(out, wc->call->result_type, arena);
    TRY(op_rows_gather(&wc->arg_rows, 0, ids, count, out));
    if (!any_default) return NULL;
    Vector defaults;
    vec_init(&defaults, wc->arg_types[2], arena);
    TRY(op_rows_gather(&wc->arg_rows, 2, default_ids, count, &defaults));
    if (out->phys != defaults.phys || out->numeric_scale != defaults.numeric_scale) {
        if (out->type.id != TYPE_NUMERIC || defaults.type.id != TYPE_NUMERIC) {
            return err_new(SQLSTATE_DATATYPE_MISMATCH, "lag/lead default has another type");
        }
        TRY(to_general(out, count, arena));
        TRY(to_general(&defaults, count, arena));
    }
    for (uint32_t row = 0; row < count; row++) {
        if (default_ids[row] != ROW_ID_NONE) TRY(vec_copy_row(out, row, &defaults, row));
    }
    return NULL;
}

/* spilled_next: the next chunk of rows read back from the file ++ its results (read-back chunk
 * k holds row ids k * VEC_VALUE_COUNT_MAX.., as the full blocks were written). */
static Error *spilled_next(Window *win, DataChunk **chunk_out)
{
    Op *op = &win->base;
    uint32_t input_count = op->left->column_count;
    DataChunk *rows;
    TRY(spill_file_read(win->file, op->left->types, input_count, win->batch, &rows));
    if (rows == NULL) return NULL;
    uint32_t chunk_idx = win->out_chunk++;
    uint32_t first_id = chunk_idx << ROWS_CHUNK_SHIFT;
    uint32_t rest = win->total - first_id;
    if (rows->row_count != (rest < VEC_VALUE_COUNT_MAX ? rest : VEC_VALUE_COUNT_MAX)) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "window spill file chunk of %u rows at row %u",
                       rows->row_count, first_id);
    }
    DataChunk *out = arena_alloc(win->batch, sizeof(DataChunk));
    if (out == NULL) return op_heavy_oom();
    TRY(chunk_init(out, op->types, op->column_count, win->batch));
    if (input_count > 0) memcpy(out->columns, rows->columns, input_count * sizeof(Vector));
    for (uint32_t call_idx = 0; call_idx < win->call_count; call_idx++) {
        WinCall *wc = &win->calls[call_idx];
        Vector *vec = &out->columns[input_count + call_idx];
        if (wc->results != NULL) {
            *vec = wc->results[chunk_idx];
        } else {
            TRY(value_column(win, wc, chunk_idx, rows->row_count, vec));
        }
    }
    out->row_count = rows->row_count;
    *chunk_out = out;
    return NULL;
}

static Error *window_next(Op *op, DataChunk **chunk_out)
{
    Window *win = (Window *)op;
    *chunk_out = NULL;
    if (!win->computed) TRY(compute(win));
    arena_reset(win->batch);
    if (win->spilled) return spilled_next(win, chunk_out);
    while (win->out_cursor < win->rows.chunk_count &&
           win->rows.chunks[win->out_cursor].row_count == 0) {
        win->out_cursor++;
    }
    if (win->out_cursor >= win->rows.chunk_count) return NULL;
    uint32_t chunk_idx = win->out_cursor++;
    const DataChunk *stored = &win->rows.chunks[chunk_idx];
    DataChunk *out = arena_alloc(win->batch, sizeof(DataChunk));
    if (out == NULL) return op_heavy_oom();
    TRY(chunk_init(out, op->types, op->column_count, win->batch));
    uint32_t input_count = op->left->column_count;
    if (input_count > 0) memcpy(out->columns, stored->columns, input_count * sizeof(Vector));
    for (uint32_t call_idx = 0; call_idx < win->call_count; call_idx++) {
        WinCall *wc = &win->calls[call_idx];
        Vector *vec = &out->columns[input_count + call_idx];
        if (wc->results != NULL) {
            *vec = wc->results[chunk_idx];
        } else {
            TRY(value_column(win, wc, chunk_idx, stored->row_count, vec));
        }
    }
    out->row_count = stored->row_count;
    *chunk_out = out;
    return NULL;
}

/* spill_reset: close the file, free the spilled arrays and the stage's rows. */
static void spill_reset(Window *win)
{
    spill_file_close(win->file);
    win->file = NULL;
    free(win->own_entries);
    free(win->own_include);
    free(win->own_range_values);
    free(win->own_range_null);
    win->own_entries = NULL;
    win->own_include = NULL;
    win->own_range_values = NULL;
    win->own_range_null = NULL;
    win->capacity = 0;
    win->spilled = false;
    win->total = 0;
    win->out_chunk = 0;
    if (win->stage.arena != NULL) op_rows_clear(&win->stage);
}

static void window_reset(Window *win)
{
    spill_reset(win);
    op_rows_clear(&win->rows);
    for (uint32_t call_idx = 0; call_idx < win->call_count; call_idx++) {
        WinCall *wc = &win->calls[call_idx];
        op_rows_clear(&wc->arg_rows);
        wc->results = NULL;
        wc->src_id = NULL;
        wc->src_col = NULL;
        wc->range_values = NULL;
        wc->range_null = NULL;
    }
    if (win->work != NULL) arena_reset(win->work);
    win->entries = NULL;
    win->include = NULL;
    win->computed = false;
    win->out_cursor = 0;
}

static Error *window_open(Op *op)
{
    Window *win = (Window *)op;
    TRY(op_heavy_arena(&win->batch, 64 * 1024));
    TRY(op_heavy_arena(&win->work, 64 * 1024));
    if (win->rows.arena == NULL) {
        TRY(op_rows_init(&win->rows, op->left->types, op->left->column_count, NULL));
    }
    for (uint32_t call_idx = 0; call_idx < win->call_count; call_idx++) {
        WinCall *wc = &win->calls[call_idx];
        if (wc->arg_rows.arena == NULL) {
            TRY(op_rows_init(&wc->arg_rows, wc->arg_types, wc->call->arg_count, NULL));
        }
    }
    TRY(exec_open(op->left));
    window_reset(win);
    return NULL;
}

static Error *window_rescan(Op *op)
{
    TRY(exec_rescan(op->left));
    window_reset((Window *)op);
    return NULL;
}

static void window_close(Op *op)
{
    Window *win = (Window *)op;
    if (op->left != NULL) exec_close(op->left);
    spill_reset(win);
    op_rows_free(&win->stage);
    op_rows_free(&win->rows);
    for (uint32_t call_idx = 0; call_idx < win->call_count; call_idx++) {
        WinCall *wc = &win->calls[call_idx];
        op_heavy_close_states(wc->partition, wc->call->partition_count);
        op_heavy_close_states(wc->order, wc->call->order_count);
        op_heavy_close_states(wc->args, wc->call->arg_count);
        op_expr_close(wc->filter);
        op_rows_free(&wc->arg_rows);
        wc->results = NULL;
        wc->src_id = NULL;
        wc->src_col = NULL;
    }
    arena_destroy(win->batch);
    arena_destroy(win->work);
    win->batch = win->work = NULL;
    win->computed = false;
}

static const OpVtbl WINDOW_VT = { "WindowAgg", window_open, window_next, window_rescan,
                                  window_close };

static Error *kind_of(const WindowCall *call, WinKind *kind_out, const AggKern **agg_out)
{
    static const struct { const char *name; WinKind kind; uint32_t arg_min, arg_max; } NAMES[] = {
        { "row_number", WIN_ROW_NUMBER, 0, 0 },   { "rank", WIN_RANK, 0, 0 },
        { "dense_rank", WIN_DENSE_RANK, 0, 0 },   { "percent_rank", WIN_PERCENT_RANK, 0, 0 },
        { "cume_dist", WIN_CUME_DIST, 0, 0 },     { "ntile", WIN_NTILE, 1, 1 },
        { "lag", WIN_LAG, 1, 3 },                 { "lead", WIN_LEAD, 1, 3 },
        { "first_value", WIN_FIRST_VALUE, 1, 1 }, { "last_value", WIN_LAST_VALUE, 1, 1 },
        { "nth_value", WIN_NTH_VALUE, 2, 2 },
    };
    *agg_out = NULL;
    const char *name = call->name != NULL ? call->name : "";
    if (call->agg != NULL) {
        *kind_out = WIN_AGG;
        *agg_out = call->agg;
        bool count_star = call->arg_count == 0 &&
                          ((const AggKern *)call->agg)->input_type == TYPE_INVALID;
        if (call->arg_count != 1 && !count_star) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "window aggregate %s with %u arguments is not supported", name,
                           call->arg_count);
        }
        return NULL;
    }
    if (strcmp(name, "count") == 0 && call->arg_count == 0) {
        *kind_out = WIN_AGG;
        *agg_out = kern_agg_find("count", TYPE_INVALID);
        return NULL;
    }
    for (size_t idx = 0; idx < sizeof NAMES / sizeof NAMES[0]; idx++) {
        if (strcmp(NAMES[idx].name, name) != 0) continue;
        if (call->arg_count < NAMES[idx].arg_min || call->arg_count > NAMES[idx].arg_max) break;
        *kind_out = NAMES[idx].kind;
        return NULL;
    }
    return err_new(SQLSTATE_UNDEFINED_FUNCTION, "window function %s with %u arguments does not "
                   "exist", name, call->arg_count);
}

static Error *prepare_exprs(ExecCtx *ctx, Expr **exprs, uint32_t count, ExprState ***states_out)
{
    ExprState **states = arena_calloc(ctx->arena, (count + 1) * sizeof(ExprState *));
    if (states == NULL) return op_heavy_oom();
    for (uint32_t idx = 0; idx < count; idx++) TRY(expr_prepare(ctx, exprs[idx], &states[idx]));
    *states_out = states;
    return NULL;
}

static Error *call_prepare(ExecCtx *ctx, const WindowCall *call, WinCall *wc)
{
    wc->call = call;
    TRY(kind_of(call, &wc->kind, &wc->agg));
    TRY(prepare_exprs(ctx, call->partition, call->partition_count, &wc->partition));
    TRY(prepare_exprs(ctx, call->args, call->arg_count, &wc->args));
    wc->order = arena_calloc(ctx->arena, (call->order_count + 1) * sizeof(ExprState *));
    wc->dirs = arena_calloc(ctx->arena, (call->order_count + 1) * sizeof(KeyDir));
    wc->arg_types = arena_calloc(ctx->arena, (call->arg_count + 1) * sizeof(Type));
    if (wc->order == NULL || wc->dirs == NULL || wc->arg_types == NULL) return op_heavy_oom();
    for (uint32_t idx = 0; idx < call->order_count; idx++) {
        TRY(expr_prepare(ctx, call->order[idx].expr, &wc->order[idx]));
        wc->dirs[idx] = key_dir_make(call->order[idx].descending, call->order[idx].nulls_first);
    }
    for (uint32_t idx = 0; idx < call->arg_count; idx++) wc->arg_types[idx] = call->args[idx]->type;
    if (call->filter != NULL) TRY(expr_prepare(ctx, call->filter, &wc->filter));
    return NULL;
}

Error *op_window_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    ASSERT(plan->kind == PLAN_WINDOW);
    ASSERT(plan->column_count == plan->left->column_count + plan->window_count);
    Window *win = arena_calloc(ctx->arena, sizeof(Window));
    if (win == NULL) return op_heavy_oom();
    win->base = (Op){ .vt = &WINDOW_VT, .plan = plan, .ctx = ctx,
                      .column_count = plan->column_count, .types = plan->types };
    TRY(exec_build(ctx, plan->left, &win->base.left));
    win->call_count = plan->window_count;
    win->calls = arena_calloc(ctx->arena, (plan->window_count + 1) * sizeof(WinCall));
    if (win->calls == NULL) return op_heavy_oom();
    for (uint32_t call_idx = 0; call_idx < plan->window_count; call_idx++) {
        TRY(call_prepare(ctx, &plan->windows[call_idx], &win->calls[call_idx]));
    }
    *op_out = &win->base;
    return NULL;
}
