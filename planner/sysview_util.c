/* planner/sysview_util.c: what several generators share: the snapshot's relations and roles,
 * the relation list in OID order (with the primary-key index of a clustered table, which
 * birch keeps inside the table tree but PostgreSQL shows as an index), and format_type /
 * pg_get_indexdef / pg_get_constraintdef texts. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/numeric.h"
#include "parser/parse.h"
#include "planner/sysview_int.h"

static Error *sys_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

Error *sys_catalog_read(SysGen *gen, SysCatalog *cat)
{
    const SysEnv *env = gen->env;
    *cat = (SysCatalog){ 0 };
    TRY(catalog_list(env->catalog, env->txn, env->arena, &cat->tables, &cat->table_count));
    TRY(catalog_role_list(env->catalog, env->txn, env->arena, &cat->roles, &cat->role_count));
    if (cat->role_count == 0) {
        /* a database without role rows: the bootstrap superuser is the session's user */
        CatRole *role = arena_calloc(env->arena, sizeof *role);
        const CatRole **roles = arena_calloc(env->arena, sizeof *roles);
        if (role == NULL || roles == NULL) return sys_oom();
        *role = (CatRole){ .oid = CAT_OID_BOOTSTRAP_ROLE,
                           .name = env->user != NULL ? env->user : "birch",
                           .superuser = true, .inherit = true, .create_role = true,
                           .create_db = true, .can_login = true, .replication = true,
                           .bypass_rls = true, .conn_limit = -1, .valid_until = INT64_MAX };
        roles[0] = role;
        cat->roles = roles;
        cat->role_count = 1;
    }
    return NULL;
}

const CatTable *sys_catalog_table(const SysCatalog *cat, uint32_t oid)
{
    for (size_t idx = 0; idx < cat->table_count; idx++) {
        if (cat->tables[idx]->oid == oid) return cat->tables[idx];
    }
    return NULL;
}

const char *sys_role_name(SysGen *gen, const SysCatalog *cat, uint32_t oid)
{
    for (size_t idx = 0; idx < cat->role_count; idx++) {
        if (cat->roles[idx]->oid == oid) return cat->roles[idx]->name;
    }
    if (oid == CAT_OID_BOOTSTRAP_ROLE) return gen->env->user;
    return NULL;
}

uint32_t sys_type_collation(uint32_t type_id)
{
    uint32_t elem = type_array_elem(type_id);
    if (elem != TYPE_INVALID) type_id = elem;
    switch (type_id) {
    case TYPE_TEXT:
    case TYPE_VARCHAR:
    case TYPE_BPCHAR: return SYS_OID_COLLATION_DEFAULT;
    case TYPE_NAME: return SYS_OID_COLLATION_C;
    default: return 0;
    }
}

const char *sys_type_sql(SysGen *gen, Type type)
{
    const char *base = type_name(type.id);
    int32_t typmod = type.typmod;
    if (typmod < 0) return base;
    switch (type.id) {
    case TYPE_VARCHAR:
    case TYPE_BPCHAR:
        if (typmod >= 4) return sys_printf(gen, "%s(%d)", base, typmod - 4);
        return base;
    case TYPE_NUMERIC:
        return sys_printf(gen, "numeric(%d,%d)", numeric_typmod_precision(typmod),
                          numeric_typmod_scale(typmod));
    case TYPE_TIME: return sys_printf(gen, "time(%d) without time zone", typmod);
    case TYPE_TIMESTAMP: return sys_printf(gen, "timestamp(%d) without time zone", typmod);
    case TYPE_TIMESTAMPTZ: return sys_printf(gen, "timestamp(%d) with time zone", typmod);
    case TYPE_INTERVAL:
        if ((typmod & 0xFFFF) != 0xFFFF) return sys_printf(gen, "interval(%d)", typmod & 0xFFFF);
        return base;
    default: return base;
    }
}

