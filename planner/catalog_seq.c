/* planner/catalog_seq.c: what the catalog keeps outside MVCC: sequence state (nextval is never
 * rolled back), the OID ceiling and hidden row-id counters; and the statistics rows.
 *
 * Sequence state lives in the sequence-state tree, written with bt_* directly: those mtrs
 * carry no transaction, so with a WAL they are redo-only system records that no rollback
 * undoes. Every nextval writes the new state before returning it (the `cache` parameter is
 * accepted and recorded but every value is persisted: simple and never hands out a value
 * twice across a crash).
 *
 * A state record's key is the sequence's OID until a RESTART (ALTER SEQUENCE ... RESTART,
 * TRUNCATE ... RESTART IDENTITY), which PostgreSQL undoes with its transaction: the restarted
 * state goes under a new key (a fresh OID, never reused) and the sequence's catalog row, an
 * MVCC row, is rewritten to name it (CatSequenceDef.state_key), as a rewrite gives a table a
 * new tree. A rollback (or ROLLBACK TO SAVEPOINT) brings back the row naming the old key,
 * whose state nextval kept advancing meanwhile; catalog_txn_end deletes whichever key the
 * sequence's newest row no longer names (cat_pending_seq_key; a replaced key only once no
 * snapshot can still see a row naming it, as for a dropped tree). */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "planner/catalog_int.h"
#include "storage/key.h"

typedef struct SeqState {
    int64_t        last;
    bool           is_called;
    CatSequenceDef def;
} SeqState;

static void state_encode(const SeqState *state, uint8_t out[CAT_SEQ_STATE_SIZE])
{
    enc_u64le(out, (uint64_t)state->last);
    out[8] = state->is_called;
    enc_u64le(out + 9, (uint64_t)state->def.start);
    enc_u64le(out + 17, (uint64_t)state->def.increment);
    enc_u64le(out + 25, (uint64_t)state->def.min_value);
    enc_u64le(out + 33, (uint64_t)state->def.max_value);
    enc_u64le(out + 41, (uint64_t)state->def.cache);
    out[49] = state->def.cycle;
    enc_u32le(out + 50, state->def.type.id);
}

static Error *state_decode(const uint8_t *bytes, size_t size, SeqState *state_out)
{
    if (size != CAT_SEQ_STATE_SIZE || bytes[8] > 1 || bytes[49] > 1) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "sequence state record is malformed");
    }
    *state_out = (SeqState){
        .last = (int64_t)dec_u64le(bytes),
        .is_called = bytes[8] != 0,
        .def = {.start = (int64_t)dec_u64le(bytes + 9),
                .increment = (int64_t)dec_u64le(bytes + 17),
                .min_value = (int64_t)dec_u64le(bytes + 25),
                .max_value = (int64_t)dec_u64le(bytes + 33),
                .cache = (int64_t)dec_u64le(bytes + 41),
                .cycle = bytes[49] != 0,
                .type = type_plain((TypeId)dec_u32le(bytes + 50))},
    };
    if (state_out->def.increment == 0 || state_out->def.min_value > state_out->def.max_value) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "sequence state record is malformed");
    }
    return NULL;
}

/* note_write: remember the WAL position a committing transaction must make durable. */
static void note_write(Catalog *catalog)
{
    if (catalog->wal != NULL) atomic_store(&catalog->seq_lsn, wal_insert_lsn(catalog->wal));
}

static Error *state_write(Catalog *catalog, uint32_t oid, const SeqState *state, bool insert)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(oid, key);
    uint8_t value[CAT_SEQ_STATE_SIZE];
    state_encode(state, value);
    if (insert) return bt_insert(catalog->seq_tree, key, sizeof key, value, sizeof value);
    bool found = false;
    TRY(bt_update(catalog->seq_tree, key, sizeof key, value, sizeof value, &found));
    if (!found) return bt_insert(catalog->seq_tree, key, sizeof key, value, sizeof value);
    return NULL;
}

static Error *state_read_key(Catalog *catalog, uint32_t state_key, const char *name,
                             SeqState *state_out)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(state_key, key);
    BtBuf value = {0};
    bool found = false;
    Error *err = bt_get(catalog->seq_tree, key, sizeof key, &value, &found);
    if (err == NULL && !found) {
        err = err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", name);
    }
    if (err == NULL) err = state_decode(value.data, value.size, state_out);
    bt_buf_free(&value);
    return err;
}

