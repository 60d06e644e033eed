/* planner/bind_query_dml.c: INSERT, UPDATE and DELETE plans (plan.h DmlInfo), and
 * plan_table_expr for the expressions DDL carries.
 *
 * INSERT's child produces every column of the table in attnum order: the target columns from
 * VALUES / SELECT with assignment casts (bind_coerce with the column name), the others from
 * their DEFAULT (CatColumn.default_sql parsed as "SELECT <sql>" and bound without columns) or
 * NULL. UPDATE's and DELETE's child is the canonical row of a FROM clause whose first relation
 * is the target with its row key and xid (plan_int.h), which is exactly DmlInfo's layout.
 */
#include <stdio.h>
#include <string.h>

#include "common/asserts.h"
#include "parser/parse.h"
#include "planner/plan_int.h"

/* ------------------------------------------------------------ helpers ---- */

static Error *table_scope(BindCtx *ctx, const CatTable *table, const char *range_name,
                          BindScope *parent, BindScope **scope_out)
{
    BindScope *scope = scope_new(ctx, parent, NULL);
    if (scope == NULL) return oom_error();
    if (table != NULL) {
        scope->columns = bind_alloc(ctx, (table->column_count + 1u) * sizeof *scope->columns);
        if (scope->columns == NULL) return oom_error();
        for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
            const CatColumn *column = &table->columns[col_idx];
            scope->columns[col_idx] = (BindColumn){ .name = column->dropped ? NULL : column->name,
                                                    .range_name = range_name,
                                                    .type = column->type,
                                                    .table_oid = table->oid,
                                                    .attnum = column->attnum,
                                                    .hidden = column->dropped };
        }
        scope->column_count = table->column_count;
    }
    *scope_out = scope;
    return NULL;
}

static Error *default_expr(BindCtx *ctx, const CatColumn *column, Expr **expr_out)
{
    if (column->default_sql == NULL) {
        *expr_out = bind_const_null(ctx, column->type);
        return *expr_out == NULL ? oom_error() : NULL;
    }
    size_t size = strlen(column->default_sql) + 8;
    char *sql = bind_alloc(ctx, size);
    if (sql == NULL) return oom_error();
    snprintf(sql, size, "SELECT %s", column->default_sql);
    AstStmtList *stmts = NULL;
    TRY(parse_sql(ctx->plan->arena, sql, &stmts));
    if (stmts->count != 1 || stmts->stmts[0]->kind != AST_STMT_SELECT ||
        stmts->stmts[0]->u.select->kind != AST_SELECT_CORE ||
        ast_list_count(stmts->stmts[0]->u.select->targets) != 1) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "bad default expression for column \"%s\"",
                       column->name);
    }
    const AstTarget *target = stmts->stmts[0]->u.select->targets->items[0];
    BindScope *scope = NULL;
    TRY(table_scope(ctx, NULL, NULL, NULL, &scope));
    BindAgg no_agg = { .input = scope, .allowed = false, .clause = "DEFAULT" };
    scope->agg = &no_agg;
    Expr *bound = NULL;
    Error *err = bind_expr(ctx, scope, target->expr, &bound);
    if (err != NULL) return err;
    return bind_coerce(ctx, bound, column->type, false, column->name, expr_out);
}

static Error *find_column(const CatTable *table, const char *name, int position,
                          int16_t *attnum_out)
{
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        const CatColumn *column = &table->columns[col_idx];
        if (!column->dropped && strcmp(column->name, name) == 0) {
            *attnum_out = column->attnum;
            return NULL;
        }
    }
    return err_at(SQLSTATE_UNDEFINED_COLUMN, position,
                  "column \"%s\" of relation \"%s\" does not exist", name, table->name);
}

static Error *dml_table(BindCtx *ctx, const AstList *names, int position, const char *verb,
                        const CatTable **table_out)
{
    TRY(lookup_relation(ctx, names, position, table_out));
    const CatTable *table = *table_out;
    if (table->kind != CAT_KIND_TABLE) {
        return err_at(SQLSTATE_WRONG_OBJECT_TYPE, position, "cannot %s %s \"%s\"", verb,
                      table->kind == CAT_KIND_VIEW ? "view" : "relation", table->name);
    }
    bind_note_table(ctx, table->oid, true);
    return NULL;
}

/* bind_returning: RETURNING targets over the table row (column_idx = attnum - 1) when
 * from_scope is NULL (INSERT), else over from_scope's canonical row (UPDATE/DELETE: table
 * columns, row key, xid, then the FROM / USING columns). */
