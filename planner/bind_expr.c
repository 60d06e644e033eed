/* planner/bind_expr.c: the expression binder: AST expressions -> typed Expr trees (plan.h).
 *
 * bind_expr dispatches on the AST kind. Grouped scopes come first: when the scope's BindAgg is
 * active (allowed: select list, HAVING, ORDER BY of a grouped query), any expression that
 * prints like a GROUP BY expression is that group column, so `a + 1` in the select list of
 * `GROUP BY a + 1` reads the aggregate node's output without looking inside.
 *
 * Names resolve in the scope, then its parents (correlation: the parent's expression goes to
 * scope->outer_args, deduplicated, and the reference becomes EXPR_OUTER). Operators, functions
 * and casts resolve through ctx->plan->resolver; the binder inserts EXPR_CAST nodes so every
 * call's arguments have the kernel's types (plan.h invariant 2). Syntactic sugar is desugared
 * here: BETWEEN, IN lists, NULLIF, simple CASE, GREATEST/LEAST, IS TRUE without a kernel.
 * Function calls live in bind_expr_func.c, sublinks in bind_expr_sublink.c, coercion in
 * bind_expr_coerce.c.
 */
#include <string.h>

#include "common/asserts.h"
#include "planner/bind_expr_int.h"
#include "planner/bind_expr_array.h"   /* arrays */

enum { BIND_COLUMN_NAME_PARTS_MAX = 3 };   /* schema.table.column */

static bool grouping_active(const BindScope *scope)
{
    return scope->agg != NULL && scope->agg != &bind_agg_nested && scope->agg->allowed;
}

/* ------------------------------------------------------------- scope copies ---- */

Error *bind_expr_in(BindCtx *ctx, BindScope *scope, BindAgg *agg, BindWindow *window,
                    const AstExpr *ast, Expr **expr_out)
{
    BindScope copy = *scope;
    copy.agg = agg;
    copy.window = window;
    Error *err = bind_expr(ctx, &copy, ast, expr_out);
    /* correlation found while binding in the copy belongs to the real scope */
    scope->outer_count = copy.outer_count;
    scope->outer_capacity = copy.outer_capacity;
    scope->outer_args = copy.outer_args;
    return err;
}

/* ------------------------------------------------------------------ params ---- */

static Error *param_slots(BindCtx *ctx, uint32_t count)
{
    if (count <= ctx->param_capacity) return NULL;
    uint32_t capacity = ctx->param_capacity < 8 ? 8 : ctx->param_capacity;
    while (capacity < count) capacity *= 2;
    Type *types = bind_alloc(ctx, sizeof(Type) * capacity);
    if (types == NULL) return bind_error_oom();
    for (uint32_t slot_idx = 0; slot_idx < capacity; slot_idx++) {
        types[slot_idx] = slot_idx < ctx->param_capacity ? ctx->param_types[slot_idx]
                                                         : type_plain(TYPE_INVALID);
    }
    ctx->param_types = types;
    ctx->param_capacity = capacity;
    return NULL;
}

void bind_param_type_set(BindCtx *ctx, uint32_t param_idx, Type type)
{
    if (param_idx < ctx->param_capacity && ctx->param_types[param_idx].id == TYPE_INVALID &&
        type.id != TYPE_UNKNOWN) {
        ctx->param_types[param_idx] = type;
    }
}

static Error *bind_param(BindCtx *ctx, const AstExpr *ast, Expr **expr_out)
{
    if (ast->param_idx < 1 || ast->param_idx > BIND_PARAM_COUNT_MAX) {
        return err_at(SQLSTATE_UNDEFINED_PARAMETER, ast->position,
                      "there is no parameter $%d", ast->param_idx);
    }
    uint32_t param_idx = (uint32_t)ast->param_idx - 1;
    TRY(param_slots(ctx, param_idx + 1));
    if (ctx->param_count < param_idx + 1) ctx->param_count = param_idx + 1;
    Type type = ctx->param_types[param_idx];
    const PlanCtx *plan = ctx->plan;
    if (type.id == TYPE_INVALID && plan->param_types != NULL && param_idx < plan->param_count &&
        plan->param_types[param_idx].id != TYPE_INVALID) {
        type = plan->param_types[param_idx];   /* declared by the client */
        ctx->param_types[param_idx] = type;
    }
    if (type.id == TYPE_INVALID) type = type_plain(TYPE_UNKNOWN);   /* inferred later */
    Expr *expr = bind_expr_new(ctx, EXPR_PARAM, type, ast->position);
    if (expr == NULL) return bind_error_oom();
    expr->param_idx = param_idx;
    *expr_out = expr;
    return NULL;
}

/* --------------------------------------------------------------- constants ---- */

static Error *bind_constant(BindCtx *ctx, const AstExpr *ast, Expr **expr_out)
{
    Expr *expr = NULL;
    switch (ast->kind) {
    case AST_EXPR_NULL:
        expr = bind_const_null(ctx, type_plain(TYPE_UNKNOWN));
        if (expr != NULL) expr->position = ast->position;
        break;
    case AST_EXPR_BOOL: {
        const char *text = ast->bool_value ? "true" : "false";
        expr = bind_const_text(ctx, type_plain(TYPE_BOOL), text, strlen(text), ast->position);
        break;
    }
    case AST_EXPR_INTEGER: {
        TypeId id = !ast->int_fits ? TYPE_NUMERIC
                    : (ast->int_value >= INT32_MIN && ast->int_value <= INT32_MAX) ? TYPE_INT4
                                                                                  : TYPE_INT8;
        expr = bind_const_text(ctx, type_plain(id), ast->text, ast->text_size, ast->position);
        break;
    }
    case AST_EXPR_NUMERIC:
        expr = bind_const_text(ctx, type_plain(TYPE_NUMERIC), ast->text, ast->text_size,
                               ast->position);
        break;
    case AST_EXPR_STRING:
        expr = bind_const_text(ctx, type_plain(TYPE_UNKNOWN), ast->text, ast->text_size,
                               ast->position);
        break;
    default:
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "bit string constants are not supported");
    }
    if (expr == NULL) return bind_error_oom();
    *expr_out = expr;
    return NULL;
}

