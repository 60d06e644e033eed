/* executor/kern_array.c: array values in vectors: elements to and from their binary send
 * form, ordering, text input/output (PostgreSQL's array_in / array_out for one dimension) and
 * the casts text <-> array and array -> array.
 *
 * Text I/O works a batch of elements at a time: the elements of one array are loaded into a
 * vector of the element type (at most VEC_VALUE_COUNT_MAX per batch) and the element type's
 * own output / input kernel formats or parses them, so an integer[] prints exactly as integer
 * does. Quoting follows array_out: an element is double-quoted when it is empty, is "NULL" in
 * any case, or contains { } , " \ or white space; " and \ are backslash-escaped inside. */
#include "executor/kern_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "executor/kern_int.h"
#include "storage/key.h"

enum {
    ARRAY_TEXT_SIZE_MIN = 64,
    DAY_USECS = 86400000000LL,
};

static Error *oom_err(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

uint32_t kern_array_type_of(uint32_t elem_id)
{
    switch (elem_id) {
    case TYPE_BOOL: return TYPE_BOOL_ARRAY;
    case TYPE_BYTEA: return TYPE_BYTEA_ARRAY;
    case TYPE_CHAR: return TYPE_CHAR_ARRAY;
    case TYPE_NAME: return TYPE_NAME_ARRAY;
    case TYPE_INT2: return TYPE_INT2_ARRAY;
    case TYPE_INT4: return TYPE_INT4_ARRAY;
    case TYPE_TEXT: return TYPE_TEXT_ARRAY;
    case TYPE_UNKNOWN: return TYPE_TEXT_ARRAY;
    case TYPE_BPCHAR: return TYPE_BPCHAR_ARRAY;
    case TYPE_VARCHAR: return TYPE_VARCHAR_ARRAY;
    case TYPE_INT8: return TYPE_INT8_ARRAY;
    case TYPE_FLOAT4: return TYPE_FLOAT4_ARRAY;
    case TYPE_FLOAT8: return TYPE_FLOAT8_ARRAY;
    case TYPE_OID: return TYPE_OID_ARRAY;
    case TYPE_TIMESTAMP: return TYPE_TIMESTAMP_ARRAY;
    case TYPE_DATE: return TYPE_DATE_ARRAY;
    case TYPE_TIME: return TYPE_TIME_ARRAY;
    case TYPE_TIMESTAMPTZ: return TYPE_TIMESTAMPTZ_ARRAY;
    case TYPE_INTERVAL: return TYPE_INTERVAL_ARRAY;
    case TYPE_NUMERIC: return TYPE_NUMERIC_ARRAY;
    case TYPE_REGTYPE: return TYPE_REGTYPE_ARRAY;
    case TYPE_UUID: return TYPE_UUID_ARRAY;
    case TYPE_JSON: return TYPE_JSON_ARRAY;
    case TYPE_JSONB: return TYPE_JSONB_ARRAY;
    default: return TYPE_INVALID;
    }
}

Type kern_array_elem_type(Type array_type)
{
    uint32_t elem = type_array_elem(array_type.id);
    /* a numeric(p,s)[] element is read as plain numeric (general form) */
    int32_t typmod = elem == TYPE_NUMERIC ? TYPE_TYPMOD_NONE : array_type.typmod;
    return type_make((TypeId)elem, typmod);
}

static bool is_oid_like(uint32_t id)
{
    return id == TYPE_OID || id == TYPE_REGPROC || id == TYPE_REGCLASS || id == TYPE_REGTYPE ||
           id == TYPE_REGNAMESPACE || id == TYPE_REGROLE;
}

Error *kern_array_view(const Vector *vec, uint32_t row_idx, ArrayView *view_out)
{
    const StrView *view = str_at(vec, row_idx);
    return array_decode(str_view_data(view), view->size, view_out);
}

Error *kern_array_set(Vector *out, uint32_t row_idx, const uint8_t *bytes, size_t size)
{
    if (bytes == NULL) return oom_err();
    if (size > UINT32_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "array size exceeds the maximum allowed");
    }
    vec_set_valid(out, row_idx);
    return vec_str_set(out, row_idx, (const char *)bytes, (uint32_t)size);
}

Error *kern_array_elem_get(const Vector *vec, uint32_t row_idx, uint8_t *buf, Arena *arena,
                           const uint8_t **data_out, int32_t *size_out)
{
    uint32_t slot = vec->is_constant ? 0 : row_idx;
    *data_out = buf;
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_BOOL: buf[0] = vec_bool(vec)[slot] ? 1 : 0; *size_out = 1; return NULL;
    case VEC_PHYS_I16: enc_u16be(buf, (uint16_t)vec_i16(vec)[slot]); *size_out = 2; return NULL;
    case VEC_PHYS_I32: enc_u32be(buf, (uint32_t)vec_i32(vec)[slot]); *size_out = 4; return NULL;
    case VEC_PHYS_I64:
        if (is_oid_like(vec->type.id)) {
            enc_u32be(buf, (uint32_t)vec_i64(vec)[slot]);
            *size_out = 4;
        } else {
            enc_u64be(buf, (uint64_t)vec_i64(vec)[slot]);
            *size_out = 8;
        }
        return NULL;
    case VEC_PHYS_F32: {
        uint32_t bits;
        memcpy(&bits, &vec_f32(vec)[slot], 4);
        enc_u32be(buf, bits);
        *size_out = 4;
        return NULL;
    }
    case VEC_PHYS_F64: {
        uint64_t bits;
        memcpy(&bits, &vec_f64(vec)[slot], 8);
        enc_u64be(buf, bits);
        *size_out = 8;
        return NULL;
    }
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: {
        Numeric num;
        TRY(vec_numeric_get(vec, slot, arena, &num));
        size_t size = numeric_pg_binary_size(&num);
        uint8_t *bytes = arena_alloc(arena, size);
        if (bytes == NULL) return oom_err();
        numeric_to_pg_binary(&num, bytes);
        *data_out = bytes;
        *size_out = (int32_t)size;
        return NULL;
    }
    case VEC_PHYS_STR: {
        const StrView *view = &vec_str(vec)[slot];
        *data_out = (const uint8_t *)str_view_data(view);
        *size_out = (int32_t)view->size;
        return NULL;
    }
    case VEC_PHYS_INTERVAL: {
        const DtInterval *span = &((const DtInterval *)vec->data)[slot];
        enc_u64be(buf, (uint64_t)span->time);
        enc_u32be(buf + 8, (uint32_t)span->day);
        enc_u32be(buf + 12, (uint32_t)span->month);
        *size_out = 16;
        return NULL;
    }
    default:
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "arrays of type %s are not supported", type_name(vec->type.id));
    }
}

