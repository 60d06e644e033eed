/* planner/catalog_alter.c: DROP, TRUNCATE and ALTER TABLE / RENAME as changes of catalog
 * rows (the helpers they share with CREATE are in catalog_ddl.c, declared in catalog_int.h).
 *
 * DROP TABLE takes its indexes, owned sequences and statistics along, removes its FKs from
 * the referenced tables' lists and, with CASCADE, the FKs of other tables that reference it.
 * Trees are never freed here: they go on the transaction's pending list and catalog_txn_end
 * frees them at commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "planner/catalog_int.h"
#include "storage/key.h"

/* ------------------------------------------------------------ DROP ---- */

static Error *drop_relation(Catalog *catalog, Txn *txn, Arena *arena, uint32_t oid,
                            bool cascade);

static Error *dependents_error(const char *what, const char *name, const char *detail)
{
    Error *err = err_new(SQLSTATE_DEPENDENT_OBJECTS_STILL_EXIST,
                         "cannot drop %s %s because other objects depend on it", what, name);
    if (detail != NULL) err_set_detail(err, "%s", detail);
    return err_set_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
}

static const char *kind_word(char kind)
{
    switch (kind) {
    case CAT_KIND_VIEW: return "view";
    case CAT_KIND_SEQUENCE: return "sequence";
    case CAT_KIND_INDEX: return "index";
    default: return "table";
    }
}

/* dependents_detail: PostgreSQL's DETAIL of a drop that views prevent: one line per view,
 * "view v depends on <what>" for a direct dependent, else "view w depends on view v". */
static const char *dependents_detail(Arena *arena, const char *what, uint32_t oid,
                                     const CatTable *const *views, const uint32_t *via,
                                     size_t count)
{
    size_t size = 1;
    for (size_t idx = 0; idx < count; idx++) size += 2 * CAT_NAME_SIZE_MAX + strlen(what) + 48;
    char *text = arena_alloc(arena, size);
    if (text == NULL) return NULL;
    size_t used = 0;
    for (size_t idx = 0; idx < count; idx++) {
        const char *on = what;
        char through[CAT_NAME_SIZE_MAX + 16];
        for (size_t other_idx = 0; via[idx] != oid && other_idx < count; other_idx++) {
            if (views[other_idx]->oid != via[idx]) continue;
            snprintf(through, sizeof through, "view %s", views[other_idx]->name);
            on = through;
        }
        int written = snprintf(text + used, size - used, "%sview %s depends on %s",
                               idx > 0 ? "\n" : "", views[idx]->name, on);
        if (written < 0 || (size_t)written >= size - used) break;
        used += (size_t)written;
    }
    return text;
}

/* drop_view_dependents: the views that depend on relation oid (attnum > 0: on that column;
 * what names it for the error: "table t", "column a of table t"): without cascade 2BP01,
 * with cascade they are dropped, every view before the views it depends on. */
static Error *drop_view_dependents(Catalog *catalog, Txn *txn, Arena *arena, const char *word,
                                   const char *name, const char *what, uint32_t oid,
                                   int16_t attnum, bool cascade)
{
    const CatTable **views = NULL;
    uint32_t *via = NULL;
    size_t count = 0;
    TRY(catalog_view_dependents(catalog, txn, oid, attnum, arena, &views, &via, &count));
    if (count == 0) return NULL;
    if (!cascade) {
        const char *detail = dependents_detail(arena, what, oid, views, via, count);
        if (detail == NULL) return cat_oom();
        return dependents_error(word, name, detail);
    }
    for (size_t idx = count; idx > 0; idx--) {
        CatRelDef view;
        bool found = false;
        TRY(cat_rel_read(catalog, txn, views[idx - 1]->oid, arena, &view, NULL, &found));
        if (!found) continue;
        TRY(cat_rel_delete(catalog, txn, view.oid));
        TRY(cat_name_delete(catalog, txn, view.namespace_oid, view.name));
    }
    return NULL;
}

/* drop_dependents_of: drop_view_dependents for a whole relation. */
static Error *drop_dependents_of(Catalog *catalog, Txn *txn, Arena *arena, const CatRelDef *rel,
                                 bool cascade)
{
    char what[CAT_NAME_SIZE_MAX + 16];
    snprintf(what, sizeof what, "%s %s", kind_word(rel->kind), rel->name);
    return drop_view_dependents(catalog, txn, arena, kind_word(rel->kind), rel->name, what,
                                rel->oid, 0, cascade);
}

