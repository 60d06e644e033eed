/* storage/row.h: the row record format (a B+ tree value holding one version of one row).
 *
 * A record is self-contained: a header that txn/ updates in place, a NULL bitmap, the
 * fixed-width columns at fixed offsets, a table of end offsets for the variable-width columns,
 * then the variable-width bytes. Reading one column is O(1) and touches no other column.
 * storage/ does not interpret column bytes: callers store integers little-endian through
 * common/bytes.h (enc_u32le, ...), as every on-disk integer is.
 *
 * Byte layout (all integers little-endian; n = column_count of this record, which may be less
 * than the layout's after ALTER TABLE ADD COLUMN):
 *
 * | offset          | size        | field                                                     |
 * |-----------------|-------------|-----------------------------------------------------------|
 * | 0               | 8           | xid: the transaction that wrote this version               |
 * | 8               | 8           | delete_xid: the transaction that deleted it; 0 = not       |
 * |                 |             | deleted (ROW_XID_NONE): this is the delete mark            |
 * | 16              | 1           | flags: owned by txn/ (ROW_FLAG_*), not interpreted here    |
 * | 17              | 1           | format: ROW_FORMAT_V1 (room for other record formats)      |
 * | 18              | 2           | column_count n                                             |
 * | 20              | (n + 7) / 8 | NULL bitmap: bit (c % 8) of byte c / 8 set = column c NULL |
 * | B = 20 + above  | F(n)        | fixed-width columns in column order, each at B +           |
 * |                 |             | fixed_offset(c); a NULL one is zero bytes                  |
 * | T = B + F(n)    | 4 * V(n)    | end offset (from record start) of each variable-width      |
 * |                 |             | column in column order; a NULL one is empty                |
 * | D = T + 4*V(n)  | rest        | variable-width bytes; value k spans [end(k-1), end(k)),    |
 * |                 |             | end(-1) = D, end(V(n)-1) = record size                     |
 *
 * F(n) = total width of the fixed columns among the first n, V(n) = count of variable ones.
 * Fixed offsets depend only on earlier columns, so adding a column never moves an old one.
 */
#ifndef BIRCH_STORAGE_ROW_H
#define BIRCH_STORAGE_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"

enum {
    ROW_HEADER_XID_OFFSET = 0,
    ROW_HEADER_DELETE_XID_OFFSET = 8,
    ROW_HEADER_FLAGS_OFFSET = 16,
    ROW_HEADER_FORMAT_OFFSET = 17,
    ROW_HEADER_COLUMN_COUNT_OFFSET = 18,
    ROW_HEADER_SIZE = 20,

    ROW_FORMAT_V1 = 1,
    ROW_COLUMN_COUNT_MAX = 1600,             /* PostgreSQL's MaxHeapAttributeNumber */
    ROW_VAR_OFFSET_SIZE = 4,
};
#define ROW_SIZE_MAX ((size_t)UINT32_MAX)    /* bytes: var offsets are 32-bit */
#define ROW_XID_NONE ((uint64_t)0)           /* delete_xid of a row that is not deleted */

/* RowKind: the storage class of a column; the value is its width in bytes (0: variable). */
typedef enum RowKind {
    ROW_KIND_VAR = 0,
    ROW_KIND_FIXED1 = 1,    /* boolean */
    ROW_KIND_FIXED2 = 2,    /* smallint */
    ROW_KIND_FIXED4 = 4,    /* integer, real, date */
    ROW_KIND_FIXED8 = 8,    /* bigint, double, timestamp */
    ROW_KIND_FIXED16 = 16,  /* interval, scaled 128-bit numeric */
} RowKind;

/* RowValue: one column's value: size bytes at bytes, or NULL. */
typedef struct RowValue {
    bool           is_null;
    const uint8_t *bytes;
    size_t         size;
} RowValue;

