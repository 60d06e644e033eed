/* planner/sysview_pg.c: generators of pg_catalog's relations about relations: pg_namespace,
 * pg_class, pg_attribute, pg_type, pg_index, pg_constraint, pg_attrdef, pg_sequence,
 * pg_depend, and the views pg_tables, pg_views, pg_indexes, pg_sequences.
 *
 * Each row says what PostgreSQL 15 says for the same object (see sysview.h): owner 10,
 * tablespace 0, access method heap (2) for tables and btree (403) for indexes, no toast
 * relations, no row types (reltype 0), statistics from ANALYZE when present. */
#include <string.h>

#include "common/asserts.h"
#include "planner/sysview_data.h"
#include "planner/sysview_int.h"

static Error *sys_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

/* --------------------------------------------------------------- pg_namespace ---- */

static Error *namespace_row(SysGen *gen, uint32_t oid, const char *name, uint32_t owner)
{
    TRY(sys_row_begin(gen));
    sys_set_int(gen, "oid", oid);
    sys_set_text(gen, "nspname", name);
    sys_set_int(gen, "nspowner", owner);
    return NULL;
}

Error *sysgen_pg_namespace(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    bool toast_done = false;
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *schema = cat.tables[idx];
        if (schema->kind != CAT_KIND_SCHEMA) continue;
        if (!toast_done && schema->oid > SYS_OID_PG_TOAST) {
            TRY(namespace_row(gen, SYS_OID_PG_TOAST, "pg_toast", CAT_OID_BOOTSTRAP_ROLE));
            toast_done = true;
        }
        /* PostgreSQL 15: public belongs to pg_database_owner */
        uint32_t owner = schema->oid == CAT_OID_PUBLIC ? SYS_OID_PG_DATABASE_OWNER
                                                       : CAT_OID_BOOTSTRAP_ROLE;
        TRY(namespace_row(gen, schema->oid, schema->name, owner));
    }
    return NULL;
}

/* ------------------------------------------------------------------- pg_class ---- */

static bool table_has_triggers(const CatTable *table)
{
    if (table->referenced_by_count > 0) return true;   /* FK action triggers */
    for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
        if (table->constraints[con_idx].kind == CAT_CONSTR_FOREIGN) return true;
    }
    return false;
}

static int16_t table_checks(const CatTable *table)
{
    int16_t count = 0;
    for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
        if (table->constraints[con_idx].kind == CAT_CONSTR_CHECK) count++;
    }
    return count;
}

static void class_defaults(SysGen *gen)
{
    sys_set_int(gen, "reltype", 0);
    sys_set_int(gen, "reloftype", 0);
    sys_set_int(gen, "relowner", CAT_OID_BOOTSTRAP_ROLE);
    sys_set_int(gen, "relam", 0);
    sys_set_int(gen, "relfilenode", 0);
    sys_set_int(gen, "reltablespace", 0);
    sys_set_int(gen, "relpages", 0);
    sys_set_float(gen, "reltuples", -1);
    sys_set_int(gen, "relallvisible", 0);
    sys_set_int(gen, "reltoastrelid", 0);
    sys_set_bool(gen, "relhasindex", false);
    sys_set_bool(gen, "relisshared", false);
    sys_set_char(gen, "relpersistence", 'p');
    sys_set_int(gen, "relchecks", 0);
    sys_set_bool(gen, "relhasrules", false);
    sys_set_bool(gen, "relhastriggers", false);
    sys_set_bool(gen, "relhassubclass", false);
    sys_set_bool(gen, "relrowsecurity", false);
    sys_set_bool(gen, "relforcerowsecurity", false);
    sys_set_bool(gen, "relispopulated", true);
    sys_set_char(gen, "relreplident", 'n');
    sys_set_bool(gen, "relispartition", false);
    sys_set_int(gen, "relrewrite", 0);
    sys_set_int(gen, "relfrozenxid", 0);
    sys_set_int(gen, "relminmxid", 0);
}

static bool sysview_is_shared(const SysView *view)
{
    static const char *const SHARED[] = {
        "pg_authid", "pg_auth_members", "pg_database", "pg_tablespace", "pg_shdescription",
        "pg_subscription", "pg_shdepend", "pg_shseclabel", "pg_db_role_setting",
        "pg_replication_origin", "pg_parameter_acl",
    };
    for (size_t idx = 0; idx < sizeof SHARED / sizeof SHARED[0]; idx++) {
        if (strcmp(view->name, SHARED[idx]) == 0) return true;
    }
    return false;
}

/* sys_schema_oid: the namespace OID of a system relation's schema. */
static uint32_t sys_schema_oid(const SysView *view)
{
    return strcmp(view->schema, "pg_catalog") == 0 ? CAT_OID_PG_CATALOG
                                                   : CAT_OID_INFORMATION_SCHEMA;
}

static Error *class_rows_system(SysGen *gen)
{
    size_t count = sysview_count();
    for (size_t idx = 0; idx < count; idx++) {
        const SysView *view = sysview_at(idx);
        bool table = view->relkind == 'r';
        TRY(sys_row_begin(gen));
        class_defaults(gen);
        sys_set_int(gen, "oid", view->oid);
        sys_set_text(gen, "relname", view->name);
        sys_set_int(gen, "relnamespace", sys_schema_oid(view));
        sys_set_int(gen, "relam", table ? SYS_OID_AM_HEAP : 0);
        sys_set_int(gen, "relfilenode", table ? view->oid : 0);
        sys_set_bool(gen, "relhasindex", table);
        sys_set_bool(gen, "relisshared", sysview_is_shared(view));
        if (sysview_is_shared(view)) sys_set_int(gen, "reltablespace", SYS_OID_TABLESPACE_GLOBAL);
        sys_set_char(gen, "relkind", view->relkind);
        sys_set_int(gen, "relnatts", view->column_count);
        sys_set_bool(gen, "relhasrules", !table);
    }
    return NULL;
}

