/* planner/catalog_ddl.c: CREATE / DROP / ALTER of tables, indexes, views, sequences and
 * schemas as changes of birch_rel and birch_relname rows in the caller's transaction.
 *
 * Pattern: read the relation's visible row into a working CatRelDef (in a statement arena),
 * change it, write it back with version + 1 (cat_table_write). Side effects that are not rows
 * (new trees, sequence state) are recorded in the transaction's pending list so
 * catalog_txn_end can undo or finish them. Rows of other relations that must change with this
 * one (the referenced table of a foreign key, the table of an index) are rewritten too, so a
 * cached CatTable never outlives a change of what it shows.
 *
 * Default names follow PostgreSQL's ChooseRelationName / ChooseConstraintName:
 * table_col1_col2_label cut to 63 bytes (the longer part shortened first), then label1,
 * label2 ... until the name is free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "planner/catalog_int.h"
#include "storage/key.h"

enum { NAME_PASS_MAX = 10000, CAT_COLUMN_NAME_BUF_SIZE = 64 };

/* ------------------------------------------------------------ helpers ---- */

Arena *cat_ddl_arena(void) { return arena_create(8192); }

/* ddl_end: a DDL call is atomic: on error every row it changed is undone (trees it created
 * are freed by catalog_txn_end, which sees that no row names them). */
Error *cat_ddl_end(Txn *txn, const TxnSavepoint *savepoint, Error *err)
{
    if (err == NULL) return NULL;
    Error *undo_err = txn_rollback_to(txn, savepoint);
    if (undo_err != NULL) err_free(undo_err);
    return err;
}

Error *cat_read_rel(Catalog *catalog, Txn *txn, uint32_t oid, Arena *arena, CatRelDef *def,
                       uint64_t *xid_out)
{
    bool found = false;
    TRY(cat_rel_read(catalog, txn, oid, arena, def, xid_out, &found));
    if (!found || oid < CAT_SYS_OID_LIMIT) {
        return err_new(SQLSTATE_UNDEFINED_TABLE, "relation with OID %u does not exist", oid);
    }
    return NULL;
}

Error *cat_read_table(Catalog *catalog, Txn *txn, uint32_t oid, Arena *arena,
                         CatRelDef *def, uint64_t *xid_out)
{
    TRY(cat_read_rel(catalog, txn, oid, arena, def, xid_out));
    if (def->kind != CAT_KIND_TABLE) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a table", def->name);
    }
    return NULL;
}

static Error *check_namespace(Catalog *catalog, Txn *txn, uint32_t namespace_oid, Arena *arena)
{
    CatRelDef def;
    bool found = false;
    TRY(cat_rel_read(catalog, txn, namespace_oid, arena, &def, NULL, &found));
    if (!found || def.kind != CAT_KIND_SCHEMA) {
        return err_new(SQLSTATE_INVALID_SCHEMA_NAME, "schema with OID %u does not exist",
                       namespace_oid);
    }
    return NULL;
}

/* table_write: def (read at writer xid) back with version + 1; the caller holds the table's
 * lock, so a concurrent change is a serialization failure rather than something to merge. */
Error *cat_table_write(Catalog *catalog, Txn *txn, CatRelDef *def, uint64_t xid)
{
    def->version = cat_version_next(catalog, def->version);
    uint8_t key[CAT_KEY_INT_SIZE];
    cat_int_key(def->oid, key);
    uint8_t *record = NULL;
    size_t size = 0;
    TRY(cat_rel_record(catalog, def, &record, &size));
    TxnRowResult result = {0};
    Error *err = txn_row_update(txn, catalog->rel_tree, key, sizeof key, xid, record, size,
                                &result);
    free(record);
    if (err == NULL && result.outcome != TXN_ROW_DONE) {
        err = err_new(SQLSTATE_SERIALIZATION_FAILURE, "tuple concurrently updated");
    }
    txn_row_result_free(&result);
    if (err == NULL) err = cat_pending_changed(catalog, txn);
    return err;
}

Error *cat_oid_append(Arena *arena, uint32_t **oids, uint16_t *count, uint32_t oid)
{
    for (uint16_t idx = 0; idx < *count; idx++) {
        if ((*oids)[idx] == oid) return NULL;
    }
    uint32_t *grown = arena_alloc(arena, sizeof *grown * (*count + 1u));
    if (grown == NULL) return cat_oom();
    if (*count > 0) memcpy(grown, *oids, sizeof *grown * *count);
    grown[(*count)++] = oid;
    *oids = grown;
    return NULL;
}

void cat_oid_remove(uint32_t *oids, uint16_t *count, uint32_t oid)
{
    uint16_t kept = 0;
    for (uint16_t idx = 0; idx < *count; idx++) {
        if (oids[idx] != oid) oids[kept++] = oids[idx];
    }
    *count = kept;
}

static Error *constraint_append(Arena *arena, CatRelDef *def, const CatConstraint *constraint)
{
    CatConstraint *grown = arena_alloc(arena, sizeof *grown * (def->constraint_count + 1u));
    if (grown == NULL) return cat_oom();
    if (def->constraint_count > 0) {
        memcpy(grown, def->constraints, sizeof *grown * def->constraint_count);
    }
    grown[def->constraint_count++] = *constraint;
    def->constraints = grown;
    return NULL;
}

void cat_constraint_remove_at(CatRelDef *def, uint16_t remove_idx)
{
    for (uint16_t idx = remove_idx; idx + 1 < def->constraint_count; idx++) {
        def->constraints[idx] = def->constraints[idx + 1];
    }
    def->constraint_count--;
}

