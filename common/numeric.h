/* common/numeric.h: NUMERIC values with PostgreSQL 15's arbitrary precision and scale rules.
 *
 * A finite value is sign * sum(digits[idx] * 10000^(weight - idx)), shown with dscale decimal
 * digits after the point (PostgreSQL's NumericVar). NaN, +Infinity and -Infinity are kinds of
 * their own. Results and their digits are allocated in an Arena the caller passes; operations
 * also take their temporaries from it (sqrt/ln/exp/log/power use a private scratch arena), so a
 * long-lived arena should be reset now and then (aggregates use NumericAcc, which manages its
 * own memory). Implemented in numeric.c, numeric_fast.c and numeric_math.c.
 *
 * Every exported value is canonical: no leading or trailing zero base-10000 digit, zero has
 * digit_count 0, weight 0 and is never negative, and no non-zero decimal digit lies beyond
 * dscale. Equal values may differ in dscale (1.5 and 1.50): numeric_cmp and numeric_hash ignore
 * it, numeric_to_text shows it.
 *
 * Fast path: a value whose dscale is at most s and whose magnitude fits is also an int64 (or
 * __int128) v with value = v / 10^s. The executor keeps NUMERIC(p,s) columns with p <= 18 that
 * way and falls back to the general form when an operation reports overflow. */
#ifndef BIRCH_COMMON_NUMERIC_H
#define BIRCH_COMMON_NUMERIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"

typedef enum NumericKind {
    NUMERIC_KIND_FINITE = 0,
    NUMERIC_KIND_NAN,
    NUMERIC_KIND_PINF,
    NUMERIC_KIND_NINF,
} NumericKind;

enum {
    NUMERIC_BASE = 10000,           /* one digit holds 4 decimal digits */
    NUMERIC_BASE_DECIMALS = 4,
    NUMERIC_WEIGHT_MAX = 32767,     /* storable weight range (int16) */
    NUMERIC_WEIGHT_MIN = -32768,
    NUMERIC_DSCALE_MAX = 16383,     /* storable display scale */
    NUMERIC_PRECISION_MAX = 1000,   /* NUMERIC(p,s): 1 <= p <= 1000 */
    NUMERIC_SCALE_MIN = -1000,      /* -1000 <= s <= 1000 */
    NUMERIC_SCALE_MAX = 1000,
    NUMERIC_MIN_SIG_DIGITS = 16,    /* division, sqrt, ln, exp, power keep at least this many */
    NUMERIC_DISPLAY_SCALE_MAX = 1000, /* ... and choose no result scale above this */
    NUMERIC_TYPMOD_NONE = -1,       /* plain NUMERIC */
    NUMERIC_SERIAL_HEADER_SIZE = 5, /* numeric_serialize: flags, dscale u16, weight i16 */
};

typedef struct Numeric {
    uint8_t   kind;        /* NumericKind */
    uint8_t   negative;    /* 1 if the finite value is < 0; never set for zero */
    int32_t   weight;      /* weight of digits[0] in base 10000 */
    int32_t   dscale;      /* decimal digits shown after the point, >= 0 */
    int32_t   digit_count; /* 0 for zero and for the special kinds */
    uint16_t *digits;      /* digit_count base-10000 digits, most significant first */
} Numeric;

/* ---- Construction and inspection -------------------------------------------------------- */

/* numeric_make_special: NaN, +Infinity or -Infinity (no allocation). Pre: kind != FINITE. */
Numeric numeric_make_special(NumericKind kind);
/* numeric_make_zero: zero with the given dscale (no allocation). Pre: dscale >= 0. */
Numeric numeric_make_zero(int32_t dscale);
static inline bool numeric_is_nan(const Numeric *num) { return num->kind == NUMERIC_KIND_NAN; }
static inline bool numeric_is_inf(const Numeric *num)
{
    return num->kind == NUMERIC_KIND_PINF || num->kind == NUMERIC_KIND_NINF;
}
static inline bool numeric_is_special(const Numeric *num) { return num->kind != NUMERIC_KIND_FINITE; }
static inline bool numeric_is_zero(const Numeric *num)
{
    return num->kind == NUMERIC_KIND_FINITE && num->digit_count == 0;
}
/* numeric_is_integer: finite with no non-zero fraction digit. */
bool numeric_is_integer(const Numeric *num);
/* numeric_copy: a deep copy of src in arena. Errors: OUT_OF_MEMORY. */
Error *numeric_copy(const Numeric *src, Arena *arena, Numeric *out);

