/* planner/bind_expr_func.c: function calls: scalar functions through the resolver, aggregates
 * (collected in the scope's BindAgg, read back as a column of the aggregate node's output),
 * window calls (collected in BindWindow, read back as a column of the window node's output),
 * sequence functions (EXPR_SEQ_*, the sequence resolved now) and the session's special
 * functions (EXPR_FUNC_SPECIAL: version(), current_user, now() ...).
 *
 * Arguments of an aggregate bind in the aggregate's input scope with the agg replaced by the
 * read-only sentinel bind_agg_nested, so an aggregate inside is `aggregate function calls
 * cannot be nested`; window call arguments use bind_window_nested the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "planner/bind_expr_int.h"
#include "planner/bind_expr_array.h"   /* arrays */
#include "planner/bind_expr_json.h"    /* types: json builders, gen_random_uuid */
#include "planner/plan_int.h"          /* expr_equal */

enum { BIND_SEQUENCE_NAME_SIZE_MAX = 256 };

/* installed as scope->window while binding an aggregate's arguments */
static BindWindow window_in_aggregate;

static const char *const AGGREGATE_NAMES[] = {
    "count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "string_agg",
    "array_agg", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp",
    "bit_and", "bit_or",
};

/* aggregates whose result does not depend on input order: ORDER BY inside is bound (its
 * errors are PostgreSQL's) and checked against DISTINCT, then ignored */
static const char *const ORDER_FREE_AGGREGATES[] = {
    "count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "stddev",
    "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "bit_and", "bit_or",
};

static bool name_in(const char *name, const char *const *names, size_t count)
{
    for (size_t name_idx = 0; name_idx < count; name_idx++) {
        if (strcmp(names[name_idx], name) == 0) return true;
    }
    return false;
}

bool bind_is_aggregate(const char *name)
{
    return name_in(name, AGGREGATE_NAMES, sizeof AGGREGATE_NAMES / sizeof AGGREGATE_NAMES[0]);
}

static void signature(const char *name, Expr *const *args, uint32_t arg_count, char *buffer,
                      size_t buffer_size)
{
    size_t used = (size_t)snprintf(buffer, buffer_size, "%s(", name);
    for (uint32_t arg_idx = 0; arg_idx < arg_count && used < buffer_size; arg_idx++) {
        used += (size_t)snprintf(buffer + used, buffer_size - used, "%s%s",
                                 arg_idx > 0 ? ", " : "", type_name(args[arg_idx]->type.id));
    }
    if (used < buffer_size) snprintf(buffer + used, buffer_size - used, ")");
}

static Error *no_function(const char *name, Expr *const *args, uint32_t arg_count, int position)
{
    char text[512];
    signature(name, args, arg_count, text, sizeof text);
    return err_set_hint(err_at(SQLSTATE_UNDEFINED_FUNCTION, position, "function %s does not exist",
                               text),
                        "No function matches the given name and argument types. You might need "
                        "to add explicit type casts.");
}

Error *bind_func_call(BindCtx *ctx, const char *name, Expr **args, uint32_t arg_count,
                      int position, Expr **expr_out)
{
    if (arg_count == 4 && strcmp(name, "regexp_replace") == 0) {   /* arrays: regex */
        return bind_regexp_replace4(ctx, args, position, expr_out);
    }
    if (arg_count > PLAN_FUNC_ARG_MAX) return no_function(name, args, arg_count, position);
    Type types[PLAN_FUNC_ARG_MAX];
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) types[arg_idx] = args[arg_idx]->type;
    const PlanResolver *resolver = ctx->plan->resolver;
    PlanFunc func;
    memset(&func, 0, sizeof func);
    TRY(bind_error_position(resolver->func(resolver->ctx, name, types, arg_count, &func),
                            position));
    Expr *call = bind_expr_with_args(ctx, EXPR_CALL, func.result_type, position, arg_count);
    if (call == NULL) return bind_error_oom();
    call->name = bind_strdup(ctx, name);
    if (call->name == NULL) return bind_error_oom();
    call->kern = func.kern;
    call->filter_kern = func.filter_kern;
    bool null_arg = false;
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        TRY(bind_coerce(ctx, args[arg_idx], func.arg_types[arg_idx], false, NULL,
                        &call->args[arg_idx]));
        const Expr *arg = call->args[arg_idx];
        while (arg->kind == EXPR_CAST && arg->arg_count == 1) arg = arg->args[0];
        null_arg = null_arg || (arg->kind == EXPR_CONST && arg->is_null);
    }
    /* PostgreSQL's planner folds a strict function with a NULL constant argument (or a cast of
     * one: casts are strict too) to a NULL constant before anything runs
     * (eval_const_expressions), so `x / 0 * NULL` is NULL, never a division by zero. Every
     * registry entry is strict except these. */
    static const char *const NOT_STRICT[] = {
        "is distinct from", "is not distinct from", "is true", "is false", "is not true",
        "is not false", "is null", "is not null", "and", "or", "greatest", "least", "concat",
        "concat_ws", "format_type", "quote_nullable" /* catfuncs */,
        "array[]", "||", "array_append", "array_prepend", "array_cat", "array_position",
        "array_remove", "string_to_array", "array_to_string", "agg_pack" /* arrays */,
        "json build pair", "json build elem" /* types */};
    bool quantified = strncmp(name, "any:", 4) == 0 || strncmp(name, "all:", 4) == 0; /* arrays */
    if (null_arg && !quantified &&
        !name_in(name, NOT_STRICT, sizeof NOT_STRICT / sizeof NOT_STRICT[0])) {
        Expr *null_const = bind_const_null(ctx, func.result_type);
        if (null_const == NULL) return bind_error_oom();
        null_const->position = position;
        *expr_out = null_const;
        return NULL;
    }
    *expr_out = call;
    return NULL;
}

/* bind_args: the call's arguments, bound in scope (agg / window as given). */
static Error *bind_args(BindCtx *ctx, BindScope *scope, BindAgg *agg, BindWindow *window,
                        const AstFuncCall *func, Expr ***args_out, uint32_t *count_out)
{
    uint32_t count = (uint32_t)ast_list_count(func->args);
    Expr **args = bind_alloc(ctx, sizeof(Expr *) * (count == 0 ? 1 : count));
    if (args == NULL) return bind_error_oom();
    for (uint32_t arg_idx = 0; arg_idx < count; arg_idx++) {
        const AstExpr *arg = func->args->items[arg_idx];
        if (arg->kind == AST_EXPR_NAMED_ARG) {
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, arg->position,
                          "named function arguments are not supported");
        }
        TRY(bind_expr_in(ctx, scope, agg, window, arg, &args[arg_idx]));
    }
    *args_out = args;
    *count_out = count;
    return NULL;
}

/* ---------------------------------------------------------------- specials ---- */

typedef struct SpecialFunc {
    const char *name;
    TypeId      result;
    uint32_t    arg_count_min, arg_count_max;
    TypeId      arg_types[3];
    bool        precision_arg;   /* current_timestamp(p): the argument is the typmod */
} SpecialFunc;

