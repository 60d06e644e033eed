/* executor/tests/test_expr.c: compiled expressions over hand-built chunks: arithmetic with
 * NULLs, AND/OR three-valued logic and short-circuiting, CASE and COALESCE with NULLs, filters
 * (filter kernels, AND chains, existing selections), LIKE with compiled constant patterns,
 * casts through the resolver (typmods, assignment errors), constant input errors, params,
 * subplans (EXISTS, scalar, ANY/ALL, correlated and memoized), special functions, and the
 * row codec (round trips of every type, key order). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/op_int.h"
#include "executor/tests/kern_support.h"

static ExecCtx ctx;

static void setup(void)
{
    test_arena_setup();
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = test_arena;
}

static void teardown(void) { test_arena_teardown(); }

/* expect_err: err has SQLSTATE code and message (NULL: any); frees it. */
static void expect_err(Error *err, const char *code, const char *message)
{
    ck_assert_msg(err != NULL, "expected error %s %s", code != NULL ? code : "",
                  message != NULL ? message : "");
    if (code != NULL) {
        ck_assert_msg(strcmp(sqlstate_code(err->state), code) == 0, "got %s %s, want %s",
                      sqlstate_code(err->state), err->message, code);
    }
    if (message != NULL) ck_assert_str_eq(err->message, message);
    err_free(err);
}

/* ------------------------------------------------------------ builders ---- */

static Expr *x_new(ExprKind kind, Type type)
{
    Expr *expr = arena_calloc(test_arena, sizeof *expr);
    expr->kind = kind;
    expr->type = type;
    return expr;
}

static Expr *x_col(uint32_t column_idx, TypeId type)
{
    Expr *expr = x_new(EXPR_COLUMN, type_plain(type));
    expr->column_idx = column_idx;
    return expr;
}

static Expr *x_const_t(Type type, const char *text)
{
    Expr *expr = x_new(EXPR_CONST, type);
    if (text == NULL) {
        expr->is_null = true;
    } else {
        expr->const_text = text;
        expr->const_size = strlen(text);
    }
    return expr;
}

static Expr *x_const(TypeId type, const char *text) { return x_const_t(type_plain(type), text); }

static Expr *x_args(Expr *expr, uint32_t count, Expr **args)
{
    expr->arg_count = count;
    expr->args = arena_alloc(test_arena, count * sizeof(Expr *));
    memcpy(expr->args, args, count * sizeof(Expr *));
    return expr;
}

/* x_call: resolve name over the args' types; the args must already have the kernel's types. */
static Expr *x_calln(const char *name, uint32_t count, Expr **args)
{
    Type types[3];
    for (uint32_t idx = 0; idx < count; idx++) types[idx] = args[idx]->type;
    PlanFunc func;
    assert_ok(exec_resolver()->func(NULL, name, types, count, &func));
    for (uint32_t idx = 0; idx < count; idx++) {
        ck_assert_msg(type_equal(func.arg_types[idx], types[idx]) ||
                          args[idx]->type.id == TYPE_UNKNOWN,
                      "%s: argument %u needs a cast", name, idx);
    }
    Expr *expr = x_new(EXPR_CALL, func.result_type);
    expr->name = name;
    expr->kern = func.kern;
    expr->filter_kern = func.filter_kern;
    return x_args(expr, count, args);
}

static Expr *x_call(const char *name, Expr *a, Expr *b)
{
    Expr *args[2] = { a, b };
    return x_calln(name, b != NULL ? 2 : 1, args);
}

static Expr *x_bool(ExprKind kind, Expr *a, Expr *b, Expr *c)
{
    Expr *args[3] = { a, b, c };
    uint32_t count = c != NULL ? 3 : b != NULL ? 2 : 1;
    return x_args(x_new(kind, type_plain(TYPE_BOOL)), count, args);
}

static Expr *x_cast(Expr *arg, Type to, bool explicit_cast)
{
    const void *kern = NULL;
    assert_ok(exec_resolver()->cast(NULL, arg->type, to, explicit_cast, &kern));
    Expr *expr = x_new(EXPR_CAST, to);
    expr->kern = kern;
    return x_args(expr, 1, &arg);
}

static DataChunk *chunk_of(uint32_t count, uint32_t row_count, Vector **columns)
{
    DataChunk *chunk = arena_calloc(test_arena, sizeof *chunk);
    chunk->column_count = count;
    chunk->columns = arena_calloc(test_arena, (count > 0 ? count : 1) * sizeof(Vector));
    for (uint32_t idx = 0; idx < count; idx++) chunk->columns[idx] = *columns[idx];
    chunk->row_count = row_count;
    chunk->arena = test_arena;
    return chunk;
}

