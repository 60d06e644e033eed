/* planner/bind_query_from.c: the FROM clause: tables, views, CTE references, subqueries,
 * VALUES and joins (ON, USING, NATURAL), bound into the canonical row of plan_int.h.
 *
 * USING / NATURAL merge a column pair: for INNER and LEFT joins the merged column is the left
 * column (ambiguous_ok, the right one hidden), for RIGHT joins the right one, and for FULL
 * joins a computed COALESCE(left, right) column appended after both sides (both hidden). `*`
 * lists the merged columns first, then the rest of the left side, then the right side.
 */
#include <string.h>

#include "common/asserts.h"
#include "parser/parse.h"
#include "planner/plan_int.h"
#include "planner/sysview.h"   /* sysviews */
#include "planner/bind_expr_array.h"   /* arrays: unnest */

static Error *grow_columns(BindCtx *ctx, BindScope *scope, FromClause *clause, uint32_t extra)
{
    uint32_t needed = clause->column_count + extra;
    if (needed <= clause->column_capacity) return NULL;
    uint32_t capacity = clause->column_capacity * 2 + 16;
    if (capacity < needed) capacity = needed;
    BindColumn *columns = bind_alloc(ctx, capacity * sizeof *columns);
    RelSet *rels = bind_alloc(ctx, capacity * sizeof *rels);
    if (columns == NULL || rels == NULL) return oom_error();
    if (clause->column_count > 0) {
        copy_items(columns, scope->columns, clause->column_count * sizeof *columns);
        copy_items(rels, clause->column_rels, clause->column_count * sizeof *rels);
    }
    scope->columns = columns;
    clause->column_rels = rels;
    clause->column_capacity = capacity;
    return NULL;
}

static Error *new_leaf(BindCtx *ctx, FromClause *clause, int position, FromNode **node_out)
{
    if (clause->rel_count >= PLAN_REL_MAX) {
        return err_at(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, position,
                      "too many relations in one FROM clause (at most %d)", PLAN_REL_MAX);
    }
    FromNode *node = bind_alloc(ctx, sizeof *node);
    if (node == NULL) return oom_error();
    node->rel_idx = (int)clause->rel_count;
    node->rels = (RelSet)1 << clause->rel_count;
    clause->rels[clause->rel_count++] = node;
    node->col_start = clause->column_count;
    *node_out = node;
    return NULL;
}

static Error *apply_alias_columns(const AstAlias *alias, BindScope *scope, FromNode *node,
                                  const char *what, int position)
{
    int named = alias != NULL ? ast_list_count(alias->columns) : 0;
    if (named > (int)node->star_count) {
        return err_at(SQLSTATE_INVALID_COLUMN_REFERENCE, position,
                      "table \"%s\" has %u columns available but %d columns specified", what,
                      node->star_count, named);
    }
    for (int name_idx = 0; name_idx < named; name_idx++) {
        scope->columns[node->star_cols[name_idx]].name = alias->columns->items[name_idx];
    }
    return NULL;
}

Error *from_add_table(BindCtx *ctx, BindScope *scope, FromClause *clause, const CatTable *table,
                      const char *range_name, const AstAlias *alias, bool dml_target,
                      FromNode **node_out)
{
    FromNode *node = NULL;
    clause->scope = scope;
    TRY(new_leaf(ctx, clause, 0, &node));
    uint32_t count = table->column_count + (dml_target ? 2u : 0u);
    TRY(grow_columns(ctx, scope, clause, count));
    node->table = table;
    node->dml_target = dml_target;
    node->range_name = range_name;
    node->star_cols = bind_alloc(ctx, (table->column_count + 1u) * sizeof *node->star_cols);
    if (node->star_cols == NULL) return oom_error();
    for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
        const CatColumn *cat = &table->columns[col_idx];
        uint32_t canonical = clause->column_count++;
        scope->columns[canonical] = (BindColumn){
            .name = cat->dropped ? NULL : cat->name,
            .range_name = range_name,
            .type = cat->type,
            .table_oid = table->oid,
            .attnum = cat->attnum,
            .hidden = cat->dropped,
        };
        clause->column_rels[canonical] = node->rels;
        if (!cat->dropped) node->star_cols[node->star_count++] = canonical;
    }
    if (dml_target) {
        uint32_t canonical = clause->column_count++;
        scope->columns[canonical] = (BindColumn){ .type = type_plain(TYPE_BYTEA),
                                                  .table_oid = table->oid,
                                                  .attnum = CAT_ATTNUM_ROWKEY,
                                                  .hidden = true };
        clause->column_rels[canonical] = node->rels;
        canonical = clause->column_count++;
        scope->columns[canonical] = (BindColumn){ .type = type_plain(TYPE_INT8),
                                                  .table_oid = table->oid,
                                                  .attnum = CAT_ATTNUM_XID,
                                                  .hidden = true };
        clause->column_rels[canonical] = node->rels;
    }
    node->col_count = clause->column_count - node->col_start;
    scope->column_count = clause->column_count;
    TRY(apply_alias_columns(alias, scope, node, range_name, 0));
    bind_note_table(ctx, table->oid, false);
    *node_out = node;
    return NULL;
}

