/* planner/plan_explain.c: EXPLAIN's text in PostgreSQL's style, and plan_node_count.
 *
 * Nodes are visited in pre-order: the node, its left subtree, its right subtree, then the
 * subplans of its expressions (in the order walk_node_exprs meets them). The same order gives
 * the index into EXPLAIN ANALYZE's stats array and the "SubPlan N" numbers. PLAN_PROJECT nodes
 * are counted but printed only by EXPLAIN VERBOSE (PostgreSQL shows no projection nodes).
 * Materialized CTEs are printed after the main tree without statistics.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/asserts.h"
#include "planner/planner.h"
#include "planner/sysview.h"   /* sysviews: PLAN_SYSVIEW_SCAN titles */

enum {
    EXPLAIN_LINE_SIZE_MAX = 4096,
    EXPLAIN_SUBPLAN_MAX = 1024,
    EXPLAIN_DEPTH_MAX = 200,
};

typedef struct Explain {
    Arena               *arena;
    const char         **lines;
    size_t               count, capacity;
    const PlanNodeStats *stats;
    size_t               stats_count;
    size_t               node_idx;
    bool                 verbose, costs;
    const Plan          *subplans[EXPLAIN_SUBPLAN_MAX];   /* numbered 1.. in order met */
    uint32_t             subplan_count;
    bool                 oom;
} Explain;

/* ------------------------------------------------------------ walking ---- */

typedef void (*ExprVisit)(void *ctx, const Expr *expr);

static void walk_subplans(const Expr *expr, ExprVisit visit, void *ctx)
{
    if (expr == NULL) return;
    if (expr->kind == EXPR_SUBPLAN) visit(ctx, expr);
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        walk_subplans(expr->args[arg_idx], visit, ctx);
    }
}

static void walk_list(Expr *const *exprs, uint32_t count, ExprVisit visit, void *ctx)
{
    for (uint32_t expr_idx = 0; exprs != NULL && expr_idx < count; expr_idx++) {
        walk_subplans(exprs[expr_idx], visit, ctx);
    }
}

/* walk_node_exprs: every expression of plan (not of its children) in a fixed order. */
static void walk_node_exprs(const Plan *plan, ExprVisit visit, void *ctx)
{
    for (uint32_t row_idx = 0; row_idx < plan->value_row_count; row_idx++) {
        walk_list(plan->value_rows[row_idx], plan->column_count, visit, ctx);
    }
    walk_list(plan->bounds.eq_values, plan->bounds.eq_count, visit, ctx);
    walk_subplans(plan->bounds.lo, visit, ctx);
    walk_subplans(plan->bounds.hi, visit, ctx);
    walk_subplans(plan->filter, visit, ctx);
    if (plan->kind == PLAN_PROJECT) walk_list(plan->exprs, plan->column_count, visit, ctx);
    walk_list(plan->left_keys, plan->key_count, visit, ctx);
    walk_list(plan->right_keys, plan->key_count, visit, ctx);
    walk_list(plan->group_exprs, plan->group_count, visit, ctx);
    for (uint32_t agg_idx = 0; agg_idx < plan->agg_count; agg_idx++) {
        walk_subplans(plan->aggs[agg_idx].arg, visit, ctx);
        walk_subplans(plan->aggs[agg_idx].filter, visit, ctx);
    }
    for (uint32_t key_idx = 0; key_idx < plan->sort_count; key_idx++) {
        walk_subplans(plan->sort_keys[key_idx].expr, visit, ctx);
    }
    walk_subplans(plan->limit, visit, ctx);
    walk_subplans(plan->offset, visit, ctx);
    for (uint32_t call_idx = 0; call_idx < plan->window_count; call_idx++) {
        const WindowCall *call = &plan->windows[call_idx];
        walk_list(call->args, call->arg_count, visit, ctx);
        walk_subplans(call->filter, visit, ctx);
    }
    const DmlInfo *dml = &plan->dml;
    walk_list(dml->set_exprs, dml->set_count, visit, ctx);
    walk_subplans(dml->recheck, visit, ctx);
    if (dml->table != NULL && dml->conflict_set != NULL) {
        walk_list(dml->conflict_set, dml->table->column_count, visit, ctx);
    }
    walk_subplans(dml->conflict_where, visit, ctx);
    walk_list(dml->returning, dml->returning_count, visit, ctx);
}

