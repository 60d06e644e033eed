/* executor/op_rows.c: row buffers, normalized keys and key tables for the materializing
 * operators (see op_heavy_int.h).
 *
 * Copies dispatch once per column on the physical form and then run a loop of fixed-size
 * copies; only NUMERIC columns whose forms disagree fall back to per-row conversion. */
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "executor/op_heavy_int.h"
#include "executor/kern_array.h"   /* arrays: sort keys */

enum { KEY_ROW_CAPACITY_MIN = 32, KEYTAB_SLOT_COUNT_MIN = 64 };

Error *op_heavy_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

Error *op_heavy_arena(Arena **arena, size_t block_size)
{
    if (*arena != NULL) return NULL;
    *arena = arena_create(block_size);
    return *arena == NULL ? op_heavy_oom() : NULL;
}

Error *op_heavy_chunk_view(DataChunk *dst, const DataChunk *src, Arena *arena)
{
    *dst = *src;
    if (src->column_count == 0) return NULL;
    dst->columns = arena_alloc(arena, src->column_count * sizeof(Vector));
    if (dst->columns == NULL) return op_heavy_oom();
    memcpy(dst->columns, src->columns, src->column_count * sizeof(Vector));
    return NULL;
}

Error *op_heavy_eval_int(ExecCtx *ctx, const Expr *expr, Arena *arena, int64_t *value_out,
                   bool *is_null_out)
{
    ExprState *state;
    TRY(expr_prepare(ctx, expr, &state));
    Vector value;
    TRY(expr_eval_const(state, arena, &value));
    *is_null_out = vec_is_null(&value, 0);
    *value_out = 0;
    if (*is_null_out) return NULL;
    switch ((VecPhys)value.phys) {
    case VEC_PHYS_I16: *value_out = vec_i16(&value)[0]; break;
    case VEC_PHYS_I32: *value_out = vec_i32(&value)[0]; break;
    case VEC_PHYS_I64: *value_out = vec_i64(&value)[0]; break;
    default: {
        Numeric num;
        if (value.phys != VEC_PHYS_NUM64 && value.phys != VEC_PHYS_NUMERIC) {
            return err_new(SQLSTATE_DATATYPE_MISMATCH, "argument must be an integer");
        }
        TRY(vec_numeric_get(&value, 0, arena, &num));
        TRY(numeric_to_int64(&num, value_out));
    }
    }
    return NULL;
}

/* ------------------------------------------------------------------ row buffers ---- */

Error *op_rows_init(RowStore *buf, const Type *types, uint32_t column_count, Arena *arena)
{
    *buf = (RowStore){ .column_count = column_count, .types = types, .arena = arena };
    if (arena == NULL) {
        buf->arena = arena_create(64 * 1024);
        if (buf->arena == NULL) return op_heavy_oom();
        buf->owns_arena = true;
    }
    return NULL;
}

void op_rows_clear(RowStore *buf)
{
    if (buf->owns_arena && buf->arena != NULL) arena_reset(buf->arena);
    buf->chunks = NULL;
    buf->chunk_count = 0;
    buf->chunk_capacity = 0;
    buf->row_count = 0;
}

void op_rows_free(RowStore *buf)
{
    if (buf->owns_arena) arena_destroy(buf->arena);
    buf->arena = NULL;
    buf->owns_arena = false;
    buf->chunks = NULL;
    buf->chunk_count = 0;
    buf->chunk_capacity = 0;
    buf->row_count = 0;
}

size_t op_rows_size(const RowStore *buf)
{
    return buf->arena != NULL && buf->owns_arena ? arena_size(buf->arena)
                                                 : (size_t)buf->row_count * 16 * buf->column_count;
}

/* new_chunk: a fresh stored chunk whose columns take the physical forms of columns. */
static Error *new_chunk(RowStore *buf, const Vector *columns)
{
    if (buf->chunk_count == buf->chunk_capacity) {
        uint32_t capacity = buf->chunk_capacity == 0 ? 8 : buf->chunk_capacity * 2;
        DataChunk *chunks = arena_alloc(buf->arena, capacity * sizeof(DataChunk));
        if (chunks == NULL) return op_heavy_oom();
        if (buf->chunk_count > 0) memcpy(chunks, buf->chunks, buf->chunk_count * sizeof(DataChunk));
        buf->chunks = chunks;
        buf->chunk_capacity = capacity;
    }
    DataChunk *chunk = &buf->chunks[buf->chunk_count];
    TRY(chunk_init(chunk, buf->types, buf->column_count, buf->arena));
    for (uint32_t col_idx = 0; col_idx < buf->column_count; col_idx++) {
        Vector *vec = &chunk->columns[col_idx];
        vec_init_phys(vec, buf->types[col_idx], (VecPhys)columns[col_idx].phys,
                      columns[col_idx].numeric_scale, buf->arena);
        TRY(vec_reserve(vec, VEC_VALUE_COUNT_MAX));
    }
    buf->chunk_count++;
    return NULL;
}

