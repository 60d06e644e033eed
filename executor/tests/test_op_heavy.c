/* executor/tests/test_op_heavy.c: hash and nested loop joins, hash aggregation, sort and
 * top-N, set operations, window functions, CTE scans and recursive unions, each checked
 * against a straightforward reference computed here.
 *
 * Inputs come from a static "chunk source" Op built from column arrays (several chunks, some
 * with a selection vector hiding junk rows); operators are built through their factories with
 * a placeholder child plan (a work-table scan) that is then replaced by the source. Results are
 * compared as sorted lists of rows printed as text ("1|N|abc": N is NULL). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/exec.h"

/* ------------------------------------------------------------------ helpers ---- */

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static uint32_t scaled(uint32_t count, uint32_t minimum)
{
    double value = count * test_scale();
    return value < minimum ? minimum : (uint32_t)value;
}

typedef struct TestEnv {
    ExecCtx     ctx;
    PlannedStmt planned;
} TestEnv;

static TestEnv *env_new(void)
{
    TestEnv *env = calloc(1, sizeof(TestEnv));
    ck_assert_ptr_nonnull(env);
    env->ctx.arena = arena_create(1 << 20);
    ck_assert_ptr_nonnull(env->ctx.arena);
    env->ctx.planned = &env->planned;
    return env;
}

static void env_free(TestEnv *env)
{
    arena_destroy(env->ctx.arena);
    free(env);
}

static void check_ok(Error *err)
{
    if (err != NULL) {
        ck_abort_msg("unexpected error %s: %s", sqlstate_code(err->state), err->message);
    }
}

static const Type T_I64 = { TYPE_INT8, -1 };
static const Type T_I32 = { TYPE_INT4, -1 };
static const Type T_TEXT = { TYPE_TEXT, -1 };
static const Type T_F64 = { TYPE_FLOAT8, -1 };
static const Type T_BOOL = { TYPE_BOOL, -1 };
static const Type T_NUM = { TYPE_NUMERIC, -1 };

/* TestCol: one column's values; nulls may be NULL (no NULLs). */
typedef struct TestCol {
    const int64_t *ints;     /* INT8 / INT4 */
    const char   **strs;     /* TEXT */
    const double  *floats;   /* FLOAT8 */
    const bool    *nulls;
} TestCol;

/* ------------------------------------------------------------ chunk source ---- */

typedef struct SrcOp {
    Op         base;
    DataChunk *chunks;
    uint32_t   chunk_count;
    uint32_t   cursor;
    DataChunk  view;
} SrcOp;

static Error *src_open(Op *op)
{
    ((SrcOp *)op)->cursor = 0;
    return NULL;
}

static Error *src_next(Op *op, DataChunk **chunk_out)
{
    SrcOp *src = (SrcOp *)op;
    *chunk_out = NULL;
    if (src->cursor >= src->chunk_count) return NULL;
    src->view = src->chunks[src->cursor++];
    *chunk_out = &src->view;
    return NULL;
}

static Error *src_rescan(Op *op) { return src_open(op); }
static void   src_close(Op *op) { (void)op; }
static const OpVtbl SRC_VT = { "Source", src_open, src_next, src_rescan, src_close };

static void set_value(Vector *vec, uint32_t row, const TestCol *col, uint32_t value_idx)
{
    if (col->nulls != NULL && col->nulls[value_idx]) {
        check_ok(vec_set_null(vec, row));
        return;
    }
    switch (vec->type.id) {
    case TYPE_INT8: vec_i64(vec)[row] = col->ints[value_idx]; break;
    case TYPE_INT4: vec_i32(vec)[row] = (int32_t)col->ints[value_idx]; break;
    case TYPE_FLOAT8: vec_f64(vec)[row] = col->floats[value_idx]; break;
    case TYPE_BOOL: vec_bool(vec)[row] = col->ints[value_idx] != 0; break;
    case TYPE_TEXT: {
        const char *text = col->strs[value_idx];
        check_ok(vec_str_set(vec, row, text, (uint32_t)strlen(text)));
        break;
    }
    default: ck_abort_msg("type %u", vec->type.id);
    }
}

/* src_new: rows_per_chunk rows a chunk; every third chunk interleaves junk rows hidden by sel. */
static Op *src_new(TestEnv *env, const Type *types, uint32_t column_count, const TestCol *cols,
                   uint32_t row_count, uint32_t rows_per_chunk)
{
    Arena *arena = env->ctx.arena;
    SrcOp *src = arena_calloc(arena, sizeof(SrcOp));
    src->base = (Op){ .vt = &SRC_VT, .ctx = &env->ctx, .column_count = column_count,
                      .types = types };
    uint32_t capacity = row_count / rows_per_chunk + 2;
    src->chunks = arena_calloc(arena, capacity * sizeof(DataChunk));
    for (uint32_t first = 0; first < row_count; first += rows_per_chunk) {
        uint32_t count = row_count - first < rows_per_chunk ? row_count - first : rows_per_chunk;
        bool with_junk = src->chunk_count % 3 == 2 && count * 2 <= VEC_VALUE_COUNT_MAX;
        DataChunk *chunk = &src->chunks[src->chunk_count++];
        check_ok(chunk_init(chunk, types, column_count, arena));
        uint32_t physical = with_junk ? count * 2 : count;
        check_ok(chunk_reserve(chunk, physical > 0 ? physical : 1));
        chunk->row_count = physical;
        for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
            Vector *vec = &chunk->columns[col_idx];
            if (vec->phys == VEC_PHYS_STR) memset(vec->data, 0, physical * sizeof(StrView));
            for (uint32_t row = 0; row < physical; row++) {
                uint32_t value_idx = first + (with_junk ? row / 2 : row);
                /* junk rows repeat a real row's value (hidden by sel) */
                set_value(vec, row, &cols[col_idx], value_idx);
            }
        }
        if (with_junk) {
            uint16_t *sel = arena_alloc(arena, count * sizeof(uint16_t));
            for (uint32_t idx = 0; idx < count; idx++) sel[idx] = (uint16_t)(idx * 2 + 1);
            chunk->sel = sel;
            chunk->sel_count = count;
        }
    }
    return &src->base;
}

/* ------------------------------------------------------------ plans and exprs ---- */

static Expr *col_expr(Arena *arena, uint32_t column_idx, Type type)
{
    Expr *expr = arena_calloc(arena, sizeof(Expr));
    expr->kind = EXPR_COLUMN;
    expr->column_idx = column_idx;
    expr->type = type;
    return expr;
}

static Expr *const_expr(Arena *arena, const char *text, Type type)
{
    Expr *expr = arena_calloc(arena, sizeof(Expr));
    expr->kind = EXPR_CONST;
    expr->type = type;
    expr->is_null = text == NULL;
    expr->const_text = text;
    expr->const_size = text != NULL ? strlen(text) : 0;
    return expr;
}

static Expr *call_expr(Arena *arena, const char *name, Expr *a, Expr *b)
{
    Type arg_types[2] = { a->type, b->type };
    KernLookup lookup;
    check_ok(kern_lookup(name, arg_types, 2, &lookup));
    Expr *expr = arena_calloc(arena, sizeof(Expr));
    expr->kind = EXPR_CALL;
    expr->type = lookup.result_type;
    expr->name = name;
    expr->kern = (const void *)lookup.fn;
    expr->filter_kern = (const void *)lookup.filter;
    expr->arg_count = 2;
    expr->args = arena_alloc(arena, 2 * sizeof(Expr *));
    expr->args[0] = a;
    expr->args[1] = b;
    return expr;
}

static Plan *plan_new(Arena *arena, PlanKind kind, const Type *types, uint32_t column_count)
{
    Plan *plan = arena_calloc(arena, sizeof(Plan));
    plan->kind = kind;
    plan->column_count = column_count;
    plan->types = arena_alloc(arena, (column_count + 1) * sizeof(Type));
    memcpy(plan->types, types, column_count * sizeof(Type));
    return plan;
}

/* stub_plan: a placeholder child (a work-table scan) whose op the test replaces. */
static Plan *stub_plan(Arena *arena, const Op *src)
{
    return plan_new(arena, PLAN_WORK_SCAN, src->types, src->column_count);
}

typedef Error *(*Factory)(ExecCtx *ctx, const Plan *plan, Op **op_out);

/* build_with: the op of plan (children stubbed) with left/right replaced by the sources. */
static Op *build_with(TestEnv *env, Factory factory, Plan *plan, Op *left, Op *right)
{
    if (left != NULL) plan->left = stub_plan(env->ctx.arena, left);
    if (right != NULL) plan->right = stub_plan(env->ctx.arena, right);
    Op *op = NULL;
    check_ok(factory(&env->ctx, plan, &op));
    if (left != NULL) op->left = left;
    if (right != NULL) op->right = right;
    return op;
}

/* ------------------------------------------------------------------ results ---- */

