/* planner/bind_expr_array.c: array expressions in the binder.
 *
 * Array operators and functions are ordinary EXPR_CALLs resolved through the PlanResolver
 * (the executor's kern_array_lookup handles the anyarray signatures): ARRAY[a, b, c] binds as
 * "array[]"(a) || b || c, a[i] as "[]"(a, i), a[i:j] as "[:]"(a, i, j), x op ANY (a) as
 * "any:op"(x, a) and ALL as "all:op"(x, a). */
#include <stdio.h>
#include <string.h>

#include "planner/bind_expr_array.h"

uint32_t bind_array_type_of(uint32_t elem_id)
{
    static const uint32_t PAIRS[][2] = {
        { TYPE_BOOL, TYPE_BOOL_ARRAY }, { TYPE_BYTEA, TYPE_BYTEA_ARRAY },
        { TYPE_CHAR, TYPE_CHAR_ARRAY }, { TYPE_NAME, TYPE_NAME_ARRAY },
        { TYPE_INT2, TYPE_INT2_ARRAY }, { TYPE_INT4, TYPE_INT4_ARRAY },
        { TYPE_TEXT, TYPE_TEXT_ARRAY }, { TYPE_UNKNOWN, TYPE_TEXT_ARRAY },
        { TYPE_BPCHAR, TYPE_BPCHAR_ARRAY }, { TYPE_VARCHAR, TYPE_VARCHAR_ARRAY },
        { TYPE_INT8, TYPE_INT8_ARRAY }, { TYPE_FLOAT4, TYPE_FLOAT4_ARRAY },
        { TYPE_FLOAT8, TYPE_FLOAT8_ARRAY }, { TYPE_OID, TYPE_OID_ARRAY },
        { TYPE_TIMESTAMP, TYPE_TIMESTAMP_ARRAY }, { TYPE_DATE, TYPE_DATE_ARRAY },
        { TYPE_TIME, TYPE_TIME_ARRAY }, { TYPE_TIMESTAMPTZ, TYPE_TIMESTAMPTZ_ARRAY },
        { TYPE_INTERVAL, TYPE_INTERVAL_ARRAY }, { TYPE_NUMERIC, TYPE_NUMERIC_ARRAY },
        { TYPE_REGTYPE, TYPE_REGTYPE_ARRAY },
    };
    for (size_t pair_idx = 0; pair_idx < sizeof PAIRS / sizeof PAIRS[0]; pair_idx++) {
        if (PAIRS[pair_idx][0] == elem_id) return PAIRS[pair_idx][1];
    }
    return TYPE_INVALID;
}

static bool is_array_type(uint32_t id) { return type_array_elem(id) != TYPE_INVALID; }

Error *bind_array_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    int count = ast_list_count(ast->args);
    if (count == 0) {
        /* ARRAY[] has no type of its own: an unknown '{}' that the enclosing cast types */
        Expr *empty = bind_const_text(ctx, type_plain(TYPE_UNKNOWN), "{}", 2, ast->position);
        if (empty == NULL) return bind_error_oom();
        *expr_out = empty;
        return NULL;
    }
    if (count > BIND_LIST_COUNT_MAX) {
        return err_at(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, ast->position,
                      "number of array elements exceeds the maximum allowed");
    }
    Expr **elems = bind_alloc(ctx, sizeof(Expr *) * (size_t)count);
    if (elems == NULL) return bind_error_oom();
    for (int elem_idx = 0; elem_idx < count; elem_idx++) {
        const AstExpr *elem_ast = ast->args->items[elem_idx];
        if (elem_ast->kind == AST_EXPR_ARRAY) {
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, elem_ast->position,
                          "multidimensional arrays are not supported");
        }
        TRY(bind_expr(ctx, scope, elem_ast, &elems[elem_idx]));
    }
    Type type;
    TRY(bind_error_position(bind_common_type(ctx, elems, (uint32_t)count, "ARRAY", &type),
                            ast->position));
    if (type.id == TYPE_UNKNOWN) type = type_plain(TYPE_TEXT);
    if (is_array_type(type.id)) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "multidimensional arrays are not supported");
    }
    for (int elem_idx = 0; elem_idx < count; elem_idx++) {
        if (!type_equal(elems[elem_idx]->type, type)) {
            TRY(bind_coerce(ctx, elems[elem_idx], type, false, NULL, &elems[elem_idx]));
        }
    }
    Expr *array = NULL;
    TRY(bind_func_call(ctx, "array[]", elems, 1, ast->position, &array));
    for (int elem_idx = 1; elem_idx < count; elem_idx++) {
        Expr *pair[2] = { array, elems[elem_idx] };
        TRY(bind_func_call(ctx, "||", pair, 2, ast->position, &array));
    }
    *expr_out = array;
    return NULL;
}