/* generalize: rewrite rows 0..row_count-1 of a NUM64 column in the general NUMERIC form. */
static Error *generalize(Vector *vec, uint32_t row_count, Arena *arena)
{
    Vector general;
    vec_init_phys(&general, vec->type, VEC_PHYS_NUMERIC, 0, arena);
    TRY(vec_reserve(&general, VEC_VALUE_COUNT_MAX));
    memset(general.data, 0, VEC_VALUE_COUNT_MAX * sizeof(Numeric));
    for (uint32_t row_idx = 0; row_idx < row_count; row_idx++) {
        if (vec_is_null(vec, row_idx)) continue;
        Numeric num;
        TRY(vec_numeric_get(vec, row_idx, arena, &num));
        vec_numeric(&general)[row_idx] = num;
    }
    general.validity = vec->validity;
    *vec = general;
    return NULL;
}

/* copy_numeric_rows: per-row conversion into a general NUMERIC column. */
static Error *copy_numeric_rows(Vector *dst, uint32_t dst_start, const Vector *src,
                                const uint16_t *sel, uint32_t count, Arena *arena)
{
    for (uint32_t idx = 0; idx < count; idx++) {
        uint32_t src_row = sel != NULL ? sel[idx] : idx;
        if (vec_is_null(src, src_row)) {
            memset(&vec_numeric(dst)[dst_start + idx], 0, sizeof(Numeric));
            continue;
        }
        Numeric num;
        TRY(vec_numeric_get(src, src_row, arena, &num));
        TRY(numeric_copy(&num, arena, &vec_numeric(dst)[dst_start + idx]));
    }
    return NULL;
}

#define COPY_FIXED(T)                                                                          \
    do {                                                                                       \
        T *dst_values = (T *)dst->data + dst_start;                                            \
        const T *src_values = (const T *)src->data;                                            \
        if (src->is_constant) {                                                                \
            for (uint32_t idx = 0; idx < count; idx++) dst_values[idx] = src_values[0];         \
        } else if (sel != NULL) {                                                              \
            for (uint32_t idx = 0; idx < count; idx++) dst_values[idx] = src_values[sel[idx]];  \
        } else {                                                                               \
            memcpy(dst_values, src_values, count * sizeof(T));                                 \
        }                                                                                      \
    } while (0)

typedef struct Bytes16 { uint64_t a, b; } Bytes16;
typedef struct Bytes24 { uint64_t a, b, c; } Bytes24;

static Error *copy_strings(Vector *dst, uint32_t dst_start, uint32_t count, Arena *arena)
{
    size_t total = 0;
    StrView *views = vec_str(dst) + dst_start;
    for (uint32_t idx = 0; idx < count; idx++) {
        if (views[idx].size > VEC_STR_INLINE_MAX) total += views[idx].size;
    }
    if (total == 0) return NULL;
    char *bytes = arena_alloc(arena, total);
    if (bytes == NULL) return op_heavy_oom();
    for (uint32_t idx = 0; idx < count; idx++) {
        if (views[idx].size <= VEC_STR_INLINE_MAX) continue;
        memcpy(bytes, views[idx].u.data, views[idx].size);
        views[idx].u.data = bytes;
        bytes += views[idx].size;
    }
    return NULL;
}

static Error *copy_validity(Vector *dst, uint32_t dst_start, const Vector *src,
                            const uint16_t *sel, uint32_t count)
{
    if (src->validity == NULL) return NULL;
    TRY(vec_validity_ensure(dst));
    for (uint32_t idx = 0; idx < count; idx++) {
        uint32_t src_row = sel != NULL ? sel[idx] : idx;
        if (vec_is_null(src, src_row)) {
            uint32_t bit = dst_start + idx;
            dst->validity[bit >> 6] &= ~(UINT64_C(1) << (bit & 63));
        }
    }
    return NULL;
}

