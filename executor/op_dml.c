/* executor/op_dml.c: INSERT, UPDATE and DELETE operators (PLAN_INSERT / PLAN_UPDATE /
 * PLAN_DELETE) and the row-writing rules they share with DDL (dml_int.h).
 *
 * Each child chunk is first compacted (live rows copied into flat vectors of the batch arena;
 * a chunk that is flat and unselected already is used as it is, read-only), so every later
 * step indexes rows 0..n-1 without a selection or constant vectors. Constraints
 * that are expressions over the row (NOT NULL, CHECK) are checked vectorized over the whole
 * chunk before any row is written; then rows are written one at a time through txn/ (row key,
 * record, index entries), and foreign keys are checked per written row against the snapshot.
 *
 * READ COMMITTED: when txn/ reports TXN_ROW_CHANGED, UPDATE and DELETE decode the newest
 * version, re-evaluate DmlInfo.recheck on it and, if it still matches, recompute SET over it
 * and try again (at most DML_RETRY_MAX times). GONE rows are skipped.
 *
 * Invariants:
 * 1. A row's index entries are written after its record: an index entry never points at a
 *    row key whose record this statement did not write.
 * 2. An UPDATE touches an index only when the entry key of the new version differs from the
 *    old one (mark old, insert new); a changed clustered key is delete + insert.
 * 3. ctx->changes counts exactly the rows written (inserted, updated, deleted by the target
 *    statement, not cascaded rows).
 */
#include <stdio.h>
#include <string.h>

#include "common/asserts.h"
#include "common/hash.h"
#include "executor/dml_int.h"
#include "executor/op_int.h"
#include "parser/parse.h"
#include "storage/row.h"

enum { DML_BATCH_ARENA_SIZE = 64 * 1024, DML_KEYSET_INITIAL = 64 };

typedef struct DmlCheck {
    const CatConstraint *constraint;
    ExprState           *state;
} DmlCheck;

/* KeySet: row keys written by this statement (ON CONFLICT DO UPDATE's 21000). */
typedef struct KeySetEntry {
    uint64_t       hash;
    const uint8_t *key;
    size_t         key_size;
} KeySetEntry;

typedef struct KeySet {
    KeySetEntry *entries;
    size_t       capacity;   /* power of two */
    size_t       count;
} KeySet;

typedef struct DmlOp {
    Op              base;
    PlanKind        kind;
    const DmlInfo  *dml;
    const CatTable *table;
    uint32_t        table_column_count;
    Arena          *batch;
    uint32_t        check_count;
    DmlCheck       *checks;
    ExprState     **set_states;
    ExprState      *recheck_state;
    ExprState     **conflict_set_states;
    ExprState      *conflict_where_state;
    ExprState     **returning_states;
    KeySet          touched;
    KeySet          updated;         /* UPDATE: row keys this statement wrote (see below) */
    bool            done;
    bool            materialize;     /* INSERT whose input reads the target table */
    Arena          *input_arena;     /* materialized input chunks (heap; freed by close) */
    DataChunk      *inputs;
    uint32_t        input_count;
    uint32_t        input_capacity;
    uint32_t        input_idx;
    DataChunk       out;
    /* direct parameters (insert, session 8): see direct_init */
    const uint32_t *direct_params;   /* [column]: the $n of VALUES cell (0, column); or NULL */
    Vector         *direct_columns;
    DataChunk       direct_chunk;
    uint8_t         direct_state;    /* DirectState, per execution */
} DmlOp;

/* Direct parameters (session 8, insert): an INSERT whose input is a one-row VALUES list of bare
 * parameters, `INSERT INTO t VALUES ($1, $2, $3)`, reads the bound parameter vectors (constant
 * vectors of one value) as its input chunk instead of running the VALUES child, which copies
 * them into a fresh batch chunk at every execution of a prepared statement. Only when each
 * parameter has exactly the cell's type and a physical form the VALUES copy would keep as it
 * is (not numeric), so the rows are the same; otherwise that execution runs the child. */
typedef enum DirectState { DIRECT_FIRST, DIRECT_DONE, DIRECT_CHILD } DirectState;

/* ------------------------------------------------------------ vectors and chunks ---- */

static uint32_t src_idx(const Vector *vec, uint32_t row_idx)
{
    return vec->is_constant ? 0 : row_idx;
}

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* copy_value: one value across vectors of the same type; numerics may change phys. */
static Error *copy_value(Vector *dst, uint32_t dst_idx, const Vector *src, uint32_t row_idx)
{
    uint32_t from = src_idx(src, row_idx);
    if (dst->phys == src->phys && dst->numeric_scale == src->numeric_scale) {
        return vec_copy_row(dst, dst_idx, src, from);
    }
    if (vec_is_null(src, from)) return vec_set_null(dst, dst_idx);
    if (dst->phys == VEC_PHYS_NUMERIC &&
        (src->phys == VEC_PHYS_NUM64 || src->phys == VEC_PHYS_NUMERIC)) {
        Numeric num;
        TRY(vec_numeric_get(src, from, dst->arena, &num));
        vec_set_valid(dst, dst_idx);
        return vec_numeric_set(dst, dst_idx, &num);
    }
    return err_new(SQLSTATE_INTERNAL_ERROR, "cannot copy a value of type %s between forms",
                   type_name(src->type.id));
}

/* chunk_new: an empty chunk of count columns of the given vectors' types and forms, with
 * room for capacity rows. general_numeric: numeric columns in the general form. */
static Error *chunk_new_like(const Vector *like, uint32_t column_count, uint32_t capacity,
                             bool general_numeric, Arena *arena, DataChunk *out)
{
    *out = (DataChunk){ .column_count = column_count, .arena = arena };
    out->columns = arena_calloc(arena, sizeof(Vector) * (column_count > 0 ? column_count : 1));
    if (out->columns == NULL) return oom();
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        const Vector *src = &like[col_idx];
        Vector *dst = &out->columns[col_idx];
        if (general_numeric && src->type.id == TYPE_NUMERIC) {
            vec_init_phys(dst, src->type, VEC_PHYS_NUMERIC, 0, arena);
        } else {
            vec_init_phys(dst, src->type, (VecPhys)src->phys, src->numeric_scale, arena);
        }
        TRY(vec_reserve(dst, capacity > 0 ? capacity : 1));
    }
    return NULL;
}

static Error *chunk_copy(const DataChunk *in, uint32_t column_count, Arena *arena,
                         DataChunk *out);

/* chunk_view: out shows in's first column_count columns when in has no selection and they are
 * all flat: the same vectors (read-only from here on, valid as long as in). */
static Error *chunk_view(const DataChunk *in, uint32_t column_count, Arena *arena,
                         DataChunk *out, bool *viewed_out)
{
    *viewed_out = false;
    if (in->sel != NULL) return NULL;
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        if (in->columns[col_idx].is_constant) return NULL;
    }
    *out = (DataChunk){ .column_count = column_count, .row_count = in->row_count,
                        .arena = arena };
    out->columns = arena_alloc(arena, sizeof(Vector) * (column_count > 0 ? column_count : 1));
    if (out->columns == NULL) return oom();
    memcpy(out->columns, in->columns, sizeof(Vector) * column_count);
    *viewed_out = true;
    return NULL;
}

/* chunk_compact: the live rows of in's first column_count columns as flat vectors (copied
 * unless in's are flat and unselected already, see chunk_view: callers only read them). */
static Error *chunk_compact(const DataChunk *in, uint32_t column_count, Arena *arena,
                            DataChunk *out)
{
    bool viewed = false;
    TRY(chunk_view(in, column_count, arena, out, &viewed));
    if (viewed) return NULL;
    return chunk_copy(in, column_count, arena, out);
}

/* chunk_copy: chunk_compact into vectors of its own (the copy outlives in). */
static Error *chunk_copy(const DataChunk *in, uint32_t column_count, Arena *arena,
                         DataChunk *out)
{
    uint32_t live_count = chunk_live_count(in);
    TRY(chunk_new_like(in->columns, column_count, live_count, false, arena, out));
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        for (uint32_t row_idx = 0; row_idx < live_count; row_idx++) {
            uint32_t from = in->sel != NULL ? in->sel[row_idx] : row_idx;
            TRY(vec_copy_row(&out->columns[col_idx], row_idx, &in->columns[col_idx],
                             src_idx(&in->columns[col_idx], from)));
        }
    }
    out->row_count = live_count;
    return NULL;
}

