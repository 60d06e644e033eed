/* common/numeric_fast.c: the scaled-integer fast path and the sum/avg accumulator of NUMERIC.
 *
 * A NUMERIC(p,s) value with p <= 18 is an int64 v = value * 10^s; sums run in an __int128 at the
 * largest scale seen and fall back to the general form (numeric.c) only when that overflows.
 */
#include <string.h>

#include "common/asserts.h"
#include "common/numeric.h"
#include "common/numeric_int.h"

/* ---- Scaled-integer fast path -------------------------------------------------------------- */

static const int64_t I64_POW10[19] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL,
    1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
    100000000000000LL, 1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
    1000000000000000000LL,
};

/* to_scaled_u128: |num| * 10^scale as an unsigned 128-bit integer at most limit; false if it
 * does not fit or a non-zero decimal lies beyond scale. */
static bool to_scaled_u128(const Numeric *num, int32_t scale, unsigned __int128 limit,
                           unsigned __int128 *magnitude_out)
{
    if (num->kind != NUMERIC_KIND_FINITE) return false;
    if (num->digit_count == 0) {
        *magnitude_out = 0;
        return true;
    }
    if (num->digit_count > 10) return false;
    /* |num| = integer * 10000^numeric_last_weight */
    unsigned __int128 magnitude = 0, all_ones = ~(unsigned __int128)0;
    for (int32_t idx = 0; idx < num->digit_count; idx++) {
        if (magnitude > (all_ones - num->digits[idx]) / NUMERIC_BASE) return false;
        magnitude = magnitude * NUMERIC_BASE + num->digits[idx];
    }
    int64_t shift = numeric_last_weight(num) * NUMERIC_BASE_DECIMALS + scale;
    for (; shift > 0; shift--) {
        if (magnitude > limit / 10) return false;
        magnitude *= 10;
    }
    for (; shift < 0; shift++) {
        if (magnitude % 10 != 0) return false;
        magnitude /= 10;
    }
    if (magnitude > limit) return false;
    *magnitude_out = magnitude;
    return true;
}

bool numeric_to_scaled_i64(const Numeric *num, int32_t scale, int64_t *value_out)
{
    ASSERT(scale >= 0 && scale <= 18);
    unsigned __int128 magnitude;
    uint64_t limit = num->negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (!to_scaled_u128(num, scale, limit, &magnitude)) return false;
    *value_out = num->negative ? (int64_t)(0 - (uint64_t)magnitude) : (int64_t)magnitude;
    return true;
}

bool numeric_to_scaled_i128(const Numeric *num, int32_t scale, NumericI128 *value_out)
{
    ASSERT(scale >= 0 && scale <= 38);
    unsigned __int128 max = ((unsigned __int128)1 << 127) - 1;
    unsigned __int128 magnitude;
    if (!to_scaled_u128(num, scale, num->negative ? max + 1 : max, &magnitude)) return false;
    *value_out = num->negative ? (NumericI128)(0 - magnitude) : (NumericI128)magnitude;
    return true;
}

Error *numeric_from_scaled_i128(NumericI128 value, int32_t scale, Arena *arena, Numeric *out)
{
    ASSERT(scale >= 0 && scale <= 38);
    unsigned __int128 magnitude = value < 0 ? 0 - (unsigned __int128)value : (unsigned __int128)value;
    /* align so the last digit ends at a base-10000 boundary: multiply by 10^pad */
    int32_t pad = (NUMERIC_BASE_DECIMALS - scale % NUMERIC_BASE_DECIMALS) % NUMERIC_BASE_DECIMALS;
    uint16_t reversed[12];
    int32_t count = 0;
    uint32_t pending = 0, pending_scale = 1;
    /* emit base-10000 digits of magnitude * 10^pad without overflowing: feed pad zeros first */
    for (int32_t pad_idx = 0; pad_idx < pad; pad_idx++) pending_scale *= 10;
    pending = (uint32_t)(magnitude % (NUMERIC_BASE / pending_scale)) * pending_scale;
    magnitude /= (NUMERIC_BASE / pending_scale);
    reversed[count++] = (uint16_t)pending;
    while (magnitude > 0) {
        reversed[count++] = (uint16_t)(magnitude % NUMERIC_BASE);
        magnitude /= NUMERIC_BASE;
    }
    uint16_t *digits = numeric_digits_alloc(arena, count);
    if (digits == NULL) return numeric_err_oom();
    for (int32_t idx = 0; idx < count; idx++) digits[idx] = reversed[count - 1 - idx];
    int32_t frac_digits = (scale + pad) / NUMERIC_BASE_DECIMALS;
    *out = (Numeric){.kind = NUMERIC_KIND_FINITE, .negative = value < 0,
                     .weight = count - 1 - frac_digits, .dscale = scale, .digit_count = count,
                     .digits = digits};
    numeric_var_strip(out);
    return NULL;
}