/* ----------------------------------------------------------------- columns ---- */

static bool exprs_same(const Expr *a, const Expr *b)
{
    if (a->kind != b->kind || !type_equal(a->type, b->type)) return false;
    switch (a->kind) {
    case EXPR_COLUMN: return a->column_idx == b->column_idx;
    case EXPR_OUTER: return a->outer_idx == b->outer_idx;
    default: return a == b;
    }
}

/* outer_ref: the EXPR_OUTER of scope for parent_expr (an expression in scope->parent's terms),
 * appending it to scope->outer_args unless already there. */
static Error *outer_ref(BindCtx *ctx, BindScope *scope, Expr *parent_expr, int position,
                        Expr **expr_out)
{
    uint32_t outer_idx = 0;
    while (outer_idx < scope->outer_count &&
           !exprs_same(scope->outer_args[outer_idx], parent_expr)) {
        outer_idx++;
    }
    if (outer_idx == scope->outer_count) {
        if (scope->outer_count == scope->outer_capacity) {
            uint32_t capacity = scope->outer_capacity < 4 ? 4 : scope->outer_capacity * 2;
            Expr **args = bind_alloc(ctx, sizeof(Expr *) * capacity);
            if (args == NULL) return bind_error_oom();
            if (scope->outer_count > 0) {
                memcpy(args, scope->outer_args, sizeof(Expr *) * scope->outer_count);
            }
            scope->outer_args = args;
            scope->outer_capacity = capacity;
        }
        scope->outer_args[scope->outer_count++] = parent_expr;
    }
    Expr *expr = bind_expr_new(ctx, EXPR_OUTER, parent_expr->type, position);
    if (expr == NULL) return bind_error_oom();
    expr->outer_idx = outer_idx;
    *expr_out = expr;
    return NULL;
}

static int match_group_key(BindCtx *ctx, const BindAgg *agg, const AstExpr *ast)
{
    if (agg->group_count == 0 || agg->group_keys == NULL) return -1;
    char *key = ast_print_expr(ctx->plan->arena, ast);
    if (key == NULL) return -1;
    for (uint32_t group_idx = 0; group_idx < agg->group_count; group_idx++) {
        if (agg->group_keys[group_idx] != NULL && strcmp(agg->group_keys[group_idx], key) == 0) {
            return (int)group_idx;
        }
    }
    return -1;
}

/* match_group_column: the group whose expression is exactly FROM column column_idx (so `t.b`
 * finds GROUP BY b), -1 if none. */
static int match_group_column(const BindAgg *agg, uint32_t column_idx)
{
    for (uint32_t group_idx = 0; group_idx < agg->group_count; group_idx++) {
        const Expr *group = agg->group_exprs[group_idx];
        if (group != NULL && group->kind == EXPR_COLUMN && group->column_idx == column_idx) {
            return (int)group_idx;
        }
    }
    return -1;
}

static Error *group_column(BindCtx *ctx, const BindAgg *agg, uint32_t group_idx, int position,
                           Expr **expr_out)
{
    Expr *expr = bind_column_ref(ctx, group_idx, agg->group_exprs[group_idx]->type);
    if (expr == NULL) return bind_error_oom();
    expr->position = position;
    *expr_out = expr;
    return NULL;
}

/* column_here: the column of level scope named (qualifier, name); *found_out false if the
 * level has none (and no decisive error). */
static Error *column_here(BindCtx *ctx, BindScope *level, const AstExpr *ast,
                          const char *qualifier, const char *name, bool *found_out,
                          Expr **expr_out)
{
    *found_out = false;
    bool range_found = false;
    int match_idx = -1, match_count = 0, merged_idx = -1;
    for (uint32_t column_idx = 0; column_idx < level->column_count; column_idx++) {
        const BindColumn *column = &level->columns[column_idx];
        if (qualifier != NULL) {
            if (column->range_name == NULL || strcmp(column->range_name, qualifier) != 0) continue;
            range_found = true;
        }
        if (column->name == NULL || strcmp(column->name, name) != 0) continue;
        if (match_idx < 0) match_idx = (int)column_idx;
        if (column->ambiguous_ok && merged_idx < 0) merged_idx = (int)column_idx;
        match_count++;
    }
    if (match_count > 1) {
        if (merged_idx < 0) {
            if (qualifier != NULL) {
                return err_at(SQLSTATE_AMBIGUOUS_COLUMN, ast->position,
                              "column reference \"%s.%s\" is ambiguous", qualifier, name);
            }
            return err_at(SQLSTATE_AMBIGUOUS_COLUMN, ast->position,
                          "column reference \"%s\" is ambiguous", name);
        }
        match_idx = merged_idx;
    }
    if (match_idx < 0) {
        if (range_found) {
            return err_at(SQLSTATE_UNDEFINED_COLUMN, ast->position,
                          "column %s.%s does not exist", qualifier, name);
        }
        return NULL;
    }
    *found_out = true;
    const BindColumn *column = &level->columns[match_idx];
    bind_note_column(ctx, column);
    bind_rename_note_column(ctx, ast, column);
    if (grouping_active(level)) {
        int group_idx = match_group_key(ctx, level->agg, ast);
        if (group_idx < 0) group_idx = match_group_column(level->agg, (uint32_t)match_idx);
        if (group_idx >= 0) return group_column(ctx, level->agg, (uint32_t)group_idx,
                                                ast->position, expr_out);
        if (column->range_name != NULL) {
            return err_at(SQLSTATE_GROUPING_ERROR, ast->position,
                          "column \"%s.%s\" must appear in the GROUP BY clause or be used in "
                          "an aggregate function", column->range_name, name);
        }
        return err_at(SQLSTATE_GROUPING_ERROR, ast->position,
                      "column \"%s\" must appear in the GROUP BY clause or be used in an "
                      "aggregate function", name);
    }
    Expr *expr = bind_column_ref(ctx, (uint32_t)match_idx, column->type);
    if (expr == NULL) return bind_error_oom();
    expr->position = ast->position;
    *expr_out = expr;
    return NULL;
}

