/* executor/ddl.c: DDL statements from the AST: CREATE TABLE [AS], CREATE VIEW / SCHEMA /
 * SEQUENCE, ALTER SEQUENCE, DROP, TRUNCATE, COMMENT (ALTER TABLE and CREATE INDEX are in
 * ddl_alter.c).
 *
 * Expression text (DEFAULT, CHECK, a view's SELECT) is stored as the exact SQL the user wrote:
 * AST positions only mark a node's first token (an operator's own position for binary
 * operators), so the text is cut from ctx->sql by re-tokenizing from the clause's keyword
 * (whose position the AST keeps) and tracking parenthesis depth: a DEFAULT runs to the next
 * column constraint's position or to a ',' / ')' / ';' at depth 0; a CHECK is the inside of
 * its parentheses; a view's query starts after the AS at depth 0 following the view name and
 * ends at the statement's text_end. Tokenizing (not scanning bytes) keeps strings, quoted
 * names and comments that contain commas or parentheses intact.
 *
 * Locks (PostgreSQL's): ACCESS EXCLUSIVE for DROP, TRUNCATE and ALTER TABLE, SHARE for CREATE
 * INDEX, taken through ctx->locks with the transaction's lock owner before the catalog change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/asserts.h"
#include "executor/ddl_int.h"
#include "executor/ddl_role.h"   /* roles */
#include "parser/parse.h"
#include "parser/tok.h"

enum { DDL_TOKEN_COUNT_MAX = 1 << 20 };   /* tokens one expression text may span */

Error *ddl_oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

void ddl_notice(DdlRun *run, SqlState state, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    Error *notice = err_newv(state, fmt, args);
    va_end(args);
    if (run->notice != NULL) run->notice(run->notice_ctx, notice);
    err_free(notice);
}

Error *ddl_cascade_notice(DdlRun *run, uint32_t oid, int16_t attnum)
{
    DdlCtx *ctx = run->ctx;
    const CatTable **views = NULL;
    size_t count = 0;
    TRY(catalog_view_dependents(ctx->catalog, ctx->txn, oid, attnum, ctx->arena, &views, NULL,
                                &count));
    if (count == 0 || run->notice == NULL) return NULL;
    if (count == 1) {
        ddl_notice(run, SQLSTATE_SUCCESSFUL_COMPLETION, "drop cascades to view %s",
                   views[0]->name);
        return NULL;
    }
    size_t size = 1;
    for (size_t idx = 0; idx < count; idx++) size += strlen(views[idx]->name) + 32;
    char *detail = arena_alloc(ctx->arena, size);
    if (detail == NULL) return ddl_oom();
    size_t used = 0;
    for (size_t idx = 0; idx < count; idx++) {
        int written = snprintf(detail + used, size - used, "%sdrop cascades to view %s",
                               idx > 0 ? "\n" : "", views[idx]->name);
        if (written < 0 || (size_t)written >= size - used) break;
        used += (size_t)written;
    }
    Error *notice = err_new(SQLSTATE_SUCCESSFUL_COMPLETION, "drop cascades to %zu other objects",
                            count);
    err_set_detail(notice, "%s", detail);
    run->notice(run->notice_ctx, notice);
    err_free(notice);
    return NULL;
}

Error *ddl_lock(DdlRun *run, uint32_t oid, LockMode mode)
{
    if (run->ctx->locks == NULL) return NULL;
    return lock_table(run->ctx->locks, txn_lock_owner(run->ctx->txn), oid, mode,
                      LOCK_WAIT_BLOCK, NULL);
}

static const char *last_name(const AstList *names)
{
    return names->items[names->count - 1];
}

Error *ddl_namespace(DdlRun *run, const AstList *names, uint32_t *namespace_oid_out,
                     const char **name_out)
{
    DdlCtx *ctx = run->ctx;
    *name_out = last_name(names);
    *namespace_oid_out = 0;
    if (names->count >= 2) {
        const char *schema = names->items[names->count - 2];
        TRY(catalog_lookup_namespace(ctx->catalog, ctx->txn, schema, namespace_oid_out));
        if (*namespace_oid_out == 0) {
            return err_new(SQLSTATE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", schema);
        }
        return NULL;
    }
    for (size_t path_idx = 0; path_idx < ctx->search_path_count; path_idx++) {
        const char *schema = ctx->search_path[path_idx];
        if (strcmp(schema, "pg_catalog") == 0) continue;
        TRY(catalog_lookup_namespace(ctx->catalog, ctx->txn, schema, namespace_oid_out));
        if (*namespace_oid_out != 0) return NULL;
    }
    if (ctx->search_path_count == 0) {
        *namespace_oid_out = CAT_OID_PUBLIC;
        return NULL;
    }
    return err_new(SQLSTATE_INVALID_SCHEMA_NAME, "no schema has been selected to create in");
}

Error *ddl_lookup(DdlRun *run, const AstList *names, const CatTable **table_out)
{
    DdlCtx *ctx = run->ctx;
    *table_out = NULL;
    if (names->count >= 2) {
        uint32_t namespace_oid = 0;
        TRY(catalog_lookup_namespace(ctx->catalog, ctx->txn, names->items[names->count - 2],
                                     &namespace_oid));
        if (namespace_oid == 0) return NULL;
        return catalog_lookup(ctx->catalog, ctx->txn, namespace_oid, last_name(names),
                              table_out);
    }
    if (ctx->search_path_count == 0) {
        static const char *const public_path[] = { "public" };
        return catalog_lookup_path(ctx->catalog, ctx->txn, public_path, 1, last_name(names),
                                   table_out);
    }
    return catalog_lookup_path(ctx->catalog, ctx->txn, ctx->search_path,
                               ctx->search_path_count, last_name(names), table_out);
}

PlanCtx ddl_plan_ctx(DdlRun *run)
{
    DdlCtx *ctx = run->ctx;
    return (PlanCtx){
        .arena = ctx->arena,
        .catalog = ctx->catalog,
        .txn = ctx->txn,
        .search_path = ctx->search_path,
        .search_path_count = ctx->search_path_count,
        .resolver = ctx->resolver != NULL ? ctx->resolver : exec_resolver(),
        .sql = ctx->sql,
    };
}

Error *ddl_exec_ctx(DdlRun *run, const PlannedStmt *planned, ExecCtx **exec_out)
{
    DdlCtx *ctx = run->ctx;
    ExecCtx *exec = arena_calloc(ctx->arena, sizeof *exec);
    if (exec == NULL) return ddl_oom();
    *exec = (ExecCtx){
        .arena = ctx->arena,
        .txn = ctx->txn,
        .catalog = ctx->catalog,
        .planned = planned,
        .dt = ctx->dt,
        .interrupt = ctx->interrupt,
        .work_mem = ctx->work_mem,
        .hooks = ctx->hooks,
    };
    if (planned != NULL && planned->cte_count > 0) {
        exec->ctes = arena_calloc(ctx->arena, sizeof(ExecCte *) * planned->cte_count);
        if (exec->ctes == NULL) return ddl_oom();
    }
    *exec_out = exec;
    return NULL;
}

int16_t ddl_column_attnum(const CatTable *table, const char *name)
{
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        const CatColumn *column = &table->columns[col_idx];
        if (!column->dropped && strcmp(column->name, name) == 0) return column->attnum;
    }
    return 0;
}

/* ------------------------------------------------------------ expression text ---- */

