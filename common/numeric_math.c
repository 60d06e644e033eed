/* common/numeric_math.c: sqrt, ln, exp, log and power of NUMERIC (PostgreSQL 15's scales).
 *
 * Each function picks its result scale exactly as PostgreSQL's numeric.c does and follows the
 * same pipeline of rounded steps (for example power = exp(round(round(ln(base)) * exponent))),
 * computing every step with guard digits and rounding it half away from zero. The work happens
 * in a scratch arena; only the result is copied into the caller's arena.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>

#include "common/asserts.h"
#include "common/numeric.h"
#include "common/numeric_int.h"

/* ---- Square root, logarithms, exponential, power ------------------------------------------ */

static const uint16_t DIGITS_POINT_NINE[1] = {9000};    /* 0.9, weight -1 */
static const uint16_t DIGITS_ONE_POINT_ONE[2] = {1, 1000}; /* 1.1, weight 0 */

/* scale10: num * 10^power exactly (dscale lowered by power, at least 0). */
static Error *scale10(const Numeric *num, int64_t power, Arena *arena, Numeric *out)
{
    int64_t quarter = power >= 0 ? power / 4 : -((-power + 3) / 4);
    int32_t rest = (int32_t)(power - quarter * 4);
    uint16_t factor_digit = (uint16_t)NUMERIC_POW10[rest];
    Numeric factor = {.kind = NUMERIC_KIND_FINITE, .digit_count = 1, .digits = &factor_digit};
    TRY(numeric_mul_exact(num, &factor, arena, out));
    if (out->digit_count > 0) out->weight += (int32_t)quarter;
    int64_t dscale = (int64_t)num->dscale - power;
    out->dscale = (int32_t)(dscale > 0 ? dscale : 0);
    return NULL;
}

/* newton_isqrt: floor(sqrt(m)) by Newton's iteration from start, which must be >= it. */
static Error *newton_isqrt(const Numeric *m, Numeric start, Arena *arena, Numeric *out)
{
    Numeric x = start, two = numeric_const_int(NUMERIC_DIGIT_TWO);
    for (int step = 0; step < NUMERIC_NEWTON_STEP_COUNT_MAX; step++) {
        Numeric quotient, sum, next;
        TRY(numeric_div_core(m, &x, 0, arena, &quotient));
        TRY(numeric_add_abs(&x, &quotient, arena, &sum));
        TRY(numeric_div_core(&sum, &two, 0, arena, &next));
        if (numeric_cmp_abs(&next, &x) >= 0) break;
        x = next;
    }
    x.dscale = 0;
    x.negative = 0;
    *out = x;
    return NULL;
}

/* isqrt: floor(sqrt(m)) for a non-negative integer m. A large m first takes the root of its top
 * half recursively, so Newton starts with half the digits right and needs only a step or two. */
static Error *isqrt(const Numeric *m, Arena *arena, Numeric *out)
{
    if (m->digit_count == 0) {
        *out = numeric_make_zero(0);
        return NULL;
    }
    int32_t integer_count = m->weight + 1; /* base-10000 digits of the integer m */
    if (integer_count <= 8) {
        /* 10^ceil(decimals / 2) >= sqrt(m) */
        int32_t half = (numeric_decimal_weight(m) + 2) / 2;
        uint16_t *start_digit = numeric_digits_alloc(arena, 1);
        if (start_digit == NULL) return numeric_err_oom();
        start_digit[0] = (uint16_t)NUMERIC_POW10[half % 4];
        Numeric start = {.kind = NUMERIC_KIND_FINITE, .weight = half / 4, .digit_count = 1,
                         .digits = start_digit};
        return newton_isqrt(m, start, arena, out);
    }
    /* m = high * 10000^(2k) + low: sqrt(m) < (isqrt(high) + 1) * 10000^k */
    int32_t k = integer_count / 4;
    Numeric high = *m, root, one = numeric_const_int(NUMERIC_DIGIT_ONE);
    high.weight -= 2 * k;
    high.dscale = 0;
    TRY(numeric_round_at(&high, 0, false, arena, &high));
    TRY(isqrt(&high, arena, &root));
    TRY(numeric_add_abs(&root, &one, arena, &root));
    root.weight += k;
    return newton_isqrt(m, root, arena, out);
}

