/* planner/stats.c: selectivity estimates from ANALYZE statistics (PostgreSQL's rules, simplified).
 *
 * The plan builder hands in a StatEnv that maps a column of the expression's row to the
 * statistics of the table column it reads (StatColumn). Without statistics every rule falls
 * back to the fixed selectivities the planner always had (0.005 equality, 0.33 ranges), so a
 * database that was never analyzed plans as before.
 *
 *   col = const      the constant's MCV frequency, else the rest of the non-NULL fraction spread
 *                    evenly over the other distinct values: (1 - null_frac - sum(mcv)) /
 *                    (n_distinct - mcv_count)
 *   col <> const     1 - sel(=) - null_frac
 *   col < const ...  MCVs on the right side of the constant plus the histogram's fraction
 *                    (linear inside a bucket for numbers) of the non-MCV, non-NULL rows
 *   a < c AND a > d  on one column: sel(<) + sel(>) - 1 (+ null_frac), as clauselist_selectivity
 *   col IS [NOT] NULL   null_frac (1 - null_frac)
 *   a = b (join)     (1 - null_frac_a)(1 - null_frac_b) / max(nd_a, nd_b), each nd clamped to its
 *                    input's estimated rows
 * Constants are compared in their text form: as numbers for the numeric types, byte-wise (the
 * C collation) otherwise (ISO dates and timestamps order correctly that way).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner/plan_int.h"

static const double SEL_EQ = 0.005;
static const double SEL_RANGE = 0.33;
static const double SEL_DEFAULT = 0.5;
static const double SEL_RANGE_PAIR = 0.005;    /* a contradictory-looking range pair */

enum { STAT_CONJ_MAX = 64 };                    /* range pairs combined per conjunction */

static const Expr *strip_casts(const Expr *expr)
{
    for (int depth = 0; expr != NULL && expr->kind == EXPR_CAST && depth < 8; depth++) {
        expr = expr->args[0];
    }
    return expr;
}

static bool const_text(const Expr *expr, const char **text_out)
{
    expr = strip_casts(expr);
    if (expr == NULL || expr->kind != EXPR_CONST || expr->is_null || expr->const_text == NULL) {
        return false;
    }
    *text_out = expr->const_text;
    return true;
}

/* column_of: the statistics of expr when it is a (relabelled) column with statistics. */
static bool column_of(const StatEnv *env, const Expr *expr, StatColumn *out)
{
    if (env == NULL || env->column == NULL) return false;
    expr = strip_casts(expr);
    if (expr == NULL || expr->kind != EXPR_COLUMN) return false;
    *out = (StatColumn){ 0 };
    return env->column(env->ctx, expr->column_idx, out) && out->stats != NULL;
}

static bool is_numeric_type(uint32_t type_id)
{
    return type_is_numeric_family(type_id) || type_id == TYPE_OID;
}

static bool parse_number(const char *text, double *value_out)
{
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text) return false;
    while (*end == ' ') end++;
    if (*end != '\0') return false;
    *value_out = value;
    return true;
}

static char bool_char(const char *text)
{
    while (*text == ' ') text++;
    char first = (char)(*text | 0x20);
    if (first == 't' || first == 'y' || first == '1') return 't';
    if (first == 'o' && (text[1] | 0x20) == 'n') return 't';
    return 'f';
}

/* compare: the order of two values of type_id given as text; *ok false if not comparable. */
static int compare(uint32_t type_id, const char *left, const char *right, bool *ok)
{
    *ok = true;
    if (is_numeric_type(type_id)) {
        double a, b;
        if (!parse_number(left, &a) || !parse_number(right, &b)) {
            *ok = false;
            return 0;
        }
        return a < b ? -1 : a > b;
    }
    if (type_id == TYPE_BOOL) {
        char a = bool_char(left), b = bool_char(right);
        return a < b ? -1 : a > b;
    }
    int cmp = strcmp(left, right);
    return cmp < 0 ? -1 : cmp > 0;
}

static double clamp01(double value)
{
    if (!(value >= 0)) return 0;
    return value > 1 ? 1 : value;
}

static double mcv_sum(const CatColumnStats *stats)
{
    double sum = 0;
    for (uint16_t idx = 0; idx < stats->mcv_count; idx++) sum += stats->mcv_freqs[idx];
    return sum;
}

double stat_distinct(const StatColumn *column)
{
    const CatColumnStats *stats = column->stats;
    double distinct = stats->distinct_count;
    if (distinct < 0) distinct = -distinct * column->rows;
    if (distinct < 1) distinct = 1;
    return distinct;
}

