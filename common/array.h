/* common/array.h: one-dimensional array values, encoded as one byte string.
 *
 * An array value (any TYPE_*_ARRAY, INT2VECTOR, OIDVECTOR) is stored in vectors as a StrView
 * (VEC_PHYS_ARRAY), in row records as variable-length bytes, and sent on the wire in binary
 * format, all with this one encoding: PostgreSQL's binary array format (array_send), so the
 * server sends the bytes as they are.
 *
 *   int32 ndim        0 (empty array) or 1
 *   int32 has_nulls   0 or 1
 *   uint32 elem_oid   element type OID (pg_type.typelem of the array type)
 *   -- when ndim == 1:
 *   int32 count       number of elements (>= 1)
 *   int32 lower       lower bound (1 for SQL arrays; 0 for int2vector/oidvector)
 *   count times: int32 size (-1: NULL element) then size bytes of the element in PostgreSQL's
 *                binary send format (big-endian integers, float bits, text bytes, ...)
 *   All integers big-endian.
 *
 * Arrays of more than one dimension are refused with 0A000 by the binder; an empty array is
 * ndim 0 (PostgreSQL's '{}'), never count 0.
 *
 * Invariants:
 * 1. array_decode accepts exactly what array_builder_finish produces; any other bytes (from
 *    disk or the network) give 22P03 "invalid array data", never a crash.
 * 2. Element bytes are in the binary send format of elem_oid, so a text element is its UTF-8
 *    bytes and an int4 element is 4 big-endian bytes.
 * 3. Two equal arrays (same elements, same lower bound) have identical encodings, so hashing
 *    and equality may use the bytes; ordering may not (compare element by element).
 */
#ifndef BIRCH_COMMON_ARRAY_H
#define BIRCH_COMMON_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"

enum {
    ARRAY_HEADER_SIZE_EMPTY = 12,   /* ndim, has_nulls, elem_oid */
    ARRAY_HEADER_SIZE = 20,         /* ... count, lower */
};

/* ArrayView: a decoded header over encoded bytes (no copy). Walk elements with
 * array_next. */
typedef struct ArrayView {
    uint32_t       elem_oid;
    int32_t        count;       /* 0 for an empty array */
    int32_t        lower;       /* 1 for SQL arrays */
    bool           has_nulls;
    const uint8_t *elems;       /* first element's size field */
    const uint8_t *end;
} ArrayView;

/* ArrayIter: the position of the next element. */
typedef struct ArrayIter {
    const uint8_t *pos;
    const uint8_t *end;
} ArrayIter;

/* array_decode: check bytes (the whole structure: sizes within bounds, count matches) and fill
 * *view. Errors: 22P03 "invalid array data" for anything malformed. */
Error *array_decode(const void *bytes, size_t size, ArrayView *view);
/* array_iter: an iterator at view's first element. */
ArrayIter array_iter(const ArrayView *view);
/* array_next: the next element: *data and *size (size -1 and data NULL for a NULL element). false
 * at the end. Only on views array_decode accepted. */
bool array_next(ArrayIter *iter, const uint8_t **data, int32_t *size);

/* ArrayBuilder: appends elements, then produces the encoding in an arena. */
typedef struct ArrayBuilder {
    Arena    *arena;
    uint32_t  elem_oid;
    int32_t   lower;
    int32_t   count;
    bool      has_nulls;
    uint8_t  *buf;          /* the encoding so far (header reserved) */
    size_t    size;
    size_t    capacity;
} ArrayBuilder;

/* array_builder_init: an empty builder for elem_oid elements with lower bound `lower`
 * (1 for SQL arrays, 0 for int2vector/oidvector); memory from arena. */
void array_builder_init(ArrayBuilder *builder, Arena *arena, uint32_t elem_oid, int32_t lower);
/* array_builder_add: append one element given in binary send format (data NULL: NULL). */
void array_builder_add(ArrayBuilder *builder, const void *data, int32_t size);
/* array_builder_add_int: append an int2/int4/int8/oid element from an integer (the builder's
 * elem_oid decides the width). */
void array_builder_add_int(ArrayBuilder *builder, int64_t value);
/* array_builder_add_text: append a text/name/varchar element from UTF-8 bytes (-1: strlen). */
void array_builder_add_text(ArrayBuilder *builder, const char *text, int32_t size);
/* array_builder_finish: the encoded value (in the builder's arena) and its size; an empty
 * builder gives the ndim-0 encoding. The builder may not be used afterwards. */
const uint8_t *array_builder_finish(ArrayBuilder *builder, size_t *size_out);

#endif