static char *trimmed_copy(Arena *arena, const char *start, const char *end)
{
    while (start < end && (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')) {
        start++;
    }
    while (end > start &&
           (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) {
        end--;
    }
    return arena_strndup(arena, start, (size_t)(end - start));
}

static bool is_punct(const Token *token, char c)
{
    return token->kind == TOK_PUNCT && token->text[0] == c;
}

static bool opens(const Token *token) { return is_punct(token, '(') || is_punct(token, '['); }
static bool closes(const Token *token) { return is_punct(token, ')') || is_punct(token, ']'); }

Error *ddl_paren_text(DdlRun *run, int position, const char **text_out)
{
    const char *sql = run->ctx->sql;
    Tokenizer tok;
    tok_init(&tok, run->ctx->arena, sql);
    tok.offset = (size_t)(position > 0 ? position - 1 : 0);
    int depth = 0;
    const char *start = NULL;
    for (int token_idx = 0; token_idx < DDL_TOKEN_COUNT_MAX; token_idx++) {
        Token token;
        TRY(tok_next(&tok, &token));
        if (token.kind == TOK_EOF) break;
        if (opens(&token)) {
            if (depth == 0 && start == NULL) {
                start = sql + token.position;   /* one past the '(' */
                depth = 1;
                continue;
            }
            depth++;
        } else if (closes(&token)) {
            depth--;
            if (depth == 0 && start != NULL) {
                *text_out = trimmed_copy(run->ctx->arena, start, sql + token.position - 1);
                return *text_out == NULL ? ddl_oom() : NULL;
            }
        }
    }
    return err_new(SQLSTATE_SYNTAX_ERROR, "syntax error: unbalanced parentheses");
}

Error *ddl_expr_text(DdlRun *run, int position, int stop_position, const char **text_out)
{
    const char *sql = run->ctx->sql;
    Tokenizer tok;
    tok_init(&tok, run->ctx->arena, sql);
    tok.offset = (size_t)(position > 0 ? position - 1 : 0);
    Token keyword;
    TRY(tok_next(&tok, &keyword));   /* DEFAULT (or the clause's keyword) */
    const char *start = sql + tok.offset;
    const char *end = start;
    int depth = 0;
    for (int token_idx = 0; token_idx < DDL_TOKEN_COUNT_MAX; token_idx++) {
        Token token;
        TRY(tok_next(&tok, &token));
        if (token.kind == TOK_EOF) break;
        if (stop_position > 0 && token.position >= stop_position) break;
        if (depth == 0 && (is_punct(&token, ',') || is_punct(&token, ')') ||
                           is_punct(&token, ';'))) {
            break;
        }
        if (opens(&token)) depth++;
        if (closes(&token)) depth--;
        end = sql + token.position - 1 + token.raw_size;
    }
    *text_out = trimmed_copy(run->ctx->arena, start, end);
    if (*text_out == NULL) return ddl_oom();
    if ((*text_out)[0] == '\0') {
        return err_new(SQLSTATE_SYNTAX_ERROR, "syntax error: empty expression");
    }
    return NULL;
}

/* ------------------------------------------------------------ constraints ---- */

static Error *names_to_attnums(DdlRun *run, const AstList *names, const DdlColumns *columns,
                               const CatTable *table, int16_t **attnums_out)
{
    int count = ast_list_count(names);
    int16_t *attnums = arena_alloc(run->ctx->arena, sizeof(int16_t) * (size_t)(count + 1));
    if (attnums == NULL) return ddl_oom();
    for (int name_idx = 0; name_idx < count; name_idx++) {
        const char *name = names->items[name_idx];
        int16_t attnum = 0;
        if (table != NULL) {
            attnum = ddl_column_attnum(table, name);
        } else {
            for (uint16_t col_idx = 0; col_idx < columns->count; col_idx++) {
                if (columns->names[col_idx] != NULL &&
                    strcmp(columns->names[col_idx], name) == 0) {
                    attnum = (int16_t)(col_idx + 1);
                }
            }
        }
        if (attnum == 0) {
            return err_new(SQLSTATE_UNDEFINED_COLUMN,
                           "column \"%s\" named in key does not exist", name);
        }
        attnums[name_idx] = attnum;
    }
    *attnums_out = attnums;
    return NULL;
}

static char fk_action(AstFkAction action)
{
    switch (action) {
    case AST_FK_RESTRICT: return CAT_FK_RESTRICT;
    case AST_FK_CASCADE: return CAT_FK_CASCADE;
    case AST_FK_SET_NULL: return CAT_FK_SET_NULL;
    case AST_FK_SET_DEFAULT: return CAT_FK_SET_DEFAULT;
    case AST_FK_NO_ACTION: break;
    }
    return CAT_FK_NO_ACTION;
}

Error *ddl_constraint_def(DdlRun *run, const AstConstraint *constraint, const DdlColumns *columns,
                          int16_t column_attnum, uint32_t self_oid, const char *self_name,
                          uint32_t namespace_oid, CatConstraintDef *def_out, bool *self_ref_out)
{
    DdlCtx *ctx = run->ctx;
    *def_out = (CatConstraintDef){ .name = constraint->name };
    *self_ref_out = false;
    const CatTable *self = NULL;
    if (self_oid != 0) TRY(catalog_get(ctx->catalog, ctx->txn, self_oid, &self));
    int16_t *attnums = NULL;
    if (column_attnum > 0) {
        attnums = arena_alloc(ctx->arena, sizeof(int16_t));
        if (attnums == NULL) return ddl_oom();
        attnums[0] = column_attnum;
        def_out->column_count = 1;
    } else if (constraint->kind != AST_CONSTR_CHECK) {
        TRY(names_to_attnums(run, constraint->columns, columns, self, &attnums));
        def_out->column_count = (uint16_t)ast_list_count(constraint->columns);
    }
    def_out->attnums = attnums;
    switch (constraint->kind) {
    case AST_CONSTR_PRIMARY_KEY: def_out->kind = CAT_CONSTR_PRIMARY; return NULL;
    case AST_CONSTR_UNIQUE: def_out->kind = CAT_CONSTR_UNIQUE; return NULL;
    case AST_CONSTR_CHECK:
        def_out->kind = CAT_CONSTR_CHECK;
        if (column_attnum > 0) {
            def_out->column_count = 1;
        } else {
            def_out->column_count = 0;
            def_out->attnums = NULL;
        }
        return ddl_paren_text(run, constraint->position, &def_out->check_sql);
    case AST_CONSTR_FOREIGN_KEY: break;
    default:
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "constraint kind is not supported here");
    }
    def_out->kind = CAT_CONSTR_FOREIGN;
    def_out->on_delete = fk_action(constraint->on_delete);
    def_out->on_update = fk_action(constraint->on_update);
    const AstList *ref_names = constraint->ref_table;
    uint32_t ref_namespace = namespace_oid;
    const char *ref_name = NULL;
    const CatTable *ref = NULL;
    if (ref_names->count >= 2) {
        TRY(ddl_namespace(run, ref_names, &ref_namespace, &ref_name));
        TRY(catalog_lookup(ctx->catalog, ctx->txn, ref_namespace, ref_name, &ref));
    } else {
        ref_name = last_name(ref_names);
        if (self_name != NULL && strcmp(ref_name, self_name) == 0) {
            TRY(catalog_lookup(ctx->catalog, ctx->txn, namespace_oid, ref_name, &ref));
        }
        if (ref == NULL) TRY(ddl_lookup(run, ref_names, &ref));
    }
    bool self_ref = self_name != NULL && strcmp(ref_name, self_name) == 0 &&
                    ref_namespace == namespace_oid && (ref == NULL || ref->oid == self_oid);
    if (self_ref && self_oid == 0) {
        *self_ref_out = true;   /* the table does not exist yet: added after creation */
        return NULL;
    }
    if (ref == NULL) {
        return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", ref_name);
    }
    if (ref->kind != CAT_KIND_TABLE) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "referenced relation \"%s\" is not a table",
                       ref->name);
    }
    def_out->ref_table_oid = ref->oid;
    if (constraint->ref_columns != NULL) {
        int16_t *ref_attnums = NULL;
        TRY(names_to_attnums(run, constraint->ref_columns, NULL, ref, &ref_attnums));
        if (ast_list_count(constraint->ref_columns) != def_out->column_count) {
            return err_new(SQLSTATE_INVALID_FOREIGN_KEY,
                           "number of referencing and referenced columns for foreign key "
                           "disagree");
        }
        def_out->ref_attnums = ref_attnums;
    }
    return NULL;
}