static Error *add_plan_leaf(BindCtx *ctx, BindScope *scope, FromClause *clause, Plan *plan,
                            const char *range_name, const AstAlias *alias,
                            const char *const *names, int position, FromNode **node_out)
{
    FromNode *node = NULL;
    TRY(new_leaf(ctx, clause, position, &node));
    TRY(grow_columns(ctx, scope, clause, plan->column_count));
    node->plan = plan;
    node->range_name = range_name;
    node->star_cols = bind_alloc(ctx, (plan->column_count + 1) * sizeof *node->star_cols);
    if (node->star_cols == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
        uint32_t canonical = clause->column_count++;
        const char *name = names != NULL ? names[col_idx]
                           : plan->names != NULL ? plan->names[col_idx] : "?column?";
        scope->columns[canonical] = (BindColumn){ .name = name,
                                                  .range_name = range_name,
                                                  .type = plan->types[col_idx] };
        clause->column_rels[canonical] = node->rels;
        node->star_cols[node->star_count++] = canonical;
    }
    node->col_count = plan->column_count;
    scope->column_count = clause->column_count;
    TRY(apply_alias_columns(alias, scope, node, range_name != NULL ? range_name : "?",
                            position));
    *node_out = node;
    return NULL;
}

static char *join_names(BindCtx *ctx, const AstList *names)
{
    size_t size = 1;
    for (int part_idx = 0; part_idx < names->count; part_idx++) {
        size += strlen(names->items[part_idx]) + 1;
    }
    char *text = bind_alloc(ctx, size);
    if (text == NULL) return NULL;
    for (int part_idx = 0; part_idx < names->count; part_idx++) {
        if (part_idx > 0) strcat(text, ".");
        strcat(text, names->items[part_idx]);
    }
    return text;
}

Error *lookup_relation(BindCtx *ctx, const AstList *names, int position,
                       const CatTable **table_out)
{
    PlanCtx *plan = ctx->plan;
    const CatTable *table = NULL;
    if (plan->catalog != NULL) {
        if (names->count == 1) {
            TRY(catalog_lookup_path(plan->catalog, plan->txn, plan->search_path,
                                    plan->search_path_count, names->items[0], &table));
        } else {
            uint32_t namespace_oid = 0;
            TRY(catalog_lookup_namespace(plan->catalog, plan->txn,
                                         names->items[names->count - 2], &namespace_oid));
            if (namespace_oid != 0) {
                TRY(catalog_lookup(plan->catalog, plan->txn, namespace_oid,
                                   names->items[names->count - 1], &table));
            }
        }
    }
    if (table == NULL || table->kind == CAT_KIND_INDEX || table->kind == CAT_KIND_SCHEMA) {
        char *text = join_names(ctx, names);
        return err_at(SQLSTATE_UNDEFINED_TABLE, position, "relation \"%s\" does not exist",
                      text != NULL ? text : "?");
    }
    *table_out = table;
    return NULL;
}

static Error *bind_view(BindCtx *ctx, BindScope *scope, FromClause *clause, const AstFrom *item,
                        const CatTable *view, FromNode **node_out)
{
    AstStmtList *stmts = NULL;
    TRY(parse_sql(ctx->plan->arena, view->view_sql, &stmts));
    if (stmts->count != 1 || stmts->stmts[0]->kind != AST_STMT_SELECT) {
        return err_at(SQLSTATE_DATA_CORRUPTED, item->position, "view \"%s\" is not a query",
                      view->name);
    }
    const char *saved_sql = ctx->plan->sql;
    ctx->plan->sql = view->view_sql;
    BindScope *holder = scope_new(ctx, NULL, NULL);
    Plan *plan = NULL;
    ctx->view_depth++;
    Error *err = holder == NULL ? oom_error()
                                : plan_query(ctx, holder, NULL, stmts->stmts[0]->u.select, true,
                                             &plan);
    ctx->view_depth--;
    ctx->plan->sql = saved_sql;
    if (err != NULL) return err;
    bind_note_table(ctx, view->oid, false);
    const char *const *names = NULL;
    if (view->view_columns != NULL) {
        names = view->view_columns;
        plan->names = (const char **)view->view_columns;
    }
    const char *range = item->alias != NULL ? item->alias->name : view->name;
    return add_plan_leaf(ctx, scope, clause, plan, range, item->alias, names, item->position,
                         node_out);
}

