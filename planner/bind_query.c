/* planner/bind_query.c: the query binder: SELECT cores, VALUES, set operations, WITH, sublink
 * plans, `*` expansion, and plan_statement's entry point.
 *
 * A query core is bound in this order (PostgreSQL's): FROM (bind_query_from.c) into the
 * canonical row, WHERE, GROUP BY (over the FROM row, aggregates refused), then the select list,
 * HAVING and ORDER BY through the scope's BindAgg when the query is grouped (bind_int.h), and
 * window calls through BindWindow. Only then is the FROM plan built (plan_build.c), because the
 * plan builder needs to know which columns the rest of the query reads.
 *
 * Correlation: every query level has a "holder" scope whose outer_args collect the outer values
 * the level reads. Scopes of the same level (a core, its FROM subqueries, set-operation
 * branches, LIMIT) copy the holder's list in when created and back when done (scope_new /
 * scope_sync_out), so EXPR_OUTER indices are unique within the level.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "parser/parse.h"
#include "planner/plan_int.h"
#include "txn/lock.h"

enum {
    WINDOW_BASE_SENTINEL = 0x40000000u,   /* window columns are bound here, fixed up later */
    TARGET_COUNT_MAX = 1664,              /* PostgreSQL's MaxTupleAttributeNumber */
};

Error *oom_error(void)
{
    return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
}

QueryEnv *query_env(BindCtx *ctx)
{
    return (QueryEnv *)ctx->cte_env;
}

BindScope *scope_new(BindCtx *ctx, BindScope *parent, BindScope *holder)
{
    BindScope *scope = bind_alloc(ctx, sizeof *scope);
    if (scope == NULL) return NULL;
    scope->parent = parent;
    if (holder != NULL) {
        scope->outer_count = holder->outer_count;
        scope->outer_capacity = holder->outer_capacity;
        scope->outer_args = holder->outer_args;
    }
    return scope;
}

void scope_sync_out(BindScope *scope, BindScope *holder)
{
    if (holder == NULL || holder == scope) return;
    holder->outer_count = scope->outer_count;
    holder->outer_capacity = scope->outer_capacity;
    holder->outer_args = scope->outer_args;
}

static void note_dep(BindCtx *ctx, uint32_t oid, int16_t attnum)
{
    if (ctx->view_depth > 0) return;
    for (uint32_t dep_idx = 0; dep_idx < ctx->dep_count; dep_idx++) {
        if (ctx->deps[dep_idx].ref_oid == oid && ctx->deps[dep_idx].ref_attnum == attnum) return;
    }
    if (ctx->dep_count == ctx->dep_capacity) {
        uint32_t capacity = ctx->dep_capacity == 0 ? 8 : ctx->dep_capacity * 2;
        CatDepend *deps = bind_alloc(ctx, capacity * sizeof *deps);
        if (deps == NULL) return;   /* best effort, like the lock list */
        if (ctx->dep_count > 0) copy_items(deps, ctx->deps, ctx->dep_count * sizeof *deps);
        ctx->deps = deps;
        ctx->dep_capacity = capacity;
    }
    ctx->deps[ctx->dep_count++] = (CatDepend){.ref_oid = oid, .ref_attnum = attnum};
}

void bind_note_column(BindCtx *ctx, const BindColumn *column)
{
    if (column->table_oid != 0 && column->attnum > 0) {
        note_dep(ctx, column->table_oid, column->attnum);
    }
}

void bind_note_table(BindCtx *ctx, uint32_t table_oid, bool written)
{
    note_dep(ctx, table_oid, 0);
    for (uint32_t table_idx = 0; table_idx < ctx->table_count; table_idx++) {
        if (ctx->table_oids[table_idx] == table_oid) {
            ctx->table_written[table_idx] |= written;
            return;
        }
    }
    if (ctx->table_count == ctx->table_capacity) {
        uint32_t capacity = ctx->table_capacity == 0 ? 8 : ctx->table_capacity * 2;
        uint32_t *oids = bind_alloc(ctx, capacity * sizeof *oids);
        bool *written_flags = bind_alloc(ctx, capacity * sizeof *written_flags);
        if (oids == NULL || written_flags == NULL) return;   /* the lock list is best effort */
        if (ctx->table_count > 0) {
            copy_items(oids, ctx->table_oids, ctx->table_count * sizeof *oids);
            copy_items(written_flags, ctx->table_written, ctx->table_count * sizeof *written_flags);
        }
        ctx->table_oids = oids;
        ctx->table_written = written_flags;
        ctx->table_capacity = capacity;
    }
    ctx->table_oids[ctx->table_count] = table_oid;
    ctx->table_written[ctx->table_count] = written;
    ctx->table_count++;
}

/* ------------------------------------------------------------ scope info / star ---- */

void register_scope_info(BindCtx *ctx, const BindScope *scope, FromClause *from)
{
    ScopeInfo *info = bind_alloc(ctx, sizeof *info);
    if (info == NULL) return;
    info->scope = scope;
    info->system = bind_alloc(ctx, (scope->column_count + 1) * sizeof *info->system);
    if (info->system == NULL) return;
    uint32_t star_total = 0;
    for (uint32_t item_idx = 0; item_idx < from->item_count; item_idx++) {
        star_total += from->items[item_idx]->star_count;
    }
    info->star_cols = bind_alloc(ctx, (star_total + 1) * sizeof *info->star_cols);
    if (info->star_cols == NULL) return;
    for (uint32_t item_idx = 0; item_idx < from->item_count; item_idx++) {
        const FromNode *node = from->items[item_idx];
        copy_items(info->star_cols + info->star_count, node->star_cols,
               node->star_count * sizeof *node->star_cols);
        info->star_count += node->star_count;
    }
    for (uint32_t col_idx = 0; col_idx < scope->column_count; col_idx++) {
        info->system[col_idx] = scope->columns[col_idx].name == NULL;
    }
    QueryEnv *env = query_env(ctx);
    info->next = env->scopes;
    env->scopes = info;
}

static const ScopeInfo *find_scope_info(BindCtx *ctx, const BindScope *scope)
{
    for (const ScopeInfo *info = query_env(ctx)->scopes; info != NULL; info = info->next) {
        if (info->scope == scope) return info;
    }
    return NULL;
}

Error *bind_star(BindCtx *ctx, BindScope *scope, const AstExpr *star, Expr ***exprs_out,
                 const char ***names_out, uint32_t *count_out)
{
    const ScopeInfo *info = find_scope_info(ctx, scope);
    uint32_t count = 0;
    uint32_t *cols = bind_alloc(ctx, (scope->column_count + 1) * sizeof *cols);
    if (cols == NULL) return oom_error();
    int qualifier_count = ast_list_count(star->names);
    if (qualifier_count == 0) {
        if (info != NULL) {
            copy_items(cols, info->star_cols, info->star_count * sizeof *cols);
            count = info->star_count;
        } else {
            for (uint32_t col_idx = 0; col_idx < scope->column_count; col_idx++) {
                if (!scope->columns[col_idx].hidden && scope->columns[col_idx].name != NULL) {
                    cols[count++] = col_idx;
                }
            }
        }
        if (scope->column_count == 0) {
            return err_at(SQLSTATE_SYNTAX_ERROR, star->position,
                          "SELECT * with no tables specified is not valid");
        }
    } else {
        const char *range = star->names->items[qualifier_count - 1];
        bool range_found = false;
        for (uint32_t col_idx = 0; col_idx < scope->column_count; col_idx++) {
            const BindColumn *column = &scope->columns[col_idx];
            if (column->range_name == NULL || strcmp(column->range_name, range) != 0) continue;
            range_found = true;
            bool system = info != NULL ? info->system[col_idx] : column->name == NULL;
            if (!system && column->name != NULL) cols[count++] = col_idx;
        }
        if (!range_found) {
            return err_at(SQLSTATE_UNDEFINED_TABLE, star->position,
                          "missing FROM-clause entry for table \"%s\"", range);
        }
    }
    bind_rename_note_star(ctx, star, scope, cols, count);
    Expr **exprs = bind_alloc(ctx, (count + 1) * sizeof *exprs);
    const char **names = bind_alloc(ctx, (count + 1) * sizeof *names);
    if (exprs == NULL || names == NULL) return oom_error();
    for (uint32_t out_idx = 0; out_idx < count; out_idx++) {
        const BindColumn *column = &scope->columns[cols[out_idx]];
        bind_note_column(ctx, column);
        exprs[out_idx] = bind_column_ref(ctx, cols[out_idx], column->type);
        if (exprs[out_idx] == NULL) return oom_error();
        names[out_idx] = column->name;
    }
    *exprs_out = exprs;
    *names_out = names;
    *count_out = count;
    return NULL;
}

/* ------------------------------------------------------------------ AST walks ---- */

typedef struct AstWalk {
    bool aggregate;       /* an aggregate call outside OVER */
    bool window;          /* a call with OVER */
    const char *inside;   /* "CASE" / "COALESCE" while walking one (set-returning calls) */
    const AstExpr *srf_misplaced;   /* the first set-returning call inside such a construct */
    const char *srf_where;
} AstWalk;

static void walk_expr(const AstExpr *expr, AstWalk *walk);

static void walk_list(const AstList *list, AstWalk *walk)
{
    for (int item_idx = 0; item_idx < ast_list_count(list); item_idx++) {
        walk_expr(list->items[item_idx], walk);
    }
}

static void walk_expr(const AstExpr *expr, AstWalk *walk)
{
    if (expr == NULL) return;
    if (bind_is_srf_call(expr) && walk->inside != NULL && walk->srf_misplaced == NULL) {
        walk->srf_misplaced = expr;   /* PostgreSQL 10+: not in CASE / COALESCE */
        walk->srf_where = walk->inside;
    }
    const char *saved_inside = walk->inside;
    if (expr->kind == AST_EXPR_CASE) walk->inside = "CASE";
    if (expr->kind == AST_EXPR_COALESCE) walk->inside = "COALESCE";
    if (expr->kind == AST_EXPR_CASE || expr->kind == AST_EXPR_COALESCE) {
        walk_expr(expr->case_arg, walk);
        for (int when_idx = 0; when_idx < ast_list_count(expr->whens); when_idx++) {
            const AstWhen *when = expr->whens->items[when_idx];
            walk_expr(when->condition, walk);
            walk_expr(when->result, walk);
        }
        walk_expr(expr->else_expr, walk);
        walk_list(expr->args, walk);
        walk->inside = saved_inside;
        return;
    }
    if (expr->kind == AST_EXPR_FUNC && expr->func != NULL) {
        const AstFuncCall *func = expr->func;
        const char *name = func->names->items[func->names->count - 1];
        if (func->over != NULL) {
            walk->window = true;
        } else if (bind_is_aggregate(name)) {
            walk->aggregate = true;
        }
        walk_list(func->args, walk);
        walk_expr(func->filter, walk);
        return;
    }
    if (expr->kind == AST_EXPR_SUBLINK) {
        walk_expr(expr->left, walk);   /* the subquery is its own level */
        return;
    }
    walk_expr(expr->arg, walk);
    walk_expr(expr->left, walk);
    walk_expr(expr->right, walk);
    walk_expr(expr->escape, walk);
    walk_list(expr->args, walk);
    walk_expr(expr->case_arg, walk);
    for (int when_idx = 0; when_idx < ast_list_count(expr->whens); when_idx++) {
        const AstWhen *when = expr->whens->items[when_idx];
        walk_expr(when->condition, walk);
        walk_expr(when->result, walk);
    }
    walk_expr(expr->else_expr, walk);
}

