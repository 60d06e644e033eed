/* parser/parse_int.h: what the lemon grammar and parse.c share (parser-internal).
 *
 * Grammar actions are one assignment or one call; the calls that need more than a line live
 * in parse_build.c and are declared here. They never fail: on out-of-memory the AstBuilder
 * hands out scratch memory and parse_sql reports OUT_OF_MEMORY. A semantic error found while
 * reducing (e.g. "multiple ORDER BY clauses not allowed") goes to parse_fail, and parse.c
 * stops feeding tokens. */
#ifndef BIRCH_PARSER_PARSE_INT_H
#define BIRCH_PARSER_PARSE_INT_H

#include "common/error.h"
#include "parser/ast.h"
#include "parser/tok.h"

typedef struct ParseState {
    AstBuilder  b;
    const char *sql;
    Error      *error;       /* the first error; parse.c stops at it */
    AstStmt    *stmt;        /* the statement of the current parse, NULL if empty */
    bool        accepted;
} ParseState;

/* parse_fail: record a SYNTAX_ERROR (or state) at a position unless one is recorded already. */
void parse_fail(ParseState *ps, SqlState state, int position, const char *message);
/* parse_syntax_error: PostgreSQL's "syntax error at or near" for token. */
void parse_syntax_error(ParseState *ps, const Token *token);

/* Helpers for grammar actions (parse_build.c). */
typedef struct LimitPair {
    AstExpr *limit;
    AstExpr *offset;
    bool     has_limit;
    bool     has_offset;
} LimitPair;

char    *parse_name(ParseState *ps, Token token);
/* InsertColumns: INSERT's column list, names with their positions (AstInsert). */
typedef struct InsertColumns {
    AstList *names;              /* char * */
    AstList *positions;          /* int * */
} InsertColumns;
/* parse_insert_column: list (names NULL: empty) with token's name and position appended. */
InsertColumns parse_insert_column(ParseState *ps, InsertColumns list, Token token);
AstList *parse_name_list(ParseState *ps, Token token);
AstExpr *parse_const(ParseState *ps, Token token);
AstExpr *parse_param(ParseState *ps, Token token);
/* parse_int64: an integer literal (negated if negate); SYNTAX_ERROR if out of range. */
int64_t  parse_int64(ParseState *ps, Token token, bool negate);
AstExpr *parse_negate(ParseState *ps, AstExpr *arg, int position);
AstExpr *parse_typed_literal(ParseState *ps, AstTypeName *type, Token string);
AstTypeName *parse_type(ParseState *ps, Token name, AstList *mods);
/* parse_interval_type: type with interval fields (fields.text); only "interval" takes them. */
AstTypeName *parse_interval_type(ParseState *ps, AstTypeName *type, Token fields);
AstTypeName *parse_type_names(ParseState *ps, AstList *names, int position);
char    *parse_join_dotted(ParseState *ps, const char *left, const char *right);
AstTypeName *parse_type_words(ParseState *ps, const char *canonical, Token first, AstList *mods);
/* parse_type_with_zone: timestamp/time WITH (keyword is WITH_LA) or WITHOUT TIME ZONE. */
AstTypeName *parse_type_with_zone(ParseState *ps, AstTypeName *type, Token keyword);
AstSelect *parse_select_attach(ParseState *ps, AstSelect *select, AstWith *with,
                               AstList *order_by, LimitPair limit, AstList *locking);
AstSelect *parse_setop(ParseState *ps, AstSetOp op, bool all, AstSelect *left,
                       AstSelect *right);
AstSelect *parse_values_select(ParseState *ps, AstList *rows, int position);
AstExpr *parse_sublink(ParseState *ps, AstSublinkKind kind, AstExpr *left, AstSelect *query,
                       int position);
AstExpr *parse_quantified(ParseState *ps, const char *op, bool all, AstExpr *left,
                          AstExpr *array_or_null, AstSelect *query_or_null, int position);
AstExpr *parse_is(ParseState *ps, AstExpr *arg, AstIsTest test, bool negated, int position);
AstExpr *parse_like(ParseState *ps, AstLikeKind kind, bool negated, AstExpr *left,
                    AstExpr *right, AstExpr *escape, int position);
AstExpr *parse_between(ParseState *ps, AstExpr *arg, AstExpr *low, AstExpr *high,
                       bool negated, bool symmetric, int position);
AstExpr *parse_in(ParseState *ps, AstExpr *arg, AstExpr *in_rhs, bool negated, int position);
AstExpr *parse_column_star(ParseState *ps, AstList *names, int position);
AstExpr *parse_column(ParseState *ps, AstList *names, int position);
AstExpr *parse_func_call(ParseState *ps, AstExpr *func, AstList *order_by, AstExpr *filter,
                         AstWindow *over);
AstExpr *parse_special_func(ParseState *ps, AstExprKind kind, AstList *args, int position);
AstExpr *parse_trim(ParseState *ps, const char *which, AstList *args, int position);
AstExpr *parse_case(ParseState *ps, AstExpr *arg, AstList *whens, AstExpr *else_expr,
                    int position);
AstWhen *parse_when(ParseState *ps, AstExpr *condition, AstExpr *result);
AstExpr *parse_row(ParseState *ps, AstList *args, bool explicit_row, int position);
AstExpr *parse_array(ParseState *ps, AstList *args, int position);
AstExpr *parse_subscript(ParseState *ps, AstExpr *arg, AstExpr *low, AstExpr *high, bool slice);
AstExpr *parse_cast(ParseState *ps, AstExpr *arg, AstTypeName *type, int position);
AstSortBy *parse_sort(ParseState *ps, AstExpr *expr, AstSortDir dir, AstNulls nulls);
AstTarget *parse_target(ParseState *ps, AstExpr *expr, char *alias, int position);
AstFrom *parse_from_table(ParseState *ps, AstList *names, AstAlias *alias, bool only,
                          int position);
AstFrom *parse_from_subquery(ParseState *ps, AstSelect *query, AstAlias *alias, bool lateral,
                             int position);
AstFrom *parse_from_function(ParseState *ps, AstExpr *func, bool ordinality, AstAlias *alias,
                             bool lateral, int position);
AstFrom *parse_join(ParseState *ps, AstFrom *left, AstJoinKind kind, bool natural,
                    AstFrom *right, AstExpr *on, AstList *using_cols);
AstAlias *parse_alias(ParseState *ps, char *name, AstList *columns);
AstOption *parse_option(ParseState *ps, const char *name, AstExpr *value);
AstExpr *parse_bool(ParseState *ps, bool value, int position);
AstStmt *parse_stmt(ParseState *ps, AstStmtKind kind, void *node, int position);
/* parse_vacuum_rel: append relation names (with its column list, NULL if none) to vacuum's
 * parallel tables/columns lists; a NULL vacuum starts a new AstVacuum. */
AstVacuum *parse_vacuum_rel(ParseState *ps, AstVacuum *vacuum, AstList *names, AstList *columns);

#endif
