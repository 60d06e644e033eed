/* storage/row.c: the row record format (byte layout table in row.h).
 *
 * A RowLayout precomputes, for every column, its fixed offset or variable index, and for every
 * prefix length n the fixed area size F(n) and variable count V(n), so that a record with fewer
 * columns than the table (written before ALTER TABLE ADD COLUMN) is read with the same O(1)
 * arithmetic as a full one. Records come from pages: every offset read from one is checked
 * against the record size before use and a bad one is DATA_CORRUPTED, never an assert.
 */
#include "storage/row.h"

#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"

typedef struct RowColumn {
    RowKind  kind;
    uint32_t fixed_offset;   /* fixed column: offset in the fixed area */
    uint32_t var_idx;        /* variable column: index in the offset table */
    RowValue missing;        /* read when a record predates the column */
} RowColumn;

struct RowLayout {
    size_t     column_count;
    RowColumn *columns;          /* [column_count] */
    uint32_t  *fixed_size_upto;  /* [column_count + 1]: F(n) */
    uint32_t  *var_count_upto;   /* [column_count + 1]: V(n) */
};

/* RecordShape: where the parts of a record with column_count columns start. */
typedef struct RecordShape {
    size_t column_count;
    size_t fixed_start;
    size_t table_start;
    size_t data_start;
    size_t var_count;
} RecordShape;

#ifndef NDEBUG
static bool kind_is_valid(RowKind kind)   /* checker: called only from ASSERT */
{
    return kind == ROW_KIND_VAR || kind == ROW_KIND_FIXED1 || kind == ROW_KIND_FIXED2 ||
           kind == ROW_KIND_FIXED4 || kind == ROW_KIND_FIXED8 || kind == ROW_KIND_FIXED16;
}
#endif

Error *row_layout_new(Arena *arena, const RowKind *kinds, size_t column_count,
                      RowLayout **layout_out)
{
    if (column_count > ROW_COLUMN_COUNT_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "tables can have at most %d columns",
                       ROW_COLUMN_COUNT_MAX);
    }
    RowLayout *layout = arena_alloc(arena, sizeof *layout);
    RowColumn *columns = arena_alloc(arena, column_count * sizeof *columns);
    uint32_t *fixed_size_upto = arena_alloc(arena, (column_count + 1) * sizeof(uint32_t));
    uint32_t *var_count_upto = arena_alloc(arena, (column_count + 1) * sizeof(uint32_t));
    if (layout == NULL || columns == NULL || fixed_size_upto == NULL || var_count_upto == NULL) {
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    fixed_size_upto[0] = 0;
    var_count_upto[0] = 0;
    for (size_t col_idx = 0; col_idx < column_count; col_idx++) {
        ASSERT(kind_is_valid(kinds[col_idx]));
        columns[col_idx] = (RowColumn){
            .kind = kinds[col_idx],
            .fixed_offset = fixed_size_upto[col_idx],
            .var_idx = var_count_upto[col_idx],
            .missing = {.is_null = true},
        };
        fixed_size_upto[col_idx + 1] = fixed_size_upto[col_idx] + (uint32_t)kinds[col_idx];
        var_count_upto[col_idx + 1] = var_count_upto[col_idx] + (kinds[col_idx] == ROW_KIND_VAR);
    }
    *layout = (RowLayout){column_count, columns, fixed_size_upto, var_count_upto};
    *layout_out = layout;
    return NULL;
}

void row_layout_set_missing(RowLayout *layout, size_t col_idx, const RowValue *value)
{
    ASSERT(col_idx < layout->column_count);
    ASSERT(value->is_null || layout->columns[col_idx].kind == ROW_KIND_VAR ||
           value->size == (size_t)layout->columns[col_idx].kind);
    layout->columns[col_idx].missing = *value;
    if (value->is_null) layout->columns[col_idx].missing = (RowValue){.is_null = true};
}

size_t row_layout_column_count(const RowLayout *layout)
{
    return layout->column_count;
}

RowKind row_layout_kind(const RowLayout *layout, size_t col_idx)
{
    ASSERT(col_idx < layout->column_count);
    return layout->columns[col_idx].kind;
}

size_t row_layout_fixed_offset(const RowLayout *layout, size_t col_idx)
{
    ASSERT(col_idx < layout->column_count);
    ASSERT(layout->columns[col_idx].kind != ROW_KIND_VAR);
    return layout->columns[col_idx].fixed_offset;
}