typedef struct Rows {
    char   **rows;
    uint32_t count;
    uint32_t capacity;
} Rows;

static void rows_add(Rows *rows, const char *text)
{
    if (rows->count == rows->capacity) {
        rows->capacity = rows->capacity == 0 ? 1024 : rows->capacity * 2;
        rows->rows = realloc(rows->rows, rows->capacity * sizeof(char *));
    }
    rows->rows[rows->count++] = strdup(text);
}

static void rows_free(Rows *rows)
{
    for (uint32_t idx = 0; idx < rows->count; idx++) free(rows->rows[idx]);
    free(rows->rows);
    *rows = (Rows){ 0 };
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void rows_sort(Rows *rows)
{
    if (rows->count > 1) qsort(rows->rows, rows->count, sizeof(char *), str_cmp);
}

static void value_text(const Vector *vec, uint32_t row, char *buffer, size_t size)
{
    uint32_t slot = vec->is_constant ? 0 : row;
    if (vec_is_null(vec, row)) {
        snprintf(buffer, size, "N");
        return;
    }
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_BOOL: snprintf(buffer, size, "%s", vec_bool(vec)[slot] ? "t" : "f"); break;
    case VEC_PHYS_I16: snprintf(buffer, size, "%d", vec_i16(vec)[slot]); break;
    case VEC_PHYS_I32: snprintf(buffer, size, "%d", vec_i32(vec)[slot]); break;
    case VEC_PHYS_I64: snprintf(buffer, size, "%lld", (long long)vec_i64(vec)[slot]); break;
    case VEC_PHYS_F64: snprintf(buffer, size, "%.6g", vec_f64(vec)[slot]); break;
    case VEC_PHYS_STR: {
        const StrView *view = &vec_str(vec)[slot];
        snprintf(buffer, size, "%.*s", (int)view->size, str_view_data(view));
        break;
    }
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: {
        Arena *arena = arena_create(4096);
        Numeric num;
        char *text;
        check_ok(vec_numeric_get(vec, slot, arena, &num));
        check_ok(numeric_to_text(&num, arena, &text));
        snprintf(buffer, size, "%s", text);
        arena_destroy(arena);
        break;
    }
    default: snprintf(buffer, size, "?");
    }
}

/* drain: every output row as text, in output order; checks chunk sizes. */
static Error *drain(Op *op, Rows *rows)
{
    char line[4096], value[1024];
    for (;;) {
        DataChunk *chunk;
        TRY(exec_next(op, &chunk));
        if (chunk == NULL) return NULL;
        ck_assert_uint_le(chunk->row_count, VEC_VALUE_COUNT_MAX);
        ck_assert_uint_eq(chunk->column_count, op->column_count);
        uint32_t count = chunk_live_count(chunk);
        for (uint32_t pos = 0; pos < count; pos++) {
            uint32_t row = chunk->sel != NULL ? chunk->sel[pos] : pos;
            line[0] = 0;
            for (uint32_t col_idx = 0; col_idx < chunk->column_count; col_idx++) {
                value_text(&chunk->columns[col_idx], row, value, sizeof value);
                size_t used = strlen(line);
                snprintf(line + used, sizeof line - used, "%s%s", col_idx > 0 ? "|" : "", value);
            }
            rows_add(rows, line);
        }
    }
}

static Rows run(Op *op)
{
    Rows rows = { 0 };
    check_ok(exec_open(op));
    check_ok(drain(op, &rows));
    exec_close(op);
    return rows;
}

static void rows_assert_equal(Rows *got, Rows *want, bool sort)
{
    if (sort) {
        rows_sort(got);
        rows_sort(want);
    }
    for (uint32_t idx = 0; idx < got->count && idx < want->count; idx++) {
        if (strcmp(got->rows[idx], want->rows[idx]) != 0) {
            ck_abort_msg("row %u: got '%s', want '%s' (%u rows vs %u)", idx, got->rows[idx],
                         want->rows[idx], got->count, want->count);
        }
    }
    ck_assert_uint_eq(got->count, want->count);
}

static void int_text(char *buffer, size_t size, bool is_null, int64_t value)
{
    if (is_null) snprintf(buffer, size, "N");
    else snprintf(buffer, size, "%lld", (long long)value);
}

/* ------------------------------------------------------------------- joins ---- */

typedef struct JoinData {
    uint32_t left_count, right_count;
    int64_t *lk, *lv, *rk, *rv;
    bool    *lk_null, *rk_null;
} JoinData;

static JoinData join_data(uint32_t left_count, uint32_t right_count, uint32_t key_domain)
{
    JoinData data = { .left_count = left_count, .right_count = right_count };
    data.lk = calloc(left_count + 1, sizeof(int64_t));
    data.lv = calloc(left_count + 1, sizeof(int64_t));
    data.lk_null = calloc(left_count + 1, sizeof(bool));
    data.rk = calloc(right_count + 1, sizeof(int64_t));
    data.rv = calloc(right_count + 1, sizeof(int64_t));
    data.rk_null = calloc(right_count + 1, sizeof(bool));
    for (uint32_t idx = 0; idx < left_count; idx++) {
        data.lk[idx] = (idx * 7 + 3) % key_domain;
        data.lv[idx] = idx;
        data.lk_null[idx] = idx % 13 == 5;
    }
    for (uint32_t idx = 0; idx < right_count; idx++) {
        /* keys beyond the left domain too (unmatched build rows) */
        data.rk[idx] = (idx * 5 + 1) % (key_domain + 11);
        data.rv[idx] = 100000 + idx;
        data.rk_null[idx] = idx % 17 == 2;
    }
    return data;
}

static void join_data_free(JoinData *data)
{
    free(data->lk); free(data->lv); free(data->lk_null);
    free(data->rk); free(data->rv); free(data->rk_null);
}

/* join_reference: the expected rows; with_filter adds lv * 20 < rv - 100000 (a condition that
 * keeps roughly half of the pairs). */
static Rows join_reference(const JoinData *data, JoinType type, bool with_filter)
{
    Rows rows = { 0 };
    char line[256], a[32], b[32], c[32], d[32];
    bool *right_matched = calloc(data->right_count + 1, sizeof(bool));
    bool right_has_null = false;
    for (uint32_t r = 0; r < data->right_count; r++) right_has_null |= data->rk_null[r];
    for (uint32_t l = 0; l < data->left_count; l++) {
        bool matched = false;
        int_text(a, sizeof a, data->lk_null[l], data->lk[l]);
        int_text(b, sizeof b, false, data->lv[l]);
        for (uint32_t r = 0; r < data->right_count; r++) {
            if (data->lk_null[l] || data->rk_null[r] || data->lk[l] != data->rk[r]) continue;
            if (with_filter && !(data->lv[l] * 20 < data->rv[r] - 100000)) continue;
            matched = true;
            right_matched[r] = true;
            if (type == JOIN_INNER || type == JOIN_LEFT || type == JOIN_RIGHT ||
                type == JOIN_FULL) {
                int_text(c, sizeof c, false, data->rk[r]);
                int_text(d, sizeof d, false, data->rv[r]);
                snprintf(line, sizeof line, "%s|%s|%s|%s", a, b, c, d);
                rows_add(&rows, line);
            }
        }
        if (!matched && (type == JOIN_LEFT || type == JOIN_FULL)) {
            snprintf(line, sizeof line, "%s|%s|N|N", a, b);
            rows_add(&rows, line);
        }
        if ((type == JOIN_SEMI && matched) || (type == JOIN_ANTI && !matched)) {
            snprintf(line, sizeof line, "%s|%s", a, b);
            rows_add(&rows, line);
        }
        if (type == JOIN_MARK) {
            const char *mark = matched ? "t"
                             : data->right_count > 0 && (data->lk_null[l] || right_has_null) ? "N"
                             : "f";
            snprintf(line, sizeof line, "%s|%s|%s", a, b, mark);
            rows_add(&rows, line);
        }
    }
    if (type == JOIN_RIGHT || type == JOIN_FULL) {
        for (uint32_t r = 0; r < data->right_count; r++) {
            if (right_matched[r]) continue;
            int_text(c, sizeof c, data->rk_null[r], data->rk[r]);
            int_text(d, sizeof d, false, data->rv[r]);
            snprintf(line, sizeof line, "N|N|%s|%s", c, d);
            rows_add(&rows, line);
        }
    }
    free(right_matched);
    return rows;
}

static const Type JOIN_TYPES[4] = { { TYPE_INT8, -1 }, { TYPE_INT8, -1 }, { TYPE_INT8, -1 },
                                    { TYPE_INT8, -1 } };

