/* executor/rowcodec.c: between vectors and stored rows / keys.
 *
 * Row values follow the table's RowLayout kinds (catalog_row_kind): fixed values little-endian
 * (bool 1 byte, int2 2, int4/float4/date 4, int8/float8/oid/time/timestamp[tz] 8, interval 16 as
 * {int64 microseconds, int32 days, int32 months}); strings and bytea as their bytes; numeric as
 * numeric_serialize whatever the typmod. A vector whose integer or float width differs from the
 * column's (an int4 vector for an int8 column) is widened or narrowed to the column's width
 * when encoding; decoding fills the vector's own physical form (a NUM64 vector gets the value
 * at its scale).
 *
 * Keys (storage/key.h): integers of every width (and oid) as int64, float4 and float8 as
 * float64, numeric through KeyNumeric (canonical digits: 1.5 = 1.50), text-like types as text
 * (CHAR(n) without its trailing spaces, so 'a ' = 'a' as PostgreSQL compares bpchar), bytea as
 * bytes, date, time (as int64), timestamp[tz], interval, bool.
 *
 * Row keys are always one key_append_int64 column (a clustered integer key or a hidden row id),
 * i.e. ROWCODEC_ROW_KEY_SIZE bytes; an index entry key is the index columns followed by those
 * bytes, so the row key of an entry is its last ROWCODEC_ROW_KEY_SIZE bytes.
 */
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "executor/op_int.h"
#include "executor/kern_array.h"   /* arrays: array_decode */

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static Error *corrupt(const CatTable *table, int16_t attnum, const char *what)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "invalid stored value in column %d of relation \"%s\": %s",
                   (int)attnum, table->name != NULL ? table->name : "?", what);
}

/* ---------------------------------------------------------------- decode ---- */

static Error *decode_int(const uint8_t *bytes, size_t size, int64_t *value_out)
{
    switch (size) {
    case 1: *value_out = (int8_t)bytes[0]; return NULL;
    case 2: *value_out = (int16_t)dec_u16le(bytes); return NULL;
    case 4: *value_out = (int32_t)dec_u32le(bytes); return NULL;
    case 8: *value_out = (int64_t)dec_u64le(bytes); return NULL;
    default: return err_new(SQLSTATE_DATA_CORRUPTED, "integer value of %zu bytes", size);
    }
}

static Error *decode_float(const uint8_t *bytes, size_t size, double *value_out)
{
    if (size == 4) {
        uint32_t bits = dec_u32le(bytes);
        float value;
        memcpy(&value, &bits, sizeof value);
        *value_out = value;
        return NULL;
    }
    if (size == 8) {
        uint64_t bits = dec_u64le(bytes);
        memcpy(value_out, &bits, sizeof *value_out);
        return NULL;
    }
    return err_new(SQLSTATE_DATA_CORRUPTED, "float value of %zu bytes", size);
}