/* sqrt_round: sqrt(num) rounded at scale (any sign of scale). Pre: num >= 0 finite. */
static Error *sqrt_round(const Numeric *num, int32_t scale, Arena *arena, Numeric *out)
{
    Numeric m, root;
    TRY(scale10(num, 2 * ((int64_t)scale + 1), arena, &m));
    TRY(numeric_round_at(&m, 0, false, arena, &m));
    m.negative = 0;
    TRY(isqrt(&m, arena, &root));
    TRY(scale10(&root, -((int64_t)scale + 1), arena, &root));
    return numeric_round_at(&root, scale, true, arena, out);
}

/* ln_round: ln(x) rounded at scale, via square roots down to 0.9 < y < 1.1 and the series
 * ln(y) = 2 atanh((y - 1) / (y + 1)). Pre: x > 0 finite. */
static Error *ln_round(const Numeric *x, int32_t scale, Arena *arena, Numeric *out)
{
    double lead = x->digits[0] + (x->digit_count > 1 ? x->digits[1] / 10000.0 : 0.0);
    double approx = fabs(log(lead) + x->weight * NUMERIC_BASE_DECIMALS * log(10.0));
    int32_t sqrt_count_est = approx > 0.09 ? (int32_t)ceil(log2(approx / 0.09)) + 1 : 0;
    int64_t guard = 12 + (int64_t)ceil(0.302 * (sqrt_count_est + 2));
    int64_t work_scale = scale + guard;
    Numeric y = *x, lower = numeric_const_int(DIGITS_POINT_NINE), upper = numeric_const_int(DIGITS_ONE_POINT_ONE);
    lower.weight = -1;
    upper.digit_count = 2;
    upper.digits = (uint16_t *)DIGITS_ONE_POINT_ONE;
    int32_t sqrt_count = 0;
    while ((numeric_cmp_finite(&y, &lower) <= 0 || numeric_cmp_finite(&y, &upper) >= 0) && sqrt_count < 1000) {
        int64_t step_scale = work_scale - numeric_decimal_weight(&y) / 2;
        TRY(sqrt_round(&y, (int32_t)step_scale, arena, &y));
        sqrt_count++;
    }
    Numeric one = numeric_const_int(NUMERIC_DIGIT_ONE), numerator, denominator, z, z_squared, sum, term;
    TRY(numeric_add_finite(&y, &one, true, arena, &numerator));
    TRY(numeric_add_abs(&y, &one, arena, &denominator));
    TRY(numeric_div_round(&numerator, &denominator, (int32_t)work_scale, arena, &z));
    TRY(numeric_mul_round(&z, &z, (int32_t)work_scale, arena, &z_squared));
    sum = z;
    term = z;
    for (int64_t odd = 3; odd < 2 * NUMERIC_SERIES_TERM_COUNT_MAX; odd += 2) {
        Numeric divisor, quotient;
        TRY(numeric_mul_round(&term, &z_squared, (int32_t)work_scale, arena, &term));
        TRY(numeric_from_int64(odd, arena, &divisor));
        TRY(numeric_div_round(&term, &divisor, (int32_t)work_scale, arena, &quotient));
        if (quotient.digit_count == 0) break;
        TRY(numeric_add_finite(&sum, &quotient, quotient.negative, arena, &sum));
    }
    /* ln(x) = 2^(sqrt_count + 1) * atanh sum */
    Numeric two = numeric_const_int(NUMERIC_DIGIT_TWO);
    for (int32_t doubling = 0; doubling <= sqrt_count; doubling++) {
        TRY(numeric_mul_exact(&sum, &two, arena, &sum));
    }
    return numeric_round_at(&sum, scale, true, arena, out);
}

/* exp_round: exp(x) rounded at scale, via x / 2^n, the Taylor series and n squarings.
 * Pre: |x| < 6000. */
