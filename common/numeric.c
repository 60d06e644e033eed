/* common/numeric.c: NUMERIC values with PostgreSQL 15's precision and scale rules: text in and
 * out, rounding, comparison and hashing, add/sub/mul/div/mod, casts, typmods, stored forms.
 *
 * Values are base-10000 digit strings with a weight, a sign and a display scale (numeric.h).
 * The arithmetic is exact where PostgreSQL's is (add, sub, mul) and correctly rounded (half away
 * from zero) where PostgreSQL rounds (div, round); result scales are chosen exactly as
 * PostgreSQL chooses them: the scale, not the algorithm, is what a client sees. The fast path
 * and the accumulator are in numeric_fast.c, sqrt/ln/exp/log/power in numeric_math.c; the
 * helpers they share are declared in numeric_int.h.
 *
 * Internally a Numeric may hold leading or trailing zero digits; numeric_var_finish() strips
 * them and checks the storable range before a value is returned. Temporaries come from the
 * caller's arena.
 */
#include "common/numeric.h"
#include "common/numeric_int.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/hash.h"

enum {
    SERIAL_FLAG_POSITIVE = 0,
    SERIAL_FLAG_NEGATIVE = 1,
    SERIAL_FLAG_NAN = 2,
    SERIAL_FLAG_PINF = 3,
    SERIAL_FLAG_NINF = 4,
    PG_SIGN_POS = 0x0000,
    PG_SIGN_NEG = 0x4000,
    PG_SIGN_NAN = 0xC000,
    PG_SIGN_PINF = 0xD000,
    PG_SIGN_NINF = 0xF000,
    TYPMOD_HEADER = 4,               /* PostgreSQL's VARHDRSZ inside the typmod */
};

const uint16_t NUMERIC_DIGIT_ONE[1] = {1};
const uint16_t NUMERIC_DIGIT_TWO[1] = {2};
const int32_t NUMERIC_POW10[5] = {1, 10, 100, 1000, 10000};

Error *numeric_err_oom(void)
{
    return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
}

Error *numeric_err_overflow(void)
{
    return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "value overflows numeric format");
}

Error *numeric_err_div_zero(void)
{
    return err_new(SQLSTATE_DIVISION_BY_ZERO, "division by zero");
}


uint16_t *numeric_digits_alloc(Arena *arena, int64_t count)
{
    return arena_alloc(arena, (size_t)(count > 0 ? count : 1) * sizeof(uint16_t));
}

Numeric numeric_make_special(NumericKind kind)
{
    ASSERT(kind != NUMERIC_KIND_FINITE);
    return (Numeric){.kind = (uint8_t)kind};
}

Numeric numeric_make_zero(int32_t dscale)
{
    ASSERT(dscale >= 0);
    return (Numeric){.kind = NUMERIC_KIND_FINITE, .dscale = dscale};
}

/* numeric_var_strip: drop leading and trailing zero digits; zero becomes weight 0, positive. */
void numeric_var_strip(Numeric *num)
{
    while (num->digit_count > 0 && num->digits[0] == 0) {
        num->digits++;
        num->digit_count--;
        num->weight--;
    }
    while (num->digit_count > 0 && num->digits[num->digit_count - 1] == 0) num->digit_count--;
    if (num->digit_count == 0) {
        num->weight = 0;
        num->negative = 0;
    }
}

/* numeric_var_finish: strip and check that the value is storable (PostgreSQL's make_result). */
Error *numeric_var_finish(Numeric *num)
{
    if (num->kind != NUMERIC_KIND_FINITE) return NULL;
    numeric_var_strip(num);
    if (num->weight > NUMERIC_WEIGHT_MAX || num->weight < NUMERIC_WEIGHT_MIN ||
        num->dscale > NUMERIC_DSCALE_MAX || num->dscale < 0) {
        return numeric_err_overflow();
    }
    return NULL;
}

bool numeric_is_integer(const Numeric *num)
{
    if (num->kind != NUMERIC_KIND_FINITE) return false;
    return num->digit_count <= num->weight + 1;
}

Error *numeric_copy(const Numeric *src, Arena *arena, Numeric *out)
{
    Numeric copy = *src;
    if (src->digit_count > 0) {
        copy.digits = numeric_digits_alloc(arena, src->digit_count);
        if (copy.digits == NULL) return numeric_err_oom();
        memcpy(copy.digits, src->digits, (size_t)src->digit_count * sizeof(uint16_t));
    }
    *out = copy;
    return NULL;
}


/* numeric_decimal_weight: the power of ten of num's leading decimal digit. Pre: num non-zero, stripped */
int32_t numeric_decimal_weight(const Numeric *num)
{
    int32_t first = num->digits[0];
    int32_t extra = first >= 1000 ? 3 : first >= 100 ? 2 : first >= 10 ? 1 : 0;
    return num->weight * NUMERIC_BASE_DECIMALS + extra;
}

/* ---- Text input --------------------------------------------------------------------------- */

static Error *err_syntax(const char *text, size_t size)
{
    return err_new(SQLSTATE_INVALID_TEXT_REPRESENTATION,
                   "invalid input syntax for type numeric: \"%.*s\"", (int)size, text);
}

static bool match_word(const char *cursor, const char *end, const char *word)
{
    size_t word_size = strlen(word);
    if ((size_t)(end - cursor) < word_size) return false;
    for (size_t idx = 0; idx < word_size; idx++) {
        if (tolower((unsigned char)cursor[idx]) != tolower((unsigned char)word[idx])) return false;
    }
    return true;
}

/* parse_special: NaN and the infinities, in float8in's spellings. */
static bool parse_special(const char **cursor_io, const char *end, Numeric *out)
{
    static const struct { const char *word; NumericKind kind; } words[] = {
        {"NaN", NUMERIC_KIND_NAN},        {"Infinity", NUMERIC_KIND_PINF},
        {"+Infinity", NUMERIC_KIND_PINF}, {"-Infinity", NUMERIC_KIND_NINF},
        {"inf", NUMERIC_KIND_PINF},       {"+inf", NUMERIC_KIND_PINF},
        {"-inf", NUMERIC_KIND_NINF},
    };
    for (size_t word_idx = 0; word_idx < sizeof words / sizeof words[0]; word_idx++) {
        if (match_word(*cursor_io, end, words[word_idx].word)) {
            *cursor_io += strlen(words[word_idx].word);
            *out = numeric_make_special(words[word_idx].kind);
            return true;
        }
    }
    return false;
}

/* parse_exponent: strtol's syntax (spaces, sign, digits); saturates far beyond any valid value. */
static bool parse_exponent(const char **cursor_io, const char *end, int64_t *exponent_out)
{
    const char *cursor = *cursor_io;
    while (cursor < end && isspace((unsigned char)*cursor)) cursor++;
    bool negative = false;
    if (cursor < end && (*cursor == '+' || *cursor == '-')) negative = *cursor++ == '-';
    if (cursor == end || !isdigit((unsigned char)*cursor)) return false;
    int64_t exponent = 0;
    while (cursor < end && isdigit((unsigned char)*cursor)) {
        if (exponent < ((int64_t)1 << 40)) exponent = exponent * 10 + (*cursor - '0');
        cursor++;
    }
    *exponent_out = negative ? -exponent : exponent;
    *cursor_io = cursor;
    return true;
}