/* edit_fk_remove: drop the FKs of def that reference the table OID in ctx. */
static Error *edit_fk_remove(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *def, void *ctx)
{
    uint32_t ref_oid = *(const uint32_t *)ctx;
    for (uint16_t idx = def->constraint_count; idx > 0; idx--) {
        const CatConstraint *constraint = &def->constraints[idx - 1];
        if (constraint->kind == CAT_CONSTR_FOREIGN && constraint->ref_table_oid == ref_oid) {
            cat_constraint_remove_at(def, (uint16_t)(idx - 1));
        }
    }
    if (ref_oid == def->oid) cat_oid_remove(def->refby_oids, &def->refby_count, def->oid);
    return NULL;
}

/* modify_if_present: cat_rel_modify, ignoring a relation this transaction already dropped. */
static Error *modify_if_present(Catalog *catalog, Txn *txn, uint32_t oid, CatEditFn *edit,
                                void *ctx)
{
    Error *err = cat_rel_modify(catalog, txn, oid, edit, ctx);
    if (err != NULL && err->state == SQLSTATE_UNDEFINED_TABLE) {
        err_free(err);
        return NULL;
    }
    return err;
}

static Error *drop_sequence_rows(Catalog *catalog, Txn *txn, const CatRelDef *seq)
{
    TRY(cat_rel_delete(catalog, txn, seq->oid));
    TRY(cat_name_delete(catalog, txn, seq->namespace_oid, seq->name));
    if (seq->seq.state_key != 0 && seq->seq.state_key != seq->oid) {   /* restarted */
        TRY(cat_pending_seq_key(catalog, txn, seq->oid, seq->seq.state_key, false));
    }
    return cat_pending_seq(catalog, txn, seq->oid, false);
}

static Error *drop_table(Catalog *catalog, Txn *txn, Arena *arena, const CatRelDef *table,
                         bool cascade)
{
    if (table->oid < CAT_OID_FIRST_USER) {
        return err_new(SQLSTATE_DEPENDENT_OBJECTS_STILL_EXIST,
                       "cannot drop table %s because it is required by the database system",
                       table->name);
    }
    TRY(drop_dependents_of(catalog, txn, arena, table, cascade));
    for (uint16_t idx = 0; idx < table->refby_count; idx++) {
        uint32_t other = table->refby_oids[idx];
        if (other == table->oid) continue;
        if (!cascade) {
            CatRelDef referencing;
            bool found = false;
            TRY(cat_rel_read(catalog, txn, other, arena, &referencing, NULL, &found));
            if (!found) continue;
            const char *constraint_name = "?";
            for (uint16_t con_idx = 0; con_idx < referencing.constraint_count; con_idx++) {
                const CatConstraint *fk = &referencing.constraints[con_idx];
                if (fk->kind == CAT_CONSTR_FOREIGN && fk->ref_table_oid == table->oid) {
                    constraint_name = fk->name;
                    break;
                }
            }
            char detail[256];
            snprintf(detail, sizeof detail, "constraint %s on table %s depends on table %s",
                     constraint_name, referencing.name, table->name);
            return dependents_error("table", table->name, detail);
        }
        uint32_t self = table->oid;
        TRY(modify_if_present(catalog, txn, other, edit_fk_remove, &self));
    }
    for (uint16_t idx = 0; idx < table->constraint_count; idx++) {
        const CatConstraint *constraint = &table->constraints[idx];
        if (constraint->kind != CAT_CONSTR_FOREIGN || constraint->ref_table_oid == table->oid) {
            continue;
        }
        uint32_t self = table->oid;
        TRY(modify_if_present(catalog, txn, constraint->ref_table_oid, cat_edit_refby_remove,
                              &self));
    }
    CatRelDef work = *table;
    while (work.index_count > 0) {
        TRY(cat_index_remove(catalog, txn, arena, &work, work.index_oids[work.index_count - 1]));
    }
    for (uint16_t idx = 0; idx < table->owned_seq_count; idx++) {
        CatRelDef seq;
        bool found = false;
        TRY(cat_rel_read(catalog, txn, table->owned_seq_oids[idx], arena, &seq, NULL, &found));
        if (found) TRY(drop_sequence_rows(catalog, txn, &seq));
    }
    TRY(cat_stats_delete(catalog, txn, table->oid));
    TRY(cat_rel_delete(catalog, txn, table->oid));
    TRY(cat_name_delete(catalog, txn, table->namespace_oid, table->name));
    return cat_pending_drop_tree(catalog, txn, table->oid, table->root);
}

static Error *edit_index_unlink(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *def,
                                void *ctx)
{
    cat_oid_remove(def->index_oids, &def->index_count, *(const uint32_t *)ctx);
    return NULL;
}