static Error *state_read(Catalog *catalog, const CatTable *sequence, SeqState *state_out)
{
    if (sequence->kind != CAT_KIND_SEQUENCE) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a sequence", sequence->name);
    }
    return state_read_key(catalog, sequence->seq_state_key, sequence->name, state_out);
}

Error *cat_seq_state_create(Catalog *catalog, uint32_t oid, const CatSequenceDef *def)
{
    SeqState state = {.last = def->start, .is_called = false, .def = *def};
    pthread_mutex_lock(&catalog->seq_mutex);
    Error *err = state_write(catalog, oid, &state, false);
    pthread_mutex_unlock(&catalog->seq_mutex);
    return err;
}

void cat_seq_state_delete(Catalog *catalog, uint32_t oid)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(oid, key);
    bool found = false;
    pthread_mutex_lock(&catalog->seq_mutex);
    Error *err = bt_delete(catalog->seq_tree, key, sizeof key, &found);
    pthread_mutex_unlock(&catalog->seq_mutex);
    if (err != NULL) err_free(err);   /* a leaked state record is harmless */
}

Error *cat_oid_ceiling_write(Catalog *catalog, uint32_t ceiling)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(0, key);
    uint8_t value[4];
    enc_u32le(value, ceiling);
    bool found = false;
    TRY(bt_update(catalog->seq_tree, key, sizeof key, value, sizeof value, &found));
    if (!found) return bt_insert(catalog->seq_tree, key, sizeof key, value, sizeof value);
    return NULL;
}

Error *cat_oid_ceiling_read(Catalog *catalog, uint32_t *ceiling_out)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(0, key);
    BtBuf value = {0};
    bool found = false;
    Error *err = bt_get(catalog->seq_tree, key, sizeof key, &value, &found);
    *ceiling_out = 0;
    if (err == NULL && found && value.size != 4) {
        err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog OID counter is malformed");
    }
    if (err == NULL && found) *ceiling_out = dec_u32le(value.data);
    bt_buf_free(&value);
    return err;
}

/* ------------------------------------------------------------ sequences ---- */

static Error *limit_error(const CatTable *sequence, const SeqState *state, bool maximum)
{
    return err_new(SQLSTATE_SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
                   "nextval: reached %s value of sequence \"%s\" (%lld)",
                   maximum ? "maximum" : "minimum", sequence->name,
                   (long long)(maximum ? state->def.max_value : state->def.min_value));
}

/* advance: the value after state->last, or a limit error. */
static Error *advance(const CatTable *sequence, const SeqState *state, int64_t *next_out)
{
    const CatSequenceDef *def = &state->def;
    int64_t next = 0;
    if (def->increment > 0) {
        if (__builtin_add_overflow(state->last, def->increment, &next) ||
            next > def->max_value) {
            if (!def->cycle) return limit_error(sequence, state, true);
            next = def->min_value;
        }
    } else {
        if (__builtin_add_overflow(state->last, def->increment, &next) ||
            next < def->min_value) {
            if (!def->cycle) return limit_error(sequence, state, false);
            next = def->max_value;
        }
    }
    *next_out = next;
    return NULL;
}

Error *catalog_sequence_next(Catalog *catalog, const CatTable *sequence, int64_t *value_out)
{
    pthread_mutex_lock(&catalog->seq_mutex);
    SeqState state;
    Error *err = state_read(catalog, sequence, &state);
    int64_t next = 0;
    if (err == NULL) {
        if (!state.is_called) next = state.last;
        else err = advance(sequence, &state, &next);
    }
    if (err == NULL) {
        state.last = next;
        state.is_called = true;
        err = state_write(catalog, sequence->seq_state_key, &state, false);
        if (err == NULL) note_write(catalog);
    }
    pthread_mutex_unlock(&catalog->seq_mutex);
    if (err == NULL) *value_out = next;
    return err;
}

Error *catalog_sequence_set(Catalog *catalog, const CatTable *sequence, int64_t value,
                            bool is_called)
{
    pthread_mutex_lock(&catalog->seq_mutex);
    SeqState state;
    Error *err = state_read(catalog, sequence, &state);
    if (err == NULL && (value < state.def.min_value || value > state.def.max_value)) {
        err = err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE,
                      "setval: value %lld is out of bounds for sequence \"%s\" (%lld..%lld)",
                      (long long)value, sequence->name, (long long)state.def.min_value,
                      (long long)state.def.max_value);
    }
    if (err == NULL) {
        state.last = value;
        state.is_called = is_called;
        err = state_write(catalog, sequence->seq_state_key, &state, false);
        if (err == NULL) note_write(catalog);
    }
    pthread_mutex_unlock(&catalog->seq_mutex);
    return err;
}