static Error *class_row_user(SysGen *gen, const SysRel *rel)
{
    const SysEnv *env = gen->env;
    const CatTable *table = rel->table;
    TRY(sys_row_begin(gen));
    class_defaults(gen);
    sys_set_int(gen, "oid", rel->oid);
    sys_set_int(gen, "relnamespace", table->namespace_oid);
    sys_set_char(gen, "relkind", rel->kind);
    switch (rel->kind) {
    case 'r': {
        sys_set_text(gen, "relname", table->name);
        sys_set_int(gen, "relam", SYS_OID_AM_HEAP);
        sys_set_int(gen, "relfilenode", rel->oid);
        const CatIndex **indexes = NULL;
        uint16_t index_count = 0;
        TRY(sys_table_indexes(gen, table, &indexes, &index_count));
        sys_set_bool(gen, "relhasindex", index_count > 0);
        sys_set_int(gen, "relnatts", table->column_count);
        sys_set_int(gen, "relchecks", table_checks(table));
        sys_set_bool(gen, "relhastriggers", table_has_triggers(table));
        sys_set_char(gen, "relreplident", 'd');
        const CatStats *stats = NULL;   /* stats: ignored once TRUNCATE replaced the tree */
        TRY(catalog_stats_load(env->catalog, env->txn, table->oid, env->arena, &stats));
        if (stats != NULL && stats->root == table->root) {
            sys_set_int(gen, "relpages", (int64_t)stats->base->page_count);
            sys_set_float(gen, "reltuples", stats->base->row_count);
        }
        if (table->fillfactor > 0 && table->fillfactor != 100) {
            const char **options = arena_calloc(env->arena, sizeof *options);
            if (options == NULL) return sys_oom();
            options[0] = sys_printf(gen, "fillfactor=%d", table->fillfactor);
            sys_set_texts(gen, "reloptions", options, 1);
        }
        break;
    }
    case 'i':
        sys_set_text(gen, "relname", rel->index->name);
        sys_set_int(gen, "relam", SYS_OID_AM_BTREE);
        sys_set_int(gen, "relfilenode", rel->oid);
        sys_set_int(gen, "relnatts", rel->index->key_count);
        sys_set_int(gen, "relpages", 1);
        sys_set_float(gen, "reltuples", 0);
        break;
    case 'v':
        sys_set_text(gen, "relname", table->name);
        sys_set_int(gen, "relnatts", table->column_count);
        sys_set_bool(gen, "relhasrules", true);
        break;
    case 'S':
        sys_set_text(gen, "relname", table->name);
        sys_set_int(gen, "relfilenode", rel->oid);
        sys_set_int(gen, "relnatts", 3);
        sys_set_int(gen, "relpages", 1);
        sys_set_float(gen, "reltuples", 1);
        break;
    default: break;
    }
    return NULL;
}

Error *sysgen_pg_class(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    TRY(class_rows_system(gen));
    SysRel *rels = NULL;
    size_t rel_count = 0;
    TRY(sys_relations(gen, &cat, &rels, &rel_count));
    for (size_t idx = 0; idx < rel_count; idx++) TRY(class_row_user(gen, &rels[idx]));
    return NULL;
}

/* --------------------------------------------------------------- pg_attribute ---- */

typedef struct AttrDef {
    uint32_t    relid;
    const char *name;
    uint32_t    type_id;        /* PostgreSQL type OID (0: dropped) */
    int32_t     typmod;
    int16_t     attnum;
    int16_t     len;            /* for dropped columns: the old type's */
    bool        not_null;
    bool        has_default;
    char        identity;
    bool        dropped;
} AttrDef;

static Error *attribute_row(SysGen *gen, const AttrDef *def)
{
    uint32_t type_id = def->dropped ? 0 : def->type_id;
    const SysTypeRow *type = sys_type_row(def->type_id);
    TRY(sys_row_begin(gen));
    sys_set_int(gen, "attrelid", def->relid);
    sys_set_text(gen, "attname", def->name);
    sys_set_int(gen, "atttypid", type_id);
    sys_set_int(gen, "attstattarget", def->attnum > 0 && !def->dropped ? -1 : 0);
    sys_set_int(gen, "attlen", type != NULL ? type->typlen : def->len);
    sys_set_int(gen, "attnum", def->attnum);
    sys_set_int(gen, "attndims",
                !def->dropped && type_array_elem(def->type_id) != TYPE_INVALID ? 1 : 0);
    sys_set_int(gen, "attcacheoff", -1);
    sys_set_int(gen, "atttypmod", def->typmod);
    sys_set_bool(gen, "attbyval", type != NULL && type->byval);
    sys_set_char(gen, "attalign", type != NULL ? type->align : 'i');
    sys_set_char(gen, "attstorage", type != NULL ? type->storage : 'p');
    sys_set_text(gen, "attcompression", "");
    sys_set_bool(gen, "attnotnull", def->not_null && !def->dropped);
    sys_set_bool(gen, "atthasdef", def->has_default && !def->dropped);
    sys_set_bool(gen, "atthasmissing", false);
    if (def->identity != 0) {
        sys_set_char(gen, "attidentity", def->identity);
    } else {
        sys_set_text(gen, "attidentity", "");
    }
    sys_set_text(gen, "attgenerated", "");
    sys_set_bool(gen, "attisdropped", def->dropped);
    sys_set_bool(gen, "attislocal", true);
    sys_set_int(gen, "attinhcount", 0);
    sys_set_int(gen, "attcollation", def->dropped ? 0 : sys_type_collation(def->type_id));
    return NULL;
}