static void count_visit(void *ctx, const Expr *expr);

static size_t count_nodes(const Plan *plan)
{
    if (plan == NULL) return 0;
    size_t count = 1 + count_nodes(plan->left) + count_nodes(plan->right);
    walk_node_exprs(plan, count_visit, &count);
    return count;
}

static void count_visit(void *ctx, const Expr *expr)
{
    *(size_t *)ctx += count_nodes(expr->subplan);
}

size_t plan_node_count(const PlannedStmt *planned)
{
    return planned == NULL ? 0 : count_nodes(planned->root);
}

/* ------------------------------------------------------------ output ---- */

typedef struct Buf {
    char   text[EXPLAIN_LINE_SIZE_MAX];
    size_t size;
} Buf;

static void buf_add(Buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_add(Buf *buf, const char *fmt, ...)
{
    if (buf->size >= sizeof buf->text - 1) return;
    va_list args;
    va_start(args, fmt);
    int written = vsnprintf(buf->text + buf->size, sizeof buf->text - buf->size, fmt, args);
    va_end(args);
    if (written < 0) return;
    buf->size += (size_t)written;
    if (buf->size > sizeof buf->text - 1) buf->size = sizeof buf->text - 1;
}

static void emit(Explain *out, int indent, const Buf *buf)
{
    if (out->oom) return;
    if (out->count == out->capacity) {
        size_t capacity = out->capacity * 2 + 16;
        const char **lines = arena_alloc(out->arena, capacity * sizeof *lines);
        if (lines == NULL) {
            out->oom = true;
            return;
        }
        if (out->count > 0) memcpy(lines, out->lines, out->count * sizeof *lines);
        out->lines = lines;
        out->capacity = capacity;
    }
    char *line = arena_alloc(out->arena, (size_t)indent + buf->size + 1);
    if (line == NULL) {
        out->oom = true;
        return;
    }
    memset(line, ' ', (size_t)indent);
    memcpy(line + indent, buf->text, buf->size);
    line[indent + (int)buf->size] = '\0';
    out->lines[out->count++] = line;
}

static uint32_t subplan_number(Explain *out, const Plan *subplan)
{
    for (uint32_t plan_idx = 0; plan_idx < out->subplan_count; plan_idx++) {
        if (out->subplans[plan_idx] == subplan) return plan_idx + 1;
    }
    if (out->subplan_count == EXPLAIN_SUBPLAN_MAX) return 0;
    out->subplans[out->subplan_count++] = subplan;
    return out->subplan_count;
}

static bool is_operator(const char *name)
{
    return name != NULL && name[0] != '\0' && strchr("=<>!~+-*/%|&^@#", name[0]) != NULL;
}

typedef struct Names {
    const char *const *left;
    uint32_t           left_count;
    const char *const *right;      /* joins: the right child's names after left_count */
    uint32_t           right_count;
} Names;

static void deparse(Explain *out, Buf *buf, const Expr *expr, const Names *names);

static void deparse_args(Explain *out, Buf *buf, const Expr *expr, const Names *names,
                         const char *separator)
{
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        if (arg_idx > 0) buf_add(buf, "%s", separator);
        deparse(out, buf, expr->args[arg_idx], names);
    }
}