static Error *bind_returning(BindCtx *ctx, const CatTable *table, const char *range_name,
                             BindScope *from_scope, const AstList *returning, Plan *node,
                             PlannedStmt *planned)
{
    int count = ast_list_count(returning);
    if (count == 0) return NULL;
    BindScope *scope = from_scope;
    if (scope == NULL) TRY(table_scope(ctx, table, range_name, NULL, &scope));
    uint32_t star_width = table->column_count;
    if (from_scope != NULL) star_width = scope->column_count;   /* `*` names every table */
    uint32_t capacity = (uint32_t)count * (star_width + 1u) + 1u;
    Expr **exprs = bind_alloc(ctx, capacity * sizeof *exprs);
    PlanColumn *columns = bind_alloc(ctx, capacity * sizeof *columns);
    if (exprs == NULL || columns == NULL) return oom_error();
    uint32_t out_count = 0;
    BindAgg no_agg = { .input = scope, .allowed = false, .clause = "RETURNING" };
    for (int item_idx = 0; item_idx < count; item_idx++) {
        const AstTarget *target = returning->items[item_idx];
        if (target->expr->kind == AST_EXPR_STAR) {
            Expr **star = NULL;
            const char **names = NULL;
            uint32_t star_count = 0;
            TRY(bind_star(ctx, scope, target->expr, &star, &names, &star_count));
            for (uint32_t star_idx = 0; star_idx < star_count; star_idx++) {
                exprs[out_count] = star[star_idx];
                bool own = star[star_idx]->kind == EXPR_COLUMN &&
                           star[star_idx]->column_idx < table->column_count;
                columns[out_count++] = (PlanColumn){
                    names[star_idx], star[star_idx]->type, own ? table->oid : 0,
                    own ? (int16_t)(star[star_idx]->column_idx + 1) : 0 };
            }
            continue;
        }
        scope->agg = &no_agg;
        Expr *bound = NULL;
        Error *err = bind_expr(ctx, scope, target->expr, &bound);
        scope->agg = NULL;
        if (err != NULL) return err;
        if (bound->type.id == TYPE_UNKNOWN) {
            TRY(bind_coerce(ctx, bound, type_plain(TYPE_TEXT), false, NULL, &bound));
        }
        PlanColumn column = { target->alias != NULL ? target->alias
                                                    : figure_colname(target->expr),
                              bound->type, 0, 0 };
        if (bound->kind == EXPR_COLUMN && bound->column_idx < table->column_count) {
            column.table_oid = table->oid;
            column.attnum = (int16_t)(bound->column_idx + 1);
        }
        exprs[out_count] = bound;
        columns[out_count++] = column;
    }
    node->dml.returning_count = out_count;
    node->dml.returning = exprs;
    node->column_count = out_count;
    node->types = bind_alloc(ctx, (out_count + 1) * sizeof *node->types);
    node->names = bind_alloc(ctx, (out_count + 1) * sizeof *node->names);
    if (node->types == NULL || node->names == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < out_count; col_idx++) {
        node->types[col_idx] = columns[col_idx].type;
        node->names[col_idx] = columns[col_idx].name;
    }
    planned->column_count = out_count;
    planned->columns = columns;
    return NULL;
}

/* ------------------------------------------------------------ INSERT ---- */

typedef struct InsertTarget {
    uint32_t  count;
    int16_t  *attnums;        /* target columns in the order given */
    int      *slot_of;        /* per table column (attnum - 1): index in attnums or -1 */
} InsertTarget;

/* insert_column_position: the 1-based position of the name_idx-th name of INSERT's column
 * list (0 if unknown). */
static int insert_column_position(const AstInsert *insert, int name_idx)
{
    if (ast_list_count(insert->column_positions) <= name_idx) return 0;
    const int *position = insert->column_positions->items[name_idx];
    return position != NULL ? *position : 0;
}