/* parse_finite: sign, digits, point, exponent (PostgreSQL's set_var_from_str). */
static Error *parse_finite(const char *text, size_t size, const char **cursor_io, Arena *arena,
                           Numeric *out)
{
    const char *cursor = *cursor_io, *end = text + size;
    bool negative = false, have_point = false;
    if (cursor < end && (*cursor == '+' || *cursor == '-')) negative = *cursor++ == '-';
    if (cursor < end && *cursor == '.') {
        have_point = true;
        cursor++;
    }
    if (cursor == end || !isdigit((unsigned char)*cursor)) return err_syntax(text, size);
    /* decimal digits with 4 zeros of padding on each side for the base-10000 alignment */
    uint8_t *decimals = arena_alloc(arena, (size_t)(end - cursor) + 2 * NUMERIC_BASE_DECIMALS);
    if (decimals == NULL) return numeric_err_oom();
    memset(decimals, 0, NUMERIC_BASE_DECIMALS);
    int64_t decimal_count = 0, dweight = -1, dscale = 0;
    while (cursor < end) {
        if (isdigit((unsigned char)*cursor)) {
            decimals[NUMERIC_BASE_DECIMALS + decimal_count++] = (uint8_t)(*cursor++ - '0');
            if (have_point) dscale++; else dweight++;
        } else if (*cursor == '.') {
            if (have_point) return err_syntax(text, size);
            have_point = true;
            cursor++;
        } else {
            break;
        }
    }
    memset(decimals + NUMERIC_BASE_DECIMALS + decimal_count, 0, NUMERIC_BASE_DECIMALS);
    if (cursor < end && (*cursor == 'e' || *cursor == 'E')) {
        cursor++;
        int64_t exponent;
        if (!parse_exponent(&cursor, end, &exponent)) return err_syntax(text, size);
        if (exponent >= INT_MAX / 2 || exponent <= -(INT_MAX / 2)) return numeric_err_overflow();
        dweight += exponent;
        dscale -= exponent;
        if (dscale < 0) dscale = 0;
    }
    int64_t weight = dweight >= 0 ? (dweight + NUMERIC_BASE_DECIMALS) / NUMERIC_BASE_DECIMALS - 1
                                  : -((-dweight - 1) / NUMERIC_BASE_DECIMALS + 1);
    int64_t offset = (weight + 1) * NUMERIC_BASE_DECIMALS - (dweight + 1);
    int64_t digit_count = (decimal_count + offset + NUMERIC_BASE_DECIMALS - 1) /
                          NUMERIC_BASE_DECIMALS;
    uint16_t *digits = numeric_digits_alloc(arena, digit_count);
    if (digits == NULL) return numeric_err_oom();
    int64_t decimal_idx = NUMERIC_BASE_DECIMALS - offset;
    for (int64_t digit_idx = 0; digit_idx < digit_count; digit_idx++) {
        const uint8_t *group = decimals + decimal_idx;
        digits[digit_idx] = (uint16_t)(((group[0] * 10 + group[1]) * 10 + group[2]) * 10 + group[3]);
        decimal_idx += NUMERIC_BASE_DECIMALS;
    }
    if (weight > INT32_MAX / 2 || weight < INT32_MIN / 2 || dscale > INT32_MAX / 2) {
        return numeric_err_overflow();
    }
    *out = (Numeric){.kind = NUMERIC_KIND_FINITE, .negative = negative, .weight = (int32_t)weight,
                     .dscale = (int32_t)dscale, .digit_count = (int32_t)digit_count,
                     .digits = digits};
    *cursor_io = cursor;
    return NULL;
}

Error *numeric_from_chars(const char *text, size_t size, Arena *arena, Numeric *out)
{
    const char *cursor = text, *end = text + size;
    while (cursor < end && isspace((unsigned char)*cursor)) cursor++;
    Numeric value;
    bool special = parse_special(&cursor, end, &value);
    if (!special) TRY(parse_finite(text, size, &cursor, arena, &value));
    while (cursor < end && isspace((unsigned char)*cursor)) cursor++;
    if (cursor != end) return err_syntax(text, size);
    /* trailing junk is a syntax error even when the value would overflow, as in PostgreSQL */
    if (!special) TRY(numeric_var_finish(&value));
    *out = value;
    return NULL;
}

Error *numeric_from_text(const char *text, Arena *arena, Numeric *out)
{
    return numeric_from_chars(text, strlen(text), arena, out);
}

/* ---- Text output -------------------------------------------------------------------------- */

size_t numeric_text_size_max(const Numeric *num)
{
    if (num->kind != NUMERIC_KIND_FINITE) return 9;
    size_t integer_size = num->weight >= 0 ? (size_t)(num->weight + 1) * NUMERIC_BASE_DECIMALS : 1;
    return 2 + integer_size + (size_t)num->dscale;
}

size_t numeric_format(const Numeric *num, char *buffer)
{
    const char *special = num->kind == NUMERIC_KIND_NAN    ? "NaN"
                          : num->kind == NUMERIC_KIND_PINF ? "Infinity"
                          : num->kind == NUMERIC_KIND_NINF ? "-Infinity"
                                                           : NULL;
    if (special != NULL) {
        strcpy(buffer, special);
        return strlen(special);
    }
    char *cursor = buffer;
    if (num->negative && num->digit_count > 0) *cursor++ = '-';
    if (num->weight < 0) {
        *cursor++ = '0';
    } else {
        for (int32_t pos = num->weight; pos >= 0; pos--) {
            uint32_t digit = numeric_digit_at(num, pos);
            if (pos == num->weight) {
                cursor += sprintf(cursor, "%u", digit);
            } else {
                for (int dec_idx = 3; dec_idx >= 0; dec_idx--) {
                    *cursor++ = (char)('0' + (digit / (uint32_t)NUMERIC_POW10[dec_idx]) % 10);
                }
            }
        }
    }
    if (num->dscale > 0) {
        *cursor++ = '.';
        int32_t written = 0;
        for (int64_t pos = -1; written < num->dscale; pos--) {
            uint32_t digit = numeric_digit_at(num, pos);
            for (int dec_idx = 3; dec_idx >= 0 && written < num->dscale; dec_idx--) {
                *cursor++ = (char)('0' + (digit / (uint32_t)NUMERIC_POW10[dec_idx]) % 10);
                written++;
            }
        }
    }
    *cursor = '\0';
    return (size_t)(cursor - buffer);
}

Error *numeric_to_text(const Numeric *num, Arena *arena, char **text_out)
{
    char *text = arena_alloc(arena, numeric_text_size_max(num) + 1);
    if (text == NULL) return numeric_err_oom();
    numeric_format(num, text);
    *text_out = text;
    return NULL;
}

/* ---- Rounding ----------------------------------------------------------------------------- */

/* numeric_round_at: num rounded (half away from zero) or truncated at scale decimals after the point
 * (scale < 0: before it). Post: out->dscale = max(scale, 0); out is stripped. */