static Error *bind_table_item(BindCtx *ctx, BindScope *scope, FromClause *clause,
                              const AstFrom *item, FromNode **node_out)
{
    const char *last = item->names->items[item->names->count - 1];
    const char *range = item->alias != NULL ? item->alias->name : last;
    if (item->names->count == 1) {
        Plan *plan = NULL;
        const char *const *names = NULL;
        Error *err = plan_cte_reference(ctx, last, &plan, &names);
        if (err != NULL && !err->is_static && err->position == 0) err->position = item->position;
        if (err != NULL) return err;
        if (plan != NULL) {
            return add_plan_leaf(ctx, scope, clause, plan, range, item->alias, names,
                                 item->position, node_out);
        }
    }
    /* sysviews: pg_catalog.x / information_schema.x (unqualified: pg_catalog first) */
    const SysView *sysview = sysview_resolve((const char *const *)item->names->items,
                                             (size_t)item->names->count, ctx->plan->search_path,
                                             ctx->plan->search_path_count);
    if (sysview != NULL) {
        Plan *plan = NULL;
        TRY(sysview_plan_scan(ctx->plan->arena, sysview, &plan));
        return add_plan_leaf(ctx, scope, clause, plan, range, item->alias, NULL, item->position,
                             node_out);
    }
    const CatTable *table = NULL;
    TRY(lookup_relation(ctx, item->names, item->position, &table));
    bind_rename_note_relation(ctx, item, table);
    if (table->kind == CAT_KIND_VIEW) return bind_view(ctx, scope, clause, item, table, node_out);
    if (table->kind != CAT_KIND_TABLE) {
        return err_at(SQLSTATE_WRONG_OBJECT_TYPE, item->position,
                      "cannot select from \"%s\": not a table", table->name);
    }
    return from_add_table(ctx, scope, clause, table, range, item->alias, false, node_out);
}

static Error *bind_from_item(BindCtx *ctx, BindScope *scope, BindScope *holder,
                             const AstFrom *item, FromClause *clause, FromNode **node_out);

static Error *find_star_column(const BindScope *scope, const FromNode *node, const char *name,
                               const char *side, int position, uint32_t *col_out)
{
    uint32_t found = PLAN_NO_COLUMN;
    for (uint32_t star_idx = 0; star_idx < node->star_count; star_idx++) {
        const BindColumn *column = &scope->columns[node->star_cols[star_idx]];
        if (column->name != NULL && strcmp(column->name, name) == 0) {
            if (found != PLAN_NO_COLUMN) {
                return err_at(SQLSTATE_AMBIGUOUS_COLUMN, position,
                              "common column name \"%s\" appears more than once in %s table",
                              name, side);
            }
            found = node->star_cols[star_idx];
        }
    }
    if (found == PLAN_NO_COLUMN) {
        return err_at(SQLSTATE_UNDEFINED_COLUMN, position,
                      "column \"%s\" specified in USING clause does not exist in %s table", name,
                      side);
    }
    *col_out = found;
    return NULL;
}

static bool star_contains(const uint32_t *cols, uint32_t count, uint32_t col)
{
    for (uint32_t idx = 0; idx < count; idx++) {
        if (cols[idx] == col) return true;
    }
    return false;
}

static Expr *make_coalesce(BindCtx *ctx, Type type, Expr *left, Expr *right)
{
    Expr *expr = bind_alloc(ctx, sizeof *expr);
    Expr **args = bind_alloc(ctx, 2 * sizeof *args);
    if (expr == NULL || args == NULL) return NULL;
    args[0] = left;
    args[1] = right;
    expr->kind = EXPR_COALESCE;
    expr->type = type;
    expr->arg_count = 2;
    expr->args = args;
    return expr;
}

