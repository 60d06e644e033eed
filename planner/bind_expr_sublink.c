/* planner/bind_expr_sublink.c: subqueries inside expressions (EXISTS, scalar, IN, op ANY/ALL).
 *
 * The subquery is planned by bind_query.c (bind_subquery_plan) with this scope as its parent;
 * the outer values it reads become the EXPR_SUBPLAN's args. For IN / ANY / ALL the left
 * operand is appended after them, and the per-row test compares EXPR_OUTER(that index) with
 * the subquery row's column 0 (plan.h): `x = ANY (SELECT y ...)` correlated on t.z has
 * args = {t.z, x} and test = (outer 1) = (column 0). NOT IN is NOT (x = ANY (...)).
 */
#include <string.h>

#include "common/asserts.h"
#include "planner/bind_expr_int.h"
#include "planner/bind_expr_array.h"   /* arrays */

static Error *subplan_node(BindCtx *ctx, SublinkKind sublink, Plan *plan, const BindScope *sub,
                           Expr *const *lefts, uint32_t left_count, Type type, int position,
                           Expr **expr_out)
{
    uint32_t arg_count = sub->outer_count + left_count;
    Expr *expr = bind_expr_with_args(ctx, EXPR_SUBPLAN, type, position, arg_count);
    if (expr == NULL) return bind_error_oom();
    if (sub->outer_count > 0) memcpy(expr->args, sub->outer_args, sizeof(Expr *) * sub->outer_count);
    if (left_count > 0) memcpy(expr->args + sub->outer_count, lefts, sizeof(Expr *) * left_count);
    expr->sublink = sublink;
    expr->subplan = plan;
    *expr_out = expr;
    return NULL;
}

/* quantified_test: one comparison of IN / ANY / ALL: op(outer left_idx, column column_idx). */
static Error *quantified_test(BindCtx *ctx, const char *op, Expr **left, uint32_t left_idx,
                              uint32_t column_idx, Type column_type, int position,
                              Expr **test_out)
{
    if ((*left)->type.id == TYPE_UNKNOWN) {
        Type target = column_type.id == TYPE_UNKNOWN ? type_plain(TYPE_TEXT) : column_type;
        TRY(bind_coerce(ctx, *left, target, false, NULL, left));
    }
    if (column_type.id == TYPE_UNKNOWN) {
        return err_at(SQLSTATE_INDETERMINATE_DATATYPE, position,
                      "could not determine data type of subquery column");
    }
    Expr *outer = bind_expr_new(ctx, EXPR_OUTER, (*left)->type, position);
    Expr *column = bind_column_ref(ctx, column_idx, column_type);
    if (outer == NULL || column == NULL) return bind_error_oom();
    outer->outer_idx = left_idx;
    TRY(bind_operator(ctx, op, outer, column, position, test_out));
    if ((*test_out)->type.id != TYPE_BOOL) {
        return err_at(SQLSTATE_DATATYPE_MISMATCH, position,
                      "op ANY/ALL (array) requires operator to yield boolean");
    }
    return NULL;
}

/* quantified_lefts: the left operand(s): one expression, or the fields of (a, b) IN (...). */
static Error *quantified_lefts(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                               Expr ***lefts_out, uint32_t *count_out)
{
    const AstExpr *left = ast->left;
    bool is_row = left->kind == AST_EXPR_ROW;
    uint32_t count = is_row ? (uint32_t)ast_list_count(left->args) : 1;
    Expr **lefts = bind_alloc(ctx, sizeof(Expr *) * (count == 0 ? 1 : count));
    if (lefts == NULL) return bind_error_oom();
    for (uint32_t left_idx = 0; left_idx < count; left_idx++) {
        TRY(bind_expr(ctx, scope, is_row ? left->args->items[left_idx] : left, &lefts[left_idx]));
    }
    *lefts_out = lefts;
    *count_out = count;
    return NULL;
}