static void deparse_column(Buf *buf, uint32_t column_idx, const Names *names)
{
    const char *name = NULL;
    if (column_idx < names->left_count) {
        name = names->left != NULL ? names->left[column_idx] : NULL;
    } else if (column_idx - names->left_count < names->right_count) {
        name = names->right != NULL ? names->right[column_idx - names->left_count] : NULL;
    }
    if (name != NULL) {
        buf_add(buf, "%s", name);
    } else {
        buf_add(buf, "$c%u", column_idx);
    }
}

static void deparse_const(Buf *buf, const Expr *expr)
{
    if (expr->is_null) {
        buf_add(buf, "NULL");
        return;
    }
    uint32_t id = expr->type.id;
    int size = (int)expr->const_size;
    bool bare = id == TYPE_INT2 || id == TYPE_INT4 || id == TYPE_INT8 || id == TYPE_NUMERIC ||
                id == TYPE_BOOL;
    if (bare && size > 0 && expr->const_text[0] != '-') {
        if (id == TYPE_BOOL) {
            buf_add(buf, "%s", expr->const_text[0] == 't' ? "true" : "false");
        } else {
            buf_add(buf, "%.*s", size, expr->const_text);
        }
        return;
    }
    buf_add(buf, "'%.*s'::%s", size, expr->const_text, type_name(id));
}

static void deparse(Explain *out, Buf *buf, const Expr *expr, const Names *names)
{
    if (expr == NULL) {
        buf_add(buf, "NULL");
        return;
    }
    switch (expr->kind) {
    case EXPR_CONST: deparse_const(buf, expr); return;
    case EXPR_PARAM: buf_add(buf, "$%u", expr->param_idx + 1); return;
    case EXPR_COLUMN: deparse_column(buf, expr->column_idx, names); return;
    case EXPR_OUTER: buf_add(buf, "$outer%u", expr->outer_idx); return;
    case EXPR_CALL:
        if (is_operator(expr->name) && expr->arg_count == 2) {
            buf_add(buf, "(");
            deparse(out, buf, expr->args[0], names);
            buf_add(buf, " %s ", expr->name);
            deparse(out, buf, expr->args[1], names);
            buf_add(buf, ")");
        } else if (is_operator(expr->name) && expr->arg_count == 1) {
            buf_add(buf, "(%s ", expr->name);
            deparse(out, buf, expr->args[0], names);
            buf_add(buf, ")");
        } else {
            buf_add(buf, "%s(", expr->name != NULL ? expr->name : "?");
            deparse_args(out, buf, expr, names, ", ");
            buf_add(buf, ")");
        }
        return;
    case EXPR_CAST:
        buf_add(buf, "(");
        deparse(out, buf, expr->args[0], names);
        buf_add(buf, ")::%s", type_name(expr->type.id));
        return;
    case EXPR_AND:
    case EXPR_OR:
        buf_add(buf, "(");
        deparse_args(out, buf, expr, names, expr->kind == EXPR_AND ? " AND " : " OR ");
        buf_add(buf, ")");
        return;
    case EXPR_NOT:
        buf_add(buf, "(NOT ");
        deparse(out, buf, expr->args[0], names);
        buf_add(buf, ")");
        return;
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL:
        buf_add(buf, "(");
        deparse(out, buf, expr->args[0], names);
        buf_add(buf, expr->kind == EXPR_IS_NULL ? " IS NULL)" : " IS NOT NULL)");
        return;
    case EXPR_CASE: {
        buf_add(buf, "CASE");
        uint32_t pair_count = (expr->arg_count - (expr->has_else ? 1 : 0)) / 2;
        for (uint32_t pair_idx = 0; pair_idx < pair_count; pair_idx++) {
            buf_add(buf, " WHEN ");
            deparse(out, buf, expr->args[2 * pair_idx], names);
            buf_add(buf, " THEN ");
            deparse(out, buf, expr->args[2 * pair_idx + 1], names);
        }
        if (expr->has_else) {
            buf_add(buf, " ELSE ");
            deparse(out, buf, expr->args[expr->arg_count - 1], names);
        }
        buf_add(buf, " END");
        return;
    }
    case EXPR_COALESCE:
        buf_add(buf, "COALESCE(");
        deparse_args(out, buf, expr, names, ", ");
        buf_add(buf, ")");
        return;
    case EXPR_SUBPLAN:
        buf_add(buf, "(SubPlan %u)", subplan_number(out, expr->subplan));
        return;
    case EXPR_SEQ_NEXT: buf_add(buf, "nextval('%u'::regclass)", expr->sequence_oid); return;
    case EXPR_SEQ_CURR: buf_add(buf, "currval('%u'::regclass)", expr->sequence_oid); return;
    case EXPR_SEQ_SET: buf_add(buf, "setval('%u'::regclass, ...)", expr->sequence_oid); return;
    case EXPR_FUNC_SPECIAL:
        buf_add(buf, "%s(", expr->name != NULL ? expr->name : "?");
        deparse_args(out, buf, expr, names, ", ");
        buf_add(buf, ")");
        return;
    }
    buf_add(buf, "?");
}