/* ---- Text ---------------------------------------------------------------------------------- */

/* numeric_from_text: parse text (NUL-terminated) as PostgreSQL's numeric_in does: spaces around,
 * optional sign, digits with one optional point, optional exponent (e/E, signed), or NaN,
 * [+-]Infinity, [+-]inf in any case. dscale is the count of digits after the point minus the
 * exponent (>= 0). Post: *out is canonical; digits live in arena.
 * Errors: INVALID_TEXT_REPRESENTATION `invalid input syntax for type numeric: "TEXT"`;
 *         NUMERIC_VALUE_OUT_OF_RANGE `value overflows numeric format` (weight or dscale beyond
 *         the storable range); OUT_OF_MEMORY. */
Error *numeric_from_text(const char *text, Arena *arena, Numeric *out);
/* numeric_from_chars: as numeric_from_text for size bytes that need not end in NUL. */
Error *numeric_from_chars(const char *text, size_t size, Arena *arena, Numeric *out);
/* numeric_text_size_max: an upper bound of strlen(numeric_format(num)) (without the NUL). */
size_t numeric_text_size_max(const Numeric *num);
/* numeric_format: write num as PostgreSQL prints it (dscale digits after the point, "NaN",
 * "Infinity", "-Infinity") into buffer, NUL-terminated; returns the length without the NUL.
 * Pre: buffer holds numeric_text_size_max(num) + 1 bytes. */
size_t numeric_format(const Numeric *num, char *buffer);
/* numeric_to_text: numeric_format into a new arena string. Errors: OUT_OF_MEMORY. */
Error *numeric_to_text(const Numeric *num, Arena *arena, char **text_out);

/* ---- Conversions --------------------------------------------------------------------------- */

/* numeric_from_int64: value with dscale 0. Errors: OUT_OF_MEMORY. */
Error *numeric_from_int64(int64_t value, Arena *arena, Numeric *out);
/* numeric_from_double / numeric_from_float: PostgreSQL's float8->numeric and float4->numeric:
 * the value printed with 15 (float: 6) significant digits and parsed; NaN and +-Infinity map to
 * the special kinds. Errors: OUT_OF_MEMORY. */
Error *numeric_from_double(double value, Arena *arena, Numeric *out);
Error *numeric_from_float(float value, Arena *arena, Numeric *out);
/* numeric_to_int16/int32/int64: round half away from zero to an integer.
 * Errors: NUMERIC_VALUE_OUT_OF_RANGE `smallint out of range` / `integer out of range` /
 *         `bigint out of range`; FEATURE_NOT_SUPPORTED `cannot convert NaN to smallint`
 *         (integer, bigint) and `cannot convert infinity to ...`. */
Error *numeric_to_int16(const Numeric *num, int16_t *value_out);
Error *numeric_to_int32(const Numeric *num, int32_t *value_out);
Error *numeric_to_int64(const Numeric *num, int64_t *value_out);
/* numeric_to_double / numeric_to_float: the nearest double (float) to the printed value, as
 * PostgreSQL's numeric->float8 (float4) cast; specials map to NaN and +-inf.
 * Errors: NUMERIC_VALUE_OUT_OF_RANGE `"TEXT" is out of range for type double precision`
 *         (real) when the value overflows or underflows to zero. */
Error *numeric_to_double(const Numeric *num, double *value_out);
Error *numeric_to_float(const Numeric *num, float *value_out);

/* ---- NUMERIC(p,s) -------------------------------------------------------------------------- */

/* numeric_typmod_make: the typmod of NUMERIC(precision, scale), PostgreSQL's encoding
 * (((precision << 16) | (scale & 0x7ff)) + 4).
 * Errors: INVALID_PARAMETER_VALUE `NUMERIC precision 0 must be between 1 and 1000`,
 *         `NUMERIC scale 1001 must be between -1000 and 1000`. */
