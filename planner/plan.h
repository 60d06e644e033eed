/* planner/plan.h: bound expressions and physical plans: what the planner hands the executor.
 *
 * Everything here lives in the statement's arena and is immutable once planned: a prepared
 * statement and all its clones (portals) share one PlannedStmt, each with its own execution
 * state in the executor.
 *
 * Rows and columns: every plan node produces rows of `column_count` columns of `types`. An
 * expression evaluated by a node refers to its INPUT row: for a one-child node (filter,
 * project, aggregate, sort, window, limit, DML) the child's output columns 0..n-1; for a join
 * the left child's columns followed by the right child's (the join's condition sees both);
 * for a scan the columns the scan produces (its `scan_attnums` in order).
 *
 * Kernels: the planner may not call the executor (DESIGN.md), so functions, operators, casts
 * and aggregates are resolved through a PlanResolver the executor supplies (kern_lookup,
 * kern_cast_lookup, kern_agg_find); the resolved entry points are stored as opaque pointers
 * (`kern`, `filter_kern`, `agg`) that only the executor dereferences.
 *
 * Constants are stored in PostgreSQL's text input form with their type (the executor turns them
 * into constant vectors once, at executor start, with the type's input kernel): `42`::int4,
 * `abc`::text, `1.50`::numeric(3,2), `2024-01-01`::date. A NULL constant has is_null.
 *
 * Correlated subqueries: an EXPR_SUBPLAN carries the subquery's own plan and `args`,
 * expressions over the current input row whose values the subplan reads as EXPR_OUTER
 * (outer_idx = position in args). A reference two levels up is passed through: the middle
 * subplan's args include an EXPR_OUTER of its own. Subplans without args are uncorrelated and
 * run once per execution.
 *
 * Invariants:
 * 1. Every Expr has its result `type` set; EXPR_COLUMN's column_idx < the input column count.
 * 2. Arguments of an EXPR_CALL already have the types its kernel expects (the binder inserted
 *    EXPR_CAST nodes).
 * 3. A boolean-valued expression used as a filter has type bool.
 * 4. Plan.types has column_count entries; a join's output is left ++ right (semi/anti: left;
 *    mark: left ++ one bool column).
 */
#ifndef BIRCH_PLANNER_PLAN_H
#define BIRCH_PLANNER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/types.h"
#include "planner/catalog.h"

/* ------------------------------------------------------------ resolver ---- */

enum { PLAN_FUNC_ARG_MAX = 3 };

typedef struct PlanFunc {
    const void *kern;           /* executor's KernFn */
    const void *filter_kern;    /* executor's KernFilterFn, NULL if none */
    Type        result_type;
    Type        arg_types[PLAN_FUNC_ARG_MAX];  /* cast each argument to this first */
    uint32_t    arg_count;
} PlanFunc;

/* PlanResolver: how the binder reaches the executor's kernel registry (see the file comment).
 * func: operators by symbol ("+", "=", "~~", "||", "and" ...) and functions by lower-case name;
 *       errors UNDEFINED_FUNCTION (42883) with PostgreSQL's message.
 * cast: *kern_out NULL when no cast is needed (same type and typmod); errors CANNOT_COERCE.
 * agg:  an aggregate (count sum avg min max ...) over input_type (TYPE_INVALID for count(*));
 *       NULL if none; *result_out its result type. */
typedef struct PlanResolver {
    void  *ctx;
    Error *(*func)(void *ctx, const char *name, const Type *arg_types, uint32_t arg_count,
                   PlanFunc *out);
    Error *(*cast)(void *ctx, Type from, Type to, bool explicit_cast, const void **kern_out);
    const void *(*agg)(void *ctx, const char *name, uint32_t input_type, Type *result_out);
} PlanResolver;

/* ---------------------------------------------------------- expressions ---- */

typedef struct Expr Expr;
typedef struct Plan Plan;