/* chunk_append_row: append row row_idx of src's first dst->column_count columns to dst. */
static Error *chunk_append_row(DataChunk *dst, const Vector *src, uint32_t row_idx)
{
    VERIFY(dst->row_count < VEC_VALUE_COUNT_MAX);
    for (uint32_t col_idx = 0; col_idx < dst->column_count; col_idx++) {
        Vector *vec = &dst->columns[col_idx];
        if (vec->capacity <= dst->row_count) TRY(vec_reserve(vec, dst->row_count * 2 + 1));
        TRY(copy_value(vec, dst->row_count, &src[col_idx], row_idx));
    }
    dst->row_count++;
    return NULL;
}

/* chunk_one_row: a one-row chunk holding row row_idx of column_count vectors. */
static Error *chunk_one_row(const Vector *src, uint32_t column_count, uint32_t row_idx,
                            Arena *arena, DataChunk *out)
{
    TRY(chunk_new_like(src, column_count, 1, false, arena, out));
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        TRY(vec_copy_row(&out->columns[col_idx], 0, &src[col_idx],
                         src_idx(&src[col_idx], row_idx)));
    }
    out->row_count = 1;
    return NULL;
}

static bool bool_true(const Vector *vec, uint32_t row_idx)
{
    uint32_t idx = src_idx(vec, row_idx);
    return !vec_is_null(vec, idx) && vec_bool(vec)[idx] != 0;
}

static bool bool_false(const Vector *vec, uint32_t row_idx)
{
    uint32_t idx = src_idx(vec, row_idx);
    return !vec_is_null(vec, idx) && vec_bool(vec)[idx] == 0;
}

/* ------------------------------------------------------------ row writes ---- */

typedef struct RowWriter {
    ExecCtx *ctx;
    Arena   *arena;      /* batch */
    int      depth;      /* cascade depth */
} RowWriter;

static Error *check_not_null(const RowWriter *writer, const CatTable *table,
                             const DataChunk *rows)
{
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        const CatColumn *column = &table->columns[col_idx];
        if (!column->not_null || column->dropped) continue;
        const Vector *vec = &rows->columns[col_idx];
        if (vec->validity == NULL) continue;
        for (uint32_t row_idx = 0; row_idx < rows->row_count; row_idx++) {
            if (!vec_is_null(vec, src_idx(vec, row_idx))) continue;
            Error *err = err_new(SQLSTATE_NOT_NULL_VIOLATION,
                                 "null value in column \"%s\" of relation \"%s\" violates "
                                 "not-null constraint", column->name, table->name);
            err_set_object(err, table->namespace_name, table->name, column->name, NULL);
            const char *detail = NULL;
            Error *detail_err = dml_row_detail(table, rows->columns, row_idx, writer->ctx->dt,
                                           writer->arena, &detail);
            if (detail_err != NULL) {
                err_free(detail_err);
                return err;
            }
            return err_set_detail(err, "%s", detail);
        }
    }
    return NULL;
}

static Error *check_checks(const RowWriter *writer, const CatTable *table, uint32_t check_count,
                           const DmlCheck *checks, DataChunk *rows)
{
    for (uint32_t check_idx = 0; check_idx < check_count; check_idx++) {
        Vector result;
        TRY(expr_eval(checks[check_idx].state, rows, writer->arena, &result));
        for (uint32_t row_idx = 0; row_idx < rows->row_count; row_idx++) {
            if (!bool_false(&result, row_idx)) continue;
            Error *err = err_new(SQLSTATE_CHECK_VIOLATION,
                                 "new row for relation \"%s\" violates check constraint \"%s\"",
                                 table->name, checks[check_idx].constraint->name);
            err_set_object(err, table->namespace_name, table->name, NULL,
                           checks[check_idx].constraint->name);
            const char *detail = NULL;
            Error *detail_err = dml_row_detail(table, rows->columns, row_idx, writer->ctx->dt,
                                           writer->arena, &detail);
            if (detail_err != NULL) {
                err_free(detail_err);
                return err;
            }
            return err_set_detail(err, "%s", detail);
        }
    }
    return NULL;
}

static Error *pkey_error(Error *err, const CatTable *table, const Vector *columns,
                         uint32_t row_idx, const RowWriter *writer)
{
    if (err == NULL || err->state != SQLSTATE_UNIQUE_VIOLATION) return err;
    const CatConstraint *primary = dml_primary_constraint(table);
    int16_t attnum = table->cluster_attnum;
    char name[CAT_NAME_SIZE_MAX * 2 + 8];
    snprintf(name, sizeof name, "%s_pkey", table->name);
    return dml_unique_error(err, primary != NULL ? primary->name : name, table, 1, &attnum,
                            columns, row_idx, writer->ctx->dt, writer->arena);
}

/* insert_entries: the index entries of row row_idx of columns with row key. */
static Error *insert_entries(const RowWriter *writer, const CatTable *table,
                             const Vector *columns, uint32_t row_idx, const uint8_t *key,
                             size_t key_size)
{
    for (uint16_t index_idx = 0; index_idx < table->index_count; index_idx++) {
        const CatIndex *index = table->indexes[index_idx];
        uint8_t memory[DML_KEY_BUF_SIZE];
        KeyBuf entry;
        key_buf_init(&entry, memory, sizeof memory);
        size_t unique_prefix = 0;
        TRY(dml_index_entry(index, columns, row_idx, key, key_size, &entry, &unique_prefix));
        Error *err = txn_index_insert(writer->ctx->txn, index->tree, entry.bytes, entry.size,
                                      unique_prefix);
        if (err != NULL) {
            return dml_unique_error(err, index->name, table, index->key_count, index->attnums,
                                    columns, row_idx, writer->ctx->dt, writer->arena);
        }
    }
    return NULL;
}

static Error *mark_entries(const RowWriter *writer, const CatTable *table, const Vector *columns,
                           uint32_t row_idx, const uint8_t *key, size_t key_size)
{
    for (uint16_t index_idx = 0; index_idx < table->index_count; index_idx++) {
        const CatIndex *index = table->indexes[index_idx];
        uint8_t memory[DML_KEY_BUF_SIZE];
        KeyBuf entry;
        key_buf_init(&entry, memory, sizeof memory);
        size_t unique_prefix = 0;
        TRY(dml_index_entry(index, columns, row_idx, key, key_size, &entry, &unique_prefix));
        TRY(txn_index_mark(writer->ctx->txn, index->tree, entry.bytes, entry.size));
    }
    return NULL;
}

/* row_insert: write row row_idx of columns (NOT NULL / CHECK already checked) with a new row
 * key (copied to key_out, DML_KEY_BUF_SIZE bytes) and its index entries. */
static Error *row_insert(const RowWriter *writer, const CatTable *table, const Vector *columns,
                         uint32_t row_idx, uint8_t *key_out, size_t *key_size_out)
{
    KeyBuf key;
    key_buf_init(&key, key_out, DML_KEY_BUF_SIZE);
    TRY(rowcodec_row_key(writer->ctx->catalog, table, columns, row_idx, &key));
    uint8_t *record = NULL;
    size_t record_size = 0;
    TRY(rowcodec_encode(table, columns, row_idx, writer->arena, &record, &record_size));
    TRY(pkey_error(txn_row_insert(writer->ctx->txn, table->tree, key.bytes, key.size, record,
                                  record_size),
                   table, columns, row_idx, writer));
    *key_size_out = key.size;
    return insert_entries(writer, table, columns, row_idx, key.bytes, key.size);
}

static Error *entry_of(const CatIndex *index, const Vector *columns, uint32_t row_idx,
                       const uint8_t *key, size_t key_size, uint8_t *memory, KeyBuf *entry,
                       size_t *unique_prefix)
{
    key_buf_init(entry, memory, DML_KEY_BUF_SIZE);
    return dml_index_entry(index, columns, row_idx, key, key_size, entry, unique_prefix);
}