static Error *drop_index(Catalog *catalog, Txn *txn, Arena *arena, const CatRelDef *index)
{
    CatRelDef table;
    bool found = false;
    TRY(cat_rel_read(catalog, txn, index->table_oid, arena, &table, NULL, &found));
    for (uint16_t idx = 0; found && idx < table.constraint_count; idx++) {
        const CatConstraint *constraint = &table.constraints[idx];
        if (constraint->index_oid != index->oid) continue;
        Error *err = err_new(SQLSTATE_DEPENDENT_OBJECTS_STILL_EXIST,
                             "cannot drop index %s because constraint %s on table %s requires it",
                             index->name, constraint->name, table.name);
        return err_set_hint(err, "You can drop constraint %s on table %s instead.",
                            constraint->name, table.name);
    }
    uint32_t index_oid = index->oid;
    if (found) TRY(cat_rel_modify(catalog, txn, table.oid, edit_index_unlink, &index_oid));
    TRY(cat_rel_delete(catalog, txn, index->oid));
    TRY(cat_name_delete(catalog, txn, index->namespace_oid, index->name));
    return cat_pending_drop_tree(catalog, txn, index->oid, index->root);
}

typedef struct DefaultDrop {
    uint32_t seq_oid;
    int16_t  attnum;
} DefaultDrop;

static Error *edit_drop_owned_default(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *def,
                                      void *ctx)
{
    const DefaultDrop *drop = ctx;
    cat_oid_remove(def->owned_seq_oids, &def->owned_seq_count, drop->seq_oid);
    if (drop->attnum >= 1 && drop->attnum <= (int16_t)def->column_count) {
        def->columns[drop->attnum - 1].default_sql = NULL;
        def->columns[drop->attnum - 1].identity = 0;
    }
    return NULL;
}

static Error *drop_sequence(Catalog *catalog, Txn *txn, Arena *arena, const CatRelDef *seq,
                            bool cascade)
{
    TRY(drop_dependents_of(catalog, txn, arena, seq, cascade));
    if (seq->seq.owner_table_oid != 0) {
        CatRelDef owner;
        bool found = false;
        TRY(cat_rel_read(catalog, txn, seq->seq.owner_table_oid, arena, &owner, NULL, &found));
        if (found && !cascade) {
            int16_t attnum = seq->seq.owner_attnum;
            char detail[256];
            snprintf(detail, sizeof detail, "default value for column %s of table %s depends "
                     "on sequence %s",
                     attnum >= 1 && attnum <= (int16_t)owner.column_count
                         ? owner.columns[attnum - 1].name : "?",
                     owner.name, seq->name);
            return dependents_error("sequence", seq->name, detail);
        }
        if (found) {
            DefaultDrop drop = {seq->oid, seq->seq.owner_attnum};
            TRY(cat_rel_modify(catalog, txn, owner.oid, edit_drop_owned_default, &drop));
        }
    }
    return drop_sequence_rows(catalog, txn, seq);
}

/* schema_members: the OIDs named in schema namespace_oid visible to txn. */
static Error *schema_members(Catalog *catalog, Txn *txn, Arena *arena, uint32_t namespace_oid,
                             uint32_t **oids_out, uint16_t *count_out)
{
    uint8_t lo[CAT_KEY_INT_SIZE];
    uint8_t hi[CAT_KEY_INT_SIZE];
    cat_int_key(namespace_oid, lo);
    cat_int_key((int64_t)namespace_oid + 1, hi);
    TxnCursor *cursor = NULL;
    TRY(txn_cursor_open(txn, catalog->name_tree, lo, sizeof lo, hi, sizeof hi, &cursor));
    Error *err = NULL;
    *oids_out = NULL;
    *count_out = 0;
    for (;;) {
        bool found = false;
        err = txn_cursor_next(cursor, &found);
        if (err != NULL || !found) break;
        size_t size = 0;
        const uint8_t *record = txn_cursor_record(cursor, &size);
        RowValue value;
        err = row_column(catalog->name_layout, record, size, 0, &value);
        if (err == NULL && (value.is_null || value.size != 8)) {
            err = err_new(SQLSTATE_DATA_CORRUPTED, "catalog name record without an OID");
        }
        if (err == NULL && *count_out == UINT16_MAX) {
            err = err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "schema has too many members");
        }
        if (err == NULL) {
            uint32_t oid = 0;
            memcpy(&oid, value.bytes, 4);   /* little-endian u64: low half first */
            err = cat_oid_append(arena, oids_out, count_out, oid);
        }
        if (err != NULL) break;
    }
    txn_cursor_close(cursor);
    return err;
}