bool cat_attnums_contain(const int16_t *attnums, uint16_t count, int16_t attnum)
{
    for (uint16_t idx = 0; idx < count; idx++) {
        if (attnums[idx] == attnum) return true;
    }
    return false;
}

/* same_column_set: a and b hold the same attnums (any order; no duplicates expected). */
bool cat_same_column_set(const int16_t *a, const int16_t *b, uint16_t count)
{
    for (uint16_t idx = 0; idx < count; idx++) {
        if (!cat_attnums_contain(b, count, a[idx])) return false;
    }
    return true;
}

Error *cat_column_check(const CatRelDef *table, int16_t attnum)
{
    if (attnum < 1 || attnum > (int16_t)table->column_count ||
        table->columns[attnum - 1].dropped) {
        return err_new(SQLSTATE_UNDEFINED_COLUMN,
                       "column number %d of relation \"%s\" does not exist", attnum,
                       table->name);
    }
    return NULL;
}

int16_t cat_column_find(const CatRelDef *table, const char *name)
{
    for (uint16_t idx = 0; idx < table->column_count; idx++) {
        if (!table->columns[idx].dropped && strcmp(table->columns[idx].name, name) == 0) {
            return (int16_t)(idx + 1);
        }
    }
    return 0;
}

const CatConstraint *cat_constraint_find(const CatRelDef *table, const char *name,
                                            uint16_t *idx_out)
{
    for (uint16_t idx = 0; idx < table->constraint_count; idx++) {
        if (strcmp(table->constraints[idx].name, name) == 0) {
            if (idx_out != NULL) *idx_out = idx;
            return &table->constraints[idx];
        }
    }
    return NULL;
}

const CatConstraint *cat_primary_key(const CatRelDef *table)
{
    for (uint16_t idx = 0; idx < table->constraint_count; idx++) {
        if (table->constraints[idx].kind == CAT_CONSTR_PRIMARY) return &table->constraints[idx];
    }
    return NULL;
}

/* ------------------------------------------------------------ names ---- */

/* make_object_name: PostgreSQL's makeObjectName: name1[_name2][_label] within 63 bytes. */
static char *make_object_name(Arena *arena, const char *name1, const char *name2,
                              const char *label)
{
    size_t overhead = (label != NULL ? strlen(label) + 1 : 0) + (name2 != NULL ? 1 : 0);
    size_t avail = CAT_NAME_SIZE_MAX - overhead;
    size_t name1_size = strlen(name1);
    size_t name2_size = name2 != NULL ? strlen(name2) : 0;
    while (name1_size + name2_size > avail) {
        if (name1_size > name2_size) name1_size--;
        else name2_size--;
    }
    while (name1_size > 0 && ((uint8_t)name1[name1_size] & 0xC0) == 0x80) name1_size--;
    while (name2_size > 0 && ((uint8_t)name2[name2_size] & 0xC0) == 0x80) name2_size--;
    char *name = arena_alloc(arena, CAT_NAME_SIZE_MAX + 1);
    if (name == NULL) return NULL;
    int size = snprintf(name, CAT_NAME_SIZE_MAX + 1, "%.*s", (int)name1_size, name1);
    if (name2 != NULL) {
        size += snprintf(name + size, (size_t)(CAT_NAME_SIZE_MAX + 1 - size), "_%.*s",
                         (int)name2_size, name2);
    }
    if (label != NULL) snprintf(name + size, (size_t)(CAT_NAME_SIZE_MAX + 1 - size), "_%s", label);
    return name;
}

/* column_addition: the column names joined with '_' (PostgreSQL's ChooseIndexNameAddition). */
static const char *column_addition(Arena *arena, const CatRelDef *table, const int16_t *attnums,
                                   uint16_t count)
{
    if (count == 0) return NULL;
    char buf[CAT_NAME_SIZE_MAX + 1] = "";
    size_t size = 0;
    for (uint16_t idx = 0; idx < count && size < CAT_NAME_SIZE_MAX; idx++) {
        int16_t attnum = attnums[idx];
        const char *name = attnum >= 1 && attnum <= (int16_t)table->column_count
                               ? table->columns[attnum - 1].name
                               : "expr";
        size += (size_t)snprintf(buf + size, sizeof buf - size, "%s%s", idx > 0 ? "_" : "",
                                 name);
        if (size > CAT_NAME_SIZE_MAX) size = CAT_NAME_SIZE_MAX;
    }
    return arena_strdup(arena, buf);
}

typedef struct NameCheck {
    Catalog         *catalog;
    Txn             *txn;
    uint32_t         namespace_oid;  /* relation names: must be free in this schema */
    const CatRelDef *table;          /* constraint names: must be free on this table */
} NameCheck;

static Error *name_taken(const NameCheck *check, const char *name, bool *taken_out)
{
    *taken_out = false;
    if (check->table != NULL && cat_constraint_find(check->table, name, NULL) != NULL) {
        *taken_out = true;
        return NULL;
    }
    uint32_t oid = 0;
    TRY(cat_name_get(check->catalog, check->txn, check->namespace_oid, name, &oid));
    *taken_out = oid != 0;
    return NULL;
}

static Error *choose_name(const NameCheck *check, Arena *arena, const char *name1,
                          const char *name2, const char *label, const char **name_out)
{
    char modlabel[32];
    const char *use_label = label;
    for (int pass = 0; pass < NAME_PASS_MAX; pass++) {
        if (pass > 0) {
            snprintf(modlabel, sizeof modlabel, "%s%d", label, pass);
            use_label = modlabel;
        }
        const char *name = make_object_name(arena, name1, name2, use_label);
        if (name == NULL) return cat_oom();
        bool taken = false;
        TRY(name_taken(check, name, &taken));
        if (!taken) {
            *name_out = name;
            return NULL;
        }
    }
    return err_new(SQLSTATE_DUPLICATE_OBJECT, "could not choose a name for \"%s\"", name1);
}