/* row_update: replace the row key (whose version seen_xid the caller evaluated; old values
 * old[old_idx]) by new values (new_columns[new_idx]). A changed clustered key moves the row.
 * result->outcome tells what happened (CHANGED: result->record to free). */
static Error *row_update(const RowWriter *writer, const CatTable *table, const Vector *old,
                         uint32_t old_idx, const Vector *new_columns, uint32_t new_idx,
                         const uint8_t *key, size_t key_size, uint64_t seen_xid,
                         TxnRowResult *result, uint8_t *new_key_out, size_t *new_key_size_out)
{
    Txn *txn = writer->ctx->txn;
    *result = (TxnRowResult){ 0 };
    memcpy(new_key_out, key, key_size);
    *new_key_size_out = key_size;
    if (table->cluster_attnum > 0) {
        uint8_t memory[DML_KEY_BUF_SIZE];
        KeyBuf new_key;
        key_buf_init(&new_key, memory, sizeof memory);
        TRY(rowcodec_row_key(writer->ctx->catalog, table, new_columns, new_idx, &new_key));
        if (new_key.size != key_size || memcmp(new_key.bytes, key, key_size) != 0) {
            TRY(txn_row_delete(txn, table->tree, key, key_size, seen_xid, result));
            if (result->outcome != TXN_ROW_DONE) return NULL;
            TRY(mark_entries(writer, table, old, old_idx, key, key_size));
            return row_insert(writer, table, new_columns, new_idx, new_key_out,
                              new_key_size_out);
        }
    }
    uint8_t *record = NULL;
    size_t record_size = 0;
    TRY(rowcodec_encode(table, new_columns, new_idx, writer->arena, &record, &record_size));
    TRY(txn_row_update(txn, table->tree, key, key_size, seen_xid, record, record_size, result));
    if (result->outcome != TXN_ROW_DONE) return NULL;
    for (uint16_t index_idx = 0; index_idx < table->index_count; index_idx++) {
        const CatIndex *index = table->indexes[index_idx];
        uint8_t old_memory[DML_KEY_BUF_SIZE];
        uint8_t new_memory[DML_KEY_BUF_SIZE];
        KeyBuf old_entry;
        KeyBuf new_entry;
        size_t old_prefix = 0;
        size_t new_prefix = 0;
        TRY(entry_of(index, old, old_idx, key, key_size, old_memory, &old_entry, &old_prefix));
        TRY(entry_of(index, new_columns, new_idx, key, key_size, new_memory, &new_entry,
                     &new_prefix));
        if (old_entry.size == new_entry.size &&
            memcmp(old_entry.bytes, new_entry.bytes, old_entry.size) == 0) {
            continue;
        }
        TRY(txn_index_mark(txn, index->tree, old_entry.bytes, old_entry.size));
        Error *err = txn_index_insert(txn, index->tree, new_entry.bytes, new_entry.size,
                                      new_prefix);
        if (err != NULL) {
            return dml_unique_error(err, index->name, table, index->key_count, index->attnums,
                                    new_columns, new_idx, writer->ctx->dt, writer->arena);
        }
    }
    return NULL;
}

/* key_changed: do the columns attnums differ between old and new (NULLs compare equal)? */
static Error *key_changed(uint16_t count, const int16_t *attnums, const Vector *old,
                          uint32_t old_idx, const Vector *new_columns, uint32_t new_idx,
                          bool *changed_out)
{
    uint8_t old_memory[DML_KEY_BUF_SIZE];
    uint8_t new_memory[DML_KEY_BUF_SIZE];
    KeyBuf old_key;
    KeyBuf new_key;
    key_buf_init(&old_key, old_memory, sizeof old_memory);
    key_buf_init(&new_key, new_memory, sizeof new_memory);
    TRY(dml_encode_values(&old_key, count, NULL, old, attnums, old_idx));
    TRY(dml_encode_values(&new_key, count, NULL, new_columns, attnums, new_idx));
    *changed_out = old_key.size != new_key.size ||
                   memcmp(old_key.bytes, new_key.bytes, old_key.size) != 0;
    return NULL;
}

static Error *row_delete(const RowWriter *writer, const CatTable *table, const Vector *old,
                         uint32_t old_idx, const uint8_t *key, size_t key_size,
                         uint64_t seen_xid, TxnRowResult *result);

/* fk_referenced_error: 23503 for a parent key still referenced by child. */
static Error *fk_referenced_error(const RowWriter *writer, const CatTable *parent,
                                  const CatTable *child, const CatConstraint *con,
                                  const int16_t *ref_attnums, const Vector *old,
                                  uint32_t old_idx)
{
    Error *err = err_new(SQLSTATE_FOREIGN_KEY_VIOLATION,
                         "update or delete on table \"%s\" violates foreign key constraint "
                         "\"%s\" on table \"%s\"", parent->name, con->name, child->name);
    err_set_object(err, child->namespace_name, child->name, NULL, con->name);   /* as PG */
    const char *detail = NULL;
    Error *detail_err = dml_key_detail(parent, con->column_count, ref_attnums, old, NULL,
                                       old_idx, writer->ctx->dt, writer->arena, &detail);
    if (detail_err != NULL) {
        err_free(detail_err);
        return err;
    }
    return err_set_detail(err, "Key %s is still referenced from table \"%s\".", detail,
                          child->name);
}

/* child_set: the referencing row found, with its FK columns set to NULL (set_null) or to the
 * parent's new key values, written back (SET NULL / ON UPDATE CASCADE). */
static Error *child_set(const RowWriter *writer, const CatTable *child, const CatConstraint *con,
                        const int16_t *ref_attnums, const FoundRow *found, bool set_null,
                        const Vector *parent_new, uint32_t parent_idx)
{
    DataChunk old;
    DataChunk updated;
    TRY(dml_decode_row(child, found->key, found->key_size, found->record, found->record_size,
                       writer->arena, &old));
    TRY(dml_decode_row(child, found->key, found->key_size, found->record, found->record_size,
                       writer->arena, &updated));
    for (uint16_t key_idx = 0; key_idx < con->column_count; key_idx++) {
        Vector *vec = &updated.columns[con->attnums[key_idx] - 1];
        if (set_null) {
            TRY(vec_set_null(vec, 0));
            continue;
        }
        const Vector *src = &parent_new[ref_attnums[key_idx] - 1];
        if (src->phys != vec->phys || src->numeric_scale != vec->numeric_scale) {
            TRY(copy_value(vec, 0, src, parent_idx));
        } else {
            TRY(vec_copy_row(vec, 0, src, src_idx(src, parent_idx)));
        }
    }
    TRY(check_not_null(writer, child, &updated));
    uint8_t new_key[DML_KEY_BUF_SIZE];
    size_t new_key_size = 0;
    uint64_t seen_xid = found->xid;
    for (int attempt = 0; attempt < DML_RETRY_MAX; attempt++) {
        TxnRowResult result;
        TRY(row_update(writer, child, old.columns, 0, updated.columns, 0, found->key,
                       found->key_size, seen_xid, &result, new_key, &new_key_size));
        if (result.outcome != TXN_ROW_CHANGED) return NULL;
        seen_xid = result.xid;
        txn_row_result_free(&result);
    }
    return err_new(SQLSTATE_SERIALIZATION_FAILURE,
                   "could not serialize access due to concurrent update");
}

/* fk_parent_changed: the parent row old[old_idx] is deleted (parent_new NULL) or its key is
 * changed to parent_new[new_idx]: apply every FK that references parent. */
static Error *fk_parent_apply(const RowWriter *writer, const CatTable *parent,
                              const Vector *old, uint32_t old_idx, const Vector *parent_new,
                              uint32_t new_idx);

/* Command ids: the referential actions see and change the rows as they are now, the
 * statement's own writes included, even under the read barrier of a statement with
 * data-modifying CTEs (PostgreSQL runs them after the statement, as later commands): the
 * barrier is lifted while they run. */
