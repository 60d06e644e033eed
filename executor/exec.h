/* executor/exec.h: the executor's internal interface: execution contexts, vectorized operators
 * (open / next / rescan / close over DataChunks), compiled expressions, the row codec between
 * storage rows and vectors, DML and DDL execution. The session (session.c, api.c) is the only
 * user outside executor/; nothing here is public API (include/birch.h is).
 *
 * Operators: exec_build turns a Plan (planner/plan.h) into a tree of Ops. next() returns the
 * next chunk (up to VEC_VALUE_COUNT_MAX rows, possibly with a selection vector) or NULL at the
 * end; a returned chunk and everything it points to stay valid until the next call of next(),
 * rescan() or close() on the same op (batch lifetime: each op resets its own batch arena at
 * the top of next()). Ops never copy a chunk they only narrow: a filter sets sel on its
 * child's chunk and returns it. rescan() restarts the op from the beginning (the inner side
 * of a nested loop, a correlated subplan with new outer values: they are read from ctx->outer
 * at open/rescan time and on every next()). close() frees heap memory and spill files; it is
 * idempotent and also called after an error.
 *
 * Memory: ctx->arena lives as long as the execution (a portal); ops allocate their long-lived
 * state there and their per-batch data in their own batch arena. Hash tables and sorts count
 * their bytes against ctx->work_mem and spill to temporary files beyond it.
 *
 * Interrupts: long loops call exec_check_interrupt (every chunk is enough): 57014 `canceling
 * statement due to user request` or `canceling statement due to statement timeout`.
 */
#ifndef BIRCH_EXECUTOR_EXEC_H
#define BIRCH_EXECUTOR_EXEC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/datetime.h"
#include "common/error.h"
#include "common/types.h"
#include "executor/chunk.h"
#include "executor/kern.h"
#include "executor/vec.h"
#include "parser/ast.h"
#include "planner/catalog.h"
#include "planner/plan.h"
#include "planner/planner.h"
#include "storage/key.h"
#include "txn/txn.h"

typedef struct Op Op;
typedef struct ExprState ExprState;

struct KernCatEnv;   /* catfuncs: executor/kern_catalog.h */

/* ExecSessionHooks: what an execution needs from its session (session.c implements them). */
typedef struct ExecSessionHooks {
    void *ctx;
    /* special functions (EXPR_FUNC_SPECIAL): version(), current_schema(), current_user,
     * current_setting(name), set_config(name, value, is_local), pg_backend_pid() ...: one
     * value as text (NULL *text_out for SQL NULL), in arena. */
    Error *(*special)(void *ctx, const char *name, const char *const *args, uint32_t arg_count,
                      Arena *arena, const char **text_out);
    /* currval bookkeeping: nextval/setval report the value; currval asks. */
    void   (*seq_note)(void *ctx, uint32_t sequence_oid, int64_t value);
    bool   (*seq_current)(void *ctx, uint32_t sequence_oid, int64_t *value_out);
    /* catfuncs: the session's catalog view now (catalog, transaction, search_path, user) for
     * the catalog kernels (executor/kern_catalog.h); NULL: no catalog */
    void   (*catalog_env)(void *ctx, struct KernCatEnv *env_out);
} ExecSessionHooks;

/* ExecOuter: the values a correlated subplan reads as EXPR_OUTER: one constant vector each. */
typedef struct ExecOuter {
    uint32_t count;
    Vector  *values;
} ExecOuter;

typedef struct ExecCte ExecCte;     /* a materialized CTE (op_cte.c) */

typedef struct ExecCtx {
    Arena              *arena;       /* execution lifetime */
    Txn                *txn;
    Catalog            *catalog;
    const PlannedStmt  *planned;
    const DtSettings   *dt;          /* session TimeZone, DateStyle ...; now = txn start */
    uint32_t            param_count;
    const Vector       *params;      /* param_count constant vectors of planned->param_types */
    ExecOuter          *outer;       /* current outer values (subplans), NULL at the top */
    ExecCte           **ctes;        /* planned->cte_count materializations (lazy) */
    void               *work_table;  /* the running recursive union's working table */
    atomic_int         *interrupt;   /* non-zero: cancel (1: user request, 2: timeout) */
    size_t              work_mem;    /* bytes per hash table / sort before spilling */
    const char         *temp_dir;    /* spill files (unlinked at creation) */
    uint64_t            changes;     /* rows inserted / updated / deleted by DML ops */
    ExecSessionHooks    hooks;
    bool                analyze;     /* EXPLAIN ANALYZE: ops time themselves */
    /* stmt: an operator tree kept across executions of a prepared statement (exec_reusable).
     * arena then outlives the execution; run_arena (NULL: arena) is reset before every
     * execution and holds what depends on the parameters (folded expressions, DML key sets). */
    Arena              *run_arena;
    ExprState          *exprs;       /* every ExprState prepared in this ctx (a list) */
    bool                reuse_blocked;   /* an expression that cannot run again (subplans,
                                          * LIKE compiled from a parameter) */
} ExecCtx;