/* decode_value: one non-NULL stored value into out row row_idx (out's phys). */
static Error *decode_value(const RowValue *value, Vector *out, uint32_t row_idx)
{
    const uint8_t *bytes = value->bytes;
    size_t size = value->size;
    vec_set_valid(out, row_idx);
    switch ((VecPhys)out->phys) {
    case VEC_PHYS_BOOL:
        if (size != 1) return err_new(SQLSTATE_DATA_CORRUPTED, "boolean value of %zu bytes", size);
        vec_bool(out)[row_idx] = bytes[0] != 0;
        return NULL;
    case VEC_PHYS_I16:
    case VEC_PHYS_I32:
    case VEC_PHYS_I64: {
        int64_t number = 0;
        TRY(decode_int(bytes, size, &number));
        if (out->phys == VEC_PHYS_I16) vec_i16(out)[row_idx] = (int16_t)number;
        else if (out->phys == VEC_PHYS_I32) vec_i32(out)[row_idx] = (int32_t)number;
        else vec_i64(out)[row_idx] = number;
        return NULL;
    }
    case VEC_PHYS_F32:
    case VEC_PHYS_F64: {
        double number = 0;
        TRY(decode_float(bytes, size, &number));
        if (out->phys == VEC_PHYS_F32) vec_f32(out)[row_idx] = (float)number;
        else vec_f64(out)[row_idx] = number;
        return NULL;
    }
    case VEC_PHYS_STR:
        if (size > UINT32_MAX) return err_new(SQLSTATE_DATA_CORRUPTED, "string too long");
        return vec_str_set(out, row_idx, (const char *)bytes, (uint32_t)size);
    case VEC_PHYS_ARRAY: {
        /* arrays: stored as their encoding; checked before any kernel walks it */
        ArrayView view;
        if (size > UINT32_MAX) return err_new(SQLSTATE_DATA_CORRUPTED, "array too long");
        TRY(array_decode(bytes, size, &view));
        return vec_str_set(out, row_idx, (const char *)bytes, (uint32_t)size);
    }
    case VEC_PHYS_INTERVAL: {
        if (size != 16) return err_new(SQLSTATE_DATA_CORRUPTED, "interval value of %zu bytes", size);
        DtInterval *slot = &((DtInterval *)out->data)[row_idx];
        slot->time = (int64_t)dec_u64le(bytes);
        slot->day = (int32_t)dec_u32le(bytes + 8);
        slot->month = (int32_t)dec_u32le(bytes + 12);
        return NULL;
    }
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: {
        Numeric num;
        Error *err = numeric_deserialize(bytes, size, out->arena, &num);
        if (err != NULL) {
            if (err->state == SQLSTATE_INVALID_BINARY_REPRESENTATION) err->state = SQLSTATE_DATA_CORRUPTED;
            return err;
        }
        if (out->phys == VEC_PHYS_NUMERIC) return vec_numeric_set(out, row_idx, &num);
        int64_t scaled;
        if (!numeric_to_scaled_i64(&num, out->numeric_scale, &scaled)) {
            return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
        }
        vec_i64(out)[row_idx] = scaled;
        return NULL;
    }
    default:
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot decode values of type %s",
                       type_name(out->type.id));
    }
}

Error *rowcodec_decode_column(const CatTable *table, int16_t attnum, const uint8_t *record,
                              size_t record_size, const uint8_t *key, size_t key_size,
                              Vector *out, uint32_t row_idx)
{
    VERIFY(row_idx < out->capacity);
    if (attnum == CAT_ATTNUM_ROWKEY) {
        return vec_str_set(out, row_idx, (const char *)key, (uint32_t)key_size);
    }
    if (attnum == CAT_ATTNUM_XID) {
        RowHeader header;
        TRY(row_header_read(record, record_size, &header));
        vec_set_valid(out, row_idx);
        vec_i64(out)[row_idx] = (int64_t)header.xid;
        return NULL;
    }
    if (attnum < 1 || attnum > table->column_count) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "column %d is not in relation \"%s\"", (int)attnum,
                       table->name);
    }
    if (table->columns[attnum - 1].dropped) return vec_set_null(out, row_idx);
    RowValue value;
    TRY(row_column(table->layout, record, record_size, (size_t)(attnum - 1), &value));
    if (value.is_null) return vec_set_null(out, row_idx);
    Error *err = decode_value(&value, out, row_idx);
    if (err != NULL && err->state == SQLSTATE_DATA_CORRUPTED) {
        Error *wrapped = corrupt(table, attnum, err->message);
        err_free(err);
        return wrapped;
    }
    return err;
}

/* ---------------------------------------------------------------- encode ---- */

