/* executor/kern_agg.c: aggregate transition kernels: count, sum, avg, min, max, ungrouped and
 * grouped (row r of the input goes into states[group_idx[r]]), with PostgreSQL's result types. */
#include <stdlib.h>

#include "executor/kern_int.h"
#include "executor/kern_array.h"   /* arrays: array_agg / string_agg */

#define STATE_AT(states, type, group) ((type *)((char *)(states) + (size_t)(group) * sizeof(type)))

/* VALUE_LOOP: x (T) for each selected valid row r of values. */
#define VALUE_LOOP(T, values, sel, count, ...)                                             \
    do {                                                                                   \
        if ((values)->validity == NULL) {                                                  \
            UNARY_LOOP(T, values, sel, count, __VA_ARGS__);                                \
        } else {                                                                           \
            UNARY_LOOP(T, values, sel, count, if (!row_valid(values, r)) continue; __VA_ARGS__); \
        }                                                                                  \
    } while (0)

static Error *finalize_null(Vector *out, uint32_t row_idx) { return vec_set_null(out, row_idx); }

/* ---- count --------------------------------------------------------------------------------------- */

static void init_i64_zero(void *state) { *(int64_t *)state = 0; }

static Error *count_star_update(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                                uint32_t count, void *state)
{
    *(int64_t *)state += count;
    return NULL;
}

static Error *count_star_update_grouped(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                                        uint32_t count, const uint32_t *group_idx, void *states)
{
    FOR_ROWS(sel, count, (*STATE_AT(states, int64_t, group_idx[r]))++;);
    return NULL;
}

static Error *count_update(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                           uint32_t count, void *state)
{
    if (values->validity == NULL) {
        *(int64_t *)state += count;
        return NULL;
    }
    int64_t valid_count = 0;
    FOR_ROWS(sel, count, valid_count += row_valid(values, r););
    *(int64_t *)state += valid_count;
    return NULL;
}

static Error *count_update_grouped(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                                   uint32_t count, const uint32_t *group_idx, void *states)
{
    FOR_ROWS(sel, count, *STATE_AT(states, int64_t, group_idx[r]) += row_valid(values, r););
    return NULL;
}

static Error *count_merge(void *dst, const void *src)
{
    *(int64_t *)dst += *(const int64_t *)src;
    return NULL;
}

static Error *count_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    vec_set_valid(out, row_idx);
    vec_i64(out)[row_idx] = *(const int64_t *)state;
    return NULL;
}

/* ---- sum of int2/int4 into int8 --------------------------------------------------------------------- */

static void sum_i64_init(void *state) { *(AggSumI64 *)state = (AggSumI64){ 0, 0 }; }

#define SUM_SMALL_INT(SUFFIX, T)                                                           \
    static Error *sum_##SUFFIX##_update(KernCtx *ctx, const Vector *values,                \
                                        const uint16_t *sel, uint32_t count, void *state)  \
    {                                                                                      \
        AggSumI64 *acc = state;                                                            \
        int64_t sum = 0, valid_count = 0; /* 2048 int32 values cannot overflow an int64 */ \
        VALUE_LOOP(T, values, sel, count, sum += x; valid_count++;);                       \
        if (__builtin_add_overflow(acc->sum, sum, &acc->sum)) {                            \
            return kern_err_int_range(VEC_PHYS_I64);                                       \
        }                                                                                  \
        acc->count += valid_count;                                                         \
        return NULL;                                                                       \
    }                                                                                      \
    static Error *sum_##SUFFIX##_update_grouped(KernCtx *ctx, const Vector *values,        \
                                                const uint16_t *sel, uint32_t count,       \
                                                const uint32_t *group_idx, void *states)   \
    {                                                                                      \
        bool overflow = false;                                                             \
        VALUE_LOOP(T, values, sel, count, AggSumI64 *acc = STATE_AT(states, AggSumI64, group_idx[r]); \
                   overflow |= __builtin_add_overflow(acc->sum, (int64_t)x, &acc->sum);    \
                   acc->count++;);                                                         \
        return overflow ? kern_err_int_range(VEC_PHYS_I64) : NULL;                         \
    }

SUM_SMALL_INT(i16, int16_t)
SUM_SMALL_INT(i32, int32_t)

Error *kern_sum_i32(KernCtx *ctx, const Vector *values, const uint16_t *sel, uint32_t count,
                    void *state)
{
    return sum_i32_update(ctx, values, sel, count, state);
}

