/* executor/kern_math.c: math functions over double precision and numeric, and GREATEST/LEAST.
 * Float functions raise PostgreSQL's errors (domain errors 2201E/2201F, overflow/underflow
 * 22003); numeric ones are common/numeric.h's and return the general form. */
#include <time.h>

#include "executor/kern_array.h"   /* width_bucket: packed arguments */
#include "executor/kern_funcs.h"
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

/* ---- gcd, lcm, trigonometry, random, width_bucket (kern_funcs.h) ------------------------------- */

static Error *gcd_lcm_range(bool wide)
{
    return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, wide ? "bigint out of range" : "integer out of range");
}

/* gcd_i64: PostgreSQL's int4gcd/int8gcd: the result is non-negative; MIN with 0 or MIN is out
 * of range (its magnitude does not fit). */
static Error *gcd_i64(int64_t a, int64_t b, int64_t min, bool wide, int64_t *out)
{
    if ((a == min && (b == 0 || b == min)) || (b == min && a == 0)) return gcd_lcm_range(wide);
    /* work with non-positive values so MIN is representable */
    int64_t x = a > 0 ? -a : a, y = b > 0 ? -b : b;
    while (y != 0) {
        int64_t t = x % y;
        x = y;
        y = t;
    }
    *out = -x;
    return NULL;
}

static Error *lcm_i64(int64_t a, int64_t b, int64_t min, int64_t max, bool wide, int64_t *out)
{
    if (a == 0 || b == 0) {
        *out = 0;
        return NULL;
    }
    int64_t g = 0;
    TRY(gcd_i64(a, b, min, wide, &g));
    int64_t q = a / g;
    int64_t product;
    if (__builtin_mul_overflow(q, b, &product) || product < -max || product > max) {
        return gcd_lcm_range(wide);
    }
    *out = product < 0 ? -product : product;
    return NULL;
}

#define GCD_KERNEL(NAME, T, MIN, MAX, WIDE, IS_LCM)                                        \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        (void)ctx;                                                                         \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        T *ov = (T *)out->data;                                                            \
        BINARY_LOOP(T, T, args[0], args[1], sel, count, {                                  \
            if (!row_valid(out, r)) continue;                                              \
            int64_t z = 0;                                                                 \
            if (IS_LCM) TRY(lcm_i64(x, y, MIN, MAX, WIDE, &z));                            \
            else TRY(gcd_i64(x, y, MIN, WIDE, &z));                                        \
            ov[r] = (T)z;                                                                  \
        });                                                                                \
        return NULL;                                                                       \
    }
GCD_KERNEL(kern_gcd_i32, int32_t, INT32_MIN, INT32_MAX, false, false)
GCD_KERNEL(kern_gcd_i64, int64_t, INT64_MIN, INT64_MAX, true, false)
GCD_KERNEL(kern_lcm_i32, int32_t, INT32_MIN, INT32_MAX, false, true)
GCD_KERNEL(kern_lcm_i64, int64_t, INT64_MIN, INT64_MAX, true, true)

static Error *input_out_of_range(void)
{
    return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "input is out of range");
}

static const double KERN_PI = 3.14159265358979323846;

F64_KERNEL(kern_degrees_f64, z = x * (180.0 / KERN_PI); TRY(check_float_result(z, x, false));)
F64_KERNEL(kern_radians_f64, z = x * (KERN_PI / 180.0); TRY(check_float_result(z, x, true));)
F64_KERNEL(kern_sin_f64, if (isinf(x)) return input_out_of_range(); z = sin(x);)
F64_KERNEL(kern_cos_f64, if (isinf(x)) return input_out_of_range(); z = cos(x);)
F64_KERNEL(kern_tan_f64, if (isinf(x)) return input_out_of_range(); z = tan(x);)
F64_KERNEL(kern_cot_f64, if (isinf(x)) return input_out_of_range(); z = 1.0 / tan(x);)
F64_KERNEL(kern_asin_f64, if (x < -1 || x > 1) return input_out_of_range(); z = asin(x);)
F64_KERNEL(kern_acos_f64, if (x < -1 || x > 1) return input_out_of_range(); z = acos(x);)
F64_KERNEL(kern_atan_f64, z = atan(x);)

