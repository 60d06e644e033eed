/* executor/kern_array.h: array and regular-expression kernels (kern_array*.c, kern_regex.c).
 *
 * Array values are VEC_PHYS_ARRAY vectors: StrViews over common/array.h's encoding
 * (PostgreSQL's binary array format). Kernels decode with array_decode (which validates) and
 * build results with ArrayBuilder in out's arena. Element values move between a vector of the
 * element type and their binary send form with kern_array_elem_get / kern_array_elem_set, so
 * the element types' own text I/O kernels format and parse elements.
 *
 * Polymorphic functions and operators (anyarray / anyelement in PostgreSQL) are resolved by
 * kern_array_lookup, which kern_lookup consults first.
 *
 * Errors are PostgreSQL 15's: INVALID_TEXT_REPRESENTATION (22P02) `malformed array literal:
 * "{1"` with a detail; INVALID_BINARY_REPRESENTATION (22P03) for bad encodings;
 * INVALID_REGULAR_EXPRESSION (2201B) `invalid regular expression: ...`;
 * ARRAY_SUBSCRIPT_ERROR (2202E); FEATURE_NOT_SUPPORTED for multidimensional arrays. */
#ifndef BIRCH_EXECUTOR_KERN_ARRAY_H
#define BIRCH_EXECUTOR_KERN_ARRAY_H

/* common/array.h has a comment-in-comment sequence -Wcomment rejects (reported to the lead) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcomment"
#include "common/array.h"
#pragma GCC diagnostic pop

#include "executor/kern.h"

/* kern_array_type_of: the array type OID whose elements are elem_id; TYPE_INVALID if none. */
uint32_t kern_array_type_of(uint32_t elem_id);
/* kern_array_elem_type: the element Type of an array type (int2vector: int2 ...). */
Type     kern_array_elem_type(Type array_type);
/* kern_array_view: decode row row_idx of an array vector (valid row). Errors: 22P03. */
Error   *kern_array_view(const Vector *vec, uint32_t row_idx, ArrayView *view_out);
/* kern_array_elem_get: the binary send bytes of vec's row row_idx (valid): *data points into
 * vec, or into buf (>= 16 bytes), or into arena (numeric). */
Error   *kern_array_elem_get(const Vector *vec, uint32_t row_idx, uint8_t *buf, Arena *arena,
                             const uint8_t **data_out, int32_t *size_out);
/* kern_array_elem_set: store binary send bytes (data NULL: NULL) into out row row_idx.
 * Pre: out reserved; out->phys matches its type. Errors: 22P03 for a wrong width. */
Error   *kern_array_elem_set(Vector *out, uint32_t row_idx, const uint8_t *data, int32_t size);
/* kern_array_elem_cmp: order two non-NULL elements of elem_oid as PostgreSQL's btree
 * comparison does (text: C collation). */
int      kern_array_elem_cmp(uint32_t elem_oid, const uint8_t *a, int32_t a_size,
                             const uint8_t *b, int32_t b_size);
/* kern_array_cmp: order two arrays (element-wise; NULL elements sort last; then length, then
 * lower bound), as PostgreSQL's btarraycmp. */
int      kern_array_cmp(const ArrayView *a, const ArrayView *b);
/* kern_array_set: store an encoded array into out row row_idx (copied into out's arena). */
Error   *kern_array_set(Vector *out, uint32_t row_idx, const uint8_t *bytes, size_t size);
/* kern_array_to_text / kern_array_from_text: one value's text form (PostgreSQL's array_out /
 * array_in for one-dimensional arrays). from_text: elem_type gives the element's input
 * function; the result is in arena. */
Error   *kern_array_to_text(KernCtx *ctx, const ArrayView *view, Type elem_type, Arena *arena,
                            char **text_out, size_t *size_out);
Error   *kern_array_from_text(KernCtx *ctx, const char *text, size_t size, Type elem_type,
                              int32_t lower, Arena *arena, const uint8_t **bytes_out,
                              size_t *size_out);
/* kern_array_join: array_to_string: element texts joined by sep, NULLs skipped (null_text
 * NULL) or shown as null_text; stored as text into out row row_idx. */
Error   *kern_array_join(KernCtx *ctx, const ArrayView *view, Type elem_type, const char *sep,
                         size_t sep_size, const char *null_text, size_t null_size, Vector *out,
                         uint32_t row_idx);
/* kern_array_check_binary: bytes from a client (binary parameter) as a value of array type
 * `type`: array_decode's checks, the element type must be type's (DATATYPE_MISMATCH `wrong
 * element type`), text elements must be UTF-8 (CHARACTER_NOT_IN_REPERTOIRE). */
Error   *kern_array_check_binary(Type type, const void *data, size_t size);
/* kern_array_builder_add_value: append vec's row row_idx (NULL included) as an element;
 * numeric bytes go through scratch. */
Error   *kern_array_builder_add_value(ArrayBuilder *builder, const Vector *vec, uint32_t row_idx,
                                      Arena *scratch);
/* kern_array_sort_bytes: vec's row row_idx (valid) as bytes whose memcmp order is the arrays'
 * order (element-wise, NULL elements last, a prefix first); equal arrays give equal bytes. For
 * sort and group keys (op_rows.c wraps them like text). Errors: OUT_OF_MEMORY. */
