/* executor/expr.c: compiled expressions (ExprState trees) evaluated per chunk.
 *
 * expr_prepare turns a bound Expr tree into an ExprState tree once per execution (in
 * ctx->arena): kernels are taken from the plan (KernFn / KernFilterFn), constants are parsed
 * with their type's input kernel into constant vectors, constant LIKE patterns are compiled,
 * subplans are built. Evaluation (eval) works on a selection (sel, count) of the input chunk's
 * rows and dispatches on the node kind once per chunk, never per row: rows go through the
 * kernels in bulk. CASE, COALESCE, AND and OR evaluate their later operands only on the rows
 * still undecided (sub-selections), so `x <> 0 AND 1 / x > 1` never divides by zero.
 *
 * Results: row r of a result belongs to input row r; rows outside the selection are
 * unspecified. A result may alias an input column (EXPR_COLUMN) or be a constant vector: treat
 * results as read-only.
 *
 * Column-free, non-volatile subtrees (constants, params and calls over them) are folded lazily:
 * computed once on first use and kept as a constant vector (an error in a branch that is never
 * evaluated is never raised).
 *
 * Subplans (EXPR_SUBPLAN): the subplan's Op is built at prepare time. Without args it runs
 * once and its result is cached. With args, for each live row: the args' values become one-row
 * constant vectors of a fresh ExecOuter that ctx->outer points to while the subplan runs
 * (exec_rescan + drain); results are memoized by the bytes of the args' values unless the
 * subplan is volatile. An ANY/ALL subplan that does not itself read outer values is
 * materialized once and only its test runs per row.
 */
#include <string.h>

#include "common/asserts.h"
#include "common/hash.h"
#include "executor/op_int.h"
#include "executor/kern_array.h"   /* arrays: ARRAY(subquery) */

enum {
    EXPR_DEPTH_MAX = 1000,
    MEMO_ENTRY_COUNT_MAX = 1 << 16,
    MEMO_KEY_SIZE_MAX = 4096,
    EXPR_ROW_ARENA_BLOCK_SIZE = 8 * 1024,
};

typedef struct MemoEntry {
    uint64_t  hash;
    uint8_t  *key;       /* NULL: empty slot */
    uint32_t  key_size;
    Vector    value;     /* constant vector of the result */
} MemoEntry;

typedef struct SubplanState {
    Op         *op;
    bool        open;
    bool        done_once;      /* uncorrelated: result cached in value */
    bool        reads_outer;    /* the subplan reads ctx->outer: rerun per row */
    bool        memo_ok;
    bool        materialized;   /* rows holds the subplan's rows (ANY/ALL, no outer reads) */
    RowBuf      rows;
    Vector      value;          /* uncorrelated result (constant vector in ctx->arena) */
    ExecOuter   outer;
    Arena      *row_arena;      /* per-row outer values and scratch */
    Arena      *memo_arena;
    MemoEntry  *memo;
    uint32_t    memo_capacity;
    uint32_t    memo_count;
} SubplanState;

struct ExprState {
    const Expr   *expr;
    ExecCtx      *ctx;
    ExprKind      kind;
    Type          type;
    uint32_t      arg_count;
    ExprState   **args;
    KernFn        fn;
    KernFilterFn  filter_fn;
    const void   *kern_state;      /* compiled LIKE pattern */
    bool          relabel;         /* EXPR_CAST without a kernel */
    bool          foldable;        /* column-free and not volatile */
    bool          folded;
    Vector        constant;        /* EXPR_CONST / folded value (in ctx->arena) */
    ExprState    *test;            /* ANY / ALL */
    SubplanState *sub;
    const CatTable *sequence;
    ExprState    *ctx_next;        /* ExecCtx.exprs list (expr_params_changed) */
};

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static Error *eval(ExprState *st, const DataChunk *input, const uint16_t *sel, uint32_t count,
                   Arena *arena, Vector *out);

/* ------------------------------------------------------------------ helpers ---- */

/* sel_materialize: an explicit selection array for (sel, count) in arena. */
static uint16_t *sel_materialize(const uint16_t *sel, uint32_t count, Arena *arena)
{
    uint16_t *rows = arena_alloc(arena, (count > 0 ? count : 1) * sizeof(uint16_t));
    if (rows == NULL) return NULL;
    if (sel != NULL) {
        memcpy(rows, sel, count * sizeof(uint16_t));
    } else {
        for (uint32_t idx = 0; idx < count; idx++) rows[idx] = (uint16_t)idx;
    }
    return rows;
}

static Error *const_null(Type type, Arena *arena, Vector *out)
{
    vec_init(out, type, arena);
    TRY(vec_reserve(out, 1));
    TRY(vec_set_constant(out));
    return vec_set_null(out, 0);
}

/* make_constant: turn a vector whose row 0 holds the value into a constant vector. */
static Error *make_constant(Vector *vec)
{
    bool is_null = vec_is_null(vec, 0);
    TRY(vec_set_constant(vec));
    if (is_null) TRY(vec_set_null(vec, 0));
    return NULL;
}

static KernCtx kern_ctx(const ExprState *st, Arena *arena)
{
    return (KernCtx){ .arena = arena, .dt = st->ctx->dt, .state = st->kern_state,
                      .session = &st->ctx->hooks /* catfuncs */ };
}

static DataChunk empty_row_chunk(void)
{
    return (DataChunk){ .column_count = 0, .columns = NULL, .row_count = 1 };
}

/* --------------------------------------------------------------- constants ---- */

/* const_from_text: the constant vector of text in type (its input kernel), in arena. */
static Error *const_from_text(ExecCtx *ctx, Type type, const char *text, size_t size,
                              int position, Arena *arena, Vector *out)
{
    Vector text_vec;
    vec_init(&text_vec, type_plain(TYPE_TEXT), arena);
    TRY(vec_reserve(&text_vec, 1));
    TRY(vec_str_set(&text_vec, 0, text, (uint32_t)size));
    KernFn fn = NULL;
    if (type.id != TYPE_TEXT || type.typmod >= 0) {
        TRY(op_err_position(kern_cast_lookup(type_plain(TYPE_TEXT), type, &fn), position));
    }
    if (fn == NULL) {
        /* a string type: the same bytes */
        text_vec.type = type;
        *out = text_vec;
        return make_constant(out);
    }
    vec_init(out, type, arena);
    KernCtx kctx = { .arena = arena, .dt = ctx->dt, .state = NULL,
                     .session = &ctx->hooks /* catfuncs: 'pg_class'::regclass */ };
    const Vector *args[1] = { &text_vec };
    TRY(op_err_position(fn(&kctx, args, NULL, 1, out), position));
    return make_constant(out);
}

/* ---------------------------------------------------------------- prepare ---- */