static Error *system_attributes(SysGen *gen, uint32_t relid)
{
    static const struct { const char *name; int16_t attnum; uint32_t type_id; int16_t len; }
        SYSTEM[] = {
            { "tableoid", -6, TYPE_OID, 4 }, { "cmax", -5, 29, 4 }, { "xmax", -4, 28, 4 },
            { "cmin", -3, 29, 4 },           { "xmin", -2, 28, 4 }, { "ctid", -1, 27, 6 },
        };
    for (size_t idx = 0; idx < sizeof SYSTEM / sizeof SYSTEM[0]; idx++) {
        AttrDef def = { .relid = relid, .name = SYSTEM[idx].name,
                        .type_id = SYSTEM[idx].type_id, .typmod = -1,
                        .attnum = SYSTEM[idx].attnum, .len = SYSTEM[idx].len,
                        .not_null = true };
        TRY(attribute_row(gen, &def));
    }
    return NULL;
}

static Error *table_attributes(SysGen *gen, const CatTable *table, bool with_system)
{
    if (with_system) TRY(system_attributes(gen, table->oid));
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        const CatColumn *column = &table->columns[col_idx];
        AttrDef def = { .relid = table->oid, .name = column->name, .type_id = column->type.id,
                        .typmod = column->type.typmod, .attnum = column->attnum,
                        .len = type_typlen(column->type.id), .not_null = column->not_null,
                        .has_default = column->default_sql != NULL && column->identity == 0,
                        .identity = column->identity, .dropped = column->dropped };
        if (column->dropped) {
            def.name = sys_printf(gen, "........pg.dropped.%d........", column->attnum);
            def.typmod = -1;
        }
        TRY(attribute_row(gen, &def));
    }
    return NULL;
}

static Error *sequence_attributes(SysGen *gen, uint32_t relid)
{
    TRY(system_attributes(gen, relid));
    static const struct { const char *name; uint32_t type_id; } COLUMNS[] = {
        { "last_value", TYPE_INT8 }, { "log_cnt", TYPE_INT8 }, { "is_called", TYPE_BOOL },
    };
    for (int16_t idx = 0; idx < 3; idx++) {
        AttrDef def = { .relid = relid, .name = COLUMNS[idx].name,
                        .type_id = COLUMNS[idx].type_id, .typmod = -1,
                        .attnum = (int16_t)(idx + 1), .not_null = true };
        TRY(attribute_row(gen, &def));
    }
    return NULL;
}

static Error *index_attributes(SysGen *gen, const CatTable *table, const CatIndex *index)
{
    for (uint16_t key_idx = 0; key_idx < index->key_count; key_idx++) {
        int16_t attnum = index->attnums[key_idx];
        if (attnum < 1 || attnum > table->column_count) continue;
        const CatColumn *column = &table->columns[attnum - 1];
        AttrDef def = { .relid = index->oid, .name = column->name, .type_id = column->type.id,
                        .typmod = column->type.typmod, .attnum = (int16_t)(key_idx + 1) };
        TRY(attribute_row(gen, &def));
    }
    return NULL;
}

bool sysview_not_null(const SysView *view, uint16_t col_idx)
{
    static const struct { const char *name; const char *pattern; } PATTERNS[] = {
        { "pg_attrdef", "NNNN" },
        { "pg_database", "NNNNNNNNNNNNN..." },
        { "pg_index", "NNNNNNNNNNNNNNNNNNN.." },
        { "pg_proc", "NNNNNNNNNNNNNNNNNNNN.....N...." },
        { "pg_default_acl", "NNNNN" },
        { "pg_description", "NNNN" },
        { "pg_extension", "NNNNNN.." },
        { "pg_init_privs", "NNNNN" },
        { "pg_policy", "NNNNNN.." },
        { "pg_rewrite", "NNNNNNNN" },
        { "pg_shdescription", "NNN" },
        { "pg_statistic_ext", "NNNNNNNN." },
        { "pg_subscription", "NNNNNNNNNNN.NN" },
        { "pg_trigger", "NNNNNNNNNNNNNNNN..." },
    };
    if (view->relkind != 'r') return false;
    for (size_t idx = 0; idx < sizeof PATTERNS / sizeof PATTERNS[0]; idx++) {
        if (strcmp(PATTERNS[idx].name, view->name) == 0) {
            return col_idx < strlen(PATTERNS[idx].pattern) &&
                   PATTERNS[idx].pattern[col_idx] == 'N';
        }
    }
    for (uint16_t prev = 0; prev <= col_idx; prev++) {
        uint32_t type_id = view->columns[prev].pg_type;
        const SysTypeRow *type = sys_type_row(type_id);
        if (type == NULL || (type->typlen < 0 && type_id != TYPE_INT2VECTOR &&
                             type_id != TYPE_OIDVECTOR)) {
            return false;
        }
    }
    return true;
}