static Error *drop_schema(Catalog *catalog, Txn *txn, Arena *arena, const CatRelDef *schema,
                          bool cascade)
{
    if (schema->oid == CAT_OID_PG_CATALOG || schema->oid == CAT_OID_INFORMATION_SCHEMA) {
        return err_new(SQLSTATE_DEPENDENT_OBJECTS_STILL_EXIST,
                       "cannot drop schema %s because it is required by the database system",
                       schema->name);
    }
    uint32_t *members = NULL;
    uint16_t member_count = 0;
    TRY(schema_members(catalog, txn, arena, schema->oid, &members, &member_count));
    if (member_count > 0 && !cascade) {
        CatRelDef first;
        bool found = false;
        TRY(cat_rel_read(catalog, txn, members[0], arena, &first, NULL, &found));
        char detail[256];
        snprintf(detail, sizeof detail, "%s %s.%s depends on schema %s",
                 found && first.kind == CAT_KIND_VIEW       ? "view"
                 : found && first.kind == CAT_KIND_SEQUENCE ? "sequence"
                 : found && first.kind == CAT_KIND_INDEX    ? "index"
                                                            : "table",
                 schema->name, found ? first.name : "?", schema->name);
        return dependents_error("schema", schema->name, detail);
    }
    /* Tables, views and sequences first: a table takes its indexes and owned sequences. */
    for (int pass = 0; pass < 2; pass++) {
        for (uint16_t idx = 0; idx < member_count; idx++) {
            CatRelDef member;
            bool found = false;
            TRY(cat_rel_read(catalog, txn, members[idx], arena, &member, NULL, &found));
            if (!found || (member.kind == CAT_KIND_INDEX) != (pass == 1)) continue;
            TRY(drop_relation(catalog, txn, arena, member.oid, true));
        }
    }
    TRY(cat_rel_delete(catalog, txn, schema->oid));
    return cat_name_delete(catalog, txn, 0, schema->name);
}

static Error *drop_relation(Catalog *catalog, Txn *txn, Arena *arena, uint32_t oid,
                            bool cascade)
{
    CatRelDef def;
    TRY(cat_read_rel(catalog, txn, oid, arena, &def, NULL));
    switch (def.kind) {
    case CAT_KIND_SCHEMA: return drop_schema(catalog, txn, arena, &def, cascade);
    case CAT_KIND_TABLE: return drop_table(catalog, txn, arena, &def, cascade);
    case CAT_KIND_INDEX: return drop_index(catalog, txn, arena, &def);
    case CAT_KIND_SEQUENCE: return drop_sequence(catalog, txn, arena, &def, cascade);
    case CAT_KIND_VIEW:
        TRY(drop_dependents_of(catalog, txn, arena, &def, cascade));
        TRY(cat_rel_delete(catalog, txn, def.oid));
        return cat_name_delete(catalog, txn, def.namespace_oid, def.name);
    default:
        TRY(cat_rel_delete(catalog, txn, def.oid));
        return cat_name_delete(catalog, txn, def.namespace_oid, def.name);
    }
}

static Error *catalog_drop_body(Catalog *catalog, Txn *txn, uint32_t oid, bool cascade)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    Error *err = drop_relation(catalog, txn, arena, oid, cascade);
    if (err == NULL) err = cat_pending_changed(catalog, txn);
    arena_destroy(arena);
    return err;
}

/* ------------------------------------------------------------ TRUNCATE ---- */

Error *catalog_owned_sequences(Catalog *catalog, Txn *txn, uint32_t table_oid, Arena *arena,
                               uint32_t **oids_out, uint16_t *count_out)
{
    CatRelDef table;
    TRY(cat_read_table(catalog, txn, table_oid, arena, &table, NULL));
    *oids_out = table.owned_seq_oids;
    *count_out = table.owned_seq_count;
    return NULL;
}

static Error *edit_set_root(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *def, void *ctx)
{
    def->root = *(const PageId *)ctx;
    return NULL;
}

