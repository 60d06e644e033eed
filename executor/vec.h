/* executor/vec.h: typed vectors of up to 2048 values with a validity bitmap.
 *
 * A Vector holds values of one Type in one physical form (types.h VecPhys) in a plain C array
 * (`data`), indexed by row. Memory comes from the vector's arena (the batch's or operator's
 * arena, STYLE.md section 5) and is allocated lazily: vec_init allocates nothing, vec_reserve
 * allocates exactly the capacity asked for (a point lookup reserves 1, not 2048), growing copies.
 *
 * Validity: `validity` is NULL when every row is valid (the fast flag); otherwise one bit per
 * row, 1 = valid, 0 = NULL. A NULL row's value is ignored: kernels may compute over it (see
 * invariant 6) but never raise an error for it.
 * Constant vectors (is_constant): one value (slot 0, validity bit 0) stands for every row; a
 * literal is never materialized 2048 times. Kernels index a constant at 0.
 * Strings (TEXT, VARCHAR, BPCHAR, BYTEA, NAME, "char", UNKNOWN) are 16-byte StrViews: a uint32
 * size, then either the bytes inline (size <= 12) or a 4-byte prefix and a pointer to the bytes
 * in an arena (vec_str_set copies them into the vector's arena; never a pointer into a
 * buffer-pool page).
 *
 * Invariants:
 * 1. capacity <= VEC_VALUE_COUNT_MAX; a constant vector has capacity >= 1 and uses slot 0.
 * 2. validity != NULL implies it covers capacity bits (rounded up to whole uint64 words).
 * 3. A StrView with size > VEC_STR_INLINE_MAX has prefix == its first 4 bytes.
 * 4. phys == VEC_PHYS_NUM64 implies type.id == TYPE_NUMERIC and 0 <= numeric_scale <= 18.
 * 5. A selection vector (uint16_t row indexes, "sel") is strictly ascending; a NULL sel means
 *    rows 0..count-1.
 * 6. In STR and NUMERIC vectors a NULL row's slot holds a readable value (all zero bytes: the
 *    empty string, numeric zero), so kernels may compare or hash over it without a pointer
 *    chase into garbage; vec_set_null and the kernels keep this. Fixed-size slots of NULL rows
 *    hold unspecified bytes. */
#ifndef BIRCH_EXECUTOR_VEC_H
#define BIRCH_EXECUTOR_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/numeric.h"
#include "common/types.h"

enum {
    VEC_VALUE_COUNT_MAX = 2048,
    VEC_STR_INLINE_MAX = 12,
    VEC_STR_PREFIX_SIZE = 4,
};

typedef struct StrView {
    uint32_t size;
    char     prefix[VEC_STR_PREFIX_SIZE];  /* first bytes; with inline_tail the inline bytes */
    union {
        char        inline_tail[8];
        const char *data;                  /* size > VEC_STR_INLINE_MAX */
    } u;
} StrView;

_Static_assert(sizeof(StrView) == TYPE_STR_VIEW_SIZE, "StrView is 16 bytes");

typedef struct Vector {
    Type      type;
    uint8_t   phys;          /* VecPhys */
    bool      is_constant;
    int16_t   numeric_scale; /* VEC_PHYS_NUM64 only */
    uint32_t  capacity;      /* value slots allocated */
    uint64_t *validity;      /* NULL: all valid */
    void     *data;
    Arena    *arena;         /* data, validity, out-of-line strings, numeric digits */
} Vector;

/* str_view_data: the bytes of view (inline or out of line). Valid while view and its arena are. */
static inline const char *str_view_data(const StrView *view)
{
    return view->size <= VEC_STR_INLINE_MAX ? (const char *)view + offsetof(StrView, prefix)
                                            : view->u.data;
}
/* str_view_make_ref: a view of size bytes at data without copying. Pre: data outlives the view
 * (it is in an arena); short strings are copied inline. */
StrView str_view_make_ref(const char *data, uint32_t size);
/* str_view_cmp: C-collation order: memcmp of the common length, then the shorter first. */
int     str_view_cmp(const StrView *a, const StrView *b);
bool    str_view_equal(const StrView *a, const StrView *b);

/* vec_init: an empty vector of type in its default physical form; allocates nothing.
 * Pre: arena outlives the vector. */
void   vec_init(Vector *vec, Type type, Arena *arena);
/* vec_init_phys: as vec_init with an explicit physical form (NUMERIC: NUM64 with scale, or
 * NUMERIC). */
void   vec_init_phys(Vector *vec, Type type, VecPhys phys, int16_t numeric_scale, Arena *arena);
/* vec_reserve: make room for capacity rows (kept values are copied; validity too).
 * Pre: capacity <= VEC_VALUE_COUNT_MAX. Post: vec->capacity >= capacity; not constant.
 * Errors: OUT_OF_MEMORY. */