static Error *prepare(ExecCtx *ctx, const Expr *expr, int depth, ExprState **state_out);

static bool is_like_kern(const void *kern, bool *case_insensitive_out)
{
    if (kern == (const void *)kern_like || kern == (const void *)kern_not_like) {
        *case_insensitive_out = false;
        return true;
    }
    if (kern == (const void *)kern_ilike || kern == (const void *)kern_not_ilike) {
        *case_insensitive_out = true;
        return true;
    }
    return false;
}

/* reads_params: does the subtree read a parameter? */
static bool reads_params(const ExprState *st)
{
    if (st->kind == EXPR_PARAM) return true;
    for (uint32_t arg_idx = 0; arg_idx < st->arg_count; arg_idx++) {
        if (reads_params(st->args[arg_idx])) return true;
    }
    return false;
}

/* prepare_like: compile a constant pattern (and escape) once. */
static Error *prepare_like(ExprState *st)
{
    bool case_insensitive = false;
    bool is_escape = st->fn == kern_like_escape;
    if (!is_escape && !is_like_kern((const void *)st->fn, &case_insensitive)) return NULL;
    if (st->arg_count < 2 || !st->args[1]->foldable) return NULL;
    if (is_escape && (st->arg_count < 3 || !st->args[2]->foldable)) return NULL;
    if (reads_params(st->args[1]) || (is_escape && reads_params(st->args[2]))) {
        st->ctx->reuse_blocked = true;   /* stmt: compiled from this execution's parameters */
    }
    Vector pattern;
    TRY(expr_eval_const(st->args[1], st->ctx->arena, &pattern));
    if (vec_is_null(&pattern, 0) || pattern.phys != VEC_PHYS_STR) return NULL;
    int escape = '\\';
    if (is_escape) {
        Vector escape_vec;
        TRY(expr_eval_const(st->args[2], st->ctx->arena, &escape_vec));
        if (vec_is_null(&escape_vec, 0) || escape_vec.phys != VEC_PHYS_STR) return NULL;
        const StrView *view = &vec_str(&escape_vec)[0];
        if (view->size > 1) return NULL;   /* the kernel raises the error per row */
        escape = view->size == 0 ? 0 : (unsigned char)str_view_data(view)[0];
    }
    const StrView *view = &vec_str(&pattern)[0];
    KernLikePattern *compiled;
    TRY(op_err_position(kern_like_compile(str_view_data(view), view->size, escape,
                                          case_insensitive, st->ctx->arena, &compiled),
                        st->expr->position));
    st->kern_state = compiled;
    return NULL;
}

static Error *prepare_subplan(ExprState *st)
{
    ExecCtx *ctx = st->ctx;
    const Expr *expr = st->expr;
    if (expr->subplan == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "subplan without a plan");
    SubplanState *sub = arena_calloc(ctx->arena, sizeof *sub);
    if (sub == NULL) return oom();
    st->sub = sub;
    ctx->reuse_blocked = true;   /* stmt: its caches and memo are per execution */
    TRY(exec_build(ctx, expr->subplan, &sub->op));
    sub->reads_outer = op_plan_has_outer(expr->subplan);
    sub->memo_ok = !op_plan_is_volatile(expr->subplan);
    if (expr->test != NULL) {
        TRY(prepare(ctx, expr->test, 0, &st->test));
        if (op_expr_has_outer(expr->test)) {
            /* fine: the test's outer references are our args */
        }
    }
    if (st->arg_count > 0) {
        sub->outer.count = st->arg_count;
        sub->outer.values = arena_calloc(ctx->arena, st->arg_count * sizeof(Vector));
        if (sub->outer.values == NULL) return oom();
        sub->row_arena = arena_create(EXPR_ROW_ARENA_BLOCK_SIZE);
        if (sub->row_arena == NULL) return oom();
    }
    return NULL;
}

static Error *prepare_sequence(ExprState *st)
{
    ExecCtx *ctx = st->ctx;
    if (ctx->catalog == NULL) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, st->expr->position,
                      "sequence functions need a catalog");
    }
    TRY(catalog_get(ctx->catalog, ctx->txn, st->expr->sequence_oid, &st->sequence));
    if (st->sequence == NULL || st->sequence->kind != CAT_KIND_SEQUENCE) {
        return err_at(SQLSTATE_UNDEFINED_TABLE, st->expr->position,
                      "could not open relation with OID %u", st->expr->sequence_oid);
    }
    return NULL;
}

static bool kind_is_volatile(ExprKind kind)
{
    return kind == EXPR_SEQ_NEXT || kind == EXPR_SEQ_CURR || kind == EXPR_SEQ_SET ||
           kind == EXPR_FUNC_SPECIAL || kind == EXPR_SUBPLAN || kind == EXPR_COLUMN ||
           kind == EXPR_OUTER;
}

static Error *prepare_node(ExprState *st)
{
    const Expr *expr = st->expr;
    switch (expr->kind) {
    case EXPR_CONST:
        if (expr->is_null) return const_null(expr->type, st->ctx->arena, &st->constant);
        return const_from_text(st->ctx, expr->type, expr->const_text != NULL ? expr->const_text
                                                                            : "",
                               expr->const_text != NULL ? expr->const_size : 0, expr->position,
                               st->ctx->arena, &st->constant);
    case EXPR_PARAM:
        if (st->ctx->params == NULL || expr->param_idx >= st->ctx->param_count) {
            return err_at(SQLSTATE_UNDEFINED_PARAMETER, expr->position,
                          "there is no parameter $%u", expr->param_idx + 1);
        }
        return NULL;
    case EXPR_CALL:
        st->fn = (KernFn)expr->kern;
        st->filter_fn = (KernFilterFn)expr->filter_kern;
        if (st->fn == NULL) {
            return err_at(SQLSTATE_INTERNAL_ERROR, expr->position, "function %s has no kernel",
                          expr->name != NULL ? expr->name : "?");
        }
        TRY(prepare_like(st));
        if (st->filter_fn == kern_filter_like && st->kern_state == NULL) st->filter_fn = NULL;
        return NULL;
    case EXPR_CAST:
        if (st->arg_count != 1) return err_new(SQLSTATE_INTERNAL_ERROR, "cast without argument");
        st->fn = (KernFn)expr->kern;
        if (st->fn == NULL) {
            Type from = expr->args[0]->type;
            VecPhys from_phys = type_phys(from), to_phys = type_phys(expr->type);
            bool numeric_pair = (from_phys == VEC_PHYS_NUM64 || from_phys == VEC_PHYS_NUMERIC) &&
                                (to_phys == VEC_PHYS_NUM64 || to_phys == VEC_PHYS_NUMERIC);
            if (from_phys != to_phys && !numeric_pair) {
                /* not a pure relabel (int4 -> oid ...): a real conversion */
                TRY(op_err_position(kern_cast_lookup(from, expr->type, &st->fn),
                                    expr->position));
                if (st->fn == NULL && from_phys == VEC_PHYS_I32 && to_phys == VEC_PHYS_I64) {
                    st->fn = kern_cast_i32_i64;
                }
                if (st->fn == NULL && from_phys == VEC_PHYS_I16 && to_phys == VEC_PHYS_I64) {
                    st->fn = kern_cast_i16_i64;
                }
                if (st->fn == NULL) {
                    return err_at(SQLSTATE_CANNOT_COERCE, expr->position,
                                  "cannot cast type %s to %s", type_name(from.id),
                                  type_name(expr->type.id));
                }
            }
        }
        st->relabel = st->fn == NULL;
        return NULL;
    case EXPR_AND:
    case EXPR_OR:
    case EXPR_COALESCE:
        if (st->arg_count == 0) return err_new(SQLSTATE_INTERNAL_ERROR, "operator without operands");
        return NULL;
    case EXPR_NOT:
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL:
        if (st->arg_count != 1) return err_new(SQLSTATE_INTERNAL_ERROR, "operator without operand");
        return NULL;
    case EXPR_CASE:
        if (st->arg_count < (expr->has_else ? 3u : 2u)) {
            return err_new(SQLSTATE_INTERNAL_ERROR, "CASE without WHEN");
        }
        return NULL;
    case EXPR_SUBPLAN: return prepare_subplan(st);
    case EXPR_SEQ_NEXT:
    case EXPR_SEQ_CURR:
    case EXPR_SEQ_SET: return prepare_sequence(st);
    case EXPR_COLUMN:
    case EXPR_OUTER:
    case EXPR_FUNC_SPECIAL: return NULL;
    }
    return err_new(SQLSTATE_INTERNAL_ERROR, "unknown expression kind %d", (int)expr->kind);
}