static int type_width(Type type)
{
    switch (type.id) {
    case TYPE_BOOL: return 1;
    case TYPE_INT2: return 2;
    case TYPE_INT4: case TYPE_FLOAT4: case TYPE_DATE: return 4;
    case TYPE_INT8: case TYPE_FLOAT8: case TYPE_TIME: case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: case TYPE_OID: return 8;
    case TYPE_INTERVAL: return 16;
    default: return 32;
    }
}

static const char *join_name(JoinType type)
{
    switch (type) {
    case JOIN_INNER: return "";
    case JOIN_LEFT: return " Left Join";
    case JOIN_RIGHT: return " Right Join";
    case JOIN_FULL: return " Full Join";
    case JOIN_SEMI: return " Semi Join";
    case JOIN_ANTI: return " Anti Join";
    case JOIN_MARK: return " Mark Join";
    }
    return "";
}

static void node_title(const Plan *plan, Buf *buf)
{
    switch (plan->kind) {
    case PLAN_RESULT: buf_add(buf, "Result"); return;
    case PLAN_VALUES: buf_add(buf, "Values Scan on \"*VALUES*\""); return;
    case PLAN_SEQ_SCAN: buf_add(buf, "Seq Scan on %s", plan->table->name); return;
    case PLAN_INDEX_SCAN:
        if (plan->index != NULL) {
            buf_add(buf, "Index Scan%s using %s on %s", plan->bounds.backward ? " Backward" : "",
                    plan->index->name, plan->table->name);
        } else {
            buf_add(buf, "Index Scan%s using %s_pkey on %s",
                    plan->bounds.backward ? " Backward" : "", plan->table->name,
                    plan->table->name);
        }
        return;
    case PLAN_FILTER: buf_add(buf, "Filter"); return;
    case PLAN_PROJECT: buf_add(buf, "Result"); return;
    case PLAN_HASH_JOIN: buf_add(buf, "Hash%s", plan->join_type == JOIN_INNER ? " Join"
                                                                               : join_name(plan->join_type));
        return;
    case PLAN_NL_JOIN: buf_add(buf, "Nested Loop%s", join_name(plan->join_type)); return;
    case PLAN_HASH_AGG: buf_add(buf, plan->group_count > 0 ? "HashAggregate" : "Aggregate");
        return;
    case PLAN_SORT: buf_add(buf, "Sort"); return;
    case PLAN_LIMIT: buf_add(buf, "Limit"); return;
    case PLAN_SETOP:
        if (plan->setop == SETOP_UNION && plan->setop_all) {
            buf_add(buf, "Append");
        } else {
            buf_add(buf, "HashSetOp %s%s",
                    plan->setop == SETOP_UNION       ? "Union"
                    : plan->setop == SETOP_INTERSECT ? "Intersect"
                                                     : "Except",
                    plan->setop_all ? " All" : "");
        }
        return;
    case PLAN_WINDOW: buf_add(buf, "WindowAgg"); return;
    case PLAN_CTE_SCAN: buf_add(buf, "CTE Scan on cte%u", plan->cte_idx); return;
    case PLAN_RECURSIVE_UNION: buf_add(buf, "Recursive Union"); return;
    case PLAN_WORK_SCAN: buf_add(buf, "WorkTable Scan"); return;
    case PLAN_INSERT: buf_add(buf, "Insert on %s", plan->dml.table->name); return;
    case PLAN_UPDATE: buf_add(buf, "Update on %s", plan->dml.table->name); return;
    case PLAN_DELETE: buf_add(buf, "Delete on %s", plan->dml.table->name); return;
    case PLAN_SYSVIEW_SCAN: /* sysviews: PostgreSQL scans its catalog table */
        buf_add(buf, "Seq Scan on %s", plan->sysview->name);
        return;
    }
    buf_add(buf, "?");
}

