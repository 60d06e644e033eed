/* executor/vec.c: vector allocation, validity bitmaps, string views (see vec.h). */
#include "executor/vec.h"

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/datetime.h"
#include "executor/kern_json.h"   /* types: uuid, json, jsonb binary input */

STATIC_ASSERT(sizeof(StrView) == 16, "a string view is 16 bytes");
STATIC_ASSERT((VEC_VALUE_COUNT_MAX & (VEC_VALUE_COUNT_MAX - 1)) == 0, "power of two");

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

StrView str_view_make_ref(const char *data, uint32_t size)
{
    StrView view;
    memset(&view, 0, sizeof view);
    view.size = size;
    if (size <= VEC_STR_INLINE_MAX) {
        if (size > 0) memcpy((char *)&view + offsetof(StrView, prefix), data, size);
    } else {
        memcpy(view.prefix, data, VEC_STR_PREFIX_SIZE);
        view.u.data = data;
    }
    return view;
}

int str_view_cmp(const StrView *a, const StrView *b)
{
    uint32_t common = a->size < b->size ? a->size : b->size;
    if (common > 0) {
        int prefix_cmp = memcmp(a->prefix, b->prefix, common < 4 ? common : 4);
        if (prefix_cmp != 0) return prefix_cmp;
        if (common > 4) {
            int rest_cmp = memcmp(str_view_data(a) + 4, str_view_data(b) + 4, common - 4);
            if (rest_cmp != 0) return rest_cmp;
        }
    }
    return (a->size > b->size) - (a->size < b->size);
}

bool str_view_equal(const StrView *a, const StrView *b)
{
    if (a->size != b->size) return false;
    if (memcmp(a->prefix, b->prefix, 4) != 0 && a->size >= 4) return false;
    return memcmp(str_view_data(a), str_view_data(b), a->size) == 0;
}

void vec_init_phys(Vector *vec, Type type, VecPhys phys, int16_t numeric_scale, Arena *arena)
{
    ASSERT(phys != VEC_PHYS_NUM64 || (numeric_scale >= 0 && numeric_scale <= 18));
    *vec = (Vector){ .type = type, .phys = (uint8_t)phys, .numeric_scale = numeric_scale,
                     .arena = arena };
}

void vec_init(Vector *vec, Type type, Arena *arena)
{
    VecPhys phys = type_phys(type);
    vec_init_phys(vec, type, phys, (int16_t)(phys == VEC_PHYS_NUM64 ? type_num64_scale(type) : 0),
                  arena);
}

Error *vec_reserve(Vector *vec, uint32_t capacity)
{
    VERIFY(capacity <= VEC_VALUE_COUNT_MAX);
    vec->is_constant = false;
    if (capacity <= vec->capacity) return NULL;
    size_t value_size = type_phys_size((VecPhys)vec->phys);
    void *data = arena_alloc(vec->arena, value_size * capacity + 1);
    if (data == NULL) return oom();
    if (vec->capacity > 0) memcpy(data, vec->data, value_size * vec->capacity);
    if (vec->validity != NULL) {
        uint32_t word_count = vec_validity_word_count(capacity);
        uint64_t *validity = arena_alloc(vec->arena, word_count * sizeof(uint64_t));
        if (validity == NULL) return oom();
        memset(validity, 0xff, word_count * sizeof(uint64_t));
        memcpy(validity, vec->validity, vec_validity_word_count(vec->capacity) * sizeof(uint64_t));
        vec->validity = validity;
    }
    vec->data = data;
    vec->capacity = capacity;
    return NULL;
}

void vec_reset(Vector *vec)
{
    vec->validity = NULL;
    vec->is_constant = false;
}

Error *vec_set_constant(Vector *vec)
{
    if (vec->capacity < 1) TRY(vec_reserve(vec, 1));
    vec->validity = NULL;
    vec->is_constant = true;
    return NULL;
}