static Error *prepare(ExecCtx *ctx, const Expr *expr, int depth, ExprState **state_out)
{
    *state_out = NULL;
    if (expr == NULL) return err_new(SQLSTATE_INTERNAL_ERROR, "missing expression");
    if (depth > EXPR_DEPTH_MAX) {
        return err_new(SQLSTATE_STATEMENT_TOO_COMPLEX, "expression is too deeply nested");
    }
    ExprState *st = arena_calloc(ctx->arena, sizeof *st);
    if (st == NULL) return oom();
    st->expr = expr;
    st->ctx = ctx;
    st->ctx_next = ctx->exprs;
    ctx->exprs = st;
    st->kind = expr->kind;
    st->type = expr->type;
    st->arg_count = expr->arg_count;
    bool foldable = !kind_is_volatile(expr->kind);
    if (st->arg_count > 0) {
        st->args = arena_calloc(ctx->arena, st->arg_count * sizeof *st->args);
        if (st->args == NULL) return oom();
        for (uint32_t arg_idx = 0; arg_idx < st->arg_count; arg_idx++) {
            Error *err = prepare(ctx, expr->args[arg_idx], depth + 1, &st->args[arg_idx]);
            if (err != NULL) {
                op_expr_close(st);
                return err;
            }
            foldable = foldable && st->args[arg_idx]->foldable;
        }
    }
    st->foldable = foldable;
    Error *err = prepare_node(st);
    if (err != NULL) {
        op_expr_close(st);
        return err;
    }
    if (st->kind == EXPR_CONST) {
        st->folded = true;
    }
    *state_out = st;
    return NULL;
}

Error *expr_prepare(ExecCtx *ctx, const Expr *expr, ExprState **state_out)
{
    return prepare(ctx, expr, 0, state_out);
}

Type op_expr_type(const ExprState *state) { return state->type; }

/* ---------------------------------------------------------------- evaluation ---- */

static Error *eval_args(ExprState *st, const DataChunk *input, const uint16_t *sel,
                        uint32_t count, Arena *arena, Vector **values_out)
{
    Vector *values = arena_alloc(arena, (st->arg_count > 0 ? st->arg_count : 1) * sizeof(Vector));
    if (values == NULL) return oom();
    for (uint32_t arg_idx = 0; arg_idx < st->arg_count; arg_idx++) {
        TRY(eval(st->args[arg_idx], input, sel, count, arena, &values[arg_idx]));
    }
    *values_out = values;
    return NULL;
}

static Error *call_kernel(ExprState *st, KernFn fn, const Vector *values, uint32_t value_count,
                          const uint16_t *sel, uint32_t count, Arena *arena, Vector *out)
{
    const Vector *argv_small[KERN_ARG_COUNT_MAX + 1];
    const Vector **argv = argv_small;
    if (value_count > KERN_ARG_COUNT_MAX + 1) {
        argv = arena_alloc(arena, value_count * sizeof *argv);
        if (argv == NULL) return oom();
    }
    bool all_constant = true;
    for (uint32_t arg_idx = 0; arg_idx < value_count; arg_idx++) {
        argv[arg_idx] = &values[arg_idx];
        all_constant = all_constant && values[arg_idx].is_constant;
    }
    vec_init(out, st->type, arena);
    KernCtx kctx = kern_ctx(st, arena);
    if (all_constant && value_count > 0) {
        /* one value stands for every row */
        TRY(op_err_position(fn(&kctx, argv, NULL, 1, out), st->expr->position));
        return make_constant(out);
    }
    return op_err_position(fn(&kctx, argv, sel, count, out), st->expr->position);
}

/* eval_bool_chain: AND / OR over the rows still undecided after each operand. */
static Error *eval_bool_chain(ExprState *st, const DataChunk *input, const uint16_t *sel,
                              uint32_t count, Arena *arena, Vector *out, bool is_and)
{
    vec_init(out, type_plain(TYPE_BOOL), arena);
    TRY(vec_reserve(out, kern_span(sel, count)));
    uint16_t *pending = sel_materialize(sel, count, arena);
    if (pending == NULL) return oom();
    uint8_t identity = is_and ? 1 : 0;
    for (uint32_t idx = 0; idx < count; idx++) vec_bool(out)[pending[idx]] = identity;
    uint32_t pending_count = count;
    for (uint32_t arg_idx = 0; arg_idx < st->arg_count && pending_count > 0; arg_idx++) {
        Vector value;
        TRY(eval(st->args[arg_idx], input, pending, pending_count, arena, &value));
        uint32_t kept = 0;
        for (uint32_t idx = 0; idx < pending_count; idx++) {
            uint32_t row = pending[idx];
            int truth = op_bool_at(&value, row);
            if (truth == (is_and ? 0 : 1)) {
                /* decided: false for AND, true for OR */
                vec_set_valid(out, row);
                vec_bool(out)[row] = (uint8_t)truth;
                continue;
            }
            if (truth < 0) TRY(vec_set_null(out, row));
            pending[kept++] = (uint16_t)row;
        }
        pending_count = kept;
    }
    return NULL;
}