static Error *width_error(void)
{
    return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION, "invalid array data: element size");
}

Error *kern_array_elem_set(Vector *out, uint32_t row_idx, const uint8_t *data, int32_t size)
{
    if (data == NULL) return vec_set_null(out, row_idx);
    vec_set_valid(out, row_idx);
    switch ((VecPhys)out->phys) {
    case VEC_PHYS_BOOL:
        if (size != 1) return width_error();
        vec_bool(out)[row_idx] = data[0] != 0;
        return NULL;
    case VEC_PHYS_I16:
        if (size != 2) return width_error();
        vec_i16(out)[row_idx] = (int16_t)dec_u16be(data);
        return NULL;
    case VEC_PHYS_I32:
        if (size != 4) return width_error();
        vec_i32(out)[row_idx] = (int32_t)dec_u32be(data);
        return NULL;
    case VEC_PHYS_I64:
        if (size == 4 && is_oid_like(out->type.id)) {
            vec_i64(out)[row_idx] = (int64_t)dec_u32be(data);
            return NULL;
        }
        if (size != 8) return width_error();
        vec_i64(out)[row_idx] = (int64_t)dec_u64be(data);
        return NULL;
    case VEC_PHYS_F32: {
        if (size != 4) return width_error();
        uint32_t bits = dec_u32be(data);
        memcpy(&vec_f32(out)[row_idx], &bits, 4);
        return NULL;
    }
    case VEC_PHYS_F64: {
        if (size != 8) return width_error();
        uint64_t bits = dec_u64be(data);
        memcpy(&vec_f64(out)[row_idx], &bits, 8);
        return NULL;
    }
    case VEC_PHYS_NUMERIC: {
        Numeric num;
        TRY(numeric_from_pg_binary(data, (size_t)size, out->arena, &num));
        return vec_numeric_set(out, row_idx, &num);
    }
    case VEC_PHYS_NUM64: {
        Numeric num;
        TRY(numeric_from_pg_binary(data, (size_t)size, out->arena, &num));
        int64_t scaled = 0;
        if (!numeric_to_scaled_i64(&num, out->numeric_scale, &scaled)) {
            return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
        }
        vec_i64(out)[row_idx] = scaled;
        return NULL;
    }
    case VEC_PHYS_STR: return vec_str_set(out, row_idx, (const char *)data, (uint32_t)size);
    case VEC_PHYS_INTERVAL: {
        if (size != 16) return width_error();
        DtInterval *span = &((DtInterval *)out->data)[row_idx];
        span->time = (int64_t)dec_u64be(data);
        span->day = (int32_t)dec_u32be(data + 8);
        span->month = (int32_t)dec_u32be(data + 12);
        return NULL;
    }
    default:
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "arrays of type %s are not supported", type_name(out->type.id));
    }
}

/* ---------------------------------------------------------------- ordering ---- */

static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

/* numeric_bin_cmp: two numeric_send values (canonical: no leading/trailing zero digits). */
static int numeric_bin_cmp(const uint8_t *a, int32_t a_size, const uint8_t *b, int32_t b_size)
{
    enum { SIGN_POS = 0x0000, SIGN_NEG = 0x4000, SIGN_NAN = 0xC000, SIGN_PINF = 0xD000,
           SIGN_NINF = 0xF000 };
    if (a_size < 8 || b_size < 8) return cmp_i64(a_size, b_size);
    uint16_t a_sign = dec_u16be(a + 4), b_sign = dec_u16be(b + 4);
    int16_t a_count = (int16_t)dec_u16be(a), b_count = (int16_t)dec_u16be(b);
    /* rank: -inf < negative < zero < positive < +inf < NaN */
    int a_rank = a_sign == SIGN_NAN ? 5 : a_sign == SIGN_PINF ? 4 : a_sign == SIGN_NINF ? 0
               : a_count == 0 ? 2 : a_sign == SIGN_NEG ? 1 : 3;
    int b_rank = b_sign == SIGN_NAN ? 5 : b_sign == SIGN_PINF ? 4 : b_sign == SIGN_NINF ? 0
               : b_count == 0 ? 2 : b_sign == SIGN_NEG ? 1 : 3;
    if (a_rank != b_rank) return a_rank < b_rank ? -1 : 1;
    if (a_rank != 1 && a_rank != 3) return 0;
    int magnitude = 0;
    int16_t a_weight = (int16_t)dec_u16be(a + 2), b_weight = (int16_t)dec_u16be(b + 2);
    if (a_weight != b_weight) {
        magnitude = a_weight < b_weight ? -1 : 1;
    } else {
        int32_t digit_max = a_count > b_count ? a_count : b_count;
        for (int32_t digit_idx = 0; digit_idx < digit_max && magnitude == 0; digit_idx++) {
            int a_digit = digit_idx < a_count && 8 + 2 * digit_idx + 1 < a_size
                              ? (int16_t)dec_u16be(a + 8 + 2 * digit_idx) : 0;
            int b_digit = digit_idx < b_count && 8 + 2 * digit_idx + 1 < b_size
                              ? (int16_t)dec_u16be(b + 8 + 2 * digit_idx) : 0;
            magnitude = (a_digit > b_digit) - (a_digit < b_digit);
        }
    }
    return a_rank == 1 ? -magnitude : magnitude;
}

