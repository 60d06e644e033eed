/* planner/plan_build.c: the physical plan of a FROM clause: predicate push-down, access paths
 * (sequential or index scan), greedy join order with hash joins on equality predicates, and
 * the expression helpers the query binder shares (remapping, equality, conjunct splitting).
 *
 * Join order (planner.h): the WHERE conjuncts and the ON conjuncts of inner joins are split;
 * each one is pushed to the lowest point that has all its relations: a base table's scan
 * filter (and index bounds), a subquery's filter, or the join that first brings its relations
 * together. The inner-join units (base relations and whole outer joins) are joined greedily:
 * start from the smallest estimated unit, then repeatedly add the smallest unit connected to
 * the current result by an equality conjunct (hash join on those keys, the smaller input
 * built); a cross join (nested loop) only when no unit is connected.
 */
#include <math.h>
#include <string.h>

#include "common/asserts.h"
#include "planner/plan_int.h"

enum {
    DEFAULT_TABLE_ROWS = 1000,
};

/* index scans of a secondary index are chosen only below this estimated fraction of an
 * analyzed table's rows (each row found costs a lookup in the table tree) */
static const double INDEX_SELECTIVITY_MAX = 0.1;

/* ------------------------------------------------------------ plan nodes ---- */

Plan *plan_node(BindCtx *ctx, PlanKind kind, Plan *left, uint32_t column_count)
{
    Plan *plan = bind_alloc(ctx, sizeof *plan);
    if (plan == NULL) return NULL;
    plan->kind = kind;
    plan->left = left;
    plan->column_count = column_count;
    return plan;
}

void plan_copy_columns(BindCtx *ctx, Plan *plan, const Plan *from)
{
    (void)ctx;
    plan->column_count = from->column_count;
    plan->types = from->types;
    plan->names = from->names;
}

Plan *make_project(BindCtx *ctx, Plan *child, Expr **exprs, const char **names, uint32_t count)
{
    Plan *plan = plan_node(ctx, PLAN_PROJECT, child, count);
    if (plan == NULL) return NULL;
    plan->types = bind_alloc(ctx, (count + 1) * sizeof *plan->types);
    if (plan->types == NULL) return NULL;
    for (uint32_t col_idx = 0; col_idx < count; col_idx++) {
        plan->types[col_idx] = exprs[col_idx]->type;
    }
    plan->exprs = exprs;
    plan->names = names;
    plan->est_rows = child != NULL ? child->est_rows : 1;
    plan->est_cost = (child != NULL ? child->est_cost : 0) + plan->est_rows * 0.0025;
    return plan;
}

double plan_selectivity(const Expr *cond)
{
    return stat_selectivity(NULL, cond);
}

Plan *make_filter(BindCtx *ctx, Plan *child, Expr *filter)
{
    Plan *plan = plan_node(ctx, PLAN_FILTER, child, child->column_count);
    if (plan == NULL) return NULL;
    plan_copy_columns(ctx, plan, child);
    plan->filter = filter;
    plan->est_rows = fmax(1.0, child->est_rows * plan_selectivity(filter));
    plan->est_cost = child->est_cost + child->est_rows * 0.0025;
    return plan;
}

/* ------------------------------------------------------------ expressions ---- */

Expr *expr_remap(BindCtx *ctx, const Expr *expr, const uint32_t *map)
{
    if (expr == NULL) return NULL;
    Expr *copy = bind_alloc(ctx, sizeof *copy);
    if (copy == NULL) return NULL;
    *copy = *expr;
    if (expr->kind == EXPR_COLUMN) {
        if (expr->column_idx >= SRF_BASE_SENTINEL) return copy;   /* bound later (ProjectSet) */
        VERIFY(map[expr->column_idx] != PLAN_NO_COLUMN);
        copy->column_idx = map[expr->column_idx];
        return copy;
    }
    if (expr->arg_count > 0) {
        copy->args = bind_alloc(ctx, expr->arg_count * sizeof *copy->args);
        if (copy->args == NULL) return NULL;
        for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
            copy->args[arg_idx] = expr_remap(ctx, expr->args[arg_idx], map);
            if (copy->args[arg_idx] == NULL) return NULL;
        }
    }
    /* EXPR_SUBPLAN: the subplan and its test read their own rows and EXPR_OUTER; only args
     * (over this row) move. */
    return copy;
}

static bool text_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL) return a == b;
    return strcmp(a, b) == 0;
}

bool expr_equal(const Expr *a, const Expr *b)
{
    if (a == b) return true;
    if (a == NULL || b == NULL) return false;
    if (a->kind != b->kind || !type_equal(a->type, b->type)) return false;
    switch (a->kind) {
    case EXPR_CONST:
        if (a->is_null || b->is_null) return a->is_null == b->is_null;
        return a->const_size == b->const_size &&
               memcmp(a->const_text, b->const_text, a->const_size) == 0;
    case EXPR_PARAM: return a->param_idx == b->param_idx;
    case EXPR_COLUMN: return a->column_idx == b->column_idx;
    case EXPR_OUTER: return a->outer_idx == b->outer_idx;
    case EXPR_SUBPLAN: return false;
    case EXPR_SEQ_NEXT: return false;
    default: break;
    }
    if (!text_equal(a->name, b->name) || a->kern != b->kern || a->arg_count != b->arg_count ||
        a->has_else != b->has_else || a->sequence_oid != b->sequence_oid) {
        return false;
    }
    for (uint32_t arg_idx = 0; arg_idx < a->arg_count; arg_idx++) {
        if (!expr_equal(a->args[arg_idx], b->args[arg_idx])) return false;
    }
    return true;
}

RelSet expr_rels(const FromClause *clause, const Expr *expr)
{
    if (expr == NULL) return 0;
    if (expr->kind == EXPR_COLUMN) {
        return expr->column_idx < clause->column_count ? clause->column_rels[expr->column_idx]
                                                       : 0;
    }
    RelSet rels = 0;
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        rels |= expr_rels(clause, expr->args[arg_idx]);
    }
    return rels;
}