static const SpecialFunc SPECIAL_FUNCS[] = {
    { "version", TYPE_TEXT, 0, 0, { 0 }, false },
    { "current_schema", TYPE_NAME, 0, 0, { 0 }, false },
    { "current_database", TYPE_NAME, 0, 0, { 0 }, false },
    { "current_catalog", TYPE_NAME, 0, 0, { 0 }, false },
    { "current_user", TYPE_NAME, 0, 0, { 0 }, false },
    { "current_role", TYPE_NAME, 0, 0, { 0 }, false },
    { "session_user", TYPE_NAME, 0, 0, { 0 }, false },
    { "current_setting", TYPE_TEXT, 1, 2, { TYPE_TEXT, TYPE_BOOL }, false },
    { "set_config", TYPE_TEXT, 3, 3, { TYPE_TEXT, TYPE_TEXT, TYPE_BOOL }, false },
    { "pg_backend_pid", TYPE_INT4, 0, 0, { 0 }, false },
    { "now", TYPE_TIMESTAMPTZ, 0, 0, { 0 }, false },
    { "transaction_timestamp", TYPE_TIMESTAMPTZ, 0, 0, { 0 }, false },
    { "statement_timestamp", TYPE_TIMESTAMPTZ, 0, 0, { 0 }, false },
    { "clock_timestamp", TYPE_TIMESTAMPTZ, 0, 0, { 0 }, false },
    { "current_timestamp", TYPE_TIMESTAMPTZ, 0, 1, { TYPE_INT4 }, true },
    { "localtimestamp", TYPE_TIMESTAMP, 0, 1, { TYPE_INT4 }, true },
    { "localtime", TYPE_TIME, 0, 1, { TYPE_INT4 }, true },
    { "current_date", TYPE_DATE, 0, 0, { 0 }, false },
    { "pg_notify", TYPE_TEXT, 2, 2, { TYPE_TEXT, TYPE_TEXT }, false },   /* PG: void */
};

static const SpecialFunc *find_special(const char *name)
{
    for (size_t func_idx = 0; func_idx < sizeof SPECIAL_FUNCS / sizeof SPECIAL_FUNCS[0];
         func_idx++) {
        if (strcmp(SPECIAL_FUNCS[func_idx].name, name) == 0) return &SPECIAL_FUNCS[func_idx];
    }
    return NULL;
}

static Error *bind_special(BindCtx *ctx, const SpecialFunc *special, Expr **args,
                           uint32_t arg_count, int position, Expr **expr_out)
{
    /* the executor's registry may implement it as an ordinary kernel */
    const PlanResolver *resolver = ctx->plan->resolver;
    Type types[PLAN_FUNC_ARG_MAX];
    if (arg_count <= PLAN_FUNC_ARG_MAX) {
        for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
            types[arg_idx] = args[arg_idx]->type;
        }
        PlanFunc func;
        Error *err = resolver->func(resolver->ctx, special->name, types, arg_count, &func);
        if (err == NULL) return bind_func_call(ctx, special->name, args, arg_count, position,
                                               expr_out);
        err_free(err);
    }
    if (arg_count < special->arg_count_min || arg_count > special->arg_count_max) {
        return no_function(special->name, args, arg_count, position);
    }
    Type result = type_plain(special->result);
    if (special->precision_arg && arg_count == 1) {
        const Expr *precision = args[0];
        if (precision->kind != EXPR_CONST || precision->type.id != TYPE_INT4) {
            return no_function(special->name, args, arg_count, position);
        }
        int value = atoi(precision->const_text);
        result.typmod = value < 0 ? 0 : value > 6 ? 6 : value;
        arg_count = 0;
    }
    Expr *expr = bind_expr_with_args(ctx, EXPR_FUNC_SPECIAL, result, position, arg_count);
    if (expr == NULL) return bind_error_oom();
    expr->name = special->name;
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        Error *err = bind_coerce(ctx, args[arg_idx], type_plain(special->arg_types[arg_idx]),
                                 false, NULL, &expr->args[arg_idx]);
        if (err != NULL) {
            err_free(err);
            return no_function(special->name, args, arg_count, position);
        }
    }
    *expr_out = expr;
    return NULL;
}

/* --------------------------------------------------------------- sequences ---- */

/* sequence_name_parts: split a regclass text ("s", "public.s", "\"My Seq\"") into schema and
 * name, folding unquoted parts to lower case. */
static Error *sequence_name_parts(const char *text, int position, char *schema, char *name)
{
    char parts[2][BIND_SEQUENCE_NAME_SIZE_MAX];
    int part_count = 0;
    size_t text_idx = 0, length = strlen(text);
    while (text_idx <= length) {
        if (part_count == 2) goto invalid;
        size_t used = 0;
        char *part = parts[part_count++];
        if (text[text_idx] == '"') {
            text_idx++;
            while (text_idx < length) {
                if (text[text_idx] == '"') {
                    if (text[text_idx + 1] != '"') break;
                    text_idx++;
                }
                if (used + 1 >= BIND_SEQUENCE_NAME_SIZE_MAX) goto invalid;
                part[used++] = text[text_idx++];
            }
            if (text_idx >= length) goto invalid;
            text_idx++;
        } else {
            while (text_idx < length && text[text_idx] != '.') {
                char ch = text[text_idx++];
                if (used + 1 >= BIND_SEQUENCE_NAME_SIZE_MAX) goto invalid;
                part[used++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
            }
        }
        part[used] = '\0';
        if (used == 0) goto invalid;
        if (text_idx == length) break;
        if (text[text_idx] != '.') goto invalid;
        text_idx++;
    }
    schema[0] = '\0';
    if (part_count == 2) strcpy(schema, parts[0]);
    strcpy(name, parts[part_count - 1]);
    return NULL;
invalid:
    return err_at(SQLSTATE_SYNTAX_ERROR, position, "invalid name syntax");
}

static Error *lookup_sequence(BindCtx *ctx, const AstExpr *name_ast, uint32_t *oid_out)
{
    const AstExpr *literal = name_ast;
    if (literal->kind == AST_EXPR_CAST && literal->arg->kind == AST_EXPR_STRING &&
        strcmp(literal->type->name, "regclass") == 0) {
        literal = literal->arg;
    }
    if (literal->kind != AST_EXPR_STRING) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, name_ast->position,
                      "sequence functions need a constant sequence name");
    }
    char schema[BIND_SEQUENCE_NAME_SIZE_MAX], name[BIND_SEQUENCE_NAME_SIZE_MAX];
    TRY(sequence_name_parts(literal->text, literal->position, schema, name));
    const PlanCtx *plan = ctx->plan;
    const CatTable *table = NULL;
    if (plan->catalog != NULL) {
        if (schema[0] != '\0') {
            uint32_t namespace_oid = 0;
            TRY(catalog_lookup_namespace(plan->catalog, plan->txn, schema, &namespace_oid));
            if (namespace_oid == 0) {
                return err_at(SQLSTATE_INVALID_SCHEMA_NAME, literal->position,
                              "schema \"%s\" does not exist", schema);
            }
            TRY(catalog_lookup(plan->catalog, plan->txn, namespace_oid, name, &table));
        } else {
            TRY(catalog_lookup_path(plan->catalog, plan->txn, plan->search_path,
                                    plan->search_path_count, name, &table));
        }
    }
    if (table == NULL) {
        return err_at(SQLSTATE_UNDEFINED_TABLE, literal->position,
                      "relation \"%s\" does not exist", literal->text);
    }
    if (table->kind != CAT_KIND_SEQUENCE) {
        return err_at(SQLSTATE_WRONG_OBJECT_TYPE, literal->position, "\"%s\" is not a sequence",
                      table->name);
    }
    *oid_out = table->oid;
    return NULL;
}