/* column_in: resolve in level or, failing that, its ancestors (wrapping an ancestor's column
 * into level's outer_args). */
static Error *column_in(BindCtx *ctx, BindScope *level, const AstExpr *ast, const char *qualifier,
                        const char *name, bool *found_out, Expr **expr_out)
{
    TRY(column_here(ctx, level, ast, qualifier, name, found_out, expr_out));
    if (*found_out || level->parent == NULL) return NULL;
    Expr *parent_expr = NULL;
    TRY(column_in(ctx, level->parent, ast, qualifier, name, found_out, &parent_expr));
    if (!*found_out) return NULL;
    return outer_ref(ctx, level, parent_expr, ast->position, expr_out);
}

static Error *bind_column(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    int part_count = ast_list_count(ast->names);
    if (part_count < 1 || part_count > BIND_COLUMN_NAME_PARTS_MAX) {
        return err_at(SQLSTATE_SYNTAX_ERROR, ast->position,
                      "improper qualified name (too many dotted names)");
    }
    const char *name = ast->names->items[part_count - 1];
    const char *qualifier = part_count >= 2 ? ast->names->items[part_count - 2] : NULL;
    bool found = false;
    TRY(column_in(ctx, scope, ast, qualifier, name, &found, expr_out));
    if (found) return NULL;
    if (qualifier != NULL) {
        return err_at(SQLSTATE_UNDEFINED_TABLE, ast->position,
                      "missing FROM-clause entry for table \"%s\"", qualifier);
    }
    return err_at(SQLSTATE_UNDEFINED_COLUMN, ast->position, "column \"%s\" does not exist", name);
}

/* --------------------------------------------------------------- operators ---- */

/* resolves: the resolver has name over the arguments' types (no error kept). */
static bool resolves(BindCtx *ctx, const char *name, Expr *const *args, uint32_t arg_count)
{
    Type types[PLAN_FUNC_ARG_MAX];
    if (arg_count > PLAN_FUNC_ARG_MAX) return false;
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) types[arg_idx] = args[arg_idx]->type;
    const PlanResolver *resolver = ctx->plan->resolver;
    PlanFunc func;
    Error *err = resolver->func(resolver->ctx, name, types, arg_count, &func);
    if (err == NULL) return true;
    err_free(err);
    return false;
}

/* concat_operands: `text || anynonarray` (PostgreSQL's textanycat / anytextcat): when one
 * operand is a string (or an unknown literal) and the other a non-string value, the other one is
 * converted to text by its output function; the unknown side then becomes text too. */
static Error *concat_operands(BindCtx *ctx, Expr **args)
{
    for (int side = 0; side < 2; side++) {
        Expr *self = args[side], *other = args[1 - side];
        bool other_string = type_is_string(other->type.id) || other->type.id == TYPE_UNKNOWN;
        bool self_plain = !type_is_string(self->type.id) && self->type.id != TYPE_UNKNOWN &&
                          self->type.id != TYPE_BYTEA && type_array_elem(self->type.id) == 0 &&
                          self->type.id != TYPE_JSONB; /* jsonb || jsonb */
        if (other_string && self_plain) {
            TRY(bind_coerce(ctx, self, type_plain(TYPE_TEXT), true, NULL, &args[side]));
            if (other->type.id == TYPE_UNKNOWN) {
                TRY(bind_coerce(ctx, other, type_plain(TYPE_TEXT), false, NULL, &args[1 - side]));
            }
            return NULL;
        }
    }
    return NULL;
}

Error *bind_operator(BindCtx *ctx, const char *op, Expr *left, Expr *right, int position,
                     Expr **expr_out)
{
    if (strcmp(op, "!=") == 0) op = "<>";
    uint32_t arg_count = right == NULL ? 1 : 2;
    Expr *args[2] = { left, right };
    bool symbolic = !((op[0] >= 'a' && op[0] <= 'z') || (op[0] >= 'A' && op[0] <= 'Z'));
    if (arg_count == 2 && left->type.id == TYPE_UNKNOWN && right->type.id == TYPE_UNKNOWN) {
        /* PostgreSQL: two unknown operands are assumed to be text */
        TRY(bind_coerce(ctx, left, type_plain(TYPE_TEXT), false, NULL, &args[0]));
        TRY(bind_coerce(ctx, right, type_plain(TYPE_TEXT), false, NULL, &args[1]));
    } else if (arg_count == 2 && strcmp(op, "||") == 0) {
        TRY(concat_operands(ctx, args));
    }
    if (arg_count == 2 && !symbolic) {
        /* the resolver types an unknown operand of a symbolic operator from the other one
         * (and then casts it to the operator's input type); named operators such as
         * "is distinct from" get that here */
        if (left->type.id == TYPE_UNKNOWN && right->type.id != TYPE_UNKNOWN) {
            TRY(bind_coerce(ctx, left, type_plain((TypeId)right->type.id), false, NULL,
                            &args[0]));
        } else if (right->type.id == TYPE_UNKNOWN && left->type.id != TYPE_UNKNOWN) {
            TRY(bind_coerce(ctx, right, type_plain((TypeId)left->type.id), false, NULL,
                            &args[1]));
        }
    }
    if (strcmp(op, "^") == 0 && !resolves(ctx, op, args, arg_count)) {
        op = "power";   /* float8 ^ float8, numeric ^ numeric are power() */
    }
    return bind_func_call(ctx, op, args, arg_count, position, expr_out);
}

