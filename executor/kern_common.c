/* executor/kern_common.c: helpers shared by the kernel files (kern_int.h). */
#include "executor/kern_int.h"

const int64_t KERN_POW10[19] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL,
    1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
    100000000000000LL, 1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
    1000000000000000000LL,
};

Error *kern_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

Error *kern_err_int_range(VecPhys phys)
{
    const char *name = phys == VEC_PHYS_I16 ? "smallint" : phys == VEC_PHYS_I32 ? "integer" : "bigint";
    return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "%s out of range", name);
}

Error *kern_err_div_zero(void) { return err_new(SQLSTATE_DIVISION_BY_ZERO, "division by zero"); }

Error *kern_err_float_overflow(void)
{
    return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: overflow");
}

Error *kern_err_float_underflow(void)
{
    return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "value out of range: underflow");
}

bool kern_any_nulls(const Vector *const *args, uint32_t arg_count)
{
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        if (args[arg_idx]->validity != NULL) return true;
    }
    return false;
}

Error *kern_out_reserve(Vector *out, const uint16_t *sel, uint32_t count)
{
    out->validity = NULL;
    out->is_constant = false;
    uint32_t span = kern_span(sel, count);
    return vec_reserve(out, span > 0 ? span : 1);
}

/* zero_null_slots: invariant 6 of vec.h for a kernel's STR / NUMERIC output. */
static void zero_null_slots(Vector *out, uint32_t span)
{
    if (out->validity == NULL || (out->phys != VEC_PHYS_STR && out->phys != VEC_PHYS_NUMERIC &&
                                  out->phys != VEC_PHYS_ARRAY /* arrays */)) {
        return;
    }
    size_t value_size = type_phys_size((VecPhys)out->phys);
    for (uint32_t row_idx = 0; row_idx < span; row_idx++) {
        if (vec_is_null(out, row_idx)) memset((char *)out->data + row_idx * value_size, 0, value_size);
    }
}

Error *kern_out_begin(Vector *out, const Vector *const *args, uint32_t arg_count,
                      const uint16_t *sel, uint32_t count)
{
    TRY(kern_out_reserve(out, sel, count));
    if (!kern_any_nulls(args, arg_count)) return NULL;
    TRY(vec_validity_ensure(out));
    uint32_t word_count = vec_validity_word_count(out->capacity);
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        const Vector *arg = args[arg_idx];
        if (arg->validity == NULL) continue;
        if (arg->is_constant) {
            if (vec_is_null(arg, 0)) memset(out->validity, 0, word_count * sizeof(uint64_t));
            continue;
        }
        uint32_t arg_words = vec_validity_word_count(arg->capacity);
        for (uint32_t word_idx = 0; word_idx < word_count && word_idx < arg_words; word_idx++) {
            out->validity[word_idx] &= arg->validity[word_idx];
        }
    }
    zero_null_slots(out, kern_span(sel, count));
    return NULL;
}

Error *kern_num_get(const Vector *vec, uint32_t row_idx, Arena *arena, Numeric *out)
{
    return vec_numeric_get(vec, row_idx, arena, out);
}

Error *kern_num_out_general(Vector *out, const uint16_t *sel, uint32_t count)
{
    uint64_t *validity = out->validity;
    uint32_t old_capacity = out->capacity;
    out->phys = VEC_PHYS_NUMERIC;
    out->numeric_scale = 0;
    out->capacity = 0;
    out->data = NULL;
    out->validity = NULL;
    uint32_t span = kern_span(sel, count);
    TRY(vec_reserve(out, span > 0 ? span : 1));
    if (validity != NULL) {
        TRY(vec_validity_ensure(out));
        uint32_t words = vec_validity_word_count(old_capacity < out->capacity ? old_capacity : out->capacity);
        memcpy(out->validity, validity, words * sizeof(uint64_t));
        zero_null_slots(out, span);
    }
    return NULL;
}

int kern_num_cmp_rows(KernCtx *ctx, const Vector *a, uint32_t ra, const Vector *b, uint32_t rb,
                      Error **err)
{
    uint32_t sa = a->is_constant ? 0 : ra;
    uint32_t sb = b->is_constant ? 0 : rb;
    if (a->phys == VEC_PHYS_NUM64 && b->phys == VEC_PHYS_NUM64) {
        NumericI128 x = vec_i64(a)[sa];
        NumericI128 y = vec_i64(b)[sb];
        if (a->numeric_scale < b->numeric_scale) x *= KERN_POW10[b->numeric_scale - a->numeric_scale];
        if (b->numeric_scale < a->numeric_scale) y *= KERN_POW10[a->numeric_scale - b->numeric_scale];
        return (x > y) - (x < y);
    }
    Numeric x, y;
    Error *get_err = kern_num_get(a, sa, ctx->arena, &x);
    if (get_err == NULL) get_err = kern_num_get(b, sb, ctx->arena, &y);
    if (get_err != NULL) {
        if (*err == NULL) *err = get_err; else err_free(get_err);
        return 0;
    }
    return numeric_cmp(&x, &y);
}

const char *kern_cstring(KernCtx *ctx, const StrView *view, char *buffer, size_t buffer_size)
{
    char *target = buffer;
    if (view->size + 1 > buffer_size) {
        target = arena_alloc(ctx->arena, view->size + 1);
        if (target == NULL) return NULL;
    }
    memcpy(target, str_view_data(view), view->size);
    target[view->size] = '\0';
    return target;
}