void expr_mark_columns(const Expr *expr, bool *used, uint32_t used_count)
{
    if (expr == NULL) return;
    if (expr->kind == EXPR_COLUMN) {
        if (expr->column_idx < used_count) used[expr->column_idx] = true;
        return;
    }
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        expr_mark_columns(expr->args[arg_idx], used, used_count);
    }
}

bool expr_is_volatile(const Expr *expr)
{
    if (expr == NULL) return false;
    if (expr->kind == EXPR_SEQ_NEXT || expr->kind == EXPR_SEQ_SET ||
        expr->kind == EXPR_SUBPLAN || expr->kind == EXPR_FUNC_SPECIAL) {
        return true;
    }
    if (expr->kind == EXPR_CALL && expr->name != NULL && strcmp(expr->name, "random") == 0) {
        return true;
    }
    for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
        if (expr_is_volatile(expr->args[arg_idx])) return true;
    }
    return false;
}

void split_conjuncts(BindCtx *ctx, Expr *expr, Expr ***list, uint32_t *count, uint32_t *cap)
{
    if (expr == NULL) return;
    if (expr->kind == EXPR_AND) {
        for (uint32_t arg_idx = 0; arg_idx < expr->arg_count; arg_idx++) {
            split_conjuncts(ctx, expr->args[arg_idx], list, count, cap);
        }
        return;
    }
    if (*count == *cap) {
        uint32_t capacity = *cap * 2 + 8;
        Expr **grown = bind_alloc(ctx, capacity * sizeof *grown);
        if (grown == NULL) return;   /* OOM: the caller's later allocations report it */
        if (*count > 0) memcpy(grown, *list, *count * sizeof *grown);
        *list = grown;
        *cap = capacity;
    }
    (*list)[(*count)++] = expr;
}

Expr *make_and(BindCtx *ctx, Expr **conds, uint32_t count)
{
    if (count == 0) return NULL;
    if (count == 1) return conds[0];
    Expr *expr = bind_alloc(ctx, sizeof *expr);
    Expr **args = bind_alloc(ctx, count * sizeof *args);
    if (expr == NULL || args == NULL) return NULL;
    copy_items(args, conds, count * sizeof *args);
    expr->kind = EXPR_AND;
    expr->type = type_plain(TYPE_BOOL);
    expr->arg_count = count;
    expr->args = args;
    return expr;
}

/* ------------------------------------------------------------ layouts ---- */

uint32_t *built_map(BindCtx *ctx, const Built *built, uint32_t canonical_count)
{
    uint32_t *map = bind_alloc(ctx, (canonical_count + 1) * sizeof *map);
    if (map == NULL) return NULL;
    for (uint32_t col_idx = 0; col_idx <= canonical_count; col_idx++) map[col_idx] = PLAN_NO_COLUMN;
    for (uint32_t pos = 0; pos < built->plan->column_count; pos++) map[built->cols[pos]] = pos;
    return map;
}

Plan *built_canonical(BindCtx *ctx, const FromClause *clause, const BindScope *scope,
                      const Built *built)
{
    uint32_t count = clause->column_count;
    bool identity = built->plan->column_count == count;
    for (uint32_t pos = 0; identity && pos < count; pos++) identity = built->cols[pos] == pos;
    if (identity) return built->plan;
    uint32_t *map = built_map(ctx, built, count);
    Expr **exprs = bind_alloc(ctx, (count + 1) * sizeof *exprs);
    const char **names = bind_alloc(ctx, (count + 1) * sizeof *names);
    if (map == NULL || exprs == NULL || names == NULL) return NULL;
    for (uint32_t col_idx = 0; col_idx < count; col_idx++) {
        Type type = scope->columns[col_idx].type;
        exprs[col_idx] = map[col_idx] != PLAN_NO_COLUMN
                             ? bind_column_ref(ctx, map[col_idx], type)
                             : bind_const_null(ctx, type);
        if (exprs[col_idx] == NULL) return NULL;
        names[col_idx] = scope->columns[col_idx].name;
    }
    return make_project(ctx, built->plan, exprs, names, count);
}

/* ------------------------------------------------------------ conjuncts ---- */

typedef struct Conj {
    Expr  *expr;          /* over the canonical row */
    RelSet rels;
    bool   done;
    bool   is_volatile;
    Expr  *semi_left;     /* uncorrelated `x IN (SELECT ...)`: the left key (canonical row) */
    Expr  *semi_right;    /* ... and the right key over the subplan's row */
} Conj;

typedef struct ConjList {
    uint32_t count, capacity;
    Conj   **items;
} ConjList;

typedef struct BuildState {
    BindCtx          *ctx;
    const FromClause *clause;
    const BindScope  *scope;
    bool             *need;   /* canonical columns some plan node reads */
    StatEnv           stat_env;                    /* stats: column statistics for estimates */
    bool              stats_loaded[PLAN_REL_MAX];
    const CatStats   *stats[PLAN_REL_MAX];         /* per relation index; NULL: none valid */
} BuildState;

