/* common/numeric_int.h: helpers shared by numeric.c, numeric_fast.c and numeric_math.c only.
 *
 * A "var" is a finite Numeric under construction: it may carry leading or trailing zero digits
 * until numeric_var_finish() strips it and checks the storable range. Unless a contract says
 * otherwise, out may alias an input, and digits are allocated in arena. */
#ifndef BIRCH_COMMON_NUMERIC_INT_H
#define BIRCH_COMMON_NUMERIC_INT_H

#include "common/numeric.h"

enum {
    NUMERIC_MAX_RESULT_SCALE = 2000,   /* exp() and power() clamp their weight estimates */
    NUMERIC_SERIES_TERM_COUNT_MAX = 100000, /* bound for series loops (never reached) */
    NUMERIC_NEWTON_STEP_COUNT_MAX = 10000,
};

extern const uint16_t NUMERIC_DIGIT_ONE[1];
extern const uint16_t NUMERIC_DIGIT_TWO[1];
extern const int32_t  NUMERIC_POW10[5];   /* 10^0 .. 10^4 */

/* numeric_const_int: a one-digit integer that points at a static digit (no allocation). */
static inline Numeric numeric_const_int(const uint16_t *digit)
{
    return (Numeric){.kind = NUMERIC_KIND_FINITE, .digit_count = 1, .digits = (uint16_t *)digit};
}

/* numeric_digit_at: the digit of num with base-10000 weight pos_weight (0 outside the digits). */
static inline uint32_t numeric_digit_at(const Numeric *num, int64_t pos_weight)
{
    int64_t idx = (int64_t)num->weight - pos_weight;
    if (idx < 0 || idx >= num->digit_count) return 0;
    return num->digits[idx];
}

/* numeric_last_weight: the weight of num's last stored digit. Pre: num non-zero. */
static inline int64_t numeric_last_weight(const Numeric *num)
{
    return (int64_t)num->weight - num->digit_count + 1;
}

Error    *numeric_err_oom(void);      /* OUT_OF_MEMORY */
Error    *numeric_err_overflow(void); /* `value overflows numeric format` */
Error    *numeric_err_div_zero(void); /* `division by zero` */
uint16_t *numeric_digits_alloc(Arena *arena, int64_t count);
/* numeric_var_strip: drop leading/trailing zero digits; zero becomes weight 0, positive. */
void      numeric_var_strip(Numeric *num);
/* numeric_var_finish: strip, then OUT_OF_RANGE unless weight and dscale are storable. */
Error    *numeric_var_finish(Numeric *num);
/* numeric_decimal_weight: the power of ten of the leading decimal. Pre: non-zero, stripped. */
int32_t   numeric_decimal_weight(const Numeric *num);
/* numeric_round_at: round half away from zero (or truncate) at scale decimals (negative: before
 * the point). Post: out->dscale = max(scale, 0), stripped. */
Error    *numeric_round_at(const Numeric *num, int32_t scale, bool do_round, Arena *arena,
                           Numeric *out);
int       numeric_cmp_abs(const Numeric *a, const Numeric *b);    /* |a| vs |b| */
int       numeric_cmp_finite(const Numeric *a, const Numeric *b); /* a vs b, both finite */
/* numeric_add_abs: |a| + |b|, dscale max(a, b). */
Error    *numeric_add_abs(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out);
/* numeric_add_finite: a + b with b's sign taken from b_negative (subtraction flips it). */
Error    *numeric_add_finite(const Numeric *a, const Numeric *b, bool b_negative, Arena *arena,
                             Numeric *out);
/* numeric_mul_exact: the exact product, dscale a + b (not capped). */
Error    *numeric_mul_exact(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out);
/* numeric_mul_round: the product rounded at scale (PostgreSQL's mul_var with an rscale). */
Error    *numeric_mul_round(const Numeric *a, const Numeric *b, int32_t scale, Arena *arena,
                            Numeric *out);
/* numeric_special_sign: -1, 0, 1 for finite values and the infinities (NaN: 0). */
int       numeric_special_sign(const Numeric *num);
/* numeric_div_core: |a| / |b| truncated after frac_count base-10000 fraction digits, with the
 * sign of a * b and dscale 0. Pre: b non-zero. */
Error    *numeric_div_core(const Numeric *a, const Numeric *b, int64_t frac_count, Arena *arena,
                           Numeric *out);
/* numeric_div_round: a / b correctly rounded at scale. Pre: b non-zero. */
Error    *numeric_div_round(const Numeric *a, const Numeric *b, int32_t scale, Arena *arena,
                            Numeric *out);
/* numeric_to_integer: round half away from zero into [-limit_positive - 1, limit_positive]. */
Error    *numeric_to_integer(const Numeric *num, uint64_t limit_positive, const char *type_name,
                             int64_t *value_out);
/* numeric_to_double_no_overflow: +-HUGE_VAL or 0 instead of a range error. */
double    numeric_to_double_no_overflow(const Numeric *num);

#endif