/* ------------------------------------------------------------------ names ---- */

static const char *typname_of(Type type)
{
    switch (type.id) {
    case TYPE_BOOL: return "bool";
    case TYPE_INT2: return "int2";
    case TYPE_INT4: return "int4";
    case TYPE_INT8: return "int8";
    case TYPE_TEXT: return "text";
    case TYPE_FLOAT4: return "float4";
    case TYPE_FLOAT8: return "float8";
    case TYPE_NUMERIC: return "numeric";
    case TYPE_VARCHAR: return "varchar";
    case TYPE_BPCHAR: return "bpchar";
    case TYPE_DATE: return "date";
    case TYPE_TIME: return "time";
    case TYPE_TIMESTAMP: return "timestamp";
    case TYPE_TIMESTAMPTZ: return "timestamptz";
    case TYPE_INTERVAL: return "interval";
    case TYPE_BYTEA: return "bytea";
    case TYPE_OID: return "oid";
    case TYPE_NAME: return "name";
    default: return NULL;
    }
}

/* figure_colname: the output name PostgreSQL gives an unaliased select-list expression. */
const char *figure_colname(const AstExpr *expr)
{
    switch (expr->kind) {
    case AST_EXPR_COLUMN:
        return expr->names->items[expr->names->count - 1];
    case AST_EXPR_FUNC:
        return expr->func->names->items[expr->func->names->count - 1];
    case AST_EXPR_CAST: {
        const char *inner = figure_colname(expr->arg);
        if (strcmp(inner, "?column?") != 0) return inner;
        Type type;
        Error *err = plan_type_from_ast(expr->type, &type);
        if (err != NULL) {
            err_free(err);
            return expr->type->name;
        }
        const char *name = typname_of(type);
        return name != NULL ? name : expr->type->name;
    }
    case AST_EXPR_COLLATE: return figure_colname(expr->arg);
    case AST_EXPR_CASE: return "case";
    case AST_EXPR_COALESCE: return "coalesce";
    case AST_EXPR_NULLIF: return "nullif";
    case AST_EXPR_GREATEST: return "greatest";
    case AST_EXPR_LEAST: return "least";
    case AST_EXPR_ARRAY: return "array";
    case AST_EXPR_ROW: return "row";
    case AST_EXPR_BOOL: return "bool";
    case AST_EXPR_AT_TIME_ZONE: return "timezone";
    case AST_EXPR_SUBLINK:
        if (expr->sublink_kind == AST_SUBLINK_EXISTS) return "exists";
        if (expr->sublink_kind == AST_SUBLINK_ARRAY) return "array";
        if (expr->sublink_kind == AST_SUBLINK_SCALAR && expr->subquery != NULL) {
            const AstSelect *sub = expr->subquery;
            while (sub->kind == AST_SELECT_SETOP) sub = sub->left;
            if (sub->kind == AST_SELECT_CORE && ast_list_count(sub->targets) > 0) {
                const AstTarget *target = sub->targets->items[0];
                if (target->alias != NULL) return target->alias;
                if (target->expr->kind != AST_EXPR_STAR) return figure_colname(target->expr);
            }
        }
        return "?column?";
    default:
        return "?column?";
    }
}

/* ------------------------------------------------------------------ helpers ---- */

static Error *finish_plan_types(BindCtx *ctx, Plan *plan)
{
    if (plan->types == NULL) {
        plan->types = bind_alloc(ctx, (plan->column_count + 1) * sizeof *plan->types);
        if (plan->types == NULL) return oom_error();
    }
    return NULL;
}

/* plan_const_exprs: bind an expression without columns of this level (LIMIT, OFFSET). */
Error *plan_const_exprs(BindCtx *ctx, BindScope *holder, const AstExpr *expr, const char *clause,
                        Expr **expr_out)
{
    *expr_out = NULL;
    if (expr == NULL) return NULL;
    BindScope *scope = scope_new(ctx, holder != NULL ? holder->parent : NULL, holder);
    if (scope == NULL) return oom_error();
    BindAgg no_agg = { .input = scope, .allowed = false, .clause = clause };
    scope->agg = &no_agg;
    Expr *bound = NULL;
    Error *err = bind_expr(ctx, scope, expr, &bound);
    scope->agg = NULL;
    scope_sync_out(scope, holder);
    if (err != NULL) return err;
    if (bound->type.id == TYPE_UNKNOWN && bound->kind == EXPR_CONST && bound->is_null) {
        bound = bind_const_null(ctx, type_plain(TYPE_INT8));
        if (bound == NULL) return oom_error();
    }
    TRY(bind_coerce(ctx, bound, type_plain(TYPE_INT8), false, NULL, &bound));
    *expr_out = bound;
    return NULL;
}

/* const_int_value: the value of an integer constant (possibly under casts between integer
 * types, as bind_coerce leaves `LIMIT 3`). */
static bool const_int_value(const Expr *expr, long long *value_out)
{
    while (expr != NULL && expr->kind == EXPR_CAST && expr->arg_count == 1 &&
           (expr->args[0]->type.id == TYPE_INT2 || expr->args[0]->type.id == TYPE_INT4 ||
            expr->args[0]->type.id == TYPE_INT8)) {
        expr = expr->args[0];
    }
    if (expr == NULL || expr->kind != EXPR_CONST || expr->is_null) return false;
    if (expr->type.id != TYPE_INT2 && expr->type.id != TYPE_INT4 && expr->type.id != TYPE_INT8) {
        return false;
    }
    char text[32];
    size_t size = expr->const_size < sizeof text - 1 ? expr->const_size : sizeof text - 1;
    memcpy(text, expr->const_text, size);
    text[size] = '\0';
    char *end = NULL;
    *value_out = strtoll(text, &end, 10);
    return end != text;
}

static Error *add_limit(BindCtx *ctx, BindScope *holder, const AstSelect *select, Plan **plan)
{
    if (select->limit == NULL && select->offset == NULL) return NULL;
    Expr *limit = NULL, *offset = NULL;
    TRY(plan_const_exprs(ctx, holder, select->limit, "LIMIT", &limit));
    TRY(plan_const_exprs(ctx, holder, select->offset, "OFFSET", &offset));
    Plan *child = *plan;
    Plan *node = plan_node(ctx, PLAN_LIMIT, child, child->column_count);
    if (node == NULL) return oom_error();
    plan_copy_columns(ctx, node, child);
    node->limit = limit;
    node->offset = offset;
    node->est_rows = child->est_rows;
    long long limit_value = 0, offset_value = 0;
    if (const_int_value(limit, &limit_value) &&
        (offset == NULL || const_int_value(offset, &offset_value))) {
        if (limit_value < node->est_rows) node->est_rows = limit_value < 1 ? 1 : limit_value;
        /* top-N: the sort keeps the first limit + offset rows; LIMIT above still cuts. */
        long long keep = limit_value + (offset_value > 0 ? offset_value : 0);
        if (child->kind == PLAN_SORT && limit_value > 0 && keep > 0) {
            char text[32];
            int size = snprintf(text, sizeof text, "%lld", keep);
            char *copy = bind_strdup(ctx, text);
            if (copy == NULL) return oom_error();
            child->limit = bind_const_text(ctx, type_plain(TYPE_INT8), copy, (size_t)size, 0);
            if (child->limit == NULL) return oom_error();
        }
    }
    node->est_cost = child->est_cost;
    *plan = node;
    return NULL;
}

/* ------------------------------------------------------------------ ORDER BY ---- */

typedef struct OrderState {
    uint32_t   visible_count;     /* select-list columns */
    uint32_t   count, capacity;   /* visible + hidden */
    Expr     **exprs;
    const char **names;
    uint32_t   key_count;
    SortKey   *keys;              /* over the project's output: EXPR_COLUMN */
} OrderState;

static Error *order_add_column(BindCtx *ctx, OrderState *state, Expr *expr, uint32_t *idx_out)
{
    for (uint32_t col_idx = 0; col_idx < state->count; col_idx++) {
        if (expr_equal(state->exprs[col_idx], expr)) {
            *idx_out = col_idx;
            return NULL;
        }
    }
    if (state->count == state->capacity) {
        uint32_t capacity = state->capacity * 2 + 4;
        Expr **exprs = bind_alloc(ctx, capacity * sizeof *exprs);
        const char **names = bind_alloc(ctx, capacity * sizeof *names);
        if (exprs == NULL || names == NULL) return oom_error();
        copy_items(exprs, state->exprs, state->count * sizeof *exprs);
        copy_items(names, state->names, state->count * sizeof *names);
        state->exprs = exprs;
        state->names = names;
        state->capacity = capacity;
    }
    state->exprs[state->count] = expr;
    state->names[state->count] = "?column?";
    *idx_out = state->count++;
    return NULL;
}

static void sort_flags(const AstSortBy *item, SortKey *key)
{
    key->descending = item->dir == AST_SORT_DESC;
    key->nulls_first = item->nulls == AST_NULLS_FIRST   ? true
                       : item->nulls == AST_NULLS_LAST ? false
                                                        : key->descending;
}

/* bind_order_by: ORDER BY items of a core: output names, ordinals, or expressions over the
 * scope (aggregates and windows as the select list). Hidden columns are appended to state. */
