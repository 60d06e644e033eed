/* executor/kern_catalog_expr.c: pg_get_expr and CHECK constraint text: birch keeps a default or
 * a CHECK as the SQL text it was written in; this re-prints it the way PostgreSQL 15's
 * ruleutils deparses the stored expression tree, in both modes:
 * - plain: every operator, boolean and IS test in its own parentheses, numeric constants
 *   under a type label parenthesized: ((salary > (0)::numeric) AND (n IS NOT NULL));
 * - pretty: parentheses only where precedence needs them: salary > 0::numeric AND n IS NOT NULL.
 * Constants get the labels PostgreSQL's parse-time coercion gives them (a string compared with
 * a varchar column is 'x'::text and the column (c)::text; a negative integer is '-1'::integer;
 * a default's string is labelled with the column's type). Regclass literals of nextval() are
 * printed through regclassout. Expressions outside the covered forms come back as written. */
#include <stdio.h>
#include <string.h>

#include "executor/exec.h"
#include "executor/kern_catalog.h"
#include "executor/kern_int.h"
#include "parser/parse.h"

enum { DEPARSE_DEPTH_MAX = 64, DEPARSE_NAME_MAX = 128 };

typedef enum NodeClass {
    NODE_TOP,        /* the whole expression (no parent) */
    NODE_SIMPLE,     /* constant, column, function call, cast */
    NODE_OP,         /* binary operator (op_name says which) */
    NODE_AND,
    NODE_OR,
    NODE_NOT,
    NODE_TEST,       /* IS [NOT] NULL / TRUE ... */
    NODE_ANY,        /* x = ANY (ARRAY[...]) (an IN list) */
    NODE_FUNC_ARG,   /* an argument of a function or an ARRAY element */
} NodeClass;

typedef struct Deparse {
    const KernCatEnv *env;
    bool              have_env;
    const CatTable   *table;
    bool              pretty;
    bool              is_default;
    Type              default_type;
    Arena            *arena;
    char             *data;
    size_t            size, capacity;
    const char       *qualifier;   /* view definitions: columns print as qualifier.column */
    bool              failed;      /* out of memory */
    bool              unsupported; /* a form this file does not print: fall back */
} Deparse;

static void put(Deparse *dp, const char *text, size_t size)
{
    if (dp->failed) return;
    if (dp->size + size + 1 > dp->capacity) {
        size_t capacity = (dp->capacity + size + 64) * 2;
        char *data = arena_alloc(dp->arena, capacity);
        if (data == NULL) {
            dp->failed = true;
            return;
        }
        if (dp->size > 0) memcpy(data, dp->data, dp->size);
        dp->data = data;
        dp->capacity = capacity;
    }
    memcpy(dp->data + dp->size, text, size);
    dp->size += size;
    dp->data[dp->size] = '\0';
}

static void puts_(Deparse *dp, const char *text)
{
    put(dp, text, strlen(text));
}

static void put_ident(Deparse *dp, const char *name)
{
    const char *quoted = NULL;
    Error *err = kern_quote_ident(dp->arena, name, strlen(name), &quoted);
    if (err != NULL) {
        err_free(err);
        dp->failed = true;
        return;
    }
    puts_(dp, quoted);
}

static void put_literal(Deparse *dp, const char *text, size_t size)
{
    bool backslash = memchr(text, '\\', size) != NULL;
    if (backslash) puts_(dp, "E");
    puts_(dp, "'");
    for (size_t idx = 0; idx < size; idx++) {
        if (text[idx] == '\'' || text[idx] == '\\') put(dp, &text[idx], 1);
        put(dp, &text[idx], 1);
    }
    puts_(dp, "'");
}

static void put_type(Deparse *dp, Type type)
{
    char buffer[DEPARSE_NAME_MAX];
    kern_format_type(type.id, type.typmod, buffer, sizeof buffer);
    puts_(dp, buffer);
}

/* ---------------------------------------------------------------- typing ---- */