static Error *bind_binary_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                              Expr **expr_out)
{
    Expr *left = NULL, *right = NULL;
    TRY(bind_expr(ctx, scope, ast->left, &left));
    TRY(bind_expr(ctx, scope, ast->right, &right));
    return bind_operator(ctx, ast->text, left, right, ast->position, expr_out);
}

static Error *bind_unary_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                             Expr **expr_out)
{
    Expr *arg = NULL;
    TRY(bind_expr(ctx, scope, ast->arg, &arg));
    if (strcmp(ast->text, "+") == 0 && type_is_numeric_family(arg->type.id)) {
        *expr_out = arg;   /* unary plus is the identity on numbers */
        return NULL;
    }
    if (strcmp(ast->text, "-") == 0 && arg->kind == EXPR_CONST && !arg->is_null &&
        type_is_numeric_family(arg->type.id)) {
        /* -(constant) folds into the constant text, as the parser does for literals */
        const char *text = arg->const_text;
        size_t size = arg->const_size;
        char *folded = bind_alloc(ctx, size + 2);
        if (folded == NULL) return bind_error_oom();
        if (size > 0 && text[0] == '-') {
            memcpy(folded, text + 1, size - 1);
            size--;
        } else {
            folded[0] = '-';
            memcpy(folded + 1, text, size);
            size++;
        }
        Expr *expr = bind_const_text(ctx, arg->type, folded, size, ast->position);
        if (expr == NULL) return bind_error_oom();
        *expr_out = expr;
        return NULL;
    }
    return bind_operator(ctx, ast->text, arg, NULL, ast->position, expr_out);
}

/* ----------------------------------------------------------------- boolean ---- */

Error *bind_require_bool(BindCtx *ctx, Expr *expr, const char *clause, Expr **expr_out)
{
    if (expr->type.id == TYPE_BOOL) {
        *expr_out = expr;
        return NULL;
    }
    if (expr->type.id == TYPE_UNKNOWN) {
        return bind_coerce(ctx, expr, type_plain(TYPE_BOOL), false, NULL, expr_out);
    }
    return err_at(SQLSTATE_DATATYPE_MISMATCH, expr->position,
                  "argument of %s must be type boolean, not type %s", clause,
                  type_name(expr->type.id));
}

Error *bind_bool_expr(BindCtx *ctx, BindScope *scope, const AstExpr *ast, const char *clause,
                      Expr **expr_out)
{
    Expr *expr = NULL;
    TRY(bind_expr(ctx, scope, ast, &expr));
    return bind_require_bool(ctx, expr, clause, expr_out);
}

static Error *make_logic(BindCtx *ctx, ExprKind kind, Expr **args, uint32_t arg_count,
                         int position, Expr **expr_out)
{
    Expr *expr = bind_expr_with_args(ctx, kind, type_plain(TYPE_BOOL), position, arg_count);
    if (expr == NULL) return bind_error_oom();
    memcpy(expr->args, args, sizeof(Expr *) * arg_count);
    *expr_out = expr;
    return NULL;
}

static Error *make_not(BindCtx *ctx, Expr *arg, int position, Expr **expr_out)
{
    return make_logic(ctx, EXPR_NOT, &arg, 1, position, expr_out);
}

static Error *bind_and_or(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    bool is_and = ast->kind == AST_EXPR_AND;
    uint32_t arg_count = (uint32_t)ast_list_count(ast->args);
    Expr **args = bind_alloc(ctx, sizeof(Expr *) * (arg_count == 0 ? 1 : arg_count));
    if (args == NULL) return bind_error_oom();
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        TRY(bind_bool_expr(ctx, scope, ast->args->items[arg_idx], is_and ? "AND" : "OR",
                           &args[arg_idx]));
    }
    if (arg_count == 1) {
        *expr_out = args[0];
        return NULL;
    }
    return make_logic(ctx, is_and ? EXPR_AND : EXPR_OR, args, arg_count, ast->position, expr_out);
}

static Error *bool_const(BindCtx *ctx, bool value, int position, Expr **expr_out)
{
    const char *text = value ? "true" : "false";
    *expr_out = bind_const_text(ctx, type_plain(TYPE_BOOL), text, strlen(text), position);
    return *expr_out == NULL ? bind_error_oom() : NULL;
}

/* is_truth_case: IS [NOT] TRUE / FALSE without a kernel: CASE WHEN cond THEN a ELSE b END,
 * whose condition treats NULL as not true. */
static Error *is_truth_case(BindCtx *ctx, Expr *arg, bool test_true, bool negated, int position,
                            Expr **expr_out)
{
    Expr *cond = arg;
    if (!test_true) TRY(make_not(ctx, arg, position, &cond));
    Expr *expr = bind_expr_with_args(ctx, EXPR_CASE, type_plain(TYPE_BOOL), position, 3);
    if (expr == NULL) return bind_error_oom();
    expr->args[0] = cond;
    TRY(bool_const(ctx, !negated, position, &expr->args[1]));
    TRY(bool_const(ctx, negated, position, &expr->args[2]));
    expr->has_else = true;
    *expr_out = expr;
    return NULL;
}

