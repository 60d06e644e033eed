/* executor/resolver.c: the PlanResolver the planner binds against (exec_resolver): operators
 * and functions through kern_lookup, casts through kern_cast_lookup plus the typmod-applying
 * casts the registry leaves out, aggregates through kern_agg_find.
 *
 * Casts: kern_cast_lookup knows every single-step cast (numeric family, text output/input of
 * every type, string relabels, varchar(n)/char(n) truncation). What it does not know:
 * - the assignment form of text -> varchar(n) / char(n) (an error past n characters instead of
 *   truncation): kern_assign_text_varchar / kern_assign_text_bpchar when !explicit_cast;
 * - a non-string type to varchar(n) / char(n): output function, then the typmod; done by the
 *   two-step kernels below (they look up the output kernel from the argument's type once per
 *   chunk, never per row);
 * - the date/time casts between date, timestamp, timestamptz and time (the session's TimeZone
 *   from KernCtx.dt), and timestamp(p) / timestamptz(p) / time(p) precision rounding: the
 *   dt_* kernels below over common/datetime.h.
 */
#include <string.h>

#include "executor/exec.h"

/* cast_out_then: output kernel of args[0]'s type into a text scratch vector, then typmod_fn. */
static Error *cast_out_then(KernCtx *ctx, const Vector *const *args, const uint16_t *sel,
                            uint32_t count, Vector *out, KernFn typmod_fn)
{
    KernFn out_fn = NULL;
    TRY(kern_cast_lookup(args[0]->type, type_plain(TYPE_TEXT), &out_fn));
    if (out_fn == NULL) return typmod_fn(ctx, args, sel, count, out);
    Vector text;
    vec_init(&text, type_plain(TYPE_TEXT), ctx->arena);
    TRY(out_fn(ctx, args, sel, count, &text));
    const Vector *text_args[1] = { &text };
    return typmod_fn(ctx, text_args, sel, count, out);
}

static KERN_DECLARE(cast_any_varchar)
{
    return cast_out_then(ctx, args, sel, count, out, kern_cast_text_varchar);
}
static KERN_DECLARE(cast_any_bpchar)
{
    return cast_out_then(ctx, args, sel, count, out, kern_cast_text_bpchar);
}
static KERN_DECLARE(assign_any_varchar)
{
    return cast_out_then(ctx, args, sel, count, out, kern_assign_text_varchar);
}
static KERN_DECLARE(assign_any_bpchar)
{
    return cast_out_then(ctx, args, sel, count, out, kern_assign_text_bpchar);
}

/* ------------------------------------------------------------ date/time ---- */

/* DtConv: one value (date days or microseconds) to the target's; *is_null_out for a NULL
 * result (time of an infinite timestamp). precision: the target's typmod (-1: none). */
typedef Error *(*DtConv)(int64_t value, const TzZone *zone, int precision, int64_t *value_out,
                         bool *is_null_out);

static Error *dt_cast_rows(KernCtx *ctx, const Vector *arg, const uint16_t *sel, uint32_t count,
                           Vector *out, DtConv conv)
{
    TRY(vec_reserve(out, kern_span(sel, count)));
    const TzZone *zone = ctx->dt != NULL ? ctx->dt->zone : NULL;
    int precision = out->type.typmod;
    for (uint32_t idx = 0; idx < count; idx++) {
        uint32_t row = sel != NULL ? sel[idx] : idx;
        uint32_t slot = arg->is_constant ? 0 : row;
        if (vec_is_null(arg, slot)) {
            TRY(vec_set_null(out, row));
            continue;
        }
        int64_t value = arg->phys == VEC_PHYS_I32 ? vec_i32(arg)[slot] : vec_i64(arg)[slot];
        int64_t result = 0;
        bool is_null = false;
        TRY(conv(value, zone, precision, &result, &is_null));
        if (is_null) {
            TRY(vec_set_null(out, row));
            continue;
        }
        vec_set_valid(out, row);
        if (out->phys == VEC_PHYS_I32) vec_i32(out)[row] = (int32_t)result;
        else vec_i64(out)[row] = result;
    }
    return NULL;
}

static Error *round_timestamp(int64_t value, int precision, int64_t *value_out)
{
    if (precision < 0) {
        *value_out = value;
        return NULL;
    }
    DtTimestamp rounded;
    TRY(dt_timestamp_round(value, precision, &rounded));
    *value_out = rounded;
    return NULL;
}

