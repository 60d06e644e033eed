/* executor/kern_int.h: loop macros and helpers shared by the kern_*.c files (internal). */
#ifndef BIRCH_EXECUTOR_KERN_INT_H
#define BIRCH_EXECUTOR_KERN_INT_H

#include <math.h>
#include <string.h>

#include "common/asserts.h"
#include "executor/kern.h"

/* FOR_ROWS: run the body for each selected row r, without a per-row check of sel. */
#define FOR_ROWS(sel, count, ...)                                                  \
    do {                                                                           \
        if ((sel) != NULL) {                                                       \
            for (uint32_t k_ = 0; k_ < (count); k_++) {                            \
                uint32_t r = (sel)[k_]; (void)r;                                    \
                __VA_ARGS__                                                        \
            }                                                                      \
        } else {                                                                   \
            for (uint32_t r = 0; r < (count); r++) { (void)r; __VA_ARGS__ }        \
        }                                                                          \
    } while (0)

/* BINARY_LOOP: x (TA) from a, y (TB) from b, for each row, specialized for constant inputs. */
#define BINARY_LOOP(TA, TB, a, b, sel, count, ...)                                 \
    do {                                                                           \
        const TA *av_ = (const TA *)(a)->data;                                     \
        const TB *bv_ = (const TB *)(b)->data;                                     \
        if (!(a)->is_constant && !(b)->is_constant) {                              \
            FOR_ROWS(sel, count, TA x = av_[r]; TB y = bv_[r]; __VA_ARGS__);       \
        } else if ((a)->is_constant && !(b)->is_constant) {                        \
            TA x = av_[0];                                                         \
            FOR_ROWS(sel, count, TB y = bv_[r]; __VA_ARGS__);                      \
        } else if (!(a)->is_constant) {                                            \
            TB y = bv_[0];                                                         \
            FOR_ROWS(sel, count, TA x = av_[r]; __VA_ARGS__);                      \
        } else {                                                                   \
            TA x = av_[0];                                                         \
            TB y = bv_[0];                                                         \
            FOR_ROWS(sel, count, __VA_ARGS__);                                     \
        }                                                                          \
    } while (0)

#define UNARY_LOOP(TA, a, sel, count, ...)                                         \
    do {                                                                           \
        const TA *av_ = (const TA *)(a)->data;                                     \
        if (!(a)->is_constant) {                                                   \
            FOR_ROWS(sel, count, TA x = av_[r]; __VA_ARGS__);                      \
        } else {                                                                   \
            TA x = av_[0];                                                         \
            FOR_ROWS(sel, count, __VA_ARGS__);                                     \
        }                                                                          \
    } while (0)

static inline bool row_valid(const Vector *vec, uint32_t row_idx)
{
    return !vec_is_null(vec, row_idx);
}

/* kern_out_begin: reserve out for the span and give it the AND of the args' validity
 * (a strict function). Errors: OUT_OF_MEMORY. */
Error *kern_out_begin(Vector *out, const Vector *const *args, uint32_t arg_count,
                      const uint16_t *sel, uint32_t count);
/* kern_out_reserve: reserve only (the kernel sets validity itself; out starts all valid). */
Error *kern_out_reserve(Vector *out, const uint16_t *sel, uint32_t count);
/* kern_any_nulls: some arg has a validity bitmap (maybe NULLs). */
bool   kern_any_nulls(const Vector *const *args, uint32_t arg_count);

Error *kern_err_int_range(VecPhys phys);          /* smallint/integer/bigint out of range */
Error *kern_err_div_zero(void);
Error *kern_err_float_overflow(void);
Error *kern_err_float_underflow(void);
Error *kern_oom(void);

/* float comparison with PostgreSQL's NaN order: NaN = NaN, NaN > everything else. */
static inline int float_cmp(double x, double y)
{
    if (isnan(x)) return isnan(y) ? 0 : 1;
    if (isnan(y)) return -1;
    return (x > y) - (x < y);
}

/* numeric rows as general values (NUM64 converted into arena). */
Error *kern_num_get(const Vector *vec, uint32_t row_idx, Arena *arena, Numeric *out);
/* kern_num_out_general: switch out to the NUMERIC form (reserving the span again). */
Error *kern_num_out_general(Vector *out, const uint16_t *sel, uint32_t count);
/* kern_num_cmp_rows: compare row ra of a with row rb of b (any numeric forms). */
int    kern_num_cmp_rows(KernCtx *ctx, const Vector *a, uint32_t ra, const Vector *b, uint32_t rb,
                         Error **err);
/* pow10 table for scales 0..18 */
extern const int64_t KERN_POW10[19];

/* string helpers */
static inline const StrView *str_at(const Vector *vec, uint32_t row_idx)
{
    return &vec_str(vec)[vec->is_constant ? 0 : row_idx];
}
/* kern_cstring: the view's bytes NUL-terminated (a stack buffer if it fits, else ctx arena). */
const char *kern_cstring(KernCtx *ctx, const StrView *view, char *buffer, size_t buffer_size);

#endif
