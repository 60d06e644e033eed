/* executor/kern.h: expression kernels: type-specialized functions over whole vectors.
 *
 * A kernel is bound once per expression at plan time (kern_lookup) and then called per chunk:
 * inside it there is no per-row type switch and no per-row indirect call. Every scalar kernel
 * has the one signature KernFn:
 *
 *     Error *kern_add_i32(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
 *                         uint32_t count, Vector *out);
 *
 * - args: the argument vectors (flat or constant, any mix); their phys matches the kernel's
 *   suffix (i16 i32 i64 f32 f64 num bool str interval; `num` accepts NUM64 and NUMERIC vectors).
 * - sel/count: the rows to compute: sel[0..count) (strictly ascending), or 0..count-1 when sel
 *   is NULL. Row r of the result goes to out row r (selections are not compacted), so the span
 *   sel[count-1] + 1 (or count) must be <= VEC_VALUE_COUNT_MAX.
 * - out: initialized by the caller (vec_init with the result type from kern_lookup, in the
 *   batch arena); the kernel reserves the span, and sets validity. Rows outside sel are
 *   unspecified. A `num` result is NUM64 when every input is NUM64 and the result's scale and
 *   values fit, else NUMERIC: check out->phys.
 * - Strict kernels (most): a NULL in any argument makes the row NULL, and a NULL row never
 *   raises an error (overflow, division by zero, bad input) even if its slot holds garbage.
 * - ctx->arena is scratch for temporaries (reset by the caller between batches); result bytes
 *   (strings, numeric digits) go to out->arena.
 * Errors are PostgreSQL's: SQLSTATE and message as PostgreSQL 15 prints them (listed per
 * family below). On error out is unspecified.
 *
 * Filters (the hot path of WHERE) compare and compact a selection in one pass:
 *     Error *kern_filter_lt_i32(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
 *                               uint32_t count, uint16_t *sel_out, uint32_t *count_out);
 * sel_out receives the rows of sel (or 0..count-1) where the comparison is true (NULL and
 * false drop the row), ascending; sel_out may equal sel (in-place narrowing).
 *
 * Aggregates: AggKern (below) per aggregate and input type, with ungrouped and grouped updates.
 * Hash: kern_hash_* fold a column into a uint64 hash per row (combine across key columns).
 * Text I/O: kern_cast_*_text / kern_cast_text_* are PostgreSQL's output/input functions. */
#ifndef BIRCH_EXECUTOR_KERN_H
#define BIRCH_EXECUTOR_KERN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/datetime.h"
#include "common/error.h"
#include "common/numeric.h"
#include "common/types.h"
#include "executor/vec.h"

typedef struct KernCtx {
    Arena            *arena;    /* scratch, reset by the caller between batches */
    const DtSettings *dt;       /* session date/time settings; NULL: UTC, ISO, MDY */
    const void       *state;    /* per-call-site compiled state (LIKE: a KernLikePattern) */
    /* catfuncs: the session's hooks (exec.h), through which the catalog kernels
     * (kern_catalog*.c: reg* text I/O, format_type, pg_get_*) read the catalog; NULL: none
     * (reg* values then print as numbers) */
    const struct ExecSessionHooks *session;
} KernCtx;

typedef Error *(*KernFn)(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                         uint32_t count, Vector *out);
typedef Error *(*KernFilterFn)(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                               uint32_t count, uint16_t *sel_out, uint32_t *count_out);

#define KERN_DECLARE(name)                                                                     \
    Error *name(KernCtx *ctx, const Vector *const *args, const uint16_t *sel, uint32_t count,  \
                Vector *out)
#define KERN_FILTER_DECLARE(name)                                                              \
    Error *name(KernCtx *ctx, const Vector *const *args, const uint16_t *sel, uint32_t count,  \
                uint16_t *sel_out, uint32_t *count_out)

/* kern_span: rows a result vector must hold for (sel, count). */
static inline uint32_t kern_span(const uint16_t *sel, uint32_t count)
{
    return count == 0 ? 0 : (sel != NULL ? (uint32_t)sel[count - 1] + 1 : count);
}

