/* parser/parse_build.c: the node builders that grammar actions call (parse_int.h).
 *
 * Each helper builds one node from already-built parts. None fails: memory comes from the
 * AstBuilder, which records out-of-memory instead of returning NULL. Semantic checks that
 * PostgreSQL's grammar makes while reducing (multiple ORDER BY, bad type words) go to
 * parse_fail, which keeps the first error.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "parser/parse_int.h"

char *parse_name(ParseState *ps, Token token)
{
    return ast_strdup(&ps->b, token.text, token.text_size);
}

InsertColumns parse_insert_column(ParseState *ps, InsertColumns list, Token token)
{
    int *position = ast_alloc(&ps->b, sizeof *position);
    if (position != NULL) *position = token.position;
    list.names = ast_list_append(&ps->b, list.names, parse_name(ps, token));
    list.positions = ast_list_append(&ps->b, list.positions, position);
    return list;
}

AstList *parse_name_list(ParseState *ps, Token token)
{
    return ast_list_new(&ps->b, parse_name(ps, token));
}

char *parse_join_dotted(ParseState *ps, const char *left, const char *right)
{
    size_t left_size = strlen(left);
    size_t right_size = strlen(right);
    char *joined = ast_alloc(&ps->b, left_size + right_size + 2);
    memcpy(joined, left, left_size);
    joined[left_size] = '.';
    memcpy(joined + left_size + 1, right, right_size + 1);
    return joined;
}

/* integer_value: the value of a digit string; false if it does not fit (magnitude_max). */
static bool integer_value(const char *digits, uint64_t magnitude_max, uint64_t *value_out)
{
    uint64_t value = 0;
    for (const char *at = digits; *at != '\0'; at++) {
        uint64_t digit = (uint64_t)(*at - '0');
        if (value > (magnitude_max - digit) / 10) return false;
        value = value * 10 + digit;
    }
    *value_out = value;
    return true;
}

AstExpr *parse_const(ParseState *ps, Token token)
{
    AstExpr *expr;
    switch (token.kind) {
    case TOK_INTEGER: {
        expr = ast_expr_new(&ps->b, AST_EXPR_INTEGER, token.position);
        uint64_t value = 0;
        expr->int_fits = integer_value(token.text, (uint64_t)INT64_MAX, &value);
        expr->int_value = expr->int_fits ? (int64_t)value : 0;
        break;
    }
    case TOK_NUMERIC:
        expr = ast_expr_new(&ps->b, AST_EXPR_NUMERIC, token.position);
        break;
    case TOK_BIT_STRING:
    case TOK_HEX_STRING:
        expr = ast_expr_new(&ps->b, AST_EXPR_BIT_STRING, token.position);
        expr->hex = token.kind == TOK_HEX_STRING;
        break;
    default:
        expr = ast_expr_new(&ps->b, AST_EXPR_STRING, token.position);
        break;
    }
    expr->text = ast_strdup(&ps->b, token.text, token.text_size);
    expr->text_size = token.text_size;
    return expr;
}

int64_t parse_int64(ParseState *ps, Token token, bool negate)
{
    uint64_t value = 0;
    uint64_t magnitude_max = negate ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (!integer_value(token.text, magnitude_max, &value)) {
        parse_fail(ps, SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, token.position,
                   "integer out of range");
        return 0;
    }
    return negate ? (int64_t)(0 - value) : (int64_t)value;
}

AstExpr *parse_param(ParseState *ps, Token token)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_PARAM, token.position);
    uint64_t value = 0;
    if (!integer_value(token.text, INT_MAX, &value) || value == 0) {
        Error *err = err_at(SQLSTATE_UNDEFINED_PARAMETER, token.position,
                            "there is no parameter $%s", token.text);
        if (ps->error == NULL) {
            ps->error = err;
        } else {
            err_free(err);
        }
        value = 1;
    }
    expr->param_idx = (int)value;
    return expr;
}