static Error *bind_order_by(BindCtx *ctx, BindScope *scope, const AstList *order_by,
                            const AstList *targets_ast, OrderState *state)
{
    (void)targets_ast;
    int item_count = ast_list_count(order_by);
    if (item_count == 0) return NULL;
    state->keys = bind_alloc(ctx, (size_t)item_count * sizeof *state->keys);
    if (state->keys == NULL) return oom_error();
    for (int item_idx = 0; item_idx < item_count; item_idx++) {
        const AstSortBy *item = order_by->items[item_idx];
        const AstExpr *ast = item->expr;
        uint32_t col_idx = UINT32_MAX;
        if (ast->kind == AST_EXPR_INTEGER) {
            int64_t ordinal = ast->int_fits ? ast->int_value : 0;
            if (ordinal < 1 || ordinal > (int64_t)state->visible_count) {
                return err_at(SQLSTATE_INVALID_COLUMN_REFERENCE, ast->position,
                              "ORDER BY position %s is not in select list", ast->text);
            }
            col_idx = (uint32_t)(ordinal - 1);
        } else if (ast->kind == AST_EXPR_COLUMN && ast->names->count == 1) {
            const char *name = ast->names->items[0];
            for (uint32_t target_idx = 0; target_idx < state->visible_count; target_idx++) {
                if (state->names[target_idx] == NULL ||
                    strcmp(state->names[target_idx], name) != 0) {
                    continue;
                }
                if (col_idx != UINT32_MAX &&
                    !expr_equal(state->exprs[col_idx], state->exprs[target_idx])) {
                    return err_at(SQLSTATE_AMBIGUOUS_COLUMN, ast->position,
                                  "ORDER BY \"%s\" is ambiguous", name);
                }
                if (col_idx == UINT32_MAX) col_idx = target_idx;
            }
        }
        if (col_idx == UINT32_MAX) {
            Expr *bound = NULL;
            TRY(bind_expr(ctx, scope, ast, &bound));
            if (bound->type.id == TYPE_UNKNOWN) {
                TRY(bind_coerce(ctx, bound, type_plain(TYPE_TEXT), false, NULL, &bound));
            }
            TRY(order_add_column(ctx, state, bound, &col_idx));
        }
        SortKey *key = &state->keys[state->key_count++];
        key->expr = bind_column_ref(ctx, col_idx, state->exprs[col_idx]->type);
        if (key->expr == NULL) return oom_error();
        sort_flags(item, key);
    }
    return NULL;
}

/* ------------------------------------------------------------------ GROUP BY ---- */

static Error *bind_group_by(BindCtx *ctx, BindScope *scope, const AstSelect *select,
                            BindAgg *agg)
{
    int count = ast_list_count(select->group_by);
    agg->group_exprs = bind_alloc(ctx, ((size_t)count + 1) * sizeof *agg->group_exprs);
    agg->group_keys = bind_alloc(ctx, ((size_t)count + 1) * sizeof *agg->group_keys);
    if (agg->group_exprs == NULL || agg->group_keys == NULL) return oom_error();
    BindAgg no_agg = { .input = scope, .allowed = false, .clause = "GROUP BY" };
    for (int item_idx = 0; item_idx < count; item_idx++) {
        const AstExpr *ast = select->group_by->items[item_idx];
        if (ast->kind == AST_EXPR_INTEGER) {
            int64_t ordinal = ast->int_fits ? ast->int_value : 0;
            if (ordinal < 1 || ordinal > ast_list_count(select->targets)) {
                return err_at(SQLSTATE_INVALID_COLUMN_REFERENCE, ast->position,
                              "GROUP BY position %s is not in select list", ast->text);
            }
            const AstTarget *target = select->targets->items[ordinal - 1];
            if (target->expr->kind == AST_EXPR_STAR) {
                return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                              "GROUP BY position of * is not supported");
            }
            ast = target->expr;
        }
        scope->agg = &no_agg;
        Expr *bound = NULL;
        Error *err = bind_expr(ctx, scope, ast, &bound);
        scope->agg = NULL;
        if (err != NULL && err->state == SQLSTATE_UNDEFINED_COLUMN &&
            ast->kind == AST_EXPR_COLUMN && ast->names->count == 1) {
            /* not an input column: an output column name */
            for (int target_idx = 0; target_idx < ast_list_count(select->targets); target_idx++) {
                const AstTarget *target = select->targets->items[target_idx];
                if (target->alias != NULL && strcmp(target->alias, ast->names->items[0]) == 0) {
                    err_free(err);
                    err = NULL;
                    ast = target->expr;
                    scope->agg = &no_agg;
                    err = bind_expr(ctx, scope, ast, &bound);
                    scope->agg = NULL;
                    break;
                }
            }
        }
        if (err != NULL) return err;
        if (bound->type.id == TYPE_UNKNOWN) {
            TRY(bind_coerce(ctx, bound, type_plain(TYPE_TEXT), false, NULL, &bound));
        }
        const char *key = ast_print_expr(ctx->plan->arena, ast);
        if (key == NULL) return oom_error();
        bool duplicate = false;
        for (uint32_t group_idx = 0; group_idx < agg->group_count; group_idx++) {
            if (strcmp(agg->group_keys[group_idx], key) == 0) duplicate = true;
        }
        if (duplicate) continue;
        agg->group_exprs[agg->group_count] = bound;
        agg->group_keys[agg->group_count] = key;
        agg->group_count++;
    }
    return NULL;
}

/* ------------------------------------------------------------------ windows ---- */

static void fix_window_columns(Expr *expr, uint32_t base)
{
    if (expr == NULL) return;
    if (expr->kind == EXPR_COLUMN && expr->column_idx >= WINDOW_BASE_SENTINEL) {
        expr->column_idx = expr->column_idx - WINDOW_BASE_SENTINEL + base;
    }
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        fix_window_columns(expr->args[arg_idx], base);
    }
}

/* fix_srf_columns: the select list's set-returning call k (EXPR_COLUMN SRF_BASE_SENTINEL + k)
 * becomes column base + k of the ProjectSet. In place and idempotent (shared nodes). */
static void fix_srf_columns(Expr *expr, uint32_t base)
{
    if (expr == NULL) return;
    if (expr->kind == EXPR_COLUMN && expr->column_idx >= SRF_BASE_SENTINEL &&
        expr->column_idx < WINDOW_BASE_SENTINEL) {
        expr->column_idx = expr->column_idx - SRF_BASE_SENTINEL + base;
    }
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        fix_srf_columns(expr->args[arg_idx], base);
    }
}

/* add_project_set: a ProjectSet (PLAN_PROJECT with srf_count, see plan.h) over *plan: its
 * columns, then one per set-returning call (arguments remapped like the select list). */
static Error *add_project_set(BindCtx *ctx, const BindSrf *srf, const uint32_t *map,
                              Plan **plan)
{
    Plan *child = *plan;
    uint32_t width = child->column_count;
    Plan *node = plan_node(ctx, PLAN_PROJECT, child, width + srf->count);
    if (node == NULL) return oom_error();
    TRY(finish_plan_types(ctx, node));
    node->names = bind_alloc(ctx, (node->column_count + 1) * sizeof *node->names);
    node->exprs = bind_alloc(ctx, (node->column_count + 1) * sizeof *node->exprs);
    if (node->names == NULL || node->exprs == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < width; col_idx++) {
        node->exprs[col_idx] = bind_column_ref(ctx, col_idx, child->types[col_idx]);
        if (node->exprs[col_idx] == NULL) return oom_error();
        node->types[col_idx] = child->types[col_idx];
        node->names[col_idx] = child->names != NULL ? child->names[col_idx] : "?column?";
    }
    for (uint32_t srf_idx = 0; srf_idx < srf->count; srf_idx++) {
        Expr *call = map != NULL ? expr_remap(ctx, srf->calls[srf_idx], map)
                                 : srf->calls[srf_idx];
        if (call == NULL) return oom_error();
        node->exprs[width + srf_idx] = call;
        node->types[width + srf_idx] = call->type;
        node->names[width + srf_idx] = call->name;
    }
    node->srf_count = srf->count;
    node->est_rows = child->est_rows * 10;
    node->est_cost = child->est_cost + node->est_rows * 0.01;
    *plan = node;
    return NULL;
}

static Error *add_windows(BindCtx *ctx, BindWindow *window, Plan **plan)
{
    for (uint32_t call_idx = 0; call_idx < window->count; call_idx++) {
        WindowCall *call = &window->calls[call_idx];
        Plan *child = *plan;
        uint32_t key_count = call->partition_count + call->order_count;
        if (key_count > 0) {
            Plan *sort = plan_node(ctx, PLAN_SORT, child, child->column_count);
            if (sort == NULL) return oom_error();
            plan_copy_columns(ctx, sort, child);
            sort->sort_keys = bind_alloc(ctx, key_count * sizeof *sort->sort_keys);
            if (sort->sort_keys == NULL) return oom_error();
            for (uint32_t part_idx = 0; part_idx < call->partition_count; part_idx++) {
                sort->sort_keys[sort->sort_count++] = (SortKey){ call->partition[part_idx],
                                                                 false, false };
            }
            for (uint32_t order_idx = 0; order_idx < call->order_count; order_idx++) {
                sort->sort_keys[sort->sort_count++] = call->order[order_idx];
            }
            sort->est_rows = child->est_rows;
            sort->est_cost = child->est_cost + child->est_rows * 2;
            child = sort;
        }
        Plan *node = plan_node(ctx, PLAN_WINDOW, child, child->column_count + 1);
        if (node == NULL) return oom_error();
        TRY(finish_plan_types(ctx, node));
        node->names = bind_alloc(ctx, node->column_count * sizeof *node->names);
        if (node->names == NULL) return oom_error();
        for (uint32_t col_idx = 0; col_idx < child->column_count; col_idx++) {
            node->types[col_idx] = child->types[col_idx];
            node->names[col_idx] = child->names != NULL ? child->names[col_idx] : NULL;
        }
        node->types[child->column_count] = call->result_type;
        node->names[child->column_count] = call->name;
        node->window_count = 1;
        node->windows = call;
        node->est_rows = child->est_rows;
        node->est_cost = child->est_cost + child->est_rows;
        *plan = node;
    }
    return NULL;
}

/* ------------------------------------------------------------------ the core ---- */

typedef struct CoreTargets {
    uint32_t    count, capacity;
    Expr      **exprs;
    const char **names;
    const AstExpr **asts;     /* NULL for * expansions */
} CoreTargets;

static Error *targets_push(BindCtx *ctx, CoreTargets *targets, Expr *expr, const char *name,
                           const AstExpr *ast)
{
    if (targets->count == targets->capacity) {
        uint32_t capacity = targets->capacity * 2 + 8;
        Expr **exprs = bind_alloc(ctx, capacity * sizeof *exprs);
        const char **names = bind_alloc(ctx, capacity * sizeof *names);
        const AstExpr **asts = bind_alloc(ctx, capacity * sizeof *asts);
        if (exprs == NULL || names == NULL || asts == NULL) return oom_error();
        copy_items(exprs, targets->exprs, targets->count * sizeof *exprs);
        copy_items(names, targets->names, targets->count * sizeof *names);
        copy_items(asts, targets->asts, targets->count * sizeof *asts);
        targets->exprs = exprs;
        targets->names = names;
        targets->asts = asts;
        targets->capacity = capacity;
    }
    if (targets->count >= TARGET_COUNT_MAX) {
        return err_new(SQLSTATE_TOO_MANY_COLUMNS, "target lists can have at most %d entries",
                       TARGET_COUNT_MAX);
    }
    targets->exprs[targets->count] = expr;
    targets->names[targets->count] = name;
    targets->asts[targets->count] = ast;
    targets->count++;
    return NULL;
}

