/* executor/tests/kern_support.c: helpers for the vector and kernel tests. */
#include "executor/tests/kern_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Arena  *test_arena;
KernCtx test_ctx;

void test_arena_setup(void)
{
    test_arena = arena_create(64 * 1024);
    ck_assert_ptr_nonnull(test_arena);
    test_ctx = (KernCtx){ .arena = test_arena };
}

void test_arena_teardown(void)
{
    arena_destroy(test_arena);
    test_arena = NULL;
}

double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

Vector *vec_new(Type type)
{
    Vector *vec = arena_alloc(test_arena, sizeof *vec);
    vec_init(vec, type, test_arena);
    return vec;
}

Vector *vec_of_ints(TypeId type, const int64_t *values, uint32_t count)
{
    Vector *vec = vec_new(type_plain(type));
    assert_ok(vec_reserve(vec, count));
    for (uint32_t row_idx = 0; row_idx < count; row_idx++) {
        int64_t value = values[row_idx];
        if (value == NUL_ROW) {
            assert_ok(vec_set_null(vec, row_idx));
            value = 0x5a5a;   /* garbage in a NULL slot must not matter */
        }
        switch (vec->phys) {
        case VEC_PHYS_I16: vec_i16(vec)[row_idx] = (int16_t)value; break;
        case VEC_PHYS_I32: vec_i32(vec)[row_idx] = (int32_t)value; break;
        case VEC_PHYS_I64: vec_i64(vec)[row_idx] = value; break;
        case VEC_PHYS_BOOL: vec_bool(vec)[row_idx] = (uint8_t)(value != 0); break;
        default: ck_abort_msg("vec_of_ints: not an integer type");
        }
    }
    return vec;
}

Vector *vec_of_f64(const double *values, uint32_t count)
{
    Vector *vec = vec_new(type_plain(TYPE_FLOAT8));
    assert_ok(vec_reserve(vec, count));
    memcpy(vec->data, values, count * sizeof(double));
    return vec;
}

Vector *vec_of_f32(const float *values, uint32_t count)
{
    Vector *vec = vec_new(type_plain(TYPE_FLOAT4));
    assert_ok(vec_reserve(vec, count));
    memcpy(vec->data, values, count * sizeof(float));
    return vec;
}

Vector *vec_of_bools(const int *values, uint32_t count)
{
    Vector *vec = vec_new(type_plain(TYPE_BOOL));
    assert_ok(vec_reserve(vec, count));
    for (uint32_t row_idx = 0; row_idx < count; row_idx++) {
        if (values[row_idx] < 0) assert_ok(vec_set_null(vec, row_idx));
        vec_bool(vec)[row_idx] = (uint8_t)(values[row_idx] > 0);
    }
    return vec;
}

Vector *vec_of_strs(TypeId type, const char *const *values, uint32_t count)
{
    Vector *vec = vec_new(type_plain(type));
    assert_ok(vec_reserve(vec, count));
    for (uint32_t row_idx = 0; row_idx < count; row_idx++) {
        if (values[row_idx] == NULL) {
            assert_ok(vec_set_null(vec, row_idx));
            assert_ok(vec_str_set(vec, row_idx, "garbage", 7));
            continue;
        }
        assert_ok(vec_str_set(vec, row_idx, values[row_idx], (uint32_t)strlen(values[row_idx])));
    }
    return vec;
}

Vector *vec_of_nums(Type type, const char *const *values, uint32_t count)
{
    Vector *vec = vec_new(type);
    assert_ok(vec_reserve(vec, count));
    for (uint32_t row_idx = 0; row_idx < count; row_idx++) {
        if (values[row_idx] == NULL) {
            assert_ok(vec_set_null(vec, row_idx));
            if (vec->phys == VEC_PHYS_NUMERIC) vec_numeric(vec)[row_idx] = numeric_make_zero(0);
            continue;
        }
        Numeric num;
        assert_ok(numeric_from_text(values[row_idx], test_arena, &num));
        if (vec->phys == VEC_PHYS_NUM64) {
            ck_assert(numeric_to_scaled_i64(&num, vec->numeric_scale, &vec_i64(vec)[row_idx]));
        } else {
            assert_ok(vec_numeric_set(vec, row_idx, &num));
        }
    }
    return vec;
}

Vector *vec_const_int(TypeId type, int64_t value)
{
    Vector *vec = vec_of_ints(type, &value, 1);
    assert_ok(vec_set_constant(vec));
    return vec;
}

Vector *vec_const_str(const char *value)
{
    Vector *vec = vec_of_strs(TYPE_TEXT, &value, 1);
    assert_ok(vec_set_constant(vec));
    return vec;
}

Vector *vec_const_null(Type type)
{
    Vector *vec = vec_new(type);
    assert_ok(vec_set_constant(vec));
    memset(vec->data, 0, type_phys_size((VecPhys)vec->phys));
    assert_ok(vec_set_null(vec, 0));
    return vec;
}

Error *run1(KernFn fn, const Vector *a, uint32_t count, Vector *out)
{
    const Vector *args[1] = { a };
    return fn(&test_ctx, args, NULL, count, out);
}

Error *run2(KernFn fn, const Vector *a, const Vector *b, uint32_t count, Vector *out)
{
    const Vector *args[2] = { a, b };
    return fn(&test_ctx, args, NULL, count, out);
}

Error *run3(KernFn fn, const Vector *a, const Vector *b, const Vector *c, uint32_t count,
            Vector *out)
{
    const Vector *args[3] = { a, b, c };
    return fn(&test_ctx, args, NULL, count, out);
}

const char *row_text(const Vector *vec, uint32_t row_idx)
{
    if (vec_is_null(vec, row_idx)) return "NULL";
    uint32_t slot_idx = vec->is_constant ? 0 : row_idx;
    char buffer[512];
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_BOOL: return vec_bool(vec)[slot_idx] ? "t" : "f";
    case VEC_PHYS_I16: snprintf(buffer, sizeof buffer, "%d", vec_i16(vec)[slot_idx]); break;
    case VEC_PHYS_I32: snprintf(buffer, sizeof buffer, "%d", vec_i32(vec)[slot_idx]); break;
    case VEC_PHYS_I64:
        snprintf(buffer, sizeof buffer, "%lld", (long long)vec_i64(vec)[slot_idx]);
        break;
    case VEC_PHYS_F32: kern_float4_format(vec_f32(vec)[slot_idx], buffer); break;
    case VEC_PHYS_F64: kern_float8_format(vec_f64(vec)[slot_idx], buffer); break;
    case VEC_PHYS_NUM64: numeric_i64_format(vec_i64(vec)[slot_idx], vec->numeric_scale, buffer); break;
    case VEC_PHYS_NUMERIC: {
        char *text;
        assert_ok(numeric_to_text(&vec_numeric(vec)[slot_idx], test_arena, &text));
        return text;
    }
    case VEC_PHYS_STR: {
        const StrView *view = &vec_str(vec)[slot_idx];
        return arena_strndup(test_arena, str_view_data(view), view->size);
    }
    case VEC_PHYS_INTERVAL: {
        const DtInterval *span = (const DtInterval *)vec->data + slot_idx;
        dt_interval_out(span, &(DtSettings){ 0 }, buffer);
        break;
    }
    default: return "?";
    }
    return arena_strdup(test_arena, buffer);
}

void assert_error(Error *err, const char *code, const char *message)
{
    ck_assert_msg(err != NULL, "expected error %s %s", code, message);
    ck_assert_str_eq(sqlstate_code(err->state), code);
    ck_assert_str_eq(err->message, message);
    err_free(err);
}