Error *sysgen_pg_attribute(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    size_t count = sysview_count();
    for (size_t idx = 0; idx < count; idx++) {
        const SysView *view = sysview_at(idx);
        if (view->relkind == 'r') TRY(system_attributes(gen, view->oid));
        for (uint16_t col_idx = 0; col_idx < view->column_count; col_idx++) {
            Type type = sysview_column_type(view, col_idx);
            uint32_t type_id = view->columns[col_idx].pg_type;
            AttrDef def = { .relid = view->oid, .name = view->columns[col_idx].name,
                            .type_id = type_id, .typmod = -1,
                            .attnum = (int16_t)(col_idx + 1), .len = type_typlen(type.id),
                            .not_null = sysview_not_null(view, col_idx) };
            TRY(attribute_row(gen, &def));
        }
    }
    SysRel *rels = NULL;
    size_t rel_count = 0;
    TRY(sys_relations(gen, &cat, &rels, &rel_count));
    for (size_t idx = 0; idx < rel_count; idx++) {
        const SysRel *rel = &rels[idx];
        switch (rel->kind) {
        case 'r': TRY(table_attributes(gen, rel->table, true)); break;
        case 'v': TRY(table_attributes(gen, rel->table, false)); break;
        case 'S': TRY(sequence_attributes(gen, rel->oid)); break;
        case 'i': TRY(index_attributes(gen, rel->table, rel->index)); break;
        default: break;
        }
    }
    return NULL;
}

/* -------------------------------------------------------------------- pg_type ---- */

Error *sysgen_pg_type(SysGen *gen)
{
    for (size_t idx = 0; idx < SYS_TYPE_COUNT; idx++) {
        const SysTypeRow *type = &SYS_TYPES[idx];
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "oid", type->oid);
        sys_set_text(gen, "typname", type->name);
        sys_set_int(gen, "typnamespace", CAT_OID_PG_CATALOG);
        sys_set_int(gen, "typowner", CAT_OID_BOOTSTRAP_ROLE);
        sys_set_int(gen, "typlen", type->typlen);
        sys_set_bool(gen, "typbyval", type->byval);
        sys_set_char(gen, "typtype", type->typtype);
        sys_set_char(gen, "typcategory", type->category);
        sys_set_bool(gen, "typispreferred", type->preferred);
        sys_set_bool(gen, "typisdefined", true);
        sys_set_char(gen, "typdelim", ',');
        sys_set_int(gen, "typrelid", 0);
        sys_set_text(gen, "typsubscript", type->subscript);
        sys_set_int(gen, "typelem", type->elem);
        sys_set_int(gen, "typarray", type->array);
        sys_set_text(gen, "typinput", type->input);
        sys_set_text(gen, "typoutput", type->output);
        sys_set_text(gen, "typreceive", type->receive);
        sys_set_text(gen, "typsend", type->send);
        sys_set_text(gen, "typmodin", type->modin);
        sys_set_text(gen, "typmodout", type->modout);
        sys_set_text(gen, "typanalyze", type->analyze);
        sys_set_char(gen, "typalign", type->align);
        sys_set_char(gen, "typstorage", type->storage);
        sys_set_bool(gen, "typnotnull", false);
        sys_set_int(gen, "typbasetype", 0);
        sys_set_int(gen, "typtypmod", -1);
        sys_set_int(gen, "typndims", 0);
        sys_set_int(gen, "typcollation", type->collation);
    }
    return NULL;
}

/* ------------------------------------------------------------------- pg_index ---- */

static int64_t *int_list(SysGen *gen, uint32_t count)
{
    return arena_calloc(gen->env->arena, ((size_t)count + 1) * sizeof(int64_t));
}

static Error *index_row(SysGen *gen, const CatTable *table, const CatIndex *index)
{
    uint16_t count = index->key_count;
    int64_t *keys = int_list(gen, count), *collations = int_list(gen, count);
    int64_t *classes = int_list(gen, count), *options = int_list(gen, count);
    if (keys == NULL || collations == NULL || classes == NULL || options == NULL) {
        return sys_oom();
    }
    for (uint16_t key_idx = 0; key_idx < count; key_idx++) {
        int16_t attnum = index->attnums[key_idx];
        uint32_t type_id = attnum >= 1 && attnum <= table->column_count
                               ? table->columns[attnum - 1].type.id
                               : 0;
        bool desc = index->descending != NULL && index->descending[key_idx];
        bool nulls_first = index->nulls_first != NULL ? index->nulls_first[key_idx] : desc;
        keys[key_idx] = attnum;
        collations[key_idx] = sys_type_collation(type_id);
        classes[key_idx] = sys_btree_opclass(type_id);
        options[key_idx] = (desc ? 1 : 0) | (nulls_first ? 2 : 0);
    }
    TRY(sys_row_begin(gen));
    sys_set_int(gen, "indexrelid", index->oid);
    sys_set_int(gen, "indrelid", table->oid);
    sys_set_int(gen, "indnatts", count);
    sys_set_int(gen, "indnkeyatts", count);
    sys_set_bool(gen, "indisunique", index->unique);
    sys_set_bool(gen, "indnullsnotdistinct", false);
    sys_set_bool(gen, "indisprimary", index->primary);
    sys_set_bool(gen, "indisexclusion", false);
    sys_set_bool(gen, "indimmediate", true);
    sys_set_bool(gen, "indisclustered", false);
    sys_set_bool(gen, "indisvalid", true);
    sys_set_bool(gen, "indcheckxmin", false);
    sys_set_bool(gen, "indisready", true);
    sys_set_bool(gen, "indislive", true);
    sys_set_bool(gen, "indisreplident", false);
    sys_set_ints(gen, "indkey", keys, count);
    sys_set_ints(gen, "indcollation", collations, count);
    sys_set_ints(gen, "indclass", classes, count);
    sys_set_ints(gen, "indoption", options, count);
    return NULL;
}