Error *vec_flatten(Vector *vec, uint32_t count)
{
    if (!vec->is_constant) return NULL;
    bool is_null = vec_is_null(vec, 0);
    vec->is_constant = false;
    vec->validity = NULL;
    TRY(vec_reserve(vec, count > 0 ? count : 1));
    size_t value_size = type_phys_size((VecPhys)vec->phys);
    for (uint32_t row_idx = 1; row_idx < count; row_idx++) {
        memcpy((char *)vec->data + row_idx * value_size, vec->data, value_size);
    }
    if (is_null) {
        for (uint32_t row_idx = 0; row_idx < count; row_idx++) TRY(vec_set_null(vec, row_idx));
    }
    return NULL;
}

Error *vec_validity_ensure(Vector *vec)
{
    if (vec->validity != NULL) return NULL;
    uint32_t word_count = vec_validity_word_count(vec->capacity > 0 ? vec->capacity : 1);
    uint64_t *validity = arena_alloc(vec->arena, word_count * sizeof(uint64_t));
    if (validity == NULL) return oom();
    memset(validity, 0xff, word_count * sizeof(uint64_t));
    vec->validity = validity;
    return NULL;
}

Error *vec_set_null(Vector *vec, uint32_t row_idx)
{
    VERIFY(row_idx < vec->capacity);
    TRY(vec_validity_ensure(vec));
    vec->validity[row_idx >> 6] &= ~(UINT64_C(1) << (row_idx & 63));
    if (vec->phys == VEC_PHYS_STR || vec->phys == VEC_PHYS_NUMERIC ||
        vec->phys == VEC_PHYS_ARRAY /* arrays: a StrView */) {
        /* invariant 6: a NULL string or numeric slot is readable (empty string / zero) */
        memset((char *)vec->data + row_idx * type_phys_size((VecPhys)vec->phys), 0,
               type_phys_size((VecPhys)vec->phys));
    }
    return NULL;
}

void vec_set_valid(Vector *vec, uint32_t row_idx)
{
    VERIFY(row_idx < vec->capacity);
    if (vec->validity == NULL) return;
    vec->validity[row_idx >> 6] |= UINT64_C(1) << (row_idx & 63);
}

bool vec_has_nulls(const Vector *vec, uint32_t count)
{
    if (vec->validity == NULL) return false;
    if (vec->is_constant) return vec_is_null(vec, 0);
    for (uint32_t row_idx = 0; row_idx < count; row_idx++) {
        if (vec_is_null(vec, row_idx)) return true;
    }
    return false;
}

Error *vec_str_set(Vector *vec, uint32_t row_idx, const char *data, uint32_t size)
{
    VERIFY(row_idx < vec->capacity);
    ASSERT(vec->phys == VEC_PHYS_STR || vec->phys == VEC_PHYS_ARRAY /* arrays */);
    if (size <= VEC_STR_INLINE_MAX) {
        vec_str(vec)[row_idx] = str_view_make_ref(data, size);
        return NULL;
    }
    char *copy = arena_alloc(vec->arena, size);
    if (copy == NULL) return oom();
    memcpy(copy, data, size);
    vec_str(vec)[row_idx] = str_view_make_ref(copy, size);
    return NULL;
}

Error *vec_numeric_set(Vector *vec, uint32_t row_idx, const Numeric *num)
{
    VERIFY(row_idx < vec->capacity);
    ASSERT(vec->phys == VEC_PHYS_NUMERIC);
    return numeric_copy(num, vec->arena, &vec_numeric(vec)[row_idx]);
}

Error *vec_numeric_get(const Vector *vec, uint32_t row_idx, Arena *arena, Numeric *out)
{
    uint32_t slot_idx = vec->is_constant ? 0 : row_idx;
    if (vec->phys == VEC_PHYS_NUM64) {
        return numeric_from_scaled_i64(vec_i64(vec)[slot_idx], vec->numeric_scale, arena, out);
    }
    VERIFY(vec->phys == VEC_PHYS_NUMERIC);
    *out = vec_numeric(vec)[slot_idx];
    return NULL;
}