/* ------------------------------------------------------------ indexes ---- */

typedef struct IndexSpec {
    const char    *name;           /* NULL: default */
    const char    *label;          /* default name's label: "pkey", "key", "idx" */
    bool           unique;
    bool           primary;
    uint16_t       key_count;
    const int16_t *attnums;
    const bool    *descending;     /* NULL: all ascending */
    const bool    *nulls_first;    /* NULL: == descending */
} IndexSpec;

/* index_create: a new index relation of table (its row, name and tree); the caller adds the
 * OID to the table's row. */
static Error *index_create(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                           const IndexSpec *spec, uint32_t *oid_out)
{
    if (spec->key_count == 0 || spec->key_count > 32) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED,
                       "cannot use more than 32 columns in an index");
    }
    for (uint16_t idx = 0; idx < spec->key_count; idx++) {
        TRY(cat_column_check(table, spec->attnums[idx]));
    }
    const char *name = NULL;
    if (spec->name != NULL) {
        name = cat_name_truncate(arena, spec->name);
        if (name == NULL) return cat_oom();
    } else {
        NameCheck check = {catalog, txn, table->namespace_oid, NULL};
        const char *addition = spec->primary ? NULL
                                             : column_addition(arena, table, spec->attnums,
                                                               spec->key_count);
        TRY(choose_name(&check, arena, table->name, addition, spec->label, &name));
    }
    CatRelDef def = {.kind = CAT_KIND_INDEX, .namespace_oid = table->namespace_oid,
                     .name = name, .version = 1, .table_oid = table->oid,
                     .unique = spec->unique || spec->primary, .primary = spec->primary,
                     .key_count = spec->key_count};
    def.key_attnums = cat_arena_dup(arena, spec->attnums, sizeof(int16_t) * spec->key_count);
    def.key_descending = arena_calloc(arena, spec->key_count);
    def.key_nulls_first = arena_calloc(arena, spec->key_count);
    if (def.key_attnums == NULL || def.key_descending == NULL || def.key_nulls_first == NULL) {
        return cat_oom();
    }
    for (uint16_t idx = 0; idx < spec->key_count; idx++) {
        def.key_descending[idx] = spec->descending != NULL && spec->descending[idx];
        def.key_nulls_first[idx] = spec->nulls_first != NULL ? spec->nulls_first[idx]
                                                             : def.key_descending[idx];
    }
    TRY(cat_oid_alloc(catalog, &def.oid));
    TRY(cat_name_insert(catalog, txn, table->namespace_oid, name, def.oid));
    TRY(cat_tree_create(catalog, txn, def.oid, &def.root));
    TRY(cat_rel_insert(catalog, txn, &def));
    TRY(cat_oid_append(arena, &table->index_oids, &table->index_count, def.oid));
    *oid_out = def.oid;
    return NULL;
}

/* index_remove: delete an index relation (row, name; its tree freed at commit). */
Error *cat_index_remove(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                           uint32_t index_oid)
{
    CatRelDef index;
    bool found = false;
    TRY(cat_rel_read(catalog, txn, index_oid, arena, &index, NULL, &found));
    cat_oid_remove(table->index_oids, &table->index_count, index_oid);
    if (!found) return NULL;
    TRY(cat_rel_delete(catalog, txn, index_oid));
    TRY(cat_name_delete(catalog, txn, index.namespace_oid, index.name));
    return cat_pending_drop_tree(catalog, txn, index.oid, index.root);
}

/* ------------------------------------------------------------ constraints ---- */

Error *cat_edit_refby_add(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *def,
                             void *ctx)
{
    return cat_oid_append(arena, &def->refby_oids, &def->refby_count, *(const uint32_t *)ctx);
}

Error *cat_edit_refby_remove(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *def,
                                void *ctx)
{
    cat_oid_remove(def->refby_oids, &def->refby_count, *(const uint32_t *)ctx);
    return NULL;
}

/* unique_index_matches: does ref have a unique index (not a constraint) on exactly attnums? */
static Error *unique_index_matches(Catalog *catalog, Txn *txn, Arena *arena,
                                   const CatRelDef *ref, const int16_t *attnums, uint16_t count,
                                   bool *match_out)
{
    *match_out = false;
    for (uint16_t idx = 0; idx < ref->index_count && !*match_out; idx++) {
        CatRelDef index;
        bool found = false;
        TRY(cat_rel_read(catalog, txn, ref->index_oids[idx], arena, &index, NULL, &found));
        *match_out = found && index.unique && index.key_count == count &&
                     cat_same_column_set(index.key_attnums, attnums, count);
    }
    return NULL;
}

/* fk_resolve: check the referenced columns of a foreign key (ref_attnums NULL: ref's primary
 * key) and store them in constraint. */