/* join_plan: a hash or nested loop join plan over (lk, lv) and (rk, rv). */
static Plan *join_plan(TestEnv *env, bool is_hash, JoinType type, bool with_filter)
{
    Arena *arena = env->ctx.arena;
    Type out_types[4] = { T_I64, T_I64, T_I64, T_I64 };
    uint32_t column_count = 4;
    if (type == JOIN_SEMI || type == JOIN_ANTI) column_count = 2;
    if (type == JOIN_MARK) {
        column_count = 3;
        out_types[2] = T_BOOL;
    }
    Plan *plan = plan_new(arena, is_hash ? PLAN_HASH_JOIN : PLAN_NL_JOIN, out_types, column_count);
    plan->join_type = type;
    Expr *filter = NULL;
    if (with_filter) {
        /* lv * 20 < rv - 100000 */
        Expr *lhs = call_expr(arena, "*", col_expr(arena, 1, T_I64),
                              const_expr(arena, "20", T_I64));
        Expr *rhs = call_expr(arena, "-", col_expr(arena, 3, T_I64),
                              const_expr(arena, "100000", T_I64));
        filter = call_expr(arena, "<", lhs, rhs);
    }
    if (is_hash) {
        plan->key_count = 1;
        plan->left_keys = arena_alloc(arena, sizeof(Expr *));
        plan->right_keys = arena_alloc(arena, sizeof(Expr *));
        plan->left_keys[0] = col_expr(arena, 0, T_I64);
        plan->right_keys[0] = col_expr(arena, 0, T_I64);
        plan->filter = filter;
    } else {
        Expr *eq = call_expr(arena, "=", col_expr(arena, 0, T_I64), col_expr(arena, 2, T_I64));
        if (filter != NULL) {
            Expr *both = arena_calloc(arena, sizeof(Expr));
            both->kind = EXPR_AND;
            both->type = T_BOOL;
            both->arg_count = 2;
            both->args = arena_alloc(arena, 2 * sizeof(Expr *));
            both->args[0] = eq;
            both->args[1] = filter;
            plan->filter = both;
        } else {
            plan->filter = eq;
        }
    }
    return plan;
}

static void check_join(bool is_hash, JoinType type, bool with_filter, uint32_t left_count,
                       uint32_t right_count, uint32_t key_domain)
{
    TestEnv *env = env_new();
    JoinData data = join_data(left_count, right_count, key_domain);
    TestCol left_cols[2] = { { .ints = data.lk, .nulls = data.lk_null }, { .ints = data.lv } };
    TestCol right_cols[2] = { { .ints = data.rk, .nulls = data.rk_null }, { .ints = data.rv } };
    Op *left = src_new(env, JOIN_TYPES, 2, left_cols, left_count, 1500);
    Op *right = src_new(env, JOIN_TYPES, 2, right_cols, right_count, 1000);
    Plan *plan = join_plan(env, is_hash, type, with_filter);
    Op *op = build_with(env, is_hash ? op_hash_join_new : op_nl_join_new, plan, left, right);
    Rows got = run(op);
    Rows want = join_reference(&data, type, with_filter);
    rows_assert_equal(&got, &want, true);
    rows_free(&got);
    rows_free(&want);
    join_data_free(&data);
    env_free(env);
}

START_TEST(test_op_hash_join_types)
{
    static const JoinType TYPES[] = { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL,
                                      JOIN_SEMI, JOIN_ANTI, JOIN_MARK };
    uint32_t left_count = scaled(5000, 2100), right_count = scaled(3000, 2100);
    for (size_t idx = 0; idx < sizeof TYPES / sizeof TYPES[0]; idx++) {
        check_join(true, TYPES[idx], false, left_count, right_count, 97);
        check_join(true, TYPES[idx], true, left_count, right_count, 97);
    }
}
END_TEST

START_TEST(test_op_hash_join_edges)
{
    /* an empty build side, an empty probe side, and a single key (big output) */
    static const JoinType TYPES[] = { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL,
                                      JOIN_SEMI, JOIN_ANTI, JOIN_MARK };
    for (size_t idx = 0; idx < sizeof TYPES / sizeof TYPES[0]; idx++) {
        check_join(true, TYPES[idx], false, 100, 0, 5);
        check_join(true, TYPES[idx], false, 0, 100, 5);
        check_join(true, TYPES[idx], false, 300, 200, 1);
    }
}
END_TEST

START_TEST(test_op_nl_join_types)
{
    static const JoinType TYPES[] = { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL,
                                      JOIN_SEMI, JOIN_ANTI, JOIN_MARK };
    uint32_t left_count = scaled(2500, 2100), right_count = scaled(600, 300);
    for (size_t idx = 0; idx < sizeof TYPES / sizeof TYPES[0]; idx++) {
        if (TYPES[idx] == JOIN_MARK) continue;   /* a filter-only mark join has no NULL keys */
        check_join(false, TYPES[idx], false, left_count, right_count, 31);
        check_join(false, TYPES[idx], true, left_count, right_count, 31);
    }
}
END_TEST

START_TEST(test_op_hash_join_mark_nulls)
{
    /* NOT IN semantics: x IN (1, NULL) is true for 1, NULL for 2 and for NULL */
    TestEnv *env = env_new();
    int64_t lk[3] = { 1, 2, 0 }, lv[3] = { 10, 20, 30 };
    bool lk_null[3] = { false, false, true };
    int64_t rk[2] = { 1, 0 }, rv[2] = { 0, 0 };
    bool rk_null[2] = { false, true };
    TestCol left_cols[2] = { { .ints = lk, .nulls = lk_null }, { .ints = lv } };
    TestCol right_cols[2] = { { .ints = rk, .nulls = rk_null }, { .ints = rv } };
    Op *left = src_new(env, JOIN_TYPES, 2, left_cols, 3, 10);
    Op *right = src_new(env, JOIN_TYPES, 2, right_cols, 2, 10);
    Op *op = build_with(env, op_hash_join_new, join_plan(env, true, JOIN_MARK, false), left, right);
    Rows got = run(op);
    rows_sort(&got);
    ck_assert_uint_eq(got.count, 3);
    ck_assert_str_eq(got.rows[0], "1|10|t");
    ck_assert_str_eq(got.rows[1], "2|20|N");
    ck_assert_str_eq(got.rows[2], "N|30|N");
    rows_free(&got);
    /* without the NULL on the right: 2 is false, NULL stays NULL */
    rk_null[1] = false;
    rk[1] = 3;
    right = src_new(env, JOIN_TYPES, 2, right_cols, 2, 10);
    left = src_new(env, JOIN_TYPES, 2, left_cols, 3, 10);
    op = build_with(env, op_hash_join_new, join_plan(env, true, JOIN_MARK, false), left, right);
    got = run(op);
    rows_sort(&got);
    ck_assert_str_eq(got.rows[1], "2|20|f");
    ck_assert_str_eq(got.rows[2], "N|30|N");
    rows_free(&got);
    env_free(env);
}
END_TEST

START_TEST(test_op_hash_join_rescan_text_keys)
{
    /* text keys (long and short), then a rescan gives the same rows again */
    TestEnv *env = env_new();
    const char *lk[4] = { "apple", "a-rather-long-key-beyond-twelve", "pear", "x" };
    const char *rk[4] = { "a-rather-long-key-beyond-twelve", "apple", "apple", "y" };
    int64_t lv[4] = { 1, 2, 3, 4 }, rv[4] = { 5, 6, 7, 8 };
    static const Type TYPES[2] = { { TYPE_TEXT, -1 }, { TYPE_INT8, -1 } };
    TestCol left_cols[2] = { { .strs = lk }, { .ints = lv } };
    TestCol right_cols[2] = { { .strs = rk }, { .ints = rv } };
    Op *left = src_new(env, TYPES, 2, left_cols, 4, 3);
    Op *right = src_new(env, TYPES, 2, right_cols, 4, 3);
    Arena *arena = env->ctx.arena;
    Type out_types[4] = { T_TEXT, T_I64, T_TEXT, T_I64 };
    Plan *plan = plan_new(arena, PLAN_HASH_JOIN, out_types, 4);
    plan->join_type = JOIN_INNER;
    plan->key_count = 1;
    plan->left_keys = arena_alloc(arena, sizeof(Expr *));
    plan->right_keys = arena_alloc(arena, sizeof(Expr *));
    plan->left_keys[0] = col_expr(arena, 0, T_TEXT);
    plan->right_keys[0] = col_expr(arena, 0, T_TEXT);
    Op *op = build_with(env, op_hash_join_new, plan, left, right);
    check_ok(exec_open(op));
    for (int pass = 0; pass < 2; pass++) {
        Rows got = { 0 };
        if (pass == 1) check_ok(exec_rescan(op));
        check_ok(drain(op, &got));
        rows_sort(&got);
        ck_assert_uint_eq(got.count, 3);
        ck_assert_str_eq(got.rows[0], "a-rather-long-key-beyond-twelve|2|"
                                      "a-rather-long-key-beyond-twelve|5");
        ck_assert_str_eq(got.rows[1], "apple|1|apple|6");
        ck_assert_str_eq(got.rows[2], "apple|1|apple|7");
        rows_free(&got);
    }
    exec_close(op);
    exec_close(op);   /* idempotent */
    env_free(env);
}
END_TEST