/* append_column: rows (sel, count) of src into dst from row dst_start. */
static Error *append_column(Vector *dst, uint32_t dst_start, const Vector *src,
                            const uint16_t *sel, uint32_t count, Arena *arena)
{
    bool same = dst->phys == src->phys &&
                (dst->phys != VEC_PHYS_NUM64 || dst->numeric_scale == src->numeric_scale);
    if (!same) {
        VERIFY(dst->type.id == TYPE_NUMERIC);
        if (dst->phys == VEC_PHYS_NUM64) TRY(generalize(dst, dst_start, arena));
        TRY(copy_validity(dst, dst_start, src, sel, count));
        return copy_numeric_rows(dst, dst_start, src, sel, count, arena);
    }
    TRY(copy_validity(dst, dst_start, src, sel, count));
    switch ((VecPhys)dst->phys) {
    case VEC_PHYS_BOOL: COPY_FIXED(uint8_t); return NULL;
    case VEC_PHYS_I16: COPY_FIXED(int16_t); return NULL;
    case VEC_PHYS_I32: case VEC_PHYS_F32: COPY_FIXED(uint32_t); return NULL;
    case VEC_PHYS_I64: case VEC_PHYS_F64: case VEC_PHYS_NUM64: COPY_FIXED(uint64_t); return NULL;
    case VEC_PHYS_INTERVAL: COPY_FIXED(DtInterval); return NULL;
    case VEC_PHYS_STR:
    case VEC_PHYS_ARRAY: /* arrays: a StrView */
        COPY_FIXED(Bytes16);
        return copy_strings(dst, dst_start, count, arena);
    case VEC_PHYS_NUMERIC:
        return copy_numeric_rows(dst, dst_start, src, sel, count, arena);
    default:
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot materialize values of type %s",
                       type_name(dst->type.id));
    }
}

Error *op_rows_append(RowStore *buf, const Vector *columns, const uint16_t *sel, uint32_t count)
{
    uint32_t done = 0;
    while (done < count) {
        if (buf->chunk_count == 0 ||
            buf->chunks[buf->chunk_count - 1].row_count == VEC_VALUE_COUNT_MAX) {
            TRY(new_chunk(buf, columns));
        }
        DataChunk *tail = &buf->chunks[buf->chunk_count - 1];
        uint32_t room = VEC_VALUE_COUNT_MAX - tail->row_count;
        uint32_t step = count - done < room ? count - done : room;
        uint16_t sel_local[VEC_VALUE_COUNT_MAX];
        const uint16_t *step_sel = sel != NULL ? sel + done : NULL;
        if (sel == NULL && done > 0) {
            for (uint32_t idx = 0; idx < step; idx++) sel_local[idx] = (uint16_t)(done + idx);
            step_sel = sel_local;
        }
        for (uint32_t col_idx = 0; col_idx < buf->column_count; col_idx++) {
            TRY(append_column(&tail->columns[col_idx], tail->row_count, &columns[col_idx],
                              step_sel, step, buf->arena));
        }
        tail->row_count += step;
        buf->row_count += step;
        done += step;
    }
    return NULL;
}

Error *op_rows_append_chunk(RowStore *buf, const DataChunk *chunk)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    if (count == 0) return NULL;
    return op_rows_append(buf, chunk->columns, sel, count);
}

/* ------------------------------------------------------------------ gathering ---- */

#define GATHER_FIXED(T, SRC_VALUES_OF)                                                         \
    do {                                                                                       \
        T *out_values = (T *)out->data;                                                        \
        for (uint32_t k = 0; k < count; k++) {                                                 \
            if (ids[k] == ROW_ID_NONE) continue;                                               \
            out_values[k] = ((const T *)(SRC_VALUES_OF))[SRC_ROW];                             \
        }                                                                                      \
    } while (0)

static Error *gather_nulls(Vector *out, const uint32_t *ids, uint32_t count, bool src_has_nulls,
                           const Vector *(*src_of)(const void *, uint32_t, uint32_t *),
                           const void *src_ctx)
{
    bool any_none = false;
    for (uint32_t k = 0; k < count && !any_none; k++) any_none = ids[k] == ROW_ID_NONE;
    if (!any_none && !src_has_nulls) return NULL;
    TRY(vec_validity_ensure(out));
    for (uint32_t k = 0; k < count; k++) {
        bool is_null = ids[k] == ROW_ID_NONE;
        if (!is_null && src_has_nulls) {
            uint32_t row;
            const Vector *src = src_of(src_ctx, ids[k], &row);
            is_null = vec_is_null(src, row);
        }
        if (is_null) {
            out->validity[k >> 6] &= ~(UINT64_C(1) << (k & 63));
            if (out->phys == VEC_PHYS_STR || out->phys == VEC_PHYS_NUMERIC ||
                out->phys == VEC_PHYS_ARRAY /* arrays */) {
                memset((char *)out->data + k * type_phys_size((VecPhys)out->phys), 0,
                       type_phys_size((VecPhys)out->phys));
            }
        }
    }
    return NULL;
}