/* ------------------------------------------------------------ sequences ---- */

bool ddl_serial_type(const AstTypeName *type_name, Type *type_out)
{
    if (type_name == NULL || type_name->array_dims > 0 || type_name->qualifiers != NULL) {
        return false;
    }
    const char *name = type_name->name;
    if (strcmp(name, "serial") == 0 || strcmp(name, "serial4") == 0) {
        *type_out = type_plain(TYPE_INT4);
    } else if (strcmp(name, "bigserial") == 0 || strcmp(name, "serial8") == 0) {
        *type_out = type_plain(TYPE_INT8);
    } else if (strcmp(name, "smallserial") == 0 || strcmp(name, "serial2") == 0) {
        *type_out = type_plain(TYPE_INT2);
    } else {
        return false;
    }
    return true;
}

static Error *option_int(const AstOption *option, int64_t *value_out)
{
    const AstExpr *expr = option->value;
    bool negative = false;
    if (expr != NULL && expr->kind == AST_EXPR_UNARY && expr->text != NULL &&
        strcmp(expr->text, "-") == 0) {
        negative = true;
        expr = expr->arg;
    }
    if (expr == NULL || expr->kind != AST_EXPR_INTEGER || !expr->int_fits) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "%s requires an integer value",
                       option->name);
    }
    *value_out = negative ? -expr->int_value : expr->int_value;
    return NULL;
}

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

/* sequence_def: a CatSequenceDef from sequence options (NULL: defaults). */
static Error *sequence_def(const AstList *options, Type type, CatSequenceDef *def)
{
    def->type = type;
    def->increment = 1;
    def->cache = 1;
    bool has_min = false, has_max = false, has_start = false;
    for (int option_idx = 0; option_idx < ast_list_count(options); option_idx++) {
        const AstOption *option = options->items[option_idx];
        const char *name = option->name;
        if (strcmp(name, "as") == 0) {
            const char *type_name = option->value != NULL ? option->value->text : "";
            if (strcmp(type_name, "int2") == 0 || strcmp(type_name, "smallint") == 0) {
                def->type = type_plain(TYPE_INT2);
            } else if (strcmp(type_name, "int4") == 0 || strcmp(type_name, "integer") == 0 ||
                       strcmp(type_name, "int") == 0) {
                def->type = type_plain(TYPE_INT4);
            } else if (strcmp(type_name, "int8") == 0 || strcmp(type_name, "bigint") == 0) {
                def->type = type_plain(TYPE_INT8);
            } else {
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                               "sequence type must be smallint, integer, or bigint");
            }
        } else if (strcmp(name, "increment") == 0) {
            TRY(option_int(option, &def->increment));
            if (def->increment == 0) {
                return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "INCREMENT must not be zero");
            }
        } else if (strcmp(name, "start") == 0) {
            TRY(option_int(option, &def->start));
            has_start = true;
        } else if (strcmp(name, "minvalue") == 0) {
            TRY(option_int(option, &def->min_value));
            has_min = true;
        } else if (strcmp(name, "maxvalue") == 0) {
            TRY(option_int(option, &def->max_value));
            has_max = true;
        } else if (strcmp(name, "cache") == 0) {
            TRY(option_int(option, &def->cache));
        } else if (strcmp(name, "cycle") == 0) {
            def->cycle = option->value == NULL || option->value->bool_value;
        }
        /* no_minvalue / no_maxvalue / owned_by / restart: defaults or handled by callers */
    }
    if (!has_min) def->min_value = def->increment > 0 ? 1 : type_min(def->type);
    if (!has_max) def->max_value = def->increment > 0 ? type_max(def->type) : -1;
    if (!has_start) def->start = def->increment > 0 ? def->min_value : def->max_value;
    if (def->min_value >= def->max_value) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "MINVALUE (%lld) must be less than MAXVALUE (%lld)",
                       (long long)def->min_value, (long long)def->max_value);
    }
    if (def->start < def->min_value) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "START value (%lld) cannot be less than MINVALUE (%lld)",
                       (long long)def->start, (long long)def->min_value);
    }
    if (def->start > def->max_value) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "START value (%lld) cannot be greater than MAXVALUE (%lld)",
                       (long long)def->start, (long long)def->max_value);
    }
    return NULL;
}

static Error *sequence_name(DdlRun *run, const char *table_name, const char *column_name,
                            char **name_out)
{
    size_t size = strlen(table_name) + strlen(column_name) + 8;
    char *name = arena_alloc(run->ctx->arena, size);
    if (name == NULL) return ddl_oom();
    snprintf(name, size, "%s_%s_seq", table_name, column_name);
    if (strlen(name) > CAT_NAME_SIZE_MAX) name[CAT_NAME_SIZE_MAX] = '\0';
    *name_out = name;
    return NULL;
}

Error *ddl_serial_default(DdlRun *run, uint32_t namespace_oid, const char *table_name,
                          const char *column_name, const char **default_sql_out)
{
    char *seq = NULL;
    TRY(sequence_name(run, table_name, column_name, &seq));
    const char *schema = NULL;
    if (namespace_oid != CAT_OID_PUBLIC) {
        const CatTable *namespace_rel = NULL;
        TRY(catalog_get(run->ctx->catalog, run->ctx->txn, namespace_oid, &namespace_rel));
        if (namespace_rel != NULL) schema = namespace_rel->name;
    }
    size_t size = strlen(seq) * 2 + (schema != NULL ? strlen(schema) * 2 : 0) + 48;
    char *sql = arena_alloc(run->ctx->arena, size);
    if (sql == NULL) return ddl_oom();
    if (schema != NULL) {
        snprintf(sql, size, "nextval('%s.%s'::regclass)", schema, seq);
    } else {
        snprintf(sql, size, "nextval('%s'::regclass)", seq);
    }
    *default_sql_out = sql;
    return NULL;
}

Error *ddl_sequence_for_column(DdlRun *run, uint32_t namespace_oid, const char *table_name,
                               const char *column_name, Type type, uint32_t table_oid,
                               int16_t attnum, const AstList *options)
{
    CatSequenceDef def = { .namespace_oid = namespace_oid };
    TRY(sequence_def(options, type, &def));
    char *name = NULL;
    TRY(sequence_name(run, table_name, column_name, &name));
    def.name = name;
    def.owner_table_oid = table_oid;
    def.owner_attnum = attnum;
    uint32_t oid = 0;
    return catalog_create_sequence(run->ctx->catalog, run->ctx->txn, &def, &oid);
}