static __int128 interval_span(const uint8_t *data)
{
    return (__int128)(int64_t)dec_u64be(data) + (__int128)(int32_t)dec_u32be(data + 8) * DAY_USECS +
           (__int128)(int32_t)dec_u32be(data + 12) * 30 * DAY_USECS;
}

static int bytes_cmp(const uint8_t *a, int32_t a_size, const uint8_t *b, int32_t b_size)
{
    int32_t common = a_size < b_size ? a_size : b_size;
    int result = common > 0 ? memcmp(a, b, (size_t)common) : 0;
    if (result != 0) return result < 0 ? -1 : 1;
    return (a_size > b_size) - (a_size < b_size);
}

int kern_array_elem_cmp(uint32_t elem_oid, const uint8_t *a, int32_t a_size, const uint8_t *b,
                        int32_t b_size)
{
    switch (elem_oid) {
    case TYPE_BOOL: return cmp_i64(a[0] != 0, b[0] != 0);
    case TYPE_INT2: return cmp_i64((int16_t)dec_u16be(a), (int16_t)dec_u16be(b));
    case TYPE_INT4:
    case TYPE_DATE: return cmp_i64((int32_t)dec_u32be(a), (int32_t)dec_u32be(b));
    case TYPE_INT8:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: return cmp_i64((int64_t)dec_u64be(a), (int64_t)dec_u64be(b));
    case TYPE_FLOAT4: {
        uint32_t a_bits = dec_u32be(a), b_bits = dec_u32be(b);
        float x, y;
        memcpy(&x, &a_bits, 4);
        memcpy(&y, &b_bits, 4);
        return float_cmp(x, y);
    }
    case TYPE_FLOAT8: {
        uint64_t a_bits = dec_u64be(a), b_bits = dec_u64be(b);
        double x, y;
        memcpy(&x, &a_bits, 8);
        memcpy(&y, &b_bits, 8);
        return float_cmp(x, y);
    }
    case TYPE_NUMERIC: return numeric_bin_cmp(a, a_size, b, b_size);
    case TYPE_INTERVAL: {
        __int128 x = interval_span(a), y = interval_span(b);
        return (x > y) - (x < y);
    }
    case TYPE_BPCHAR:
        while (a_size > 0 && a[a_size - 1] == ' ') a_size--;
        while (b_size > 0 && b[b_size - 1] == ' ') b_size--;
        return bytes_cmp(a, a_size, b, b_size);
    default:
        if (is_oid_like(elem_oid)) return cmp_i64(dec_u32be(a), dec_u32be(b));
        return bytes_cmp(a, a_size, b, b_size);
    }
}

int kern_array_cmp(const ArrayView *a, const ArrayView *b)
{
    ArrayIter a_iter = array_iter(a), b_iter = array_iter(b);
    const uint8_t *a_data, *b_data;
    int32_t a_size, b_size;
    for (;;) {
        bool a_more = array_next(&a_iter, &a_data, &a_size);
        bool b_more = array_next(&b_iter, &b_data, &b_size);
        if (!a_more || !b_more) break;
        if (a_data == NULL || b_data == NULL) {
            if (a_data == NULL && b_data == NULL) continue;
            return a_data == NULL ? 1 : -1;     /* NULL elements sort after the rest */
        }
        int result = kern_array_elem_cmp(a->elem_oid, a_data, a_size, b_data, b_size);
        if (result != 0) return result;
    }
    if (a->count != b->count) return a->count < b->count ? -1 : 1;
    return (a->lower > b->lower) - (a->lower < b->lower);
}

/* ---------------------------------------------------------------- text output ---- */

typedef struct TextBuf {
    Arena *arena;
    char  *data;
    size_t size;
    size_t capacity;
} TextBuf;

static bool text_room(TextBuf *buf, size_t more)
{
    if (buf->capacity - buf->size >= more) return true;
    size_t capacity = buf->capacity > 0 ? buf->capacity : ARRAY_TEXT_SIZE_MIN;
    while (capacity - buf->size < more) capacity *= 2;
    char *data = arena_alloc(buf->arena, capacity);
    if (data == NULL) return false;
    if (buf->size > 0) memcpy(data, buf->data, buf->size);
    buf->data = data;
    buf->capacity = capacity;
    return true;
}

static bool text_put(TextBuf *buf, const char *data, size_t size)
{
    if (!text_room(buf, size)) return false;
    if (size > 0) memcpy(buf->data + buf->size, data, size);
    buf->size += size;
    return true;
}

static bool is_array_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* is_null_word: "NULL" in any case (array_in / array_out treat it as the NULL marker). */
static bool is_null_word(const char *data, size_t size)
{
    static const char WORD[] = "null";
    if (size != 4) return false;
    for (size_t idx = 0; idx < 4; idx++) {
        char ch = data[idx];
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if (ch != WORD[idx]) return false;
    }
    return true;
}

static bool needs_quotes(const char *data, size_t size)
{
    if (size == 0) return true;
    if (is_null_word(data, size)) return true;
    for (size_t idx = 0; idx < size; idx++) {
        char ch = data[idx];
        if (ch == '{' || ch == '}' || ch == ',' || ch == '"' || ch == '\\' || is_array_space(ch)) {
            return true;
        }
    }
    return false;
}

static bool put_element(TextBuf *buf, const char *data, size_t size, bool quote_ok)
{
    if (!quote_ok || !needs_quotes(data, size)) return text_put(buf, data, size);
    if (!text_room(buf, 2 * size + 2)) return false;
    buf->data[buf->size++] = '"';
    for (size_t idx = 0; idx < size; idx++) {
        if (data[idx] == '"' || data[idx] == '\\') buf->data[buf->size++] = '\\';
        buf->data[buf->size++] = data[idx];
    }
    buf->data[buf->size++] = '"';
    return true;
}