static Error *conj_push(BindCtx *ctx, ConjList *list, Conj *conj)
{
    if (list->count == list->capacity) {
        uint32_t capacity = list->capacity * 2 + 8;
        Conj **items = bind_alloc(ctx, capacity * sizeof *items);
        if (items == NULL) return oom_error();
        if (list->count > 0) memcpy(items, list->items, list->count * sizeof *items);
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = conj;
    return NULL;
}

/* substitute_outer: a copy of a test operand with EXPR_OUTER 0 replaced by value; NULL if it
 * reads anything else of the subplan row or other outer values. */
static Expr *substitute_outer(BindCtx *ctx, const Expr *expr, Expr *value, bool *ok)
{
    if (expr->kind == EXPR_OUTER) {
        if (expr->outer_idx != 0) *ok = false;
        return value;
    }
    if (expr->kind == EXPR_COLUMN || expr->kind == EXPR_SUBPLAN || expr->kind == EXPR_PARAM) {
        *ok = false;
        return NULL;
    }
    if (expr->kind != EXPR_CAST || expr->arg_count != 1) {
        *ok = false;
        return NULL;
    }
    Expr *copy = bind_alloc(ctx, sizeof *copy);
    Expr **args = bind_alloc(ctx, sizeof *args);
    if (copy == NULL || args == NULL) {
        *ok = false;
        return NULL;
    }
    *copy = *expr;
    args[0] = substitute_outer(ctx, expr->args[0], value, ok);
    copy->args = args;
    return copy;
}

static bool only_column_zero(const Expr *expr)
{
    if (expr->kind == EXPR_COLUMN) return expr->column_idx == 0;
    return expr->kind == EXPR_CAST && expr->arg_count == 1 && only_column_zero(expr->args[0]);
}

/* semi_candidate: an uncorrelated `x IN (SELECT y ...)` / `x = ANY (...)` conjunct becomes a
 * semi join on x = y. */
static void semi_candidate(BindCtx *ctx, Conj *conj)
{
    const Expr *expr = conj->expr;
    if (expr->kind != EXPR_SUBPLAN || expr->sublink != SUBLINK_ANY || expr->arg_count != 1) {
        return;
    }
    const Expr *test = expr->test;
    if (test == NULL || test->kind != EXPR_CALL || test->arg_count != 2 || test->name == NULL ||
        strcmp(test->name, "=") != 0 || !only_column_zero(test->args[1]) ||
        !type_equal(test->args[0]->type, test->args[1]->type)) {
        return;
    }
    if (expr_is_volatile(expr->args[0])) return;
    bool ok = true;
    Expr *left = substitute_outer(ctx, test->args[0], expr->args[0], &ok);
    if (!ok || left == NULL) return;
    conj->semi_left = left;
    conj->semi_right = test->args[1];
}

static Error *conj_add_expr(BuildState *state, ConjList *list, Expr *expr)
{
    Expr **parts = NULL;
    uint32_t count = 0, capacity = 0;
    split_conjuncts(state->ctx, expr, &parts, &count, &capacity);
    for (uint32_t part_idx = 0; part_idx < count; part_idx++) {
        Conj *conj = bind_alloc(state->ctx, sizeof *conj);
        if (conj == NULL) return oom_error();
        conj->expr = parts[part_idx];
        conj->rels = expr_rels(state->clause, parts[part_idx]);
        conj->is_volatile = expr_is_volatile(parts[part_idx]);
        semi_candidate(state->ctx, conj);
        expr_mark_columns(parts[part_idx], state->need, state->clause->column_count);
        TRY(conj_push(state->ctx, list, conj));
    }
    return NULL;
}

/* ------------------------------------------------------------ scans ---- */

static const char *column_display_name(const BindColumn *column)
{
    if (column->name != NULL) return column->name;
    if (column->attnum == CAT_ATTNUM_ROWKEY) return "rowkey";
    if (column->attnum == CAT_ATTNUM_XID) return "xid";
    return "?dropped?";
}

/* leaf_stats: the statistics of a table leaf, loaded once per FROM clause; NULL when the
 * table was never analyzed or was truncated since (its tree changed). */
static const CatStats *leaf_stats(BuildState *state, const FromNode *leaf)
{
    int rel_idx = leaf->rel_idx;
    if (leaf->table == NULL || rel_idx < 0 || rel_idx >= PLAN_REL_MAX) return NULL;
    if (state->stats_loaded[rel_idx]) return state->stats[rel_idx];
    state->stats_loaded[rel_idx] = true;
    PlanCtx *plan = state->ctx->plan;
    if (plan->catalog == NULL || plan->txn == NULL) return NULL;
    const CatStats *stats = NULL;
    Error *err = catalog_stats_load(plan->catalog, plan->txn, leaf->table->oid, plan->arena,
                                    &stats);
    if (err != NULL) {
        err_free(err);
        return NULL;
    }
    if (stats != NULL && stats->root != leaf->table->root) stats = NULL;
    state->stats[rel_idx] = stats;
    return stats;
}

static double table_rows(BuildState *state, const FromNode *leaf)
{
    const CatStats *stats = leaf_stats(state, leaf);
    return stats != NULL ? fmax(1.0, stats->base->row_count) : DEFAULT_TABLE_ROWS;
}

/* stat_column_of: StatEnv's callback over the canonical row: a base table column's statistics. */
static bool stat_column_of(void *ctx, uint32_t column_idx, StatColumn *out)
{
    BuildState *state = ctx;
    const FromClause *clause = state->clause;
    if (column_idx >= clause->column_count || column_idx >= state->scope->column_count) {
        return false;
    }
    RelSet rels = clause->column_rels != NULL ? clause->column_rels[column_idx] : 0;
    if (rels == 0 || (rels & (rels - 1)) != 0) return false;
    int rel_idx = __builtin_ctzll(rels);
    if ((uint32_t)rel_idx >= clause->rel_count) return false;
    const FromNode *leaf = clause->rels[rel_idx];
    const BindColumn *column = &state->scope->columns[column_idx];
    if (leaf == NULL || leaf->table == NULL || column->attnum <= 0 ||
        column_idx < leaf->col_start || column_idx >= leaf->col_start + leaf->col_count) {
        return false;
    }
    const CatStats *stats = leaf_stats(state, leaf);
    if (stats == NULL) return false;
    out->stats = catalog_stats_column(stats, leaf->table, (uint16_t)(column->attnum - 1), NULL);
    out->rows = fmax(1.0, stats->base->row_count);
    return out->stats != NULL;
}

/* A conjunct `column OP value` usable as an index bound on this scan. */
typedef struct BoundCand {
    int16_t attnum;
    char    op;           /* '=', '<', 'l' (<=), '>', 'g' (>=) */
    Expr   *value;
    const Expr *cond;     /* the conjunct (canonical row) */
} BoundCand;

static bool value_is_bound(const BuildState *state, const Expr *value)
{
    return expr_rels(state->clause, value) == 0 && !expr_is_volatile(value);
}

static char op_code(const char *name, bool flip)
{
    if (strcmp(name, "=") == 0) return '=';
    char less = flip ? '>' : '<', less_eq = flip ? 'g' : 'l';
    char greater = flip ? '<' : '>', greater_eq = flip ? 'l' : 'g';
    if (strcmp(name, "<") == 0) return less;
    if (strcmp(name, "<=") == 0) return less_eq;
    if (strcmp(name, ">") == 0) return greater;
    if (strcmp(name, ">=") == 0) return greater_eq;
    return 0;
}

static bool bound_candidate(const BuildState *state, const FromNode *leaf, const Expr *cond,
                            BoundCand *cand_out)
{
    if (cond->kind != EXPR_CALL || cond->arg_count != 2 || cond->name == NULL) return false;
    for (int side = 0; side < 2; side++) {
        const Expr *column = cond->args[side];
        Expr *value = cond->args[1 - side];
        if (column->kind != EXPR_COLUMN) continue;
        if (column->column_idx < leaf->col_start ||
            column->column_idx >= leaf->col_start + leaf->col_count) {
            continue;
        }
        if (!value_is_bound(state, value) || value->type.id != column->type.id) continue;
        char op = op_code(cond->name, side == 1);
        if (op == 0) continue;
        const BindColumn *bind_column = &state->scope->columns[column->column_idx];
        if (bind_column->attnum <= 0) continue;
        *cand_out = (BoundCand){ bind_column->attnum, op, value, cond };
        return true;
    }
    return false;
}

static int find_cand(const BoundCand *cands, uint32_t count, int16_t attnum, char op)
{
    for (uint32_t cand_idx = 0; cand_idx < count; cand_idx++) {
        if (cands[cand_idx].attnum == attnum && cands[cand_idx].op == op) return (int)cand_idx;
    }
    return -1;
}

/* choose_index: the index (or the clustered key: *index_out NULL, *use_cluster true) whose
 * leading columns have the most equality bounds, then a range on the next one. */
static void choose_index(BindCtx *ctx, Plan *scan, const CatTable *table, const BoundCand *cands,
                         uint32_t cand_count)
{
    int best_score = 0;
    const CatIndex *best_index = NULL;
    bool best_cluster = false;
    IndexBounds best_bounds = { 0 };
    uint32_t index_count = table->index_count + (table->cluster_attnum > 0 ? 1u : 0u);
    for (uint32_t index_idx = 0; index_idx < index_count; index_idx++) {
        bool cluster = index_idx == table->index_count;
        const CatIndex *index = cluster ? NULL : table->indexes[index_idx];
        uint16_t key_count = cluster ? 1 : index->key_count;
        const int16_t *attnums = cluster ? &table->cluster_attnum : index->attnums;
        IndexBounds bounds = { 0 };
        bounds.eq_values = bind_alloc(ctx, (key_count + 1u) * sizeof *bounds.eq_values);
        if (bounds.eq_values == NULL) return;
        uint16_t key_idx = 0;
        for (; key_idx < key_count; key_idx++) {
            int found = find_cand(cands, cand_count, attnums[key_idx], '=');
            if (found < 0) break;
            bounds.eq_values[bounds.eq_count++] = cands[found].value;
        }
        if (key_idx < key_count) {
            int lo = find_cand(cands, cand_count, attnums[key_idx], 'g');
            bounds.lo_inclusive = lo >= 0;
            if (lo < 0) lo = find_cand(cands, cand_count, attnums[key_idx], '>');
            int hi = find_cand(cands, cand_count, attnums[key_idx], 'l');
            bounds.hi_inclusive = hi >= 0;
            if (hi < 0) hi = find_cand(cands, cand_count, attnums[key_idx], '<');
            if (lo >= 0) bounds.lo = cands[lo].value;
            if (hi >= 0) bounds.hi = cands[hi].value;
        }
        int score = (int)bounds.eq_count * 4 + (bounds.lo != NULL ? 1 : 0) +
                    (bounds.hi != NULL ? 1 : 0);
        if (score == 0) continue;
        if (bounds.eq_count == key_count && (cluster || index->unique)) score += 2;
        if (score > best_score || (score == best_score && cluster)) {
            best_score = score;
            best_index = index;
            best_cluster = cluster;
            best_bounds = bounds;
        }
    }
    if (best_score == 0) return;
    scan->kind = PLAN_INDEX_SCAN;
    scan->index = best_cluster ? NULL : best_index;
    scan->bounds = best_bounds;
}

/* index_too_unselective: whether the chosen secondary index's bounds keep so large a share of
 * an analyzed table that a sequential scan is cheaper (only with statistics: without them the
 * index is always taken, as before). */
static bool index_too_unselective(BuildState *state, const FromNode *leaf, const Plan *scan,
                                  const BoundCand *cands, uint32_t cand_count)
{
    if (scan->index == NULL || leaf_stats(state, leaf) == NULL) return false;
    const Expr **used = bind_alloc(state->ctx, (cand_count + 1) * sizeof *used);
    if (used == NULL) return false;
    uint32_t used_count = 0;
    const IndexBounds *bounds = &scan->bounds;
    for (uint32_t cand_idx = 0; cand_idx < cand_count; cand_idx++) {
        const Expr *value = cands[cand_idx].value;
        bool is_used = value == bounds->lo || value == bounds->hi;
        for (uint32_t eq_idx = 0; eq_idx < bounds->eq_count; eq_idx++) {
            if (bounds->eq_values[eq_idx] == value) is_used = true;
        }
        if (is_used) used[used_count++] = cands[cand_idx].cond;
    }
    return used_count > 0 &&
           stat_conjunction(&state->stat_env, used, used_count) > INDEX_SELECTIVITY_MAX;
}

static Error *build_table_scan(BuildState *state, const FromNode *leaf, ConjList *conjs,
                               Built *built_out)
{
    BindCtx *ctx = state->ctx;
    const BindScope *scope = state->scope;
    uint32_t count = 0;
    for (uint32_t col_idx = leaf->col_start; col_idx < leaf->col_start + leaf->col_count;
         col_idx++) {
        if (state->need[col_idx]) count++;
    }
    if (count == 0) state->need[leaf->col_start] = true, count = 1;
    Plan *scan = plan_node(ctx, PLAN_SEQ_SCAN, NULL, count);
    if (scan == NULL) return oom_error();
    scan->table = leaf->table;
    scan->scan_attnums = bind_alloc(ctx, count * sizeof *scan->scan_attnums);
    scan->types = bind_alloc(ctx, count * sizeof *scan->types);
    scan->names = bind_alloc(ctx, count * sizeof *scan->names);
    uint32_t *cols = bind_alloc(ctx, count * sizeof *cols);
    if (scan->scan_attnums == NULL || scan->types == NULL || scan->names == NULL || cols == NULL) {
        return oom_error();
    }
    for (uint32_t col_idx = leaf->col_start; col_idx < leaf->col_start + leaf->col_count;
         col_idx++) {
        if (!state->need[col_idx]) continue;
        const BindColumn *column = &scope->columns[col_idx];
        scan->scan_attnums[scan->scan_count] = column->attnum;
        scan->types[scan->scan_count] = column->type;
        scan->names[scan->scan_count] = column_display_name(column);
        cols[scan->scan_count++] = col_idx;
    }
    Built built = { scan, cols, leaf->rels };
    uint32_t *map = built_map(ctx, &built, state->clause->column_count);
    if (map == NULL) return oom_error();
    double rows = table_rows(state, leaf);
    scan->est_cost = rows * 0.01;
    Expr **filters = bind_alloc(ctx, (conjs->count + 1) * sizeof *filters);
    const Expr **conds = bind_alloc(ctx, (conjs->count + 1) * sizeof *conds);
    BoundCand *cands = bind_alloc(ctx, (conjs->count + 1) * sizeof *cands);
    if (filters == NULL || conds == NULL || cands == NULL) return oom_error();
    uint32_t filter_count = 0, cand_count = 0;
    for (uint32_t conj_idx = 0; conj_idx < conjs->count; conj_idx++) {
        Conj *conj = conjs->items[conj_idx];
        if (conj->done || conj->rels == 0 || (conj->rels & ~leaf->rels) != 0) continue;
        if (conj->semi_left != NULL) continue;   /* a semi join above the scan */
        conj->done = true;
        if (bound_candidate(state, leaf, conj->expr, &cands[cand_count])) cand_count++;
        filters[filter_count] = expr_remap(ctx, conj->expr, map);
        if (filters[filter_count] == NULL) return oom_error();
        conds[filter_count] = conj->expr;
        filter_count++;
    }
    rows *= stat_conjunction(&state->stat_env, conds, filter_count);
    scan->filter = make_and(ctx, filters, filter_count);
    if (cand_count > 0) {
        choose_index(ctx, scan, leaf->table, cands, cand_count);
        if (scan->kind == PLAN_INDEX_SCAN && index_too_unselective(state, leaf, scan, cands,
                                                                   cand_count)) {
            scan->kind = PLAN_SEQ_SCAN;
            scan->index = NULL;
            scan->bounds = (IndexBounds){ 0 };
        }
        if (scan->kind == PLAN_INDEX_SCAN) scan->est_cost = log2(rows + 2) + rows * 0.01;
    }
    scan->est_rows = fmax(1.0, rows);
    *built_out = built;
    return NULL;
}

/* ------------------------------------------------------------ joins ---- */

static Error *apply_semi_join(BuildState *state, Conj *conj, Built *built)
{
    BindCtx *ctx = state->ctx;
    uint32_t *map = built_map(ctx, built, state->clause->column_count);
    Plan *left = built->plan, *right = conj->expr->subplan;
    Plan *join = plan_node(ctx, PLAN_HASH_JOIN, left, left->column_count);
    if (map == NULL || join == NULL) return oom_error();
    plan_copy_columns(ctx, join, left);
    join->right = right;
    join->join_type = JOIN_SEMI;
    join->key_count = 1;
    join->left_keys = bind_alloc(ctx, sizeof *join->left_keys);
    join->right_keys = bind_alloc(ctx, sizeof *join->right_keys);
    if (join->left_keys == NULL || join->right_keys == NULL) return oom_error();
    join->left_keys[0] = expr_remap(ctx, conj->semi_left, map);
    join->right_keys[0] = conj->semi_right;
    if (join->left_keys[0] == NULL) return oom_error();
    join->est_rows = fmax(1.0, fmin(left->est_rows * 0.5, right->est_rows * 10));
    join->est_cost = left->est_cost + right->est_cost + left->est_rows + right->est_rows;
    built->plan = join;
    conj->done = true;
    return NULL;
}

static Error *apply_plain_filters(BuildState *state, ConjList *conjs, Built *built);

/* apply_filters: every undone conjunct over built's relations: a filter, then semi joins. */
static Error *apply_filters(BuildState *state, ConjList *conjs, Built *built)
{
    TRY(apply_plain_filters(state, conjs, built));
    for (uint32_t conj_idx = 0; conj_idx < conjs->count; conj_idx++) {
        Conj *conj = conjs->items[conj_idx];
        if (!conj->done && conj->semi_left != NULL && (conj->rels & ~built->rels) == 0) {
            TRY(apply_semi_join(state, conj, built));
        }
    }
    return NULL;
}

static Error *apply_plain_filters(BuildState *state, ConjList *conjs, Built *built)
{
    uint32_t *map = NULL;
    Expr **filters = NULL;
    const Expr **conds = NULL;
    uint32_t filter_count = 0;
    for (uint32_t conj_idx = 0; conj_idx < conjs->count; conj_idx++) {
        Conj *conj = conjs->items[conj_idx];
        if (conj->done || conj->semi_left != NULL || (conj->rels & ~built->rels) != 0) continue;
        if (map == NULL) {
            map = built_map(state->ctx, built, state->clause->column_count);
            filters = bind_alloc(state->ctx, (conjs->count + 1) * sizeof *filters);
            conds = bind_alloc(state->ctx, (conjs->count + 1) * sizeof *conds);
            if (map == NULL || filters == NULL || conds == NULL) return oom_error();
        }
        conj->done = true;
        filters[filter_count] = expr_remap(state->ctx, conj->expr, map);
        if (filters[filter_count] == NULL) return oom_error();
        conds[filter_count] = conj->expr;
        filter_count++;
    }
    if (filter_count == 0) return NULL;
    Expr *filter = make_and(state->ctx, filters, filter_count);
    built->plan = filter == NULL ? NULL : make_filter(state->ctx, built->plan, filter);
    if (built->plan == NULL) return oom_error();
    double selectivity = stat_conjunction(&state->stat_env, conds, filter_count);
    built->plan->est_rows = fmax(1.0, built->plan->left->est_rows * selectivity);
    return NULL;
}

static bool equi_sides(const BuildState *state, const Conj *conj, RelSet left, RelSet right,
                       bool *swapped_out)
{
    const Expr *expr = conj->expr;
    if (conj->is_volatile || expr->kind != EXPR_CALL || expr->arg_count != 2 ||
        expr->name == NULL || strcmp(expr->name, "=") != 0) {
        return false;
    }
    if (!type_equal(expr->args[0]->type, expr->args[1]->type) &&
        expr->args[0]->type.id != expr->args[1]->type.id) {
        return false;
    }
    RelSet first = expr_rels(state->clause, expr->args[0]);
    RelSet second = expr_rels(state->clause, expr->args[1]);
    if (first == 0 || second == 0) return false;
    if ((first & ~left) == 0 && (second & ~right) == 0) {
        *swapped_out = false;
        return true;
    }
    if ((first & ~right) == 0 && (second & ~left) == 0) {
        *swapped_out = true;
        return true;
    }
    return false;
}

static bool units_connected(const BuildState *state, const ConjList *conjs, RelSet left,
                            RelSet right)
{
    for (uint32_t conj_idx = 0; conj_idx < conjs->count; conj_idx++) {
        const Conj *conj = conjs->items[conj_idx];
        bool swapped;
        if (!conj->done && (conj->rels & ~(left | right)) == 0 &&
            equi_sides(state, conj, left, right, &swapped)) {
            return true;
        }
    }
    return false;
}

/* join_built: join left and right (join_type) with the applicable undone conjuncts of conjs. */
static Error *join_built(BuildState *state, JoinType join_type, const Built *left,
                         const Built *right, ConjList *conjs, Built *out)
{
    BindCtx *ctx = state->ctx;
    uint32_t canonical_count = state->clause->column_count;
    uint32_t left_count = left->plan->column_count, right_count = right->plan->column_count;
    uint32_t count = left_count + right_count;
    Plan *join = plan_node(ctx, PLAN_HASH_JOIN, left->plan, count);
    uint32_t *cols = bind_alloc(ctx, (count + 1) * sizeof *cols);
    if (join == NULL || cols == NULL) return oom_error();
    join->right = right->plan;
    join->join_type = join_type;
    join->types = bind_alloc(ctx, (count + 1) * sizeof *join->types);
    join->names = bind_alloc(ctx, (count + 1) * sizeof *join->names);
    if (join->types == NULL || join->names == NULL) return oom_error();
    for (uint32_t pos = 0; pos < count; pos++) {
        const Plan *side = pos < left_count ? left->plan : right->plan;
        uint32_t side_pos = pos < left_count ? pos : pos - left_count;
        join->types[pos] = side->types[side_pos];
        join->names[pos] = side->names != NULL ? side->names[side_pos] : NULL;
        cols[pos] = pos < left_count ? left->cols[side_pos] : right->cols[side_pos];
    }
    Built joined = { join, cols, left->rels | right->rels };
    uint32_t *left_map = built_map(ctx, left, canonical_count);
    uint32_t *right_map = built_map(ctx, right, canonical_count);
    uint32_t *map = built_map(ctx, &joined, canonical_count);
    join->left_keys = bind_alloc(ctx, (conjs->count + 1) * sizeof *join->left_keys);
    join->right_keys = bind_alloc(ctx, (conjs->count + 1) * sizeof *join->right_keys);
    Expr **filters = bind_alloc(ctx, (conjs->count + 1) * sizeof *filters);
    if (left_map == NULL || right_map == NULL || map == NULL || join->left_keys == NULL ||
        join->right_keys == NULL || filters == NULL) {
        return oom_error();
    }
    uint32_t filter_count = 0;
    double selectivity = 1.0;
    double left_rows = left->plan->est_rows, right_rows = right->plan->est_rows;
    double key_selectivity = 1.0;      /* stats: of the hash keys, when all have statistics */
    bool keys_have_stats = true;
    for (uint32_t conj_idx = 0; conj_idx < conjs->count; conj_idx++) {
        Conj *conj = conjs->items[conj_idx];
        if (conj->done || (conj->rels & ~joined.rels) != 0) continue;
        conj->done = true;
        bool swapped = false;
        if (equi_sides(state, conj, left->rels, right->rels, &swapped)) {
            const Expr *left_expr = conj->expr->args[swapped ? 1 : 0];
            const Expr *right_expr = conj->expr->args[swapped ? 0 : 1];
            StatColumn left_stats, right_stats;
            if (stat_column(&state->stat_env, left_expr, &left_stats) &&
                stat_column(&state->stat_env, right_expr, &right_stats)) {
                key_selectivity *= stat_join_selectivity(&left_stats, left_rows, &right_stats,
                                                         right_rows);
            } else {
                keys_have_stats = false;
            }
            join->left_keys[join->key_count] = expr_remap(ctx, left_expr, left_map);
            join->right_keys[join->key_count] = expr_remap(ctx, right_expr, right_map);
            if (join->left_keys[join->key_count] == NULL ||
                join->right_keys[join->key_count] == NULL) {
                return oom_error();
            }
            join->key_count++;
            continue;
        }
        filters[filter_count] = expr_remap(ctx, conj->expr, map);
        if (filters[filter_count] == NULL) return oom_error();
        selectivity *= stat_selectivity(&state->stat_env, conj->expr);
        filter_count++;
    }
    join->filter = make_and(ctx, filters, filter_count);
    double rows;
    if (join->key_count > 0 && keys_have_stats) {
        rows = left_rows * right_rows * key_selectivity * selectivity;
        join->est_cost = left->plan->est_cost + right->plan->est_cost + left_rows + right_rows;
    } else if (join->key_count > 0) {
        /* each row of the smaller side finds about one partner (a key / foreign key join) */
        rows = fmin(left_rows, right_rows) * selectivity;
        join->est_cost = left->plan->est_cost + right->plan->est_cost + left_rows + right_rows;
    } else {
        join->kind = PLAN_NL_JOIN;
        rows = left_rows * right_rows * selectivity;
        join->est_cost = left->plan->est_cost + right->plan->est_cost * left_rows +
                         left_rows * right_rows * 0.01;
    }
    if (join_type == JOIN_LEFT || join_type == JOIN_FULL) rows = fmax(rows, left_rows);
    if (join_type == JOIN_FULL) rows = fmax(rows, right_rows);
    join->est_rows = fmax(1.0, rows);
    *out = joined;
    return NULL;
}

static Error *plan_group(BuildState *state, FromNode **roots, uint32_t root_count,
                         ConjList *conjs, Built *built_out);

static Error *flatten(BuildState *state, FromNode *node, FromNode ***units, uint32_t *count,
                      uint32_t *capacity, ConjList *conjs)
{
    if (node->is_join && node->join_type == JOIN_INNER && node->extra_count == 0) {
        TRY(flatten(state, node->left, units, count, capacity, conjs));
        TRY(flatten(state, node->right, units, count, capacity, conjs));
        if (node->on != NULL) TRY(conj_add_expr(state, conjs, node->on));
        return NULL;
    }
    if (*count == *capacity) {
        uint32_t grown_capacity = *capacity * 2 + 8;
        FromNode **grown = bind_alloc(state->ctx, grown_capacity * sizeof *grown);
        if (grown == NULL) return oom_error();
        if (*count > 0) memcpy(grown, *units, *count * sizeof *grown);
        *units = grown;
        *capacity = grown_capacity;
    }
    (*units)[(*count)++] = node;
    return NULL;
}

static Error *add_extra_columns(BuildState *state, const FromNode *node, Built *built)
{
    BindCtx *ctx = state->ctx;
    uint32_t child_count = built->plan->column_count;
    uint32_t count = child_count + node->extra_count;
    uint32_t *map = built_map(ctx, built, state->clause->column_count);
    Expr **exprs = bind_alloc(ctx, (count + 1) * sizeof *exprs);
    const char **names = bind_alloc(ctx, (count + 1) * sizeof *names);
    uint32_t *cols = bind_alloc(ctx, (count + 1) * sizeof *cols);
    if (map == NULL || exprs == NULL || names == NULL || cols == NULL) return oom_error();
    for (uint32_t pos = 0; pos < child_count; pos++) {
        exprs[pos] = bind_column_ref(ctx, pos, built->plan->types[pos]);
        if (exprs[pos] == NULL) return oom_error();
        names[pos] = built->plan->names != NULL ? built->plan->names[pos] : NULL;
        cols[pos] = built->cols[pos];
    }
    for (uint32_t extra_idx = 0; extra_idx < node->extra_count; extra_idx++) {
        exprs[child_count + extra_idx] = expr_remap(ctx, node->extra_exprs[extra_idx], map);
        if (exprs[child_count + extra_idx] == NULL) return oom_error();
        names[child_count + extra_idx] = state->scope->columns[node->extra_start + extra_idx].name;
        cols[child_count + extra_idx] = node->extra_start + extra_idx;
    }
    built->plan = make_project(ctx, built->plan, exprs, names, count);
    built->cols = cols;
    return built->plan == NULL ? oom_error() : NULL;
}

/* build_outer_join: a LEFT / RIGHT / FULL join unit; conjs: the enclosing WHERE conjuncts, of
 * which those on the preserved side alone are pushed into it. */
static Error *build_outer_join(BuildState *state, FromNode *node, ConjList *conjs,
                               Built *built_out)
{
    BindCtx *ctx = state->ctx;
    FromNode *preserved = node->left, *nullable = node->right;
    JoinType join_type = node->join_type;
    if (join_type == JOIN_RIGHT) {
        preserved = node->right;
        nullable = node->left;
        join_type = JOIN_LEFT;
    }
    ConjList on = { 0 }, left_conjs = { 0 }, right_conjs = { 0 };
    if (node->on != NULL) TRY(conj_add_expr(state, &on, node->on));
    if (join_type == JOIN_LEFT) {
        for (uint32_t conj_idx = 0; conj_idx < conjs->count; conj_idx++) {
            Conj *conj = conjs->items[conj_idx];
            if (!conj->done && conj->rels != 0 && (conj->rels & ~preserved->rels) == 0) {
                TRY(conj_push(ctx, &left_conjs, conj));
            }
        }
        for (uint32_t conj_idx = 0; conj_idx < on.count; conj_idx++) {
            Conj *conj = on.items[conj_idx];
            if (conj->rels != 0 && (conj->rels & ~nullable->rels) == 0) {
                TRY(conj_push(ctx, &right_conjs, conj));
            }
        }
    }
    Built left, right;
    TRY(plan_group(state, &preserved, 1, &left_conjs, &left));
    TRY(plan_group(state, &nullable, 1, &right_conjs, &right));
    TRY(join_built(state, join_type, &left, &right, &on, built_out));
    for (uint32_t conj_idx = 0; conj_idx < on.count; conj_idx++) {
        VERIFY(on.items[conj_idx]->done || on.items[conj_idx]->rels == 0);
    }
    if (node->extra_count > 0) TRY(add_extra_columns(state, node, built_out));
    return NULL;
}

static Error *build_unit(BuildState *state, FromNode *unit, ConjList *conjs, Built *built_out)
{
    if (unit->is_join) {
        TRY(build_outer_join(state, unit, conjs, built_out));
    } else if (unit->table != NULL) {
        TRY(build_table_scan(state, unit, conjs, built_out));
    } else {
        uint32_t *cols = bind_alloc(state->ctx, (unit->col_count + 1) * sizeof *cols);
        if (cols == NULL) return oom_error();
        for (uint32_t pos = 0; pos < unit->col_count; pos++) cols[pos] = unit->col_start + pos;
        *built_out = (Built){ unit->plan, cols, unit->rels };
    }
    return apply_filters(state, conjs, built_out);
}

static Error *plan_group(BuildState *state, FromNode **roots, uint32_t root_count,
                         ConjList *conjs, Built *built_out)
{
    BindCtx *ctx = state->ctx;
    FromNode **units = NULL;
    uint32_t unit_count = 0, unit_capacity = 0;
    for (uint32_t root_idx = 0; root_idx < root_count; root_idx++) {
        TRY(flatten(state, roots[root_idx], &units, &unit_count, &unit_capacity, conjs));
    }
    Built *built = bind_alloc(ctx, (unit_count + 1) * sizeof *built);
    bool *joined = bind_alloc(ctx, (unit_count + 1) * sizeof *joined);
    if (built == NULL || joined == NULL) return oom_error();
    for (uint32_t unit_idx = 0; unit_idx < unit_count; unit_idx++) {
        TRY(build_unit(state, units[unit_idx], conjs, &built[unit_idx]));
    }
    uint32_t start = 0;
    for (uint32_t unit_idx = 1; unit_idx < unit_count; unit_idx++) {
        if (built[unit_idx].plan->est_rows < built[start].plan->est_rows) start = unit_idx;
    }
    Built current = built[start];
    joined[start] = true;
    for (uint32_t step = 1; step < unit_count; step++) {
        int best = -1;
        bool best_connected = false;
        for (uint32_t unit_idx = 0; unit_idx < unit_count; unit_idx++) {
            if (joined[unit_idx]) continue;
            bool connected = units_connected(state, conjs, current.rels, built[unit_idx].rels);
            if (best < 0 || (connected && !best_connected) ||
                (connected == best_connected &&
                 built[unit_idx].plan->est_rows < built[best].plan->est_rows)) {
                best = (int)unit_idx;
                best_connected = connected;
            }
        }
        joined[best] = true;
        Built next = built[best];
        Built result;
        /* the right input is the hash table: build on the smaller side */
        if (best_connected && next.plan->est_rows > current.plan->est_rows * 2) {
            TRY(join_built(state, JOIN_INNER, &next, &current, conjs, &result));
        } else {
            TRY(join_built(state, JOIN_INNER, &current, &next, conjs, &result));
        }
        current = result;
    }
    if (unit_count == 0) {
        Plan *result = plan_node(ctx, PLAN_RESULT, NULL, 0);
        if (result == NULL) return oom_error();
        result->est_rows = 1;
        current = (Built){ result, NULL, 0 };
    }
    /* what is left: conjuncts without columns of this clause (constants, outer values) */
    for (uint32_t conj_idx = 0; conj_idx < conjs->count; conj_idx++) {
        Conj *conj = conjs->items[conj_idx];
        if (!conj->done && (conj->rels & ~current.rels) == 0) {
            TRY(apply_filters(state, conjs, &current));
            break;
        }
    }
    *built_out = current;
    return NULL;
}

static void mark_join_columns(BuildState *state, const FromNode *node)
{
    if (!node->is_join) return;
    uint32_t count = state->clause->column_count;
    expr_mark_columns(node->on, state->need, count);
    for (uint32_t extra_idx = 0; extra_idx < node->extra_count; extra_idx++) {
        expr_mark_columns(node->extra_exprs[extra_idx], state->need, count);
    }
    mark_join_columns(state, node->left);
    mark_join_columns(state, node->right);
}

Error *build_from(BindCtx *ctx, FromClause *clause, Expr **conds, uint32_t cond_count,
                  const bool *used, Built *built_out)
{
    BuildState state = { ctx, clause, clause->scope, NULL, { stat_column_of, NULL }, { 0 },
                         { 0 } };
    state.stat_env.ctx = &state;
    state.need = bind_alloc(ctx, (clause->column_count + 1) * sizeof *state.need);
    if (state.need == NULL) return oom_error();
    if (used != NULL) memcpy(state.need, used, clause->column_count * sizeof *state.need);
    ConjList conjs = { 0 };
    for (uint32_t cond_idx = 0; cond_idx < cond_count; cond_idx++) {
        TRY(conj_add_expr(&state, &conjs, conds[cond_idx]));
    }
    /* the columns read by ON conditions and USING merges (anywhere in the tree) */
    for (uint32_t item_idx = 0; item_idx < clause->item_count; item_idx++) {
        mark_join_columns(&state, clause->items[item_idx]);
    }
    TRY(plan_group(&state, clause->items, clause->item_count, &conjs, built_out));
    for (uint32_t conj_idx = 0; conj_idx < conjs.count; conj_idx++) {
        VERIFY(conjs.items[conj_idx]->done);
    }
    return NULL;
}