static Error *insert_targets(BindCtx *ctx, const CatTable *table, const AstInsert *insert,
                             InsertTarget *target)
{
    uint32_t capacity = table->column_count + 1u;
    target->attnums = bind_alloc(ctx, capacity * sizeof *target->attnums);
    target->slot_of = bind_alloc(ctx, capacity * sizeof *target->slot_of);
    if (target->attnums == NULL || target->slot_of == NULL) return oom_error();
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        target->slot_of[col_idx] = -1;
    }
    if (insert->columns == NULL) {
        for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
            if (table->columns[col_idx].dropped) continue;
            target->slot_of[col_idx] = (int)target->count;
            target->attnums[target->count++] = table->columns[col_idx].attnum;
        }
        return NULL;
    }
    for (int name_idx = 0; name_idx < insert->columns->count; name_idx++) {
        const char *name = insert->columns->items[name_idx];
        int position = insert_column_position(insert, name_idx);
        int16_t attnum = 0;
        TRY(find_column(table, name, position, &attnum));
        if (target->slot_of[attnum - 1] >= 0) {
            return err_at(SQLSTATE_DUPLICATE_COLUMN, position,
                          "column \"%s\" specified more than once", name);
        }
        target->slot_of[attnum - 1] = (int)target->count;
        target->attnums[target->count++] = attnum;
    }
    return NULL;
}

static Error *check_insert_width(uint32_t expr_count, uint32_t target_count, int position)
{
    if (expr_count > target_count) {
        return err_at(SQLSTATE_SYNTAX_ERROR, position,
                      "INSERT has more expressions than target columns");
    }
    if (expr_count < target_count) {
        return err_at(SQLSTATE_SYNTAX_ERROR, position,
                      "INSERT has more target columns than expressions");
    }
    return NULL;
}

/* trim_implicit_targets: without a column list PostgreSQL targets only the first expr_count
 * columns (the rest take their defaults); an explicit list is never trimmed. */
static void trim_implicit_targets(const AstInsert *insert, InsertTarget *target,
                                  uint32_t expr_count)
{
    if (insert->columns != NULL || expr_count >= target->count) return;
    for (uint32_t slot = expr_count; slot < target->count; slot++) {
        target->slot_of[target->attnums[slot] - 1] = -1;
    }
    target->count = expr_count;
}

static Error *check_identity(const CatColumn *column, const AstInsert *insert, int position)
{
    if (column->identity == 'a' && insert->overriding != 1) {
        return err_at(SQLSTATE_GENERATED_ALWAYS, position,
                      "cannot insert a non-DEFAULT value into column \"%s\"", column->name);
    }
    return NULL;
}

/* insert_values: INSERT ... VALUES as one PLAN_VALUES of full table rows. */
static Error *insert_values(BindCtx *ctx, BindScope *holder, const CatTable *table,
                            const AstInsert *insert, InsertTarget *target, Plan **plan_out)
{
    const AstSelect *query = insert->query;
    int row_count = query != NULL ? ast_list_count(query->values) : 1;
    uint32_t width = table->column_count;
    Plan *plan = plan_node(ctx, PLAN_VALUES, NULL, width);
    if (plan == NULL) return oom_error();
    plan->types = bind_alloc(ctx, (width + 1) * sizeof *plan->types);
    plan->names = bind_alloc(ctx, (width + 1) * sizeof *plan->names);
    plan->value_rows = bind_alloc(ctx, ((size_t)row_count + 1) * sizeof *plan->value_rows);
    Expr **defaults = bind_alloc(ctx, (width + 1) * sizeof *defaults);
    if (plan->types == NULL || plan->names == NULL || plan->value_rows == NULL ||
        defaults == NULL) {
        return oom_error();
    }
    for (uint32_t col_idx = 0; col_idx < width; col_idx++) {
        plan->types[col_idx] = table->columns[col_idx].type;
        plan->names[col_idx] = table->columns[col_idx].name;
    }
    plan->value_row_count = (uint32_t)row_count;
    BindScope *scope = scope_new(ctx, NULL, holder);
    if (scope == NULL) return oom_error();
    BindAgg no_agg = { .input = scope, .allowed = false, .clause = "VALUES" };
    if (query != NULL && row_count > 0) {
        int first_count = ast_list_count(query->values->items[0]);
        for (int row_idx = 1; row_idx < row_count; row_idx++) {
            const AstList *row = query->values->items[row_idx];
            if (ast_list_count(row) != first_count) {
                const AstExpr *at = ast_list_count(row) > 0 ? row->items[0] : NULL;
                return err_at(SQLSTATE_SYNTAX_ERROR, at != NULL ? at->position : query->position,
                              "VALUES lists must all be the same length");
            }
        }
        trim_implicit_targets(insert, target, (uint32_t)first_count);
    }
    for (int row_idx = 0; row_idx < row_count; row_idx++) {
        const AstList *row = query != NULL ? query->values->items[row_idx] : NULL;
        int position = query != NULL ? query->position : 0;
        /* PostgreSQL points at the first expression past the target columns */
        if (query != NULL && ast_list_count(row) > (int)target->count) {
            position = ((const AstExpr *)row->items[target->count])->position;
        }
        /* ... and at the first target column without an expression */
        if (query != NULL && ast_list_count(row) < (int)target->count &&
            insert_column_position(insert, ast_list_count(row)) > 0) {
            position = insert_column_position(insert, ast_list_count(row));
        }
        TRY(check_insert_width((uint32_t)ast_list_count(row), query != NULL ? target->count : 0,
                               position));
        Expr **cells = bind_alloc(ctx, (width + 1) * sizeof *cells);
        if (cells == NULL) return oom_error();
        for (uint32_t col_idx = 0; col_idx < width; col_idx++) {
            const CatColumn *column = &table->columns[col_idx];
            int slot = target->slot_of[col_idx];
            const AstExpr *ast = slot >= 0 && row != NULL ? row->items[slot] : NULL;
            if (column->dropped) {
                cells[col_idx] = bind_const_null(ctx, column->type);
                if (cells[col_idx] == NULL) return oom_error();
                continue;
            }
            if (ast == NULL || ast->kind == AST_EXPR_DEFAULT) {
                if (defaults[col_idx] == NULL) TRY(default_expr(ctx, column, &defaults[col_idx]));
                cells[col_idx] = defaults[col_idx];
                continue;
            }
            TRY(check_identity(column, insert, ast->position));
            scope->agg = &no_agg;
            Expr *bound = NULL;
            Error *err = bind_expr(ctx, scope, ast, &bound);
            scope->agg = NULL;
            if (err != NULL) return err;
            TRY(bind_coerce(ctx, bound, column->type, false, column->name, &cells[col_idx]));
        }
        plan->value_rows[row_idx] = cells;
    }
    scope_sync_out(scope, holder);
    plan->est_rows = row_count;
    plan->est_cost = row_count * 0.01;
    *plan_out = plan;
    return NULL;
}