Error *sysgen_pg_index(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    SysRel *rels = NULL;
    size_t rel_count = 0;
    TRY(sys_relations(gen, &cat, &rels, &rel_count));
    for (size_t idx = 0; idx < rel_count; idx++) {
        if (rels[idx].kind == 'i') TRY(index_row(gen, rels[idx].table, rels[idx].index));
    }
    return NULL;
}

/* -------------------------------------------------------------- pg_constraint ---- */

static Error *constraint_row(SysGen *gen, const SysCatalog *cat, const CatTable *table,
                             const CatConstraint *constraint)
{
    int64_t *keys = int_list(gen, constraint->column_count);
    if (keys == NULL) return sys_oom();
    for (uint16_t col_idx = 0; col_idx < constraint->column_count; col_idx++) {
        keys[col_idx] = constraint->attnums[col_idx];
    }
    TRY(sys_row_begin(gen));
    sys_set_int(gen, "oid", constraint->oid);
    sys_set_text(gen, "conname", constraint->name);
    sys_set_int(gen, "connamespace", table->namespace_oid);
    sys_set_char(gen, "contype", constraint->kind);
    sys_set_bool(gen, "condeferrable", false);
    sys_set_bool(gen, "condeferred", false);
    sys_set_bool(gen, "convalidated", true);
    sys_set_int(gen, "conrelid", table->oid);
    sys_set_int(gen, "contypid", 0);
    sys_set_int(gen, "conindid", 0);
    sys_set_int(gen, "conparentid", 0);
    sys_set_int(gen, "confrelid", 0);
    sys_set_char(gen, "confupdtype", ' ');
    sys_set_char(gen, "confdeltype", ' ');
    sys_set_char(gen, "confmatchtype", ' ');
    sys_set_bool(gen, "conislocal", true);
    sys_set_int(gen, "coninhcount", 0);
    /* PostgreSQL 15 marks key and foreign-key constraints NO INHERIT */
    sys_set_bool(gen, "connoinherit", constraint->kind != CAT_CONSTR_CHECK);
    if (constraint->column_count > 0) sys_set_ints(gen, "conkey", keys, constraint->column_count);
    switch (constraint->kind) {
    case CAT_CONSTR_PRIMARY:
    case CAT_CONSTR_UNIQUE:
        sys_set_int(gen, "conindid", sys_constraint_index(table, constraint));
        break;
    case CAT_CONSTR_CHECK:
        sys_set_text(gen, "conbin", constraint->check_sql);
        break;
    case CAT_CONSTR_FOREIGN: {
        const CatTable *ref = sys_catalog_table(cat, constraint->ref_table_oid);
        const CatConstraint *key = sys_referenced_key(ref, constraint);
        int64_t *ref_keys = int_list(gen, constraint->column_count);
        if (ref_keys == NULL) return sys_oom();
        for (uint16_t col_idx = 0; col_idx < constraint->column_count; col_idx++) {
            ref_keys[col_idx] = constraint->ref_attnums != NULL ? constraint->ref_attnums[col_idx]
                                                                : 0;
        }
        sys_set_int(gen, "conindid", key != NULL ? sys_constraint_index(ref, key) : 0);
        sys_set_int(gen, "confrelid", constraint->ref_table_oid);
        sys_set_char(gen, "confupdtype", constraint->on_update != 0 ? constraint->on_update : 'a');
        sys_set_char(gen, "confdeltype", constraint->on_delete != 0 ? constraint->on_delete : 'a');
        sys_set_char(gen, "confmatchtype", 's');
        sys_set_ints(gen, "confkey", ref_keys, constraint->column_count);
        break;
    }
    default: break;
    }
    return NULL;
}

Error *sysgen_pg_constraint(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
            TRY(constraint_row(gen, &cat, table, &table->constraints[con_idx]));
        }
    }
    return NULL;
}

/* ----------------------------------------------------------------- pg_attrdef ---- */

Error *sysgen_pg_attrdef(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
            const CatColumn *column = &table->columns[col_idx];
            if (column->dropped || column->default_sql == NULL || column->identity != 0) {
                continue;
            }
            TRY(sys_row_begin(gen));
            sys_set_int(gen, "oid", 0);
            sys_set_int(gen, "adrelid", table->oid);
            sys_set_int(gen, "adnum", column->attnum);
            sys_set_text(gen, "adbin", column->default_sql);
        }
    }
    return NULL;
}

/* --------------------------------------------------------- sequences, depend ---- */

typedef struct SeqInfo {
    int64_t        last_value;
    bool           is_called;
    CatSequenceDef def;
} SeqInfo;

static Error *sequence_info(SysGen *gen, const CatTable *sequence, SeqInfo *info)
{
    *info = (SeqInfo){ 0 };
    return catalog_sequence_state(gen->env->catalog, sequence, &info->last_value,
                                  &info->is_called, &info->def);
}

