/* executor/op_dml_keys.c: the row-level lookups and messages of DML (dml_int.h): PostgreSQL's
 * detail texts ("Key (a)=(1) already exists.", "Failing row contains (...)."), index entry
 * keys, and finding the rows whose columns equal given values (foreign keys, ON CONFLICT)
 * through the clustered key, an index on exactly those columns, or a scan.
 *
 * Invariant: every lookup goes through txn/ with the caller's snapshot (txn_row_get,
 * txn_cursor_*) and no command-id barrier (dml_find_rows lifts it), and a row found through
 * an index entry is re-checked against the row's own column values, so a stale entry (an old
 * version's key not yet purged) never counts.
 */
#include <stdio.h>
#include <string.h>

#include "common/asserts.h"
#include "executor/dml_int.h"
#include "storage/row.h"

static uint32_t src_idx(const Vector *vec, uint32_t row_idx)
{
    return vec->is_constant ? 0 : row_idx;
}

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* ------------------------------------------------------------ text for messages ---- */

Error *dml_value_text(const Vector *vec, uint32_t row_idx, const DtSettings *dt, Arena *arena,
                      const char **text_out)
{
    uint32_t idx = src_idx(vec, row_idx);
    if (vec_is_null(vec, idx)) {
        *text_out = "null";
        return NULL;
    }
    if (vec->phys == VEC_PHYS_STR && vec->type.id != TYPE_BYTEA) {
        const StrView *view = &vec_str(vec)[idx];
        *text_out = arena_strndup(arena, str_view_data(view), view->size);
        return *text_out == NULL ? oom() : NULL;
    }
    if (vec->type.id == TYPE_BOOL) {
        *text_out = vec_bool(vec)[idx] ? "t" : "f";
        return NULL;
    }
    KernFn fn = NULL;
    TRY(kern_cast_lookup(vec->type, type_plain(TYPE_TEXT), &fn));
    if (fn == NULL) {
        *text_out = "?";
        return NULL;
    }
    Vector out;
    vec_init(&out, type_plain(TYPE_TEXT), arena);
    KernCtx kctx = { .arena = arena, .dt = dt, .state = NULL };
    const Vector *args[1] = { vec };
    uint16_t sel[1] = { (uint16_t)idx };
    TRY(fn(&kctx, args, sel, 1, &out));
    const StrView *view = &vec_str(&out)[idx];
    *text_out = arena_strndup(arena, str_view_data(view), view->size);
    return *text_out == NULL ? oom() : NULL;
}

/* Growable text in an arena for details. */
typedef struct TextBuf {
    Arena *arena;
    char  *data;
    size_t size;
    size_t capacity;
} TextBuf;

static Error *text_add(TextBuf *buf, const char *text)
{
    size_t add = strlen(text);
    if (buf->size + add + 1 > buf->capacity) {
        size_t capacity = (buf->capacity + add + 1) * 2;
        char *data = arena_alloc(buf->arena, capacity);
        if (data == NULL) return oom();
        if (buf->size > 0) memcpy(data, buf->data, buf->size);
        buf->data = data;
        buf->capacity = capacity;
    }
    memcpy(buf->data + buf->size, text, add);
    buf->size += add;
    buf->data[buf->size] = '\0';
    return NULL;
}

Error *dml_key_detail(const CatTable *table, uint16_t count, const int16_t *attnums,
                      const Vector *columns, const int16_t *value_attnums, uint32_t row_idx,
                      const DtSettings *dt, Arena *arena, const char **text_out)
{
    TextBuf buf = { .arena = arena };
    TRY(text_add(&buf, "("));
    for (uint16_t key_idx = 0; key_idx < count; key_idx++) {
        if (key_idx > 0) TRY(text_add(&buf, ", "));
        TRY(text_add(&buf, table->columns[attnums[key_idx] - 1].name));
    }
    TRY(text_add(&buf, ")=("));
    for (uint16_t key_idx = 0; key_idx < count; key_idx++) {
        if (key_idx > 0) TRY(text_add(&buf, ", "));
        int16_t attnum = value_attnums != NULL ? value_attnums[key_idx] : attnums[key_idx];
        const char *text;
        TRY(dml_value_text(&columns[attnum - 1], row_idx, dt, arena, &text));
        TRY(text_add(&buf, text));
    }
    TRY(text_add(&buf, ")"));
    *text_out = buf.data;
    return NULL;
}