static Error *exp_round(const Numeric *x, int32_t scale, Arena *arena, Numeric *out)
{
    double x_double = numeric_to_double_no_overflow(x);
    int64_t result_dweight = (int64_t)floor(x_double * 0.434294481903252);
    int64_t significant = scale + result_dweight + 1;
    if (significant < 1) significant = 1;
    int32_t halvings = fabs(x_double) > 0.01 ? (int32_t)ceil(log2(fabs(x_double) / 0.01)) : 0;
    int64_t work_scale = significant + 13 + (int64_t)ceil(0.302 * halvings);
    Numeric reduced = *x, two = numeric_const_int(NUMERIC_DIGIT_TWO);
    if (halvings > 0) {
        Numeric divisor = numeric_const_int(NUMERIC_DIGIT_ONE);
        for (int32_t idx = 0; idx < halvings; idx++) TRY(numeric_mul_exact(&divisor, &two, arena, &divisor));
        TRY(numeric_div_round(x, &divisor, (int32_t)work_scale + 2, arena, &reduced));
    }
    Numeric sum = numeric_const_int(NUMERIC_DIGIT_ONE), term = numeric_const_int(NUMERIC_DIGIT_ONE);
    for (int64_t k = 1; k < NUMERIC_SERIES_TERM_COUNT_MAX; k++) {
        Numeric divisor;
        TRY(numeric_mul_round(&term, &reduced, (int32_t)work_scale + 2, arena, &term));
        TRY(numeric_from_int64(k, arena, &divisor));
        TRY(numeric_div_round(&term, &divisor, (int32_t)work_scale + 2, arena, &term));
        if (term.digit_count == 0) break;
        TRY(numeric_add_finite(&sum, &term, term.negative, arena, &sum));
    }
    for (int32_t idx = 0; idx < halvings; idx++) {
        TRY(numeric_mul_exact(&sum, &sum, arena, &sum));
        if (sum.digit_count == 0) break;
        TRY(numeric_round_at(&sum, (int32_t)(work_scale - numeric_decimal_weight(&sum)), true, arena, &sum));
    }
    return numeric_round_at(&sum, scale, true, arena, out);
}

/* with_scratch: run a computation in a scratch arena and copy its result into arena. */
typedef Error *(*ScratchFn)(const Numeric *a, const Numeric *b, Arena *scratch, Numeric *out);

static Error *with_scratch(ScratchFn fn, const Numeric *a, const Numeric *b, Arena *arena,
                           Numeric *out)
{
    Arena *scratch = arena_create(64 * 1024);
    if (scratch == NULL) return numeric_err_oom();
    Numeric result;
    Error *err = fn(a, b, scratch, &result);
    if (err == NULL) err = numeric_var_finish(&result);
    if (err == NULL) err = numeric_copy(&result, arena, out);
    arena_destroy(scratch);
    return err;
}

static int32_t clamp_display_scale(int64_t scale)
{
    if (scale < 0) return 0;
    if (scale > NUMERIC_DISPLAY_SCALE_MAX) return NUMERIC_DISPLAY_SCALE_MAX;
    return (int32_t)scale;
}

static Error *sqrt_scratch(const Numeric *num, const Numeric *unused, Arena *scratch, Numeric *out)
{
    int32_t sweight = (num->weight + 1) * NUMERIC_BASE_DECIMALS / 2 - 1;
    int64_t scale = NUMERIC_MIN_SIG_DIGITS - (int64_t)sweight;
    if (scale < num->dscale) scale = num->dscale;
    int32_t rscale = clamp_display_scale(scale);
    if (num->digit_count == 0) {
        *out = numeric_make_zero(rscale);
        return NULL;
    }
    return sqrt_round(num, rscale, scratch, out);
}

Error *numeric_sqrt(const Numeric *num, Arena *arena, Numeric *out)
{
    if (num->kind == NUMERIC_KIND_NINF || (num->kind == NUMERIC_KIND_FINITE && num->negative)) {
        return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_POWER_FUNCTION,
                       "cannot take square root of a negative number");
    }
    if (num->kind != NUMERIC_KIND_FINITE) {
        *out = *num;
        return NULL;
    }
    return with_scratch(sqrt_scratch, num, NULL, arena, out);
}