static const Vector *rows_src_of(const void *src_ctx, uint32_t id, uint32_t *row_out)
{
    const RowStore *buf = ((const void *const *)src_ctx)[0];
    uint32_t col_idx = (uint32_t)(uintptr_t)((const void *const *)src_ctx)[1];
    *row_out = id & ROWS_CHUNK_MASK;
    return op_rows_vec(buf, col_idx, id);
}

static const Vector *vec_src_of(const void *src_ctx, uint32_t idx, uint32_t *row_out)
{
    const Vector *src = src_ctx;
    *row_out = src->is_constant ? 0 : idx;
    return src;
}

Error *op_rows_gather(const RowStore *buf, uint32_t col_idx, const uint32_t *ids, uint32_t count,
                      Vector *out)
{
    VERIFY(count <= VEC_VALUE_COUNT_MAX);
    /* the physical form: the sources' if they agree, else general NUMERIC */
    const Vector *first = NULL;
    bool mixed = false, src_has_nulls = false;
    for (uint32_t chunk_idx = 0; chunk_idx < buf->chunk_count; chunk_idx++) {
        const Vector *vec = &buf->chunks[chunk_idx].columns[col_idx];
        src_has_nulls |= vec->validity != NULL;
    }
    for (uint32_t k = 0; k < count; k++) {
        if (ids[k] == ROW_ID_NONE) continue;
        const Vector *vec = op_rows_vec(buf, col_idx, ids[k]);
        if (first == NULL) first = vec;
        else if (vec->phys != first->phys || vec->numeric_scale != first->numeric_scale) {
            mixed = true;
            break;
        }
    }
    Arena *arena = out->arena;
    if (first == NULL) {
        vec_init(out, buf->types[col_idx], arena);
        TRY(vec_reserve(out, count > 0 ? count : 1));
        memset(out->data, 0, (count > 0 ? count : 1) * type_phys_size((VecPhys)out->phys));
        for (uint32_t k = 0; k < count; k++) TRY(vec_set_null(out, k));
        return NULL;
    }
    if (mixed) {
        vec_init_phys(out, buf->types[col_idx], VEC_PHYS_NUMERIC, 0, arena);
        TRY(vec_reserve(out, count));
        memset(out->data, 0, count * sizeof(Numeric));
        for (uint32_t k = 0; k < count; k++) {
            if (ids[k] == ROW_ID_NONE) continue;
            const Vector *vec = op_rows_vec(buf, col_idx, ids[k]);
            uint32_t row = ids[k] & ROWS_CHUNK_MASK;
            if (vec_is_null(vec, row)) continue;
            TRY(vec_numeric_get(vec, row, arena, &vec_numeric(out)[k]));
        }
    } else {
        vec_init_phys(out, buf->types[col_idx], (VecPhys)first->phys, first->numeric_scale,
                      arena);
        TRY(vec_reserve(out, count > 0 ? count : 1));
#define SRC_ROW (ids[k] & ROWS_CHUNK_MASK)
#define SRC_DATA (buf->chunks[ids[k] >> ROWS_CHUNK_SHIFT].columns[col_idx].data)
        switch ((VecPhys)out->phys) {
        case VEC_PHYS_BOOL: GATHER_FIXED(uint8_t, SRC_DATA); break;
        case VEC_PHYS_I16: GATHER_FIXED(int16_t, SRC_DATA); break;
        case VEC_PHYS_I32: case VEC_PHYS_F32: GATHER_FIXED(uint32_t, SRC_DATA); break;
        case VEC_PHYS_I64: case VEC_PHYS_F64: case VEC_PHYS_NUM64:
            GATHER_FIXED(uint64_t, SRC_DATA);
            break;
        case VEC_PHYS_INTERVAL: GATHER_FIXED(DtInterval, SRC_DATA); break;
        case VEC_PHYS_STR:
        case VEC_PHYS_ARRAY: /* arrays */ GATHER_FIXED(Bytes16, SRC_DATA); break;
        case VEC_PHYS_NUMERIC: GATHER_FIXED(Numeric, SRC_DATA); break;
        default:
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot gather values of type %s",
                           type_name(out->type.id));
        }
#undef SRC_ROW
#undef SRC_DATA
    }
    const void *src_ctx[2] = { buf, (const void *)(uintptr_t)col_idx };
    return gather_nulls(out, ids, count, src_has_nulls, rows_src_of, src_ctx);
}