/* row_detail: "Failing row contains (...)." over the table's live columns. */
Error *dml_row_detail(const CatTable *table, const Vector *columns, uint32_t row_idx,
                         const DtSettings *dt, Arena *arena, const char **text_out)
{
    TextBuf buf = { .arena = arena };
    TRY(text_add(&buf, "Failing row contains ("));
    bool first = true;
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        if (table->columns[col_idx].dropped) continue;
        if (!first) TRY(text_add(&buf, ", "));
        first = false;
        const char *text;
        TRY(dml_value_text(&columns[col_idx], row_idx, dt, arena, &text));
        TRY(text_add(&buf, text));
    }
    TRY(text_add(&buf, ")."));
    *text_out = buf.data;
    return NULL;
}

Error *dml_unique_error(Error *err, const char *name, const CatTable *table, uint16_t count,
                        const int16_t *attnums, const Vector *columns, uint32_t row_idx,
                        const DtSettings *dt, Arena *arena)
{
    if (err == NULL || err->state != SQLSTATE_UNIQUE_VIOLATION) return err;
    err_free(err);
    Error *out = err_new(SQLSTATE_UNIQUE_VIOLATION,
                         "duplicate key value violates unique constraint \"%s\"", name);
    err_set_object(out, table->namespace_name, table->name, NULL, name);
    const char *detail = NULL;
    Error *detail_err = dml_key_detail(table, count, attnums, columns, NULL, row_idx, dt,
                                       arena, &detail);
    if (detail_err != NULL) {
        err_free(detail_err);
        return out;
    }
    return err_set_detail(out, "Key %s already exists.", detail);
}

/* ------------------------------------------------------------ keys ---- */

const CatConstraint *dml_primary_constraint(const CatTable *table)
{
    for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
        if (table->constraints[con_idx].kind == CAT_CONSTR_PRIMARY) {
            return &table->constraints[con_idx];
        }
    }
    return NULL;
}

Error *dml_index_entry(const CatIndex *index, const Vector *columns, uint32_t row_idx,
                       const uint8_t *row_key, size_t row_key_size, KeyBuf *buf,
                       size_t *unique_prefix_out)
{
    size_t unique_prefix = 0;
    bool has_null = false;
    TRY(rowcodec_index_key(index, columns, row_idx, row_key, row_key_size, buf, &unique_prefix,
                           &has_null));
    *unique_prefix_out = index->unique && !has_null ? unique_prefix : 0;
    return NULL;
}

/* Encode the values columns[value_attnums[k] - 1] at row_idx with the given directions. */
Error *dml_encode_values(KeyBuf *buf, uint16_t count, const KeyDir *dirs,
                            const Vector *columns, const int16_t *value_attnums,
                            uint32_t row_idx)
{
    for (uint16_t key_idx = 0; key_idx < count; key_idx++) {
        const Vector *vec = &columns[value_attnums[key_idx] - 1];
        TRY(rowcodec_key_append(buf, dirs != NULL ? dirs[key_idx] : KEY_ASC, vec,
                                src_idx(vec, row_idx)));
    }
    return NULL;
}

Error *dml_decode_row(const CatTable *table, const uint8_t *key, size_t key_size,
                      const uint8_t *record, size_t record_size, Arena *arena, DataChunk *out)
{
    *out = (DataChunk){ .column_count = table->column_count, .arena = arena, .row_count = 1 };
    out->columns = arena_calloc(arena, sizeof(Vector) * (table->column_count + 1u));
    if (out->columns == NULL) return oom();
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        Vector *vec = &out->columns[col_idx];
        vec_init(vec, table->columns[col_idx].type, arena);
        TRY(vec_reserve(vec, 1));
        TRY(rowcodec_decode_column(table, (int16_t)(col_idx + 1), record, record_size, key,
                                   key_size, vec, 0));
    }
    return NULL;
}