/* parse_negate: -x; a numeric literal absorbs the sign, as in PostgreSQL, so that
 * -9223372036854775808 is one bigint constant. */
AstExpr *parse_negate(ParseState *ps, AstExpr *arg, int position)
{
    if (arg->kind == AST_EXPR_INTEGER || arg->kind == AST_EXPR_NUMERIC) {
        if (arg->text[0] == '-') {
            arg->text++;
            arg->text_size--;
        } else {
            char *text = ast_alloc(&ps->b, arg->text_size + 2);
            text[0] = '-';
            memcpy(text + 1, arg->text, arg->text_size + 1);
            arg->text = text;
            arg->text_size++;
        }
        if (arg->kind == AST_EXPR_INTEGER) {
            bool negative = arg->text[0] == '-';
            uint64_t value = 0;
            uint64_t magnitude_max = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
            arg->int_fits = integer_value(arg->text + (negative ? 1 : 0), magnitude_max, &value);
            arg->int_value = !arg->int_fits ? 0
                             : negative    ? (int64_t)(0 - value)
                                           : (int64_t)value;
        }
        arg->position = position;
        return arg;
    }
    return ast_unary_new(&ps->b, "-", arg, position);
}

AstExpr *parse_typed_literal(ParseState *ps, AstTypeName *type, Token string)
{
    return parse_cast(ps, parse_const(ps, string), type, type->position);
}

/* canonical_type: PostgreSQL's internal name for an unquoted SQL-standard type word. */
static const char *canonical_type(const char *name)
{
    static const char *const map[][2] = {
        {"int", "int4"},        {"integer", "int4"},   {"smallint", "int2"},
        {"bigint", "int8"},     {"real", "float4"},    {"float", "float8"},
        {"dec", "numeric"},     {"decimal", "numeric"}, {"boolean", "bool"},
        {"char", "bpchar"},     {"character", "bpchar"}, {"nchar", "bpchar"},
    };
    for (size_t idx = 0; idx < sizeof map / sizeof map[0]; idx++) {
        if (strcmp(name, map[idx][0]) == 0) return map[idx][1];
    }
    return name;
}

AstTypeName *parse_type(ParseState *ps, Token name, AstList *mods)
{
    const char *text = name.quoted ? name.text : canonical_type(name.text);
    AstTypeName *type = ast_type_new(&ps->b, text, name.position);
    type->mods = mods;
    if (!name.quoted && strcmp(name.text, "float") == 0 && ast_list_count(mods) == 1) {
        /* float(p): p bits of mantissa: up to 24 is real, up to 53 is double precision */
        const AstExpr *bits = mods->items[0];
        if (bits->kind == AST_EXPR_INTEGER && bits->int_fits && bits->int_value >= 1 &&
            bits->int_value <= 53) {
            type->name = ast_strdup(&ps->b, bits->int_value <= 24 ? "float4" : "float8", 6);
            type->mods = NULL;
        } else {
            parse_fail(ps, SQLSTATE_INVALID_PARAMETER_VALUE, bits->position,
                       "precision for type float must be between 1 and 53 bits");
        }
    }
    return type;
}

AstTypeName *parse_interval_type(ParseState *ps, AstTypeName *type, Token fields)
{
    if (strcmp(type->name, "interval") != 0 || type->qualifiers != NULL) {
        parse_syntax_error(ps, &fields);
        return type;
    }
    type->interval_fields = ast_strdup(&ps->b, fields.text, strlen(fields.text));
    return type;
}

AstTypeName *parse_type_names(ParseState *ps, AstList *names, int position)
{
    ASSERT(ast_list_count(names) >= 1);
    const char *last = names->items[names->count - 1];
    AstTypeName *type =
        ast_type_new(&ps->b, names->count == 1 ? canonical_type(last) : last, position);
    if (names->count > 1) {
        type->qualifiers = ast_list_new(&ps->b, NULL);
        for (int idx = 0; idx + 1 < names->count; idx++) {
            type->qualifiers = ast_list_append(&ps->b, type->qualifiers, names->items[idx]);
        }
    }
    return type;
}