static Error *fk_parent_changed(const RowWriter *writer, const CatTable *parent,
                                const Vector *old, uint32_t old_idx, const Vector *parent_new,
                                uint32_t new_idx)
{
    Txn *txn = writer->ctx->txn;
    TxnBarrier barrier;
    bool barrier_on = txn_read_barrier_get(txn, &barrier);
    if (barrier_on) txn_read_barrier_set(txn, NULL);
    Error *err = fk_parent_apply(writer, parent, old, old_idx, parent_new, new_idx);
    if (barrier_on) txn_read_barrier_set(txn, &barrier);
    return err;
}

static Error *fk_parent_apply(const RowWriter *writer, const CatTable *parent,
                              const Vector *old, uint32_t old_idx, const Vector *parent_new,
                              uint32_t new_idx)
{
    ExecCtx *ctx = writer->ctx;
    for (uint16_t ref_idx = 0; ref_idx < parent->referenced_by_count; ref_idx++) {
        const CatConstraint *con = parent->referenced_by[ref_idx];
        const int16_t *ref_attnums = dml_fk_ref_attnums(parent, con);
        if (ref_attnums == NULL) continue;
        if (dml_values_have_null(old, con->column_count, ref_attnums, old_idx)) continue;
        if (parent_new != NULL) {
            bool changed = false;
            TRY(key_changed(con->column_count, ref_attnums, old, old_idx, parent_new, new_idx,
                            &changed));
            if (!changed) continue;
        }
        const CatTable *child = NULL;
        TRY(catalog_get(ctx->catalog, ctx->txn, parent->referenced_by_table[ref_idx], &child));
        if (child == NULL) continue;
        char action = parent_new == NULL ? con->on_delete : con->on_update;
        bool acts = action == CAT_FK_CASCADE || action == CAT_FK_SET_NULL;
        FoundRow *rows = NULL;
        uint32_t row_count = 0;
        TRY(dml_find_rows(ctx, writer->arena, child, con->column_count, con->attnums, old,
                          ref_attnums, old_idx, acts ? UINT32_MAX : 1, &rows, &row_count));
        if (row_count == 0) continue;
        if (!acts) {
            return fk_referenced_error(writer, parent, child, con, ref_attnums, old, old_idx);
        }
        if (writer->depth >= DML_CASCADE_DEPTH_MAX) {
            return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                           "foreign key cascade nesting is deeper than %d levels",
                           DML_CASCADE_DEPTH_MAX);
        }
        RowWriter nested = *writer;
        nested.depth++;
        for (uint32_t found_idx = 0; found_idx < row_count; found_idx++) {
            TRY(exec_check_interrupt(ctx));
            const FoundRow *found = &rows[found_idx];
            if (action == CAT_FK_SET_NULL || parent_new != NULL) {
                TRY(child_set(&nested, child, con, ref_attnums, found,
                              action == CAT_FK_SET_NULL, parent_new, new_idx));
                continue;
            }
            DataChunk child_old;
            TRY(dml_decode_row(child, found->key, found->key_size, found->record,
                               found->record_size, writer->arena, &child_old));
            uint64_t seen_xid = found->xid;
            for (int attempt = 0; attempt < DML_RETRY_MAX; attempt++) {
                TxnRowResult result;
                TRY(row_delete(&nested, child, child_old.columns, 0, found->key,
                               found->key_size, seen_xid, &result));
                if (result.outcome != TXN_ROW_CHANGED) break;
                seen_xid = result.xid;
                Error *err = dml_decode_row(child, found->key, found->key_size,
                                            result.record.data, result.record.size,
                                            writer->arena, &child_old);
                txn_row_result_free(&result);
                TRY(err);
            }
        }
    }
    return NULL;
}

static Error *row_delete(const RowWriter *writer, const CatTable *table, const Vector *old,
                         uint32_t old_idx, const uint8_t *key, size_t key_size,
                         uint64_t seen_xid, TxnRowResult *result)
{
    *result = (TxnRowResult){ 0 };
    TRY(txn_row_delete(writer->ctx->txn, table->tree, key, key_size, seen_xid, result));
    if (result->outcome != TXN_ROW_DONE) return NULL;
    TRY(mark_entries(writer, table, old, old_idx, key, key_size));
    return fk_parent_changed(writer, table, old, old_idx, NULL, 0);
}

/* ------------------------------------------------------------ key set ---- */

static Error *keyset_add(KeySet *set, Arena *arena, const uint8_t *key, size_t key_size,
                         bool *present_out)
{
    if (set->count * 2 >= set->capacity) {
        size_t capacity = set->capacity == 0 ? DML_KEYSET_INITIAL : set->capacity * 2;
        KeySetEntry *entries = arena_calloc(arena, sizeof(KeySetEntry) * capacity);
        if (entries == NULL) return oom();
        for (size_t entry_idx = 0; entry_idx < set->capacity; entry_idx++) {
            KeySetEntry *entry = &set->entries[entry_idx];
            if (entry->key == NULL) continue;
            size_t slot = entry->hash & (capacity - 1);
            while (entries[slot].key != NULL) slot = (slot + 1) & (capacity - 1);
            entries[slot] = *entry;
        }
        set->entries = entries;
        set->capacity = capacity;
    }
    uint64_t hash = hash_bytes(key, key_size, 0x5eed);
    size_t slot = hash & (set->capacity - 1);
    while (set->entries[slot].key != NULL) {
        KeySetEntry *entry = &set->entries[slot];
        if (entry->hash == hash && entry->key_size == key_size &&
            memcmp(entry->key, key, key_size) == 0) {
            *present_out = true;
            return NULL;
        }
        slot = (slot + 1) & (set->capacity - 1);
    }
    uint8_t *copy = arena_alloc(arena, key_size + 1);
    if (copy == NULL) return oom();
    memcpy(copy, key, key_size);
    set->entries[slot] = (KeySetEntry){ .hash = hash, .key = copy, .key_size = key_size };
    set->count++;
    *present_out = false;
    return NULL;
}

/* ------------------------------------------------------------ the operator ---- */

static RowWriter writer_of(DmlOp *op)
{
    return (RowWriter){ .ctx = op->base.ctx, .arena = op->batch, .depth = 0 };
}

/* compile_check: CHECK constraint SQL -> a prepared bool expression over the table row. */
static Error *compile_check(ExecCtx *ctx, const CatTable *table, const CatConstraint *con,
                            ExprState **state_out)
{
    size_t sql_size = strlen(con->check_sql) + sizeof "SELECT ";
    char *sql = arena_alloc(ctx->arena, sql_size);
    if (sql == NULL) return oom();
    snprintf(sql, sql_size, "SELECT %s", con->check_sql);
    AstStmtList *stmts = NULL;
    TRY(parse_sql(ctx->arena, sql, &stmts));
    if (stmts->count != 1 || stmts->stmts[0]->kind != AST_STMT_SELECT ||
        ast_list_count(stmts->stmts[0]->u.select->targets) != 1) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "bad check constraint \"%s\"", con->name);
    }
    const AstTarget *target = stmts->stmts[0]->u.select->targets->items[0];
    PlanCtx plan_ctx = {
        .arena = ctx->arena,
        .catalog = ctx->catalog,
        .txn = ctx->txn,
        .resolver = exec_resolver(),
        .sql = sql,
    };
    Expr *expr = NULL;
    TRY(plan_table_expr(&plan_ctx, table, target->expr, type_plain(TYPE_BOOL), &expr));
    return expr_prepare(ctx, expr, state_out);
}

static Error *prepare_list(ExecCtx *ctx, uint32_t count, Expr *const *exprs,
                           ExprState ***states_out)
{
    *states_out = NULL;
    if (count == 0 || exprs == NULL) return NULL;
    ExprState **states = arena_calloc(ctx->arena, sizeof(ExprState *) * count);
    if (states == NULL) return oom();
    *states_out = states;     /* before preparing: dml_close closes a partly prepared list */
    for (uint32_t expr_idx = 0; expr_idx < count; expr_idx++) {
        if (exprs[expr_idx] != NULL) TRY(expr_prepare(ctx, exprs[expr_idx], &states[expr_idx]));
    }
    return NULL;
}