Error *catalog_sequence_state(Catalog *catalog, const CatTable *sequence, int64_t *last_out,
                              bool *is_called_out, CatSequenceDef *def_out)
{
    pthread_mutex_lock(&catalog->seq_mutex);
    SeqState state;
    Error *err = state_read(catalog, sequence, &state);
    pthread_mutex_unlock(&catalog->seq_mutex);
    if (err != NULL) return err;
    if (last_out != NULL) *last_out = state.last;
    if (is_called_out != NULL) *is_called_out = state.is_called;
    if (def_out != NULL) {
        *def_out = state.def;
        def_out->namespace_oid = sequence->namespace_oid;
        def_out->name = sequence->name;
    }
    return NULL;
}

static Error *restart_check(const SeqState *state, int64_t value)
{
    if (value < state->def.min_value) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "RESTART value (%lld) cannot be less than MINVALUE (%lld)",
                       (long long)value, (long long)state->def.min_value);
    }
    if (value > state->def.max_value) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "RESTART value (%lld) cannot be greater than MAXVALUE (%lld)",
                       (long long)value, (long long)state->def.max_value);
    }
    return NULL;
}

static Error *sequence_restart_body(Catalog *catalog, Txn *txn, uint32_t oid, bool use_start,
                                    int64_t value, Arena *arena)
{
    CatRelDef def;
    uint64_t xid = 0;
    TRY(cat_read_rel(catalog, txn, oid, arena, &def, &xid));
    if (def.kind != CAT_KIND_SEQUENCE) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a sequence", def.name);
    }
    uint32_t old_key = def.seq.state_key != 0 ? def.seq.state_key : def.oid;
    uint32_t new_key = 0;
    TRY(cat_oid_alloc(catalog, &new_key));
    TRY(cat_pending_seq_key(catalog, txn, oid, new_key, true));   /* first: rollback deletes it */
    TRY(cat_pending_seq_key(catalog, txn, oid, old_key, false));
    pthread_mutex_lock(&catalog->seq_mutex);
    SeqState state;
    Error *err = state_read_key(catalog, old_key, def.name, &state);
    if (err == NULL && use_start) value = state.def.start;
    if (err == NULL) err = restart_check(&state, value);
    if (err == NULL) {
        state.last = value;
        state.is_called = false;
        err = state_write(catalog, new_key, &state, true);
        if (err == NULL) note_write(catalog);
    }
    pthread_mutex_unlock(&catalog->seq_mutex);
    TRY(err);
    def.seq.state_key = new_key;
    return cat_table_write(catalog, txn, &def, xid);
}

Error *catalog_sequence_restart(Catalog *catalog, Txn *txn, uint32_t oid, bool use_start,
                                int64_t value)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    Error *err = sequence_restart_body(catalog, txn, oid, use_start, value, arena);
    arena_destroy(arena);
    return cat_ddl_end(txn, &savepoint, err);
}

/* ------------------------------------------------------------ row ids ---- */

static Error *rowid_start(const CatTable *table, int64_t *start_out)
{
    BtCursor *cursor = NULL;
    TRY(bt_cursor_open(table->tree, &cursor));
    Error *err = bt_cursor_last(cursor);
    int64_t start = 1;
    if (err == NULL && bt_cursor_valid(cursor)) {
        size_t key_size = 0;
        const uint8_t *key = bt_cursor_key(cursor, &key_size);
        KeyReader reader;
        key_reader_init(&reader, key, key_size);
        bool is_null = false;
        int64_t last = 0;
        err = key_read_int64(&reader, KEY_ASC, &is_null, &last);
        if (err == NULL && (is_null || last == INT64_MAX)) {
            err = err_new(SQLSTATE_DATA_CORRUPTED, "table \"%s\" has a bad row id",
                          table->name);
        }
        if (err == NULL) start = last < 0 ? 1 : last + 1;
    }
    bt_cursor_close(cursor);
    if (err == NULL) *start_out = start;
    return err;
}