static Error *check_log_argument(const Numeric *num)
{
    if (num->kind == NUMERIC_KIND_NINF || (num->kind == NUMERIC_KIND_FINITE && num->negative)) {
        return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_LOGARITHM,
                       "cannot take logarithm of a negative number");
    }
    if (num->kind == NUMERIC_KIND_FINITE && num->digit_count == 0) {
        return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_LOGARITHM, "cannot take logarithm of zero");
    }
    return NULL;
}

static int32_t estimate_ln_dweight(const Numeric *num, Arena *scratch);

static Error *ln_scratch(const Numeric *num, const Numeric *unused, Arena *scratch, Numeric *out)
{
    int64_t scale = NUMERIC_MIN_SIG_DIGITS - (int64_t)estimate_ln_dweight(num, scratch);
    if (scale < num->dscale) scale = num->dscale;
    return ln_round(num, clamp_display_scale(scale), scratch, out);
}

Error *numeric_ln(const Numeric *num, Arena *arena, Numeric *out)
{
    if (num->kind == NUMERIC_KIND_NAN) {
        *out = *num;
        return NULL;
    }
    TRY(check_log_argument(num));
    if (num->kind == NUMERIC_KIND_PINF) {
        *out = *num;
        return NULL;
    }
    return with_scratch(ln_scratch, num, NULL, arena, out);
}

/* estimate_ln_dweight: PostgreSQL's estimate of the decimal weight of ln(num). Pre: num > 0. */
static int32_t estimate_ln_dweight(const Numeric *num, Arena *scratch)
{
    Numeric lower = numeric_const_int(DIGITS_POINT_NINE), upper = numeric_const_int(DIGITS_ONE_POINT_ONE);
    lower.weight = -1;
    upper.digit_count = 2;
    if (numeric_cmp_finite(num, &lower) >= 0 && numeric_cmp_finite(num, &upper) <= 0) {
        Numeric one = numeric_const_int(NUMERIC_DIGIT_ONE), diff;
        if (numeric_add_finite(num, &one, true, scratch, &diff) != NULL || diff.digit_count == 0) return 0;
        return diff.weight * NUMERIC_BASE_DECIMALS + (int32_t)log10(diff.digits[0]);
    }
    int32_t digits = num->digits[0];
    int32_t dweight = num->weight * NUMERIC_BASE_DECIMALS;
    if (num->digit_count > 1) {
        digits = digits * NUMERIC_BASE + num->digits[1];
        dweight -= NUMERIC_BASE_DECIMALS;
    }
    double ln_value = log((double)digits) + dweight * 2.302585092994046;
    return (int32_t)log10(fabs(ln_value));
}

static Error *log_scratch(const Numeric *base, const Numeric *num, Arena *scratch, Numeric *out)
{
    int32_t ln_base_dweight = estimate_ln_dweight(base, scratch);
    int32_t ln_num_dweight = estimate_ln_dweight(num, scratch);
    int32_t result_dweight = ln_num_dweight - ln_base_dweight;
    int64_t scale = NUMERIC_MIN_SIG_DIGITS - (int64_t)result_dweight;
    if (scale < base->dscale) scale = base->dscale;
    if (scale < num->dscale) scale = num->dscale;
    int32_t rscale = clamp_display_scale(scale);
    int64_t ln_base_scale = (int64_t)rscale + result_dweight - ln_base_dweight + 8;
    int64_t ln_num_scale = (int64_t)rscale + result_dweight - ln_num_dweight + 8;
    Numeric ln_base, ln_num;
    TRY(ln_round(base, (int32_t)(ln_base_scale > 0 ? ln_base_scale : 0), scratch, &ln_base));
    TRY(ln_round(num, (int32_t)(ln_num_scale > 0 ? ln_num_scale : 0), scratch, &ln_num));
    if (ln_base.digit_count == 0) return numeric_err_div_zero();
    return numeric_div_round(&ln_num, &ln_base, rscale, scratch, out);
}