static Vector eval_ok(Expr *expr, const DataChunk *input)
{
    ExprState *state;
    assert_ok(expr_prepare(&ctx, expr, &state));
    Vector out;
    assert_ok(expr_eval(state, input, test_arena, &out));
    op_expr_close(state);   /* subplans: their results were copied into test_arena */
    return out;
}

static void expect_rows(const Vector *vec, const DataChunk *input, const char *const *want)
{
    uint32_t live = chunk_live_count(input);
    for (uint32_t idx = 0; idx < live; idx++) {
        uint32_t row = input->sel != NULL ? input->sel[idx] : idx;
        ck_assert_msg(strcmp(row_text(vec, row), want[idx]) == 0, "row %u: got %s want %s", row,
                      row_text(vec, row), want[idx]);
    }
}

/* ------------------------------------------------------------ arithmetic ---- */

START_TEST(test_expr_arithmetic_with_nulls)
{
    int64_t a[] = { 1, 2, NUL_ROW, 40 };
    int64_t b[] = { 10, 20, 30, NUL_ROW };
    Vector *cols[2] = { vec_of_ints(TYPE_INT4, a, 4), vec_of_ints(TYPE_INT4, b, 4) };
    DataChunk *input = chunk_of(2, 4, cols);
    /* (a + b) * 2 - 1 */
    Expr *expr = x_call("-", x_call("*", x_call("+", x_col(0, TYPE_INT4), x_col(1, TYPE_INT4)),
                                    x_const(TYPE_INT4, "2")),
                        x_const(TYPE_INT4, "1"));
    Vector out = eval_ok(expr, input);
    const char *want[] = { "21", "43", "NULL", "NULL" };
    expect_rows(&out, input, want);
    /* constants only: one constant result */
    Vector folded = eval_ok(x_call("+", x_const(TYPE_INT4, "40"), x_const(TYPE_INT4, "2")), input);
    ck_assert(folded.is_constant);
    ck_assert_str_eq(row_text(&folded, 3), "42");
}
END_TEST

START_TEST(test_expr_errors_only_on_live_rows)
{
    int64_t a[] = { 10, 5, 7 };
    int64_t b[] = { 2, 0, 7 };
    Vector *cols[2] = { vec_of_ints(TYPE_INT4, a, 3), vec_of_ints(TYPE_INT4, b, 3) };
    DataChunk *input = chunk_of(2, 3, cols);
    Expr *div = x_call("/", x_col(0, TYPE_INT4), x_col(1, TYPE_INT4));
    ExprState *state;
    assert_ok(expr_prepare(&ctx, div, &state));
    Vector out;
    expect_err(expr_eval(state, input, test_arena, &out), "22012", "division by zero");
    /* the zero row is outside the selection: no error */
    uint16_t sel[] = { 0, 2 };
    input->sel = sel;
    input->sel_count = 2;
    assert_ok(expr_eval(state, input, test_arena, &out));
    ck_assert_str_eq(row_text(&out, 0), "5");
    ck_assert_str_eq(row_text(&out, 2), "1");
    /* b <> 0 AND a / b > 1: the division never sees the zero */
    input->sel = NULL;
    Expr *guarded = x_bool(EXPR_AND, x_call("<>", x_col(1, TYPE_INT4), x_const(TYPE_INT4, "0")),
                           x_call(">", x_call("/", x_col(0, TYPE_INT4), x_col(1, TYPE_INT4)),
                                  x_const(TYPE_INT4, "1")),
                           NULL);
    Vector truth = eval_ok(guarded, input);
    const char *want[] = { "t", "f", "f" };
    expect_rows(&truth, input, want);
    ExprState *filter;
    assert_ok(expr_prepare(&ctx, guarded, &filter));
    assert_ok(expr_filter(filter, input, test_arena));
    ck_assert_uint_eq(chunk_live_count(input), 1);
    ck_assert_uint_eq(input->sel[0], 0);
}
END_TEST

/* ------------------------------------------------------------ logic ---- */