/* insert_select: INSERT ... SELECT: the query's columns cast onto the table's. */
static Error *insert_select(BindCtx *ctx, BindScope *holder, const CatTable *table,
                            const AstInsert *insert, InsertTarget *target, Plan **plan_out)
{
    Plan *source = NULL;
    TRY(plan_query(ctx, holder, NULL, insert->query, false, &source));
    trim_implicit_targets(insert, target, source->column_count);
    int position = insert->query->position;
    const AstSelect *query = insert->query;
    if (source->column_count > target->count && query->kind == AST_SELECT_CORE &&
        ast_list_count(query->targets) > (int)target->count) {
        const AstTarget *extra = query->targets->items[target->count];   /* PostgreSQL's caret */
        position = extra->expr != NULL && extra->expr->position > 0 ? extra->expr->position
                                                                    : extra->position;
    }
    if (source->column_count < target->count &&
        insert_column_position(insert, (int)source->column_count) > 0) {
        position = insert_column_position(insert, (int)source->column_count);
    }
    TRY(check_insert_width(source->column_count, target->count, position));
    uint32_t width = table->column_count;
    Expr **exprs = bind_alloc(ctx, (width + 1) * sizeof *exprs);
    const char **names = bind_alloc(ctx, (width + 1) * sizeof *names);
    if (exprs == NULL || names == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < width; col_idx++) {
        const CatColumn *column = &table->columns[col_idx];
        int slot = target->slot_of[col_idx];
        names[col_idx] = column->name;
        if (column->dropped || slot < 0) {
            if (column->dropped) {
                exprs[col_idx] = bind_const_null(ctx, column->type);
                if (exprs[col_idx] == NULL) return oom_error();
            } else {
                TRY(default_expr(ctx, column, &exprs[col_idx]));
            }
            continue;
        }
        TRY(check_identity(column, insert, insert->query->position));
        Type source_type = source->types[slot];
        if (source_type.id == TYPE_UNKNOWN && source->kind == PLAN_PROJECT) {
            /* an untyped literal of the select list takes the column's type directly */
            TRY(bind_coerce(ctx, source->exprs[slot], column->type, false, column->name,
                            &source->exprs[slot]));
            source->types[slot] = column->type;
            source_type = column->type;
        } else if (source_type.id == TYPE_UNKNOWN) {
            source_type = type_plain(TYPE_TEXT);
            Expr *as_text = bind_column_ref(ctx, (uint32_t)slot, source->types[slot]);
            if (as_text == NULL) return oom_error();
            TRY(bind_coerce(ctx, as_text, source_type, false, NULL, &as_text));
            TRY(bind_coerce(ctx, as_text, column->type, false, column->name, &exprs[col_idx]));
            continue;
        }
        Expr *value = bind_column_ref(ctx, (uint32_t)slot, source_type);
        if (value == NULL) return oom_error();
        TRY(bind_coerce(ctx, value, column->type, false, column->name, &exprs[col_idx]));
    }
    *plan_out = make_project(ctx, source, exprs, names, width);
    return *plan_out == NULL ? oom_error() : NULL;
}