Error   *kern_array_sort_bytes(const Vector *vec, uint32_t row_idx, Arena *arena,
                               const uint8_t **bytes_out, size_t *size_out);
/* kern_array_lookup: resolve an array function or operator (anyarray signatures);
 * *handled_out false if name/arguments are not an array function (kern_lookup goes on). */
Error   *kern_array_lookup(const char *name, const Type *arg_types, uint32_t arg_count,
                           KernLookup *lookup_out, bool *handled_out);
/* kern_array_cast_lookup: casts to or from array types (text <-> array, array -> array
 * element-wise); *handled_out false when neither side is an array. */
Error   *kern_array_cast_lookup(Type from, Type to, KernFn *fn_out, bool *handled_out);

/* Casts (kern_array.c). */
KERN_DECLARE(kern_cast_array_text);
KERN_DECLARE(kern_cast_text_array);
KERN_DECLARE(kern_cast_array_array);

/* Functions and operators (kern_array_fn.c). Arguments as their names say; strict unless
 * noted. kern_array_make: ARRAY[e] (one element, NULL kept: not strict);
 * kern_array_append / kern_array_prepend / kern_array_cat (NULL array acts as empty; not
 * strict); kern_array_subscript (a[i]: NULL out of range); kern_array_slice (a[i:j]);
 * kern_array_{eq,ne,lt,le,gt,ge}; kern_array_any_{eq,...} / kern_array_all_{eq,...}
 * (x op ANY/ALL (a): NULL semantics of PostgreSQL's ScalarArrayOpExpr). */
KERN_DECLARE(kern_array_make);
KERN_DECLARE(kern_array_append);
KERN_DECLARE(kern_array_prepend);
KERN_DECLARE(kern_array_cat);
KERN_DECLARE(kern_array_subscript);
KERN_DECLARE(kern_array_slice);
KERN_DECLARE(kern_array_nth);   /* array_nth(a, n): n-th element, 1-based (unnest) */
KERN_DECLARE(kern_array_length);
KERN_DECLARE(kern_array_upper);
KERN_DECLARE(kern_array_lower);
KERN_DECLARE(kern_array_cardinality);
KERN_DECLARE(kern_array_ndims);
KERN_DECLARE(kern_array_to_string2);
KERN_DECLARE(kern_array_to_string3);
KERN_DECLARE(kern_string_to_array2);
KERN_DECLARE(kern_string_to_array3);
KERN_DECLARE(kern_array_position);
KERN_DECLARE(kern_array_remove);
KERN_DECLARE(kern_array_contains);
KERN_DECLARE(kern_array_contained);
KERN_DECLARE(kern_array_overlap);
#define KERN_ARRAY_CMP(X) X(kern_array_eq); X(kern_array_ne); X(kern_array_lt); \
    X(kern_array_le); X(kern_array_gt); X(kern_array_ge)
KERN_ARRAY_CMP(KERN_DECLARE);
#define KERN_ARRAY_QUANT(X, Q) X(kern_array_##Q##_eq); X(kern_array_##Q##_ne);   \
    X(kern_array_##Q##_lt); X(kern_array_##Q##_le); X(kern_array_##Q##_gt);     \
    X(kern_array_##Q##_ge)
KERN_ARRAY_QUANT(KERN_DECLARE, any);
KERN_ARRAY_QUANT(KERN_DECLARE, all);

/* array_agg / string_agg (kern_array_agg.c): kern_agg_sortkey (value, KeyDir int4) -> bytea
 * order-preserving key; kern_agg_pack (value, key bytea, separator) -> bytea (never NULL);
 * kern_array_agg_find: the AggKern of array_agg over element type input_type (result: its
 * array type) or string_agg over text/bytea, whose input column is agg_pack's output; the
 * names "array_agg distinct" / "string_agg distinct" give the DISTINCT kernels, which keep
 * one row per sort key (the binder's key then covers every argument). */
KERN_DECLARE(kern_agg_sortkey);
KERN_DECLARE(kern_agg_pack);
const AggKern *kern_array_agg_find(const char *name, uint32_t input_type);

/* Regular expressions (kern_regex.c): kern_regex_match (~), kern_regex_imatch (~*),
 * kern_regex_not_match (!~), kern_regex_not_imatch (!~*), kern_regexp_replace3 / 4 (flags:
 * g global, i case-insensitive). Compiled patterns live in a small process-wide cache keyed by
 * (pattern, flags), so a constant pattern is compiled once, not per row. PostgreSQL ARE escapes POSIX ERE lacks are translated (\d \w
 * \s \D \W \S \m \M \y); non-greedy quantifiers and other ARE-only syntax are 0A000. */
KERN_DECLARE(kern_regex_match);
KERN_DECLARE(kern_regex_imatch);
KERN_DECLARE(kern_regex_not_match);
KERN_DECLARE(kern_regex_not_imatch);
KERN_DECLARE(kern_regexp_replace3);
KERN_DECLARE(kern_regexp_replace4);
/* kern_regexp_flags (flags, pattern) / kern_regexp_replace_flagged (s, joined, repl): the
 * four-argument regexp_replace through three-argument calls (see kern_regex.c). */
KERN_DECLARE(kern_regexp_flags);
KERN_DECLARE(kern_regexp_replace_flagged);
/* kern_regex_cache_clear: free every cached compiled pattern (tests; process exit). */
void kern_regex_cache_clear(void);

#endif