static Error *bind_is(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    Expr *arg = NULL;
    TRY(bind_expr(ctx, scope, ast->arg, &arg));
    if (ast->is_test == AST_IS_NULL) {
        if (arg->type.id == TYPE_UNKNOWN && arg->kind == EXPR_CONST) {
            TRY(bind_coerce(ctx, arg, type_plain(TYPE_TEXT), false, NULL, &arg));
        }
        ExprKind kind = ast->negated ? EXPR_IS_NOT_NULL : EXPR_IS_NULL;
        return make_logic(ctx, kind, &arg, 1, ast->position, expr_out);
    }
    static const char *const CLAUSES[] = { "", "IS TRUE", "IS FALSE", "IS UNKNOWN" };
    static const char *const CLAUSES_NOT[] = { "", "IS NOT TRUE", "IS NOT FALSE",
                                               "IS NOT UNKNOWN" };
    const char *clause = ast->negated ? CLAUSES_NOT[ast->is_test] : CLAUSES[ast->is_test];
    TRY(bind_require_bool(ctx, arg, clause, &arg));
    if (ast->is_test == AST_IS_UNKNOWN) {
        ExprKind kind = ast->negated ? EXPR_IS_NOT_NULL : EXPR_IS_NULL;
        return make_logic(ctx, kind, &arg, 1, ast->position, expr_out);
    }
    const char *name = clause;   /* the resolver's names: "is true", "is not false" ... */
    char lower[16];
    size_t size = strlen(name);
    ASSERT(size < sizeof lower);
    for (size_t char_idx = 0; char_idx <= size; char_idx++) {
        char ch = name[char_idx];
        lower[char_idx] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    const PlanResolver *resolver = ctx->plan->resolver;
    PlanFunc func;
    Type bool_type = type_plain(TYPE_BOOL);
    Error *err = resolver->func(resolver->ctx, lower, &bool_type, 1, &func);
    if (err == NULL) return bind_func_call(ctx, lower, &arg, 1, ast->position, expr_out);
    err_free(err);
    return is_truth_case(ctx, arg, ast->is_test == AST_IS_TRUE, ast->negated, ast->position,
                         expr_out);
}

static Error *bind_distinct_from(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                                 Expr **expr_out)
{
    Expr *left = NULL, *right = NULL;
    TRY(bind_expr(ctx, scope, ast->left, &left));
    TRY(bind_expr(ctx, scope, ast->right, &right));
    if (left->type.id == TYPE_UNKNOWN && right->type.id == TYPE_UNKNOWN) {
        TRY(bind_coerce(ctx, left, type_plain(TYPE_TEXT), false, NULL, &left));
    }
    const char *name = ast->negated ? "is not distinct from" : "is distinct from";
    return bind_operator(ctx, name, left, right, ast->position, expr_out);
}

/* ----------------------------------------------------------------- sugar ---- */

static Error *bind_between(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    Expr *arg = NULL, *low = NULL, *high = NULL;
    TRY(bind_expr(ctx, scope, ast->arg, &arg));
    TRY(bind_expr(ctx, scope, ast->left, &low));
    TRY(bind_expr(ctx, scope, ast->right, &high));
    int position = ast->position;
    Expr *range[2];
    TRY(bind_operator(ctx, ">=", arg, low, position, &range[0]));
    TRY(bind_operator(ctx, "<=", arg, high, position, &range[1]));
    Expr *expr = NULL;
    TRY(make_logic(ctx, EXPR_AND, range, 2, position, &expr));
    if (ast->symmetric) {
        Expr *swapped[2], *other = NULL;
        TRY(bind_operator(ctx, ">=", arg, high, position, &swapped[0]));
        TRY(bind_operator(ctx, "<=", arg, low, position, &swapped[1]));
        TRY(make_logic(ctx, EXPR_AND, swapped, 2, position, &other));
        Expr *either[2] = { expr, other };
        TRY(make_logic(ctx, EXPR_OR, either, 2, position, &expr));
    }
    if (ast->negated) TRY(make_not(ctx, expr, position, &expr));
    *expr_out = expr;
    return NULL;
}

/* bind_in_list: x IN (a, b) is x = a OR x = b; NOT IN is x <> a AND x <> b. Also used for
 * x op ANY/ALL (ARRAY[...]) with the operator given. */
static Error *bind_in_list(BindCtx *ctx, BindScope *scope, const AstExpr *arg_ast,
                           const AstList *items, const char *op, bool conjunction, int position,
                           Expr **expr_out)
{
    uint32_t item_count = (uint32_t)ast_list_count(items);
    if (item_count == 0 || item_count > BIND_LIST_COUNT_MAX) {
        return err_at(SQLSTATE_SYNTAX_ERROR, position, "syntax error at or near \")\"");
    }
    Expr *arg = NULL;
    TRY(bind_expr(ctx, scope, arg_ast, &arg));
    Expr **tests = bind_alloc(ctx, sizeof(Expr *) * item_count);
    if (tests == NULL) return bind_error_oom();
    for (uint32_t item_idx = 0; item_idx < item_count; item_idx++) {
        Expr *item = NULL;
        TRY(bind_expr(ctx, scope, items->items[item_idx], &item));
        TRY(bind_operator(ctx, op, arg, item, position, &tests[item_idx]));
        if (tests[item_idx]->type.id != TYPE_BOOL) {
            return err_at(SQLSTATE_DATATYPE_MISMATCH, position,
                          "op ANY/ALL (array) requires operator to yield boolean");
        }
    }
    if (item_count == 1) {
        *expr_out = tests[0];
        return NULL;
    }
    return make_logic(ctx, conjunction ? EXPR_AND : EXPR_OR, tests, item_count, position,
                      expr_out);
}

static Error *bind_like(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    if (ast->like_kind == AST_SIMILAR) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "SIMILAR TO is not supported");
    }
    bool ilike = ast->like_kind == AST_ILIKE;
    Expr *text = NULL, *pattern = NULL;
    TRY(bind_expr(ctx, scope, ast->left, &text));
    TRY(bind_expr(ctx, scope, ast->right, &pattern));
    if (ast->escape == NULL) {
        const char *op = ilike ? (ast->negated ? "!~~*" : "~~*") : (ast->negated ? "!~~" : "~~");
        return bind_operator(ctx, op, text, pattern, ast->position, expr_out);
    }
    Expr *escape = NULL;
    TRY(bind_expr(ctx, scope, ast->escape, &escape));
    if (ilike) {
        /* ILIKE under the C locale folds ASCII letters: lower() both sides */
        TRY(bind_func_call(ctx, "lower", &text, 1, ast->position, &text));
        TRY(bind_func_call(ctx, "lower", &pattern, 1, ast->position, &pattern));
    }
    Expr *args[3] = { text, pattern, escape };
    Expr *expr = NULL;
    TRY(bind_func_call(ctx, "like_escape", args, 3, ast->position, &expr));
    if (ast->negated) TRY(make_not(ctx, expr, ast->position, &expr));
    *expr_out = expr;
    return NULL;
}

