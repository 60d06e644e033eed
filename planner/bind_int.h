/* planner/bind_int.h: the binder's internal interface between the expression binder
 * (bind_expr.c) and the query binder / plan builder (bind_query.c, plan_*.c).
 *
 * A BindScope is one query level while it is being bound: the columns of its current input row
 * (the FROM clause's joined row: every range table's columns in order) and how names map onto
 * them. Expressions of the select list, HAVING and ORDER BY of a grouped query are bound
 * through the scope's BindAgg: a GROUP BY expression or an aggregate call becomes an
 * EXPR_COLUMN of the aggregate node's output row (group columns, then aggregate results), and
 * a bare column that is neither is GROUPING_ERROR. Window calls are collected in BindWindow the
 * same way and become columns after the aggregate output (or after the FROM row when there is
 * no aggregation).
 *
 * Correlation: a name not found in scope is looked up in scope->parent (and up); when found at
 * an outer level, the binder appends the outer expression to scope->outer_args (deduplicated;
 * the outer expression itself is bound in the parent's scope, so it may again be an outer
 * reference of the grandparent) and returns EXPR_OUTER(outer_idx). The query binder that built
 * the subquery's plan then makes an EXPR_SUBPLAN with args = scope->outer_args.
 */
#ifndef BIRCH_PLANNER_BIND_INT_H
#define BIRCH_PLANNER_BIND_INT_H

#include "planner/planner.h"

typedef struct BindCtx {
    PlanCtx  *plan;              /* arena, catalog, txn, search path, resolver, sql */
    uint32_t  param_capacity;
    uint32_t  param_count;       /* highest $n seen */
    Type     *param_types;       /* TYPE_INVALID until declared or inferred */
    /* CTEs visible at the current point (innermost last); bind_query.c owns them */
    void     *cte_env;
    /* relations used (for PlannedStmt.table_oids) */
    uint32_t  table_count, table_capacity;
    uint32_t *table_oids;
    bool     *table_written;
    uint32_t  cte_count, cte_capacity;
    Plan    **ctes;
    /* dependencies for PlannedStmt.deps: recorded only while view_depth is 0 (a view's own
     * query, bound where the view is named, is its business, not this statement's) */
    uint32_t   dep_count, dep_capacity;
    CatDepend *deps;
    uint32_t   view_depth;
    /* plan_view_rename (bind_rename.c): what is renamed, the edits of the view's text so far,
     * why it cannot be rewritten (NULL: it can), the select-list item being bound when it is a
     * bare column reference without an alias */
    const PlanRename      *rename;
    struct BindRenameEdit *rename_edits;
    uint32_t               rename_edit_count, rename_edit_capacity;
    const char            *rename_refusal;
    const AstExpr         *rename_bare_target;
} BindCtx;

/* One column of a scope's input row. */
typedef struct BindColumn {
    const char *name;            /* column name (NULL: not addressable by name) */
    const char *range_name;      /* the range table's name or alias (t in t.a), NULL if none */
    Type        type;
    uint32_t    table_oid;       /* a plain table column: for PlanColumn; else 0 */
    int16_t     attnum;
    bool        hidden;          /* not expanded by * (system columns, USING duplicates) */
    bool        ambiguous_ok;    /* a USING/NATURAL merged column: the unqualified name
                                  * resolves here even though the two sides share it */
} BindColumn;

typedef struct BindAgg {
    struct BindScope *input;     /* where aggregate arguments and GROUP BY expressions bind */
    uint32_t   group_count;
    Expr     **group_exprs;      /* bound in input */
    const char **group_keys;     /* ast_print_expr of each GROUP BY expression: an expression
                                  * of the select list that prints the same is that group */
    uint32_t   agg_count, agg_capacity;
    AggCall   *aggs;
    const char **agg_keys;       /* ast_print_expr of each aggregate call: duplicates share */
    bool       allowed;          /* false in WHERE, GROUP BY, JOIN ON: an aggregate call there is
                                  * GROUPING_ERROR `aggregate functions are not allowed in WHERE`
                                  * (clause name in `clause`) */
    const char *clause;
} BindAgg;