/* elem_text_fn: the element type's output kernel; NULL for string types (bytes as they are). */
static Error *elem_text_fn(Type elem_type, KernFn *fn_out)
{
    *fn_out = NULL;
    if (type_is_string(elem_type.id)) return NULL;
    if (elem_type.id == TYPE_BOOL) {
        *fn_out = kern_out_bool;
        return NULL;
    }
    TRY(kern_cast_lookup(elem_type, type_plain(TYPE_TEXT), fn_out));
    if (*fn_out == NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "no output function for type %s",
                       type_name(elem_type.id));
    }
    return NULL;
}

/* load_elems: up to VEC_VALUE_COUNT_MAX elements from iter into elems (of elem_type). */
static Error *load_elems(ArrayIter *iter, Type elem_type, Arena *arena, Vector *elems,
                         uint32_t *count_out)
{
    vec_init(elems, elem_type, arena);
    if (elem_type.id == TYPE_NUMERIC) vec_init_phys(elems, elem_type, VEC_PHYS_NUMERIC, 0, arena);
    TRY(vec_reserve(elems, VEC_VALUE_COUNT_MAX));
    uint32_t count = 0;
    const uint8_t *data;
    int32_t size;
    while (count < VEC_VALUE_COUNT_MAX && array_next(iter, &data, &size)) {
        TRY(kern_array_elem_set(elems, count, data, size));
        count++;
    }
    *count_out = count;
    return NULL;
}

Error *kern_array_to_text(KernCtx *ctx, const ArrayView *view, Type elem_type, Arena *arena,
                          char **text_out, size_t *size_out)
{
    bool vector_form = false;
    TextBuf buf = { .arena = arena };
    if (elem_type.id == TYPE_INVALID) elem_type = type_plain((TypeId)view->elem_oid);
    /* int2vector / oidvector print as space-separated lists (int2vectorout) */
    vector_form = elem_type.typmod == -2;
    if (!vector_form && view->count > 0 && view->lower != 1) {
        char dims[48];
        int length = snprintf(dims, sizeof dims, "[%d:%lld]=", view->lower,
                              (long long)view->lower + view->count - 1);
        if (!text_put(&buf, dims, (size_t)length)) return oom_err();
    }
    if (!vector_form && !text_put(&buf, "{", 1)) return oom_err();
    if (vector_form) elem_type.typmod = TYPE_TYPMOD_NONE;
    KernFn fn = NULL;
    TRY(elem_text_fn(elem_type, &fn));
    ArrayIter iter = array_iter(view);
    uint32_t written = 0;
    for (;;) {
        Vector elems;
        uint32_t count = 0;
        TRY(load_elems(&iter, elem_type, ctx->arena, &elems, &count));
        if (count == 0) break;
        Vector texts = elems;
        if (fn != NULL) {
            vec_init(&texts, type_plain(TYPE_TEXT), ctx->arena);
            const Vector *args[1] = { &elems };
            TRY(fn(ctx, args, NULL, count, &texts));
        }
        for (uint32_t elem_idx = 0; elem_idx < count; elem_idx++, written++) {
            const char *sep = vector_form ? " " : ",";
            if (written > 0 && !text_put(&buf, sep, 1)) return oom_err();
            bool ok;
            if (vec_is_null(&elems, elem_idx)) {
                ok = text_put(&buf, "NULL", 4);
            } else {
                const StrView *text = &vec_str(&texts)[elem_idx];
                ok = put_element(&buf, str_view_data(text), text->size, !vector_form);
            }
            if (!ok) return oom_err();
        }
    }
    if (!vector_form && !text_put(&buf, "}", 1)) return oom_err();
    if (!text_room(&buf, 1)) return oom_err();
    buf.data[buf.size] = '\0';
    *text_out = buf.data;
    *size_out = buf.size;
    return NULL;
}

Error *kern_array_join(KernCtx *ctx, const ArrayView *view, Type elem_type, const char *sep,
                       size_t sep_size, const char *null_text, size_t null_size, Vector *out,
                       uint32_t row_idx)
{
    TextBuf buf = { .arena = ctx->arena };
    KernFn fn = NULL;
    TRY(elem_text_fn(elem_type, &fn));
    ArrayIter iter = array_iter(view);
    uint32_t written = 0;
    for (;;) {
        Vector elems;
        uint32_t count = 0;
        TRY(load_elems(&iter, elem_type, ctx->arena, &elems, &count));
        if (count == 0) break;
        Vector texts = elems;
        if (fn != NULL) {
            vec_init(&texts, type_plain(TYPE_TEXT), ctx->arena);
            const Vector *args[1] = { &elems };
            TRY(fn(ctx, args, NULL, count, &texts));
        }
        for (uint32_t elem_idx = 0; elem_idx < count; elem_idx++) {
            bool is_null = vec_is_null(&elems, elem_idx);
            if (is_null && null_text == NULL) continue;
            if (written++ > 0 && !text_put(&buf, sep, sep_size)) return oom_err();
            const StrView *text = &vec_str(&texts)[elem_idx];
            bool ok = is_null ? text_put(&buf, null_text, null_size)
                              : text_put(&buf, str_view_data(text), text->size);
            if (!ok) return oom_err();
        }
    }
    vec_set_valid(out, row_idx);
    return vec_str_set(out, row_idx, buf.size > 0 ? buf.data : "", (uint32_t)buf.size);
}

/* ---------------------------------------------------------------- text input ---- */

typedef struct ArrayParse {
    const char *text;      /* whole input, for messages */
    size_t      size;
    size_t      pos;
    Arena      *arena;
    /* elements: NUL-terminated strings, NULL for a NULL element */
    char      **elems;
    uint32_t    count, capacity;
} ArrayParse;

static Error *malformed(const ArrayParse *parse, const char *detail)
{
    Error *err = err_new(SQLSTATE_INVALID_TEXT_REPRESENTATION, "malformed array literal: \"%.*s\"",
                         (int)parse->size, parse->text);
    return err_set_detail(err, "%s", detail);
}