static Error *bind_targets(BindCtx *ctx, BindScope *scope, const AstList *list,
                           bool resolve_unknowns, CoreTargets *targets)
{
    for (int item_idx = 0; item_idx < ast_list_count(list); item_idx++) {
        const AstTarget *target = list->items[item_idx];
        if (target->expr->kind == AST_EXPR_STAR) {
            Expr **exprs = NULL;
            const char **names = NULL;
            uint32_t count = 0;
            TRY(bind_star(ctx, scope, target->expr, &exprs, &names, &count));
            for (uint32_t star_idx = 0; star_idx < count; star_idx++) {
                Expr *expr = exprs[star_idx];
                if (scope->agg != NULL) {
                    /* t.* in a grouped query: each column must be grouped */
                    const BindColumn *column = &scope->columns[expr->column_idx];
                    bool found = false;
                    for (uint32_t group_idx = 0; group_idx < scope->agg->group_count;
                         group_idx++) {
                        if (expr_equal(scope->agg->group_exprs[group_idx], expr)) {
                            expr = bind_column_ref(ctx, group_idx, expr->type);
                            if (expr == NULL) return oom_error();
                            found = true;
                            break;
                        }
                    }
                    if (!found) {
                        return err_at(SQLSTATE_GROUPING_ERROR, target->position,
                                      "column \"%s.%s\" must appear in the GROUP BY clause or "
                                      "be used in an aggregate function",
                                      column->range_name != NULL ? column->range_name : "?",
                                      column->name);
                    }
                }
                TRY(targets_push(ctx, targets, expr, names[star_idx], NULL));
            }
            continue;
        }
        Expr *bound = NULL;
        bool  bare = target->alias == NULL && target->expr->kind == AST_EXPR_COLUMN;
        ctx->rename_bare_target = bare ? target->expr : NULL;
        Error *err = bind_expr(ctx, scope, target->expr, &bound);
        ctx->rename_bare_target = NULL;
        if (err != NULL) return err;
        if (resolve_unknowns && bound->type.id == TYPE_UNKNOWN) {
            TRY(bind_coerce(ctx, bound, type_plain(TYPE_TEXT), false, NULL, &bound));
        }
        const char *name = target->alias != NULL ? target->alias : figure_colname(target->expr);
        TRY(targets_push(ctx, targets, bound, name, target->expr));
    }
    return NULL;
}

static void mark_agg_inputs(const BindAgg *agg, bool *used, uint32_t used_count)
{
    for (uint32_t group_idx = 0; group_idx < agg->group_count; group_idx++) {
        expr_mark_columns(agg->group_exprs[group_idx], used, used_count);
    }
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        expr_mark_columns(agg->aggs[agg_idx].arg, used, used_count);
        expr_mark_columns(agg->aggs[agg_idx].filter, used, used_count);
    }
}

static Error *build_agg_node(BindCtx *ctx, const BindAgg *agg, const Built *built,
                             uint32_t canonical_count, Plan **plan_out)
{
    uint32_t *map = built_map(ctx, built, canonical_count);
    if (map == NULL) return oom_error();
    Plan *node = plan_node(ctx, PLAN_HASH_AGG, built->plan, agg->group_count + agg->agg_count);
    if (node == NULL) return oom_error();
    TRY(finish_plan_types(ctx, node));
    node->names = bind_alloc(ctx, (node->column_count + 1) * sizeof *node->names);
    node->group_exprs = bind_alloc(ctx, (agg->group_count + 1) * sizeof *node->group_exprs);
    node->aggs = bind_alloc(ctx, (agg->agg_count + 1) * sizeof *node->aggs);
    if (node->names == NULL || node->group_exprs == NULL || node->aggs == NULL) {
        return oom_error();
    }
    node->group_count = agg->group_count;
    for (uint32_t group_idx = 0; group_idx < agg->group_count; group_idx++) {
        node->group_exprs[group_idx] = expr_remap(ctx, agg->group_exprs[group_idx], map);
        if (node->group_exprs[group_idx] == NULL) return oom_error();
        node->types[group_idx] = agg->group_exprs[group_idx]->type;
        node->names[group_idx] = agg->group_keys[group_idx];
    }
    node->agg_count = agg->agg_count;
    for (uint32_t agg_idx = 0; agg_idx < agg->agg_count; agg_idx++) {
        AggCall call = agg->aggs[agg_idx];
        if (call.arg != NULL) {
            call.arg = expr_remap(ctx, call.arg, map);
            if (call.arg == NULL) return oom_error();
        }
        if (call.filter != NULL) {
            call.filter = expr_remap(ctx, call.filter, map);
            if (call.filter == NULL) return oom_error();
        }
        node->aggs[agg_idx] = call;
        node->types[agg->group_count + agg_idx] = call.result_type;
        node->names[agg->group_count + agg_idx] = call.name;
    }
    double rows = built->plan->est_rows;
    node->est_rows = agg->group_count == 0 ? 1 : (rows > 200 ? rows / 10 : (rows < 1 ? 1 : rows));
    node->est_cost = built->plan->est_cost + rows;
    *plan_out = node;
    return NULL;
}

static Error *core_origins(BindCtx *ctx, const BindScope *scope, const CoreTargets *targets,
                           bool grouped, PlanColumn **origins_out)
{
    PlanColumn *origins = bind_alloc(ctx, (targets->count + 1) * sizeof *origins);
    if (origins == NULL) return oom_error();
    for (uint32_t target_idx = 0; target_idx < targets->count; target_idx++) {
        const Expr *expr = targets->exprs[target_idx];
        origins[target_idx].name = targets->names[target_idx];
        origins[target_idx].type = expr->type;
        if (!grouped && expr->kind == EXPR_COLUMN && expr->column_idx < scope->column_count) {
            origins[target_idx].table_oid = scope->columns[expr->column_idx].table_oid;
            origins[target_idx].attnum = scope->columns[expr->column_idx].attnum;
        }
    }
    *origins_out = origins;
    return NULL;
}

static bool locking_names_table(const AstLocking *locking, const CatTable *table)
{
    if (locking->tables == NULL) return true;
    for (int name_idx = 0; name_idx < locking->tables->count; name_idx++) {
        const AstList *names = locking->tables->items[name_idx];
        if (strcmp(names->items[names->count - 1], table->name) == 0) return true;
    }
    return false;
}

static void lock_scans(Plan *plan, const AstLocking *locking, int mode)
{
    if (plan == NULL) return;
    if ((plan->kind == PLAN_SEQ_SCAN || plan->kind == PLAN_INDEX_SCAN) &&
        locking_names_table(locking, plan->table) && plan->lock_rows < mode + 1) {
        plan->lock_rows = mode + 1;
    }
    lock_scans(plan->left, locking, mode);
    lock_scans(plan->right, locking, mode);
}

/* apply_locking: SELECT ... FOR UPDATE / SHARE: the scans of the named tables (all without a
 * list) lock the rows they return (Plan.lock_rows = LockRowMode + 1). */
static Error *apply_locking(BindCtx *ctx, const AstList *locking_list, Plan *from_plan)
{
    for (int lock_idx = 0; lock_idx < ast_list_count(locking_list); lock_idx++) {
        const AstLocking *locking = locking_list->items[lock_idx];
        int mode = locking->strength == AST_LOCK_UPDATE          ? LOCK_FOR_UPDATE
                   : locking->strength == AST_LOCK_NO_KEY_UPDATE ? LOCK_FOR_NO_KEY_UPDATE
                   : locking->strength == AST_LOCK_SHARE         ? LOCK_FOR_SHARE
                                                                 : LOCK_FOR_KEY_SHARE;
        lock_scans(from_plan, locking, mode);
    }
    query_env(ctx)->for_update = true;
    return NULL;
}

typedef struct CoreState {
    BindScope  *scope;
    FromClause  from;
    Expr      **conds;
    uint32_t    cond_count, cond_capacity;
    BindAgg    *agg;
    BindWindow *window;
    CoreTargets targets;
    Expr       *having;
    OrderState  order;
    BindSrf     srf;             /* set-returning calls of the select list and ORDER BY */
    uint32_t    distinct_count;  /* DISTINCT ON: columns of the project's output */
    uint32_t   *distinct_cols;
} CoreState;

/* bind_distinct_on: DISTINCT ON items bind like ORDER BY items (output names, ordinals,
 * expressions, hidden columns); they must match the leading ORDER BY items. */
static Error *bind_distinct_on(BindCtx *ctx, BindScope *scope, const AstSelect *select,
                               CoreState *core)
{
    int count = ast_list_count(select->distinct_on);
    AstList *items = bind_alloc(ctx, sizeof *items);
    if (items == NULL) return oom_error();
    items->items = bind_alloc(ctx, ((size_t)count + 1) * sizeof *items->items);
    if (items->items == NULL) return oom_error();
    for (int item_idx = 0; item_idx < count; item_idx++) {
        AstSortBy *sort = bind_alloc(ctx, sizeof *sort);
        if (sort == NULL) return oom_error();
        sort->expr = select->distinct_on->items[item_idx];
        items->items[items->count++] = sort;
    }
    items->capacity = count + 1;
    OrderState state = core->order;
    state.key_count = 0;
    state.keys = NULL;
    TRY(bind_order_by(ctx, scope, items, select->targets, &state));
    core->order.count = state.count;
    core->order.capacity = state.capacity;
    core->order.exprs = state.exprs;
    core->order.names = state.names;
    core->distinct_cols = bind_alloc(ctx, ((size_t)count + 1) * sizeof *core->distinct_cols);
    if (core->distinct_cols == NULL) return oom_error();
    for (uint32_t key_idx = 0; key_idx < state.key_count; key_idx++) {
        uint32_t col_idx = state.keys[key_idx].expr->column_idx;
        bool seen = false;
        for (uint32_t prev = 0; prev < core->distinct_count; prev++) {
            seen |= core->distinct_cols[prev] == col_idx;
        }
        if (!seen) core->distinct_cols[core->distinct_count++] = col_idx;
    }
    uint32_t prefix = core->order.key_count < core->distinct_count ? core->order.key_count
                                                                   : core->distinct_count;
    for (uint32_t key_idx = 0; key_idx < prefix; key_idx++) {
        uint32_t col_idx = core->order.keys[key_idx].expr->column_idx;
        bool found = false;
        for (uint32_t dist_idx = 0; dist_idx < core->distinct_count; dist_idx++) {
            found |= core->distinct_cols[dist_idx] == col_idx;
        }
        if (!found) {
            return err_at(SQLSTATE_INVALID_COLUMN_REFERENCE, select->position,
                          "SELECT DISTINCT ON expressions must match initial ORDER BY "
                          "expressions");
        }
    }
    return NULL;
}

/* build_distinct_on: the first row of each DISTINCT ON group in ORDER BY order: sort by the
 * group columns then the ORDER BY keys, number the rows of each group (row_number()), keep
 * number 1, drop the number. */