typedef struct BindWindow {
    uint32_t    base;            /* column index of the first window result in the row the
                                  * select list is bound over */
    uint32_t    count, capacity;
    WindowCall *calls;
    const AstList *named;        /* the query's WINDOW clause (AstWindow * with names) */
} BindWindow;

/* BindSrf: the set-returning calls of a select list (bind_expr_srf.c). calls[k] is an EXPR_CALL
 * named "unnest" or "generate_series" without a kernel, its args bound in the scope; the select
 * list reads it as EXPR_COLUMN SRF_BASE_SENTINEL + k until the ProjectSet is built. */
enum {
    SRF_BASE_SENTINEL = 0x20000000u,   /* below bind_query.c's window sentinel (0x40000000) */
    SRF_COUNT_MAX = 64,
};
typedef struct BindSrf {
    uint32_t count, capacity;
    Expr   **calls;
} BindSrf;

typedef struct BindScope {
    struct BindScope *parent;    /* enclosing query level, NULL at the top */
    uint32_t    column_count;
    BindColumn *columns;         /* the FROM row */
    BindAgg    *agg;             /* non-NULL: grouped query (or aggregates present) */
    BindWindow *window;          /* non-NULL: window calls allowed */
    BindSrf    *srf;             /* non-NULL: set-returning calls allowed (select list) */
    /* correlation: outer values this level reads (bound in parent's terms) */
    uint32_t    outer_count, outer_capacity;
    Expr      **outer_args;
    /* the select list's output names (ORDER BY / GROUP BY may name an output column or an
     * ordinal); NULL while binding FROM/WHERE */
    uint32_t    target_count;
    const char **target_names;
    Expr      **target_exprs;    /* bound select-list expressions */
    /* set while binding set clauses of INSERT ... ON CONFLICT: EXCLUDED columns */
    bool        in_subquery_test;
} BindScope;

/* ---- bind_expr.c ---- */

/* bind_expr: bind ast in scope. Handles every AstExprKind: constants (integers to int4 or
 * int8 or numeric as PostgreSQL types them; strings as UNKNOWN until coerced, then text),
 * $n (records the parameter, type inferred from context: the other operand of an operator,
 * the target of an assignment, else text), columns (scope, then outer scopes), * only via
 * bind_star, operators via the resolver (with UNKNOWN literals coerced to the other side's
 * type), AND/OR/NOT, IS [NOT] NULL/TRUE/FALSE/UNKNOWN, IS [NOT] DISTINCT FROM, BETWEEN
 * [SYMMETRIC] (desugared: a >= lo AND a <= hi), IN lists (desugared: a = x OR a = y ...),
 * LIKE/ILIKE (operators ~~ ~~* and negations; ESCAPE via like_escape), CASE (both forms),
 * CAST and ::, COALESCE, NULLIF (CASE WHEN a = b THEN NULL ELSE a), GREATEST/LEAST (pairwise),
 * function calls (scalar functions via the resolver; aggregates through scope->agg; window
 * calls through scope->window; nextval/currval/setval; special functions), sublinks (via
 * bind_subquery_plan), unary minus on constants folded into the constant.
 * Errors: see planner.h. */
Error *bind_expr(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out);
/* bind_bool_expr: bind_expr, then require bool (UNKNOWN literal: coerced; else
 * DATATYPE_MISMATCH `argument of WHERE must be type boolean, not type integer` with clause). */
Error *bind_bool_expr(BindCtx *ctx, BindScope *scope, const AstExpr *ast, const char *clause,
                      Expr **expr_out);
/* bind_coerce: cast expr to target: explicit (CAST, ::) or assignment/implicit. UNKNOWN
 * constants become constants of target (their text re-typed, checked at execution); params of
 * unknown type take target. Errors: CANNOT_COERCE (42846) `cannot cast type x to y`;
 * DATATYPE_MISMATCH (42804) `column "a" is of type integer but expression is of type text`
 * for assignments (column_name given). */
Error *bind_coerce(BindCtx *ctx, Expr *expr, Type target, bool explicit_cast,
                   const char *column_name, Expr **expr_out);