/* bind_using: merge the USING columns of a join node (left and right already bound). */
static Error *bind_using(BindCtx *ctx, BindScope *scope, FromClause *clause, const AstFrom *item,
                         const AstList *using_cols, FromNode *node)
{
    FromNode *left = node->left, *right = node->right;
    int count = ast_list_count(using_cols);
    uint32_t *left_cols = bind_alloc(ctx, ((size_t)count + 1) * sizeof *left_cols);
    uint32_t *right_cols = bind_alloc(ctx, ((size_t)count + 1) * sizeof *right_cols);
    uint32_t *merged = bind_alloc(ctx, ((size_t)count + 1) * sizeof *merged);
    node->star_cols = bind_alloc(ctx, (left->star_count + right->star_count + 1) *
                                          sizeof *node->star_cols);
    node->extra_exprs = bind_alloc(ctx, ((size_t)count + 1) * sizeof *node->extra_exprs);
    if (left_cols == NULL || right_cols == NULL || merged == NULL || node->star_cols == NULL ||
        node->extra_exprs == NULL) {
        return oom_error();
    }
    Expr **conds = bind_alloc(ctx, ((size_t)count + 1) * sizeof *conds);
    if (conds == NULL) return oom_error();
    node->extra_start = clause->column_count;
    for (int using_idx = 0; using_idx < count; using_idx++) {
        const char *name = using_cols->items[using_idx];
        for (int prev = 0; prev < using_idx; prev++) {
            if (strcmp(using_cols->items[prev], name) == 0) {
                return err_at(SQLSTATE_DUPLICATE_COLUMN, item->position,
                              "column name \"%s\" appears more than once in USING clause", name);
            }
        }
        TRY(find_star_column(scope, left, name, "left", item->position, &left_cols[using_idx]));
        TRY(find_star_column(scope, right, name, "right", item->position,
                             &right_cols[using_idx]));
        BindColumn *left_column = &scope->columns[left_cols[using_idx]];
        BindColumn *right_column = &scope->columns[right_cols[using_idx]];
        bind_note_column(ctx, left_column);
        bind_note_column(ctx, right_column);
        bind_rename_refuse_using(ctx, left_column);
        bind_rename_refuse_using(ctx, right_column);
        Expr *args[2];
        args[0] = bind_column_ref(ctx, left_cols[using_idx], left_column->type);
        args[1] = bind_column_ref(ctx, right_cols[using_idx], right_column->type);
        if (args[0] == NULL || args[1] == NULL) return oom_error();
        Type common;
        TRY(bind_common_type(ctx, args, 2, "JOIN/USING", &common));
        Expr *left_value = args[0], *right_value = args[1];
        if (!type_equal(left_value->type, common)) {
            TRY(bind_coerce(ctx, left_value, common, false, NULL, &left_value));
        }
        if (!type_equal(right_value->type, common)) {
            TRY(bind_coerce(ctx, right_value, common, false, NULL, &right_value));
        }
        Expr *eq_args[2] = { left_value, right_value };
        TRY(bind_func_call(ctx, "=", eq_args, 2, item->position, &conds[using_idx]));
        if (node->join_type == JOIN_FULL) {
            TRY(grow_columns(ctx, scope, clause, 1));
            left_column = &scope->columns[left_cols[using_idx]];
            right_column = &scope->columns[right_cols[using_idx]];
            uint32_t canonical = clause->column_count++;
            scope->columns[canonical] = (BindColumn){ .name = name, .type = common,
                                                      .ambiguous_ok = true };
            clause->column_rels[canonical] = node->rels;
            scope->column_count = clause->column_count;
            node->extra_exprs[node->extra_count++] =
                make_coalesce(ctx, common, left_value, right_value);
            if (node->extra_exprs[node->extra_count - 1] == NULL) return oom_error();
            left_column->hidden = true;
            right_column->hidden = true;
            merged[using_idx] = canonical;
        } else if (node->join_type == JOIN_RIGHT) {
            right_column->ambiguous_ok = true;
            left_column->hidden = true;
            merged[using_idx] = right_cols[using_idx];
        } else {
            left_column->ambiguous_ok = true;
            right_column->hidden = true;
            merged[using_idx] = left_cols[using_idx];
        }
    }
    for (int using_idx = 0; using_idx < count; using_idx++) {
        node->star_cols[node->star_count++] = merged[using_idx];
    }
    for (uint32_t star_idx = 0; star_idx < left->star_count; star_idx++) {
        if (!star_contains(left_cols, (uint32_t)count, left->star_cols[star_idx])) {
            node->star_cols[node->star_count++] = left->star_cols[star_idx];
        }
    }
    for (uint32_t star_idx = 0; star_idx < right->star_count; star_idx++) {
        if (!star_contains(right_cols, (uint32_t)count, right->star_cols[star_idx])) {
            node->star_cols[node->star_count++] = right->star_cols[star_idx];
        }
    }
    node->on = count == 0 ? NULL : count == 1 ? conds[0] : make_and(ctx, conds, (uint32_t)count);
    if (count > 1 && node->on == NULL) return oom_error();
    return NULL;
}

