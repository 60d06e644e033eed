/* executor/kern_array_fn.c: array functions and operators, and their resolution.
 *
 * Every kernel here reads arrays with array_decode and writes results with ArrayBuilder into
 * out's arena. Element comparisons use kern_array_elem_cmp on the binary send bytes, so
 * `x = ANY (a)` never materializes the elements as a vector. The binder makes the element
 * types agree first (kern_array_lookup's arg_types say which casts to insert).
 *
 * NULL semantics follow PostgreSQL: x op ANY (a) is NULL when a is NULL, false when a is empty,
 * NULL when x is NULL, else true if some element matches, NULL if none matched but some
 * comparison was with a NULL element, else false (ALL: the dual). array_append / prepend /
 * cat treat a NULL array as empty; array_position / array_remove compare with IS NOT DISTINCT
 * FROM. */
#include <string.h>

#include "common/bytes.h"
#include "executor/kern_array.h"
#include "executor/kern_int.h"


static const ArrayView EMPTY_VIEW = { .elem_oid = 0, .count = 0, .lower = 1 };

/* view_or_empty: row r's array, or the empty array when it is NULL. */
static Error *view_or_empty(const Vector *vec, uint32_t row_idx, ArrayView *view_out)
{
    if (!row_valid(vec, row_idx)) {
        *view_out = EMPTY_VIEW;
        return NULL;
    }
    return kern_array_view(vec, row_idx, view_out);
}

static void add_all(ArrayBuilder *builder, const ArrayView *view)
{
    ArrayIter iter = array_iter(view);
    const uint8_t *data;
    int32_t size;
    while (array_next(&iter, &data, &size)) array_builder_add(builder, data, size);
}

static Error *finish(ArrayBuilder *builder, Vector *out, uint32_t row_idx)
{
    size_t size = 0;
    const uint8_t *bytes = array_builder_finish(builder, &size);
    return kern_array_set(out, row_idx, bytes, size);
}

static uint32_t out_elem_oid(const Vector *out) { return type_array_elem(out->type.id); }

KERN_DECLARE(kern_array_make)
{
    const Vector *elem = args[0];
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        ArrayBuilder builder;
        array_builder_init(&builder, out->arena, out_elem_oid(out), 1);
        if (row_valid(elem, r)) {
            uint8_t buf[16];
            const uint8_t *data;
            int32_t size;
            TRY(kern_array_elem_get(elem, r, buf, ctx->arena, &data, &size));
            array_builder_add(&builder, data, size);
        } else {
            array_builder_add(&builder, NULL, -1);
        }
        TRY(finish(&builder, out, r));
    });
    return NULL;
}

/* append_elem: array (NULL: empty) with one element added at the end or the start. */
static Error *append_elem(KernCtx *ctx, const Vector *array, const Vector *elem, bool at_end,
                          const uint16_t *sel, uint32_t count, Vector *out)
{
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        ArrayView view;
        TRY(view_or_empty(array, r, &view));
        ArrayBuilder builder;
        array_builder_init(&builder, out->arena, out_elem_oid(out), view.count > 0 ? view.lower : 1);
        if (!at_end) {
            if (view.count > 0 && view.lower > INT32_MIN) builder.lower = view.lower;
        }
        uint8_t buf[16];
        const uint8_t *data = NULL;
        int32_t size = -1;
        if (row_valid(elem, r)) TRY(kern_array_elem_get(elem, r, buf, ctx->arena, &data, &size));
        if (!at_end) array_builder_add(&builder, data, size);
        add_all(&builder, &view);
        if (at_end) array_builder_add(&builder, data, size);
        TRY(finish(&builder, out, r));
    });
    return NULL;
}

KERN_DECLARE(kern_array_append) { return append_elem(ctx, args[0], args[1], true, sel, count, out); }
KERN_DECLARE(kern_array_prepend) { return append_elem(ctx, args[1], args[0], false, sel, count, out); }

KERN_DECLARE(kern_array_cat)
{
    const Vector *left = args[0], *right = args[1];
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(left, r) && !row_valid(right, r)) {
            TRY(vec_set_null(out, r));
        } else {
            ArrayView a, b;
            TRY(view_or_empty(left, r, &a));
            TRY(view_or_empty(right, r, &b));
            int32_t lower = a.count > 0 ? a.lower : b.count > 0 ? b.lower : 1;
            ArrayBuilder builder;
            array_builder_init(&builder, out->arena, out_elem_oid(out), lower);
            add_all(&builder, &a);
            add_all(&builder, &b);
            TRY(finish(&builder, out, r));
        }
    });
    (void)ctx;
    return NULL;
}

