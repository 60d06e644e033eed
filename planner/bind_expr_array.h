/* planner/bind_expr_array.h: binding array expressions (bind_expr_array.c): ARRAY[...],
 * subscripts and slices, x op ANY/ALL (array), ARRAY(subquery)'s type. Internal to the
 * expression binder. */
#ifndef BIRCH_PLANNER_BIND_EXPR_ARRAY_H
#define BIRCH_PLANNER_BIND_EXPR_ARRAY_H

#include "planner/bind_expr_int.h"

/* bind_array_ast: ARRAY[e1, ...]: the elements' common type (PostgreSQL's select_common_type;
 * all unknown: text), each element coerced to it. ARRAY[] alone is an unknown '{}' that a cast
 * types. Errors: FEATURE_NOT_SUPPORTED for nested arrays; coercion errors. */
Error *bind_array_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out);
/* bind_subscript_ast: a[i] (element type, NULL out of range) and a[i:j] (array; omitted bounds
 * are the array's). Errors: DATATYPE_MISMATCH `cannot subscript type integer because it does
 * not support subscripting`. */
Error *bind_subscript_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out);
/* bind_array_quantified: x op ANY/ALL (array expression) (not a subquery, not ARRAY[...]:
 * bind_expr.c expands that into OR/AND). */
Error *bind_array_quantified(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                             Expr **expr_out);
/* bind_regexp_replace4: regexp_replace(s, pattern, repl, flags) over three-argument calls
 * (PLAN_FUNC_ARG_MAX is 3): flags and pattern travel joined (executor/kern_regex.c). */
Error *bind_regexp_replace4(BindCtx *ctx, Expr **args, int position, Expr **expr_out);
/* bind_list_agg: array_agg(x [ORDER BY ...]) / string_agg(x, sep [ORDER BY ...]): call->arg
 * is "agg_pack"(x, sort key bytes, sep) (executor/kern_array_agg.c), call->agg and
 * result_type the list aggregate for x's type. Arguments bind in input with nested_agg /
 * nested_window as bind_aggregate passes them. With DISTINCT the key also covers the arguments
 * no ORDER BY item names and the kernel is the distinct one. Errors: UNDEFINED_FUNCTION;
 * INVALID_COLUMN_REFERENCE for DISTINCT with an ORDER BY expression that is not an argument. */
Error *bind_list_agg(BindCtx *ctx, BindScope *input, BindAgg *nested_agg,
                     BindWindow *nested_window, const char *name, const AstFuncCall *func,
                     int position, AggCall *call);
/* bind_unnest_plan: the plan of unnest(array) [WITH ORDINALITY] in FROM (bind_query_from.c):
 * one column "unnest" (the element type) [and "ordinality" bigint]. Errors: UNDEFINED_FUNCTION
 * for a non-array argument; INDETERMINATE_DATATYPE for an unknown literal. */
Error *bind_unnest_plan(BindCtx *ctx, Expr *array, bool ordinality, int position,
                        Plan **plan_out);
/* bind_series_ordinality: generate_series(...) WITH ORDINALITY: series' rows ++ the bigint
 * (value - start) / step + 1 (args: the series' typed arguments). */
Error *bind_series_ordinality(BindCtx *ctx, Plan *series, Expr *const *args, uint32_t arg_count,
                              int position, Plan **plan_out);
/* bind_unnest_lateral (needs planner/plan_int.h's FromClause): `FROM t, unnest(t.a) AS u(x)`
 * when array reads only the columns of prev, the table leaf bound just before: prev becomes a
 * plan leaf producing t's columns ++ the element [++ ordinality] (a recursive union over t's
 * rows), whose new columns carry range_name. *done_out false (and nothing changed) when the
 * case does not apply. Errors: UNDEFINED_FUNCTION for a non-array argument. */
struct FromClause;
struct FromNode;
Error *bind_unnest_lateral(BindCtx *ctx, BindScope *scope, struct FromClause *clause,
                           struct FromNode *prev, Expr *array, bool ordinality,
                           const char *range_name, const AstAlias *alias, int position,
                           bool *done_out);
/* bind_array_type_of: the array type of an element type; TYPE_INVALID if there is none. */
uint32_t bind_array_type_of(uint32_t elem_id);

#endif
