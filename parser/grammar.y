/* parser/grammar.y: the SQL grammar (PostgreSQL dialect), for Debian's lemon.
 *
 * One parse covers one statement: parse.c feeds the tokens of a statement, its ';' (SEMI) and
 * then the end (0), and starts a fresh parse for the next statement. Actions are one
 * assignment or one call (STYLE.md section 8); nodes live in the query arena, so a syntax error
 * leaks nothing and no %destructor is needed.
 *
 * Keywords: the tokens listed under %fallback ID are PostgreSQL's unreserved keywords (and the
 * few column-name keywords we treat the same way): where the grammar has no action for such a
 * keyword it is taken as an identifier, so `name`, `key`, `value`, `type`, `text` work as
 * names. Reserved keywords never fall back. parse.c's keyword table holds the same split and a
 * test checks that the two agree.
 *
 * Precedence follows PostgreSQL's gram.y, lowest first.
 */

%name ParseLemon
%token_prefix TK_
%token_type {Token}
%extra_argument {ParseState *ps}
%stack_size 0
%start_symbol input

%include {
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parse_int.h"

#define YYNOERRORRECOVERY 1
#define YYMALLOCARGTYPE size_t

/* The growable parser stack is capped: a deeper statement is STATEMENT_TOO_COMPLEX (through
 * %stack_overflow) rather than unbounded memory and recursion in later passes. */
enum { PARSE_STACK_SIZE_MAX = 512 * 1024 };
static void *parse_stack_realloc(void *ptr, size_t size)
{
    if (size > PARSE_STACK_SIZE_MAX) return NULL;
    return realloc(ptr, size);
}
#define realloc(ptr, size) parse_stack_realloc(ptr, size)
}

%syntax_error {
    parse_syntax_error(ps, &yyminor);
}
%stack_overflow {
    parse_fail(ps, SQLSTATE_STATEMENT_TOO_COMPLEX, 0, "stack depth limit exceeded");
}
%parse_accept {
    ps->accepted = true;
}

/* Terminals that are not keywords come first so their codes are small and stable. */
%token ID STRING INTEGER NUMERIC BITSTR HEXSTR PARAM OP TYPECAST
       LP RP LB RB COMMA SEMI DOT COLON PLUS MINUS STAR SLASH PERCENT CARET
       LT GT EQ LE GE NE ILLEGAL NOT_LA WITH_LA EQUALS_GREATER.

/* Unreserved keywords (and column-name keywords used as names) fall back to ID. */
%fallback ID
    ABORT ABSOLUTE ACTION ADD ADMIN ALTER ALWAYS AT BEGIN BY CACHE CASCADE CHAIN
    CHARACTERISTICS COLUMNS COMMENTS COMMIT COMMITTED CONFLICT CONNECTION CONSTRAINTS COPY COST
    COSTS CSV CURRENT CYCLE DATA DEALLOCATE DEFAULTS DEFERRED DELETE DELIMITER DOUBLE DROP
    ENCODING ESCAPE EXCLUDE EXCLUDING EXECUTE EXPLAIN FIRST FOLLOWING FORCE FORMAT FUNCTION
    GENERATED GROUPS HEADER IDENTITY IF IMMEDIATE INCLUDE INCREMENT INDEX INHERIT INSERT
    ISOLATION KEY LAST LEVEL LOCAL LOCKED LOGGED MATCH MATERIALIZED MAXVALUE MINVALUE NAME
    NEXT NO NOTHING NOWAIT NULLS OF OIDS OPTION ORDINALITY OTHERS OVER OVERRIDING OWNED
    PARTIAL PARTITION PASSWORD PRECEDING PREPARE PRESERVE PRIOR PRIVILEGES PROGRAM QUOTE RANGE
    READ RECURSIVE REF RELEASE RENAME REPEATABLE REPLACE RESET RESTART RESTRICT ROLE ROLLBACK
    ROWS SAVEPOINT SCHEMA SEARCH SECOND SEQUENCE SERIALIZABLE SESSION SET SHARE SHOW SIMPLE
    SKIP START STATEMENT STDIN STDOUT STORED SYSTEM TEMP TEMPORARY TEXT TIES TRANSACTION
    TRUNCATE TYPE UNBOUNDED UNCOMMITTED UNLOGGED UNTIL UPDATE VACUUM VALID VALUE
    VARYING VERSION VIEW WITHOUT WORK WRITE YEAR ZONE
    ROW PRECISION TIME VALUES ENCRYPTED NAMES CONTINUE OPERATOR UNKNOWN FILTER
    DECLARE CURSOR SCROLL HOLD INSENSITIVE MOVE FORWARD BACKWARD RELATIVE CLOSE LOCK MODE
    ACCESS EXCLUSIVE DISCARD PLANS SEQUENCES MONTH DAY HOUR MINUTE OWNER COMMENT
    LISTEN UNLISTEN NOTIFY
    .

/* Precedence, lowest first (PostgreSQL's gram.y). */
%nonassoc SET.
%left UNION EXCEPT.
%left INTERSECT.
%left OR.
%left AND.
%right NOT.
%nonassoc IS ISNULL NOTNULL.
%nonassoc LT GT EQ LE GE NE.
%nonassoc BETWEEN IN LIKE ILIKE SIMILAR NOT_LA.
%nonassoc ESCAPE.
%nonassoc UNBOUNDED.
%nonassoc ID PARTITION RANGE ROWS GROUPS PRECEDING FOLLOWING.
%left OP OPERATOR.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%left CARET.
%left AT.
%left COLLATE.
%right UMINUS.
%left LB RB.
%left LP RP.
%left TYPECAST.
%left DOT.
%left JOIN CROSS LEFT FULL RIGHT INNER NATURAL.

/* ===================================================================== statements */

input ::= opt_stmt.
input ::= opt_stmt SEMI.

opt_stmt ::= .
opt_stmt ::= stmt(S).                              { ps->stmt = S; }

%type stmt {AstStmt *}
stmt(A) ::= select_stmt(S).                        { A = parse_stmt(ps, AST_STMT_SELECT, S, S->position); }
stmt(A) ::= insert_stmt(S).                        { A = S; }
stmt(A) ::= update_stmt(S).                        { A = S; }
stmt(A) ::= delete_stmt(S).                        { A = S; }
stmt(A) ::= create_table_stmt(S).                  { A = S; }
stmt(A) ::= create_index_stmt(S).                  { A = S; }
stmt(A) ::= create_view_stmt(S).                   { A = S; }
stmt(A) ::= create_schema_stmt(S).                 { A = S; }
stmt(A) ::= sequence_stmt(S).                      { A = S; }
stmt(A) ::= alter_table_stmt(S).                   { A = S; }
stmt(A) ::= drop_stmt(S).                          { A = S; }
stmt(A) ::= truncate_stmt(S).                      { A = S; }
stmt(A) ::= transaction_stmt(S).                   { A = S; }
stmt(A) ::= set_stmt(S).                           { A = S; }
stmt(A) ::= explain_stmt(S).                       { A = S; }
stmt(A) ::= vacuum_stmt(S).                        { A = S; }
stmt(A) ::= copy_stmt(S).                          { A = S; }
stmt(A) ::= prepare_stmt(S).                       { A = S; }
stmt(A) ::= role_stmt(S).                          { A = S; }
stmt(A) ::= cursor_stmt(S).                        { A = S; }
stmt(A) ::= lock_stmt(S).                          { A = S; }
stmt(A) ::= comment_stmt(S).                       { A = S; }

/* Statements that EXPLAIN and PREPARE accept. */
%type preparable_stmt {AstStmt *}
preparable_stmt(A) ::= select_stmt(S).             { A = parse_stmt(ps, AST_STMT_SELECT, S, S->position); }
preparable_stmt(A) ::= insert_stmt(S).             { A = S; }
preparable_stmt(A) ::= update_stmt(S).             { A = S; }
preparable_stmt(A) ::= delete_stmt(S).             { A = S; }

/* ===================================================================== names */

%type col_id {char *}
col_id(A) ::= ID(T).                               { A = parse_name(ps, T); }

/* A label after AS or a dot: any keyword is allowed. */
%type col_label {char *}
col_label(A) ::= ID(T).                            { A = parse_name(ps, T); }
col_label(A) ::= reserved_keyword(T).              { A = parse_name(ps, T); }

%type reserved_keyword {Token}
reserved_keyword(A) ::= ALL(T).          { A = T; }
reserved_keyword(A) ::= ANALYZE(T).      { A = T; }
reserved_keyword(A) ::= AND(T).          { A = T; }
reserved_keyword(A) ::= ANY(T).          { A = T; }
reserved_keyword(A) ::= ARRAY(T).        { A = T; }
reserved_keyword(A) ::= AS(T).           { A = T; }
reserved_keyword(A) ::= ASC(T).          { A = T; }
reserved_keyword(A) ::= ASYMMETRIC(T).   { A = T; }
reserved_keyword(A) ::= BETWEEN(T).      { A = T; }
reserved_keyword(A) ::= BOTH(T).         { A = T; }
reserved_keyword(A) ::= CASE(T).         { A = T; }
reserved_keyword(A) ::= CAST(T).         { A = T; }
reserved_keyword(A) ::= CHECK(T).        { A = T; }
reserved_keyword(A) ::= COALESCE(T).     { A = T; }
reserved_keyword(A) ::= COLLATE(T).      { A = T; }
reserved_keyword(A) ::= COLUMN(T).       { A = T; }
reserved_keyword(A) ::= CONCURRENTLY(T). { A = T; }
reserved_keyword(A) ::= CONSTRAINT(T).   { A = T; }
reserved_keyword(A) ::= CREATE(T).       { A = T; }
reserved_keyword(A) ::= CROSS(T).        { A = T; }
reserved_keyword(A) ::= CURRENT_DATE(T). { A = T; }
reserved_keyword(A) ::= CURRENT_TIME(T). { A = T; }
reserved_keyword(A) ::= CURRENT_TIMESTAMP(T). { A = T; }
reserved_keyword(A) ::= CURRENT_USER(T). { A = T; }
reserved_keyword(A) ::= CURRENT_ROLE(T). { A = T; }
reserved_keyword(A) ::= CURRENT_SCHEMA(T). { A = T; }
reserved_keyword(A) ::= CURRENT_CATALOG(T). { A = T; }
reserved_keyword(A) ::= DEFAULT(T).      { A = T; }
reserved_keyword(A) ::= DEFERRABLE(T).   { A = T; }
reserved_keyword(A) ::= DESC(T).         { A = T; }
reserved_keyword(A) ::= DISTINCT(T).     { A = T; }
reserved_keyword(A) ::= DO(T).           { A = T; }
reserved_keyword(A) ::= ELSE(T).         { A = T; }
reserved_keyword(A) ::= END(T).          { A = T; }
reserved_keyword(A) ::= EXCEPT(T).       { A = T; }
reserved_keyword(A) ::= EXISTS(T).       { A = T; }
reserved_keyword(A) ::= EXTRACT(T).      { A = T; }
reserved_keyword(A) ::= FALSE(T).        { A = T; }
reserved_keyword(A) ::= FETCH(T).        { A = T; }
reserved_keyword(A) ::= FOR(T).          { A = T; }
reserved_keyword(A) ::= FOREIGN(T).      { A = T; }
reserved_keyword(A) ::= FREEZE(T).       { A = T; }
reserved_keyword(A) ::= FROM(T).         { A = T; }
reserved_keyword(A) ::= FULL(T).         { A = T; }
reserved_keyword(A) ::= GRANT(T).        { A = T; }
reserved_keyword(A) ::= GREATEST(T).     { A = T; }
reserved_keyword(A) ::= GROUP(T).        { A = T; }
reserved_keyword(A) ::= HAVING(T).       { A = T; }
reserved_keyword(A) ::= ILIKE(T).        { A = T; }
reserved_keyword(A) ::= IN(T).           { A = T; }
reserved_keyword(A) ::= INITIALLY(T).    { A = T; }
reserved_keyword(A) ::= INNER(T).        { A = T; }
reserved_keyword(A) ::= INTERSECT(T).    { A = T; }
reserved_keyword(A) ::= INTO(T).         { A = T; }
reserved_keyword(A) ::= IS(T).           { A = T; }
reserved_keyword(A) ::= ISNULL(T).       { A = T; }
reserved_keyword(A) ::= JOIN(T).         { A = T; }
reserved_keyword(A) ::= LATERAL(T).      { A = T; }
reserved_keyword(A) ::= LEADING(T).      { A = T; }
reserved_keyword(A) ::= LEAST(T).        { A = T; }
reserved_keyword(A) ::= LEFT(T).         { A = T; }
reserved_keyword(A) ::= LIKE(T).         { A = T; }
reserved_keyword(A) ::= LIMIT(T).        { A = T; }
reserved_keyword(A) ::= LOCALTIME(T).    { A = T; }
reserved_keyword(A) ::= LOCALTIMESTAMP(T). { A = T; }
reserved_keyword(A) ::= NATURAL(T).      { A = T; }
reserved_keyword(A) ::= NOT(T).          { A = T; }
reserved_keyword(A) ::= NOTNULL(T).      { A = T; }
reserved_keyword(A) ::= NULL(T).         { A = T; }
reserved_keyword(A) ::= NULLIF(T).       { A = T; }
reserved_keyword(A) ::= OFFSET(T).       { A = T; }
reserved_keyword(A) ::= ON(T).           { A = T; }
reserved_keyword(A) ::= ONLY(T).         { A = T; }
reserved_keyword(A) ::= OR(T).           { A = T; }
reserved_keyword(A) ::= ORDER(T).        { A = T; }
reserved_keyword(A) ::= OUTER(T).        { A = T; }
reserved_keyword(A) ::= OVERLAY(T).      { A = T; }
reserved_keyword(A) ::= PLACING(T).      { A = T; }
reserved_keyword(A) ::= POSITION(T).     { A = T; }
reserved_keyword(A) ::= PRIMARY(T).      { A = T; }
reserved_keyword(A) ::= REFERENCES(T).   { A = T; }
reserved_keyword(A) ::= RETURNING(T).    { A = T; }
reserved_keyword(A) ::= RIGHT(T).        { A = T; }
reserved_keyword(A) ::= SELECT(T).       { A = T; }
reserved_keyword(A) ::= SESSION_USER(T). { A = T; }
reserved_keyword(A) ::= SIMILAR(T).      { A = T; }
reserved_keyword(A) ::= SOME(T).         { A = T; }
reserved_keyword(A) ::= SUBSTRING(T).    { A = T; }
reserved_keyword(A) ::= SYMMETRIC(T).    { A = T; }
reserved_keyword(A) ::= TABLE(T).        { A = T; }
reserved_keyword(A) ::= THEN(T).         { A = T; }
reserved_keyword(A) ::= TO(T).           { A = T; }
reserved_keyword(A) ::= TRAILING(T).     { A = T; }
reserved_keyword(A) ::= TRIM(T).         { A = T; }
reserved_keyword(A) ::= TRUE(T).         { A = T; }
reserved_keyword(A) ::= UNION(T).        { A = T; }
reserved_keyword(A) ::= UNIQUE(T).       { A = T; }
reserved_keyword(A) ::= USER(T).         { A = T; }
reserved_keyword(A) ::= USING(T).        { A = T; }
reserved_keyword(A) ::= VARIADIC(T).     { A = T; }
reserved_keyword(A) ::= VERBOSE(T).      { A = T; }
reserved_keyword(A) ::= WHEN(T).         { A = T; }
reserved_keyword(A) ::= WHERE(T).        { A = T; }
reserved_keyword(A) ::= WINDOW(T).       { A = T; }
reserved_keyword(A) ::= WITH(T).         { A = T; }
reserved_keyword(A) ::= GROUPING(T).     { A = T; }

/* schema.table or table (or db.schema.table). */
%include {
typedef struct NamePos { AstList *names; int position; } NamePos;
}
%type qualified_name {NamePos}
qualified_name(A) ::= dotted_name(N).              { A = N; }

%type qualified_name_list {AstList *}
qualified_name_list(A) ::= qualified_name(Q).      { A = ast_list_new(&ps->b, Q.names); }
qualified_name_list(A) ::= qualified_name_list(L) COMMA qualified_name(Q). { A = ast_list_append(&ps->b, L, Q.names); }

%type name_list {AstList *}
name_list(A) ::= col_id(N).                        { A = ast_list_new(&ps->b, N); }
name_list(A) ::= name_list(L) COMMA col_id(N).     { A = ast_list_append(&ps->b, L, N); }

%type opt_name_list {AstList *}
opt_name_list(A) ::= .                             { A = NULL; }
opt_name_list(A) ::= LP name_list(L) RP.           { A = L; }

%type any_name {char *}
any_name(A) ::= col_id(N).                         { A = N; }
any_name(A) ::= STRING(T).                         { A = parse_name(ps, T); }

/* ===================================================================== SELECT */

%type select_stmt {AstSelect *}
select_stmt(A) ::= select_no_parens(S).            { A = S; }
select_stmt(A) ::= select_with_parens(S).          { A = S; }

%type select_with_parens {AstSelect *}
select_with_parens(A) ::= LP select_no_parens(S) RP.   { A = S; }
select_with_parens(A) ::= LP select_with_parens(S) RP. { A = S; }

%type select_no_parens {AstSelect *}
select_no_parens(A) ::= simple_select(S).          { A = S; }
select_no_parens(A) ::= select_clause(S) sort_clause(O).
    { A = parse_select_attach(ps, S, NULL, O, (LimitPair){0}, NULL); }
select_no_parens(A) ::= select_clause(S) opt_sort_clause(O) for_locking_clause(F) opt_select_limit(L).
    { A = parse_select_attach(ps, S, NULL, O, L, F); }
select_no_parens(A) ::= select_clause(S) opt_sort_clause(O) select_limit(L) opt_for_locking_clause(F).
    { A = parse_select_attach(ps, S, NULL, O, L, F); }
select_no_parens(A) ::= with_clause(W) select_clause(S).
    { A = parse_select_attach(ps, S, W, NULL, (LimitPair){0}, NULL); }
select_no_parens(A) ::= with_clause(W) select_clause(S) sort_clause(O).
    { A = parse_select_attach(ps, S, W, O, (LimitPair){0}, NULL); }
select_no_parens(A) ::= with_clause(W) select_clause(S) opt_sort_clause(O) for_locking_clause(F) opt_select_limit(L).
    { A = parse_select_attach(ps, S, W, O, L, F); }