Error *kern_sum_i32_grouped(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                            uint32_t count, const uint32_t *group_idx, void *states)
{
    return sum_i32_update_grouped(ctx, values, sel, count, group_idx, states);
}

static Error *sum_i64_merge(void *dst, const void *src)
{
    AggSumI64 *to = dst;
    const AggSumI64 *from = src;
    if (__builtin_add_overflow(to->sum, from->sum, &to->sum)) return kern_err_int_range(VEC_PHYS_I64);
    to->count += from->count;
    return NULL;
}

static Error *sum_i64_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const AggSumI64 *acc = state;
    if (acc->count == 0) return finalize_null(out, row_idx);
    vec_set_valid(out, row_idx);
    vec_i64(out)[row_idx] = acc->sum;
    return NULL;
}

/* ---- int8 sum and integer avg: an __int128 sum (2^64 rows before it could overflow) ------------- */

static void sum_i128_init(void *state) { *(AggSumI128 *)state = (AggSumI128){ 0, 0 }; }

#define SUM_WIDE_INT(SUFFIX, T)                                                            \
    static Error *wide_##SUFFIX##_update(KernCtx *ctx, const Vector *values,               \
                                         const uint16_t *sel, uint32_t count, void *state) \
    {                                                                                      \
        AggSumI128 *acc = state;                                                           \
        NumericI128 sum = 0;                                                               \
        int64_t valid_count = 0;                                                           \
        VALUE_LOOP(T, values, sel, count, sum += x; valid_count++;);                       \
        acc->sum += sum;                                                                   \
        acc->count += valid_count;                                                         \
        return NULL;                                                                       \
    }                                                                                      \
    static Error *wide_##SUFFIX##_update_grouped(KernCtx *ctx, const Vector *values,       \
                                                 const uint16_t *sel, uint32_t count,      \
                                                 const uint32_t *group_idx, void *states)  \
    {                                                                                      \
        VALUE_LOOP(T, values, sel, count,                                                  \
                   AggSumI128 *acc = STATE_AT(states, AggSumI128, group_idx[r]);           \
                   acc->sum += x; acc->count++;);                                          \
        return NULL;                                                                       \
    }

SUM_WIDE_INT(i16, int16_t)
SUM_WIDE_INT(i32, int32_t)
SUM_WIDE_INT(i64, int64_t)

Error *kern_sum_i64(KernCtx *ctx, const Vector *values, const uint16_t *sel, uint32_t count,
                    void *state)
{
    return wide_i64_update(ctx, values, sel, count, state);
}

Error *kern_sum_i64_grouped(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                            uint32_t count, const uint32_t *group_idx, void *states)
{
    return wide_i64_update_grouped(ctx, values, sel, count, group_idx, states);
}

static Error *sum_i128_merge(void *dst, const void *src)
{
    ((AggSumI128 *)dst)->sum += ((const AggSumI128 *)src)->sum;
    ((AggSumI128 *)dst)->count += ((const AggSumI128 *)src)->count;
    return NULL;
}

static Error *store_numeric(Vector *out, uint32_t row_idx, const Numeric *num)
{
    vec_set_valid(out, row_idx);
    if (out->phys == VEC_PHYS_NUMERIC) return vec_numeric_set(out, row_idx, num);
    if (!numeric_to_scaled_i64(num, out->numeric_scale, &vec_i64(out)[row_idx])) {
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
    }
    return NULL;
}

static Error *sum_i128_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const AggSumI128 *acc = state;
    if (acc->count == 0) return finalize_null(out, row_idx);
    Numeric sum;
    TRY(numeric_from_scaled_i128(acc->sum, 0, ctx->arena, &sum));
    return store_numeric(out, row_idx, &sum);
}

static Error *avg_i128_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const AggSumI128 *acc = state;
    if (acc->count == 0) return finalize_null(out, row_idx);
    Numeric sum, count, avg;
    TRY(numeric_from_scaled_i128(acc->sum, 0, ctx->arena, &sum));
    TRY(numeric_from_int64(acc->count, ctx->arena, &count));
    TRY(numeric_div(&sum, &count, ctx->arena, &avg));
    return store_numeric(out, row_idx, &avg);
}

/* ---- floats: sum(float4) -> float4, sum(float8) -> float8, avg -> float8 ---------------------------- */

typedef struct AggSumF64 { double sum; int64_t count; } AggSumF64;

static void sum_f64_init(void *state) { *(AggSumF64 *)state = (AggSumF64){ 0, 0 }; }

