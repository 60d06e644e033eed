/* executor/kern_funcs.h: the common PostgreSQL string, bytea, math, date/time and formatting
 * functions (issue 4) beyond the families kern.h lists. Every kernel has kern.h's KernFn
 * contract (strict unless said otherwise; errors are PostgreSQL 15's SQLSTATE and message).
 * kern_registry.c registers them by SQL name; planner/bind_expr_func.c packs the arguments of
 * the functions with more than three (or a variable number of) arguments into one array
 * argument, named "NAME packed" in the registry. */
#ifndef BIRCH_EXECUTOR_KERN_FUNCS_H
#define BIRCH_EXECUTOR_KERN_FUNCS_H

#include "executor/kern.h"

/* ---- bytea (kern_bytea.c) ---------------------------------------------------------------------
 * kern_bytea_substr2 / 3: substring(bytea FROM i [FOR n]) in bytes (SUBSTRING_ERROR `negative
 * substring length not allowed`); kern_bytea_position: position(b IN a) (args: a, b), 1-based,
 * 0 if absent; kern_set_byte (bytea, int4 offset, int4 value): ARRAY_SUBSCRIPT_ERROR `index 5
 * out of valid range, 0..2`; kern_encode (bytea, format) / kern_decode (text, format) for hex,
 * base64 (76-column lines, whitespace skipped on input) and escape: INVALID_PARAMETER_VALUE
 * `unrecognized encoding: "x"`, `invalid hexadecimal digit: "z"`, `invalid hexadecimal data:
 * odd number of digits`, `invalid symbol "." found while decoding base64 sequence`, `invalid
 * base64 end sequence`; INVALID_TEXT_REPRESENTATION `invalid input syntax for type bytea`
 * (escape). kern_md5 (text or bytea -> text of 32 hex digits), kern_sha{224,256,384,512}
 * (bytea -> bytea). kern_convert_to (text, encoding) -> bytea / kern_convert_from (bytea,
 * encoding) -> text for UTF8, SQL_ASCII and LATIN1 (names compared as PostgreSQL: case and
 * punctuation ignored): INVALID_PARAMETER_VALUE `invalid destination encoding name "x"` /
 * `invalid source encoding name "x"`; CHARACTER_NOT_IN_REPERTOIRE `invalid byte sequence for
 * encoding "UTF8": 0xff`; UNTRANSLATABLE_CHARACTER `character with byte sequence 0xe2 0x82
 * 0xac in encoding "UTF8" has no equivalent in encoding "LATIN1"`. */
KERN_DECLARE(kern_bytea_substr2);
KERN_DECLARE(kern_bytea_substr3);
KERN_DECLARE(kern_bytea_position);
KERN_DECLARE(kern_set_byte);
KERN_DECLARE(kern_encode);
KERN_DECLARE(kern_decode);
KERN_DECLARE(kern_md5);
KERN_DECLARE(kern_sha224);
KERN_DECLARE(kern_sha256);
KERN_DECLARE(kern_sha384);
KERN_DECLARE(kern_sha512);
KERN_DECLARE(kern_convert_to);
KERN_DECLARE(kern_convert_from);

/* ---- text (kern_str.c) ------------------------------------------------------------------------
 * kern_ascii: the first character's code point (0 for ''); kern_chr (int4):
 * INVALID_PARAMETER_VALUE `character number must be positive`; PROGRAM_LIMIT_EXCEEDED `null
 * character not permitted`, `requested character too large for encoding: 1114112`, `requested
 * character not valid for encoding: 55296` (surrogates); kern_to_hex_i32 / _i64 (two's
 * complement of negatives); kern_concat_ws (sep, text[] of the remaining arguments, NULL
 * elements skipped; NULL sep gives NULL); kern_format (fmt, text[] of the arguments, NULL
 * elements allowed; NULL fmt gives NULL): %s %I %L %% with n$ positions, the - flag and widths
 * (also * and *n$): INVALID_PARAMETER_VALUE `too few arguments for format()`, `unrecognized
 * format() type specifier "x"`, `unterminated format() type specifier`;
 * NULL_VALUE_NOT_ALLOWED `null values cannot be formatted as an SQL identifier`. overlay has
 * no kernel: the binder rewrites it into substr and ||. */
KERN_DECLARE(kern_ascii);
KERN_DECLARE(kern_chr);
KERN_DECLARE(kern_to_hex_i32);
KERN_DECLARE(kern_to_hex_i64);
KERN_DECLARE(kern_concat_ws);
KERN_DECLARE(kern_format);

/* ---- math (kern_math.c) -----------------------------------------------------------------------
 * kern_gcd_T / kern_lcm_T (T i32 i64): NUMERIC_VALUE_OUT_OF_RANGE `integer out of range` /
 * `bigint out of range` (gcd(MIN, 0), an lcm past the type); kern_{degrees,radians,sin,cos,
 * tan,cot,asin,acos,atan}_f64, kern_atan2_f64: NUMERIC_VALUE_OUT_OF_RANGE `input is out of
 * range` (asin/acos outside [-1, 1], sin/cos/tan/cot of infinity); kern_random_f64: uniform
 * in [0, 1), ignoring its arguments (the binder passes one the executor never folds, so each
 * row gets its own value; registered as "random per row"); kern_width_bucket_packed
 * (float8[] of operand, low, high, count):
 * INVALID_ARGUMENT_FOR_WIDTH_BUCKET (2201G) `count must be greater than zero`, `lower bound
 * cannot equal upper bound`, `operand, lower bound, and upper bound cannot be NaN`, `lower and
 * upper bounds must be finite`. */