static Error *bind_sequence(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                            const char *name, Expr **expr_out)
{
    const AstFuncCall *func = ast->func;
    uint32_t arg_count = (uint32_t)ast_list_count(func->args);
    bool is_set = strcmp(name, "setval") == 0;
    bool arity_ok = is_set ? (arg_count == 2 || arg_count == 3) : arg_count == 1;
    if (!arity_ok) {
        return err_at(SQLSTATE_UNDEFINED_FUNCTION, ast->position,
                      "function %s with %u arguments does not exist", name, arg_count);
    }
    uint32_t sequence_oid = 0;
    TRY(lookup_sequence(ctx, func->args->items[0], &sequence_oid));
    ExprKind kind = is_set ? EXPR_SEQ_SET
                    : strcmp(name, "nextval") == 0 ? EXPR_SEQ_NEXT
                                                   : EXPR_SEQ_CURR;
    Expr *expr = bind_expr_with_args(ctx, kind, type_plain(TYPE_INT8), ast->position,
                                     arg_count - 1);
    if (expr == NULL) return bind_error_oom();
    expr->name = name;
    expr->sequence_oid = sequence_oid;
    static const TypeId SET_TYPES[2] = { TYPE_INT8, TYPE_BOOL };
    for (uint32_t arg_idx = 1; arg_idx < arg_count; arg_idx++) {
        Expr *arg = NULL;
        TRY(bind_expr(ctx, scope, func->args->items[arg_idx], &arg));
        TRY(bind_coerce(ctx, arg, type_plain(SET_TYPES[arg_idx - 1]), false, NULL,
                        &expr->args[arg_idx - 1]));
    }
    *expr_out = expr;
    return NULL;
}

/* -------------------------------------------------------------- aggregates ---- */

static const char *agg_name(const char *name)
{
    return strcmp(name, "every") == 0 ? "bool_and" : name;
}

/* resolve_agg: the aggregate over arg's type, widening a numeric or string argument along
 * its implicit casts when no kernel takes it as is (sum(int2) reads it as int4). */
static Error *resolve_agg(BindCtx *ctx, const char *name, Expr **arg, int position,
                          const void **agg_out, Type *result_out)
{
    const PlanResolver *resolver = ctx->plan->resolver;
    if (*arg == NULL) {
        *agg_out = resolver->agg(resolver->ctx, name, TYPE_INVALID, result_out);
        if (*agg_out == NULL) {
            return err_at(SQLSTATE_UNDEFINED_FUNCTION, position,
                          "function %s(*) does not exist", name);
        }
        return NULL;
    }
    if ((*arg)->type.id == TYPE_UNKNOWN) {
        TRY(bind_coerce(ctx, *arg, type_plain(TYPE_TEXT), false, NULL, arg));
    }
    *agg_out = resolver->agg(resolver->ctx, name, (*arg)->type.id, result_out);
    if (*agg_out != NULL) return NULL;
    static const TypeId WIDER[] = { TYPE_INT4, TYPE_INT8, TYPE_NUMERIC, TYPE_FLOAT8, TYPE_TEXT };
    for (size_t wide_idx = 0; wide_idx < sizeof WIDER / sizeof WIDER[0]; wide_idx++) {
        Type wide = type_plain(WIDER[wide_idx]);
        bool reachable = type_is_string((*arg)->type.id)
                             ? wide.id == TYPE_TEXT
                             : (type_is_numeric_family((*arg)->type.id) && wide.id != TYPE_TEXT);
        if (!reachable) continue;
        const void *agg = resolver->agg(resolver->ctx, name, wide.id, result_out);
        if (agg != NULL) {
            *agg_out = agg;
            return bind_coerce(ctx, *arg, wide, false, NULL, arg);
        }
    }
    return no_function(name, arg, 1, position);
}

static Error *agg_append(BindCtx *ctx, BindAgg *agg, const AggCall *call, const char *key,
                         uint32_t *idx_out)
{
    if (agg->agg_count == agg->agg_capacity) {
        uint32_t capacity = agg->agg_capacity < 4 ? 4 : agg->agg_capacity * 2;
        AggCall *calls = bind_alloc(ctx, sizeof(AggCall) * capacity);
        const char **keys = bind_alloc(ctx, sizeof(char *) * capacity);
        if (calls == NULL || keys == NULL) return bind_error_oom();
        if (agg->agg_count > 0) {
            memcpy(calls, agg->aggs, sizeof(AggCall) * agg->agg_count);
            if (agg->agg_keys != NULL) memcpy(keys, agg->agg_keys, sizeof(char *) * agg->agg_count);
        }
        agg->aggs = calls;
        agg->agg_keys = keys;
        agg->agg_capacity = capacity;
    }
    agg->aggs[agg->agg_count] = *call;
    agg->agg_keys[agg->agg_count] = key;
    *idx_out = agg->agg_count++;
    return NULL;
}

static Error *agg_not_allowed(const BindScope *scope, int position)
{
    if (scope->agg == &bind_agg_nested) {
        return err_at(SQLSTATE_GROUPING_ERROR, position,
                      "aggregate function calls cannot be nested");
    }
    if (scope->agg != NULL && scope->agg->clause != NULL) {
        return err_at(SQLSTATE_GROUPING_ERROR, position,
                      "aggregate functions are not allowed in %s", scope->agg->clause);
    }
    return err_at(SQLSTATE_GROUPING_ERROR, position, "aggregate functions are not allowed here");
}

uint32_t bind_agg_order_arg(const Expr *order, Expr *const *args, uint32_t arg_count)
{
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        if (expr_equal(order, args[arg_idx])) return arg_idx;
    }
    return arg_count;
}

Error *bind_agg_order_not_arg(int position)
{
    return err_at(SQLSTATE_INVALID_COLUMN_REFERENCE, position,
                  "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument "
                  "list");
}

/* bind_order_free: the ORDER BY of an aggregate whose result does not depend on the order
 * (count, sum ...): bound for its errors, each item an argument under DISTINCT, then dropped. */