Error *op_rows_gather_vec(const Vector *src, const uint32_t *ids, uint32_t count, Vector *out)
{
    VERIFY(count <= VEC_VALUE_COUNT_MAX);
    vec_init_phys(out, src->type, (VecPhys)src->phys, src->numeric_scale, out->arena);
    TRY(vec_reserve(out, count > 0 ? count : 1));
#define SRC_ROW (src->is_constant ? 0 : ids[k])
        switch ((VecPhys)out->phys) {
        case VEC_PHYS_BOOL: GATHER_FIXED(uint8_t, src->data); break;
        case VEC_PHYS_I16: GATHER_FIXED(int16_t, src->data); break;
        case VEC_PHYS_I32: case VEC_PHYS_F32: GATHER_FIXED(uint32_t, src->data); break;
        case VEC_PHYS_I64: case VEC_PHYS_F64: case VEC_PHYS_NUM64:
            GATHER_FIXED(uint64_t, src->data);
            break;
        case VEC_PHYS_INTERVAL: GATHER_FIXED(DtInterval, src->data); break;
        case VEC_PHYS_STR:
        case VEC_PHYS_ARRAY: /* arrays */ GATHER_FIXED(Bytes16, src->data); break;
        case VEC_PHYS_NUMERIC: GATHER_FIXED(Numeric, src->data); break;
        default:
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot gather values of type %s",
                           type_name(out->type.id));
        }
#undef SRC_ROW
    return gather_nulls(out, ids, count, src->validity != NULL, vec_src_of, src);
}

Error *op_rows_null_vec(Vector *out)
{
    TRY(vec_set_constant(out));
    memset(out->data, 0, type_phys_size((VecPhys)out->phys));
    return vec_set_null(out, 0);
}

/* ------------------------------------------------------------- normalized keys ---- */

Error *op_keys_begin(KeyBatch *keys, const uint16_t *sel, uint32_t count, Arena *arena)
{
    uint32_t span = kern_span(sel, count);
    if (span == 0) span = 1;
    keys->arena = arena;
    keys->bytes = arena_calloc(arena, span * sizeof(uint8_t *));
    keys->size = arena_calloc(arena, span * sizeof(uint32_t));
    keys->capacity = arena_calloc(arena, span * sizeof(uint32_t));
    keys->hash = arena_calloc(arena, span * sizeof(uint64_t));
    keys->has_null = arena_calloc(arena, span * sizeof(bool));
    if (keys->bytes == NULL || keys->size == NULL || keys->capacity == NULL ||
        keys->hash == NULL || keys->has_null == NULL) {
        return op_heavy_oom();
    }
    return NULL;
}

/* key_room: make room for extra more bytes in row's key; returns where to write. */
static uint8_t *key_room(KeyBatch *keys, uint32_t row, size_t extra)
{
    size_t need = (size_t)keys->size[row] + extra;
    if (need > keys->capacity[row]) {
        size_t capacity = keys->capacity[row] * 2;
        if (capacity < KEY_ROW_CAPACITY_MIN) capacity = KEY_ROW_CAPACITY_MIN;
        if (capacity < need) capacity = need;
        if (capacity > UINT32_MAX) return NULL;
        uint8_t *bytes = arena_alloc(keys->arena, capacity);
        if (bytes == NULL) return NULL;
        if (keys->size[row] > 0) memcpy(bytes, keys->bytes[row], keys->size[row]);
        keys->bytes[row] = bytes;
        keys->capacity[row] = (uint32_t)capacity;
    }
    return keys->bytes[row] + keys->size[row];
}

static Error *key_put(KeyBatch *keys, uint32_t row, const KeyBuf *tmp)
{
    uint8_t *dst = key_room(keys, row, tmp->size);
    if (dst == NULL) return op_heavy_oom();
    memcpy(dst, tmp->bytes, tmp->size);
    keys->size[row] += (uint32_t)tmp->size;
    return NULL;
}