static Error *catalog_truncate_body(Catalog *catalog, Txn *txn, uint32_t table_oid)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    CatRelDef table;
    uint64_t xid = 0;
    Error *err = cat_read_table(catalog, txn, table_oid, arena, &table, &xid);
    for (uint16_t idx = 0; err == NULL && idx < table.index_count; idx++) {
        CatRelDef index;
        bool found = false;
        err = cat_rel_read(catalog, txn, table.index_oids[idx], arena, &index, NULL, &found);
        if (err != NULL || !found) continue;
        PageId root = PAGE_ID_NONE;
        err = cat_tree_create(catalog, txn, index.oid, &root);
        if (err == NULL) err = cat_rel_modify(catalog, txn, index.oid, edit_set_root, &root);
        if (err == NULL) err = cat_pending_drop_tree(catalog, txn, index.oid, index.root);
    }
    PageId old_root = table.root;
    if (err == NULL) err = cat_tree_create(catalog, txn, table.oid, &table.root);
    if (err == NULL) err = cat_table_write(catalog, txn, &table, xid);
    if (err == NULL) err = cat_pending_drop_tree(catalog, txn, table.oid, old_root);
    arena_destroy(arena);
    return err;
}

/* ------------------------------------------------------------ ALTER TABLE ---- */

/* ALTER pieces share one shape: read the table, edit the working copy, write it back. */
typedef Error *AlterFn(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                       const void *ctx);

static Error *alter_table_body(Catalog *catalog, Txn *txn, uint32_t table_oid, AlterFn *alter,
                               const void *ctx)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    CatRelDef table;
    uint64_t xid = 0;
    Error *err = cat_read_table(catalog, txn, table_oid, arena, &table, &xid);
    if (err == NULL) err = alter(catalog, txn, arena, &table, ctx);
    if (err == NULL) err = cat_table_write(catalog, txn, &table, xid);
    arena_destroy(arena);
    return err;
}

static Error *alter_table(Catalog *catalog, Txn *txn, uint32_t table_oid, AlterFn *alter,
                          const void *ctx)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, alter_table_body(catalog, txn, table_oid, alter, ctx));
}

typedef struct AddColumn {
    const CatColumnDef *def;
    const RowValue     *value;
} AddColumn;

static Error *alter_add_column(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                               const void *ctx)
{
    const AddColumn *add = ctx;
    const char *name = cat_name_truncate(arena, add->def->name);
    if (cat_column_find(table, name) != 0) {
        return err_new(SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" of relation \"%s\" already exists",
                       name, table->name);
    }
    if (table->column_count >= ROW_COLUMN_COUNT_MAX) {
        return err_new(SQLSTATE_TOO_MANY_COLUMNS, "tables can have at most %d columns",
                       ROW_COLUMN_COUNT_MAX);
    }
    RowKind kind = catalog_row_kind(add->def->type);
    const RowValue *value = add->value;
    if (value != NULL && !value->is_null && kind != ROW_KIND_VAR && value->size != (size_t)kind) {
        return err_new(SQLSTATE_INTERNAL_ERROR, "default of column \"%s\" has %zu bytes, not %d",
                       name, value->size, (int)kind);
    }
    uint16_t count = table->column_count;
    CatColumn *columns = arena_calloc(arena, sizeof *columns * (count + 1u));
    RowValue *missing = arena_calloc(arena, sizeof *missing * (count + 1u));
    bool *has_missing = arena_calloc(arena, count + 1u);
    if (columns == NULL || missing == NULL || has_missing == NULL) return cat_oom();
    if (count > 0) {
        memcpy(columns, table->columns, sizeof *columns * count);
        memcpy(missing, table->missing, sizeof *missing * count);
        memcpy(has_missing, table->has_missing, count);
    }
    columns[count] = (CatColumn){.name = name, .type = add->def->type,
                                 .attnum = (int16_t)(count + 1),
                                 .not_null = add->def->not_null || add->def->identity != 0,
                                 .identity = add->def->identity,
                                 .default_sql = cat_arena_str(arena, add->def->default_sql)};
    missing[count].is_null = true;
    if (value != NULL && !value->is_null) {
        missing[count] = (RowValue){.bytes = cat_arena_dup(arena, value->bytes, value->size),
                                    .size = value->size};
        has_missing[count] = true;
    }
    table->columns = columns;
    table->missing = missing;
    table->has_missing = has_missing;
    table->column_count = (uint16_t)(count + 1);
    return NULL;
}

Error *catalog_add_column(Catalog *catalog, Txn *txn, uint32_t table_oid, const CatColumnDef *def,
                          const RowValue *default_value)
{
    AddColumn add = {def, default_value};
    return alter_table(catalog, txn, table_oid, alter_add_column, &add);
}