Error  *numeric_typmod_make(int32_t precision, int32_t scale, int32_t *typmod_out);
int32_t numeric_typmod_precision(int32_t typmod); /* Pre: typmod from numeric_typmod_make */
int32_t numeric_typmod_scale(int32_t typmod);
/* numeric_apply_typmod: round num to the typmod's scale and check its precision (NaN passes;
 * NUMERIC_TYPMOD_NONE returns num unchanged). Post: out->dscale == max(scale, 0).
 * Errors: NUMERIC_VALUE_OUT_OF_RANGE `numeric field overflow` with detail `A field with
 *         precision 5, scale 2 must round to an absolute value less than 10^3.` or `... cannot
 *         hold an infinite value.`; OUT_OF_MEMORY. */
Error *numeric_apply_typmod(const Numeric *num, int32_t typmod, Arena *arena, Numeric *out);

/* ---- Arithmetic (PostgreSQL's result scales) ----------------------------------------------- */
/* Every operation: Post: *out is canonical and lives in arena (it may share digits with an
 * input). Errors: OUT_OF_MEMORY; NUMERIC_VALUE_OUT_OF_RANGE `value overflows numeric format`
 * when the result's weight is not storable; others as listed. */

/* numeric_add / numeric_sub: dscale max(a, b). Inf - Inf is NaN. */
Error *numeric_add(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out);
Error *numeric_sub(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out);
/* numeric_mul: dscale a + b (at most NUMERIC_DSCALE_MAX, rounded). Inf * 0 is NaN. */
Error *numeric_mul(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out);
/* numeric_div: quotient rounded half away from zero at PostgreSQL's select_div_scale: at least
 * 16 significant digits, at least both dscales, at most 1000.
 * Errors: DIVISION_BY_ZERO `division by zero`. */
Error *numeric_div(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out);
/* numeric_div_trunc: SQL div(a, b): the quotient truncated toward zero, dscale 0. */
Error *numeric_div_trunc(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out);
/* numeric_mod: a - trunc(a / b) * b, dscale max(a, b); the sign of a.
 * Errors: DIVISION_BY_ZERO. */
Error *numeric_mod(const Numeric *a, const Numeric *b, Arena *arena, Numeric *out);
Error *numeric_abs(const Numeric *num, Arena *arena, Numeric *out);
Error *numeric_negate(const Numeric *num, Arena *arena, Numeric *out);
/* numeric_round / numeric_trunc: to scale decimals after the point (negative: before it);
 * round is half away from zero. scale is first clamped to [-131073, 16383]; dscale
 * max(scale, 0). Specials pass through. Errors: `value overflows numeric format` when rounding
 * up past the largest weight. */
Error *numeric_round(const Numeric *num, int32_t scale, Arena *arena, Numeric *out);
Error *numeric_trunc(const Numeric *num, int32_t scale, Arena *arena, Numeric *out);
/* numeric_ceil / numeric_floor: dscale 0. */
Error *numeric_ceil(const Numeric *num, Arena *arena, Numeric *out);
Error *numeric_floor(const Numeric *num, Arena *arena, Numeric *out);
/* numeric_sign: -1, 0 or 1 with dscale 0; NaN for NaN, +-1 for +-Infinity. */
Error *numeric_sign(const Numeric *num, Arena *arena, Numeric *out);
/* numeric_scale: SQL scale(): the dscale; false for NaN and Infinity (SQL NULL). */
bool   numeric_scale(const Numeric *num, int32_t *scale_out);
/* numeric_min_scale: SQL min_scale(): fewest decimals that keep the value; false if special. */
bool   numeric_min_scale(const Numeric *num, int32_t *scale_out);
/* numeric_trim_scale: SQL trim_scale(): the value with dscale numeric_min_scale. */
Error *numeric_trim_scale(const Numeric *num, Arena *arena, Numeric *out);
/* numeric_sqrt: at least 16 significant digits, dscale >= the input's, rounded.
 * Errors: INVALID_ARGUMENT_FOR_POWER_FUNCTION `cannot take square root of a negative number`. */