/* coerce_all: cast every expression to the common type of the construct `context`. */
static Error *coerce_all(BindCtx *ctx, Expr **exprs, uint32_t count, const char *context,
                         Type *type_out)
{
    Type type;
    TRY(bind_common_type(ctx, exprs, count, context, &type));
    for (uint32_t expr_idx = 0; expr_idx < count; expr_idx++) {
        TRY(bind_coerce(ctx, exprs[expr_idx], type, false, NULL, &exprs[expr_idx]));
    }
    *type_out = type;
    return NULL;
}

static Error *bind_case(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    uint32_t when_count = (uint32_t)ast_list_count(ast->whens);
    if (when_count == 0 || when_count > BIND_LIST_COUNT_MAX) {
        return err_at(SQLSTATE_SYNTAX_ERROR, ast->position, "CASE without WHEN");
    }
    Expr *case_arg = NULL;
    if (ast->case_arg != NULL) TRY(bind_expr(ctx, scope, ast->case_arg, &case_arg));
    /* results in PostgreSQL's order for type resolution: ELSE first, then the WHENs */
    uint32_t result_count = when_count + 1;
    Expr **results = bind_alloc(ctx, sizeof(Expr *) * result_count);
    Expr *expr = bind_expr_with_args(ctx, EXPR_CASE, type_plain(TYPE_UNKNOWN), ast->position,
                                     when_count * 2 + (ast->else_expr != NULL ? 1 : 0));
    if (results == NULL || expr == NULL) return bind_error_oom();
    if (ast->else_expr != NULL) {
        TRY(bind_expr(ctx, scope, ast->else_expr, &results[0]));
    } else {
        results[0] = bind_const_null(ctx, type_plain(TYPE_UNKNOWN));
        if (results[0] == NULL) return bind_error_oom();
    }
    for (uint32_t when_idx = 0; when_idx < when_count; when_idx++) {
        const AstWhen *when = ast->whens->items[when_idx];
        Expr *cond = NULL;
        if (case_arg != NULL) {
            Expr *value = NULL;
            TRY(bind_expr(ctx, scope, when->condition, &value));
            TRY(bind_operator(ctx, "=", case_arg, value, when->condition->position, &cond));
            TRY(bind_require_bool(ctx, cond, "CASE", &cond));
        } else {
            TRY(bind_bool_expr(ctx, scope, when->condition, "CASE", &cond));
        }
        expr->args[when_idx * 2] = cond;
        TRY(bind_expr(ctx, scope, when->result, &results[when_idx + 1]));
    }
    Type type;
    TRY(coerce_all(ctx, results, result_count, "CASE", &type));
    for (uint32_t when_idx = 0; when_idx < when_count; when_idx++) {
        expr->args[when_idx * 2 + 1] = results[when_idx + 1];
    }
    if (ast->else_expr != NULL) {
        expr->args[when_count * 2] = results[0];
        expr->has_else = true;
    }
    expr->type = type;
    *expr_out = expr;
    return NULL;
}

static Error *bind_list(BindCtx *ctx, BindScope *scope, const AstList *list, int position,
                        Expr ***exprs_out, uint32_t *count_out)
{
    uint32_t count = (uint32_t)ast_list_count(list);
    if (count == 0 || count > BIND_LIST_COUNT_MAX) {
        return err_at(SQLSTATE_SYNTAX_ERROR, position, "syntax error at or near \")\"");
    }
    Expr **exprs = bind_alloc(ctx, sizeof(Expr *) * count);
    if (exprs == NULL) return bind_error_oom();
    for (uint32_t expr_idx = 0; expr_idx < count; expr_idx++) {
        TRY(bind_expr(ctx, scope, list->items[expr_idx], &exprs[expr_idx]));
    }
    *exprs_out = exprs;
    *count_out = count;
    return NULL;
}

static Error *bind_coalesce(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    Expr **args = NULL;
    uint32_t count = 0;
    TRY(bind_list(ctx, scope, ast->args, ast->position, &args, &count));
    Type type;
    TRY(coerce_all(ctx, args, count, "COALESCE", &type));
    Expr *expr = bind_expr_new(ctx, EXPR_COALESCE, type, ast->position);
    if (expr == NULL) return bind_error_oom();
    expr->args = args;
    expr->arg_count = count;
    *expr_out = expr;
    return NULL;
}