static Names child_names(const Plan *plan)
{
    Names names = { 0 };
    if (plan->left == NULL) {
        names.left = plan->names;
        names.left_count = plan->column_count;
        return names;
    }
    names.left = plan->left->names;
    names.left_count = plan->left->column_count;
    if (plan->kind == PLAN_HASH_JOIN || plan->kind == PLAN_NL_JOIN) {
        names.right = plan->right->names;
        names.right_count = plan->right->column_count;
    }
    return names;
}

static void emit_expr_line(Explain *out, int indent, const char *label, const Expr *expr,
                           const Names *names)
{
    Buf buf = { .size = 0 };
    buf_add(&buf, "%s: ", label);
    deparse(out, &buf, expr, names);
    emit(out, indent, &buf);
}

static void emit_sort_keys(Explain *out, int indent, const char *label, const SortKey *keys,
                           uint32_t count, const Names *names)
{
    Buf buf = { .size = 0 };
    buf_add(&buf, "%s: ", label);
    for (uint32_t key_idx = 0; key_idx < count; key_idx++) {
        if (key_idx > 0) buf_add(&buf, ", ");
        deparse(out, &buf, keys[key_idx].expr, names);
        if (keys[key_idx].descending) buf_add(&buf, " DESC");
        if (keys[key_idx].nulls_first != keys[key_idx].descending) {
            buf_add(&buf, keys[key_idx].nulls_first ? " NULLS FIRST" : " NULLS LAST");
        }
    }
    emit(out, indent, &buf);
}

static void emit_index_cond(Explain *out, int indent, const Plan *plan)
{
    const IndexBounds *bounds = &plan->bounds;
    const int16_t *attnums = plan->index != NULL ? plan->index->attnums
                                                 : &plan->table->cluster_attnum;
    Buf buf = { .size = 0 };
    buf_add(&buf, "Index Cond: ");
    uint32_t part_count = bounds->eq_count + (bounds->lo != NULL) + (bounds->hi != NULL);
    Names none = { 0 };
    if (part_count > 1) buf_add(&buf, "(");
    uint32_t part = 0;
    for (uint32_t eq_idx = 0; eq_idx < bounds->eq_count; eq_idx++) {
        const char *column = plan->table->columns[attnums[eq_idx] - 1].name;
        buf_add(&buf, "%s(%s = ", part++ > 0 ? " AND " : "", column);
        deparse(out, &buf, bounds->eq_values[eq_idx], &none);
        buf_add(&buf, ")");
    }
    if (bounds->lo != NULL || bounds->hi != NULL) {
        /* the range is on the key column after the equalities (choose_index) */
        const char *column = plan->table->columns[attnums[bounds->eq_count] - 1].name;
        if (bounds->lo != NULL) {
            buf_add(&buf, "%s(%s %s ", part++ > 0 ? " AND " : "", column,
                    bounds->lo_inclusive ? ">=" : ">");
            deparse(out, &buf, bounds->lo, &none);
            buf_add(&buf, ")");
        }
        if (bounds->hi != NULL) {
            buf_add(&buf, "%s(%s %s ", part++ > 0 ? " AND " : "", column,
                    bounds->hi_inclusive ? "<=" : "<");
            deparse(out, &buf, bounds->hi, &none);
            buf_add(&buf, ")");
        }
    }
    if (part_count > 1) buf_add(&buf, ")");
    emit(out, indent, &buf);
}