static const CatColumn *find_column(const Deparse *dp, const AstExpr *expr)
{
    if (dp->table == NULL || expr->kind != AST_EXPR_COLUMN || expr->names == NULL) return NULL;
    const char *name = expr->names->items[expr->names->count - 1];
    for (uint16_t col_idx = 0; col_idx < dp->table->column_count; col_idx++) {
        const CatColumn *column = &dp->table->columns[col_idx];
        if (!column->dropped && strcmp(column->name, name) == 0) return column;
    }
    return NULL;
}

static bool is_comparison(const char *op)
{
    return strcmp(op, "=") == 0 || strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0 ||
           strcmp(op, "<") == 0 || strcmp(op, "<=") == 0 || strcmp(op, ">") == 0 ||
           strcmp(op, ">=") == 0;
}

/* infer: the type an expression has (TYPE_INVALID when unknown or a bare string). */
static Type infer(const Deparse *dp, const AstExpr *expr)
{
    switch (expr->kind) {
    case AST_EXPR_COLUMN: {
        const CatColumn *column = find_column(dp, expr);
        return column != NULL ? column->type : type_plain(TYPE_INVALID);
    }
    case AST_EXPR_INTEGER: return type_plain(expr->int_fits && expr->int_value <= INT32_MAX
                                                 ? TYPE_INT4 : TYPE_INT8);
    case AST_EXPR_NUMERIC: return type_plain(TYPE_NUMERIC);
    case AST_EXPR_BOOL: return type_plain(TYPE_BOOL);
    case AST_EXPR_CAST: {
        uint32_t oid = kern_type_by_name(expr->type->name);
        return type_plain(oid != 0 ? (TypeId)oid : TYPE_INVALID);
    }
    case AST_EXPR_UNARY: return infer(dp, expr->arg);
    case AST_EXPR_BINARY:
        if (is_comparison(expr->text)) return type_plain(TYPE_BOOL);
        if (strcmp(expr->text, "||") == 0) return type_plain(TYPE_TEXT);
        {
            Type left = infer(dp, expr->left);
            return left.id != TYPE_INVALID ? left : infer(dp, expr->right);
        }
    case AST_EXPR_FUNC: {
        const char *name = expr->func->names->items[expr->func->names->count - 1];
        if (strcmp(name, "length") == 0 || strcmp(name, "char_length") == 0) {
            return type_plain(TYPE_INT4);
        }
        if (strcmp(name, "lower") == 0 || strcmp(name, "upper") == 0 ||
            strcmp(name, "btrim") == 0 || strcmp(name, "trim") == 0) {
            return type_plain(TYPE_TEXT);
        }
        return type_plain(TYPE_INVALID);
    }
    default: return type_plain(TYPE_INVALID);
    }
}

static bool is_string_type(uint32_t id)
{
    return id == TYPE_TEXT || id == TYPE_VARCHAR || id == TYPE_BPCHAR || id == TYPE_NAME;
}

/* label_type: the type a constant is coerced to next to an operand of type hint. */
static Type label_type(Type hint, Type own)
{
    if (hint.id == TYPE_VARCHAR || hint.id == TYPE_NAME || hint.id == TYPE_TEXT ||
        hint.id == TYPE_INVALID) {
        return type_plain(own.id != TYPE_INVALID ? (TypeId)own.id : TYPE_TEXT);
    }
    return type_plain((TypeId)hint.id);
}

/* ---------------------------------------------------------------- printing ---- */

static void emit(Deparse *dp, const AstExpr *expr, Type hint, NodeClass parent,
                 const char *parent_op, bool first_arg, int depth);

/* node_class: how expr prints at top level. */
static NodeClass node_class(const AstExpr *expr)
{
    switch (expr->kind) {
    case AST_EXPR_BINARY:
    case AST_EXPR_LIKE: return NODE_OP;
    case AST_EXPR_AND:
    case AST_EXPR_BETWEEN: return NODE_AND;
    case AST_EXPR_OR: return NODE_OR;
    case AST_EXPR_NOT: return NODE_NOT;
    case AST_EXPR_IS: return NODE_TEST;
    case AST_EXPR_IN_LIST: return NODE_ANY;
    case AST_EXPR_UNARY:
        return (expr->arg->kind == AST_EXPR_INTEGER || expr->arg->kind == AST_EXPR_NUMERIC) &&
                       strcmp(expr->text, "-") == 0
                   ? NODE_SIMPLE
                   : NODE_OP;
    default: return NODE_SIMPLE;
    }
}