static Error *bind_quantified(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                              Expr **expr_out)
{
    bool is_in = ast->sublink_kind == AST_SUBLINK_IN;
    const char *op = is_in ? "=" : ast->text;
    Expr **lefts = NULL;
    uint32_t left_count = 0;
    TRY(quantified_lefts(ctx, scope, ast, &lefts, &left_count));
    bool is_row = ast->left->kind == AST_EXPR_ROW;
    if (is_row && strcmp(op, "=") != 0 && strcmp(op, "<>") != 0) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "row comparisons with %s and subqueries are not supported", op);
    }
    Plan *plan = NULL;
    BindScope *sub = NULL;
    TRY(bind_subquery_plan(ctx, scope, ast->subquery, &plan, &sub));
    if (plan->column_count != left_count) {
        return err_at(SQLSTATE_SYNTAX_ERROR, ast->position, "subquery has too %s columns",
                      plan->column_count < left_count ? "few" : "many");
    }
    /* a row comparison: all fields equal (=), or any field different (<>) */
    Expr **tests = bind_alloc(ctx, sizeof(Expr *) * left_count);
    if (tests == NULL) return bind_error_oom();
    for (uint32_t left_idx = 0; left_idx < left_count; left_idx++) {
        TRY(quantified_test(ctx, op, &lefts[left_idx], sub->outer_count + left_idx, left_idx,
                            plan->types[left_idx], ast->position, &tests[left_idx]));
    }
    Expr *test = tests[0];
    if (left_count > 1) {
        ExprKind kind = strcmp(op, "=") == 0 ? EXPR_AND : EXPR_OR;
        test = bind_expr_with_args(ctx, kind, type_plain(TYPE_BOOL), ast->position, left_count);
        if (test == NULL) return bind_error_oom();
        memcpy(test->args, tests, sizeof(Expr *) * left_count);
    }
    SublinkKind sublink = ast->sublink_kind == AST_SUBLINK_ALL ? SUBLINK_ALL : SUBLINK_ANY;
    Expr *expr = NULL;
    TRY(subplan_node(ctx, sublink, plan, sub, lefts, left_count, type_plain(TYPE_BOOL),
                     ast->position, &expr));
    expr->test = test;
    if (is_in && ast->negated) {
        Expr *not_expr = bind_expr_with_args(ctx, EXPR_NOT, type_plain(TYPE_BOOL), ast->position,
                                             1);
        if (not_expr == NULL) return bind_error_oom();
        not_expr->args[0] = expr;
        expr = not_expr;
    }
    *expr_out = expr;
    return NULL;
}

Error *bind_sublink_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    if (ast->subquery == NULL) return bind_array_quantified(ctx, scope, ast, expr_out); /* arrays */
    if (ast->sublink_kind == AST_SUBLINK_ARRAY) {   /* arrays: ARRAY(subquery) */
        Plan *plan = NULL;
        BindScope *sub = NULL;
        TRY(bind_subquery_plan(ctx, scope, ast->subquery, &plan, &sub));
        if (plan->column_count != 1) {
            return err_at(SQLSTATE_SYNTAX_ERROR, ast->position, "subquery must return only one column");
        }
        uint32_t array_id = bind_array_type_of(plan->types[0].id);
        if (array_id == TYPE_INVALID) {
            return err_at(SQLSTATE_UNDEFINED_OBJECT, ast->position,
                          "could not find array type for data type %s", type_name(plan->types[0].id));
        }
        return subplan_node(ctx, SUBLINK_ARRAY, plan, sub, NULL, 0, type_plain((TypeId)array_id),
                            ast->position, expr_out);
    }
    if (ast->sublink_kind != AST_SUBLINK_EXISTS && ast->sublink_kind != AST_SUBLINK_SCALAR) {
        return bind_quantified(ctx, scope, ast, expr_out);
    }
    Plan *plan = NULL;
    BindScope *sub = NULL;
    TRY(bind_subquery_plan(ctx, scope, ast->subquery, &plan, &sub));
    if (ast->sublink_kind == AST_SUBLINK_EXISTS) {
        return subplan_node(ctx, SUBLINK_EXISTS, plan, sub, NULL, 0, type_plain(TYPE_BOOL),
                            ast->position, expr_out);
    }
    if (plan->column_count != 1) {
        return err_at(SQLSTATE_SYNTAX_ERROR, ast->position,
                      "subquery must return only one column");
    }
    return subplan_node(ctx, SUBLINK_SCALAR, plan, sub, NULL, 0, plan->types[0], ast->position,
                        expr_out);
}
