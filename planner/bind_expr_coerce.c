/* planner/bind_expr_coerce.c: casts and common types.
 *
 * PostgreSQL marks each cast implicit, assignment or explicit (pg_cast.castcontext). The
 * binder keeps a small table of the first two (cast_allowed) and asks the executor's resolver
 * for the kernel: the resolver answers "how", this file answers "may we". UNKNOWN literals
 * are never cast: they become constants of the target type whose text the executor parses
 * once (a typmod, e.g. varchar(5), is then applied by a cast node so that an explicit cast
 * truncates and an assignment raises 22001, as PostgreSQL does). An untyped $n takes the
 * target type (its type is recorded in ctx->param_types).
 *
 * bind_common_type follows PostgreSQL's select_common_type: the first known type leads; a
 * different category is an error; within a category the type moves to one the current type
 * casts to implicitly but not back (int4 -> numeric), never away from a preferred type. */
#include <string.h>

#include "common/asserts.h"
#include "planner/bind_expr_int.h"

typedef enum TypeCategory {
    CATEGORY_NUMERIC = 'N',
    CATEGORY_STRING = 'S',
    CATEGORY_UNKNOWN = 'X',
    CATEGORY_BOOL = 'B',
    CATEGORY_DATETIME = 'D',
    CATEGORY_TIMESPAN = 'T',
    CATEGORY_USER = 'U',
    CATEGORY_ARRAY = 'A',
} TypeCategory;

/* catfuncs: oid and the reg* aliases */
static bool is_oid_family(uint32_t id)
{
    return id == TYPE_OID || id == TYPE_REGCLASS || id == TYPE_REGTYPE || id == TYPE_REGPROC ||
           id == TYPE_REGNAMESPACE || id == TYPE_REGROLE;
}

static TypeCategory category_of(uint32_t id)
{
    if (id == TYPE_UNKNOWN) return CATEGORY_UNKNOWN;
    if (type_is_numeric_family(id) || is_oid_family(id)) return CATEGORY_NUMERIC;   /* catfuncs */
    if (type_is_string(id)) return CATEGORY_STRING;
    if (type_array_elem(id) != TYPE_INVALID) return CATEGORY_ARRAY;
    switch (id) {
    case TYPE_BOOL: return CATEGORY_BOOL;
    case TYPE_DATE:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: return CATEGORY_DATETIME;
    case TYPE_INTERVAL: return CATEGORY_TIMESPAN;
    default: return CATEGORY_USER;
    }
}

static bool is_preferred(uint32_t id)
{
    return id == TYPE_FLOAT8 || id == TYPE_TEXT || id == TYPE_TIMESTAMPTZ ||
           id == TYPE_INTERVAL || id == TYPE_BOOL;
}

static int numeric_rank(uint32_t id)
{
    switch (id) {
    case TYPE_INT2: return 0;
    case TYPE_INT4: return 1;
    case TYPE_INT8: return 2;
    case TYPE_NUMERIC: return 3;
    case TYPE_FLOAT4: return 4;
    case TYPE_FLOAT8: return 5;
    default: return -1;
    }
}

static int datetime_rank(uint32_t id)
{
    return id == TYPE_DATE ? 0 : id == TYPE_TIMESTAMP ? 1 : id == TYPE_TIMESTAMPTZ ? 2 : -1;
}

static bool is_text_like(uint32_t id)
{
    return id == TYPE_TEXT || id == TYPE_VARCHAR || id == TYPE_BPCHAR || id == TYPE_NAME;
}