Error *catalog_next_rowid(Catalog *catalog, const CatTable *table, int64_t *rowid_out)
{
    if (table->tree == NULL || table->kind != CAT_KIND_TABLE) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a table", table->name);
    }
    size_t bucket = (size_t)(hash_u64(table->oid) % CAT_BUCKET_COUNT);
    Error *err = NULL;
    pthread_mutex_lock(&catalog->mutex);
    CatRowid *entry = catalog->rowids[bucket];
    while (entry != NULL && entry->oid != table->oid) entry = entry->next_entry;
    if (entry == NULL) {
        int64_t start = 0;
        err = rowid_start(table, &start);
        entry = err == NULL ? calloc(1, sizeof *entry) : NULL;
        if (err == NULL && entry == NULL) err = cat_oom();
        if (err == NULL) {
            entry->oid = table->oid;
            atomic_init(&entry->next, start);
            entry->next_entry = catalog->rowids[bucket];
            catalog->rowids[bucket] = entry;
        }
    }
    pthread_mutex_unlock(&catalog->mutex);
    if (err != NULL) return err;
    *rowid_out = atomic_fetch_add(&entry->next, 1);
    return NULL;
}

/* ------------------------------------------------------------ statistics ---- */

Error *cat_stats_row_put(Catalog *catalog, Txn *txn, uint32_t table_oid, const uint8_t *bytes,
                         size_t bytes_size)
{
    RowValue values[1] = {{.bytes = bytes, .size = bytes_size}};
    size_t size = 0;
    TRY(row_size(catalog->stats_layout, values, &size));
    uint8_t *record = malloc(size);
    if (record == NULL) return cat_oom();
    RowHeader header = {0};
    row_encode(catalog->stats_layout, &header, values, record, size);
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(table_oid, key);
    BtBuf old = {0};
    bool found = false;
    Error *err = txn_row_get(txn, catalog->stats_tree, key, sizeof key, &old, &found);
    bt_buf_free(&old);
    if (err == NULL && !found) {
        err = txn_row_insert(txn, catalog->stats_tree, key, sizeof key, record, size);
    } else if (err == NULL) {
        TxnRowResult result = {0};
        err = txn_row_update(txn, catalog->stats_tree, key, sizeof key, 0, record, size, &result);
        txn_row_result_free(&result);
    }
    free(record);
    if (err == NULL) err = cat_pending_changed(catalog, txn);
    return err;
}

Error *cat_stats_row_get(Catalog *catalog, Txn *txn, uint32_t table_oid, BtBuf *record_out,
                         RowValue *value_out, bool *found_out)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(table_oid, key);
    TRY(txn_row_get(txn, catalog->stats_tree, key, sizeof key, record_out, found_out));
    if (!*found_out) return NULL;
    TRY(row_column(catalog->stats_layout, record_out->data, record_out->size, 0, value_out));
    if (value_out->is_null) return err_new(SQLSTATE_DATA_CORRUPTED, "statistics record is empty");
    return NULL;
}

Error *catalog_set_stats(Catalog *catalog, Txn *txn, uint32_t table_oid,
                         const CatTableStats *stats)
{
    uint8_t *bytes = NULL;
    size_t bytes_size = 0;
    TRY(cat_stats_encode(stats, &bytes, &bytes_size));
    Error *err = cat_stats_row_put(catalog, txn, table_oid, bytes, bytes_size);
    free(bytes);
    return err;
}

Error *catalog_get_stats(Catalog *catalog, Txn *txn, uint32_t table_oid, Arena *arena,
                         const CatTableStats **stats_out)
{
    *stats_out = NULL;
    BtBuf record = {0};
    RowValue value;
    bool found = false;
    Error *err = cat_stats_row_get(catalog, txn, table_oid, &record, &value, &found);
    if (err == NULL && found) err = cat_stats_decode(value.bytes, value.size, arena, stats_out);
    bt_buf_free(&record);
    return err;
}

Error *cat_stats_delete(Catalog *catalog, Txn *txn, uint32_t table_oid)
{
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(table_oid, key);
    BtBuf record = {0};
    bool found = false;
    TRY(txn_row_get(txn, catalog->stats_tree, key, sizeof key, &record, &found));
    bt_buf_free(&record);
    if (!found) return NULL;
    TxnRowResult result = {0};
    Error *err = txn_row_delete(txn, catalog->stats_tree, key, sizeof key, 0, &result);
    txn_row_result_free(&result);
    return err;
}