static Error *natural_columns(BindCtx *ctx, const BindScope *scope, const FromNode *node,
                              AstList **list_out)
{
    AstList *list = bind_alloc(ctx, sizeof *list);
    if (list == NULL) return oom_error();
    list->items = bind_alloc(ctx, (node->left->star_count + 1) * sizeof *list->items);
    if (list->items == NULL) return oom_error();
    list->capacity = (int)node->left->star_count + 1;
    for (uint32_t left_idx = 0; left_idx < node->left->star_count; left_idx++) {
        const char *name = scope->columns[node->left->star_cols[left_idx]].name;
        for (uint32_t right_idx = 0; right_idx < node->right->star_count; right_idx++) {
            const char *other = scope->columns[node->right->star_cols[right_idx]].name;
            if (name != NULL && other != NULL && strcmp(name, other) == 0) {
                list->items[list->count++] = (void *)name;
                break;
            }
        }
    }
    *list_out = list;
    return NULL;
}

static void rename_join_range(BindScope *scope, FromClause *clause, const FromNode *node,
                              const char *alias)
{
    for (uint32_t col_idx = 0; col_idx < clause->column_count; col_idx++) {
        if ((clause->column_rels[col_idx] & ~node->rels) == 0) {
            scope->columns[col_idx].range_name = NULL;
        }
    }
    for (uint32_t star_idx = 0; star_idx < node->star_count; star_idx++) {
        scope->columns[node->star_cols[star_idx]].range_name = alias;
    }
}

static Error *bind_join(BindCtx *ctx, BindScope *scope, BindScope *holder, const AstFrom *item,
                        FromClause *clause, FromNode **node_out)
{
    FromNode *node = bind_alloc(ctx, sizeof *node);
    if (node == NULL) return oom_error();
    node->is_join = true;
    node->join_type = item->join_kind == AST_JOIN_LEFT    ? JOIN_LEFT
                      : item->join_kind == AST_JOIN_RIGHT ? JOIN_RIGHT
                      : item->join_kind == AST_JOIN_FULL  ? JOIN_FULL
                                                          : JOIN_INNER;
    TRY(bind_from_item(ctx, scope, holder, item->left, clause, &node->left));
    TRY(bind_from_item(ctx, scope, holder, item->right, clause, &node->right));
    node->rels = node->left->rels | node->right->rels;
    const AstList *using_cols = item->using_cols;
    if (item->natural) {
        AstList *natural = NULL;
        TRY(natural_columns(ctx, scope, node, &natural));
        using_cols = natural;
    }
    if (using_cols != NULL) {
        TRY(bind_using(ctx, scope, clause, item, using_cols, node));
    } else {
        node->star_cols = bind_alloc(ctx, (node->left->star_count + node->right->star_count + 1) *
                                              sizeof *node->star_cols);
        if (node->star_cols == NULL) return oom_error();
        copy_items(node->star_cols, node->left->star_cols,
               node->left->star_count * sizeof *node->star_cols);
        copy_items(node->star_cols + node->left->star_count, node->right->star_cols,
               node->right->star_count * sizeof *node->star_cols);
        node->star_count = node->left->star_count + node->right->star_count;
        if (item->on != NULL) {
            BindAgg no_agg = { .input = scope, .allowed = false, .clause = "JOIN/ON" };
            scope->agg = &no_agg;
            Error *err = bind_bool_expr(ctx, scope, item->on, "JOIN/ON", &node->on);
            scope->agg = NULL;
            if (err != NULL) return err;
        }
    }
    if (item->alias != NULL) {
        rename_join_range(scope, clause, node, item->alias->name);
        TRY(apply_alias_columns(item->alias, scope, node, item->alias->name, item->position));
    }
    *node_out = node;
    return NULL;
}