static Error *eval_case(ExprState *st, const DataChunk *input, const uint16_t *sel,
                        uint32_t count, Arena *arena, Vector *out)
{
    if (st->type.id == TYPE_NUMERIC) {
        vec_init_phys(out, st->type, VEC_PHYS_NUMERIC, 0, arena);
    } else {
        vec_init(out, st->type, arena);
    }
    TRY(vec_reserve(out, kern_span(sel, count)));
    uint16_t *pending = sel_materialize(sel, count, arena);
    uint16_t *matched = arena_alloc(arena, (count > 0 ? count : 1) * sizeof(uint16_t));
    if (pending == NULL || matched == NULL) return oom();
    uint32_t pending_count = count;
    uint32_t pair_count = (st->arg_count - (st->expr->has_else ? 1 : 0)) / 2;
    for (uint32_t pair_idx = 0; pair_idx < pair_count && pending_count > 0; pair_idx++) {
        Vector cond;
        TRY(eval(st->args[2 * pair_idx], input, pending, pending_count, arena, &cond));
        uint32_t matched_count = 0, kept = 0;
        for (uint32_t idx = 0; idx < pending_count; idx++) {
            uint16_t row = pending[idx];
            if (op_bool_at(&cond, row) == 1) matched[matched_count++] = row;
            else pending[kept++] = row;
        }
        pending_count = kept;
        if (matched_count == 0) continue;
        Vector result;
        TRY(eval(st->args[2 * pair_idx + 1], input, matched, matched_count, arena, &result));
        for (uint32_t idx = 0; idx < matched_count; idx++) {
            TRY(op_vec_copy_value(out, matched[idx], &result, matched[idx]));
        }
    }
    if (pending_count == 0) return NULL;
    if (st->expr->has_else) {
        Vector result;
        TRY(eval(st->args[st->arg_count - 1], input, pending, pending_count, arena, &result));
        for (uint32_t idx = 0; idx < pending_count; idx++) {
            TRY(op_vec_copy_value(out, pending[idx], &result, pending[idx]));
        }
        return NULL;
    }
    for (uint32_t idx = 0; idx < pending_count; idx++) TRY(vec_set_null(out, pending[idx]));
    return NULL;
}

static Error *eval_coalesce(ExprState *st, const DataChunk *input, const uint16_t *sel,
                            uint32_t count, Arena *arena, Vector *out)
{
    if (st->type.id == TYPE_NUMERIC) {
        vec_init_phys(out, st->type, VEC_PHYS_NUMERIC, 0, arena);
    } else {
        vec_init(out, st->type, arena);
    }
    TRY(vec_reserve(out, kern_span(sel, count)));
    uint16_t *pending = sel_materialize(sel, count, arena);
    if (pending == NULL) return oom();
    uint32_t pending_count = count;
    for (uint32_t arg_idx = 0; arg_idx < st->arg_count && pending_count > 0; arg_idx++) {
        Vector value;
        TRY(eval(st->args[arg_idx], input, pending, pending_count, arena, &value));
        uint32_t kept = 0;
        for (uint32_t idx = 0; idx < pending_count; idx++) {
            uint16_t row = pending[idx];
            if (vec_is_null(&value, row)) {
                pending[kept++] = row;
                continue;
            }
            TRY(op_vec_copy_value(out, row, &value, row));
        }
        pending_count = kept;
    }
    for (uint32_t idx = 0; idx < pending_count; idx++) TRY(vec_set_null(out, pending[idx]));
    return NULL;
}

static Error *eval_cast(ExprState *st, const DataChunk *input, const uint16_t *sel,
                        uint32_t count, Arena *arena, Vector *out)
{
    Vector value;
    TRY(eval(st->args[0], input, sel, count, arena, &value));
    if (st->relabel) {
        *out = value;
        out->type = st->type;
        return NULL;
    }
    return call_kernel(st, st->fn, &value, 1, sel, count, arena, out);
}

/* ------------------------------------------------------------- subplans ---- */

static Error *subplan_start(SubplanState *sub)
{
    if (!sub->open) {
        TRY(exec_open(sub->op));
        sub->open = true;
        return NULL;
    }
    return exec_rescan(sub->op);
}

/* SubResult: one subplan result: a value (SCALAR) or a three-valued bool. */
static Error *set_bool_result(Vector *result, int truth, Arena *arena)
{
    vec_init(result, type_plain(TYPE_BOOL), arena);
    TRY(vec_reserve(result, 1));
    vec_bool(result)[0] = truth > 0;
    if (truth < 0) TRY(vec_set_null(result, 0));
    return make_constant(result);
}

/* fold_test: the ANY/ALL test over the live rows of chunk into *truth (ANY: OR, ALL: AND);
 * *decided_out when no later row can change it. ctx->outer is ours here. */
static Error *fold_test(ExprState *st, const DataChunk *chunk, Arena *arena, int *truth,
                        bool *decided_out)
{
    bool is_any = st->expr->sublink == SUBLINK_ANY;
    uint32_t live = chunk_live_count(chunk);
    *decided_out = false;
    if (live == 0) return NULL;
    Vector tested;
    TRY(eval(st->test, chunk, chunk->sel, live, arena, &tested));
    for (uint32_t idx = 0; idx < live; idx++) {
        uint32_t row = chunk->sel != NULL ? chunk->sel[idx] : idx;
        int value = op_bool_at(&tested, row);
        if (is_any && value == 1) {
            *truth = 1;
            *decided_out = true;
            return NULL;
        }
        if (!is_any && value == 0) {
            *truth = 0;
            *decided_out = true;
            return NULL;
        }
        if (value < 0) *truth = -1;
    }
    return NULL;
}

/* subplan_array: ARRAY(subquery): column 0 of every row, in order (arrays). */
static Error *subplan_array(ExprState *st, Arena *arena, Vector *result)
{
    ArrayBuilder builder;
    array_builder_init(&builder, arena, type_array_elem(st->type.id), 1);
    TRY(subplan_start(st->sub));
    for (;;) {
        DataChunk *chunk;
        TRY(exec_next(st->sub->op, &chunk));
        if (chunk == NULL) break;
        uint32_t live = chunk_live_count(chunk);
        for (uint32_t idx = 0; idx < live && chunk->column_count > 0; idx++) {
            uint32_t row = chunk->sel != NULL ? chunk->sel[idx] : idx;
            TRY(kern_array_builder_add_value(&builder, &chunk->columns[0], row, arena));
        }
    }
    size_t size = 0;
    const uint8_t *bytes = array_builder_finish(&builder, &size);
    vec_init(result, st->type, arena);
    TRY(vec_reserve(result, 1));
    TRY(kern_array_set(result, 0, bytes, size));
    return make_constant(result);
}