/* nth: the element at 0-based position idx (false if out of range). */
static bool nth(const ArrayView *view, int64_t idx, const uint8_t **data, int32_t *size)
{
    if (idx < 0 || idx >= view->count) return false;
    ArrayIter iter = array_iter(view);
    for (int64_t pos = 0; array_next(&iter, data, size); pos++) {
        if (pos == idx) return true;
    }
    return false;
}

KERN_DECLARE(kern_array_subscript)
{
    const Vector *array = args[0], *index = args[1];
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (row_valid(array, r) && row_valid(index, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            int64_t idx = (int64_t)vec_i32(index)[index->is_constant ? 0 : r] - view.lower;
            const uint8_t *data = NULL;
            int32_t size = -1;
            if (!nth(&view, idx, &data, &size)) data = NULL;
            if (data == NULL) {
                TRY(vec_set_null(out, r));
            } else {
                TRY(kern_array_elem_set(out, r, data, size));
            }
        }
    });
    (void)ctx;
    return NULL;
}

KERN_DECLARE(kern_array_nth)
{
    const Vector *array = args[0], *index = args[1];
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (row_valid(array, r) && row_valid(index, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            int64_t idx = (int64_t)vec_i32(index)[index->is_constant ? 0 : r] - 1;
            const uint8_t *data = NULL;
            int32_t size = -1;
            if (!nth(&view, idx, &data, &size)) data = NULL;
            if (data == NULL) {
                TRY(vec_set_null(out, r));
            } else {
                TRY(kern_array_elem_set(out, r, data, size));
            }
        }
    });
    (void)ctx;
    return NULL;
}

KERN_DECLARE(kern_array_slice)
{
    const Vector *array = args[0], *low = args[1], *high = args[2];
    TRY(kern_out_begin(out, args, 3, sel, count));
    FOR_ROWS(sel, count, {
        if (row_valid(array, r) && row_valid(low, r) && row_valid(high, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            int64_t from = vec_i32(low)[low->is_constant ? 0 : r];
            int64_t to = vec_i32(high)[high->is_constant ? 0 : r];
            int64_t upper = (int64_t)view.lower + view.count - 1;
            if (from < view.lower) from = view.lower;
            if (to > upper) to = upper;
            ArrayBuilder builder;
            array_builder_init(&builder, out->arena, view.elem_oid, 1);
            ArrayIter iter = array_iter(&view);
            const uint8_t *data;
            int32_t size;
            for (int64_t pos = view.lower; array_next(&iter, &data, &size); pos++) {
                if (pos >= from && pos <= to) array_builder_add(&builder, data, size);
            }
            TRY(finish(&builder, out, r));
        }
    });
    (void)ctx;
    return NULL;
}

typedef enum DimFn { DIM_LENGTH, DIM_UPPER, DIM_LOWER } DimFn;

static Error *dim_fn(const Vector *const *args, const uint16_t *sel, uint32_t count, Vector *out,
                     DimFn which)
{
    const Vector *array = args[0], *dim = args[1];
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (row_valid(array, r) && row_valid(dim, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            int32_t dim_value = vec_i32(dim)[dim->is_constant ? 0 : r];
            if (view.count == 0 || dim_value != 1) {
                TRY(vec_set_null(out, r));
            } else {
                int64_t value = which == DIM_LENGTH ? view.count
                              : which == DIM_LOWER ? view.lower
                              : (int64_t)view.lower + view.count - 1;
                vec_i32(out)[r] = (int32_t)value;
            }
        }
    });
    return NULL;
}

KERN_DECLARE(kern_array_length) { (void)ctx; return dim_fn(args, sel, count, out, DIM_LENGTH); }
KERN_DECLARE(kern_array_upper) { (void)ctx; return dim_fn(args, sel, count, out, DIM_UPPER); }
KERN_DECLARE(kern_array_lower) { (void)ctx; return dim_fn(args, sel, count, out, DIM_LOWER); }

KERN_DECLARE(kern_array_cardinality)
{
    const Vector *array = args[0];
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (row_valid(array, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            vec_i32(out)[r] = view.count;
        }
    });
    (void)ctx;
    return NULL;
}

KERN_DECLARE(kern_array_ndims)
{
    const Vector *array = args[0];
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (row_valid(array, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            if (view.count == 0) TRY(vec_set_null(out, r));
            else vec_i32(out)[r] = 1;
        }
    });
    (void)ctx;
    return NULL;
}

/* ---------------------------------------------------------------- text ---- */