static Error *build_distinct_on(BindCtx *ctx, const CoreState *core, Plan **plan)
{
    Plan *child = *plan;
    uint32_t width = child->column_count;
    WindowCall *call = bind_alloc(ctx, sizeof *call);
    if (call == NULL) return oom_error();
    call->name = "row_number";
    call->result_type = type_plain(TYPE_INT8);
    call->partition_count = core->distinct_count;
    call->partition = bind_alloc(ctx, (core->distinct_count + 1) * sizeof *call->partition);
    if (call->partition == NULL) return oom_error();
    for (uint32_t dist_idx = 0; dist_idx < core->distinct_count; dist_idx++) {
        uint32_t col_idx = core->distinct_cols[dist_idx];
        call->partition[dist_idx] = bind_column_ref(ctx, col_idx, child->types[col_idx]);
        if (call->partition[dist_idx] == NULL) return oom_error();
    }
    call->order_count = core->order.key_count;
    call->order = core->order.keys;
    BindWindow window = { .count = 1, .capacity = 1, .calls = call };
    TRY(add_windows(ctx, &window, plan));
    Expr *number = bind_column_ref(ctx, width, call->result_type);
    Expr *one = bind_const_text(ctx, call->result_type, "1", 1, 0);
    if (number == NULL || one == NULL) return oom_error();
    Expr *args[2] = { number, one };
    Expr *first = NULL;
    TRY(bind_func_call(ctx, "=", args, 2, 0, &first));
    Plan *filtered = make_filter(ctx, *plan, first);
    Expr **exprs = bind_alloc(ctx, (width + 1) * sizeof *exprs);
    if (filtered == NULL || exprs == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < width; col_idx++) {
        exprs[col_idx] = bind_column_ref(ctx, col_idx, child->types[col_idx]);
        if (exprs[col_idx] == NULL) return oom_error();
    }
    *plan = make_project(ctx, filtered, exprs, child->names, width);
    return *plan == NULL ? oom_error() : NULL;
}

static Error *core_bind(BindCtx *ctx, BindScope *holder, BindScope *parent,
                        const AstSelect *select, bool resolve_unknowns, CoreState *core)
{
    BindScope *scope = scope_new(ctx, parent, holder);
    if (scope == NULL) return oom_error();
    core->scope = scope;
    TRY(bind_from(ctx, scope, scope, select->from, &core->from));
    register_scope_info(ctx, scope, &core->from);
    if (select->where != NULL) {
        BindAgg no_agg = { .input = scope, .allowed = false, .clause = "WHERE" };
        scope->agg = &no_agg;
        Expr *where = NULL;
        Error *err = bind_bool_expr(ctx, scope, select->where, "WHERE", &where);
        scope->agg = NULL;
        if (err != NULL) return err;
        split_conjuncts(ctx, where, &core->conds, &core->cond_count, &core->cond_capacity);
    }
    /* ON conditions of inner joins live in the FROM nodes; bind_from bound them. */
    AstWalk walk = { 0 };
    for (int target_idx = 0; target_idx < ast_list_count(select->targets); target_idx++) {
        walk_expr(((const AstTarget *)select->targets->items[target_idx])->expr, &walk);
    }
    walk_expr(select->having, &walk);
    for (int order_idx = 0; order_idx < ast_list_count(select->order_by); order_idx++) {
        walk_expr(((const AstSortBy *)select->order_by->items[order_idx])->expr, &walk);
    }
    if (walk.srf_misplaced != NULL) {
        Error *err = err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, walk.srf_misplaced->position,
                            "set-returning functions are not allowed in %s", walk.srf_where);
        return err_set_hint(err, "You might be able to move the set-returning function into a "
                                 "LATERAL FROM item.");
    }
    if (walk.aggregate || select->group_by != NULL || select->having != NULL) {
        core->agg = bind_alloc(ctx, sizeof *core->agg);
        if (core->agg == NULL) return oom_error();
        core->agg->input = scope;
        TRY(bind_group_by(ctx, scope, select, core->agg));
        core->agg->allowed = true;
        core->agg->clause = "SELECT";
    }
    if (walk.window || select->windows != NULL) {
        core->window = bind_alloc(ctx, sizeof *core->window);
        if (core->window == NULL) return oom_error();
        core->window->base = WINDOW_BASE_SENTINEL;
        core->window->named = select->windows;
    }
    scope->agg = core->agg;
    scope->window = core->window;
    scope->srf = &core->srf;
    Error *err = bind_targets(ctx, scope, select->targets, resolve_unknowns, &core->targets);
    scope->srf = NULL;
    if (err == NULL) {
        scope->target_count = core->targets.count;
        scope->target_names = core->targets.names;
        scope->target_exprs = core->targets.exprs;
    }
    if (err == NULL && select->having != NULL) {
        if (core->agg != NULL) core->agg->clause = "HAVING";
        BindWindow *saved_window = scope->window;
        scope->window = NULL;
        err = bind_bool_expr(ctx, scope, select->having, "HAVING", &core->having);
        scope->window = saved_window;
        if (core->agg != NULL) core->agg->clause = "SELECT";
    }
    if (err == NULL) {
        core->order.visible_count = core->targets.count;
        core->order.count = core->targets.count;
        core->order.capacity = core->targets.capacity;
        core->order.exprs = core->targets.exprs;
        core->order.names = core->targets.names;
        scope->srf = &core->srf;
        err = bind_order_by(ctx, scope, select->order_by, select->targets, &core->order);
        scope->srf = NULL;
    }
    if (err == NULL && select->distinct_on != NULL) {
        err = bind_distinct_on(ctx, scope, select, core);
    }
    scope->agg = NULL;
    scope->window = NULL;
    return err;
}

/* order_matches_key: ORDER BY's (attnum, descending, nulls_first) equal the index key columns
 * from key_start on, all in the index's direction (forward) or all reversed (backward). */
static bool order_matches_key(const int16_t *attnums, const bool *descending,
                              const bool *nulls_first, uint32_t count, const int16_t *key_attnums,
                              const bool *key_descending, const bool *key_nulls_first,
                              uint16_t key_count, uint32_t key_start, bool not_null,
                              bool *backward_out)
{
    if (key_start + count > key_count) return false;
    for (int direction = 0; direction < 2; direction++) {
        bool reverse = direction == 1, match = true;
        for (uint32_t idx = 0; idx < count && match; idx++) {
            uint32_t key_idx = key_start + idx;
            bool key_desc = key_descending != NULL && key_descending[key_idx];
            bool key_nulls = key_nulls_first != NULL ? key_nulls_first[key_idx] : key_desc;
            match = key_attnums[key_idx] == attnums[idx] &&
                    (key_desc != reverse) == descending[idx] &&
                    (not_null || (key_nulls != reverse) == nulls_first[idx]);
        }
        if (match) {
            *backward_out = reverse;
            return true;
        }
    }
    return false;
}

/* index_gives_order: a query over one table whose ORDER BY is a run of plain columns that an
 * index (or the clustered key) returns in order: the scan becomes (or stays) an index scan in
 * that direction and no sort is needed. A secondary index without bounds is chosen only under a
 * LIMIT (a full index scan fetches rows in random order). */
static bool index_gives_order(const CoreState *core, const AstSelect *select, Plan *scan)
{
    const OrderState *order = &core->order;
    uint32_t count = order->key_count;
    if (count == 0 || count > 32 || core->agg != NULL || select->distinct ||
        (core->window != NULL && core->window->count > 0) ||
        (scan->kind != PLAN_SEQ_SCAN && scan->kind != PLAN_INDEX_SCAN)) {
        return false;
    }
    const CatTable *table = scan->table;
    int16_t attnums[32];
    bool descending[32], nulls_first[32];
    bool not_null = true;
    for (uint32_t key_idx = 0; key_idx < count; key_idx++) {
        const SortKey *key = &order->keys[key_idx];
        const Expr *expr = order->exprs[key->expr->column_idx];
        if (expr->kind != EXPR_COLUMN || expr->column_idx >= core->scope->column_count) {
            return false;
        }
        const BindColumn *column = &core->scope->columns[expr->column_idx];
        if (column->table_oid != table->oid || column->attnum <= 0) return false;
        attnums[key_idx] = column->attnum;
        descending[key_idx] = key->descending;
        nulls_first[key_idx] = key->nulls_first;
        not_null &= table->columns[column->attnum - 1].not_null;
    }
    uint32_t candidate_count = table->index_count + 1u;
    for (uint32_t cand_idx = 0; cand_idx < candidate_count; cand_idx++) {
        bool cluster = cand_idx == table->index_count;
        if (cluster && table->cluster_attnum <= 0) continue;
        const CatIndex *index = cluster ? NULL : table->indexes[cand_idx];
        bool same = scan->kind == PLAN_INDEX_SCAN && scan->index == index;
        if (scan->kind == PLAN_INDEX_SCAN && !same) continue;
        if (!same && !cluster && select->limit == NULL) continue;
        uint32_t eq_count = same ? scan->bounds.eq_count : 0;
        for (uint32_t start = 0; start <= eq_count; start++) {
            bool backward = false;
            bool matches =
                cluster ? order_matches_key(attnums, descending, nulls_first, count,
                                            &table->cluster_attnum, NULL, NULL, 1, start, true,
                                            &backward)
                        : order_matches_key(attnums, descending, nulls_first, count,
                                            index->attnums, index->descending, index->nulls_first,
                                            index->key_count, start, not_null, &backward);
            if (!matches) continue;
            if (!same) {
                scan->kind = PLAN_INDEX_SCAN;
                scan->index = index;
                scan->bounds = (IndexBounds){ 0 };
            }
            scan->bounds.backward = backward;
            return true;
        }
    }
    return false;
}

