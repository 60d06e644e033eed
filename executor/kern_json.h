/* executor/kern_json.h: kernels of the uuid, json and jsonb types (kern_uuid.c, kern_json.c,
 * kern_json_fn.c) and their registry hooks.
 *
 * Vectors: all three are VEC_PHYS_STR. uuid rows hold the 16 bytes; json rows the text as the
 * client wrote it (validated); jsonb rows the normal text form common/json.h describes, so the
 * text output of jsonb is its bytes and its binary send form is a version byte 1 before them.
 *
 * kern_lookup consults kern_json_lookup first (like kern_array_lookup): json/jsonb operators
 * (-> ->> #> #>> @> <@ ? ?| ?& and jsonb's comparisons), json_typeof, json_array_length,
 * to_json / to_jsonb of any type, gen_random_uuid, and the binder's helpers for
 * json_build_object / json_build_array ("json build pair", "json build elem").
 * kern_cast_lookup consults kern_json_cast_lookup: text <-> uuid, text <-> json/jsonb,
 * json <-> jsonb, jsonb -> bool/numeric/int2/int4/int8/float4/float8.
 *
 * Errors: common/json.h's for input (22P02 with PostgreSQL's detail); 22P02 `invalid input syntax
 * for type uuid: "x"`; 22023 `cannot get array length of a scalar` / `of a non-array`; 22023
 * `cannot cast jsonb string to type integer` ...; 22023 for a NULL object key. */
#ifndef BIRCH_EXECUTOR_KERN_JSON_H
#define BIRCH_EXECUTOR_KERN_JSON_H

#include "executor/kern.h"

/* kern_json_lookup: resolve a uuid/json/jsonb function or operator; *handled_out false when
 * name and argument types are none of ours (kern_lookup goes on). */
Error *kern_json_lookup(const char *name, const Type *arg_types, uint32_t arg_count,
                        KernLookup *lookup_out, bool *handled_out);
/* kern_json_cast_lookup: casts to or from uuid, json and jsonb; *handled_out false when
 * neither side is one of them. Errors: CANNOT_COERCE for casts PostgreSQL does not have. */
Error *kern_json_cast_lookup(Type from, Type to, KernFn *fn_out, bool *handled_out);
/* kern_json_binary_in: a binary (recv) value of TYPE_UUID/JSON/JSONB into row row_idx of vec
 * (uuid: exactly 16 bytes; json: the text; jsonb: version byte 1 then the text).
 * Errors: INVALID_BINARY_REPRESENTATION (22P03), the text input errors. */
Error *kern_json_binary_in(Vector *vec, uint32_t row_idx, const uint8_t *data, size_t size);
/* kern_json_is_type: TYPE_UUID, TYPE_JSON or TYPE_JSONB. */
bool   kern_json_is_type(uint32_t id);

KERN_DECLARE(kern_cast_text_uuid);
KERN_DECLARE(kern_cast_uuid_text);
KERN_DECLARE(kern_gen_random_uuid);

#endif