select_no_parens(A) ::= with_clause(W) select_clause(S) opt_sort_clause(O) select_limit(L) opt_for_locking_clause(F).
    { A = parse_select_attach(ps, S, W, O, L, F); }

%type select_clause {AstSelect *}
select_clause(A) ::= simple_select(S).             { A = S; }
select_clause(A) ::= select_with_parens(S).        { A = S; }

%type simple_select {AstSelect *}
simple_select(A) ::= SELECT(K) opt_all opt_target_list(T) from_clause(F) where_clause(W)
                     group_clause(G) having_clause(H) window_clause(N). {
    A = ast_alloc(&ps->b, sizeof(AstSelect));
    A->kind = AST_SELECT_CORE; A->position = K.position; A->targets = T; A->from = F; A->where = W;
    A->group_by = G; A->having = H; A->windows = N;
}
simple_select(A) ::= SELECT(K) distinct_clause(D) target_list(T) from_clause(F) where_clause(W)
                     group_clause(G) having_clause(H) window_clause(N). {
    A = ast_alloc(&ps->b, sizeof(AstSelect));
    A->kind = AST_SELECT_CORE; A->position = K.position; A->distinct = true; A->distinct_on = D;
    A->targets = T; A->from = F; A->where = W; A->group_by = G; A->having = H; A->windows = N;
}
simple_select(A) ::= values_clause(V).             { A = V; }
simple_select(A) ::= TABLE(K) qualified_name(Q). {
    A = ast_alloc(&ps->b, sizeof(AstSelect));
    A->kind = AST_SELECT_CORE; A->position = K.position;
    A->targets = ast_list_new(&ps->b, parse_target(ps, parse_column_star(ps, NULL, K.position), NULL, K.position));
    A->from = ast_list_new(&ps->b, parse_from_table(ps, Q.names, NULL, false, Q.position));
}
simple_select(A) ::= select_clause(L) UNION opt_set_all(Q) select_clause(R).     { A = parse_setop(ps, AST_SETOP_UNION, Q, L, R); }
simple_select(A) ::= select_clause(L) INTERSECT opt_set_all(Q) select_clause(R). { A = parse_setop(ps, AST_SETOP_INTERSECT, Q, L, R); }
simple_select(A) ::= select_clause(L) EXCEPT opt_set_all(Q) select_clause(R).    { A = parse_setop(ps, AST_SETOP_EXCEPT, Q, L, R); }

%type opt_set_all {bool}
opt_set_all(A) ::= .                               { A = false; }
opt_set_all(A) ::= ALL.                            { A = true; }
opt_set_all(A) ::= DISTINCT.                       { A = false; }

opt_all ::= .
opt_all ::= ALL.

/* DISTINCT: the DISTINCT ON expressions, NULL for a plain DISTINCT. */
%type distinct_clause {AstList *}
distinct_clause(A) ::= DISTINCT.                   { A = NULL; }
distinct_clause(A) ::= DISTINCT ON LP expr_list(L) RP. { A = L; }

%type values_clause {AstSelect *}
values_clause(A) ::= VALUES(K) LP expr_list(L) RP.     { A = parse_values_select(ps, ast_list_new(&ps->b, L), K.position); }
values_clause(A) ::= values_clause(V) COMMA LP expr_list(L) RP. { A = V; A->values = ast_list_append(&ps->b, V->values, L); }

%type with_clause {AstWith *}
with_clause(A) ::= WITH cte_list(L).               { A = ast_alloc(&ps->b, sizeof(AstWith)); A->ctes = L; }
with_clause(A) ::= WITH RECURSIVE cte_list(L).     { A = ast_alloc(&ps->b, sizeof(AstWith)); A->ctes = L; A->recursive = true; }

%type cte_list {AstList *}
cte_list(A) ::= cte(C).                            { A = ast_list_new(&ps->b, C); }
cte_list(A) ::= cte_list(L) COMMA cte(C).          { A = ast_list_append(&ps->b, L, C); }

%type cte {AstCte *}
cte(A) ::= col_id(N) opt_name_list(C) AS opt_materialized(M) select_with_parens(S). {
    A = ast_alloc(&ps->b, sizeof(AstCte)); A->name = N; A->columns = C; A->query = S; A->materialized = M;
    A->position = S->position;
}
/* a data-modifying statement in WITH: its RETURNING rows are the CTE's */
cte(A) ::= col_id(N) opt_name_list(C) AS opt_materialized(M) LP cte_dml(S) RP. {
    A = ast_alloc(&ps->b, sizeof(AstCte)); A->name = N; A->columns = C; A->dml = S; A->materialized = M;
    A->position = S->position;
}

%type cte_dml {AstStmt *}
cte_dml(A) ::= insert_stmt(S).                     { A = S; }
cte_dml(A) ::= update_stmt(S).                     { A = S; }
cte_dml(A) ::= delete_stmt(S).                     { A = S; }

%type opt_materialized {int}
opt_materialized(A) ::= .                          { A = 0; }
opt_materialized(A) ::= MATERIALIZED.              { A = 1; }
opt_materialized(A) ::= NOT MATERIALIZED.          { A = -1; }

%type opt_with_clause {AstWith *}
opt_with_clause(A) ::= .                           { A = NULL; }
opt_with_clause(A) ::= with_clause(W).             { A = W; }

/* ------------------------------------------------------------------- target list */

%type opt_target_list {AstList *}
opt_target_list(A) ::= .                           { A = NULL; }
opt_target_list(A) ::= target_list(L).             { A = L; }

%type target_list {AstList *}
target_list(A) ::= target_el(T).                   { A = ast_list_new(&ps->b, T); }
target_list(A) ::= target_list(L) COMMA target_el(T). { A = ast_list_append(&ps->b, L, T); }

%type target_el {AstTarget *}
target_el(A) ::= a_expr(E) AS col_label(N).        { A = parse_target(ps, E, N, E->position); }
target_el(A) ::= a_expr(E) ID(T).                  { A = parse_target(ps, E, parse_name(ps, T), E->position); }
target_el(A) ::= a_expr(E).                        { A = parse_target(ps, E, NULL, E->position); }
target_el(A) ::= STAR(K).                          { A = parse_target(ps, parse_column_star(ps, NULL, K.position), NULL, K.position); }

/* ------------------------------------------------------------------- FROM */

%type from_clause {AstList *}
from_clause(A) ::= .                               { A = NULL; }
from_clause(A) ::= FROM from_list(L).              { A = L; }

%type from_list {AstList *}
from_list(A) ::= table_ref(T).                     { A = ast_list_new(&ps->b, T); }
from_list(A) ::= from_list(L) COMMA table_ref(T).  { A = ast_list_append(&ps->b, L, T); }

%type table_ref {AstFrom *}
table_ref(A) ::= relation_expr(R) opt_alias_clause(L).       { A = R; A->alias = L; }
table_ref(A) ::= func_table(F) opt_ordinality(O) opt_func_alias(L). { A = parse_from_function(ps, F, O, L, false, F->position); }
table_ref(A) ::= LATERAL func_table(F) opt_ordinality(O) opt_func_alias(L). { A = parse_from_function(ps, F, O, L, true, F->position); }
table_ref(A) ::= select_with_parens(S) opt_alias_clause(L).  { A = parse_from_subquery(ps, S, L, false, S->position); }
table_ref(A) ::= LATERAL select_with_parens(S) opt_alias_clause(L). { A = parse_from_subquery(ps, S, L, true, S->position); }
table_ref(A) ::= joined_table(J).                  { A = J; }
table_ref(A) ::= LP joined_table(J) RP alias_clause(L). { A = J; A->alias = L; }

%type relation_expr {AstFrom *}
relation_expr(A) ::= qualified_name(Q).            { A = parse_from_table(ps, Q.names, NULL, false, Q.position); }
relation_expr(A) ::= qualified_name(Q) STAR.       { A = parse_from_table(ps, Q.names, NULL, false, Q.position); }
relation_expr(A) ::= ONLY qualified_name(Q).       { A = parse_from_table(ps, Q.names, NULL, true, Q.position); }
relation_expr(A) ::= ONLY LP qualified_name(Q) RP. { A = parse_from_table(ps, Q.names, NULL, true, Q.position); }

%type func_table {AstExpr *}
func_table(A) ::= func_application(F).             { A = F; }
func_table(A) ::= func_expr_common(F).             { A = F; }

%type opt_ordinality {bool}
opt_ordinality(A) ::= .                            { A = false; }
opt_ordinality(A) ::= WITH_LA ORDINALITY.             { A = true; }

%type alias_clause {AstAlias *}
alias_clause(A) ::= AS col_id(N) LP name_list(C) RP. { A = parse_alias(ps, N, C); }
alias_clause(A) ::= AS col_id(N).                  { A = parse_alias(ps, N, NULL); }
alias_clause(A) ::= col_id(N) LP name_list(C) RP.  { A = parse_alias(ps, N, C); }
alias_clause(A) ::= col_id(N).                     { A = parse_alias(ps, N, NULL); }

%type opt_alias_clause {AstAlias *}
opt_alias_clause(A) ::= .                          { A = NULL; }
opt_alias_clause(A) ::= alias_clause(L).           { A = L; }

%type opt_func_alias {AstAlias *}
opt_func_alias(A) ::= .                            { A = NULL; }
opt_func_alias(A) ::= alias_clause(L).             { A = L; }

%type joined_table {AstFrom *}
joined_table(A) ::= LP joined_table(J) RP.         { A = J; }
joined_table(A) ::= table_ref(L) CROSS JOIN table_ref(R). { A = parse_join(ps, L, AST_JOIN_CROSS, false, R, NULL, NULL); }
joined_table(A) ::= table_ref(L) join_type(K) JOIN table_ref(R) join_qual(Q). { A = parse_join(ps, L, K, false, R, Q.on, Q.using_cols); }
joined_table(A) ::= table_ref(L) JOIN table_ref(R) join_qual(Q). { A = parse_join(ps, L, AST_JOIN_INNER, false, R, Q.on, Q.using_cols); }
joined_table(A) ::= table_ref(L) NATURAL join_type(K) JOIN table_ref(R). { A = parse_join(ps, L, K, true, R, NULL, NULL); }
joined_table(A) ::= table_ref(L) NATURAL JOIN table_ref(R). { A = parse_join(ps, L, AST_JOIN_INNER, true, R, NULL, NULL); }

%type join_type {AstJoinKind}
join_type(A) ::= FULL opt_outer.                   { A = AST_JOIN_FULL; }
join_type(A) ::= LEFT opt_outer.                   { A = AST_JOIN_LEFT; }
join_type(A) ::= RIGHT opt_outer.                  { A = AST_JOIN_RIGHT; }
join_type(A) ::= INNER.                            { A = AST_JOIN_INNER; }

opt_outer ::= .
opt_outer ::= OUTER.

%include {
typedef struct JoinQual { AstExpr *on; AstList *using_cols; } JoinQual;
}
%type join_qual {JoinQual}
join_qual(A) ::= USING LP name_list(L) RP.         { A.on = NULL; A.using_cols = L; }
join_qual(A) ::= ON a_expr(E).                     { A.on = E; A.using_cols = NULL; }

/* ------------------------------------------------------------------- clauses */

%type where_clause {AstExpr *}
where_clause(A) ::= .                              { A = NULL; }
where_clause(A) ::= WHERE a_expr(E).               { A = E; }

%type group_clause {AstList *}
group_clause(A) ::= .                              { A = NULL; }
group_clause(A) ::= GROUP BY expr_list(L).         { A = L; }

%type having_clause {AstExpr *}
having_clause(A) ::= .                             { A = NULL; }
having_clause(A) ::= HAVING a_expr(E).             { A = E; }

%type window_clause {AstList *}
window_clause(A) ::= .                             { A = NULL; }
window_clause(A) ::= WINDOW window_def_list(L).    { A = L; }

%type window_def_list {AstList *}
window_def_list(A) ::= window_def(W).              { A = ast_list_new(&ps->b, W); }
window_def_list(A) ::= window_def_list(L) COMMA window_def(W). { A = ast_list_append(&ps->b, L, W); }

%type window_def {AstWindow *}
window_def(A) ::= col_id(N) AS window_spec(W).     { A = W; A->name = N; }

%type sort_clause {AstList *}
sort_clause(A) ::= ORDER BY sortby_list(L).        { A = L; }

%type opt_sort_clause {AstList *}
opt_sort_clause(A) ::= .                           { A = NULL; }
opt_sort_clause(A) ::= sort_clause(L).             { A = L; }

%type sortby_list {AstList *}
sortby_list(A) ::= sortby(S).                      { A = ast_list_new(&ps->b, S); }
sortby_list(A) ::= sortby_list(L) COMMA sortby(S). { A = ast_list_append(&ps->b, L, S); }

%type sortby {AstSortBy *}
sortby(A) ::= a_expr(E) opt_asc_desc(D) opt_nulls_order(N). { A = parse_sort(ps, E, D, N); }
sortby(A) ::= a_expr(E) USING qual_all_op(O) opt_nulls_order(N). {
    A = parse_sort(ps, E, strcmp(O.text, ">") == 0 ? AST_SORT_DESC : AST_SORT_ASC, N);
}

%type opt_asc_desc {AstSortDir}
opt_asc_desc(A) ::= .                              { A = AST_SORT_DEFAULT; }
opt_asc_desc(A) ::= ASC.                           { A = AST_SORT_ASC; }
opt_asc_desc(A) ::= DESC.                          { A = AST_SORT_DESC; }

%type opt_nulls_order {AstNulls}
opt_nulls_order(A) ::= .                           { A = AST_NULLS_DEFAULT; }
opt_nulls_order(A) ::= NULLS FIRST.                { A = AST_NULLS_FIRST; }
opt_nulls_order(A) ::= NULLS LAST.                 { A = AST_NULLS_LAST; }

%type select_limit {LimitPair}
select_limit(A) ::= limit_clause(L) offset_clause(O). { A = L; A.offset = O.offset; A.has_offset = true; }
select_limit(A) ::= offset_clause(O) limit_clause(L). { A = L; A.offset = O.offset; A.has_offset = true; }
select_limit(A) ::= limit_clause(L).               { A = L; }
select_limit(A) ::= offset_clause(O).              { A = O; }

%type opt_select_limit {LimitPair}
opt_select_limit(A) ::= .                          { memset(&A, 0, sizeof A); }
opt_select_limit(A) ::= select_limit(L).           { A = L; }

%type limit_clause {LimitPair}
limit_clause(A) ::= LIMIT a_expr(E).               { memset(&A, 0, sizeof A); A.limit = E; A.has_limit = true; }
limit_clause(A) ::= LIMIT ALL.                     { memset(&A, 0, sizeof A); A.has_limit = true; }
limit_clause(A) ::= LIMIT(K) a_expr COMMA a_expr.  { memset(&A, 0, sizeof A); parse_fail(ps, SQLSTATE_FEATURE_NOT_SUPPORTED, K.position, "LIMIT #,# syntax is not supported"); }
limit_clause(A) ::= FETCH first_or_next fetch_value(E) row_or_rows ONLY. { memset(&A, 0, sizeof A); A.limit = E; A.has_limit = true; }
limit_clause(A) ::= FETCH(K) first_or_next row_or_rows ONLY. { memset(&A, 0, sizeof A); A.limit = parse_const(ps, (Token){.kind = TOK_INTEGER, .text = "1", .text_size = 1, .position = K.position}); A.has_limit = true; }

%type fetch_value {AstExpr *}
fetch_value(A) ::= c_expr(E).                      { A = E; }
fetch_value(A) ::= PLUS c_expr(E).                 { A = E; }
fetch_value(A) ::= MINUS(K) c_expr(E).             { A = parse_negate(ps, E, K.position); }

first_or_next ::= FIRST.
first_or_next ::= NEXT.
row_or_rows ::= ROW.
row_or_rows ::= ROWS.

%type offset_clause {LimitPair}
offset_clause(A) ::= OFFSET a_expr(E).             { memset(&A, 0, sizeof A); A.offset = E; A.has_offset = true; }
offset_clause(A) ::= OFFSET fetch_value(E) row_or_rows. { memset(&A, 0, sizeof A); A.offset = E; A.has_offset = true; }

%type for_locking_clause {AstList *}
for_locking_clause(A) ::= for_locking_items(L).    { A = L; }
for_locking_clause(A) ::= FOR READ ONLY.           { A = NULL; }

%type opt_for_locking_clause {AstList *}
opt_for_locking_clause(A) ::= .                    { A = NULL; }
opt_for_locking_clause(A) ::= for_locking_clause(L). { A = L; }

%type for_locking_items {AstList *}
for_locking_items(A) ::= for_locking_item(I).      { A = ast_list_new(&ps->b, I); }
for_locking_items(A) ::= for_locking_items(L) for_locking_item(I). { A = ast_list_append(&ps->b, L, I); }

%type for_locking_item {AstLocking *}
for_locking_item(A) ::= FOR lock_strength(S) locked_rels(R) lock_wait(W). {
    A = ast_alloc(&ps->b, sizeof(AstLocking)); A->strength = S; A->tables = R; A->wait_policy = W;
}

%type lock_strength {AstLockStrength}
lock_strength(A) ::= UPDATE.                       { A = AST_LOCK_UPDATE; }
lock_strength(A) ::= NO KEY UPDATE.                { A = AST_LOCK_NO_KEY_UPDATE; }
lock_strength(A) ::= SHARE.                        { A = AST_LOCK_SHARE; }
lock_strength(A) ::= KEY SHARE.                    { A = AST_LOCK_KEY_SHARE; }

%type locked_rels {AstList *}
locked_rels(A) ::= .                               { A = NULL; }
locked_rels(A) ::= OF qualified_name_list(L).      { A = L; }

%type lock_wait {int}
lock_wait(A) ::= .                                 { A = 0; }
lock_wait(A) ::= NOWAIT.                           { A = 1; }
lock_wait(A) ::= SKIP LOCKED.                      { A = 2; }

/* ===================================================================== expressions */