/* -------------------------------------------------------------- aggregation ---- */

static AggCall agg_call(const char *name, Expr *arg, uint32_t input_type, bool distinct,
                        Expr *filter)
{
    AggCall call = { 0 };
    Type result;
    call.agg = kern_agg_find(name, input_type);
    ck_assert_ptr_nonnull(call.agg);
    result = type_plain((TypeId)((const AggKern *)call.agg)->result_type);
    call.name = name;
    call.result_type = result;
    call.arg = arg;
    call.distinct = distinct;
    call.filter = filter;
    return call;
}

START_TEST(test_op_hash_agg_grouped)
{
    TestEnv *env = env_new();
    Arena *arena = env->ctx.arena;
    uint32_t row_count = scaled(20000, 5000);
    uint32_t group_count = 3000;   /* more than one output chunk */
    int64_t *k = calloc(row_count, sizeof(int64_t)), *v = calloc(row_count, sizeof(int64_t));
    bool *k_null = calloc(row_count, sizeof(bool)), *v_null = calloc(row_count, sizeof(bool));
    for (uint32_t idx = 0; idx < row_count; idx++) {
        k[idx] = (idx * 31) % group_count;
        k_null[idx] = idx % 101 == 7;
        v[idx] = (idx * 13) % 50;
        v_null[idx] = idx % 11 == 3;
    }
    TestCol cols[2] = { { .ints = k, .nulls = k_null }, { .ints = v, .nulls = v_null } };
    static const Type TYPES[2] = { { TYPE_INT8, -1 }, { TYPE_INT8, -1 } };
    Op *src = src_new(env, TYPES, 2, cols, row_count, 1777);
    /* k, count(*), count(v), sum(v), min(v), max(v), count(DISTINCT v), sum(v) FILTER (v > 25) */
    AggCall calls[7];
    calls[0] = agg_call("count", NULL, TYPE_INVALID, false, NULL);
    calls[1] = agg_call("count", col_expr(arena, 1, T_I64), TYPE_INT8, false, NULL);
    calls[2] = agg_call("sum", col_expr(arena, 1, T_I64), TYPE_INT8, false, NULL);
    calls[3] = agg_call("min", col_expr(arena, 1, T_I64), TYPE_INT8, false, NULL);
    calls[4] = agg_call("max", col_expr(arena, 1, T_I64), TYPE_INT8, false, NULL);
    calls[5] = agg_call("count", col_expr(arena, 1, T_I64), TYPE_INT8, true, NULL);
    calls[6] = agg_call("sum", col_expr(arena, 1, T_I64), TYPE_INT8, false,
                        call_expr(arena, ">", col_expr(arena, 1, T_I64),
                                  const_expr(arena, "25", T_I64)));
    Type out_types[8] = { T_I64, T_I64, T_I64, T_NUM, T_I64, T_I64, T_I64, T_NUM };
    Plan *plan = plan_new(arena, PLAN_HASH_AGG, out_types, 8);
    plan->group_count = 1;
    plan->group_exprs = arena_alloc(arena, sizeof(Expr *));
    plan->group_exprs[0] = col_expr(arena, 0, T_I64);
    plan->agg_count = 7;
    plan->aggs = calls;
    Op *op = build_with(env, op_hash_agg_new, plan, src, NULL);
    Rows got = run(op);

    /* reference: groups 0..group_count-1 and NULL (index group_count) */
    Rows want = { 0 };
    for (uint32_t group = 0; group <= group_count; group++) {
        int64_t count_star = 0, count_v = 0, sum = 0, min = INT64_MAX, max = INT64_MIN;
        int64_t filtered = 0, filtered_count = 0;
        bool seen[50] = { false };
        int64_t distinct = 0;
        for (uint32_t idx = 0; idx < row_count; idx++) {
            bool in_group = group == group_count ? k_null[idx]
                                                 : !k_null[idx] && k[idx] == (int64_t)group;
            if (!in_group) continue;
            count_star++;
            if (v_null[idx]) continue;
            count_v++;
            sum += v[idx];
            if (v[idx] < min) min = v[idx];
            if (v[idx] > max) max = v[idx];
            if (!seen[v[idx]]) { seen[v[idx]] = true; distinct++; }
            if (v[idx] > 25) { filtered += v[idx]; filtered_count++; }
        }
        if (count_star == 0) continue;
        char line[256], key[32], s[32], mn[32], mx[32], f[32];
        int_text(key, sizeof key, group == group_count, group);
        int_text(s, sizeof s, count_v == 0, sum);
        int_text(mn, sizeof mn, count_v == 0, min);
        int_text(mx, sizeof mx, count_v == 0, max);
        int_text(f, sizeof f, filtered_count == 0, filtered);
        snprintf(line, sizeof line, "%s|%lld|%lld|%s|%s|%s|%lld|%s", key, (long long)count_star,
                 (long long)count_v, s, mn, mx, (long long)distinct, f);
        rows_add(&want, line);
    }
    rows_assert_equal(&got, &want, true);
    rows_free(&got);
    rows_free(&want);
    free(k); free(v); free(k_null); free(v_null);
    env_free(env);
}
END_TEST

START_TEST(test_op_hash_agg_ungrouped_and_empty)
{
    TestEnv *env = env_new();
    Arena *arena = env->ctx.arena;
    static const Type TYPES[1] = { { TYPE_INT4, -1 } };
    int64_t v[5] = { 3, 4, 5, 4, 0 };
    bool v_null[5] = { false, false, false, false, true };
    TestCol cols[1] = { { .ints = v, .nulls = v_null } };
    for (int empty = 0; empty < 2; empty++) {
        Op *src = src_new(env, TYPES, 1, cols, empty ? 0 : 5, 2);
        AggCall *calls = arena_alloc(arena, 4 * sizeof(AggCall));
        calls[0] = agg_call("count", NULL, TYPE_INVALID, false, NULL);
        calls[1] = agg_call("sum", col_expr(arena, 0, T_I32), TYPE_INT4, false, NULL);
        calls[2] = agg_call("sum", col_expr(arena, 0, T_I32), TYPE_INT4, true, NULL);
        calls[3] = agg_call("avg", col_expr(arena, 0, T_I32), TYPE_INT4, false, NULL);
        Type out_types[4] = { T_I64, T_I64, T_I64, T_NUM };
        Plan *plan = plan_new(arena, PLAN_HASH_AGG, out_types, 4);
        plan->agg_count = 4;
        plan->aggs = calls;
        Op *op = build_with(env, op_hash_agg_new, plan, src, NULL);
        Rows got = run(op);
        ck_assert_uint_eq(got.count, 1);
        ck_assert_str_eq(got.rows[0], empty ? "0|N|N|N" : "5|16|12|4.0000000000000000");
        rows_free(&got);
    }
    env_free(env);
}
END_TEST

START_TEST(test_op_hash_agg_text_groups)
{
    /* text keys with NULLs; min/max of text; the group NULL is one group */
    TestEnv *env = env_new();
    Arena *arena = env->ctx.arena;
    const char *s[8] = { "b", "a", "b", "a-long-group-name-here", "", "b", "x", "" };
    bool s_null[8] = { false, false, false, false, false, false, true, true };
    const char *t[8] = { "q", "r", "s", "t", "u", "v", "w", "z" };
    static const Type TYPES[2] = { { TYPE_TEXT, -1 }, { TYPE_TEXT, -1 } };
    TestCol cols[2] = { { .strs = s, .nulls = s_null }, { .strs = t } };
    Op *src = src_new(env, TYPES, 2, cols, 8, 3);
    AggCall calls[2];
    calls[0] = agg_call("min", col_expr(arena, 1, T_TEXT), TYPE_TEXT, false, NULL);
    calls[1] = agg_call("max", col_expr(arena, 1, T_TEXT), TYPE_TEXT, false, NULL);
    Type out_types[3] = { T_TEXT, T_TEXT, T_TEXT };
    Plan *plan = plan_new(arena, PLAN_HASH_AGG, out_types, 3);
    plan->group_count = 1;
    plan->group_exprs = arena_alloc(arena, sizeof(Expr *));
    plan->group_exprs[0] = col_expr(arena, 0, T_TEXT);
    plan->agg_count = 2;
    plan->aggs = calls;
    Rows got = run(build_with(env, op_hash_agg_new, plan, src, NULL));
    Rows want = { 0 };
    rows_add(&want, "b|q|v");
    rows_add(&want, "a|r|r");
    rows_add(&want, "a-long-group-name-here|t|t");
    rows_add(&want, "|u|u");
    rows_add(&want, "N|w|z");
    rows_assert_equal(&got, &want, true);
    rows_free(&got);
    rows_free(&want);
    env_free(env);
}
END_TEST