/* array_to_string: elements as text joined by sep; NULLs skipped or shown as null_text. */
static Error *to_string(KernCtx *ctx, const Vector *const *args, bool has_null_arg,
                        const uint16_t *sel, uint32_t count, Vector *out)
{
    const Vector *array = args[0], *sep = args[1];
    const Vector *null_text = has_null_arg ? args[2] : NULL;
    TRY(kern_out_begin(out, args, 2, sel, count));
    Type elem_type = kern_array_elem_type(array->type);
    FOR_ROWS(sel, count, {
        if (row_valid(array, r) && row_valid(sep, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            const StrView *sep_view = str_at(sep, r);
            const StrView *null_view = null_text != NULL && row_valid(null_text, r)
                                           ? str_at(null_text, r) : NULL;
            TRY(kern_array_join(ctx, &view, elem_type, str_view_data(sep_view), sep_view->size,
                                null_view != NULL ? str_view_data(null_view) : NULL,
                                null_view != NULL ? null_view->size : 0, out, r));
        }
    });
    return NULL;
}

KERN_DECLARE(kern_array_to_string2) { return to_string(ctx, args, false, sel, count, out); }
KERN_DECLARE(kern_array_to_string3) { return to_string(ctx, args, true, sel, count, out); }

/* split: string_to_array(text, sep [, null_text]). */
static Error *split(KernCtx *ctx, const Vector *const *args, bool has_null_arg,
                    const uint16_t *sel, uint32_t count, Vector *out)
{
    const Vector *text = args[0], *sep = args[1];
    const Vector *null_text = has_null_arg ? args[2] : NULL;
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(text, r)) {
            TRY(vec_set_null(out, r));
        } else {
            const StrView *view = str_at(text, r);
            const char *data = str_view_data(view);
            uint32_t size = view->size;
            const StrView *null_view = null_text != NULL && row_valid(null_text, r)
                                           ? str_at(null_text, r) : NULL;
            ArrayBuilder builder;
            array_builder_init(&builder, out->arena, TYPE_TEXT, 1);
            uint32_t start = 0;
            bool by_char = !row_valid(sep, r);
            const StrView *sep_view = by_char ? NULL : str_at(sep, r);
            const char *sep_data = by_char ? NULL : str_view_data(sep_view);
            uint32_t sep_size = by_char ? 0 : sep_view->size;
            while (size > 0 && start <= size) {
                uint32_t end = size;
                uint32_t next = size + 1;
                if (by_char) {
                    end = start + 1;
                    while (end < size && ((unsigned char)data[end] & 0xC0) == 0x80) end++;
                    next = end;
                    if (start >= size) break;
                } else if (sep_size > 0) {
                    for (uint32_t pos = start; pos + sep_size <= size; pos++) {
                        if (memcmp(data + pos, sep_data, sep_size) == 0) {
                            end = pos;
                            next = pos + sep_size;
                            break;
                        }
                    }
                }
                uint32_t piece = end - start;
                bool is_null = null_view != NULL && null_view->size == piece &&
                               memcmp(str_view_data(null_view), data + start, piece) == 0;
                array_builder_add(&builder, is_null ? NULL : data + start, is_null ? -1 : (int32_t)piece);
                if (next > size) break;
                start = next;
                if (by_char && start >= size) break;
            }
            TRY(finish(&builder, out, r));
        }
    });
    (void)ctx;
    return NULL;
}

KERN_DECLARE(kern_string_to_array2) { return split(ctx, args, false, sel, count, out); }
KERN_DECLARE(kern_string_to_array3) { return split(ctx, args, true, sel, count, out); }

/* ---------------------------------------------------------------- search ---- */

static bool elem_equal(uint32_t elem_oid, const uint8_t *a, int32_t a_size, const uint8_t *b,
                       int32_t b_size)
{
    if (a == NULL || b == NULL) return a == NULL && b == NULL;
    return kern_array_elem_cmp(elem_oid, a, a_size, b, b_size) == 0;
}

KERN_DECLARE(kern_array_position)
{
    const Vector *array = args[0], *elem = args[1];
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        bool found = false;
        if (row_valid(array, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            uint8_t buf[16];
            const uint8_t *wanted = NULL;
            int32_t wanted_size = -1;
            if (row_valid(elem, r)) {
                TRY(kern_array_elem_get(elem, r, buf, ctx->arena, &wanted, &wanted_size));
            }
            ArrayIter iter = array_iter(&view);
            const uint8_t *data;
            int32_t size;
            for (int64_t pos = view.lower; array_next(&iter, &data, &size); pos++) {
                if (elem_equal(view.elem_oid, data, size, wanted, wanted_size)) {
                    vec_set_valid(out, r);
                    vec_i32(out)[r] = (int32_t)pos;
                    found = true;
                    break;
                }
            }
        }
        if (!found) TRY(vec_set_null(out, r));
    });
    return NULL;
}

