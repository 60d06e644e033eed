/* executor/kern_math.c: math functions over double precision and numeric, and GREATEST/LEAST.
 * Float functions raise PostgreSQL's errors (domain errors 2201E/2201F, overflow/underflow
 * 22003); numeric ones are common/numeric.h's and return the general form. */
#include "executor/kern_int.h"

static Error *err_sqrt_negative(void)
{
    return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                   "cannot take square root of a negative number");
}

/* check_float_result: PostgreSQL's float_overflow/underflow checks of a function of x. */
static inline Error *check_float_result(double z, double x, bool may_underflow)
{
    if (isinf(z) && !isinf(x)) return kern_err_float_overflow();
    if (may_underflow && z == 0 && !isinf(x)) return kern_err_float_underflow();
    return NULL;
}

static Error *log_domain(double x)
{
    if (x == 0) {
        return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_LOGARITHM, "cannot take logarithm of zero");
    }
    if (x < 0) {
        return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_LOGARITHM,
                       "cannot take logarithm of a negative number");
    }
    return NULL;
}

/* F64_KERNEL: the body computes z from x for a valid row; CHECK may return an Error. */
#define F64_KERNEL(NAME, ...)                                                              \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 1, sel, count));                                     \
        double *ov = vec_f64(out);                                                         \
        bool nulls = out->validity != NULL;                                                \
        UNARY_LOOP(double, args[0], sel, count, {                                          \
            if (nulls && !row_valid(out, r)) continue;                                     \
            double z;                                                                      \
            __VA_ARGS__                                                                    \
            ov[r] = z;                                                                     \
        });                                                                                \
        return NULL;                                                                       \
    }

F64_KERNEL(kern_ceil_f64, z = ceil(x);)
F64_KERNEL(kern_floor_f64, z = floor(x);)
F64_KERNEL(kern_round_f64, z = rint(x);)
F64_KERNEL(kern_trunc_f64, z = trunc(x);)
F64_KERNEL(kern_sign_f64, z = x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;)
F64_KERNEL(kern_cbrt_f64, z = cbrt(x);)
F64_KERNEL(kern_sqrt_f64, if (x < 0) return err_sqrt_negative(); z = sqrt(x);)
F64_KERNEL(kern_exp_f64, z = exp(x); TRY(check_float_result(z, x, true));)
F64_KERNEL(kern_ln_f64, TRY(log_domain(x)); z = log(x);)
F64_KERNEL(kern_log10_f64, TRY(log_domain(x)); z = log10(x);)

KERN_DECLARE(kern_power_f64)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    double *ov = vec_f64(out);
    BINARY_LOOP(double, double, args[0], args[1], sel, count, {
        if (!row_valid(out, r)) continue;
        if (x == 0 && y < 0) {
            return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                           "zero raised to a negative power is undefined");
        }
        if (x < 0 && floor(y) != y && !isinf(y)) {
            return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                           "a negative number raised to a non-integer power yields a complex result");
        }
        double z = pow(x, y);
        if (isinf(z) && !isinf(x) && !isinf(y)) return kern_err_float_overflow();
        if (z == 0 && x != 0 && !isinf(x) && !isinf(y)) return kern_err_float_underflow();
        ov[r] = z;
    });
    return NULL;
}

/* ---- numeric ------------------------------------------------------------------------------------ */

typedef Error *(*NumUnaryFn)(const Numeric *num, Arena *arena, Numeric *out);
typedef Error *(*NumBinaryFn)(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out);

static Error *num_unary(KernCtx *ctx, NumUnaryFn fn, const Vector *const *args,
                        const uint16_t *sel, uint32_t count, Vector *out)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    TRY(kern_num_out_general(out, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        Numeric x;
        TRY(kern_num_get(args[0], r, ctx->arena, &x));
        TRY(fn(&x, out->arena, &vec_numeric(out)[r]));
    });
    return NULL;
}

static Error *num_binary(KernCtx *ctx, NumBinaryFn fn, const Vector *const *args,
                         const uint16_t *sel, uint32_t count, Vector *out)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    TRY(kern_num_out_general(out, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        Numeric x, y;
        TRY(kern_num_get(args[0], r, ctx->arena, &x));
        TRY(kern_num_get(args[1], r, ctx->arena, &y));
        TRY(fn(&x, &y, out->arena, &vec_numeric(out)[r]));
    });
    return NULL;
}

static Error *num_round0(const Numeric *num, Arena *arena, Numeric *out)
{
    return numeric_round(num, 0, arena, out);
}

static Error *num_trunc0(const Numeric *num, Arena *arena, Numeric *out)
{
    return numeric_trunc(num, 0, arena, out);
}

KERN_DECLARE(kern_ceil_num) { return num_unary(ctx, numeric_ceil, args, sel, count, out); }
KERN_DECLARE(kern_floor_num) { return num_unary(ctx, numeric_floor, args, sel, count, out); }
KERN_DECLARE(kern_round_num) { return num_unary(ctx, num_round0, args, sel, count, out); }
KERN_DECLARE(kern_trunc_num) { return num_unary(ctx, num_trunc0, args, sel, count, out); }
KERN_DECLARE(kern_sqrt_num) { return num_unary(ctx, numeric_sqrt, args, sel, count, out); }
KERN_DECLARE(kern_exp_num) { return num_unary(ctx, numeric_exp, args, sel, count, out); }
KERN_DECLARE(kern_ln_num) { return num_unary(ctx, numeric_ln, args, sel, count, out); }
KERN_DECLARE(kern_log10_num) { return num_unary(ctx, numeric_log10, args, sel, count, out); }
KERN_DECLARE(kern_sign_num) { return num_unary(ctx, numeric_sign, args, sel, count, out); }
KERN_DECLARE(kern_power_num) { return num_binary(ctx, numeric_power, args, sel, count, out); }
KERN_DECLARE(kern_log2_num) { return num_binary(ctx, numeric_log, args, sel, count, out); }

