/* executor/kern_cast.c: casts among smallint, integer, bigint, real, double precision and
 * numeric with PostgreSQL's rounding and range errors, and bool <-> integer. */
#include <stdio.h>
#include <stdlib.h>

#include "executor/kern_int.h"

/* ---- integer and float sources to integer and float targets ---------------------------------- */

/* range-checked: the flag is raised only for valid rows. */
#define INT_TO_INT(NAME, TF, TT, PHYS, MINV, MAXV)                                         \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        TT *ov = (TT *)out->data;                                                          \
        bool overflow = false;                                                             \
        UNARY_LOOP(TF, args[0], sel, count,                                                \
                   overflow |= (x < MINV || x > MAXV) && row_valid(out, r); ov[r] = (TT)x;); \
        return overflow ? kern_err_int_range(PHYS) : NULL;                                 \
    }

#define TO_FLOAT(NAME, TF, TT)                                                             \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        TT *ov = (TT *)out->data;                                                          \
        UNARY_LOOP(TF, args[0], sel, count, ov[r] = (TT)x;);                               \
        return NULL;                                                                       \
    }

/* float -> int: rint (half to even), then the range check of PostgreSQL's FLOAT8_FITS_IN_*. */
#define FLOAT_TO_INT(NAME, TF, TT, PHYS, MINV)                                             \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        TT *ov = (TT *)out->data;                                                          \
        bool overflow = false;                                                             \
        UNARY_LOOP(TF, args[0], sel, count, double rounded = rint((double)x);              \
                   bool fits = rounded >= (double)MINV && rounded < -(double)MINV;         \
                   overflow |= !fits && row_valid(out, r); ov[r] = fits ? (TT)rounded : 0;); \
        return overflow ? kern_err_int_range(PHYS) : NULL;                                 \
    }

TO_FLOAT(kern_cast_i16_i32, int16_t, int32_t)   /* widening: no check */
TO_FLOAT(kern_cast_i16_i64, int16_t, int64_t)
INT_TO_INT(kern_cast_i32_i16, int32_t, int16_t, VEC_PHYS_I16, INT16_MIN, INT16_MAX)
TO_FLOAT(kern_cast_i32_i64, int32_t, int64_t)
INT_TO_INT(kern_cast_i64_i16, int64_t, int16_t, VEC_PHYS_I16, INT16_MIN, INT16_MAX)
INT_TO_INT(kern_cast_i64_i32, int64_t, int32_t, VEC_PHYS_I32, INT32_MIN, INT32_MAX)
TO_FLOAT(kern_cast_i16_f32, int16_t, float)
TO_FLOAT(kern_cast_i16_f64, int16_t, double)
TO_FLOAT(kern_cast_i32_f32, int32_t, float)
TO_FLOAT(kern_cast_i32_f64, int32_t, double)
TO_FLOAT(kern_cast_i64_f32, int64_t, float)
TO_FLOAT(kern_cast_i64_f64, int64_t, double)
TO_FLOAT(kern_cast_f32_f64, float, double)
FLOAT_TO_INT(kern_cast_f32_i16, float, int16_t, VEC_PHYS_I16, INT16_MIN)
FLOAT_TO_INT(kern_cast_f32_i32, float, int32_t, VEC_PHYS_I32, INT32_MIN)
FLOAT_TO_INT(kern_cast_f32_i64, float, int64_t, VEC_PHYS_I64, INT64_MIN)
FLOAT_TO_INT(kern_cast_f64_i16, double, int16_t, VEC_PHYS_I16, INT16_MIN)
FLOAT_TO_INT(kern_cast_f64_i32, double, int32_t, VEC_PHYS_I32, INT32_MIN)
FLOAT_TO_INT(kern_cast_f64_i64, double, int64_t, VEC_PHYS_I64, INT64_MIN)

/* float8 -> float4: PostgreSQL's float84 overflow and underflow checks. */
KERN_DECLARE(kern_cast_f64_f32)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    float *ov = vec_f32(out);
    UNARY_LOOP(double, args[0], sel, count, {
        float z = (float)x;
        ov[r] = z;
        if (row_valid(out, r)) {
            if (isinf(z) && !isinf(x)) return kern_err_float_overflow();
            if (z == 0.0f && x != 0.0) return kern_err_float_underflow();
        }
    });
    return NULL;
}

KERN_DECLARE(kern_cast_bool_i32)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    int32_t *ov = vec_i32(out);
    UNARY_LOOP(uint8_t, args[0], sel, count, ov[r] = x != 0;);
    return NULL;
}

KERN_DECLARE(kern_cast_i32_bool)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    uint8_t *ov = vec_bool(out);
    UNARY_LOOP(int32_t, args[0], sel, count, ov[r] = x != 0;);
    return NULL;
}

/* ---- to numeric ----------------------------------------------------------------------------------- */

/* store_num: apply out's typmod to num and store it in out's physical form. */
static Error *store_num(KernCtx *ctx, Vector *out, uint32_t row_idx, const Numeric *num)
{
    Numeric fitted;
    TRY(numeric_apply_typmod(num, out->type.typmod, ctx->arena, &fitted));
    if (out->phys == VEC_PHYS_NUM64) {
        if (numeric_to_scaled_i64(&fitted, out->numeric_scale, &vec_i64(out)[row_idx])) return NULL;
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
    }
    return vec_numeric_set(out, row_idx, &fitted);
}

static void clear_null_numeric(Vector *out, uint32_t row_idx)
{
    if (out->phys == VEC_PHYS_NUMERIC) vec_numeric(out)[row_idx] = numeric_make_zero(0);
    else vec_i64(out)[row_idx] = 0;
}