static bool is_arith(const char *op, const char *set)
{
    return op != NULL && strlen(op) == 1 && strchr(set, op[0]) != NULL;
}

/* needs_parens (pretty mode): PostgreSQL's isSimpleNode, inverted. */
static bool needs_parens(const AstExpr *expr, NodeClass parent, const char *parent_op,
                         bool first_arg)
{
    NodeClass cls = node_class(expr);
    if (cls == NODE_SIMPLE || parent == NODE_TOP || parent == NODE_FUNC_ARG) return false;
    switch (cls) {
    case NODE_OP:
        if (parent == NODE_AND || parent == NODE_OR || parent == NODE_NOT) return false;
        if (parent == NODE_OP && expr->kind == AST_EXPR_BINARY) {
            const char *op = expr->text;
            bool lo = is_arith(op, "+-"), hi = is_arith(op, "*/%");
            bool parent_lo = is_arith(parent_op, "+-"), parent_hi = is_arith(parent_op, "*/%");
            if (!(lo || hi) || !(parent_lo || parent_hi)) return true;
            if (hi && parent_lo) return false;
            if (lo && parent_hi) return true;
            return !first_arg;
        }
        return true;
    case NODE_TEST: return !(parent == NODE_AND || parent == NODE_OR || parent == NODE_NOT);
    case NODE_ANY: return true;   /* ScalarArrayOpExpr is never "simple" in ruleutils */
    case NODE_AND:
    case NODE_NOT: return !(parent == NODE_AND || parent == NODE_OR);
    case NODE_OR: return parent != NODE_OR;
    default: return true;
    }
}

static const char *op_name(const char *op)
{
    return strcmp(op, "!=") == 0 ? "<>" : op;
}

/* emit_column: a column, cast to text where PostgreSQL's operator resolution casts it. */
static void emit_column(Deparse *dp, const AstExpr *expr, bool to_text)
{
    const CatColumn *column = find_column(dp, expr);
    const char *name = expr->names->items[expr->names->count - 1];
    bool cast = to_text && column != NULL && column->type.id == TYPE_VARCHAR;
    if (cast && !dp->pretty) puts_(dp, "(");
    if (dp->qualifier != NULL) {
        put_ident(dp, dp->qualifier);
        puts_(dp, ".");
    }
    put_ident(dp, name);
    if (cast) puts_(dp, dp->pretty ? "::text" : ")::text");
}

/* emit_number: an integer or decimal literal (text, negative) coerced to hint. */
static void emit_number(Deparse *dp, const char *text, size_t size, bool negative, Type own,
                        Type hint)
{
    Type label = dp->is_default ? own : label_type(hint, own);
    bool bare = label.id == own.id || dp->is_default ||
                (own.id == TYPE_INT4 && (label.id == TYPE_INT8 || label.id == TYPE_INT2));
    if (label.id == TYPE_INT2 || label.id == TYPE_INT8) label = own;
    if (negative) {
        puts_(dp, "'-");
        put(dp, text, size);
        puts_(dp, "'::");
        put_type(dp, label);
        return;
    }
    if (bare && !(own.id == TYPE_NUMERIC && memchr(text, '.', size) == NULL &&
                  memchr(text, 'e', size) == NULL && !dp->is_default)) {
        put(dp, text, size);
        return;
    }
    if (own.id == TYPE_NUMERIC && label.id == TYPE_NUMERIC) {
        /* an integer-looking numeric constant keeps its label */
        puts_(dp, "'");
        put(dp, text, size);
        puts_(dp, "'::numeric");
        return;
    }
    if (!dp->pretty) puts_(dp, "(");
    put(dp, text, size);
    if (!dp->pretty) puts_(dp, ")");
    puts_(dp, "::");
    put_type(dp, label);
}