%type a_expr {AstExpr *}
a_expr(A) ::= c_expr(E).                           { A = E; }
a_expr(A) ::= a_expr(E) TYPECAST(K) typename(T).   { A = parse_cast(ps, E, T, K.position); }
a_expr(A) ::= a_expr(E) COLLATE(K) qualified_name(N). { A = ast_expr_new(&ps->b, AST_EXPR_COLLATE, K.position); A->arg = E; A->names = N.names; }
a_expr(A) ::= a_expr(L) AT(K) TIME ZONE a_expr(R). [AT] { A = ast_expr_new(&ps->b, AST_EXPR_AT_TIME_ZONE, K.position); A->left = L; A->right = R; }
a_expr(A) ::= PLUS(K) a_expr(E). [UMINUS]          { A = ast_unary_new(&ps->b, "+", E, K.position); }
a_expr(A) ::= MINUS(K) a_expr(E). [UMINUS]         { A = parse_negate(ps, E, K.position); }
a_expr(A) ::= a_expr(L) PLUS(K) a_expr(R).         { A = ast_binary_new(&ps->b, "+", L, R, K.position); }
a_expr(A) ::= a_expr(L) MINUS(K) a_expr(R).        { A = ast_binary_new(&ps->b, "-", L, R, K.position); }
a_expr(A) ::= a_expr(L) STAR(K) a_expr(R).         { A = ast_binary_new(&ps->b, "*", L, R, K.position); }
a_expr(A) ::= a_expr(L) SLASH(K) a_expr(R).        { A = ast_binary_new(&ps->b, "/", L, R, K.position); }
a_expr(A) ::= a_expr(L) PERCENT(K) a_expr(R).      { A = ast_binary_new(&ps->b, "%", L, R, K.position); }
a_expr(A) ::= a_expr(L) CARET(K) a_expr(R).        { A = ast_binary_new(&ps->b, "^", L, R, K.position); }
a_expr(A) ::= a_expr(L) LT(K) a_expr(R).           { A = ast_binary_new(&ps->b, "<", L, R, K.position); }
a_expr(A) ::= a_expr(L) GT(K) a_expr(R).           { A = ast_binary_new(&ps->b, ">", L, R, K.position); }
a_expr(A) ::= a_expr(L) EQ(K) a_expr(R).           { A = ast_binary_new(&ps->b, "=", L, R, K.position); }
a_expr(A) ::= a_expr(L) LE(K) a_expr(R).           { A = ast_binary_new(&ps->b, "<=", L, R, K.position); }
a_expr(A) ::= a_expr(L) GE(K) a_expr(R).           { A = ast_binary_new(&ps->b, ">=", L, R, K.position); }
a_expr(A) ::= a_expr(L) NE(K) a_expr(R).           { A = ast_binary_new(&ps->b, "<>", L, R, K.position); }
a_expr(A) ::= a_expr(L) qual_op(O) a_expr(R). [OP] { A = ast_binary_new(&ps->b, O.text, L, R, O.position); }
a_expr(A) ::= qual_op(O) a_expr(E). [OP]           { A = ast_unary_new(&ps->b, O.text, E, O.position); }
a_expr(A) ::= a_expr(L) AND(K) a_expr(R).          { A = ast_bool_new(&ps->b, AST_EXPR_AND, L, R, K.position); }
a_expr(A) ::= a_expr(L) OR(K) a_expr(R).           { A = ast_bool_new(&ps->b, AST_EXPR_OR, L, R, K.position); }
a_expr(A) ::= NOT(K) a_expr(E).                    { A = ast_expr_new(&ps->b, AST_EXPR_NOT, K.position); A->arg = E; }
a_expr(A) ::= NOT_LA(K) a_expr(E). [NOT]           { A = ast_expr_new(&ps->b, AST_EXPR_NOT, K.position); A->arg = E; }
a_expr(A) ::= a_expr(L) LIKE(K) a_expr(R).                          { A = parse_like(ps, AST_LIKE, false, L, R, NULL, K.position); }
a_expr(A) ::= a_expr(L) LIKE(K) a_expr(R) ESCAPE a_expr(E).         { A = parse_like(ps, AST_LIKE, false, L, R, E, K.position); }
a_expr(A) ::= a_expr(L) NOT_LA(K) LIKE a_expr(R). [NOT_LA]          { A = parse_like(ps, AST_LIKE, true, L, R, NULL, K.position); }
a_expr(A) ::= a_expr(L) NOT_LA(K) LIKE a_expr(R) ESCAPE a_expr(E). [NOT_LA] { A = parse_like(ps, AST_LIKE, true, L, R, E, K.position); }
a_expr(A) ::= a_expr(L) ILIKE(K) a_expr(R).                         { A = parse_like(ps, AST_ILIKE, false, L, R, NULL, K.position); }
a_expr(A) ::= a_expr(L) ILIKE(K) a_expr(R) ESCAPE a_expr(E).        { A = parse_like(ps, AST_ILIKE, false, L, R, E, K.position); }
a_expr(A) ::= a_expr(L) NOT_LA(K) ILIKE a_expr(R). [NOT_LA]         { A = parse_like(ps, AST_ILIKE, true, L, R, NULL, K.position); }
a_expr(A) ::= a_expr(L) NOT_LA(K) ILIKE a_expr(R) ESCAPE a_expr(E). [NOT_LA] { A = parse_like(ps, AST_ILIKE, true, L, R, E, K.position); }
a_expr(A) ::= a_expr(L) SIMILAR(K) TO a_expr(R). [SIMILAR]          { A = parse_like(ps, AST_SIMILAR, false, L, R, NULL, K.position); }
a_expr(A) ::= a_expr(L) SIMILAR(K) TO a_expr(R) ESCAPE a_expr(E).   { A = parse_like(ps, AST_SIMILAR, false, L, R, E, K.position); }
a_expr(A) ::= a_expr(L) NOT_LA(K) SIMILAR TO a_expr(R). [NOT_LA]    { A = parse_like(ps, AST_SIMILAR, true, L, R, NULL, K.position); }
a_expr(A) ::= a_expr(L) NOT_LA(K) SIMILAR TO a_expr(R) ESCAPE a_expr(E). [NOT_LA] { A = parse_like(ps, AST_SIMILAR, true, L, R, E, K.position); }
a_expr(A) ::= a_expr(E) IS(K) NULL. [IS]           { A = parse_is(ps, E, AST_IS_NULL, false, K.position); }
a_expr(A) ::= a_expr(E) ISNULL(K).                 { A = parse_is(ps, E, AST_IS_NULL, false, K.position); }
a_expr(A) ::= a_expr(E) IS(K) NOT NULL. [IS]       { A = parse_is(ps, E, AST_IS_NULL, true, K.position); }
a_expr(A) ::= a_expr(E) NOTNULL(K).                { A = parse_is(ps, E, AST_IS_NULL, true, K.position); }
a_expr(A) ::= a_expr(E) IS(K) TRUE. [IS]           { A = parse_is(ps, E, AST_IS_TRUE, false, K.position); }
a_expr(A) ::= a_expr(E) IS(K) NOT TRUE. [IS]       { A = parse_is(ps, E, AST_IS_TRUE, true, K.position); }
a_expr(A) ::= a_expr(E) IS(K) FALSE. [IS]          { A = parse_is(ps, E, AST_IS_FALSE, false, K.position); }
a_expr(A) ::= a_expr(E) IS(K) NOT FALSE. [IS]      { A = parse_is(ps, E, AST_IS_FALSE, true, K.position); }
a_expr(A) ::= a_expr(E) IS(K) UNKNOWN. [IS]        { A = parse_is(ps, E, AST_IS_UNKNOWN, false, K.position); }
a_expr(A) ::= a_expr(E) IS(K) NOT UNKNOWN. [IS]    { A = parse_is(ps, E, AST_IS_UNKNOWN, true, K.position); }
a_expr(A) ::= a_expr(L) IS(K) DISTINCT FROM a_expr(R). [IS]     { A = ast_expr_new(&ps->b, AST_EXPR_DISTINCT_FROM, K.position); A->left = L; A->right = R; }
a_expr(A) ::= a_expr(L) IS(K) NOT DISTINCT FROM a_expr(R). [IS] { A = ast_expr_new(&ps->b, AST_EXPR_DISTINCT_FROM, K.position); A->left = L; A->right = R; A->negated = true; }
a_expr(A) ::= a_expr(E) BETWEEN(K) opt_asymmetric b_expr(L) AND a_expr(H). [BETWEEN]            { A = parse_between(ps, E, L, H, false, false, K.position); }
a_expr(A) ::= a_expr(E) NOT_LA(K) BETWEEN opt_asymmetric b_expr(L) AND a_expr(H). [NOT_LA]      { A = parse_between(ps, E, L, H, true, false, K.position); }
a_expr(A) ::= a_expr(E) BETWEEN(K) SYMMETRIC b_expr(L) AND a_expr(H). [BETWEEN]                 { A = parse_between(ps, E, L, H, false, true, K.position); }
a_expr(A) ::= a_expr(E) NOT_LA(K) BETWEEN SYMMETRIC b_expr(L) AND a_expr(H). [NOT_LA]           { A = parse_between(ps, E, L, H, true, true, K.position); }
a_expr(A) ::= a_expr(E) IN(K) in_expr(R).          { A = parse_in(ps, E, R, false, K.position); }
a_expr(A) ::= a_expr(E) NOT_LA(K) IN in_expr(R). [NOT_LA] { A = parse_in(ps, E, R, true, K.position); }
a_expr(A) ::= a_expr(E) subquery_op(O) sub_type(Q) select_with_parens(S). [OP] { A = parse_quantified(ps, O.text, Q, E, NULL, S, O.position); }
a_expr(A) ::= a_expr(E) subquery_op(O) sub_type(Q) LP a_expr(R) RP. [OP]      { A = parse_quantified(ps, O.text, Q, E, R, NULL, O.position); }
a_expr(A) ::= DEFAULT(K).                          { A = ast_expr_new(&ps->b, AST_EXPR_DEFAULT, K.position); }

opt_asymmetric ::= .
opt_asymmetric ::= ASYMMETRIC.

%type sub_type {bool}
sub_type(A) ::= ANY.                               { A = false; }
sub_type(A) ::= SOME.                              { A = false; }
sub_type(A) ::= ALL.                               { A = true; }

%type in_expr {AstExpr *}
in_expr(A) ::= select_with_parens(S).              { A = parse_sublink(ps, AST_SUBLINK_IN, NULL, S, S->position); }
in_expr(A) ::= LP(K) expr_list(L) RP.              { A = parse_row(ps, L, false, K.position); }

/* b_expr: the expressions allowed where AND, NOT, IS, IN, LIKE would be ambiguous (BETWEEN's
 * lower bound, a column DEFAULT before NOT NULL). */
%type b_expr {AstExpr *}
b_expr(A) ::= c_expr(E).                           { A = E; }
b_expr(A) ::= b_expr(E) TYPECAST(K) typename(T).   { A = parse_cast(ps, E, T, K.position); }
b_expr(A) ::= PLUS(K) b_expr(E). [UMINUS]          { A = ast_unary_new(&ps->b, "+", E, K.position); }
b_expr(A) ::= MINUS(K) b_expr(E). [UMINUS]         { A = parse_negate(ps, E, K.position); }
b_expr(A) ::= b_expr(L) PLUS(K) b_expr(R).         { A = ast_binary_new(&ps->b, "+", L, R, K.position); }
b_expr(A) ::= b_expr(L) MINUS(K) b_expr(R).        { A = ast_binary_new(&ps->b, "-", L, R, K.position); }
b_expr(A) ::= b_expr(L) STAR(K) b_expr(R).         { A = ast_binary_new(&ps->b, "*", L, R, K.position); }
b_expr(A) ::= b_expr(L) SLASH(K) b_expr(R).        { A = ast_binary_new(&ps->b, "/", L, R, K.position); }
b_expr(A) ::= b_expr(L) PERCENT(K) b_expr(R).      { A = ast_binary_new(&ps->b, "%", L, R, K.position); }
b_expr(A) ::= b_expr(L) CARET(K) b_expr(R).        { A = ast_binary_new(&ps->b, "^", L, R, K.position); }
b_expr(A) ::= b_expr(L) LT(K) b_expr(R).           { A = ast_binary_new(&ps->b, "<", L, R, K.position); }
b_expr(A) ::= b_expr(L) GT(K) b_expr(R).           { A = ast_binary_new(&ps->b, ">", L, R, K.position); }
b_expr(A) ::= b_expr(L) EQ(K) b_expr(R).           { A = ast_binary_new(&ps->b, "=", L, R, K.position); }
b_expr(A) ::= b_expr(L) LE(K) b_expr(R).           { A = ast_binary_new(&ps->b, "<=", L, R, K.position); }
b_expr(A) ::= b_expr(L) GE(K) b_expr(R).           { A = ast_binary_new(&ps->b, ">=", L, R, K.position); }
b_expr(A) ::= b_expr(L) NE(K) b_expr(R).           { A = ast_binary_new(&ps->b, "<>", L, R, K.position); }
b_expr(A) ::= b_expr(L) qual_op(O) b_expr(R). [OP] { A = ast_binary_new(&ps->b, O.text, L, R, O.position); }
b_expr(A) ::= qual_op(O) b_expr(E). [OP]           { A = ast_unary_new(&ps->b, O.text, E, O.position); }
b_expr(A) ::= b_expr(L) IS(K) DISTINCT FROM b_expr(R). [IS]     { A = ast_expr_new(&ps->b, AST_EXPR_DISTINCT_FROM, K.position); A->left = L; A->right = R; }
b_expr(A) ::= b_expr(L) IS(K) NOT DISTINCT FROM b_expr(R). [IS] { A = ast_expr_new(&ps->b, AST_EXPR_DISTINCT_FROM, K.position); A->left = L; A->right = R; A->negated = true; }

%type qual_op {Token}
qual_op(A) ::= OP(T).                              { A = T; }
qual_op(A) ::= OPERATOR LP any_operator(T) RP.     { A = T; }

%type any_operator {Token}
any_operator(A) ::= all_op(T).                     { A = T; }
any_operator(A) ::= col_id DOT any_operator(T).    { A = T; }

%type all_op {Token}
all_op(A) ::= OP(T).      { A = T; }
all_op(A) ::= PLUS(T).    { A = T; }
all_op(A) ::= MINUS(T).   { A = T; }
all_op(A) ::= STAR(T).    { A = T; }
all_op(A) ::= SLASH(T).   { A = T; }
all_op(A) ::= PERCENT(T). { A = T; }
all_op(A) ::= CARET(T).   { A = T; }
all_op(A) ::= LT(T).      { A = T; }
all_op(A) ::= GT(T).      { A = T; }
all_op(A) ::= EQ(T).      { A = T; }
all_op(A) ::= LE(T).      { A = T; }
all_op(A) ::= GE(T).      { A = T; }
all_op(A) ::= NE(T).      { A = T; }

%type qual_all_op {Token}
qual_all_op(A) ::= all_op(T).                      { A = T; }
qual_all_op(A) ::= OPERATOR LP any_operator(T) RP. { A = T; }

%type subquery_op {Token}
subquery_op(A) ::= all_op(T).                      { A = T; }
subquery_op(A) ::= OPERATOR LP any_operator(T) RP. { A = T; }
subquery_op(A) ::= LIKE(T).                        { A = T; A.text = "~~"; }
subquery_op(A) ::= NOT_LA(T) LIKE.                 { A = T; A.text = "!~~"; }
subquery_op(A) ::= ILIKE(T).                       { A = T; A.text = "~~*"; }
subquery_op(A) ::= NOT_LA(T) ILIKE.                { A = T; A.text = "!~~*"; }

/* c_expr: expressions that need no precedence. */
%type c_expr {AstExpr *}
c_expr(A) ::= columnref(E).                        { A = E; }
c_expr(A) ::= aexpr_const(E).                      { A = E; }
c_expr(A) ::= PARAM(T).                            { A = parse_param(ps, T); }
c_expr(A) ::= LP a_expr(E) RP.                     { A = E; }
c_expr(A) ::= LP a_expr(E) RP DOT col_label(N).    { A = ast_expr_new(&ps->b, AST_EXPR_FIELD, E->position); A->arg = E; A->text = N; A->text_size = strlen(N); }
c_expr(A) ::= LP a_expr(E) RP DOT STAR.            { A = ast_expr_new(&ps->b, AST_EXPR_FIELD, E->position); A->arg = E; A->text = "*"; A->text_size = 1; }
c_expr(A) ::= case_expr(E).                        { A = E; }
c_expr(A) ::= func_expr(E).                        { A = E; }
c_expr(A) ::= select_with_parens(S). [UMINUS]      { A = parse_sublink(ps, AST_SUBLINK_SCALAR, NULL, S, S->position); }
c_expr(A) ::= EXISTS(K) select_with_parens(S).     { A = parse_sublink(ps, AST_SUBLINK_EXISTS, NULL, S, K.position); }
c_expr(A) ::= ARRAY(K) select_with_parens(S).      { A = parse_sublink(ps, AST_SUBLINK_ARRAY, NULL, S, K.position); }
c_expr(A) ::= ARRAY(K) array_expr(E).              { A = E; A->position = K.position; }
c_expr(A) ::= ROW(K) LP RP.                        { A = parse_row(ps, NULL, true, K.position); }
c_expr(A) ::= ROW(K) LP expr_list(L) RP.           { A = parse_row(ps, L, true, K.position); }
c_expr(A) ::= LP(K) expr_list(L) COMMA a_expr(E) RP. { A = parse_row(ps, ast_list_append(&ps->b, L, E), false, K.position); }
c_expr(A) ::= c_expr(E) LB a_expr(I) RB.           { A = parse_subscript(ps, E, I, NULL, false); }
c_expr(A) ::= c_expr(E) LB opt_a_expr(L) COLON opt_a_expr(H) RB. { A = parse_subscript(ps, E, L, H, true); }
c_expr(A) ::= GROUPING(K) LP expr_list(L) RP.      { A = ast_func_named(&ps->b, "grouping", L, K.position); }

%type opt_a_expr {AstExpr *}
opt_a_expr(A) ::= .                                { A = NULL; }
opt_a_expr(A) ::= a_expr(E).                       { A = E; }

%type array_expr {AstExpr *}
array_expr(A) ::= LB(K) RB.                        { A = parse_array(ps, NULL, K.position); }
array_expr(A) ::= LB(K) expr_list(L) RB.           { A = parse_array(ps, L, K.position); }
array_expr(A) ::= LB(K) array_expr_list(L) RB.     { A = parse_array(ps, L, K.position); }

