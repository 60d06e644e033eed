/* executor/kern_cmp.c: = <> < <= > >= (boolean results and selection filters), IS [NOT]
 * DISTINCT FROM, three-valued AND/OR/NOT and the NULL tests. */
#include "executor/kern_int.h"

#define REL_PLAIN(x, y, OP) ((x) OP (y))
#define REL_FLOAT(x, y, OP) (float_cmp((x), (y)) OP 0)
#define REL_STR(x, y, OP) (str_view_cmp(&(x), &(y)) OP 0)
/* bpchar_cmp: CHAR(n) order: as text with trailing spaces ignored. */
static inline int bpchar_cmp(const StrView *a, const StrView *b)
{
    const char *a_data = str_view_data(a), *b_data = str_view_data(b);
    uint32_t a_size = a->size, b_size = b->size;
    while (a_size > 0 && a_data[a_size - 1] == ' ') a_size--;
    while (b_size > 0 && b_data[b_size - 1] == ' ') b_size--;
    uint32_t common = a_size < b_size ? a_size : b_size;
    int cmp = common > 0 ? memcmp(a_data, b_data, common) : 0;
    return cmp != 0 ? cmp : (a_size > b_size) - (a_size < b_size);
}
#define REL_BPCHAR(x, y, OP) (bpchar_cmp(&(x), &(y)) OP 0)
#define REL_INTERVAL(x, y, OP) (dt_interval_cmp(&(x), &(y)) OP 0)

/* CMP_KERNEL: boolean result, strict. */
#define CMP_KERNEL(NAME, T, REL, OP)                                                       \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        TRY(kern_out_begin(out, args, 2, sel, count));                                     \
        uint8_t *ov = vec_bool(out);                                                       \
        BINARY_LOOP(T, T, args[0], args[1], sel, count, ov[r] = (uint8_t)REL(x, y, OP););  \
        return NULL;                                                                       \
    }

/* FILTER_KERNEL: branch-free compaction of the rows where the comparison is true. */
#define FILTER_KERNEL(NAME, T, REL, OP)                                                    \
    KERN_FILTER_DECLARE(NAME)                                                              \
    {                                                                                      \
        const Vector *a = args[0], *b = args[1];                                           \
        uint32_t kept = 0;                                                                 \
        if (!kern_any_nulls(args, 2)) {                                                    \
            BINARY_LOOP(T, T, a, b, sel, count, sel_out[kept] = (uint16_t)r;               \
                        kept += REL(x, y, OP););                                           \
        } else {                                                                           \
            BINARY_LOOP(T, T, a, b, sel, count, sel_out[kept] = (uint16_t)r;               \
                        kept += REL(x, y, OP) && row_valid(a, r) && row_valid(b, r););     \
        }                                                                                  \
        *count_out = kept;                                                                 \
        return NULL;                                                                       \
    }

#define DISTINCT_KERNEL(NAME, T, REL, WANT_DISTINCT)                                       \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        const Vector *a = args[0], *b = args[1];                                           \
        TRY(kern_out_reserve(out, sel, count));                                            \
        uint8_t *ov = vec_bool(out);                                                       \
        BINARY_LOOP(T, T, a, b, sel, count, bool an = !row_valid(a, r);                    \
                    bool bn = !row_valid(b, r);                                            \
                    bool distinct = an != bn || (!an && REL(x, y, !=));                    \
                    ov[r] = (uint8_t)(distinct == WANT_DISTINCT););                        \
        return NULL;                                                                       \
    }