/* close_list: close the states of a prepare_list (their subplans' operator trees). */
static void close_list(ExprState **states, uint32_t count)
{
    if (states == NULL) return;
    for (uint32_t expr_idx = 0; expr_idx < count; expr_idx++) op_expr_close(states[expr_idx]);
}

/* plan_reads_table: does the plan tree scan table oid? */
static bool plan_reads_table(const Plan *plan, uint32_t oid, int depth)
{
    if (plan == NULL || depth > 1000) return false;
    if ((plan->kind == PLAN_SEQ_SCAN || plan->kind == PLAN_INDEX_SCAN) && plan->table != NULL &&
        plan->table->oid == oid) {
        return true;
    }
    return plan_reads_table(plan->left, oid, depth + 1) ||
           plan_reads_table(plan->right, oid, depth + 1);
}

static Error *dml_open(Op *base)
{
    DmlOp *op = (DmlOp *)base;
    ExecCtx *ctx = base->ctx;
    const CatTable *table = op->table;
    op->done = false;
    op->direct_state = DIRECT_FIRST;
    op->touched = (KeySet){ 0 };
    op->updated = (KeySet){ 0 };
    if (op->batch == NULL) {
        op->batch = arena_create(DML_BATCH_ARENA_SIZE);
        if (op->batch == NULL) return oom();
    }
    if (base->left != NULL) TRY(exec_open(base->left));
    if (op->checks == NULL && op->kind != PLAN_DELETE) {
        op->checks = arena_calloc(ctx->arena, sizeof(DmlCheck) * (table->constraint_count + 1u));
        if (op->checks == NULL) return oom();
        op->check_count = 0;
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            const CatConstraint *con = &table->constraints[con_idx];
            if (con->kind != CAT_CONSTR_CHECK || con->check_sql == NULL) continue;
            DmlCheck *check = &op->checks[op->check_count];
            check->constraint = con;
            TRY(compile_check(ctx, table, con, &check->state));
            op->check_count++;
        }
        const DmlInfo *dml = op->dml;
        if (op->kind == PLAN_UPDATE) {
            TRY(prepare_list(ctx, dml->set_count, dml->set_exprs, &op->set_states));
        }
        if (dml->on_conflict == CONFLICT_UPDATE) {
            TRY(prepare_list(ctx, op->table_column_count, dml->conflict_set,
                             &op->conflict_set_states));
            if (dml->conflict_where != NULL) {
                TRY(expr_prepare(ctx, dml->conflict_where, &op->conflict_where_state));
            }
        }
    }
    if (op->kind != PLAN_INSERT && op->dml->recheck != NULL && op->recheck_state == NULL) {
        TRY(expr_prepare(ctx, op->dml->recheck, &op->recheck_state));
    }
    if (op->dml->returning_count > 0 && op->returning_states == NULL) {
        TRY(prepare_list(ctx, op->dml->returning_count, op->dml->returning,
                         &op->returning_states));
    }
    return NULL;
}

/* returning_chunk: the output rows: returning exprs over res (INSERT: the written table rows;
 * UPDATE/DELETE: the child rows with the new / old table columns). */
static Error *returning_chunk(DmlOp *op, DataChunk *res, DataChunk **chunk_out)
{
    uint32_t count = op->dml->returning_count;
    op->out = (DataChunk){ .column_count = count, .row_count = res->row_count,
                           .arena = op->batch };
    op->out.columns = arena_calloc(op->batch, sizeof(Vector) * count);
    if (op->out.columns == NULL) return oom();
    for (uint32_t expr_idx = 0; expr_idx < count; expr_idx++) {
        TRY(expr_eval(op->returning_states[expr_idx], res, op->batch,
                      &op->out.columns[expr_idx]));
    }
    *chunk_out = &op->out;
    return NULL;
}

static Error *result_init(DmlOp *op, uint32_t capacity, DataChunk *res)
{
    Vector *like = arena_calloc(op->batch, sizeof(Vector) * (op->table_column_count + 1u));
    if (like == NULL) return oom();
    for (uint32_t col_idx = 0; col_idx < op->table_column_count; col_idx++) {
        vec_init(&like[col_idx], op->table->columns[col_idx].type, op->batch);
    }
    return chunk_new_like(like, op->table_column_count, capacity, true, op->batch, res);
}

/* result_init_child: a result chunk in the child's row shape (UPDATE/DELETE RETURNING reads
 * table columns, row key, xid, then the FROM / USING columns). */
static Error *result_init_child(DmlOp *op, const DataChunk *in, DataChunk *res)
{
    Vector *like = arena_calloc(op->batch, sizeof(Vector) * (in->column_count + 1u));
    if (like == NULL) return oom();
    memcpy(like, in->columns, sizeof(Vector) * in->column_count);
    for (uint32_t col_idx = 0; col_idx < op->table_column_count; col_idx++) {
        vec_init(&like[col_idx], op->table->columns[col_idx].type, op->batch);
    }
    return chunk_new_like(like, in->column_count, in->row_count, true, op->batch, res);
}

/* conflict_find: the existing row that the proposed row conflicts with, if any. */
static Error *conflict_find(DmlOp *op, const DataChunk *rows, uint32_t row_idx,
                            FoundRow **found_out)
{
    ExecCtx *ctx = op->base.ctx;
    const CatTable *table = op->table;
    const DmlInfo *dml = op->dml;
    *found_out = NULL;
    FoundRow *found = NULL;
    uint32_t found_count = 0;
    if (dml->conflict_index != NULL) {
        const CatIndex *index = dml->conflict_index;
        if (dml_values_have_null(rows->columns, index->key_count, index->attnums, row_idx)) {
            return NULL;
        }
        TRY(dml_find_rows(ctx, op->batch, table, index->key_count, index->attnums,
                          rows->columns, index->attnums, row_idx, 1, &found, &found_count));
        if (found_count > 0) *found_out = found;
        return NULL;
    }
    if (table->cluster_attnum > 0) {
        int16_t attnum = table->cluster_attnum;
        TRY(dml_find_rows(ctx, op->batch, table, 1, &attnum, rows->columns, &attnum, row_idx, 1,
                          &found, &found_count));
        if (found_count > 0) {
            *found_out = found;
            return NULL;
        }
    }
    for (uint16_t index_idx = 0; index_idx < table->index_count; index_idx++) {
        const CatIndex *index = table->indexes[index_idx];
        if (!index->unique) continue;
        if (dml_values_have_null(rows->columns, index->key_count, index->attnums, row_idx)) {
            continue;
        }
        TRY(dml_find_rows(ctx, op->batch, table, index->key_count, index->attnums,
                          rows->columns, index->attnums, row_idx, 1, &found, &found_count));
        if (found_count > 0) {
            *found_out = found;
            return NULL;
        }
    }
    return NULL;
}

static Error *touch(DmlOp *op, const uint8_t *key, size_t key_size)
{
    if (op->dml->on_conflict != CONFLICT_UPDATE) return NULL;
    bool present = false;
    TRY(keyset_add(&op->touched, exec_run_arena(op->base.ctx), key, key_size, &present));
    if (present) {
        Error *err = err_new(SQLSTATE_CARDINALITY_VIOLATION,
                             "ON CONFLICT DO UPDATE command cannot affect row a second time");
        return err_set_hint(err, "Ensure that no rows proposed for insertion within the same "
                                 "command have duplicate constrained values.");
    }
    return NULL;
}

/* check_fks: every outgoing FK of the table for row row_idx of columns; only_changed: when
 * old is given, only FKs whose columns changed. */
static Error *check_fks(DmlOp *op, const Vector *columns, uint32_t row_idx, const Vector *old,
                        uint32_t old_idx)
{
    const CatTable *table = op->table;
    for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
        const CatConstraint *con = &table->constraints[con_idx];
        if (con->kind != CAT_CONSTR_FOREIGN) continue;
        if (old != NULL) {
            bool changed = false;
            TRY(key_changed(con->column_count, con->attnums, old, old_idx, columns, row_idx,
                            &changed));
            if (!changed) continue;
        }
        TRY(dml_check_fk(op->base.ctx, op->batch, table, con, columns, row_idx));
    }
    return NULL;
}