%type array_expr_list {AstList *}
array_expr_list(A) ::= array_expr(E).              { A = ast_list_new(&ps->b, E); }
array_expr_list(A) ::= array_expr_list(L) COMMA array_expr(E). { A = ast_list_append(&ps->b, L, E); }

%type columnref {AstExpr *}
columnref(A) ::= dotted_name(N).                   { A = parse_column(ps, N.names, N.position); }
columnref(A) ::= dotted_name(N) DOT STAR.          { A = parse_column_star(ps, N.names, N.position); }

%type dotted_name {NamePos}
dotted_name(A) ::= ID(T).                          { A.names = parse_name_list(ps, T); A.position = T.position; }
dotted_name(A) ::= dotted_name(L) DOT col_label(N). { A = L; A.names = ast_list_append(&ps->b, L.names, N); }

%type aexpr_const {AstExpr *}
aexpr_const(A) ::= INTEGER(T).                     { A = parse_const(ps, T); }
aexpr_const(A) ::= NUMERIC(T).                     { A = parse_const(ps, T); }
aexpr_const(A) ::= STRING(T).                      { A = parse_const(ps, T); }
aexpr_const(A) ::= BITSTR(T).                      { A = parse_const(ps, T); }
aexpr_const(A) ::= HEXSTR(T).                      { A = parse_const(ps, T); }
aexpr_const(A) ::= TRUE(T).                        { A = parse_bool(ps, true, T.position); }
aexpr_const(A) ::= FALSE(T).                       { A = parse_bool(ps, false, T.position); }
aexpr_const(A) ::= NULL(T).                        { A = ast_expr_new(&ps->b, AST_EXPR_NULL, T.position); }
aexpr_const(A) ::= dotted_name(N) STRING(S).       { A = parse_typed_literal(ps, parse_type_names(ps, N.names, N.position), S); }
aexpr_const(A) ::= ID(K) WITH_LA(W) TIME ZONE STRING(S). { A = parse_typed_literal(ps, parse_type_with_zone(ps, parse_type(ps, K, NULL), W), S); }
aexpr_const(A) ::= ID(K) WITHOUT(W) TIME ZONE STRING(S). { A = parse_typed_literal(ps, parse_type_with_zone(ps, parse_type(ps, K, NULL), W), S); }
aexpr_const(A) ::= dotted_name(N) STRING(S) interval_fields(F). { A = parse_typed_literal(ps, parse_interval_type(ps, parse_type_names(ps, N.names, N.position), F), S); }
aexpr_const(A) ::= DOUBLE(K) PRECISION STRING(S).  { A = parse_typed_literal(ps, parse_type_words(ps, "float8", K, NULL), S); }

/* ------------------------------------------------------------------- CASE */

%type case_expr {AstExpr *}
case_expr(A) ::= CASE(K) opt_case_arg(C) when_list(W) opt_else(E) END. { A = parse_case(ps, C, W, E, K.position); }

%type opt_case_arg {AstExpr *}
opt_case_arg(A) ::= .                              { A = NULL; }
opt_case_arg(A) ::= a_expr(E).                     { A = E; }

%type when_list {AstList *}
when_list(A) ::= when_clause(W).                   { A = ast_list_new(&ps->b, W); }
when_list(A) ::= when_list(L) when_clause(W).      { A = ast_list_append(&ps->b, L, W); }

%type when_clause {AstWhen *}
when_clause(A) ::= WHEN a_expr(C) THEN a_expr(R).  { A = parse_when(ps, C, R); }

%type opt_else {AstExpr *}
opt_else(A) ::= .                                  { A = NULL; }
opt_else(A) ::= ELSE a_expr(E).                    { A = E; }

/* ------------------------------------------------------------------- functions */

%type func_application {AstExpr *}
func_application(A) ::= func_name(N) LP RP.        { A = ast_func_new(&ps->b, N.names, NULL, N.position); }
func_application(A) ::= func_name(N) LP func_arg_list(L) opt_sort_clause(O) RP.          { A = ast_func_new(&ps->b, N.names, L, N.position); A->func->order_by = O; }
func_application(A) ::= func_name(N) LP ALL func_arg_list(L) opt_sort_clause(O) RP.      { A = ast_func_new(&ps->b, N.names, L, N.position); A->func->order_by = O; }
func_application(A) ::= func_name(N) LP DISTINCT func_arg_list(L) opt_sort_clause(O) RP. { A = ast_func_new(&ps->b, N.names, L, N.position); A->func->order_by = O; A->func->distinct = true; }
func_application(A) ::= func_name(N) LP VARIADIC a_expr(E) opt_sort_clause(O) RP.       { A = ast_func_new(&ps->b, N.names, ast_list_new(&ps->b, E), N.position); A->func->order_by = O; A->func->variadic = true; }
func_application(A) ::= func_name(N) LP STAR RP.  { A = ast_func_new(&ps->b, N.names, NULL, N.position); A->func->star = true; }

%type func_arg_list {AstList *}
func_arg_list(A) ::= func_arg(E).                  { A = ast_list_new(&ps->b, E); }
func_arg_list(A) ::= func_arg_list(L) COMMA func_arg(E). { A = ast_list_append(&ps->b, L, E); }

/* f(x) or f(name => x) */
%type func_arg {AstExpr *}
func_arg(A) ::= a_expr(E).                         { A = E; }
func_arg(A) ::= ID(N) EQUALS_GREATER a_expr(E).    { A = ast_expr_new(&ps->b, AST_EXPR_NAMED_ARG, N.position); A->text = parse_name(ps, N); A->text_size = N.text_size; A->arg = E; }

%type func_name {NamePos}
func_name(A) ::= dotted_name(N).                   { A = N; }
func_name(A) ::= LEFT(T).                          { A.names = parse_name_list(ps, T); A.position = T.position; }
func_name(A) ::= RIGHT(T).                         { A.names = parse_name_list(ps, T); A.position = T.position; }

%type func_expr {AstExpr *}
func_expr(A) ::= func_application(F) filter_clause(W) over_clause(O). { A = parse_func_call(ps, F, NULL, W, O); }
func_expr(A) ::= func_expr_common(F).              { A = F; }

%type func_expr_common {AstExpr *}
func_expr_common(A) ::= CURRENT_DATE(K).           { A = ast_func_named(&ps->b, "current_date", NULL, K.position); }
func_expr_common(A) ::= CURRENT_TIME(K).           { A = ast_func_named(&ps->b, "current_time", NULL, K.position); }
func_expr_common(A) ::= CURRENT_TIME(K) LP INTEGER(I) RP. { A = ast_func_named(&ps->b, "current_time", ast_list_new(&ps->b, parse_const(ps, I)), K.position); }
func_expr_common(A) ::= CURRENT_TIMESTAMP(K).      { A = ast_func_named(&ps->b, "current_timestamp", NULL, K.position); }
func_expr_common(A) ::= CURRENT_TIMESTAMP(K) LP INTEGER(I) RP. { A = ast_func_named(&ps->b, "current_timestamp", ast_list_new(&ps->b, parse_const(ps, I)), K.position); }
func_expr_common(A) ::= LOCALTIME(K).              { A = ast_func_named(&ps->b, "localtime", NULL, K.position); }
func_expr_common(A) ::= LOCALTIMESTAMP(K).         { A = ast_func_named(&ps->b, "localtimestamp", NULL, K.position); }
func_expr_common(A) ::= CURRENT_ROLE(K).           { A = ast_func_named(&ps->b, "current_role", NULL, K.position); }
func_expr_common(A) ::= CURRENT_USER(K).           { A = ast_func_named(&ps->b, "current_user", NULL, K.position); }
func_expr_common(A) ::= SESSION_USER(K).           { A = ast_func_named(&ps->b, "session_user", NULL, K.position); }
func_expr_common(A) ::= USER(K).                   { A = ast_func_named(&ps->b, "current_user", NULL, K.position); }
func_expr_common(A) ::= CURRENT_CATALOG(K).        { A = ast_func_named(&ps->b, "current_catalog", NULL, K.position); }
func_expr_common(A) ::= CURRENT_SCHEMA(K).         { A = ast_func_named(&ps->b, "current_schema", NULL, K.position); }
/* PostgreSQL's current_schema is a type_func_name_keyword: current_schema() is a call too */
func_expr_common(A) ::= CURRENT_SCHEMA(K) LP RP.   { A = ast_func_named(&ps->b, "current_schema", NULL, K.position); }
func_expr_common(A) ::= CAST(K) LP a_expr(E) AS typename(T) RP. { A = parse_cast(ps, E, T, K.position); }
func_expr_common(A) ::= EXTRACT(K) LP extract_arg(F) FROM a_expr(E) RP. { A = ast_func_named(&ps->b, "extract", ast_list_append(&ps->b, ast_list_new(&ps->b, F), E), K.position); }
func_expr_common(A) ::= OVERLAY(K) LP a_expr(E) PLACING a_expr(P) FROM a_expr(F) RP. { A = ast_func_named(&ps->b, "overlay", ast_list_append(&ps->b, ast_list_append(&ps->b, ast_list_new(&ps->b, E), P), F), K.position); }
func_expr_common(A) ::= OVERLAY(K) LP a_expr(E) PLACING a_expr(P) FROM a_expr(F) FOR a_expr(C) RP. { A = ast_func_named(&ps->b, "overlay", ast_list_append(&ps->b, ast_list_append(&ps->b, ast_list_append(&ps->b, ast_list_new(&ps->b, E), P), F), C), K.position); }
func_expr_common(A) ::= POSITION(K) LP b_expr(N) IN b_expr(H) RP. { A = ast_func_named(&ps->b, "position", ast_list_append(&ps->b, ast_list_new(&ps->b, H), N), K.position); }
func_expr_common(A) ::= SUBSTRING(K) LP substr_list(L) RP. { A = ast_func_named(&ps->b, "substring", L, K.position); }
func_expr_common(A) ::= SUBSTRING(K) LP func_arg_list(L) RP. { A = ast_func_named(&ps->b, "substring", L, K.position); }
func_expr_common(A) ::= TRIM(K) LP BOTH trim_list(L) RP.     { A = parse_trim(ps, "btrim", L, K.position); }
func_expr_common(A) ::= TRIM(K) LP LEADING trim_list(L) RP.  { A = parse_trim(ps, "ltrim", L, K.position); }
func_expr_common(A) ::= TRIM(K) LP TRAILING trim_list(L) RP. { A = parse_trim(ps, "rtrim", L, K.position); }
func_expr_common(A) ::= TRIM(K) LP trim_list(L) RP.          { A = parse_trim(ps, "btrim", L, K.position); }
func_expr_common(A) ::= NULLIF(K) LP a_expr(L) COMMA a_expr(R) RP. { A = ast_expr_new(&ps->b, AST_EXPR_NULLIF, K.position); A->left = L; A->right = R; }
func_expr_common(A) ::= COALESCE(K) LP expr_list(L) RP. { A = parse_special_func(ps, AST_EXPR_COALESCE, L, K.position); }
func_expr_common(A) ::= GREATEST(K) LP expr_list(L) RP. { A = parse_special_func(ps, AST_EXPR_GREATEST, L, K.position); }
func_expr_common(A) ::= LEAST(K) LP expr_list(L) RP.    { A = parse_special_func(ps, AST_EXPR_LEAST, L, K.position); }

%type extract_arg {AstExpr *}
extract_arg(A) ::= ID(T).                          { A = ast_string_new(&ps->b, parse_name(ps, T), T.position); }
extract_arg(A) ::= STRING(T).                      { A = parse_const(ps, T); }

%type substr_list {AstList *}
substr_list(A) ::= a_expr(E) FROM a_expr(F) FOR a_expr(C). { A = ast_list_append(&ps->b, ast_list_append(&ps->b, ast_list_new(&ps->b, E), F), C); }
substr_list(A) ::= a_expr(E) FOR a_expr(C) FROM a_expr(F). { A = ast_list_append(&ps->b, ast_list_append(&ps->b, ast_list_new(&ps->b, E), F), C); }
substr_list(A) ::= a_expr(E) FROM a_expr(F).       { A = ast_list_append(&ps->b, ast_list_new(&ps->b, E), F); }
substr_list(A) ::= a_expr(E) FOR(K) a_expr(C).     { A = ast_list_append(&ps->b, ast_list_append(&ps->b, ast_list_new(&ps->b, E), parse_const(ps, (Token){.kind = TOK_INTEGER, .text = "1", .text_size = 1, .position = K.position})), C); }
substr_list(A) ::= a_expr(E) SIMILAR a_expr(P) ESCAPE a_expr(C). { A = ast_list_append(&ps->b, ast_list_append(&ps->b, ast_list_new(&ps->b, E), P), C); }

/* trim_list: [chars] FROM string, or FROM string, or string[, chars]; the source comes first. */
%type trim_list {AstList *}
trim_list(A) ::= a_expr(C) FROM expr_list(L).      { A = ast_list_append(&ps->b, L, C); }
trim_list(A) ::= FROM expr_list(L).                { A = L; }
trim_list(A) ::= expr_list(L).                     { A = L; }

%type filter_clause {AstExpr *}
filter_clause(A) ::= .                             { A = NULL; }
filter_clause(A) ::= FILTER LP WHERE a_expr(E) RP. { A = E; }

%type over_clause {AstWindow *}
over_clause(A) ::= .                               { A = NULL; }
over_clause(A) ::= OVER window_spec(W).            { A = W; }
over_clause(A) ::= OVER(K) col_id(N).              { A = ast_alloc(&ps->b, sizeof(AstWindow)); A->ref_name = N; A->position = K.position; }

%type window_spec {AstWindow *}
window_spec(A) ::= LP(K) opt_col_id(R) opt_partition(P) opt_sort_clause(O) opt_frame(F) RP. {
    A = F; A->ref_name = R; A->partition_by = P; A->order_by = O; A->position = K.position;
}

%type opt_col_id {char *}
opt_col_id(A) ::= .                                { A = NULL; }
opt_col_id(A) ::= col_id(N).                       { A = N; }

%type opt_partition {AstList *}
opt_partition(A) ::= .                             { A = NULL; }
opt_partition(A) ::= PARTITION BY expr_list(L).    { A = L; }

%type opt_frame {AstWindow *}
opt_frame(A) ::= .                                 { A = ast_alloc(&ps->b, sizeof(AstWindow)); }
opt_frame(A) ::= frame_unit(U) frame_bound(S) opt_exclude(X). {
    A = ast_alloc(&ps->b, sizeof(AstWindow)); A->frame_unit = U; A->start = S; A->end.kind = AST_BOUND_CURRENT_ROW; A->exclude = X;
}
opt_frame(A) ::= frame_unit(U) BETWEEN frame_bound(S) AND frame_bound(E) opt_exclude(X). {
    A = ast_alloc(&ps->b, sizeof(AstWindow)); A->frame_unit = U; A->start = S; A->end = E; A->has_end = true; A->exclude = X;
}

%type frame_unit {AstFrameUnit}
frame_unit(A) ::= ROWS.                            { A = AST_FRAME_ROWS; }
frame_unit(A) ::= RANGE.                           { A = AST_FRAME_RANGE; }
frame_unit(A) ::= GROUPS.                          { A = AST_FRAME_GROUPS; }

%type frame_bound {AstFrameBound}
frame_bound(A) ::= UNBOUNDED PRECEDING.            { A.kind = AST_BOUND_UNBOUNDED_PRECEDING; A.offset = NULL; }
frame_bound(A) ::= UNBOUNDED FOLLOWING.            { A.kind = AST_BOUND_UNBOUNDED_FOLLOWING; A.offset = NULL; }
frame_bound(A) ::= CURRENT ROW.                    { A.kind = AST_BOUND_CURRENT_ROW; A.offset = NULL; }
frame_bound(A) ::= a_expr(E) PRECEDING.            { A.kind = AST_BOUND_PRECEDING; A.offset = E; }
frame_bound(A) ::= a_expr(E) FOLLOWING.            { A.kind = AST_BOUND_FOLLOWING; A.offset = E; }

%type opt_exclude {AstExclude}
opt_exclude(A) ::= .                               { A = AST_EXCLUDE_NONE; }
opt_exclude(A) ::= EXCLUDE CURRENT ROW.            { A = AST_EXCLUDE_CURRENT_ROW; }
opt_exclude(A) ::= EXCLUDE GROUP.                  { A = AST_EXCLUDE_GROUP; }
opt_exclude(A) ::= EXCLUDE TIES.                   { A = AST_EXCLUDE_TIES; }
opt_exclude(A) ::= EXCLUDE NO OTHERS.              { A = AST_EXCLUDE_NONE; }

%type expr_list {AstList *}
expr_list(A) ::= a_expr(E).                        { A = ast_list_new(&ps->b, E); }
expr_list(A) ::= expr_list(L) COMMA a_expr(E).     { A = ast_list_append(&ps->b, L, E); }

/* ===================================================================== types */

%type typename {AstTypeName *}
typename(A) ::= simple_typename(T) opt_array_bounds(D). { A = T; A->array_dims = D; }
typename(A) ::= simple_typename(T) ARRAY.          { A = T; A->array_dims = 1; }
typename(A) ::= simple_typename(T) ARRAY LB INTEGER RB. { A = T; A->array_dims = 1; }

%type opt_array_bounds {int}
opt_array_bounds(A) ::= .                          { A = 0; }
opt_array_bounds(A) ::= opt_array_bounds(D) LB RB. { A = D + 1; }
opt_array_bounds(A) ::= opt_array_bounds(D) LB INTEGER RB. { A = D + 1; }

%type simple_typename {AstTypeName *}
simple_typename(A) ::= ID(K) opt_type_mods(M).     { A = parse_type(ps, K, M); }
simple_typename(A) ::= ID(S) DOT col_label(N) opt_type_mods(M). { A = parse_type_names(ps, ast_list_append(&ps->b, parse_name_list(ps, S), N), S.position); A->mods = M; }
simple_typename(A) ::= ID(K) interval_fields(F).  { A = parse_interval_type(ps, parse_type(ps, K, NULL), F); }
simple_typename(A) ::= DOUBLE(K) PRECISION.        { A = parse_type_words(ps, "float8", K, NULL); }
simple_typename(A) ::= ID(K) VARYING opt_type_mods(M). { A = parse_type_words(ps, "varying", K, M); }
simple_typename(A) ::= ID(K) opt_type_mods(M) WITH_LA(W) TIME ZONE. { A = parse_type_with_zone(ps, parse_type(ps, K, M), W); }
simple_typename(A) ::= ID(K) opt_type_mods(M) WITHOUT(W) TIME ZONE. { A = parse_type_with_zone(ps, parse_type(ps, K, M), W); }