START_TEST(test_expr_and_or_three_valued)
{
    /* every pair of (t, f, NULL) */
    int l[] = { 1, 1, 1, 0, 0, 0, -1, -1, -1 };
    int r[] = { 1, 0, -1, 1, 0, -1, 1, 0, -1 };
    Vector *cols[2] = { vec_of_bools(l, 9), vec_of_bools(r, 9) };
    DataChunk *input = chunk_of(2, 9, cols);
    Vector and_out = eval_ok(x_bool(EXPR_AND, x_col(0, TYPE_BOOL), x_col(1, TYPE_BOOL), NULL), input);
    const char *want_and[] = { "t", "f", "NULL", "f", "f", "f", "NULL", "f", "NULL" };
    expect_rows(&and_out, input, want_and);
    Vector or_out = eval_ok(x_bool(EXPR_OR, x_col(0, TYPE_BOOL), x_col(1, TYPE_BOOL), NULL), input);
    const char *want_or[] = { "t", "t", "t", "t", "f", "NULL", "t", "NULL", "NULL" };
    expect_rows(&or_out, input, want_or);
    Vector not_out = eval_ok(x_bool(EXPR_NOT, x_col(0, TYPE_BOOL), NULL, NULL), input);
    const char *want_not[] = { "f", "f", "f", "t", "t", "t", "NULL", "NULL", "NULL" };
    expect_rows(&not_out, input, want_not);
    Vector is_null = eval_ok(x_bool(EXPR_IS_NULL, x_col(1, TYPE_BOOL), NULL, NULL), input);
    const char *want_null[] = { "f", "f", "t", "f", "f", "t", "f", "f", "t" };
    expect_rows(&is_null, input, want_null);
    Vector not_null = eval_ok(x_bool(EXPR_IS_NOT_NULL, x_col(1, TYPE_BOOL), NULL, NULL), input);
    const char *want_not_null[] = { "t", "t", "f", "t", "t", "f", "t", "t", "f" };
    expect_rows(&not_null, input, want_not_null);
    /* three operands: f AND NULL AND <error> never evaluates the third for decided rows */
    Vector and3 = eval_ok(x_bool(EXPR_AND, x_col(0, TYPE_BOOL), x_col(1, TYPE_BOOL),
                                 x_const(TYPE_BOOL, "true")), input);
    expect_rows(&and3, input, want_and);
    /* filter: only true rows survive */
    ExprState *filter;
    assert_ok(expr_prepare(&ctx, x_bool(EXPR_OR, x_col(0, TYPE_BOOL), x_col(1, TYPE_BOOL), NULL),
                           &filter));
    assert_ok(expr_filter(filter, input, test_arena));
    ck_assert_uint_eq(chunk_live_count(input), 5);
    uint16_t want_sel[] = { 0, 1, 2, 3, 6 };
    for (uint32_t idx = 0; idx < 5; idx++) ck_assert_uint_eq(input->sel[idx], want_sel[idx]);
}
END_TEST

START_TEST(test_expr_case_and_coalesce_with_nulls)
{
    int64_t a[] = { 1, 5, NUL_ROW, 3 };
    int64_t b[] = { NUL_ROW, NUL_ROW, 7, 8 };
    Vector *cols[2] = { vec_of_ints(TYPE_INT4, a, 4), vec_of_ints(TYPE_INT4, b, 4) };
    DataChunk *input = chunk_of(2, 4, cols);
    /* CASE WHEN a > 2 THEN 'big' WHEN a IS NULL THEN 'none' ELSE 'small' END */
    Expr *case_args[5] = {
        x_call(">", x_col(0, TYPE_INT4), x_const(TYPE_INT4, "2")), x_const(TYPE_TEXT, "big"),
        x_bool(EXPR_IS_NULL, x_col(0, TYPE_INT4), NULL, NULL), x_const(TYPE_TEXT, "none"),
        x_const(TYPE_TEXT, "small"),
    };
    Expr *case_expr = x_args(x_new(EXPR_CASE, type_plain(TYPE_TEXT)), 5, case_args);
    case_expr->has_else = true;
    Vector out = eval_ok(case_expr, input);
    const char *want[] = { "small", "big", "none", "big" };
    expect_rows(&out, input, want);
    /* without ELSE: NULL for unmatched rows; the result of a branch is a column */
    Expr *no_else_args[2] = { x_call(">", x_col(0, TYPE_INT4), x_const(TYPE_INT4, "2")),
                              x_col(1, TYPE_INT4) };
    Expr *no_else = x_args(x_new(EXPR_CASE, type_plain(TYPE_INT4)), 2, no_else_args);
    Vector out2 = eval_ok(no_else, input);
    const char *want2[] = { "NULL", "NULL", "NULL", "8" };
    expect_rows(&out2, input, want2);
    /* COALESCE(b, a, 0) */
    Expr *co_args[3] = { x_col(1, TYPE_INT4), x_col(0, TYPE_INT4), x_const(TYPE_INT4, "0") };
    Vector co = eval_ok(x_args(x_new(EXPR_COALESCE, type_plain(TYPE_INT4)), 3, co_args), input);
    const char *want3[] = { "1", "5", "7", "8" };
    expect_rows(&co, input, want3);
    /* COALESCE(b, NULL): NULL stays */
    Expr *co2_args[2] = { x_col(1, TYPE_INT4), x_const(TYPE_INT4, NULL) };
    Vector co2 = eval_ok(x_args(x_new(EXPR_COALESCE, type_plain(TYPE_INT4)), 2, co2_args), input);
    const char *want4[] = { "NULL", "NULL", "7", "8" };
    expect_rows(&co2, input, want4);
    /* CASE with numeric branches of different scales */
    Expr *num_args[3] = { x_call(">", x_col(0, TYPE_INT4), x_const(TYPE_INT4, "2")),
                          x_const_t(type_make(TYPE_NUMERIC, 0), "1.5"),
                          x_const(TYPE_NUMERIC, "2.25") };
    Expr *num_case = x_args(x_new(EXPR_CASE, type_plain(TYPE_NUMERIC)), 3, num_args);
    num_case->has_else = true;
    ck_assert_ptr_nonnull(num_case);
    int32_t typmod;
    assert_ok(numeric_typmod_make(5, 1, &typmod));
    num_args[1]->type = type_make(TYPE_NUMERIC, typmod);
    Vector num_out = eval_ok(num_case, input);
    const char *want5[] = { "2.25", "1.5", "2.25", "1.5" };
    expect_rows(&num_out, input, want5);
}
END_TEST