/* implicit_ok: PostgreSQL has an implicit cast from -> to (castcontext 'i'). */
static bool implicit_ok(uint32_t from, uint32_t to)
{
    if (from == to || from == TYPE_UNKNOWN) return true;
    if (type_array_elem(from) != TYPE_INVALID && type_array_elem(to) != TYPE_INVALID) {
        return implicit_ok(type_array_elem(from), type_array_elem(to));   /* arrays: by element */
    }
    int from_rank = numeric_rank(from), to_rank = numeric_rank(to);
    if (from_rank >= 0 && to_rank >= 0) return to_rank > from_rank;
    if (is_text_like(from) && is_text_like(to)) return to != TYPE_NAME || from == TYPE_TEXT;
    if (to == TYPE_TEXT && from == TYPE_CHAR) return true;
    if (to == TYPE_OID && (from == TYPE_INT2 || from == TYPE_INT4 || from == TYPE_INT8)) {
        return true;
    }
    if (from == TYPE_OID && (to == TYPE_INT8)) return true;
    /* catfuncs: oid and reg* are binary coercible both ways; ints and text reach reg* */
    if (is_oid_family(from) && is_oid_family(to)) return true;
    if (is_oid_family(to) && to != TYPE_OID &&
        (from == TYPE_INT2 || from == TYPE_INT4 || from == TYPE_INT8 || from == TYPE_TEXT)) {
        return true;
    }
    from_rank = datetime_rank(from);
    to_rank = datetime_rank(to);
    if (from_rank >= 0 && to_rank >= 0) return to_rank > from_rank;
    return from == TYPE_TIME && to == TYPE_INTERVAL;
}

/* assignment_ok: an implicit or assignment cast (castcontext 'i' or 'a'), including the I/O
 * conversions to string types that PostgreSQL allows in assignment. */
static bool assignment_ok(uint32_t from, uint32_t to)
{
    if (implicit_ok(from, to)) return true;
    if ((from == TYPE_JSON && to == TYPE_JSONB) || (from == TYPE_JSONB && to == TYPE_JSON)) {
        return true;   /* types: json <-> jsonb are assignment casts */
    }
    if (numeric_rank(from) >= 0 && numeric_rank(to) >= 0) return true;
    if (type_is_string(to)) return true;
    if (from == TYPE_OID && (to == TYPE_INT4 || to == TYPE_INT2)) return true;
    if (is_oid_family(from) && (to == TYPE_INT4 || to == TYPE_INT8)) return true;   /* catfuncs */
    if ((from == TYPE_TIMESTAMP || from == TYPE_TIMESTAMPTZ) &&
        (to == TYPE_DATE || to == TYPE_TIME || to == TYPE_TIMESTAMP)) {
        return true;
    }
    return from == TYPE_INTERVAL && to == TYPE_TIME;
}

/* has_length_typmod: a typmod that a cast applies (so constants get it through a cast). */
static bool has_length_typmod(Type type)
{
    if (type.typmod < 0) return false;
    switch (type.id) {
    case TYPE_VARCHAR:
    case TYPE_BPCHAR:
    case TYPE_NUMERIC:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
    case TYPE_INTERVAL: return true;
    default: return false;
    }
}

static Error *cast_node(BindCtx *ctx, Expr *expr, Type target, bool explicit_cast,
                        Expr **expr_out)
{
    const PlanResolver *resolver = ctx->plan->resolver;
    const void *kern = NULL;
    TRY(bind_error_position(resolver->cast(resolver->ctx, expr->type, target, explicit_cast,
                                           &kern),
                            expr->position));
    Expr *cast = bind_expr_with_args(ctx, EXPR_CAST, target, expr->position, 1);
    if (cast == NULL) return bind_error_oom();
    cast->args[0] = expr;
    cast->kern = kern;
    cast->name = type_name(target.id);
    *expr_out = cast;
    return NULL;
}