/* interval field qualifiers: INTERVAL '1' DAY, interval hour to second. */
%type interval_fields {Token}
interval_fields(A) ::= YEAR(T).                    { A = T; }
interval_fields(A) ::= MONTH(T).                   { A = T; }
interval_fields(A) ::= DAY(T).                     { A = T; }
interval_fields(A) ::= HOUR(T).                    { A = T; }
interval_fields(A) ::= MINUTE(T).                  { A = T; }
interval_fields(A) ::= SECOND(T).                  { A = T; }
interval_fields(A) ::= YEAR(T) TO MONTH.           { A = T; A.text = "year to month"; }
interval_fields(A) ::= DAY(T) TO HOUR.             { A = T; A.text = "day to hour"; }
interval_fields(A) ::= DAY(T) TO MINUTE.           { A = T; A.text = "day to minute"; }
interval_fields(A) ::= DAY(T) TO SECOND.           { A = T; A.text = "day to second"; }
interval_fields(A) ::= HOUR(T) TO MINUTE.          { A = T; A.text = "hour to minute"; }
interval_fields(A) ::= HOUR(T) TO SECOND.          { A = T; A.text = "hour to second"; }
interval_fields(A) ::= MINUTE(T) TO SECOND.        { A = T; A.text = "minute to second"; }

%type opt_type_mods {AstList *}
opt_type_mods(A) ::= .                             { A = NULL; }
opt_type_mods(A) ::= LP expr_list(L) RP.           { A = L; }

/* ===================================================================== INSERT */

%type insert_stmt {AstStmt *}
insert_stmt(A) ::= opt_with_clause(W) INSERT(K) INTO qualified_name(T) opt_insert_alias(L) insert_rest(I)
                   opt_on_conflict(C) returning_clause(R). {
    I->with = W; I->table = T.names; I->alias = L; I->on_conflict = C; I->returning = R;
    A = parse_stmt(ps, AST_STMT_INSERT, I, K.position);
}

%type opt_insert_alias {char *}
opt_insert_alias(A) ::= .                          { A = NULL; }
opt_insert_alias(A) ::= AS col_id(N).              { A = N; }

%type insert_rest {AstInsert *}
insert_rest(A) ::= select_stmt(S).                 { A = ast_alloc(&ps->b, sizeof(AstInsert)); A->query = S; }
insert_rest(A) ::= OVERRIDING ID VALUE select_stmt(S). { A = ast_alloc(&ps->b, sizeof(AstInsert)); A->query = S; A->overriding = 1; }
insert_rest(A) ::= LP insert_columns(C) RP select_stmt(S). { A = ast_alloc(&ps->b, sizeof(AstInsert)); A->columns = C.names; A->column_positions = C.positions; A->query = S; }
insert_rest(A) ::= LP insert_columns(C) RP OVERRIDING ID VALUE select_stmt(S). { A = ast_alloc(&ps->b, sizeof(AstInsert)); A->columns = C.names; A->column_positions = C.positions; A->query = S; A->overriding = 1; }

/* the column list with each name's position (42703 for an unknown column points at it) */
%type insert_columns {InsertColumns}
insert_columns(A) ::= ID(T).                       { A = parse_insert_column(ps, (InsertColumns){NULL, NULL}, T); }
insert_columns(A) ::= insert_columns(L) COMMA ID(T). { A = parse_insert_column(ps, L, T); }
insert_rest(A) ::= DEFAULT VALUES.                 { A = ast_alloc(&ps->b, sizeof(AstInsert)); }

%type opt_on_conflict {AstOnConflict *}
opt_on_conflict(A) ::= .                           { A = NULL; }
opt_on_conflict(A) ::= ON CONFLICT conflict_target(T) DO NOTHING. { A = T; }
opt_on_conflict(A) ::= ON CONFLICT conflict_target(T) DO UPDATE SET set_clause_list(S) where_clause(W). {
    A = T; A->do_update = true; A->set = S; A->where = W;
}

%type conflict_target {AstOnConflict *}
conflict_target(A) ::= .                           { A = ast_alloc(&ps->b, sizeof(AstOnConflict)); }
conflict_target(A) ::= LP index_params(L) RP where_clause(W). { A = ast_alloc(&ps->b, sizeof(AstOnConflict)); A->columns = L; A->target_where = W; }
conflict_target(A) ::= ON CONSTRAINT col_id(N).    { A = ast_alloc(&ps->b, sizeof(AstOnConflict)); A->constraint = N; }

%type returning_clause {AstList *}
returning_clause(A) ::= .                          { A = NULL; }
returning_clause(A) ::= RETURNING target_list(L).  { A = L; }

%type set_clause_list {AstList *}
set_clause_list(A) ::= set_clause(S).              { A = ast_list_new(&ps->b, S); }
set_clause_list(A) ::= set_clause_list(L) COMMA set_clause(S). { A = ast_list_append(&ps->b, L, S); }

%type set_clause {AstSetClause *}
set_clause(A) ::= set_target(T) EQ a_expr(E).      { A = ast_alloc(&ps->b, sizeof(AstSetClause)); A->columns = ast_list_new(&ps->b, T); A->value = E; A->position = E->position; }
set_clause(A) ::= LP(K) set_target_list(L) RP EQ a_expr(E). { A = ast_alloc(&ps->b, sizeof(AstSetClause)); A->columns = L; A->value = E; A->position = K.position; }

%type set_target {char *}
set_target(A) ::= col_id(N).                       { A = N; }
set_target(A) ::= col_id(N) DOT col_label.         { A = N; parse_fail(ps, SQLSTATE_FEATURE_NOT_SUPPORTED, 0, "assignment to a field of a composite column is not supported"); }

%type set_target_list {AstList *}
set_target_list(A) ::= set_target(N).              { A = ast_list_new(&ps->b, N); }
set_target_list(A) ::= set_target_list(L) COMMA set_target(N). { A = ast_list_append(&ps->b, L, N); }

/* ===================================================================== UPDATE / DELETE */

%type update_stmt {AstStmt *}
update_stmt(A) ::= opt_with_clause(W) UPDATE(K) relation_expr_alias(T) SET set_clause_list(S)
                   from_clause(F) where_clause(E) returning_clause(R). {
    AstUpdate *update = ast_alloc(&ps->b, sizeof(AstUpdate));
    update->with = W; update->table = T; update->set = S; update->from = F; update->where = E; update->returning = R;
    A = parse_stmt(ps, AST_STMT_UPDATE, update, K.position);
}

%type delete_stmt {AstStmt *}
delete_stmt(A) ::= opt_with_clause(W) DELETE(K) FROM relation_expr_alias(T) using_clause(U)
                   where_clause(E) returning_clause(R). {
    AstDelete *delete_ = ast_alloc(&ps->b, sizeof(AstDelete));
    delete_->with = W; delete_->table = T; delete_->using_list = U; delete_->where = E; delete_->returning = R;
    A = parse_stmt(ps, AST_STMT_DELETE, delete_, K.position);
}

%type relation_expr_alias {AstFrom *}
relation_expr_alias(A) ::= relation_expr(R).       { A = R; }
relation_expr_alias(A) ::= relation_expr(R) col_id(N). { A = R; A->alias = parse_alias(ps, N, NULL); }
relation_expr_alias(A) ::= relation_expr(R) AS col_id(N). { A = R; A->alias = parse_alias(ps, N, NULL); }

%type using_clause {AstList *}
using_clause(A) ::= .                              { A = NULL; }
using_clause(A) ::= USING from_list(L).            { A = L; }

/* ===================================================================== CREATE TABLE */

%type create_table_stmt {AstStmt *}
create_table_stmt(A) ::= CREATE(K) opt_temp(P) TABLE opt_if_not_exists(E) qualified_name(N)
                         LP opt_table_elements(L) RP opt_with_options(W). {
    AstCreateTable *create = L;
    create->table = N.names; create->if_not_exists = E; create->temporary = P == 1; create->unlogged = P == 2; create->options = W;
    A = parse_stmt(ps, AST_STMT_CREATE_TABLE, create, K.position);
}
create_table_stmt(A) ::= CREATE(K) opt_temp(P) TABLE opt_if_not_exists(E) qualified_name(N)
                         opt_name_list(C) opt_with_options(W) AS select_stmt(S) opt_with_data(D). {
    AstCreateTable *create = ast_alloc(&ps->b, sizeof(AstCreateTable));
    create->table = N.names; create->if_not_exists = E; create->temporary = P == 1; create->unlogged = P == 2;
    create->options = W; create->as_query = S; create->with_no_data = !D;
    for (int idx = 0; idx < ast_list_count(C); idx++) {
        AstColumnDef *column = ast_alloc(&ps->b, sizeof(AstColumnDef));
        column->name = C->items[idx];
        create->columns = ast_list_append(&ps->b, create->columns, column);
    }
    A = parse_stmt(ps, AST_STMT_CREATE_TABLE, create, K.position);
}

%type opt_with_data {bool}
opt_with_data(A) ::= .                             { A = true; }
opt_with_data(A) ::= WITH DATA.                    { A = true; }
opt_with_data(A) ::= WITH NO DATA.                 { A = false; }

%type opt_temp {int}
opt_temp(A) ::= .                                  { A = 0; }
opt_temp(A) ::= TEMP.                              { A = 1; }
opt_temp(A) ::= TEMPORARY.                         { A = 1; }
opt_temp(A) ::= LOCAL TEMP.                        { A = 1; }
opt_temp(A) ::= LOCAL TEMPORARY.                   { A = 1; }
opt_temp(A) ::= UNLOGGED.                          { A = 2; }

%type opt_if_not_exists {bool}
opt_if_not_exists(A) ::= .                         { A = false; }
opt_if_not_exists(A) ::= IF NOT EXISTS.            { A = true; }

%type opt_if_exists {bool}
opt_if_exists(A) ::= .                             { A = false; }
opt_if_exists(A) ::= IF EXISTS.                    { A = true; }

%type opt_table_elements {AstCreateTable *}
opt_table_elements(A) ::= .                        { A = ast_alloc(&ps->b, sizeof(AstCreateTable)); }
opt_table_elements(A) ::= table_elements(L).       { A = L; }

%type table_elements {AstCreateTable *}
table_elements(A) ::= column_def(C).               { A = ast_alloc(&ps->b, sizeof(AstCreateTable)); A->columns = ast_list_new(&ps->b, C); }
table_elements(A) ::= table_constraint(C).         { A = ast_alloc(&ps->b, sizeof(AstCreateTable)); A->constraints = ast_list_new(&ps->b, C); }
table_elements(A) ::= table_elements(L) COMMA column_def(C).       { A = L; A->columns = ast_list_append(&ps->b, L->columns, C); }
table_elements(A) ::= table_elements(L) COMMA table_constraint(C). { A = L; A->constraints = ast_list_append(&ps->b, L->constraints, C); }

%type column_def {AstColumnDef *}
column_def(A) ::= col_id(N) typename(T) opt_collate(L) col_constraints(C). {
    A = ast_alloc(&ps->b, sizeof(AstColumnDef)); A->name = N; A->type = T; A->collation = L; A->constraints = C; A->position = T->position;
}

%type opt_collate {char *}
opt_collate(A) ::= .                               { A = NULL; }
opt_collate(A) ::= COLLATE any_name(N).            { A = N; }

%type col_constraints {AstList *}
col_constraints(A) ::= .                           { A = NULL; }
col_constraints(A) ::= col_constraints(L) col_constraint(C). { A = ast_list_append(&ps->b, L, C); }

%type col_constraint {AstConstraint *}
col_constraint(A) ::= CONSTRAINT col_id(N) col_constraint_elem(C). { A = C; A->name = N; }
col_constraint(A) ::= col_constraint_elem(C).      { A = C; }
col_constraint(A) ::= col_constraint(C) DEFERRABLE. { A = C; A->deferrable = true; }
col_constraint(A) ::= col_constraint(C) INITIALLY DEFERRED. { A = C; }
col_constraint(A) ::= col_constraint(C) INITIALLY IMMEDIATE. { A = C; }

%include {
static AstConstraint *constraint_new(ParseState *ps, AstConstraintKind kind, int position)
{
    AstConstraint *constraint = ast_alloc(&ps->b, sizeof(AstConstraint));
    constraint->kind = kind;
    constraint->position = position;
    return constraint;
}
}

%type col_constraint_elem {AstConstraint *}
col_constraint_elem(A) ::= NOT(K) NULL.            { A = constraint_new(ps, AST_CONSTR_NOT_NULL, K.position); }
col_constraint_elem(A) ::= NULL(K).                { A = constraint_new(ps, AST_CONSTR_NULL, K.position); }
col_constraint_elem(A) ::= UNIQUE(K) opt_with_options(W).  { A = constraint_new(ps, AST_CONSTR_UNIQUE, K.position); A->options = W; }
col_constraint_elem(A) ::= PRIMARY(K) KEY opt_with_options(W). { A = constraint_new(ps, AST_CONSTR_PRIMARY_KEY, K.position); A->options = W; }
col_constraint_elem(A) ::= CHECK(K) LP a_expr(E) RP. { A = constraint_new(ps, AST_CONSTR_CHECK, K.position); A->expr = E; }
col_constraint_elem(A) ::= DEFAULT(K) b_expr(E).   { A = constraint_new(ps, AST_CONSTR_DEFAULT, K.position); A->expr = E; }
col_constraint_elem(A) ::= GENERATED(K) generated_when(W) AS IDENTITY opt_seq_options(O). {
    A = constraint_new(ps, AST_CONSTR_IDENTITY, K.position); A->identity_always = W; A->options = O;
}
col_constraint_elem(A) ::= GENERATED(K) generated_when AS LP a_expr(E) RP STORED. { A = constraint_new(ps, AST_CONSTR_GENERATED, K.position); A->expr = E; }
col_constraint_elem(A) ::= REFERENCES(K) qualified_name(T) opt_name_list(C) key_match key_actions(X). {
    A = constraint_new(ps, AST_CONSTR_FOREIGN_KEY, K.position); A->ref_table = T.names; A->ref_columns = C; A->on_delete = X.on_delete; A->on_update = X.on_update;
}

%type generated_when {bool}
generated_when(A) ::= ALWAYS.                      { A = true; }
generated_when(A) ::= BY DEFAULT.                  { A = false; }

%type opt_seq_options {AstList *}
opt_seq_options(A) ::= .                           { A = NULL; }
opt_seq_options(A) ::= LP seq_options(L) RP.       { A = L; }

%type table_constraint {AstConstraint *}
table_constraint(A) ::= CONSTRAINT col_id(N) table_constraint_elem(C). { A = C; A->name = N; }
table_constraint(A) ::= table_constraint_elem(C).  { A = C; }

%type table_constraint_elem {AstConstraint *}
table_constraint_elem(A) ::= CHECK(K) LP a_expr(E) RP. { A = constraint_new(ps, AST_CONSTR_CHECK, K.position); A->expr = E; }
table_constraint_elem(A) ::= UNIQUE(K) LP name_list(C) RP opt_with_options(W) constraint_attrs. { A = constraint_new(ps, AST_CONSTR_UNIQUE, K.position); A->columns = C; A->options = W; }
table_constraint_elem(A) ::= PRIMARY(K) KEY LP name_list(C) RP opt_with_options(W) constraint_attrs. { A = constraint_new(ps, AST_CONSTR_PRIMARY_KEY, K.position); A->columns = C; A->options = W; }
table_constraint_elem(A) ::= FOREIGN(K) KEY LP name_list(C) RP REFERENCES qualified_name(T) opt_name_list(R) key_match key_actions(X) constraint_attrs. {
    A = constraint_new(ps, AST_CONSTR_FOREIGN_KEY, K.position); A->columns = C; A->ref_table = T.names; A->ref_columns = R;
    A->on_delete = X.on_delete; A->on_update = X.on_update;
}

constraint_attrs ::= .
constraint_attrs ::= constraint_attrs DEFERRABLE.
constraint_attrs ::= constraint_attrs NOT DEFERRABLE.
constraint_attrs ::= constraint_attrs INITIALLY DEFERRED.
constraint_attrs ::= constraint_attrs INITIALLY IMMEDIATE.
constraint_attrs ::= constraint_attrs NOT VALID.

key_match ::= .
key_match ::= MATCH FULL.
key_match ::= MATCH PARTIAL.
key_match ::= MATCH SIMPLE.

%include {
typedef struct KeyActions { AstFkAction on_delete; AstFkAction on_update; } KeyActions;
}
%type key_actions {KeyActions}
key_actions(A) ::= .                               { A.on_delete = AST_FK_NO_ACTION; A.on_update = AST_FK_NO_ACTION; }
key_actions(A) ::= key_actions(L) ON DELETE key_action(X). { A = L; A.on_delete = X; }
key_actions(A) ::= key_actions(L) ON UPDATE key_action(X). { A = L; A.on_update = X; }

%type key_action {AstFkAction}
key_action(A) ::= NO ACTION.                       { A = AST_FK_NO_ACTION; }
key_action(A) ::= RESTRICT.                        { A = AST_FK_RESTRICT; }
key_action(A) ::= CASCADE.                         { A = AST_FK_CASCADE; }
key_action(A) ::= SET NULL.                        { A = AST_FK_SET_NULL; }
key_action(A) ::= SET DEFAULT.                     { A = AST_FK_SET_DEFAULT; }

%type opt_with_options {AstList *}
opt_with_options(A) ::= .                          { A = NULL; }
opt_with_options(A) ::= WITH LP option_list(L) RP. { A = L; }

/* name = value options: WITH (fillfactor = 90), COPY (FORMAT csv), EXPLAIN (ANALYZE off). */
%type option_list {AstList *}
option_list(A) ::= option_elem(O).                 { A = ast_list_new(&ps->b, O); }
option_list(A) ::= option_list(L) COMMA option_elem(O). { A = ast_list_append(&ps->b, L, O); }

%type option_elem {AstOption *}
option_elem(A) ::= option_name(N).                 { A = parse_option(ps, N, NULL); }
option_elem(A) ::= option_name(N) EQ option_value(V). { A = parse_option(ps, N, V); }
option_elem(A) ::= option_name(N) option_value(V). { A = parse_option(ps, N, V); }

