/* executor/dml_int.h: helpers op_dml.c shares with ddl.c (exec-dml's files only).
 *
 * Row writes with every rule of the target table: NOT NULL, CHECK, row key, unique and
 * secondary indexes, foreign keys in both directions. PostgreSQL's messages and details.
 */
#ifndef BIRCH_EXECUTOR_DML_INT_H
#define BIRCH_EXECUTOR_DML_INT_H

#include "executor/exec.h"

enum {
    DML_KEY_BUF_SIZE = KEY_SIZE_MAX + 64,   /* one encoded key (index columns + row key) */
    DML_RETRY_MAX = 1000,                   /* READ COMMITTED re-checks of one row */
    DML_CASCADE_DEPTH_MAX = 64,             /* nested ON DELETE CASCADE / SET NULL levels */
};

/* FoundRow: a row found by dml_find_rows (key and record copied into the caller's arena). */
typedef struct FoundRow {
    uint8_t *key;
    size_t   key_size;
    uint8_t *record;
    size_t   record_size;
    uint64_t xid;                /* writer of the version (seen_xid for a later write) */
} FoundRow;

/* dml_value_text: PostgreSQL's output text of row row_idx of vec ("null" for NULL), in arena. */
Error *dml_value_text(const Vector *vec, uint32_t row_idx, const DtSettings *dt, Arena *arena,
                      const char **text_out);
/* dml_key_detail: "(a, b)=(1, 2)" for the columns attnums of table, values taken from
 * columns[value_attnums[k] - 1] at row_idx (value_attnums NULL: attnums). */
Error *dml_key_detail(const CatTable *table, uint16_t count, const int16_t *attnums,
                      const Vector *columns, const int16_t *value_attnums, uint32_t row_idx,
                      const DtSettings *dt, Arena *arena, const char **text_out);
/* dml_find_rows: rows of table visible to txn whose columns attnums[0..count) equal the values
 * columns[value_attnums[k] - 1] at row_idx (through the clustered key, an index on exactly
 * those columns, or a scan). At most limit rows. Pre: no value is NULL. */
Error *dml_find_rows(ExecCtx *ctx, Arena *arena, const CatTable *table, uint16_t count,
                     const int16_t *attnums, const Vector *columns, const int16_t *value_attnums,
                     uint32_t row_idx, uint32_t limit, FoundRow **rows_out, uint32_t *count_out);
/* dml_decode_row: a one-row chunk of table's columns from a stored record, in arena. */
Error *dml_decode_row(const CatTable *table, const uint8_t *key, size_t key_size,
                      const uint8_t *record, size_t record_size, Arena *arena, DataChunk *out);
/* dml_check_fk: the row row_idx of columns (table's columns) satisfies FK constraint con of
 * table (23503 otherwise); NULLs pass (MATCH SIMPLE). */
Error *dml_check_fk(ExecCtx *ctx, Arena *arena, const CatTable *table, const CatConstraint *con,
                    const Vector *columns, uint32_t row_idx);
/* dml_index_entry: the entry key of index for row row_idx of columns (table columns) and
 * row_key into buf; *unique_prefix_out 0 unless the index is unique and no key column is NULL. */
Error *dml_index_entry(const CatIndex *index, const Vector *columns, uint32_t row_idx,
                       const uint8_t *row_key, size_t row_key_size, KeyBuf *buf,
                       size_t *unique_prefix_out);
/* dml_unique_error: rewrite a UNIQUE_VIOLATION from txn/ as PostgreSQL's message for the
 * constraint/index name (frees err); other errors pass through. */
Error *dml_unique_error(Error *err, const char *name, const CatTable *table, uint16_t count,
                        const int16_t *attnums, const Vector *columns, uint32_t row_idx,
                        const DtSettings *dt, Arena *arena);

/* dml_row_detail: "Failing row contains (...)." over the table's live columns. */
Error *dml_row_detail(const CatTable *table, const Vector *columns, uint32_t row_idx,
                      const DtSettings *dt, Arena *arena, const char **text_out);
/* dml_primary_constraint: the table's PRIMARY KEY constraint, NULL if none. */
const CatConstraint *dml_primary_constraint(const CatTable *table);
/* dml_encode_values: append columns[value_attnums[k] - 1] at row_idx to buf (dirs NULL: ASC). */
Error *dml_encode_values(KeyBuf *buf, uint16_t count, const KeyDir *dirs, const Vector *columns,
                         const int16_t *value_attnums, uint32_t row_idx);
/* dml_values_have_null: is one of columns[attnums[k] - 1] NULL at row_idx? */
bool   dml_values_have_null(const Vector *columns, uint16_t count, const int16_t *attnums,
                            uint32_t row_idx);
/* dml_fk_ref_attnums: the referenced columns of FK con (the primary key when not given). */
const int16_t *dml_fk_ref_attnums(const CatTable *ref, const CatConstraint *con);

#endif