static Error *core_build(BindCtx *ctx, const AstSelect *select, CoreState *core,
                         Plan **plan_out, PlanColumn **origins_out)
{
    BindScope *scope = core->scope;
    FromClause *from = &core->from;
    uint32_t canonical_count = from->column_count;
    bool *used = bind_alloc(ctx, (canonical_count + 1) * sizeof *used);
    if (used == NULL) return oom_error();
    OrderState *order = &core->order;
    if (core->agg != NULL) {
        mark_agg_inputs(core->agg, used, canonical_count);
    } else {
        for (uint32_t col_idx = 0; col_idx < order->count; col_idx++) {
            expr_mark_columns(order->exprs[col_idx], used, canonical_count);
        }
        for (uint32_t srf_idx = 0; srf_idx < core->srf.count; srf_idx++) {
            expr_mark_columns(core->srf.calls[srf_idx], used, canonical_count);
        }
        for (uint32_t call_idx = 0; core->window != NULL && call_idx < core->window->count;
             call_idx++) {
            const WindowCall *call = &core->window->calls[call_idx];
            for (uint32_t arg_idx = 0; arg_idx < call->arg_count; arg_idx++) {
                expr_mark_columns(call->args[arg_idx], used, canonical_count);
            }
            expr_mark_columns(call->filter, used, canonical_count);
            for (uint32_t part_idx = 0; part_idx < call->partition_count; part_idx++) {
                expr_mark_columns(call->partition[part_idx], used, canonical_count);
            }
            for (uint32_t order_idx = 0; order_idx < call->order_count; order_idx++) {
                expr_mark_columns(call->order[order_idx].expr, used, canonical_count);
            }
        }
    }
    Built built;
    TRY(build_from(ctx, from, core->conds, core->cond_count, used, &built));
    bool sorted = index_gives_order(core, select, built.plan);
    Plan *plan = NULL;
    const uint32_t *map = NULL;
    bool has_window = core->window != NULL && core->window->count > 0;
    if (select->locking != NULL) {
        const char *what = core->agg != NULL ? (core->agg->agg_count > 0 ? "aggregate functions"
                                                                         : "GROUP BY clause")
                           : select->distinct ? "DISTINCT clause"
                           : has_window       ? "window functions"
                                              : NULL;
        if (what != NULL) {
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, select->position,
                          "FOR UPDATE is not allowed with %s", what);
        }
        TRY(apply_locking(ctx, select->locking, built.plan));
    }
    if (core->agg != NULL) {
        TRY(build_agg_node(ctx, core->agg, &built, canonical_count, &plan));
    } else if (has_window) {
        plan = built_canonical(ctx, from, scope, &built);
        if (plan == NULL) return oom_error();
    } else {
        plan = built.plan;
        map = built_map(ctx, &built, canonical_count);
        if (map == NULL) return oom_error();
    }
    if (core->having != NULL) {
        plan = make_filter(ctx, plan, core->having);
        if (plan == NULL) return oom_error();
    }
    if (has_window) {
        uint32_t base = plan->column_count;
        for (uint32_t col_idx = 0; col_idx < order->count; col_idx++) {
            fix_window_columns(order->exprs[col_idx], base);
        }
        for (uint32_t srf_idx = 0; srf_idx < core->srf.count; srf_idx++) {
            fix_window_columns(core->srf.calls[srf_idx], base);
        }
        TRY(add_windows(ctx, core->window, &plan));
    }
    uint32_t srf_base = plan->column_count;
    if (core->srf.count > 0) TRY(add_project_set(ctx, &core->srf, map, &plan));
    Expr **exprs = bind_alloc(ctx, (order->count + 1) * sizeof *exprs);
    if (exprs == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < order->count; col_idx++) {
        exprs[col_idx] = map != NULL ? expr_remap(ctx, order->exprs[col_idx], map)
                                     : order->exprs[col_idx];
        if (exprs[col_idx] == NULL) return oom_error();
        if (core->srf.count > 0) fix_srf_columns(exprs[col_idx], srf_base);
    }
    plan = make_project(ctx, plan, exprs, order->names, order->count);
    if (plan == NULL) return oom_error();
    bool hidden = order->count > order->visible_count;
    if (select->distinct_on != NULL) {
        TRY(build_distinct_on(ctx, core, &plan));
    } else if (select->distinct) {
        if (hidden) {
            return err_at(SQLSTATE_INVALID_COLUMN_REFERENCE, select->position,
                          "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
        }
        Plan *distinct = plan_node(ctx, PLAN_HASH_AGG, plan, plan->column_count);
        if (distinct == NULL) return oom_error();
        plan_copy_columns(ctx, distinct, plan);
        distinct->group_count = plan->column_count;
        distinct->group_exprs = bind_alloc(ctx, (plan->column_count + 1) * sizeof(Expr *));
        if (distinct->group_exprs == NULL) return oom_error();
        for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
            distinct->group_exprs[col_idx] = bind_column_ref(ctx, col_idx, plan->types[col_idx]);
            if (distinct->group_exprs[col_idx] == NULL) return oom_error();
        }
        distinct->est_rows = plan->est_rows;
        distinct->est_cost = plan->est_cost + plan->est_rows;
        plan = distinct;
    }
    if (order->key_count > 0 && !sorted) {
        Plan *sort = plan_node(ctx, PLAN_SORT, plan, plan->column_count);
        if (sort == NULL) return oom_error();
        plan_copy_columns(ctx, sort, plan);
        sort->sort_count = order->key_count;
        sort->sort_keys = order->keys;
        sort->est_rows = plan->est_rows;
        sort->est_cost = plan->est_cost + plan->est_rows * 2;
        plan = sort;
    }
    TRY(add_limit(ctx, scope, select, &plan));
    if (hidden) {
        Expr **visible = bind_alloc(ctx, (order->visible_count + 1) * sizeof *visible);
        if (visible == NULL) return oom_error();
        for (uint32_t col_idx = 0; col_idx < order->visible_count; col_idx++) {
            visible[col_idx] = bind_column_ref(ctx, col_idx, plan->types[col_idx]);
            if (visible[col_idx] == NULL) return oom_error();
        }
        plan = make_project(ctx, plan, visible, order->names, order->visible_count);
        if (plan == NULL) return oom_error();
    }
    if (origins_out != NULL) {
        TRY(core_origins(ctx, scope, &core->targets, core->agg != NULL, origins_out));
    }
    *plan_out = plan;
    return NULL;
}

static Error *plan_core(BindCtx *ctx, BindScope *holder, BindScope *parent,
                        const AstSelect *select, bool resolve_unknowns, Plan **plan_out,
                        PlanColumn **origins_out)
{
    CoreState *core = bind_alloc(ctx, sizeof *core);
    if (core == NULL) return oom_error();
    Error *err = core_bind(ctx, holder, parent, select, resolve_unknowns, core);
    if (err == NULL) err = core_build(ctx, select, core, plan_out, origins_out);
    if (core->scope != NULL) scope_sync_out(core->scope, holder);
    return err;
}

/* ------------------------------------------------------------------ VALUES ---- */

static Error *plan_values(BindCtx *ctx, BindScope *holder, const AstSelect *select,
                          bool resolve_unknowns, Plan **plan_out)
{
    int row_count = ast_list_count(select->values);
    const AstList *first = select->values->items[0];
    int column_count = ast_list_count(first);
    BindScope *scope = scope_new(ctx, holder != NULL ? holder->parent : NULL, holder);
    if (scope == NULL) return oom_error();
    Plan *plan = plan_node(ctx, PLAN_VALUES, NULL, (uint32_t)column_count);
    if (plan == NULL) return oom_error();
    TRY(finish_plan_types(ctx, plan));
    plan->names = bind_alloc(ctx, ((size_t)column_count + 1) * sizeof *plan->names);
    plan->value_rows = bind_alloc(ctx, (size_t)row_count * sizeof *plan->value_rows);
    Expr **column = bind_alloc(ctx, (size_t)row_count * sizeof *column);
    if (plan->names == NULL || plan->value_rows == NULL || column == NULL) return oom_error();
    plan->value_row_count = (uint32_t)row_count;
    BindAgg no_agg = { .input = scope, .allowed = false, .clause = "VALUES" };
    scope->agg = &no_agg;
    Error *err = NULL;
    for (int row_idx = 0; row_idx < row_count && err == NULL; row_idx++) {
        const AstList *row = select->values->items[row_idx];
        if (ast_list_count(row) != column_count) {
            const AstExpr *at = ast_list_count(row) > 0 ? row->items[0] : NULL;
            err = err_at(SQLSTATE_SYNTAX_ERROR, at != NULL ? at->position : select->position,
                         "VALUES lists must all be the same length");
            break;
        }
        plan->value_rows[row_idx] = bind_alloc(ctx, ((size_t)column_count + 1) * sizeof(Expr *));
        if (plan->value_rows[row_idx] == NULL) {
            err = oom_error();
            break;
        }
        for (int col_idx = 0; col_idx < column_count && err == NULL; col_idx++) {
            const AstExpr *cell = row->items[col_idx];
            if (cell->kind == AST_EXPR_DEFAULT) {
                err = err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, cell->position,
                             "DEFAULT is not allowed in this context");
                break;
            }
            err = bind_expr(ctx, scope, cell, &plan->value_rows[row_idx][col_idx]);
        }
    }
    scope->agg = NULL;
    scope_sync_out(scope, holder);
    if (err != NULL) return err;
    for (int col_idx = 0; col_idx < column_count; col_idx++) {
        for (int row_idx = 0; row_idx < row_count; row_idx++) {
            column[row_idx] = plan->value_rows[row_idx][col_idx];
        }
        Type type;
        TRY(bind_common_type(ctx, column, (uint32_t)row_count, "VALUES", &type));
        if (type.id == TYPE_UNKNOWN && resolve_unknowns) type = type_plain(TYPE_TEXT);
        for (int row_idx = 0; row_idx < row_count; row_idx++) {
            Expr **cell = &plan->value_rows[row_idx][col_idx];
            if (!type_equal((*cell)->type, type)) {
                TRY(bind_coerce(ctx, *cell, type, false, NULL, cell));
            }
        }
        plan->types[col_idx] = type;
        char name[32];
        snprintf(name, sizeof name, "column%d", col_idx + 1);
        plan->names[col_idx] = bind_strdup(ctx, name);
        if (plan->names[col_idx] == NULL) return oom_error();
    }
    plan->est_rows = row_count;
    plan->est_cost = row_count * 0.01;
    *plan_out = plan;
    return NULL;
}

/* ------------------------------------------------------------------ set operations ---- */

static Error *coerce_plan_columns(BindCtx *ctx, Plan **plan, const Type *types)
{
    Plan *child = *plan;
    bool differs = false;
    for (uint32_t col_idx = 0; col_idx < child->column_count; col_idx++) {
        if (!type_equal(child->types[col_idx], types[col_idx])) differs = true;
    }
    if (!differs) return NULL;
    Expr **exprs = bind_alloc(ctx, (child->column_count + 1) * sizeof *exprs);
    if (exprs == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < child->column_count; col_idx++) {
        Expr *column = bind_column_ref(ctx, col_idx, child->types[col_idx]);
        if (column == NULL) return oom_error();
        if (!type_equal(child->types[col_idx], types[col_idx])) {
            TRY(bind_coerce(ctx, column, types[col_idx], false, NULL, &column));
        }
        exprs[col_idx] = column;
    }
    *plan = make_project(ctx, child, exprs, child->names, child->column_count);
    return *plan == NULL ? oom_error() : NULL;
}

static const char *setop_name(AstSetOp op)
{
    return op == AST_SETOP_UNION ? "UNION" : op == AST_SETOP_INTERSECT ? "INTERSECT" : "EXCEPT";
}

static Error *plan_query_body(BindCtx *ctx, BindScope *holder, BindScope *parent,
                              const AstSelect *select, bool resolve_unknowns, Plan **plan_out,
                              PlanColumn **origins_out);

