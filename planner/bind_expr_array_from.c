/* planner/bind_expr_array_from.c: unnest(array) [WITH ORDINALITY] in FROM.
 *
 * There is no set-returning plan node, so unnest is planned like generate_series: a recursive
 * union over (array, position) rows. The anchor is VALUES (array, 1) kept while 1 <=
 * cardinality(array) (a NULL or empty array gives no rows); the recursive term adds 1 to the
 * position while it stays within the array; a projection on top reads the element at that
 * position ("array_nth": 1-based position, whatever the lower bound) and the position as the
 * bigint ordinality column. The array expression may read outer query levels (a correlated
 * subquery), not the same FROM clause (no LATERAL). */
#include <string.h>

#include "planner/bind_expr_array.h"
#include "planner/plan_int.h"

static Error *call2(BindCtx *ctx, const char *name, Expr *left, Expr *right, int position,
                    Expr **expr_out)
{
    Expr *args[2] = { left, right };
    return bind_func_call(ctx, name, args, 2, position, expr_out);
}

/* within: position <= cardinality(array), over a row (array, position). */
static Error *within(BindCtx *ctx, Type array_type, int position, Expr **cond_out)
{
    Expr *array = bind_column_ref(ctx, 0, array_type);
    Expr *pos = bind_column_ref(ctx, 1, type_plain(TYPE_INT4));
    if (array == NULL || pos == NULL) return oom_error();
    Expr *args[1] = { array };
    Expr *cardinality = NULL;
    TRY(bind_func_call(ctx, "cardinality", args, 1, position, &cardinality));
    return call2(ctx, "<=", pos, cardinality, position, cond_out);
}

Error *bind_unnest_plan(BindCtx *ctx, Expr *array, bool ordinality, int position,
                        Plan **plan_out)
{
    if (type_array_elem(array->type.id) == TYPE_INVALID) {
        if (array->type.id == TYPE_UNKNOWN) {
            return err_at(SQLSTATE_INDETERMINATE_DATATYPE, position,
                          "could not determine polymorphic type because input has type unknown");
        }
        return err_at(SQLSTATE_UNDEFINED_FUNCTION, position, "function unnest(%s) does not exist",
                      type_name(array->type.id));
    }
    Type int4 = type_plain(TYPE_INT4);
    Type *pair_types = bind_alloc(ctx, 2 * sizeof *pair_types);
    const char **pair_names = bind_alloc(ctx, 2 * sizeof *pair_names);
    if (pair_types == NULL || pair_names == NULL) return oom_error();
    pair_types[0] = array->type;
    pair_types[1] = int4;
    pair_names[0] = "array";
    pair_names[1] = "position";
    /* anchor: (array, 1) when the array has an element */
    Plan *anchor = plan_node(ctx, PLAN_VALUES, NULL, 2);
    if (anchor == NULL) return oom_error();
    anchor->types = pair_types;
    anchor->names = pair_names;
    anchor->value_row_count = 1;
    anchor->value_rows = bind_alloc(ctx, sizeof *anchor->value_rows);
    if (anchor->value_rows == NULL) return oom_error();
    anchor->value_rows[0] = bind_alloc(ctx, 2 * sizeof(Expr *));
    Expr *one = bind_const_text(ctx, int4, "1", 1, position);
    if (anchor->value_rows[0] == NULL || one == NULL) return oom_error();
    anchor->value_rows[0][0] = array;
    anchor->value_rows[0][1] = one;
    anchor->est_rows = 1;
    Expr *cond = NULL;
    TRY(within(ctx, array->type, position, &cond));
    anchor = make_filter(ctx, anchor, cond);
    if (anchor == NULL) return oom_error();
    /* recursive term: (array, position + 1) while within the array */
    Plan *work = plan_node(ctx, PLAN_WORK_SCAN, NULL, 2);
    if (work == NULL) return oom_error();
    work->types = pair_types;
    work->names = pair_names;
    work->est_rows = 1;
    Expr **next = bind_alloc(ctx, 2 * sizeof *next);
    Expr *step = bind_const_text(ctx, int4, "1", 1, position);
    Expr *pos = bind_column_ref(ctx, 1, int4);
    if (next == NULL || step == NULL || pos == NULL) return oom_error();
    next[0] = bind_column_ref(ctx, 0, array->type);
    if (next[0] == NULL) return oom_error();
    TRY(call2(ctx, "+", pos, step, position, &next[1]));
    Plan *advance = make_project(ctx, work, next, pair_names, 2);
    if (advance == NULL) return oom_error();
    TRY(within(ctx, array->type, position, &cond));
    Plan *recursive = make_filter(ctx, advance, cond);
    Plan *series = plan_node(ctx, PLAN_RECURSIVE_UNION, anchor, 2);
    if (recursive == NULL || series == NULL) return oom_error();
    series->right = recursive;
    series->types = pair_types;
    series->names = pair_names;
    series->setop = SETOP_UNION;
    series->setop_all = true;
    series->est_rows = 10;
    series->est_cost = 10;
    /* top: the element at the position [, the position as bigint] */
    uint32_t out_count = ordinality ? 2 : 1;
    Expr **outs = bind_alloc(ctx, out_count * sizeof *outs);
    const char **out_names = bind_alloc(ctx, out_count * sizeof *out_names);
    Expr *array_ref = bind_column_ref(ctx, 0, array->type);
    Expr *pos_ref = bind_column_ref(ctx, 1, int4);
    if (outs == NULL || out_names == NULL || array_ref == NULL || pos_ref == NULL) {
        return oom_error();
    }
    TRY(call2(ctx, "array_nth", array_ref, pos_ref, position, &outs[0]));
    out_names[0] = "unnest";
    if (ordinality) {
        Expr *ord = bind_column_ref(ctx, 1, int4);
        if (ord == NULL) return oom_error();
        TRY(bind_coerce(ctx, ord, type_plain(TYPE_INT8), true, NULL, &outs[1]));
        out_names[1] = "ordinality";
    }
    Plan *top = make_project(ctx, series, outs, out_names, out_count);
    if (top == NULL) return oom_error();
    *plan_out = top;
    return NULL;
}