/* round(numeric, int4) / trunc(numeric, int4) */
static Error *num_scale_fn(KernCtx *ctx, bool is_round, const Vector *const *args,
                           const uint16_t *sel, uint32_t count, Vector *out)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    TRY(kern_num_out_general(out, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        Numeric x;
        TRY(kern_num_get(args[0], r, ctx->arena, &x));
        int32_t scale = vec_i32(args[1])[args[1]->is_constant ? 0 : r];
        Numeric *z = &vec_numeric(out)[r];
        TRY(is_round ? numeric_round(&x, scale, out->arena, z) : numeric_trunc(&x, scale, out->arena, z));
    });
    return NULL;
}

KERN_DECLARE(kern_round2_num) { return num_scale_fn(ctx, true, args, sel, count, out); }
KERN_DECLARE(kern_trunc2_num) { return num_scale_fn(ctx, false, args, sel, count, out); }

/* ---- GREATEST / LEAST: NULL arguments are ignored ---------------------------------------------- */

#define MINMAX2_KERNEL(NAME, T, LESS, WANT_GREATEST)                                       \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        const Vector *a = args[0], *b = args[1];                                           \
        TRY(kern_out_reserve(out, sel, count));                                            \
        T *ov = (T *)out->data;                                                            \
        bool nulls = kern_any_nulls(args, 2);                                              \
        if (nulls) TRY(vec_validity_ensure(out));                                          \
        BINARY_LOOP(T, T, a, b, sel, count, {                                              \
            bool an = nulls && !row_valid(a, r), bn = nulls && !row_valid(b, r);           \
            bool take_b = an || (!bn && (WANT_GREATEST ? LESS(x, y) : LESS(y, x)));        \
            ov[r] = take_b ? y : x;                                                        \
            if (an && bn) out->validity[r >> 6] &= ~(UINT64_C(1) << (r & 63));             \
        });                                                                                \
        return NULL;                                                                       \
    }

#define LESS_PLAIN(x, y) ((x) < (y))
#define LESS_FLOAT(x, y) (float_cmp((x), (y)) < 0)
#define LESS_STR(x, y) (str_view_cmp(&(x), &(y)) < 0)
MINMAX2_KERNEL(kern_greatest_i16, int16_t, LESS_PLAIN, true)
MINMAX2_KERNEL(kern_least_i16, int16_t, LESS_PLAIN, false)
MINMAX2_KERNEL(kern_greatest_i32, int32_t, LESS_PLAIN, true)
MINMAX2_KERNEL(kern_least_i32, int32_t, LESS_PLAIN, false)
MINMAX2_KERNEL(kern_greatest_i64, int64_t, LESS_PLAIN, true)
MINMAX2_KERNEL(kern_least_i64, int64_t, LESS_PLAIN, false)
MINMAX2_KERNEL(kern_greatest_f64, double, LESS_FLOAT, true)
MINMAX2_KERNEL(kern_least_f64, double, LESS_FLOAT, false)
MINMAX2_KERNEL(kern_greatest_str, StrView, LESS_STR, true)
MINMAX2_KERNEL(kern_least_str, StrView, LESS_STR, false)

static Error *num_minmax2(KernCtx *ctx, bool want_greatest, const Vector *const *args,
                          const uint16_t *sel, uint32_t count, Vector *out)
{
    const Vector *a = args[0], *b = args[1];
    TRY(kern_out_reserve(out, sel, count));
    TRY(kern_num_out_general(out, sel, count));
    Error *err = NULL;
    FOR_ROWS(sel, count, {
        bool an = !row_valid(a, r), bn = !row_valid(b, r);
        if (an && bn) {
            TRY(vec_set_null(out, r));
            vec_numeric(out)[r] = numeric_make_zero(0);
            continue;
        }
        bool take_b = an;
        if (!an && !bn) {
            int cmp = kern_num_cmp_rows(ctx, a, r, b, r, &err);
            if (err != NULL) return err;
            take_b = want_greatest ? cmp < 0 : cmp > 0;
        }
        Numeric value;
        TRY(kern_num_get(take_b ? b : a, r, ctx->arena, &value));
        TRY(vec_numeric_set(out, r, &value));
    });
    return NULL;
}

KERN_DECLARE(kern_greatest_num) { return num_minmax2(ctx, true, args, sel, count, out); }
KERN_DECLARE(kern_least_num) { return num_minmax2(ctx, false, args, sel, count, out); }

/* div(numeric, numeric): the quotient truncated toward zero. */
KERN_DECLARE(kern_div_trunc_num) { return num_binary(ctx, numeric_div_trunc, args, sel, count, out); }

/* pi(): no arguments; every row of the span is valid. */
KERN_DECLARE(kern_pi_f64)
{
    (void)args;
    TRY(kern_out_reserve(out, sel, count));
    double *ov = (double *)out->data;
    FOR_ROWS(sel, count, ov[r] = 3.14159265358979323846;);
    return NULL;
}