Error *numeric_round_at(const Numeric *num, int32_t scale, bool do_round, Arena *arena,
                       Numeric *out)
{
    ASSERT(num->kind == NUMERIC_KIND_FINITE);
    Numeric result = *num;
    result.dscale = scale > 0 ? scale : 0;
    int64_t keep = ((int64_t)num->weight + 1) * NUMERIC_BASE_DECIMALS + scale;
    if (num->digit_count == 0 || keep >= (int64_t)num->digit_count * NUMERIC_BASE_DECIMALS) {
        *out = result; /* nothing beyond scale */
        return NULL;
    }
    if (keep < 0) {
        *out = numeric_make_zero(result.dscale);
        return NULL;
    }
    int64_t full_count = keep / NUMERIC_BASE_DECIMALS;
    int32_t kept_decimals = (int32_t)(keep % NUMERIC_BASE_DECIMALS);
    /* one extra leading digit for a carry out of the top */
    uint16_t *digits = numeric_digits_alloc(arena, full_count + 2);
    if (digits == NULL) return numeric_err_oom();
    digits[0] = 0;
    memcpy(digits + 1, num->digits, (size_t)(full_count + 1) * sizeof(uint16_t));
    int64_t last_idx = full_count + 1; /* the digit that is cut */
    int32_t unit = NUMERIC_POW10[NUMERIC_BASE_DECIMALS - kept_decimals];
    int32_t cut = digits[last_idx] % unit;
    int32_t carry = do_round && cut >= unit / 2 ? unit : 0;
    int32_t value = digits[last_idx] - cut + carry;
    for (int64_t idx = last_idx; idx >= 0; idx--) {
        if (value < NUMERIC_BASE) {
            digits[idx] = (uint16_t)value;
            break;
        }
        digits[idx] = (uint16_t)(value - NUMERIC_BASE);
        VERIFY(idx > 0);
        value = digits[idx - 1] + 1;
    }
    result.digits = digits;
    result.digit_count = (int32_t)(last_idx + 1);
    result.weight = num->weight + 1;
    numeric_var_strip(&result);
    *out = result;
    return NULL;
}

/* ---- Comparison --------------------------------------------------------------------------- */

int numeric_cmp_abs(const Numeric *a, const Numeric *b)
{
    if (a->digit_count == 0 || b->digit_count == 0) {
        return (a->digit_count > 0) - (b->digit_count > 0);
    }
    if (a->weight != b->weight) return a->weight > b->weight ? 1 : -1;
    int32_t common = a->digit_count < b->digit_count ? a->digit_count : b->digit_count;
    for (int32_t idx = 0; idx < common; idx++) {
        if (a->digits[idx] != b->digits[idx]) return a->digits[idx] > b->digits[idx] ? 1 : -1;
    }
    for (int32_t idx = common; idx < a->digit_count; idx++) if (a->digits[idx] != 0) return 1;
    for (int32_t idx = common; idx < b->digit_count; idx++) if (b->digits[idx] != 0) return -1;
    return 0;
}

/* numeric_cmp_finite: a and b finite, possibly unstripped but with leading digit non-zero or none. */
int numeric_cmp_finite(const Numeric *a, const Numeric *b)
{
    int a_sign = a->digit_count == 0 ? 0 : a->negative ? -1 : 1;
    int b_sign = b->digit_count == 0 ? 0 : b->negative ? -1 : 1;
    if (a_sign != b_sign) return a_sign < b_sign ? -1 : 1;
    int abs_cmp = numeric_cmp_abs(a, b);
    return a_sign < 0 ? -abs_cmp : abs_cmp;
}

static int kind_rank(const Numeric *num)
{
    switch ((NumericKind)num->kind) {
    case NUMERIC_KIND_NINF: return 0;
    case NUMERIC_KIND_FINITE: return 1;
    case NUMERIC_KIND_PINF: return 2;
    case NUMERIC_KIND_NAN: return 3;
    }
    return 3;
}

int numeric_cmp(const Numeric *a, const Numeric *b)
{
    int a_rank = kind_rank(a), b_rank = kind_rank(b);
    if (a_rank != b_rank) return a_rank < b_rank ? -1 : 1;
    if (a_rank != 1) return 0;
    return numeric_cmp_finite(a, b);
}

uint64_t numeric_hash(const Numeric *num, uint64_t seed)
{
    if (num->kind != NUMERIC_KIND_FINITE) return hash_u64(seed ^ (0x9e3779b97f4a7c15ULL * num->kind));
    /* canonical digits: equal values have equal digits, weight and sign whatever their dscale */
    uint64_t header = ((uint64_t)(uint32_t)num->weight << 1) | num->negative;
    return hash_bytes(num->digits, (size_t)num->digit_count * sizeof(uint16_t),
                      hash_u64(seed ^ header));
}

/* ---- Addition and subtraction -------------------------------------------------------------- */


/* numeric_add_abs: |a| + |b| with dscale max(a, b). */
Error *numeric_add_abs(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    int64_t top = (a->weight > b->weight ? a->weight : b->weight) + 1;
    int64_t bottom = top;
    if (a->digit_count > 0 && numeric_last_weight(a) < bottom) bottom = numeric_last_weight(a);
    if (b->digit_count > 0 && numeric_last_weight(b) < bottom) bottom = numeric_last_weight(b);
    int64_t count = top - bottom + 1;
    uint16_t *digits = numeric_digits_alloc(arena, count);
    if (digits == NULL) return numeric_err_oom();
    uint32_t carry = 0;
    for (int64_t idx = count - 1; idx >= 0; idx--) {
        int64_t pos = top - idx;
        uint32_t sum = numeric_digit_at(a, pos) + numeric_digit_at(b, pos) + carry;
        carry = sum >= NUMERIC_BASE;
        digits[idx] = (uint16_t)(carry ? sum - NUMERIC_BASE : sum);
    }
    ASSERT(carry == 0);
    *out = (Numeric){.kind = NUMERIC_KIND_FINITE, .weight = (int32_t)top,
                     .dscale = a->dscale > b->dscale ? a->dscale : b->dscale,
                     .digit_count = (int32_t)count, .digits = digits};
    numeric_var_strip(out);
    return NULL;
}

/* sub_abs: |a| - |b| with dscale max(a, b). Pre: |a| >= |b|. */
static Error *sub_abs(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    int64_t top = a->weight > b->weight ? a->weight : b->weight;
    int64_t bottom = top;
    if (a->digit_count > 0 && numeric_last_weight(a) < bottom) bottom = numeric_last_weight(a);
    if (b->digit_count > 0 && numeric_last_weight(b) < bottom) bottom = numeric_last_weight(b);
    int64_t count = top - bottom + 1;
    uint16_t *digits = numeric_digits_alloc(arena, count);
    if (digits == NULL) return numeric_err_oom();
    int32_t borrow = 0;
    for (int64_t idx = count - 1; idx >= 0; idx--) {
        int64_t pos = top - idx;
        int32_t diff = (int32_t)numeric_digit_at(a, pos) - (int32_t)numeric_digit_at(b, pos) - borrow;
        borrow = diff < 0;
        digits[idx] = (uint16_t)(borrow ? diff + NUMERIC_BASE : diff);
    }
    ASSERT(borrow == 0);
    *out = (Numeric){.kind = NUMERIC_KIND_FINITE, .weight = (int32_t)top,
                     .dscale = a->dscale > b->dscale ? a->dscale : b->dscale,
                     .digit_count = (int32_t)count, .digits = digits};
    numeric_var_strip(out);
    return NULL;
}