Error *bind_series_ordinality(BindCtx *ctx, Plan *series, Expr *const *args, uint32_t arg_count,
                              int position, Plan **plan_out)
{
    /* ordinality = (value - start) / step + 1, as bigint (args are already the series type) */
    Type type = series->types[0];
    Expr *value = bind_column_ref(ctx, 0, type);
    Expr *offset = NULL, *index = NULL, *ord = NULL;
    if (value == NULL) return oom_error();
    TRY(call2(ctx, "-", value, args[0], position, &offset));
    if (arg_count > 2) {
        TRY(call2(ctx, "/", offset, args[2], position, &offset));
        if (type.id == TYPE_NUMERIC) {
            Expr *trunc_args[1] = { offset };
            TRY(bind_func_call(ctx, "trunc", trunc_args, 1, position, &offset));
        }
    }
    TRY(bind_coerce(ctx, offset, type_plain(TYPE_INT8), true, NULL, &index));
    Expr *one = bind_const_text(ctx, type_plain(TYPE_INT8), "1", 1, position);
    if (one == NULL) return oom_error();
    TRY(call2(ctx, "+", index, one, position, &ord));
    Expr **outs = bind_alloc(ctx, 2 * sizeof *outs);
    const char **names = bind_alloc(ctx, 2 * sizeof *names);
    if (outs == NULL || names == NULL) return oom_error();
    outs[0] = bind_column_ref(ctx, 0, type);
    if (outs[0] == NULL) return oom_error();
    outs[1] = ord;
    names[0] = series->names != NULL ? series->names[0] : "generate_series";
    names[1] = "ordinality";
    *plan_out = make_project(ctx, series, outs, names, 2);
    return *plan_out == NULL ? oom_error() : NULL;
}

/* ---------------------------------------------------------------- LATERAL unnest ---- */

/* The recursive union over a child's rows: (child columns, position) while position <=
 * cardinality(array), then child columns ++ array_nth(array, position) [++ position]. array is
 * over the child's row. */