/* float_add_checked: PostgreSQL's float8pl: infinity out of finite inputs is an overflow. */
static inline bool float_add_checked(double *sum, double x, bool is_float4)
{
    double before = *sum;
    double after = is_float4 ? (double)((float)before + (float)x) : before + x;
    *sum = after;
    return isinf(after) && !isinf(before) && !isinf(x);
}

#define SUM_FLOAT(SUFFIX, T, IS_FLOAT4)                                                    \
    static Error *sum_##SUFFIX##_update(KernCtx *ctx, const Vector *values,                \
                                        const uint16_t *sel, uint32_t count, void *state)  \
    {                                                                                      \
        AggSumF64 *acc = state;                                                            \
        bool overflow = false;                                                             \
        VALUE_LOOP(T, values, sel, count,                                                  \
                   overflow |= float_add_checked(&acc->sum, (double)x, IS_FLOAT4);         \
                   acc->count++;);                                                         \
        return overflow ? kern_err_float_overflow() : NULL;                                \
    }                                                                                      \
    static Error *sum_##SUFFIX##_update_grouped(KernCtx *ctx, const Vector *values,        \
                                                const uint16_t *sel, uint32_t count,       \
                                                const uint32_t *group_idx, void *states)   \
    {                                                                                      \
        bool overflow = false;                                                             \
        VALUE_LOOP(T, values, sel, count,                                                  \
                   AggSumF64 *acc = STATE_AT(states, AggSumF64, group_idx[r]);             \
                   overflow |= float_add_checked(&acc->sum, (double)x, IS_FLOAT4);         \
                   acc->count++;);                                                         \
        return overflow ? kern_err_float_overflow() : NULL;                                \
    }

SUM_FLOAT(f32, float, true)
SUM_FLOAT(f64, double, false)
SUM_FLOAT(f32avg, float, false)   /* avg(float4) accumulates in float8 */

static Error *sum_f64_merge(void *dst, const void *src)
{
    AggSumF64 *to = dst;
    const AggSumF64 *from = src;
    if (float_add_checked(&to->sum, from->sum, false)) return kern_err_float_overflow();
    to->count += from->count;
    return NULL;
}

static Error *sum_f32_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const AggSumF64 *acc = state;
    if (acc->count == 0) return finalize_null(out, row_idx);
    vec_set_valid(out, row_idx);
    vec_f32(out)[row_idx] = (float)acc->sum;
    return NULL;
}

static Error *sum_f64_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const AggSumF64 *acc = state;
    if (acc->count == 0) return finalize_null(out, row_idx);
    vec_set_valid(out, row_idx);
    vec_f64(out)[row_idx] = acc->sum;
    return NULL;
}

static Error *avg_f64_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const AggSumF64 *acc = state;
    if (acc->count == 0) return finalize_null(out, row_idx);
    vec_set_valid(out, row_idx);
    vec_f64(out)[row_idx] = acc->sum / (double)acc->count;
    return NULL;
}

/* ---- numeric sum and avg: NumericAcc ------------------------------------------------------------ */

static void num_acc_init(void *state) { numeric_acc_init(state); }
static void num_acc_destroy(void *state) { numeric_acc_destroy(state); }

static Error *num_acc_add_row(NumericAcc *acc, const Vector *values, uint32_t row_idx)
{
    uint32_t slot_idx = values->is_constant ? 0 : row_idx;
    if (values->phys == VEC_PHYS_NUM64) {
        return numeric_acc_add_scaled_i64(acc, vec_i64(values)[slot_idx], values->numeric_scale);
    }
    return numeric_acc_add(acc, &vec_numeric(values)[slot_idx]);
}

static Error *num_acc_update(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                             uint32_t count, void *state)
{
    FOR_ROWS(sel, count, if (row_valid(values, r)) TRY(num_acc_add_row(state, values, r)););
    return NULL;
}

static Error *num_acc_update_grouped(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                                     uint32_t count, const uint32_t *group_idx, void *states)
{
    FOR_ROWS(sel, count, if (row_valid(values, r)) {
        TRY(num_acc_add_row(STATE_AT(states, NumericAcc, group_idx[r]), values, r));
    });
    return NULL;
}

static Error *num_acc_merge(void *dst, const void *src) { return numeric_acc_merge(dst, src); }

static Error *num_sum_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    Numeric sum;
    bool is_null;
    TRY(numeric_acc_sum(state, ctx->arena, &sum, &is_null));
    if (is_null) return finalize_null(out, row_idx);
    return store_numeric(out, row_idx, &sum);
}