/* numeric_add_finite: a + b for finite values (b_negative overrides b's sign, for subtraction). */
Error *numeric_add_finite(const Numeric *a, const Numeric *b, bool b_negative, Arena *arena,
                         Numeric *out)
{
    bool a_negative = a->negative && a->digit_count > 0;
    b_negative = b_negative && b->digit_count > 0;
    if (a_negative == b_negative) {
        TRY(numeric_add_abs(a, b, arena, out));
        out->negative = a_negative && out->digit_count > 0;
        return NULL;
    }
    int abs_cmp = numeric_cmp_abs(a, b);
    if (abs_cmp == 0) {
        *out = numeric_make_zero(a->dscale > b->dscale ? a->dscale : b->dscale);
        return NULL;
    }
    if (abs_cmp > 0) {
        TRY(sub_abs(a, b, arena, out));
        out->negative = a_negative;
    } else {
        TRY(sub_abs(b, a, arena, out));
        out->negative = b_negative;
    }
    return NULL;
}

static Error *add_special(const Numeric *a, const Numeric *b, bool b_negated, Numeric *out)
{
    NumericKind b_kind = (NumericKind)b->kind;
    if (b_negated && b_kind == NUMERIC_KIND_PINF) b_kind = NUMERIC_KIND_NINF;
    else if (b_negated && b_kind == NUMERIC_KIND_NINF) b_kind = NUMERIC_KIND_PINF;
    NumericKind a_kind = (NumericKind)a->kind;
    if (a_kind == NUMERIC_KIND_NAN || b_kind == NUMERIC_KIND_NAN) {
        *out = numeric_make_special(NUMERIC_KIND_NAN);
    } else if (a_kind != NUMERIC_KIND_FINITE && b_kind != NUMERIC_KIND_FINITE) {
        *out = numeric_make_special(a_kind == b_kind ? a_kind : NUMERIC_KIND_NAN);
    } else {
        *out = numeric_make_special(a_kind != NUMERIC_KIND_FINITE ? a_kind : b_kind);
    }
    return NULL;
}

Error *numeric_add(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    if (a->kind != NUMERIC_KIND_FINITE || b->kind != NUMERIC_KIND_FINITE) {
        return add_special(a, b, false, out);
    }
    TRY(numeric_add_finite(a, b, b->negative, arena, out));
    return numeric_var_finish(out);
}

Error *numeric_sub(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    if (a->kind != NUMERIC_KIND_FINITE || b->kind != NUMERIC_KIND_FINITE) {
        return add_special(a, b, true, out);
    }
    TRY(numeric_add_finite(a, b, !b->negative, arena, out));
    return numeric_var_finish(out);
}

/* ---- Multiplication ----------------------------------------------------------------------- */

/* numeric_mul_exact: the exact product, dscale a + b (not clamped). */
Error *numeric_mul_exact(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    int64_t dscale = (int64_t)a->dscale + b->dscale;
    if (a->digit_count == 0 || b->digit_count == 0) {
        *out = numeric_make_zero((int32_t)(dscale < INT32_MAX ? dscale : INT32_MAX));
        return NULL;
    }
    int64_t count = (int64_t)a->digit_count + b->digit_count;
    uint64_t *sums = arena_calloc(arena, (size_t)count * sizeof(uint64_t));
    uint16_t *digits = numeric_digits_alloc(arena, count);
    if (sums == NULL || digits == NULL) return numeric_err_oom();
    for (int32_t a_idx = 0; a_idx < a->digit_count; a_idx++) {
        uint64_t a_digit = a->digits[a_idx];
        if (a_digit == 0) continue;
        uint64_t *row = sums + a_idx + 1;
        for (int32_t b_idx = 0; b_idx < b->digit_count; b_idx++) row[b_idx] += a_digit * b->digits[b_idx];
    }
    uint64_t carry = 0;
    for (int64_t idx = count - 1; idx >= 0; idx--) {
        uint64_t value = sums[idx] + carry;
        digits[idx] = (uint16_t)(value % NUMERIC_BASE);
        carry = value / NUMERIC_BASE;
    }
    ASSERT(carry == 0);
    *out = (Numeric){.kind = NUMERIC_KIND_FINITE, .negative = a->negative != b->negative,
                     .weight = a->weight + b->weight + 1, .dscale = (int32_t)dscale,
                     .digit_count = (int32_t)count, .digits = digits};
    numeric_var_strip(out);
    return NULL;
}

/* numeric_mul_round: the product rounded at scale (PostgreSQL's mul_var with an rscale). */
Error *numeric_mul_round(const Numeric *a, const Numeric *b, int32_t scale, Arena *arena,
                        Numeric *out)
{
    TRY(numeric_mul_exact(a, b, arena, out));
    return numeric_round_at(out, scale, true, arena, out);
}

int numeric_special_sign(const Numeric *num)
{
    if (num->kind == NUMERIC_KIND_PINF) return 1;
    if (num->kind == NUMERIC_KIND_NINF) return -1;
    return num->digit_count == 0 ? 0 : num->negative ? -1 : 1;
}

static Numeric make_signed_inf(int sign)
{
    return numeric_make_special(sign > 0 ? NUMERIC_KIND_PINF : NUMERIC_KIND_NINF);
}

Error *numeric_mul(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    if (a->kind != NUMERIC_KIND_FINITE || b->kind != NUMERIC_KIND_FINITE) {
        int sign = numeric_special_sign(a) * numeric_special_sign(b);
        if (a->kind == NUMERIC_KIND_NAN || b->kind == NUMERIC_KIND_NAN || sign == 0) {
            *out = numeric_make_special(NUMERIC_KIND_NAN);
        } else {
            *out = make_signed_inf(sign);
        }
        return NULL;
    }
    TRY(numeric_mul_exact(a, b, arena, out));
    if (out->dscale > NUMERIC_DSCALE_MAX) TRY(numeric_round_at(out, NUMERIC_DSCALE_MAX, true, arena, out));
    return numeric_var_finish(out);
}

/* ---- Division ----------------------------------------------------------------------------- */

/* long_divide: quotient[0 .. u_count - v_count] = floor(U / V) for base-10000 integers
 * (Knuth's algorithm D). Pre: v_count >= 1, v[0] != 0, u_count >= v_count. */