/* ---- Arithmetic (kern_arith.c) ----------------------------------------------------------------
 * kern_{add,sub,mul,div,mod}_{i16,i32,i64}, kern_neg_{i16,i32,i64}, kern_abs_{i16,i32,i64}:
 *   two args of the same type (the binder casts int2 + int4 to int4 + int4). Division truncates
 *   toward zero; x % -1 is 0. Errors: NUMERIC_VALUE_OUT_OF_RANGE `smallint out of range` /
 *   `integer out of range` / `bigint out of range` (incl. MIN / -1, -MIN, abs(MIN));
 *   DIVISION_BY_ZERO `division by zero`.
 * kern_{add,sub,mul,div}_{f32,f64}, kern_neg_{f32,f64}, kern_abs_{f32,f64}: Errors:
 *   NUMERIC_VALUE_OUT_OF_RANGE `value out of range: overflow` (a finite pair gives infinity) /
 *   `value out of range: underflow` (non-zero pair gives 0 in * and /); DIVISION_BY_ZERO.
 * kern_{add,sub,mul,div,mod}_num, kern_neg_num, kern_abs_num: PostgreSQL's result scales; NUM64
 *   inputs stay in int64 while they fit (add/sub/mod at the larger scale, mul at the sum of
 *   scales <= 18), else common/numeric.h. Errors: DIVISION_BY_ZERO; numeric.h's. */