static bool attnum_sets_equal(const int16_t *a, uint16_t a_count, const int16_t *b,
                              uint16_t b_count)
{
    if (a_count != b_count) return false;
    for (uint16_t a_idx = 0; a_idx < a_count; a_idx++) {
        bool found = false;
        for (uint16_t b_idx = 0; b_idx < b_count; b_idx++) found |= a[a_idx] == b[b_idx];
        if (!found) return false;
    }
    return true;
}

/* conflict_index: the unique index the conflict target names; the clustered primary key (no
 * CatIndex: the row key itself) gives NULL with *found_out true. */
static Error *conflict_index(BindCtx *ctx, const CatTable *table, const AstOnConflict *conflict,
                             const CatIndex **index_out, bool *found_out)
{
    *index_out = NULL;
    *found_out = false;
    if (conflict->constraint != NULL) {
        for (uint16_t constr_idx = 0; constr_idx < table->constraint_count; constr_idx++) {
            const CatConstraint *constraint = &table->constraints[constr_idx];
            if (strcmp(constraint->name, conflict->constraint) != 0) continue;
            *found_out = true;
            for (uint16_t index_idx = 0; index_idx < table->index_count; index_idx++) {
                if (table->indexes[index_idx]->oid == constraint->index_oid) {
                    *index_out = table->indexes[index_idx];
                    return NULL;
                }
            }
            if (constraint->kind == CAT_CONSTR_PRIMARY || constraint->kind == CAT_CONSTR_UNIQUE) {
                return NULL;      /* the clustered primary key */
            }
            *found_out = false;
        }
        return err_new(SQLSTATE_UNDEFINED_OBJECT,
                       "constraint \"%s\" for table \"%s\" does not exist", conflict->constraint,
                       table->name);
    }
    int count = ast_list_count(conflict->columns);
    if (count == 0) return NULL;
    int16_t *attnums = bind_alloc(ctx, ((size_t)count + 1) * sizeof *attnums);
    if (attnums == NULL) return oom_error();
    for (int col_idx = 0; col_idx < count; col_idx++) {
        const AstSortBy *item = conflict->columns->items[col_idx];
        if (item->expr->kind != AST_EXPR_COLUMN || item->expr->names->count != 1) {
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, item->expr->position,
                          "ON CONFLICT on an expression is not supported");
        }
        TRY(find_column(table, item->expr->names->items[0], item->expr->position,
                        &attnums[col_idx]));
    }
    for (uint16_t index_idx = 0; index_idx < table->index_count; index_idx++) {
        const CatIndex *index = table->indexes[index_idx];
        if (index->unique &&
            attnum_sets_equal(index->attnums, index->key_count, attnums, (uint16_t)count)) {
            *index_out = index;
            *found_out = true;
            return NULL;
        }
    }
    if (table->cluster_attnum > 0 &&
        attnum_sets_equal(&table->cluster_attnum, 1, attnums, (uint16_t)count)) {
        *found_out = true;
        return NULL;
    }
    return err_new(SQLSTATE_INVALID_COLUMN_REFERENCE,
                   "there is no unique or exclusion constraint matching the ON CONFLICT "
                   "specification");
}

/* conflict_scope: the existing row's columns ++ EXCLUDED's. */
static Error *conflict_scope(BindCtx *ctx, const CatTable *table, const char *range_name,
                             BindScope **scope_out)
{
    BindScope *scope = scope_new(ctx, NULL, NULL);
    if (scope == NULL) return oom_error();
    uint32_t width = table->column_count;
    scope->columns = bind_alloc(ctx, (2 * width + 1) * sizeof *scope->columns);
    if (scope->columns == NULL) return oom_error();
    for (uint32_t side = 0; side < 2; side++) {
        for (uint32_t col_idx = 0; col_idx < width; col_idx++) {
            const CatColumn *column = &table->columns[col_idx];
            scope->columns[side * width + col_idx] = (BindColumn){
                .name = column->dropped ? NULL : column->name,
                .range_name = side == 0 ? range_name : "excluded",
                .type = column->type,
                .table_oid = side == 0 ? table->oid : 0,
                .attnum = side == 0 ? column->attnum : 0,
                .hidden = column->dropped || side == 1,
            };
        }
    }
    scope->column_count = 2 * width;
    *scope_out = scope;
    return NULL;
}

