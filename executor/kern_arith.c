/* executor/kern_arith.c: + - * / % unary minus and abs over integers, floats and numerics.
 *
 * Integer kernels compute every selected row with the overflow builtins, OR-ing an overflow
 * flag; only if the flag is set do they look for a valid row that overflowed (a NULL row's
 * garbage must not raise an error). Division checks its divisor per row (it must anyway). */
#include "executor/kern_int.h"

/* ---- integers ----------------------------------------------------------------------------- */

/* find_int_overflow: after a flagged loop, is there a valid row whose OP overflows? */
#define INT_BINARY_OVERFLOW_KERNEL(NAME, T, PHYS, BUILTIN)                                 \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        const Vector *a = args[0], *b = args[1];                                           \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        bool overflow = false;                                                             \
        BINARY_LOOP(T, T, a, b, sel, count, overflow |= BUILTIN(x, y, &ov[r]););           \
        if (!overflow) return NULL;                                                        \
        bool real_overflow = false;                                                        \
        T scratch;                                                                         \
        BINARY_LOOP(T, T, a, b, sel, count,                                                \
                    real_overflow |= BUILTIN(x, y, &scratch) && row_valid(out, r););       \
        return real_overflow ? kern_err_int_range(PHYS) : NULL;                            \
    }

#define INT_DIV_KERNEL(NAME, T, PHYS, MINV, IS_MOD)                                        \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        const Vector *a = args[0], *b = args[1];                                           \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        bool zero = false, overflow = false;                                               \
        BINARY_LOOP(T, T, a, b, sel, count,                                                \
            if (y == 0) {                                                                  \
                zero |= row_valid(out, r);                                                 \
                ov[r] = 0;                                                                 \
            } else if (y == -1) {                                                          \
                if (IS_MOD) ov[r] = 0;                                                     \
                else {                                                                     \
                    overflow |= x == MINV && row_valid(out, r);                            \
                    ov[r] = (T)(x == MINV ? 0 : -x);                                       \
                }                                                                          \
            } else {                                                                       \
                ov[r] = IS_MOD ? (T)(x % y) : (T)(x / y);                                  \
            });                                                                            \
        if (zero) return kern_err_div_zero();                                              \
        return overflow ? kern_err_int_range(PHYS) : NULL;                                 \
    }

#define INT_UNARY_KERNEL(NAME, T, PHYS, MINV, EXPR)                                        \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        const Vector *a = args[0];                                                         \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        bool overflow = false;                                                             \
        UNARY_LOOP(T, a, sel, count,                                                       \
                   overflow |= x == MINV && row_valid(out, r);                             \
                   ov[r] = x == MINV ? 0 : (T)(EXPR););                                    \
        return overflow ? kern_err_int_range(PHYS) : NULL;                                 \
    }