typedef enum ExprKind {
    EXPR_CONST,      /* const_text / const_size, or is_null */
    EXPR_PARAM,      /* $n: param_idx (0-based) */
    EXPR_COLUMN,     /* column_idx of the input row */
    EXPR_OUTER,      /* outer_idx: value of the enclosing EXPR_SUBPLAN's args[outer_idx] */
    EXPR_CALL,       /* kern(args) (filter_kern for WHERE when set); name for EXPLAIN */
    EXPR_CAST,       /* kern(args[0]) to type; kern NULL: a relabel (varchar -> text ...) */
    EXPR_AND,        /* args: 2 or more; three-valued */
    EXPR_OR,
    EXPR_NOT,        /* args[0] */
    EXPR_IS_NULL,    /* args[0] IS NULL */
    EXPR_IS_NOT_NULL,
    EXPR_CASE,       /* args: cond0, result0, cond1, result1, ..., [else]; has_else */
    EXPR_COALESCE,   /* args */
    EXPR_SUBPLAN,    /* subplan; sublink; args = outer values; test (see below) */
    EXPR_SEQ_NEXT,   /* nextval(sequence_oid) */
    EXPR_SEQ_CURR,   /* currval(sequence_oid): 55000 when not yet called in the session */
    EXPR_SEQ_SET,    /* setval(sequence_oid, args[0] [, args[1] is_called]) */
    EXPR_FUNC_SPECIAL, /* name: version(), current_schema(), current_setting(args[0]) ...:
                        * evaluated by the session (executor knows the names) */
} ExprKind;

typedef enum SublinkKind {
    SUBLINK_EXISTS,   /* bool: the subplan returns a row */
    SUBLINK_SCALAR,   /* the single column of the single row (NULL if none; 21000 `more than
                       * one row returned by a subquery used as an expression` if several) */
    SUBLINK_ANY,      /* test over (args..., subplan column 0) ORed over rows: IN, = ANY, < ANY */
    SUBLINK_ALL,      /* test ANDed over rows: <> ALL, NOT IN is NOT(ANY) */
    SUBLINK_ARRAY,    /* ARRAY(subquery) (later) */
} SublinkKind;

struct Expr {
    ExprKind    kind;
    Type        type;
    int         position;       /* 1-based position in the SQL for errors, 0 if none */
    /* EXPR_CONST */
    bool        is_null;
    const char *const_text;
    size_t      const_size;
    /* EXPR_PARAM / EXPR_COLUMN / EXPR_OUTER */
    uint32_t    param_idx;
    uint32_t    column_idx;
    uint32_t    outer_idx;
    /* EXPR_CALL / EXPR_CAST */
    const char *name;           /* operator or function name (EXPLAIN, special functions) */
    const void *kern;
    const void *filter_kern;
    /* operands */
    uint32_t    arg_count;
    Expr      **args;
    bool        has_else;
    /* EXPR_SUBPLAN */
    SublinkKind sublink;
    Plan       *subplan;
    /* ANY/ALL: test is a bool Expr whose EXPR_COLUMN 0 is the subplan row's column 0 and whose
     * EXPR_OUTER k are args[k] (the left operand): e.g. `x = ANY (select y ...)` has args = {x},
     * test = (outer 0) = (column 0). */
    Expr       *test;
    /* sequences */
    uint32_t    sequence_oid;
};

/* ---------------------------------------------------------------- plans ---- */

typedef enum PlanKind {
    PLAN_RESULT,       /* one row of zero columns (SELECT without FROM) */
    PLAN_VALUES,       /* value_rows rows of column_count Exprs (no input; may use params and
                        * outer references) */
    PLAN_SEQ_SCAN,     /* table rows visible to the snapshot: scan_attnums columns; filter */
    PLAN_INDEX_SCAN,   /* an index range (see IndexBounds) -> table rows; filter */
    PLAN_FILTER,       /* child rows where filter is true */
    PLAN_PROJECT,      /* exprs over the child row */
    PLAN_HASH_JOIN,    /* join_type; left_keys[i] = right_keys[i]; extra condition `filter`
                        * over left ++ right; the right child is the build side */
    PLAN_NL_JOIN,      /* nested loop: join_type; filter over left ++ right (NULL: cross) */
    PLAN_HASH_AGG,     /* group_exprs then aggs; no group_exprs: exactly one output row */
    PLAN_SORT,         /* sort_keys; limit/offset constant > 0: top-N */
    PLAN_LIMIT,        /* limit/offset Exprs (constant or param; NULL limit: all) */
    PLAN_SETOP,        /* setop of left and right (same column count and types) */
    PLAN_WINDOW,       /* child ++ one column per window func; child is sorted by partition
                        * then order keys (the planner puts a PLAN_SORT below) */
    PLAN_CTE_SCAN,     /* rows of cte_idx's materialized plan (PlannedStmt.ctes) */
    PLAN_RECURSIVE_UNION, /* left: anchor; right: the recursive term reading PLAN_WORK_SCAN */
    PLAN_WORK_SCAN,    /* the current working table of the enclosing recursive union */
    PLAN_INSERT,       /* child rows (table's column order, every column) -> table */
    PLAN_UPDATE,       /* see DmlInfo */
    PLAN_DELETE,
    /* ---- sysviews: system relations (planner/sysview.h) ---- */
    PLAN_SYSVIEW_SCAN, /* every row of `sysview` (pg_catalog.x, information_schema.x), made at
                        * execution from the catalog the statement's snapshot sees; every
                        * column of the relation, in its order; no filter (one goes above) */
} PlanKind;