/* subplan_run: run the subplan once with the current ctx->outer and compute the result into
 * result (a constant vector in arena). */
static Error *subplan_run(ExprState *st, Arena *arena, Vector *result)
{
    SubplanState *sub = st->sub;
    SublinkKind kind = st->expr->sublink;
    if (kind == SUBLINK_ARRAY) return subplan_array(st, arena, result);   /* arrays */
    int truth = kind == SUBLINK_ALL ? 1 : 0;
    if ((kind == SUBLINK_ANY || kind == SUBLINK_ALL) && sub->materialized) {
        for (uint32_t chunk_idx = 0; chunk_idx < sub->rows.chunk_count; chunk_idx++) {
            bool decided;
            TRY(fold_test(st, &sub->rows.chunks[chunk_idx], arena, &truth, &decided));
            if (decided) break;
        }
        return set_bool_result(result, truth, arena);
    }
    TRY(subplan_start(sub));
    uint64_t row_count = 0;
    bool have_value = false;
    for (;;) {
        DataChunk *chunk;
        TRY(exec_next(sub->op, &chunk));
        if (chunk == NULL) break;
        uint32_t live = chunk_live_count(chunk);
        if (live == 0) continue;
        if (kind == SUBLINK_EXISTS) {
            truth = 1;
            break;
        }
        if (kind == SUBLINK_SCALAR) {
            row_count += live;
            if (row_count > 1) {
                return err_at(SQLSTATE_CARDINALITY_VIOLATION, st->expr->position,
                              "more than one row returned by a subquery used as an expression");
            }
            if (chunk->column_count < 1) {
                return err_new(SQLSTATE_INTERNAL_ERROR, "scalar subquery without columns");
            }
            uint32_t row = chunk->sel != NULL ? chunk->sel[0] : 0;
            TRY(op_vec_const_copy(&chunk->columns[0], row, arena, result));
            have_value = true;
            continue;
        }
        bool decided;
        TRY(fold_test(st, chunk, arena, &truth, &decided));
        if (decided) break;
    }
    if (kind == SUBLINK_SCALAR) {
        if (!have_value) return const_null(st->type, arena, result);
        result->type = st->type;
        return NULL;
    }
    return set_bool_result(result, truth, arena);
}

/* materialize: the rows of a subplan that does not read outer values, once. */
static Error *subplan_materialize(ExprState *st)
{
    SubplanState *sub = st->sub;
    const Plan *plan = st->expr->subplan;
    TRY(rowbuf_init(&sub->rows, plan->types, plan->column_count));
    TRY(subplan_start(sub));
    for (;;) {
        DataChunk *chunk;
        TRY(exec_next(sub->op, &chunk));
        if (chunk == NULL) break;
        TRY(rowbuf_append_chunk(&sub->rows, chunk));
    }
    sub->materialized = true;
    exec_close(sub->op);
    sub->open = false;
    return NULL;
}

/* memo_key: the bytes of the outer values (tag + value per arg); false if too large. */
static bool memo_key(const ExecOuter *outer, Arena *arena, uint8_t **key_out, uint32_t *size_out)
{
    size_t size = 0;
    for (uint32_t idx = 0; idx < outer->count; idx++) {
        const Vector *vec = &outer->values[idx];
        size += 1 + 8;
        if (vec_is_null(vec, 0)) continue;
        if (vec->phys == VEC_PHYS_STR || vec->phys == VEC_PHYS_ARRAY /* arrays */) {
            size += vec_str(vec)[0].size;
        }
        else if (vec->phys == VEC_PHYS_NUMERIC) {
            size += numeric_serialized_size(&vec_numeric(vec)[0]);
        } else size += type_phys_size((VecPhys)vec->phys);
    }
    if (size > MEMO_KEY_SIZE_MAX) return false;
    uint8_t *key = arena_alloc(arena, size > 0 ? size : 1);
    if (key == NULL) return false;
    size_t offset = 0;
    for (uint32_t idx = 0; idx < outer->count; idx++) {
        const Vector *vec = &outer->values[idx];
        bool is_null = vec_is_null(vec, 0);
        key[offset++] = is_null ? 0 : 1;
        uint64_t extra = vec->phys == VEC_PHYS_NUM64 ? (uint64_t)vec->numeric_scale : 0;
        const void *bytes = vec->data;
        size_t value_size = type_phys_size((VecPhys)vec->phys);
        if (!is_null && (vec->phys == VEC_PHYS_STR || vec->phys == VEC_PHYS_ARRAY /* arrays */)) {
            extra = vec_str(vec)[0].size;
            bytes = str_view_data(&vec_str(vec)[0]);
            value_size = vec_str(vec)[0].size;
        }
        memcpy(key + offset, &extra, 8);
        offset += 8;
        if (is_null) continue;
        if (vec->phys == VEC_PHYS_NUMERIC) {
            offset += numeric_serialize(&vec_numeric(vec)[0], key + offset);
        } else {
            memcpy(key + offset, bytes, value_size);
            offset += value_size;
        }
    }
    *key_out = key;
    *size_out = (uint32_t)offset;
    return true;
}

static MemoEntry *memo_find(SubplanState *sub, uint64_t hash, const uint8_t *key,
                            uint32_t key_size)
{
    if (sub->memo_capacity == 0) return NULL;
    uint32_t mask = sub->memo_capacity - 1;
    for (uint32_t probe = 0; probe < sub->memo_capacity; probe++) {
        MemoEntry *entry = &sub->memo[(hash + probe) & mask];
        if (entry->key == NULL) return entry;
        if (entry->hash == hash && entry->key_size == key_size &&
            memcmp(entry->key, key, key_size) == 0) {
            return entry;
        }
    }
    return NULL;
}

static Error *memo_grow(SubplanState *sub)
{
    if (sub->memo_arena == NULL) {
        sub->memo_arena = arena_create(64 * 1024);
        if (sub->memo_arena == NULL) return oom();
    }
    uint32_t capacity = sub->memo_capacity == 0 ? 64 : sub->memo_capacity * 2;
    MemoEntry *entries = arena_calloc(sub->memo_arena, capacity * sizeof *entries);
    if (entries == NULL) return oom();
    MemoEntry *old = sub->memo;
    uint32_t old_capacity = sub->memo_capacity;
    sub->memo = entries;
    sub->memo_capacity = capacity;
    for (uint32_t idx = 0; idx < old_capacity; idx++) {
        if (old[idx].key == NULL) continue;
        MemoEntry *slot = memo_find(sub, old[idx].hash, old[idx].key, old[idx].key_size);
        *slot = old[idx];
    }
    return NULL;
}