/* ------------------------------------------------------------ LIKE, casts ---- */

START_TEST(test_expr_like_constant_pattern)
{
    const char *texts[] = { "abc", "xabc", NULL, "ab", "ABC" };
    Vector *cols[1] = { vec_of_strs(TYPE_TEXT, texts, 5) };
    DataChunk *input = chunk_of(1, 5, cols);
    Expr *like = x_call("~~", x_col(0, TYPE_TEXT), x_const(TYPE_TEXT, "ab%"));
    ExprState *state;
    assert_ok(expr_prepare(&ctx, like, &state));
    Vector out;
    assert_ok(expr_eval(state, input, test_arena, &out));
    const char *want[] = { "t", "f", "NULL", "t", "f" };
    expect_rows(&out, input, want);
    assert_ok(expr_filter(state, input, test_arena));
    ck_assert_uint_eq(chunk_live_count(input), 2);
    ck_assert_uint_eq(input->sel[1], 3);
    input->sel = NULL;
    Vector ilike = eval_ok(x_call("~~*", x_col(0, TYPE_TEXT), x_const(TYPE_TEXT, "%B_")), input);
    const char *want_i[] = { "t", "t", "NULL", "f", "t" };
    expect_rows(&ilike, input, want_i);
    Vector not_like = eval_ok(x_call("!~~", x_col(0, TYPE_TEXT), x_const(TYPE_TEXT, "_b%")), input);
    const char *want_n[] = { "f", "t", "NULL", "f", "t" };
    expect_rows(&not_like, input, want_n);
    /* a pattern ending in the escape character is an error at prepare time */
    ExprState *bad;
    expect_err(expr_prepare(&ctx, x_call("~~", x_col(0, TYPE_TEXT), x_const(TYPE_TEXT, "ab\\")),
                              &bad),
                 "22025", "LIKE pattern must not end with escape character");
    /* a pattern from a column is compiled per row */
    const char *patterns[] = { "a%", "%c", "x", "_b", "A%" };
    Vector *cols2[2] = { vec_of_strs(TYPE_TEXT, texts, 5), vec_of_strs(TYPE_TEXT, patterns, 5) };
    DataChunk *input2 = chunk_of(2, 5, cols2);
    Vector per_row = eval_ok(x_call("~~", x_col(0, TYPE_TEXT), x_col(1, TYPE_TEXT)), input2);
    const char *want_p[] = { "t", "t", "NULL", "t", "t" };
    expect_rows(&per_row, input2, want_p);
}
END_TEST