/* ------------------------------------------------------------ CREATE TABLE ---- */

typedef struct TableBuild {
    CatColumnDef     *columns;
    const char      **names;
    bool             *serial;
    const AstList   **identity_options;
    CatConstraintDef *constraints;
    uint16_t          constraint_count;
    const AstConstraint **self_refs;    /* FKs to the table itself: added after creation */
    int16_t          *self_ref_attnums;
    uint16_t          self_ref_count;
} TableBuild;

static int next_constraint_position(const AstColumnDef *column, int position)
{
    int next = 0;
    for (int con_idx = 0; con_idx < ast_list_count(column->constraints); con_idx++) {
        const AstConstraint *other = column->constraints->items[con_idx];
        if (other->position > position && (next == 0 || other->position < next)) {
            next = other->position;
        }
    }
    return next;
}

static Error *table_options(const AstList *options, int *fillfactor_out)
{
    *fillfactor_out = 0;
    for (int option_idx = 0; option_idx < ast_list_count(options); option_idx++) {
        const AstOption *option = options->items[option_idx];
        if (strcmp(option->name, "fillfactor") != 0) {
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "unrecognized parameter \"%s\"",
                           option->name);
        }
        int64_t value = 0;
        TRY(option_int(option, &value));
        if (value < 10 || value > 100) {
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                           "value %lld out of bounds for option \"fillfactor\"",
                           (long long)value);
        }
        *fillfactor_out = (int)value;
    }
    return NULL;
}

static Error *add_constraint(DdlRun *run, TableBuild *build, const AstConstraint *constraint,
                             const DdlColumns *columns, int16_t attnum, uint32_t namespace_oid,
                             const char *table_name)
{
    CatConstraintDef def;
    bool self_ref = false;
    TRY(ddl_constraint_def(run, constraint, columns, attnum, 0, table_name, namespace_oid, &def,
                           &self_ref));
    if (self_ref) {
        build->self_refs[build->self_ref_count] = constraint;
        build->self_ref_attnums[build->self_ref_count] = attnum;
        build->self_ref_count++;
        return NULL;
    }
    if (def.kind == CAT_CONSTR_PRIMARY) {
        for (uint16_t key_idx = 0; key_idx < def.column_count; key_idx++) {
            build->columns[def.attnums[key_idx] - 1].not_null = true;
        }
    }
    build->constraints[build->constraint_count++] = def;
    return NULL;
}

static Error *column_def(DdlRun *run, TableBuild *build, const AstColumnDef *column,
                         uint16_t col_idx, uint32_t namespace_oid, const char *table_name)
{
    CatColumnDef *def = &build->columns[col_idx];
    *def = (CatColumnDef){ .name = column->name };
    if (ddl_serial_type(column->type, &def->type)) {
        build->serial[col_idx] = true;
        def->not_null = true;
    } else {
        TRY(plan_type_from_ast(column->type, &def->type));
    }
    for (int con_idx = 0; con_idx < ast_list_count(column->constraints); con_idx++) {
        const AstConstraint *constraint = column->constraints->items[con_idx];
        switch (constraint->kind) {
        case AST_CONSTR_NOT_NULL: def->not_null = true; break;
        case AST_CONSTR_NULL: break;
        case AST_CONSTR_DEFAULT:
            TRY(ddl_expr_text(run, constraint->position,
                              next_constraint_position(column, constraint->position),
                              &def->default_sql));
            break;
        case AST_CONSTR_IDENTITY:
            if (def->type.id != TYPE_INT2 && def->type.id != TYPE_INT4 &&
                def->type.id != TYPE_INT8) {
                return err_new(SQLSTATE_DATATYPE_MISMATCH,
                               "identity column type must be smallint, integer, or bigint");
            }
            def->identity = constraint->identity_always ? 'a' : 'd';
            def->not_null = true;
            build->serial[col_idx] = true;
            build->identity_options[col_idx] = constraint->options;
            break;
        case AST_CONSTR_GENERATED:
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "generated columns are not supported");
        default:
            TRY(add_constraint(run, build, constraint, NULL, (int16_t)(col_idx + 1),
                               namespace_oid, table_name));
            break;
        }
    }
    if (build->serial[col_idx]) {
        if (def->default_sql != NULL && def->identity != 0) {
            return err_new(SQLSTATE_SYNTAX_ERROR,
                           "both default and identity specified for column \"%s\" of table "
                           "\"%s\"", column->name, table_name);
        }
        TRY(ddl_serial_default(run, namespace_oid, table_name, column->name, &def->default_sql));
    }
    return NULL;
}

static Error *create_table_as(DdlRun *run, const AstStmt *stmt, uint32_t namespace_oid,
                              const char *name, const char **tag_out);