static Error *conv_date_ts(int64_t value, const TzZone *zone, int precision, int64_t *value_out,
                           bool *is_null_out)
{
    (void)zone; (void)precision; (void)is_null_out;
    DtTimestamp result;
    TRY(dt_date_to_timestamp((DtDate)value, &result));
    *value_out = result;
    return NULL;
}
static Error *conv_date_tstz(int64_t value, const TzZone *zone, int precision,
                             int64_t *value_out, bool *is_null_out)
{
    (void)precision; (void)is_null_out;
    DtTimestamp result;
    TRY(dt_date_to_timestamptz((DtDate)value, zone, &result));
    *value_out = result;
    return NULL;
}
static Error *conv_ts_date(int64_t value, const TzZone *zone, int precision, int64_t *value_out,
                           bool *is_null_out)
{
    (void)zone; (void)precision; (void)is_null_out;
    DtDate result;
    TRY(dt_timestamp_to_date(value, &result));
    *value_out = result;
    return NULL;
}
static Error *conv_tstz_date(int64_t value, const TzZone *zone, int precision,
                             int64_t *value_out, bool *is_null_out)
{
    (void)precision; (void)is_null_out;
    DtDate result;
    TRY(dt_timestamptz_to_date(value, zone, &result));
    *value_out = result;
    return NULL;
}
static Error *conv_ts_tstz(int64_t value, const TzZone *zone, int precision, int64_t *value_out,
                           bool *is_null_out)
{
    (void)is_null_out;
    DtTimestamp result;
    TRY(dt_timestamp_to_timestamptz(value, zone, &result));
    return round_timestamp(result, precision, value_out);
}
static Error *conv_tstz_ts(int64_t value, const TzZone *zone, int precision, int64_t *value_out,
                           bool *is_null_out)
{
    (void)is_null_out;
    DtTimestamp result;
    TRY(dt_timestamptz_to_timestamp(value, zone, &result));
    return round_timestamp(result, precision, value_out);
}
static Error *conv_ts_time(int64_t value, const TzZone *zone, int precision, int64_t *value_out,
                           bool *is_null_out)
{
    (void)zone;
    DtTime result;
    if (!dt_timestamp_to_time(value, &result)) {
        *is_null_out = true;
        return NULL;
    }
    *value_out = precision >= 0 ? dt_time_round(result, precision) : result;
    return NULL;
}
static Error *conv_tstz_time(int64_t value, const TzZone *zone, int precision,
                             int64_t *value_out, bool *is_null_out)
{
    DtTime result;
    if (!dt_timestamptz_to_time(value, zone, &result)) {
        *is_null_out = true;
        return NULL;
    }
    *value_out = precision >= 0 ? dt_time_round(result, precision) : result;
    return NULL;
}
static Error *conv_ts_round(int64_t value, const TzZone *zone, int precision, int64_t *value_out,
                            bool *is_null_out)
{
    (void)zone; (void)is_null_out;
    return round_timestamp(value, precision, value_out);
}
static Error *conv_time_round(int64_t value, const TzZone *zone, int precision,
                              int64_t *value_out, bool *is_null_out)
{
    (void)zone; (void)is_null_out;
    *value_out = precision >= 0 ? dt_time_round(value, precision) : value;
    return NULL;
}

#define DT_CAST_KERNEL(NAME, CONV)                                                            \
    static KERN_DECLARE(NAME) { return dt_cast_rows(ctx, args[0], sel, count, out, CONV); }
DT_CAST_KERNEL(cast_date_ts, conv_date_ts)
DT_CAST_KERNEL(cast_date_tstz, conv_date_tstz)
DT_CAST_KERNEL(cast_ts_date, conv_ts_date)
DT_CAST_KERNEL(cast_tstz_date, conv_tstz_date)
DT_CAST_KERNEL(cast_ts_tstz, conv_ts_tstz)
DT_CAST_KERNEL(cast_tstz_ts, conv_tstz_ts)
DT_CAST_KERNEL(cast_ts_time, conv_ts_time)
DT_CAST_KERNEL(cast_tstz_time, conv_tstz_time)
DT_CAST_KERNEL(cast_ts_round, conv_ts_round)
DT_CAST_KERNEL(cast_time_round, conv_time_round)

