/* planner/bind_expr_srf.c: set-returning functions in the select list (PostgreSQL 10+ rules).
 *
 * `SELECT id, unnest(tags) FROM doc`, `SELECT generate_series(1, n) FROM t`: while the select
 * list and ORDER BY of a query level are bound, the scope carries a BindSrf. A call of unnest
 * (one array argument) or generate_series (two or three integer arguments) found there binds its
 * arguments in the scope as usual, is recorded in BindSrf.calls as an EXPR_CALL without a kernel
 * (name "unnest" / "generate_series", args, the element or series type), and becomes an
 * EXPR_COLUMN at SRF_BASE_SENTINEL + its index. The query binder (bind_query.c, core_build) then
 * puts a ProjectSet below the final projection: a PLAN_PROJECT with srf_count > 0 whose output is
 * its input row followed by one column per call, and renumbers the sentinel columns to those.
 *
 * Elsewhere (WHERE, JOIN ON, GROUP BY, RETURNING, CHECK, DEFAULT: a BindAgg that forbids
 * aggregates) a set-returning call is FEATURE_NOT_SUPPORTED `set-returning functions are not
 * allowed in WHERE`, as in PostgreSQL; in other places without a BindSrf (VALUES, HAVING) the
 * call goes to the ordinary function binder, which finds no scalar function of that name.
 */
#include <string.h>

#include "planner/bind_expr_int.h"
#include "planner/plan_int.h"

static const char *srf_name(const AstExpr *ast)
{
    const AstFuncCall *func = ast->func;
    int part_count = ast_list_count(func->names);
    if (part_count == 0 || part_count > 2 || func->over != NULL || func->star ||
        func->distinct || func->order_by != NULL || func->filter != NULL) {
        return NULL;
    }
    if (part_count == 2 && strcmp(func->names->items[0], "pg_catalog") != 0) return NULL;
    const char *name = func->names->items[part_count - 1];
    int arg_count = ast_list_count(func->args);
    if (strcmp(name, "unnest") == 0 && arg_count == 1) return "unnest";
    if (strcmp(name, "generate_series") == 0 && (arg_count == 2 || arg_count == 3)) {
        return "generate_series";
    }
    return NULL;
}

bool bind_is_srf_call(const AstExpr *ast)
{
    return ast != NULL && ast->kind == AST_EXPR_FUNC && srf_name(ast) != NULL;
}

/* srf_types: check and coerce the arguments; *type_out is the result column's type. */
static Error *srf_types(BindCtx *ctx, const char *name, Expr **args, uint32_t arg_count,
                        int position, Type *type_out)
{
    if (strcmp(name, "unnest") == 0) {
        uint32_t elem = type_array_elem(args[0]->type.id);
        if (elem == TYPE_INVALID) {
            if (args[0]->type.id == TYPE_UNKNOWN) {
                Error *err = err_at(SQLSTATE_AMBIGUOUS_FUNCTION, position,
                                    "function unnest(unknown) is not unique");
                return err_set_hint(err, "Could not choose a best candidate function. You might "
                                         "need to add explicit type casts.");
            }
            return err_at(SQLSTATE_UNDEFINED_FUNCTION, position,
                          "function unnest(%s) does not exist", type_name(args[0]->type.id));
        }
        *type_out = type_plain(elem);
        return NULL;
    }
    Type type;
    TRY(bind_common_type(ctx, args, arg_count, "generate_series", &type));
    if (type.id == TYPE_UNKNOWN || type.id == TYPE_INT2) type = type_plain(TYPE_INT4);
    if (type.id != TYPE_INT4 && type.id != TYPE_INT8) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, position,
                      "generate_series over type %s in the select list is not supported",
                      type_name(type.id));
    }
    type = type_plain(type.id);
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        if (!type_equal(args[arg_idx]->type, type)) {
            TRY(bind_coerce(ctx, args[arg_idx], type, false, NULL, &args[arg_idx]));
        }
    }
    *type_out = type;
    return NULL;
}

Error *bind_srf_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    const char *name = srf_name(ast);
    BindSrf *srf = scope->srf;
    if (scope->agg == &bind_agg_nested) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "aggregate function calls cannot contain set-returning function calls");
    }
    if (scope->window == &bind_window_nested) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "window function calls cannot contain set-returning function calls");
    }
    if (srf == NULL) {
        if (scope->agg != NULL && !scope->agg->allowed && scope->agg->clause != NULL) {
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                          "set-returning functions are not allowed in %s", scope->agg->clause);
        }
        return bind_func_ast(ctx, scope, ast, expr_out);
    }
    uint32_t arg_count = (uint32_t)ast_list_count(ast->func->args);
    Expr **args = bind_alloc(ctx, (arg_count + 1) * sizeof *args);
    if (args == NULL) return oom_error();
    uint32_t count_before = srf->count;
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        TRY(bind_expr(ctx, scope, ast->func->args->items[arg_idx], &args[arg_idx]));
    }
    if (srf->count != count_before) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "set-returning functions as arguments of set-returning functions are "
                      "not supported");
    }
    Type type;
    TRY(srf_types(ctx, name, args, arg_count, ast->position, &type));
    if (srf->count == srf->capacity) {
        uint32_t capacity = srf->capacity * 2 + 4;
        Expr **calls = bind_alloc(ctx, capacity * sizeof *calls);
        if (calls == NULL) return oom_error();
        if (srf->count > 0) memcpy(calls, srf->calls, srf->count * sizeof *calls);
        srf->calls = calls;
        srf->capacity = capacity;
    }
    if (srf->count >= SRF_COUNT_MAX) {
        return err_at(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, ast->position,
                      "too many set-returning functions in one select list");
    }
    Expr *call = bind_alloc(ctx, sizeof *call);
    if (call == NULL) return oom_error();
    call->kind = EXPR_CALL;
    call->type = type;
    call->position = ast->position;
    call->name = name;
    call->arg_count = arg_count;
    call->args = args;
    uint32_t srf_idx = srf->count++;
    srf->calls[srf_idx] = call;
    Expr *column = bind_column_ref(ctx, SRF_BASE_SENTINEL + srf_idx, type);
    if (column == NULL) return oom_error();
    column->position = ast->position;
    *expr_out = column;
    return NULL;
}