/* encode_value: value row_idx of vec as the stored bytes of a column of kind (in arena). */
static Error *encode_value(const Vector *vec, uint32_t row_idx, RowKind kind, Arena *arena,
                           RowValue *value_out)
{
    uint32_t slot = vec->is_constant ? 0 : row_idx;
    if (vec_is_null(vec, slot)) {
        *value_out = (RowValue){ .is_null = true };
        return NULL;
    }
    uint8_t *fixed = NULL;
    if (kind != ROW_KIND_VAR) {
        fixed = arena_alloc(arena, 16);
        if (fixed == NULL) return oom();
    }
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_BOOL:
    case VEC_PHYS_I16:
    case VEC_PHYS_I32:
    case VEC_PHYS_I64: {
        int64_t number = vec->phys == VEC_PHYS_BOOL ? vec_bool(vec)[slot]
                         : vec->phys == VEC_PHYS_I16 ? vec_i16(vec)[slot]
                         : vec->phys == VEC_PHYS_I32 ? vec_i32(vec)[slot] : vec_i64(vec)[slot];
        switch (kind) {
        case ROW_KIND_FIXED1: fixed[0] = (uint8_t)number; break;
        case ROW_KIND_FIXED2: enc_u16le(fixed, (uint16_t)number); break;
        case ROW_KIND_FIXED4: enc_u32le(fixed, (uint32_t)number); break;
        case ROW_KIND_FIXED8: enc_u64le(fixed, (uint64_t)number); break;
        default: goto mismatch;
        }
        break;
    }
    case VEC_PHYS_F32:
    case VEC_PHYS_F64: {
        double number = vec->phys == VEC_PHYS_F32 ? vec_f32(vec)[slot] : vec_f64(vec)[slot];
        if (kind == ROW_KIND_FIXED4) {
            float narrow = (float)number;
            uint32_t bits;
            memcpy(&bits, &narrow, sizeof bits);
            enc_u32le(fixed, bits);
        } else if (kind == ROW_KIND_FIXED8) {
            uint64_t bits;
            memcpy(&bits, &number, sizeof bits);
            enc_u64le(fixed, bits);
        } else {
            goto mismatch;
        }
        break;
    }
    case VEC_PHYS_INTERVAL: {
        if (kind != ROW_KIND_FIXED16) goto mismatch;
        const DtInterval *span = &((const DtInterval *)vec->data)[slot];
        enc_u64le(fixed, (uint64_t)span->time);
        enc_u32le(fixed + 8, (uint32_t)span->day);
        enc_u32le(fixed + 12, (uint32_t)span->month);
        break;
    }
    case VEC_PHYS_STR:
    case VEC_PHYS_ARRAY: { /* arrays: variable-length bytes, like text */
        if (kind != ROW_KIND_VAR) goto mismatch;
        const StrView *view = &vec_str(vec)[slot];
        *value_out = (RowValue){ .is_null = false, .bytes = (const uint8_t *)str_view_data(view),
                                 .size = view->size };
        return NULL;
    }
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: {
        if (kind != ROW_KIND_VAR) goto mismatch;
        Numeric num;
        TRY(vec_numeric_get(vec, slot, arena, &num));
        size_t size = numeric_serialized_size(&num);
        uint8_t *bytes = arena_alloc(arena, size);
        if (bytes == NULL) return oom();
        numeric_serialize(&num, bytes);
        *value_out = (RowValue){ .is_null = false, .bytes = bytes, .size = size };
        return NULL;
    }
    default:
        goto mismatch;
    }
    *value_out = (RowValue){ .is_null = false, .bytes = fixed, .size = (size_t)kind };
    return NULL;
mismatch:
    return err_new(SQLSTATE_DATATYPE_MISMATCH, "cannot store a value of type %s in a column of "
                   "storage width %d", type_name(vec->type.id), (int)kind);
}

Error *rowcodec_encode(const CatTable *table, const Vector *columns, uint32_t row_idx,
                       Arena *arena, uint8_t **record_out, size_t *record_size_out)
{
    size_t column_count = row_layout_column_count(table->layout);
    RowValue *values = arena_alloc(arena, (column_count > 0 ? column_count : 1) * sizeof *values);
    if (values == NULL) return oom();
    for (size_t col_idx = 0; col_idx < column_count; col_idx++) {
        if (col_idx >= table->column_count || table->columns[col_idx].dropped) {
            values[col_idx] = (RowValue){ .is_null = true };
            continue;
        }
        Error *err = encode_value(&columns[col_idx], row_idx,
                                  row_layout_kind(table->layout, col_idx), arena,
                                  &values[col_idx]);
        if (err != NULL) {
            return err_set_object(err, table->namespace_name, table->name,
                                  table->columns[col_idx].name, NULL);
        }
    }
    size_t size;
    TRY(row_size(table->layout, values, &size));
    uint8_t *record = arena_alloc(arena, size);
    if (record == NULL) return oom();
    RowHeader header = { 0 };
    row_encode(table->layout, &header, values, record, size);
    *record_out = record;
    *record_size_out = size;
    return NULL;
}