/* datetime_cast: the kernel for a date/time cast kern_cast_lookup does not know; NULL if none. */
static KernFn datetime_cast(Type from, Type to)
{
    uint32_t f = from.id, t = to.id;
    if (f == TYPE_DATE && t == TYPE_TIMESTAMP) return cast_date_ts;
    if (f == TYPE_DATE && t == TYPE_TIMESTAMPTZ) return cast_date_tstz;
    if (f == TYPE_TIMESTAMP && t == TYPE_DATE) return cast_ts_date;
    if (f == TYPE_TIMESTAMPTZ && t == TYPE_DATE) return cast_tstz_date;
    if (f == TYPE_TIMESTAMP && t == TYPE_TIMESTAMPTZ) return cast_ts_tstz;
    if (f == TYPE_TIMESTAMPTZ && t == TYPE_TIMESTAMP) return cast_tstz_ts;
    if (f == TYPE_TIMESTAMP && t == TYPE_TIME) return cast_ts_time;
    if (f == TYPE_TIMESTAMPTZ && t == TYPE_TIME) return cast_tstz_time;
    if (f == t && (t == TYPE_TIMESTAMP || t == TYPE_TIMESTAMPTZ) && to.typmod >= 0 &&
        to.typmod != from.typmod) {
        return cast_ts_round;
    }
    if (f == t && t == TYPE_TIME && to.typmod >= 0 && to.typmod != from.typmod) {
        return cast_time_round;
    }
    return NULL;
}

static bool is_bounded_string(Type type)
{
    return (type.id == TYPE_VARCHAR || type.id == TYPE_BPCHAR) && type.typmod >= 0;
}

static Error *resolve_func(void *ctx, const char *name, const Type *arg_types,
                           uint32_t arg_count, PlanFunc *out)
{
    (void)ctx;
    if (arg_count > PLAN_FUNC_ARG_MAX || arg_count > KERN_ARG_COUNT_MAX) {
        return err_new(SQLSTATE_UNDEFINED_FUNCTION, "function %s with %u arguments does not exist",
                       name, arg_count);
    }
    KernLookup lookup;
    memset(&lookup, 0, sizeof lookup);
    TRY(kern_lookup(name, arg_types, arg_count, &lookup));
    memset(out, 0, sizeof *out);
    out->kern = (const void *)lookup.fn;
    out->filter_kern = (const void *)lookup.filter;
    out->result_type = lookup.result_type;
    out->arg_count = arg_count;
    for (uint32_t arg_idx = 0; arg_idx < arg_count; arg_idx++) {
        out->arg_types[arg_idx] = lookup.arg_types[arg_idx];
    }
    return NULL;
}

static Error *resolve_cast(void *ctx, Type from, Type to, bool explicit_cast,
                           const void **kern_out)
{
    (void)ctx;
    *kern_out = NULL;
    bool from_string = type_is_string(from.id);
    if (is_bounded_string(to)) {
        if (from_string || from.id == TYPE_BYTEA) {
            /* same type and typmod: nothing to do */
            if (from.id == to.id && from.typmod == to.typmod) return NULL;
            KernFn fn;
            if (to.id == TYPE_VARCHAR) fn = explicit_cast ? kern_cast_text_varchar
                                                           : kern_assign_text_varchar;
            else fn = explicit_cast ? kern_cast_text_bpchar : kern_assign_text_bpchar;
            if (from.id == TYPE_BPCHAR && to.id == TYPE_VARCHAR) {
                /* char(n) -> varchar(m): trailing spaces go first (PostgreSQL's rtrim) */
                fn = explicit_cast ? kern_cast_text_varchar : kern_assign_text_varchar;
            }
            *kern_out = (const void *)fn;
            return NULL;
        }
        /* any other type: its output function, then the length rule */
        KernFn out_fn = NULL;
        TRY(kern_cast_lookup(from, type_plain(TYPE_TEXT), &out_fn));
        KernFn fn;
        if (to.id == TYPE_VARCHAR) fn = explicit_cast ? cast_any_varchar : assign_any_varchar;
        else fn = explicit_cast ? cast_any_bpchar : assign_any_bpchar;
        *kern_out = (const void *)fn;
        return NULL;
    }
    KernFn datetime_fn = datetime_cast(from, to);
    if (datetime_fn != NULL) {
        *kern_out = (const void *)datetime_fn;
        return NULL;
    }
    KernFn fn = NULL;
    TRY(kern_cast_lookup(from, to, &fn));
    *kern_out = (const void *)fn;
    return NULL;
}

static const void *resolve_agg(void *ctx, const char *name, uint32_t input_type,
                               Type *result_out)
{
    (void)ctx;
    const AggKern *agg = kern_agg_find(name, input_type);
    if (agg == NULL) return NULL;
    if (result_out != NULL) *result_out = type_plain((TypeId)agg->result_type);
    return agg;
}

static const PlanResolver EXEC_RESOLVER = {
    .ctx = NULL,
    .func = resolve_func,
    .cast = resolve_cast,
    .agg = resolve_agg,
};

const PlanResolver *exec_resolver(void) { return &EXEC_RESOLVER; }