/* refby_uses: does an FK of another table reference columns of table matching pred? */
static Error *refby_uses_column(Catalog *catalog, Txn *txn, Arena *arena, const CatRelDef *table,
                                int16_t attnum, const CatConstraint *key, bool *used_out)
{
    *used_out = false;
    for (uint16_t idx = 0; idx < table->refby_count && !*used_out; idx++) {
        CatRelDef other;
        bool found = false;
        if (table->refby_oids[idx] == table->oid) {
            other = *table;
            found = true;
        } else {
            TRY(cat_rel_read(catalog, txn, table->refby_oids[idx], arena, &other, NULL, &found));
        }
        for (uint16_t con_idx = 0; found && con_idx < other.constraint_count; con_idx++) {
            const CatConstraint *fk = &other.constraints[con_idx];
            if (fk->kind != CAT_CONSTR_FOREIGN || fk->ref_table_oid != table->oid) continue;
            if (fk == key) continue;
            bool uses = attnum > 0 ? cat_attnums_contain(fk->ref_attnums, fk->column_count, attnum)
                                   : key != NULL && key->column_count == fk->column_count &&
                                         cat_same_column_set(key->attnums, fk->ref_attnums,
                                                         fk->column_count);
            if (uses) *used_out = true;
        }
    }
    return NULL;
}

/* constraint_remove: take constraint idx off table, with its index and FK back-reference. */
static Error *constraint_remove(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                                uint16_t idx)
{
    CatConstraint constraint = table->constraints[idx];
    cat_constraint_remove_at(table, idx);
    if (constraint.index_oid != 0) {
        TRY(cat_index_remove(catalog, txn, arena, table, constraint.index_oid));
    }
    if (constraint.kind != CAT_CONSTR_FOREIGN) return NULL;
    for (uint16_t other = 0; other < table->constraint_count; other++) {
        if (table->constraints[other].kind == CAT_CONSTR_FOREIGN &&
            table->constraints[other].ref_table_oid == constraint.ref_table_oid) {
            return NULL;   /* another FK still references that table */
        }
    }
    if (constraint.ref_table_oid == table->oid) {
        cat_oid_remove(table->refby_oids, &table->refby_count, table->oid);
        return NULL;
    }
    uint32_t self = table->oid;
    return modify_if_present(catalog, txn, constraint.ref_table_oid, cat_edit_refby_remove, &self);
}

typedef struct DropColumn {
    int16_t attnum;
    bool    cascade;
} DropColumn;

static Error *alter_drop_column(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                                const void *ctx)
{
    const DropColumn *drop = ctx;
    int16_t attnum = drop->attnum;
    TRY(cat_column_check(table, attnum));
    CatColumn *column = &table->columns[attnum - 1];
    char name[CAT_NAME_SIZE_MAX * 2 + 16];
    char what[CAT_NAME_SIZE_MAX * 2 + 32];
    snprintf(name, sizeof name, "%s of table %s", column->name, table->name);
    snprintf(what, sizeof what, "column %s", name);
    TRY(drop_view_dependents(catalog, txn, arena, "column", name, what, table->oid, attnum,
                             drop->cascade));
    if (attnum == table->cluster_attnum) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "cannot drop column %s of table %s: it is the table's clustering key",
                       column->name, table->name);
    }
    bool used = false;
    TRY(refby_uses_column(catalog, txn, arena, table, attnum, NULL, &used));
    if (used) return dependents_error("column", name, NULL);
    for (uint16_t idx = table->constraint_count; idx > 0; idx--) {
        const CatConstraint *constraint = &table->constraints[idx - 1];
        if (cat_attnums_contain(constraint->attnums, constraint->column_count, attnum)) {
            TRY(constraint_remove(catalog, txn, arena, table, (uint16_t)(idx - 1)));
        }
    }
    for (uint16_t idx = table->index_count; idx > 0; idx--) {
        CatRelDef index;
        bool found = false;
        TRY(cat_rel_read(catalog, txn, table->index_oids[idx - 1], arena, &index, NULL, &found));
        if (found && cat_attnums_contain(index.key_attnums, index.key_count, attnum)) {
            TRY(cat_index_remove(catalog, txn, arena, table, index.oid));
        }
    }
    for (uint16_t idx = table->owned_seq_count; idx > 0; idx--) {
        CatRelDef seq;
        bool found = false;
        uint32_t seq_oid = table->owned_seq_oids[idx - 1];
        TRY(cat_rel_read(catalog, txn, seq_oid, arena, &seq, NULL, &found));
        if (!found || seq.seq.owner_attnum != attnum) continue;
        TRY(drop_sequence_rows(catalog, txn, &seq));
        cat_oid_remove(table->owned_seq_oids, &table->owned_seq_count, seq_oid);
    }
    char *dropped_name = arena_alloc(arena, CAT_NAME_SIZE_MAX + 1);
    if (dropped_name == NULL) return cat_oom();
    snprintf(dropped_name, CAT_NAME_SIZE_MAX + 1, "........pg.dropped.%d........", attnum);
    column->name = dropped_name;
    column->dropped = true;
    column->not_null = false;
    column->identity = 0;
    column->default_sql = NULL;
    return NULL;
}