/* coerce_unknown: an UNKNOWN literal, NULL or $n to target. */
static Error *coerce_unknown(BindCtx *ctx, Expr *expr, Type target, bool explicit_cast,
                             Expr **expr_out)
{
    bool typmod_cast = has_length_typmod(target);
    Type base = typmod_cast ? type_plain((TypeId)target.id) : target;
    Expr *typed = NULL;
    if (expr->kind == EXPR_CONST) {
        if (expr->is_null) {
            typed = bind_const_null(ctx, target);
            if (typed == NULL) return bind_error_oom();
            typed->position = expr->position;
            *expr_out = typed;
            return NULL;
        }
        typed = bind_const_text(ctx, base, expr->const_text, expr->const_size, expr->position);
        if (typed == NULL) return bind_error_oom();
    } else if (expr->kind == EXPR_PARAM) {
        bind_param_type_set(ctx, expr->param_idx, base);
        Type known = expr->param_idx < ctx->param_capacity ? ctx->param_types[expr->param_idx]
                                                           : base;
        typed = bind_expr_new(ctx, EXPR_PARAM, known, expr->position);
        if (typed == NULL) return bind_error_oom();
        typed->param_idx = expr->param_idx;
        if (!type_equal(known, target)) {
            /* the parameter was typed elsewhere: cast it like any value */
            return bind_coerce(ctx, typed, target, explicit_cast, NULL, expr_out);
        }
        *expr_out = typed;
        return NULL;
    } else {
        /* only constants and parameters are UNKNOWN (CASE/COALESCE resolve to text) */
        return err_at(SQLSTATE_INDETERMINATE_DATATYPE, expr->position,
                      "could not determine data type of expression");
    }
    if (!typmod_cast) {
        *expr_out = typed;
        return NULL;
    }
    return cast_node(ctx, typed, target, explicit_cast, expr_out);
}

Error *bind_coerce(BindCtx *ctx, Expr *expr, Type target, bool explicit_cast,
                   const char *column_name, Expr **expr_out)
{
    ASSERT(expr != NULL);
    if (target.id == TYPE_INVALID || type_equal(expr->type, target)) {
        *expr_out = expr;
        return NULL;
    }
    if (target.id == TYPE_UNKNOWN) {
        return err_at(SQLSTATE_CANNOT_COERCE, expr->position, "cannot cast type %s to unknown",
                      type_name(expr->type.id));
    }
    if (expr->type.id == TYPE_UNKNOWN) {
        return coerce_unknown(ctx, expr, target, explicit_cast, expr_out);
    }
    if (!explicit_cast && !assignment_ok(expr->type.id, target.id)) {
        if (column_name != NULL) {
            return err_set_hint(err_at(SQLSTATE_DATATYPE_MISMATCH, expr->position,
                                       "column \"%s\" is of type %s but expression is of type %s",
                                       column_name, type_name(target.id),
                                       type_name(expr->type.id)),
                                "You will need to rewrite or cast the expression.");
        }
        return err_at(SQLSTATE_CANNOT_COERCE, expr->position, "cannot cast type %s to %s",
                      type_name(expr->type.id), type_name(target.id));
    }
    return cast_node(ctx, expr, target, explicit_cast, expr_out);
}

Error *bind_common_type(BindCtx *ctx, Expr *const *exprs, uint32_t count, const char *context,
                        Type *type_out)
{
    (void)ctx;
    ASSERT(count > 0);
    Type common = exprs[0]->type;
    for (uint32_t expr_idx = 1; expr_idx < count; expr_idx++) {
        Type next = exprs[expr_idx]->type;
        if (next.id == TYPE_UNKNOWN || next.id == common.id) continue;
        if (common.id == TYPE_UNKNOWN) {
            common = next;
            continue;
        }
        if (category_of(next.id) != category_of(common.id)) {
            return err_at(SQLSTATE_DATATYPE_MISMATCH, exprs[expr_idx]->position,
                          "%s types %s and %s cannot be matched", context,
                          type_name(common.id), type_name(next.id));
        }
        if (!is_preferred(common.id) && implicit_ok(common.id, next.id) &&
            !implicit_ok(next.id, common.id)) {
            common = next;
        }
    }
    if (common.id == TYPE_UNKNOWN) {
        *type_out = type_plain(TYPE_TEXT);
        return NULL;
    }
    /* the typmod survives only when every typed input agrees on it */
    for (uint32_t expr_idx = 0; expr_idx < count; expr_idx++) {
        Type type = exprs[expr_idx]->type;
        if (type.id == TYPE_UNKNOWN) continue;
        if (!implicit_ok(type.id, common.id)) {
            return err_at(SQLSTATE_CANNOT_COERCE, exprs[expr_idx]->position,
                          "%s could not convert type %s to %s", context, type_name(type.id),
                          type_name(common.id));
        }
        if (type.id != common.id || type.typmod != common.typmod) {
            common.typmod = TYPE_TYPMOD_NONE;
        }
    }
    *type_out = common;
    return NULL;
}