static void emit_properties(Explain *out, int indent, const Plan *plan)
{
    Names names = child_names(plan);
    if (out->verbose && plan->names != NULL) {
        Buf buf = { .size = 0 };
        buf_add(&buf, "Output: ");
        for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
            if (col_idx > 0) buf_add(&buf, ", ");
            if (plan->kind == PLAN_PROJECT) {
                deparse(out, &buf, plan->exprs[col_idx], &names);
            } else {
                buf_add(&buf, "%s", plan->names[col_idx] != NULL ? plan->names[col_idx] : "?");
            }
        }
        emit(out, indent, &buf);
    }
    if (plan->kind == PLAN_INDEX_SCAN) emit_index_cond(out, indent, plan);
    if (plan->kind == PLAN_HASH_JOIN && plan->key_count > 0) {
        Buf buf = { .size = 0 };
        buf_add(&buf, "Hash Cond: ");
        if (plan->key_count > 1) buf_add(&buf, "(");
        Names left = { plan->left->names, plan->left->column_count, NULL, 0 };
        Names right = { plan->right->names, plan->right->column_count, NULL, 0 };
        for (uint32_t key_idx = 0; key_idx < plan->key_count; key_idx++) {
            if (key_idx > 0) buf_add(&buf, " AND ");
            buf_add(&buf, "(");
            deparse(out, &buf, plan->left_keys[key_idx], &left);
            buf_add(&buf, " = ");
            deparse(out, &buf, plan->right_keys[key_idx], &right);
            buf_add(&buf, ")");
        }
        if (plan->key_count > 1) buf_add(&buf, ")");
        emit(out, indent, &buf);
    }
    if (plan->filter != NULL) {
        bool join = plan->kind == PLAN_HASH_JOIN || plan->kind == PLAN_NL_JOIN;
        emit_expr_line(out, indent, join ? "Join Filter" : "Filter", plan->filter, &names);
    }
    if (plan->kind == PLAN_HASH_AGG && plan->group_count > 0) {
        Buf buf = { .size = 0 };
        buf_add(&buf, "Group Key: ");
        for (uint32_t group_idx = 0; group_idx < plan->group_count; group_idx++) {
            if (group_idx > 0) buf_add(&buf, ", ");
            deparse(out, &buf, plan->group_exprs[group_idx], &names);
        }
        emit(out, indent, &buf);
    }
    if (plan->kind == PLAN_SORT) {
        emit_sort_keys(out, indent, "Sort Key", plan->sort_keys, plan->sort_count, &names);
    }
    if (plan->kind == PLAN_WINDOW && plan->window_count > 0) {
        const WindowCall *call = &plan->windows[0];
        Buf buf = { .size = 0 };
        buf_add(&buf, "Window: %s(", call->name);
        for (uint32_t arg_idx = 0; arg_idx < call->arg_count; arg_idx++) {
            if (arg_idx > 0) buf_add(&buf, ", ");
            deparse(out, &buf, call->args[arg_idx], &names);
        }
        buf_add(&buf, ")");
        emit(out, indent, &buf);
    }
}

typedef struct SubplanList {
    const Plan *plans[EXPLAIN_SUBPLAN_MAX];
    uint32_t    count;
} SubplanList;

static void collect_visit(void *ctx, const Expr *expr)
{
    SubplanList *list = ctx;
    if (list->count < EXPLAIN_SUBPLAN_MAX) list->plans[list->count++] = expr->subplan;
}