Error *numeric_from_scaled_i64(int64_t value, int32_t scale, Arena *arena, Numeric *out)
{
    ASSERT(scale >= 0 && scale <= 18);
    return numeric_from_scaled_i128(value, scale, arena, out);
}

bool numeric_i64_rescale(int64_t value, int32_t from_scale, int32_t to_scale, int64_t *out)
{
    ASSERT(from_scale >= 0 && from_scale <= 18 && to_scale >= 0 && to_scale <= 18);
    if (to_scale >= from_scale) {
        return !__builtin_mul_overflow(value, I64_POW10[to_scale - from_scale], out);
    }
    int64_t divisor = I64_POW10[from_scale - to_scale];
    int64_t quotient = value / divisor, remainder = value % divisor;
    /* |remainder| >= divisor / 2, written without overflow */
    uint64_t remainder_abs = remainder < 0 ? (uint64_t)0 - (uint64_t)remainder : (uint64_t)remainder;
    if (remainder_abs >= (uint64_t)(divisor - divisor / 2)) quotient += value < 0 ? -1 : 1;
    *out = quotient;
    return true;
}

size_t numeric_i64_format(int64_t value, int32_t scale, char *buffer)
{
    ASSERT(scale >= 0 && scale <= 18);
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    char reversed[48];
    int32_t count = 0;
    for (int32_t decimal_idx = 0; decimal_idx < scale; decimal_idx++) {
        reversed[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    }
    if (scale > 0) reversed[count++] = '.';
    do {
        reversed[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude > 0);
    char *cursor = buffer;
    if (value < 0) *cursor++ = '-';
    while (count > 0) *cursor++ = reversed[--count];
    *cursor = '\0';
    return (size_t)(cursor - buffer);
}

/* ---- sum() and avg() ----------------------------------------------------------------------- */

enum { ACC_ARENA_BLOCK_SIZE = 4096 };

void numeric_acc_init(NumericAcc *acc)
{
    *acc = (NumericAcc){.general_sum = numeric_make_zero(0)};
}

void numeric_acc_destroy(NumericAcc *acc)
{
    arena_destroy(acc->arenas[0]);
    arena_destroy(acc->arenas[1]);
    acc->arenas[0] = acc->arenas[1] = NULL;
}

/* acc_add_general: general_sum += num, ping-ponging between the two arenas so that memory stays
 * bounded by two sums. */
static Error *acc_add_general(NumericAcc *acc, const Numeric *num)
{
    int next_idx = 1 - acc->arena_idx;
    for (int arena_idx = 0; arena_idx < 2; arena_idx++) {
        if (acc->arenas[arena_idx] == NULL) {
            acc->arenas[arena_idx] = arena_create(ACC_ARENA_BLOCK_SIZE);
            if (acc->arenas[arena_idx] == NULL) return numeric_err_oom();
        }
    }
    arena_reset(acc->arenas[next_idx]);
    Numeric sum;
    TRY(numeric_add(&acc->general_sum, num, acc->arenas[next_idx], &sum));
    TRY(numeric_copy(&sum, acc->arenas[next_idx], &acc->general_sum));
    acc->arena_idx = next_idx;
    acc->has_general = true;
    return NULL;
}

/* acc_flush_fast: move fast_sum into general_sum. */
static Error *acc_flush_fast(NumericAcc *acc)
{
    if (acc->fast_sum == 0) return NULL;
    Arena *scratch = arena_create(ACC_ARENA_BLOCK_SIZE);
    if (scratch == NULL) return numeric_err_oom();
    Numeric fast;
    Error *err = numeric_from_scaled_i128(acc->fast_sum, acc->fast_scale, scratch, &fast);
    if (err == NULL) err = acc_add_general(acc, &fast);
    arena_destroy(scratch);
    if (err == NULL) acc->fast_sum = 0;
    return err;
}

/* acc_add_fast: fast_sum += value / 10^scale; false if it would overflow. */
static bool acc_add_fast(NumericAcc *acc, NumericI128 value, int32_t scale)
{
    static const int32_t FAST_SCALE_MAX = 30;
    if (scale > FAST_SCALE_MAX) return false;
    NumericI128 sum = acc->fast_sum;
    int32_t sum_scale = acc->fast_scale;
    for (; sum_scale < scale; sum_scale++) {
        if (__builtin_mul_overflow(sum, 10, &sum)) return false;
    }
    for (int32_t value_scale = scale; value_scale < sum_scale; value_scale++) {
        if (__builtin_mul_overflow(value, 10, &value)) return false;
    }
    if (__builtin_add_overflow(sum, value, &sum)) return false;
    acc->fast_sum = sum;
    acc->fast_scale = sum_scale;
    return true;
}

static void acc_note_dscale(NumericAcc *acc, int32_t dscale)
{
    if (dscale > acc->dscale_max) acc->dscale_max = dscale;
}

Error *numeric_acc_add(NumericAcc *acc, const Numeric *num)
{
    acc->count++;
    switch ((NumericKind)num->kind) {
    case NUMERIC_KIND_NAN: acc->nan_count++; return NULL;
    case NUMERIC_KIND_PINF: acc->pinf_count++; return NULL;
    case NUMERIC_KIND_NINF: acc->ninf_count++; return NULL;
    case NUMERIC_KIND_FINITE: break;
    }
    acc_note_dscale(acc, num->dscale);
    NumericI128 scaled;
    int32_t scale = num->dscale > acc->fast_scale ? num->dscale : acc->fast_scale;
    if (scale <= 30 && numeric_to_scaled_i128(num, scale, &scaled) &&
        acc_add_fast(acc, scaled, scale)) {
        return NULL;
    }
    TRY(acc_flush_fast(acc));
    return acc_add_general(acc, num);
}

Error *numeric_acc_add_scaled_i64(NumericAcc *acc, int64_t value, int32_t scale)
{
    ASSERT(scale >= 0 && scale <= 18);
    acc->count++;
    acc_note_dscale(acc, scale);
    if (acc_add_fast(acc, value, scale)) return NULL;
    TRY(acc_flush_fast(acc));
    if (acc_add_fast(acc, value, scale)) return NULL;
    Arena *scratch = arena_create(ACC_ARENA_BLOCK_SIZE);
    if (scratch == NULL) return numeric_err_oom();
    Numeric num;
    Error *err = numeric_from_scaled_i64(value, scale, scratch, &num);
    if (err == NULL) err = acc_add_general(acc, &num);
    arena_destroy(scratch);
    return err;
}

/* acc_total: the finite sum in arena (dscale: the largest input dscale). */
static Error *acc_total(const NumericAcc *acc, Arena *arena, Numeric *out)
{
    Numeric fast, total = acc->general_sum;
    TRY(numeric_from_scaled_i128(acc->fast_sum, acc->fast_scale, arena, &fast));
    if (acc->has_general) TRY(numeric_add(&total, &fast, arena, &total));
    else total = fast;
    total.dscale = acc->dscale_max; /* every input had at most this many decimals */
    return numeric_copy(&total, arena, out);
}

Error *numeric_acc_merge(NumericAcc *dst, const NumericAcc *src)
{
    dst->nan_count += src->nan_count;
    dst->pinf_count += src->pinf_count;
    dst->ninf_count += src->ninf_count;
    if (src->count == src->nan_count + src->pinf_count + src->ninf_count) {
        dst->count += src->count;
        return NULL;
    }
    Arena *scratch = arena_create(ACC_ARENA_BLOCK_SIZE);
    if (scratch == NULL) return numeric_err_oom();
    Numeric total;
    Error *err = acc_total(src, scratch, &total);
    if (err == NULL) {
        int64_t count_before = dst->count;
        err = numeric_acc_add(dst, &total);
        dst->count = count_before + src->count;
    }
    arena_destroy(scratch);
    return err;
}

/* acc_special: the result when a special value was summed; false if none was. */
static bool acc_special(const NumericAcc *acc, Numeric *out)
{
    if (acc->nan_count > 0 || (acc->pinf_count > 0 && acc->ninf_count > 0)) {
        *out = numeric_make_special(NUMERIC_KIND_NAN);
    } else if (acc->pinf_count > 0) {
        *out = numeric_make_special(NUMERIC_KIND_PINF);
    } else if (acc->ninf_count > 0) {
        *out = numeric_make_special(NUMERIC_KIND_NINF);
    } else {
        return false;
    }
    return true;
}

Error *numeric_acc_sum(const NumericAcc *acc, Arena *arena, Numeric *out, bool *is_null_out)
{
    *is_null_out = acc->count == 0;
    if (acc->count == 0 || acc_special(acc, out)) return NULL;
    return acc_total(acc, arena, out);
}

Error *numeric_acc_avg(const NumericAcc *acc, Arena *arena, Numeric *out, bool *is_null_out)
{
    *is_null_out = acc->count == 0;
    if (acc->count == 0 || acc_special(acc, out)) return NULL;
    Numeric total, count;
    TRY(acc_total(acc, arena, &total));
    TRY(numeric_from_int64(acc->count, arena, &count));
    return numeric_div(&total, &count, arena, out);
}