static Error *create_table(DdlRun *run, const AstStmt *stmt, const char **tag_out)
{
    DdlCtx *ctx = run->ctx;
    const AstCreateTable *create = stmt->u.create_table;
    uint32_t namespace_oid = 0;
    const char *name = NULL;
    TRY(ddl_namespace(run, create->table, &namespace_oid, &name));
    *tag_out = create->as_query != NULL ? "SELECT 0" : "CREATE TABLE";
    const CatTable *existing = NULL;
    TRY(catalog_lookup(ctx->catalog, ctx->txn, namespace_oid, name, &existing));
    if (existing != NULL) {
        if (create->if_not_exists) {
            ddl_notice(run, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists, skipping",
                       name);
            *tag_out = create->as_query != NULL ? "CREATE TABLE AS" : "CREATE TABLE";
            return NULL;
        }
        return err_new(SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", name);
    }
    if (create->as_query != NULL) return create_table_as(run, stmt, namespace_oid, name, tag_out);
    int column_count = ast_list_count(create->columns);
    if (column_count > ROW_COLUMN_COUNT_MAX) {
        return err_new(SQLSTATE_TOO_MANY_COLUMNS, "tables can have at most %d columns",
                       ROW_COLUMN_COUNT_MAX);
    }
    int constraint_max = ast_list_count(create->constraints) + 1;
    for (int col_idx = 0; col_idx < column_count; col_idx++) {
        const AstColumnDef *column = create->columns->items[col_idx];
        constraint_max += ast_list_count(column->constraints);
    }
    Arena *arena = ctx->arena;
    size_t slots = (size_t)column_count + 1;
    TableBuild build = {
        .columns = arena_calloc(arena, sizeof(CatColumnDef) * slots),
        .names = arena_calloc(arena, sizeof(char *) * slots),
        .serial = arena_calloc(arena, sizeof(bool) * slots),
        .identity_options = arena_calloc(arena, sizeof(AstList *) * slots),
        .constraints = arena_calloc(arena, sizeof(CatConstraintDef) * (size_t)constraint_max),
        .self_refs = arena_calloc(arena, sizeof(AstConstraint *) * (size_t)constraint_max),
        .self_ref_attnums = arena_calloc(arena, sizeof(int16_t) * (size_t)constraint_max),
    };
    if (build.columns == NULL || build.names == NULL || build.serial == NULL ||
        build.identity_options == NULL || build.constraints == NULL || build.self_refs == NULL ||
        build.self_ref_attnums == NULL) {
        return ddl_oom();
    }
    for (int col_idx = 0; col_idx < column_count; col_idx++) {
        const AstColumnDef *column = create->columns->items[col_idx];
        build.names[col_idx] = column->name;
        TRY(column_def(run, &build, column, (uint16_t)col_idx, namespace_oid, name));
    }
    DdlColumns columns = { .count = (uint16_t)column_count, .names = build.names };
    for (int con_idx = 0; con_idx < ast_list_count(create->constraints); con_idx++) {
        TRY(add_constraint(run, &build, create->constraints->items[con_idx], &columns, 0,
                           namespace_oid, name));
    }
    CatTableDef def = {
        .namespace_oid = namespace_oid,
        .name = name,
        .column_count = (uint16_t)column_count,
        .columns = build.columns,
        .constraint_count = build.constraint_count,
        .constraints = build.constraints,
    };
    TRY(table_options(create->options, &def.fillfactor));
    uint32_t oid = 0;
    TRY(catalog_create_table(ctx->catalog, ctx->txn, &def, &oid));
    for (int col_idx = 0; col_idx < column_count; col_idx++) {
        if (!build.serial[col_idx]) continue;
        TRY(ddl_sequence_for_column(run, namespace_oid, name, build.names[col_idx],
                                    build.columns[col_idx].type, oid, (int16_t)(col_idx + 1),
                                    build.identity_options[col_idx]));
    }
    for (uint16_t ref_idx = 0; ref_idx < build.self_ref_count; ref_idx++) {
        CatConstraintDef fk;
        bool self_ref = false;
        TRY(ddl_constraint_def(run, build.self_refs[ref_idx], &columns,
                               build.self_ref_attnums[ref_idx], oid, name, namespace_oid, &fk,
                               &self_ref));
        TRY(catalog_add_constraint(ctx->catalog, ctx->txn, oid, &fk));
    }
    *tag_out = "CREATE TABLE";
    return NULL;
}

/* plan_select: plan a SELECT of the statement (for CREATE TABLE AS and views). */
static Error *plan_select(DdlRun *run, const AstStmt *stmt, AstSelect *select,
                          PlannedStmt **planned_out)
{
    AstStmt select_stmt = {
        .kind = AST_STMT_SELECT,
        .position = select->position,
        .text_start = stmt->text_start,
        .text_end = stmt->text_end,
    };
    select_stmt.u.select = select;
    PlanCtx plan_ctx = ddl_plan_ctx(run);
    return plan_statement(&plan_ctx, &select_stmt, planned_out);
}

static Type stored_type(Type type)
{
    return type.id == TYPE_UNKNOWN ? type_plain(TYPE_TEXT) : type;
}

/* run_insert: insert every row of planned's root into table (a PLAN_INSERT over it). */
static Error *run_insert(DdlRun *run, PlannedStmt *planned, const CatTable *table,
                         uint64_t *count_out)
{
    DdlCtx *ctx = run->ctx;
    Plan *insert = arena_calloc(ctx->arena, sizeof *insert);
    if (insert == NULL) return ddl_oom();
    insert->kind = PLAN_INSERT;
    insert->left = planned->root;
    insert->dml.table = table;
    ExecCtx *exec = NULL;
    TRY(ddl_exec_ctx(run, planned, &exec));
    Op *op = NULL;
    TRY(exec_build(exec, insert, &op));
    Error *err = exec_open(op);
    for (uint64_t chunk_idx = 0; err == NULL; chunk_idx++) {
        DataChunk *chunk = NULL;
        err = exec_next(op, &chunk);
        if (chunk == NULL) break;
    }
    exec_close(op);
    *count_out = exec->changes;
    return err;
}

static Error *create_table_as(DdlRun *run, const AstStmt *stmt, uint32_t namespace_oid,
                              const char *name, const char **tag_out)
{
    DdlCtx *ctx = run->ctx;
    const AstCreateTable *create = stmt->u.create_table;
    PlannedStmt *planned = NULL;
    TRY(plan_select(run, stmt, create->as_query, &planned));
    int name_count = ast_list_count(create->columns);
    if ((uint32_t)name_count > planned->column_count) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "too many column names were specified");
    }
    CatColumnDef *columns = arena_calloc(ctx->arena,
                                         sizeof(CatColumnDef) * (planned->column_count + 1u));
    if (columns == NULL) return ddl_oom();
    for (uint32_t col_idx = 0; col_idx < planned->column_count; col_idx++) {
        columns[col_idx].name = planned->columns[col_idx].name;
        if ((int)col_idx < name_count) {
            const AstColumnDef *column = create->columns->items[col_idx];
            columns[col_idx].name = column->name;
        }
        columns[col_idx].type = stored_type(planned->columns[col_idx].type);
    }
    CatTableDef def = {
        .namespace_oid = namespace_oid,
        .name = name,
        .column_count = (uint16_t)planned->column_count,
        .columns = columns,
    };
    TRY(table_options(create->options, &def.fillfactor));
    uint32_t oid = 0;
    TRY(catalog_create_table(ctx->catalog, ctx->txn, &def, &oid));
    if (create->with_no_data) {
        *tag_out = "CREATE TABLE AS";
        return NULL;
    }
    const CatTable *table = NULL;
    TRY(catalog_get(ctx->catalog, ctx->txn, oid, &table));
    if (table == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "created table vanished");
    uint64_t count = 0;
    TRY(run_insert(run, planned, table, &count));
    char *tag = arena_alloc(ctx->arena, 32);
    if (tag == NULL) return ddl_oom();
    snprintf(tag, 32, "SELECT %llu", (unsigned long long)count);
    *tag_out = tag;
    return NULL;
}

/* ------------------------------------------------------------ views, schemas, sequences ---- */

/* view_query_text: the query text of CREATE VIEW: after the first AS at depth 0 that follows
 * the VIEW keyword, to the statement's end. */
static Error *view_query_text(DdlRun *run, const AstStmt *stmt, const char **text_out)
{
    const char *sql = run->ctx->sql;
    Tokenizer tok;
    tok_init(&tok, run->ctx->arena, sql);
    tok.offset = stmt->text_start;
    bool after_view = false;
    int depth = 0;
    for (int token_idx = 0; token_idx < DDL_TOKEN_COUNT_MAX; token_idx++) {
        Token token;
        TRY(tok_next(&tok, &token));
        if (token.kind == TOK_EOF || (size_t)token.position > stmt->text_end) break;
        if (opens(&token)) depth++;
        if (closes(&token)) depth--;
        if (token.kind != TOK_IDENT || token.quoted || depth != 0) continue;
        if (!after_view && strcmp(token.text, "view") == 0) {
            after_view = true;
        } else if (after_view && strcmp(token.text, "as") == 0) {
            const char *start = sql + token.position - 1 + token.raw_size;
            *text_out = trimmed_copy(run->ctx->arena, start, sql + stmt->text_end);
            return *text_out == NULL ? ddl_oom() : NULL;
        }
    }
    return err_new(SQLSTATE_SYNTAX_ERROR, "syntax error: CREATE VIEW without AS");
}