Error *numeric_sqrt(const Numeric *num, Arena *arena, Numeric *out);
/* numeric_exp / numeric_ln / numeric_log10 / numeric_log (log base b of x) / numeric_power:
 * PostgreSQL's scale selection; values correctly rounded from a computation with guard digits.
 * Errors: INVALID_ARGUMENT_FOR_LOGARITHM `cannot take logarithm of zero` / `... of a negative
 *         number`; DIVISION_BY_ZERO (log base 1); INVALID_ARGUMENT_FOR_POWER_FUNCTION `zero
 *         raised to a negative power is undefined`, `a negative number raised to a non-integer
 *         power yields a complex result`; NUMERIC_VALUE_OUT_OF_RANGE on overflow. */
Error *numeric_exp(const Numeric *num, Arena *arena, Numeric *out);
Error *numeric_ln(const Numeric *num, Arena *arena, Numeric *out);
Error *numeric_log10(const Numeric *num, Arena *arena, Numeric *out);
Error *numeric_log(const Numeric *base, const Numeric *num, Arena *arena, Numeric *out);
Error *numeric_power(const Numeric *base, const Numeric *exponent, Arena *arena, Numeric *out);

/* ---- Comparison and hashing ---------------------------------------------------------------- */

/* numeric_cmp: <0, 0, >0 as a sorts before, equal to, after b: -Infinity < finite < +Infinity
 * < NaN, and NaN equals NaN (PostgreSQL's btree order). dscale is ignored. */
int      numeric_cmp(const Numeric *a, const Numeric *b);
/* numeric_hash: equal under numeric_cmp implies equal hashes (1.5 and 1.50 hash the same). */
uint64_t numeric_hash(const Numeric *num, uint64_t seed);

/* ---- Stored form --------------------------------------------------------------------------- */
/* Layout (little-endian): byte 0 flags (0 positive, 1 negative, 2 NaN, 3 +Inf, 4 -Inf); for
 * finite values u16 dscale, i16 weight, then digit_count u16 digits. Specials are 1 byte. */

/* numeric_serialized_size: bytes numeric_serialize writes for num. */
size_t numeric_serialized_size(const Numeric *num);
/* numeric_serialize: write num to dst; returns the size written.
 * Pre: num is canonical with storable weight and dscale; dst holds numeric_serialized_size. */
size_t numeric_serialize(const Numeric *num, uint8_t *dst);
/* numeric_deserialize: read size bytes written by numeric_serialize.
 * Post: *out is canonical; its digits are copied into arena.
 * Errors: DATA_CORRUPTED (size does not match the header, unknown flags),
 *         INVALID_BINARY_REPRESENTATION (digit >= 10000, non-canonical digits, dscale out of
 *         range or digits beyond dscale); OUT_OF_MEMORY. */
Error *numeric_deserialize(const uint8_t *src, size_t size, Arena *arena, Numeric *out);
/* numeric_pg_binary_size / numeric_to_pg_binary: PostgreSQL's binary wire format (numeric_send:
 * int16 ndigits, int16 weight, uint16 sign, uint16 dscale, int16 digits, big-endian). */
size_t numeric_pg_binary_size(const Numeric *num);
size_t numeric_to_pg_binary(const Numeric *num, uint8_t *dst);
/* numeric_from_pg_binary: numeric_recv: digits that dscale hides are truncated away.
 * Errors: INVALID_BINARY_REPRESENTATION `invalid sign in external "numeric" value`, `invalid
 *         digit ...`, `invalid scale ...`, `insufficient data left in message` (size too small),
 *         `incorrect binary data format` (bytes left over); NUMERIC_VALUE_OUT_OF_RANGE;
 *         OUT_OF_MEMORY. */
Error *numeric_from_pg_binary(const uint8_t *src, size_t size, Arena *arena, Numeric *out);

/* ---- Scaled-integer fast path -------------------------------------------------------------- */