typedef enum JoinType {
    JOIN_INNER,
    JOIN_LEFT,
    JOIN_RIGHT,
    JOIN_FULL,
    JOIN_SEMI,         /* left rows with a match (EXISTS / IN) */
    JOIN_ANTI,         /* left rows without a match (NOT EXISTS) */
    JOIN_MARK,         /* every left row ++ bool: matched (NULL when no match but a NULL
                        * comparison, for NOT IN semantics) */
} JoinType;

typedef enum SetOpKind {
    SETOP_UNION,
    SETOP_INTERSECT,
    SETOP_EXCEPT,
} SetOpKind;

typedef struct SortKey {
    Expr *expr;                /* over the node's input row */
    bool  descending;
    bool  nulls_first;         /* default: nulls_first == descending (PostgreSQL) */
} SortKey;

typedef struct AggCall {
    const void *agg;           /* executor's AggKern; NULL with is_count_star */
    const char *name;
    Type        result_type;
    Expr       *arg;           /* NULL for count(*) */
    bool        distinct;
    Expr       *filter;        /* FILTER (WHERE ...) or NULL */
} AggCall;

typedef enum WindowFrameMode { FRAME_ROWS, FRAME_RANGE, FRAME_GROUPS } WindowFrameMode;
typedef enum WindowBoundKind {
    BOUND_UNBOUNDED_PRECEDING,
    BOUND_PRECEDING,
    BOUND_CURRENT_ROW,
    BOUND_FOLLOWING,
    BOUND_UNBOUNDED_FOLLOWING,
} WindowBoundKind;

typedef struct WindowCall {
    const char *name;          /* row_number rank dense_rank lag lead first_value last_value
                                * ntile, or an aggregate name */
    const void *agg;           /* aggregates: executor's AggKern */
    Type        result_type;
    uint32_t    arg_count;
    Expr      **args;          /* over the window node's input */
    Expr       *filter;
    uint32_t    partition_count;
    Expr      **partition;
    uint32_t    order_count;
    SortKey    *order;
    bool            has_frame;  /* false: RANGE UNBOUNDED PRECEDING .. CURRENT ROW with ORDER
                                 * BY, the whole partition without */
    WindowFrameMode frame_mode;
    WindowBoundKind start_kind, end_kind;
    Expr           *start_offset, *end_offset;
} WindowCall;

/* IndexBounds: a range of an index: the first eq_count key columns equal eq_values, then an
 * optional range on the next column. Values are Exprs without column references (constants,
 * params, outer references) cast to the key column types. */
typedef struct IndexBounds {
    uint32_t eq_count;
    Expr   **eq_values;
    Expr    *lo;              /* NULL: unbounded */
    bool     lo_inclusive;
    Expr    *hi;
    bool     hi_inclusive;
    bool     backward;        /* scan in descending key order (ORDER BY ... DESC) */
} IndexBounds;

typedef enum OnConflictAction { CONFLICT_NONE, CONFLICT_NOTHING, CONFLICT_UPDATE } OnConflictAction;