/* exec_run_arena: per-execution memory (see ExecCtx.run_arena). */
static inline Arena *exec_run_arena(const ExecCtx *ctx)
{
    return ctx->run_arena != NULL ? ctx->run_arena : ctx->arena;
}

/* exec_check_interrupt: 57014 when ctx->interrupt is set. */
Error *exec_check_interrupt(ExecCtx *ctx);

/* ------------------------------------------------------------ operators ---- */

typedef struct OpVtbl {
    const char *name;
    Error *(*open)(Op *op);                        /* opens its children */
    Error *(*next)(Op *op, DataChunk **chunk_out); /* *chunk_out NULL at the end */
    Error *(*rescan)(Op *op);                      /* back to the first row */
    void   (*close)(Op *op);                       /* closes its children; idempotent */
} OpVtbl;

struct Op {
    const OpVtbl *vt;
    const Plan   *plan;
    ExecCtx      *ctx;
    Op           *left;          /* children (NULL if none) */
    Op           *right;
    uint32_t      column_count;  /* == plan->column_count */
    const Type   *types;         /* == plan->types */
    /* EXPLAIN ANALYZE (filled by exec_next and friends when ctx->analyze) */
    uint64_t      rows_out;
    uint64_t      loops;
    double        total_ms;
    /* stmt: reset: end the current execution (finished or not) but keep the op for the next
     * one: release cursors and per-execution state, keep arenas and prepared expressions,
     * reset its children. After it, open() starts a new execution with ctx's current txn and
     * params. NULL (the default): the op cannot be kept (exec_reusable is false). */
    void        (*reset)(Op *op);
};

/* exec_build: the operator tree of plan (op_build.c dispatches on plan->kind to the factories
 * below). Errors: OUT_OF_MEMORY; FEATURE_NOT_SUPPORTED for a kind without an operator. */
Error *exec_build(ExecCtx *ctx, const Plan *plan, Op **op_out);
/* exec_open / exec_next / exec_rescan / exec_close: call the vtable (and count rows and time
 * for EXPLAIN ANALYZE). exec_next checks interrupts. */
Error *exec_open(Op *op);
Error *exec_next(Op *op, DataChunk **chunk_out);
Error *exec_rescan(Op *op);
void   exec_close(Op *op);
/* exec_reusable: can the tree under root run again after exec_reset (every op has reset and
 * no expression of ctx is reuse_blocked)? */
bool   exec_reusable(const Op *root);
/* exec_reset: Op.reset of op (which resets its children). Pre: exec_reusable. */
void   exec_reset(Op *op);
/* exec_stats: per-node actual rows/loops/time in plan_explain's pre-order. */
Error *exec_stats(Op *root, Arena *arena, PlanNodeStats **stats_out, size_t *count_out);

/* Factories (each in its op_*.c). Pre: plan->kind is theirs; ctx outlives the op. */
Error *op_result_new(ExecCtx *ctx, const Plan *plan, Op **op_out);       /* op_basic.c */
Error *op_values_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_filter_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_project_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_limit_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_seq_scan_new(ExecCtx *ctx, const Plan *plan, Op **op_out);     /* op_scan.c */
Error *op_index_scan_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_hash_join_new(ExecCtx *ctx, const Plan *plan, Op **op_out);    /* op_join.c */
Error *op_nl_join_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_hash_agg_new(ExecCtx *ctx, const Plan *plan, Op **op_out);     /* op_agg.c */
Error *op_sort_new(ExecCtx *ctx, const Plan *plan, Op **op_out);         /* op_sort.c */
Error *op_setop_new(ExecCtx *ctx, const Plan *plan, Op **op_out);        /* op_setop.c */
Error *op_window_new(ExecCtx *ctx, const Plan *plan, Op **op_out);       /* op_window.c */
Error *op_cte_scan_new(ExecCtx *ctx, const Plan *plan, Op **op_out);     /* op_cte.c */
Error *op_recursive_union_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_work_scan_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_insert_new(ExecCtx *ctx, const Plan *plan, Op **op_out);       /* op_dml.c */
Error *op_update_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
Error *op_delete_new(ExecCtx *ctx, const Plan *plan, Op **op_out);
/* op_point.c: a PLAN_INDEX_SCAN that is one equality on a clustered table's key (no lock, no
 * other bound): one txn_row_get per open. op_point_applies decides; exec_build uses it. */
bool   op_point_applies(const Plan *plan);
Error *op_point_new(ExecCtx *ctx, const Plan *plan, Op **op_out);

/* ---------------------------------------------------------- expressions ---- */

/* expr_prepare: compile expr for evaluation over rows of input_types: constants become
 * constant vectors (through the type's text input kernel: a bad literal is its input error,
 * 22P02 ...), LIKE patterns that are constants are compiled once, subplans are built
 * (exec_build) with their own ExecOuter. *state_out lives in ctx->arena.
 * Errors: those of the constants' input; OUT_OF_MEMORY. */