AstTypeName *parse_type_words(ParseState *ps, const char *canonical, Token first, AstList *mods)
{
    const char *name = canonical;
    if (strcmp(canonical, "varying") == 0) {
        if (!first.quoted && (strcmp(first.text, "character") == 0 ||
                              strcmp(first.text, "char") == 0 ||
                              strcmp(first.text, "nchar") == 0)) {
            name = "varchar";
        } else if (!first.quoted && strcmp(first.text, "bit") == 0) {
            name = "varbit";
        } else {
            parse_syntax_error(ps, &first);
            name = first.text;
        }
    }
    AstTypeName *type = ast_type_new(&ps->b, name, first.position);
    type->mods = mods;
    return type;
}

AstTypeName *parse_type_with_zone(ParseState *ps, AstTypeName *type, Token keyword)
{
    bool with_zone = keyword.text_size == 4;   /* "with" rather than "without" */
    if (strcmp(type->name, "timestamp") == 0) {
        if (with_zone) type->name = ast_strdup(&ps->b, "timestamptz", 11);
    } else if (strcmp(type->name, "time") == 0) {
        if (with_zone) type->name = ast_strdup(&ps->b, "timetz", 6);
    } else {
        parse_syntax_error(ps, &keyword);   /* as PostgreSQL: only time and timestamp */
    }
    return type;
}

AstSelect *parse_select_attach(ParseState *ps, AstSelect *select, AstWith *with,
                               AstList *order_by, LimitPair limit, AstList *locking)
{
    if (order_by != NULL) {
        if (select->order_by != NULL) {
            const AstSortBy *first = order_by->items[0];
            parse_fail(ps, SQLSTATE_SYNTAX_ERROR, first->expr->position,
                       "multiple ORDER BY clauses not allowed");
        }
        select->order_by = order_by;
    }
    if (limit.has_offset) {
        if (select->offset != NULL) {
            parse_fail(ps, SQLSTATE_SYNTAX_ERROR, limit.offset->position,
                       "multiple OFFSET clauses not allowed");
        }
        select->offset = limit.offset;
    }
    if (limit.has_limit) {
        if (select->limit != NULL) {
            parse_fail(ps, SQLSTATE_SYNTAX_ERROR, limit.limit != NULL ? limit.limit->position : 0,
                       "multiple LIMIT clauses not allowed");
        }
        select->limit = limit.limit;
    }
    for (int idx = 0; idx < ast_list_count(locking); idx++) {
        select->locking = ast_list_append(&ps->b, select->locking, locking->items[idx]);
    }
    if (with != NULL) {
        if (select->with != NULL) {
            parse_fail(ps, SQLSTATE_SYNTAX_ERROR, 0, "multiple WITH clauses not allowed");
        }
        select->with = with;
    }
    return select;
}

AstSelect *parse_setop(ParseState *ps, AstSetOp op, bool all, AstSelect *left, AstSelect *right)
{
    AstSelect *select = ast_alloc(&ps->b, sizeof(AstSelect));
    select->kind = AST_SELECT_SETOP;
    select->position = left->position;
    select->setop = op;
    select->setop_all = all;
    select->left = left;
    select->right = right;
    return select;
}

AstSelect *parse_values_select(ParseState *ps, AstList *rows, int position)
{
    AstSelect *select = ast_alloc(&ps->b, sizeof(AstSelect));
    select->kind = AST_SELECT_VALUES;
    select->position = position;
    select->values = rows;
    return select;
}

AstExpr *parse_sublink(ParseState *ps, AstSublinkKind kind, AstExpr *left, AstSelect *query,
                       int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_SUBLINK, position);
    expr->sublink_kind = kind;
    expr->left = left;
    expr->subquery = query;
    return expr;
}