static Error *add_elem(ArrayParse *parse, char *elem)
{
    if (parse->count == parse->capacity) {
        uint32_t capacity = parse->capacity == 0 ? 16 : parse->capacity * 2;
        char **elems = arena_alloc(parse->arena, capacity * sizeof *elems);
        if (elems == NULL) return oom_err();
        if (parse->count > 0) memcpy(elems, parse->elems, parse->count * sizeof *elems);
        parse->elems = elems;
        parse->capacity = capacity;
    }
    parse->elems[parse->count++] = elem;
    return NULL;
}

static void skip_space(ArrayParse *parse)
{
    while (parse->pos < parse->size && is_array_space(parse->text[parse->pos])) parse->pos++;
}

/* parse_elem: one element at pos (after white space); stops at ',' or '}'. */
static Error *parse_elem(ArrayParse *parse)
{
    char *out = arena_alloc(parse->arena, parse->size - parse->pos + 1);
    if (out == NULL) return oom_err();
    size_t used = 0;
    size_t trailing_unquoted_space = 0;
    bool quoted_any = false;
    bool in_quotes = false;
    for (;;) {
        if (parse->pos >= parse->size) return malformed(parse, "Unexpected end of input.");
        char ch = parse->text[parse->pos];
        if (in_quotes) {
            parse->pos++;
            if (ch == '"') {
                in_quotes = false;
                continue;
            }
            if (ch == '\\') {
                if (parse->pos >= parse->size) return malformed(parse, "Unexpected end of input.");
                ch = parse->text[parse->pos++];
            }
            out[used++] = ch;
            trailing_unquoted_space = 0;
            continue;
        }
        if (ch == ',' || ch == '}') break;
        if (ch == '{') {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "multidimensional arrays are not supported");
        }
        parse->pos++;
        if (ch == '"') {
            if (used > 0 && !quoted_any) {
                return malformed(parse, "Unexpected array element.");
            }
            quoted_any = true;
            in_quotes = true;
            trailing_unquoted_space = 0;
            continue;
        }
        if (ch == '\\') {
            if (parse->pos >= parse->size) return malformed(parse, "Unexpected end of input.");
            out[used++] = parse->text[parse->pos++];
            trailing_unquoted_space = 0;
            continue;
        }
        if (is_array_space(ch)) {
            if (used == 0 && !quoted_any) continue;   /* leading white space */
            out[used++] = ch;
            trailing_unquoted_space++;
            continue;
        }
        if (quoted_any) return malformed(parse, "Unexpected array element.");
        out[used++] = ch;
        trailing_unquoted_space = 0;
    }
    used -= trailing_unquoted_space;
    out[used] = '\0';
    if (!quoted_any && used == 0) {
        char ch = parse->text[parse->pos];
        return malformed(parse, ch == ',' ? "Unexpected \",\" character."
                                          : "Unexpected \"}\" character.");
    }
    if (!quoted_any && is_null_word(out, used)) return add_elem(parse, NULL);
    return add_elem(parse, out);
}

/* parse_dims: an optional "[lo:hi]=" decoration (one dimension). */
static Error *parse_dims(ArrayParse *parse, int32_t *lower_out, int32_t *upper_out, bool *has_out)
{
    *has_out = false;
    if (parse->pos >= parse->size || parse->text[parse->pos] != '[') return NULL;
    long long bounds[2] = { 1, 0 };
    int bound_count = 0;
    parse->pos++;
    for (int part = 0; part < 2; part++) {
        char digits[24];
        size_t used = 0;
        while (parse->pos < parse->size && used + 1 < sizeof digits &&
               (parse->text[parse->pos] == '-' || parse->text[parse->pos] == '+' ||
                (parse->text[parse->pos] >= '0' && parse->text[parse->pos] <= '9'))) {
            digits[used++] = parse->text[parse->pos++];
        }
        digits[used] = '\0';
        if (used == 0) return malformed(parse, "\"[\" must introduce explicitly-specified array dimensions.");
        bounds[bound_count++] = strtoll(digits, NULL, 10);
        if (parse->pos < parse->size && parse->text[parse->pos] == ':' && part == 0) {
            parse->pos++;
            continue;
        }
        break;
    }
    if (parse->pos >= parse->size || parse->text[parse->pos] != ']') {
        return malformed(parse, "Missing \"]\" after array dimensions.");
    }
    parse->pos++;
    if (bound_count == 1) {
        bounds[1] = bounds[0];
        bounds[0] = 1;
    }
    if (parse->pos < parse->size && parse->text[parse->pos] == '[') {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "multidimensional arrays are not supported");
    }
    if (parse->pos >= parse->size || parse->text[parse->pos] != '=') {
        return malformed(parse, "Missing \"=\" after array dimensions.");
    }
    parse->pos++;
    if (bounds[1] < bounds[0] || bounds[0] < INT32_MIN || bounds[1] > INT32_MAX) {
        return err_new(SQLSTATE_INVALID_TEXT_REPRESENTATION,
                       "upper bound cannot be less than lower bound");
    }
    *lower_out = (int32_t)bounds[0];
    *upper_out = (int32_t)bounds[1];
    *has_out = true;
    return NULL;
}

static Error *parse_array_text(ArrayParse *parse, int32_t *lower_inout)
{
    skip_space(parse);
    int32_t lower = 1, upper = 0;
    bool has_dims = false;
    TRY(parse_dims(parse, &lower, &upper, &has_dims));
    skip_space(parse);
    if (parse->pos >= parse->size || parse->text[parse->pos] != '{') {
        return malformed(parse, "Array value must start with \"{\" or dimension information.");
    }
    parse->pos++;
    skip_space(parse);
    if (parse->pos < parse->size && parse->text[parse->pos] == '}') {
        parse->pos++;
    } else {
        for (;;) {
            skip_space(parse);
            TRY(parse_elem(parse));
            if (parse->pos >= parse->size) return malformed(parse, "Unexpected end of input.");
            char ch = parse->text[parse->pos++];
            if (ch == '}') break;
        }
    }
    skip_space(parse);
    if (parse->pos < parse->size) return malformed(parse, "Junk after closing right brace.");
    if (has_dims) {
        if ((int64_t)upper - lower + 1 != (int64_t)parse->count) {
            return malformed(parse, "Specified array dimensions do not match array contents.");
        }
        *lower_inout = lower;
    }
    return NULL;
}