/* ------------------------------------------------------------ generate_series ---- */

static Error *series_compare(BindCtx *ctx, const char *op, Expr *left, Expr *right, int position,
                             Expr **expr_out)
{
    Expr *args[2] = { left, right };
    return bind_func_call(ctx, op, args, 2, position, expr_out);
}

/* series_continue: value is still inside the series: value <= stop for a positive step,
 * value >= stop for a negative one (a constant step decides at plan time). */
static Error *series_continue(BindCtx *ctx, Expr *value, Expr *stop, Expr *step, int position,
                              Expr **expr_out)
{
    bool negative_const = step != NULL && step->kind == EXPR_CONST && !step->is_null &&
                          step->const_size > 0 && step->const_text[0] == '-';
    bool positive_const = step == NULL || (step->kind == EXPR_CONST && !step->is_null &&
                                           !negative_const);
    if (positive_const || negative_const) {
        return series_compare(ctx, positive_const ? "<=" : ">=", value, stop, position, expr_out);
    }
    Expr *zero = bind_const_text(ctx, step->type, "0", 1, position);
    if (zero == NULL) return oom_error();
    Expr *up = NULL, *down = NULL, *rising = NULL, *falling = NULL;
    TRY(series_compare(ctx, ">", step, zero, position, &rising));
    TRY(series_compare(ctx, "<=", value, stop, position, &up));
    TRY(series_compare(ctx, "<", step, zero, position, &falling));
    TRY(series_compare(ctx, ">=", value, stop, position, &down));
    Expr *both_up[2] = { rising, up }, *both_down[2] = { falling, down };
    Expr *or_expr = bind_alloc(ctx, sizeof *or_expr);
    Expr **or_args = bind_alloc(ctx, 2 * sizeof *or_args);
    if (or_expr == NULL || or_args == NULL) return oom_error();
    or_args[0] = make_and(ctx, both_up, 2);
    or_args[1] = make_and(ctx, both_down, 2);
    if (or_args[0] == NULL || or_args[1] == NULL) return oom_error();
    *or_expr = (Expr){ .kind = EXPR_OR, .type = type_plain(TYPE_BOOL), .arg_count = 2,
                       .args = or_args, .position = position };
    *expr_out = or_expr;
    return NULL;
}

/* plan_generate_series: generate_series(start, stop [, step]) over integers or numeric as a
 * recursive union: VALUES (start) filtered by the bound, then repeatedly value + step. */
static Error *plan_generate_series(BindCtx *ctx, Expr **args, uint32_t arg_count, int position,
                                   Plan **plan_out)
{
    Type type;
    TRY(bind_common_type(ctx, args, arg_count, "generate_series", &type));
    if (type.id == TYPE_UNKNOWN) type = type_plain(TYPE_INT4);
    if (type.id != TYPE_INT2 && type.id != TYPE_INT4 && type.id != TYPE_INT8 &&
        type.id != TYPE_NUMERIC) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, position,
                      "generate_series over type %s is not supported", type_name(type.id));
    }
    if (type.id == TYPE_INT2) type = type_plain(TYPE_INT4);
    if (type.id == TYPE_NUMERIC) type = type_plain(TYPE_NUMERIC);
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        if (!type_equal(args[arg_idx]->type, type)) {
            TRY(bind_coerce(ctx, args[arg_idx], type, false, NULL, &args[arg_idx]));
        }
    }
    Expr *start = args[0], *stop = args[1], *step = arg_count > 2 ? args[2] : NULL;
    const char *name = "generate_series";
    const char **names = bind_alloc(ctx, sizeof *names);
    Type *types = bind_alloc(ctx, sizeof *types);
    if (names == NULL || types == NULL) return oom_error();
    names[0] = name;
    types[0] = type;
    /* anchor: start, if it is inside the series */
    Plan *anchor = plan_node(ctx, PLAN_VALUES, NULL, 1);
    if (anchor == NULL) return oom_error();
    anchor->types = types;
    anchor->names = names;
    anchor->value_row_count = 1;
    anchor->value_rows = bind_alloc(ctx, sizeof *anchor->value_rows);
    if (anchor->value_rows == NULL) return oom_error();
    anchor->value_rows[0] = bind_alloc(ctx, sizeof(Expr *));
    if (anchor->value_rows[0] == NULL) return oom_error();
    anchor->value_rows[0][0] = start;
    anchor->est_rows = 1;
    Expr *first = bind_column_ref(ctx, 0, type);
    if (first == NULL) return oom_error();
    Expr *anchor_cond = NULL;
    TRY(series_continue(ctx, first, stop, step, position, &anchor_cond));
    anchor = make_filter(ctx, anchor, anchor_cond);
    if (anchor == NULL) return oom_error();
    /* recursive term: previous + step, while inside the series */
    Plan *work = plan_node(ctx, PLAN_WORK_SCAN, NULL, 1);
    if (work == NULL) return oom_error();
    work->types = types;
    work->names = names;
    work->est_rows = 1;
    Expr *previous = bind_column_ref(ctx, 0, type);
    Expr *increment = step;
    if (increment == NULL) increment = bind_const_text(ctx, type, "1", 1, position);
    if (previous == NULL || increment == NULL) return oom_error();
    Expr **next = bind_alloc(ctx, sizeof *next);
    if (next == NULL) return oom_error();
    TRY(series_compare(ctx, "+", previous, increment, position, &next[0]));
    if (!type_equal(next[0]->type, type)) {
        TRY(bind_coerce(ctx, next[0], type, false, NULL, &next[0]));
    }
    Plan *advance = make_project(ctx, work, next, names, 1);
    if (advance == NULL) return oom_error();
    Expr *current = bind_column_ref(ctx, 0, type);
    if (current == NULL) return oom_error();
    Expr *cond = NULL;
    TRY(series_continue(ctx, current, stop, step, position, &cond));
    Plan *recursive = make_filter(ctx, advance, cond);
    Plan *node = plan_node(ctx, PLAN_RECURSIVE_UNION, anchor, 1);
    if (recursive == NULL || node == NULL) return oom_error();
    node->right = recursive;
    node->types = types;
    node->names = names;
    node->setop = SETOP_UNION;
    node->setop_all = true;
    node->est_rows = 1000;
    node->est_cost = 10;
    *plan_out = node;
    return NULL;
}