AstExpr *parse_quantified(ParseState *ps, const char *op, bool all, AstExpr *left,
                          AstExpr *array_or_null, AstSelect *query_or_null, int position)
{
    AstExpr *expr = parse_sublink(ps, all ? AST_SUBLINK_ALL : AST_SUBLINK_ANY, left,
                                  query_or_null, position);
    expr->text = ast_strdup(&ps->b, op, strlen(op));
    expr->text_size = strlen(op);
    expr->right = array_or_null;
    return expr;
}

AstExpr *parse_is(ParseState *ps, AstExpr *arg, AstIsTest test, bool negated, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_IS, position);
    expr->arg = arg;
    expr->is_test = test;
    expr->negated = negated;
    return expr;
}

AstExpr *parse_like(ParseState *ps, AstLikeKind kind, bool negated, AstExpr *left,
                    AstExpr *right, AstExpr *escape, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_LIKE, position);
    expr->like_kind = kind;
    expr->negated = negated;
    expr->left = left;
    expr->right = right;
    expr->escape = escape;
    return expr;
}

AstExpr *parse_between(ParseState *ps, AstExpr *arg, AstExpr *low, AstExpr *high, bool negated,
                       bool symmetric, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_BETWEEN, position);
    expr->arg = arg;
    expr->left = low;
    expr->right = high;
    expr->negated = negated;
    expr->symmetric = symmetric;
    return expr;
}

AstExpr *parse_in(ParseState *ps, AstExpr *arg, AstExpr *in_rhs, bool negated, int position)
{
    if (in_rhs->kind == AST_EXPR_SUBLINK) {
        in_rhs->left = arg;
        in_rhs->negated = negated;
        in_rhs->position = position;
        return in_rhs;
    }
    ASSERT(in_rhs->kind == AST_EXPR_ROW);
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_IN_LIST, position);
    expr->arg = arg;
    expr->args = in_rhs->args;
    expr->negated = negated;
    return expr;
}

AstExpr *parse_column(ParseState *ps, AstList *names, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_COLUMN, position);
    expr->names = names;
    return expr;
}

AstExpr *parse_column_star(ParseState *ps, AstList *names, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_STAR, position);
    expr->names = names;
    return expr;
}

AstExpr *parse_func_call(ParseState *ps, AstExpr *func, AstList *order_by, AstExpr *filter,
                         AstWindow *over)
{
    ASSERT(func->kind == AST_EXPR_FUNC);
    (void)ps;
    if (order_by != NULL) func->func->order_by = order_by;
    func->func->filter = filter;
    func->func->over = over;
    return func;
}

AstExpr *parse_special_func(ParseState *ps, AstExprKind kind, AstList *args, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, kind, position);
    expr->args = args;
    return expr;
}

AstExpr *parse_trim(ParseState *ps, const char *which, AstList *args, int position)
{
    return ast_func_named(&ps->b, which, args, position);
}

AstExpr *parse_case(ParseState *ps, AstExpr *arg, AstList *whens, AstExpr *else_expr,
                    int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_CASE, position);
    expr->case_arg = arg;
    expr->whens = whens;
    expr->else_expr = else_expr;
    return expr;
}

AstWhen *parse_when(ParseState *ps, AstExpr *condition, AstExpr *result)
{
    AstWhen *when = ast_alloc(&ps->b, sizeof(AstWhen));
    when->condition = condition;
    when->result = result;
    return when;
}

AstExpr *parse_row(ParseState *ps, AstList *args, bool explicit_row, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_ROW, position);
    expr->args = args;
    expr->explicit_row = explicit_row;
    return expr;
}

AstExpr *parse_array(ParseState *ps, AstList *args, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_ARRAY, position);
    expr->args = args;
    return expr;
}

AstExpr *parse_subscript(ParseState *ps, AstExpr *arg, AstExpr *low, AstExpr *high, bool slice)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_SUBSCRIPT, arg->position);
    expr->arg = arg;
    expr->left = low;
    expr->right = high;
    expr->slice = slice;
    return expr;
}