#define CMP_FAMILY(SUFFIX, T, REL)                                                         \
    CMP_KERNEL(kern_eq_##SUFFIX, T, REL, ==)                                               \
    CMP_KERNEL(kern_ne_##SUFFIX, T, REL, !=)                                               \
    CMP_KERNEL(kern_lt_##SUFFIX, T, REL, <)                                                \
    CMP_KERNEL(kern_le_##SUFFIX, T, REL, <=)                                               \
    CMP_KERNEL(kern_gt_##SUFFIX, T, REL, >)                                                \
    CMP_KERNEL(kern_ge_##SUFFIX, T, REL, >=)                                               \
    FILTER_KERNEL(kern_filter_eq_##SUFFIX, T, REL, ==)                                     \
    FILTER_KERNEL(kern_filter_ne_##SUFFIX, T, REL, !=)                                     \
    FILTER_KERNEL(kern_filter_lt_##SUFFIX, T, REL, <)                                      \
    FILTER_KERNEL(kern_filter_le_##SUFFIX, T, REL, <=)                                     \
    FILTER_KERNEL(kern_filter_gt_##SUFFIX, T, REL, >)                                      \
    FILTER_KERNEL(kern_filter_ge_##SUFFIX, T, REL, >=)                                     \
    DISTINCT_KERNEL(kern_distinct_##SUFFIX, T, REL, true)                                  \
    DISTINCT_KERNEL(kern_not_distinct_##SUFFIX, T, REL, false)

CMP_FAMILY(bool, uint8_t, REL_PLAIN)
CMP_FAMILY(i16, int16_t, REL_PLAIN)
CMP_FAMILY(i32, int32_t, REL_PLAIN)
CMP_FAMILY(i64, int64_t, REL_PLAIN)
CMP_FAMILY(f32, float, REL_FLOAT)
CMP_FAMILY(f64, double, REL_FLOAT)
CMP_FAMILY(str, StrView, REL_STR)
CMP_FAMILY(bpchar, StrView, REL_BPCHAR)
CMP_FAMILY(interval, DtInterval, REL_INTERVAL)

/* ---- numeric: one dispatch per vector pair on the physical forms ------------------------------ */

typedef enum CmpOp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } CmpOp;

static inline bool cmp_holds(CmpOp op, int cmp)
{
    switch (op) {
    case CMP_EQ: return cmp == 0;
    case CMP_NE: return cmp != 0;
    case CMP_LT: return cmp < 0;
    case CMP_LE: return cmp <= 0;
    case CMP_GT: return cmp > 0;
    case CMP_GE: return cmp >= 0;
    }
    return false;
}

/* num_cmp_all: cmp_out[r] = sign of a[r] - b[r] for the selected rows (valid or not). */
static Error *num_cmp_all(KernCtx *ctx, const Vector *a, const Vector *b, const uint16_t *sel,
                          uint32_t count, int8_t *cmp_out)
{
    if (a->phys == VEC_PHYS_NUM64 && b->phys == VEC_PHYS_NUM64 &&
        a->numeric_scale == b->numeric_scale) {
        BINARY_LOOP(int64_t, int64_t, a, b, sel, count, cmp_out[r] = (int8_t)((x > y) - (x < y)););
        return NULL;
    }
    Error *err = NULL;
    FOR_ROWS(sel, count, {
        if (!row_valid(a, r) || !row_valid(b, r)) {
            cmp_out[r] = 0;
            continue;
        }
        int cmp = kern_num_cmp_rows(ctx, a, r, b, r, &err);
        if (err != NULL) return err;
        cmp_out[r] = (int8_t)((cmp > 0) - (cmp < 0));
    });
    return NULL;
}

static Error *num_cmp(KernCtx *ctx, CmpOp op, const Vector *const *args, const uint16_t *sel,
                      uint32_t count, Vector *out)
{
    TRY(kern_out_begin(out, args, 2, sel, count));
    int8_t cmp[VEC_VALUE_COUNT_MAX];
    TRY(num_cmp_all(ctx, args[0], args[1], sel, count, cmp));
    uint8_t *ov = vec_bool(out);
    FOR_ROWS(sel, count, ov[r] = (uint8_t)cmp_holds(op, cmp[r]););
    return NULL;
}

static Error *num_filter(KernCtx *ctx, CmpOp op, const Vector *const *args, const uint16_t *sel,
                         uint32_t count, uint16_t *sel_out, uint32_t *count_out)
{
    int8_t cmp[VEC_VALUE_COUNT_MAX];
    TRY(num_cmp_all(ctx, args[0], args[1], sel, count, cmp));
    uint32_t kept = 0;
    FOR_ROWS(sel, count, sel_out[kept] = (uint16_t)r;
             kept += cmp_holds(op, cmp[r]) && row_valid(args[0], r) && row_valid(args[1], r););
    *count_out = kept;
    return NULL;
}

static Error *num_distinct(KernCtx *ctx, bool want_distinct, const Vector *const *args,
                           const uint16_t *sel, uint32_t count, Vector *out)
{
    TRY(kern_out_reserve(out, sel, count));
    int8_t cmp[VEC_VALUE_COUNT_MAX];
    TRY(num_cmp_all(ctx, args[0], args[1], sel, count, cmp));
    uint8_t *ov = vec_bool(out);
    FOR_ROWS(sel, count, bool an = !row_valid(args[0], r); bool bn = !row_valid(args[1], r);
             bool distinct = an != bn || (!an && cmp[r] != 0);
             ov[r] = (uint8_t)(distinct == want_distinct););
    return NULL;
}

#define NUM_CMP(OPNAME, OP)                                                                \
    KERN_DECLARE(kern_##OPNAME##_num) { return num_cmp(ctx, OP, args, sel, count, out); }  \
    KERN_FILTER_DECLARE(kern_filter_##OPNAME##_num)                                        \
    {                                                                                      \
        return num_filter(ctx, OP, args, sel, count, sel_out, count_out);                  \
    }
NUM_CMP(eq, CMP_EQ)
NUM_CMP(ne, CMP_NE)
NUM_CMP(lt, CMP_LT)
NUM_CMP(le, CMP_LE)
NUM_CMP(gt, CMP_GT)
NUM_CMP(ge, CMP_GE)
KERN_DECLARE(kern_distinct_num) { return num_distinct(ctx, true, args, sel, count, out); }
KERN_DECLARE(kern_not_distinct_num) { return num_distinct(ctx, false, args, sel, count, out); }

/* ---- boolean logic ------------------------------------------------------------------------------ */

/* and_or: value and NULL per row: AND is false if either is a valid false, NULL if either is
 * NULL otherwise, else true; OR symmetrically. */
static Error *and_or(const Vector *const *args, const uint16_t *sel, uint32_t count, Vector *out,
                     bool is_and)
{
    const Vector *a = args[0], *b = args[1];
    TRY(kern_out_reserve(out, sel, count));
    uint8_t *ov = vec_bool(out);
    if (!kern_any_nulls(args, 2)) {
        if (is_and) BINARY_LOOP(uint8_t, uint8_t, a, b, sel, count, ov[r] = x & y;);
        else BINARY_LOOP(uint8_t, uint8_t, a, b, sel, count, ov[r] = x | y;);
        return NULL;
    }
    TRY(vec_validity_ensure(out));
    Error *err = NULL;
    BINARY_LOOP(uint8_t, uint8_t, a, b, sel, count, {
        bool an = !row_valid(a, r), bn = !row_valid(b, r);
        bool decisive = is_and ? ((!an && !x) || (!bn && !y)) : ((!an && x) || (!bn && y));
        ov[r] = (uint8_t)(is_and ? !decisive : decisive);
        if (!decisive && (an || bn)) {
            vec_validity_ensure(out);
            out->validity[r >> 6] &= ~(UINT64_C(1) << (r & 63));
        } else {
            vec_set_valid(out, r);
        }
    });
    return err;
}

KERN_DECLARE(kern_and) { return and_or(args, sel, count, out, true); }
KERN_DECLARE(kern_or) { return and_or(args, sel, count, out, false); }

KERN_DECLARE(kern_not)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    uint8_t *ov = vec_bool(out);
    UNARY_LOOP(uint8_t, args[0], sel, count, ov[r] = (uint8_t)!x;);
    return NULL;
}

#define NULL_TEST_KERNEL(NAME, EXPR)                                                       \
    KERN_DECLARE(NAME)                                                                     \
    {                                                                                      \
        const Vector *a = args[0];                                                         \
        TRY(kern_out_reserve(out, sel, count));                                            \
        uint8_t *ov = vec_bool(out);                                                       \
        FOR_ROWS(sel, count, bool is_null = !row_valid(a, r); ov[r] = (uint8_t)(EXPR););   \
        return NULL;                                                                       \
    }

#define BOOL_AT(a, r) (vec_bool(a)[(a)->is_constant ? 0 : (r)] != 0)
NULL_TEST_KERNEL(kern_is_null, is_null)
NULL_TEST_KERNEL(kern_is_not_null, !is_null)
NULL_TEST_KERNEL(kern_is_true, !is_null && BOOL_AT(a, r))
NULL_TEST_KERNEL(kern_is_false, !is_null && !BOOL_AT(a, r))
NULL_TEST_KERNEL(kern_is_not_true, is_null || !BOOL_AT(a, r))
NULL_TEST_KERNEL(kern_is_not_false, is_null || BOOL_AT(a, r))

KERN_FILTER_DECLARE(kern_filter_true)
{
    const Vector *a = args[0];
    uint32_t kept = 0;
    if (a->validity == NULL) {
        UNARY_LOOP(uint8_t, a, sel, count, sel_out[kept] = (uint16_t)r; kept += x != 0;);
    } else {
        UNARY_LOOP(uint8_t, a, sel, count, sel_out[kept] = (uint16_t)r;
                   kept += x != 0 && row_valid(a, r););
    }
    *count_out = kept;
    return NULL;
}