/* bind_set_clauses: SET a = x, (b, c) = (y, z) into per-column expressions over scope's row. */
static Error *bind_set_clauses(BindCtx *ctx, BindScope *scope, const CatTable *table,
                               const AstList *set, Expr ***exprs_out)
{
    Expr **exprs = bind_alloc(ctx, (table->column_count + 1u) * sizeof *exprs);
    if (exprs == NULL) return oom_error();
    BindAgg no_agg = { .input = scope, .allowed = false, .clause = "UPDATE" };
    for (int clause_idx = 0; clause_idx < ast_list_count(set); clause_idx++) {
        const AstSetClause *clause = set->items[clause_idx];
        int column_count = ast_list_count(clause->columns);
        const AstExpr *value = clause->value;
        if (column_count > 1 && (value->kind != AST_EXPR_ROW ||
                                 ast_list_count(value->args) != column_count)) {
            if (value->kind == AST_EXPR_ROW) {
                return err_at(SQLSTATE_SYNTAX_ERROR, clause->position,
                              "number of columns does not match number of values");
            }
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, clause->position,
                          "multiple-column assignment from a subquery is not supported");
        }
        for (int col_idx = 0; col_idx < column_count; col_idx++) {
            const char *name = clause->columns->items[col_idx];
            int16_t attnum = 0;
            TRY(find_column(table, name, clause->position, &attnum));
            if (exprs[attnum - 1] != NULL) {
                return err_at(SQLSTATE_SYNTAX_ERROR, clause->position,
                              "multiple assignments to same column \"%s\"", name);
            }
            const CatColumn *column = &table->columns[attnum - 1];
            const AstExpr *ast = column_count > 1 ? value->args->items[col_idx] : value;
            if (ast->kind == AST_EXPR_DEFAULT) {
                TRY(default_expr(ctx, column, &exprs[attnum - 1]));
                continue;
            }
            if (column->identity == 'a') {
                return err_at(SQLSTATE_GENERATED_ALWAYS, clause->position,
                              "column \"%s\" can only be updated to DEFAULT", name);
            }
            scope->agg = &no_agg;
            Expr *bound = NULL;
            Error *err = bind_expr(ctx, scope, ast, &bound);
            scope->agg = NULL;
            if (err != NULL) return err;
            TRY(bind_coerce(ctx, bound, column->type, false, column->name, &exprs[attnum - 1]));
        }
    }
    *exprs_out = exprs;
    return NULL;
}

static Error *insert_on_conflict(BindCtx *ctx, const CatTable *table, const char *range_name,
                                 const AstOnConflict *conflict, DmlInfo *dml)
{
    if (conflict == NULL) return NULL;
    bool found = false;
    TRY(conflict_index(ctx, table, conflict, &dml->conflict_index, &found));
    if (!conflict->do_update) {
        dml->on_conflict = CONFLICT_NOTHING;
        return NULL;
    }
    if (!found) {
        return err_new(SQLSTATE_SYNTAX_ERROR, "ON CONFLICT DO UPDATE requires inference "
                                              "specification or constraint name");
    }
    dml->on_conflict = CONFLICT_UPDATE;
    BindScope *scope = NULL;
    TRY(conflict_scope(ctx, table, range_name, &scope));
    TRY(bind_set_clauses(ctx, scope, table, conflict->set, &dml->conflict_set));
    if (conflict->where != NULL) {
        BindAgg no_agg = { .input = scope, .allowed = false, .clause = "WHERE" };
        scope->agg = &no_agg;
        Error *err = bind_bool_expr(ctx, scope, conflict->where, "WHERE", &dml->conflict_where);
        scope->agg = NULL;
        if (err != NULL) return err;
    }
    return NULL;
}