/* DmlInfo (INSERT/UPDATE/DELETE):
 * INSERT: the child produces every column of the table in attnum order (defaults filled in,
 *   assignment casts applied, dropped columns NULL); the executor checks NOT NULL (23502),
 *   CHECK (23514), unique (23505), FKs (23503), fills the row key and the indexes.
 *   ON CONFLICT: conflict_index (NULL: any unique index) and, for DO UPDATE, set_exprs over
 *   (existing row's columns ++ the proposed row's columns: EXCLUDED) and conflict_where over
 *   the same.
 * UPDATE/DELETE: the child produces the target table's columns in attnum order, then the row
 *   key (CAT_ATTNUM_ROWKEY, bytea) and the version's writer xid (CAT_ATTNUM_XID, int8), then
 *   anything else (FROM / USING tables). UPDATE's set_exprs (one per table column, NULL: keep)
 *   are over that child row. recheck: the WHERE conditions on the target's own columns (over
 *   the table row alone, column_idx = attnum - 1), re-evaluated on the newest version when
 *   READ COMMITTED reports TXN_ROW_CHANGED (NULL: always true); when recheck_with_child is
 *   false (FROM/USING), a changed row is skipped after re-check, as PostgreSQL's EvalPlanQual
 *   approximates it.
 * RETURNING: returning exprs; the node's output is those rows (none if returning_count = 0).
 *   INSERT: over the new table row, column_idx = attnum - 1. */
/* ---- changed: UPDATE/DELETE RETURNING may name the FROM / USING tables (PostgreSQL does):
 *   their returning exprs are over the child row (table columns, row key, xid, then the
 *   FROM / USING columns), with the table columns replaced by the new version for UPDATE and
 *   the old one for DELETE. */
typedef struct DmlInfo {
    const CatTable  *table;
    uint32_t         set_count;       /* UPDATE: == table column_count */
    Expr           **set_exprs;
    Expr            *recheck;
    bool             recheck_with_child;
    OnConflictAction on_conflict;
    const CatIndex  *conflict_index;
    Expr           **conflict_set;    /* CONFLICT_UPDATE: per table column, NULL: keep */
    Expr            *conflict_where;
    uint32_t         returning_count;
    Expr           **returning;
} DmlInfo;

struct Plan {
    PlanKind    kind;
    uint32_t    column_count;
    Type       *types;
    const char **names;         /* output column names (EXPLAIN VERBOSE, views), may be NULL */
    Plan       *left;           /* the child of one-child nodes; outer side of joins */
    Plan       *right;
    double      est_rows;       /* estimates for EXPLAIN */
    double      est_cost;

    /* PLAN_VALUES */
    uint32_t    value_row_count;
    Expr     ***value_rows;     /* [row][column] */
    /* scans */
    const CatTable *table;
    const CatIndex *index;       /* PLAN_INDEX_SCAN */
    uint32_t    scan_count;
    int16_t    *scan_attnums;    /* columns produced (1-based attnums, or CAT_ATTNUM_*) */
    IndexBounds bounds;
    bool        index_only;      /* every produced column is in the index key (no row fetch
                                  * except the visibility recheck) */
    int         lock_rows;       /* 0, or LockRowMode + 1 for SELECT ... FOR UPDATE/SHARE */
    /* PLAN_SEQ_SCAN / INDEX_SCAN / FILTER / joins: condition over the input row */
    Expr       *filter;
    /* PLAN_PROJECT */
    Expr      **exprs;           /* column_count of them */
    /* PLAN_PROJECT with srf_count > 0 is a ProjectSet (set-returning functions in the select
     * list): exprs[0 .. column_count - srf_count) are the child's columns in order (EXPR_COLUMN
     * i), the last srf_count are EXPR_CALLs without a kernel named "unnest" (args: one array;
     * the element type) or "generate_series" (args: int4 or int8 start, stop [, step]). Each
     * input row gives as many output rows as its longest call (0: none; PostgreSQL 10's
     * lockstep), shorter calls padded with NULLs, the child's columns repeated. */
    uint32_t    srf_count;
    /* joins */
    JoinType    join_type;
    uint32_t    key_count;
    Expr      **left_keys;       /* over the left row */
    Expr      **right_keys;      /* over the right row */
    /* PLAN_HASH_AGG */
    uint32_t    group_count;
    Expr      **group_exprs;
    uint32_t    agg_count;
    AggCall    *aggs;
    /* PLAN_SORT */
    uint32_t    sort_count;
    SortKey    *sort_keys;
    /* PLAN_SORT (top-N, constant) and PLAN_LIMIT */
    Expr       *limit;
    Expr       *offset;
    /* PLAN_SETOP / PLAN_RECURSIVE_UNION */
    SetOpKind   setop;
    bool        setop_all;
    /* PLAN_WINDOW */
    uint32_t    window_count;
    WindowCall *windows;
    /* PLAN_CTE_SCAN */
    uint32_t    cte_idx;
    /* DML */
    DmlInfo     dml;
    /* ---- sysviews: PLAN_SYSVIEW_SCAN ---- */
    const struct SysView *sysview;  /* the system relation (planner/sysview.h) */
};