/* -------------------------------------------------------------------- sort ---- */

typedef struct SortRow {
    int64_t     k;
    bool        k_null;
    const char *s;
    bool        s_null;
    int64_t     seq;
} SortRow;

/* k ASC NULLS LAST, s DESC (NULLS FIRST), then arrival order (stability) */
static int sort_row_cmp(const void *a, const void *b)
{
    const SortRow *x = a, *y = b;
    if (x->k_null != y->k_null) return x->k_null ? 1 : -1;
    if (!x->k_null && x->k != y->k) return x->k < y->k ? -1 : 1;
    if (x->s_null != y->s_null) return x->s_null ? -1 : 1;
    if (!x->s_null) {
        int order = strcmp(x->s, y->s);
        if (order != 0) return -order;
    }
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static void check_sort(uint32_t row_count, int64_t limit, int64_t offset)
{
    TestEnv *env = env_new();
    Arena *arena = env->ctx.arena;
    static const char *WORDS[] = { "", "a", "ab", "b", "abc-longer-than-twelve", "abc-longer-than",
                                   "zz", "a\x01" };
    int64_t *k = calloc(row_count, sizeof(int64_t)), *seq = calloc(row_count, sizeof(int64_t));
    bool *k_null = calloc(row_count, sizeof(bool)), *s_null = calloc(row_count, sizeof(bool));
    const char **s = calloc(row_count, sizeof(char *));
    SortRow *ref = calloc(row_count, sizeof(SortRow));
    for (uint32_t idx = 0; idx < row_count; idx++) {
        k[idx] = (int64_t)((idx * 2654435761u) % 37) - 18;
        k_null[idx] = idx % 19 == 4;
        s[idx] = WORDS[(idx * 7) % 8];
        s_null[idx] = idx % 23 == 9;
        seq[idx] = idx;
        ref[idx] = (SortRow){ k[idx], k_null[idx], s[idx], s_null[idx], idx };
    }
    static const Type TYPES[3] = { { TYPE_INT8, -1 }, { TYPE_TEXT, -1 }, { TYPE_INT8, -1 } };
    TestCol cols[3] = { { .ints = k, .nulls = k_null }, { .strs = s, .nulls = s_null },
                        { .ints = seq } };
    Op *src = src_new(env, TYPES, 3, cols, row_count, 1000);
    Plan *plan = plan_new(arena, PLAN_SORT, TYPES, 3);
    plan->sort_count = 2;
    plan->sort_keys = arena_calloc(arena, 2 * sizeof(SortKey));
    plan->sort_keys[0] = (SortKey){ col_expr(arena, 0, T_I64), false, false };
    plan->sort_keys[1] = (SortKey){ col_expr(arena, 1, T_TEXT), true, true };
    char text[32];
    if (limit > 0) {
        snprintf(text, sizeof text, "%lld", (long long)limit);
        plan->limit = const_expr(arena, arena_strdup(arena, text), T_I64);
        snprintf(text, sizeof text, "%lld", (long long)offset);
        plan->offset = const_expr(arena, arena_strdup(arena, text), T_I64);
    }
    Rows got = run(build_with(env, op_sort_new, plan, src, NULL));
    qsort(ref, row_count, sizeof(SortRow), sort_row_cmp);
    Rows want = { 0 };
    uint64_t want_count = limit > 0 ? (uint64_t)(limit + offset) : row_count;
    if (want_count > row_count) want_count = row_count;
    for (uint32_t idx = 0; idx < want_count; idx++) {
        char line[256], a[32];
        int_text(a, sizeof a, ref[idx].k_null, ref[idx].k);
        snprintf(line, sizeof line, "%s|%s|%lld", a, ref[idx].s_null ? "N" : ref[idx].s,
                 (long long)ref[idx].seq);
        rows_add(&want, line);
    }
    rows_assert_equal(&got, &want, false);   /* order matters */
    rows_free(&got);
    rows_free(&want);
    free(k); free(seq); free(k_null); free(s_null); free(s); free(ref);
    env_free(env);
}

START_TEST(test_op_sort_mixed_keys_stable)
{
    check_sort(scaled(7000, 2500), 0, 0);
    check_sort(1, 0, 0);
    check_sort(0, 0, 0);
}
END_TEST

START_TEST(test_op_sort_top_n)
{
    check_sort(scaled(30000, 12000), 10, 5);      /* compaction kicks in */
    check_sort(100, 1000, 0);                      /* bound above the input */
    check_sort(5000, 2500, 100);                   /* top-N output over two chunks */
}
END_TEST

START_TEST(test_op_sort_floats_nan_desc)
{
    TestEnv *env = env_new();
    Arena *arena = env->ctx.arena;
    double g[7] = { 1.5, NAN, -INFINITY, 0.0, 7, 2.0, 0 };
    bool g_null[7] = { false, false, false, false, false, false, true };
    static const Type TYPES[1] = { { TYPE_FLOAT8, -1 } };
    TestCol cols[1] = { { .floats = g, .nulls = g_null } };
    /* DESC NULLS LAST: NaN first (greater than everything), NULL last */
    Op *src = src_new(env, TYPES, 1, cols, 7, 4);
    Plan *plan = plan_new(arena, PLAN_SORT, TYPES, 1);
    plan->sort_count = 1;
    plan->sort_keys = arena_calloc(arena, sizeof(SortKey));
    plan->sort_keys[0] = (SortKey){ col_expr(arena, 0, T_F64), true, false };
    Rows got = run(build_with(env, op_sort_new, plan, src, NULL));
    const char *want[7] = { "nan", "7", "2", "1.5", "0", "-inf", "N" };
    ck_assert_uint_eq(got.count, 7);
    for (int idx = 0; idx < 7; idx++) ck_assert_str_eq(got.rows[idx], want[idx]);
    rows_free(&got);
    env_free(env);
}
END_TEST

START_TEST(test_op_sort_work_mem_error)
{
    TestEnv *env = env_new();
    Arena *arena = env->ctx.arena;
    env->ctx.work_mem = 64 * 1024;
    uint32_t row_count = 50000;
    int64_t *v = calloc(row_count, sizeof(int64_t));
    for (uint32_t idx = 0; idx < row_count; idx++) v[idx] = row_count - idx;
    static const Type TYPES[1] = { { TYPE_INT8, -1 } };
    TestCol cols[1] = { { .ints = v } };
    Op *src = src_new(env, TYPES, 1, cols, row_count, 2048);
    Plan *plan = plan_new(arena, PLAN_SORT, TYPES, 1);
    plan->sort_count = 1;
    plan->sort_keys = arena_calloc(arena, sizeof(SortKey));
    plan->sort_keys[0] = (SortKey){ col_expr(arena, 0, T_I64), false, false };
    Op *op = build_with(env, op_sort_new, plan, src, NULL);
    check_ok(exec_open(op));
    Rows got = { 0 };
    Error *err = drain(op, &got);
    /* spill: past work_mem the sort spills sorted runs and merges them (was 53200) */
    check_ok(err);
    ck_assert_uint_eq(got.count, row_count);
    ck_assert_str_eq(got.rows[0], "1");
    ck_assert_str_eq(got.rows[row_count - 1], "50000");
    exec_close(op);
    rows_free(&got);
    free(v);
    env_free(env);
}
END_TEST

/* ------------------------------------------------------------------ set ops ---- */

START_TEST(test_op_setop_duplicates)
{
    /* left: 1 1 1 2 2 NULL NULL 3; right: 1 2 2 2 NULL 4 */
    int64_t l[8] = { 1, 1, 1, 2, 2, 0, 0, 3 }, r[6] = { 1, 2, 2, 2, 0, 4 };
    bool l_null[8] = { false, false, false, false, false, true, true, false };
    bool r_null[6] = { false, false, false, false, true, false };
    static const Type TYPES[1] = { { TYPE_INT8, -1 } };
    TestCol lcols[1] = { { .ints = l, .nulls = l_null } };
    TestCol rcols[1] = { { .ints = r, .nulls = r_null } };
    struct { SetOpKind kind; bool all; const char *want; } CASES[] = {
        { SETOP_UNION, true, "1 1 1 1 2 2 2 2 2 3 4 N N N" },
        { SETOP_UNION, false, "1 2 3 4 N" },
        { SETOP_INTERSECT, true, "1 2 2 N" },
        { SETOP_INTERSECT, false, "1 2 N" },
        { SETOP_EXCEPT, true, "1 1 3 N" },
        { SETOP_EXCEPT, false, "3" },
    };
    for (size_t case_idx = 0; case_idx < sizeof CASES / sizeof CASES[0]; case_idx++) {
        TestEnv *env = env_new();
        Op *left = src_new(env, TYPES, 1, lcols, 8, 3);
        Op *right = src_new(env, TYPES, 1, rcols, 6, 4);
        Plan *plan = plan_new(env->ctx.arena, PLAN_SETOP, TYPES, 1);
        plan->setop = CASES[case_idx].kind;
        plan->setop_all = CASES[case_idx].all;
        Rows got = run(build_with(env, op_setop_new, plan, left, right));
        rows_sort(&got);
        char joined[256] = "";
        for (uint32_t idx = 0; idx < got.count; idx++) {
            size_t used = strlen(joined);
            snprintf(joined + used, sizeof joined - used, "%s%s", idx > 0 ? " " : "",
                     got.rows[idx]);
        }
        ck_assert_msg(strcmp(joined, CASES[case_idx].want) == 0, "case %zu: got '%s' want '%s'",
                      case_idx, joined, CASES[case_idx].want);
        rows_free(&got);
        env_free(env);
    }
}
END_TEST

START_TEST(test_op_setop_large_union)
{
    /* many chunks, two columns (one text): UNION of overlapping ranges */
    TestEnv *env = env_new();
    uint32_t count = scaled(6000, 3000);
    int64_t *a = calloc(count, sizeof(int64_t)), *b = calloc(count, sizeof(int64_t));
    const char **s = calloc(count, sizeof(char *));
    static const char *WORDS[3] = { "x", "y", "a-long-string-value" };
    for (uint32_t idx = 0; idx < count; idx++) {
        a[idx] = idx % 1000;
        b[idx] = idx % 1500 + 500;
        s[idx] = WORDS[idx % 3];
    }
    static const Type TYPES[2] = { { TYPE_INT8, -1 }, { TYPE_TEXT, -1 } };
    TestCol lcols[2] = { { .ints = a }, { .strs = s } };
    TestCol rcols[2] = { { .ints = b }, { .strs = s } };
    Op *left = src_new(env, TYPES, 2, lcols, count, 2048);
    Op *right = src_new(env, TYPES, 2, rcols, count, 1000);
    Plan *plan = plan_new(env->ctx.arena, PLAN_SETOP, TYPES, 2);
    plan->setop = SETOP_UNION;
    Rows got = run(build_with(env, op_setop_new, plan, left, right));
    /* reference through a seen-table of printed rows */
    Rows all = { 0 };
    char line[64];
    for (uint32_t idx = 0; idx < count; idx++) {
        snprintf(line, sizeof line, "%lld|%s", (long long)a[idx], s[idx]);
        rows_add(&all, line);
        snprintf(line, sizeof line, "%lld|%s", (long long)b[idx], s[idx]);
        rows_add(&all, line);
    }
    rows_sort(&all);
    Rows want = { 0 };
    for (uint32_t idx = 0; idx < all.count; idx++) {
        if (idx == 0 || strcmp(all.rows[idx], all.rows[idx - 1]) != 0) {
            rows_add(&want, all.rows[idx]);
        }
    }
    rows_assert_equal(&got, &want, true);
    rows_free(&got);
    rows_free(&want);
    rows_free(&all);
    free(a); free(b); free(s);
    env_free(env);
}
END_TEST

/* ------------------------------------------------------------------ windows ---- */

static WindowCall win_call(Arena *arena, const char *name, Type result, uint32_t arg_count,
                           Expr **args, bool ordered)
{
    WindowCall call = { 0 };
    call.name = name;
    call.result_type = result;
    call.arg_count = arg_count;
    call.args = args;
    call.partition_count = 1;
    call.partition = arena_alloc(arena, sizeof(Expr *));
    call.partition[0] = col_expr(arena, 0, T_I64);
    if (ordered) {
        call.order_count = 1;
        call.order = arena_calloc(arena, sizeof(SortKey));
        call.order[0] = (SortKey){ col_expr(arena, 1, T_I64), false, false };
    }
    return call;
}

static Expr **expr_list(Arena *arena, uint32_t count, Expr *a, Expr *b, Expr *c)
{
    Expr **list = arena_alloc(arena, 3 * sizeof(Expr *));
    list[0] = a;
    list[1] = b;
    list[2] = c;
    (void)count;
    return list;
}

/* window_functions_run: 14 window calls in one operator over 5,000 rows (partitions of varying
 * sizes, one beyond a chunk) with env->ctx.work_mem = work_mem, against a reference computed
 * here. With err_out, only run it and return its error (test_spill_join_types.c's full disk). */
static void window_functions_run(size_t work_mem, Error **err_out)
{
    TestEnv *env = env_new();
    env->ctx.work_mem = work_mem;
    Arena *arena = env->ctx.arena;
    /* input sorted by (p, o): partitions of varying sizes, ties in o; p = NULL last */
    uint32_t row_count = scaled(5000, 2500);
    int64_t *p = calloc(row_count, sizeof(int64_t)), *o = calloc(row_count, sizeof(int64_t));
    int64_t *v = calloc(row_count, sizeof(int64_t));
    bool *p_null = calloc(row_count, sizeof(bool)), *v_null = calloc(row_count, sizeof(bool));
    uint32_t part = 0, in_part = 0, part_size = 1;
    for (uint32_t idx = 0; idx < row_count; idx++) {
        if (in_part == part_size) {
            part++;
            in_part = 0;
            part_size = 1 + (part * 37) % 300;   /* one partition beyond a chunk is likely */
            if (part == 3) part_size = 2500;
        }
        p[idx] = part;
        o[idx] = in_part / 3;                     /* peers in threes */
        v[idx] = (idx * 17) % 100;
        v_null[idx] = idx % 29 == 0;
        in_part++;
    }
    for (uint32_t idx = 0; idx < row_count; idx++) {
        p_null[idx] = p[idx] == (int64_t)part && part > 4;
    }
    static const Type TYPES[3] = { { TYPE_INT8, -1 }, { TYPE_INT8, -1 }, { TYPE_INT8, -1 } };
    TestCol cols[3] = { { .ints = p, .nulls = p_null }, { .ints = o },
                        { .ints = v, .nulls = v_null } };
    Op *src = src_new(env, TYPES, 3, cols, row_count, 2000);
    Expr *vcol = col_expr(arena, 2, T_I64);
    enum { CALLS = 14 };
    WindowCall *calls = arena_calloc(arena, CALLS * sizeof(WindowCall));
    calls[0] = win_call(arena, "row_number", T_I64, 0, NULL, true);
    calls[1] = win_call(arena, "rank", T_I64, 0, NULL, true);
    calls[2] = win_call(arena, "dense_rank", T_I64, 0, NULL, true);
    calls[3] = win_call(arena, "lag", T_I64, 1, expr_list(arena, 1, vcol, NULL, NULL), true);
    calls[4] = win_call(arena, "lead", T_I64, 3,
                        expr_list(arena, 3, vcol, const_expr(arena, "2", T_I32),
                                  const_expr(arena, "-1", T_I64)), true);
    calls[5] = win_call(arena, "first_value", T_I64, 1, expr_list(arena, 1, vcol, NULL, NULL),
                        true);
    calls[6] = win_call(arena, "last_value", T_I64, 1, expr_list(arena, 1, vcol, NULL, NULL), true);
    calls[7] = win_call(arena, "sum", T_NUM, 1, expr_list(arena, 1, vcol, NULL, NULL), true);
    calls[7].agg = kern_agg_find("sum", TYPE_INT8);
    calls[8] = win_call(arena, "count", T_I64, 0, NULL, false);     /* whole partition */
    calls[9] = win_call(arena, "sum", T_NUM, 1, expr_list(arena, 1, vcol, NULL, NULL), true);
    calls[9].agg = kern_agg_find("sum", TYPE_INT8);
    calls[9].has_frame = true;                                       /* ROWS 2 PREC .. 1 FOLL */
    calls[9].frame_mode = FRAME_ROWS;
    calls[9].start_kind = BOUND_PRECEDING;
    calls[9].start_offset = const_expr(arena, "2", T_I64);
    calls[9].end_kind = BOUND_FOLLOWING;
    calls[9].end_offset = const_expr(arena, "1", T_I64);
    calls[10] = win_call(arena, "ntile", T_I32, 1,
                         expr_list(arena, 1, const_expr(arena, "3", T_I32), NULL, NULL), true);
    calls[11] = win_call(arena, "percent_rank", T_F64, 0, NULL, true);
    calls[12] = win_call(arena, "max", T_I64, 1, expr_list(arena, 1, vcol, NULL, NULL), true);
    calls[12].agg = kern_agg_find("max", TYPE_INT8);
    calls[12].has_frame = true;                                      /* RANGE CURRENT .. UNB */
    calls[12].frame_mode = FRAME_RANGE;
    calls[12].start_kind = BOUND_CURRENT_ROW;
    calls[12].end_kind = BOUND_UNBOUNDED_FOLLOWING;
    calls[13] = win_call(arena, "count", T_I64, 0, NULL, true);     /* RANGE 2 PREC .. 1 FOLL */
    calls[13].agg = kern_agg_find("count", TYPE_INVALID);
    calls[13].has_frame = true;
    calls[13].frame_mode = FRAME_RANGE;
    calls[13].start_kind = BOUND_PRECEDING;
    calls[13].start_offset = const_expr(arena, "2", T_I64);
    calls[13].end_kind = BOUND_FOLLOWING;
    calls[13].end_offset = const_expr(arena, "1", T_I64);
    Type out_types[3 + CALLS];
    memcpy(out_types, TYPES, sizeof TYPES);
    for (int idx = 0; idx < CALLS; idx++) out_types[3 + idx] = calls[idx].result_type;
    Plan *plan = plan_new(arena, PLAN_WINDOW, out_types, 3 + CALLS);
    plan->window_count = CALLS;
    plan->windows = calls;
    if (err_out != NULL) {
        Op *op = build_with(env, op_window_new, plan, src, NULL);
        Rows partial = { 0 };
        *err_out = exec_open(op);
        if (*err_out == NULL) *err_out = drain(op, &partial);
        exec_close(op);
        rows_free(&partial);
        free(p); free(o); free(v); free(p_null); free(v_null);
        env_free(env);
        return;
    }
    Rows got = run(build_with(env, op_window_new, plan, src, NULL));

    /* reference, partition by partition (the input is already in order) */
    Rows want = { 0 };
    for (uint32_t first = 0; first < row_count;) {
        uint32_t end = first;
        while (end < row_count && p[end] == p[first] && p_null[end] == p_null[first]) end++;
        int64_t n = end - first;
        for (uint32_t idx = first; idx < end; idx++) {
            int64_t pos = idx - first;
            uint32_t peer_first = idx, peer_last = idx;
            while (peer_first > first && o[peer_first - 1] == o[idx]) peer_first--;
            while (peer_last + 1 < end && o[peer_last + 1] == o[idx]) peer_last++;
            char c[CALLS][64], tmp[32], line[1024];
            snprintf(c[0], 64, "%lld", (long long)pos + 1);
            snprintf(c[1], 64, "%u", peer_first - first + 1);
            snprintf(c[2], 64, "%lld", (long long)o[idx] + 1);
            if (pos >= 1) int_text(c[3], 64, v_null[idx - 1], v[idx - 1]);
            else snprintf(c[3], 64, "N");
            if (pos + 2 < n) int_text(c[4], 64, v_null[idx + 2], v[idx + 2]);
            else snprintf(c[4], 64, "-1");
            int_text(c[5], 64, v_null[first], v[first]);
            int_text(c[6], 64, v_null[peer_last], v[peer_last]);
            int64_t sum = 0, count = 0;
            for (uint32_t j = first; j <= peer_last; j++) {
                if (!v_null[j]) { sum += v[j]; count++; }
            }
            int_text(c[7], 64, count == 0, sum);
            snprintf(c[8], 64, "%lld", (long long)n);
            sum = 0; count = 0;
            for (int64_t j = pos - 2; j <= pos + 1; j++) {
                if (j < 0 || j >= n || v_null[first + j]) continue;
                sum += v[first + j];
                count++;
            }
            int_text(c[9], 64, count == 0, sum);
            int64_t per = n / 3, rem = n % 3, bucket;
            bucket = pos < rem * (per + 1) ? pos / (per + 1) + 1
                                           : rem + (pos - rem * (per + 1)) / per + 1;
            snprintf(c[10], 64, "%lld", (long long)bucket);
            snprintf(c[11], 64, "%.6g",
                     n > 1 ? (double)(peer_first - first) / (double)(n - 1) : 0.0);
            int64_t max = INT64_MIN;
            for (uint32_t j = peer_first; j < end; j++) if (!v_null[j] && v[j] > max) max = v[j];
            int_text(c[12], 64, max == INT64_MIN, max);
            count = 0;
            for (uint32_t j = first; j < end; j++) count += o[j] >= o[idx] - 2 && o[j] <= o[idx] + 1;
            snprintf(c[13], 64, "%lld", (long long)count);
            int_text(tmp, sizeof tmp, p_null[idx], p[idx]);
            char vtext[32];
            int_text(vtext, sizeof vtext, v_null[idx], v[idx]);
            snprintf(line, sizeof line, "%s|%lld|%s", tmp, (long long)o[idx], vtext);
            for (int call = 0; call < CALLS; call++) {
                size_t used = strlen(line);
                snprintf(line + used, sizeof line - used, "|%s", c[call]);
            }
            rows_add(&want, line);
        }
        first = end;
    }
    rows_assert_equal(&got, &want, true);
    rows_free(&got);
    rows_free(&want);
    free(p); free(o); free(v); free(p_null); free(v_null);
    env_free(env);
}

START_TEST(test_op_window_functions)
{
    window_functions_run(0, NULL);
}
END_TEST

START_TEST(test_op_window_unsorted_input_and_errors)
{
    /* the operator sorts by (partition, order) itself when the input is not in that order */
    TestEnv *env = env_new();
    Arena *arena = env->ctx.arena;
    int64_t p[6] = { 2, 1, 2, 1, 1, 2 }, o[6] = { 5, 3, 1, 1, 2, 3 }, v[6] = { 0 };
    static const Type TYPES[3] = { { TYPE_INT8, -1 }, { TYPE_INT8, -1 }, { TYPE_INT8, -1 } };
    TestCol cols[3] = { { .ints = p }, { .ints = o }, { .ints = v } };
    Op *src = src_new(env, TYPES, 3, cols, 6, 4);
    WindowCall *calls = arena_calloc(arena, sizeof(WindowCall));
    calls[0] = win_call(arena, "row_number", T_I64, 0, NULL, true);
    Type out_types[4] = { T_I64, T_I64, T_I64, T_I64 };
    Plan *plan = plan_new(arena, PLAN_WINDOW, out_types, 4);
    plan->window_count = 1;
    plan->windows = calls;
    Rows got = run(build_with(env, op_window_new, plan, src, NULL));
    rows_sort(&got);
    ck_assert_uint_eq(got.count, 6);
    ck_assert_str_eq(got.rows[0], "1|1|0|1");
    ck_assert_str_eq(got.rows[1], "1|2|0|2");
    ck_assert_str_eq(got.rows[2], "1|3|0|3");
    ck_assert_str_eq(got.rows[3], "2|1|0|1");
    ck_assert_str_eq(got.rows[4], "2|3|0|2");
    ck_assert_str_eq(got.rows[5], "2|5|0|3");
    rows_free(&got);
    /* ntile(0): 22014 */
    src = src_new(env, TYPES, 3, cols, 6, 4);
    calls = arena_calloc(arena, sizeof(WindowCall));
    calls[0] = win_call(arena, "ntile", T_I32, 1,
                        expr_list(arena, 1, const_expr(arena, "0", T_I32), NULL, NULL), true);
    out_types[3] = T_I32;
    plan = plan_new(arena, PLAN_WINDOW, out_types, 4);
    plan->window_count = 1;
    plan->windows = calls;
    Op *op = build_with(env, op_window_new, plan, src, NULL);
    check_ok(exec_open(op));
    Rows ignored = { 0 };
    Error *err = drain(op, &ignored);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "22014");
    err_free(err);
    exec_close(op);
    rows_free(&ignored);
    env_free(env);
}
END_TEST