Error *numeric_log(const Numeric *base, const Numeric *num, Arena *arena, Numeric *out)
{
    if (base->kind != NUMERIC_KIND_FINITE || num->kind != NUMERIC_KIND_FINITE) {
        if (base->kind == NUMERIC_KIND_NAN || num->kind == NUMERIC_KIND_NAN) {
            *out = numeric_make_special(NUMERIC_KIND_NAN);
            return NULL;
        }
        int base_sign = numeric_special_sign(base), num_sign = numeric_special_sign(num);
        if (base_sign < 0 || num_sign < 0) TRY(check_log_argument(base_sign < 0 ? base : num));
        if (base_sign == 0 || num_sign == 0) TRY(check_log_argument(base_sign == 0 ? base : num));
        if (base->kind == NUMERIC_KIND_PINF) {
            *out = num->kind == NUMERIC_KIND_PINF ? numeric_make_special(NUMERIC_KIND_NAN)
                                                  : numeric_make_zero(0);
        } else {
            *out = numeric_make_special(NUMERIC_KIND_PINF);
        }
        return NULL;
    }
    TRY(check_log_argument(base));
    TRY(check_log_argument(num));
    return with_scratch(log_scratch, base, num, arena, out);
}

Error *numeric_log10(const Numeric *num, Arena *arena, Numeric *out)
{
    static const uint16_t ten_digit[1] = {10};
    Numeric ten = numeric_const_int(ten_digit);
    return numeric_log(&ten, num, arena, out);
}

/* exp_checked: PostgreSQL's exp_var: overflow beyond |x| >= 6000, else exp_round. */
static Error *exp_checked(const Numeric *x, int32_t rscale, Arena *scratch, Numeric *out)
{
    double value = numeric_to_double_no_overflow(x);
    if (fabs(value) >= NUMERIC_MAX_RESULT_SCALE * 3) {
        if (value > 0) return numeric_err_overflow();
        *out = numeric_make_zero(rscale);
        return NULL;
    }
    return exp_round(x, rscale, scratch, out);
}

static Error *exp_scratch(const Numeric *num, const Numeric *unused, Arena *scratch, Numeric *out)
{
    double value = numeric_to_double_no_overflow(num) * 0.434294481903252;
    if (value < -NUMERIC_MAX_RESULT_SCALE) value = -NUMERIC_MAX_RESULT_SCALE;
    if (value > NUMERIC_MAX_RESULT_SCALE) value = NUMERIC_MAX_RESULT_SCALE;
    int64_t scale = NUMERIC_MIN_SIG_DIGITS - (int64_t)value;
    if (scale < num->dscale) scale = num->dscale;
    return exp_checked(num, clamp_display_scale(scale), scratch, out);
}

Error *numeric_exp(const Numeric *num, Arena *arena, Numeric *out)
{
    if (num->kind == NUMERIC_KIND_NAN || num->kind == NUMERIC_KIND_PINF) {
        *out = *num;
        return NULL;
    }
    if (num->kind == NUMERIC_KIND_NINF) {
        *out = numeric_make_zero(0);
        return NULL;
    }
    return with_scratch(exp_scratch, num, NULL, arena, out);
}

static Error *err_power(const char *message)
{
    return err_new(SQLSTATE_INVALID_ARGUMENT_FOR_POWER_FUNCTION, "%s", message);
}

/* power_int: base ^ exponent for an int32 exponent (PostgreSQL's power_var_int): repeated
 * squaring at scales that keep enough significant digits, then rounding at rscale. */