static Error *fk_resolve(Catalog *catalog, Txn *txn, Arena *arena, const CatRelDef *ref,
                         const CatConstraintDef *cdef, CatConstraint *constraint)
{
    if (ref->kind != CAT_KIND_TABLE) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "referenced relation \"%s\" is not a table",
                       ref->name);
    }
    if (cdef->ref_attnums == NULL) {
        const CatConstraint *pk = cat_primary_key(ref);
        if (pk == NULL) {
            return err_new(SQLSTATE_INVALID_FOREIGN_KEY,
                           "there is no primary key for referenced table \"%s\"", ref->name);
        }
        if (pk->column_count != cdef->column_count) {
            return err_new(SQLSTATE_INVALID_FOREIGN_KEY,
                           "number of referencing and referenced columns for foreign key "
                           "disagree");
        }
        constraint->ref_attnums = cat_arena_dup(arena, pk->attnums,
                                                sizeof(int16_t) * pk->column_count);
        return constraint->ref_attnums != NULL ? NULL : cat_oom();
    }
    for (uint16_t idx = 0; idx < cdef->column_count; idx++) {
        TRY(cat_column_check(ref, cdef->ref_attnums[idx]));
    }
    bool match = false;
    for (uint16_t idx = 0; idx < ref->constraint_count && !match; idx++) {
        const CatConstraint *key = &ref->constraints[idx];
        match = (key->kind == CAT_CONSTR_PRIMARY || key->kind == CAT_CONSTR_UNIQUE) &&
                key->column_count == cdef->column_count &&
                cat_same_column_set(key->attnums, cdef->ref_attnums, cdef->column_count);
    }
    if (!match) {
        TRY(unique_index_matches(catalog, txn, arena, ref, cdef->ref_attnums,
                                 cdef->column_count, &match));
    }
    if (!match) {
        return err_new(SQLSTATE_INVALID_FOREIGN_KEY,
                       "there is no unique constraint matching given keys for referenced "
                       "table \"%s\"", ref->name);
    }
    constraint->ref_attnums = cat_arena_dup(arena, cdef->ref_attnums,
                                            sizeof(int16_t) * cdef->column_count);
    return constraint->ref_attnums != NULL ? NULL : cat_oom();
}

static const char *constraint_label(char kind)
{
    switch (kind) {
    case CAT_CONSTR_PRIMARY: return "pkey";
    case CAT_CONSTR_UNIQUE: return "key";
    case CAT_CONSTR_CHECK: return "check";
    default: return "fkey";
    }
}

static Error *constraint_name(Catalog *catalog, Txn *txn, Arena *arena, const CatRelDef *table,
                              const CatConstraintDef *cdef, const char **name_out)
{
    bool has_index = cdef->kind == CAT_CONSTR_PRIMARY || cdef->kind == CAT_CONSTR_UNIQUE;
    if (cdef->name != NULL) {
        const char *name = cat_name_truncate(arena, cdef->name);
        if (name == NULL) return cat_oom();
        if (cat_constraint_find(table, name, NULL) != NULL) {
            return err_new(SQLSTATE_DUPLICATE_OBJECT,
                           "constraint \"%s\" for relation \"%s\" already exists", name,
                           table->name);
        }
        *name_out = name;
        return NULL;
    }
    /* Index-backed names must also be free as relation names (the index gets the name). */
    NameCheck check = {catalog, txn, table->namespace_oid, table};
    if (!has_index) check.namespace_oid = UINT32_MAX;   /* no relation has that schema */
    const char *addition = NULL;
    if (cdef->kind == CAT_CONSTR_CHECK) {
        addition = column_addition(arena, table, cdef->attnums, cdef->column_count > 0 ? 1 : 0);
    } else if (cdef->kind != CAT_CONSTR_PRIMARY) {
        addition = column_addition(arena, table, cdef->attnums, cdef->column_count);
    }
    return choose_name(&check, arena, table->name, addition, constraint_label(cdef->kind),
                       name_out);
}

static bool is_cluster_type(Type type)
{
    return type.id == TYPE_INT2 || type.id == TYPE_INT4 || type.id == TYPE_INT8;
}

/* constraint_add: add cdef to table (a working copy): names, its index for 'p'/'u' (none for
 * the primary key of a clustered table), the resolved FK. *ref_oid_out: a referenced table
 * other than table itself whose row must list table in refby (0 if none). */
Error *cat_constraint_add(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *table,
                             const CatConstraintDef *cdef, uint32_t *ref_oid_out)
{
    *ref_oid_out = 0;
    CatConstraint constraint = {.kind = cdef->kind, .column_count = cdef->column_count,
                                .on_delete = cdef->on_delete, .on_update = cdef->on_update};
    if (cdef->kind != CAT_CONSTR_CHECK && cdef->column_count == 0) {
        return err_new(SQLSTATE_INVALID_TABLE_DEFINITION, "constraint on table \"%s\" names no "
                       "columns", table->name);
    }
    for (uint16_t idx = 0; idx < cdef->column_count; idx++) {
        TRY(cat_column_check(table, cdef->attnums[idx]));
    }
    constraint.attnums = cat_arena_dup(arena, cdef->attnums, sizeof(int16_t) * cdef->column_count);
    constraint.check_sql = cat_arena_str(arena, cdef->check_sql);
    if (constraint.attnums == NULL) return cat_oom();
    TRY(constraint_name(catalog, txn, arena, table, cdef, &constraint.name));
    TRY(cat_oid_alloc(catalog, &constraint.oid));
    if (cdef->kind == CAT_CONSTR_PRIMARY) {
        if (cat_primary_key(table) != NULL) {
            return err_new(SQLSTATE_INVALID_TABLE_DEFINITION,
                           "multiple primary keys for table \"%s\" are not allowed", table->name);
        }
        for (uint16_t idx = 0; idx < cdef->column_count; idx++) {
            table->columns[cdef->attnums[idx] - 1].not_null = true;
        }
    }
    bool clustered = cdef->kind == CAT_CONSTR_PRIMARY && table->cluster_attnum > 0 &&
                     cdef->column_count == 1 && cdef->attnums[0] == table->cluster_attnum;
    if ((cdef->kind == CAT_CONSTR_PRIMARY || cdef->kind == CAT_CONSTR_UNIQUE) && !clustered) {
        IndexSpec spec = {.name = constraint.name, .unique = true,
                          .primary = cdef->kind == CAT_CONSTR_PRIMARY,
                          .key_count = cdef->column_count, .attnums = cdef->attnums};
        TRY(index_create(catalog, txn, arena, table, &spec, &constraint.index_oid));
    }
    if (cdef->kind == CAT_CONSTR_FOREIGN) {
        uint32_t ref_oid = cdef->ref_table_oid != 0 ? cdef->ref_table_oid : table->oid;
        constraint.ref_table_oid = ref_oid;
        if (ref_oid == table->oid) {
            TRY(fk_resolve(catalog, txn, arena, table, cdef, &constraint));
            TRY(cat_oid_append(arena, &table->refby_oids, &table->refby_count, table->oid));
        } else {
            CatRelDef ref;
            bool found = false;
            TRY(cat_rel_read(catalog, txn, ref_oid, arena, &ref, NULL, &found));
            if (!found) {
                return err_new(SQLSTATE_UNDEFINED_TABLE, "relation with OID %u does not exist",
                               ref_oid);
            }
            TRY(fk_resolve(catalog, txn, arena, &ref, cdef, &constraint));
            *ref_oid_out = ref_oid;
        }
    }
    return constraint_append(arena, table, &constraint);
}