static void explain_node(Explain *out, const Plan *plan, int text_col, bool arrow, int depth);

/* explain_subplans: "SubPlan N" headings at props_col, each tree two columns further in. */
static void explain_subplans(Explain *out, const Plan *plan, int props_col, int depth)
{
    SubplanList *list = arena_calloc(out->arena, sizeof *list);
    if (list == NULL) {
        out->oom = true;
        return;
    }
    walk_node_exprs(plan, collect_visit, list);
    for (uint32_t sub_idx = 0; sub_idx < list->count; sub_idx++) {
        Buf buf = { .size = 0 };
        buf_add(&buf, "SubPlan %u", subplan_number(out, list->plans[sub_idx]));
        emit(out, props_col, &buf);
        explain_node(out, list->plans[sub_idx], props_col + 6, true, depth + 1);
    }
}

/* explain_node: text_col is where the node's title starts ("->  " sits 4 columns before it
 * for a child); properties and child arrows start 2 columns after text_col. */
static void explain_node(Explain *out, const Plan *plan, int text_col, bool arrow, int depth)
{
    if (depth > EXPLAIN_DEPTH_MAX || out->oom) return;
    size_t node_idx = out->node_idx++;
    if (plan->kind == PLAN_PROJECT && !out->verbose && plan->left != NULL) {
        /* counted, not shown: the child takes its place; the select list's subplans follow */
        explain_node(out, plan->left, text_col, arrow, depth + 1);
        explain_subplans(out, plan, text_col + 2, depth);
        return;
    }
    Buf buf = { .size = 0 };
    if (arrow) buf_add(&buf, "->  ");
    node_title(plan, &buf);
    if (out->costs) {
        int width = 0;
        for (uint32_t col_idx = 0; col_idx < plan->column_count; col_idx++) {
            width += type_width(plan->types[col_idx]);
        }
        buf_add(&buf, "  (cost=0.00..%.2f rows=%.0f width=%d)", plan->est_cost,
                plan->est_rows < 1 ? 1 : plan->est_rows, width);
    }
    if (out->stats != NULL && node_idx < out->stats_count) {
        const PlanNodeStats *stats = &out->stats[node_idx];
        buf_add(&buf, "%s(actual time=0.000..%.3f rows=%.0f loops=%.0f)",
                out->costs ? " " : "  ",
                stats->total_ms, stats->loops > 0 ? stats->rows / stats->loops : stats->rows,
                stats->loops);
    }
    emit(out, arrow ? text_col - 4 : text_col, &buf);
    emit_properties(out, text_col + 2, plan);
    if (plan->left != NULL) explain_node(out, plan->left, text_col + 6, true, depth + 1);
    if (plan->right != NULL) explain_node(out, plan->right, text_col + 6, true, depth + 1);
    explain_subplans(out, plan, text_col + 2, depth);
}

Error *plan_explain(Arena *arena, const PlannedStmt *planned, const PlanNodeStats *stats,
                    size_t stats_count, bool verbose, bool costs, const char ***lines_out,
                    size_t *line_count_out)
{
    Explain *out = arena_calloc(arena, sizeof *out);
    if (out == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    out->arena = arena;
    out->stats = stats;
    out->stats_count = stats_count;
    out->verbose = verbose;
    out->costs = costs;
    explain_node(out, planned->root, 0, false, 0);
    for (uint32_t cte_idx = 0; cte_idx < planned->cte_count; cte_idx++) {
        Buf buf = { .size = 0 };
        buf_add(&buf, "CTE cte%u", cte_idx);
        emit(out, 2, &buf);
        const PlanNodeStats *saved = out->stats;
        out->stats = NULL;
        explain_node(out, planned->ctes[cte_idx], 8, true, 1);
        out->stats = saved;
    }
    if (out->oom) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    *lines_out = out->lines;
    *line_count_out = out->count;
    return NULL;
}