KERN_DECLARE(kern_atan2_f64)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 2, sel, count));
    double *ov = vec_f64(out);
    BINARY_LOOP(double, double, args[0], args[1], sel, count, {
        if (!row_valid(out, r)) continue;
        ov[r] = atan2(x, y);
    });
    return NULL;
}

/* random(): uniform in [0, 1); a per-thread xorshift generator seeded from the clock. */
static _Thread_local uint64_t random_state;

static double next_random(void)
{
    if (random_state == 0) {
        struct timespec now;
        timespec_get(&now, TIME_UTC);
        random_state = ((uint64_t)now.tv_sec * 1000000007u) ^ (uint64_t)now.tv_nsec ^
                       (uint64_t)(uintptr_t)&random_state;
        if (random_state == 0) random_state = 0x9E3779B97F4A7C15u;
    }
    random_state ^= random_state << 13;
    random_state ^= random_state >> 7;
    random_state ^= random_state << 17;
    return (double)(random_state >> 11) * (1.0 / 9007199254740992.0);
}

KERN_DECLARE(kern_random_f64)
{
    (void)ctx;
    (void)args;
    TRY(kern_out_reserve(out, sel, count));
    double *ov = vec_f64(out);
    FOR_ROWS(sel, count, ov[r] = next_random(););
    return NULL;
}

/* width_bucket(operand, low, high, count) over the packed float8[] of the four. */
static Error *width_bucket_err(const char *message)
{
    return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_WIDTH_BUCKET, "%s", message);
}

static Error *width_bucket_row(double operand, double low, double high, double count_value,
                               int32_t *bucket_out)
{
    int32_t buckets = (int32_t)count_value;
    if (buckets <= 0) return width_bucket_err("count must be greater than zero");
    if (isnan(operand) || isnan(low) || isnan(high)) {
        return width_bucket_err("operand, lower bound, and upper bound cannot be NaN");
    }
    if (isinf(low) || isinf(high)) {
        return width_bucket_err("lower and upper bounds must be finite");
    }
    if (low == high) return width_bucket_err("lower bound cannot equal upper bound");
    int64_t bucket;
    if (low < high) {
        if (operand < low) bucket = 0;
        else if (operand >= high) bucket = (int64_t)buckets + 1;
        else bucket = (int64_t)(buckets * ((operand - low) / (high - low))) + 1;
    } else {
        if (operand > low) bucket = 0;
        else if (operand <= high) bucket = (int64_t)buckets + 1;
        else bucket = (int64_t)(buckets * ((low - operand) / (low - high))) + 1;
    }
    if (bucket > INT32_MAX) {
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range");
    }
    if (bucket > buckets && operand < high && low < high) bucket = buckets;
    *bucket_out = (int32_t)bucket;
    return NULL;
}

KERN_DECLARE(kern_width_bucket_packed)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        ArrayView view;
        TRY(kern_array_view(args[0], args[0]->is_constant ? 0 : r, &view));
        double v[4] = { 0, 0, 0, 0 };
        bool is_null = view.count != 4;
        ArrayIter iter = array_iter(&view);
        const uint8_t *data;
        int32_t size;
        for (int idx = 0; idx < 4 && !is_null && array_next(&iter, &data, &size); idx++) {
            if (data == NULL || size != 8) {
                is_null = true;
                break;
            }
            uint64_t bits = 0;
            for (int byte_idx = 0; byte_idx < 8; byte_idx++) bits = bits << 8 | data[byte_idx];
            memcpy(&v[idx], &bits, sizeof bits);
        }
        if (is_null) {
            TRY(vec_set_null(out, r));
            continue;
        }
        TRY(width_bucket_row(v[0], v[1], v[2], v[3], &vec_i32(out)[r]));
    });
    return NULL;
}
