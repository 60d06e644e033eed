/* parser/ast_print.c: the S-expression printer of the AST (format in ast.h).
 *
 * The printer is for tests and debugging: it is deterministic (no addresses, no positions) and
 * prints every field the binder reads, so a grammar change that alters the tree shows up as a
 * changed string in parser/tests/test_parser.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/asserts.h"
#include "parser/ast.h"

/* ------------------------------------------------------------------- printer */

typedef struct Printer {
    Arena *arena;
    char  *data;
    size_t size;
    size_t capacity;
    bool   failed;
} Printer;

static void put_bytes(Printer *pr, const char *bytes, size_t size)
{
    if (pr->failed) return;
    if (pr->size + size + 1 > pr->capacity) {
        size_t capacity = pr->capacity < 256 ? 256 : pr->capacity;
        while (capacity < pr->size + size + 1) capacity *= 2;
        char *data = arena_alloc(pr->arena, capacity);
        if (data == NULL) {
            pr->failed = true;
            return;
        }
        if (pr->size > 0) memcpy(data, pr->data, pr->size);
        pr->data = data;
        pr->capacity = capacity;
    }
    memcpy(pr->data + pr->size, bytes, size);
    pr->size += size;
    pr->data[pr->size] = '\0';
}

static void put(Printer *pr, const char *text) { put_bytes(pr, text, strlen(text)); }