static Error *bind_greatest(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                            Expr **expr_out)
{
    bool greatest = ast->kind == AST_EXPR_GREATEST;
    Expr **args = NULL;
    uint32_t count = 0;
    TRY(bind_list(ctx, scope, ast->args, ast->position, &args, &count));
    Type type;
    TRY(coerce_all(ctx, args, count, greatest ? "GREATEST" : "LEAST", &type));
    Expr *acc = args[0];
    for (uint32_t arg_idx = 1; arg_idx < count; arg_idx++) {
        Expr *pair[2] = { acc, args[arg_idx] };
        TRY(bind_func_call(ctx, greatest ? "greatest" : "least", pair, 2, ast->position, &acc));
    }
    *expr_out = acc;
    return NULL;
}

/* NULLIF(a, b) is CASE WHEN a = b THEN NULL ELSE a END, typed as a. */
static Error *bind_nullif(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    Expr *left = NULL, *right = NULL, *cond = NULL;
    TRY(bind_expr(ctx, scope, ast->left, &left));
    TRY(bind_expr(ctx, scope, ast->right, &right));
    if (left->type.id == TYPE_UNKNOWN) {
        Type type = right->type.id == TYPE_UNKNOWN ? type_plain(TYPE_TEXT) : right->type;
        TRY(bind_coerce(ctx, left, type, false, NULL, &left));
    }
    TRY(bind_operator(ctx, "=", left, right, ast->position, &cond));
    TRY(bind_require_bool(ctx, cond, "NULLIF", &cond));
    Expr *expr = bind_expr_with_args(ctx, EXPR_CASE, left->type, ast->position, 3);
    Expr *null_value = bind_const_null(ctx, left->type);
    if (expr == NULL || null_value == NULL) return bind_error_oom();
    expr->args[0] = cond;
    expr->args[1] = null_value;
    expr->args[2] = left;
    expr->has_else = true;
    *expr_out = expr;
    return NULL;
}

static Error *bind_cast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    Type target;
    TRY(plan_type_from_ast(ast->type, &target));
    Expr *arg = NULL;
    TRY(bind_expr(ctx, scope, ast->arg, &arg));
    Error *err = bind_coerce(ctx, arg, target, true, NULL, expr_out);
    if (err != NULL && !err->is_static) err->position = ast->position;   /* PostgreSQL: at :: */
    return err;
}

static Error *bind_collate(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    int part_count = ast_list_count(ast->names);
    const char *name = part_count > 0 ? ast->names->items[part_count - 1] : "";
    if (strcmp(name, "C") != 0 && strcmp(name, "POSIX") != 0 && strcmp(name, "default") != 0 &&
        strcmp(name, "ucs_basic") != 0) {
        return err_at(SQLSTATE_UNDEFINED_OBJECT, ast->position,
                      "collation \"%s\" for encoding \"UTF8\" does not exist", name);
    }
    /* every comparison is already the C collation */
    Expr *arg = NULL;
    TRY(bind_expr(ctx, scope, ast->arg, &arg));
    if (arg->type.id == TYPE_UNKNOWN) {
        TRY(bind_coerce(ctx, arg, type_plain(TYPE_TEXT), false, NULL, &arg));
    }
    if (!type_is_string(arg->type.id)) {
        return err_at(SQLSTATE_DATATYPE_MISMATCH, ast->position,
                      "collations are not supported by type %s", type_name(arg->type.id));
    }
    *expr_out = arg;
    return NULL;
}

static Error *bind_at_time_zone(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                                Expr **expr_out)
{
    Expr *args[2];
    TRY(bind_expr(ctx, scope, ast->right, &args[0]));
    TRY(bind_expr(ctx, scope, ast->left, &args[1]));
    return bind_func_call(ctx, "timezone", args, 2, ast->position, expr_out);
}

/* ----------------------------------------------------------------- dispatch ---- */

static bool is_leaf(const AstExpr *ast)
{
    switch (ast->kind) {
    case AST_EXPR_NULL:
    case AST_EXPR_BOOL:
    case AST_EXPR_INTEGER:
    case AST_EXPR_NUMERIC:
    case AST_EXPR_STRING:
    case AST_EXPR_PARAM:
    case AST_EXPR_COLUMN:   /* matched in column_here, after the name resolves */
        return true;
    default:
        return false;
    }
}

static Error *bind_unsupported(const AstExpr *ast)
{
    switch (ast->kind) {
    case AST_EXPR_DEFAULT:
        return err_at(SQLSTATE_SYNTAX_ERROR, ast->position,
                      "DEFAULT is not allowed in this context");
    case AST_EXPR_STAR:
        return err_at(SQLSTATE_SYNTAX_ERROR, ast->position,
                      "row expansion via \"*\" is not supported here");
    case AST_EXPR_NAMED_ARG:
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "named function arguments are not supported");
    case AST_EXPR_ARRAY:
    case AST_EXPR_SUBSCRIPT:
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "arrays are not supported");
    default:
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "row expressions are not supported");
    }
}