#define INT_FAMILY(SUFFIX, T, PHYS, MINV)                                                  \
    INT_BINARY_OVERFLOW_KERNEL(kern_add_##SUFFIX, T, PHYS, __builtin_add_overflow)         \
    INT_BINARY_OVERFLOW_KERNEL(kern_sub_##SUFFIX, T, PHYS, __builtin_sub_overflow)         \
    INT_BINARY_OVERFLOW_KERNEL(kern_mul_##SUFFIX, T, PHYS, __builtin_mul_overflow)         \
    INT_DIV_KERNEL(kern_div_##SUFFIX, T, PHYS, MINV, false)                                \
    INT_DIV_KERNEL(kern_mod_##SUFFIX, T, PHYS, MINV, true)                                 \
    INT_UNARY_KERNEL(kern_neg_##SUFFIX, T, PHYS, MINV, -x)                                 \
    INT_UNARY_KERNEL(kern_abs_##SUFFIX, T, PHYS, MINV, x < 0 ? -x : x)

INT_FAMILY(i16, int16_t, VEC_PHYS_I16, INT16_MIN)
INT_FAMILY(i32, int32_t, VEC_PHYS_I32, INT32_MIN)
INT_FAMILY(i64, int64_t, VEC_PHYS_I64, INT64_MIN)

/* ---- floats -------------------------------------------------------------------------------- */

/* PostgreSQL's float8pl & co: infinity from finite inputs is overflow; for * and /, zero from
 * non-zero inputs is underflow (x * 0 and 0 / y are exact zeros, x / inf too). Checked in a second pass only when some result is suspicious. */
#define FLOAT_BINARY_KERNEL(NAME, T, OP, CHECK_UNDERFLOW, IS_DIV)                          \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        const Vector *a = args[0], *b = args[1];                                           \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        bool suspicious = false;                                                           \
        BINARY_LOOP(T, T, a, b, sel, count, T z = x OP y; ov[r] = z;                       \
                    suspicious |= isinf(z) || z == 0 || (IS_DIV && y == 0););              \
        if (!suspicious) return NULL;                                                      \
        BINARY_LOOP(T, T, a, b, sel, count,                                                \
            if (row_valid(out, r)) {                                                       \
                if (IS_DIV && y == 0) return kern_err_div_zero();                          \
                T z = ov[r];                                                               \
                if (isinf(z) && !isinf(x) && !isinf(y)) return kern_err_float_overflow();  \
                if (CHECK_UNDERFLOW && z == 0 && x != 0 && (IS_DIV ? !isinf(y) : y != 0)) \
                    return kern_err_float_underflow();                                     \
            });                                                                            \
        return NULL;                                                                       \
    }

#define FLOAT_FAMILY(SUFFIX, T)                                                            \
    FLOAT_BINARY_KERNEL(kern_add_##SUFFIX, T, +, false, false)                             \
    FLOAT_BINARY_KERNEL(kern_sub_##SUFFIX, T, -, false, false)                             \
    FLOAT_BINARY_KERNEL(kern_mul_##SUFFIX, T, *, true, false)                              \
    FLOAT_BINARY_KERNEL(kern_div_##SUFFIX, T, /, true, true)                               \
    KERN_DECLARE(kern_neg_##SUFFIX)                                                        \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        UNARY_LOOP(T, args[0], sel, count, ov[r] = -x;);                                   \
        return NULL;                                                                       \
    }                                                                                      \
    KERN_DECLARE(kern_abs_##SUFFIX)                                                        \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        UNARY_LOOP(T, args[0], sel, count, ov[r] = (T)fabs(x););                           \
        return NULL;                                                                       \
    }

FLOAT_FAMILY(f32, float)
FLOAT_FAMILY(f64, double)

/* ---- numeric ---------------------------------------------------------------------------------- */

typedef enum NumOp { NUM_ADD, NUM_SUB, NUM_MUL, NUM_DIV, NUM_MOD } NumOp;

static Error *num_general_op(NumOp op, const Numeric *x, const Numeric *y, Arena *arena,
                             Numeric *z)
{
    switch (op) {
    case NUM_ADD: return numeric_add(x, y, arena, z);
    case NUM_SUB: return numeric_sub(x, y, arena, z);
    case NUM_MUL: return numeric_mul(x, y, arena, z);
    case NUM_DIV: return numeric_div(x, y, arena, z);
    case NUM_MOD: return numeric_mod(x, y, arena, z);
    }
    return NULL;
}

/* num_fast: both NUM64: compute in int64 at the result scale; false if anything overflowed
 * (then the caller redoes the vector in the general form). */
static bool num_fast(NumOp op, const Vector *a, const Vector *b, const uint16_t *sel,
                     uint32_t count, Vector *out, bool *zero_out)
{
    int32_t sa = a->numeric_scale, sb = b->numeric_scale;
    int32_t scale = op == NUM_MUL ? sa + sb : (sa > sb ? sa : sb);
    if (scale > 18 || op == NUM_DIV) return false;
    int64_t fa = KERN_POW10[op == NUM_MUL ? 0 : scale - sa];
    int64_t fb = KERN_POW10[op == NUM_MUL ? 0 : scale - sb];
    int64_t *ov = vec_i64(out);
    bool overflow = false, zero = false;
    switch (op) {
    case NUM_ADD:
        BINARY_LOOP(int64_t, int64_t, a, b, sel, count, int64_t xs, ys;
                    overflow |= __builtin_mul_overflow(x, fa, &xs) |
                                __builtin_mul_overflow(y, fb, &ys) |
                                __builtin_add_overflow(xs, ys, &ov[r]););
        break;
    case NUM_SUB:
        BINARY_LOOP(int64_t, int64_t, a, b, sel, count, int64_t xs, ys;
                    overflow |= __builtin_mul_overflow(x, fa, &xs) |
                                __builtin_mul_overflow(y, fb, &ys) |
                                __builtin_sub_overflow(xs, ys, &ov[r]););
        break;
    case NUM_MUL:
        BINARY_LOOP(int64_t, int64_t, a, b, sel, count,
                    overflow |= __builtin_mul_overflow(x, y, &ov[r]););
        break;
    case NUM_MOD:
        BINARY_LOOP(int64_t, int64_t, a, b, sel, count, int64_t xs = 0, ys = 0;
                    overflow |= __builtin_mul_overflow(x, fa, &xs) |
                                __builtin_mul_overflow(y, fb, &ys);
                    if (ys == 0) { zero |= row_valid(out, r); ov[r] = 0; }
                    else ov[r] = ys == -1 ? 0 : xs % ys;);
        break;
    case NUM_DIV: return false;
    }
    if (overflow && out->validity != NULL) {
        /* the flag may come from a NULL row's garbage: look for a valid row that overflows */
        overflow = false;
        BINARY_LOOP(int64_t, int64_t, a, b, sel, count, int64_t xs, ys, zs;
                    bool row_overflow = __builtin_mul_overflow(op == NUM_MUL ? x : x, op == NUM_MUL ? 1 : fa, &xs) |
                                        __builtin_mul_overflow(y, op == NUM_MUL ? 1 : fb, &ys) |
                                        (op == NUM_MUL ? __builtin_mul_overflow(xs, ys, &zs) :
                                         op == NUM_SUB ? __builtin_sub_overflow(xs, ys, &zs) :
                                                         __builtin_add_overflow(xs, ys, &zs));
                    overflow |= row_overflow && row_valid(out, r););
    }
    if (overflow) return false;
    out->numeric_scale = (int16_t)scale;
    *zero_out = zero;
    return true;
}

static Error *num_binary(KernCtx *ctx, NumOp op, const Vector *const *args,
                         const uint16_t *sel, uint32_t count, Vector *out)
{
    const Vector *a = args[0], *b = args[1];
    TRY(kern_out_begin(out, args, 2, sel, count));
    if (a->phys == VEC_PHYS_NUM64 && b->phys == VEC_PHYS_NUM64) {
        out->phys = VEC_PHYS_NUM64;
        bool zero = false;
        if (num_fast(op, a, b, sel, count, out, &zero)) {
            return zero ? kern_err_div_zero() : NULL;
        }
    }
    if (out->phys != VEC_PHYS_NUMERIC || out->capacity < kern_span(sel, count)) {
        TRY(kern_num_out_general(out, sel, count));
    }
    Numeric *ov = vec_numeric(out);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) {
            ov[r] = numeric_make_zero(0);
            continue;
        }
        Numeric x, y;
        TRY(kern_num_get(a, r, ctx->arena, &x));
        TRY(kern_num_get(b, r, ctx->arena, &y));
        TRY(num_general_op(op, &x, &y, out->arena, &ov[r]));
    });
    return NULL;
}

KERN_DECLARE(kern_add_num) { return num_binary(ctx, NUM_ADD, args, sel, count, out); }
KERN_DECLARE(kern_sub_num) { return num_binary(ctx, NUM_SUB, args, sel, count, out); }
KERN_DECLARE(kern_mul_num) { return num_binary(ctx, NUM_MUL, args, sel, count, out); }
KERN_DECLARE(kern_div_num) { return num_binary(ctx, NUM_DIV, args, sel, count, out); }
KERN_DECLARE(kern_mod_num) { return num_binary(ctx, NUM_MOD, args, sel, count, out); }

static Error *num_unary(KernCtx *ctx, bool is_abs, const Vector *const *args, const uint16_t *sel,
                        uint32_t count, Vector *out)
{
    const Vector *a = args[0];
    TRY(kern_out_begin(out, args, 1, sel, count));
    if (a->phys == VEC_PHYS_NUM64) {
        out->phys = VEC_PHYS_NUM64;
        out->numeric_scale = a->numeric_scale;
        int64_t *ov = vec_i64(out);
        bool overflow = false;
        UNARY_LOOP(int64_t, a, sel, count, overflow |= x == INT64_MIN;
                   ov[r] = x == INT64_MIN ? 0 : (is_abs && x >= 0 ? x : -x););
        if (!overflow) return NULL;
    }
    TRY(kern_num_out_general(out, sel, count));
    Numeric *ov = vec_numeric(out);
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) {
            ov[r] = numeric_make_zero(0);
            continue;
        }
        Numeric x;
        TRY(kern_num_get(a, r, ctx->arena, &x));
        TRY(is_abs ? numeric_abs(&x, out->arena, &ov[r]) : numeric_negate(&x, out->arena, &ov[r]));
    });
    return NULL;
}

KERN_DECLARE(kern_neg_num) { return num_unary(ctx, false, args, sel, count, out); }
KERN_DECLARE(kern_abs_num) { return num_unary(ctx, true, args, sel, count, out); }

/* ---- bitwise operators over integers (& | # ~ << >>): no errors; shifts take the count
 * modulo the width as the C operators on PostgreSQL's platforms do ---------------------------- */
#define INT_BITWISE(SUFFIX, T, UT, BITS)                                                   \
    KERN_DECLARE(kern_bitand_##SUFFIX)                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        BINARY_LOOP(T, T, args[0], args[1], sel, count, ov[r] = (T)(x & y););              \
        return NULL;                                                                       \
    }                                                                                      \
    KERN_DECLARE(kern_bitor_##SUFFIX)                                                      \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        BINARY_LOOP(T, T, args[0], args[1], sel, count, ov[r] = (T)(x | y););              \
        return NULL;                                                                       \
    }                                                                                      \
    KERN_DECLARE(kern_bitxor_##SUFFIX)                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        BINARY_LOOP(T, T, args[0], args[1], sel, count, ov[r] = (T)(x ^ y););              \
        return NULL;                                                                       \
    }                                                                                      \
    KERN_DECLARE(kern_bitnot_##SUFFIX)                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        UNARY_LOOP(T, args[0], sel, count, ov[r] = (T)~x;);                                \
        return NULL;                                                                       \
    }                                                                                      \
    KERN_DECLARE(kern_shl_##SUFFIX)                                                        \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        BINARY_LOOP(T, int32_t, args[0], args[1], sel, count,                              \
                    ov[r] = (T)((UT)x << ((uint32_t)y & (BITS - 1))););                    \
        return NULL;                                                                       \
    }                                                                                      \
    KERN_DECLARE(kern_shr_##SUFFIX)                                                        \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        BINARY_LOOP(T, int32_t, args[0], args[1], sel, count,                              \
                    ov[r] = (T)(x >> ((uint32_t)y & (BITS - 1))););                        \
        return NULL;                                                                       \
    }

INT_BITWISE(i32, int32_t, uint32_t, 32)
INT_BITWISE(i64, int64_t, uint64_t, 64)