Error *catalog_drop_column(Catalog *catalog, Txn *txn, uint32_t table_oid, int16_t attnum,
                           bool cascade)
{
    DropColumn drop = {attnum, cascade};
    return alter_table(catalog, txn, table_oid, alter_drop_column, &drop);
}

typedef struct RenameColumn {
    int16_t     attnum;
    const char *name;
} RenameColumn;

static Error *alter_rename_column(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                                  const void *ctx)
{
    const RenameColumn *rename = ctx;
    TRY(cat_column_check(table, rename->attnum));
    const char *name = cat_name_truncate(arena, rename->name);
    if (cat_column_find(table, name) != 0) {
        return err_new(SQLSTATE_DUPLICATE_COLUMN, "column \"%s\" of relation \"%s\" already exists",
                       name, table->name);
    }
    table->columns[rename->attnum - 1].name = name;
    return NULL;
}

Error *catalog_rename_column(Catalog *catalog, Txn *txn, uint32_t table_oid, int16_t attnum,
                             const char *new_name)
{
    RenameColumn rename = {attnum, new_name};
    return alter_table(catalog, txn, table_oid, alter_rename_column, &rename);
}

static Error *edit_rename_index_constraint(Catalog *catalog, Txn *txn, Arena *arena,
                                           CatRelDef *def, void *ctx)
{
    const CatRelDef *index = ctx;
    for (uint16_t idx = 0; idx < def->constraint_count; idx++) {
        if (def->constraints[idx].index_oid == index->oid) def->constraints[idx].name = index->name;
    }
    return NULL;
}

static Error *rename_in(Catalog *catalog, Txn *txn, Arena *arena, uint32_t oid,
                        const char *new_name)
{
    CatRelDef def;
    uint64_t xid = 0;
    TRY(cat_read_rel(catalog, txn, oid, arena, &def, &xid));
    const char *name = cat_name_truncate(arena, new_name);
    uint32_t existing = 0;
    TRY(cat_name_get(catalog, txn, def.namespace_oid, name, &existing));
    if (existing != 0 && def.kind == CAT_KIND_SCHEMA) {
        return err_new(SQLSTATE_DUPLICATE_SCHEMA, "schema \"%s\" already exists", name);
    }
    if (existing != 0) {
        return err_new(SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", name);
    }
    if (def.kind == CAT_KIND_SCHEMA && oid < CAT_OID_FIRST_USER && oid != CAT_OID_PUBLIC) {
        return err_new(SQLSTATE_RESERVED_NAME, "cannot rename schema %s", def.name);
    }
    TRY(cat_name_delete(catalog, txn, def.namespace_oid, def.name));
    TRY(cat_name_insert(catalog, txn, def.namespace_oid, name, oid));
    def.name = name;
    TRY(cat_table_write(catalog, txn, &def, xid));
    if (def.kind == CAT_KIND_INDEX) {   /* the table shows its indexes: rewrite it too */
        TRY(modify_if_present(catalog, txn, def.table_oid, edit_rename_index_constraint, &def));
    }
    return NULL;
}

static Error *catalog_rename_body(Catalog *catalog, Txn *txn, uint32_t oid, const char *new_name)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    Error *err = rename_in(catalog, txn, arena, oid, new_name);
    arena_destroy(arena);
    return err;
}

typedef struct AddConstraint {
    const CatConstraintDef *def;
    uint32_t                ref_oid;
} AddConstraint;

static Error *alter_add_constraint(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                                   const void *ctx)
{
    AddConstraint *add = (AddConstraint *)ctx;
    return cat_constraint_add(catalog, txn, arena, table, add->def, &add->ref_oid);
}

static Error *catalog_add_constraint_body(Catalog *catalog, Txn *txn, uint32_t table_oid,
                              const CatConstraintDef *def)
{
    AddConstraint add = {def, 0};
    TRY(alter_table_body(catalog, txn, table_oid, alter_add_constraint, &add));
    if (add.ref_oid == 0) return NULL;
    return cat_rel_modify(catalog, txn, add.ref_oid, cat_edit_refby_add, &table_oid);
}