static Error *long_divide(const uint16_t *u_digits, int64_t u_count, const uint16_t *v_digits,
                          int64_t v_count, Arena *arena, uint16_t *quotient)
{
    if (v_count == 1) {
        uint32_t divisor = v_digits[0], remainder = 0;
        for (int64_t idx = 0; idx < u_count; idx++) {
            uint32_t value = remainder * NUMERIC_BASE + u_digits[idx];
            if (idx >= 0) quotient[idx] = (uint16_t)(value / divisor);
            remainder = value % divisor;
        }
        return NULL;
    }
    int32_t *u = arena_alloc(arena, (size_t)(u_count + 1) * sizeof(int32_t));
    int32_t *v = arena_alloc(arena, (size_t)v_count * sizeof(int32_t));
    if (u == NULL || v == NULL) return numeric_err_oom();
    int32_t factor = NUMERIC_BASE / (v_digits[0] + 1);
    int32_t carry = 0;
    for (int64_t idx = v_count - 1; idx >= 0; idx--) {
        int32_t value = v_digits[idx] * factor + carry;
        v[idx] = value % NUMERIC_BASE;
        carry = value / NUMERIC_BASE;
    }
    carry = 0;
    for (int64_t idx = u_count - 1; idx >= 0; idx--) {
        int32_t value = u_digits[idx] * factor + carry;
        u[idx + 1] = value % NUMERIC_BASE;
        carry = value / NUMERIC_BASE;
    }
    u[0] = carry;
    for (int64_t j = 0; j <= u_count - v_count; j++) {
        int64_t numerator = (int64_t)u[j] * NUMERIC_BASE + u[j + 1];
        int64_t qhat = numerator / v[0], rhat = numerator % v[0];
        while (qhat >= NUMERIC_BASE || qhat * v[1] > rhat * NUMERIC_BASE + u[j + 2]) {
            qhat--;
            rhat += v[0];
            if (rhat >= NUMERIC_BASE) break;
        }
        int64_t mul_carry = 0, borrow = 0;
        for (int64_t idx = v_count - 1; idx >= 0; idx--) {
            int64_t product = qhat * v[idx] + mul_carry;
            mul_carry = product / NUMERIC_BASE;
            int64_t diff = u[j + idx + 1] - product % NUMERIC_BASE - borrow;
            borrow = diff < 0;
            u[j + idx + 1] = (int32_t)(borrow ? diff + NUMERIC_BASE : diff);
        }
        int64_t top = u[j] - mul_carry - borrow;
        if (top < 0) { /* qhat was one too large: add V back */
            qhat--;
            int32_t add_carry = 0;
            for (int64_t idx = v_count - 1; idx >= 0; idx--) {
                int32_t sum = u[j + idx + 1] + v[idx] + add_carry;
                add_carry = sum >= NUMERIC_BASE;
                u[j + idx + 1] = add_carry ? sum - NUMERIC_BASE : sum;
            }
            top += add_carry;
        }
        ASSERT(top == 0);
        u[j] = (int32_t)top;
        quotient[j] = (uint16_t)qhat;
    }
    return NULL;
}

/* numeric_div_core: |a| / |b| truncated after frac_count base-10000 digits after the point (may be
 * negative: truncated before the point), with the sign of a * b and dscale 0.
 * Pre: a, b finite, stripped, b non-zero. */
Error *numeric_div_core(const Numeric *a, const Numeric *b, int64_t frac_count, Arena *arena,
                       Numeric *out)
{
    ASSERT(b->digit_count > 0);
    /* out may alias a or b: it is written only once the inputs are no longer needed */
    if (a->digit_count == 0) {
        *out = numeric_make_zero(0);
        return NULL;
    }
    /* |a| = A * 10000^a_exp, |b| = B * 10000^b_exp; Q = floor(A * 10000^shift / B) */
    int64_t a_exp = numeric_last_weight(a), b_exp = numeric_last_weight(b);
    int64_t shift = a_exp - b_exp + frac_count;
    int64_t u_count = a->digit_count + shift;
    if (u_count < b->digit_count) {
        *out = numeric_make_zero(0);
        return NULL;
    }
    uint16_t *u = numeric_digits_alloc(arena, u_count);
    if (u == NULL) return numeric_err_oom();
    int64_t copy_count = u_count < a->digit_count ? u_count : a->digit_count;
    memcpy(u, a->digits, (size_t)copy_count * sizeof(uint16_t));
    for (int64_t idx = copy_count; idx < u_count; idx++) u[idx] = 0;
    int64_t q_count = u_count - b->digit_count + 1;
    uint16_t *quotient = numeric_digits_alloc(arena, q_count);
    if (quotient == NULL) return numeric_err_oom();
    TRY(long_divide(u, u_count, b->digits, b->digit_count, arena, quotient));
    if (q_count - 1 - frac_count > INT32_MAX / 2) return numeric_err_overflow();
    *out = (Numeric){.kind = NUMERIC_KIND_FINITE, .negative = a->negative != b->negative,
                     .weight = (int32_t)(q_count - 1 - frac_count), .digit_count = (int32_t)q_count,
                     .digits = quotient};
    numeric_var_strip(out);
    return NULL;
}

/* numeric_div_round: a / b rounded at scale. Pre: b non-zero. */
Error *numeric_div_round(const Numeric *a, const Numeric *b, int32_t scale, Arena *arena,
                        Numeric *out)
{
    /* enough digits for scale + 1 decimals; the truncated tail never flips a half-way decision */
    int64_t frac_count = scale >= 0 ? (scale + NUMERIC_BASE_DECIMALS) / NUMERIC_BASE_DECIMALS
                                    : -((-(int64_t)scale - 1) / NUMERIC_BASE_DECIMALS);
    TRY(numeric_div_core(a, b, frac_count, arena, out));
    return numeric_round_at(out, scale, true, arena, out);
}

/* select_div_scale: PostgreSQL's choice of the quotient's scale. */
static int32_t select_div_scale(const Numeric *a, const Numeric *b)
{
    int32_t a_weight = a->digit_count > 0 ? a->weight : 0;
    int32_t b_weight = b->digit_count > 0 ? b->weight : 0;
    int32_t a_first = a->digit_count > 0 ? a->digits[0] : 0;
    int32_t b_first = b->digit_count > 0 ? b->digits[0] : 0;
    int32_t q_weight = a_weight - b_weight;
    if (a_first <= b_first) q_weight--;
    int64_t scale = NUMERIC_MIN_SIG_DIGITS - (int64_t)q_weight * NUMERIC_BASE_DECIMALS;
    if (scale < a->dscale) scale = a->dscale;
    if (scale < b->dscale) scale = b->dscale;
    if (scale < 0) scale = 0;
    if (scale > NUMERIC_DISPLAY_SCALE_MAX) scale = NUMERIC_DISPLAY_SCALE_MAX;
    return (int32_t)scale;
}

/* div_special: the result of a division with a special operand (numeric_div, div()). */
static Error *div_special(const Numeric *a, const Numeric *b, Numeric *out)
{
    if (a->kind == NUMERIC_KIND_NAN || b->kind == NUMERIC_KIND_NAN) {
        *out = numeric_make_special(NUMERIC_KIND_NAN);
    } else if (a->kind != NUMERIC_KIND_FINITE) {
        if (b->kind != NUMERIC_KIND_FINITE) {
            *out = numeric_make_special(NUMERIC_KIND_NAN);
        } else if (b->digit_count == 0) {
            return numeric_err_div_zero();
        } else {
            *out = make_signed_inf(numeric_special_sign(a) * numeric_special_sign(b));
        }
    } else {
        *out = numeric_make_zero(0); /* finite / infinite */
    }
    return NULL;
}

Error *numeric_div(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    if (a->kind != NUMERIC_KIND_FINITE || b->kind != NUMERIC_KIND_FINITE) {
        return div_special(a, b, out);
    }
    if (b->digit_count == 0) return numeric_err_div_zero();
    int32_t scale = select_div_scale(a, b);
    TRY(numeric_div_round(a, b, scale, arena, out));
    return numeric_var_finish(out);
}