static Error *bind_order_free(BindCtx *ctx, BindScope *input, const AstFuncCall *func,
                              Expr *arg)
{
    for (int item_idx = 0; item_idx < ast_list_count(func->order_by); item_idx++) {
        const AstSortBy *item = func->order_by->items[item_idx];
        Expr *value = NULL;
        TRY(bind_expr_in(ctx, input, &bind_agg_nested, &window_in_aggregate, item->expr, &value));
        uint32_t arg_count = arg != NULL ? 1 : 0;
        if (func->distinct && bind_agg_order_arg(value, &arg, arg_count) == arg_count) {
            return bind_agg_order_not_arg(item->expr->position);
        }
    }
    return NULL;
}

static Error *bind_aggregate(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                             const char *name, Expr **expr_out)
{
    const AstFuncCall *func = ast->func;
    BindAgg *agg = scope->agg;
    if (agg == NULL || agg == &bind_agg_nested || !agg->allowed) {
        return agg_not_allowed(scope, ast->position);
    }
    uint32_t arg_count = (uint32_t)ast_list_count(func->args);
    bool list_agg = strcmp(name, "array_agg") == 0 || strcmp(name, "string_agg") == 0; /* arrays */
    if (!list_agg && (func->star ? (strcmp(name, "count") != 0 || arg_count != 0) : arg_count != 1)) {
        if (strcmp(name, "string_agg") == 0 && arg_count == 2) {
            /* AggCall carries one argument: no room for the separator yet */
            return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                          "string_agg is not supported");
        }
        if (func->star) {
            return err_at(SQLSTATE_UNDEFINED_FUNCTION, ast->position,
                          "function %s(*) does not exist", name);
        }
        Expr **args = NULL;
        uint32_t count = 0;
        BindScope *input = agg->input != NULL ? agg->input : scope;
        TRY(bind_args(ctx, input, &bind_agg_nested, &window_in_aggregate, func, &args, &count));
        return no_function(name, args, count, ast->position);
    }
    if (func->order_by != NULL && !list_agg &&
        !name_in(name, ORDER_FREE_AGGREGATES,
                 sizeof ORDER_FREE_AGGREGATES / sizeof ORDER_FREE_AGGREGATES[0])) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "ORDER BY in aggregate %s is not supported", name);
    }
    char *key = ast_print_expr(ctx->plan->arena, ast);
    if (key == NULL) return bind_error_oom();
    /* plan_view_rename binds every call, duplicates too: the names in each are in the text */
    uint32_t agg_idx = ctx->rename != NULL ? agg->agg_count : 0;
    while (agg_idx < agg->agg_count && (agg->agg_keys == NULL || agg->agg_keys[agg_idx] == NULL ||
                                        strcmp(agg->agg_keys[agg_idx], key) != 0)) {
        agg_idx++;
    }
    if (agg_idx == agg->agg_count) {
        BindScope *input = agg->input != NULL ? agg->input : scope;
        AggCall call;
        memset(&call, 0, sizeof call);
        call.name = agg_name(name);
        call.distinct = func->distinct;
        if (list_agg) {   /* arrays: array_agg / string_agg with ORDER BY */
            TRY(bind_list_agg(ctx, input, &bind_agg_nested, &window_in_aggregate, name, func,
                              ast->position, &call));
        } else {
            if (arg_count == 1) {
                TRY(bind_expr_in(ctx, input, &bind_agg_nested, &window_in_aggregate,
                                 func->args->items[0], &call.arg));
            }
            Expr *arg = call.arg;   /* before resolve_agg's implicit cast */
            TRY(resolve_agg(ctx, call.name, &call.arg, ast->position, &call.agg,
                            &call.result_type));
            TRY(bind_order_free(ctx, input, func, arg));
        }
        if (func->filter != NULL) {
            Expr *filter = NULL;
            TRY(bind_expr_in(ctx, input, &bind_agg_nested, &window_in_aggregate, func->filter,
                             &filter));
            TRY(bind_require_bool(ctx, filter, "FILTER", &call.filter));
        }
        TRY(agg_append(ctx, agg, &call, key, &agg_idx));
    }
    Expr *expr = bind_column_ref(ctx, agg->group_count + agg_idx, agg->aggs[agg_idx].result_type);
    if (expr == NULL) return bind_error_oom();
    expr->position = ast->position;
    *expr_out = expr;
    return NULL;
}

/* ------------------------------------------------------------------ windows ---- */

static const char *const WINDOW_FUNCS[] = {
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value",
};

static const AstWindow *named_window(const BindWindow *window, const char *name, int position,
                                     Error **err_out)
{
    for (int window_idx = 0; window_idx < ast_list_count(window->named); window_idx++) {
        const AstWindow *named = window->named->items[window_idx];
        if (named->name != NULL && strcmp(named->name, name) == 0) return named;
    }
    *err_out = err_at(SQLSTATE_UNDEFINED_OBJECT, position, "window \"%s\" does not exist", name);
    return NULL;
}

/* window_args_typed: the argument types and result of a (non-aggregate) window function. */
static Error *window_args_typed(BindCtx *ctx, const char *name, Expr **args, uint32_t arg_count,
                                int position, Type *result_out)
{
    bool no_args = strcmp(name, "row_number") == 0 || strcmp(name, "rank") == 0 ||
                   strcmp(name, "dense_rank") == 0 || strcmp(name, "percent_rank") == 0 ||
                   strcmp(name, "cume_dist") == 0;
    Type int4 = type_plain(TYPE_INT4);
    if (no_args) {
        if (arg_count != 0) return no_function(name, args, arg_count, position);
        bool fraction = name[0] == 'p' || name[0] == 'c';
        *result_out = type_plain(fraction ? TYPE_FLOAT8 : TYPE_INT8);
        return NULL;
    }
    if (strcmp(name, "ntile") == 0) {
        if (arg_count != 1) return no_function(name, args, arg_count, position);
        *result_out = int4;
        return bind_coerce(ctx, args[0], int4, false, NULL, &args[0]);
    }
    bool shift = strcmp(name, "lag") == 0 || strcmp(name, "lead") == 0;
    bool nth = strcmp(name, "nth_value") == 0;
    uint32_t count_max = shift ? 3 : nth ? 2 : 1;
    uint32_t count_min = nth ? 2 : 1;
    if (arg_count < count_min || arg_count > count_max) {
        return no_function(name, args, arg_count, position);
    }
    if (args[0]->type.id == TYPE_UNKNOWN) {
        TRY(bind_coerce(ctx, args[0], type_plain(TYPE_TEXT), false, NULL, &args[0]));
    }
    if (arg_count >= 2) TRY(bind_coerce(ctx, args[1], int4, false, NULL, &args[1]));
    if (arg_count == 3) TRY(bind_coerce(ctx, args[2], args[0]->type, false, NULL, &args[2]));
    *result_out = args[0]->type;
    return NULL;
}