static Error *bind_index(BindCtx *ctx, BindScope *scope, const AstExpr *ast, const char *omitted,
                         int position, Expr **expr_out)
{
    if (ast == NULL) {
        *expr_out = bind_const_text(ctx, type_plain(TYPE_INT4), omitted, strlen(omitted), position);
        return *expr_out == NULL ? bind_error_oom() : NULL;
    }
    TRY(bind_expr(ctx, scope, ast, expr_out));
    if ((*expr_out)->type.id == TYPE_INT4) return NULL;
    uint32_t id = (*expr_out)->type.id;
    if (id != TYPE_UNKNOWN && id != TYPE_INT2 && id != TYPE_INT8 && id != TYPE_NUMERIC &&
        id != TYPE_FLOAT4 && id != TYPE_FLOAT8) {
        return err_at(SQLSTATE_DATATYPE_MISMATCH, ast->position,
                      "array subscript must have type integer");
    }
    return bind_coerce(ctx, *expr_out, type_plain(TYPE_INT4), true, NULL, expr_out);
}

Error *bind_subscript_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    Expr *array = NULL;
    TRY(bind_expr(ctx, scope, ast->arg, &array));
    if (!is_array_type(array->type.id)) {
        return err_at(SQLSTATE_DATATYPE_MISMATCH, ast->position,
                      "cannot subscript type %s because it does not support subscripting",
                      type_name(array->type.id));
    }
    if (!ast->slice) {
        Expr *args[2] = { array, NULL };
        TRY(bind_index(ctx, scope, ast->left, "1", ast->position, &args[1]));
        return bind_func_call(ctx, "[]", args, 2, ast->position, expr_out);
    }
    Expr *args[3] = { array, NULL, NULL };
    TRY(bind_index(ctx, scope, ast->left, "-2147483648", ast->position, &args[1]));
    TRY(bind_index(ctx, scope, ast->right, "2147483647", ast->position, &args[2]));
    return bind_func_call(ctx, "[:]", args, 3, ast->position, expr_out);
}

Error *bind_array_quantified(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                             Expr **expr_out)
{
    if (ast->left != NULL && ast->left->kind == AST_EXPR_ROW) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "row comparisons with ANY/ALL (array) are not supported");
    }
    Expr *args[2] = { NULL, NULL };
    TRY(bind_expr(ctx, scope, ast->left, &args[0]));
    TRY(bind_expr(ctx, scope, ast->right, &args[1]));
    const char *op = ast->text != NULL ? ast->text : "=";
    char name[32];
    snprintf(name, sizeof name, "%s:%s", ast->sublink_kind == AST_SUBLINK_ALL ? "all" : "any",
             op);
    if (args[1]->type.id != TYPE_UNKNOWN && !is_array_type(args[1]->type.id)) {
        return err_at(SQLSTATE_WRONG_OBJECT_TYPE, ast->position,
                      "op ANY/ALL (array) requires array on right side");
    }
    return bind_func_call(ctx, name, args, 2, ast->position, expr_out);
}

Error *bind_regexp_replace4(BindCtx *ctx, Expr **args, int position, Expr **expr_out)
{
    Expr *pair[2] = { args[3], args[1] };
    Expr *joined = NULL;
    TRY(bind_func_call(ctx, "regexp_flags", pair, 2, position, &joined));
    Expr *triple[3] = { args[0], joined, args[2] };
    return bind_func_call(ctx, "regexp_replace_flagged", triple, 3, position, expr_out);
}

/* ---------------------------------------------------------------- array_agg / string_agg ---- */

/* order_key: the order-preserving key bytes (bytea) of one ORDER BY value,
 * "agg_sortkey"(value, dir). */
static Error *order_key(BindCtx *ctx, Expr *value, bool descending, bool nulls_first,
                        int position, Expr **key_out)
{
    if (value->type.id == TYPE_UNKNOWN) {
        TRY(bind_coerce(ctx, value, type_plain(TYPE_TEXT), false, NULL, &value));
    }
    /* KeyDir (storage/key.h): bit 0 DESC, bit 1 NULLS FIRST */
    char dir_text[4];
    snprintf(dir_text, sizeof dir_text, "%d", (descending ? 1 : 0) | (nulls_first ? 2 : 0));
    Expr *dir = bind_const_text(ctx, type_plain(TYPE_INT4), dir_text, strlen(dir_text), 0);
    if (dir == NULL) return bind_error_oom();
    Expr *args[2] = { value, dir };
    return bind_func_call(ctx, "agg_sortkey", args, 2, position, key_out);
}

/* key_append: *key = *key || part (the first part alone). */
static Error *key_append(BindCtx *ctx, Expr **key, Expr *part, int position)
{
    if (*key == NULL) {
        *key = part;
        return NULL;
    }
    Expr *pair[2] = { *key, part };
    return bind_func_call(ctx, "||", pair, 2, position, key);
}

/* ListArgs: the bound arguments of array_agg / string_agg; raw[] are before their implicit
 * casts (what an ORDER BY expression of a DISTINCT call is compared with). */
typedef struct ListArgs {
    Expr *value, *sep;          /* as packed (sep: NULL text for array_agg) */
    Expr *raw[2];
    uint32_t count;             /* 1 (array_agg) or 2 (string_agg) */
    bool  in_order[2];          /* DISTINCT: the argument is an ORDER BY expression */
} ListArgs;