START_TEST(test_expr_casts_and_typmods)
{
    int64_t a[] = { 7, -12345, NUL_ROW };
    Vector *cols[1] = { vec_of_ints(TYPE_INT4, a, 3) };
    DataChunk *input = chunk_of(1, 3, cols);
    /* int4 -> text (output function) */
    Vector text = eval_ok(x_cast(x_col(0, TYPE_INT4), type_plain(TYPE_TEXT), true), input);
    const char *want_text[] = { "7", "-12345", "NULL" };
    expect_rows(&text, input, want_text);
    ck_assert_uint_eq(text.type.id, TYPE_TEXT);
    /* int4 -> varchar(3): explicit truncates, assignment fails */
    Type varchar3 = type_make(TYPE_VARCHAR, 3 + 4);
    Vector trunc = eval_ok(x_cast(x_col(0, TYPE_INT4), varchar3, true), input);
    const char *want_trunc[] = { "7", "-12", "NULL" };
    expect_rows(&trunc, input, want_trunc);
    ExprState *assign;
    assert_ok(expr_prepare(&ctx, x_cast(x_col(0, TYPE_INT4), varchar3, false), &assign));
    Vector out;
    expect_err(expr_eval(assign, input, test_arena, &out), "22001",
                 "value too long for type character varying(3)");
    /* text -> varchar(2) */
    Vector v2 = eval_ok(x_cast(x_const(TYPE_TEXT, "hello"), type_make(TYPE_VARCHAR, 6), true), input);
    ck_assert_str_eq(row_text(&v2, 0), "he");
    /* text -> int4 (input function), and a relabel varchar -> text keeps the bytes */
    Vector number = eval_ok(x_cast(x_const(TYPE_TEXT, " 42 "), type_plain(TYPE_INT4), true), input);
    ck_assert_str_eq(row_text(&number, 1), "42");
    Vector relabel = eval_ok(x_cast(x_const(TYPE_VARCHAR, "abc"), type_plain(TYPE_TEXT), false), input);
    ck_assert_uint_eq(relabel.type.id, TYPE_TEXT);
    ck_assert_str_eq(row_text(&relabel, 0), "abc");
    /* numeric(6,2) rounds */
    int32_t typmod;
    assert_ok(numeric_typmod_make(6, 2, &typmod));
    Vector num = eval_ok(x_cast(x_const(TYPE_NUMERIC, "3.14159"), type_make(TYPE_NUMERIC, typmod),
                                true), input);
    ck_assert_str_eq(row_text(&num, 0), "3.14");
    ExprState *overflow;
    assert_ok(expr_prepare(&ctx, x_cast(x_const(TYPE_NUMERIC, "123456.5"),
                                        type_make(TYPE_NUMERIC, typmod), true), &overflow));
    expect_err(expr_eval(overflow, input, test_arena, &out), "22003", NULL);
    /* date/time casts the resolver adds */
    Expr *ts = x_const(TYPE_TIMESTAMP, "2024-01-02 03:04:05.678");
    Vector day = eval_ok(x_cast(x_cast(ts, type_plain(TYPE_DATE), true), type_plain(TYPE_TEXT),
                                true), input);
    ck_assert_str_eq(row_text(&day, 0), "2024-01-02");
    Vector midnight = eval_ok(x_cast(x_cast(x_const(TYPE_DATE, "2024-02-29"),
                                            type_plain(TYPE_TIMESTAMP), false),
                                     type_plain(TYPE_TEXT), true), input);
    ck_assert_str_eq(row_text(&midnight, 0), "2024-02-29 00:00:00");
    Vector clock = eval_ok(x_cast(x_cast(ts, type_plain(TYPE_TIME), true), type_plain(TYPE_TEXT),
                                  true), input);
    ck_assert_str_eq(row_text(&clock, 0), "03:04:05.678");
    Vector rounded = eval_ok(x_cast(x_cast(ts, type_make(TYPE_TIMESTAMP, 0), true),
                                    type_plain(TYPE_TEXT), true), input);
    ck_assert_str_eq(row_text(&rounded, 0), "2024-01-02 03:04:06");
    Vector utc = eval_ok(x_cast(x_cast(ts, type_plain(TYPE_TIMESTAMPTZ), false),
                                type_plain(TYPE_TEXT), true), input);
    ck_assert_str_eq(row_text(&utc, 0), "2024-01-02 03:04:05.678+00");
    Vector no_time = eval_ok(x_cast(x_const(TYPE_TIMESTAMP, "infinity"), type_plain(TYPE_TIME),
                                    true), input);
    ck_assert_str_eq(row_text(&no_time, 0), "NULL");
    /* no cast between int4 and date */
    const void *kern;
    expect_err(exec_resolver()->cast(NULL, type_plain(TYPE_INT4), type_plain(TYPE_DATE), true,
                                       &kern),
                 "42846", "cannot cast type integer to date");
}
END_TEST