static Error *key_put_text(KeyBatch *keys, uint32_t row, const char *text, size_t size,
                           KeyDir dir)
{
    size_t zero_count = 0;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) zero_count += text[byte_idx] == 0;
    uint8_t *dst = key_room(keys, row, 1 + size + zero_count + 2);
    if (dst == NULL) return op_heavy_oom();
    uint8_t mask = (dir & 1) ? 0xFF : 0x00;
    size_t out_idx = 0;
    dst[out_idx++] = 0x02;
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        uint8_t byte = (uint8_t)text[byte_idx];
        dst[out_idx++] = byte ^ mask;
        if (byte == 0) dst[out_idx++] = 0xFF ^ mask;
    }
    dst[out_idx++] = mask;
    dst[out_idx++] = mask;
    keys->size[row] += (uint32_t)out_idx;
    return NULL;
}

static Error *key_numeric(KeyBuf *tmp, KeyDir dir, const Numeric *num)
{
    KeyNumeric key = { 0 };
    key.is_nan = num->kind == NUMERIC_KIND_NAN;
    key.is_infinite = num->kind == NUMERIC_KIND_PINF || num->kind == NUMERIC_KIND_NINF;
    if (key.is_infinite) key.sign = num->kind == NUMERIC_KIND_PINF ? 1 : -1;
    if (num->kind == NUMERIC_KIND_FINITE && num->digit_count > 0) {
        key.sign = num->negative ? -1 : 1;
        key.weight = num->weight;
        key.digit_count = (uint16_t)num->digit_count;
        key.digits = num->digits;
    }
    return key_append_numeric(tmp, dir, &key);
}

/* key_put_int64: key_append_int64's bytes (tag 0x02, big-endian with the sign bit flipped,
 * inverted for DESC) written straight into row's key. */
static inline Error *key_put_int64(KeyBatch *keys, uint32_t row, int64_t value, uint8_t mask)
{
    uint8_t *dst = key_room(keys, row, 9);
    if (dst == NULL) return op_heavy_oom();
    uint64_t bits = (uint64_t)value ^ (UINT64_C(1) << 63);
    dst[0] = 0x02;
    for (int byte_idx = 0; byte_idx < 8; byte_idx++) {
        dst[1 + byte_idx] = (uint8_t)(bits >> (56 - 8 * byte_idx)) ^ mask;
    }
    keys->size[row] += 9;
    return NULL;
}

#define INT_KEY_ROWS(T)                                                                        \
    do {                                                                                       \
        const T *values = (const T *)vec->data;                                                \
        uint8_t mask = (dir & 1) ? 0xFF : 0x00;                                                \
        for (uint32_t k = 0; k < count; k++) {                                                 \
            uint32_t r = sel != NULL ? sel[k] : k;                                             \
            if (has_nulls && vec_is_null(vec, r)) {                                            \
                keys->has_null[r] = true;                                                      \
                key_buf_init(&tmp, tmp_bytes, sizeof tmp_bytes);                               \
                TRY(key_append_null(&tmp, dir));                                               \
                TRY(key_put(keys, r, &tmp));                                                   \
                continue;                                                                      \
            }                                                                                  \
            TRY(key_put_int64(keys, r, values[vec->is_constant ? 0 : r], mask));               \
        }                                                                                      \
    } while (0)

/* FOR_KEY_ROWS: body per selected row r with tmp reset; NULL rows get a NULL tag. */
#define FOR_KEY_ROWS(...)                                                                      \
    do {                                                                                       \
        for (uint32_t k = 0; k < count; k++) {                                                 \
            uint32_t r = sel != NULL ? sel[k] : k;                                             \
            uint32_t v = vec->is_constant ? 0 : r;                                             \
            (void)v;                                                                           \
            key_buf_init(&tmp, tmp_bytes, sizeof tmp_bytes);                                   \
            if (has_nulls && vec_is_null(vec, r)) {                                            \
                keys->has_null[r] = true;                                                      \
                TRY(key_append_null(&tmp, dir));                                               \
            } else {                                                                           \
                __VA_ARGS__                                                                    \
            }                                                                                  \
            TRY(key_put(keys, r, &tmp));                                                       \
        }                                                                                      \
    } while (0)