static Error *num_avg_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    Numeric avg;
    bool is_null;
    TRY(numeric_acc_avg(state, ctx->arena, &avg, &is_null));
    if (is_null) return finalize_null(out, row_idx);
    return store_numeric(out, row_idx, &avg);
}

/* ---- min and max over fixed-size values ---------------------------------------------------------- */

#define MINMAX_FIXED(SUFFIX, T, LESS)                                                      \
    typedef struct MinMax_##SUFFIX { T value; bool has; } MinMax_##SUFFIX;                 \
    static void minmax_##SUFFIX##_init(void *state)                                        \
    {                                                                                      \
        memset(state, 0, sizeof(MinMax_##SUFFIX));                                         \
    }                                                                                      \
    static inline void minmax_##SUFFIX##_fold(MinMax_##SUFFIX *acc, T x, bool is_max)      \
    {                                                                                      \
        if (!acc->has || (is_max ? LESS(acc->value, x) : LESS(x, acc->value))) {           \
            acc->value = x;                                                                \
            acc->has = true;                                                               \
        }                                                                                  \
    }                                                                                      \
    static Error *minmax_##SUFFIX##_update(const Vector *values, const uint16_t *sel,      \
                                           uint32_t count, void *state, bool is_max)       \
    {                                                                                      \
        VALUE_LOOP(T, values, sel, count, minmax_##SUFFIX##_fold(state, x, is_max););      \
        return NULL;                                                                       \
    }                                                                                      \
    static Error *minmax_##SUFFIX##_update_grouped(const Vector *values, const uint16_t *sel, \
                                                   uint32_t count, const uint32_t *group_idx, \
                                                   void *states, bool is_max)              \
    {                                                                                      \
        VALUE_LOOP(T, values, sel, count,                                                  \
                   minmax_##SUFFIX##_fold(STATE_AT(states, MinMax_##SUFFIX, group_idx[r]), x, is_max);); \
        return NULL;                                                                       \
    }                                                                                      \
    static Error *min_##SUFFIX##_update(KernCtx *ctx, const Vector *values,                \
                                        const uint16_t *sel, uint32_t count, void *state)  \
    {                                                                                      \
        return minmax_##SUFFIX##_update(values, sel, count, state, false);                 \
    }                                                                                      \
    static Error *max_##SUFFIX##_update(KernCtx *ctx, const Vector *values,                \
                                        const uint16_t *sel, uint32_t count, void *state)  \
    {                                                                                      \
        return minmax_##SUFFIX##_update(values, sel, count, state, true);                  \
    }                                                                                      \
    static Error *min_##SUFFIX##_update_grouped(KernCtx *ctx, const Vector *values,        \
                                                const uint16_t *sel, uint32_t count,       \
                                                const uint32_t *group_idx, void *states)   \
    {                                                                                      \
        return minmax_##SUFFIX##_update_grouped(values, sel, count, group_idx, states, false); \
    }                                                                                      \
    static Error *max_##SUFFIX##_update_grouped(KernCtx *ctx, const Vector *values,        \
                                                const uint16_t *sel, uint32_t count,       \
                                                const uint32_t *group_idx, void *states)   \
    {                                                                                      \
        return minmax_##SUFFIX##_update_grouped(values, sel, count, group_idx, states, true); \
    }                                                                                      \
    static Error *min_##SUFFIX##_merge(void *dst, const void *src)                         \
    {                                                                                      \
        const MinMax_##SUFFIX *from = src;                                                 \
        if (from->has) minmax_##SUFFIX##_fold(dst, from->value, false);                    \
        return NULL;                                                                       \
    }                                                                                      \
    static Error *max_##SUFFIX##_merge(void *dst, const void *src)                         \
    {                                                                                      \
        const MinMax_##SUFFIX *from = src;                                                 \
        if (from->has) minmax_##SUFFIX##_fold(dst, from->value, true);                     \
        return NULL;                                                                       \
    }                                                                                      \
    static Error *minmax_##SUFFIX##_finalize(KernCtx *ctx, const void *state, Vector *out, \
                                             uint32_t row_idx)                             \
    {                                                                                      \
        const MinMax_##SUFFIX *acc = state;                                                \
        if (!acc->has) return finalize_null(out, row_idx);                                 \
        vec_set_valid(out, row_idx);                                                       \
        ((T *)out->data)[row_idx] = acc->value;                                            \
        return NULL;                                                                       \
    }