/* order_keys: the sort key of the call's ORDER BY items; with DISTINCT every item must be an
 * argument (42P10, PostgreSQL's transformDistinctClause) and the arguments not named follow
 * ascending (PostgreSQL sorts by them too), so equal keys mean equal arguments. */
static Error *order_keys(BindCtx *ctx, BindScope *input, BindAgg *nested_agg,
                         BindWindow *nested_window, const AstFuncCall *func, ListArgs *args,
                         int position, Expr **key_out)
{
    Expr *key = NULL;
    for (int item_idx = 0; item_idx < ast_list_count(func->order_by); item_idx++) {
        const AstSortBy *item = func->order_by->items[item_idx];
        Expr *value = NULL;
        TRY(bind_expr_in(ctx, input, nested_agg, nested_window, item->expr, &value));
        if (func->distinct) {
            uint32_t arg_idx = bind_agg_order_arg(value, args->raw, args->count);
            if (arg_idx == args->count) return bind_agg_order_not_arg(item->expr->position);
            args->in_order[arg_idx] = true;
        }
        bool descending = item->dir == AST_SORT_DESC;
        bool nulls_first =
            item->nulls == AST_NULLS_DEFAULT ? descending : item->nulls == AST_NULLS_FIRST;
        Expr *part = NULL;
        TRY(order_key(ctx, value, descending, nulls_first, item->expr->position, &part));
        TRY(key_append(ctx, &key, part, position));
    }
    Expr *packed[2] = { args->value, args->sep };
    for (uint32_t arg_idx = 0; func->distinct && arg_idx < args->count; arg_idx++) {
        if (args->in_order[arg_idx]) continue;
        Expr *part = NULL;
        TRY(order_key(ctx, packed[arg_idx], false, false, position, &part));
        TRY(key_append(ctx, &key, part, position));
    }
    *key_out = key;
    return NULL;
}

Error *bind_list_agg(BindCtx *ctx, BindScope *input, BindAgg *nested_agg,
                     BindWindow *nested_window, const char *name, const AstFuncCall *func,
                     int position, AggCall *call)
{
    bool is_string = strcmp(name, "string_agg") == 0;
    uint32_t arg_count = (uint32_t)ast_list_count(func->args);
    if (func->star || arg_count != (is_string ? 2u : 1u)) {
        return err_at(SQLSTATE_UNDEFINED_FUNCTION, position, "function %s%s does not exist", name,
                      is_string ? " with that number of arguments" : "(*)");
    }
    ListArgs args;
    memset(&args, 0, sizeof args);
    args.count = arg_count;
    Expr *value = NULL, *sep = NULL, *key = NULL;
    TRY(bind_expr_in(ctx, input, nested_agg, nested_window, func->args->items[0], &value));
    args.raw[0] = value;
    Type text = type_plain(TYPE_TEXT);
    if (is_string) {
        TRY(bind_expr_in(ctx, input, nested_agg, nested_window, func->args->items[1], &sep));
        args.raw[1] = sep;
        if (!type_is_string(value->type.id) && value->type.id != TYPE_BYTEA) {
            return err_at(SQLSTATE_UNDEFINED_FUNCTION, position,
                          "function string_agg(%s, %s) does not exist", type_name(value->type.id),
                          type_name(sep->type.id));
        }
        Type target = value->type.id == TYPE_BYTEA ? type_plain(TYPE_BYTEA) : text;
        TRY(bind_coerce(ctx, value, target, false, NULL, &value));
        TRY(bind_coerce(ctx, sep, target, false, NULL, &sep));
    } else {
        if (value->type.id == TYPE_UNKNOWN) TRY(bind_coerce(ctx, value, text, false, NULL, &value));
        sep = bind_const_null(ctx, text);
        if (sep == NULL) return bind_error_oom();
    }
    args.value = value;
    args.sep = sep;
    TRY(order_keys(ctx, input, nested_agg, nested_window, func, &args, position, &key));
    if (key == NULL) key = bind_const_null(ctx, type_plain(TYPE_BYTEA));
    if (key == NULL) return bind_error_oom();
    Type elem = value->type;
    Expr *pack_args[3] = { value, key, sep };
    TRY(bind_func_call(ctx, "agg_pack", pack_args, 3, position, &call->arg));
    /* DISTINCT: the executor drops rows whose packed bytes repeat, the kernel's finalize rows
     * whose key repeats (equal values with other bytes, such as 1.0 and 1.00) */
    char kern_name[32];
    snprintf(kern_name, sizeof kern_name, "%s%s", name, func->distinct ? " distinct" : "");
    const PlanResolver *resolver = ctx->plan->resolver;
    call->agg = resolver->agg(resolver->ctx, kern_name, elem.id, &call->result_type);
    if (call->agg == NULL) {
        return err_at(SQLSTATE_UNDEFINED_FUNCTION, position, "function %s(%s) does not exist",
                      name, type_name(elem.id));
    }
    return NULL;
}