static Error *found_add(Arena *arena, FoundRow **rows, uint32_t *count, uint32_t *capacity,
                        const uint8_t *key, size_t key_size, const uint8_t *record,
                        size_t record_size)
{
    if (*count == *capacity) {
        uint32_t grown = *capacity * 2 + 4;
        FoundRow *bigger = arena_alloc(arena, sizeof(FoundRow) * grown);
        if (bigger == NULL) return oom();
        if (*count > 0) memcpy(bigger, *rows, sizeof(FoundRow) * *count);
        *rows = bigger;
        *capacity = grown;
    }
    FoundRow *row = &(*rows)[(*count)++];
    row->key = arena_alloc(arena, key_size + 1);
    row->record = arena_alloc(arena, record_size + 1);
    if (row->key == NULL || row->record == NULL) return oom();
    memcpy(row->key, key, key_size);
    memcpy(row->record, record, record_size);
    row->key_size = key_size;
    row->record_size = record_size;
    RowHeader header;
    TRY(row_header_read(record, record_size, &header));
    row->xid = header.xid;
    return NULL;
}

/* row_matches: does the stored row's columns attnums encode (dirs) to exactly target? */
static Error *row_matches(const CatTable *table, uint16_t count, const int16_t *attnums,
                          const KeyDir *dirs, const uint8_t *key, size_t key_size,
                          const uint8_t *record, size_t record_size, const uint8_t *target,
                          size_t target_size, Arena *arena, bool *match_out)
{
    uint8_t memory[DML_KEY_BUF_SIZE];
    KeyBuf buf;
    key_buf_init(&buf, memory, sizeof memory);
    for (uint16_t key_idx = 0; key_idx < count; key_idx++) {
        Vector vec;
        vec_init(&vec, table->columns[attnums[key_idx] - 1].type, arena);
        TRY(vec_reserve(&vec, 1));
        TRY(rowcodec_decode_column(table, attnums[key_idx], record, record_size, key, key_size,
                                   &vec, 0));
        TRY(rowcodec_key_append(&buf, dirs != NULL ? dirs[key_idx] : KEY_ASC, &vec, 0));
    }
    *match_out = buf.size == target_size && memcmp(buf.bytes, target, target_size) == 0;
    return NULL;
}

static const CatIndex *index_on(const CatTable *table, uint16_t count, const int16_t *attnums)
{
    for (uint16_t index_idx = 0; index_idx < table->index_count; index_idx++) {
        const CatIndex *index = table->indexes[index_idx];
        if (index->key_count != count || index->tree == NULL) continue;
        bool same = true;
        for (uint16_t key_idx = 0; key_idx < count; key_idx++) {
            if (index->attnums[key_idx] != attnums[key_idx]) same = false;
        }
        if (same) return index;
    }
    return NULL;
}

static Error *find_by_index(ExecCtx *ctx, Arena *arena, const CatTable *table,
                            const CatIndex *index, const Vector *columns,
                            const int16_t *value_attnums, uint32_t row_idx, uint32_t limit,
                            FoundRow **rows, uint32_t *count, uint32_t *capacity)
{
    KeyDir *dirs = arena_alloc(arena, sizeof(KeyDir) * (index->key_count + 1u));
    if (dirs == NULL) return oom();
    for (uint16_t key_idx = 0; key_idx < index->key_count; key_idx++) {
        dirs[key_idx] = key_dir_make(index->descending != NULL && index->descending[key_idx],
                                     index->nulls_first != NULL && index->nulls_first[key_idx]);
    }
    uint8_t lo_memory[DML_KEY_BUF_SIZE];
    uint8_t hi_memory[DML_KEY_BUF_SIZE];
    KeyBuf lo;
    KeyBuf hi;
    key_buf_init(&lo, lo_memory, sizeof lo_memory);
    TRY(dml_encode_values(&lo, index->key_count, dirs, columns, value_attnums, row_idx));
    key_buf_init(&hi, hi_memory, sizeof hi_memory);
    TRY(dml_encode_values(&hi, index->key_count, dirs, columns, value_attnums, row_idx));
    TRY(key_append_prefix_end(&hi));
    TxnCursor *cursor = NULL;
    TRY(txn_cursor_open(ctx->txn, index->tree, lo.bytes, lo.size, hi.bytes, hi.size, &cursor));
    Error *err = NULL;
    BtBuf record = { 0 };
    while (*count < limit) {
        bool found = false;
        err = txn_cursor_next(cursor, &found);
        if (err != NULL || !found) break;
        size_t entry_size = 0;
        const uint8_t *entry = txn_cursor_key(cursor, &entry_size);
        if (entry_size < lo.size) continue;
        const uint8_t *row_key = entry + lo.size;
        size_t row_key_size = entry_size - lo.size;
        bool visible = false;
        err = txn_row_get(ctx->txn, table->tree, row_key, row_key_size, &record, &visible);
        if (err != NULL) break;
        if (!visible) continue;
        bool match = false;
        err = row_matches(table, index->key_count, index->attnums, dirs, row_key, row_key_size,
                          record.data, record.size, lo.bytes, lo.size, arena, &match);
        if (err != NULL) break;
        if (!match) continue;
        /* the same row may have several entries (an old one not yet purged): keep one */
        bool seen = false;
        for (uint32_t found_idx = 0; found_idx < *count; found_idx++) {
            if ((*rows)[found_idx].key_size == row_key_size &&
                memcmp((*rows)[found_idx].key, row_key, row_key_size) == 0) {
                seen = true;
            }
        }
        if (seen) continue;
        err = found_add(arena, rows, count, capacity, row_key, row_key_size, record.data,
                        record.size);
        if (err != NULL) break;
    }
    bt_buf_free(&record);
    txn_cursor_close(cursor);
    return err;
}

