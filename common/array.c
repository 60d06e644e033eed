/* common/array.c: one-dimensional array values in PostgreSQL's binary array format.
 *
 * The layout is in array.h. array_decode checks the whole structure once (header fields,
 * every element size within the value, the element count, the NULL flag matching the
 * elements, fixed element widths for element types whose binary form has one), so that
 * array_next can walk the elements without any check. The builder keeps the encoding in one
 * growing arena buffer with the 20-byte header reserved at its start and writes the header in
 * array_builder_finish.
 *
 * Out of memory: array_builder_add* return nothing, so a builder whose arena fails drops its
 * buffer and array_builder_finish returns NULL (size 0); callers turn that into
 * SQLSTATE_OUT_OF_MEMORY. */
/* array.h has a comment-in-comment sequence that -Wcomment rejects (a contract bug) */
#pragma GCC diagnostic ignored "-Wcomment"
#include "common/array.h"

#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"

enum {
    ARRAY_ELEM_SIZE_VARIABLE = -1,    /* elem_fixed_size: no fixed width */
    ARRAY_BUILDER_CAPACITY_MIN = 64,
    /* element OIDs (pg_type) this file knows the binary width of */
    ELEM_OID_BOOL = 16,
    ELEM_OID_CHAR = 18,
    ELEM_OID_INT8 = 20,
    ELEM_OID_INT2 = 21,
    ELEM_OID_INT4 = 23,
    ELEM_OID_REGPROC = 24,
    ELEM_OID_OID = 26,
    ELEM_OID_FLOAT4 = 700,
    ELEM_OID_FLOAT8 = 701,
    ELEM_OID_DATE = 1082,
    ELEM_OID_TIME = 1083,
    ELEM_OID_TIMESTAMP = 1114,
    ELEM_OID_TIMESTAMPTZ = 1184,
    ELEM_OID_INTERVAL = 1186,
    ELEM_OID_NUMERIC = 1700,
    ELEM_OID_REGCLASS = 2205,
    ELEM_OID_REGTYPE = 2206,
    ELEM_OID_REGNAMESPACE = 4089,
    ELEM_OID_REGROLE = 4096,
    NUMERIC_BINARY_HEADER_SIZE = 8,   /* ndigits, weight, sign, dscale (int16 each) */
};

/* elem_fixed_size: the binary send width of elem_oid's values, ARRAY_ELEM_SIZE_VARIABLE when
 * it has none (text, bytea, numeric, unknown OIDs). */
static int32_t elem_fixed_size(uint32_t elem_oid)
{
    switch (elem_oid) {
    case ELEM_OID_BOOL:
    case ELEM_OID_CHAR: return 1;
    case ELEM_OID_INT2: return 2;
    case ELEM_OID_INT4:
    case ELEM_OID_OID:
    case ELEM_OID_REGPROC:
    case ELEM_OID_REGCLASS:
    case ELEM_OID_REGTYPE:
    case ELEM_OID_REGNAMESPACE:
    case ELEM_OID_REGROLE:
    case ELEM_OID_FLOAT4:
    case ELEM_OID_DATE: return 4;
    case ELEM_OID_INT8:
    case ELEM_OID_FLOAT8:
    case ELEM_OID_TIME:
    case ELEM_OID_TIMESTAMP:
    case ELEM_OID_TIMESTAMPTZ: return 8;
    case ELEM_OID_INTERVAL: return 16;
    default: return ARRAY_ELEM_SIZE_VARIABLE;
    }
}

static Error *invalid_data(const char *why)
{
    return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "invalid array data: %s", why);
}

/* check_elem: one non-NULL element's bytes against elem_oid's binary form. */
static Error *check_elem(uint32_t elem_oid, const uint8_t *data, int32_t size)
{
    int32_t fixed_size = elem_fixed_size(elem_oid);
    if (fixed_size != ARRAY_ELEM_SIZE_VARIABLE && size != fixed_size) {
        return invalid_data("element size does not match its type");
    }
    if (elem_oid == ELEM_OID_BOOL && data[0] > 1) return invalid_data("invalid boolean element");
    if (elem_oid == ELEM_OID_NUMERIC) {
        if (size < NUMERIC_BINARY_HEADER_SIZE) return invalid_data("numeric element too short");
        uint16_t digit_count = dec_u16be(data);
        if ((size_t)size != NUMERIC_BINARY_HEADER_SIZE + 2 * (size_t)digit_count) {
            return invalid_data("numeric element size does not match its digit count");
        }
    }
    return NULL;
}