static void emit_string(Deparse *dp, const AstExpr *expr, Type hint)
{
    put_literal(dp, expr->text, expr->text_size);
    Type label = hint;
    if (dp->is_default) {
        label = type_plain((TypeId)dp->default_type.id);
    } else if (hint.id == TYPE_INVALID || hint.id == TYPE_VARCHAR || hint.id == TYPE_NAME) {
        label = type_plain(TYPE_TEXT);
    } else {
        label = type_plain((TypeId)hint.id);
    }
    puts_(dp, "::");
    put_type(dp, label);
}

static const char *sql_value_function(const char *name)
{
    static const char *const NAMES[][2] = {
        { "current_timestamp", "CURRENT_TIMESTAMP" }, { "current_date", "CURRENT_DATE" },
        { "localtimestamp", "LOCALTIMESTAMP" }, { "localtime", "LOCALTIME" },
        { "current_time", "CURRENT_TIME" }, { "current_user", "CURRENT_USER" },
        { "session_user", "SESSION_USER" }, { "current_role", "CURRENT_ROLE" },
        { "user", "CURRENT_USER" }, { "current_catalog", "CURRENT_CATALOG" },
        { "current_schema", "CURRENT_SCHEMA" },
    };
    for (size_t idx = 0; idx < sizeof NAMES / sizeof NAMES[0]; idx++) {
        if (strcmp(NAMES[idx][0], name) == 0) return NAMES[idx][1];
    }
    return NULL;
}

/* emit_nextval: nextval('x'::regclass) with x as regclassout prints it. */
static bool emit_nextval(Deparse *dp, const char *name, const AstFuncCall *func)
{
    if (ast_list_count(func->args) != 1) return false;
    const AstExpr *arg = func->args->items[0];
    if (arg->kind == AST_EXPR_CAST && arg->arg->kind == AST_EXPR_STRING &&
        strcmp(arg->type->name, "regclass") == 0) {
        arg = arg->arg;
    }
    if (arg->kind != AST_EXPR_STRING) return false;
    const char *text = NULL;
    if (dp->have_env) {
        Error *err = kern_regclass_name_text(dp->env, arg->text, dp->arena, &text);
        if (err != NULL) err_free(err);
    }
    puts_(dp, name);
    puts_(dp, "(");
    if (text != NULL) put_literal(dp, text, strlen(text));
    else put_literal(dp, arg->text, arg->text_size);
    puts_(dp, "::regclass)");
    return true;
}

static void emit_func(Deparse *dp, const AstExpr *expr, int depth)
{
    const AstFuncCall *func = expr->func;
    const char *name = func->names->items[func->names->count - 1];
    int arg_count = ast_list_count(func->args);
    const char *value_fn = sql_value_function(name);
    if (value_fn != NULL && arg_count == 0) {
        puts_(dp, value_fn);
        return;
    }
    if (func->star && arg_count == 0 && !func->distinct && func->over == NULL &&
        func->filter == NULL) {
        put_ident(dp, name);
        puts_(dp, "(*)");
        return;
    }
    if (func->star || func->distinct || func->over != NULL || func->filter != NULL ||
        func->order_by != NULL) {
        dp->unsupported = true;
        return;
    }
    if ((strcmp(name, "nextval") == 0 || strcmp(name, "currval") == 0) &&
        emit_nextval(dp, name, func)) {
        return;
    }
    put_ident(dp, name);
    puts_(dp, "(");
    for (int arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        if (arg_idx > 0) puts_(dp, ", ");
        const AstExpr *arg = func->args->items[arg_idx];
        if (arg->kind == AST_EXPR_COLUMN) {
            emit_column(dp, arg, true);
            continue;
        }
        emit(dp, arg, type_plain(TYPE_TEXT), NODE_FUNC_ARG, NULL, arg_idx == 0, depth + 1);
    }
    puts_(dp, ")");
}