static Error *window_frame_offset(BindCtx *ctx, BindScope *scope, const AstFrameBound *bound,
                                  AstFrameUnit unit, const WindowCall *call, Expr **offset_out)
{
    *offset_out = NULL;
    if (bound->offset == NULL) return NULL;
    Expr *offset = NULL;
    TRY(bind_expr_in(ctx, scope, scope->agg, &bind_window_nested, bound->offset, &offset));
    Type target = type_plain(TYPE_INT8);
    if (unit == AST_FRAME_RANGE) {
        if (call->order_count != 1) {
            return err_at(SQLSTATE_WINDOWING_ERROR, bound->offset->position,
                          "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY "
                          "column");
        }
        Type order_type = call->order[0].expr->type;
        bool datetime = order_type.id == TYPE_DATE || order_type.id == TYPE_TIMESTAMP ||
                        order_type.id == TYPE_TIMESTAMPTZ || order_type.id == TYPE_TIME;
        target = datetime ? type_plain(TYPE_INTERVAL) : type_plain((TypeId)order_type.id);
        if (offset->type.id != TYPE_UNKNOWN && datetime) target = offset->type;
    }
    return bind_coerce(ctx, offset, target, false, NULL, offset_out);
}

static WindowBoundKind bound_kind(AstBoundKind kind)
{
    switch (kind) {
    case AST_BOUND_UNBOUNDED_PRECEDING: return BOUND_UNBOUNDED_PRECEDING;
    case AST_BOUND_PRECEDING: return BOUND_PRECEDING;
    case AST_BOUND_CURRENT_ROW: return BOUND_CURRENT_ROW;
    case AST_BOUND_FOLLOWING: return BOUND_FOLLOWING;
    default: return BOUND_UNBOUNDED_FOLLOWING;
    }
}

static Error *window_spec(BindCtx *ctx, BindScope *scope, const AstWindow *over,
                          WindowCall *call)
{
    BindWindow *window = scope->window;
    const AstWindow *base = NULL;
    Error *err = NULL;
    const char *base_name = over->ref_name != NULL ? over->ref_name : over->name;
    if (base_name != NULL) {
        base = named_window(window, base_name, over->position, &err);
        if (base == NULL) return err;
        if (over->ref_name != NULL && over->partition_by != NULL) {
            return err_at(SQLSTATE_WINDOWING_ERROR, over->position,
                          "cannot override PARTITION BY clause of window \"%s\"", base_name);
        }
    }
    const AstList *partition = base != NULL && base->partition_by != NULL ? base->partition_by
                                                                           : over->partition_by;
    const AstList *order = over->order_by != NULL || base == NULL ? over->order_by
                                                                  : base->order_by;
    const AstWindow *frame = over->frame_unit != AST_FRAME_NONE || base == NULL ? over : base;
    call->partition_count = (uint32_t)ast_list_count(partition);
    call->partition = bind_alloc(ctx, sizeof(Expr *) * (call->partition_count + 1));
    call->order_count = (uint32_t)ast_list_count(order);
    call->order = bind_alloc(ctx, sizeof(SortKey) * (call->order_count + 1));
    if (call->partition == NULL || call->order == NULL) return bind_error_oom();
    for (uint32_t key_idx = 0; key_idx < call->partition_count; key_idx++) {
        Expr **key = &call->partition[key_idx];
        TRY(bind_expr_in(ctx, scope, scope->agg, &bind_window_nested, partition->items[key_idx],
                         key));
        if ((*key)->type.id == TYPE_UNKNOWN) {
            TRY(bind_coerce(ctx, *key, type_plain(TYPE_TEXT), false, NULL, key));
        }
    }
    for (uint32_t key_idx = 0; key_idx < call->order_count; key_idx++) {
        const AstSortBy *sort = order->items[key_idx];
        SortKey *key = &call->order[key_idx];
        TRY(bind_expr_in(ctx, scope, scope->agg, &bind_window_nested, sort->expr, &key->expr));
        if (key->expr->type.id == TYPE_UNKNOWN) {
            TRY(bind_coerce(ctx, key->expr, type_plain(TYPE_TEXT), false, NULL, &key->expr));
        }
        key->descending = sort->dir == AST_SORT_DESC;
        key->nulls_first = sort->nulls == AST_NULLS_DEFAULT ? key->descending
                                                            : sort->nulls == AST_NULLS_FIRST;
    }
    if (frame->frame_unit == AST_FRAME_NONE) return NULL;
    if (frame->exclude != AST_EXCLUDE_NONE) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, frame->position,
                      "frame exclusion is not supported");
    }
    call->has_frame = true;
    call->frame_mode = frame->frame_unit == AST_FRAME_ROWS    ? FRAME_ROWS
                       : frame->frame_unit == AST_FRAME_RANGE ? FRAME_RANGE
                                                              : FRAME_GROUPS;
    call->start_kind = bound_kind(frame->start.kind);
    call->end_kind = frame->has_end ? bound_kind(frame->end.kind) : BOUND_CURRENT_ROW;
    TRY(window_frame_offset(ctx, scope, &frame->start, frame->frame_unit, call,
                            &call->start_offset));
    if (frame->has_end) {
        TRY(window_frame_offset(ctx, scope, &frame->end, frame->frame_unit, call,
                                &call->end_offset));
    }
    return NULL;
}

static Error *window_not_allowed(const BindScope *scope, int position)
{
    if (scope->window == &bind_window_nested) {
        return err_at(SQLSTATE_WINDOWING_ERROR, position, "window function calls cannot be nested");
    }
    if (scope->window == &window_in_aggregate) {
        return err_at(SQLSTATE_GROUPING_ERROR, position,
                      "aggregate function calls cannot contain window function calls");
    }
    if (scope->agg != NULL && scope->agg != &bind_agg_nested && scope->agg->clause != NULL) {
        return err_at(SQLSTATE_WINDOWING_ERROR, position,
                      "window functions are not allowed in %s", scope->agg->clause);
    }
    return err_at(SQLSTATE_WINDOWING_ERROR, position, "window functions are not allowed here");
}

static Error *window_append(BindCtx *ctx, BindWindow *window, const WindowCall *call,
                            uint32_t *idx_out)
{
    if (window->count == window->capacity) {
        uint32_t capacity = window->capacity < 4 ? 4 : window->capacity * 2;
        WindowCall *calls = bind_alloc(ctx, sizeof(WindowCall) * capacity);
        if (calls == NULL) return bind_error_oom();
        if (window->count > 0) memcpy(calls, window->calls, sizeof(WindowCall) * window->count);
        window->calls = calls;
        window->capacity = capacity;
    }
    window->calls[window->count] = *call;
    *idx_out = window->count++;
    return NULL;
}

