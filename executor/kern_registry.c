/* executor/kern_registry.c: the table the binder resolves operators, functions and casts
 * against, with PostgreSQL's implicit-cast rules for the common cases.
 *
 * Resolution (a simplification of PostgreSQL's func_select_candidate, documented in kern.h):
 * 1. An UNKNOWN literal next to a known type takes that type; all-UNKNOWN arguments are TEXT.
 * 2. Candidates are the entries of that name and arity whose every parameter is reachable from
 *    the argument by an implicit cast (numeric chain int2 < int4 < int8 < numeric < float4 <
 *    float8; varchar/bpchar/name/"char" -> text; date -> timestamp -> timestamptz; ints -> oid;
 *    UNKNOWN -> anything).
 * 3. As PostgreSQL: most exact matches first, then most casts to a preferred type (float8, text,
 *    timestamptz), then the fewest steps up the chain; remaining ties go to the first entry.
 * 4. real op integer/numeric gives double precision (PostgreSQL's mixed float48 operators). */
#include <stdio.h>

#include "executor/kern_int.h"
#include "executor/kern_array.h"   /* arrays */
#include "executor/kern_catalog.h" /* catfuncs */
#include "executor/kern_json.h"    /* types: uuid, json, jsonb */
#include "executor/kern_funcs.h"   /* the common string, bytea, math and date/time functions */

typedef struct KernEntry {
    const char  *name;
    uint8_t      arg_count;
    uint32_t     arg_ids[KERN_ARG_COUNT_MAX];
    uint32_t     result_id;
    KernFn       fn;
    KernFilterFn filter;
} KernEntry;

#define E1(NAME, A, R, FN) { NAME, 1, { A, 0, 0 }, R, FN, NULL }
#define E2(NAME, A, B, R, FN) { NAME, 2, { A, B, 0 }, R, FN, NULL }
#define E3(NAME, A, B, C, R, FN) { NAME, 3, { A, B, C }, R, FN, NULL }