static Error *unnest_over(BindCtx *ctx, Plan *child, Expr *array, bool ordinality, int position,
                          Plan **plan_out)
{
    uint32_t width = child->column_count;
    Type int4 = type_plain(TYPE_INT4);
    Type *types = bind_alloc(ctx, (width + 1) * sizeof *types);
    const char **names = bind_alloc(ctx, (width + 1) * sizeof *names);
    Expr **seed = bind_alloc(ctx, (width + 1) * sizeof *seed);
    Expr **next = bind_alloc(ctx, (width + 1) * sizeof *next);
    if (types == NULL || names == NULL || seed == NULL || next == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < width; col_idx++) {
        types[col_idx] = child->types[col_idx];
        names[col_idx] = child->names != NULL ? child->names[col_idx] : "?column?";
        seed[col_idx] = bind_column_ref(ctx, col_idx, types[col_idx]);
        next[col_idx] = bind_column_ref(ctx, col_idx, types[col_idx]);
        if (seed[col_idx] == NULL || next[col_idx] == NULL) return oom_error();
    }
    types[width] = int4;
    names[width] = "position";
    seed[width] = bind_const_text(ctx, int4, "1", 1, position);
    Expr *pos = bind_column_ref(ctx, width, int4);
    Expr *step = bind_const_text(ctx, int4, "1", 1, position);
    if (seed[width] == NULL || pos == NULL || step == NULL) return oom_error();
    TRY(call2(ctx, "+", pos, step, position, &next[width]));
    /* the array re-evaluated over the (child ++ position) row: same column indexes */
    Expr *cardinality = NULL, *cond = NULL;
    Expr *card_args[1] = { array };
    TRY(bind_func_call(ctx, "cardinality", card_args, 1, position, &cardinality));
    Expr *pos_ref = bind_column_ref(ctx, width, int4);
    if (pos_ref == NULL) return oom_error();
    TRY(call2(ctx, "<=", pos_ref, cardinality, position, &cond));
    Plan *anchor = make_project(ctx, child, seed, names, width + 1);
    if (anchor == NULL) return oom_error();
    anchor->types = types;
    anchor = make_filter(ctx, anchor, cond);
    Plan *work = plan_node(ctx, PLAN_WORK_SCAN, NULL, width + 1);
    if (anchor == NULL || work == NULL) return oom_error();
    work->types = types;
    work->names = names;
    work->est_rows = child->est_rows;
    Plan *advance = make_project(ctx, work, next, names, width + 1);
    if (advance == NULL) return oom_error();
    advance->types = types;
    Plan *recursive = make_filter(ctx, advance, cond);
    Plan *series = plan_node(ctx, PLAN_RECURSIVE_UNION, anchor, width + 1);
    if (recursive == NULL || series == NULL) return oom_error();
    series->right = recursive;
    series->types = types;
    series->names = names;
    series->setop = SETOP_UNION;
    series->setop_all = true;
    series->est_rows = child->est_rows * 4;
    series->est_cost = child->est_cost + series->est_rows;
    uint32_t out_count = width + (ordinality ? 2 : 1);
    Expr **outs = bind_alloc(ctx, out_count * sizeof *outs);
    const char **out_names = bind_alloc(ctx, out_count * sizeof *out_names);
    if (outs == NULL || out_names == NULL) return oom_error();
    for (uint32_t col_idx = 0; col_idx < width; col_idx++) {
        outs[col_idx] = bind_column_ref(ctx, col_idx, types[col_idx]);
        if (outs[col_idx] == NULL) return oom_error();
        out_names[col_idx] = names[col_idx];
    }
    Expr *elem_pos = bind_column_ref(ctx, width, int4);
    if (elem_pos == NULL) return oom_error();
    TRY(call2(ctx, "array_nth", array, elem_pos, position, &outs[width]));
    out_names[width] = "unnest";
    if (ordinality) {
        Expr *ord = bind_column_ref(ctx, width, int4);
        if (ord == NULL) return oom_error();
        TRY(bind_coerce(ctx, ord, type_plain(TYPE_INT8), true, NULL, &outs[width + 1]));
        out_names[width + 1] = "ordinality";
    }
    *plan_out = make_project(ctx, series, outs, out_names, out_count);
    return *plan_out == NULL ? oom_error() : NULL;
}

/* uses_only: every EXPR_COLUMN of expr is in [start, start + count); *any_out if there is one. */
static bool uses_only(const Expr *expr, uint32_t start, uint32_t count, bool *any_out)
{
    if (expr == NULL) return true;
    if (expr->kind == EXPR_SUBPLAN) return false;   /* keep it simple: no subqueries */
    if (expr->kind == EXPR_COLUMN) {
        *any_out = true;
        return expr->column_idx >= start && expr->column_idx < start + count;
    }
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        if (!uses_only(expr->args[arg_idx], start, count, any_out)) return false;
    }
    return true;
}

static Expr *shift_columns(BindCtx *ctx, const Expr *expr, uint32_t start)
{
    if (expr == NULL) return NULL;
    Expr *copy = bind_alloc(ctx, sizeof *copy);
    if (copy == NULL) return NULL;
    *copy = *expr;
    if (expr->kind == EXPR_COLUMN) copy->column_idx -= start;
    if (expr->arg_count > 0) {
        copy->args = bind_alloc(ctx, expr->arg_count * sizeof *copy->args);
        if (copy->args == NULL) return NULL;
        for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
            copy->args[arg_idx] = shift_columns(ctx, expr->args[arg_idx], start);
            if (copy->args[arg_idx] == NULL) return NULL;
        }
    }
    return copy;
}