Error *plan_insert(BindCtx *ctx, const AstInsert *insert, PlannedStmt *planned)
{
    if (insert->with != NULL) TRY(plan_with(ctx, insert->with));
    const CatTable *table = NULL;
    TRY(dml_table(ctx, insert->table, 0, "insert into", &table));
    InsertTarget target = { 0 };
    TRY(insert_targets(ctx, table, insert, &target));
    BindScope *holder = scope_new(ctx, NULL, NULL);
    if (holder == NULL) return oom_error();
    Plan *child = NULL;
    const AstSelect *query = insert->query;
    if (query == NULL || (query->kind == AST_SELECT_VALUES && query->with == NULL &&
                          query->order_by == NULL && query->limit == NULL &&
                          query->offset == NULL)) {
        TRY(insert_values(ctx, holder, table, insert, &target, &child));
    } else {
        TRY(insert_select(ctx, holder, table, insert, &target, &child));
    }
    Plan *node = plan_node(ctx, PLAN_INSERT, child, 0);
    if (node == NULL) return oom_error();
    node->dml.table = table;
    node->est_rows = child->est_rows;
    node->est_cost = child->est_cost + child->est_rows * 0.01;
    const char *range_name = insert->alias != NULL ? insert->alias : table->name;
    TRY(insert_on_conflict(ctx, table, range_name, insert->on_conflict, &node->dml));
    TRY(bind_returning(ctx, table, range_name, NULL, insert->returning, node, planned));
    planned->kind = PLANNED_INSERT;
    planned->root = node;
    return NULL;
}

/* ------------------------------------------------------------ UPDATE / DELETE ---- */

typedef struct DmlFrom {
    const CatTable *table;
    const char     *range_name;
    BindScope      *scope;
    FromClause      from;
    Expr          **conds;
    uint32_t        cond_count, cond_capacity;
} DmlFrom;

static Error *dml_from(BindCtx *ctx, const AstFrom *target, const AstList *others,
                       const AstExpr *where, const char *verb, DmlFrom *dml)
{
    TRY(dml_table(ctx, target->names, target->position, verb, &dml->table));
    dml->range_name = target->alias != NULL ? target->alias->name : dml->table->name;
    dml->scope = scope_new(ctx, NULL, NULL);
    if (dml->scope == NULL) return oom_error();
    dml->from.scope = dml->scope;
    dml->from.items = bind_alloc(ctx, sizeof *dml->from.items);
    if (dml->from.items == NULL) return oom_error();
    FromNode *node = NULL;
    TRY(from_add_table(ctx, dml->scope, &dml->from, dml->table, dml->range_name, target->alias,
                       true, &node));
    dml->from.items[dml->from.item_count++] = node;
    if (others != NULL) TRY(bind_from(ctx, dml->scope, dml->scope, others, &dml->from));
    register_scope_info(ctx, dml->scope, &dml->from);
    if (where != NULL) {
        BindAgg no_agg = { .input = dml->scope, .allowed = false, .clause = "WHERE" };
        dml->scope->agg = &no_agg;
        Expr *bound = NULL;
        Error *err = bind_bool_expr(ctx, dml->scope, where, "WHERE", &bound);
        dml->scope->agg = NULL;
        if (err != NULL) return err;
        split_conjuncts(ctx, bound, &dml->conds, &dml->cond_count, &dml->cond_capacity);
    }
    return NULL;
}

/* dml_child: the canonical row of the FROM clause (target columns, row key, xid, others). */
static Error *dml_child(BindCtx *ctx, DmlFrom *dml, Expr **set_exprs, const Plan *node,
                        Plan **child_out, Expr **recheck_out)
{
    uint32_t canonical_count = dml->from.column_count;
    bool *used = bind_alloc(ctx, (canonical_count + 1) * sizeof *used);
    if (used == NULL) return oom_error();
    uint32_t target_width = dml->table->column_count + 2u;
    for (uint32_t col_idx = 0; col_idx < target_width; col_idx++) used[col_idx] = true;
    for (uint32_t col_idx = 0; set_exprs != NULL && col_idx < dml->table->column_count;
         col_idx++) {
        expr_mark_columns(set_exprs[col_idx], used, canonical_count);
    }
    for (uint32_t expr_idx = 0; expr_idx < node->dml.returning_count; expr_idx++) {
        expr_mark_columns(node->dml.returning[expr_idx], used, canonical_count);
    }
    Built built;
    TRY(build_from(ctx, &dml->from, dml->conds, dml->cond_count, used, &built));
    *child_out = built_canonical(ctx, &dml->from, dml->scope, &built);
    if (*child_out == NULL) return oom_error();
    Expr **recheck = bind_alloc(ctx, (dml->cond_count + 1) * sizeof *recheck);
    if (recheck == NULL) return oom_error();
    uint32_t recheck_count = 0;
    for (uint32_t cond_idx = 0; cond_idx < dml->cond_count; cond_idx++) {
        Expr *cond = dml->conds[cond_idx];
        RelSet rels = expr_rels(&dml->from, cond);
        if ((rels & ~(RelSet)1) == 0 && !expr_is_volatile(cond)) {
            bool *cols = bind_alloc(ctx, (canonical_count + 1) * sizeof *cols);
            if (cols == NULL) return oom_error();
            expr_mark_columns(cond, cols, canonical_count);
            bool table_only = true;
            for (uint32_t col_idx = dml->table->column_count; col_idx < canonical_count;
                 col_idx++) {
                if (cols[col_idx]) table_only = false;
            }
            if (table_only) recheck[recheck_count++] = cond;
        }
    }
    *recheck_out = make_and(ctx, recheck, recheck_count);
    return NULL;
}