START_TEST(test_op_window_range_offsets)
{
    /* count(*) OVER (ORDER BY o [DESC] RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING), NULLs too */
    int64_t o[12] = { 7, 1, 10, 2, 0, 7, 4, 1, 8, 0, 11, 5 };
    bool o_null[12] = { false, false, false, false, true, false, false, false, false, true,
                        false, false };
    int64_t zero[12] = { 0 };
    static const Type TYPES[3] = { { TYPE_INT8, -1 }, { TYPE_INT8, -1 }, { TYPE_INT8, -1 } };
    TestCol cols[3] = { { .ints = zero }, { .ints = o, .nulls = o_null }, { .ints = zero } };
    for (int desc = 0; desc < 2; desc++) {
        TestEnv *env = env_new();
        Arena *arena = env->ctx.arena;
        Op *src = src_new(env, TYPES, 3, cols, 12, 5);
        WindowCall *calls = arena_calloc(arena, sizeof(WindowCall));
        calls[0] = win_call(arena, "count", T_I64, 0, NULL, true);
        calls[0].agg = kern_agg_find("count", TYPE_INVALID);
        calls[0].order[0].descending = desc;
        calls[0].order[0].nulls_first = desc;
        calls[0].has_frame = true;
        calls[0].frame_mode = FRAME_RANGE;
        calls[0].start_kind = BOUND_PRECEDING;
        calls[0].start_offset = const_expr(arena, "2", T_I64);
        calls[0].end_kind = BOUND_FOLLOWING;
        calls[0].end_offset = const_expr(arena, "1", T_I64);
        Type out_types[4] = { T_I64, T_I64, T_I64, T_I64 };
        Plan *plan = plan_new(arena, PLAN_WINDOW, out_types, 4);
        plan->window_count = 1;
        plan->windows = calls;
        Rows got = run(build_with(env, op_window_new, plan, src, NULL));
        Rows want = { 0 };
        for (int row = 0; row < 12; row++) {
            int64_t count = 0;
            for (int other = 0; other < 12; other++) {
                if (o_null[row] || o_null[other]) {
                    count += o_null[row] && o_null[other];
                    continue;
                }
                int64_t lo = desc ? o[row] - 1 : o[row] - 2, hi = desc ? o[row] + 2 : o[row] + 1;
                count += o[other] >= lo && o[other] <= hi;
            }
            char line[64], value[32];
            int_text(value, sizeof value, o_null[row], o[row]);
            snprintf(line, sizeof line, "0|%s|0|%lld", value, (long long)count);
            rows_add(&want, line);
        }
        rows_assert_equal(&got, &want, true);
        rows_free(&got);
        rows_free(&want);
        env_free(env);
    }
}
END_TEST