Error *op_keys_add(KeyBatch *keys, const Vector *vec, const uint16_t *sel, uint32_t count,
                   KeyDir dir)
{
    uint8_t tmp_bytes[KEY_SIZE_MAX];
    KeyBuf tmp;
    bool has_nulls = vec->validity != NULL;
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_BOOL:
        FOR_KEY_ROWS(TRY(key_append_bool(&tmp, dir, vec_bool(vec)[v] != 0)););
        return NULL;
    case VEC_PHYS_I16: INT_KEY_ROWS(int16_t); return NULL;
    case VEC_PHYS_I32: INT_KEY_ROWS(int32_t); return NULL;
    case VEC_PHYS_I64: INT_KEY_ROWS(int64_t); return NULL;
    case VEC_PHYS_F32:
        FOR_KEY_ROWS(TRY(key_append_float64(&tmp, dir, vec_f32(vec)[v])););
        return NULL;
    case VEC_PHYS_F64:
        FOR_KEY_ROWS(TRY(key_append_float64(&tmp, dir, vec_f64(vec)[v])););
        return NULL;
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC:
        FOR_KEY_ROWS(Numeric num; TRY(vec_numeric_get(vec, v, keys->arena, &num));
                     TRY(key_numeric(&tmp, dir, &num)););
        return NULL;
    case VEC_PHYS_INTERVAL:
        FOR_KEY_ROWS(const DtInterval *span = &((const DtInterval *)vec->data)[v];
                     KeyInterval interval = { span->month, span->day, span->time };
                     TRY(key_append_interval(&tmp, dir, &interval)););
        return NULL;
    case VEC_PHYS_STR: {
        bool trim = vec->type.id == TYPE_BPCHAR;
        for (uint32_t k = 0; k < count; k++) {
            uint32_t r = sel != NULL ? sel[k] : k;
            uint32_t v = vec->is_constant ? 0 : r;
            if (has_nulls && vec_is_null(vec, r)) {
                keys->has_null[r] = true;
                key_buf_init(&tmp, tmp_bytes, sizeof tmp_bytes);
                TRY(key_append_null(&tmp, dir));
                TRY(key_put(keys, r, &tmp));
                continue;
            }
            const StrView *view = &vec_str(vec)[v];
            const char *text = str_view_data(view);
            size_t size = view->size;
            if (trim) {
                while (size > 0 && text[size - 1] == ' ') size--;
            }
            TRY(key_put_text(keys, r, text, size, dir));
        }
        return NULL;
    }
    case VEC_PHYS_ARRAY:   /* arrays: element-wise order (kern_array_sort_bytes) */
        for (uint32_t k = 0; k < count; k++) {
            uint32_t r = sel != NULL ? sel[k] : k;
            if (has_nulls && vec_is_null(vec, r)) {
                keys->has_null[r] = true;
                key_buf_init(&tmp, tmp_bytes, sizeof tmp_bytes);
                TRY(key_append_null(&tmp, dir));
                TRY(key_put(keys, r, &tmp));
                continue;
            }
            const uint8_t *bytes;
            size_t size;
            TRY(kern_array_sort_bytes(vec, vec->is_constant ? 0 : r, keys->arena, &bytes, &size));
            TRY(key_put_text(keys, r, (const char *)bytes, size, dir));
        }
        return NULL;
    default:
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "could not identify an ordering operator "
                       "for type %s", type_name(vec->type.id));
    }
}

Error *op_keys_append_u32(KeyBatch *keys, const uint16_t *sel, uint32_t count,
                          const uint32_t *values)
{
    for (uint32_t k = 0; k < count; k++) {
        uint32_t r = sel != NULL ? sel[k] : k;
        uint8_t *dst = key_room(keys, r, 4);
        if (dst == NULL) return op_heavy_oom();
        uint32_t value = values[r];
        dst[0] = (uint8_t)(value >> 24);
        dst[1] = (uint8_t)(value >> 16);
        dst[2] = (uint8_t)(value >> 8);
        dst[3] = (uint8_t)value;
        keys->size[r] += 4;
    }
    return NULL;
}

void op_keys_finish(KeyBatch *keys, const uint16_t *sel, uint32_t count)
{
    for (uint32_t k = 0; k < count; k++) {
        uint32_t r = sel != NULL ? sel[k] : k;
        keys->hash[r] = hash_bytes(keys->bytes[r], keys->size[r], 0x9e3779b97f4a7c15ULL);
    }
}

/* ------------------------------------------------------------------ key tables ---- */

Error *op_keytab_init(KeyTable *table)
{
    *table = (KeyTable){ 0 };
    table->arena = arena_create(64 * 1024);
    table->slots = calloc(KEYTAB_SLOT_COUNT_MIN, sizeof(uint64_t));
    if (table->arena == NULL || table->slots == NULL) {
        op_keytab_free(table);
        return op_heavy_oom();
    }
    table->slot_count = KEYTAB_SLOT_COUNT_MIN;
    return NULL;
}