static Error *bind_function_item(BindCtx *ctx, BindScope *scope, BindScope *holder,
                                 const AstFrom *item, FromClause *clause, FromNode **node_out)
{
    const AstFuncCall *func = item->func->func;
    const char *name = func->names->items[func->names->count - 1];
    int arg_count = ast_list_count(func->args);
    bool is_unnest = strcmp(name, "unnest") == 0 && arg_count == 1;   /* arrays */
    /* pg_partition_ancestors(rel): birch has no partitions, so a relation's only "ancestor" is
     * itself: unnest(ARRAY[rel::regclass::oid]), column relid (oid, where PostgreSQL's is regclass) (psql's \d trigger queries use it) */
    bool is_ancestors = strcmp(name, "pg_partition_ancestors") == 0 && arg_count == 1 &&
                        !item->lateral;
    if (is_ancestors) is_unnest = true;
    if ((strcmp(name, "generate_series") != 0 && !is_unnest) || (item->lateral && !is_unnest) ||
        (!is_unnest && (arg_count < 2 || arg_count > 3)) ||
        func->star || func->distinct || func->over != NULL) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, item->position,
                      "function %s in FROM is not supported", name);
    }
    /* the arguments cannot see this level's columns (no LATERAL), but may be correlated */
    BindScope *arg_scope = scope_new(ctx, scope->parent, holder);
    if (arg_scope == NULL) return oom_error();
    BindAgg no_agg = { .input = arg_scope, .allowed = false, .clause = "FROM" };
    arg_scope->agg = &no_agg;
    Expr *args[3] = { NULL, NULL, NULL };
    Error *err = NULL;
    for (int arg_idx = 0; arg_idx < arg_count && err == NULL; arg_idx++) {
        err = bind_expr(ctx, arg_scope, func->args->items[arg_idx], &args[arg_idx]);
    }
    arg_scope->agg = NULL;
    scope_sync_out(arg_scope, holder);
    if (err == NULL && is_ancestors) {
        Expr *rel = NULL;
        err = bind_coerce(ctx, args[0], type_plain(TYPE_REGCLASS), true, NULL, &rel);
        if (err == NULL) err = bind_coerce(ctx, rel, type_plain(TYPE_OID), true, NULL, &rel);
        if (err == NULL) err = bind_func_call(ctx, "array[]", &rel, 1, item->position, &args[0]);
    }
    if (err != NULL && is_unnest && !is_ancestors) {   /* arrays: unnest over the FROM item just before */
        Expr *lateral = NULL;
        FromNode *prev = clause->item_count > 0 ? clause->items[clause->item_count - 1] : NULL;
        bool done = false;
        Error *retry = bind_expr(ctx, scope, func->args->items[0], &lateral);
        if (retry == NULL) {
            retry = bind_unnest_lateral(ctx, scope, clause, prev, lateral, item->ordinality,
                                        item->alias != NULL ? item->alias->name : name,
                                        item->alias, item->position, &done);
        }
        if (retry == NULL && done) {
            err_free(err);
            *node_out = NULL;
            return NULL;
        }
        if (retry != NULL) err_free(retry);
    }
    if (err != NULL) return err;
    Plan *plan = NULL;
    if (is_unnest) {   /* arrays */
        TRY(bind_unnest_plan(ctx, args[0], item->ordinality, item->position, &plan));
    } else {
        TRY(plan_generate_series(ctx, args, (uint32_t)arg_count, item->position, &plan));
        if (item->ordinality) {   /* arrays: generate_series WITH ORDINALITY */
            TRY(bind_series_ordinality(ctx, plan, args, (uint32_t)arg_count, item->position,
                                       &plan));
        }
    }
    const char *range = item->alias != NULL ? item->alias->name : name;
    const char *column_name = item->alias != NULL && item->alias->columns == NULL
                                  ? item->alias->name
                                  : is_ancestors ? "relid" : name;
    const char **names = bind_alloc(ctx, 2 * sizeof *names);
    if (names == NULL) return oom_error();
    names[0] = column_name;
    names[1] = "ordinality";   /* arrays: WITH ORDINALITY */
    return add_plan_leaf(ctx, scope, clause, plan, range, item->alias, names, item->position,
                         node_out);
}