/* conflict_update: ON CONFLICT DO UPDATE of the existing row with proposed row row_idx.
 * *written_out false when conflict_where rejected it or the row went away. */
static Error *conflict_update(DmlOp *op, const DataChunk *rows, uint32_t row_idx,
                              const FoundRow *found, DataChunk *res, bool *written_out,
                              bool *retry_out)
{
    const CatTable *table = op->table;
    uint32_t column_count = op->table_column_count;
    RowWriter writer = writer_of(op);
    *written_out = false;
    *retry_out = false;
    TRY(touch(op, found->key, found->key_size));
    DataChunk existing;
    DataChunk proposed;
    TRY(dml_decode_row(table, found->key, found->key_size, found->record, found->record_size,
                       op->batch, &existing));
    TRY(chunk_one_row(rows->columns, column_count, row_idx, op->batch, &proposed));
    DataChunk both = { .column_count = column_count * 2, .row_count = 1, .arena = op->batch };
    both.columns = arena_calloc(op->batch, sizeof(Vector) * (column_count * 2 + 1));
    if (both.columns == NULL) return oom();
    memcpy(both.columns, existing.columns, sizeof(Vector) * column_count);
    memcpy(both.columns + column_count, proposed.columns, sizeof(Vector) * column_count);
    if (op->conflict_where_state != NULL) {
        Vector pass;
        TRY(expr_eval(op->conflict_where_state, &both, op->batch, &pass));
        if (!bool_true(&pass, 0)) return NULL;
    }
    Vector *values = arena_calloc(op->batch, sizeof(Vector) * (column_count + 1));
    if (values == NULL) return oom();
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        if (op->conflict_set_states != NULL && op->conflict_set_states[col_idx] != NULL) {
            TRY(expr_eval(op->conflict_set_states[col_idx], &both, op->batch,
                          &values[col_idx]));
        } else {
            values[col_idx] = existing.columns[col_idx];
        }
    }
    DataChunk updated;
    TRY(chunk_one_row(values, column_count, 0, op->batch, &updated));
    TRY(check_not_null(&writer, table, &updated));
    TRY(check_checks(&writer, table, op->check_count, op->checks, &updated));
    TxnRowResult result;
    uint8_t new_key[DML_KEY_BUF_SIZE];
    size_t new_key_size = 0;
    TRY(row_update(&writer, table, existing.columns, 0, updated.columns, 0, found->key,
                   found->key_size, found->xid, &result, new_key, &new_key_size));
    if (result.outcome == TXN_ROW_CHANGED) {
        txn_row_result_free(&result);
        *retry_out = true;
        return NULL;
    }
    if (result.outcome == TXN_ROW_GONE) {
        *retry_out = true;
        return NULL;
    }
    TRY(check_fks(op, updated.columns, 0, existing.columns, 0));
    TRY(fk_parent_changed(&writer, table, existing.columns, 0, updated.columns, 0));
    if (res != NULL) TRY(chunk_append_row(res, updated.columns, 0));
    *written_out = true;
    return NULL;
}

/* insert_row: insert (or ON CONFLICT skip / update) proposed row row_idx; *inserted_out true
 * when it was inserted as a new row (its FKs are checked by the caller). */
static Error *insert_row(DmlOp *op, const DataChunk *rows, uint32_t row_idx, DataChunk *res,
                         bool *inserted_out)
{
    *inserted_out = false;
    ExecCtx *ctx = op->base.ctx;
    RowWriter writer = writer_of(op);
    for (int attempt = 0; attempt < DML_RETRY_MAX; attempt++) {
        if (op->dml->on_conflict != CONFLICT_NONE) {
            FoundRow *found = NULL;
            TRY(conflict_find(op, rows, row_idx, &found));
            if (found != NULL) {
                if (op->dml->on_conflict == CONFLICT_NOTHING) return NULL;
                bool written = false;
                bool retry = false;
                TRY(conflict_update(op, rows, row_idx, found, res, &written, &retry));
                if (retry) continue;
                if (written) ctx->changes++;
                return NULL;
            }
        }
        uint8_t key[DML_KEY_BUF_SIZE];
        size_t key_size = 0;
        TRY(row_insert(&writer, op->table, rows->columns, row_idx, key, &key_size));
        TRY(touch(op, key, key_size));
        *inserted_out = true;
        ctx->changes++;
        if (res != NULL) TRY(chunk_append_row(res, rows->columns, row_idx));
        return NULL;
    }
    return err_new(SQLSTATE_SERIALIZATION_FAILURE,
                   "could not serialize access due to concurrent update");
}

static Error *insert_chunk(DmlOp *op, const DataChunk *in, DataChunk **res_out)
{
    RowWriter writer = writer_of(op);
    DataChunk rows;
    TRY(chunk_compact(in, op->table_column_count, op->batch, &rows));
    TRY(check_not_null(&writer, op->table, &rows));
    TRY(check_checks(&writer, op->table, op->check_count, op->checks, &rows));
    DataChunk *res = NULL;
    if (op->dml->returning_count > 0) {
        res = arena_alloc(op->batch, sizeof *res);
        if (res == NULL) return oom();
        TRY(result_init(op, rows.row_count, res));
    }
    bool *inserted = arena_calloc(op->batch, sizeof(bool) * (rows.row_count + 1));
    if (inserted == NULL) return oom();
    for (uint32_t row_idx = 0; row_idx < rows.row_count; row_idx++) {
        TRY(insert_row(op, &rows, row_idx, res, &inserted[row_idx]));
    }
    /* foreign keys after the chunk's rows are in: a row may reference one inserted with it */
    for (uint32_t row_idx = 0; row_idx < rows.row_count; row_idx++) {
        if (inserted[row_idx]) TRY(check_fks(op, rows.columns, row_idx, NULL, 0));
    }
    *res_out = res;
    return NULL;
}

/* new_rows: the SET results over in (rows 0..n-1): table columns of the new versions. */
static Error *new_rows(DmlOp *op, DataChunk *in, DataChunk *out)
{
    uint32_t column_count = op->table_column_count;
    Vector *values = arena_calloc(op->batch, sizeof(Vector) * (column_count + 1));
    if (values == NULL) return oom();
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        if (op->set_states != NULL && col_idx < op->dml->set_count &&
            op->set_states[col_idx] != NULL) {
            TRY(expr_eval(op->set_states[col_idx], in, op->batch, &values[col_idx]));
        } else {
            values[col_idx] = in->columns[col_idx];
        }
    }
    DataChunk view = { .column_count = column_count, .columns = values,
                       .row_count = in->row_count, .arena = op->batch };
    return chunk_compact(&view, column_count, op->batch, out);
}

/* changed_version: the newest version (record of result) in the child's row shape: table
 * columns, row key, xid, then the original row's other columns. */
static Error *changed_version(DmlOp *op, const DataChunk *in, uint32_t row_idx,
                              const uint8_t *key, size_t key_size, const TxnRowResult *result,
                              DataChunk *out)
{
    uint32_t column_count = op->table_column_count;
    DataChunk decoded;
    TRY(dml_decode_row(op->table, key, key_size, result->record.data, result->record.size,
                       op->batch, &decoded));
    DataChunk rest;
    TRY(chunk_one_row(in->columns, in->column_count, row_idx, op->batch, &rest));
    memcpy(rest.columns, decoded.columns, sizeof(Vector) * column_count);
    vec_i64(&rest.columns[column_count + 1])[0] = (int64_t)result->xid;
    *out = rest;
    return NULL;
}