/* ---------------------------------------------------------------- keys ---- */

static Error *key_limit(Error *err)
{
    if (err == NULL) return NULL;
    if (err->state != SQLSTATE_PROGRAM_LIMIT_EXCEEDED) return err;
    err_free(err);
    return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "index row size exceeds maximum");
}

static Error *key_numeric(KeyBuf *buf, KeyDir dir, const Vector *vec, uint32_t slot)
{
    Numeric num;
    Arena *scratch = NULL;
    if (vec->phys == VEC_PHYS_NUMERIC) {
        num = vec_numeric(vec)[slot];
    } else {
        int64_t scaled = vec_i64(vec)[slot];
        if (scaled == 0) {
            KeyNumeric zero = { .sign = 0 };
            return key_append_numeric(buf, dir, &zero);
        }
        scratch = arena_create(1024);
        if (scratch == NULL) return oom();
        Error *err = numeric_from_scaled_i64(scaled, vec->numeric_scale, scratch, &num);
        if (err != NULL) {
            arena_destroy(scratch);
            return err;
        }
    }
    KeyNumeric key = { 0 };
    Error *err = NULL;
    if (num.kind == NUMERIC_KIND_NAN) {
        key.is_nan = true;
    } else if (num.kind == NUMERIC_KIND_PINF || num.kind == NUMERIC_KIND_NINF) {
        key.is_infinite = true;
        key.sign = num.kind == NUMERIC_KIND_PINF ? 1 : -1;
    } else if (num.digit_count > 0) {
        bool all_zero = true;
        for (int32_t idx = 0; idx < num.digit_count; idx++) {
            all_zero = all_zero && num.digits[idx] == 0;
        }
        if (!all_zero) {
            key.sign = num.negative ? -1 : 1;
            key.weight = num.weight;
            key.digit_count = (uint16_t)num.digit_count;
            key.digits = num.digits;
        }
        if (num.digit_count > KEY_NUMERIC_DIGIT_COUNT_MAX) {
            err = err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "index row size exceeds maximum");
        }
    }
    if (err == NULL) err = key_append_numeric(buf, dir, &key);
    if (scratch != NULL) arena_destroy(scratch);
    return err;
}

/* bpchar_size: the size without trailing spaces (CHAR(n) comparison semantics). */
static uint32_t bpchar_size(const char *data, uint32_t size)
{
    while (size > 0 && data[size - 1] == ' ') size--;
    return size;
}

Error *rowcodec_key_append(KeyBuf *buf, KeyDir dir, const Vector *vec, uint32_t row_idx)
{
    uint32_t slot = vec->is_constant ? 0 : row_idx;
    if (vec_is_null(vec, slot)) return key_limit(key_append_null(buf, dir));
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_BOOL: return key_limit(key_append_bool(buf, dir, vec_bool(vec)[slot] != 0));
    case VEC_PHYS_I16: return key_limit(key_append_int64(buf, dir, vec_i16(vec)[slot]));
    case VEC_PHYS_I32:
        if (vec->type.id == TYPE_DATE) {
            return key_limit(key_append_date(buf, dir, vec_i32(vec)[slot]));
        }
        return key_limit(key_append_int64(buf, dir, vec_i32(vec)[slot]));
    case VEC_PHYS_I64:
        if (vec->type.id == TYPE_TIMESTAMP || vec->type.id == TYPE_TIMESTAMPTZ) {
            return key_limit(key_append_timestamp(buf, dir, vec_i64(vec)[slot]));
        }
        return key_limit(key_append_int64(buf, dir, vec_i64(vec)[slot]));
    case VEC_PHYS_F32: return key_limit(key_append_float64(buf, dir, vec_f32(vec)[slot]));
    case VEC_PHYS_F64: return key_limit(key_append_float64(buf, dir, vec_f64(vec)[slot]));
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: return key_limit(key_numeric(buf, dir, vec, slot));
    case VEC_PHYS_STR: {
        const StrView *view = &vec_str(vec)[slot];
        const char *data = str_view_data(view);
        if (vec->type.id == TYPE_BYTEA) {
            return key_limit(key_append_bytes(buf, dir, (const uint8_t *)data, view->size));
        }
        uint32_t size = vec->type.id == TYPE_BPCHAR ? bpchar_size(data, view->size) : view->size;
        return key_limit(key_append_text(buf, dir, data, size));
    }
    case VEC_PHYS_INTERVAL: {
        const DtInterval *span = &((const DtInterval *)vec->data)[slot];
        KeyInterval key = { .months = span->month, .days = span->day,
                            .microseconds = span->time };
        return key_limit(key_append_interval(buf, dir, &key));
    }
    default:
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "type %s cannot be part of a key",
                       type_name(vec->type.id));
    }
}

