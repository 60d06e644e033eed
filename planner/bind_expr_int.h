/* planner/bind_expr_int.h: helpers shared by the expression binder's files (bind_expr.c,
 * bind_expr_func.c, bind_expr_coerce.c, bind_expr_sublink.c, bind_util.c). Internal to the
 * expression binder; bind_query.c may use bind_error_oom and bind_ast_has_aggregate.
 *
 * Conventions:
 * - Every Expr is made by bind_expr_new (zeroed, kind/type/position set) in ctx->plan->arena.
 * - An expression of type UNKNOWN is an untyped string literal, a NULL literal or an untyped $n;
 *   bind_coerce gives it a type; whatever is still UNKNOWN at the top of an expression is for
 *   the caller to resolve (a select-list column: bind_coerce to text).
 * - Bound subtrees may be shared (x IN (1, 2) binds x once and uses it in both comparisons):
 *   the bound tree is a DAG of immutable nodes.
 */
#ifndef BIRCH_PLANNER_BIND_EXPR_INT_H
#define BIRCH_PLANNER_BIND_EXPR_INT_H

#include "planner/bind_int.h"

enum {
    BIND_PARAM_COUNT_MAX = 65535,      /* $n beyond this is UNDEFINED_PARAMETER */
    BIND_LIST_COUNT_MAX = 100000,      /* IN lists, CASE arms, COALESCE arguments */
};

/* bind_error_oom: the OUT_OF_MEMORY error of a failed bind_alloc. */
Error *bind_error_oom(void);
/* bind_expr_new: a zeroed Expr in the statement arena; NULL on OOM. */
Expr  *bind_expr_new(BindCtx *ctx, ExprKind kind, Type type, int position);
/* bind_expr_with_args: an Expr with arg_count argument slots (zeroed); NULL on OOM. */
Expr  *bind_expr_with_args(BindCtx *ctx, ExprKind kind, Type type, int position,
                           uint32_t arg_count);
/* bind_error_position: set err's position to position when it has none; returns err. */
Error *bind_error_position(Error *err, int position);

/* bind_operator: bind `left op right` over already-bound operands (right NULL: prefix op):
 * unknown literals/params next to a typed operand take its type, the resolver picks the
 * kernel, casts are inserted. */
Error *bind_operator(BindCtx *ctx, const char *op, Expr *left, Expr *right, int position,
                     Expr **expr_out);
/* bind_require_bool: expr must be bool (UNKNOWN: coerced), else DATATYPE_MISMATCH `argument
 * of CLAUSE must be type boolean, not type integer`. */
Error *bind_require_bool(BindCtx *ctx, Expr *expr, const char *clause, Expr **expr_out);
/* bind_param_type_set: record the type of $n (0-based idx) once inferred. */
void   bind_param_type_set(BindCtx *ctx, uint32_t param_idx, Type type);

/* bind_expr_func.c: AST_EXPR_FUNC (scalar, aggregate, window, sequence, special). */
Error *bind_func_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out);
/* bind_agg_order_arg: the index of the argument (as bound, before implicit casts) an
 * aggregate's ORDER BY expression equals, arg_count if none (PostgreSQL's
 * findTargetlistEntrySQL99 for DISTINCT aggregates). */
uint32_t bind_agg_order_arg(const Expr *order, Expr *const *args, uint32_t arg_count);
/* bind_agg_order_not_arg: INVALID_COLUMN_REFERENCE `in an aggregate with DISTINCT, ORDER BY
 * expressions must appear in argument list` at position. */
Error *bind_agg_order_not_arg(int position);
/* bind_expr_sublink.c: AST_EXPR_SUBLINK. */
Error *bind_sublink_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out);
/* bind_expr.c: bind in a copy of scope whose agg / window are replaced (for the arguments of
 * aggregate and window calls); the copy's correlation (outer_args) is written back. */
Error *bind_expr_in(BindCtx *ctx, BindScope *scope, BindAgg *agg, BindWindow *window,
                    const AstExpr *ast, Expr **expr_out);
/* The sentinel BindAgg / BindWindow installed while binding an aggregate's / a window call's
 * arguments: an aggregate (window call) met there is nested. Read-only. */
extern BindAgg    bind_agg_nested;
extern BindWindow bind_window_nested;

/* bind_ast_has_aggregate: ast contains an aggregate call at this query level (not inside a
 * subquery, not a window call). For bind_query.c: decide whether a query is grouped. */
bool   bind_ast_has_aggregate(const AstExpr *ast);

#endif