#define LESS_PLAIN(x, y) ((x) < (y))
#define LESS_FLOAT(x, y) (float_cmp((x), (y)) < 0)
#define LESS_INTERVAL(x, y) (dt_interval_cmp(&(x), &(y)) < 0)
MINMAX_FIXED(i16, int16_t, LESS_PLAIN)
MINMAX_FIXED(i32, int32_t, LESS_PLAIN)
MINMAX_FIXED(i64, int64_t, LESS_PLAIN)
MINMAX_FIXED(f32, float, LESS_FLOAT)
MINMAX_FIXED(f64, double, LESS_FLOAT)
MINMAX_FIXED(interval, DtInterval, LESS_INTERVAL)

/* ---- min and max of text and numeric: state-owned heap copies ----------------------------------- */

typedef struct MinMaxVar {
    bool     has;
    uint32_t size;
    char    *data;      /* malloc'd; text bytes, or a numeric_serialize form */
} MinMaxVar;

static void minmax_var_init(void *state) { memset(state, 0, sizeof(MinMaxVar)); }
static void minmax_var_destroy(void *state) { free(((MinMaxVar *)state)->data); }

static Error *minmax_var_set(MinMaxVar *acc, const void *data, uint32_t size)
{
    char *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL) return kern_oom();
    memcpy(copy, data, size);
    free(acc->data);
    acc->data = copy;
    acc->size = size;
    acc->has = true;
    return NULL;
}

static Error *minmax_str_fold(MinMaxVar *acc, const StrView *view, bool is_max)
{
    if (acc->has) {
        StrView current = str_view_make_ref(acc->data, acc->size);
        int cmp = str_view_cmp(view, &current);
        if (is_max ? cmp <= 0 : cmp >= 0) return NULL;
    }
    return minmax_var_set(acc, str_view_data(view), view->size);
}

static Error *minmax_num_fold(KernCtx *ctx, MinMaxVar *acc, const Numeric *num, bool is_max)
{
    if (acc->has) {
        Numeric current;
        TRY(numeric_deserialize((const uint8_t *)acc->data, acc->size, ctx->arena, &current));
        int cmp = numeric_cmp(num, &current);
        if (is_max ? cmp <= 0 : cmp >= 0) return NULL;
    }
    size_t size = numeric_serialized_size(num);
    uint8_t stack_buffer[256];
    uint8_t *buffer = size <= sizeof stack_buffer ? stack_buffer : arena_alloc(ctx->arena, size);
    if (buffer == NULL) return kern_oom();
    numeric_serialize(num, buffer);
    return minmax_var_set(acc, buffer, (uint32_t)size);
}

static Error *minmax_var_fold_row(KernCtx *ctx, MinMaxVar *acc, const Vector *values,
                                  uint32_t row_idx, bool is_max)
{
    if (values->phys == VEC_PHYS_STR) return minmax_str_fold(acc, str_at(values, row_idx), is_max);
    Numeric num;
    TRY(kern_num_get(values, row_idx, ctx->arena, &num));
    return minmax_num_fold(ctx, acc, &num, is_max);
}

#define MINMAX_VAR(NAME, IS_MAX)                                                           \
    static Error *NAME##_var_update(KernCtx *ctx, const Vector *values, const uint16_t *sel, \
                                    uint32_t count, void *state)                           \
    {                                                                                      \
        FOR_ROWS(sel, count,                                                               \
                 if (row_valid(values, r)) TRY(minmax_var_fold_row(ctx, state, values, r, IS_MAX));); \
        return NULL;                                                                       \
    }                                                                                      \
    static Error *NAME##_var_update_grouped(KernCtx *ctx, const Vector *values,            \
                                            const uint16_t *sel, uint32_t count,           \
                                            const uint32_t *group_idx, void *states)       \
    {                                                                                      \
        FOR_ROWS(sel, count, if (row_valid(values, r)) {                                   \
            TRY(minmax_var_fold_row(ctx, STATE_AT(states, MinMaxVar, group_idx[r]), values, r, IS_MAX)); \
        });                                                                                \
        return NULL;                                                                       \
    }
MINMAX_VAR(min, false)
MINMAX_VAR(max, true)

static Error *minmax_var_merge(void *dst, const void *src, bool is_max)
{
    const MinMaxVar *from = src;
    if (!from->has) return NULL;
    MinMaxVar *to = dst;
    StrView view = str_view_make_ref(from->data, from->size);
    return minmax_str_fold(to, &view, is_max);
}
static Error *min_str_merge(void *dst, const void *src) { return minmax_var_merge(dst, src, false); }
static Error *max_str_merge(void *dst, const void *src) { return minmax_var_merge(dst, src, true); }