/* numeric_to_scaled_i64: *value_out = num * 10^scale if num is finite, has no non-zero digit
 * beyond scale decimals and the result fits; false otherwise. Pre: 0 <= scale <= 18. */
bool   numeric_to_scaled_i64(const Numeric *num, int32_t scale, int64_t *value_out);
/* numeric_from_scaled_i64: value / 10^scale with dscale scale. Pre: 0 <= scale <= 18.
 * Errors: OUT_OF_MEMORY. */
Error *numeric_from_scaled_i64(int64_t value, int32_t scale, Arena *arena, Numeric *out);
/* numeric_i64_add / sub / mul: false on int64 overflow (the caller falls back to the general
 * form). add and sub take two values of one scale; mul's result scale is the sum of scales. */
static inline bool numeric_i64_add(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}
static inline bool numeric_i64_sub(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_sub_overflow(a, b, out);
}
static inline bool numeric_i64_mul(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
/* numeric_i64_rescale: value at scale from_scale to scale to_scale: exact when growing (false on
 * overflow), rounded half away from zero when shrinking. Pre: scales in 0..18. */
bool   numeric_i64_rescale(int64_t value, int32_t from_scale, int32_t to_scale, int64_t *out);
/* numeric_i64_format: write value / 10^scale as numeric_to_text would (dscale = scale) into
 * buffer (at least 42 bytes); returns the length. Pre: 0 <= scale <= 18. */
size_t numeric_i64_format(int64_t value, int32_t scale, char *buffer);

__extension__ typedef __int128 NumericI128;
/* numeric_to_scaled_i128 / numeric_from_scaled_i128: as the i64 forms, 0 <= scale <= 38. */
bool   numeric_to_scaled_i128(const Numeric *num, int32_t scale, NumericI128 *value_out);
Error *numeric_from_scaled_i128(NumericI128 value, int32_t scale, Arena *arena, Numeric *out);

/* ---- sum() and avg() ----------------------------------------------------------------------- */

/* NumericAcc: the transition state of sum(numeric) and avg(numeric) (and of sum/avg over
 * integers, which PostgreSQL returns as numeric). Finite inputs are summed in an __int128 at
 * the largest dscale seen while they fit, and in the general form beyond that. Owns heap
 * memory: numeric_acc_init, then numeric_acc_destroy. */
typedef struct NumericAcc {
    int64_t     count;            /* non-NULL inputs, special ones included */
    int64_t     nan_count;
    int64_t     pinf_count;
    int64_t     ninf_count;
    int32_t     dscale_max;       /* the largest dscale of a finite input */
    int32_t     fast_scale;       /* fast_sum is scaled by 10^fast_scale */
    NumericI128 fast_sum;
    bool        has_general;      /* general_sum holds the rest of the sum */
    Numeric     general_sum;
    Arena      *arenas[2];        /* general_sum lives in arenas[arena_idx]; created lazily */
    int         arena_idx;
} NumericAcc;

void   numeric_acc_init(NumericAcc *acc);
void   numeric_acc_destroy(NumericAcc *acc);
/* numeric_acc_add: add one input. Errors: OUT_OF_MEMORY, `value overflows numeric format`. */
Error *numeric_acc_add(NumericAcc *acc, const Numeric *num);
/* numeric_acc_add_scaled_i64: add value / 10^scale (an integer column: scale 0). */
Error *numeric_acc_add_scaled_i64(NumericAcc *acc, int64_t value, int32_t scale);
/* numeric_acc_merge: add every input of src to dst (partial aggregates). src is unchanged. */
Error *numeric_acc_merge(NumericAcc *dst, const NumericAcc *src);
/* numeric_acc_sum: the sum (dscale: the largest input dscale); *is_null_out when no input.
 * NaN if any NaN or both infinities, else the infinity seen. */
Error *numeric_acc_sum(const NumericAcc *acc, Arena *arena, Numeric *out, bool *is_null_out);
/* numeric_acc_avg: sum / count with numeric_div's scale; *is_null_out when no input. */
Error *numeric_acc_avg(const NumericAcc *acc, Arena *arena, Numeric *out, bool *is_null_out);

#endif