/* ------------------------------------------------------------- statements ---- */

typedef struct PlanColumn {
    const char *name;
    Type        type;
    uint32_t    table_oid;       /* 0 if not a plain column */
    int16_t     attnum;          /* 0 if not a plain column */
} PlanColumn;

typedef enum PlannedKind {
    PLANNED_SELECT,
    PLANNED_INSERT,
    PLANNED_UPDATE,
    PLANNED_DELETE,
} PlannedKind;

typedef struct PlannedStmt {
    PlannedKind  kind;
    Plan        *root;
    uint32_t     column_count;    /* result columns (0 for DML without RETURNING) */
    PlanColumn  *columns;
    uint32_t     param_count;
    Type        *param_types;     /* declared or inferred ($n compared with an int4 column:
                                   * int4; otherwise text) */
    uint32_t     cte_count;
    Plan       **ctes;            /* materialized once per execution, read by PLAN_CTE_SCAN */
    bool         cte_modifying;   /* some ctes[] are PLAN_INSERT/UPDATE/DELETE (WITH x AS
                                   * (DELETE ... RETURNING ...)): the executor runs each of
                                   * them to completion before the root opens, whether read
                                   * or not */
    uint32_t     table_count;     /* relations read or written: the executor locks them */
    uint32_t    *table_oids;
    bool        *table_written;
    uint64_t     catalog_generation;   /* re-plan when catalog_generation() moved */
    bool         for_update;      /* SELECT ... FOR UPDATE/SHARE present */
    uint32_t     dep_count;       /* what the statement's own text reads (not the insides of
                                   * the views it names): relations (ref_attnum 0) and table
                                   * columns; CREATE VIEW records them (catalog_create_view_deps) */
    CatDepend   *deps;
} PlannedStmt;

/* ---- added by bind-query: conventions of the plans plan_statement builds ----
 * - PLAN_INDEX_SCAN with index NULL: a range scan of the table tree itself, clustered on its
 *   integer primary key (CatTable.cluster_attnum); bounds are on that one column (eq_count <= 1,
 *   or lo/hi), values of the column's type (encode them as int64 row keys).
 * - Bound values have exactly the key column's type (the planner only uses a predicate whose
 *   value already has it); the scan's filter always repeats the predicates the bounds came from,
 *   so a scan that returns a superset of the range is still correct.
 * - PLAN_SORT.limit (top-N) is an int8 constant: keep the first `limit` rows of the sorted
 *   output (it already includes OFFSET); offset stays NULL on the sort. A PLAN_LIMIT above
 *   always applies the real LIMIT/OFFSET.
 * - PLAN_WINDOW carries one WindowCall (window_count 1); several calls are stacked nodes, each
 *   over a PLAN_SORT by its partition then order keys.
 * - PLAN_FILTER is used for HAVING, WHERE conjuncts over subqueries/outer joins and constant
 *   conditions; scans carry their own filter.
 * - Scans produce only the columns the query reads (scan_attnums); UPDATE/DELETE target scans
 *   list every attnum (dropped ones too: they read NULL), then CAT_ATTNUM_ROWKEY, CAT_ATTNUM_XID.
 * - Hash joins are only built for JOIN_INNER, JOIN_LEFT, JOIN_FULL (RIGHT joins are swapped to
 *   LEFT) and JOIN_SEMI; a join without equality keys is a PLAN_NL_JOIN (filter NULL: cross).
 * - Plan.names is set on every node (EXPLAIN prints expressions with the child's names).
 * - ON CONFLICT whose target is the clustered integer primary key (which has no CatIndex) has
 *   conflict_index NULL, like a target-less ON CONFLICT: a conflict on the row key (or on any
 *   unique index) takes the ON CONFLICT action.
 */

#endif