/* bind_common_type: the type PostgreSQL's select_common_type gives a CASE / COALESCE / UNION /
 * VALUES column (UNKNOWN-only: text). Errors: DATATYPE_MISMATCH `UNION types integer and text
 * cannot be matched` (context names the construct: "UNION", "CASE", "COALESCE", "VALUES"). */
Error *bind_common_type(BindCtx *ctx, Expr *const *exprs, uint32_t count, const char *context,
                        Type *type_out);
/* bind_const_text / bind_const_int: make constants. */
Expr  *bind_const_text(BindCtx *ctx, Type type, const char *text, size_t size, int position);
Expr  *bind_const_null(BindCtx *ctx, Type type);
Expr  *bind_column_ref(BindCtx *ctx, uint32_t column_idx, Type type);
/* bind_func_call: resolve name(args) through the resolver with casts inserted. */
Error *bind_func_call(BindCtx *ctx, const char *name, Expr **args, uint32_t arg_count,
                      int position, Expr **expr_out);
/* bind_is_aggregate: name is an aggregate function (count sum avg min max bool_and bool_or
 * every string_agg array_agg stddev variance ...). */
bool   bind_is_aggregate(const char *name);

/* ---- bind_expr_srf.c ---- */

/* bind_is_srf_call: ast calls unnest(x) or generate_series(a, b [, c]) (plain call syntax). */
bool   bind_is_srf_call(const AstExpr *ast);
/* bind_srf_ast: bind such a call: with scope->srf, record it and return its sentinel column;
 * without, FEATURE_NOT_SUPPORTED where aggregates are forbidden (WHERE ...), else the ordinary
 * function binder. Errors: UNDEFINED_FUNCTION (unnest of a non-array), FEATURE_NOT_SUPPORTED
 * (nested calls, generate_series over other types than integers). */
Error *bind_srf_ast(BindCtx *ctx, BindScope *scope, const AstExpr *ast, Expr **expr_out);

/* ---- bind_query.c ---- */

/* bind_subquery_plan: plan a subquery (sublink or FROM) at a level whose parent is scope
 * (NULL for FROM-subqueries that are not LATERAL: they cannot see the current level; pass
 * scope->parent). Post: *plan_out; *sub_scope_out's outer_args are the outer values the
 * plan reads as EXPR_OUTER (empty: uncorrelated); column names in (*plan_out)->names. */
Error *bind_subquery_plan(BindCtx *ctx, BindScope *parent, const AstSelect *select,
                          Plan **plan_out, BindScope **sub_scope_out);
/* bind_star: the expressions of `*` / `t.*` in scope (select list expansion). */
Error *bind_star(BindCtx *ctx, BindScope *scope, const AstExpr *star, Expr ***exprs_out,
                 const char ***names_out, uint32_t *count_out);
/* bind_note_table: record a relation used (read or written) for PlannedStmt.table_oids. */
void   bind_note_table(BindCtx *ctx, uint32_t table_oid, bool written);
/* bind_note_column: record that the statement reads column (a table column: table_oid set,
 * attnum > 0; anything else is ignored) for PlannedStmt.deps. Best effort on OOM. */
void   bind_note_column(BindCtx *ctx, const BindColumn *column);

/* ---- bind_rename.c (plan_view_rename; each does nothing unless a rename is being bound) ---- */
typedef struct BindRenameEdit BindRenameEdit;
/* a FROM item that resolved to table */
void   bind_rename_note_relation(BindCtx *ctx, const AstFrom *item, const CatTable *table);
/* a column reference ast that resolved to column */
void   bind_rename_note_column(BindCtx *ctx, const AstExpr *ast, const BindColumn *column);
/* a * or t.* that expanded to scope's columns cols[0..count) */
void   bind_rename_note_star(BindCtx *ctx, const AstExpr *star, const BindScope *scope,
                             const uint32_t *cols, uint32_t count);
/* a USING / NATURAL join merged column */
void   bind_rename_refuse_using(BindCtx *ctx, const BindColumn *column);

/* ---- helpers shared by both ---- */
void  *bind_alloc(BindCtx *ctx, size_t size);      /* zeroed; OOM checked by bind_oom */
char  *bind_strdup(BindCtx *ctx, const char *text);

#endif