/* ---------------------------------------------------------------------- CTEs ---- */

/* IncOp: the recursive term n + 1 WHERE n < limit over a work-table scan child. */
typedef struct IncOp {
    Op      base;
    int64_t limit;
    Arena  *arena;
} IncOp;

static Error *inc_open(Op *op)
{
    IncOp *inc = (IncOp *)op;
    if (inc->arena == NULL) inc->arena = arena_create(4096);
    return exec_open(op->left);
}

static Error *inc_next(Op *op, DataChunk **chunk_out)
{
    IncOp *inc = (IncOp *)op;
    *chunk_out = NULL;
    for (;;) {
        DataChunk *in;
        TRY(exec_next(op->left, &in));
        if (in == NULL) return NULL;
        arena_reset(inc->arena);
        DataChunk *out = arena_alloc(inc->arena, sizeof(DataChunk));
        TRY(chunk_init(out, op->types, 1, inc->arena));
        TRY(chunk_reserve(out, in->row_count > 0 ? in->row_count : 1));
        uint32_t count = chunk_live_count(in), produced = 0;
        for (uint32_t pos = 0; pos < count; pos++) {
            uint32_t row = in->sel != NULL ? in->sel[pos] : pos;
            int64_t n = vec_i64(&in->columns[0])[row];
            if (n < inc->limit) vec_i64(&out->columns[0])[produced++] = n + 1;
        }
        out->row_count = produced;
        if (produced == 0) continue;
        *chunk_out = out;
        return NULL;
    }
}