static void emit_cast(Deparse *dp, const AstExpr *expr, int depth)
{
    uint32_t oid = kern_type_by_name(expr->type->name);
    if (oid == 0 || expr->type->mods != NULL || expr->type->array_dims > 0) {
        dp->unsupported = true;
        return;
    }
    const AstExpr *arg = expr->arg;
    if (arg->kind == AST_EXPR_STRING) {
        put_literal(dp, arg->text, arg->text_size);
    } else {
        bool simple = node_class(arg) == NODE_SIMPLE && arg->kind != AST_EXPR_CAST;
        bool parens = !dp->pretty || !simple || arg->kind == AST_EXPR_INTEGER ||
                      arg->kind == AST_EXPR_NUMERIC;
        if (parens) puts_(dp, "(");
        emit(dp, arg, type_plain(TYPE_INVALID), NODE_FUNC_ARG, NULL, true, depth + 1);
        if (parens) puts_(dp, ")");
    }
    puts_(dp, "::");
    put_type(dp, type_plain((TypeId)oid));
}

/* emit_binary: left op right with the operand typing of PostgreSQL's operator resolution. */
static void emit_binary(Deparse *dp, const AstExpr *left, const char *op, const AstExpr *right,
                        int depth)
{
    Type left_type = infer(dp, left), right_type = infer(dp, right);
    bool text_op = (left->kind == AST_EXPR_STRING || right->kind == AST_EXPR_STRING ||
                    is_string_type(left_type.id) || is_string_type(right_type.id)) &&
                   !(left_type.id == TYPE_BPCHAR || right_type.id == TYPE_BPCHAR);
    bool column_text = text_op && (left_type.id == TYPE_TEXT || right_type.id == TYPE_TEXT ||
                                   left->kind == AST_EXPR_STRING ||
                                   right->kind == AST_EXPR_STRING || strcmp(op, "||") == 0);
    if (left->kind == AST_EXPR_COLUMN && column_text) emit_column(dp, left, true);
    else emit(dp, left, right_type, NODE_OP, op, true, depth + 1);
    puts_(dp, " ");
    puts_(dp, op_name(op));
    puts_(dp, " ");
    if (right->kind == AST_EXPR_COLUMN && column_text) emit_column(dp, right, true);
    else emit(dp, right, left_type, NODE_OP, op, false, depth + 1);
}

static void emit_in_list(Deparse *dp, const AstExpr *expr, int depth)
{
    Type arg_type = infer(dp, expr->arg);
    bool varchar = arg_type.id == TYPE_VARCHAR;
    if (expr->arg->kind == AST_EXPR_COLUMN) emit_column(dp, expr->arg, varchar);
    else emit(dp, expr->arg, type_plain(TYPE_INVALID), NODE_OP, "=", true, depth + 1);
    puts_(dp, expr->negated ? " <> ALL (" : " = ANY (");
    if (varchar && !dp->pretty) puts_(dp, "(");
    puts_(dp, "ARRAY[");
    Type elem_hint = arg_type;
    bool saved_default = dp->is_default;
    Type saved_type = dp->default_type;
    if (varchar) {
        /* the elements keep the column's type; the array is cast to text[] */
        dp->is_default = true;
        dp->default_type = type_plain(TYPE_VARCHAR);
    }
    for (int item_idx = 0; item_idx < ast_list_count(expr->args); item_idx++) {
        if (item_idx > 0) puts_(dp, ", ");
        emit(dp, expr->args->items[item_idx], elem_hint, NODE_FUNC_ARG, NULL, item_idx == 0,
             depth + 1);
    }
    dp->is_default = saved_default;
    dp->default_type = saved_type;
    puts_(dp, "]");
    if (varchar) puts_(dp, dp->pretty ? "::text[]" : ")::text[]");
    puts_(dp, ")");
}