Error *vec_copy_row(Vector *dst, uint32_t dst_idx, const Vector *src, uint32_t src_idx)
{
    VERIFY(dst->phys == src->phys);
    VERIFY(dst_idx < dst->capacity);
    uint32_t slot_idx = src->is_constant ? 0 : src_idx;
    if (vec_is_null(src, slot_idx)) return vec_set_null(dst, dst_idx);
    vec_set_valid(dst, dst_idx);
    if (src->phys == VEC_PHYS_STR || src->phys == VEC_PHYS_ARRAY /* arrays */) {
        const StrView *view = &vec_str(src)[slot_idx];
        return vec_str_set(dst, dst_idx, str_view_data(view), view->size);
    }
    if (src->phys == VEC_PHYS_NUMERIC) return vec_numeric_set(dst, dst_idx, &vec_numeric(src)[slot_idx]);
    size_t value_size = type_phys_size((VecPhys)src->phys);
    memcpy((char *)dst->data + dst_idx * value_size, (const char *)src->data + slot_idx * value_size,
           value_size);
    return NULL;
}

static Error *binary_format_error(void)
{
    return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "incorrect binary data format");
}

Error *vec_binary_set(Vector *vec, uint32_t row_idx, const uint8_t *data, size_t size)
{
    ASSERT(row_idx < vec->capacity);
    switch (vec->type.id) {
    case TYPE_BOOL:
        if (size != 1) return binary_format_error();
        vec_bool(vec)[row_idx] = data[0] != 0;
        return NULL;
    case TYPE_INT2:
        if (size != 2) return binary_format_error();
        vec_i16(vec)[row_idx] = (int16_t)dec_u16be(data);
        return NULL;
    case TYPE_INT4:
    case TYPE_DATE:
        if (size != 4) return binary_format_error();
        vec_i32(vec)[row_idx] = (int32_t)dec_u32be(data);
        return NULL;
    case TYPE_OID:
        if (size != 4) return binary_format_error();
        vec_i64(vec)[row_idx] = (int64_t)dec_u32be(data);
        return NULL;
    case TYPE_INT8:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
        if (size != 8) return binary_format_error();
        vec_i64(vec)[row_idx] = (int64_t)dec_u64be(data);
        return NULL;
    case TYPE_FLOAT4: {
        if (size != 4) return binary_format_error();
        uint32_t bits = dec_u32be(data);
        memcpy(&vec_f32(vec)[row_idx], &bits, 4);
        return NULL;
    }
    case TYPE_FLOAT8: {
        if (size != 8) return binary_format_error();
        uint64_t bits = dec_u64be(data);
        memcpy(&vec_f64(vec)[row_idx], &bits, 8);
        return NULL;
    }
    case TYPE_INTERVAL: {
        if (size != 16) return binary_format_error();
        DtInterval *value = &((DtInterval *)vec->data)[row_idx];
        value->time = (int64_t)dec_u64be(data);
        value->day = (int32_t)dec_u32be(data + 8);
        value->month = (int32_t)dec_u32be(data + 12);
        return NULL;
    }
    case TYPE_NUMERIC: {
        if (vec->phys != VEC_PHYS_NUMERIC) return binary_format_error();
        Numeric num;
        TRY(numeric_from_pg_binary(data, size, vec->arena, &num));
        return vec_numeric_set(vec, row_idx, &num);
    }
    case TYPE_UUID:   /* types: uuid's 16 bytes, json's text, jsonb's version byte + text */
    case TYPE_JSON:
    case TYPE_JSONB:
        return kern_json_binary_in(vec, row_idx, data, size);
    default:
        if (vec->phys == VEC_PHYS_STR || vec->phys == VEC_PHYS_ARRAY) {
            return vec_str_set(vec, row_idx, (const char *)data, (uint32_t)size);
        }
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "binary format for type %s is not supported",
                       type_name(vec->type.id));
    }
}