static Error *alter_drop_constraint(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                                    const void *ctx)
{
    const char *name = ctx;
    uint16_t idx = 0;
    const CatConstraint *constraint = cat_constraint_find(table, name, &idx);
    if (constraint == NULL) {
        return err_new(SQLSTATE_UNDEFINED_OBJECT,
                       "constraint \"%s\" of relation \"%s\" does not exist", name, table->name);
    }
    if (constraint->kind == CAT_CONSTR_PRIMARY || constraint->kind == CAT_CONSTR_UNIQUE) {
        bool used = false;
        TRY(refby_uses_column(catalog, txn, arena, table, 0, constraint, &used));
        if (used) {
            Error *err = err_new(SQLSTATE_DEPENDENT_OBJECTS_STILL_EXIST,
                                 "cannot drop constraint %s on table %s because other objects "
                                 "depend on it", constraint->name, table->name);
            return err_set_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
        }
    }
    return constraint_remove(catalog, txn, arena, table, idx);
}

Error *catalog_drop_constraint(Catalog *catalog, Txn *txn, uint32_t table_oid, const char *name)
{
    return alter_table(catalog, txn, table_oid, alter_drop_constraint, name);
}

typedef struct ColumnDefault {
    int16_t     attnum;
    const char *default_sql;
} ColumnDefault;

static Error *alter_set_default(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                                const void *ctx)
{
    const ColumnDefault *change = ctx;
    TRY(cat_column_check(table, change->attnum));
    table->columns[change->attnum - 1].default_sql = cat_arena_str(arena, change->default_sql);
    return NULL;
}

Error *catalog_set_column_default(Catalog *catalog, Txn *txn, uint32_t table_oid,
                                  int16_t attnum, const char *default_sql)
{
    ColumnDefault change = {attnum, default_sql};
    return alter_table(catalog, txn, table_oid, alter_set_default, &change);
}

typedef struct NotNull {
    int16_t attnum;
    bool    not_null;
} NotNull;

static Error *alter_set_not_null(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                                 const void *ctx)
{
    const NotNull *change = ctx;
    TRY(cat_column_check(table, change->attnum));
    CatColumn *column = &table->columns[change->attnum - 1];
    const CatConstraint *pk = cat_primary_key(table);
    if (!change->not_null && pk != NULL &&
        cat_attnums_contain(pk->attnums, pk->column_count, change->attnum)) {
        return err_new(SQLSTATE_INVALID_TABLE_DEFINITION, "column \"%s\" is in a primary key",
                       column->name);
    }
    if (!change->not_null && column->identity != 0) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "column \"%s\" of relation \"%s\" is an identity "
                       "column", column->name, table->name);
    }
    column->not_null = change->not_null;
    return NULL;
}

Error *catalog_set_not_null(Catalog *catalog, Txn *txn, uint32_t table_oid, int16_t attnum,
                            bool not_null)
{
    NotNull change = {attnum, not_null};
    return alter_table(catalog, txn, table_oid, alter_set_not_null, &change);
}

static Error *alter_fillfactor(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                               const void *ctx)
{
    int fillfactor = *(const int *)ctx;
    if (fillfactor < 10 || fillfactor > 100) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "value %d out of bounds for option \"fillfactor\"", fillfactor);
    }
    table->fillfactor = fillfactor;
    return NULL;
}

Error *catalog_set_fillfactor(Catalog *catalog, Txn *txn, uint32_t table_oid, int fillfactor)
{
    return alter_table(catalog, txn, table_oid, alter_fillfactor, &fillfactor);
}

Error *catalog_drop(Catalog *catalog, Txn *txn, uint32_t oid, bool cascade)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, catalog_drop_body(catalog, txn, oid, cascade));
}

Error *catalog_truncate(Catalog *catalog, Txn *txn, uint32_t table_oid)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, catalog_truncate_body(catalog, txn, table_oid));
}

static Error *edit_view_sql(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *def, void *ctx)
{
    (void)catalog;
    (void)txn;
    if (def->kind != CAT_KIND_VIEW) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a view", def->name);
    }
    def->view_sql = cat_arena_str(arena, ctx);
    return def->view_sql != NULL ? NULL : cat_oom();
}

Error *catalog_set_view_sql(Catalog *catalog, Txn *txn, uint32_t view_oid, const char *sql)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint,
                       cat_rel_modify(catalog, txn, view_oid, edit_view_sql, (void *)sql));
}

Error *catalog_rename(Catalog *catalog, Txn *txn, uint32_t oid, const char *new_name)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, catalog_rename_body(catalog, txn, oid, new_name));
}

Error *catalog_add_constraint(Catalog *catalog, Txn *txn, uint32_t table_oid,
                              const CatConstraintDef *def)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, catalog_add_constraint_body(catalog, txn, table_oid, def));
}