Error *sysgen_pg_sequence(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *sequence = cat.tables[idx];
        if (sequence->kind != CAT_KIND_SEQUENCE) continue;
        SeqInfo info;
        TRY(sequence_info(gen, sequence, &info));
        TRY(sys_row_begin(gen));
        sys_set_int(gen, "seqrelid", sequence->oid);
        sys_set_int(gen, "seqtypid", info.def.type.id != 0 ? info.def.type.id : TYPE_INT8);
        sys_set_int(gen, "seqstart", info.def.start);
        sys_set_int(gen, "seqincrement", info.def.increment);
        sys_set_int(gen, "seqmax", info.def.max_value);
        sys_set_int(gen, "seqmin", info.def.min_value);
        sys_set_int(gen, "seqcache", info.def.cache > 0 ? info.def.cache : 1);
        sys_set_bool(gen, "seqcycle", info.def.cycle);
    }
    return NULL;
}

static Error *depend_row(SysGen *gen, uint32_t classid, uint32_t objid, uint32_t refclassid,
                         uint32_t refobjid, int32_t refobjsubid, char deptype)
{
    TRY(sys_row_begin(gen));
    sys_set_int(gen, "classid", classid);
    sys_set_int(gen, "objid", objid);
    sys_set_int(gen, "objsubid", 0);
    sys_set_int(gen, "refclassid", refclassid);
    sys_set_int(gen, "refobjid", refobjid);
    sys_set_int(gen, "refobjsubid", refobjsubid);
    sys_set_char(gen, "deptype", deptype);
    return NULL;
}

/* view_depend_rows: a view's rule (pg_rewrite; birch has no rule OIDs, objid is the view's
 * OID) depends normally ('n') on each table column its query reads, and on a relation as a
 * whole only when it reads none of its columns, as PostgreSQL records them. */
static Error *view_depend_rows(SysGen *gen, const CatTable *view)
{
    for (uint16_t dep_idx = 0; dep_idx < view->view_dep_count; dep_idx++) {
        const CatDepend *dep = &view->view_deps[dep_idx];
        bool has_columns = false;
        for (uint16_t other_idx = 0; dep->ref_attnum == 0 && other_idx < view->view_dep_count;
             other_idx++) {
            has_columns |= view->view_deps[other_idx].ref_oid == dep->ref_oid &&
                           view->view_deps[other_idx].ref_attnum > 0;
        }
        if (has_columns) continue;
        TRY(depend_row(gen, SYS_OID_PG_REWRITE, view->oid, SYS_OID_PG_CLASS, dep->ref_oid,
                       dep->ref_attnum, 'n'));
    }
    return NULL;
}

Error *sysgen_pg_depend(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *rel = cat.tables[idx];
        if (rel->kind == CAT_KIND_SEQUENCE) {
            int16_t attnum = 0;
            const CatTable *owner = sys_sequence_owner(&cat, rel, &attnum);
            if (owner == NULL) continue;
            /* an identity column's sequence is internal to it, a SERIAL's is auto */
            char deptype = owner->columns[attnum - 1].identity != 0 ? 'i' : 'a';
            TRY(depend_row(gen, SYS_OID_PG_CLASS, rel->oid, SYS_OID_PG_CLASS, owner->oid, attnum,
                           deptype));
        } else if (rel->kind == CAT_KIND_VIEW) {
            TRY(view_depend_rows(gen, rel));
        } else if (rel->kind == CAT_KIND_TABLE) {
            /* a plain index depends on the columns it covers */
            for (uint16_t index_idx = 0; index_idx < rel->index_count; index_idx++) {
                const CatIndex *index = rel->indexes[index_idx];
                bool of_constraint = false;
                for (uint16_t con_idx = 0; con_idx < rel->constraint_count; con_idx++) {
                    if (rel->constraints[con_idx].index_oid == index->oid) of_constraint = true;
                }
                if (of_constraint) continue;
                for (uint16_t key_idx = 0; key_idx < index->key_count; key_idx++) {
                    TRY(depend_row(gen, SYS_OID_PG_CLASS, index->oid, SYS_OID_PG_CLASS, rel->oid,
                                   index->attnums[key_idx], 'a'));
                }
            }
            /* a constraint depends on its columns ('a'); a foreign key also on the columns and
             * the index it references ('n') */
            for (uint16_t con_idx = 0; con_idx < rel->constraint_count; con_idx++) {
                const CatConstraint *constraint = &rel->constraints[con_idx];
                for (uint16_t col_idx = 0; col_idx < constraint->column_count; col_idx++) {
                    TRY(depend_row(gen, SYS_OID_PG_CONSTRAINT, constraint->oid, SYS_OID_PG_CLASS,
                                   rel->oid, constraint->attnums[col_idx], 'a'));
                }
                if (constraint->kind != CAT_CONSTR_FOREIGN) continue;
                const CatTable *ref = sys_catalog_table(&cat, constraint->ref_table_oid);
                const CatConstraint *key = sys_referenced_key(ref, constraint);
                if (key != NULL) {
                    TRY(depend_row(gen, SYS_OID_PG_CONSTRAINT, constraint->oid, SYS_OID_PG_CLASS,
                                   sys_constraint_index(ref, key), 0, 'n'));
                }
                for (uint16_t col_idx = 0;
                     constraint->ref_attnums != NULL && col_idx < constraint->column_count;
                     col_idx++) {
                    TRY(depend_row(gen, SYS_OID_PG_CONSTRAINT, constraint->oid, SYS_OID_PG_CLASS,
                                   constraint->ref_table_oid, constraint->ref_attnums[col_idx],
                                   'n'));
                }
            }
            /* an index made for a constraint depends on it internally */
            for (uint16_t con_idx = 0; con_idx < rel->constraint_count; con_idx++) {
                const CatConstraint *constraint = &rel->constraints[con_idx];
                if (constraint->kind != CAT_CONSTR_PRIMARY &&
                    constraint->kind != CAT_CONSTR_UNIQUE) {
                    continue;
                }
                uint32_t index_oid = sys_constraint_index(rel, constraint);
                if (index_oid == 0) continue;
                TRY(depend_row(gen, SYS_OID_PG_CLASS, index_oid, SYS_OID_PG_CONSTRAINT,
                               constraint->oid, 0, 'i'));
            }
        }
    }
    return NULL;
}