KERN_DECLARE(kern_array_remove)
{
    const Vector *array = args[0], *elem = args[1];
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(array, r)) {
            TRY(vec_set_null(out, r));
        } else {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            uint8_t buf[16];
            const uint8_t *wanted = NULL;
            int32_t wanted_size = -1;
            if (row_valid(elem, r)) {
                TRY(kern_array_elem_get(elem, r, buf, ctx->arena, &wanted, &wanted_size));
            }
            ArrayBuilder builder;
            array_builder_init(&builder, out->arena, view.elem_oid != 0 ? view.elem_oid
                                                                         : out_elem_oid(out), 1);
            ArrayIter iter = array_iter(&view);
            const uint8_t *data;
            int32_t size;
            while (array_next(&iter, &data, &size)) {
                if (!elem_equal(view.elem_oid, data, size, wanted, wanted_size)) {
                    array_builder_add(&builder, data, size);
                }
            }
            TRY(finish(&builder, out, r));
        }
    });
    return NULL;
}

/* contains: every non-NULL element of b is in a, and b has no NULL (array_contains). */
static bool contains(const ArrayView *a, const ArrayView *b)
{
    ArrayIter b_iter = array_iter(b);
    const uint8_t *b_data;
    int32_t b_size;
    while (array_next(&b_iter, &b_data, &b_size)) {
        if (b_data == NULL) return false;
        bool found = false;
        ArrayIter a_iter = array_iter(a);
        const uint8_t *a_data;
        int32_t a_size;
        while (!found && array_next(&a_iter, &a_data, &a_size)) {
            found = a_data != NULL &&
                    kern_array_elem_cmp(a->elem_oid, a_data, a_size, b_data, b_size) == 0;
        }
        if (!found) return false;
    }
    return true;
}

static bool overlaps(const ArrayView *a, const ArrayView *b)
{
    ArrayIter b_iter = array_iter(b);
    const uint8_t *b_data;
    int32_t b_size;
    while (array_next(&b_iter, &b_data, &b_size)) {
        if (b_data == NULL) continue;
        ArrayIter a_iter = array_iter(a);
        const uint8_t *a_data;
        int32_t a_size;
        while (array_next(&a_iter, &a_data, &a_size)) {
            if (a_data != NULL &&
                kern_array_elem_cmp(a->elem_oid, a_data, a_size, b_data, b_size) == 0) {
                return true;
            }
        }
    }
    return false;
}

typedef enum SetOp { SET_CONTAINS, SET_CONTAINED, SET_OVERLAP } SetOp;

static Error *set_op(const Vector *const *args, const uint16_t *sel, uint32_t count, Vector *out,
                     SetOp op)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (row_valid(args[0], r) && row_valid(args[1], r)) {
            ArrayView a, b;
            TRY(kern_array_view(args[0], r, &a));
            TRY(kern_array_view(args[1], r, &b));
            bool result = op == SET_CONTAINS ? contains(&a, &b)
                        : op == SET_CONTAINED ? contains(&b, &a) : overlaps(&a, &b);
            vec_bool(out)[r] = result;
        }
    });
    return NULL;
}

KERN_DECLARE(kern_array_contains) { (void)ctx; return set_op(args, sel, count, out, SET_CONTAINS); }
KERN_DECLARE(kern_array_contained) { (void)ctx; return set_op(args, sel, count, out, SET_CONTAINED); }
KERN_DECLARE(kern_array_overlap) { (void)ctx; return set_op(args, sel, count, out, SET_OVERLAP); }

/* ---------------------------------------------------------------- comparison ---- */

typedef enum CmpOp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } CmpOp;

static bool cmp_holds(int result, CmpOp op)
{
    switch (op) {
    case CMP_EQ: return result == 0;
    case CMP_NE: return result != 0;
    case CMP_LT: return result < 0;
    case CMP_LE: return result <= 0;
    case CMP_GT: return result > 0;
    case CMP_GE: return result >= 0;
    }
    return false;
}

static Error *array_compare(const Vector *const *args, const uint16_t *sel, uint32_t count,
                            Vector *out, CmpOp op)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    FOR_ROWS(sel, count, {
        if (row_valid(args[0], r) && row_valid(args[1], r)) {
            ArrayView a, b;
            TRY(kern_array_view(args[0], r, &a));
            TRY(kern_array_view(args[1], r, &b));
            vec_bool(out)[r] = cmp_holds(kern_array_cmp(&a, &b), op);
        }
    });
    return NULL;
}

#define ARRAY_CMP_KERN(NAME, OP) \
    KERN_DECLARE(NAME) { (void)ctx; return array_compare(args, sel, count, out, OP); }
ARRAY_CMP_KERN(kern_array_eq, CMP_EQ)
ARRAY_CMP_KERN(kern_array_ne, CMP_NE)
ARRAY_CMP_KERN(kern_array_lt, CMP_LT)
ARRAY_CMP_KERN(kern_array_le, CMP_LE)
ARRAY_CMP_KERN(kern_array_gt, CMP_GT)
ARRAY_CMP_KERN(kern_array_ge, CMP_GE)