static void emit_bool_chain(Deparse *dp, const AstExpr *expr, const char *word, int depth)
{
    NodeClass cls = expr->kind == AST_EXPR_AND ? NODE_AND : NODE_OR;
    for (int arg_idx = 0; arg_idx < ast_list_count(expr->args); arg_idx++) {
        if (arg_idx > 0) puts_(dp, word);
        const AstExpr *arg = expr->args->items[arg_idx];
        if (arg_idx == 0 && arg->kind == expr->kind) {
            /* the grammar's left-nested chain a AND b AND c is one list in PostgreSQL */
            emit_bool_chain(dp, arg, word, depth + 1);
            continue;
        }
        emit(dp, arg, type_plain(TYPE_INVALID), cls, NULL, arg_idx == 0, depth + 1);
    }
}

static void emit_body(Deparse *dp, const AstExpr *expr, Type hint, int depth)
{
    switch (expr->kind) {
    case AST_EXPR_NULL: puts_(dp, "NULL"); return;
    case AST_EXPR_BOOL: puts_(dp, expr->bool_value ? "true" : "false"); return;
    case AST_EXPR_INTEGER:
    case AST_EXPR_NUMERIC: {
        /* the grammar folds a minus sign into the literal */
        bool negative = expr->text_size > 0 && expr->text[0] == '-';
        Type own = expr->kind == AST_EXPR_NUMERIC ? type_plain(TYPE_NUMERIC) : infer(dp, expr);
        emit_number(dp, expr->text + negative, expr->text_size - negative, negative, own, hint);
        return;
    }
    case AST_EXPR_STRING: emit_string(dp, expr, hint); return;
    case AST_EXPR_COLUMN: emit_column(dp, expr, false); return;
    case AST_EXPR_UNARY:
        if (strcmp(expr->text, "-") == 0 &&
            (expr->arg->kind == AST_EXPR_INTEGER || expr->arg->kind == AST_EXPR_NUMERIC)) {
            emit_number(dp, expr->arg->text, expr->arg->text_size, true, infer(dp, expr->arg),
                        hint);
            return;
        }
        puts_(dp, expr->text);
        puts_(dp, " ");
        emit(dp, expr->arg, hint, NODE_OP, expr->text, false, depth + 1);
        return;
    case AST_EXPR_BINARY: emit_binary(dp, expr->left, expr->text, expr->right, depth); return;
    case AST_EXPR_LIKE: {
        if (expr->like_kind == AST_SIMILAR || expr->escape != NULL) {
            dp->unsupported = true;
            return;
        }
        const char *op = expr->like_kind == AST_ILIKE ? (expr->negated ? "!~~*" : "~~*")
                                                       : (expr->negated ? "!~~" : "~~");
        emit_binary(dp, expr->left, op, expr->right, depth);
        return;
    }
    case AST_EXPR_AND: emit_bool_chain(dp, expr, " AND ", depth); return;
    case AST_EXPR_OR: emit_bool_chain(dp, expr, " OR ", depth); return;
    case AST_EXPR_NOT:
        puts_(dp, "NOT ");
        emit(dp, expr->arg, type_plain(TYPE_INVALID), NODE_NOT, NULL, true, depth + 1);
        return;
    case AST_EXPR_IS: {
        emit(dp, expr->arg, type_plain(TYPE_INVALID), NODE_TEST, NULL, true, depth + 1);
        static const char *const TESTS[] = { "NULL", "TRUE", "FALSE", "UNKNOWN" };
        puts_(dp, expr->negated ? " IS NOT " : " IS ");
        puts_(dp, TESTS[expr->is_test]);
        return;
    }
    case AST_EXPR_BETWEEN: {
        if (expr->symmetric) {
            dp->unsupported = true;
            return;
        }
        const char *lo_op = expr->negated ? "<" : ">=", *hi_op = expr->negated ? ">" : "<=";
        /* x BETWEEN a AND b is (x >= a AND x <= b); NOT BETWEEN is (x < a OR x > b) */
        NodeClass cls = expr->negated ? NODE_OR : NODE_AND;
        if (!dp->pretty) puts_(dp, "(");
        emit_binary(dp, expr->arg, lo_op, expr->left, depth);
        if (!dp->pretty) puts_(dp, ")");
        puts_(dp, cls == NODE_AND ? " AND " : " OR ");
        if (!dp->pretty) puts_(dp, "(");
        emit_binary(dp, expr->arg, hi_op, expr->right, depth);
        if (!dp->pretty) puts_(dp, ")");
        return;
    }
    case AST_EXPR_IN_LIST: emit_in_list(dp, expr, depth); return;
    case AST_EXPR_FUNC: emit_func(dp, expr, depth); return;
    case AST_EXPR_CAST: emit_cast(dp, expr, depth); return;
    default: dp->unsupported = true; return;
    }
}

