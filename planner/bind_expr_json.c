/* planner/bind_expr_json.c: json_build_object / json_build_array (variadic in PostgreSQL, so
 * folded here into chains of fixed-arity registry calls) and gen_random_uuid's volatility. */
#include <string.h>

#include "planner/bind_expr_json.h"

static bool is_object_builder(const char *name)
{
    return strcmp(name, "json_build_object") == 0 || strcmp(name, "jsonb_build_object") == 0;
}

static bool is_array_builder(const char *name)
{
    return strcmp(name, "json_build_array") == 0 || strcmp(name, "jsonb_build_array") == 0;
}

bool bind_json_is_special(const char *name, uint32_t arg_count)
{
    if (strcmp(name, "gen_random_uuid") == 0) return arg_count == 0;
    return is_object_builder(name) || is_array_builder(name);
}

/* json_value: to_json(value), an unknown literal read as text first. */
static Error *json_value(BindCtx *ctx, Expr *value, int position, Expr **json_out)
{
    if (value->type.id == TYPE_UNKNOWN) {
        TRY(bind_coerce(ctx, value, type_plain(TYPE_TEXT), true, NULL, &value));
    }
    return bind_func_call(ctx, "to_json", &value, 1, position, json_out);
}

static bool is_null_const(const Expr *expr)
{
    while (expr->kind == EXPR_CAST && expr->arg_count == 1) expr = expr->args[0];
    return expr->kind == EXPR_CONST && expr->is_null;
}

static Error *build_object(BindCtx *ctx, Expr **args, uint32_t arg_count, int position,
                           Expr **acc_out)
{
    if (arg_count % 2 != 0) {
        return err_set_hint(err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                                   "argument list must have even number of elements"),
                            "The arguments of json_build_object() must consist of alternating "
                            "keys and values.");
    }
    Expr *acc = bind_const_text(ctx, type_plain(TYPE_JSON), "{}", 2, position);
    if (acc == NULL) return bind_error_oom();
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx += 2) {
        if (is_null_const(args[arg_idx])) {
            return err_set_hint(err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                                       "argument %u cannot be null", arg_idx + 1),
                                "Object keys should be text.");
        }
        Expr *step[3] = { acc, NULL, NULL };
        TRY(bind_coerce(ctx, args[arg_idx], type_plain(TYPE_TEXT), true, NULL, &step[1]));
        TRY(json_value(ctx, args[arg_idx + 1], position, &step[2]));
        TRY(bind_func_call(ctx, "json build pair", step, 3, position, &acc));
    }
    *acc_out = acc;
    return NULL;
}

static Error *build_array(BindCtx *ctx, Expr **args, uint32_t arg_count, int position,
                          Expr **acc_out)
{
    Expr *acc = bind_const_text(ctx, type_plain(TYPE_JSON), "[]", 2, position);
    if (acc == NULL) return bind_error_oom();
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        Expr *step[2] = { acc, NULL };
        TRY(json_value(ctx, args[arg_idx], position, &step[1]));
        TRY(bind_func_call(ctx, "json build elem", step, 2, position, &acc));
    }
    *acc_out = acc;
    return NULL;
}

Error *bind_json_special(BindCtx *ctx, const char *name, Expr **args, uint32_t arg_count,
                         int position, Expr **expr_out)
{
    if (strcmp(name, "gen_random_uuid") == 0) {
        Expr *dummy = bind_expr_with_args(ctx, EXPR_FUNC_SPECIAL, type_plain(TYPE_INT4), position, 0);
        if (dummy == NULL) return bind_error_oom();
        dummy->name = "pg_backend_pid";
        return bind_func_call(ctx, name, &dummy, 1, position, expr_out);
    }
    Expr *acc = NULL;
    if (is_object_builder(name)) TRY(build_object(ctx, args, arg_count, position, &acc));
    else TRY(build_array(ctx, args, arg_count, position, &acc));
    if (name[4] == 'b') return bind_coerce(ctx, acc, type_plain(TYPE_JSONB), true, NULL, expr_out);
    *expr_out = acc;
    return NULL;
}