Error *rowcodec_row_key(Catalog *catalog, const CatTable *table, const Vector *columns,
                        uint32_t row_idx, KeyBuf *buf)
{
    if (table->cluster_attnum > 0) {
        VERIFY(table->cluster_attnum <= table->column_count);
        const Vector *vec = &columns[table->cluster_attnum - 1];
        uint32_t slot = vec->is_constant ? 0 : row_idx;
        const CatColumn *column = &table->columns[table->cluster_attnum - 1];
        if (vec_is_null(vec, slot)) {
            Error *err = err_new(SQLSTATE_NOT_NULL_VIOLATION,
                                 "null value in column \"%s\" of relation \"%s\" violates "
                                 "not-null constraint", column->name, table->name);
            return err_set_object(err, table->namespace_name, table->name, column->name, NULL);
        }
        int64_t value;
        switch ((VecPhys)vec->phys) {
        case VEC_PHYS_I16: value = vec_i16(vec)[slot]; break;
        case VEC_PHYS_I32: value = vec_i32(vec)[slot]; break;
        case VEC_PHYS_I64: value = vec_i64(vec)[slot]; break;
        default:
            return err_new(SQLSTATE_INTERNAL_ERROR, "clustered key column of type %s",
                           type_name(vec->type.id));
        }
        return key_limit(key_append_int64(buf, KEY_ASC, value));
    }
    int64_t rowid;
    TRY(catalog_next_rowid(catalog, table, &rowid));
    return key_limit(key_append_int64(buf, KEY_ASC, rowid));
}

/* rowcodec_index_dir: the KeyDir of key column key_idx of index. */
KeyDir rowcodec_index_dir(const CatIndex *index, uint32_t key_idx)
{
    bool descending = index->descending != NULL && index->descending[key_idx];
    bool nulls_first = index->nulls_first != NULL ? index->nulls_first[key_idx] : descending;
    return key_dir_make(descending, nulls_first);
}

Error *rowcodec_index_key(const CatIndex *index, const Vector *columns, uint32_t row_idx,
                          const uint8_t *row_key, size_t row_key_size, KeyBuf *buf,
                          size_t *unique_prefix_out, bool *has_null_out)
{
    bool has_null = false;
    for (uint32_t key_idx = 0; key_idx < index->key_count; key_idx++) {
        int16_t attnum = index->attnums[key_idx];
        VERIFY(attnum >= 1);
        const Vector *vec = &columns[attnum - 1];
        if (vec_is_null(vec, vec->is_constant ? 0 : row_idx)) has_null = true;
        TRY(rowcodec_key_append(buf, rowcodec_index_dir(index, key_idx), vec, row_idx));
    }
    if (unique_prefix_out != NULL) *unique_prefix_out = buf->size;
    if (has_null_out != NULL) *has_null_out = has_null;
    /* the row key is one int64 column: re-append it (the same bytes) */
    KeyReader reader;
    key_reader_init(&reader, row_key, row_key_size);
    bool is_null = false;
    int64_t value = 0;
    TRY(key_read_int64(&reader, KEY_ASC, &is_null, &value));
    if (is_null || !key_reader_at_end(&reader)) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "row key is not a 64-bit key");
    }
    return key_limit(key_append_int64(buf, KEY_ASC, value));
}