AstExpr *parse_cast(ParseState *ps, AstExpr *arg, AstTypeName *type, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_CAST, position);
    expr->arg = arg;
    expr->type = type;
    return expr;
}

AstSortBy *parse_sort(ParseState *ps, AstExpr *expr, AstSortDir dir, AstNulls nulls)
{
    AstSortBy *sort = ast_alloc(&ps->b, sizeof(AstSortBy));
    sort->expr = expr;
    sort->dir = dir;
    sort->nulls = nulls;
    return sort;
}

AstTarget *parse_target(ParseState *ps, AstExpr *expr, char *alias, int position)
{
    AstTarget *target = ast_alloc(&ps->b, sizeof(AstTarget));
    target->expr = expr;
    target->alias = alias;
    target->position = position;
    return target;
}

AstFrom *parse_from_table(ParseState *ps, AstList *names, AstAlias *alias, bool only,
                          int position)
{
    AstFrom *from = ast_alloc(&ps->b, sizeof(AstFrom));
    from->kind = AST_FROM_TABLE;
    from->names = names;
    from->alias = alias;
    from->only = only;
    from->position = position;
    return from;
}

AstFrom *parse_from_subquery(ParseState *ps, AstSelect *query, AstAlias *alias, bool lateral,
                             int position)
{
    AstFrom *from = ast_alloc(&ps->b, sizeof(AstFrom));
    from->kind = AST_FROM_SUBQUERY;
    from->subquery = query;
    from->alias = alias;
    from->lateral = lateral;
    from->position = position;
    return from;
}

AstFrom *parse_from_function(ParseState *ps, AstExpr *func, bool ordinality, AstAlias *alias,
                             bool lateral, int position)
{
    AstFrom *from = ast_alloc(&ps->b, sizeof(AstFrom));
    from->kind = AST_FROM_FUNCTION;
    from->func = func;
    from->ordinality = ordinality;
    from->alias = alias;
    from->lateral = lateral;
    from->position = position;
    return from;
}

AstFrom *parse_join(ParseState *ps, AstFrom *left, AstJoinKind kind, bool natural,
                    AstFrom *right, AstExpr *on, AstList *using_cols)
{
    AstFrom *from = ast_alloc(&ps->b, sizeof(AstFrom));
    from->kind = AST_FROM_JOIN;
    from->position = left->position;
    from->left = left;
    from->right = right;
    from->join_kind = kind;
    from->natural = natural;
    from->on = on;
    from->using_cols = using_cols;
    return from;
}

AstAlias *parse_alias(ParseState *ps, char *name, AstList *columns)
{
    AstAlias *alias = ast_alloc(&ps->b, sizeof(AstAlias));
    alias->name = name;
    alias->columns = columns;
    return alias;
}

AstOption *parse_option(ParseState *ps, const char *name, AstExpr *value)
{
    AstOption *option = ast_alloc(&ps->b, sizeof(AstOption));
    option->name = ast_strdup(&ps->b, name, strlen(name));
    option->value = value;
    return option;
}

AstExpr *parse_bool(ParseState *ps, bool value, int position)
{
    AstExpr *expr = ast_expr_new(&ps->b, AST_EXPR_BOOL, position);
    expr->bool_value = value;
    return expr;
}

AstStmt *parse_stmt(ParseState *ps, AstStmtKind kind, void *node, int position)
{
    AstStmt *stmt = ast_alloc(&ps->b, sizeof(AstStmt));
    stmt->kind = kind;
    stmt->position = position;
    stmt->u.select = node;   /* every member of the union is a pointer */
    return stmt;
}

AstVacuum *parse_vacuum_rel(ParseState *ps, AstVacuum *vacuum, AstList *names, AstList *columns)
{
    if (vacuum == NULL) vacuum = ast_alloc(&ps->b, sizeof(AstVacuum));
    vacuum->tables = ast_list_append(&ps->b, vacuum->tables, names);
    vacuum->columns = ast_list_append(&ps->b, vacuum->columns, columns);
    return vacuum;
}