#define ARITH_INT(T, S)                                                                    \
    E2("+", T, T, T, kern_add_##S), E2("-", T, T, T, kern_sub_##S),                        \
    E2("*", T, T, T, kern_mul_##S), E2("/", T, T, T, kern_div_##S),                        \
    E2("%", T, T, T, kern_mod_##S), E2("mod", T, T, T, kern_mod_##S),                      \
    E1("-", T, T, kern_neg_##S), E1("abs", T, T, kern_abs_##S)
#define ARITH_FLOAT(T, S)                                                                  \
    E2("+", T, T, T, kern_add_##S), E2("-", T, T, T, kern_sub_##S),                        \
    E2("*", T, T, T, kern_mul_##S), E2("/", T, T, T, kern_div_##S),                        \
    E1("-", T, T, kern_neg_##S), E1("abs", T, T, kern_abs_##S)
#define CMP(T, S)                                                                          \
    { "=", 2, { T, T, 0 }, TYPE_BOOL, kern_eq_##S, kern_filter_eq_##S },                   \
    { "<>", 2, { T, T, 0 }, TYPE_BOOL, kern_ne_##S, kern_filter_ne_##S },                  \
    { "<", 2, { T, T, 0 }, TYPE_BOOL, kern_lt_##S, kern_filter_lt_##S },                   \
    { "<=", 2, { T, T, 0 }, TYPE_BOOL, kern_le_##S, kern_filter_le_##S },                  \
    { ">", 2, { T, T, 0 }, TYPE_BOOL, kern_gt_##S, kern_filter_gt_##S },                   \
    { ">=", 2, { T, T, 0 }, TYPE_BOOL, kern_ge_##S, kern_filter_ge_##S },                  \
    E2("is distinct from", T, T, TYPE_BOOL, kern_distinct_##S),                            \
    E2("is not distinct from", T, T, TYPE_BOOL, kern_not_distinct_##S)
#define MATH1(NAME, FN) E1(NAME, TYPE_FLOAT8, TYPE_FLOAT8, FN##_f64), E1(NAME, TYPE_NUMERIC, TYPE_NUMERIC, FN##_num)
#define E0(NAME, R, FN) { NAME, 0, { 0, 0, 0 }, R, FN, NULL }
#define BITWISE(T, S)                                                                      \
    E2("&", T, T, T, kern_bitand_##S), E2("|", T, T, T, kern_bitor_##S),                   \
    E2("#", T, T, T, kern_bitxor_##S), E1("~", T, T, kern_bitnot_##S),                     \
    E2("<<", T, T_I4, T, kern_shl_##S), E2(">>", T, T_I4, T, kern_shr_##S)
#define EXTRACT(T, S)                                                                      \
    E2("extract", T_TEXT, T, T_NUM, kern_extract_##S),                                     \
    E2("date_part", T_TEXT, T, T_F8, kern_date_part_##S)
#define MINMAX(T, S) E2("greatest", T, T, T, kern_greatest_##S), E2("least", T, T, T, kern_least_##S)

enum {
    T_BOOL = TYPE_BOOL, T_I2 = TYPE_INT2, T_I4 = TYPE_INT4, T_I8 = TYPE_INT8, T_F4 = TYPE_FLOAT4,
    T_F8 = TYPE_FLOAT8, T_NUM = TYPE_NUMERIC, T_TEXT = TYPE_TEXT,
};

static const KernEntry KERN_ENTRIES[] = {
    ARITH_INT(T_I2, i16), ARITH_INT(T_I4, i32), ARITH_INT(T_I8, i64),
    ARITH_FLOAT(T_F4, f32), ARITH_FLOAT(T_F8, f64), ARITH_INT(T_NUM, num),
    CMP(T_BOOL, bool), CMP(T_I2, i16), CMP(T_I4, i32), CMP(T_I8, i64), CMP(T_F4, f32),
    CMP(T_F8, f64), CMP(T_NUM, num), CMP(T_TEXT, str), CMP(TYPE_BYTEA, str), CMP(TYPE_BPCHAR, bpchar),
    CMP(TYPE_DATE, i32), CMP(TYPE_TIME, i64), CMP(TYPE_TIMESTAMP, i64),
    CMP(TYPE_TIMESTAMPTZ, i64), CMP(TYPE_INTERVAL, interval), CMP(TYPE_OID, i64),
    E2("+", TYPE_DATE, T_I4, TYPE_DATE, kern_date_add_days),
    E2("-", TYPE_DATE, T_I4, TYPE_DATE, kern_date_sub_days),
    E2("-", TYPE_DATE, TYPE_DATE, T_I4, kern_date_diff),
    E2("+", TYPE_TIMESTAMP, TYPE_INTERVAL, TYPE_TIMESTAMP, kern_timestamp_add_interval),
    E2("-", TYPE_TIMESTAMP, TYPE_INTERVAL, TYPE_TIMESTAMP, kern_timestamp_sub_interval),
    E2("+", TYPE_TIMESTAMPTZ, TYPE_INTERVAL, TYPE_TIMESTAMPTZ, kern_timestamptz_add_interval),
    E2("-", TYPE_TIMESTAMPTZ, TYPE_INTERVAL, TYPE_TIMESTAMPTZ, kern_timestamptz_sub_interval),
    E2("-", TYPE_TIMESTAMP, TYPE_TIMESTAMP, TYPE_INTERVAL, kern_timestamp_diff),
    E2("-", TYPE_TIMESTAMPTZ, TYPE_TIMESTAMPTZ, TYPE_INTERVAL, kern_timestamp_diff),
    E2("+", TYPE_INTERVAL, TYPE_INTERVAL, TYPE_INTERVAL, kern_interval_add),
    E2("-", TYPE_INTERVAL, TYPE_INTERVAL, TYPE_INTERVAL, kern_interval_sub),
    E2("*", TYPE_INTERVAL, T_F8, TYPE_INTERVAL, kern_interval_mul),
    E2("/", TYPE_INTERVAL, T_F8, TYPE_INTERVAL, kern_interval_div),
    E1("-", TYPE_INTERVAL, TYPE_INTERVAL, kern_interval_neg),
    E2("+", TYPE_TIME, TYPE_INTERVAL, TYPE_TIME, kern_time_add_interval),
    E2("-", TYPE_TIME, TYPE_TIME, TYPE_INTERVAL, kern_time_diff),
    E2("and", T_BOOL, T_BOOL, T_BOOL, kern_and), E2("or", T_BOOL, T_BOOL, T_BOOL, kern_or),
    E1("not", T_BOOL, T_BOOL, kern_not),
    E1("is true", T_BOOL, T_BOOL, kern_is_true), E1("is false", T_BOOL, T_BOOL, kern_is_false),
    E1("is not true", T_BOOL, T_BOOL, kern_is_not_true),
    E1("is not false", T_BOOL, T_BOOL, kern_is_not_false),
    E2("||", T_TEXT, T_TEXT, T_TEXT, kern_concat),
    { "~~", 2, { T_TEXT, T_TEXT, 0 }, T_BOOL, kern_like, kern_filter_like },
    E2("!~~", T_TEXT, T_TEXT, T_BOOL, kern_not_like),
    E2("~~*", T_TEXT, T_TEXT, T_BOOL, kern_ilike),
    E2("!~~*", T_TEXT, T_TEXT, T_BOOL, kern_not_ilike),
    E3("like_escape", T_TEXT, T_TEXT, T_TEXT, T_BOOL, kern_like_escape),
    E1("length", T_TEXT, T_I4, kern_length), E1("char_length", T_TEXT, T_I4, kern_length),
    E1("character_length", T_TEXT, T_I4, kern_length),
    E1("octet_length", T_TEXT, T_I4, kern_octet_length),
    E1("upper", T_TEXT, T_TEXT, kern_upper), E1("lower", T_TEXT, T_TEXT, kern_lower),
    E2("substr", T_TEXT, T_I4, T_TEXT, kern_substr2),
    E3("substr", T_TEXT, T_I4, T_I4, T_TEXT, kern_substr3),
    E2("substring", T_TEXT, T_I4, T_TEXT, kern_substr2),
    E3("substring", T_TEXT, T_I4, T_I4, T_TEXT, kern_substr3),
    E2("strpos", T_TEXT, T_TEXT, T_I4, kern_position),
    E2("position", T_TEXT, T_TEXT, T_I4, kern_position),
    E1("btrim", T_TEXT, T_TEXT, kern_btrim1), E2("btrim", T_TEXT, T_TEXT, T_TEXT, kern_btrim2),
    E1("ltrim", T_TEXT, T_TEXT, kern_ltrim1), E2("ltrim", T_TEXT, T_TEXT, T_TEXT, kern_ltrim2),
    E1("rtrim", T_TEXT, T_TEXT, kern_rtrim1), E2("rtrim", T_TEXT, T_TEXT, T_TEXT, kern_rtrim2),
    E3("replace", T_TEXT, T_TEXT, T_TEXT, T_TEXT, kern_replace),
    E2("left", T_TEXT, T_I4, T_TEXT, kern_left), E2("right", T_TEXT, T_I4, T_TEXT, kern_right),
    E2("lpad", T_TEXT, T_I4, T_TEXT, kern_lpad2), E3("lpad", T_TEXT, T_I4, T_TEXT, T_TEXT, kern_lpad3),
    E2("rpad", T_TEXT, T_I4, T_TEXT, kern_rpad2), E3("rpad", T_TEXT, T_I4, T_TEXT, T_TEXT, kern_rpad3),
    E2("starts_with", T_TEXT, T_TEXT, T_BOOL, kern_starts_with),
    E2("repeat", T_TEXT, T_I4, T_TEXT, kern_repeat), E1("reverse", T_TEXT, T_TEXT, kern_reverse),
    E3("split_part", T_TEXT, T_TEXT, T_I4, T_TEXT, kern_split_part),
    MATH1("ceil", kern_ceil), MATH1("ceiling", kern_ceil), MATH1("floor", kern_floor),
    MATH1("round", kern_round), MATH1("trunc", kern_trunc), MATH1("sqrt", kern_sqrt),
    MATH1("exp", kern_exp), MATH1("ln", kern_ln), MATH1("log", kern_log10),
    MATH1("log10", kern_log10), MATH1("sign", kern_sign),
    E1("cbrt", T_F8, T_F8, kern_cbrt_f64),
    E2("round", T_NUM, T_I4, T_NUM, kern_round2_num), E2("trunc", T_NUM, T_I4, T_NUM, kern_trunc2_num),
    E2("power", T_F8, T_F8, T_F8, kern_power_f64), E2("power", T_NUM, T_NUM, T_NUM, kern_power_num),
    E2("pow", T_F8, T_F8, T_F8, kern_power_f64), E2("pow", T_NUM, T_NUM, T_NUM, kern_power_num),
    E2("log", T_NUM, T_NUM, T_NUM, kern_log2_num),
    MINMAX(T_I2, i16), MINMAX(T_I4, i32), MINMAX(T_I8, i64), MINMAX(T_F8, f64), MINMAX(T_NUM, num),
    MINMAX(T_TEXT, str),
    BITWISE(T_I4, i32), BITWISE(T_I8, i64),
    E2("div", T_NUM, T_NUM, T_NUM, kern_div_trunc_num), E0("pi", T_F8, kern_pi_f64),
    E1("initcap", T_TEXT, T_TEXT, kern_initcap),
    E3("translate", T_TEXT, T_TEXT, T_TEXT, T_TEXT, kern_translate),
    E1("octet_length", TYPE_BPCHAR, T_I4, kern_octet_length),
    E1("length", TYPE_BYTEA, T_I4, kern_octet_length),
    E1("octet_length", TYPE_BYTEA, T_I4, kern_octet_length),
    E2("get_byte", TYPE_BYTEA, T_I4, T_I4, kern_get_byte),
    E2("||", TYPE_BYTEA, TYPE_BYTEA, TYPE_BYTEA, kern_concat),
    E2("+", TYPE_DATE, TYPE_INTERVAL, TYPE_TIMESTAMP, kern_date_add_interval),
    E2("-", TYPE_DATE, TYPE_INTERVAL, TYPE_TIMESTAMP, kern_date_sub_interval),
    EXTRACT(TYPE_DATE, date), EXTRACT(TYPE_TIME, time), EXTRACT(TYPE_TIMESTAMP, timestamp),
    EXTRACT(TYPE_TIMESTAMPTZ, timestamptz), EXTRACT(TYPE_INTERVAL, interval),
    E2("date_trunc", T_TEXT, TYPE_TIMESTAMP, TYPE_TIMESTAMP, kern_date_trunc_timestamp),
    E2("date_trunc", T_TEXT, TYPE_TIMESTAMPTZ, TYPE_TIMESTAMPTZ, kern_date_trunc_timestamptz),
    E2("date_trunc", T_TEXT, TYPE_INTERVAL, TYPE_INTERVAL, kern_date_trunc_interval),
    E2("timezone", T_TEXT, TYPE_TIMESTAMPTZ, TYPE_TIMESTAMP, kern_timezone_timestamptz),
    E2("timezone", T_TEXT, TYPE_TIMESTAMP, TYPE_TIMESTAMPTZ, kern_timezone_timestamp),
    E1("justify_hours", TYPE_INTERVAL, TYPE_INTERVAL, kern_justify_hours),
    E1("justify_days", TYPE_INTERVAL, TYPE_INTERVAL, kern_justify_days),
    E1("justify_interval", TYPE_INTERVAL, TYPE_INTERVAL, kern_justify_interval),
    /* funcs: bytea */
    E2("substring", TYPE_BYTEA, T_I4, TYPE_BYTEA, kern_bytea_substr2),
    E3("substring", TYPE_BYTEA, T_I4, T_I4, TYPE_BYTEA, kern_bytea_substr3),
    E2("substr", TYPE_BYTEA, T_I4, TYPE_BYTEA, kern_bytea_substr2),
    E3("substr", TYPE_BYTEA, T_I4, T_I4, TYPE_BYTEA, kern_bytea_substr3),
    E2("position", TYPE_BYTEA, TYPE_BYTEA, T_I4, kern_bytea_position),
    E3("set_byte", TYPE_BYTEA, T_I4, T_I4, TYPE_BYTEA, kern_set_byte),
    E2("encode", TYPE_BYTEA, T_TEXT, T_TEXT, kern_encode),
    E2("decode", T_TEXT, T_TEXT, TYPE_BYTEA, kern_decode),
    E1("md5", T_TEXT, T_TEXT, kern_md5), E1("md5", TYPE_BYTEA, T_TEXT, kern_md5),
    E1("sha224", TYPE_BYTEA, TYPE_BYTEA, kern_sha224), E1("sha256", TYPE_BYTEA, TYPE_BYTEA, kern_sha256),
    E1("sha384", TYPE_BYTEA, TYPE_BYTEA, kern_sha384), E1("sha512", TYPE_BYTEA, TYPE_BYTEA, kern_sha512),
    E2("convert_to", T_TEXT, T_TEXT, TYPE_BYTEA, kern_convert_to),
    E2("convert_from", TYPE_BYTEA, T_TEXT, T_TEXT, kern_convert_from),
    /* funcs: text */
    E1("ascii", T_TEXT, T_I4, kern_ascii), E1("chr", T_I4, T_TEXT, kern_chr),
    E1("to_hex", T_I4, T_TEXT, kern_to_hex_i32), E1("to_hex", T_I8, T_TEXT, kern_to_hex_i64),
    E2("concat_ws packed", T_TEXT, TYPE_TEXT_ARRAY, T_TEXT, kern_concat_ws),
    E2("format packed", T_TEXT, TYPE_TEXT_ARRAY, T_TEXT, kern_format),
    /* funcs: math */
    E2("gcd", T_I4, T_I4, T_I4, kern_gcd_i32), E2("gcd", T_I8, T_I8, T_I8, kern_gcd_i64),
    E2("lcm", T_I4, T_I4, T_I4, kern_lcm_i32), E2("lcm", T_I8, T_I8, T_I8, kern_lcm_i64),
    E1("degrees", T_F8, T_F8, kern_degrees_f64), E1("radians", T_F8, T_F8, kern_radians_f64),
    E1("sin", T_F8, T_F8, kern_sin_f64), E1("cos", T_F8, T_F8, kern_cos_f64),
    E1("tan", T_F8, T_F8, kern_tan_f64), E1("cot", T_F8, T_F8, kern_cot_f64),
    E1("asin", T_F8, T_F8, kern_asin_f64), E1("acos", T_F8, T_F8, kern_acos_f64),
    E1("atan", T_F8, T_F8, kern_atan_f64), E2("atan2", T_F8, T_F8, T_F8, kern_atan2_f64),
    E1("random per row", T_I4, T_F8, kern_random_f64),   /* random(): see bind_expr_func.c */
    E1("width_bucket packed", TYPE_FLOAT8_ARRAY, T_I4, kern_width_bucket_packed),
    /* funcs: date/time */
    E2("age", TYPE_TIMESTAMP, TYPE_TIMESTAMP, TYPE_INTERVAL, kern_age_timestamp),
    E2("age", TYPE_TIMESTAMPTZ, TYPE_TIMESTAMPTZ, TYPE_INTERVAL, kern_age_timestamptz),
    E1("age", TYPE_TIMESTAMP, TYPE_INTERVAL, kern_age1_timestamp),
    E1("age", TYPE_TIMESTAMPTZ, TYPE_INTERVAL, kern_age1_timestamptz),
    E3("make_date", T_I4, T_I4, T_I4, TYPE_DATE, kern_make_date),
    E3("make_time", T_I4, T_I4, T_F8, TYPE_TIME, kern_make_time),
    E1("make_timestamp packed", TYPE_FLOAT8_ARRAY, TYPE_TIMESTAMP, kern_make_timestamp_packed),
    E1("make_timestamptz packed", TYPE_FLOAT8_ARRAY, TYPE_TIMESTAMPTZ, kern_make_timestamptz_packed),
    E2("make_timestamptz zone", TYPE_TIMESTAMP, T_TEXT, TYPE_TIMESTAMPTZ, kern_make_timestamptz_zone),
    E1("make_interval packed", TYPE_FLOAT8_ARRAY, TYPE_INTERVAL, kern_make_interval_packed),
    E2("+", TYPE_DATE, TYPE_TIME, TYPE_TIMESTAMP, kern_date_add_time),
    E1("to_timestamp", T_F8, TYPE_TIMESTAMPTZ, kern_to_timestamp_f64),
    E2("to_timestamp", T_TEXT, T_TEXT, TYPE_TIMESTAMPTZ, kern_to_timestamp_text),
    E2("to_date", T_TEXT, T_TEXT, TYPE_DATE, kern_to_date),
    E2("to_char", TYPE_TIMESTAMP, T_TEXT, T_TEXT, kern_to_char_timestamp),
    E2("to_char", TYPE_TIMESTAMPTZ, T_TEXT, T_TEXT, kern_to_char_timestamptz),
    E2("to_char", TYPE_INTERVAL, T_TEXT, T_TEXT, kern_to_char_interval),
    E2("to_char", T_I2, T_TEXT, T_TEXT, kern_to_char_i64), E2("to_char", T_I4, T_TEXT, T_TEXT, kern_to_char_i64),
    E2("to_char", T_I8, T_TEXT, T_TEXT, kern_to_char_i64),
    E2("to_char", T_F8, T_TEXT, T_TEXT, kern_to_char_f64), E2("to_char", T_F4, T_TEXT, T_TEXT, kern_to_char_f64),
    E2("to_char", T_NUM, T_TEXT, T_TEXT, kern_to_char_num),
    E3("date_trunc", T_TEXT, TYPE_TIMESTAMPTZ, T_TEXT, TYPE_TIMESTAMPTZ, kern_date_trunc_zone),
    /* catfuncs: reg* comparisons (as oid) and the catalog/session functions (kern_catalog.h) */
    CMP(TYPE_REGCLASS, i64), CMP(TYPE_REGTYPE, i64), CMP(TYPE_REGPROC, i64),
    CMP(TYPE_REGNAMESPACE, i64), CMP(TYPE_REGROLE, i64),
    CMP(TYPE_UUID, str),   /* types: uuid compares its 16 bytes */
    E2("format_type", TYPE_OID, T_I4, T_TEXT, kern_format_type_fn),
    E1("pg_get_userbyid", TYPE_OID, TYPE_NAME, kern_pg_get_userbyid),
    E1("pg_table_is_visible", TYPE_OID, T_BOOL, kern_pg_table_is_visible),
    E1("pg_type_is_visible", TYPE_OID, T_BOOL, kern_pg_type_is_visible),
    E1("pg_function_is_visible", TYPE_OID, T_BOOL, kern_pg_function_is_visible),
    E2("pg_get_expr", T_TEXT, TYPE_OID, T_TEXT, kern_pg_get_expr),
    E3("pg_get_expr", T_TEXT, TYPE_OID, T_BOOL, T_TEXT, kern_pg_get_expr3),
    E1("pg_get_indexdef", TYPE_OID, T_TEXT, kern_pg_get_indexdef),
    E3("pg_get_indexdef", TYPE_OID, T_I4, T_BOOL, T_TEXT, kern_pg_get_indexdef3),
    E1("pg_get_constraintdef", TYPE_OID, T_TEXT, kern_pg_get_constraintdef),
    E2("pg_get_constraintdef", TYPE_OID, T_BOOL, T_TEXT, kern_pg_get_constraintdef2),
    E1("pg_get_viewdef", TYPE_OID, T_TEXT, kern_pg_get_viewdef),
    E2("pg_get_viewdef", TYPE_OID, T_BOOL, T_TEXT, kern_pg_get_viewdef),
    E2("pg_get_viewdef", TYPE_OID, T_I4, T_TEXT, kern_pg_get_viewdef),
    E1("pg_get_viewdef", T_TEXT, T_TEXT, kern_pg_get_viewdef),
    E2("pg_get_viewdef", T_TEXT, T_BOOL, T_TEXT, kern_pg_get_viewdef),
    E1("pg_get_function_arguments", TYPE_OID, T_TEXT, kern_empty_text),
    E1("pg_get_function_identity_arguments", TYPE_OID, T_TEXT, kern_empty_text),
    E1("pg_get_function_result", TYPE_OID, T_TEXT, kern_null_text),
    E1("pg_get_function_sqlbody", TYPE_OID, T_TEXT, kern_null_text),
    E1("pg_get_triggerdef", TYPE_OID, T_TEXT, kern_null_text),
    E2("pg_get_triggerdef", TYPE_OID, T_BOOL, T_TEXT, kern_null_text),
    E1("pg_get_statisticsobjdef_columns", TYPE_OID, T_TEXT, kern_null_text),
    E1("pg_get_ruledef", TYPE_OID, T_TEXT, kern_null_text),
    E2("pg_get_ruledef", TYPE_OID, T_BOOL, T_TEXT, kern_null_text),
    E1("pg_get_partkeydef", TYPE_OID, T_TEXT, kern_null_text),
    E1("pg_get_partition_constraintdef", TYPE_OID, T_TEXT, kern_null_text),
    E1("pg_relation_is_publishable", TYPE_REGCLASS, T_BOOL, kern_pg_relation_is_publishable),
    E1("obj_description", TYPE_OID, T_TEXT, kern_null_text),
    E2("obj_description", TYPE_OID, TYPE_NAME, T_TEXT, kern_null_text),
    E2("col_description", TYPE_OID, T_I4, T_TEXT, kern_null_text),
    E2("shobj_description", TYPE_OID, TYPE_NAME, T_TEXT, kern_null_text),
    E1("pg_encoding_to_char", T_I4, TYPE_NAME, kern_pg_encoding_to_char),
    E1("pg_char_to_encoding", TYPE_NAME, T_I4, kern_pg_char_to_encoding),
    E1("pg_size_pretty", T_I8, T_TEXT, kern_pg_size_pretty_i64),
    E1("pg_size_pretty", T_NUM, T_TEXT, kern_pg_size_pretty_num),
    E1("pg_table_size", TYPE_REGCLASS, T_I8, kern_pg_relation_size),
    E1("pg_relation_size", TYPE_REGCLASS, T_I8, kern_pg_relation_size),
    E2("pg_relation_size", TYPE_REGCLASS, T_TEXT, T_I8, kern_pg_relation_size),
    E1("pg_total_relation_size", TYPE_REGCLASS, T_I8, kern_pg_total_relation_size),
    E1("pg_indexes_size", TYPE_REGCLASS, T_I8, kern_pg_indexes_size),
    E1("pg_database_size", TYPE_NAME, T_I8, kern_pg_database_size),
    E1("pg_database_size", TYPE_OID, T_I8, kern_pg_database_size),
    E1("quote_ident", T_TEXT, T_TEXT, kern_quote_ident_fn),
    E1("quote_literal", T_TEXT, T_TEXT, kern_quote_literal),
    E1("quote_nullable", T_TEXT, T_TEXT, kern_quote_nullable),
    E2("has_table_privilege", T_TEXT, T_TEXT, T_BOOL, kern_has_table_privilege2),
    E2("has_table_privilege", TYPE_OID, T_TEXT, T_BOOL, kern_has_table_privilege2),
    E3("has_table_privilege", TYPE_NAME, T_TEXT, T_TEXT, T_BOOL, kern_has_table_privilege3),
    E3("has_table_privilege", TYPE_NAME, TYPE_OID, T_TEXT, T_BOOL, kern_has_table_privilege3),
    E2("has_schema_privilege", T_TEXT, T_TEXT, T_BOOL, kern_has_schema_privilege2),
    E2("has_schema_privilege", TYPE_OID, T_TEXT, T_BOOL, kern_has_schema_privilege2),
    E3("has_schema_privilege", TYPE_NAME, T_TEXT, T_TEXT, T_BOOL, kern_has_schema_privilege3),
    E3("has_schema_privilege", TYPE_NAME, TYPE_OID, T_TEXT, T_BOOL, kern_has_schema_privilege3),
    E2("has_database_privilege", T_TEXT, T_TEXT, T_BOOL, kern_has_database_privilege2),
    E2("has_database_privilege", TYPE_OID, T_TEXT, T_BOOL, kern_has_database_privilege2),
    E3("has_database_privilege", TYPE_NAME, T_TEXT, T_TEXT, T_BOOL, kern_has_database_privilege3),
    E3("has_column_privilege", T_TEXT, T_TEXT, T_TEXT, T_BOOL, kern_has_column_privilege3),
    E3("has_column_privilege", TYPE_OID, T_TEXT, T_TEXT, T_BOOL, kern_has_column_privilege3),
    E2("has_sequence_privilege", T_TEXT, T_TEXT, T_BOOL, kern_has_sequence_privilege2),
    E2("has_sequence_privilege", TYPE_OID, T_TEXT, T_BOOL, kern_has_sequence_privilege2),
    E2("has_function_privilege", T_TEXT, T_TEXT, T_BOOL, kern_has_function_privilege2),
    E2("has_function_privilege", TYPE_OID, T_TEXT, T_BOOL, kern_has_function_privilege2),
    E2("pg_has_role", TYPE_NAME, T_TEXT, T_BOOL, kern_pg_has_role2),
    E2("pg_has_role", TYPE_OID, T_TEXT, T_BOOL, kern_pg_has_role2),
    E3("pg_has_role", TYPE_NAME, TYPE_NAME, T_TEXT, T_BOOL, kern_pg_has_role3),
    E2("pg_get_serial_sequence", T_TEXT, T_TEXT, T_TEXT, kern_pg_get_serial_sequence),
    E1("to_regclass", T_TEXT, TYPE_REGCLASS, kern_to_regclass),
    E1("to_regtype", T_TEXT, TYPE_REGTYPE, kern_to_regtype),
    E1("to_regproc", T_TEXT, TYPE_REGPROC, kern_to_regproc),
    E1("to_regnamespace", T_TEXT, TYPE_REGNAMESPACE, kern_to_regnamespace),
    E1("to_regrole", T_TEXT, TYPE_REGROLE, kern_to_regrole),
    E0("pg_is_in_recovery", T_BOOL, kern_const_false),
    E0("pg_postmaster_start_time", TYPE_TIMESTAMPTZ, kern_pg_postmaster_start_time),
    E0("pg_conf_load_time", TYPE_TIMESTAMPTZ, kern_pg_postmaster_start_time),
    E0("inet_server_addr", T_TEXT, kern_null_text), E0("inet_client_addr", T_TEXT, kern_null_text),
    E0("inet_server_port", T_I4, kern_null_i4), E0("inet_client_port", T_I4, kern_null_i4),
    E0("txid_current", T_I8, kern_txid_current), E0("pg_current_xact_id", T_I8, kern_txid_current),
    E1("pg_cancel_backend", T_I4, T_BOOL, kern_const_false),
    E1("pg_terminate_backend", T_I4, T_BOOL, kern_const_false),
    E1("pg_sleep", T_F8, T_TEXT, kern_pg_sleep),
    E2("acldefault", TYPE_CHAR, TYPE_OID, T_TEXT, kern_null_text),
    /* no partitioned tables: a relation's only "ancestor" is itself (one row, as the SRF) */
    E1("pg_partition_ancestors", TYPE_REGCLASS, TYPE_REGCLASS, kern_reg_relabel),
    E1("current_schemas", T_BOOL, TYPE_NAME_ARRAY, kern_current_schemas),
    E1("pg_partition_root", TYPE_REGCLASS, TYPE_REGCLASS, kern_reg_relabel),
    E0("now", TYPE_TIMESTAMPTZ, kern_now), E0("transaction_timestamp", TYPE_TIMESTAMPTZ, kern_now),
    E0("current_timestamp", TYPE_TIMESTAMPTZ, kern_now),
    E0("statement_timestamp", TYPE_TIMESTAMPTZ, kern_now),
    E0("clock_timestamp", TYPE_TIMESTAMPTZ, kern_clock_timestamp),
    E0("current_date", TYPE_DATE, kern_current_date),
    E0("localtimestamp", TYPE_TIMESTAMP, kern_localtimestamp),
    E0("localtime", TYPE_TIME, kern_localtime),
};
enum { KERN_ENTRY_COUNT = sizeof KERN_ENTRIES / sizeof KERN_ENTRIES[0] };

/* numeric_rank: position on the implicit numeric chain, -1 if not numeric. */
static int numeric_rank(uint32_t id)
{
    switch (id) {
    case TYPE_INT2: return 0;
    case TYPE_INT4: return 1;
    case TYPE_INT8: return 2;
    case TYPE_NUMERIC: return 3;
    case TYPE_FLOAT4: return 4;
    case TYPE_FLOAT8: return 5;
    default: return -1;
    }
}

static int datetime_rank(uint32_t id)
{
    return id == TYPE_DATE ? 0 : id == TYPE_TIMESTAMP ? 1 : id == TYPE_TIMESTAMPTZ ? 2 : -1;
}

/* implicit_cost: steps of an implicit cast from -> to, -1 if there is none. */
static int implicit_cost(uint32_t from, uint32_t to)
{
    if (from == to) return 0;
    if (from == TYPE_UNKNOWN) return 1;
    int from_rank = numeric_rank(from), to_rank = numeric_rank(to);
    if (from_rank >= 0 && to_rank >= 0) return to_rank > from_rank ? to_rank - from_rank : -1;
    if (to == TYPE_TEXT && type_is_string(from)) return 1;
    if (to == TYPE_OID && (from == TYPE_INT2 || from == TYPE_INT4 || from == TYPE_INT8)) return 1;
    /* catfuncs: reg* <-> oid are binary coercible; ints and text reach reg* implicitly;
     * pg_node_tree (pg_attrdef.adbin) is text */
    if (kern_is_oid_family(from) && kern_is_oid_family(to)) return 1;
    if (kern_is_oid_family(to) && (from == TYPE_INT2 || from == TYPE_INT4 || from == TYPE_INT8)) return 2;
    if (to == TYPE_TEXT && from == KERN_TYPE_PG_NODE_TREE) return 1;
    from_rank = datetime_rank(from);
    to_rank = datetime_rank(to);
    if (from_rank >= 0 && to_rank >= 0) return to_rank > from_rank ? to_rank - from_rank : -1;
    return -1;
}

/* is_preferred: PostgreSQL's preferred type of a category (float8, text, timestamptz). */
static bool is_preferred(uint32_t id)
{
    return id == TYPE_FLOAT8 || id == TYPE_TEXT || id == TYPE_TIMESTAMPTZ;
}

static const KernEntry *find_entry(const char *name, uint32_t arg_count, uint32_t param)
{
    for (uint32_t entry_idx = 0; entry_idx < KERN_ENTRY_COUNT; entry_idx++) {
        const KernEntry *entry = &KERN_ENTRIES[entry_idx];
        if (entry->arg_count == arg_count && entry->arg_ids[0] == param &&
            (arg_count < 2 || entry->arg_ids[1] == param) && strcmp(entry->name, name) == 0) {
            return entry;
        }
    }
    return NULL;
}

/* widen_float4: PostgreSQL has mixed float4/float8 operators (float84pl ...), and its preferred
 * type rule picks them for real op integer/numeric: the result is double precision. */
static const KernEntry *widen_float4(const KernEntry *entry, const uint32_t *resolved,
                                     uint32_t arg_count)
{
    if (arg_count != 2 || entry->arg_ids[0] != TYPE_FLOAT4) return entry;
    if (resolved[0] == TYPE_FLOAT4 && resolved[1] == TYPE_FLOAT4) return entry;
    if (numeric_rank(resolved[0]) < 0 || numeric_rank(resolved[1]) < 0) return entry;
    const KernEntry *wide = find_entry(entry->name, 2, TYPE_FLOAT8);
    return wide != NULL ? wide : entry;
}

static bool is_operator_name(const char *name)
{
    return !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'));
}

static Error *not_found(const char *name, const Type *arg_types, uint32_t arg_count)
{
    char signature[256];
    size_t used = 0;
    if (is_operator_name(name)) {
        if (arg_count == 1) {
            snprintf(signature, sizeof signature, "%s %s", name, type_name(arg_types[0].id));
        } else {
            snprintf(signature, sizeof signature, "%s %s %s", type_name(arg_types[0].id), name,
                     arg_count > 1 ? type_name(arg_types[1].id) : "");
        }
        return err_set_hint(err_new(SQLSTATE_UNDEFINED_FUNCTION, "operator does not exist: %s", signature),
                            "No operator matches the given name and argument types. You might need "
                            "to add explicit type casts.");
    }
    for (uint32_t arg_idx = 0; arg_idx < arg_count && used < sizeof signature; arg_idx++) {
        used += (size_t)snprintf(signature + used, sizeof signature - used, "%s%s",
                                 arg_idx > 0 ? ", " : "", type_name(arg_types[arg_idx].id));
    }
    if (arg_count == 0) signature[0] = '\0';
    return err_set_hint(err_new(SQLSTATE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", name,
                                signature),
                        "No function matches the given name and argument types. You might need to "
                        "add explicit type casts.");
}

Error *kern_lookup(const char *name, const Type *arg_types, uint32_t arg_count,
                   KernLookup *lookup_out)
{
    if (arg_count > KERN_ARG_COUNT_MAX) return not_found(name, arg_types, arg_count);
    bool array_handled = false;   /* arrays: anyarray signatures, regex operators */
    TRY(kern_array_lookup(name, arg_types, arg_count, lookup_out, &array_handled));
    if (array_handled) return NULL;
    bool json_handled = false;   /* types: uuid, json, jsonb */
    TRY(kern_json_lookup(name, arg_types, arg_count, lookup_out, &json_handled));
    if (json_handled) return NULL;
    /* rule 1: UNKNOWN takes the type of a known neighbour, else text */
    uint32_t resolved[KERN_ARG_COUNT_MAX];
    uint32_t known = TYPE_INVALID;
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        if (arg_types[arg_idx].id != TYPE_UNKNOWN && known == TYPE_INVALID) known = arg_types[arg_idx].id;
    }
    bool is_operator = is_operator_name(name);
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        uint32_t id = arg_types[arg_idx].id;
        if (id == TYPE_UNKNOWN) id = (is_operator && known != TYPE_INVALID) ? known : TYPE_UNKNOWN;
        resolved[arg_idx] = id;
    }
    const KernEntry *best = NULL;
    int best_exact = -1, best_preferred = -1, best_cost = 0;
    for (uint32_t entry_idx = 0; entry_idx < KERN_ENTRY_COUNT; entry_idx++) {
        const KernEntry *entry = &KERN_ENTRIES[entry_idx];
        if (entry->arg_count != arg_count || strcmp(entry->name, name) != 0) continue;
        int cost = 0, exact = 0, preferred = 0;
        for (uint32_t arg_idx = 0; arg_idx < arg_count && cost >= 0; arg_idx++) {
            uint32_t param = entry->arg_ids[arg_idx];
            int step = implicit_cost(resolved[arg_idx], param);
            if (step < 0) {
                cost = -1;
                break;
            }
            exact += step == 0;
            preferred += step > 0 && is_preferred(param);
            cost += step;
        }
        if (cost < 0) continue;
        bool better = best == NULL || exact > best_exact ||
                      (exact == best_exact && (preferred > best_preferred ||
                                               (preferred == best_preferred && cost < best_cost)));
        if (better) {
            best = entry;
            best_exact = exact;
            best_preferred = preferred;
            best_cost = cost;
        }
    }
    if (best != NULL) best = widen_float4(best, resolved, arg_count);
    if (best == NULL) return not_found(name, arg_types, arg_count);
    *lookup_out = (KernLookup){ .fn = best->fn, .filter = best->filter,
                                .result_type = type_plain((TypeId)best->result_id),
                                .arg_count = arg_count };
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        bool same = arg_types[arg_idx].id == best->arg_ids[arg_idx];
        lookup_out->arg_types[arg_idx] = same ? arg_types[arg_idx] : type_plain((TypeId)best->arg_ids[arg_idx]);
    }
    return NULL;
}

/* ---- casts ------------------------------------------------------------------------------------------ */

/* the suffix family of a type for the numeric cast matrix: 0..5 or -1 */
static const KernFn NUMERIC_CASTS[6][6] = {
    /* from i16 */ { NULL, kern_cast_i16_i32, kern_cast_i16_i64, kern_cast_i16_num, kern_cast_i16_f32, kern_cast_i16_f64 },
    /* from i32 */ { kern_cast_i32_i16, NULL, kern_cast_i32_i64, kern_cast_i32_num, kern_cast_i32_f32, kern_cast_i32_f64 },
    /* from i64 */ { kern_cast_i64_i16, kern_cast_i64_i32, NULL, kern_cast_i64_num, kern_cast_i64_f32, kern_cast_i64_f64 },
    /* from num */ { kern_cast_num_i16, kern_cast_num_i32, kern_cast_num_i64, kern_cast_num_num, kern_cast_num_f32, kern_cast_num_f64 },
    /* from f32 */ { kern_cast_f32_i16, kern_cast_f32_i32, kern_cast_f32_i64, kern_cast_f32_num, NULL, kern_cast_f32_f64 },
    /* from f64 */ { kern_cast_f64_i16, kern_cast_f64_i32, kern_cast_f64_i64, kern_cast_f64_num, kern_cast_f64_f32, NULL },
};

typedef struct TextCast {
    uint32_t id;
    KernFn   to_text;
    KernFn   from_text;
} TextCast;

static const TextCast TEXT_CASTS[] = {
    { TYPE_BOOL, kern_cast_bool_text, kern_cast_text_bool },
    { TYPE_INT2, kern_cast_i16_text, kern_cast_text_i16 },
    { TYPE_INT4, kern_cast_i32_text, kern_cast_text_i32 },
    { TYPE_INT8, kern_cast_i64_text, kern_cast_text_i64 },
    { TYPE_FLOAT4, kern_cast_f32_text, kern_cast_text_f32 },
    { TYPE_FLOAT8, kern_cast_f64_text, kern_cast_text_f64 },
    { TYPE_NUMERIC, kern_cast_num_text, kern_cast_text_num },
    { TYPE_DATE, kern_cast_date_text, kern_cast_text_date },
    { TYPE_TIME, kern_cast_time_text, kern_cast_text_time },
    { TYPE_TIMESTAMP, kern_cast_timestamp_text, kern_cast_text_timestamp },
    { TYPE_TIMESTAMPTZ, kern_cast_timestamptz_text, kern_cast_text_timestamptz },
    { TYPE_INTERVAL, kern_cast_interval_text, kern_cast_text_interval },
    { TYPE_OID, kern_cast_oid_text, kern_cast_text_oid },
    /* catfuncs: reg* input and output */
    { TYPE_REGCLASS, kern_cast_regclass_text, kern_cast_text_regclass },
    { TYPE_REGTYPE, kern_cast_regtype_text, kern_cast_text_regtype },
    { TYPE_REGPROC, kern_cast_regproc_text, kern_cast_text_regproc },
    { TYPE_REGNAMESPACE, kern_cast_regnamespace_text, kern_cast_text_regnamespace },
    { TYPE_REGROLE, kern_cast_regrole_text, kern_cast_text_regrole },
};

static const TextCast *text_cast_of(uint32_t id)
{
    for (size_t cast_idx = 0; cast_idx < sizeof TEXT_CASTS / sizeof TEXT_CASTS[0]; cast_idx++) {
        if (TEXT_CASTS[cast_idx].id == id) return &TEXT_CASTS[cast_idx];
    }
    return NULL;
}

static bool is_plain_string(uint32_t id)
{
    return type_is_string(id) && id != TYPE_BPCHAR && id != TYPE_VARCHAR;
}

Error *kern_cast_lookup(Type from, Type to, KernFn *fn_out)
{
    *fn_out = NULL;
    bool array_handled = false;   /* arrays: text <-> array, array -> array */
    TRY(kern_array_cast_lookup(from, to, fn_out, &array_handled));
    if (array_handled) return NULL;
    bool json_handled = false;   /* types: uuid, json, jsonb */
    TRY(kern_json_cast_lookup(from, to, fn_out, &json_handled));
    if (json_handled) return NULL;
    int from_rank = numeric_rank(from.id), to_rank = numeric_rank(to.id);
    if (from_rank >= 0 && to_rank >= 0) {
        /* the matrix is ordered i16 i32 i64 num f32 f64, as numeric_rank */
        *fn_out = NUMERIC_CASTS[from_rank][to_rank];
        if (from.id == TYPE_NUMERIC && to.id == TYPE_NUMERIC && to.typmod == TYPE_TYPMOD_NONE) *fn_out = NULL;
        return NULL;
    }
    if (from.id == to.id && (from.typmod == to.typmod || to.typmod == TYPE_TYPMOD_NONE)) return NULL;
    if (from.id == TYPE_BYTEA && type_is_string(to.id) && to.typmod < 0) {
        *fn_out = kern_cast_bytea_text;
        return NULL;
    }
    if (to.id == TYPE_BYTEA && type_is_string(from.id)) {
        *fn_out = kern_cast_text_bytea;
        return NULL;
    }
    if (from.id == TYPE_BPCHAR && (to.id == TYPE_TEXT || (to.id == TYPE_VARCHAR && to.typmod < 0))) {
        *fn_out = kern_cast_bpchar_text;
        return NULL;
    }
    if (type_is_string(from.id) || from.id == TYPE_BYTEA) {
        if (to.id == TYPE_VARCHAR) { *fn_out = kern_cast_text_varchar; return NULL; }
        if (to.id == TYPE_BPCHAR) { *fn_out = kern_cast_text_bpchar; return NULL; }
        if (is_plain_string(to.id)) return NULL;   /* same bytes, new type */
        const TextCast *cast = text_cast_of(to.id);
        if (cast != NULL && from.id != TYPE_BYTEA) { *fn_out = cast->from_text; return NULL; }
    }
    if (type_is_string(to.id)) {
        const TextCast *cast = text_cast_of(from.id);
        if (cast != NULL && to.typmod == TYPE_TYPMOD_NONE) { *fn_out = cast->to_text; return NULL; }
    }
    if (kern_oid_cast(from.id, to.id)) { *fn_out = kern_reg_relabel; return NULL; }   /* catfuncs */
    if (from.id == TYPE_BOOL && to.id == TYPE_INT4) { *fn_out = kern_cast_bool_i32; return NULL; }
    if (from.id == TYPE_INT4 && to.id == TYPE_BOOL) { *fn_out = kern_cast_i32_bool; return NULL; }
    return err_new(SQLSTATE_CANNOT_COERCE, "cannot cast type %s to %s", type_name(from.id), type_name(to.id));
}