static bool ident_needs_quotes(const char *name)
{
    if (name[0] == '\0' || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return true;
    for (const char *pos = name; *pos != '\0'; pos++) {
        char letter = *pos;
        if (!((letter >= 'a' && letter <= 'z') || (letter >= '0' && letter <= '9') ||
              letter == '_')) {
            return true;
        }
    }
    /* the reserved keywords a column or table is most likely to be named after */
    static const char *const RESERVED[] = {
        "all", "and", "any", "array", "as", "asc", "both", "case", "cast", "check", "collate",
        "column", "constraint", "create", "default", "desc", "distinct", "do", "else", "end",
        "except", "false", "for", "foreign", "from", "grant", "group", "having", "in",
        "intersect", "into", "leading", "limit", "not", "null", "offset", "on", "only", "or",
        "order", "primary", "references", "select", "table", "then", "to", "true", "union",
        "unique", "user", "using", "when", "where", "with",
    };
    for (size_t idx = 0; idx < sizeof RESERVED / sizeof RESERVED[0]; idx++) {
        if (strcmp(RESERVED[idx], name) == 0) return true;
    }
    return false;
}

const char *sys_quote_ident(SysGen *gen, const char *name)
{
    if (!ident_needs_quotes(name)) return name;
    size_t size = strlen(name);
    char *text = arena_alloc(gen->env->arena, size * 2 + 3);
    if (text == NULL) return name;
    char *out = text;
    *out++ = '"';
    for (const char *pos = name; *pos != '\0'; pos++) {
        if (*pos == '"') *out++ = '"';
        *out++ = *pos;
    }
    *out++ = '"';
    *out = '\0';
    return text;
}

static const char *column_name(const CatTable *table, int16_t attnum)
{
    if (attnum >= 1 && attnum <= table->column_count) return table->columns[attnum - 1].name;
    return "?";
}

/* Buf: a growing string in the generator's arena. */
typedef struct Buf {
    SysGen *gen;
    char   *text;
    size_t  size, capacity;
    bool    failed;
} Buf;

static void buf_add(Buf *buf, const char *piece)
{
    size_t add = strlen(piece);
    if (buf->failed) return;
    if (buf->size + add + 1 > buf->capacity) {
        size_t capacity = (buf->capacity + add + 1) * 2;
        char *text = arena_alloc(buf->gen->env->arena, capacity);
        if (text == NULL) {
            buf->failed = true;
            return;
        }
        if (buf->size > 0) memcpy(text, buf->text, buf->size);
        buf->text = text;
        buf->capacity = capacity;
    }
    memcpy(buf->text + buf->size, piece, add);
    buf->size += add;
    buf->text[buf->size] = '\0';
}

static const char *buf_done(Buf *buf) { return buf->failed || buf->text == NULL ? "" : buf->text; }

static void add_column_list(Buf *buf, const CatTable *table, const int16_t *attnums,
                            uint16_t count)
{
    for (uint16_t key_idx = 0; key_idx < count; key_idx++) {
        if (key_idx > 0) buf_add(buf, ", ");
        buf_add(buf, sys_quote_ident(buf->gen, column_name(table, attnums[key_idx])));
    }
}

const char *sys_index_def(SysGen *gen, const CatTable *table, const CatIndex *index)
{
    Buf buf = { .gen = gen };
    buf_add(&buf, index->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
    buf_add(&buf, sys_quote_ident(gen, index->name));
    buf_add(&buf, " ON ");
    buf_add(&buf, sys_quote_ident(gen, table->namespace_name));
    buf_add(&buf, ".");
    buf_add(&buf, sys_quote_ident(gen, table->name));
    buf_add(&buf, " USING btree (");
    for (uint16_t key_idx = 0; key_idx < index->key_count; key_idx++) {
        if (key_idx > 0) buf_add(&buf, ", ");
        buf_add(&buf, sys_quote_ident(gen, column_name(table, index->attnums[key_idx])));
        bool desc = index->descending != NULL && index->descending[key_idx];
        bool nulls_first = index->nulls_first != NULL ? index->nulls_first[key_idx] : desc;
        if (desc) buf_add(&buf, " DESC");
        if (desc && !nulls_first) buf_add(&buf, " NULLS LAST");
        if (!desc && nulls_first) buf_add(&buf, " NULLS FIRST");
    }
    buf_add(&buf, ")");
    return buf_done(&buf);
}

static const char *fk_action(char action)
{
    switch (action) {
    case CAT_FK_RESTRICT: return "RESTRICT";
    case CAT_FK_CASCADE: return "CASCADE";
    case CAT_FK_SET_NULL: return "SET NULL";
    case CAT_FK_SET_DEFAULT: return "SET DEFAULT";
    default: return NULL;
    }
}

const char *sys_constraint_def(SysGen *gen, const SysCatalog *cat, const CatTable *table,
                               const CatConstraint *constraint)
{
    Buf buf = { .gen = gen };
    switch (constraint->kind) {
    case CAT_CONSTR_PRIMARY:
    case CAT_CONSTR_UNIQUE:
        buf_add(&buf, constraint->kind == CAT_CONSTR_PRIMARY ? "PRIMARY KEY (" : "UNIQUE (");
        add_column_list(&buf, table, constraint->attnums, constraint->column_count);
        buf_add(&buf, ")");
        break;
    case CAT_CONSTR_CHECK:
        buf_add(&buf, "CHECK ((");
        buf_add(&buf, constraint->check_sql != NULL ? constraint->check_sql : "true");
        buf_add(&buf, "))");
        break;
    case CAT_CONSTR_FOREIGN: {
        const CatTable *ref = sys_catalog_table(cat, constraint->ref_table_oid);
        buf_add(&buf, "FOREIGN KEY (");
        add_column_list(&buf, table, constraint->attnums, constraint->column_count);
        buf_add(&buf, ") REFERENCES ");
        if (ref != NULL) {
            buf_add(&buf, sys_quote_ident(gen, ref->name));
            buf_add(&buf, "(");
            add_column_list(&buf, ref, constraint->ref_attnums, constraint->column_count);
            buf_add(&buf, ")");
        }
        const char *update = fk_action(constraint->on_update);
        const char *delete_ = fk_action(constraint->on_delete);
        if (update != NULL) {
            buf_add(&buf, " ON UPDATE ");
            buf_add(&buf, update);
        }
        if (delete_ != NULL) {
            buf_add(&buf, " ON DELETE ");
            buf_add(&buf, delete_);
        }
        break;
    }
    default: break;
    }
    return buf_done(&buf);
}

/* ------------------------------------------------------------- relations ---- */

Error *sys_table_indexes(SysGen *gen, const CatTable *table, const CatIndex ***indexes_out,
                         uint16_t *count_out)
{
    uint16_t count = table->index_count;
    const CatIndex **indexes = arena_calloc(gen->env->arena,
                                            ((size_t)count + 1) * sizeof *indexes);
    if (indexes == NULL) return sys_oom();
    for (uint16_t idx = 0; idx < table->index_count; idx++) indexes[idx] = table->indexes[idx];
    for (uint16_t con_idx = 0; con_idx < table->constraint_count; con_idx++) {
        const CatConstraint *constraint = &table->constraints[con_idx];
        if (constraint->kind != CAT_CONSTR_PRIMARY || constraint->index_oid != 0) continue;
        /* clustered on its integer primary key: PostgreSQL would have an index t_pkey */
        CatIndex *pk = arena_calloc(gen->env->arena, sizeof *pk);
        if (pk == NULL) return sys_oom();
        *pk = (CatIndex){ .oid = constraint->oid, .name = constraint->name,
                          .table_oid = table->oid, .unique = true, .primary = true,
                          .key_count = constraint->column_count,
                          .attnums = constraint->attnums };
        /* keep OID order */
        uint16_t pos = count;
        while (pos > 0 && indexes[pos - 1]->oid > pk->oid) {
            indexes[pos] = indexes[pos - 1];
            pos--;
        }
        indexes[pos] = pk;
        count++;
        break;
    }
    *indexes_out = indexes;
    *count_out = count;
    return NULL;
}

uint32_t sys_constraint_index(const CatTable *table, const CatConstraint *constraint)
{
    if (constraint->kind == CAT_CONSTR_PRIMARY && constraint->index_oid == 0) {
        return constraint->oid;
    }
    (void)table;
    return constraint->index_oid;
}

const CatConstraint *sys_referenced_key(const CatTable *ref, const CatConstraint *fk)
{
    if (ref == NULL) return NULL;
    for (uint16_t con_idx = 0; con_idx < ref->constraint_count; con_idx++) {
        const CatConstraint *key = &ref->constraints[con_idx];
        if ((key->kind != CAT_CONSTR_PRIMARY && key->kind != CAT_CONSTR_UNIQUE) ||
            key->column_count != fk->column_count) {
            continue;
        }
        bool same = true;
        for (uint16_t col_idx = 0; col_idx < key->column_count && same; col_idx++) {
            bool found = false;
            for (uint16_t other = 0; other < fk->column_count; other++) {
                if (fk->ref_attnums != NULL && fk->ref_attnums[other] == key->attnums[col_idx]) {
                    found = true;
                }
            }
            same = found;
        }
        if (same) return key;
    }
    return NULL;
}

static int compare_rel(const void *a, const void *b)
{
    const SysRel *left = a, *right = b;
    return left->oid < right->oid ? -1 : left->oid > right->oid ? 1 : 0;
}

Error *sys_relations(SysGen *gen, const SysCatalog *cat, SysRel **rels_out, size_t *count_out)
{
    size_t capacity = cat->table_count + 1;
    for (size_t idx = 0; idx < cat->table_count; idx++) {
        capacity += cat->tables[idx]->index_count + 1u;
    }
    SysRel *rels = arena_calloc(gen->env->arena, capacity * sizeof *rels);
    if (rels == NULL) return sys_oom();
    size_t count = 0;
    for (size_t idx = 0; idx < cat->table_count; idx++) {
        const CatTable *table = cat->tables[idx];
        switch (table->kind) {
        case CAT_KIND_TABLE: {
            rels[count++] = (SysRel){ .oid = table->oid, .kind = 'r', .table = table };
            const CatIndex **indexes = NULL;
            uint16_t index_count = 0;
            TRY(sys_table_indexes(gen, table, &indexes, &index_count));
            for (uint16_t index_idx = 0; index_idx < index_count; index_idx++) {
                VERIFY(count < capacity);
                rels[count++] = (SysRel){ .oid = indexes[index_idx]->oid, .kind = 'i',
                                          .table = table, .index = indexes[index_idx] };
            }
            break;
        }
        case CAT_KIND_VIEW:
        case CAT_KIND_SEQUENCE:
            rels[count++] = (SysRel){ .oid = table->oid, .kind = table->kind, .table = table };
            break;
        default: break;   /* schemas; indexes come with their tables */
        }
        VERIFY(count <= capacity);
    }
    qsort(rels, count, sizeof *rels, compare_rel);
    *rels_out = rels;
    *count_out = count;
    return NULL;
}

/* ------------------------------------------------------------- sequences ---- */

/* nextval_target: the sequence a DEFAULT nextval('[schema.]name'::regclass) names: schema
 * (empty if unqualified) and name, unquoted, into the buffers. false if sql is not that. */
static bool nextval_target(const char *sql, char *schema, char *name, size_t size)
{
    static const char PREFIX[] = "nextval('";
    if (sql == NULL || strncmp(sql, PREFIX, sizeof PREFIX - 1) != 0) return false;
    const char *pos = sql + sizeof PREFIX - 1;
    char parts[2][CAT_NAME_SIZE_MAX + 1] = { { 0 }, { 0 } };
    int part = 0;
    size_t used = 0;
    bool quoted = false;
    for (; *pos != '\0'; pos++) {
        if (*pos == '"') {
            if (quoted && pos[1] == '"') {
                pos++;
            } else {
                quoted = !quoted;
                continue;
            }
        } else if (!quoted && *pos == '\'') {
            break;
        } else if (!quoted && *pos == '.') {
            if (part == 1) return false;
            part = 1;
            used = 0;
            continue;
        }
        if (used >= CAT_NAME_SIZE_MAX) return false;
        parts[part][used++] = *pos;
    }
    if (*pos != '\'' || size <= CAT_NAME_SIZE_MAX) return false;
    strcpy(schema, part == 1 ? parts[0] : "");
    strcpy(name, parts[part]);
    return true;
}

const CatTable *sys_column_sequence(const SysCatalog *cat, const CatTable *table,
                                    const CatColumn *column)
{
    char schema[CAT_NAME_SIZE_MAX + 1], name[CAT_NAME_SIZE_MAX + 1];
    if (column->dropped || !nextval_target(column->default_sql, schema, name, sizeof name)) {
        return NULL;
    }
    for (size_t idx = 0; idx < cat->table_count; idx++) {
        const CatTable *sequence = cat->tables[idx];
        if (sequence->kind != CAT_KIND_SEQUENCE || strcmp(sequence->name, name) != 0) continue;
        const char *want = schema[0] != '\0' ? schema : table->namespace_name;
        if (strcmp(sequence->namespace_name, want) == 0) return sequence;
    }
    return NULL;
}

const CatTable *sys_sequence_owner(const SysCatalog *cat, const CatTable *sequence,
                                   int16_t *attnum_out)
{
    for (size_t idx = 0; idx < cat->table_count; idx++) {
        const CatTable *table = cat->tables[idx];
        if (table->kind != CAT_KIND_TABLE) continue;
        for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
            if (sys_column_sequence(cat, table, &table->columns[col_idx]) == sequence) {
                *attnum_out = table->columns[col_idx].attnum;
                return table;
            }
        }
    }
    *attnum_out = 0;
    return NULL;
}

/* ------------------------------------------------------------------ views ---- */

static bool is_aggregate_call(const AstExpr *expr)
{
    static const char *const AGGREGATES[] = {
        "count", "sum", "avg", "min", "max", "string_agg", "array_agg", "bool_and", "bool_or",
        "every", "stddev", "variance",
    };
    if (expr == NULL || expr->kind != AST_EXPR_FUNC || expr->func == NULL) return false;
    if (expr->func->over != NULL) return true;
    const AstList *names = expr->func->names;
    const char *name = names->items[names->count - 1];
    for (size_t idx = 0; idx < sizeof AGGREGATES / sizeof AGGREGATES[0]; idx++) {
        if (strcmp(AGGREGATES[idx], name) == 0) return true;
    }
    return false;
}

bool sys_view_updatable(SysGen *gen, const CatTable *view, bool *columns)
{
    for (uint16_t col_idx = 0; col_idx < view->column_count; col_idx++) columns[col_idx] = false;
    AstStmtList *stmts = NULL;
    Error *err = parse_sql(gen->env->arena, view->view_sql, &stmts);
    if (err != NULL) {
        err_free(err);
        return false;
    }
    if (stmts->count != 1 || stmts->stmts[0]->kind != AST_STMT_SELECT) return false;
    const AstSelect *select = stmts->stmts[0]->u.select;
    /* PostgreSQL's automatically updatable views: one base relation, no grouping, no
     * DISTINCT, no set operations, no LIMIT, no WITH, no aggregates or window calls */
    if (select->kind != AST_SELECT_CORE || select->distinct || select->group_by != NULL ||
        select->having != NULL || select->windows != NULL || select->with != NULL ||
        select->limit != NULL || select->offset != NULL || ast_list_count(select->from) != 1) {
        return false;
    }
    const AstFrom *from = select->from->items[0];
    if (from->kind != AST_FROM_TABLE) return false;
    int target_count = ast_list_count(select->targets);
    bool stars = false;
    for (int target_idx = 0; target_idx < target_count; target_idx++) {
        const AstTarget *target = select->targets->items[target_idx];
        if (is_aggregate_call(target->expr)) return false;
        if (target->expr->kind == AST_EXPR_STAR) stars = true;
    }
    for (int target_idx = 0; target_idx < target_count; target_idx++) {
        const AstTarget *target = select->targets->items[target_idx];
        bool plain = target->expr->kind == AST_EXPR_COLUMN;
        if (stars) {
            for (uint16_t col_idx = 0; col_idx < view->column_count; col_idx++) {
                columns[col_idx] = true;
            }
            break;
        }
        if (target_idx < view->column_count) columns[target_idx] = plain;
    }
    return true;
}