/* decode_elems: walk count elements from pos to end; they must fill it exactly. */
static Error *decode_elems(const ArrayView *view)
{
    const uint8_t *pos = view->elems;
    bool null_seen = false;
    for (int32_t elem_idx = 0; elem_idx < view->count; elem_idx++) {
        if ((size_t)(view->end - pos) < 4) return invalid_data("element size out of bounds");
        int32_t size = (int32_t)dec_u32be(pos);
        pos += 4;
        if (size == -1) {
            null_seen = true;
            continue;
        }
        if (size < 0) return invalid_data("negative element size");
        if ((size_t)(view->end - pos) < (size_t)size) {
            return invalid_data("element extends past the end of the value");
        }
        TRY(check_elem(view->elem_oid, pos, size));
        pos += size;
    }
    if (pos != view->end) return invalid_data("bytes left over after the last element");
    if (null_seen != view->has_nulls) return invalid_data("null flag does not match the elements");
    return NULL;
}

Error *array_decode(const void *bytes, size_t size, ArrayView *view)
{
    const uint8_t *data = bytes;
    if (data == NULL || size < ARRAY_HEADER_SIZE_EMPTY) return invalid_data("value too short");
    int32_t ndim = (int32_t)dec_u32be(data);
    int32_t has_nulls = (int32_t)dec_u32be(data + 4);
    ArrayView decoded = {
        .elem_oid = dec_u32be(data + 8),
        .count = 0,
        .lower = 1,
        .has_nulls = has_nulls == 1,
        .elems = data + size,
        .end = data + size,
    };
    if (has_nulls != 0 && has_nulls != 1) return invalid_data("invalid null flag");
    if (ndim == 0) {
        if (size != ARRAY_HEADER_SIZE_EMPTY) return invalid_data("bytes after an empty array");
        if (decoded.has_nulls) return invalid_data("null flag set on an empty array");
        *view = decoded;
        return NULL;
    }
    if (ndim < 0) return invalid_data("negative number of dimensions");
    if (ndim > 1) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "multidimensional arrays are not supported");
    }
    if (size < ARRAY_HEADER_SIZE) return invalid_data("value too short");
    decoded.count = (int32_t)dec_u32be(data + 12);
    decoded.lower = (int32_t)dec_u32be(data + 16);
    decoded.elems = data + ARRAY_HEADER_SIZE;
    if (decoded.count <= 0) return invalid_data("invalid number of elements");
    if ((int64_t)decoded.lower + decoded.count - 1 > INT32_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                       "array upper bound is too large: %lld",
                       (long long)decoded.lower + decoded.count - 1);
    }
    if ((size_t)decoded.count > (size - ARRAY_HEADER_SIZE) / 4) {
        return invalid_data("element count exceeds the value's size");
    }
    TRY(decode_elems(&decoded));
    *view = decoded;
    return NULL;
}

ArrayIter array_iter(const ArrayView *view)
{
    return (ArrayIter){ .pos = view->elems, .end = view->end };
}

bool array_next(ArrayIter *iter, const uint8_t **data, int32_t *size)
{
    if (iter->pos >= iter->end) return false;
    ASSERT(iter->end - iter->pos >= 4);
    int32_t elem_size = (int32_t)dec_u32be(iter->pos);
    iter->pos += 4;
    if (elem_size < 0) {
        *data = NULL;
        *size = -1;
        return true;
    }
    ASSERT(iter->end - iter->pos >= elem_size);
    *data = iter->pos;
    *size = elem_size;
    iter->pos += elem_size;
    return true;
}