static Error *create_view(DdlRun *run, const AstStmt *stmt)
{
    DdlCtx *ctx = run->ctx;
    const AstCreateView *create = stmt->u.create_view;
    uint32_t namespace_oid = 0;
    const char *name = NULL;
    TRY(ddl_namespace(run, create->name, &namespace_oid, &name));
    PlannedStmt *planned = NULL;
    TRY(plan_select(run, stmt, create->query, &planned));
    int name_count = ast_list_count(create->columns);
    if ((uint32_t)name_count > planned->column_count) {
        return err_new(SQLSTATE_SYNTAX_ERROR,
                       "CREATE VIEW specifies more column names than columns");
    }
    uint32_t count = planned->column_count;
    const char **names = arena_calloc(ctx->arena, sizeof(char *) * (count + 1));
    Type *types = arena_calloc(ctx->arena, sizeof(Type) * (count + 1));
    if (names == NULL || types == NULL) return ddl_oom();
    for (uint32_t col_idx = 0; col_idx < count; col_idx++) {
        names[col_idx] = (int)col_idx < name_count ? create->columns->items[col_idx]
                                                   : planned->columns[col_idx].name;
        types[col_idx] = stored_type(planned->columns[col_idx].type);
    }
    const char *text = NULL;
    TRY(view_query_text(run, stmt, &text));
    if (create->or_replace) {
        const CatTable *existing = NULL;
        TRY(catalog_lookup(ctx->catalog, ctx->txn, namespace_oid, name, &existing));
        if (existing != NULL) TRY(ddl_lock(run, existing->oid, LOCK_ACCESS_EXCLUSIVE));
    }
    if (planned->dep_count > UINT16_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "view reads too many columns");
    }
    uint32_t oid = 0;
    return catalog_create_view_deps(ctx->catalog, ctx->txn, namespace_oid, name, text,
                                    (uint16_t)count, names, types, (uint16_t)planned->dep_count,
                                    planned->deps, create->or_replace, &oid);
}

static Error *create_schema(DdlRun *run, const AstStmt *stmt)
{
    DdlCtx *ctx = run->ctx;
    const AstCreateSchema *create = stmt->u.create_schema;
    const char *name = create->name != NULL ? create->name : create->authorization;
    if (name == NULL) return err_new(SQLSTATE_SYNTAX_ERROR, "schema name missing");
    uint32_t oid = 0;
    TRY(catalog_lookup_namespace(ctx->catalog, ctx->txn, name, &oid));
    if (oid != 0) {
        if (create->if_not_exists) {
            ddl_notice(run, SQLSTATE_DUPLICATE_SCHEMA, "schema \"%s\" already exists, skipping",
                       name);
            return NULL;
        }
        return err_new(SQLSTATE_DUPLICATE_SCHEMA, "schema \"%s\" already exists", name);
    }
    return catalog_create_namespace(ctx->catalog, ctx->txn, name, &oid);
}

static Error *owned_by(DdlRun *run, const AstList *options, CatSequenceDef *def)
{
    for (int option_idx = 0; option_idx < ast_list_count(options); option_idx++) {
        const AstOption *option = options->items[option_idx];
        if (strcmp(option->name, "owned_by") != 0) continue;
        const AstList *names = option->value != NULL ? option->value->names : NULL;
        if (names == NULL || names->count < 2) {
            if (names != NULL && names->count == 1 &&
                strcmp(names->items[0], "none") == 0) {
                continue;
            }
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                           "invalid OWNED BY option");
        }
        AstList table_names = { .count = names->count - 1, .capacity = names->count - 1,
                                .items = names->items };
        const CatTable *table = NULL;
        TRY(ddl_lookup(run, &table_names, &table));
        if (table == NULL) {
            return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist",
                           (const char *)names->items[names->count - 2]);
        }
        const char *column = names->items[names->count - 1];
        int16_t attnum = ddl_column_attnum(table, column);
        if (attnum == 0) {
            return err_new(SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does "
                           "not exist", column, table->name);
        }
        def->owner_table_oid = table->oid;
        def->owner_attnum = attnum;
    }
    return NULL;
}

static Error *create_sequence(DdlRun *run, const AstStmt *stmt)
{
    DdlCtx *ctx = run->ctx;
    const AstSequence *create = stmt->u.sequence;
    CatSequenceDef def = { 0 };
    const char *name = NULL;
    TRY(ddl_namespace(run, create->name, &def.namespace_oid, &name));
    def.name = name;
    const CatTable *existing = NULL;
    TRY(catalog_lookup(ctx->catalog, ctx->txn, def.namespace_oid, name, &existing));
    if (existing != NULL) {
        if (create->if_not_exists) {
            ddl_notice(run, SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists, skipping",
                       name);
            return NULL;
        }
        return err_new(SQLSTATE_DUPLICATE_TABLE, "relation \"%s\" already exists", name);
    }
    TRY(sequence_def(create->options, type_plain(TYPE_INT8), &def));
    TRY(owned_by(run, create->options, &def));
    uint32_t oid = 0;
    return catalog_create_sequence(ctx->catalog, ctx->txn, &def, &oid);
}

/* alter_sequence: RESTART [WITH n] (other options are refused: the catalog keeps a sequence's
 * definition immutable). */