static Error *bind_window_call(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                               const char *name, Expr **expr_out)
{
    const AstFuncCall *func = ast->func;
    BindWindow *window = scope->window;
    if (window == NULL || window == &bind_window_nested || window == &window_in_aggregate) {
        return window_not_allowed(scope, ast->position);
    }
    bool aggregate = bind_is_aggregate(name);
    if (!aggregate && !name_in(name, WINDOW_FUNCS, sizeof WINDOW_FUNCS / sizeof WINDOW_FUNCS[0])) {
        return err_at(SQLSTATE_WRONG_OBJECT_TYPE, ast->position,
                      "OVER specified, but %s is not a window function nor an aggregate "
                      "function", name);
    }
    if (func->distinct) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "DISTINCT is not implemented for window functions");
    }
    if (func->filter != NULL && !aggregate) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "FILTER is not implemented for non-aggregate window functions");
    }
    if (func->order_by != NULL && !aggregate) {
        return err_at(SQLSTATE_WRONG_OBJECT_TYPE, ast->position,
                      "ORDER BY specified, but %s is not an aggregate function", name);
    }
    if (func->order_by != NULL) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "aggregate ORDER BY is not implemented for window functions");
    }
    WindowCall call;
    memset(&call, 0, sizeof call);
    call.name = aggregate ? agg_name(name) : name;
    TRY(bind_args(ctx, scope, scope->agg, &bind_window_nested, func, &call.args, &call.arg_count));
    if (aggregate && (strcmp(name, "array_agg") == 0 || strcmp(name, "string_agg") == 0)) {
        /* arrays: their input is agg_pack's row (bind_list_agg), not built for windows */
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "%s as a window function is not supported", name);
    }
    if (aggregate) {
        bool star_ok = func->star && strcmp(name, "count") == 0 && call.arg_count == 0;
        if (!star_ok && call.arg_count != 1) {
            return no_function(name, call.args, call.arg_count, ast->position);
        }
        Expr *arg = call.arg_count == 1 ? call.args[0] : NULL;
        TRY(resolve_agg(ctx, call.name, &arg, ast->position, &call.agg, &call.result_type));
        if (arg != NULL) call.args[0] = arg;
        if (func->filter != NULL) {
            Expr *filter = NULL;
            TRY(bind_expr_in(ctx, scope, scope->agg, &bind_window_nested, func->filter, &filter));
            TRY(bind_require_bool(ctx, filter, "FILTER", &call.filter));
        }
    } else {
        TRY(window_args_typed(ctx, name, call.args, call.arg_count, ast->position,
                              &call.result_type));
    }
    TRY(window_spec(ctx, scope, func->over, &call));
    uint32_t call_idx = 0;
    TRY(window_append(ctx, window, &call, &call_idx));
    Expr *expr = bind_column_ref(ctx, window->base + call_idx, call.result_type);
    if (expr == NULL) return bind_error_oom();
    expr->position = ast->position;
    *expr_out = expr;
    return NULL;
}

/* ------------------------------------------------------------------- concat ---- */

/* concat_piece: one argument of concat() as text, '' for NULL (bool prints t/f as its output
 * function does). */
static Error *concat_piece(BindCtx *ctx, Expr *arg, int position, Expr **piece_out)
{
    Type text = type_plain(TYPE_TEXT);
    Expr *value = arg;
    if (arg->type.id == TYPE_BOOL) {
        Expr *negated = bind_expr_with_args(ctx, EXPR_NOT, type_plain(TYPE_BOOL), position, 1);
        value = bind_expr_with_args(ctx, EXPR_CASE, text, position, 4);
        if (negated == NULL || value == NULL) return bind_error_oom();
        negated->args[0] = arg;
        value->args[0] = arg;
        value->args[1] = bind_const_text(ctx, text, "t", 1, position);
        value->args[2] = negated;
        value->args[3] = bind_const_text(ctx, text, "f", 1, position);
        if (value->args[1] == NULL || value->args[3] == NULL) return bind_error_oom();
    } else {
        bool plain = !type_is_string(arg->type.id) && arg->type.id != TYPE_UNKNOWN;
        TRY(bind_coerce(ctx, arg, text, plain, NULL, &value));
    }
    Expr *piece = bind_expr_with_args(ctx, EXPR_COALESCE, text, position, 2);
    if (piece == NULL) return bind_error_oom();
    piece->args[0] = value;
    piece->args[1] = bind_const_text(ctx, text, "", 0, position);
    if (piece->args[1] == NULL) return bind_error_oom();
    *piece_out = piece;
    return NULL;
}

/* bind_concat: concat(a, b, ...) is coalesce(a::text, '') || coalesce(b::text, '') || ... */
static Error *bind_concat(BindCtx *ctx, Expr **args, uint32_t arg_count, int position,
                          Expr **expr_out)
{
    if (arg_count == 0) return no_function("concat", args, arg_count, position);
    Expr *acc = NULL;
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        Expr *piece = NULL;
        TRY(concat_piece(ctx, args[arg_idx], position, &piece));
        if (acc == NULL) {
            acc = piece;
            continue;
        }
        Expr *pair[2] = { acc, piece };
        TRY(bind_func_call(ctx, "||", pair, 2, position, &acc));
    }
    *expr_out = acc;
    return NULL;
}

/* ------------------------------------------------------------- packed calls ---- */

/* funcs: calls with more than PLAN_FUNC_ARG_MAX or a variable number of arguments travel as
 * one array argument to a registry entry named "NAME packed" (executor/kern_funcs.h):
 * format / concat_ws (text[] of the arguments' text, NULLs kept), make_timestamp[tz],
 * make_interval (named arguments too) and width_bucket (float8[]); overlay is rewritten into
 * substr and ||. */

/* packed_text: arg as text for format/concat_ws (bool as its output 't'/'f'; NULL stays). */
static Error *packed_text(BindCtx *ctx, Expr *arg, int position, Expr **text_out)
{
    Type text = type_plain(TYPE_TEXT);
    if (arg->type.id != TYPE_BOOL) {
        bool plain = !type_is_string(arg->type.id) && arg->type.id != TYPE_UNKNOWN;
        return bind_coerce(ctx, arg, text, plain, NULL, text_out);
    }
    Expr *negated = bind_expr_with_args(ctx, EXPR_NOT, type_plain(TYPE_BOOL), position, 1);
    Expr *value = bind_expr_with_args(ctx, EXPR_CASE, text, position, 4);
    if (negated == NULL || value == NULL) return bind_error_oom();
    negated->args[0] = arg;
    value->args[0] = arg;
    value->args[1] = bind_const_text(ctx, text, "t", 1, position);
    value->args[2] = negated;
    value->args[3] = bind_const_text(ctx, text, "f", 1, position);
    if (value->args[1] == NULL || value->args[3] == NULL) return bind_error_oom();
    *text_out = value;
    return NULL;
}

/* pack_array: ARRAY[elems...] of elem_type (elements already of that type). */
static Error *pack_array(BindCtx *ctx, Expr **elems, uint32_t count, TypeId array_type,
                         int position, Expr **array_out)
{
    if (count == 0) {
        *array_out = bind_const_text(ctx, type_plain(array_type), "{}", 2, position);
        return *array_out == NULL ? bind_error_oom() : NULL;
    }
    Expr *acc = NULL;
    TRY(bind_func_call(ctx, "array[]", &elems[0], 1, position, &acc));
    for (uint32_t elem_idx = 1; elem_idx < count; elem_idx++) {
        Expr *pair[2] = { acc, elems[elem_idx] };
        TRY(bind_func_call(ctx, "array_append", pair, 2, position, &acc));
    }
    *array_out = acc;
    return NULL;
}

/* pack_float8: the arguments as float8[], each first coerced to its declared type (int4 when
 * is_int[i]). A NULL constant argument makes the call NULL (the functions are strict). */