/* subplan_row: the result for the current outer values (memoized). */
static Error *subplan_row(ExprState *st, Vector *result)
{
    SubplanState *sub = st->sub;
    uint8_t *key = NULL;
    uint32_t key_size = 0;
    uint64_t hash = 0;
    bool use_memo = sub->memo_ok && memo_key(&sub->outer, sub->row_arena, &key, &key_size);
    if (use_memo) {
        hash = hash_bytes(key, key_size, 0x5eed);
        MemoEntry *entry = memo_find(sub, hash, key, key_size);
        if (entry != NULL && entry->key != NULL) {
            *result = entry->value;
            return NULL;
        }
    }
    ExecOuter *saved = st->ctx->outer;
    st->ctx->outer = &sub->outer;
    Error *err = subplan_run(st, sub->row_arena, result);
    st->ctx->outer = saved;
    TRY(err);
    if (!use_memo || sub->memo_count >= MEMO_ENTRY_COUNT_MAX) return NULL;
    if ((sub->memo_count + 1) * 2 > sub->memo_capacity) TRY(memo_grow(sub));
    MemoEntry *slot = memo_find(sub, hash, key, key_size);
    if (slot == NULL) return NULL;
    uint8_t *key_copy = arena_alloc(sub->memo_arena, key_size > 0 ? key_size : 1);
    if (key_copy == NULL) return oom();
    memcpy(key_copy, key, key_size);
    TRY(op_vec_const_copy(result, 0, sub->memo_arena, &slot->value));
    slot->hash = hash;
    slot->key = key_copy;
    slot->key_size = key_size;
    sub->memo_count++;
    return NULL;
}

static Error *eval_subplan(ExprState *st, const DataChunk *input, const uint16_t *sel,
                           uint32_t count, Arena *arena, Vector *out)
{
    SubplanState *sub = st->sub;
    if (st->arg_count == 0) {
        if (!sub->done_once) {
            TRY(subplan_run(st, st->ctx->arena, &sub->value));
            sub->done_once = true;
            exec_close(sub->op);
            sub->open = false;
        }
        return op_vec_const_copy(&sub->value, 0, arena, out);
    }
    bool is_quantified = st->expr->sublink == SUBLINK_ANY || st->expr->sublink == SUBLINK_ALL;
    if (is_quantified && !sub->reads_outer && !sub->materialized) {
        TRY(subplan_materialize(st));
    }
    Vector *values;
    TRY(eval_args(st, input, sel, count, arena, &values));
    if (st->type.id == TYPE_NUMERIC) vec_init_phys(out, st->type, VEC_PHYS_NUMERIC, 0, arena);
    else vec_init(out, st->type, arena);
    TRY(vec_reserve(out, kern_span(sel, count)));
    for (uint32_t idx = 0; idx < count; idx++) {
        uint32_t row = sel != NULL ? sel[idx] : idx;
        arena_reset(sub->row_arena);
        for (uint32_t arg_idx = 0; arg_idx < st->arg_count; arg_idx++) {
            TRY(op_vec_const_copy(&values[arg_idx], row, sub->row_arena,
                                  &sub->outer.values[arg_idx]));
        }
        Vector result;
        TRY(subplan_row(st, &result));
        TRY(op_vec_copy_value(out, row, &result, 0));
    }
    return NULL;
}

/* ------------------------------------------------------------- sequences ---- */

static Error *eval_sequence(ExprState *st, const DataChunk *input, const uint16_t *sel,
                            uint32_t count, Arena *arena, Vector *out)
{
    ExecCtx *ctx = st->ctx;
    Vector *values = NULL;
    if (st->arg_count > 0) TRY(eval_args(st, input, sel, count, arena, &values));
    vec_init(out, st->type, arena);
    TRY(vec_reserve(out, kern_span(sel, count)));
    for (uint32_t idx = 0; idx < count; idx++) {
        uint32_t row = sel != NULL ? sel[idx] : idx;
        int64_t value = 0;
        if (st->kind == EXPR_SEQ_NEXT) {
            TRY(op_err_position(catalog_sequence_next(ctx->catalog, st->sequence, &value),
                                st->expr->position));
            if (ctx->hooks.seq_note != NULL) ctx->hooks.seq_note(ctx->hooks.ctx, st->sequence->oid, value);
        } else if (st->kind == EXPR_SEQ_CURR) {
            bool known = ctx->hooks.seq_current != NULL &&
                         ctx->hooks.seq_current(ctx->hooks.ctx, st->sequence->oid, &value);
            if (!known) {
                return err_at(SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE, st->expr->position,
                              "currval of sequence \"%s\" is not yet defined in this session",
                              st->sequence->name);
            }
        } else {
            if (st->arg_count < 1 || vec_is_null(&values[0], row)) {
                TRY(vec_set_null(out, row));
                continue;
            }
            const Vector *arg = &values[0];
            uint32_t slot = arg->is_constant ? 0 : row;
            value = arg->phys == VEC_PHYS_I32 ? vec_i32(arg)[slot]
                    : arg->phys == VEC_PHYS_I16 ? vec_i16(arg)[slot] : vec_i64(arg)[slot];
            bool is_called = true;
            if (st->arg_count > 1) {
                int truth = op_bool_at(&values[1], row);
                if (truth < 0) {
                    TRY(vec_set_null(out, row));
                    continue;
                }
                is_called = truth == 1;
            }
            TRY(op_err_position(catalog_sequence_set(ctx->catalog, st->sequence, value,
                                                     is_called), st->expr->position));
            if (is_called && ctx->hooks.seq_note != NULL) {
                ctx->hooks.seq_note(ctx->hooks.ctx, st->sequence->oid, value);
            }
        }
        vec_set_valid(out, row);
        if (out->phys == VEC_PHYS_I64) vec_i64(out)[row] = value;
        else if (out->phys == VEC_PHYS_I32) vec_i32(out)[row] = (int32_t)value;
        else if (out->phys == VEC_PHYS_I16) vec_i16(out)[row] = (int16_t)value;
        else return err_new(SQLSTATE_INTERNAL_ERROR, "sequence function of a non-integer type");
    }
    return NULL;
}

/* ------------------------------------------------------------- specials ---- */