static RecordShape shape_of(const RowLayout *layout, size_t column_count)
{
    ASSERT(column_count <= layout->column_count);
    RecordShape shape = {.column_count = column_count};
    shape.fixed_start = ROW_HEADER_SIZE + (column_count + 7) / 8;
    shape.table_start = shape.fixed_start + layout->fixed_size_upto[column_count];
    shape.var_count = layout->var_count_upto[column_count];
    shape.data_start = shape.table_start + ROW_VAR_OFFSET_SIZE * shape.var_count;
    return shape;
}

/* ---------------------------------------------------------------- writing */

Error *row_size(const RowLayout *layout, const RowValue *values, size_t *size_out)
{
    RecordShape shape = shape_of(layout, layout->column_count);
    size_t size = shape.data_start;
    for (size_t col_idx = 0; col_idx < layout->column_count; col_idx++) {
        const RowValue *value = &values[col_idx];
        RowKind kind = layout->columns[col_idx].kind;
        ASSERT(value->is_null || kind == ROW_KIND_VAR || value->size == (size_t)kind);
        if (value->is_null || kind != ROW_KIND_VAR) continue;
        if (value->size > ROW_SIZE_MAX - size) {
            return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                           "row is too big: size exceeds maximum %zu", (size_t)ROW_SIZE_MAX);
        }
        size += value->size;
    }
    *size_out = size;
    return NULL;
}

void row_encode(const RowLayout *layout, const RowHeader *header, const RowValue *values,
                uint8_t *out, size_t out_size)
{
    RecordShape shape = shape_of(layout, layout->column_count);
    VERIFY(out_size >= shape.data_start);
    memset(out, 0, shape.data_start);
    row_header_write(out, out_size, header);
    out[ROW_HEADER_FORMAT_OFFSET] = ROW_FORMAT_V1;
    enc_u16le(out + ROW_HEADER_COLUMN_COUNT_OFFSET, (uint16_t)layout->column_count);
    size_t data_end = shape.data_start;
    for (size_t col_idx = 0; col_idx < layout->column_count; col_idx++) {
        const RowColumn *column = &layout->columns[col_idx];
        const RowValue *value = &values[col_idx];
        if (value->is_null) out[ROW_HEADER_SIZE + col_idx / 8] |= (uint8_t)(1u << (col_idx % 8));
        if (column->kind != ROW_KIND_VAR) {
            ASSERT(value->is_null || value->size == (size_t)column->kind);
            if (!value->is_null) {
                memcpy(out + shape.fixed_start + column->fixed_offset, value->bytes, value->size);
            }
            continue;
        }
        if (!value->is_null && value->size > 0) {
            VERIFY(value->size <= out_size - data_end);
            memcpy(out + data_end, value->bytes, value->size);
            data_end += value->size;
        }
        enc_u32le(out + shape.table_start + ROW_VAR_OFFSET_SIZE * column->var_idx,
                  (uint32_t)data_end);
    }
    VERIFY(data_end == out_size);
}

void row_header_write(uint8_t *record, size_t size, const RowHeader *header)
{
    VERIFY(size >= ROW_HEADER_SIZE);
    enc_u64le(record + ROW_HEADER_XID_OFFSET, header->xid);
    enc_u64le(record + ROW_HEADER_DELETE_XID_OFFSET, header->delete_xid);
    record[ROW_HEADER_FLAGS_OFFSET] = header->flags;
}

/* ---------------------------------------------------------------- reading */

static Error *corrupt(size_t size, const char *what, size_t at)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "corrupt row record: %s at byte %zu of %zu", what,
                   at, size);
}

Error *row_header_read(const uint8_t *record, size_t size, RowHeader *header_out)
{
    if (size < ROW_HEADER_SIZE) return corrupt(size, "truncated header", size);
    if (record[ROW_HEADER_FORMAT_OFFSET] != ROW_FORMAT_V1) {
        return corrupt(size, "unknown record format", ROW_HEADER_FORMAT_OFFSET);
    }
    header_out->xid = dec_u64le(record + ROW_HEADER_XID_OFFSET);
    header_out->delete_xid = dec_u64le(record + ROW_HEADER_DELETE_XID_OFFSET);
    header_out->flags = record[ROW_HEADER_FLAGS_OFFSET];
    return NULL;
}

/* read_shape: the header checks every read needs: format, column count, and that the offset
 * table ends within the record. */
static Error *read_shape(const RowLayout *layout, const uint8_t *record, size_t size,
                         RecordShape *shape_out)
{
    RowHeader header;
    TRY(row_header_read(record, size, &header));
    size_t column_count = dec_u16le(record + ROW_HEADER_COLUMN_COUNT_OFFSET);
    if (column_count > layout->column_count) {
        return corrupt(size, "more columns than the table has", ROW_HEADER_COLUMN_COUNT_OFFSET);
    }
    *shape_out = shape_of(layout, column_count);
    if (shape_out->data_start > size) return corrupt(size, "truncated record", size);
    return NULL;
}