static Error *bind_dispatch(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                            Expr **expr_out)
{
    switch (ast->kind) {
    case AST_EXPR_NULL:
    case AST_EXPR_BOOL:
    case AST_EXPR_INTEGER:
    case AST_EXPR_NUMERIC:
    case AST_EXPR_STRING:
    case AST_EXPR_BIT_STRING: return bind_constant(ctx, ast, expr_out);
    case AST_EXPR_PARAM: return bind_param(ctx, ast, expr_out);
    case AST_EXPR_COLUMN: return bind_column(ctx, scope, ast, expr_out);
    case AST_EXPR_UNARY: return bind_unary_ast(ctx, scope, ast, expr_out);
    case AST_EXPR_BINARY: return bind_binary_ast(ctx, scope, ast, expr_out);
    case AST_EXPR_AND:
    case AST_EXPR_OR: return bind_and_or(ctx, scope, ast, expr_out);
    case AST_EXPR_NOT: {
        Expr *arg = NULL;
        TRY(bind_bool_expr(ctx, scope, ast->arg, "NOT", &arg));
        return make_not(ctx, arg, ast->position, expr_out);
    }
    case AST_EXPR_IS: return bind_is(ctx, scope, ast, expr_out);
    case AST_EXPR_DISTINCT_FROM: return bind_distinct_from(ctx, scope, ast, expr_out);
    case AST_EXPR_BETWEEN: return bind_between(ctx, scope, ast, expr_out);
    case AST_EXPR_IN_LIST:
        return bind_in_list(ctx, scope, ast->arg, ast->args, ast->negated ? "<>" : "=",
                            ast->negated, ast->position, expr_out);
    case AST_EXPR_LIKE: return bind_like(ctx, scope, ast, expr_out);
    case AST_EXPR_SUBLINK:
        if (ast->subquery == NULL && ast->right != NULL && ast->right->kind == AST_EXPR_ARRAY) {
            /* x op ANY (ARRAY[a, b]) is x op a OR x op b (ALL: AND) */
            return bind_in_list(ctx, scope, ast->left, ast->right->args, ast->text,
                                ast->sublink_kind == AST_SUBLINK_ALL, ast->position, expr_out);
        }
        return bind_sublink_ast(ctx, scope, ast, expr_out);
    case AST_EXPR_CASE: return bind_case(ctx, scope, ast, expr_out);
    case AST_EXPR_CAST: return bind_cast(ctx, scope, ast, expr_out);
    case AST_EXPR_FUNC:
        if (bind_is_srf_call(ast)) return bind_srf_ast(ctx, scope, ast, expr_out);
        return bind_func_ast(ctx, scope, ast, expr_out);
    case AST_EXPR_COALESCE: return bind_coalesce(ctx, scope, ast, expr_out);
    case AST_EXPR_NULLIF: return bind_nullif(ctx, scope, ast, expr_out);
    case AST_EXPR_GREATEST:
    case AST_EXPR_LEAST: return bind_greatest(ctx, scope, ast, expr_out);
    case AST_EXPR_COLLATE: return bind_collate(ctx, scope, ast, expr_out);
    case AST_EXPR_AT_TIME_ZONE: return bind_at_time_zone(ctx, scope, ast, expr_out);
    case AST_EXPR_ARRAY: return bind_array_ast(ctx, scope, ast, expr_out);          /* arrays */
    case AST_EXPR_SUBSCRIPT: return bind_subscript_ast(ctx, scope, ast, expr_out);  /* arrays */
    default: return bind_unsupported(ast);
    }
}

Error *bind_expr(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    ASSERT(ctx != NULL);
    ASSERT(scope != NULL);
    ASSERT(ast != NULL);
    if (grouping_active(scope) && !is_leaf(ast)) {
        int group_idx = match_group_key(ctx, scope->agg, ast);
        if (group_idx >= 0) {
            if (ctx->rename != NULL) {
                /* plan_view_rename: the names inside a matched expression are in the text too */
                Expr *unused = NULL;
                BindScope *input = scope->agg->input != NULL ? scope->agg->input : scope;
                TRY(bind_expr_in(ctx, input, &bind_agg_nested, NULL, ast, &unused));
            }
            return group_column(ctx, scope->agg, (uint32_t)group_idx, ast->position, expr_out);
        }
    }
    Expr *expr = NULL;
    TRY(bind_dispatch(ctx, scope, ast, &expr));
    ASSERT(expr != NULL);
    ASSERT(expr->type.id != TYPE_INVALID);
    *expr_out = expr;
    return NULL;
}

/* ------------------------------------------------------------ AST walking ---- */

static bool list_has_aggregate(const AstList *list)
{
    for (int item_idx = 0; item_idx < ast_list_count(list); item_idx++) {
        if (bind_ast_has_aggregate(list->items[item_idx])) return true;
    }
    return false;
}

bool bind_ast_has_aggregate(const AstExpr *ast)
{
    if (ast == NULL) return false;
    if (ast->kind == AST_EXPR_FUNC) {
        const AstFuncCall *func = ast->func;
        int part_count = ast_list_count(func->names);
        if (func->over == NULL && part_count > 0 &&
            bind_is_aggregate(func->names->items[part_count - 1])) {
            return true;
        }
        return list_has_aggregate(func->args);
    }
    if (ast->kind == AST_EXPR_SUBLINK) return bind_ast_has_aggregate(ast->left);
    if (bind_ast_has_aggregate(ast->arg) || bind_ast_has_aggregate(ast->left) ||
        bind_ast_has_aggregate(ast->right) || bind_ast_has_aggregate(ast->escape) ||
        bind_ast_has_aggregate(ast->case_arg) || bind_ast_has_aggregate(ast->else_expr) ||
        list_has_aggregate(ast->args)) {
        return true;
    }
    for (int when_idx = 0; when_idx < ast_list_count(ast->whens); when_idx++) {
        const AstWhen *when = ast->whens->items[when_idx];
        if (bind_ast_has_aggregate(when->condition) || bind_ast_has_aggregate(when->result)) {
            return true;
        }
    }
    return false;
}