/* elem_from_text_fn: the element type's input kernel (NULL for plain string types). */
static Error *elem_from_text_fn(Type elem_type, KernFn *fn_out)
{
    *fn_out = NULL;
    if (elem_type.id == TYPE_TEXT || elem_type.id == TYPE_NAME || elem_type.id == TYPE_UNKNOWN ||
        (elem_type.id == TYPE_VARCHAR && elem_type.typmod < 0)) {
        return NULL;
    }
    TRY(kern_cast_lookup(type_plain(TYPE_TEXT), elem_type, fn_out));
    return NULL;
}

Error *kern_array_from_text(KernCtx *ctx, const char *text, size_t size, Type elem_type,
                            int32_t lower, Arena *arena, const uint8_t **bytes_out,
                            size_t *size_out)
{
    ArrayParse parse = { .text = text, .size = size, .arena = ctx->arena };
    TRY(parse_array_text(&parse, &lower));
    KernFn fn = NULL;
    TRY(elem_from_text_fn(elem_type, &fn));
    ArrayBuilder builder;
    array_builder_init(&builder, arena, elem_type.id, lower);
    for (uint32_t start = 0; start < parse.count; start += VEC_VALUE_COUNT_MAX) {
        uint32_t count = parse.count - start;
        if (count > VEC_VALUE_COUNT_MAX) count = VEC_VALUE_COUNT_MAX;
        Vector texts;
        vec_init(&texts, type_plain(TYPE_TEXT), ctx->arena);
        TRY(vec_reserve(&texts, count));
        for (uint32_t elem_idx = 0; elem_idx < count; elem_idx++) {
            const char *elem = parse.elems[start + elem_idx];
            if (elem == NULL) {
                TRY(vec_set_null(&texts, elem_idx));
            } else {
                TRY(vec_str_set(&texts, elem_idx, elem, (uint32_t)strlen(elem)));
            }
        }
        Vector values = texts;
        if (fn != NULL) {
            vec_init(&values, elem_type, ctx->arena);
            if (elem_type.id == TYPE_NUMERIC && elem_type.typmod < 0) {
                vec_init_phys(&values, elem_type, VEC_PHYS_NUMERIC, 0, ctx->arena);
            }
            const Vector *args[1] = { &texts };
            TRY(fn(ctx, args, NULL, count, &values));
        }
        for (uint32_t elem_idx = 0; elem_idx < count; elem_idx++) {
            if (vec_is_null(&texts, elem_idx)) {
                array_builder_add(&builder, NULL, -1);
                continue;
            }
            uint8_t buf[16];
            const uint8_t *data;
            int32_t elem_size;
            TRY(kern_array_elem_get(&values, elem_idx, buf, ctx->arena, &data, &elem_size));
            array_builder_add(&builder, data, elem_size);
        }
    }
    *bytes_out = array_builder_finish(&builder, size_out);
    if (*bytes_out == NULL) return oom_err();
    return NULL;
}

/* ---------------------------------------------------------------- casts ---- */

/* vector_type_form: int2vector / oidvector print without braces (typmod -2 marks it). */
static Type output_elem_type(Type array_type)
{
    Type elem = kern_array_elem_type(array_type);
    if (array_type.id == TYPE_INT2VECTOR || array_type.id == TYPE_OIDVECTOR) elem.typmod = -2;
    return elem;
}