/* quantified: x op ANY/ALL (array) with ScalarArrayOpExpr's NULL rules. */
static Error *quantified(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                         uint32_t count, Vector *out, CmpOp op, bool is_any)
{
    const Vector *value = args[0], *array = args[1];
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        int truth = -1;   /* -1 NULL, 0 false, 1 true */
        if (row_valid(array, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            if (view.count == 0) {
                truth = is_any ? 0 : 1;
            } else if (row_valid(value, r)) {
                uint8_t buf[16];
                const uint8_t *wanted;
                int32_t wanted_size;
                TRY(kern_array_elem_get(value, r, buf, ctx->arena, &wanted, &wanted_size));
                bool saw_null = false;
                truth = is_any ? 0 : 1;
                ArrayIter iter = array_iter(&view);
                const uint8_t *data;
                int32_t size;
                while (array_next(&iter, &data, &size)) {
                    if (data == NULL) {
                        saw_null = true;
                        continue;
                    }
                    bool holds = cmp_holds(kern_array_elem_cmp(view.elem_oid, wanted, wanted_size,
                                                               data, size), op);
                    if (is_any && holds) {
                        truth = 1;
                        break;
                    }
                    if (!is_any && !holds) {
                        truth = 0;
                        break;
                    }
                }
                if (saw_null && truth == (is_any ? 0 : 1)) truth = -1;
            }
        }
        if (truth < 0) {
            TRY(vec_set_null(out, r));
        } else {
            vec_set_valid(out, r);
            vec_bool(out)[r] = truth == 1;
        }
    });
    return NULL;
}