static double eq_selectivity(const StatColumn *column, uint32_t type_id, const char *value)
{
    const CatColumnStats *stats = column->stats;
    for (uint16_t idx = 0; idx < stats->mcv_count; idx++) {
        bool ok = false;
        if (compare(type_id, stats->mcv_values[idx], value, &ok) == 0 && ok) {
            return stats->mcv_freqs[idx];
        }
    }
    double other = clamp01(1.0 - stats->null_frac - mcv_sum(stats));
    double other_distinct = stat_distinct(column) - stats->mcv_count;
    if (other_distinct < 1) return stats->mcv_count > 0 ? 0.0 : other;
    return other / other_distinct;
}

/* histogram_below: the fraction of histogram values below value (0..1). */
static double histogram_below(const CatColumnStats *stats, uint32_t type_id, const char *value)
{
    uint16_t count = stats->histogram_count;
    bool ok = false;
    if (compare(type_id, value, stats->histogram[0], &ok) <= 0 && ok) return 0;
    if (compare(type_id, value, stats->histogram[count - 1], &ok) >= 0 && ok) return 1;
    if (!ok) return SEL_RANGE;
    uint16_t lo = 0, hi = (uint16_t)(count - 1);   /* bounds[lo] < value < bounds[hi] */
    while (hi - lo > 1) {
        uint16_t mid = (uint16_t)((lo + hi) / 2);
        if (compare(type_id, value, stats->histogram[mid], &ok) < 0) hi = mid;
        else lo = mid;
    }
    double bin_frac = 0.5;
    double low, high, point;
    if (is_numeric_type(type_id) && parse_number(stats->histogram[lo], &low) &&
        parse_number(stats->histogram[hi], &high) && parse_number(value, &point) && high > low) {
        bin_frac = clamp01((point - low) / (high - low));
    }
    return (lo + bin_frac) / (count - 1);
}

/* range_selectivity: col < value (less) or col > value (!less); inclusive adds the equal MCV. */
static double range_selectivity(const StatColumn *column, uint32_t type_id, const char *value,
                                bool less, bool inclusive)
{
    const CatColumnStats *stats = column->stats;
    double mcv_part = 0;
    for (uint16_t idx = 0; idx < stats->mcv_count; idx++) {
        bool ok = false;
        int cmp = compare(type_id, stats->mcv_values[idx], value, &ok);
        if (!ok) return SEL_RANGE;
        if ((less && cmp < 0) || (!less && cmp > 0) || (inclusive && cmp == 0)) {
            mcv_part += stats->mcv_freqs[idx];
        }
    }
    double other = clamp01(1.0 - stats->null_frac - mcv_sum(stats));
    double hist_part = SEL_RANGE;
    if (stats->histogram_count >= 2) {
        double below = histogram_below(stats, type_id, value);
        hist_part = less ? below : 1.0 - below;
    } else if (stats->mcv_count > 0 && other < 1e-9) {
        hist_part = 0;
    }
    return clamp01(mcv_part + hist_part * other);
}

/* op_kind: '=', '!' (<>), '<', 'l' (<=), '>', 'g' (>=), flipped when the constant is left. */
static char op_kind(const char *name, bool flip)
{
    if (strcmp(name, "=") == 0) return '=';
    if (strcmp(name, "<>") == 0) return '!';
    if (strcmp(name, "<") == 0) return flip ? '>' : '<';
    if (strcmp(name, "<=") == 0) return flip ? 'g' : 'l';
    if (strcmp(name, ">") == 0) return flip ? '<' : '>';
    if (strcmp(name, ">=") == 0) return flip ? 'l' : 'g';
    return 0;
}

/* compare_operands: `column OP const` with statistics: *op_out, column, constant text. */
static bool compare_operands(const StatEnv *env, const Expr *cond, char *op_out,
                             StatColumn *column_out, const char **value_out)
{
    if (cond->kind != EXPR_CALL || cond->arg_count != 2 || cond->name == NULL) return false;
    for (int side = 0; side < 2; side++) {
        if (column_of(env, cond->args[side], column_out) &&
            const_text(cond->args[1 - side], value_out)) {
            *op_out = op_kind(cond->name, side == 1);
            return *op_out != 0;
        }
    }
    return false;
}

static double fixed_call_selectivity(const Expr *cond)
{
    if (cond->name == NULL) return SEL_DEFAULT;
    if (strcmp(cond->name, "=") == 0) return SEL_EQ;
    if (strcmp(cond->name, "<>") == 0) return 1.0 - SEL_EQ;
    if (strcmp(cond->name, "<") == 0 || strcmp(cond->name, "<=") == 0 ||
        strcmp(cond->name, ">") == 0 || strcmp(cond->name, ">=") == 0) {
        return SEL_RANGE;
    }
    if (strcmp(cond->name, "~~") == 0) return SEL_EQ;
    return SEL_DEFAULT;
}