Error *numeric_div_trunc(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    if (a->kind != NUMERIC_KIND_FINITE || b->kind != NUMERIC_KIND_FINITE) {
        return div_special(a, b, out);
    }
    if (b->digit_count == 0) return numeric_err_div_zero();
    TRY(numeric_div_core(a, b, 0, arena, out));
    return numeric_var_finish(out);
}

/* mod_finite: a - trunc(a / b) * b. Pre: finite, b non-zero. */
static Error *mod_finite(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    Numeric quotient, product;
    TRY(numeric_div_core(a, b, 0, arena, &quotient));
    TRY(numeric_mul_exact(&quotient, b, arena, &product));
    return numeric_add_finite(a, &product, !product.negative, arena, out);
}

Error *numeric_mod(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out)
{
    if (a->kind == NUMERIC_KIND_NAN || b->kind == NUMERIC_KIND_NAN) {
        *out = numeric_make_special(NUMERIC_KIND_NAN);
        return NULL;
    }
    if (a->kind != NUMERIC_KIND_FINITE) {
        if (b->kind == NUMERIC_KIND_FINITE && b->digit_count == 0) return numeric_err_div_zero();
        *out = numeric_make_special(NUMERIC_KIND_NAN);
        return NULL;
    }
    if (b->kind != NUMERIC_KIND_FINITE) {
        *out = *a; /* finite % infinite is the finite value */
        return NULL;
    }
    if (b->digit_count == 0) return numeric_err_div_zero();
    TRY(mod_finite(a, b, arena, out));
    return numeric_var_finish(out);
}

/* ---- Unary operations --------------------------------------------------------------------- */

Error *numeric_abs(const Numeric *num, Arena *arena, Numeric *out)
{
    *out = *num;
    if (num->kind == NUMERIC_KIND_NINF) out->kind = NUMERIC_KIND_PINF;
    out->negative = 0;
    return NULL;
}

Error *numeric_negate(const Numeric *num, Arena *arena, Numeric *out)
{
    *out = *num;
    if (num->kind == NUMERIC_KIND_PINF) out->kind = NUMERIC_KIND_NINF;
    else if (num->kind == NUMERIC_KIND_NINF) out->kind = NUMERIC_KIND_PINF;
    else if (num->kind == NUMERIC_KIND_FINITE && num->digit_count > 0) out->negative = !num->negative;
    return NULL;
}

/* clamp_round_scale: round()/trunc() limit their scale to what a value can hold: one digit
 * before the largest weight (which may round up and overflow) to the largest dscale. */
static int32_t clamp_round_scale(int32_t scale)
{
    const int32_t scale_min = -(NUMERIC_WEIGHT_MAX + 1) * NUMERIC_BASE_DECIMALS - 1;
    if (scale < scale_min) return scale_min;
    if (scale > NUMERIC_DSCALE_MAX) return NUMERIC_DSCALE_MAX;
    return scale;
}

Error *numeric_round(const Numeric *num, int32_t scale, Arena *arena, Numeric *out)
{
    if (num->kind != NUMERIC_KIND_FINITE) {
        *out = *num;
        return NULL;
    }
    TRY(numeric_round_at(num, clamp_round_scale(scale), true, arena, out));
    return numeric_var_finish(out);
}

Error *numeric_trunc(const Numeric *num, int32_t scale, Arena *arena, Numeric *out)
{
    if (num->kind != NUMERIC_KIND_FINITE) {
        *out = *num;
        return NULL;
    }
    TRY(numeric_round_at(num, clamp_round_scale(scale), false, arena, out));
    return numeric_var_finish(out);
}

/* ceil_floor: the integer at or above (toward_positive) or at or below num. */
static Error *ceil_floor(const Numeric *num, bool toward_positive, Arena *arena, Numeric *out)
{
    if (num->kind != NUMERIC_KIND_FINITE) {
        *out = *num;
        return NULL;
    }
    Numeric truncated;
    TRY(numeric_round_at(num, 0, false, arena, &truncated));
    bool has_fraction = numeric_cmp_finite(&truncated, num) != 0;
    if (has_fraction && (num->negative != 0) != toward_positive) {
        Numeric one = numeric_const_int(NUMERIC_DIGIT_ONE);
        TRY(numeric_add_finite(&truncated, &one, !toward_positive, arena, &truncated));
    }
    *out = truncated;
    return numeric_var_finish(out);
}

Error *numeric_ceil(const Numeric *num, Arena *arena, Numeric *out)
{
    return ceil_floor(num, true, arena, out);
}

Error *numeric_floor(const Numeric *num, Arena *arena, Numeric *out)
{
    return ceil_floor(num, false, arena, out);
}

Error *numeric_sign(const Numeric *num, Arena *arena, Numeric *out)
{
    if (num->kind == NUMERIC_KIND_NAN) {
        *out = *num;
        return NULL;
    }
    int sign = numeric_special_sign(num);
    *out = sign == 0 ? numeric_make_zero(0) : numeric_const_int(NUMERIC_DIGIT_ONE);
    out->negative = sign < 0;
    return NULL;
}

bool numeric_scale(const Numeric *num, int32_t *scale_out)
{
    if (num->kind != NUMERIC_KIND_FINITE) return false;
    *scale_out = num->dscale;
    return true;
}

bool numeric_min_scale(const Numeric *num, int32_t *scale_out)
{
    if (num->kind != NUMERIC_KIND_FINITE) return false;
    int64_t scale = 0;
    if (num->digit_count > 0 && numeric_last_weight(num) < 0) {
        uint32_t last = num->digits[num->digit_count - 1];
        int32_t trailing_zeros = 0;
        while (last % 10 == 0) {
            last /= 10;
            trailing_zeros++;
        }
        scale = -numeric_last_weight(num) * NUMERIC_BASE_DECIMALS - trailing_zeros;
    }
    *scale_out = (int32_t)scale;
    return true;
}

Error *numeric_trim_scale(const Numeric *num, Arena *arena, Numeric *out)
{
    *out = *num;
    int32_t scale;
    if (numeric_min_scale(num, &scale)) out->dscale = scale;
    return NULL;
}

/* ---- Integer and floating-point conversions ------------------------------------------------ */

Error *numeric_from_int64(int64_t value, Arena *arena, Numeric *out)
{
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    uint16_t *digits = numeric_digits_alloc(arena, 5);
    if (digits == NULL) return numeric_err_oom();
    int32_t count = 0;
    uint16_t reversed[5];
    while (magnitude > 0) {
        reversed[count++] = (uint16_t)(magnitude % NUMERIC_BASE);
        magnitude /= NUMERIC_BASE;
    }
    for (int32_t idx = 0; idx < count; idx++) digits[idx] = reversed[count - 1 - idx];
    *out = (Numeric){.kind = NUMERIC_KIND_FINITE, .negative = value < 0, .weight = count - 1,
                     .digit_count = count, .digits = digits};
    numeric_var_strip(out);
    return NULL;
}

static Error *from_floating(double value, int significant_digits, Arena *arena, Numeric *out)
{
    if (isnan(value)) {
        *out = numeric_make_special(NUMERIC_KIND_NAN);
        return NULL;
    }
    if (isinf(value)) {
        *out = make_signed_inf(value > 0 ? 1 : -1);
        return NULL;
    }
    char text[64];
    snprintf(text, sizeof text, "%.*g", significant_digits, value);
    return numeric_from_text(text, arena, out);
}