#define ARRAY_QUANT_KERN(Q, IS_ANY, SUFFIX, OP)                                        \
    KERN_DECLARE(kern_array_##Q##_##SUFFIX)                                            \
    {                                                                                  \
        return quantified(ctx, args, sel, count, out, OP, IS_ANY);                     \
    }
ARRAY_QUANT_KERN(any, true, eq, CMP_EQ)
ARRAY_QUANT_KERN(any, true, ne, CMP_NE)
ARRAY_QUANT_KERN(any, true, lt, CMP_LT)
ARRAY_QUANT_KERN(any, true, le, CMP_LE)
ARRAY_QUANT_KERN(any, true, gt, CMP_GT)
ARRAY_QUANT_KERN(any, true, ge, CMP_GE)
ARRAY_QUANT_KERN(all, false, eq, CMP_EQ)
ARRAY_QUANT_KERN(all, false, ne, CMP_NE)
ARRAY_QUANT_KERN(all, false, lt, CMP_LT)
ARRAY_QUANT_KERN(all, false, le, CMP_LE)
ARRAY_QUANT_KERN(all, false, gt, CMP_GT)
ARRAY_QUANT_KERN(all, false, ge, CMP_GE)

/* ---------------------------------------------------------------- resolution ---- */

static bool is_array(uint32_t id) { return type_array_elem(id) != TYPE_INVALID; }

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

static bool oid_like(uint32_t id)
{
    return id == TYPE_OID || id == TYPE_REGPROC || id == TYPE_REGCLASS || id == TYPE_REGTYPE ||
           id == TYPE_REGNAMESPACE || id == TYPE_REGROLE;
}

/* element type of an array argument (int2vector -> int2 ...) */
static Type elem_of(Type array_type) { return kern_array_elem_type(array_type); }

static Type array_of(Type elem)
{
    uint32_t id = kern_array_type_of(elem.id);
    return type_make((TypeId)id, elem.id == TYPE_NUMERIC ? TYPE_TYPMOD_NONE : elem.typmod);
}

/* unify: make element value type *value and array type *array agree (casting one side);
 * false if they cannot. */
static bool unify(Type *value, Type *array)
{
    Type elem = elem_of(*array);
    if (value->id == TYPE_UNKNOWN || value->id == elem.id) {
        *value = elem;
        return true;
    }
    if (oid_like(value->id) && oid_like(elem.id)) return true;
    if (type_is_string(value->id) && type_is_string(elem.id)) {
        *value = elem;
        return true;
    }
    int value_rank = numeric_rank(value->id), elem_rank = numeric_rank(elem.id);
    if (value_rank < 0 || elem_rank < 0) return false;
    if (value_rank > elem_rank) {
        Type wider = array_of(type_plain((TypeId)value->id));
        if (wider.id == TYPE_INVALID) return false;
        *array = wider;
        return true;
    }
    *value = elem;
    return true;
}

/* unify_arrays: two array types (or UNKNOWN next to an array) to one array type. */
static bool unify_arrays(Type *left, Type *right)
{
    if (left->id == TYPE_UNKNOWN) *left = *right;
    if (right->id == TYPE_UNKNOWN) *right = *left;
    if (left->id == right->id) return true;
    Type elem = elem_of(*right);
    Type target = *left;
    if (!unify(&elem, &target)) return false;
    *left = target;
    *right = target;
    return true;
}

typedef struct ArrayOpEntry {
    const char *name;
    KernFn      fn;
} ArrayOpEntry;

static const ArrayOpEntry ARRAY_CMP_OPS[] = {
    { "=", kern_array_eq }, { "<>", kern_array_ne }, { "<", kern_array_lt },
    { "<=", kern_array_le }, { ">", kern_array_gt }, { ">=", kern_array_ge },
    { "@>", kern_array_contains }, { "<@", kern_array_contained }, { "&&", kern_array_overlap },
};

static const ArrayOpEntry ARRAY_QUANT_OPS[] = {
    { "any:=", kern_array_any_eq }, { "any:<>", kern_array_any_ne },
    { "any:<", kern_array_any_lt }, { "any:<=", kern_array_any_le },
    { "any:>", kern_array_any_gt }, { "any:>=", kern_array_any_ge },
    { "all:=", kern_array_all_eq }, { "all:<>", kern_array_all_ne },
    { "all:<", kern_array_all_lt }, { "all:<=", kern_array_all_le },
    { "all:>", kern_array_all_gt }, { "all:>=", kern_array_all_ge },
};

static KernFn find_op(const ArrayOpEntry *entries, size_t entry_count, const char *name)
{
    for (size_t entry_idx = 0; entry_idx < entry_count; entry_idx++) {
        if (strcmp(entries[entry_idx].name, name) == 0) return entries[entry_idx].fn;
    }
    return NULL;
}

static void set_result(KernLookup *out, KernFn fn, Type result, const Type *args, uint32_t count)
{
    *out = (KernLookup){ .fn = fn, .result_type = result, .arg_count = count };
    for (uint32_t arg_idx = 0; arg_idx < count; arg_idx++) out->arg_types[arg_idx] = args[arg_idx];
}

static Error *no_such(const char *name, const Type *arg_types, uint32_t arg_count)
{
    if (arg_count == 2 && strchr("=<>~!@&|", name[0]) != NULL) {
        return err_set_hint(err_new(SQLSTATE_UNDEFINED_FUNCTION,
                                    "operator does not exist: %s %s %s",
                                    type_name(arg_types[0].id), name,
                                    type_name(arg_types[1].id)),
                            "No operator matches the given name and argument types. You might "
                            "need to add explicit type casts.");
    }
    return err_set_hint(err_new(SQLSTATE_UNDEFINED_FUNCTION, "function %s(%s%s%s) does not exist",
                                name, arg_count > 0 ? type_name(arg_types[0].id) : "",
                                arg_count > 1 ? ", " : "",
                                arg_count > 1 ? type_name(arg_types[1].id) : ""),
                        "No function matches the given name and argument types. You might need "
                        "to add explicit type casts.");
}

/* lookup_concat: || with an array on either side. */
static Error *lookup_concat(const Type *arg_types, KernLookup *out)
{
    Type left = arg_types[0], right = arg_types[1];
    bool left_array = is_array(left.id), right_array = is_array(right.id);
    if ((left_array || left.id == TYPE_UNKNOWN) && (right_array || right.id == TYPE_UNKNOWN)) {
        if (!unify_arrays(&left, &right)) return no_such("||", arg_types, 2);
        Type args[2] = { left, right };
        set_result(out, kern_array_cat, left, args, 2);
        return NULL;
    }
    if (left_array) {
        if (!unify(&right, &left)) return no_such("||", arg_types, 2);
        Type args[2] = { left, elem_of(left) };
        set_result(out, kern_array_append, left, args, 2);
        return NULL;
    }
    if (!unify(&left, &right)) return no_such("||", arg_types, 2);
    Type args[2] = { elem_of(right), right };
    set_result(out, kern_array_prepend, right, args, 2);
    return NULL;
}

/* lookup_array_value: f(array, elem) style functions. */
static Error *lookup_array_value(const char *name, const Type *arg_types, KernFn fn,
                                 bool result_is_array, KernLookup *out)
{
    Type array = arg_types[0], value = arg_types[1];
    if (!is_array(array.id) || !unify(&value, &array)) return no_such(name, arg_types, 2);
    Type args[2] = { array, elem_of(array) };
    if (oid_like(value.id) && oid_like(args[1].id)) args[1] = value;
    set_result(out, fn, result_is_array ? array : type_plain(TYPE_INT4), args, 2);
    return NULL;
}

static Error *lookup_functions(const char *name, const Type *arg_types, uint32_t arg_count,
                               KernLookup *out, bool *handled_out)
{
    Type int4 = type_plain(TYPE_INT4), text = type_plain(TYPE_TEXT);
    Type array = arg_count > 0 ? arg_types[0] : type_plain(TYPE_INVALID);
    *handled_out = true;
    if (arg_count == 2 && (strcmp(name, "array_length") == 0 || strcmp(name, "array_upper") == 0 ||
                           strcmp(name, "array_lower") == 0)) {
        KernFn fn = name[6] == 'l' && name[7] == 'e' ? kern_array_length
                  : name[6] == 'u' ? kern_array_upper : kern_array_lower;
        Type args[2] = { array, int4 };
        set_result(out, fn, int4, args, 2);
        return NULL;
    }
    if (arg_count == 1 && (strcmp(name, "cardinality") == 0 || strcmp(name, "array_ndims") == 0)) {
        set_result(out, name[0] == 'c' ? kern_array_cardinality : kern_array_ndims, int4, &array, 1);
        return NULL;
    }
    if ((arg_count == 2 || arg_count == 3) && strcmp(name, "array_to_string") == 0) {
        Type args[3] = { array, text, text };
        set_result(out, arg_count == 2 ? kern_array_to_string2 : kern_array_to_string3, text,
                   args, arg_count);
        return NULL;
    }
    if (arg_count == 2 && strcmp(name, "array_append") == 0) {
        return lookup_array_value(name, arg_types, kern_array_append, true, out);
    }
    if (arg_count == 2 && strcmp(name, "array_position") == 0) {
        return lookup_array_value(name, arg_types, kern_array_position, false, out);
    }
    if (arg_count == 2 && strcmp(name, "array_remove") == 0) {
        return lookup_array_value(name, arg_types, kern_array_remove, true, out);
    }
    if (arg_count == 2 && strcmp(name, "array_prepend") == 0) {
        Type swapped[2] = { arg_types[1], arg_types[0] };
        TRY(lookup_array_value(name, swapped, kern_array_prepend, true, out));
        Type args[2] = { out->arg_types[1], out->arg_types[0] };
        set_result(out, kern_array_prepend, out->result_type, args, 2);
        return NULL;
    }
    if (arg_count == 2 && strcmp(name, "array_cat") == 0) {
        Type left = arg_types[0], right = arg_types[1];
        if (!unify_arrays(&left, &right)) return no_such(name, arg_types, 2);
        Type args[2] = { left, right };
        set_result(out, kern_array_cat, left, args, 2);
        return NULL;
    }
    if (strcmp(name, "[]") == 0 && arg_count == 2) {
        Type args[2] = { array, int4 };
        set_result(out, kern_array_subscript, elem_of(array), args, 2);
        return NULL;
    }
    if (strcmp(name, "array_nth") == 0 && arg_count == 2) {   /* unnest: 1-based position */
        Type args[2] = { array, int4 };
        set_result(out, kern_array_nth, elem_of(array), args, 2);
        return NULL;
    }
    if (strcmp(name, "[:]") == 0 && arg_count == 3) {
        Type args[3] = { array, int4, int4 };
        set_result(out, kern_array_slice, array_of(elem_of(array)), args, 3);
        return NULL;
    }
    *handled_out = false;
    return NULL;
}

static bool stringish(uint32_t id) { return type_is_string(id); }

/* lookup_text_functions: regex operators, regexp_replace, string_to_array. */
static Error *lookup_text_functions(const char *name, const Type *arg_types, uint32_t arg_count,
                                    KernLookup *out, bool *handled_out)
{
    static const ArrayOpEntry REGEX_OPS[] = {
        { "~", kern_regex_match }, { "~*", kern_regex_imatch },
        { "!~", kern_regex_not_match }, { "!~*", kern_regex_not_imatch },
    };
    Type text = type_plain(TYPE_TEXT);
    Type texts[4] = { text, text, text, text };
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        if (!stringish(arg_types[arg_idx].id)) return NULL;
    }
    KernFn fn = arg_count == 2 ? find_op(REGEX_OPS, sizeof REGEX_OPS / sizeof REGEX_OPS[0], name)
                               : NULL;
    if (fn != NULL) {
        *handled_out = true;
        set_result(out, fn, type_plain(TYPE_BOOL), texts, 2);
        return NULL;
    }
    if ((arg_count == 3 || arg_count == 4) && strcmp(name, "regexp_replace") == 0) {
        *handled_out = true;
        set_result(out, arg_count == 3 ? kern_regexp_replace3 : kern_regexp_replace4, text, texts,
                   arg_count);
        return NULL;
    }
    if (arg_count == 2 && strcmp(name, "regexp_flags") == 0) {
        *handled_out = true;
        set_result(out, kern_regexp_flags, text, texts, 2);
        return NULL;
    }
    if (arg_count == 3 && strcmp(name, "regexp_replace_flagged") == 0) {
        *handled_out = true;
        set_result(out, kern_regexp_replace_flagged, text, texts, 3);
        return NULL;
    }
    if ((arg_count == 2 || arg_count == 3) && strcmp(name, "string_to_array") == 0) {
        *handled_out = true;
        set_result(out, arg_count == 2 ? kern_string_to_array2 : kern_string_to_array3,
                   type_plain(TYPE_TEXT_ARRAY), texts, arg_count);
        return NULL;
    }
    return NULL;
}

