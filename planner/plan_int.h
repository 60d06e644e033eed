/* planner/plan_int.h: internals shared by the query binder (bind_query*.c) and the plan
 * builder (plan_build.c, plan_explain.c). Not for other modules.
 *
 * The FROM clause of one query core is bound into a "canonical row": every base relation's
 * columns in the order the relations appear (a table: all its attnums, dropped ones hidden and
 * unnamed), followed by computed columns of FULL JOIN ... USING (the merged COALESCE). Every
 * expression of the core (WHERE, ON, select list, GROUP BY, ...) is bound over that row. The
 * plan builder then orders the joins freely: each built sub-plan carries `cols`, the canonical
 * index of each of its output columns, and expressions are remapped (copied with new
 * column_idx) onto that layout.
 *
 * Invariants:
 * 1. A FromNode leaf owns the canonical columns [col_start, col_start + col_count).
 * 2. A join node's computed columns [extra_start, extra_start + extra_count) are produced by a
 *    PLAN_PROJECT right above the join (child columns ++ extra_exprs).
 * 3. Built.cols has plan->column_count entries; each canonical index appears at most once.
 */
#ifndef BIRCH_PLANNER_PLAN_INT_H
#define BIRCH_PLANNER_PLAN_INT_H

#include <string.h>

#include "planner/bind_int.h"

enum {
    PLAN_REL_MAX = 64,             /* base relations in one FROM clause (bits of a uint64_t) */
    PLAN_NO_COLUMN = UINT32_MAX,   /* a canonical column absent from a layout */
};

typedef uint64_t RelSet;

/* copy_items: memcpy that accepts (NULL, 0), as empty arrays are NULL here. */
static inline void copy_items(void *dst, const void *src, size_t size)
{
    if (size > 0) memcpy(dst, src, size);
}

/* One FROM item (leaf) or join. */
typedef struct FromNode {
    bool            is_join;
    /* leaf */
    const CatTable *table;          /* base table (scan built by the plan builder), else NULL */
    Plan           *plan;           /* non-table leaf: its plan (subquery, VALUES, CTE, view) */
    bool            dml_target;     /* UPDATE/DELETE target: row key and xid follow the columns */
    uint32_t        col_start, col_count;
    int             rel_idx;
    const char     *range_name;
    /* join */
    JoinType        join_type;      /* INNER (also CROSS and comma), LEFT, RIGHT, FULL */
    struct FromNode *left, *right;
    Expr           *on;             /* over the canonical row, NULL if none */
    uint32_t        extra_start, extra_count;
    Expr          **extra_exprs;    /* over the canonical row */
    /* both */
    RelSet          rels;
    uint32_t        star_count;     /* `*` expansion order (canonical indices) */
    uint32_t       *star_cols;
} FromNode;

/* The FROM clause of one core. */
typedef struct FromClause {
    BindScope *scope;              /* whose columns are the canonical row */
    uint32_t   item_count;
    FromNode **items;              /* comma-separated top-level items */
    uint32_t   rel_count;
    FromNode  *rels[PLAN_REL_MAX];
    uint32_t   column_count;       /* canonical row width */
    uint32_t   column_capacity;
    RelSet    *column_rels;        /* per canonical column: the relations it depends on */
} FromClause;

/* A built sub-plan with its layout. */
typedef struct Built {
    Plan     *plan;
    uint32_t *cols;                /* canonical index per output column */
    RelSet    rels;
} Built;

/* Per-scope data bind_star needs (star order), kept in the query environment. */
typedef struct ScopeInfo {
    const BindScope  *scope;
    uint32_t          star_count;
    uint32_t         *star_cols;
    bool             *system;      /* per column: never in any star (dropped, row key, xid) */
    struct ScopeInfo *next;
} ScopeInfo;

typedef struct CteDef {
    const char    *name;
    const AstCte  *ast;
    bool           recursive_ref;  /* currently planning its recursive term: WORK_SCAN */
    bool           planned;
    bool           no_returning;   /* a data-modifying CTE without RETURNING: not readable */
    uint32_t       cte_idx;
    uint32_t       column_count;
    Type          *types;
    const char   **names;
    struct CteDef *next;           /* outer (earlier) definitions */
} CteDef;

typedef struct QueryEnv {
    CteDef    *ctes;               /* innermost first */
    ScopeInfo *scopes;
    bool       for_update;         /* a SELECT ... FOR UPDATE/SHARE was planned */
    const AstWith *top_with;       /* the statement's own WITH: the only place a data-modifying
                                    * CTE may appear */
    bool       cte_modifying;      /* a data-modifying CTE was planned */
} QueryEnv;

/* ---- bind_query.c ---- */
Error *oom_error(void);
QueryEnv *query_env(BindCtx *ctx);
BindScope *scope_new(BindCtx *ctx, BindScope *parent, BindScope *holder);
void  scope_sync_out(BindScope *scope, BindScope *holder);
Error *plan_query(BindCtx *ctx, BindScope *holder, BindScope *parent, const AstSelect *select,
                  bool resolve_unknowns, Plan **plan_out);