static Error *power_int(const Numeric *base, int32_t exponent, int32_t rscale, Arena *scratch,
                        Numeric *out)
{
    Numeric one = numeric_const_int(NUMERIC_DIGIT_ONE);
    switch (exponent) {
    case 0: *out = numeric_make_zero(rscale); *out = one; out->dscale = rscale; return NULL;
    case 1: return numeric_round_at(base, rscale, true, scratch, out);
    case -1: return numeric_div_round(&one, base, rscale, scratch, out);
    case 2: return numeric_mul_round(base, base, rscale, scratch, out);
    default: break;
    }
    if (base->digit_count == 0) {
        if (exponent < 0) return numeric_err_div_zero();
        *out = numeric_make_zero(rscale);
        return NULL;
    }
    double lead = base->digits[0];
    int32_t power10 = base->weight * NUMERIC_BASE_DECIMALS;
    for (int32_t idx = 1; idx < base->digit_count && idx * NUMERIC_BASE_DECIMALS < 16; idx++) {
        lead = lead * NUMERIC_BASE + base->digits[idx];
        power10 -= NUMERIC_BASE_DECIMALS;
    }
    double log10_result = exponent * (log10(lead) + power10);
    /* PostgreSQL tests 3 * SHRT_MAX * 4 and would overflow later anyway; stopping as soon as the
     * result certainly exceeds the storable weight saves the multiplications of huge values */
    if (log10_result > ((double)NUMERIC_WEIGHT_MAX + 1) * NUMERIC_BASE_DECIMALS + 1) {
        return numeric_err_overflow();
    }
    if (log10_result + 1 < -rscale || log10_result + 1 < -NUMERIC_DISPLAY_SCALE_MAX) {
        *out = numeric_make_zero(rscale);
        return NULL;
    }
    int64_t sig_digits = 1 + rscale + (int64_t)log10_result;
    sig_digits += (int64_t)log(fabs((double)exponent)) + 8;
    bool negative_exponent = exponent < 0;
    uint32_t mask = negative_exponent ? (uint32_t)0 - (uint32_t)exponent : (uint32_t)exponent;
    Numeric base_prod = *base, result = (mask & 1) ? *base : one;
    while ((mask >>= 1) > 0) {
        int64_t local = sig_digits - 2LL * base_prod.weight * NUMERIC_BASE_DECIMALS;
        if (local > 2LL * base_prod.dscale) local = 2LL * base_prod.dscale;
        if (local < 0) local = 0;
        TRY(numeric_mul_round(&base_prod, &base_prod, (int32_t)local, scratch, &base_prod));
        if (mask & 1) {
            local = sig_digits - ((int64_t)base_prod.weight + result.weight) * NUMERIC_BASE_DECIMALS;
            if (local > (int64_t)base_prod.dscale + result.dscale) local = (int64_t)base_prod.dscale + result.dscale;
            if (local < 0) local = 0;
            TRY(numeric_mul_round(&base_prod, &result, (int32_t)local, scratch, &result));
        }
        if (base_prod.weight > SHRT_MAX || result.weight > SHRT_MAX) {
            if (!negative_exponent) return numeric_err_overflow();
            *out = numeric_make_zero(rscale);
            return NULL;
        }
    }
    if (negative_exponent) return numeric_div_round(&one, &result, rscale, scratch, out);
    return numeric_round_at(&result, rscale, true, scratch, out);
}

/* power_general: exp(ln(base) * exponent) with PostgreSQL's power_var scale choices.
 * Pre: base > 0. */
static Error *power_general(const Numeric *base, const Numeric *exponent, Arena *scratch,
                            Numeric *out)
{
    int32_t ln_dweight = estimate_ln_dweight(base, scratch);
    int64_t local = 8 - (int64_t)ln_dweight;
    if (local < 0) local = 0;
    Numeric ln_base, ln_num;
    TRY(ln_round(base, (int32_t)local, scratch, &ln_base));
    TRY(numeric_mul_round(&ln_base, exponent, (int32_t)local, scratch, &ln_num));
    double value = numeric_to_double_no_overflow(&ln_num);
    if (fabs(value) > NUMERIC_MAX_RESULT_SCALE * 3.01) {
        if (value > 0) return numeric_err_overflow();
        *out = numeric_make_zero(NUMERIC_DISPLAY_SCALE_MAX);
        return NULL;
    }
    value *= 0.434294481903252;
    int64_t scale = NUMERIC_MIN_SIG_DIGITS - (int64_t)value;
    if (scale < base->dscale) scale = base->dscale;
    if (scale < exponent->dscale) scale = exponent->dscale;
    int32_t rscale = clamp_display_scale(scale);
    int64_t sig_digits = rscale + (int64_t)value;
    if (sig_digits < 0) sig_digits = 0;
    local = sig_digits - ln_dweight + 8;
    if (local < 0) local = 0;
    TRY(ln_round(base, (int32_t)local, scratch, &ln_base));
    TRY(numeric_mul_round(&ln_base, exponent, (int32_t)local, scratch, &ln_num));
    return exp_checked(&ln_num, rscale, scratch, out);
}