/* int -> numeric: NUM64 targets scale in int64 while the value keeps within the precision; the
 * general path produces PostgreSQL's "numeric field overflow" with its detail otherwise. */
#define INT_TO_NUM(NAME, TF)                                                               \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        int64_t limit = 0;                                                                 \
        if (out->phys == VEC_PHYS_NUM64) {                                                 \
            int32_t precision = numeric_typmod_precision(out->type.typmod);                \
            limit = precision >= 18 ? INT64_MAX : KERN_POW10[precision] - 1;               \
        }                                                                                  \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) { clear_null_numeric(out, r); continue; }              \
            int64_t x = ((const TF *)args[0]->data)[args[0]->is_constant ? 0 : r];         \
            int64_t scaled;                                                                \
            if (out->phys == VEC_PHYS_NUM64 &&                                             \
                !__builtin_mul_overflow(x, KERN_POW10[out->numeric_scale], &scaled) &&     \
                scaled <= limit && scaled >= -limit) {                                     \
                vec_i64(out)[r] = scaled;                                                  \
                continue;                                                                  \
            }                                                                              \
            Numeric num;                                                                   \
            TRY(numeric_from_int64(x, ctx->arena, &num));                                  \
            TRY(store_num(ctx, out, r, &num));                                             \
        });                                                                                \
        return NULL;                                                                       \
    }

INT_TO_NUM(kern_cast_i16_num, int16_t)
INT_TO_NUM(kern_cast_i32_num, int32_t)
INT_TO_NUM(kern_cast_i64_num, int64_t)

#define FLOAT_TO_NUM(NAME, TF, CONVERT)                                                    \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) { clear_null_numeric(out, r); continue; }              \
            TF x = ((const TF *)args[0]->data)[args[0]->is_constant ? 0 : r];              \
            Numeric num;                                                                   \
            TRY(CONVERT(x, ctx->arena, &num));                                             \
            TRY(store_num(ctx, out, r, &num));                                             \
        });                                                                                \
        return NULL;                                                                       \
    }

FLOAT_TO_NUM(kern_cast_f32_num, float, numeric_from_float)
FLOAT_TO_NUM(kern_cast_f64_num, double, numeric_from_double)

/* numeric -> numeric(p,s) */
KERN_DECLARE(kern_cast_num_num)
{
    const Vector *a = args[0];
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) { clear_null_numeric(out, r); continue; }
        Numeric num;
        TRY(kern_num_get(a, r, ctx->arena, &num));
        TRY(store_num(ctx, out, r, &num));
    });
    return NULL;
}

/* ---- from numeric ---------------------------------------------------------------------------------- */

/* num64_round: value / 10^scale rounded half away from zero. */
static inline int64_t num64_round(int64_t value, int32_t scale)
{
    if (scale == 0) return value;
    int64_t divisor = KERN_POW10[scale];
    int64_t quotient = value / divisor, remainder = value % divisor;
    if (remainder < 0 ? -remainder >= divisor - (-remainder) : remainder >= divisor - remainder) {
        quotient += value < 0 ? -1 : 1;
    }
    return quotient;
}

#define NUM_TO_INT(NAME, TT, PHYS, MINV, MAXV, CONVERT)                                    \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        const Vector *a = args[0];                                                         \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        TT *ov = (TT *)out->data;                                                          \
        if (a->phys == VEC_PHYS_NUM64) {                                                   \
            bool overflow = false;                                                         \
            UNARY_LOOP(int64_t, a, sel, count, int64_t z = num64_round(x, a->numeric_scale); \
                       overflow |= (z < MINV || z > MAXV) && row_valid(out, r);            \
                       ov[r] = (TT)z;);                                                    \
            return overflow ? kern_err_int_range(PHYS) : NULL;                             \
        }                                                                                  \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) continue;                                              \
            TRY(CONVERT(&vec_numeric(a)[a->is_constant ? 0 : r], &ov[r]));                 \
        });                                                                                \
        return NULL;                                                                       \
    }

NUM_TO_INT(kern_cast_num_i16, int16_t, VEC_PHYS_I16, INT16_MIN, INT16_MAX, numeric_to_int16)
NUM_TO_INT(kern_cast_num_i32, int32_t, VEC_PHYS_I32, INT32_MIN, INT32_MAX, numeric_to_int32)
NUM_TO_INT(kern_cast_num_i64, int64_t, VEC_PHYS_I64, INT64_MIN, INT64_MAX, numeric_to_int64)

/* numeric -> float: the nearest double to the exact decimal (through numeric.h for NUMERIC and
 * through the printed digits for NUM64, which is what PostgreSQL does). */
#define NUM_TO_FLOAT(NAME, TT, CONVERT)                                                    \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        const Vector *a = args[0];                                                         \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        TT *ov = (TT *)out->data;                                                          \
        if (a->phys == VEC_PHYS_NUM64) {                                                   \
            char buffer[64];                                                               \
            UNARY_LOOP(int64_t, a, sel, count,                                             \
                       if (a->numeric_scale == 0) ov[r] = (TT)x;                           \
                       else {                                                              \
                           numeric_i64_format(x, a->numeric_scale, buffer);                \
                           ov[r] = (TT)strtod(buffer, NULL);                               \
                       });                                                                 \
            return NULL;                                                                   \
        }                                                                                  \
        FOR_ROWS(sel, count, {                                                             \
            if (!row_valid(out, r)) continue;                                              \
            TRY(CONVERT(&vec_numeric(a)[a->is_constant ? 0 : r], &ov[r]));                 \
        });                                                                                \
        return NULL;                                                                       \
    }

NUM_TO_FLOAT(kern_cast_num_f64, double, numeric_to_double)
NUM_TO_FLOAT(kern_cast_num_f32, float, numeric_to_float)