#define KERN_ARITH_INT(X, SUFFIX) X(kern_add_##SUFFIX); X(kern_sub_##SUFFIX); X(kern_mul_##SUFFIX); \
    X(kern_div_##SUFFIX); X(kern_mod_##SUFFIX); X(kern_neg_##SUFFIX); X(kern_abs_##SUFFIX)
#define KERN_ARITH_FLOAT(X, SUFFIX) X(kern_add_##SUFFIX); X(kern_sub_##SUFFIX); \
    X(kern_mul_##SUFFIX); X(kern_div_##SUFFIX); X(kern_neg_##SUFFIX); X(kern_abs_##SUFFIX)
KERN_ARITH_INT(KERN_DECLARE, i16);
KERN_ARITH_INT(KERN_DECLARE, i32);
KERN_ARITH_INT(KERN_DECLARE, i64);
KERN_ARITH_FLOAT(KERN_DECLARE, f32);
KERN_ARITH_FLOAT(KERN_DECLARE, f64);
KERN_ARITH_INT(KERN_DECLARE, num);

/* ---- Comparison (kern_cmp.c) --------------------------------------------------------------------
 * kern_{eq,ne,lt,le,gt,ge}_SUFFIX -> BOOLEAN vector (strict), and kern_filter_{...}_SUFFIX, for
 * SUFFIX in bool i16 i32 i64 f32 f64 num str bpchar interval. Floats order NaN above everything
 * and equal to itself (PostgreSQL); num compares NUM64 of any scales and NUMERIC exactly; str is
 * the C collation (memcmp, then length); bpchar the same with trailing spaces ignored (CHAR(n)
 * semantics: 'a ' = 'a'); interval compares as PostgreSQL (30-day months, 24-hour
 * days). kern_{distinct,not_distinct}_SUFFIX: IS [NOT] DISTINCT FROM (never NULL).
 * No errors except OUT_OF_MEMORY. */
#define KERN_CMP_FAMILY(X, SUFFIX) X(kern_eq_##SUFFIX); X(kern_ne_##SUFFIX); X(kern_lt_##SUFFIX); \
    X(kern_le_##SUFFIX); X(kern_gt_##SUFFIX); X(kern_ge_##SUFFIX); X(kern_distinct_##SUFFIX);    \
    X(kern_not_distinct_##SUFFIX)
#define KERN_FILTER_FAMILY(X, SUFFIX) X(kern_filter_eq_##SUFFIX); X(kern_filter_ne_##SUFFIX); \
    X(kern_filter_lt_##SUFFIX); X(kern_filter_le_##SUFFIX); X(kern_filter_gt_##SUFFIX);        \
    X(kern_filter_ge_##SUFFIX)
#define KERN_FOR_CMP_TYPES(M, X) M(X, bool); M(X, i16); M(X, i32); M(X, i64); M(X, f32); \
    M(X, f64); M(X, num); M(X, str); M(X, bpchar); M(X, interval)
KERN_FOR_CMP_TYPES(KERN_CMP_FAMILY, KERN_DECLARE);
KERN_FOR_CMP_TYPES(KERN_FILTER_FAMILY, KERN_FILTER_DECLARE);

/* ---- Boolean logic and NULL tests (kern_cmp.c) ---------------------------------------------------
 * kern_and / kern_or: SQL three-valued logic (false AND NULL = false, true OR NULL = true).
 * kern_not: strict. kern_is_null / kern_is_not_null: any phys, never NULL.
 * kern_is_true / kern_is_false / kern_is_not_true / kern_is_not_false: never NULL.
 * kern_filter_true: keep rows whose BOOLEAN arg is true (not false, not NULL). */
KERN_DECLARE(kern_and);
KERN_DECLARE(kern_or);
KERN_DECLARE(kern_not);
KERN_DECLARE(kern_is_null);
KERN_DECLARE(kern_is_not_null);
KERN_DECLARE(kern_is_true);
KERN_DECLARE(kern_is_false);
KERN_DECLARE(kern_is_not_true);
KERN_DECLARE(kern_is_not_false);
KERN_FILTER_DECLARE(kern_filter_true);

/* ---- Casts between numeric types (kern_cast.c) --------------------------------------------------
 * kern_cast_FROM_TO for FROM, TO in i16 i32 i64 f32 f64 num (FROM != TO), and num_num (apply
 * out's typmod). float -> int rounds half to even (rint); numeric -> int half away from zero;
 * int/float -> numeric to out's phys (NUM64 at out->numeric_scale, rounding half away from
 * zero, or NUMERIC with out->type.typmod applied). bool <-> i32 (true = 1, non-zero = true).
 * Errors: NUMERIC_VALUE_OUT_OF_RANGE `smallint out of range` / `integer out of range` /
 * `bigint out of range` / `value out of range: overflow` (float8 -> float4) / `value out of
 * range: underflow` / `numeric field overflow`; FEATURE_NOT_SUPPORTED `cannot convert NaN to
 * integer` (and infinity, smallint, bigint). */
KERN_DECLARE(kern_cast_i16_i32); KERN_DECLARE(kern_cast_i16_i64); KERN_DECLARE(kern_cast_i16_f32);
KERN_DECLARE(kern_cast_i16_f64); KERN_DECLARE(kern_cast_i16_num);
KERN_DECLARE(kern_cast_i32_i16); KERN_DECLARE(kern_cast_i32_i64); KERN_DECLARE(kern_cast_i32_f32);
KERN_DECLARE(kern_cast_i32_f64); KERN_DECLARE(kern_cast_i32_num);
KERN_DECLARE(kern_cast_i64_i16); KERN_DECLARE(kern_cast_i64_i32); KERN_DECLARE(kern_cast_i64_f32);
KERN_DECLARE(kern_cast_i64_f64); KERN_DECLARE(kern_cast_i64_num);
KERN_DECLARE(kern_cast_f32_i16); KERN_DECLARE(kern_cast_f32_i32); KERN_DECLARE(kern_cast_f32_i64);
KERN_DECLARE(kern_cast_f32_f64); KERN_DECLARE(kern_cast_f32_num);
KERN_DECLARE(kern_cast_f64_i16); KERN_DECLARE(kern_cast_f64_i32); KERN_DECLARE(kern_cast_f64_i64);
KERN_DECLARE(kern_cast_f64_f32); KERN_DECLARE(kern_cast_f64_num);
KERN_DECLARE(kern_cast_num_i16); KERN_DECLARE(kern_cast_num_i32); KERN_DECLARE(kern_cast_num_i64);
KERN_DECLARE(kern_cast_num_f32); KERN_DECLARE(kern_cast_num_f64); KERN_DECLARE(kern_cast_num_num);
KERN_DECLARE(kern_cast_bool_i32);
KERN_DECLARE(kern_cast_i32_bool);

/* ---- Text input and output (kern_text.c) ----------------------------------------------------------
 * kern_cast_T_text: PostgreSQL's output function of type T, giving TEXT (the form a
 * client sees; for BOOLEAN kern_cast_bool_text gives 'true'/'false' as the SQL cast does and
 * kern_out_bool gives 't'/'f' as boolout). Floats print the shortest text that reads back
 * exactly (extra_float_digits = 1, PostgreSQL 12+): 0.1, 1e+15, 1.2345678901234568e+17,
 * NaN, Infinity, -0. date/time types follow ctx->dt's DateStyle/IntervalStyle/TimeZone.
 * kern_cast_text_T: the input function: for the integers spaces around, a sign, decimal
 * digits; Errors: INVALID_TEXT_REPRESENTATION `invalid input syntax for type integer: "x"`,
 * NUMERIC_VALUE_OUT_OF_RANGE `value "99999999999" is out of range for type integer` (smallint,
 * bigint alike); floats: `invalid input syntax for type double precision: "x"` and `"1e400" is
 * out of range for type double precision` (real alike); boolean: t true yes on 1 / f false no
 * off 0 and unique prefixes, any case, spaces around, else `invalid input syntax for type
 * boolean: "x"`; numeric: numeric_from_text then out's typmod; date/time: common/datetime.h's
 * input with out's typmod precision. kern_cast_text_varchar / _bpchar: the explicit cast to
 * out's VARCHAR(n) / CHAR(n): truncate to n characters (CHAR pads with spaces);
 * kern_assign_text_varchar / _bpchar: the assignment cast: Errors: STRING_DATA_RIGHT_TRUNCATION
 * `value too long for type character varying(n)` unless the excess is spaces. */
#define KERN_TEXT_IO(X, T) X(kern_cast_##T##_text); X(kern_cast_text_##T)
#define KERN_FOR_TEXT_TYPES(M, X) M(X, bool); M(X, i16); M(X, i32); M(X, i64); M(X, f32); \
    M(X, f64); M(X, num); M(X, date); M(X, time); M(X, timestamp); M(X, timestamptz);     \
    M(X, interval); M(X, oid)
KERN_FOR_TEXT_TYPES(KERN_TEXT_IO, KERN_DECLARE);
KERN_DECLARE(kern_out_bool);
/* kern_cast_bytea_text / kern_cast_text_bytea: hex output ("\\x0aff"); input in hex (spaces
 * between pairs allowed) or the escape form ("\\\\", "\\ooo"). Errors: INVALID_PARAMETER_VALUE
 * `invalid hexadecimal digit: "z"`, `invalid hexadecimal data: odd number of digits`;
 * INVALID_TEXT_REPRESENTATION `invalid input syntax for type bytea`. */
KERN_DECLARE(kern_cast_bytea_text);
KERN_DECLARE(kern_cast_text_bytea);
/* kern_cast_bpchar_text: CHAR(n) -> text / varchar drops the trailing spaces. */
KERN_DECLARE(kern_cast_bpchar_text);
KERN_DECLARE(kern_cast_text_varchar);
KERN_DECLARE(kern_cast_text_bpchar);
KERN_DECLARE(kern_assign_text_varchar);
KERN_DECLARE(kern_assign_text_bpchar);
/* kern_float8_format / kern_float4_format: the shortest exact text as above into buffer (at
 * least 32 bytes); returns the length. */
size_t kern_float8_format(double value, char *buffer);
size_t kern_float4_format(float value, char *buffer);

/* ---- String functions (kern_str.c): UTF-8 text, C collation --------------------------------------
 * kern_length (characters), kern_octet_length, kern_upper / kern_lower (ASCII letters only;
 * other characters are left as they are: the C locale's behaviour), kern_concat (||, strict),
 * kern_substr2 (s, from) / kern_substr3 (s, from, count) in characters (SUBSTRING_ERROR
 * `negative substring length not allowed`), kern_position (strpos: 1-based, 0 if absent),
 * kern_btrim1 / kern_ltrim1 / kern_rtrim1 (spaces), kern_btrim2 / kern_ltrim2 / kern_rtrim2
 * (characters of arg 2), kern_replace, kern_left / kern_right (negative n: all but |n|),
 * kern_lpad / kern_rpad (2 args: fill ' '; 3 args: fill), kern_starts_with, kern_repeat,
 * kern_reverse, kern_split_part (INVALID_PARAMETER_VALUE `field position must not be zero`;
 * negative counts from the end), kern_like / kern_not_like / kern_ilike / kern_not_ilike
 * (args: text, pattern; ctx->state may hold a pattern compiled by kern_like_compile for a
 * constant pattern; Errors: INVALID_ESCAPE_SEQUENCE `LIKE pattern must not end with escape
 * character`), kern_like_escape (text, pattern, escape char). */
KERN_DECLARE(kern_length);
KERN_DECLARE(kern_octet_length);
KERN_DECLARE(kern_upper);
KERN_DECLARE(kern_lower);
KERN_DECLARE(kern_concat);
KERN_DECLARE(kern_substr2);
KERN_DECLARE(kern_substr3);
KERN_DECLARE(kern_position);
KERN_DECLARE(kern_btrim1);
KERN_DECLARE(kern_ltrim1);
KERN_DECLARE(kern_rtrim1);
KERN_DECLARE(kern_btrim2);
KERN_DECLARE(kern_ltrim2);
KERN_DECLARE(kern_rtrim2);
KERN_DECLARE(kern_replace);
KERN_DECLARE(kern_left);
KERN_DECLARE(kern_right);
KERN_DECLARE(kern_lpad2);
KERN_DECLARE(kern_lpad3);
KERN_DECLARE(kern_rpad2);
KERN_DECLARE(kern_rpad3);
KERN_DECLARE(kern_starts_with);
KERN_DECLARE(kern_repeat);
KERN_DECLARE(kern_reverse);
KERN_DECLARE(kern_split_part);
KERN_DECLARE(kern_like);
KERN_DECLARE(kern_not_like);
KERN_DECLARE(kern_ilike);
KERN_DECLARE(kern_not_ilike);
KERN_DECLARE(kern_like_escape);
KERN_FILTER_DECLARE(kern_filter_like);

typedef struct KernLikePattern KernLikePattern;
/* kern_like_compile: compile pattern (with escape character escape, '\\' by default; 0 for
 * none) for LIKE or, case_insensitive, ILIKE. Post: *pattern_out lives in arena.
 * Errors: INVALID_ESCAPE_SEQUENCE; OUT_OF_MEMORY. */
Error *kern_like_compile(const char *pattern, size_t pattern_size, int escape,
                         bool case_insensitive, Arena *arena, KernLikePattern **pattern_out);
/* kern_like_match: one text against a compiled pattern. */
bool   kern_like_match(const KernLikePattern *pattern, const char *text, size_t text_size);

/* ---- Math (kern_math.c) ---------------------------------------------------------------------------
 * f64: kern_{ceil,floor,round,trunc,sqrt,exp,ln,log10,sign,cbrt}_f64, kern_power_f64 (round is
 * rint: half to even; there is no round(float8, int) in PostgreSQL).
 * num: kern_{ceil,floor,round,trunc,sqrt,exp,ln,log10,sign}_num, kern_round2_num /
 * kern_trunc2_num (numeric, int4), kern_power_num, kern_log2_num (log(b, x)).
 * Errors: INVALID_ARGUMENT_FOR_POWER_FUNCTION `cannot take square root of a negative number`,
 * `zero raised to a negative power is undefined`, `a negative number raised to a non-integer
 * power yields a complex result`; INVALID_ARGUMENT_FOR_LOGARITHM `cannot take logarithm of
 * zero` / `... of a negative number`; NUMERIC_VALUE_OUT_OF_RANGE `value out of range:
 * overflow` / `underflow`.
 * kern_greatest_T / kern_least_T (2 args, T in i16 i32 i64 f64 num str): NULLs are ignored,
 * NULL only if both are (a longer list folds pairwise). */
KERN_DECLARE(kern_ceil_f64);
KERN_DECLARE(kern_floor_f64);
KERN_DECLARE(kern_round_f64);
KERN_DECLARE(kern_trunc_f64);
KERN_DECLARE(kern_sqrt_f64);
KERN_DECLARE(kern_cbrt_f64);
KERN_DECLARE(kern_exp_f64);
KERN_DECLARE(kern_ln_f64);
KERN_DECLARE(kern_log10_f64);
KERN_DECLARE(kern_sign_f64);
KERN_DECLARE(kern_power_f64);
KERN_DECLARE(kern_ceil_num);
KERN_DECLARE(kern_floor_num);
KERN_DECLARE(kern_round_num);
KERN_DECLARE(kern_trunc_num);
KERN_DECLARE(kern_round2_num);
KERN_DECLARE(kern_trunc2_num);
KERN_DECLARE(kern_sqrt_num);
KERN_DECLARE(kern_exp_num);
KERN_DECLARE(kern_ln_num);
KERN_DECLARE(kern_log10_num);
KERN_DECLARE(kern_log2_num);
KERN_DECLARE(kern_sign_num);
KERN_DECLARE(kern_power_num);
#define KERN_MINMAX(X, T) X(kern_greatest_##T); X(kern_least_##T)
KERN_MINMAX(KERN_DECLARE, i16);
KERN_MINMAX(KERN_DECLARE, i32);
KERN_MINMAX(KERN_DECLARE, i64);
KERN_MINMAX(KERN_DECLARE, f64);
KERN_MINMAX(KERN_DECLARE, num);
KERN_MINMAX(KERN_DECLARE, str);

/* ---- Date/time arithmetic (kern_datetime.c) ------------------------------------------------------
 * date + int4, date - int4, date - date (int4 days), timestamp[tz] +/- interval, timestamp[tz]
 * - timestamp[tz] (interval), interval +/- interval, interval * / float8, - interval, time +
 * interval, time - time. Errors are common/datetime.h's: DATETIME_FIELD_OVERFLOW `date out of
 * range`, `timestamp out of range`, `interval out of range`, `cannot subtract infinite dates`;
 * DIVISION_BY_ZERO. */
KERN_DECLARE(kern_date_add_days);
KERN_DECLARE(kern_date_sub_days);
KERN_DECLARE(kern_date_diff);
KERN_DECLARE(kern_timestamp_add_interval);
KERN_DECLARE(kern_timestamp_sub_interval);
KERN_DECLARE(kern_timestamptz_add_interval);
KERN_DECLARE(kern_timestamptz_sub_interval);
KERN_DECLARE(kern_timestamp_diff);
KERN_DECLARE(kern_interval_add);
KERN_DECLARE(kern_interval_sub);
KERN_DECLARE(kern_interval_mul);
KERN_DECLARE(kern_interval_div);
KERN_DECLARE(kern_interval_neg);
KERN_DECLARE(kern_time_add_interval);
KERN_DECLARE(kern_time_diff);

/* ---- Added kernels --------------------------------------------------------------------------------
 * kern_bit{and,or,xor}_T (& | #), kern_bitnot_T (~), kern_shl_T / kern_shr_T (<< >>, int4 count
 * taken modulo the width) for T in i32 i64 (kern_arith.c); no errors.
 * kern_div_trunc_num: div(numeric, numeric), truncated toward zero (DIVISION_BY_ZERO);
 * kern_pi_f64: pi(), no arguments (kern_math.c).
 * kern_initcap (ASCII, words are runs of letters and digits), kern_translate (kern_str.c).
 * kern_date_add_interval / kern_date_sub_interval: date +/- interval -> timestamp;
 * kern_justify_{hours,days,interval} (kern_datetime.c); errors as common/datetime.h's. */
#define KERN_BITWISE(X, T) X(kern_bitand_##T); X(kern_bitor_##T); X(kern_bitxor_##T); \
    X(kern_bitnot_##T); X(kern_shl_##T); X(kern_shr_##T)
KERN_BITWISE(KERN_DECLARE, i32);
KERN_BITWISE(KERN_DECLARE, i64);
KERN_DECLARE(kern_div_trunc_num);
KERN_DECLARE(kern_pi_f64);
KERN_DECLARE(kern_initcap);
/* kern_get_byte: get_byte(bytea, int4) -> int4; Errors: ARRAY_SUBSCRIPT_ERROR `index 5 out of
 * valid range, 0..0`. */
KERN_DECLARE(kern_get_byte);
KERN_DECLARE(kern_translate);
KERN_DECLARE(kern_date_add_interval);
KERN_DECLARE(kern_date_sub_interval);
KERN_DECLARE(kern_justify_hours);
KERN_DECLARE(kern_justify_days);
KERN_DECLARE(kern_justify_interval);
/* kern_extract_T (numeric) / kern_date_part_T (float8) for T in date time timestamp timestamptz
 * interval, and kern_date_trunc_T for T in timestamp timestamptz interval: arg 0 the unit text
 * (kern_datetime.c); errors as common/datetime.h's dt_*_extract / dt_*_trunc. */
#define KERN_EXTRACT(X, T) X(kern_extract_##T); X(kern_date_part_##T)
KERN_EXTRACT(KERN_DECLARE, date);
KERN_EXTRACT(KERN_DECLARE, time);
KERN_EXTRACT(KERN_DECLARE, timestamp);
KERN_EXTRACT(KERN_DECLARE, timestamptz);
KERN_EXTRACT(KERN_DECLARE, interval);
KERN_DECLARE(kern_date_trunc_timestamp);
KERN_DECLARE(kern_date_trunc_timestamptz);
KERN_DECLARE(kern_date_trunc_interval);
/* kern_timezone_timestamptz (-> timestamp) / kern_timezone_timestamp (-> timestamptz): AT TIME
 * ZONE; arg 0 the zone name. Errors: INVALID_PARAMETER_VALUE `time zone "x" not recognized`. */
KERN_DECLARE(kern_timezone_timestamptz);
KERN_DECLARE(kern_timezone_timestamp);

/* ---- Hashing (kern_hash.c) ------------------------------------------------------------------------
 * kern_hash_vec: for each row r of (sel, count): hashes[r] = h(value) when combine is false,
 * else hashes[r] = mix(hashes[r], h(value)). Equal values hash equal: integers of any width
 * alike; floats with -0 = 0 and every NaN alike (float4 hashes as its double); NUMERIC 1.5 and
 * 1.50 alike, NUM64 and NUMERIC forms alike; strings by bytes. NULL hashes to a fixed value.
 * hashes has the span's entries. Errors: OUT_OF_MEMORY. */
Error *kern_hash_vec(KernCtx *ctx, const Vector *vec, const uint16_t *sel, uint32_t count,
                     bool combine, uint64_t *hashes);

/* ---- Aggregates (kern_agg.c) ----------------------------------------------------------------------
 * An AggKern is an aggregate over one input type: state_size bytes of state per group.
 * update: fold rows (sel, count) of values into one state. update_grouped: row r goes into the
 * state at states + group_idx[r] * state_size (group_idx is indexed by row like the vector, so
 * hash aggregation fills it from its hash table probe). NULL inputs are skipped (count(*) takes
 * no input: values may be NULL for it). finalize writes the result into out row row_idx (NULL
 * for an empty sum/avg/min/max). destroy frees heap memory of a state (NumericAcc); it may be
 * NULL. merge folds a partial state into another (for spilling / parallel).
 * Result types follow PostgreSQL: count -> int8; sum(int2/int4) -> int8; sum(int8) -> numeric;
 * sum(float4) -> float4; sum(float8) -> float8; sum(numeric) -> numeric; avg(int*) -> numeric;
 * avg(float*) -> float8; avg(numeric) -> numeric; min/max -> the input type.
 * Errors: NUMERIC_VALUE_OUT_OF_RANGE `bigint out of range` (sum(int4) past int8),
 * `value out of range: overflow` (float sums); numeric.h's; OUT_OF_MEMORY. */
typedef struct AggKern {
    const char *name;
    uint32_t    input_type;   /* TypeId; TYPE_INVALID for count(*) */
    uint32_t    result_type;  /* TypeId (typmod -1) */
    size_t      state_size;
    void  (*init)(void *state);
    Error *(*update)(KernCtx *ctx, const Vector *values, const uint16_t *sel, uint32_t count,
                     void *state);
    Error *(*update_grouped)(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                             uint32_t count, const uint32_t *group_idx, void *states);
    Error *(*merge)(void *dst, const void *src);
    Error *(*finalize)(KernCtx *ctx, const void *state, Vector *out, uint32_t row_idx);
    void  (*destroy)(void *state);
} AggKern;

/* kern_agg_find: the aggregate name (count, sum, avg, min, max) over input type input_type
 * (TYPE_INVALID with "count" for count(*)); NULL if there is none. min/max of strings copy the
 * bytes into a state-owned heap buffer (destroy frees it). */
const AggKern *kern_agg_find(const char *name, uint32_t input_type);

/* Direct entry points (the grouped forms hash aggregation calls): */
typedef struct AggSumI64 { int64_t sum; int64_t count; } AggSumI64;
typedef struct AggSumI128 { NumericI128 sum; int64_t count; } AggSumI128;
Error *kern_sum_i32(KernCtx *ctx, const Vector *values, const uint16_t *sel, uint32_t count,
                    void *state);
Error *kern_sum_i32_grouped(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                            uint32_t count, const uint32_t *group_idx, void *states);
Error *kern_sum_i64(KernCtx *ctx, const Vector *values, const uint16_t *sel, uint32_t count,
                    void *state);
Error *kern_sum_i64_grouped(KernCtx *ctx, const Vector *values, const uint16_t *sel,
                            uint32_t count, const uint32_t *group_idx, void *states);

/* ---- Registry (kern_registry.c) -------------------------------------------------------------------
 * kern_lookup: resolve an operator or function by name ("+", "=", "<", "||", "~~" (LIKE), "!~~",
 * "~~*", "!~~*", "and", "or", "not", "abs", "length", "substr", ... see the table in
 * kern_registry.c) and argument types, with PostgreSQL's implicit casts for the common cases:
 * within the numeric family up the chain int2 -> int4 -> int8 -> numeric -> float4 -> float8;
 * string types -> text; an UNKNOWN literal becomes the type of the other argument (or text).
 * Post: lookup_out->fn (and ->filter for comparisons, else NULL) is the kernel,
 * ->result_type its result, ->arg_types[i] the type each argument must be cast to first
 * (equal to arg_types[i] when no cast is needed).
 * Errors: UNDEFINED_FUNCTION `operator does not exist: integer + text` / `function
 * foo(integer) does not exist`. */
enum { KERN_ARG_COUNT_MAX = 3 };
typedef struct KernLookup {
    KernFn       fn;
    KernFilterFn filter;
    Type         result_type;
    Type         arg_types[KERN_ARG_COUNT_MAX];
    uint32_t     arg_count;
} KernLookup;
Error *kern_lookup(const char *name, const Type *arg_types, uint32_t arg_count,
                   KernLookup *lookup_out);
/* kern_cast_lookup: the kernel casting from to to (explicit cast); NULL fn if no such cast.
 * Errors: CANNOT_COERCE `cannot cast type integer to date`. */
Error *kern_cast_lookup(Type from, Type to, KernFn *fn_out);

#endif