/* ------------------------------------------------------------ CREATE TABLE ---- */

static Error *table_columns(Arena *arena, const CatTableDef *def, CatRelDef *table)
{
    if (def->column_count > ROW_COLUMN_COUNT_MAX) {
        return err_new(SQLSTATE_TOO_MANY_COLUMNS, "tables can have at most %d columns",
                       ROW_COLUMN_COUNT_MAX);
    }
    table->column_count = def->column_count;
    table->columns = arena_calloc(arena, sizeof *table->columns * (def->column_count + 1u));
    table->missing = arena_calloc(arena, sizeof *table->missing * (def->column_count + 1u));
    table->has_missing = arena_calloc(arena, def->column_count + 1u);
    if (table->columns == NULL || table->missing == NULL || table->has_missing == NULL) {
        return cat_oom();
    }
    for (uint16_t idx = 0; idx < def->column_count; idx++) {
        const CatColumnDef *column_def = &def->columns[idx];
        CatColumn *column = &table->columns[idx];
        column->name = cat_name_truncate(arena, column_def->name);
        column->type = column_def->type;
        column->attnum = (int16_t)(idx + 1);
        column->not_null = column_def->not_null || column_def->identity != 0;
        column->identity = column_def->identity;
        column->default_sql = cat_arena_str(arena, column_def->default_sql);
        if (column->name == NULL) return cat_oom();
        for (uint16_t other = 0; other < idx; other++) {
            if (strcmp(table->columns[other].name, column->name) == 0) {
                return err_new(SQLSTATE_DUPLICATE_COLUMN,
                               "column \"%s\" specified more than once", column->name);
            }
        }
    }
    return NULL;
}

/* choose_cluster: a PRIMARY KEY of one smallint/integer/bigint column clusters the table. */
static Error *choose_cluster(const CatTableDef *def, CatRelDef *table)
{
    int primary_count = 0;
    for (uint16_t idx = 0; idx < def->constraint_count; idx++) {
        const CatConstraintDef *cdef = &def->constraints[idx];
        if (cdef->kind != CAT_CONSTR_PRIMARY) continue;
        if (++primary_count > 1) {
            return err_new(SQLSTATE_INVALID_TABLE_DEFINITION,
                           "multiple primary keys for table \"%s\" are not allowed", table->name);
        }
        if (cdef->column_count == 1 && cdef->attnums[0] >= 1 &&
            cdef->attnums[0] <= (int16_t)table->column_count &&
            is_cluster_type(table->columns[cdef->attnums[0] - 1].type)) {
            table->cluster_attnum = cdef->attnums[0];
        }
    }
    return NULL;
}

static Error *create_table_in(Catalog *catalog, Txn *txn, Arena *arena, const CatTableDef *def,
                              uint32_t *oid_out)
{
    TRY(check_namespace(catalog, txn, def->namespace_oid, arena));
    CatRelDef table = {.kind = CAT_KIND_TABLE, .namespace_oid = def->namespace_oid,
                       .version = 1, .fillfactor = def->fillfactor};
    table.name = cat_name_truncate(arena, def->name);
    if (table.name == NULL) return cat_oom();
    uint32_t existing = 0;
    TRY(cat_name_get(catalog, txn, def->namespace_oid, table.name, &existing));
    if (existing != 0) {
        return err_new(SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", table.name);
    }
    if (def->fillfactor != 0 && (def->fillfactor < 10 || def->fillfactor > 100)) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "value %d out of bounds for option \"fillfactor\"", def->fillfactor);
    }
    TRY(table_columns(arena, def, &table));
    TRY(choose_cluster(def, &table));
    TRY(cat_oid_alloc(catalog, &table.oid));
    TRY(cat_name_insert(catalog, txn, def->namespace_oid, table.name, table.oid));
    TRY(cat_tree_create(catalog, txn, table.oid, &table.root));
    uint32_t *ref_oids = arena_calloc(arena, sizeof *ref_oids * (def->constraint_count + 1u));
    if (ref_oids == NULL) return cat_oom();
    /* Keys first, so a self-referencing FK finds them (PostgreSQL's order too). */
    for (int pass = 0; pass < 2; pass++) {
        for (uint16_t idx = 0; idx < def->constraint_count; idx++) {
            const CatConstraintDef *cdef = &def->constraints[idx];
            if ((cdef->kind == CAT_CONSTR_FOREIGN) != (pass == 1)) continue;
            TRY(cat_constraint_add(catalog, txn, arena, &table, cdef, &ref_oids[idx]));
        }
    }
    TRY(cat_rel_insert(catalog, txn, &table));
    for (uint16_t idx = 0; idx < def->constraint_count; idx++) {
        if (ref_oids[idx] == 0) continue;
        TRY(cat_rel_modify(catalog, txn, ref_oids[idx], cat_edit_refby_add, &table.oid));
    }
    TRY(cat_pending_changed(catalog, txn));
    *oid_out = table.oid;
    return NULL;
}