KERN_DECLARE(kern_cast_array_text)
{
    const Vector *array = args[0];
    TRY(kern_out_begin(out, args, 1, sel, count));
    Type elem_type = output_elem_type(array->type);
    FOR_ROWS(sel, count, {
        if (row_valid(array, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            char *text;
            size_t size;
            TRY(kern_array_to_text(ctx, &view, elem_type, ctx->arena, &text, &size));
            TRY(vec_str_set(out, r, text, (uint32_t)size));
        }
    });
    return NULL;
}

/* vector_text_to_braces: int2vector / oidvector input is a space-separated list. */
static Error *vector_text(KernCtx *ctx, const StrView *view, char **text_out, size_t *size_out)
{
    const char *data = str_view_data(view);
    char *text = arena_alloc(ctx->arena, (size_t)view->size + 3);
    if (text == NULL) return oom_err();
    size_t used = 0;
    text[used++] = '{';
    bool pending = false;
    for (uint32_t idx = 0; idx < view->size; idx++) {
        if (is_array_space(data[idx])) {
            pending = used > 1;
            continue;
        }
        if (pending) text[used++] = ',';
        pending = false;
        text[used++] = data[idx];
    }
    text[used++] = '}';
    *text_out = text;
    *size_out = used;
    return NULL;
}

KERN_DECLARE(kern_cast_text_array)
{
    const Vector *text = args[0];
    TRY(kern_out_begin(out, args, 1, sel, count));
    Type elem_type = kern_array_elem_type(out->type);
    bool vector_form = out->type.id == TYPE_INT2VECTOR || out->type.id == TYPE_OIDVECTOR;
    FOR_ROWS(sel, count, {
        if (row_valid(text, r)) {
            const StrView *view = str_at(text, r);
            const char *data = str_view_data(view);
            size_t size = view->size;
            if (vector_form) {
                char *braces;
                TRY(vector_text(ctx, view, &braces, &size));
                data = braces;
            }
            const uint8_t *bytes;
            size_t bytes_size;
            TRY(kern_array_from_text(ctx, data, size, elem_type, vector_form ? 0 : 1, out->arena,
                                     &bytes, &bytes_size));
            TRY(kern_array_set(out, r, bytes, bytes_size));
        }
    });
    return NULL;
}

/* cast_one: one array of from's elements into to's element type with fn (NULL: relabel). */
static Error *cast_one(KernCtx *ctx, const ArrayView *view, KernFn fn, Type from_elem,
                       Type to_elem, int32_t lower, Arena *arena, const uint8_t **bytes_out,
                       size_t *size_out)
{
    ArrayBuilder builder;
    array_builder_init(&builder, arena, to_elem.id, lower);
    ArrayIter iter = array_iter(view);
    for (;;) {
        Vector elems;
        uint32_t count = 0;
        TRY(load_elems(&iter, from_elem, ctx->arena, &elems, &count));
        if (count == 0) break;
        Vector values = elems;
        if (fn != NULL) {
            vec_init(&values, to_elem, ctx->arena);
            if (to_elem.id == TYPE_NUMERIC && to_elem.typmod < 0) {
                vec_init_phys(&values, to_elem, VEC_PHYS_NUMERIC, 0, ctx->arena);
            }
            const Vector *argv[1] = { &elems };
            TRY(fn(ctx, argv, NULL, count, &values));
        }
        values.type = to_elem;
        for (uint32_t elem_idx = 0; elem_idx < count; elem_idx++) {
            if (vec_is_null(&values, elem_idx)) {
                array_builder_add(&builder, NULL, -1);
                continue;
            }
            uint8_t buf[16];
            const uint8_t *data = NULL;
            int32_t size = 0;
            TRY(kern_array_elem_get(&values, elem_idx, buf, ctx->arena, &data, &size));
            array_builder_add(&builder, data, size);
        }
    }
    *bytes_out = array_builder_finish(&builder, size_out);
    return *bytes_out == NULL ? oom_err() : NULL;
}

KERN_DECLARE(kern_cast_array_array)
{
    const Vector *array = args[0];
    TRY(kern_out_begin(out, args, 1, sel, count));
    Type from_elem = kern_array_elem_type(array->type);
    Type to_elem = kern_array_elem_type(out->type);
    bool to_vector = out->type.id == TYPE_INT2VECTOR || out->type.id == TYPE_OIDVECTOR;
    KernFn fn = NULL;
    if (from_elem.id != to_elem.id || (to_elem.typmod >= 0 && to_elem.typmod != from_elem.typmod)) {
        TRY(kern_cast_lookup(from_elem, to_elem, &fn));
        VecPhys from_phys = type_phys(from_elem), to_phys = type_phys(to_elem);
        if (fn == NULL && from_phys != to_phys) {
            return err_new(SQLSTATE_CANNOT_COERCE, "cannot cast type %s to %s",
                           type_name(array->type.id), type_name(out->type.id));
        }
    }
    FOR_ROWS(sel, count, {
        if (row_valid(array, r)) {
            ArrayView view;
            TRY(kern_array_view(array, r, &view));
            const uint8_t *bytes;
            size_t size;
            int32_t lower = to_vector ? 0 : (view.count > 0 && view.lower == 0 ? 1 : view.lower);
            TRY(cast_one(ctx, &view, fn, from_elem, to_elem, lower, out->arena, &bytes, &size));
            TRY(kern_array_set(out, r, bytes, size));
        }
    });
    return NULL;
}

static bool is_array_type(uint32_t id) { return type_array_elem(id) != TYPE_INVALID; }

Error *kern_array_cast_lookup(Type from, Type to, KernFn *fn_out, bool *handled_out)
{
    *fn_out = NULL;
    *handled_out = false;
    bool from_array = is_array_type(from.id), to_array = is_array_type(to.id);
    if (!from_array && !to_array) return NULL;
    *handled_out = true;
    if (from_array && to_array) {
        if (from.id == to.id && (to.typmod < 0 || to.typmod == from.typmod)) return NULL;
        *fn_out = kern_cast_array_array;
        return NULL;
    }
    if (from_array && type_is_string(to.id) && to.id != TYPE_CHAR) {
        *fn_out = kern_cast_array_text;
        return NULL;
    }
    if (to_array && type_is_string(from.id)) {
        *fn_out = kern_cast_text_array;
        return NULL;
    }
    return err_new(SQLSTATE_CANNOT_COERCE, "cannot cast type %s to %s", type_name(from.id),
                   type_name(to.id));
}

/* utf8_valid: well-formed UTF-8 without NUL bytes (PostgreSQL text). */
static bool utf8_valid(const uint8_t *data, int32_t size)
{
    int32_t idx = 0;
    while (idx < size) {
        uint8_t byte = data[idx];
        int32_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3
                       : (byte >> 3) == 0x1E ? 4 : 0;
        if (byte == 0 || length == 0 || idx + length > size) return false;
        for (int32_t cont = 1; cont < length; cont++) {
            if ((data[idx + cont] & 0xC0) != 0x80) return false;
        }
        if (length == 2 && byte < 0xC2) return false;
        idx += length;
    }
    return true;
}

Error *kern_array_check_binary(Type type, const void *data, size_t size)
{
    ArrayView view;
    TRY(array_decode(data, size, &view));
    Type elem = kern_array_elem_type(type);
    if (view.elem_oid != elem.id) {
        return err_new(SQLSTATE_DATATYPE_MISMATCH, "wrong element type");
    }
    if (!type_is_string(elem.id)) return NULL;
    ArrayIter iter = array_iter(&view);
    const uint8_t *elem_data;
    int32_t elem_size;
    while (array_next(&iter, &elem_data, &elem_size)) {
        if (elem_data != NULL && !utf8_valid(elem_data, elem_size)) {
            return err_new(SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE,
                           "invalid byte sequence for encoding \"UTF8\"");
        }
    }
    return NULL;
}

Error *kern_array_builder_add_value(ArrayBuilder *builder, const Vector *vec, uint32_t row_idx,
                                    Arena *scratch)
{
    if (vec_is_null(vec, row_idx)) {
        array_builder_add(builder, NULL, -1);
        return NULL;
    }
    uint8_t buf[16];
    const uint8_t *data;
    int32_t size;
    TRY(kern_array_elem_get(vec, row_idx, buf, scratch, &data, &size));
    array_builder_add(builder, data, size);
    return NULL;
}

/* ---------------------------------------------------------------- sort keys ---- */

static bool key_room_put(TextBuf *buf, const void *data, size_t size)
{
    return text_put(buf, data, size);
}

static bool key_int(TextBuf *buf, int64_t value)
{
    uint8_t bytes[8];
    enc_u64be(bytes, (uint64_t)value ^ (UINT64_C(1) << 63));
    return key_room_put(buf, bytes, 8);
}

static bool key_double(TextBuf *buf, double value)
{
    uint64_t bits;
    if (value == 0) value = 0;                 /* -0 = 0 */
    if (isnan(value)) value = NAN;             /* one NaN, above everything */
    memcpy(&bits, &value, 8);
    bits = (bits >> 63) != 0 ? ~bits : bits | (UINT64_C(1) << 63);
    uint8_t bytes[8];
    enc_u64be(bytes, bits);
    return key_room_put(buf, bytes, 8);
}

static bool key_escaped(TextBuf *buf, const uint8_t *data, int32_t size)
{
    static const uint8_t ZERO_ESCAPE[2] = { 0x00, 0xFF }, END[2] = { 0x00, 0x00 };
    for (int32_t idx = 0; idx < size; idx++) {
        bool ok = data[idx] == 0 ? key_room_put(buf, ZERO_ESCAPE, 2) : key_room_put(buf, data + idx, 1);
        if (!ok) return false;
    }
    return key_room_put(buf, END, 2);
}

/* key_numeric_elem: numeric_send bytes as an order-preserving key (storage/key.h's). */
static Error *key_numeric_elem(TextBuf *buf, const uint8_t *data, int32_t size)
{
    uint16_t digit_count = dec_u16be(data);
    uint16_t sign = dec_u16be(data + 4);
    uint16_t digits[1024];
    if (digit_count > 1024) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "numeric array element too long for a key");
    }
    for (uint16_t digit_idx = 0; digit_idx < digit_count; digit_idx++) {
        digits[digit_idx] = dec_u16be(data + 8 + 2 * digit_idx);
    }
    KeyNumeric key = {
        .is_nan = sign == 0xC000,
        .is_infinite = sign == 0xD000 || sign == 0xF000,
        .sign = (int8_t)(sign == 0x4000 || sign == 0xF000 ? -1 : digit_count == 0 && sign == 0 ? 0 : 1),
        .weight = (int16_t)dec_u16be(data + 2),
        .digit_count = digit_count,
        .digits = digits,
    };
    uint8_t memory[KEY_SIZE_MAX];
    KeyBuf key_buf;
    key_buf_init(&key_buf, memory, sizeof memory);
    TRY(key_append_numeric(&key_buf, KEY_ASC, &key));
    (void)size;
    return key_room_put(buf, key_buf.bytes, key_buf.size) ? NULL : oom_err();
}