/* var_bounds: [start, end) of variable value var_idx, checked against the record. */
static Error *var_bounds(const uint8_t *record, size_t size, const RecordShape *shape,
                         size_t var_idx, size_t *start_out, size_t *end_out)
{
    const uint8_t *table = record + shape->table_start;
    size_t start = var_idx == 0 ? shape->data_start
                                : dec_u32le(table + ROW_VAR_OFFSET_SIZE * (var_idx - 1));
    size_t end = dec_u32le(table + ROW_VAR_OFFSET_SIZE * var_idx);
    size_t at = shape->table_start + ROW_VAR_OFFSET_SIZE * var_idx;
    if (start < shape->data_start || start > size) return corrupt(size, "bad value offset", at);
    if (end < start || end > size) return corrupt(size, "bad value length", at);
    *start_out = start;
    *end_out = end;
    return NULL;
}

static bool null_bit(const uint8_t *record, size_t col_idx)
{
    return (record[ROW_HEADER_SIZE + col_idx / 8] >> (col_idx % 8)) & 1u;
}

/* column_in_shape: column col_idx of a record whose shape was read and checked. */
static Error *column_in_shape(const RowLayout *layout, const uint8_t *record, size_t size,
                              const RecordShape *shape, size_t col_idx, RowValue *value_out)
{
    const RowColumn *column = &layout->columns[col_idx];
    if (col_idx >= shape->column_count) {
        *value_out = column->missing;
        return NULL;
    }
    if (null_bit(record, col_idx)) {
        *value_out = (RowValue){.is_null = true};
        return NULL;
    }
    if (column->kind != ROW_KIND_VAR) {
        *value_out = (RowValue){false, record + shape->fixed_start + column->fixed_offset,
                                (size_t)column->kind};
        return NULL;
    }
    size_t start = 0, end = 0;
    TRY(var_bounds(record, size, shape, column->var_idx, &start, &end));
    *value_out = (RowValue){false, record + start, end - start};
    return NULL;
}

Error *row_column(const RowLayout *layout, const uint8_t *record, size_t size, size_t col_idx,
                  RowValue *value_out)
{
    ASSERT(col_idx < layout->column_count);
    RecordShape shape;
    TRY(read_shape(layout, record, size, &shape));
    return column_in_shape(layout, record, size, &shape, col_idx, value_out);
}

Error *row_decode(const RowLayout *layout, const uint8_t *record, size_t size,
                  RowValue *values_out)
{
    RecordShape shape;
    TRY(read_shape(layout, record, size, &shape));
    for (size_t col_idx = 0; col_idx < layout->column_count; col_idx++) {
        TRY(column_in_shape(layout, record, size, &shape, col_idx, &values_out[col_idx]));
    }
    return NULL;
}

static bool all_zero(const uint8_t *bytes, size_t size)
{
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        if (bytes[byte_idx] != 0) return false;
    }
    return true;
}

Error *row_validate(const RowLayout *layout, const uint8_t *record, size_t size)
{
    RecordShape shape;
    TRY(read_shape(layout, record, size, &shape));
    size_t bitmap_size = (shape.column_count + 7) / 8;
    if (shape.column_count % 8 != 0 &&
        (record[ROW_HEADER_SIZE + bitmap_size - 1] >> (shape.column_count % 8)) != 0) {
        return corrupt(size, "NULL bit set past the last column",
                       ROW_HEADER_SIZE + bitmap_size - 1);
    }
    size_t var_end = shape.data_start;
    for (size_t col_idx = 0; col_idx < shape.column_count; col_idx++) {
        const RowColumn *column = &layout->columns[col_idx];
        bool is_null = null_bit(record, col_idx);
        if (column->kind != ROW_KIND_VAR) {
            size_t at = shape.fixed_start + column->fixed_offset;
            if (is_null && !all_zero(record + at, (size_t)column->kind)) {
                return corrupt(size, "bytes in a NULL column", at);
            }
            continue;
        }
        size_t start = 0, end = 0;
        TRY(var_bounds(record, size, &shape, column->var_idx, &start, &end));
        size_t at = shape.table_start + ROW_VAR_OFFSET_SIZE * column->var_idx;
        ASSERT(start == var_end);   /* value k starts where value k - 1 ended */
        if (is_null && end != start) return corrupt(size, "bytes in a NULL column", at);
        var_end = end;
    }
    if (var_end != size) return corrupt(size, "trailing bytes after the last value", var_end);
    return NULL;
}