static Error *pack_float8(BindCtx *ctx, const char *name, Expr **args, uint32_t arg_count,
                          const bool *is_int, int position, Expr **array_out, bool *null_out)
{
    Expr **elems = bind_alloc(ctx, sizeof(Expr *) * (arg_count + 1));
    if (elems == NULL) return bind_error_oom();
    *null_out = false;
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        /* PostgreSQL's implicit casts only: integer parameters take smallint and integer,
         * double precision ones any number type */
        uint32_t id = args[arg_idx]->type.id;
        bool implicit = id == TYPE_UNKNOWN || id == TYPE_INT2 || id == TYPE_INT4 ||
                        (!is_int[arg_idx] && (id == TYPE_INT8 || id == TYPE_NUMERIC ||
                                              id == TYPE_FLOAT4 || id == TYPE_FLOAT8));
        if (!implicit) return no_function(name, args, arg_count, position);
        Expr *typed = NULL;
        Type declared = type_plain(is_int[arg_idx] ? TYPE_INT4 : TYPE_FLOAT8);
        Error *err = bind_coerce(ctx, args[arg_idx], declared, false, NULL, &typed);
        if (err != NULL) {
            if (err->state != SQLSTATE_CANNOT_COERCE && err->state != SQLSTATE_DATATYPE_MISMATCH) return err;
            err_free(err);
            return no_function(name, args, arg_count, position);
        }
        const Expr *base = typed;
        while (base->kind == EXPR_CAST && base->arg_count == 1) base = base->args[0];
        if (base->kind == EXPR_CONST && base->is_null) *null_out = true;
        TRY(bind_coerce(ctx, typed, type_plain(TYPE_FLOAT8), true, NULL, &elems[arg_idx]));
    }
    return pack_array(ctx, elems, arg_count, TYPE_FLOAT8_ARRAY, position, array_out);
}

static Error *packed_call(BindCtx *ctx, const char *packed_name, Expr *array, Type result,
                          bool is_null, int position, Expr **expr_out)
{
    if (is_null) {
        *expr_out = bind_const_null(ctx, result);
        if (*expr_out == NULL) return bind_error_oom();
        (*expr_out)->position = position;
        return NULL;
    }
    return bind_func_call(ctx, packed_name, &array, 1, position, expr_out);
}

static Error *bind_text_packed(BindCtx *ctx, const char *name, Expr **args, uint32_t arg_count,
                               int position, Expr **expr_out)
{
    /* format(fmt) alone is fine; concat_ws needs a value after the separator */
    if (arg_count < (strcmp(name, "format") == 0 ? 1u : 2u)) {
        return no_function(name, args, arg_count, position);
    }
    Expr **elems = bind_alloc(ctx, sizeof(Expr *) * arg_count);
    if (elems == NULL) return bind_error_oom();
    for (uint32_t arg_idx = 1; arg_idx < arg_count; arg_idx++) {
        TRY(packed_text(ctx, args[arg_idx], position, &elems[arg_idx - 1]));
    }
    Expr *call_args[2] = { NULL, NULL };
    TRY(bind_coerce(ctx, args[0], type_plain(TYPE_TEXT), false, NULL, &call_args[0]));
    TRY(pack_array(ctx, elems, arg_count - 1, TYPE_TEXT_ARRAY, position, &call_args[1]));
    const char *packed = strcmp(name, "format") == 0 ? "format packed" : "concat_ws packed";
    return bind_func_call(ctx, packed, call_args, 2, position, expr_out);
}

/* bind_overlay: overlay(s PLACING p FROM f [FOR c]) = substr(s, 1, f - 1) || p || substr(s,
 * f + c), c defaulting to length(p). */
static Error *bind_overlay(BindCtx *ctx, Expr **args, uint32_t arg_count, int position,
                           Expr **expr_out)
{
    if (arg_count != 3 && arg_count != 4) return no_function("overlay", args, arg_count, position);
    bool bytea = args[0]->type.id == TYPE_BYTEA;
    Type string = type_plain(bytea ? TYPE_BYTEA : TYPE_TEXT);
    Expr *s = NULL, *p = NULL, *f = NULL, *c = NULL;
    TRY(bind_coerce(ctx, args[0], string, false, NULL, &s));
    TRY(bind_coerce(ctx, args[1], string, false, NULL, &p));
    TRY(bind_coerce(ctx, args[2], type_plain(TYPE_INT4), false, NULL, &f));
    if (arg_count == 4) TRY(bind_coerce(ctx, args[3], type_plain(TYPE_INT4), false, NULL, &c));
    else TRY(bind_func_call(ctx, "length", &p, 1, position, &c));
    Expr *one = bind_const_text(ctx, type_plain(TYPE_INT4), "1", 1, position);
    if (one == NULL) return bind_error_oom();
    Expr *head = NULL, *tail = NULL, *before = NULL, *after = NULL, *joined = NULL;
    Expr *minus[2] = { f, one };
    TRY(bind_func_call(ctx, "-", minus, 2, position, &before));
    Expr *head_args[3] = { s, one, before };
    TRY(bind_func_call(ctx, "substr", head_args, 3, position, &head));
    Expr *plus[2] = { f, c };
    TRY(bind_func_call(ctx, "+", plus, 2, position, &after));
    Expr *tail_args[2] = { s, after };
    TRY(bind_func_call(ctx, "substr", tail_args, 2, position, &tail));
    Expr *first[2] = { head, p };
    TRY(bind_func_call(ctx, "||", first, 2, position, &joined));
    Expr *second[2] = { joined, tail };
    return bind_func_call(ctx, "||", second, 2, position, expr_out);
}

static bool is_packed_func(const char *name)
{
    static const char *const PACKED[] = {
        "format", "concat_ws", "make_timestamp", "make_timestamptz", "width_bucket", "overlay",
    };
    return name_in(name, PACKED, sizeof PACKED / sizeof PACKED[0]);
}

static Error *bind_packed(BindCtx *ctx, const char *name, Expr **args, uint32_t arg_count,
                          int position, Expr **expr_out)
{
    static const bool TIMESTAMP_INTS[6] = { true, true, true, true, true, false };
    static const bool BUCKET_INTS[4] = { false, false, false, true };
    Expr *array = NULL;
    bool is_null = false;
    if (strcmp(name, "format") == 0 || strcmp(name, "concat_ws") == 0) {
        return bind_text_packed(ctx, name, args, arg_count, position, expr_out);
    }
    if (strcmp(name, "overlay") == 0) return bind_overlay(ctx, args, arg_count, position, expr_out);
    if (strcmp(name, "width_bucket") == 0) {
        if (arg_count != 4) return no_function(name, args, arg_count, position);
        TRY(pack_float8(ctx, name, args, 4, BUCKET_INTS, position, &array, &is_null));
        return packed_call(ctx, "width_bucket packed", array, type_plain(TYPE_INT4), is_null,
                           position, expr_out);
    }
    bool tz = strcmp(name, "make_timestamptz") == 0;
    if (arg_count != 6 && !(tz && arg_count == 7)) return no_function(name, args, arg_count, position);
    TRY(pack_float8(ctx, name, args, 6, TIMESTAMP_INTS, position, &array, &is_null));
    if (!tz || arg_count == 6) {
        return packed_call(ctx, tz ? "make_timestamptz packed" : "make_timestamp packed", array,
                           type_plain(tz ? TYPE_TIMESTAMPTZ : TYPE_TIMESTAMP), is_null, position,
                           expr_out);
    }
    Expr *pair[2] = { NULL, args[6] };
    TRY(packed_call(ctx, "make_timestamp packed", array, type_plain(TYPE_TIMESTAMP), is_null,
                    position, &pair[0]));
    return bind_func_call(ctx, "make_timestamptz zone", pair, 2, position, expr_out);
}