static Error *inc_rescan(Op *op) { return exec_rescan(op->left); }

static void inc_close(Op *op)
{
    IncOp *inc = (IncOp *)op;
    exec_close(op->left);
    arena_destroy(inc->arena);
    inc->arena = NULL;
}

static const OpVtbl INC_VT = { "Inc", inc_open, inc_next, inc_rescan, inc_close };

static void check_recursive(bool all, uint32_t anchor_copies, int64_t limit)
{
    TestEnv *env = env_new();
    Arena *arena = env->ctx.arena;
    static const Type TYPES[1] = { { TYPE_INT8, -1 } };
    int64_t ones[4] = { 1, 1, 1, 1 };
    TestCol cols[1] = { { .ints = ones } };
    Op *anchor = src_new(env, TYPES, 1, cols, anchor_copies, 4);
    /* the recursive term: IncOp over a work-table scan */
    Plan *work_plan = plan_new(arena, PLAN_WORK_SCAN, TYPES, 1);
    Op *work = NULL;
    check_ok(op_work_scan_new(&env->ctx, work_plan, &work));
    IncOp *inc = arena_calloc(arena, sizeof(IncOp));
    inc->base = (Op){ .vt = &INC_VT, .ctx = &env->ctx, .column_count = 1, .types = TYPES,
                      .left = work };
    inc->limit = limit;
    Plan *plan = plan_new(arena, PLAN_RECURSIVE_UNION, TYPES, 1);
    plan->setop = SETOP_UNION;
    plan->setop_all = all;
    Op *op = build_with(env, op_recursive_union_new, plan, anchor, &inc->base);
    Rows got = run(op);
    Rows want = { 0 };
    uint32_t copies = all ? anchor_copies : 1;
    char line[32];
    for (int64_t n = 1; n <= limit; n++) {
        for (uint32_t copy = 0; copy < copies; copy++) {
            snprintf(line, sizeof line, "%lld", (long long)n);
            rows_add(&want, line);
        }
    }
    rows_assert_equal(&got, &want, true);
    rows_free(&got);
    rows_free(&want);
    env_free(env);
}

START_TEST(test_op_recursive_union_counts)
{
    check_recursive(true, 1, 100);     /* WITH RECURSIVE t(n) AS (1 UNION ALL n + 1 < 100) */
    check_recursive(false, 3, 100);    /* UNION removes the anchor's duplicates */
    check_recursive(true, 2, 100);     /* UNION ALL keeps both chains */
    check_recursive(false, 1, 5000);   /* many iterations, rows across chunks */
}
END_TEST

START_TEST(test_op_cte_scan_shared)
{
    /* two scans of one CTE (a VALUES plan) materialize it once; a rescan reads it again */
    TestEnv *env = env_new();
    Arena *arena = env->ctx.arena;
    static const Type TYPES[1] = { { TYPE_INT4, -1 } };
    Plan *values = plan_new(arena, PLAN_VALUES, TYPES, 1);
    values->value_row_count = 3;
    values->value_rows = arena_alloc(arena, 3 * sizeof(Expr **));
    const char *texts[3] = { "7", "8", "9" };
    for (int row = 0; row < 3; row++) {
        values->value_rows[row] = arena_alloc(arena, sizeof(Expr *));
        values->value_rows[row][0] = const_expr(arena, texts[row], T_I32);
    }
    Plan *ctes[1] = { values };
    env->planned.cte_count = 1;
    env->planned.ctes = ctes;
    Plan *scan_plan = plan_new(arena, PLAN_CTE_SCAN, TYPES, 1);
    scan_plan->cte_idx = 0;
    Op *first = NULL, *second = NULL;
    check_ok(op_cte_scan_new(&env->ctx, scan_plan, &first));
    check_ok(op_cte_scan_new(&env->ctx, scan_plan, &second));
    check_ok(exec_open(first));
    check_ok(exec_open(second));
    Rows a = { 0 }, b = { 0 }, c = { 0 };
    check_ok(drain(first, &a));
    ck_assert_ptr_nonnull(env->ctx.ctes);
    ck_assert_ptr_nonnull(env->ctx.ctes[0]);
    ExecCte *materialized = env->ctx.ctes[0];
    check_ok(drain(second, &b));
    ck_assert_ptr_eq(env->ctx.ctes[0], materialized);
    check_ok(exec_rescan(first));
    check_ok(drain(first, &c));
    ck_assert_uint_eq(a.count, 3);
    ck_assert_str_eq(a.rows[0], "7");
    ck_assert_str_eq(a.rows[2], "9");
    rows_assert_equal(&b, &a, false);
    rows_assert_equal(&c, &a, false);
    exec_close(first);
    exec_close(second);
    rows_free(&a);
    rows_free(&b);
    rows_free(&c);
    env_free(env);
}
END_TEST

static Suite *op_heavy_suite(void)
{
    Suite *suite = suite_create("op_heavy");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 600);
    tcase_add_test(tcase, test_op_hash_join_types);
    tcase_add_test(tcase, test_op_hash_join_edges);
    tcase_add_test(tcase, test_op_nl_join_types);
    tcase_add_test(tcase, test_op_hash_join_mark_nulls);
    tcase_add_test(tcase, test_op_hash_join_rescan_text_keys);
    tcase_add_test(tcase, test_op_hash_agg_grouped);
    tcase_add_test(tcase, test_op_hash_agg_ungrouped_and_empty);
    tcase_add_test(tcase, test_op_hash_agg_text_groups);
    tcase_add_test(tcase, test_op_sort_mixed_keys_stable);
    tcase_add_test(tcase, test_op_sort_top_n);
    tcase_add_test(tcase, test_op_sort_floats_nan_desc);
    tcase_add_test(tcase, test_op_sort_work_mem_error);
    tcase_add_test(tcase, test_op_setop_duplicates);
    tcase_add_test(tcase, test_op_setop_large_union);
    tcase_add_test(tcase, test_op_window_functions);
    tcase_add_test(tcase, test_op_window_unsorted_input_and_errors);
    tcase_add_test(tcase, test_op_window_range_offsets);
    tcase_add_test(tcase, test_op_recursive_union_counts);
    tcase_add_test(tcase, test_op_cte_scan_shared);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(op_heavy_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