Error *plan_cte_reference(BindCtx *ctx, const char *name, Plan **plan_out,
                          const char *const **names_out);
Error *bind_ctx_init(PlanCtx *plan_ctx, BindCtx **ctx_out);
Error *plan_with(BindCtx *ctx, const AstWith *with);
Error *plan_const_exprs(BindCtx *ctx, BindScope *holder, const AstExpr *expr, const char *clause,
                        Expr **expr_out);
void   register_scope_info(BindCtx *ctx, const BindScope *scope, FromClause *from);
const char *figure_colname(const AstExpr *expr);

/* ---- bind_query_dml.c ---- */
Error *plan_insert(BindCtx *ctx, const AstInsert *insert, PlannedStmt *planned);
Error *plan_update(BindCtx *ctx, const AstUpdate *update, PlannedStmt *planned);
Error *plan_delete(BindCtx *ctx, const AstDelete *delete_, PlannedStmt *planned);

/* ---- bind_query_from.c ---- */
Error *bind_from(BindCtx *ctx, BindScope *scope, BindScope *holder, const AstList *from,
                 FromClause *clause);
/* from_add_table: append a table leaf (UPDATE/DELETE target: dml_target). */
Error *from_add_table(BindCtx *ctx, BindScope *scope, FromClause *clause, const CatTable *table,
                      const char *range_name, const AstAlias *alias, bool dml_target,
                      FromNode **node_out);
Error *lookup_relation(BindCtx *ctx, const AstList *names, int position,
                       const CatTable **table_out);

/* ---- plan_build.c ---- */
Plan  *plan_node(BindCtx *ctx, PlanKind kind, Plan *left, uint32_t column_count);
void   plan_copy_columns(BindCtx *ctx, Plan *plan, const Plan *from);
Expr  *expr_remap(BindCtx *ctx, const Expr *expr, const uint32_t *map);
bool   expr_equal(const Expr *a, const Expr *b);
RelSet expr_rels(const FromClause *clause, const Expr *expr);
void   expr_mark_columns(const Expr *expr, bool *used, uint32_t used_count);
bool   expr_is_volatile(const Expr *expr);
void   split_conjuncts(BindCtx *ctx, Expr *expr, Expr ***list, uint32_t *count, uint32_t *cap);
Expr  *make_and(BindCtx *ctx, Expr **conds, uint32_t count);
/* build_from: plan the FROM clause with the WHERE conjuncts (over the canonical row): join
 * order, push-down, index choice. used: canonical columns the rest of the query reads.
 * *built_out's layout covers at least the used columns. */
Error *build_from(BindCtx *ctx, FromClause *clause, Expr **conds, uint32_t cond_count,
                  const bool *used, Built *built_out);
/* built_canonical: a plan producing exactly the canonical row (absent columns NULL). */
Plan  *built_canonical(BindCtx *ctx, const FromClause *clause, const BindScope *scope,
                       const Built *built);
uint32_t *built_map(BindCtx *ctx, const Built *built, uint32_t canonical_count);
Plan  *make_project(BindCtx *ctx, Plan *child, Expr **exprs, const char **names, uint32_t count);
Plan  *make_filter(BindCtx *ctx, Plan *child, Expr *filter);
double plan_selectivity(const Expr *cond);

/* ---- stats.c: selectivities from ANALYZE statistics (rules in its file comment) ---- */
/* StatColumn: the statistics of the table column an expression column reads. */
typedef struct StatColumn {
    const CatColumnStats *stats;   /* NULL: none */
    double                rows;    /* the table's analyzed row count */
} StatColumn;
/* StatEnv: how the estimator finds a column's statistics: column(ctx, column_idx, out) fills
 * *out and returns true when column column_idx of the expressions' row has some. */
typedef struct StatEnv {
    bool (*column)(void *ctx, uint32_t column_idx, StatColumn *out);
    void *ctx;
} StatEnv;
/* stat_selectivity: the fraction of rows cond keeps (env NULL: the fixed selectivities). */
double stat_selectivity(const StatEnv *env, const Expr *cond);
/* stat_conjunction: the fraction kept by all of conds (range pairs on a column combined). */
double stat_conjunction(const StatEnv *env, const Expr *const *conds, uint32_t count);
/* stat_distinct: the absolute distinct count of column (>= 1). */
double stat_distinct(const StatColumn *column);
/* stat_join_selectivity: of an equality join of two columns with statistics, whose inputs have
 * left_rows and right_rows estimated rows. */
double stat_join_selectivity(const StatColumn *left, double left_rows, const StatColumn *right,
                             double right_rows);
/* stat_column: expr's column statistics when expr is a (relabelled) column that has some. */
bool   stat_column(const StatEnv *env, const Expr *expr, StatColumn *out);

#endif
