/* planner/planner.h: from a parsed statement to a PlannedStmt (plan.h), and EXPLAIN.
 *
 * plan_statement binds names against the catalog through the caller's transaction (so a
 * transaction sees its own DDL), resolves operators, functions, casts and aggregates through
 * the executor's PlanResolver, infers parameter types, rewrites (constant folding where both
 * sides are constants of a cast-free comparison, predicate push-down into scans and join
 * inputs, IN/EXISTS subqueries without correlation into semi joins), chooses access paths
 * (an index whose leading columns have equality or range predicates, or that gives ORDER BY)
 * and join order (greedy: the smallest estimated input first, hash joins on equality
 * predicates, nested loops otherwise), and builds the physical plan.
 *
 * Statements it plans: SELECT (and VALUES, set operations, WITH), INSERT, UPDATE, DELETE.
 * Everything else (DDL, transaction control, SET/SHOW, COPY, EXPLAIN's wrapper) is executed by
 * the executor's session from the AST, with plan_default_expr / plan_check_expr for the
 * expressions DDL carries.
 *
 * Errors are PostgreSQL's, with the statement position (1-based) of the offending token:
 * UNDEFINED_TABLE (42P01) `relation "t" does not exist`, UNDEFINED_COLUMN (42703) `column "x"
 * does not exist` / `column t.x does not exist`, AMBIGUOUS_COLUMN (42702) `column reference "x"
 * is ambiguous`, GROUPING_ERROR (42803) `column "t.x" must appear in the GROUP BY clause or be
 * used in an aggregate function`, `aggregate functions are not allowed in WHERE`,
 * UNDEFINED_FUNCTION (42883), DATATYPE_MISMATCH (42804) `argument of WHERE must be type boolean,
 * not type integer`, SYNTAX_ERROR (42601) for `each UNION query must have the same number of
 * columns`, INVALID_COLUMN_REFERENCE (42P10) `ORDER BY position 3 is not in select list`,
 * DUPLICATE_ALIAS (42712) `table name "t" specified more than once`, FEATURE_NOT_SUPPORTED
 * (0A000) for what is not built yet. */
#ifndef BIRCH_PLANNER_PLANNER_H
#define BIRCH_PLANNER_PLANNER_H

#include "common/arena.h"
#include "common/error.h"
#include "parser/ast.h"
#include "planner/catalog.h"
#include "planner/plan.h"
#include "txn/txn.h"

typedef struct PlanCtx {
    Arena              *arena;          /* the statement's arena: the plan lives here */
    Catalog            *catalog;
    Txn                *txn;            /* lookups see this snapshot */
    const char *const  *search_path;    /* schema names, in order */
    size_t              search_path_count;
    const PlanResolver *resolver;
    const char         *sql;            /* the statement text (views, positions) */
    uint32_t            param_count;    /* declared parameters (birch_prepare_typed) */
    const Type         *param_types;    /* TYPE_INVALID entries: infer */
} PlanCtx;

/* plan_statement: plan a SELECT / INSERT / UPDATE / DELETE statement (stmt->kind).
 * Post: *planned_out in ctx->arena; its param_types cover every $n used (max n) and the
 *       declared ones; catalog_generation recorded before the first lookup.
 * Errors: see the file comment; FEATURE_NOT_SUPPORTED for other statement kinds. */
Error *plan_statement(PlanCtx *ctx, const AstStmt *stmt, PlannedStmt **planned_out);

/* PlanRename: what an ALTER renames, for plan_view_rename: relation rel_oid renamed to new_name
 * (attnum 0), or its column attnum (> 0) renamed from old_name to new_name. */
typedef struct PlanRename {
    uint32_t    rel_oid;
    int16_t     attnum;
    const char *old_name;          /* the column's name before (attnum > 0) */
    const char *new_name;
} PlanRename;

/* plan_view_rename: view's query text rewritten for rename (bind_rename.c), bound under the
 * names ctx's snapshot sees now, i.e. before the rename; *sql_out is view->view_sql itself
 * when nothing in it names the renamed object, or when rename is NULL (then this only checks
 * that the view still binds). Errors: the binder's (prefixed `view "v" no longer binds`);
 * FEATURE_NOT_SUPPORTED when a reference cannot be rewritten (a USING/NATURAL join column). */
Error *plan_view_rename(PlanCtx *ctx, const CatTable *view, const PlanRename *rename,
                        const char **sql_out);

/* plan_table_expr: bind expr over the columns of table (column_idx = attnum - 1), coerced to
 * target (assignment cast; TYPE_INVALID: keep its type). For DEFAULT expressions (table NULL:
 * no columns), CHECK constraints (target bool) and ALTER TABLE ... USING.
 * Errors: as plan_statement; DATATYPE_MISMATCH when no assignment cast exists. */
Error *plan_table_expr(PlanCtx *ctx, const CatTable *table, const AstExpr *expr, Type target,
                       Expr **expr_out);

/* plan_type_from_ast: the Type of a type name (int -> int4, varchar(10) -> varchar typmod 14,
 * numeric(10,2), timestamp(3) ...). Errors: UNDEFINED_OBJECT (42704) `type "foo" does not
 * exist`; INVALID_PARAMETER_VALUE for a bad typmod (`NUMERIC precision 0 must be between 1 and
 * 1000`). */
Error *plan_type_from_ast(const AstTypeName *type_name, Type *type_out);

/* plan_explain: EXPLAIN's text, one line per node in PostgreSQL's style ("Hash Join
 * (cost=... rows=...)", "  ->  Seq Scan on t", "        Filter: (a < 10)"). stats (NULL for
 * plain EXPLAIN) gives per node, in pre-order (node, then left subtree, then right, then
 * subplans), actual rows, loops and milliseconds for EXPLAIN ANALYZE.
 * Post: *lines_out (count *line_count_out) in arena. */
typedef struct PlanNodeStats {
    double rows;
    double loops;
    double total_ms;
} PlanNodeStats;
Error *plan_explain(Arena *arena, const PlannedStmt *planned, const PlanNodeStats *stats,
                    size_t stats_count, bool verbose, bool costs, const char ***lines_out,
                    size_t *line_count_out);
/* plan_node_count: nodes in the pre-order plan_explain uses (the size of its stats array). */
size_t plan_node_count(const PlannedStmt *planned);

#endif