static Error *eval_special(ExprState *st, const DataChunk *input, const uint16_t *sel,
                           uint32_t count, Arena *arena, Vector *out)
{
    ExecCtx *ctx = st->ctx;
    if (ctx->hooks.special == NULL) {
        return err_at(SQLSTATE_FEATURE_NOT_SUPPORTED, st->expr->position,
                      "function %s is not supported here", st->expr->name);
    }
    Vector *values = NULL;
    if (st->arg_count > 0) TRY(eval_args(st, input, sel, count, arena, &values));
    /* arguments as text */
    for (uint32_t arg_idx = 0; arg_idx < st->arg_count; arg_idx++) {
        if (values[arg_idx].phys == VEC_PHYS_STR) continue;
        KernFn fn = NULL;
        TRY(kern_cast_lookup(values[arg_idx].type, type_plain(TYPE_TEXT), &fn));
        if (fn == NULL) continue;
        Vector text;
        vec_init(&text, type_plain(TYPE_TEXT), arena);
        KernCtx kctx = kern_ctx(st, arena);
        const Vector *argv[1] = { &values[arg_idx] };
        TRY(fn(&kctx, argv, sel, count, &text));
        values[arg_idx] = text;
    }
    const char **texts = arena_alloc(arena, (st->arg_count + 1) * sizeof *texts);
    if (texts == NULL) return oom();
    Vector result;
    vec_init(&result, type_plain(TYPE_TEXT), arena);
    TRY(vec_reserve(&result, kern_span(sel, count)));
    for (uint32_t idx = 0; idx < count; idx++) {
        uint32_t row = sel != NULL ? sel[idx] : idx;
        for (uint32_t arg_idx = 0; arg_idx < st->arg_count; arg_idx++) {
            const Vector *vec = &values[arg_idx];
            if (vec_is_null(vec, row)) {
                texts[arg_idx] = NULL;
                continue;
            }
            const StrView *view = &vec_str(vec)[vec->is_constant ? 0 : row];
            texts[arg_idx] = arena_strndup(arena, str_view_data(view), view->size);
            if (texts[arg_idx] == NULL) return oom();
        }
        const char *text = NULL;
        TRY(op_err_position(ctx->hooks.special(ctx->hooks.ctx, st->expr->name, texts,
                                               st->arg_count, arena, &text),
                            st->expr->position));
        if (text == NULL) TRY(vec_set_null(&result, row));
        else TRY(vec_str_set(&result, row, text, (uint32_t)strlen(text)));
    }
    KernFn fn = NULL;
    if (st->type.id != TYPE_TEXT || st->type.typmod >= 0) {
        TRY(kern_cast_lookup(type_plain(TYPE_TEXT), st->type, &fn));
    }
    if (fn == NULL) {
        *out = result;
        out->type = st->type;
        return NULL;
    }
    return call_kernel(st, fn, &result, 1, sel, count, arena, out);
}

/* ------------------------------------------------------------- dispatch ---- */

static Error *eval_node(ExprState *st, const DataChunk *input, const uint16_t *sel,
                        uint32_t count, Arena *arena, Vector *out)
{
    ExecCtx *ctx = st->ctx;
    const Expr *expr = st->expr;
    switch (st->kind) {
    case EXPR_CONST: return op_vec_const_copy(&st->constant, 0, arena, out);
    case EXPR_PARAM: {
        TRY(op_vec_const_copy(&ctx->params[expr->param_idx], 0, arena, out));
        out->type = st->type;
        return NULL;
    }
    case EXPR_COLUMN:
        if (input == NULL || expr->column_idx >= input->column_count) {
            return err_new(SQLSTATE_INTERNAL_ERROR, "column %u is not in the input row",
                           expr->column_idx);
        }
        *out = input->columns[expr->column_idx];
        return NULL;
    case EXPR_OUTER:
        if (ctx->outer == NULL || expr->outer_idx >= ctx->outer->count) {
            return err_new(SQLSTATE_INTERNAL_ERROR, "outer value %u is not set", expr->outer_idx);
        }
        TRY(op_vec_const_copy(&ctx->outer->values[expr->outer_idx], 0, arena, out));
        out->type = st->type;
        return NULL;
    case EXPR_CALL: {
        Vector *values;
        TRY(eval_args(st, input, sel, count, arena, &values));
        return call_kernel(st, st->fn, values, st->arg_count, sel, count, arena, out);
    }
    case EXPR_CAST: return eval_cast(st, input, sel, count, arena, out);
    case EXPR_AND: return eval_bool_chain(st, input, sel, count, arena, out, true);
    case EXPR_OR: return eval_bool_chain(st, input, sel, count, arena, out, false);
    case EXPR_NOT:
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL: {
        Vector value;
        TRY(eval(st->args[0], input, sel, count, arena, &value));
        KernFn fn = st->kind == EXPR_NOT ? kern_not
                    : st->kind == EXPR_IS_NULL ? kern_is_null : kern_is_not_null;
        return call_kernel(st, fn, &value, 1, sel, count, arena, out);
    }
    case EXPR_CASE: return eval_case(st, input, sel, count, arena, out);
    case EXPR_COALESCE: return eval_coalesce(st, input, sel, count, arena, out);
    case EXPR_SUBPLAN: return eval_subplan(st, input, sel, count, arena, out);
    case EXPR_SEQ_NEXT:
    case EXPR_SEQ_CURR:
    case EXPR_SEQ_SET: return eval_sequence(st, input, sel, count, arena, out);
    case EXPR_FUNC_SPECIAL: return eval_special(st, input, sel, count, arena, out);
    }
    return err_new(SQLSTATE_INTERNAL_ERROR, "unknown expression kind %d", (int)st->kind);
}

static Error *eval(ExprState *st, const DataChunk *input, const uint16_t *sel, uint32_t count,
                   Arena *arena, Vector *out)
{
    if (st->folded) return op_vec_const_copy(&st->constant, 0, arena, out);
    if (count == 0) {
        vec_init(out, st->type, arena);
        return NULL;
    }
    if (st->foldable && st->kind != EXPR_COLUMN && st->kind != EXPR_PARAM) {
        /* once: compute for one row, keep as a constant (a bare parameter is copied as it is:
         * folding it would only copy it twice more) */
        DataChunk one = empty_row_chunk();
        Vector value;
        Arena *fold_arena = exec_run_arena(st->ctx);   /* stmt: params change per execution */
        TRY(eval_node(st, &one, NULL, 1, fold_arena, &value));
        TRY(op_vec_const_copy(&value, 0, fold_arena, &st->constant));
        st->constant.type = st->type;
        st->folded = true;
        return op_vec_const_copy(&st->constant, 0, arena, out);
    }
    return eval_node(st, input, sel, count, arena, out);
}

Error *expr_eval(ExprState *state, const DataChunk *input, Arena *arena, Vector *out)
{
    uint32_t count = chunk_live_count(input);
    return eval(state, input, input->sel, count, arena, out);
}