static Error *alter_sequence(DdlRun *run, const AstStmt *stmt)
{
    DdlCtx *ctx = run->ctx;
    const AstSequence *alter = stmt->u.sequence;
    const CatTable *sequence = NULL;
    TRY(ddl_lookup(run, alter->name, &sequence));
    const char *name = last_name(alter->name);
    if (sequence == NULL) {
        if (alter->if_not_exists) {
            ddl_notice(run, SQLSTATE_SUCCESSFUL_COMPLETION,
                       "relation \"%s\" does not exist, skipping", name);
            return NULL;
        }
        return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist", name);
    }
    if (sequence->kind != CAT_KIND_SEQUENCE) {
        return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a sequence", name);
    }
    for (int option_idx = 0; option_idx < ast_list_count(alter->options); option_idx++) {
        const AstOption *option = alter->options->items[option_idx];
        if (strcmp(option->name, "restart") == 0) {   /* transactional, as in PostgreSQL */
            int64_t value = 0;
            if (option->value != NULL) TRY(option_int(option, &value));
            TRY(catalog_sequence_restart(ctx->catalog, ctx->txn, sequence->oid,
                                         option->value == NULL, value));
        } else if (strcmp(option->name, "owned_by") == 0) {
            continue;
        } else {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "ALTER SEQUENCE %s is not supported", option->name);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------ DROP, TRUNCATE ---- */

static const char *object_word(AstObjectKind object)
{
    switch (object) {
    case AST_OBJECT_TABLE: return "table";
    case AST_OBJECT_INDEX: return "index";
    case AST_OBJECT_VIEW: return "view";
    case AST_OBJECT_SCHEMA: return "schema";
    case AST_OBJECT_SEQUENCE: return "sequence";
    case AST_OBJECT_ROLE: return "role";
    }
    return "object";
}

static char object_kind(AstObjectKind object)
{
    switch (object) {
    case AST_OBJECT_TABLE: return CAT_KIND_TABLE;
    case AST_OBJECT_INDEX: return CAT_KIND_INDEX;
    case AST_OBJECT_VIEW: return CAT_KIND_VIEW;
    case AST_OBJECT_SEQUENCE: return CAT_KIND_SEQUENCE;
    default: return CAT_KIND_SCHEMA;
    }
}

static const char *drop_hint(char kind)
{
    switch (kind) {
    case CAT_KIND_TABLE: return "Use DROP TABLE to remove a table.";
    case CAT_KIND_INDEX: return "Use DROP INDEX to remove an index.";
    case CAT_KIND_VIEW: return "Use DROP VIEW to remove a view.";
    case CAT_KIND_SEQUENCE: return "Use DROP SEQUENCE to remove a sequence.";
    default: return NULL;
    }
}

static Error *drop_schemas(DdlRun *run, const AstDrop *drop)
{
    DdlCtx *ctx = run->ctx;
    int count = ast_list_count(drop->names);
    uint32_t *oids = arena_calloc(ctx->arena, sizeof(uint32_t) * (size_t)(count + 1));
    if (oids == NULL) return ddl_oom();
    for (int name_idx = 0; name_idx < count; name_idx++) {
        const AstList *names = drop->names->items[name_idx];
        const char *name = last_name(names);
        TRY(catalog_lookup_namespace(ctx->catalog, ctx->txn, name, &oids[name_idx]));
        if (oids[name_idx] != 0) continue;
        if (!drop->if_exists) {
            return err_new(SQLSTATE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", name);
        }
        ddl_notice(run, SQLSTATE_SUCCESSFUL_COMPLETION, "schema \"%s\" does not exist, skipping",
                   name);
    }
    for (int name_idx = 0; name_idx < count; name_idx++) {
        if (oids[name_idx] == 0) continue;
        TRY(catalog_drop(ctx->catalog, ctx->txn, oids[name_idx], drop->cascade));
    }
    return NULL;
}

/* clustered_key_check: a table clustered on its integer primary key has no index relation for
 * it, but PostgreSQL has one named after the constraint, and DROP INDEX of it is 2BP01. */
static Error *clustered_key_check(DdlRun *run, const AstList *names)
{
    DdlCtx *ctx = run->ctx;
    uint32_t namespace_oid = 0;
    const char *name = NULL;
    Error *err = ddl_namespace(run, names, &namespace_oid, &name);
    if (err != NULL) {   /* no such schema: the caller reports the missing index */
        err_free(err);
        return NULL;
    }
    const CatTable **rels = NULL;
    size_t rel_count = 0;
    TRY(catalog_list(ctx->catalog, ctx->txn, ctx->arena, &rels, &rel_count));
    for (size_t rel_idx = 0; rel_idx < rel_count; rel_idx++) {
        const CatTable *rel = rels[rel_idx];
        if (rel->kind != CAT_KIND_TABLE || rel->namespace_oid != namespace_oid ||
            rel->cluster_attnum <= 0) {
            continue;
        }
        for (uint16_t con_idx = 0; con_idx < rel->constraint_count; con_idx++) {
            const CatConstraint *con = &rel->constraints[con_idx];
            if (con->kind != CAT_CONSTR_PRIMARY || con->index_oid != 0 ||
                strcmp(con->name, name) != 0) {
                continue;
            }
            Error *refused = err_new(SQLSTATE_DEPENDENT_OBJECTS_STILL_EXIST,
                                     "cannot drop index %s because constraint %s on table %s "
                                     "requires it", name, con->name, rel->name);
            return err_set_hint(refused, "You can drop constraint %s on table %s instead.",
                                con->name, rel->name);
        }
    }
    return NULL;
}

/* dependents_listed: *ready_out false when a view depending on table is named in the list and
 * not dropped yet. */
static Error *dependents_listed(DdlRun *run, const CatTable *table, const CatTable **tables,
                                const bool *done, int count, bool *ready_out)
{
    const CatTable **views = NULL;
    size_t view_count = 0;
    TRY(catalog_view_dependents(run->ctx->catalog, run->ctx->txn, table->oid, 0, run->ctx->arena,
                                &views, NULL, &view_count));
    for (size_t view_idx = 0; view_idx < view_count; view_idx++) {
        for (int other_idx = 0; other_idx < count; other_idx++) {
            if (!done[other_idx] && tables[other_idx]->oid == views[view_idx]->oid) {
                *ready_out = false;
            }
        }
    }
    return NULL;
}

static Error *drop_objects(DdlRun *run, const AstDrop *drop)
{
    DdlCtx *ctx = run->ctx;
    if (drop->object == AST_OBJECT_SCHEMA) return drop_schemas(run, drop);
    if (drop->object == AST_OBJECT_ROLE) {   /* roles: executor/ddl_role.c */
        return ddl_role_drop(ctx, drop, run->notice, run->notice_ctx);
    }
    const char *word = object_word(drop->object);
    char kind = object_kind(drop->object);
    int count = ast_list_count(drop->names);
    const CatTable **tables = arena_calloc(ctx->arena, sizeof(CatTable *) * (size_t)(count + 1));
    if (tables == NULL) return ddl_oom();
    for (int name_idx = 0; name_idx < count; name_idx++) {
        const AstList *names = drop->names->items[name_idx];
        const char *name = last_name(names);
        TRY(ddl_lookup(run, names, &tables[name_idx]));
        const CatTable *table = tables[name_idx];
        if (table == NULL && kind == CAT_KIND_INDEX) TRY(clustered_key_check(run, names));
        if (table == NULL) {
            if (drop->if_exists) {
                ddl_notice(run, SQLSTATE_SUCCESSFUL_COMPLETION,
                           "%s \"%s\" does not exist, skipping", word, name);
                continue;
            }
            return err_new(kind == CAT_KIND_INDEX ? SQLSTATE_UNDEFINED_OBJECT
                                                  : SQLSTATE_UNDEFINED_TABLE,
                           "%s \"%s\" does not exist", word, name);
        }
        if (table->kind != kind) {
            Error *err = err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not %s %s", name,
                                 kind == CAT_KIND_INDEX ? "an" : "a", word);
            const char *hint = drop_hint(table->kind);
            return hint != NULL ? err_set_hint(err, "%s", hint) : err;
        }
    }
    bool *done = arena_calloc(ctx->arena, sizeof(bool) * (size_t)(count + 1));
    if (done == NULL) return ddl_oom();
    for (int name_idx = 0; name_idx < count; name_idx++) {
        if (tables[name_idx] == NULL) done[name_idx] = true;
        for (int earlier_idx = 0; !done[name_idx] && earlier_idx < name_idx; earlier_idx++) {
            if (tables[earlier_idx] != NULL && tables[earlier_idx]->oid == tables[name_idx]->oid) {
                done[name_idx] = true;   /* named twice */
            }
        }
    }
    /* PostgreSQL drops a table whose FK dependents are all in the list: drop the referencing
     * tables first. Each pass drops at least one table or the last pass drops in list order
     * (an FK cycle, or a dependent outside the list: catalog_drop reports 2BP01). */
    for (int pass = 0; pass <= count; pass++) {
        bool progress = false;
        bool remaining = false;
        for (int name_idx = 0; name_idx < count; name_idx++) {
            if (done[name_idx]) continue;
            remaining = true;
            const CatTable *table = tables[name_idx];
            bool ready = true;
            for (uint16_t ref_idx = 0; pass < count && ref_idx < table->referenced_by_count;
                 ref_idx++) {
                uint32_t other = table->referenced_by_table[ref_idx];
                for (int other_idx = 0; other != table->oid && other_idx < count; other_idx++) {
                    if (!done[other_idx] && tables[other_idx]->oid == other) ready = false;
                }
            }
            /* views on it that the list drops too go first (DROP VIEW v, v_over_v) */
            if (count > 1 && pass < count) {
                TRY(dependents_listed(run, table, tables, done, count, &ready));
            }
            if (!ready) continue;
            TRY(ddl_lock(run, table->oid, LOCK_ACCESS_EXCLUSIVE));
            if (drop->cascade) TRY(ddl_cascade_notice(run, table->oid, 0));
            TRY(catalog_drop(ctx->catalog, ctx->txn, table->oid, drop->cascade));
            done[name_idx] = true;
            progress = true;
        }
        if (!remaining) break;
        if (!progress && pass + 1 < count) pass = count - 1;   /* stuck: the last pass */
    }
    return NULL;
}

static bool oid_listed(const CatTable *const *tables, size_t count, uint32_t oid)
{
    for (size_t table_idx = 0; table_idx < count; table_idx++) {
        if (tables[table_idx]->oid == oid) return true;
    }
    return false;
}

/* restart_owned_sequences: TRUNCATE ... RESTART IDENTITY: every sequence owned by a column of
 * a truncated table (SERIAL, IDENTITY, OWNED BY) starts over at its START value, as after
 * ALTER SEQUENCE ... RESTART (the next nextval returns START), undone if the transaction
 * rolls back. */
static Error *restart_owned_sequences(DdlRun *run, const CatTable *const *tables,
                                      size_t table_count)
{
    DdlCtx *ctx = run->ctx;
    for (size_t table_idx = 0; table_idx < table_count; table_idx++) {
        uint32_t *oids = NULL;
        uint16_t count = 0;
        TRY(catalog_owned_sequences(ctx->catalog, ctx->txn, tables[table_idx]->oid, ctx->arena,
                                    &oids, &count));
        for (uint16_t seq_idx = 0; seq_idx < count; seq_idx++) {
            const CatTable *seq = NULL;
            TRY(catalog_get(ctx->catalog, ctx->txn, oids[seq_idx], &seq));
            if (seq == NULL || seq->kind != CAT_KIND_SEQUENCE) continue;
            TRY(catalog_sequence_restart(ctx->catalog, ctx->txn, seq->oid, true, 0));
        }
    }
    return NULL;
}

static Error *truncate_tables(DdlRun *run, const AstStmt *stmt)
{
    DdlCtx *ctx = run->ctx;
    const AstTruncate *truncate = stmt->u.truncate;
    int count = ast_list_count(truncate->tables);
    size_t capacity = (size_t)count + 16;
    const CatTable **tables = arena_calloc(ctx->arena, sizeof(CatTable *) * capacity);
    if (tables == NULL) return ddl_oom();
    size_t table_count = 0;
    for (int name_idx = 0; name_idx < count; name_idx++) {
        const AstList *names = truncate->tables->items[name_idx];
        const CatTable *table = NULL;
        TRY(ddl_lookup(run, names, &table));
        if (table == NULL) {
            return err_new(SQLSTATE_UNDEFINED_TABLE, "relation \"%s\" does not exist",
                           last_name(names));
        }
        if (table->kind != CAT_KIND_TABLE) {
            return err_new(SQLSTATE_WRONG_OBJECT_TYPE, "\"%s\" is not a table", table->name);
        }
        if (!oid_listed(tables, table_count, table->oid)) tables[table_count++] = table;
    }
    /* tables referencing a truncated one: CASCADE adds them, otherwise 0A000 */
    for (size_t table_idx = 0; table_idx < table_count; table_idx++) {
        const CatTable *table = tables[table_idx];
        for (uint16_t ref_idx = 0; ref_idx < table->referenced_by_count; ref_idx++) {
            uint32_t child_oid = table->referenced_by_table[ref_idx];
            if (oid_listed(tables, table_count, child_oid)) continue;
            const CatTable *child = NULL;
            TRY(catalog_get(ctx->catalog, ctx->txn, child_oid, &child));
            if (child == NULL) continue;
            if (!truncate->cascade) {
                Error *err = err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                                     "cannot truncate a table referenced in a foreign key "
                                     "constraint");
                err_set_detail(err, "Table \"%s\" references \"%s\".", child->name,
                               table->name);
                return err_set_hint(err, "Truncate table \"%s\" at the same time, or use "
                                         "TRUNCATE ... CASCADE.", child->name);
            }
            if (table_count == capacity) {
                const CatTable **bigger = arena_calloc(ctx->arena,
                                                       sizeof(CatTable *) * capacity * 2);
                if (bigger == NULL) return ddl_oom();
                memcpy(bigger, tables, sizeof(CatTable *) * table_count);
                tables = bigger;
                capacity *= 2;
            }
            ddl_notice(run, SQLSTATE_SUCCESSFUL_COMPLETION, "truncate cascades to table \"%s\"",
                       child->name);
            tables[table_count++] = child;
        }
    }
    for (size_t table_idx = 0; table_idx < table_count; table_idx++) {
        TRY(ddl_lock(run, tables[table_idx]->oid, LOCK_ACCESS_EXCLUSIVE));
    }
    for (size_t table_idx = 0; table_idx < table_count; table_idx++) {
        TRY(catalog_truncate(ctx->catalog, ctx->txn, tables[table_idx]->oid));
    }
    if (truncate->restart_identity) TRY(restart_owned_sequences(run, tables, table_count));
    return NULL;
}

/* ------------------------------------------------------------ dispatch ---- */

static const char *drop_tag(AstObjectKind object)
{
    switch (object) {
    case AST_OBJECT_TABLE: return "DROP TABLE";
    case AST_OBJECT_INDEX: return "DROP INDEX";
    case AST_OBJECT_VIEW: return "DROP VIEW";
    case AST_OBJECT_SCHEMA: return "DROP SCHEMA";
    case AST_OBJECT_SEQUENCE: return "DROP SEQUENCE";
    case AST_OBJECT_ROLE: return "DROP ROLE";
    }
    return "DROP";
}

Error *ddl_execute(DdlCtx *ctx, const AstStmt *stmt, DdlNoticeFn notice, void *notice_ctx,
                   const char **tag_out)
{
    DdlRun run = { .ctx = ctx, .notice = notice, .notice_ctx = notice_ctx };
    switch (stmt->kind) {
    case AST_STMT_CREATE_TABLE:
        return create_table(&run, stmt, tag_out);
    case AST_STMT_CREATE_INDEX:
        *tag_out = "CREATE INDEX";
        return ddl_create_index(&run, stmt);
    case AST_STMT_CREATE_VIEW:
        *tag_out = "CREATE VIEW";
        return create_view(&run, stmt);
    case AST_STMT_CREATE_SCHEMA:
        *tag_out = "CREATE SCHEMA";
        return create_schema(&run, stmt);
    case AST_STMT_CREATE_SEQUENCE:
        *tag_out = "CREATE SEQUENCE";
        return create_sequence(&run, stmt);
    case AST_STMT_ALTER_SEQUENCE:
        *tag_out = "ALTER SEQUENCE";
        return alter_sequence(&run, stmt);
    case AST_STMT_ALTER_TABLE:
        *tag_out = stmt->u.alter_table->view ? "ALTER VIEW" : "ALTER TABLE";
        return ddl_alter_table(&run, stmt);
    case AST_STMT_DROP:
        *tag_out = drop_tag(stmt->u.drop->object);
        return drop_objects(&run, stmt->u.drop);
    case AST_STMT_TRUNCATE:
        *tag_out = "TRUNCATE TABLE";
        return truncate_tables(&run, stmt);
    case AST_STMT_COMMENT:
        *tag_out = "COMMENT";
        return NULL;
    case AST_STMT_CREATE_ROLE:   /* roles: executor/ddl_role.c */
    case AST_STMT_ALTER_ROLE:
        return ddl_role_execute(ctx, stmt, notice, notice_ctx, tag_out);
    default:
        break;
    }
    *tag_out = "";
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "statement is not a DDL statement");
}