void op_keytab_free(KeyTable *table)
{
    arena_destroy(table->arena);
    free(table->slots);
    free(table->hashes);
    free(table->keys);
    free(table->key_sizes);
    *table = (KeyTable){ 0 };
}

void op_keytab_clear(KeyTable *table)
{
    if (table->arena != NULL) arena_reset(table->arena);
    if (table->slots != NULL) memset(table->slots, 0, table->slot_count * sizeof(uint64_t));
    table->count = 0;
    table->size = 0;
}

static inline uint64_t slot_entry(uint64_t hash, uint32_t id)
{
    return (hash & UINT64_C(0xFFFFFFFF00000000)) | ((uint64_t)id + 1);
}

static Error *keytab_grow(KeyTable *table)
{
    uint32_t slot_count = table->slot_count * 2;
    uint64_t *slots = calloc(slot_count, sizeof(uint64_t));
    if (slots == NULL) return op_heavy_oom();
    for (uint32_t id = 0; id < table->count; id++) {
        uint32_t slot = (uint32_t)table->hashes[id] & (slot_count - 1);
        while (slots[slot] != 0) slot = (slot + 1) & (slot_count - 1);
        slots[slot] = slot_entry(table->hashes[id], id);
    }
    free(table->slots);
    table->slots = slots;
    table->slot_count = slot_count;
    return NULL;
}

static Error *keytab_reserve_ids(KeyTable *table)
{
    if (table->count < table->capacity) return NULL;
    uint32_t capacity = table->capacity == 0 ? 64 : table->capacity * 2;
    uint64_t *hashes = realloc(table->hashes, capacity * sizeof(uint64_t));
    if (hashes == NULL) return op_heavy_oom();
    table->hashes = hashes;
    const uint8_t **keys = realloc(table->keys, capacity * sizeof(uint8_t *));
    if (keys == NULL) return op_heavy_oom();
    table->keys = keys;
    uint32_t *key_sizes = realloc(table->key_sizes, capacity * sizeof(uint32_t));
    if (key_sizes == NULL) return op_heavy_oom();
    table->key_sizes = key_sizes;
    table->capacity = capacity;
    return NULL;
}

uint32_t op_keytab_find(const KeyTable *table, const uint8_t *key, uint32_t key_size,
                        uint64_t hash)
{
    uint32_t mask = table->slot_count - 1;
    for (uint32_t slot = (uint32_t)hash & mask, probe = 0; probe < table->slot_count;
         slot = (slot + 1) & mask, probe++) {
        uint64_t entry = table->slots[slot];
        if (entry == 0) return ROW_ID_NONE;
        if ((entry ^ hash) >> 32 != 0) continue;
        uint32_t id = (uint32_t)entry - 1;
        if (table->hashes[id] == hash && table->key_sizes[id] == key_size &&
            memcmp(table->keys[id], key, key_size) == 0) {
            return id;
        }
    }
    return ROW_ID_NONE;
}

Error *op_keytab_insert(KeyTable *table, const uint8_t *key, uint32_t key_size, uint64_t hash,
                        uint32_t *id_out, bool *is_new_out)
{
    uint32_t mask = table->slot_count - 1;
    uint32_t slot = (uint32_t)hash & mask;
    for (uint32_t probe = 0; probe < table->slot_count; probe++, slot = (slot + 1) & mask) {
        uint64_t entry = table->slots[slot];
        if (entry == 0) break;
        if ((entry ^ hash) >> 32 != 0) continue;
        uint32_t id = (uint32_t)entry - 1;
        if (table->hashes[id] == hash && table->key_sizes[id] == key_size &&
            memcmp(table->keys[id], key, key_size) == 0) {
            *id_out = id;
            *is_new_out = false;
            return NULL;
        }
    }
    ASSERT(table->slots[slot] == 0);
    TRY(keytab_reserve_ids(table));
    uint8_t *copy = arena_alloc(table->arena, key_size > 0 ? key_size : 1);
    if (copy == NULL) return op_heavy_oom();
    memcpy(copy, key, key_size);
    uint32_t id = table->count++;
    table->hashes[id] = hash;
    table->keys[id] = copy;
    table->key_sizes[id] = key_size;
    table->slots[slot] = slot_entry(hash, id);
    table->size += key_size + 32;
    *id_out = id;
    *is_new_out = true;
    if (table->count * 2 > table->slot_count) TRY(keytab_grow(table));
    return NULL;
}