const Vector *op_expr_param_value(const ExprState *state)
{
    if (state->kind != EXPR_PARAM) return NULL;
    const ExecCtx *ctx = state->ctx;
    uint32_t param_idx = state->expr->param_idx;
    if (ctx->params == NULL || param_idx >= ctx->param_count) return NULL;
    const Vector *value = &ctx->params[param_idx];
    return type_equal(value->type, state->type) ? value : NULL;
}

void expr_params_changed(ExecCtx *ctx)
{
    for (ExprState *st = ctx->exprs; st != NULL; st = st->ctx_next) {
        if (st->kind != EXPR_CONST) st->folded = false;
    }
}

Error *expr_eval_const(ExprState *state, Arena *arena, Vector *out)
{
    DataChunk one = empty_row_chunk();
    Vector value;
    TRY(eval(state, &one, NULL, 1, arena, &value));
    if (value.is_constant) {
        *out = value;
        return NULL;
    }
    return op_vec_const_copy(&value, 0, arena, out);
}

/* ---------------------------------------------------------------- filters ---- */

/* filter_rows: rows of (sel, count) where st is true into sel_out; *count_out. */
static Error *filter_rows(ExprState *st, const DataChunk *input, const uint16_t *sel,
                          uint32_t count, Arena *arena, uint16_t *sel_out, uint32_t *count_out)
{
    if (count == 0) {
        *count_out = 0;
        return NULL;
    }
    if (st->kind == EXPR_AND && !st->folded) {
        const uint16_t *current = sel;
        uint32_t current_count = count;
        for (uint32_t arg_idx = 0; arg_idx < st->arg_count; arg_idx++) {
            TRY(filter_rows(st->args[arg_idx], input, current, current_count, arena, sel_out,
                            &current_count));
            current = sel_out;
            if (current_count == 0) break;
        }
        if (current == sel && sel != sel_out) {
            /* no operand: keep everything (cannot happen: AND has operands) */
            for (uint32_t idx = 0; idx < count; idx++) sel_out[idx] = sel != NULL ? sel[idx] : (uint16_t)idx;
        }
        *count_out = current_count;
        return NULL;
    }
    if (st->kind == EXPR_CALL && st->filter_fn != NULL && !st->foldable) {
        Vector *values;
        TRY(eval_args(st, input, sel, count, arena, &values));
        const Vector *argv[KERN_ARG_COUNT_MAX];
        for (uint32_t arg_idx = 0; arg_idx < st->arg_count && arg_idx < KERN_ARG_COUNT_MAX;
             arg_idx++) {
            argv[arg_idx] = &values[arg_idx];
        }
        KernCtx kctx = kern_ctx(st, arena);
        return op_err_position(st->filter_fn(&kctx, argv, sel, count, sel_out, count_out),
                               st->expr->position);
    }
    Vector value;
    TRY(eval(st, input, sel, count, arena, &value));
    uint32_t kept = 0;
    for (uint32_t idx = 0; idx < count; idx++) {
        uint32_t row = sel != NULL ? sel[idx] : idx;
        if (op_bool_at(&value, row) == 1) sel_out[kept++] = (uint16_t)row;
    }
    *count_out = kept;
    return NULL;
}

Error *expr_filter(ExprState *state, DataChunk *input, Arena *arena)
{
    uint32_t count = chunk_live_count(input);
    if (count == 0) return NULL;
    uint16_t *sel_out = arena_alloc(arena, input->row_count * sizeof(uint16_t));
    if (sel_out == NULL) return oom();
    uint32_t kept = 0;
    TRY(filter_rows(state, input, input->sel, count, arena, sel_out, &kept));
    chunk_set_sel(input, sel_out, kept);
    return NULL;
}

/* ------------------------------------------------------------ op_int.h ---- */

void op_expr_close(ExprState *state)
{
    if (state == NULL) return;
    for (uint32_t arg_idx = 0; arg_idx < state->arg_count; arg_idx++) {
        op_expr_close(state->args[arg_idx]);
    }
    op_expr_close(state->test);
    SubplanState *sub = state->sub;
    if (sub == NULL) return;
    if (sub->op != NULL) exec_close(sub->op);
    sub->open = false;
    rowbuf_destroy(&sub->rows);
    sub->materialized = false;
    if (sub->row_arena != NULL) arena_destroy(sub->row_arena);
    sub->row_arena = NULL;
    if (sub->memo_arena != NULL) arena_destroy(sub->memo_arena);
    sub->memo_arena = NULL;
    sub->memo = NULL;
    sub->memo_capacity = 0;
    sub->memo_count = 0;
}

Error *op_expr_eval_chunk(ExprState *const *states, uint32_t count, const DataChunk *input,
                          Arena *arena, DataChunk *out)
{
    for (uint32_t idx = 0; idx < count; idx++) {
        TRY(expr_eval(states[idx], input, arena, &out->columns[idx]));
    }
    out->column_count = count;
    out->row_count = input->row_count;
    out->sel = input->sel;
    out->sel_count = input->sel_count;
    out->arena = arena;
    return NULL;
}

Error *op_expr_prepare_list(ExecCtx *ctx, Expr *const *exprs, uint32_t count,
                            ExprState ***states_out)
{
    ExprState **states = arena_calloc(ctx->arena, (count > 0 ? count : 1) * sizeof *states);
    if (states == NULL) return oom();
    for (uint32_t idx = 0; idx < count; idx++) {
        if (exprs == NULL || exprs[idx] == NULL) continue;
        Error *err = expr_prepare(ctx, exprs[idx], &states[idx]);
        if (err != NULL) {
            for (uint32_t done = 0; done < idx; done++) op_expr_close(states[done]);
            return err;
        }
    }
    *states_out = states;
    return NULL;
}

Error *op_expr_eval_int64(ExprState *state, Arena *arena, int64_t *value_out, bool *is_null_out)
{
    Vector value;
    TRY(expr_eval_const(state, arena, &value));
    *value_out = 0;
    *is_null_out = vec_is_null(&value, 0);
    if (*is_null_out) return NULL;
    switch (value.phys) {
    case VEC_PHYS_I16: *value_out = vec_i16(&value)[0]; return NULL;
    case VEC_PHYS_I32: *value_out = vec_i32(&value)[0]; return NULL;
    case VEC_PHYS_I64: *value_out = vec_i64(&value)[0]; return NULL;
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: {
        Numeric num;
        TRY(vec_numeric_get(&value, 0, arena, &num));
        return numeric_to_int64(&num, value_out);
    }
    case VEC_PHYS_F64: {
        double number = vec_f64(&value)[0];
        if (!(number > -9.2e18 && number < 9.2e18)) {
            return err_new(SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
        }
        *value_out = (int64_t)__builtin_rint(number);
        return NULL;
    }
    default:
        return err_new(SQLSTATE_DATATYPE_MISMATCH, "expression of type %s is not an integer",
                       type_name(value.type.id));
    }
}