Error *numeric_from_double(double value, Arena *arena, Numeric *out)
{
    return from_floating(value, DBL_DIG, arena, out);
}

Error *numeric_from_float(float value, Arena *arena, Numeric *out)
{
    return from_floating((double)value, FLT_DIG, arena, out);
}

/* numeric_to_integer: num rounded half away from zero, if within [-limit_negative, limit_positive]. */
Error *numeric_to_integer(const Numeric *num, uint64_t limit_positive, const char *type_name,
                         int64_t *value_out)
{
    if (num->kind == NUMERIC_KIND_NAN) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot convert NaN to %s", type_name);
    }
    if (num->kind != NUMERIC_KIND_FINITE) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot convert infinity to %s", type_name);
    }
    uint64_t limit = num->negative ? limit_positive + 1 : limit_positive;
    uint64_t magnitude = 0;
    bool out_of_range = num->weight >= 5 && num->digit_count > 0;
    for (int32_t pos = num->weight; pos >= 0 && !out_of_range; pos--) {
        uint32_t digit = numeric_digit_at(num, pos);
        out_of_range = magnitude > (limit - digit) / NUMERIC_BASE;
        magnitude = magnitude * NUMERIC_BASE + digit;
    }
    if (!out_of_range && numeric_digit_at(num, -1) >= NUMERIC_BASE / 2) {
        magnitude++;
        out_of_range = magnitude > limit;
    }
    if (out_of_range) {
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "%s out of range", type_name);
    }
    *value_out = num->negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return NULL;
}

Error *numeric_to_int16(const Numeric *num, int16_t *value_out)
{
    int64_t value;
    Error *err = numeric_to_integer(num, INT16_MAX, "smallint", &value);
    if (err != NULL) return err;
    *value_out = (int16_t)value;
    return NULL;
}

Error *numeric_to_int32(const Numeric *num, int32_t *value_out)
{
    int64_t value;
    Error *err = numeric_to_integer(num, INT32_MAX, "integer", &value);
    if (err != NULL) return err;
    *value_out = (int32_t)value;
    return NULL;
}

Error *numeric_to_int64(const Numeric *num, int64_t *value_out)
{
    if (num->kind == NUMERIC_KIND_FINITE && num->weight >= 5 && num->digit_count > 0) {
        return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
    }
    return numeric_to_integer(num, INT64_MAX, "bigint", value_out);
}

/* to_floating: strtod (strtof) of the printed value; *range_error_out as float8in decides. */
static Error *to_floating(const Numeric *num, bool is_float, double *value_out,
                          bool *range_error_out)
{
    *range_error_out = false;
    if (num->kind == NUMERIC_KIND_NAN) { *value_out = NAN; return NULL; }
    if (num->kind == NUMERIC_KIND_PINF) { *value_out = INFINITY; return NULL; }
    if (num->kind == NUMERIC_KIND_NINF) { *value_out = -INFINITY; return NULL; }
    char small[128];
    size_t size = numeric_text_size_max(num) + 1;
    char *text = size <= sizeof small ? small : malloc(size);
    if (text == NULL) return numeric_err_oom();
    numeric_format(num, text);
    errno = 0;
    double value;
    if (is_float) {
        float float_value = strtof(text, NULL);
        value = float_value;
        *range_error_out = errno == ERANGE && (float_value == 0.0f || isinf(float_value));
    } else {
        value = strtod(text, NULL);
        *range_error_out = errno == ERANGE && (value == 0.0 || isinf(value));
    }
    Error *err = NULL;
    if (*range_error_out) {
        err = err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "\"%s\" is out of range for type %s",
                      text, is_float ? "real" : "double precision");
    }
    if (text != small) free(text);
    *value_out = value;
    return err;
}

Error *numeric_to_double(const Numeric *num, double *value_out)
{
    bool range_error;
    return to_floating(num, false, value_out, &range_error);
}

Error *numeric_to_float(const Numeric *num, float *value_out)
{
    double value = 0;
    bool range_error;
    TRY(to_floating(num, true, &value, &range_error));
    *value_out = (float)value;
    return NULL;
}

/* numeric_to_double_no_overflow: numeric -> double, +-HUGE_VAL or 0 instead of a range error. */
double numeric_to_double_no_overflow(const Numeric *num)
{
    double value = 0;
    bool range_error;
    Error *err = to_floating(num, false, &value, &range_error);
    if (err != NULL) err_free(err);
    return value;
}

/* ---- NUMERIC(p,s) -------------------------------------------------------------------------- */

Error *numeric_typmod_make(int32_t precision, int32_t scale, int32_t *typmod_out)
{
    if (precision < 1 || precision > NUMERIC_PRECISION_MAX) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "NUMERIC precision %d must be between 1 and %d", precision,
                       NUMERIC_PRECISION_MAX);
    }
    if (scale < NUMERIC_SCALE_MIN || scale > NUMERIC_SCALE_MAX) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "NUMERIC scale %d must be between %d and %d", scale, NUMERIC_SCALE_MIN,
                       NUMERIC_SCALE_MAX);
    }
    *typmod_out = (int32_t)(((uint32_t)precision << 16) | ((uint32_t)scale & 0x7ff)) + TYPMOD_HEADER;
    return NULL;
}

int32_t numeric_typmod_precision(int32_t typmod)
{
    return ((typmod - TYPMOD_HEADER) >> 16) & 0xffff;
}

int32_t numeric_typmod_scale(int32_t typmod)
{
    return ((((typmod - TYPMOD_HEADER) & 0x7ff) ^ 1024) - 1024);
}

Error *numeric_apply_typmod(const Numeric *num, int32_t typmod, Arena *arena, Numeric *out)
{
    if (typmod < TYPMOD_HEADER || num->kind == NUMERIC_KIND_NAN) {
        *out = *num;
        return NULL;
    }
    int32_t precision = numeric_typmod_precision(typmod), scale = numeric_typmod_scale(typmod);
    int32_t digits_max = precision - scale;
    if (num->kind != NUMERIC_KIND_FINITE) {
        Error *err = err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
        return err_set_detail(err, "A field with precision %d, scale %d cannot hold an infinite value.",
                              precision, scale);
    }
    Numeric rounded;
    TRY(numeric_round_at(num, scale, true, arena, &rounded));
    if (rounded.digit_count > 0 && numeric_decimal_weight(&rounded) + 1 > digits_max) {
        Error *err = err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
        return err_set_detail(err,
                              "A field with precision %d, scale %d must round to an absolute "
                              "value less than %s%d.",
                              precision, scale, digits_max != 0 ? "10^" : "",
                              digits_max != 0 ? digits_max : 1);
    }
    *out = rounded;
    return numeric_var_finish(out);
}

/* ---- Stored form --------------------------------------------------------------------------- */

size_t numeric_serialized_size(const Numeric *num)
{
    if (num->kind != NUMERIC_KIND_FINITE) return 1;
    return NUMERIC_SERIAL_HEADER_SIZE + (size_t)num->digit_count * 2;
}