static Error *minmax_str_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const MinMaxVar *acc = state;
    if (!acc->has) return finalize_null(out, row_idx);
    vec_set_valid(out, row_idx);
    return vec_str_set(out, row_idx, acc->data, acc->size);
}

static Error *minmax_num_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const MinMaxVar *acc = state;
    if (!acc->has) return finalize_null(out, row_idx);
    Numeric num;
    TRY(numeric_deserialize((const uint8_t *)acc->data, acc->size, ctx->arena, &num));
    return store_numeric(out, row_idx, &num);
}

/* ---- bool_and / bool_or (every is bool_and) -------------------------------------------------------- */

typedef struct AggBool { uint8_t has; uint8_t value; } AggBool;

static void bool_and_init(void *state) { *(AggBool *)state = (AggBool){ 0, 1 }; }
static void bool_or_init(void *state) { *(AggBool *)state = (AggBool){ 0, 0 }; }

#define BOOL_AGG(NAME, OP)                                                                 \
    static Error *NAME##_update(KernCtx *ctx, const Vector *values, const uint16_t *sel,   \
                                uint32_t count, void *state)                               \
    {                                                                                      \
        AggBool *acc = state;                                                              \
        VALUE_LOOP(uint8_t, values, sel, count, acc->has = 1;                              \
                   acc->value = (uint8_t)(acc->value OP (x != 0)););                       \
        return NULL;                                                                       \
    }                                                                                      \
    static Error *NAME##_update_grouped(KernCtx *ctx, const Vector *values,                \
                                        const uint16_t *sel, uint32_t count,               \
                                        const uint32_t *group_idx, void *states)           \
    {                                                                                      \
        VALUE_LOOP(uint8_t, values, sel, count,                                            \
                   AggBool *acc = STATE_AT(states, AggBool, group_idx[r]); acc->has = 1;   \
                   acc->value = (uint8_t)(acc->value OP (x != 0)););                       \
        return NULL;                                                                       \
    }                                                                                      \
    static Error *NAME##_merge(void *dst, const void *src)                                 \
    {                                                                                      \
        AggBool *to = dst;                                                                 \
        const AggBool *from = src;                                                         \
        if (from->has) {                                                                   \
            to->value = (uint8_t)(to->value OP from->value);                               \
            to->has = 1;                                                                   \
        }                                                                                  \
        return NULL;                                                                       \
    }

BOOL_AGG(bool_and, &&)
BOOL_AGG(bool_or, ||)

static Error *bool_agg_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const AggBool *acc = state;
    if (!acc->has) return finalize_null(out, row_idx);
    vec_set_valid(out, row_idx);
    vec_bool(out)[row_idx] = acc->value;
    return NULL;
}

/* ---- the table ------------------------------------------------------------------------------------ */

#define AGG(NAME, INPUT, RESULT, STATE, INIT, UPDATE, GROUPED, MERGE, FINAL, DESTROY)       \
    { NAME, INPUT, RESULT, sizeof(STATE), INIT, UPDATE, GROUPED, MERGE, FINAL, DESTROY }