Error *expr_prepare(ExecCtx *ctx, const Expr *expr, ExprState **state_out);
/* expr_eval: evaluate over input's live rows (input->sel or 0..row_count-1). out is
 * initialized here (vec_init of the expression's type in arena); result row r belongs to input
 * row r; rows outside the selection are unspecified. A constant result may come back as a
 * constant vector (out->is_constant): consumers handle both. Errors: the kernels' errors. */
Error *expr_eval(ExprState *state, const DataChunk *input, Arena *arena, Vector *out);
/* expr_filter: narrow input->sel to the live rows where the bool expression is true (uses
 * filter kernels for comparisons and AND chains; NULL and false drop the row). */
Error *expr_filter(ExprState *state, DataChunk *input, Arena *arena);
/* expr_eval_const: evaluate an expression without column references (LIMIT, index bounds,
 * VALUES cells) to a single value: *out is a one-row vector in arena. */
Error *expr_eval_const(ExprState *state, Arena *arena, Vector *out);
/* expr_params_changed: forget every value folded from parameters (or other column-free
 * expressions) in ctx, before a kept tree runs again with new ctx->params; constants stay. */
void   expr_params_changed(ExecCtx *ctx);

/* ------------------------------------------------------------ row codec ---- */

/* rowcodec_decode_column: append column attnum (or CAT_ATTNUM_ROWKEY / CAT_ATTNUM_XID) of one
 * stored row to out at row_idx (strings and numerics copied into out's arena). Values are
 * stored as catalog_row_kind says. Errors: DATA_CORRUPTED for a value that does not decode. */
Error *rowcodec_decode_column(const CatTable *table, int16_t attnum, const uint8_t *record,
                              size_t record_size, const uint8_t *key, size_t key_size,
                              Vector *out, uint32_t row_idx);
/* rowcodec_encode: the row record (storage/row.h, header zeroed: txn/ sets it) of row row_idx
 * of columns (one vector per table column in attnum order, of the columns' types), in arena.
 * Errors: PROGRAM_LIMIT_EXCEEDED; OUT_OF_MEMORY. */
Error *rowcodec_encode(const CatTable *table, const Vector *columns, uint32_t row_idx,
                       Arena *arena, uint8_t **record_out, size_t *record_size_out);
/* rowcodec_key_append: append value row_idx of vec (any type the key encoding has: bool,
 * integers, floats, numeric, text-like, bytea, date, time, timestamp[tz], interval) to buf in
 * direction dir. Integers of every width encode as int64 (so int4 = int8 compares work on
 * keys). Errors: PROGRAM_LIMIT_EXCEEDED past BT_KEY_SIZE_MAX (54000 `index row size exceeds
 * maximum`). */
Error *rowcodec_key_append(KeyBuf *buf, KeyDir dir, const Vector *vec, uint32_t row_idx);
/* rowcodec_row_key: the table's row key for row row_idx of columns: the clustered integer
 * column, or a new hidden row id (catalog_next_rowid). */
Error *rowcodec_row_key(Catalog *catalog, const CatTable *table, const Vector *columns,
                        uint32_t row_idx, KeyBuf *buf);
/* rowcodec_index_key: the entry key of index for row row_idx (index columns, then row_key);
 * *unique_prefix_out the bytes of the index columns; *has_null_out whether one is NULL. */
Error *rowcodec_index_key(const CatIndex *index, const Vector *columns, uint32_t row_idx,
                          const uint8_t *row_key, size_t row_key_size, KeyBuf *buf,
                          size_t *unique_prefix_out, bool *has_null_out);

/* ------------------------------------------------------------------ DDL ---- */

/* DdlCtx: what DDL execution needs from the session. */
typedef struct DdlCtx {
    Arena              *arena;        /* the statement's arena */
    Catalog            *catalog;
    Txn                *txn;
    const char *const  *search_path;
    size_t              search_path_count;
    const PlanResolver *resolver;
    const DtSettings   *dt;
    const char         *sql;
    atomic_int         *interrupt;
    size_t              work_mem;
    ExecSessionHooks    hooks;
    LockManager        *locks;
} DdlCtx;

/* ddl_execute: run a DDL statement (CREATE/DROP TABLE, INDEX (building it from the rows),
 * VIEW, SCHEMA, SEQUENCE; ALTER TABLE; TRUNCATE; COMMENT is accepted and ignored) in ctx->txn,
 * taking PostgreSQL's table locks. *tag_out: the command tag ("CREATE TABLE", "DROP TABLE",
 * "ALTER TABLE", "TRUNCATE TABLE", "CREATE INDEX", ...). IF [NOT] EXISTS that skips raises a
 * NOTICE through notice (may be NULL): `table "t" does not exist, skipping`.
 * Errors: the catalog's; FEATURE_NOT_SUPPORTED for what is not built. */
typedef void (*DdlNoticeFn)(void *ctx, const Error *notice);
Error *ddl_execute(DdlCtx *ctx, const AstStmt *stmt, DdlNoticeFn notice, void *notice_ctx,
                   const char **tag_out);

/* exec_resolver: the PlanResolver over the kernel registry (resolver.c). */
const PlanResolver *exec_resolver(void);

#endif