Error *vec_reserve(Vector *vec, uint32_t capacity);
/* vec_reset: forget values and NULLs (all valid, not constant); keeps the data buffer. */
void   vec_reset(Vector *vec);
/* vec_set_constant: make vec a constant vector with capacity >= 1; the value goes into slot 0
 * through the typed setters (or vec_set_null(vec, 0)). Errors: OUT_OF_MEMORY. */
Error *vec_set_constant(Vector *vec);
/* vec_flatten: turn a constant vector into a flat one of count rows (copies slot 0).
 * Errors: OUT_OF_MEMORY. */
Error *vec_flatten(Vector *vec, uint32_t count);

/* Validity. vec_set_null allocates the bitmap on the first NULL. */
Error *vec_set_null(Vector *vec, uint32_t row_idx);
void   vec_set_valid(Vector *vec, uint32_t row_idx);
/* vec_validity_ensure: allocate an all-valid bitmap if there is none. Errors: OUT_OF_MEMORY. */
Error *vec_validity_ensure(Vector *vec);
static inline bool vec_is_null(const Vector *vec, uint32_t row_idx)
{
    if (vec->validity == NULL) return false;
    uint32_t bit_idx = vec->is_constant ? 0 : row_idx;
    return ((vec->validity[bit_idx >> 6] >> (bit_idx & 63)) & 1) == 0;
}
/* vec_has_nulls: some row in 0..count-1 is NULL (a constant: slot 0 is). */
bool   vec_has_nulls(const Vector *vec, uint32_t count);
static inline uint32_t vec_validity_word_count(uint32_t capacity) { return (capacity + 63) / 64; }

/* Typed access (no checks beyond ASSERT in vec.c users): the data array as its C type. */
static inline uint8_t    *vec_bool(const Vector *vec) { return (uint8_t *)vec->data; }
static inline int16_t    *vec_i16(const Vector *vec) { return (int16_t *)vec->data; }
static inline int32_t    *vec_i32(const Vector *vec) { return (int32_t *)vec->data; }
static inline int64_t    *vec_i64(const Vector *vec) { return (int64_t *)vec->data; }
static inline float      *vec_f32(const Vector *vec) { return (float *)vec->data; }
static inline double     *vec_f64(const Vector *vec) { return (double *)vec->data; }
static inline Numeric    *vec_numeric(const Vector *vec) { return (Numeric *)vec->data; }
static inline StrView    *vec_str(const Vector *vec) { return (StrView *)vec->data; }

/* vec_str_set: store size bytes at row_idx, copying them into the vector's arena when longer
 * than VEC_STR_INLINE_MAX. Pre: row_idx < capacity. Errors: OUT_OF_MEMORY. */
Error *vec_str_set(Vector *vec, uint32_t row_idx, const char *data, uint32_t size);
/* vec_numeric_set: store a deep copy of num (digits into the vector's arena).
 * Pre: phys == VEC_PHYS_NUMERIC, row_idx < capacity. Errors: OUT_OF_MEMORY. */
Error *vec_numeric_set(Vector *vec, uint32_t row_idx, const Numeric *num);
/* vec_binary_set: store one value given in PostgreSQL's binary (recv) format at row_idx of a
 * vector already initialized for its type and reserved (NUMERIC: general form; string types
 * and BYTEA: STR; arrays: the bytes as given, which the caller has validated). Errors:
 * INVALID_BINARY_REPRESENTATION (22P03) `incorrect binary data format` for a wrong size
 * (callers add which parameter or column), numeric_from_pg_binary's errors for bad numeric
 * bytes, OUT_OF_MEMORY, FEATURE_NOT_SUPPORTED for a type with
 * no binary form here. Shared by Bind (api.c) and COPY ... FORMAT binary (copy_in.c). */
Error *vec_binary_set(Vector *vec, uint32_t row_idx, const uint8_t *data, size_t size);
/* vec_numeric_get: row_idx's value as a general Numeric (NUM64 values are converted, with
 * digits in arena). Pre: the row is valid. Errors: OUT_OF_MEMORY. */
Error *vec_numeric_get(const Vector *vec, uint32_t row_idx, Arena *arena, Numeric *out);

/* vec_copy_row: copy row src_idx of src into row dst_idx of dst, NULL included (strings and
 * numerics are deep-copied into dst's arena). Pre: same phys (and numeric_scale);
 * dst_idx < dst->capacity. Errors: OUT_OF_MEMORY. */
Error *vec_copy_row(Vector *dst, uint32_t dst_idx, const Vector *src, uint32_t src_idx);

#endif