static Error *catalog_create_table_body(Catalog *catalog, Txn *txn, const CatTableDef *def,
                            uint32_t *oid_out)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    Error *err = create_table_in(catalog, txn, arena, def, oid_out);
    arena_destroy(arena);
    return err;
}

/* ------------------------------------------------------------ CREATE INDEX ---- */

static Error *catalog_create_index_body(Catalog *catalog, Txn *txn, const CatIndexDef *def,
                            uint32_t *oid_out)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    CatRelDef table;
    uint64_t xid = 0;
    Error *err = cat_read_table(catalog, txn, def->table_oid, arena, &table, &xid);
    if (err == NULL && def->name != NULL) {
        uint32_t existing = 0;
        err = cat_name_get(catalog, txn, table.namespace_oid, def->name, &existing);
        if (err == NULL && existing != 0) {
            err = err_new(SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", def->name);
        }
    }
    if (err == NULL && def->primary && cat_primary_key(&table) != NULL) {
        err = err_new(SQLSTATE_INVALID_TABLE_DEFINITION,
                      "multiple primary keys for table \"%s\" are not allowed", table.name);
    }
    uint32_t oid = 0;
    if (err == NULL) {
        IndexSpec spec = {.name = def->name, .label = "idx", .unique = def->unique,
                          .primary = def->primary, .key_count = def->key_count,
                          .attnums = def->attnums, .descending = def->descending,
                          .nulls_first = def->nulls_first};
        if (def->primary) spec.label = "pkey";
        err = index_create(catalog, txn, arena, &table, &spec, &oid);
    }
    if (err == NULL) err = cat_table_write(catalog, txn, &table, xid);
    if (err == NULL) *oid_out = oid;
    arena_destroy(arena);
    return err;
}

/* ------------------------------------------------------------ views, schemas ---- */

static Error *view_columns(Arena *arena, CatRelDef *view, uint16_t column_count,
                           const char *const *names, const Type *types)
{
    view->column_count = column_count;
    view->columns = arena_calloc(arena, sizeof *view->columns * (column_count + 1u));
    view->missing = arena_calloc(arena, sizeof *view->missing * (column_count + 1u));
    view->has_missing = arena_calloc(arena, column_count + 1u);
    if (view->columns == NULL || view->missing == NULL || view->has_missing == NULL) {
        return cat_oom();
    }
    for (uint16_t idx = 0; idx < column_count; idx++) {
        CatColumn *column = &view->columns[idx];
        column->name = cat_name_truncate(arena, names[idx]);
        column->type = types[idx];
        column->attnum = (int16_t)(idx + 1);
        for (uint16_t other = 0; other < idx; other++) {
            if (strcmp(view->columns[other].name, column->name) == 0) {
                return err_new(SQLSTATE_DUPLICATE_COLUMN,
                               "column \"%s\" specified more than once", column->name);
            }
        }
    }
    return NULL;
}

/* view_replace_check: CREATE OR REPLACE VIEW may add columns at the end but not drop, rename or
 * retype the existing ones (PostgreSQL's checkViewTupleDesc, 42P16). */
static Error *view_replace_check(const CatRelDef *old, uint16_t column_count,
                                 const char *const *names, const Type *types)
{
    if (column_count < old->column_count) {
        return err_new(SQLSTATE_INVALID_TABLE_DEFINITION, "cannot drop columns from view");
    }
    for (uint16_t col_idx = 0; col_idx < old->column_count; col_idx++) {
        const CatColumn *column = &old->columns[col_idx];
        if (strcmp(column->name, names[col_idx]) != 0) {
            Error *err = err_new(SQLSTATE_INVALID_TABLE_DEFINITION,
                                 "cannot change name of view column \"%s\" to \"%s\"",
                                 column->name, names[col_idx]);
            return err_set_hint(err, "Use ALTER VIEW ... RENAME COLUMN ... to change name of "
                                     "view column instead.");
        }
        if (column->type.id != types[col_idx].id || column->type.typmod != types[col_idx].typmod) {
            /* PostgreSQL compares the typmods too (varchar(10) to varchar(20) is refused);
             * its message spells them, this one names the types only */
            return err_new(SQLSTATE_INVALID_TABLE_DEFINITION,
                           "cannot change data type of view column \"%s\" from %s to %s",
                           column->name, type_name(column->type.id),
                           type_name(types[col_idx].id));
        }
    }
    return NULL;
}

/* ViewDeps: a view's dependency list as given to catalog_create_view_deps. */
typedef struct ViewDeps {
    uint16_t         count;
    const CatDepend *deps;
} ViewDeps;