static Error *plan_setop(BindCtx *ctx, BindScope *holder, BindScope *parent,
                         const AstSelect *select, Plan **plan_out, PlanColumn **origins_out)
{
    Plan *left = NULL, *right = NULL;
    TRY(plan_query_body(ctx, holder, parent, select->left, true, &left, origins_out));
    TRY(plan_query_body(ctx, holder, parent, select->right, true, &right, NULL));
    if (left->column_count != right->column_count) {
        return err_at(SQLSTATE_SYNTAX_ERROR, select->position,
                      "each %s query must have the same number of columns",
                      setop_name(select->setop));
    }
    uint32_t count = left->column_count;
    Type *types = bind_alloc(ctx, (count + 1) * sizeof *types);
    if (types == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < count; col_idx++) {
        Expr *pair[2];
        pair[0] = bind_column_ref(ctx, col_idx, left->types[col_idx]);
        pair[1] = bind_column_ref(ctx, col_idx, right->types[col_idx]);
        if (pair[0] == NULL || pair[1] == NULL) return oom_error();
        TRY(bind_common_type(ctx, pair, 2, setop_name(select->setop), &types[col_idx]));
        if (types[col_idx].id == TYPE_UNKNOWN) types[col_idx] = type_plain(TYPE_TEXT);
    }
    TRY(coerce_plan_columns(ctx, &left, types));
    TRY(coerce_plan_columns(ctx, &right, types));
    Plan *node = plan_node(ctx, PLAN_SETOP, left, count);
    if (node == NULL) return oom_error();
    node->right = right;
    node->types = types;
    node->names = left->names;
    node->setop = select->setop == AST_SETOP_UNION       ? SETOP_UNION
                  : select->setop == AST_SETOP_INTERSECT ? SETOP_INTERSECT
                                                         : SETOP_EXCEPT;
    node->setop_all = select->setop_all;
    node->est_rows = left->est_rows + (node->setop == SETOP_UNION ? right->est_rows : 0);
    node->est_cost = left->est_cost + right->est_cost + node->est_rows;
    if (origins_out != NULL && *origins_out != NULL) {
        for (uint32_t col_idx = 0; col_idx < count; col_idx++) {
            (*origins_out)[col_idx].type = types[col_idx];
            (*origins_out)[col_idx].table_oid = 0;
            (*origins_out)[col_idx].attnum = 0;
        }
    }
    *plan_out = node;
    return NULL;
}

/* ORDER BY of a set operation or VALUES: output column names and ordinals only. */
static Error *plan_outer_order(BindCtx *ctx, const AstSelect *select, Plan **plan)
{
    int count = ast_list_count(select->order_by);
    if (count == 0) return NULL;
    Plan *child = *plan;
    Plan *sort = plan_node(ctx, PLAN_SORT, child, child->column_count);
    if (sort == NULL) return oom_error();
    plan_copy_columns(ctx, sort, child);
    sort->sort_keys = bind_alloc(ctx, (size_t)count * sizeof *sort->sort_keys);
    if (sort->sort_keys == NULL) return oom_error();
    for (int item_idx = 0; item_idx < count; item_idx++) {
        const AstSortBy *item = select->order_by->items[item_idx];
        const AstExpr *ast = item->expr;
        uint32_t col_idx = UINT32_MAX;
        if (ast->kind == AST_EXPR_INTEGER) {
            int64_t ordinal = ast->int_fits ? ast->int_value : 0;
            if (ordinal < 1 || ordinal > (int64_t)child->column_count) {
                return err_at(SQLSTATE_INVALID_COLUMN_REFERENCE, ast->position,
                              "ORDER BY position %s is not in select list", ast->text);
            }
            col_idx = (uint32_t)(ordinal - 1);
        } else if (ast->kind == AST_EXPR_COLUMN && ast->names->count == 1) {
            for (uint32_t name_idx = 0; name_idx < child->column_count; name_idx++) {
                if (child->names != NULL && child->names[name_idx] != NULL &&
                    strcmp(child->names[name_idx], ast->names->items[0]) == 0) {
                    col_idx = name_idx;
                    break;
                }
            }
            if (col_idx == UINT32_MAX) {
                return err_at(SQLSTATE_UNDEFINED_COLUMN, ast->position,
                              "column \"%s\" does not exist", (const char *)ast->names->items[0]);
            }
        } else {
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                          "invalid UNION/INTERSECT/EXCEPT ORDER BY clause");
        }
        SortKey *key = &sort->sort_keys[sort->sort_count++];
        key->expr = bind_column_ref(ctx, col_idx, child->types[col_idx]);
        if (key->expr == NULL) return oom_error();
        sort_flags(item, key);
    }
    sort->est_rows = child->est_rows;
    sort->est_cost = child->est_cost + child->est_rows * 2;
    *plan = sort;
    return NULL;
}

/* ------------------------------------------------------------------ WITH ---- */

static Error *register_cte_plan(BindCtx *ctx, Plan *plan, uint32_t *idx_out)
{
    if (ctx->cte_count == ctx->cte_capacity) {
        uint32_t capacity = ctx->cte_capacity * 2 + 4;
        Plan **ctes = bind_alloc(ctx, capacity * sizeof *ctes);
        if (ctes == NULL) return oom_error();
        if (ctx->cte_count > 0) memcpy(ctes, ctx->ctes, ctx->cte_count * sizeof *ctes);
        ctx->ctes = ctes;
        ctx->cte_capacity = capacity;
    }
    ctx->ctes[ctx->cte_count] = plan;
    *idx_out = ctx->cte_count++;
    return NULL;
}

static Error *cte_set_columns(BindCtx *ctx, CteDef *def, const Plan *plan)
{
    const AstCte *ast = def->ast;
    int named = ast_list_count(ast->columns);
    if (named > (int)plan->column_count) {
        return err_at(SQLSTATE_INVALID_COLUMN_REFERENCE, ast->position,
                      "WITH query \"%s\" has %u columns available but %d columns specified",
                      ast->name, plan->column_count, named);
    }
    def->column_count = plan->column_count;
    def->types = plan->types;
    def->names = bind_alloc(ctx, (plan->column_count + 1) * sizeof *def->names);
    if (def->names == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
        def->names[col_idx] = (int)col_idx < named ? ast->columns->items[col_idx]
                              : plan->names != NULL ? plan->names[col_idx]
                                                    : "?column?";
    }
    return NULL;
}

static void count_recursive_term(const Plan *plan, uint32_t *work_out, bool *agg_out)
{
    if (plan == NULL) return;
    if (plan->kind == PLAN_WORK_SCAN) (*work_out)++;
    if (plan->kind == PLAN_HASH_AGG) *agg_out = true;
    if (plan->kind == PLAN_RECURSIVE_UNION) return;   /* a nested recursive query of its own */
    count_recursive_term(plan->left, work_out, agg_out);
    count_recursive_term(plan->right, work_out, agg_out);
}

/* check_recursive_term: PostgreSQL's limits on the recursive term (a term that aggregates its
 * own output would never end): one reference, not inside a subquery, no aggregation. */
static Error *check_recursive_term(const CteDef *def, const Plan *recursive, uint32_t refs,
                                   int position)
{
    uint32_t work_count = 0;
    bool aggregates = false;
    count_recursive_term(recursive, &work_count, &aggregates);
    if (refs > 1) {
        return err_at(SQLSTATE_RECURSION_ERROR, position,
                      "recursive reference to query \"%s\" must not appear more than once",
                      def->name);
    }
    if (work_count < refs) {
        return err_at(SQLSTATE_RECURSION_ERROR, position,
                      "recursive reference to query \"%s\" must not appear within a subquery",
                      def->name);
    }
    if (aggregates) {
        return err_at(SQLSTATE_RECURSION_ERROR, position,
                      "aggregate functions are not allowed in a recursive query's recursive "
                      "term");
    }
    return NULL;
}

static Error *plan_recursive_cte(BindCtx *ctx, CteDef *def, Plan **plan_out, bool *done_out)
{
    const AstSelect *query = def->ast->query;
    *done_out = false;
    if (query->kind != AST_SELECT_SETOP || query->setop != AST_SETOP_UNION ||
        query->order_by != NULL || query->limit != NULL || query->with != NULL) {
        return NULL;
    }
    BindScope *holder = scope_new(ctx, NULL, NULL);
    if (holder == NULL) return oom_error();
    Plan *anchor = NULL;
    TRY(plan_query_body(ctx, holder, NULL, query->left, true, &anchor, NULL));
    TRY(cte_set_columns(ctx, def, anchor));
    def->recursive_ref = true;
    uint32_t refs_before = def->cte_idx;   /* reused as a reference counter below */
    def->cte_idx = 0;
    Plan *recursive = NULL;
    Error *err = plan_query_body(ctx, holder, NULL, query->right, true, &recursive, NULL);
    uint32_t refs = def->cte_idx;
    def->cte_idx = refs_before;
    def->recursive_ref = false;
    if (err != NULL) return err;
    if (refs == 0) return NULL;    /* not recursive after all: plan it as a plain UNION */
    TRY(check_recursive_term(def, recursive, refs, query->right->position));
    if (recursive->column_count != anchor->column_count) {
        return err_at(SQLSTATE_SYNTAX_ERROR, query->position,
                      "each UNION query must have the same number of columns");
    }
    TRY(coerce_plan_columns(ctx, &recursive, anchor->types));
    Plan *node = plan_node(ctx, PLAN_RECURSIVE_UNION, anchor, anchor->column_count);
    if (node == NULL) return oom_error();
    plan_copy_columns(ctx, node, anchor);
    node->right = recursive;
    node->setop = SETOP_UNION;
    node->setop_all = query->setop_all;
    node->est_rows = anchor->est_rows * 10;
    node->est_cost = anchor->est_cost + recursive->est_cost * 10;
    *plan_out = node;
    *done_out = true;
    return NULL;
}

/* plan_modifying_cte: WITH x AS (INSERT / UPDATE / DELETE ... [RETURNING ...]): the DML's
 * plan is the CTE's plan (its rows are the RETURNING rows); only the statement's own WITH may
 * hold one (PostgreSQL's rule). */
static Error *plan_modifying_cte(BindCtx *ctx, const AstWith *with, CteDef *def, Plan **plan_out)
{
    QueryEnv *env = query_env(ctx);
    const AstCte *ast = def->ast;
    if (with != env->top_with) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "WITH clause containing a data-modifying statement must be at the top "
                      "level");
    }
    PlannedStmt sub = { 0 };
    CteDef *saved_ctes = env->ctes;
    env->top_with = NULL;          /* a WITH inside the DML is not at the top level */
    Error *err = NULL;
    switch (ast->dml->kind) {
    case AST_STMT_INSERT: err = plan_insert(ctx, ast->dml->u.insert, &sub); break;
    case AST_STMT_UPDATE: err = plan_update(ctx, ast->dml->u.update, &sub); break;
    case AST_STMT_DELETE: err = plan_delete(ctx, ast->dml->u.delete_, &sub); break;
    default:
        err = err_at(SQLSTATE_SYNTAX_ERROR, ast->position, "unexpected statement in WITH");
        break;
    }
    env->ctes = saved_ctes;
    env->top_with = with;
    if (err != NULL) return err;
    def->no_returning = sub.column_count == 0;
    env->cte_modifying = true;
    *plan_out = sub.root;
    return NULL;
}