static Error *find_by_scan(ExecCtx *ctx, Arena *arena, const CatTable *table, uint16_t key_count,
                           const int16_t *attnums, const Vector *columns,
                           const int16_t *value_attnums, uint32_t row_idx, uint32_t limit,
                           FoundRow **rows, uint32_t *count, uint32_t *capacity)
{
    uint8_t target_memory[DML_KEY_BUF_SIZE];
    KeyBuf target;
    key_buf_init(&target, target_memory, sizeof target_memory);
    TRY(dml_encode_values(&target, key_count, NULL, columns, value_attnums, row_idx));
    Arena *scratch = arena_create(8192);
    if (scratch == NULL) return oom();
    TxnCursor *cursor = NULL;
    Error *err = txn_cursor_open(ctx->txn, table->tree, NULL, 0, NULL, 0, &cursor);
    uint64_t row_count = 0;
    while (err == NULL && *count < limit) {
        bool found = false;
        err = txn_cursor_next(cursor, &found);
        if (err != NULL || !found) break;
        if (++row_count % VEC_VALUE_COUNT_MAX == 0) {
            err = exec_check_interrupt(ctx);
            if (err != NULL) break;
        }
        arena_reset(scratch);
        size_t key_size = 0;
        size_t record_size = 0;
        const uint8_t *key = txn_cursor_key(cursor, &key_size);
        const uint8_t *record = txn_cursor_record(cursor, &record_size);
        bool match = false;
        err = row_matches(table, key_count, attnums, NULL, key, key_size, record, record_size,
                          target.bytes, target.size, scratch, &match);
        if (err == NULL && match) {
            err = found_add(arena, rows, count, capacity, key, key_size, record, record_size);
        }
    }
    if (cursor != NULL) txn_cursor_close(cursor);
    arena_destroy(scratch);
    return err;
}

static Error *find_rows(ExecCtx *ctx, Arena *arena, const CatTable *table, uint16_t count,
                        const int16_t *attnums, const Vector *columns,
                        const int16_t *value_attnums, uint32_t row_idx, uint32_t limit,
                        FoundRow **rows_out, uint32_t *count_out);

/* Command ids: foreign-key checks and ON CONFLICT see every write of the transaction, the
 * statement's own included, even under the read barrier of a statement with data-modifying
 * CTEs (PostgreSQL runs its RI checks after the statement, and ON CONFLICT reads with a dirty
 * snapshot): the barrier is lifted for the lookup. */
Error *dml_find_rows(ExecCtx *ctx, Arena *arena, const CatTable *table, uint16_t count,
                     const int16_t *attnums, const Vector *columns, const int16_t *value_attnums,
                     uint32_t row_idx, uint32_t limit, FoundRow **rows_out, uint32_t *count_out)
{
    TxnBarrier barrier;
    bool barrier_on = txn_read_barrier_get(ctx->txn, &barrier);
    if (barrier_on) txn_read_barrier_set(ctx->txn, NULL);
    Error *err = find_rows(ctx, arena, table, count, attnums, columns, value_attnums, row_idx,
                           limit, rows_out, count_out);
    if (barrier_on) txn_read_barrier_set(ctx->txn, &barrier);
    return err;
}