static void emit(Deparse *dp, const AstExpr *expr, Type hint, NodeClass parent,
                 const char *parent_op, bool first_arg, int depth)
{
    if (depth > DEPARSE_DEPTH_MAX || dp->unsupported || dp->failed) {
        dp->unsupported = true;
        return;
    }
    NodeClass cls = node_class(expr);
    bool parens;
    if (dp->pretty) {
        parens = needs_parens(expr, parent, parent_op, first_arg);
    } else {
        parens = cls != NODE_SIMPLE;
    }
    if (parens) puts_(dp, "(");
    emit_body(dp, expr, hint, depth);
    if (parens) puts_(dp, ")");
}

Error *kern_deparse_sql(const KernCatEnv *env, bool have_env, const CatTable *table,
                        const char *sql, bool is_default, Type default_type, bool pretty,
                        Arena *arena, const char **out)
{
    *out = sql;
    size_t size = strlen(sql) + 16;
    char *select = arena_alloc(arena, size);
    if (select == NULL) return kern_oom();
    snprintf(select, size, "SELECT %s", sql);
    AstStmtList *stmts = NULL;
    Error *err = parse_sql(arena, select, &stmts);
    if (err != NULL) {
        err_free(err);
        return NULL;
    }
    if (stmts == NULL || stmts->count != 1 || stmts->stmts[0]->kind != AST_STMT_SELECT) return NULL;
    const AstSelect *query = stmts->stmts[0]->u.select;
    if (query->kind != AST_SELECT_CORE || ast_list_count(query->targets) != 1 ||
        query->from != NULL) {
        return NULL;
    }
    const AstTarget *target = query->targets->items[0];
    Deparse dp = { .env = env, .have_env = have_env, .table = table, .pretty = pretty,
                   .is_default = is_default, .default_type = default_type, .arena = arena };
    emit(&dp, target->expr, is_default ? default_type : type_plain(TYPE_INVALID), NODE_TOP,
         NULL, true, 0);
    if (dp.failed) return kern_oom();
    if (!dp.unsupported && dp.data != NULL) *out = dp.data;
    return NULL;
}

/* ------------------------------------------------------------------ views ---- */

/* target_name: the output name PostgreSQL gives a select-list item without an alias. */
static const char *target_name(const AstExpr *expr)
{
    switch (expr->kind) {
    case AST_EXPR_COLUMN: return expr->names->items[expr->names->count - 1];
    case AST_EXPR_FUNC: return expr->func->names->items[expr->func->names->count - 1];
    case AST_EXPR_CAST: return expr->arg->kind == AST_EXPR_COLUMN ? target_name(expr->arg)
                                                                  : expr->type->name;
    default: return "?column?";
    }
}