%type option_name {char *}
option_name(A) ::= col_label(N).                   { A = N; }
option_name(A) ::= option_name(L) DOT col_label(N). { A = L; (void)N; parse_fail(ps, SQLSTATE_FEATURE_NOT_SUPPORTED, 0, "qualified option names are not supported"); }

%type option_value {AstExpr *}
option_value(A) ::= signed_number(E).              { A = E; }
option_value(A) ::= STRING(T).                     { A = parse_const(ps, T); }
option_value(A) ::= ID(T).                         { A = ast_string_new(&ps->b, parse_name(ps, T), T.position); }
option_value(A) ::= reserved_keyword(T).           { A = ast_string_new(&ps->b, parse_name(ps, T), T.position); }
option_value(A) ::= LP name_list(L) RP.            { A = parse_row(ps, NULL, false, 0); A->names = L; }
option_value(A) ::= STAR(T).                       { A = ast_string_new(&ps->b, "*", T.position); }

%type signed_number {AstExpr *}
signed_number(A) ::= INTEGER(T).                   { A = parse_const(ps, T); }
signed_number(A) ::= NUMERIC(T).                   { A = parse_const(ps, T); }
signed_number(A) ::= PLUS INTEGER(T).              { A = parse_const(ps, T); }
signed_number(A) ::= PLUS NUMERIC(T).              { A = parse_const(ps, T); }
signed_number(A) ::= MINUS(K) INTEGER(T).          { A = parse_negate(ps, parse_const(ps, T), K.position); }
signed_number(A) ::= MINUS(K) NUMERIC(T).          { A = parse_negate(ps, parse_const(ps, T), K.position); }

/* ===================================================================== CREATE INDEX */

%type create_index_stmt {AstStmt *}
create_index_stmt(A) ::= CREATE(K) opt_unique(U) INDEX opt_concurrently(C) opt_index_name(N) ON relation_expr(T)
                         opt_using(M) LP index_params(P) RP opt_include(I) opt_with_options(W) where_clause(E). {
    AstCreateIndex *index = ast_alloc(&ps->b, sizeof(AstCreateIndex));
    index->unique = U; index->concurrently = C; index->name = N.name; index->if_not_exists = N.if_not_exists;
    index->table = T->names; index->method = M; index->columns = P; index->include = I; index->options = W; index->where = E;
    A = parse_stmt(ps, AST_STMT_CREATE_INDEX, index, K.position);
}

%include {
typedef struct IndexName { char *name; bool if_not_exists; } IndexName;
}
%type opt_index_name {IndexName}
opt_index_name(A) ::= .                            { A.name = NULL; A.if_not_exists = false; }
opt_index_name(A) ::= col_id(N).                   { A.name = N; A.if_not_exists = false; }
opt_index_name(A) ::= IF NOT EXISTS col_id(N).     { A.name = N; A.if_not_exists = true; }

%type opt_unique {bool}
opt_unique(A) ::= .                                { A = false; }
opt_unique(A) ::= UNIQUE.                          { A = true; }

%type opt_concurrently {bool}
opt_concurrently(A) ::= .                          { A = false; }
opt_concurrently(A) ::= CONCURRENTLY.              { A = true; }

%type opt_using {char *}
opt_using(A) ::= .                                 { A = NULL; }
opt_using(A) ::= USING col_id(N).                  { A = N; }

%type opt_include {AstList *}
opt_include(A) ::= .                               { A = NULL; }
opt_include(A) ::= INCLUDE LP name_list(L) RP.     { A = L; }

%type index_params {AstList *}
index_params(A) ::= index_elem(E).                 { A = ast_list_new(&ps->b, E); }
index_params(A) ::= index_params(L) COMMA index_elem(E). { A = ast_list_append(&ps->b, L, E); }

%type index_elem {AstSortBy *}
index_elem(A) ::= index_expr(E) opt_collate(C) opt_opclass(O) opt_asc_desc(D) opt_nulls_order(N). {
    A = parse_sort(ps, E, D, N); A->collation = C; A->opclass = O;
}

%type index_expr {AstExpr *}
index_expr(A) ::= col_id(N).                       { A = parse_column(ps, ast_list_new(&ps->b, N), 0); }
index_expr(A) ::= func_expr(E).                    { A = E; }
index_expr(A) ::= LP a_expr(E) RP.                 { A = E; }

%type opt_opclass {char *}
opt_opclass(A) ::= .                               { A = NULL; }
opt_opclass(A) ::= ID(T).                          { A = parse_name(ps, T); }

/* ===================================================================== views, schemas, sequences */

%type create_view_stmt {AstStmt *}
create_view_stmt(A) ::= CREATE(K) opt_temp(P) VIEW qualified_name(N) opt_name_list(C) AS select_stmt(S) opt_check_option. {
    AstCreateView *view = ast_alloc(&ps->b, sizeof(AstCreateView));
    view->name = N.names; view->or_replace = false; view->temporary = P == 1; view->columns = C; view->query = S;
    A = parse_stmt(ps, AST_STMT_CREATE_VIEW, view, K.position);
}
create_view_stmt(A) ::= CREATE(K) OR REPLACE opt_temp(P) VIEW qualified_name(N) opt_name_list(C) AS select_stmt(S) opt_check_option. {
    AstCreateView *view = ast_alloc(&ps->b, sizeof(AstCreateView));
    view->name = N.names; view->or_replace = true; view->temporary = P == 1; view->columns = C; view->query = S;
    A = parse_stmt(ps, AST_STMT_CREATE_VIEW, view, K.position);
}

opt_check_option ::= .
opt_check_option ::= WITH CHECK OPTION.
opt_check_option ::= WITH LOCAL CHECK OPTION.


%type create_schema_stmt {AstStmt *}
create_schema_stmt(A) ::= CREATE(K) SCHEMA opt_if_not_exists(E) col_id(N). {
    AstCreateSchema *schema = ast_alloc(&ps->b, sizeof(AstCreateSchema)); schema->name = N; schema->if_not_exists = E;
    A = parse_stmt(ps, AST_STMT_CREATE_SCHEMA, schema, K.position);
}
create_schema_stmt(A) ::= CREATE(K) SCHEMA opt_if_not_exists(E) col_id(N) AUTHORIZATION col_id(R). {
    AstCreateSchema *schema = ast_alloc(&ps->b, sizeof(AstCreateSchema)); schema->name = N; schema->if_not_exists = E; schema->authorization = R;
    A = parse_stmt(ps, AST_STMT_CREATE_SCHEMA, schema, K.position);
}
create_schema_stmt(A) ::= CREATE(K) SCHEMA opt_if_not_exists(E) AUTHORIZATION col_id(R). {
    AstCreateSchema *schema = ast_alloc(&ps->b, sizeof(AstCreateSchema)); schema->name = R; schema->if_not_exists = E; schema->authorization = R;
    A = parse_stmt(ps, AST_STMT_CREATE_SCHEMA, schema, K.position);
}

%type sequence_stmt {AstStmt *}
sequence_stmt(A) ::= CREATE(K) opt_temp(P) SEQUENCE opt_if_not_exists(E) qualified_name(N) opt_seq_option_list(O). {
    AstSequence *seq = ast_alloc(&ps->b, sizeof(AstSequence)); seq->name = N.names; seq->if_not_exists = E; seq->temporary = P == 1; seq->options = O;
    A = parse_stmt(ps, AST_STMT_CREATE_SEQUENCE, seq, K.position);
}
sequence_stmt(A) ::= ALTER(K) SEQUENCE opt_if_exists(E) qualified_name(N) seq_options(O). {
    AstSequence *seq = ast_alloc(&ps->b, sizeof(AstSequence)); seq->name = N.names; seq->if_not_exists = E; seq->options = O;
    A = parse_stmt(ps, AST_STMT_ALTER_SEQUENCE, seq, K.position);
}

%type opt_seq_option_list {AstList *}
opt_seq_option_list(A) ::= .                       { A = NULL; }
opt_seq_option_list(A) ::= seq_options(L).         { A = L; }

%type seq_options {AstList *}
seq_options(A) ::= seq_option(O).                  { A = ast_list_new(&ps->b, O); }
seq_options(A) ::= seq_options(L) seq_option(O).   { A = ast_list_append(&ps->b, L, O); }

%type seq_option {AstOption *}
seq_option(A) ::= AS simple_typename(T).           { A = parse_option(ps, "as", ast_string_new(&ps->b, T->name, T->position)); }
seq_option(A) ::= INCREMENT opt_by signed_number(N). { A = parse_option(ps, "increment", N); }
seq_option(A) ::= START opt_with signed_number(N). { A = parse_option(ps, "start", N); }
seq_option(A) ::= RESTART.                         { A = parse_option(ps, "restart", NULL); }
seq_option(A) ::= RESTART opt_with signed_number(N). { A = parse_option(ps, "restart", N); }
seq_option(A) ::= MINVALUE signed_number(N).       { A = parse_option(ps, "minvalue", N); }
seq_option(A) ::= NO MINVALUE.                     { A = parse_option(ps, "no_minvalue", NULL); }
seq_option(A) ::= MAXVALUE signed_number(N).       { A = parse_option(ps, "maxvalue", N); }
seq_option(A) ::= NO MAXVALUE.                     { A = parse_option(ps, "no_maxvalue", NULL); }
seq_option(A) ::= CACHE signed_number(N).          { A = parse_option(ps, "cache", N); }
seq_option(A) ::= CYCLE.                           { A = parse_option(ps, "cycle", parse_bool(ps, true, 0)); }
seq_option(A) ::= NO CYCLE.                        { A = parse_option(ps, "cycle", parse_bool(ps, false, 0)); }
seq_option(A) ::= OWNED BY qualified_name(N).      { A = parse_option(ps, "owned_by", parse_column(ps, N.names, N.position)); }

opt_by ::= .
opt_by ::= BY.
opt_with ::= .
opt_with ::= WITH.

/* ===================================================================== ALTER TABLE */

%type alter_table_stmt {AstStmt *}
alter_table_stmt(A) ::= ALTER(K) TABLE opt_if_exists(E) relation_expr(T) alter_cmds(C). {
    AstAlterTable *alter = ast_alloc(&ps->b, sizeof(AstAlterTable)); alter->table = T->names; alter->only = T->only; alter->if_exists = E; alter->cmds = C;
    A = parse_stmt(ps, AST_STMT_ALTER_TABLE, alter, K.position);
}
alter_table_stmt(A) ::= ALTER(K) TABLE opt_if_exists(E) relation_expr(T) alter_rename(C). {
    AstAlterTable *alter = ast_alloc(&ps->b, sizeof(AstAlterTable)); alter->table = T->names; alter->only = T->only; alter->if_exists = E; alter->cmds = ast_list_new(&ps->b, C);
    A = parse_stmt(ps, AST_STMT_ALTER_TABLE, alter, K.position);
}

alter_table_stmt(A) ::= ALTER(K) VIEW opt_if_exists(E) qualified_name(T) alter_rename(C). {
    AstAlterTable *alter = ast_alloc(&ps->b, sizeof(AstAlterTable)); alter->table = T.names; alter->view = true; alter->if_exists = E; alter->cmds = ast_list_new(&ps->b, C);
    A = parse_stmt(ps, AST_STMT_ALTER_TABLE, alter, K.position);
}
alter_table_stmt(A) ::= ALTER(K) VIEW opt_if_exists(E) qualified_name(T) OWNER(O) TO col_id(N). {
    AstAlterTable *alter = ast_alloc(&ps->b, sizeof(AstAlterTable)); alter->table = T.names; alter->view = true; alter->if_exists = E;
    AstAlterCmd *cmd = alter_new(ps, AST_ALTER_OWNER, NULL, O.position); cmd->new_name = N;
    alter->cmds = ast_list_new(&ps->b, cmd);
    A = parse_stmt(ps, AST_STMT_ALTER_TABLE, alter, K.position);
}

%include {
static AstAlterCmd *alter_new(ParseState *ps, AstAlterKind kind, char *name, int position)
{
    AstAlterCmd *cmd = ast_alloc(&ps->b, sizeof(AstAlterCmd));
    cmd->kind = kind;
    cmd->name = name;
    cmd->position = position;
    return cmd;
}
}

%type alter_rename {AstAlterCmd *}
alter_rename(A) ::= RENAME(K) TO col_id(N).        { A = alter_new(ps, AST_ALTER_RENAME_TABLE, NULL, K.position); A->new_name = N; }
alter_rename(A) ::= RENAME(K) opt_column col_id(O) TO col_id(N). { A = alter_new(ps, AST_ALTER_RENAME_COLUMN, O, K.position); A->new_name = N; }
alter_rename(A) ::= RENAME(K) CONSTRAINT col_id(O) TO col_id(N). { A = alter_new(ps, AST_ALTER_RENAME_CONSTRAINT, O, K.position); A->new_name = N; }
alter_rename(A) ::= SET(K) SCHEMA col_id(N).       { A = alter_new(ps, AST_ALTER_SET_SCHEMA, NULL, K.position); A->new_name = N; }

%type alter_cmds {AstList *}
alter_cmds(A) ::= alter_cmd(C).                    { A = ast_list_new(&ps->b, C); }
alter_cmds(A) ::= alter_cmds(L) COMMA alter_cmd(C). { A = ast_list_append(&ps->b, L, C); }

opt_column ::= .
opt_column ::= COLUMN.

%type opt_drop_behavior {bool}
opt_drop_behavior(A) ::= .                         { A = false; }
opt_drop_behavior(A) ::= CASCADE.                  { A = true; }
opt_drop_behavior(A) ::= RESTRICT.                 { A = false; }

%type alter_cmd {AstAlterCmd *}
alter_cmd(A) ::= ADD(K) column_def(C).             { A = alter_new(ps, AST_ALTER_ADD_COLUMN, C->name, K.position); A->column = C; }
alter_cmd(A) ::= ADD(K) IF NOT EXISTS column_def(C). { A = alter_new(ps, AST_ALTER_ADD_COLUMN, C->name, K.position); A->column = C; A->if_not_exists = true; }
alter_cmd(A) ::= ADD(K) COLUMN column_def(C).      { A = alter_new(ps, AST_ALTER_ADD_COLUMN, C->name, K.position); A->column = C; }
alter_cmd(A) ::= ADD(K) COLUMN IF NOT EXISTS column_def(C). { A = alter_new(ps, AST_ALTER_ADD_COLUMN, C->name, K.position); A->column = C; A->if_not_exists = true; }
alter_cmd(A) ::= ADD(K) table_constraint(C).       { A = alter_new(ps, AST_ALTER_ADD_CONSTRAINT, C->name, K.position); A->constraint = C; }
alter_cmd(A) ::= DROP(K) opt_column col_id(N) opt_drop_behavior(B). { A = alter_new(ps, AST_ALTER_DROP_COLUMN, N, K.position); A->cascade = B; }
alter_cmd(A) ::= DROP(K) opt_column IF EXISTS col_id(N) opt_drop_behavior(B). { A = alter_new(ps, AST_ALTER_DROP_COLUMN, N, K.position); A->cascade = B; A->if_exists = true; }
alter_cmd(A) ::= DROP(K) CONSTRAINT col_id(N) opt_drop_behavior(B). { A = alter_new(ps, AST_ALTER_DROP_CONSTRAINT, N, K.position); A->cascade = B; }
alter_cmd(A) ::= DROP(K) CONSTRAINT IF EXISTS col_id(N) opt_drop_behavior(B). { A = alter_new(ps, AST_ALTER_DROP_CONSTRAINT, N, K.position); A->cascade = B; A->if_exists = true; }
alter_cmd(A) ::= ALTER(K) opt_column col_id(N) SET DEFAULT a_expr(E). { A = alter_new(ps, AST_ALTER_SET_DEFAULT, N, K.position); A->expr = E; }
alter_cmd(A) ::= ALTER(K) opt_column col_id(N) DROP DEFAULT. { A = alter_new(ps, AST_ALTER_SET_DEFAULT, N, K.position); }
alter_cmd(A) ::= ALTER(K) opt_column col_id(N) SET NOT NULL. { A = alter_new(ps, AST_ALTER_SET_NOT_NULL, N, K.position); }
alter_cmd(A) ::= ALTER(K) opt_column col_id(N) DROP NOT NULL. { A = alter_new(ps, AST_ALTER_DROP_NOT_NULL, N, K.position); }
alter_cmd(A) ::= ALTER(K) opt_column col_id(N) opt_set_data TYPE typename(T) opt_using_expr(E). { A = alter_new(ps, AST_ALTER_TYPE, N, K.position); A->type = T; A->expr = E; }
alter_cmd(A) ::= OWNER(K) TO col_id(N).             { A = alter_new(ps, AST_ALTER_OWNER, NULL, K.position); A->new_name = N; }
alter_cmd(A) ::= SET(K) LP option_list(L) RP.      { A = alter_new(ps, AST_ALTER_SET_OPTIONS, NULL, K.position); A->options = L; }

opt_set_data ::= .
opt_set_data ::= SET DATA.

%type opt_using_expr {AstExpr *}
opt_using_expr(A) ::= .                            { A = NULL; }
opt_using_expr(A) ::= USING a_expr(E).             { A = E; }

/* ===================================================================== DROP, TRUNCATE */

%type drop_stmt {AstStmt *}
drop_stmt(A) ::= DROP(K) drop_object(O) opt_concurrently(C) opt_if_exists(E) qualified_name_list(N) opt_drop_behavior(B). {
    AstDrop *drop = ast_alloc(&ps->b, sizeof(AstDrop)); drop->object = O; drop->concurrently = C; drop->if_exists = E; drop->names = N; drop->cascade = B;
    A = parse_stmt(ps, AST_STMT_DROP, drop, K.position);
}

%type drop_object {AstObjectKind}
drop_object(A) ::= TABLE.                          { A = AST_OBJECT_TABLE; }
drop_object(A) ::= INDEX.                          { A = AST_OBJECT_INDEX; }
drop_object(A) ::= VIEW.                           { A = AST_OBJECT_VIEW; }
drop_object(A) ::= SCHEMA.                         { A = AST_OBJECT_SCHEMA; }
drop_object(A) ::= SEQUENCE.                       { A = AST_OBJECT_SEQUENCE; }
drop_object(A) ::= ROLE.                           { A = AST_OBJECT_ROLE; }
drop_object(A) ::= USER.                           { A = AST_OBJECT_ROLE; }