KERN_DECLARE(kern_gcd_i32);
KERN_DECLARE(kern_gcd_i64);
KERN_DECLARE(kern_lcm_i32);
KERN_DECLARE(kern_lcm_i64);
KERN_DECLARE(kern_degrees_f64);
KERN_DECLARE(kern_radians_f64);
KERN_DECLARE(kern_sin_f64);
KERN_DECLARE(kern_cos_f64);
KERN_DECLARE(kern_tan_f64);
KERN_DECLARE(kern_cot_f64);
KERN_DECLARE(kern_asin_f64);
KERN_DECLARE(kern_acos_f64);
KERN_DECLARE(kern_atan_f64);
KERN_DECLARE(kern_atan2_f64);
KERN_DECLARE(kern_random_f64);
KERN_DECLARE(kern_width_bucket_packed);

/* ---- date/time (kern_datetime.c) ----------------------------------------------------------------
 * kern_age_timestamp / _timestamptz (2 args) and kern_age1_timestamp / _timestamptz (age from
 * the current date's midnight, ctx->dt->now in the session zone); kern_make_date (y, m, d),
 * kern_make_time (h, m, float8 s), kern_make_timestamp_packed / kern_make_timestamptz_packed
 * (float8[] of y mo d h mi s), kern_make_timestamptz_zone (timestamp, zone text: the local time
 * in that zone, ISO offsets east of UTC), kern_make_interval_packed (float8[] of years months
 * weeks days hours mins secs), kern_date_add_time (date + time -> timestamp), and
 * kern_to_timestamp_f64 (Unix epoch seconds -> timestamptz; DATETIME_FIELD_OVERFLOW
 * `timestamp out of range: "1e+20"`, INVALID_PARAMETER_VALUE `timestamp cannot be NaN`).
 * Errors as common/datetime.h's dt_make_* and dt_*_age. */
KERN_DECLARE(kern_age_timestamp);
KERN_DECLARE(kern_age_timestamptz);
KERN_DECLARE(kern_age1_timestamp);
KERN_DECLARE(kern_age1_timestamptz);
KERN_DECLARE(kern_make_date);
KERN_DECLARE(kern_make_time);
KERN_DECLARE(kern_make_timestamp_packed);
KERN_DECLARE(kern_make_timestamptz_packed);
KERN_DECLARE(kern_make_timestamptz_zone);
KERN_DECLARE(kern_make_interval_packed);
KERN_DECLARE(kern_date_add_time);
KERN_DECLARE(kern_to_timestamp_f64);
/* kern_date_trunc_zone (unit, timestamptz, zone text): date_trunc in that zone. */
KERN_DECLARE(kern_date_trunc_zone);

/* ---- formatting (kern_fmt.c) -------------------------------------------------------------------
 * kern_to_char_{timestamp,timestamptz,interval}: common/datetime.h's dt_*_to_char (NULL for
 * infinite values; a date arrives cast to timestamptz). kern_to_char_i64 (int2/int4/int8),
 * kern_to_char_f64 (float4/float8), kern_to_char_num (value, format): PostgreSQL's number
 * templates 9 0 . , D G S PL MI SG FM and "text"; a value wider than the template prints '#'
 * in each digit position (kern_fmt.c's header describes the layout); L prints a blank (the C
 * locale), NaN prints as "NaN". kern_to_date / kern_to_timestamp_text (text, format):
 * PostgreSQL's to_date / to_timestamp for YYYY YYY YY Y MM DD DDD HH HH12 HH24 MI SS SSSS MS
 * US AM/PM A.M./P.M. Mon Month Dy Day FM, "quoted text" and separators (any one punctuation
 * character, runs of spaces); fields after the end of the input keep their defaults (year 0 =
 * 1 BC, month and day 1; a zero month or day means 1): INVALID_DATETIME_FORMAT `invalid value
 * "x" for "MM"` (detail `Value must be an integer.`), `hour "13" is invalid for the 12-hour
 * clock`; DATETIME_FIELD_OVERFLOW `date/time field value out of range: "..."`. to_timestamp's
 * wall clock is read in the session zone. */
KERN_DECLARE(kern_to_char_timestamp);
KERN_DECLARE(kern_to_char_timestamptz);
KERN_DECLARE(kern_to_char_interval);
KERN_DECLARE(kern_to_char_i64);
KERN_DECLARE(kern_to_char_f64);
KERN_DECLARE(kern_to_char_num);
KERN_DECLARE(kern_to_date);
KERN_DECLARE(kern_to_timestamp_text);

#endif