static Error *update_row(DmlOp *op, DataChunk *in, DataChunk *rows, uint32_t row_idx,
                         DataChunk *res)
{
    ExecCtx *ctx = op->base.ctx;
    RowWriter writer = writer_of(op);
    uint32_t column_count = op->table_column_count;
    const StrView *key_view = &vec_str(&in->columns[column_count])[row_idx];
    size_t key_size = key_view->size;
    uint8_t *key = arena_alloc(op->batch, key_size + 1);
    if (key == NULL) return oom();
    memcpy(key, str_view_data(key_view), key_size);
    uint64_t seen_xid = (uint64_t)vec_i64(&in->columns[column_count + 1])[row_idx];
    /* Halloween protection: the child may reach a row again after this statement rewrote it
     * (an index scan meeting the new entry, a clustered key moved ahead of a seq scan, a join
     * producing it twice): a row key this statement already wrote is skipped. */
    bool written_before = false;
    TRY(keyset_add(&op->updated, exec_run_arena(ctx), key, key_size, &written_before));
    if (written_before) return NULL;
    const DataChunk *old = in;
    uint32_t old_idx = row_idx;
    const DataChunk *cur = rows;
    uint32_t cur_idx = row_idx;
    for (int attempt = 0; attempt < DML_RETRY_MAX; attempt++) {
        TxnRowResult result;
        uint8_t new_key[DML_KEY_BUF_SIZE];
        size_t new_key_size = 0;
        TRY(row_update(&writer, op->table, old->columns, old_idx, cur->columns, cur_idx, key,
                       key_size, seen_xid, &result, new_key, &new_key_size));
        if (result.outcome == TXN_ROW_GONE) return NULL;
        if (result.outcome == TXN_ROW_DONE) {
            ctx->changes++;
            bool present = false;
            TRY(keyset_add(&op->updated, exec_run_arena(ctx), new_key, new_key_size,
                           &present));
            TRY(check_fks(op, cur->columns, cur_idx, old->columns, old_idx));
            TRY(fk_parent_changed(&writer, op->table, old->columns, old_idx, cur->columns,
                                  cur_idx));
            if (res != NULL) {
                /* the new table columns, then the child's row key, xid and other columns;
                 * cur and old are always read at the same row index */
                Vector *joined = arena_alloc(op->batch, sizeof(Vector) * res->column_count);
                if (joined == NULL) return oom();
                memcpy(joined, old->columns, sizeof(Vector) * res->column_count);
                memcpy(joined, cur->columns, sizeof(Vector) * column_count);
                ASSERT(cur_idx == old_idx);
                TRY(chunk_append_row(res, joined, cur_idx));
            }
            return NULL;
        }
        /* READ COMMITTED: a concurrent committed update: re-check on the newest version */
        DataChunk *version = arena_alloc(op->batch, sizeof *version);
        DataChunk *updated = arena_alloc(op->batch, sizeof *updated);
        if (version == NULL || updated == NULL) {
            txn_row_result_free(&result);
            return oom();
        }
        if (result.xid == txn_xid(ctx->txn)) {
            /* this statement already changed the row (a join produced it twice) */
            txn_row_result_free(&result);
            return NULL;
        }
        Error *err = changed_version(op, in, row_idx, key, key_size, &result, version);
        seen_xid = result.xid;
        txn_row_result_free(&result);
        TRY(err);
        if (!op->dml->recheck_with_child && in->column_count > column_count + 2) return NULL;
        if (op->recheck_state != NULL) {
            Vector pass;
            TRY(expr_eval(op->recheck_state, version, op->batch, &pass));
            if (!bool_true(&pass, 0)) return NULL;
        }
        TRY(new_rows(op, version, updated));
        TRY(check_not_null(&writer, op->table, updated));
        TRY(check_checks(&writer, op->table, op->check_count, op->checks, updated));
        old = version;
        old_idx = 0;
        cur = updated;
        cur_idx = 0;
    }
    return err_new(SQLSTATE_SERIALIZATION_FAILURE,
                   "could not serialize access due to concurrent update");
}

static Error *child_row_check(DmlOp *op, const DataChunk *in)
{
    if (in->column_count < op->table_column_count + 2) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "DML child row lacks the row key and xid");
    }
    return NULL;
}

static Error *update_chunk(DmlOp *op, const DataChunk *child, DataChunk **res_out)
{
    RowWriter writer = writer_of(op);
    DataChunk in;
    DataChunk rows;
    TRY(child_row_check(op, child));
    TRY(chunk_compact(child, child->column_count, op->batch, &in));
    TRY(new_rows(op, &in, &rows));
    TRY(check_not_null(&writer, op->table, &rows));
    TRY(check_checks(&writer, op->table, op->check_count, op->checks, &rows));
    DataChunk *res = NULL;
    if (op->dml->returning_count > 0) {
        res = arena_alloc(op->batch, sizeof *res);
        if (res == NULL) return oom();
        TRY(result_init_child(op, &in, res));
    }
    for (uint32_t row_idx = 0; row_idx < rows.row_count; row_idx++) {
        TRY(update_row(op, &in, &rows, row_idx, res));
    }
    *res_out = res;
    return NULL;
}

static Error *delete_row(DmlOp *op, DataChunk *in, uint32_t row_idx, DataChunk *res)
{
    ExecCtx *ctx = op->base.ctx;
    RowWriter writer = writer_of(op);
    uint32_t column_count = op->table_column_count;
    const StrView *key_view = &vec_str(&in->columns[column_count])[row_idx];
    size_t key_size = key_view->size;
    uint8_t *key = arena_alloc(op->batch, key_size + 1);
    if (key == NULL) return oom();
    memcpy(key, str_view_data(key_view), key_size);
    uint64_t seen_xid = (uint64_t)vec_i64(&in->columns[column_count + 1])[row_idx];
    const DataChunk *old = in;
    uint32_t old_idx = row_idx;
    for (int attempt = 0; attempt < DML_RETRY_MAX; attempt++) {
        TxnRowResult result;
        TRY(row_delete(&writer, op->table, old->columns, old_idx, key, key_size, seen_xid,
                       &result));
        if (result.outcome == TXN_ROW_GONE) return NULL;
        if (result.outcome == TXN_ROW_DONE) {
            ctx->changes++;
            if (res != NULL) TRY(chunk_append_row(res, old->columns, old_idx));
            return NULL;
        }
        DataChunk *version = arena_alloc(op->batch, sizeof *version);
        if (version == NULL) {
            txn_row_result_free(&result);
            return oom();
        }
        if (result.xid == txn_xid(ctx->txn)) {
            /* this statement already changed the row (a join produced it twice) */
            txn_row_result_free(&result);
            return NULL;
        }
        Error *err = changed_version(op, in, row_idx, key, key_size, &result, version);
        seen_xid = result.xid;
        txn_row_result_free(&result);
        TRY(err);
        if (!op->dml->recheck_with_child && in->column_count > column_count + 2) return NULL;
        if (op->recheck_state != NULL) {
            Vector pass;
            TRY(expr_eval(op->recheck_state, version, op->batch, &pass));
            if (!bool_true(&pass, 0)) return NULL;
        }
        old = version;
        old_idx = 0;
    }
    return err_new(SQLSTATE_SERIALIZATION_FAILURE,
                   "could not serialize access due to concurrent delete");
}

static Error *delete_chunk(DmlOp *op, const DataChunk *child, DataChunk **res_out)
{
    DataChunk in;
    TRY(child_row_check(op, child));
    TRY(chunk_compact(child, child->column_count, op->batch, &in));
    DataChunk *res = NULL;
    if (op->dml->returning_count > 0) {
        res = arena_alloc(op->batch, sizeof *res);
        if (res == NULL) return oom();
        TRY(result_init_child(op, &in, res));
    }
    for (uint32_t row_idx = 0; row_idx < in.row_count; row_idx++) {
        TRY(delete_row(op, &in, row_idx, res));
    }
    *res_out = res;
    return NULL;
}

/* materialize_input: read the whole child output first (INSERT ... SELECT from the target
 * table must not see its own new rows: there are no command ids to hide them). */
static Error *materialize_input(DmlOp *op)
{
    op->input_arena = arena_create(DML_BATCH_ARENA_SIZE);
    if (op->input_arena == NULL) return oom();
    for (;;) {
        DataChunk *child = NULL;
        TRY(exec_next(op->base.left, &child));
        if (child == NULL) break;
        if (chunk_live_count(child) == 0) continue;
        if (op->input_count == op->input_capacity) {
            uint32_t capacity = op->input_capacity * 2 + 8;
            DataChunk *bigger = arena_alloc(op->input_arena, sizeof(DataChunk) * capacity);
            if (bigger == NULL) return oom();
            if (op->input_count > 0) {
                memcpy(bigger, op->inputs, sizeof(DataChunk) * op->input_count);
            }
            op->inputs = bigger;
            op->input_capacity = capacity;
        }
        TRY(chunk_copy(child, child->column_count, op->input_arena,
                       &op->inputs[op->input_count]));
        op->input_count++;
    }
    return NULL;
}