START_TEST(test_expr_constant_input_errors)
{
    ExprState *state;
    Expr *bad = x_const(TYPE_INT4, "abc");
    bad->position = 8;
    Error *err = expr_prepare(&ctx, bad, &state);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->position, 8);
    expect_err(err, "22P02", "invalid input syntax for type integer: \"abc\"");
    expect_err(expr_prepare(&ctx, x_const(TYPE_INT2, "70000"), &state), "22003",
                 "value \"70000\" is out of range for type smallint");
    expect_err(expr_prepare(&ctx, x_const(TYPE_BOOL, "maybe"), &state), "22P02",
                 "invalid input syntax for type boolean: \"maybe\"");
    expect_err(expr_prepare(&ctx, x_const(TYPE_DATE, "2024-13-45"), &state), NULL, NULL);
    /* a constant inside a larger tree fails the whole prepare */
    expect_err(expr_prepare(&ctx, x_call("+", x_col(0, TYPE_INT4), x_const(TYPE_INT4, "1x")),
                              &state),
                 "22P02", "invalid input syntax for type integer: \"1x\"");
    /* NULL constants of any type */
    Vector out;
    assert_ok(expr_prepare(&ctx, x_const(TYPE_DATE, NULL), &state));
    assert_ok(expr_eval_const(state, test_arena, &out));
    ck_assert(vec_is_null(&out, 0));
    ck_assert_uint_eq(out.type.id, TYPE_DATE);
    assert_ok(expr_prepare(&ctx, x_cast(x_const(TYPE_TIMESTAMP, "2024-01-02 03:04:05"),
                                        type_plain(TYPE_TEXT), true), &state));
    assert_ok(expr_eval_const(state, test_arena, &out));
    ck_assert_str_eq(row_text(&out, 0), "2024-01-02 03:04:05");
}
END_TEST

START_TEST(test_expr_params_and_int64)
{
    Vector params[2];
    vec_init(&params[0], type_plain(TYPE_INT8), test_arena);
    assert_ok(vec_reserve(&params[0], 1));
    vec_i64(&params[0])[0] = 5;
    assert_ok(vec_set_constant(&params[0]));
    vec_init(&params[1], type_plain(TYPE_INT8), test_arena);
    assert_ok(vec_reserve(&params[1], 1));
    assert_ok(vec_set_constant(&params[1]));
    assert_ok(vec_set_null(&params[1], 0));
    ctx.params = params;
    ctx.param_count = 2;
    Expr *p0 = x_new(EXPR_PARAM, type_plain(TYPE_INT8));
    Expr *p1 = x_new(EXPR_PARAM, type_plain(TYPE_INT8));
    p1->param_idx = 1;
    ExprState *state;
    assert_ok(expr_prepare(&ctx, x_call("*", p0, x_const(TYPE_INT8, "3")), &state));
    int64_t value;
    bool is_null;
    assert_ok(op_expr_eval_int64(state, test_arena, &value, &is_null));
    ck_assert(!is_null);
    ck_assert_int_eq(value, 15);
    assert_ok(expr_prepare(&ctx, p1, &state));
    assert_ok(op_expr_eval_int64(state, test_arena, &value, &is_null));
    ck_assert(is_null);
    Expr *p9 = x_new(EXPR_PARAM, type_plain(TYPE_INT8));
    p9->param_idx = 9;
    expect_err(expr_prepare(&ctx, p9, &state), "42P02", "there is no parameter $10");
    ExprState *text_state;
    assert_ok(expr_prepare(&ctx, x_const(TYPE_TEXT, "x"), &text_state));
    expect_err(op_expr_eval_int64(text_state, test_arena, &value, &is_null), "42804", NULL);
}
END_TEST

/* ------------------------------------------------------------ subplans ---- */

/* values_plan: a PLAN_VALUES of one int4 column with the given cells. */
static Plan *values_plan(uint32_t row_count, Expr **cells)
{
    Plan *plan = arena_calloc(test_arena, sizeof *plan);
    plan->kind = PLAN_VALUES;
    plan->column_count = 1;
    plan->types = arena_alloc(test_arena, sizeof(Type));
    plan->types[0] = cells[0]->type;
    plan->value_row_count = row_count;
    plan->value_rows = arena_alloc(test_arena, row_count * sizeof(Expr **));
    for (uint32_t row = 0; row < row_count; row++) {
        plan->value_rows[row] = arena_alloc(test_arena, sizeof(Expr *));
        plan->value_rows[row][0] = cells[row];
    }
    return plan;
}