/* ------------------------------------------------------- pg_tables & friends ---- */

Error *sysgen_pg_tables(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    const char *owner = sys_role_name(gen, &cat, CAT_OID_BOOTSTRAP_ROLE);
    size_t count = sysview_count();
    for (size_t idx = 0; idx < count; idx++) {
        const SysView *view = sysview_at(idx);
        if (view->relkind != 'r') continue;
        TRY(sys_row_begin(gen));
        sys_set_text(gen, "schemaname", view->schema);
        sys_set_text(gen, "tablename", view->name);
        sys_set_text(gen, "tableowner", owner);
        if (sysview_is_shared(view)) sys_set_text(gen, "tablespace", "pg_global");
        sys_set_bool(gen, "hasindexes", true);
        sys_set_bool(gen, "hasrules", false);
        sys_set_bool(gen, "hastriggers", false);
        sys_set_bool(gen, "rowsecurity", false);
    }
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        const CatIndex **indexes = NULL;
        uint16_t index_count = 0;
        TRY(sys_table_indexes(gen, table, &indexes, &index_count));
        TRY(sys_row_begin(gen));
        sys_set_text(gen, "schemaname", table->namespace_name);
        sys_set_text(gen, "tablename", table->name);
        sys_set_text(gen, "tableowner", owner);
        sys_set_bool(gen, "hasindexes", index_count > 0);
        sys_set_bool(gen, "hasrules", false);
        sys_set_bool(gen, "hastriggers", table_has_triggers(table));
        sys_set_bool(gen, "rowsecurity", false);
    }
    return NULL;
}

Error *sysgen_pg_views(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    const char *owner = sys_role_name(gen, &cat, CAT_OID_BOOTSTRAP_ROLE);
    size_t count = sysview_count();
    for (size_t idx = 0; idx < count; idx++) {
        const SysView *view = sysview_at(idx);
        if (view->relkind != 'v') continue;
        TRY(sys_row_begin(gen));
        sys_set_text(gen, "schemaname", view->schema);
        sys_set_text(gen, "viewname", view->name);
        sys_set_text(gen, "viewowner", owner);
    }
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *view = cat.tables[idx];
        if (view->kind != CAT_KIND_VIEW) continue;
        TRY(sys_row_begin(gen));
        sys_set_text(gen, "schemaname", view->namespace_name);
        sys_set_text(gen, "viewname", view->name);
        sys_set_text(gen, "viewowner", owner);
        sys_set_text(gen, "definition", view->view_sql);
    }
    return NULL;
}

Error *sysgen_pg_indexes(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    SysRel *rels = NULL;
    size_t rel_count = 0;
    TRY(sys_relations(gen, &cat, &rels, &rel_count));
    for (size_t idx = 0; idx < rel_count; idx++) {
        const SysRel *rel = &rels[idx];
        if (rel->kind != 'i') continue;
        TRY(sys_row_begin(gen));
        sys_set_text(gen, "schemaname", rel->table->namespace_name);
        sys_set_text(gen, "tablename", rel->table->name);
        sys_set_text(gen, "indexname", rel->index->name);
        sys_set_text(gen, "indexdef", sys_index_def(gen, rel->table, rel->index));
    }
    return NULL;
}

Error *sysgen_pg_sequences(SysGen *gen)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    const char *owner = sys_role_name(gen, &cat, CAT_OID_BOOTSTRAP_ROLE);
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *sequence = cat.tables[idx];
        if (sequence->kind != CAT_KIND_SEQUENCE) continue;
        SeqInfo info;
        TRY(sequence_info(gen, sequence, &info));
        TRY(sys_row_begin(gen));
        sys_set_text(gen, "schemaname", sequence->namespace_name);
        sys_set_text(gen, "sequencename", sequence->name);
        sys_set_text(gen, "sequenceowner", owner);
        sys_set_regtype(gen, "data_type", info.def.type.id != 0 ? info.def.type.id : TYPE_INT8);
        sys_set_int(gen, "start_value", info.def.start);
        sys_set_int(gen, "min_value", info.def.min_value);
        sys_set_int(gen, "max_value", info.def.max_value);
        sys_set_int(gen, "increment_by", info.def.increment);
        sys_set_bool(gen, "cycle", info.def.cycle);
        sys_set_int(gen, "cache_size", info.def.cache > 0 ? info.def.cache : 1);
        if (info.is_called) sys_set_int(gen, "last_value", info.last_value);
    }
    return NULL;
}

/* ---- stats: pg_statistic and pg_stats from ANALYZE's rows (catalog_stats_load) ---- */