#define MINMAX_ROWS(TYPE, SUFFIX)                                                          \
    AGG("min", TYPE, TYPE, MinMax_##SUFFIX, minmax_##SUFFIX##_init, min_##SUFFIX##_update, \
        min_##SUFFIX##_update_grouped, min_##SUFFIX##_merge, minmax_##SUFFIX##_finalize, NULL), \
    AGG("max", TYPE, TYPE, MinMax_##SUFFIX, minmax_##SUFFIX##_init, max_##SUFFIX##_update, \
        max_##SUFFIX##_update_grouped, max_##SUFFIX##_merge, minmax_##SUFFIX##_finalize, NULL)

static Error *min_num_merge(void *dst, const void *src)
{
    /* numeric states hold serialized values: merge through a scratch arena */
    const MinMaxVar *from = src;
    if (!from->has) return NULL;
    Arena *arena = arena_create(1024);
    if (arena == NULL) return kern_oom();
    KernCtx ctx = { .arena = arena };
    Numeric num;
    Error *err = numeric_deserialize((const uint8_t *)from->data, from->size, arena, &num);
    if (err == NULL) err = minmax_num_fold(&ctx, dst, &num, false);
    arena_destroy(arena);
    return err;
}

static Error *max_num_merge(void *dst, const void *src)
{
    const MinMaxVar *from = src;
    if (!from->has) return NULL;
    Arena *arena = arena_create(1024);
    if (arena == NULL) return kern_oom();
    KernCtx ctx = { .arena = arena };
    Numeric num;
    Error *err = numeric_deserialize((const uint8_t *)from->data, from->size, arena, &num);
    if (err == NULL) err = minmax_num_fold(&ctx, dst, &num, true);
    arena_destroy(arena);
    return err;
}

/* ---- sum(interval) / avg(interval): field-wise sum (interval_pl), avg = sum / count ------------ */

typedef struct AggSumInterval { DtInterval sum; int64_t count; } AggSumInterval;

static void sum_interval_init(void *state) { *(AggSumInterval *)state = (AggSumInterval){ { 0, 0, 0 }, 0 }; }

static Error *sum_interval_update(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                                  uint32_t count, void *state)
{
    AggSumInterval *acc = state;
    Error *err = NULL;
    VALUE_LOOP(DtInterval, values, sel, count,
               if (err == NULL) err = dt_interval_add(&acc->sum, &x, &acc->sum);
               acc->count++;);
    return err;
}

static Error *sum_interval_update_grouped(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                                          uint32_t count, const uint32_t *group_idx, void *states)
{
    Error *err = NULL;
    VALUE_LOOP(DtInterval, values, sel, count,
               AggSumInterval *acc = STATE_AT(states, AggSumInterval, group_idx[r]);
               if (err == NULL) err = dt_interval_add(&acc->sum, &x, &acc->sum);
               acc->count++;);
    return err;
}

static Error *sum_interval_merge(void *dst, const void *src)
{
    AggSumInterval *to = dst;
    const AggSumInterval *from = src;
    TRY(dt_interval_add(&to->sum, &from->sum, &to->sum));
    to->count += from->count;
    return NULL;
}

static Error *sum_interval_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const AggSumInterval *acc = state;
    if (acc->count == 0) return finalize_null(out, row_idx);
    vec_set_valid(out, row_idx);
    ((DtInterval *)out->data)[row_idx] = acc->sum;
    return NULL;
}

static Error *avg_interval_finalize(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx)
{
    const AggSumInterval *acc = state;
    if (acc->count == 0) return finalize_null(out, row_idx);
    vec_set_valid(out, row_idx);
    return dt_interval_div(&acc->sum, (double)acc->count, &((DtInterval *)out->data)[row_idx]);
}

static const AggKern AGG_KERNS[] = {
    AGG("count", TYPE_INVALID, TYPE_INT8, int64_t, init_i64_zero, count_star_update,
        count_star_update_grouped, count_merge, count_finalize, NULL),
    AGG("sum", TYPE_INT2, TYPE_INT8, AggSumI64, sum_i64_init, sum_i16_update,
        sum_i16_update_grouped, sum_i64_merge, sum_i64_finalize, NULL),
    AGG("sum", TYPE_INT4, TYPE_INT8, AggSumI64, sum_i64_init, sum_i32_update,
        sum_i32_update_grouped, sum_i64_merge, sum_i64_finalize, NULL),
    AGG("sum", TYPE_INT8, TYPE_NUMERIC, AggSumI128, sum_i128_init, wide_i64_update,
        wide_i64_update_grouped, sum_i128_merge, sum_i128_finalize, NULL),
    AGG("sum", TYPE_FLOAT4, TYPE_FLOAT4, AggSumF64, sum_f64_init, sum_f32_update,
        sum_f32_update_grouped, sum_f64_merge, sum_f32_finalize, NULL),
    AGG("sum", TYPE_FLOAT8, TYPE_FLOAT8, AggSumF64, sum_f64_init, sum_f64_update,
        sum_f64_update_grouped, sum_f64_merge, sum_f64_finalize, NULL),
    AGG("sum", TYPE_NUMERIC, TYPE_NUMERIC, NumericAcc, num_acc_init, num_acc_update,
        num_acc_update_grouped, num_acc_merge, num_sum_finalize, num_acc_destroy),
    AGG("avg", TYPE_INT2, TYPE_NUMERIC, AggSumI128, sum_i128_init, wide_i16_update,
        wide_i16_update_grouped, sum_i128_merge, avg_i128_finalize, NULL),
    AGG("avg", TYPE_INT4, TYPE_NUMERIC, AggSumI128, sum_i128_init, wide_i32_update,
        wide_i32_update_grouped, sum_i128_merge, avg_i128_finalize, NULL),
    AGG("avg", TYPE_INT8, TYPE_NUMERIC, AggSumI128, sum_i128_init, wide_i64_update,
        wide_i64_update_grouped, sum_i128_merge, avg_i128_finalize, NULL),
    AGG("avg", TYPE_FLOAT4, TYPE_FLOAT8, AggSumF64, sum_f64_init, sum_f32avg_update,
        sum_f32avg_update_grouped, sum_f64_merge, avg_f64_finalize, NULL),
    AGG("avg", TYPE_FLOAT8, TYPE_FLOAT8, AggSumF64, sum_f64_init, sum_f64_update,
        sum_f64_update_grouped, sum_f64_merge, avg_f64_finalize, NULL),
    AGG("avg", TYPE_NUMERIC, TYPE_NUMERIC, NumericAcc, num_acc_init, num_acc_update,
        num_acc_update_grouped, num_acc_merge, num_avg_finalize, num_acc_destroy),
    MINMAX_ROWS(TYPE_INT2, i16),
    MINMAX_ROWS(TYPE_INT4, i32),
    MINMAX_ROWS(TYPE_INT8, i64),
    MINMAX_ROWS(TYPE_FLOAT4, f32),
    MINMAX_ROWS(TYPE_FLOAT8, f64),
    MINMAX_ROWS(TYPE_DATE, i32),
    MINMAX_ROWS(TYPE_TIME, i64),
    MINMAX_ROWS(TYPE_TIMESTAMP, i64),
    MINMAX_ROWS(TYPE_TIMESTAMPTZ, i64),
    MINMAX_ROWS(TYPE_OID, i64),
    MINMAX_ROWS(TYPE_INTERVAL, interval),
    AGG("min", TYPE_TEXT, TYPE_TEXT, MinMaxVar, minmax_var_init, min_var_update,
        min_var_update_grouped, min_str_merge, minmax_str_finalize, minmax_var_destroy),
    AGG("max", TYPE_TEXT, TYPE_TEXT, MinMaxVar, minmax_var_init, max_var_update,
        max_var_update_grouped, max_str_merge, minmax_str_finalize, minmax_var_destroy),
    AGG("min", TYPE_NUMERIC, TYPE_NUMERIC, MinMaxVar, minmax_var_init, min_var_update,
        min_var_update_grouped, min_num_merge, minmax_num_finalize, minmax_var_destroy),
    AGG("max", TYPE_NUMERIC, TYPE_NUMERIC, MinMaxVar, minmax_var_init, max_var_update,
        max_var_update_grouped, max_num_merge, minmax_num_finalize, minmax_var_destroy),
    AGG("bool_and", TYPE_BOOL, TYPE_BOOL, AggBool, bool_and_init, bool_and_update,
        bool_and_update_grouped, bool_and_merge, bool_agg_finalize, NULL),
    AGG("bool_or", TYPE_BOOL, TYPE_BOOL, AggBool, bool_or_init, bool_or_update,
        bool_or_update_grouped, bool_or_merge, bool_agg_finalize, NULL),
    AGG("sum", TYPE_INTERVAL, TYPE_INTERVAL, AggSumInterval, sum_interval_init,
        sum_interval_update, sum_interval_update_grouped, sum_interval_merge,
        sum_interval_finalize, NULL),
    AGG("avg", TYPE_INTERVAL, TYPE_INTERVAL, AggSumInterval, sum_interval_init,
        sum_interval_update, sum_interval_update_grouped, sum_interval_merge,
        avg_interval_finalize, NULL),
};

const AggKern *kern_agg_find(const char *name, uint32_t input_type)
{
    if (strncmp(name, "array_agg", 9) == 0 || strncmp(name, "string_agg", 10) == 0) { /* arrays */
        return kern_array_agg_find(name, input_type);
    }
    if (strcmp(name, "count") == 0) {
        /* count(x) of any type and count(*) share the state; only the update differs */
        static const AggKern COUNT_ANY = { "count", TYPE_UNKNOWN, TYPE_INT8, sizeof(int64_t),
                                           init_i64_zero, count_update, count_update_grouped,
                                           count_merge, count_finalize, NULL };
        return input_type == TYPE_INVALID ? &AGG_KERNS[0] : &COUNT_ANY;
    }
    if ((strcmp(name, "min") == 0 || strcmp(name, "max") == 0) &&
        (input_type == TYPE_VARCHAR || input_type == TYPE_BPCHAR || input_type == TYPE_NAME)) {
        input_type = TYPE_TEXT;
    }
    for (size_t agg_idx = 0; agg_idx < sizeof AGG_KERNS / sizeof AGG_KERNS[0]; agg_idx++) {
        const AggKern *agg = &AGG_KERNS[agg_idx];
        if (agg->update != NULL && agg->input_type == input_type && strcmp(agg->name, name) == 0) {
            return agg;
        }
    }
    return NULL;
}