%type truncate_stmt {AstStmt *}
truncate_stmt(A) ::= TRUNCATE(K) opt_table relation_list(L) opt_restart_seqs(R) opt_drop_behavior(B). {
    AstTruncate *truncate = ast_alloc(&ps->b, sizeof(AstTruncate)); truncate->tables = L; truncate->restart_identity = R; truncate->cascade = B;
    A = parse_stmt(ps, AST_STMT_TRUNCATE, truncate, K.position);
}

opt_table ::= .
opt_table ::= TABLE.

%type relation_list {AstList *}
relation_list(A) ::= relation_expr(R).             { A = ast_list_new(&ps->b, R->names); }
relation_list(A) ::= relation_list(L) COMMA relation_expr(R). { A = ast_list_append(&ps->b, L, R->names); }

%type opt_restart_seqs {bool}
opt_restart_seqs(A) ::= .                          { A = false; }
opt_restart_seqs(A) ::= RESTART IDENTITY.          { A = true; }
opt_restart_seqs(A) ::= CONTINUE IDENTITY.         { A = false; }

/* ===================================================================== transactions */

%include {
static AstStmt *txn_stmt(ParseState *ps, AstTxnKind kind, char *name, AstList *options, int position)
{
    AstTransaction *txn = ast_alloc(&ps->b, sizeof(AstTransaction));
    txn->kind = kind;
    txn->name = name;
    txn->options = options;
    return parse_stmt(ps, AST_STMT_TRANSACTION, txn, position);
}
}

%type transaction_stmt {AstStmt *}
transaction_stmt(A) ::= BEGIN(K) opt_transaction opt_txn_modes(M). { A = txn_stmt(ps, AST_TXN_BEGIN, NULL, M, K.position); }
transaction_stmt(A) ::= START(K) TRANSACTION opt_txn_modes(M).     { A = txn_stmt(ps, AST_TXN_BEGIN, NULL, M, K.position); A->u.transaction->start = true; }
transaction_stmt(A) ::= COMMIT(K) opt_transaction opt_chain(C).    { A = txn_stmt(ps, AST_TXN_COMMIT, NULL, NULL, K.position); A->u.transaction->chain = C; }
transaction_stmt(A) ::= END(K) opt_transaction opt_chain(C).       { A = txn_stmt(ps, AST_TXN_COMMIT, NULL, NULL, K.position); A->u.transaction->chain = C; }
transaction_stmt(A) ::= ROLLBACK(K) opt_transaction opt_chain(C).  { A = txn_stmt(ps, AST_TXN_ROLLBACK, NULL, NULL, K.position); A->u.transaction->chain = C; }
transaction_stmt(A) ::= ABORT(K) opt_transaction opt_chain(C).     { A = txn_stmt(ps, AST_TXN_ROLLBACK, NULL, NULL, K.position); A->u.transaction->chain = C; }
transaction_stmt(A) ::= SAVEPOINT(K) col_id(N).                    { A = txn_stmt(ps, AST_TXN_SAVEPOINT, N, NULL, K.position); }
transaction_stmt(A) ::= RELEASE(K) SAVEPOINT col_id(N).            { A = txn_stmt(ps, AST_TXN_RELEASE, N, NULL, K.position); }
transaction_stmt(A) ::= RELEASE(K) col_id(N).                      { A = txn_stmt(ps, AST_TXN_RELEASE, N, NULL, K.position); }
transaction_stmt(A) ::= ROLLBACK(K) opt_transaction TO SAVEPOINT col_id(N). { A = txn_stmt(ps, AST_TXN_ROLLBACK_TO, N, NULL, K.position); }
transaction_stmt(A) ::= ROLLBACK(K) opt_transaction TO col_id(N).  { A = txn_stmt(ps, AST_TXN_ROLLBACK_TO, N, NULL, K.position); }
transaction_stmt(A) ::= SET(K) TRANSACTION txn_modes(M).           { A = txn_stmt(ps, AST_TXN_SET, NULL, M, K.position); }
transaction_stmt(A) ::= SET(K) SESSION CHARACTERISTICS AS TRANSACTION txn_modes(M). { A = txn_stmt(ps, AST_TXN_SET_SESSION, NULL, M, K.position); }

opt_transaction ::= .
opt_transaction ::= WORK.
opt_transaction ::= TRANSACTION.

%type opt_chain {bool}
opt_chain(A) ::= .                                 { A = false; }
opt_chain(A) ::= AND CHAIN.                        { A = true; }
opt_chain(A) ::= AND NO CHAIN.                     { A = false; }

%type opt_txn_modes {AstList *}
opt_txn_modes(A) ::= .                             { A = NULL; }
opt_txn_modes(A) ::= txn_modes(M).                 { A = M; }

%type txn_modes {AstList *}
txn_modes(A) ::= txn_mode(M).                      { A = ast_list_new(&ps->b, M); }
txn_modes(A) ::= txn_modes(L) txn_mode(M).         { A = ast_list_append(&ps->b, L, M); }
txn_modes(A) ::= txn_modes(L) COMMA txn_mode(M).   { A = ast_list_append(&ps->b, L, M); }

%type txn_mode {AstOption *}
txn_mode(A) ::= ISOLATION LEVEL iso_level(L).      { A = parse_option(ps, "isolation", ast_string_new(&ps->b, L, 0)); }
txn_mode(A) ::= READ ONLY.                         { A = parse_option(ps, "read_only", parse_bool(ps, true, 0)); }
txn_mode(A) ::= READ WRITE.                        { A = parse_option(ps, "read_only", parse_bool(ps, false, 0)); }
txn_mode(A) ::= DEFERRABLE.                        { A = parse_option(ps, "deferrable", parse_bool(ps, true, 0)); }
txn_mode(A) ::= NOT DEFERRABLE.                    { A = parse_option(ps, "deferrable", parse_bool(ps, false, 0)); }

%type iso_level {const char *}
iso_level(A) ::= READ UNCOMMITTED.                 { A = "read uncommitted"; }
iso_level(A) ::= READ COMMITTED.                   { A = "read committed"; }
iso_level(A) ::= REPEATABLE READ.                  { A = "repeatable read"; }
iso_level(A) ::= SERIALIZABLE.                     { A = "serializable"; }

/* ===================================================================== SET, SHOW, RESET */

%include {
static AstStmt *set_stmt_new(ParseState *ps, AstStmtKind kind, char *name, AstList *values, int position)
{
    AstSet *set = ast_alloc(&ps->b, sizeof(AstSet));
    set->name = name;
    set->values = values;
    return parse_stmt(ps, kind, set, position);
}
}

%type set_stmt {AstStmt *}
set_stmt(A) ::= SET(K) set_rest(S).                { A = S; A->position = K.position; }
set_stmt(A) ::= SET(K) SESSION set_rest(S).        { A = S; A->position = K.position; }
set_stmt(A) ::= SET(K) LOCAL set_rest(S).          { A = S; A->position = K.position; A->u.set->local = true; }
set_stmt(A) ::= SHOW(K) var_name(N).               { A = set_stmt_new(ps, AST_STMT_SHOW, N, NULL, K.position); }
set_stmt(A) ::= SHOW(K) TIME ZONE.                 { A = set_stmt_new(ps, AST_STMT_SHOW, ast_strdup(&ps->b, "timezone", 8), NULL, K.position); }
set_stmt(A) ::= SHOW(K) TRANSACTION ISOLATION LEVEL. { A = set_stmt_new(ps, AST_STMT_SHOW, ast_strdup(&ps->b, "transaction_isolation", 21), NULL, K.position); }
set_stmt(A) ::= SHOW(K) ALL.                       { A = set_stmt_new(ps, AST_STMT_SHOW, ast_strdup(&ps->b, "all", 3), NULL, K.position); }
set_stmt(A) ::= RESET(K) var_name(N).              { A = set_stmt_new(ps, AST_STMT_RESET, N, NULL, K.position); }
set_stmt(A) ::= RESET(K) TIME ZONE.                { A = set_stmt_new(ps, AST_STMT_RESET, ast_strdup(&ps->b, "timezone", 8), NULL, K.position); }
set_stmt(A) ::= RESET(K) ALL.                      { A = set_stmt_new(ps, AST_STMT_RESET, ast_strdup(&ps->b, "all", 3), NULL, K.position); }

%type set_rest {AstStmt *}
set_rest(A) ::= var_name(N) TO var_list(V).        { A = set_stmt_new(ps, AST_STMT_SET, N, V, 0); }
set_rest(A) ::= var_name(N) EQ var_list(V).        { A = set_stmt_new(ps, AST_STMT_SET, N, V, 0); }
set_rest(A) ::= var_name(N) TO DEFAULT.            { A = set_stmt_new(ps, AST_STMT_SET, N, NULL, 0); A->u.set->is_default = true; }
set_rest(A) ::= var_name(N) EQ DEFAULT.            { A = set_stmt_new(ps, AST_STMT_SET, N, NULL, 0); A->u.set->is_default = true; }
set_rest(A) ::= TIME ZONE zone_value(V).           { A = set_stmt_new(ps, AST_STMT_SET, ast_strdup(&ps->b, "timezone", 8), ast_list_new(&ps->b, V), 0); }
set_rest(A) ::= TIME ZONE DEFAULT.                 { A = set_stmt_new(ps, AST_STMT_SET, ast_strdup(&ps->b, "timezone", 8), NULL, 0); A->u.set->is_default = true; }
set_rest(A) ::= TIME ZONE LOCAL.                   { A = set_stmt_new(ps, AST_STMT_SET, ast_strdup(&ps->b, "timezone", 8), NULL, 0); A->u.set->is_default = true; }
set_rest(A) ::= SCHEMA STRING(S).                  { A = set_stmt_new(ps, AST_STMT_SET, ast_strdup(&ps->b, "search_path", 11), ast_list_new(&ps->b, parse_const(ps, S)), 0); }
set_rest(A) ::= ROLE var_value(V).                 { A = set_stmt_new(ps, AST_STMT_SET, ast_strdup(&ps->b, "role", 4), ast_list_new(&ps->b, V), 0); }
set_rest(A) ::= SESSION AUTHORIZATION var_value(V). { A = set_stmt_new(ps, AST_STMT_SET, ast_strdup(&ps->b, "session_authorization", 21), ast_list_new(&ps->b, V), 0); }
set_rest(A) ::= SESSION AUTHORIZATION DEFAULT.     { A = set_stmt_new(ps, AST_STMT_SET, ast_strdup(&ps->b, "session_authorization", 21), NULL, 0); A->u.set->is_default = true; }
set_rest(A) ::= NAMES STRING(S).                   { A = set_stmt_new(ps, AST_STMT_SET, ast_strdup(&ps->b, "client_encoding", 15), ast_list_new(&ps->b, parse_const(ps, S)), 0); }

%type var_name {char *}
var_name(A) ::= col_id(N).                         { A = N; }
var_name(A) ::= var_name(L) DOT col_id(N).         { A = parse_join_dotted(ps, L, N); }

%type var_list {AstList *}
var_list(A) ::= var_value(V).                      { A = ast_list_new(&ps->b, V); }
var_list(A) ::= var_list(L) COMMA var_value(V).    { A = ast_list_append(&ps->b, L, V); }

%type var_value {AstExpr *}
var_value(A) ::= signed_number(E).                 { A = E; }
var_value(A) ::= STRING(T).                        { A = parse_const(ps, T); }
var_value(A) ::= ID(T).                            { A = ast_string_new(&ps->b, parse_name(ps, T), T.position); }
var_value(A) ::= ON(T).                            { A = ast_string_new(&ps->b, "on", T.position); }
var_value(A) ::= TRUE(T).                          { A = ast_string_new(&ps->b, "true", T.position); }
var_value(A) ::= FALSE(T).                         { A = ast_string_new(&ps->b, "false", T.position); }

%type zone_value {AstExpr *}
zone_value(A) ::= STRING(T).                       { A = parse_const(ps, T); }
zone_value(A) ::= ID(T).                           { A = ast_string_new(&ps->b, parse_name(ps, T), T.position); }
zone_value(A) ::= signed_number(E).                { A = E; }

/* ===================================================================== EXPLAIN, VACUUM, ANALYZE */

%type explain_stmt {AstStmt *}
explain_stmt(A) ::= EXPLAIN(K) preparable_stmt(S). {
    AstExplain *explain = ast_alloc(&ps->b, sizeof(AstExplain)); explain->stmt = S;
    A = parse_stmt(ps, AST_STMT_EXPLAIN, explain, K.position);
}
explain_stmt(A) ::= EXPLAIN(K) analyze_kw opt_verbose(V) preparable_stmt(S). {
    AstExplain *explain = ast_alloc(&ps->b, sizeof(AstExplain)); explain->stmt = S;
    explain->options = ast_list_new(&ps->b, parse_option(ps, "analyze", NULL));
    if (V) explain->options = ast_list_append(&ps->b, explain->options, parse_option(ps, "verbose", NULL));
    A = parse_stmt(ps, AST_STMT_EXPLAIN, explain, K.position);
}
explain_stmt(A) ::= EXPLAIN(K) VERBOSE preparable_stmt(S). {
    AstExplain *explain = ast_alloc(&ps->b, sizeof(AstExplain)); explain->stmt = S;
    explain->options = ast_list_new(&ps->b, parse_option(ps, "verbose", NULL));
    A = parse_stmt(ps, AST_STMT_EXPLAIN, explain, K.position);
}
explain_stmt(A) ::= EXPLAIN(K) LP util_option_list(O) RP preparable_stmt(S). {
    AstExplain *explain = ast_alloc(&ps->b, sizeof(AstExplain)); explain->stmt = S; explain->options = O;
    A = parse_stmt(ps, AST_STMT_EXPLAIN, explain, K.position);
}

%type analyze_kw {Token}
analyze_kw(A) ::= ANALYZE(T).                      { A = T; }

/* EXPLAIN and VACUUM options: no reserved words as names, so "EXPLAIN (SELECT 1)" stays a query. */
%type util_option_list {AstList *}
util_option_list(A) ::= util_option(O).            { A = ast_list_new(&ps->b, O); }
util_option_list(A) ::= util_option_list(L) COMMA util_option(O). { A = ast_list_append(&ps->b, L, O); }

%type util_option {AstOption *}
util_option(A) ::= util_option_name(N).            { A = parse_option(ps, N, NULL); }
util_option(A) ::= util_option_name(N) option_value(V). { A = parse_option(ps, N, V); }

%type util_option_name {char *}
util_option_name(A) ::= ID(T).                     { A = parse_name(ps, T); }
util_option_name(A) ::= ANALYZE.                   { A = ast_strdup(&ps->b, "analyze", 7); }
util_option_name(A) ::= VERBOSE.                   { A = ast_strdup(&ps->b, "verbose", 7); }
util_option_name(A) ::= FREEZE.                    { A = ast_strdup(&ps->b, "freeze", 6); }
util_option_name(A) ::= FULL.                      { A = ast_strdup(&ps->b, "full", 4); }

%type opt_verbose {bool}
opt_verbose(A) ::= .                               { A = false; }
opt_verbose(A) ::= VERBOSE.                        { A = true; }

%type vacuum_stmt {AstStmt *}
vacuum_stmt(A) ::= VACUUM(K) vacuum_flags(O) opt_vacuum_rels(R). {
    R->options = O; A = parse_stmt(ps, AST_STMT_VACUUM, R, K.position);
}
vacuum_stmt(A) ::= VACUUM(K) LP util_option_list(O) RP opt_vacuum_rels(R). {
    R->options = O; A = parse_stmt(ps, AST_STMT_VACUUM, R, K.position);
}
vacuum_stmt(A) ::= analyze_kw(K) opt_verbose(V) opt_vacuum_rels(R). {
    if (V) R->options = ast_list_new(&ps->b, parse_option(ps, "verbose", NULL));
    A = parse_stmt(ps, AST_STMT_ANALYZE, R, K.position);
}
vacuum_stmt(A) ::= analyze_kw(K) LP util_option_list(O) RP opt_vacuum_rels(R). {
    R->options = O; A = parse_stmt(ps, AST_STMT_ANALYZE, R, K.position);
}

%type vacuum_flags {AstList *}
vacuum_flags(A) ::= .                              { A = NULL; }
vacuum_flags(A) ::= vacuum_flags(L) FULL.          { A = ast_list_append(&ps->b, L, parse_option(ps, "full", NULL)); }
vacuum_flags(A) ::= vacuum_flags(L) FREEZE.        { A = ast_list_append(&ps->b, L, parse_option(ps, "freeze", NULL)); }
vacuum_flags(A) ::= vacuum_flags(L) VERBOSE.       { A = ast_list_append(&ps->b, L, parse_option(ps, "verbose", NULL)); }
vacuum_flags(A) ::= vacuum_flags(L) ANALYZE.       { A = ast_list_append(&ps->b, L, parse_option(ps, "analyze", NULL)); }

/* The relations of VACUUM / ANALYZE with their column lists (ANALYZE t (a, b)). */
%type opt_vacuum_rels {AstVacuum *}
opt_vacuum_rels(A) ::= .                           { A = ast_alloc(&ps->b, sizeof(AstVacuum)); }
opt_vacuum_rels(A) ::= vacuum_rels(L).             { A = L; }

%type vacuum_rels {AstVacuum *}
vacuum_rels(A) ::= qualified_name(N) opt_name_list(C). { A = parse_vacuum_rel(ps, NULL, N.names, C); }
vacuum_rels(A) ::= vacuum_rels(L) COMMA qualified_name(N) opt_name_list(C). { A = parse_vacuum_rel(ps, L, N.names, C); }

/* ===================================================================== COPY */

%type copy_stmt {AstStmt *}
copy_stmt(A) ::= COPY(K) qualified_name(T) opt_name_list(C) copy_from(F) copy_target(N) opt_with copy_options(O) where_clause(W). {
    AstCopy *copy = ast_alloc(&ps->b, sizeof(AstCopy)); copy->table = T.names; copy->columns = C; copy->is_from = F; copy->filename = N; copy->options = O; copy->where = W;
    A = parse_stmt(ps, AST_STMT_COPY, copy, K.position);
}
copy_stmt(A) ::= COPY(K) select_with_parens(S) TO copy_target(N) opt_with copy_options(O). {
    AstCopy *copy = ast_alloc(&ps->b, sizeof(AstCopy)); copy->query = S; copy->filename = N; copy->options = O;
    A = parse_stmt(ps, AST_STMT_COPY, copy, K.position);
}