Error *kern_deparse_view(const KernCatEnv *env, bool have_env, const char *sql, Arena *arena,
                         const char **out)
{
    /* the fallback: the text as written, in PostgreSQL's " SELECT ...;" frame */
    const char *trimmed = sql;
    while (*trimmed == ' ' || *trimmed == '\n') trimmed++;
    size_t size = strlen(trimmed);
    while (size > 0 && (trimmed[size - 1] == ';' || trimmed[size - 1] == ' ')) size--;
    char *plain = arena_alloc(arena, size + 3);
    if (plain == NULL) return kern_oom();
    plain[0] = ' ';
    memcpy(plain + 1, trimmed, size);
    memcpy(plain + 1 + size, ";", 2);
    *out = plain;
    if (!have_env) return NULL;
    AstStmtList *stmts = NULL;
    Error *err = parse_sql(arena, sql, &stmts);
    if (err != NULL) {
        err_free(err);
        return NULL;
    }
    if (stmts == NULL || stmts->count != 1 || stmts->stmts[0]->kind != AST_STMT_SELECT) return NULL;
    const AstSelect *query = stmts->stmts[0]->u.select;
    /* the covered form: SELECT targets FROM one table [WHERE ...] */
    if (query->kind != AST_SELECT_CORE || query->distinct || query->with != NULL ||
        ast_list_count(query->from) != 1 || query->group_by != NULL || query->having != NULL ||
        query->order_by != NULL || query->limit != NULL || query->offset != NULL ||
        query->windows != NULL || query->locking != NULL) {
        return NULL;
    }
    const AstFrom *from = query->from->items[0];
    if (from->kind != AST_FROM_TABLE || from->only || ast_list_count(from->names) > 2 ||
        (from->alias != NULL && from->alias->columns != NULL)) {
        return NULL;
    }
    int part_count = ast_list_count(from->names);
    const char *relname = from->names->items[part_count - 1];
    const CatTable *table = NULL;
    if (part_count == 2) {
        uint32_t nsp = 0;
        TRY(catalog_lookup_namespace(env->catalog, env->txn, from->names->items[0], &nsp));
        if (nsp != 0) TRY(catalog_lookup(env->catalog, env->txn, nsp, relname, &table));
    } else {
        TRY(catalog_lookup_path(env->catalog, env->txn, env->search_path, env->search_path_count,
                                relname, &table));
    }
    if (table == NULL || (table->kind != CAT_KIND_TABLE && table->kind != CAT_KIND_VIEW)) {
        return NULL;
    }
    Deparse dp = { .env = env, .have_env = have_env, .table = table, .pretty = true,
                   .arena = arena,
                   .qualifier = from->alias != NULL ? from->alias->name : table->name };
    puts_(&dp, " SELECT ");
    bool first = true;
    for (int target_idx = 0; target_idx < ast_list_count(query->targets); target_idx++) {
        const AstTarget *target = query->targets->items[target_idx];
        const AstExpr *expr = target->expr;
        if (expr->kind == AST_EXPR_STAR) {
            if (expr->names != NULL && ast_list_count(expr->names) > 0) return NULL;
            for (uint16_t col_idx = 0; col_idx < table->column_count; col_idx++) {
                if (table->columns[col_idx].dropped) continue;
                if (!first) puts_(&dp, ",\n    ");
                first = false;
                put_ident(&dp, dp.qualifier);
                puts_(&dp, ".");
                put_ident(&dp, table->columns[col_idx].name);
            }
            continue;
        }
        if (!first) puts_(&dp, ",\n    ");
        first = false;
        emit(&dp, expr, type_plain(TYPE_INVALID), NODE_TOP, NULL, true, 0);
        const char *name = target->alias != NULL ? target->alias : target_name(expr);
        if (expr->kind != AST_EXPR_COLUMN || strcmp(name, target_name(expr)) != 0) {
            puts_(&dp, " AS ");
            put_ident(&dp, name);
        }
    }
    puts_(&dp, "\n   FROM ");
    const char *from_text = NULL;
    char qualified[2 * 130];
    snprintf(qualified, sizeof qualified, "%s.%s", table->namespace_name, table->name);
    TRY(kern_regclass_name_text(env, qualified, arena, &from_text));
    puts_(&dp, from_text != NULL ? from_text : table->name);
    if (from->alias != NULL) {
        puts_(&dp, " ");
        put_ident(&dp, from->alias->name);
    }
    if (query->where != NULL) {
        puts_(&dp, "\n  WHERE ");
        emit(&dp, query->where, type_plain(TYPE_INVALID), NODE_TOP, NULL, true, 0);
    }
    puts_(&dp, ";");
    if (dp.failed) return kern_oom();
    if (!dp.unsupported) *out = dp.data;
    return NULL;
}