static Error *find_rows(ExecCtx *ctx, Arena *arena, const CatTable *table, uint16_t count,
                        const int16_t *attnums, const Vector *columns,
                        const int16_t *value_attnums, uint32_t row_idx, uint32_t limit,
                        FoundRow **rows_out, uint32_t *count_out)
{
    *rows_out = NULL;
    *count_out = 0;
    uint32_t capacity = 0;
    if (table->cluster_attnum > 0 && count == 1 && attnums[0] == table->cluster_attnum) {
        uint8_t memory[DML_KEY_BUF_SIZE];
        KeyBuf key;
        key_buf_init(&key, memory, sizeof memory);
        TRY(dml_encode_values(&key, 1, NULL, columns, value_attnums, row_idx));
        BtBuf record = { 0 };
        bool found = false;
        Error *err = txn_row_get(ctx->txn, table->tree, key.bytes, key.size, &record, &found);
        if (err == NULL && found && limit > 0) {
            err = found_add(arena, rows_out, count_out, &capacity, key.bytes, key.size,
                            record.data, record.size);
        }
        bt_buf_free(&record);
        return err;
    }
    const CatIndex *index = index_on(table, count, attnums);
    if (index != NULL) {
        return find_by_index(ctx, arena, table, index, columns, value_attnums, row_idx, limit,
                             rows_out, count_out, &capacity);
    }
    return find_by_scan(ctx, arena, table, count, attnums, columns, value_attnums, row_idx,
                        limit, rows_out, count_out, &capacity);
}

/* ------------------------------------------------------------ foreign keys ---- */

bool dml_values_have_null(const Vector *columns, uint16_t count, const int16_t *attnums,
                             uint32_t row_idx)
{
    for (uint16_t key_idx = 0; key_idx < count; key_idx++) {
        const Vector *vec = &columns[attnums[key_idx] - 1];
        if (vec_is_null(vec, src_idx(vec, row_idx))) return true;
    }
    return false;
}

const int16_t *dml_fk_ref_attnums(const CatTable *ref, const CatConstraint *con)
{
    if (con->ref_attnums != NULL) return con->ref_attnums;
    const CatConstraint *primary = dml_primary_constraint(ref);
    return primary != NULL ? primary->attnums : NULL;
}

Error *dml_check_fk(ExecCtx *ctx, Arena *arena, const CatTable *table, const CatConstraint *con,
                    const Vector *columns, uint32_t row_idx)
{
    if (dml_values_have_null(columns, con->column_count, con->attnums, row_idx)) return NULL;
    const CatTable *ref = NULL;
    TRY(catalog_get(ctx->catalog, ctx->txn, con->ref_table_oid, &ref));
    if (ref == NULL) return NULL;   /* dropped with its constraint by a concurrent DDL */
    const int16_t *ref_attnums = dml_fk_ref_attnums(ref, con);
    if (ref_attnums == NULL) {
        return err_new(SQLSTATE_INVALID_FOREIGN_KEY,
                       "there is no unique constraint matching given keys for referenced "
                       "table \"%s\"", ref->name);
    }
    FoundRow *rows = NULL;
    uint32_t row_count = 0;
    TRY(dml_find_rows(ctx, arena, ref, con->column_count, ref_attnums, columns, con->attnums,
                      row_idx, 1, &rows, &row_count));
    if (row_count > 0) return NULL;
    Error *err = err_new(SQLSTATE_FOREIGN_KEY_VIOLATION,
                         "insert or update on table \"%s\" violates foreign key constraint "
                         "\"%s\"", table->name, con->name);
    err_set_object(err, table->namespace_name, table->name, NULL, con->name);
    const char *detail = NULL;
    Error *detail_err = dml_key_detail(table, con->column_count, con->attnums, columns, NULL,
                                       row_idx, ctx->dt, arena, &detail);
    if (detail_err != NULL) {
        err_free(detail_err);
        return err;
    }
    return err_set_detail(err, "Key %s is not present in table \"%s\".", detail, ref->name);
}