%type copy_from {bool}
copy_from(A) ::= FROM.                             { A = true; }
copy_from(A) ::= TO.                               { A = false; }

%type copy_target {char *}
copy_target(A) ::= STDIN.                          { A = NULL; }
copy_target(A) ::= STDOUT.                         { A = NULL; }
copy_target(A) ::= STRING(T).                      { A = parse_name(ps, T); }

%type copy_options {AstList *}
copy_options(A) ::= .                              { A = NULL; }
copy_options(A) ::= LP option_list(L) RP.          { A = L; }
copy_options(A) ::= old_copy_options(L).           { A = L; }

/* copy: FORMAT binary (BINARY is a keyword that option_value's ID does not cover) */
option_value(A) ::= BINARY(T).                     { A = ast_string_new(&ps->b, "binary", T.position); }

%type old_copy_options {AstList *}
old_copy_options(A) ::= old_copy_option(O).        { A = ast_list_new(&ps->b, O); }
old_copy_options(A) ::= old_copy_options(L) old_copy_option(O). { A = ast_list_append(&ps->b, L, O); }

%type old_copy_option {AstOption *}
old_copy_option(A) ::= BINARY(T).                  { A = parse_option(ps, "format", ast_string_new(&ps->b, "binary", T.position)); }
old_copy_option(A) ::= FREEZE(T).                  { A = parse_option(ps, "freeze", parse_bool(ps, true, T.position)); }
old_copy_option(A) ::= DELIMITER opt_as STRING(S). { A = parse_option(ps, "delimiter", parse_const(ps, S)); }
old_copy_option(A) ::= NULL opt_as STRING(S).      { A = parse_option(ps, "null", parse_const(ps, S)); }
old_copy_option(A) ::= CSV(T).                     { A = parse_option(ps, "format", ast_string_new(&ps->b, "csv", T.position)); }
old_copy_option(A) ::= HEADER(T).                  { A = parse_option(ps, "header", parse_bool(ps, true, T.position)); }
old_copy_option(A) ::= QUOTE opt_as STRING(S).     { A = parse_option(ps, "quote", parse_const(ps, S)); }
old_copy_option(A) ::= ESCAPE opt_as STRING(S).    { A = parse_option(ps, "escape", parse_const(ps, S)); }
old_copy_option(A) ::= ENCODING STRING(S).         { A = parse_option(ps, "encoding", parse_const(ps, S)); }
old_copy_option(A) ::= FORCE QUOTE name_list(L).   { A = parse_option(ps, "force_quote", parse_row(ps, NULL, false, 0)); A->value->names = L; }
old_copy_option(A) ::= FORCE QUOTE STAR(T).        { A = parse_option(ps, "force_quote", ast_string_new(&ps->b, "*", T.position)); }
old_copy_option(A) ::= FORCE NOT NULL name_list(L). { A = parse_option(ps, "force_not_null", parse_row(ps, NULL, false, 0)); A->value->names = L; }

opt_as ::= .
opt_as ::= AS.

/* ===================================================================== PREPARE, EXECUTE, DEALLOCATE */

%type prepare_stmt {AstStmt *}
prepare_stmt(A) ::= PREPARE(K) col_id(N) opt_type_list(T) AS preparable_stmt(S). {
    AstPrepare *prepare = ast_alloc(&ps->b, sizeof(AstPrepare)); prepare->name = N; prepare->types = T; prepare->stmt = S;
    A = parse_stmt(ps, AST_STMT_PREPARE, prepare, K.position);
}
prepare_stmt(A) ::= EXECUTE(K) col_id(N) opt_execute_args(L). {
    AstExecute *execute = ast_alloc(&ps->b, sizeof(AstExecute)); execute->name = N; execute->args = L;
    A = parse_stmt(ps, AST_STMT_EXECUTE, execute, K.position);
}
prepare_stmt(A) ::= DEALLOCATE(K) opt_prepare col_id(N). {
    AstDrop *drop = ast_alloc(&ps->b, sizeof(AstDrop)); drop->names = ast_list_new(&ps->b, N);
    A = parse_stmt(ps, AST_STMT_DEALLOCATE, drop, K.position);
}
prepare_stmt(A) ::= DEALLOCATE(K) opt_prepare ALL. {
    AstDrop *drop = ast_alloc(&ps->b, sizeof(AstDrop));
    A = parse_stmt(ps, AST_STMT_DEALLOCATE, drop, K.position);
}

opt_prepare ::= .
opt_prepare ::= PREPARE.

%type opt_type_list {AstList *}
opt_type_list(A) ::= .                             { A = NULL; }
opt_type_list(A) ::= LP type_list(L) RP.           { A = L; }

%type type_list {AstList *}
type_list(A) ::= typename(T).                      { A = ast_list_new(&ps->b, T); }
type_list(A) ::= type_list(L) COMMA typename(T).   { A = ast_list_append(&ps->b, L, T); }

%type opt_execute_args {AstList *}
opt_execute_args(A) ::= .                          { A = NULL; }
opt_execute_args(A) ::= LP expr_list(L) RP.        { A = L; }

/* ===================================================================== roles */

%type role_stmt {AstStmt *}
role_stmt(A) ::= CREATE(K) ROLE col_id(N) opt_with role_options(O). {
    AstRole *role = ast_alloc(&ps->b, sizeof(AstRole)); role->name = N; role->options = O;
    A = parse_stmt(ps, AST_STMT_CREATE_ROLE, role, K.position);
}
role_stmt(A) ::= CREATE(K) USER col_id(N) opt_with role_options(O). {
    AstRole *role = ast_alloc(&ps->b, sizeof(AstRole)); role->name = N; role->options = O; role->is_user = true;
    A = parse_stmt(ps, AST_STMT_CREATE_ROLE, role, K.position);
}
role_stmt(A) ::= ALTER(K) role_or_user col_id(N) opt_with role_options(O). {
    AstRole *role = ast_alloc(&ps->b, sizeof(AstRole)); role->name = N; role->options = O;
    A = parse_stmt(ps, AST_STMT_ALTER_ROLE, role, K.position);
}
role_stmt(A) ::= ALTER(K) role_or_user col_id(N) RENAME TO col_id(M). {
    AstRole *role = ast_alloc(&ps->b, sizeof(AstRole)); role->name = N; role->new_name = M;
    A = parse_stmt(ps, AST_STMT_ALTER_ROLE, role, K.position);
}
role_stmt(A) ::= ALTER(K) role_or_user col_id(N) set_stmt(S). {
    AstRole *role = ast_alloc(&ps->b, sizeof(AstRole)); role->name = N; role->set = S->u.set;
    A = parse_stmt(ps, AST_STMT_ALTER_ROLE, role, K.position);
}

role_or_user ::= ROLE.
role_or_user ::= USER.

%type role_options {AstList *}
role_options(A) ::= .                              { A = NULL; }
role_options(A) ::= role_options(L) role_option(O). { A = ast_list_append(&ps->b, L, O); }

%type role_option {AstOption *}
role_option(A) ::= PASSWORD STRING(S).             { A = parse_option(ps, "password", parse_const(ps, S)); }
role_option(A) ::= PASSWORD NULL(T).               { A = parse_option(ps, "password", ast_expr_new(&ps->b, AST_EXPR_NULL, T.position)); }
role_option(A) ::= ENCRYPTED PASSWORD STRING(S).   { A = parse_option(ps, "password", parse_const(ps, S)); }
role_option(A) ::= CONNECTION LIMIT signed_number(N). { A = parse_option(ps, "connection_limit", N); }
role_option(A) ::= VALID UNTIL STRING(S).          { A = parse_option(ps, "valid_until", parse_const(ps, S)); }
role_option(A) ::= INHERIT(T).                     { A = parse_option(ps, "inherit", parse_bool(ps, true, T.position)); }
role_option(A) ::= ID(T).                          { A = parse_option(ps, parse_name(ps, T), NULL); }

/* ===================================================================== cursors, LOCK, DISCARD */

%type cursor_stmt {AstStmt *}
cursor_stmt(A) ::= DECLARE(K) col_id(N) cursor_options(O) CURSOR opt_hold(H) FOR select_stmt(S). {
    AstDeclareCursor *cursor = ast_alloc(&ps->b, sizeof(AstDeclareCursor));
    cursor->name = N; cursor->binary = O.binary; cursor->scroll = O.scroll; cursor->hold = H; cursor->query = S;
    A = parse_stmt(ps, AST_STMT_DECLARE_CURSOR, cursor, K.position);
}
cursor_stmt(A) ::= FETCH(K) fetch_args(F).         { A = parse_stmt(ps, AST_STMT_FETCH, F, K.position); }
cursor_stmt(A) ::= MOVE(K) fetch_args(F).          { F->move = true; A = parse_stmt(ps, AST_STMT_FETCH, F, K.position); }
cursor_stmt(A) ::= CLOSE(K) col_id(N).             { AstFetch *close = ast_alloc(&ps->b, sizeof(AstFetch)); close->name = N; A = parse_stmt(ps, AST_STMT_CLOSE, close, K.position); }
cursor_stmt(A) ::= CLOSE(K) ALL.                   { A = parse_stmt(ps, AST_STMT_CLOSE, ast_alloc(&ps->b, sizeof(AstFetch)), K.position); }
cursor_stmt(A) ::= DISCARD(K) discard_what(W).     { AstSet *discard = ast_alloc(&ps->b, sizeof(AstSet)); discard->name = ast_strdup(&ps->b, W, strlen(W)); A = parse_stmt(ps, AST_STMT_DISCARD, discard, K.position); }

/* LISTEN / UNLISTEN / NOTIFY (sessions): AstSet name = the channel (NULL: UNLISTEN *),
 * values = the payload string of NOTIFY, if any */
cursor_stmt(A) ::= LISTEN(K) col_id(N).            { A = parse_stmt(ps, AST_STMT_LISTEN, channel_new(ps, N, NULL), K.position); }
cursor_stmt(A) ::= UNLISTEN(K) col_id(N).          { A = parse_stmt(ps, AST_STMT_UNLISTEN, channel_new(ps, N, NULL), K.position); }
cursor_stmt(A) ::= UNLISTEN(K) STAR.               { A = parse_stmt(ps, AST_STMT_UNLISTEN, channel_new(ps, NULL, NULL), K.position); }
cursor_stmt(A) ::= NOTIFY(K) col_id(N).            { A = parse_stmt(ps, AST_STMT_NOTIFY, channel_new(ps, N, NULL), K.position); }
cursor_stmt(A) ::= NOTIFY(K) col_id(N) COMMA STRING(P). { A = parse_stmt(ps, AST_STMT_NOTIFY, channel_new(ps, N, parse_const(ps, P)), K.position); }

%include {
static AstSet *channel_new(ParseState *ps, char *name, AstExpr *payload)
{
    AstSet *channel = ast_alloc(&ps->b, sizeof(AstSet));
    channel->name = name;
    channel->values = payload != NULL ? ast_list_new(&ps->b, payload) : NULL;
    return channel;
}
}

%type discard_what {const char *}
discard_what(A) ::= ALL.                           { A = "all"; }
discard_what(A) ::= PLANS.                         { A = "plans"; }
discard_what(A) ::= SEQUENCES.                     { A = "sequences"; }
discard_what(A) ::= TEMP.                          { A = "temp"; }
discard_what(A) ::= TEMPORARY.                     { A = "temp"; }

%include {
typedef struct CursorOptions { bool binary; int scroll; } CursorOptions;
static AstFetch *fetch_new(ParseState *ps, AstFetchDirection direction, int64_t count, bool all, char *name)
{
    AstFetch *fetch = ast_alloc(&ps->b, sizeof(AstFetch));
    fetch->direction = direction;
    fetch->count = count;
    fetch->all = all;
    fetch->name = name;
    return fetch;
}
}
%type cursor_options {CursorOptions}
cursor_options(A) ::= .                            { A.binary = false; A.scroll = 0; }
cursor_options(A) ::= cursor_options(L) BINARY.    { A = L; A.binary = true; }
cursor_options(A) ::= cursor_options(L) SCROLL.    { A = L; A.scroll = 1; }
cursor_options(A) ::= cursor_options(L) NO SCROLL. { A = L; A.scroll = -1; }
cursor_options(A) ::= cursor_options(L) INSENSITIVE. { A = L; }

%type opt_hold {bool}
opt_hold(A) ::= .                                  { A = false; }
opt_hold(A) ::= WITH HOLD.                         { A = true; }
opt_hold(A) ::= WITHOUT HOLD.                      { A = false; }

%type fetch_args {AstFetch *}
fetch_args(A) ::= col_id(N).                                   { A = fetch_new(ps, AST_FETCH_FORWARD, 1, false, N); }
fetch_args(A) ::= from_in col_id(N).                           { A = fetch_new(ps, AST_FETCH_FORWARD, 1, false, N); }
fetch_args(A) ::= NEXT opt_from_in col_id(N).                  { A = fetch_new(ps, AST_FETCH_FORWARD, 1, false, N); }
fetch_args(A) ::= PRIOR opt_from_in col_id(N).                 { A = fetch_new(ps, AST_FETCH_BACKWARD, 1, false, N); }
fetch_args(A) ::= FIRST opt_from_in col_id(N).                 { A = fetch_new(ps, AST_FETCH_ABSOLUTE, 1, false, N); }
fetch_args(A) ::= LAST opt_from_in col_id(N).                  { A = fetch_new(ps, AST_FETCH_ABSOLUTE, -1, false, N); }
fetch_args(A) ::= ABSOLUTE signed_iconst(C) opt_from_in col_id(N). { A = fetch_new(ps, AST_FETCH_ABSOLUTE, C, false, N); }
fetch_args(A) ::= RELATIVE signed_iconst(C) opt_from_in col_id(N). { A = fetch_new(ps, AST_FETCH_RELATIVE, C, false, N); }
fetch_args(A) ::= signed_iconst(C) opt_from_in col_id(N).      { A = fetch_new(ps, AST_FETCH_FORWARD, C, false, N); }
fetch_args(A) ::= ALL opt_from_in col_id(N).                   { A = fetch_new(ps, AST_FETCH_FORWARD, 0, true, N); }
fetch_args(A) ::= FORWARD opt_from_in col_id(N).               { A = fetch_new(ps, AST_FETCH_FORWARD, 1, false, N); }
fetch_args(A) ::= FORWARD signed_iconst(C) opt_from_in col_id(N). { A = fetch_new(ps, AST_FETCH_FORWARD, C, false, N); }
fetch_args(A) ::= FORWARD ALL opt_from_in col_id(N).           { A = fetch_new(ps, AST_FETCH_FORWARD, 0, true, N); }
fetch_args(A) ::= BACKWARD opt_from_in col_id(N).              { A = fetch_new(ps, AST_FETCH_BACKWARD, 1, false, N); }
fetch_args(A) ::= BACKWARD signed_iconst(C) opt_from_in col_id(N). { A = fetch_new(ps, AST_FETCH_BACKWARD, C, false, N); }
fetch_args(A) ::= BACKWARD ALL opt_from_in col_id(N).          { A = fetch_new(ps, AST_FETCH_BACKWARD, 0, true, N); }

from_in ::= FROM.
from_in ::= IN.
opt_from_in ::= .
opt_from_in ::= from_in.

%type signed_iconst {int64_t}
signed_iconst(A) ::= INTEGER(T).                   { A = parse_int64(ps, T, false); }
signed_iconst(A) ::= PLUS INTEGER(T).              { A = parse_int64(ps, T, false); }
signed_iconst(A) ::= MINUS INTEGER(T).             { A = parse_int64(ps, T, true); }

%type lock_stmt {AstStmt *}
lock_stmt(A) ::= LOCK(K) opt_table relation_list(L) opt_lock_mode(M) opt_nowait(W). {
    AstLock *lock = ast_alloc(&ps->b, sizeof(AstLock)); lock->tables = L; lock->mode = ast_strdup(&ps->b, M, strlen(M)); lock->nowait = W;
    A = parse_stmt(ps, AST_STMT_LOCK, lock, K.position);
}

%type opt_lock_mode {const char *}
opt_lock_mode(A) ::= .                             { A = "access exclusive"; }
opt_lock_mode(A) ::= IN lock_mode(M) MODE.         { A = M; }

%type lock_mode {const char *}
lock_mode(A) ::= ACCESS SHARE.                     { A = "access share"; }
lock_mode(A) ::= ROW SHARE.                        { A = "row share"; }
lock_mode(A) ::= ROW EXCLUSIVE.                    { A = "row exclusive"; }
lock_mode(A) ::= SHARE UPDATE EXCLUSIVE.           { A = "share update exclusive"; }
lock_mode(A) ::= SHARE.                            { A = "share"; }
lock_mode(A) ::= SHARE ROW EXCLUSIVE.              { A = "share row exclusive"; }
lock_mode(A) ::= EXCLUSIVE.                        { A = "exclusive"; }
lock_mode(A) ::= ACCESS EXCLUSIVE.                 { A = "access exclusive"; }

%type opt_nowait {bool}
opt_nowait(A) ::= .                                { A = false; }
opt_nowait(A) ::= NOWAIT.                          { A = true; }

/* ===================================================================== COMMENT ON */

%type comment_stmt {AstStmt *}
comment_stmt(A) ::= COMMENT(K) ON comment_object(O) qualified_name(N) IS comment_text(T). {
    AstComment *comment = ast_alloc(&ps->b, sizeof(AstComment)); comment->object = O; comment->name = N.names; comment->text = T;
    A = parse_stmt(ps, AST_STMT_COMMENT, comment, K.position);
}

%type comment_object {AstCommentObject}
comment_object(A) ::= TABLE.                       { A = AST_COMMENT_TABLE; }
comment_object(A) ::= COLUMN.                      { A = AST_COMMENT_COLUMN; }
comment_object(A) ::= INDEX.                       { A = AST_COMMENT_INDEX; }
comment_object(A) ::= VIEW.                        { A = AST_COMMENT_VIEW; }
comment_object(A) ::= SCHEMA.                      { A = AST_COMMENT_SCHEMA; }
comment_object(A) ::= SEQUENCE.                    { A = AST_COMMENT_SEQUENCE; }

%type comment_text {char *}
comment_text(A) ::= STRING(T).                     { A = parse_name(ps, T); }
comment_text(A) ::= NULL.                          { A = NULL; }