/* view_deps_set: view's dependency list, copied into arena without duplicates. */
static Error *view_deps_set(Arena *arena, CatRelDef *view, const ViewDeps *deps)
{
    view->dep_count = 0;
    view->deps = arena_calloc(arena, sizeof *view->deps * ((size_t)deps->count + 1u));
    if (view->deps == NULL) return cat_oom();
    for (uint16_t dep_idx = 0; dep_idx < deps->count; dep_idx++) {
        const CatDepend *dep = &deps->deps[dep_idx];
        bool seen = false;
        for (uint16_t kept_idx = 0; !seen && kept_idx < view->dep_count; kept_idx++) {
            seen = view->deps[kept_idx].ref_oid == dep->ref_oid &&
                   view->deps[kept_idx].ref_attnum == dep->ref_attnum;
        }
        if (!seen && dep->ref_oid != view->oid) view->deps[view->dep_count++] = *dep;
    }
    return NULL;
}

static Error *create_view_in(Catalog *catalog, Txn *txn, Arena *arena, uint32_t namespace_oid,
                             const char *name, const char *sql, uint16_t column_count,
                             const char *const *names, const Type *types, const ViewDeps *deps,
                             bool or_replace, uint32_t *oid_out)
{
    TRY(check_namespace(catalog, txn, namespace_oid, arena));
    name = cat_name_truncate(arena, name);
    uint32_t existing = 0;
    TRY(cat_name_get(catalog, txn, namespace_oid, name, &existing));
    if (existing != 0) {
        CatRelDef old;
        uint64_t xid = 0;
        TRY(cat_read_rel(catalog, txn, existing, arena, &old, &xid));
        /* PostgreSQL: without OR REPLACE any relation of that name is a duplicate (42P07) */
        if (!or_replace) {
            return err_new(SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", name);
        }
        if (old.kind != CAT_KIND_VIEW) {
            return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a view", name);
        }
        TRY(view_replace_check(&old, column_count, names, types));
        old.view_sql = cat_arena_str(arena, sql);
        TRY(view_columns(arena, &old, column_count, names, types));
        TRY(view_deps_set(arena, &old, deps));
        TRY(cat_table_write(catalog, txn, &old, xid));
        *oid_out = old.oid;
        return NULL;
    }
    CatRelDef view = {.kind = CAT_KIND_VIEW, .namespace_oid = namespace_oid, .name = name,
                      .version = 1, .view_sql = sql};
    TRY(view_columns(arena, &view, column_count, names, types));
    TRY(cat_oid_alloc(catalog, &view.oid));
    TRY(view_deps_set(arena, &view, deps));
    TRY(cat_name_insert(catalog, txn, namespace_oid, name, view.oid));
    TRY(cat_rel_insert(catalog, txn, &view));
    TRY(cat_pending_changed(catalog, txn));
    *oid_out = view.oid;
    return NULL;
}

static Error *catalog_create_view_body(Catalog *catalog, Txn *txn, uint32_t namespace_oid,
                                       const char *name, const char *sql, uint16_t column_count,
                                       const char *const *names, const Type *types,
                                       const ViewDeps *deps, bool or_replace, uint32_t *oid_out)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    Error *err = create_view_in(catalog, txn, arena, namespace_oid, name, sql, column_count,
                                names, types, deps, or_replace, oid_out);
    arena_destroy(arena);
    return err;
}

static Error *catalog_create_namespace_body(Catalog *catalog, Txn *txn, const char *name,
                                            uint32_t *oid_out)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    CatRelDef schema = {.kind = CAT_KIND_SCHEMA, .version = 1};
    schema.name = cat_name_truncate(arena, name);
    uint32_t existing = 0;
    Error *err = cat_name_get(catalog, txn, 0, schema.name, &existing);
    if (err == NULL && existing != 0) {
        err = err_new(SQLSTATE_DUPLICATE_SCHEMA, "schema \"%s\" already exists", schema.name);
    }
    if (err == NULL) err = cat_oid_alloc(catalog, &schema.oid);
    if (err == NULL) err = cat_name_insert(catalog, txn, 0, schema.name, schema.oid);
    if (err == NULL) err = cat_rel_insert(catalog, txn, &schema);
    if (err == NULL) err = cat_pending_changed(catalog, txn);
    if (err == NULL) *oid_out = schema.oid;
    arena_destroy(arena);
    return err;
}

/* ------------------------------------------------------------ sequences ---- */

static int64_t type_max(Type type)
{
    if (type.id == TYPE_INT2) return INT16_MAX;
    if (type.id == TYPE_INT4) return INT32_MAX;
    return INT64_MAX;
}

static int64_t type_min(Type type)
{
    if (type.id == TYPE_INT2) return INT16_MIN;
    if (type.id == TYPE_INT4) return INT32_MIN;
    return INT64_MIN;
}

void catalog_sequence_def_init(CatSequenceDef *def, Type type, int64_t increment)
{
    if (type.id != TYPE_INT2 && type.id != TYPE_INT4) type = type_plain(TYPE_INT8);
    def->type = type;
    def->increment = increment != 0 ? increment : 1;
    if (def->increment > 0) {
        def->min_value = 1;
        def->max_value = type_max(type);
        def->start = def->min_value;
    } else {
        def->min_value = type_min(type);
        def->max_value = -1;
        def->start = def->max_value;
    }
    def->cache = 1;
    def->cycle = false;
}