static Error *key_elem(TextBuf *buf, uint32_t elem_oid, const uint8_t *data, int32_t size)
{
    bool ok = true;
    switch (elem_oid) {
    case TYPE_BOOL: ok = key_int(buf, data[0] != 0); break;
    case TYPE_INT2: ok = key_int(buf, (int16_t)dec_u16be(data)); break;
    case TYPE_INT4:
    case TYPE_DATE: ok = key_int(buf, (int32_t)dec_u32be(data)); break;
    case TYPE_INT8:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: ok = key_int(buf, (int64_t)dec_u64be(data)); break;
    case TYPE_FLOAT4: {
        uint32_t bits = dec_u32be(data);
        float value;
        memcpy(&value, &bits, 4);
        ok = key_double(buf, value);
        break;
    }
    case TYPE_FLOAT8: {
        uint64_t bits = dec_u64be(data);
        double value;
        memcpy(&value, &bits, 8);
        ok = key_double(buf, value);
        break;
    }
    case TYPE_NUMERIC: return key_numeric_elem(buf, data, size);
    case TYPE_INTERVAL: {
        __int128 span = interval_span(data);
        ok = key_int(buf, (int64_t)(span >> 64)) && key_int(buf, (int64_t)(uint64_t)span);
        break;
    }
    case TYPE_BPCHAR:
        while (size > 0 && data[size - 1] == ' ') size--;
        ok = key_escaped(buf, data, size);
        break;
    default:
        ok = is_oid_like(elem_oid) ? key_int(buf, dec_u32be(data)) : key_escaped(buf, data, size);
        break;
    }
    return ok ? NULL : oom_err();
}

Error *kern_array_sort_bytes(const Vector *vec, uint32_t row_idx, Arena *arena,
                             const uint8_t **bytes_out, size_t *size_out)
{
    ArrayView view;
    TRY(kern_array_view(vec, row_idx, &view));
    TextBuf buf = { .arena = arena };
    ArrayIter iter = array_iter(&view);
    const uint8_t *data;
    int32_t size;
    static const uint8_t PRESENT = 0x01, ABSENT = 0x02, END = 0x00;
    while (array_next(&iter, &data, &size)) {
        if (data == NULL) {
            if (!key_room_put(&buf, &ABSENT, 1)) return oom_err();
            continue;
        }
        if (!key_room_put(&buf, &PRESENT, 1)) return oom_err();
        TRY(key_elem(&buf, view.elem_oid, data, size));
    }
    if (!key_room_put(&buf, &END, 1)) return oom_err();
    *bytes_out = (const uint8_t *)buf.data;
    *size_out = buf.size;
    return NULL;
}