/* RowHeader: the header fields txn/ reads and writes. */
typedef struct RowHeader {
    uint64_t xid;
    uint64_t delete_xid;   /* ROW_XID_NONE if not deleted */
    uint8_t  flags;
} RowHeader;

typedef struct RowLayout RowLayout;   /* immutable once built; shareable across threads */

/* row_layout_new: the layout of a table whose columns have the given kinds, in arena.
 * Pre:    kinds[idx] is a RowKind value.
 * Post:   *layout_out lives as long as arena. Missing-column values are NULL.
 * Errors: PROGRAM_LIMIT_EXCEEDED if column_count > ROW_COLUMN_COUNT_MAX; OUT_OF_MEMORY. */
Error *row_layout_new(Arena *arena, const RowKind *kinds, size_t column_count,
                      RowLayout **layout_out);
/* row_layout_set_missing: the value read for column col_idx from a record written before the
 * column existed (ALTER TABLE ADD COLUMN ... DEFAULT). value->bytes must outlive the layout.
 * Pre:    col_idx < column count; before the layout is shared; a non-NULL value of a fixed
 *         column has exactly its width. */
void row_layout_set_missing(RowLayout *layout, size_t col_idx, const RowValue *value);
/* row_layout_column_count / row_layout_kind / row_layout_fixed_offset: layout facts.
 * row_layout_fixed_offset: Pre: the column is fixed-width; offset from the fixed area start. */
size_t  row_layout_column_count(const RowLayout *layout);
RowKind row_layout_kind(const RowLayout *layout, size_t col_idx);
size_t  row_layout_fixed_offset(const RowLayout *layout, size_t col_idx);

/* row_size: bytes row_encode needs for values[0, column count of layout).
 * Pre:    each non-NULL fixed value has exactly its column's width.
 * Errors: PROGRAM_LIMIT_EXCEEDED if the record would exceed ROW_SIZE_MAX. */
Error *row_size(const RowLayout *layout, const RowValue *values, size_t *size_out);
/* row_encode: write the record for header and values into out[0, size), size from row_size.
 * Pre:    out_size == the size row_size returned for the same values. Writes every byte. */
void row_encode(const RowLayout *layout, const RowHeader *header, const RowValue *values,
                uint8_t *out, size_t out_size);

/* row_header_read: the header of a record.
 * Errors: DATA_CORRUPTED (XX001) if size < ROW_HEADER_SIZE or the format byte is unknown. */
Error *row_header_read(const uint8_t *record, size_t size, RowHeader *header_out);
/* row_header_write: overwrite xid, delete_xid and flags in place; other bytes unchanged. For
 * in-place redo the fields are at ROW_HEADER_*_OFFSET.
 * Pre:    size >= ROW_HEADER_SIZE. */
void row_header_write(uint8_t *record, size_t size, const RowHeader *header);

/* row_column: column col_idx of a record, in O(1), without decoding other columns. A column
 * the record predates reads as the layout's missing value (NULL unless set).
 * Pre:    col_idx < the layout's column count.
 * Post:   value_out->bytes points into record (or the missing value); NULL has size 0.
 * Errors: DATA_CORRUPTED if the bytes this read needs are inconsistent with size. Only what
 *         the read touches is checked: call row_validate once for a record read from disk. */
Error *row_column(const RowLayout *layout, const uint8_t *record, size_t size, size_t col_idx,
                  RowValue *value_out);
/* row_decode: every column of the layout into values_out[0, column count), as row_column. */
Error *row_decode(const RowLayout *layout, const uint8_t *record, size_t size,
                  RowValue *values_out);
/* row_validate: check every header field, offset and length of a record against size and the
 * layout (column count <= layout's, zero bytes of NULL fixed columns, offsets ascending, the
 * last one == size, empty NULL var columns).
 * Errors: DATA_CORRUPTED naming the first inconsistency. */
Error *row_validate(const RowLayout *layout, const uint8_t *record, size_t size);

#endif