static Expr *x_outer(uint32_t outer_idx, TypeId type)
{
    Expr *expr = x_new(EXPR_OUTER, type_plain(type));
    expr->outer_idx = outer_idx;
    return expr;
}

static Expr *x_subplan(SublinkKind kind, Type type, Plan *plan, uint32_t arg_count, Expr **args,
                       Expr *test)
{
    Expr *expr = x_new(EXPR_SUBPLAN, type);
    expr->sublink = kind;
    expr->subplan = plan;
    expr->test = test;
    if (arg_count > 0) x_args(expr, arg_count, args);
    return expr;
}

START_TEST(test_expr_subplans)
{
    int64_t a[] = { 1, 3, NUL_ROW, 2, 3 };
    Vector *cols[1] = { vec_of_ints(TYPE_INT4, a, 5) };
    DataChunk *input = chunk_of(1, 5, cols);
    /* EXISTS (VALUES (1)) uncorrelated */
    Expr *one[1] = { x_const(TYPE_INT4, "1") };
    Vector exists = eval_ok(x_subplan(SUBLINK_EXISTS, type_plain(TYPE_BOOL), values_plan(1, one),
                                      0, NULL, NULL), input);
    ck_assert(exists.is_constant);
    ck_assert_str_eq(row_text(&exists, 4), "t");
    /* scalar: (VALUES (outer0 * 10)) correlated on a */
    Expr *times[1] = { x_call("*", x_outer(0, TYPE_INT4), x_const(TYPE_INT4, "10")) };
    Expr *args[1] = { x_col(0, TYPE_INT4) };
    Expr *scalar = x_subplan(SUBLINK_SCALAR, type_plain(TYPE_INT4), values_plan(1, times), 1, args,
                             NULL);
    ExprState *scalar_state;
    assert_ok(expr_prepare(&ctx, scalar, &scalar_state));
    Vector out;
    assert_ok(expr_eval(scalar_state, input, test_arena, &out));
    const char *want[] = { "10", "30", "NULL", "20", "30" };
    expect_rows(&out, input, want);
    /* memoized: a second chunk with the same values gives the same results */
    assert_ok(expr_eval(scalar_state, input, test_arena, &out));
    expect_rows(&out, input, want);
    op_expr_close(scalar_state);
    /* scalar subquery with two rows: 21000 */
    Expr *two[2] = { x_const(TYPE_INT4, "1"), x_const(TYPE_INT4, "2") };
    ExprState *bad;
    assert_ok(expr_prepare(&ctx, x_subplan(SUBLINK_SCALAR, type_plain(TYPE_INT4),
                                           values_plan(2, two), 0, NULL, NULL), &bad));
    expect_err(expr_eval(bad, input, test_arena, &out), "21000",
                 "more than one row returned by a subquery used as an expression");
    op_expr_close(bad);
    /* a = ANY (VALUES (1), (2), (NULL)) */
    Expr *set[3] = { x_const(TYPE_INT4, "1"), x_const(TYPE_INT4, "2"), x_const(TYPE_INT4, NULL) };
    Expr *test = x_call("=", x_outer(0, TYPE_INT4), x_col(0, TYPE_INT4));
    Vector any = eval_ok(x_subplan(SUBLINK_ANY, type_plain(TYPE_BOOL), values_plan(3, set), 1, args,
                                   test), input);
    const char *want_any[] = { "t", "NULL", "NULL", "t", "NULL" };
    expect_rows(&any, input, want_any);
    /* a <> ALL (VALUES (1), (2)) */
    Expr *test_ne = x_call("<>", x_outer(0, TYPE_INT4), x_col(0, TYPE_INT4));
    Vector all = eval_ok(x_subplan(SUBLINK_ALL, type_plain(TYPE_BOOL), values_plan(2, two), 1, args,
                                   test_ne), input);
    const char *want_all[] = { "f", "t", "NULL", "f", "t" };
    expect_rows(&all, input, want_all);
    /* correlated ANY: a < ANY (VALUES (outer0 + 1)) is true for non-NULL a */
    Expr *plus[1] = { x_call("+", x_outer(0, TYPE_INT4), x_const(TYPE_INT4, "1")) };
    Expr *test_lt = x_call("<", x_outer(0, TYPE_INT4), x_col(0, TYPE_INT4));
    Vector corr = eval_ok(x_subplan(SUBLINK_ANY, type_plain(TYPE_BOOL), values_plan(1, plus), 1,
                                    args, test_lt), input);
    const char *want_corr[] = { "t", "t", "NULL", "t", "t" };
    expect_rows(&corr, input, want_corr);
    /* EXISTS over an empty VALUES-with-filter is false: VALUES of zero rows */
    Plan *empty = values_plan(1, one);
    empty->value_row_count = 0;
    Vector none = eval_ok(x_subplan(SUBLINK_EXISTS, type_plain(TYPE_BOOL), empty, 0, NULL, NULL),
                          input);
    ck_assert_str_eq(row_text(&none, 0), "f");
}
END_TEST