static Error *bind_from_item(BindCtx *ctx, BindScope *scope, BindScope *holder,
                             const AstFrom *item, FromClause *clause, FromNode **node_out)
{
    switch (item->kind) {
    case AST_FROM_TABLE:
        return bind_table_item(ctx, scope, clause, item, node_out);
    case AST_FROM_SUBQUERY: {
        if (item->lateral) {
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, item->position,
                          "LATERAL subqueries are not supported");
        }
        Plan *plan = NULL;
        TRY(plan_query(ctx, holder, scope->parent, item->subquery, true, &plan));
        const char *range = item->alias != NULL ? item->alias->name : NULL;
        return add_plan_leaf(ctx, scope, clause, plan, range, item->alias, NULL, item->position,
                             node_out);
    }
    case AST_FROM_FUNCTION:
        return bind_function_item(ctx, scope, holder, item, clause, node_out);
    case AST_FROM_JOIN:
        return bind_join(ctx, scope, holder, item, clause, node_out);
    }
    return err_at(SQLSTATE_INTERNAL_ERROR, item->position, "unknown FROM item");
}

static Error *check_duplicate_ranges(const FromClause *clause, int position)
{
    for (uint32_t rel_idx = 0; rel_idx < clause->rel_count; rel_idx++) {
        const char *name = clause->rels[rel_idx]->range_name;
        if (name == NULL) continue;
        for (uint32_t other_idx = 0; other_idx < rel_idx; other_idx++) {
            const char *other = clause->rels[other_idx]->range_name;
            if (other != NULL && strcmp(name, other) == 0) {
                return err_at(SQLSTATE_DUPLICATE_ALIAS, position,
                              "table name \"%s\" specified more than once", name);
            }
        }
    }
    return NULL;
}

Error *bind_from(BindCtx *ctx, BindScope *scope, BindScope *holder, const AstList *from,
                 FromClause *clause)
{
    int count = ast_list_count(from);
    FromNode **items = bind_alloc(ctx, (clause->item_count + (size_t)count + 1) * sizeof *items);
    if (items == NULL) return oom_error();
    if (clause->item_count > 0) memcpy(items, clause->items, clause->item_count * sizeof *items);
    clause->items = items;
    clause->scope = scope;
    for (int item_idx = 0; item_idx < count; item_idx++) {
        const AstFrom *item = from->items[item_idx];
        FromNode *node = NULL;
        TRY(bind_from_item(ctx, scope, holder, item, clause, &node));
        if (node == NULL) continue;   /* arrays: a LATERAL unnest merged into the item before */
        clause->items[clause->item_count++] = node;
        TRY(check_duplicate_ranges(clause, item->position));
    }
    return NULL;
}