/* bind_make_interval: make_interval(years, months, weeks, days, hours, mins, secs), each
 * defaulting to 0, positional or named (days => 3). */
static Error *bind_make_interval(BindCtx *ctx, BindScope *scope, const AstExpr *ast,
                                 Expr **expr_out)
{
    static const char *const NAMES[7] = { "years", "months", "weeks", "days", "hours", "mins", "secs" };
    static const bool INTS[7] = { true, true, true, true, true, true, false };
    const AstFuncCall *func = ast->func;
    uint32_t count = (uint32_t)ast_list_count(func->args);
    Expr *args[7] = { NULL };
    for (uint32_t arg_idx = 0; arg_idx < count; arg_idx++) {
        const AstExpr *arg = func->args->items[arg_idx];
        uint32_t slot = arg_idx;
        if (arg->kind == AST_EXPR_NAMED_ARG) {
            slot = 7;
            for (uint32_t name_idx = 0; name_idx < 7; name_idx++) {
                if (strcmp(arg->text, NAMES[name_idx]) == 0) slot = name_idx;
            }
            if (slot == 7) {
                return err_at(SQLSTATE_UNDEFINED_FUNCTION, ast->position,
                              "function make_interval(%s => ...) does not exist", arg->text);
            }
            arg = arg->arg;
        }
        if (slot >= 7 || args[slot] != NULL) {
            return err_at(SQLSTATE_UNDEFINED_FUNCTION, ast->position,
                          "function make_interval with %u arguments does not exist", count);
        }
        TRY(bind_expr_in(ctx, scope, scope->agg, scope->window, arg, &args[slot]));
    }
    for (uint32_t slot = 0; slot < 7; slot++) {
        if (args[slot] != NULL) continue;
        args[slot] = bind_const_text(ctx, type_plain(TYPE_INT4), "0", 1, ast->position);
        if (args[slot] == NULL) return bind_error_oom();
    }
    Expr *array = NULL;
    bool is_null = false;
    TRY(pack_float8(ctx, "make_interval", args, 7, INTS, ast->position, &array, &is_null));
    return packed_call(ctx, "make_interval packed", array, type_plain(TYPE_INTERVAL), is_null,
                       ast->position, expr_out);
}

/* ----------------------------------------------------------------- dispatch ---- */

static Error *not_aggregate_error(const AstFuncCall *func, const char *name, int position)
{
    if (func->star) {
        return err_at(SQLSTATE_WRONG_OBJECT_TYPE, position,
                      "%s(*) specified, but %s is not an aggregate function", name, name);
    }
    const char *clause = func->distinct ? "DISTINCT" : func->filter != NULL ? "FILTER" : "ORDER BY";
    return err_at(SQLSTATE_WRONG_OBJECT_TYPE, position,
                  "%s specified, but %s is not an aggregate function", clause, name);
}

Error *bind_func_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out)
{
    const AstFuncCall *func = ast->func;
    int part_count = ast_list_count(func->names);
    ASSERT(part_count > 0);
    const char *name = func->names->items[part_count - 1];
    if (part_count > 2 || (part_count == 2 && strcmp(func->names->items[0], "pg_catalog") != 0)) {
        return err_at(SQLSTATE_UNDEFINED_FUNCTION, ast->position, "function %s does not exist",
                      name);
    }
    if (func->over != NULL) return bind_window_call(ctx, scope, ast, name, expr_out);
    if (bind_is_aggregate(name)) return bind_aggregate(ctx, scope, ast, name, expr_out);
    if (name_in(name, WINDOW_FUNCS, sizeof WINDOW_FUNCS / sizeof WINDOW_FUNCS[0])) {
        return err_at(SQLSTATE_WRONG_OBJECT_TYPE, ast->position,
                      "window function %s requires an OVER clause", name);
    }
    if (func->star || func->distinct || func->filter != NULL || func->order_by != NULL) {
        return not_aggregate_error(func, name, ast->position);
    }
    if (strcmp(name, "nextval") == 0 || strcmp(name, "currval") == 0 ||
        strcmp(name, "setval") == 0) {
        return bind_sequence(ctx, scope, ast, name, expr_out);
    }
    if (strcmp(name, "current_time") == 0) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, ast->position,
                      "type time with time zone is not supported");
    }
    if (strcmp(name, "make_interval") == 0) return bind_make_interval(ctx, scope, ast, expr_out);
    Expr **args = NULL;
    uint32_t arg_count = 0;
    TRY(bind_args(ctx, scope, scope->agg, scope->window, func, &args, &arg_count));
    if (strcmp(name, "pg_typeof") == 0 && arg_count == 1) {
        /* the type is known now: a regtype constant (catfuncs: its OID as input text) */
        char oid_text[16];
        uint32_t type_oid = args[0]->type.id == TYPE_UNKNOWN ? TYPE_UNKNOWN : args[0]->type.id;
        snprintf(oid_text, sizeof oid_text, "%u", type_oid);
        *expr_out = bind_const_text(ctx, type_plain(TYPE_REGTYPE), oid_text, strlen(oid_text),
                                    ast->position);
        return *expr_out == NULL ? bind_error_oom() : NULL;
    }
    if (strcmp(name, "concat") == 0) return bind_concat(ctx, args, arg_count, ast->position,
                                                        expr_out);
    if (is_packed_func(name)) return bind_packed(ctx, name, args, arg_count, ast->position, expr_out);
    if (strcmp(name, "random") == 0 && arg_count == 0) {
        /* funcs: random() is volatile, but the executor folds column-free calls once per
         * statement: an argument it never folds (a session function, ignored by the kernel)
         * keeps it one value per row */
        Expr *seed = NULL;
        TRY(bind_special(ctx, find_special("pg_backend_pid"), NULL, 0, ast->position, &seed));
        return bind_func_call(ctx, "random per row", &seed, 1, ast->position, expr_out);
    }
    if (bind_json_is_special(name, arg_count)) {   /* types: json builders, gen_random_uuid */
        return bind_json_special(ctx, name, args, arg_count, ast->position, expr_out);
    }
    const SpecialFunc *special = find_special(name);
    if (special != NULL) return bind_special(ctx, special, args, arg_count, ast->position, expr_out);
    return bind_func_call(ctx, name, args, arg_count, ast->position, expr_out);
}