static void putf(Printer *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(Printer *pr, const char *fmt, ...)
{
    char buffer[64];
    va_list args;
    va_start(args, fmt);
    int size = vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    VERIFY(size >= 0 && (size_t)size < sizeof buffer);
    put_bytes(pr, buffer, (size_t)size);
}

/* open/close a "(tag" ... ")" group; items are separated by one space. */
static void open_tag(Printer *pr, const char *tag)
{
    put(pr, "(");
    put(pr, tag);
}
static void close_tag(Printer *pr) { put(pr, ")"); }
static void space(Printer *pr) { put(pr, " "); }

static bool name_is_plain(const char *name)
{
    if (name[0] == '\0' || (name[0] >= '0' && name[0] <= '9')) return false;
    for (const char *at = name; *at != '\0'; at++) {
        char ch = *at;
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                     ch == '$' || (unsigned char)ch >= 0x80;
        if (!plain) return false;
    }
    return true;
}

static void put_name(Printer *pr, const char *name)
{
    if (name_is_plain(name)) {
        put(pr, name);
        return;
    }
    put(pr, "\"");
    for (const char *at = name; *at != '\0'; at++) {
        if (*at == '"') put(pr, "\"");
        put_bytes(pr, at, 1);
    }
    put(pr, "\"");
}

static void put_names(Printer *pr, const AstList *names)
{
    for (int idx = 0; idx < ast_list_count(names); idx++) {
        if (idx > 0) put(pr, ".");
        put_name(pr, names->items[idx]);
    }
}

/* put_name_group: "(tag a b c)" for a list of names. */
static void put_name_group(Printer *pr, const char *tag, const AstList *names)
{
    if (names == NULL) return;
    space(pr);
    open_tag(pr, tag);
    for (int idx = 0; idx < names->count; idx++) {
        space(pr);
        put_name(pr, names->items[idx]);
    }
    close_tag(pr);
}

static void put_quoted(Printer *pr, const char *text, size_t size)
{
    put(pr, "'");
    for (size_t idx = 0; idx < size; idx++) {
        if (text[idx] == '\'') put(pr, "'");
        put_bytes(pr, text + idx, 1);
    }
    put(pr, "'");
}

static void print_expr(Printer *pr, const AstExpr *expr);
static void print_select(Printer *pr, const AstSelect *select);
static void print_stmt(Printer *pr, const AstStmt *stmt);

static void print_expr_list(Printer *pr, const AstList *list)
{
    for (int idx = 0; idx < ast_list_count(list); idx++) {
        space(pr);
        print_expr(pr, list->items[idx]);
    }
}

static void print_type(Printer *pr, const AstTypeName *type)
{
    open_tag(pr, "type ");
    for (int idx = 0; idx < ast_list_count(type->qualifiers); idx++) {
        put_name(pr, type->qualifiers->items[idx]);
        put(pr, ".");
    }
    put_name(pr, type->name);
    print_expr_list(pr, type->mods);
    if (type->interval_fields != NULL) {
        put(pr, " (fields ");
        put(pr, type->interval_fields);
        close_tag(pr);
    }
    for (int dim_idx = 0; dim_idx < type->array_dims; dim_idx++) put(pr, " []");
    close_tag(pr);
}

static void print_sort_list(Printer *pr, const char *tag, const AstList *list)
{
    if (list == NULL) return;
    space(pr);
    open_tag(pr, tag);
    for (int idx = 0; idx < list->count; idx++) {
        const AstSortBy *sort = list->items[idx];
        space(pr);
        bool plain = sort->dir == AST_SORT_DEFAULT && sort->nulls == AST_NULLS_DEFAULT &&
                     sort->opclass == NULL && sort->collation == NULL;
        if (plain) {
            print_expr(pr, sort->expr);
            continue;
        }
        open_tag(pr, "sort ");
        print_expr(pr, sort->expr);
        if (sort->collation != NULL) {
            put(pr, " (collate ");
            put_name(pr, sort->collation);
            put(pr, ")");
        }
        if (sort->opclass != NULL) {
            put(pr, " (opclass ");
            put_name(pr, sort->opclass);
            put(pr, ")");
        }
        if (sort->dir == AST_SORT_ASC) put(pr, " asc");
        if (sort->dir == AST_SORT_DESC) put(pr, " desc");
        if (sort->nulls == AST_NULLS_FIRST) put(pr, " nulls_first");
        if (sort->nulls == AST_NULLS_LAST) put(pr, " nulls_last");
        close_tag(pr);
    }
    close_tag(pr);
}

static void print_bound(Printer *pr, const AstFrameBound *bound)
{
    space(pr);
    switch (bound->kind) {
    case AST_BOUND_UNBOUNDED_PRECEDING: put(pr, "unbounded_preceding"); break;
    case AST_BOUND_UNBOUNDED_FOLLOWING: put(pr, "unbounded_following"); break;
    case AST_BOUND_CURRENT_ROW: put(pr, "current_row"); break;
    case AST_BOUND_PRECEDING:
    case AST_BOUND_FOLLOWING:
        open_tag(pr, bound->kind == AST_BOUND_PRECEDING ? "preceding " : "following ");
        print_expr(pr, bound->offset);
        close_tag(pr);
        break;
    }
}

static void print_window(Printer *pr, const AstWindow *window)
{
    open_tag(pr, "window");
    if (window->name != NULL) {
        space(pr);
        put_name(pr, window->name);
    }
    if (window->ref_name != NULL) {
        put(pr, " (ref ");
        put_name(pr, window->ref_name);
        put(pr, ")");
    }
    if (window->partition_by != NULL) {
        put(pr, " (partition");
        print_expr_list(pr, window->partition_by);
        close_tag(pr);
    }
    print_sort_list(pr, "order", window->order_by);
    if (window->frame_unit != AST_FRAME_NONE) {
        static const char *const units[] = {"", "rows", "range", "groups"};
        space(pr);
        open_tag(pr, units[window->frame_unit]);
        print_bound(pr, &window->start);
        if (window->has_end) print_bound(pr, &window->end);
        static const char *const excludes[] = {"", " exclude_current_row", " exclude_group",
                                               " exclude_ties"};
        put(pr, excludes[window->exclude]);
        close_tag(pr);
    }
    close_tag(pr);
}

static void print_func(Printer *pr, const AstExpr *expr)
{
    const AstFuncCall *func = expr->func;
    open_tag(pr, "func ");
    put_names(pr, func->names);
    if (func->distinct) put(pr, " distinct");
    if (func->variadic) put(pr, " variadic");
    if (func->star) put(pr, " *");
    print_expr_list(pr, func->args);
    print_sort_list(pr, "order", func->order_by);
    if (func->filter != NULL) {
        put(pr, " (filter ");
        print_expr(pr, func->filter);
        close_tag(pr);
    }
    if (func->over != NULL) {
        put(pr, " (over ");
        print_window(pr, func->over);
        close_tag(pr);
    }
    close_tag(pr);
}

static void print_sublink(Printer *pr, const AstExpr *expr)
{
    switch (expr->sublink_kind) {
    case AST_SUBLINK_EXISTS: open_tag(pr, "exists"); break;
    case AST_SUBLINK_SCALAR: open_tag(pr, "subquery"); break;
    case AST_SUBLINK_ARRAY: open_tag(pr, "array_sub"); break;
    case AST_SUBLINK_IN: open_tag(pr, expr->negated ? "not_in" : "in"); break;
    case AST_SUBLINK_ANY:
    case AST_SUBLINK_ALL:
        open_tag(pr, expr->sublink_kind == AST_SUBLINK_ANY ? "any " : "all ");
        put_bytes(pr, expr->text, expr->text_size);
        break;
    }
    if (expr->left != NULL) {
        space(pr);
        print_expr(pr, expr->left);
    }
    space(pr);
    if (expr->subquery != NULL) {
        print_select(pr, expr->subquery);
    } else {
        print_expr(pr, expr->right);
    }
    close_tag(pr);
}

static void print_simple(Printer *pr, const AstExpr *expr)
{
    switch (expr->kind) {
    case AST_EXPR_NULL: put(pr, "null"); break;
    case AST_EXPR_BOOL: put(pr, expr->bool_value ? "true" : "false"); break;
    case AST_EXPR_INTEGER:
    case AST_EXPR_NUMERIC: put_bytes(pr, expr->text, expr->text_size); break;
    case AST_EXPR_STRING: put_quoted(pr, expr->text, expr->text_size); break;
    case AST_EXPR_BIT_STRING:
        put(pr, expr->hex ? "X" : "B");
        put_quoted(pr, expr->text, expr->text_size);
        break;
    case AST_EXPR_PARAM: putf(pr, "$%d", expr->param_idx); break;
    case AST_EXPR_DEFAULT: put(pr, "default"); break;
    case AST_EXPR_COLUMN: put_names(pr, expr->names); break;
    case AST_EXPR_STAR:
        put_names(pr, expr->names);
        put(pr, expr->names != NULL ? ".*" : "*");
        break;
    default: UNREACHABLE();
    }
}

static void print_operator_expr(Printer *pr, const AstExpr *expr)
{
    static const char *const is_tags[][2] = {
        {"is_null", "is_not_null"},
        {"is_true", "is_not_true"},
        {"is_false", "is_not_false"},
        {"is_unknown", "is_not_unknown"},
    };
    static const char *const like_tags[][2] = {
        {"like", "not_like"}, {"ilike", "not_ilike"}, {"similar", "not_similar"}};
    switch (expr->kind) {
    case AST_EXPR_UNARY:
        put(pr, "(");
        put_bytes(pr, expr->text, expr->text_size);
        space(pr);
        print_expr(pr, expr->arg);
        break;
    case AST_EXPR_BINARY:
        put(pr, "(");
        put_bytes(pr, expr->text, expr->text_size);
        space(pr);
        print_expr(pr, expr->left);
        space(pr);
        print_expr(pr, expr->right);
        break;
    case AST_EXPR_AND:
    case AST_EXPR_OR:
        open_tag(pr, expr->kind == AST_EXPR_AND ? "and" : "or");
        print_expr_list(pr, expr->args);
        break;
    case AST_EXPR_NOT:
        open_tag(pr, "not ");
        print_expr(pr, expr->arg);
        break;
    case AST_EXPR_IS:
        open_tag(pr, is_tags[expr->is_test][expr->negated]);
        space(pr);
        print_expr(pr, expr->arg);
        break;
    case AST_EXPR_DISTINCT_FROM:
        open_tag(pr, expr->negated ? "not_distinct_from " : "distinct_from ");
        print_expr(pr, expr->left);
        space(pr);
        print_expr(pr, expr->right);
        break;
    case AST_EXPR_BETWEEN:
        open_tag(pr, expr->negated ? "not_between" : "between");
        if (expr->symmetric) put(pr, "_symmetric");
        space(pr);
        print_expr(pr, expr->arg);
        space(pr);
        print_expr(pr, expr->left);
        space(pr);
        print_expr(pr, expr->right);
        break;
    case AST_EXPR_IN_LIST:
        open_tag(pr, expr->negated ? "not_in " : "in ");
        print_expr(pr, expr->arg);
        put(pr, " (list");
        print_expr_list(pr, expr->args);
        close_tag(pr);
        break;
    case AST_EXPR_LIKE:
        open_tag(pr, like_tags[expr->like_kind][expr->negated]);
        space(pr);
        print_expr(pr, expr->left);
        space(pr);
        print_expr(pr, expr->right);
        if (expr->escape != NULL) {
            put(pr, " (escape ");
            print_expr(pr, expr->escape);
            close_tag(pr);
        }
        break;
    default: UNREACHABLE();
    }
    close_tag(pr);
}

static void print_case(Printer *pr, const AstExpr *expr)
{
    open_tag(pr, "case");
    if (expr->case_arg != NULL) {
        space(pr);
        print_expr(pr, expr->case_arg);
    }
    for (int idx = 0; idx < ast_list_count(expr->whens); idx++) {
        const AstWhen *when = expr->whens->items[idx];
        put(pr, " (when ");
        print_expr(pr, when->condition);
        space(pr);
        print_expr(pr, when->result);
        close_tag(pr);
    }
    if (expr->else_expr != NULL) {
        put(pr, " (else ");
        print_expr(pr, expr->else_expr);
        close_tag(pr);
    }
    close_tag(pr);
}

static void print_expr(Printer *pr, const AstExpr *expr)
{
    if (expr == NULL) {
        put(pr, "_");
        return;
    }
    switch (expr->kind) {
    case AST_EXPR_NULL:
    case AST_EXPR_BOOL:
    case AST_EXPR_INTEGER:
    case AST_EXPR_NUMERIC:
    case AST_EXPR_STRING:
    case AST_EXPR_BIT_STRING:
    case AST_EXPR_PARAM:
    case AST_EXPR_DEFAULT:
    case AST_EXPR_COLUMN:
    case AST_EXPR_STAR: print_simple(pr, expr); return;
    case AST_EXPR_UNARY:
    case AST_EXPR_BINARY:
    case AST_EXPR_AND:
    case AST_EXPR_OR:
    case AST_EXPR_NOT:
    case AST_EXPR_IS:
    case AST_EXPR_DISTINCT_FROM:
    case AST_EXPR_BETWEEN:
    case AST_EXPR_IN_LIST:
    case AST_EXPR_LIKE: print_operator_expr(pr, expr); return;
    case AST_EXPR_SUBLINK: print_sublink(pr, expr); return;
    case AST_EXPR_FUNC: print_func(pr, expr); return;
    case AST_EXPR_CASE: print_case(pr, expr); return;
    case AST_EXPR_CAST:
        open_tag(pr, "cast ");
        print_expr(pr, expr->arg);
        space(pr);
        print_type(pr, expr->type);
        break;
    case AST_EXPR_COALESCE: open_tag(pr, "coalesce"); print_expr_list(pr, expr->args); break;
    case AST_EXPR_GREATEST: open_tag(pr, "greatest"); print_expr_list(pr, expr->args); break;
    case AST_EXPR_LEAST: open_tag(pr, "least"); print_expr_list(pr, expr->args); break;
    case AST_EXPR_ARRAY: open_tag(pr, "array"); print_expr_list(pr, expr->args); break;
    case AST_EXPR_ROW: open_tag(pr, "row"); print_expr_list(pr, expr->args); break;
    case AST_EXPR_NULLIF:
    case AST_EXPR_AT_TIME_ZONE:
        open_tag(pr, expr->kind == AST_EXPR_NULLIF ? "nullif " : "at_time_zone ");
        print_expr(pr, expr->left);
        space(pr);
        print_expr(pr, expr->right);
        break;
    case AST_EXPR_SUBSCRIPT:
        open_tag(pr, expr->slice ? "slice " : "subscript ");
        print_expr(pr, expr->arg);
        space(pr);
        print_expr(pr, expr->left);
        if (expr->slice) {
            space(pr);
            print_expr(pr, expr->right);
        }
        break;
    case AST_EXPR_NAMED_ARG:
        open_tag(pr, "named ");
        put_name(pr, expr->text);
        space(pr);
        print_expr(pr, expr->arg);
        break;
    case AST_EXPR_FIELD:
        open_tag(pr, "field ");
        print_expr(pr, expr->arg);
        space(pr);
        if (strcmp(expr->text, "*") == 0) {
            put(pr, "*");
        } else {
            put_name(pr, expr->text);
        }
        break;
    case AST_EXPR_COLLATE:
        open_tag(pr, "collate ");
        print_expr(pr, expr->arg);
        space(pr);
        put_names(pr, expr->names);
        break;
    }
    close_tag(pr);
}

/* ------------------------------------------------------------ select printer */

static void print_alias(Printer *pr, const AstAlias *alias)
{
    if (alias == NULL) return;
    put(pr, " (alias ");
    put_name(pr, alias->name);
    for (int idx = 0; idx < ast_list_count(alias->columns); idx++) {
        space(pr);
        put_name(pr, alias->columns->items[idx]);
    }
    close_tag(pr);
}

static void print_from(Printer *pr, const AstFrom *from)
{
    static const char *const join_tags[] = {"inner", "left", "right", "full", "cross"};
    switch (from->kind) {
    case AST_FROM_TABLE:
        open_tag(pr, "table ");
        put_names(pr, from->names);
        if (from->only) put(pr, " only");
        break;
    case AST_FROM_SUBQUERY:
        open_tag(pr, from->lateral ? "subquery lateral " : "subquery ");
        print_select(pr, from->subquery);
        break;
    case AST_FROM_FUNCTION:
        open_tag(pr, from->lateral ? "function lateral " : "function ");
        print_expr(pr, from->func);
        if (from->ordinality) put(pr, " ordinality");
        break;
    case AST_FROM_JOIN:
        open_tag(pr, "join ");
        put(pr, join_tags[from->join_kind]);
        if (from->natural) put(pr, " natural");
        space(pr);
        print_from(pr, from->left);
        space(pr);
        print_from(pr, from->right);
        if (from->on != NULL) {
            put(pr, " (on ");
            print_expr(pr, from->on);
            close_tag(pr);
        }
        put_name_group(pr, "using", from->using_cols);
        break;
    }
    print_alias(pr, from->alias);
    close_tag(pr);
}

static void print_from_list(Printer *pr, const char *tag, const AstList *list)
{
    if (list == NULL) return;
    space(pr);
    open_tag(pr, tag);
    for (int idx = 0; idx < list->count; idx++) {
        space(pr);
        print_from(pr, list->items[idx]);
    }
    close_tag(pr);
}

static void print_targets(Printer *pr, const char *tag, const AstList *list)
{
    if (list == NULL) return;
    space(pr);
    open_tag(pr, tag);
    for (int idx = 0; idx < list->count; idx++) {
        const AstTarget *target = list->items[idx];
        space(pr);
        if (target->alias == NULL) {
            print_expr(pr, target->expr);
            continue;
        }
        open_tag(pr, "as ");
        print_expr(pr, target->expr);
        space(pr);
        put_name(pr, target->alias);
        close_tag(pr);
    }
    close_tag(pr);
}

static void print_with(Printer *pr, const AstWith *with)
{
    if (with == NULL) return;
    put(pr, with->recursive ? " (with recursive" : " (with");
    for (int idx = 0; idx < ast_list_count(with->ctes); idx++) {
        const AstCte *cte = with->ctes->items[idx];
        put(pr, " (cte ");
        put_name(pr, cte->name);
        put_name_group(pr, "columns", cte->columns);
        if (cte->materialized > 0) put(pr, " materialized");
        if (cte->materialized < 0) put(pr, " not_materialized");
        space(pr);
        if (cte->dml != NULL) print_stmt(pr, cte->dml);
        else print_select(pr, cte->query);
        close_tag(pr);
    }
    close_tag(pr);
}

static void print_tagged_expr(Printer *pr, const char *tag, const AstExpr *expr)
{
    if (expr == NULL) return;
    space(pr);
    open_tag(pr, tag);
    space(pr);
    print_expr(pr, expr);
    close_tag(pr);
}

static void print_tagged_list(Printer *pr, const char *tag, const AstList *list)
{
    if (list == NULL) return;
    space(pr);
    open_tag(pr, tag);
    print_expr_list(pr, list);
    close_tag(pr);
}

static void print_core(Printer *pr, const AstSelect *select)
{
    open_tag(pr, "select");
    print_with(pr, select->with);
    if (select->distinct && select->distinct_on == NULL) put(pr, " distinct");
    print_tagged_list(pr, "distinct_on", select->distinct_on);
    print_targets(pr, "targets", select->targets);
    print_from_list(pr, "from", select->from);
    print_tagged_expr(pr, "where", select->where);
    print_tagged_list(pr, "group", select->group_by);
    print_tagged_expr(pr, "having", select->having);
    if (select->windows != NULL) {
        put(pr, " (windows");
        for (int idx = 0; idx < select->windows->count; idx++) {
            space(pr);
            print_window(pr, select->windows->items[idx]);
        }
        close_tag(pr);
    }
}

static void print_select(Printer *pr, const AstSelect *select)
{
    static const char *const setop_tags[] = {"union", "intersect", "except"};
    switch (select->kind) {
    case AST_SELECT_CORE: print_core(pr, select); break;
    case AST_SELECT_VALUES:
        open_tag(pr, "values");
        print_with(pr, select->with);
        for (int row_idx = 0; row_idx < ast_list_count(select->values); row_idx++) {
            put(pr, " (");
            const AstList *row = select->values->items[row_idx];
            for (int col_idx = 0; col_idx < ast_list_count(row); col_idx++) {
                if (col_idx > 0) space(pr);
                print_expr(pr, row->items[col_idx]);
            }
            close_tag(pr);
        }
        break;
    case AST_SELECT_SETOP:
        open_tag(pr, setop_tags[select->setop]);
        if (select->setop_all) put(pr, " all");
        print_with(pr, select->with);
        space(pr);
        print_select(pr, select->left);
        space(pr);
        print_select(pr, select->right);
        break;
    }
    print_sort_list(pr, "order", select->order_by);
    print_tagged_expr(pr, "limit", select->limit);
    print_tagged_expr(pr, "offset", select->offset);
    for (int idx = 0; idx < ast_list_count(select->locking); idx++) {
        static const char *const strengths[] = {"for_update", "for_no_key_update", "for_share",
                                                "for_key_share"};
        static const char *const waits[] = {"", " nowait", " skip_locked"};
        const AstLocking *locking = select->locking->items[idx];
        space(pr);
        open_tag(pr, strengths[locking->strength]);
        for (int table_idx = 0; table_idx < ast_list_count(locking->tables); table_idx++) {
            space(pr);
            put_names(pr, locking->tables->items[table_idx]);
        }
        put(pr, waits[locking->wait_policy]);
        close_tag(pr);
    }
    close_tag(pr);
}

/* ------------------------------------------------------------ statement printer */

static void print_options(Printer *pr, const char *tag, const AstList *options)
{
    if (options == NULL) return;
    space(pr);
    open_tag(pr, tag);
    for (int idx = 0; idx < options->count; idx++) {
        const AstOption *option = options->items[idx];
        space(pr);
        if (option->value == NULL) {
            put_name(pr, option->name);
            continue;
        }
        put(pr, "(");
        put_name(pr, option->name);
        space(pr);
        if (option->value->kind == AST_EXPR_ROW && option->value->names != NULL) {
            put(pr, "(");
            for (int name_idx = 0; name_idx < option->value->names->count; name_idx++) {
                if (name_idx > 0) space(pr);
                put_name(pr, option->value->names->items[name_idx]);
            }
            close_tag(pr);
        } else {
            print_expr(pr, option->value);
        }
        close_tag(pr);
    }
    close_tag(pr);
}

static void print_constraint(Printer *pr, const AstConstraint *constraint)
{
    static const char *const fk_actions[] = {"no_action", "restrict", "cascade", "set_null",
                                             "set_default"};
    space(pr);
    if (constraint->name != NULL) {
        open_tag(pr, "constraint ");
        put_name(pr, constraint->name);
        space(pr);
    }
    switch (constraint->kind) {
    case AST_CONSTR_NOT_NULL: put(pr, "not_null"); break;
    case AST_CONSTR_NULL: put(pr, "null"); break;
    case AST_CONSTR_DEFAULT:
        open_tag(pr, "default ");
        print_expr(pr, constraint->expr);
        close_tag(pr);
        break;
    case AST_CONSTR_CHECK:
        open_tag(pr, "check ");
        print_expr(pr, constraint->expr);
        close_tag(pr);
        break;
    case AST_CONSTR_GENERATED:
        open_tag(pr, "generated ");
        print_expr(pr, constraint->expr);
        close_tag(pr);
        break;
    case AST_CONSTR_PRIMARY_KEY:
    case AST_CONSTR_UNIQUE:
        open_tag(pr, constraint->kind == AST_CONSTR_UNIQUE ? "unique" : "primary_key");
        for (int idx = 0; idx < ast_list_count(constraint->columns); idx++) {
            space(pr);
            put_name(pr, constraint->columns->items[idx]);
        }
        print_options(pr, "with", constraint->options);
        close_tag(pr);
        break;
    case AST_CONSTR_FOREIGN_KEY:
        open_tag(pr, "foreign_key");
        put_name_group(pr, "columns", constraint->columns);
        put(pr, " (references ");
        put_names(pr, constraint->ref_table);
        for (int idx = 0; idx < ast_list_count(constraint->ref_columns); idx++) {
            space(pr);
            put_name(pr, constraint->ref_columns->items[idx]);
        }
        close_tag(pr);
        if (constraint->on_delete != AST_FK_NO_ACTION) {
            put(pr, " (on_delete ");
            put(pr, fk_actions[constraint->on_delete]);
            close_tag(pr);
        }
        if (constraint->on_update != AST_FK_NO_ACTION) {
            put(pr, " (on_update ");
            put(pr, fk_actions[constraint->on_update]);
            close_tag(pr);
        }
        close_tag(pr);
        break;
    case AST_CONSTR_IDENTITY:
        open_tag(pr, constraint->identity_always ? "identity always" : "identity by_default");
        print_options(pr, "options", constraint->options);
        close_tag(pr);
        break;
    }
    if (constraint->deferrable) put(pr, " deferrable");
    if (constraint->name != NULL) close_tag(pr);
}

static void print_column_def(Printer *pr, const AstColumnDef *column)
{
    open_tag(pr, "column ");
    put_name(pr, column->name);
    if (column->type != NULL) {
        space(pr);
        print_type(pr, column->type);
    }
    if (column->collation != NULL) {
        put(pr, " (collate ");
        put_name(pr, column->collation);
        close_tag(pr);
    }
    for (int idx = 0; idx < ast_list_count(column->constraints); idx++) {
        print_constraint(pr, column->constraints->items[idx]);
    }
    close_tag(pr);
}

static void print_set_clauses(Printer *pr, const AstList *set)
{
    put(pr, " (set");
    for (int idx = 0; idx < ast_list_count(set); idx++) {
        const AstSetClause *clause = set->items[idx];
        put(pr, " (= ");
        if (clause->columns->count == 1) {
            put_name(pr, clause->columns->items[0]);
        } else {
            put(pr, "(");
            for (int col_idx = 0; col_idx < clause->columns->count; col_idx++) {
                if (col_idx > 0) space(pr);
                put_name(pr, clause->columns->items[col_idx]);
            }
            close_tag(pr);
        }
        space(pr);
        print_expr(pr, clause->value);
        close_tag(pr);
    }
    close_tag(pr);
}

static void print_insert(Printer *pr, const AstInsert *insert)
{
    open_tag(pr, "insert");
    print_with(pr, insert->with);
    space(pr);
    put_names(pr, insert->table);
    if (insert->alias != NULL) {
        put(pr, " (alias ");
        put_name(pr, insert->alias);
        close_tag(pr);
    }
    put_name_group(pr, "columns", insert->columns);
    if (insert->overriding == 1) put(pr, " overriding_system_value");
    if (insert->query != NULL) {
        space(pr);
        print_select(pr, insert->query);
    } else {
        put(pr, " default_values");
    }
    const AstOnConflict *conflict = insert->on_conflict;
    if (conflict != NULL) {
        put(pr, " (on_conflict");
        print_sort_list(pr, "target", conflict->columns);
        if (conflict->constraint != NULL) {
            put(pr, " (constraint ");
            put_name(pr, conflict->constraint);
            close_tag(pr);
        }
        print_tagged_expr(pr, "target_where", conflict->target_where);
        if (conflict->do_update) {
            put(pr, " do_update");
            print_set_clauses(pr, conflict->set);
            print_tagged_expr(pr, "where", conflict->where);
        } else {
            put(pr, " do_nothing");
        }
        close_tag(pr);
    }
    print_targets(pr, "returning", insert->returning);
    close_tag(pr);
}

static void print_create_table(Printer *pr, const AstCreateTable *create)
{
    open_tag(pr, "create_table");
    if (create->temporary) put(pr, " temp");
    if (create->unlogged) put(pr, " unlogged");
    if (create->if_not_exists) put(pr, " if_not_exists");
    space(pr);
    put_names(pr, create->table);
    for (int idx = 0; idx < ast_list_count(create->columns); idx++) {
        space(pr);
        print_column_def(pr, create->columns->items[idx]);
    }
    for (int idx = 0; idx < ast_list_count(create->constraints); idx++) {
        print_constraint(pr, create->constraints->items[idx]);
    }
    print_options(pr, "with", create->options);
    if (create->as_query != NULL) {
        put(pr, " (as ");
        print_select(pr, create->as_query);
        close_tag(pr);
        if (create->with_no_data) put(pr, " with_no_data");
    }
    close_tag(pr);
}

static void print_create_index(Printer *pr, const AstCreateIndex *index)
{
    open_tag(pr, "create_index");
    if (index->unique) put(pr, " unique");
    if (index->concurrently) put(pr, " concurrently");
    if (index->if_not_exists) put(pr, " if_not_exists");
    if (index->name != NULL) {
        space(pr);
        put_name(pr, index->name);
    }
    put(pr, " (on ");
    put_names(pr, index->table);
    close_tag(pr);
    if (index->method != NULL) {
        put(pr, " (using ");
        put_name(pr, index->method);
        close_tag(pr);
    }
    print_sort_list(pr, "columns", index->columns);
    put_name_group(pr, "include", index->include);
    print_options(pr, "with", index->options);
    print_tagged_expr(pr, "where", index->where);
    close_tag(pr);
}

static void print_alter_cmd(Printer *pr, const AstAlterCmd *cmd)
{
    static const char *const tags[] = {
        "add_column",     "drop_column",    "rename_column", "rename_table",
        "rename_constraint", "add_constraint", "drop_constraint", "set_default",
        "set_not_null",   "drop_not_null",  "alter_type",    "set_schema",
        "set_options",    "owner",
    };
    space(pr);
    open_tag(pr, cmd->kind == AST_ALTER_SET_DEFAULT && cmd->expr == NULL ? "drop_default"
                                                                          : tags[cmd->kind]);
    if (cmd->if_exists) put(pr, " if_exists");
    if (cmd->if_not_exists) put(pr, " if_not_exists");
    switch (cmd->kind) {
    case AST_ALTER_ADD_COLUMN:
        space(pr);
        print_column_def(pr, cmd->column);
        break;
    case AST_ALTER_ADD_CONSTRAINT: print_constraint(pr, cmd->constraint); break;
    case AST_ALTER_SET_OPTIONS: print_options(pr, "options", cmd->options); break;
    default:
        if (cmd->name != NULL) {
            space(pr);
            put_name(pr, cmd->name);
        }
        if (cmd->new_name != NULL) {
            space(pr);
            put_name(pr, cmd->new_name);
        }
        if (cmd->type != NULL) {
            space(pr);
            print_type(pr, cmd->type);
        }
        if (cmd->expr != NULL) {
            space(pr);
            print_expr(pr, cmd->expr);
        }
        break;
    }
    if (cmd->cascade) put(pr, " cascade");
    close_tag(pr);
}

static void print_name_lists(Printer *pr, const AstList *lists)
{
    for (int idx = 0; idx < ast_list_count(lists); idx++) {
        space(pr);
        put_names(pr, lists->items[idx]);
    }
}

static void print_transaction(Printer *pr, const AstTransaction *txn)
{
    static const char *const tags[] = {"begin",   "commit",      "rollback", "savepoint",
                                       "release", "rollback_to", "set_transaction",
                                       "set_session_transaction"};
    open_tag(pr, tags[txn->kind]);
    if (txn->name != NULL) {
        space(pr);
        put_name(pr, txn->name);
    }
    if (txn->chain) put(pr, " and_chain");
    if (txn->start) put(pr, " start_transaction");
    print_options(pr, "modes", txn->options);
    close_tag(pr);
}

static void print_set(Printer *pr, const char *tag, const AstSet *set)
{
    open_tag(pr, tag);
    if (set->local) put(pr, " local");
    space(pr);
    put_name(pr, set->name);
    if (set->is_default) put(pr, " default");
    print_expr_list(pr, set->values);
    close_tag(pr);
}

static void print_copy(Printer *pr, const AstCopy *copy)
{
    open_tag(pr, "copy ");
    if (copy->table != NULL) {
        put_names(pr, copy->table);
    } else {
        print_select(pr, copy->query);
    }
    put_name_group(pr, "columns", copy->columns);
    put(pr, copy->is_from ? " from " : " to ");
    if (copy->filename != NULL) {
        put_quoted(pr, copy->filename, strlen(copy->filename));
    } else {
        put(pr, copy->is_from ? "stdin" : "stdout");
    }
    print_options(pr, "options", copy->options);
    print_tagged_expr(pr, "where", copy->where);
    close_tag(pr);
}

static void print_role(Printer *pr, const AstStmt *stmt)
{
    const AstRole *role = stmt->u.role;
    open_tag(pr, stmt->kind == AST_STMT_ALTER_ROLE ? "alter_role"
                 : role->is_user                   ? "create_user"
                                                   : "create_role");
    space(pr);
    put_name(pr, role->name);
    print_options(pr, "options", role->options);
    if (role->new_name != NULL) {
        put(pr, " (rename ");
        put_name(pr, role->new_name);
        close_tag(pr);
    }
    if (role->set != NULL) {
        space(pr);
        print_set(pr, role->set->values != NULL || role->set->is_default ? "set" : "reset",
                  role->set);
    }
    close_tag(pr);
}

static void print_object_stmt(Printer *pr, const AstStmt *stmt)
{
    switch (stmt->kind) {
    case AST_STMT_CREATE_VIEW: {
        const AstCreateView *view = stmt->u.create_view;
        open_tag(pr, "create_view");
        if (view->or_replace) put(pr, " or_replace");
        if (view->temporary) put(pr, " temp");
        space(pr);
        put_names(pr, view->name);
        put_name_group(pr, "columns", view->columns);
        space(pr);
        print_select(pr, view->query);
        break;
    }
    case AST_STMT_CREATE_SCHEMA: {
        const AstCreateSchema *schema = stmt->u.create_schema;
        open_tag(pr, "create_schema");
        if (schema->if_not_exists) put(pr, " if_not_exists");
        space(pr);
        put_name(pr, schema->name);
        if (schema->authorization != NULL) {
            put(pr, " (authorization ");
            put_name(pr, schema->authorization);
            close_tag(pr);
        }
        break;
    }
    case AST_STMT_CREATE_SEQUENCE:
    case AST_STMT_ALTER_SEQUENCE: {
        const AstSequence *seq = stmt->u.sequence;
        bool create = stmt->kind == AST_STMT_CREATE_SEQUENCE;
        open_tag(pr, create ? "create_sequence" : "alter_sequence");
        if (seq->temporary) put(pr, " temp");
        if (seq->if_not_exists) put(pr, create ? " if_not_exists" : " if_exists");
        space(pr);
        put_names(pr, seq->name);
        print_options(pr, "options", seq->options);
        break;
    }
    default: UNREACHABLE();
    }
    close_tag(pr);
}

static void print_ddl_stmt(Printer *pr, const AstStmt *stmt)
{
    static const char *const drop_tags[] = {"drop_table", "drop_index",    "drop_view",
                                            "drop_schema", "drop_sequence", "drop_role"};
    switch (stmt->kind) {
    case AST_STMT_CREATE_TABLE: print_create_table(pr, stmt->u.create_table); return;
    case AST_STMT_CREATE_INDEX: print_create_index(pr, stmt->u.create_index); return;
    case AST_STMT_CREATE_VIEW:
    case AST_STMT_CREATE_SCHEMA:
    case AST_STMT_CREATE_SEQUENCE:
    case AST_STMT_ALTER_SEQUENCE: print_object_stmt(pr, stmt); return;
    case AST_STMT_ALTER_TABLE: {
        const AstAlterTable *alter = stmt->u.alter_table;
        open_tag(pr, "alter_table");
        if (alter->if_exists) put(pr, " if_exists");
        if (alter->only) put(pr, " only");
        if (alter->view) put(pr, " view");
        space(pr);
        put_names(pr, alter->table);
        for (int idx = 0; idx < ast_list_count(alter->cmds); idx++) {
            print_alter_cmd(pr, alter->cmds->items[idx]);
        }
        break;
    }
    case AST_STMT_DROP: {
        const AstDrop *drop = stmt->u.drop;
        open_tag(pr, drop_tags[drop->object]);
        if (drop->concurrently) put(pr, " concurrently");
        if (drop->if_exists) put(pr, " if_exists");
        print_name_lists(pr, drop->names);
        if (drop->cascade) put(pr, " cascade");
        break;
    }
    case AST_STMT_TRUNCATE: {
        const AstTruncate *truncate = stmt->u.truncate;
        open_tag(pr, "truncate");
        print_name_lists(pr, truncate->tables);
        if (truncate->restart_identity) put(pr, " restart_identity");
        if (truncate->cascade) put(pr, " cascade");
        break;
    }
    default: UNREACHABLE();
    }
    close_tag(pr);
}

static void print_dml_stmt(Printer *pr, const AstStmt *stmt)
{
    switch (stmt->kind) {
    case AST_STMT_SELECT: print_select(pr, stmt->u.select); return;
    case AST_STMT_INSERT: print_insert(pr, stmt->u.insert); return;
    case AST_STMT_UPDATE: {
        const AstUpdate *update = stmt->u.update;
        open_tag(pr, "update");
        print_with(pr, update->with);
        space(pr);
        print_from(pr, update->table);
        print_set_clauses(pr, update->set);
        print_from_list(pr, "from", update->from);
        print_tagged_expr(pr, "where", update->where);
        print_targets(pr, "returning", update->returning);
        break;
    }
    case AST_STMT_DELETE: {
        const AstDelete *delete_ = stmt->u.delete_;
        open_tag(pr, "delete");
        print_with(pr, delete_->with);
        space(pr);
        print_from(pr, delete_->table);
        print_from_list(pr, "using", delete_->using_list);
        print_tagged_expr(pr, "where", delete_->where);
        print_targets(pr, "returning", delete_->returning);
        break;
    }
    default: UNREACHABLE();
    }
    close_tag(pr);
}

static void print_misc_stmt(Printer *pr, const AstStmt *stmt)
{
    switch (stmt->kind) {
    case AST_STMT_DECLARE_CURSOR: {
        const AstDeclareCursor *cursor = stmt->u.declare_cursor;
        open_tag(pr, "declare_cursor ");
        put_name(pr, cursor->name);
        if (cursor->binary) put(pr, " binary");
        if (cursor->scroll > 0) put(pr, " scroll");
        if (cursor->scroll < 0) put(pr, " no_scroll");
        if (cursor->hold) put(pr, " hold");
        space(pr);
        print_select(pr, cursor->query);
        break;
    }
    case AST_STMT_FETCH: {
        static const char *const directions[] = {"forward", "backward", "absolute", "relative"};
        const AstFetch *fetch = stmt->u.fetch;
        open_tag(pr, fetch->move ? "move " : "fetch ");
        put_name(pr, fetch->name);
        space(pr);
        put(pr, directions[fetch->direction]);
        if (fetch->all) {
            put(pr, " all");
        } else {
            putf(pr, " %lld", (long long)fetch->count);
        }
        break;
    }
    case AST_STMT_CLOSE:
        open_tag(pr, "close ");
        if (stmt->u.fetch->name != NULL) {
            put_name(pr, stmt->u.fetch->name);
        } else {
            put(pr, "all");
        }
        break;
    case AST_STMT_LOCK:
        open_tag(pr, "lock");
        print_name_lists(pr, stmt->u.lock->tables);
        put(pr, " (mode ");
        put_quoted(pr, stmt->u.lock->mode, strlen(stmt->u.lock->mode));
        close_tag(pr);
        if (stmt->u.lock->nowait) put(pr, " nowait");
        break;
    case AST_STMT_DISCARD:
        open_tag(pr, "discard ");
        put(pr, stmt->u.discard->name);
        break;
    case AST_STMT_COMMENT: {
        static const char *const objects[] = {"table", "column", "index", "view", "schema",
                                              "sequence"};
        const AstComment *comment = stmt->u.comment;
        open_tag(pr, "comment ");
        put(pr, objects[comment->object]);
        space(pr);
        put_names(pr, comment->name);
        space(pr);
        if (comment->text != NULL) {
            put_quoted(pr, comment->text, strlen(comment->text));
        } else {
            put(pr, "null");
        }
        break;
    }
    default: UNREACHABLE();
    }
    close_tag(pr);
}

static void print_utility_stmt(Printer *pr, const AstStmt *stmt)
{
    switch (stmt->kind) {
    case AST_STMT_TRANSACTION: print_transaction(pr, stmt->u.transaction); return;
    case AST_STMT_SET: print_set(pr, "set", stmt->u.set); return;
    case AST_STMT_SHOW: print_set(pr, "show", stmt->u.set); return;
    case AST_STMT_RESET: print_set(pr, "reset", stmt->u.set); return;
    case AST_STMT_COPY: print_copy(pr, stmt->u.copy); return;
    case AST_STMT_CREATE_ROLE:
    case AST_STMT_ALTER_ROLE: print_role(pr, stmt); return;
    case AST_STMT_DECLARE_CURSOR:
    case AST_STMT_FETCH:
    case AST_STMT_CLOSE:
    case AST_STMT_LOCK:
    case AST_STMT_DISCARD:
    case AST_STMT_COMMENT: print_misc_stmt(pr, stmt); return;
    case AST_STMT_LISTEN:
    case AST_STMT_UNLISTEN:
    case AST_STMT_NOTIFY:   /* sessions */
        open_tag(pr, stmt->kind == AST_STMT_LISTEN ? "listen" : stmt->kind == AST_STMT_UNLISTEN
                                                                   ? "unlisten" : "notify");
        space(pr);
        if (stmt->u.set->name != NULL) put_name(pr, stmt->u.set->name);
        else put(pr, "*");
        print_expr_list(pr, stmt->u.set->values);
        break;
    case AST_STMT_EXPLAIN:
        open_tag(pr, "explain");
        print_options(pr, "options", stmt->u.explain->options);
        space(pr);
        print_stmt(pr, stmt->u.explain->stmt);
        break;
    case AST_STMT_VACUUM:
    case AST_STMT_ANALYZE:
        open_tag(pr, stmt->kind == AST_STMT_VACUUM ? "vacuum" : "analyze");
        print_options(pr, "options", stmt->u.vacuum->options);
        for (int idx = 0; idx < ast_list_count(stmt->u.vacuum->tables); idx++) {
            space(pr);
            put_names(pr, stmt->u.vacuum->tables->items[idx]);
            const AstList *columns = idx < ast_list_count(stmt->u.vacuum->columns)
                                         ? stmt->u.vacuum->columns->items[idx] : NULL;
            if (columns != NULL) {
                put(pr, " (columns");
                for (int col_idx = 0; col_idx < columns->count; col_idx++) {
                    space(pr);
                    put_name(pr, columns->items[col_idx]);
                }
                put(pr, ")");
            }
        }
        break;
    case AST_STMT_PREPARE:
        open_tag(pr, "prepare ");
        put_name(pr, stmt->u.prepare->name);
        if (stmt->u.prepare->types != NULL) {
            put(pr, " (types");
            for (int idx = 0; idx < stmt->u.prepare->types->count; idx++) {
                space(pr);
                print_type(pr, stmt->u.prepare->types->items[idx]);
            }
            close_tag(pr);
        }
        space(pr);
        print_stmt(pr, stmt->u.prepare->stmt);
        break;
    case AST_STMT_EXECUTE:
        open_tag(pr, "execute ");
        put_name(pr, stmt->u.execute->name);
        print_expr_list(pr, stmt->u.execute->args);
        break;
    case AST_STMT_DEALLOCATE:
        open_tag(pr, "deallocate ");
        if (stmt->u.deallocate->names == NULL) {
            put(pr, "all");
        } else {
            put_name(pr, stmt->u.deallocate->names->items[0]);
        }
        break;
    default: UNREACHABLE();
    }
    close_tag(pr);
}

static void print_stmt(Printer *pr, const AstStmt *stmt)
{
    switch (stmt->kind) {
    case AST_STMT_SELECT:
    case AST_STMT_INSERT:
    case AST_STMT_UPDATE:
    case AST_STMT_DELETE: print_dml_stmt(pr, stmt); return;
    case AST_STMT_CREATE_TABLE:
    case AST_STMT_CREATE_INDEX:
    case AST_STMT_CREATE_VIEW:
    case AST_STMT_CREATE_SCHEMA:
    case AST_STMT_CREATE_SEQUENCE:
    case AST_STMT_ALTER_SEQUENCE:
    case AST_STMT_ALTER_TABLE:
    case AST_STMT_DROP:
    case AST_STMT_TRUNCATE: print_ddl_stmt(pr, stmt); return;
    default: print_utility_stmt(pr, stmt); return;
    }
}

static char *printer_result(Printer *pr)
{
    if (pr->failed) return NULL;
    if (pr->data == NULL) put(pr, "");
    return pr->failed ? NULL : pr->data;
}

char *ast_print_stmt(Arena *arena, const AstStmt *stmt)
{
    Printer pr = {.arena = arena};
    print_stmt(&pr, stmt);
    return printer_result(&pr);
}

char *ast_print_stmts(Arena *arena, const AstStmtList *stmts)
{
    Printer pr = {.arena = arena};
    for (int idx = 0; idx < stmts->count; idx++) {
        if (idx > 0) put(&pr, "; ");
        print_stmt(&pr, stmts->stmts[idx]);
    }
    return printer_result(&pr);
}

char *ast_print_expr(Arena *arena, const AstExpr *expr)
{
    Printer pr = {.arena = arena};
    print_expr(&pr, expr);
    return printer_result(&pr);
}