static Error *finish_dml(BindCtx *ctx, PlanKind kind, DmlFrom *dml, Expr **set_exprs,
                         const AstList *returning, PlannedStmt *planned)
{
    Plan *child = NULL;
    Expr *recheck = NULL;
    Plan *node = plan_node(ctx, kind, NULL, 0);
    if (node == NULL) return oom_error();
    /* RETURNING first: the child must produce the FROM / USING columns it names */
    TRY(bind_returning(ctx, dml->table, dml->range_name, dml->scope, returning, node, planned));
    TRY(dml_child(ctx, dml, set_exprs, node, &child, &recheck));
    node->left = child;
    node->dml.table = dml->table;
    node->dml.recheck = recheck;
    node->dml.recheck_with_child = dml->from.rel_count == 1;
    if (set_exprs != NULL) {
        node->dml.set_count = dml->table->column_count;
        node->dml.set_exprs = set_exprs;
    }
    node->est_rows = child->est_rows;
    node->est_cost = child->est_cost + child->est_rows * 0.01;
    planned->root = node;
    return NULL;
}

Error *plan_update(BindCtx *ctx, const AstUpdate *update, PlannedStmt *planned)
{
    if (update->with != NULL) TRY(plan_with(ctx, update->with));
    DmlFrom dml = { 0 };
    TRY(dml_from(ctx, update->table, update->from, update->where, "update", &dml));
    Expr **set_exprs = NULL;
    TRY(bind_set_clauses(ctx, dml.scope, dml.table, update->set, &set_exprs));
    planned->kind = PLANNED_UPDATE;
    return finish_dml(ctx, PLAN_UPDATE, &dml, set_exprs, update->returning, planned);
}

Error *plan_delete(BindCtx *ctx, const AstDelete *delete_, PlannedStmt *planned)
{
    if (delete_->with != NULL) TRY(plan_with(ctx, delete_->with));
    DmlFrom dml = { 0 };
    TRY(dml_from(ctx, delete_->table, delete_->using_list, delete_->where, "delete from", &dml));
    planned->kind = PLANNED_DELETE;
    return finish_dml(ctx, PLAN_DELETE, &dml, NULL, delete_->returning, planned);
}

/* ------------------------------------------------------------ plan_table_expr ---- */

Error *plan_table_expr(PlanCtx *plan_ctx, const CatTable *table, const AstExpr *expr,
                       Type target, Expr **expr_out)
{
    BindCtx *ctx = NULL;
    TRY(bind_ctx_init(plan_ctx, &ctx));
    BindScope *scope = NULL;
    TRY(table_scope(ctx, table, table != NULL ? table->name : NULL, NULL, &scope));
    const char *clause = target.id == TYPE_BOOL ? "CHECK" : "DEFAULT";
    BindAgg no_agg = { .input = scope, .allowed = false, .clause = clause };
    scope->agg = &no_agg;
    Expr *bound = NULL;
    Error *err = target.id == TYPE_BOOL ? bind_bool_expr(ctx, scope, expr, clause, &bound)
                                        : bind_expr(ctx, scope, expr, &bound);
    scope->agg = NULL;
    if (err != NULL) return err;
    if (target.id != TYPE_INVALID && !type_equal(bound->type, target)) {
        TRY(bind_coerce(ctx, bound, target, false, NULL, &bound));
    } else if (target.id == TYPE_INVALID && bound->type.id == TYPE_UNKNOWN) {
        TRY(bind_coerce(ctx, bound, type_plain(TYPE_TEXT), false, NULL, &bound));
    }
    *expr_out = bound;
    return NULL;
}