void array_builder_init(ArrayBuilder *builder, Arena *arena, uint32_t elem_oid, int32_t lower)
{
    *builder = (ArrayBuilder){
        .arena = arena,
        .elem_oid = elem_oid,
        .lower = lower,
        .size = ARRAY_HEADER_SIZE,
        .capacity = ARRAY_BUILDER_CAPACITY_MIN,
    };
    builder->buf = arena_alloc(arena, builder->capacity);
}

/* reserve: room for more bytes; false (and the buffer dropped) on OOM or size overflow. */
static bool reserve(ArrayBuilder *builder, size_t more)
{
    if (builder->buf == NULL) return false;
    if (builder->capacity - builder->size >= more) return true;
    size_t capacity = builder->capacity;
    while (capacity - builder->size < more) {
        if (capacity > SIZE_MAX / 2 || capacity > (size_t)INT32_MAX) {
            builder->buf = NULL;
            return false;
        }
        capacity *= 2;
    }
    uint8_t *buf = arena_alloc(builder->arena, capacity);
    if (buf != NULL) memcpy(buf, builder->buf, builder->size);
    builder->buf = buf;     /* the old buffer stays in the arena until it is reset */
    builder->capacity = capacity;
    return buf != NULL;
}

void array_builder_add(ArrayBuilder *builder, const void *data, int32_t size)
{
    VERIFY(builder->count < INT32_MAX);
    if (data == NULL) {
        if (!reserve(builder, 4)) return;
        enc_u32be(builder->buf + builder->size, UINT32_MAX);   /* -1: NULL */
        builder->size += 4;
        builder->has_nulls = true;
        builder->count++;
        return;
    }
    VERIFY(size >= 0);
    if (!reserve(builder, 4 + (size_t)size)) return;
    enc_u32be(builder->buf + builder->size, (uint32_t)size);
    if (size > 0) memcpy(builder->buf + builder->size + 4, data, (size_t)size);
    builder->size += 4 + (size_t)size;
    builder->count++;
}

void array_builder_add_int(ArrayBuilder *builder, int64_t value)
{
    uint8_t bytes[8];
    switch (elem_fixed_size(builder->elem_oid)) {
    case 2:
        VERIFY(builder->elem_oid == ELEM_OID_INT2);
        enc_u16be(bytes, (uint16_t)value);
        array_builder_add(builder, bytes, 2);
        return;
    case 4:
        VERIFY(builder->elem_oid != ELEM_OID_FLOAT4 && builder->elem_oid != ELEM_OID_DATE);
        enc_u32be(bytes, (uint32_t)value);
        array_builder_add(builder, bytes, 4);
        return;
    case 8:
        VERIFY(builder->elem_oid == ELEM_OID_INT8);
        enc_u64be(bytes, (uint64_t)value);
        array_builder_add(builder, bytes, 8);
        return;
    default:
        VERIFY(!"array_builder_add_int on a non-integer element type");
    }
}

void array_builder_add_text(ArrayBuilder *builder, const char *text, int32_t size)
{
    if (text == NULL) {
        array_builder_add(builder, NULL, -1);
        return;
    }
    if (size < 0) {
        size_t length = strlen(text);
        VERIFY(length <= (size_t)INT32_MAX);
        size = (int32_t)length;
    }
    array_builder_add(builder, text, size);
}

const uint8_t *array_builder_finish(ArrayBuilder *builder, size_t *size_out)
{
    uint8_t *buf = builder->buf;
    builder->buf = NULL;
    if (buf == NULL) {
        *size_out = 0;
        return NULL;
    }
    if (builder->count == 0) {
        enc_u32be(buf, 0);
        enc_u32be(buf + 4, 0);
        enc_u32be(buf + 8, builder->elem_oid);
        *size_out = ARRAY_HEADER_SIZE_EMPTY;
        return buf;
    }
    enc_u32be(buf, 1);
    enc_u32be(buf + 4, builder->has_nulls ? 1 : 0);
    enc_u32be(buf + 8, builder->elem_oid);
    enc_u32be(buf + 12, (uint32_t)builder->count);
    enc_u32be(buf + 16, (uint32_t)builder->lower);
    *size_out = builder->size;
    return buf;
}