/* direct_chunk: the parameters as op->direct_chunk; false if this execution's parameters do
 * not qualify (then the VALUES child runs). */
static bool direct_chunk(DmlOp *op)
{
    const ExecCtx *ctx = op->base.ctx;
    const Plan *values = op->base.left->plan;
    for (uint32_t col_idx = 0; col_idx < values->column_count; col_idx++) {
        uint32_t param_idx = op->direct_params[col_idx];
        if (ctx->params == NULL || param_idx >= ctx->param_count) return false;
        const Vector *param = &ctx->params[param_idx];
        if (!param->is_constant || param->phys == VEC_PHYS_NUM64 ||
            param->phys == VEC_PHYS_NUMERIC || !type_equal(param->type, values->types[col_idx])) {
            return false;
        }
        /* one row: the constant's slot 0 is that row, so a flat view reads the same value and
         * chunk_compact need not copy it */
        op->direct_columns[col_idx] = *param;
        op->direct_columns[col_idx].is_constant = false;
    }
    op->direct_chunk = (DataChunk){ .column_count = values->column_count,
                                    .columns = op->direct_columns, .row_count = 1,
                                    .arena = op->batch };
    return true;
}

static Error *next_input(DmlOp *op, DataChunk **chunk_out)
{
    *chunk_out = NULL;
    if (op->base.left == NULL) return NULL;
    if (op->direct_params != NULL && op->direct_state != DIRECT_CHILD) {
        if (op->direct_state == DIRECT_DONE) return NULL;
        if (direct_chunk(op)) {
            op->direct_state = DIRECT_DONE;
            *chunk_out = &op->direct_chunk;
            return NULL;
        }
        op->direct_state = DIRECT_CHILD;
    }
    if (!op->materialize) return exec_next(op->base.left, chunk_out);
    if (op->input_arena == NULL) TRY(materialize_input(op));
    if (op->input_idx < op->input_count) *chunk_out = &op->inputs[op->input_idx++];
    return NULL;
}

static Error *dml_next(Op *base, DataChunk **chunk_out)
{
    DmlOp *op = (DmlOp *)base;
    *chunk_out = NULL;
    while (!op->done) {
        arena_reset(op->batch);
        TRY(exec_check_interrupt(base->ctx));
        DataChunk *child = NULL;
        TRY(next_input(op, &child));
        if (child == NULL) {
            op->done = true;
            break;
        }
        if (chunk_live_count(child) == 0) continue;
        DataChunk *res = NULL;
        if (op->kind == PLAN_INSERT) {
            TRY(insert_chunk(op, child, &res));
        } else if (op->kind == PLAN_UPDATE) {
            TRY(update_chunk(op, child, &res));
        } else {
            TRY(delete_chunk(op, child, &res));
        }
        if (res != NULL && res->row_count > 0) return returning_chunk(op, res, chunk_out);
    }
    return NULL;
}

static Error *dml_rescan(Op *base)
{
    (void)base;
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "a data-modifying statement cannot rescan");
}

/* inputs_free: drop the materialized input (it belongs to one execution). */
static void inputs_free(DmlOp *op)
{
    arena_destroy(op->input_arena);
    op->input_arena = NULL;
    op->inputs = NULL;
    op->input_count = 0;
    op->input_capacity = 0;
    op->input_idx = 0;
}

/* dml_reset: keep the op (its batch arena and compiled constraints) for the next execution;
 * the key sets live in the per-execution arena and are dropped by the next open. */
static void dml_reset(Op *base)
{
    DmlOp *op = (DmlOp *)base;
    if (base->left != NULL) exec_reset(base->left);
    if (op->batch != NULL) arena_reset(op->batch);
    inputs_free(op);
    op->touched = (KeySet){ 0 };
    op->updated = (KeySet){ 0 };
    op->done = true;
}

static void dml_close(Op *base)
{
    DmlOp *op = (DmlOp *)base;
    if (base->left != NULL) exec_close(base->left);
    /* the expression states own the operator trees of their subplans (SET x = (SELECT ...)) */
    for (uint32_t check_idx = 0; op->checks != NULL && check_idx < op->check_count; check_idx++) {
        op_expr_close(op->checks[check_idx].state);
    }
    op->checks = NULL;
    close_list(op->set_states, op->dml->set_count);
    op->set_states = NULL;
    close_list(op->conflict_set_states, op->table_column_count);
    op->conflict_set_states = NULL;
    op_expr_close(op->conflict_where_state);
    op->conflict_where_state = NULL;
    op_expr_close(op->recheck_state);
    op->recheck_state = NULL;
    close_list(op->returning_states, op->dml->returning_count);
    op->returning_states = NULL;
    arena_destroy(op->batch);
    op->batch = NULL;
    inputs_free(op);
}

static const OpVtbl DML_VTBL = {
    .name = "ModifyTable",
    .open = dml_open,
    .next = dml_next,
    .rescan = dml_rescan,
    .close = dml_close,
};

/* direct_init: set op->direct_params when the input is a one-row VALUES of bare parameters,
 * each of its column's type (see DirectState). */
static Error *direct_init(DmlOp *op, ExecCtx *ctx, const Plan *values)
{
    if (values == NULL || values->kind != PLAN_VALUES || values->value_row_count != 1 ||
        values->column_count == 0 || values->value_rows == NULL || values->value_rows[0] == NULL) {
        return NULL;
    }
    for (uint32_t col_idx = 0; col_idx < values->column_count; col_idx++) {
        const Expr *cell = values->value_rows[0][col_idx];
        if (cell == NULL || cell->kind != EXPR_PARAM ||
            !type_equal(cell->type, values->types[col_idx])) {
            return NULL;
        }
    }
    uint32_t *params = arena_alloc(ctx->arena, sizeof(uint32_t) * values->column_count);
    Vector *columns = arena_calloc(ctx->arena, sizeof(Vector) * values->column_count);
    if (params == NULL || columns == NULL) return oom();
    for (uint32_t col_idx = 0; col_idx < values->column_count; col_idx++) {
        params[col_idx] = values->value_rows[0][col_idx]->param_idx;
    }
    op->direct_params = params;
    op->direct_columns = columns;
    return NULL;
}

static Error *dml_new(ExecCtx *ctx, const Plan *plan, PlanKind kind, Op **op_out)
{
    VERIFY(plan->kind == kind);
    if (plan->dml.table == NULL || plan->dml.table->tree == NULL) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "cannot change relation \"%s\"",
                       plan->dml.table != NULL ? plan->dml.table->name : "?");
    }
    DmlOp *op = arena_calloc(ctx->arena, sizeof *op);
    if (op == NULL) return oom();
    op->base = (Op){ .vt = &DML_VTBL, .plan = plan, .ctx = ctx,
                     .column_count = plan->column_count, .types = plan->types };
    op->base.reset = dml_reset;
    op->kind = kind;
    op->dml = &plan->dml;
    op->table = plan->dml.table;
    op->table_column_count = plan->dml.table->column_count;
    op->materialize = kind == PLAN_INSERT && plan_reads_table(plan->left, op->table->oid, 0);
    if (plan->left != NULL) TRY(exec_build(ctx, plan->left, &op->base.left));
    if (kind == PLAN_INSERT && !op->materialize) TRY(direct_init(op, ctx, plan->left));
    *op_out = &op->base;
    return NULL;
}

Error *op_insert_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    return dml_new(ctx, plan, PLAN_INSERT, op_out);
}

Error *op_update_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    return dml_new(ctx, plan, PLAN_UPDATE, op_out);
}

Error *op_delete_new(ExecCtx *ctx, const Plan *plan, Op **op_out)
{
    return dml_new(ctx, plan, PLAN_DELETE, op_out);
}