Error *kern_array_lookup(const char *name, const Type *arg_types, uint32_t arg_count,
                         KernLookup *lookup_out, bool *handled_out)
{
    *handled_out = false;
    bool has_array = false;
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        has_array = has_array || is_array(arg_types[arg_idx].id);
    }
    bool quantified = strncmp(name, "any:", 4) == 0 || strncmp(name, "all:", 4) == 0;
    if (quantified && arg_count == 2) {
        *handled_out = true;
        Type value = arg_types[0], array = arg_types[1];
        if (array.id == TYPE_UNKNOWN) {
            if (value.id == TYPE_UNKNOWN) value = type_plain(TYPE_TEXT);
            array = array_of(value);
        }
        KernFn fn = find_op(ARRAY_QUANT_OPS, sizeof ARRAY_QUANT_OPS / sizeof ARRAY_QUANT_OPS[0],
                            name);
        if (fn == NULL) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "operator %s with ANY/ALL (array) is not supported", name + 4);
        }
        if (!is_array(array.id) || !unify(&value, &array)) {
            Type shown[2] = { arg_types[0], elem_of(arg_types[1]) };
            if (!is_array(arg_types[1].id)) {
                return err_new(SQLSTATE_WRONG_OBJECT_TYPE,
                               "op ANY/ALL (array) requires array on right side");
            }
            return no_such(name + 4, shown, 2);
        }
        Type args[2] = { value, array };
        set_result(lookup_out, fn, type_plain(TYPE_BOOL), args, 2);
        return NULL;
    }
    if (strcmp(name, "agg_sortkey") == 0 && arg_count == 2) {   /* array_agg / string_agg */
        *handled_out = true;
        Type args[2] = { arg_types[0], type_plain(TYPE_INT4) };
        set_result(lookup_out, kern_agg_sortkey, type_plain(TYPE_BYTEA), args, 2);
        return NULL;
    }
    if (strcmp(name, "agg_pack") == 0 && arg_count == 3) {
        *handled_out = true;
        if (is_array(arg_types[0].id)) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "multidimensional arrays are not supported");
        }
        Type sep = arg_types[2].id == TYPE_BYTEA ? arg_types[2] : type_plain(TYPE_TEXT);
        Type args[3] = { arg_types[0], type_plain(TYPE_BYTEA), sep };
        set_result(lookup_out, kern_agg_pack, type_plain(TYPE_BYTEA), args, 3);
        return NULL;
    }
    if (strcmp(name, "array[]") == 0 && arg_count == 1) {
        /* ARRAY[e, ...]: the first element (the binder appends the rest with ||) */
        *handled_out = true;
        Type elem = arg_types[0].id == TYPE_UNKNOWN ? type_plain(TYPE_TEXT) : arg_types[0];
        if (is_array(elem.id)) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "multidimensional arrays are not supported");
        }
        Type array = array_of(elem);
        if (array.id == TYPE_INVALID) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "arrays of type %s are not supported",
                           type_name(elem.id));
        }
        set_result(lookup_out, kern_array_make, array, &elem, 1);
        return NULL;
    }
    if (!has_array) return lookup_text_functions(name, arg_types, arg_count, lookup_out,
                                                 handled_out);
    if (arg_count == 2 && strcmp(name, "||") == 0) {
        *handled_out = true;
        return lookup_concat(arg_types, lookup_out);
    }
    KernFn cmp = arg_count == 2 ? find_op(ARRAY_CMP_OPS, sizeof ARRAY_CMP_OPS /
                                                             sizeof ARRAY_CMP_OPS[0], name)
                                : NULL;
    if (cmp != NULL) {
        *handled_out = true;
        Type left = arg_types[0], right = arg_types[1];
        if (!unify_arrays(&left, &right)) return no_such(name, arg_types, 2);
        Type args[2] = { left, right };
        set_result(lookup_out, cmp, type_plain(TYPE_BOOL), args, 2);
        return NULL;
    }
    return lookup_functions(name, arg_types, arg_count, lookup_out, handled_out);
}