size_t numeric_serialize(const Numeric *num, uint8_t *dst)
{
    switch ((NumericKind)num->kind) {
    case NUMERIC_KIND_NAN: dst[0] = SERIAL_FLAG_NAN; return 1;
    case NUMERIC_KIND_PINF: dst[0] = SERIAL_FLAG_PINF; return 1;
    case NUMERIC_KIND_NINF: dst[0] = SERIAL_FLAG_NINF; return 1;
    case NUMERIC_KIND_FINITE: break;
    }
    VERIFY(num->dscale >= 0 && num->dscale <= NUMERIC_DSCALE_MAX);
    VERIFY(num->weight >= NUMERIC_WEIGHT_MIN && num->weight <= NUMERIC_WEIGHT_MAX);
    dst[0] = num->negative ? SERIAL_FLAG_NEGATIVE : SERIAL_FLAG_POSITIVE;
    enc_u16le(dst + 1, (uint16_t)num->dscale);
    enc_u16le(dst + 3, (uint16_t)(int16_t)num->weight);
    for (int32_t idx = 0; idx < num->digit_count; idx++) {
        enc_u16le(dst + NUMERIC_SERIAL_HEADER_SIZE + 2 * idx, num->digits[idx]);
    }
    return numeric_serialized_size(num);
}

/* validate_digits: canonical digits within dscale (shared by both binary readers). */
static Error *validate_digits(const Numeric *num, SqlState state)
{
    for (int32_t idx = 0; idx < num->digit_count; idx++) {
        if (num->digits[idx] >= NUMERIC_BASE) {
            return err_new(state, "invalid digit in external \"numeric\" value");
        }
    }
    if (num->dscale < 0 || num->dscale > NUMERIC_DSCALE_MAX) {
        return err_new(state, "invalid scale in external \"numeric\" value");
    }
    return NULL;
}

Error *numeric_deserialize(const uint8_t *src, size_t size, Arena *arena, Numeric *out)
{
    if (size == 0) return err_new(SQLSTATE_DATA_CORRUPTED, "numeric value is empty");
    if (src[0] >= SERIAL_FLAG_NAN && src[0] <= SERIAL_FLAG_NINF) {
        if (size != 1) return err_new(SQLSTATE_DATA_CORRUPTED, "numeric value has %zu bytes", size);
        *out = numeric_make_special(src[0] == SERIAL_FLAG_NAN    ? NUMERIC_KIND_NAN
                                    : src[0] == SERIAL_FLAG_PINF ? NUMERIC_KIND_PINF
                                                                 : NUMERIC_KIND_NINF);
        return NULL;
    }
    if (src[0] > SERIAL_FLAG_NEGATIVE) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "numeric value has invalid flags %u", src[0]);
    }
    if (size < NUMERIC_SERIAL_HEADER_SIZE || (size - NUMERIC_SERIAL_HEADER_SIZE) % 2 != 0) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "numeric value has %zu bytes", size);
    }
    Numeric num = {.kind = NUMERIC_KIND_FINITE, .negative = src[0] == SERIAL_FLAG_NEGATIVE,
                   .dscale = dec_u16le(src + 1), .weight = (int16_t)dec_u16le(src + 3),
                   .digit_count = (int32_t)((size - NUMERIC_SERIAL_HEADER_SIZE) / 2)};
    num.digits = numeric_digits_alloc(arena, num.digit_count);
    if (num.digits == NULL) return numeric_err_oom();
    for (int32_t idx = 0; idx < num.digit_count; idx++) {
        num.digits[idx] = dec_u16le(src + NUMERIC_SERIAL_HEADER_SIZE + 2 * idx);
    }
    TRY(validate_digits(&num, SQLSTATE_INVALID_BINARY_REPRESENTATION));
    bool canonical = num.digit_count == 0
                         ? num.weight == 0 && !num.negative
                         : num.digits[0] != 0 && num.digits[num.digit_count - 1] != 0;
    Numeric rounded;
    if (canonical && num.digit_count > 0) {
        /* no non-zero decimal beyond dscale */
        TRY(numeric_round_at(&num, num.dscale, false, arena, &rounded));
        canonical = numeric_cmp_finite(&rounded, &num) == 0;
    }
    if (!canonical) {
        return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "numeric value is not canonical");
    }
    *out = num;
    return NULL;
}

size_t numeric_pg_binary_size(const Numeric *num)
{
    return 8 + (size_t)num->digit_count * 2;
}

size_t numeric_to_pg_binary(const Numeric *num, uint8_t *dst)
{
    uint16_t sign = num->kind == NUMERIC_KIND_NAN    ? PG_SIGN_NAN
                    : num->kind == NUMERIC_KIND_PINF ? PG_SIGN_PINF
                    : num->kind == NUMERIC_KIND_NINF ? PG_SIGN_NINF
                    : num->negative                  ? PG_SIGN_NEG
                                                     : PG_SIGN_POS;
    bool finite = num->kind == NUMERIC_KIND_FINITE;
    enc_u16be(dst, (uint16_t)num->digit_count);
    enc_u16be(dst + 2, (uint16_t)(int16_t)(finite ? num->weight : 0));
    enc_u16be(dst + 4, sign);
    enc_u16be(dst + 6, (uint16_t)(finite ? num->dscale : 0));
    for (int32_t idx = 0; idx < num->digit_count; idx++) enc_u16be(dst + 8 + 2 * idx, num->digits[idx]);
    return numeric_pg_binary_size(num);
}

Error *numeric_from_pg_binary(const uint8_t *src, size_t size, Arena *arena, Numeric *out)
{
    if (size < 8) {
        return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    }
    int32_t digit_count = dec_u16be(src);
    int32_t weight = (int16_t)dec_u16be(src + 2);
    uint16_t sign = dec_u16be(src + 4);
    int32_t dscale = dec_u16be(src + 6);
    if (size < 8 + (size_t)digit_count * 2) {
        return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "insufficient data left in message");
    }
    if (size > 8 + (size_t)digit_count * 2) {
        return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
    }
    if (sign == PG_SIGN_NAN || sign == PG_SIGN_PINF || sign == PG_SIGN_NINF) {
        *out = numeric_make_special(sign == PG_SIGN_NAN    ? NUMERIC_KIND_NAN
                                    : sign == PG_SIGN_PINF ? NUMERIC_KIND_PINF
                                                           : NUMERIC_KIND_NINF);
        return NULL;
    }
    if (sign != PG_SIGN_POS && sign != PG_SIGN_NEG) {
        return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION,
                       "invalid sign in external \"numeric\" value");
    }
    Numeric num = {.kind = NUMERIC_KIND_FINITE, .negative = sign == PG_SIGN_NEG, .weight = weight,
                   .dscale = dscale, .digit_count = digit_count};
    num.digits = numeric_digits_alloc(arena, digit_count);
    if (num.digits == NULL) return numeric_err_oom();
    for (int32_t idx = 0; idx < digit_count; idx++) num.digits[idx] = dec_u16be(src + 8 + 2 * idx);
    TRY(validate_digits(&num, SQLSTATE_INVALID_BINARY_REPRESENTATION));
    /* like numeric_recv: truncate digits that dscale would hide, then normalize */
    TRY(numeric_round_at(&num, dscale, false, arena, &num));
    TRY(numeric_var_finish(&num));
    *out = num;
    return NULL;
}