Error *plan_with(BindCtx *ctx, const AstWith *with)
{
    QueryEnv *env = query_env(ctx);
    for (int cte_idx = 0; cte_idx < ast_list_count(with->ctes); cte_idx++) {
        const AstCte *ast = with->ctes->items[cte_idx];
        for (CteDef *other = env->ctes; other != NULL; other = other->next) {
            if (other->planned && other->ast != NULL && other->ast != ast &&
                strcmp(other->name, ast->name) == 0) {
                bool same_with = false;
                for (int prev = 0; prev < cte_idx; prev++) {
                    if (with->ctes->items[prev] == other->ast) same_with = true;
                }
                if (same_with) {
                    return err_at(SQLSTATE_DUPLICATE_ALIAS, ast->position,
                                  "WITH query name \"%s\" specified more than once", ast->name);
                }
            }
        }
        CteDef *def = bind_alloc(ctx, sizeof *def);
        if (def == NULL) return oom_error();
        def->name = ast->name;
        def->ast = ast;
        Plan *plan = NULL;
        bool done = ast->dml != NULL;
        if (ast->dml != NULL) TRY(plan_modifying_cte(ctx, with, def, &plan));
        if (ast->dml != NULL) TRY(cte_set_columns(ctx, def, plan));
        if (with->recursive && ast->dml == NULL) {
            def->next = env->ctes;
            env->ctes = def;          /* visible to its own recursive term */
            Error *err = plan_recursive_cte(ctx, def, &plan, &done);
            env->ctes = def->next;
            if (err != NULL) return err;
        }
        if (!done) {
            BindScope *holder = scope_new(ctx, NULL, NULL);
            if (holder == NULL) return oom_error();
            TRY(plan_query(ctx, holder, NULL, ast->query, true, &plan));
            TRY(cte_set_columns(ctx, def, plan));
        }
        TRY(register_cte_plan(ctx, plan, &def->cte_idx));
        def->planned = true;
        def->next = env->ctes;
        env->ctes = def;
    }
    return NULL;
}

/* ------------------------------------------------------------------ entry points ---- */

static Error *plan_query_body(BindCtx *ctx, BindScope *holder, BindScope *parent,
                              const AstSelect *select, bool resolve_unknowns, Plan **plan_out,
                              PlanColumn **origins_out)
{
    QueryEnv *env = query_env(ctx);
    CteDef *saved_ctes = env->ctes;
    Error *err = NULL;
    if (select->with != NULL) err = plan_with(ctx, select->with);
    Plan *plan = NULL;
    if (err == NULL) {
        switch (select->kind) {
        case AST_SELECT_CORE:
            err = plan_core(ctx, holder, parent, select, resolve_unknowns, &plan, origins_out);
            break;
        case AST_SELECT_VALUES:
            err = plan_values(ctx, holder, select, resolve_unknowns, &plan);
            if (err == NULL) err = plan_outer_order(ctx, select, &plan);
            if (err == NULL) err = add_limit(ctx, holder, select, &plan);
            break;
        case AST_SELECT_SETOP:
            err = plan_setop(ctx, holder, parent, select, &plan, origins_out);
            if (err == NULL) err = plan_outer_order(ctx, select, &plan);
            if (err == NULL) err = add_limit(ctx, holder, select, &plan);
            break;
        }
    }
    env->ctes = saved_ctes;
    if (err != NULL) return err;
    if (origins_out != NULL && *origins_out == NULL) {
        PlanColumn *origins = bind_alloc(ctx, (plan->column_count + 1) * sizeof *origins);
        if (origins == NULL) return oom_error();
        for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
            origins[col_idx].name = plan->names != NULL ? plan->names[col_idx] : "?column?";
            origins[col_idx].type = plan->types[col_idx];
        }
        *origins_out = origins;
    }
    *plan_out = plan;
    return NULL;
}

Error *plan_query(BindCtx *ctx, BindScope *holder, BindScope *parent, const AstSelect *select,
                  bool resolve_unknowns, Plan **plan_out)
{
    return plan_query_body(ctx, holder, parent, select, resolve_unknowns, plan_out, NULL);
}

Error *bind_subquery_plan(BindCtx *ctx, BindScope *parent, const AstSelect *select,
                          Plan **plan_out, BindScope **sub_scope_out)
{
    BindScope *holder = scope_new(ctx, parent, NULL);
    if (holder == NULL) return oom_error();
    TRY(plan_query(ctx, holder, parent, select, true, plan_out));
    *sub_scope_out = holder;
    return NULL;
}

/* ---- CTE references (used by bind_query_from.c) ---- */

Error *plan_cte_reference(BindCtx *ctx, const char *name, Plan **plan_out,
                          const char *const **names_out)
{
    *plan_out = NULL;
    for (CteDef *def = query_env(ctx)->ctes; def != NULL; def = def->next) {
        if (strcmp(def->name, name) != 0) continue;
        if (!def->planned && !def->recursive_ref) continue;
        if (def->no_returning) {
            return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                           "WITH query \"%s\" does not have a RETURNING clause", name);
        }
        Plan *plan = plan_node(ctx, def->recursive_ref ? PLAN_WORK_SCAN : PLAN_CTE_SCAN, NULL,
                               def->column_count);
        if (plan == NULL) return oom_error();
        plan->types = def->types;
        plan->names = def->names;
        plan->est_rows = def->recursive_ref ? 100 : 1000;
        plan->est_cost = plan->est_rows * 0.01;
        if (def->recursive_ref) {
            def->cte_idx++;
        } else {
            plan->cte_idx = def->cte_idx;
            if (ctx->ctes[def->cte_idx] != NULL) {
                plan->est_rows = ctx->ctes[def->cte_idx]->est_rows;
            }
        }
        *plan_out = plan;
        *names_out = def->names;
        return NULL;
    }
    return NULL;
}

/* ------------------------------------------------------------------ plan_statement ---- */

Error *bind_ctx_init(PlanCtx *plan_ctx, BindCtx **ctx_out)
{
    BindCtx *ctx = arena_calloc(plan_ctx->arena, sizeof *ctx);
    QueryEnv *env = arena_calloc(plan_ctx->arena, sizeof *env);
    if (ctx == NULL || env == NULL) return oom_error();
    ctx->plan = plan_ctx;
    ctx->cte_env = env;
    uint32_t capacity = plan_ctx->param_count < 16 ? 16 : plan_ctx->param_count;
    ctx->param_types = arena_calloc(plan_ctx->arena, capacity * sizeof *ctx->param_types);
    if (ctx->param_types == NULL) return oom_error();
    ctx->param_capacity = capacity;
    ctx->param_count = plan_ctx->param_count;
    for (uint32_t param_idx = 0; param_idx < capacity; param_idx++) {
        ctx->param_types[param_idx] = type_plain(TYPE_INVALID);
    }
    for (uint32_t param_idx = 0; param_idx < plan_ctx->param_count; param_idx++) {
        if (plan_ctx->param_types != NULL) {
            ctx->param_types[param_idx] = plan_ctx->param_types[param_idx];
        }
    }
    *ctx_out = ctx;
    return NULL;
}

static Error *finish_planned(BindCtx *ctx, PlannedStmt *planned)
{
    planned->param_count = ctx->param_count;
    planned->param_types = bind_alloc(ctx, (ctx->param_count + 1) * sizeof(Type));
    if (planned->param_types == NULL) return oom_error();
    for (uint32_t param_idx = 0; param_idx < ctx->param_count; param_idx++) {
        Type type = ctx->param_types[param_idx];
        if (type.id == TYPE_INVALID || type.id == TYPE_UNKNOWN) type = type_plain(TYPE_TEXT);
        ctx->param_types[param_idx] = type;
        planned->param_types[param_idx] = type;
    }
    planned->cte_count = ctx->cte_count;
    planned->ctes = ctx->ctes;
    planned->cte_modifying = query_env(ctx)->cte_modifying;
    planned->for_update = query_env(ctx)->for_update;
    planned->table_count = ctx->table_count;
    planned->table_oids = ctx->table_oids;
    planned->table_written = ctx->table_written;
    planned->dep_count = ctx->dep_count;
    planned->deps = ctx->deps;
    return NULL;
}

Error *plan_statement(PlanCtx *plan_ctx, const AstStmt *stmt, PlannedStmt **planned_out)
{
    PlannedStmt *planned = arena_calloc(plan_ctx->arena, sizeof *planned);
    if (planned == NULL) return oom_error();
    planned->catalog_generation =
        plan_ctx->catalog != NULL ? catalog_generation(plan_ctx->catalog) : 0;
    BindCtx *ctx = NULL;
    TRY(bind_ctx_init(plan_ctx, &ctx));
    QueryEnv *env = query_env(ctx);
    switch (stmt->kind) {
    case AST_STMT_SELECT: env->top_with = stmt->u.select->with; break;
    case AST_STMT_INSERT: env->top_with = stmt->u.insert->with; break;
    case AST_STMT_UPDATE: env->top_with = stmt->u.update->with; break;
    case AST_STMT_DELETE: env->top_with = stmt->u.delete_->with; break;
    default: break;
    }
    switch (stmt->kind) {
    case AST_STMT_SELECT: {
        BindScope *holder = scope_new(ctx, NULL, NULL);
        if (holder == NULL) return oom_error();
        PlanColumn *origins = NULL;
        TRY(plan_query_body(ctx, holder, NULL, stmt->u.select, true, &planned->root, &origins));
        planned->kind = PLANNED_SELECT;
        planned->column_count = planned->root->column_count;
        planned->columns = origins;
        for (uint32_t col_idx = 0; col_idx < planned->column_count; col_idx++) {
            planned->columns[col_idx].type = planned->root->types[col_idx];
        }
        break;
    }
    case AST_STMT_INSERT:
        TRY(plan_insert(ctx, stmt->u.insert, planned));
        break;
    case AST_STMT_UPDATE:
        TRY(plan_update(ctx, stmt->u.update, planned));
        break;
    case AST_STMT_DELETE:
        TRY(plan_delete(ctx, stmt->u.delete_, planned));
        break;
    default:
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, stmt->position,
                      "statement cannot be planned");
    }
    TRY(finish_planned(ctx, planned));
    *planned_out = planned;
    return NULL;
}