Error *bind_unnest_lateral(BindCtx *ctx, BindScope *scope, FromClause *clause, FromNode *prev,
                           Expr *array, bool ordinality, const char *range_name,
                           const AstAlias *alias, int position, bool *done_out)
{
    *done_out = false;
    bool any = false;
    if (prev == NULL || prev->is_join || prev->table == NULL || prev->dml_target ||
        prev->col_start + prev->col_count != clause->column_count ||
        !uses_only(array, prev->col_start, prev->col_count, &any) || !any) {
        return NULL;   /* not the case handled here */
    }
    if (type_array_elem(array->type.id) == TYPE_INVALID) {
        return err_at(SQLSTATE_UNDEFINED_FUNCTION, position, "function unnest(%s) does not exist",
                      type_name(array->type.id));
    }
    /* the table leaf becomes a plan leaf: every column of the table, then the unnest columns */
    uint32_t width = prev->col_count;
    Plan *scan = plan_node(ctx, PLAN_SEQ_SCAN, NULL, width);
    if (scan == NULL) return oom_error();
    scan->table = prev->table;
    scan->scan_count = width;
    scan->scan_attnums = bind_alloc(ctx, width * sizeof *scan->scan_attnums);
    scan->types = bind_alloc(ctx, width * sizeof *scan->types);
    scan->names = bind_alloc(ctx, width * sizeof *scan->names);
    if (scan->scan_attnums == NULL || scan->types == NULL || scan->names == NULL) {
        return oom_error();
    }
    for (uint32_t col_idx = 0; col_idx < width; col_idx++) {
        const BindColumn *column = &scope->columns[prev->col_start + col_idx];
        scan->scan_attnums[col_idx] = column->attnum;
        scan->types[col_idx] = column->type;
        scan->names[col_idx] = column->name != NULL ? column->name : "?column?";
    }
    scan->est_rows = 1000;
    scan->est_cost = 10;
    Expr *local = shift_columns(ctx, array, prev->col_start);
    if (local == NULL) return oom_error();
    Plan *plan = NULL;
    TRY(unnest_over(ctx, scan, local, ordinality, position, &plan));
    uint32_t extra = ordinality ? 2 : 1;
    uint32_t needed = clause->column_count + extra;
    if (needed > clause->column_capacity) {
        uint32_t capacity = needed + 16;
        BindColumn *columns = bind_alloc(ctx, capacity * sizeof *columns);
        RelSet *rels = bind_alloc(ctx, capacity * sizeof *rels);
        if (columns == NULL || rels == NULL) return oom_error();
        memcpy(columns, scope->columns, clause->column_count * sizeof *columns);
        memcpy(rels, clause->column_rels, clause->column_count * sizeof *rels);
        scope->columns = columns;
        clause->column_rels = rels;
        clause->column_capacity = capacity;
    }
    uint32_t *star_cols = bind_alloc(ctx, (prev->star_count + extra) * sizeof *star_cols);
    if (star_cols == NULL) return oom_error();
    memcpy(star_cols, prev->star_cols, prev->star_count * sizeof *star_cols);
    int alias_count = alias != NULL ? ast_list_count(alias->columns) : 0;
    if (alias_count > (int)extra) {
        return err_at(SQLSTATE_INVALID_COLUMN_REFERENCE, position,
                      "table \"%s\" has %u columns available but %d columns specified",
                      range_name, extra, alias_count);
    }
    for (uint32_t extra_idx = 0; extra_idx < extra; extra_idx++) {
        uint32_t canonical = clause->column_count++;
        const char *name = extra_idx == 0 ? (alias != NULL && alias_count == 0 ? alias->name
                                                                              : "unnest")
                                          : "ordinality";
        if ((int)extra_idx < alias_count) name = alias->columns->items[extra_idx];
        scope->columns[canonical] = (BindColumn){ .name = name, .range_name = range_name,
                                                  .type = plan->types[width + extra_idx] };
        clause->column_rels[canonical] = prev->rels;
        star_cols[prev->star_count + extra_idx] = canonical;
    }
    scope->column_count = clause->column_count;
    prev->star_cols = star_cols;
    prev->star_count += extra;
    prev->col_count += extra;
    prev->table = NULL;
    prev->plan = plan;
    *done_out = true;
    return NULL;
}