static double call_selectivity(const StatEnv *env, const Expr *cond)
{
    char op = 0;
    StatColumn column;
    const char *value = NULL;
    if (!compare_operands(env, cond, &op, &column, &value)) return fixed_call_selectivity(cond);
    uint32_t type_id = strip_casts(cond->args[0])->type.id;
    if (strip_casts(cond->args[0])->kind != EXPR_COLUMN) type_id = strip_casts(cond->args[1])->type.id;
    switch (op) {
    case '=': return eq_selectivity(&column, type_id, value);
    case '!':
        return clamp01(1.0 - eq_selectivity(&column, type_id, value) - column.stats->null_frac);
    case '<': return range_selectivity(&column, type_id, value, true, false);
    case 'l': return range_selectivity(&column, type_id, value, true, true);
    case '>': return range_selectivity(&column, type_id, value, false, false);
    default: return range_selectivity(&column, type_id, value, false, true);
    }
}

static double null_selectivity(const StatEnv *env, const Expr *cond, bool is_null)
{
    StatColumn column;
    if (!column_of(env, cond->args[0], &column)) return is_null ? SEL_EQ : 1.0 - SEL_EQ;
    return is_null ? column.stats->null_frac : 1.0 - column.stats->null_frac;
}

double stat_selectivity(const StatEnv *env, const Expr *cond)
{
    if (cond == NULL) return 1.0;
    switch (cond->kind) {
    case EXPR_AND: return stat_conjunction(env, (const Expr *const *)cond->args, cond->arg_count);
    case EXPR_OR: {
        double sum = 0.0;
        for (uint32_t arg_idx = 0; arg_idx < cond->arg_count; arg_idx++) {
            sum += stat_selectivity(env, cond->args[arg_idx]);
        }
        return sum > 1.0 ? 1.0 : sum;
    }
    case EXPR_NOT: return 1.0 - stat_selectivity(env, cond->args[0]);
    case EXPR_IS_NULL: return null_selectivity(env, cond, true);
    case EXPR_IS_NOT_NULL: return null_selectivity(env, cond, false);
    case EXPR_CALL: return call_selectivity(env, cond);
    default: return SEL_DEFAULT;
    }
}

/* RangePair: the lower and upper bound selectivities seen for one column. */
typedef struct RangePair {
    uint32_t column_idx;
    double   lower, upper;       /* < 0: none */
    double   null_frac;
} RangePair;

double stat_conjunction(const StatEnv *env, const Expr *const *conds, uint32_t count)
{
    RangePair pairs[STAT_CONJ_MAX];
    uint32_t pair_count = 0;
    double product = 1.0;
    for (uint32_t cond_idx = 0; cond_idx < count; cond_idx++) {
        const Expr *cond = conds[cond_idx];
        char op = 0;
        StatColumn column;
        const char *value = NULL;
        bool range = cond != NULL && compare_operands(env, cond, &op, &column, &value) &&
                     (op == '<' || op == 'l' || op == '>' || op == 'g');
        if (!range) {
            product *= stat_selectivity(env, cond);
            continue;
        }
        double sel = call_selectivity(env, cond);
        uint32_t column_idx = strip_casts(cond->args[0])->kind == EXPR_COLUMN
                                  ? strip_casts(cond->args[0])->column_idx
                                  : strip_casts(cond->args[1])->column_idx;
        uint32_t pair_idx = 0;
        while (pair_idx < pair_count && pairs[pair_idx].column_idx != column_idx) pair_idx++;
        if (pair_idx == pair_count) {
            if (pair_count == STAT_CONJ_MAX) {
                product *= sel;
                continue;
            }
            pairs[pair_count++] = (RangePair){ column_idx, -1, -1, column.stats->null_frac };
        }
        double *slot = (op == '<' || op == 'l') ? &pairs[pair_idx].upper : &pairs[pair_idx].lower;
        *slot = *slot < 0 ? sel : fmin(*slot, sel);
    }
    for (uint32_t pair_idx = 0; pair_idx < pair_count; pair_idx++) {
        const RangePair *pair = &pairs[pair_idx];
        if (pair->lower < 0 || pair->upper < 0) {
            product *= pair->lower < 0 ? pair->upper : pair->lower;
            continue;
        }
        double sel = pair->lower + pair->upper - 1.0 + pair->null_frac;
        if (sel <= 0) sel = sel < -0.01 ? SEL_RANGE_PAIR : 1e-10;
        product *= sel;
    }
    return product;
}

double stat_join_selectivity(const StatColumn *left, double left_rows, const StatColumn *right,
                             double right_rows)
{
    StatColumn left_clamped = *left, right_clamped = *right;
    double left_distinct = fmin(stat_distinct(&left_clamped), fmax(1.0, left_rows));
    double right_distinct = fmin(stat_distinct(&right_clamped), fmax(1.0, right_rows));
    double nonnull = (1.0 - left->stats->null_frac) * (1.0 - right->stats->null_frac);
    return clamp01(nonnull / fmax(left_distinct, right_distinct));
}

bool stat_column(const StatEnv *env, const Expr *expr, StatColumn *out)
{
    return column_of(env, expr, out);
}