/* stats_freqs: the frequencies as float4 texts (the array column parses them). */
static const char *const *stats_freqs(SysGen *gen, const double *freqs, uint16_t count)
{
    const char **texts = arena_calloc(gen->env->arena, (count + 1u) * sizeof *texts);
    if (texts == NULL) return NULL;
    for (uint16_t idx = 0; idx < count; idx++) {
        texts[idx] = sys_printf(gen, "%.9g", (double)(float)freqs[idx]);
        if (texts[idx] == NULL) return NULL;
    }
    return texts;
}

typedef Error *(*StatsRowFn)(SysGen *gen, const CatTable *table, const CatColumn *column,
                             const CatColumnStats *stats, const CatStatsColumn *ext);

/* stats_rows: row(table, column, ...) for every column with valid statistics. */
static Error *stats_rows(SysGen *gen, StatsRowFn row)
{
    SysCatalog cat;
    TRY(sys_catalog_read(gen, &cat));
    for (size_t idx = 0; idx < cat.table_count; idx++) {
        const CatTable *table = cat.tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        const CatStats *stats = NULL;
        TRY(catalog_stats_load(gen->env->catalog, gen->env->txn, table->oid, gen->env->arena,
                               &stats));
        for (uint16_t col_idx = 0; stats != NULL && col_idx < table->column_count; col_idx++) {
            const CatStatsColumn *ext = NULL;
            const CatColumnStats *column = catalog_stats_column(stats, table, col_idx, &ext);
            if (column != NULL) TRY(row(gen, table, &table->columns[col_idx], column, ext));
        }
    }
    return NULL;
}

static Error *statistic_row(SysGen *gen, const CatTable *table, const CatColumn *column,
                            const CatColumnStats *stats, const CatStatsColumn *ext)
{
    TRY(sys_row_begin(gen));
    sys_set_int(gen, "starelid", table->oid);
    sys_set_int(gen, "staattnum", column->attnum);
    sys_set_bool(gen, "stainherit", false);
    sys_set_float(gen, "stanullfrac", stats->null_frac);
    sys_set_int(gen, "stawidth", ext->avg_width);
    sys_set_float(gen, "stadistinct", stats->distinct_count);
    static const char *const KIND[] = {"stakind1", "stakind2", "stakind3", "stakind4",
                                       "stakind5"};
    static const char *const NUMBERS[] = {"stanumbers1", "stanumbers2", "stanumbers3"};
    static const char *const VALUES[] = {"stavalues1", "stavalues2", "stavalues3"};
    static const char *const OTHER[] = {"staop1", "staop2", "staop3", "staop4", "staop5",
                                        "stacoll1", "stacoll2", "stacoll3", "stacoll4",
                                        "stacoll5"};
    for (int idx = 0; idx < 5; idx++) sys_set_int(gen, KIND[idx], 0);
    for (int idx = 0; idx < 10; idx++) sys_set_int(gen, OTHER[idx], 0);
    int slot = 0;
    if (stats->mcv_count > 0) {             /* STATISTIC_KIND_MCV */
        const char *const *freqs = stats_freqs(gen, stats->mcv_freqs, stats->mcv_count);
        if (freqs == NULL) return sys_oom();
        sys_set_int(gen, KIND[slot], 1);
        sys_set_texts(gen, NUMBERS[slot], freqs, stats->mcv_count);
        sys_set_texts(gen, VALUES[slot], stats->mcv_values, stats->mcv_count);
        slot++;
    }
    if (stats->histogram_count > 0) {       /* STATISTIC_KIND_HISTOGRAM */
        sys_set_int(gen, KIND[slot], 2);
        sys_set_texts(gen, VALUES[slot], stats->histogram, stats->histogram_count);
        slot++;
    }
    if (ext->correlation == ext->correlation) {   /* STATISTIC_KIND_CORRELATION */
        const char *const *corr = stats_freqs(gen, &ext->correlation, 1);
        if (corr == NULL) return sys_oom();
        sys_set_int(gen, KIND[slot], 3);
        sys_set_texts(gen, NUMBERS[slot], corr, 1);
    }
    return NULL;
}

static Error *stats_view_row(SysGen *gen, const CatTable *table, const CatColumn *column,
                             const CatColumnStats *stats, const CatStatsColumn *ext)
{
    TRY(sys_row_begin(gen));
    sys_set_text(gen, "schemaname", table->namespace_name);
    sys_set_text(gen, "tablename", table->name);
    sys_set_text(gen, "attname", column->name);
    sys_set_bool(gen, "inherited", false);
    sys_set_float(gen, "null_frac", stats->null_frac);
    sys_set_int(gen, "avg_width", ext->avg_width);
    sys_set_float(gen, "n_distinct", stats->distinct_count);
    if (stats->mcv_count > 0) {
        const char *const *freqs = stats_freqs(gen, stats->mcv_freqs, stats->mcv_count);
        if (freqs == NULL) return sys_oom();
        sys_set_texts(gen, "most_common_vals", stats->mcv_values, stats->mcv_count);
        sys_set_texts(gen, "most_common_freqs", freqs, stats->mcv_count);
    }
    if (stats->histogram_count > 0) {
        sys_set_texts(gen, "histogram_bounds", stats->histogram, stats->histogram_count);
    }
    if (ext->correlation == ext->correlation) sys_set_float(gen, "correlation", ext->correlation);
    return NULL;
}

Error *sysgen_pg_statistic(SysGen *gen) { return stats_rows(gen, statistic_row); }
Error *sysgen_pg_stats(SysGen *gen) { return stats_rows(gen, stats_view_row); }
/* ---- end of stats' block ---- */