/* ------------------------------------------------------------ specials ---- */

static Error *special_hook(void *hook_ctx, const char *name, const char *const *args,
                           uint32_t arg_count, Arena *arena, const char **text_out)
{
    (void)hook_ctx;
    if (strcmp(name, "current_setting") == 0 && arg_count == 1 && args[0] != NULL) {
        if (strcmp(args[0], "answer") == 0) {
            *text_out = arena_strdup(arena, "42");
            return NULL;
        }
        return err_new(SQLSTATE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"",
                       args[0]);
    }
    *text_out = NULL;
    return NULL;
}

START_TEST(test_expr_special_functions)
{
    DataChunk *input = chunk_of(0, 2, NULL);
    Expr *arg = x_const(TYPE_TEXT, "answer");
    Expr *special = x_args(x_new(EXPR_FUNC_SPECIAL, type_plain(TYPE_TEXT)), 1, &arg);
    special->name = "current_setting";
    ExprState *state;
    assert_ok(expr_prepare(&ctx, special, &state));
    Vector out;
    expect_err(expr_eval(state, input, test_arena, &out), "0A000", NULL);
    ctx.hooks.special = special_hook;
    assert_ok(expr_prepare(&ctx, special, &state));
    assert_ok(expr_eval(state, input, test_arena, &out));
    ck_assert_str_eq(row_text(&out, 1), "42");
    /* result converted to int4 through the input function */
    special->type = type_plain(TYPE_INT4);
    assert_ok(expr_prepare(&ctx, special, &state));
    assert_ok(expr_eval(state, input, test_arena, &out));
    ck_assert_uint_eq(out.phys, VEC_PHYS_I32);
    ck_assert_str_eq(row_text(&out, 0), "42");
    Expr *bad_arg = x_const(TYPE_TEXT, "nope");
    Expr *bad = x_args(x_new(EXPR_FUNC_SPECIAL, type_plain(TYPE_TEXT)), 1, &bad_arg);
    bad->name = "current_setting";
    assert_ok(expr_prepare(&ctx, bad, &state));
    expect_err(expr_eval(state, input, test_arena, &out), "42704",
                 "unrecognized configuration parameter \"nope\"");
}
END_TEST

/* ------------------------------------------------------------ interrupts ---- */

START_TEST(test_exec_check_interrupt)
{
    atomic_int flag = 0;
    ctx.interrupt = &flag;
    assert_ok(exec_check_interrupt(&ctx));
    atomic_store(&flag, 1);
    expect_err(exec_check_interrupt(&ctx), "57014", "canceling statement due to user request");
    atomic_store(&flag, 2);
    expect_err(exec_check_interrupt(&ctx), "57014",
                 "canceling statement due to statement timeout");
}
END_TEST

Suite *expr_suite(void)
{
    Suite *suite = suite_create("expr");
    TCase *tcase = tcase_create("expr");
    tcase_add_checked_fixture(tcase, setup, teardown);
    tcase_add_test(tcase, test_expr_arithmetic_with_nulls);
    tcase_add_test(tcase, test_expr_errors_only_on_live_rows);
    tcase_add_test(tcase, test_expr_and_or_three_valued);
    tcase_add_test(tcase, test_expr_case_and_coalesce_with_nulls);
    tcase_add_test(tcase, test_expr_like_constant_pattern);
    tcase_add_test(tcase, test_expr_casts_and_typmods);
    tcase_add_test(tcase, test_expr_constant_input_errors);
    tcase_add_test(tcase, test_expr_params_and_int64);
    tcase_add_test(tcase, test_expr_subplans);
    tcase_add_test(tcase, test_expr_special_functions);
    tcase_add_test(tcase, test_exec_check_interrupt);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(expr_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