static Error *sequence_check(CatSequenceDef *seq)
{
    if (seq->increment == 0 && seq->min_value == 0 && seq->max_value == 0 && seq->start == 0) {
        catalog_sequence_def_init(seq, seq->type, 1);
    }
    if (seq->type.id != TYPE_INT2 && seq->type.id != TYPE_INT4) seq->type = type_plain(TYPE_INT8);
    if (seq->cache == 0) seq->cache = 1;
    const char *type_text = seq->type.id == TYPE_INT2   ? "smallint"
                            : seq->type.id == TYPE_INT4 ? "integer"
                                                        : "bigint";
    if (seq->increment == 0) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "INCREMENT must not be zero");
    }
    if (seq->max_value > type_max(seq->type) || seq->max_value < type_min(seq->type)) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "MAXVALUE (%lld) is out of range for sequence data type %s",
                       (long long)seq->max_value, type_text);
    }
    if (seq->min_value < type_min(seq->type) || seq->min_value > type_max(seq->type)) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "MINVALUE (%lld) is out of range for sequence data type %s",
                       (long long)seq->min_value, type_text);
    }
    if (seq->min_value >= seq->max_value) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "MINVALUE (%lld) must be less than MAXVALUE (%lld)",
                       (long long)seq->min_value, (long long)seq->max_value);
    }
    if (seq->start < seq->min_value) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "START value (%lld) cannot be less than MINVALUE (%lld)",
                       (long long)seq->start, (long long)seq->min_value);
    }
    if (seq->start > seq->max_value) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "START value (%lld) cannot be greater than MAXVALUE (%lld)",
                       (long long)seq->start, (long long)seq->max_value);
    }
    if (seq->cache < 1) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "CACHE (%lld) must be greater than zero", (long long)seq->cache);
    }
    return NULL;
}

static Error *edit_owned_add(Catalog *catalog, Txn *txn, Arena *arena, CatRelDef *def, void *ctx)
{
    return cat_oid_append(arena, &def->owned_seq_oids, &def->owned_seq_count,
                      *(const uint32_t *)ctx);
}

static Error *create_sequence_in(Catalog *catalog, Txn *txn, Arena *arena,
                                 const CatSequenceDef *def, uint32_t *oid_out)
{
    TRY(check_namespace(catalog, txn, def->namespace_oid, arena));
    CatRelDef seq = {.kind = CAT_KIND_SEQUENCE, .namespace_oid = def->namespace_oid,
                     .version = 1, .seq = *def};
    seq.name = cat_name_truncate(arena, def->name);
    seq.seq.state_key = 0;   /* a new sequence's state is under its OID */
    TRY(sequence_check(&seq.seq));
    uint32_t existing = 0;
    TRY(cat_name_get(catalog, txn, def->namespace_oid, seq.name, &existing));
    if (existing != 0) {
        return err_new(SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", seq.name);
    }
    if (def->owner_table_oid != 0) {
        CatRelDef owner;
        uint64_t xid = 0;
        TRY(cat_read_table(catalog, txn, def->owner_table_oid, arena, &owner, &xid));
        TRY(cat_column_check(&owner, def->owner_attnum));
    }
    TRY(cat_oid_alloc(catalog, &seq.oid));
    TRY(cat_name_insert(catalog, txn, def->namespace_oid, seq.name, seq.oid));
    TRY(cat_rel_insert(catalog, txn, &seq));
    TRY(cat_seq_state_create(catalog, seq.oid, &seq.seq));
    TRY(cat_pending_seq(catalog, txn, seq.oid, true));
    if (def->owner_table_oid != 0) {
        TRY(cat_rel_modify(catalog, txn, def->owner_table_oid, edit_owned_add, &seq.oid));
    }
    *oid_out = seq.oid;
    return NULL;
}

static Error *catalog_create_sequence_body(Catalog *catalog, Txn *txn, const CatSequenceDef *def,
                               uint32_t *oid_out)
{
    Arena *arena = cat_ddl_arena();
    if (arena == NULL) return cat_oom();
    Error *err = create_sequence_in(catalog, txn, arena, def, oid_out);
    arena_destroy(arena);
    return err;
}


Error *catalog_create_table(Catalog *catalog, Txn *txn, const CatTableDef *def, uint32_t *oid_out)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, catalog_create_table_body(catalog, txn, def, oid_out));
}

Error *catalog_create_index(Catalog *catalog, Txn *txn, const CatIndexDef *def, uint32_t *oid_out)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, catalog_create_index_body(catalog, txn, def, oid_out));
}

Error *catalog_create_view(Catalog *catalog, Txn *txn, uint32_t namespace_oid, const char *name,
                           const char *sql, uint16_t column_count, const char *const *names,
                           const Type *types, bool or_replace, uint32_t *oid_out)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    ViewDeps deps = {0, NULL};
    Error *err = catalog_create_view_body(catalog, txn, namespace_oid, name, sql, column_count,
                                          names, types, &deps, or_replace, oid_out);
    return cat_ddl_end(txn, &savepoint, err);
}

Error *catalog_create_view_deps(Catalog *catalog, Txn *txn, uint32_t namespace_oid,
                                const char *name, const char *sql, uint16_t column_count,
                                const char *const *names, const Type *types, uint16_t dep_count,
                                const CatDepend *deps, bool or_replace, uint32_t *oid_out)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    ViewDeps view_deps = {dep_count, deps};
    Error *err = catalog_create_view_body(catalog, txn, namespace_oid, name, sql, column_count,
                                          names, types, &view_deps, or_replace, oid_out);
    return cat_ddl_end(txn, &savepoint, err);
}

Error *catalog_create_namespace(Catalog *catalog, Txn *txn, const char *name, uint32_t *oid_out)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, catalog_create_namespace_body(catalog, txn, name, oid_out));
}

Error *catalog_create_sequence(Catalog *catalog, Txn *txn, const CatSequenceDef *def,
                               uint32_t *oid_out)
{
    TxnSavepoint savepoint;
    txn_savepoint(txn, &savepoint);
    return cat_ddl_end(txn, &savepoint, catalog_create_sequence_body(catalog, txn, def, oid_out));
}