static Error *power_scratch(const Numeric *base, const Numeric *exponent, Arena *scratch,
                            Numeric *out)
{
    int64_t exponent_value;
    if (numeric_is_integer(exponent) && numeric_to_integer(exponent, INT64_MAX, "bigint", &exponent_value) == NULL &&
        exponent_value >= INT32_MIN && exponent_value <= INT32_MAX) {
        int64_t scale = NUMERIC_MIN_SIG_DIGITS;
        if (scale < base->dscale) scale = base->dscale;
        return power_int(base, (int32_t)exponent_value, clamp_display_scale(scale), scratch, out);
    }
    if (base->digit_count == 0) {
        *out = numeric_make_zero(NUMERIC_MIN_SIG_DIGITS);
        return NULL;
    }
    if (!base->negative) return power_general(base, exponent, scratch, out);
    /* a negative base with a large integer exponent: the sign follows the exponent's parity */
    Numeric magnitude = *base;
    magnitude.negative = 0;
    TRY(power_general(&magnitude, exponent, scratch, out));
    if ((numeric_digit_at(exponent, 0) & 1) && out->digit_count > 0) out->negative = 1;
    return NULL;
}

/* power_special: PostgreSQL's rules when base or exponent is NaN or infinite. */
static Error *power_special(const Numeric *base, const Numeric *exponent, Numeric *out)
{
    Numeric one = numeric_const_int(NUMERIC_DIGIT_ONE);
    if (base->kind == NUMERIC_KIND_NAN || exponent->kind == NUMERIC_KIND_NAN) {
        bool is_one = (base->kind == NUMERIC_KIND_NAN && numeric_is_zero(exponent)) ||
                      (exponent->kind == NUMERIC_KIND_NAN && base->kind == NUMERIC_KIND_FINITE &&
                       numeric_cmp_finite(base, &one) == 0);
        *out = is_one ? one : numeric_make_special(NUMERIC_KIND_NAN);
        return NULL;
    }
    int base_sign = numeric_special_sign(base), exponent_sign = numeric_special_sign(exponent);
    if (base_sign == 0 && exponent_sign < 0) {
        return err_power("zero raised to a negative power is undefined");
    }
    if (base_sign < 0 && exponent->kind == NUMERIC_KIND_FINITE && !numeric_is_integer(exponent)) {
        return err_power("a negative number raised to a non-integer power yields a complex result");
    }
    if (exponent->kind != NUMERIC_KIND_FINITE) {
        bool abs_above_one = true;
        if (base->kind == NUMERIC_KIND_FINITE) {
            int abs_cmp = numeric_cmp_abs(base, &one);
            if (abs_cmp == 0) {
                *out = one;
                return NULL;
            }
            abs_above_one = abs_cmp > 0;
        }
        *out = abs_above_one == (exponent_sign > 0) ? numeric_make_special(NUMERIC_KIND_PINF)
                                                    : numeric_make_zero(0);
        return NULL;
    }
    if (exponent_sign == 0) {
        *out = one;
    } else if (exponent_sign < 0) {
        *out = numeric_make_zero(0);
    } else if (base->kind == NUMERIC_KIND_PINF) {
        *out = numeric_make_special(NUMERIC_KIND_PINF);
    } else {
        bool odd = numeric_is_integer(exponent) && (numeric_digit_at(exponent, 0) & 1);
        *out = numeric_make_special(odd ? NUMERIC_KIND_NINF : NUMERIC_KIND_PINF);
    }
    return NULL;
}

Error *numeric_power(const Numeric *base, const Numeric *exponent, Arena *arena, Numeric *out)
{
    if (base->kind != NUMERIC_KIND_FINITE || exponent->kind != NUMERIC_KIND_FINITE) {
        return power_special(base, exponent, out);
    }
    if (base->digit_count == 0 && exponent->digit_count > 0 && exponent->negative) {
        return err_power("zero raised to a negative power is undefined");
    }
    if (base->negative && base->digit_count > 0 && !numeric_is_integer(exponent)) {
        return err_power("a negative number raised to a non-integer power yields a complex result");
    }
    return with_scratch(power_scratch, base, exponent, arena, out);
}
